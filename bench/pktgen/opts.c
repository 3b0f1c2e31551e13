/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The command line into a plain-data pg_config, validated whole: every
 * problem is listed, nothing starts until all are fixed. No EAL here.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../../dataplane/dns.h"
#include "pg.h"

#ifndef JITSU_VERSION
#define JITSU_VERSION "0.1"
#endif

const char *const pg_kind_names[PG_K__COUNT] = {
#define PG_X(id, name) [PG_K_##id] = name,
	PG_KINDS(PG_X)
#undef PG_X
};

const char *const pg_counter_names[PG_C__COUNT] = {
#define PG_X(name, help) [PG_C_##name] = #name,
	PG_COUNTERS(PG_X)
#undef PG_X
};

const char *const pg_counter_help[PG_C__COUNT] = {
#define PG_X(name, help) [PG_C_##name] = help,
	PG_COUNTERS(PG_X)
#undef PG_X
};

const char *const pg_kind_counter_names[PG_KC__COUNT] = {
#define PG_X(name) [PG_KC_##name] = #name,
	PG_KIND_COUNTERS(PG_X)
#undef PG_X
};

/* dns-hit=50,dns-miss=20,syn-cold=10,fwd=15,arp=5 */
static const uint32_t pg_default_mix[PG_K__COUNT] = {
	[PG_K_dns_hit] = 50, [PG_K_dns_miss] = 20, [PG_K_syn_cold] = 10,
	[PG_K_fwd] = 15, [PG_K_arp] = 5,
};

#define PG_WEIGHT_MAX 1000

