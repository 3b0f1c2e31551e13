/* SPDX-License-Identifier: BSD-3-Clause */
/* dataplane/neigh.c: the uplink's neighbour table: resolution by our own
 * ARP requests, collisions, aging and refresh, what may and may not change
 * an entry, and lock-free readers beside a writer. */
#include <criterion/criterion.h>
#include <pthread.h>

#include "../../dataplane/neigh.h"
#include "helpers.h"

#define REACH 1000
#define STALE 1500
#define RETRY 100

static struct dp_neigh_table *t;
static const struct rte_ether_addr cli = { { 0x02, 0, 0, 0, 0, 0x02 } };
static const struct rte_ether_addr spoof = { { 0x02, 0x66, 0, 0, 0, 0x66 } };

static void
setup(void)
{
	struct dp_neigh_params p = { .entries = 16, .reachable = REACH, .stale = STALE,
				     .retry = RETRY };

	t = dp_neigh_create(&p);
	cr_assert_not_null(t);
}

static void
teardown(void)
{
	dp_neigh_free(t);
}

TestSuite(neigh, .init = setup, .fini = teardown);

/* Resolve @ip at @mac at time @now, as a request and its reply would. */
static void
resolve(uint32_t ip, const struct rte_ether_addr *mac, uint64_t now)
{
	struct rte_ether_addr m;

	cr_assert_eq(dp_neigh_solicit(t, ip, now, &m), DP_NEIGH_SOL_BCAST);
	cr_assert_eq(dp_neigh_confirm(t, ip, mac, now + 1), DP_NEIGH_CONFIRMED);
}

Test(neigh, a_miss_asks_once_per_retry_and_the_reply_resolves)
{
	struct rte_ether_addr m;
	uint32_t ip = th_ip("10.77.0.2");

	cr_assert_eq(dp_neigh_lookup(t, ip, 10, &m), DP_NEIGH_MISS);
	cr_assert_eq(dp_neigh_solicit(t, ip, 10, &m), DP_NEIGH_SOL_BCAST);
	cr_assert_eq(dp_neigh_solicit(t, ip, 50, &m), DP_NEIGH_SOL_WAIT, "asked lately");
	cr_assert_eq(dp_neigh_lookup(t, ip, 50, &m), DP_NEIGH_MISS, "unresolved");
	cr_assert_eq(dp_neigh_solicit(t, ip, 10 + RETRY, &m), DP_NEIGH_SOL_BCAST, "again");
	cr_assert_eq(dp_neigh_confirm(t, ip, &cli, 120), DP_NEIGH_CONFIRMED);
	cr_assert_eq(dp_neigh_lookup(t, ip, 130, &m), DP_NEIGH_HIT);
	cr_assert(rte_is_same_ether_addr(&m, &cli));
	cr_assert_eq(dp_neigh_count(t), 1);
	cr_assert_gt(dp_neigh_memsize(t), 16 * 32);
}

Test(neigh, unsolicited_replies_change_nothing)
{
	struct rte_ether_addr m;
	uint32_t ip = th_ip("10.77.0.2");

	cr_assert_eq(dp_neigh_confirm(t, ip, &spoof, 5), DP_NEIGH_UNSOLICITED, "never asked");
	cr_assert_eq(dp_neigh_lookup(t, ip, 5, &m), DP_NEIGH_MISS);
	resolve(ip, &cli, 10);
	cr_assert_eq(dp_neigh_confirm(t, ip, &spoof, 20), DP_NEIGH_UNSOLICITED,
		     "the first answer wins");
	cr_assert_eq(dp_neigh_lookup(t, ip, 30, &m), DP_NEIGH_HIT);
	cr_assert(rte_is_same_ether_addr(&m, &cli));
}

Test(neigh, a_late_reply_is_not_taken)
{
	struct rte_ether_addr m;
	uint32_t ip = th_ip("10.77.0.2");

	cr_assert_eq(dp_neigh_solicit(t, ip, 10, &m), DP_NEIGH_SOL_BCAST);
	cr_assert_eq(dp_neigh_confirm(t, ip, &cli, 10 + 10 * RETRY), DP_NEIGH_UNSOLICITED);
}

