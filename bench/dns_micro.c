/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The fast path's cost per DNS query over UDP, without ports or EAL: one
 * thread runs dp_uplink_frame() on a copy of a query frame (A for a service
 * name, UDP checksum set: the incremental path) in batches, and prints the
 * fastest batch's nanoseconds per query. The minimum over batches leaves out
 * what a busy machine's scheduler adds, so that two builds can be compared
 * on a shared machine (bench/dns_rate.sh measures the whole path).
 *
 * Built against a tree's core sources (no Makefile target: it also builds
 * against older trees, to compare):
 *   cc -std=c11 -D_GNU_SOURCE -O2 -Wall -Wextra -Werror $(pkg-config --cflags libdpdk) \
 *      -I. bench/dns_micro.c dataplane/{counters,pkt,svctab,dns,frame}.c \
 *      synjitsu/{mode,pending}.c [dataplane/{rrl,dnstcp,dnsfwd}.c synjitsu/cookie.c] \
 *      $(pkg-config --libs libdpdk) -o dns_micro
 *   ./dns_micro [BATCHES] [QUERIES] [EDNS]   (EDNS 1: every other query has an OPT record;
 *   2: every query has one with a client COOKIE, and is answered with a server cookie;
 *   3: every query has one, without a cookie; 4: every query has the client cookie and the
 *   server cookie the first answer gave, as a returning client sends them)
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_ip.h>

#include "dataplane/dataplane.h"
#if __has_include("dataplane/dnscookie.h")
#include "dataplane/dnscookie.h"
#endif

static uint8_t dm_cookie[24]; /* EDNS 4: the client cookie and the server's */

static uint16_t
query_frame(uint8_t *f, const char *name, int edns)
{
	static const uint8_t gw[6] = { 0x02, 0x4a, 0, 0, 0, 1 }, cli[6] = { 0x02, 0, 0, 0, 0, 2 };
	uint8_t *m = f + 42, *p = m + 12;
	const char *s = name;

	memset(m, 0, 12);
	m[0] = 0x12;
	m[2] = 0x01;
	m[5] = 1;
	while (*s) {
		const char *d = strchr(s, '.');
		size_t l = d ? (size_t)(d - s) : strlen(s);
		*p++ = (uint8_t)l;
		memcpy(p, s, l);
		p += l;
		s += l + (d != NULL);
	}
	*p++ = 0;
	*p++ = 0;
	*p++ = 1;
	*p++ = 0;
	*p++ = 1;
	if (edns == 1 || edns == 3) { /* an OPT record: 1232 bytes, DO clear */
		static const uint8_t opt[11] = { 0, 0, 41, 0x04, 0xd0, 0, 0, 0, 0, 0, 0 };
		memcpy(p, opt, sizeof(opt));
		p += sizeof(opt);
		m[11] = 1;
	} else if (edns == 2) { /* the same with a COOKIE option: a client cookie alone */
		static const uint8_t opt[23] = { 0, 0, 41, 0x04, 0xd0, 0, 0, 0, 0, 0, 12,
						 0, 10, 0, 8, 'd', 'n', 's', 'm', 'i', 'c', 'r', 'o' };
		memcpy(p, opt, sizeof(opt));
		p += sizeof(opt);
		m[11] = 1;
	} else if (edns == 4) { /* a returning client: its cookie and the server's */
		static const uint8_t opt[15] = { 0, 0, 41, 0x04, 0xd0, 0, 0, 0, 0, 0, 28, 0, 10, 0, 24 };
		memcpy(p, opt, sizeof(opt));
		p += sizeof(opt);
		memcpy(p, dm_cookie, 24);
		p += 24;
		m[11] = 1;
	}
	uint16_t dlen = (uint16_t)(p - m);
	memcpy(f, gw, 6);
	memcpy(f + 6, cli, 6);
	f[12] = 0x08;
	f[13] = 0;
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(f + 14);
	memset(ip, 0, sizeof(*ip));
	ip->version_ihl = 0x45;
	ip->total_length = htons((uint16_t)(28 + dlen));
	ip->time_to_live = 64;
	ip->next_proto_id = 17;
	ip->src_addr = htonl(0x0a4d0002);
	ip->dst_addr = htonl(0x0a4d0001);
	uint8_t *u = f + 34;
	u[0] = 0x9c;
	u[1] = 0x40;
	u[2] = 0;
	u[3] = 53;
	u[4] = (uint8_t)((8 + dlen) >> 8);
	u[5] = (uint8_t)(8 + dlen);
	u[6] = u[7] = 0;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	uint16_t ck = rte_ipv4_udptcp_cksum(ip, u);
	memcpy(u + 6, &ck, 2);
	return (uint16_t)(42 + dlen);
}

