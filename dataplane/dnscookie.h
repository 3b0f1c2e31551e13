/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * DNS COOKIEs on the fast path (RFC 7873, server cookies as RFC 9018 says):
 * a query's cookie checked and the response's written, so that a query
 * with a valid server cookie proves its source address (it may summon) and
 * every other one gets, with its full answer, a server cookie to use next.
 * The server cookie is version 1, 3 reserved bytes, a 32-bit timestamp in
 * seconds and SipHash-2-4 (the SYN cookies' keys: current, then previous)
 * of the client cookie, those 8 bytes and the client's address; it is
 * valid from an hour before to 5 minutes after now.
 */
#ifndef JITSU_DP_DNSCOOKIE_H
#define JITSU_DP_DNSCOOKIE_H

#include <stdint.h>

#include "../synjitsu/cookie.h"
#include "dns.h"

/** What a query's cookie was. */
enum dp_dnsck {
	DP_DNSCK_NONE = 0, /**< no COOKIE option */
	DP_DNSCK_NEW,      /**< a client cookie alone: a server cookie is given */
	DP_DNSCK_VALID,    /**< a valid server cookie: the source is proven */
	DP_DNSCK_INVALID,  /**< a server cookie that is not ours, or too old: a new one */
};

#define DP_DNSCK_SERVER_LEN 16 /**< our server cookies */
#define DP_DNSCK_OPT_LEN (4 + 8 + DP_DNSCK_SERVER_LEN) /**< the option we write */

/** Our server cookie for @p client (8 bytes) from @p ip (network order) at @p now. */
void dp_dnsck_server(const struct syn_cookie_keys *keys, const uint8_t *client, uint32_t ip,
		     uint32_t now, uint8_t out[DP_DNSCK_SERVER_LEN]);

/**
 * Check the COOKIE option of a query (@p r->cookie) from @p ip and, when
 * there is one, append our COOKIE option to the response @p msg (@p dlen
 * bytes, @p cap of room; its OPT record is the last, as dp_dns_respond()
 * writes it). @return the response's new length (@p dlen when nothing was
 * added: no cookie, no OPT at the end, or no room), the outcome in @p ck.
 */
uint16_t dp_dnsck_answer(const struct syn_cookie_keys *keys, uint32_t ip, uint32_t now,
			 const struct dp_dns_result *r, uint8_t *msg, uint16_t dlen, uint16_t cap,
			 enum dp_dnsck *ck);

#endif
