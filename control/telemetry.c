/* SPDX-License-Identifier: BSD-3-Clause */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_ethdev.h>
#include <rte_mempool.h>
#include <rte_spinlock.h>
#include <rte_telemetry.h>

#include "../nic/nic.h"
#include "control.h"
#include "loop.h"
#include "runtime.h"
#include "backend.h"

/* rte_telemetry callbacks take no argument: the one gateway of this process
 * is published here. Telemetry runs on its own thread, so the pointer is
 * swapped under a lock that only the control plane and telemetry take; the
 * services' records are read under the control loop's lock. */
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
	if (ctl_tel_live && ctl_tel.pool != NULL)
		rte_tel_data_add_dict_u64(d, "mbuf_pool", ctl_tel.pool->size);
	if (ctl_tel_live && ctl_tel.neigh != NULL) {
		rte_tel_data_add_dict_u64(d, "neigh_entries", dp_neigh_count(ctl_tel.neigh));
		rte_tel_data_add_dict_u64(d, "neigh_bytes", dp_neigh_memsize(ctl_tel.neigh));
	}
	rte_spinlock_unlock(&ctl_tel_lock);
	return 0;
}

/* The af_packet PMD counts no allocation failure (it leaves the frame in the
 * socket's ring, which the kernel then drops, also uncounted by DPDK): the
 * frames its kernel interface received and the port did not are the
 * gateway's estimate of what it failed to receive there (rx_unseen). Other
 * PMDs count theirs in rx_nombuf and rx_missed. -1: not an af_packet port. */
static int64_t
ctl_tel_unseen(unsigned int i)
{
	static int64_t base[3];
	static int based[3];
	struct rte_eth_dev_info di;
	char ifname[IF_NAMESIZE];
	unsigned long long k = 0;

	if (i >= 3 || rte_eth_dev_info_get(ctl_tel.ports[i], &di) != 0 || di.driver_name == NULL ||
	    strstr(di.driver_name, "af_packet") == NULL || nic_port_ifname(ctl_tel.ports[i], ifname) != 0)
		return -1;
	/* /proc/net is this process's network namespace (sysfs is its mounter's) */
	FILE *f = fopen("/proc/self/net/dev", "re");
	char line[256];
	int ok = 0;
	if (f == NULL)
		return -1;
	while (!ok && fgets(line, sizeof(line), f) != NULL) {
		char *colon = strchr(line, ':'), *name = line;
		if (colon == NULL)
			continue;
		*colon = '\0';
		while (*name == ' ')
			name++;
		/* bytes, then packets received */
		ok = strcmp(name, ifname) == 0 && sscanf(colon + 1, "%*s %llu", &k) == 1;
	}
	fclose(f);
	/* the kernel's count first, the port's after: frames that arrive in
	 * between make the gap smaller, never larger (it never counts a frame
	 * the port is about to deliver as lost) */
	struct rte_eth_stats st;
	if (!ok || rte_eth_stats_get(ctl_tel.ports[i], &st) != 0)
		return -1;
	int64_t gap = (int64_t)k - (int64_t)st.ipackets;
	if (!based[i]) { /* what the kernel saw before the port was read first */
		base[i] = gap;
		based[i] = 1;
	}
	return gap > base[i] ? gap - base[i] : 0;
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
		int64_t unseen = ctl_tel_unseen(i);
		if (unseen >= 0)
			rte_tel_data_add_dict_u64(p, "rx_unseen", (uint64_t)unseen);
		rte_tel_data_add_dict_container(d, role[i], p, 0);
	}
	rte_spinlock_unlock(&ctl_tel_lock);
	return 0;
}

/* /jitsu/services[,FROM[,STATE]]: {"services": ["NAME STATE", ...], "next": ID}:
 * a page of at most CTL_TEL_PAGE services from id FROM on (those in STATE
 * only, when given), and the id the next page starts from when there is
 * more. An array of strings, not a dict keyed by name: DPDK telemetry's
 * dicts hold 256 entries and take no '-' in a key, its replies 16 KiB. */
