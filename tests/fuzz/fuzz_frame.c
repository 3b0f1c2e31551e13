/* SPDX-License-Identifier: BSD-3-Clause */
/* libFuzzer: whole frames through the uplink and downlink paths (parsing,
 * ARP, DNS, checksums, answers to readiness probes, martians, VLAN tags, the
 * neighbour table's ARP replies and misses), with and without rx checksum
 * flags; and the probe's SYN written into buffers of every size.
 * synjitsu = proxy: a handshake built from the input (its bytes as the SYN's
 * options, the ACK's data, the service's SYN-ACK options and sequence
 * numbers) through the cookie SYN-ACK, the cookie ACK, held data, the SYN to
 * the service, its SYN-ACK, the replay and translated segments both ways;
 * nothing held is lost. */
#include <string.h>

#include <rte_ip.h>
#include <rte_mbuf_core.h>
#include <rte_tcp.h>

#include "../tcpframe.h"
#include "common.h"

#define FZ_ROOM 2048

static const struct rte_ether_addr fz_mac = { { 0x02, 0x70, 0x63, 0x61, 0x70, 0x00 } };
static const uint8_t fz_cli_mac[6] = { 0x02, 0, 0, 0, 0, 0x02 };

/* An untagged IPv4/TCP frame at @p f; checksums right. */
static uint16_t
fz_tcp(uint8_t *f, const uint8_t *dmac, const uint8_t *smac, uint32_t sip, uint32_t dip,
       uint16_t sport, uint16_t dport, uint32_t seq, uint32_t ack, uint8_t flags,
       const uint8_t *opt, size_t olen, const uint8_t *data, size_t dlen)
{
	olen &= ~(size_t)3;
	if (olen > 40)
		olen = 40;
	if (dlen > 1400)
		dlen = 1400;
	return tf_tcp_frame(f, dmac, smac, sip, dip, sport, dport, seq, ack, flags, opt, olen, data,
			    dlen);
}

static void
fz_check(const struct dp_verdict *v, size_t cap)
{
	if (v->action != DP_ACT_DROP && v->action != DP_ACT_KEPT && (v->len == 0 || v->len > cap))
		abort();
	if (v->counter > DP_C__COUNT)
		abort();
}

/* One uplink frame in a buffer of its own, which the proxy may keep. */
static void
fz_up(struct dp_fp_conf *c, struct dp_fp_state *st, const uint8_t *frame, uint16_t len,
      struct dp_verdict *v, uint8_t *out)
{
	uint8_t *b = malloc(FZ_ROOM);

	memcpy(b, frame, len);
	st->pkt = b;
	dp_uplink_frame(c, st, b, len, FZ_ROOM, 0, v);
	fz_check(v, FZ_ROOM);
	if (out != NULL && v->action != DP_ACT_DROP && v->action != DP_ACT_KEPT)
		memcpy(out, b, v->len);
	if (v->px_dead) { /* what the flow held goes */
		void *o[8];
		unsigned int k;
		while ((k = syn_px_take(st->px, v->px_flow, o, 8)) > 0)
			for (unsigned int i = 0; i < k; i++)
				free(o[i]);
		syn_px_release(st->px, v->px_flow);
	}
	if (v->action != DP_ACT_KEPT)
		free(b);
}

