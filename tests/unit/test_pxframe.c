/* SPDX-License-Identifier: BSD-3-Clause */
/* dataplane/pxframe.c: synjitsu = proxy through the frame path, whole
 * Ethernet frames: the cookie SYN-ACK goes back to the client's MAC, the
 * cookie ACK is kept and summons (proven), held data asks for an ACK, the
 * SYN to the service and the replay are addressed to the service's MAC, the
 * service's answers to the client's (learned) MAC, every IPv4 checksum
 * right; a warm service's SYN is forwarded untouched. */
#include <criterion/criterion.h>

#include <rte_ip.h>
#include <rte_tcp.h>

#include "../../dataplane/dataplane.h"
#include "../tcpframe.h"
#include "helpers.h"

static const uint8_t gw_mac[6] = { 0x02, 0x4a, 0, 0, 0, 0x01 };
static const uint8_t down_mac[6] = { 0x02, 0x4a, 0, 0, 0, 0x02 };
static const uint8_t cli_mac[6] = { 0x02, 0, 0, 0, 0, 0x07 };
static const uint8_t svc_mac[6] = { 0x02, 0x4a, 0, 0, 1, 0x0a };
static const uint8_t key[16] = "pxframe test key";

static struct dp_svctab *tab;
static struct dp_fp_conf c;
static struct dp_fp_state st;
static struct dp_svc_rt rt[2];
static struct syn_px_svc pxs[2];
static struct dp_neigh_table *neigh;

static void
setup(void)
{
	tab = th_www_table();
	memset(&c, 0, sizeof(c));
	memset(rt, 0, sizeof(rt));
	memcpy(c.up_mac.addr_bytes, gw_mac, 6);
	memcpy(c.down_mac.addr_bytes, down_mac, 6);
	c.gw_ip = th_ip("10.77.0.1");
	c.dns = (struct dp_dns_conf){ .tab = tab, .ttl = 30, .soa_serial = 1 };
	c.rt = rt;
	memcpy(rt[0].mac.addr_bytes, svc_mac, 6);
	rt[0].state = DP_SVC_STOPPED;
	c.syn_mode = SYN_MODE_PROXY;
	for (int i = 0; i < 2; i++)
		pxs[i] = (struct syn_px_svc){
			.synack = { .mss = 1460, .wscale = 7, .sack_ok = 1, .ts_ok = 1, .ttl = 64,
				    .window = 65535 },
			.mode = SYN_MODE_PROXY,
		};
	c.px_svc = pxs;
	syn_cookie_keys_init(&c.cookie_keys, key, 8, 2);
	struct syn_px_params p = { .n_services = 2, .max_flows = 8, .max_pending = 8, .pool = 16,
				   .hz = 1000000, .pending = 5000000, .idle = 60000000,
				   .linger = 2000000, .retry = 200000 };
	/* the client's MAC is known the way the gateway learns one: it asked
	 * (dp_neigh_solicit) and the client answered (dp_neigh_confirm) */
	struct dp_neigh_params np = { .entries = 64, .reachable = 1000000000000ull,
				      .stale = 2000000000000ull, .retry = 200000 };
	neigh = dp_neigh_create(&np);
	cr_assert_not_null(neigh);
	struct rte_ether_addr m, cm;
	memcpy(cm.addr_bytes, cli_mac, 6);
	dp_neigh_solicit(neigh, th_ip("10.77.0.2"), 1000000000, &m);
	cr_assert_eq(dp_neigh_confirm(neigh, th_ip("10.77.0.2"), &cm, 1000000000), DP_NEIGH_CONFIRMED);
	st = (struct dp_fp_state){ .now = 1000000000, .neigh = neigh, .replay_svc = -1 };
	st.px = syn_px_create(&p);
	cr_assert_not_null(st.px);
}

static void
teardown(void)
{
	void *o[16];
	while (syn_px_take_any(st.px, o, 16) > 0)
		;
	syn_px_free(st.px);
	dp_neigh_free(neigh);
	dp_svctab_free(tab);
}

TestSuite(pxframe, .init = setup, .fini = teardown);

