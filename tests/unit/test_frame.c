/* SPDX-License-Identifier: BSD-3-Clause */
/* dataplane/frame.c: what the fast path does with whole frames (ARP, DNS,
 * drops and the exception port), on plain buffers. */
#include <criterion/criterion.h>

#include <rte_mbuf_core.h>

#include "../../dataplane/dataplane.h"
#include "helpers.h"

static const uint8_t gw_mac[6] = { 0x02, 0x4a, 0, 0, 0, 0x01 };
static const uint8_t down_mac[6] = { 0x02, 0x4a, 0, 0, 0, 0x02 };
static const uint8_t cli_mac[6] = { 0x02, 0, 0, 0, 0, 0x02 };
static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

static struct dp_svctab *tab;
static struct dp_fp_conf conf;

static void
setup(void)
{
	tab = th_www_table();
	memset(&conf, 0, sizeof(conf));
	memcpy(conf.up_mac.addr_bytes, gw_mac, 6);
	memcpy(conf.down_mac.addr_bytes, down_mac, 6);
	conf.gw_ip = th_ip("10.77.0.1");
	conf.dns = (struct dp_dns_conf){ .tab = tab, .ttl = 30, .soa_serial = 1 };
}

static void
teardown(void)
{
	dp_svctab_free(tab);
}

TestSuite(frame, .init = setup, .fini = teardown);

static uint16_t
arp_frame(uint8_t *f, const uint8_t *dst, uint16_t op, const char *spa, const char *tpa)
{
	memset(f, 0, 60);
	memcpy(f, dst, 6);
	memcpy(f + 6, cli_mac, 6);
	th_put16(f + 12, 0x0806);
	th_put16(f + 14, 1);
	th_put16(f + 16, 0x0800);
	f[18] = 6;
	f[19] = 4;
	th_put16(f + 20, op);
	memcpy(f + 22, cli_mac, 6);
	uint32_t a = th_ip(spa), b = th_ip(tpa);
	memcpy(f + 28, &a, 4);
	memcpy(f + 38, &b, 4);
	return 60; /* padded to the Ethernet minimum, as on a wire */
}

static void
assert_arp_reply(const uint8_t *f, const uint8_t *mac, const char *ip)
{
	uint32_t a = th_ip(ip), b = th_ip("10.77.0.2");

	cr_assert_eq(memcmp(f, cli_mac, 6), 0, "to the requester");
	cr_assert_eq(memcmp(f + 6, mac, 6), 0, "from us");
	cr_assert_eq(th_get16(f + 20), 2, "a reply");
	cr_assert_eq(memcmp(f + 22, mac, 6), 0, "sender MAC");
	cr_assert_eq(memcmp(f + 28, &a, 4), 0, "sender IP: the address asked for");
	cr_assert_eq(memcmp(f + 32, cli_mac, 6), 0, "target MAC");
	cr_assert_eq(memcmp(f + 38, &b, 4), 0, "target IP");
}

Test(frame, arp_for_the_gateway)
{
	uint8_t f[64];
	struct dp_verdict v;

	dp_uplink_frame(&conf, NULL, f, arp_frame(f, bcast, 1, "10.77.0.2", "10.77.0.1"), 64, 0, &v);
	cr_assert_eq(v.action, DP_ACT_TX_UPLINK);
	cr_assert_eq(v.counter, DP_C_arp_reply);
	cr_assert_eq(v.len, 60);
	assert_arp_reply(f, gw_mac, "10.77.0.1");
}

Test(frame, proxy_arp_for_a_service_unicast_too)
{
	uint8_t f[64];
	struct dp_verdict v;

	dp_uplink_frame(&conf, NULL, f, arp_frame(f, gw_mac, 1, "10.77.0.2", "10.77.1.10"), 64, 0, &v);
	cr_assert_eq(v.action, DP_ACT_TX_UPLINK);
	assert_arp_reply(f, gw_mac, "10.77.1.10");
}

