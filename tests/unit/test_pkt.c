/* SPDX-License-Identifier: BSD-3-Clause */
/* dataplane/pkt.c: parsing with every length checked. */
#include <criterion/criterion.h>

#include <rte_mbuf_core.h>

#include "../../dataplane/pkt.h"
#include "helpers.h"

static const uint8_t mac_a[6] = { 0x02, 0, 0, 0, 0, 0xaa };
static const uint8_t mac_b[6] = { 0x02, 0, 0, 0, 0, 0xbb };

static uint16_t
udp_frame(uint8_t *f)
{
	static const uint8_t pl[10] = "0123456789";

	return th_udp_frame(f, mac_a, mac_b, th_ip("10.0.0.2"), th_ip("10.0.0.1"), 1234, 53, pl,
			    sizeof(pl));
}

Test(pkt, udp_frame_parses)
{
	uint8_t f[128];
	struct dp_pkt p;
	uint16_t len = udp_frame(f);

	cr_assert_eq(dp_parse(f, len, 0, &p), DP_PARSE_OK);
	cr_assert_eq(p.l2_len, 14);
	cr_assert_eq(p.ether_type, 0x0800);
	cr_assert_eq(p.l3_len, 20);
	cr_assert_eq(p.proto, 17);
	cr_assert_eq(p.sport, 1234);
	cr_assert_eq(p.dport, 53);
	cr_assert_eq(p.data_off, 42);
	cr_assert_eq(p.data_len, 10);
	cr_assert_eq(p.src_ip, th_ip("10.0.0.2"));
	cr_assert_eq(p.dst_ip, th_ip("10.0.0.1"));
	cr_assert_not(p.has_vlan);
	cr_assert_not(p.is_fragment);
}

Test(pkt, every_truncation_is_refused_without_reading_past_the_end)
{
	uint8_t f[128];
	uint16_t len = udp_frame(f);
	struct dp_pkt p;

	for (uint16_t l = 0; l < len; l++) {
		/* copy into an exact-size heap buffer: ASan catches any overread */
		uint8_t *b = malloc(l ? l : 1);
		memcpy(b, f, l);
		unsigned int rc = dp_parse(b, l, 0, &p);
		free(b);
		cr_assert_neq(rc, DP_PARSE_OK, "length %u", l);
		if (l < 14)
			cr_assert_eq(rc, DP_C_drop_runt);
		else
			cr_assert_eq(rc, DP_C_drop_ip_malformed, "length %u: %u", l, rc);
	}
}

Test(pkt, padding_after_the_datagram_is_allowed)
{
	uint8_t f[128] = { 0 };
	struct dp_pkt p;
	uint16_t len = udp_frame(f);

	cr_assert_eq(dp_parse(f, (uint16_t)(len + 8), 0, &p), DP_PARSE_OK);
	cr_assert_eq(p.data_len, 10, "UDP length rules, not the frame's");
}

Test(pkt, vlan_tag)
{
	uint8_t f[128], g[132];
	struct dp_pkt p;
	uint16_t len = udp_frame(f);

	memcpy(g, f, 12);
	th_put16(g + 12, 0x8100);
	th_put16(g + 14, 42);
	memcpy(g + 16, f + 12, (size_t)(len - 12));
	cr_assert_eq(dp_parse(g, (uint16_t)(len + 4), 0, &p), DP_PARSE_OK);
	cr_assert(p.has_vlan);
	cr_assert_eq(p.l2_len, 18);
	cr_assert_eq(p.dport, 53);
	cr_assert_eq(dp_parse(g, 17, 0, &p), DP_C_drop_runt, "tag cut short");
	th_put16(g + 16, 0x8100);
	cr_assert_eq(dp_parse(g, (uint16_t)(len + 4), 0, &p), DP_C_drop_vlan_nested);
	th_put16(g + 12, 0x88a8);
	cr_assert_eq(dp_parse(g, (uint16_t)(len + 4), 0, &p), DP_C_drop_vlan_nested);
}

Test(pkt, ip_header_checks)
{
	uint8_t f[128];
	struct dp_pkt p;
	uint16_t len = udp_frame(f);

	f[14] = 0x65; /* version 6 */
	cr_assert_eq(dp_parse(f, len, 0, &p), DP_C_drop_ip_malformed);
	len = udp_frame(f);
	f[14] = 0x44; /* IHL 4 */
	cr_assert_eq(dp_parse(f, len, 0, &p), DP_C_drop_ip_malformed);
	len = udp_frame(f);
	th_put16(f + 16, (uint16_t)(len - 14 + 1)); /* total past the frame */
	cr_assert_eq(dp_parse(f, len, 0, &p), DP_C_drop_ip_malformed);
	len = udp_frame(f);
	th_put16(f + 16, 19); /* total below the header */
	cr_assert_eq(dp_parse(f, len, 0, &p), DP_C_drop_ip_malformed);
	len = udp_frame(f);
	f[14 + 8] ^= 1; /* TTL changed: checksum now wrong */
	cr_assert_eq(dp_parse(f, len, 0, &p), DP_C_drop_ip_cksum);
	cr_assert_eq(dp_parse(f, len, RTE_MBUF_F_RX_IP_CKSUM_GOOD, &p), DP_PARSE_OK,
		     "the NIC's word is taken");
	len = udp_frame(f);
	cr_assert_eq(dp_parse(f, len, RTE_MBUF_F_RX_IP_CKSUM_BAD, &p), DP_C_drop_ip_cksum);
}

