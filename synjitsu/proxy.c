/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Synjitsu's proxy mode (proxy.h). A worker's table: flows in a slab (stable
 * indices, so that the wait list and the caller can name them), an index of
 * flow ids by 4-tuple (linear probing, deletion by backward shift), a pool
 * of held-packet entries threaded into a FIFO per flow, and the list of the
 * flows that wait for their service (held or opening).
 *
 * Sequence spaces: the client speaks to the gateway's ISN (the cookie,
 * g_isn), the service to its own (s_isn); the client's numbers are the same
 * on both sides (the SYN to the service carries the client's ISN). So
 * client -> service: ack (and SACK edges) += s_isn - g_isn, TSecr += s_ts -
 * g_ts; service -> client: seq -= s_isn - g_isn, TSval -= s_ts - g_ts.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../dataplane/cksum.h"
#include "../dataplane/flowhash.h"
#include "proxy.h"
#include "wire.h"

#define PX_NIL UINT32_MAX
#define PX_SWEEP 16 /* flow slots looked at per poll for idle and linger */

enum px_state { PX_FREE = 0, PX_HELD, PX_OPENING, PX_EST, PX_LINGER, PX_DEAD };

#define TH_FIN 0x01
#define TH_SYN 0x02
#define TH_RST 0x04
#define TH_ACK 0x10

struct px_flow {
	uint32_t cip, sip;     /* network order */
	uint16_t cport, sport; /* host order */
	uint32_t svc;
	uint8_t state;
	uint8_t ts;            /* timestamps on both legs */
	uint8_t g_ws;          /* the window scale promised, SYN_COOKIE_NO_WSCALE: none */
	uint8_t s_ws;          /* the service's, SYN_COOKIE_NO_WSCALE: none */
	uint8_t fin_c, fin_s, fin_c_acked, fin_s_acked;
	uint8_t tries;         /* replays sent without an acknowledgment */
	struct syn_cookie_opts o; /* the client's options, as the cookie gave them */
	uint16_t win;          /* the window the SYN-ACK gave (unscaled) */
	uint16_t c_win;        /* the client's window field */
	uint32_t c_isn, g_isn, s_isn;
	uint32_t c_next;       /* the client's next sequence number held */
	uint32_t c_fin_seq, s_fin_seq; /* s_fin_seq: in the client's space */
	uint32_t g_ts, c_ts0, c_ts, s_ts;
	uint32_t s_ack;        /* the service's latest acknowledgment (client's space) */
	uint64_t t_start, t_last, t_open;
	uint32_t head, tail, count; /* held packets */
	uint32_t wait;         /* index in the wait list, PX_NIL when not there */
	uint32_t next_free;
};

struct px_entry {
	void *pkt;
	uint32_t next;
	uint32_t end; /* the client's sequence number after it */
};

struct syn_proxy {
	struct syn_px_params prm;
	uint32_t n_flows, free_flow, free_entry, held, n_wait, hand, mask;
	struct px_flow *flows;
	uint32_t *index; /* flow ids by hash, PX_NIL: empty */
	struct px_entry *entries;
	uint32_t *waitl;
	uint32_t *svc_flows, *svc_held;
	uint64_t (*stats)[SYN_PX_ST__COUNT];
};

static const char *const px_stat_names[SYN_PX_ST__COUNT] = {
#define SYN_PX_STAT_NAME(name) #name,
	SYN_PX_STATS(SYN_PX_STAT_NAME)
#undef SYN_PX_STAT_NAME
};

const char *
syn_px_stat_name(unsigned int st)
{
	return st < SYN_PX_ST__COUNT ? px_stat_names[st] : "?";
}

static inline void
px_stat(struct syn_proxy *px, uint32_t svc, enum syn_px_stat st)
{
	uint64_t *w = &px->stats[svc][st];

	__atomic_store_n(w, __atomic_load_n(w, __ATOMIC_RELAXED) + 1, __ATOMIC_RELAXED);
}

static inline void
px_set_count(uint32_t *w, uint32_t v)
{
	__atomic_store_n(w, v, __ATOMIC_RELAXED);
}

struct syn_proxy *
syn_px_create(const struct syn_px_params *prm)
{
	if (prm->n_services == 0 || prm->max_flows == 0 || prm->max_pending == 0 ||
	    prm->pool == 0 || prm->hz == 0 || prm->max_flows > (1u << 24) ||
	    prm->pool > (1u << 26)) {
		errno = EINVAL;
		return NULL;
	}
	struct syn_proxy *px = calloc(1, sizeof(*px));
	if (px == NULL)
		return NULL;
	uint32_t slots = 16;
	while (slots < 2 * prm->max_flows)
		slots <<= 1;
	px->prm = *prm;
	px->mask = slots - 1;
	px->flows = calloc(prm->max_flows, sizeof(*px->flows));
	px->index = malloc(slots * sizeof(*px->index));
	px->entries = calloc(prm->pool, sizeof(*px->entries));
	px->waitl = calloc(prm->max_flows, sizeof(*px->waitl));
	px->svc_flows = calloc(prm->n_services, sizeof(*px->svc_flows));
	px->svc_held = calloc(prm->n_services, sizeof(*px->svc_held));
	px->stats = calloc(prm->n_services, sizeof(*px->stats));
	if (!px->flows || !px->index || !px->entries || !px->waitl || !px->svc_flows ||
	    !px->svc_held || !px->stats) {
		syn_px_free(px);
		errno = ENOMEM;
		return NULL;
	}
	memset(px->index, 0xff, slots * sizeof(*px->index));
	for (uint32_t i = 0; i < prm->max_flows; i++)
		px->flows[i].next_free = i + 1 < prm->max_flows ? i + 1 : PX_NIL;
	for (uint32_t i = 0; i < prm->pool; i++)
		px->entries[i].next = i + 1 < prm->pool ? i + 1 : PX_NIL;
	return px;
}

void
syn_px_free(struct syn_proxy *px)
{
	if (px == NULL)
		return;
	free(px->flows);
	free(px->index);
	free(px->entries);
	free(px->waitl);
	free(px->svc_flows);
	free(px->svc_held);
	free(px->stats);
	free(px);
}

static inline int
seq_lt(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) < 0;
}

