/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The services' state machine (DESIGN.md section 5), driven by the control
 * loop: summon events from the workers, what backends report (backend.h),
 * and a CTL_TICK_MS timer for deadlines, readiness probes, idle stops (every
 * CTL_IDLE_EVERY_TICKS ticks) and failure back-off. It alone sets a
 * service's state; it sees backends only through their table.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_log.h>
#include <rte_malloc.h>
#include <rte_random.h>
#include <rte_ring.h>

#include "backend.h"
#include "control.h"
#include "runtime.h"

RTE_LOG_REGISTER(ctl_rt_logtype, jitsu.runtime, INFO);
#define RT_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_##level, ctl_rt_logtype, "jitsu: " fmt "\n", ##__VA_ARGS__)

#define CTL_TICK_MS 2 /* the state machine's timer (deadlines, probes, back-off) */
#define CTL_PROBE_FIRST_MS 2 /* the SYN probe's first gap, doubled up to: */
#define CTL_PROBE_MAX_MS 20
#define CTL_PROBE_RING 256
#define CTL_IDLE_EVERY_TICKS 100 /* idle checks every 200 ms */
#define CTL_REPLAY_WAIT_NS 1000000000ull /* a replay stamp that never comes: given up after */
#define CTL_EVENT_RING 4096
#define CTL_MAX_BACKOFF_MS 600000
/* READY this long before a failure: the back-off starts over */
#define CTL_STABLE_MS 10000
/* an id is reused this long after pending_timeout past its removal */
#define CTL_ID_HOLD_MS 1000
#define CTL_MIN_CAPACITY 1024

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
	uint32_t cap;                      /* ids are below it, whatever reloads bring */
	struct ctl_svc **svc;              /* by id; NULL where there is none */
	uint8_t *used;                     /* by id: ever given to a service */
	uint64_t *freed_at;                /* by id: when its service was removed, 0 if not */
	uint32_t *active;                  /* ids of services not STOPPED: what a tick visits */
	uint32_t n_active;
	struct dp_svc_rt *shared;          /* rte_zmalloc: workers read it */
	unsigned int n_workers;
	const uint64_t **activity;         /* per worker, by service */
	const struct syn_table **syn;      /* per worker: held SYNs' statistics */
	const uint64_t **replay_tsc;       /* per worker: end of the last replay, by service */
	struct rte_ring *events;
	struct rte_ring *probes; /* service ids whose SYN probe a worker sends */
	struct ctl_watch event_w;          /* eventfd: events or commands */
	struct ctl_watch timer_w;
	uint64_t ticks;
	uint64_t tsc_hz;
	struct ctl_cmd cmds[64];           /* from telemetry, under the loop lock */
	unsigned int n_cmds;
	/* by enum ctl_backend: 0 not opened yet, 1 open, -1 refused (why) */
	int be_open[CTL_BACKEND__COUNT];
	const char *be_why[CTL_BACKEND__COUNT];
	int shut;
	/* services by name: id + 1 (0: empty), linear probing, no tombstones */
	uint32_t *by_name;
	uint32_t name_mask;
};

uint64_t
ctl_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* ---- services by name: O(1) for commands and telemetry ----------------- */

static uint32_t
ctl_name_slot(const struct ctl_runtime *rt, const char *name)
{
	uint32_t h = 2166136261u; /* FNV-1a: names come from the configuration */

	for (; *name != '\0'; name++)
		h = (h ^ (uint8_t)*name) * 16777619u;
	return h & rt->name_mask;
}

/* The newest service of a name wins (a reload's, over the one it replaces). */
static void
ctl_name_put(struct ctl_runtime *rt, const struct ctl_svc *s)
{
	uint32_t i = ctl_name_slot(rt, s->cfg->name);

	while (rt->by_name[i] != 0 &&
	       strcmp(rt->svc[rt->by_name[i] - 1]->cfg->name, s->cfg->name) != 0)
		i = (i + 1) & rt->name_mask;
	rt->by_name[i] = s->id + 1;
}

/* Out of the index (if it is the one there), shifting back what probed
 * past it (Knuth's deletion for linear probing: no tombstones, so that
 * reloads without end do not lengthen the probes). */
static void
ctl_name_del(struct ctl_runtime *rt, const struct ctl_svc *s)
{
	uint32_t i = ctl_name_slot(rt, s->cfg->name);

	while (rt->by_name[i] != 0 && rt->by_name[i] != s->id + 1)
		i = (i + 1) & rt->name_mask;
	if (rt->by_name[i] == 0)
		return; /* a newer service of its name took the slot */
	for (uint32_t j = i;;) {
		j = (j + 1) & rt->name_mask;
		if (rt->by_name[j] == 0)
			break;
		uint32_t k = ctl_name_slot(rt, rt->svc[rt->by_name[j] - 1]->cfg->name);
		/* it stays unless its home k is cyclically outside (i, j] */
		if (i <= j ? (k <= i || k > j) : (k <= i && k > j)) {
			rt->by_name[i] = rt->by_name[j];
			i = j;
		}
	}
	rt->by_name[i] = 0;
}

