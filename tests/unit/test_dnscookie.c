/* SPDX-License-Identifier: BSD-3-Clause */
/* dataplane/dnscookie.c and its hook in dns.c: a client cookie gets a
 * server cookie in the answer, a valid server cookie is recognised (under
 * the current key or the previous one, within its time), anything else
 * gets a new one, a malformed COOKIE is a FORMERR; and through the frame
 * path, dns_summon = cookie | budget | always decide what summons. */
#include <criterion/criterion.h>

#include <rte_ip.h>

#include "../../dataplane/dataplane.h"
#include "../../dataplane/dnscookie.h"
#include "helpers.h"

static const uint8_t key_a[16] = "0123456789abcdef";
static const uint8_t key_b[16] = "another key 0002";
static const uint8_t key_c[16] = "the third key 03";
static const uint8_t client[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };

/* A query for @name with EDNS and a COOKIE option of @clen bytes at @ck. */
static uint16_t
query(uint8_t *m, const char *name, const uint8_t *ck, uint16_t clen)
{
	uint8_t *p = th_dns_header(m, 1);

	p = th_put_name(p, name);
	p = th_put16(p, 1);
	p = th_put16(p, 1);
	*p++ = 0;
	p = th_put16(p, 41);
	p = th_put16(p, 4096);
	*p++ = 0;
	*p++ = 0;
	p = th_put16(p, 0);
	p = th_put16(p, (uint16_t)(4 + clen));
	p = th_put16(p, 10);
	p = th_put16(p, clen);
	memcpy(p, ck, clen);
	return (uint16_t)(p + clen - m);
}

static struct dp_svctab *tab;

static void
setup(void)
{
	tab = th_www_table();
}

static void
teardown(void)
{
	dp_svctab_free(tab);
}

TestSuite(dnscookie, .init = setup, .fini = teardown);

/* The query through dns.c and dnscookie.c: the outcome, and the response's
 * server cookie into @server (16 bytes) when it has one. */
static enum dp_dnsck
ask(const struct syn_cookie_keys *ks, const uint8_t *ck, uint16_t clen, uint32_t now,
    uint8_t *server, uint16_t *rcode)
{
	uint8_t m[512];
	struct dp_dns_conf dc = { .tab = tab, .ttl = 30, .soa_serial = 1 };
	struct dp_dns_result r;
	enum dp_dnsck out;
	uint16_t len = query(m, "www.example.org", ck, clen);
	uint16_t dlen = dp_dns_respond(&dc, m, len, sizeof(m), &r);

	cr_assert_gt(dlen, 0);
	*rcode = th_get16(m + 2) & 0xf;
	uint16_t n = dp_dnsck_answer(ks, th_ip("192.0.2.7"), now, &r, m, dlen, sizeof(m), &out);
	if (out == DP_DNSCK_NONE) {
		cr_assert_eq(n, dlen);
		return out;
	}
	/* the response ends with OPT, RDLEN 28: our COOKIE option */
	cr_assert_eq(n, dlen + 28);
	cr_assert_eq(th_get16(m + n - 30), 28, "OPT RDLEN");
	cr_assert_eq(th_get16(m + n - 28), 10, "COOKIE");
	cr_assert_eq(th_get16(m + n - 26), 24);
	cr_assert_arr_eq(m + n - 24, ck, 8, "the client cookie, echoed");
	cr_assert_eq(m[n - 16], 1, "version 1");
	memcpy(server, m + n - 16, 16);
	return out;
}

