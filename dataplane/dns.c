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
#define DNS_RCODE_NOTIMP 4
#define DNS_RCODE_REFUSED 5
#define DNS_EXT_BADVERS 16

#define DNS_T_A 1
#define DNS_T_NS 2
#define DNS_T_SOA 6
#define DNS_T_OPT 41
#define DNS_T_ANY 255
#define DNS_C_IN 1
#define DNS_C_ANY 255

#define DNS_EDNS_DO 0x8000
#define DNS_EDNS_KEEPALIVE 11 /* RFC 7828 option code */
#define DNS_UDP_MIN 512
#define DNS_TCP_KA_LEN 6      /* option code, length, timeout */

/* Sizes of what we may append after the question. */
#define DNS_A_RR_LEN 16                /* ptr, type, class, ttl, rdlen, addr */
#define DNS_RR_FIXED 12               /* owner pointer, type, class, ttl, rdlen */
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
	uint8_t keepalive;  /* the edns-tcp-keepalive option was sent */
	uint16_t flags;
	uint16_t udp_size;
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
	e->keepalive = 0;
	e->udp_size = 0;
	e->cookie_off = e->cookie_len = 0;
	if (arcount == 0)
		return off == len ? 0 : -1;
	if (arcount > 1 || len - off < DNS_OPT_RR_LEN)
		return -1;
	if (m[off] != 0 || rd16(m + off + 1) != DNS_T_OPT)
		return -1;
	e->udp_size = rd16(m + off + 3);
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
		/* RFC 7828 3.2.1: a query's keepalive option has no timeout */
		if (rd16(m + p) == DNS_EDNS_KEEPALIVE)
			e->keepalive = 1;
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

/* NOTIMP for an opcode we do not serve: the question echoed when the
 * query parses as far as it (RFC 8906 3.1.4), the header alone otherwise. */
static uint16_t
dns_notimp(uint8_t *m, unsigned int len, uint16_t flags, unsigned int qend,
	   struct dp_dns_result *res)
{
	unsigned int keep = qend ? qend : DP_DNS_HDR_LEN;

	dns_keep(m, len, keep, res);
	wr16(m + 2, (uint16_t)(DNS_QR | (flags & (0x7800 | DNS_RD)) | DNS_RCODE_NOTIMP));
	wr16(m + 4, (uint16_t)(qend != 0));
	memset(m + 6, 0, 6);
	res->counter = DP_C_dns_notimp;
	return (uint16_t)keep;
}

/* A name of zone @z's records: its labels, then a pointer to the zone's
 * name in the question (@zptr) unless it was kept whole. */
static inline unsigned int
dns_zname_len(unsigned int len, unsigned int sfx)
{
	return len + 2 * sfx;
}

static inline uint8_t *
dns_put_zname(uint8_t *w, const uint8_t *name, unsigned int len, unsigned int sfx, uint16_t zptr)
{
	memcpy(w, name, len);
	w += len;
	return sfx ? wr16(w, zptr) : w;
}

static inline uint8_t *
dns_put_rr(uint8_t *w, uint16_t owner, uint16_t type, uint32_t ttl, uint16_t rdlen)
{
	w = wr16(w, owner);
	w = wr16(w, type);
	w = wr16(w, DNS_C_IN);
	w = wr32(w, ttl);
	return wr16(w, rdlen);
}

static inline unsigned int
dns_soa_len(const struct dp_zone_rec *z)
{
	return DNS_RR_FIXED + dns_zname_len(z->mname_len, z->mname_sfx) +
	       dns_zname_len(z->rname_len, z->rname_sfx) + 20;
}

static uint8_t *
dns_put_soa(uint8_t *w, const struct dp_dns_conf *dc, const struct dp_zone_rec *z,
	    uint16_t zptr)
{
	w = dns_put_rr(w, zptr, DNS_T_SOA, dc->ttl, (uint16_t)(dns_soa_len(z) - DNS_RR_FIXED));
	w = dns_put_zname(w, z->mname, z->mname_len, z->mname_sfx, zptr);
	w = dns_put_zname(w, z->rname, z->rname_len, z->rname_sfx, zptr);
	w = wr32(w, dc->soa_serial);
	w = wr32(w, z->refresh);
	w = wr32(w, z->retry);
	w = wr32(w, z->expire);
	return wr32(w, z->minimum ? z->minimum : dc->ttl); /* negative-caching TTL */
}

