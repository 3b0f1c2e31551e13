/* SPDX-License-Identifier: BSD-3-Clause */
#include <string.h>

#include <netinet/in.h>
#include <rte_arp.h>
#include <rte_byteorder.h>
#include <rte_ip.h>
#include <rte_mbuf_core.h>
#include <rte_tcp.h>
#include <rte_udp.h>

#include "cksum.h"
#include "dataplane.h"
#include "dnscookie.h"
#include "pkt.h"

#define DP_DNS_PORT 53
#define DP_REPLY_TTL 64

static inline int
dp_mac_is(const uint8_t *a, const struct rte_ether_addr *b)
{
	return memcmp(a, b->addr_bytes, RTE_ETHER_ADDR_LEN) == 0;
}

unsigned int
dp_arp_respond(uint8_t *frame, uint16_t l2_len, const struct rte_ether_addr *mac,
	       uint32_t gw_ip, const struct dp_svctab *tab)
{
	struct rte_arp_hdr *a = (struct rte_arp_hdr *)(frame + l2_len);
	uint32_t tpa, spa;

	if (a->arp_hardware != rte_cpu_to_be_16(RTE_ARP_HRD_ETHER) ||
	    a->arp_protocol != rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4) ||
	    a->arp_hlen != RTE_ETHER_ADDR_LEN || a->arp_plen != 4)
		return DP_C_drop_arp_malformed;
	if (a->arp_opcode != rte_cpu_to_be_16(RTE_ARP_OP_REQUEST))
		return DP_C_drop_arp_not_request;
	memcpy(&tpa, &a->arp_data.arp_tip, 4);
	memcpy(&spa, &a->arp_data.arp_sip, 4);
	if (tpa == spa)
		return DP_C_drop_arp_gratuitous; /* an announcement: nothing to say */
	if (tpa != gw_ip && (tab == NULL || dp_svctab_by_ip(tab, tpa) == DP_SVC_NONE))
		return DP_C_drop_arp_not_ours;

	/* Reply to the requester's link-layer source; keep any VLAN tag. */
	memcpy(frame, frame + RTE_ETHER_ADDR_LEN, RTE_ETHER_ADDR_LEN);
	memcpy(frame + RTE_ETHER_ADDR_LEN, mac->addr_bytes, RTE_ETHER_ADDR_LEN);
	a->arp_opcode = rte_cpu_to_be_16(RTE_ARP_OP_REPLY);
	a->arp_data.arp_tha = a->arp_data.arp_sha;
	memcpy(&a->arp_data.arp_tip, &spa, 4);
	a->arp_data.arp_sha = *mac;
	memcpy(&a->arp_data.arp_sip, &tpa, 4);
	return 0;
}

uint16_t
dp_garp_frame(uint8_t *frame, const struct rte_ether_addr *mac, uint32_t ip)
{
	struct rte_ether_hdr *eth = (struct rte_ether_hdr *)frame;
	struct rte_arp_hdr *a = (struct rte_arp_hdr *)(eth + 1);

	memset(frame, 0, DP_GARP_LEN);
	memset(&eth->dst_addr, 0xff, RTE_ETHER_ADDR_LEN);
	eth->src_addr = *mac;
	eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_ARP);
	a->arp_hardware = rte_cpu_to_be_16(RTE_ARP_HRD_ETHER);
	a->arp_protocol = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	a->arp_hlen = RTE_ETHER_ADDR_LEN;
	a->arp_plen = 4;
	a->arp_opcode = rte_cpu_to_be_16(RTE_ARP_OP_REQUEST);
	a->arp_data.arp_sha = *mac;
	memcpy(&a->arp_data.arp_sip, &ip, 4);
	memcpy(&a->arp_data.arp_tip, &ip, 4); /* target MAC stays zero */
	return DP_GARP_LEN;
}

/* Lengths and checksums of a UDP reply whose payload is now @dlen bytes. */
static void
dp_udp_finish(uint8_t *frame, uint8_t l2_len, uint8_t l3_len, uint16_t dlen, int tx_cksum,
	      struct dp_verdict *v)
{
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(frame + l2_len);
	struct rte_udp_hdr *udp = (struct rte_udp_hdr *)(frame + l2_len + l3_len);
	uint16_t ulen = (uint16_t)(sizeof(*udp) + dlen);

	ip->total_length = rte_cpu_to_be_16((uint16_t)(l3_len + ulen));
	ip->hdr_checksum = 0;
	udp->dgram_len = rte_cpu_to_be_16(ulen);
	udp->dgram_cksum = 0;
	v->len = (uint16_t)(l2_len + l3_len + ulen);
	v->l2_len = l2_len;
	v->l3_len = l3_len;
	if (tx_cksum) {
		v->ol_flags = RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_IP_CKSUM | RTE_MBUF_F_TX_UDP_CKSUM;
		udp->dgram_cksum = rte_ipv4_phdr_cksum(ip, v->ol_flags);
	} else {
		v->ol_flags = 0;
		ip->hdr_checksum = rte_ipv4_cksum(ip);
		udp->dgram_cksum = rte_ipv4_udptcp_cksum(ip, udp);
	}
}

/* Address a UDP datagram back to its sender, from @p mac: MACs, IPv4
 * addresses and ports swapped, the reply's TTL, no fragment bits. Lengths
 * and checksums are the caller's. */
