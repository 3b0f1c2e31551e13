/* SPDX-License-Identifier: BSD-3-Clause */
/* synjitsu/siphash.h and synjitsu/cookie.c: SipHash-2-4 against the paper's
 * vectors; cookies carry each option, hold for exactly their ticks, survive
 * one key rotation and no more, and refuse what was not made. */
#include <criterion/criterion.h>

#include <rte_ip.h>
#include <rte_tcp.h>

#include "../../synjitsu/cookie.h"
#include "helpers.h"

/* SipHash-2-4, key 00..0f, messages 00, 00 01, ... (the paper's appendix
 * and the reference implementation's vectors: the 15-byte one is the
 * paper's worked example). */
static const uint64_t sip_vectors[64] = {
	0x726fdb47dd0e0e31ull, 0x74f839c593dc67fdull, 0x0d6c8009d9a94f5aull, 0x85676696d7fb7e2dull,
	0xcf2794e0277187b7ull, 0x18765564cd99a68dull, 0xcbc9466e58fee3ceull, 0xab0200f58b01d137ull,
	0x93f5f5799a932462ull, 0x9e0082df0ba9e4b0ull, 0x7a5dbbc594ddb9f3ull, 0xf4b32f46226bada7ull,
	0x751e8fbc860ee5fbull, 0x14ea5627c0843d90ull, 0xf723ca908e7af2eeull, 0xa129ca6149be45e5ull,
	0x3f2acc7f57c29bdbull, 0x699ae9f52cbe4794ull, 0x4bc1b3f0968dd39cull, 0xbb6dc91da77961bdull,
	0xbed65cf21aa2ee98ull, 0xd0f2cbb02e3b67c7ull, 0x93536795e3a33e88ull, 0xa80c038ccd5ccec8ull,
	0xb8ad50c6f649af94ull, 0xbce192de8a85b8eaull, 0x17d835b85bbb15f3ull, 0x2f2e6163076bcfadull,
	0xde4daaaca71dc9a5ull, 0xa6a2506687956571ull, 0xad87a3535c49ef28ull, 0x32d892fad841c342ull,
	0x7127512f72f27cceull, 0xa7f32346f95978e3ull, 0x12e0b01abb051238ull, 0x15e034d40fa197aeull,
	0x314dffbe0815a3b4ull, 0x027990f029623981ull, 0xcadcd4e59ef40c4dull, 0x9abfd8766a33735cull,
	0x0e3ea96b5304a7d0ull, 0xad0c42d6fc585992ull, 0x187306c89bc215a9ull, 0xd4a60abcf3792b95ull,
	0xf935451de4f21df2ull, 0xa9538f0419755787ull, 0xdb9acddff56ca510ull, 0xd06c98cd5c0975ebull,
	0xe612a3cb9ecba951ull, 0xc766e62cfcadaf96ull, 0xee64435a9752fe72ull, 0xa192d576b245165aull,
	0x0a8787bf8ecb74b2ull, 0x81b3e73d20b49b6full, 0x7fa8220ba3b2eceaull, 0x245731c13ca42499ull,
	0xb78dbfaf3a8d83bdull, 0xea1ad565322a1a0bull, 0x60e61c23a3795013ull, 0x6606d7e446282b93ull,
	0x6ca4ecb15c5f91e1ull, 0x9f626da15c9625f3ull, 0xe51b38608ef25f57ull, 0x958a324ceb064572ull,
};

Test(siphash, paper_vectors)
{
	uint8_t key[16], msg[64];

	for (int i = 0; i < 16; i++)
		key[i] = (uint8_t)i;
	for (int i = 0; i < 64; i++)
		msg[i] = (uint8_t)i;
	struct syn_sipkey k = syn_sipkey_from_bytes(key);
	cr_assert_eq(k.k0, 0x0706050403020100ull);
	cr_assert_eq(k.k1, 0x0f0e0d0c0b0a0908ull);
	for (size_t len = 0; len < 64; len++)
		cr_assert_eq(syn_siphash24(&k, msg, len), sip_vectors[len], "length %zu", len);
}

static const uint8_t key_a[16] = "0123456789abcdef";
static const uint8_t key_b[16] = "fedcba9876543210";
static const uint8_t key_c[16] = "the third key!!!";

