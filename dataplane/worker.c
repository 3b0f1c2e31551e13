/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <string.h>
#include <netinet/in.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_prefetch.h>
#include <rte_random.h>
#include <rte_rcu_qsbr.h>
#include <rte_ring.h>
#include <rte_tcp.h>

#include "dataplane.h"

#define DP_BURST 32
#define DP_DRAIN_US 100 /* longest a reply waits in a tx buffer under load */
#define DP_PARK_MAX 1024 /* answers waiting for their service, per worker */
#define DP_REPLAY_BURSTS 8 /* held packets replayed per service and round */

enum dp_port_role { DP_UP, DP_DOWN, DP_EXC, DP_NROLES };

static const unsigned int dp_tx_counter[DP_NROLES] = {
	[DP_UP] = DP_C_tx_uplink,
	[DP_DOWN] = DP_C_tx_downlink,
	[DP_EXC] = DP_C_tx_exception,
};
static const unsigned int dp_rx_counter[DP_NROLES] = {
	[DP_UP] = DP_C_rx_uplink,
	[DP_DOWN] = DP_C_rx_downlink,
	[DP_EXC] = DP_C_rx_exception,
};
static const enum dp_port_role dp_action_port[] = {
	[DP_ACT_DROP] = DP_NROLES,
	[DP_ACT_PARK] = DP_UP,
	[DP_ACT_TX_UPLINK] = DP_UP,
	[DP_ACT_TX_DOWNLINK] = DP_DOWN,
	[DP_ACT_TX_EXCEPTION] = DP_EXC,
};

#define DP_ARP_RATE 1000 /* ARP requests a worker sends per second at most (a flood of
			    misses for spoofed sources must not become one of ARP) */
#define DP_ARP_BURST 64
#define DP_NHELD_MAX 256 /* routed replies waiting for their next hop's ARP, per worker */
#define DP_NHELD_MS 1000 /* how long one waits (a router's unresolved queue: Linux's 3 x 1 s probes, shorter) */

/* what the port pool adds per worker covers what a worker keeps */
_Static_assert(DP_PARK_MAX + DP_NHELD_MAX + DP_ARP_BURST + 16 * DP_BURST <= DP_WORKER_MBUFS,
	       "DP_WORKER_MBUFS: a worker's parked answers, held replies and own frames");

/* A routed frame whose next hop is being resolved. */
struct dp_nheld {
	struct rte_mbuf *m;
	uint64_t since;
	uint32_t nh;
};

/* An answer held until its service is READY (dns_reply = ready). */
struct dp_parked {
	struct rte_mbuf *m;
	uint64_t since;
	int svc;
};

struct dp_worker {
	struct dp_fp_conf conf; /* own copy: no shared line read per packet */
	const struct dp_fp_conf *cur;          /* what conf was copied from */
	const struct dp_fp_conf *const *live;  /* where the control plane publishes */
	struct rte_rcu_qsbr *qsv;
	struct dp_fp_state st;
	struct rte_ring *events;
	int event_fd;
	struct rte_ring *probes;
	struct rte_mempool *pool;
	const uint32_t *quit;
	uint8_t announce;
	uint16_t queue;
	uint16_t port[DP_NROLES]; /* DP_PORT_NONE when absent */
	struct rte_eth_dev_tx_buffer *txb[DP_NROLES];
	uint32_t n_parked;
	struct dp_parked parked[DP_PARK_MAX];
	uint32_t nheld_head, n_nheld; /* a ring: the oldest goes first when full */
	uint64_t nheld_tsc;
	struct dp_arp_pace arp; /* ARP requests' token bucket */
	struct dp_nheld nheld[DP_NHELD_MAX];
	uint64_t *replay_tsc;
	struct dp_cycles cyc;
	struct dp_counters cnt __rte_cache_aligned;
} __rte_cache_aligned;

/* Called by the tx buffer with what the NIC did not take: free and count. */
static void
dp_tx_unsent(struct rte_mbuf **pkts, uint16_t n, void *arg)
{
	struct dp_worker *w = arg;

	rte_pktmbuf_free_bulk(pkts, n);
	dp_count_add(&w->cnt, DP_C_drop_tx_full, n);
}

/* The DNS server's per-worker tables (RRL; TCP and forwarding later). */
static int
dp_worker_dns_create(struct dp_worker *w, const struct dp_worker_params *prm, int socket)
{
	if (prm->rrl_entries > 0) {
		void *mem = rte_zmalloc_socket("dp_rrl", dp_rrl_memsize(prm->rrl_entries),
					       RTE_CACHE_LINE_SIZE, socket);
		if (mem == NULL)
			return -ENOMEM;
		w->st.rrl = dp_rrl_init(mem, prm->rrl_entries, (uint32_t)rte_rand());
	}
	if (prm->dns_tcp_conns > 0) {
		void *mem = rte_zmalloc_socket("dp_dnstcp", dp_dnstcp_memsize(prm->dns_tcp_conns),
					       RTE_CACHE_LINE_SIZE, socket);
		if (mem == NULL)
			return -ENOMEM;
		w->st.dnstcp = dp_dnstcp_init(mem, prm->dns_tcp_conns, (uint32_t)rte_rand());
	}
	if (prm->dns_fwd_slots > 0 && prm->exception != DP_PORT_NONE && prm->pool != NULL) {
		uint32_t n = prm->dns_fwd_slots;
		if ((uint64_t)(prm->queue + 1u) * n > DP_DNSFWD_PORTS)
			return -EINVAL; /* the workers' port ranges must fit */
		void *mem = rte_zmalloc_socket("dp_dnsfwd", dp_dnsfwd_memsize(n),
					       RTE_CACHE_LINE_SIZE, socket);
		if (mem == NULL)
			return -ENOMEM;
		/* each worker its own range of source ports */
		w->st.dnsfwd = dp_dnsfwd_init(mem, n, (uint16_t)(DP_DNSFWD_PORT_BASE + prm->queue * n),
					      (uint32_t)rte_rdtsc() ^ prm->queue);
	}
	return 0;
}

