/* SPDX-License-Identifier: BSD-3-Clause */
/* dataplane/svctab.c: the fast path's service lookups. */
#include <criterion/criterion.h>
#include <errno.h>

#include "../../dataplane/dns.h"
#include "../../dataplane/svctab.h"
#include "helpers.h"

static int
wire(const char *text, uint8_t *w)
{
	int l = dp_dns_name_from_text(text, w, DP_DNS_NAME_MAX);

	cr_assert_gt(l, 0, "%s", text);
	return l;
}

Test(svctab, many_services_all_found)
{
	enum { N = 5000 };
	struct dp_svctab_params p = { .max_services = N, .max_names = 2 * N, .max_zones = 1 };
	struct dp_svctab *t = dp_svctab_create(&p);
	uint8_t w[DP_DNS_NAME_MAX];
	char name[64];

	cr_assert_not_null(t);
	for (uint32_t i = 0; i < N; i++) {
		/* consecutive addresses: the worst case for a weak hash */
		cr_assert_eq(dp_svctab_add_service(t, i, htonl(0x0a4d0000u + i)), 0);
		snprintf(name, sizeof(name), "s%u.example.org", i);
		cr_assert_eq(dp_svctab_add_name(t, i, w, (size_t)wire(name, w)), 0);
		snprintf(name, sizeof(name), "alias-%u.example.net", i);
		cr_assert_eq(dp_svctab_add_name(t, i, w, (size_t)wire(name, w)), 0);
	}
	cr_assert_eq(dp_svctab_count(t), N);
	for (uint32_t i = 0; i < N; i++) {
		cr_assert_eq(dp_svctab_by_ip(t, htonl(0x0a4d0000u + i)), (int)i);
		cr_assert_eq(dp_svctab_addr(t, i), htonl(0x0a4d0000u + i));
		snprintf(name, sizeof(name), "S%u.Example.ORG", i);
		cr_assert_eq(dp_svctab_by_name(t, w, (size_t)wire(name, w)), (int)i);
		snprintf(name, sizeof(name), "alias-%u.example.net", i);
		cr_assert_eq(dp_svctab_by_name(t, w, (size_t)wire(name, w)), (int)i);
	}
	cr_assert_eq(dp_svctab_by_ip(t, htonl(0x0a4e0000u)), DP_SVC_NONE);
	cr_assert_eq(dp_svctab_by_name(t, w, (size_t)wire("s5000.example.org", w)), DP_SVC_NONE);
	cr_assert_eq(dp_svctab_by_name(t, w, (size_t)wire("s1.example", w)), DP_SVC_NONE);
	dp_svctab_free(t);
}

Test(svctab, duplicates_and_capacity)
{
	struct dp_svctab_params p = { .max_services = 2, .max_names = 2, .max_zones = 1 };
	struct dp_svctab *t = dp_svctab_create(&p);
	uint8_t w[DP_DNS_NAME_MAX];

	cr_assert_eq(dp_svctab_add_service(t, 0, th_ip("10.0.0.1")), 0);
	cr_assert_eq(dp_svctab_add_service(t, 1, th_ip("10.0.0.1")), -EEXIST);
	cr_assert_eq(dp_svctab_add_service(t, 0, th_ip("10.0.0.2")), -EEXIST);
	cr_assert_eq(dp_svctab_add_service(t, 5, th_ip("10.0.0.2")), -ENOSPC, "past the capacity");
	cr_assert_eq(dp_svctab_add_service(t, 1, 0), -EINVAL, "no address");
	cr_assert_eq(dp_svctab_add_service(t, 1, th_ip("10.0.0.2")), 0);
	cr_assert_eq(dp_svctab_add_service(t, 2, th_ip("10.0.0.3")), -ENOSPC);
	cr_assert_eq(dp_svctab_capacity(t), 2);
	cr_assert_eq(dp_svctab_add_name(t, 0, w, (size_t)wire("a.b", w)), 0);
	cr_assert_eq(dp_svctab_add_name(t, 1, w, (size_t)wire("A.B.", w)), -EEXIST);
	cr_assert_eq(dp_svctab_add_name(t, 7, w, (size_t)wire("c.d", w)), -EINVAL, "no service 7");
	cr_assert_eq(dp_svctab_add_name(t, 1, w, (size_t)wire("c.d", w)), 0);
	cr_assert_eq(dp_svctab_add_name(t, 1, w, (size_t)wire("e.f", w)), -ENOSPC);
	cr_assert_eq(dp_svctab_add_name(t, 1, w, 1), -EINVAL, "the root is no name");
	uint8_t bad[4] = { 5, 'a', 'b', 0 };
	cr_assert_eq(dp_svctab_add_name(t, 1, bad, 4), -EINVAL, "label past the end");
	cr_assert_eq(dp_svctab_add_zone(t, w, (size_t)wire("b", w)), 0);
	cr_assert_eq(dp_svctab_add_zone(t, w, (size_t)wire("b", w)), -EEXIST);
	cr_assert_eq(dp_svctab_add_zone(t, w, (size_t)wire("c", w)), -ENOSPC);
	dp_svctab_free(t);
	dp_svctab_free(NULL);
}