#define SADDR th_ip("192.0.2.7")
#define DADDR th_ip("10.77.1.10")

static struct syn_cookie_keys
keys(uint32_t period, uint32_t max_age)
{
	struct syn_cookie_keys ks;

	cr_assert_eq(syn_cookie_keys_init(&ks, key_a, period, max_age), 0);
	return ks;
}

static uint32_t
make(const struct syn_cookie_keys *ks, const struct syn_cookie_opts *o, uint64_t now)
{
	return syn_cookie_make(ks, SADDR, DADDR, 40000, 80, 0x12345678, o, now);
}

static int
check(const struct syn_cookie_keys *ks, uint32_t c, uint64_t now, struct syn_cookie_opts *o)
{
	return syn_cookie_check(ks, SADDR, DADDR, 40000, 80, 0x12345678, c, now, o);
}

Test(cookie, init_refuses_bad_clocks)
{
	struct syn_cookie_keys ks;

	cr_assert_eq(syn_cookie_keys_init(&ks, key_a, 0, 1), -EINVAL);
	cr_assert_eq(syn_cookie_keys_init(&ks, key_a, 8, SYN_COOKIE_MAX_AGE + 1), -EINVAL);
	cr_assert_eq(syn_cookie_keys_init(&ks, key_a, 1, SYN_COOKIE_MAX_AGE), 0);
}

Test(cookie, each_mss_comes_back_rounded_down)
{
	struct syn_cookie_keys ks = keys(8, 2);
	static const struct {
		uint16_t in, out;
	} m[] = { { 100, 216 },	  { 216, 216 },	  { 535, 216 },	  { 536, 536 },	  { 1199, 536 },
		  { 1200, 1200 }, { 1300, 1200 }, { 1360, 1360 }, { 1400, 1400 }, { 1440, 1440 },
		  { 1459, 1440 }, { 1460, 1460 }, { 8959, 1460 }, { 8960, 8960 }, { 65535, 8960 } };

	for (size_t i = 0; i < sizeof(m) / sizeof(m[0]); i++) {
		struct syn_cookie_opts o = { .mss = m[i].in, .wscale = SYN_COOKIE_NO_WSCALE }, r;
		uint32_t c = make(&ks, &o, 1000);
		cr_assert_eq(check(&ks, c, 1000, &r), 0, "mss %u", m[i].in);
		cr_assert_eq(r.mss, m[i].out, "mss %u gave %u", m[i].in, r.mss);
		cr_assert_eq(r.wscale, SYN_COOKIE_NO_WSCALE);
		cr_assert_eq(r.sack_ok, 0);
		cr_assert_eq(r.ts_ok, 0);
	}
}

Test(cookie, each_window_scale_sack_and_timestamps_come_back)
{
	struct syn_cookie_keys ks = keys(8, 2);

	for (unsigned int ws = 0; ws <= 16; ws++) {
		for (int bits = 0; bits < 4; bits++) {
			struct syn_cookie_opts o = { .mss = 1460,
						     .wscale = ws == 16 ? SYN_COOKIE_NO_WSCALE
									: (uint8_t)ws,
						     .sack_ok = bits & 1,
						     .ts_ok = !!(bits & 2) },
					       r;
			uint32_t c = make(&ks, &o, 77);
			cr_assert_eq(check(&ks, c, 77, &r), 0);
			uint8_t want = ws == 16	 ? SYN_COOKIE_NO_WSCALE
				       : ws > 14 ? 14
						 : (uint8_t)ws;
			cr_assert_eq(r.wscale, want, "wscale %u", ws);
			cr_assert_eq(r.sack_ok, bits & 1);
			cr_assert_eq(r.ts_ok, !!(bits & 2));
			cr_assert_eq(r.mss, 1460);
		}
	}
}

