/* SPDX-License-Identifier: BSD-3-Clause */
/* SYN cookies: see cookie.h for the layout. */
#include <errno.h>
#include <string.h>

#include "../dataplane/cksum.h"
#include "cookie.h"
#include "wire.h"

/* What clients send: 536 (the default, RFC 9293 3.7.1), tunnels and IPv6-ish
 * paths (1200, 1360, 1400, 1440), Ethernet (1460) and jumbo frames (8960);
 * 216 for the odd tiny one (rounding down never makes a segment too big,
 * except below 216, which no real path has). */
const uint16_t syn_cookie_mss_table[SYN_COOKIE_N_MSS] = { 216, 536, 1200, 1360,
							   1400, 1440, 1460, 8960 };

#define COOKIE_HASH_BITS 21
#define COOKIE_HASH_MASK ((1u << COOKIE_HASH_BITS) - 1)
#define COOKIE_TS_BIT (1u << 21)
#define COOKIE_SACK_BIT (1u << 22)
#define COOKIE_WS_SHIFT 23
#define COOKIE_MSS_SHIFT 27
#define COOKIE_TICK_SHIFT 30

int
syn_cookie_keys_init(struct syn_cookie_keys *ks, const uint8_t key[16], uint32_t period,
		     uint32_t max_age)
{
	if (period == 0 || max_age > SYN_COOKIE_MAX_AGE)
		return -EINVAL;
	memset(ks, 0, sizeof(*ks));
	ks->cur = syn_sipkey_from_bytes(key);
	ks->period = period;
	ks->max_age = (uint8_t)max_age;
	return 0;
}

void
syn_cookie_rotate(struct syn_cookie_keys *ks, const uint8_t key[16])
{
	ks->prev = ks->cur;
	ks->has_prev = 1;
	ks->cur = syn_sipkey_from_bytes(key);
	ks->rotations++;
}

/* The option and clock bits of a cookie: everything but the hash. */
static uint32_t
cookie_clear_bits(const struct syn_cookie_opts *o, uint64_t tick)
{
	unsigned int mi = 0;

	for (unsigned int i = 1; i < SYN_COOKIE_N_MSS; i++)
		if (o->mss >= syn_cookie_mss_table[i])
			mi = i;
	uint32_t ws = 0;
	if (o->wscale != SYN_COOKIE_NO_WSCALE)
		ws = (o->wscale > SYN_COOKIE_MAX_WSCALE ? SYN_COOKIE_MAX_WSCALE : o->wscale) + 1u;
	return (uint32_t)(tick & 3) << COOKIE_TICK_SHIFT | (uint32_t)mi << COOKIE_MSS_SHIFT |
	       ws << COOKIE_WS_SHIFT | (o->sack_ok ? COOKIE_SACK_BIT : 0) |
	       (o->ts_ok ? COOKIE_TS_BIT : 0);
}

static uint32_t
cookie_hash(const struct syn_sipkey *k, uint32_t saddr, uint32_t daddr, uint16_t sport,
	    uint16_t dport, uint32_t client_isn, uint64_t tick, uint32_t clear)
{
	uint8_t in[28], *p = in;

	memcpy(p, &saddr, 4); /* as they lie in the packet */
	memcpy(p + 4, &daddr, 4);
	p = syn_put16(p + 8, sport);
	p = syn_put16(p, dport);
	p = syn_put32(p, client_isn);
	p = syn_put32(p, (uint32_t)(tick >> 32));
	p = syn_put32(p, (uint32_t)tick);
	syn_put32(p, clear);
	return (uint32_t)syn_siphash24(k, in, sizeof(in)) & COOKIE_HASH_MASK;
}

uint32_t
syn_cookie_make(const struct syn_cookie_keys *ks, uint32_t saddr, uint32_t daddr,
		uint16_t sport, uint16_t dport, uint32_t client_isn,
		const struct syn_cookie_opts *o, uint64_t now)
{
	uint64_t tick = now / ks->period;
	uint32_t clear = cookie_clear_bits(o, tick);

	return clear | cookie_hash(&ks->cur, saddr, daddr, sport, dport, client_isn, tick, clear);
}

