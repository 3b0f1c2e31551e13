/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Frame templates, built once, and the per-packet patching: a frame is its
 * template copied, a few fields (port, DNS ID, label, address, sequence,
 * stamp) written in place, and its checksums completed from a sum taken
 * over the template with those fields zeroed (RFC 1071 is linear), so that
 * a 1518-byte frame costs a copy and a handful of additions, not a pass.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <netinet/in.h>
#include <rte_arp.h>
#include <rte_byteorder.h>
#include <rte_errno.h>
#include <rte_ip.h>
#include <rte_memcpy.h>
#include <rte_tcp.h>
#include <rte_udp.h>

#include "pg.h"

#define PG_SIZE_CLASSES 3
#define PG_SCHED_MAX 8192
#define PG_MIN_FRAME 60 /* 64 on the wire */
#define PG_L3_OFF RTE_ETHER_HDR_LEN
#define PG_L4_OFF (RTE_ETHER_HDR_LEN + (uint16_t)sizeof(struct rte_ipv4_hdr))
#define PG_UDP_DATA (PG_L4_OFF + (uint16_t)sizeof(struct rte_udp_hdr))
#define PG_DNS_HDR 12
#define PG_OPT_RR 11      /* root name, type, class, TTL, RDLENGTH */
#define PG_OPT_PADDING 12 /* RFC 7830 */
#define PG_NX_LABEL "nx-"
#define PG_NX_HEX 8

/* IMIX 7:4:1 (frame sizes with FCS) */
static const uint16_t pg_imix_size[PG_SIZE_CLASSES] = { 64, 570, 1518 };
static const uint32_t pg_imix_weight[PG_SIZE_CLASSES] = { 7, 4, 1 };

struct pg_tmpl {
	uint16_t len;
	uint16_t var_off; /* dns-miss: the first hex digit of the label */
	uint32_t l4_base; /* folded sum of pseudo-header and L4, varying fields zeroed */
	uint32_t ip_base; /* syn-cold: of the IP header, the source zeroed */
	uint8_t frame[PG_FRAME_MAX];
};

struct pg_gen {
	struct pg_flows *flows;
	int flood; /* the flood kind, or -1 */
	uint64_t rng;
	uint32_t seq[PG_K__COUNT];
	uint32_t kpos, klen;
	uint32_t spos[PG_K__COUNT];
	uint32_t hit_spos[PG_NAMES_MAX]; /* per name: every name gets the whole size mix */
	uint32_t slen;  /* the size schedule's cycle */
	uint32_t nsz;   /* size classes: templates per kind and name */
	uint32_t name_pos, n_names;
	uint32_t nx_salt;
	uint8_t ssched[16];
	struct pg_tmpl *hit;                      /* n_names x nsz classes */
	struct pg_tmpl *tmpl[PG_K__COUNT];        /* PG_SIZE_CLASSES each (class 0 only for arp, syn) */
	uint8_t ksched[PG_SCHED_MAX];
};

/* ---- tags ------------------------------------------------------------------- */

/* x -> (x * M) ^ X mod 2^n is a bijection since M is odd; M^-1 is the
 * same modulo 2^16 and 2^15 for this M (pg_gen_create checks it). */
#define PG_PERM_INV 0x7787u

uint16_t
pg_perm16(uint16_t x)
{
	return (uint16_t)((uint32_t)x * PG_PERM_MUL) ^ PG_PERM_XOR;
}

uint16_t
pg_perm16_inv(uint16_t y)
{
	return (uint16_t)((uint32_t)(uint16_t)(y ^ PG_PERM_XOR) * PG_PERM_INV);
}

uint16_t
pg_perm15(uint16_t x)
{
	return (uint16_t)((((uint32_t)x * PG_PERM_MUL) ^ PG_PERM_XOR) & 0x7fff);
}

uint16_t
pg_perm15_inv(uint16_t y)
{
	return (uint16_t)((((uint32_t)(y ^ PG_PERM_XOR) & 0x7fff) * PG_PERM_INV) & 0x7fff);
}

/* ---- checksums ------------------------------------------------------------ */

static inline uint32_t
pg_fold(uint32_t s)
{
	s = (s & 0xffff) + (s >> 16);
	return (s & 0xffff) + (s >> 16);
}

