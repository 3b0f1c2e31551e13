/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Log-linear histograms of durations in microseconds: 8 buckets per power of
 * two (12.5 % resolution) from 1 us to about 12 days, fixed size, no
 * allocation, for the per-phase cold-start times.
 */
#ifndef JITSU_CTL_HIST_H
#define JITSU_CTL_HIST_H

#include <stdint.h>

#define CTL_HIST_BUCKETS 320

struct ctl_hist {
	uint64_t count;
	uint64_t sum_us;
	uint64_t min_us;
	uint64_t max_us;
	uint32_t bucket[CTL_HIST_BUCKETS];
};

/** Record one duration. */
void ctl_hist_add(struct ctl_hist *h, uint64_t us);

/**
 * The @p q quantile (0..1) in microseconds: the middle of the bucket it
 * falls in, clamped to the recorded min and max; 0 when empty.
 */
uint64_t ctl_hist_quantile(const struct ctl_hist *h, double q);

/** Bucket index of a duration, and the smallest duration of a bucket. */
unsigned int ctl_hist_bucket(uint64_t us);
uint64_t ctl_hist_bucket_low(unsigned int b);

#endif