Test(dnscookie, a_client_cookie_gets_a_server_cookie_that_is_then_valid)
{
	struct syn_cookie_keys ks;
	uint8_t srv[16], ck[24];
	uint16_t rc;

	cr_assert_eq(syn_cookie_keys_init(&ks, key_a, 8, 2), 0);
	cr_assert_eq(ask(&ks, client, 8, 100000, srv, &rc), DP_DNSCK_NEW);
	cr_assert_eq(rc, 0);
	cr_assert_eq(th_get16(srv + 4) << 16 | th_get16(srv + 6), 100000, "its timestamp");
	memcpy(ck, client, 8);
	memcpy(ck + 8, srv, 16);
	uint8_t srv2[16];
	cr_assert_eq(ask(&ks, ck, 24, 100010, srv2, &rc), DP_DNSCK_VALID);
	/* from an hour before to five minutes after */
	cr_assert_eq(ask(&ks, ck, 24, 100000 + 3600, srv2, &rc), DP_DNSCK_VALID);
	cr_assert_eq(ask(&ks, ck, 24, 100000 + 3601, srv2, &rc), DP_DNSCK_INVALID);
	cr_assert_eq(ask(&ks, ck, 24, 100000 - 300, srv2, &rc), DP_DNSCK_VALID);
	cr_assert_eq(ask(&ks, ck, 24, 100000 - 301, srv2, &rc), DP_DNSCK_INVALID);
	/* a new server cookie comes every time */
	cr_assert_eq(th_get16(srv2 + 4) << 16 | th_get16(srv2 + 6), 100000 - 301);

	/* forged: another client cookie, a flipped bit, a foreign version */
	for (int b = 0; b < 24 * 8; b++) {
		uint8_t x[24];
		memcpy(x, ck, 24);
		x[b / 8] ^= (uint8_t)(1 << (b % 8));
		enum dp_dnsck o = ask(&ks, x, 24, 100010, srv2, &rc);
		cr_assert_eq(o, DP_DNSCK_INVALID, "bit %d", b);
	}
	/* one rotation keeps it, a second does not */
	syn_cookie_rotate(&ks, key_b);
	cr_assert_eq(ask(&ks, ck, 24, 100010, srv2, &rc), DP_DNSCK_VALID);
	syn_cookie_rotate(&ks, key_c);
	cr_assert_eq(ask(&ks, ck, 24, 100010, srv2, &rc), DP_DNSCK_INVALID);
	/* another length of server cookie (8..32) is someone else's */
	uint8_t other[40] = { 0 };
	memcpy(other, client, 8);
	cr_assert_eq(ask(&ks, other, 16, 100010, srv2, &rc), DP_DNSCK_INVALID);
	cr_assert_eq(ask(&ks, other, 40, 100010, srv2, &rc), DP_DNSCK_INVALID);
}

Test(dnscookie, a_malformed_cookie_is_a_formerr)
{
	uint8_t m[512], ck[48] = { 0 };
	struct dp_dns_conf dc = { .tab = tab, .ttl = 30, .soa_serial = 1 };
	struct dp_dns_result r;
	static const uint16_t bad[] = { 0, 1, 7, 9, 15, 41, 48 };

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		uint16_t len = query(m, "www.example.org", ck, bad[i]);
		uint16_t dlen = dp_dns_respond(&dc, m, len, sizeof(m), &r);
		cr_assert_eq(dlen, 12, "cookie of %u bytes", bad[i]);
		cr_assert_eq(th_get16(m + 2) & 0xf, 1, "FORMERR for %u bytes", bad[i]);
		cr_assert_eq(r.counter, DP_C_dns_formerr);
		cr_assert_eq(r.cookie_len, 0);
	}
	/* and no COOKIE at all: no cookie outcome */
	uint16_t len = th_dns_query(m, "www.example.org", 1, 1);
	cr_assert_gt(dp_dns_respond(&dc, m, len, sizeof(m), &r), 0);
	cr_assert_eq(r.cookie_len, 0);
}

/* ---- through the frame path ---- */

static const uint8_t gw_mac[6] = { 0x02, 0x4a, 0, 0, 0, 0x01 };
static const uint8_t cli_mac[6] = { 0x02, 0, 0, 0, 0, 0x02 };

static uint16_t
frame(uint8_t *f, const uint8_t *ck, uint16_t clen)
{
	uint8_t m[512];
	uint16_t ml = query(m, "www.example.org", ck, clen);

	return th_udp_frame(f, gw_mac, cli_mac, th_ip("10.77.0.2"), th_ip("10.77.0.1"), 40000, 53,
			    m, ml);
}

