/* SPDX-License-Identifier: BSD-3-Clause */
/* dataplane/frame.c: summoning, routing to and from services, anti-spoofing,
 * isolation and the neighbour table, on plain buffers. */
#include <criterion/criterion.h>

#include <rte_tcp.h>

#include "../../dataplane/dataplane.h"
#include "../../dataplane/pkt.h"
#include "helpers.h"

static const uint8_t gw_mac[6] = { 0x02, 0x4a, 0, 0, 0, 0x01 };
static const uint8_t down_mac[6] = { 0x02, 0x4a, 0, 0, 0, 0x02 };
static const uint8_t cli_mac[6] = { 0x02, 0, 0, 0, 0, 0x02 };
static const uint8_t www_mac[6] = { 0x02, 0x4a, 0, 0, 1, 0x0a };
static const uint8_t api_mac[6] = { 0x02, 0x4a, 0, 0, 1, 0x0b };

static struct dp_svctab *tab;
static struct dp_fp_conf conf;
static struct dp_svc_rt rt[2];
static uint64_t activity[2];
static struct dp_neigh_table *neigh;
static struct dp_fp_state st;

static void
setup(void)
{
	struct dp_svctab_params p = { .max_services = 2, .max_names = 2, .max_zones = 1 };
	uint8_t w[DP_DNS_NAME_MAX];

	tab = dp_svctab_create(&p);
	cr_assert_eq(dp_svctab_add_service(tab, 0, th_ip("10.77.1.10")), 0);
	cr_assert_eq(dp_svctab_add_service(tab, 1, th_ip("10.77.1.11")), 0);
	int l = dp_dns_name_from_text("www.example.org", w, sizeof(w));
	cr_assert_eq(dp_svctab_add_name(tab, 0, w, (size_t)l), 0);
	memset(rt, 0, sizeof(rt));
	memcpy(rt[0].mac.addr_bytes, www_mac, 6);
	memcpy(rt[1].mac.addr_bytes, api_mac, 6);
	memset(&conf, 0, sizeof(conf));
	memcpy(conf.up_mac.addr_bytes, gw_mac, 6);
	memcpy(conf.down_mac.addr_bytes, down_mac, 6);
	conf.gw_ip = th_ip("10.77.0.1");
	conf.dns = (struct dp_dns_conf){ .tab = tab, .ttl = 30, .soa_serial = 1 };
	conf.rt = rt;
	conf.summon_on_syn = 1; /* the configuration's default */
	memset(activity, 0, sizeof(activity));
	struct dp_neigh_params np = { .entries = 64, .reachable = 100000, .stale = 200000,
				      .retry = 100 };
	neigh = dp_neigh_create(&np);
	cr_assert_not_null(neigh);
	st = (struct dp_fp_state){ .now = 1000, .activity = activity, .neigh = neigh,
				   .replay_svc = -1 };
}

static void
teardown(void)
{
	dp_svctab_free(tab);
	dp_neigh_free(neigh);
}

TestSuite(route, .init = setup, .fini = teardown);

static uint16_t
query(uint8_t *f, const char *name, uint16_t qtype)
{
	uint8_t q[512];
	uint16_t ql = th_dns_query(q, name, qtype, 0);

	return th_udp_frame(f, gw_mac, cli_mac, th_ip("10.77.0.2"), th_ip("10.77.0.1"), 40000, 53,
			    q, ql);
}

/* A TCP segment with @flags between @src and @dst. */
static uint16_t
tcp(uint8_t *f, const uint8_t *dmac, const uint8_t *smac, const char *src, const char *dst,
    uint8_t flags, uint8_t ttl)
{
	memcpy(f, dmac, 6);
	memcpy(f + 6, smac, 6);
	th_put16(f + 12, 0x0800);
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(f + 14);
	memset(ip, 0, 40);
	ip->version_ihl = 0x45;
	ip->total_length = htons(40);
	ip->time_to_live = ttl;
	ip->next_proto_id = 6;
	ip->src_addr = th_ip(src);
	ip->dst_addr = th_ip(dst);
	uint8_t *t = f + 34;
	th_put16(t, 40000);
	th_put16(t + 2, 80);
	t[12] = 5 << 4;
	t[13] = flags;
	uint16_t ck = rte_ipv4_udptcp_cksum(ip, t);
	memcpy(t + 16, &ck, 2);
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	memset(f + 54, 0, 6); /* Ethernet padding to 60 */
	return 60;
}