uint32_t
ctl_runtime_find(const struct ctl_runtime *rt, const char *name)
{
	for (uint32_t i = ctl_name_slot(rt, name); rt->by_name[i] != 0; i = (i + 1) & rt->name_mask) {
		const struct ctl_svc *s = rt->svc[rt->by_name[i] - 1];
		if (strcmp(s->cfg->name, name) == 0)
			return s->id;
	}
	return UINT32_MAX;
}

static const char *
ctl_state(const struct ctl_svc *s)
{
	return dp_svc_state_name(ctl_svc_state(s));
}

/* The histograms of a service, made at its first record: a service never
 * summoned costs no 9 KiB of buckets. NULL when out of memory (not kept). */
static struct ctl_hist *
ctl_hists(struct ctl_svc *s)
{
	if (s->hist == NULL)
		s->hist = calloc(CTL_PH__COUNT, sizeof(*s->hist));
	return s->hist;
}

static void
ctl_phase(struct ctl_svc *s, enum ctl_phase ph, uint64_t from, uint64_t to)
{
	if (from != 0 && to >= from && ctl_hists(s) != NULL)
		ctl_hist_add(&s->hist[ph], (to - from) / 1000);
}

/* Publish a state to the workers: only the state machine does. */
/* Services not STOPPED are in rt->active, the only ones a tick visits: a
 * tick costs what is going on, not what is configured. */
static void
ctl_active(struct ctl_svc *s, int on)
{
	struct ctl_runtime *rt = s->rt;

	if (on && s->active_pos == UINT32_MAX) {
		s->active_pos = rt->n_active;
		rt->active[rt->n_active++] = s->id;
	} else if (!on && s->active_pos != UINT32_MAX) {
		uint32_t last = rt->active[--rt->n_active];
		rt->active[s->active_pos] = last;
		rt->svc[last]->active_pos = s->active_pos;
		s->active_pos = UINT32_MAX;
	}
}

static void
ctl_svc_set_state(struct ctl_svc *s, uint32_t state)
{
	if (state != DP_SVC_BOOTED) /* the SYN probe is for the boot only */
		__atomic_store_n(&s->shared->probe_port, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&s->shared->state, state, __ATOMIC_RELEASE);
	ctl_active(s, state != DP_SVC_STOPPED);
}

int
ctl_svc_exists(const struct ctl_svc *s)
{
	return s->be != NULL && s->prepared && s->be->exists(s);
}

/* ---- what backends report ---------------------------------------------- */

void
ctl_svc_running(struct ctl_svc *s)
{
	s->t_running = ctl_now();
	ctl_phase(s, CTL_PH_running, s->t_exec, s->t_running);
	s->paused = 0;
	ctl_svc_set_state(s, DP_SVC_BOOTED);
	RT_LOG(DEBUG, "%s: running", s->cfg->name);
	if (s->cfg->ready == CTL_READY_START) {
		ctl_svc_ready(s);
		return;
	}
	if (s->cfg->ready == CTL_READY_TCP) {
		s->next_probe = s->t_running;
		s->probe_gap_ms = CTL_PROBE_FIRST_MS;
		/* one SYN for the whole boot, sent again until answered: a
		 * late SYN-ACK to an earlier copy still matches */
		__atomic_store_n(&s->shared->probe_sport,
				 rte_cpu_to_be_16((uint16_t)(49152 + rte_rand_max(16384))),
				 __ATOMIC_RELAXED);
		__atomic_store_n(&s->shared->probe_seq, (uint32_t)rte_rand(), __ATOMIC_RELAXED);
		__atomic_store_n(&s->shared->probe_port,
				 rte_cpu_to_be_16((uint16_t)s->cfg->ready_port), __ATOMIC_RELEASE);
	}
}

void
ctl_svc_link_up(struct ctl_svc *s)
{
	s->t_link = ctl_now();
}

void
ctl_svc_resumed(struct ctl_svc *s)
{
	s->paused = 0;
	ctl_svc_set_state(s, DP_SVC_BOOTED);
	ctl_svc_ready(s);
}