static inline int
seq_leq(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) <= 0;
}

/* A TCP segment in an IPv4 packet. */
struct px_seg {
	uint8_t *tcp;
	size_t tcp_len; /* header and data */
	size_t doff;
	uint32_t saddr, daddr; /* network order */
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint16_t win;
	uint8_t flags;
	uint32_t dlen; /* data bytes */
	struct syn_tcp_opts o;
	int opts_ok;
};

static int
px_parse(uint8_t *l3, size_t len, struct px_seg *s)
{
	if (len < 40 || (l3[0] >> 4) != 4 || l3[9] != 6)
		return -1;
	size_t ihl = (size_t)(l3[0] & 0xf) * 4, tot = syn_get16(l3 + 2);
	if (ihl < 20 || tot > len || tot < ihl + 20 || (syn_get16(l3 + 6) & 0x3fff) != 0)
		return -1;
	s->tcp = l3 + ihl;
	s->tcp_len = tot - ihl;
	s->doff = (size_t)(s->tcp[12] >> 4) * 4;
	if (s->doff < 20 || s->doff > s->tcp_len)
		return -1;
	memcpy(&s->saddr, l3 + 12, 4);
	memcpy(&s->daddr, l3 + 16, 4);
	s->sport = syn_get16(s->tcp);
	s->dport = syn_get16(s->tcp + 2);
	s->seq = syn_get32(s->tcp + 4);
	s->ack = syn_get32(s->tcp + 8);
	s->flags = s->tcp[13];
	s->win = syn_get16(s->tcp + 14);
	s->dlen = (uint32_t)(s->tcp_len - s->doff);
	s->opts_ok = 0; /* px_opts(): only for segments of the proxy's */
	return 0;
}

/* The segment's options, once it is known to be one of the proxy's flows
 * (or a cookie ACK): warm traffic to a proxied service costs no option walk. */
static inline void
px_opts(struct px_seg *s)
{
	s->opts_ok = syn_tcp_opts_parse(s->tcp + 20, s->doff - 20, &s->o) == 0;
}

/* ---- translation ------------------------------------------------------- */

/* Replace the 4 bytes at @p off of the segment with @p v, summing what was
 * and what is (the offset's parity is its place in 16-bit words). */
static inline void
px_swap32(uint8_t *tcp, size_t off, uint32_t v, uint32_t *was, uint32_t *is)
{
	uint8_t nb[4];
	uint16_t ow[2], nw[2];

	syn_put32(nb, v);
	memcpy(ow, tcp + off, 4);
	memcpy(nw, nb, 4);
	memcpy(tcp + off, nb, 4);
	uint32_t o = (uint32_t)ow[0] + ow[1], n = (uint32_t)nw[0] + nw[1];
	if (off & 1) { /* words that straddle the checksum's: the sums byte-swapped */
		uint16_t fo = dp_cksum_fold(o), fn = dp_cksum_fold(n);
		o = (uint16_t)(fo << 8 | fo >> 8);
		n = (uint16_t)(fn << 8 | fn >> 8);
	}
	*was += o;
	*is += n;
}

/* syn_px_translate() on a segment px_parse() read (the flow paths have it
 * already: the options are parsed once a segment). */