static void
dp_worker_dns_free(struct dp_worker *w)
{
	rte_free(w->st.rrl);
	rte_free(w->st.dnstcp);
	rte_free(w->st.dnsfwd);
}

struct dp_worker *
dp_worker_create(const struct dp_worker_params *prm)
{
	int socket = (int)rte_lcore_to_socket_id(prm->lcore);
	struct dp_worker *w = rte_zmalloc_socket("dp_worker", sizeof(*w),
						 RTE_CACHE_LINE_SIZE, socket);
	if (w == NULL) {
		rte_errno = ENOMEM;
		return NULL;
	}
	w->live = prm->live;
	w->cur = __atomic_load_n(prm->live, __ATOMIC_ACQUIRE);
	w->conf = *w->cur;
	w->qsv = prm->qsv;
	w->quit = prm->quit;
	w->events = prm->events;
	w->event_fd = prm->event_fd;
	/* the gateway's own frames need a pool; probes, a downlink too */
	w->probes = prm->pool != NULL && prm->downlink != DP_PORT_NONE ? prm->probes : NULL;
	w->pool = prm->pool;
	w->announce = prm->pool != NULL && prm->announce;
	/* ids stay below the capacity whatever reloads bring */
	uint32_t n_svc = dp_svctab_capacity(w->conf.dns.tab);
	w->st.activity = rte_zmalloc_socket("dp_activity", (n_svc + 1) * sizeof(uint64_t),
					    RTE_CACHE_LINE_SIZE, socket);
	w->replay_tsc = rte_zmalloc_socket("dp_replay", (n_svc + 1) * sizeof(uint64_t),
					   RTE_CACHE_LINE_SIZE, socket);
	w->st.replay_svc = -1;
	w->st.neigh = prm->pool != NULL ? prm->neigh : NULL; /* ARP requests need mbufs */
	w->nheld_tsc = rte_get_tsc_hz() / 1000 * DP_NHELD_MS;
	w->arp = (struct dp_arp_pace){ 0, rte_get_tsc_hz() / DP_ARP_RATE, DP_ARP_BURST,
				       DP_ARP_BURST };
	if (prm->syn.n_services > 0) {
		/* the flow tables' hash secrets: drawn here, one per table, so
		 * that no sender can aim its 4-tuples at one probe run */
		struct syn_params sp = prm->syn;
		sp.hash_seed = (uint32_t)rte_rand();
		w->st.syn = syn_table_create(&sp);
		/* proxied flows: as many as held flows, sized alike; their times
		 * are the configuration's at start */
		uint64_t hz = rte_get_tsc_hz();
		struct syn_px_params pp = {
			.n_services = prm->syn.n_services,
			.max_flows = prm->syn.max_flows,
			.max_pending = prm->syn.max_pending,
			.pool = prm->syn.pool,
			.hz = hz,
			.pending = w->conf.pending_tsc,
			.idle = w->conf.px_idle_tsc ? w->conf.px_idle_tsc : 300 * hz,
			.linger = 2 * hz,
			.retry = hz / 5,
			.hash_seed = (uint32_t)rte_rand(),
		};
		w->st.px = syn_px_create(&pp);
	}
	if (dp_worker_dns_create(w, prm, socket) < 0) {
		dp_worker_free(w);
		rte_errno = ENOMEM;
		return NULL;
	}
	if (w->st.activity == NULL || w->replay_tsc == NULL ||
	    (prm->syn.n_services > 0 && (w->st.syn == NULL || w->st.px == NULL))) {
		dp_worker_free(w);
		rte_errno = ENOMEM;
		return NULL;
	}
	w->queue = prm->queue;
	w->port[DP_UP] = prm->uplink;
	w->port[DP_DOWN] = prm->downlink;
	w->port[DP_EXC] = prm->exception;
	for (int r = 0; r < DP_NROLES; r++) {
		if (w->port[r] == DP_PORT_NONE)
			continue;
		w->txb[r] = rte_zmalloc_socket("dp_txb", RTE_ETH_TX_BUFFER_SIZE(DP_BURST), 0,
					       socket);
		if (w->txb[r] == NULL || rte_eth_tx_buffer_init(w->txb[r], DP_BURST) != 0 ||
		    rte_eth_tx_buffer_set_err_callback(w->txb[r], dp_tx_unsent, w) != 0) {
			dp_worker_free(w);
			rte_errno = ENOMEM;
			return NULL;
		}
	}
	return w;
}

void
dp_worker_free(struct dp_worker *w)
{
	if (w == NULL)
		return;
	for (int r = 0; r < DP_NROLES; r++) {
		if (w->txb[r] == NULL)
			continue;
		rte_pktmbuf_free_bulk(w->txb[r]->pkts, w->txb[r]->length);
		rte_free(w->txb[r]);
	}
	for (uint32_t i = 0; i < w->n_parked; i++) {
		rte_pktmbuf_free(w->parked[i].m);
		dp_count(&w->cnt, DP_C_drop_parked_at_exit);
	}
	if (w->st.syn != NULL) { /* what is still held goes, counted */
		struct syn_out o[DP_BURST];
		uint32_t svc;
		while (syn_active(w->st.syn, &svc, 1) > 0) {
			unsigned int k = syn_take(w->st.syn, svc, SYN_ST_expired, o, DP_BURST);
			for (unsigned int i = 0; i < k; i++)
				rte_pktmbuf_free(o[i].pkt);
			dp_count_add(&w->cnt, DP_C_drop_parked_at_exit, k);
		}
		syn_table_free(w->st.syn);
	}
	for (uint32_t i = 0; i < w->n_nheld; i++) {
		rte_pktmbuf_free(w->nheld[(w->nheld_head + i) % DP_NHELD_MAX].m);
		dp_count(&w->cnt, DP_C_drop_parked_at_exit);
	}
	dp_worker_dns_free(w);
	if (w->st.px != NULL) {
		void *o[DP_BURST];
		unsigned int k;
		while ((k = syn_px_take_any(w->st.px, o, DP_BURST)) > 0) {
			for (unsigned int i = 0; i < k; i++)
				rte_pktmbuf_free(o[i]);
			dp_count_add(&w->cnt, DP_C_drop_parked_at_exit, k);
		}
		syn_px_free(w->st.px);
	}
	rte_free(w->replay_tsc);
	rte_free(w->st.activity);
	rte_free(w);
}

