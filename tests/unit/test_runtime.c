/* SPDX-License-Identifier: BSD-3-Clause */
/* control/runtime.c: the services' state machine, driven through its real
 * control loop with the toy backend (control/backend/toy.c). Each test (a process of its own, as
 * Criterion forks) brings up an in-memory EAL for the event ring. */
#include <criterion/criterion.h>
#include <errno.h>
#include <getopt.h>
#include <sched.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ring.h>

#include "../../control/control.h"
#include "../../control/loop.h"
#include "../../control/runtime.h"
#include "../../control/backend/toy.h"
#include "helpers.h"

/* ---- harness ---------------------------------------------------------- */

static struct ctl_config *cfg;
static struct ctl_runtime *rt;
static uint32_t ids[8];
static uint64_t activity[2048];

static void
setup(void)
{
	static char prefix[64];
	snprintf(prefix, sizeof(prefix), "jitsu-rt-%d", (int)getpid());
	char *argv[] = { "test_runtime", "--no-huge", "-m", "64", "--no-pci", "--no-shconf",
			 "--file-prefix", prefix, "--no-telemetry", "-l", "0",
			 "--log-level=*:critical", NULL };

	/* the bridge the runtime makes lives in a namespace of this test's own,
	 * and its clean-up of leftovers looks for names no one else uses */
	cr_assert_eq(unshare(CLONE_NEWNET), 0);
	optind = 0; /* Criterion parsed its own options with getopt */
	cr_assert_geq(rte_eal_init(RTE_DIM(argv) - 1, argv), 0);
	cr_assert_eq(ctl_loop_init(), 0);
	memset(&ctl_toy, 0, sizeof(ctl_toy));
	cfg = ctl_config_new();
	cfg->gw.address = th_ip("10.77.0.1");
	cfg->gw.failure_backoff = 20;
	cfg->gw.ready_timeout = 100;
	cfg->gw.max_concurrent_summons = 32;
	snprintf(cfg->gw.netns_prefix, sizeof(cfg->gw.netns_prefix), "jitsu-t%d", (int)getpid());
	snprintf(cfg->gw.veth_prefix, sizeof(cfg->gw.veth_prefix), "jt%d", (int)getpid() % 100000);
}

static void
start(const char *const *specs)
{
	struct ctl_errors errs = { 0 };

	for (int i = 0; specs[i] != NULL; i++) {
		char spec[256]; /* the toy backend runs them, unless one says otherwise */
		snprintf(spec, sizeof(spec), "%s%s", specs[i],
			 strstr(specs[i], "backend=") ? "" : ",backend=toy");
		cr_assert_eq(ctl_config_add_service_spec(cfg, spec, &errs), 0, "%s", errs.msg[0]);
	}
	cr_assert_eq(ctl_config_validate(cfg, NULL, NULL, &errs), 0, "%s", errs.msg[0]);
	rt = ctl_runtime_create(cfg, 1, ids, &errs);
	cr_assert_not_null(rt, "%s", errs.msg[0]);
	ctl_runtime_set_activity(rt, 0, activity);
	cr_assert_eq(ctl_runtime_start(rt), 0);
}

static void
teardown(void)
{
	ctl_runtime_free(rt);
	ctl_config_free(cfg);
	ctl_loop_fini();
	rte_eal_cleanup();
	char dir[96]; /* EAL leaves its (empty, with --no-shconf) runtime directory */
	snprintf(dir, sizeof(dir), "/var/run/dpdk/jitsu-rt-%d", (int)getpid());
	rmdir(dir);
}

TestSuite(runtime, .init = setup, .fini = teardown, .timeout = 20);

static const struct ctl_svc *
svc(uint32_t id)
{
	return ctl_runtime_svc(rt, id);
}

static uint32_t
state(uint32_t id)
{
	return ctl_svc_state(svc(id));
}

/* What a worker does for a packet that asks for a stopped service. */
static void
worker_summons(uint32_t id)
{
	uint32_t expect = DP_SVC_STOPPED;
	struct dp_svc_rt *shared = ctl_runtime_shared(rt);
	uint64_t one = 1;

	cr_assert(__atomic_compare_exchange_n(&shared[id].state, &expect, DP_SVC_SUMMON_PENDING,
					      0, __ATOMIC_ACQ_REL, __ATOMIC_RELAXED),
		  "the service was %s", dp_svc_state_name(expect));
	cr_assert_eq(rte_ring_mp_enqueue(ctl_runtime_events(rt),
					 (void *)(uintptr_t)((uint64_t)DP_EV_SUMMON << 32 | id)), 0);
	cr_assert_eq(write(ctl_runtime_event_fd(rt), &one, sizeof(one)), (ssize_t)sizeof(one));
}