static inline void
dp_udp_turn(uint8_t *frame, struct rte_ipv4_hdr *ip, struct rte_udp_hdr *udp,
	    const struct rte_ether_addr *mac)
{
	memcpy(frame, frame + RTE_ETHER_ADDR_LEN, RTE_ETHER_ADDR_LEN);
	memcpy(frame + RTE_ETHER_ADDR_LEN, mac->addr_bytes, RTE_ETHER_ADDR_LEN);
	uint32_t a = ip->src_addr;
	ip->src_addr = ip->dst_addr;
	ip->dst_addr = a;
	ip->time_to_live = DP_REPLY_TTL;
	ip->fragment_offset = 0;
	uint16_t port = udp->src_port;
	udp->src_port = udp->dst_port;
	udp->dst_port = port;
}

/* Turn a UDP datagram whose payload now holds @p dlen bytes of reply into
 * the reply frame: swap addresses and ports, fix lengths and checksums. */
static void
dp_udp_reply(uint8_t *frame, const struct dp_pkt *p, const struct rte_ether_addr *mac,
	     uint16_t dlen, int tx_cksum, struct dp_verdict *v)
{
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(frame + p->l2_len);
	struct rte_udp_hdr *udp = (struct rte_udp_hdr *)(frame + p->l4_off);

	dp_udp_turn(frame, ip, udp, mac);
	dp_udp_finish(frame, (uint8_t)p->l2_len, (uint8_t)p->l3_len, dlen, tx_cksum, v);
}

/* Turn a DNS query whose checksums were right (checked here or by the NIC)
 * into its reply, the checksums updated from the query's (RFC 1624) rather
 * than computed again over the packet: addresses and ports only swap places,
 * which leaves every sum as it was; what changes is the IPv4 total length,
 * TTL and fragment word, the UDP length (in the header and the
 * pseudo-header), DNS header bytes 2..11 (@p hsum_q: their sum in the query)
 * and what follows the question (the query's: @p r->tail_sum). Only the
 * reply's new bytes are read back. Byte for byte what a full computation
 * gives (tests/unit/test_cksum.c). */
static void
dp_dns_reply_incr(uint8_t *frame, const struct dp_pkt *p, const struct rte_ether_addr *mac,
		  uint16_t dlen, uint16_t hsum_q, const struct dp_dns_result *r,
		  struct dp_verdict *v)
{
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(frame + p->l2_len);
	struct rte_udp_hdr *udp = (struct rte_udp_hdr *)(frame + p->l4_off);
	const uint8_t *msg = frame + p->data_off;
	uint16_t ulen = (uint16_t)(sizeof(*udp) + dlen);
	uint16_t tot_r = rte_cpu_to_be_16((uint16_t)(p->l3_len + ulen)), ulen_r = rte_cpu_to_be_16(ulen);
	uint16_t ttl_q, ttl_r, frag_q;
	const uint8_t ttl_proto[2] = { DP_REPLY_TTL, IPPROTO_UDP };

	memcpy(&ttl_q, &ip->time_to_live, 2); /* TTL and protocol: one word */
	memcpy(&ttl_r, ttl_proto, 2);
	frag_q = ip->fragment_offset;
	ip->hdr_checksum = dp_cksum_update(ip->hdr_checksum,
					   dp_cksum_fold((uint32_t)ip->total_length + ttl_q + frag_q),
					   dp_cksum_fold((uint32_t)tot_r + ttl_r));
	/* just written 16 bits at a time (dns.c): read back alike */
	uint16_t hsum_r = dp_cksum_sum16_at(msg + 2, DP_DNS_HDR_LEN - 2, 0);
	uint16_t tail_r = dp_cksum_sum16_at(msg + r->keep, (size_t)(dlen - r->keep), r->keep & 1);
	udp->dgram_cksum = dp_cksum_update_udp(
		udp->dgram_cksum,
		dp_cksum_fold(2u * udp->dgram_len + hsum_q + r->tail_sum),
		dp_cksum_fold(2u * ulen_r + hsum_r + tail_r));

	dp_udp_turn(frame, ip, udp, mac);
	ip->total_length = tot_r;
	udp->dgram_len = ulen_r;
	v->len = (uint16_t)(p->l4_off + ulen);
	v->l2_len = (uint8_t)p->l2_len;
	v->l3_len = (uint8_t)p->l3_len;
	v->ol_flags = 0;
}

/* One's-complement sum over the pseudo-header and the datagram (its own
 * checksum included) is all ones when the checksum is right. */
static int
dp_udp_cksum_ok(const uint8_t *frame, const struct dp_pkt *p)
{
	uint16_t ulen = (uint16_t)(p->data_len + 8);
	uint32_t s = dp_cksum_sum_at(frame + p->l2_len + 12, 8, 0); /* source, destination */

	/* sums are in memory order: add the rest in network order */
	s += (uint32_t)rte_cpu_to_be_16(IPPROTO_UDP) + rte_cpu_to_be_16(ulen);
	s += dp_cksum_sum_at(frame + p->l4_off, ulen, 0);
	return dp_cksum_fold(s) == 0xffff;
}

void
dp_dns_servfail_frame(const struct dp_fp_conf *c, uint8_t *frame, uint16_t len, uint8_t l2_len,
		      uint8_t l3_len, struct dp_verdict *v)
{
	uint8_t *m = frame + l2_len + l3_len + sizeof(struct rte_udp_hdr);
	unsigned int off = DP_DNS_HDR_LEN, end = len - (unsigned int)(m - frame);

	/* our own answer: the question is well formed, still check the bounds */
	while (off < end && m[off] != 0)
		off += 1u + m[off];
	off += 1 + 4;
	if (off > end)
		off = DP_DNS_HDR_LEN;
	m[3] = (uint8_t)((m[3] & 0xf0) | 2); /* SERVFAIL */
	m[2] &= (uint8_t)~0x04;               /* not authoritative for a failure */
	memset(m + 6, 0, 6);                  /* no answer, authority or additional */
	if (off == DP_DNS_HDR_LEN)
		memset(m + 4, 0, 2);
	dp_udp_finish(frame, l2_len, l3_len, (uint16_t)off, c->flags & DP_F_TX_CKSUM_UP, v);
	v->action = DP_ACT_TX_UPLINK;
	v->counter = DP_C_dns_servfail;
}