const struct dp_counters *
dp_worker_counters(const struct dp_worker *w)
{
	return &w->cnt;
}

const uint64_t *
dp_worker_activity(const struct dp_worker *w)
{
	return w->st.activity;
}

static const char *const dp_path_names[DP_PATH__COUNT] = {
#define DP_PATH_NAME(name) #name,
	DP_PATHS(DP_PATH_NAME)
#undef DP_PATH_NAME
};

const char *
dp_path_name(unsigned int p)
{
	return p < DP_PATH__COUNT ? dp_path_names[p] : "?";
}

const struct dp_cycles *
dp_worker_cycles(const struct dp_worker *w)
{
	return &w->cyc;
}

/* The path a verdict took, for the cycle counts. */
static inline enum dp_path
dp_path_of(const struct dp_verdict *v)
{
	switch (v->counter) {
	case DP_C_arp_reply:
		return DP_PATH_arp;
	case DP_C_dns_answer: case DP_C_dns_nodata: case DP_C_dns_nxdomain:
	case DP_C_dns_refused: case DP_C_dns_formerr: case DP_C_dns_badvers:
	case DP_C_dns_parked:
	case DP_C_dns_notimp: case DP_C_dns_truncated: case DP_C_dns_rrl_slip:
	case DP_C_dns_tcp_answer:
		return DP_PATH_dns;
	case DP_C_forwarded_down:
		return DP_PATH_fwd_down;
	case DP_C_forwarded_up:
		return DP_PATH_fwd_up;
	default:
		break;
	}
	if (v->action == DP_ACT_HOLD)
		return DP_PATH_syn;
	if (v->action == DP_ACT_DROP)
		return DP_PATH_drop;
	return DP_PATH_other;
}

const struct syn_table *
dp_worker_syn(const struct dp_worker *w)
{
	return w->st.syn;
}

const struct syn_proxy *
dp_worker_px(const struct dp_worker *w)
{
	return w->st.px;
}

const uint64_t *
dp_worker_replay_tsc(const struct dp_worker *w)
{
	return w->replay_tsc;
}

/* One event per summon or answered probe: the ring carries it, the eventfd
 * wakes the control loop. When the ring is full a summon's service goes back
 * to STOPPED, so that the next packet for it tries again; a lost probe event
 * costs only a later probe. */
static void
dp_post(struct dp_worker *w, enum dp_event_type type, int svc)
{
	uint64_t one = 1;
	void *ev = (void *)(uintptr_t)((uint64_t)type << 32 | (uint32_t)svc);

	if (w->events == NULL || rte_ring_mp_enqueue(w->events, ev) != 0) {
		uint32_t expect = DP_SVC_SUMMON_PENDING;
		if (type == DP_EV_SUMMON)
			__atomic_compare_exchange_n(&w->conf.rt[svc].state, &expect,
						    DP_SVC_STOPPED, 0, __ATOMIC_ACQ_REL,
						    __ATOMIC_RELAXED);
		dp_count(&w->cnt, DP_C_event_ring_full);
		return;
	}
	if (type == DP_EV_SUMMON)
		dp_count(&w->cnt, DP_C_summons);
	if (w->event_fd >= 0 && write(w->event_fd, &one, sizeof(one)) < 0) {
		/* the eventfd counter cannot overflow in practice; the event
		 * is in the ring and the control loop's timer drains it too */
	}
}

static inline void
dp_flush(struct dp_worker *w)
{
	for (int r = 0; r < DP_NROLES; r++) {
		if (w->txb[r] == NULL || w->txb[r]->length == 0)
			continue;
		uint16_t sent = rte_eth_tx_buffer_flush(w->port[r], w->queue, w->txb[r]);
		dp_count_add(&w->cnt, dp_tx_counter[r], sent);
	}
}

static inline void
dp_tx(struct dp_worker *w, enum dp_port_role r, struct rte_mbuf *m)
{
	uint16_t sent = rte_eth_tx_buffer(w->port[r], w->queue, w->txb[r], m);

	if (sent)
		dp_count_add(&w->cnt, dp_tx_counter[r], sent);
}

static void dp_solicit(struct dp_worker *w, uint32_t ip, uint32_t reserve, int quiet);

/* A routed reply whose next hop is unresolved waits (bounded: the oldest
 * gives way, counted). */
static void
dp_nhold(struct dp_worker *w, struct rte_mbuf *m, uint32_t nh)
{
	if (w->n_nheld == DP_NHELD_MAX) {
		rte_pktmbuf_free(w->nheld[w->nheld_head].m);
		dp_count(&w->cnt, DP_C_drop_neigh_held_full);
		w->nheld_head = (w->nheld_head + 1) % DP_NHELD_MAX;
		w->n_nheld--;
	}
	w->nheld[(w->nheld_head + w->n_nheld++) % DP_NHELD_MAX] =
		(struct dp_nheld){ m, w->st.now, nh };
}

static struct rte_mbuf *dp_own_mbuf(struct dp_worker *w);

/* A frame of the proxy's own for flow @p flow (an ACK or RST to the
 * client, whose MAC is @p cmac, or the SYN to the service), in a new mbuf. */
