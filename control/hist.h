/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Log-linear histograms: values below 2^bits exactly, then each power of two
 * in 2^bits buckets (a relative error below 2^-bits). One implementation,
 * shared by the gateway's cold-start histograms (struct ctl_hist, in
 * microseconds, 8 buckets per power of two) and the traffic generator's
 * latency histograms (bench/pktgen, TSC cycles, 32 per power of two).
 */
#ifndef JITSU_CTL_HIST_H
#define JITSU_CTL_HIST_H

#include <stdint.h>

/** The bucket of @p v at resolution @p bits, clamped below @p n. */
static inline unsigned int
ctl_loglin_bucket(uint64_t v, unsigned int bits, unsigned int n)
{
	if (v < (1u << bits))
		return (unsigned int)v;
	unsigned int e = 63u - (unsigned int)__builtin_clzll(v); /* >= bits */
	unsigned int b = (e - bits + 1) * (1u << bits) +
			 (unsigned int)((v >> (e - bits)) & ((1u << bits) - 1));
	return b < n ? b : n - 1;
}

/** The smallest value of bucket @p b at resolution @p bits. */
uint64_t ctl_loglin_low(unsigned int b, unsigned int bits);

/** A histogram as the quantile reads it: its counts are 32 or 64 bits wide. */
struct ctl_loglin_view {
	unsigned int bits, n;
	const uint32_t *b32; /**< the buckets, or NULL ... */
	const uint64_t *b64; /**< ... and these instead */
	uint64_t count, min, max;
};

/**
 * The @p q quantile (0..1), nearest rank: the middle of the bucket it falls
 * in, clamped to the recorded min and max; 0 when empty.
 */
uint64_t ctl_loglin_quantile(const struct ctl_loglin_view *h, double q);

/* ---- the gateway's: durations in microseconds, 12.5 % resolution, 1 us to
 * about 12 days, fixed size, no allocation ---- */

#define CTL_HIST_BITS 3
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

/** The @p q quantile (0..1) in microseconds (ctl_loglin_quantile). */
uint64_t ctl_hist_quantile(const struct ctl_hist *h, double q);

/** Bucket index of a duration, and the smallest duration of a bucket. */
unsigned int ctl_hist_bucket(uint64_t us);
uint64_t ctl_hist_bucket_low(unsigned int b);

#endif
