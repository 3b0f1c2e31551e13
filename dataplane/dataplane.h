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

#include "counters.h"
#include "dns.h"
#include "svctab.h"

#define DP_PORT_NONE UINT16_MAX

/** Flags of struct dp_fp_conf. */
#define DP_F_TX_CKSUM_UP 0x1   /**< uplink computes IPv4/UDP checksums on tx */
#define DP_F_TX_CKSUM_DOWN 0x2 /**< downlink computes IPv4/UDP checksums on tx */
#define DP_F_EXCEPTION 0x4     /**< an exception port takes what we do not handle */

/** What the fast path knows; each worker keeps its own copy. */
struct dp_fp_conf {
	struct rte_ether_addr up_mac;   /**< our MAC on the uplink */
	struct rte_ether_addr down_mac; /**< our MAC on the downlink */
	uint32_t gw_ip;                 /**< gateway/DNS address, network order */
	uint32_t flags;                 /**< DP_F_* */
	struct dp_dns_conf dns;         /**< service table, TTL, SOA serial */
};

/** Where a frame goes once decided. */
enum dp_action {
	DP_ACT_DROP = 0,
	DP_ACT_TX_UPLINK,
	DP_ACT_TX_DOWNLINK,
	DP_ACT_TX_EXCEPTION,
};

/** Decision for one frame, plus what the transmit side must know. */
struct dp_verdict {
	enum dp_action action;
	unsigned int counter; /**< outcome to count, or the drop reason */
	int svc;              /**< service concerned, or DP_SVC_NONE */
	uint16_t len;         /**< frame length after rewriting */
	uint8_t l2_len;       /**< for tx checksum offload */
	uint8_t l3_len;
	uint64_t ol_flags;    /**< tx offload flags to set, 0 when none */
};

/**
 * Decide what to do with a frame received on the uplink, rewriting it in
 * place when it is answered (ARP, DNS). @p cap is the room in the buffer.
 * @p rx_ol_flags are the mbuf's rx flags (checksums already checked).
 */
void dp_uplink_frame(const struct dp_fp_conf *c, uint8_t *frame, uint16_t len,
		     uint16_t cap, uint64_t rx_ol_flags, struct dp_verdict *v);

/** Same for a frame received on the downlink (the services' side). */
void dp_downlink_frame(const struct dp_fp_conf *c, uint8_t *frame, uint16_t len,
		       uint16_t cap, uint64_t rx_ol_flags, struct dp_verdict *v);

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

/** Ports and queue of one worker. */
struct dp_worker_params {
	unsigned int lcore;
	uint16_t queue;          /**< rx and tx queue on every port */
	uint16_t uplink;
	uint16_t downlink;
	uint16_t exception;      /**< DP_PORT_NONE when there is none */
	const struct dp_fp_conf *conf;
	const uint32_t *quit;    /**< the worker returns when it reads non-zero */
};

/** Create a worker context on the lcore's socket; NULL + rte_errno on failure. */
struct dp_worker *dp_worker_create(const struct dp_worker_params *prm);

/** Free a worker context; mbufs still buffered for tx are freed. */
void dp_worker_free(struct dp_worker *w);

/** The worker loop, for rte_eal_remote_launch(); returns 0 on quit. */
int dp_worker_run(void *w);

/** The worker's counters (the worker writes, readers load relaxed). */
const struct dp_counters *dp_worker_counters(const struct dp_worker *w);

#endif