static void
dp_px_send(struct dp_worker *w, enum dp_px_frame_kind kind, uint32_t flow, uint32_t svc,
	   const uint8_t *cmac)
{
	struct rte_mbuf *m = w->pool != NULL ? dp_own_mbuf(w) : NULL;
	struct dp_verdict v;

	if (m == NULL)
		return;
	if (dp_px_own_frame(&w->conf, &w->st, kind, flow, svc, cmac, rte_pktmbuf_mtod(m, uint8_t *),
			    (uint16_t)RTE_MIN(UINT16_MAX, rte_pktmbuf_tailroom(m)), &v) != 0) {
		rte_pktmbuf_free(m);
		return;
	}
	m->data_len = m->pkt_len = v.len;
	dp_count(&w->cnt, v.counter);
	dp_tx(w, dp_action_port[v.action], m);
}

/* A proxied flow that ended: what it held goes, counted, and the flow. */
static void
dp_px_end(struct dp_worker *w, uint32_t flow)
{
	void *o[DP_BURST];
	unsigned int k;

	while ((k = syn_px_take(w->st.px, flow, o, DP_BURST)) > 0) {
		for (unsigned int i = 0; i < k; i++)
			rte_pktmbuf_free(o[i]);
		dp_count_add(&w->cnt, DP_C_drop_px_flow_ended, k);
	}
	syn_px_release(w->st.px, flow);
}

/* A held flow that will not be served (its service failed, or it waited
 * pending_timeout): the client gets a RST, written over its first held
 * packet, and the rest goes. */
static void
dp_px_reset(struct dp_worker *w, uint32_t flow, uint32_t svc)
{
	void *o[1];

	if (syn_px_take(w->st.px, flow, o, 1) == 1) {
		struct rte_mbuf *m = o[0];
		uint8_t *f = rte_pktmbuf_mtod(m, uint8_t *), mac[RTE_ETHER_ADDR_LEN];
		struct dp_verdict v;
		memcpy(mac, f + RTE_ETHER_ADDR_LEN, RTE_ETHER_ADDR_LEN);
		if (dp_px_own_frame(&w->conf, &w->st, DP_PX_CLIENT_RST, flow, svc, mac, f,
				    (uint16_t)RTE_MIN(UINT16_MAX,
						      m->data_len + rte_pktmbuf_tailroom(m)),
				    &v) == 0) {
			m->data_len = m->pkt_len = v.len;
			m->ol_flags = 0;
			dp_count(&w->cnt, DP_C_px_reset);
			dp_tx(w, DP_UP, m);
		} else {
			rte_pktmbuf_free(m);
			dp_count(&w->cnt, DP_C_drop_px_flow_ended);
		}
	}
	dp_px_end(w, flow);
}

/* What a proxy verdict asks besides the packet's own fate. */
static void
dp_px_follow(struct dp_worker *w, const uint8_t *frame, const struct dp_verdict *v)
{
	if (v->px_acked) { /* the service has them: the held originals go */
		void *o[DP_BURST];
		unsigned int k;
		while ((k = syn_px_take_acked(w->st.px, v->px_flow, o, DP_BURST)) > 0)
			rte_pktmbuf_free_bulk((struct rte_mbuf **)o, k);
	}
	if (v->px_ack)
		dp_px_send(w, DP_PX_CLIENT_ACK, v->px_flow, (uint32_t)v->svc,
			   frame + RTE_ETHER_ADDR_LEN);
	if (v->px_open)
		dp_px_send(w, DP_PX_SERVICE_SYN, v->px_flow, (uint32_t)v->svc, NULL);
	if (v->px_dead)
		dp_px_end(w, v->px_flow);
}

static void dp_handle(struct dp_worker *w, enum dp_port_role from, struct rte_mbuf *m);

/* The flow is established (or the service sent its SYN-ACK again): copies
 * of its held packets go through the uplink path, in order, translated to
 * the service; the originals stay held until the service acknowledges them
 * (max_pending of them per service at most). */
static void
dp_px_replay(struct dp_worker *w, uint32_t flow)
{
	void *o[DP_BURST];
	unsigned int k;

	for (uint32_t from = 0; (k = syn_px_peek(w->st.px, flow, from, o, DP_BURST)) > 0;
	     from += k) {
		for (unsigned int i = 0; i < k; i++) {
			struct rte_mbuf *c = w->pool != NULL
						     ? rte_pktmbuf_copy(o[i], w->pool, 0, UINT32_MAX)
						     : NULL;
			if (c == NULL) { /* the rest goes with the next replay */
				dp_count(&w->cnt, DP_C_no_mbuf);
				return;
			}
			c->ol_flags = ((struct rte_mbuf *)o[i])->ol_flags;
			dp_handle(w, DP_UP, c);
		}
	}
}

/* Held flows whose service came (the SYN to it), failed or is late (RSTs);
 * idle and closed flows go. On the drain tick. */
static void
dp_px_poll(struct dp_worker *w)
{
	struct syn_px_event ev[DP_BURST];
	unsigned int n = syn_px_poll(w->st.px, dp_px_state_of, &w->conf, w->st.now, ev, DP_BURST);

	for (unsigned int i = 0; i < n; i++) {
		if (ev[i].type == SYN_PX_EV_OPEN) {
			dp_px_send(w, DP_PX_SERVICE_SYN, ev[i].flow, ev[i].svc, NULL);
			continue;
		}
		if (ev[i].type == SYN_PX_EV_END) { /* idle with replayed packets unacknowledged */
			dp_px_end(w, ev[i].flow);
			continue;
		}
		if (ev[i].type == SYN_PX_EV_REPLAY) {
			dp_px_replay(w, ev[i].flow);
			continue;
		}
		dp_count(&w->cnt, ev[i].reason == SYN_PX_ST_failed ? DP_C_px_failed : DP_C_px_expired);
		dp_px_reset(w, ev[i].flow, ev[i].svc);
	}
}

static inline void
dp_handle_one(struct dp_worker *w, enum dp_port_role from, struct rte_mbuf *m,
	      struct dp_verdict *vp)
{
	/* the verdict is used where it was written: a copy of it read the
	 * frame functions' small stores back in 16-byte loads, which wait for
	 * them to retire (a store-forwarding stall, 4 % of the DNS path) */
	struct dp_verdict *const v = vp;