static int
udp_ok(const uint8_t *f, uint16_t len)
{
	uint32_t s = rte_raw_cksum(f + 26, 8) + rte_cpu_to_be_16(17) + rte_cpu_to_be_16(len - 34) +
		     rte_raw_cksum(f + 34, (size_t)(len - 34));
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return s == 0xffff && rte_raw_cksum(f + 14, 20) == 0xffff;
}

Test(dnscookie, dns_summon_cookie_budget_always_through_the_frame_path)
{
	struct dp_fp_conf c;
	struct dp_svc_rt rt[2];
	struct dp_fp_state st = { .now = 5000ull * 1000000, .replay_svc = -1 };
	struct dp_verdict v;
	uint8_t f[1500], srv[16], ck[24];

	memset(&c, 0, sizeof(c));
	memset(rt, 0, sizeof(rt));
	memcpy(c.up_mac.addr_bytes, gw_mac, 6);
	c.gw_ip = th_ip("10.77.0.1");
	c.dns = (struct dp_dns_conf){ .tab = tab, .ttl = 30, .soa_serial = 1 };
	c.rt = rt;
	c.tsc_hz = 1000000;
	cr_assert_eq(syn_cookie_keys_init(&c.cookie_keys, key_a, 8, 2), 0);
	c.budget = syn_budget_create(2, 16, 1000000, 0x5eed);
	c.budget_conf = (struct syn_budget_conf){ .global_rate = 1, .global_burst = 1 };
	c.dns_summon = DP_DNS_SUMMON_COOKIE;

	/* cookie: a client cookie alone is answered (with a server cookie) and
	 * summons nothing */
	uint16_t len = frame(f, client, 8);
	dp_uplink_frame(&c, &st, f, len, sizeof(f), 0, &v);
	cr_assert_eq(v.action, DP_ACT_TX_UPLINK);
	cr_assert_eq(v.counter, DP_C_dns_answer);
	cr_assert_eq(v.dnsck, DP_DNSCK_NEW);
	cr_assert_eq(v.event, DP_EV_NONE);
	cr_assert_eq(v.refused, SYN_BUDGET_GLOBAL + 1);
	cr_assert(udp_ok(f, v.len), "checksums of the answer with its cookie");
	memcpy(srv, f + v.len - 16, 16);
	/* with the server cookie it got: proven, it summons */
	memcpy(ck, client, 8);
	memcpy(ck + 8, srv, 16);
	len = frame(f, ck, 24);
	dp_uplink_frame(&c, &st, f, len, sizeof(f), 0, &v);
	cr_assert_eq(v.dnsck, DP_DNSCK_VALID);
	cr_assert_eq(v.event, DP_EV_SUMMON);
	cr_assert(udp_ok(f, v.len));

	/* budget: a valid cookie passes the spent global budget, none does not */
	rt[0].state = DP_SVC_STOPPED;
	c.dns_summon = DP_DNS_SUMMON_BUDGET;
	len = frame(f, client, 8);
	dp_uplink_frame(&c, &st, f, len, sizeof(f), 0, &v);
	cr_assert_eq(v.event, DP_EV_SUMMON, "the one global token");
	rt[0].state = DP_SVC_STOPPED;
	len = frame(f, client, 8);
	dp_uplink_frame(&c, &st, f, len, sizeof(f), 0, &v);
	cr_assert_eq(v.event, DP_EV_NONE);
	cr_assert_eq(v.refused, SYN_BUDGET_GLOBAL);
	len = frame(f, ck, 24);
	dp_uplink_frame(&c, &st, f, len, sizeof(f), 0, &v);
	cr_assert_eq(v.event, DP_EV_SUMMON);

	/* always: no budget */
	rt[0].state = DP_SVC_STOPPED;
	c.dns_summon = DP_DNS_SUMMON_ALWAYS;
	len = frame(f, client, 8);
	dp_uplink_frame(&c, &st, f, len, sizeof(f), 0, &v);
	cr_assert_eq(v.event, DP_EV_SUMMON);
	cr_assert_eq(v.refused, 0);
	syn_budget_free(c.budget);
}
