/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * The dataplane: per-frame decisions on plain byte buffers (ARP, DNS,
 * forwarding) and the worker loop that applies them to mbuf bursts.
 *
 * The frame functions decide and rewrite; they never send, count or log. The
 * worker glue turns each verdict into a transmit or a counted drop, so the
 * whole fast path is unit-tested without ports or EAL.
 */
#ifndef JITSU_DATAPLANE_H
#define JITSU_DATAPLANE_H

#include <stdint.h>

#include <rte_ether.h>

#include "../synjitsu/budget.h"
#include "../synjitsu/proxy.h"
#include "../synjitsu/synjitsu.h"
#include "counters.h"
#include "dns.h"
#include "neigh.h"
#include "rrl.h"
#include "dnstcp.h"
#include "dnsfwd.h"
#include "svctab.h"

#define DP_PORT_NONE UINT16_MAX

/** Flags of struct dp_fp_conf. */
#define DP_F_TX_CKSUM_UP 0x1   /**< uplink computes IPv4/UDP checksums on tx */
#define DP_F_TX_CKSUM_DOWN 0x2 /**< downlink computes IPv4/UDP checksums on tx */
#define DP_F_EXCEPTION 0x4     /**< an exception port takes what we do not handle */
#define DP_F_CYCLES 0x8        /**< measure cycles per packet per path (costs ~2 rdtsc) */
#define DP_F_DNS_SLOW 0x10     /**< RRL or forwarding is on: the UDP answer looks further */

/** Paths whose cycles per packet are measured (with DP_F_CYCLES). */
#define DP_PATHS(X) X(arp) X(dns) X(fwd_down) X(fwd_up) X(syn) X(drop) X(other)

enum dp_path {
#define DP_PATH_ENUM(name) DP_PATH_##name,
	DP_PATHS(DP_PATH_ENUM)
#undef DP_PATH_ENUM
	DP_PATH__COUNT
};

/** Name of a path. */
const char *dp_path_name(unsigned int p);

/** Cycles spent per path, and packets: one per worker, the worker writes. */
struct dp_cycles {
	uint64_t cycles[DP_PATH__COUNT];
	uint64_t packets[DP_PATH__COUNT];
};

/**
 * Service states (DESIGN.md section 5). The control plane writes them with
 * release stores; workers read them with acquire loads. The one write a
 * worker makes is the STOPPED -> SUMMON_PENDING compare-and-swap that elects
 * the packet that summons, so a flood yields one summon.
 */
enum dp_svc_state {
	DP_SVC_STOPPED = 0,
	DP_SVC_SUMMON_PENDING,
	DP_SVC_STARTING,
	DP_SVC_BOOTED,
	DP_SVC_READY,
	DP_SVC_STOPPING,
	DP_SVC_FAILED,
	DP_SVC__COUNT
};

/** Name of a state ("stopped", "ready", ...). */
const char *dp_svc_state_name(unsigned int state);

/**
 * A service's shared run-time record, one cache line each. The probe_* words
 * describe the readiness probe (ready = tcp:PORT, DESIGN.md section 5): the
 * control plane sets them before it asks a worker to send the probe's SYN
 * (dp_worker_params.probes) and clears probe_port once the service is READY;
 * a worker that sees the service's SYN-ACK to that SYN resets the connection
 * and posts DP_EV_PROBE. Workers load them relaxed: the sequence number is
 * the cookie, a stale or torn read only fails to match.
 */
struct dp_svc_rt {
	uint32_t state;             /**< enum dp_svc_state */
	struct rte_ether_addr mac;  /**< the service's own MAC on the downlink */
	uint8_t dns_when_ready;     /**< dns_reply = ready: answers wait for READY */
	uint16_t probe_port;        /**< the service's port, network order; 0: no probe */
	uint16_t probe_sport;       /**< the probe's source port, network order */
	uint32_t probe_seq;         /**< the probe SYN's sequence number, host order */
} __rte_cache_aligned;