Test(frame, arp_that_is_not_ours)
{
	uint8_t f[64];
	struct dp_verdict v;

	dp_uplink_frame(&conf, NULL, f, arp_frame(f, bcast, 1, "10.77.0.2", "10.77.0.9"), 64, 0, &v);
	cr_assert_eq(v.action, DP_ACT_DROP);
	cr_assert_eq(v.counter, DP_C_drop_arp_not_ours);
	dp_uplink_frame(&conf, NULL, f, arp_frame(f, bcast, 1, "10.77.0.1", "10.77.0.1"), 64, 0, &v);
	cr_assert_eq(v.counter, DP_C_drop_arp_gratuitous, "an announcement, even of our address");
	dp_uplink_frame(&conf, NULL, f, arp_frame(f, gw_mac, 2, "10.77.0.2", "10.77.0.1"), 64, 0, &v);
	cr_assert_eq(v.action, DP_ACT_DROP);
	cr_assert_eq(v.counter, DP_C_drop_arp_not_request);
	arp_frame(f, bcast, 1, "10.77.0.2", "10.77.0.1");
	f[18] = 8;
	dp_uplink_frame(&conf, NULL, f, 60, 64, 0, &v);
	cr_assert_eq(v.counter, DP_C_drop_arp_malformed);
	arp_frame(f, bcast, 1, "10.77.0.2", "10.77.0.1");
	dp_uplink_frame(&conf, NULL, f, 41, 64, 0, &v);
	cr_assert_eq(v.counter, DP_C_drop_arp_malformed, "cut short");
}

Test(frame, arp_replies_go_to_the_exception_port_when_there_is_one)
{
	uint8_t f[64];
	struct dp_verdict v;

	conf.flags |= DP_F_EXCEPTION;
	dp_uplink_frame(&conf, NULL, f, arp_frame(f, gw_mac, 2, "10.77.0.2", "10.77.0.1"), 64, 0, &v);
	cr_assert_eq(v.action, DP_ACT_TX_EXCEPTION);
	cr_assert_eq(v.counter, DP_C_exception_forwarded);
	cr_assert_eq(v.len, 60);
}

static uint16_t
dns_frame(uint8_t *f, const uint8_t *dst, const char *name, uint16_t qtype)
{
	uint8_t q[512];
	uint16_t ql = th_dns_query(q, name, qtype, 0);

	return th_udp_frame(f, dst, cli_mac, th_ip("10.77.0.2"), th_ip("10.77.0.1"), 40000, 53,
			    q, ql);
}

/* The reply is a valid frame: addresses and ports swapped, lengths and
 * checksums right. */
static void
assert_dns_reply(const uint8_t *f, uint16_t len)
{
	const struct rte_ipv4_hdr *ip = (const struct rte_ipv4_hdr *)(f + 14);

	cr_assert_eq(memcmp(f, cli_mac, 6), 0);
	cr_assert_eq(memcmp(f + 6, gw_mac, 6), 0);
	cr_assert_eq(ip->src_addr, th_ip("10.77.0.1"));
	cr_assert_eq(ip->dst_addr, th_ip("10.77.0.2"));
	cr_assert_eq(ip->time_to_live, 64);
	cr_assert_eq(ntohs(ip->total_length), len - 14);
	cr_assert_eq(rte_raw_cksum(ip, 20), 0xffff, "IP checksum");
	cr_assert_eq(th_get16(f + 34), 53);
	cr_assert_eq(th_get16(f + 36), 40000);
	cr_assert_eq(th_get16(f + 38), len - 34);
	/* the UDP checksum over the datagram and pseudo-header verifies */
	uint32_t s = rte_raw_cksum(f + 26, 8) + rte_cpu_to_be_16(17) + rte_cpu_to_be_16(len - 34) +
		     rte_raw_cksum(f + 34, (size_t)(len - 34));
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	cr_assert_eq(s, 0xffff, "UDP checksum");
	cr_assert_neq(th_get16(f + 40), 0, "UDP checksum is filled in");
}

Test(frame, dns_query_answered_in_place)
{
	uint8_t f[1500];
	struct dp_verdict v;
	uint16_t len = dns_frame(f, gw_mac, "www.example.org", 1);

	dp_uplink_frame(&conf, NULL, f, len, sizeof(f), 0, &v);
	cr_assert_eq(v.action, DP_ACT_TX_UPLINK);
	cr_assert_eq(v.counter, DP_C_dns_answer);
	cr_assert_eq(v.svc, 0);
	cr_assert_eq(v.len, len + 16);
	cr_assert_eq(v.ol_flags, 0);
	assert_dns_reply(f, v.len);
	uint32_t a;
	memcpy(&a, f + v.len - 4, 4);
	cr_assert_eq(a, th_ip("10.77.1.10"));
}

