/* SPDX-License-Identifier: BSD-3-Clause */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cfgfile.h>

#include "../dataplane/dns.h"
#include "config.h"

#define CTL_LINE_MAX (CFG_NAME_LEN + CFG_VALUE_LEN + 4) /* rte_cfgfile's own limit */

void
ctl_errors_add(struct ctl_errors *errs, const char *fmt, ...)
{
	va_list ap;

	if (errs->n == CTL_MAX_ERRORS) {
		errs->dropped++;
		return;
	}
	va_start(ap, fmt);
	vsnprintf(errs->msg[errs->n++], sizeof(errs->msg[0]), fmt, ap);
	va_end(ap);
}

/* ---- values ------------------------------------------------------------ */

/* A key's parser writes into the section's struct at k->off, or returns a
 * reason (a static string or @why, filled). */
struct ctl_key;
typedef const char *(*ctl_parse_t)(const struct ctl_key *k, const char *val, void *obj,
				   char *why, size_t whylen);

struct ctl_key {
	const char *name;
	ctl_parse_t parse;
	size_t off;
	uint32_t min, max;          /* numbers */
	const char *const *choices; /* enums, NULL-terminated */
};

#define CTL_FIELD(obj, k, type) ((type *)((char *)(obj) + (k)->off))

static const char *
ctl_p_u32(const struct ctl_key *k, const char *val, void *obj, char *why, size_t whylen)
{
	char *end;

	if (!isdigit((unsigned char)val[0]))
		return "not a number";
	errno = 0;
	unsigned long long v = strtoull(val, &end, 10);
	if (*end != '\0')
		return "not a number";
	if (errno == ERANGE || v < k->min || v > k->max) {
		snprintf(why, whylen, "%s is out of range %u..%u", val, k->min, k->max);
		return why;
	}
	*CTL_FIELD(obj, k, uint32_t) = (uint32_t)v;
	return NULL;
}

static const char *
ctl_p_ipv4(const struct ctl_key *k, const char *val, void *obj, char *why, size_t whylen)
{
	struct in_addr a;

	(void)why;
	(void)whylen;
	if (inet_pton(AF_INET, val, &a) != 1)
		return "not an IPv4 address (a.b.c.d)";
	uint32_t h = ntohl(a.s_addr);
	if (h == 0 || h == UINT32_MAX || (h >> 24) == 127 || (h >> 28) == 0xe ||
	    (h >> 28) == 0xf)
		return "not a unicast address (0.0.0.0, loopback, multicast and broadcast are refused)";
	*CTL_FIELD(obj, k, uint32_t) = a.s_addr;
	return NULL;
}

static const char *
ctl_p_mac(const struct ctl_key *k, const char *val, void *obj, char *why, size_t whylen)
{
	struct rte_ether_addr m;

	(void)why;
	(void)whylen;
	if (strlen(val) != 17 || rte_ether_unformat_addr(val, &m) != 0)
		return "not a MAC address (xx:xx:xx:xx:xx:xx)";
	if (!rte_is_valid_assigned_ether_addr(&m))
		return "not a unicast MAC address";
	*CTL_FIELD(obj, k, struct rte_ether_addr) = m;
	return NULL;
}

static const char *
ctl_p_enum(const struct ctl_key *k, const char *val, void *obj, char *why, size_t whylen)
{
	size_t used = 0;

	for (uint32_t i = 0; k->choices[i] != NULL; i++) {
		if (strcmp(val, k->choices[i]) == 0) {
			*CTL_FIELD(obj, k, uint32_t) = i;
			return NULL;
		}
	}
	used = (size_t)snprintf(why, whylen, "'%s' is not one of", val);
	for (uint32_t i = 0; k->choices[i] != NULL && used < whylen; i++)
		used += (size_t)snprintf(why + used, whylen - used, "%s %s", i ? "," : "",
					 k->choices[i]);
	return why;
}

static const char *
ctl_p_synjitsu(const struct ctl_key *k, const char *val, void *obj, char *why, size_t whylen)
{
	enum syn_mode m;
	int rc = syn_mode_parse(val, &m);

	(void)why;
	(void)whylen;
	if (rc < 0)
		return "not one of buffer, proxy, off";
	*CTL_FIELD(obj, k, uint32_t) = m;
	return NULL;
}

static const char *
ctl_p_str(const struct ctl_key *k, const char *val, void *obj, char *why, size_t whylen)
{
	(void)why;
	(void)whylen;
	/* a string field is k->max bytes when given (user: CTL_USER_MAX),
	 * CTL_STR_MAX otherwise, more than rte_cfgfile keeps */
	size_t size = k->max ? k->max : CTL_STR_MAX;

	if (val[0] == '\0')
		return "empty";
	if (strlen(val) >= size)
		return "too long";
	snprintf(CTL_FIELD(obj, k, char), size, "%s", val);
	return NULL;
}

static const char *
ctl_p_ifname(const struct ctl_key *k, const char *val, void *obj, char *why, size_t whylen)
{
	(void)why;
	(void)whylen;
	size_t n = strlen(val);
	if (n == 0 || n >= IF_NAMESIZE)
		return "an interface name is 1 to 15 characters";
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)val[i]) && val[i] != '-' && val[i] != '_' &&
		    val[i] != '.')
			return "an interface name has letters, digits, '-', '_' or '.'";
	memcpy(CTL_FIELD(obj, k, char), val, n + 1);
	return NULL;
}

/* An IPv4 subnet, a.b.c.d/len, no host bits: two words (address, mask). */
static const char *
ctl_p_subnet(const struct ctl_key *k, const char *val, void *obj, char *why, size_t whylen)
{
	char buf[INET_ADDRSTRLEN + 4];
	const char *slash = strchr(val, '/');
	struct in_addr a;
	char *end;

	if (slash == NULL || (size_t)(slash - val) >= INET_ADDRSTRLEN)
		return "not an IPv4 subnet (a.b.c.d/len)";
	memcpy(buf, val, (size_t)(slash - val));
	buf[slash - val] = '\0';
	errno = 0;
	unsigned long len = strtoul(slash + 1, &end, 10);
	if (inet_pton(AF_INET, buf, &a) != 1 || slash[1] == '\0' || *end != '\0' || errno ||
	    len > 32)
		return "not an IPv4 subnet (a.b.c.d/len, len 0..32)";
	uint32_t mask = len == 0 ? 0 : htonl(UINT32_MAX << (32 - len));
	if (a.s_addr & ~mask) {
		snprintf(why, whylen, "%s has host bits set past /%lu", buf, len);
		return why;
	}
	CTL_FIELD(obj, k, uint32_t)[0] = a.s_addr;
	CTL_FIELD(obj, k, uint32_t)[1] = mask;
	return NULL;
}

/* A prefix of interface names: an id of up to 7 digits follows. */
static const char *
ctl_p_prefix(const struct ctl_key *k, const char *val, void *obj, char *why, size_t whylen)
{
	if (strlen(val) > 8)
		return "a prefix of interface names is 1 to 8 characters";
	return ctl_p_ifname(k, val, obj, why, whylen);
}

