/* SPDX-License-Identifier: BSD-3-Clause */
#include "pg.h"

uint64_t
pg_hist_bucket_low(unsigned int b)
{
	if (b < PG_HIST_SUB)
		return b;
	unsigned int e = b / PG_HIST_SUB + PG_HIST_SUB_BITS - 1, sub = b % PG_HIST_SUB;
	return (uint64_t)(PG_HIST_SUB | sub) << (e - PG_HIST_SUB_BITS);
}

uint64_t
pg_hist_quantile(const struct pg_hist *h, double q)
{
	if (h->count == 0)
		return 0;
	if (q <= 0)
		return h->min;
	if (q >= 1)
		return h->max;
	/* nearest rank, 1-based */
	uint64_t rank = (uint64_t)(q * (double)h->count);
	if ((double)rank < q * (double)h->count)
		rank++;
	uint64_t seen = 0;
	for (unsigned int b = 0; b < PG_HIST_BUCKETS; b++) {
		seen += h->bucket[b];
		if (seen < rank)
			continue;
		uint64_t lo = pg_hist_bucket_low(b);
		uint64_t hi = b + 1 < PG_HIST_BUCKETS ? pg_hist_bucket_low(b + 1) : lo;
		uint64_t mid = lo + (hi - lo) / 2;
		return mid < h->min ? h->min : mid > h->max ? h->max : mid;
	}
	return h->max;
}

void
pg_hist_merge(struct pg_hist *dst, const struct pg_hist *src)
{
	if (src->count == 0)
		return;
	if (dst->count == 0 || src->min < dst->min)
		dst->min = src->min;
	if (src->max > dst->max)
		dst->max = src->max;
	dst->count += src->count;
	dst->sum += src->sum;
	for (unsigned int b = 0; b < PG_HIST_BUCKETS; b++)
		dst->bucket[b] += src->bucket[b];
}
