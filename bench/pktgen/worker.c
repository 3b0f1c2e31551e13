/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The worker lcore: one loop that receives and matches what came back, then
 * generates and transmits, shaped like l3fwd's (bursts of PG_BURST, nothing
 * allocated, locked or printed per packet). Frames the port did not take
 * stay at the head of the next burst, so the sequence has no holes and a
 * full ring slows the generator instead of dropping what it made.
 */
#include <errno.h>
#include <string.h>

#include <rte_arp.h>
#include <rte_cycles.h>
#include <rte_pause.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_prefetch.h>

#include "pg.h"

#define PG_RX_ROUNDS 4          /* full rx bursts drained before sending again */
#define PG_BACKLOG_US 100       /* rate: how far behind the generator may fall */

struct pg_worker {
	const struct pg_config *cfg;
	struct pg_gen *gen;
	struct pg_flows flows;
	struct pg_match_ctx mctx;
	struct rte_mempool *pool;
	uint16_t port, queue, down_port;
	uint32_t stop_tx, quit; /* written by the main lcore */
	struct pg_times times;
	uint16_t n_pend;
	uint8_t pend_kind[PG_BURST];
	uint16_t pend_len[PG_BURST];
	struct rte_mbuf *pend[PG_BURST];
	struct pg_stats st __rte_cache_aligned;
} __rte_cache_aligned;

static const uint32_t pg_slots[PG_K__COUNT] = {
	[PG_K_dns_hit] = PG_SLOTS_DNS, [PG_K_dns_miss] = PG_SLOTS_DNS,
	[PG_K_syn_cold] = PG_SLOTS_SYN, [PG_K_fwd] = PG_SLOTS_FWD, [PG_K_arp] = PG_SLOTS_ARP,
};

struct pg_worker *
pg_worker_create(const struct pg_worker_params *prm)
{
	int socket = (int)rte_lcore_to_socket_id(prm->lcore);
	struct pg_worker *w = rte_zmalloc_socket("pg_worker", sizeof(*w), RTE_CACHE_LINE_SIZE,
						 socket);

	if (w == NULL) {
		rte_errno = ENOMEM;
		return NULL;
	}
	w->cfg = prm->cfg;
	w->pool = prm->pool;
	w->port = prm->port;
	w->down_port = prm->down_port;
	w->queue = prm->queue;
	w->times.tsc_hz = rte_get_tsc_hz();
	/* only the kinds of the profile have tables: a reply to another
	 * kind's tag is unmatched */
	for (int k = 0; k < PG_K__COUNT; k++) {
		if (prm->cfg->weight[k] == 0 && prm->cfg->flood != k)
			continue;
		w->flows.slot[k] = rte_zmalloc_socket("pg_slots", pg_slots[k] * sizeof(struct pg_slot),
						      RTE_CACHE_LINE_SIZE, socket);
		w->flows.mask[k] = pg_slots[k] - 1;
		if (w->flows.slot[k] == NULL) {
			pg_worker_free(w);
			rte_errno = ENOMEM;
			return NULL;
		}
	}
	w->gen = pg_gen_create(prm->cfg, &prm->src_mac, &w->flows);
	if (w->gen == NULL) {
		int e = rte_errno;
		pg_worker_free(w);
		rte_errno = e;
		return NULL;
	}
	w->mctx = (struct pg_match_ctx){ .cfg = prm->cfg, .src_mac = prm->src_mac,
					 .flows = &w->flows, .st = &w->st };
	return w;
}

void
pg_worker_free(struct pg_worker *w)
{
	if (w == NULL)
		return;
	rte_pktmbuf_free_bulk(w->pend, w->n_pend);
	pg_gen_free(w->gen);
	for (int k = 0; k < PG_K__COUNT; k++)
		rte_free(w->flows.slot[k]);
	rte_free(w);
}

void
pg_worker_stop_tx(struct pg_worker *w)
{
	__atomic_store_n(&w->stop_tx, 1, __ATOMIC_RELEASE);
}

void
pg_worker_quit(struct pg_worker *w)
{
	__atomic_store_n(&w->quit, 1, __ATOMIC_RELEASE);
}

const struct pg_stats *
pg_worker_stats(const struct pg_worker *w)
{
	return &w->st;
}

const struct pg_times *
pg_worker_times(const struct pg_worker *w)
{
	return &w->times;
}

