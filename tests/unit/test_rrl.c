/* SPDX-License-Identifier: BSD-3-Clause */
/* dataplane/rrl.c: response rate limiting by source prefix. */
#include <criterion/criterion.h>
#include <stdlib.h>

#include "../../dataplane/rrl.h"
#include "helpers.h"

#define HZ 1000000ull /* a clock of 1 MHz: 1 tick = 1 us */

static struct dp_rrl *
table(uint32_t entries)
{
	void *mem = aligned_alloc(64, (dp_rrl_memsize(entries) + 63) / 64 * 64);

	cr_assert_not_null(mem);
	return dp_rrl_init(mem, entries, 0x5eed);
}

Test(rrl, off_passes_everything)
{
	struct dp_rrl *r = table(16);
	struct dp_rrl_conf c;

	dp_rrl_conf_make(&c, 0, 24, 2, HZ);
	for (int i = 0; i < 10000; i++)
		cr_assert_eq(dp_rrl_check(r, &c, th_ip("10.0.0.1"), 5), DP_RRL_PASS);
	free(r);
}

Test(rrl, a_burst_of_one_second_then_the_rate)
{
	struct dp_rrl *r = table(16);
	struct dp_rrl_conf c;
	uint32_t ip = th_ip("10.1.2.3");

	dp_rrl_conf_make(&c, 100, 24, 0, HZ); /* 100/s, no slip */
	uint64_t now = 1000;
	unsigned int pass = 0;
	for (int i = 0; i < 500; i++)
		pass += dp_rrl_check(r, &c, ip, now) == DP_RRL_PASS;
	cr_assert_eq(pass, 101, "a second's worth (and the one at the edge) at once: %u", pass);
	cr_assert_eq(dp_rrl_check(r, &c, ip, now), DP_RRL_DROP);
	/* then one answer per 10 ms */
	now += 10000;
	cr_assert_eq(dp_rrl_check(r, &c, ip, now), DP_RRL_PASS);
	cr_assert_eq(dp_rrl_check(r, &c, ip, now), DP_RRL_DROP);
	/* after a quiet second and more, the bucket is full again */
	now += 2 * HZ;
	pass = 0;
	for (int i = 0; i < 500; i++)
		pass += dp_rrl_check(r, &c, ip, now) == DP_RRL_PASS;
	cr_assert_eq(pass, 101);
	free(r);
}

Test(rrl, the_prefix_shares_a_bucket_another_prefix_does_not)
{
	struct dp_rrl *r = table(64);
	struct dp_rrl_conf c;

	dp_rrl_conf_make(&c, 10, 24, 0, HZ);
	for (int i = 0; i < 11; i++)
		cr_assert_eq(dp_rrl_check(r, &c, th_ip("10.1.2.3"), 1), DP_RRL_PASS);
	cr_assert_eq(dp_rrl_check(r, &c, th_ip("10.1.2.200"), 1), DP_RRL_DROP, "same /24");
	cr_assert_eq(dp_rrl_check(r, &c, th_ip("10.1.3.1"), 1), DP_RRL_PASS, "another /24");
	dp_rrl_conf_make(&c, 10, 32, 0, HZ);
	cr_assert_eq(dp_rrl_check(r, &c, th_ip("10.1.2.201"), 1), DP_RRL_PASS, "/32: its own");
	free(r);
}

Test(rrl, every_nth_answer_over_the_rate_slips)
{
	struct dp_rrl *r = table(16);
	struct dp_rrl_conf c;
	uint32_t ip = th_ip("192.0.2.1");
	unsigned int n[3] = { 0, 0, 0 };

	dp_rrl_conf_make(&c, 10, 24, 3, HZ);
	for (int i = 0; i < 11; i++)
		dp_rrl_check(r, &c, ip, 7);
	for (int i = 0; i < 300; i++)
		n[dp_rrl_check(r, &c, ip, 7)]++;
	cr_assert_eq(n[DP_RRL_PASS], 0);
	cr_assert_eq(n[DP_RRL_SLIP], 100, "one in three");
	cr_assert_eq(n[DP_RRL_DROP], 200);
	free(r);
}

Test(rrl, a_full_table_evicts_the_idlest_and_stays_bounded)
{
	struct dp_rrl *r = table(4);
	struct dp_rrl_conf c;

	dp_rrl_conf_make(&c, 1, 32, 0, HZ);
	/* many prefixes through 4 slots: each new one starts with a full
	 * bucket; nothing grows, nothing crashes */
	for (uint32_t i = 1; i <= 10000; i++)
		cr_assert_eq(dp_rrl_check(r, &c, htonl(0x0a000000u + i), 100), DP_RRL_PASS);
	cr_assert_gt(dp_rrl_evictions(r), 0);
	/* a prefix that keeps asking is limited even so */
	uint32_t ip = th_ip("10.9.9.9");
	cr_assert_eq(dp_rrl_check(r, &c, ip, 200), DP_RRL_PASS);
	cr_assert_eq(dp_rrl_check(r, &c, ip, 200), DP_RRL_PASS);
	cr_assert_eq(dp_rrl_check(r, &c, ip, 200), DP_RRL_DROP);
	free(r);
}
