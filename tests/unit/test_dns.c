/* SPDX-License-Identifier: BSD-3-Clause */
/* dataplane/dns.c: the responder, on plain message buffers. */
#include <criterion/criterion.h>
#include <errno.h>

#include "../../dataplane/dns.h"
#include "helpers.h"

static struct dp_svctab *tab;
static struct dp_dns_conf dc;

static void
add_name(uint32_t id, const char *text)
{
	uint8_t w[DP_DNS_NAME_MAX];
	int l = dp_dns_name_from_text(text, w, sizeof(w));

	cr_assert_gt(l, 1);
	cr_assert_eq(dp_svctab_add_name(tab, id, w, (size_t)l), 0);
}

static void
setup(void)
{
	struct dp_svctab_params p = { .max_services = 4, .max_names = 8, .max_zones = 4,
				      .max_derived = 2 };
	uint8_t w[DP_DNS_NAME_MAX];

	tab = dp_svctab_create(&p);
	cr_assert_not_null(tab);
	cr_assert_eq(dp_svctab_add_service(tab, 0, th_ip("10.77.1.10")), 0);
	cr_assert_eq(dp_svctab_add_service(tab, 1, th_ip("10.77.1.11")), 0);
	add_name(0, "www.example.org");
	add_name(0, "example.org");
	add_name(1, "api.example.org");
	add_name(1, "svc.other.net"); /* a name under no zone */
	int l = dp_dns_name_from_text("example.org", w, sizeof(w));
	cr_assert_eq(dp_svctab_add_zone(tab, w, (size_t)l), 0);
	l = dp_dns_name_from_text("zone.test", w, sizeof(w));
	struct dp_zone_conf zc = { .refresh = 3600, .retry = 600, .expire = 86400,
				   .glue = th_ip("10.77.0.1") }; /* NS: ns.zone.test */
	cr_assert_eq(dp_svctab_add_zone_conf(tab, w, (size_t)l, &zc), 0);
	add_name(1, "a.b.c.zone.test"); /* b.c.zone.test and c.zone.test: empty non-terminals */
	cr_assert_eq(dp_svctab_finish(tab), 0, "derived names beyond max_derived: it grows");
	dc = (struct dp_dns_conf){ .tab = tab, .ttl = 30, .soa_serial = 7, .tcp_keepalive = 100 };
}

static void
teardown(void)
{
	dp_svctab_free(tab);
}

TestSuite(dns, .init = setup, .fini = teardown);

#define RCODE(m) ((m)[3] & 0x0f)
#define QR(m) ((m)[2] & 0x80)
#define AA(m) ((m)[2] & 0x04)
#define TC(m) ((m)[2] & 0x02)
#define RD(m) ((m)[2] & 0x01)
#define QD(m) th_get16((m) + 4)
#define AN(m) th_get16((m) + 6)
#define NS(m) th_get16((m) + 8)
#define AR(m) th_get16((m) + 10)

static uint16_t
respond(uint8_t *m, uint16_t len, struct dp_dns_result *r)
{
	return dp_dns_respond(&dc, m, len, 1500, r);
}

/* Offset just past the question of a response. */
static unsigned int
question_end(const uint8_t *m)
{
	unsigned int off = 12;

	while (m[off] != 0)
		off += 1u + m[off];
	return off + 1 + 4;
}

Test(dns, a_record_for_a_service)
{
	uint8_t m[1500];
	struct dp_dns_result r;
	uint16_t qlen = th_dns_query(m, "www.example.org", 1, 0);
	uint16_t n = respond(m, qlen, &r);

	cr_assert_eq(n, qlen + 16);
	cr_assert_eq(r.counter, DP_C_dns_answer);
	cr_assert_eq(r.svc, 0);
	cr_assert_eq(th_get16(m), 0x1234, "the ID is kept");
	cr_assert(QR(m));
	cr_assert(AA(m));
	cr_assert(RD(m), "RD is copied");
	cr_assert_not(TC(m));
	cr_assert_eq(RCODE(m), 0);
	cr_assert_eq(QD(m), 1);
	cr_assert_eq(AN(m), 1);
	cr_assert_eq(NS(m), 0);
	cr_assert_eq(AR(m), 0);
	const uint8_t *a = m + question_end(m);
	cr_assert_eq(th_get16(a), 0xc00c, "owner compressed to the question");
	cr_assert_eq(th_get16(a + 2), 1);
	cr_assert_eq(th_get16(a + 4), 1);
	cr_assert_eq(th_get16(a + 6) << 16 | th_get16(a + 8), 30u);
	cr_assert_eq(th_get16(a + 10), 4);
	uint32_t ip;
	memcpy(&ip, a + 12, 4);
	cr_assert_eq(ip, th_ip("10.77.1.10"));
}

Test(dns, names_are_case_insensitive_and_case_is_kept)
{
	uint8_t m[1500];
	struct dp_dns_result r;
	uint16_t qlen = th_dns_query(m, "wWw.ExAmPlE.oRg", 1, 0);
	uint16_t n = respond(m, qlen, &r);

	cr_assert_eq(r.counter, DP_C_dns_answer);
	cr_assert_eq(r.svc, 0);
	cr_assert_gt(n, 0);
	cr_assert_eq(memcmp(m + 13, "wWw", 3), 0, "0x20 case is echoed untouched");
}

