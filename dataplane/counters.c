/* SPDX-License-Identifier: BSD-3-Clause */
#include <stddef.h>

#include "counters.h"

static const char *const dp_counter_names[DP_C__COUNT] = {
#define DP_COUNTER_NAME(name, kind) #name,
	DP_COUNTERS(DP_COUNTER_NAME)
#undef DP_COUNTER_NAME
};

static const enum dp_counter_kind dp_counter_kinds[DP_C__COUNT] = {
#define DP_COUNTER_KIND(name, kind) DP_CK_##kind,
	DP_COUNTERS(DP_COUNTER_KIND)
#undef DP_COUNTER_KIND
};

const char *
dp_counter_name(unsigned int id)
{
	return id < DP_C__COUNT ? dp_counter_names[id] : NULL;
}

enum dp_counter_kind
dp_counter_kind(unsigned int id)
{
	return id < DP_C__COUNT ? dp_counter_kinds[id] : DP_CK_PKT;
}

void
dp_counters_accumulate(struct dp_counters *sum, const struct dp_counters *c)
{
	for (unsigned int i = 0; i < DP_C__COUNT; i++)
		sum->v[i] += __atomic_load_n(&c->v[i], __ATOMIC_RELAXED);
}

uint64_t
dp_counters_drops(const struct dp_counters *c)
{
	uint64_t n = 0;

	for (unsigned int i = 0; i < DP_C__COUNT; i++)
		if (dp_counter_kinds[i] == DP_CK_DROP)
			n += c->v[i];
	return n;
}
