/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The one apply path of a configuration: at start-up, on SIGHUP and on
 * jitsuctl reload alike, a configuration is loaded into a new plain-data
 * object, validated whole, then applied at once: the runtime moves its
 * services, a new fast-path configuration is published to the workers, and
 * the old one is freed once every worker has passed a quiescent state.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <sys/random.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_log.h>
#include <rte_malloc.h>
#include <rte_random.h>
#include <rte_rcu_qsbr.h>

#include "control.h"
#include "loop.h"

RTE_LOG_REGISTER(ctl_gw_logtype, jitsu.config, INFO);
#define CTL_BUDGET_PREFIX_SLOTS 16384 /* source prefixes with a summon bucket */
#define CTL_COOKIE_PERIOD 8  /* seconds a SYN cookie's clock tick lasts */
#define CTL_COOKIE_MAX_AGE 2 /* ticks a cookie stays valid: 16 to 24 s */
#define GW_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_##level, ctl_gw_logtype, "jitsu: " fmt "\n", ##__VA_ARGS__)

static int
ctl_port_exists(uint32_t port, void *arg)
{
	(void)arg;
	return port < RTE_MAX_ETHPORTS && rte_eth_dev_is_valid_port((uint16_t)port);
}

struct ctl_config *
ctl_gateway_load(const struct ctl_sources *src, struct ctl_errors *errs)
{
	struct ctl_config *cfg = ctl_config_new();

	if (cfg == NULL) {
		ctl_errors_add(errs, "out of memory");
		return NULL;
	}
	if (src->file != NULL)
		ctl_config_load_file(cfg, src->file, errs);
	if (src->address != NULL) {
		struct in_addr a;
		if (inet_pton(AF_INET, src->address, &a) != 1 || a.s_addr == 0)
			ctl_errors_add(errs, "--address: '%s' is not an IPv4 address", src->address);
		else
			cfg->gw.address = a.s_addr;
	}
	for (int i = 0; i < src->n_specs; i++)
		ctl_config_add_service_spec(cfg, src->specs[i], errs);
	if (errs->n == 0)
		ctl_config_validate(cfg, ctl_port_exists, NULL, errs);
	if (errs->n != 0) {
		ctl_config_free(cfg);
		return NULL;
	}
	return cfg;
}

/* synjitsu's per-service configuration (mode, what a cookie SYN-ACK offers)
 * by service id, and the cookie keys: new at start, rotated on every
 * reload (the previous key still accepted, so handshakes in flight finish). */
static int
ctl_gateway_proxy(struct ctl_gateway *g, const struct ctl_config *cfg, const uint32_t *ids,
		  struct dp_fp_conf *fp)
{
	uint32_t cap = ctl_runtime_capacity(g->runtime);
	struct syn_px_svc *px = rte_zmalloc("jitsu_px_svc", (cap + 1) * sizeof(*px), 0);
	uint8_t key[16];

	if (px == NULL)
		return -ENOMEM;
	for (uint32_t id = 0; id <= cap; id++)
		px[id].mode = (uint8_t)cfg->gw.synjitsu;
	for (uint32_t i = 0; i < cfg->n_services; i++) {
		const struct ctl_service_config *s = &cfg->services[i];
		struct syn_px_svc *p = &px[ids != NULL ? ids[i] : i];
		p->mode = (uint8_t)s->synjitsu;
		p->always = (uint8_t)s->proxy_always;
		p->synack = (struct syn_synack_conf){
			.mss = (uint16_t)s->tcp_mss,
			.wscale = s->tcp_wscale == CTL_TCP_NO_WSCALE ? SYN_COOKIE_NO_WSCALE
								       : (uint8_t)s->tcp_wscale,
			.sack_ok = (uint8_t)s->tcp_sack,
			.ts_ok = (uint8_t)s->tcp_timestamps,
			.ttl = 64,
			.window = (uint16_t)s->tcp_window,
		};
	}
	fp->px_svc = px;
	if (getrandom(key, sizeof(key), 0) != (ssize_t)sizeof(key)) {
		/* no entropy yet: a key from the clock is weak but unknown outside */
		uint64_t t = rte_rdtsc() ^ ((uint64_t)getpid() << 32);
		memcpy(key, &t, 8);
		t = t * 0x9e3779b97f4a7c15ull ^ rte_get_tsc_hz();
		memcpy(key + 8, &t, 8);
	}
	if (g->live != NULL) {
		fp->cookie_keys = g->live->cookie_keys;
		syn_cookie_rotate(&fp->cookie_keys, key);
	} else {
		syn_cookie_keys_init(&fp->cookie_keys, key, CTL_COOKIE_PERIOD, CTL_COOKIE_MAX_AGE);
	}
	return 0;
}

/* Build and publish the fast path's configuration for @p cfg, its services
 * under @p ids; free the previous one once no worker reads it. */
