/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Frame parsing on plain byte buffers: Ethernet with at most one VLAN tag,
 * ARP, IPv4, UDP and TCP, every length checked against the buffer.
 */
#ifndef JITSU_DP_PKT_H
#define JITSU_DP_PKT_H

#include <stdint.h>

#include "counters.h"

/** Returned by dp_parse() for a frame that parsed; otherwise a drop counter. */
#define DP_PARSE_OK DP_C__COUNT

#define DP_ETHER_TYPE_IPV4 0x0800
#define DP_ETHER_TYPE_ARP 0x0806
#define DP_ETHER_TYPE_VLAN 0x8100
#define DP_ETHER_TYPE_QINQ 0x88a8

/** Offsets and fields of a parsed frame; offsets are from the frame start. */
struct dp_pkt {
	uint16_t l2_len;     /**< Ethernet header plus the VLAN tag if any */
	uint16_t ether_type; /**< inner EtherType, host order */
	uint16_t l3_len;     /**< IPv4 header length (with options) */
	uint16_t ip_total;   /**< IPv4 total length from the header */
	uint16_t l4_off;     /**< start of UDP or TCP header */
	uint16_t l4_len;     /**< ip_total - l3_len */
	uint16_t data_off;   /**< UDP payload or TCP segment data */
	uint16_t data_len;
	uint16_t sport;      /**< host order */
	uint16_t dport;      /**< host order */
	uint32_t src_ip;     /**< network order */
	uint32_t dst_ip;     /**< network order */
	uint8_t proto;       /**< IPPROTO_* for IPv4 */
	uint8_t tcp_flags;
	uint8_t has_vlan;
	uint8_t is_fragment; /**< MF set or a non-zero fragment offset */
};

/**
 * Parse a frame. ARP is checked for the Ethernet/IPv4 form, IPv4 for version,
 * header and total lengths and (unless @p rx_ol_flags says the NIC checked it)
 * the header checksum; UDP and TCP headers of first fragments are parsed.
 * Other EtherTypes parse as L2 only.
 *
 * @return DP_PARSE_OK, or the drop counter that says why the frame is bad.
 */
unsigned int dp_parse(const uint8_t *frame, uint16_t len, uint64_t rx_ol_flags,
		      struct dp_pkt *p);

#endif
