/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * The control plane: configuration (config.h) and what it exposes of the
 * running gateway through DPDK telemetry.
 */
#ifndef JITSU_CONTROL_H
#define JITSU_CONTROL_H

#include <stdint.h>

#include "../dataplane/dataplane.h"
#include "../nic/nic.h"
#include "config.h"
#include "loop.h"

struct rte_mempool;
struct rte_rcu_qsbr;
struct rte_ring;
struct ctl_runtime;

/**
 * Create the services' run-time state from a validated configuration (service
 * i gets id @p ids[i]): the shared state records, the event ring, and each
 * service's backend preparation (a process: bridge, namespace, veth,
 * address), the backend opened with its first service. Then each open
 * backend recovers what a crashed run left under the same prefixes (adopts
 * it or removes it). Every problem goes to @p errs.
 * @return the runtime, or NULL.
 */
struct ctl_runtime *ctl_runtime_create(const struct ctl_config *cfg, unsigned int n_workers,
				       uint32_t *ids, struct ctl_errors *errs);

/**
 * Move the runtime to @p cfg (validated): services whose name and
 * configuration are the same keep running untouched under their ids;
 * changed and removed ones are stopped (blocking, up to stop_grace) and
 * released; new and changed ones are prepared under free ids (not of a
 * service removed by this reload, nor within pending_timeout + 1 s: no
 * worker or held packet can still mean the old one). Service @p cfg->services[i] gets id @p ids[i]. On error nothing has
 * changed. @return 0 or -errno, with the reasons in @p errs.
 */
int ctl_runtime_reload(struct ctl_runtime *rt, const struct ctl_config *cfg, uint32_t *ids,
		       struct ctl_errors *errs);

/** Ids of services are below this. */
uint32_t ctl_runtime_capacity(const struct ctl_runtime *rt);

/**
 * What `jitsu -n` adds to the configuration's own checks: each service as
 * its backend sees it (a process service's command, a libxl service's xl
 * configuration), with no side effect. Problems go to @p errs; what only
 * this machine lacks (Xen) goes to @p warns. @return 0 or -EINVAL.
 */
int ctl_runtime_check(const struct ctl_config *cfg, struct ctl_errors *errs,
		      struct ctl_errors *warns);

/** The records the workers read (struct dp_fp_conf.rt). */
struct dp_svc_rt *ctl_runtime_shared(struct ctl_runtime *rt);

/** The ring the workers post events to, and the eventfd they write after. */
struct rte_ring *ctl_runtime_events(struct ctl_runtime *rt);
int ctl_runtime_event_fd(struct ctl_runtime *rt);

/** The ring of readiness probes (service ids) for one worker to send. */
struct rte_ring *ctl_runtime_probes(struct ctl_runtime *rt);

/** Tell the runtime where worker @p worker keeps its activity clocks. */
void ctl_runtime_set_activity(struct ctl_runtime *rt, unsigned int worker,
			      const uint64_t *activity);

/** Same, with the worker's synjitsu table and replay clocks (may be NULL). */
void ctl_runtime_set_worker(struct ctl_runtime *rt, unsigned int worker, const uint64_t *activity,
			    const struct syn_table *syn, const uint64_t *replay_tsc);

/** Synjitsu statistics of service @p id summed over workers (SYN_ST__COUNT words). */
void ctl_runtime_syn_stats(const struct ctl_runtime *rt, uint32_t id, uint64_t *sum);

/** Put the runtime's fds (events, timer) into the control loop. @return 0 or -errno. */
int ctl_runtime_start(struct ctl_runtime *rt);

/** Reap children (on SIGCHLD) and move their services on. */
void ctl_runtime_sigchld(struct ctl_runtime *rt);

/**
 * Queue "summon" or "stop" of service @p name for the control loop (callable
 * from the telemetry thread). @return 0 or -errno, with a line in @p out.
 */
int ctl_runtime_command(struct ctl_runtime *rt, const char *verb, const char *name, char *out,
			size_t len);

/** Stop every service (SIGTERM, SIGKILL after the grace) and undo their preparation. */
void ctl_runtime_shutdown(struct ctl_runtime *rt);

/** Shut down if not done yet, then free (NULL is fine). */
void ctl_runtime_free(struct ctl_runtime *rt);

/** Where a configuration comes from: a file, and the command line's additions. */
struct ctl_sources {
	const char *file;      /**< -c FILE, or NULL */
	const char *address;   /**< --address, or NULL */
	int n_specs;
	char **specs;          /**< --service SPEC... */
};

/**
 * Load and validate a configuration from @p src (the same path at start-up
 * and on reload). @return the configuration, or NULL with every problem in
 * @p errs.
 */
struct ctl_config *ctl_gateway_load(const struct ctl_sources *src, struct ctl_errors *errs);

/** The running gateway, as the control plane holds it. */
struct ctl_gateway {
	struct ctl_sources sources;
	unsigned int n_workers;
	struct dp_fp_conf base;        /**< what the ports decided: MACs, offload flags */
	struct ctl_config *cfg;        /**< the running configuration */
	struct ctl_runtime *runtime;
	struct dp_fp_conf *live;       /**< published to the workers (RCU) */
	struct rte_rcu_qsbr *qsv;
	uint32_t generation;           /**< SOA serial: one more on every apply */
};