Test(dns, case_folding_touches_ascii_capitals_only)
{
	/* long labels: the name is folded 8 bytes at a time, then the rest */
	static const struct {
		const char *q;
		unsigned int counter;
	} cases[] = {
		{ "a-long-label_xyz0123456789.example.org", DP_C_dns_answer },
		{ "A-LONG-LABEL_XYZ0123456789.EXAMPLE.ORG", DP_C_dns_answer },
		{ "a-Long-lAbel_xYz0123456789.exaMple.Org", DP_C_dns_answer },
		/* bytes that are one bit (0x20) from the name's but no capitals */
		{ "a\x0dlong-label_xyz0123456789.example.org", DP_C_dns_nxdomain },
		{ "a-long-label_xyz0\x11" "23456789.example.org", DP_C_dns_nxdomain },
		{ "\xc1-long-label_xyz0123456789.example.org", DP_C_dns_nxdomain },
		{ "a-long-label\x7fxyz0123456789.example.org", DP_C_dns_nxdomain },
		{ "a-long-label_xyz0123456789.examp\xcc" "e.org", DP_C_dns_refused },
	};
	uint8_t m[1500];
	struct dp_dns_result r;

	add_name(1, "a-long-label_xyz0123456789.example.org");
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint16_t qlen = th_dns_query(m, cases[i].q, 1, 0);
		respond(m, qlen, &r);
		cr_assert_eq(r.counter, cases[i].counter, "case %zu: %u", i, r.counter);
		cr_assert_eq(r.svc, cases[i].counter == DP_C_dns_answer ? 1 : DP_SVC_NONE, "case %zu", i);
	}
}

Test(dns, second_name_and_second_service)
{
	uint8_t m[1500];
	struct dp_dns_result r;

	respond(m, th_dns_query(m, "example.org", 1, 0), &r);
	cr_assert_eq(r.counter, DP_C_dns_answer);
	cr_assert_eq(r.svc, 0);
	respond(m, th_dns_query(m, "api.example.org", 1, 0), &r);
	cr_assert_eq(r.counter, DP_C_dns_answer);
	cr_assert_eq(r.svc, 1);
	uint32_t ip;
	memcpy(&ip, m + question_end(m) + 12, 4);
	cr_assert_eq(ip, th_ip("10.77.1.11"));
}

Test(dns, any_query_gets_the_a_record)
{
	uint8_t m[1500];
	struct dp_dns_result r;

	respond(m, th_dns_query(m, "www.example.org", 255, 0), &r);
	cr_assert_eq(r.counter, DP_C_dns_answer);
	cr_assert_eq(AN(m), 1);
}

Test(dns, aaaa_for_a_v4_only_service_is_nodata_with_soa)
{
	uint8_t m[1500];
	struct dp_dns_result r;
	uint16_t qlen = th_dns_query(m, "www.example.org", 28, 0);
	uint16_t n = respond(m, qlen, &r);

	cr_assert_eq(r.counter, DP_C_dns_nodata);
	cr_assert_eq(r.svc, 0, "the service is still named: a later issue summons on it");
	cr_assert_eq(RCODE(m), 0);
	cr_assert_eq(AN(m), 0);
	cr_assert_eq(NS(m), 1, "SOA in authority for negative caching");
	cr_assert(AA(m));
	const uint8_t *s = m + question_end(m);
	cr_assert_eq(th_get16(s + 2), 6, "an SOA record");
	cr_assert_eq(n, qlen + 12 + th_get16(s + 10));
}

Test(dns, aaaa_for_a_service_under_no_zone_is_nodata_without_soa)
{
	uint8_t m[1500];
	struct dp_dns_result r;
	uint16_t qlen = th_dns_query(m, "svc.other.net", 28, 0);

	cr_assert_eq(respond(m, qlen, &r), qlen);
	cr_assert_eq(r.counter, DP_C_dns_nodata);
	cr_assert_eq(RCODE(m), 0);
	cr_assert_eq(AN(m) + NS(m) + AR(m), 0);
}

Test(dns, unknown_name_in_zone_is_nxdomain_with_soa)
{
	uint8_t m[1500];
	struct dp_dns_result r;
	uint16_t qlen = th_dns_query(m, "nope.example.org", 1, 0);
	uint16_t n = respond(m, qlen, &r);

	cr_assert_eq(r.counter, DP_C_dns_nxdomain);
	cr_assert_eq(r.svc, DP_SVC_NONE);
	cr_assert_eq(RCODE(m), 3);
	cr_assert(AA(m));
	cr_assert_eq(AN(m), 0);
	cr_assert_eq(NS(m), 1);
	const uint8_t *s = m + question_end(m);
	/* owner: pointer to "example.org" inside the question (offset 12 + 5) */
	cr_assert_eq(th_get16(s), 0xc000 | (12 + 5));
	cr_assert_eq(th_get16(s + 2), 6);
	cr_assert_eq(th_get16(s + 4), 1);
	uint16_t rdlen = th_get16(s + 10);
	cr_assert_eq(n, qlen + 12 + rdlen);
	const uint8_t *rd = s + 12;
	cr_assert_eq(rd[0], 2, "MNAME is the first name server, ns.ZONE");
	cr_assert_eq(memcmp(rd + 1, "ns", 2), 0);
	cr_assert_eq(th_get16(rd + 3), 0xc000 | (12 + 5));
	rd += 5;
	cr_assert_eq(rd[0], 10);
	cr_assert_eq(memcmp(rd + 1, "hostmaster", 10), 0);
	cr_assert_eq(th_get16(rd + 11), 0xc000 | (12 + 5));
	const uint8_t *nums = rd + 11 + 2;
	cr_assert_eq((uint32_t)(th_get16(nums) << 16 | th_get16(nums + 2)), 7u, "serial");
	cr_assert_eq((uint32_t)(th_get16(nums + 16) << 16 | th_get16(nums + 18)), 30u,
		     "minimum = negative TTL");
}

