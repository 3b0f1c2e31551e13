/* SPDX-License-Identifier: BSD-3-Clause */
/* dataplane/dnstcp.c: DNS over TCP on the gateway's address, on plain
 * frames: the cookie handshake, the connection table and its limits,
 * queries split across segments, pipelining, FIN, idle close. */
#include <criterion/criterion.h>
#include <stdlib.h>

#include <rte_mbuf_core.h>
#include <rte_tcp.h>

#include "../../dataplane/dataplane.h"
#include "../../dataplane/pkt.h"
#include "helpers.h"

static const uint8_t gw_mac[6] = { 0x02, 0x4a, 0, 0, 0, 0x01 };
static const uint8_t cli_mac[6] = { 0x02, 0, 0, 0, 0, 0x02 };

static struct dp_svctab *tab;
static struct dp_fp_conf conf;
static struct dp_fp_state st;
static uint32_t cli, gw;

#define HZ 1000 /* a clock of 1 kHz: cookies count seconds */

static struct dp_dnstcp *
table(uint32_t n)
{
	size_t sz = (dp_dnstcp_memsize(n) + 63) / 64 * 64;
	void *mem = aligned_alloc(64, sz);

	cr_assert_not_null(mem);
	return dp_dnstcp_init(mem, n, 0x5eed);
}

static void
setup(void)
{
	static const uint8_t key[16] = "0123456789abcdef";

	tab = th_www_table();
	cr_assert_eq(dp_svctab_finish(tab), 0);
	memset(&conf, 0, sizeof(conf));
	memcpy(conf.up_mac.addr_bytes, gw_mac, 6);
	cli = th_ip("10.77.0.2");
	gw = th_ip("10.77.0.1");
	conf.gw_ip = gw;
	conf.dns = (struct dp_dns_conf){ .tab = tab, .ttl = 30, .soa_serial = 1,
					 .tcp_keepalive = 50 };
	cr_assert_eq(syn_cookie_keys_init(&conf.dnstcp.keys, key, 16, 3), 0);
	conf.dnstcp.hz = HZ;
	conf.dnstcp.idle = 5 * HZ;
	memset(&st, 0, sizeof(st));
	st.now = 1000 * HZ;
	st.dnstcp = table(4);
}

static void
teardown(void)
{
	free(st.dnstcp);
	dp_svctab_free(tab);
}

TestSuite(dnstcp, .init = setup, .fini = teardown);

/* An Ethernet/IPv4/TCP segment from the client to the gateway's port 53. */
static uint16_t
seg(uint8_t *f, uint16_t sport, uint32_t seq, uint32_t ack, uint8_t flags, const uint8_t *data,
    uint16_t dlen, int mss)
{
	memcpy(f, gw_mac, 6);
	memcpy(f + 6, cli_mac, 6);
	th_put16(f + 12, 0x0800);
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(f + 14);
	uint16_t thl = (uint16_t)(20 + (mss ? 4 : 0));
	memset(ip, 0, sizeof(*ip));
	ip->version_ihl = 0x45;
	ip->total_length = htons((uint16_t)(20 + thl + dlen));
	ip->time_to_live = 64;
	ip->next_proto_id = 6;
	ip->src_addr = cli;
	ip->dst_addr = gw;
	struct rte_tcp_hdr *t = (struct rte_tcp_hdr *)(ip + 1);
	memset(t, 0, thl);
	t->src_port = htons(sport);
	t->dst_port = htons(53);
	t->sent_seq = htonl(seq);
	t->recv_ack = htonl(ack);
	t->data_off = (uint8_t)(thl / 4 << 4);
	t->tcp_flags = flags;
	t->rx_win = htons(65535);
	if (mss) {
		uint8_t *o = (uint8_t *)(t + 1);
		o[0] = 2;
		o[1] = 4;
		th_put16(o + 2, (uint16_t)mss);
	}
	if (dlen > 0)
		memcpy((uint8_t *)t + thl, data, dlen);
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	t->cksum = rte_ipv4_udptcp_cksum(ip, t);
	return (uint16_t)(14 + 20 + thl + dlen);
}