Test(cookie, valid_for_max_age_ticks_and_not_one_more)
{
	/* 8 s ticks, two ticks of age: made at 15 (tick 1), good until 31 */
	struct syn_cookie_keys ks = keys(8, 2);
	struct syn_cookie_opts o = { .mss = 1460, .wscale = 7, .sack_ok = 1, .ts_ok = 1 }, r;
	uint32_t c = make(&ks, &o, 15);

	for (uint64_t now = 8; now <= 31; now++)
		cr_assert_eq(check(&ks, c, now, &r), 0, "now %lu", (unsigned long)now);
	for (uint64_t now = 32; now < 200; now++)
		cr_assert_eq(check(&ks, c, now, &r), -1, "now %lu", (unsigned long)now);
	/* from the future: made in tick 1, checked in tick 0 */
	for (uint64_t now = 0; now < 8; now++)
		cr_assert_eq(check(&ks, c, now, &r), -1, "now %lu", (unsigned long)now);

	/* max_age 0: its own tick only */
	struct syn_cookie_keys k0 = keys(8, 0);
	c = make(&k0, &o, 16);
	cr_assert_eq(check(&k0, c, 23, &r), 0);
	cr_assert_eq(check(&k0, c, 24, &r), -1);
	cr_assert_eq(check(&k0, c, 15, &r), -1);

	/* max_age 3: the two clock bits wrap after it, the whole tick in the
	 * hash still refuses the cookie four ticks on */
	struct syn_cookie_keys k3 = keys(1, 3);
	c = make(&k3, &o, 100);
	for (uint64_t now = 100; now <= 103; now++)
		cr_assert_eq(check(&k3, c, now, &r), 0);
	for (uint64_t now = 104; now <= 140; now++)
		cr_assert_eq(check(&k3, c, now, &r), -1, "now %lu", (unsigned long)now);
}

Test(cookie, one_rotation_keeps_old_cookies_a_second_does_not)
{
	struct syn_cookie_keys ks = keys(8, 2);
	struct syn_cookie_opts o = { .mss = 1460, .wscale = 7, .sack_ok = 1, .ts_ok = 1 }, r;
	uint32_t ca = make(&ks, &o, 500);

	syn_cookie_rotate(&ks, key_b);
	cr_assert_eq(ks.rotations, 1);
	uint32_t cb = make(&ks, &o, 500);
	cr_assert_neq(ca, cb);
	cr_assert_eq(check(&ks, ca, 500, &r), 0);
	cr_assert_eq(check(&ks, cb, 500, &r), 0);

	syn_cookie_rotate(&ks, key_c);
	cr_assert_eq(check(&ks, ca, 500, &r), -1);
	cr_assert_eq(check(&ks, cb, 500, &r), 0);

	/* a fresh issuer that never had key_a refuses its cookies */
	struct syn_cookie_keys other;
	cr_assert_eq(syn_cookie_keys_init(&other, key_b, 8, 2), 0);
	cr_assert_eq(check(&other, ca, 500, &r), -1);
	cr_assert_eq(check(&other, cb, 500, &r), 0);
}

Test(cookie, forged_or_misdirected_cookies_are_refused)
{
	struct syn_cookie_keys ks = keys(8, 2);
	struct syn_cookie_opts o = { .mss = 1460, .wscale = 7, .sack_ok = 1, .ts_ok = 1 }, r;
	uint32_t c = make(&ks, &o, 1000);

	for (int b = 0; b < 32; b++)
		cr_assert_eq(check(&ks, c ^ (1u << b), 1000, &r), -1, "bit %d", b);
	/* another flow's cookie */
	cr_assert_eq(syn_cookie_check(&ks, SADDR ^ 1, DADDR, 40000, 80, 0x12345678, c, 1000, &r),
		     -1);
	cr_assert_eq(syn_cookie_check(&ks, SADDR, DADDR ^ 1, 40000, 80, 0x12345678, c, 1000, &r),
		     -1);
	cr_assert_eq(syn_cookie_check(&ks, SADDR, DADDR, 40001, 80, 0x12345678, c, 1000, &r), -1);
	cr_assert_eq(syn_cookie_check(&ks, SADDR, DADDR, 40000, 81, 0x12345678, c, 1000, &r), -1);
	cr_assert_eq(syn_cookie_check(&ks, SADDR, DADDR, 40000, 80, 0x12345679, c, 1000, &r), -1);

	/* blind guesses: about one in 2^21 gets through (the caller budgets
	 * what that costs); 2^20 guesses pass a handful at most */
	uint64_t x = 0x9e3779b97f4a7c15ull;
	unsigned int ok = 0;
	for (int i = 0; i < (1 << 20); i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		ok += check(&ks, (uint32_t)x, 1000, &r) == 0;
	}
	cr_assert_leq(ok, 8, "%u of 2^20 random cookies passed", ok);
}