static const char pg_usage_text[] =
	"Usage: jitsu-pktgen [EAL options] -- [options]\n"
	"       jitsu-pktgen -- --pcap FILE --count N [options]   (no EAL, no port)\n"
	"\n"
	"Traffic generator for the jitsu gateway: sends a profile on one port from\n"
	"one worker lcore, matches what comes back to what it sent (DNS replies by\n"
	"ID and port, ARP replies by target, RST/SYN-ACK by TCP port, fwd by the\n"
	"sequence number in its payload; frames returned as they were, e.g. by\n"
	"testpmd's macswap, count as echoed), and prints one JSON object on stdout\n"
	"(sent, received, lost, Mpps both ways, latency p50/p90/p99/p99.9 per kind\n"
	"and overall) and a summary on stderr.\n"
	"EAL needs a main and one worker lcore and, here, no hugepages, e.g.\n"
	"  -l 0-1 --no-huge -m 256 --no-pci --file-prefix pg \\\n"
	"  --vdev=net_memif0,role=server,socket=/tmp/pg.sock,socket-abstract=no\n"
	"memif: the server must be up first (a client with no server fails to\n"
	"start its port); the gateway or testpmd then connects with role=client,\n"
	"its own --file-prefix and, best, its polling lcore on another core.\n"
	"\n"
	"Profile (kinds; a profile is a weighted mix of them):\n"
	"  -p, --profile P       dns-hit | dns-miss | syn-cold | fwd | arp | mixed\n"
	"                        (default dns-hit)\n"
	"      --mix K=W,...     weights of the kinds for mixed (0..1000; implies\n"
	"                        --profile mixed); default dns-hit=50,dns-miss=20,\n"
	"                        syn-cold=10,fwd=15,arp=5\n"
	"  dns-hit   A queries for --names, to --gw port 53\n"
	"  dns-miss  A queries for nx-XXXXXXXX.ZONE (unknown names under --zone)\n"
	"  syn-cold  TCP SYNs to --svc-ip:--syn-port from random addresses of\n"
	"            198.18.0.0/15 and random ports\n"
	"  fwd       UDP to --fwd-ip:--fwd-port, a sequence number and a TSC stamp\n"
	"            in the payload (what a READY service gets)\n"
	"  arp       ARP requests for --gw, from 198.19.0.0/16\n"
	"\n"
	"Addresses:\n"
	"      --gw ADDR         the gateway's address (default 10.77.0.1)\n"
	"      --gw-mac MAC      destination MAC of everything but ARP (required)\n"
	"      --names N[=A],... names for dns-hit; with =A the answer must be A\n"
	"                        (default www.example.org)\n"
	"      --zone Z          the zone of dns-miss (default: the first name's parent)\n"
	"      --svc-ip ADDR     syn-cold's destination (required for syn-cold)\n"
	"      --fwd-ip ADDR     fwd's destination (default: --svc-ip)\n"
	"      --syn-port N      syn-cold's destination port (default 80)\n"
	"      --fwd-port N      fwd's destination port (default 7, echo)\n"
	"      --src-ip ADDR     the client address of dns-* and fwd (default 198.18.0.1)\n"
	"      --src-mac MAC     source MAC (default: the port's; 02:70:67:00:00:01 in pcap)\n"
	"\n"
	"Size and rate:\n"
	"      --size N          frame size with FCS, 64..1518 (default 64); DNS\n"
	"                        queries are padded with an EDNS(0) padding option,\n"
	"                        fwd with payload; a DNS query is never shorter than\n"
	"                        its name needs; ARP and SYN frames are always 64\n"
	"      --imix            7:4:1 of 64/570/1518 (per kind, for DNS and fwd)\n"
	"      --rate PPS        packets per second (default: as fast as possible)\n"
	"      --duration S      seconds of sending (default 5)\n"
	"      --drain MS        ms to wait for late replies after sending (default 200)\n"
	"      --link-timeout S  seconds to wait for the port's link, and then for an\n"
	"                        answer to the probe (default 10)\n"
	"      --no-probe        send at once; by default ARP requests for --gw go out\n"
	"                        every 10 ms until one is answered (or echoed), as a\n"
	"                        memif link is up before its peer polls\n"
	"      --linger S        after the report, keep the port open until the peer\n"
	"                        disconnects, at most S s (default 0): with memif, the\n"
	"                        side still polling when the other closes may crash\n"
	"                        (DPDK 22.11), so stop the peer first\n"
	"      --port N          the DPDK port (default 0)\n"
	"      --down-port N     a second port, where the device forwards fwd (the\n"
	"                        gateway's downlink, testpmd's paired port); it is\n"
	"                        polled too, and fwd frames out of it are matched\n"
	"                        as forwarded (correct)\n"
	"      --fwd-mac MAC     forwarded frames must be addressed to MAC with the TTL\n"
	"                        decremented once (a router: the service's MAC); by\n"
	"                        default to our own MAC with the TTL as sent (a\n"
	"                        reflector such as testpmd's macswap)\n"
	"      --flood K         besides the profile (paced by --rate), fill every\n"
	"                        burst with frames of kind K, as fast as they go\n"
	"      --lossy           frames the port does not take are dropped (counted as\n"
	"                        dropped per kind), as a NIC's full ring drops what\n"
	"                        the wire brings; by default they are sent again\n"
	"\n"
	"Capture instead of sending:\n"
	"      --pcap FILE       write the profile's frames to FILE (pcap, Ethernet, us);\n"
	"                        EAL is not started, EAL options are ignored\n"
	"      --count N         how many frames (required with --pcap); timestamps are\n"
	"                        1/rate apart (1 us without --rate)\n"
	"\n"
	"      --seed N          seed of the random sources (default 1)\n"
	"  -q, --quiet           no summary on stderr\n"
	"  -h, --help            this text\n"
	"  -V, --version         the version\n"
	"\n"
	"Output: JSON on stdout; exit status 0 when the run happened (loss is data,\n"
	"not an error), 1 when EAL or the port failed, 2 for a bad command line.\n"
	"SIGINT/SIGTERM end the sending early (the report still comes); a second\n"
	"one skips the drain and --linger.\n"
	"Nothing is allocated, logged or printed per packet.\n";

void
pg_usage(FILE *f)
{
	fputs(pg_usage_text, f);
}

static int
pg_kind_by_name(const char *s, size_t n)
{
	for (int k = 0; k < PG_K__COUNT; k++)
		if (strlen(pg_kind_names[k]) == n && strncmp(pg_kind_names[k], s, n) == 0)
			return k;
	return -1;
}