/* Words of a 32-bit field as they lie in memory (either byte order). */
static inline uint32_t
pg_sum32(uint32_t x)
{
	return (x & 0xffff) + (x >> 16);
}

/* The sum of @p len bytes at @p p that sit @p odd bytes off a word boundary
 * of the checksummed area: summed from an odd start, the words come out
 * byte-swapped, which in one's complement is the same swap of the sum. */
static inline uint32_t
pg_sum_at(const uint8_t *p, size_t len, int odd)
{
	uint16_t s = rte_raw_cksum(p, len);
	return odd ? rte_bswap16(s) : s;
}

static inline uint16_t
pg_udp_cksum(uint32_t sum)
{
	uint16_t ck = (uint16_t)~pg_fold(sum);
	return ck == 0 ? 0xffff : ck; /* 0 means "none" in UDP */
}

/* ---- templates --------------------------------------------------------------- */

static void
pg_put_eth(uint8_t *f, const struct rte_ether_addr *dst, const struct rte_ether_addr *src,
	   uint16_t type)
{
	struct rte_ether_hdr *e = (struct rte_ether_hdr *)f;

	e->dst_addr = *dst;
	e->src_addr = *src;
	e->ether_type = rte_cpu_to_be_16(type);
}

static struct rte_ipv4_hdr *
pg_put_ipv4(uint8_t *f, uint8_t proto, uint32_t src, uint32_t dst, uint16_t l4_len)
{
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(f + PG_L3_OFF);

	memset(ip, 0, sizeof(*ip));
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->total_length = rte_cpu_to_be_16((uint16_t)(sizeof(*ip) + l4_len));
	ip->fragment_offset = rte_cpu_to_be_16(RTE_IPV4_HDR_DF_FLAG);
	ip->time_to_live = 64;
	ip->next_proto_id = proto;
	ip->src_addr = src;
	ip->dst_addr = dst;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	return ip;
}

/* A UDP datagram's template: headers around @p data (@p dlen bytes, its
 * varying bytes zero), frame padded to at least 60 bytes. */
static void
pg_tmpl_udp(struct pg_tmpl *t, const struct pg_config *cfg, const struct rte_ether_addr *src_mac,
	    uint32_t dst_ip, uint16_t dport, const uint8_t *data, uint16_t dlen)
{
	uint8_t *f = t->frame;
	uint16_t ulen = (uint16_t)(sizeof(struct rte_udp_hdr) + dlen);

	memset(f, 0, sizeof(t->frame));
	pg_put_eth(f, &cfg->gw_mac, src_mac, RTE_ETHER_TYPE_IPV4);
	struct rte_ipv4_hdr *ip = pg_put_ipv4(f, IPPROTO_UDP, cfg->src_ip, dst_ip, ulen);
	struct rte_udp_hdr *u = (struct rte_udp_hdr *)(f + PG_L4_OFF);
	u->src_port = 0; /* per packet */
	u->dst_port = rte_cpu_to_be_16(dport);
	u->dgram_len = rte_cpu_to_be_16(ulen);
	u->dgram_cksum = 0;
	memcpy(f + PG_UDP_DATA, data, dlen);
	t->l4_base = pg_fold((uint32_t)rte_ipv4_phdr_cksum(ip, 0) + rte_raw_cksum(u, ulen));
	t->len = (uint16_t)RTE_MAX(PG_UDP_DATA + dlen, PG_MIN_FRAME);
}

/* A DNS A query for @p qname, EDNS(0) padding up to @p target bytes when it
 * fits (RFC 7830: the gateway must parse and ignore it). */
