/* SPDX-License-Identifier: BSD-3-Clause */
/* synjitsu/budget.c: each limit refuses past its budget, gives back one
 * token per period, counts no refused summon against the others, and a
 * proven summon passes the global limit only. The clock is 1 tick = 1 us. */
#include <criterion/criterion.h>

#include "../../synjitsu/budget.h"
#include "helpers.h"

#define HZ 1000000ull
#define MS 1000ull
#define S (1000 * MS)

static struct syn_budget *
mk(uint32_t slots)
{
	struct syn_budget *b = syn_budget_create(4, slots, HZ, 0x5eed);

	cr_assert_not_null(b);
	return b;
}

Test(budget, create_refuses_zero_sizes)
{
	cr_assert_null(syn_budget_create(0, 16, HZ, 1));
	cr_assert_null(syn_budget_create(4, 0, HZ, 1));
	cr_assert_null(syn_budget_create(4, 16, 0, 1));
}

Test(budget, no_state_or_no_limits_grant_everything)
{
	struct syn_budget_conf none = { 0 };
	struct syn_budget *b = mk(16);

	cr_assert_eq(syn_budget_take(NULL, &none, 0, th_ip("10.0.0.1"), 0, 0), SYN_BUDGET_OK);
	for (int i = 0; i < 1000; i++)
		cr_assert_eq(syn_budget_take(b, &none, 0, th_ip("10.0.0.1"), 0, 5), SYN_BUDGET_OK);
	syn_budget_free(b);
}

Test(budget, per_prefix_bucket)
{
	/* one a second per /24, three at once */
	struct syn_budget_conf c = { .prefix_len = 24, .prefix_rate = 60, .prefix_burst = 3 };
	struct syn_budget *b = mk(64);
	uint64_t t = 100 * S;

	for (int i = 0; i < 3; i++)
		cr_assert_eq(syn_budget_take(b, &c, 0, th_ip("10.0.0.1"), 0, t), SYN_BUDGET_OK);
	cr_assert_eq(syn_budget_take(b, &c, 1, th_ip("10.0.0.1"), 0, t), SYN_BUDGET_PREFIX);
	cr_assert_eq(syn_budget_take(b, &c, 1, th_ip("10.0.0.200"), 1, t), SYN_BUDGET_PREFIX,
		     "the same /24, proof or not");
	cr_assert_eq(syn_budget_take(b, &c, 1, th_ip("10.0.1.1"), 0, t), SYN_BUDGET_OK);
	/* a token a second comes back */
	cr_assert_eq(syn_budget_take(b, &c, 0, th_ip("10.0.0.9"), 0, t + 999 * MS),
		     SYN_BUDGET_PREFIX);
	cr_assert_eq(syn_budget_take(b, &c, 0, th_ip("10.0.0.9"), 0, t + S), SYN_BUDGET_OK);
	cr_assert_eq(syn_budget_take(b, &c, 0, th_ip("10.0.0.9"), 0, t + S), SYN_BUDGET_PREFIX);
	/* idle long enough, the burst is back whole */
	for (int i = 0; i < 3; i++)
		cr_assert_eq(syn_budget_take(b, &c, 0, th_ip("10.0.0.1"), 0, t + 60 * S),
			     SYN_BUDGET_OK);
	cr_assert_eq(syn_budget_take(b, &c, 0, th_ip("10.0.0.1"), 0, t + 60 * S),
		     SYN_BUDGET_PREFIX);

	/* /32: each address its own */
	struct syn_budget_conf h = { .prefix_len = 32, .prefix_rate = 1, .prefix_burst = 1 };
	cr_assert_eq(syn_budget_take(b, &h, 0, th_ip("10.9.0.1"), 0, t), SYN_BUDGET_OK);
	cr_assert_eq(syn_budget_take(b, &h, 0, th_ip("10.9.0.2"), 0, t), SYN_BUDGET_OK);
	cr_assert_eq(syn_budget_take(b, &h, 0, th_ip("10.9.0.1"), 0, t), SYN_BUDGET_PREFIX);
	syn_budget_free(b);
}

Test(budget, global_rate_and_proof)
{
	/* ten a second, two at once */
	struct syn_budget_conf c = { .global_rate = 10, .global_burst = 2 };
	struct syn_budget *b = mk(16);
	uint64_t t = 7 * S;

	cr_assert_eq(syn_budget_take(b, &c, 0, th_ip("10.0.0.1"), 0, t), SYN_BUDGET_OK);
	cr_assert_eq(syn_budget_take(b, &c, 1, th_ip("10.0.1.1"), 0, t), SYN_BUDGET_OK);
	cr_assert_eq(syn_budget_take(b, &c, 2, th_ip("10.0.2.1"), 0, t), SYN_BUDGET_GLOBAL);
	cr_assert_eq(syn_budget_take(b, &c, 2, th_ip("10.0.2.1"), 1, t), SYN_BUDGET_OK,
		     "a proven summon is not held by the global rate");
	cr_assert_eq(syn_budget_take(b, &c, 2, th_ip("10.0.2.1"), 0, t + 99 * MS),
		     SYN_BUDGET_GLOBAL);
	cr_assert_eq(syn_budget_take(b, &c, 2, th_ip("10.0.2.1"), 0, t + 100 * MS), SYN_BUDGET_OK);
	cr_assert_eq(syn_budget_take(b, &c, 2, th_ip("10.0.2.1"), 0, t + 100 * MS),
		     SYN_BUDGET_GLOBAL);
	syn_budget_free(b);
}