/* Run the control loop until service @id is in @want (or ~3 s pass). */
static int
run_until(uint32_t id, uint32_t want)
{
	for (int i = 0; i < 1500; i++) {
		if (state(id) == want)
			return 1;
		ctl_loop_poll(2);
	}
	return state(id) == want;
}

/* ---- tests ------------------------------------------------------------ */

Test(runtime, everything_starts_stopped_and_prepared)
{
	start((const char *const[]){ "dns=a.test,ip=10.77.1.1", "dns=b.test,ip=10.77.1.2", NULL });
	cr_assert_eq(ctl_toy.prepared, 2, "the slow part happens at load");
	cr_assert_eq(ids[0], 0);
	cr_assert_eq(ids[1], 1);
	cr_assert_eq(state(0), DP_SVC_STOPPED);
	cr_assert_eq(state(1), DP_SVC_STOPPED);
	cr_assert_eq(ctl_toy.summons, 0);
	cr_assert(ctl_runtime_capacity(rt) >= 1024, "room for reloads");
	cr_assert_eq(ctl_runtime_shared(rt)[5].state, DP_SVC_FAILED, "unused ids never summon");
}

Test(runtime, a_summon_event_makes_it_ready_and_times_every_phase)
{
	start((const char *const[]){ "dns=a.test,ip=10.77.1.1", NULL });
	worker_summons(0);
	cr_assert(run_until(0, DP_SVC_READY));
	cr_assert_eq(ctl_toy.summons, 1);
	cr_assert_eq(svc(0)->summons, 1);
	cr_assert_eq(svc(0)->hist[CTL_PH_exec].count, 1);
	cr_assert_eq(svc(0)->hist[CTL_PH_running].count, 1);
	cr_assert_eq(svc(0)->hist[CTL_PH_ready].count, 1);
	cr_assert_eq(svc(0)->hist[CTL_PH_total].count, 1);
	/* the first packet after READY is timed from the activity clocks */
	activity[0] = rte_rdtsc();
	for (int i = 0; i < 50 && svc(0)->hist[CTL_PH_first_packet].count == 0; i++)
		ctl_loop_poll(2);
	cr_assert_eq(svc(0)->hist[CTL_PH_first_packet].count, 1);
}

Test(runtime, an_idle_service_is_stopped_per_its_mode)
{
	start((const char *const[]){ "dns=a.test,ip=10.77.1.1,idle_timeout=1", NULL });
	worker_summons(0);
	cr_assert(run_until(0, DP_SVC_READY));
	activity[0] = rte_rdtsc() - 5 * rte_get_tsc_hz(); /* last seen long before */
	cr_assert(run_until(0, DP_SVC_STOPPED), "still %s", dp_svc_state_name(state(0)));
	cr_assert_eq(ctl_toy.stops, 1);
	cr_assert_eq(ctl_toy.last_how, CTL_HALT_AS_CONFIGURED);
	cr_assert_eq(svc(0)->stops, 1);
}

Test(runtime, recent_activity_keeps_it_running)
{
	start((const char *const[]){ "dns=a.test,ip=10.77.1.1,idle_timeout=1", NULL });
	worker_summons(0);
	cr_assert(run_until(0, DP_SVC_READY));
	for (int i = 0; i < 300; i++) { /* 0.6 s of ticks, idle checks among them */
		activity[0] = rte_rdtsc();
		ctl_loop_poll(2);
	}
	cr_assert_eq(state(0), DP_SVC_READY);
	cr_assert_eq(ctl_toy.stops, 0);
}

