/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * The control plane: configuration (config.h) and what it exposes of the
 * running gateway through DPDK telemetry.
 */
#ifndef JITSU_CONTROL_H
#define JITSU_CONTROL_H

#include <stdint.h>

#include "../dataplane/dataplane.h"
#include "config.h"

struct rte_mempool;

/** What telemetry reads; the pointers must outlive ctl_telemetry_stop(). */
struct ctl_telemetry_params {
	const struct ctl_config *cfg;
	const struct dp_counters *const *workers; /**< each worker's counters */
	unsigned int n_workers;
	const uint16_t *ports;                    /**< uplink, downlink, exception */
	unsigned int n_ports;
	const struct rte_mempool *pool;
};

/**
 * Register /jitsu/stats, /jitsu/ports and /jitsu/services.
 * @return 0 or -errno.
 */
int ctl_telemetry_start(const struct ctl_telemetry_params *prm);

/** Make the commands answer empty: the objects they read are going away. */
void ctl_telemetry_stop(void);

/** Sum of every worker's counters. */
void ctl_stats_sum(struct dp_counters *sum);

#endif
