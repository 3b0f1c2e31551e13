/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The libxl backend (DESIGN.md section 8): services are Xen domains made
 * from xl configuration files.
 *
 * Everything is asynchronous and runs in the control loop: libxl's fds and
 * timeouts are registered into it (libxl_osevent_register_hooks), its
 * long operations take a libxl_asyncop_how whose callback reports to the
 * state machine, domain death comes as libxl events, readiness as xenstore
 * watches on the xenstore fd, and libxl's children (the vif hotplug
 * scripts) are reaped by the runtime's SIGCHLD handler and handed back
 * through the backend's reaped() to libxl_childproc_reaped()
 * (libxl_sigchld_owner_mainloop). No synchronous
 * libxl call that forks is made: it would wait for a child that only the
 * loop it blocks can reap.
 *
 * One libxl context and one xenstore connection per process, opened when
 * the first libxl service is prepared, on a Xen dom0 only.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include <libxl.h>
#include <libxl_event.h>
#include <libxl_utils.h>
#include <xenstore.h>
#include <xentoollog.h>

#include <rte_common.h>
#include <rte_log.h>
#include <rte_telemetry.h>

#include "../backend.h"
#include "bridge.h"
#include "xlcfg.h"

RTE_LOG_REGISTER(ctl_xen_logtype, jitsu.backend.libxl, INFO);
#define XEN_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_##level, ctl_xen_logtype, "jitsu: xen: " fmt "\n", ##__VA_ARGS__)

/* What a service's domain is doing; one libxl operation at a time. */
enum xen_op { XEN_OP_NONE, XEN_OP_CREATE, XEN_OP_RESTORE, XEN_OP_START, XEN_OP_DESTROY,
	      XEN_OP_SHUTDOWN, XEN_OP_SUSPEND, XEN_OP_PAUSE, XEN_OP_UNPAUSE, XEN_OP_COREDUMP };

static const char *const xen_op_names[] = { "none", "create", "restore", "start", "destroy",
					    "shutdown", "suspend", "pause", "unpause",
					    "core dump" };

struct xen_svc;

/* An operation in flight; outlives its service if that is removed first. */
struct xen_ao {
	struct xen_svc *x; /* NULL once the service is gone */
	enum xen_op op;
	uint64_t t0;
};

struct xen_svc {
	struct ctl_svc *s;
	struct xen_svc *next;
	char domname[64];
	uint32_t domid;                 /* 0: no domain */
	uint32_t new_domid;             /* written by create/restore while in flight */
	struct xen_ao *ao;              /* the operation in flight, or NULL */
	libxl_evgen_domain_death *death;
	libxl_domain_config tmpl;       /* translated at prepare, copied per create */
	int tmpl_live;
	libxl_domain_config dc;         /* of the create/restore in flight (libxl fills it in) */
	int dc_live;
	int paused;                     /* by stop = pause (or found so) */
	int save_fd;
	int saved;                      /* a suspended image waits in save_path */
	int restored;                   /* this boot is a restore: the vif says ready */
	int expect_death;               /* we destroy or shut it down */
	int vif_up, key_up;
	/* what its xl file says to do when it shuts down on its own */
	libxl_action_on_shutdown on_poweroff, on_reboot, on_crash;
	int keep;                       /* on_* = preserve, or a core dump in flight */
	char save_path[CTL_STR_MAX + 80];
	char core_path[CTL_STR_MAX + 80];
	char vif_path[96];
	char key_path[CTL_STR_MAX + 40];
	char token[24];
	int watching;
};

/* The process's libxl side. */
static struct {
	libxl_ctx *ctx;
	xentoollog_logger_stdiostream *logger;
	struct xs_handle *xs;
	struct ctl_watch xs_w;
	struct ctl_watch timer_w;
	struct xen_timeout *timeouts;   /* sorted by expiry */
	struct xen_svc *svcs;
	struct xen_fd *always;          /* registered fds that epoll cannot watch */
	unsigned int tokens;
	unsigned int inflight;          /* operations whose callback has not come */
	int tried;
	char why[200];
} xen = { .xs_w.fd = -1, .timer_w.fd = -1 };

/* ---- libxl's fds and timeouts in the control loop ------------------------ */

struct xen_fd {
	struct ctl_watch w;
	void *for_libxl;
	short events;
	int always;             /* epoll refuses it (a regular file): always ready */
	struct xen_fd *next;    /* in xen.always, when always */
};

static void xen_timer_arm(void);

static uint32_t
xen_epoll_events(short events)
{
	return (events & POLLIN ? EPOLLIN : 0) | (events & POLLOUT ? EPOLLOUT : 0) |
	       (events & POLLPRI ? EPOLLPRI : 0);
}

static void
xen_on_fd(struct ctl_watch *w, uint32_t ev)
{
	struct xen_fd *f = w->arg;
	short revents = (short)((ev & EPOLLIN ? POLLIN : 0) | (ev & EPOLLOUT ? POLLOUT : 0) |
				(ev & EPOLLPRI ? POLLPRI : 0) | (ev & EPOLLERR ? POLLERR : 0) |
				(ev & EPOLLHUP ? POLLHUP : 0));

	libxl_osevent_occurred_fd(xen.ctx, f->for_libxl, w->fd, f->events, revents);
}

static int
xen_fd_register(void *user, int fd, void **reg, short events, void *for_libxl)
{
	struct xen_fd *f = calloc(1, sizeof(*f));

	(void)user;
	if (f == NULL)
		return ERROR_OSEVENT_REG_FAIL;
	*f = (struct xen_fd){ { fd, xen_on_fd, f }, for_libxl, events, 0, NULL };
	int rc = ctl_loop_add(&f->w, xen_epoll_events(events));
	if (rc == -EPERM) {
		/* a regular file (a save image): poll() says it is always
		 * ready, epoll will not have it; it is run from the timer */
		f->always = 1;
		f->next = xen.always;
		xen.always = f;
		*reg = f;
		xen_timer_arm();
		return 0;
	}
	if (rc < 0) {
		free(f);
		return ERROR_OSEVENT_REG_FAIL;
	}
	*reg = f;
	return 0;
}

