/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The frame side of synjitsu's proxy mode: what synjitsu/proxy.c decides on
 * an IPv4 packet, applied to a whole frame (layer 2, routing, counters).
 * Decisions only, as in frame.c: the worker sends, frees and follows up.
 */
#include <string.h>

#include <netinet/in.h>
#include <rte_byteorder.h>
#include <rte_ip.h>

#include "dataplane.h"
#include "pkt.h"

/* The worker counter of each proxy outcome (closed and idle are never a
 * packet's: flows that end so are in the per-service statistics). */
static const uint16_t dp_px_counter[SYN_PX_ST__COUNT] = {
	[SYN_PX_ST_cookie_synack] = DP_C_px_cookie_synack,
	[SYN_PX_ST_cookie_bad_syn] = DP_C_drop_px_bad_syn,
	[SYN_PX_ST_cookie_valid] = DP_C_px_cookie_valid,
	[SYN_PX_ST_cookie_invalid] = DP_C_drop_px_cookie_invalid,
	[SYN_PX_ST_held] = DP_C_px_held,
	[SYN_PX_ST_absorbed] = DP_C_drop_px_absorbed,
	[SYN_PX_ST_out_of_order] = DP_C_drop_px_out_of_order,
	[SYN_PX_ST_overflow] = DP_C_drop_px_overflow,
	[SYN_PX_ST_opened] = DP_C_px_opened,
	[SYN_PX_ST_established] = DP_C_px_established,
	[SYN_PX_ST_translated_up] = DP_C_px_translated_up,
	[SYN_PX_ST_translated_down] = DP_C_px_translated_down,
	[SYN_PX_ST_refused] = DP_C_px_refused,
	[SYN_PX_ST_closed] = DP_C_px_translated_up,
	[SYN_PX_ST_reset] = DP_C_px_reset,
	[SYN_PX_ST_idle] = DP_C_px_translated_up,
	[SYN_PX_ST_expired] = DP_C_px_expired,
	[SYN_PX_ST_failed] = DP_C_px_failed,
	[SYN_PX_ST_bad_segment] = DP_C_drop_px_bad_segment,
};

/* Route to another port: new MACs, TTL decremented with an incremental
 * checksum update (what frame.c's dp_route does, for @p ip_total bytes). */
static int
dp_px_route(uint8_t *frame, uint16_t l2_len, uint16_t ip_total, const struct rte_ether_addr *dst,
	    const struct rte_ether_addr *src, struct dp_verdict *v)
{
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(frame + l2_len);

	if (ip->time_to_live <= 1) {
		v->counter = DP_C_drop_ip_ttl;
		return -1;
	}
	uint32_t ck = ip->hdr_checksum + (uint32_t)rte_cpu_to_be_16(0x0100);
	ip->hdr_checksum = (uint16_t)(ck + (ck >= 0xffff));
	ip->time_to_live--;
	memcpy(frame, dst->addr_bytes, RTE_ETHER_ADDR_LEN);
	memcpy(frame + RTE_ETHER_ADDR_LEN, src->addr_bytes, RTE_ETHER_ADDR_LEN);
	v->len = (uint16_t)(l2_len + ip_total);
	return 0;
}

static inline void
dp_px_follow_ups(const struct syn_px_out *o, struct dp_verdict *v)
{
	v->counter = dp_px_counter[o->reason];
	v->px_flow = o->flow;
	v->px_ack = o->ack_client;
	v->px_open = o->open;
	v->px_replay = o->replay;
	v->px_dead = o->dead;
	v->px_acked = o->acked;
	v->px_summon = o->summon;
}

int
dp_px_uplink(const struct dp_fp_conf *c, struct dp_fp_state *st, uint8_t *frame,
	     const struct dp_pkt *p, uint16_t cap, int ready, struct dp_verdict *v)
{
	struct syn_px_out o;
	uint32_t svc = (uint32_t)v->svc;
	uint8_t *l3 = frame + p->l2_len;

	if (p->is_fragment)
		return 0;
	syn_px_uplink(st->px, &c->cookie_keys, &c->px_svc[svc], svc, ready, l3, p->ip_total,
		      (size_t)cap - p->l2_len, st->pkt, st->now, &o);
	if (o.act == SYN_PX_PASS)
		return 0;
	dp_px_follow_ups(&o, v);
	switch (o.act) {
	case SYN_PX_TX_CLIENT: { /* the cookie SYN-ACK */
		uint16_t tot = (uint16_t)(l3[2] << 8 | l3[3]);
		memcpy(frame, frame + RTE_ETHER_ADDR_LEN, RTE_ETHER_ADDR_LEN);
		memcpy(frame + RTE_ETHER_ADDR_LEN, c->up_mac.addr_bytes, RTE_ETHER_ADDR_LEN);
		v->len = (uint16_t)(p->l2_len + tot);
		v->l2_len = (uint8_t)p->l2_len;
		v->l3_len = sizeof(struct rte_ipv4_hdr);
		v->action = DP_ACT_TX_UPLINK;
		break;
	}
	case SYN_PX_FWD_SERVICE:
		if (c->rt != NULL &&
		    dp_px_route(frame, p->l2_len, p->ip_total, &c->rt[svc].mac, &c->down_mac, v) == 0)
			v->action = DP_ACT_TX_DOWNLINK;
		break;
	case SYN_PX_HELD:
		v->action = DP_ACT_KEPT;
		break;
	default:
		v->action = DP_ACT_DROP;
		break;
	}
	return 1;
}