Test(pkt, ip_options_are_parsed_past)
{
	uint8_t f[128], g[132];
	struct dp_pkt p;
	uint16_t len = udp_frame(f);

	memcpy(g, f, 34);
	memset(g + 34, 1, 4); /* four NOPs */
	memcpy(g + 38, f + 34, (size_t)(len - 34));
	g[14] = 0x46;
	th_put16(g + 16, (uint16_t)(len - 14 + 4));
	th_put16(g + 24, 0);
	uint16_t ck = rte_ipv4_cksum((struct rte_ipv4_hdr *)(g + 14));
	memcpy(g + 24, &ck, 2);
	cr_assert_eq(dp_parse(g, (uint16_t)(len + 4), 0, &p), DP_PARSE_OK);
	cr_assert_eq(p.l3_len, 24);
	cr_assert_eq(p.dport, 53);
	cr_assert_eq(p.data_off, 46);
}

static void
set_frag(uint8_t *f, uint16_t v)
{
	th_put16(f + 20, v);
	th_put16(f + 24, 0);
	uint16_t ck = rte_ipv4_cksum((struct rte_ipv4_hdr *)(f + 14));
	memcpy(f + 24, &ck, 2);
}

Test(pkt, fragments)
{
	uint8_t f[128];
	struct dp_pkt p;
	uint16_t len = udp_frame(f);

	set_frag(f, 0x2000); /* MF, offset 0: L4 header present */
	cr_assert_eq(dp_parse(f, len, 0, &p), DP_PARSE_OK);
	cr_assert(p.is_fragment);
	cr_assert_eq(p.dport, 53);
	set_frag(f, 0x0010); /* later fragment: no L4 header */
	cr_assert_eq(dp_parse(f, len, 0, &p), DP_PARSE_OK);
	cr_assert(p.is_fragment);
	cr_assert_eq(p.dport, 0);
	set_frag(f, 0x4000); /* DF alone is not a fragment */
	cr_assert_eq(dp_parse(f, len, 0, &p), DP_PARSE_OK);
	cr_assert_not(p.is_fragment);
}

Test(pkt, udp_length_checks)
{
	uint8_t f[128];
	struct dp_pkt p;
	uint16_t len = udp_frame(f);

	th_put16(f + 38, 7);
	cr_assert_eq(dp_parse(f, len, 0, &p), DP_C_drop_udp_malformed);
	th_put16(f + 38, 19); /* one past the IP payload */
	cr_assert_eq(dp_parse(f, len, 0, &p), DP_C_drop_udp_malformed);
	th_put16(f + 38, 8);
	cr_assert_eq(dp_parse(f, len, 0, &p), DP_PARSE_OK);
	cr_assert_eq(p.data_len, 0);
}

static uint16_t
tcp_frame(uint8_t *f, uint8_t doff_words, uint16_t ip_payload)
{
	uint16_t len = udp_frame(f);

	(void)len;
	f[23] = 6;
	th_put16(f + 16, (uint16_t)(20 + ip_payload));
	memset(f + 34, 0, ip_payload);
	th_put16(f + 34, 40000);
	th_put16(f + 36, 80);
	f[46] = (uint8_t)(doff_words << 4);
	f[47] = 0x02; /* SYN */
	th_put16(f + 24, 0);
	uint16_t ck = rte_ipv4_cksum((struct rte_ipv4_hdr *)(f + 14));
	memcpy(f + 24, &ck, 2);
	return (uint16_t)(34 + ip_payload);
}

Test(pkt, tcp)
{
	uint8_t f[128];
	struct dp_pkt p;
	uint16_t len = tcp_frame(f, 5, 24);

	cr_assert_eq(dp_parse(f, len, 0, &p), DP_PARSE_OK);
	cr_assert_eq(p.proto, 6);
	cr_assert_eq(p.sport, 40000);
	cr_assert_eq(p.dport, 80);
	cr_assert_eq(p.tcp_flags, 0x02);
	cr_assert_eq(p.data_len, 4);
	len = tcp_frame(f, 4, 24);
	cr_assert_eq(dp_parse(f, len, 0, &p), DP_C_drop_tcp_malformed, "offset below 5");
	len = tcp_frame(f, 7, 24);
	cr_assert_eq(dp_parse(f, len, 0, &p), DP_C_drop_tcp_malformed, "offset past the data");
	len = tcp_frame(f, 5, 19);
	cr_assert_eq(dp_parse(f, len, 0, &p), DP_C_drop_tcp_malformed, "header cut short");
}

Test(pkt, arp_and_other_ethertypes)
{
	uint8_t f[64] = { 0 };
	struct dp_pkt p;

	th_put16(f + 12, 0x0806);
	cr_assert_eq(dp_parse(f, 42, 0, &p), DP_PARSE_OK);
	cr_assert_eq(p.ether_type, 0x0806);
	cr_assert_eq(dp_parse(f, 41, 0, &p), DP_C_drop_arp_malformed);
	th_put16(f + 12, 0x86dd);
	cr_assert_eq(dp_parse(f, 60, 0, &p), DP_PARSE_OK, "L2 only");
	cr_assert_eq(p.ether_type, 0x86dd);
	cr_assert_eq(dp_parse(f, 0, 0, &p), DP_C_drop_runt, "zero-length frame");
}