/* Run a frame through the uplink. */
static void
run(uint8_t *f, uint16_t len, struct dp_verdict *v)
{
	dp_uplink_frame(&conf, &st, f, len, 2048, 0, v);
}

static const struct rte_tcp_hdr *
tcp_of(const uint8_t *f)
{
	return (const struct rte_tcp_hdr *)(f + 34);
}

/* Checks common to every reply: addressed back, checksums right. */
static void
assert_reply(const uint8_t *f, const struct dp_verdict *v, uint16_t sport)
{
	const struct rte_ipv4_hdr *ip = (const struct rte_ipv4_hdr *)(f + 14);

	cr_assert_eq(v->action, DP_ACT_TX_UPLINK);
	cr_assert_eq(memcmp(f, cli_mac, 6), 0);
	cr_assert_eq(memcmp(f + 6, gw_mac, 6), 0);
	cr_assert_eq(ip->src_addr, gw);
	cr_assert_eq(ip->dst_addr, cli);
	cr_assert_eq(ntohs(ip->total_length), v->len - 14);
	cr_assert_eq(rte_ipv4_cksum(ip), 0, "IP checksum verifies to 0");
	uint32_t s = 0;
	const uint8_t *t = f + 34;
	unsigned int l4 = v->len - 34u;
	for (unsigned int i = 0; i + 1 < l4; i += 2)
		s += (uint32_t)(t[i] << 8 | t[i + 1]);
	if (l4 & 1)
		s += (uint32_t)(t[l4 - 1] << 8);
	s += ntohs((uint16_t)(gw & 0xffff)) + ntohs((uint16_t)(gw >> 16)) +
	     ntohs((uint16_t)(cli & 0xffff)) + ntohs((uint16_t)(cli >> 16)) + 6 + l4;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	cr_assert_eq(s, 0xffff, "TCP checksum");
	cr_assert_eq(ntohs(tcp_of(f)->src_port), 53);
	cr_assert_eq(ntohs(tcp_of(f)->dst_port), sport);
}

/* Handshake on @sport: returns our ISN (the cookie). */
static uint32_t
handshake(uint16_t sport, uint32_t isn)
{
	uint8_t f[2048];
	struct dp_verdict v;
	uint32_t before = dp_dnstcp_active(st.dnstcp);

	run(f, seg(f, sport, isn, 0, RTE_TCP_SYN_FLAG, NULL, 0, 1400), &v);
	cr_assert_eq(v.counter, DP_C_dns_tcp_synack);
	assert_reply(f, &v, sport);
	cr_assert_eq(tcp_of(f)->tcp_flags, RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG);
	cr_assert_eq(ntohl(tcp_of(f)->recv_ack), isn + 1);
	uint32_t cookie = ntohl(tcp_of(f)->sent_seq);
	cr_assert_eq(dp_dnstcp_active(st.dnstcp), before, "nothing kept for a SYN");
	run(f, seg(f, sport, isn + 1, cookie + 1, RTE_TCP_ACK_FLAG, NULL, 0, 0), &v);
	cr_assert_eq(v.counter, DP_C_dns_tcp_open);
	cr_assert_eq(v.action, DP_ACT_DROP);
	return cookie;
}

/* A query with its 2-byte length at @m. */
static uint16_t
tcp_query(uint8_t *m, const char *name, uint16_t qtype, uint16_t id)
{
	uint16_t l = th_dns_query(m + 2, name, qtype, 0);
	th_put16(m + 2, id);
	th_put16(m, l);
	return (uint16_t)(l + 2);
}