Test(dns, deeper_unknown_name_and_second_zone)
{
	uint8_t m[1500];
	struct dp_dns_result r;

	respond(m, th_dns_query(m, "a.b.www.example.org", 1, 0), &r);
	cr_assert_eq(r.counter, DP_C_dns_nxdomain);
	respond(m, th_dns_query(m, "x.zone.test", 1, 0), &r);
	cr_assert_eq(r.counter, DP_C_dns_nxdomain);
	cr_assert_eq(th_get16(m + question_end(m)), 0xc000 | (12 + 2));
}

Test(dns, zone_apex_without_service)
{
	uint8_t m[1500];
	struct dp_dns_result r;

	respond(m, th_dns_query(m, "zone.test", 1, 0), &r);
	cr_assert_eq(r.counter, DP_C_dns_nodata, "the apex exists: NOERROR, no data");
	cr_assert_eq(RCODE(m), 0);
	cr_assert_eq(NS(m), 1);
	respond(m, th_dns_query(m, "zone.test", 6, 0), &r);
	cr_assert_eq(r.counter, DP_C_dns_answer, "SOA at the apex is answered");
	cr_assert_eq(AN(m), 1);
	cr_assert_eq(NS(m), 0);
	cr_assert_eq(th_get16(m + question_end(m) + 2), 6);
}

Test(dns, suffix_without_label_boundary_is_not_in_zone)
{
	uint8_t m[1500];
	struct dp_dns_result r;

	respond(m, th_dns_query(m, "badexample.org", 1, 0), &r);
	cr_assert_eq(r.counter, DP_C_dns_refused);
}

Test(dns, other_names_are_refused)
{
	uint8_t m[1500];
	struct dp_dns_result r;
	uint16_t qlen = th_dns_query(m, "www.google.com", 1, 0);

	cr_assert_eq(respond(m, qlen, &r), qlen);
	cr_assert_eq(r.counter, DP_C_dns_refused);
	cr_assert_eq(RCODE(m), 5);
	cr_assert_not(AA(m));
	cr_assert_eq(AN(m) + NS(m) + AR(m), 0);
	cr_assert_eq(QD(m), 1);
}

Test(dns, root_query_is_refused)
{
	uint8_t m[1500];
	struct dp_dns_result r;

	respond(m, th_dns_query(m, "", 2, 0), &r);
	cr_assert_eq(r.counter, DP_C_dns_refused);
}

Test(dns, non_in_class_is_refused)
{
	uint8_t m[1500];
	struct dp_dns_result r;
	uint16_t qlen = th_dns_query(m, "www.example.org", 16, 0);

	th_put16(m + qlen - 2, 3); /* CH */
	respond(m, qlen, &r);
	cr_assert_eq(r.counter, DP_C_dns_refused);
	cr_assert_eq(RCODE(m), 5);
}

Test(dns, edns_query_gets_opt_record)
{
	uint8_t m[1500];
	struct dp_dns_result r;
	uint16_t qlen = th_dns_query(m, "www.example.org", 1, 1);
	uint16_t n = respond(m, qlen, &r);

	cr_assert_eq(r.counter, DP_C_dns_answer);
	cr_assert_eq(AN(m), 1);
	cr_assert_eq(AR(m), 1);
	cr_assert_eq(n, qlen + 16, "query OPT replaced by ours, same size");
	const uint8_t *o = m + question_end(m) + 16;
	cr_assert_eq(o[0], 0);
	cr_assert_eq(th_get16(o + 1), 41);
	cr_assert_eq(th_get16(o + 3), DP_DNS_EDNS_SIZE);
	cr_assert_eq(o[5], 0, "extended rcode");
	cr_assert_eq(o[6], 0, "version");
	cr_assert_eq(th_get16(o + 7), 0x8000, "DO copied");
	cr_assert_eq(th_get16(o + 9), 0);
}

Test(dns, edns_on_nxdomain_keeps_order_soa_then_opt)
{
	uint8_t m[1500];
	struct dp_dns_result r;

	respond(m, th_dns_query(m, "nope.example.org", 1, 1), &r);
	cr_assert_eq(r.counter, DP_C_dns_nxdomain);
	cr_assert_eq(NS(m), 1);
	cr_assert_eq(AR(m), 1);
	const uint8_t *s = m + question_end(m);
	const uint8_t *o = s + 12 + th_get16(s + 10);
	cr_assert_eq(th_get16(o + 1), 41);
}

Test(dns, edns_options_are_accepted)
{
	uint8_t m[1500];
	struct dp_dns_result r;
	uint16_t qlen = th_dns_query(m, "www.example.org", 1, 1);

	/* a COOKIE option of 8 bytes */
	th_put16(m + qlen - 2, 12);
	uint8_t *p = m + qlen;
	p = th_put16(p, 10);
	p = th_put16(p, 8);
	memset(p, 0xab, 8);
	respond(m, (uint16_t)(qlen + 12), &r);
	cr_assert_eq(r.counter, DP_C_dns_answer);
}

Test(dns, edns_option_overrunning_rdata_is_formerr)
{
	uint8_t m[1500];
	struct dp_dns_result r;
	uint16_t qlen = th_dns_query(m, "www.example.org", 1, 1);

	th_put16(m + qlen - 2, 6);
	uint8_t *p = m + qlen;
	p = th_put16(p, 10);
	p = th_put16(p, 8); /* says 8, only 2 follow */
	p[0] = p[1] = 0;
	respond(m, (uint16_t)(qlen + 6), &r);
	cr_assert_eq(r.counter, DP_C_dns_formerr);
}