Test(frame, dns_outcomes_through_the_frame_path)
{
	uint8_t f[1500];
	struct dp_verdict v;
	uint16_t len;

	len = dns_frame(f, gw_mac, "nope.example.org", 1);
	dp_uplink_frame(&conf, NULL, f, len, sizeof(f), 0, &v);
	cr_assert_eq(v.counter, DP_C_dns_nxdomain);
	assert_dns_reply(f, v.len);
	len = dns_frame(f, gw_mac, "www.example.com", 1);
	dp_uplink_frame(&conf, NULL, f, len, sizeof(f), 0, &v);
	cr_assert_eq(v.counter, DP_C_dns_refused);
	cr_assert_eq(v.len, len);
	assert_dns_reply(f, v.len);
}

Test(frame, padded_query_reply_has_no_padding)
{
	uint8_t f[1500] = { 0 };
	struct dp_verdict v;
	uint16_t len = dns_frame(f, gw_mac, "www.example.org", 1);

	dp_uplink_frame(&conf, NULL, f, (uint16_t)(len + 20), sizeof(f), 0, &v);
	cr_assert_eq(v.counter, DP_C_dns_answer);
	cr_assert_eq(v.len, len + 16);
	assert_dns_reply(f, v.len);
}

Test(frame, dns_reply_with_tx_checksum_offload)
{
	uint8_t f[1500];
	struct dp_verdict v;
	uint16_t len = dns_frame(f, gw_mac, "www.example.org", 1);

	conf.flags |= DP_F_TX_CKSUM_UP;
	dp_uplink_frame(&conf, NULL, f, len, sizeof(f), 0, &v);
	cr_assert_eq(v.action, DP_ACT_TX_UPLINK);
	cr_assert_eq(v.ol_flags, RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_IP_CKSUM |
				 RTE_MBUF_F_TX_UDP_CKSUM);
	cr_assert_eq(v.l2_len, 14);
	cr_assert_eq(v.l3_len, 20);
	const struct rte_ipv4_hdr *ip = (const struct rte_ipv4_hdr *)(f + 14);
	cr_assert_eq(ip->hdr_checksum, 0, "left to the NIC");
	cr_assert_eq(th_get16(f + 40), ntohs(rte_ipv4_phdr_cksum(ip, v.ol_flags)),
		     "pseudo-header sum seeded for the NIC");
}

Test(frame, dns_with_bad_udp_checksum_is_dropped)
{
	uint8_t f[1500];
	struct dp_verdict v;
	uint16_t len = dns_frame(f, gw_mac, "www.example.org", 1);

	f[40] ^= 0x55;
	dp_uplink_frame(&conf, NULL, f, len, sizeof(f), 0, &v);
	cr_assert_eq(v.action, DP_ACT_DROP);
	cr_assert_eq(v.counter, DP_C_drop_udp_cksum);
	len = dns_frame(f, gw_mac, "www.example.org", 1);
	dp_uplink_frame(&conf, NULL, f, len, sizeof(f), RTE_MBUF_F_RX_L4_CKSUM_BAD, &v);
	cr_assert_eq(v.counter, DP_C_drop_udp_cksum, "the NIC said bad");
	len = dns_frame(f, gw_mac, "www.example.org", 1);
	f[40] ^= 0x55;
	dp_uplink_frame(&conf, NULL, f, len, sizeof(f), RTE_MBUF_F_RX_L4_CKSUM_GOOD, &v);
	cr_assert_eq(v.counter, DP_C_dns_answer, "the NIC said good");
	len = dns_frame(f, gw_mac, "www.example.org", 1);
	f[40] = f[41] = 0;
	dp_uplink_frame(&conf, NULL, f, len, sizeof(f), 0, &v);
	cr_assert_eq(v.counter, DP_C_dns_answer, "no checksum is allowed over IPv4");
}

Test(frame, dns_fragment_or_options_dropped)
{
	uint8_t f[1500];
	struct dp_verdict v;
	uint16_t len = dns_frame(f, gw_mac, "www.example.org", 1);

	th_put16(f + 20, 0x2000);
	th_put16(f + 24, 0);
	uint16_t ck = rte_ipv4_cksum((struct rte_ipv4_hdr *)(f + 14));
	memcpy(f + 24, &ck, 2);
	dp_uplink_frame(&conf, NULL, f, len, sizeof(f), 0, &v);
	cr_assert_eq(v.counter, DP_C_drop_dns_fragment);
	cr_assert_eq(v.action, DP_ACT_DROP);
}