Test(dnstcp, syn_gets_a_cookie_and_nothing_is_kept)
{
	uint8_t f[2048];
	struct dp_verdict v;

	for (uint16_t p = 1000; p < 1100; p++) {
		run(f, seg(f, p, 77, 0, RTE_TCP_SYN_FLAG, NULL, 0, 1460), &v);
		cr_assert_eq(v.counter, DP_C_dns_tcp_synack);
	}
	cr_assert_eq(dp_dnstcp_active(st.dnstcp), 0);
	/* the MSS option we offer */
	const uint8_t *o = (const uint8_t *)(tcp_of(f) + 1);
	cr_assert_eq(o[0], 2);
	cr_assert_eq(th_get16(o + 2), DP_DNSTCP_MSS);
}

Test(dnstcp, query_in_the_first_segment_is_answered_in_one)
{
	uint8_t f[2048], q[600];
	struct dp_verdict v;
	uint32_t cookie = handshake(5000, 100);
	uint16_t ql = tcp_query(q, "www.example.org", 1, 0x1234);

	run(f, seg(f, 5000, 101, cookie + 1, RTE_TCP_ACK_FLAG | RTE_TCP_PSH_FLAG, q, ql, 0), &v);
	cr_assert_eq(v.counter, DP_C_dns_tcp_answer);
	cr_assert_eq(v.svc, 0, "the service is asked for (summon)");
	assert_reply(f, &v, 5000);
	cr_assert_eq(ntohl(tcp_of(f)->sent_seq), cookie + 1);
	cr_assert_eq(ntohl(tcp_of(f)->recv_ack), 101u + ql);
	cr_assert_eq(tcp_of(f)->tcp_flags, RTE_TCP_ACK_FLAG | RTE_TCP_PSH_FLAG);
	const uint8_t *d = f + 54;
	uint16_t al = th_get16(d);
	cr_assert_eq(v.len, 54 + 2 + al);
	cr_assert_eq(th_get16(d + 2), 0x1234, "the query's id");
	cr_assert(d[4] & 0x80, "a response");
	cr_assert_eq(th_get16(d + 2 + 6), 1, "one answer");
	cr_assert_eq(dp_dnstcp_active(st.dnstcp), 1);
}

Test(dnstcp, first_data_without_the_handshake_ack_opens_too)
{
	uint8_t f[2048], q[600];
	struct dp_verdict v;

	run(f, seg(f, 5001, 900, 0, RTE_TCP_SYN_FLAG, NULL, 0, 1460), &v);
	uint32_t cookie = ntohl(tcp_of(f)->sent_seq);
	uint16_t ql = tcp_query(q, "www.example.org", 1, 7);
	run(f, seg(f, 5001, 901, cookie + 1, RTE_TCP_ACK_FLAG, q, ql, 0), &v);
	cr_assert_eq(v.counter, DP_C_dns_tcp_answer, "the ACK lost, the data proves the cookie");
}

Test(dnstcp, forged_cookies_get_nothing)
{
	uint8_t f[2048], q[600];
	struct dp_verdict v;
	uint16_t ql = tcp_query(q, "www.example.org", 1, 7);

	run(f, seg(f, 5002, 900, 0x12345678, RTE_TCP_ACK_FLAG, q, ql, 0), &v);
	cr_assert_eq(v.counter, DP_C_drop_dns_tcp_cookie);
	cr_assert_eq(v.action, DP_ACT_DROP);
	run(f, seg(f, 5002, 900, 0x12345678, RTE_TCP_ACK_FLAG, NULL, 0, 0), &v);
	cr_assert_eq(v.counter, DP_C_drop_dns_tcp_ctl, "a stray ACK");
	cr_assert_eq(dp_dnstcp_active(st.dnstcp), 0);
	/* a cookie of another port */
	run(f, seg(f, 5003, 900, 0, RTE_TCP_SYN_FLAG, NULL, 0, 1460), &v);
	uint32_t cookie = ntohl(tcp_of(f)->sent_seq);
	run(f, seg(f, 5004, 901, cookie + 1, RTE_TCP_ACK_FLAG, q, ql, 0), &v);
	cr_assert_eq(v.counter, DP_C_drop_dns_tcp_cookie);
	/* too old: past max_age ticks of 16 s */
	st.now += 80 * HZ;
	run(f, seg(f, 5003, 901, cookie + 1, RTE_TCP_ACK_FLAG, q, ql, 0), &v);
	cr_assert_eq(v.counter, DP_C_drop_dns_tcp_cookie);
}

