/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <string.h>

#include "cksum.h"
#include "dns.h"

#define DNS_QR 0x8000
#define DNS_AA 0x0400
#define DNS_TC 0x0200
#define DNS_RD 0x0100
#define DNS_CD 0x0010

#define DNS_RCODE_NOERROR 0
#define DNS_RCODE_FORMERR 1
#define DNS_RCODE_NXDOMAIN 3
#define DNS_RCODE_REFUSED 5
#define DNS_EXT_BADVERS 16

#define DNS_T_A 1
#define DNS_T_SOA 6
#define DNS_T_OPT 41
#define DNS_T_ANY 255
#define DNS_C_IN 1
#define DNS_C_ANY 255

#define DNS_EDNS_DO 0x8000

/* Sizes of what we may append after the question. */
#define DNS_A_RR_LEN 16                /* ptr, type, class, ttl, rdlen, addr */
#define DNS_SOA_RNAME "\012hostmaster"  /* label in front of the zone */
#define DNS_SOA_RNAME_LEN 11
#define DNS_SOA_RR_LEN (12 + 2 + DNS_SOA_RNAME_LEN + 2 + 20)
#define DNS_OPT_RR_LEN 11

static inline uint16_t
rd16(const uint8_t *b)
{
	return (uint16_t)(b[0] << 8 | b[1]);
}

/* One 16-bit store (network order): the caller sums what was written with
 * matching 16-bit loads (dp_cksum_sum16_at()), which the store forwards. */
static inline uint8_t *
wr16(uint8_t *b, uint16_t v)
{
	uint8_t be[2] = { (uint8_t)(v >> 8), (uint8_t)v };

	memcpy(b, be, 2);
	return b + 2;
}

static inline uint8_t *
wr32(uint8_t *b, uint32_t v)
{
	b = wr16(b, (uint16_t)(v >> 16));
	return wr16(b, (uint16_t)v);
}

/* The question name, lower-cased, with its label offsets. */
struct dns_qname {
	uint8_t wire[DP_DNS_NAME_MAX];
	uint8_t labels[DP_DNS_NAME_MAX / 2 + 1];
	unsigned int len;
	unsigned int n_labels;
};

/* Copy @p n bytes of a wire name, lower-cased, 8 at a time: the length
 * bytes (at most 63) are below 'A' and pass unchanged. */
static inline void
dns_lower_copy(uint8_t *dst, const uint8_t *src, unsigned int n)
{
	const uint64_t ones = 0x0101010101010101ull, high = 0x8080808080808080ull;
	unsigned int i = 0;

	for (; i + 8 <= n; i += 8) {
		uint64_t x, low;
		memcpy(&x, src + i, 8);
		low = x & ~high; /* each byte's low 7 bits: no carry between bytes */
		/* high bit of each byte: >= 'A' and not > 'Z', in ASCII */
		uint64_t ge_a = low + ones * (0x80 - 'A'), gt_z = low + ones * (0x7f - 'Z');
		uint64_t upper = (ge_a & ~gt_z) & ~x & high;
		x |= upper >> 2; /* 0x80 >> 2 = 0x20 */
		memcpy(dst + i, &x, 8);
	}
	for (; i < n; i++) {
		uint8_t c = src[i];
		dst[i] = (c >= 'A' && c <= 'Z') ? (uint8_t)(c | 0x20) : c;
	}
}

/* Parse the question name at @off; returns the offset past it, or 0. */
static unsigned int
dns_parse_qname(const uint8_t *m, unsigned int len, unsigned int off, struct dns_qname *q)
{
	unsigned int nl = 0, start = off;

	q->n_labels = 0;
	for (;;) {
		if (off >= len)
			return 0;
		unsigned int b = m[off];
		if (b == 0)
			break;
		/* 11: compression pointer, 01/10: extended label types. A
		 * query's only name is never compressed: refuse, don't follow. */
		if (b & 0xc0)
			return 0;
		if (off + 1 + b > len || nl + 1 + b + 1 > DP_DNS_NAME_MAX)
			return 0;
		q->labels[q->n_labels++] = (uint8_t)nl;
		nl += 1 + b;
		off += 1 + b;
	}
	dns_lower_copy(q->wire, m + start, nl);
	q->wire[nl++] = 0;
	q->len = nl;
	return off + 1;
}

/* EDNS(0) OPT record of a query. */
struct dns_edns {
	int present;
	uint8_t version;
	uint16_t flags;
	unsigned int cookie_off, cookie_len; /* RFC 7873 COOKIE option: where, how long */
};

