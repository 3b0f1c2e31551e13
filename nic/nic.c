/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_log.h>
#include <rte_mbuf.h>

#include "nic.h"

RTE_LOG_REGISTER(nic_logtype, jitsu.nic, INFO);
#define NIC_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_##level, nic_logtype, "jitsu.nic: " fmt "\n", ##__VA_ARGS__)

#define NIC_BURST_SLACK 64 /* per worker and port: one tx buffer and one rx burst */

unsigned int
nic_pool_size(unsigned int n_ports, unsigned int n_queues, unsigned int nb_rxd,
	      unsigned int nb_txd, unsigned int n_lcores, unsigned int extra)
{
	unsigned int n = n_ports * n_queues * (nb_rxd + nb_txd) +
			 n_ports * n_queues * NIC_BURST_SLACK + n_lcores * NIC_CACHE_SIZE + extra;
	unsigned int p = 1024;

	/* a power of two minus one is the mempool's best size */
	while (p - 1 < n)
		p <<= 1;
	return p - 1;
}

struct rte_mempool *
nic_pool_create(const char *name, unsigned int n_mbufs, int socket)
{
	return rte_pktmbuf_pool_create(name, n_mbufs, NIC_CACHE_SIZE, 0,
				       RTE_MBUF_DEFAULT_BUF_SIZE, socket);
}

int
nic_port_start(uint16_t port, const struct nic_params *prm, struct nic_port_info *info)
{
	struct rte_eth_dev_info di;
	struct rte_eth_conf conf;
	int rc;

	memset(info, 0, sizeof(*info));
	info->port = port;
	if (!rte_eth_dev_is_valid_port(port))
		return -ENODEV;
	rc = rte_eth_dev_info_get(port, &di);
	if (rc != 0)
		return rc;
	rte_eth_dev_get_name_by_port(port, info->name);
	if (prm->n_queues > di.max_rx_queues || prm->n_queues > di.max_tx_queues) {
		NIC_LOG(ERR, "port %u (%s) has %u rx / %u tx queues, %u workers need as many",
			port, info->name, di.max_rx_queues, di.max_tx_queues, prm->n_queues);
		return -ENOTSUP;
	}

	memset(&conf, 0, sizeof(conf));
	const uint64_t tx_ck = RTE_ETH_TX_OFFLOAD_IPV4_CKSUM | RTE_ETH_TX_OFFLOAD_UDP_CKSUM;
	if ((di.tx_offload_capa & tx_ck) == tx_ck) {
		conf.txmode.offloads |= tx_ck;
		info->tx_cksum = 1;
	}
	if (di.tx_offload_capa & RTE_ETH_TX_OFFLOAD_MBUF_FAST_FREE)
		conf.txmode.offloads |= RTE_ETH_TX_OFFLOAD_MBUF_FAST_FREE; /* one pool, refcnt 1 */
	const uint64_t rx_ck = RTE_ETH_RX_OFFLOAD_IPV4_CKSUM | RTE_ETH_RX_OFFLOAD_UDP_CKSUM;
	if ((di.rx_offload_capa & rx_ck) == rx_ck) {
		conf.rxmode.offloads |= rx_ck;
		info->rx_cksum = 1;
	}
	if (prm->n_queues > 1) {
		uint64_t hf = (RTE_ETH_RSS_IP | RTE_ETH_RSS_UDP | RTE_ETH_RSS_TCP) &
			      di.flow_type_rss_offloads;
		if (hf != 0) {
			conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
			conf.rx_adv_conf.rss_conf.rss_hf = hf;
			info->rss = 1;
		} else {
			NIC_LOG(WARNING, "port %u (%s) has no RSS: a flow may reach any worker",
				port, info->name);
		}
	}

	rc = rte_eth_dev_configure(port, prm->n_queues, prm->n_queues, &conf);
	if (rc != 0) {
		NIC_LOG(ERR, "port %u (%s): configure: %s", port, info->name, rte_strerror(-rc));
		return rc;
	}
	info->nb_rxd = prm->nb_rxd;
	info->nb_txd = prm->nb_txd;
	rc = rte_eth_dev_adjust_nb_rx_tx_desc(port, &info->nb_rxd, &info->nb_txd);
	if (rc != 0)
		return rc;

	int socket = rte_eth_dev_socket_id(port);
	if (socket < 0)
		socket = SOCKET_ID_ANY;
	for (uint16_t q = 0; q < prm->n_queues; q++) {
		struct rte_eth_rxconf rxc = di.default_rxconf;
		struct rte_eth_txconf txc = di.default_txconf;

		rxc.offloads = conf.rxmode.offloads;
		txc.offloads = conf.txmode.offloads;
		rc = rte_eth_rx_queue_setup(port, q, info->nb_rxd, socket, &rxc, prm->pool);
		if (rc == 0)
			rc = rte_eth_tx_queue_setup(port, q, info->nb_txd, socket, &txc);
		if (rc != 0) {
			NIC_LOG(ERR, "port %u (%s): queue %u: %s", port, info->name, q,
				rte_strerror(-rc));
			return rc;
		}
	}

	if (prm->mac != NULL) {
		rc = rte_eth_dev_default_mac_addr_set(port, (struct rte_ether_addr *)prm->mac);
		if (rc != 0) {
			NIC_LOG(ERR, "port %u (%s): cannot set the MAC address: %s", port,
				info->name, rte_strerror(-rc));
			return rc;
		}
	}
	rc = rte_eth_dev_start(port);
	if (rc != 0) {
		NIC_LOG(ERR, "port %u (%s): start: %s", port, info->name, rte_strerror(-rc));
		return rc;
	}
	rc = rte_eth_macaddr_get(port, &info->mac);
	if (rc != 0)
		return rc;

	char mac[RTE_ETHER_ADDR_FMT_SIZE];
	rte_ether_format_addr(mac, sizeof(mac), &info->mac);
	NIC_LOG(INFO, "port %u (%s): %s, %u queue(s), %u/%u descriptors, checksums rx %s tx %s%s",
		port, info->name, mac, prm->n_queues, info->nb_rxd, info->nb_txd,
		info->rx_cksum ? "offloaded" : "software", info->tx_cksum ? "offloaded" : "software",
		info->rss ? ", RSS" : "");
	return 0;
}