Test(dnstcp, a_query_split_across_segments_is_held_then_answered)
{
	uint8_t f[2048], q[600];
	struct dp_verdict v;
	uint32_t cookie = handshake(5010, 1000);
	uint16_t ql = tcp_query(q, "www.example.org", 1, 9);

	/* the length alone, then half the message, then the rest */
	run(f, seg(f, 5010, 1001, cookie + 1, RTE_TCP_ACK_FLAG, q, 1, 0), &v);
	cr_assert_eq(v.counter, DP_C_dns_tcp_held);
	assert_reply(f, &v, 5010);
	cr_assert_eq(ntohl(tcp_of(f)->recv_ack), 1002u, "the byte is acknowledged");
	cr_assert_eq(v.len, 54, "no data");
	run(f, seg(f, 5010, 1002, cookie + 1, RTE_TCP_ACK_FLAG, q + 1, 10, 0), &v);
	cr_assert_eq(v.counter, DP_C_dns_tcp_held);
	run(f, seg(f, 5010, 1012, cookie + 1, RTE_TCP_ACK_FLAG, q + 11, (uint16_t)(ql - 11), 0),
	    &v);
	cr_assert_eq(v.counter, DP_C_dns_tcp_answer);
	cr_assert_eq(ntohl(tcp_of(f)->recv_ack), 1001u + ql);
	cr_assert_eq(ntohl(tcp_of(f)->sent_seq), cookie + 1);
	cr_assert_eq(th_get16(f + 54 + 2), 9);
}

Test(dnstcp, pipelined_queries_are_answered_in_order_in_one_segment)
{
	uint8_t f[2048], q[1200];
	struct dp_verdict v;
	uint32_t cookie = handshake(5020, 1);
	uint16_t l1 = tcp_query(q, "www.example.org", 1, 1);
	uint16_t l2 = tcp_query(q + l1, "example.org", 6, 2);
	uint16_t l3 = tcp_query(q + l1 + l2, "nope.example.org", 1, 3);
	uint16_t all = (uint16_t)(l1 + l2 + l3);

	run(f, seg(f, 5020, 2, cookie + 1, RTE_TCP_ACK_FLAG, q, (uint16_t)(all - 5), 0), &v);
	cr_assert_eq(v.counter, DP_C_dns_tcp_answer, "two whole, the third in part");
	const uint8_t *d = f + 54;
	unsigned int a1 = th_get16(d), a2 = th_get16(d + 2 + a1);
	cr_assert_eq(th_get16(d + 2), 1);
	cr_assert_eq(th_get16(d + 2 + a1 + 2), 2);
	cr_assert_eq(v.len, 54 + 2 + a1 + 2 + a2);
	cr_assert_eq(ntohl(tcp_of(f)->recv_ack), 2u + all - 5, "all acknowledged: the tail is held");
	uint32_t next = cookie + 1 + 2 + a1 + 2 + a2;
	run(f, seg(f, 5020, 2u + all - 5, next, RTE_TCP_ACK_FLAG, q + all - 5, 5, 0), &v);
	cr_assert_eq(v.counter, DP_C_dns_tcp_answer);
	cr_assert_eq(ntohl(tcp_of(f)->sent_seq), next, "our sequence goes on");
	cr_assert_eq(th_get16(f + 54 + 2), 3);
	cr_assert_eq(f[54 + 2 + 3] & 0xf, 3, "NXDOMAIN");
}