int
dp_px_downlink(const struct dp_fp_conf *c, struct dp_fp_state *st, uint8_t *frame,
	       const struct dp_pkt *p, struct dp_verdict *v)
{
	struct syn_px_out o;
	uint8_t *l3 = frame + p->l2_len;

	if (p->is_fragment)
		return 0;
	syn_px_downlink(st->px, (uint32_t)v->svc, l3, p->ip_total, st->now, &o);
	if (o.act == SYN_PX_PASS)
		return 0;
	dp_px_follow_ups(&o, v);
	v->action = DP_ACT_DROP;
	if (o.act != SYN_PX_FWD_CLIENT)
		return 1;
	uint32_t dip;
	memcpy(&dip, l3 + 16, 4);
	/* to the client's next hop, from the neighbour table as any routed
	 * reply (dp_downlink_frame): a miss is held while it is asked for */
	uint32_t nh = dp_nexthop(c, dip);
	struct rte_ether_addr dst;
	enum dp_neigh_result nr;
	if (nh == 0 || st->neigh == NULL || nh == c->gw_ip) {
		v->counter = DP_C_drop_no_neigh;
		return 1;
	}
	nr = dp_neigh_lookup(st->neigh, nh, st->now, &dst);
	if (nr == DP_NEIGH_MISS)
		memset(&dst, 0, sizeof(dst)); /* filled in when it is resolved */
	/* the service's RST to the SYN became the client's: a new length */
	uint16_t tot = (uint16_t)(l3[2] << 8 | l3[3]);
	if (dp_px_route(frame, p->l2_len, tot, &dst, &c->up_mac, v) != 0)
		return 1;
	if (nr == DP_NEIGH_MISS) {
		v->action = DP_ACT_NEIGH_HOLD;
		v->counter = DP_C_neigh_held;
		v->nexthop = nh;
		v->solicit = nh;
		return 1;
	}
	if (nr == DP_NEIGH_REFRESH)
		v->solicit = nh;
	v->action = DP_ACT_TX_UPLINK;
	return 1;
}

int
dp_px_own_frame(const struct dp_fp_conf *c, struct dp_fp_state *st, enum dp_px_frame_kind kind,
		uint32_t flow, uint32_t svc, const uint8_t *client_mac, uint8_t *frame,
		uint16_t cap, struct dp_verdict *v)
{
	int n;

	v->action = DP_ACT_DROP;
	v->ol_flags = 0;
	v->event = DP_EV_NONE;
	if (cap < RTE_ETHER_HDR_LEN + 80 || st->px == NULL || c->rt == NULL)
		return -1;
	uint8_t *l3 = frame + RTE_ETHER_HDR_LEN;
	size_t room = (size_t)cap - RTE_ETHER_HDR_LEN;
	if (kind == DP_PX_SERVICE_SYN) {
		memcpy(frame, c->rt[svc].mac.addr_bytes, RTE_ETHER_ADDR_LEN);
		memcpy(frame + RTE_ETHER_ADDR_LEN, c->down_mac.addr_bytes, RTE_ETHER_ADDR_LEN);
		n = syn_px_service_syn(st->px, flow, l3, room, st->now);
		v->action = DP_ACT_TX_DOWNLINK;
		v->counter = DP_C_px_opened;
	} else {
		memcpy(frame, client_mac, RTE_ETHER_ADDR_LEN);
		memcpy(frame + RTE_ETHER_ADDR_LEN, c->up_mac.addr_bytes, RTE_ETHER_ADDR_LEN);
		n = kind == DP_PX_CLIENT_ACK ? syn_px_client_ack(st->px, flow, l3, room)
					     : syn_px_client_rst(st->px, flow, l3, room);
		v->action = DP_ACT_TX_UPLINK;
		v->counter = kind == DP_PX_CLIENT_ACK ? DP_C_px_client_ack : DP_C_px_reset;
	}
	if (n < 0) {
		v->action = DP_ACT_DROP;
		return -1;
	}
	frame[12] = 0x08;
	frame[13] = 0x00;
	v->len = (uint16_t)(RTE_ETHER_HDR_LEN + n);
	v->l2_len = RTE_ETHER_HDR_LEN;
	v->l3_len = sizeof(struct rte_ipv4_hdr);
	return 0;
}

enum syn_px_svc_state
dp_px_state_of(void *arg, uint32_t svc)
{
	const struct dp_fp_conf *c = arg;
	uint32_t s = c->rt ? __atomic_load_n(&c->rt[svc].state, __ATOMIC_ACQUIRE) : DP_SVC_STOPPED;

	return s == DP_SVC_READY ? SYN_PX_SVC_READY
	       : s == DP_SVC_FAILED ? SYN_PX_SVC_FAILED
				   : SYN_PX_SVC_WAIT;
}