Test(neigh, multicast_broadcast_and_zero_macs_are_refused)
{
	static const struct rte_ether_addr bad[] = {
		{ { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff } },
		{ { 0x01, 0x00, 0x5e, 0x00, 0x00, 0x01 } },
		{ { 0x33, 0x33, 0x00, 0x00, 0x00, 0x01 } },
		{ { 0, 0, 0, 0, 0, 0 } },
	};
	struct rte_ether_addr m;
	uint32_t ip = th_ip("10.77.0.2");

	cr_assert_eq(dp_neigh_solicit(t, ip, 10, &m), DP_NEIGH_SOL_BCAST);
	for (unsigned int i = 0; i < 4; i++)
		cr_assert_eq(dp_neigh_confirm(t, ip, &bad[i], 11), DP_NEIGH_BAD_MAC, "mac %u", i);
	cr_assert_eq(dp_neigh_lookup(t, ip, 12, &m), DP_NEIGH_MISS);
	cr_assert_eq(dp_neigh_confirm(t, ip, &cli, 12), DP_NEIGH_CONFIRMED, "still awaited");
	cr_assert_eq(dp_neigh_hint(t, ip, &bad[0], 13), 0, "not even a hint");
}

Test(neigh, entries_age_are_refreshed_at_their_own_mac_then_expire)
{
	struct rte_ether_addr m;
	uint32_t ip = th_ip("10.77.0.2");

	resolve(ip, &cli, 0);
	cr_assert_eq(dp_neigh_lookup(t, ip, REACH - 1, &m), DP_NEIGH_HIT);
	cr_assert_eq(dp_neigh_lookup(t, ip, REACH + 10, &m), DP_NEIGH_REFRESH, "still used");
	cr_assert(rte_is_same_ether_addr(&m, &cli));
	memset(&m, 0, sizeof(m));
	cr_assert_eq(dp_neigh_solicit(t, ip, REACH + 10, &m), DP_NEIGH_SOL_UNICAST,
		     "asked at its own MAC");
	cr_assert(rte_is_same_ether_addr(&m, &cli));
	/* the refresh: only the MAC that was asked can answer it */
	cr_assert_eq(dp_neigh_confirm(t, ip, &spoof, REACH + 11), DP_NEIGH_UNSOLICITED);
	cr_assert_eq(dp_neigh_confirm(t, ip, &cli, REACH + 12), DP_NEIGH_CONFIRMED);
	cr_assert_eq(dp_neigh_lookup(t, ip, REACH + 20, &m), DP_NEIGH_HIT, "fresh again");
	/* no answer: used until stale, then a miss, asked by broadcast */
	uint64_t c = REACH + 12;
	cr_assert_eq(dp_neigh_solicit(t, ip, c + REACH, &m), DP_NEIGH_SOL_UNICAST);
	cr_assert_eq(dp_neigh_solicit(t, ip, c + REACH + RETRY, &m), DP_NEIGH_SOL_BCAST,
		     "the unicast went unanswered");
	cr_assert_eq(dp_neigh_lookup(t, ip, c + STALE, &m), DP_NEIGH_MISS, "too old");
}

Test(neigh, a_packet_from_another_mac_is_only_a_hint)
{
	struct rte_ether_addr m;
	uint32_t ip = th_ip("10.77.0.2");

	cr_assert_eq(dp_neigh_hint(t, ip, &spoof, 5), 0, "no entry: nothing to verify");
	cr_assert_eq(dp_neigh_lookup(t, ip, 5, &m), DP_NEIGH_MISS, "and nothing learned");
	resolve(ip, &cli, 10);
	cr_assert_eq(dp_neigh_hint(t, ip, &cli, 20), 0, "the same MAC");
	cr_assert_eq(dp_neigh_hint(t, ip, &spoof, 20), 1, "another: verify");
	/* the verification goes to the known MAC, whose answer keeps it */
	cr_assert_eq(dp_neigh_solicit(t, ip, 20 + RETRY, &m), DP_NEIGH_SOL_UNICAST);
	cr_assert(rte_is_same_ether_addr(&m, &cli));
	cr_assert_eq(dp_neigh_confirm(t, ip, &spoof, 21 + RETRY), DP_NEIGH_UNSOLICITED);
	cr_assert_eq(dp_neigh_confirm(t, ip, &cli, 22 + RETRY), DP_NEIGH_CONFIRMED);
	cr_assert_eq(dp_neigh_lookup(t, ip, 30 + RETRY, &m), DP_NEIGH_HIT);
	cr_assert(rte_is_same_ether_addr(&m, &cli), "never the spoofer's");
}

