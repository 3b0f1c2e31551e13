/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What comes back, matched to what was sent. A frame is either a reply (the
 * gateway's answer: DNS response, ARP reply, RST or SYN-ACK, a service's
 * echo of fwd) or an echo (our own frame returned, as testpmd's macswap
 * does), found by its tag in the kind's slot table; the slot gives the send
 * time. Checks are those of a client: checksums, addresses, the answer.
 */
#include <string.h>

#include <netinet/in.h>
#include <rte_arp.h>
#include <rte_byteorder.h>
#include <rte_ip.h>
#include <rte_tcp.h>
#include <rte_udp.h>

#include "pg.h"

#define PG_DNS_QR 0x8000
#define PG_RCODE_NXDOMAIN 3

enum pg_outcome { PG_CORRECT, PG_WRONG, PG_ECHOED };

static inline uint16_t
pg_rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline void
pg_count(struct pg_match_ctx *m, enum pg_counter c)
{
	m->st->cnt[c]++;
}

/* The UDP or TCP checksum of @p len bytes at @p l4 is right (a sum of all
 * ones over the pseudo-header and the segment, its checksum included). */
static inline int
pg_l4_ok(const struct rte_ipv4_hdr *ip, const uint8_t *l4, unsigned int len)
{
	uint32_t s = rte_raw_cksum((const uint8_t *)ip + 12, 8); /* source, destination */

	s += (uint32_t)rte_cpu_to_be_16(ip->next_proto_id) + rte_cpu_to_be_16((uint16_t)len);
	s += rte_raw_cksum(l4, len);
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	return s == 0xffff;
}

/* The slot of @p tag if it holds @p seq (compared under @p mask) and is
 * waiting for its reply; NULL, counted, otherwise. */
static inline struct pg_slot *
pg_claim(struct pg_match_ctx *m, enum pg_kind k, uint32_t tag, uint32_t seq, uint32_t mask)
{
	if (m->flows->slot[k] == NULL) { /* a kind we do not send */
		pg_count(m, PG_C_rx_unmatched);
		return NULL;
	}
	struct pg_slot *s = &m->flows->slot[k][tag & m->flows->mask[k]];
	if (s->state == PG_SLOT_FREE || ((s->seq ^ seq) & mask) != 0) {
		pg_count(m, PG_C_rx_unmatched);
		return NULL;
	}
	if (s->state == PG_SLOT_ANSWERED) {
		pg_count(m, PG_C_rx_duplicate);
		return NULL;
	}
	s->state = PG_SLOT_ANSWERED;
	return s;
}

static inline void
pg_done(struct pg_match_ctx *m, enum pg_kind k, uint64_t sent_tsc, const uint8_t *frame,
	uint16_t len, uint64_t now, enum pg_outcome o, enum pg_counter why)
{
	uint64_t *c = m->st->kind[k];

	/* forwarded frames' MACs are checked where they are matched */
	if (o != PG_WRONG && !m->down &&
	    !rte_is_same_ether_addr((const struct rte_ether_addr *)frame, &m->src_mac)) {
		o = PG_WRONG;
		why = PG_C_bad_dst_mac;
	}
	c[PG_KC_received]++;
	c[PG_KC_received_bytes] += len;
	c[o == PG_CORRECT ? PG_KC_correct : o == PG_WRONG ? PG_KC_wrong : PG_KC_echoed]++;
	if (o == PG_WRONG)
		pg_count(m, why);
	pg_hist_add(&m->st->lat[k], now > sent_tsc ? now - sent_tsc : 0);
}

/* ---- ARP ------------------------------------------------------------------ */

