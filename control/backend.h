/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * The backend interface (private to control/): everything the state
 * machine (runtime.c) asks of a backend, and everything a backend may tell
 * it. The state machine and telemetry see backends only through this file
 * and the table at its end; a backend sees the state machine only through
 * the report calls below. Adding a backend is one file set under
 * control/backend/ and one line in control/backend/list.h.
 *
 * Everything runs on the main lcore, in control-loop handlers. A backend
 * that has fds or timeouts of its own puts them into the control loop with
 * ctl_loop_add() (loop.h) when it opens, and runs them from pump() while the
 * loop is blocked (shutdown, reload).
 */
#ifndef JITSU_CTL_BACKEND_H
#define JITSU_CTL_BACKEND_H

#include <stddef.h>
#include <sys/types.h>

#include "config.h"
#include "runtime.h"

struct rte_tel_data;

/** How a backend is asked to stop a service. */
enum ctl_halt {
	CTL_HALT_AS_CONFIGURED, /**< idle stop or jitsuctl stop: the service's stop mode */
	CTL_HALT_TERMINATE,     /**< SIGTERM (or the backend's graceful stop) */
	CTL_HALT_KILL,          /**< at once */
};

/** A backend: how services of one kind are prepared, started and stopped. */
struct ctl_backend_ops {
	const char *name;

	/* ---- backend-wide; every one optional ---- */

	/** Open, when the first service of this backend is created. @return NULL
	 *  when usable, or a sentence saying why not (its services are then
	 *  refused with it). @p cfg is only valid during the call. Once per run:
	 *  a later call returns the first outcome. */
	const char *(*open)(const struct ctl_config *cfg);
	/** Close what open() made (its services are released first). */
	void (*close)(void);
	/** After the services are prepared at start: find what an earlier run
	 *  left under the gateway's prefixes and adopt it or destroy it. */
	void (*recover)(const struct ctl_gateway_config *gw);
	/** A child the state machine reaped. @return 1 when it was the
	 *  backend's (it reports what it means for its service), 0 if not. */
	int (*reaped)(pid_t pid, int status);
	/** Run the backend's fds and timeouts for up to @p timeout_ms while the
	 *  control loop is blocked. */
	void (*pump)(int timeout_ms);
	/** Telemetry: add the backend's fields of service @p s to the dict @p d. */
	void (*describe)(const struct ctl_svc *s, struct rte_tel_data *d);

	/* ---- per service ---- */

	/** Whether the backend can run this service at all, with no side effect
	 *  (jitsu -n, and before prepare). 0 or -errno + @p msg; what only this
	 *  machine lacks goes to @p warn ("" when nothing), for jitsu -n. */
	int (*check)(const struct ctl_service_config *c, const struct ctl_gateway_config *gw,
		     char *msg, size_t len, char *warn, size_t wlen);
	/** The slow part, at load: namespace, links, sockets, translation; the
	 *  backend's own record goes to s->be_priv. @return 0, 1 when the
	 *  service was found running from an earlier run (adopted() follows),
	 *  or -errno + @p msg (with nothing left behind). */
	int (*prepare)(struct ctl_svc *s, char *msg, size_t len);
	/** Undo prepare (the service is stopped). */
	void (*release)(struct ctl_svc *s);
	/** Start (or resume); report with ctl_svc_running() or ctl_svc_resumed()
	 *  (now or later), or fail with -errno + @p msg. */
	int (*summon)(struct ctl_svc *s, char *msg, size_t len);
	/** Stop: per s->cfg->stop (pause or terminate), terminate, or kill at
	 *  once. Report with ctl_svc_stopped() or ctl_svc_paused(), now or later. */
	void (*stop)(struct ctl_svc *s, enum ctl_halt how);
	/** Optional: prepare returned 1; report ctl_svc_resumed() (serving) or
	 *  ctl_svc_paused() (paused). */
	void (*adopted)(struct ctl_svc *s);
	/** Whether something of the service exists (a process, a domain, or one
	 *  being made or unmade): the state machine waits for it to go. */
	int (*exists)(const struct ctl_svc *s);
	/** The backend reports the service's link (ctl_svc_link_up): readiness
	 *  probes wait for it, instead of going to a guest with no link yet. */
	int reports_link;
};

/** Every backend, by enum ctl_backend (control/backend/table.c). */
extern const struct ctl_backend_ops *const ctl_backends[CTL_BACKEND__COUNT];

/* ---- what backends report (the state machine alone sets states) ---- */

/** It runs (exec succeeded, domain unpaused): BOOTED, or READY with ready = start. */
void ctl_svc_running(struct ctl_svc *s);
/** Its link is up (a Xen vif Connected). */
void ctl_svc_link_up(struct ctl_svc *s);
/** It is ready (BOOTED before). */
void ctl_svc_ready(struct ctl_svc *s);
/** It was running all along (resumed from a pause, or adopted): READY. */
void ctl_svc_resumed(struct ctl_svc *s);
/** It failed: FAILED for the back-off, what is left of it killed. */
void ctl_svc_failed(struct ctl_svc *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/** Nothing of it is left: STOPPED (or summoned again after ctl_svc_restart). */
void ctl_svc_stopped(struct ctl_svc *s);
/** It is paused, ready to resume at the next summon: STOPPED. */
void ctl_svc_paused(struct ctl_svc *s);
/**
 * The service ended on its own and its configuration says to start it again
 * (xl's `restart` actions): it is STOPPING while the backend takes down what
 * is left (reported with ctl_svc_stopped()), then summoned again at once.
 * Held SYNs wait for the new boot. @p why goes to the log.
 */
void ctl_svc_restart(struct ctl_svc *s, const char *why);

/** The service's MAC: the configured one, or 02:4a:<IPv4 address>. */
void ctl_svc_default_mac(const struct ctl_service_config *c, struct rte_ether_addr *mac);

#endif
