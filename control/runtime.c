/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The services' state machine (DESIGN.md section 5), driven by the control
 * loop: summon events from the workers, backend completions, a 10 ms timer
 * for deadlines, readiness probes, idle stops and failure back-off.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_log.h>
#include <rte_malloc.h>
#include <rte_ring.h>

#include "control.h"
#include "netns.h"
#include "runtime.h"

RTE_LOG_REGISTER(ctl_rt_logtype, jitsu.backend, INFO);
#define RT_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_##level, ctl_rt_logtype, "jitsu: " fmt "\n", ##__VA_ARGS__)

#define CTL_TICK_MS 10
#define CTL_PROBE_EVERY_MS 5
#define CTL_IDLE_EVERY_TICKS 20
#define CTL_EVENT_RING 4096
#define CTL_MAX_BACKOFF_MS 600000

static const char *const ctl_phase_names[CTL_PH__COUNT] = {
#define CTL_PHASE_NAME(name, what) #name,
	CTL_PHASES(CTL_PHASE_NAME)
#undef CTL_PHASE_NAME
};

const char *
ctl_phase_name(unsigned int ph)
{
	return ph < CTL_PH__COUNT ? ctl_phase_names[ph] : "?";
}

struct ctl_cmd {
	enum { CTL_CMD_SUMMON, CTL_CMD_STOP } verb;
	uint32_t svc;
};

struct ctl_runtime {
	const struct ctl_config *cfg;
	uint32_t n_services;
	struct ctl_svc *svc;
	struct dp_svc_rt *shared;          /* rte_zmalloc: workers read it */
	unsigned int n_workers;
	const uint64_t **activity;         /* per worker, by service */
	struct rte_ring *events;
	struct ctl_watch event_w;          /* eventfd: events or commands */
	struct ctl_watch timer_w;
	uint64_t ticks;
	uint64_t tsc_hz;
	struct ctl_cmd cmds[64];           /* from telemetry, under the loop lock */
	unsigned int n_cmds;
	int made_bridge;
	int shut;
};

uint64_t
ctl_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static const char *
ctl_state(const struct ctl_svc *s)
{
	return dp_svc_state_name(ctl_svc_state(s));
}

static void
ctl_phase(struct ctl_svc *s, enum ctl_phase ph, uint64_t from, uint64_t to)
{
	if (from != 0 && to >= from)
		ctl_hist_add(&s->hist[ph], (to - from) / 1000);
}

/* ---- what backends report ---------------------------------------------- */

void
ctl_svc_running(struct ctl_svc *s)
{
	s->t_running = ctl_now();
	ctl_phase(s, CTL_PH_running, s->t_exec, s->t_running);
	ctl_svc_set_state(s, DP_SVC_BOOTED);
	RT_LOG(DEBUG, "%s: running (pid %d)", s->cfg->name, (int)s->pid);
	if (s->cfg->ready == CTL_READY_START)
		ctl_svc_ready(s);
	else
		s->next_probe = s->t_running;
}

void
ctl_svc_ready(struct ctl_svc *s)
{
	s->t_ready = ctl_now();
	if (s->t_running == 0) /* resumed: it was running all along */
		s->t_running = s->t_ready;
	ctl_phase(s, CTL_PH_ready, s->t_running, s->t_ready);
	ctl_phase(s, CTL_PH_total, s->t_trigger, s->t_ready);
	s->ready_tsc = rte_rdtsc();
	s->first_packet_pending = 1;
	s->failures_in_a_row = 0;
	ctl_loop_close(&s->probe_w);
	ctl_svc_set_state(s, DP_SVC_READY);
	RT_LOG(INFO, "%s: ready in %.1f ms", s->cfg->name,
	       (double)(s->t_ready - s->t_trigger) / 1e6);
}