static int
xen_fd_modify(void *user, int fd, void **reg, short events)
{
	struct xen_fd *f = *reg;

	(void)user;
	(void)fd;
	if (f->always) {
		f->events = events;
		xen_timer_arm();
		return 0;
	}
	if (ctl_loop_mod(&f->w, xen_epoll_events(events)) < 0)
		return ERROR_OSEVENT_REG_FAIL;
	f->events = events;
	return 0;
}

static void
xen_fd_deregister(void *user, int fd, void *reg)
{
	struct xen_fd *f = reg;

	(void)user;
	(void)fd;
	if (f->always) {
		for (struct xen_fd **p = &xen.always; *p != NULL; p = &(*p)->next) {
			if (*p == f) {
				*p = f->next;
				break;
			}
		}
		f->w.fd = -1;
		f->always = 0;
	}
	ctl_loop_del(&f->w);
	ctl_loop_free_later(f); /* an event of this round may name it */
}

struct xen_timeout {
	struct xen_timeout *next;
	struct timeval abs;
	void *for_libxl;
};

static int
xen_tv_before(const struct timeval *a, const struct timeval *b)
{
	return a->tv_sec < b->tv_sec || (a->tv_sec == b->tv_sec && a->tv_usec < b->tv_usec);
}

/* The timerfd fires at the first timeout (CLOCK_REALTIME, as libxl's). */
static void
xen_timer_arm(void)
{
	struct itimerspec its = { 0 };

	int ready = 0;

	for (const struct xen_fd *f = xen.always; f != NULL && !ready; f = f->next)
		ready = f->events != 0;
	if (ready) {
		its.it_value.tv_nsec = 1; /* at once: an always-ready fd is waiting */
	} else if (xen.timeouts != NULL) {
		its.it_value.tv_sec = xen.timeouts->abs.tv_sec;
		its.it_value.tv_nsec = xen.timeouts->abs.tv_usec * 1000L;
		if (its.it_value.tv_sec == 0 && its.it_value.tv_nsec == 0)
			its.it_value.tv_nsec = 1; /* "as soon as possible"; 0 disarms */
	}
	if (timerfd_settime(xen.timer_w.fd, TFD_TIMER_ABSTIME, &its, NULL) < 0)
		XEN_LOG(ERR, "timerfd: %s", strerror(errno));
}

static void
xen_timeout_insert(struct xen_timeout *t)
{
	struct xen_timeout **p = &xen.timeouts;

	while (*p != NULL && !xen_tv_before(&t->abs, &(*p)->abs))
		p = &(*p)->next;
	t->next = *p;
	*p = t;
	xen_timer_arm();
}

static void
xen_timeout_unlink(struct xen_timeout *t)
{
	for (struct xen_timeout **p = &xen.timeouts; *p != NULL; p = &(*p)->next) {
		if (*p == t) {
			*p = t->next;
			return;
		}
	}
}

static int
xen_timeout_register(void *user, void **reg, struct timeval abs, void *for_libxl)
{
	struct xen_timeout *t = calloc(1, sizeof(*t));

	(void)user;
	if (t == NULL)
		return ERROR_OSEVENT_REG_FAIL;
	t->abs = abs;
	t->for_libxl = for_libxl;
	xen_timeout_insert(t);
	*reg = t;
	return 0;
}

static int
xen_timeout_modify(void *user, void **reg, struct timeval abs)
{
	struct xen_timeout *t = *reg;

	(void)user;
	xen_timeout_unlink(t);
	t->abs = abs;
	xen_timeout_insert(t);
	return 0;
}

static void
xen_timeout_deregister(void *user, void *reg)
{
	struct xen_timeout *t = reg;

	(void)user;
	xen_timeout_unlink(t);
	free(t);
	xen_timer_arm();
}

/* Run the timeouts that are due, one at a time: each may register more. */
static void
xen_timeouts_due(void)
{
	struct timeval now;

	for (;;) {
		gettimeofday(&now, NULL);
		struct xen_timeout *t = xen.timeouts;
		if (t == NULL || xen_tv_before(&now, &t->abs))
			break;
		xen.timeouts = t->next;
		void *for_libxl = t->for_libxl;
		free(t); /* deregistered implicitly, says libxl_event.h */
		libxl_osevent_occurred_timeout(xen.ctx, for_libxl);
	}
	xen_timer_arm();
}

/* Run the fds epoll cannot watch: ready for what they wait for, as poll()
 * would say. A callback may drop any of them: take them one by one. */
static void
xen_always_ready(void)
{
	struct xen_fd *batch[32];
	unsigned int n = 0;

	for (struct xen_fd *f = xen.always; f != NULL && n < RTE_DIM(batch); f = f->next)
		if (f->events != 0)
			batch[n++] = f;
	for (unsigned int i = 0; i < n; i++) {
		struct xen_fd *f = batch[i];
		if (!f->always || f->events == 0) /* dropped or changed meanwhile */
			continue;
		short revents = f->events & (POLLIN | POLLOUT);
		if (revents != 0)
			libxl_osevent_occurred_fd(xen.ctx, f->for_libxl, f->w.fd, f->events, revents);
	}
	xen_timer_arm();
}

static void
xen_on_timer(struct ctl_watch *w, uint32_t ev)
{
	uint64_t n;

	(void)ev;
	if (read(w->fd, &n, sizeof(n)) < 0 && errno != EAGAIN)
		XEN_LOG(WARNING, "timerfd: %s", strerror(errno));
	xen_timeouts_due();
	xen_always_ready();
}

static const libxl_osevent_hooks xen_os_hooks = {
	.fd_register = xen_fd_register,
	.fd_modify = xen_fd_modify,
	.fd_deregister = xen_fd_deregister,
	.timeout_register = xen_timeout_register,
	.timeout_modify = xen_timeout_modify,
	.timeout_deregister = xen_timeout_deregister,
};

/* libxl's children (hotplug scripts) must not inherit the signals that
 * jitsu blocks for its signalfd: a script could not be stopped, nor see its
 * own children exit. */
static pid_t
xen_fork(void *user)
{
	(void)user;
	pid_t pid = fork();
	if (pid == 0) {
		sigset_t none;
		sigemptyset(&none);
		pthread_sigmask(SIG_SETMASK, &none, NULL);
	}
	return pid;
}

static const libxl_childproc_hooks xen_child_hooks = {
	.chldowner = libxl_sigchld_owner_mainloop,
	.fork_replacement = xen_fork,
};

