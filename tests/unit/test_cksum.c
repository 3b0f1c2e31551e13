/* SPDX-License-Identifier: BSD-3-Clause */
/* dataplane/cksum.h, and the DNS reply's incremental checksums in
 * dataplane/frame.c: always what a full recomputation gives, byte for byte,
 * odd offsets and lengths and the 0/0xffff corners included. */
#include <criterion/criterion.h>

#include <rte_ip.h>
#include <rte_tcp.h>
#include <rte_udp.h>

#include "../../dataplane/cksum.h"
#include "../../dataplane/dataplane.h"
#include "helpers.h"

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint32_t
rnd(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return (uint32_t)((rng * 0x2545f4914f6cdd1dull) >> 32);
}

static void
fill(uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)rnd();
}

/* one's complement: a == b as numbers (0 and 0xffff are both zero) */
static int
same_ones(uint16_t a, uint16_t b)
{
	return a == b || ((a == 0 || a == 0xffff) && (b == 0 || b == 0xffff));
}

Test(cksum, sum_at_matches_rte_raw_cksum_at_even_offsets)
{
	uint8_t b[300];

	for (size_t len = 0; len <= 257; len++) {
		fill(b, sizeof(b));
		cr_assert(same_ones(dp_cksum_sum_at(b, len, 0), rte_raw_cksum(b, len)),
			  "len %zu", len);
	}
}

Test(cksum, sum_at_odd_offsets_and_lengths_add_up_to_the_whole)
{
	uint8_t b[300];

	for (int it = 0; it < 2000; it++) {
		size_t len = rnd() % 300, cut = len ? rnd() % (len + 1) : 0;
		fill(b, len);
		uint16_t whole = rte_raw_cksum(b, len);
		uint16_t parts = dp_cksum_fold((uint32_t)dp_cksum_sum_at(b, cut, 0) +
					       dp_cksum_sum_at(b + cut, len - cut, cut & 1));
		cr_assert(same_ones(parts, whole), "len %zu cut %zu: %04x vs %04x", len, cut, parts,
			  whole);
	}
}

Test(cksum, sum_at_all_ones_and_zeros)
{
	uint8_t b[64];

	memset(b, 0, sizeof(b));
	cr_assert_eq(dp_cksum_sum_at(b, 63, 1), 0);
	memset(b, 0xff, sizeof(b));
	cr_assert_eq(dp_cksum_sum_at(b, 64, 0), 0xffff);
	cr_assert_eq(dp_cksum_sum_at(b, 63, 1), 0xff00); /* 31 x -0, then 0xff as a low byte */
	cr_assert_eq(dp_cksum_sum_at(b, 1, 0), 0x00ff); /* the first byte of a word */
	cr_assert_eq(dp_cksum_sum_at(b, 1, 1), 0xff00);
}

/* An IPv4 header with random fields, its checksum right. */
static void
random_ip(struct rte_ipv4_hdr *ip)
{
	fill((uint8_t *)ip, sizeof(*ip));
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->hdr_checksum = 0;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
}

Test(cksum, ipv4_update_is_the_full_computation)
{
	struct rte_ipv4_hdr ip;

	for (int it = 0; it < 20000; it++) {
		random_ip(&ip);
		uint16_t old = dp_cksum_fold((uint32_t)ip.total_length + ip.fragment_offset);
		ip.total_length = (uint16_t)rnd();
		ip.fragment_offset = (it & 1) ? 0 : (uint16_t)rnd();
		uint16_t upd = dp_cksum_update(ip.hdr_checksum, old,
					       dp_cksum_fold((uint32_t)ip.total_length +
							     ip.fragment_offset));
		ip.hdr_checksum = 0;
		cr_assert_eq(upd, rte_ipv4_cksum(&ip), "iteration %d", it);
	}
}