int
nic_link_wait(uint16_t port, unsigned int timeout_ms)
{
	struct rte_eth_link link;

	for (unsigned int waited = 0;; waited += 10) {
		memset(&link, 0, sizeof(link));
		if (rte_eth_link_get_nowait(port, &link) == 0 &&
		    link.link_status == RTE_ETH_LINK_UP)
			return 1;
		if (waited >= timeout_ms)
			return 0;
		rte_delay_ms(10);
	}
}

int
nic_port_ifname(uint16_t port, char *name)
{
	struct rte_eth_dev_info di;

	if (rte_eth_dev_info_get(port, &di) != 0 || di.if_index == 0 ||
	    if_indextoname(di.if_index, name) == NULL)
		return -ENODEV;
	return 0;
}

int
nic_port_split_kernel_mac(uint16_t port, const char *ifname)
{
	struct rte_ether_addr mac;
	struct ifreq ifr;
	int rc = 0;

	if (rte_eth_macaddr_get(port, &mac) != 0 || strlen(ifname) >= IFNAMSIZ)
		return -EINVAL;
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	memset(&ifr, 0, sizeof(ifr));
	memcpy(ifr.ifr_name, ifname, strlen(ifname));
	if (ioctl(fd, SIOCGIFHWADDR, &ifr) < 0) {
		rc = -errno;
	} else if (memcmp(ifr.ifr_hwaddr.sa_data, mac.addr_bytes, RTE_ETHER_ADDR_LEN) == 0) {
		ifr.ifr_hwaddr.sa_data[5] ^= (char)0x80;
		if (ioctl(fd, SIOCSIFHWADDR, &ifr) < 0)
			rc = -errno;
	}
	close(fd);
	return rc;
}

void
nic_port_close(uint16_t port)
{
	if (!rte_eth_dev_is_valid_port(port))
		return;
	rte_eth_dev_stop(port);
	rte_eth_dev_close(port);
}