Test(dns, edns_version_1_is_badvers)
{
	uint8_t m[1500];
	struct dp_dns_result r;
	uint16_t qlen = th_dns_query(m, "www.example.org", 1, 2);

	respond(m, qlen, &r);
	cr_assert_eq(r.counter, DP_C_dns_badvers);
	cr_assert_eq(RCODE(m), 0, "BADVERS lives in the OPT record's upper bits");
	cr_assert_eq(AN(m), 0);
	cr_assert_eq(AR(m), 1);
	const uint8_t *o = m + question_end(m);
	cr_assert_eq(th_get16(o + 1), 41);
	cr_assert_eq(o[5], 1, "16 >> 4");
}

Test(dns, two_opt_records_are_formerr)
{
	uint8_t m[1500];
	struct dp_dns_result r;
	uint16_t qlen = th_dns_query(m, "www.example.org", 1, 1);

	memcpy(m + qlen, m + qlen - 11, 11);
	th_put16(m + 10, 2);
	respond(m, (uint16_t)(qlen + 11), &r);
	cr_assert_eq(r.counter, DP_C_dns_formerr);
}

Test(dns, additional_record_not_opt_is_formerr)
{
	uint8_t m[1500];
	struct dp_dns_result r;
	uint16_t qlen = th_dns_query(m, "www.example.org", 1, 1);

	th_put16(m + qlen - 10, 250); /* TSIG type, on the root name */
	respond(m, qlen, &r);
	cr_assert_eq(r.counter, DP_C_dns_formerr);
}

static void
assert_formerr(uint8_t *m, uint16_t len)
{
	struct dp_dns_result r;
	uint16_t n = respond(m, len, &r);

	cr_assert_eq(r.counter, DP_C_dns_formerr);
	cr_assert_eq(n, 12, "FORMERR is the header alone");
	cr_assert(QR(m));
	cr_assert_eq(RCODE(m), 1);
	cr_assert_eq(th_get16(m), 0x1234);
	cr_assert_eq(QD(m) + AN(m) + NS(m) + AR(m), 0);
	cr_assert_eq(r.svc, DP_SVC_NONE);
}

Test(dns, no_question_is_formerr)
{
	uint8_t m[1500];

	th_dns_query(m, "www.example.org", 1, 0);
	th_put16(m + 4, 0);
	assert_formerr(m, 12);
}

Test(dns, two_questions_are_formerr)
{
	uint8_t m[1500];
	uint16_t qlen = th_dns_query(m, "www.example.org", 1, 0);

	memcpy(m + qlen, m + 12, (size_t)(qlen - 12));
	th_put16(m + 4, 2);
	assert_formerr(m, (uint16_t)(qlen + qlen - 12));
}

Test(dns, answer_or_authority_in_query_is_formerr)
{
	uint8_t m[1500];
	uint16_t qlen = th_dns_query(m, "www.example.org", 1, 0);

	th_put16(m + 6, 1);
	assert_formerr(m, qlen);
	qlen = th_dns_query(m, "www.example.org", 1, 0);
	th_put16(m + 8, 1);
	assert_formerr(m, qlen);
}

Test(dns, compression_pointer_in_question_is_formerr)
{
	uint8_t m[1500];
	uint8_t *p = th_dns_header(m, 0);

	*p++ = 3;
	memcpy(p, "www", 3);
	p += 3;
	p = th_put16(p, 0xc00c); /* points back at itself: never followed */
	p = th_put16(p, 1);
	p = th_put16(p, 1);
	assert_formerr(m, (uint16_t)(p - m));
}

Test(dns, extended_label_types_are_formerr)
{
	uint8_t m[1500];
	uint16_t qlen = th_dns_query(m, "www.example.org", 1, 0);

	m[12] = 0x43; /* 01xxxxxx */
	assert_formerr(m, qlen);
	qlen = th_dns_query(m, "www.example.org", 1, 0);
	m[12] = 0x83; /* 10xxxxxx */
	assert_formerr(m, qlen);
}

Test(dns, label_past_the_end_is_formerr)
{
	uint8_t m[1500];

	th_dns_query(m, "www.example.org", 1, 0);
	m[12] = 60; /* label runs past the message */
	assert_formerr(m, 12 + 1 + 10);
}

Test(dns, name_without_root_is_formerr)
{
	uint8_t m[1500];

	th_dns_query(m, "www", 1, 0);
	assert_formerr(m, 12 + 4); /* cut right after the label */
}

Test(dns, missing_type_and_class_is_formerr)
{
	uint8_t m[1500];
	uint16_t qlen = th_dns_query(m, "www.example.org", 1, 0);

	assert_formerr(m, (uint16_t)(qlen - 1));
}

Test(dns, trailing_garbage_is_formerr)
{
	uint8_t m[1500];
	uint16_t qlen = th_dns_query(m, "www.example.org", 1, 0);

	m[qlen] = 0;
	assert_formerr(m, (uint16_t)(qlen + 1));
}

Test(dns, name_longer_than_255_is_formerr)
{
	uint8_t m[1500];
	char name[400];
	size_t n = 0;

	/* 5 labels of 50 + dots: 255 bytes on the wire plus the root = 256 */
	for (int i = 0; i < 5; i++) {
		if (i)
			name[n++] = '.';
		memset(name + n, 'a' + i, 50);
		n += 50;
	}
	name[n] = '\0';
	assert_formerr(m, th_dns_query(m, name, 1, 0));
}