int
syn_cookie_check(const struct syn_cookie_keys *ks, uint32_t saddr, uint32_t daddr,
		 uint16_t sport, uint16_t dport, uint32_t client_isn, uint32_t cookie,
		 uint64_t now, struct syn_cookie_opts *o)
{
	uint64_t tick_now = now / ks->period;
	uint64_t age = (tick_now - (cookie >> COOKIE_TICK_SHIFT)) & 3;

	if (age > ks->max_age || age > tick_now)
		return -1;
	uint64_t tick = tick_now - age;
	uint32_t clear = cookie & ~COOKIE_HASH_MASK;
	uint32_t ws = (clear >> COOKIE_WS_SHIFT) & 0xf;
	if (ws > SYN_COOKIE_MAX_WSCALE + 1u)
		return -1; /* never made */
	uint32_t h = cookie & COOKIE_HASH_MASK;
	if (h != cookie_hash(&ks->cur, saddr, daddr, sport, dport, client_isn, tick, clear) &&
	    (!ks->has_prev ||
	     h != cookie_hash(&ks->prev, saddr, daddr, sport, dport, client_isn, tick, clear)))
		return -1;
	o->mss = syn_cookie_mss_table[(clear >> COOKIE_MSS_SHIFT) & 7];
	o->wscale = ws ? (uint8_t)(ws - 1) : SYN_COOKIE_NO_WSCALE;
	o->sack_ok = !!(clear & COOKIE_SACK_BIT);
	o->ts_ok = !!(clear & COOKIE_TS_BIT);
	return 0;
}

int
syn_tcp_opts_parse(const uint8_t *opt, size_t len, struct syn_tcp_opts *o)
{
	size_t i = 0;

	memset(o, 0, sizeof(*o));
	o->wscale = SYN_COOKIE_NO_WSCALE;
	/* what nearly every segment of an established flow carries: NOP, NOP,
	 * timestamps, aligned (RFC 7323 appendix A; Linux's
	 * tcp_parse_aligned_timestamp() takes the same shortcut) */
	if (len == 12 && opt[0] == 1 && opt[1] == 1 && opt[2] == 8 && opt[3] == 10) {
		o->has_ts = 1;
		o->ts_off = 4;
		o->tsval = syn_get32(opt + 4);
		o->tsecr = syn_get32(opt + 8);
		return 0;
	}
	while (i < len) {
		uint8_t kind = opt[i];
		if (kind == 0) /* end of options */
			break;
		if (kind == 1) { /* NOP */
			i++;
			continue;
		}
		if (i + 2 > len)
			return -1;
		uint8_t l = opt[i + 1];
		if (l < 2 || i + l > len)
			return -1;
		switch (kind) {
		case 2: /* MSS */
			if (l != 4)
				return -1;
			o->mss = syn_get16(opt + i + 2);
			break;
		case 3: /* window scale */
			if (l != 3)
				return -1;
			o->wscale = opt[i + 2] > SYN_COOKIE_MAX_WSCALE ? SYN_COOKIE_MAX_WSCALE
								       : opt[i + 2];
			break;
		case 4: /* SACK permitted */
			if (l != 2)
				return -1;
			o->sack_ok = 1;
			break;
		case 5: /* SACK blocks */
			if ((l - 2) % 8 != 0 || l == 2 || (l - 2) / 8 > 4)
				return -1;
			o->n_sack = (uint8_t)((l - 2) / 8);
			o->sack_off = (uint16_t)(i + 2);
			break;
		case 8: /* timestamps */
			if (l != 10)
				return -1;
			o->has_ts = 1;
			o->ts_off = (uint16_t)(i + 2);
			o->tsval = syn_get32(opt + i + 2);
			o->tsecr = syn_get32(opt + i + 6);
			break;
		default:
			break;
		}
		i += l;
	}
	return 0;
}

int
syn_cookie_synack(const struct syn_cookie_keys *ks, const struct syn_synack_conf *c,
		  uint8_t *l3, size_t len, size_t cap, uint32_t tsval, uint64_t now,
		  struct syn_cookie_opts *neg)
{
	if (cap < SYN_SYNACK_MAX_L3 || len < 40 || (l3[0] >> 4) != 4)
		return -1;
	size_t ihl = (size_t)(l3[0] & 0xf) * 4;
	size_t tot = syn_get16(l3 + 2);
	if (ihl < 20 || tot > len || tot < ihl + 20 || l3[9] != 6 ||
	    (syn_get16(l3 + 6) & 0x3fff) != 0)
		return -1;
	const uint8_t *tcp = l3 + ihl;
	size_t doff = (size_t)(tcp[12] >> 4) * 4;
	if (doff < 20 || ihl + doff > tot)
		return -1;
	if ((tcp[13] & 0x17) != 0x02) /* SYN, without ACK, RST or FIN */
		return -1;
	struct syn_tcp_opts to;
	if (syn_tcp_opts_parse(tcp + 20, doff - 20, &to) < 0)
		return -1;