Test(cookie, opts_parse_reads_every_option_and_refuses_bad_lengths)
{
	static const uint8_t good[] = { 2, 4, 0x05, 0xb4, 1, 3, 3, 7, 4, 2, 8, 10, 0, 0, 0, 1,
					0, 0, 0, 2, 5, 10, 0, 0, 0, 9, 0, 0, 0, 10, 0, 0 };
	struct syn_tcp_opts o;

	cr_assert_eq(syn_tcp_opts_parse(good, sizeof(good), &o), 0);
	cr_assert_eq(o.mss, 1460);
	cr_assert_eq(o.wscale, 7);
	cr_assert_eq(o.sack_ok, 1);
	cr_assert_eq(o.has_ts, 1);
	cr_assert_eq(o.tsval, 1);
	cr_assert_eq(o.tsecr, 2);
	cr_assert_eq(o.ts_off, 12);
	cr_assert_eq(o.n_sack, 1);
	cr_assert_eq(o.sack_off, 22);

	static const uint8_t big_ws[] = { 3, 3, 200 };
	cr_assert_eq(syn_tcp_opts_parse(big_ws, sizeof(big_ws), &o), 0);
	cr_assert_eq(o.wscale, 14);

	const uint8_t *bad[] = {
		(const uint8_t[]){ 2, 4, 5 },	    (const uint8_t[]){ 2, 3, 5 },
		(const uint8_t[]){ 8, 9, 0, 0, 0, 0, 0, 0, 0 },
		(const uint8_t[]){ 30, 1, 0 },	    (const uint8_t[]){ 30 },
		(const uint8_t[]){ 5, 4, 0, 0 },    (const uint8_t[]){ 4, 3, 0 },
	};
	static const size_t bad_len[] = { 3, 3, 9, 3, 1, 4, 3 };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_assert_eq(syn_tcp_opts_parse(bad[i], bad_len[i], &o), -1, "case %zu", i);

	/* end of options stops the parse: what follows is padding */
	static const uint8_t eol[] = { 1, 0, 2, 1 };
	cr_assert_eq(syn_tcp_opts_parse(eol, sizeof(eol), &o), 0);
	cr_assert_eq(o.mss, 0);
	cr_assert_eq(o.wscale, SYN_COOKIE_NO_WSCALE);
}

/* A SYN with IP options (4 bytes) and TCP options, at the start of @b */
static size_t
build_syn(uint8_t *b, const uint8_t *opt, size_t olen, size_t data)
{
	memset(b, 0, 200);
	b[0] = 0x46;
	size_t tl = 20 + olen;
	th_put16(b + 2, (uint16_t)(24 + tl + data));
	th_put16(b + 4, 0x4321);
	b[8] = 55;
	b[9] = 6;
	uint32_t s = SADDR, d = DADDR;
	memcpy(b + 12, &s, 4);
	memcpy(b + 16, &d, 4);
	b[20] = 1; /* IP options: NOPs */
	b[21] = 1;
	b[22] = 1;
	b[23] = 0;
	uint8_t *t = b + 24;
	th_put16(t, 40000);
	th_put16(t + 2, 80);
	th_put16(t + 4, 0x1234);
	th_put16(t + 6, 0x5678);
	t[12] = (uint8_t)(tl / 4 << 4);
	t[13] = 0x02;
	th_put16(t + 14, 64240);
	if (olen != 0)
		memcpy(t + 20, opt, olen);
	memset(t + tl, 0xaa, data);
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)b;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	return 24 + tl + data;
}

static const struct syn_synack_conf svc_conf = {
	.mss = 1400, .wscale = 6, .sack_ok = 1, .ts_ok = 1, .ttl = 64, .window = 65535
};