Test(frame, every_fragment_of_a_query_is_dropped_never_answered)
{
	uint8_t f[1500];
	struct dp_verdict v;

	/* first (MF, offset 0), middle (MF, offset 8), last (offset 16) */
	static const uint16_t frag[] = { 0x2000, 0x2001, 0x0002 };
	for (unsigned int i = 0; i < 3; i++) {
		uint16_t len = dns_frame(f, gw_mac, "www.example.org", 1);
		th_put16(f + 20, frag[i]);
		th_put16(f + 24, 0);
		uint16_t ck = rte_ipv4_cksum((struct rte_ipv4_hdr *)(f + 14));
		memcpy(f + 24, &ck, 2);
		dp_uplink_frame(&conf, NULL, f, len, sizeof(f), 0, &v);
		cr_assert_eq(v.action, DP_ACT_DROP, "fragment %u", i);
		cr_assert_eq(v.counter, DP_C_drop_dns_fragment, "fragment %u", i);
	}
}

/* A query from @src (checksum fixed). */
static uint16_t
query_from(uint8_t *f, const char *src)
{
	uint16_t len = dns_frame(f, gw_mac, "www.example.org", 1);
	uint32_t a = th_ip(src);

	memcpy(f + 26, &a, 4);
	th_put16(f + 24, 0);
	uint16_t ck = rte_ipv4_cksum((struct rte_ipv4_hdr *)(f + 14));
	memcpy(f + 24, &ck, 2);
	th_put16(f + 40, 0); /* no UDP checksum */
	return len;
}

Test(frame, martian_sources_are_dropped_and_counted)
{
	static const char *const martians[] = {
		"0.0.0.0", "0.1.2.3", "127.0.0.1", "127.255.0.9", "224.0.0.1", "239.1.1.1",
		"240.0.0.1", "250.1.2.3", "255.255.255.255",
		"10.77.0.1",  /* the gateway's own */
		"10.77.1.10", /* a service's */
	};
	uint8_t f[1500];
	struct dp_verdict v;

	for (unsigned int i = 0; i < sizeof(martians) / sizeof(martians[0]); i++) {
		uint16_t len = query_from(f, martians[i]);
		dp_uplink_frame(&conf, NULL, f, len, sizeof(f), 0, &v);
		cr_assert_eq(v.action, DP_ACT_DROP, "%s answered", martians[i]);
		cr_assert_eq(v.counter, DP_C_drop_martian, "%s", martians[i]);
	}
	uint16_t len = query_from(f, "10.77.0.9");
	dp_uplink_frame(&conf, NULL, f, len, sizeof(f), 0, &v);
	cr_assert_eq(v.counter, DP_C_dns_answer, "an ordinary client is answered");
	len = query_from(f, "223.255.255.254");
	dp_uplink_frame(&conf, NULL, f, len, sizeof(f), 0, &v);
	cr_assert_eq(v.counter, DP_C_dns_answer, "the last unicast address is no martian");
}

/* @f with a tag of @tpid and @vid inserted after the MACs. */
static uint16_t
tagged(uint8_t *g, const uint8_t *f, uint16_t len, uint16_t tpid, uint16_t vid)
{
	memcpy(g, f, 12);
	th_put16(g + 12, tpid);
	th_put16(g + 14, vid);
	memcpy(g + 16, f + 12, (size_t)(len - 12));
	return (uint16_t)(len + 4);
}