static int
px_translate(const struct px_seg *sg, uint32_t seq_add, uint32_t ack_add, uint32_t tsval_add,
	     uint32_t tsecr_add, uint8_t win_shl, uint8_t win_shr)
{
	const struct px_seg s = *sg;

	if (!s.opts_ok)
		return -1;
	uint8_t *t = s.tcp;
	uint32_t was = 0, is = 0;
	uint16_t ck;

	if (seq_add != 0)
		px_swap32(t, 4, s.seq + seq_add, &was, &is);
	if (ack_add != 0 && (s.flags & TH_ACK))
		px_swap32(t, 8, s.ack + ack_add, &was, &is);
	if (win_shl != win_shr) {
		uint32_t w = ((uint32_t)s.win << win_shl) >> win_shr;
		/* window and checksum: swap the window word alone */
		uint16_t ow, nw;
		memcpy(&ow, t + 14, 2);
		syn_put16(t + 14, (uint16_t)(w > 65535 ? 65535 : w));
		memcpy(&nw, t + 14, 2);
		was += ow;
		is += nw;
	}
	if (s.o.has_ts && (tsval_add != 0 || tsecr_add != 0)) {
		size_t off = 20 + s.o.ts_off;
		if (tsval_add != 0)
			px_swap32(t, off, s.o.tsval + tsval_add, &was, &is);
		if (tsecr_add != 0)
			px_swap32(t, off + 4, s.o.tsecr + tsecr_add, &was, &is);
	}
	if (ack_add != 0 && s.o.n_sack > 0) {
		size_t off = 20 + s.o.sack_off;
		for (unsigned int i = 0; i < 2u * s.o.n_sack; i++, off += 4)
			px_swap32(t, off, syn_get32(t + off) + ack_add, &was, &is);
	}
	if (was == is)
		return 0;
	memcpy(&ck, t + 16, 2);
	ck = dp_cksum_update(ck, dp_cksum_fold(was), dp_cksum_fold(is));
	memcpy(t + 16, &ck, 2);
	return 0;
}

int
syn_px_translate(uint8_t *l3, size_t len, uint32_t seq_add, uint32_t ack_add,
		 uint32_t tsval_add, uint32_t tsecr_add, uint8_t win_shl, uint8_t win_shr)
{
	struct px_seg s;

	if (px_parse(l3, len, &s) < 0)
		return -1;
	px_opts(&s);
	return px_translate(&s, seq_add, ack_add, tsval_add, tsecr_add, win_shl, win_shr);
}

/* ---- flows ------------------------------------------------------------- */

static inline uint32_t
px_hash(const struct syn_proxy *px, uint32_t cip, uint32_t sip, uint16_t cport, uint16_t sport)
{
	return dp_flow_hash(px->prm.hash_seed, cip, sip, cport, sport);
}

static uint32_t
px_find(const struct syn_proxy *px, uint32_t cip, uint32_t sip, uint16_t cport, uint16_t sport)
{
	for (uint32_t i = px_hash(px, cip, sip, cport, sport) & px->mask;; i = (i + 1) & px->mask) {
		uint32_t id = px->index[i];
		if (id == PX_NIL)
			return PX_NIL;
		const struct px_flow *f = &px->flows[id];
		if (f->cip == cip && f->sip == sip && f->cport == cport && f->sport == sport)
			return id;
	}
}

static void
px_index_del(struct syn_proxy *px, uint32_t id)
{
	const struct px_flow *f = &px->flows[id];
	uint32_t i = px_hash(px, f->cip, f->sip, f->cport, f->sport) & px->mask;

	while (px->index[i] != id)
		i = (i + 1) & px->mask;
	for (uint32_t j = i;;) {
		j = (j + 1) & px->mask;
		uint32_t o = px->index[j];
		if (o == PX_NIL)
			break;
		const struct px_flow *g = &px->flows[o];
		uint32_t home = px_hash(px, g->cip, g->sip, g->cport, g->sport) & px->mask;
		if ((i < j) ? (home > i && home <= j) : (home > i || home <= j))
			continue;
		px->index[i] = o;
		i = j;
	}
	px->index[i] = PX_NIL;
}

static void
px_wait_add(struct syn_proxy *px, uint32_t id)
{
	px->flows[id].wait = px->n_wait;
	px->waitl[px->n_wait++] = id;
}

static void
px_wait_del(struct syn_proxy *px, uint32_t id)
{
	struct px_flow *f = &px->flows[id];

	if (f->wait == PX_NIL)
		return;
	uint32_t last = px->waitl[--px->n_wait];
	px->waitl[f->wait] = last;
	px->flows[last].wait = f->wait;
	f->wait = PX_NIL;
}

static uint32_t
px_flow_new(struct syn_proxy *px, uint32_t svc, const struct px_seg *s)
{
	uint32_t id = px->free_flow;

	if (px->n_flows == px->prm.max_flows)
		return PX_NIL;
	struct px_flow *f = &px->flows[id];
	px->free_flow = f->next_free;
	memset(f, 0, sizeof(*f));
	f->cip = s->saddr;
	f->sip = s->daddr;
	f->cport = s->sport;
	f->sport = s->dport;
	f->svc = svc;
	f->head = f->tail = PX_NIL;
	f->wait = PX_NIL;
	uint32_t i = px_hash(px, f->cip, f->sip, f->cport, f->sport) & px->mask;
	while (px->index[i] != PX_NIL)
		i = (i + 1) & px->mask;
	px->index[i] = id;
	px->n_flows++;
	px_set_count(&px->svc_flows[svc], px->svc_flows[svc] + 1);
	return id;
}

