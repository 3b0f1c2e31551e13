/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * jitsu-pktgen: jitsu-pktgen [EAL args] -- [options]
 *
 * The main lcore sets up EAL, the port and the worker, waits for the link,
 * launches the worker, sleeps for the duration, stops the sending, waits
 * for late replies, stops the worker and prints the report. The only place
 * that exits on errors (rte_exit).
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_common.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "pg.h"

#define EXIT_USAGE 2
#define PG_POOL_SIZE 8191 /* rings, a burst in flight each way, the cache: plenty */
#define PG_POOL_CACHE 256
#define PG_NB_DESC 1024

/* SIGINT/SIGTERM: the first ends the sending (the drain and the report
 * still come), the second the drain and the lingering too. */
static volatile sig_atomic_t pg_signals;

static void
pg_on_signal(int sig)
{
	(void)sig;
	pg_signals++;
}

/* Sleep @p ms, in slices, unless more than @p signals signals came; 1 when
 * they did. */
static int
pg_sleep_ms(double ms, int signals)
{
	struct timespec now, end;

	clock_gettime(CLOCK_MONOTONIC, &end);
	end.tv_sec += (time_t)(ms / 1000);
	end.tv_nsec += (long)((ms - (double)(time_t)(ms / 1000) * 1000) * 1e6);
	if (end.tv_nsec >= 1000000000L) {
		end.tv_sec++;
		end.tv_nsec -= 1000000000L;
	}
	for (;;) {
		if (pg_signals > signals)
			return 1;
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec > end.tv_sec || (now.tv_sec == end.tv_sec && now.tv_nsec >= end.tv_nsec))
			return 0;
		struct timespec slice = { 0, 10 * 1000 * 1000 };
		nanosleep(&slice, NULL);
	}
}

static int
pg_port_setup(uint16_t port, struct rte_mempool *pool)
{
	struct rte_eth_conf conf;
	struct rte_eth_dev_info di;
	uint16_t nb_rxd = PG_NB_DESC, nb_txd = PG_NB_DESC;
	int rc;

	memset(&conf, 0, sizeof(conf));
	rc = rte_eth_dev_info_get(port, &di);
	if (rc != 0)
		return rc;
	if (di.tx_offload_capa & RTE_ETH_TX_OFFLOAD_MBUF_FAST_FREE)
		conf.txmode.offloads |= RTE_ETH_TX_OFFLOAD_MBUF_FAST_FREE; /* one pool, refcnt 1 */
	rc = rte_eth_dev_configure(port, 1, 1, &conf);
	if (rc == 0)
		rc = rte_eth_dev_adjust_nb_rx_tx_desc(port, &nb_rxd, &nb_txd);
	int socket = rte_eth_dev_socket_id(port);
	if (socket < 0)
		socket = SOCKET_ID_ANY;
	if (rc == 0) {
		struct rte_eth_rxconf rxc = di.default_rxconf;
		rxc.offloads = conf.rxmode.offloads;
		rc = rte_eth_rx_queue_setup(port, 0, nb_rxd, socket, &rxc, pool);
	}
	if (rc == 0) {
		struct rte_eth_txconf txc = di.default_txconf;
		txc.offloads = conf.txmode.offloads;
		rc = rte_eth_tx_queue_setup(port, 0, nb_txd, socket, &txc);
	}
	if (rc == 0)
		rc = rte_eth_dev_start(port);
	return rc;
}

/* The link @p up (1) or down (0) within @p timeout_s seconds (and no
 * signal): 1, else 0. */
static int
pg_link_wait(uint16_t port, uint32_t timeout_s, int up)
{
	struct rte_eth_link link;

	for (uint32_t waited = 0;; waited += 10) {
		memset(&link, 0, sizeof(link));
		if (rte_eth_link_get_nowait(port, &link) == 0 &&
		    (link.link_status == RTE_ETH_LINK_UP) == (up != 0))
			return 1;
		if (waited >= timeout_s * 1000u || pg_sleep_ms(10, up ? 0 : 1))
			return 0;
	}
}

/* After a peer's disconnect, give the driver's interrupt thread time to
 * finish: memif (22.11) marks the link down first and tears the rings and
 * the control channel down after, so stopping the port at once races with
 * it (a SIGSEGV, seen). Its last step zeroes the queue counts, so the port's
 * counters read 0 once it is done; 500 ms at most. */