static int
pg_parse_u64(const char *s, uint64_t max, uint64_t *v)
{
	char *end;

	if (s == NULL || *s == '\0' || *s == '-')
		return -EINVAL;
	errno = 0;
	unsigned long long x = strtoull(s, &end, 0);
	if (errno != 0 || *end != '\0' || x > max)
		return -EINVAL;
	*v = x;
	return 0;
}

static int
pg_parse_ip(const char *s, uint32_t *ip)
{
	struct in_addr a;

	if (inet_pton(AF_INET, s, &a) != 1)
		return -EINVAL;
	*ip = a.s_addr;
	return 0;
}

/* The @tl first characters of @text as a lower-case wire name (the
 * gateway's own conversion); its length, or -EINVAL (the root too). */
static int
pg_name_to_wire(const char *text, size_t tl, uint8_t *wire, size_t cap)
{
	char buf[DP_DNS_NAME_MAX + 2];

	if (tl >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, text, tl);
	buf[tl] = '\0';
	int n = dp_dns_name_from_text(buf, wire, cap);
	return n < 2 ? -EINVAL : n;
}

static int
pg_parse_names(const char *arg, struct pg_config *cfg)
{
	const char *p = arg;
	int bad = 0;

	cfg->n_names = 0;
	while (*p) {
		const char *end = strchr(p, ',');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		const char *eq = memchr(p, '=', len);
		size_t nl = eq ? (size_t)(eq - p) : len;
		if (cfg->n_names == PG_NAMES_MAX) {
			fprintf(stderr, "jitsu-pktgen: --names: at most %d names\n", PG_NAMES_MAX);
			return -EINVAL;
		}
		struct pg_name *n = &cfg->names[cfg->n_names];
		int wl = pg_name_to_wire(p, nl, n->wire, sizeof(n->wire));
		if (wl < 0 || nl > PG_NAME_MAX) {
			fprintf(stderr, "jitsu-pktgen: --names: '%.*s' is not a DNS name\n", (int)nl, p);
			bad = 1;
		} else {
			n->wire_len = (uint16_t)wl;
			memcpy(n->text, p, nl);
			n->text[nl] = '\0';
		}
		n->addr = 0;
		if (eq != NULL) {
			char a[INET_ADDRSTRLEN + 1];
			size_t al = len - nl - 1;
			if (al >= sizeof(a) || (memcpy(a, eq + 1, al), a[al] = '\0',
						pg_parse_ip(a, &n->addr)) != 0) {
				fprintf(stderr, "jitsu-pktgen: --names: '%.*s' is not an IPv4 address\n",
					(int)al, eq + 1);
				bad = 1;
			}
		}
		cfg->n_names++;
		if (end == NULL)
			break;
		p = end + 1;
	}
	if (cfg->n_names == 0) {
		fprintf(stderr, "jitsu-pktgen: --names: no name given\n");
		bad = 1;
	}
	return bad ? -EINVAL : 0;
}

static int
pg_parse_mix(const char *arg, struct pg_config *cfg)
{
	const char *p = arg;
	int bad = 0;

	memset(cfg->weight, 0, sizeof(cfg->weight));
	while (*p) {
		const char *end = strchr(p, ',');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		const char *eq = memchr(p, '=', len);
		int k = eq ? pg_kind_by_name(p, (size_t)(eq - p)) : -1;
		char w[16];
		uint64_t v = 0;
		size_t wl = eq ? len - (size_t)(eq - p) - 1 : 0;
		if (k < 0 || wl == 0 || wl >= sizeof(w) ||
		    (memcpy(w, eq + 1, wl), w[wl] = '\0', pg_parse_u64(w, PG_WEIGHT_MAX, &v)) != 0) {
			fprintf(stderr, "jitsu-pktgen: --mix: '%.*s' is not KIND=WEIGHT (kinds: "
				"dns-hit, dns-miss, syn-cold, fwd, arp; weights 0..%d)\n", (int)len, p,
				PG_WEIGHT_MAX);
			bad = 1;
		} else {
			cfg->weight[k] = (uint32_t)v;
		}
		if (end == NULL)
			break;
		p = end + 1;
	}
	uint32_t sum = 0;
	for (int k = 0; k < PG_K__COUNT; k++)
		sum += cfg->weight[k];
	if (!bad && sum == 0) {
		fprintf(stderr, "jitsu-pktgen: --mix: every weight is 0\n");
		bad = 1;
	}
	return bad ? -EINVAL : 0;
}