void
syn_px_release(struct syn_proxy *px, uint32_t id)
{
	if (id >= px->prm.max_flows || px->flows[id].state == PX_FREE)
		return;
	struct px_flow *f = &px->flows[id];
	void *drop[16];
	while (syn_px_take(px, id, drop, 16) > 0) /* the caller took them: none left */
		;
	px_wait_del(px, id);
	px_index_del(px, id);
	px_set_count(&px->svc_flows[f->svc], px->svc_flows[f->svc] - 1);
	f->state = PX_FREE;
	f->next_free = px->free_flow;
	px->free_flow = id;
	px->n_flows--;
}

static int
px_hold(struct syn_proxy *px, uint32_t id, void *pkt, uint32_t end)
{
	struct px_flow *f = &px->flows[id];

	if (px->free_entry == PX_NIL || px->svc_held[f->svc] >= px->prm.max_pending)
		return -1;
	uint32_t e = px->free_entry;
	px->free_entry = px->entries[e].next;
	px->entries[e] = (struct px_entry){ pkt, PX_NIL, end };
	if (f->tail == PX_NIL)
		f->head = e;
	else
		px->entries[f->tail].next = e;
	f->tail = e;
	f->count++;
	px->held++;
	px_set_count(&px->svc_held[f->svc], px->svc_held[f->svc] + 1);
	px_stat(px, f->svc, SYN_PX_ST_held);
	return 0;
}

unsigned int
syn_px_take(struct syn_proxy *px, uint32_t id, void **pkts, unsigned int n)
{
	if (id >= px->prm.max_flows)
		return 0;
	struct px_flow *f = &px->flows[id];
	unsigned int k = 0;

	while (k < n && f->head != PX_NIL) {
		uint32_t e = f->head;
		pkts[k++] = px->entries[e].pkt;
		f->head = px->entries[e].next;
		px->entries[e].pkt = NULL;
		px->entries[e].next = px->free_entry;
		px->free_entry = e;
		f->count--;
		px->held--;
		px_set_count(&px->svc_held[f->svc], px->svc_held[f->svc] - 1);
	}
	if (f->head == PX_NIL)
		f->tail = PX_NIL;
	return k;
}

unsigned int
syn_px_peek(const struct syn_proxy *px, uint32_t id, uint32_t from, void **pkts, unsigned int n)
{
	unsigned int k = 0;
	uint32_t i = 0;

	if (id >= px->prm.max_flows)
		return 0;
	for (uint32_t e = px->flows[id].head; e != PX_NIL && k < n; e = px->entries[e].next)
		if (i++ >= from)
			pkts[k++] = px->entries[e].pkt;
	return k;
}

unsigned int
syn_px_take_acked(struct syn_proxy *px, uint32_t id, void **pkts, unsigned int n)
{
	if (id >= px->prm.max_flows)
		return 0;
	struct px_flow *f = &px->flows[id];
	unsigned int k = 0;

	while (k < n && f->head != PX_NIL && seq_leq(px->entries[f->head].end, f->s_ack))
		k += syn_px_take(px, id, pkts + k, 1);
	return k;
}

unsigned int
syn_px_take_any(struct syn_proxy *px, void **pkts, unsigned int n)
{
	unsigned int k = 0;

	for (uint32_t id = 0; id < px->prm.max_flows && k < n; id++) {
		if (px->flows[id].state == PX_FREE)
			continue;
		k += syn_px_take(px, id, pkts + k, n - k);
		if (px->flows[id].count == 0)
			syn_px_release(px, id);
	}
	return k;
}

/* ---- the client's side ------------------------------------------------- */

static inline uint32_t
px_secs(const struct syn_proxy *px, uint64_t now)
{
	return (uint32_t)(now / px->prm.hz);
}

static inline uint32_t
px_ms(const struct syn_proxy *px, uint64_t now)
{
	return (uint32_t)(now / (px->prm.hz / 1000 ? px->prm.hz / 1000 : 1));
}

/* A held flow's segment: in order, it is held (and acknowledged); a
 * retransmission or a segment past a hole is dropped, and acknowledged again
 * so that the client learns where it stands. */
static void
px_held_segment(struct syn_proxy *px, uint32_t id, const struct px_seg *s, void *pkt,
		struct syn_px_out *out)
{
	struct px_flow *f = &px->flows[id];
	uint32_t sl = s->dlen + (s->flags & TH_FIN ? 1u : 0u);

	out->act = SYN_PX_DROP;
	if (s->o.has_ts && seq_leq(f->c_ts, s->o.tsval))
		f->c_ts = s->o.tsval;
	if (sl == 0) {
		out->reason = SYN_PX_ST_absorbed;
	} else if (seq_leq(s->seq, f->c_next) && seq_lt(f->c_next, s->seq + sl)) {
		if (px_hold(px, id, pkt, s->seq + sl) < 0) {
			out->reason = SYN_PX_ST_overflow; /* not acknowledged: it comes again */
			return;
		}
		f->c_next = s->seq + sl;
		out->act = SYN_PX_HELD;
		out->reason = SYN_PX_ST_held;
		out->ack_client = 1;
	} else if (seq_leq(s->seq + sl, f->c_next)) {
		out->reason = SYN_PX_ST_absorbed;
		out->ack_client = 1;
	} else {
		out->reason = SYN_PX_ST_out_of_order;
		out->ack_client = 1;
	}
	if (out->act == SYN_PX_DROP)
		px_stat(px, f->svc, (enum syn_px_stat)out->reason);
}

