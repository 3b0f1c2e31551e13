/* SPDX-License-Identifier: BSD-3-Clause */
#include <string.h>

#include <netinet/in.h>
#include <rte_byteorder.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf_core.h>

#include "cksum.h"
#include "pkt.h"

#define DP_ARP_LEN 28 /* Ethernet/IPv4 ARP body */

static inline uint16_t
dp_rd16(const uint8_t *b)
{
	return (uint16_t)(b[0] << 8 | b[1]);
}

static unsigned int
dp_parse_l4(const uint8_t *frame, struct dp_pkt *p)
{
	const uint8_t *l4 = frame + p->l4_off;

	if (p->proto == IPPROTO_UDP) {
		if (p->l4_len < 8)
			return DP_C_drop_udp_malformed;
		uint16_t ulen = dp_rd16(l4 + 4);
		/* The UDP length may be shorter than the IP payload (trailing
		 * bytes are ignored) but never longer. */
		if (ulen < 8 || ulen > p->l4_len)
			return DP_C_drop_udp_malformed;
		p->sport = dp_rd16(l4);
		p->dport = dp_rd16(l4 + 2);
		p->data_off = (uint16_t)(p->l4_off + 8);
		p->data_len = (uint16_t)(ulen - 8);
	} else if (p->proto == IPPROTO_TCP) {
		if (p->l4_len < 20)
			return DP_C_drop_tcp_malformed;
		unsigned int doff = (unsigned int)(l4[12] >> 4) * 4;
		if (doff < 20 || doff > p->l4_len)
			return DP_C_drop_tcp_malformed;
		p->sport = dp_rd16(l4);
		p->dport = dp_rd16(l4 + 2);
		p->tcp_flags = l4[13];
		p->data_off = (uint16_t)(p->l4_off + doff);
		p->data_len = (uint16_t)(p->l4_len - doff);
	}
	return DP_PARSE_OK;
}

unsigned int
dp_parse(const uint8_t *frame, uint16_t len, uint64_t rx_ol_flags, struct dp_pkt *p)
{
	memset(p, 0, sizeof(*p));
	if (len < RTE_ETHER_HDR_LEN)
		return DP_C_drop_runt;

	uint16_t l2 = RTE_ETHER_HDR_LEN;
	uint16_t type = dp_rd16(frame + 12);
	if (type == DP_ETHER_TYPE_VLAN) {
		if (len < l2 + 4)
			return DP_C_drop_runt;
		type = dp_rd16(frame + 16);
		l2 += 4;
		p->has_vlan = 1;
		if (type == DP_ETHER_TYPE_VLAN || type == DP_ETHER_TYPE_QINQ)
			return DP_C_drop_vlan_nested;
	} else if (type == DP_ETHER_TYPE_QINQ) {
		return DP_C_drop_vlan_nested;
	}
	p->l2_len = l2;
	p->ether_type = type;

	if (type == DP_ETHER_TYPE_ARP)
		return len - l2 < DP_ARP_LEN ? DP_C_drop_arp_malformed : DP_PARSE_OK;
	if (type != DP_ETHER_TYPE_IPV4)
		return DP_PARSE_OK;

	const uint8_t *ip = frame + l2;
	uint16_t avail = (uint16_t)(len - l2);
	if (avail < sizeof(struct rte_ipv4_hdr) || (ip[0] >> 4) != 4)
		return DP_C_drop_ip_malformed;
	uint16_t ihl = (uint16_t)((ip[0] & 0x0f) * 4);
	uint16_t total = dp_rd16(ip + 2);
	/* Frames may be padded past the IP datagram, never cut short of it. */
	if (ihl < sizeof(struct rte_ipv4_hdr) || total < ihl || total > avail)
		return DP_C_drop_ip_malformed;

	uint64_t ipck = rx_ol_flags & RTE_MBUF_F_RX_IP_CKSUM_MASK;
	if (ipck == RTE_MBUF_F_RX_IP_CKSUM_BAD)
		return DP_C_drop_ip_cksum;
	if (ipck != RTE_MBUF_F_RX_IP_CKSUM_GOOD && dp_cksum_sum_at(ip, ihl, 0) != 0xffff)
		return DP_C_drop_ip_cksum;

	p->l3_len = ihl;
	p->ip_total = total;
	p->proto = ip[9];
	memcpy(&p->src_ip, ip + 12, 4);
	memcpy(&p->dst_ip, ip + 16, 4);
	p->l4_off = (uint16_t)(l2 + ihl);
	p->l4_len = (uint16_t)(total - ihl);

	uint16_t frag = dp_rd16(ip + 6);
	if (frag & 0x3fff) { /* MF or an offset */
		p->is_fragment = 1;
		if (frag & 0x1fff)
			return DP_PARSE_OK; /* no L4 header in later fragments */
	}
	return dp_parse_l4(frame, p);
}