static void
pg_match_arp(struct pg_match_ctx *m, const uint8_t *f, uint16_t len, uint64_t now)
{
	const struct rte_arp_hdr *a = (const struct rte_arp_hdr *)(f + RTE_ETHER_HDR_LEN);
	uint32_t spa, tpa;

	if (len < RTE_ETHER_HDR_LEN + sizeof(*a) ||
	    a->arp_hardware != rte_cpu_to_be_16(RTE_ARP_HRD_ETHER) ||
	    a->arp_protocol != rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4) ||
	    a->arp_hlen != RTE_ETHER_ADDR_LEN || a->arp_plen != 4) {
		pg_count(m, PG_C_rx_malformed);
		return;
	}
	memcpy(&spa, &a->arp_data.arp_sip, 4);
	memcpy(&tpa, &a->arp_data.arp_tip, 4);
	spa = rte_be_to_cpu_32(spa);
	tpa = rte_be_to_cpu_32(tpa);
	if (a->arp_opcode == rte_cpu_to_be_16(RTE_ARP_OP_REPLY) && (tpa >> 16) == (PG_ARP_NET >> 16)) {
		struct pg_slot *s = pg_claim(m, PG_K_arp, tpa & 0xffff, tpa, 0xffff);
		if (s == NULL)
			return;
		int ok = rte_cpu_to_be_32(spa) == m->cfg->gw_ip &&
			 rte_is_same_ether_addr(&a->arp_data.arp_sha, &m->cfg->gw_mac) &&
			 rte_is_same_ether_addr(&a->arp_data.arp_tha, &m->src_mac);
		pg_done(m, PG_K_arp, s->tsc, f, len, now, ok ? PG_CORRECT : PG_WRONG,
			PG_C_bad_arp_reply);
	} else if (a->arp_opcode == rte_cpu_to_be_16(RTE_ARP_OP_REQUEST) &&
		   (spa >> 16) == (PG_ARP_NET >> 16) &&
		   rte_is_same_ether_addr(&a->arp_data.arp_sha, &m->src_mac)) {
		struct pg_slot *s = pg_claim(m, PG_K_arp, spa & 0xffff, spa, 0xffff);
		if (s != NULL)
			pg_done(m, PG_K_arp, s->tsc, f, len, now, PG_ECHOED, PG_C__COUNT);
	} else if (a->arp_opcode == rte_cpu_to_be_16(RTE_ARP_OP_REQUEST) &&
		   rte_cpu_to_be_32(spa) == m->cfg->gw_ip &&
		   rte_is_same_ether_addr(&a->arp_data.arp_sha, &m->cfg->gw_mac)) {
		/* the gateway resolving an address that asked for it (jitsu
		 * verifies a requester by asking it in turn): no reply of ours */
		pg_count(m, PG_C_gw_arp_request);
	} else {
		pg_count(m, PG_C_rx_not_ours);
	}
}

/* ---- DNS ------------------------------------------------------------------- */

/* Past a name at @p off (labels, or a compression pointer); 0 when cut. */
static unsigned int
pg_skip_name(const uint8_t *d, unsigned int len, unsigned int off)
{
	while (off < len) {
		uint8_t b = d[off];
		if (b == 0)
			return off + 1;
		if ((b & 0xc0) == 0xc0)
			return off + 2 <= len ? off + 2 : 0;
		if (b & 0xc0)
			return 0;
		off += 1u + b;
	}
	return 0;
}

/* What is wrong with a DNS reply of kind @p k, or PG_C__COUNT. */
static enum pg_counter
pg_check_dns(const struct pg_match_ctx *m, enum pg_kind k, const struct pg_slot *s,
	     const uint8_t *d, unsigned int len)
{
	uint16_t flags = pg_rd16(d + 2);

	if (!(flags & PG_DNS_QR) || ((flags >> 11) & 0xf) != 0 || pg_rd16(d + 4) != 1)
		return PG_C_bad_dns_header;
	if (k == PG_K_dns_miss)
		return (flags & 0xf) == PG_RCODE_NXDOMAIN ? PG_C__COUNT : PG_C_bad_dns_rcode;
	if ((flags & 0xf) != 0)
		return PG_C_bad_dns_rcode;
	if (pg_rd16(d + 6) < 1)
		return PG_C_bad_dns_answer;
	unsigned int off = pg_skip_name(d, len, 12);
	if (off == 0 || off + 4 > len)
		return PG_C_bad_dns_answer;
	off = pg_skip_name(d, len, off + 4);
	if (off == 0 || off + 14 > len)
		return PG_C_bad_dns_answer;
	if (pg_rd16(d + off) != 1 || pg_rd16(d + off + 2) != 1 || pg_rd16(d + off + 8) != 4)
		return PG_C_bad_dns_answer; /* A, IN, 4 bytes */
	uint32_t want = s->aux < m->cfg->n_names ? m->cfg->names[s->aux].addr : 0;
	if (want != 0 && memcmp(d + off + 10, &want, 4) != 0)
		return PG_C_bad_dns_addr;
	return PG_C__COUNT;
}

/* A DNS message to or from port 53: @p ours is our port, @p reply whether
 * it came from 53 (an answer) or goes to it (our query, echoed). */