/* Translate an established flow's segment towards the service. */
static void
px_up_established(struct syn_proxy *px, uint32_t id, const struct px_seg *s,
		  struct syn_px_out *out)
{
	struct px_flow *f = &px->flows[id];
	uint8_t shl = 0;

	if (f->o.wscale != SYN_COOKIE_NO_WSCALE && f->s_ws == SYN_COOKIE_NO_WSCALE)
		shl = f->o.wscale; /* the service reads the client's windows unscaled */
	if (px_translate(s, 0, f->s_isn - f->g_isn, 0, f->ts ? f->s_ts - f->g_ts : 0, shl, 0) < 0) {
		out->act = SYN_PX_DROP;
		out->reason = SYN_PX_ST_bad_segment;
		px_stat(px, f->svc, SYN_PX_ST_bad_segment);
		return;
	}
	if (s->flags & TH_FIN) {
		f->fin_c = 1;
		f->c_fin_seq = s->seq + s->dlen;
	}
	if (f->fin_s && (s->flags & TH_ACK) && seq_lt(f->s_fin_seq, s->ack))
		f->fin_s_acked = 1;
	out->act = SYN_PX_FWD_SERVICE;
	out->reason = SYN_PX_ST_translated_up;
	px_stat(px, f->svc, SYN_PX_ST_translated_up);
	if (s->flags & TH_RST) {
		out->dead = 1;
		px_stat(px, f->svc, SYN_PX_ST_reset);
	} else if (f->state == PX_EST && f->fin_c_acked && f->fin_s_acked) {
		f->state = PX_LINGER;
		px_stat(px, f->svc, SYN_PX_ST_closed);
	}
}

void
syn_px_uplink(struct syn_proxy *px, const struct syn_cookie_keys *keys,
	      const struct syn_px_svc *sc, uint32_t svc, int ready, uint8_t *l3, size_t len,
	      size_t cap, void *pkt, uint64_t now, struct syn_px_out *out)
{
	struct px_seg s;

	memset(out, 0, sizeof(*out));
	out->flow = SYN_PX_NONE;
	if (svc >= px->prm.n_services || px_parse(l3, len, &s) < 0)
		return; /* PASS: the caller's own checks decide */
	uint32_t id = px_find(px, s.saddr, s.daddr, s.sport, s.dport);
	int take_new = !ready || sc->always;

	if ((s.flags & (TH_SYN | TH_ACK | TH_RST)) == TH_SYN) {
		if (id != PX_NIL && px->flows[id].state == PX_LINGER && px->flows[id].count == 0) {
			syn_px_release(px, id); /* the 4-tuple again: a new connection */
			id = PX_NIL;
		}
		if (id != PX_NIL) { /* a SYN inside a live flow */
			out->act = SYN_PX_DROP;
			out->reason = SYN_PX_ST_absorbed;
			out->flow = id;
			px_stat(px, svc, SYN_PX_ST_absorbed);
			return;
		}
		if (!take_new)
			return;
		uint32_t tsval = px_ms(px, now);
		int n = syn_cookie_synack(keys, &sc->synack, l3, len, cap, tsval,
					  px_secs(px, now), NULL);
		out->act = n < 0 ? SYN_PX_DROP : SYN_PX_TX_CLIENT;
		out->reason = n < 0 ? SYN_PX_ST_cookie_bad_syn : SYN_PX_ST_cookie_synack;
		px_stat(px, svc, (enum syn_px_stat)out->reason);
		return;
	}

	if (id == PX_NIL) {
		if (!take_new)
			return; /* a warm flow: not ours */
		out->act = SYN_PX_DROP;
		px_opts(&s);
		struct syn_cookie_opts o;
		if ((s.flags & (TH_ACK | TH_RST | TH_SYN)) != TH_ACK || !s.opts_ok ||
		    syn_cookie_check(keys, s.saddr, s.daddr, s.sport, s.dport, s.seq - 1,
				     s.ack - 1, px_secs(px, now), &o) < 0) {
			out->reason = s.flags & TH_RST ? SYN_PX_ST_absorbed : SYN_PX_ST_cookie_invalid;
			px_stat(px, svc, (enum syn_px_stat)out->reason);
			return;
		}
		px_stat(px, svc, SYN_PX_ST_cookie_valid);
		id = px_flow_new(px, svc, &s);
		if (id == PX_NIL) {
			out->reason = SYN_PX_ST_overflow;
			px_stat(px, svc, SYN_PX_ST_overflow);
			return;
		}
		struct px_flow *f = &px->flows[id];
		f->state = ready ? PX_OPENING : PX_HELD;
		f->o = o;
		f->g_ws = o.wscale != SYN_COOKIE_NO_WSCALE ? sc->synack.wscale : SYN_COOKIE_NO_WSCALE;
		f->s_ws = SYN_COOKIE_NO_WSCALE;
		f->ts = o.ts_ok && s.o.has_ts;
		f->win = sc->synack.window;
		f->c_win = s.win;
		f->c_isn = s.seq - 1;
		f->g_isn = s.ack - 1;
		f->c_next = s.seq;
		f->g_ts = s.o.tsecr;
		f->c_ts0 = f->c_ts = s.o.tsval;
		f->t_start = f->t_last = now;
		/* the ACK itself is held: replayed, it completes the service's
		 * handshake; what it carries counts as held data */
		if (px_hold(px, id, pkt, s.seq + s.dlen + (s.flags & TH_FIN ? 1u : 0u)) < 0) {
			syn_px_release(px, id);
			out->reason = SYN_PX_ST_overflow;
			px_stat(px, svc, SYN_PX_ST_overflow);
			return;
		}
		f->c_next = s.seq + s.dlen + (s.flags & TH_FIN ? 1u : 0u);
		px_wait_add(px, id);
		out->act = SYN_PX_HELD;
		out->reason = SYN_PX_ST_cookie_valid;
		out->flow = id;
		out->summon = !ready;
		out->open = (uint8_t)ready;
		out->ack_client = f->c_next != s.seq;
		if (ready) {
			f->state = PX_OPENING;
			f->t_open = now;
		}
		return;
	}

	px_opts(&s);
	struct px_flow *f = &px->flows[id];
	out->flow = id;
	f->t_last = now;
	switch (f->state) {
	case PX_HELD:
	case PX_OPENING:
		if (s.flags & TH_RST) { /* the client gave up */
			out->act = SYN_PX_DROP;
			out->reason = SYN_PX_ST_reset;
			out->dead = 1;
			px_stat(px, f->svc, SYN_PX_ST_reset);
			return;
		}
		px_held_segment(px, id, &s, pkt, out);
		return;
	case PX_EST:
	case PX_LINGER:
		px_up_established(px, id, &s, out);
		return;
	default: /* dead: waiting for the caller to release it */
		out->act = SYN_PX_DROP;
		out->reason = SYN_PX_ST_absorbed;
		return;
	}
}