void
ctl_svc_ready(struct ctl_svc *s)
{
	s->t_ready = ctl_now();
	if (s->t_running == 0) /* resumed: it was running all along */
		s->t_running = s->t_ready;
	ctl_phase(s, CTL_PH_ready, s->t_running, s->t_ready);
	ctl_phase(s, CTL_PH_link, s->t_running, s->t_link);
	ctl_phase(s, CTL_PH_total, s->t_trigger, s->t_ready);
	s->ready_tsc = rte_rdtsc();
	s->first_packet_pending = 1;
	s->replay_pending = 1;
	/* failures_in_a_row is not reset here: a `ready = start` service is
	 * READY at exec, and one that exits at once would never back off. It
	 * starts over after a clean stop or a failure that came long after
	 * READY (ctl_svc_failed()). */
	ctl_svc_set_state(s, DP_SVC_READY);
	if (s->t_link != 0 && s->t_trigger != 0)
		RT_LOG(INFO, "%s: ready in %.1f ms (running at %.1f, link up at %.1f)",
		       s->cfg->name, (double)(s->t_ready - s->t_trigger) / 1e6,
		       (double)(s->t_running - s->t_trigger) / 1e6,
		       (double)(s->t_link - s->t_trigger) / 1e6);
	else if (s->t_trigger != 0)
		RT_LOG(INFO, "%s: ready in %.1f ms", s->cfg->name,
		       (double)(s->t_ready - s->t_trigger) / 1e6);
	else
		RT_LOG(INFO, "%s: ready", s->cfg->name);
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
	/* a service that served for a while before failing starts its back-off
	 * over; one that fails again soon after READY (a crash loop) does not */
	if (s->t_ready != 0 && ctl_now() - s->t_ready >= (uint64_t)CTL_STABLE_MS * 1000000)
		s->failures_in_a_row = 0;
	s->failures_in_a_row++;
	for (uint32_t i = 1; i < s->failures_in_a_row && backoff < CTL_MAX_BACKOFF_MS; i++)
		backoff *= 2;
	if (backoff > CTL_MAX_BACKOFF_MS)
		backoff = CTL_MAX_BACKOFF_MS;
	s->retry_at = ctl_now() + (uint64_t)backoff * 1000000;
	s->backoff_ms = backoff;
	s->paused = 0;
	/* FAILED first: a backend that reports the stop at once (ctl_svc_stopped())
	 * leaves it FAILED, its count in a row kept */
	ctl_svc_set_state(s, DP_SVC_FAILED);
	if (ctl_svc_exists(s))
		s->be->stop(s, CTL_HALT_KILL); /* what is left of it goes */
	RT_LOG(ERR, "%s: summon failed: %s; next try in %u ms", s->cfg->name, s->last_error,
	       backoff);
}

static void
ctl_svc_down(struct ctl_svc *s, int paused)
{
	s->paused = paused;
	if (ctl_svc_state(s) == DP_SVC_FAILED)
		return; /* stays failed until its back-off ends */
	s->t_trigger = s->t_exec = s->t_running = s->t_link = s->t_ready = 0;
	if (s->restart_pending) {
		s->restart_pending = 0;
		s->t_trigger = ctl_now();
		ctl_svc_set_state(s, DP_SVC_SUMMON_PENDING); /* the tick summons it */
		RT_LOG(INFO, "%s: stopped; starting it again", s->cfg->name);
		return;
	}
	s->failures_in_a_row = 0; /* a clean stop */
	ctl_svc_set_state(s, DP_SVC_STOPPED);
	RT_LOG(INFO, "%s: %s", s->cfg->name, s->paused ? "paused" : "stopped");
}

void
ctl_svc_stopped(struct ctl_svc *s)
{
	ctl_svc_down(s, 0);
}

void
ctl_svc_paused(struct ctl_svc *s)
{
	ctl_svc_down(s, 1);
}

void
ctl_svc_restart(struct ctl_svc *s, const char *why)
{
	s->restarts++;
	s->restart_pending = 1;
	s->killed = 1; /* the backend takes it down: nothing to escalate */
	ctl_svc_set_state(s, DP_SVC_STOPPING);
	RT_LOG(INFO, "%s: %s: restarting it", s->cfg->name, why);
}

/* ---- transitions ------------------------------------------------------- */

