/* SPDX-License-Identifier: BSD-3-Clause */
/* synjitsu/proxy.c: a proxied flow from the client's SYN to its removal, on
 * byte buffers: cookie SYN-ACK, the ACK that proves the address, held data
 * (acknowledged, retransmissions absorbed), the SYN to the service, the
 * replay, translation both ways (sequence, acknowledgment, SACK, timestamps,
 * windows) against checksums computed whole, and every way a flow ends. */
#include <criterion/criterion.h>

#include <rte_ip.h>
#include <rte_tcp.h>

#include "../../synjitsu/proxy.h"
#include "helpers.h"

#define HZ 1000000ull /* ticks: microseconds */
#define MS 1000ull
#define T0 (1000 * 1000 * MS)

#define CIP th_ip("192.0.2.7")
#define SIP th_ip("10.77.1.10")

static struct syn_proxy *px;
static struct syn_cookie_keys keys;
static const uint8_t key[16] = "0123456789abcdef";
static const struct syn_px_svc sc = {
	.synack = { .mss = 1400, .wscale = 6, .sack_ok = 1, .ts_ok = 1, .ttl = 64,
		    .window = 65535 },
};
static const struct syn_px_svc sc_always = {
	.synack = { .mss = 1400, .wscale = 6, .sack_ok = 1, .ts_ok = 1, .ttl = 64,
		    .window = 65535 },
	.always = 1,
};

static void
setup(void)
{
	struct syn_px_params p = { .n_services = 2, .max_flows = 8, .max_pending = 4, .pool = 16,
				   .hz = HZ, .pending = 5000 * MS, .idle = 60000 * MS,
				   .linger = 2000 * MS, .retry = 200 * MS };
	px = syn_px_create(&p);
	cr_assert_not_null(px);
	cr_assert_eq(syn_cookie_keys_init(&keys, key, 8, 2), 0);
}

static void
teardown(void)
{
	syn_px_free(px);
}

TestSuite(proxy, .init = setup, .fini = teardown);

/* An IPv4/TCP segment with options and @dlen bytes of data; checksums right. */
static size_t
seg(uint8_t *b, uint32_t src, uint32_t dst, uint16_t sport, uint16_t dport, uint32_t seq,
    uint32_t ack, uint8_t flags, uint16_t win, const uint8_t *opt, size_t olen, size_t dlen)
{
	size_t tl = 20 + olen;

	cr_assert_eq(olen % 4, 0);
	memset(b, 0, 20 + tl + dlen);
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)b;
	ip->version_ihl = 0x45;
	ip->total_length = htons((uint16_t)(20 + tl + dlen));
	ip->time_to_live = 64;
	ip->next_proto_id = 6;
	ip->src_addr = src;
	ip->dst_addr = dst;
	uint8_t *t = b + 20;
	th_put16(t, sport);
	th_put16(t + 2, dport);
	th_put16(t + 4, (uint16_t)(seq >> 16));
	th_put16(t + 6, (uint16_t)seq);
	th_put16(t + 8, (uint16_t)(ack >> 16));
	th_put16(t + 10, (uint16_t)ack);
	t[12] = (uint8_t)(tl / 4 << 4);
	t[13] = flags;
	th_put16(t + 14, win);
	if (olen)
		memcpy(t + 20, opt, olen);
	for (size_t i = 0; i < dlen; i++)
		t[tl + i] = (uint8_t)(i * 7 + 1);
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	struct rte_tcp_hdr *th = (struct rte_tcp_hdr *)t;
	th->cksum = rte_ipv4_udptcp_cksum(ip, th);
	return 20 + tl + dlen;
}

static uint32_t
g32(const uint8_t *p)
{
	return (uint32_t)th_get16(p) << 16 | th_get16(p + 2);
}

#define SEQ(b) g32((b) + 20 + 4)
#define ACK(b) g32((b) + 20 + 8)
#define FLAGS(b) ((b)[20 + 13])
#define WIN(b) th_get16((b) + 20 + 14)