static void
pg_match_dns(struct pg_match_ctx *m, const uint8_t *f, uint16_t len, const uint8_t *d,
	     unsigned int dlen, uint16_t ours, int reply, uint64_t now)
{
	enum pg_kind k;

	if ((ours & PG_PORT_RANGE_MASK) == PG_PORT_DNS_HIT)
		k = PG_K_dns_hit;
	else if ((ours & PG_PORT_RANGE_MASK) == PG_PORT_DNS_MISS)
		k = PG_K_dns_miss;
	else {
		pg_count(m, PG_C_rx_not_ours);
		return;
	}
	if (dlen < 12) {
		pg_count(m, PG_C_rx_malformed);
		return;
	}
	uint16_t tag = pg_perm16_inv(pg_rd16(d));
	uint32_t seq = (uint32_t)(ours & PG_PORT_ERA_MASK) << 16 | tag;
	struct pg_slot *s = pg_claim(m, k, tag, seq, 0x3fffffff);
	if (s == NULL)
		return;
	if (!reply) {
		int ok = !(pg_rd16(d + 2) & PG_DNS_QR);
		pg_done(m, k, s->tsc, f, len, now, ok ? PG_ECHOED : PG_WRONG, PG_C_bad_dns_header);
		return;
	}
	enum pg_counter why = pg_check_dns(m, k, s, d, dlen);
	pg_done(m, k, s->tsc, f, len, now, why == PG_C__COUNT ? PG_CORRECT : PG_WRONG, why);
}

/* ---- IPv4 ------------------------------------------------------------------ */

static void
pg_match_udp(struct pg_match_ctx *m, const uint8_t *f, uint16_t len,
	     const struct rte_ipv4_hdr *ip, const uint8_t *l4, unsigned int l4_len, uint64_t now)
{
	if (l4_len < sizeof(struct rte_udp_hdr)) {
		pg_count(m, PG_C_rx_malformed);
		return;
	}
	const struct rte_udp_hdr *u = (const struct rte_udp_hdr *)l4;
	unsigned int ulen = rte_be_to_cpu_16(u->dgram_len);
	if (ulen < sizeof(*u) || ulen > l4_len) {
		pg_count(m, PG_C_rx_malformed);
		return;
	}
	if (u->dgram_cksum != 0 &&
	    !pg_l4_ok(ip, l4, ulen)) {
		pg_count(m, PG_C_rx_bad_l4_cksum);
		return;
	}
	const uint8_t *d = l4 + sizeof(*u);
	unsigned int dlen = ulen - sizeof(*u);
	uint16_t sport = rte_be_to_cpu_16(u->src_port), dport = rte_be_to_cpu_16(u->dst_port);
	struct pg_stamp stamp;

	if (dlen >= sizeof(stamp)) {
		memcpy(&stamp, d, sizeof(stamp));
		if (stamp.magic == PG_FWD_MAGIC) {
			struct pg_slot *s = pg_claim(m, PG_K_fwd, stamp.seq, stamp.seq, UINT32_MAX);
			if (s == NULL)
				return;
			const struct pg_config *c = m->cfg;
			enum pg_outcome o = PG_WRONG;
			enum pg_counter why = PG_C_bad_fwd_addr;
			if (m->down) { /* forwarded: a router's MAC and TTL, or a reflector's */
				const struct rte_ether_addr *dst = c->have_fwd_mac ? &c->fwd_mac
										    : &m->src_mac;
				uint8_t ttl = c->have_fwd_mac ? 63 : 64; /* 64: gen.c's */
				if (ip->src_addr != c->src_ip || ip->dst_addr != c->fwd_ip) {
					o = PG_WRONG;
				} else if (!rte_is_same_ether_addr((const struct rte_ether_addr *)f, dst) ||
					   ip->time_to_live != ttl) {
					o = PG_WRONG;
					why = PG_C_bad_fwd_route;
				} else {
					o = PG_CORRECT;
				}
			} else if (ip->src_addr == c->src_ip && ip->dst_addr == c->fwd_ip)
				o = PG_ECHOED; /* our own datagram, turned around */
			else if (ip->src_addr == c->fwd_ip && ip->dst_addr == c->src_ip)
				o = PG_CORRECT; /* the service's echo */
			pg_done(m, PG_K_fwd, stamp.tsc, f, len, now, o, why);
			return;
		}
	}
	if (m->down) {
		pg_count(m, PG_C_rx_down_not_fwd);
		return;
	}
	if (sport == 53)
		pg_match_dns(m, f, len, d, dlen, dport, 1, now);
	else if (dport == 53)
		pg_match_dns(m, f, len, d, dlen, sport, 0, now);
	else
		pg_count(m, PG_C_rx_not_ours);
}

