/* SPDX-License-Identifier: BSD-3-Clause */
/* dataplane/dnsfwd.c: forwarding of foreign names to the resolver behind
 * the exception port: the table (ID and port mapping, timeouts, overflow)
 * and the frames both ways. */
#include <criterion/criterion.h>
#include <stdlib.h>

#include <rte_mbuf_core.h>
#include <rte_udp.h>

#include "../../dataplane/dataplane.h"
#include "../../dataplane/pkt.h"
#include "helpers.h"

static const uint8_t gw_mac[6] = { 0x02, 0x4a, 0, 0, 0, 0x01 };
static const uint8_t exc_mac[6] = { 0x02, 0x4a, 0, 0, 0, 0x03 };
static const uint8_t cli_mac[6] = { 0x02, 0, 0, 0, 0, 0x02 };
static const uint8_t res_mac[6] = { 0x02, 0, 0, 0, 0, 0x53 };
static const struct rte_ether_addr cmac = { { 0x02, 0, 0, 0, 0, 0x02 } };

static struct dp_svctab *tab;
static struct dp_fp_conf conf;
static struct dp_fp_state st;
static uint32_t gw, res;

static struct dp_dnsfwd *
table(uint32_t n, uint16_t base)
{
	void *mem = aligned_alloc(64, (dp_dnsfwd_memsize(n) + 63) / 64 * 64);

	cr_assert_not_null(mem);
	return dp_dnsfwd_init(mem, n, base, 42);
}

static void
setup(void)
{
	tab = th_www_table();
	cr_assert_eq(dp_svctab_finish(tab), 0);
	memset(&conf, 0, sizeof(conf));
	memcpy(conf.up_mac.addr_bytes, gw_mac, 6);
	memcpy(conf.dnsfwd.exc_mac.addr_bytes, exc_mac, 6);
	gw = th_ip("10.77.0.1");
	res = th_ip("10.99.0.53");
	conf.gw_ip = gw;
	conf.dns = (struct dp_dns_conf){ .tab = tab, .ttl = 30, .soa_serial = 1 };
	conf.dnsfwd.resolver = res;
	conf.dnsfwd.timeout = 1000;
	conf.flags |= DP_F_DNS_SLOW;
	memset(&st, 0, sizeof(st));
	st.now = 5000;
	st.dnsfwd = table(4, 40000);
}

static void
teardown(void)
{
	free(st.dnsfwd);
	dp_svctab_free(tab);
}

TestSuite(dnsfwd, .init = setup, .fini = teardown);

Test(dnsfwd, slots_map_ports_and_ids)
{
	struct dp_dnsfwd *t = st.dnsfwd;
	int a = dp_dnsfwd_open(t, 1, 2, 0x1111, &cmac, 0, 0);
	int b = dp_dnsfwd_open(t, 1, 3, 0x1111, &cmac, 0, 0); /* same ID, another port */

	cr_assert_geq(a, 0);
	cr_assert_geq(b, 0);
	cr_assert_neq(a, b);
	struct dp_dnsfwd_entry *ea = dp_dnsfwd_match(t, (uint16_t)(40000 + a), 0), *eb;
	cr_assert_null(ea, "a wrong ID matches nothing (unless it is ours: see below)");
	/* find our IDs through the port: only the right one matches */
	unsigned int found = 0;
	for (uint32_t id = 0; id < 65536; id++) {
		ea = dp_dnsfwd_match(t, (uint16_t)(40000 + a), (uint16_t)id);
		if (ea != NULL) {
			found++;
			cr_assert_eq(ea->cport, 2);
			cr_assert_eq(ea->cid, 0x1111, "the client's ID is kept");
		}
	}
	cr_assert_eq(found, 1, "one ID per slot");
	eb = NULL;
	for (uint32_t id = 0; id < 65536 && eb == NULL; id++)
		eb = dp_dnsfwd_match(t, (uint16_t)(40000 + b), (uint16_t)id);
	cr_assert_not_null(eb);
	cr_assert_eq(eb->cport, 3);
	cr_assert_null(dp_dnsfwd_match(t, 39999, eb->id), "below the range");
	cr_assert_null(dp_dnsfwd_match(t, 40004, eb->id), "past the range");
	dp_dnsfwd_close(t, eb);
	cr_assert_null(dp_dnsfwd_match(t, (uint16_t)(40000 + b), eb->id), "closed: no match");
	dp_dnsfwd_close(t, eb); /* twice: harmless */
	cr_assert_eq(dp_dnsfwd_active(t), 1);
}

