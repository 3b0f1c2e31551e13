/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * DNS over TCP on the gateway's address, in the fast path (RFC 7766,
 * RFC 1035 4.2.2). The handshake is stateless: a SYN is answered with a SYN
 * cookie (synjitsu/cookie.h) and nothing is kept for it. A connection gets a
 * slot in a small bounded per-worker table only once the client's ACK proves
 * the cookie; the slot holds the sequence numbers, the bytes of a query split
 * across segments and the time of the last query. Queries are answered in
 * the order they came, as many as fit one segment of the client's MSS, each
 * with its two-byte length; the answer carries the ACK of the query, so a
 * lost answer is a retransmitted query answered again. The server closes a
 * connection idle for dns_tcp_idle (its edns-tcp-keepalive, RFC 7828) with
 * a FIN, and answers the client's FIN with its own.
 *
 * Functions decide and rewrite plain frames; the worker sends.
 */
#ifndef JITSU_DP_DNSTCP_H
#define JITSU_DP_DNSTCP_H

#include <stddef.h>
#include <stdint.h>

#include <rte_ether.h>

#include "../synjitsu/cookie.h"

#define DP_DNSTCP_BUF 1024  /**< bytes of split queries a connection may hold */
#define DP_DNSTCP_MSS 1460  /**< the MSS the SYN-ACK offers */
#define DP_DNSTCP_SCAN 64   /**< slots looked at per idle scan */
#define DP_DNSTCP_HDRS 54   /**< Ethernet, IPv4 and TCP headers of what we send */

/** What the workers share (each copies it on reload). */
struct dp_dnstcp_conf {
	struct syn_cookie_keys keys;
	uint64_t hz;        /**< clock ticks per second (cookies count seconds) */
	uint64_t idle;      /**< ticks a connection may be idle; 0: never closed */
};

/** One connection that completed the handshake. */
struct dp_dnstcp_conn {
	uint32_t cip;        /**< client, network order */
	uint32_t sip;        /**< our address, network order */
	uint16_t cport;      /**< network order */
	uint16_t sport;      /**< network order */
	uint32_t rcv_nxt;    /**< next byte expected from the client, host order */
	uint32_t snd_nxt;    /**< our next sequence number, host order */
	uint32_t last_rcv;   /**< start of the last segment answered whole */
	uint32_t last_snd;   /**< and where our answer to it started */
	uint64_t last;       /**< time of the last query (or of the handshake) */
	struct rte_ether_addr cmac;
	uint16_t mss;        /**< the client's, from the cookie */
	uint16_t buf_len;
	uint8_t used;
	uint8_t has_last;    /**< last_rcv/last_snd are valid */
	uint8_t buf[DP_DNSTCP_BUF];
};

struct dp_dnstcp;

/** Bytes a table of @p conns connections takes. */
size_t dp_dnstcp_memsize(uint32_t conns);

/** Lay out a table in @p mem (dp_dnstcp_memsize() bytes, 8-byte aligned);
 * @p seed keys its hash (random, per table: dataplane/flowhash.h). */
struct dp_dnstcp *dp_dnstcp_init(void *mem, uint32_t conns, uint32_t seed);

/** Connections in the table. */
uint32_t dp_dnstcp_active(const struct dp_dnstcp *t);

/** The connection of a 4-tuple (network order), or NULL. */
struct dp_dnstcp_conn *dp_dnstcp_find(struct dp_dnstcp *t, uint32_t cip, uint16_t cport,
				      uint32_t sip, uint16_t sport);

/** A new connection (zeroed, tuple set), or NULL when the table is full. */
struct dp_dnstcp_conn *dp_dnstcp_add(struct dp_dnstcp *t, uint32_t cip, uint16_t cport,
				     uint32_t sip, uint16_t sport);

/** Forget a connection. */
void dp_dnstcp_del(struct dp_dnstcp *t, struct dp_dnstcp_conn *c);

/**
 * Look at the next DP_DNSTCP_SCAN slots (round robin) for a connection idle
 * since before @p now - @p idle. @return it, or NULL.
 */
struct dp_dnstcp_conn *dp_dnstcp_idle(struct dp_dnstcp *t, uint64_t now, uint64_t idle);

struct dp_fp_conf;
struct dp_fp_state;
struct dp_pkt;
struct dp_verdict;

/**
 * A TCP segment to the gateway's port 53 (@p p parsed it): the reply
 * (SYN-ACK, answers, ACK, FIN) written in place, or a counted drop. The
 * verdict's svc is the first service a query named (the caller summons).
 */
void dp_dnstcp_frame(const struct dp_fp_conf *c, struct dp_fp_state *st, uint8_t *frame,
		     const struct dp_pkt *p, uint16_t cap, uint64_t rx_ol_flags,
		     struct dp_verdict *v);

/**
 * Write into @p frame (room @p cap) the FIN|ACK that closes idle connection
 * @p conn, from our uplink MAC, and forget the connection.
 * @return 0 with the verdict set, or -1 (no room: the connection stays).
 */
int dp_dnstcp_fin_frame(const struct dp_fp_conf *c, struct dp_dnstcp *t,
			struct dp_dnstcp_conn *conn, uint8_t *frame, uint16_t cap,
			struct dp_verdict *v);

/**
 * Send on connection @p conn the DNS message of @p len bytes at
 * @p frame + DP_DNSTCP_HDRS + 2 (an answer relayed from the resolver): its
 * length, our headers, the next sequence number. @return 0 with the verdict
 * set, or -1 when it does not fit the client's MSS.
 */
int dp_dnstcp_push(const struct dp_fp_conf *c, struct dp_dnstcp_conn *conn, uint8_t *frame,
		   uint16_t len, struct dp_verdict *v);

#endif
