/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Synjitsu: what the gateway does with TCP SYNs for services that are not
 * READY yet. In `buffer` mode a worker holds them, and the packets behind
 * them, in a per-service FIFO, and hands them back in arrival order when the
 * service is READY (replay), when it failed (to answer the SYNs with RSTs) or
 * when they are too old (expiry).
 *
 * This module decides and stores; it never sends, frees or counts: the
 * packets are opaque pointers (mbufs in the worker, anything in the tests),
 * and every packet it takes is given back exactly once.
 */
#ifndef JITSU_SYNJITSU_H
#define JITSU_SYNJITSU_H

#include <stdint.h>

/** How SYNs to a service that is not READY are treated. */
enum syn_mode {
	SYN_MODE_BUFFER, /**< hold SYNs and what follows, replay when READY */
	SYN_MODE_PROXY,  /**< answer with a SYN cookie, splice when READY */
	SYN_MODE_OFF,    /**< drop them, as a plain gateway would */
	SYN_MODE__COUNT
};

/** Name of a mode as written in the configuration. */
const char *syn_mode_name(enum syn_mode m);

/**
 * Parse a mode name. @return 0, -EINVAL for an unknown name, -ENOTSUP for a
 * mode this build does not implement.
 */
int syn_mode_parse(const char *s, enum syn_mode *m);

/** A TCP flow as the client sent it: addresses network order, ports host order. */
struct syn_key {
	uint32_t src_ip;
	uint32_t dst_ip;
	uint16_t sport;
	uint16_t dport;
};

/** What became of a packet offered to syn_offer(). */
enum syn_action {
	SYN_HELD,         /**< stored: it is synjitsu's until given back */
	SYN_DUPLICATE,    /**< a retransmitted SYN of a held flow: drop it */
	SYN_OVERFLOW,     /**< no room even after eviction (syn_evicted()): drop it */
	SYN_NO_FLOW,      /**< not a SYN, and its flow is not held: drop it */
	SYN_CLIENT_RESET, /**< the client's RST of a held flow: the flow's packets
			       are now dead (syn_take gives them back), drop the RST */
};

/** Per-service statistics, kept by the table. */
#define SYN_STATS(X)                                                           \
	X(held)                                                                \
	X(replayed)                                                            \
	X(duplicates)                                                          \
	X(expired)                                                             \
	X(overflow)                                                            \
	X(reset)                                                               \
	X(evicted)

enum syn_stat {
#define SYN_STAT_ENUM(name) SYN_ST_##name,
	SYN_STATS(SYN_STAT_ENUM)
#undef SYN_STAT_ENUM
	SYN_ST__COUNT
};

/** Name of a statistic. */
const char *syn_stat_name(unsigned int st);

/** Sizes of a worker's table, fixed at creation. */
struct syn_params {
	uint32_t n_services;  /**< service ids are below it */
	uint32_t max_pending; /**< packets held per service */
	uint32_t pool;        /**< packets held in all: the worker's share of max_held */
	uint32_t max_flows;   /**< flows held in all */
	uint32_t hash_seed;   /**< the flow table's secret (random, per table) */
};

struct syn_table;

/** Create a table (at start-up, never on the packet path); NULL with errno. */
struct syn_table *syn_table_create(const struct syn_params *prm);

/** Free a table; it must hold nothing (take everything back first). */
void syn_table_free(struct syn_table *t);

/**
 * Offer a TCP packet of flow @p k, for service @p svc that is not READY (or
 * that has packets held: then @p append puts any packet of the service at the
 * end of its queue, to keep the order). @p flags are the TCP flags.
 */
enum syn_action syn_offer(struct syn_table *t, uint32_t svc, const struct syn_key *k,
			  uint8_t flags, int append, void *pkt, uint64_t now);

/**
 * Prefetch the flow table's slot of @p k, a packet or two before it is
 * offered (the table is larger than the caches; a flood of new flows misses
 * in it on every SYN).
 */
void syn_prefetch(const struct syn_table *t, const struct syn_key *k);

/** A packet given back by syn_take(). */
struct syn_out {
	void *pkt;
	uint32_t svc;
	uint8_t is_syn;  /**< the flow's first SYN (what an RST answers) */
	uint8_t dead;    /**< its flow was reset by the client: free it */
};

#define SYN_EVICT_MAX 4 /**< packets one syn_offer() may evict */

/**
 * The packets the last syn_offer() evicted to make room (at most
 * SYN_EVICT_MAX): when a service is at max_pending its own oldest, when the
 * table's budget (pool, max_flows) is full the oldest of the service that
 * holds the most. The caller frees them, counted; call it after every offer.
 * @return how many were copied into @p out (the rest stay for the next call).
 */
unsigned int syn_evicted(struct syn_table *t, struct syn_out *out, unsigned int n);

/**
 * The service holding the most packets into @p svc. @return how many it
 * holds (0: nothing held, @p svc untouched).
 */
uint32_t syn_most_held(const struct syn_table *t, uint32_t *svc);

/**
 * Give back up to @p n packets of service @p svc in arrival order (all of
 * them when called until it returns 0), and forget their flows.
 * @p why says what for: SYN_ST_replayed, SYN_ST_reset (the service failed)
 * or SYN_ST_expired, for the statistics.
 * @return the number given back.
 */
unsigned int syn_take(struct syn_table *t, uint32_t svc, enum syn_stat why, struct syn_out *out,
		      unsigned int n);

/**
 * Give back up to @p n packets held since before @p before (oldest first,
 * any service), for expiry. @return the number given back.
 */
unsigned int syn_expire(struct syn_table *t, uint64_t before, struct syn_out *out,
			unsigned int n);

/** Packets held for @p svc. */
uint32_t syn_pending(const struct syn_table *t, uint32_t svc);

/** Packets held in all. */
uint32_t syn_held(const struct syn_table *t);

/**
 * The services that have packets held: up to @p n ids into @p svcs.
 * @return how many.
 */
uint32_t syn_active(const struct syn_table *t, uint32_t *svcs, uint32_t n);

/**
 * Like syn_active(), round-robin: each call starts where the previous one
 * stopped, so that every service with packets held is served in turn however
 * many there are.
 */
uint32_t syn_active_rr(struct syn_table *t, uint32_t *svcs, uint32_t n);

/** Statistics of service @p svc (SYN_ST__COUNT words; the table writes them). */
const uint64_t *syn_stats(const struct syn_table *t, uint32_t svc);

#endif