Test(route, a_query_for_a_stopped_service_summons_it_once)
{
	uint8_t f[1500];
	struct dp_verdict v;

	dp_uplink_frame(&conf, &st, f, query(f, "www.example.org", 1), sizeof(f), 0, &v);
	cr_assert_eq(v.counter, DP_C_dns_answer, "answered at once (dns_reply = immediate)");
	cr_assert_eq(v.action, DP_ACT_TX_UPLINK);
	cr_assert_eq(v.event, DP_EV_SUMMON);
	cr_assert_eq(v.svc, 0);
	cr_assert_eq(rt[0].state, DP_SVC_SUMMON_PENDING);
	cr_assert_eq(activity[0], 1000, "the query counts as activity");
	for (int i = 0; i < 100; i++) {
		dp_uplink_frame(&conf, &st, f, query(f, "www.example.org", 1), sizeof(f), 0, &v);
		cr_assert_eq(v.event, DP_EV_NONE, "a flood yields one summon");
	}
	dp_uplink_frame(&conf, &st, f, query(f, "www.example.org", 28), sizeof(f), 0, &v);
	cr_assert_eq(v.event, DP_EV_NONE);
	cr_assert_eq(rt[0].state, DP_SVC_SUMMON_PENDING);
}

Test(route, aaaa_summons_too_and_unknown_names_do_not)
{
	uint8_t f[1500];
	struct dp_verdict v;

	dp_uplink_frame(&conf, &st, f, query(f, "nope.example.org", 1), sizeof(f), 0, &v);
	cr_assert_eq(v.event, DP_EV_NONE);
	dp_uplink_frame(&conf, &st, f, query(f, "www.example.org", 28), sizeof(f), 0, &v);
	cr_assert_eq(v.counter, DP_C_dns_nodata);
	cr_assert_eq(v.event, DP_EV_SUMMON);
}

Test(route, running_or_failed_services_are_not_summoned)
{
	uint8_t f[1500];
	struct dp_verdict v;
	static const uint32_t states[] = { DP_SVC_STARTING, DP_SVC_BOOTED, DP_SVC_READY,
					   DP_SVC_STOPPING, DP_SVC_FAILED };

	for (unsigned int i = 0; i < RTE_DIM(states); i++) {
		rt[0].state = states[i];
		dp_uplink_frame(&conf, &st, f, query(f, "www.example.org", 1), sizeof(f), 0, &v);
		cr_assert_eq(v.event, DP_EV_NONE, "state %s", dp_svc_state_name(states[i]));
		cr_assert_eq(rt[0].state, states[i]);
		cr_assert_eq(v.counter, DP_C_dns_answer);
	}
}

Test(route, a_syn_to_a_stopped_service_summons_it)
{
	uint8_t f[128];
	struct dp_verdict v;

	dp_uplink_frame(&conf, &st, f, tcp(f, gw_mac, cli_mac, "10.77.0.2", "10.77.1.11",
					    RTE_TCP_ACK_FLAG, 64), sizeof(f), 0, &v);
	cr_assert_eq(v.counter, DP_C_drop_svc_not_ready);
	cr_assert_eq(v.event, DP_EV_NONE, "only a SYN asks for a service");
	dp_uplink_frame(&conf, &st, f, tcp(f, gw_mac, cli_mac, "10.77.0.2", "10.77.1.11",
					    RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG, 64), sizeof(f), 0, &v);
	cr_assert_eq(v.event, DP_EV_NONE, "a SYN-ACK does not");
	dp_uplink_frame(&conf, &st, f, tcp(f, gw_mac, cli_mac, "10.77.0.2", "10.77.1.11",
					    RTE_TCP_SYN_FLAG, 64), sizeof(f), 0, &v);
	cr_assert_eq(v.action, DP_ACT_DROP);
	cr_assert_eq(v.counter, DP_C_drop_svc_not_ready);
	cr_assert_eq(v.event, DP_EV_SUMMON);
	cr_assert_eq(v.svc, 1);
	cr_assert_eq(activity[1], 1000);
}

Test(route, traffic_to_a_ready_service_is_routed_down)
{
	uint8_t f[128];
	struct dp_verdict v;
	uint16_t len = tcp(f, gw_mac, cli_mac, "10.77.0.2", "10.77.1.10", RTE_TCP_SYN_FLAG, 64);

	rt[0].state = DP_SVC_READY;
	dp_uplink_frame(&conf, &st, f, len, sizeof(f), 0, &v);
	cr_assert_eq(v.action, DP_ACT_TX_DOWNLINK);
	cr_assert_eq(v.counter, DP_C_forwarded_down);
	cr_assert_eq(v.event, DP_EV_NONE);
	cr_assert_eq(v.len, 54, "Ethernet padding trimmed");
	cr_assert_eq(memcmp(f, www_mac, 6), 0, "to the service's MAC");
	cr_assert_eq(memcmp(f + 6, down_mac, 6), 0, "from the downlink's");
	const struct rte_ipv4_hdr *ip = (const struct rte_ipv4_hdr *)(f + 14);
	cr_assert_eq(ip->time_to_live, 63);
	cr_assert_eq(rte_raw_cksum(ip, 20), 0xffff, "incremental checksum is right");
	struct rte_ether_addr m;
	cr_assert_eq(dp_neigh_lookup(neigh, th_ip("10.77.0.2"), st.now, &m), DP_NEIGH_MISS,
		     "nothing is learned from a packet");
}

