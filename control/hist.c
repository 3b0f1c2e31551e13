/* SPDX-License-Identifier: BSD-3-Clause */
#include "hist.h"

unsigned int
ctl_hist_bucket(uint64_t us)
{
	if (us < 8)
		return (unsigned int)us;
	unsigned int e = 63u - (unsigned int)__builtin_clzll(us); /* >= 3 */
	unsigned int b = (e - 2) * 8 + (unsigned int)((us >> (e - 3)) & 7);
	return b < CTL_HIST_BUCKETS ? b : CTL_HIST_BUCKETS - 1;
}

uint64_t
ctl_hist_bucket_low(unsigned int b)
{
	if (b < 8)
		return b;
	unsigned int e = b / 8 + 2, sub = b % 8;
	return (8ull | sub) << (e - 3);
}

void
ctl_hist_add(struct ctl_hist *h, uint64_t us)
{
	if (h->count == 0 || us < h->min_us)
		h->min_us = us;
	if (us > h->max_us)
		h->max_us = us;
	h->count++;
	h->sum_us += us;
	h->bucket[ctl_hist_bucket(us)]++;
}

uint64_t
ctl_hist_quantile(const struct ctl_hist *h, double q)
{
	if (h->count == 0)
		return 0;
	if (q <= 0)
		return h->min_us;
	if (q >= 1)
		return h->max_us;
	/* the rank of the q quantile, 1-based, nearest-rank method */
	uint64_t rank = (uint64_t)(q * (double)h->count);
	if ((double)rank < q * (double)h->count)
		rank++;
	uint64_t seen = 0;
	for (unsigned int b = 0; b < CTL_HIST_BUCKETS; b++) {
		seen += h->bucket[b];
		if (seen < rank)
			continue;
		uint64_t lo = ctl_hist_bucket_low(b);
		uint64_t hi = b + 1 < CTL_HIST_BUCKETS ? ctl_hist_bucket_low(b + 1) : lo;
		uint64_t mid = lo + (hi - lo) / 2;
		return mid < h->min_us ? h->min_us : mid > h->max_us ? h->max_us : mid;
	}
	return h->max_us;
}
