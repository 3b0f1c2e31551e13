/* SPDX-License-Identifier: BSD-3-Clause */
#include <string.h>

#include <netinet/in.h>
#include <rte_byteorder.h>
#include <rte_ip.h>
#include <rte_mbuf_core.h>
#include <rte_tcp.h>

#include "cksum.h"
#include "dataplane.h"
#include "dnstcp.h"
#include "flowhash.h"
#include "pkt.h"

#define DNSTCP_TTL 64
#define DNSTCP_WINDOW 65535
#define TCP_HDR 20
#define IP_HDR 20

/*
 * The table: connections in an array, found through open addressing with
 * linear probing over twice as many slots; deletion shifts the run back
 * (no tombstones), so a lookup ends at the first empty slot.
 */
struct dp_dnstcp {
	uint32_t n, max;
	uint32_t slot_mask;
	uint32_t scan;          /* next connection the idle scan looks at */
	uint32_t n_free;
	uint32_t seed;          /* the slots' hash secret (dp_flow_hash) */
	int32_t *slots;         /* connection index, -1: empty */
	uint32_t *free;         /* free connection indices (a stack) */
	struct dp_dnstcp_conn *conns;
};

static uint32_t
dnstcp_pow2(uint32_t n)
{
	uint32_t s = 4;

	while (s < 2 * n)
		s <<= 1;
	return s;
}

static inline size_t
dnstcp_align(size_t n)
{
	return (n + 63) & ~(size_t)63;
}

size_t
dp_dnstcp_memsize(uint32_t conns)
{
	if (conns == 0)
		conns = 1;
	return dnstcp_align(sizeof(struct dp_dnstcp)) +
	       dnstcp_align(dnstcp_pow2(conns) * sizeof(int32_t)) +
	       dnstcp_align(conns * sizeof(uint32_t)) + conns * sizeof(struct dp_dnstcp_conn);
}

struct dp_dnstcp *
dp_dnstcp_init(void *mem, uint32_t conns, uint32_t seed)
{
	struct dp_dnstcp *t = mem;
	uint8_t *p = mem;

	if (conns == 0)
		conns = 1;
	memset(mem, 0, dp_dnstcp_memsize(conns));
	t->max = conns;
	t->seed = seed;
	t->slot_mask = dnstcp_pow2(conns) - 1;
	p += dnstcp_align(sizeof(*t));
	t->slots = (int32_t *)p;
	p += dnstcp_align((t->slot_mask + 1) * sizeof(int32_t));
	t->free = (uint32_t *)p;
	p += dnstcp_align(conns * sizeof(uint32_t));
	t->conns = (struct dp_dnstcp_conn *)p;
	for (uint32_t i = 0; i <= t->slot_mask; i++)
		t->slots[i] = -1;
	for (uint32_t i = 0; i < conns; i++)
		t->free[i] = conns - 1 - i;
	t->n_free = conns;
	return t;
}

uint32_t
dp_dnstcp_active(const struct dp_dnstcp *t)
{
	return t->n;
}

static inline uint32_t
dnstcp_hash(const struct dp_dnstcp *t, uint32_t cip, uint16_t cport, uint32_t sip, uint16_t sport)
{
	return dp_flow_hash(t->seed, cip, sip, cport, sport);
}

static inline int
dnstcp_is(const struct dp_dnstcp_conn *c, uint32_t cip, uint16_t cport, uint32_t sip,
	  uint16_t sport)
{
	return c->cip == cip && c->cport == cport && c->sip == sip && c->sport == sport;
}

struct dp_dnstcp_conn *
dp_dnstcp_find(struct dp_dnstcp *t, uint32_t cip, uint16_t cport, uint32_t sip, uint16_t sport)
{
	uint32_t i = dnstcp_hash(t, cip, cport, sip, sport) & t->slot_mask;

	for (;;) {
		int32_t k = t->slots[i];
		if (k < 0)
			return NULL;
		if (dnstcp_is(&t->conns[k], cip, cport, sip, sport))
			return &t->conns[k];
		i = (i + 1) & t->slot_mask;
	}
}

struct dp_dnstcp_conn *
dp_dnstcp_add(struct dp_dnstcp *t, uint32_t cip, uint16_t cport, uint32_t sip, uint16_t sport)
{
	if (t->n_free == 0)
		return NULL;
	uint32_t k = t->free[--t->n_free];
	uint32_t i = dnstcp_hash(t, cip, cport, sip, sport) & t->slot_mask;
	while (t->slots[i] >= 0)
		i = (i + 1) & t->slot_mask;
	t->slots[i] = (int32_t)k;
	struct dp_dnstcp_conn *c = &t->conns[k];
	memset(c, 0, offsetof(struct dp_dnstcp_conn, buf));
	c->cip = cip;
	c->cport = cport;
	c->sip = sip;
	c->sport = sport;
	c->used = 1;
	t->n++;
	return c;
}

