/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Synjitsu's `proxy` mode: a SYN proxy in front of services that are not
 * READY (or always, with `proxy = always`).
 *
 * A client's SYN is answered at once with a cookie SYN-ACK (cookie.h):
 * nothing is stored. Its ACK, when the cookie is valid, creates a flow (the
 * client proved its address: the caller may summon) and is held, with the
 * data behind it (in order, retransmissions absorbed, each acknowledged to
 * the client so that it does not time out). When the service is READY the
 * proxy opens the connection to it with a SYN that carries the client's ISN
 * and options; the service's SYN-ACK fixes the flow's deltas, the held
 * packets are replayed (copies: they stay held until the service
 * acknowledges them, and go again if it sends its SYN-ACK again),
 * translated, and from then on every segment of the
 * flow is translated both ways: sequence and acknowledgement numbers, SACK
 * blocks, timestamps and (when the service's window scale differs from the
 * one promised) windows, with incremental checksums. The flow goes after
 * both FINs are acknowledged (and a short linger), a RST, or its idle time.
 *
 * Decisions on plain buffers (an IPv4 packet: header at @p l3), packets as
 * opaque pointers: the proxy never sends, frees or counts; the caller does
 * what the returned record says. One table per worker: a flow's two
 * directions must reach the same worker.
 */
#ifndef JITSU_SYN_PROXY_H
#define JITSU_SYN_PROXY_H

#include <stddef.h>
#include <stdint.h>

#include "cookie.h"

#define SYN_PX_NONE UINT32_MAX

/** A service's proxy configuration (plain data, by service id). */
struct syn_px_svc {
	struct syn_synack_conf synack; /**< what the cookie SYN-ACK promises */
	uint8_t always;                /**< proxy READY services' new flows too */
	uint8_t mode;                  /**< enum syn_mode of the service (the caller's) */
};

/** Sizes and times of a table, fixed at creation. */
struct syn_px_params {
	uint32_t n_services;  /**< service ids are below it */
	uint32_t max_flows;   /**< proxied flows in all */
	uint32_t max_pending; /**< packets held per service */
	uint32_t pool;        /**< packets held in all */
	uint64_t hz;          /**< clock ticks a second (the @p now of every call) */
	uint64_t pending;     /**< ticks a flow may wait for its service */
	uint64_t idle;        /**< ticks an established flow may be silent */
	uint64_t linger;      /**< ticks a closed flow stays (late ACKs and FINs) */
	uint64_t retry;       /**< ticks before the SYN to the service goes again */
	uint32_t hash_seed;   /**< the flow index's secret (random, per table) */
};

/** What to do with a packet offered to the proxy. */
enum syn_px_act {
	SYN_PX_PASS = 0,    /**< not the proxy's: go on as without it */
	SYN_PX_TX_CLIENT,   /**< the buffer is now an IP packet to the client (answer) */
	SYN_PX_FWD_SERVICE, /**< translated: route it to the service */
	SYN_PX_FWD_CLIENT,  /**< translated: route it to the client */
	SYN_PX_HELD,        /**< the proxy keeps the packet (syn_px_take gives it back) */
	SYN_PX_DROP,        /**< drop it; @p reason says why */
};

/** Statistics and drop reasons: per service, kept by the table. */
#define SYN_PX_STATS(X)                                                        \
	X(cookie_synack)    /* SYN answered with a cookie SYN-ACK */           \
	X(cookie_bad_syn)   /* a SYN the SYN-ACK could not be made from */     \
	X(cookie_valid)     /* an ACK with a valid cookie: a flow */           \
	X(cookie_invalid)   /* an ACK without a flow or a valid cookie */      \
	X(held)             /* packets held */                                 \
	X(absorbed)         /* pure ACKs and retransmissions of held flows */  \
	X(out_of_order)     /* data past a hole, while held */                 \
	X(overflow)         /* no room to hold, or no flow entry */            \
	X(opened)           /* SYNs sent to the service */                     \
	X(established)      /* service SYN-ACKs taken: flows translated */     \
	X(translated_up)    /* segments translated client to service */        \
	X(translated_down)  /* segments translated service to client */        \
	X(refused)          /* the service answered the SYN with a RST */      \
	X(closed)           /* flows ended by FINs both ways */                \
	X(reset)            /* flows ended by a RST */                         \
	X(idle)             /* flows ended by their idle time */               \
	X(expired)          /* flows that waited pending_timeout: RST */       \
	X(failed)           /* flows whose service failed: RST */              \
	X(bad_segment)      /* malformed TCP of a flow */

enum syn_px_stat {
#define SYN_PX_STAT_ENUM(name) SYN_PX_ST_##name,
	SYN_PX_STATS(SYN_PX_STAT_ENUM)
#undef SYN_PX_STAT_ENUM
	SYN_PX_ST__COUNT
};

/** Name of a statistic. */
const char *syn_px_stat_name(unsigned int st);

/** The decision for one packet. */
struct syn_px_out {
	enum syn_px_act act;
	uint8_t reason;     /**< enum syn_px_stat: what happened (for counters) */
	uint8_t summon;     /**< the client proved its address: summon (proven) */
	uint8_t ack_client; /**< send syn_px_client_ack() of @p flow too */
	uint8_t open;       /**< send syn_px_service_syn() of @p flow (service READY) */
	uint8_t replay;     /**< the flow is established: replay its held packets */
	uint8_t dead;       /**< the flow ended: take its held packets (free them), release */
	uint8_t acked;      /**< the service acknowledged replayed packets: syn_px_take_acked() */
	uint32_t flow;      /**< the flow concerned, or SYN_PX_NONE */
};