static void
pg_tmpl_dns(struct pg_tmpl *t, const struct pg_config *cfg, const struct rte_ether_addr *src_mac,
	    const uint8_t *qname, uint16_t qlen, uint16_t target)
{
	uint8_t m[PG_FRAME_MAX];
	uint16_t n = 0;

	memset(m, 0, sizeof(m));
	m[2] = 0x01; /* RD, as a stub resolver asks */
	m[5] = 1;    /* QDCOUNT */
	n = PG_DNS_HDR;
	memcpy(m + n, qname, qlen);
	n = (uint16_t)(n + qlen);
	m[n + 1] = 1; /* QTYPE A */
	m[n + 3] = 1; /* QCLASS IN */
	n = (uint16_t)(n + 4);
	unsigned int natural = PG_UDP_DATA + n;
	if (target >= natural + PG_OPT_RR + 4) {
		uint16_t pad = (uint16_t)(target - natural - PG_OPT_RR - 4);
		m[11] = 1; /* ARCOUNT */
		m[n + 2] = 41; /* OPT */
		m[n + 3] = 0x04; /* UDP payload size 1232 */
		m[n + 4] = 0xd0;
		m[n + 9] = (uint8_t)((4 + pad) >> 8);
		m[n + 10] = (uint8_t)(4 + pad);
		m[n + 12] = PG_OPT_PADDING;
		m[n + 13] = (uint8_t)(pad >> 8);
		m[n + 14] = (uint8_t)pad;
		n = (uint16_t)(n + PG_OPT_RR + 4 + pad); /* padding is zeros */
	}
	pg_tmpl_udp(t, cfg, src_mac, cfg->gw_ip, 53, m, n);
}

static void
pg_tmpl_fwd(struct pg_tmpl *t, const struct pg_config *cfg, const struct rte_ether_addr *src_mac,
	    uint16_t target)
{
	uint8_t m[PG_FRAME_MAX];
	uint16_t dlen = sizeof(struct pg_stamp);

	memset(m, 0, sizeof(m));
	if (target > PG_UDP_DATA + dlen)
		dlen = (uint16_t)(target - PG_UDP_DATA);
	pg_tmpl_udp(t, cfg, src_mac, cfg->fwd_ip, cfg->fwd_port, m, dlen);
}

static void
pg_tmpl_syn(struct pg_tmpl *t, const struct pg_config *cfg, const struct rte_ether_addr *src_mac)
{
	uint8_t *f = t->frame;

	memset(f, 0, sizeof(t->frame));
	pg_put_eth(f, &cfg->gw_mac, src_mac, RTE_ETHER_TYPE_IPV4);
	struct rte_ipv4_hdr *ip = pg_put_ipv4(f, IPPROTO_TCP, 0, cfg->svc_ip,
					      sizeof(struct rte_tcp_hdr));
	struct rte_tcp_hdr *tcp = (struct rte_tcp_hdr *)(f + PG_L4_OFF);
	tcp->dst_port = rte_cpu_to_be_16(cfg->syn_port);
	tcp->data_off = (sizeof(*tcp) / 4) << 4;
	tcp->tcp_flags = RTE_TCP_SYN_FLAG;
	tcp->rx_win = rte_cpu_to_be_16(64240);
	ip->hdr_checksum = 0;
	t->ip_base = rte_raw_cksum(ip, sizeof(*ip));
	t->l4_base = pg_fold((uint32_t)rte_ipv4_phdr_cksum(ip, 0) +
			     rte_raw_cksum(tcp, sizeof(*tcp)));
	t->len = PG_MIN_FRAME;
}

static void
pg_tmpl_arp(struct pg_tmpl *t, const struct pg_config *cfg, const struct rte_ether_addr *src_mac)
{
	static const struct rte_ether_addr bcast = { { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff } };
	uint8_t *f = t->frame;

	memset(f, 0, sizeof(t->frame));
	pg_put_eth(f, &bcast, src_mac, RTE_ETHER_TYPE_ARP);
	struct rte_arp_hdr *a = (struct rte_arp_hdr *)(f + PG_L3_OFF);
	a->arp_hardware = rte_cpu_to_be_16(RTE_ARP_HRD_ETHER);
	a->arp_protocol = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	a->arp_hlen = RTE_ETHER_ADDR_LEN;
	a->arp_plen = 4;
	a->arp_opcode = rte_cpu_to_be_16(RTE_ARP_OP_REQUEST);
	a->arp_data.arp_sha = *src_mac;
	a->arp_data.arp_tip = cfg->gw_ip;
	t->len = PG_MIN_FRAME;
}

/* Smooth weighted round robin (as nginx's): the most even interleaving of
 * @p n weights, one cycle of their sum. */