#define CTL_TEL_PAGE 256

static int
ctl_tel_services(const char *cmd, const char *params, struct rte_tel_data *d)
{
	unsigned long from = 0;
	int want = -1;
	char *end = NULL;

	(void)cmd;
	if (params != NULL && params[0] != '\0') {
		from = strtoul(params, &end, 10);
		if (end == params || (*end != '\0' && *end != ','))
			return -EINVAL;
		if (*end == ',') {
			for (unsigned int st = 0; st < DP_SVC__COUNT; st++)
				if (strcmp(end + 1, dp_svc_state_name(st)) == 0)
					want = (int)st;
			if (want < 0)
				return -EINVAL;
		}
	}
	struct rte_tel_data *list = rte_tel_data_alloc();
	if (list == NULL)
		return -ENOMEM;
	rte_tel_data_start_array(list, RTE_TEL_STRING_VAL);
	rte_tel_data_start_dict(d);
	rte_spinlock_lock(&ctl_tel_lock);
	if (ctl_tel_live && ctl_tel.gateway != NULL) {
		ctl_loop_lock();
		uint32_t cap = ctl_runtime_capacity(ctl_tel.gateway->runtime), n = 0, i;
		char line[CTL_NAME_MAX + 32];
		for (i = from < cap ? (uint32_t)from : cap; i < cap && n < CTL_TEL_PAGE; i++) {
			const struct ctl_svc *s = ctl_runtime_svc(ctl_tel.gateway->runtime, i);
			if (s == NULL || (want >= 0 && ctl_svc_state(s) != (uint32_t)want))
				continue;
			snprintf(line, sizeof(line), "%s %s", s->cfg->name,
				 dp_svc_state_name(ctl_svc_state(s)));
			rte_tel_data_add_array_string(list, line);
			n++;
		}
		for (; i < cap; i++) /* is there more? */
			if (ctl_runtime_svc(ctl_tel.gateway->runtime, i) != NULL)
				break;
		if (i < cap)
			rte_tel_data_add_dict_u64(d, "next", i);
		ctl_loop_unlock();
	}
	rte_spinlock_unlock(&ctl_tel_lock);
	rte_tel_data_add_dict_container(d, "services", list, 0);
	return 0;
}

static const struct ctl_svc *
ctl_tel_find(const char *name)
{
	return name == NULL ? NULL
			    : ctl_runtime_svc(ctl_tel.gateway->runtime,
					      ctl_runtime_find(ctl_tel.gateway->runtime, name));
}


/* synjitsu = proxy: the service's proxied flows now, and what the proxy did
 * for it, summed over the workers. */
static void
ctl_tel_proxy(struct rte_tel_data *d, uint32_t id)
{
	uint64_t st[SYN_PX_ST__COUNT] = { 0 }, flows = 0;
	struct rte_tel_data *pd;

	if (ctl_tel.px == NULL || (pd = rte_tel_data_alloc()) == NULL)
		return;
	for (unsigned int w = 0; w < ctl_tel.n_workers; w++) {
		if (ctl_tel.px[w] == NULL)
			continue;
		const uint64_t *s = syn_px_stats(ctl_tel.px[w], id);
		for (unsigned int i = 0; i < SYN_PX_ST__COUNT; i++)
			st[i] += __atomic_load_n(&s[i], __ATOMIC_RELAXED);
		flows += syn_px_flows(ctl_tel.px[w], id);
	}
	rte_tel_data_start_dict(pd);
	rte_tel_data_add_dict_u64(pd, "flows", flows);
	for (unsigned int i = 0; i < SYN_PX_ST__COUNT; i++)
		rte_tel_data_add_dict_u64(pd, syn_px_stat_name(i), st[i]);
	rte_tel_data_add_dict_container(d, "proxy", pd, 0);
}

