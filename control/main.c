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
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <net/if.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <ucontext.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_debug.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_log.h>
#include <rte_mempool.h>
#include <rte_version.h>

#include "../dataplane/dataplane.h"
#include "../nic/nic.h"
#include "control.h"
#include "loop.h"
#include "netns.h"

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

/* Signals arrive through a signalfd in the control loop. */
struct ctl_signals {
	struct ctl_watch w;
	struct ctl_gateway *gw;
};

static void
ctl_on_signal(struct ctl_watch *w, uint32_t events)
{
	struct ctl_signals *sg = w->arg;
	struct signalfd_siginfo si;

	(void)events;
	while (read(w->fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		switch (si.ssi_signo) {
		case SIGINT:
		case SIGTERM:
			CTL_LOG(INFO, "signal %u: stopping", si.ssi_signo);
			ctl_loop_stop();
			return;
		case SIGCHLD:
			ctl_runtime_sigchld(sg->gw->runtime);
			break;
		case SIGHUP: {
			char out[400];
			CTL_LOG(INFO, "SIGHUP: reloading the configuration");
			ctl_gateway_reload(sg->gw, out, sizeof(out)); /* it logs the outcome */
			break;
		}
		}
	}
}

/* A crash says where: the faulting instruction, the word on top of the
 * stack (the caller, after a call through a bad pointer), the stack as far
 * as it unwinds and the process's mappings go to stderr (addresses map to
 * lines with addr2line on the same binary), then the default action. */
static void
ctl_on_crash(int sig, siginfo_t *si, void *uc_)
{
	static const char head[] = "jitsu: fatal signal, stack:\n";
	char buf[4096];
	ucontext_t *uc = uc_;
	int n;

	(void)si;
	if (write(STDERR_FILENO, head, sizeof(head) - 1) < 0)
		_exit(128 + sig);
#if defined(__x86_64__)
	uintptr_t rip = (uintptr_t)uc->uc_mcontext.gregs[REG_RIP];
	uintptr_t rsp = (uintptr_t)uc->uc_mcontext.gregs[REG_RSP];
	n = snprintf(buf, sizeof(buf), "jitsu: signal %d at rip %#lx, fault address %p, [rsp] %#lx\n",
		     sig, (unsigned long)rip, si->si_addr,
		     rsp ? (unsigned long)*(const uintptr_t *)rsp : 0ul);
	if (n > 0 && write(STDERR_FILENO, buf, (size_t)n) < 0)
		_exit(128 + sig);
#else
	(void)uc;
#endif
	rte_dump_stack();
	int fd = open("/proc/self/maps", O_RDONLY);
	while (fd >= 0 && (n = (int)read(fd, buf, sizeof(buf))) > 0)
		if (write(STDERR_FILENO, buf, (size_t)n) < 0)
			break;
	signal(sig, SIG_DFL);
	raise(sig);
}

static void
ctl_crash_handlers(void)
{
	static const int sigs[] = { SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT };
	struct sigaction sa = { .sa_sigaction = ctl_on_crash,
				.sa_flags = SA_RESETHAND | SA_SIGINFO };

	for (unsigned int i = 0; i < RTE_DIM(sigs); i++)
		sigaction(sigs[i], &sa, NULL);
}

int
main(int argc, char **argv)
{
	if (ctl_early_args(argc, argv) == 0)
		return 0;
	if (argc > 1 && strcmp(argv[1], "--eal-help") == 0) {
		char *a[] = { argv[0], (char *)"--help", NULL };
		rte_eal_init(2, a); /* prints EAL's usage and exits */
		return 0;
	}

	/* Block the signals the control loop reads before EAL starts threads,
	 * so that every thread inherits the mask and signalfd sees them all. */
	sigset_t sigs;
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGHUP);
	sigaddset(&sigs, SIGCHLD);
	if (pthread_sigmask(SIG_BLOCK, &sigs, NULL) != 0)
		rte_exit(EXIT_FAILURE, "cannot block signals\n");

	ctl_crash_handlers();
	int ret = rte_eal_init(argc, argv);
	if (ret < 0)
		rte_exit(EXIT_FAILURE, "EAL initialisation failed: %s\n", rte_strerror(rte_errno));
	argc -= ret;
	argv += ret;
	argv[0] = (char *)"jitsu";

	struct ctl_opts opts;
	if (ctl_parse_args(argc, argv, &opts) < 0) {
		rte_eal_cleanup();
		return EXIT_CONFIG;
	}
	static struct ctl_gateway gw;
	struct ctl_errors errs = { 0 };
	gw.sources = (struct ctl_sources){ opts.config, opts.address, opts.n_specs, opts.specs };
	struct ctl_config *cfg = ctl_gateway_load(&gw.sources, &errs);
	if (cfg == NULL) {
		ctl_print_errors(&errs);
		free(opts.specs);
		rte_eal_cleanup();
		return EXIT_CONFIG;
	}

	unsigned int n_workers = rte_lcore_count() - 1;
	if (n_workers == 0) {
		fprintf(stderr, "jitsu: no worker lcore: give at least two lcores (e.g. -l 0-1); "
			"the main lcore runs the control plane\n");
		ctl_config_free(cfg);
		free(opts.specs);
		rte_eal_cleanup();
		return EXIT_CONFIG;
	}
	if (opts.check) {
		struct ctl_errors warns = { 0 };
		int bad = ctl_runtime_check(cfg, &errs, &warns) < 0;
		for (uint32_t i = 0; i < warns.n; i++)
			fprintf(stderr, "jitsu: warning: %s\n", warns.msg[i]);
		if (bad) {
			ctl_print_errors(&errs);
			ctl_config_free(cfg);
			free(opts.specs);
			rte_eal_cleanup();
			return EXIT_CONFIG;
		}
		printf("jitsu: %s: configuration OK (%u services, gateway ports %u/%u%s)\n",
		       cfg->source[0] ? cfg->source : "command line", cfg->n_services,
		       cfg->ports.uplink, cfg->ports.downlink,
		       cfg->ports.exception != CTL_PORT_NONE ? " + exception" : "");
		ctl_config_free(cfg);
		free(opts.specs);
		rte_eal_cleanup();
		return 0;
	}

	/* ---- ports ---- */
	uint16_t ports[3] = { (uint16_t)cfg->ports.uplink, (uint16_t)cfg->ports.downlink,
			      cfg->ports.exception == CTL_PORT_NONE ? DP_PORT_NONE
								    : (uint16_t)cfg->ports.exception };
	unsigned int n_ports = ports[2] == DP_PORT_NONE ? 2 : 3;
	unsigned int n_mbufs = nic_pool_size(n_ports, n_workers, NIC_RXD_DEFAULT, NIC_TXD_DEFAULT,
					     rte_lcore_count(), 0);
	struct rte_mempool *pool = nic_pool_create("jitsu_mbufs", n_mbufs, (int)rte_socket_id());
	if (pool == NULL)
		rte_exit(EXIT_FAILURE, "cannot create a pool of %u mbufs: %s (more memory: -m)\n",
			 n_mbufs, rte_strerror(rte_errno));

	struct nic_port_info info[3];
	for (unsigned int i = 0; i < n_ports; i++) {
		struct nic_params np = {
			.n_queues = (uint16_t)n_workers,
			.nb_rxd = NIC_RXD_DEFAULT,
			.nb_txd = NIC_TXD_DEFAULT,
			.pool = pool,
			.mac = (i == 0 && !rte_is_zero_ether_addr(&cfg->gw.mac)) ? &cfg->gw.mac : NULL,
		};
		int rc = nic_port_start(ports[i], &np, &info[i]);
		if (rc != 0)
			rte_exit(EXIT_FAILURE, "port %u: cannot start: %s\n", ports[i],
				 rte_strerror(-rc));
	}
	for (unsigned int i = 0; i < n_ports; i++)
		if (!nic_link_wait(ports[i], 2000))
			CTL_LOG(WARNING, "port %u (%s): link is down", ports[i], info[i].name);

	/* ---- control plane: services prepared before any traffic ---- */
	if (ctl_loop_init() < 0)
		rte_exit(EXIT_FAILURE, "epoll: %s\n", strerror(errno));
	gw.n_workers = n_workers;
	gw.base = (struct dp_fp_conf){
		.up_mac = info[0].mac,
		.down_mac = info[1].mac,
		.flags = (info[0].tx_cksum ? DP_F_TX_CKSUM_UP : 0) |
			 (info[1].tx_cksum ? DP_F_TX_CKSUM_DOWN : 0) |
			 (n_ports == 3 ? DP_F_EXCEPTION : 0),
	};
	if (ctl_gateway_start(&gw, cfg, &errs) < 0) {
		ctl_print_errors(&errs);
		rte_exit(EXIT_FAILURE, "cannot set the services up\n");
	}
	/* ---- dataplane ---- */
	static uint32_t quit;
	struct dp_worker *workers[RTE_MAX_LCORE];
	const struct dp_counters *counters[RTE_MAX_LCORE];
	const struct dp_cycles *cycles[RTE_MAX_LCORE];
	const struct syn_proxy *pxs[RTE_MAX_LCORE];
	unsigned int lcore, w = 0;
	RTE_LCORE_FOREACH_WORKER(lcore) {
		struct dp_worker_params wp = {
			.lcore = lcore,
			.queue = (uint16_t)w,
			.uplink = ports[0],
			.downlink = ports[1],
			.exception = ports[2],
			.live = (const struct dp_fp_conf *const *)&gw.live,
			.qsv = gw.qsv,
			.quit = &quit,
			.events = ctl_runtime_events(gw.runtime),
			.event_fd = ctl_runtime_event_fd(gw.runtime),
			.probes = w == 0 ? ctl_runtime_probes(gw.runtime) : NULL,
			.announce = w == 0,
			.pool = pool,
			/* sized at start: max_pending per service, a pool shared by all */
			.syn = {
				.n_services = ctl_runtime_capacity(gw.runtime),
				.max_pending = cfg->gw.max_pending,
				.pool = RTE_MIN(RTE_MAX(4 * cfg->gw.max_pending, 16384u), 1u << 20),
				.max_flows = RTE_MIN(RTE_MAX(4 * cfg->gw.max_pending, 16384u), 1u << 20),
			},
		};
		workers[w] = dp_worker_create(&wp);
		if (workers[w] == NULL)
			rte_exit(EXIT_FAILURE, "worker on lcore %u: %s\n", lcore,
				 rte_strerror(rte_errno));
		counters[w] = dp_worker_counters(workers[w]);
		cycles[w] = dp_worker_cycles(workers[w]);
		pxs[w] = dp_worker_px(workers[w]);
		ctl_runtime_set_worker(gw.runtime, w, dp_worker_activity(workers[w]),
				       dp_worker_syn(workers[w]), dp_worker_replay_tsc(workers[w]));
		w++;
	}

	struct ctl_telemetry_params tp = {
		.gateway = &gw,
		.workers = counters,
		.cycles = cycles,
		.n_workers = n_workers,
		.ports = ports,
		.n_ports = 3,
		.pool = pool,
		.px = pxs,
	};
	if (ctl_telemetry_start(&tp) != 0)
		CTL_LOG(WARNING, "telemetry commands could not be registered");

	struct ctl_signals sg = { { signalfd(-1, &sigs, SFD_CLOEXEC | SFD_NONBLOCK), ctl_on_signal,
				    &sg }, &gw };
	if (sg.w.fd < 0 || ctl_loop_add(&sg.w, EPOLLIN) < 0 || ctl_runtime_start(gw.runtime) < 0)
		rte_exit(EXIT_FAILURE, "control loop: %s\n", strerror(errno));

	w = 0;
	RTE_LCORE_FOREACH_WORKER(lcore) {
		if (rte_eal_remote_launch(dp_worker_run, workers[w++], lcore) != 0)
			rte_exit(EXIT_FAILURE, "cannot launch the worker on lcore %u\n", lcore);
	}
	char ip[INET_ADDRSTRLEN];
	inet_ntop(AF_INET, &cfg->gw.address, ip, sizeof(ip));
	CTL_LOG(INFO, "gateway %s up: %u services, %u worker(s), uplink port %u, downlink port %u",
		ip, cfg->n_services, n_workers, ports[0], ports[1]);

	int rc = ctl_loop_run();
	if (rc < 0)
		CTL_LOG(ERR, "control loop: %s", strerror(-rc));

	__atomic_store_n(&quit, 1, __ATOMIC_RELAXED);
	rte_eal_mp_wait_lcore();
	ctl_print_final();
	ctl_telemetry_stop();
	ctl_loop_close(&sg.w);
	for (unsigned int i = 0; i < n_ports; i++)
		nic_port_close(ports[i]);
	for (unsigned int i = 0; i < n_workers; i++)
		dp_worker_free(workers[i]);
	ctl_gateway_fini(&gw); /* services stopped, namespaces removed */
	ctl_loop_fini();
	rte_mempool_free(pool);
	free(opts.specs);
	rte_eal_cleanup();
	return rc == 0 ? 0 : EXIT_FAILURE;
}
