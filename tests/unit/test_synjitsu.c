/* SPDX-License-Identifier: BSD-3-Clause */
/* synjitsu/pending.c: what is held, in which order it comes back, and what
 * is refused, on opaque packets (integers here). */
#include <criterion/criterion.h>
#include <errno.h>

#include <rte_tcp.h>

#include "../../synjitsu/synjitsu.h"

#define SYN RTE_TCP_SYN_FLAG
#define ACK RTE_TCP_ACK_FLAG
#define RST RTE_TCP_RST_FLAG
#define PSH RTE_TCP_PSH_FLAG
#define FIN RTE_TCP_FIN_FLAG

static struct syn_table *t;

static void
setup(void)
{
	struct syn_params p = { .n_services = 8, .max_pending = 6, .pool = 10, .max_flows = 4 };

	t = syn_table_create(&p);
	cr_assert_not_null(t);
}

static void
teardown(void)
{
	struct syn_out o[16];

	/* give everything back: the table must end empty */
	for (uint32_t s = 0; s < 8; s++)
		while (syn_take(t, s, SYN_ST_expired, o, 16) > 0)
			;
	cr_assert_eq(syn_held(t), 0);
	syn_table_free(t);
}

TestSuite(syn, .init = setup, .fini = teardown);

static struct syn_key
key(uint16_t sport)
{
	return (struct syn_key){ .src_ip = 0x0200000a, .dst_ip = 0x0a014d0a, .sport = sport,
				 .dport = 80 };
}

static void *
pkt(uintptr_t n)
{
	return (void *)n;
}

static enum syn_action
offer(uint32_t svc, uint16_t sport, uint8_t flags, uintptr_t n, uint64_t now)
{
	struct syn_key k = key(sport);

	return syn_offer(t, svc, &k, flags, 0, pkt(n), now);
}

Test(syn, a_syn_is_held_and_replayed)
{
	struct syn_out o[4];

	cr_assert_eq(offer(1, 1000, SYN, 11, 5), SYN_HELD);
	cr_assert_eq(syn_pending(t, 1), 1);
	cr_assert_eq(syn_held(t), 1);
	uint32_t act[8];
	cr_assert_eq(syn_active(t, act, 8), 1);
	cr_assert_eq(act[0], 1);
	cr_assert_eq(syn_take(t, 1, SYN_ST_replayed, o, 4), 1);
	cr_assert_eq(o[0].pkt, pkt(11));
	cr_assert_eq(o[0].svc, 1);
	cr_assert(o[0].is_syn);
	cr_assert_not(o[0].dead);
	cr_assert_eq(syn_active(t, act, 8), 0);
	cr_assert_eq(syn_stats(t, 1)[SYN_ST_held], 1);
	cr_assert_eq(syn_stats(t, 1)[SYN_ST_replayed], 1);
	/* the flow is forgotten: the same SYN again is a new hold, no duplicate */
	cr_assert_eq(offer(1, 1000, SYN, 12, 6), SYN_HELD);
}

Test(syn, a_retransmitted_syn_is_not_stored_twice)
{
	cr_assert_eq(offer(1, 1000, SYN, 11, 5), SYN_HELD);
	cr_assert_eq(offer(1, 1000, SYN, 12, 1000005), SYN_DUPLICATE);
	cr_assert_eq(offer(1, 1000, SYN, 13, 3000005), SYN_DUPLICATE);
	cr_assert_eq(syn_pending(t, 1), 1);
	cr_assert_eq(syn_stats(t, 1)[SYN_ST_duplicates], 2);
}

Test(syn, what_follows_a_syn_waits_behind_it_in_order)
{
	struct syn_out o[8];

	cr_assert_eq(offer(2, 1000, SYN, 1, 1), SYN_HELD);
	cr_assert_eq(offer(2, 1000, ACK, 2, 2), SYN_HELD);
	cr_assert_eq(offer(2, 1000, ACK | PSH, 3, 3), SYN_HELD, "early data");
	cr_assert_eq(offer(2, 1000, ACK | FIN, 4, 4), SYN_HELD);
	cr_assert_eq(syn_take(t, 2, SYN_ST_replayed, o, 8), 4);
	for (int i = 0; i < 4; i++)
		cr_assert_eq(o[i].pkt, pkt((uintptr_t)i + 1), "arrival order at %d", i);
	cr_assert(o[0].is_syn);
	cr_assert_not(o[1].is_syn);
}