Test(runtime, a_failed_summon_backs_off_then_may_be_summoned_again)
{
	start((const char *const[]){ "dns=a.test,ip=10.77.1.1", NULL });
	ctl_toy.mode = CTL_TOY_FAIL;
	worker_summons(0);
	cr_assert(run_until(0, DP_SVC_FAILED));
	cr_assert_str_eq(svc(0)->last_error, "toy: no such program");
	uint64_t first_wait = svc(0)->retry_at - ctl_now();
	cr_assert(run_until(0, DP_SVC_STOPPED), "back to STOPPED after the back-off");
	worker_summons(0);
	cr_assert(run_until(0, DP_SVC_FAILED));
	cr_assert_eq(svc(0)->failures, 2);
	cr_assert_eq(svc(0)->failures_in_a_row, 2);
	uint64_t second_wait = svc(0)->retry_at - ctl_now();
	cr_assert_gt(second_wait, first_wait, "the back-off doubles");
	ctl_toy.mode = CTL_TOY_RUN_NOW;
	cr_assert(run_until(0, DP_SVC_STOPPED));
	worker_summons(0);
	cr_assert(run_until(0, DP_SVC_READY));
	/* READY alone does not reset it: a `ready = start` service is READY at
	 * exec, and one that exits at once is a crash loop */
	cr_assert_eq(svc(0)->failures_in_a_row, 2);
	ctl_svc_failed((struct ctl_svc *)svc(0), "exited at once"); /* as a backend reports it */
	cr_assert_eq(svc(0)->failures_in_a_row, 3, "a failure soon after READY counts on");
	cr_assert_eq(svc(0)->backoff_ms, 4 * 20, "and doubles (failure_backoff = 20)");
	cr_assert(run_until(0, DP_SVC_STOPPED));
	worker_summons(0);
	cr_assert(run_until(0, DP_SVC_READY));
	char out[128];
	cr_assert_eq(ctl_runtime_command(rt, "stop", "a", out, sizeof(out)), 0, "%s", out);
	cr_assert(run_until(0, DP_SVC_STOPPED));
	cr_assert_eq(svc(0)->failures_in_a_row, 0, "a clean stop resets the back-off");
}

Test(runtime, not_ready_in_time_is_a_failure)
{
	start((const char *const[]){ "dns=a.test,ip=10.77.1.1", NULL });
	ctl_toy.mode = CTL_TOY_LATER; /* never reports running */
	worker_summons(0);
	cr_assert(run_until(0, DP_SVC_STARTING));
	cr_assert(run_until(0, DP_SVC_FAILED));
	cr_assert(strstr(svc(0)->last_error, "not ready after 100 ms") != NULL, "%s",
		  svc(0)->last_error);
}

Test(runtime, tcp_readiness_waits_for_the_probe)
{
	start((const char *const[]){ "dns=a.test,ip=10.77.1.1,ready=tcp:80", NULL });
	worker_summons(0);
	cr_assert(run_until(0, DP_SVC_BOOTED));
	for (int i = 0; i < 20; i++)
		ctl_loop_poll(2);
	cr_assert_eq(state(0), DP_SVC_BOOTED, "refused probes: not ready");
	cr_assert(run_until(0, DP_SVC_FAILED), "and then too late");
}

Test(runtime, a_backend_that_reports_the_link_has_the_probe_wait_for_it)
{
	void *got[8];

	ctl_toy.link_later = 1; /* as the libxl backend: the vif comes up later */
	cfg->gw.ready_timeout = 5000;
	start((const char *const[]){ "dns=a.test,ip=10.77.1.1,ready=tcp:80", NULL });
	worker_summons(0);
	cr_assert(run_until(0, DP_SVC_BOOTED));
	for (int i = 0; i < 15; i++)
		ctl_loop_poll(2);
	cr_assert_eq(rte_ring_sc_dequeue_burst(ctl_runtime_probes(rt), got, 8, NULL), 0,
		     "no probe before the link is up");
	ctl_toy_link_up((struct ctl_svc *)svc(0));
	unsigned int n = 0;
	for (int i = 0; i < 15 && n == 0; i++) {
		ctl_loop_poll(2);
		n = rte_ring_sc_dequeue_burst(ctl_runtime_probes(rt), got, 8, NULL);
	}
	cr_assert_geq(n, 1, "then the probe goes");
}