#define DP_DNS_DROP 0x100 /* RRL: no answer */

/* With RRL or forwarding on: how to answer (DP_DNS_* flags). Answers
 * beyond the rate of the source's prefix are dropped, or a few truncated
 * ones send a real client to TCP; foreign names go to the resolver (not
 * from a VLAN: the exception port is untagged). */
static unsigned int
dp_dns_how(const struct dp_fp_conf *c, struct dp_fp_state *st, const struct dp_pkt *p)
{
	unsigned int how = 0;

	if (st == NULL)
		return 0;
	if (c->rrl.interval != 0 && st->rrl != NULL) {
		enum dp_rrl_verdict rv = dp_rrl_check(st->rrl, &c->rrl, p->src_ip, st->now);
		if (rv == DP_RRL_DROP)
			return DP_DNS_DROP;
		if (rv == DP_RRL_SLIP)
			how |= DP_DNS_TRUNCATE;
	}
	if (c->dnsfwd.resolver != 0 && st->dnsfwd != NULL && !p->has_vlan)
		how |= DP_DNS_FORWARD;
	return how;
}

static void
dp_dns_frame(const struct dp_fp_conf *c, struct dp_fp_state *st, uint8_t *frame,
	     const struct dp_pkt *p, uint16_t cap, uint64_t rx_ol_flags, struct dp_verdict *v)
{
	uint64_t now = st != NULL ? st->now : 0;
	if (p->is_fragment) {
		v->counter = DP_C_drop_ip_fragment;
		return;
	}
	if (p->l3_len != sizeof(struct rte_ipv4_hdr)) {
		v->counter = DP_C_drop_ip_options;
		return;
	}
	uint64_t l4ck = rx_ol_flags & RTE_MBUF_F_RX_L4_CKSUM_MASK;
	const struct rte_udp_hdr *udp = (const struct rte_udp_hdr *)(frame + p->l4_off);
	if (l4ck == RTE_MBUF_F_RX_L4_CKSUM_BAD ||
	    (l4ck != RTE_MBUF_F_RX_L4_CKSUM_GOOD && udp->dgram_cksum != 0 &&
	     !dp_udp_cksum_ok(frame, p))) {
		v->counter = DP_C_drop_udp_cksum;
		return;
	}

	unsigned int how = 0;
	if (__builtin_expect((c->flags & DP_F_DNS_SLOW) != 0, 0) &&
	    (how = dp_dns_how(c, st, p)) == DP_DNS_DROP) {
		v->counter = DP_C_drop_dns_rrl;
		return;
	}

	/* checked (or said good by the NIC) and not 0: the reply's checksums
	 * follow from the query's, unless the port computes them anyway */
	int incr = udp->dgram_cksum != 0 && !(c->flags & DP_F_TX_CKSUM_UP) &&
		   p->data_len >= DP_DNS_HDR_LEN;
	uint16_t hsum_q = incr ? dp_cksum_sum_at(frame + p->data_off + 2, DP_DNS_HDR_LEN - 2, 0) : 0;
	struct dp_dns_result r;
	uint16_t dlen = dp_dns_answer(&c->dns, frame + p->data_off, p->data_len,
				      (uint16_t)(cap - p->data_off), how, &r);
	v->counter = r.counter;
	v->svc = r.svc;
	if (dlen == 0) {
		if (r.counter == DP_C_dns_forwarded)
			dp_dnsfwd_udp(c, st, frame, p, v);
		return;
	}
	if (r.cookie_len != 0) { /* RFC 7873: checked, and ours added to the answer */
		enum dp_dnsck ck;
		dlen = dp_dnsck_answer(&c->cookie_keys, p->src_ip,
				       (uint32_t)(c->tsc_hz ? now / c->tsc_hz : 0), &r,
				       frame + p->data_off, dlen, (uint16_t)(cap - p->data_off), &ck);
		v->dnsck = (uint8_t)ck;
	}
	if (how & DP_DNS_TRUNCATE)
		v->counter = DP_C_dns_rrl_slip;
	if (incr)
		dp_dns_reply_incr(frame, p, &c->up_mac, dlen, hsum_q, &r, v);
	else
		dp_udp_reply(frame, p, &c->up_mac, dlen, c->flags & DP_F_TX_CKSUM_UP, v);
	v->action = DP_ACT_TX_UPLINK;
}

/* Not ours to handle: the exception port takes it when there is one. */
static inline void
dp_unhandled(const struct dp_fp_conf *c, uint16_t len, unsigned int reason,
	     struct dp_verdict *v)
{
	if (c->flags & DP_F_EXCEPTION) {
		v->action = DP_ACT_TX_EXCEPTION;
		v->counter = DP_C_exception_forwarded;
		v->len = len;
	} else {
		v->counter = reason;
	}
}

