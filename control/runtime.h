/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * The control plane's run-time side (private to control/): each service's
 * state machine, its backend, its cold-start timings, and the backends'
 * table of operations.
 *
 * Only the main lcore runs this code, in control-loop handlers. States are
 * published to the workers through struct dp_svc_rt with release stores;
 * telemetry reads under the loop's lock, which the workers never take.
 */
#ifndef JITSU_CTL_RUNTIME_H
#define JITSU_CTL_RUNTIME_H

#include <net/if.h>
#include <pthread.h>
#include <stdint.h>
#include <sys/types.h>

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

enum ctl_stop_how {
	CTL_STOP_AS_CONFIGURED, /**< idle stop or jitsuctl stop: the service's stop mode */
	CTL_STOP_TERMINATE,     /**< SIGTERM (or the backend's graceful stop) */
	CTL_STOP_KILL,          /**< at once */
};

/** A backend: how services of one kind are prepared, started and stopped. */
struct ctl_backend_ops {
	const char *name;
	/** Whether the backend can run this service at all; no side effect. 0 or -errno + @msg. */
	int (*check)(const struct ctl_service_config *c, char *msg, size_t len);
	/** The slow part, at load: namespace, links, sockets. 0 or -errno + @msg. */
	int (*prepare)(struct ctl_svc *s, char *msg, size_t len);
	/** Undo prepare (the service is stopped). */
	void (*release)(struct ctl_svc *s);
	/** Start; report with ctl_svc_running() (now or later), or fail with -errno + @msg. */
	int (*summon)(struct ctl_svc *s, char *msg, size_t len);
	/** Stop: per s->cfg->stop (pause or terminate), terminate, or kill at once.
	 *  Report with ctl_svc_stopped() (the process backend: when the child is reaped). */
	void (*stop)(struct ctl_svc *s, enum ctl_stop_how how);
	/** Optional: prepare found the service already running (s->adopted);
	 *  make it READY (or leave it STOPPED when it is paused). */
	void (*adopted)(struct ctl_svc *s);
	/** Optional: run the backend's events for up to @p timeout_ms while the
	 *  control loop is blocked (shutdown, reload). */
	void (*pump)(int timeout_ms);
	/** The backend sets s->t_link when the service's link comes up (a Xen
	 *  vif Connected): readiness probes wait for it, instead of going out
	 *  to a guest that has no link yet. */
	int reports_link;
	/** Optional: the service's leader (s->pid) ended with wait @p status
	 *  (-1: not a child of ours, status unknown). @return 1 if the service
	 *  lives on under a new leader (a daemon that forked away), 0 if it is
	 *  gone, with a reason for its end in @p why (a limit hit) or "". */
	int (*reaped)(struct ctl_svc *s, int status, char *why, size_t len);
	/** Optional: once every service is prepared (start, reload), undo what
	 *  an earlier run left that no service claimed; @p claimed says
	 *  whether a name is a configured service of this backend. */
	void (*sweep)(int (*claimed)(const char *name, void *arg), void *arg);
	/** Optional: at shutdown, once every service is released. */
	void (*close)(void);
};

extern const struct ctl_backend_ops ctl_backend_process;

/** Use @p ops for services of backend @p kind (enum ctl_backend). */
void ctl_backend_register(unsigned int kind, const struct ctl_backend_ops *ops);

/** One service at run time. */
struct ctl_svc {
	uint32_t id;
	const struct ctl_service_config *cfg;
	struct ctl_runtime *rt;
	const struct ctl_gateway_config *gw;
	struct dp_svc_rt *shared;       /**< the record workers read */
	const struct ctl_backend_ops *be;
	int prepared;
	void *be_priv;                  /**< the backend's own record (libxl) */
	int live;                       /**< libxl: a domain exists or is being made or unmade */
	int adopted;                    /**< prepare found it running from an earlier run */

	/* process backend */
	pid_t pid;                      /**< > 0 while a process exists */
	int paused;                     /**< SIGSTOPped by stop = pause */
	int netns_fd;
	char netns[CTL_NAME_MAX * 2 + 2];
	char veth[IF_NAMESIZE];
	char notify_path[108];
	char **argv;                    /**< exec split into words */
	char **envp;                    /**< the environment the service gets */
	struct ctl_watch notify_w;      /**< READY=1 datagrams */
	int pidfd;                      /**< of the leader, -1 when none */
	struct ctl_watch exit_w;        /**< an adopted leader's pidfd: it is not our child */
	uint64_t cg_base[2];            /**< its cgroup's limit counts at summon */

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
	uint32_t backoff_ms;             /**< the last failure's back-off */
	char last_error[256];
	struct ctl_hist hist[CTL_PH__COUNT];
};

/* For telemetry: read under ctl_loop_lock(); ids below ctl_runtime_capacity(). */
const struct ctl_svc *ctl_runtime_svc(const struct ctl_runtime *rt, uint32_t id);

/** Monotonic clock in ns. */
uint64_t ctl_now(void);

/* Backends report through these. */
void ctl_svc_running(struct ctl_svc *s);
void ctl_svc_ready(struct ctl_svc *s);
void ctl_svc_failed(struct ctl_svc *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void ctl_svc_stopped(struct ctl_svc *s);
/**
 * The service ended on its own and its configuration says to start it again
 * (xl's `restart` actions): it is STOPPING while the backend takes down what
 * is left (reported with ctl_svc_stopped()), then summoned again at once.
 * Held SYNs wait for the new boot. @p why goes to the log.
 */
void ctl_svc_restart(struct ctl_svc *s, const char *why);

/**
 * The service's leader ended (wait @p status, or -1 when it was not our
 * child): the backend's reaped() may name a new one, else the service is
 * stopped (when stopping) or failed.
 */
void ctl_svc_exited(struct ctl_svc *s, int status);

/** A process or domain of the service exists (or is being made or unmade). */
static inline int
ctl_svc_exists(const struct ctl_svc *s)
{
	return s->pid > 0 || s->live;
}

/** The service's MAC: the configured one, or 02:4a:<IPv4 address>. */
void ctl_svc_default_mac(const struct ctl_service_config *c, struct rte_ether_addr *mac);

/** The state workers see. */
static inline uint32_t
ctl_svc_state(const struct ctl_svc *s)
{
	return __atomic_load_n(&s->shared->state, __ATOMIC_ACQUIRE);
}

/** Publish a state to the workers. */
static inline void
ctl_svc_set_state(struct ctl_svc *s, uint32_t state)
{
	if (state != DP_SVC_BOOTED) /* the SYN probe is for the boot only */
		__atomic_store_n(&s->shared->probe_port, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&s->shared->state, state, __ATOMIC_RELEASE);
}

/**
 * Split a command line into words: blanks separate, '...' and "..." quote,
 * a backslash escapes the next character; no shell. @return a NULL-terminated
 * array in one allocation (free() it), or NULL with errno (EINVAL: unbalanced
 * quote or no word).
 */
char **ctl_split_command(const char *cmd);

/**
 * The environment of a service: @p base (environ) without any JITSU_SERVICE
 * or NOTIFY_SOCKET, plus JITSU_SERVICE=@p name and, when @p notify is not
 * NULL, NOTIFY_SOCKET=@p notify. One allocation; NULL with errno.
 */
char **ctl_service_env(char *const *base, const char *name, const char *notify);

#endif
