/* SPDX-License-Identifier: BSD-3-Clause */
/* The generator's latency histograms, on the gateway's (control/hist.c). */
#include "pg.h"

uint64_t
pg_hist_bucket_low(unsigned int b)
{
	return ctl_loglin_low(b, PG_HIST_SUB_BITS);
}

uint64_t
pg_hist_quantile(const struct pg_hist *h, double q)
{
	const struct ctl_loglin_view v = { PG_HIST_SUB_BITS, PG_HIST_BUCKETS, NULL, h->bucket,
					   h->count, h->min, h->max };

	return ctl_loglin_quantile(&v, q);
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