/* Comma-separated DNS names; a repeated key (the --service form) appends. */
static const char *
ctl_p_names(const struct ctl_key *k, const char *val, void *obj, char *why, size_t whylen)
{
	struct ctl_names *names = CTL_FIELD(obj, k, struct ctl_names);
	const char *p = val;

	for (;;) {
		while (*p == ' ' || *p == '\t')
			p++;
		size_t n = strcspn(p, ",");
		size_t e = n;
		while (e > 0 && (p[e - 1] == ' ' || p[e - 1] == '\t'))
			e--;
		char one[DP_DNS_NAME_MAX + 2];
		uint8_t wire[DP_DNS_NAME_MAX];
		if (e == 0)
			return "empty name in the list";
		if (e >= sizeof(one) || (snprintf(one, sizeof(one), "%.*s", (int)e, p),
					 dp_dns_name_from_text(one, wire, sizeof(wire)) < 2)) {
			snprintf(why, whylen, "'%.*s' is not a DNS name (labels of 1-63 letters, "
				 "digits, '-' or '_'; 253 characters in all)", (int)RTE_MIN(e, 80u), p);
			return why;
		}
		if (names->n == k->max) {
			snprintf(why, whylen, "more than %u names", k->max);
			return why;
		}
		/* keep the text without a trailing dot, in lower case */
		if (one[e - 1] == '.')
			one[--e] = '\0';
		for (size_t i = 0; i < e; i++)
			one[i] = (char)tolower((unsigned char)one[i]);
		memcpy(names->v[names->n++], one, e + 1);
		if (p[n] == '\0')
			return NULL;
		p += n + 1;
	}
}

static const char *
ctl_p_ready(const struct ctl_key *k, const char *val, void *obj, char *why, size_t whylen)
{
	struct ctl_service_config *s = obj;

	(void)k;
	if (strcmp(val, "start") == 0) {
		s->ready = CTL_READY_START;
	} else if (strcmp(val, "notify") == 0) {
		s->ready = CTL_READY_NOTIFY;
	} else if (strcmp(val, "vif") == 0) {
		s->ready = CTL_READY_VIF;
	} else if (strncmp(val, "tcp:", 4) == 0) {
		static const struct ctl_key port = { "port", ctl_p_u32,
			offsetof(struct ctl_service_config, ready_port), 1, 65535, NULL };
		if (ctl_p_u32(&port, val + 4, obj, why, whylen) != NULL)
			return "tcp:PORT needs a port 1..65535";
		s->ready = CTL_READY_TCP;
	} else if (strncmp(val, "xenstore:", 9) == 0 && val[9] != '\0') {
		snprintf(s->ready_key, sizeof(s->ready_key), "%s", val + 9);
		s->ready = CTL_READY_XENSTORE;
	} else {
		return "not one of start, tcp:PORT, notify, xenstore:KEY, vif";
	}
	return NULL;
}

/* A window scale 0..14, or none. */
static const char *
ctl_p_wscale(const struct ctl_key *k, const char *val, void *obj, char *why, size_t whylen)
{
	if (strcmp(val, "none") == 0) {
		*CTL_FIELD(obj, k, uint32_t) = CTL_TCP_NO_WSCALE;
		return NULL;
	}
	if (ctl_p_u32(k, val, obj, why, whylen) != NULL)
		return "not a window scale (0..14, or none)";
	return NULL;
}

static const char *const ctl_proxy_names[] = { "cold", "always", NULL };
static const char *const ctl_dns_summon_names[] = { "budget", "cookie", "always", NULL };
static const char *const ctl_dns_reply_names[] = { "immediate", "ready", NULL };
static const char *const ctl_off_on_names[] = { "off", "on", NULL };
static const char *const ctl_backend_names[] = {
#define CTL_BACKEND_NAME(kind, name, ops) name,
	CTL_BACKEND_LIST(CTL_BACKEND_NAME)
#undef CTL_BACKEND_NAME
	NULL
};
static const char *const ctl_xen_recover_names[] = { "adopt", "destroy", NULL };
static const char *const ctl_process_recover_names[] = { "adopt", "kill", NULL };
static const char *const ctl_stop_names[] = { "destroy", "shutdown", "suspend", "pause", NULL };

#define G(f) offsetof(struct ctl_gateway_config, f)
#define P(f) offsetof(struct ctl_ports_config, f)
#define S(f) offsetof(struct ctl_service_config, f)

static const struct ctl_key ctl_gateway_keys[] = {
	{ "address", ctl_p_ipv4, G(address), 0, 0, NULL },
	{ "dns_ttl", ctl_p_u32, G(dns_ttl), 0, 604800, NULL },
	{ "zones", ctl_p_names, G(zones), 0, CTL_MAX_ZONES, NULL },
	{ "idle_timeout", ctl_p_u32, G(idle_timeout), 1, 31536000, NULL },
	{ "synjitsu", ctl_p_synjitsu, G(synjitsu), 0, 0, NULL },
	{ "dns_reply", ctl_p_enum, G(dns_reply), 0, 0, ctl_dns_reply_names },
	{ "max_pending", ctl_p_u32, G(max_pending), 1, 1u << 20, NULL },
	{ "max_concurrent_summons", ctl_p_u32, G(max_concurrent_summons), 1, 65536, NULL },
	{ "bridge", ctl_p_ifname, G(bridge), 0, 0, NULL },
	{ "mac", ctl_p_mac, G(mac), 0, 0, NULL },
	{ "netns_prefix", ctl_p_ifname, G(netns_prefix), 0, 0, NULL },
	{ "veth_prefix", ctl_p_prefix, G(veth_prefix), 0, 0, NULL },
	{ "ready_timeout", ctl_p_u32, G(ready_timeout), 10, 3600000, NULL },
	{ "failure_backoff", ctl_p_u32, G(failure_backoff), 1, 3600000, NULL },
	{ "stop_grace", ctl_p_u32, G(stop_grace), 0, 600000, NULL },
	{ "dns_park_timeout", ctl_p_u32, G(dns_park_timeout), 10, 60000, NULL },
	{ "pending_timeout", ctl_p_u32, G(pending_timeout), 10, 600000, NULL },
	{ "summon_on_syn", ctl_p_enum, G(summon_on_syn), 0, 0, ctl_off_on_names },
	{ "measure_cycles", ctl_p_enum, G(measure_cycles), 0, 0, ctl_off_on_names },
	{ "state_dir", ctl_p_str, G(state_dir), 0, 0, NULL },
	{ "xen_recover", ctl_p_enum, G(xen_recover), 0, 0, ctl_xen_recover_names },
	{ "process_recover", ctl_p_enum, G(process_recover), 0, 0, ctl_process_recover_names },
	{ "memory_max", ctl_p_u32, G(memory_max), 0, 1u << 24, NULL },
	{ "pids_max", ctl_p_u32, G(pids_max), 0, 4194304, NULL },
	{ "cpu_weight", ctl_p_u32, G(cpu_weight), 1, 10000, NULL },
	{ "cpu_max", ctl_p_u32, G(cpu_max), 0, 100000, NULL },
	{ "prepared_pool", ctl_p_u32, G(prepared_pool), 0, 1024, NULL },
	{ "user", ctl_p_str, G(user), 0, CTL_USER_MAX, NULL },
	{ "dynamic_user_base", ctl_p_u32, G(dynamic_user_base), 1000, CTL_DYNAMIC_USER_MAX, NULL },
	{ "max_held", ctl_p_u32, G(max_held), 64, 1u << 22, NULL },
	{ "neigh_entries", ctl_p_u32, G(neigh_entries), 16, 1u << 22, NULL },
	{ "uplink_subnet", ctl_p_subnet, G(uplink_net), 0, 0, NULL },
	{ "gateway_route", ctl_p_ipv4, G(gateway_route), 0, 0, NULL },
	{ "uplink_vlan", ctl_p_u32, G(uplink_vlan), 0, 4094, NULL },
	{ "dns_forward", ctl_p_enum, G(dns_forward), 0, 0, ctl_off_on_names },
	{ "dns_forward_address", ctl_p_ipv4, G(dns_forward_address), 0, 0, NULL },
	{ "dns_forward_table", ctl_p_u32, G(dns_forward_table), 16, 32768, NULL },
	{ "dns_forward_timeout", ctl_p_u32, G(dns_forward_timeout), 100, 60000, NULL },
	{ "rrl_rate", ctl_p_u32, G(rrl_rate), 0, 1000000, NULL },
	{ "rrl_slip", ctl_p_u32, G(rrl_slip), 0, 10, NULL },
	{ "rrl_prefix", ctl_p_u32, G(rrl_prefix), 8, 32, NULL },
	{ "rrl_table", ctl_p_u32, G(rrl_table), 16, 1u << 20, NULL },
	{ "dns_tcp_idle", ctl_p_u32, G(dns_tcp_idle), 100, 600000, NULL },
	{ "dns_tcp_conns", ctl_p_u32, G(dns_tcp_conns), 0, 65536, NULL },
	{ "summon_prefix_len", ctl_p_u32, G(summon_prefix_len), 0, 32, NULL },
	{ "summon_prefix_rate", ctl_p_u32, G(summon_prefix_rate), 0, 60000, NULL },
	{ "summon_prefix_burst", ctl_p_u32, G(summon_prefix_burst), 1, 1u << 20, NULL },
	{ "summon_rate", ctl_p_u32, G(summon_rate), 0, 1000000, NULL },
	{ "summon_burst", ctl_p_u32, G(summon_burst), 1, 1u << 20, NULL },
	{ "summon_service_cap", ctl_p_u32, G(summon_service_cap), 0, 1u << 20, NULL },
	{ "summon_service_interval", ctl_p_u32, G(summon_service_interval), 1, 86400, NULL },
	{ "proxy", ctl_p_enum, G(proxy_always), 0, 0, ctl_proxy_names },
	{ "proxy_idle_timeout", ctl_p_u32, G(proxy_idle_timeout), 1, 86400, NULL },
	{ "dns_summon", ctl_p_enum, G(dns_summon), 0, 0, ctl_dns_summon_names },
	{ NULL, NULL, 0, 0, 0, NULL },
};

