/* SPDX-License-Identifier: BSD-3-Clause */
/* Shared helpers of the unit tests: temporary files and frame builders. */
#ifndef JITSU_TEST_HELPERS_H
#define JITSU_TEST_HELPERS_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <rte_ip.h>

/* Write @text to a new temporary file; returns its path (static buffer per
 * call site is not needed: the caller frees it). */
static inline char *
th_tmpfile(const char *text)
{
	char *path = strdup("/tmp/jitsu-test-XXXXXX");
	int fd = mkstemp(path);

	if (fd < 0) {
		free(path);
		return NULL;
	}
	size_t n = strlen(text);
	if (write(fd, text, n) != (ssize_t)n) {
		close(fd);
		unlink(path);
		free(path);
		return NULL;
	}
	close(fd);
	return path;
}

static inline void
th_tmpfile_free(char *path)
{
	if (path != NULL) {
		unlink(path);
		free(path);
	}
}

static inline uint32_t
th_ip(const char *s)
{
	struct in_addr a;

	inet_pton(AF_INET, s, &a);
	return a.s_addr;
}

static inline uint8_t *
th_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
	return p + 2;
}

static inline uint16_t
th_get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* Append a dotted name in wire format at @p; returns the end. */
static inline uint8_t *
th_put_name(uint8_t *p, const char *name)
{
	while (*name) {
		size_t l = strcspn(name, ".");
		*p++ = (uint8_t)l;
		memcpy(p, name, l);
		p += l;
		name += l;
		if (*name == '.')
			name++;
	}
	*p++ = 0;
	return p;
}

/* A DNS query message: header (id 0x1234, RD), one question, and an OPT
 * record when @edns is non-zero (version @edns - 1). Returns its length. */
/* A query header: id 0x1234, RD, one question, @ar additional records. */
static inline uint8_t *
th_dns_header(uint8_t *p, uint16_t ar)
{
	p = th_put16(p, 0x1234);
	p = th_put16(p, 0x0100);
	p = th_put16(p, 1);
	p = th_put16(p, 0);
	p = th_put16(p, 0);
	return th_put16(p, ar);
}

static inline uint16_t
th_dns_query(uint8_t *m, const char *name, uint16_t qtype, int edns)
{
	uint8_t *p = th_dns_header(m, edns ? 1 : 0);

	p = th_put_name(p, name);
	p = th_put16(p, qtype);
	p = th_put16(p, 1);
	if (edns) {
		*p++ = 0;
		p = th_put16(p, 41);
		p = th_put16(p, 4096);
		*p++ = 0;
		*p++ = (uint8_t)(edns - 1);
		p = th_put16(p, 0x8000); /* DO */
		p = th_put16(p, 0);
	}
	return (uint16_t)(p - m);
}

/* An Ethernet/IPv4/UDP frame around @payload; checksums are right.
 * Returns the frame length. */
static inline uint16_t
th_udp_frame(uint8_t *f, const uint8_t dst_mac[6], const uint8_t src_mac[6], uint32_t src_ip,
	     uint32_t dst_ip, uint16_t sport, uint16_t dport, const uint8_t *payload,
	     uint16_t plen)
{
	memcpy(f, dst_mac, 6);
	memcpy(f + 6, src_mac, 6);
	th_put16(f + 12, 0x0800);
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(f + 14);
	memset(ip, 0, sizeof(*ip));
	ip->version_ihl = 0x45;
	ip->total_length = htons((uint16_t)(20 + 8 + plen));
	ip->packet_id = htons(1);
	ip->time_to_live = 64;
	ip->next_proto_id = 17;
	ip->src_addr = src_ip;
	ip->dst_addr = dst_ip;
	uint8_t *u = f + 34;
	th_put16(u, sport);
	th_put16(u + 2, dport);
	th_put16(u + 4, (uint16_t)(8 + plen));
	th_put16(u + 6, 0);
	memcpy(u + 8, payload, plen);
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	uint16_t ck = rte_ipv4_udptcp_cksum(ip, u);
	memcpy(u + 6, &ck, 2);
	return (uint16_t)(34 + 8 + plen);
}

/* The service table most frame tests use: service 0 is www.example.org at
 * 10.77.1.10, and example.org is a zone. (Include criterion.h and
 * dataplane.h first.) */
#if defined(CRITERION_H_) && defined(JITSU_DATAPLANE_H)
static inline struct dp_svctab *
th_www_table(void)
{
	struct dp_svctab_params p = { .max_services = 2, .max_names = 2, .max_zones = 1 };
	uint8_t w[DP_DNS_NAME_MAX];
	struct dp_svctab *tab = dp_svctab_create(&p);

	cr_assert_not_null(tab);
	cr_assert_eq(dp_svctab_add_service(tab, 0, th_ip("10.77.1.10")), 0);
	int l = dp_dns_name_from_text("www.example.org", w, sizeof(w));
	cr_assert_eq(dp_svctab_add_name(tab, 0, w, (size_t)l), 0);
	l = dp_dns_name_from_text("example.org", w, sizeof(w));
	cr_assert_eq(dp_svctab_add_zone(tab, w, (size_t)l), 0);
	return tab;
}
#endif

#endif