void
dp_dnstcp_del(struct dp_dnstcp *t, struct dp_dnstcp_conn *c)
{
	int32_t k = (int32_t)(c - t->conns);
	uint32_t i = dnstcp_hash(t, c->cip, c->cport, c->sip, c->sport) & t->slot_mask;

	while (t->slots[i] != k)
		i = (i + 1) & t->slot_mask;
	t->slots[i] = -1;
	/* shift back the run after the hole (Knuth 6.4, algorithm R) */
	for (uint32_t j = (i + 1) & t->slot_mask; t->slots[j] >= 0; j = (j + 1) & t->slot_mask) {
		const struct dp_dnstcp_conn *o = &t->conns[t->slots[j]];
		uint32_t h = dnstcp_hash(t, o->cip, o->cport, o->sip, o->sport) & t->slot_mask;
		/* the entry at j may move to the hole at i if its home is not
		 * cyclically in (i, j] */
		int stays = i <= j ? (h > i && h <= j) : (h > i || h <= j);
		if (stays)
			continue;
		t->slots[i] = t->slots[j];
		t->slots[j] = -1;
		i = j;
	}
	c->used = 0;
	t->free[t->n_free++] = (uint32_t)k;
	t->n--;
}

struct dp_dnstcp_conn *
dp_dnstcp_idle(struct dp_dnstcp *t, uint64_t now, uint64_t idle)
{
	if (t->n == 0 || idle == 0)
		return NULL;
	for (unsigned int s = 0; s < DP_DNSTCP_SCAN && s < t->max; s++) {
		struct dp_dnstcp_conn *c = &t->conns[t->scan];
		t->scan = t->scan + 1 == t->max ? 0 : t->scan + 1;
		if (c->used && now - c->last > idle)
			return c;
	}
	return NULL;
}

static inline uint16_t
rd16(const uint8_t *b)
{
	return (uint16_t)(b[0] << 8 | b[1]);
}

static inline void
wr16(uint8_t *b, uint16_t v)
{
	b[0] = (uint8_t)(v >> 8);
	b[1] = (uint8_t)v;
}

/* Turn the received segment into ours, to its sender: MACs, addresses and
 * ports swapped, a 20-byte IPv4 and TCP header, @plen bytes of payload
 * already in place after them, full checksums. */
static void
dnstcp_reply(const struct dp_fp_conf *c, uint8_t *frame, const struct dp_pkt *p, uint32_t seq,
	     uint32_t ack, uint8_t flags, uint16_t plen, struct dp_verdict *v)
{
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(frame + p->l2_len);
	struct rte_tcp_hdr *tcp = (struct rte_tcp_hdr *)(frame + p->l2_len + IP_HDR);
	uint32_t cip = ip->src_addr;
	uint16_t cport = tcp->src_port;

	memcpy(frame, frame + RTE_ETHER_ADDR_LEN, RTE_ETHER_ADDR_LEN);
	memcpy(frame + RTE_ETHER_ADDR_LEN, c->up_mac.addr_bytes, RTE_ETHER_ADDR_LEN);
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->type_of_service = 0;
	ip->total_length = rte_cpu_to_be_16((uint16_t)(IP_HDR + TCP_HDR + plen));
	ip->packet_id = 0;
	ip->fragment_offset = rte_cpu_to_be_16(RTE_IPV4_HDR_DF_FLAG);
	ip->time_to_live = DNSTCP_TTL;
	ip->next_proto_id = IPPROTO_TCP;
	ip->src_addr = ip->dst_addr;
	ip->dst_addr = cip;
	ip->hdr_checksum = 0;
	tcp->src_port = tcp->dst_port;
	tcp->dst_port = cport;
	tcp->sent_seq = rte_cpu_to_be_32(seq);
	tcp->recv_ack = rte_cpu_to_be_32(ack);
	tcp->data_off = (TCP_HDR / 4) << 4;
	tcp->tcp_flags = flags;
	tcp->rx_win = rte_cpu_to_be_16(DNSTCP_WINDOW);
	tcp->cksum = 0;
	tcp->tcp_urp = 0;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	tcp->cksum = rte_ipv4_udptcp_cksum(ip, tcp);
	v->action = DP_ACT_TX_UPLINK;
	v->len = (uint16_t)(p->l2_len + IP_HDR + TCP_HDR + plen);
	v->l2_len = (uint8_t)p->l2_len;
	v->l3_len = IP_HDR;
	v->ol_flags = 0;
}