/* ---- services' bookkeeping --------------------------------------------- */

static struct xen_svc *
xen_by_domid(uint32_t domid)
{
	for (struct xen_svc *x = xen.svcs; x != NULL; x = x->next)
		if (x->domid == domid && domid != 0)
			return x;
	return NULL;
}

static struct xen_svc *
xen_by_token(const char *token)
{
	for (struct xen_svc *x = xen.svcs; x != NULL; x = x->next)
		if (x->watching && strcmp(x->token, token) == 0)
			return x;
	return NULL;
}

static void
xen_unwatch(struct xen_svc *x)
{
	if (!x->watching)
		return;
	xs_unwatch(xen.xs, x->vif_path, x->token);
	if (x->key_path[0] != '\0')
		xs_unwatch(xen.xs, x->key_path, x->token);
	x->watching = 0;
}

static void
xen_death_off(struct xen_svc *x)
{
	if (x->death != NULL)
		libxl_evdisable_domain_death(xen.ctx, x->death);
	x->death = NULL;
}

/* The domain is gone (destroyed, or never made). */
static void
xen_gone(struct xen_svc *x)
{
	xen_unwatch(x);
	xen_death_off(x);
	x->domid = 0;
	x->paused = 0;
	x->expect_death = 0;
	x->keep = 0;
}

/* ---- asynchronous operations ------------------------------------------- */

static void xen_ao_done(libxl_ctx *ctx, int rc, void *for_callback);

static struct xen_ao *
xen_ao_new(struct xen_svc *x, enum xen_op op, libxl_asyncop_how *how)
{
	struct xen_ao *ao = calloc(1, sizeof(*ao));

	if (ao == NULL)
		return NULL;
	ao->x = x;
	ao->op = op;
	ao->t0 = ctl_now();
	xen.inflight++;
	x->ao = ao;
	*how = (libxl_asyncop_how){ .callback = xen_ao_done, .u.for_callback = ao };
	return ao;
}

/* libxl refused to start it: the callback never comes. */
static void
xen_ao_abort(struct xen_svc *x)
{
	free(x->ao);
	x->ao = NULL;
	xen.inflight--;
}

static int xen_destroy(struct xen_svc *x);

static int
xen_watch(struct xen_svc *x)
{
	snprintf(x->token, sizeof(x->token), "jitsu%u", ++xen.tokens);
	snprintf(x->vif_path, sizeof(x->vif_path), "/local/domain/0/backend/vif/%u/0/state",
		 x->domid);
	x->key_path[0] = '\0';
	if (x->s->cfg->ready == CTL_READY_XENSTORE && !x->restored)
		snprintf(x->key_path, sizeof(x->key_path), "/local/domain/%u/%s", x->domid,
			 x->s->cfg->ready_key);
	x->vif_up = x->key_up = 0;
	if (!xs_watch(xen.xs, x->vif_path, x->token))
		return -errno;
	x->watching = 1;
	if (x->key_path[0] != '\0' && !xs_watch(xen.xs, x->key_path, x->token))
		return -errno;
	return 0;
}

/* The domain runs: death events on, readiness watches set. */
static void
xen_running(struct xen_svc *x)
{
	struct ctl_svc *s = x->s;
	int rc = libxl_evenable_domain_death(xen.ctx, x->domid, x->domid, &x->death);

	if (rc != 0) {
		ctl_svc_failed(s, "domain %u: cannot follow its death: libxl error %d", x->domid, rc);
		return;
	}
	ctl_svc_running(s); /* BOOTED (or READY with ready = start) */
	if (ctl_svc_state(s) != DP_SVC_BOOTED)
		return;
	rc = xen_watch(x);
	if (rc < 0)
		ctl_svc_failed(s, "xenstore watch on domain %u: %s", x->domid, strerror(-rc));
}

/* ---- what each operation's completion does ------------------------------ */

static void
xen_created(struct xen_svc *x, enum xen_op op, int rc)
{
	struct ctl_svc *s = x->s;
	libxl_asyncop_how how;

	if (x->dc_live) {
		libxl_domain_config_dispose(&x->dc);
		x->dc_live = 0;
	}
	if (x->save_fd >= 0) {
		close(x->save_fd);
		x->save_fd = -1;
	}
	if (op == XEN_OP_RESTORE) {
		x->saved = 0;
		unlink(x->save_path); /* the domain has it now */
	}
	if (rc != 0) {
		/* libxl destroys what it had made of it */
		x->domid = 0;
		ctl_svc_failed(s, "libxl: %s failed (error %d)", xen_op_names[op], rc);
		return;
	}
	x->domid = x->new_domid;
	if (ctl_svc_state(s) != DP_SVC_STARTING) {
		/* stopped while it was being made */
		xen_destroy(x);
		return;
	}
	/* libxl makes domains paused (xl create unpauses them too) */
	if (xen_ao_new(x, XEN_OP_START, &how) == NULL ||
	    (rc = libxl_domain_unpause(xen.ctx, x->domid, &how)) != 0) {
		if (x->ao != NULL)
			xen_ao_abort(x);
		ctl_svc_failed(s, "libxl: cannot start domain %u (error %d)", x->domid, rc);
	}
}

static void
xen_started(struct xen_svc *x, enum xen_op op, int rc)
{
	(void)op;
	if (rc != 0) {
		ctl_svc_failed(x->s, "libxl: cannot start domain %u (error %d)", x->domid, rc);
		return;
	}
	if (ctl_svc_state(x->s) != DP_SVC_STARTING) {
		xen_destroy(x);
		return;
	}
	xen_running(x);
}

static void
xen_destroyed(struct xen_svc *x, enum xen_op op, int rc)
{
	(void)op;
	xen_gone(x);
	if (rc != 0)
		XEN_LOG(WARNING, "%s: destroy: libxl error %d", x->s->cfg->name, rc);
	ctl_svc_stopped(x->s);
}

/* The guest was asked; its death event follows (or the runtime destroys it
 * when stop_grace is over). */
static void
xen_shutdown_asked(struct xen_svc *x, enum xen_op op, int rc)
{
	(void)op;
	if (rc != 0)
		xen_destroy(x);
}