static inline void
dp_verdict_init(struct dp_verdict *v)
{
	v->action = DP_ACT_DROP;
	v->svc = DP_SVC_NONE;
	v->ol_flags = 0;
	v->len = 0;
	v->l2_len = 0;
	v->l3_len = 0;
	v->event = DP_EV_NONE;
	v->append = 0;
	v->solicit = 0;
	v->refused = 0;
	v->px_ack = 0;
	v->px_open = 0;
	v->px_replay = 0;
	v->px_dead = 0;
	v->px_acked = 0;
	v->px_summon = 0;
	v->px_flow = SYN_PX_NONE;
	v->dnsck = DP_DNSCK_NONE;
}

static const char *const dp_svc_state_names[DP_SVC__COUNT] = {
	[DP_SVC_STOPPED] = "stopped",
	[DP_SVC_SUMMON_PENDING] = "summon-pending",
	[DP_SVC_STARTING] = "starting",
	[DP_SVC_BOOTED] = "booted",
	[DP_SVC_READY] = "ready",
	[DP_SVC_STOPPING] = "stopping",
	[DP_SVC_FAILED] = "failed",
};

const char *
dp_svc_state_name(unsigned int state)
{
	return state < DP_SVC__COUNT ? dp_svc_state_names[state] : "?";
}

static inline uint32_t
dp_svc_state(const struct dp_fp_conf *c, int svc)
{
	return c->rt ? __atomic_load_n(&c->rt[svc].state, __ATOMIC_ACQUIRE) : DP_SVC_STOPPED;
}

/* A packet from @p src that asks for a stopped service summons it, within
 * the summon budgets (@p proven 1: it proved its address, the global limit
 * does not hold it; 2: no budget); of a flood of them, the one that wins
 * the compare-and-swap posts the event. */
static inline __attribute__((always_inline)) void
dp_summon(const struct dp_fp_conf *c, int svc, uint32_t src, int proven, uint64_t now,
	  struct dp_verdict *v)
{
	uint32_t expect = DP_SVC_STOPPED;

	if (c->rt == NULL || dp_svc_state(c, svc) != DP_SVC_STOPPED)
		return;
	/* proven 2: no budget at all (dns_summon = always) */
	enum syn_budget_verdict b = proven > 1 ? SYN_BUDGET_OK
					       : syn_budget_take(c->budget, &c->budget_conf,
								 (uint32_t)svc, src, proven, now);
	if (b != SYN_BUDGET_OK) {
		v->refused = (uint8_t)b;
		return;
	}
	if (__atomic_compare_exchange_n(&c->rt[svc].state, &expect, DP_SVC_SUMMON_PENDING, 0,
					__ATOMIC_ACQ_REL, __ATOMIC_RELAXED))
		v->event = DP_EV_SUMMON;
}

static inline __attribute__((always_inline)) void
dp_touch(struct dp_fp_state *st, int svc)
{
	if (st != NULL && st->activity != NULL && st->activity[svc] != st->now)
		st->activity[svc] = st->now;
}

/* 0/8, 127/8, 224/4 and 240/4 (with the limited broadcast) */
static inline int
dp_martian_addr(uint32_t a)
{
	uint32_t h = rte_be_to_cpu_32(a);

	return (h >> 24) == 0 || (h >> 24) == 127 || (h >> 28) >= 0xe;
}

int
dp_martian_src(const struct dp_fp_conf *c, uint32_t src)
{
	return dp_martian_addr(src) || src == c->gw_ip ||
	       dp_svctab_by_ip(c->dns.tab, src) != DP_SVC_NONE;
}

/* Route an IPv4 frame out of another port: new MACs, TTL decremented with
 * an incremental checksum update (RFC 1624), padding trimmed. */
static inline int
dp_route(uint8_t *frame, const struct dp_pkt *p, const struct rte_ether_addr *dst,
	 const struct rte_ether_addr *src, struct dp_verdict *v)
{
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(frame + p->l2_len);

	if (ip->time_to_live <= 1) {
		v->counter = DP_C_drop_ip_ttl;
		return -1;
	}
	uint32_t ck = ip->hdr_checksum + (uint32_t)rte_cpu_to_be_16(0x0100);
	ip->hdr_checksum = (uint16_t)(ck + (ck >= 0xffff));
	ip->time_to_live--;
	memcpy(frame, dst->addr_bytes, RTE_ETHER_ADDR_LEN);
	memcpy(frame + RTE_ETHER_ADDR_LEN, src->addr_bytes, RTE_ETHER_ADDR_LEN);
	v->len = (uint16_t)(p->l2_len + p->ip_total);
	return 0;
}

/* The synjitsu mode of service @p svc. */
static inline uint8_t
dp_syn_mode(const struct dp_fp_conf *c, int svc)
{
	return c->px_svc != NULL ? c->px_svc[svc].mode : c->syn_mode;
}