Test(neigh, colliding_addresses_keep_their_own_entries)
{
	/* 16 entries: 4 buckets of 4 ways; 64 addresses collide in them */
	struct rte_ether_addr m, mac[64];
	uint32_t ip[64], kept = 0;

	for (uint32_t i = 0; i < 64; i++) {
		ip[i] = th_ip("10.77.0.0") + htonl(i + 1);
		mac[i] = (struct rte_ether_addr){ { 0x02, 0, 0, 0, (uint8_t)(i >> 8), (uint8_t)i } };
		enum dp_neigh_solicit r = dp_neigh_solicit(t, ip[i], 10, &m);
		cr_assert(r == DP_NEIGH_SOL_BCAST || r == DP_NEIGH_SOL_FULL);
		if (r == DP_NEIGH_SOL_BCAST) {
			cr_assert_eq(dp_neigh_confirm(t, ip[i], &mac[i], 11), DP_NEIGH_CONFIRMED);
			kept++;
		}
	}
	cr_assert_eq(kept, 16, "bounded: as many as it has entries (%u)", kept);
	cr_assert_eq(dp_neigh_count(t), 16);
	for (uint32_t i = 0; i < 64; i++) {
		enum dp_neigh_result r = dp_neigh_lookup(t, ip[i], 20, &m);
		if (r == DP_NEIGH_HIT)
			cr_assert(rte_is_same_ether_addr(&m, &mac[i]), "%u has another's MAC", i);
	}
	/* fresh entries are not pushed out; aged ones give way */
	cr_assert_eq(dp_neigh_solicit(t, th_ip("10.77.1.1"), 30, &m), DP_NEIGH_SOL_FULL);
	cr_assert_eq(dp_neigh_solicit(t, th_ip("10.77.1.1"), 11 + REACH, &m), DP_NEIGH_SOL_FULL,
		     "still in use while refreshed");
	cr_assert_eq(dp_neigh_solicit(t, th_ip("10.77.1.1"), 11 + STALE, &m), DP_NEIGH_SOL_BCAST);
}

Test(neigh, a_flood_of_unanswered_addresses_never_evicts_a_neighbour_in_use)
{
	struct rte_ether_addr m;
	uint32_t c = th_ip("10.77.0.2");

	resolve(c, &cli, 10);
	/* C past `reachable`: in use while its refresh is on its way; spoofed
	 * addresses (never answering) churn through its bucket meanwhile */
	for (uint64_t now = 11 + REACH; now < 10 + STALE; now += RETRY) {
		for (uint32_t i = 0; i < 64; i++)
			dp_neigh_solicit(t, th_ip("10.99.0.0") + htonl((uint32_t)now * 64 + i), now,
					 &m);
		cr_assert_eq(dp_neigh_lookup(t, c, now, &m), DP_NEIGH_REFRESH,
			     "evicted at %lu", (unsigned long)now);
		cr_assert(rte_is_same_ether_addr(&m, &cli));
	}
	/* and once its refresh is answered it is trusted again */
	cr_assert_eq(dp_neigh_solicit(t, c, 10 + STALE - 1, &m), DP_NEIGH_SOL_UNICAST);
	cr_assert_eq(dp_neigh_confirm(t, c, &cli, 10 + STALE), DP_NEIGH_CONFIRMED);
	cr_assert_eq(dp_neigh_lookup(t, c, 11 + STALE, &m), DP_NEIGH_HIT);
}