Test(cksum, ipv4_update_where_the_full_checksum_is_0_or_the_old_was_0xffff)
{
	struct rte_ipv4_hdr ip;
	int zeros = 0;

	for (int it = 0; it < 200000 && zeros < 20; it++) {
		random_ip(&ip);
		uint16_t old_len = ip.total_length;
		/* choose the new length so that the header sums to 0xffff */
		ip.total_length = 0;
		ip.hdr_checksum = 0;
		uint16_t rest = rte_raw_cksum(&ip, sizeof(ip));
		ip.total_length = (uint16_t)~rest;
		ip.hdr_checksum = 0;
		if (rte_ipv4_cksum(&ip) != 0)
			continue;
		zeros++;
		/* from a header whose checksum is the other zero, 0xffff */
		struct rte_ipv4_hdr q = ip;
		q.total_length = old_len;
		q.hdr_checksum = 0;
		q.hdr_checksum = rte_ipv4_cksum(&q);
		uint16_t upd = dp_cksum_update(q.hdr_checksum, q.total_length, ip.total_length);
		cr_assert_eq(upd, 0, "a full computation gives 0 here");
		q.total_length = ip.total_length;
		q.hdr_checksum = 0xffff; /* equal to 0, and a valid header either way */
		cr_assert_eq(rte_raw_cksum(&q, sizeof(q)), 0xffff);
		uint16_t back = dp_cksum_update(0xffff, ip.total_length, old_len);
		q.total_length = old_len;
		q.hdr_checksum = 0;
		cr_assert_eq(back, rte_ipv4_cksum(&q));
	}
	cr_assert_gt(zeros, 0, "no header with a zero checksum was found");
}

/* A UDP datagram of @p dlen bytes of payload in @p f (Ethernet, IPv4), its
 * checksums right; returns the frame length. */
static uint16_t
random_udp(uint8_t *f, uint16_t dlen)
{
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(f + 14);
	struct rte_udp_hdr *u = (struct rte_udp_hdr *)(ip + 1);

	random_ip(ip);
	ip->next_proto_id = IPPROTO_UDP;
	ip->total_length = rte_cpu_to_be_16((uint16_t)(20 + 8 + dlen));
	fill((uint8_t *)(u + 1), dlen);
	fill((uint8_t *)u, 4);
	u->dgram_len = rte_cpu_to_be_16((uint16_t)(8 + dlen));
	u->dgram_cksum = 0;
	ip->hdr_checksum = 0;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	u->dgram_cksum = rte_ipv4_udptcp_cksum(ip, u);
	return (uint16_t)(14 + 20 + 8 + dlen);
}

/* Replace the payload from @p keep on with @p nlen new bytes, as a reply
 * does, updating the UDP checksum incrementally: it must be the full one. */
static void
check_udp_update(uint8_t *f, uint16_t dlen, uint16_t keep, uint16_t nlen, const uint8_t *tail)
{
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(f + 14);
	struct rte_udp_hdr *u = (struct rte_udp_hdr *)(ip + 1);
	uint8_t *d = (uint8_t *)(u + 1);
	uint16_t old = dp_cksum_fold(2u * u->dgram_len + dp_cksum_sum_at(d + keep, dlen - keep,
									 keep & 1));
	uint16_t ck = u->dgram_cksum;

	memcpy(d + keep, tail, nlen);
	u->dgram_len = rte_cpu_to_be_16((uint16_t)(8 + keep + nlen));
	ip->total_length = rte_cpu_to_be_16((uint16_t)(20 + 8 + keep + nlen));
	uint16_t upd = dp_cksum_update_udp(ck, old, dp_cksum_fold(
		2u * u->dgram_len + dp_cksum_sum_at(d + keep, nlen, keep & 1)));
	u->dgram_cksum = 0;
	uint16_t full = rte_ipv4_udptcp_cksum(ip, u);
	cr_assert_eq(upd, full, "dlen %u keep %u nlen %u: %04x, full %04x", dlen, keep, nlen, upd,
		     full);
}