static unsigned int
ctl_starting(const struct ctl_runtime *rt)
{
	unsigned int n = 0;

	for (uint32_t i = 0; i < rt->n_active; i++) {
		uint32_t st = ctl_svc_state(rt->svc[rt->active[i]]);
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
	s->t_running = s->t_link = s->t_ready = 0;
	s->deadline = s->t_exec + (uint64_t)s->rt->cfg->gw.ready_timeout * 1000000;
	s->killed = 0;
	ctl_svc_set_state(s, DP_SVC_STARTING);
	RT_LOG(INFO, "%s: summoning", s->cfg->name);
	int rc = s->be->summon(s, msg, sizeof(msg));
	if (rc < 0)
		ctl_svc_failed(s, "%s", msg[0] ? msg : strerror(-rc));
}

static void
ctl_stop(struct ctl_svc *s, enum ctl_halt how, const char *why)
{
	uint32_t st = ctl_svc_state(s);

	if (st == DP_SVC_STOPPED || st == DP_SVC_STOPPING || st == DP_SVC_FAILED ||
	    st == DP_SVC_SUMMON_PENDING)
		return;
	s->stops++;
	s->deadline = ctl_now() + (uint64_t)s->rt->cfg->gw.stop_grace * 1000000;
	ctl_svc_set_state(s, DP_SVC_STOPPING);
	RT_LOG(INFO, "%s: stopping (%s)", s->cfg->name, why);
	s->be->stop(s, how);
}

/* ready = tcp:PORT: a worker sends a SYN from the gateway's address through
 * the downlink and the vif, the way a client's goes, and posts DP_EV_PROBE
 * when the service's SYN-ACK comes back (DESIGN.md section 5). It is sent
 * again, at growing gaps, until then: CTL_PROBE_FIRST_MS at first, for a
 * process that listens within milliseconds, doubled up to CTL_PROBE_MAX_MS,
 * for a guest that boots for seconds (the tick, CTL_TICK_MS, bounds how
 * often it can go). A backend that reports the link (Xen) has it sent once the vif
 * is up. */
static void
ctl_probe(struct ctl_svc *s, uint64_t now)
{
	if (now < s->next_probe || (s->be->reports_link && s->t_link == 0))
		return;
	s->next_probe = now + s->probe_gap_ms * 1000000ull;
	s->probe_gap_ms = RTE_MIN(2 * s->probe_gap_ms, (uint32_t)CTL_PROBE_MAX_MS);
	if (rte_ring_sp_enqueue(s->rt->probes, (void *)(uintptr_t)s->id) != 0)
		RT_LOG(DEBUG, "%s: probe ring full, next round", s->cfg->name);
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

/* READY: time the first packet and the replay after READY; stop it when idle. */
static void
ctl_tick_ready(struct ctl_runtime *rt, struct ctl_svc *s, uint64_t now, int idle_round)
{
	if (!s->first_packet_pending && !s->replay_pending && !idle_round)
		return;
	uint64_t last = ctl_last_activity(rt, s->id);
	if (s->first_packet_pending && last > s->ready_tsc) {
		s->first_packet_pending = 0;
		uint64_t us = (last - s->ready_tsc) * 1000000 / rt->tsc_hz;
		if (ctl_hists(s) != NULL)
			ctl_hist_add(&s->hist[CTL_PH_first_packet], us);
	}
	if (s->replay_pending) {
		/* the workers stamp the end of each replay; one that held
		 * nothing for this summon never does: give up after 1 s */
		uint64_t rep = 0;
		for (unsigned int w = 0; w < rt->n_workers; w++) {
			uint64_t t = rt->replay_tsc[w] ? __atomic_load_n(
				&rt->replay_tsc[w][s->id], __ATOMIC_RELAXED) : 0;
			rep = t > rep ? t : rep;
		}
		if (rep > s->ready_tsc) {
			s->replay_pending = 0;
			if (ctl_hists(s) != NULL)
				ctl_hist_add(&s->hist[CTL_PH_replay],
				     (rep - s->ready_tsc) * 1000000 / rt->tsc_hz);
		} else if (now - s->t_ready > CTL_REPLAY_WAIT_NS) {
			s->replay_pending = 0;
		}
	}
	if (!idle_round)
		return;
	uint64_t since = last > s->ready_tsc ? last : s->ready_tsc;
	uint64_t idle = rte_rdtsc() - since;
	if (idle / rt->tsc_hz >= s->cfg->idle_timeout)
		ctl_stop(s, CTL_HALT_AS_CONFIGURED, "idle");
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
			s->be->stop(s, CTL_HALT_KILL);
		}
		break;
	case DP_SVC_FAILED:
		if (now >= s->retry_at && !ctl_svc_exists(s) && s->prepared) {
			ctl_svc_set_state(s, DP_SVC_STOPPED); /* the next query summons */
			RT_LOG(INFO, "%s: back-off over, can be summoned again", s->cfg->name);
		}
		break;
	case DP_SVC_READY:
		ctl_tick_ready(rt, s, now, idle_round);
		break;
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
			if (id >= rt->cap || rt->svc[id] == NULL)
				continue;
			struct ctl_svc *s = rt->svc[id];
			if (type == DP_EV_PROBE) {
				if (ctl_svc_state(s) == DP_SVC_BOOTED &&
				    s->cfg->ready == CTL_READY_TCP)
					ctl_svc_ready(s);
				continue;
			}
			if (type != DP_EV_SUMMON)
				continue;
			if (ctl_svc_state(s) == DP_SVC_SUMMON_PENDING) {
				ctl_active(s, 1); /* a worker moved it out of STOPPED */
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
		struct ctl_svc *s = rt->svc[cmds[i].svc];
		uint32_t expect = DP_SVC_STOPPED;
		if (s == NULL) /* removed by a reload meanwhile */
			continue;
		if (cmds[i].verb == CTL_CMD_STOP) {
			ctl_stop(s, CTL_HALT_AS_CONFIGURED, "asked to");
		} else if (__atomic_compare_exchange_n(&s->shared->state, &expect,
						       DP_SVC_SUMMON_PENDING, 0, __ATOMIC_ACQ_REL,
						       __ATOMIC_RELAXED)) {
			ctl_active(s, 1);
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
	/* backwards: one that leaves the set is replaced by one already seen */
	for (uint32_t i = rt->n_active; i-- > 0;)
		if (i < rt->n_active)
			ctl_tick_service(rt, rt->svc[rt->active[i]], now, idle_round);
}

/* A reaped child goes to the backends in table order until one claims it. */
void
ctl_runtime_sigchld(struct ctl_runtime *rt)
{
	int status;
	pid_t pid;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		for (unsigned int b = 0; b < CTL_BACKEND__COUNT; b++)
			if (rt->be_open[b] > 0 && ctl_backends[b]->reaped != NULL &&
			    ctl_backends[b]->reaped(pid, status))
				break;
	}
}

/* ---- life cycle -------------------------------------------------------- */

void
ctl_svc_default_mac(const struct ctl_service_config *c, struct rte_ether_addr *mac)
{
	if (!rte_is_zero_ether_addr(&c->mac)) {
		*mac = c->mac;
		return;
	}
	mac->addr_bytes[0] = 0x02;
	mac->addr_bytes[1] = 0x4a;
	memcpy(&mac->addr_bytes[2], &c->address, 4);
}

/* Open a service's backend when its first service comes. @return NULL or why not. */
static const char *
ctl_backend_open(struct ctl_runtime *rt, unsigned int kind)
{
	const struct ctl_backend_ops *be = ctl_backends[kind];

	if (rt->be_open[kind] == 0) {
		const char *why = be->open != NULL ? be->open(rt->cfg) : NULL;
		rt->be_open[kind] = why == NULL ? 1 : -1;
		rt->be_why[kind] = why;
	}
	return rt->be_open[kind] > 0 ? NULL : rt->be_why[kind];
}

/* A service of @p c under @p id, prepared (the slow part, before any
 * request). One that cannot be prepared is refused: it stays FAILED and is
 * never summoned, the others run. */
static struct ctl_svc *
ctl_svc_new(struct ctl_runtime *rt, const struct ctl_service_config *c, uint32_t id)
{
	struct ctl_svc *s = calloc(1, sizeof(*s));
	char msg[200] = "";
	int rc;

	if (s == NULL)
		return NULL;
	s->id = id;
	s->cfg = c;
	s->rt = rt;
	s->gw = &rt->cfg->gw;
	s->shared = &rt->shared[id];
	s->active_pos = UINT32_MAX;
	rt->svc[id] = s; /* before any state: the active set names it by id */
	ctl_name_put(rt, s);
	s->be = ctl_backends[c->backend];
	ctl_svc_default_mac(c, &s->shared->mac);
	s->shared->dns_when_ready = c->dns_reply == CTL_DNS_REPLY_READY;
	const char *why = ctl_backend_open(rt, c->backend);
	if (why != NULL) {
		snprintf(msg, sizeof(msg), "backend %s: %s", s->be->name, why);
		rc = -ENOTSUP;
	} else {
		/* nothing is made (bridge, namespace) for a service that cannot run */
		char warn[8];
		rc = s->be->check(c, &rt->cfg->gw, msg, sizeof(msg), warn, sizeof(warn));
		if (rc == 0)
			rc = s->be->prepare(s, msg, sizeof(msg));
	}
	if (rc >= 0) {
		s->prepared = 1;
		ctl_svc_set_state(s, DP_SVC_STOPPED);
		if (rc == 1 && s->be->adopted != NULL) /* running since an earlier run */
			s->be->adopted(s);
		if (rt->cfg->gw.synjitsu == SYN_MODE_BUFFER && c->ready == CTL_READY_START)
			RT_LOG(WARNING, "%s: ready = start: held SYNs are replayed as soon as the "
			       "process runs, maybe before it listens; tcp:PORT or notify say when "
			       "it can take them", c->origin);
	} else {
		snprintf(s->last_error, sizeof(s->last_error), "refused at load: %s",
			 msg[0] ? msg : strerror(-rc));
		s->retry_at = UINT64_MAX;
		ctl_svc_set_state(s, DP_SVC_FAILED);
		RT_LOG(ERR, "%s: %s", c->origin, s->last_error);
	}
	rt->svc[id] = s;
	rt->used[id] = 1;
	return s;
}

/* Stop the services for which @p pick says so (all when NULL), SIGTERM
 * then SIGKILL after the grace, and wait until their processes are reaped.
 * Blocks the control loop: for shutdown and reload only. */
static void
ctl_stop_wait(struct ctl_runtime *rt, int (*pick)(const struct ctl_svc *, void *), void *arg)
{
	uint64_t end = ctl_now() + (uint64_t)rt->cfg->gw.stop_grace * 1000000;

	for (uint32_t i = 0; i < rt->cap; i++) {
		struct ctl_svc *s = rt->svc[i];
		if (s == NULL || (pick != NULL && !pick(s, arg)))
			continue;
		s->restart_pending = 0; /* going for good */
		if (ctl_svc_exists(s)) {
			ctl_svc_set_state(s, DP_SVC_STOPPING);
			s->be->stop(s, CTL_HALT_TERMINATE);
		}
	}
	for (;;) {
		int left = 0, pumped = 0;
		ctl_runtime_sigchld(rt);
		for (uint32_t i = 0; i < rt->cap; i++) {
			struct ctl_svc *s = rt->svc[i];
			if (s == NULL || !ctl_svc_exists(s) || (pick != NULL && !pick(s, arg)))
				continue;
			left++;
			if (ctl_now() >= end && !s->killed) {
				s->killed = 1; /* SIGKILL cannot be refused: wait for it */
				s->be->stop(s, CTL_HALT_KILL);
			}
		}
		if (left == 0)
			return;
		for (unsigned int b = 0; b < CTL_BACKEND__COUNT; b++) {
			if (rt->be_open[b] > 0 && ctl_backends[b]->pump != NULL) {
				ctl_backends[b]->pump(5);
				pumped = 1;
			}
		}
		if (!pumped)
			usleep(5000);
	}
}

/* Take a stopped service out: undo its preparation, free it. */
static void
ctl_svc_remove(struct ctl_runtime *rt, struct ctl_svc *s)
{
	if (s->prepared)
		s->be->release(s);
	/* its id keeps no name or address once the new table is live */
	ctl_svc_set_state(s, DP_SVC_FAILED);
	ctl_active(s, 0);
	ctl_name_del(rt, s);
	rt->svc[s->id] = NULL;
	rt->freed_at[s->id] = ctl_now();
	rt->used[s->id] = 0;
	free(s->hist);
	free(s);
}

int
ctl_runtime_check(const struct ctl_config *cfg, struct ctl_errors *errs, struct ctl_errors *warns)
{
	uint32_t errs0 = errs->n + errs->dropped;
	char msg[320], warn[240];

	for (uint32_t i = 0; i < cfg->n_services; i++) {
		const struct ctl_service_config *c = &cfg->services[i];
		warn[0] = '\0';
		if (ctl_backends[c->backend]->check(c, &cfg->gw, msg, sizeof(msg), warn,
						    sizeof(warn)) < 0)
			ctl_errors_add(errs, "%s: %s", c->origin, msg);
		if (warn[0] != '\0')
			ctl_errors_add(warns, "%s: %s", c->origin, warn);
	}
	return errs->n + errs->dropped == errs0 ? 0 : -EINVAL;
}

struct ctl_runtime *
ctl_runtime_create(const struct ctl_config *cfg, unsigned int n_workers, uint32_t *ids,
		   struct ctl_errors *errs)
{
	struct ctl_runtime *rt = calloc(1, sizeof(*rt));

	if (rt == NULL)
		goto nomem;
	rt->cfg = cfg;
	/* room for reloads to add services without moving anything */
	rt->cap = cfg->n_services * 2 > CTL_MIN_CAPACITY ? cfg->n_services * 2 : CTL_MIN_CAPACITY;
	rt->n_workers = n_workers;
	rt->tsc_hz = rte_get_tsc_hz();
	rt->event_w.fd = rt->timer_w.fd = -1;
	rt->svc = calloc(rt->cap, sizeof(*rt->svc));
	rt->used = calloc(rt->cap, 1);
	rt->freed_at = calloc(rt->cap, sizeof(*rt->freed_at));
	rt->active = calloc(rt->cap, sizeof(*rt->active));
	/* at most half full: ids are below cap */
	for (rt->name_mask = 1; rt->name_mask < 2 * rt->cap; rt->name_mask <<= 1)
		;
	rt->by_name = calloc(rt->name_mask, sizeof(*rt->by_name));
	rt->name_mask--;
	rt->activity = calloc(n_workers + 1, sizeof(*rt->activity));
	rt->syn = calloc(n_workers + 1, sizeof(*rt->syn));
	rt->replay_tsc = calloc(n_workers + 1, sizeof(*rt->replay_tsc));
	rt->shared = rte_zmalloc("jitsu_services", rt->cap * sizeof(*rt->shared),
				 RTE_CACHE_LINE_SIZE);
	rt->events = rte_ring_create("jitsu_events", CTL_EVENT_RING, SOCKET_ID_ANY, RING_F_SC_DEQ);
	rt->probes = rte_ring_create("jitsu_probes", CTL_PROBE_RING, SOCKET_ID_ANY,
				     RING_F_SP_ENQ | RING_F_SC_DEQ);
	if (rt->svc == NULL || rt->used == NULL || rt->freed_at == NULL || rt->active == NULL || rt->by_name == NULL || rt->activity == NULL || rt->shared == NULL ||
	    rt->events == NULL || rt->probes == NULL || rt->syn == NULL || rt->replay_tsc == NULL)
		goto nomem;
	for (uint32_t i = 0; i < rt->cap; i++)
		rt->shared[i].state = DP_SVC_FAILED; /* no service under that id */
	rt->event_w = (struct ctl_watch){ eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC), ctl_on_event, rt };
	rt->timer_w = (struct ctl_watch){ timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC),
					  ctl_on_tick, rt };
	if (rt->event_w.fd < 0 || rt->timer_w.fd < 0) {
		ctl_errors_add(errs, "eventfd/timerfd: %s", strerror(errno));
		ctl_runtime_free(rt);
		return NULL;
	}

	for (uint32_t i = 0; i < cfg->n_services && errs->n == 0; i++) {
		ids[i] = i;
		if (ctl_svc_new(rt, &cfg->services[i], i) == NULL)
			goto nomem;
	}
	if (errs->n != 0) {
		ctl_runtime_free(rt);
		return NULL;
	}
	/* what an earlier run left that no service claims */
	for (unsigned int b = 0; b < CTL_BACKEND__COUNT; b++)
		if (rt->be_open[b] > 0 && ctl_backends[b]->recover != NULL)
			ctl_backends[b]->recover(&cfg->gw);
	return rt;
nomem:
	ctl_errors_add(errs, "out of memory for the services' run-time state (%s)",
		       rte_strerror(rte_errno));
	ctl_runtime_free(rt);
	return NULL;
}