static void
assert_frame(const uint8_t *f, const uint8_t *dmac, const uint8_t *smac)
{
	const struct rte_ipv4_hdr *ip = (const struct rte_ipv4_hdr *)(f + 14);

	cr_assert_arr_eq(f, dmac, 6, "destination MAC");
	cr_assert_arr_eq(f + 6, smac, 6, "source MAC");
	cr_assert_eq(rte_raw_cksum(ip, 20), 0xffff, "IP checksum");
	uint16_t tl = (uint16_t)(ntohs(ip->total_length) - 20);
	uint32_t sum = rte_raw_cksum(f + 26, 8) + rte_cpu_to_be_16(6) + rte_cpu_to_be_16(tl) +
		       rte_raw_cksum(f + 34, tl);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	cr_assert_eq(sum, 0xffff, "TCP checksum");
}

#define CIP th_ip("10.77.0.2")
#define SIP th_ip("10.77.1.10")

static uint32_t
get32(const uint8_t *p)
{
	return (uint32_t)th_get16(p) << 16 | th_get16(p + 2);
}

Test(pxframe, a_cold_flow_through_the_frame_path)
{
	uint8_t f[512], g[512];
	struct dp_verdict v;
	const uint8_t ts[12] = { 1, 1, 8, 10, 0, 0, 0, 5, 0, 0, 0, 0 };

	/* the SYN: a cookie SYN-ACK to the client's MAC, no summon */
	uint16_t len = tf_tcp_frame(f, gw_mac, cli_mac, CIP, SIP, 40000, 80, 1000, 0, 0x02, ts, 12,
			NULL, 0);
	dp_uplink_frame(&c, &st, f, len, sizeof(f), 0, &v);
	cr_assert_eq(v.action, DP_ACT_TX_UPLINK);
	cr_assert_eq(v.counter, DP_C_px_cookie_synack);
	cr_assert_eq(v.event, DP_EV_NONE);
	assert_frame(f, cli_mac, gw_mac);
	cr_assert_eq(f[47], 0x12);
	uint32_t cookie = get32(f + 38);
	uint8_t ack_ts[12] = { 1, 1, 8, 10, 0, 0, 0, 6 };
	memcpy(ack_ts + 8, f + 54 + 8, 4); /* TSecr = the SYN-ACK's TSval (after MSS, SACK) */

	/* the ACK: kept, the service summoned as proven */
	len = tf_tcp_frame(f, gw_mac, cli_mac, CIP, SIP, 40000, 80, 1001, cookie + 1, 0x10, ack_ts,
			12, NULL, 0);
	st.pkt = f;
	dp_uplink_frame(&c, &st, f, len, sizeof(f), 0, &v);
	cr_assert_eq(v.action, DP_ACT_KEPT);
	cr_assert_eq(v.counter, DP_C_px_cookie_valid);
	cr_assert_eq(v.event, DP_EV_SUMMON);
	cr_assert_eq(rt[0].state, DP_SVC_SUMMON_PENDING);
	uint32_t flow = v.px_flow;

	/* data: kept, and an ACK to the client */
	uint8_t d[512];
	len = tf_tcp_frame(d, gw_mac, cli_mac, CIP, SIP, 40000, 80, 1001, cookie + 1, 0x18, ack_ts,
			12, NULL, 50);
	st.pkt = d;
	dp_uplink_frame(&c, &st, d, len, sizeof(d), 0, &v);
	cr_assert_eq(v.action, DP_ACT_KEPT);
	cr_assert_eq(v.px_ack, 1);
	cr_assert_eq(dp_px_own_frame(&c, &st, DP_PX_CLIENT_ACK, flow, 0, cli_mac, g, sizeof(g), &v), 0);
	cr_assert_eq(v.action, DP_ACT_TX_UPLINK);
	cr_assert_eq(v.counter, DP_C_px_client_ack);
	assert_frame(g, cli_mac, gw_mac);
	cr_assert_eq(get32(g + 42), 1051);

	/* READY: the SYN to the service's MAC */
	rt[0].state = DP_SVC_READY;
	struct syn_px_event ev[4];
	cr_assert_eq(syn_px_poll(st.px, dp_px_state_of, &c, st.now, ev, 4), 1);
	cr_assert_eq(dp_px_own_frame(&c, &st, DP_PX_SERVICE_SYN, ev[0].flow, 0, NULL, g, sizeof(g),
				     &v), 0);
	cr_assert_eq(v.action, DP_ACT_TX_DOWNLINK);
	assert_frame(g, svc_mac, down_mac);
	cr_assert_eq(get32(g + 38), 1000, "the client's ISN");

	/* the service's SYN-ACK: taken, the replay asked for */
	len = tf_tcp_frame(g, down_mac, svc_mac, SIP, CIP, 80, 40000, 777000, 1001, 0x12, ts, 12,
			NULL, 0);
	dp_downlink_frame(&c, &st, g, len, sizeof(g), 0, &v);
	cr_assert_eq(v.action, DP_ACT_DROP);
	cr_assert_eq(v.counter, DP_C_px_established);
	cr_assert_eq(v.px_replay, 1);
	void *held[4];
	uint8_t cp[2][512];
	cr_assert_eq(syn_px_peek(st.px, flow, 0, held, 4), 2);
	cr_assert_eq(held[0], f);
	for (int i = 0; i < 2; i++) {
		uint8_t *h = cp[i];
		uint16_t hl = (uint16_t)(14 + th_get16((uint8_t *)held[i] + 16));
		memcpy(h, held[i], hl);
		dp_uplink_frame(&c, &st, h, hl, 512, 0, &v);
		cr_assert_eq(v.action, DP_ACT_TX_DOWNLINK);
		cr_assert_eq(v.counter, DP_C_px_translated_up);
		assert_frame(h, svc_mac, down_mac);
		cr_assert_eq(h[22], 63, "TTL decremented");
		cr_assert_eq(get32(h + 42), 777001, "acknowledges the service's ISN");
	}

	/* the service's answer: translated, to the client's learned MAC */
	len = tf_tcp_frame(g, down_mac, svc_mac, SIP, CIP, 80, 40000, 777001, 1051, 0x18, ts, 12,
			NULL, 100);
	dp_downlink_frame(&c, &st, g, len, sizeof(g), 0, &v);
	cr_assert_eq(v.action, DP_ACT_TX_UPLINK);
	cr_assert_eq(v.counter, DP_C_px_translated_down);
	assert_frame(g, cli_mac, gw_mac);
	cr_assert_eq(get32(g + 38), cookie + 1);
	cr_assert_eq(v.len, len);
	cr_assert_eq(v.px_acked, 1, "it acknowledges the replay");
	cr_assert_eq(syn_px_take_acked(st.px, flow, held, 4), 2);
}

