/* SPDX-License-Identifier: BSD-3-Clause */
/* The gateway's ports as the configuration names them: one pool of mbufs,
 * each port started with a queue per worker, and what the fast path's
 * configuration takes from them (MACs, offloads). */
#include <stdio.h>

#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_log.h>
#include <rte_mempool.h>

#include "../nic/nic.h"
#include "control.h"

RTE_LOG_REGISTER(ctl_ports_logtype, jitsu.ports, INFO);
#define PORTS_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_##level, ctl_ports_logtype, "jitsu: " fmt "\n", ##__VA_ARGS__)

#define CTL_LINK_WAIT_MS 2000 /* a link still down after it is only a warning */

int
ctl_ports_start(struct ctl_ports *p, const struct ctl_config *cfg, unsigned int n_workers,
		char *msg, size_t len)
{
	p->id[0] = (uint16_t)cfg->ports.uplink;
	p->id[1] = (uint16_t)cfg->ports.downlink;
	p->id[2] = cfg->ports.exception == CTL_PORT_NONE ? DP_PORT_NONE
							 : (uint16_t)cfg->ports.exception;
	p->n = p->id[2] == DP_PORT_NONE ? 2 : 3;
	unsigned int n_mbufs = nic_pool_size(p->n, n_workers, NIC_RXD_DEFAULT, NIC_TXD_DEFAULT,
					     rte_lcore_count(),
					     /* held packets (max_held) and each worker's parked
					      * answers, replies waiting for ARP and own frames
					      * come on top of what the ports need to receive */
					     ctl_held_share(&cfg->gw, n_workers) * n_workers +
						     n_workers * DP_WORKER_MBUFS);
	p->pool = nic_pool_create("jitsu_mbufs", n_mbufs, (int)rte_socket_id());
	if (p->pool == NULL) {
		snprintf(msg, len, "cannot create a pool of %u mbufs: %s (more memory: -m)", n_mbufs,
			 rte_strerror(rte_errno));
		return -ENOMEM;
	}
	for (unsigned int i = 0; i < p->n; i++) {
		struct nic_params np = {
			.n_queues = (uint16_t)n_workers,
			.nb_rxd = NIC_RXD_DEFAULT,
			.nb_txd = NIC_TXD_DEFAULT,
			.pool = p->pool,
			.mac = (i == 0 && !rte_is_zero_ether_addr(&cfg->gw.mac)) ? &cfg->gw.mac : NULL,
		};
		int rc = nic_port_start(p->id[i], &np, &p->info[i]);
		if (rc != 0) {
			snprintf(msg, len, "port %u: cannot start: %s", p->id[i], rte_strerror(-rc));
			return rc;
		}
	}
	for (unsigned int i = 0; i < p->n; i++)
		if (!nic_link_wait(p->id[i], CTL_LINK_WAIT_MS))
			PORTS_LOG(WARNING, "port %u (%s): link is down", p->id[i], p->info[i].name);
	return 0;
}

struct dp_fp_conf
ctl_ports_base(const struct ctl_ports *p)
{
	struct dp_fp_conf base = {
		.up_mac = p->info[0].mac,
		.down_mac = p->info[1].mac,
		.flags = (p->info[0].tx_cksum ? DP_F_TX_CKSUM_UP : 0) |
			 (p->info[1].tx_cksum ? DP_F_TX_CKSUM_DOWN : 0) |
			 (p->n == 3 ? DP_F_EXCEPTION : 0),
	};
	if (p->n == 3) /* forwarded queries leave through the exception port */
		base.dnsfwd.exc_mac = p->info[2].mac;
	return base;
}

void
ctl_ports_close(struct ctl_ports *p)
{
	for (unsigned int i = 0; i < p->n; i++)
		nic_port_close(p->id[i]);
}

void
ctl_ports_free(struct ctl_ports *p)
{
	rte_mempool_free(p->pool);
	p->pool = NULL;
}