static int
dnstcp_cksum_ok(const uint8_t *frame, const struct dp_pkt *p, uint64_t rx_ol_flags)
{
	uint64_t l4 = rx_ol_flags & RTE_MBUF_F_RX_L4_CKSUM_MASK;

	if (l4 == RTE_MBUF_F_RX_L4_CKSUM_GOOD)
		return 1;
	if (l4 == RTE_MBUF_F_RX_L4_CKSUM_BAD)
		return 0;
	/* pseudo-header and segment, its checksum included: all ones */
	uint32_t s = dp_cksum_sum_at(frame + p->l2_len + 12, 8, 0);
	s += (uint32_t)rte_cpu_to_be_16(IPPROTO_TCP) + rte_cpu_to_be_16(p->l4_len);
	s += dp_cksum_sum_at(frame + p->l4_off, p->l4_len, 0);
	return dp_cksum_fold(s) == 0xffff;
}

/* Answer the complete queries in @e's buffer into @out (@room bytes), each
 * with its length; a query whose answer does not fit stays unanswered.
 * @return the bytes written; *@consumed the buffer bytes answered (or
 * skipped: a message that gets no answer), *@stop whether one did not fit,
 * *@bad a length no buffer can hold. */
static unsigned int
dnstcp_answer_all(const struct dp_fp_conf *c, struct dp_fp_state *st, struct dp_dnstcp_conn *e,
		  uint8_t *out, unsigned int room, unsigned int *consumed, int *stop, int *bad,
		  struct dp_verdict *v)
{
	unsigned int olen = 0, used = 0;
	unsigned int how = DP_DNS_TCP |
			   (c->dnsfwd.resolver != 0 && st->dnsfwd != NULL ? DP_DNS_FORWARD : 0);

	*stop = 0;
	*bad = 0;
	while (e->buf_len - used >= 2) {
		unsigned int l = rd16(e->buf + used);
		if (l + 2 > DP_DNSTCP_BUF) {
			*bad = 1;
			break;
		}
		if (e->buf_len - used - 2 < l)
			break; /* the rest comes in a later segment */
		if (olen + 2 + l > room) {
			*stop = 1;
			break;
		}
		struct dp_dns_result r;
		memcpy(out + olen + 2, e->buf + used + 2, l);
		uint16_t n = dp_dns_answer(&c->dns, out + olen + 2, (uint16_t)l,
					   (uint16_t)(room - olen - 2), how, &r);
		if (n == 0 && r.counter == DP_C_drop_dns_no_room) {
			*stop = 1;
			break;
		}
		if (n == 0 && r.counter == DP_C_dns_forwarded) {
			/* to the resolver; its answer comes on this connection
			 * later (RFC 7766 6.2.1.1: answers may come out of order).
			 * Without room, the query is lost and counted. */
			const uint8_t *q = e->buf + used + 2;
			dp_dnsfwd_tcp(st->dnsfwd, e->cip, e->cport, &e->cmac, q, (uint16_t)l,
				      st->now);
		}
		used += 2 + l;
		if (n == 0) /* a response, a short header: nothing to say */
			continue;
		wr16(out + olen, n);
		olen += 2u + n;
		if (v->svc == DP_SVC_NONE)
			v->svc = r.svc;
	}
	*consumed = used;
	return olen;
}