Test(route, incremental_checksum_over_every_ttl_and_checksum)
{
	uint8_t f[128];
	struct dp_verdict v;

	rt[0].state = DP_SVC_READY;
	for (unsigned int ttl = 2; ttl < 256; ttl++) {
		for (unsigned int id = 0; id < 65536; id += 251) {
			tcp(f, gw_mac, cli_mac, "10.77.0.2", "10.77.1.10", RTE_TCP_ACK_FLAG,
			    (uint8_t)ttl);
			struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(f + 14);
			ip->packet_id = htons((uint16_t)id);
			ip->hdr_checksum = 0;
			ip->hdr_checksum = rte_ipv4_cksum(ip);
			dp_uplink_frame(&conf, &st, f, 60, sizeof(f), 0, &v);
			cr_assert_eq(v.counter, DP_C_forwarded_down);
			cr_assert_eq(rte_raw_cksum(ip, 20), 0xffff, "ttl %u id %u", ttl, id);
		}
	}
}

Test(route, expiring_ttl_is_dropped)
{
	uint8_t f[128];
	struct dp_verdict v;

	rt[0].state = DP_SVC_READY;
	dp_uplink_frame(&conf, &st, f, tcp(f, gw_mac, cli_mac, "10.77.0.2", "10.77.1.10",
					    RTE_TCP_ACK_FLAG, 1), sizeof(f), 0, &v);
	cr_assert_eq(v.action, DP_ACT_DROP);
	cr_assert_eq(v.counter, DP_C_drop_ip_ttl);
}

/* The client answered our ARP request: its MAC is known. */
static void
learn_client(void)
{
	struct rte_ether_addr m, cm;

	memcpy(cm.addr_bytes, cli_mac, 6);
	rt[0].state = DP_SVC_READY;
	cr_assert_eq(dp_neigh_solicit(neigh, th_ip("10.77.0.2"), st.now, &m), DP_NEIGH_SOL_BCAST);
	cr_assert_eq(dp_neigh_confirm(neigh, th_ip("10.77.0.2"), &cm, st.now), DP_NEIGH_CONFIRMED);
}

Test(route, replies_from_a_service_are_routed_up)
{
	uint8_t f[128];
	struct dp_verdict v;

	learn_client();
	st.now = 2000;
	uint16_t len = tcp(f, down_mac, www_mac, "10.77.1.10", "10.77.0.2",
			   RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG, 64);
	dp_downlink_frame(&conf, &st, f, len, sizeof(f), 0, &v);
	cr_assert_eq(v.action, DP_ACT_TX_UPLINK);
	cr_assert_eq(v.counter, DP_C_forwarded_up);
	cr_assert_eq(v.svc, 0);
	cr_assert_eq(memcmp(f, cli_mac, 6), 0, "to the learned client");
	cr_assert_eq(memcmp(f + 6, gw_mac, 6), 0, "from the uplink's MAC");
	const struct rte_ipv4_hdr *ip = (const struct rte_ipv4_hdr *)(f + 14);
	cr_assert_eq(ip->time_to_live, 63);
	cr_assert_eq(rte_raw_cksum(ip, 20), 0xffff);
	cr_assert_eq(activity[0], 2000, "traffic from the service is activity too");
}

Test(route, replies_to_an_unknown_client_wait_for_arp)
{
	uint8_t f[128];
	struct dp_verdict v;

	dp_downlink_frame(&conf, &st, f, tcp(f, down_mac, www_mac, "10.77.1.10", "10.77.0.9",
					      RTE_TCP_ACK_FLAG, 64), sizeof(f), 0, &v);
	cr_assert_eq(v.action, DP_ACT_NEIGH_HOLD);
	cr_assert_eq(v.counter, DP_C_neigh_held);
	cr_assert_eq(v.nexthop, th_ip("10.77.0.9"));
	cr_assert_eq(v.solicit, th_ip("10.77.0.9"), "an ARP request is asked for");
	cr_assert_eq(memcmp(f + 6, gw_mac, 6), 0, "routed, its destination MAC to come");
}

Test(route, off_subnet_replies_go_to_the_router)
{
	uint8_t f[128];
	struct dp_verdict v;
	struct rte_ether_addr m, rmac = { { 0x02, 0x77, 0, 0, 0, 0xfe } };

	conf.up_net = th_ip("10.77.0.0");
	conf.up_mask = th_ip("255.255.255.0");
	conf.route_ip = th_ip("10.77.0.254");
	learn_client();
	cr_assert_eq(dp_neigh_solicit(neigh, conf.route_ip, st.now, &m), DP_NEIGH_SOL_BCAST);
	cr_assert_eq(dp_neigh_confirm(neigh, conf.route_ip, &rmac, st.now), DP_NEIGH_CONFIRMED);
	dp_downlink_frame(&conf, &st, f, tcp(f, down_mac, www_mac, "10.77.1.10", "192.0.2.9",
					      RTE_TCP_ACK_FLAG, 64), sizeof(f), 0, &v);
	cr_assert_eq(v.action, DP_ACT_TX_UPLINK);
	cr_assert_eq(memcmp(f, rmac.addr_bytes, 6), 0, "to the router");
	dp_downlink_frame(&conf, &st, f, tcp(f, down_mac, www_mac, "10.77.1.10", "10.77.0.2",
					      RTE_TCP_ACK_FLAG, 64), sizeof(f), 0, &v);
	cr_assert_eq(v.action, DP_ACT_TX_UPLINK);
	cr_assert_eq(memcmp(f, cli_mac, 6), 0, "on the subnet: to the client itself");
	conf.route_ip = 0;
	dp_downlink_frame(&conf, &st, f, tcp(f, down_mac, www_mac, "10.77.1.10", "192.0.2.9",
					      RTE_TCP_ACK_FLAG, 64), sizeof(f), 0, &v);
	cr_assert_eq(v.counter, DP_C_drop_no_neigh, "no route");
}