Test(dns, name_of_exactly_255_is_parsed)
{
	uint8_t m[1500];
	char name[400];
	size_t n = 0;
	struct dp_dns_result r;

	/* 4 x (1 + 62) + (1 + 1) + root: 255 bytes on the wire */
	for (int i = 0; i < 4; i++) {
		memset(name + n, 'a', 62);
		n += 62;
		name[n++] = '.';
	}
	memcpy(name + n, "a", 2);
	respond(m, th_dns_query(m, name, 1, 0), &r);
	cr_assert_eq(r.counter, DP_C_dns_refused);
}

Test(dns, label_longer_than_63_is_formerr)
{
	uint8_t m[1500];
	uint16_t qlen = th_dns_query(m, "www.example.org", 1, 0);

	m[12] = 64; /* also 01xxxxxx: refused either way */
	assert_formerr(m, qlen);
}

Test(dns, short_header_is_dropped)
{
	uint8_t m[1500] = { 0 };
	struct dp_dns_result r;

	for (uint16_t len = 0; len < 12; len++) {
		cr_assert_eq(respond(m, len, &r), 0);
		cr_assert_eq(r.counter, DP_C_drop_dns_short, "length %u", len);
	}
}

Test(dns, responses_are_never_answered)
{
	uint8_t m[1500];
	struct dp_dns_result r;
	uint16_t qlen = th_dns_query(m, "www.example.org", 1, 0);

	m[2] |= 0x80;
	cr_assert_eq(respond(m, qlen, &r), 0);
	cr_assert_eq(r.counter, DP_C_drop_dns_response);
}

Test(dns, non_query_opcodes_are_notimp_with_the_question)
{
	uint8_t m[1500];
	struct dp_dns_result r;

	for (unsigned int op = 1; op < 16; op++) {
		uint16_t qlen = th_dns_query(m, "www.example.org", 1, 1);
		m[2] = (uint8_t)((m[2] & 0x87) | (op << 3));
		uint16_t n = respond(m, qlen, &r);
		cr_assert_eq(r.counter, DP_C_dns_notimp, "opcode %u", op);
		cr_assert_eq(n, question_end(m), "opcode %u: the question echoed", op);
		cr_assert_eq(RCODE(m), 4);
		cr_assert(QR(m));
		cr_assert_eq((m[2] >> 3) & 0xf, op, "the opcode is kept");
		cr_assert_eq(QD(m), 1);
		cr_assert_eq(AN(m) + NS(m) + AR(m), 0);
		cr_assert_eq(r.svc, DP_SVC_NONE, "no summon for an UPDATE or NOTIFY");
	}
}

Test(dns, notimp_without_a_readable_question_is_the_header)
{
	uint8_t m[1500];
	struct dp_dns_result r;
	uint16_t qlen = th_dns_query(m, "www.example.org", 1, 0);

	m[2] = (uint8_t)((m[2] & 0x87) | (5 << 3)); /* UPDATE */
	cr_assert_eq(respond(m, (uint16_t)(qlen - 3), &r), 12, "question cut short");
	cr_assert_eq(r.counter, DP_C_dns_notimp);
	cr_assert_eq(RCODE(m), 4);
	cr_assert_eq(QD(m), 0);
	qlen = th_dns_query(m, "www.example.org", 1, 0);
	m[2] = (uint8_t)((m[2] & 0x87) | (2 << 3));
	m[5] = 2; /* two questions */
	cr_assert_eq(respond(m, qlen, &r), 12);
	cr_assert_eq(r.counter, DP_C_dns_notimp);
	cr_assert_eq(QD(m), 0);
	qlen = th_dns_query(m, "www.example.org", 1, 0);
	m[2] = (uint8_t)((m[2] & 0x87) | (4 << 3)); /* NOTIFY: a record in the answer */
	m[7] = 1;
	cr_assert_eq(respond(m, qlen, &r), 12);
	cr_assert_eq(RCODE(m), 4);
}

Test(dns, no_room_for_the_answer_is_dropped)
{
	uint8_t m[1500];
	struct dp_dns_result r;
	uint16_t qlen = th_dns_query(m, "www.example.org", 1, 0);

	/* the answer does not fit the room: truncated, the client asks over TCP */
	cr_assert_eq(dp_dns_respond(&dc, m, qlen, (uint16_t)(qlen + 15), &r), qlen);
	cr_assert_eq(r.counter, DP_C_dns_truncated);
	cr_assert(TC(m));
	cr_assert_eq(AN(m), 0);
	/* over TCP the answer is whole or not at all */
	qlen = th_dns_query(m, "www.example.org", 1, 0);
	cr_assert_eq(dp_dns_answer(&dc, m, qlen, (uint16_t)(qlen + 15), DP_DNS_TCP, &r), 0);
	cr_assert_eq(r.counter, DP_C_drop_dns_no_room);
	qlen = th_dns_query(m, "www.example.org", 1, 0);
	cr_assert_eq(dp_dns_respond(&dc, m, qlen, (uint16_t)(qlen + 16), &r), qlen + 16);
}

Test(dns, every_truncation_of_a_query_is_handled)
{
	uint8_t base[1500], m[1500];
	struct dp_dns_result r;
	uint16_t qlen = th_dns_query(base, "www.example.org", 1, 1);

	for (uint16_t len = 0; len < qlen; len++) {
		memcpy(m, base, len);
		uint16_t n = respond(m, len, &r);
		if (len < 12) {
			cr_assert_eq(n, 0);
		} else {
			cr_assert_eq(r.counter, DP_C_dns_formerr, "length %u", len);
			cr_assert_eq(n, 12);
		}
	}
}

/* ---- the zone's own records, empty non-terminals, TC ----------------- */

