/* SPDX-License-Identifier: BSD-3-Clause */
/* An untagged Ethernet/IPv4/TCP frame on a plain buffer, both checksums
 * right: what the unit tests, the fuzzers and the micro-benchmarks of the
 * TCP paths feed the fast path. No test framework: header only. */
#ifndef TESTS_TCPFRAME_H
#define TESTS_TCPFRAME_H

#include <arpa/inet.h>
#include <stdint.h>
#include <string.h>

#include <rte_ip.h>
#include <rte_tcp.h>

/* @p olen bytes of options @p opt (a multiple of 4), then @p dlen bytes of
 * data from @p data (zeros when NULL); @p f must hold 54 + olen + dlen bytes.
 * Addresses in network order. @return the frame's length. */
static inline uint16_t
tf_tcp_frame(uint8_t *f, const uint8_t *dmac, const uint8_t *smac, uint32_t sip, uint32_t dip,
	     uint16_t sport, uint16_t dport, uint32_t seq, uint32_t ack, uint8_t flags,
	     const uint8_t *opt, size_t olen, const uint8_t *data, size_t dlen)
{
	memset(f, 0, 54 + olen + dlen);
	memcpy(f, dmac, 6);
	memcpy(f + 6, smac, 6);
	f[12] = 0x08;
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(f + 14);
	ip->version_ihl = 0x45;
	ip->total_length = htons((uint16_t)(40 + olen + dlen));
	ip->time_to_live = 64;
	ip->next_proto_id = 6;
	ip->src_addr = sip;
	ip->dst_addr = dip;
	struct rte_tcp_hdr *t = (struct rte_tcp_hdr *)(ip + 1);
	t->src_port = htons(sport);
	t->dst_port = htons(dport);
	t->sent_seq = htonl(seq);
	t->recv_ack = htonl(ack);
	t->data_off = (uint8_t)((20 + olen) / 4 << 4);
	t->tcp_flags = flags;
	t->rx_win = htons(1000);
	if (olen)
		memcpy(t + 1, opt, olen);
	if (dlen && data != NULL)
		memcpy((uint8_t *)(t + 1) + olen, data, dlen);
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	t->cksum = rte_ipv4_udptcp_cksum(ip, t);
	return (uint16_t)(54 + olen + dlen);
}

#endif