Test(frame, tags_on_the_uplink_only_as_configured)
{
	uint8_t f[1500], g[1504], h[1508];
	struct dp_verdict v;
	uint16_t len = dns_frame(f, gw_mac, "www.example.org", 1);

	/* untagged only (the default): 802.1Q dropped, whatever the PMD did */
	uint16_t l1 = tagged(g, f, len, 0x8100, 7);
	dp_uplink_frame(&conf, NULL, g, l1, sizeof(g), 0, &v);
	cr_assert_eq(v.action, DP_ACT_DROP);
	cr_assert_eq(v.counter, DP_C_drop_vlan_tagged);
	/* an 802.1ad outer tag (as a tap or a NIC delivers it) */
	l1 = tagged(g, f, len, 0x88a8, 7);
	dp_uplink_frame(&conf, NULL, g, l1, sizeof(g), 0, &v);
	cr_assert_eq(v.action, DP_ACT_DROP);
	cr_assert_eq(v.counter, DP_C_drop_vlan_nested);
	/* QinQ as af_packet hands it over (outer tag re-inserted as 802.1Q) */
	l1 = tagged(g, f, len, 0x8100, 7);
	uint16_t l2 = tagged(h, g, l1, 0x8100, 7);
	dp_uplink_frame(&conf, NULL, h, l2, sizeof(h), 0, &v);
	cr_assert_eq(v.action, DP_ACT_DROP);
	cr_assert_eq(v.counter, DP_C_drop_vlan_nested);

	/* VLAN 7 configured: its tag is taken, another VLAN's is not, and
	 * double tags never */
	conf.up_vlan = 7;
	l1 = tagged(g, f, len, 0x8100, 8);
	dp_uplink_frame(&conf, NULL, g, l1, sizeof(g), 0, &v);
	cr_assert_eq(v.counter, DP_C_drop_vlan_tagged);
	l1 = tagged(g, f, len, 0x88a8, 7);
	uint16_t l3 = tagged(h, g, l1, 0x8100, 7);
	dp_uplink_frame(&conf, NULL, h, l3, sizeof(h), 0, &v);
	cr_assert_eq(v.counter, DP_C_drop_vlan_nested);
	l1 = tagged(g, f, len, 0x8100, 7);
	dp_uplink_frame(&conf, NULL, g, l1, sizeof(g), 0, &v);
	cr_assert_eq(v.counter, DP_C_dns_answer);
	conf.up_vlan = 0;
}

Test(frame, dns_response_and_short_header_dropped)
{
	uint8_t f[1500];
	struct dp_verdict v;
	uint16_t len = dns_frame(f, gw_mac, "www.example.org", 1);

	f[44] |= 0x80; /* QR */
	th_put16(f + 40, 0);
	dp_uplink_frame(&conf, NULL, f, len, sizeof(f), 0, &v);
	cr_assert_eq(v.action, DP_ACT_DROP);
	cr_assert_eq(v.counter, DP_C_drop_dns_response);
	uint8_t hdr[5] = { 1, 2, 3, 4, 5 };
	len = th_udp_frame(f, gw_mac, cli_mac, th_ip("10.77.0.2"), th_ip("10.77.0.1"), 1, 53,
			   hdr, sizeof(hdr));
	dp_uplink_frame(&conf, NULL, f, len, sizeof(f), 0, &v);
	cr_assert_eq(v.counter, DP_C_drop_dns_short);
}

Test(frame, dns_with_vlan_tag_keeps_it)
{
	uint8_t f[1500], g[1504];
	struct dp_verdict v;
	uint16_t len = dns_frame(f, gw_mac, "www.example.org", 1);

	memcpy(g, f, 12);
	th_put16(g + 12, 0x8100);
	th_put16(g + 14, 7);
	memcpy(g + 16, f + 12, (size_t)(len - 12));
	conf.up_vlan = 7; /* [gateway] uplink_vlan = 7 */
	dp_uplink_frame(&conf, NULL, g, (uint16_t)(len + 4), sizeof(g), 0, &v);
	conf.up_vlan = 0;
	cr_assert_eq(v.counter, DP_C_dns_answer);
	cr_assert_eq(v.len, len + 4 + 16);
	cr_assert_eq(th_get16(g + 12), 0x8100);
	cr_assert_eq(th_get16(g + 14), 7);
	cr_assert_eq(th_get16(g + 16), 0x0800);
	cr_assert_eq(memcmp(g, cli_mac, 6), 0);
}

Test(frame, frames_for_another_mac_are_dropped)
{
	uint8_t f[1500];
	struct dp_verdict v;
	static const uint8_t other[6] = { 0x02, 9, 9, 9, 9, 9 };
	uint16_t len = dns_frame(f, other, "www.example.org", 1);

	dp_uplink_frame(&conf, NULL, f, len, sizeof(f), 0, &v);
	cr_assert_eq(v.action, DP_ACT_DROP);
	cr_assert_eq(v.counter, DP_C_drop_l2_not_ours);
	conf.flags |= DP_F_EXCEPTION;
	dp_uplink_frame(&conf, NULL, f, len, sizeof(f), 0, &v);
	cr_assert_eq(v.action, DP_ACT_DROP, "unicast to another host never leaves");
	len = dns_frame(f, bcast, "www.example.org", 1);
	dp_uplink_frame(&conf, NULL, f, len, sizeof(f), 0, &v);
	cr_assert_eq(v.action, DP_ACT_TX_EXCEPTION, "broadcast IP goes to the host");
}