/* ---- the service's side ------------------------------------------------ */

void
syn_px_downlink(struct syn_proxy *px, uint32_t svc, uint8_t *l3, size_t len, uint64_t now,
		struct syn_px_out *out)
{
	struct px_seg s;

	memset(out, 0, sizeof(*out));
	out->flow = SYN_PX_NONE;
	if (svc >= px->prm.n_services || px->svc_flows[svc] == 0 || px_parse(l3, len, &s) < 0)
		return;
	uint32_t id = px_find(px, s.daddr, s.saddr, s.dport, s.sport);
	if (id == PX_NIL)
		return;
	px_opts(&s);
	struct px_flow *f = &px->flows[id];
	out->flow = id;
	f->t_last = now;
	out->act = SYN_PX_DROP;

	if (f->state == PX_OPENING) {
		if ((s.flags & TH_RST) && (!(s.flags & TH_ACK) || s.ack == f->c_isn + 1)) {
			/* the service refused: the client gets a RST of its own */
			int n = syn_px_client_rst(px, id, l3, len > 40 ? len : 40);
			out->act = n < 0 ? SYN_PX_DROP : SYN_PX_FWD_CLIENT;
			out->reason = SYN_PX_ST_refused;
			out->dead = 1;
			px_stat(px, f->svc, SYN_PX_ST_refused);
			return;
		}
		if ((s.flags & (TH_SYN | TH_ACK | TH_RST)) != (TH_SYN | TH_ACK) ||
		    s.ack != f->c_isn + 1) {
			out->reason = SYN_PX_ST_absorbed;
			px_stat(px, f->svc, SYN_PX_ST_absorbed);
			return;
		}
		f->s_isn = s.seq;
		f->s_ack = f->c_isn;
		f->s_ws = s.opts_ok ? s.o.wscale : SYN_COOKIE_NO_WSCALE;
		if (f->ts && !(s.opts_ok && s.o.has_ts))
			f->ts = 0; /* the service does not echo: nothing to translate */
		f->s_ts = s.o.tsval;
		f->state = PX_EST;
		f->t_open = now; /* it stays waiting until the service has the replay */
		f->tries = 0;
		out->reason = SYN_PX_ST_established;
		out->replay = 1;
		px_stat(px, f->svc, SYN_PX_ST_established);
		return;
	}
	if (f->state != PX_EST && f->state != PX_LINGER) {
		out->reason = SYN_PX_ST_absorbed;
		px_stat(px, f->svc, SYN_PX_ST_absorbed);
		return;
	}
	if (s.flags & TH_SYN) {
		/* the SYN-ACK again: the service did not take the replay (its
		 * accept queue was full, say): what is still held goes again */
		out->reason = SYN_PX_ST_absorbed;
		out->replay = f->count > 0 && s.seq == f->s_isn;
		if (out->replay)
			f->t_open = now;
		px_stat(px, f->svc, SYN_PX_ST_absorbed);
		return;
	}
	if ((s.flags & TH_ACK) && (f->count == 0 || seq_lt(f->s_ack, s.ack)) &&
	    !(s.flags & TH_RST)) {
		f->s_ack = s.ack; /* what it has of the replay can go */
		out->acked = f->count > 0 && seq_leq(px->entries[f->head].end, s.ack);
	}
	uint8_t shl = 0, shr = 0;
	if (f->o.wscale != SYN_COOKIE_NO_WSCALE) { /* the client reads windows << g_ws */
		shl = f->s_ws == SYN_COOKIE_NO_WSCALE ? 0 : f->s_ws;
		shr = f->g_ws;
	}
	uint32_t seq_add = f->g_isn - f->s_isn;
	if (px_translate(&s, seq_add, 0, f->ts ? f->g_ts - f->s_ts : 0, 0, shl, shr) < 0) {
		out->reason = SYN_PX_ST_bad_segment;
		px_stat(px, f->svc, SYN_PX_ST_bad_segment);
		return;
	}
	if (s.flags & TH_FIN) {
		f->fin_s = 1;
		f->s_fin_seq = s.seq + s.dlen + seq_add;
	}
	if (f->fin_c && (s.flags & TH_ACK) && seq_lt(f->c_fin_seq, s.ack))
		f->fin_c_acked = 1;
	out->act = SYN_PX_FWD_CLIENT;
	out->reason = SYN_PX_ST_translated_down;
	px_stat(px, f->svc, SYN_PX_ST_translated_down);
	if (s.flags & TH_RST) {
		out->dead = 1;
		px_stat(px, f->svc, SYN_PX_ST_reset);
	} else if (f->state == PX_EST && f->fin_c_acked && f->fin_s_acked) {
		f->state = PX_LINGER;
		px_stat(px, f->svc, SYN_PX_ST_closed);
	}
}

