/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The uplink's neighbour table (neigh.h): 4-way buckets of seqlocked
 * entries, written a few times a second (misses, ARP replies), read per
 * forwarded packet without a lock.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_arp.h>
#include <rte_byteorder.h>

#include "neigh.h"

/* mac word: the MAC's six bytes (memory order) in the low 48 bits, the
 * state in bits 48..55, the kind of request outstanding in 56..63 */
#define NB_ST_SHIFT 48
#define NB_WAIT_SHIFT 56
#define NB_MAC_MASK ((1ull << 48) - 1)

enum { NB_INCOMPLETE = 1, NB_REACHABLE = 2 };
enum { NB_WAIT_NONE = 0, NB_WAIT_BCAST = 1, NB_WAIT_UNICAST = 2 };

#define NB_READ_TRIES 8  /* a reader that keeps meeting a writer calls it a miss */
#define NB_REPLY_WINDOW 4 /* retries: how long a reply to a request is awaited */

struct nb_ent {
	uint32_t seq;       /* odd while a writer has it */
	uint32_t ip;        /* network order; 0: empty */
	uint64_t word;      /* MAC, state, request outstanding */
	uint64_t confirmed; /* TSC of the last confirmation (reachable), of its making (not) */
	uint64_t requested; /* TSC of the last request; claimed by the writer */
};

struct nb_bucket {
	struct nb_ent e[DP_NEIGH_WAYS];
} __attribute__((aligned(64)));

struct dp_neigh_table {
	struct dp_neigh_params prm;
	uint32_t mask;  /* buckets - 1 */
	uint32_t used;  /* entries ever filled (relaxed) */
	struct nb_bucket *b;
};

struct dp_neigh_table *
dp_neigh_create(const struct dp_neigh_params *prm)
{
	if (prm->entries == 0 || prm->entries > (1u << 24) || prm->stale < prm->reachable ||
	    prm->retry == 0) {
		errno = EINVAL;
		return NULL;
	}
	struct dp_neigh_table *t = calloc(1, sizeof(*t));
	if (t == NULL)
		return NULL;
	uint32_t n = 1;
	while (n * DP_NEIGH_WAYS < prm->entries)
		n <<= 1;
	t->prm = *prm;
	t->mask = n - 1;
	t->b = aligned_alloc(64, (size_t)n * sizeof(*t->b));
	if (t->b == NULL) {
		free(t);
		errno = ENOMEM;
		return NULL;
	}
	memset(t->b, 0, (size_t)n * sizeof(*t->b));
	return t;
}

void
dp_neigh_free(struct dp_neigh_table *t)
{
	if (t == NULL)
		return;
	free(t->b);
	free(t);
}

size_t
dp_neigh_memsize(const struct dp_neigh_table *t)
{
	return sizeof(*t) + ((size_t)t->mask + 1) * sizeof(*t->b);
}

uint32_t
dp_neigh_count(const struct dp_neigh_table *t)
{
	return __atomic_load_n(&t->used, __ATOMIC_RELAXED);
}

static inline struct nb_bucket *
nb_bucket(const struct dp_neigh_table *t, uint32_t ip)
{
	uint32_t h = ip; /* murmur3's finaliser: every bit of the address counts */

	h ^= h >> 16;
	h *= 0x85ebca6bu;
	h ^= h >> 13;
	h *= 0xc2b2ae35u;
	h ^= h >> 16;
	return &t->b[h & t->mask];
}

static inline uint64_t
nb_mac_word(const struct rte_ether_addr *mac)
{
	uint64_t w = 0;

	memcpy(&w, mac->addr_bytes, RTE_ETHER_ADDR_LEN); /* little or big: read back alike */
	return w & NB_MAC_MASK;
}

static inline void
nb_word_mac(uint64_t w, struct rte_ether_addr *mac)
{
	uint64_t m = w & NB_MAC_MASK;

	memcpy(mac->addr_bytes, &m, RTE_ETHER_ADDR_LEN);
}

static inline uint64_t
nb_word(uint64_t mac, unsigned int st, unsigned int wait)
{
	return mac | (uint64_t)st << NB_ST_SHIFT | (uint64_t)wait << NB_WAIT_SHIFT;
}

static inline unsigned int
nb_state(uint64_t w)
{
	return (unsigned int)(w >> NB_ST_SHIFT) & 0xff;
}