static uint32_t
fz_get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void
fz_proxy(const uint8_t *data, size_t size, uint8_t ctl)
{
	static struct dp_svc_rt rt[4];
	static struct dp_neigh_table *neigh;
	struct syn_px_svc pxs[4];
	struct syn_px_params pp = { .n_services = 4, .max_flows = 8, .max_pending = 4, .pool = 16,
				    .hz = 1000000, .pending = 5000000, .idle = 60000000,
				    .linger = 2000000, .retry = 200000 };
	struct dp_fp_conf c = {
		.up_mac = fz_mac,
		.down_mac = fz_mac,
		.gw_ip = htonl(0x0a4d0001u),
		.dns = { .tab = fz_table(), .ttl = 30, .soa_serial = 1 },
		.rt = rt,
		.syn_mode = SYN_MODE_PROXY,
		.px_svc = pxs,
	};
	static const uint8_t key[16] = "fuzzing the key.";
	if (neigh == NULL) { /* the client's MAC known, as the gateway learns one */
		struct dp_neigh_params np = { .entries = 16, .reachable = 1ull << 40,
					      .stale = 1ull << 41, .retry = 200000 };
		struct rte_ether_addr m;
		neigh = dp_neigh_create(&np);
		if (neigh == NULL)
			abort();
		dp_neigh_solicit(neigh, htonl(0x0a4d0002u), 1000000000, &m);
		dp_neigh_confirm(neigh, htonl(0x0a4d0002u), &fz_mac, 1000000000);
	}
	struct dp_fp_state st = { .now = 1000000000, .neigh = neigh, .replay_svc = -1 };
	uint8_t f[FZ_ROOM], g[FZ_ROOM];
	struct dp_verdict v;

	if (size < 16)
		return;
	st.px = syn_px_create(&pp);
	if (st.px == NULL)
		abort();
	syn_cookie_keys_init(&c.cookie_keys, key, 8, 2);
	uint32_t svc = data[2] % 4, sip = htonl(0x0a4d010au + svc), cip = htonl(0xc0000200u | data[3]);
	for (uint32_t i = 0; i < 4; i++) {
		rt[i].state = (ctl & 1) ? DP_SVC_READY : DP_SVC_STARTING;
		rt[i].mac = fz_mac;
		pxs[i] = (struct syn_px_svc){
			.synack = { .mss = 1400, .wscale = data[4] % 16 < 15 ? data[4] % 16 : SYN_COOKIE_NO_WSCALE,
				    .sack_ok = data[4] >> 4 & 1, .ts_ok = data[4] >> 5 & 1, .ttl = 64,
				    .window = 65535 },
			.always = (uint8_t)(ctl >> 1 & 1),
			.mode = SYN_MODE_PROXY,
		};
	}
	uint16_t cport = (uint16_t)(data[5] << 8 | data[6]);
	uint32_t isn = fz_get32(data + 7);
	size_t olen = data[11] % 44;
	const uint8_t *rest = data + 12;
	size_t rlen = size - 12;
	if (olen > rlen)
		olen = rlen;

	/* the SYN, its options from the input */
	uint16_t len = fz_tcp(f, fz_mac.addr_bytes, fz_cli_mac, cip, sip, cport, 80, isn, 0, 0x02,
			      rest, olen, NULL, 0);
	fz_up(&c, &st, f, len, &v, g);
	if (v.counter != DP_C_px_cookie_synack)
		goto out;
	/* the client's ACK to the cookie SYN-ACK, with what follows as data */
	const uint8_t *sa = g + 14 + 20;
	uint32_t cookie = fz_get32(sa + 4);
	struct syn_tcp_opts so;
	uint8_t ts[12] = { 1, 1, 8, 10 };
	if (syn_tcp_opts_parse(sa + 20, (size_t)(sa[12] >> 4) * 4 - 20, &so) != 0)
		abort();
	size_t tl = 0;
	if (so.has_ts) {
		memcpy(ts + 4, data + 7, 4);
		ts[8] = (uint8_t)(so.tsval >> 24), ts[9] = (uint8_t)(so.tsval >> 16);
		ts[10] = (uint8_t)(so.tsval >> 8), ts[11] = (uint8_t)so.tsval;
		tl = 12;
	}
	size_t dlen = rlen - olen > 200 ? 200 : rlen - olen;
	uint8_t fl = (uint8_t)(0x10 | (data[1] & 0x0d)); /* ACK, maybe FIN/RST/PSH */
	len = fz_tcp(f, fz_mac.addr_bytes, fz_cli_mac, cip, sip, cport, 80, isn + 1, cookie + 1, fl,
		     ts, tl, rest + olen, dlen);
	fz_up(&c, &st, f, len, &v, NULL);
	uint32_t flow = v.px_flow;
	if (flow == SYN_PX_NONE)
		goto out;
	/* more data, a retransmission of it */
	for (int i = 0; i < 2; i++) {
		len = fz_tcp(f, fz_mac.addr_bytes, fz_cli_mac, cip, sip, cport, 80,
			     isn + 1 + (uint32_t)dlen, cookie + 1, 0x18, ts, tl, rest, rlen > 100 ? 100 : rlen);
		fz_up(&c, &st, f, len, &v, NULL);
		if (v.px_ack && dp_px_own_frame(&c, &st, DP_PX_CLIENT_ACK, v.px_flow, svc, fz_cli_mac,
						g, FZ_ROOM, &v) == 0 && v.len > FZ_ROOM)
			abort();
	}
	/* the service is READY: the SYN to it, and its SYN-ACK with input options */
	rt[svc].state = DP_SVC_READY;
	struct syn_px_event ev[8];
	unsigned int n = syn_px_poll(st.px, dp_px_state_of, &c, st.now + 1000, ev, 8);
	for (unsigned int i = 0; i < n; i++) {
		if (ev[i].type == SYN_PX_EV_OPEN &&
		    dp_px_own_frame(&c, &st, DP_PX_SERVICE_SYN, ev[i].flow, ev[i].svc, NULL, g, FZ_ROOM,
				    &v) == 0 && (v.len > FZ_ROOM || v.action != DP_ACT_TX_DOWNLINK))
			abort();
	}
	uint32_t s_isn = fz_get32(data + 12 - 4) ^ 0x5a5a5a5a;
	len = fz_tcp(f, fz_cli_mac, fz_mac.addr_bytes, sip, cip, 80, cport, s_isn, isn + 1,
		     (uint8_t)(0x12 | (data[1] & 0x04)), rest, olen, NULL, 0);
	memcpy(g, f, len);
	dp_downlink_frame(&c, &st, g, len, FZ_ROOM, 0, &v);
	fz_check(&v, FZ_ROOM);
	if (v.px_dead) {
		void *o[8];
		unsigned int k;
		while ((k = syn_px_take(st.px, v.px_flow, o, 8)) > 0)
			for (unsigned int i = 0; i < k; i++)
				free(o[i]);
		syn_px_release(st.px, v.px_flow);
	}
	if (v.px_replay) { /* copies go; the originals stay held until acknowledged */
		void *o[8];
		uint32_t fl = v.px_flow;
		unsigned int k;
		for (uint32_t from = 0; (k = syn_px_peek(st.px, fl, from, o, 8)) > 0; from += k) {
			for (unsigned int i = 0; i < k; i++) {
				uint8_t *b = o[i];
				uint16_t bl = (uint16_t)(14 + (b[16] << 8 | b[17]));
				fz_up(&c, &st, b, bl, &v, NULL);
				if (v.px_dead)
					goto out;
			}
		}
	}
	/* a service segment of the flow with the input as options and data, the
	 * input itself both ways */
	len = fz_tcp(f, fz_cli_mac, fz_mac.addr_bytes, sip, cip, 80, cport, s_isn + 1, isn + 1,
		     (uint8_t)(0x10 | (data[1] & 0x0d)), rest, olen, rest, dlen);
	dp_downlink_frame(&c, &st, f, len, FZ_ROOM, 0, &v);
	fz_check(&v, FZ_ROOM);
	if (v.px_acked) {
		void *o[8];
		unsigned int k;
		while ((k = syn_px_take_acked(st.px, v.px_flow, o, 8)) > 0)
			for (unsigned int i = 0; i < k; i++)
				free(o[i]);
	}
	if (size - 1 <= FZ_ROOM) {
		memcpy(f, data + 1, size - 1);
		fz_up(&c, &st, f, (uint16_t)(size - 1), &v, NULL);
		memcpy(f, data + 1, size - 1);
		dp_downlink_frame(&c, &st, f, (uint16_t)(size - 1), FZ_ROOM, 0, &v);
		fz_check(&v, FZ_ROOM);
	}
	syn_px_poll(st.px, dp_px_state_of, &c, st.now + 100000000, ev, 8);
out:;
	/* everything held comes back exactly once */
	void *o[8];
	unsigned int k;
	while ((k = syn_px_take_any(st.px, o, 8)) > 0)
		for (unsigned int i = 0; i < k; i++)
			free(o[i]);
	if (syn_px_held(st.px) != 0)
		abort();
	syn_px_free(st.px);
}

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
		rrl = dp_rrl_init(aligned_alloc(64, (dp_rrl_memsize(8) + 63) / 64 * 64), 8, 0x5eed);
		tcp = dp_dnstcp_init(aligned_alloc(64, (dp_dnstcp_memsize(4) + 63) / 64 * 64), 4, 0x5eed);
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
	if (ctl % 3 == 0) {
		fz_proxy(data, size, ctl);
		return 0;
	}
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
