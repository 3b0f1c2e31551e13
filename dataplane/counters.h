/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * The dataplane's counters: one X-macro list yields the enum, the names shown
 * in telemetry and the kind of each counter. Every drop has its own counter.
 */
#ifndef JITSU_DP_COUNTERS_H
#define JITSU_DP_COUNTERS_H

#include <stdint.h>

/* X(name, kind): kind is PKT (traffic seen or sent), OUT (an outcome that
 * answered or forwarded something) or DROP (a packet freed without being
 * sent: the reason is the name). event_ring_full counts summons that could
 * not be posted (the service stays STOPPED and the next packet retries).
 * The probe_* counters are the readiness probes (ready = tcp:PORT): SYNs sent,
 * SYN-ACKs answered with a RST (the service is ready), RSTs from a service
 * not listening yet. arp_announce counts the gratuitous ARPs sent at start;
 * no_mbuf the frames of the gateway's own (probes, announcements) not made
 * for want of an mbuf (a probe is asked for again on the next round).
 * budget_refused_* count summons a budget refused (synjitsu/budget.h), by
 * limit: the packet itself is still answered or held. px_* are synjitsu's
 * proxy mode (synjitsu/proxy.h): cookie SYN-ACKs, cookie-valid ACKs (flows),
 * held packets, SYNs to services, flows established, segments translated,
 * the service's RST to the SYN, flows reset / expired / failed (a RST to the
 * client), ACKs of held data sent to clients; drop_px_flow_ended counts the
 * held packets of a flow that ended before its service came.
 * budget_refused_no_cookie: dns_summon = cookie, a query without a valid
 * server cookie. dns_cookie_*: queries with a client cookie only (a server
 * cookie given), with a valid server cookie, with one not ours or too old
 * (a new one given); a malformed COOKIE is a FORMERR (dns_formerr). */