#define Z(f) offsetof(struct ctl_zone_config, f)
static const struct ctl_key ctl_zone_keys[] = {
	{ "ns", ctl_p_names, Z(ns), 0, DP_ZONE_NS_MAX, NULL },
	{ "mname", ctl_p_str, Z(mname), 0, 0, NULL },
	{ "rname", ctl_p_str, Z(rname), 0, 0, NULL },
	{ "refresh", ctl_p_u32, Z(refresh), 1, 0x7fffffff, NULL },
	{ "retry", ctl_p_u32, Z(retry), 1, 0x7fffffff, NULL },
	{ "expire", ctl_p_u32, Z(expire), 1, 0x7fffffff, NULL },
	{ "minimum", ctl_p_u32, Z(minimum), 0, 604800, NULL },
	{ NULL, NULL, 0, 0, 0, NULL },
};
#undef Z

static const struct ctl_key ctl_ports_keys[] = {
	{ "uplink", ctl_p_u32, P(uplink), 0, RTE_MAX_ETHPORTS - 1, NULL },
	{ "downlink", ctl_p_u32, P(downlink), 0, RTE_MAX_ETHPORTS - 1, NULL },
	{ "exception", ctl_p_u32, P(exception), 0, RTE_MAX_ETHPORTS - 1, NULL },
	{ NULL, NULL, 0, 0, 0, NULL },
};

static const struct ctl_key ctl_service_keys[] = {
	{ "dns", ctl_p_names, S(dns), 0, CTL_MAX_SVC_NAMES, NULL },
	{ "address", ctl_p_ipv4, S(address), 0, 0, NULL },
	{ "mac", ctl_p_mac, S(mac), 0, 0, NULL },
	{ "backend", ctl_p_enum, S(backend), 0, 0, ctl_backend_names },
	{ "exec", ctl_p_str, S(exec), 0, 0, NULL },
	{ "kernel", ctl_p_str, S(kernel), 0, 0, NULL },
	{ "xl", ctl_p_str, S(xl), 0, 0, NULL },
	{ "memory", ctl_p_u32, S(memory), 1024, 1u << 30, NULL },
	{ "ready", ctl_p_ready, 0, 0, 0, NULL },
	{ "stop", ctl_p_enum, S(stop), 0, 0, ctl_stop_names },
	{ "idle_timeout", ctl_p_u32, S(idle_timeout), 1, 31536000, NULL },
	{ "dns_reply", ctl_p_enum, S(dns_reply), 0, 0, ctl_dns_reply_names },
	{ "memory_max", ctl_p_u32, S(memory_max), 0, 1u << 24, NULL },
	{ "pids_max", ctl_p_u32, S(pids_max), 0, 4194304, NULL },
	{ "cpu_weight", ctl_p_u32, S(cpu_weight), 1, 10000, NULL },
	{ "cpu_max", ctl_p_u32, S(cpu_max), 0, 100000, NULL },
	{ "user", ctl_p_str, S(user), 0, CTL_USER_MAX, NULL },
	{ "synjitsu", ctl_p_synjitsu, S(synjitsu), 0, 0, NULL },
	{ "proxy", ctl_p_enum, S(proxy_always), 0, 0, ctl_proxy_names },
	{ "tcp_mss", ctl_p_u32, S(tcp_mss), 216, 65495, NULL },
	{ "tcp_wscale", ctl_p_wscale, S(tcp_wscale), 0, 14, NULL },
	{ "tcp_sack", ctl_p_enum, S(tcp_sack), 0, 0, ctl_off_on_names },
	{ "tcp_timestamps", ctl_p_enum, S(tcp_timestamps), 0, 0, ctl_off_on_names },
	{ "tcp_window", ctl_p_u32, S(tcp_window), 1, 65535, NULL },
	{ NULL, NULL, 0, 0, 0, NULL },
};

#undef G
#undef P
#undef S

static const struct ctl_key *
ctl_key_find(const struct ctl_key *keys, const char *name)
{
	for (; keys->name != NULL; keys++)
		if (strcmp(keys->name, name) == 0)
			return keys;
	return NULL;
}

/* ---- objects ----------------------------------------------------------- */

struct ctl_config *
ctl_config_new(void)
{
	struct ctl_config *cfg = calloc(1, sizeof(*cfg));

	if (cfg == NULL)
		return NULL;
	cfg->gw.dns_ttl = 30;
	cfg->gw.idle_timeout = CTL_UNSET;
	cfg->gw.synjitsu = SYN_MODE_BUFFER;
	cfg->gw.dns_reply = CTL_DNS_REPLY_IMMEDIATE;
	cfg->gw.max_pending = 1024;
	cfg->gw.max_concurrent_summons = 32;
	snprintf(cfg->gw.bridge, sizeof(cfg->gw.bridge), "jitsu0");
	snprintf(cfg->gw.netns_prefix, sizeof(cfg->gw.netns_prefix), "jitsu-svc");
	snprintf(cfg->gw.veth_prefix, sizeof(cfg->gw.veth_prefix), "jv");
	cfg->gw.ready_timeout = 10000;
	cfg->gw.failure_backoff = 1000;
	cfg->gw.stop_grace = 2000;
	cfg->gw.dns_park_timeout = 3000;
	cfg->gw.pending_timeout = 5000;
	cfg->gw.summon_on_syn = 1;
	snprintf(cfg->gw.state_dir, sizeof(cfg->gw.state_dir), "/var/lib/jitsu");
	cfg->gw.xen_recover = CTL_XEN_ADOPT;
	cfg->gw.process_recover = CTL_PROC_KILL;
	cfg->gw.memory_max = 1024;
	cfg->gw.pids_max = 1024;
	cfg->gw.cpu_weight = 100;
	cfg->gw.dynamic_user_base = CTL_DYNAMIC_USER_BASE;
	cfg->gw.cpu_max = 0;
	cfg->gw.prepared_pool = 8;
	cfg->gw.max_held = 4096;
	cfg->gw.neigh_entries = 4096;
	cfg->gw.summon_prefix_len = 24;
	cfg->gw.summon_prefix_rate = 600;
	cfg->gw.summon_prefix_burst = 60;
	cfg->gw.summon_rate = 200;
	cfg->gw.summon_burst = 200;
	cfg->gw.summon_service_cap = 60;
	cfg->gw.summon_service_interval = 60;
	cfg->gw.proxy_idle_timeout = 300;
	cfg->ports.uplink = 0;
	cfg->ports.downlink = 1;
	cfg->ports.exception = CTL_PORT_NONE;
	cfg->gw.dns_forward_table = 4096;
	cfg->gw.dns_forward_timeout = 3000;
	cfg->gw.rrl_slip = 2;
	cfg->gw.rrl_prefix = 24;
	cfg->gw.rrl_table = 4096;
	cfg->gw.dns_tcp_idle = 10000;
	cfg->gw.dns_tcp_conns = 256;
	return cfg;
}

