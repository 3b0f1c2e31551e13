/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Ports: the mempool they share, queue set-up, offloads, RSS, link state.
 * Works with any ethdev, PCI or vdev (net_tap, net_pcap, net_af_packet, ...).
 */
#ifndef JITSU_NIC_H
#define JITSU_NIC_H

#include <stdint.h>

#include <rte_ethdev.h>

struct rte_mempool;

#define NIC_RXD_DEFAULT 1024
#define NIC_TXD_DEFAULT 1024
#define NIC_CACHE_SIZE 256

/** How to set a port up. */
struct nic_params {
	uint16_t n_queues;                 /**< one rx and one tx queue per worker */
	uint16_t nb_rxd;
	uint16_t nb_txd;
	struct rte_mempool *pool;
	const struct rte_ether_addr *mac;  /**< MAC to set, or NULL to keep the port's */
};

/** What a port turned out to be. */
struct nic_port_info {
	uint16_t port;
	char name[RTE_ETH_NAME_MAX_LEN];
	struct rte_ether_addr mac;
	int tx_cksum;  /**< IPv4 and UDP checksums computed by the port on tx */
	int rx_cksum;  /**< IPv4/L4 checksums checked by the port on rx */
	int rss;       /**< RSS spreads flows over the queues */
	uint16_t nb_rxd, nb_txd; /**< after the driver's adjustment */
};

/**
 * Size of a mempool that never runs dry: every rx ring full, every tx ring
 * full, each worker's tx buffers and its lcore cache, plus @p extra.
 */
unsigned int nic_pool_size(unsigned int n_ports, unsigned int n_queues, unsigned int nb_rxd,
			   unsigned int nb_txd, unsigned int n_lcores, unsigned int extra);

/** Create the mbuf pool; NULL with rte_errno set on failure. */
struct rte_mempool *nic_pool_create(const char *name, unsigned int n_mbufs, int socket);

/**
 * Configure @p port (queues, offloads the port has, RSS when several queues)
 * and start it. @return 0 or -errno, with @p info filled on success.
 */
int nic_port_start(uint16_t port, const struct nic_params *prm, struct nic_port_info *info);

/**
 * Wait up to @p timeout_ms for the link to come up.
 * @return 1 when up, 0 when still down.
 */
int nic_link_wait(uint16_t port, unsigned int timeout_ms);

/**
 * The kernel interface behind a port (net_tap, net_af_packet), if any.
 * @return 0 with its name in @p name (IF_NAMESIZE bytes), or -ENODEV.
 */
int nic_port_ifname(uint16_t port, char *name);

/**
 * A net_tap gives its kernel interface the port's own MAC. On a bridge that
 * makes the port's MAC a local address of the bridge, and frames for it never
 * reach the port: give the kernel interface @p ifname another MAC (the
 * port's with the last byte changed).
 * @return 0 (also when they already differ), or -errno.
 */
int nic_port_split_kernel_mac(uint16_t port, const char *ifname);

/** Stop and close a port (no-op for a port that was never started). */
void nic_port_close(uint16_t port);

#endif
