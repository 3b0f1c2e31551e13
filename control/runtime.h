/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * The control plane's run-time side (private to control/): each service's
 * state machine and its cold-start timings. Backends: backend.h.
 *
 * Only the main lcore runs this code, in control-loop handlers. States are
 * published to the workers through struct dp_svc_rt with release stores;
 * telemetry reads under the loop's lock, which the workers never take.
 */
#ifndef JITSU_CTL_RUNTIME_H
#define JITSU_CTL_RUNTIME_H

#include <stdint.h>

#include "../dataplane/dataplane.h"
#include "config.h"
#include "hist.h"
#include "loop.h"

/* Phases of a summon, each a histogram (DESIGN.md section 5). */
#define CTL_PHASES(X)                                                          \
	X(exec, "trigger to fork/exec")                                        \
	X(running, "exec to running (exec succeeded, domain created)")         \
	X(link, "running to link up (Xen: the vif Connected)")                 \
	X(ready, "running to ready")                                           \
	X(first_packet, "ready to first packet after it")                      \
	X(replay, "ready to the last held packet replayed")                    \
	X(total, "trigger to ready")

enum ctl_phase {
#define CTL_PHASE_ENUM(name, what) CTL_PH_##name,
	CTL_PHASES(CTL_PHASE_ENUM)
#undef CTL_PHASE_ENUM
	CTL_PH__COUNT
};

/** Name of a phase, for telemetry. */
const char *ctl_phase_name(unsigned int ph);

struct ctl_runtime;
struct ctl_svc;
struct ctl_backend_ops;

/** One service at run time. Its backend's own record is behind be_priv;
 *  everything else is the state machine's (backends read, never write). */
struct ctl_svc {
	uint32_t id;
	const struct ctl_service_config *cfg;
	struct ctl_runtime *rt;
	const struct ctl_gateway_config *gw;
	struct dp_svc_rt *shared;       /**< the record workers read */
	const struct ctl_backend_ops *be;
	void *be_priv;                  /**< the backend's own record */
	int prepared;
	int paused;                     /**< STOPPED by a pause (ctl_svc_paused) */

	/* timings, CLOCK_MONOTONIC ns */
	uint64_t t_trigger, t_exec, t_running, t_link, t_ready;
	uint64_t ready_tsc;             /**< to spot the first packet after READY */
	int first_packet_pending;
	int replay_pending;             /**< waiting for the workers' replay stamps */
	uint64_t deadline;              /**< readiness timeout or end of stop grace */
	uint64_t next_probe;            /**< ready = tcp:PORT: when to send the SYN again */
	uint32_t probe_gap_ms;          /**< and the gap after that */
	uint64_t retry_at;              /**< FAILED until then */
	int killed;

	/* counts */
	uint64_t summons, failures, stops, restarts;
	int restart_pending;            /**< summon again once stopped (ctl_svc_restart) */
	uint32_t failures_in_a_row;
	uint32_t backoff_ms;            /**< the last failure's back-off */
	uint32_t active_pos;            /**< where in the runtime's active set, or UINT32_MAX */
	char last_error[256];
	struct ctl_hist *hist;          /**< CTL_PH__COUNT of them, NULL until the first record */
};

/* For telemetry: read under ctl_loop_lock(); ids below ctl_runtime_capacity(). */
const struct ctl_svc *ctl_runtime_svc(const struct ctl_runtime *rt, uint32_t id);

/** The id of the service named @p name, or UINT32_MAX: O(1), under ctl_loop_lock(). */
uint32_t ctl_runtime_find(const struct ctl_runtime *rt, const char *name);

/** Monotonic clock in ns. */
uint64_t ctl_now(void);

/** Something of the service exists (a process, a domain, or one being made
 *  or unmade), as its backend tells. */
int ctl_svc_exists(const struct ctl_svc *s);

/** The state workers see. */
static inline uint32_t
ctl_svc_state(const struct ctl_svc *s)
{
	return __atomic_load_n(&s->shared->state, __ATOMIC_ACQUIRE);
}

#endif