static inline void
pg_rx(struct pg_worker *w, uint16_t port, int down)
{
	struct rte_mbuf *pkts[PG_BURST];

	w->mctx.down = down;
	for (int r = 0; r < PG_RX_ROUNDS; r++) {
		uint16_t n = rte_eth_rx_burst(port, w->queue, pkts, PG_BURST);
		if (n == 0)
			return;
		uint64_t now = rte_rdtsc();
		if (w->times.rx_first == 0)
			w->times.rx_first = now;
		w->times.rx_last = now;
		w->st.rx_frames += n;
		for (uint16_t i = 0; i < n; i++) {
			struct rte_mbuf *m = pkts[i];
			if (i + 1 < n)
				rte_prefetch0(rte_pktmbuf_mtod(pkts[i + 1], void *));
			w->st.rx_bytes += m->pkt_len;
			if (unlikely(m->nb_segs > 1)) /* headers are in the first one */
				w->st.cnt[PG_C_rx_multiseg]++;
			pg_match_frame(&w->mctx, rte_pktmbuf_mtod(m, const uint8_t *), m->data_len, now);
		}
		rte_pktmbuf_free_bulk(pkts, n);
		if (n < PG_BURST)
			return;
	}
}

/* Generate @p want frames behind what is pending, @p paced of them from
 * the profile and the rest of the flood kind, the profile's spread evenly
 * through them (no kind goes first into a ring that may be full); 0 when
 * the pool is dry. */
static inline unsigned int
pg_generate(struct pg_worker *w, unsigned int want, unsigned int paced)
{
	struct rte_mbuf **m = w->pend + w->n_pend;

	if (unlikely(rte_pktmbuf_alloc_bulk(w->pool, m, want) != 0)) {
		w->st.cnt[PG_C_tx_nombuf]++;
		return 0;
	}
	uint64_t tsc = rte_rdtsc(); /* one stamp a burst: they leave together */
	for (unsigned int i = 0; i < want; i++) {
		struct pg_gen_out o;
		if (paced == want || (i + 1) * paced / want > i * paced / want)
			pg_gen_next(w->gen, rte_pktmbuf_mtod(m[i], uint8_t *), tsc, &o);
		else
			pg_gen_flood(w->gen, rte_pktmbuf_mtod(m[i], uint8_t *), tsc, &o);
		m[i]->data_len = o.len;
		m[i]->pkt_len = o.len;
		w->pend_kind[w->n_pend + i] = o.kind;
		w->pend_len[w->n_pend + i] = o.len;
	}
	w->n_pend = (uint16_t)(w->n_pend + want);
	return want;
}

static inline void
pg_tx(struct pg_worker *w, uint64_t now)
{
	uint16_t sent = rte_eth_tx_burst(w->port, w->queue, w->pend, w->n_pend);

	/* what the port took is its own now: count from our copies */
	for (uint16_t i = 0; i < sent; i++) {
		w->st.kind[w->pend_kind[i]][PG_KC_sent]++;
		w->st.kind[w->pend_kind[i]][PG_KC_sent_bytes] += w->pend_len[i];
	}
	if (sent > 0) {
		if (w->times.tx_first == 0)
			w->times.tx_first = now;
		w->times.tx_last = now;
	}
	if (sent < w->n_pend && w->cfg->lossy) { /* a full ring drops what comes */
		for (uint16_t i = sent; i < w->n_pend; i++)
			w->st.kind[w->pend_kind[i]][PG_KC_dropped]++;
		rte_pktmbuf_free_bulk(w->pend + sent, (unsigned int)(w->n_pend - sent));
		sent = w->n_pend;
	} else if (sent < w->n_pend) {
		uint16_t rest = (uint16_t)(w->n_pend - sent);
		w->st.cnt[PG_C_tx_retry]++;
		memmove(w->pend, w->pend + sent, rest * sizeof(w->pend[0]));
		memmove(w->pend_kind, w->pend_kind + sent, rest);
		memmove(w->pend_len, w->pend_len + sent, rest * sizeof(w->pend_len[0]));
	}
	w->n_pend = (uint16_t)(w->n_pend - sent);
}

int
pg_worker_run(void *arg)
{
	struct pg_worker *w = arg;
	const uint64_t hz = w->times.tsc_hz;
	const double per_tsc = (double)w->cfg->rate_pps / (double)hz;
	uint64_t backlog = w->cfg->rate_pps * PG_BACKLOG_US / 1000000;
	uint64_t made = 0; /* generated, plus what the rate skipped */
	const uint64_t t0 = rte_rdtsc();

	if (backlog < 2 * PG_BURST)
		backlog = 2 * PG_BURST;
	while (!__atomic_load_n(&w->quit, __ATOMIC_ACQUIRE)) {
		pg_rx(w, w->port, 0);
		if (w->down_port != PG_PORT_NONE)
			pg_rx(w, w->down_port, 1);
		uint64_t now = rte_rdtsc();
		if (unlikely(__atomic_load_n(&w->stop_tx, __ATOMIC_ACQUIRE))) {
			if (w->times.stop_tx == 0)
				w->times.stop_tx = now;
			continue;
		}
		unsigned int want = PG_BURST - w->n_pend, paced = want;
		if (w->cfg->rate_pps) {
			uint64_t due = (uint64_t)((double)(now - t0) * per_tsc);
			if (due > made + backlog) { /* the port could not keep up: skip */
				w->st.cnt[PG_C_tx_behind] += due - made - backlog;
				made = due - backlog;
			}
			uint64_t credit = due > made ? due - made : 0;
			if (credit < paced)
				paced = (unsigned int)credit;
		}
		if (w->cfg->flood < 0)
			want = paced;
		if (want > 0 && pg_generate(w, want, paced) > 0)
			made += paced;
		if (w->n_pend > 0)
			pg_tx(w, now);
	}
	/* generated and never taken: freed, counted */
	w->st.cnt[PG_C_tx_unsent] += w->n_pend;
	rte_pktmbuf_free_bulk(w->pend, w->n_pend);
	w->n_pend = 0;
	return 0;
}