static int
ctl_svc_name_cmp(const void *a, const void *b)
{
	return strcmp((*(struct ctl_svc *const *)a)->cfg->name,
		      (*(struct ctl_svc *const *)b)->cfg->name);
}

struct ctl_reload {
	const struct ctl_config *cfg;
	int *keep;  /* by id: the service stays as it is */
};

static int
ctl_pick_going(const struct ctl_svc *s, void *arg)
{
	return !((const struct ctl_reload *)arg)->keep[s->id];
}

int
ctl_runtime_reload(struct ctl_runtime *rt, const struct ctl_config *cfg, uint32_t *ids,
		   struct ctl_errors *errs)
{
	const struct ctl_gateway_config *a = &rt->cfg->gw, *b = &cfg->gw;
	struct ctl_reload rl = { cfg, calloc(rt->cap, sizeof(int)) };
	uint32_t kept = 0, added = 0, gone = 0;

	if (rl.keep == NULL) {
		ctl_errors_add(errs, "reload: out of memory");
		return -ENOMEM;
	}
	/* what the running gateway is built on cannot change under it */
	if (strcmp(a->bridge, b->bridge) != 0 || strcmp(a->netns_prefix, b->netns_prefix) != 0 ||
	    strcmp(a->veth_prefix, b->veth_prefix) != 0)
		ctl_errors_add(errs, "reload: bridge, netns_prefix and veth_prefix cannot change "
			       "while jitsu runs: restart it");
	/* services that stay: same name, same configuration (the running ones
	 * sorted by name: a reload is O(n log n), not a scan per service) */
	struct ctl_svc **by_name = calloc(rt->cap + 1, sizeof(*by_name));
	uint32_t n_run = 0;
	if (by_name == NULL) {
		free(rl.keep);
		ctl_errors_add(errs, "reload: out of memory");
		return -ENOMEM;
	}
	for (uint32_t i = 0; i < rt->cap; i++)
		if (rt->svc[i] != NULL)
			by_name[n_run++] = rt->svc[i];
	qsort(by_name, n_run, sizeof(*by_name), ctl_svc_name_cmp);
	for (uint32_t j = 0; j < cfg->n_services; j++) {
		struct ctl_svc key = { .cfg = &cfg->services[j] }, *kp = &key;
		struct ctl_svc **hit = bsearch(&kp, by_name, n_run, sizeof(*by_name),
					       ctl_svc_name_cmp);
		ids[j] = UINT32_MAX;
		if (hit != NULL && ctl_service_config_same((*hit)->cfg, &cfg->services[j])) {
			ids[j] = (*hit)->id;
			rl.keep[(*hit)->id] = 1;
		}
	}
	free(by_name);
	/* new ones take ids that no service has, nor had in this reload or
	 * lately: the table of the reload that removed one was published and
	 * every worker passed a quiescent state since (ctl_gateway_publish()),
	 * and what synjitsu held for it has expired (pending_timeout). */
	uint64_t now = ctl_now();
	uint64_t hold = ((uint64_t)rt->cfg->gw.pending_timeout + CTL_ID_HOLD_MS) * 1000000;
	uint32_t next = 0;
	for (uint32_t j = 0; j < cfg->n_services; j++) {
		if (ids[j] != UINT32_MAX)
			continue;
		while (next < rt->cap &&
		       (rt->used[next] || (rt->freed_at[next] != 0 && now - rt->freed_at[next] < hold)))
			next++;
		if (next == rt->cap) {
			ctl_errors_add(errs, "reload: more than %u services at once (ids of services "
				       "removed in the last %u ms are not reused yet): try again later",
				       rt->cap, rt->cfg->gw.pending_timeout + CTL_ID_HOLD_MS);
			break;
		}
		ids[j] = next++;
	}
	if (errs->n != 0) {
		free(rl.keep);
		return -EINVAL;
	}