#define DP_COUNTERS(X)                                                        \
	X(rx_uplink, PKT)                                                     \
	X(rx_downlink, PKT)                                                   \
	X(rx_exception, PKT)                                                  \
	X(tx_uplink, PKT)                                                     \
	X(tx_downlink, PKT)                                                   \
	X(tx_exception, PKT)                                                  \
	X(arp_reply, OUT)                                                     \
	X(arp_announce, OUT)                                                  \
	X(dns_answer, OUT)                                                    \
	X(dns_nodata, OUT)                                                    \
	X(dns_nxdomain, OUT)                                                  \
	X(dns_refused, OUT)                                                   \
	X(dns_formerr, OUT)                                                   \
	X(dns_badvers, OUT)                                                   \
	X(dns_parked, OUT)                                                    \
	X(dns_released, OUT)                                                  \
	X(dns_servfail, OUT)                                                  \
	X(dns_park_full, PKT)                                                 \
	X(exception_forwarded, OUT)                                           \
	X(drop_tx_full, DROP)                                                 \
	X(drop_multiseg, DROP)                                                \
	X(drop_runt, DROP)                                                    \
	X(drop_vlan_nested, DROP)                                             \
	X(drop_l2_not_ours, DROP)                                             \
	X(drop_l3_proto, DROP)                                                \
	X(drop_arp_malformed, DROP)                                           \
	X(drop_arp_not_request, DROP)                                         \
	X(drop_arp_not_ours, DROP)                                            \
	X(drop_arp_gratuitous, DROP)                                          \
	X(drop_ip_malformed, DROP)                                            \
	X(drop_ip_cksum, DROP)                                                \
	X(drop_ip_fragment, DROP)                                             \
	X(drop_ip_options, DROP)                                              \
	X(drop_ip_not_ours, DROP)                                             \
	X(drop_udp_malformed, DROP)                                           \
	X(drop_udp_cksum, DROP)                                               \
	X(drop_tcp_malformed, DROP)                                           \
	X(drop_gw_unhandled, DROP)                                            \
	X(forwarded_down, OUT)                                                \
	X(forwarded_up, OUT)                                                  \
	X(summons, OUT)                                                       \
	X(syn_held, OUT)                                                      \
	X(syn_replayed, OUT)                                                  \
	X(syn_reset, OUT)                                                     \
	X(drop_syn_duplicate, DROP)                                           \
	X(drop_syn_overflow, DROP)                                            \
	X(drop_syn_expired, DROP)                                             \
	X(drop_syn_client_reset, DROP)                                        \
	X(drop_syn_failed, DROP)                                              \
	X(drop_svc_not_ready, DROP)                                           \
	X(drop_ip_ttl, DROP)                                                  \
	X(drop_spoofed, DROP)                                                 \
	X(drop_isolation, DROP)                                               \
	X(drop_no_neigh, DROP)                                                \
	X(drop_dns_short, DROP)                                               \
	X(drop_dns_response, DROP)                                            \
	X(drop_dns_opcode, DROP)                                              \
	X(drop_dns_no_room, DROP)                                             \
	X(event_ring_full, PKT)                                               \
	X(probe_sent, OUT)                                                    \
	X(probe_answered, OUT)                                                \
	X(probe_refused, OUT)                                                 \
	X(no_mbuf, PKT)                                                 \
	X(drop_parked_at_exit, DROP)                                          \
	X(drop_syn_evicted, DROP)                                             \
	X(drop_martian, DROP)                                                 \
	X(drop_vlan_tagged, DROP)                                             \
	X(drop_dns_fragment, DROP)                                            \
	X(drop_neigh_held_full, DROP)                                         \
	X(drop_neigh_unresolved, DROP)                                        \
	X(neigh_held, OUT)                                                    \
	X(neigh_released, OUT)                                                \
	X(arp_request_sent, OUT)                                              \
	X(neigh_confirmed, OUT)                                               \
	X(neigh_table_full, PKT)                                              \
	X(drop_arp_reply_unsolicited, DROP)                                   \
	X(arp_request_limited, PKT) \
	X(dns_notimp, OUT)                                                    \
	X(dns_truncated, OUT)                                                 \
	X(dns_rrl_slip, OUT)                                                  \
	X(drop_dns_rrl, DROP)                                                 \
	X(dns_forwarded, OUT)                                                 \
	X(dns_fwd_relayed, OUT)                                               \
	X(dns_fwd_expired, PKT)                                               \
	X(drop_dns_fwd_full, DROP)                                            \
	X(drop_dns_fwd_unknown, DROP)                                         \
	X(dns_tcp_synack, OUT)                                                \
	X(dns_tcp_answer, OUT)                                                \
	X(dns_tcp_held, OUT)                                                  \
	X(dns_tcp_fin, OUT)                                                   \
	X(dns_tcp_rst, OUT)                                                   \
	X(dns_tcp_ack, OUT)                                                   \
	X(dns_tcp_open, PKT)                                                  \
	X(dns_tcp_expired, OUT)                                               \
	X(drop_dns_tcp_ctl, DROP)                                             \
	X(drop_dns_tcp_cookie, DROP)                                          \
	X(drop_dns_tcp_full, DROP)                                            \
	X(drop_dns_tcp_bad, DROP) \
	X(budget_refused_prefix, PKT)                                         \
	X(budget_refused_service, PKT)                                        \
	X(budget_refused_global, PKT)                                         \
	X(budget_refused_no_cookie, PKT)                                      \
	X(px_cookie_synack, OUT)                                              \
	X(drop_px_bad_syn, DROP)                                              \
	X(px_cookie_valid, OUT)                                               \
	X(drop_px_cookie_invalid, DROP)                                       \
	X(px_held, OUT)                                                       \
	X(drop_px_absorbed, DROP)                                             \
	X(drop_px_out_of_order, DROP)                                         \
	X(drop_px_overflow, DROP)                                             \
	X(px_opened, OUT)                                                     \
	X(px_established, OUT)                                                \
	X(px_translated_up, OUT)                                              \
	X(px_translated_down, OUT)                                            \
	X(px_refused, OUT)                                                    \
	X(px_reset, OUT)                                                      \
	X(px_expired, OUT)                                                    \
	X(px_failed, OUT)                                                     \
	X(drop_px_bad_segment, DROP)                                          \
	X(px_client_ack, OUT)                                                 \
	X(drop_px_flow_ended, DROP)                                           \
	X(dns_cookie_new, OUT)                                                \
	X(dns_cookie_valid, OUT)                                              \
	X(dns_cookie_invalid, OUT)

enum dp_counter {
#define DP_COUNTER_ENUM(name, kind) DP_C_##name,
	DP_COUNTERS(DP_COUNTER_ENUM)
#undef DP_COUNTER_ENUM
	DP_C__COUNT
};

enum dp_counter_kind {
	DP_CK_PKT,
	DP_CK_OUT,
	DP_CK_DROP,
};

/** Name of a counter as shown in telemetry, or NULL past the end. */
const char *dp_counter_name(unsigned int id);

/** Kind of a counter (traffic, outcome, drop). */
enum dp_counter_kind dp_counter_kind(unsigned int id);

/**
 * One worker's counters. The worker is the only writer; readers (telemetry,
 * the control plane) load each word relaxed and sum across workers.
 */
struct dp_counters {
	uint64_t v[DP_C__COUNT];
};

/* Single writer: a relaxed load and store is enough (no lock prefix), and it
 * keeps concurrent readers free of torn or formally racy reads. */
static inline void
dp_count_add(struct dp_counters *c, enum dp_counter id, uint64_t n)
{
	__atomic_store_n(&c->v[id], __atomic_load_n(&c->v[id], __ATOMIC_RELAXED) + n,
			 __ATOMIC_RELAXED);
}

static inline void
dp_count(struct dp_counters *c, enum dp_counter id)
{
	dp_count_add(c, id, 1);
}

/** Add a worker's counters into @p sum (relaxed loads). */
void dp_counters_accumulate(struct dp_counters *sum, const struct dp_counters *c);

/** Total of all counters of kind DROP. */
uint64_t dp_counters_drops(const struct dp_counters *c);

#endif
