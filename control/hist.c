/* SPDX-License-Identifier: BSD-3-Clause */
#include <stddef.h>

#include "hist.h"

uint64_t
ctl_loglin_low(unsigned int b, unsigned int bits)
{
	unsigned int sub = 1u << bits;

	if (b < sub)
		return b;
	unsigned int e = b / sub + bits - 1;
	return (uint64_t)(sub | (b % sub)) << (e - bits);
}

uint64_t
ctl_loglin_quantile(const struct ctl_loglin_view *h, double q)
{
	if (h->count == 0)
		return 0;
	if (q <= 0)
		return h->min;
	if (q >= 1)
		return h->max;
	/* the rank of the q quantile, 1-based, nearest-rank method */
	uint64_t rank = (uint64_t)(q * (double)h->count);
	if ((double)rank < q * (double)h->count)
		rank++;
	uint64_t seen = 0;
	for (unsigned int b = 0; b < h->n; b++) {
		seen += h->b32 != NULL ? h->b32[b] : h->b64[b];
		if (seen < rank)
			continue;
		uint64_t lo = ctl_loglin_low(b, h->bits);
		uint64_t hi = b + 1 < h->n ? ctl_loglin_low(b + 1, h->bits) : lo;
		uint64_t mid = lo + (hi - lo) / 2;
		return mid < h->min ? h->min : mid > h->max ? h->max : mid;
	}
	return h->max;
}

unsigned int
ctl_hist_bucket(uint64_t us)
{
	return ctl_loglin_bucket(us, CTL_HIST_BITS, CTL_HIST_BUCKETS);
}

uint64_t
ctl_hist_bucket_low(unsigned int b)
{
	return ctl_loglin_low(b, CTL_HIST_BITS);
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
	const struct ctl_loglin_view v = { CTL_HIST_BITS, CTL_HIST_BUCKETS, h->bucket, NULL,
					   h->count, h->min_us, h->max_us };

	return ctl_loglin_quantile(&v, q);
}
