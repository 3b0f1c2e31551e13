/* SPDX-License-Identifier: BSD-3-Clause */
#include <string.h>

#include <netinet/in.h>
#include <rte_byteorder.h>
#include <rte_ip.h>
#include <rte_mbuf_core.h>
#include <rte_udp.h>

#include "cksum.h"
#include "dataplane.h"
#include "dnsfwd.h"
#include "pkt.h"

#define FWD_TTL 64
#define FWD_HDRS (RTE_ETHER_HDR_LEN + 20 + 8) /* untagged, no IP options */

struct dp_dnsfwd_out {
	int32_t slot;
	uint16_t len;
	uint8_t msg[DP_DNSFWD_MSG];
};

struct dp_dnsfwd {
	uint32_t max, n, n_free, scan;
	uint32_t rnd;                 /* xorshift32 state of the IDs */
	uint16_t port_base;
	uint8_t mac_known;
	struct rte_ether_addr resolver_mac;
	uint32_t q_head, q_n;
	uint32_t lost;
	struct dp_dnsfwd_out q[DP_DNSFWD_QUEUE];
	uint32_t *free;
	struct dp_dnsfwd_entry *e;
};

static inline size_t
fwd_align(size_t n)
{
	return (n + 63) & ~(size_t)63;
}

size_t
dp_dnsfwd_memsize(uint32_t n)
{
	if (n == 0)
		n = 1;
	return fwd_align(sizeof(struct dp_dnsfwd)) + fwd_align(n * sizeof(uint32_t)) +
	       n * sizeof(struct dp_dnsfwd_entry);
}

struct dp_dnsfwd *
dp_dnsfwd_init(void *mem, uint32_t n, uint16_t port_base, uint32_t seed)
{
	struct dp_dnsfwd *t = mem;
	uint8_t *p = mem;

	if (n == 0)
		n = 1;
	memset(mem, 0, dp_dnsfwd_memsize(n));
	t->max = n;
	t->port_base = port_base;
	t->rnd = seed ? seed : 0x6a697473;
	p += fwd_align(sizeof(*t));
	t->free = (uint32_t *)p;
	p += fwd_align(n * sizeof(uint32_t));
	t->e = (struct dp_dnsfwd_entry *)p;
	for (uint32_t i = 0; i < n; i++)
		t->free[i] = n - 1 - i;
	t->n_free = n;
	return t;
}

uint32_t
dp_dnsfwd_active(const struct dp_dnsfwd *t)
{
	return t->n;
}

static inline uint16_t
fwd_rand16(struct dp_dnsfwd *t)
{
	uint32_t x = t->rnd;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	t->rnd = x;
	return (uint16_t)(x >> 8);
}

int
dp_dnsfwd_open(struct dp_dnsfwd *t, uint32_t cip, uint16_t cport, uint16_t cid,
	       const struct rte_ether_addr *cmac, int tcp, uint64_t now)
{
	if (t->n_free == 0)
		return -1;
	uint32_t k = t->free[--t->n_free];
	struct dp_dnsfwd_entry *e = &t->e[k];
	*e = (struct dp_dnsfwd_entry){ .cip = cip, .cport = cport, .cid = cid,
				       .id = fwd_rand16(t), .used = 1, .tcp = (uint8_t)!!tcp,
				       .cmac = *cmac, .since = now };
	t->n++;
	return (int)k;
}

struct dp_dnsfwd_entry *
dp_dnsfwd_match(struct dp_dnsfwd *t, uint16_t port, uint16_t id)
{
	uint32_t k = (uint32_t)(uint16_t)(port - t->port_base);

	if (port < t->port_base || k >= t->max || !t->e[k].used || t->e[k].id != id)
		return NULL;
	return &t->e[k];
}

void
dp_dnsfwd_close(struct dp_dnsfwd *t, struct dp_dnsfwd_entry *e)
{
	if (!e->used)
		return;
	e->used = 0;
	t->free[t->n_free++] = (uint32_t)(e - t->e);
	t->n--;
}

unsigned int
dp_dnsfwd_expire(struct dp_dnsfwd *t, uint64_t now, uint64_t timeout)
{
	unsigned int n = 0;

	if (t->n == 0)
		return 0;
	for (unsigned int s = 0; s < DP_DNSFWD_SCAN && s < t->max; s++) {
		struct dp_dnsfwd_entry *e = &t->e[t->scan];
		t->scan = t->scan + 1 == t->max ? 0 : t->scan + 1;
		if (e->used && now - e->since > timeout) {
			dp_dnsfwd_close(t, e);
			n++;
		}
	}
	return n;
}

void
dp_dnsfwd_learn(struct dp_dnsfwd *t, const struct rte_ether_addr *mac)
{
	if (!t->mac_known || !rte_is_same_ether_addr(&t->resolver_mac, mac)) {
		t->resolver_mac = *mac;
		t->mac_known = 1;
	}
}