static inline unsigned int
nb_wait(uint64_t w)
{
	return (unsigned int)(w >> NB_WAIT_SHIFT) & 0xff;
}

/* Time since @then; 0 when @then is later (another worker's clock, read at
 * the start of its burst, may be ahead of this one's). */
static inline uint64_t
nb_age(uint64_t now, uint64_t then)
{
	return now > then ? now - then : 0;
}

/* One consistent snapshot of an entry; -1 when a writer kept it busy. */
static int
nb_read(const struct nb_ent *e, uint32_t *ip, uint64_t *word, uint64_t *confirmed)
{
	for (int i = 0; i < NB_READ_TRIES; i++) {
		uint32_t s1 = __atomic_load_n(&e->seq, __ATOMIC_ACQUIRE);
		if (s1 & 1)
			continue;
		*ip = __atomic_load_n(&e->ip, __ATOMIC_RELAXED);
		*word = __atomic_load_n(&e->word, __ATOMIC_RELAXED);
		*confirmed = __atomic_load_n(&e->confirmed, __ATOMIC_RELAXED);
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		if (__atomic_load_n(&e->seq, __ATOMIC_RELAXED) == s1)
			return 0;
	}
	return -1;
}

/* Take an entry for writing; -1 when another worker has it. */
static int
nb_lock(struct nb_ent *e)
{
	uint32_t s = __atomic_load_n(&e->seq, __ATOMIC_RELAXED);

	if ((s & 1) || !__atomic_compare_exchange_n(&e->seq, &s, s + 1, 0, __ATOMIC_ACQUIRE,
						    __ATOMIC_RELAXED))
		return -1;
	__atomic_thread_fence(__ATOMIC_RELEASE); /* the odd word before the new fields */
	return 0;
}

static void
nb_unlock(struct nb_ent *e)
{
	__atomic_store_n(&e->seq, __atomic_load_n(&e->seq, __ATOMIC_RELAXED) + 1,
			 __ATOMIC_RELEASE);
}

static inline void
nb_set(struct nb_ent *e, uint32_t ip, uint64_t word, uint64_t confirmed, uint64_t requested)
{
	__atomic_store_n(&e->ip, ip, __ATOMIC_RELAXED);
	__atomic_store_n(&e->word, word, __ATOMIC_RELAXED);
	__atomic_store_n(&e->confirmed, confirmed, __ATOMIC_RELAXED);
	__atomic_store_n(&e->requested, requested, __ATOMIC_RELAXED);
}

enum dp_neigh_result
dp_neigh_lookup(const struct dp_neigh_table *t, uint32_t ip, uint64_t now,
		struct rte_ether_addr *mac)
{
	const struct nb_bucket *b = nb_bucket(t, ip);

	if (ip == 0)
		return DP_NEIGH_MISS;
	for (int i = 0; i < DP_NEIGH_WAYS; i++) {
		uint32_t eip;
		uint64_t w, c;
		/* a racing second entry for the address may be unresolved: go on */
		if (__atomic_load_n(&b->e[i].ip, __ATOMIC_RELAXED) != ip ||
		    nb_read(&b->e[i], &eip, &w, &c) != 0 || eip != ip ||
		    nb_state(w) != NB_REACHABLE)
			continue;
		uint64_t age = nb_age(now, c);
		if (age >= t->prm.stale)
			continue;
		nb_word_mac(w, mac);
		return age < t->prm.reachable ? DP_NEIGH_HIT : DP_NEIGH_REFRESH;
	}
	return DP_NEIGH_MISS;
}

/* May @e give its place to a new address at @now? @return its age (the
 * oldest goes first), or 0. Only entries no lookup uses any more: empty,
 * unresolved once their requests had their chance, or confirmed longer
 * than `stale` ago. One that is in use, while its refresh is on its way,
 * is never pushed out: a flood of addresses that never answer (spoofed
 * sources) must not evict a neighbour that is talking to us. */