void
ctl_svc_failed(struct ctl_svc *s, const char *fmt, ...)
{
	va_list ap;
	uint32_t backoff = s->rt->cfg->gw.failure_backoff;

	va_start(ap, fmt);
	vsnprintf(s->last_error, sizeof(s->last_error), fmt, ap);
	va_end(ap);
	s->failures++;
	s->failures_in_a_row++;
	for (uint32_t i = 1; i < s->failures_in_a_row && backoff < CTL_MAX_BACKOFF_MS; i++)
		backoff *= 2;
	if (backoff > CTL_MAX_BACKOFF_MS)
		backoff = CTL_MAX_BACKOFF_MS;
	s->retry_at = ctl_now() + (uint64_t)backoff * 1000000;
	ctl_loop_close(&s->probe_w);
	ctl_loop_close(&s->exec_w);
	if (s->pid > 0)
		s->be->stop(s, CTL_STOP_KILL); /* what is left of it goes */
	ctl_svc_set_state(s, DP_SVC_FAILED);
	RT_LOG(ERR, "%s: summon failed: %s; next try in %u ms", s->cfg->name, s->last_error,
	       backoff);
}

void
ctl_svc_stopped(struct ctl_svc *s)
{
	if (ctl_svc_state(s) == DP_SVC_FAILED)
		return; /* stays failed until its back-off ends */
	s->t_trigger = s->t_exec = s->t_running = s->t_ready = 0;
	ctl_svc_set_state(s, DP_SVC_STOPPED);
	RT_LOG(INFO, "%s: %s", s->cfg->name, s->paused ? "paused" : "stopped");
}

/* ---- transitions ------------------------------------------------------- */

static unsigned int
ctl_starting(const struct ctl_runtime *rt)
{
	unsigned int n = 0;

	for (uint32_t i = 0; i < rt->n_services; i++) {
		uint32_t st = ctl_svc_state(&rt->svc[i]);
		n += st == DP_SVC_STARTING || st == DP_SVC_BOOTED;
	}
	return n;
}

/* A service in SUMMON_PENDING starts, unless too many are starting now: it
 * then waits for the next tick. */
static void
ctl_summon(struct ctl_svc *s)
{
	char msg[160] = "";

	if (ctl_starting(s->rt) >= s->rt->cfg->gw.max_concurrent_summons)
		return;
	s->summons++;
	if (s->t_trigger == 0)
		s->t_trigger = ctl_now();
	s->t_exec = ctl_now();
	ctl_phase(s, CTL_PH_exec, s->t_trigger, s->t_exec);
	s->t_running = s->t_ready = 0;
	s->deadline = s->t_exec + (uint64_t)s->rt->cfg->gw.ready_timeout * 1000000;
	s->killed = 0;
	ctl_svc_set_state(s, DP_SVC_STARTING);
	RT_LOG(INFO, "%s: summoning", s->cfg->name);
	int rc = s->be->summon(s, msg, sizeof(msg));
	if (rc < 0)
		ctl_svc_failed(s, "%s", msg[0] ? msg : strerror(-rc));
}

static void
ctl_stop(struct ctl_svc *s, enum ctl_stop_how how, const char *why)
{
	uint32_t st = ctl_svc_state(s);

	if (st == DP_SVC_STOPPED || st == DP_SVC_STOPPING || st == DP_SVC_FAILED ||
	    st == DP_SVC_SUMMON_PENDING)
		return;
	s->stops++;
	ctl_loop_close(&s->probe_w);
	s->deadline = ctl_now() + (uint64_t)s->rt->cfg->gw.stop_grace * 1000000;
	ctl_svc_set_state(s, DP_SVC_STOPPING);
	RT_LOG(INFO, "%s: stopping (%s)", s->cfg->name, why);
	s->be->stop(s, how);
}