/* An ARP request for the gateway from --src-ip: what the probe sends. */
static uint16_t
pg_probe_frame(const struct pg_config *cfg, const struct rte_ether_addr *src, uint8_t *f)
{
	struct rte_ether_hdr *e = (struct rte_ether_hdr *)f;
	struct rte_arp_hdr *a = (struct rte_arp_hdr *)(e + 1);

	memset(f, 0, 60);
	memset(&e->dst_addr, 0xff, RTE_ETHER_ADDR_LEN);
	e->src_addr = *src;
	e->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_ARP);
	a->arp_hardware = rte_cpu_to_be_16(RTE_ARP_HRD_ETHER);
	a->arp_protocol = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	a->arp_hlen = RTE_ETHER_ADDR_LEN;
	a->arp_plen = 4;
	a->arp_opcode = rte_cpu_to_be_16(RTE_ARP_OP_REQUEST);
	a->arp_data.arp_sha = *src;
	a->arp_data.arp_sip = cfg->src_ip;
	a->arp_data.arp_tip = cfg->gw_ip;
	return 60;
}

/* Its answer: the gateway's reply, or the request itself turned around. */
static int
pg_probe_answer(const struct pg_config *cfg, const struct rte_ether_addr *src,
		const struct rte_mbuf *m)
{
	const struct rte_ether_hdr *e = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	const struct rte_arp_hdr *a = (const struct rte_arp_hdr *)(e + 1);

	if (m->data_len < sizeof(*e) + sizeof(*a) ||
	    e->ether_type != rte_cpu_to_be_16(RTE_ETHER_TYPE_ARP))
		return 0;
	if (a->arp_opcode == rte_cpu_to_be_16(RTE_ARP_OP_REPLY))
		return a->arp_data.arp_sip == cfg->gw_ip && a->arp_data.arp_tip == cfg->src_ip;
	return a->arp_opcode == rte_cpu_to_be_16(RTE_ARP_OP_REQUEST) &&
	       a->arp_data.arp_sip == cfg->src_ip &&
	       rte_is_same_ether_addr(&a->arp_data.arp_sha, src);
}

int
pg_probe(const struct pg_worker_params *prm, uint32_t timeout_ms, struct pg_probe_result *res)
{
	const uint64_t hz = rte_get_tsc_hz(), t0 = rte_rdtsc();
	const uint64_t every = hz / 100, end = t0 + hz / 1000 * timeout_ms;
	uint64_t next = t0, answered = 0;
	struct rte_mbuf *pkts[PG_BURST];

	memset(res, 0, sizeof(*res));
	for (uint64_t now = t0;; now = rte_rdtsc()) {
		if (answered == 0 && now >= next) { /* one request every 10 ms */
			struct rte_mbuf *m = rte_pktmbuf_alloc(prm->pool);
			if (m == NULL)
				return -ENOMEM;
			m->data_len = m->pkt_len = pg_probe_frame(prm->cfg, &prm->src_mac,
								  rte_pktmbuf_mtod(m, uint8_t *));
			if (rte_eth_tx_burst(prm->port, prm->queue, &m, 1) == 1)
				res->sent++;
			else
				rte_pktmbuf_free(m);
			next = now + every;
		}
		/* a device that forwards (testpmd paired) returns it on the down port */
		for (int d = 0; d < 2; d++) {
			uint16_t port = d ? prm->down_port : prm->port;
			if (port == PG_PORT_NONE)
				continue;
			uint16_t n = rte_eth_rx_burst(port, prm->queue, pkts, PG_BURST);
			for (uint16_t i = 0; i < n; i++) {
				if (pg_probe_answer(prm->cfg, &prm->src_mac, pkts[i])) {
					if (answered++ == 0)
						res->ms = (double)(rte_rdtsc() - t0) * 1e3 /
							  (double)hz;
				} else {
					res->other++;
				}
			}
			rte_pktmbuf_free_bulk(pkts, n);
		}
		/* once answered, 20 ms more swallow the answers to earlier tries */
		if (answered && now - t0 > (uint64_t)(res->ms * (double)hz / 1e3) + hz / 50)
			break;
		if (!answered && now >= end)
			return -ETIMEDOUT;
		rte_pause();
	}
	res->answers = answered;
	return 0;
}