void
ctl_config_free(struct ctl_config *cfg)
{
	if (cfg == NULL)
		return;
	free(cfg->services);
	free(cfg);
}

static struct ctl_service_config *
ctl_service_new(struct ctl_config *cfg)
{
	if (cfg->n_services == cfg->cap_services) {
		uint32_t cap = cfg->cap_services ? 2 * cfg->cap_services : 16;
		void *p = realloc(cfg->services, cap * sizeof(*cfg->services));
		if (p == NULL)
			return NULL;
		cfg->services = p;
		cfg->cap_services = cap;
	}
	struct ctl_service_config *s = &cfg->services[cfg->n_services++];
	memset(s, 0, sizeof(*s));
	s->backend = CTL_BACKEND_PROCESS;
	s->ready = CTL_READY_START;
	s->stop = CTL_STOP_DESTROY;
	s->idle_timeout = CTL_UNSET;
	s->dns_reply = CTL_DNS_REPLY_UNSET;
	s->memory_max = s->pids_max = s->cpu_weight = s->cpu_max = CTL_UNSET;
	s->synjitsu = CTL_UNSET;
	s->proxy_always = CTL_UNSET;
	/* Linux's own defaults, as a service's stack will offer them */
	s->tcp_mss = 1460;
	s->tcp_wscale = 7;
	s->tcp_sack = 1;
	s->tcp_timestamps = 1;
	s->tcp_window = 65535;
	return s;
}

/* A limit a service gives is enforced or refused; the gateway's defaults
 * apply where the controller is delegated. */
static void
ctl_service_limits(const struct ctl_config *cfg, struct ctl_service_config *s)
{
	struct { uint32_t *v, gw, bit; } l[] = {
		{ &s->memory_max, cfg->gw.memory_max, CTL_LIMIT_MEMORY },
		{ &s->pids_max, cfg->gw.pids_max, CTL_LIMIT_PIDS },
		{ &s->cpu_weight, cfg->gw.cpu_weight, CTL_LIMIT_CPU },
		{ &s->cpu_max, cfg->gw.cpu_max, CTL_LIMIT_CPU },
	};

	if (s->limits_given & CTL_LIMIT_RESOLVED)
		return; /* validated before */
	s->limits_given |= CTL_LIMIT_RESOLVED;
	if (s->user[0] != '\0')
		s->limits_given |= CTL_LIMIT_USER;
	else
		memcpy(s->user, cfg->gw.user, sizeof(s->user));
	for (unsigned int i = 0; i < RTE_DIM(l); i++) {
		if (*l[i].v == CTL_UNSET)
			*l[i].v = l[i].gw;
		else if (s->backend == CTL_BACKEND_PROCESS)
			s->limits_given |= l[i].bit;
	}
}

static int
ctl_service_name_ok(const char *n)
{
	size_t len = strlen(n);

	if (len == 0 || len >= CTL_NAME_MAX || !(islower((unsigned char)n[0]) ||
						 isdigit((unsigned char)n[0])))
		return 0;
	for (size_t i = 0; i < len; i++)
		if (!islower((unsigned char)n[i]) && !isdigit((unsigned char)n[i]) &&
		    n[i] != '-' && n[i] != '_')
			return 0;
	return 1;
}

/* ---- the file ---------------------------------------------------------- */

/* The file's text, to put line numbers on messages: rte_cfgfile keeps none. */
struct ctl_src {
	const char *path;
	char *text;
	size_t len;
};

static void
ctl_trim(char **s, char **e)
{
	while (*s < *e && isspace((unsigned char)**s))
		(*s)++;
	while (*e > *s && isspace((unsigned char)(*e)[-1]))
		(*e)--;
}

/* Walk the lines: calls @fn with each line's number, its text without the
 * comment, trimmed, and its raw length. Stops when @fn returns non-zero and returns that. */
typedef int (*ctl_line_fn)(unsigned int line, char *s, char *e, size_t raw, void *arg);

static int
ctl_src_lines(const struct ctl_src *src, ctl_line_fn fn, void *arg)
{
	char *p = src->text, *end = src->text + src->len;
	unsigned int line = 0;

	while (p < end) {
		char *nl = memchr(p, '\n', (size_t)(end - p));
		char *le = nl ? nl : end;
		char *s = p, *e = memchr(p, ';', (size_t)(le - p));
		if (e == NULL)
			e = le;
		line++;
		ctl_trim(&s, &e);
		int rc = fn(line, s, e, (size_t)(le - p), arg);
		if (rc)
			return rc;
		p = le + 1;
	}
	return 0;
}

struct ctl_find {
	const char *section, *key;
	int in_section;
	unsigned int skip; /* occurrences of the key to pass over */
	unsigned int found;
};

static int
ctl_find_line(unsigned int line, char *s, char *e, size_t raw, void *arg)
{
	struct ctl_find *f = arg;

	(void)raw;
	if (s < e && *s == '[') {
		char *b = s + 1, *c = e[-1] == ']' ? e - 1 : e;
		ctl_trim(&b, &c);
		f->in_section = (size_t)(c - b) == strlen(f->section) &&
				memcmp(b, f->section, (size_t)(c - b)) == 0;
		if (f->in_section && f->key == NULL)
			f->found = line;
		return f->in_section && f->key == NULL;
	}
	if (!f->in_section || f->key == NULL)
		return 0;
	char *eq = memchr(s, '=', (size_t)(e - s));
	if (eq == NULL)
		return 0;
	char *ke = eq;
	ctl_trim(&s, &ke);
	if ((size_t)(ke - s) == strlen(f->key) && memcmp(s, f->key, (size_t)(ke - s)) == 0) {
		f->found = line;
		return f->skip-- == 0;
	}
	return 0;
}

/* Line of the (@nth + 1)-th @key in @section (or of the section header when
 * @key is NULL); 0 when not found. */
static unsigned int
ctl_src_line(const struct ctl_src *src, const char *section, const char *key, unsigned int nth)
{
	struct ctl_find f = { section, key, 0, nth, 0 };

	if (src->text == NULL)
		return 0;
	ctl_src_lines(src, ctl_find_line, &f);
	return f.found;
}

struct ctl_headers {
	unsigned int *line;
	int n, cap;
};

static int
ctl_header_line(unsigned int line, char *s, char *e, size_t raw, void *arg)
{
	struct ctl_headers *h = arg;

	(void)raw;
	if (s < e && *s == '[' && h->n < h->cap)
		h->line[h->n++] = line;
	return 0;
}

struct ctl_syntax {
	const struct ctl_src *src;
	struct ctl_errors *errs;
	char section[CFG_NAME_LEN]; /* "" before the first header */
	int bad;
};

/* What rte_cfgfile_load() would refuse, said with the line, section and key:
 * it only says that the file is bad. */