Test(dnstcp, answers_beyond_the_mss_wait_for_a_retransmission)
{
	uint8_t f[2048], q[1200];
	struct dp_verdict v;
	uint32_t isn = 50;

	run(f, seg(f, 5030, isn, 0, RTE_TCP_SYN_FLAG, NULL, 0, 300), &v); /* MSS 300 */
	uint32_t cookie = ntohl(tcp_of(f)->sent_seq);
	uint16_t l1 = tcp_query(q, "www.example.org", 1, 1), all = 0;
	for (int i = 0; i < 5; i++)
		all = (uint16_t)(all + tcp_query(q + all, "www.example.org", 1, (uint16_t)i));
	run(f, seg(f, 5030, isn + 1, cookie + 1, RTE_TCP_ACK_FLAG, q, all, 0), &v);
	cr_assert_eq(v.counter, DP_C_dns_tcp_answer);
	cr_assert_leq(v.len - 54, 216, "within the client's MSS (216 as the cookie rounds it)");
	unsigned int n = (unsigned int)(v.len - 54) / 51; /* 2 + 49 bytes an answer */
	cr_assert_eq(n * 51, v.len - 54u);
	cr_assert_eq(n, 4);
	cr_assert_eq(ntohl(tcp_of(f)->recv_ack), isn + 1 + n * l1,
		     "the query not answered is not acknowledged");
}

Test(dnstcp, a_lost_answer_is_sent_again_for_the_retransmitted_query)
{
	uint8_t f[2048], q[600], first[2048];
	struct dp_verdict v;
	uint32_t cookie = handshake(5040, 10);
	uint16_t ql = tcp_query(q, "www.example.org", 1, 5);

	run(f, seg(f, 5040, 11, cookie + 1, RTE_TCP_ACK_FLAG, q, ql, 0), &v);
	memcpy(first, f, v.len);
	uint16_t flen = v.len;
	run(f, seg(f, 5040, 11, cookie + 1, RTE_TCP_ACK_FLAG, q, ql, 0), &v);
	cr_assert_eq(v.counter, DP_C_dns_tcp_answer);
	cr_assert_eq(v.len, flen);
	cr_assert_eq(memcmp(f, first, flen), 0, "the same segment again");
	/* a segment from the future: only a duplicate ACK */
	run(f, seg(f, 5040, 5000, cookie + 1, RTE_TCP_ACK_FLAG, q, ql, 0), &v);
	cr_assert_eq(v.counter, DP_C_dns_tcp_ack);
	cr_assert_eq(ntohl(tcp_of(f)->recv_ack), 11u + ql);
}

Test(dnstcp, fin_closes_after_the_last_answer)
{
	uint8_t f[2048], q[600];
	struct dp_verdict v;
	uint32_t cookie = handshake(5050, 10);
	uint16_t ql = tcp_query(q, "www.example.org", 1, 5);

	run(f, seg(f, 5050, 11, cookie + 1, RTE_TCP_ACK_FLAG | RTE_TCP_FIN_FLAG, q, ql, 0), &v);
	cr_assert_eq(v.counter, DP_C_dns_tcp_answer);
	cr_assert_eq(tcp_of(f)->tcp_flags, RTE_TCP_ACK_FLAG | RTE_TCP_PSH_FLAG | RTE_TCP_FIN_FLAG);
	cr_assert_eq(ntohl(tcp_of(f)->recv_ack), 11u + ql + 1, "the FIN acknowledged");
	cr_assert_eq(dp_dnstcp_active(st.dnstcp), 0);
	/* the client's last ACK finds nothing, and is fine */
	uint32_t our_fin = ntohl(tcp_of(f)->sent_seq) + (uint32_t)(v.len - 54);
	run(f, seg(f, 5050, 11u + ql + 1, our_fin + 1, RTE_TCP_ACK_FLAG, NULL, 0, 0), &v);
	cr_assert_eq(v.counter, DP_C_drop_dns_tcp_ctl);

	cookie = handshake(5051, 10);
	run(f, seg(f, 5051, 11, cookie + 1, RTE_TCP_ACK_FLAG | RTE_TCP_FIN_FLAG, NULL, 0, 0), &v);
	cr_assert_eq(v.counter, DP_C_dns_tcp_fin);
	cr_assert_eq(tcp_of(f)->tcp_flags, RTE_TCP_ACK_FLAG | RTE_TCP_FIN_FLAG);
	/* a FIN of a connection we no longer know: acknowledged */
	run(f, seg(f, 5099, 77, 88, RTE_TCP_ACK_FLAG | RTE_TCP_FIN_FLAG, NULL, 0, 0), &v);
	cr_assert_eq(v.counter, DP_C_dns_tcp_fin);
	cr_assert_eq(tcp_of(f)->tcp_flags, RTE_TCP_ACK_FLAG);
	cr_assert_eq(ntohl(tcp_of(f)->recv_ack), 78u);
	cr_assert_eq(ntohl(tcp_of(f)->sent_seq), 88u);
}