static void
xen_suspended(struct xen_svc *x, enum xen_op op, int rc)
{
	const char *name = x->s->cfg->name;

	(void)op;
	if (rc != 0) {
		XEN_LOG(WARNING, "%s: suspend failed (libxl error %d): destroying it", name, rc);
		close(x->save_fd);
		x->save_fd = -1;
		unlink(x->save_path);
		xen_destroy(x);
		return;
	}
	if (fsync(x->save_fd) < 0)
		XEN_LOG(WARNING, "%s: %s: %s", name, x->save_path, strerror(errno));
	close(x->save_fd);
	x->save_fd = -1;
	x->saved = 1;
	xen_destroy(x); /* what is left of a suspended domain */
}

static void
xen_pause_done(struct xen_svc *x, enum xen_op op, int rc)
{
	(void)op;
	if (rc != 0) {
		xen_destroy(x);
		return;
	}
	x->paused = 1;
	ctl_svc_paused(x->s);
}

static void
xen_unpause_done(struct xen_svc *x, enum xen_op op, int rc)
{
	(void)op;
	if (rc != 0) {
		ctl_svc_failed(x->s, "libxl: unpause failed (error %d)", rc);
		return;
	}
	x->paused = 0;
	ctl_svc_resumed(x->s); /* it was serving all along */
}

static void
xen_dumped(struct xen_svc *x, enum xen_op op, int rc)
{
	const char *name = x->s->cfg->name;

	(void)op;
	if (rc == 0)
		XEN_LOG(INFO, "%s: domain %u's core is in %s", name, x->domid, x->core_path);
	else
		XEN_LOG(WARNING, "%s: core dump of domain %u to %s failed (libxl error %d)", name,
			x->domid, x->core_path, rc);
	x->keep = 0;
	xen_destroy(x); /* then FAILED stays, or the restart goes on */
}

static void (*const xen_done[])(struct xen_svc *x, enum xen_op op, int rc) = {
	[XEN_OP_CREATE] = xen_created,
	[XEN_OP_RESTORE] = xen_created,
	[XEN_OP_START] = xen_started,
	[XEN_OP_DESTROY] = xen_destroyed,
	[XEN_OP_SHUTDOWN] = xen_shutdown_asked,
	[XEN_OP_SUSPEND] = xen_suspended,
	[XEN_OP_PAUSE] = xen_pause_done,
	[XEN_OP_UNPAUSE] = xen_unpause_done,
	[XEN_OP_COREDUMP] = xen_dumped,
};

/* libxl's callback of every operation: bookkeeping, then the operation's own. */
static void
xen_ao_done(libxl_ctx *ctx, int rc, void *for_callback)
{
	struct xen_ao *ao = for_callback;
	struct xen_svc *x = ao->x;
	double ms = (double)(ctl_now() - ao->t0) / 1e6;

	(void)ctx;
	xen.inflight--;
	if (x == NULL) { /* the service went meanwhile, or none had it */
		free(ao);
		return;
	}
	x->ao = NULL;
	enum xen_op op = ao->op;
	free(ao);
	XEN_LOG(INFO, "%s: %s of domain %u %s in %.1f ms", x->s->cfg->name, xen_op_names[op],
		op == XEN_OP_CREATE || op == XEN_OP_RESTORE ? x->new_domid : x->domid,
		rc == 0 ? "done" : "failed", ms);
	if ((size_t)op < RTE_DIM(xen_done) && xen_done[op] != NULL)
		xen_done[op](x, op, rc);
}

static int
xen_destroy(struct xen_svc *x)
{
	libxl_asyncop_how how;

	if (x->domid == 0) {
		xen_gone(x);
		ctl_svc_stopped(x->s);
		return 0;
	}
	if (x->ao != NULL && x->ao->op == XEN_OP_DESTROY)
		return 0;
	if (x->ao != NULL) /* a pause, shutdown or suspend: destroy wins */
		x->ao->x = NULL, x->ao = NULL;
	x->expect_death = 1;
	xen_unwatch(x);
	if (xen_ao_new(x, XEN_OP_DESTROY, &how) == NULL)
		return -ENOMEM;
	int rc = libxl_domain_destroy(xen.ctx, x->domid, &how);
	if (rc != 0) {
		xen_ao_abort(x);
		XEN_LOG(ERR, "%s: destroy of domain %u: libxl error %d", x->s->cfg->name, x->domid,
			rc);
		return -EIO;
	}
	return 0;
}

/* ---- events: domain death, xenstore watches ---------------------------- */

static const char *
xen_reason(int r)
{
	switch (r) {
	case LIBXL_SHUTDOWN_REASON_POWEROFF: return "powered off";
	case LIBXL_SHUTDOWN_REASON_REBOOT: return "rebooted";
	case LIBXL_SHUTDOWN_REASON_SUSPEND: return "suspended";
	case LIBXL_SHUTDOWN_REASON_CRASH: return "crashed";
	case LIBXL_SHUTDOWN_REASON_WATCHDOG: return "stopped by its watchdog";
	case LIBXL_SHUTDOWN_REASON_SOFT_RESET: return "soft-reset";
	default: return "shut down for an unknown reason";
	}
}

/* A domain that shut down, not asked to: what its xl file's on_poweroff,
 * on_reboot or on_crash says (xl's defaults: destroy, restart, destroy). The
 * service is FAILED, with the reason, unless it restarts. */