/* both checksums are what a computation from scratch gives */
static void
assert_cksums(uint8_t *b)
{
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)b;
	struct rte_tcp_hdr *t = (struct rte_tcp_hdr *)(b + 20);
	uint16_t ick = ip->hdr_checksum, tck = t->cksum;

	ip->hdr_checksum = 0;
	cr_assert_eq(rte_ipv4_cksum(ip), ick, "IP checksum");
	ip->hdr_checksum = ick;
	t->cksum = 0;
	uint16_t want = rte_ipv4_udptcp_cksum(ip, t);
	t->cksum = tck;
	cr_assert(tck == want || (tck == 0xffff && want == 0) || (tck == 0 && want == 0xffff),
		  "TCP checksum %04x, computed %04x", tck, want);
}

static struct syn_tcp_opts
opts_of(const uint8_t *b)
{
	struct syn_tcp_opts o;
	size_t doff = (size_t)(b[32] >> 4) * 4;

	cr_assert_eq(syn_tcp_opts_parse(b + 40, doff - 20, &o), 0);
	return o;
}

static uint8_t *
ts_opt(uint8_t *o, uint32_t val, uint32_t ecr)
{
	o[0] = 1;
	o[1] = 1;
	o[2] = 8;
	o[3] = 10;
	for (int i = 0; i < 4; i++) {
		o[4 + i] = (uint8_t)(val >> (24 - 8 * i));
		o[8 + i] = (uint8_t)(ecr >> (24 - 8 * i));
	}
	return o + 12;
}

/* A client segment of flow 40000 -> 80. */
static size_t
cseg(uint8_t *b, uint32_t seq, uint32_t ack, uint8_t flags, uint32_t tsval, uint32_t tsecr,
     size_t dlen)
{
	uint8_t o[12];
	ts_opt(o, tsval, tsecr);
	return seg(b, CIP, SIP, 40000, 80, seq, ack, flags, 1000, o, 12, dlen);
}

/* A service segment of the same flow. */
static size_t
sseg(uint8_t *b, uint32_t seq, uint32_t ack, uint8_t flags, uint32_t tsval, uint32_t tsecr,
     uint16_t win, size_t dlen)
{
	uint8_t o[12];
	ts_opt(o, tsval, tsecr);
	return seg(b, SIP, CIP, 80, 40000, seq, ack, flags, win, o, 12, dlen);
}

static void
up(const struct syn_px_svc *c, int ready, uint8_t *b, size_t len, void *pkt, uint64_t now,
   struct syn_px_out *o)
{
	syn_px_uplink(px, &keys, c, 0, ready, b, len, 256, pkt, now, o);
}

/* The client's SYN and its cookie SYN-ACK; returns the gateway's ISN and
 * sets @p g_ts to the SYN-ACK's TSval. */
static uint32_t
handshake(const struct syn_px_svc *c, int ready, uint64_t now, uint32_t *g_ts)
{
	static const uint8_t o[] = { 2, 4, 0x05, 0xb4, 4, 2, 8, 10, 0, 0, 0x01, 0xf4,
				     0, 0, 0, 0, 1, 3, 3, 7 };
	uint8_t b[512];
	struct syn_px_out out;
	size_t len = seg(b, CIP, SIP, 40000, 80, 1000, 0, 0x02, 64240, o, sizeof(o), 0);

	up(c, ready, b, len, NULL, now, &out);
	cr_assert_eq(out.act, SYN_PX_TX_CLIENT);
	cr_assert_eq(out.reason, SYN_PX_ST_cookie_synack);
	cr_assert_eq(syn_px_n_flows(px), 0, "nothing stored for a SYN");
	cr_assert_eq(ACK(b), 1001);
	cr_assert_eq(FLAGS(b), 0x12);
	assert_cksums(b);
	struct syn_tcp_opts so = opts_of(b);
	cr_assert_eq(so.tsecr, 500);
	cr_assert_eq(so.wscale, 6);
	cr_assert_eq(so.mss, 1400);
	*g_ts = so.tsval;
	return SEQ(b);
}

/* handshake + the client's ACK: a held flow; returns its id */
static uint32_t
held_flow(const struct syn_px_svc *c, int ready, uint64_t now, uint32_t *g_isn, uint32_t *g_ts,
	  void *pkt)
{
	uint8_t b[512];
	struct syn_px_out out;

	*g_isn = handshake(c, ready, now, g_ts);
	size_t len = cseg(b, 1001, *g_isn + 1, 0x10, 501, *g_ts, 0);
	up(c, ready, b, len, pkt, now + MS, &out);
	cr_assert_eq(out.act, SYN_PX_HELD);
	cr_assert_eq(out.reason, SYN_PX_ST_cookie_valid);
	cr_assert_eq(out.summon, !ready);
	cr_assert_eq(out.open, ready);
	cr_assert_eq(out.ack_client, 0);
	cr_assert_neq(out.flow, SYN_PX_NONE);
	cr_assert_eq(syn_px_flows(px, 0), 1);
	return out.flow;
}