/** Events a worker posts to the control plane (one per summon, not per packet). */
enum dp_event_type {
	DP_EV_NONE = 0,
	DP_EV_SUMMON,   /**< a worker won STOPPED -> SUMMON_PENDING */
	DP_EV_PROBE,    /**< the service answered its readiness probe (SYN-ACK) */
};

/** What the fast path knows; each worker keeps its own copy. */
struct dp_fp_conf {
	struct rte_ether_addr up_mac;   /**< our MAC on the uplink */
	struct rte_ether_addr down_mac; /**< our MAC on the downlink */
	uint32_t gw_ip;                 /**< gateway/DNS address, network order */
	uint32_t flags;                 /**< DP_F_* */
	struct dp_dns_conf dns;         /**< service table, TTL, SOA serial */
	struct dp_svc_rt *rt;           /**< by service id; NULL: no service runs */
	uint64_t park_tsc;              /**< how long an answer may wait (dns_reply = ready) */
	uint64_t pending_tsc;           /**< how long synjitsu holds a packet */
	uint8_t syn_mode;               /**< enum syn_mode */
	uint8_t summon_on_syn;          /**< a SYN to a stopped service summons it */
	uint16_t up_vlan;               /**< the uplink's 802.1Q VLAN id; 0: untagged only */
	uint32_t up_net;                /**< the uplink's subnet (network order): next hops */
	uint32_t up_mask;               /**< its mask; 0: every address is on the link */
	uint32_t route_ip;              /**< the router for the rest; 0: none */
	struct dp_rrl_conf rrl;         /**< response rate limiting (interval 0: off) */
	struct dp_dnstcp_conf dnstcp;   /**< DNS over TCP: cookie keys, idle timeout */
	struct dp_dnsfwd_conf dnsfwd;   /**< forwarding of foreign names (resolver 0: off) */
	struct syn_budget *budget;      /**< summon budgets (shared by the workers), or NULL */
	struct syn_budget_conf budget_conf; /**< their limits */
	/** synjitsu = proxy: by service id, each service's mode (it may differ
	 *  from syn_mode) and SYN-ACK options; NULL: syn_mode for all */
	const struct syn_px_svc *px_svc;
	struct syn_cookie_keys cookie_keys; /**< current and previous (rotated on reload) */
	uint64_t px_idle_tsc;           /**< how long a proxied flow may be silent */
	uint64_t tsc_hz;                /**< TSC ticks a second (DNS cookies' clock) */
	uint8_t dns_summon;             /**< enum dp_dns_summon */
};

/** What a DNS query needs to summon (dns_summon). */
enum dp_dns_summon {
	DP_DNS_SUMMON_BUDGET = 0, /**< a valid server cookie, or within the budgets */
	DP_DNS_SUMMON_COOKIE,     /**< a valid server cookie only */
	DP_DNS_SUMMON_ALWAYS,     /**< any query (no budget) */
};

/** A worker's own mutable state, passed to the frame functions. */
struct dp_fp_state {
	uint64_t now;            /**< TSC of the current burst */
	uint64_t *activity;      /**< last-seen TSC by service id, or NULL */
	struct dp_neigh_table *neigh; /**< the uplink's next hops (shared), or NULL */
	struct syn_table *syn;   /**< held SYNs (synjitsu = buffer), or NULL */
	int replay_svc;          /**< the service being replayed: its packets pass */
	struct dp_rrl *rrl;      /**< RRL buckets by source prefix, or NULL */
	struct dp_dnstcp *dnstcp; /**< DNS-over-TCP connections, or NULL: TCP/53 not served */
	struct dp_dnsfwd *dnsfwd; /**< forwarded queries in flight, or NULL */
	struct syn_proxy *px;    /**< proxied flows (synjitsu = proxy), or NULL */
	void *pkt;               /**< the packet being decided: what the proxy keeps */
};