static uint64_t
nb_evictable(const struct dp_neigh_table *t, const struct nb_ent *e, uint64_t now)
{
	uint32_t ip = __atomic_load_n(&e->ip, __ATOMIC_RELAXED);
	uint64_t w = __atomic_load_n(&e->word, __ATOMIC_RELAXED);

	if (ip == 0)
		return UINT64_MAX;
	if (nb_state(w) == NB_REACHABLE) {
		uint64_t age = nb_age(now, __atomic_load_n(&e->confirmed, __ATOMIC_RELAXED));
		return age >= t->prm.stale ? age : 0;
	}
	/* unresolved: once its last request had its chance, or once it had
	 * all its chances, however often it is asked again (who keeps
	 * prompting requests for an address that never answers must not keep
	 * its place: `confirmed` is when an unresolved entry was made) */
	uint64_t age = nb_age(now, __atomic_load_n(&e->requested, __ATOMIC_RELAXED));
	if (age >= t->prm.retry)
		return age;
	uint64_t life = nb_age(now, __atomic_load_n(&e->confirmed, __ATOMIC_RELAXED));
	return life >= NB_REPLY_WINDOW * t->prm.retry ? life : 0;
}

enum dp_neigh_solicit
dp_neigh_solicit(struct dp_neigh_table *t, uint32_t ip, uint64_t now, struct rte_ether_addr *mac)
{
	struct nb_bucket *b = nb_bucket(t, ip);
	struct nb_ent *victim = NULL;
	uint64_t oldest = 0;

	if (ip == 0)
		return DP_NEIGH_SOL_FULL;
	for (int i = 0; i < DP_NEIGH_WAYS; i++) {
		struct nb_ent *e = &b->e[i];
		if (__atomic_load_n(&e->ip, __ATOMIC_RELAXED) != ip)
			continue;
		/* asked lately: no write at all (this runs per packet while an
		 * entry is refreshed) */
		uint64_t req0 = __atomic_load_n(&e->requested, __ATOMIC_RELAXED);
		if (req0 != 0 && nb_age(now, req0) < t->prm.retry)
			return DP_NEIGH_SOL_WAIT;
		if (nb_lock(e) != 0)
			return DP_NEIGH_SOL_WAIT;
		enum dp_neigh_solicit r = DP_NEIGH_SOL_WAIT;
		uint64_t req = __atomic_load_n(&e->requested, __ATOMIC_RELAXED);
		uint64_t w = __atomic_load_n(&e->word, __ATOMIC_RELAXED);
		uint64_t c = __atomic_load_n(&e->confirmed, __ATOMIC_RELAXED);
		if (e->ip == ip && (req == 0 || nb_age(now, req) >= t->prm.retry)) {
			/* a known neighbour is asked at its own MAC first (a
			 * spoofer on a switched segment does not see it); one
			 * that did not answer that, or is too old, by broadcast */
			int uni = nb_state(w) == NB_REACHABLE && nb_age(now, c) < t->prm.stale &&
				  nb_wait(w) != NB_WAIT_UNICAST;
			r = uni ? DP_NEIGH_SOL_UNICAST : DP_NEIGH_SOL_BCAST;
			nb_word_mac(w, mac);
			__atomic_store_n(&e->word,
					 nb_word(w & NB_MAC_MASK, nb_state(w),
						 uni ? NB_WAIT_UNICAST : NB_WAIT_BCAST),
					 __ATOMIC_RELAXED);
			__atomic_store_n(&e->requested, now, __ATOMIC_RELAXED);
		}
		nb_unlock(e);
		return r;
	}
	for (int i = 0; i < DP_NEIGH_WAYS; i++) {
		uint64_t age = nb_evictable(t, &b->e[i], now);
		if (age > oldest) {
			oldest = age;
			victim = &b->e[i];
		}
	}
	if (victim == NULL)
		return DP_NEIGH_SOL_FULL;
	if (nb_lock(victim) != 0)
		return DP_NEIGH_SOL_WAIT;
	/* another worker may have added it meanwhile, or taken the place */
	for (int i = 0; i < DP_NEIGH_WAYS; i++)
		if (&b->e[i] != victim && __atomic_load_n(&b->e[i].ip, __ATOMIC_RELAXED) == ip) {
			nb_unlock(victim);
			return DP_NEIGH_SOL_WAIT;
		}
	if (nb_evictable(t, victim, now) == 0) {
		nb_unlock(victim);
		return DP_NEIGH_SOL_WAIT;
	}
	if (victim->ip == 0)
		__atomic_fetch_add(&t->used, 1, __ATOMIC_RELAXED);
	nb_set(victim, ip, nb_word(0, NB_INCOMPLETE, NB_WAIT_BCAST), now, now);
	nb_unlock(victim);
	return DP_NEIGH_SOL_BCAST;
}