static int
ctl_gateway_publish(struct ctl_gateway *g, const struct ctl_config *cfg, const uint32_t *ids)
{
	struct dp_svctab *tab = ctl_config_svctab(cfg, ids, ctl_runtime_capacity(g->runtime));
	struct dp_fp_conf *fp = rte_zmalloc("jitsu_fp_conf", sizeof(*fp), RTE_CACHE_LINE_SIZE);

	if (tab == NULL || fp == NULL) {
		dp_svctab_free(tab);
		rte_free(fp);
		return -ENOMEM;
	}
	*fp = g->base;
	fp->gw_ip = cfg->gw.address;
	/* the SOA serial: the time of the load, one more at least on each
	 * reload (secondaries and checkers see that the zone changed) */
	uint32_t now = (uint32_t)time(NULL);
	g->generation = now > g->generation ? now : g->generation + 1;
	fp->dns = (struct dp_dns_conf){ .tab = tab, .ttl = cfg->gw.dns_ttl,
					.soa_serial = g->generation,
					.tcp_keepalive = (uint16_t)(cfg->gw.dns_tcp_idle / 100) };
	fp->rt = ctl_runtime_shared(g->runtime);
	fp->park_tsc = rte_get_tsc_hz() / 1000 * cfg->gw.dns_park_timeout;
	fp->pending_tsc = rte_get_tsc_hz() / 1000 * cfg->gw.pending_timeout;
	fp->syn_mode = (uint8_t)cfg->gw.synjitsu;
	if (cfg->gw.measure_cycles)
		fp->flags |= DP_F_CYCLES;
	fp->summon_on_syn = (uint8_t)cfg->gw.summon_on_syn;
	fp->up_vlan = (uint16_t)cfg->gw.uplink_vlan;
	fp->up_net = cfg->gw.uplink_net;
	fp->up_mask = cfg->gw.uplink_mask;
	fp->route_ip = cfg->gw.gateway_route;
	dp_rrl_conf_make(&fp->rrl, cfg->gw.rrl_rate, cfg->gw.rrl_prefix, cfg->gw.rrl_slip,
			 rte_get_tsc_hz());
	/* the cookie key lives as long as the process: reloads keep it */
	if (g->live != NULL) {
		fp->dnstcp.keys = g->live->dnstcp.keys;
	} else {
		uint8_t key[16];
		if (getrandom(key, sizeof(key), 0) != (ssize_t)sizeof(key)) {
			dp_svctab_free(tab);
			rte_free(fp);
			return -EIO;
		}
		syn_cookie_keys_init(&fp->dnstcp.keys, key, 16, SYN_COOKIE_MAX_AGE);
	}
	fp->dnstcp.hz = rte_get_tsc_hz();
	fp->dnstcp.idle = rte_get_tsc_hz() / 1000 * cfg->gw.dns_tcp_idle;
	fp->dnsfwd.resolver = cfg->gw.dns_forward ? cfg->gw.dns_forward_address : 0;
	if (fp->dnsfwd.resolver != 0 || fp->rrl.interval != 0)
		fp->flags |= DP_F_DNS_SLOW;
	fp->dnsfwd.timeout = rte_get_tsc_hz() / 1000 * cfg->gw.dns_forward_timeout;
	fp->budget_conf = (struct syn_budget_conf){
		.prefix_len = (uint8_t)cfg->gw.summon_prefix_len,
		.prefix_rate = cfg->gw.summon_prefix_rate,
		.prefix_burst = cfg->gw.summon_prefix_burst,
		.global_rate = cfg->gw.summon_rate,
		.global_burst = cfg->gw.summon_burst,
		.svc_cap = cfg->gw.summon_service_cap,
		.svc_interval = cfg->gw.summon_service_interval,
	};

	fp->px_idle_tsc = rte_get_tsc_hz() * cfg->gw.proxy_idle_timeout;
	fp->tsc_hz = rte_get_tsc_hz();
	fp->dns_summon = (uint8_t)cfg->gw.dns_summon;
	if (ctl_gateway_proxy(g, cfg, ids, fp) < 0) {
		dp_svctab_free(tab);
		rte_free(fp);
		return -ENOMEM;
	}

	struct dp_fp_conf *old = g->live;
	__atomic_store_n(&g->live, fp, __ATOMIC_RELEASE);
	if (old != NULL) {
		/* every worker has copied the new one once this returns */
		if (g->qsv != NULL)
			rte_rcu_qsbr_synchronize(g->qsv, RTE_QSBR_THRID_INVALID);
		dp_svctab_free((struct dp_svctab *)old->dns.tab);
		rte_free((void *)(uintptr_t)old->px_svc);
		rte_free(old);
	}
	return 0;
}