/* Parse the additional section: at most one OPT record, nothing after it. */
static int
dns_parse_additional(const uint8_t *m, unsigned int len, unsigned int off,
		     unsigned int arcount, struct dns_edns *e)
{
	e->present = 0;
	e->version = 0;
	e->flags = 0;
	e->cookie_off = e->cookie_len = 0;
	if (arcount == 0)
		return off == len ? 0 : -1;
	if (arcount > 1 || len - off < DNS_OPT_RR_LEN)
		return -1;
	if (m[off] != 0 || rd16(m + off + 1) != DNS_T_OPT)
		return -1;
	e->version = m[off + 6];
	e->flags = rd16(m + off + 7);
	unsigned int rdlen = rd16(m + off + 9);
	unsigned int p = off + DNS_OPT_RR_LEN;
	if (rdlen != len - p)
		return -1;
	/* Options must tile the RDATA exactly. */
	while (p < len) {
		if (len - p < 4 || rd16(m + p + 2) > len - p - 4)
			return -1;
		if (rd16(m + p) == DP_DNS_OPT_COOKIE) { /* RFC 7873 5.2.2: malformed is FORMERR */
			unsigned int cl = rd16(m + p + 2);
			if (e->cookie_len != 0 || cl < 8 || (cl > 8 && cl < 16) || cl > 40)
				return -1;
			e->cookie_off = p + 4;
			e->cookie_len = cl;
		}
		p += 4u + rd16(m + p + 2);
	}
	e->present = 1;
	return 0;
}

/* What the response keeps of the query (see struct dp_dns_result): called
 * before anything past the header is written. */
static inline void
dns_keep(const uint8_t *m, unsigned int len, unsigned int keep, struct dp_dns_result *res)
{
	res->keep = (uint16_t)keep;
	res->tail_sum = keep < len ? dp_cksum_sum_at(m + keep, len - keep, keep & 1) : 0;
}

static uint16_t
dns_formerr(uint8_t *m, unsigned int len, uint16_t flags, struct dp_dns_result *res)
{
	dns_keep(m, len, DP_DNS_HDR_LEN, res);
	wr16(m + 2, (uint16_t)(DNS_QR | (flags & DNS_RD) | DNS_RCODE_FORMERR));
	memset(m + 4, 0, 8);
	res->counter = DP_C_dns_formerr;
	return DP_DNS_HDR_LEN;
}

static uint8_t *
dns_put_soa(uint8_t *w, const struct dp_dns_conf *dc, unsigned int zone_off)
{
	uint16_t zptr = (uint16_t)(0xc000 | (DP_DNS_HDR_LEN + zone_off));

	w = wr16(w, zptr);
	w = wr16(w, DNS_T_SOA);
	w = wr16(w, DNS_C_IN);
	w = wr32(w, dc->ttl);
	w = wr16(w, 2 + DNS_SOA_RNAME_LEN + 2 + 20);
	w = wr16(w, zptr);                      /* MNAME: the zone itself */
	memcpy(w, DNS_SOA_RNAME, DNS_SOA_RNAME_LEN);
	w = wr16(w + DNS_SOA_RNAME_LEN, zptr);  /* RNAME: hostmaster.<zone> */
	w = wr32(w, dc->soa_serial);
	w = wr32(w, 3600);                      /* refresh */
	w = wr32(w, 600);                       /* retry */
	w = wr32(w, 86400);                     /* expire */
	return wr32(w, dc->ttl);                /* negative-caching TTL */
}

uint16_t
dp_dns_respond(const struct dp_dns_conf *dc, uint8_t *m, uint16_t len, uint16_t cap,
	       struct dp_dns_result *res)
{
	struct dns_qname q;
	struct dns_edns e;

	res->svc = DP_SVC_NONE;
	res->keep = 0;
	res->tail_sum = 0;
	res->cookie_len = 0;
	if (len < DP_DNS_HDR_LEN) {
		res->counter = DP_C_drop_dns_short;
		return 0;
	}
	uint16_t flags = rd16(m + 2);
	if (flags & DNS_QR) {
		res->counter = DP_C_drop_dns_response;
		return 0;
	}
	if ((flags >> 11) & 0xf) {
		res->counter = DP_C_drop_dns_opcode;
		return 0;
	}
	if (rd16(m + 4) != 1 || rd16(m + 6) != 0 || rd16(m + 8) != 0)
		return dns_formerr(m, len, flags, res);

	unsigned int off = dns_parse_qname(m, len, DP_DNS_HDR_LEN, &q);
	if (off == 0 || len - off < 4)
		return dns_formerr(m, len, flags, res);
	uint16_t qtype = rd16(m + off);
	uint16_t qclass = rd16(m + off + 2);
	off += 4;
	if (dns_parse_additional(m, len, off, rd16(m + 10), &e) < 0)
		return dns_formerr(m, len, flags, res);
	if (e.cookie_len != 0) { /* the response overwrites it */
		memcpy(res->cookie, m + e.cookie_off, e.cookie_len);
		res->cookie_len = (uint8_t)e.cookie_len;
	}