	if (unlikely(!rte_pktmbuf_is_contiguous(m))) {
		dp_count(&w->cnt, DP_C_drop_multiseg);
		rte_pktmbuf_free(m);
		return;
	}
	uint8_t *frame = rte_pktmbuf_mtod(m, uint8_t *);
	uint16_t cap = (uint16_t)RTE_MIN(UINT16_MAX, m->data_len + rte_pktmbuf_tailroom(m));

	w->st.pkt = m;
	switch (from) {
	case DP_UP:
		dp_uplink_frame(&w->conf, &w->st, frame, m->data_len, cap, m->ol_flags, v);
		break;
	case DP_DOWN:
		dp_downlink_frame(&w->conf, &w->st, frame, m->data_len, cap, m->ol_flags, v);
		break;
	default: /* the host kernel speaks on the uplink as it is, but for the
		  * resolver's answers to forwarded queries (dnsfwd.c) */
		dp_exception_frame(&w->conf, &w->st, frame, m->data_len, cap, m->ol_flags, v);
		break;
	}
	if (unlikely(v->event != DP_EV_NONE))
		dp_post(w, (enum dp_event_type)v->event, v->svc);
	if (v->counter < DP_C__COUNT)
		dp_count(&w->cnt, v->counter);
	if (unlikely(v->solicit != 0))
		/* from the uplink: an ARP requester, a guess (anyone can send
		 * those): it leaves a reserve of the budget to real misses */
		dp_solicit(w, v->solicit, from == DP_UP ? DP_ARP_BURST / 2 : 0, 0);
	if (unlikely(v->refused != SYN_BUDGET_OK))
		dp_count(&w->cnt, DP_C_budget_refused_prefix + (v->refused - SYN_BUDGET_PREFIX));
	if (unlikely(v->dnsck != 0))
		dp_count(&w->cnt, DP_C_dns_cookie_new + (v->dnsck - 1));
	if (unlikely(v->px_flow != SYN_PX_NONE)) {
		uint32_t flow = v->px_flow;
		int replay = v->px_replay;
		dp_px_follow(w, frame, v); /* before m is sent or freed: its client MAC */
		if (v->action == DP_ACT_KEPT)
			return;
		if (replay) { /* the service's SYN-ACK: what was held goes to it now */
			rte_pktmbuf_free(m);
			dp_px_replay(w, flow);
			return;
		}
	}
	if (v->action == DP_ACT_HOLD) {
		static const unsigned int why[] = {
			[SYN_HELD] = DP_C_syn_held,
			[SYN_DUPLICATE] = DP_C_drop_syn_duplicate,
			[SYN_OVERFLOW] = DP_C_drop_syn_overflow,
			[SYN_NO_FLOW] = DP_C_drop_svc_not_ready,
			[SYN_CLIENT_RESET] = DP_C_drop_syn_client_reset,
		};
		enum syn_action a = syn_offer(w->st.syn, (uint32_t)v->svc, &v->key, v->tcp_flags,
					      v->append, m, w->st.now);
		struct syn_out ev[SYN_EVICT_MAX];
		unsigned int ne = syn_evicted(w->st.syn, ev, SYN_EVICT_MAX);
		for (unsigned int i = 0; i < ne; i++) /* the budget was full: oldest out */
			rte_pktmbuf_free(ev[i].pkt);
		if (ne > 0)
			dp_count_add(&w->cnt, DP_C_drop_syn_evicted, ne);
		dp_count(&w->cnt, why[a]);
		if (a != SYN_HELD)
			rte_pktmbuf_free(m);
		return;
	}
	if (v->action == DP_ACT_DROP) {
		rte_pktmbuf_free(m);
		return;
	}
	m->data_len = v->len;
	m->pkt_len = v->len;
	m->ol_flags = v->ol_flags;
	m->l2_len = v->l2_len;
	m->l3_len = v->l3_len;
	if (unlikely(v->action == DP_ACT_NEIGH_HOLD)) {
		dp_nhold(w, m, v->nexthop);
		return;
	}
	if (v->action == DP_ACT_PARK) {
		if (likely(w->n_parked < DP_PARK_MAX)) {
			w->parked[w->n_parked++] = (struct dp_parked){ m, w->st.now, v->svc };
			return;
		}
		dp_count(&w->cnt, DP_C_dns_park_full); /* no room to wait: answer now */
		v->action = DP_ACT_TX_UPLINK;
	}
	dp_tx(w, dp_action_port[v->action], m);
}

/* A SYN (untagged IPv4, no options: a flood's) to be handled next: its
 * flow's slot in synjitsu's table is fetched meanwhile (VPP's "prefetch the
 * next packet's bucket"). A guess from fixed offsets: the parse decides. */
static inline void
dp_prefetch_syn(const struct dp_worker *w, const struct rte_mbuf *m)
{
	const uint8_t *f = rte_pktmbuf_mtod(m, const uint8_t *);

	if (m->data_len < 54 || f[12] != 0x08 || f[13] != 0x00 || f[14] != 0x45 ||
	    f[23] != IPPROTO_TCP ||
	    (f[47] & (RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG)) != RTE_TCP_SYN_FLAG)
		return;
	struct syn_key k;
	memcpy(&k.src_ip, f + 26, 4);
	memcpy(&k.dst_ip, f + 30, 4);
	k.sport = (uint16_t)(f[34] << 8 | f[35]);
	k.dport = (uint16_t)(f[36] << 8 | f[37]);
	syn_prefetch(w->st.syn, &k);
}

/* Handle one packet; with DP_F_CYCLES, count the cycles it took by path
 * (two rdtsc a packet: off unless asked for). */