static enum syn_px_svc_state fake_state;

static enum syn_px_svc_state
state_of(void *arg, uint32_t svc)
{
	(void)arg;
	(void)svc;
	return fake_state;
}

Test(proxy, a_cold_flow_from_syn_to_close)
{
	uint8_t b[512], held[4][256];
	size_t hl[4];
	struct syn_px_out out;
	uint32_t g_isn, g_ts;
	uint64_t now = T0;

	uint32_t f = held_flow(&sc, 0, now, &g_isn, &g_ts, held[0]);
	hl[0] = cseg(held[0], 1001, g_isn + 1, 0x10, 501, g_ts, 0);

	/* the request: held and acknowledged to the client */
	hl[1] = cseg(held[1], 1001, g_isn + 1, 0x18, 502, g_ts, 100);
	memcpy(b, held[1], hl[1]);
	up(&sc, 0, held[1], hl[1], held[1], now + 2 * MS, &out);
	cr_assert_eq(out.act, SYN_PX_HELD);
	cr_assert_eq(out.ack_client, 1);
	cr_assert_eq(out.flow, f);
	cr_assert_eq(syn_px_held(px), 2);
	int n = syn_px_client_ack(px, f, b, sizeof(b));
	cr_assert_eq(n, 52);
	cr_assert_eq(SEQ(b), g_isn + 1);
	cr_assert_eq(ACK(b), 1101);
	cr_assert_eq(FLAGS(b), 0x10);
	cr_assert_eq(WIN(b), 65535 >> 6);
	struct syn_tcp_opts ao = opts_of(b);
	cr_assert_eq(ao.tsval, g_ts);
	cr_assert_eq(ao.tsecr, 502);
	assert_cksums(b);

	/* its retransmission, a pure ACK, data past a hole: not held */
	size_t len = cseg(b, 1001, g_isn + 1, 0x18, 503, g_ts, 100);
	up(&sc, 0, b, len, b, now + 3 * MS, &out);
	cr_assert_eq(out.act, SYN_PX_DROP);
	cr_assert_eq(out.reason, SYN_PX_ST_absorbed);
	cr_assert_eq(out.ack_client, 1);
	len = cseg(b, 1101, g_isn + 1, 0x10, 503, g_ts, 0);
	up(&sc, 0, b, len, b, now + 3 * MS, &out);
	cr_assert_eq(out.reason, SYN_PX_ST_absorbed);
	cr_assert_eq(out.ack_client, 0);
	len = cseg(b, 1201, g_isn + 1, 0x18, 503, g_ts, 10);
	up(&sc, 0, b, len, b, now + 3 * MS, &out);
	cr_assert_eq(out.reason, SYN_PX_ST_out_of_order);
	cr_assert_eq(syn_px_held(px), 2);

	/* still booting: nothing to do; READY: open */
	struct syn_px_event ev[4];
	fake_state = SYN_PX_SVC_WAIT;
	cr_assert_eq(syn_px_poll(px, state_of, NULL, now + 10 * MS, ev, 4), 0);
	fake_state = SYN_PX_SVC_READY;
	cr_assert_eq(syn_px_poll(px, state_of, NULL, now + 20 * MS, ev, 4), 1);
	cr_assert_eq(ev[0].type, SYN_PX_EV_OPEN);
	cr_assert_eq(ev[0].flow, f);
	n = syn_px_service_syn(px, f, b, sizeof(b), now + 20 * MS);
	cr_assert_gt(n, 40);
	uint32_t s, d;
	memcpy(&s, b + 12, 4);
	memcpy(&d, b + 16, 4);
	cr_assert_eq(s, CIP);
	cr_assert_eq(d, SIP);
	cr_assert_eq(SEQ(b), 1000, "the client's ISN");
	cr_assert_eq(FLAGS(b), 0x02);
	struct syn_tcp_opts so = opts_of(b);
	cr_assert_eq(so.mss, 1460);
	cr_assert_eq(so.wscale, 7);
	cr_assert(so.sack_ok && so.has_ts);
	cr_assert_eq(so.tsval, 501, "the oldest held TSval");
	assert_cksums(b);
	/* no answer yet: the SYN goes again after the retry time, not before */
	cr_assert_eq(syn_px_poll(px, state_of, NULL, now + 30 * MS, ev, 4), 0);
	cr_assert_eq(syn_px_poll(px, state_of, NULL, now + 221 * MS, ev, 4), 1);
	cr_assert_eq(ev[0].type, SYN_PX_EV_OPEN);

	/* the service's SYN-ACK (window scale 5, not the 6 promised) */
	len = sseg(b, 70000, 1001, 0x12, 9000, 501, 65535, 0);
	{
		uint8_t o[20];
		uint8_t *q = ts_opt(o, 9000, 501);
		q[0] = 1, q[1] = 3, q[2] = 3, q[3] = 5;
		len = seg(b, SIP, CIP, 80, 40000, 70000, 1001, 0x12, 65535, o, 16, 0);
	}
	syn_px_downlink(px, 0, b, len, now + 222 * MS, &out);
	cr_assert_eq(out.act, SYN_PX_DROP);
	cr_assert_eq(out.reason, SYN_PX_ST_established);
	cr_assert_eq(out.replay, 1);
	cr_assert_eq(out.flow, f);

	/* the replay, in order, translated towards the service: copies, the
	 * originals stay held until the service acknowledges them */
	void *pk[4];
	uint8_t cp[2][256];
	for (int round = 0; round < 2; round++) {
		cr_assert_eq(syn_px_peek(px, f, 0, pk, 4), 2);
		cr_assert_eq(pk[0], held[0]);
		cr_assert_eq(pk[1], held[1]);
		cr_assert_eq(syn_px_peek(px, f, 1, pk, 4), 1);
		cr_assert_eq(pk[0], held[1]);
		for (int i = 0; i < 2; i++) {
			memcpy(cp[i], held[i], hl[i]);
			up(&sc, 1, cp[i], hl[i], cp[i], now + 223 * MS, &out);
			cr_assert_eq(out.act, SYN_PX_FWD_SERVICE);
			cr_assert_eq(SEQ(cp[i]), 1001);
			cr_assert_eq(ACK(cp[i]), 70001);
			cr_assert_eq(opts_of(cp[i]).tsecr, 9000);
			cr_assert_eq(WIN(cp[i]), 1000, "both legs scale: unchanged");
			assert_cksums(cp[i]);
		}
		cr_assert_eq(syn_px_held(px), 2);
		if (round == 0) { /* the service did not take it: its SYN-ACK again */
			uint8_t o[20];
			uint8_t *q = ts_opt(o, 9001, 501);
			q[0] = 1, q[1] = 3, q[2] = 3, q[3] = 5;
			len = seg(b, SIP, CIP, 80, 40000, 70000, 1001, 0x12, 65535, o, 16, 0);
			syn_px_downlink(px, 0, b, len, now + 400 * MS, &out);
			cr_assert_eq(out.act, SYN_PX_DROP);
			cr_assert_eq(out.replay, 1, "the replay goes again");
		}
	}
	/* the service acknowledges the handshake ACK only: that one goes */
	len = sseg(b, 70001, 1001, 0x10, 9004, 501, 1000, 0);
	syn_px_downlink(px, 0, b, len, now + 401 * MS, &out);
	cr_assert_eq(out.act, SYN_PX_FWD_CLIENT);
	cr_assert_eq(out.acked, 1);
	cr_assert_eq(syn_px_take_acked(px, f, pk, 4), 1);
	cr_assert_eq(pk[0], held[0]);
	cr_assert_eq(syn_px_held(px), 1);

	/* the answer, translated towards the client; 1000 << 5 >> 6 = 500;
	 * it acknowledges the request: nothing stays held */
	len = sseg(b, 70001, 1101, 0x18, 9005, 502, 1000, 300);
	syn_px_downlink(px, 0, b, len, now + 430 * MS, &out);
	cr_assert_eq(out.act, SYN_PX_FWD_CLIENT);
	cr_assert_eq(out.acked, 1);
	cr_assert_eq(syn_px_take_acked(px, f, pk, 4), 1);
	cr_assert_eq(pk[0], held[1]);
	cr_assert_eq(syn_px_held(px), 0);
	cr_assert_eq(SEQ(b), g_isn + 1);
	cr_assert_eq(ACK(b), 1101);
	cr_assert_eq(opts_of(b).tsval, g_ts + 5);
	cr_assert_eq(WIN(b), 500);
	assert_cksums(b);

	/* the client's ACK with a SACK block: every edge translated */
	{
		uint8_t o[24], *q = ts_opt(o, 504, g_ts + 5);
		q[0] = 1, q[1] = 1, q[2] = 5, q[3] = 10;
		uint32_t l = g_isn + 201, r = g_isn + 301;
		for (int i = 0; i < 4; i++) {
			q[4 + i] = (uint8_t)(l >> (24 - 8 * i));
			q[8 + i] = (uint8_t)(r >> (24 - 8 * i));
		}
		len = seg(b, CIP, SIP, 40000, 80, 1101, g_isn + 101, 0x10, 1000, o, 24, 0);
	}
	up(&sc, 1, b, len, b, now + 231 * MS, &out);
	cr_assert_eq(out.act, SYN_PX_FWD_SERVICE);
	cr_assert_eq(ACK(b), 70101);
	struct syn_tcp_opts sk = opts_of(b);
	cr_assert_eq(sk.n_sack, 1);
	cr_assert_eq(g32(b + 40 + sk.sack_off), 70201);
	cr_assert_eq(g32(b + 40 + sk.sack_off + 4), 70301);
	cr_assert_eq(sk.tsecr, 9005);
	assert_cksums(b);

	/* FIN both ways, each acknowledged: the flow closes, lingers, goes */
	len = cseg(b, 1101, g_isn + 301, 0x11, 505, g_ts + 5, 0);
	up(&sc, 1, b, len, b, now + 232 * MS, &out);
	cr_assert_eq(out.act, SYN_PX_FWD_SERVICE);
	len = sseg(b, 70301, 1102, 0x11, 9006, 505, 1000, 0);
	syn_px_downlink(px, 0, b, len, now + 233 * MS, &out);
	cr_assert_eq(out.act, SYN_PX_FWD_CLIENT);
	cr_assert_eq(SEQ(b), g_isn + 301);
	len = cseg(b, 1102, g_isn + 302, 0x10, 506, g_ts + 6, 0);
	up(&sc, 1, b, len, b, now + 234 * MS, &out);
	cr_assert_eq(out.act, SYN_PX_FWD_SERVICE);
	cr_assert_eq(ACK(b), 70302);
	cr_assert_eq(syn_px_stats(px, 0)[SYN_PX_ST_closed], 1);
	cr_assert_eq(syn_px_flows(px, 0), 1, "lingering");
	for (int i = 0; i < 4; i++)
		syn_px_poll(px, state_of, NULL, now + 1000 * MS, ev, 4);
	cr_assert_eq(syn_px_flows(px, 0), 1);
	for (int i = 0; i < 4; i++)
		syn_px_poll(px, state_of, NULL, now + 3000 * MS, ev, 4);
	cr_assert_eq(syn_px_flows(px, 0), 0);
	cr_assert_eq(syn_px_n_flows(px), 0);
}