/** Where a frame goes once decided. */
enum dp_action {
	DP_ACT_DROP = 0,
	DP_ACT_TX_UPLINK,
	DP_ACT_TX_DOWNLINK,
	DP_ACT_TX_EXCEPTION,
	DP_ACT_PARK,        /**< an answer that waits for its service (dns_reply = ready) */
	DP_ACT_HOLD,        /**< a TCP packet for synjitsu to hold (syn_offer()) */
	DP_ACT_NEIGH_HOLD,  /**< routed to the uplink, its next hop (@nexthop) unresolved */
	DP_ACT_KEPT,        /**< the proxy kept the packet (st->pkt): not to free */
};

/** Decision for one frame, plus what the transmit side must know. */
struct dp_verdict {
	enum dp_action action;
	unsigned int counter; /**< outcome to count, or the drop reason */
	int svc;              /**< service concerned, or DP_SVC_NONE */
	uint16_t len;         /**< frame length after rewriting */
	uint8_t l2_len;       /**< for tx checksum offload */
	uint8_t l3_len;
	uint8_t event;        /**< enum dp_event_type to post for @svc */
	uint8_t tcp_flags;    /**< DP_ACT_HOLD: the packet's TCP flags */
	uint8_t append;       /**< DP_ACT_HOLD: the service is READY, keep the order */
	struct syn_key key;   /**< DP_ACT_HOLD: its flow */
	uint64_t ol_flags;    /**< tx offload flags to set, 0 when none */
	uint32_t nexthop;     /**< DP_ACT_NEIGH_HOLD: the next hop (network order) */
	uint32_t solicit;     /**< a neighbour to ask for (dp_neigh_solicit()), 0: none */
	uint8_t refused;      /**< enum syn_budget_verdict: a summon the budget refused */
	uint8_t px_ack;       /**< proxy: send the client the ACK of flow @px_flow */
	uint8_t px_open;      /**< proxy: send the service the SYN of @px_flow */
	uint8_t px_replay;    /**< proxy: @px_flow is established, replay what it holds */
	uint8_t px_dead;      /**< proxy: @px_flow ended, free what it holds */
	uint8_t px_acked;     /**< proxy: the service acknowledged replayed packets: free them */
	uint8_t px_summon;    /**< proxy: the client proved its address (summon, proven) */
	uint8_t dnsck;        /**< enum dp_dnsck: the query's DNS cookie */
	uint32_t px_flow;     /**< SYN_PX_NONE when none */
};

/**
 * Decide what to do with a frame received on the uplink, rewriting it in
 * place when it is answered (ARP, DNS). @p cap is the room in the buffer.
 * @p rx_ol_flags are the mbuf's rx flags (checksums already checked).
 */
void dp_uplink_frame(const struct dp_fp_conf *c, struct dp_fp_state *st, uint8_t *frame,
		     uint16_t len, uint16_t cap, uint64_t rx_ol_flags, struct dp_verdict *v);

/** Same for a frame received on the downlink (the services' side). */
void dp_downlink_frame(const struct dp_fp_conf *c, struct dp_fp_state *st, uint8_t *frame,
		       uint16_t len, uint16_t cap, uint64_t rx_ol_flags, struct dp_verdict *v);

/**
 * Turn a DNS answer frame built by dp_uplink_frame() (addresses already
 * swapped) into a SERVFAIL for the same question: the service it waited for
 * failed or did not come up in time. @p l2_len and @p l3_len locate the UDP
 * header. The verdict gets the new length and tx offload flags.
 */
void dp_dns_servfail_frame(const struct dp_fp_conf *c, uint8_t *frame, uint16_t len,
			   uint8_t l2_len, uint8_t l3_len, struct dp_verdict *v);

/**
 * Turn a held TCP SYN from a client (as received on the uplink) into the
 * RST|ACK that refuses it, to the client, in place: the service it waited
 * for failed. @return 0 with the verdict set, or the drop counter.
 */