int
ctl_gateway_start(struct ctl_gateway *g, struct ctl_config *cfg, struct ctl_errors *errs)
{
	uint32_t *ids = calloc(cfg->n_services + 1, sizeof(*ids));

	if (ids == NULL) {
		ctl_errors_add(errs, "out of memory");
		return -ENOMEM;
	}
	g->runtime = ctl_runtime_create(cfg, g->n_workers, ids, errs);
	/* summon budgets: their state lives as long as the gateway, reloads
	 * change only their limits */
	if (g->runtime != NULL && g->base.budget == NULL) {
		g->base.budget = syn_budget_create(ctl_runtime_capacity(g->runtime),
						   CTL_BUDGET_PREFIX_SLOTS, rte_get_tsc_hz(),
						   (uint32_t)rte_rand());
		if (g->base.budget == NULL) {
			ctl_errors_add(errs, "out of memory for the summon budgets");
			free(ids);
			return -ENOMEM;
		}
	}
	int rc = g->runtime == NULL ? -EINVAL : ctl_gateway_publish(g, cfg, ids);
	free(ids);
	if (rc == -ENOMEM)
		ctl_errors_add(errs, "out of memory for the service table");
	if (rc == 0) {
		g->cfg = cfg;
		size_t sz = rte_rcu_qsbr_get_memsize(g->n_workers);
		g->qsv = rte_zmalloc("jitsu_qsbr", sz, RTE_CACHE_LINE_SIZE);
		if (g->qsv == NULL || rte_rcu_qsbr_init(g->qsv, g->n_workers) != 0) {
			ctl_errors_add(errs, "out of memory for RCU");
			rc = -ENOMEM;
		}
	}
	return rc;
}

int
ctl_gateway_reload(struct ctl_gateway *g, char *out, size_t len)
{
	struct ctl_errors errs = { 0 };
	struct ctl_config *cfg = ctl_gateway_load(&g->sources, &errs);
	uint32_t *ids = NULL;
	int rc = -EINVAL;

	if (cfg != NULL) {
		const struct ctl_config *o = g->cfg;
		if (cfg->ports.uplink != o->ports.uplink || cfg->ports.downlink != o->ports.downlink ||
		    cfg->ports.exception != o->ports.exception ||
		    !rte_is_same_ether_addr(&cfg->gw.mac, &o->gw.mac))
			ctl_errors_add(&errs, "reload: [ports] and the gateway's mac cannot change "
				       "while jitsu runs: restart it");
		/* the held-packet budget is memory of the port pool, sized at start */
		if (cfg->gw.max_pending != o->gw.max_pending || cfg->gw.max_held != o->gw.max_held ||
		    cfg->gw.neigh_entries != o->gw.neigh_entries)
			ctl_errors_add(&errs, "reload: [gateway] max_pending, max_held and "
				       "neigh_entries are sized at start (%u, %u, %u): restart jitsu "
				       "to change them", o->gw.max_pending, o->gw.max_held,
				       o->gw.neigh_entries);
		ids = calloc(cfg->n_services + 1, sizeof(*ids));
		if (ids == NULL)
			ctl_errors_add(&errs, "reload: out of memory");
	}
	if (errs.n == 0)
		rc = ctl_runtime_reload(g->runtime, cfg, ids, &errs);
	if (rc == 0) {
		/* the runtime runs cfg now: it is the running configuration */
		int prc = ctl_gateway_publish(g, cfg, ids);
		free(ids);
		ctl_config_free(g->cfg);
		g->cfg = cfg;
		if (prc < 0) {
			snprintf(out, len, "reloaded, but the fast path keeps its old table: %s",
				 strerror(-prc));
			GW_LOG(ERR, "%s", out);
			return prc;
		}
		snprintf(out, len, "reloaded %s: %u services", cfg->source[0] ? cfg->source :
			 "the command line", cfg->n_services);
		GW_LOG(INFO, "%s", out);
		return 0;
	}
	free(ids);
	ctl_config_free(cfg);
	/* refused: the running configuration stays */
	for (uint32_t i = 0; i < errs.n; i++)
		GW_LOG(ERR, "%s", errs.msg[i]);
	snprintf(out, len, "reload refused, the running configuration stays: %s%s",
		 errs.n ? errs.msg[0] : strerror(-rc), errs.n > 1 ? " (and more: see the log)" : "");
	return rc < 0 ? rc : -EINVAL;
}

void
ctl_gateway_fini(struct ctl_gateway *g)
{
	ctl_runtime_free(g->runtime);
	g->runtime = NULL;
	if (g->live != NULL) {
		dp_svctab_free((struct dp_svctab *)g->live->dns.tab);
		rte_free((void *)(uintptr_t)g->live->px_svc);
		rte_free(g->live);
		g->live = NULL;
	}
	rte_free(g->qsv);
	g->qsv = NULL;
	syn_budget_free(g->base.budget);
	g->base.budget = NULL;
	ctl_config_free(g->cfg);
	g->cfg = NULL;
}