Test(dnstcp, rst_forgets_the_connection)
{
	uint8_t f[2048];
	struct dp_verdict v;
	uint32_t cookie = handshake(5060, 10);

	run(f, seg(f, 5060, 999, cookie + 1, RTE_TCP_RST_FLAG, NULL, 0, 0), &v);
	cr_assert_eq(dp_dnstcp_active(st.dnstcp), 1, "out of window: ignored (RFC 5961)");
	run(f, seg(f, 5060, 11, cookie + 1, RTE_TCP_RST_FLAG, NULL, 0, 0), &v);
	cr_assert_eq(v.counter, DP_C_drop_dns_tcp_ctl);
	cr_assert_eq(dp_dnstcp_active(st.dnstcp), 0);
}

Test(dnstcp, the_table_is_bounded_and_counted)
{
	uint8_t f[2048];
	struct dp_verdict v;

	for (uint16_t p = 0; p < 4; p++)
		handshake((uint16_t)(6000 + p), 10);
	cr_assert_eq(dp_dnstcp_active(st.dnstcp), 4);
	run(f, seg(f, 6100, 10, 0, RTE_TCP_SYN_FLAG, NULL, 0, 1460), &v);
	cr_assert_eq(v.counter, DP_C_dns_tcp_synack, "SYNs cost nothing: still answered");
	uint32_t cookie = ntohl(tcp_of(f)->sent_seq);
	run(f, seg(f, 6100, 11, cookie + 1, RTE_TCP_ACK_FLAG, NULL, 0, 0), &v);
	cr_assert_eq(v.counter, DP_C_drop_dns_tcp_full);
	cr_assert_eq(dp_dnstcp_active(st.dnstcp), 4);
}

Test(dnstcp, a_query_longer_than_the_buffer_resets)
{
	uint8_t f[2048], q[8];
	struct dp_verdict v;
	uint32_t cookie = handshake(5070, 10);

	th_put16(q, 4000);
	memset(q + 2, 0, 6);
	run(f, seg(f, 5070, 11, cookie + 1, RTE_TCP_ACK_FLAG, q, 8, 0), &v);
	cr_assert_eq(v.counter, DP_C_dns_tcp_rst);
	cr_assert(tcp_of(f)->tcp_flags & RTE_TCP_RST_FLAG);
	cr_assert_eq(dp_dnstcp_active(st.dnstcp), 0);
}