/* Uplink traffic to a service address. */
static void
dp_to_service(const struct dp_fp_conf *c, struct dp_fp_state *st, uint8_t *frame,
	      const struct dp_pkt *p, uint16_t cap, struct dp_verdict *v)
{
	int svc = v->svc;
	uint32_t state = dp_svc_state(c, svc);

	/* synjitsu = proxy: the cookie handshake, held and translated flows */
	if (p->proto == IPPROTO_TCP && st != NULL && st->px != NULL &&
	    dp_syn_mode(c, svc) == SYN_MODE_PROXY && !p->has_vlan &&
	    (state != DP_SVC_READY || c->px_svc[svc].always ||
	     syn_px_flows(st->px, (uint32_t)svc) > 0) &&
	    dp_px_uplink(c, st, frame, p, cap, state == DP_SVC_READY, v)) {
		dp_touch(st, svc);
		if (v->px_summon)
			dp_summon(c, svc, p->src_ip, 1, st->now, v);
		return;
	}
	int is_syn = p->proto == IPPROTO_TCP &&
		     (p->tcp_flags & (RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG)) == RTE_TCP_SYN_FLAG;
	/* packets held for a READY service go out first: newer ones queue up */
	int behind = state == DP_SVC_READY && st != NULL && st->syn != NULL &&
		     svc != st->replay_svc && syn_pending(st->syn, (uint32_t)svc) > 0;

	dp_touch(st, svc);
	if (state != DP_SVC_READY || behind) {
		/* a connection attempt asks for the service as a query does */
		if (is_syn && c->summon_on_syn && dp_syn_mode(c, svc) != SYN_MODE_PROXY)
			dp_summon(c, svc, p->src_ip, 0, st != NULL ? st->now : 0, v);
		if (p->proto == IPPROTO_TCP && dp_syn_mode(c, svc) == SYN_MODE_BUFFER && st != NULL &&
		    st->syn != NULL && !p->has_vlan) {
			v->action = DP_ACT_HOLD;
			v->counter = DP_C__COUNT; /* the glue counts what syn_offer() says */
			v->tcp_flags = p->tcp_flags;
			v->append = (uint8_t)behind;
			v->key = (struct syn_key){ p->src_ip, p->dst_ip, p->sport, p->dport };
			return;
		}
		if (state != DP_SVC_READY) {
			v->counter = DP_C_drop_svc_not_ready;
			return;
		}
	}
	if (p->has_vlan) { /* the services' bridge is untagged */
		v->counter = DP_C_drop_vlan_nested;
		return;
	}
	if (dp_route(frame, p, &c->rt[svc].mac, &c->down_mac, v) == 0) {
		v->action = DP_ACT_TX_DOWNLINK;
		v->counter = DP_C_forwarded_down;
	}
}

/* An ARP reply to the gateway's address, to one of its own requests: the
 * one thing that sets a neighbour's MAC. @return 1 when it was one. */
static int
dp_arp_reply_in(const struct dp_fp_conf *c, struct dp_fp_state *st, const uint8_t *frame,
		const struct dp_pkt *p, struct dp_verdict *v)
{
	const struct rte_arp_hdr *a = (const struct rte_arp_hdr *)(frame + p->l2_len);
	uint32_t tpa, spa;

	if (a->arp_opcode != rte_cpu_to_be_16(RTE_ARP_OP_REPLY) || st == NULL || st->neigh == NULL)
		return 0;
	memcpy(&tpa, &a->arp_data.arp_tip, 4);
	if (tpa != c->gw_ip)
		return 0;
	memcpy(&spa, &a->arp_data.arp_sip, 4);
	if (a->arp_hardware != rte_cpu_to_be_16(RTE_ARP_HRD_ETHER) ||
	    a->arp_protocol != rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4) ||
	    a->arp_hlen != RTE_ETHER_ADDR_LEN || a->arp_plen != 4 || dp_martian_src(c, spa)) {
		v->counter = DP_C_drop_arp_malformed;
		return 1;
	}
	switch (dp_neigh_confirm(st->neigh, spa, &a->arp_data.arp_sha, st->now)) {
	case DP_NEIGH_CONFIRMED:
		v->counter = DP_C_neigh_confirmed;
		break;
	case DP_NEIGH_BAD_MAC:
		v->counter = DP_C_drop_arp_malformed;
		break;
	default:
		v->counter = DP_C_drop_arp_reply_unsolicited;
		break;
	}
	return 1;
}

/* DNS over TCP (dnstcp.c), out of line: the UDP answer's path stays as
 * short as it was. */
static __attribute__((noinline)) void
dp_dns_tcp(const struct dp_fp_conf *c, struct dp_fp_state *st, uint8_t *frame,
	   const struct dp_pkt *p, uint16_t cap, uint64_t rx_ol_flags, struct dp_verdict *v)
{
	dp_dnstcp_frame(c, st, frame, p, cap, rx_ol_flags, v);
	if (v->svc != DP_SVC_NONE && v->action == DP_ACT_TX_UPLINK) {
		dp_touch(st, v->svc);
		dp_summon(c, v->svc, p->src_ip, 1, st->now, v); /* a completed handshake proved the address; answered at once: no parking on TCP */
	}
}