static void
assert_checksums(uint8_t *b)
{
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)b;
	struct rte_tcp_hdr *t = (struct rte_tcp_hdr *)(b + 20);
	uint16_t ick = ip->hdr_checksum, tck = t->cksum;

	ip->hdr_checksum = 0;
	cr_assert_eq(rte_ipv4_cksum(ip), ick);
	ip->hdr_checksum = ick;
	t->cksum = 0;
	cr_assert_eq(rte_ipv4_udptcp_cksum(ip, t), tck);
	t->cksum = tck;
}

Test(cookie, synack_from_a_syn_with_every_option)
{
	static const uint8_t opt[] = { 2, 4, 0x05, 0xb4, 4, 2, 8, 10, 0, 0, 0x30, 0x39,
				       0, 0, 0, 0, 1, 3, 3, 7 };
	uint8_t b[200];
	size_t len = build_syn(b, opt, sizeof(opt), 5);
	struct syn_cookie_keys ks = keys(8, 2);
	struct syn_cookie_opts neg, r;

	int n = syn_cookie_synack(&ks, &svc_conf, b, len, sizeof(b), 0xcafe0001, 1000, &neg);
	cr_assert_eq(n, 20 + 20 + 20);
	cr_assert_eq(b[0], 0x45);
	cr_assert_eq(th_get16(b + 2), n);
	cr_assert_eq(b[8], 64);
	uint32_t s, d;
	memcpy(&s, b + 12, 4);
	memcpy(&d, b + 16, 4);
	cr_assert_eq(s, DADDR);
	cr_assert_eq(d, SADDR);
	uint8_t *t = b + 20;
	cr_assert_eq(th_get16(t), 80);
	cr_assert_eq(th_get16(t + 2), 40000);
	uint32_t seq = (uint32_t)th_get16(t + 4) << 16 | th_get16(t + 6);
	uint32_t ack = (uint32_t)th_get16(t + 8) << 16 | th_get16(t + 10);
	cr_assert_eq(ack, 0x12345679);
	cr_assert_eq(t[13], 0x12);
	cr_assert_eq(th_get16(t + 14), 65535);
	assert_checksums(b);

	struct syn_tcp_opts o;
	cr_assert_eq(syn_tcp_opts_parse(t + 20, 20, &o), 0);
	cr_assert_eq(o.mss, 1400);
	cr_assert_eq(o.wscale, 6);
	cr_assert_eq(o.sack_ok, 1);
	cr_assert_eq(o.has_ts, 1);
	cr_assert_eq(o.tsval, 0xcafe0001);
	cr_assert_eq(o.tsecr, 12345);

	cr_assert_eq(neg.mss, 1460);
	cr_assert_eq(neg.wscale, 7);
	cr_assert_eq(neg.sack_ok, 1);
	cr_assert_eq(neg.ts_ok, 1);
	/* the client's ACK: ack - 1 is the cookie, seq - 1 its ISN */
	cr_assert_eq(syn_cookie_check(&ks, SADDR, DADDR, 40000, 80, 0x12345678, seq, 1003, &r), 0);
	cr_assert_eq(r.mss, 1460);
	cr_assert_eq(r.wscale, 7);
	cr_assert_eq(r.sack_ok, 1);
	cr_assert_eq(r.ts_ok, 1);
}