static void
ctl_probe_done(struct ctl_watch *w, uint32_t events)
{
	struct ctl_svc *s = w->arg;
	int err = 0;
	socklen_t len = sizeof(err);

	(void)events;
	if (getsockopt(w->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		err = errno;
	ctl_loop_close(w);
	if (err == 0 && ctl_svc_state(s) == DP_SVC_BOOTED)
		ctl_svc_ready(s);
	/* refused: not listening yet; the tick tries again */
}

static void
ctl_probe(struct ctl_svc *s, uint64_t now)
{
	if (s->probe_w.fd >= 0 || now < s->next_probe)
		return;
	s->next_probe = now + CTL_PROBE_EVERY_MS * 1000000ull;
	int fd = s->be->probe(s);
	if (fd < 0)
		return;
	s->probe_w = (struct ctl_watch){ .fd = fd, .fn = ctl_probe_done, .arg = s };
	if (ctl_loop_add(&s->probe_w, EPOLLOUT) < 0)
		ctl_loop_close(&s->probe_w);
}

static uint64_t
ctl_last_activity(const struct ctl_runtime *rt, uint32_t id)
{
	uint64_t last = 0;

	for (unsigned int w = 0; w < rt->n_workers; w++) {
		uint64_t t = rt->activity[w] ? __atomic_load_n(&rt->activity[w][id],
								__ATOMIC_RELAXED) : 0;
		last = t > last ? t : last;
	}
	return last;
}

static void
ctl_tick_service(struct ctl_runtime *rt, struct ctl_svc *s, uint64_t now, int idle_round)
{
	switch (ctl_svc_state(s)) {
	case DP_SVC_SUMMON_PENDING:
		ctl_summon(s);
		break;
	case DP_SVC_STARTING:
	case DP_SVC_BOOTED:
		if (now >= s->deadline) {
			ctl_svc_failed(s, "not ready after %u ms", rt->cfg->gw.ready_timeout);
			break;
		}
		if (ctl_svc_state(s) == DP_SVC_BOOTED && s->cfg->ready == CTL_READY_TCP)
			ctl_probe(s, now);
		break;
	case DP_SVC_STOPPING:
		if (now >= s->deadline && !s->killed) {
			s->killed = 1;
			s->be->stop(s, CTL_STOP_KILL);
		}
		break;
	case DP_SVC_FAILED:
		if (now >= s->retry_at && s->pid <= 0 && s->prepared) {
			ctl_svc_set_state(s, DP_SVC_STOPPED); /* the next query summons */
			RT_LOG(INFO, "%s: back-off over, can be summoned again", s->cfg->name);
		}
		break;
	case DP_SVC_READY: {
		if (!s->first_packet_pending && !idle_round)
			break;
		uint64_t last = ctl_last_activity(rt, s->id);
		if (s->first_packet_pending && last > s->ready_tsc) {
			s->first_packet_pending = 0;
			uint64_t us = (last - s->ready_tsc) * 1000000 / rt->tsc_hz;
			ctl_hist_add(&s->hist[CTL_PH_first_packet], us);
		}
		if (!idle_round)
			break;
		uint64_t since = last > s->ready_tsc ? last : s->ready_tsc;
		uint64_t idle = rte_rdtsc() - since;
		if (idle / rt->tsc_hz >= s->cfg->idle_timeout)
			ctl_stop(s, CTL_STOP_AS_CONFIGURED, "idle");
		break;
	}
	default:
		break;
	}
}

static void
ctl_drain(struct ctl_runtime *rt)
{
	void *ev[64];
	unsigned int n;

	while ((n = rte_ring_sc_dequeue_burst(rt->events, ev, RTE_DIM(ev), NULL)) > 0) {
		for (unsigned int i = 0; i < n; i++) {
			enum dp_event_type type;
			uint32_t id;
			dp_event_decode(ev[i], &type, &id);
			if (type != DP_EV_SUMMON || id >= rt->n_services)
				continue;
			struct ctl_svc *s = &rt->svc[id];
			if (ctl_svc_state(s) == DP_SVC_SUMMON_PENDING) {
				s->t_trigger = ctl_now();
				ctl_summon(s);
			}
		}
	}
	/* handlers hold the loop lock: the queue is ours to read */
	struct ctl_cmd cmds[RTE_DIM(rt->cmds)];
	unsigned int nc = rt->n_cmds;
	memcpy(cmds, rt->cmds, nc * sizeof(cmds[0]));
	rt->n_cmds = 0;
	for (unsigned int i = 0; i < nc; i++) {
		struct ctl_svc *s = &rt->svc[cmds[i].svc];
		uint32_t expect = DP_SVC_STOPPED;
		if (cmds[i].verb == CTL_CMD_STOP) {
			ctl_stop(s, CTL_STOP_AS_CONFIGURED, "asked to");
		} else if (__atomic_compare_exchange_n(&s->shared->state, &expect,
						       DP_SVC_SUMMON_PENDING, 0, __ATOMIC_ACQ_REL,
						       __ATOMIC_RELAXED)) {
			s->t_trigger = ctl_now();
			ctl_summon(s);
		}
	}
}

static void
ctl_on_event(struct ctl_watch *w, uint32_t events)
{
	struct ctl_runtime *rt = w->arg;
	uint64_t n;

	(void)events;
	if (read(w->fd, &n, sizeof(n)) < 0 && errno != EAGAIN)
		RT_LOG(WARNING, "eventfd: %s", strerror(errno));
	ctl_drain(rt);
}

static void
ctl_on_tick(struct ctl_watch *w, uint32_t events)
{
	struct ctl_runtime *rt = w->arg;
	uint64_t n, now = ctl_now();

	(void)events;
	if (read(w->fd, &n, sizeof(n)) < 0)
		return;
	rt->ticks++;
	ctl_drain(rt); /* in case an eventfd write was lost */
	int idle_round = rt->ticks % CTL_IDLE_EVERY_TICKS == 0;
	for (uint32_t i = 0; i < rt->n_services; i++)
		ctl_tick_service(rt, &rt->svc[i], now, idle_round);
}

void
ctl_runtime_sigchld(struct ctl_runtime *rt)
{
	int status;
	pid_t pid;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		struct ctl_svc *s = NULL;
		for (uint32_t i = 0; i < rt->n_services && s == NULL; i++)
			if (rt->svc[i].pid == pid)
				s = &rt->svc[i];
		if (s == NULL)
			continue;
		/* an exec that failed wrote why before the child exited */
		if (s->exec_w.fd >= 0)
			s->exec_w.fn(&s->exec_w, EPOLLIN);
		s->pid = 0;
		s->paused = 0;
		uint32_t st = ctl_svc_state(s);
		char how[64];
		if (WIFEXITED(status))
			snprintf(how, sizeof(how), "exited with status %d", WEXITSTATUS(status));
		else
			snprintf(how, sizeof(how), "killed by signal %d", WTERMSIG(status));
		if (st == DP_SVC_STOPPING || st == DP_SVC_STOPPED) {
			ctl_svc_stopped(s);
		} else if (st != DP_SVC_FAILED) {
			ctl_loop_close(&s->exec_w);
			ctl_svc_failed(s, "the process %s%s", how,
				       st == DP_SVC_READY ? " while serving" : " during boot");
		}
	}
}

/* ---- life cycle -------------------------------------------------------- */

/* The service's MAC: the configured one, or 02:4a:<IPv4 address>. */
static void
ctl_svc_mac(const struct ctl_service_config *c, struct rte_ether_addr *mac)
{
	if (!rte_is_zero_ether_addr(&c->mac)) {
		*mac = c->mac;
		return;
	}
	mac->addr_bytes[0] = 0x02;
	mac->addr_bytes[1] = 0x4a;
	memcpy(&mac->addr_bytes[2], &c->address, 4);
}

static int
ctl_leftover_netns(const char *name, void *arg)
{
	(void)arg;
	RT_LOG(INFO, "removing namespace %s left by an earlier run", name);
	ctl_netns_delete(name);
	return 0;
}

static int
ctl_leftover_link(const char *name, void *arg)
{
	(void)arg;
	RT_LOG(INFO, "removing link %s left by an earlier run", name);
	ctl_link_delete(name);
	return 0;
}

struct ctl_runtime *
ctl_runtime_create(const struct ctl_config *cfg, unsigned int n_workers, struct ctl_errors *errs)
{
	struct ctl_runtime *rt = calloc(1, sizeof(*rt));

	if (rt == NULL)
		goto nomem;
	rt->cfg = cfg;
	rt->n_services = cfg->n_services;
	rt->n_workers = n_workers;
	rt->tsc_hz = rte_get_tsc_hz();
	rt->event_w.fd = rt->timer_w.fd = -1;
	rt->svc = calloc(rt->n_services + 1, sizeof(*rt->svc));
	rt->activity = calloc(n_workers + 1, sizeof(*rt->activity));
	rt->shared = rte_zmalloc("jitsu_services", (rt->n_services + 1) * sizeof(*rt->shared),
				 RTE_CACHE_LINE_SIZE);
	rt->events = rte_ring_create("jitsu_events", CTL_EVENT_RING, SOCKET_ID_ANY, RING_F_SC_DEQ);
	if (rt->svc == NULL || rt->activity == NULL || rt->shared == NULL || rt->events == NULL)
		goto nomem;
	rt->event_w = (struct ctl_watch){ eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC), ctl_on_event, rt };
	rt->timer_w = (struct ctl_watch){ timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC),
					  ctl_on_tick, rt };
	if (rt->event_w.fd < 0 || rt->timer_w.fd < 0) {
		ctl_errors_add(errs, "eventfd/timerfd: %s", strerror(errno));
		ctl_runtime_free(rt);
		return NULL;
	}

	for (uint32_t i = 0; i < rt->n_services; i++) {
		struct ctl_svc *s = &rt->svc[i];
		s->id = i;
		s->cfg = &cfg->services[i];
		s->rt = rt;
		s->gw = &cfg->gw;
		s->shared = &rt->shared[i];
		s->netns_fd = -1;
		s->exec_w.fd = s->probe_w.fd = s->notify_w.fd = -1;
		ctl_svc_mac(s->cfg, &s->shared->mac);
		s->shared->dns_when_ready = s->cfg->dns_reply == CTL_DNS_REPLY_READY;
		s->shared->state = DP_SVC_STOPPED;
		s->be = &ctl_backend_process;
	}
	/* the gateway's bridge (kept if it was there), leftovers of a crash */
	if (rt->n_services > 0) {
		int rc = ctl_bridge_create(cfg->gw.bridge);
		if (rc == 0)
			rt->made_bridge = 1;
		else if (rc != -EEXIST)
			ctl_errors_add(errs, "bridge %s: %s", cfg->gw.bridge, strerror(-rc));
		if (rc == 0 || rc == -EEXIST)
			ctl_link_set_up(cfg->gw.bridge);
		char prefix[CTL_NAME_MAX + 2];
		snprintf(prefix, sizeof(prefix), "%s-", cfg->gw.netns_prefix);
		ctl_netns_foreach(prefix, ctl_leftover_netns, rt);
		ctl_links_foreach_prefix(cfg->gw.veth_prefix, ctl_leftover_link, rt);
	}
	/* the slow part, before any request */
	for (uint32_t i = 0; i < rt->n_services; i++) {
		struct ctl_svc *s = &rt->svc[i];
		char msg[200] = "";
		int rc;
		if (s->cfg->backend == CTL_BACKEND_LIBXL) {
			snprintf(msg, sizeof(msg), "backend libxl: Xen is not available on this "
				 "machine (not a Xen dom0)");
			rc = -ENOTSUP;
		} else {
			rc = s->be->prepare(s, msg, sizeof(msg));
		}
		if (rc == 0) {
			s->prepared = 1;
			continue;
		}
		/* refused: the others still run; this one is never summoned */
		snprintf(s->last_error, sizeof(s->last_error), "refused at load: %s",
			 msg[0] ? msg : strerror(-rc));
		s->retry_at = UINT64_MAX;
		s->shared->state = DP_SVC_FAILED;
		RT_LOG(ERR, "%s: %s", s->cfg->origin, s->last_error);
	}
	if (errs->n != 0) {
		ctl_runtime_free(rt);
		return NULL;
	}
	return rt;