Test(neigh, unresolved_entries_give_way_after_their_retry)
{
	struct rte_ether_addr m;
	uint32_t n_full = 0;

	/* a flood of misses for spoofed sources cannot lock out a real client */
	for (uint32_t i = 0; i < 64; i++)
		if (dp_neigh_solicit(t, th_ip("10.99.0.0") + htonl(i), 10, &m) == DP_NEIGH_SOL_FULL)
			n_full++;
	cr_assert_eq(n_full, 48);
	cr_assert_eq(dp_neigh_solicit(t, th_ip("10.77.0.2"), 10 + RETRY, &m), DP_NEIGH_SOL_BCAST);
	cr_assert_eq(dp_neigh_confirm(t, th_ip("10.77.0.2"), &cli, 11 + RETRY), DP_NEIGH_CONFIRMED);
}

Test(neigh, zero_is_never_an_entry)
{
	struct rte_ether_addr m;

	cr_assert_eq(dp_neigh_lookup(t, 0, 1, &m), DP_NEIGH_MISS);
	cr_assert_eq(dp_neigh_solicit(t, 0, 1, &m), DP_NEIGH_SOL_FULL);
	cr_assert_eq(dp_neigh_confirm(t, 0, &cli, 1), DP_NEIGH_UNSOLICITED);
}

Test(neigh, arp_request_frame)
{
	uint8_t f[DP_ARP_REQ_LEN];
	static const struct rte_ether_addr bc = { { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff } };
	uint32_t sip = th_ip("10.77.0.1"), tip = th_ip("10.77.0.2");

	cr_assert_eq(dp_arp_request_frame(f, &bc, &cli, sip, tip), 60);
	cr_assert_eq(memcmp(f, bc.addr_bytes, 6), 0);
	cr_assert_eq(th_get16(f + 12), 0x0806);
	cr_assert_eq(th_get16(f + 20), 1, "a request");
	cr_assert_eq(memcmp(f + 22, cli.addr_bytes, 6), 0);
	cr_assert_eq(memcmp(f + 28, &sip, 4), 0);
	cr_assert_eq(memcmp(f + 38, &tip, 4), 0);
}

/* ---- shared: workers read while another writes ---- */

static volatile int stop;
static struct rte_ether_addr macs[2] = {
	{ { 0x02, 0x11, 0x11, 0x11, 0x11, 0x11 } },
	{ { 0x02, 0x22, 0x22, 0x22, 0x22, 0x22 } },
};
static uint64_t clock_now;

static void *
reader(void *arg)
{
	uint64_t *bad = arg;
	struct rte_ether_addr m;

	while (!__atomic_load_n(&stop, __ATOMIC_RELAXED)) {
		uint64_t now = __atomic_load_n(&clock_now, __ATOMIC_RELAXED);
		if (dp_neigh_lookup(t, th_ip("10.77.0.2"), now, &m) != DP_NEIGH_MISS &&
		    !rte_is_same_ether_addr(&m, &macs[0]) && !rte_is_same_ether_addr(&m, &macs[1]))
			(*bad)++; /* a torn read */
	}
	return NULL;
}

