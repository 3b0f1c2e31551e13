/* SPDX-License-Identifier: BSD-3-Clause */
/* dataplane/flowhash.h: the 4-tuple hash of the tables uplink hosts fill is
 * keyed, so that tuples aimed at one slot under one secret scatter under
 * another; and the tables that use it still find, add and delete under any
 * secret (synjitsu's held flows, through syn_offer). */
#include <criterion/criterion.h>
#include <stdlib.h>

#include "../../dataplane/flowhash.h"
#include "../../synjitsu/synjitsu.h"

#define SLOTS 4096u
#define AIMED 256u

/* tuples from one client port range to one service whose slot under
 * @p seed is 7: what an attacker who knew the secret would send */
static unsigned int
aim(uint32_t seed, uint32_t *cip, uint16_t *cport)
{
	unsigned int n = 0;

	for (uint32_t i = 0; n < AIMED && i < (1u << 26); i++) {
		uint32_t a = 0x0a000000u + (i >> 16);
		uint16_t p = (uint16_t)i;
		if ((dp_flow_hash(seed, a, 0x0a4d010au, p, 80) & (SLOTS - 1)) == 7) {
			cip[n] = a;
			cport[n++] = p;
		}
	}
	return n;
}

Test(flowhash, a_run_aimed_under_one_secret_scatters_under_another)
{
	static uint32_t cip[AIMED];
	static uint16_t cport[AIMED];
	static uint8_t hit[SLOTS];

	cr_assert_eq(aim(1, cip, cport), AIMED);
	unsigned int distinct = 0;
	for (unsigned int i = 0; i < AIMED; i++) {
		cr_assert_eq(dp_flow_hash(1, cip[i], 0x0a4d010au, cport[i], 80) & (SLOTS - 1), 7u);
		uint32_t s = dp_flow_hash(2, cip[i], 0x0a4d010au, cport[i], 80) & (SLOTS - 1);
		distinct += !hit[s];
		hit[s] = 1;
	}
	/* 256 balls in 4096 bins: ~248 distinct expected; a hash the secret
	 * did not change would give 1 */
	cr_assert_gt(distinct, 200u, "only %u distinct slots", distinct);
}

Test(flowhash, every_word_and_the_secret_change_the_hash)
{
	uint32_t h = dp_flow_hash(9, 1, 2, 3, 4);

	cr_assert_neq(dp_flow_hash(10, 1, 2, 3, 4), h);
	cr_assert_neq(dp_flow_hash(9, 5, 2, 3, 4), h);
	cr_assert_neq(dp_flow_hash(9, 1, 5, 3, 4), h);
	cr_assert_neq(dp_flow_hash(9, 1, 2, 5, 4), h);
	cr_assert_neq(dp_flow_hash(9, 1, 2, 3, 5), h);
	/* client and service ports are not interchangeable */
	cr_assert_neq(dp_flow_hash(9, 1, 2, 4, 3), h);
}

/* The held-flow table keyed by a secret: the tuples aimed at one slot of it
 * are all held, each found again (a duplicate SYN is absorbed), and all
 * given back. */
Test(flowhash, held_flows_aimed_at_one_slot_are_still_found)
{
	static uint32_t cip[AIMED];
	static uint16_t cport[AIMED];
	static int pkt[AIMED];
	struct syn_params p = { .n_services = 1, .max_pending = 2 * AIMED, .pool = 2 * AIMED,
				.max_flows = AIMED, .hash_seed = 1 };
	struct syn_table *t = syn_table_create(&p);

	cr_assert_not_null(t);
	cr_assert_eq(aim(1, cip, cport), AIMED);
	for (unsigned int i = 0; i < AIMED; i++) {
		struct syn_key k = { cip[i], 0x0a4d010au, cport[i], 80 };
		cr_assert_eq(syn_offer(t, 0, &k, 0x02, 0, &pkt[i], 0), SYN_HELD, "tuple %u", i);
	}
	for (unsigned int i = 0; i < AIMED; i++) {
		struct syn_key k = { cip[i], 0x0a4d010au, cport[i], 80 };
		cr_assert_eq(syn_offer(t, 0, &k, 0x02, 0, &pkt[i], 0), SYN_DUPLICATE, "tuple %u", i);
	}
	static struct syn_out out[AIMED];
	cr_assert_eq(syn_take(t, 0, SYN_ST_replayed, out, AIMED), AIMED);
	for (unsigned int i = 0; i < AIMED; i++)
		cr_assert_eq(out[i].pkt, &pkt[i]);
	cr_assert_eq(syn_pending(t, 0), 0);
	syn_table_free(t);
}