/* ---- timers ------------------------------------------------------------ */

unsigned int
syn_px_poll(struct syn_proxy *px, enum syn_px_svc_state (*state_of)(void *arg, uint32_t svc),
	    void *arg, uint64_t now, struct syn_px_event *ev, unsigned int n)
{
	unsigned int k = 0;

	for (uint32_t i = 0; i < px->n_wait && k < n;) {
		uint32_t id = px->waitl[i];
		struct px_flow *f = &px->flows[id];
		enum syn_px_svc_state st = state_of(arg, f->svc);
		int old = now - f->t_start > px->prm.pending;

		if (f->state == PX_EST || f->state == PX_LINGER) {
			/* replayed, not all acknowledged: again, at doubling gaps
			 * (a service whose accept queue was full kept nothing) */
			if (f->count == 0) {
				px_wait_del(px, id);
				continue;
			}
			if (now - f->t_open > px->prm.retry << (f->tries < 4 ? f->tries : 4)) {
				f->t_open = now;
				f->tries++;
				ev[k++] = (struct syn_px_event){ SYN_PX_EV_REPLAY, 0, id, f->svc };
			}
			i++;
			continue;
		}
		if (st == SYN_PX_SVC_FAILED || old) {
			uint8_t why = st == SYN_PX_SVC_FAILED ? SYN_PX_ST_failed : SYN_PX_ST_expired;
			ev[k++] = (struct syn_px_event){ SYN_PX_EV_RESET, why, id, f->svc };
			px_stat(px, f->svc, (enum syn_px_stat)why);
			f->state = PX_DEAD;
			px_wait_del(px, id); /* the last one took slot i */
			continue;
		}
		if (st == SYN_PX_SVC_READY &&
		    (f->state == PX_HELD || now - f->t_open > px->prm.retry)) {
			f->state = PX_OPENING;
			f->t_open = now;
			ev[k++] = (struct syn_px_event){ SYN_PX_EV_OPEN, 0, id, f->svc };
		}
		i++;
	}
	/* idle and lingering flows: a few slots a call, round the slab */
	for (unsigned int j = 0; j < PX_SWEEP; j++) {
		uint32_t id = px->hand;
		struct px_flow *f = &px->flows[id];
		px->hand = id + 1 < px->prm.max_flows ? id + 1 : 0;
		int gone = (f->state == PX_EST && now - f->t_last > px->prm.idle) ||
			   (f->state == PX_LINGER && now - f->t_last > px->prm.linger);
		if (!gone)
			continue;
		if (f->count > 0 && k == n)
			continue; /* no room for the event: next time */
		if (f->state == PX_EST)
			px_stat(px, f->svc, SYN_PX_ST_idle);
		if (f->count == 0) {
			syn_px_release(px, id);
		} else { /* the caller frees what it still holds */
			f->state = PX_DEAD;
			ev[k++] = (struct syn_px_event){ SYN_PX_EV_END, SYN_PX_ST_idle, id, f->svc };
		}
	}
	return k;
}

/* ---- frames of the proxy's own ---------------------------------------- */

