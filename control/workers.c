/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The dataplane's workers, as the control plane starts and stops them: one
 * per worker lcore, each with its queue on every port, its synjitsu table
 * sized by ctl_syn_sizing(), and its clocks handed to the runtime.
 */
#include <errno.h>

#include <rte_common.h>
#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_launch.h>
#include <rte_lcore.h>

#include "control.h"

uint32_t
ctl_held_share(const struct ctl_gateway_config *gw, unsigned int n_workers)
{
	return (gw->max_held + n_workers - 1) / n_workers;
}

struct syn_params
ctl_syn_sizing(const struct ctl_gateway_config *gw, uint32_t n_services, unsigned int n_workers)
{
	uint32_t share = ctl_held_share(gw, n_workers);

	/* the share sits in the port pool on top of what the ports need
	 * (ctl_ports_start), so that however much is held, rx never runs dry */
	return (struct syn_params){
		.n_services = n_services,
		.max_pending = gw->max_pending,
		.pool = share,
		.max_flows = share,
	};
}

int
ctl_workers_create(struct ctl_workers *ws, const struct ctl_gateway *g, const uint16_t ports[3],
		   struct rte_mempool *pool)
{
	unsigned int lcore, w = 0;
	const struct ctl_gateway_config *gw = &g->cfg->gw;
	struct syn_params syn = ctl_syn_sizing(gw, ctl_runtime_capacity(g->runtime),
					       rte_lcore_count() - 1);
	uint64_t hz = rte_get_tsc_hz();
	struct dp_neigh_params npm = {
		.entries = gw->neigh_entries,
		.reachable = hz * CTL_NEIGH_REACHABLE_S,
		.stale = hz * (CTL_NEIGH_REACHABLE_S + CTL_NEIGH_REFRESH_S),
		.retry = hz / 1000 * CTL_NEIGH_RETRY_MS,
	};

	ws->quit = 0;
	ws->n = 0;
	ws->neigh = dp_neigh_create(&npm);
	if (ws->neigh == NULL)
		return -(errno ? errno : ENOMEM);
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
			.neigh = ws->neigh,
			.rrl_entries = gw->rrl_table,
			.dns_tcp_conns = gw->dns_tcp_conns,
			/* each worker forwards from a range of source ports of its own */
			.dns_fwd_slots = RTE_MIN(gw->dns_forward_table,
						 DP_DNSFWD_PORTS / (rte_lcore_count() - 1)),
		};
		ws->w[w] = dp_worker_create(&wp);
		if (ws->w[w] == NULL)
			return -(rte_errno ? rte_errno : ENOMEM);
		ws->counters[w] = dp_worker_counters(ws->w[w]);
		ws->cycles[w] = dp_worker_cycles(ws->w[w]);
		ws->px[w] = dp_worker_px(ws->w[w]);
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
	dp_neigh_free(ws->neigh);
	ws->neigh = NULL;
}