Test(runtime, a_service_restarted_by_its_backend_is_summoned_again)
{
	start((const char *const[]){ "dns=a.test,ip=10.77.1.1", NULL });
	worker_summons(0);
	cr_assert(run_until(0, DP_SVC_READY));
	struct ctl_svc *s = (struct ctl_svc *)svc(0);
	/* what the libxl backend does for a guest that rebooted (on_reboot =
	 * restart): restart, then take down what is left */
	ctl_svc_restart(s, "domain 1 rebooted");
	cr_assert_eq(state(0), DP_SVC_STOPPING, "held SYNs wait meanwhile");
	ctl_toy_gone(s);
	cr_assert_eq(state(0), DP_SVC_SUMMON_PENDING);
	cr_assert(run_until(0, DP_SVC_READY), "booted again without a packet");
	cr_assert_eq(ctl_toy.summons, 2);
	cr_assert_eq(svc(0)->restarts, 1);
	cr_assert_eq(svc(0)->failures, 0, "a restart is not a failure");
	/* a stop now is a plain stop */
	ctl_svc_stopped(s);
	cr_assert_eq(state(0), DP_SVC_STOPPED);
}

/* A worker's answer to the probe: the service's SYN-ACK was seen. */
static void
worker_saw_the_syn_ack(uint32_t id)
{
	uint64_t one = 1;

	cr_assert_eq(rte_ring_mp_enqueue(ctl_runtime_events(rt),
					 (void *)(uintptr_t)((uint64_t)DP_EV_PROBE << 32 | id)), 0);
	cr_assert_eq(write(ctl_runtime_event_fd(rt), &one, sizeof(one)), (ssize_t)sizeof(one));
}

Test(runtime, tcp_readiness_is_the_dataplanes_syn_probe)
{
	void *got[64];

	cfg->gw.ready_timeout = 5000;
	start((const char *const[]){ "dns=a.test,ip=10.77.1.1,ready=tcp:8080",
				     "dns=b.test,ip=10.77.1.2", NULL });
	const struct dp_svc_rt *shared = ctl_runtime_shared(rt);
	worker_saw_the_syn_ack(1);
	for (int i = 0; i < 5; i++)
		ctl_loop_poll(2);
	cr_assert_eq(state(1), DP_SVC_STOPPED, "an answer nobody asked for changes nothing");
	worker_summons(0);
	cr_assert(run_until(0, DP_SVC_BOOTED));
	cr_assert_eq(shared[0].probe_port, htons(8080));
	cr_assert_geq(ntohs(shared[0].probe_sport), 49152);
	uint32_t seq = shared[0].probe_seq;
	unsigned int n = 0;
	for (int i = 0; i < 30 && n < 2; i++) {
		ctl_loop_poll(2);
		n += rte_ring_sc_dequeue_burst(ctl_runtime_probes(rt), got + n, 2 - n, NULL);
	}
	cr_assert_eq(n, 2, "the probe is asked for again until answered");
	cr_assert_eq((uintptr_t)got[0], 0);
	cr_assert_eq((uintptr_t)got[1], 0);
	cr_assert_eq(shared[0].probe_seq, seq, "the same SYN: a late answer still counts");
	cr_assert_eq(state(0), DP_SVC_BOOTED, "no answer: not ready");
	worker_saw_the_syn_ack(0);
	cr_assert(run_until(0, DP_SVC_READY));
	cr_assert_eq(shared[0].probe_port, 0, "no probe once READY");
	for (int i = 0; i < 10; i++)
		ctl_loop_poll(2);
	cr_assert_eq(rte_ring_sc_dequeue_burst(ctl_runtime_probes(rt), got, 64, NULL) <= 1, 1,
		     "no probe asked for after READY (but the one of the last round)");
}

Test(runtime, summons_beyond_the_limit_wait_their_turn)
{
	cfg->gw.max_concurrent_summons = 1;
	start((const char *const[]){ "dns=a.test,ip=10.77.1.1", "dns=b.test,ip=10.77.1.2", NULL });
	ctl_toy.mode = CTL_TOY_LATER;
	worker_summons(0);
	worker_summons(1);
	cr_assert(run_until(0, DP_SVC_STARTING));
	for (int i = 0; i < 10; i++)
		ctl_loop_poll(2);
	cr_assert_eq(state(1), DP_SVC_SUMMON_PENDING, "one at a time");
	cr_assert_eq(ctl_toy.summons, 1);
	ctl_toy_running(ctl_toy.later);
	cr_assert_eq(state(0), DP_SVC_READY);
	cr_assert(run_until(1, DP_SVC_STARTING), "the next one goes");
	cr_assert_eq(ctl_toy.summons, 2);
}

