/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The dataplane's workers, as the control plane starts and stops them: one
 * per worker lcore, each with its queue on every port, its synjitsu table
 * sized by ctl_syn_sizing(), and its clocks handed to the runtime.
 */
#include <errno.h>

#include <rte_common.h>
#include <rte_errno.h>
#include <rte_launch.h>
#include <rte_lcore.h>

#include "control.h"

/* A worker's pool of held packets (and of held flows) is this many times
 * max_pending, within these bounds: room for a few services' bursts at
 * once, and no more than a worker's table can index. */
#define CTL_SYN_POOL_PER_PENDING 4u
#define CTL_SYN_POOL_MIN 16384u
#define CTL_SYN_POOL_MAX (1u << 20)

struct syn_params
ctl_syn_sizing(const struct ctl_gateway_config *gw, uint32_t n_services)
{
	uint32_t pool = RTE_MIN(RTE_MAX(CTL_SYN_POOL_PER_PENDING * gw->max_pending,
					CTL_SYN_POOL_MIN), CTL_SYN_POOL_MAX);

	return (struct syn_params){
		.n_services = n_services,
		.max_pending = gw->max_pending,
		.pool = pool,
		.max_flows = pool,
	};
}

int
ctl_workers_create(struct ctl_workers *ws, const struct ctl_gateway *g, const uint16_t ports[3],
		   struct rte_mempool *pool)
{
	unsigned int lcore, w = 0;
	/* sized at start: max_pending per service, a pool shared by all */
	struct syn_params syn = ctl_syn_sizing(&g->cfg->gw, ctl_runtime_capacity(g->runtime));

	ws->quit = 0;
	ws->n = 0;
	RTE_LCORE_FOREACH_WORKER(lcore) {
		struct dp_worker_params wp = {
			.lcore = lcore,
			.queue = (uint16_t)w,
			.uplink = ports[0],
			.downlink = ports[1],
			.exception = ports[2],
			.live = (const struct dp_fp_conf *const *)&g->live,
			.qsv = g->qsv,
			.quit = &ws->quit,
			.events = ctl_runtime_events(g->runtime),
			.event_fd = ctl_runtime_event_fd(g->runtime),
			.probes = w == 0 ? ctl_runtime_probes(g->runtime) : NULL,
			.announce = w == 0,
			.pool = pool,
			.syn = syn,
		};
		ws->w[w] = dp_worker_create(&wp);
		if (ws->w[w] == NULL)
			return -(rte_errno ? rte_errno : ENOMEM);
		ws->counters[w] = dp_worker_counters(ws->w[w]);
		ws->cycles[w] = dp_worker_cycles(ws->w[w]);
		ctl_runtime_set_worker(g->runtime, w, dp_worker_activity(ws->w[w]),
				       dp_worker_syn(ws->w[w]), dp_worker_replay_tsc(ws->w[w]));
		ws->n = ++w;
	}
	return 0;
}

int
ctl_workers_launch(struct ctl_workers *ws, unsigned int *failed)
{
	unsigned int lcore, w = 0;

	RTE_LCORE_FOREACH_WORKER(lcore) {
		if (rte_eal_remote_launch(dp_worker_run, ws->w[w++], lcore) != 0) {
			*failed = lcore;
			return -EBUSY;
		}
	}
	return 0;
}

void
ctl_workers_stop(struct ctl_workers *ws)
{
	__atomic_store_n(&ws->quit, 1, __ATOMIC_RELAXED);
	rte_eal_mp_wait_lcore();
}

void
ctl_workers_free(struct ctl_workers *ws)
{
	for (unsigned int i = 0; i < ws->n; i++)
		dp_worker_free(ws->w[i]);
	ws->n = 0;
}