unsigned int dp_tcp_rst_frame(const struct dp_fp_conf *c, uint8_t *frame, uint16_t len,
			      struct dp_verdict *v);

/**
 * Write into @p frame (room for @p cap bytes) the readiness probe of service
 * @p svc: a SYN from the gateway's address to the service's address and
 * probe port, from our downlink MAC to the service's, as its dp_svc_rt says.
 * @return 0 with the verdict set (DP_ACT_TX_DOWNLINK, length, no offload),
 *         or -1 when there is none to send (no such service, or READY
 *         meanwhile) or no room; nothing is lost then.
 */
int dp_probe_syn_frame(const struct dp_fp_conf *c, uint32_t svc, uint8_t *frame,
				uint16_t cap, struct dp_verdict *v);

#define DP_GARP_LEN 60 /**< a gratuitous ARP, padded to the Ethernet minimum */

/**
 * Write at @p frame (DP_GARP_LEN bytes) a gratuitous ARP that announces
 * @p ip (network order) at @p mac: a broadcast request whose sender and
 * target addresses are both @p ip, which updates the entry a neighbour
 * already has (RFC 5227 section 3). @return its length.
 */
uint16_t dp_garp_frame(uint8_t *frame, const struct rte_ether_addr *mac, uint32_t ip);

/**
 * Whether an IPv4 source address (network order) received on the uplink is
 * a martian: 0/8, 127/8, multicast (224/4), reserved (240/4, the limited
 * broadcast), the gateway's own or a service's address.
 */
int dp_martian_src(const struct dp_fp_conf *c, uint32_t src);
struct dp_pkt;

/**
 * synjitsu = proxy (dataplane/pxframe.c): a client's TCP packet @p p to
 * service @p v->svc, whose state is READY when @p ready. @return 1 with the
 * verdict set (answer, translated forward, kept, drop, and the follow-ups in
 * v->px_*), or 0 when it is not the proxy's (go on as without it).
 */
int dp_px_uplink(const struct dp_fp_conf *c, struct dp_fp_state *st, uint8_t *frame,
		 const struct dp_pkt *p, uint16_t cap, int ready, struct dp_verdict *v);

/** The same for a service's TCP packet @p p (from service @p v->svc). */
int dp_px_downlink(const struct dp_fp_conf *c, struct dp_fp_state *st, uint8_t *frame,
		   const struct dp_pkt *p, struct dp_verdict *v);

/** Frames the proxy sends of its own. */
enum dp_px_frame_kind {
	DP_PX_CLIENT_ACK, /**< the ACK of what a held flow holds, to the client */
	DP_PX_CLIENT_RST, /**< the RST|ACK that ends a held flow, to the client */
	DP_PX_SERVICE_SYN, /**< the SYN that opens the flow to its service */
};

/**
 * Write into @p frame (@p cap bytes) the frame @p kind of flow @p flow of
 * service @p svc; @p client_mac is where the client's frames come from.
 * @return 0 with the verdict set (port, length, counter), or -1.
 */
int dp_px_own_frame(const struct dp_fp_conf *c, struct dp_fp_state *st,
		    enum dp_px_frame_kind kind, uint32_t flow, uint32_t svc,
		    const uint8_t *client_mac, uint8_t *frame, uint16_t cap, struct dp_verdict *v);

/** Service states for syn_px_poll(): @p arg is the dp_fp_conf. */
enum syn_px_svc_state dp_px_state_of(void *arg, uint32_t svc);

/** The next hop of a destination on the uplink (network order), 0: no route. */
static inline uint32_t
dp_nexthop(const struct dp_fp_conf *c, uint32_t dst)
{
	return (dst & c->up_mask) == c->up_net ? dst : c->route_ip;
}

/**
 * Answer an ARP request for @p gw_ip or (when @p tab is not NULL) any
 * service address, in place, as @p mac. @p l2_len is the Ethernet header
 * length (VLAN tag kept).
 * @return 0 when the frame is now the reply, or the drop counter.
 */