static int
zone_of(const struct dp_svctab *t, const char *name)
{
	uint8_t w[DP_DNS_NAME_MAX], labels[128];
	int l = wire(name, w);
	unsigned int n = 0;

	for (int off = 0; w[off] != 0; off += 1 + w[off])
		labels[n++] = (uint8_t)off;
	return dp_svctab_zone_of(t, w, (size_t)l, labels, n);
}

Test(svctab, zones_longest_match_on_label_boundaries)
{
	struct dp_svctab_params p = { .max_services = 1, .max_names = 1, .max_zones = 4 };
	struct dp_svctab *t = dp_svctab_create(&p);
	uint8_t w[DP_DNS_NAME_MAX];

	cr_assert_eq(dp_svctab_add_zone(t, w, (size_t)wire("example.org", w)), 0);
	cr_assert_eq(dp_svctab_add_zone(t, w, (size_t)wire("sub.example.org", w)), 0);
	cr_assert_eq(zone_of(t, "example.org"), 0);
	cr_assert_eq(zone_of(t, "www.example.org"), 4);
	cr_assert_eq(zone_of(t, "a.sub.example.org"), 2, "the longer zone wins");
	cr_assert_eq(zone_of(t, "xsub.example.org"), 5);
	cr_assert_eq(zone_of(t, "badexample.org"), -1);
	cr_assert_eq(zone_of(t, "org"), -1);
	dp_svctab_free(t);
}

Test(svctab, ids_may_have_holes)
{
	struct dp_svctab_params p = { .max_services = 8, .max_names = 2, .max_zones = 0 };
	struct dp_svctab *t = dp_svctab_create(&p);
	uint8_t w[DP_DNS_NAME_MAX];

	cr_assert_eq(dp_svctab_add_service(t, 5, th_ip("10.0.0.5")), 0);
	cr_assert_eq(dp_svctab_add_service(t, 2, th_ip("10.0.0.2")), 0);
	cr_assert_eq(dp_svctab_add_name(t, 5, w, (size_t)wire("five.test", w)), 0);
	cr_assert_eq(dp_svctab_add_name(t, 3, w, (size_t)wire("three.test", w)), -EINVAL,
		     "no service 3");
	cr_assert_eq(dp_svctab_by_ip(t, th_ip("10.0.0.5")), 5);
	cr_assert_eq(dp_svctab_by_name(t, w, (size_t)wire("five.test", w)), 5);
	cr_assert_eq(dp_svctab_count(t), 2);
	dp_svctab_free(t);
}

Test(svctab, absurd_sizes_are_refused)
{
	struct dp_svctab_params p = { .max_services = 1u << 30, .max_names = 1, .max_zones = 1 };

	cr_assert_null(dp_svctab_create(&p));
	cr_assert_eq(errno, EINVAL);
}

