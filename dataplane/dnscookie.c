/* SPDX-License-Identifier: BSD-3-Clause */
/* DNS COOKIEs (dnscookie.h). */
#include <string.h>

#include "dnscookie.h"

#define DNSCK_PAST 3600  /* RFC 9018 4.3: an hour old at most */
#define DNSCK_FUTURE 300 /* and 5 minutes ahead */

static void
dnsck_hash(const struct syn_sipkey *k, const uint8_t *client, const uint8_t *vts, uint32_t ip,
	   uint8_t out[8])
{
	uint8_t in[20];

	memcpy(in, client, 8);
	memcpy(in + 8, vts, 8);
	memcpy(in + 16, &ip, 4);
	uint64_t h = syn_siphash24(k, in, sizeof(in));
	for (int i = 0; i < 8; i++)
		out[i] = (uint8_t)(h >> (8 * i));
}

void
dp_dnsck_server(const struct syn_cookie_keys *keys, const uint8_t *client, uint32_t ip,
		uint32_t now, uint8_t out[DP_DNSCK_SERVER_LEN])
{
	out[0] = 1; /* version */
	out[1] = out[2] = out[3] = 0;
	out[4] = (uint8_t)(now >> 24);
	out[5] = (uint8_t)(now >> 16);
	out[6] = (uint8_t)(now >> 8);
	out[7] = (uint8_t)now;
	dnsck_hash(&keys->cur, client, out, ip, out + 8);
}

static enum dp_dnsck
dnsck_check(const struct syn_cookie_keys *keys, const uint8_t *c, unsigned int len, uint32_t ip,
	    uint32_t now)
{
	uint8_t h[8];

	if (len == 8)
		return DP_DNSCK_NEW;
	if (len != 8 + DP_DNSCK_SERVER_LEN || c[8] != 1 || c[9] || c[10] || c[11])
		return DP_DNSCK_INVALID;
	uint32_t ts = (uint32_t)c[12] << 24 | (uint32_t)c[13] << 16 | (uint32_t)c[14] << 8 | c[15];
	if ((int32_t)(now - ts) > DNSCK_PAST || (int32_t)(ts - now) > DNSCK_FUTURE)
		return DP_DNSCK_INVALID;
	dnsck_hash(&keys->cur, c, c + 8, ip, h);
	if (memcmp(h, c + 16, 8) == 0)
		return DP_DNSCK_VALID;
	if (keys->has_prev) {
		dnsck_hash(&keys->prev, c, c + 8, ip, h);
		if (memcmp(h, c + 16, 8) == 0)
			return DP_DNSCK_VALID;
	}
	return DP_DNSCK_INVALID;
}

uint16_t
dp_dnsck_answer(const struct syn_cookie_keys *keys, uint32_t ip, uint32_t now,
		const struct dp_dns_result *r, uint8_t *msg, uint16_t dlen, uint16_t cap,
		enum dp_dnsck *ck)
{
	*ck = DP_DNSCK_NONE;
	if (r->cookie_len == 0)
		return dlen;
	*ck = dnsck_check(keys, r->cookie, r->cookie_len, ip, now);
	/* the OPT record dns.c wrote last: root name, type 41, ..., RDLEN 0 */
	uint8_t *opt = msg + dlen - 11;
	if (dlen < DP_DNS_HDR_LEN + 11 || opt[0] != 0 || opt[1] != 0 || opt[2] != 41 ||
	    opt[9] != 0 || opt[10] != 0 || (unsigned int)dlen + DP_DNSCK_OPT_LEN > cap)
		return dlen;
	uint8_t *w = msg + dlen;
	opt[10] = DP_DNSCK_OPT_LEN;
	w[0] = 0;
	w[1] = DP_DNS_OPT_COOKIE;
	w[2] = 0;
	w[3] = 8 + DP_DNSCK_SERVER_LEN;
	memcpy(w + 4, r->cookie, 8);
	dp_dnsck_server(keys, r->cookie, ip, now, w + 12);
	return (uint16_t)(dlen + DP_DNSCK_OPT_LEN);
}