static uint32_t
pg_swrr(const uint32_t *w, unsigned int n, uint8_t *out, uint32_t cap)
{
	int64_t cur[PG_K__COUNT > PG_SIZE_CLASSES ? PG_K__COUNT : PG_SIZE_CLASSES] = { 0 };
	uint32_t total = 0;

	for (unsigned int i = 0; i < n; i++)
		total += w[i];
	if (total == 0 || total > cap)
		return 0;
	for (uint32_t i = 0; i < total; i++) {
		unsigned int best = 0;
		for (unsigned int k = 0; k < n; k++) {
			cur[k] += w[k];
			if (w[k] && (w[best] == 0 || cur[k] > cur[best]))
				best = k;
		}
		cur[best] -= total;
		out[i] = (uint8_t)best;
	}
	return total;
}

static struct pg_tmpl *
pg_tmpl_alloc(unsigned int n)
{
	return aligned_alloc(64, RTE_ALIGN_CEIL(n * sizeof(struct pg_tmpl), 64));
}

struct pg_gen *
pg_gen_create(const struct pg_config *cfg, const struct rte_ether_addr *src_mac,
	      struct pg_flows *flows)
{
	struct pg_gen *g = calloc(1, sizeof(*g));
	uint16_t sizes[PG_SIZE_CLASSES];
	unsigned int nsz;

	if (g == NULL)
		goto nomem;
	if ((uint16_t)(PG_PERM_MUL * PG_PERM_INV) != 1) { /* a constant changed */
		fprintf(stderr, "jitsu-pktgen: PG_PERM_INV is not the inverse of PG_PERM_MUL\n");
		free(g);
		rte_errno = EINVAL;
		return NULL;
	}
	g->flows = flows;
	g->flood = cfg->flood;
	g->rng = cfg->seed * 0x9e3779b97f4a7c15ull + 0x2545f4914f6cdd1dull;
	g->nx_salt = (uint32_t)(g->rng >> 17);
	g->n_names = cfg->n_names;

	/* the kinds' cycle: weights reduced by their gcd */
	uint32_t w[PG_K__COUNT], gcd = 0;
	for (int k = 0; k < PG_K__COUNT; k++) {
		uint32_t a = cfg->weight[k], b = gcd;
		while (b) {
			uint32_t r = a % b;
			a = b;
			b = r;
		}
		gcd = a;
	}
	for (int k = 0; k < PG_K__COUNT; k++)
		w[k] = gcd ? cfg->weight[k] / gcd : 0;
	g->klen = pg_swrr(w, PG_K__COUNT, g->ksched, PG_SCHED_MAX);
	if (g->klen == 0) {
		fprintf(stderr, "jitsu-pktgen: the profile's weights are all 0 or sum past %d\n",
			PG_SCHED_MAX);
		free(g);
		rte_errno = EINVAL;
		return NULL;
	}

	if (cfg->imix) {
		nsz = PG_SIZE_CLASSES;
		memcpy(sizes, pg_imix_size, sizeof(sizes));
		g->slen = pg_swrr(pg_imix_weight, PG_SIZE_CLASSES, g->ssched, sizeof(g->ssched));
	} else {
		nsz = 1;
		sizes[0] = cfg->size;
		g->slen = 1;
		g->ssched[0] = 0;
	}
	g->nsz = nsz;