Test(dnstcp, idle_connections_are_closed_with_a_fin)
{
	uint8_t f[2048], q[600];
	struct dp_verdict v;
	uint32_t cookie = handshake(5080, 10);
	uint16_t ql = tcp_query(q, "www.example.org", 1, 5);

	run(f, seg(f, 5080, 11, cookie + 1, RTE_TCP_ACK_FLAG, q, ql, 0), &v);
	uint32_t snd = cookie + 1 + (uint32_t)(v.len - 54);
	cr_assert_null(dp_dnstcp_idle(st.dnstcp, st.now + 5 * HZ, conf.dnstcp.idle), "not yet");
	struct dp_dnstcp_conn *e = dp_dnstcp_idle(st.dnstcp, st.now + 5 * HZ + 1, conf.dnstcp.idle);
	cr_assert_not_null(e);
	cr_assert_eq(dp_dnstcp_fin_frame(&conf, st.dnstcp, e, f, 2048, &v), 0);
	cr_assert_eq(v.counter, DP_C_dns_tcp_expired);
	assert_reply(f, &v, 5080);
	cr_assert_eq(tcp_of(f)->tcp_flags, RTE_TCP_ACK_FLAG | RTE_TCP_FIN_FLAG);
	cr_assert_eq(ntohl(tcp_of(f)->sent_seq), snd);
	cr_assert_eq(ntohl(tcp_of(f)->recv_ack), 11u + ql);
	cr_assert_eq(dp_dnstcp_active(st.dnstcp), 0);
}

Test(dnstcp, keepalive_is_answered_with_the_idle_timeout)
{
	uint8_t f[2048], q[600];
	struct dp_verdict v;
	uint32_t cookie = handshake(5090, 10);
	uint16_t l = th_dns_query(q + 2, "www.example.org", 1, 1);

	th_put16(q + 2 + l - 2, 4); /* OPT rdlen: one empty keepalive option */
	th_put16(q + 2 + l, 11);
	th_put16(q + 2 + l + 2, 0);
	l += 4;
	th_put16(q, l);
	run(f, seg(f, 5090, 11, cookie + 1, RTE_TCP_ACK_FLAG, q, (uint16_t)(l + 2), 0), &v);
	cr_assert_eq(v.counter, DP_C_dns_tcp_answer);
	const uint8_t *d = f + 54 + 2;
	unsigned int al = th_get16(f + 54);
	cr_assert_eq(th_get16(d + al - 6), 11, "edns-tcp-keepalive at the end");
	cr_assert_eq(th_get16(d + al - 2), 50);
}

Test(dnstcp, without_a_table_tcp_is_not_served)
{
	uint8_t f[2048];
	struct dp_verdict v;
	struct dp_dnstcp *t = st.dnstcp;

	st.dnstcp = NULL;
	run(f, seg(f, 5000, 1, 0, RTE_TCP_SYN_FLAG, NULL, 0, 1460), &v);
	cr_assert_eq(v.counter, DP_C_drop_gw_unhandled);
	st.dnstcp = t;
}

Test(dnstcp, bad_checksum_is_dropped)
{
	uint8_t f[2048];
	struct dp_verdict v;
	uint16_t len = seg(f, 5000, 1, 0, RTE_TCP_SYN_FLAG, NULL, 0, 1460);

	f[50] ^= 1;
	run(f, len, &v);
	cr_assert_eq(v.counter, DP_C_drop_dns_tcp_bad);
}

Test(dnstcp, table_add_find_delete_against_a_model)
{
	enum { N = 64 };
	struct dp_dnstcp *t = table(N);
	uint8_t in[4096] = { 0 };
	unsigned int seed = 12345;

	for (int step = 0; step < 200000; step++) {
		seed = seed * 1103515245u + 12345u;
		uint16_t port = (uint16_t)((seed >> 8) % 4096);
		struct dp_dnstcp_conn *c = dp_dnstcp_find(t, cli, port, gw, 53);
		cr_assert_eq(c != NULL, in[port], "step %d port %u", step, port);
		if (c != NULL && (seed & 1)) {
			dp_dnstcp_del(t, c);
			in[port] = 0;
		} else if (c == NULL) {
			c = dp_dnstcp_add(t, cli, port, gw, 53);
			if (dp_dnstcp_active(t) < N || c != NULL)
				in[port] = c != NULL;
		}
	}
	free(t);
}