/* EDNS 2 and 4: the cookie was what the query meant it to be */
static int
dm_cookie_as_asked(const struct dp_verdict *v, int edns)
{
#ifdef DP_DNSCK_SERVER_LEN
	if (edns == 2)
		return v->dnsck == DP_DNSCK_NEW;
	if (edns == 4)
		return v->dnsck == DP_DNSCK_VALID;
#endif
	(void)v;
	(void)edns;
	return 1;
}

int
main(int argc, char **argv)
{
	int batches = argc > 1 ? atoi(argv[1]) : 20;
	long n = argc > 2 ? atol(argv[2]) : 2000000;
	struct dp_svctab_params prm = { .max_services = 4, .max_names = 4, .max_zones = 1 };
	struct dp_svctab *t = dp_svctab_create(&prm);
	uint8_t w[DP_DNS_NAME_MAX];
	/* the third is also the zone's apex (as bench.test is in bench/bench.conf) */
	static const char *const names[] = { "www.example.org", "api.example.org", "example.org",
					     "b.example.org" };
	int edns = argc > 3 ? atoi(argv[3]) : 0;

	for (uint32_t i = 0; i < 4; i++) {
		dp_svctab_add_service(t, i, htonl(0x0a4d010a + i));
		int l = dp_dns_name_from_text(names[i], w, sizeof(w));
		dp_svctab_add_name(t, i, w, (size_t)l);
	}
	int l = dp_dns_name_from_text("example.org", w, sizeof(w));
	dp_svctab_add_zone(t, w, (size_t)l);
#ifdef DP_ZONE_NS_MAX
	dp_svctab_finish(t);
#endif
	struct dp_fp_conf c;
	memset(&c, 0, sizeof(c));
	memcpy(c.up_mac.addr_bytes, "\x02\x4a\x00\x00\x00\x01", 6);
	c.gw_ip = htonl(0x0a4d0001);
	c.dns.tab = t;
	c.dns.ttl = 30;
	c.dns.soa_serial = 1;
#ifdef DP_DNSCK_SERVER_LEN
	static const uint8_t key[16] = "dns_micro bench";
	syn_cookie_keys_init(&c.cookie_keys, key, 8, 2);
#endif
	struct dp_fp_state st;
	memset(&st, 0, sizeof(st));
	st.replay_svc = -1;

	uint8_t q[4][256], f[2048];
	uint16_t ql[4];
	for (int i = 0; i < 4; i++)
		ql[i] = query_frame(q[i], names[i], edns >= 2 ? edns : edns && (i & 1));
	if (edns == 2 || edns == 4) { /* the answers carry the client's cookie and a server cookie */
		static const uint8_t both[8] = { 0, 10, 0, 24, 'd', 'n', 's', 'm' };
		struct dp_verdict v;
		uint8_t a[2048];
		const uint8_t *ck;
		uint16_t l = query_frame(a, names[0], 2);
		dp_uplink_frame(&c, &st, a, l, sizeof(a), 0, &v);
		if (v.action != DP_ACT_TX_UPLINK || (ck = memmem(a, v.len, both, sizeof(both))) == NULL) {
			fprintf(stderr, "dns_micro: no server cookie in the answer\n");
			return 1;
		}
		memcpy(dm_cookie, ck + 4, 24);
		for (int i = 0; i < 4 && edns == 4; i++) /* the queries carry it back */
			ql[i] = query_frame(q[i], names[i], 4);
	}
	double best = 1e18;
	unsigned long answered = 0;
	for (int b = 0; b < batches; b++) {
		struct timespec t0, t1;
		clock_gettime(CLOCK_MONOTONIC, &t0);
		for (long i = 0; i < n; i++) {
			struct dp_verdict v;
			int k = (int)(i & 3);
			memcpy(f, q[k], ql[k]);
			dp_uplink_frame(&c, &st, f, ql[k], sizeof(f), 0, &v);
			answered += v.action == DP_ACT_TX_UPLINK && dm_cookie_as_asked(&v, edns);
		}
		clock_gettime(CLOCK_MONOTONIC, &t1);
		double ns = ((double)(t1.tv_sec - t0.tv_sec) * 1e9 + (double)(t1.tv_nsec - t0.tv_nsec)) / (double)n;
		if (ns < best)
			best = ns;
	}
	printf("dns_micro: %.1f ns a query (fastest of %d batches of %ld; %lu answered)\n", best,
	       batches, n, answered);
	dp_svctab_free(t);
	return answered == (unsigned long)batches * (unsigned long)n ? 0 : 1;
}