/* Offset past a (possibly compressed) name at @off. */
static unsigned int
skip_name(const uint8_t *m, unsigned int off)
{
	while (m[off] != 0) {
		if ((m[off] & 0xc0) == 0xc0)
			return off + 2;
		off += 1u + m[off];
	}
	return off + 1;
}

/* Expand a name to text (pointers followed) for the assertions. */
static void
name_text(const uint8_t *m, unsigned int off, char *out)
{
	size_t t = 0;

	for (int hops = 0; m[off] != 0 && hops < 20;) {
		if ((m[off] & 0xc0) == 0xc0) {
			off = (unsigned int)(th_get16(m + off) & 0x3fff);
			hops++;
			continue;
		}
		memcpy(out + t, m + off + 1, m[off]);
		t += m[off];
		out[t++] = '.';
		off += 1u + m[off];
	}
	out[t] = '\0';
}

struct rr {
	char owner[300];
	uint16_t type;
	uint32_t ttl;
	uint16_t rdlen;
	unsigned int rdata;
};

/* The @n records after the question. */
static unsigned int
records(const uint8_t *m, struct rr *rr, unsigned int n)
{
	unsigned int off = question_end(m);

	for (unsigned int i = 0; i < n; i++) {
		name_text(m, off, rr[i].owner);
		off = skip_name(m, off);
		rr[i].type = th_get16(m + off);
		rr[i].ttl = (uint32_t)(th_get16(m + off + 4) << 16 | th_get16(m + off + 6));
		rr[i].rdlen = th_get16(m + off + 8);
		rr[i].rdata = off + 10;
		off += 10u + rr[i].rdlen;
	}
	return off;
}

Test(dns, apex_without_service_answers_soa_and_ns)
{
	uint8_t m[1500];
	struct dp_dns_result r;
	struct rr rr[4];
	char t[300];

	uint16_t n = respond(m, th_dns_query(m, "zone.test", 2, 0), &r);
	cr_assert_eq(r.counter, DP_C_dns_answer);
	cr_assert_eq(RCODE(m), 0);
	cr_assert(AA(m));
	cr_assert_eq(AN(m), 1, "NS ns.zone.test in the answer");
	cr_assert_eq(NS(m), 0);
	cr_assert_eq(AR(m), 1, "and its glue");
	cr_assert_eq(records(m, rr, 2), n);
	cr_assert_eq(rr[0].type, 2);
	cr_assert_str_eq(rr[0].owner, "zone.test.");
	name_text(m, rr[0].rdata, t);
	cr_assert_str_eq(t, "ns.zone.test.");
	cr_assert_eq(rr[1].type, 1);
	cr_assert_str_eq(rr[1].owner, "ns.zone.test.");
	cr_assert_eq(rr[1].rdlen, 4);
	cr_assert_eq(memcmp(m + rr[1].rdata, "\x0a\x4d\x00\x01", 4), 0, "the glue is the gateway's");

	n = respond(m, th_dns_query(m, "Zone.Test", 6, 1), &r);
	cr_assert_eq(r.counter, DP_C_dns_answer);
	cr_assert_eq(AN(m), 1);
	cr_assert_eq(NS(m), 0);
	cr_assert_eq(AR(m), 1, "OPT");
	records(m, rr, 1);
	cr_assert_eq(rr[0].type, 6);
	name_text(m, rr[0].rdata, t);
	cr_assert_str_eq(t, "ns.Zone.Test.", "MNAME points into the question, its case");

	respond(m, th_dns_query(m, "zone.test", 255, 0), &r);
	cr_assert_eq(r.counter, DP_C_dns_answer);
	cr_assert_eq(AN(m), 2, "ANY at an apex without service: SOA and NS");
	cr_assert_eq(AR(m), 0, "no glue for ANY");
	records(m, rr, 2);
	cr_assert_eq(rr[0].type, 6);
	cr_assert_eq(rr[1].type, 2);
}

Test(dns, apex_that_is_a_service_has_a_soa_and_ns)
{
	uint8_t m[1500];
	struct dp_dns_result r;
	struct rr rr[4];

	respond(m, th_dns_query(m, "example.org", 1, 0), &r);
	cr_assert_eq(r.counter, DP_C_dns_answer);
	cr_assert_eq(r.svc, 0);
	cr_assert_eq(AN(m), 1);
	respond(m, th_dns_query(m, "example.org", 6, 0), &r);
	cr_assert_eq(r.counter, DP_C_dns_answer, "RFC 1034 4.3.2: SOA in the answer");
	cr_assert_eq(AN(m), 1);
	cr_assert_eq(NS(m), 0);
	records(m, rr, 1);
	cr_assert_eq(rr[0].type, 6);
	respond(m, th_dns_query(m, "example.org", 2, 0), &r);
	cr_assert_eq(r.counter, DP_C_dns_answer);
	cr_assert_eq(AN(m), 1);
	records(m, rr, 1);
	cr_assert_eq(rr[0].type, 2);
	respond(m, th_dns_query(m, "example.org", 255, 0), &r);
	cr_assert_eq(AN(m), 3, "ANY: A, SOA, NS");
	records(m, rr, 3);
	cr_assert_eq(rr[0].type, 1);
	cr_assert_eq(rr[1].type, 6);
	cr_assert_eq(rr[2].type, 2);
	respond(m, th_dns_query(m, "example.org", 28, 0), &r);
	cr_assert_eq(r.counter, DP_C_dns_nodata, "AAAA: NODATA");
	cr_assert_eq(AN(m), 0);
	cr_assert_eq(NS(m), 1);
	cr_assert_eq(r.svc, 0, "still asks for the service");
}