static int
ctl_check_line(unsigned int line, char *s, char *e, size_t raw, void *arg)
{
	struct ctl_syntax *x = arg;
	const char *what = NULL;
	char key[CFG_NAME_LEN] = "";

	/* rte_cfgfile reads lines into a fixed buffer, comments included */
	if (raw >= CTL_LINE_MAX - 1) {
		what = "line too long (comments included, 322 characters at most)";
	} else if (s == e) {
		return 0;
	} else if (*s == '[') {
		char *b = s + 1, *c = e - 1;
		if (*c != ']')
			what = "section header without ']'";
		else if (ctl_trim(&b, &c), b == c)
			what = "empty section name";
		else if ((size_t)(c - b) >= CFG_NAME_LEN)
			what = "section name too long";
		else
			snprintf(x->section, sizeof(x->section), "%.*s", (int)(c - b), b);
		if (what != NULL)
			snprintf(x->section, sizeof(x->section), "?");
	} else {
		char *eq = memchr(s, '=', (size_t)(e - s));
		char *ke = eq ? eq : e, *v = eq ? eq + 1 : e;
		ctl_trim(&s, &ke);
		ctl_trim(&v, &e);
		if ((size_t)(ke - s) < CFG_NAME_LEN)
			snprintf(key, sizeof(key), "%.*s", (int)(ke - s), s);
		if (x->section[0] == '\0')
			what = "key outside of any [section]";
		else if (eq == NULL)
			what = "expected 'key = value'";
		else if (ke == s)
			what = "empty key";
		else if ((size_t)(ke - s) >= CFG_NAME_LEN)
			what = "key too long";
		else if (v == e)
			what = "empty value";
		else if ((size_t)(e - v) >= CFG_VALUE_LEN)
			what = "value too long (255 characters at most)";
	}
	if (what == NULL)
		return 0;
	if (key[0] != '\0' && x->section[0] != '\0')
		ctl_errors_add(x->errs, "%s:%u: [%s] %s: %s", x->src->path, line, x->section, key,
			       what);
	else if (x->section[0] != '\0' && *s != '[')
		ctl_errors_add(x->errs, "%s:%u: [%s]: %s", x->src->path, line, x->section, what);
	else
		ctl_errors_add(x->errs, "%s:%u: %s", x->src->path, line, what);
	x->bad = 1;
	return 0;
}

static int
ctl_src_read(struct ctl_src *src, const char *path, struct ctl_errors *errs)
{
	FILE *f = fopen(path, "r");

	src->path = path;
	src->text = NULL;
	src->len = 0;
	if (f == NULL) {
		ctl_errors_add(errs, "%s: cannot open: %s", path, strerror(errno));
		return -EINVAL;
	}
	size_t cap = 0;
	for (;;) {
		if (cap - src->len < 4096) {
			if (cap > (1u << 24)) {
				ctl_errors_add(errs, "%s: larger than 16 MiB", path);
				goto fail;
			}
			char *t = realloc(src->text, cap + 65536);
			if (t == NULL)
				goto fail;
			src->text = t;
			cap += 65536;
		}
		size_t n = fread(src->text + src->len, 1, cap - src->len, f);
		src->len += n;
		if (n == 0)
			break;
	}
	if (ferror(f)) {
		ctl_errors_add(errs, "%s: read error", path);
		goto fail;
	}
	if (memchr(src->text, '\0', src->len) != NULL) {
		ctl_errors_add(errs, "%s: not a text file", path);
		goto fail;
	}
	fclose(f);
	return 0;
fail:
	fclose(f);
	free(src->text);
	src->text = NULL;
	return -EINVAL;
}

/* Apply every entry of a section through its key table. */
static void
ctl_apply_section(struct rte_cfgfile *cf, const struct ctl_src *src, const char *sec, int idx,
		  const struct ctl_key *keys, void *obj, struct ctl_errors *errs)
{
	/* by index: a lookup by name is a scan of every section */
	char secname[CFG_NAME_LEN];
	int n = rte_cfgfile_section_num_entries_by_index(cf, secname, idx);
	struct rte_cfgfile_entry *ent;

	if (n <= 0)
		return;
	ent = calloc((size_t)n, sizeof(*ent));
	if (ent == NULL) {
		ctl_errors_add(errs, "%s: out of memory", src->path);
		return;
	}
	n = rte_cfgfile_section_entries_by_index(cf, idx, secname, ent, n);
	for (int i = 0; i < n; i++) {
		const char *key = ent[i].name;
		const struct ctl_key *k = ctl_key_find(keys, key);
		char why[240];
		const char *err = NULL;

		unsigned int nth = 0;
		for (int j = 0; j < i; j++)
			nth += strcmp(ent[j].name, key) == 0;
		if (nth > 0)
			err = "given twice";
		if (err == NULL && k == NULL)
			err = "unknown key";
		if (err == NULL)
			err = k->parse(k, ent[i].value, obj, why, sizeof(why));
		if (err != NULL) /* the line is looked up only for messages */
			ctl_errors_add(errs, "%s:%u: [%s] %s: %s", src->path,
				       ctl_src_line(src, sec, key, nth), sec, key, err);
	}
	free(ent);
}

/* qsort() has no context argument: the names being sorted (one load at a
 * time, on the control thread). */
static char (*ctl_sort_names)[CFG_NAME_LEN];

static int
ctl_section_cmp(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;
	int c = strcmp(ctl_sort_names[x], ctl_sort_names[y]);

	return c != 0 ? c : (x > y) - (x < y);
}