void
dp_uplink_frame(const struct dp_fp_conf *c, struct dp_fp_state *st, uint8_t *frame,
		uint16_t len, uint16_t cap, uint64_t rx_ol_flags, struct dp_verdict *v)
{
	struct dp_pkt p;

	dp_verdict_init(v);
	v->counter = dp_parse(frame, len, rx_ol_flags, &p);
	if (v->counter != DP_PARSE_OK)
		return;
	/* One 802.1Q tag, of the configured VLAN, or none: every PMD alike
	 * (af_packet hands a kernel-stripped 802.1ad tag back as 802.1Q). */
	if (__builtin_expect(p.has_vlan, 0) &&
	    (c->up_vlan == 0 || ((frame[14] << 8 | frame[15]) & 0x0fff) != c->up_vlan)) {
		v->counter = DP_C_drop_vlan_tagged;
		return;
	}
	if (p.ether_type == DP_ETHER_TYPE_IPV4 && dp_martian_src(c, p.src_ip)) {
		v->counter = DP_C_drop_martian;
		return;
	}

	/* Taps and af_packet ports are promiscuous: keep to our own frames. */
	if (!dp_mac_is(frame, &c->up_mac)) {
		if (!(frame[0] & 1))
			v->counter = DP_C_drop_l2_not_ours;
		else if (p.ether_type == DP_ETHER_TYPE_ARP)
			goto arp; /* broadcast requests */
		else
			dp_unhandled(c, len, DP_C_drop_l2_not_ours, v);
		return;
	}

	if (p.ether_type == DP_ETHER_TYPE_ARP)
		goto arp;
	if (p.ether_type != DP_ETHER_TYPE_IPV4) {
		dp_unhandled(c, len, DP_C_drop_l3_proto, v);
		return;
	}
	if (p.dst_ip == c->gw_ip) {
		if (p.proto == IPPROTO_UDP && p.is_fragment) { /* never reassembled */
			v->counter = DP_C_drop_dns_fragment;
		} else if (p.proto == IPPROTO_UDP && p.dport == DP_DNS_PORT) {
			dp_dns_frame(c, st, frame, &p, cap, rx_ol_flags, v);
			if (v->svc != DP_SVC_NONE && v->action == DP_ACT_TX_UPLINK) {
				dp_touch(st, v->svc);
				/* proof (a valid server cookie) or budget, as dns_summon says */
				int proof = c->dns_summon == DP_DNS_SUMMON_ALWAYS ? 2
					    : v->dnsck == DP_DNSCK_VALID	      ? 1
										      : 0;
				if (proof == 0 && c->dns_summon == DP_DNS_SUMMON_COOKIE) {
					if (dp_svc_state(c, v->svc) == DP_SVC_STOPPED)
						v->refused = SYN_BUDGET_GLOBAL + 1;
				} else {
					dp_summon(c, v->svc, p.src_ip, proof, st != NULL ? st->now : 0, v);
				}
				/* Jitsu's own policy: answer once the service can serve */
				if (c->rt != NULL && c->rt[v->svc].dns_when_ready &&
				    dp_svc_state(c, v->svc) != DP_SVC_READY) {
					v->action = DP_ACT_PARK;
					v->counter = DP_C_dns_parked;
					v->l2_len = (uint8_t)p.l2_len;
					v->l3_len = (uint8_t)p.l3_len;
				}
			}
		} else if (p.proto == IPPROTO_TCP && p.dport == DP_DNS_PORT && st != NULL &&
			   st->dnstcp != NULL) {
			dp_dns_tcp(c, st, frame, &p, cap, rx_ol_flags, v);
		} else {
			dp_unhandled(c, len, DP_C_drop_gw_unhandled, v);
		}
		return;
	}
	v->svc = dp_svctab_by_ip(c->dns.tab, p.dst_ip);
	if (v->svc != DP_SVC_NONE) {
		dp_to_service(c, st, frame, &p, cap, v);
		return;
	}
	dp_unhandled(c, len, DP_C_drop_ip_not_ours, v);
	return;

arp:
	if (dp_arp_reply_in(c, st, frame, &p, v))
		return;
	v->counter = dp_arp_respond(frame, p.l2_len, &c->up_mac, c->gw_ip, c->dns.tab);
	if (v->counter == 0) {
		v->counter = DP_C_arp_reply;
		v->action = DP_ACT_TX_UPLINK;
		v->len = len;
		if (st != NULL && st->neigh != NULL) { /* the requester: a hint at most */
			struct rte_ether_addr known;
			uint32_t spa;
			memcpy(&spa, frame + p.l2_len + 24, 4); /* now the target IP */
			if (dp_nexthop(c, spa) == spa && !dp_martian_src(c, spa) &&
			    (dp_neigh_lookup(st->neigh, spa, st->now, &known) == DP_NEIGH_MISS ||
			     dp_neigh_hint(st->neigh, spa, (const struct rte_ether_addr *)frame,
					   st->now)))
				v->solicit = spa; /* ask it ourselves */
		}
	} else if (v->counter == DP_C_drop_arp_not_request) {
		dp_unhandled(c, len, DP_C_drop_arp_not_request, v);
	}
}

/* An untagged Ethernet/IPv4/TCP segment without data, written whole at
 * @frame (54 bytes plus the options). @return its length. */
static uint16_t
dp_tcp_segment(uint8_t *frame, const struct rte_ether_addr *dst, const struct rte_ether_addr *src,
	       uint32_t sip, uint32_t dip, uint16_t sport, uint16_t dport, uint32_t seq,
	       uint8_t flags, const uint8_t *opt, uint8_t opt_len)
{
	struct rte_ether_hdr *eth = (struct rte_ether_hdr *)frame;
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eth + 1);
	struct rte_tcp_hdr *tcp = (struct rte_tcp_hdr *)(ip + 1);
	uint16_t l4 = (uint16_t)(sizeof(*tcp) + opt_len);

	eth->dst_addr = *dst;
	eth->src_addr = *src;
	eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	memset(ip, 0, sizeof(*ip));
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->total_length = rte_cpu_to_be_16((uint16_t)(sizeof(*ip) + l4));
	ip->fragment_offset = rte_cpu_to_be_16(RTE_IPV4_HDR_DF_FLAG);
	ip->time_to_live = DP_REPLY_TTL;
	ip->next_proto_id = IPPROTO_TCP;
	ip->src_addr = sip;
	ip->dst_addr = dip;
	memset(tcp, 0, sizeof(*tcp));
	tcp->src_port = sport;
	tcp->dst_port = dport;
	tcp->sent_seq = rte_cpu_to_be_32(seq);
	tcp->data_off = (uint8_t)(l4 / 4 << 4);
	tcp->tcp_flags = flags;
	tcp->rx_win = flags & RTE_TCP_SYN_FLAG ? rte_cpu_to_be_16(UINT16_MAX) : 0;
	if (opt_len > 0)
		memcpy(tcp + 1, opt, opt_len);
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	tcp->cksum = rte_ipv4_udptcp_cksum(ip, tcp);
	return (uint16_t)(sizeof(*eth) + sizeof(*ip) + l4);
}