int
dp_neigh_wants(const struct dp_neigh_table *t, uint32_t ip, uint64_t now)
{
	const struct nb_bucket *b = nb_bucket(t, ip);

	if (ip == 0)
		return 0;
	for (int i = 0; i < DP_NEIGH_WAYS; i++)
		if (__atomic_load_n(&b->e[i].ip, __ATOMIC_RELAXED) == ip) {
			uint64_t req = __atomic_load_n(&b->e[i].requested, __ATOMIC_RELAXED);
			return req == 0 || nb_age(now, req) >= t->prm.retry;
		}
	return 1;
}

static inline int
nb_mac_ok(const struct rte_ether_addr *mac)
{
	return !rte_is_multicast_ether_addr(mac) && !rte_is_zero_ether_addr(mac);
}

enum dp_neigh_confirm
dp_neigh_confirm(struct dp_neigh_table *t, uint32_t ip, const struct rte_ether_addr *mac,
		 uint64_t now)
{
	struct nb_bucket *b = nb_bucket(t, ip);
	enum dp_neigh_confirm r = DP_NEIGH_UNSOLICITED;

	if (!nb_mac_ok(mac)) /* broadcast is multicast too */
		return DP_NEIGH_BAD_MAC;
	if (ip == 0)
		return DP_NEIGH_UNSOLICITED;
	uint64_t m = nb_mac_word(mac);
	for (int i = 0; i < DP_NEIGH_WAYS; i++) {
		struct nb_ent *e = &b->e[i];
		if (__atomic_load_n(&e->ip, __ATOMIC_RELAXED) != ip)
			continue;
		if (nb_lock(e) != 0) {
			if (r != DP_NEIGH_CONFIRMED) /* a duplicate may have taken it */
				r = DP_NEIGH_BUSY;
			continue;
		}
		uint64_t w = e->word;
		unsigned int wait = nb_wait(w);
		/* only the answer to a request of ours, while it is awaited; a
		 * known neighbour asked at its own MAC keeps it (another MAC
		 * answering is not who we asked) */
		if (e->ip == ip && wait != NB_WAIT_NONE &&
		    nb_age(now, e->requested) < NB_REPLY_WINDOW * t->prm.retry &&
		    (wait == NB_WAIT_BCAST || (w & NB_MAC_MASK) == m)) {
			__atomic_store_n(&e->word, nb_word(m, NB_REACHABLE, NB_WAIT_NONE),
					 __ATOMIC_RELAXED);
			__atomic_store_n(&e->confirmed, now, __ATOMIC_RELAXED);
			r = DP_NEIGH_CONFIRMED;
		}
		nb_unlock(e);
	}
	return r;
}

int
dp_neigh_hint(struct dp_neigh_table *t, uint32_t ip, const struct rte_ether_addr *mac,
	      uint64_t now)
{
	struct rte_ether_addr known;
	enum dp_neigh_result r = dp_neigh_lookup(t, ip, now, &known);

	/* nothing is written: a different MAC only makes the caller ask */
	return r != DP_NEIGH_MISS && nb_mac_ok(mac) && !rte_is_same_ether_addr(&known, mac);
}

uint16_t
dp_arp_request_frame(uint8_t *frame, const struct rte_ether_addr *dst,
		     const struct rte_ether_addr *src, uint32_t sip, uint32_t tip)
{
	struct rte_ether_hdr *eth = (struct rte_ether_hdr *)frame;
	struct rte_arp_hdr *a = (struct rte_arp_hdr *)(eth + 1);

	memset(frame, 0, DP_ARP_REQ_LEN);
	eth->dst_addr = *dst;
	eth->src_addr = *src;
	eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_ARP);
	a->arp_hardware = rte_cpu_to_be_16(RTE_ARP_HRD_ETHER);
	a->arp_protocol = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	a->arp_hlen = RTE_ETHER_ADDR_LEN;
	a->arp_plen = 4;
	a->arp_opcode = rte_cpu_to_be_16(RTE_ARP_OP_REQUEST);
	a->arp_data.arp_sha = *src;
	memcpy(&a->arp_data.arp_sip, &sip, 4);
	memcpy(&a->arp_data.arp_tip, &tip, 4); /* target MAC stays zero */
	return DP_ARP_REQ_LEN;
}