int
ctl_config_load_file(struct ctl_config *cfg, const char *path, struct ctl_errors *errs)
{
	uint32_t errs0 = errs->n + errs->dropped;
	struct ctl_src src;

	if (ctl_src_read(&src, path, errs) < 0)
		return -EINVAL;
	struct ctl_syntax x = { .src = &src, .errs = errs };
	ctl_src_lines(&src, ctl_check_line, &x);
	if (x.bad) {
		free(src.text);
		return -EINVAL;
	}

	struct rte_cfgfile *cf = rte_cfgfile_load(path, 0);
	if (cf == NULL) {
		ctl_errors_add(errs, "%s: cannot be parsed as an INI file", path);
		free(src.text);
		return -EINVAL;
	}
	snprintf(cfg->source, sizeof(cfg->source), "%s", path);

	int ns = rte_cfgfile_num_sections(cf, NULL, 0);
	char (*names)[CFG_NAME_LEN] = calloc(ns > 0 ? (size_t)ns : 1, sizeof(*names));
	char **ptrs = calloc(ns > 0 ? (size_t)ns : 1, sizeof(*ptrs));
	if (names == NULL || ptrs == NULL) {
		ctl_errors_add(errs, "%s: out of memory", path);
		goto out;
	}
	for (int i = 0; i < ns; i++)
		ptrs[i] = names[i];
	ns = rte_cfgfile_sections(cf, ptrs, ns);
	/* rte_cfgfile keeps the sections in file order, duplicates included:
	 * the i-th header line is the i-th section's */
	struct ctl_headers hdr = { calloc(ns > 0 ? (size_t)ns : 1, sizeof(unsigned int)), 0, ns };
	if (hdr.line == NULL) {
		ctl_errors_add(errs, "%s: out of memory", path);
		goto out;
	}
	ctl_src_lines(&src, ctl_header_line, &hdr);
	/* sections given twice, found by sorting (a pairwise check takes
	 * minutes at 100,000 services): each after the first is refused */
	char *dup = calloc(ns > 0 ? (size_t)ns : 1, 1);
	int *order = calloc(ns > 0 ? (size_t)ns : 1, sizeof(int));
	if (dup == NULL || order == NULL) {
		free(dup);
		free(order);
		free(hdr.line);
		ctl_errors_add(errs, "%s: out of memory", path);
		goto out;
	}
	for (int i = 0; i < ns; i++)
		order[i] = i;
	ctl_sort_names = names;
	qsort(order, (size_t)ns, sizeof(*order), ctl_section_cmp);
	for (int i = 1; i < ns; i++)
		if (strcmp(names[order[i]], names[order[i - 1]]) == 0)
			dup[order[i]] = 1; /* the sort is by name, then index */
	free(order);

	for (int i = 0; i < ns; i++) {
		const char *sec = names[i];
		unsigned int line = i < hdr.n ? hdr.line[i] : 0;
		if (dup[i]) {
			ctl_errors_add(errs, "%s:%u: [%s]: section given twice", path, line, sec);
			continue;
		}
		if (strcmp(sec, "gateway") == 0) {
			ctl_apply_section(cf, &src, sec, i, ctl_gateway_keys, &cfg->gw, errs);
		} else if (strcmp(sec, "ports") == 0) {
			ctl_apply_section(cf, &src, sec, i, ctl_ports_keys, &cfg->ports, errs);
		} else if (strncmp(sec, "service", 7) == 0 && isspace((unsigned char)sec[7])) {
			const char *name = sec + 8;
			while (isspace((unsigned char)*name))
				name++;
			if (!ctl_service_name_ok(name)) {
				ctl_errors_add(errs, "%s:%u: [%s]: a service name is 1 to %d "
					       "lower-case letters, digits, '-' or '_'",
					       path, line, sec, CTL_NAME_MAX - 1);
				continue;
			}
			struct ctl_service_config *s = ctl_service_new(cfg);
			if (s == NULL) {
				ctl_errors_add(errs, "%s: out of memory", path);
				break;
			}
			snprintf(s->name, sizeof(s->name), "%s", name);
			snprintf(s->origin, sizeof(s->origin), "%s:%u: [%s]", path, line, sec);
			ctl_apply_section(cf, &src, sec, i, ctl_service_keys, s, errs);
		} else if (strncmp(sec, "zone", 4) == 0 && isspace((unsigned char)sec[4])) {
			const char *name = sec + 5;
			uint8_t zw[DP_DNS_NAME_MAX];
			while (isspace((unsigned char)*name))
				name++;
			if (dp_dns_name_from_text(name, zw, sizeof(zw)) < 2) {
				ctl_errors_add(errs, "%s:%u: [%s]: '%s' is not a DNS name", path,
					       line, sec, name);
				continue;
			}
			if (cfg->n_zone_cfg == CTL_MAX_ZONES) {
				ctl_errors_add(errs, "%s:%u: [%s]: more than %d zone sections",
					       path, line, sec, CTL_MAX_ZONES);
				continue;
			}
			struct ctl_zone_config *z = &cfg->zone_cfg[cfg->n_zone_cfg++];
			memset(z, 0, sizeof(*z));
			snprintf(z->name, sizeof(z->name), "%s", name);
			size_t zl = strlen(z->name);
			if (zl > 1 && z->name[zl - 1] == '.')
				z->name[zl - 1] = '\0';
			for (char *c = z->name; *c; c++)
				*c = (char)tolower((unsigned char)*c);
			snprintf(z->origin, sizeof(z->origin), "%s:%u: [%s]", path, line, sec);
			z->refresh = z->retry = z->expire = z->minimum = CTL_UNSET;
			ctl_apply_section(cf, &src, sec, i, ctl_zone_keys, z, errs);
		} else {
			ctl_errors_add(errs, "%s:%u: [%s]: unknown section (gateway, ports, "
				       "service NAME, zone NAME)", path, line, sec);
		}
	}
	free(hdr.line);
	free(dup);
out:
	free(ptrs);
	free(names);
	rte_cfgfile_close(cf);
	free(src.text);
	return errs->n + errs->dropped == errs0 ? 0 : -EINVAL;
}

/* ---- --service --------------------------------------------------------- */

int
ctl_config_add_service_spec(struct ctl_config *cfg, const char *spec, struct ctl_errors *errs)
{
	uint32_t errs0 = errs->n + errs->dropped;
	uint32_t idx = cfg->n_services + 1;
	struct ctl_service_config *s = ctl_service_new(cfg);
	char buf[1024];

	if (s == NULL) {
		ctl_errors_add(errs, "--service: out of memory");
		return -ENOMEM;
	}
	snprintf(s->origin, sizeof(s->origin), "--service #%u", idx);
	if (strlen(spec) >= sizeof(buf)) {
		ctl_errors_add(errs, "%s: longer than %zu characters", s->origin, sizeof(buf) - 1);
		cfg->n_services--;
		return -EINVAL;
	}
	snprintf(buf, sizeof(buf), "%s", spec);

	char *save = NULL;
	const char *seen[32];
	unsigned int n_seen = 0;
	for (char *kv = strtok_r(buf, ",", &save); kv != NULL; kv = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(kv, '=');
		char why[240];
		const char *err;

		if (eq == NULL || eq == kv) {
			ctl_errors_add(errs, "%s: '%s': expected key=value", s->origin, kv);
			continue;
		}
		*eq = '\0';
		const char *key = strcmp(kv, "ip") == 0 ? "address" : kv, *val = eq + 1;
		unsigned int dup = 0;
		for (unsigned int i = 0; i < n_seen; i++)
			dup |= strcmp(seen[i], key) == 0;
		if (n_seen < RTE_DIM(seen))
			seen[n_seen++] = key;
		if (dup && strcmp(key, "dns") != 0) { /* only dns= may repeat */
			err = "given twice";
		} else if (strcmp(key, "name") == 0) {
			if (!ctl_service_name_ok(val))
				err = "a service name is lower-case letters, digits, '-' or '_'";
			else
				err = NULL, snprintf(s->name, sizeof(s->name), "%s", val);
		} else {
			const struct ctl_key *k = ctl_key_find(ctl_service_keys, key);
			err = k ? k->parse(k, val, s, why, sizeof(why)) : "unknown key";
		}
		if (err != NULL) /* in the user's words: ip, not address */
			ctl_errors_add(errs, "%s: %s: %s", s->origin, kv, err);
	}
	/* Jitsu names a service after its first DNS name's first label when
	 * not told; that label must then follow the rule of service names. */
	if (s->name[0] == '\0' && s->dns.n > 0) {
		size_t l = strcspn(s->dns.v[0], ".");
		snprintf(s->name, sizeof(s->name), "%.*s", (int)RTE_MIN(l, CTL_NAME_MAX - 1u),
			 s->dns.v[0]);
		if (!ctl_service_name_ok(s->name)) {
			ctl_errors_add(errs, "%s: name: '%s' (from dns=) is not a service name: "
				       "give name=", s->origin, s->name);
			s->name[0] = '\0';
		}
	}
	if (errs->n + errs->dropped != errs0) {
		cfg->n_services--;
		return -EINVAL;
	}
	return 0;
}

/* ---- the whole --------------------------------------------------------- */

static const char *
ctl_ip_text(uint32_t ip, char *buf)
{
	return inet_ntop(AF_INET, &ip, buf, INET_ADDRSTRLEN);
}

/* ---- duplicates across services ------------------------------------- */

struct ctl_dup_key {
	uint64_t k[4]; /* a name's bytes, an address or a MAC */
	uint32_t i;
};

static int
ctl_dup_cmp(const void *pa, const void *pb)
{
	const struct ctl_dup_key *a = pa, *b = pb;

	for (unsigned int w = 0; w < RTE_DIM(a->k); w++)
		if (a->k[w] != b->k[w])
			return a->k[w] < b->k[w] ? -1 : 1;
	return a->i < b->i ? -1 : a->i > b->i;
}

/* Names, addresses and MACs used twice, in O(n log n) (a pairwise check
 * takes minutes at 100,000 services). A service's MAC is the one it gives
 * or the one derived from its address (ctl_svc_default_mac()): a given MAC
 * equal to another's derived one is two vifs with one MAC. Each later
 * service is reported against the first that has the value. */