Test(budget, per_service_cap_per_interval)
{
	struct syn_budget_conf c = { .svc_cap = 2, .svc_interval = 60 };
	struct syn_budget *b = mk(16);
	uint64_t t = 120 * S; /* the start of a window */

	cr_assert_eq(syn_budget_take(b, &c, 0, th_ip("10.0.0.1"), 1, t), SYN_BUDGET_OK);
	cr_assert_eq(syn_budget_take(b, &c, 0, th_ip("10.0.0.2"), 1, t + S), SYN_BUDGET_OK);
	cr_assert_eq(syn_budget_take(b, &c, 0, th_ip("10.0.0.3"), 1, t + 2 * S),
		     SYN_BUDGET_SERVICE, "proof or not");
	cr_assert_eq(syn_budget_take(b, &c, 1, th_ip("10.0.0.3"), 0, t + 2 * S), SYN_BUDGET_OK);
	cr_assert_eq(syn_budget_take(b, &c, 0, th_ip("10.0.0.3"), 0, t + 60 * S - 1),
		     SYN_BUDGET_SERVICE);
	cr_assert_eq(syn_budget_take(b, &c, 0, th_ip("10.0.0.3"), 0, t + 60 * S), SYN_BUDGET_OK);
	/* an id past the table has no cap of its own */
	cr_assert_eq(syn_budget_take(b, &c, 99, th_ip("10.0.0.3"), 0, t), SYN_BUDGET_OK);
	syn_budget_free(b);
}

Test(budget, a_refusal_takes_no_token_from_the_other_limits)
{
	struct syn_budget_conf c = { .prefix_len = 24, .prefix_rate = 60, .prefix_burst = 1,
				     .global_rate = 1, .global_burst = 1,
				     .svc_cap = 1, .svc_interval = 3600 };
	struct syn_budget *b = mk(16);
	uint64_t t = 3600 * S;

	cr_assert_eq(syn_budget_take(b, &c, 0, th_ip("10.0.0.1"), 0, t), SYN_BUDGET_OK);
	/* service 0 is capped: neither the global token nor 10.0.1/24's goes */
	cr_assert_eq(syn_budget_take(b, &c, 0, th_ip("10.0.1.1"), 0, t + 2 * S),
		     SYN_BUDGET_SERVICE);
	cr_assert_eq(syn_budget_take(b, &c, 1, th_ip("10.0.1.1"), 0, t + 2 * S), SYN_BUDGET_OK);
	/* global is spent: 10.0.2/24's token stays */
	cr_assert_eq(syn_budget_take(b, &c, 2, th_ip("10.0.2.1"), 0, t + 2 * S),
		     SYN_BUDGET_GLOBAL);
	cr_assert_eq(syn_budget_take(b, &c, 2, th_ip("10.0.2.1"), 1, t + 2 * S), SYN_BUDGET_OK);
	syn_budget_free(b);
}

Test(budget, a_full_set_gives_its_emptiest_bucket_away_counted)
{
	struct syn_budget_conf c = { .prefix_len = 24, .prefix_rate = 1, .prefix_burst = 1 };
	struct syn_budget *b = mk(4); /* one set of four */
	uint64_t t = 10 * S;
	char ip[32];

	for (int i = 0; i < 4; i++) {
		snprintf(ip, sizeof(ip), "10.0.%d.1", i);
		cr_assert_eq(syn_budget_take(b, &c, 0, th_ip(ip), 0, t + (uint64_t)i * S),
			     SYN_BUDGET_OK);
	}
	cr_assert_eq(syn_budget_evictions(b), 0);
	cr_assert_eq(syn_budget_take(b, &c, 0, th_ip("10.0.9.1"), 0, t + 4 * S), SYN_BUDGET_OK);
	cr_assert_eq(syn_budget_evictions(b), 1);
	/* the oldest (10.0.0/24) went: it starts afresh, the others hold */
	cr_assert_eq(syn_budget_take(b, &c, 0, th_ip("10.0.3.1"), 0, t + 5 * S), SYN_BUDGET_PREFIX);
	syn_budget_free(b);
}

/* 512 /24s that differ in their third octet, or /16s in their second, at the
 * gateway's size of table (16384 buckets): each keeps a bucket of its own (a
 * bare multiplication of the prefix put every /24 in 16 of the 4096 sets,
 * every /16 in one, so the 65th prefix evicted a live bucket and a prefix
 * that came back started afresh), whatever the secret. */
Test(budget, prefixes_spread_over_the_whole_table)
{
	static const uint8_t lens[2] = { 24, 16 };
	char ip[32];

	for (unsigned int l = 0; l < 2; l++) {
		for (uint32_t seed = 1; seed <= 4; seed++) {
			struct syn_budget_conf c = { .prefix_len = lens[l], .prefix_rate = 1,
						     .prefix_burst = 1 };
			struct syn_budget *b = syn_budget_create(4, 16384, HZ, seed * 0x9e3779b9u);
			uint64_t t = 10 * S;
			cr_assert_not_null(b);
			for (int round = 0; round < 2; round++)
				for (int i = 0; i < 512; i++) {
					if (lens[l] == 24)
						snprintf(ip, sizeof(ip), "10.%d.%d.1", i >> 8, i & 255);
					else
						snprintf(ip, sizeof(ip), "%d.%d.0.1", 10 + (i >> 8), i & 255);
					cr_assert_eq(syn_budget_take(b, &c, 0, th_ip(ip), 0, t),
						     round == 0 ? SYN_BUDGET_OK : SYN_BUDGET_PREFIX,
						     "/%u, seed %u, round %d, %s", lens[l], seed, round, ip);
				}
			cr_assert_eq(syn_budget_evictions(b), 0, "/%u, seed %u", lens[l], seed);
			syn_budget_free(b);
		}
	}
}