Test(pxframe, a_warm_service_is_not_proxied)
{
	uint8_t f[512];
	struct dp_verdict v;

	rt[0].state = DP_SVC_READY;
	uint16_t len = tf_tcp_frame(f, gw_mac, cli_mac, CIP, SIP, 40000, 80, 1000, 0, 0x02, NULL, 0,
			NULL, 0);
	dp_uplink_frame(&c, &st, f, len, sizeof(f), 0, &v);
	cr_assert_eq(v.action, DP_ACT_TX_DOWNLINK);
	cr_assert_eq(v.counter, DP_C_forwarded_down);
	cr_assert_eq(get32(f + 38), 1000, "untouched");
	/* with proxy = always, it is */
	pxs[0].always = 1;
	len = tf_tcp_frame(f, gw_mac, cli_mac, CIP, SIP, 40000, 80, 1000, 0, 0x02, NULL, 0, NULL,
			0);
	dp_uplink_frame(&c, &st, f, len, sizeof(f), 0, &v);
	cr_assert_eq(v.counter, DP_C_px_cookie_synack);
	/* a service in buffer mode is not proxied, the gateway's mode aside */
	pxs[0].always = 0;
	pxs[0].mode = SYN_MODE_BUFFER;
	rt[0].state = DP_SVC_STARTING;
	len = tf_tcp_frame(f, gw_mac, cli_mac, CIP, SIP, 40000, 80, 1000, 0, 0x02, NULL, 0, NULL,
			0);
	dp_uplink_frame(&c, &st, f, len, sizeof(f), 0, &v);
	cr_assert_neq(v.counter, DP_C_px_cookie_synack);
}