Test(frame, other_traffic_to_the_gateway)
{
	uint8_t f[1500];
	struct dp_verdict v;
	uint8_t pl[4] = { 0 };
	uint16_t len = th_udp_frame(f, gw_mac, cli_mac, th_ip("10.77.0.2"), th_ip("10.77.0.1"),
				    1, 123, pl, sizeof(pl));

	dp_uplink_frame(&conf, NULL, f, len, sizeof(f), 0, &v);
	cr_assert_eq(v.action, DP_ACT_DROP);
	cr_assert_eq(v.counter, DP_C_drop_gw_unhandled);
	conf.flags |= DP_F_EXCEPTION;
	dp_uplink_frame(&conf, NULL, f, len, sizeof(f), 0, &v);
	cr_assert_eq(v.action, DP_ACT_TX_EXCEPTION);
	cr_assert_eq(v.len, len);
}

Test(frame, traffic_to_a_service_that_is_not_ready_is_dropped)
{
	uint8_t f[1500];
	struct dp_verdict v;
	uint8_t pl[4] = { 0 };
	uint16_t len = th_udp_frame(f, gw_mac, cli_mac, th_ip("10.77.0.2"), th_ip("10.77.1.10"),
				    1, 80, pl, sizeof(pl));

	dp_uplink_frame(&conf, NULL, f, len, sizeof(f), 0, &v);
	cr_assert_eq(v.action, DP_ACT_DROP);
	cr_assert_eq(v.counter, DP_C_drop_svc_not_ready);
	cr_assert_eq(v.svc, 0);
}

Test(frame, other_addresses_and_protocols)
{
	uint8_t f[1500];
	struct dp_verdict v;
	uint8_t pl[4] = { 0 };
	uint16_t len = th_udp_frame(f, gw_mac, cli_mac, th_ip("10.77.0.2"), th_ip("192.0.2.1"),
				    1, 80, pl, sizeof(pl));

	dp_uplink_frame(&conf, NULL, f, len, sizeof(f), 0, &v);
	cr_assert_eq(v.counter, DP_C_drop_ip_not_ours);
	th_put16(f + 12, 0x86dd);
	dp_uplink_frame(&conf, NULL, f, len, sizeof(f), 0, &v);
	cr_assert_eq(v.counter, DP_C_drop_l3_proto);
	dp_uplink_frame(&conf, NULL, f, 0, sizeof(f), 0, &v);
	cr_assert_eq(v.counter, DP_C_drop_runt);
}

Test(frame, downlink_arp_for_the_gateway_only)
{
	uint8_t f[64];
	struct dp_verdict v;

	dp_downlink_frame(&conf, NULL, f, arp_frame(f, bcast, 1, "10.77.0.2", "10.77.0.1"), 64, 0, &v);
	cr_assert_eq(v.action, DP_ACT_TX_DOWNLINK);
	cr_assert_eq(v.counter, DP_C_arp_reply);
	assert_arp_reply(f, down_mac, "10.77.0.1");
	dp_downlink_frame(&conf, NULL, f, arp_frame(f, bcast, 1, "10.77.0.2", "10.77.1.10"), 64, 0, &v);
	cr_assert_eq(v.action, DP_ACT_DROP, "no proxy ARP between services");
	cr_assert_eq(v.counter, DP_C_drop_arp_not_ours);
}

Test(frame, downlink_ip_from_a_non_service_is_spoofed)
{
	uint8_t f[1500];
	struct dp_verdict v;
	uint16_t len = dns_frame(f, down_mac, "www.example.org", 1);

	dp_downlink_frame(&conf, NULL, f, len, sizeof(f), 0, &v);
	cr_assert_eq(v.action, DP_ACT_DROP);
	cr_assert_eq(v.counter, DP_C_drop_spoofed);
}