Test(proxy, a_forged_ack_creates_nothing)
{
	uint8_t b[512];
	struct syn_px_out out;
	uint32_t g_ts, g_isn = handshake(&sc, 0, T0, &g_ts);

	/* wrong cookie, wrong ISN, another port, a RST */
	size_t len = cseg(b, 1001, g_isn + 2, 0x10, 501, g_ts, 0);
	up(&sc, 0, b, len, b, T0, &out);
	cr_assert_eq(out.act, SYN_PX_DROP);
	cr_assert_eq(out.reason, SYN_PX_ST_cookie_invalid);
	len = cseg(b, 1002, g_isn + 1, 0x10, 501, g_ts, 0);
	up(&sc, 0, b, len, b, T0, &out);
	cr_assert_eq(out.reason, SYN_PX_ST_cookie_invalid);
	len = cseg(b, 1001, g_isn + 1, 0x14, 501, g_ts, 0);
	up(&sc, 0, b, len, b, T0, &out);
	cr_assert_eq(out.act, SYN_PX_DROP);
	cr_assert_eq(out.summon, 0);
	/* too late: the cookie expired */
	len = cseg(b, 1001, g_isn + 1, 0x10, 501, g_ts, 0);
	up(&sc, 0, b, len, b, T0 + 60000 * MS, &out);
	cr_assert_eq(out.reason, SYN_PX_ST_cookie_invalid);
	cr_assert_eq(syn_px_n_flows(px), 0);
	cr_assert_eq(syn_px_stats(px, 0)[SYN_PX_ST_cookie_invalid], 3);
}