int
dp_probe_syn_frame(const struct dp_fp_conf *c, uint32_t svc, uint8_t *frame, uint16_t cap,
		   struct dp_verdict *v)
{
	static const uint8_t mss[4] = { 2, 4, 1460 >> 8, 1460 & 0xff };

	dp_verdict_init(v);
	if (c->rt == NULL || svc >= dp_svctab_capacity(c->dns.tab) ||
	    dp_svctab_addr(c->dns.tab, svc) == 0)
		return -1;
	const struct dp_svc_rt *r = &c->rt[svc];
	uint16_t port = __atomic_load_n(&r->probe_port, __ATOMIC_RELAXED);
	if (port == 0) /* READY meanwhile: nothing to ask */
		return -1;
	if (cap < RTE_ETHER_HDR_LEN + sizeof(struct rte_ipv4_hdr) + sizeof(struct rte_tcp_hdr) +
			  sizeof(mss))
		return -1;
	v->len = dp_tcp_segment(frame, &r->mac, &c->down_mac, c->gw_ip,
				dp_svctab_addr(c->dns.tab, svc),
				__atomic_load_n(&r->probe_sport, __ATOMIC_RELAXED), port,
				__atomic_load_n(&r->probe_seq, __ATOMIC_RELAXED), RTE_TCP_SYN_FLAG,
				mss, sizeof(mss));
	v->svc = (int)svc;
	v->action = DP_ACT_TX_DOWNLINK;
	v->counter = DP_C_probe_sent;
	return 0;
}

/* TCP from service @v->svc to the gateway's own address: the answer to its
 * readiness probe, or something the gateway does not take. A SYN-ACK that
 * acknowledges the probe's SYN means the service listens: the frame becomes
 * the RST that closes the half-open connection (RFC 9293 3.5.2: its sequence
 * number is the SYN-ACK's acknowledgment) and DP_EV_PROBE is posted. */
static void
dp_probe_answer(const struct dp_fp_conf *c, uint8_t *frame, const struct dp_pkt *p,
		struct dp_verdict *v)
{
	const struct dp_svc_rt *r = &c->rt[v->svc];

	v->counter = DP_C_drop_gw_unhandled;
	if (p->proto != IPPROTO_TCP || p->is_fragment)
		return;
	const struct rte_tcp_hdr *tcp = (const struct rte_tcp_hdr *)(frame + p->l4_off);
	uint16_t port = __atomic_load_n(&r->probe_port, __ATOMIC_RELAXED);
	uint16_t sport = __atomic_load_n(&r->probe_sport, __ATOMIC_RELAXED);
	uint32_t ack = rte_be_to_cpu_32(tcp->recv_ack);

	if (port == 0 || tcp->src_port != port || tcp->dst_port != sport ||
	    !(p->tcp_flags & RTE_TCP_ACK_FLAG) ||
	    ack != __atomic_load_n(&r->probe_seq, __ATOMIC_RELAXED) + 1)
		return;
	if (p->tcp_flags & RTE_TCP_RST_FLAG) { /* not listening yet */
		v->counter = DP_C_probe_refused;
		return;
	}
	if ((p->tcp_flags & (RTE_TCP_SYN_FLAG | RTE_TCP_FIN_FLAG)) != RTE_TCP_SYN_FLAG)
		return;
	v->len = dp_tcp_segment(frame, &r->mac, &c->down_mac, c->gw_ip, p->src_ip, sport, port,
				ack, RTE_TCP_RST_FLAG, NULL, 0);
	v->action = DP_ACT_TX_DOWNLINK;
	v->counter = DP_C_probe_answered;
	v->event = DP_EV_PROBE;
}