void
dp_dnstcp_frame(const struct dp_fp_conf *c, struct dp_fp_state *st, uint8_t *frame,
		const struct dp_pkt *p, uint16_t cap, uint64_t rx_ol_flags, struct dp_verdict *v)
{
	struct dp_dnstcp *t = st != NULL ? st->dnstcp : NULL;

	v->counter = DP_C_drop_dns_tcp_bad;
	if (t == NULL || p->is_fragment || p->l3_len != IP_HDR || p->has_vlan ||
	    !dnstcp_cksum_ok(frame, p, rx_ol_flags))
		return;
	const struct rte_tcp_hdr *tcp = (const struct rte_tcp_hdr *)(frame + p->l4_off);
	uint8_t fl = p->tcp_flags;
	uint32_t seq = rte_be_to_cpu_32(tcp->sent_seq), ack = rte_be_to_cpu_32(tcp->recv_ack);
	uint64_t now_s = c->dnstcp.hz ? st->now / c->dnstcp.hz : 0;
	struct dp_dnstcp_conn *e = dp_dnstcp_find(t, p->src_ip, tcp->src_port, p->dst_ip,
						  tcp->dst_port);

	if (fl & RTE_TCP_RST_FLAG) {
		if (e != NULL && seq == e->rcv_nxt) /* RFC 5961: in window only */
			dp_dnstcp_del(t, e);
		v->counter = DP_C_drop_dns_tcp_ctl;
		return;
	}
	if ((fl & (RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG)) == RTE_TCP_SYN_FLAG) {
		static const struct syn_synack_conf sc = {
			.mss = DP_DNSTCP_MSS, .wscale = SYN_COOKIE_NO_WSCALE, .sack_ok = 0,
			.ts_ok = 0, .ttl = DNSTCP_TTL, .window = DNSTCP_WINDOW,
		};
		if (e != NULL) /* a new connection on the same ports */
			dp_dnstcp_del(t, e);
		int l = syn_cookie_synack(&c->dnstcp.keys, &sc, frame + p->l2_len, p->ip_total,
					  (size_t)(cap - p->l2_len), 0, now_s, NULL);
		if (l < 0)
			return;
		memcpy(frame, frame + RTE_ETHER_ADDR_LEN, RTE_ETHER_ADDR_LEN);
		memcpy(frame + RTE_ETHER_ADDR_LEN, c->up_mac.addr_bytes, RTE_ETHER_ADDR_LEN);
		v->action = DP_ACT_TX_UPLINK;
		v->len = (uint16_t)(p->l2_len + l);
		v->l2_len = (uint8_t)p->l2_len;
		v->l3_len = IP_HDR;
		v->ol_flags = 0;
		v->counter = DP_C_dns_tcp_synack;
		return;
	}
	if (!(fl & RTE_TCP_ACK_FLAG) || (fl & RTE_TCP_SYN_FLAG))
		return; /* bad */

	const uint8_t *data = frame + p->data_off;
	unsigned int dlen = p->data_len;
	int fin = (fl & RTE_TCP_FIN_FLAG) != 0;
	if (e == NULL) {
		struct syn_cookie_opts o;
		if (syn_cookie_check(&c->dnstcp.keys, p->src_ip, p->dst_ip, p->sport, p->dport,
				     seq - 1, ack - 1, now_s, &o) != 0) {
			if (fin) { /* of a connection we closed: acknowledge it */
				dnstcp_reply(c, frame, p, ack, seq + dlen + 1, RTE_TCP_ACK_FLAG, 0, v);
				v->counter = DP_C_dns_tcp_fin;
			} else {
				v->counter = dlen ? DP_C_drop_dns_tcp_cookie : DP_C_drop_dns_tcp_ctl;
			}
			return;
		}
		e = dp_dnstcp_add(t, p->src_ip, tcp->src_port, p->dst_ip, tcp->dst_port);
		if (e == NULL) {
			v->counter = DP_C_drop_dns_tcp_full;
			return;
		}
		e->rcv_nxt = seq;
		e->snd_nxt = ack;
		e->mss = o.mss;
		e->last = st->now;
		memcpy(&e->cmac, frame + RTE_ETHER_ADDR_LEN, RTE_ETHER_ADDR_LEN);
		if (dlen == 0 && !fin) {
			v->counter = DP_C_dns_tcp_open;
			return;
		}
	}
	if (dlen == 0 && !fin) {
		v->counter = DP_C_drop_dns_tcp_ctl; /* an ACK of our answer */
		return;
	}
	if (seq != e->rcv_nxt) {
		/* our answer to the last segment was lost and the client sends
		 * it again: answer it again (only when it began with an empty
		 * buffer, so that nothing else needs undoing) */
		if (e->has_last && seq == e->last_rcv && e->buf_len == 0) {
			e->rcv_nxt = seq;
			e->snd_nxt = e->last_snd;
		} else {
			dnstcp_reply(c, frame, p, e->snd_nxt, e->rcv_nxt, RTE_TCP_ACK_FLAG, 0, v);
			v->counter = DP_C_dns_tcp_ack;
			return;
		}
	}
	if (e->buf_len + dlen > DP_DNSTCP_BUF)
		goto reset;
	int fresh = e->buf_len == 0;
	memcpy(e->buf + e->buf_len, data, dlen);
	uint32_t base = e->rcv_nxt - e->buf_len; /* sequence number of buf[0] */
	e->buf_len = (uint16_t)(e->buf_len + dlen);

	/* one segment of answers, within the client's MSS and our buffer */
	unsigned int off = p->l2_len + IP_HDR + TCP_HDR;
	unsigned int room = cap > off ? cap - off : 0;
	if (room > e->mss)
		room = e->mss;
	unsigned int used;
	int stop, bad;
	unsigned int olen = dnstcp_answer_all(c, st, e, frame + off, room, &used, &stop, &bad, v);
	if (bad)
		goto reset;
	if (stop) {
		/* what did not fit is not acknowledged: the client sends it again */
		e->rcv_nxt = base + used;
		e->buf_len = 0;
		fin = 0;
	} else {
		memmove(e->buf, e->buf + used, e->buf_len - used);
		e->buf_len = (uint16_t)(e->buf_len - used);
		e->rcv_nxt = seq + dlen;
	}
	if (dlen > 0)
		e->last = st->now;
	e->has_last = fresh && !stop && e->buf_len == 0;
	e->last_rcv = seq;
	e->last_snd = e->snd_nxt;
	uint8_t flags = RTE_TCP_ACK_FLAG | (olen ? RTE_TCP_PSH_FLAG : 0);
	uint32_t rseq = e->snd_nxt;
	if (fin) { /* after its queries: ours closes too */
		e->rcv_nxt++;
		flags |= RTE_TCP_FIN_FLAG;
	}
	uint32_t rack = e->rcv_nxt;
	e->snd_nxt += olen;
	v->counter = olen ? DP_C_dns_tcp_answer : fin ? DP_C_dns_tcp_fin : DP_C_dns_tcp_held;
	if (fin)
		dp_dnstcp_del(t, e);
	dnstcp_reply(c, frame, p, rseq, rack, flags, (uint16_t)olen, v);
	return;

reset: /* a query no buffer here can hold: RFC 7766 lets us close */
	dnstcp_reply(c, frame, p, e->snd_nxt, seq + dlen, RTE_TCP_RST_FLAG | RTE_TCP_ACK_FLAG, 0, v);
	dp_dnstcp_del(t, e);
	v->svc = DP_SVC_NONE;
	v->counter = DP_C_dns_tcp_rst;
}