/* An IPv4/TCP segment without data at @p l3, checksums computed. */
static int
px_segment(uint8_t *l3, size_t cap, uint32_t src, uint32_t dst, uint16_t sport, uint16_t dport,
	   uint32_t seq, uint32_t ack, uint8_t flags, uint16_t win, const uint8_t *opt,
	   size_t olen)
{
	size_t tl = 20 + olen;

	if (cap < 20 + tl)
		return -1;
	uint8_t *ip = l3, *t = l3 + 20;
	memset(ip, 0, 20 + tl);
	ip[0] = 0x45;
	syn_put16(ip + 2, (uint16_t)(20 + tl));
	syn_put16(ip + 6, 0x4000);
	ip[8] = 64;
	ip[9] = 6;
	memcpy(ip + 12, &src, 4);
	memcpy(ip + 16, &dst, 4);
	uint16_t ck = (uint16_t)~dp_cksum_sum_at(ip, 20, 0);
	memcpy(ip + 10, &ck, 2);
	syn_put16(t, sport);
	syn_put16(t + 2, dport);
	syn_put32(t + 4, seq);
	syn_put32(t + 8, ack);
	t[12] = (uint8_t)(tl / 4 << 4);
	t[13] = flags;
	syn_put16(t + 14, win);
	if (olen > 0)
		memcpy(t + 20, opt, olen);
	uint8_t ph[12];
	memcpy(ph, ip + 12, 8);
	ph[8] = 0;
	ph[9] = 6;
	syn_put16(ph + 10, (uint16_t)tl);
	ck = (uint16_t)~dp_cksum_fold((uint32_t)dp_cksum_sum_at(ph, 12, 0) +
				      dp_cksum_sum_at(t, tl, 0));
	memcpy(t + 16, &ck, 2);
	return (int)(20 + tl);
}

static const struct px_flow *
px_live(const struct syn_proxy *px, uint32_t id)
{
	if (id >= px->prm.max_flows || px->flows[id].state == PX_FREE)
		return NULL;
	return &px->flows[id];
}

int
syn_px_client_ack(const struct syn_proxy *px, uint32_t id, uint8_t *l3, size_t cap)
{
	const struct px_flow *f = px_live(px, id);
	uint8_t opt[12];
	size_t ol = 0;

	if (f == NULL)
		return -1;
	if (f->ts) {
		opt[0] = 1;
		opt[1] = 1;
		opt[2] = 8;
		opt[3] = 10;
		syn_put32(opt + 4, f->g_ts); /* not advanced: the service's, translated, follow it */
		syn_put32(opt + 8, f->c_ts);
		ol = 12;
	}
	uint16_t win = f->win;
	if (f->o.wscale != SYN_COOKIE_NO_WSCALE && f->g_ws != SYN_COOKIE_NO_WSCALE)
		win = (uint16_t)(win >> f->g_ws ? win >> f->g_ws : 1);
	return px_segment(l3, cap, f->sip, f->cip, f->sport, f->cport, f->g_isn + 1, f->c_next,
			  TH_ACK, win, opt, ol);
}

int
syn_px_client_rst(const struct syn_proxy *px, uint32_t id, uint8_t *l3, size_t cap)
{
	const struct px_flow *f = px_live(px, id);

	if (f == NULL)
		return -1;
	return px_segment(l3, cap, f->sip, f->cip, f->sport, f->cport, f->g_isn + 1, f->c_next,
			  TH_RST | TH_ACK, 0, NULL, 0);
}

int
syn_px_service_syn(struct syn_proxy *px, uint32_t id, uint8_t *l3, size_t cap, uint64_t now)
{
	const struct px_flow *f = px_live(px, id);
	uint8_t opt[24], *q = opt; /* MSS, NOP NOP SACK-permitted, NOP NOP TS, NOP wscale */

	(void)now;
	if (f == NULL)
		return -1;
	*q++ = 2;
	*q++ = 4;
	q = syn_put16(q, f->o.mss);
	if (f->o.sack_ok) {
		*q++ = 1;
		*q++ = 1;
		*q++ = 4;
		*q++ = 2;
	}
	if (f->ts) {
		*q++ = 1;
		*q++ = 1;
		*q++ = 8;
		*q++ = 10;
		q = syn_put32(q, f->c_ts0); /* the oldest: every held packet passes PAWS */
		q = syn_put32(q, 0);
	}
	if (f->o.wscale != SYN_COOKIE_NO_WSCALE) {
		*q++ = 1;
		*q++ = 3;
		*q++ = 3;
		*q++ = f->o.wscale;
	}
	uint32_t win = f->c_win;
	if (f->o.wscale != SYN_COOKIE_NO_WSCALE)
		win <<= f->o.wscale;
	int n = px_segment(l3, cap, f->cip, f->sip, f->cport, f->sport, f->c_isn, 0, TH_SYN,
			   (uint16_t)(win > 65535 ? 65535 : win), opt, (size_t)(q - opt));
	if (n > 0)
		px_stat(px, f->svc, SYN_PX_ST_opened);
	return n;
}

uint32_t
syn_px_flows(const struct syn_proxy *px, uint32_t svc)
{
	return svc < px->prm.n_services ? __atomic_load_n(&px->svc_flows[svc], __ATOMIC_RELAXED)
					: 0;
}

uint32_t
syn_px_n_flows(const struct syn_proxy *px)
{
	return px->n_flows;
}

uint32_t
syn_px_held(const struct syn_proxy *px)
{
	return px->held;
}

const uint64_t *
syn_px_stats(const struct syn_proxy *px, uint32_t svc)
{
	return px->stats[svc];
}