void
dp_downlink_frame(const struct dp_fp_conf *c, struct dp_fp_state *st, uint8_t *frame,
		  uint16_t len, uint16_t cap, uint64_t rx_ol_flags, struct dp_verdict *v)
{
	struct dp_pkt p;

	(void)cap;
	dp_verdict_init(v);
	v->counter = dp_parse(frame, len, rx_ol_flags, &p);
	if (v->counter != DP_PARSE_OK)
		return;
	if (!dp_mac_is(frame, &c->down_mac) &&
	    !(frame[0] & 1 && p.ether_type == DP_ETHER_TYPE_ARP)) {
		v->counter = DP_C_drop_l2_not_ours; /* flooded by the bridge */
		return;
	}
	if (p.ether_type == DP_ETHER_TYPE_ARP) {
		/* Services resolve the gateway only: no proxy ARP between them. */
		v->counter = dp_arp_respond(frame, p.l2_len, &c->down_mac, c->gw_ip, NULL);
		if (v->counter == 0) {
			v->counter = DP_C_arp_reply;
			v->action = DP_ACT_TX_DOWNLINK;
			v->len = len;
		}
		return;
	}
	if (p.ether_type != DP_ETHER_TYPE_IPV4 || p.has_vlan) {
		v->counter = DP_C_drop_l3_proto;
		return;
	}
	/* Anti-spoofing: the source is a service, from its own MAC. */
	v->svc = dp_svctab_by_ip(c->dns.tab, p.src_ip);
	if (v->svc == DP_SVC_NONE || c->rt == NULL ||
	    !dp_mac_is(frame + RTE_ETHER_ADDR_LEN, &c->rt[v->svc].mac)) {
		v->counter = DP_C_drop_spoofed;
		return;
	}
	dp_touch(st, v->svc);
	if (p.proto == IPPROTO_TCP && st != NULL && st->px != NULL &&
	    syn_px_flows(st->px, (uint32_t)v->svc) > 0 && dp_px_downlink(c, st, frame, &p, v))
		return; /* a proxied flow's: translated */
	if (p.dst_ip == c->gw_ip) {
		dp_probe_answer(c, frame, &p, v);
		return;
	}
	if (dp_svctab_by_ip(c->dns.tab, p.dst_ip) != DP_SVC_NONE) {
		v->counter = DP_C_drop_isolation;
		return;
	}
	/* to the client when it is on the uplink's subnet, to the router
	 * otherwise: a MAC from the neighbour table, never from a packet */
	uint32_t nh = dp_nexthop(c, p.dst_ip);
	struct rte_ether_addr dst;
	enum dp_neigh_result nr = DP_NEIGH_MISS;
	if (nh == 0 || st == NULL || st->neigh == NULL || dp_martian_addr(nh) || nh == c->gw_ip) {
		v->counter = DP_C_drop_no_neigh;
		return;
	}
	nr = dp_neigh_lookup(st->neigh, nh, st->now, &dst);
	if (nr == DP_NEIGH_MISS)
		memset(&dst, 0, sizeof(dst)); /* filled in when it is resolved */
	if (dp_route(frame, &p, &dst, &c->up_mac, v) != 0)
		return;
	if (nr == DP_NEIGH_MISS) {
		v->action = DP_ACT_NEIGH_HOLD;
		v->counter = DP_C_neigh_held;
		v->nexthop = nh;
		v->solicit = nh;
		return;
	}
	if (nr == DP_NEIGH_REFRESH)
		v->solicit = nh;
	v->action = DP_ACT_TX_UPLINK;
	v->counter = DP_C_forwarded_up;
}

unsigned int
dp_tcp_rst_frame(const struct dp_fp_conf *c, uint8_t *frame, uint16_t len, struct dp_verdict *v)
{
	struct dp_pkt p;
	unsigned int rc = dp_parse(frame, len, RTE_MBUF_F_RX_IP_CKSUM_GOOD, &p);

	dp_verdict_init(v);
	if (rc != DP_PARSE_OK)
		return rc;
	if (p.ether_type != DP_ETHER_TYPE_IPV4 || p.proto != IPPROTO_TCP || p.is_fragment)
		return DP_C_drop_syn_failed;
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(frame + p.l2_len);
	struct rte_tcp_hdr *tcp = (struct rte_tcp_hdr *)(frame + p.l4_off);

	/* RFC 9293 3.10.7.1: the SYN is acknowledged and refused */
	uint32_t ack = rte_cpu_to_be_32(rte_be_to_cpu_32(tcp->sent_seq) + 1 + p.data_len);
	uint16_t tot = rte_cpu_to_be_16((uint16_t)(p.l3_len + sizeof(*tcp)));
	uint16_t sport = tcp->src_port, dport = tcp->dst_port, ttl_q, ttl_r;
	const uint8_t ttl_proto[2] = { DP_REPLY_TTL, IPPROTO_TCP };
	const uint8_t off_flags[2] = { (sizeof(*tcp) / 4) << 4, RTE_TCP_RST_FLAG | RTE_TCP_ACK_FLAG };
	uint16_t of;

	/* Checksums from values, not read back from what was just written: the
	 * IPv4 header's updated from the SYN's (checked when it came: TTL,
	 * fragment word and total length change, the addresses swap), the
	 * segment's summed from its few non-zero words and the pseudo-header
	 * (the same as the SYN's). */
	memcpy(&ttl_q, &ip->time_to_live, 2);
	memcpy(&ttl_r, ttl_proto, 2);
	memcpy(&of, off_flags, 2);
	uint16_t ipck = dp_cksum_update(ip->hdr_checksum,
					dp_cksum_fold((uint32_t)ip->total_length + ttl_q +
						      ip->fragment_offset),
					dp_cksum_fold((uint32_t)tot + ttl_r));
	uint32_t s = (ip->src_addr & 0xffff) + (ip->src_addr >> 16) + (ip->dst_addr & 0xffff) +
		     (ip->dst_addr >> 16) + rte_cpu_to_be_16(IPPROTO_TCP) +
		     rte_cpu_to_be_16(sizeof(*tcp)) + sport + dport + (ack & 0xffff) + (ack >> 16) + of;
	uint16_t tck = (uint16_t)~dp_cksum_fold(s);

	memcpy(frame, frame + RTE_ETHER_ADDR_LEN, RTE_ETHER_ADDR_LEN);
	memcpy(frame + RTE_ETHER_ADDR_LEN, c->up_mac.addr_bytes, RTE_ETHER_ADDR_LEN);
	uint32_t a = ip->src_addr;
	ip->src_addr = ip->dst_addr;
	ip->dst_addr = a;
	ip->time_to_live = DP_REPLY_TTL;
	ip->fragment_offset = 0;
	ip->total_length = tot;
	ip->hdr_checksum = ipck;
	tcp->src_port = dport;
	tcp->dst_port = sport;
	tcp->sent_seq = 0;
	tcp->recv_ack = ack;
	memcpy(&tcp->data_off, &of, 2);
	tcp->rx_win = 0;
	tcp->cksum = tck;
	tcp->tcp_urp = 0;
	v->len = (uint16_t)(p.l4_off + sizeof(*tcp));
	v->action = DP_ACT_TX_UPLINK;
	v->counter = DP_C_syn_reset;
	return 0;
}