enum {
	OPT_MIX = 256, OPT_NAMES, OPT_ZONE, OPT_GW, OPT_GW_MAC, OPT_SVC_IP, OPT_FWD_IP,
	OPT_SYN_PORT, OPT_FWD_PORT, OPT_SRC_IP, OPT_SRC_MAC, OPT_SIZE, OPT_IMIX, OPT_RATE,
	OPT_DURATION, OPT_DRAIN, OPT_LINK_TIMEOUT, OPT_NO_PROBE, OPT_LINGER, OPT_PORT, OPT_PCAP, OPT_COUNT, OPT_SEED,
	OPT_DOWN_PORT, OPT_FWD_MAC, OPT_FLOOD, OPT_LOSSY,
};

static const struct option pg_longopts[] = {
	{ "profile", required_argument, NULL, 'p' },
	{ "mix", required_argument, NULL, OPT_MIX },
	{ "names", required_argument, NULL, OPT_NAMES },
	{ "zone", required_argument, NULL, OPT_ZONE },
	{ "gw", required_argument, NULL, OPT_GW },
	{ "gw-mac", required_argument, NULL, OPT_GW_MAC },
	{ "svc-ip", required_argument, NULL, OPT_SVC_IP },
	{ "fwd-ip", required_argument, NULL, OPT_FWD_IP },
	{ "syn-port", required_argument, NULL, OPT_SYN_PORT },
	{ "fwd-port", required_argument, NULL, OPT_FWD_PORT },
	{ "src-ip", required_argument, NULL, OPT_SRC_IP },
	{ "src-mac", required_argument, NULL, OPT_SRC_MAC },
	{ "size", required_argument, NULL, OPT_SIZE },
	{ "imix", no_argument, NULL, OPT_IMIX },
	{ "rate", required_argument, NULL, OPT_RATE },
	{ "duration", required_argument, NULL, OPT_DURATION },
	{ "drain", required_argument, NULL, OPT_DRAIN },
	{ "link-timeout", required_argument, NULL, OPT_LINK_TIMEOUT },
	{ "no-probe", no_argument, NULL, OPT_NO_PROBE },
	{ "linger", required_argument, NULL, OPT_LINGER },
	{ "port", required_argument, NULL, OPT_PORT },
	{ "down-port", required_argument, NULL, OPT_DOWN_PORT },
	{ "fwd-mac", required_argument, NULL, OPT_FWD_MAC },
	{ "flood", required_argument, NULL, OPT_FLOOD },
	{ "lossy", no_argument, NULL, OPT_LOSSY },
	{ "pcap", required_argument, NULL, OPT_PCAP },
	{ "count", required_argument, NULL, OPT_COUNT },
	{ "seed", required_argument, NULL, OPT_SEED },
	{ "quiet", no_argument, NULL, 'q' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

static void
pg_opts_defaults(struct pg_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	snprintf(cfg->profile, sizeof(cfg->profile), "dns-hit");
	cfg->weight[PG_K_dns_hit] = 1;
	cfg->size = 64;
	cfg->duration_s = 5;
	cfg->drain_ms = 200;
	cfg->link_timeout_s = 10;
	cfg->probe = 1;
	cfg->syn_port = 80;
	cfg->fwd_port = 7;
	cfg->seed = 1;
	cfg->down_port = PG_PORT_NONE;
	cfg->flood = -1;
	pg_parse_ip("10.77.0.1", &cfg->gw_ip);
	pg_parse_ip("198.18.0.1", &cfg->src_ip);
	pg_parse_names("www.example.org", cfg);
}

enum pg_opts_result
pg_opts_parse(int argc, char **argv, struct pg_config *cfg)
{
	int bad = 0, opt, have_mix = 0, have_profile = 0, have_zone = 0;
	const char *zone_arg = NULL;
	uint64_t v;

	pg_opts_defaults(cfg);
	optind = 1;
	opterr = 1;
	while ((opt = getopt_long(argc, argv, "p:qhV", pg_longopts, NULL)) != -1) {
		switch (opt) {
		case 'p': {
			int k = pg_kind_by_name(optarg, strlen(optarg));
			if (k < 0 && strcmp(optarg, "mixed") != 0) {
				fprintf(stderr, "jitsu-pktgen: --profile: '%s' is none of dns-hit, "
					"dns-miss, syn-cold, fwd, arp, mixed\n", optarg);
				bad = 1;
				break;
			}
			snprintf(cfg->profile, sizeof(cfg->profile), "%s", optarg);
			if (!have_mix) {
				memset(cfg->weight, 0, sizeof(cfg->weight));
				if (k >= 0)
					cfg->weight[k] = 1;
				else
					memcpy(cfg->weight, pg_default_mix, sizeof(cfg->weight));
			}
			have_profile = k >= 0 ? 1 : 2;
			break;
		}
		case OPT_MIX:
			if (pg_parse_mix(optarg, cfg) != 0)
				bad = 1;
			have_mix = 1;
			break;
		case OPT_NAMES:
			if (pg_parse_names(optarg, cfg) != 0)
				bad = 1;
			break;
		case OPT_ZONE:
			zone_arg = optarg;
			have_zone = 1;
			break;
		case OPT_GW:
		case OPT_SVC_IP:
		case OPT_FWD_IP:
		case OPT_SRC_IP: {
			uint32_t *dst = opt == OPT_GW ? &cfg->gw_ip : opt == OPT_SVC_IP ? &cfg->svc_ip :
					opt == OPT_FWD_IP ? &cfg->fwd_ip : &cfg->src_ip;
			if (pg_parse_ip(optarg, dst) != 0) {
				fprintf(stderr, "jitsu-pktgen: '%s' is not an IPv4 address\n", optarg);
				bad = 1;
			}
			if (opt == OPT_SVC_IP)
				cfg->have_svc_ip = 1;
			if (opt == OPT_FWD_IP)
				cfg->have_fwd_ip = 1;
			break;
		}
		case OPT_GW_MAC:
		case OPT_SRC_MAC:
		case OPT_FWD_MAC: {
			struct rte_ether_addr *m = opt == OPT_GW_MAC ? &cfg->gw_mac :
						   opt == OPT_SRC_MAC ? &cfg->src_mac : &cfg->fwd_mac;
			if (rte_ether_unformat_addr(optarg, m) != 0) {
				fprintf(stderr, "jitsu-pktgen: '%s' is not a MAC address\n", optarg);
				bad = 1;
			}
			*(opt == OPT_GW_MAC ? &cfg->have_gw_mac : opt == OPT_SRC_MAC ?
			  &cfg->have_src_mac : &cfg->have_fwd_mac) = 1;
			break;
		}
		case OPT_DOWN_PORT:
			if (pg_parse_u64(optarg, UINT16_MAX - 1, &v) != 0) {
				fprintf(stderr, "jitsu-pktgen: --down-port: '%s' is not a port\n", optarg);
				bad = 1;
			} else {
				cfg->down_port = (uint16_t)v;
			}
			break;
		case OPT_FLOOD:
			cfg->flood = pg_kind_by_name(optarg, strlen(optarg));
			if (cfg->flood < 0) {
				fprintf(stderr, "jitsu-pktgen: --flood: '%s' is none of dns-hit, dns-miss, "
					"syn-cold, fwd, arp\n", optarg);
				bad = 1;
			}
			break;
		case OPT_LOSSY:
			cfg->lossy = 1;
			break;
		case OPT_SYN_PORT:
		case OPT_FWD_PORT:
		case OPT_PORT:
			if (pg_parse_u64(optarg, UINT16_MAX, &v) != 0 || (opt != OPT_PORT && v == 0)) {
				fprintf(stderr, "jitsu-pktgen: '%s' is not a port number\n", optarg);
				bad = 1;
			} else {
				*(opt == OPT_SYN_PORT ? &cfg->syn_port :
				  opt == OPT_FWD_PORT ? &cfg->fwd_port : &cfg->port) = (uint16_t)v;
			}
			break;
		case OPT_SIZE:
			if (pg_parse_u64(optarg, PG_FRAME_MAX + PG_FCS_LEN, &v) != 0 || v < 64) {
				fprintf(stderr, "jitsu-pktgen: --size: '%s' is not 64..1518\n", optarg);
				bad = 1;
			} else {
				cfg->size = (uint16_t)v;
			}
			break;
		case OPT_IMIX:
			cfg->imix = 1;
			break;
		case OPT_RATE:
			if (pg_parse_u64(optarg, 1000000000ull, &v) != 0) {
				fprintf(stderr, "jitsu-pktgen: --rate: '%s' is not a packet rate\n", optarg);
				bad = 1;
			} else {
				cfg->rate_pps = v;
			}
			break;
		case OPT_DURATION: {
			char *end;
			double d = strtod(optarg, &end);
			if (*optarg == '\0' || *end != '\0' || !(d > 0 && d <= 86400)) {
				fprintf(stderr, "jitsu-pktgen: --duration: '%s' is not 0..86400 s\n", optarg);
				bad = 1;
			} else {
				cfg->duration_s = d;
			}
			break;
		}
		case OPT_DRAIN:
		case OPT_LINK_TIMEOUT:
		case OPT_LINGER:
			if (pg_parse_u64(optarg, opt == OPT_DRAIN ? 3600000 : 3600, &v) != 0) {
				fprintf(stderr, "jitsu-pktgen: '%s' is not a time\n", optarg);
				bad = 1;
			} else {
				*(opt == OPT_DRAIN ? &cfg->drain_ms : opt == OPT_LINGER ? &cfg->linger_s
							: &cfg->link_timeout_s) = (uint32_t)v;
			}
			break;
		case OPT_NO_PROBE:
			cfg->probe = 0;
			break;
		case OPT_PCAP:
			cfg->pcap_path = optarg;
			break;
		case OPT_COUNT:
			if (pg_parse_u64(optarg, UINT64_MAX, &v) != 0 || v == 0) {
				fprintf(stderr, "jitsu-pktgen: --count: '%s' is not a positive count\n", optarg);
				bad = 1;
			} else {
				cfg->count = v;
			}
			break;
		case OPT_SEED:
			if (pg_parse_u64(optarg, UINT64_MAX, &v) != 0) {
				fprintf(stderr, "jitsu-pktgen: --seed: '%s' is not a number\n", optarg);
				bad = 1;
			} else {
				cfg->seed = v;
			}
			break;
		case 'q':
			cfg->quiet = 1;
			break;
		case 'h':
			pg_usage(stdout);
			return PG_OPTS_EXIT_OK;
		case 'V':
			printf("jitsu-pktgen %s\n", JITSU_VERSION);
			return PG_OPTS_EXIT_OK;
		default:
			bad = 1; /* getopt said what */
			break;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "jitsu-pktgen: unexpected argument '%s'\n", argv[optind]);
		bad = 1;
	}
	if (have_mix) {
		if (have_profile == 1) {
			fprintf(stderr, "jitsu-pktgen: --mix goes with --profile mixed only\n");
			bad = 1;
		}
		snprintf(cfg->profile, sizeof(cfg->profile), "mixed");
	}

	/* the zone: given, or the first name's parent */
	if (have_zone) {
		int zl = pg_name_to_wire(zone_arg, strlen(zone_arg), cfg->zone_wire,
					 sizeof(cfg->zone_wire));
		if (zl < 0 || strlen(zone_arg) > PG_NAME_MAX) {
			fprintf(stderr, "jitsu-pktgen: --zone: '%s' is not a DNS name\n", zone_arg);
			bad = 1;
		} else {
			cfg->zone_len = (uint16_t)zl;
			snprintf(cfg->zone, sizeof(cfg->zone), "%s", zone_arg);
		}
	} else if (cfg->n_names > 0 && cfg->names[0].wire_len > 0) {
		const struct pg_name *n = &cfg->names[0];
		unsigned int skip = 1u + n->wire[0];
		if (n->wire[skip] == 0) {
			if (cfg->weight[PG_K_dns_miss]) {
				fprintf(stderr, "jitsu-pktgen: dns-miss needs --zone ('%s' has no "
					"parent)\n", n->text);
				bad = 1;
			}
		} else {
			cfg->zone_len = (uint16_t)(n->wire_len - skip);
			memcpy(cfg->zone_wire, n->wire + skip, cfg->zone_len);
			const char *dot = strchr(n->text, '.');
			snprintf(cfg->zone, sizeof(cfg->zone), "%s", dot ? dot + 1 : "");
		}
	}
	/* nx- and 8 hex digits: a label of 11 in front of the zone */
	if (cfg->weight[PG_K_dns_miss] && cfg->zone_len + 12 > PG_NAME_MAX) {
		fprintf(stderr, "jitsu-pktgen: --zone: too long for nx-XXXXXXXX.%s\n", cfg->zone);
		bad = 1;
	}
	if (!cfg->have_fwd_ip) {
		cfg->fwd_ip = cfg->svc_ip;
		if ((cfg->weight[PG_K_fwd] || cfg->flood == PG_K_fwd) && !cfg->have_svc_ip) {
			fprintf(stderr, "jitsu-pktgen: fwd needs --fwd-ip or --svc-ip\n");
			bad = 1;
		}
	}
	if (cfg->flood >= 0 && cfg->weight[cfg->flood]) {
		fprintf(stderr, "jitsu-pktgen: --flood %s: the kind is in the profile already\n",
			pg_kind_names[cfg->flood]);
		bad = 1;
	}
	if (cfg->flood >= 0 && cfg->pcap_path != NULL) {
		fprintf(stderr, "jitsu-pktgen: --flood goes with a live run, not --pcap\n");
		bad = 1;
	}
	if (cfg->flood >= 0 && cfg->rate_pps == 0) {
		fprintf(stderr, "jitsu-pktgen: --flood needs --rate (the profile's pace; the "
			"flood fills the rest)\n");
		bad = 1;
	}
	if (cfg->down_port != PG_PORT_NONE && cfg->down_port == cfg->port) {
		fprintf(stderr, "jitsu-pktgen: --down-port must differ from --port\n");
		bad = 1;
	}
	int uses_svc = cfg->weight[PG_K_syn_cold] || cfg->flood == PG_K_syn_cold;
	if (uses_svc && !cfg->have_svc_ip) {
		fprintf(stderr, "jitsu-pktgen: syn-cold needs --svc-ip\n");
		bad = 1;
	}
	if (!cfg->have_gw_mac) {
		fprintf(stderr, "jitsu-pktgen: --gw-mac is required (the gateway's MAC, e.g. "
			"its port's mac= devarg)\n");
		bad = 1;
	}
	if (cfg->pcap_path != NULL && cfg->count == 0) {
		fprintf(stderr, "jitsu-pktgen: --pcap needs --count\n");
		bad = 1;
	}
	if (cfg->pcap_path == NULL && cfg->count != 0) {
		fprintf(stderr, "jitsu-pktgen: --count goes with --pcap (a live run lasts "
			"--duration)\n");
		bad = 1;
	}
	if (cfg->imix && cfg->size != 64) {
		fprintf(stderr, "jitsu-pktgen: --imix and --size exclude each other\n");
		bad = 1;
	}
	if (bad) {
		fprintf(stderr, "jitsu-pktgen: see jitsu-pktgen -- --help\n");
		return PG_OPTS_BAD;
	}
	return PG_OPTS_RUN;
}