	uint32_t saddr, daddr;
	memcpy(&saddr, l3 + 12, 4);
	memcpy(&daddr, l3 + 16, 4);
	uint16_t sport = syn_get16(tcp), dport = syn_get16(tcp + 2);
	uint32_t isn = syn_get32(tcp + 4);

	struct syn_cookie_opts o = {
		.mss = to.mss ? to.mss : 536,
		.wscale = to.wscale != SYN_COOKIE_NO_WSCALE && c->wscale != SYN_COOKIE_NO_WSCALE
				  ? to.wscale
				  : SYN_COOKIE_NO_WSCALE,
		.sack_ok = to.sack_ok && c->sack_ok,
		.ts_ok = to.has_ts && c->ts_ok,
	};
	uint32_t cookie = syn_cookie_make(ks, saddr, daddr, sport, dport, isn, &o, now);
	if (neg != NULL) {
		*neg = o;
		neg->mss = syn_cookie_mss_table[(cookie >> COOKIE_MSS_SHIFT) & 7];
	}

	/* The options as 32-bit words: MSS, then SACK-permitted and timestamps,
	 * then wscale. Both checksums are summed from the values as they are
	 * stored, not read back: a wide load of what byte stores just wrote
	 * would wait for them to retire (a store-forwarding stall a packet). */
	uint32_t opt[5];
	unsigned int no = 0;
	opt[no++] = 0x02040000u | c->mss;
	if (o.sack_ok && o.ts_ok)
		opt[no++] = 0x0402080au;
	else if (o.ts_ok)
		opt[no++] = 0x0101080au;
	else if (o.sack_ok)
		opt[no++] = 0x01010402u;
	if (o.ts_ok) {
		opt[no++] = tsval;
		opt[no++] = to.tsval;
	}
	if (o.wscale != SYN_COOKIE_NO_WSCALE)
		opt[no++] = 0x01030300u | c->wscale;
	size_t tl = 20 + 4 * (size_t)no;
	uint32_t ack = isn + 1;
	uint16_t flags = (uint16_t)(tl / 4 << 12 | 0x12); /* data offset; SYN, ACK */

	uint8_t *ip = l3, *th = l3 + 20;
	uint32_t src = syn_get32(l3 + 16), dst = syn_get32(l3 + 12); /* the reply's */
	uint32_t addrs = syn_sum32(src) + syn_sum32(dst);
	uint32_t ipsum = 0x4500u + (uint32_t)(20 + tl) + 0x4000u + ((uint32_t)c->ttl << 8 | 6) + addrs;
	syn_put32(ip, 0x45000000u | (uint32_t)(20 + tl));
	syn_put32(ip + 4, 0x4000); /* id 0, DF */
	syn_put16(ip + 8, (uint16_t)(c->ttl << 8 | 6));
	syn_put16(ip + 10, (uint16_t)~dp_cksum_fold(ipsum));
	memcpy(ip + 12, &daddr, 4);
	memcpy(ip + 16, &saddr, 4);

	uint32_t tsum = addrs + 6 + (uint32_t)tl + dport + sport + syn_sum32(cookie) +
			syn_sum32(ack) + flags + c->window;
	for (unsigned int i = 0; i < no; i++)
		tsum += syn_sum32(opt[i]);
	syn_put16(th, dport);
	syn_put16(th + 2, sport);
	syn_put32(th + 4, cookie);
	syn_put32(th + 8, ack);
	syn_put16(th + 12, flags);
	syn_put16(th + 14, c->window);
	syn_put16(th + 16, (uint16_t)~dp_cksum_fold(tsum));
	syn_put16(th + 18, 0);
	for (unsigned int i = 0; i < no; i++)
		syn_put32(th + 20 + 4 * i, opt[i]);
	return (int)(20 + tl);
}
