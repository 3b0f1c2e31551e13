/* SPDX-License-Identifier: BSD-3-Clause */
/* libFuzzer: DNS over TCP. Each input is a handshake the harness makes
 * (SYN, then the cookie from the SYN-ACK) followed by segments the input
 * describes: flags, sequence and acknowledgement offsets, data. The
 * connection table persists across inputs (bounded, small), so that split
 * queries, retransmissions, FINs and RSTs of earlier inputs meet later ones;
 * what comes out is checked: within the room, answers that tile the
 * payload, a table never over its size. */
#include <string.h>

#include <rte_ip.h>
#include <rte_tcp.h>

#include "common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct rte_ether_addr mac = { { 0x02, 0x70, 0x63, 0x61, 0x70, 0x00 } };

static uint16_t
fz_seg(uint8_t *f, uint16_t sport, uint32_t seq, uint32_t ack, uint8_t flags, const uint8_t *d,
       uint16_t dlen, int bad_cksum)
{
	memcpy(f, mac.addr_bytes, 6);
	memset(f + 6, 0x22, 6);
	f[6] = 0x02;
	f[12] = 0x08;
	f[13] = 0x00;
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(f + 14);
	memset(ip, 0, sizeof(*ip));
	ip->version_ihl = 0x45;
	ip->total_length = htons((uint16_t)(40 + dlen));
	ip->time_to_live = 64;
	ip->next_proto_id = 6;
	ip->src_addr = htonl(0x0a4d0002u);
	ip->dst_addr = htonl(0x0a4d0001u);
	struct rte_tcp_hdr *t = (struct rte_tcp_hdr *)(ip + 1);
	memset(t, 0, sizeof(*t));
	t->src_port = htons(sport);
	t->dst_port = htons(53);
	t->sent_seq = htonl(seq);
	t->recv_ack = htonl(ack);
	t->data_off = 5 << 4;
	t->tcp_flags = flags;
	t->rx_win = 0xffff;
	if (dlen > 0)
		memcpy(t + 1, d, dlen);
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	t->cksum = (uint16_t)(rte_ipv4_udptcp_cksum(ip, t) ^ (bad_cksum ? 1 : 0));
	return (uint16_t)(54 + dlen);
}

static void
fz_check(const struct dp_verdict *v, const uint8_t *f, uint16_t cap)
{
	if (v->counter > DP_C__COUNT)
		abort();
	if (v->action == DP_ACT_DROP)
		return;
	if (v->action != DP_ACT_TX_UPLINK || v->len < 54 || v->len > cap)
		abort();
	const struct rte_tcp_hdr *t = (const struct rte_tcp_hdr *)(f + 34);
	if (t->tcp_flags & RTE_TCP_SYN_FLAG)
		return;
	/* the payload: whole answers, each with its length */
	unsigned int off = 54;
	while (off < v->len) {
		if (v->len - off < 2)
			abort();
		unsigned int l = (unsigned int)(f[off] << 8 | f[off + 1]);
		if (l < 12 || off + 2 + l > v->len || !(f[off + 4] & 0x80))
			abort();
		off += 2 + l;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct dp_dnstcp *tab;
	static uint64_t now = 1000000;
	static const uint8_t key[16] = "fuzzfuzzfuzzfuzz";
	struct dp_fp_conf c = {
		.up_mac = mac,
		.down_mac = mac,
		.gw_ip = htonl(0x0a4d0001u),
		.dns = { .tab = fz_table(), .ttl = 30, .soa_serial = 1, .tcp_keepalive = 100 },
	};
	uint8_t f[2048];
	struct dp_verdict v;

	if (tab == NULL) {
		tab = aligned_alloc(64, (dp_dnstcp_memsize(8) + 63) / 64 * 64);
		if (tab == NULL)
			abort();
		dp_dnstcp_init(tab, 8, 0x5eed);
	}
	syn_cookie_keys_init(&c.dnstcp.keys, key, 16, 3);
	c.dnstcp.hz = 1000;
	c.dnstcp.idle = 5000;
	struct dp_fp_state st = { .now = now, .replay_svc = -1, .dnstcp = tab };
	if (size < 3)
		return 0;
	uint16_t sport = (uint16_t)(40000 + (data[0] & 0x0f)); /* a few ports meet again */
	uint32_t isn = (uint32_t)data[1] << 24 | 0x123456;
	uint16_t cap = (uint16_t)(600 + (data[2] & 0x7) * 200);
	data += 3;
	size -= 3;

	fz_seg(f, sport, isn, 0, RTE_TCP_SYN_FLAG, NULL, 0, 0);
	dp_uplink_frame(&c, &st, f, 54, cap, 0, &v);
	fz_check(&v, f, cap);
	uint32_t cookie = v.action == DP_ACT_TX_UPLINK ? ntohl(((struct rte_tcp_hdr *)(f + 34))->sent_seq) : 0;
	uint32_t sent = 1;
	/* records: flags, seq delta, ack delta, length, data */
	while (size >= 4) {
		uint8_t fl = data[0], ds = data[1], da = data[2];
		uint16_t l = data[3];
		data += 4;
		size -= 4;
		if (l > size)
			l = (uint16_t)size;
		uint8_t flags = (uint8_t)((fl & 0x1f) | RTE_TCP_ACK_FLAG);
		if ((fl & 0xe0) == 0xe0)
			flags = (uint8_t)(fl & 0x3f); /* anything, ACK or not */
		uint32_t seq = isn + sent + (uint32_t)(int8_t)ds;
		uint32_t ack = cookie + 1 + (uint32_t)da * 16;
		uint16_t len = fz_seg(f, sport, seq, ack, flags, data, l, (fl & 0xe0) == 0xc0);
		dp_uplink_frame(&c, &st, f, len, cap, 0, &v);
		fz_check(&v, f, cap);
		if (ds == 0)
			sent += l;
		data += l;
		size -= l;
		st.now += (fl & 0x20) ? 1000 : 1;
		if (dp_dnstcp_active(tab) > 8)
			abort();
	}
	/* time passes: whatever is idle is closed */
	now = st.now + ((size & 1) ? 10000 : 0);
	struct dp_dnstcp_conn *e;
	while ((e = dp_dnstcp_idle(tab, now, c.dnstcp.idle)) != NULL) {
		if (dp_dnstcp_fin_frame(&c, tab, e, f, sizeof(f), &v) != 0 || v.len != 54)
			abort();
	}
	return 0;
}