static void
ctl_tel_phases(struct rte_tel_data *d, const struct ctl_svc *s)
{
	for (unsigned int ph = 0; ph < CTL_PH__COUNT; ph++) {
		static const struct ctl_hist none; /* never summoned */
		const struct ctl_hist *h = s->hist != NULL ? &s->hist[ph] : &none;
		struct rte_tel_data *p = rte_tel_data_alloc();
		if (p == NULL)
			return;
		rte_tel_data_start_dict(p);
		rte_tel_data_add_dict_u64(p, "count", h->count);
		rte_tel_data_add_dict_u64(p, "p50_us", ctl_hist_quantile(h, 0.50));
		rte_tel_data_add_dict_u64(p, "p90_us", ctl_hist_quantile(h, 0.90));
		rte_tel_data_add_dict_u64(p, "p99_us", ctl_hist_quantile(h, 0.99));
		rte_tel_data_add_dict_u64(p, "min_us", h->min_us);
		rte_tel_data_add_dict_u64(p, "max_us", h->max_us);
		rte_tel_data_add_dict_u64(p, "mean_us", h->count ? h->sum_us / h->count : 0);
		rte_tel_data_add_dict_container(d, ctl_phase_name(ph), p, 0);
	}
}

static int
ctl_tel_service(const char *cmd, const char *params, struct rte_tel_data *d)
{
	char ip[INET_ADDRSTRLEN], mac[RTE_ETHER_ADDR_FMT_SIZE];

	(void)cmd;
	rte_spinlock_lock(&ctl_tel_lock);
	if (!ctl_tel_live || ctl_tel.gateway == NULL) {
		rte_spinlock_unlock(&ctl_tel_lock);
		return -1;
	}
	ctl_loop_lock();
	const struct ctl_svc *s = ctl_tel_find(params);
	int rc = -1;
	if (s != NULL) {
		rte_tel_data_start_dict(d);
		inet_ntop(AF_INET, &s->cfg->address, ip, sizeof(ip));
		rte_ether_format_addr(mac, sizeof(mac), &s->shared->mac);
		rte_tel_data_add_dict_string(d, "name", s->cfg->name);
		rte_tel_data_add_dict_string(d, "state", dp_svc_state_name(ctl_svc_state(s)));
		rte_tel_data_add_dict_string(d, "address", ip);
		rte_tel_data_add_dict_string(d, "mac", mac);
		rte_tel_data_add_dict_string(d, "backend", s->be->name);
		rte_tel_data_add_dict_u64(d, "paused", (uint64_t)s->paused);
		if (s->be->describe != NULL)
			s->be->describe(s, d);
		rte_tel_data_add_dict_u64(d, "summons", s->summons);
		rte_tel_data_add_dict_u64(d, "failures", s->failures);
		rte_tel_data_add_dict_u64(d, "failures_in_a_row", s->failures_in_a_row);
		rte_tel_data_add_dict_u64(d, "backoff_ms", s->backoff_ms);
		rte_tel_data_add_dict_u64(d, "stops", s->stops);
		rte_tel_data_add_dict_u64(d, "restarts", s->restarts);
		rte_tel_data_add_dict_u64(d, "idle_timeout_s", s->cfg->idle_timeout);
		rte_tel_data_add_dict_string(d, "last_error", s->last_error);
		ctl_tel_phases(d, s);
		uint64_t syn[SYN_ST__COUNT];
		struct rte_tel_data *sd = rte_tel_data_alloc();
		ctl_runtime_syn_stats(ctl_tel.gateway->runtime, s->id, syn);
		if (sd != NULL) {
			rte_tel_data_start_dict(sd);
			for (unsigned int i = 0; i < SYN_ST__COUNT; i++)
				rte_tel_data_add_dict_u64(sd, syn_stat_name(i), syn[i]);
			rte_tel_data_add_dict_container(d, "synjitsu", sd, 0);
		}
		ctl_tel_proxy(d, s->id);
		rc = 0;
	}
	ctl_loop_unlock();
	rte_spinlock_unlock(&ctl_tel_lock);
	return rc;
}