Test(svctab, finish_derives_apexes_hosts_and_empty_non_terminals)
{
	struct dp_svctab_params p = { .max_services = 2, .max_names = 3, .max_zones = 2 };
	struct dp_svctab *t = dp_svctab_create(&p);
	uint8_t w[DP_DNS_NAME_MAX];
	const struct dp_svctab_entry *e;

	cr_assert_not_null(t);
	cr_assert_eq(dp_svctab_add_service(t, 0, th_ip("10.0.0.1")), 0);
	cr_assert_eq(dp_svctab_add_service(t, 1, th_ip("10.0.0.2")), 0);
	cr_assert_eq(dp_svctab_add_name(t, 0, w, (size_t)wire("a.b.c.example.org", w)), 0);
	cr_assert_eq(dp_svctab_add_name(t, 1, w, (size_t)wire("x.sub.example.org", w)), 0);
	cr_assert_eq(dp_svctab_add_name(t, 1, w, (size_t)wire("sub.example.org", w)), 0);
	struct dp_zone_conf zc = { .refresh = 1, .retry = 1, .expire = 1, .glue = th_ip("10.0.0.9") };
	cr_assert_eq(dp_svctab_add_zone_conf(t, w, (size_t)wire("example.org", w), &zc), 0);
	cr_assert_eq(dp_svctab_add_zone(t, w, (size_t)wire("sub.example.org", w)), 0);
	cr_assert_eq(dp_svctab_finish(t), 0, "from no room at all: the table grows");

	e = dp_svctab_lookup(t, w, (size_t)wire("b.c.example.org", w));
	cr_assert_not_null(e);
	cr_assert_eq(e->kind, DP_NAME_ENT);
	cr_assert_eq(e->svc, DP_SVC_NONE);
	cr_assert_eq(e->zone, 0);
	e = dp_svctab_lookup(t, w, (size_t)wire("c.example.org", w));
	cr_assert_not_null(e);
	cr_assert_eq(e->kind, DP_NAME_ENT);
	e = dp_svctab_lookup(t, w, (size_t)wire("example.org", w));
	cr_assert_not_null(e);
	cr_assert(e->apex);
	cr_assert_eq(e->zone, 0);
	e = dp_svctab_lookup(t, w, (size_t)wire("sub.example.org", w));
	cr_assert_not_null(e);
	cr_assert(e->apex, "a service's name that is a zone's apex");
	cr_assert_eq(e->svc, 1);
	cr_assert_eq(e->zone, 1);
	e = dp_svctab_lookup(t, w, (size_t)wire("x.sub.example.org", w));
	cr_assert_eq(e->zone, 1, "the longest zone");
	e = dp_svctab_lookup(t, w, (size_t)wire("ns.example.org", w));
	cr_assert_not_null(e);
	cr_assert_eq(e->kind, DP_NAME_HOST);
	cr_assert_null(dp_svctab_lookup(t, w, (size_t)wire("ns.sub.example.org", w)),
		       "no glue address for the second zone: no host");
	cr_assert_null(dp_svctab_lookup(t, w, (size_t)wire("org", w)), "nothing above a zone");
	cr_assert_eq(dp_svctab_by_name(t, w, (size_t)wire("b.c.example.org", w)), DP_SVC_NONE);
	const struct dp_zone_rec *z = dp_svctab_zone(t, 0);
	cr_assert_eq(z->n_ns, 1);
	cr_assert_eq(z->ns_len[0], 3);
	cr_assert_eq(memcmp(z->ns[0], "\002ns", 3), 0);
	cr_assert_null(dp_svctab_zone(t, 2));
	dp_svctab_free(t);
}

Test(svctab, many_deep_names_grow_the_derived_room)
{
	enum { N = 3000 };
	struct dp_svctab_params p = { .max_services = N, .max_names = N, .max_zones = 1 };
	struct dp_svctab *t = dp_svctab_create(&p);
	uint8_t w[DP_DNS_NAME_MAX];
	char name[64];

	cr_assert_eq(dp_svctab_add_zone(t, w, (size_t)wire("example.org", w)), 0);
	for (uint32_t i = 0; i < N; i++) {
		cr_assert_eq(dp_svctab_add_service(t, i, htonl(0x0a000001u + i)), 0);
		snprintf(name, sizeof(name), "s.e%u.example.org", i);
		cr_assert_eq(dp_svctab_add_name(t, i, w, (size_t)wire(name, w)), 0);
	}
	cr_assert_eq(dp_svctab_finish(t), 0);
	for (uint32_t i = 0; i < N; i++) {
		snprintf(name, sizeof(name), "e%u.example.org", i);
		const struct dp_svctab_entry *e = dp_svctab_lookup(t, w, (size_t)wire(name, w));
		cr_assert_not_null(e, "%s", name);
		cr_assert_eq(e->kind, DP_NAME_ENT);
		snprintf(name, sizeof(name), "s.e%u.example.org", i);
		cr_assert_eq(dp_svctab_by_name(t, w, (size_t)wire(name, w)), (int)i);
	}
	dp_svctab_free(t);
}
