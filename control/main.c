/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * jitsu: Just-In-Time Summoning of Unikernels, on DPDK.
 *
 *   jitsu [EAL args] -- [-c FILE] [-n] [--service SPEC]... [--address ADDR]
 *
 * The main lcore runs the control plane (this file's loop); every worker
 * lcore runs the dataplane.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_debug.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_log.h>
#include <rte_version.h>

#include "../dataplane/dataplane.h"
#include "control.h"
#include "loop.h"

#ifndef JITSU_VERSION
#define JITSU_VERSION "0.1"
#endif

#define EXIT_CONFIG 2 /* bad configuration or command line */

RTE_LOG_REGISTER(ctl_logtype, jitsu.control, INFO);
#define CTL_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_##level, ctl_logtype, "jitsu: " fmt "\n", ##__VA_ARGS__)

static const char ctl_usage[] =
	"Usage: jitsu [EAL options] -- [options]\n"
	"\n"
	"An edge gateway that answers DNS for its services from a DPDK fast path.\n"
	"\n"
	"EAL options are those of every DPDK application (lcores, devices, memory);\n"
	"`jitsu --eal-help` lists them. jitsu needs a main lcore for its control\n"
	"plane and at least one worker lcore, e.g. -l 0-1. Without hugepages, use\n"
	"--no-huge -m 512.\n"
	"\n"
	"Options (after --):\n"
	"  -c, --config FILE     read the configuration (INI) from FILE\n"
	"  -n, --check           check the configuration and the ports, then exit:\n"
	"                        0 when good, 2 when not\n"
	"  -s, --service SPEC    add a service in Jitsu's form, repeatable:\n"
	"                        dns=NAME,ip=ADDR[,name=N][,mac=M][,KEY=VALUE...]\n"
	"                        (KEYs of a [service] section; dns= may repeat)\n"
	"      --address ADDR    the gateway's address, as [gateway] address\n"
	"  -h, --help            this text\n"
	"  -V, --version         the version\n"
	"\n"
	"Signals: SIGINT and SIGTERM stop the gateway (exit 0, final counters on\n"
	"stderr). Telemetry: /jitsu/stats, /jitsu/ports, /jitsu/services through\n"
	"dpdk-telemetry.py (-f FILE_PREFIX when --file-prefix is used).\n";

static void
ctl_print_errors(const struct ctl_errors *errs)
{
	for (uint32_t i = 0; i < errs->n; i++)
		fprintf(stderr, "jitsu: %s\n", errs->msg[i]);
	if (errs->dropped)
		fprintf(stderr, "jitsu: ... and %u more errors\n", errs->dropped);
}

/* --help and --version work without EAL: look for them after "--", or
 * anywhere when there is no "--". */
static int
ctl_early_args(int argc, char **argv)
{
	int i = 1;

	for (int j = 1; j < argc; j++)
		if (strcmp(argv[j], "--") == 0) {
			i = j + 1;
			break;
		}
	for (; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			continue;
		if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			fputs(ctl_usage, stdout);
			return 0;
		}
		if (strcmp(argv[i], "-V") == 0 || strcmp(argv[i], "--version") == 0) {
			printf("jitsu %s (%s)\n", JITSU_VERSION, rte_version());
			return 0;
		}
	}
	return -1;
}

struct ctl_opts {
	const char *config;
	const char *address;
	int check;
	int n_specs;
	char **specs;
};

static int
ctl_parse_args(int argc, char **argv, struct ctl_opts *o)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "check", no_argument, NULL, 'n' },
		{ "service", required_argument, NULL, 's' },
		{ "address", required_argument, NULL, 'A' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	memset(o, 0, sizeof(*o));
	o->specs = calloc((size_t)argc + 1, sizeof(*o->specs));
	if (o->specs == NULL)
		return -ENOMEM;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":c:ns:hV", longopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			if (o->config != NULL) {
				fprintf(stderr, "jitsu: -c given twice\n");
				return -EINVAL;
			}
			o->config = optarg;
			break;
		case 'n':
			o->check = 1;
			break;
		case 's':
			o->specs[o->n_specs++] = optarg;
			break;
		case 'A':
			o->address = optarg;
			break;
		case ':':
			fprintf(stderr, "jitsu: option '%s' needs a value\n", argv[optind - 1]);
			return -EINVAL;
		default:
			fprintf(stderr, "jitsu: unknown option '%s' (see jitsu --help)\n",
				argv[optind - 1]);
			return -EINVAL;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "jitsu: unexpected argument '%s' (see jitsu --help)\n", argv[optind]);
		return -EINVAL;
	}
	if (o->config == NULL && o->address == NULL) {
		fprintf(stderr, "jitsu: no configuration: give -c FILE, or --address and "
			"--service (see jitsu --help)\n");
		return -EINVAL;
	}
	return 0;
}