Test(syn, a_packet_of_no_held_flow_is_refused)
{
	cr_assert_eq(offer(2, 1000, ACK, 1, 1), SYN_NO_FLOW);
	cr_assert_eq(offer(2, 1000, SYN | ACK, 1, 1), SYN_NO_FLOW, "a SYN-ACK opens nothing");
	cr_assert_eq(offer(2, 1000, RST, 1, 1), SYN_NO_FLOW);
	cr_assert_eq(syn_held(t), 0);
}

Test(syn, a_client_rst_removes_its_flow)
{
	struct syn_out o[8];

	cr_assert_eq(offer(3, 1000, SYN, 1, 1), SYN_HELD);
	cr_assert_eq(offer(3, 2000, SYN, 2, 2), SYN_HELD);
	cr_assert_eq(offer(3, 1000, ACK, 3, 3), SYN_HELD);
	cr_assert_eq(offer(3, 1000, RST, 4, 4), SYN_CLIENT_RESET);
	cr_assert_eq(offer(3, 1000, ACK, 5, 5), SYN_NO_FLOW, "the flow is gone");
	cr_assert_eq(syn_take(t, 3, SYN_ST_replayed, o, 8), 3);
	cr_assert(o[0].dead && o[2].dead, "its packets come back dead, to be freed");
	cr_assert_not(o[1].dead, "the other flow is untouched");
	cr_assert_eq(o[1].pkt, pkt(2));
	cr_assert_eq(syn_stats(t, 3)[SYN_ST_replayed], 1, "dead ones are not replayed");
}

/* What the last offer evicted, as packet numbers (0 when none). */
static uintptr_t
evicted(void)
{
	struct syn_out o[SYN_EVICT_MAX];
	unsigned int n = syn_evicted(t, o, SYN_EVICT_MAX);

	cr_assert_leq(n, 1u, "one packet makes room for one");
	return n ? (uintptr_t)o[0].pkt : 0;
}

Test(syn, a_full_service_gives_up_its_oldest_not_the_newcomer)
{
	/* max_pending 6 per service, max_flows 4 */
	for (uint16_t i = 0; i < 4; i++)
		cr_assert_eq(offer(4, (uint16_t)(100 + i), SYN, i + 1u, i), SYN_HELD);
	cr_assert_eq(offer(4, 200, SYN, 9, 9), SYN_HELD, "max_flows 4: room is made");
	cr_assert_eq(evicted(), 1, "the oldest flow went");
	cr_assert_eq(offer(4, 100, ACK, 10, 10), SYN_NO_FLOW, "its flow is forgotten");
	cr_assert_eq(offer(4, 101, ACK, 11, 11), SYN_HELD);
	cr_assert_eq(evicted(), 0);
	cr_assert_eq(offer(4, 102, ACK, 12, 12), SYN_HELD);
	cr_assert_eq(syn_pending(t, 4), 6);
	cr_assert_eq(offer(4, 103, ACK, 13, 13), SYN_HELD, "max_pending 6: the oldest goes");
	cr_assert_eq(evicted(), 2);
	cr_assert_eq(syn_pending(t, 4), 6);
	cr_assert_eq(syn_stats(t, 4)[SYN_ST_evicted], 2);
	cr_assert_eq(syn_stats(t, 4)[SYN_ST_overflow], 0);
	struct syn_out o[8];
	cr_assert_eq(syn_take(t, 4, SYN_ST_replayed, o, 8), 6);
	cr_assert_eq(o[0].pkt, pkt(3), "arrival order kept");
}