int
dp_dnsfwd_defer(struct dp_dnsfwd *t, int slot, const uint8_t *msg, uint16_t len)
{
	if (t->q_n == DP_DNSFWD_QUEUE || len > DP_DNSFWD_MSG)
		return -1;
	struct dp_dnsfwd_out *o = &t->q[(t->q_head + t->q_n++) % DP_DNSFWD_QUEUE];
	o->slot = slot;
	o->len = len;
	memcpy(o->msg, msg, len);
	return 0;
}

uint32_t
dp_dnsfwd_deferred(const struct dp_dnsfwd *t)
{
	return t->q_n;
}

int
dp_dnsfwd_tcp(struct dp_dnsfwd *t, uint32_t cip, uint16_t cport, const struct rte_ether_addr *cmac,
	      const uint8_t *msg, uint16_t len, uint64_t now)
{
	int k = len >= 12 && t->q_n < DP_DNSFWD_QUEUE && len <= DP_DNSFWD_MSG
		? dp_dnsfwd_open(t, cip, cport, (uint16_t)(msg[0] << 8 | msg[1]), cmac, 1, now)
		: -1;
	if (k < 0) {
		t->lost++;
		return -1;
	}
	dp_dnsfwd_defer(t, k, msg, len);
	return 0;
}

uint32_t
dp_dnsfwd_lost(struct dp_dnsfwd *t)
{
	uint32_t n = t->lost;

	t->lost = 0;
	return n;
}

static inline void
fwd_put16(uint8_t *b, uint16_t v)
{
	b[0] = (uint8_t)(v >> 8);
	b[1] = (uint8_t)v;
}

/* Headers of a UDP datagram of @dlen bytes (already at frame + FWD_HDRS),
 * whole checksums (these are not the fast path's answers: a few per
 * foreign query). */
static void
fwd_headers(uint8_t *frame, const struct rte_ether_addr *dst, const struct rte_ether_addr *src,
	    uint32_t sip, uint32_t dip, uint16_t sport, uint16_t dport, uint16_t dlen,
	    struct dp_verdict *v)
{
	struct rte_ether_hdr *eth = (struct rte_ether_hdr *)frame;
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eth + 1);
	struct rte_udp_hdr *udp = (struct rte_udp_hdr *)(ip + 1);

	eth->dst_addr = *dst;
	eth->src_addr = *src;
	eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	memset(ip, 0, sizeof(*ip));
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->total_length = rte_cpu_to_be_16((uint16_t)(20 + 8 + dlen));
	ip->fragment_offset = rte_cpu_to_be_16(RTE_IPV4_HDR_DF_FLAG);
	ip->time_to_live = FWD_TTL;
	ip->next_proto_id = IPPROTO_UDP;
	ip->src_addr = sip;
	ip->dst_addr = dip;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	udp->src_port = sport;
	udp->dst_port = dport;
	udp->dgram_len = rte_cpu_to_be_16((uint16_t)(8 + dlen));
	udp->dgram_cksum = 0;
	udp->dgram_cksum = rte_ipv4_udptcp_cksum(ip, udp);
	v->len = (uint16_t)(FWD_HDRS + dlen);
	v->l2_len = RTE_ETHER_HDR_LEN;
	v->l3_len = 20;
	v->ol_flags = 0;
}

static const struct rte_ether_addr fwd_bcast = { { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff } };

/* The query of slot @k (its message at frame + FWD_HDRS) to the resolver. */
static void
fwd_to_resolver(const struct dp_fp_conf *c, struct dp_dnsfwd *t, int k, uint8_t *frame,
		uint16_t dlen, struct dp_verdict *v)
{
	fwd_put16(frame + FWD_HDRS, t->e[k].id);
	/* broadcast until the resolver's MAC is known: its host takes an IPv4
	 * packet for its address in a broadcast frame, and then asks ARP for
	 * ours, which teaches us its MAC */
	fwd_headers(frame, t->mac_known ? &t->resolver_mac : &fwd_bcast, &c->dnsfwd.exc_mac,
		    c->gw_ip, c->dnsfwd.resolver, rte_cpu_to_be_16((uint16_t)(t->port_base + k)),
		    rte_cpu_to_be_16(53), dlen, v);
	v->action = DP_ACT_TX_EXCEPTION;
	v->counter = DP_C_dns_forwarded;
}

void
dp_dnsfwd_udp(const struct dp_fp_conf *c, struct dp_fp_state *st, uint8_t *frame,
	      const struct dp_pkt *p, struct dp_verdict *v)
{
	struct dp_dnsfwd *t = st->dnsfwd;
	const uint8_t *m = frame + p->data_off;
	uint16_t cid = (uint16_t)(m[0] << 8 | m[1]);

	/* the caller checked: untagged, 20-byte IPv4 header, so the message
	 * is at FWD_HDRS already */
	int k = dp_dnsfwd_open(t, p->src_ip, rte_cpu_to_be_16(p->sport), cid,
			       (const struct rte_ether_addr *)(frame + RTE_ETHER_ADDR_LEN), 0, st->now);
	if (k < 0) {
		v->counter = DP_C_drop_dns_fwd_full;
		v->svc = DP_SVC_NONE;
		return;
	}
	fwd_to_resolver(c, t, k, frame, p->data_len, v);
}