static void
ctl_config_duplicates(const struct ctl_config *cfg, struct ctl_errors *errs)
{
	uint32_t n = cfg->n_services;
	struct ctl_dup_key *v = n > 1 ? calloc(n, sizeof(*v)) : NULL;
	char a[64];

	if (v == NULL) {
		if (n > 1)
			ctl_errors_add(errs, "%s: out of memory",
				       cfg->source[0] ? cfg->source : "configuration");
		return;
	}
	for (unsigned int kind = 0; kind < 3; kind++) {
		uint32_t m = 0;
		for (uint32_t i = 0; i < n; i++) {
			const struct ctl_service_config *s = &cfg->services[i];
			struct ctl_dup_key *d = &v[m];
			memset(d, 0, sizeof(*d));
			d->i = i;
			if (kind == 0 && s->name[0] != '\0') {
				memcpy(d->k, s->name, strnlen(s->name, sizeof(d->k) - 1));
				m++;
			} else if (kind == 1 && s->address != 0) {
				d->k[0] = s->address;
				m++;
			} else if (kind == 2 && (s->address != 0 || !rte_is_zero_ether_addr(&s->mac))) {
				struct rte_ether_addr mac = s->mac;
				if (rte_is_zero_ether_addr(&mac)) {
					mac.addr_bytes[0] = 0x02;
					mac.addr_bytes[1] = 0x4a;
					memcpy(&mac.addr_bytes[2], &s->address, 4);
				}
				memcpy(d->k, &mac, sizeof(mac));
				m++;
			}
		}
		qsort(v, m, sizeof(*v), ctl_dup_cmp);
		for (uint32_t j = 1, first = 0; j < m; j++) {
			if (memcmp(v[j].k, v[first].k, sizeof(v[j].k)) != 0) {
				first = j;
				continue;
			}
			const struct ctl_service_config *s = &cfg->services[v[j].i];
			const struct ctl_service_config *t = &cfg->services[v[first].i];
			if (kind == 0) {
				ctl_errors_add(errs, "%s: service name '%s' is already used by %s",
					       s->origin, s->name, t->origin);
			} else if (kind == 1) {
				ctl_errors_add(errs, "%s: address: %s is already used by %s",
					       s->origin, ctl_ip_text(s->address, a), t->origin);
			} else if (!rte_is_zero_ether_addr(&s->mac) || !rte_is_zero_ether_addr(&t->mac)) {
				/* both derived: the same address, reported above */
				struct rte_ether_addr mac;
				memcpy(&mac, v[j].k, sizeof(mac));
				rte_ether_format_addr(a, sizeof(a), &mac);
				ctl_errors_add(errs, "%s: mac: %s is already used by %s%s", s->origin, a,
					       t->origin, rte_is_zero_ether_addr(&t->mac)
					       ? " (derived from its address)" : "");
			}
		}
	}
	free(v);
}

/* "hostmaster@example.org" is the mailbox hostmaster.example.org. */
static int
ctl_mailbox_wire(const char *text, uint8_t *w, size_t cap)
{
	char t[CTL_STR_MAX];
	const char *at = strchr(text, '@');

	if (at != NULL && memchr(text, '.', (size_t)(at - text)) != NULL)
		return -EINVAL; /* a dot in the local part needs an escape we do not do */
	snprintf(t, sizeof(t), "%s", text);
	if (at != NULL)
		t[at - text] = '.';
	return dp_dns_name_from_text(t, w, cap);
}

/* The zones' own records and the DNS server's keys. */
static void
ctl_validate_dns_server(struct ctl_config *cfg, const char *src, struct ctl_errors *errs)
{
	uint8_t w[DP_DNS_NAME_MAX], zw[DP_DNS_NAME_MAX];
	char a[INET_ADDRSTRLEN];

	for (uint32_t i = 0; i < cfg->n_zone_cfg; i++) {
		struct ctl_zone_config *z = &cfg->zone_cfg[i];
		int zl = dp_dns_name_from_text(z->name, zw, sizeof(zw)), found = 0;
		for (uint32_t k = 0; k < cfg->gw.zones.n; k++) {
			int l = dp_dns_name_from_text(cfg->gw.zones.v[k], w, sizeof(w));
			found |= l == zl && memcmp(w, zw, (size_t)l) == 0;
		}
		if (!found)
			ctl_errors_add(errs, "%s: '%s' is not one of [gateway] zones", z->origin,
				       z->name);
		for (uint32_t j = 0; j < i; j++)
			if (strcmp(cfg->zone_cfg[j].name, z->name) == 0)
				ctl_errors_add(errs, "%s: the zone has a section already (%s)",
					       z->origin, cfg->zone_cfg[j].origin);
		if (z->mname[0] && dp_dns_name_from_text(z->mname, w, sizeof(w)) < 2)
			ctl_errors_add(errs, "%s mname: '%s' is not a DNS name", z->origin, z->mname);
		if (z->rname[0] && ctl_mailbox_wire(z->rname, w, sizeof(w)) < 2)
			ctl_errors_add(errs, "%s rname: '%s' is not a mailbox as a DNS name "
				       "(hostmaster.%s or hostmaster@%s)", z->origin, z->rname,
				       z->name, z->name);
		if (z->refresh == CTL_UNSET)
			z->refresh = 3600;
		if (z->retry == CTL_UNSET)
			z->retry = 600;
		if (z->expire == CTL_UNSET)
			z->expire = 86400;
		if (z->minimum == CTL_UNSET)
			z->minimum = 0;
	}
	if (cfg->gw.dns_forward) {
		if (cfg->ports.exception == CTL_PORT_NONE)
			ctl_errors_add(errs, "%s: [gateway] dns_forward: on, but there is no "
				       "[ports] exception to forward through", src);
		if (cfg->gw.dns_forward_address == 0)
			ctl_errors_add(errs, "%s: [gateway] dns_forward_address: missing (the "
				       "resolver reached through the exception port)", src);
		else if (cfg->gw.dns_forward_address == cfg->gw.address)
			ctl_errors_add(errs, "%s: [gateway] dns_forward_address: %s is the "
				       "gateway's own", src, ctl_ip_text(cfg->gw.address, a));
	}
}

int
ctl_config_validate(struct ctl_config *cfg, ctl_port_check_t port_ok, void *arg,
		    struct ctl_errors *errs)
{
	uint32_t errs0 = errs->n + errs->dropped;
	const char *src = cfg->source[0] ? cfg->source : "configuration";
	char a[INET_ADDRSTRLEN];

	if (cfg->gw.address == 0)
		ctl_errors_add(errs, "%s: [gateway] address: missing (the gateway's own "
			       "IPv4 address, where it answers DNS)", src);
	if (cfg->gw.idle_timeout == CTL_UNSET)
		cfg->gw.idle_timeout = cfg->gw.dns_ttl > 0 ? 2 * cfg->gw.dns_ttl : 60;
	if (cfg->gw.gateway_route != 0 &&
	    (cfg->gw.gateway_route & cfg->gw.uplink_mask) != cfg->gw.uplink_net)
		ctl_errors_add(errs, "%s: [gateway] gateway_route: %s is not on uplink_subnet",
			       src, ctl_ip_text(cfg->gw.gateway_route, a));
	if (cfg->gw.gateway_route != 0 && cfg->gw.gateway_route == cfg->gw.address)
		ctl_errors_add(errs, "%s: [gateway] gateway_route: %s is the gateway's own address",
			       src, ctl_ip_text(cfg->gw.gateway_route, a));
	if (cfg->gw.gateway_route != 0 && cfg->gw.uplink_mask == 0)
		ctl_errors_add(errs, "%s: [gateway] gateway_route: %s would never be used: set "
			       "uplink_subnet (0.0.0.0/0, the default, puts every address on "
			       "the link)", src, ctl_ip_text(cfg->gw.gateway_route, a));
	if (cfg->gw.address != 0 && cfg->gw.uplink_mask != 0 &&
	    (cfg->gw.address & cfg->gw.uplink_mask) != cfg->gw.uplink_net)
		ctl_errors_add(errs, "%s: [gateway] uplink_subnet: the gateway's address %s is "
			       "not on it", src, ctl_ip_text(cfg->gw.address, a));