static void
xen_on_its_own(struct xen_svc *x, int reason)
{
	struct ctl_svc *s = x->s;
	char why[96];
	libxl_action_on_shutdown a = reason == LIBXL_SHUTDOWN_REASON_POWEROFF ? x->on_poweroff
				     : reason == LIBXL_SHUTDOWN_REASON_REBOOT ? x->on_reboot
				     : reason == LIBXL_SHUTDOWN_REASON_CRASH ? x->on_crash
				     : LIBXL_ACTION_ON_SHUTDOWN_DESTROY;
	libxl_asyncop_how how;

	snprintf(why, sizeof(why), "domain %u %s", x->domid, xen_reason(reason));
	if (a == LIBXL_ACTION_ON_SHUTDOWN_COREDUMP_DESTROY ||
	    a == LIBXL_ACTION_ON_SHUTDOWN_COREDUMP_RESTART) {
		int restart = a == LIBXL_ACTION_ON_SHUTDOWN_COREDUMP_RESTART;
		x->keep = 1; /* until the dump is written, then destroyed */
		if (restart)
			ctl_svc_restart(s, why);
		else
			ctl_svc_failed(s, "%s (core: %s)", why, x->core_path);
		xen_unwatch(x);
		x->expect_death = 1;
		if (xen_ao_new(x, XEN_OP_COREDUMP, &how) != NULL &&
		    libxl_domain_core_dump(xen.ctx, x->domid, x->core_path, &how) == 0)
			return;
		if (x->ao != NULL)
			xen_ao_abort(x);
		XEN_LOG(WARNING, "%s: cannot dump the core of domain %u", s->cfg->name, x->domid);
		x->keep = 0;
		xen_destroy(x);
		return;
	}
	if (a == LIBXL_ACTION_ON_SHUTDOWN_RESTART) {
		ctl_svc_restart(s, why);
		xen_destroy(x); /* its stop report starts it again */
		return;
	}
	if (a == LIBXL_ACTION_ON_SHUTDOWN_PRESERVE) {
		x->keep = 1; /* the operator takes it down (xl destroy): then STOPPED */
		ctl_svc_failed(s, "%s (kept: preserve; xl destroy %s ends it)", why, x->domname);
		return;
	}
	ctl_svc_failed(s, "%s", why); /* destroy: the domain goes */
}

static void
xen_event(void *user, libxl_event *ev)
{
	struct xen_svc *x = xen_by_domid(ev->domid);

	(void)user;
	if (x == NULL)
		goto out;
	struct ctl_svc *s = x->s;
	if (ev->type == LIBXL_EVENT_TYPE_DOMAIN_SHUTDOWN) {
		int r = ev->u.domain_shutdown.shutdown_reason;
		if (r == LIBXL_SHUTDOWN_REASON_SUSPEND && x->ao != NULL &&
		    x->ao->op == XEN_OP_SUSPEND)
			goto out; /* our own suspend */
		if (x->expect_death || ctl_svc_state(s) == DP_SVC_STOPPING) {
			XEN_LOG(INFO, "%s: domain %u %s", s->cfg->name, x->domid, xen_reason(r));
			xen_destroy(x);
			goto out;
		}
		xen_on_its_own(x, r);
	} else if (ev->type == LIBXL_EVENT_TYPE_DOMAIN_DEATH) {
		if (x->ao != NULL && x->ao->op == XEN_OP_DESTROY)
			goto out; /* the destroy's callback reports */
		int expected = x->expect_death;
		uint32_t domid = x->domid;
		xen_gone(x);
		if (expected || ctl_svc_state(s) == DP_SVC_STOPPING)
			ctl_svc_stopped(s);
		else if (ctl_svc_state(s) != DP_SVC_FAILED)
			ctl_svc_failed(s, "domain %u died", domid);
	}
out:
	libxl_event_free(xen.ctx, ev);
}

static void
xen_disaster(void *user, libxl_event_type type, const char *msg, int errnoval)
{
	(void)user;
	XEN_LOG(ERR, "libxl cannot report events (type %d): %s: %s", (int)type, msg,
		strerror(errnoval));
}

static const libxl_event_hooks xen_ev_hooks = {
	.event_occurs_mask = LIBXL_EVENTMASK_ALL,
	.event_occurs = xen_event,
	.disaster = xen_disaster,
};

/* Readiness: the vif Connected (4), and the key when ready = xenstore:KEY.
 * With ready = tcp:PORT the vif's time is kept and the runtime's SYN probe
 * decides. */
static void
xen_check_ready(struct xen_svc *x)
{
	struct ctl_svc *s = x->s;
	unsigned int len;

	if (ctl_svc_state(s) != DP_SVC_BOOTED)
		return;
	if (!x->vif_up) {
		char *v = xs_read(xen.xs, XBT_NULL, x->vif_path, &len);
		if (v != NULL && strcmp(v, "4") == 0) {
			x->vif_up = 1;
			ctl_svc_link_up(s);
		}
		free(v);
	}
	if (x->key_path[0] != '\0' && !x->key_up) {
		char *v = xs_read(xen.xs, XBT_NULL, x->key_path, &len);
		x->key_up = v != NULL;
		free(v);
	}
	if (x->vif_up && (x->key_path[0] == '\0' || x->key_up)) {
		xen_unwatch(x);
		if (s->cfg->ready != CTL_READY_TCP)
			ctl_svc_ready(s);
	}
}

static void
xen_on_xs(struct ctl_watch *w, uint32_t ev)
{
	char **vec;

	(void)w;
	(void)ev;
	while ((vec = xs_check_watch(xen.xs)) != NULL) {
		struct xen_svc *x = xen_by_token(vec[XS_WATCH_TOKEN]);
		if (x != NULL)
			xen_check_ready(x);
		free(vec);
	}
}

/* ---- the backend's operations ------------------------------------------ */

/* The translation input of a service: its domain is NETNS_PREFIX-NAME
 * unless its xl file names it. */
static void
xen_input(const struct ctl_service_config *c, const struct ctl_gateway_config *gw,
	  struct ctl_xl_input *in, char *domname, size_t len)
{
	snprintf(domname, len, "%s-%s", gw->netns_prefix, c->name);
	*in = (struct ctl_xl_input){
		.xl = c->xl, .kernel = c->kernel, .memory = c->memory, .origin = c->origin,
		.name = domname, .address = c->address, .bridge = gw->bridge,
	};
	ctl_svc_default_mac(c, &in->mac);
}

static int
xen_translate(const struct ctl_service_config *c, const struct ctl_gateway_config *gw,
	      libxl_domain_config *dc, char *msg, size_t len)
{
	struct ctl_xl_input in;
	char domname[64];

	xen_input(c, gw, &in, domname, sizeof(domname));
	libxl_domain_config_init(dc);
	int rc = ctl_xl_translate(&in, dc, msg, len);
	if (rc < 0)
		libxl_domain_config_dispose(dc);
	return rc;
}

static int
xen_ready_ok(const struct ctl_service_config *c, char *msg, size_t len)
{
	if (c->ready == CTL_READY_NOTIFY) {
		snprintf(msg, len, "ready: notify is for process services; a libxl service is "
			 "ready at start, when its vif is connected (vif), when it writes a "
			 "xenstore key (xenstore:KEY) or when it answers a SYN (tcp:PORT)");
		return -EINVAL;
	}
	return 0;
}