nomem:
	ctl_errors_add(errs, "out of memory for the services' run-time state (%s)",
		       rte_strerror(rte_errno));
	ctl_runtime_free(rt);
	return NULL;
}

struct dp_svc_rt *
ctl_runtime_shared(struct ctl_runtime *rt)
{
	return rt->shared;
}

struct rte_ring *
ctl_runtime_events(struct ctl_runtime *rt)
{
	return rt->events;
}

int
ctl_runtime_event_fd(struct ctl_runtime *rt)
{
	return rt->event_w.fd;
}

void
ctl_runtime_set_activity(struct ctl_runtime *rt, unsigned int worker, const uint64_t *activity)
{
	if (worker < rt->n_workers)
		rt->activity[worker] = activity;
}

int
ctl_runtime_start(struct ctl_runtime *rt)
{
	struct itimerspec its = {
		.it_interval = { 0, CTL_TICK_MS * 1000000L },
		.it_value = { 0, CTL_TICK_MS * 1000000L },
	};

	if (timerfd_settime(rt->timer_w.fd, 0, &its, NULL) < 0)
		return -errno;
	int rc = ctl_loop_add(&rt->event_w, EPOLLIN);
	return rc < 0 ? rc : ctl_loop_add(&rt->timer_w, EPOLLIN);
}