Test(proxy, warm_flows_pass_untouched_unless_always)
{
	uint8_t b[512], c[256];
	struct syn_px_out out;
	size_t len = cseg(b, 1000, 0, 0x02, 1, 0, 0);

	memcpy(c, b, len);
	up(&sc, 1, b, len, b, T0, &out);
	cr_assert_eq(out.act, SYN_PX_PASS);
	cr_assert_arr_eq(b, c, len);
	len = cseg(b, 1001, 5, 0x18, 1, 0, 10);
	memcpy(c, b, len);
	up(&sc, 1, b, len, b, T0, &out);
	cr_assert_eq(out.act, SYN_PX_PASS);
	cr_assert_arr_eq(b, c, len);
	len = sseg(b, 1, 1, 0x10, 1, 1, 100, 0);
	syn_px_downlink(px, 0, b, len, T0, &out);
	cr_assert_eq(out.act, SYN_PX_PASS);

	/* proxy = always: READY, and still proof first; then opened at once */
	uint32_t g_isn, g_ts;
	uint8_t h[256];
	uint32_t f = held_flow(&sc_always, 1, T0, &g_isn, &g_ts, h);
	cr_assert_eq(syn_px_stats(px, 0)[SYN_PX_ST_cookie_valid], 1);
	void *pk[4];
	cr_assert_eq(syn_px_take(px, f, pk, 4), 1);
	syn_px_release(px, f);
	cr_assert_eq(syn_px_n_flows(px), 0);
}