/* The xl configuration is checked even where Xen is not; that Xen is not
 * here is a warning (the service would be refused at load). */
static int
xen_check(const struct ctl_service_config *c, const struct ctl_gateway_config *gw, char *msg,
	  size_t len, char *warn, size_t wlen)
{
	libxl_domain_config dc;
	const char *why = ctl_xl_available();
	int rc = xen_ready_ok(c, msg, len);

	warn[0] = '\0';
	if (why != NULL)
		snprintf(warn, wlen, "backend libxl: %s: it would be refused", why);
	if (rc == 0 && (c->limits_given & CTL_LIMIT_USER)) {
		snprintf(msg, len, "user: a libxl service is a domain, not a process run as a user");
		rc = -EINVAL;
	}
	if (rc == 0 && (rc = xen_translate(c, gw, &dc, msg, len)) == 0)
		libxl_domain_config_dispose(&dc);
	return rc;
}

static int
xen_prepare(struct ctl_svc *s, char *msg, size_t len)
{
	libxl_domain_config dc;
	struct xen_svc *x;
	int rc;

	if (xen.ctx == NULL) {
		snprintf(msg, len, "backend libxl: %s", xen.why[0] ? xen.why : "not open");
		return -ENOTSUP;
	}
	rc = ctl_bridge_up(s->gw->bridge, msg, len);
	if (rc < 0)
		return rc;
	rc = xen_translate(s->cfg, s->gw, &dc, msg, len);
	if (rc < 0)
		return rc;
	x = calloc(1, sizeof(*x));
	if (x == NULL) {
		libxl_domain_config_dispose(&dc);
		return -ENOMEM;
	}
	x->s = s;
	x->save_fd = -1;
	snprintf(x->domname, sizeof(x->domname), "%s", dc.c_info.name);
	x->on_poweroff = dc.on_poweroff;
	x->on_reboot = dc.on_reboot;
	x->on_crash = dc.on_crash;
	x->tmpl = dc; /* kept: a summon copies it instead of reading the xl file again */
	x->tmpl_live = 1;
	snprintf(x->save_path, sizeof(x->save_path), "%s/%s.save", s->gw->state_dir, x->domname);
	snprintf(x->core_path, sizeof(x->core_path), "%s/%s.core", s->gw->state_dir, x->domname);
	s->be_priv = x;
	x->next = xen.svcs;
	xen.svcs = x;

	/* a domain of that name from an earlier run */
	uint32_t domid;
	int adopted = 0;
	if (libxl_name_to_domid(xen.ctx, x->domname, &domid) == 0 && domid != 0) {
		libxl_dominfo info;
		libxl_dominfo_init(&info);
		int paused = libxl_domain_info(xen.ctx, &info, domid) == 0 && info.paused;
		libxl_dominfo_dispose(&info);
		x->domid = domid;
		if (s->gw->xen_recover == CTL_XEN_DESTROY) {
			XEN_LOG(INFO, "%s: destroying domain %u (%s) left by an earlier run",
				s->cfg->name, domid, x->domname);
			xen_destroy(x);
		} else if (libxl_evenable_domain_death(xen.ctx, domid, domid, &x->death) == 0) {
			XEN_LOG(INFO, "%s: adopting domain %u (%s)%s", s->cfg->name, domid,
				x->domname, paused ? ", paused" : "");
			x->paused = paused;
			adopted = 1; /* xen_adopted() follows */
		}
	}
	/* an image saved by an earlier run is restored by the next summon */
	struct stat st;
	x->saved = x->domid == 0 && stat(x->save_path, &st) == 0 && S_ISREG(st.st_mode);
	return adopted;
}

static void
xen_release(struct ctl_svc *s)
{
	struct xen_svc *x = s->be_priv;

	if (x == NULL)
		return;
	if (x->ao != NULL)
		x->ao->x = NULL; /* its callback finds no service */
	xen_unwatch(x);
	xen_death_off(x);
	if (x->dc_live)
		libxl_domain_config_dispose(&x->dc);
	if (x->tmpl_live)
		libxl_domain_config_dispose(&x->tmpl);
	if (x->save_fd >= 0)
		close(x->save_fd);
	if (x->saved)
		unlink(x->save_path); /* nobody would restore it */
	for (struct xen_svc **p = &xen.svcs; *p != NULL; p = &(*p)->next) {
		if (*p == x) {
			*p = x->next;
			break;
		}
	}
	free(x);
	s->be_priv = NULL;
}

/* A paused domain goes on: xen_unpause_done() reports. */
static int
xen_unpause(struct xen_svc *x, char *msg, size_t len)
{
	libxl_asyncop_how how;

	if (xen_ao_new(x, XEN_OP_UNPAUSE, &how) == NULL)
		return -ENOMEM;
	int rc = libxl_domain_unpause(xen.ctx, x->domid, &how);
	if (rc != 0) {
		xen_ao_abort(x);
		snprintf(msg, len, "libxl: unpause of domain %u: error %d", x->domid, rc);
		return -EIO;
	}
	return 0;
}

/* A suspended image comes back: xen_created() reports. @return 0 or libxl's error. */
static int
xen_restore(struct xen_svc *x)
{
	libxl_domain_restore_params params;
	libxl_asyncop_how how;
	int rc;

	libxl_domain_restore_params_init(&params);
	/* what libxl_domain_suspend() writes (xl tells it from its own
	 * header; 1 would send it through the legacy converter) */
	params.stream_version = 2;
	x->restored = 1;
	if (xen_ao_new(x, XEN_OP_RESTORE, &how) == NULL) {
		rc = -ENOMEM;
	} else {
		rc = libxl_domain_create_restore(xen.ctx, &x->dc, &x->new_domid, x->save_fd, -1,
						 &params, &how, NULL);
		if (rc != 0)
			xen_ao_abort(x);
	}
	libxl_domain_restore_params_dispose(&params);
	return rc;
}

