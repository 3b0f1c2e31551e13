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
	if (val[0] == '\0')
		return "empty";
	/* every string field is CTL_STR_MAX; rte_cfgfile keeps less */
	snprintf(CTL_FIELD(obj, k, char), CTL_STR_MAX, "%s", val);
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
static const char *const ctl_backend_names[] = { "process", "libxl", NULL };
static const char *const ctl_xen_recover_names[] = { "adopt", "destroy", NULL };
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
ctl_apply_section(struct rte_cfgfile *cf, const struct ctl_src *src, const char *sec,
		  const struct ctl_key *keys, void *obj, struct ctl_errors *errs)
{
	int n = rte_cfgfile_section_num_entries(cf, sec);
	struct rte_cfgfile_entry *ent;

	if (n <= 0)
		return;
	ent = calloc((size_t)n, sizeof(*ent));
	if (ent == NULL) {
		ctl_errors_add(errs, "%s: out of memory", src->path);
		return;
	}
	n = rte_cfgfile_section_entries(cf, sec, ent, n);
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

	for (int i = 0; i < ns; i++) {
		const char *sec = names[i];
		unsigned int line = i < hdr.n ? hdr.line[i] : 0;
		int dup = 0;

		for (int j = 0; j < i; j++)
			dup |= strcmp(names[j], sec) == 0;
		if (dup) {
			ctl_errors_add(errs, "%s:%u: [%s]: section given twice", path, line, sec);
			continue;
		}
		if (strcmp(sec, "gateway") == 0) {
			ctl_apply_section(cf, &src, sec, ctl_gateway_keys, &cfg->gw, errs);
		} else if (strcmp(sec, "ports") == 0) {
			ctl_apply_section(cf, &src, sec, ctl_ports_keys, &cfg->ports, errs);
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
			ctl_apply_section(cf, &src, sec, ctl_service_keys, s, errs);
		} else {
			ctl_errors_add(errs, "%s:%u: [%s]: unknown section (gateway, ports, "
				       "service NAME)", path, line, sec);
		}
	}
	free(hdr.line);
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

int
ctl_config_validate(struct ctl_config *cfg, ctl_port_check_t port_ok, void *arg,
		    struct ctl_errors *errs)
{
	uint32_t errs0 = errs->n + errs->dropped;
	const char *src = cfg->source[0] ? cfg->source : "configuration";
	char a[INET_ADDRSTRLEN], b[64];

	if (cfg->gw.address == 0)
		ctl_errors_add(errs, "%s: [gateway] address: missing (the gateway's own "
			       "IPv4 address, where it answers DNS)", src);
	if (cfg->gw.idle_timeout == CTL_UNSET)
		cfg->gw.idle_timeout = cfg->gw.dns_ttl > 0 ? 2 * cfg->gw.dns_ttl : 60;

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
	uint32_t n_names = 0;
	for (uint32_t i = 0; i < cfg->n_services; i++)
		n_names += cfg->services[i].dns.n;
	struct dp_svctab_params tp = { cfg->n_services, n_names, 0 };
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
		if (s->synjitsu == CTL_UNSET)
			s->synjitsu = cfg->gw.synjitsu;
		if (s->proxy_always == CTL_UNSET)
			s->proxy_always = cfg->gw.proxy_always;

		for (uint32_t j = 0; j < i; j++) {
			const struct ctl_service_config *t = &cfg->services[j];
			if (s->name[0] && strcmp(s->name, t->name) == 0)
				ctl_errors_add(errs, "%s: service name '%s' is already used by %s",
					       s->origin, s->name, t->origin);
			if (s->address && s->address == t->address)
				ctl_errors_add(errs, "%s: address: %s is already used by %s",
					       s->origin, ctl_ip_text(s->address, a), t->origin);
			if (!rte_is_zero_ether_addr(&s->mac) && rte_is_same_ether_addr(&s->mac, &t->mac)) {
				rte_ether_format_addr(b, sizeof(b), &s->mac);
				ctl_errors_add(errs, "%s: mac: %s is already used by %s", s->origin,
					       b, t->origin);
			}
		}
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
	dp_svctab_free(names);
	return errs->n + errs->dropped == errs0 ? 0 : -EINVAL;
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
		rc = l < 0 ? l : dp_svctab_add_zone(t, w, (size_t)l);
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