static inline unsigned int
dns_ns_len(const struct dp_zone_rec *z, int glue)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < z->n_ns; i++)
		n += DNS_RR_FIXED + dns_zname_len(z->ns_len[i], z->ns_sfx[i]) +
		     (glue && z->ns_in_zone[i] ? DNS_A_RR_LEN : 0);
	return n;
}

/* The NS records; the offsets of their names go to @at, for the glue. */
static uint8_t *
dns_put_ns(uint8_t *w, const uint8_t *m, const struct dp_dns_conf *dc,
	   const struct dp_zone_rec *z, uint16_t zptr, uint16_t *at)
{
	for (unsigned int i = 0; i < z->n_ns; i++) {
		unsigned int l = dns_zname_len(z->ns_len[i], z->ns_sfx[i]);
		w = dns_put_rr(w, zptr, DNS_T_NS, dc->ttl, (uint16_t)l);
		at[i] = (uint16_t)(w - m);
		w = dns_put_zname(w, z->ns[i], z->ns_len[i], z->ns_sfx[i], zptr);
	}
	return w;
}

static uint8_t *
dns_put_a(uint8_t *w, uint16_t owner, uint32_t ttl, uint32_t ip)
{
	w = dns_put_rr(w, owner, DNS_T_A, ttl, 4);
	memcpy(w, &ip, 4); /* already network order */
	return w + 4;
}

uint16_t
dp_dns_respond(const struct dp_dns_conf *dc, uint8_t *m, uint16_t len, uint16_t cap,
	       struct dp_dns_result *res)
{
	return dp_dns_answer(dc, m, len, cap, 0, res);
}

