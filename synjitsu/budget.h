/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Summon budgets: whether a packet that asks for a stopped service may boot
 * it, decided in the worker without a round trip to the control plane.
 *
 * Three limits, each a GCRA token bucket (one 64-bit word, a compare-and-
 * swap to take a token):
 *  - per source prefix (IPv4 /prefix_len): a set-associative table of
 *    buckets; a full set gives its least used bucket to the newcomer
 *    (counted: a random-source flood can wash the table, the other two
 *    limits still hold);
 *  - per service: at most svc_cap summons per svc_interval (a crash-looping
 *    or attacked service cannot take the whole budget);
 *  - global: a summon rate for the whole gateway.
 * A proven summon (a cookie-valid ACK, a valid DNS server cookie) passes the
 * global limit: a spoofed flood that drains it cannot lock real clients out.
 *
 * The state is shared by all workers (atomics); only packets that would
 * summon a STOPPED service look at it, and only a granted summon writes it.
 * Times are ticks of the caller's clock (TSC), @p hz ticks a second.
 */
#ifndef JITSU_SYN_BUDGET_H
#define JITSU_SYN_BUDGET_H

#include <stdint.h>

/** Limits, plain data (a reload changes them; the state stays). 0: no limit. */
struct syn_budget_conf {
	uint8_t prefix_len;     /**< 0..32 bits of the source that make a prefix */
	uint32_t prefix_rate;   /**< summons per minute per prefix */
	uint32_t prefix_burst;  /**< bucket depth per prefix (>= 1) */
	uint32_t global_rate;   /**< summons per second, all sources */
	uint32_t global_burst;  /**< bucket depth (>= 1) */
	uint32_t svc_cap;       /**< summons per service per interval */
	uint32_t svc_interval;  /**< seconds */
};

/** Why a summon was refused (or not). */
enum syn_budget_verdict {
	SYN_BUDGET_OK = 0,
	SYN_BUDGET_PREFIX,
	SYN_BUDGET_SERVICE,
	SYN_BUDGET_GLOBAL,
};

struct syn_budget;

/**
 * Create the state for @p n_services services and @p prefix_slots prefix
 * buckets (rounded up to a multiple of 4), with @p hz clock ticks a second;
 * @p seed keys the prefixes' hash (random: no sender can aim at one set).
 * NULL with errno on failure (EINVAL for zero sizes or hz).
 */
struct syn_budget *syn_budget_create(uint32_t n_services, uint32_t prefix_slots, uint64_t hz,
				     uint32_t seed);

/** Free it (NULL is fine). */
void syn_budget_free(struct syn_budget *b);

/**
 * May a packet from @p src_ip (network order) summon service @p svc at
 * @p now? When it may, the tokens are taken. @p proven skips the global
 * limit. A NULL @p b or @p c grants everything.
 */
enum syn_budget_verdict syn_budget_take(struct syn_budget *b, const struct syn_budget_conf *c,
					uint32_t svc, uint32_t src_ip, int proven, uint64_t now);

/** Prefix buckets given to another prefix while still in use, so far. */
uint64_t syn_budget_evictions(const struct syn_budget *b);

#endif
