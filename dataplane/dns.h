/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * The DNS responder of the fast path. It works on a DNS message in a plain
 * byte buffer and rewrites the query into its response in place.
 */
#ifndef JITSU_DP_DNS_H
#define JITSU_DP_DNS_H

#include <stddef.h>
#include <stdint.h>

#include "counters.h"
#include "svctab.h"

#define DP_DNS_HDR_LEN 12
#define DP_DNS_EDNS_SIZE 1232 /**< UDP payload size we advertise (DNS flag day 2020) */
#define DP_DNS_OPT_COOKIE 10  /**< EDNS option code of DNS COOKIE (RFC 7873) */

/** What the responder needs besides the message. */
struct dp_dns_conf {
	const struct dp_svctab *tab;
	uint32_t ttl;        /**< TTL of answers, SOA and negative answers */
	uint32_t soa_serial;
	uint16_t tcp_keepalive; /**< edns-tcp-keepalive timeout we send (100 ms units) */
};

/** Flags of dp_dns_answer(). */
#define DP_DNS_TCP 0x1      /**< over TCP: no payload limit but @cap, keepalive */
#define DP_DNS_TRUNCATE 0x2 /**< answer with TC=1 and no records (RRL slip) */
#define DP_DNS_FORWARD 0x4  /**< a name under none of our zones is left as it is:
				 0 is returned with counter DP_C_dns_forwarded */

/** Outcome of one message. */
struct dp_dns_result {
	unsigned int counter; /**< dns_* outcome or drop_dns_* reason */
	/** For an incremental checksum update by the caller (answered only):
	 *  the response's bytes from DP_DNS_HDR_LEN up to @keep are the query's
	 *  own (the question), and @tail_sum is the sum (dp_cksum_sum_at()) of
	 *  the query's bytes from @keep to its end, taken before they were
	 *  overwritten; the header's bytes 2..11 change too, bytes 0..1 never. */
	uint16_t keep;
	uint16_t tail_sum;
	/* after them, not beside @counter: the caller's copy of the two is
	 * then not merged into one 8-byte load of two 4-byte stores, which
	 * would wait for them to retire */
	int svc;              /**< service the name belongs to, or DP_SVC_NONE */
	/** The query's DNS COOKIE option (RFC 7873), copied before the response
	 *  overwrote it: @cookie_len bytes (8, or 16 to 40), 0 when none; a
	 *  malformed one made the response a FORMERR. dataplane/dnscookie.c
	 *  answers it. */
	uint8_t cookie_len;
	uint8_t cookie[40];
};

/**
 * Turn the query in @p msg (@p len bytes, @p cap bytes of room) into its
 * response, over UDP. Outcomes: an A answer for a service name; at a zone's
 * apex its SOA and NS (with glue) in the answer section, beside the A of a
 * service of that name; the gateway's address for the zone's name servers;
 * NOERROR with no answer and the SOA (NODATA) for other types and for empty
 * non-terminals; NXDOMAIN with the zone's SOA for an unknown name under a
 * zone, REFUSED for any other name, FORMERR for a malformed query, BADVERS for
 * EDNS versions above 0, NOTIMP for an opcode other than QUERY (with the
 * question when it parses). Responses and unreadable headers are dropped,
 * never answered.
 *
 * @return the response length, or 0 when the message is to be dropped.
 */
uint16_t dp_dns_respond(const struct dp_dns_conf *dc, uint8_t *msg, uint16_t len,
			uint16_t cap, struct dp_dns_result *res);

/**
 * dp_dns_respond() with DP_DNS_* @p flags. Over UDP (no DP_DNS_TCP) an
 * answer larger than the client's payload size (512 without EDNS, else its
 * EDNS size clamped to 512..DP_DNS_EDNS_SIZE) is sent with TC=1 and no
 * records (counter dns_truncated); over TCP it is complete and the
 * query's edns-tcp-keepalive option (RFC 7828) is answered with ours.
 */
uint16_t dp_dns_answer(const struct dp_dns_conf *dc, uint8_t *msg, uint16_t len, uint16_t cap,
		       unsigned int flags, struct dp_dns_result *res);

/**
 * Text name ("www.Example.org", trailing dot optional) to lower-case wire
 * format. Labels are 1 to 63 letters, digits, '-' or '_'.
 * @return the wire length (root label included), or -EINVAL.
 */
int dp_dns_name_from_text(const char *text, uint8_t *wire, size_t cap);

/** Wire-format name to dotted text (no trailing dot). @return 0 or -EINVAL. */
int dp_dns_name_to_text(const uint8_t *wire, size_t len, char *text, size_t cap);

#endif