uint16_t
dp_dns_answer(const struct dp_dns_conf *dc, uint8_t *m, uint16_t len, uint16_t cap,
	      unsigned int how, struct dp_dns_result *res)
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
	unsigned int opcode = (flags >> 11) & 0xf;
	if (rd16(m + 4) != 1 || rd16(m + 6) != 0 || rd16(m + 8) != 0)
		return opcode ? dns_notimp(m, len, flags, 0, res) : dns_formerr(m, len, flags, res);

	unsigned int off = dns_parse_qname(m, len, DP_DNS_HDR_LEN, &q);
	if (off == 0 || len - off < 4)
		return opcode ? dns_notimp(m, len, flags, 0, res) : dns_formerr(m, len, flags, res);
	uint16_t qtype = rd16(m + off);
	uint16_t qclass = rd16(m + off + 2);
	off += 4;
	if (opcode) /* whatever follows the question: it is not ours to read */
		return dns_notimp(m, len, flags, off, res);
	if (dns_parse_additional(m, len, off, rd16(m + 10), &e) < 0)
		return dns_formerr(m, len, flags, res);
	if (e.cookie_len != 0) { /* the response overwrites it */
		memcpy(res->cookie, m + e.cookie_off, e.cookie_len);
		res->cookie_len = (uint8_t)e.cookie_len;
	}

	/* the common case first, as short as it ever was: A of a service's
	 * name (or ANY of one that is no apex), over UDP without truncation or over
	 * TCP (an A answer always fits 512 bytes: the name is at most 255) */
	const struct dp_svctab_entry *ent = NULL;
	if (qclass == DNS_C_IN && (!e.present || e.version == 0) && !(how & DP_DNS_TRUNCATE)) {
		ent = dp_svctab_lookup(dc->tab, q.wire, q.len);
		/* (at an apex, ANY also has the SOA and NS: not here) */
		if (ent != NULL && ent->svc != DP_SVC_NONE &&
		    (qtype == DNS_T_A || (qtype == DNS_T_ANY && !ent->apex)) &&
		    !((how & DP_DNS_TCP) && e.keepalive) &&
		    off + DNS_A_RR_LEN + (e.present ? DNS_OPT_RR_LEN : 0) <= cap) {
			res->svc = ent->svc;
			res->counter = DP_C_dns_answer;
			dns_keep(m, len, off, res);
			uint8_t *w = dns_put_a(m + off, 0xc000 | DP_DNS_HDR_LEN, dc->ttl,
					       dp_svctab_addr(dc->tab, (uint32_t)ent->svc));
			if (e.present) {
				*w++ = 0;
				w = wr16(w, DNS_T_OPT);
				w = wr16(w, DP_DNS_EDNS_SIZE);
				*w++ = 0;
				*w++ = 0;
				w = wr16(w, e.flags & DNS_EDNS_DO);
				w = wr16(w, 0);
			}
			wr16(m + 2, (uint16_t)(DNS_QR | DNS_AA | (flags & (DNS_RD | DNS_CD))));
			wr16(m + 6, 1);
			wr16(m + 8, 0);
			wr16(m + 10, (uint16_t)e.present);
			return (uint16_t)(w - m);
		}
	}

	unsigned int rcode = DNS_RCODE_NOERROR, ext_rcode = 0;
	int zi = -1, aa = 0, apex = 0, want_a = 0, want_soa = 0, want_ns = 0, glue = 0;
	uint32_t a_ip = 0;
	const struct dp_zone_rec *z = NULL;
	if (e.present && e.version != 0) {
		ext_rcode = DNS_EXT_BADVERS >> 4;
		res->counter = DP_C_dns_badvers;
	} else if (qclass != DNS_C_IN && qclass != DNS_C_ANY) {
		rcode = DNS_RCODE_REFUSED;
		res->counter = DP_C_dns_refused;
	} else {
		/* one lookup says it all when the table is finished */
		if (ent == NULL)
			ent = dp_svctab_lookup(dc->tab, q.wire, q.len);
		int zoff = -1;
		if (ent != NULL) {
			res->svc = ent->svc;
			apex = ent->apex;
			zi = ent->zone;
			if (zi == DP_ZONE_UNKNOWN) {
				zoff = dp_svctab_zone_find(dc->tab, q.wire, q.len, q.labels,
							   q.n_labels, &zi);
				apex = zoff == 0;
			}
		} else {
			zoff = dp_svctab_zone_find(dc->tab, q.wire, q.len, q.labels, q.n_labels,
						   &zi);
			apex = zoff == 0;
		}
		int host = ent != NULL && ent->kind == DP_NAME_HOST;
		if (res->svc != DP_SVC_NONE)
			a_ip = dp_svctab_addr(dc->tab, (uint32_t)res->svc);
		want_a = (a_ip != 0 || host) && (qtype == DNS_T_A || qtype == DNS_T_ANY);
		/* a plain A answer needs no zone: the common case stays short */
		if (apex || !want_a || host) {
			z = zi >= 0 ? dp_svctab_zone(dc->tab, (unsigned int)zi) : NULL;
			if (host) {
				a_ip = z != NULL ? z->glue : 0;
				want_a &= a_ip != 0;
			}
		}
		want_soa = apex && z != NULL && (qtype == DNS_T_SOA || qtype == DNS_T_ANY);
		want_ns = apex && z != NULL && (qtype == DNS_T_NS || qtype == DNS_T_ANY);
		glue = want_ns && qtype == DNS_T_NS;
		aa = 1;
		if (want_a || want_soa || want_ns) {
			res->counter = DP_C_dns_answer;
		} else if (ent != NULL || apex) {
			res->counter = DP_C_dns_nodata;
		} else if (z != NULL) {
			rcode = DNS_RCODE_NXDOMAIN;
			res->counter = DP_C_dns_nxdomain;
		} else if (how & DP_DNS_FORWARD) { /* the host's resolver answers it */
			res->counter = DP_C_dns_forwarded;
			return 0;
		} else {
			aa = 0;
			rcode = DNS_RCODE_REFUSED;
			res->counter = DP_C_dns_refused;
		}
	}
	/* Negative answers carry the zone's SOA so that resolvers cache them. */
	int auth_soa = !want_a && !want_soa && !want_ns && z != NULL &&
		       rcode != DNS_RCODE_REFUSED && ext_rcode == 0;
	uint16_t zptr = z ? (uint16_t)(0xc000 | (DP_DNS_HDR_LEN + q.len - z->len)) : 0;
	int keepalive = (how & DP_DNS_TCP) && e.keepalive && dc->tcp_keepalive != 0;
	unsigned int opt_len = e.present ? DNS_OPT_RR_LEN + (keepalive ? DNS_TCP_KA_LEN : 0) : 0;

	unsigned int recs = (want_a ? DNS_A_RR_LEN : 0) +
			    ((want_soa || auth_soa) ? dns_soa_len(z) : 0) +
			    (want_ns ? dns_ns_len(z, glue) : 0);
	unsigned int limit = cap;
	if (!(how & DP_DNS_TCP)) {
		unsigned int udp = e.present ? e.udp_size : DNS_UDP_MIN;
		udp = udp < DNS_UDP_MIN ? DNS_UDP_MIN : udp > DP_DNS_EDNS_SIZE ? DP_DNS_EDNS_SIZE : udp;
		limit = udp < limit ? udp : limit;
	}
	int tc = 0;
	if (off + recs + opt_len > limit || (how & DP_DNS_TRUNCATE)) {
		/* RFC 2181 9: what does not fit is not sent, and TC says so; the
		 * client asks again over TCP */
		if (!(how & DP_DNS_TCP) && off + opt_len <= limit) {
			tc = 1;
			want_a = want_soa = want_ns = auth_soa = glue = 0;
			recs = 0;
			if (!(how & DP_DNS_TRUNCATE))
				res->counter = DP_C_dns_truncated;
		} else {
			res->counter = DP_C_drop_dns_no_room;
			res->svc = DP_SVC_NONE;
			return 0;
		}
	}

	dns_keep(m, len, off, res);
	uint8_t *w = m + off;
	uint16_t ns_at[DP_ZONE_NS_MAX];
	unsigned int an = 0, ns = 0, ar = 0;
	if (want_a) {
		w = dns_put_a(w, 0xc000 | DP_DNS_HDR_LEN, dc->ttl, a_ip);
		an++;
	}
	if (want_soa) {
		w = dns_put_soa(w, dc, z, zptr);
		an++;
	}
	if (want_ns) {
		w = dns_put_ns(w, m, dc, z, zptr, ns_at);
		an += z->n_ns;
	}
	if (auth_soa) {
		w = dns_put_soa(w, dc, z, zptr);
		ns++;
	}
	if (glue) {
		for (unsigned int i = 0; i < z->n_ns; i++) {
			if (!z->ns_in_zone[i])
				continue;
			w = dns_put_a(w, (uint16_t)(0xc000 | ns_at[i]), dc->ttl, z->glue);
			ar++;
		}
	}
	if (e.present) {
		*w++ = 0;
		w = wr16(w, DNS_T_OPT);
		w = wr16(w, DP_DNS_EDNS_SIZE);
		*w++ = (uint8_t)ext_rcode;
		*w++ = 0; /* version */
		w = wr16(w, e.flags & DNS_EDNS_DO); /* RFC 3225: copy DO */
		w = wr16(w, keepalive ? DNS_TCP_KA_LEN : 0);
		if (keepalive) {
			w = wr16(w, DNS_EDNS_KEEPALIVE);
			w = wr16(w, 2);
			w = wr16(w, dc->tcp_keepalive);
		}
		ar++;
	}

	uint16_t rflags = (uint16_t)(DNS_QR | (flags & (DNS_RD | DNS_CD)) | rcode);
	if (aa)
		rflags |= DNS_AA;
	if (tc)
		rflags |= DNS_TC;
	wr16(m + 2, rflags);
	wr16(m + 6, (uint16_t)an);   /* ANCOUNT */
	wr16(m + 8, (uint16_t)ns);   /* NSCOUNT */
	wr16(m + 10, (uint16_t)ar);  /* ARCOUNT */
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