static void
pg_match_tcp(struct pg_match_ctx *m, const uint8_t *f, uint16_t len,
	     const struct rte_ipv4_hdr *ip, const uint8_t *l4, unsigned int l4_len, uint64_t now)
{
	const struct rte_tcp_hdr *t = (const struct rte_tcp_hdr *)l4;

	if (l4_len < sizeof(*t) || (t->data_off >> 4) * 4u < sizeof(*t) ||
	    (t->data_off >> 4) * 4u > l4_len) {
		pg_count(m, PG_C_rx_malformed);
		return;
	}
	if (!pg_l4_ok(ip, l4, l4_len)) {
		pg_count(m, PG_C_rx_bad_l4_cksum);
		return;
	}
	uint8_t fl = t->tcp_flags;
	uint16_t sport = rte_be_to_cpu_16(t->src_port), dport = rte_be_to_cpu_16(t->dst_port);
	uint32_t seq = rte_be_to_cpu_32(t->sent_seq), ack = rte_be_to_cpu_32(t->recv_ack);
	const uint8_t synack = RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG;

	if (((fl & synack) == synack || (fl & RTE_TCP_RST_FLAG)) &&
	    (dport & PG_PORT_SYN) == PG_PORT_SYN) {
		/* RFC 9293: a reply to a SYN acknowledges ISN + 1 */
		int has_ack = (fl & RTE_TCP_ACK_FLAG) != 0;
		uint16_t tag = pg_perm15_inv(dport & 0x7fff);
		struct pg_slot *s = pg_claim(m, PG_K_syn_cold, tag, ack - 1, has_ack ? UINT32_MAX : 0);
		if (s == NULL)
			return;
		uint64_t *c = m->st->kind[PG_K_syn_cold];
		c[(fl & RTE_TCP_RST_FLAG) ? PG_KC_rst : PG_KC_synack]++;
		int ok = has_ack && ip->dst_addr == s->aux && ip->src_addr == m->cfg->svc_ip &&
			 sport == m->cfg->syn_port;
		pg_done(m, PG_K_syn_cold, s->tsc, f, len, now, ok ? PG_CORRECT : PG_WRONG,
			PG_C_bad_tcp_reply);
	} else if ((fl & synack) == RTE_TCP_SYN_FLAG && (sport & PG_PORT_SYN) == PG_PORT_SYN) {
		uint16_t tag = pg_perm15_inv(sport & 0x7fff);
		struct pg_slot *s = pg_claim(m, PG_K_syn_cold, tag, seq, UINT32_MAX);
		if (s != NULL)
			pg_done(m, PG_K_syn_cold, s->tsc, f, len, now, PG_ECHOED, PG_C__COUNT);
	} else {
		pg_count(m, PG_C_rx_not_ours);
	}
}

void
pg_match_frame(struct pg_match_ctx *m, const uint8_t *f, uint16_t len, uint64_t now)
{
	if (len < RTE_ETHER_HDR_LEN) {
		pg_count(m, PG_C_rx_malformed);
		return;
	}
	uint16_t type = pg_rd16(f + 12);
	if (m->down && type != RTE_ETHER_TYPE_IPV4) {
		pg_count(m, PG_C_rx_down_not_fwd);
		return;
	}
	if (type == RTE_ETHER_TYPE_ARP) {
		pg_match_arp(m, f, len, now);
		return;
	}
	if (type != RTE_ETHER_TYPE_IPV4) {
		pg_count(m, PG_C_rx_not_ours);
		return;
	}
	const struct rte_ipv4_hdr *ip = (const struct rte_ipv4_hdr *)(f + RTE_ETHER_HDR_LEN);
	unsigned int avail = len - RTE_ETHER_HDR_LEN;
	if (avail < sizeof(*ip) || (ip->version_ihl >> 4) != 4) {
		pg_count(m, PG_C_rx_malformed);
		return;
	}
	unsigned int ihl = (ip->version_ihl & 0xf) * 4u, total = rte_be_to_cpu_16(ip->total_length);
	if (ihl < sizeof(*ip) || total < ihl || total > avail) {
		pg_count(m, PG_C_rx_malformed);
		return;
	}
	if (rte_raw_cksum(ip, ihl) != 0xffff) {
		pg_count(m, PG_C_rx_bad_ip_cksum);
		return;
	}
	if (rte_be_to_cpu_16(ip->fragment_offset) & 0x3fff) { /* we send no fragments */
		pg_count(m, PG_C_rx_not_ours);
		return;
	}
	const uint8_t *l4 = (const uint8_t *)ip + ihl;
	if (m->down && ip->next_proto_id != IPPROTO_UDP) {
		pg_count(m, PG_C_rx_down_not_fwd);
		return;
	}
	if (ip->next_proto_id == IPPROTO_UDP)
		pg_match_udp(m, f, len, ip, l4, total - ihl, now);
	else if (ip->next_proto_id == IPPROTO_TCP)
		pg_match_tcp(m, f, len, ip, l4, total - ihl, now);
	else
		pg_count(m, PG_C_rx_not_ours);
}