Test(syn, a_full_budget_takes_from_the_service_that_holds_the_most)
{
	/* pool 10, max_pending 6: service 0 holds 5 (one flow), service 1 three
	 * (one flow), service 2 two: the budget is full */
	cr_assert_eq(offer(0, 300, SYN, 1, 1), SYN_HELD);
	for (uintptr_t i = 0; i < 4; i++)
		cr_assert_eq(offer(0, 300, ACK, 10 + i, 10 + i), SYN_HELD);
	cr_assert_eq(offer(1, 301, SYN, 2, 2), SYN_HELD);
	cr_assert_eq(offer(1, 301, ACK, 20, 20), SYN_HELD);
	cr_assert_eq(offer(1, 301, ACK, 21, 21), SYN_HELD);
	struct syn_key k = key(500);
	cr_assert_eq(syn_offer(t, 2, &k, ACK, 1, pkt(30), 30), SYN_HELD);
	cr_assert_eq(syn_offer(t, 2, &k, ACK, 1, pkt(31), 31), SYN_HELD);
	cr_assert_eq(syn_held(t), 10);
	uint32_t most = 99;
	cr_assert_eq(syn_most_held(t, &most), 5);
	cr_assert_eq(most, 0);

	/* service 3's newcomer is held; service 0's oldest (its SYN) goes */
	cr_assert_eq(syn_offer(t, 3, &k, ACK, 1, pkt(40), 40), SYN_HELD, "never the newcomer");
	cr_assert_eq(evicted(), 1);
	cr_assert_eq(syn_pending(t, 0), 4);
	/* 0 and 1 now hold 4 and 3: 0 again, its next oldest */
	cr_assert_eq(syn_offer(t, 3, &k, ACK, 1, pkt(41), 41), SYN_HELD);
	cr_assert_eq(evicted(), 10);
	cr_assert_eq(syn_offer(t, 3, &k, ACK, 1, pkt(42), 42), SYN_HELD);
	uintptr_t e = evicted();
	cr_assert(e == 11 || e == 2, "0 and 1 hold 3 each: the oldest of one of them");
	cr_assert_eq(syn_held(t), 10);
	cr_assert_eq(syn_stats(t, 0)[SYN_ST_evicted] + syn_stats(t, 1)[SYN_ST_evicted], 3);
	cr_assert_eq(syn_stats(t, 3)[SYN_ST_overflow], 0);
}

Test(syn, round_robin_reaches_every_active_service)
{
	struct syn_params p = { .n_services = 200, .max_pending = 2, .pool = 400, .max_flows = 400 };
	struct syn_table *b = syn_table_create(&p);
	uint8_t seen[200] = { 0 };
	uint32_t ids[64];

	for (uint32_t s = 0; s < 200; s++) {
		struct syn_key k = key((uint16_t)s);
		cr_assert_eq(syn_offer(b, s, &k, SYN, 0, pkt(s + 1), s), SYN_HELD);
	}
	/* four rounds of 64 see all 200: syn_active() alone saw the first 64 */
	for (int round = 0; round < 4; round++) {
		uint32_t n = syn_active_rr(b, ids, 64);
		cr_assert_eq(n, 64);
		for (uint32_t i = 0; i < n; i++)
			seen[ids[i]] = 1;
	}
	for (uint32_t s = 0; s < 200; s++)
		cr_assert(seen[s], "service %u never served", s);
	struct syn_out o[2];
	for (uint32_t s = 0; s < 200; s++)
		cr_assert_eq(syn_take(b, s, SYN_ST_replayed, o, 2), 1);
	cr_assert_eq(syn_active_rr(b, ids, 64), 0);
	syn_table_free(b);
}

Test(syn, expiry_gives_back_what_is_too_old)
{
	struct syn_out o[8];

	cr_assert_eq(offer(1, 1000, SYN, 1, 10), SYN_HELD);
	cr_assert_eq(offer(2, 2000, SYN, 2, 20), SYN_HELD);
	cr_assert_eq(offer(1, 1000, ACK, 3, 30), SYN_HELD);
	cr_assert_eq(offer(3, 3000, SYN, 4, 40), SYN_HELD);
	unsigned int n = syn_expire(t, 31, o, 8);
	cr_assert_eq(n, 3, "held before 31");
	cr_assert_eq(syn_pending(t, 1), 0);
	cr_assert_eq(syn_pending(t, 2), 0);
	cr_assert_eq(syn_pending(t, 3), 1);
	cr_assert_eq(syn_stats(t, 1)[SYN_ST_expired], 2);
	cr_assert_eq(offer(1, 1000, SYN, 5, 50), SYN_HELD, "an expired flow is forgotten");
	uint32_t act[8];
	cr_assert_eq(syn_active(t, act, 8), 2);
}