Test(route, spoofed_sources_are_dropped)
{
	uint8_t f[128];
	struct dp_verdict v;

	learn_client();
	/* another service's address from www's MAC */
	dp_downlink_frame(&conf, &st, f, tcp(f, down_mac, www_mac, "10.77.1.11", "10.77.0.2",
					      RTE_TCP_ACK_FLAG, 64), sizeof(f), 0, &v);
	cr_assert_eq(v.counter, DP_C_drop_spoofed);
	/* an address that is no service's */
	dp_downlink_frame(&conf, &st, f, tcp(f, down_mac, www_mac, "10.77.1.99", "10.77.0.2",
					      RTE_TCP_ACK_FLAG, 64), sizeof(f), 0, &v);
	cr_assert_eq(v.counter, DP_C_drop_spoofed);
	cr_assert_eq(v.action, DP_ACT_DROP);
}

Test(route, services_do_not_reach_each_other)
{
	uint8_t f[128];
	struct dp_verdict v;

	dp_downlink_frame(&conf, &st, f, tcp(f, down_mac, www_mac, "10.77.1.10", "10.77.1.11",
					      RTE_TCP_SYN_FLAG, 64), sizeof(f), 0, &v);
	cr_assert_eq(v.action, DP_ACT_DROP);
	cr_assert_eq(v.counter, DP_C_drop_isolation);
}

Test(route, downlink_frames_for_other_macs_are_dropped)
{
	uint8_t f[128];
	struct dp_verdict v;

	learn_client();
	dp_downlink_frame(&conf, &st, f, tcp(f, api_mac, www_mac, "10.77.1.10", "10.77.0.2",
					      RTE_TCP_ACK_FLAG, 64), sizeof(f), 0, &v);
	cr_assert_eq(v.counter, DP_C_drop_l2_not_ours);
}

Test(route, neighbour_learned_from_arp_and_replaced)
{
	uint8_t f[64] = { 0 };
	struct dp_verdict v;
	static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	uint32_t spa = th_ip("10.77.0.7"), tpa = th_ip("10.77.0.1");

	memcpy(f, bcast, 6);
	memcpy(f + 6, cli_mac, 6);
	th_put16(f + 12, 0x0806);
	th_put16(f + 14, 1);
	th_put16(f + 16, 0x0800);
	f[18] = 6;
	f[19] = 4;
	th_put16(f + 20, 1);
	memcpy(f + 22, cli_mac, 6);
	memcpy(f + 28, &spa, 4);
	memcpy(f + 38, &tpa, 4);
	uint8_t req[64];
	memcpy(req, f, sizeof(req));
	dp_uplink_frame(&conf, &st, f, 60, sizeof(f), 0, &v);
	cr_assert_eq(v.counter, DP_C_arp_reply);
	struct rte_ether_addr m;
	cr_assert_eq(dp_neigh_lookup(neigh, spa, st.now, &m), DP_NEIGH_MISS,
		     "a request is not an answer");
	cr_assert_eq(v.solicit, spa, "the gateway asks the requester itself");
	cr_assert_eq(dp_neigh_solicit(neigh, spa, st.now, &m), DP_NEIGH_SOL_BCAST);

	/* its answer: an ARP reply to the gateway's address */
	uint8_t r[64] = { 0 };
	memcpy(r, gw_mac, 6);
	memcpy(r + 6, cli_mac, 6);
	th_put16(r + 12, 0x0806);
	th_put16(r + 14, 1);
	th_put16(r + 16, 0x0800);
	r[18] = 6;
	r[19] = 4;
	th_put16(r + 20, 2);
	memcpy(r + 22, cli_mac, 6);
	memcpy(r + 28, &spa, 4);
	memcpy(r + 32, gw_mac, 6);
	memcpy(r + 38, &tpa, 4);
	memcpy(f, r, sizeof(r));
	dp_uplink_frame(&conf, &st, f, 60, sizeof(f), 0, &v);
	cr_assert_eq(v.action, DP_ACT_DROP);
	cr_assert_eq(v.counter, DP_C_neigh_confirmed);
	cr_assert_eq(dp_neigh_lookup(neigh, spa, st.now, &m), DP_NEIGH_HIT);
	cr_assert_eq(memcmp(m.addr_bytes, cli_mac, 6), 0);

	/* the same reply again, or another MAC's: unsolicited, nothing changes */
	static const uint8_t spoof[6] = { 0x02, 0x66, 0, 0, 0, 0x66 };
	memcpy(r + 6, spoof, 6);
	memcpy(r + 22, spoof, 6);
	memcpy(f, r, sizeof(r));
	dp_uplink_frame(&conf, &st, f, 60, sizeof(f), 0, &v);
	cr_assert_eq(v.counter, DP_C_drop_arp_reply_unsolicited);
	/* a request from another MAC for the client's address: a hint only */
	memcpy(req + 6, spoof, 6);
	memcpy(req + 22, spoof, 6);
	memcpy(f, req, sizeof(req));
	dp_uplink_frame(&conf, &st, f, 60, sizeof(f), 0, &v);
	cr_assert_eq(v.counter, DP_C_arp_reply, "answered: it asked for our address");
	cr_assert_eq(v.solicit, spa, "the known MAC is asked again");
	cr_assert_eq(dp_neigh_lookup(neigh, spa, st.now, &m), DP_NEIGH_HIT);
	cr_assert_eq(memcmp(m.addr_bytes, cli_mac, 6), 0, "the entry keeps the client's MAC");
}