Test(proxy, a_failed_or_late_service_gets_the_client_a_rst)
{
	uint8_t b[512], h1[256], h2[256];
	struct syn_px_out out;
	struct syn_px_event ev[4];
	uint32_t g_isn, g_ts;

	uint32_t f = held_flow(&sc, 0, T0, &g_isn, &g_ts, h1);
	size_t len = cseg(h2, 1001, g_isn + 1, 0x18, 502, g_ts, 20);
	up(&sc, 0, h2, len, h2, T0 + 2 * MS, &out);
	cr_assert_eq(out.act, SYN_PX_HELD);
	fake_state = SYN_PX_SVC_FAILED;
	cr_assert_eq(syn_px_poll(px, state_of, NULL, T0 + 5 * MS, ev, 4), 1);
	cr_assert_eq(ev[0].type, SYN_PX_EV_RESET);
	cr_assert_eq(ev[0].reason, SYN_PX_ST_failed);
	int n = syn_px_client_rst(px, f, b, sizeof(b));
	cr_assert_eq(n, 40);
	cr_assert_eq(FLAGS(b), 0x14);
	cr_assert_eq(SEQ(b), g_isn + 1);
	cr_assert_eq(ACK(b), 1021);
	assert_cksums(b);
	void *pk[4];
	cr_assert_eq(syn_px_take(px, f, pk, 4), 2);
	syn_px_release(px, f);
	cr_assert_eq(syn_px_n_flows(px), 0);
	cr_assert_eq(syn_px_poll(px, state_of, NULL, T0 + 6 * MS, ev, 4), 0);

	/* pending_timeout passes while it boots */
	f = held_flow(&sc, 0, T0, &g_isn, &g_ts, h1);
	fake_state = SYN_PX_SVC_WAIT;
	cr_assert_eq(syn_px_poll(px, state_of, NULL, T0 + 4999 * MS, ev, 4), 0);
	cr_assert_eq(syn_px_poll(px, state_of, NULL, T0 + 5002 * MS, ev, 4), 1);
	cr_assert_eq(ev[0].reason, SYN_PX_ST_expired);
	cr_assert_eq(syn_px_take(px, f, pk, 4), 1);
	syn_px_release(px, f);

	/* the service answers the SYN with a RST: the client gets one */
	f = held_flow(&sc_always, 1, T0, &g_isn, &g_ts, h1);
	len = seg(b, SIP, CIP, 80, 40000, 0, 1001, 0x14, 0, NULL, 0, 0);
	syn_px_downlink(px, 0, b, len, T0 + 3 * MS, &out);
	cr_assert_eq(out.act, SYN_PX_FWD_CLIENT);
	cr_assert_eq(out.dead, 1);
	cr_assert_eq(FLAGS(b), 0x14);
	cr_assert_eq(SEQ(b), g_isn + 1);
	uint32_t d;
	memcpy(&d, b + 16, 4);
	cr_assert_eq(d, CIP);
	assert_cksums(b);
	cr_assert_eq(syn_px_take(px, f, pk, 4), 1);
	syn_px_release(px, f);
	cr_assert_eq(syn_px_n_flows(px), 0);
}