Test(dnsfwd, a_full_table_refuses_and_recovers)
{
	struct dp_dnsfwd *t = st.dnsfwd;

	for (int i = 0; i < 4; i++)
		cr_assert_geq(dp_dnsfwd_open(t, 1, (uint16_t)i, 7, &cmac, 0, 100), 0);
	cr_assert_eq(dp_dnsfwd_open(t, 1, 9, 7, &cmac, 0, 100), -1);
	cr_assert_eq(dp_dnsfwd_active(t), 4);
	cr_assert_eq(dp_dnsfwd_expire(t, 1100, 1000), 0, "not old enough");
	cr_assert_eq(dp_dnsfwd_expire(t, 1101, 1000), 4, "timed out, reclaimed");
	cr_assert_eq(dp_dnsfwd_active(t), 0);
	cr_assert_geq(dp_dnsfwd_open(t, 1, 9, 7, &cmac, 0, 2000), 0);
}

Test(dnsfwd, ids_differ_across_queries)
{
	struct dp_dnsfwd *t = table(1024, 1000);
	uint16_t seen[1024];

	for (int i = 0; i < 1024; i++) {
		int k = dp_dnsfwd_open(t, 1, (uint16_t)i, 7, &cmac, 0, 0);
		cr_assert_geq(k, 0);
		for (uint32_t id = 0; id < 65536; id++)
			if (dp_dnsfwd_match(t, (uint16_t)(1000 + k), (uint16_t)id)) {
				seen[i] = (uint16_t)id;
				break;
			}
	}
	unsigned int same = 0;
	for (int i = 1; i < 1024; i++)
		same += seen[i] == seen[i - 1];
	cr_assert_lt(same, 4, "not a counter: %u repeats", same);
	free(t);
}

/* A query from the client to the gateway. */
static uint16_t
client_query(uint8_t *f, const char *name, uint16_t id, uint16_t sport)
{
	uint8_t q[512];
	uint16_t l = th_dns_query(q, name, 1, 0);

	th_put16(q, id);
	return th_udp_frame(f, gw_mac, cli_mac, th_ip("10.77.0.2"), gw, sport, 53, q, l);
}

Test(dnsfwd, foreign_udp_query_goes_to_the_resolver_and_its_answer_back)
{
	uint8_t f[2048];
	struct dp_verdict v;
	uint16_t len = client_query(f, "www.elsewhere.test", 0xabcd, 33333);

	dp_uplink_frame(&conf, &st, f, len, 2048, 0, &v);
	cr_assert_eq(v.counter, DP_C_dns_forwarded);
	cr_assert_eq(v.action, DP_ACT_TX_EXCEPTION);
	struct dp_pkt p;
	cr_assert_eq(dp_parse(f, v.len, 0, &p), DP_PARSE_OK);
	cr_assert_eq(memcmp(f, "\xff\xff\xff\xff\xff\xff", 6), 0, "broadcast: the MAC is not known yet");
	cr_assert_eq(memcmp(f + 6, exc_mac, 6), 0);
	cr_assert_eq(p.src_ip, gw);
	cr_assert_eq(p.dst_ip, res);
	cr_assert_eq(p.dport, 53);
	cr_assert_geq(p.sport, 40000);
	cr_assert_lt(p.sport, 40004);
	const struct rte_ipv4_hdr *ip = (const struct rte_ipv4_hdr *)(f + 14);
	cr_assert_eq(rte_ipv4_cksum(ip), 0);
	cr_assert_eq(rte_ipv4_udptcp_cksum(ip, f + 34), 0xffff, "UDP checksum verifies");
	uint16_t our_id = th_get16(f + 42), port = p.sport;

	/* the resolver answers: same message with QR set, from its MAC */
	uint8_t a[512];
	memcpy(a, f + 42, p.data_len);
	a[2] |= 0x80;
	len = th_udp_frame(f, exc_mac, res_mac, res, gw, 53, p.sport, a, p.data_len);
	dp_exception_frame(&conf, &st, f, len, 2048, 0, &v);
	cr_assert_eq(v.counter, DP_C_dns_fwd_relayed);
	cr_assert_eq(v.action, DP_ACT_TX_UPLINK);
	cr_assert_eq(dp_parse(f, v.len, 0, &p), DP_PARSE_OK);
	cr_assert_eq(memcmp(f, cli_mac, 6), 0);
	cr_assert_eq(memcmp(f + 6, gw_mac, 6), 0);
	cr_assert_eq(p.src_ip, gw);
	cr_assert_eq(p.dst_ip, th_ip("10.77.0.2"));
	cr_assert_eq(p.sport, 53);
	cr_assert_eq(p.dport, 33333);
	cr_assert_eq(th_get16(f + 42), 0xabcd, "the client's ID back");
	cr_assert_eq(dp_dnsfwd_active(st.dnsfwd), 0);

	/* the same answer again: its slot is gone */
	th_put16(a, our_id);
	len = th_udp_frame(f, exc_mac, res_mac, res, gw, 53, port, a, 40);
	dp_exception_frame(&conf, &st, f, len, 2048, 0, &v);
	cr_assert_eq(v.counter, DP_C_drop_dns_fwd_unknown);
	cr_assert_eq(v.action, DP_ACT_DROP);

	/* now the resolver's MAC is known */
	len = client_query(f, "www.elsewhere.test", 1, 33334);
	dp_uplink_frame(&conf, &st, f, len, 2048, 0, &v);
	cr_assert_eq(memcmp(f, res_mac, 6), 0);
}

