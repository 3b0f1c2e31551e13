/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Forwarding of DNS queries for names outside our zones to a resolver on the
 * host, through the exception port (dns_forward = on), and relaying of its
 * answers back to the clients, over UDP and TCP.
 *
 * Each worker has a bounded table of queries in flight. A query leaves from
 * the gateway's address with a source port that names its slot (the
 * worker's range: port_base + slot) and a fresh random ID; the answer must
 * come from the resolver's address and port 53 to that port with that ID,
 * or it is dropped and counted. The client's ID, address, port and MAC are
 * put back on the way out. Slots unanswered after dns_forward_timeout are
 * reclaimed (counted). Queries of DNS-over-TCP clients go to the resolver
 * over UDP from a small queue the worker sends, and their answers go back
 * on the client's connection.
 */
#ifndef JITSU_DP_DNSFWD_H
#define JITSU_DP_DNSFWD_H

#include <stddef.h>
#include <stdint.h>

#include <rte_ether.h>

#define DP_DNSFWD_PORT_BASE 32768 /**< forwarded queries' source ports start here */
#define DP_DNSFWD_PORTS 32768     /**< and there are this many, for all workers */
#define DP_DNSFWD_QUEUE 32        /**< TCP clients' queries waiting to be sent */
#define DP_DNSFWD_MSG 1024        /**< longest such query */
#define DP_DNSFWD_SCAN 64         /**< slots an expiry scan looks at */

/** What the workers share (copied on reload). resolver 0: forwarding off. */
struct dp_dnsfwd_conf {
	uint32_t resolver;              /**< network order */
	struct rte_ether_addr exc_mac;  /**< our MAC on the exception port */
	uint64_t timeout;               /**< ticks before a query is given up */
};

/** A query in flight. */
struct dp_dnsfwd_entry {
	uint32_t cip;                  /**< the client, network order */
	uint16_t cport;                /**< network order */
	uint16_t cid;                  /**< the client's query ID, host order */
	uint16_t id;                   /**< ours, host order */
	uint8_t used;
	uint8_t tcp;                   /**< the client asked over TCP */
	struct rte_ether_addr cmac;
	uint64_t since;
};

struct dp_dnsfwd;

/** Bytes a table of @p n slots takes. */
size_t dp_dnsfwd_memsize(uint32_t n);

/**
 * Lay out a table in @p mem (dp_dnsfwd_memsize() bytes, 8-byte aligned):
 * slots use source ports @p port_base .. + n - 1; @p seed starts the IDs.
 */
struct dp_dnsfwd *dp_dnsfwd_init(void *mem, uint32_t n, uint16_t port_base, uint32_t seed);

/** Queries in flight. */
uint32_t dp_dnsfwd_active(const struct dp_dnsfwd *t);

/**
 * Take a slot for a client's query. @return the slot, or -1 when the table
 * is full (nothing changed).
 */
int dp_dnsfwd_open(struct dp_dnsfwd *t, uint32_t cip, uint16_t cport, uint16_t cid,
		   const struct rte_ether_addr *cmac, int tcp, uint64_t now);

/** The slot of an answer to source port @p port (host order) with ID @p id
 *  from the resolver, or NULL. */
struct dp_dnsfwd_entry *dp_dnsfwd_match(struct dp_dnsfwd *t, uint16_t port, uint16_t id);

/** Free a slot. */
void dp_dnsfwd_close(struct dp_dnsfwd *t, struct dp_dnsfwd_entry *e);

/** Reclaim up to DP_DNSFWD_SCAN slots' worth of queries older than @p timeout. @return how many. */
unsigned int dp_dnsfwd_expire(struct dp_dnsfwd *t, uint64_t now, uint64_t timeout);

/** Where answers from the resolver should go: its MAC, learned (or broadcast). */
void dp_dnsfwd_learn(struct dp_dnsfwd *t, const struct rte_ether_addr *mac);

/** Queue a TCP client's query for slot @p slot. @return 0, or -1 (queue full, too long). */
int dp_dnsfwd_defer(struct dp_dnsfwd *t, int slot, const uint8_t *msg, uint16_t len);

/** Queries queued. */
uint32_t dp_dnsfwd_deferred(const struct dp_dnsfwd *t);

/**
 * A TCP client's query (@p msg, @p len bytes) for a foreign name: a slot
 * and a place in the queue the worker sends, or, without room for it,
 * counted in dp_dnsfwd_lost(). @return 0 or -1.
 */
int dp_dnsfwd_tcp(struct dp_dnsfwd *t, uint32_t cip, uint16_t cport,
		  const struct rte_ether_addr *cmac, const uint8_t *msg, uint16_t len, uint64_t now);

/** Queries of TCP clients refused for want of room since the last call. */
uint32_t dp_dnsfwd_lost(struct dp_dnsfwd *t);

struct dp_fp_conf;
struct dp_fp_state;
struct dp_pkt;
struct dp_verdict;

/**
 * A UDP query for a foreign name (untagged, no IP options: dp_pkt @p p):
 * rewritten in place into the query to the resolver, out of the exception
 * port; or a counted drop when the table is full.
 */
void dp_dnsfwd_udp(const struct dp_fp_conf *c, struct dp_fp_state *st, uint8_t *frame,
		   const struct dp_pkt *p, struct dp_verdict *v);

/**
 * Write the oldest queued TCP client's query to the resolver into @p frame
 * (room @p cap). @return 0 with the verdict set, or -1 (none queued).
 */
int dp_dnsfwd_take(const struct dp_fp_conf *c, struct dp_fp_state *st, uint8_t *frame,
		   uint16_t cap, struct dp_verdict *v);

/**
 * A frame received on the exception port: an ARP request for the gateway's
 * address is answered there, an answer from the resolver to one of our
 * queries is relayed to its client (UDP, or on its TCP connection), and
 * anything else goes to the uplink as it is, as before.
 */
void dp_exception_frame(const struct dp_fp_conf *c, struct dp_fp_state *st, uint8_t *frame,
			uint16_t len, uint16_t cap, uint64_t rx_ol_flags, struct dp_verdict *v);

#endif