Test(route, without_a_control_plane_nothing_is_summoned_or_routed)
{
	uint8_t f[128];
	struct dp_verdict v;

	conf.rt = NULL;
	dp_uplink_frame(&conf, NULL, f, tcp(f, gw_mac, cli_mac, "10.77.0.2", "10.77.1.10",
					     RTE_TCP_SYN_FLAG, 64), sizeof(f), 0, &v);
	cr_assert_eq(v.counter, DP_C_drop_svc_not_ready);
	cr_assert_eq(v.event, DP_EV_NONE);
	dp_downlink_frame(&conf, NULL, f, tcp(f, down_mac, www_mac, "10.77.1.10", "10.77.0.2",
					       RTE_TCP_ACK_FLAG, 64), sizeof(f), 0, &v);
	cr_assert_eq(v.counter, DP_C_drop_spoofed);
}

Test(route, dns_reply_ready_parks_the_answer_until_ready)
{
	uint8_t f[1500];
	struct dp_verdict v;

	rt[0].dns_when_ready = 1;
	uint16_t len = query(f, "www.example.org", 1);
	dp_uplink_frame(&conf, &st, f, len, sizeof(f), 0, &v);
	cr_assert_eq(v.action, DP_ACT_PARK, "held: the service is not ready");
	cr_assert_eq(v.counter, DP_C_dns_parked);
	cr_assert_eq(v.event, DP_EV_SUMMON, "and it is summoned");
	cr_assert_eq(v.l2_len, 14);
	cr_assert_eq(v.l3_len, 20);
	cr_assert_eq(v.len, len + 16, "the answer is ready to go");
	rt[0].state = DP_SVC_READY;
	dp_uplink_frame(&conf, &st, f, query(f, "www.example.org", 1), sizeof(f), 0, &v);
	cr_assert_eq(v.action, DP_ACT_TX_UPLINK, "a ready service is answered at once");
	rt[0].state = DP_SVC_STARTING;
	dp_uplink_frame(&conf, &st, f, query(f, "nope.example.org", 1), sizeof(f), 0, &v);
	cr_assert_eq(v.action, DP_ACT_TX_UPLINK, "names of no service never wait");
}

Test(route, a_parked_answer_becomes_a_servfail)
{
	uint8_t f[1500];
	struct dp_verdict v;
	uint8_t q[512];
	uint16_t ql = th_dns_query(q, "www.example.org", 1, 1);
	uint16_t len = th_udp_frame(f, gw_mac, cli_mac, th_ip("10.77.0.2"), th_ip("10.77.0.1"),
				    40000, 53, q, ql);

	rt[0].dns_when_ready = 1;
	dp_uplink_frame(&conf, &st, f, len, sizeof(f), 0, &v);
	cr_assert_eq(v.action, DP_ACT_PARK);
	dp_dns_servfail_frame(&conf, f, v.len, v.l2_len, v.l3_len, &v);
	cr_assert_eq(v.action, DP_ACT_TX_UPLINK);
	cr_assert_eq(v.counter, DP_C_dns_servfail);
	const uint8_t *m = f + 42;
	cr_assert_eq(m[3] & 0x0f, 2, "SERVFAIL");
	cr_assert(m[2] & 0x80, "a response");
	cr_assert_not(m[2] & 0x04, "not authoritative");
	cr_assert_eq(th_get16(m + 4), 1, "the question stays");
	cr_assert_eq(th_get16(m + 6) + th_get16(m + 8) + th_get16(m + 10), 0);
	cr_assert_eq(v.len, 42 + 12 + 17 + 4, "header and question only");
	const struct rte_ipv4_hdr *ip = (const struct rte_ipv4_hdr *)(f + 14);
	cr_assert_eq(ntohs(ip->total_length), v.len - 14);
	cr_assert_eq(th_get16(f + 38), v.len - 34);
	cr_assert_eq(rte_raw_cksum(ip, 20), 0xffff);
	cr_assert_eq(memcmp(f, cli_mac, 6), 0, "still to the client");
	uint32_t s = rte_raw_cksum(f + 26, 8) + rte_cpu_to_be_16(17) +
		     rte_cpu_to_be_16((uint16_t)(v.len - 34)) + rte_raw_cksum(f + 34, v.len - 34u);
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	cr_assert_eq(s, 0xffff, "UDP checksum");
}