Test(runtime, commands_summon_and_stop)
{
	char out[160];

	start((const char *const[]){ "dns=a.test,ip=10.77.1.1", NULL });
	cr_assert_eq(ctl_runtime_command(rt, "summon", "a", out, sizeof(out)), 0, "%s", out);
	cr_assert(run_until(0, DP_SVC_READY));
	cr_assert_eq(ctl_runtime_command(rt, "stop", "a", out, sizeof(out)), 0, "%s", out);
	cr_assert(run_until(0, DP_SVC_STOPPED));
	cr_assert_eq(ctl_runtime_command(rt, "stop", "nosuch", out, sizeof(out)), -ENOENT);
	cr_assert_str_eq(out, "no service 'nosuch'");
}

Test(runtime, a_service_the_backend_cannot_run_is_refused_for_good)
{
	ctl_toy.mode = CTL_TOY_CHECK_FAILS;
	start((const char *const[]){ "dns=a.test,ip=10.77.1.1", NULL });
	cr_assert_eq(state(0), DP_SVC_FAILED);
	cr_assert_eq(ctl_toy.prepared, 0, "nothing is made for it");
	cr_assert(strstr(svc(0)->last_error, "refused at load: toy: cannot run this") != NULL);
	for (int i = 0; i < 30; i++)
		ctl_loop_poll(2);
	cr_assert_eq(state(0), DP_SVC_FAILED, "no back-off ends for it");
}

Test(runtime, reload_keeps_the_unchanged_and_moves_the_rest)
{
	struct ctl_errors errs = { 0 };
	uint32_t nids[8];

	start((const char *const[]){ "dns=a.test,ip=10.77.1.1", "dns=b.test,ip=10.77.1.2",
				     "dns=c.test,ip=10.77.1.3", NULL });
	worker_summons(0);
	worker_summons(1);
	cr_assert(run_until(0, DP_SVC_READY));
	cr_assert(run_until(1, DP_SVC_READY));
	const struct ctl_svc *a = svc(0);

	struct ctl_config *n = ctl_config_new();
	n->gw = cfg->gw;
	cr_assert_eq(ctl_config_add_service_spec(n, "dns=d.test,ip=10.77.1.4,backend=toy", &errs), 0);
	cr_assert_eq(ctl_config_add_service_spec(n, "dns=a.test,ip=10.77.1.1,backend=toy", &errs), 0);
	cr_assert_eq(ctl_config_add_service_spec(n, "dns=b.test,ip=10.77.1.2,idle_timeout=9,backend=toy",
						 &errs), 0);
	cr_assert_eq(ctl_config_validate(n, NULL, NULL, &errs), 0);
	cr_assert_eq(ctl_runtime_reload(rt, n, nids, &errs), 0, "%s", errs.msg[0]);

	cr_assert_eq(nids[1], 0, "a keeps its id");
	cr_assert_eq(svc(0), a, "and its run-time record");
	cr_assert_eq(state(0), DP_SVC_READY, "untouched");
	cr_assert_eq(svc(0)->cfg, &n->services[1], "described by the new configuration");
	cr_assert_geq(nids[2], 3, "b changed: a new id, never used before");
	cr_assert_geq(nids[0], 3, "d is new: a new id");
	cr_assert_neq(nids[0], nids[2]);
	cr_assert_null(svc(1), "the old b is gone");
	cr_assert_null(svc(2), "c is gone");
	cr_assert_eq(ctl_runtime_shared(rt)[1].state, DP_SVC_FAILED, "workers never summon it");
	cr_assert_eq(state(nids[2]), DP_SVC_STOPPED);
	cr_assert_eq(ctl_toy.released, 2, "b and c released");
	cr_assert_eq(ctl_toy.stops, 1, "the running b was stopped");
	cr_assert_eq(ctl_toy.last_how, CTL_HALT_TERMINATE);

	ctl_config_free(cfg); /* the runtime runs n now */
	cfg = n;
}

/* jitsuctl summon/stop/show NAME: O(1) by name, right across reloads that
 * remove, change and add services (the index shifts entries back on
 * removal: churn does not leave it unable to find one). */