/**
 * Apply the first configuration: services prepared, the fast path's
 * configuration published in @p g->live. @return 0 or -errno with @p errs.
 */
int ctl_gateway_start(struct ctl_gateway *g, struct ctl_config *cfg, struct ctl_errors *errs);

/**
 * Reload from the same sources: validated whole, then applied at once, or
 * refused with the running configuration kept. Call with the control loop's
 * lock held. @return 0 or -errno, with a line for the operator in @p out.
 */
int ctl_gateway_reload(struct ctl_gateway *g, char *out, size_t len);

/** Stop the services and free everything of the gateway's (workers stopped). */
void ctl_gateway_fini(struct ctl_gateway *g);

/** What telemetry reads; the pointers must outlive ctl_telemetry_stop(). */
struct ctl_telemetry_params {
	struct ctl_gateway *gateway;              /**< services, reload */
	const struct dp_counters *const *workers; /**< each worker's counters */
	const struct dp_cycles *const *cycles;    /**< each worker's cycles per path */
	unsigned int n_workers;
	const uint16_t *ports;                    /**< uplink, downlink, exception */
	unsigned int n_ports;
	const struct rte_mempool *pool;
	const struct dp_neigh_table *neigh;       /**< the uplink's next hops, or NULL */
	const struct syn_proxy *const *px;        /**< each worker's proxied flows, or NULL */
};

#define CTL_NEIGH_REACHABLE_S 30 /**< a neighbour's confirmation is trusted this long */
#define CTL_NEIGH_REFRESH_S 5    /**< and used this long more while it is asked again */
#define CTL_NEIGH_RETRY_MS 200   /**< between two ARP requests for one address */

/**
 * Register /jitsu/stats, /jitsu/ports and /jitsu/services.
 * @return 0 or -errno.
 */
int ctl_telemetry_start(const struct ctl_telemetry_params *prm);

/** Make the commands answer empty: the objects they read are going away. */
void ctl_telemetry_stop(void);

/** Sum of every worker's counters. */
void ctl_stats_sum(struct dp_counters *sum);

/** The gateway's ports (ports.c): uplink, downlink, exception (DP_PORT_NONE). */
struct ctl_ports {
	uint16_t id[3];
	unsigned int n;
	struct rte_mempool *pool;
	struct nic_port_info info[3];
};

/** Start the ports of @p cfg, a queue per worker each. @return 0 or -errno + @p msg. */
int ctl_ports_start(struct ctl_ports *p, const struct ctl_config *cfg, unsigned int n_workers,
		    char *msg, size_t len);

/** What the fast path's configuration takes from the ports (MACs, offloads). */
struct dp_fp_conf ctl_ports_base(const struct ctl_ports *p);

/** Close the ports (workers stopped), then free their pool (workers freed). */
void ctl_ports_close(struct ctl_ports *p);
void ctl_ports_free(struct ctl_ports *p);

/** The dataplane's workers, one per worker lcore (workers.c). */
struct ctl_workers {
	unsigned int n;
	uint32_t quit;
	struct dp_worker *w[RTE_MAX_LCORE];
	const struct dp_counters *counters[RTE_MAX_LCORE];
	const struct dp_cycles *cycles[RTE_MAX_LCORE];
	const struct syn_proxy *px[RTE_MAX_LCORE]; /**< each worker's proxied flows */
	struct dp_neigh_table *neigh; /**< the uplink's next hops, shared by the workers */
};

/** A worker's share of max_held: what its synjitsu table holds at most. */
uint32_t ctl_held_share(const struct ctl_gateway_config *gw, unsigned int n_workers);

/** Synjitsu's table of one worker, as sized for @p gw at start (max_pending per
 * service, the worker's share of max_held in all). */
struct syn_params ctl_syn_sizing(const struct ctl_gateway_config *gw, uint32_t n_services,
				 unsigned int n_workers);

/** Create the workers of the started gateway @p g. @return 0 or -errno. */
int ctl_workers_create(struct ctl_workers *ws, const struct ctl_gateway *g, const uint16_t ports[3],
		       struct rte_mempool *pool);

/** Launch them on their lcores. @return 0, or -EBUSY with the lcore in @p failed. */
int ctl_workers_launch(struct ctl_workers *ws, unsigned int *failed);

/** Ask them to quit and wait until they have. */
void ctl_workers_stop(struct ctl_workers *ws);

/** Free them (stopped). */
void ctl_workers_free(struct ctl_workers *ws);

/** Signals in the control loop (signals.c): SIGINT/SIGTERM stop, SIGHUP reloads, SIGCHLD reaps. */
struct ctl_signals {
	struct ctl_watch w;
	struct ctl_gateway *gw;
};

/** Block the signals the loop reads, in this thread and those it starts. @return 0 or -1. */
int ctl_signals_block(void);

/** Read them from a signalfd in the control loop. @return 0 or -1 with errno. */
int ctl_signals_watch(struct ctl_signals *sg, struct ctl_gateway *gw);
void ctl_signals_close(struct ctl_signals *sg);

/** A crash prints where it happened (instruction, stack, mappings) to stderr. */
void ctl_crash_handlers(void);

#endif