Test(cksum, udp_update_is_the_full_computation_at_odd_offsets_and_lengths)
{
	uint8_t f[2100], tail[600];

	for (int it = 0; it < 20000; it++) {
		uint16_t dlen = (uint16_t)(rnd() % 1400);
		uint16_t keep = dlen ? (uint16_t)(rnd() % (dlen + 1)) : 0;
		uint16_t nlen = (uint16_t)(rnd() % 600);
		random_udp(f, dlen);
		fill(tail, nlen);
		check_udp_update(f, dlen, keep, nlen, tail);
	}
}

Test(cksum, udp_update_where_the_sum_is_all_ones)
{
	uint8_t f[200], tail[8];
	int hits = 0;

	for (int it = 0; it < 200000 && hits < 20; it++) {
		random_udp(f, 40);
		/* new bytes chosen so that the reply sums to 0xffff: a full
		 * computation gives 0, sent as 0xffff */
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(f + 14);
		struct rte_udp_hdr *u = (struct rte_udp_hdr *)(ip + 1);
		uint8_t save[200];
		memcpy(save, f, sizeof(f));
		memset(tail, 0, sizeof(tail));
		uint8_t *d = (uint8_t *)(u + 1);
		memcpy(d + 21, tail, 8); /* keep 21 (odd), 8 new bytes */
		u->dgram_len = rte_cpu_to_be_16(8 + 29);
		ip->total_length = rte_cpu_to_be_16(20 + 8 + 29);
		u->dgram_cksum = 0;
		uint16_t c = rte_ipv4_udptcp_cksum(ip, u); /* what the zeros leave */
		/* payload bytes 22..23 (an even offset) set to c: the sum becomes
		 * S + ~S, all ones */
		memcpy(tail + 1, &c, 2);
		memcpy(f, save, sizeof(f));
		check_udp_update(f, 40, 21, 8, tail);
		u->dgram_cksum = 0;
		if (rte_ipv4_udptcp_cksum(ip, u) == 0xffff)
			hits++;
	}
	cr_assert_gt(hits, 0, "no reply summing to all ones was made");
}

Test(cksum, udp_update_from_a_query_sent_with_0xffff)
{
	uint8_t f[200], tail[16];

	for (int it = 0; it < 5000; it++) {
		random_udp(f, 30);
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(f + 14);
		struct rte_udp_hdr *u = (struct rte_udp_hdr *)(ip + 1);
		if (u->dgram_cksum != 0xffff) { /* make the query's sum all ones */
			uint8_t *d = (uint8_t *)(u + 1);
			uint16_t w;
			/* adding ck = ~S to a word makes the sum S + ~S: a full
			 * computation then gives 0, sent as 0xffff */
			memcpy(&w, d + 28, 2);
			w = dp_cksum_fold((uint32_t)w + u->dgram_cksum);
			memcpy(d + 28, &w, 2);
			u->dgram_cksum = 0;
			cr_assert_eq(rte_ipv4_udptcp_cksum(ip, u), 0xffff);
			u->dgram_cksum = 0xffff;
		}
		fill(tail, sizeof(tail));
		check_udp_update(f, 30, (uint16_t)(rnd() % 31), (uint16_t)(rnd() % 17), tail);
	}
}

/* ---- the DNS reply of dataplane/frame.c -------------------------------- */

static struct dp_svctab *tab;
static struct dp_fp_conf conf;

static void
setup(void)
{
	tab = th_www_table();
	memset(&conf, 0, sizeof(conf));
	conf.up_mac.addr_bytes[0] = 0x02;
	conf.up_mac.addr_bytes[5] = 0x01;
	conf.gw_ip = th_ip("10.77.0.1");
	conf.dns = (struct dp_dns_conf){ .tab = tab, .ttl = 30, .soa_serial = 1 };
}

static void
teardown(void)
{
	dp_svctab_free(tab);
}

/* A query for @p name to the gateway, with an OPT record and @p pad bytes
 * of padding when @p edns, @p trail bytes after the message (FORMERR). */