static void
ctl_print_final(void)
{
	struct dp_counters s;

	ctl_stats_sum(&s);
	fprintf(stderr,
		"jitsu: stopped: rx %" PRIu64 " tx %" PRIu64 " arp %" PRIu64 " dns answer %" PRIu64
		" nodata %" PRIu64 " nxdomain %" PRIu64 " refused %" PRIu64 " formerr %" PRIu64
		" drops %" PRIu64 "\n",
		s.v[DP_C_rx_uplink] + s.v[DP_C_rx_downlink] + s.v[DP_C_rx_exception],
		s.v[DP_C_tx_uplink] + s.v[DP_C_tx_downlink] + s.v[DP_C_tx_exception],
		s.v[DP_C_arp_reply], s.v[DP_C_dns_answer], s.v[DP_C_dns_nodata],
		s.v[DP_C_dns_nxdomain], s.v[DP_C_dns_refused], s.v[DP_C_dns_formerr],
		dp_counters_drops(&s));
}

/* `jitsu -n`: the configuration as each service's backend sees it. */
static int
ctl_check(const struct ctl_config *cfg, struct ctl_errors *errs)
{
	struct ctl_errors warns = { 0 };
	int bad = ctl_runtime_check(cfg, errs, &warns) < 0;

	for (uint32_t i = 0; i < warns.n; i++)
		fprintf(stderr, "jitsu: warning: %s\n", warns.msg[i]);
	if (bad) {
		ctl_print_errors(errs);
		return EXIT_CONFIG;
	}
	printf("jitsu: %s: configuration OK (%u services, gateway ports %u/%u%s)\n",
	       cfg->source[0] ? cfg->source : "command line", cfg->n_services, cfg->ports.uplink,
	       cfg->ports.downlink, cfg->ports.exception != CTL_PORT_NONE ? " + exception" : "");
	return 0;
}

/* Before EAL: --help, --version, --eal-help. @return an exit status, or -1 to go on. */
static int
ctl_before_eal(int argc, char **argv)
{
	if (ctl_early_args(argc, argv) == 0)
		return 0;
	if (argc > 1 && strcmp(argv[1], "--eal-help") == 0) {
		char *a[] = { argv[0], (char *)"--help", NULL };
		rte_eal_init(2, a); /* prints EAL's usage and exits */
		return 0;
	}
	return -1;
}

/* Parse the options after EAL's, load the configuration, check it with -n.
 * @return -1 to go on with *@p cfg, or the exit status (*@p cfg may need freeing). */
static int
ctl_load(int argc, char **argv, struct ctl_opts *opts, struct ctl_sources *src,
	 struct ctl_config **cfg)
{
	struct ctl_errors errs = { 0 };

	if (ctl_parse_args(argc, argv, opts) < 0)
		return EXIT_CONFIG;
	*src = (struct ctl_sources){ opts->config, opts->address, opts->n_specs, opts->specs };
	*cfg = ctl_gateway_load(src, &errs);
	if (*cfg == NULL) {
		ctl_print_errors(&errs);
		return EXIT_CONFIG;
	}
	if (rte_lcore_count() < 2) {
		fprintf(stderr, "jitsu: no worker lcore: give at least two lcores (e.g. -l 0-1); "
			"the main lcore runs the control plane\n");
		return EXIT_CONFIG;
	}
	return opts->check ? ctl_check(*cfg, &errs) : -1;
}

