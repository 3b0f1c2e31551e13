/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Summon budgets (budget.h). GCRA, the "virtual scheduling" form of a token
 * bucket: a bucket is its theoretical arrival time (TAT); a summon at t is
 * allowed when TAT - t <= tau, with T = 1/rate and tau = T * (burst - 1),
 * and then TAT = max(TAT, t) + T. One word per bucket, so a CAS takes it.
 */
#include <errno.h>
#include <stdlib.h>

#include <rte_jhash.h>

#include "budget.h"

#define SYN_BUDGET_WAYS 4

struct syn_budget {
	uint64_t hz;
	uint64_t ticks_us; /* clock ticks per microsecond, >= 1 */
	uint64_t global_tat; /* microseconds */
	uint64_t evictions;
	uint32_t n_services;
	uint32_t n_sets;
	uint32_t seed;      /* the sets' hash secret */
	uint64_t *svc;      /* window number << 24 | summons in it */
	uint64_t *prefixes; /* prefix << 32 | TAT in milliseconds (mod 2^32) */
};

struct syn_budget *
syn_budget_create(uint32_t n_services, uint32_t prefix_slots, uint64_t hz, uint32_t seed)
{
	if (n_services == 0 || prefix_slots == 0 || hz == 0) {
		errno = EINVAL;
		return NULL;
	}
	struct syn_budget *b = calloc(1, sizeof(*b));
	if (b == NULL)
		return NULL;
	b->hz = hz;
	b->ticks_us = hz / 1000000 ? hz / 1000000 : 1;
	b->n_services = n_services;
	b->seed = seed;
	b->n_sets = (prefix_slots + SYN_BUDGET_WAYS - 1) / SYN_BUDGET_WAYS;
	b->svc = calloc(n_services, sizeof(*b->svc));
	b->prefixes = calloc((size_t)b->n_sets * SYN_BUDGET_WAYS, sizeof(*b->prefixes));
	if (b->svc == NULL || b->prefixes == NULL) {
		syn_budget_free(b);
		errno = ENOMEM;
		return NULL;
	}
	return b;
}

void
syn_budget_free(struct syn_budget *b)
{
	if (b == NULL)
		return;
	free(b->svc);
	free(b->prefixes);
	free(b);
}

uint64_t
syn_budget_evictions(const struct syn_budget *b)
{
	return __atomic_load_n(&b->evictions, __ATOMIC_RELAXED);
}

/* The per-service window: the word to write, or 0 when the cap is reached. */
static uint64_t
svc_next(uint64_t w, uint64_t window, uint32_t cap)
{
	uint64_t count = (w >> 24) == (window & ((1ull << 40) - 1)) ? (w & 0xffffff) : 0;

	if (count >= cap)
		return 0;
	return (window & ((1ull << 40) - 1)) << 24 | (count + 1);
}

/* Prefix buckets: TATs in ms, compared modulo 2^32 (49 days; a bucket idle
 * that long may look busy once, then is refreshed). */
static inline int32_t
ms_diff(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b);
}