static inline void
dp_handle(struct dp_worker *w, enum dp_port_role from, struct rte_mbuf *m)
{
	struct dp_verdict v = { .action = DP_ACT_DROP, .counter = DP_C_drop_multiseg,
				.px_flow = SYN_PX_NONE };

	if (likely(!(w->conf.flags & DP_F_CYCLES))) {
		dp_handle_one(w, from, m, &v);
		return;
	}
	uint64_t t0 = rte_rdtsc();
	dp_handle_one(w, from, m, &v);
	enum dp_path p = dp_path_of(&v);
	__atomic_store_n(&w->cyc.cycles[p], w->cyc.cycles[p] + (rte_rdtsc() - t0),
			 __ATOMIC_RELAXED);
	__atomic_store_n(&w->cyc.packets[p], w->cyc.packets[p] + 1, __ATOMIC_RELAXED);
}

/* Held packets of services that changed: replayed in arrival order through
 * the normal path once READY (so they are routed like any packet), SYNs
 * answered with RSTs when the summon failed. */
static void
dp_synjitsu_poll(struct dp_worker *w)
{
	uint32_t svcs[64];
	/* round-robin: past 64 services with packets held, the next round
	 * starts where this one stopped */
	uint32_t n = syn_active_rr(w->st.syn, svcs, RTE_DIM(svcs));
	struct syn_out o[DP_BURST];

	for (uint32_t i = 0; i < n; i++) {
		uint32_t svc = svcs[i];
		uint32_t st = __atomic_load_n(&w->conf.rt[svc].state, __ATOMIC_ACQUIRE);
		unsigned int k;

		if (st == DP_SVC_READY) {
			/* a few bursts a round, so that the ports are still polled
			 * during a long replay; what arrives meanwhile for this
			 * service queues behind (dp_to_service), keeping the order */
			unsigned int rounds = DP_REPLAY_BURSTS;
			w->st.replay_svc = (int)svc;
			while (rounds-- > 0 &&
			       (k = syn_take(w->st.syn, svc, SYN_ST_replayed, o, DP_BURST)) > 0) {
				for (unsigned int j = 0; j < k; j++) {
					if (o[j].dead) {
						rte_pktmbuf_free(o[j].pkt);
						dp_count(&w->cnt, DP_C_drop_syn_client_reset);
						continue;
					}
					dp_count(&w->cnt, DP_C_syn_replayed);
					dp_handle(w, DP_UP, o[j].pkt);
				}
			}
			w->st.replay_svc = -1;
			dp_flush(w);
			if (syn_pending(w->st.syn, svc) == 0) /* the last one is on the wire */
				__atomic_store_n(&w->replay_tsc[svc], rte_rdtsc(), __ATOMIC_RELAXED);
		} else if (st == DP_SVC_FAILED) {
			while ((k = syn_take(w->st.syn, svc, SYN_ST_reset, o, DP_BURST)) > 0) {
				for (unsigned int j = 0; j < k; j++) {
					struct rte_mbuf *m = o[j].pkt;
					struct dp_verdict v;
					unsigned int rc = DP_C_drop_syn_failed;
					if (o[j].is_syn && !o[j].dead)
						rc = dp_tcp_rst_frame(&w->conf,
								      rte_pktmbuf_mtod(m, uint8_t *),
								      m->data_len, &v);
					if (rc != 0) { /* what follows a SYN, or a bad one */
						rte_pktmbuf_free(m);
						dp_count(&w->cnt, o[j].dead ? DP_C_drop_syn_client_reset
									    : rc);
						continue;
					}
					m->data_len = m->pkt_len = v.len;
					m->ol_flags = 0;
					dp_count(&w->cnt, DP_C_syn_reset);
					dp_tx(w, DP_UP, m);
				}
			}
		}
	}
}

/* Held packets older than pending_timeout: the client gave up or sent again. */
static void
dp_synjitsu_expire(struct dp_worker *w)
{
	struct syn_out o[DP_BURST];
	unsigned int k;

	if (w->st.now < w->conf.pending_tsc)
		return;
	while ((k = syn_expire(w->st.syn, w->st.now - w->conf.pending_tsc, o, DP_BURST)) > 0) {
		for (unsigned int j = 0; j < k; j++) {
			rte_pktmbuf_free(o[j].pkt);
			dp_count(&w->cnt, o[j].dead ? DP_C_drop_syn_client_reset
						    : DP_C_drop_syn_expired);
		}
	}
}

/* An mbuf for a frame of the gateway's own (probe, announcement), or NULL,
 * counted. */
static struct rte_mbuf *
dp_own_mbuf(struct dp_worker *w)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(w->pool);

	if (m == NULL)
		dp_count(&w->cnt, DP_C_no_mbuf);
	return m;
}

/* Ask for a neighbour's MAC when the table says this worker should (at most
 * one request per address and retry interval, whichever worker asks), and
 * the worker's ARP budget has more than @reserve left. Over budget nothing
 * is written to the table (a flood of spoofed addresses must not fill it
 * with entries nobody asked for); @quiet: not counted (the drain tick's
 * retries). */
static void
dp_solicit(struct dp_worker *w, uint32_t ip, uint32_t reserve, int quiet)
{
	static const struct rte_ether_addr bcast = { { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff } };
	struct rte_ether_addr mac;

	if (w->st.neigh == NULL || w->port[DP_UP] == DP_PORT_NONE ||
	    !dp_neigh_wants(w->st.neigh, ip, w->st.now))
		return;
	if (!dp_arp_pace_ok(&w->arp, w->st.now, reserve)) {
		if (!quiet)
			dp_count(&w->cnt, DP_C_arp_request_limited);
		return;
	}
	enum dp_neigh_solicit r = dp_neigh_solicit(w->st.neigh, ip, w->st.now, &mac);
	if (r == DP_NEIGH_SOL_FULL) {
		dp_count(&w->cnt, DP_C_neigh_table_full);
		return;
	}
	if (r == DP_NEIGH_SOL_WAIT)
		return;
	dp_arp_pace_take(&w->arp, w->st.now);
	struct rte_mbuf *m = dp_own_mbuf(w);
	if (m == NULL)
		return;
	m->data_len = m->pkt_len =
		dp_arp_request_frame(rte_pktmbuf_mtod(m, uint8_t *),
				     r == DP_NEIGH_SOL_UNICAST ? &mac : &bcast, &w->conf.up_mac,
				     w->conf.gw_ip, ip);
	m->ol_flags = 0;
	dp_count(&w->cnt, DP_C_arp_request_sent);
	dp_tx(w, DP_UP, m);
}