Test(dnsfwd, names_of_ours_are_answered_and_forwarding_off_refuses)
{
	uint8_t f[2048];
	struct dp_verdict v;

	dp_uplink_frame(&conf, &st, f, client_query(f, "nope.example.org", 1, 1), 2048, 0, &v);
	cr_assert_eq(v.counter, DP_C_dns_nxdomain);
	conf.dnsfwd.resolver = 0;
	dp_uplink_frame(&conf, &st, f, client_query(f, "www.elsewhere.test", 1, 1), 2048, 0, &v);
	cr_assert_eq(v.counter, DP_C_dns_refused);
}

Test(dnsfwd, overflow_is_a_counted_drop)
{
	uint8_t f[2048];
	struct dp_verdict v;

	for (uint16_t i = 0; i < 4; i++) {
		dp_uplink_frame(&conf, &st, f, client_query(f, "a.elsewhere.test", i, (uint16_t)(100 + i)),
				2048, 0, &v);
		cr_assert_eq(v.counter, DP_C_dns_forwarded);
	}
	dp_uplink_frame(&conf, &st, f, client_query(f, "a.elsewhere.test", 9, 200), 2048, 0, &v);
	cr_assert_eq(v.counter, DP_C_drop_dns_fwd_full);
	cr_assert_eq(v.action, DP_ACT_DROP);
}

Test(dnsfwd, exception_port_arp_and_other_traffic)
{
	uint8_t f[2048];
	struct dp_verdict v;

	/* the resolver's host asks for the gateway's MAC */
	memset(f, 0, 60);
	memset(f, 0xff, 6);
	memcpy(f + 6, res_mac, 6);
	th_put16(f + 12, 0x0806);
	th_put16(f + 14, 1);
	th_put16(f + 16, 0x0800);
	f[18] = 6;
	f[19] = 4;
	th_put16(f + 20, 1);
	memcpy(f + 22, res_mac, 6);
	memcpy(f + 28, &res, 4);
	memcpy(f + 38, &gw, 4);
	dp_exception_frame(&conf, &st, f, 60, 2048, 0, &v);
	cr_assert_eq(v.counter, DP_C_arp_reply);
	cr_assert_eq(v.action, DP_ACT_TX_EXCEPTION);
	cr_assert_eq(memcmp(f + 22, exc_mac, 6), 0, "our exception MAC");
	/* anything else still goes to the uplink as it is */
	uint16_t len = th_udp_frame(f, gw_mac, res_mac, th_ip("10.99.0.7"), th_ip("10.77.0.2"), 5, 6,
				    (const uint8_t *)"hello", 5);
	dp_exception_frame(&conf, &st, f, len, 2048, 0, &v);
	cr_assert_eq(v.action, DP_ACT_TX_UPLINK);
	cr_assert_eq(v.counter, DP_C__COUNT);
	cr_assert_eq(v.len, len);
	conf.dnsfwd.resolver = 0; /* forwarding off: as before, even the ARP */
	dp_exception_frame(&conf, &st, f, len, 2048, 0, &v);
	cr_assert_eq(v.action, DP_ACT_TX_UPLINK);
}

Test(dnsfwd, tcp_queries_wait_in_a_bounded_queue)
{
	uint8_t f[2048], q[512];
	struct dp_verdict v;
	uint16_t l = th_dns_query(q, "x.elsewhere.test", 1, 0);
	struct dp_dnsfwd *t = table(64, 1000);

	free(st.dnsfwd);
	st.dnsfwd = t;
	for (int i = 0; i < DP_DNSFWD_QUEUE; i++)
		cr_assert_eq(dp_dnsfwd_tcp(t, 1, (uint16_t)i, &cmac, q, l, 0), 0);
	cr_assert_eq(dp_dnsfwd_tcp(t, 1, 99, &cmac, q, l, 0), -1, "the queue is full");
	cr_assert_eq(dp_dnsfwd_lost(t), 1);
	cr_assert_eq(dp_dnsfwd_lost(t), 0, "read once");
	cr_assert_eq(dp_dnsfwd_deferred(t), DP_DNSFWD_QUEUE);
	int n = 0;
	while (dp_dnsfwd_take(&conf, &st, f, 2048, &v) == 0) {
		cr_assert_eq(v.action, DP_ACT_TX_EXCEPTION);
		cr_assert_eq(v.len, 42 + l);
		n++;
	}
	cr_assert_eq(n, DP_DNSFWD_QUEUE);
	cr_assert_eq(dp_dnsfwd_active(t), DP_DNSFWD_QUEUE, "in flight until answered");
	/* teardown frees it */
}