Test(frame, counter_names_are_unique_and_drops_are_summed)
{
	struct dp_counters c = { 0 };

	for (unsigned int i = 0; i < DP_C__COUNT; i++) {
		cr_assert_not_null(dp_counter_name(i));
		for (unsigned int j = 0; j < i; j++)
			cr_assert_str_neq(dp_counter_name(i), dp_counter_name(j));
	}
	cr_assert_null(dp_counter_name(DP_C__COUNT));
	dp_count(&c, DP_C_drop_runt);
	dp_count_add(&c, DP_C_drop_ip_cksum, 2);
	dp_count(&c, DP_C_dns_answer);
	cr_assert_eq(dp_counters_drops(&c), 3);
	struct dp_counters sum = { 0 };
	dp_counters_accumulate(&sum, &c);
	dp_counters_accumulate(&sum, &c);
	cr_assert_eq(sum.v[DP_C_drop_ip_cksum], 4);
}

Test(frame, a_gratuitous_arp_announces_an_address)
{
	uint8_t f[DP_GARP_LEN];
	struct dp_verdict v;
	uint32_t ip = th_ip("10.77.0.1");

	cr_assert_eq(dp_garp_frame(f, &conf.down_mac, ip), DP_GARP_LEN);
	cr_assert_eq(memcmp(f, bcast, 6), 0, "broadcast");
	cr_assert_eq(memcmp(f + 6, down_mac, 6), 0);
	cr_assert_eq(th_get16(f + 12), 0x0806);
	cr_assert_eq(th_get16(f + 14), 1, "Ethernet");
	cr_assert_eq(th_get16(f + 16), 0x0800, "IPv4");
	cr_assert_eq(th_get16(f + 20), 1, "a request (RFC 5227 3)");
	cr_assert_eq(memcmp(f + 22, down_mac, 6), 0, "sender MAC: ours");
	cr_assert_eq(memcmp(f + 28, &ip, 4), 0, "sender IP: the address");
	static const uint8_t zero[6];
	cr_assert_eq(memcmp(f + 32, zero, 6), 0, "target MAC: unknown");
	cr_assert_eq(memcmp(f + 38, &ip, 4), 0, "target IP: the address again");
	/* and a gateway that hears it takes it for what it is */
	dp_downlink_frame(&conf, NULL, f, DP_GARP_LEN, sizeof(f), 0, &v);
	cr_assert_eq(v.action, DP_ACT_DROP);
	cr_assert_eq(v.counter, DP_C_drop_arp_gratuitous);
}

Test(frame, a_summon_over_budget_is_refused_and_the_query_still_answered)
{
	uint8_t f[1500];
	struct dp_verdict v;
	struct dp_svc_rt rt[2];
	struct dp_fp_state st = { .now = 1000000, .replay_svc = -1 };

	memset(rt, 0, sizeof(rt));
	conf.rt = rt;
	conf.budget = syn_budget_create(2, 16, 1000000, 0x5eed);
	cr_assert_not_null(conf.budget);
	conf.budget_conf = (struct syn_budget_conf){ .global_rate = 1, .global_burst = 1 };

	uint16_t len = dns_frame(f, gw_mac, "www.example.org", 1);
	dp_uplink_frame(&conf, &st, f, len, sizeof(f), 0, &v);
	cr_assert_eq(v.counter, DP_C_dns_answer);
	cr_assert_eq(v.event, DP_EV_SUMMON);
	cr_assert_eq(v.refused, SYN_BUDGET_OK);
	cr_assert_eq(rt[0].state, DP_SVC_SUMMON_PENDING);

	/* stopped again (the summon failed, say): the rate holds the next one */
	rt[0].state = DP_SVC_STOPPED;
	len = dns_frame(f, gw_mac, "www.example.org", 1);
	dp_uplink_frame(&conf, &st, f, len, sizeof(f), 0, &v);
	cr_assert_eq(v.action, DP_ACT_TX_UPLINK);
	cr_assert_eq(v.counter, DP_C_dns_answer);
	cr_assert_eq(v.event, DP_EV_NONE);
	cr_assert_eq(v.refused, SYN_BUDGET_GLOBAL);
	cr_assert_eq(rt[0].state, DP_SVC_STOPPED);
	assert_dns_reply(f, v.len);
	syn_budget_free(conf.budget);
	conf.budget = NULL;
	conf.rt = NULL;
}