static uint16_t
query(uint8_t *f, const char *name, int edns, uint16_t pad, uint16_t trail)
{
	uint8_t m[1500], w[DP_DNS_NAME_MAX];
	uint16_t n = 12;

	memset(m, 0, sizeof(m));
	m[0] = (uint8_t)rnd();
	m[1] = (uint8_t)rnd();
	m[2] = 0x01;
	m[5] = 1;
	int l = dp_dns_name_from_text(name, w, sizeof(w));
	memcpy(m + n, w, (size_t)l);
	n = (uint16_t)(n + l);
	m[n + 1] = 1;
	m[n + 3] = 1;
	n = (uint16_t)(n + 4);
	if (edns) {
		m[11] = 1;
		m[n + 2] = 41;
		m[n + 3] = 0x04;
		m[n + 4] = 0xd0;
		m[n + 9] = (uint8_t)((pad + 4) >> 8);
		m[n + 10] = (uint8_t)(pad + 4);
		m[n + 12] = 12;
		m[n + 13] = (uint8_t)(pad >> 8);
		m[n + 14] = (uint8_t)pad;
		fill(m + n + 15, pad); /* not zeros: every byte counts */
		n = (uint16_t)(n + 15 + pad);
	}
	fill(m + n, trail);
	n = (uint16_t)(n + trail);
	memset(f, 0, 14);
	memcpy(f, conf.up_mac.addr_bytes, 6);
	f[6] = 0x02;
	f[11] = 0x02;
	f[12] = 0x08;
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(f + 14);
	struct rte_udp_hdr *u = (struct rte_udp_hdr *)(ip + 1);
	memset(ip, 0, sizeof(*ip));
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->total_length = rte_cpu_to_be_16((uint16_t)(28 + n));
	ip->packet_id = (uint16_t)rnd();
	ip->fragment_offset = rte_cpu_to_be_16(RTE_IPV4_HDR_DF_FLAG);
	ip->time_to_live = (uint8_t)(1 + rnd() % 255);
	ip->next_proto_id = IPPROTO_UDP;
	/* any unicast client (a martian source is dropped before DNS) */
	ip->src_addr = (rnd() & rte_cpu_to_be_32(0x00ffffff)) | rte_cpu_to_be_32(0x0b000000);
	ip->dst_addr = conf.gw_ip;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	u->src_port = (uint16_t)rnd();
	u->dst_port = rte_cpu_to_be_16(53);
	u->dgram_len = rte_cpu_to_be_16((uint16_t)(8 + n));
	memcpy(u + 1, m, n);
	u->dgram_cksum = 0;
	u->dgram_cksum = rte_ipv4_udptcp_cksum(ip, u);
	return (uint16_t)(42 + n);
}

/* The reply's checksums are right and equal to a full computation's. */
static void
check_reply(uint8_t *f, uint16_t len, unsigned int counter)
{
	struct dp_verdict v;

	dp_uplink_frame(&conf, NULL, f, len, 1600, 0, &v);
	cr_assert_eq(v.counter, counter, "counter %u, want %u", v.counter, counter);
	cr_assert_eq(v.action, DP_ACT_TX_UPLINK);
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(f + 14);
	struct rte_udp_hdr *u = (struct rte_udp_hdr *)(ip + 1);
	uint16_t ipck = ip->hdr_checksum, uck = u->dgram_cksum;
	ip->hdr_checksum = 0;
	cr_assert_eq(ipck, rte_ipv4_cksum(ip));
	u->dgram_cksum = 0;
	cr_assert_eq(uck, rte_ipv4_udptcp_cksum(ip, u));
	cr_assert_eq(ip->time_to_live, 64);
	cr_assert_eq(ip->fragment_offset, 0);
	cr_assert_eq(v.len, 14 + rte_be_to_cpu_16(ip->total_length));
}