Test(neigh, readers_see_whole_entries_while_a_writer_changes_them)
{
	pthread_t th[2];
	uint64_t bad[2] = { 0, 0 };
	struct rte_ether_addr m;
	uint32_t ip = th_ip("10.77.0.2");

	for (int i = 0; i < 2; i++)
		cr_assert_eq(pthread_create(&th[i], NULL, reader, &bad[i]), 0);
	/* an entry that is resolved again and again, alternating MACs (each a
	 * broadcast resolution after it went stale) */
	uint64_t now = 1;
	for (int i = 0; i < 200000; i++) {
		now += STALE + 1;
		__atomic_store_n(&clock_now, now, __ATOMIC_RELAXED);
		if (dp_neigh_solicit(t, ip, now, &m) == DP_NEIGH_SOL_BCAST)
			dp_neigh_confirm(t, ip, &macs[i & 1], now);
	}
	__atomic_store_n(&stop, 1, __ATOMIC_RELAXED);
	for (int i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	cr_assert_eq(bad[0] + bad[1], 0, "torn reads");
	cr_assert_eq(dp_neigh_lookup(t, ip, now, &m), DP_NEIGH_HIT);
}

Test(neigh, wants_is_what_solicit_would_do_and_writes_nothing)
{
	struct rte_ether_addr m;
	uint32_t ip = th_ip("10.77.0.2");

	cr_assert(dp_neigh_wants(t, ip, 10), "unknown: would ask");
	cr_assert_eq(dp_neigh_count(t), 0, "read-only");
	cr_assert_eq(dp_neigh_solicit(t, ip, 10, &m), DP_NEIGH_SOL_BCAST);
	cr_assert(!dp_neigh_wants(t, ip, 10 + RETRY - 1), "asked lately");
	cr_assert(dp_neigh_wants(t, ip, 10 + RETRY));
	cr_assert(!dp_neigh_wants(t, 0, 10));
}

Test(neigh, arp_pace_holds_its_rate_and_keeps_a_reserve)
{
	struct dp_arp_pace b = { 0, 10, 8, 8 };
	uint32_t sent = 0;

	/* a long run of demand at every tick: at most the burst plus one per period */
	for (uint64_t now = 1000; now < 11000; now++)
		if (dp_arp_pace_ok(&b, now, 0)) {
			dp_arp_pace_take(&b, now);
			sent++;
		}
	cr_assert_leq(sent, 8 + 1000, "%u sent", sent);
	cr_assert_geq(sent, 1000 - 1, "%u sent", sent);
	/* idle: it fills up to the burst, never beyond */
	b.tokens = 0;
	b.tsc = 20000;
	cr_assert(dp_arp_pace_ok(&b, 1000000, 0));
	cr_assert_eq(b.tokens, 8);
	/* a reserve: guesses stop at half, real misses go on */
	for (int i = 0; i < 4; i++) {
		cr_assert(dp_arp_pace_ok(&b, 1000000, 4));
		dp_arp_pace_take(&b, 1000000);
	}
	cr_assert(!dp_arp_pace_ok(&b, 1000000, 4), "the reserve is kept");
	cr_assert(dp_arp_pace_ok(&b, 1000000, 0));
	/* a full bucket does not bank the time it was full */
	b = (struct dp_arp_pace){ 0, 10, 8, 8 };
	for (int i = 0; i < 8; i++) {
		cr_assert(dp_arp_pace_ok(&b, 5000, 0));
		dp_arp_pace_take(&b, 5000);
	}
	cr_assert(!dp_arp_pace_ok(&b, 5009, 0));
	cr_assert(dp_arp_pace_ok(&b, 5010, 0));
	cr_assert_eq(b.tokens, 1);
}

Test(neigh, addresses_asked_again_and_again_without_answer_still_give_way)
{
	struct rte_ether_addr m;
	uint32_t ip[64], n = 0;

	/* spoofed addresses fill every bucket, and whoever prompts requests
	 * for them asks again at every retry interval: they never answer */
	for (uint32_t i = 0; i < 64; i++)
		if (dp_neigh_solicit(t, th_ip("10.99.0.0") + htonl(i), 10, &m) == DP_NEIGH_SOL_BCAST)
			ip[n++] = th_ip("10.99.0.0") + htonl(i);
	cr_assert_eq(n, 16);
	for (uint64_t s = 1; s <= 4; s++)
		for (uint32_t i = 0; i < n; i++)
			cr_assert_eq(dp_neigh_solicit(t, ip[i], 10 + s * RETRY, &m), DP_NEIGH_SOL_BCAST);
	/* they had their four chances: a real client gets its place */
	uint32_t c = th_ip("10.77.0.2");
	cr_assert_eq(dp_neigh_solicit(t, c, 11 + 4 * RETRY, &m), DP_NEIGH_SOL_BCAST);
	cr_assert_eq(dp_neigh_confirm(t, c, &cli, 12 + 4 * RETRY), DP_NEIGH_CONFIRMED);
	cr_assert_eq(dp_neigh_lookup(t, c, 13 + 4 * RETRY, &m), DP_NEIGH_HIT);
}