/** Service states as the proxy needs them. */
enum syn_px_svc_state { SYN_PX_SVC_WAIT, SYN_PX_SVC_READY, SYN_PX_SVC_FAILED };

/** What syn_px_poll() asks the caller to do for a flow. */
enum syn_px_ev_type {
	SYN_PX_EV_OPEN,   /**< the service is READY: send syn_px_service_syn() */
	SYN_PX_EV_RESET,  /**< failed or expired: syn_px_client_rst(), take, release */
	SYN_PX_EV_END,    /**< idle or closed with packets still held: take, free, release */
	SYN_PX_EV_REPLAY, /**< the service has not acknowledged the replay: copies again */
};

struct syn_px_event {
	enum syn_px_ev_type type;
	uint8_t reason; /**< enum syn_px_stat for RESET (failed, expired) */
	uint32_t flow;
	uint32_t svc;
};

struct syn_proxy;

/** Create a table; NULL with errno (EINVAL for zero sizes). */
struct syn_proxy *syn_px_create(const struct syn_px_params *prm);

/** Free a table; it must hold nothing (take everything back first). */
void syn_px_free(struct syn_proxy *px);

/**
 * A TCP packet from a client to service @p svc (IPv4 header at @p l3, @p len
 * bytes of IP packet, @p cap of room), whose configuration is @p sc and
 * state @p ready (1: READY). @p pkt is what to keep when it is held.
 * Call it for every TCP packet to a proxied service that is not READY, that
 * has proxied flows (syn_px_flows()) or that is proxied always.
 */
void syn_px_uplink(struct syn_proxy *px, const struct syn_cookie_keys *keys,
		   const struct syn_px_svc *sc, uint32_t svc, int ready, uint8_t *l3,
		   size_t len, size_t cap, void *pkt, uint64_t now, struct syn_px_out *out);

/**
 * A TCP packet from service @p svc to a client: the service's SYN-ACK of a
 * flow being opened, or a segment of an established flow to translate.
 * Call it for TCP from services that have proxied flows.
 */
void syn_px_downlink(struct syn_proxy *px, uint32_t svc, uint8_t *l3, size_t len,
		     uint64_t now, struct syn_px_out *out);

/**
 * Flows that wait for their service: up to @p n events (opens, resets), by
 * the state @p state_of gives for a service. Also ends flows idle or
 * lingering past their time (a few slots a call). @return the events.
 */
unsigned int syn_px_poll(struct syn_proxy *px,
			 enum syn_px_svc_state (*state_of)(void *arg, uint32_t svc), void *arg,
			 uint64_t now, struct syn_px_event *ev, unsigned int n);

/**
 * The held packets of @p flow, in order, left held: an established flow
 * keeps what it replayed until the service acknowledges it (the caller
 * sends copies), so that a replay the service did not take goes again.
 * @p from held packets are skipped. @return how many.
 */
unsigned int syn_px_peek(const struct syn_proxy *px, uint32_t flow, uint32_t from, void **pkts,
			 unsigned int n);

/** Give back the held packets of @p flow that the service acknowledged (out.acked). */
unsigned int syn_px_take_acked(struct syn_proxy *px, uint32_t flow, void **pkts, unsigned int n);

/** Give back up to @p n held packets of @p flow, in order. @return how many. */
unsigned int syn_px_take(struct syn_proxy *px, uint32_t flow, void **pkts, unsigned int n);

/**
 * Give back up to @p n held packets of any flow, forgetting the flows they
 * empty (at exit: everything held goes). @return how many.
 */
unsigned int syn_px_take_any(struct syn_proxy *px, void **pkts, unsigned int n);

/** Forget a flow that ended (out.dead or an EV_RESET), its packets taken. */
void syn_px_release(struct syn_proxy *px, uint32_t flow);

/**
 * Write at @p l3 (@p cap bytes of room) the ACK to the client of what @p flow
 * holds. @return the IP length, or -1 (no room or no such flow).
 */
int syn_px_client_ack(const struct syn_proxy *px, uint32_t flow, uint8_t *l3, size_t cap);

/** The same for the RST|ACK that ends a held flow. */
int syn_px_client_rst(const struct syn_proxy *px, uint32_t flow, uint8_t *l3, size_t cap);

/** The same for the SYN to the service (the client's ISN and options). */
int syn_px_service_syn(struct syn_proxy *px, uint32_t flow, uint8_t *l3, size_t cap,
		       uint64_t now);

/** Proxied flows of service @p svc (held, opening or translated). */
uint32_t syn_px_flows(const struct syn_proxy *px, uint32_t svc);

/** Proxied flows in all. */
uint32_t syn_px_n_flows(const struct syn_proxy *px);

/** Packets held in all. */
uint32_t syn_px_held(const struct syn_proxy *px);

/** Statistics of service @p svc (SYN_PX_ST__COUNT words; the table writes them). */
const uint64_t *syn_px_stats(const struct syn_proxy *px, uint32_t svc);

/**
 * Translate the TCP segment at @p l3 in place: sequence number += @p seq_add,
 * acknowledgment += @p ack_add (and every SACK edge by it), TSval +=
 * @p tsval_add, TSecr += @p tsecr_add, window shifted left by @p win_shl
 * then right by @p win_shr (capped at 65535), the TCP checksum updated
 * incrementally. @return 0, or -1 for a malformed segment (untouched).
 */
int syn_px_translate(uint8_t *l3, size_t len, uint32_t seq_add, uint32_t ack_add,
		     uint32_t tsval_add, uint32_t tsecr_add, uint8_t win_shl, uint8_t win_shr);

#endif