static void
pg_link_settle(uint16_t port)
{
	struct rte_eth_stats es;

	for (int i = 0; i < 50; i++) {
		if (rte_eth_stats_get(port, &es) == 0 && es.ipackets == 0 && es.opackets == 0)
			break;
		pg_sleep_ms(10, 1);
	}
	pg_sleep_ms(20, 1);
}

int
main(int argc, char **argv)
{
	struct pg_config cfg;
	int dd = -1;

	/* [EAL args] -- [options]; without "--", everything is ours (enough
	 * for --help and --pcap, which start no EAL) */
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0) {
			dd = i;
			break;
		}
	}
	int app_argc = dd < 0 ? argc : argc - dd;
	char **app_argv = dd < 0 ? argv : argv + dd;
	char *saved = app_argv[0];
	app_argv[0] = argv[0];
	enum pg_opts_result r = pg_opts_parse(app_argc, app_argv, &cfg);
	app_argv[0] = saved;
	if (r == PG_OPTS_EXIT_OK)
		return 0;
	if (r == PG_OPTS_BAD)
		return EXIT_USAGE;
	if (cfg.pcap_path != NULL)
		return pg_pcap_write(&cfg) == 0 ? 0 : 1;

	int eal_argc = dd < 0 ? 1 : dd;
	if (rte_eal_init(eal_argc, argv) < 0)
		rte_exit(EXIT_FAILURE, "EAL: %s\n", rte_strerror(rte_errno));
	signal(SIGINT, pg_on_signal);
	signal(SIGTERM, pg_on_signal);

	unsigned int lcore = rte_get_next_lcore(-1, 1, 0);
	if (lcore >= RTE_MAX_LCORE)
		rte_exit(EXIT_USAGE, "needs a worker lcore besides the main one, e.g. -l 0-1\n");
	if (!rte_eth_dev_is_valid_port(cfg.port))
		rte_exit(EXIT_FAILURE, "port %u does not exist (%u ports; give one with --vdev, e.g. "
			 "net_memif0,role=server,socket=/tmp/pg.sock)\n", cfg.port,
			 rte_eth_dev_count_avail());
	char name[RTE_ETH_NAME_MAX_LEN] = "", down_name[RTE_ETH_NAME_MAX_LEN] = "";
	rte_eth_dev_get_name_by_port(cfg.port, name);
	int down = cfg.down_port != PG_PORT_NONE;
	if (down && !rte_eth_dev_is_valid_port(cfg.down_port))
		rte_exit(EXIT_FAILURE, "--down-port %u does not exist (%u ports)\n", cfg.down_port,
			 rte_eth_dev_count_avail());
	if (down)
		rte_eth_dev_get_name_by_port(cfg.down_port, down_name);

	int socket = rte_eth_dev_socket_id(cfg.port);
	struct rte_mempool *pool = rte_pktmbuf_pool_create("pg_pool", PG_POOL_SIZE, PG_POOL_CACHE, 0,
							   RTE_MBUF_DEFAULT_BUF_SIZE,
							   socket < 0 ? (int)rte_socket_id() : socket);
	if (pool == NULL)
		rte_exit(EXIT_FAILURE, "mbuf pool: %s (give EAL more memory, -m)\n",
			 rte_strerror(rte_errno));
	int rc = pg_port_setup(cfg.port, pool);
	if (rc != 0)
		rte_exit(EXIT_FAILURE, "port %u (%s): %s\n", cfg.port, name, rte_strerror(-rc));
	if (down && (rc = pg_port_setup(cfg.down_port, pool)) != 0) {
		rte_eth_dev_stop(cfg.port);
		rte_exit(EXIT_FAILURE, "port %u (%s): %s\n", cfg.down_port, down_name,
			 rte_strerror(-rc));
	}

	struct pg_worker_params prm = { .cfg = &cfg, .pool = pool, .port = cfg.port, .queue = 0,
					.down_port = cfg.down_port, .lcore = lcore };
	if (cfg.have_src_mac)
		prm.src_mac = cfg.src_mac;
	else if (rte_eth_macaddr_get(cfg.port, &prm.src_mac) != 0)
		rte_exit(EXIT_FAILURE, "port %u (%s): no MAC address: give --src-mac\n", cfg.port, name);
	struct pg_worker *w = pg_worker_create(&prm);
	if (w == NULL)
		rte_exit(EXIT_FAILURE, "worker: %s\n", rte_strerror(rte_errno));

	if (!pg_link_wait(cfg.port, cfg.link_timeout_s, 1)) {
		rte_eth_dev_stop(cfg.port);
		if (down)
			rte_eth_dev_stop(cfg.down_port);
		rte_exit(EXIT_FAILURE, "port %u (%s): link still down after %u s (is the other side "
			 "running? memif: the client connects to the server's socket)\n", cfg.port,
			 name, cfg.link_timeout_s);
	}
	if (down && !pg_link_wait(cfg.down_port, cfg.link_timeout_s, 1)) {
		rte_eth_dev_stop(cfg.port);
		rte_eth_dev_stop(cfg.down_port);
		rte_exit(EXIT_FAILURE, "--down-port %u (%s): link still down after %u s\n",
			 cfg.down_port, down_name, cfg.link_timeout_s);
	}

	struct pg_probe_result probe = { 0 };
	if (cfg.probe) {
		rc = pg_probe(&prm, cfg.link_timeout_s * 1000u, &probe);
		if (rc != 0) {
			rte_eth_dev_stop(cfg.port);
			if (down)
				rte_eth_dev_stop(cfg.down_port);
			rte_exit(EXIT_FAILURE, "port %u (%s): %s\n", cfg.port, name, rc == -ETIMEDOUT ?
				 "no answer to ARP requests for --gw: is the peer up, is --gw its "
				 "address (or does it reflect)? --no-probe sends anyway" :
				 rte_strerror(-rc));
		}
	}

	char mac[RTE_ETHER_ADDR_FMT_SIZE], gw[RTE_ETHER_ADDR_FMT_SIZE];
	rte_ether_format_addr(mac, sizeof(mac), &prm.src_mac);
	rte_ether_format_addr(gw, sizeof(gw), &cfg.gw_mac);
	if (!cfg.quiet)
		fprintf(stderr, "jitsu-pktgen: port %u (%s) up, %s -> %s, lcore %u, %s%s for %.3f s\n",
			cfg.port, name, mac, gw, lcore, cfg.profile, cfg.imix ? " imix" : "",
			cfg.duration_s);

	rc = rte_eal_remote_launch(pg_worker_run, w, lcore);
	if (rc != 0)
		rte_exit(EXIT_FAILURE, "lcore %u: cannot launch the worker: %s\n", lcore,
			 rte_strerror(-rc));
	int interrupted = pg_sleep_ms(cfg.duration_s * 1000, 0);
	pg_worker_stop_tx(w);
	pg_sleep_ms(cfg.drain_ms, 1); /* late replies */
	pg_worker_quit(w);
	rte_eal_wait_lcore(lcore);

	struct rte_eth_stats es;
	struct pg_port_stats ps = { 0 };
	snprintf(ps.name, sizeof(ps.name), "%s", name);
	if (rte_eth_stats_get(cfg.port, &es) == 0) {
		ps.ipackets = es.ipackets;
		ps.opackets = es.opackets;
		ps.ibytes = es.ibytes;
		ps.obytes = es.obytes;
		ps.imissed = es.imissed;
		ps.ierrors = es.ierrors;
		ps.oerrors = es.oerrors;
		ps.rx_nombuf = es.rx_nombuf;
	}
	struct pg_times times = *pg_worker_times(w);
	times.interrupted = interrupted;
	pg_report(stdout, cfg.quiet ? NULL : stderr, &cfg, pg_worker_stats(w), &times, &ps,
		  cfg.probe ? &probe : NULL);
	if (cfg.linger_s > 0) {
		if (pg_link_wait(cfg.port, cfg.linger_s, 0)) {
			pg_link_settle(cfg.port);
			/* the peer closes both of its ports together */
			if (down && pg_link_wait(cfg.down_port, cfg.linger_s, 0))
				pg_link_settle(cfg.down_port);
		} else if (!cfg.quiet) {
			fprintf(stderr, "jitsu-pktgen: the peer is still connected after %u s: "
				"closing\n", cfg.linger_s);
		}
	}

	pg_worker_free(w);
	if (down) {
		rte_eth_dev_stop(cfg.down_port);
		rte_eth_dev_close(cfg.down_port);
	}
	rte_eth_dev_stop(cfg.port);
	rte_eth_dev_close(cfg.port);
	rte_mempool_free(pool);
	rte_eal_cleanup();
	return 0;
}
