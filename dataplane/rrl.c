/* SPDX-License-Identifier: BSD-3-Clause */
#include <string.h>

#include <rte_byteorder.h>
#include <rte_jhash.h>

#include "rrl.h"

struct dp_rrl_entry {
	uint32_t prefix;   /* network order; 0 with tat 0: empty */
	uint32_t over;     /* answers over the rate, for the slip */
	uint64_t tat;      /* theoretical arrival time of the next answer (GCRA) */
};

struct dp_rrl {
	uint32_t mask;     /* slots - 1 */
	uint32_t seed;     /* the slots' hash secret */
	uint64_t evictions;
	struct dp_rrl_entry e[];
};

static uint32_t
dp_rrl_slots(uint32_t entries)
{
	uint32_t s = 2;

	while (s < entries && s < (1u << 24))
		s <<= 1;
	return s;
}

void
dp_rrl_conf_make(struct dp_rrl_conf *c, uint32_t rate, uint32_t prefix_len, uint32_t slip,
		 uint64_t hz)
{
	memset(c, 0, sizeof(*c));
	if (rate == 0 || hz == 0)
		return;
	c->interval = hz / rate ? hz / rate : 1;
	c->burst = hz; /* a second's worth of answers at once */
	c->mask = prefix_len == 0 ? 0 : rte_cpu_to_be_32(~0u << (32 - (prefix_len > 32 ? 32 : prefix_len)));
	c->slip = slip;
}

size_t
dp_rrl_memsize(uint32_t entries)
{
	return sizeof(struct dp_rrl) + dp_rrl_slots(entries) * sizeof(struct dp_rrl_entry);
}

struct dp_rrl *
dp_rrl_init(void *mem, uint32_t entries, uint32_t seed)
{
	struct dp_rrl *r = mem;
	uint32_t s = dp_rrl_slots(entries);

	memset(r, 0, sizeof(*r) + s * sizeof(struct dp_rrl_entry));
	r->mask = s - 1;
	r->seed = seed;
	return r;
}

enum dp_rrl_verdict
dp_rrl_check(struct dp_rrl *r, const struct dp_rrl_conf *c, uint32_t src, uint64_t now)
{
	if (c->interval == 0)
		return DP_RRL_PASS;
	uint32_t p = src & c->mask;
	uint32_t h = rte_jhash_1word(p, r->seed); /* keyed: no one can aim at a slot */
	struct dp_rrl_entry *a = &r->e[h & r->mask], *b = &r->e[(h >> 16 ^ h * 31) & r->mask];
	struct dp_rrl_entry *e;

	if (a->prefix == p && a->tat != 0) {
		e = a;
	} else if (b->prefix == p && b->tat != 0) {
		e = b;
	} else {
		/* the slot whose bucket is fullest (idle longest) goes */
		e = a->tat <= b->tat ? a : b;
		if (e->tat > now)
			r->evictions++;
		e->prefix = p;
		e->over = 0;
		e->tat = 0;
	}
	uint64_t tat = e->tat > now ? e->tat : now;
	if (tat - now > c->burst) {
		e->over++;
		return c->slip != 0 && e->over % c->slip == 0 ? DP_RRL_SLIP : DP_RRL_DROP;
	}
	e->tat = tat + c->interval;
	return DP_RRL_PASS;
}

uint64_t
dp_rrl_evictions(const struct dp_rrl *r)
{
	return r->evictions;
}
