/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Response rate limiting (RRL) of the UDP DNS responder: answers to one
 * source prefix beyond a configured rate are dropped, or every Nth of them
 * sent truncated (TC=1, "slip") so that a real client asks again over TCP
 * while a spoofed flood reflects nothing larger than the query.
 *
 * A per-worker table of prefixes, sized at start, in memory the caller
 * gives; each entry is a GCRA token bucket (one timestamp: no division per
 * packet). Two probes; a prefix that finds both slots taken by others takes
 * the one idle longest, with a full bucket.
 */
#ifndef JITSU_DP_RRL_H
#define JITSU_DP_RRL_H

#include <stddef.h>
#include <stdint.h>

/** The limits, in the clock's units (each worker copies them on reload). */
struct dp_rrl_conf {
	uint64_t interval;  /**< clock ticks per answer at the rate; 0: RRL off */
	uint64_t burst;     /**< how far ahead of the clock a bucket may run (1 s) */
	uint32_t mask;      /**< source prefix mask, network order */
	uint32_t slip;      /**< every Nth answer over the rate goes out TC=1; 0: none */
};

/** Make @p c from answers per second, prefix length, slip and clock rate. */
void dp_rrl_conf_make(struct dp_rrl_conf *c, uint32_t rate, uint32_t prefix_len, uint32_t slip,
		      uint64_t hz);

enum dp_rrl_verdict {
	DP_RRL_PASS = 0,
	DP_RRL_DROP,
	DP_RRL_SLIP,
};

struct dp_rrl;

/** Bytes a table of @p entries (rounded up to a power of two, at least 2) takes. */
size_t dp_rrl_memsize(uint32_t entries);

/** Lay out a table in @p mem (dp_rrl_memsize() bytes, 8-byte aligned); @p seed
 * keys the prefixes' hash (random, per table). */
struct dp_rrl *dp_rrl_init(void *mem, uint32_t entries, uint32_t seed);

/**
 * Account one answer to @p src (network order) at time @p now.
 * @return what to do with it.
 */
enum dp_rrl_verdict dp_rrl_check(struct dp_rrl *r, const struct dp_rrl_conf *c, uint32_t src,
				 uint64_t now);

/** Prefixes that took a slot from another (the table was too small for them). */
uint64_t dp_rrl_evictions(const struct dp_rrl *r);

#endif