Test(cksum, dns_replies_carry_the_checksums_a_full_computation_gives, .init = setup,
     .fini = teardown)
{
	uint8_t f[1600];

	for (int it = 0; it < 3000; it++) {
		uint16_t pad = (uint16_t)(rnd() % 900);
		switch (it % 5) {
		case 0:
			check_reply(f, query(f, "www.example.org", 0, 0, 0), DP_C_dns_answer);
			break;
		case 1: /* EDNS, odd and even padding */
			check_reply(f, query(f, "www.example.org", 1, pad, 0), DP_C_dns_answer);
			break;
		case 2: /* NXDOMAIN with the SOA, a name of odd length */
			check_reply(f, query(f, "nx-abc.example.org", it & 8, pad, 0),
				    DP_C_dns_nxdomain);
			break;
		case 3: /* REFUSED */
			check_reply(f, query(f, "a.b.invalid", 1, pad, 0), DP_C_dns_refused);
			break;
		default: /* trailing bytes: FORMERR, the question cut */
			check_reply(f, query(f, "www.example.org", 0, 0, (uint16_t)(1 + pad % 40)),
				    DP_C_dns_formerr);
			break;
		}
	}
}

/* A SYN from a random client, with @p opt bytes of options and @p data
 * bytes of data, its checksums right. */
static uint16_t
syn(uint8_t *f, uint16_t opt, uint16_t data)
{
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(f + 14);
	struct rte_tcp_hdr *t = (struct rte_tcp_hdr *)(ip + 1);
	uint16_t tl = (uint16_t)(sizeof(*t) + opt + data);

	memset(f, 0, 14);
	memcpy(f, conf.up_mac.addr_bytes, 6);
	f[6] = 0x02;
	f[12] = 0x08;
	memset(ip, 0, sizeof(*ip));
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->total_length = rte_cpu_to_be_16((uint16_t)(20 + tl));
	ip->packet_id = (uint16_t)rnd();
	ip->fragment_offset = (rnd() & 1) ? rte_cpu_to_be_16(RTE_IPV4_HDR_DF_FLAG) : 0;
	ip->time_to_live = (uint8_t)(1 + rnd() % 255);
	ip->next_proto_id = IPPROTO_TCP;
	ip->src_addr = rnd();
	ip->dst_addr = rnd();
	fill((uint8_t *)t, tl);
	t->data_off = (uint8_t)(((sizeof(*t) + opt) / 4) << 4);
	t->tcp_flags = RTE_TCP_SYN_FLAG;
	t->cksum = 0;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	t->cksum = rte_ipv4_udptcp_cksum(ip, t);
	return (uint16_t)(34 + tl);
}

Test(cksum, rst_replies_carry_the_checksums_a_full_computation_gives, .init = setup,
     .fini = teardown)
{
	uint8_t f[1600];

	for (int it = 0; it < 20000; it++) {
		uint16_t opt = (uint16_t)(4 * (rnd() % 11)), data = (uint16_t)(rnd() % 64);
		uint16_t len = syn(f, opt, data);
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(f + 14);
		struct rte_tcp_hdr *t = (struct rte_tcp_hdr *)(ip + 1);
		uint32_t seq = rte_be_to_cpu_32(t->sent_seq);
		struct dp_verdict v;
		cr_assert_eq(dp_tcp_rst_frame(&conf, f, len, &v), 0);
		cr_assert_eq(v.len, 14 + 20 + 20);
		cr_assert_eq(rte_be_to_cpu_32(t->recv_ack), seq + 1 + data);
		cr_assert_eq(t->tcp_flags, RTE_TCP_RST_FLAG | RTE_TCP_ACK_FLAG);
		uint16_t ipck = ip->hdr_checksum, tck = t->cksum;
		ip->hdr_checksum = 0;
		cr_assert_eq(ipck, rte_ipv4_cksum(ip), "iteration %d", it);
		t->cksum = 0;
		cr_assert_eq(tck, rte_ipv4_udptcp_cksum(ip, t), "iteration %d", it);
	}
}