static struct syn_table *
with_synjitsu(void)
{
	struct syn_params p = { .n_services = 2, .max_pending = 8, .pool = 16, .max_flows = 8 };
	struct syn_table *t = syn_table_create(&p);

	cr_assert_not_null(t);
	st.syn = t;
	st.replay_svc = -1;
	conf.syn_mode = SYN_MODE_BUFFER;
	conf.summon_on_syn = 1;
	return t;
}

Test(route, synjitsu_holds_a_syn_and_summons)
{
	uint8_t f[128];
	struct dp_verdict v;
	struct syn_table *t = with_synjitsu();

	dp_uplink_frame(&conf, &st, f, tcp(f, gw_mac, cli_mac, "10.77.0.2", "10.77.1.10",
					    RTE_TCP_SYN_FLAG, 64), sizeof(f), 0, &v);
	cr_assert_eq(v.action, DP_ACT_HOLD);
	cr_assert_eq(v.event, DP_EV_SUMMON);
	cr_assert_eq(v.svc, 0);
	cr_assert_eq(v.key.src_ip, th_ip("10.77.0.2"));
	cr_assert_eq(v.key.dst_ip, th_ip("10.77.1.10"));
	cr_assert_eq(v.key.sport, 40000);
	cr_assert_eq(v.key.dport, 80);
	cr_assert_eq(v.tcp_flags, RTE_TCP_SYN_FLAG);
	cr_assert_not(v.append);
	cr_assert_eq(memcmp(f, gw_mac, 6), 0, "the frame is held as it came");
	struct rte_ether_addr m;
	cr_assert_eq(dp_neigh_lookup(neigh, th_ip("10.77.0.2"), st.now, &m), DP_NEIGH_MISS,
		     "a SYN teaches nothing");
	conf.summon_on_syn = 0;
	rt[1].state = DP_SVC_STOPPED;
	dp_uplink_frame(&conf, &st, f, tcp(f, gw_mac, cli_mac, "10.77.0.2", "10.77.1.11",
					    RTE_TCP_SYN_FLAG, 64), sizeof(f), 0, &v);
	cr_assert_eq(v.action, DP_ACT_HOLD);
	cr_assert_eq(v.event, DP_EV_NONE, "summon_on_syn = off");
	syn_table_free(t);
}

Test(route, synjitsu_off_drops_and_udp_is_never_held)
{
	uint8_t f[1500];
	struct dp_verdict v;
	struct syn_table *t = with_synjitsu();
	uint8_t pl[4] = { 0 };

	conf.syn_mode = SYN_MODE_OFF;
	dp_uplink_frame(&conf, &st, f, tcp(f, gw_mac, cli_mac, "10.77.0.2", "10.77.1.10",
					    RTE_TCP_SYN_FLAG, 64), sizeof(f), 0, &v);
	cr_assert_eq(v.action, DP_ACT_DROP);
	cr_assert_eq(v.counter, DP_C_drop_svc_not_ready);
	cr_assert_eq(v.event, DP_EV_SUMMON, "off still summons");
	conf.syn_mode = SYN_MODE_BUFFER;
	uint16_t len = th_udp_frame(f, gw_mac, cli_mac, th_ip("10.77.0.2"), th_ip("10.77.1.10"), 1,
				    80, pl, sizeof(pl));
	dp_uplink_frame(&conf, &st, f, len, sizeof(f), 0, &v);
	cr_assert_eq(v.action, DP_ACT_DROP);
	cr_assert_eq(v.counter, DP_C_drop_svc_not_ready);
	syn_table_free(t);
}

