/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * synjitsu = proxy's cost per packet on the fast path, without ports or EAL:
 * one thread runs dp_uplink_frame() / dp_downlink_frame() on a copy of a
 * frame, in batches, and prints the fastest batch's nanoseconds per packet
 * for each path:
 *
 *   fwd_up     a data segment of a warm, unproxied flow to a READY service
 *              (forwarded untouched: what translation is compared with)
 *   warm_up    the same to a proxied service that has proxied flows (looked
 *              up in the proxy's flow index first, not found: forwarded)
 *   px_up      the same segment of an established proxied flow (the
 *              acknowledgement and the timestamp echo translated, checksums
 *              incrementally; the client's sequence numbers need none, the
 *              service got the client's ISN)
 *   fwd_down   the service's answer of a warm flow, to the client's MAC
 *   px_down    the same of a proxied flow
 *   cookie     a SYN from a new source each time, answered with a cookie
 *              SYN-ACK (what a spoofed flood costs)
 *
 *   px_micro [BATCHES] [PACKETS] [PATH]   (PATH: one of the above, or all)
 *
 * bench/px_micro.sh builds it and also counts instructions per packet under
 * callgrind (the same on a busy machine).
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_ip.h>
#include <rte_tcp.h>

#include "dataplane/dataplane.h"
#include "tests/tcpframe.h"

static const uint8_t gw_mac[6] = { 0x02, 0x4a, 0, 0, 0, 0x01 };
static const uint8_t down_mac[6] = { 0x02, 0x4a, 0, 0, 0, 0x02 };
static const uint8_t cli_mac[6] = { 0x02, 0, 0, 0, 0, 0x07 };
static const uint8_t svc_mac[2][6] = { { 0x02, 0x4a, 0, 0, 1, 0x0a },
				       { 0x02, 0x4a, 0, 0, 1, 0x0b } };
static const uint8_t ts[12] = { 1, 1, 8, 10, 0, 0, 0, 5, 0, 0, 0, 0 };

#define CIP htonl(0x0a4d0002)
#define SIP0 htonl(0x0a4d010a) /* proxied */
#define SIP1 htonl(0x0a4d010b) /* buffer mode, READY: forwarded untouched */
#define DATA 64                /* payload bytes of a data segment */

static uint32_t
get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void
die(const char *what)
{
	fprintf(stderr, "px_micro: %s\n", what);
	exit(1);
}

static struct dp_fp_conf c;
static struct dp_fp_state st;
static struct dp_svc_rt rt[2];
static struct syn_px_svc pxs[2];

static void
setup(void)
{
	struct dp_svctab_params prm = { .max_services = 2, .max_names = 2, .max_zones = 1 };
	struct dp_svctab *t = dp_svctab_create(&prm);
	static const uint8_t key[16] = "px_micro bench k";

	if (t == NULL || dp_svctab_add_service(t, 0, SIP0) < 0 || dp_svctab_add_service(t, 1, SIP1) < 0)
		die("service table");
	memcpy(c.up_mac.addr_bytes, gw_mac, 6);
	memcpy(c.down_mac.addr_bytes, down_mac, 6);
	c.gw_ip = htonl(0x0a4d0001);
	c.dns = (struct dp_dns_conf){ .tab = t, .ttl = 30, .soa_serial = 1 };
	c.rt = rt;
	for (int i = 0; i < 2; i++) {
		memcpy(rt[i].mac.addr_bytes, svc_mac[i], 6);
		pxs[i] = (struct syn_px_svc){
			.synack = { .mss = 1460, .wscale = 7, .sack_ok = 1, .ts_ok = 1, .ttl = 64,
				    .window = 65535 },
			.mode = i == 0 ? SYN_MODE_PROXY : SYN_MODE_BUFFER,
		};
	}
	rt[0].state = DP_SVC_STOPPED;
	rt[1].state = DP_SVC_READY;
	c.syn_mode = SYN_MODE_PROXY;
	c.px_svc = pxs;
	syn_cookie_keys_init(&c.cookie_keys, key, 8, 2);
	struct syn_px_params p = { .n_services = 2, .max_flows = 1024, .max_pending = 8, .pool = 16,
				   .hz = 1000000, .pending = 5000000, .idle = 1000000000000ull,
				   .linger = 2000000, .retry = 200000, .hash_seed = 0x5eed };
	struct dp_neigh_params np = { .entries = 64, .reachable = 1000000000000ull,
				      .stale = 2000000000000ull, .retry = 200000 };
	struct dp_neigh_table *neigh = dp_neigh_create(&np);
	struct rte_ether_addr m, cm;
	if (neigh == NULL)
		die("neighbour table");
	memcpy(cm.addr_bytes, cli_mac, 6);
	dp_neigh_solicit(neigh, CIP, 1000000000, &m);
	if (dp_neigh_confirm(neigh, CIP, &cm, 1000000000) != DP_NEIGH_CONFIRMED)
		die("neighbour");
	st = (struct dp_fp_state){ .now = 1000000000, .neigh = neigh, .replay_svc = -1 };
	st.px = syn_px_create(&p);
	if (st.px == NULL)
		die("proxy table");
}

/* one proxied flow through its handshake, as test_pxframe drives it; its
 * client's ISN 1000, the service's 777000; returns the cookie */
static uint32_t
establish(void)
{
	static uint8_t f[512], g[512];
	struct dp_verdict v;

	uint16_t len = tf_tcp_frame(f, gw_mac, cli_mac, CIP, SIP0, 40000, 80, 1000, 0, 0x02, ts, 12,
			NULL, 0);
	dp_uplink_frame(&c, &st, f, len, sizeof(f), 0, &v);
	if (v.counter != DP_C_px_cookie_synack)
		die("no cookie SYN-ACK");
	uint32_t cookie = get32(f + 38);
	uint8_t ack_ts[12] = { 1, 1, 8, 10, 0, 0, 0, 6 };
	memcpy(ack_ts + 8, f + 54 + 8, 4);
	len = tf_tcp_frame(f, gw_mac, cli_mac, CIP, SIP0, 40000, 80, 1001, cookie + 1, 0x10, ack_ts,
			12, NULL, 0);
	st.pkt = f;
	dp_uplink_frame(&c, &st, f, len, sizeof(f), 0, &v);
	if (v.counter != DP_C_px_cookie_valid)
		die("cookie ACK refused");
	uint32_t flow = v.px_flow;
	rt[0].state = DP_SVC_READY;
	struct syn_px_event ev[4];
	if (syn_px_poll(st.px, dp_px_state_of, &c, st.now, ev, 4) != 1 ||
	    dp_px_own_frame(&c, &st, DP_PX_SERVICE_SYN, ev[0].flow, 0, NULL, g, sizeof(g), &v) != 0)
		die("no SYN to the service");
	len = tf_tcp_frame(g, down_mac, svc_mac[0], SIP0, CIP, 80, 40000, 777000, 1001, 0x12, ts,
			12, NULL, 0);
	dp_downlink_frame(&c, &st, g, len, sizeof(g), 0, &v);
	if (v.counter != DP_C_px_established)
		die("not established");
	void *held[4]; /* the held ACK: not replayed here */
	while (syn_px_take(st.px, flow, held, 4) > 0)
		;
	return cookie;
}

enum path { P_FWD_UP, P_WARM_UP, P_PX_UP, P_FWD_DOWN, P_PX_DOWN, P_COOKIE, P__COUNT };
static const char *const path_names[P__COUNT] = { "fwd_up",   "warm_up", "px_up",
						  "fwd_down", "px_down", "cookie" };
static const unsigned int path_counter[P__COUNT] = {
	DP_C_forwarded_down,	 DP_C_forwarded_down,	  DP_C_px_translated_up,
	DP_C_forwarded_up,	 DP_C_px_translated_down, DP_C_px_cookie_synack,
};

int
main(int argc, char **argv)
{
	int batches = argc > 1 ? atoi(argv[1]) : 20;
	long n = argc > 2 ? atol(argv[2]) : 1000000;
	const char *only = argc > 3 ? argv[3] : "all";
	static uint8_t tmpl[P__COUNT][256], f[2048];
	uint16_t tl[P__COUNT];

	setup();
	uint32_t cookie = establish();
	/* the client's data after the handshake; the service's answer */
	tl[P_FWD_UP] = tf_tcp_frame(tmpl[P_FWD_UP], gw_mac, cli_mac, CIP, SIP1, 40001, 80, 5001,
			9001, 0x18, ts, 12, NULL, DATA);
	tl[P_WARM_UP] = tf_tcp_frame(tmpl[P_WARM_UP], gw_mac, cli_mac, CIP, SIP0, 40009, 80, 5001,
				     9001, 0x18, ts, 12, NULL, DATA);
	tl[P_PX_UP] = tf_tcp_frame(tmpl[P_PX_UP], gw_mac, cli_mac, CIP, SIP0, 40000, 80, 1001,
			cookie + 1, 0x18, ts, 12, NULL, DATA);
	tl[P_FWD_DOWN] = tf_tcp_frame(tmpl[P_FWD_DOWN], down_mac, svc_mac[1], SIP1, CIP, 80, 40001,
			9001, 5001, 0x18, ts, 12, NULL, DATA);
	tl[P_PX_DOWN] = tf_tcp_frame(tmpl[P_PX_DOWN], down_mac, svc_mac[0], SIP0, CIP, 80, 40000,
			777001, 1001, 0x18, ts, 12, NULL, DATA);
	tl[P_COOKIE] = tf_tcp_frame(tmpl[P_COOKIE], gw_mac, cli_mac, CIP, SIP0, 40002, 80, 3000, 0,
			0x02, ts, 12, NULL, 0);
	{ /* the SYN's IP ID and source's low half sum to 0xfff0 (see below) */
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(tmpl[P_COOKIE] + 14);
		ip->packet_id = htons(0xfff0 - 2);
		ip->hdr_checksum = 0;
		ip->hdr_checksum = rte_ipv4_cksum(ip);
	}

	for (int p = 0; p < P__COUNT; p++) {
		if (strcmp(only, "all") != 0 && strcmp(only, path_names[p]) != 0)
			continue;
		rt[0].state = p == P_COOKIE ? DP_SVC_STOPPED : DP_SVC_READY;
		double best = 1e18;
		unsigned long good = 0, bad = 0;
		uint32_t src = 0;
		for (int b = 0; b < batches; b++) {
			struct timespec t0, t1;
			clock_gettime(CLOCK_MONOTONIC, &t0);
			for (long i = 0; i < n; i++) {
				struct dp_verdict v;
				memcpy(f, tmpl[p], tl[p]);
				if (p == P_COOKIE) {
					/* a new source each time, as a spoofed flood: its
					 * low half x, the IP ID 0xfff0 - x, so that the
					 * header's checksum stays right */
					uint16_t x = (uint16_t)(src++ % 0xfd00 + 0x200);
					uint16_t id = (uint16_t)(0xfff0 - x);
					f[28] = (uint8_t)(x >> 8);
					f[29] = (uint8_t)x;
					f[18] = (uint8_t)(id >> 8);
					f[19] = (uint8_t)id;
				}
				if (p == P_FWD_DOWN || p == P_PX_DOWN)
					dp_downlink_frame(&c, &st, f, tl[p], sizeof(f), 0, &v);
				else
					dp_uplink_frame(&c, &st, f, tl[p], sizeof(f), 0, &v);
				good += v.counter == path_counter[p];
				if (v.counter != path_counter[p] && bad++ < 3)
					fprintf(stderr, "px_micro: %s: packet %ld: counter %s, action %d\n",
						path_names[p], i, dp_counter_name(v.counter), (int)v.action);
			}
			clock_gettime(CLOCK_MONOTONIC, &t1);
			double ns = ((double)(t1.tv_sec - t0.tv_sec) * 1e9 +
				     (double)(t1.tv_nsec - t0.tv_nsec)) / (double)n;
			if (ns < best)
				best = ns;
		}
		if (good != (unsigned long)batches * (unsigned long)n) {
			fprintf(stderr, "px_micro: %s: %lu of %ld packets took the path\n", path_names[p],
				good, (long)batches * n);
			return 1;
		}
		printf("px_micro: %-8s %.1f ns a packet (fastest of %d batches of %ld)\n", path_names[p],
		       best, batches, n);
	}
	return 0;
}