Test(runtime, services_are_found_by_name_across_reloads)
{
	struct ctl_errors errs = { 0 };
	char spec[96];
	uint32_t nids[8];

	start((const char *const[]){ "name=a,dns=a.test,ip=10.77.1.1", "name=b,dns=b.test,ip=10.77.1.2",
				     "name=c,dns=c.test,ip=10.77.1.3", NULL });
	cr_assert_eq(ctl_runtime_find(rt, "a"), 0);
	cr_assert_eq(ctl_runtime_find(rt, "b"), 1);
	cr_assert_eq(ctl_runtime_find(rt, "c"), 2);
	cr_assert_eq(ctl_runtime_find(rt, "d"), UINT32_MAX);
	cr_assert_eq(ctl_runtime_find(rt, ""), UINT32_MAX);
	for (unsigned int r = 0; r < 200; r++) {
		/* a stays; b changes each time; c and d take turns */
		struct ctl_config *n = ctl_config_new();
		n->gw = cfg->gw;
		cr_assert_eq(ctl_config_add_service_spec(n, "name=a,dns=a.test,ip=10.77.1.1,backend=toy",
							 &errs), 0);
		snprintf(spec, sizeof(spec), "name=b,dns=b.test,ip=10.77.1.2,idle_timeout=%u,backend=toy",
			 10 + r);
		cr_assert_eq(ctl_config_add_service_spec(n, spec, &errs), 0);
		snprintf(spec, sizeof(spec), "name=%s,dns=%s.test,ip=10.77.1.3,backend=toy",
			 r % 2 ? "c" : "d", r % 2 ? "c" : "d");
		cr_assert_eq(ctl_config_add_service_spec(n, spec, &errs), 0);
		cr_assert_eq(ctl_config_validate(n, NULL, NULL, &errs), 0, "%s", errs.msg[0]);
		cr_assert_eq(ctl_runtime_reload(rt, n, nids, &errs), 0, "%s", errs.msg[0]);
		ctl_config_free(cfg);
		cfg = n;
		cr_assert_eq(ctl_runtime_find(rt, "a"), 0, "reload %u", r);
		cr_assert_eq(ctl_runtime_find(rt, "b"), nids[1], "reload %u", r);
		cr_assert_eq(ctl_runtime_find(rt, r % 2 ? "c" : "d"), nids[2], "reload %u", r);
		cr_assert_eq(ctl_runtime_find(rt, r % 2 ? "d" : "c"), UINT32_MAX, "reload %u", r);
		cr_assert_str_eq(svc(nids[1])->cfg->name, "b");
	}
}

/* 600 names in the index's 2,048 slots collide: removing every other
 * one (and then the rest) must leave each that stays findable. */
Test(runtime, the_name_index_holds_through_collisions_and_removals)
{
	static uint32_t many[600], nids[600];
	struct ctl_errors errs = { 0 };
	char spec[96];

	for (unsigned int i = 0; i < 600; i++) {
		snprintf(spec, sizeof(spec), "name=s%u,dns=s%u.test,ip=10.77.%u.%u,backend=toy", i, i,
			 2 + i / 200, 1 + i % 200);
		cr_assert_eq(ctl_config_add_service_spec(cfg, spec, &errs), 0, "%s", errs.msg[0]);
	}
	cr_assert_eq(ctl_config_validate(cfg, NULL, NULL, &errs), 0, "%s", errs.msg[0]);
	rt = ctl_runtime_create(cfg, 1, many, &errs);
	cr_assert_not_null(rt, "%s", errs.msg[0]);
	for (unsigned int i = 0; i < 600; i++) {
		snprintf(spec, sizeof(spec), "s%u", i);
		cr_assert_eq(ctl_runtime_find(rt, spec), many[i], "%s", spec);
	}
	for (unsigned int keep = 2; keep <= 600; keep *= 300) { /* every other one, then s0 only */
		struct ctl_config *n = ctl_config_new();
		n->gw = cfg->gw;
		for (unsigned int i = 0; i < 600; i += keep) {
			snprintf(spec, sizeof(spec), "name=s%u,dns=s%u.test,ip=10.77.%u.%u,backend=toy", i,
				 i, 2 + i / 200, 1 + i % 200);
			cr_assert_eq(ctl_config_add_service_spec(n, spec, &errs), 0, "%s", errs.msg[0]);
		}
		cr_assert_eq(ctl_config_validate(n, NULL, NULL, &errs), 0, "%s", errs.msg[0]);
		cr_assert_eq(ctl_runtime_reload(rt, n, nids, &errs), 0, "%s", errs.msg[0]);
		ctl_config_free(cfg);
		cfg = n;
		for (unsigned int i = 0; i < 600; i++) {
			snprintf(spec, sizeof(spec), "s%u", i);
			cr_assert_eq(ctl_runtime_find(rt, spec), i % keep ? UINT32_MAX : many[i],
				     "%s after keeping one in %u", spec, keep);
		}
	}
}