int
main(int argc, char **argv)
{
	static struct ctl_gateway gw;
	static struct ctl_ports ports;
	static struct ctl_workers workers;
	struct ctl_signals sg;
	struct ctl_errors errs = { 0 };
	struct ctl_opts opts;
	char msg[200];
	unsigned int lcore;

	/* ---- parse ---- */
	int rc = ctl_before_eal(argc, argv);
	if (rc >= 0)
		return rc;
	/* blocked before EAL starts threads: every thread inherits the mask
	 * and the loop's signalfd sees them all */
	if (ctl_signals_block() < 0)
		rte_exit(EXIT_FAILURE, "cannot block signals\n");
	ctl_crash_handlers();
	int ret = rte_eal_init(argc, argv);
	if (ret < 0)
		rte_exit(EXIT_FAILURE, "EAL initialisation failed: %s\n", rte_strerror(rte_errno));
	argc -= ret;
	argv += ret;
	argv[0] = (char *)"jitsu";

	/* ---- load, check ---- */
	struct ctl_config *cfg = NULL;
	rc = ctl_load(argc, argv, &opts, &gw.sources, &cfg);
	if (rc >= 0) { /* refused, or checked */
		ctl_config_free(cfg);
		free(opts.specs);
		rte_eal_cleanup();
		return rc;
	}
	unsigned int n_workers = rte_lcore_count() - 1;

	/* ---- ports, then the services prepared before any traffic ---- */
	if (ctl_ports_start(&ports, cfg, n_workers, msg, sizeof(msg)) < 0)
		rte_exit(EXIT_FAILURE, "%s\n", msg);
	if (ctl_loop_init() < 0)
		rte_exit(EXIT_FAILURE, "epoll: %s\n", strerror(errno));
	gw.n_workers = n_workers;
	gw.base = ctl_ports_base(&ports);
	if (ctl_gateway_start(&gw, cfg, &errs) < 0) {
		ctl_print_errors(&errs);
		rte_exit(EXIT_FAILURE, "cannot set the services up\n");
	}

	/* ---- start: workers, telemetry, signals ---- */
	if (ctl_workers_create(&workers, &gw, ports.id, ports.pool) < 0)
		rte_exit(EXIT_FAILURE, "worker %u: %s\n", workers.n, rte_strerror(rte_errno));
	struct ctl_telemetry_params tp = {
		.gateway = &gw, .workers = workers.counters, .cycles = workers.cycles,
		.n_workers = n_workers, .ports = ports.id, .n_ports = 3, .pool = ports.pool,
		.neigh = workers.neigh,
		.px = workers.px,
	};
	if (ctl_telemetry_start(&tp) != 0)
		CTL_LOG(WARNING, "telemetry commands could not be registered");
	if (ctl_signals_watch(&sg, &gw) < 0 || ctl_runtime_start(gw.runtime) < 0)
		rte_exit(EXIT_FAILURE, "control loop: %s\n", strerror(errno));
	if (ctl_workers_launch(&workers, &lcore) < 0)
		rte_exit(EXIT_FAILURE, "cannot launch the worker on lcore %u\n", lcore);
	char ip[INET_ADDRSTRLEN];
	inet_ntop(AF_INET, &cfg->gw.address, ip, sizeof(ip));
	CTL_LOG(INFO, "gateway %s up: %u services, %u worker(s), uplink port %u, downlink port %u",
		ip, cfg->n_services, n_workers, ports.id[0], ports.id[1]);

	/* ---- loop ---- */
	rc = ctl_loop_run();
	if (rc < 0)
		CTL_LOG(ERR, "control loop: %s", strerror(-rc));

	/* ---- stop ---- */
	ctl_workers_stop(&workers);
	ctl_print_final();
	ctl_telemetry_stop();
	ctl_signals_close(&sg);
	ctl_ports_close(&ports);
	ctl_workers_free(&workers);
	ctl_gateway_fini(&gw); /* services stopped, namespaces removed */
	ctl_loop_fini();
	ctl_ports_free(&ports);
	free(opts.specs);
	rte_eal_cleanup();
	return rc == 0 ? 0 : EXIT_FAILURE;
}