static int
ctl_tel_command(const char *cmd, const char *params, struct rte_tel_data *d)
{
	char out[160];
	int rc = -1;

	rte_spinlock_lock(&ctl_tel_lock);
	if (ctl_tel_live && ctl_tel.gateway != NULL && params != NULL)
		rc = ctl_runtime_command(ctl_tel.gateway->runtime, strstr(cmd, "stop") ? "stop" : "summon",
					 params, out, sizeof(out));
	rte_spinlock_unlock(&ctl_tel_lock);
	if (params == NULL)
		snprintf(out, sizeof(out), "give a service name: %s,NAME", cmd);
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_string(d, "result", rc == 0 ? "ok" : "error");
	rte_tel_data_add_dict_string(d, "message", out);
	return 0;
}

static int
ctl_tel_cycles(const char *cmd, const char *params, struct rte_tel_data *d)
{
	(void)cmd;
	(void)params;
	rte_tel_data_start_dict(d);
	rte_spinlock_lock(&ctl_tel_lock);
	for (unsigned int p = 0; ctl_tel_live && ctl_tel.cycles != NULL && p < DP_PATH__COUNT; p++) {
		uint64_t cyc = 0, pkts = 0;
		for (unsigned int i = 0; i < ctl_tel.n_workers; i++) {
			cyc += __atomic_load_n(&ctl_tel.cycles[i]->cycles[p], __ATOMIC_RELAXED);
			pkts += __atomic_load_n(&ctl_tel.cycles[i]->packets[p], __ATOMIC_RELAXED);
		}
		struct rte_tel_data *e = rte_tel_data_alloc();
		if (e == NULL)
			break;
		rte_tel_data_start_dict(e);
		rte_tel_data_add_dict_u64(e, "packets", pkts);
		rte_tel_data_add_dict_u64(e, "cycles", cyc);
		rte_tel_data_add_dict_u64(e, "cycles_per_packet", pkts ? cyc / pkts : 0);
		rte_tel_data_add_dict_container(d, dp_path_name(p), e, 0);
	}
	rte_spinlock_unlock(&ctl_tel_lock);
	return 0;
}

static int
ctl_tel_reload(const char *cmd, const char *params, struct rte_tel_data *d)
{
	char out[400] = "jitsu is stopping";
	int rc = -1;

	(void)cmd;
	(void)params;
	rte_spinlock_lock(&ctl_tel_lock);
	struct ctl_gateway *g = ctl_tel_live ? ctl_tel.gateway : NULL;
	rte_spinlock_unlock(&ctl_tel_lock);
	if (g != NULL) {
		/* the same lock the control loop's handlers run under */
		ctl_loop_lock();
		rc = ctl_gateway_reload(g, out, sizeof(out));
		ctl_loop_unlock();
	}
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_string(d, "result", rc == 0 ? "ok" : "error");
	rte_tel_data_add_dict_string(d, "message", out);
	return 0;
}

int
ctl_telemetry_start(const struct ctl_telemetry_params *prm)
{
	rte_spinlock_lock(&ctl_tel_lock);
	ctl_tel = *prm;
	ctl_tel_live = 1;
	for (unsigned int i = 0; i < ctl_tel.n_ports && i < 3; i++) /* rx_unseen from now */
		if (ctl_tel.ports[i] != DP_PORT_NONE)
			ctl_tel_unseen(i);
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
				"Services and their states");
	if (rc == 0)
		rc = rte_telemetry_register_cmd("/jitsu/service", ctl_tel_service,
				"One service: state, process, counts, cold-start phases. Parameter: name");
	if (rc == 0)
		rc = rte_telemetry_register_cmd("/jitsu/summon", ctl_tel_command,
				"Summon a service. Parameter: name");
	if (rc == 0)
		rc = rte_telemetry_register_cmd("/jitsu/stop", ctl_tel_command,
				"Stop a service (per its stop mode). Parameter: name");
	if (rc == 0)
		rc = rte_telemetry_register_cmd("/jitsu/cycles", ctl_tel_cycles,
				"Cycles per packet per path (with [gateway] measure_cycles = on)");
	if (rc == 0)
		rc = rte_telemetry_register_cmd("/jitsu/reload", ctl_tel_reload,
				"Reload the configuration; a bad one is refused and the old one stays");
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