	for (int k = 0; k < PG_K__COUNT; k++) {
		if ((!cfg->weight[k] && cfg->flood != k) || k == PG_K_dns_hit)
			continue;
		g->tmpl[k] = pg_tmpl_alloc(nsz);
		if (g->tmpl[k] == NULL)
			goto nomem;
		for (unsigned int c = 0; c < nsz; c++) {
			uint16_t target = (uint16_t)(sizes[c] - PG_FCS_LEN);
			struct pg_tmpl *t = &g->tmpl[k][c];
			switch (k) {
			case PG_K_dns_miss: {
				uint8_t q[PG_NAME_MAX];
				uint16_t ll = sizeof(PG_NX_LABEL) - 1 + PG_NX_HEX;
				q[0] = (uint8_t)ll;
				memcpy(q + 1, PG_NX_LABEL, sizeof(PG_NX_LABEL) - 1);
				memset(q + sizeof(PG_NX_LABEL), 0, PG_NX_HEX); /* per packet */
				memcpy(q + 1 + ll, cfg->zone_wire, cfg->zone_len);
				pg_tmpl_dns(t, cfg, src_mac, q, (uint16_t)(1 + ll + cfg->zone_len),
					    target);
				t->var_off = PG_UDP_DATA + PG_DNS_HDR + sizeof(PG_NX_LABEL);
				break;
			}
			case PG_K_fwd:
				pg_tmpl_fwd(t, cfg, src_mac, target);
				break;
			case PG_K_syn_cold:
				pg_tmpl_syn(t, cfg, src_mac);
				break;
			case PG_K_arp:
				pg_tmpl_arp(t, cfg, src_mac);
				break;
			}
		}
	}
	if (cfg->weight[PG_K_dns_hit] || cfg->flood == PG_K_dns_hit) {
		g->hit = pg_tmpl_alloc(cfg->n_names * nsz);
		if (g->hit == NULL)
			goto nomem;
		for (unsigned int i = 0; i < cfg->n_names; i++)
			for (unsigned int c = 0; c < nsz; c++)
				pg_tmpl_dns(&g->hit[i * nsz + c], cfg, src_mac, cfg->names[i].wire,
					    cfg->names[i].wire_len,
					    (uint16_t)(sizes[c] - PG_FCS_LEN));
	}
	return g;

nomem:
	pg_gen_free(g);
	rte_errno = ENOMEM;
	return NULL;
}

void
pg_gen_free(struct pg_gen *g)
{
	if (g == NULL)
		return;
	for (int k = 0; k < PG_K__COUNT; k++)
		free(g->tmpl[k]);
	free(g->hit);
	free(g);
}

/* ---- per packet ------------------------------------------------------------- */

static inline uint64_t
pg_rand(struct pg_gen *g)
{
	uint64_t x = g->rng; /* xorshift64* */
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	g->rng = x;
	return x * 0x2545f4914f6cdd1dull;
}

static inline void
pg_record(struct pg_gen *g, enum pg_kind k, uint32_t tag, uint64_t tsc, uint32_t seq, uint32_t aux)
{
	if (g->flows == NULL)
		return;
	struct pg_slot *s = &g->flows->slot[k][tag & g->flows->mask[k]];
	s->tsc = tsc;
	s->seq = seq;
	s->aux = aux;
	s->state = PG_SLOT_LIVE;
}

static inline void
pg_put16(uint8_t *p, uint16_t host)
{
	uint16_t be = rte_cpu_to_be_16(host);
	memcpy(p, &be, 2);
}

/* dns-hit, dns-miss: source port (range and era), ID (the slot, scrambled). */
static inline uint32_t
pg_patch_dns(uint8_t *f, uint32_t seq, uint16_t range)
{
	uint16_t sport = (uint16_t)(range | ((seq >> 16) & PG_PORT_ERA_MASK));
	uint16_t id = pg_perm16((uint16_t)seq);

	pg_put16(f + PG_L4_OFF, sport);
	pg_put16(f + PG_UDP_DATA, id);
	return (uint32_t)rte_cpu_to_be_16(sport) + rte_cpu_to_be_16(id);
}