int
ctl_runtime_command(struct ctl_runtime *rt, const char *verb, const char *name, char *out,
		    size_t len)
{
	uint32_t id = UINT32_MAX;
	uint64_t one = 1;
	int rc = 0;

	for (uint32_t i = 0; i < rt->n_services; i++)
		if (strcmp(rt->cfg->services[i].name, name) == 0)
			id = i;
	if (id == UINT32_MAX) {
		snprintf(out, len, "no service '%s'", name);
		return -ENOENT;
	}
	ctl_loop_lock();
	if (rt->n_cmds == RTE_DIM(rt->cmds)) {
		snprintf(out, len, "busy: too many commands queued");
		rc = -EBUSY;
	} else {
		rt->cmds[rt->n_cmds].verb = strcmp(verb, "stop") == 0 ? CTL_CMD_STOP
								       : CTL_CMD_SUMMON;
		rt->cmds[rt->n_cmds++].svc = id;
		snprintf(out, len, "%s %s: queued (state %s)", verb, name, ctl_state(&rt->svc[id]));
	}
	ctl_loop_unlock();
	if (rc == 0 && write(rt->event_w.fd, &one, sizeof(one)) < 0)
		rc = -errno;
	return rc;
}

uint32_t
ctl_runtime_count(const struct ctl_runtime *rt)
{
	return rt->n_services;
}

