/* SPDX-License-Identifier: BSD-3-Clause */
/* control/hist.c: the cold-start histograms. */
#include <criterion/criterion.h>

#include "../../control/hist.h"

Test(hist, buckets_cover_every_value_in_order_within_an_eighth)
{
	uint64_t prev_b = 0;

	for (uint64_t v = 0; v < (1ull << 20); v = v < 64 ? v + 1 : v + v / 37) {
		unsigned int b = ctl_hist_bucket(v);
		cr_assert_geq(b, prev_b, "monotonic at %lu", v);
		prev_b = b;
		uint64_t lo = ctl_hist_bucket_low(b);
		cr_assert_leq(lo, v, "bucket %u starts at %lu > %lu", b, lo, v);
		cr_assert_gt(ctl_hist_bucket_low(b + 1), v, "bucket %u ends before %lu", b, v);
		cr_assert_leq(ctl_hist_bucket_low(b + 1) - lo, lo / 8 + 1, "resolution at %lu", v);
	}
	cr_assert_eq(ctl_hist_bucket(UINT64_MAX), CTL_HIST_BUCKETS - 1, "clamped");
}

Test(hist, quantiles)
{
	struct ctl_hist h = { 0 };

	cr_assert_eq(ctl_hist_quantile(&h, 0.5), 0, "empty");
	for (uint64_t v = 1; v <= 1000; v++)
		ctl_hist_add(&h, v * 100); /* 100 us .. 100 ms */
	cr_assert_eq(h.count, 1000);
	cr_assert_eq(h.min_us, 100);
	cr_assert_eq(h.max_us, 100000);
	cr_assert_eq(h.sum_us, 100ull * 1000 * 1001 / 2);
	uint64_t p50 = ctl_hist_quantile(&h, 0.5), p99 = ctl_hist_quantile(&h, 0.99);
	cr_assert(p50 >= 50000 * 7 / 8 && p50 <= 50000 * 9 / 8, "p50 %lu", p50);
	cr_assert(p99 >= 99000 * 7 / 8 && p99 <= 100000, "p99 %lu", p99);
	cr_assert_eq(ctl_hist_quantile(&h, 0), 100);
	cr_assert_eq(ctl_hist_quantile(&h, 1), 100000);
}

Test(hist, one_value)
{
	struct ctl_hist h = { 0 };

	ctl_hist_add(&h, 31000);
	cr_assert_eq(ctl_hist_quantile(&h, 0.5), 31000, "clamped to the only value");
	cr_assert_eq(ctl_hist_quantile(&h, 0.99), 31000);
}