static inline void
pg_gen_kind(struct pg_gen *g, enum pg_kind k, uint8_t *buf, uint64_t tsc, struct pg_gen_out *out)
{
	uint32_t seq = g->seq[k]++;
	const struct pg_tmpl *t;
	struct rte_udp_hdr *u = (struct rte_udp_hdr *)(buf + PG_L4_OFF);
	unsigned int c = 0;

	if (k == PG_K_dns_miss || k == PG_K_fwd) {
		c = g->ssched[g->spos[k]];
		if (++g->spos[k] == g->slen)
			g->spos[k] = 0;
	}

	switch (k) {
	case PG_K_dns_hit: {
		uint32_t ni = g->name_pos;
		if (++g->name_pos == g->n_names)
			g->name_pos = 0;
		c = g->ssched[g->hit_spos[ni]];
		if (++g->hit_spos[ni] == g->slen)
			g->hit_spos[ni] = 0;
		t = &g->hit[ni * g->nsz + c];
		rte_memcpy(buf, t->frame, t->len);
		uint32_t s = t->l4_base + pg_patch_dns(buf, seq, PG_PORT_DNS_HIT);
		u->dgram_cksum = pg_udp_cksum(s);
		pg_record(g, k, seq, tsc, seq, ni);
		break;
	}
	case PG_K_dns_miss: {
		static const char hex[] = "0123456789abcdef";
		t = &g->tmpl[k][c];
		rte_memcpy(buf, t->frame, t->len);
		uint32_t s = t->l4_base + pg_patch_dns(buf, seq, PG_PORT_DNS_MISS);
		/* a name no cache has seen: the sequence, scrambled */
		uint32_t h = (seq ^ g->nx_salt) * 0x9e3779b1u;
		uint8_t *p = buf + t->var_off;
		for (int i = 0; i < PG_NX_HEX; i++)
			p[i] = (uint8_t)hex[(h >> (28 - 4 * i)) & 0xf];
		s += pg_sum_at(p, PG_NX_HEX, (t->var_off - PG_L4_OFF) & 1);
		u->dgram_cksum = pg_udp_cksum(s);
		pg_record(g, k, seq, tsc, seq, 0);
		break;
	}
	case PG_K_fwd: {
		t = &g->tmpl[k][c];
		rte_memcpy(buf, t->frame, t->len);
		uint16_t sport = (uint16_t)(PG_PORT_FWD | ((seq >> 16) & PG_PORT_ERA_MASK));
		struct pg_stamp st = { .magic = PG_FWD_MAGIC, .seq = seq, .tsc = tsc };
		pg_put16(buf + PG_L4_OFF, sport);
		memcpy(buf + PG_UDP_DATA, &st, sizeof(st));
		uint32_t s = t->l4_base + rte_cpu_to_be_16(sport) +
			     rte_raw_cksum(buf + PG_UDP_DATA, sizeof(st));
		u->dgram_cksum = pg_udp_cksum(s);
		pg_record(g, k, seq, tsc, seq, 0);
		break;
	}
	case PG_K_syn_cold: {
		t = &g->tmpl[k][0];
		rte_memcpy(buf, t->frame, t->len);
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(buf + PG_L3_OFF);
		struct rte_tcp_hdr *tcp = (struct rte_tcp_hdr *)(buf + PG_L4_OFF);
		uint16_t sport = (uint16_t)(PG_PORT_SYN | pg_perm15((uint16_t)(seq & 0x7fff)));
		uint32_t src = rte_cpu_to_be_32(PG_SYN_NET | (uint32_t)(pg_rand(g) & PG_SYN_NET_MASK));
		uint32_t isn = rte_cpu_to_be_32(seq);
		ip->src_addr = src;
		ip->hdr_checksum = (uint16_t)~pg_fold(t->ip_base + pg_sum32(src));
		tcp->src_port = rte_cpu_to_be_16(sport);
		tcp->sent_seq = isn;
		tcp->cksum = (uint16_t)~pg_fold(t->l4_base + pg_sum32(src) +
						rte_cpu_to_be_16(sport) + pg_sum32(isn));
		pg_record(g, k, seq, tsc, seq, src);
		break;
	}
	case PG_K_arp:
	default: {
		t = &g->tmpl[PG_K_arp][0];
		rte_memcpy(buf, t->frame, t->len);
		uint32_t spa = rte_cpu_to_be_32(PG_ARP_NET | (seq & 0xffff));
		memcpy(buf + PG_L3_OFF + offsetof(struct rte_arp_hdr, arp_data.arp_sip), &spa, 4);
		pg_record(g, PG_K_arp, seq, tsc, seq, 0);
		break;
	}
	}
	out->len = t->len;
	out->kind = (uint8_t)k;
}

void
pg_gen_next(struct pg_gen *g, uint8_t *buf, uint64_t tsc, struct pg_gen_out *out)
{
	enum pg_kind k = (enum pg_kind)g->ksched[g->kpos];
	if (++g->kpos == g->klen)
		g->kpos = 0;
	pg_gen_kind(g, k, buf, tsc, out);
}

void
pg_gen_flood(struct pg_gen *g, uint8_t *buf, uint64_t tsc, struct pg_gen_out *out)
{
	pg_gen_kind(g, (enum pg_kind)g->flood, buf, tsc, out);
}