unsigned int dp_arp_respond(uint8_t *frame, uint16_t l2_len, const struct rte_ether_addr *mac,
			    uint32_t gw_ip, const struct dp_svctab *tab);

struct dp_worker;
struct rte_mempool;
struct rte_rcu_qsbr;

/** Ports and queue of one worker. */
struct dp_worker_params {
	unsigned int lcore;
	uint16_t queue;          /**< rx and tx queue on every port */
	uint16_t uplink;
	uint16_t downlink;
	uint16_t exception;      /**< DP_PORT_NONE when there is none */
	/** Where the control plane publishes the fast path's configuration: the
	 *  worker copies it when the pointer changes (a reload), and reports a
	 *  quiescent state on @qsv after each round, so that the control plane
	 *  knows when the old one is no longer read (RCU). */
	const struct dp_fp_conf *const *live;
	struct rte_rcu_qsbr *qsv;  /**< QSBR variable; thread id = @queue */
	const uint32_t *quit;    /**< the worker returns when it reads non-zero */
	struct rte_ring *events; /**< multi-producer ring of events to the control plane */
	int event_fd;            /**< eventfd written after each posted event, or -1 */
	/** Readiness probes to send (service ids, from the control plane; single
	 *  producer, single consumer): one worker gets it, the others NULL. */
	struct rte_ring *probes;
	struct rte_mempool *pool; /**< where the probes' mbufs come from */
	/** Announce at start, with gratuitous ARPs, the gateway's address on
	 *  both ports and the services' on the uplink (proxy ARP): neighbours
	 *  that knew another MAC for them (an earlier run's) learn ours. */
	uint8_t announce;
	struct syn_params syn;   /**< sizes of the synjitsu table (n_services 0: none) */
	struct dp_neigh_table *neigh; /**< the uplink's next hops, shared; NULL: none */
	uint32_t rrl_entries;    /**< source prefixes RRL tracks (0: none, RRL never limits) */
	uint32_t dns_tcp_conns;  /**< DNS-over-TCP connections (0: TCP/53 not served) */
	uint32_t dns_fwd_slots;  /**< forwarded queries in flight (0: no forwarding) */
};

/** mbufs one worker may keep beside synjitsu's (parked answers, replies
 *  waiting for ARP, its own frames): what the port pool adds per worker. */
#define DP_WORKER_MBUFS 2048

/** Create a worker context on the lcore's socket; NULL + rte_errno on failure. */
struct dp_worker *dp_worker_create(const struct dp_worker_params *prm);

/** Free a worker context; mbufs still buffered for tx are freed. */
void dp_worker_free(struct dp_worker *w);

/** The worker loop, for rte_eal_remote_launch(); returns 0 on quit. */
int dp_worker_run(void *w);

/** The worker's counters (the worker writes, readers load relaxed). */
const struct dp_counters *dp_worker_counters(const struct dp_worker *w);

/** The worker's cycle counts per path. */
const struct dp_cycles *dp_worker_cycles(const struct dp_worker *w);

/** The worker's activity clocks: last-seen TSC by service id. */
const uint64_t *dp_worker_activity(const struct dp_worker *w);

/** The worker's synjitsu table (per-service statistics), or NULL. */
const struct syn_table *dp_worker_syn(const struct dp_worker *w);

/** The worker's proxied flows (synjitsu = proxy), or NULL. */
const struct syn_proxy *dp_worker_px(const struct dp_worker *w);

/** When the worker last finished replaying each service (TSC, by service id). */
const uint64_t *dp_worker_replay_tsc(const struct dp_worker *w);

/** Decode an event taken from the ring. */
static inline void
dp_event_decode(const void *ev, enum dp_event_type *type, uint32_t *svc)
{
	uint64_t v = (uint64_t)(uintptr_t)ev;

	*type = (enum dp_event_type)(v >> 32);
	*svc = (uint32_t)v;
}

#endif
