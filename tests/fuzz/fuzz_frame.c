/* SPDX-License-Identifier: BSD-3-Clause */
/* libFuzzer: whole frames through the uplink and downlink paths (parsing,
 * ARP, DNS, checksums, answers to readiness probes, martians, VLAN tags, the
 * neighbour table's ARP replies and misses), with and without rx checksum
 * flags; and the probe's SYN written into buffers of every size. */
#include <string.h>

#include <rte_mbuf_core.h>

#include "common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct rte_ether_addr mac = { { 0x02, 0x70, 0x63, 0x61, 0x70, 0x00 } };
	struct dp_fp_conf c = {
		.up_mac = mac,
		.down_mac = mac,
		.gw_ip = htonl(0x0a4d0001u),
		.dns = { .tab = fz_table(), .ttl = 30, .soa_serial = 1 },
	};
	struct dp_verdict v;
	static struct dp_svc_rt rt[4];
	static uint64_t activity[4];
	static struct dp_neigh_table *neigh;
	static struct syn_table *syn;
	struct dp_fp_state st = { .now = size, .activity = activity, .neigh = neigh,
				  .replay_svc = -1 };

	if (neigh == NULL) {
		struct dp_neigh_params np = { .entries = 16, .reachable = 64, .stale = 128,
					      .retry = 8 };
		neigh = dp_neigh_create(&np);
	}
	st.neigh = neigh;
	if (syn == NULL) {
		struct syn_params p = { .n_services = 4, .max_pending = 8, .pool = 32, .max_flows = 16 };
		syn = syn_table_create(&p);
	}
	st.syn = syn;
	/* the DNS server's tables: RRL, TCP, forwarding (kept across inputs) */
	static struct dp_rrl *rrl;
	static struct dp_dnstcp *tcp;
	static struct dp_dnsfwd *fwd;
	if (rrl == NULL) {
		rrl = dp_rrl_init(aligned_alloc(64, (dp_rrl_memsize(8) + 63) / 64 * 64), 8);
		tcp = dp_dnstcp_init(aligned_alloc(64, (dp_dnstcp_memsize(4) + 63) / 64 * 64), 4);
		fwd = dp_dnsfwd_init(aligned_alloc(64, (dp_dnsfwd_memsize(4) + 63) / 64 * 64), 4,
				     40000, 1);
	}
	st.rrl = rrl;
	st.dnstcp = tcp;
	st.dnsfwd = fwd;
	dp_rrl_conf_make(&c.rrl, 1000, 24, 2, 1000);
	static const uint8_t key[16] = "0123456789abcdef";
	syn_cookie_keys_init(&c.dnstcp.keys, key, 16, 3);
	c.dnstcp.hz = 1000;
	c.dnstcp.idle = 1000;
	c.dnsfwd.resolver = (size & 1) ? htonl(0x0a630035u) : 0;
	c.flags |= (size & 2) ? DP_F_DNS_SLOW : 0;
	c.dnsfwd.exc_mac = mac;
	c.dnsfwd.timeout = 100;

	if (size < 2 || size > 2048)
		return 0;
	uint8_t ctl = data[0];
	size_t len = size - 1, cap = len + (ctl & 0x3f) * 8;
	c.flags = (ctl & 0x40) ? DP_F_TX_CKSUM_UP | DP_F_EXCEPTION : 0;
	/* services in every state, with the MACs the frames may carry */
	c.rt = rt;
	for (uint32_t i = 0; i < 4; i++) {
		rt[i].state = (ctl + i) % DP_SVC__COUNT;
		rt[i].mac = mac;
		/* a readiness probe in flight (port 80 from 50000, SYN 41) for some */
		rt[i].probe_port = (ctl + i) & 1 ? htons(80) : 0;
		rt[i].probe_sport = htons(50000);
		rt[i].probe_seq = 41;
	}
	uint64_t rx = (ctl & 0x80) ? RTE_MBUF_F_RX_IP_CKSUM_GOOD | RTE_MBUF_F_RX_L4_CKSUM_GOOD : 0;
	uint8_t *f = malloc(cap);
	memcpy(f, data + 1, len);
	c.syn_mode = (ctl & 0x20) ? SYN_MODE_OFF : SYN_MODE_BUFFER;
	c.summon_on_syn = 1;
	/* the uplink's framing and subnet by the control byte too */
	c.up_vlan = (ctl & 0x10) ? 5 : 0;
	if (ctl & 0x08) {
		c.up_net = htonl(0x0a4d0000u);
		c.up_mask = htonl(0xffffff00u);
		c.route_ip = (ctl & 0x04) ? htonl(0x0a4d00feu) : 0;
	}
	struct rte_ether_addr nm;
	dp_neigh_solicit(neigh, htonl(0x0a4d0002u), st.now, &nm); /* a reply may confirm it */
	dp_uplink_frame(&c, &st, f, (uint16_t)len, (uint16_t)cap, rx, &v);
	if (v.solicit != 0)
		dp_neigh_solicit(neigh, v.solicit, st.now, &nm);
	if (v.action == DP_ACT_HOLD) {
		/* hold a token, then take everything back: the table never leaks */
		syn_offer(syn, (uint32_t)v.svc, &v.key, v.tcp_flags, v.append, (void *)1, size);
		struct syn_out o[8];
		while (syn_evicted(syn, o, 8) > 0)
			;
		for (uint32_t s = 0; s < 4; s++)
			while (syn_take(syn, s, SYN_ST_replayed, o, 8) > 0)
				;
		if (syn_held(syn) != 0)
			abort();
	}
	memcpy(f, data + 1, len);
	if (dp_tcp_rst_frame(&c, f, (uint16_t)len, &v) == 0 && (v.len == 0 || v.len > len))
		abort();
	if (v.action != DP_ACT_DROP && (v.len == 0 || v.len > cap))
		abort();
	if (v.counter > DP_C__COUNT || (v.event != DP_EV_NONE && v.svc < 0))
		abort();
	memcpy(f, data + 1, len);
	dp_exception_frame(&c, &st, f, (uint16_t)len, (uint16_t)cap, rx, &v);
	if (v.action != DP_ACT_DROP && (v.len == 0 || v.len > cap))
		abort();
	dp_dnsfwd_expire(fwd, st.now, 100);
	while (dp_dnsfwd_take(&c, &st, f, (uint16_t)cap, &v) == 0)
		if (v.len > cap)
			abort();
	memcpy(f, data + 1, len);
	dp_downlink_frame(&c, &st, f, (uint16_t)len, (uint16_t)cap, rx, &v);
	if (v.action != DP_ACT_DROP && (v.len == 0 || v.len > cap))
		abort();
	if (v.event == DP_EV_PROBE && (v.svc < 0 || v.action != DP_ACT_TX_DOWNLINK))
		abort();
	if (v.action == DP_ACT_NEIGH_HOLD && (v.nexthop == 0 || v.solicit != v.nexthop))
		abort();
	if (v.action == DP_ACT_TX_UPLINK && v.counter == DP_C_forwarded_up && (f[0] & 1))
		abort(); /* never to a multicast MAC */
	if (dp_probe_syn_frame(&c, ctl & 7, f, (uint16_t)cap, &v) == 0 &&
	    (v.len == 0 || v.len > cap))
		abort();
	free(f);
	return 0;
}