Test(route, ready_with_packets_held_queues_behind_them_until_replayed)
{
	uint8_t f[128];
	struct dp_verdict v;
	struct syn_table *t = with_synjitsu();
	struct syn_key k = { th_ip("10.77.0.2"), th_ip("10.77.1.10"), 40000, 80 };
	struct syn_out o[4];

	cr_assert_eq(syn_offer(t, 0, &k, RTE_TCP_SYN_FLAG, 0, (void *)1, 1), SYN_HELD);
	rt[0].state = DP_SVC_READY;
	dp_uplink_frame(&conf, &st, f, tcp(f, gw_mac, cli_mac, "10.77.0.2", "10.77.1.10",
					    RTE_TCP_ACK_FLAG, 64), sizeof(f), 0, &v);
	cr_assert_eq(v.action, DP_ACT_HOLD, "not before what is held");
	cr_assert(v.append);
	st.replay_svc = 0; /* what the worker sets while it replays */
	dp_uplink_frame(&conf, &st, f, tcp(f, gw_mac, cli_mac, "10.77.0.2", "10.77.1.10",
					    RTE_TCP_SYN_FLAG, 64), sizeof(f), 0, &v);
	cr_assert_eq(v.action, DP_ACT_TX_DOWNLINK, "a replayed packet is routed");
	cr_assert_eq(memcmp(f, www_mac, 6), 0);
	st.replay_svc = -1;
	cr_assert_eq(syn_take(t, 0, SYN_ST_replayed, o, 4), 1);
	dp_uplink_frame(&conf, &st, f, tcp(f, gw_mac, cli_mac, "10.77.0.2", "10.77.1.10",
					    RTE_TCP_ACK_FLAG, 64), sizeof(f), 0, &v);
	cr_assert_eq(v.action, DP_ACT_TX_DOWNLINK, "nothing held: straight through");
	syn_table_free(t);
}

Test(route, a_held_syn_becomes_an_rst_to_the_client)
{
	uint8_t f[128];
	struct dp_verdict v;
	uint16_t len = tcp(f, gw_mac, cli_mac, "10.77.0.2", "10.77.1.10", RTE_TCP_SYN_FLAG, 64);
	struct rte_tcp_hdr *t = (struct rte_tcp_hdr *)(f + 34);

	t->sent_seq = htonl(1000);
	t->cksum = 0;
	t->cksum = rte_ipv4_udptcp_cksum((struct rte_ipv4_hdr *)(f + 14), t);
	cr_assert_eq(dp_tcp_rst_frame(&conf, f, len, &v), 0);
	cr_assert_eq(v.action, DP_ACT_TX_UPLINK);
	cr_assert_eq(v.counter, DP_C_syn_reset);
	cr_assert_eq(v.len, 54);
	cr_assert_eq(memcmp(f, cli_mac, 6), 0);
	cr_assert_eq(memcmp(f + 6, gw_mac, 6), 0);
	const struct rte_ipv4_hdr *ip = (const struct rte_ipv4_hdr *)(f + 14);
	cr_assert_eq(ip->src_addr, th_ip("10.77.1.10"), "from the service's address");
	cr_assert_eq(ip->dst_addr, th_ip("10.77.0.2"));
	cr_assert_eq(ntohs(ip->total_length), 40);
	cr_assert_eq(rte_raw_cksum(ip, 20), 0xffff);
	cr_assert_eq(ntohs(t->src_port), 80);
	cr_assert_eq(ntohs(t->dst_port), 40000);
	cr_assert_eq(t->tcp_flags, RTE_TCP_RST_FLAG | RTE_TCP_ACK_FLAG);
	cr_assert_eq(ntohl(t->recv_ack), 1001);
	uint32_t s = rte_raw_cksum(f + 26, 8) + rte_cpu_to_be_16(6) + rte_cpu_to_be_16(20) +
		     rte_raw_cksum(t, 20);
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	cr_assert_eq(s, 0xffff, "TCP checksum");
}

/* ---- the readiness probe (ready = tcp:PORT without a backend probe) ---- */

/* A segment from www's port 80 to the gateway's probe port 50000. */
static uint16_t
probe_reply(uint8_t *f, uint8_t flags, uint32_t ack)
{
	uint16_t len = tcp(f, down_mac, www_mac, "10.77.1.10", "10.77.0.1", flags, 64);
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(f + 14);
	struct rte_tcp_hdr *t = (struct rte_tcp_hdr *)(f + 34);

	t->src_port = htons(80);
	t->dst_port = htons(50000);
	t->sent_seq = htonl(777);
	t->recv_ack = htonl(ack);
	t->cksum = 0;
	t->cksum = rte_ipv4_udptcp_cksum(ip, t);
	return len;
}

static void
probe_on(uint32_t seq)
{
	rt[0].probe_port = htons(80);
	rt[0].probe_sport = htons(50000);
	rt[0].probe_seq = seq;
}

/* A TCP segment without data from the gateway to www, checksums right. */
static const struct rte_tcp_hdr *
assert_to_www(const uint8_t *f, uint16_t len, uint16_t tcp_len)
{
	struct dp_pkt p;

	cr_assert_eq(len, 14 + 20 + tcp_len);
	cr_assert_eq(dp_parse(f, len, 0, &p), DP_PARSE_OK, "the IPv4 header checksum holds");
	cr_assert_eq(memcmp(f, www_mac, 6), 0, "to the service's MAC");
	cr_assert_eq(memcmp(f + 6, down_mac, 6), 0, "from the downlink's");
	cr_assert_eq(p.src_ip, th_ip("10.77.0.1"), "from the gateway's address");
	cr_assert_eq(p.dst_ip, th_ip("10.77.1.10"));
	cr_assert_eq(p.proto, IPPROTO_TCP);
	cr_assert_eq(p.sport, 50000);
	cr_assert_eq(p.dport, 80);
	cr_assert_eq(p.data_len, 0);
	const struct rte_ipv4_hdr *ip = (const struct rte_ipv4_hdr *)(f + 14);
	const struct rte_tcp_hdr *t = (const struct rte_tcp_hdr *)(f + 34);
	cr_assert_eq(rte_ipv4_udptcp_cksum(ip, t), 0, "the TCP checksum holds (sums to 0xffff)");
	return t;
}