/* A frame as if the client of @e had sent it, for dnstcp_reply() to turn. */
static void
dnstcp_fake(const struct dp_fp_conf *c, const struct dp_dnstcp_conn *e, uint8_t *frame,
	    struct dp_pkt *p)
{
	struct rte_ether_hdr *eth = (struct rte_ether_hdr *)frame;
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eth + 1);
	struct rte_tcp_hdr *tcp = (struct rte_tcp_hdr *)(ip + 1);

	memset(p, 0, sizeof(*p));
	p->l2_len = RTE_ETHER_HDR_LEN;
	p->l3_len = IP_HDR;
	p->l4_off = RTE_ETHER_HDR_LEN + IP_HDR;
	eth->dst_addr = c->up_mac;
	eth->src_addr = e->cmac;
	eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	memset(ip, 0, sizeof(*ip));
	ip->src_addr = e->cip;
	ip->dst_addr = e->sip;
	tcp->src_port = e->cport;
	tcp->dst_port = e->sport;
}

int
dp_dnstcp_push(const struct dp_fp_conf *c, struct dp_dnstcp_conn *e, uint8_t *frame, uint16_t len,
	       struct dp_verdict *v)
{
	struct dp_pkt p;

	if (2u + len > e->mss)
		return -1;
	dnstcp_fake(c, e, frame, &p);
	wr16(frame + DP_DNSTCP_HDRS, len);
	dnstcp_reply(c, frame, &p, e->snd_nxt, e->rcv_nxt, RTE_TCP_ACK_FLAG | RTE_TCP_PSH_FLAG,
		     (uint16_t)(2 + len), v);
	e->snd_nxt += 2u + len;
	return 0;
}

int
dp_dnstcp_fin_frame(const struct dp_fp_conf *c, struct dp_dnstcp *t, struct dp_dnstcp_conn *e,
		    uint8_t *frame, uint16_t cap, struct dp_verdict *v)
{
	struct dp_pkt p;

	if (cap < DP_DNSTCP_HDRS)
		return -1;
	dnstcp_fake(c, e, frame, &p);
	dnstcp_reply(c, frame, &p, e->snd_nxt, e->rcv_nxt, RTE_TCP_FIN_FLAG | RTE_TCP_ACK_FLAG, 0,
		     v);
	v->counter = DP_C_dns_tcp_expired;
	dp_dnstcp_del(t, e);
	return 0;
}