/* Replies waiting for ARP: out once their next hop is known, dropped
 * (counted) when it stays unknown. Runs on the drain tick. */
static void
dp_release_nheld(struct dp_worker *w)
{
	uint32_t n = w->n_nheld, keep = 0;

	for (uint32_t i = 0; i < n; i++) {
		struct dp_nheld h = w->nheld[(w->nheld_head + i) % DP_NHELD_MAX];
		struct rte_ether_addr mac;

		if (dp_neigh_lookup(w->st.neigh, h.nh, w->st.now, &mac) != DP_NEIGH_MISS) {
			memcpy(rte_pktmbuf_mtod(h.m, uint8_t *), mac.addr_bytes, RTE_ETHER_ADDR_LEN);
			dp_count(&w->cnt, DP_C_neigh_released);
			dp_count(&w->cnt, DP_C_forwarded_up);
			dp_tx(w, DP_UP, h.m);
		} else if (w->st.now - h.since > w->nheld_tsc) {
			rte_pktmbuf_free(h.m);
			dp_count(&w->cnt, DP_C_drop_neigh_unresolved);
		} else {
			dp_solicit(w, h.nh, 0, 1); /* again, once a retry interval is over */
			w->nheld[(w->nheld_head + keep++) % DP_NHELD_MAX] = h;
		}
	}
	w->n_nheld = keep;
}

/* Readiness probes the control plane asked for: one SYN each, to the
 * service's vif. Runs on the drain tick; they are a few per summon. */
static void
dp_send_probes(struct dp_worker *w)
{
	void *ids[16];
	unsigned int n = rte_ring_sc_dequeue_burst(w->probes, ids, RTE_DIM(ids), NULL);

	for (unsigned int i = 0; i < n; i++) {
		struct rte_mbuf *m = dp_own_mbuf(w);
		struct dp_verdict v;

		if (m == NULL)
			continue;
		if (dp_probe_syn_frame(&w->conf, (uint32_t)(uintptr_t)ids[i],
				       rte_pktmbuf_mtod(m, uint8_t *),
				       (uint16_t)RTE_MIN(UINT16_MAX, rte_pktmbuf_tailroom(m)),
				       &v) != 0) {
			rte_pktmbuf_free(m);
			continue;
		}
		m->data_len = m->pkt_len = v.len;
		dp_count(&w->cnt, DP_C_probe_sent);
		dp_tx(w, DP_DOWN, m);
	}
}

/* One gratuitous ARP for @ip at the port's MAC. */
static void
dp_garp(struct dp_worker *w, enum dp_port_role r, const struct rte_ether_addr *mac, uint32_t ip)
{
	struct rte_mbuf *m = dp_own_mbuf(w);

	if (m == NULL)
		return;
	m->data_len = m->pkt_len = dp_garp_frame(rte_pktmbuf_mtod(m, uint8_t *), mac, ip);
	dp_count(&w->cnt, DP_C_arp_announce);
	dp_tx(w, r, m);
}

/* At start: the gateway's address on both sides, the services' (which the
 * gateway answers ARP for) on the uplink. */
static void
dp_announce(struct dp_worker *w)
{
	const struct dp_svctab *tab = w->conf.dns.tab;

	if (w->port[DP_DOWN] != DP_PORT_NONE)
		dp_garp(w, DP_DOWN, &w->conf.down_mac, w->conf.gw_ip);
	if (w->port[DP_UP] == DP_PORT_NONE)
		return;
	dp_garp(w, DP_UP, &w->conf.up_mac, w->conf.gw_ip);
	for (uint32_t id = 0; tab != NULL && id < dp_svctab_capacity(tab); id++) {
		uint32_t ip = dp_svctab_addr(tab, id);
		if (ip != 0)
			dp_garp(w, DP_UP, &w->conf.up_mac, ip);
	}
	dp_flush(w);
}

/* Answers held for services that were not READY: out when the service is,
 * SERVFAIL when it failed or the wait is over. Runs on the drain tick. */
static void
dp_release_parked(struct dp_worker *w)
{
	uint32_t keep = 0;

	for (uint32_t i = 0; i < w->n_parked; i++) {
		struct dp_parked *p = &w->parked[i];
		uint32_t st = __atomic_load_n(&w->conf.rt[p->svc].state, __ATOMIC_ACQUIRE);
		struct rte_mbuf *m = p->m;

		if (st == DP_SVC_READY) {
			dp_count(&w->cnt, DP_C_dns_released);
		} else if (st == DP_SVC_FAILED || w->st.now - p->since > w->conf.park_tsc) {
			struct dp_verdict v;
			dp_dns_servfail_frame(&w->conf, rte_pktmbuf_mtod(m, uint8_t *), m->data_len,
					      (uint8_t)m->l2_len, (uint8_t)m->l3_len, &v);
			m->data_len = m->pkt_len = v.len;
			m->ol_flags = v.ol_flags;
			dp_count(&w->cnt, DP_C_dns_servfail);
		} else {
			w->parked[keep++] = *p;
			continue;
		}
		dp_tx(w, DP_UP, m);
	}
	w->n_parked = keep;
}

/* Forwarded queries: TCP clients' queries to the resolver (an mbuf each),
 * slots whose answer never came reclaimed, refusals counted. */