Test(dns, name_server_names_resolve_to_the_gateway)
{
	uint8_t m[1500];
	struct dp_dns_result r;
	struct rr rr[2];

	respond(m, th_dns_query(m, "ns.zone.test", 1, 0), &r);
	cr_assert_eq(r.counter, DP_C_dns_answer);
	cr_assert_eq(r.svc, DP_SVC_NONE, "no service summoned");
	records(m, rr, 1);
	cr_assert_eq(rr[0].type, 1);
	cr_assert_eq(memcmp(m + rr[0].rdata, "\x0a\x4d\x00\x01", 4), 0);
	respond(m, th_dns_query(m, "ns.zone.test", 28, 0), &r);
	cr_assert_eq(r.counter, DP_C_dns_nodata);
	cr_assert_eq(NS(m), 1);
}

Test(dns, empty_non_terminals_are_nodata)
{
	uint8_t m[1500];
	struct dp_dns_result r;
	struct rr rr[1];

	respond(m, th_dns_query(m, "b.c.zone.test", 1, 0), &r);
	cr_assert_eq(r.counter, DP_C_dns_nodata);
	cr_assert_eq(RCODE(m), 0, "NOERROR: a.b.c.zone.test exists below");
	cr_assert_eq(AN(m), 0);
	cr_assert_eq(NS(m), 1);
	records(m, rr, 1);
	cr_assert_eq(rr[0].type, 6);
	cr_assert_str_eq(rr[0].owner, "zone.test.");
	respond(m, th_dns_query(m, "C.zone.test", 1, 0), &r);
	cr_assert_eq(r.counter, DP_C_dns_nodata);
	respond(m, th_dns_query(m, "x.c.zone.test", 1, 0), &r);
	cr_assert_eq(r.counter, DP_C_dns_nxdomain, "a sibling does not exist");
	respond(m, th_dns_query(m, "a.b.c.zone.test", 1, 0), &r);
	cr_assert_eq(r.counter, DP_C_dns_answer);
	cr_assert_eq(r.svc, 1);
	respond(m, th_dns_query(m, "other.net", 1, 0), &r);
	cr_assert_eq(r.counter, DP_C_dns_refused, "no ENT above a name under no zone");
}

/* A table whose one zone has long name servers: its NS answer passes 512. */
static struct dp_svctab *
long_ns_table(void)
{
	struct dp_svctab_params p = { .max_services = 1, .max_names = 1, .max_zones = 1 };
	struct dp_svctab *t = dp_svctab_create(&p);
	uint8_t z[DP_DNS_NAME_MAX], ns[DP_ZONE_NS_MAX][DP_DNS_NAME_MAX];
	char text[300];
	struct dp_zone_conf zc = { .refresh = 1, .retry = 1, .expire = 1, .glue = th_ip("10.77.0.1") };

	cr_assert_not_null(t);
	int zl = dp_dns_name_from_text("big.test", z, sizeof(z));
	for (unsigned int i = 0; i < DP_ZONE_NS_MAX; i++) {
		snprintf(text, sizeof(text), "%c%s.%s.%s.example.net", 'a' + i,
			 "123456789012345678901234567890123456789012345678901234567890",
			 "123456789012345678901234567890123456789012345678901234567890",
			 "12345678901234567890");
		zc.ns_len[i] = (uint8_t)dp_dns_name_from_text(text, ns[i], sizeof(ns[i]));
		zc.ns[i] = ns[i];
	}
	zc.n_ns = DP_ZONE_NS_MAX;
	cr_assert_eq(dp_svctab_add_zone_conf(t, z, (size_t)zl, &zc), 0);
	cr_assert_eq(dp_svctab_finish(t), 0);
	return t;
}

Test(dns, udp_answer_larger_than_the_payload_size_is_truncated)
{
	uint8_t m[1500];
	struct dp_dns_result r;
	struct dp_svctab *t = long_ns_table();
	struct dp_dns_conf c = { .tab = t, .ttl = 30, .soa_serial = 1 };

	uint16_t qlen = th_dns_query(m, "big.test", 2, 0);
	uint16_t n = dp_dns_answer(&c, m, qlen, 1500, 0, &r);
	cr_assert_eq(r.counter, DP_C_dns_truncated, "4 NS of 140 bytes: more than 512");
	cr_assert(TC(m));
	cr_assert_eq(n, qlen);
	cr_assert_eq(AN(m) + NS(m) + AR(m), 0);

	qlen = th_dns_query(m, "big.test", 2, 1); /* EDNS, 4096: clamped to 1232 */
	n = dp_dns_answer(&c, m, qlen, 1500, 0, &r);
	cr_assert_eq(r.counter, DP_C_dns_answer, "fits 1232");
	cr_assert(!TC(m));
	cr_assert_eq(AN(m), 4);
	cr_assert_eq(AR(m), 1, "out-of-zone name servers have no glue: OPT only");
	cr_assert_gt(n, 512);

	qlen = th_dns_query(m, "big.test", 2, 1);
	th_put16(m + qlen - 11 + 3, 600); /* the client's payload size */
	n = dp_dns_answer(&c, m, qlen, 1500, 0, &r);
	cr_assert_eq(r.counter, DP_C_dns_truncated);
	cr_assert(TC(m));
	cr_assert_eq(AR(m), 1, "the OPT record stays");
	cr_assert_eq(n, qlen);

	qlen = th_dns_query(m, "big.test", 2, 0);
	n = dp_dns_answer(&c, m, qlen, 1500, DP_DNS_TCP, &r);
	cr_assert_eq(r.counter, DP_C_dns_answer, "over TCP the answer is whole");
	cr_assert(!TC(m));
	cr_assert_eq(AN(m), 4);
	dp_svctab_free(t);
}