Test(proxy, the_client_resets_a_held_flow)
{
	uint8_t b[512], h[256];
	struct syn_px_out out;
	uint32_t g_isn, g_ts;
	uint32_t f = held_flow(&sc, 0, T0, &g_isn, &g_ts, h);
	size_t len = seg(b, CIP, SIP, 40000, 80, 1001, 0, 0x04, 0, NULL, 0, 0);

	up(&sc, 0, b, len, b, T0 + MS, &out);
	cr_assert_eq(out.act, SYN_PX_DROP);
	cr_assert_eq(out.dead, 1);
	cr_assert_eq(out.flow, f);
	void *pk[4];
	cr_assert_eq(syn_px_take(px, f, pk, 4), 1);
	syn_px_release(px, f);
	cr_assert_eq(syn_px_n_flows(px), 0);
	cr_assert_eq(syn_px_held(px), 0);
}

Test(proxy, held_packets_are_bounded_by_max_pending)
{
	uint8_t h[5][256];
	struct syn_px_out out;
	uint32_t g_isn, g_ts;
	uint32_t f = held_flow(&sc, 0, T0, &g_isn, &g_ts, h[0]);

	for (uint32_t i = 1; i < 5; i++) {
		size_t len = cseg(h[i], 1001 + 10 * (i - 1), g_isn + 1, 0x18, 502, g_ts, 10);
		up(&sc, 0, h[i], len, h[i], T0 + 2 * MS, &out);
		if (i < 4) {
			cr_assert_eq(out.act, SYN_PX_HELD, "packet %u", i);
		} else {
			cr_assert_eq(out.act, SYN_PX_DROP);
			cr_assert_eq(out.reason, SYN_PX_ST_overflow);
			cr_assert_eq(out.ack_client, 0, "not acknowledged: the client sends it again");
		}
	}
	void *pk[8];
	cr_assert_eq(syn_px_take(px, f, pk, 8), 4);
	syn_px_release(px, f);
}