static void
dp_dnsfwd_poll(struct dp_worker *w, int tick)
{
	struct dp_dnsfwd *t = w->st.dnsfwd;

	while (dp_dnsfwd_deferred(t) > 0) {
		struct rte_mbuf *m = dp_own_mbuf(w);
		struct dp_verdict v;
		if (m == NULL)
			break; /* they wait for the next round */
		if (dp_dnsfwd_take(&w->conf, &w->st, rte_pktmbuf_mtod(m, uint8_t *),
				   (uint16_t)RTE_MIN(UINT16_MAX, rte_pktmbuf_tailroom(m)), &v) != 0) {
			rte_pktmbuf_free(m);
			break;
		}
		m->data_len = m->pkt_len = v.len;
		dp_count(&w->cnt, DP_C_dns_forwarded);
		dp_tx(w, DP_EXC, m);
	}
	if (!tick)
		return;
	uint32_t lost = dp_dnsfwd_lost(t);
	if (lost)
		dp_count_add(&w->cnt, DP_C_drop_dns_fwd_full, lost);
	if (dp_dnsfwd_active(t) > 0) {
		unsigned int n = dp_dnsfwd_expire(t, w->st.now, w->conf.dnsfwd.timeout);
		if (n)
			dp_count_add(&w->cnt, DP_C_dns_fwd_expired, n);
	}
}

/* DNS-over-TCP connections idle for too long: the server closes them (a
 * FIN each, a few per drain tick). */
static void
dp_dnstcp_expire(struct dp_worker *w)
{
	struct dp_dnstcp_conn *e;

	for (int n = 0; n < 8; n++) {
		e = dp_dnstcp_idle(w->st.dnstcp, w->st.now, w->conf.dnstcp.idle);
		if (e == NULL)
			return;
		struct rte_mbuf *m = w->pool != NULL ? dp_own_mbuf(w) : NULL;
		struct dp_verdict v;
		if (m == NULL) { /* closed without a word (no_mbuf counted) */
			dp_dnstcp_del(w->st.dnstcp, e);
			dp_count(&w->cnt, DP_C_dns_tcp_expired);
			continue;
		}
		if (dp_dnstcp_fin_frame(&w->conf, w->st.dnstcp, e, rte_pktmbuf_mtod(m, uint8_t *),
					(uint16_t)RTE_MIN(UINT16_MAX, rte_pktmbuf_tailroom(m)),
					&v) != 0) {
			rte_pktmbuf_free(m);
			dp_dnstcp_del(w->st.dnstcp, e);
			dp_count(&w->cnt, DP_C_dns_tcp_expired);
			continue;
		}
		m->data_len = m->pkt_len = v.len;
		dp_count(&w->cnt, DP_C_dns_tcp_expired);
		dp_tx(w, DP_UP, m);
	}
}

int
dp_worker_run(void *arg)
{
	struct dp_worker *w = arg;
	struct rte_mbuf *pkts[DP_BURST];
	const uint64_t drain_tsc = (rte_get_tsc_hz() + US_PER_S - 1) / US_PER_S * DP_DRAIN_US;
	uint64_t prev = rte_rdtsc();

	if (w->qsv != NULL) {
		rte_rcu_qsbr_thread_register(w->qsv, w->queue);
		rte_rcu_qsbr_thread_online(w->qsv, w->queue);
	}
	if (w->announce)
		dp_announce(w);
	while (__atomic_load_n(w->quit, __ATOMIC_RELAXED) == 0) {
		unsigned int got = 0;
		const struct dp_fp_conf *c = __atomic_load_n(w->live, __ATOMIC_ACQUIRE);

		if (unlikely(c != w->cur)) { /* a reload: service ids stay the same */
			w->conf = *c;
			w->cur = c;
		}

		w->st.now = rte_rdtsc();
		for (int r = 0; r < DP_NROLES; r++) {
			if (w->port[r] == DP_PORT_NONE)
				continue;
			uint16_t n = rte_eth_rx_burst(w->port[r], w->queue, pkts, DP_BURST);
			if (n == 0)
				continue;
			got += n;
			dp_count_add(&w->cnt, dp_rx_counter[r], n);
			rte_prefetch0(rte_pktmbuf_mtod(pkts[0], void *));
			if (n > 1)
				rte_prefetch0(rte_pktmbuf_mtod(pkts[1], void *));
			for (uint16_t i = 0; i < n; i++) {
				if (i + 2 < n)
					rte_prefetch0(rte_pktmbuf_mtod(pkts[i + 2], void *));
				if (i + 1 < n && w->st.syn != NULL && r == DP_UP)
					dp_prefetch_syn(w, pkts[i + 1]);
				dp_handle(w, (enum dp_port_role)r, pkts[i]);
			}
		}
		/* Under load the buffers fill and go out in full bursts; when
		 * the ports run dry, or at the latest every DP_DRAIN_US, the
		 * rest goes out too. */
		if (w->st.syn != NULL && syn_held(w->st.syn) > 0)
			dp_synjitsu_poll(w);
		uint64_t cur = w->st.now;
		if (w->st.dnsfwd != NULL)
			dp_dnsfwd_poll(w, got == 0 || cur - prev > drain_tsc);
		if (got == 0 || cur - prev > drain_tsc) {
			if (w->n_parked)
				dp_release_parked(w);
			if (w->n_nheld)
				dp_release_nheld(w);
			if (w->probes != NULL)
				dp_send_probes(w);
			if (w->st.syn != NULL && syn_held(w->st.syn) > 0)
				dp_synjitsu_expire(w);
			if (w->st.dnstcp != NULL && dp_dnstcp_active(w->st.dnstcp) > 0)
				dp_dnstcp_expire(w);
			if (w->st.px != NULL && syn_px_n_flows(w->st.px) > 0)
				dp_px_poll(w);
			dp_flush(w);
			prev = cur;
		}
		if (w->qsv != NULL) /* nothing of the old configuration is held now */
			rte_rcu_qsbr_quiescent(w->qsv, w->queue);
	}
	dp_flush(w);
	if (w->qsv != NULL) {
		rte_rcu_qsbr_thread_offline(w->qsv, w->queue);
		rte_rcu_qsbr_thread_unregister(w->qsv, w->queue);
	}
	return 0;
}