Test(syn, replay_keeps_order_across_flows_and_batches)
{
	struct syn_out o[2];
	uintptr_t next = 1;

	cr_assert_eq(offer(6, 1, SYN, 1, 1), SYN_HELD);
	cr_assert_eq(offer(6, 2, SYN, 2, 2), SYN_HELD);
	cr_assert_eq(offer(6, 1, ACK, 3, 3), SYN_HELD);
	cr_assert_eq(offer(6, 3, SYN, 4, 4), SYN_HELD);
	cr_assert_eq(offer(6, 2, ACK, 5, 5), SYN_HELD);
	unsigned int n;
	while ((n = syn_take(t, 6, SYN_ST_replayed, o, 2)) > 0)
		for (unsigned int i = 0; i < n; i++)
			cr_assert_eq(o[i].pkt, pkt(next++), "packet %lu out of order", next);
	cr_assert_eq(next, 6);
}

Test(syn, append_keeps_order_once_ready)
{
	struct syn_out o[4];
	struct syn_key k = key(1000);

	cr_assert_eq(offer(1, 1000, SYN, 1, 1), SYN_HELD);
	/* the service is READY but its queue is not empty: anything goes behind */
	cr_assert_eq(syn_offer(t, 1, &k, ACK, 1, pkt(2), 2), SYN_HELD);
	k.sport = 7;
	cr_assert_eq(syn_offer(t, 1, &k, ACK | PSH, 1, pkt(3), 3), SYN_HELD, "even other flows");
	cr_assert_eq(syn_take(t, 1, SYN_ST_replayed, o, 4), 3);
	cr_assert_eq(o[2].pkt, pkt(3));
	cr_assert_not(o[1].is_syn);
}

Test(syn, failure_gives_back_the_syns_to_answer)
{
	struct syn_out o[4];

	cr_assert_eq(offer(1, 1000, SYN, 1, 1), SYN_HELD);
	cr_assert_eq(offer(1, 1000, ACK, 2, 2), SYN_HELD);
	cr_assert_eq(syn_take(t, 1, SYN_ST_reset, o, 4), 2);
	cr_assert(o[0].is_syn, "answered with an RST");
	cr_assert_not(o[1].is_syn, "dropped");
	cr_assert_eq(syn_stats(t, 1)[SYN_ST_reset], 2);
}

Test(syn, many_flows_come_and_go)
{
	struct syn_params p = { .n_services = 2, .max_pending = 64, .pool = 64, .max_flows = 64 };
	struct syn_table *b = syn_table_create(&p);
	struct syn_out o[64];

	/* the flow table deletes by shifting: every flow must stay findable */
	for (int round = 0; round < 50; round++) {
		for (uint16_t i = 0; i < 60; i++) {
			struct syn_key k = key((uint16_t)(round * 97 + i * 13));
			cr_assert_eq(syn_offer(b, 0, &k, SYN, 0, pkt(i + 1u), i), SYN_HELD);
		}
		for (uint16_t i = 0; i < 60; i++) {
			struct syn_key k = key((uint16_t)(round * 97 + i * 13));
			cr_assert_eq(syn_offer(b, 0, &k, SYN, 0, pkt(99), 99), SYN_DUPLICATE);
		}
		cr_assert_eq(syn_take(b, 0, SYN_ST_replayed, o, 64), 60);
	}
	cr_assert_eq(syn_held(b), 0);
	syn_table_free(b);
}

Test(syn, bad_sizes)
{
	struct syn_params p = { .n_services = 0, .max_pending = 1, .pool = 1, .max_flows = 1 };

	cr_assert_null(syn_table_create(&p));
	cr_assert_eq(errno, EINVAL);
}