const struct ctl_svc *
ctl_runtime_svc(const struct ctl_runtime *rt, uint32_t id)
{
	return id < rt->n_services ? &rt->svc[id] : NULL;
}

void
ctl_runtime_shutdown(struct ctl_runtime *rt)
{
	if (rt == NULL || rt->shut)
		return;
	rt->shut = 1;
	ctl_loop_close(&rt->timer_w);
	/* every service goes, whatever its stop mode: paused ones too */
	for (uint32_t i = 0; i < rt->n_services; i++) {
		struct ctl_svc *s = &rt->svc[i];
		ctl_loop_close(&s->probe_w);
		ctl_loop_close(&s->exec_w);
		if (s->pid > 0) {
			ctl_svc_set_state(s, DP_SVC_STOPPING);
			s->be->stop(s, CTL_STOP_TERMINATE);
		}
	}
	uint64_t end = ctl_now() + (uint64_t)rt->cfg->gw.stop_grace * 1000000;
	for (;;) {
		int left = 0;
		ctl_runtime_sigchld(rt);
		for (uint32_t i = 0; i < rt->n_services; i++)
			left += rt->svc[i].pid > 0;
		if (left == 0)
			break;
		if (ctl_now() >= end) {
			for (uint32_t i = 0; i < rt->n_services; i++)
				if (rt->svc[i].pid > 0) {
					rt->svc[i].killed = 1;
					rt->svc[i].be->stop(&rt->svc[i], CTL_STOP_KILL);
				}
			end = UINT64_MAX; /* SIGKILL cannot be refused: wait for it */
		}
		usleep(5000);
	}
	for (uint32_t i = 0; i < rt->n_services; i++)
		if (rt->svc[i].prepared) {
			rt->svc[i].be->release(&rt->svc[i]);
			rt->svc[i].prepared = 0;
		}
	if (rt->made_bridge)
		ctl_link_delete(rt->cfg->gw.bridge);
}

void
ctl_runtime_free(struct ctl_runtime *rt)
{
	if (rt == NULL)
		return;
	ctl_runtime_shutdown(rt);
	ctl_loop_close(&rt->event_w);
	ctl_loop_close(&rt->timer_w);
	rte_ring_free(rt->events);
	rte_free(rt->shared);
	free(rt->activity);
	free(rt->svc);
	free(rt);
}