Test(route, the_probe_is_a_syn_from_the_gateway_to_the_service_port)
{
	uint8_t f[128];
	struct dp_verdict v;

	probe_on(0x12345678);
	cr_assert_eq(dp_probe_syn_frame(&conf, 0, f, sizeof(f), &v), 0);
	cr_assert_eq(v.action, DP_ACT_TX_DOWNLINK);
	cr_assert_eq(v.counter, DP_C_probe_sent);
	cr_assert_eq(v.ol_flags, 0);
	const struct rte_tcp_hdr *t = assert_to_www(f, v.len, 24);
	cr_assert_eq(t->tcp_flags, RTE_TCP_SYN_FLAG);
	cr_assert_eq(ntohl(t->sent_seq), 0x12345678);
	cr_assert_eq(t->data_off, 6 << 4, "one option: the MSS");
	cr_assert_eq(f[54], 2);
	cr_assert_neq(t->rx_win, 0);
}

Test(route, no_probe_is_written_when_there_is_none_to_send)
{
	uint8_t f[128];
	struct dp_verdict v;

	cr_assert_neq(dp_probe_syn_frame(&conf, 0, f, sizeof(f), &v), 0, "port 0: no probe");
	probe_on(1);
	cr_assert_neq(dp_probe_syn_frame(&conf, 2, f, sizeof(f), &v), 0, "no such service");
	cr_assert_neq(dp_probe_syn_frame(&conf, 0, f, 40, &v), 0, "no room");
	conf.rt = NULL;
	cr_assert_neq(dp_probe_syn_frame(&conf, 0, f, sizeof(f), &v), 0, "no services run");
}

Test(route, the_services_syn_ack_is_reset_and_reported)
{
	uint8_t f[128];
	struct dp_verdict v;

	probe_on(UINT32_MAX); /* the acknowledgment wraps to 0 */
	dp_downlink_frame(&conf, &st, f, probe_reply(f, RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG, 0),
			  sizeof(f), 0, &v);
	cr_assert_eq(v.action, DP_ACT_TX_DOWNLINK);
	cr_assert_eq(v.counter, DP_C_probe_answered);
	cr_assert_eq(v.event, DP_EV_PROBE);
	cr_assert_eq(v.svc, 0);
	const struct rte_tcp_hdr *t = assert_to_www(f, v.len, 20);
	cr_assert_eq(t->tcp_flags, RTE_TCP_RST_FLAG, "a RST alone");
	cr_assert_eq(ntohl(t->sent_seq), 0, "its sequence number: the SYN-ACK's acknowledgment");
}

Test(route, other_segments_to_the_gateway_are_not_answers)
{
	uint8_t f[128];
	struct dp_verdict v;
	const uint8_t synack = RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG;

	dp_downlink_frame(&conf, &st, f, probe_reply(f, synack, 1), sizeof(f), 0, &v);
	cr_assert_eq(v.counter, DP_C_drop_gw_unhandled, "no probe in flight");
	probe_on(41);
	dp_downlink_frame(&conf, &st, f, probe_reply(f, RTE_TCP_RST_FLAG | RTE_TCP_ACK_FLAG, 42),
			  sizeof(f), 0, &v);
	cr_assert_eq(v.action, DP_ACT_DROP);
	cr_assert_eq(v.counter, DP_C_probe_refused, "not listening yet");
	cr_assert_eq(v.event, DP_EV_NONE);
	dp_downlink_frame(&conf, &st, f, probe_reply(f, synack, 43), sizeof(f), 0, &v);
	cr_assert_eq(v.counter, DP_C_drop_gw_unhandled, "another acknowledgment");
	cr_assert_eq(v.event, DP_EV_NONE);
	dp_downlink_frame(&conf, &st, f, probe_reply(f, RTE_TCP_SYN_FLAG, 42), sizeof(f), 0, &v);
	cr_assert_eq(v.counter, DP_C_drop_gw_unhandled, "a SYN without ACK");
	dp_downlink_frame(&conf, &st, f, probe_reply(f, synack | RTE_TCP_FIN_FLAG, 42), sizeof(f),
			  0, &v);
	cr_assert_eq(v.counter, DP_C_drop_gw_unhandled, "a FIN");
	rt[0].probe_sport = htons(50001);
	dp_downlink_frame(&conf, &st, f, probe_reply(f, synack, 42), sizeof(f), 0, &v);
	cr_assert_eq(v.counter, DP_C_drop_gw_unhandled, "to another port of ours");
	cr_assert_eq(v.action, DP_ACT_DROP);
}
