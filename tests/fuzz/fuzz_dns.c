/* SPDX-License-Identifier: BSD-3-Clause */
/* libFuzzer: the DNS responder on arbitrary messages and buffer sizes, and
 * the DNS COOKIE of the response (dataplane/dnscookie.c). */
#include <string.h>

#include "../../dataplane/dnscookie.h"
#include "common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dp_dns_conf dc = { .tab = fz_table(), .ttl = 30, .soa_serial = 1,
				  .tcp_keepalive = 100 };
	struct dp_dns_result r;

	if (size < 1 || size > 1500)
		return 0;
	/* first byte: how much room past the message the buffer has */
	size_t room = data[0];
	size_t len = size - 1;
	uint8_t *m = malloc(len + room + 1); /* exact size: ASan sees overruns */
	memcpy(m, data + 1, len);
	/* the room's low bits also pick the transport and flags */
	unsigned int how = room & (DP_DNS_TCP | DP_DNS_TRUNCATE | DP_DNS_FORWARD);
	uint16_t n = dp_dns_answer(&dc, m, (uint16_t)len, (uint16_t)(len + room), how, &r);
	if (n > len + room || r.counter >= DP_C__COUNT)
		abort();
	if (n != 0 && !(how & DP_DNS_TCP) && n > 1232 && n > len)
		abort(); /* UDP answers stay within what the client can take */
	if (n == 0 && r.counter == DP_C_dns_forwarded &&
	    (!(how & DP_DNS_FORWARD) || memcmp(m, data + 1, len) != 0))
		abort(); /* a forwarded query is left as it came */
	if (n != 0 && (m[2] & 0x80) == 0)
		abort(); /* whatever we send is a response */
	if (n == 0 && r.counter != DP_C_drop_dns_short && r.counter != DP_C_drop_dns_response &&
	    r.counter != DP_C_drop_dns_no_room && r.counter != DP_C_dns_forwarded)
		abort(); /* a drop always has its reason */
	if (n != 0) {
		static struct syn_cookie_keys ks;
		static const uint8_t key[16] = "dns cookie fuzz!";
		enum dp_dnsck ck;
		if (ks.period == 0)
			syn_cookie_keys_init(&ks, key, 8, 2);
		uint16_t k = dp_dnsck_answer(&ks, 0x0100007f, (uint32_t)size, &r, m, n,
					     (uint16_t)(len + room), &ck);
		if (k > len + room || (k != n && k != n + DP_DNSCK_OPT_LEN) ||
		    (r.cookie_len == 0) != (ck == DP_DNSCK_NONE))
			abort();
	}
	free(m);
	return 0;
}