static int
xen_summon(struct ctl_svc *s, char *msg, size_t len)
{
	struct xen_svc *x = s->be_priv;
	libxl_asyncop_how how;
	int rc;

	if (x->ao != NULL) {
		snprintf(msg, len, "domain %u: a %s is still in progress", x->domid,
			 xen_op_names[x->ao->op]);
		return -EBUSY;
	}
	if (x->paused && x->domid != 0)
		return xen_unpause(x, msg, len);
	if (x->domid != 0) {
		snprintf(msg, len, "domain %u is still there", x->domid);
		return -EBUSY;
	}
	/* libxl fills in what it is given: each create has a copy of its own */
	libxl_domain_config_init(&x->dc);
	libxl_domain_config_copy(xen.ctx, &x->dc, &x->tmpl);
	x->dc_live = 1;
	x->restored = 0;
	x->new_domid = 0;
	if (x->saved) {
		x->save_fd = open(x->save_path, O_RDONLY | O_CLOEXEC);
		if (x->save_fd < 0) {
			XEN_LOG(WARNING, "%s: %s: %s: booting instead", s->cfg->name, x->save_path,
				strerror(errno));
			x->saved = 0;
		}
	}
	if (x->saved) {
		rc = xen_restore(x);
	} else if (xen_ao_new(x, XEN_OP_CREATE, &how) == NULL) {
		rc = -ENOMEM;
	} else if ((rc = libxl_domain_create_new(xen.ctx, &x->dc, &x->new_domid, &how, NULL)) !=
		   0) {
		xen_ao_abort(x);
	}
	if (rc != 0) {
		libxl_domain_config_dispose(&x->dc);
		x->dc_live = 0;
		if (x->save_fd >= 0)
			close(x->save_fd), x->save_fd = -1;
		snprintf(msg, len, "libxl: %s: error %d", x->restored ? "restore" : "create", rc);
		return rc == -ENOMEM ? rc : -EIO;
	}
	return 0;
}

