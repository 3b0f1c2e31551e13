/* SPDX-License-Identifier: BSD-3-Clause */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include <rte_ethdev.h>
#include <rte_mempool.h>
#include <rte_spinlock.h>
#include <rte_telemetry.h>

#include "control.h"

/* rte_telemetry callbacks take no argument: the one gateway of this process
 * is published here. Telemetry runs on its own thread, so the pointer is
 * swapped under a lock that only the control plane and telemetry take. */
static rte_spinlock_t ctl_tel_lock = RTE_SPINLOCK_INITIALIZER;
static struct ctl_telemetry_params ctl_tel;
static int ctl_tel_live;
static int ctl_tel_registered;

static void
ctl_stats_sum_locked(struct dp_counters *sum)
{
	memset(sum, 0, sizeof(*sum));
	if (!ctl_tel_live)
		return;
	for (unsigned int i = 0; i < ctl_tel.n_workers; i++)
		dp_counters_accumulate(sum, ctl_tel.workers[i]);
}

void
ctl_stats_sum(struct dp_counters *sum)
{
	rte_spinlock_lock(&ctl_tel_lock);
	ctl_stats_sum_locked(sum);
	rte_spinlock_unlock(&ctl_tel_lock);
}

static int
ctl_tel_stats(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct dp_counters sum;

	(void)cmd;
	(void)params;
	rte_tel_data_start_dict(d);
	rte_spinlock_lock(&ctl_tel_lock);
	ctl_stats_sum_locked(&sum);
	for (unsigned int i = 0; i < DP_C__COUNT; i++)
		rte_tel_data_add_dict_u64(d, dp_counter_name(i), sum.v[i]);
	rte_tel_data_add_dict_u64(d, "drops", dp_counters_drops(&sum));
	rte_tel_data_add_dict_u64(d, "workers", ctl_tel_live ? ctl_tel.n_workers : 0);
	if (ctl_tel_live && ctl_tel.pool != NULL)
		rte_tel_data_add_dict_u64(d, "mbuf_in_use",
					  rte_mempool_in_use_count(ctl_tel.pool));
	rte_spinlock_unlock(&ctl_tel_lock);
	return 0;
}

static int
ctl_tel_ports(const char *cmd, const char *params, struct rte_tel_data *d)
{
	static const char *const role[] = { "uplink", "downlink", "exception" };

	(void)cmd;
	(void)params;
	rte_tel_data_start_dict(d);
	rte_spinlock_lock(&ctl_tel_lock);
	for (unsigned int i = 0; ctl_tel_live && i < ctl_tel.n_ports && i < RTE_DIM(role); i++) {
		struct rte_eth_stats st;
		struct rte_tel_data *p;

		if (ctl_tel.ports[i] == DP_PORT_NONE ||
		    rte_eth_stats_get(ctl_tel.ports[i], &st) != 0 ||
		    (p = rte_tel_data_alloc()) == NULL)
			continue;
		rte_tel_data_start_dict(p);
		rte_tel_data_add_dict_u64(p, "port", ctl_tel.ports[i]);
		rte_tel_data_add_dict_u64(p, "rx_packets", st.ipackets);
		rte_tel_data_add_dict_u64(p, "tx_packets", st.opackets);
		rte_tel_data_add_dict_u64(p, "rx_missed", st.imissed);
		rte_tel_data_add_dict_u64(p, "rx_errors", st.ierrors);
		rte_tel_data_add_dict_u64(p, "tx_errors", st.oerrors);
		rte_tel_data_add_dict_u64(p, "rx_nombuf", st.rx_nombuf);
		rte_tel_data_add_dict_container(d, role[i], p, 0);
	}
	rte_spinlock_unlock(&ctl_tel_lock);
	return 0;
}

static int
ctl_tel_services(const char *cmd, const char *params, struct rte_tel_data *d)
{
	(void)cmd;
	(void)params;
	rte_tel_data_start_dict(d);
	rte_spinlock_lock(&ctl_tel_lock);
	for (uint32_t i = 0; ctl_tel_live && i < ctl_tel.cfg->n_services; i++) {
		const struct ctl_service_config *s = &ctl_tel.cfg->services[i];
		char ip[INET_ADDRSTRLEN];

		inet_ntop(AF_INET, &s->address, ip, sizeof(ip));
		rte_tel_data_add_dict_string(d, s->name, ip);
	}
	rte_spinlock_unlock(&ctl_tel_lock);
	return 0;
}

int
ctl_telemetry_start(const struct ctl_telemetry_params *prm)
{
	rte_spinlock_lock(&ctl_tel_lock);
	ctl_tel = *prm;
	ctl_tel_live = 1;
	rte_spinlock_unlock(&ctl_tel_lock);
	if (ctl_tel_registered)
		return 0;
	int rc = rte_telemetry_register_cmd("/jitsu/stats", ctl_tel_stats,
			"Gateway counters summed over workers: traffic, outcomes, drops by reason");
	if (rc == 0)
		rc = rte_telemetry_register_cmd("/jitsu/ports", ctl_tel_ports,
				"Per-port rx/tx/missed/error counts of the gateway's ports");
	if (rc == 0)
		rc = rte_telemetry_register_cmd("/jitsu/services", ctl_tel_services,
				"Configured services and their addresses");
	ctl_tel_registered = rc == 0;
	return rc;
}

void
ctl_telemetry_stop(void)
{
	rte_spinlock_lock(&ctl_tel_lock);
	ctl_tel_live = 0;
	rte_spinlock_unlock(&ctl_tel_lock);
}