int
dp_dnsfwd_take(const struct dp_fp_conf *c, struct dp_fp_state *st, uint8_t *frame, uint16_t cap,
	       struct dp_verdict *v)
{
	struct dp_dnsfwd *t = st->dnsfwd;

	while (t->q_n > 0) {
		struct dp_dnsfwd_out *o = &t->q[t->q_head];
		t->q_head = (t->q_head + 1) % DP_DNSFWD_QUEUE;
		t->q_n--;
		if (!t->e[o->slot].used || (size_t)cap < (size_t)FWD_HDRS + o->len)
			continue; /* timed out meanwhile, or no room: it times out */
		memcpy(frame + FWD_HDRS, o->msg, o->len);
		fwd_to_resolver(c, t, o->slot, frame, o->len, v);
		return 0;
	}
	return -1;
}

/* An answer of the resolver's, to slot @e's client. */
static void
fwd_relay(const struct dp_fp_conf *c, struct dp_fp_state *st, struct dp_dnsfwd_entry *e,
	  uint8_t *frame, const struct dp_pkt *p, uint16_t cap, struct dp_verdict *v)
{
	uint16_t dlen = p->data_len;
	uint8_t *m = frame + p->data_off;

	fwd_put16(m, e->cid);
	if (!e->tcp) {
		if (p->data_off != FWD_HDRS)
			memmove(frame + FWD_HDRS, m, dlen);
		fwd_headers(frame, &e->cmac, &c->up_mac, c->gw_ip, e->cip, rte_cpu_to_be_16(53),
			    e->cport, dlen, v);
		v->action = DP_ACT_TX_UPLINK;
		v->counter = DP_C_dns_fwd_relayed;
		return;
	}
	struct dp_dnstcp_conn *conn = st->dnstcp != NULL
		? dp_dnstcp_find(st->dnstcp, e->cip, e->cport, c->gw_ip, rte_cpu_to_be_16(53))
		: NULL;
	if (conn == NULL || (size_t)cap < DP_DNSTCP_HDRS + 2u + dlen) {
		v->counter = DP_C_drop_dns_fwd_unknown; /* the connection is gone */
		return;
	}
	memmove(frame + DP_DNSTCP_HDRS + 2, m, dlen);
	if (dp_dnstcp_push(c, conn, frame, dlen, v) != 0) {
		v->counter = DP_C_drop_dns_fwd_unknown;
		return;
	}
	v->counter = DP_C_dns_fwd_relayed;
}

void
dp_exception_frame(const struct dp_fp_conf *c, struct dp_fp_state *st, uint8_t *frame,
		   uint16_t len, uint16_t cap, uint64_t rx_ol_flags, struct dp_verdict *v)
{
	struct dp_pkt p;
	struct dp_dnsfwd *t = st != NULL ? st->dnsfwd : NULL;

	/* the host kernel speaks on the uplink as it is */
	v->action = DP_ACT_TX_UPLINK;
	v->counter = DP_C__COUNT;
	v->len = len;
	v->ol_flags = 0;
	v->event = DP_EV_NONE;
	v->svc = DP_SVC_NONE;
	if (c->dnsfwd.resolver == 0 || t == NULL ||
	    dp_parse(frame, len, rx_ol_flags, &p) != DP_PARSE_OK || p.has_vlan)
		return;
	if (p.ether_type == DP_ETHER_TYPE_ARP) {
		uint32_t spa;
		memcpy(&spa, frame + p.l2_len + 14, 4);
		if (spa == c->dnsfwd.resolver)
			dp_dnsfwd_learn(t, (const struct rte_ether_addr *)(frame + p.l2_len + 8));
		/* the resolver's host asks for the gateway's address here */
		if (dp_arp_respond(frame, p.l2_len, &c->dnsfwd.exc_mac, c->gw_ip, NULL) == 0) {
			v->action = DP_ACT_TX_EXCEPTION;
			v->counter = DP_C_arp_reply;
		}
		return;
	}
	if (p.ether_type != DP_ETHER_TYPE_IPV4 || p.src_ip != c->dnsfwd.resolver ||
	    p.dst_ip != c->gw_ip)
		return;
	dp_dnsfwd_learn(t, (const struct rte_ether_addr *)(frame + RTE_ETHER_ADDR_LEN));
	if (p.proto != IPPROTO_UDP || p.sport != 53 || p.is_fragment)
		return;
	v->action = DP_ACT_DROP;
	struct dp_dnsfwd_entry *e = p.data_len >= 12
		? dp_dnsfwd_match(t, p.dport, (uint16_t)(frame[p.data_off] << 8 | frame[p.data_off + 1]))
		: NULL;
	if (e == NULL) {
		v->counter = DP_C_drop_dns_fwd_unknown;
		return;
	}
	fwd_relay(c, st, e, frame, &p, cap, v);
	dp_dnsfwd_close(t, e);
}