	unsigned int rcode = DNS_RCODE_NOERROR, ext_rcode = 0;
	int zone = -1, want_a = 0, want_soa = 0, aa = 0;
	if (e.present && e.version != 0) {
		ext_rcode = DNS_EXT_BADVERS >> 4;
		res->counter = DP_C_dns_badvers;
	} else if (qclass != DNS_C_IN && qclass != DNS_C_ANY) {
		rcode = DNS_RCODE_REFUSED;
		res->counter = DP_C_dns_refused;
	} else {
		res->svc = dp_svctab_by_name(dc->tab, q.wire, q.len);
		want_a = res->svc != DP_SVC_NONE && (qtype == DNS_T_A || qtype == DNS_T_ANY);
		/* the zone matters to everything but a plain answer */
		if (!want_a)
			zone = dp_svctab_zone_of(dc->tab, q.wire, q.len, q.labels, q.n_labels);
		aa = 1;
		if (res->svc != DP_SVC_NONE) {
			res->counter = want_a ? DP_C_dns_answer : DP_C_dns_nodata;
		} else if (zone == 0) { /* the apex itself */
			want_soa = qtype == DNS_T_SOA || qtype == DNS_T_ANY;
			res->counter = want_soa ? DP_C_dns_answer : DP_C_dns_nodata;
		} else if (zone > 0) {
			rcode = DNS_RCODE_NXDOMAIN;
			res->counter = DP_C_dns_nxdomain;
		} else {
			aa = 0;
			rcode = DNS_RCODE_REFUSED;
			res->counter = DP_C_dns_refused;
		}
	}
	/* Negative answers carry the zone's SOA so that resolvers cache them. */
	int auth_soa = !want_a && !want_soa && zone >= 0 && rcode != DNS_RCODE_REFUSED &&
		       ext_rcode == 0;

	unsigned int need = off + (want_a ? DNS_A_RR_LEN : 0) +
			    ((want_soa || auth_soa) ? DNS_SOA_RR_LEN : 0) +
			    (e.present ? DNS_OPT_RR_LEN : 0);
	/* A query's name is at most 255 bytes, so a response never passes
	 * 512 bytes: truncation (TC) is never needed. */
	if (need > cap) {
		res->counter = DP_C_drop_dns_no_room;
		res->svc = DP_SVC_NONE;
		return 0;
	}

	dns_keep(m, len, off, res);
	uint8_t *w = m + off;
	if (want_a) {
		w = wr16(w, 0xc000 | DP_DNS_HDR_LEN);
		w = wr16(w, DNS_T_A);
		w = wr16(w, DNS_C_IN);
		w = wr32(w, dc->ttl);
		w = wr16(w, 4);
		uint32_t ip = dp_svctab_addr(dc->tab, (uint32_t)res->svc);
		memcpy(w, &ip, 4); /* already network order */
		w += 4;
	}
	if (want_soa || auth_soa)
		w = dns_put_soa(w, dc, (unsigned int)zone);
	if (e.present) {
		*w++ = 0;
		w = wr16(w, DNS_T_OPT);
		w = wr16(w, DP_DNS_EDNS_SIZE);
		*w++ = (uint8_t)ext_rcode;
		*w++ = 0; /* version */
		w = wr16(w, e.flags & DNS_EDNS_DO); /* RFC 3225: copy DO */
		w = wr16(w, 0);
	}

	uint16_t rflags = (uint16_t)(DNS_QR | (flags & (DNS_RD | DNS_CD)) | rcode);
	if (aa)
		rflags |= DNS_AA;
	wr16(m + 2, rflags);
	wr16(m + 6, (uint16_t)(want_a || want_soa));   /* ANCOUNT */
	wr16(m + 8, (uint16_t)auth_soa);               /* NSCOUNT */
	wr16(m + 10, (uint16_t)e.present);             /* ARCOUNT */
	return (uint16_t)(w - m);
}

int
dp_dns_name_from_text(const char *text, uint8_t *wire, size_t cap)
{
	size_t tl = strlen(text);

	if (tl == 1 && text[0] == '.') {
		if (cap < 1)
			return -EINVAL;
		wire[0] = 0;
		return 1;
	}
	if (tl > 0 && text[tl - 1] == '.')
		tl--;
	/* Each dot becomes a length byte; one more in front and the root. */
	if (tl == 0 || tl + 2 > DP_DNS_NAME_MAX || tl + 2 > cap)
		return -EINVAL;
	size_t lab = 0, n = 1;
	for (size_t i = 0; i <= tl; i++) {
		char c = i < tl ? text[i] : '.';
		if (c == '.') {
			size_t ll = n - lab - 1;
			if (ll == 0 || ll > 63)
				return -EINVAL;
			wire[lab] = (uint8_t)ll;
			lab = n++;
			continue;
		}
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '-' || c == '_'))
			return -EINVAL;
		wire[n++] = (uint8_t)((c >= 'A' && c <= 'Z') ? (c | 0x20) : c);
	}
	wire[lab] = 0; /* the root */
	return (int)n;
}

int
dp_dns_name_to_text(const uint8_t *wire, size_t len, char *text, size_t cap)
{
	size_t off = 0, t = 0;

	if (cap == 0)
		return -EINVAL;
	while (off < len && wire[off] != 0) {
		unsigned int l = wire[off];
		if (l > 63 || off + 1 + l >= len || t + l + 2 > cap)
			return -EINVAL;
		if (t > 0)
			text[t++] = '.';
		memcpy(text + t, wire + off + 1, l);
		t += l;
		off += 1 + l;
	}
	if (off >= len)
		return -EINVAL;
	if (t == 0)
		text[t++] = '.';
	text[t] = '\0';
	return 0;
}