	struct { const char *key; uint32_t port; } ports[] = {
		{ "uplink", cfg->ports.uplink },
		{ "downlink", cfg->ports.downlink },
		{ "exception", cfg->ports.exception },
	};
	for (unsigned int i = 0; i < RTE_DIM(ports); i++) {
		if (ports[i].port == CTL_PORT_NONE)
			continue;
		if (port_ok != NULL && !port_ok(ports[i].port, arg))
			ctl_errors_add(errs, "%s: [ports] %s: port %u does not exist (give it "
				       "with the EAL arguments, e.g. --vdev or -a)",
				       src, ports[i].key, ports[i].port);
		for (unsigned int j = 0; j < i; j++)
			if (ports[j].port == ports[i].port)
				ctl_errors_add(errs, "%s: [ports] %s: port %u is already the %s",
					       src, ports[i].key, ports[i].port, ports[j].key);
	}

	uint8_t w[DP_DNS_NAME_MAX];
	ctl_validate_dns_server(cfg, src, errs);
	uint32_t n_names = 0;
	for (uint32_t i = 0; i < cfg->n_services; i++)
		n_names += cfg->services[i].dns.n;
	struct dp_svctab_params tp = { cfg->n_services, n_names, 0, 0 };
	struct dp_svctab *names = dp_svctab_create(&tp);
	if (names == NULL)
		ctl_errors_add(errs, "%s: out of memory", src);
	for (uint32_t i = 0; i < cfg->n_services; i++) {
		struct ctl_service_config *s = &cfg->services[i];

		/* ids must be dense: the address is only a placeholder here */
		if (names != NULL)
			dp_svctab_add_service(names, i, htonl(i + 1));

		if (s->name[0] == '\0')
			ctl_errors_add(errs, "%s: name: missing", s->origin);
		if (s->address == 0)
			ctl_errors_add(errs, "%s: address: missing", s->origin);
		else if (s->address == cfg->gw.address)
			ctl_errors_add(errs, "%s: address: %s is the gateway's own", s->origin,
				       ctl_ip_text(s->address, a));
		if (s->dns.n == 0)
			ctl_errors_add(errs, "%s: dns: missing (the names the service answers to)",
				       s->origin);
		if (s->idle_timeout == CTL_UNSET)
			s->idle_timeout = cfg->gw.idle_timeout;
		if (s->dns_reply == CTL_DNS_REPLY_UNSET)
			s->dns_reply = cfg->gw.dns_reply;
		ctl_service_limits(cfg, s);
		if (s->synjitsu == CTL_UNSET)
			s->synjitsu = cfg->gw.synjitsu;
		if (s->proxy_always == CTL_UNSET)
			s->proxy_always = cfg->gw.proxy_always;

		/* names compare in wire form (case and trailing dots do not
		 * matter), through a scratch table: linear in the names */
		for (uint32_t n = 0; n < s->dns.n && names != NULL; n++) {
			int l = dp_dns_name_from_text(s->dns.v[n], w, sizeof(w));
			int other = l > 0 ? dp_svctab_by_name(names, w, (size_t)l) : DP_SVC_NONE;
			if (other != DP_SVC_NONE)
				ctl_errors_add(errs, "%s: dns: '%s' is already a name of %s",
					       s->origin, s->dns.v[n], (uint32_t)other == i
					       ? "this service" : cfg->services[other].origin);
			else if (l > 0)
				dp_svctab_add_name(names, i, w, (size_t)l);
		}
	}
	ctl_config_duplicates(cfg, errs);
	dp_svctab_free(names);
	return errs->n + errs->dropped == errs0 ? 0 : -EINVAL;
}

/* A zone with its section's records, the gateway's address as glue. */
static int
ctl_config_add_zone(struct dp_svctab *t, const struct ctl_config *cfg, const char *text,
		    const uint8_t *zw, size_t zl)
{
	uint8_t ns[DP_ZONE_NS_MAX][DP_DNS_NAME_MAX], mname[DP_DNS_NAME_MAX], rname[DP_DNS_NAME_MAX];
	struct dp_zone_conf zc = { .refresh = 3600, .retry = 600, .expire = 86400,
				   .glue = cfg->gw.address };
	const struct ctl_zone_config *z = NULL;

	for (uint32_t i = 0; i < cfg->n_zone_cfg; i++)
		if (strcmp(cfg->zone_cfg[i].name, text) == 0)
			z = &cfg->zone_cfg[i];
	if (z != NULL) {
		zc.refresh = z->refresh;
		zc.retry = z->retry;
		zc.expire = z->expire;
		zc.minimum = z->minimum;
		for (uint32_t k = 0; k < z->ns.n && k < DP_ZONE_NS_MAX; k++) {
			int l = dp_dns_name_from_text(z->ns.v[k], ns[k], sizeof(ns[k]));
			if (l < 2)
				return -EINVAL;
			zc.ns[zc.n_ns] = ns[k];
			zc.ns_len[zc.n_ns++] = (uint8_t)l;
		}
		if (z->mname[0]) {
			int l = dp_dns_name_from_text(z->mname, mname, sizeof(mname));
			if (l < 2)
				return -EINVAL;
			zc.mname = mname;
			zc.mname_len = (uint8_t)l;
		}
		if (z->rname[0]) {
			int l = ctl_mailbox_wire(z->rname, rname, sizeof(rname));
			if (l < 2)
				return -EINVAL;
			zc.rname = rname;
			zc.rname_len = (uint8_t)l;
		}
	}
	return dp_svctab_add_zone_conf(t, zw, zl, &zc);
}

struct dp_svctab *
ctl_config_svctab(const struct ctl_config *cfg, const uint32_t *ids, uint32_t capacity)
{
	uint32_t n_names = 0;

	for (uint32_t i = 0; i < cfg->n_services; i++)
		n_names += cfg->services[i].dns.n;
	struct dp_svctab_params prm = {
		.max_services = ids != NULL ? capacity : cfg->n_services,
		.max_names = n_names,
		.max_zones = cfg->gw.zones.n,
	};
	struct dp_svctab *t = dp_svctab_create(&prm);
	if (t == NULL)
		return NULL;

	uint8_t w[DP_DNS_NAME_MAX];
	int rc = 0;
	for (uint32_t z = 0; z < cfg->gw.zones.n && rc == 0; z++) {
		int l = dp_dns_name_from_text(cfg->gw.zones.v[z], w, sizeof(w));
		rc = l < 0 ? l : ctl_config_add_zone(t, cfg, cfg->gw.zones.v[z], w, (size_t)l);
		if (rc == -EEXIST) /* "zones = a, a" is harmless */
			rc = 0;
	}
	for (uint32_t i = 0; i < cfg->n_services && rc == 0; i++) {
		const struct ctl_service_config *s = &cfg->services[i];
		uint32_t id = ids != NULL ? ids[i] : i;
		rc = dp_svctab_add_service(t, id, s->address);
		for (uint32_t n = 0; n < s->dns.n && rc == 0; n++) {
			int l = dp_dns_name_from_text(s->dns.v[n], w, sizeof(w));
			rc = l < 0 ? l : dp_svctab_add_name(t, id, w, (size_t)l);
		}
	}
	if (rc == 0)
		rc = dp_svctab_finish(t);
	if (rc != 0) {
		dp_svctab_free(t);
		errno = -rc;
		return NULL;
	}
	return t;
}

int
ctl_service_config_same(const struct ctl_service_config *a, const struct ctl_service_config *b)
{
	struct ctl_service_config x, y;

	/* plain data, zeroed when made: byte equality is value equality */
	memcpy(&x, a, sizeof(x));
	memcpy(&y, b, sizeof(y));
	memset(x.origin, 0, sizeof(x.origin));
	memset(y.origin, 0, sizeof(y.origin));
	return memcmp(&x, &y, sizeof(x)) == 0;
}