Test(runtime, a_reload_that_changes_the_plumbing_is_refused)
{
	struct ctl_errors errs = { 0 };
	uint32_t nids[8];

	start((const char *const[]){ "dns=a.test,ip=10.77.1.1", NULL });
	struct ctl_config *n = ctl_config_new();
	n->gw = cfg->gw;
	snprintf(n->gw.bridge, sizeof(n->gw.bridge), "other0");
	cr_assert_eq(ctl_config_add_service_spec(n, "dns=z.test,ip=10.77.1.9", &errs), 0);
	cr_assert_eq(ctl_config_validate(n, NULL, NULL, &errs), 0);
	cr_assert_eq(ctl_runtime_reload(rt, n, nids, &errs), -EINVAL);
	cr_assert(strstr(errs.msg[0], "cannot change while jitsu runs") != NULL, "%s", errs.msg[0]);
	cr_assert_not_null(svc(0), "nothing changed");
	cr_assert_eq(ctl_toy.released, 0);
	ctl_config_free(n);
}

Test(runtime, a_service_found_running_at_load_is_adopted_and_ready)
{
	ctl_toy.mode = CTL_TOY_ADOPT;
	start((const char *const[]){ "dns=a.test,ip=10.77.1.1", NULL });
	cr_assert_eq(ctl_toy.adopted, 1);
	cr_assert_eq(state(0), DP_SVC_READY, "adopted, not booted again");
	cr_assert_eq(ctl_toy.summons, 0);
	cr_assert(svc(0)->hist == NULL || svc(0)->hist[CTL_PH_total].count == 0, "no summon was timed");
}

Test(runtime, shutdown_waits_for_a_stop_that_the_backend_reports_later)
{
	ctl_toy.mode = CTL_TOY_SLOW_STOP;
	start((const char *const[]){ "dns=a.test,ip=10.77.1.1", NULL });
	worker_summons(0);
	cr_assert(run_until(0, DP_SVC_READY));
	cr_assert(ctl_svc_exists(svc(0)));
	ctl_runtime_shutdown(rt);
	cr_assert_eq(ctl_toy.stops, 1);
	cr_assert_eq(ctl_toy.last_how, CTL_HALT_TERMINATE);
	cr_assert_geq(ctl_toy.pumps, 3, "the backend's events were run while waiting");
	cr_assert_eq(ctl_toy.released, 1, "released once it was stopped");
}

Test(runtime, a_libxl_service_is_refused_where_xen_is_not)
{
	start((const char *const[]){ "dns=a.test,ip=10.77.1.1",
				     "dns=x.test,ip=10.77.1.2,backend=libxl,kernel=/bin/true",
				     NULL });
	cr_assert_eq(state(0), DP_SVC_STOPPED, "the other services run");
	cr_assert_eq(state(1), DP_SVC_FAILED);
	cr_assert(strstr(svc(1)->last_error, "refused at load: backend libxl: Xen is not available")
		  != NULL, "%s", svc(1)->last_error);
}

Test(runtime, every_backend_of_the_table_is_complete_and_named_as_configured)
{
	struct ctl_errors errs = { 0 };

	for (unsigned int k = 0; k < CTL_BACKEND__COUNT; k++) {
		const struct ctl_backend_ops *be = ctl_backends[k];
		char spec[128];
		cr_assert_not_null(be, "kind %u", k);
		cr_assert_not_null(be->name);
		cr_assert(be->check && be->prepare && be->release && be->summon && be->stop &&
			  be->exists, "%s: an operation every backend has is missing", be->name);
		snprintf(spec, sizeof(spec), "dns=k%u.test,ip=10.77.2.%u,backend=%s", k, k + 1,
			 be->name);
		cr_assert_eq(ctl_config_add_service_spec(cfg, spec, &errs), 0, "%s", errs.msg[0]);
		cr_assert_eq(cfg->services[cfg->n_services - 1].backend, k, "%s", be->name);
	}
}