Test(dns, small_answers_are_never_truncated)
{
	uint8_t m[1500];
	struct dp_dns_result r;
	const char *names[] = { "www.example.org", "example.org", "nope.example.org", "zone.test" };

	for (unsigned int i = 0; i < 4; i++)
		for (uint16_t qt = 1; qt < 256; qt += 5) {
			respond(m, th_dns_query(m, names[i], qt, 0), &r);
			cr_assert(!TC(m), "%s type %u", names[i], qt);
		}
}

Test(dns, truncate_flag_is_the_rrl_slip)
{
	uint8_t m[1500];
	struct dp_dns_result r;
	uint16_t qlen = th_dns_query(m, "www.example.org", 1, 1);

	cr_assert_eq(dp_dns_answer(&dc, m, qlen, 1500, DP_DNS_TRUNCATE, &r), qlen);
	cr_assert(TC(m));
	cr_assert_eq(AN(m), 0);
	cr_assert_eq(AR(m), 1);
	cr_assert_eq(r.counter, DP_C_dns_answer, "the caller counts the slip");
}

Test(dns, tcp_keepalive_is_answered_over_tcp_only)
{
	uint8_t m[1500];
	struct dp_dns_result r;
	struct rr rr[2];
	uint16_t qlen = th_dns_query(m, "www.example.org", 1, 1);

	/* the query's OPT gets an empty edns-tcp-keepalive option */
	th_put16(m + qlen - 2, 4);
	th_put16(m + qlen, 11);
	th_put16(m + qlen + 2, 0);
	qlen += 4;
	uint8_t q[1500];
	memcpy(q, m, qlen);
	uint16_t n = dp_dns_answer(&dc, m, qlen, 1500, DP_DNS_TCP, &r);
	cr_assert_eq(r.counter, DP_C_dns_answer);
	cr_assert_eq(records(m, rr, 2), n);
	cr_assert_eq(rr[1].type, 41);
	cr_assert_eq(rr[1].rdlen, 6);
	cr_assert_eq(th_get16(m + rr[1].rdata), 11);
	cr_assert_eq(th_get16(m + rr[1].rdata + 2), 2);
	cr_assert_eq(th_get16(m + rr[1].rdata + 4), 100, "dns_tcp_idle / 100 ms");
	memcpy(m, q, qlen);
	n = dp_dns_answer(&dc, m, qlen, 1500, 0, &r);
	records(m, rr, 2);
	cr_assert_eq(rr[1].rdlen, 0, "RFC 7828: never over UDP");
}

Test(dns, forward_flag_leaves_foreign_names_alone)
{
	uint8_t m[1500], q[1500];
	struct dp_dns_result r;
	uint16_t qlen = th_dns_query(m, "www.elsewhere.net", 1, 0);

	memcpy(q, m, qlen);
	cr_assert_eq(dp_dns_answer(&dc, m, qlen, 1500, DP_DNS_FORWARD, &r), 0);
	cr_assert_eq(r.counter, DP_C_dns_forwarded);
	cr_assert_eq(memcmp(m, q, qlen), 0, "untouched");
	qlen = th_dns_query(m, "nope.example.org", 1, 0);
	cr_assert_gt(dp_dns_answer(&dc, m, qlen, 1500, DP_DNS_FORWARD, &r), 0);
	cr_assert_eq(r.counter, DP_C_dns_nxdomain, "ours are answered");
}

Test(dns, name_from_text)
{
	uint8_t w[DP_DNS_NAME_MAX];
	char t[300];

	cr_assert_eq(dp_dns_name_from_text("WWW.Example.org.", w, sizeof(w)), 17);
	cr_assert_eq(memcmp(w, "\3www\7example\3org", 17), 0);
	cr_assert_eq(dp_dns_name_from_text(".", w, sizeof(w)), 1);
	cr_assert_eq(dp_dns_name_from_text("a..b", w, sizeof(w)), -EINVAL);
	cr_assert_eq(dp_dns_name_from_text("", w, sizeof(w)), -EINVAL);
	cr_assert_eq(dp_dns_name_from_text(".a", w, sizeof(w)), -EINVAL);
	cr_assert_eq(dp_dns_name_from_text("a b", w, sizeof(w)), -EINVAL);
	cr_assert_eq(dp_dns_name_from_text("www.example.org", w, 10), -EINVAL, "cap respected");
	memset(t, 'a', 64);
	t[64] = '\0';
	cr_assert_eq(dp_dns_name_from_text(t, w, sizeof(w)), -EINVAL, "label of 64");
	t[63] = '\0';
	cr_assert_eq(dp_dns_name_from_text(t, w, sizeof(w)), 65);
	/* 253 characters is the longest name; 254 is too long */
	for (int i = 0; i < 253; i++)
		t[i] = (i % 2) ? '.' : 'x';
	t[253] = '\0';
	cr_assert_eq(dp_dns_name_from_text(t, w, sizeof(w)), 255);
	t[253] = 'x';
	t[254] = '\0';
	cr_assert_eq(dp_dns_name_from_text(t, w, sizeof(w)), -EINVAL);

	int l = dp_dns_name_from_text("www.example.org", w, sizeof(w));
	cr_assert_eq(dp_dns_name_to_text(w, (size_t)l, t, sizeof(t)), 0);
	cr_assert_str_eq(t, "www.example.org");
	cr_assert_eq(dp_dns_name_to_text(w, (size_t)l - 1, t, sizeof(t)), -EINVAL, "no root");
	cr_assert_eq(dp_dns_name_to_text(w, (size_t)l, t, 5), -EINVAL, "no room");
}
