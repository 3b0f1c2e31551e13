/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * SYN cookies: a stateless TCP handshake. The SYN-ACK's sequence number (the
 * cookie) is a keyed hash (SipHash-2-4) of the 4-tuple, the client's ISN, a
 * coarse clock and the client's options, with the clock's low bits and the
 * options in clear beside it; the client's ACK (ack - 1) proves that it
 * received it, and gives the options back. Nothing is stored per SYN.
 *
 * Layout of a cookie (32 bits):
 *
 *     31..30  clock tick, low 2 bits (a tick is keys->period seconds)
 *     29..27  MSS index into syn_cookie_mss_table (rounded down)
 *     26..23  window scale + 1 (0: the client did not offer one)
 *     22      SACK permitted
 *     21      timestamps
 *     20..0   SipHash-2-4 of the above with the tuple, the ISN and the
 *             whole tick, low 21 bits
 *
 * A cookie is valid for ticks 0..max_age after it was made (max_age <= 3),
 * under the current key or the one before it (rotation). A blind guess is
 * right once in 2^21; callers budget what a valid cookie may cost.
 *
 * Generic: the proxy mode of synjitsu and the gateway's own TCP listener
 * (DNS over TCP) both use it. Plain buffers, no EAL, no allocation.
 */
#ifndef JITSU_SYN_COOKIE_H
#define JITSU_SYN_COOKIE_H

#include <stddef.h>
#include <stdint.h>

#include "siphash.h"

/** A window scale that was not offered. */
#define SYN_COOKIE_NO_WSCALE 0xff
/** Largest window scale (RFC 7323 2.3). */
#define SYN_COOKIE_MAX_WSCALE 14
/** Largest max_age: the cookie keeps 2 bits of the clock. */
#define SYN_COOKIE_MAX_AGE 3
/** MSS entries a cookie can say. */
#define SYN_COOKIE_N_MSS 8

/** The MSS values a cookie can carry, ascending. */
extern const uint16_t syn_cookie_mss_table[SYN_COOKIE_N_MSS];

/** The client's SYN options that a cookie carries (and gives back). */
struct syn_cookie_opts {
	uint16_t mss;    /**< the client's MSS (536 when it gave none) */
	uint8_t wscale;  /**< 0..14, or SYN_COOKIE_NO_WSCALE */
	uint8_t sack_ok; /**< SACK permitted (both ends) */
	uint8_t ts_ok;   /**< timestamps (both ends) */
};

/** Keys and clock of a cookie issuer: plain data, copied by whoever uses it. */
struct syn_cookie_keys {
	struct syn_sipkey cur;  /**< what new cookies are made with */
	struct syn_sipkey prev; /**< still accepted, after a rotation */
	uint32_t period;        /**< seconds per clock tick, >= 1 */
	uint8_t max_age;        /**< ticks a cookie stays valid, <= SYN_COOKIE_MAX_AGE */
	uint8_t has_prev;
	uint32_t rotations;     /**< rotations so far */
};

/**
 * Set up @p ks with the 16 bytes of @p key, @p period seconds a tick and
 * @p max_age ticks. @return 0, or -EINVAL for a period of 0 or a max_age
 * above SYN_COOKIE_MAX_AGE.
 */
int syn_cookie_keys_init(struct syn_cookie_keys *ks, const uint8_t key[16], uint32_t period,
			 uint32_t max_age);

/** Make @p key current; the current one becomes the previous (still accepted). */
void syn_cookie_rotate(struct syn_cookie_keys *ks, const uint8_t key[16]);

/**
 * The cookie (SYN-ACK ISN) for a SYN from @p saddr:@p sport to @p daddr:@p dport
 * (addresses network order, ports host order) with ISN @p client_isn and
 * options @p o (rounded: MSS down to the table, wscale capped at 14), at
 * @p now seconds (any monotonic epoch).
 */
uint32_t syn_cookie_make(const struct syn_cookie_keys *ks, uint32_t saddr, uint32_t daddr,
			 uint16_t sport, uint16_t dport, uint32_t client_isn,
			 const struct syn_cookie_opts *o, uint64_t now);

/**
 * Check @p cookie (an ACK's ack - 1) of the flow whose ISN was @p client_isn
 * (the ACK's seq - 1). @return 0 with the options in @p o, or -1: forged,
 * from another flow, made with a key no longer accepted, too old or from
 * the future.
 */
int syn_cookie_check(const struct syn_cookie_keys *ks, uint32_t saddr, uint32_t daddr,
		     uint16_t sport, uint16_t dport, uint32_t client_isn, uint32_t cookie,
		     uint64_t now, struct syn_cookie_opts *o);

/** TCP options of a segment, as syn_tcp_opts_parse() finds them. */
struct syn_tcp_opts {
	uint16_t mss;      /**< 0: none */
	uint8_t wscale;    /**< SYN_COOKIE_NO_WSCALE: none */
	uint8_t sack_ok;   /**< SACK-permitted seen */
	uint8_t has_ts;    /**< timestamps seen: tsval, tsecr, ts_off valid */
	uint8_t n_sack;    /**< SACK blocks seen (0..4) */
	uint16_t ts_off;   /**< offset of TSval from the options' start */
	uint16_t sack_off; /**< offset of the first SACK block's left edge */
	uint32_t tsval;    /**< host order */
	uint32_t tsecr;    /**< host order */
};

/**
 * Parse the @p len bytes of TCP options at @p opt. @return 0, or -1 for
 * options that run past their end or have a bad length (kind 0 ends them).
 */
int syn_tcp_opts_parse(const uint8_t *opt, size_t len, struct syn_tcp_opts *o);

/** What a cookie SYN-ACK offers: the service's own stack's options. */
struct syn_synack_conf {
	uint16_t mss;    /**< MSS option value */
	uint8_t wscale;  /**< window scale offered, or SYN_COOKIE_NO_WSCALE */
	uint8_t sack_ok; /**< offer SACK permitted (when the client did) */
	uint8_t ts_ok;   /**< offer timestamps (when the client did) */
	uint8_t ttl;     /**< IPv4 TTL of the SYN-ACK */
	uint16_t window; /**< window field of the SYN-ACK (never scaled) */
};

/** Room from the IPv4 header a cookie SYN-ACK needs (20 + 20 + 20 options). */
#define SYN_SYNACK_MAX_L3 60

/**
 * Turn the TCP SYN whose IPv4 header is at @p l3 (@p len bytes of IP packet,
 * @p cap bytes of room from @p l3) into its cookie SYN-ACK, in place:
 * addresses and ports swapped, IP options and SYN data dropped, the
 * options of @p c that the client also offered, TSval @p tsval, checksums
 * computed. Layer 2 is the caller's. The negotiated options (what the
 * cookie carries) go to @p neg when it is not NULL.
 *
 * @return the new IP length, or -1 (not a lone SYN, bad header or options,
 * or @p cap below SYN_SYNACK_MAX_L3); the buffer is untouched then.
 */
int syn_cookie_synack(const struct syn_cookie_keys *ks, const struct syn_synack_conf *c,
		      uint8_t *l3, size_t len, size_t cap, uint32_t tsval, uint64_t now,
		      struct syn_cookie_opts *neg);

#endif