Test(proxy, an_idle_established_flow_is_removed)
{
	uint8_t b[512], h[256];
	struct syn_px_out out;
	struct syn_px_event ev[4];
	uint32_t g_isn, g_ts;
	uint32_t f = held_flow(&sc_always, 1, T0, &g_isn, &g_ts, h);
	size_t len = sseg(b, 5000, 1001, 0x12, 1, 501, 100, 0);

	syn_px_downlink(px, 0, b, len, T0 + MS, &out);
	cr_assert_eq(out.replay, 1);
	fake_state = SYN_PX_SVC_READY;
	/* not acknowledged: the replay goes again, at doubling gaps */
	cr_assert_eq(syn_px_poll(px, state_of, NULL, T0 + 100 * MS, ev, 4), 0);
	cr_assert_eq(syn_px_poll(px, state_of, NULL, T0 + 300 * MS, ev, 4), 1);
	cr_assert_eq(ev[0].type, SYN_PX_EV_REPLAY);
	cr_assert_eq(ev[0].flow, f);
	cr_assert_eq(syn_px_poll(px, state_of, NULL, T0 + 500 * MS, ev, 4), 0);
	cr_assert_eq(syn_px_poll(px, state_of, NULL, T0 + 800 * MS, ev, 4), 1);
	cr_assert_eq(ev[0].type, SYN_PX_EV_REPLAY);
	/* never acknowledged: the idle flow is handed back with what it holds */
	cr_assert_eq(syn_px_flows(px, 0), 1);
	unsigned int n = syn_px_poll(px, state_of, NULL, T0 + 61000 * MS, ev, 4);
	cr_assert_geq(n, 1);
	cr_assert_eq(ev[n - 1].type, SYN_PX_EV_END);
	cr_assert_eq(ev[n - 1].flow, f);
	void *pk[2];
	cr_assert_eq(syn_px_take(px, f, pk, 2), 1);
	syn_px_release(px, f);
	cr_assert_eq(syn_px_flows(px, 0), 0);
	cr_assert_eq(syn_px_stats(px, 0)[SYN_PX_ST_idle], 1);
	/* an acknowledged one goes by itself */
	f = held_flow(&sc_always, 1, T0, &g_isn, &g_ts, h);
	len = sseg(b, 5000, 1001, 0x12, 1, 501, 100, 0);
	syn_px_downlink(px, 0, b, len, T0 + MS, &out);
	len = sseg(b, 5001, 1001, 0x10, 2, 501, 100, 0);
	syn_px_downlink(px, 0, b, len, T0 + 2 * MS, &out);
	cr_assert_eq(out.acked, 1);
	cr_assert_eq(syn_px_take_acked(px, f, pk, 2), 1);
	cr_assert_eq(syn_px_poll(px, state_of, NULL, T0 + 70000 * MS, ev, 4), 0);
	cr_assert_eq(syn_px_flows(px, 0), 0);
}

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint32_t
rnd(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return (uint32_t)((rng * 0x2545f4914f6cdd1dull) >> 32);
}

Test(proxy, translation_matches_checksums_computed_whole)
{
	uint8_t b[512];

	for (int it = 0; it < 5000; it++) {
		/* options at odd offsets too: a 3-byte wscale before the TS */
		uint8_t o[40], *q = o;
		int odd = rnd() & 1, sack = rnd() & 1;
		if (odd) {
			*q++ = 3, *q++ = 3, *q++ = 7;
		}
		*q++ = 8, *q++ = 10;
		for (int i = 0; i < 8; i++)
			*q++ = (uint8_t)rnd();
		if (sack) {
			*q++ = 5, *q++ = 18;
			for (int i = 0; i < 16; i++)
				*q++ = (uint8_t)rnd();
		}
		while ((q - o) % 4)
			*q++ = 0;
		size_t len = seg(b, rnd(), rnd(), (uint16_t)rnd(), (uint16_t)rnd(), rnd(), rnd(),
				 (uint8_t)(0x10 | (rnd() & 0x09)), (uint16_t)rnd(), o,
				 (size_t)(q - o), rnd() % 64);
		uint32_t seq = SEQ(b), ack = ACK(b);
		uint32_t sa = rnd(), aa = rnd(), va = rnd(), ea = rnd();
		uint8_t shl = (uint8_t)(rnd() % 8), shr = (uint8_t)(rnd() % 8);
		uint16_t win = WIN(b);
		struct syn_tcp_opts before = opts_of(b);
		cr_assert_eq(syn_px_translate(b, len, sa, aa, va, ea, shl, shr), 0);
		assert_cksums(b);
		cr_assert_eq(SEQ(b), seq + sa);
		cr_assert_eq(ACK(b), ack + aa);
		struct syn_tcp_opts after = opts_of(b);
		cr_assert_eq(after.tsval, before.tsval + va);
		cr_assert_eq(after.tsecr, before.tsecr + ea);
		uint32_t w = ((uint32_t)win << shl) >> shr;
		cr_assert_eq(WIN(b), shl == shr ? win : (w > 65535 ? 65535 : w));
		if (sack)
			cr_assert_eq(after.n_sack, 2);
	}
	/* malformed: refused, untouched */
	size_t len = seg(b, 1, 2, 3, 4, 5, 6, 0x10, 7, (const uint8_t[]){ 8, 12, 0, 0 }, 4, 0);
	uint8_t c[256];
	memcpy(c, b, len);
	cr_assert_eq(syn_px_translate(b, len, 1, 1, 1, 1, 0, 0), -1);
	cr_assert_arr_eq(b, c, len);
}