static int
xen_suspend(struct xen_svc *x)
{
	libxl_asyncop_how how;

	if (mkdir(x->s->gw->state_dir, 0700) < 0 && errno != EEXIST) {
		XEN_LOG(WARNING, "%s: %s: %s", x->s->cfg->name, x->s->gw->state_dir,
			strerror(errno));
		return -errno;
	}
	x->save_fd = open(x->save_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (x->save_fd < 0) {
		XEN_LOG(WARNING, "%s: %s: %s", x->s->cfg->name, x->save_path, strerror(errno));
		return -errno;
	}
	if (xen_ao_new(x, XEN_OP_SUSPEND, &how) == NULL)
		return -ENOMEM;
	int rc = libxl_domain_suspend(xen.ctx, x->domid, x->save_fd, 0, &how);
	if (rc != 0) {
		xen_ao_abort(x);
		close(x->save_fd);
		x->save_fd = -1;
		unlink(x->save_path);
		return -EIO;
	}
	return 0;
}

static void
xen_stop(struct ctl_svc *s, enum ctl_halt how)
{
	struct xen_svc *x = s->be_priv;
	libxl_asyncop_how ah;
	int rc = -1;

	if (x->domid == 0 && x->ao == NULL) {
		ctl_svc_stopped(s);
		return;
	}
	if (x->domid == 0) /* still being made: the create's callback destroys it */
		return;
	if (how == CTL_HALT_KILL && x->keep) /* preserved, or its core being dumped */
		return;
	xen_unwatch(x);
	if (how == CTL_HALT_AS_CONFIGURED && !x->paused && x->ao == NULL) {
		switch (s->cfg->stop) {
		case CTL_STOP_PAUSE:
			if (xen_ao_new(x, XEN_OP_PAUSE, &ah) == NULL)
				break;
			if ((rc = libxl_domain_pause(xen.ctx, x->domid, &ah)) != 0)
				xen_ao_abort(x);
			break;
		case CTL_STOP_SUSPEND:
			rc = xen_suspend(x);
			break;
		case CTL_STOP_SHUTDOWN:
			how = CTL_HALT_TERMINATE;
			break;
		default:
			break;
		}
		if (rc == 0)
			return;
	}
	if (how == CTL_HALT_TERMINATE && x->ao == NULL && !x->paused) {
		x->expect_death = 1;
		if (xen_ao_new(x, XEN_OP_SHUTDOWN, &ah) != NULL &&
		    libxl_domain_shutdown(xen.ctx, x->domid, &ah) == 0)
			return; /* the runtime destroys it when stop_grace is over */
		if (x->ao != NULL)
			xen_ao_abort(x);
	}
	xen_destroy(x);
}

static void
xen_adopted(struct ctl_svc *s)
{
	struct xen_svc *x = s->be_priv;

	/* it has been serving: ready at once, unless it was paused */
	if (x->paused)
		ctl_svc_paused(s);
	else
		ctl_svc_resumed(s);
}

static int
xen_exists(const struct ctl_svc *s)
{
	const struct xen_svc *x = s->be_priv;

	return x != NULL && (x->domid != 0 || x->ao != NULL);
}

/* ---- the process's libxl context --------------------------------------- */

static void xen_close(void);
static void xen_pump(int timeout_ms);

static const char *
xen_open(const struct ctl_config *cfg)
{
	if (xen.ctx != NULL)
		return NULL;
	if (xen.tried)
		return xen.why;
	xen.tried = 1;
	const char *why = ctl_xl_available();
	if (why != NULL) {
		snprintf(xen.why, sizeof(xen.why), "%s", why);
		return xen.why;
	}
	/* JITSU_LIBXL_DEBUG=1: libxl's own debug log, to diagnose a backend */
	const char *dbg = getenv("JITSU_LIBXL_DEBUG");
	xen.logger = xtl_createlogger_stdiostream(stderr, dbg != NULL && dbg[0] == '1' ? XTL_DEBUG
										     : XTL_ERROR, 0);
	if (xen.logger == NULL ||
	    libxl_ctx_alloc(&xen.ctx, LIBXL_VERSION, 0, (xentoollog_logger *)xen.logger) != 0) {
		snprintf(xen.why, sizeof(xen.why), "Xen is not available: cannot open libxl");
		goto fail;
	}
	libxl_childproc_setmode(xen.ctx, &xen_child_hooks, NULL);
	libxl_osevent_register_hooks(xen.ctx, &xen_os_hooks, NULL);
	libxl_event_register_callbacks(xen.ctx, &xen_ev_hooks, NULL);
	xen.xs = xs_open(0);
	if (xen.xs == NULL) {
		snprintf(xen.why, sizeof(xen.why), "Xen is not available: cannot open xenstore: %s",
			 strerror(errno));
		goto fail;
	}
	xen.xs_w = (struct ctl_watch){ xs_fileno(xen.xs), xen_on_xs, NULL };
	xen.timer_w = (struct ctl_watch){ timerfd_create(CLOCK_REALTIME,
							 TFD_NONBLOCK | TFD_CLOEXEC),
					  xen_on_timer, NULL };
	if (xen.xs_w.fd < 0 || xen.timer_w.fd < 0 || ctl_loop_add(&xen.xs_w, EPOLLIN) < 0 ||
	    ctl_loop_add(&xen.timer_w, EPOLLIN) < 0) {
		snprintf(xen.why, sizeof(xen.why), "libxl backend: cannot watch xenstore: %s",
			 strerror(errno));
		goto fail;
	}
	xen_timer_arm();
	ctl_bridge_set_downlink((uint16_t)cfg->ports.downlink);
	XEN_LOG(INFO, "libxl backend ready (Xen dom0)");
	return NULL;
fail:
	xen_close();
	xen.tried = 1;
	return xen.why;
}

static void
xen_close(void)
{
	/* libxl_ctx_free() must not find an operation in progress: let them end
	 * (the services are gone: every child is libxl's) */
	uint64_t end = ctl_now() + 30ull * 1000000000;
	while (xen.ctx != NULL && xen.inflight > 0 && ctl_now() < end) {
		int status;
		pid_t pid;
		while ((pid = waitpid(-1, &status, WNOHANG)) > 0)
			libxl_childproc_reaped(xen.ctx, pid, status);
		xen_pump(10);
	}
	if (xen.inflight > 0)
		XEN_LOG(WARNING, "%u libxl operation(s) still in progress at exit", xen.inflight);
	if (xen.xs != NULL) {
		ctl_loop_del(&xen.xs_w);
		xs_close(xen.xs);
		xen.xs = NULL;
	}
	ctl_loop_close(&xen.timer_w);
	if (xen.ctx != NULL) {
		libxl_ctx_free(xen.ctx); /* deregisters its fds and timeouts */
		xen.ctx = NULL;
	}
	while (xen.timeouts != NULL) {
		struct xen_timeout *t = xen.timeouts;
		xen.timeouts = t->next;
		free(t);
	}
	if (xen.logger != NULL)
		xtl_logger_destroy((xentoollog_logger *)xen.logger);
	xen.logger = NULL;
	xen.tried = 0;
	ctl_bridge_down();
}

/* A child none of the other backends claimed: a vif hotplug script. */
static int
xen_reaped(pid_t pid, int status)
{
	if (xen.ctx == NULL)
		return 0;
	libxl_childproc_reaped(xen.ctx, pid, status);
	return 1;
}

static void
xen_pump(int timeout_ms)
{
	struct pollfd fds[64];
	int nfds = RTE_DIM(fds), timeout = timeout_ms;
	struct timeval now;

	if (xen.ctx == NULL)
		return;
	/* libxl's own registry of fds and timeouts: the loop is blocked */
	gettimeofday(&now, NULL);
	if (libxl_osevent_beforepoll(xen.ctx, &nfds, fds, &timeout, now) != 0)
		nfds = 0;
	if (xen.xs != NULL && nfds < (int)RTE_DIM(fds))
		fds[nfds++] = (struct pollfd){ .fd = xs_fileno(xen.xs), .events = POLLIN };
	if (poll(fds, (nfds_t)nfds, timeout) < 0)
		return;
	gettimeofday(&now, NULL);
	libxl_osevent_afterpoll(xen.ctx, nfds - (xen.xs != NULL), fds, now);
	xen_timeouts_due();
	if (xen.xs != NULL && fds[nfds - 1].revents)
		xen_on_xs(&xen.xs_w, EPOLLIN);
}

/* Domains under the gateway's prefix that no service claims are destroyed
 * (one of a service's name was adopted or destroyed by its prepare). */
static void
xen_recover(const struct ctl_gateway_config *gw)
{
	char prefix[CTL_NAME_MAX + 2];
	int n = 0;

	if (xen.ctx == NULL)
		return;
	snprintf(prefix, sizeof(prefix), "%s-", gw->netns_prefix);
	libxl_dominfo *list = libxl_list_domain(xen.ctx, &n);
	for (int i = 0; list != NULL && i < n; i++) {
		uint32_t domid = list[i].domid;
		if (domid == 0 || xen_by_domid(domid) != NULL)
			continue;
		char *name = libxl_domid_to_name(xen.ctx, domid);
		if (name != NULL && strncmp(name, prefix, strlen(prefix)) == 0) {
			struct xen_ao *ao = calloc(1, sizeof(*ao)); /* no service: freed when done */
			if (ao != NULL) {
				libxl_asyncop_how how = { .callback = xen_ao_done,
							  .u.for_callback = ao };
				ao->op = XEN_OP_DESTROY;
				XEN_LOG(INFO, "destroying domain %u (%s): no service of this "
					"configuration claims it", domid, name);
				xen.inflight++;
				if (libxl_domain_destroy(xen.ctx, domid, &how) != 0) {
					xen.inflight--;
					free(ao);
				}
			}
		}
		free(name);
	}
	if (list != NULL)
		libxl_dominfo_list_free(list, n);
}

static void
xen_describe(const struct ctl_svc *s, struct rte_tel_data *d)
{
	const struct xen_svc *x = s->be_priv;

	if (x == NULL)
		return;
	rte_tel_data_add_dict_u64(d, "domid", x->domid);
	rte_tel_data_add_dict_string(d, "domain", x->domname);
	rte_tel_data_add_dict_u64(d, "saved", (uint64_t)x->saved);
}

const struct ctl_backend_ops ctl_backend_libxl = {
	.name = "libxl",
	.open = xen_open,
	.close = xen_close,
	.recover = xen_recover,
	.reaped = xen_reaped,
	.pump = xen_pump,
	.describe = xen_describe,
	.check = xen_check,
	.prepare = xen_prepare,
	.release = xen_release,
	.summon = xen_summon,
	.stop = xen_stop,
	.adopted = xen_adopted,
	.exists = xen_exists,
	.reports_link = 1,
};