Test(cookie, synack_offers_only_what_both_ends_do)
{
	uint8_t b[200];
	struct syn_cookie_keys ks = keys(8, 2);
	struct syn_cookie_opts neg;
	struct syn_tcp_opts o;

	/* a bare SYN: MSS only, the client's MSS taken as 536 */
	size_t len = build_syn(b, NULL, 0, 0);
	int n = syn_cookie_synack(&ks, &svc_conf, b, len, sizeof(b), 1, 1000, &neg);
	cr_assert_eq(n, 44);
	cr_assert_eq(syn_tcp_opts_parse(b + 40, 4, &o), 0);
	cr_assert_eq(o.mss, 1400);
	cr_assert_eq(o.wscale, SYN_COOKIE_NO_WSCALE);
	cr_assert_eq(o.sack_ok + o.has_ts, 0);
	cr_assert_eq(neg.mss, 536);
	cr_assert_eq(neg.wscale, SYN_COOKIE_NO_WSCALE);
	assert_checksums(b);

	/* the client offers everything, the service nothing but MSS */
	static const uint8_t all[] = { 2, 4, 0x05, 0xb4, 4, 2, 8, 10, 0, 0, 0, 1,
				       0, 0, 0, 0, 1, 3, 3, 7 };
	struct syn_synack_conf plain = { .mss = 1460, .wscale = SYN_COOKIE_NO_WSCALE, .ttl = 64,
					 .window = 29200 };
	len = build_syn(b, all, sizeof(all), 0);
	n = syn_cookie_synack(&ks, &plain, b, len, sizeof(b), 1, 1000, &neg);
	cr_assert_eq(n, 44);
	cr_assert_eq(neg.wscale, SYN_COOKIE_NO_WSCALE);
	cr_assert_eq(neg.sack_ok + neg.ts_ok, 0);
	assert_checksums(b);

	/* SACK only, then timestamps only: each padded to 4 bytes */
	static const uint8_t sack[] = { 2, 4, 0x05, 0xb4, 1, 1, 4, 2 };
	len = build_syn(b, sack, sizeof(sack), 0);
	n = syn_cookie_synack(&ks, &svc_conf, b, len, sizeof(b), 1, 1000, &neg);
	cr_assert_eq(n, 48);
	cr_assert_eq(syn_tcp_opts_parse(b + 40, 8, &o), 0);
	cr_assert(o.sack_ok && !o.has_ts);
	assert_checksums(b);
	static const uint8_t ts[] = { 1, 1, 8, 10, 0, 0, 0, 9, 0, 0, 0, 0 };
	len = build_syn(b, ts, sizeof(ts), 0);
	n = syn_cookie_synack(&ks, &svc_conf, b, len, sizeof(b), 1, 1000, &neg);
	cr_assert_eq(n, 56);
	cr_assert_eq(syn_tcp_opts_parse(b + 40, 16, &o), 0);
	cr_assert(!o.sack_ok && o.has_ts && o.tsecr == 9);
	assert_checksums(b);
}

Test(cookie, synack_refuses_what_is_not_a_lone_syn_and_leaves_it_alone)
{
	uint8_t b[200], copy[200];
	struct syn_cookie_keys ks = keys(8, 2);
	static const uint8_t opt[] = { 2, 4, 0x05, 0xb4 };
	size_t len = build_syn(b, opt, sizeof(opt), 0);

	cr_assert_eq(syn_cookie_synack(&ks, &svc_conf, b, len, 59, 1, 1000, NULL), -1);
	cr_assert_eq(syn_cookie_synack(&ks, &svc_conf, b, 39, sizeof(b), 1, 1000, NULL), -1);
	static const uint8_t flags[] = { 0x12, 0x03, 0x06, 0x10, 0x00 };
	for (size_t i = 0; i < sizeof(flags); i++) {
		build_syn(b, opt, sizeof(opt), 0);
		b[24 + 13] = flags[i];
		memcpy(copy, b, sizeof(b));
		cr_assert_eq(syn_cookie_synack(&ks, &svc_conf, b, len, sizeof(b), 1, 1000, NULL),
			     -1);
		cr_assert_arr_eq(b, copy, sizeof(b));
	}
	static const uint8_t badopt[] = { 2, 4, 0x05, 0xb4, 8, 12, 0, 0 };
	len = build_syn(b, badopt, sizeof(badopt), 0);
	memcpy(copy, b, sizeof(b));
	cr_assert_eq(syn_cookie_synack(&ks, &svc_conf, b, len, sizeof(b), 1, 1000, NULL), -1);
	cr_assert_arr_eq(b, copy, sizeof(b));
	/* a fragment, UDP, a truncated total length */
	len = build_syn(b, opt, sizeof(opt), 0);
	b[6] = 0x20;
	cr_assert_eq(syn_cookie_synack(&ks, &svc_conf, b, len, sizeof(b), 1, 1000, NULL), -1);
	len = build_syn(b, opt, sizeof(opt), 0);
	b[9] = 17;
	cr_assert_eq(syn_cookie_synack(&ks, &svc_conf, b, len, sizeof(b), 1, 1000, NULL), -1);
	len = build_syn(b, opt, sizeof(opt), 0);
	cr_assert_eq(syn_cookie_synack(&ks, &svc_conf, b, len - 1, sizeof(b), 1, 1000, NULL), -1);
}