enum syn_budget_verdict
syn_budget_take(struct syn_budget *b, const struct syn_budget_conf *c, uint32_t svc,
		uint32_t src_ip, int proven, uint64_t now)
{
	if (b == NULL || c == NULL)
		return SYN_BUDGET_OK;
	uint64_t now_us = now / b->ticks_us;

	/* 1. read every limit; write none until all of them allow it */
	uint64_t *sw = svc < b->n_services ? &b->svc[svc] : NULL;
	uint64_t sw_old = 0, sw_new = 0, window = 0;
	if (c->svc_cap > 0 && c->svc_interval > 0 && sw != NULL) {
		window = now_us / (1000000ull * c->svc_interval);
		sw_old = __atomic_load_n(sw, __ATOMIC_RELAXED);
		sw_new = svc_next(sw_old, window, c->svc_cap);
		if (sw_new == 0)
			return SYN_BUDGET_SERVICE;
	}

	uint64_t g_old = 0, g_new = 0;
	int global = !proven && c->global_rate > 0;
	if (global) {
		uint64_t t = 1000000ull / c->global_rate, tau = t * ((c->global_burst ? c->global_burst : 1) - 1);
		g_old = __atomic_load_n(&b->global_tat, __ATOMIC_RELAXED);
		uint64_t tat = g_old > now_us ? g_old : now_us;
		if (tat - now_us > tau)
			return SYN_BUDGET_GLOBAL;
		g_new = tat + (t ? t : 1);
	}

	uint64_t *slot = NULL, p_old = 0, p_new = 0;
	if (c->prefix_rate > 0) {
		uint32_t h = __builtin_bswap32(src_ip); /* host order: prefix bits on top */
		uint32_t prefix = c->prefix_len == 0 ? 0 : c->prefix_len >= 32 ? h : h >> (32 - c->prefix_len) << (32 - c->prefix_len);
		uint32_t now_ms = (uint32_t)(now_us / 1000);
		uint32_t t = 60000u / c->prefix_rate;
		uint32_t burst = c->prefix_burst ? c->prefix_burst : 1;
		uint32_t tau = t * (burst - 1);
		/* keyed and mixed: a prefix's low bits are zeros, so a bare
		 * multiplication put every /24 in 16 of the sets, and anyone
		 * could pick prefixes that share one */
		uint64_t *set = &b->prefixes[(size_t)(rte_jhash_1word(prefix, b->seed) % b->n_sets) *
					     SYN_BUDGET_WAYS];
		uint64_t *victim = NULL;
		int32_t victim_left = INT32_MAX;
		for (int i = 0; i < SYN_BUDGET_WAYS; i++) {
			uint64_t w = __atomic_load_n(&set[i], __ATOMIC_RELAXED);
			int32_t left = w == 0 ? INT32_MIN : ms_diff((uint32_t)w, now_ms);
			if (w != 0 && (uint32_t)(w >> 32) == prefix) {
				slot = &set[i];
				p_old = w;
				break;
			}
			if (left < victim_left) { /* the emptiest bucket goes */
				victim_left = left;
				victim = &set[i];
			}
		}
		uint32_t tat = now_ms;
		if (slot != NULL) {
			int32_t left = ms_diff((uint32_t)p_old, now_ms);
			if (left > (int32_t)(tau + t)) /* stale past a wrap: a fresh one */
				left = 0;
			if (left > 0)
				tat = (uint32_t)p_old;
			if (left > (int32_t)tau)
				return SYN_BUDGET_PREFIX;
		} else {
			slot = victim;
			p_old = __atomic_load_n(slot, __ATOMIC_RELAXED);
			if (victim_left > 0 && p_old != 0)
				__atomic_fetch_add(&b->evictions, 1, __ATOMIC_RELAXED);
		}
		p_new = (uint64_t)prefix << 32 | (uint32_t)(tat + (t ? t : 1));
		if (p_new == 0)
			p_new = 1;
	}

	/* 2. take the tokens; a lost race is a refusal (another summon won) */
	if (sw != NULL && sw_new != 0 &&
	    !__atomic_compare_exchange_n(sw, &sw_old, sw_new, 0, __ATOMIC_RELAXED, __ATOMIC_RELAXED))
		return SYN_BUDGET_SERVICE;
	if (global && !__atomic_compare_exchange_n(&b->global_tat, &g_old, g_new, 0,
						   __ATOMIC_RELAXED, __ATOMIC_RELAXED))
		return SYN_BUDGET_GLOBAL;
	if (slot != NULL && !__atomic_compare_exchange_n(slot, &p_old, p_new, 0, __ATOMIC_RELAXED,
							 __ATOMIC_RELAXED))
		return SYN_BUDGET_PREFIX;
	return SYN_BUDGET_OK;
}