	/* out with the old (changed or removed), then in with the new: a
	 * changed service reuses its namespace name */
	for (uint32_t i = 0; i < rt->cap; i++)
		gone += rt->svc[i] != NULL && !rl.keep[i];
	ctl_stop_wait(rt, ctl_pick_going, &rl);
	for (uint32_t i = 0; i < rt->cap; i++)
		if (rt->svc[i] != NULL && !rl.keep[i])
			ctl_svc_remove(rt, rt->svc[i]);
	rt->cfg = cfg;
	for (uint32_t j = 0; j < cfg->n_services; j++) {
		struct ctl_svc *s = rt->svc[ids[j]];
		if (s != NULL) { /* stays: now described by the new configuration */
			s->cfg = &cfg->services[j];
			s->gw = &cfg->gw;
			kept++;
		} else if (ctl_svc_new(rt, &cfg->services[j], ids[j]) != NULL) {
			added++;
		} else {
			ctl_errors_add(errs, "reload: out of memory for %s", cfg->services[j].name);
		}
	}
	free(rl.keep);
	RT_LOG(INFO, "reloaded: %u services kept running as they were, %u new or changed, "
	       "%u stopped and removed", kept, added, gone);
	return errs->n ? -ENOMEM : 0;
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

struct rte_ring *
ctl_runtime_probes(struct ctl_runtime *rt)
{
	return rt->probes;
}

int
ctl_runtime_event_fd(struct ctl_runtime *rt)
{
	return rt->event_w.fd;
}

void
ctl_runtime_set_activity(struct ctl_runtime *rt, unsigned int worker, const uint64_t *activity)
{
	ctl_runtime_set_worker(rt, worker, activity, NULL, NULL);
}

void
ctl_runtime_set_worker(struct ctl_runtime *rt, unsigned int worker, const uint64_t *activity,
		       const struct syn_table *syn, const uint64_t *replay_tsc)
{
	if (worker >= rt->n_workers)
		return;
	rt->activity[worker] = activity;
	rt->syn[worker] = syn;
	rt->replay_tsc[worker] = replay_tsc;
}

void
ctl_runtime_syn_stats(const struct ctl_runtime *rt, uint32_t id, uint64_t *sum)
{
	memset(sum, 0, SYN_ST__COUNT * sizeof(*sum));
	for (unsigned int w = 0; w < rt->n_workers; w++) {
		if (rt->syn[w] == NULL)
			continue;
		const uint64_t *s = syn_stats(rt->syn[w], id);
		for (unsigned int i = 0; i < SYN_ST__COUNT; i++)
			sum[i] += __atomic_load_n(&s[i], __ATOMIC_RELAXED);
	}
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
	uint64_t one = 1;
	int rc = 0;

	ctl_loop_lock(); /* a reload may free services: looked up under the lock */
	uint32_t id = ctl_runtime_find(rt, name);
	if (id == UINT32_MAX) {
		ctl_loop_unlock();
		snprintf(out, len, "no service '%s'", name);
		return -ENOENT;
	}
	if (rt->n_cmds == RTE_DIM(rt->cmds)) {
		snprintf(out, len, "busy: too many commands queued");
		rc = -EBUSY;
	} else {
		rt->cmds[rt->n_cmds].verb = strcmp(verb, "stop") == 0 ? CTL_CMD_STOP
								       : CTL_CMD_SUMMON;
		rt->cmds[rt->n_cmds++].svc = id;
		snprintf(out, len, "%s %s: queued (state %s)", verb, name, ctl_state(rt->svc[id]));
	}
	ctl_loop_unlock();
	if (rc == 0 && write(rt->event_w.fd, &one, sizeof(one)) < 0)
		rc = -errno;
	return rc;
}

uint32_t
ctl_runtime_capacity(const struct ctl_runtime *rt)
{
	return rt->cap;
}

const struct ctl_svc *
ctl_runtime_svc(const struct ctl_runtime *rt, uint32_t id)
{
	return id < rt->cap ? rt->svc[id] : NULL;
}

void
ctl_runtime_shutdown(struct ctl_runtime *rt)
{
	if (rt == NULL || rt->shut)
		return;
	rt->shut = 1;
	ctl_loop_close(&rt->timer_w);
	/* every service goes, whatever its stop mode: paused ones too */
	ctl_stop_wait(rt, NULL, NULL);
	for (uint32_t i = 0; i < rt->cap; i++)
		if (rt->svc[i] != NULL)
			ctl_svc_remove(rt, rt->svc[i]);
	/* in reverse: a backend may use what an earlier one made (the bridge) */
	for (unsigned int b = CTL_BACKEND__COUNT; b-- > 0;)
		if (rt->be_open[b] > 0 && ctl_backends[b]->close != NULL)
			ctl_backends[b]->close();
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
	rte_ring_free(rt->probes);
	rte_free(rt->shared);
	free(rt->activity);
	free(rt->syn);
	free(rt->replay_tsc);
	free(rt->used);
	free(rt->freed_at);
	free(rt->active);
	free(rt->svc);
	free(rt->by_name);
	free(rt);
}
