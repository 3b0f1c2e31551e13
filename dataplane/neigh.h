/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * The uplink's neighbour (ARP) table: the MACs of the next hops that replies
 * go to (clients on the uplink's subnet, the router otherwise), resolved by
 * ARP requests the gateway sends itself, shared by all workers.
 *
 * A bounded hash table of 4-way buckets (collisions stay in their bucket;
 * a full bucket gives up its oldest entry that no lookup uses any more:
 * unresolved past its retry interval, or confirmed longer than `stale` ago).
 * Readers take no lock: each entry is a seqlock, read again when a writer
 * was at it; writers (a miss, an ARP reply, a few a second) take the entry
 * by a compare-and-swap on its sequence word and skip it when another worker
 * has it. Entries are aged: one confirmed less than `reachable` ago is used
 * as is; older, it is still used until `stale` while a unicast ARP request
 * to the known MAC refreshes it; past `stale` it is a miss.
 *
 * Nothing received replaces an entry by itself: only the ARP reply to a
 * request the gateway sent sets a MAC (the first reply wins, later ones are
 * unsolicited), and a MAC learned otherwise (dp_neigh_hint()) only starts a
 * verification. Multicast, broadcast and zero MACs are never stored.
 */
#ifndef JITSU_DP_NEIGH_H
#define JITSU_DP_NEIGH_H

#include <stdint.h>

#include <rte_ether.h>

#define DP_NEIGH_WAYS 4 /**< entries per bucket */

/** Sizes and clocks of a table (TSC units). */
struct dp_neigh_params {
	uint32_t entries;    /**< at most this many neighbours (rounded up to a power of two) */
	uint64_t reachable;  /**< a confirmation is trusted this long */
	uint64_t stale;      /**< and used this long while it is refreshed (>= reachable) */
	uint64_t retry;      /**< between two ARP requests for one address */
};

struct dp_neigh_table;

/** Create a table (heap, not on the packet path); NULL with errno set. */
struct dp_neigh_table *dp_neigh_create(const struct dp_neigh_params *prm);

/** Free a table (no worker may use it any more). */
void dp_neigh_free(struct dp_neigh_table *t);

/** Bytes the table takes (for the accounting in telemetry). */
size_t dp_neigh_memsize(const struct dp_neigh_table *t);

/** Entries in use, for telemetry (relaxed, approximate while written). */
uint32_t dp_neigh_count(const struct dp_neigh_table *t);

/** What dp_neigh_lookup() found. */
enum dp_neigh_result {
	DP_NEIGH_MISS = 0, /**< unknown, unresolved or too old: dp_neigh_solicit() */
	DP_NEIGH_HIT,      /**< @p mac is set */
	DP_NEIGH_REFRESH,  /**< @p mac is set, but ask again (dp_neigh_solicit()) */
};

/**
 * Look @p ip (network order) up at time @p now. Lock-free; never writes.
 */
enum dp_neigh_result dp_neigh_lookup(const struct dp_neigh_table *t, uint32_t ip, uint64_t now,
				     struct rte_ether_addr *mac);

/** What to do after dp_neigh_solicit(). */
enum dp_neigh_solicit {
	DP_NEIGH_SOL_WAIT = 0, /**< a request went out lately (or a writer is busy): wait */
	DP_NEIGH_SOL_BCAST,    /**< send a broadcast ARP request now */
	DP_NEIGH_SOL_UNICAST,  /**< send a unicast ARP request to @p mac now (refresh) */
	DP_NEIGH_SOL_FULL,     /**< no room: the bucket's entries are all fresh */
};

/**
 * Ask for @p ip: make its entry (unresolved) when there is none, and say
 * whether this caller sends the ARP request (at most one per `retry` per
 * address, whichever worker asks).
 */
enum dp_neigh_solicit dp_neigh_solicit(struct dp_neigh_table *t, uint32_t ip, uint64_t now,
				       struct rte_ether_addr *mac);

/**
 * Whether dp_neigh_solicit() would ask for @p ip now (no entry yet, or its
 * last request is a retry interval old). Read-only: lets the caller check
 * its ARP budget before anything is written.
 */
int dp_neigh_wants(const struct dp_neigh_table *t, uint32_t ip, uint64_t now);

/** A token bucket pacing one worker's ARP requests (its own clock, TSC). */
struct dp_arp_pace {
	uint64_t tsc;    /**< when the tokens were last counted */
	uint64_t per;    /**< TSC per token (> 0) */
	uint32_t tokens; /**< requests it may send now */
	uint32_t burst;  /**< at most this many at once */
};

/** Refill @p b at @p now: whether more than @p reserve tokens are left. */
static inline int
dp_arp_pace_ok(struct dp_arp_pace *b, uint64_t now, uint32_t reserve)
{
	if (b->tokens < b->burst && now > b->tsc) {
		uint64_t n = (now - b->tsc) / b->per;
		if (n >= b->burst - b->tokens) {
			b->tokens = b->burst;
			b->tsc = now;
		} else if (n > 0) {
			b->tokens += (uint32_t)n;
			b->tsc += n * b->per;
		}
	}
	return b->tokens > reserve;
}

/** Spend a token (after dp_arp_pace_ok()): a full bucket starts counting. */
static inline void
dp_arp_pace_take(struct dp_arp_pace *b, uint64_t now)
{
	if (b->tokens == b->burst)
		b->tsc = now;
	if (b->tokens > 0)
		b->tokens--;
}

/** What dp_neigh_confirm() did. */
enum dp_neigh_confirm {
	DP_NEIGH_CONFIRMED = 0, /**< the entry has @p mac now */
	DP_NEIGH_UNSOLICITED,   /**< no request of ours was waiting for it: ignored */
	DP_NEIGH_BAD_MAC,       /**< multicast, broadcast or zero: refused */
	DP_NEIGH_BUSY,          /**< another worker was writing the entry: ignored */
};

/** An ARP reply from @p ip at @p mac, to our request. */
enum dp_neigh_confirm dp_neigh_confirm(struct dp_neigh_table *t, uint32_t ip,
				       const struct rte_ether_addr *mac, uint64_t now);

/**
 * @p ip was seen at @p mac in a received packet: at most a hint. When the
 * entry has another MAC, a verification starts (the next dp_neigh_solicit()
 * asks the known MAC again; only the reply can change the entry).
 * @return 1 when it differs from the entry (the caller may solicit), else 0.
 */
int dp_neigh_hint(struct dp_neigh_table *t, uint32_t ip, const struct rte_ether_addr *mac,
		  uint64_t now);

#define DP_ARP_REQ_LEN 60 /**< an ARP request, padded to the Ethernet minimum */

/**
 * Write at @p frame (DP_ARP_REQ_LEN bytes) an ARP request for @p tip from
 * @p sip at @p src, to @p dst (broadcast, or a neighbour's MAC to refresh).
 */
uint16_t dp_arp_request_frame(uint8_t *frame, const struct rte_ether_addr *dst,
			      const struct rte_ether_addr *src, uint32_t sip, uint32_t tip);

#endif
