/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of the configuration parser (control/config.c): INI files,
 * Jitsu's --service form, whole-configuration validation and the lookup
 * table built from a configuration. No EAL: only config, svctab and DNS name
 * functions are called.
 *
 * Every test works on the fixture R (a configuration, its temporary file,
 * the error list and a lookup table), created by setup() and freed by
 * teardown(), so nothing leaks even when an assertion fails half-way.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "../../control/config.h"
#include "../../dataplane/dns.h"
#include "../../dataplane/svctab.h"
#include "../../synjitsu/synjitsu.h"
#include "helpers.h"

/* ---- fixture ------------------------------------------------------------ */

/* What the port-check callback saw. */
struct port_calls {
	uint32_t max;      /* ports 0..max exist */
	unsigned int n;    /* calls */
	uint32_t seen[16]; /* their port arguments */
};

static struct {
	struct ctl_config *cfg;
	char *path;
	struct ctl_errors errs;
	struct dp_svctab *tab;
	struct port_calls ports;
	char where[CTL_STR_MAX + 32];
	char dump[CTL_MAX_ERRORS * 330 + 64];
} R;

static void
setup(void)
{
	memset(&R, 0, sizeof(R));
	R.ports.max = 2;
	R.cfg = ctl_config_new();
	cr_assert_not_null(R.cfg, "ctl_config_new failed");
}

static void
teardown(void)
{
	dp_svctab_free(R.tab);
	ctl_config_free(R.cfg);
	th_tmpfile_free(R.path);
	memset(&R, 0, sizeof(R));
}

/* Ports 0..R.ports.max exist; every call is recorded. */
static int
port_check(uint32_t port, void *arg)
{
	struct port_calls *pc = arg;

	if (pc->n < sizeof(pc->seen) / sizeof(pc->seen[0]))
		pc->seen[pc->n] = port;
	pc->n++;
	return port <= pc->max;
}

/* The collected messages, one a line, for assertion failure reports. */
static const char *
errs_dump(void)
{
	size_t used = 0;

	R.dump[0] = '\0';
	for (uint32_t i = 0; i < R.errs.n && used < sizeof(R.dump); i++)
		used += (size_t)snprintf(R.dump + used, sizeof(R.dump) - used, "  [%u] %s\n", i,
					 R.errs.msg[i]);
	if (used < sizeof(R.dump))
		snprintf(R.dump + used, sizeof(R.dump) - used, "  (%u dropped)\n", R.errs.dropped);
	return R.dump;
}

/* Index of the first message that contains every string of the
 * NULL-terminated list, or -1. */
static int
errs_find(const char *first, ...)
{
	for (uint32_t i = 0; i < R.errs.n; i++) {
		va_list ap;
		int all = 1;

		va_start(ap, first);
		for (const char *s = first; s != NULL && all; s = va_arg(ap, const char *))
			all = strstr(R.errs.msg[i], s) != NULL;
		va_end(ap);
		if (all)
			return (int)i;
	}
	return -1;
}

/* Some message contains all of the given strings. */
#define expect_msg(...)                                                                    \
	cr_assert(errs_find(__VA_ARGS__, (const char *)NULL) >= 0,                         \
		  "no message contains all of {%s} (where = \"%s\"); messages:\n%s",        \
		  #__VA_ARGS__, R.where, errs_dump())

/* No message contains all of the given strings. */
#define expect_no_msg(...)                                                                 \
	cr_assert(errs_find(__VA_ARGS__, (const char *)NULL) < 0,                          \
		  "a message contains all of {%s}; messages:\n%s", #__VA_ARGS__, errs_dump())

#define expect_ok(rc) cr_assert_eq((rc), 0, "%s = %d; messages:\n%s", #rc, (rc), errs_dump())

#define expect_einval(rc)                                                                  \
	cr_assert_eq((rc), -EINVAL, "%s = %d, not -EINVAL; messages:\n%s", #rc, (rc),      \
		     errs_dump())

/* "PATH:LINE:", the prefix every file message about a line starts with. */
static const char *
at(unsigned int line)
{
	snprintf(R.where, sizeof(R.where), "%s:%u:", R.path, line);
	return R.where;
}

/* Write @text to a fresh temporary file and load it into a fresh
 * configuration (the previous ones are freed, the errors cleared). */
static int
load(const char *text)
{
	ctl_config_free(R.cfg);
	th_tmpfile_free(R.path);
	memset(&R.errs, 0, sizeof(R.errs));
	R.cfg = ctl_config_new();
	cr_assert_not_null(R.cfg);
	R.path = th_tmpfile(text);
	cr_assert_not_null(R.path, "cannot write a temporary file");
	return ctl_config_load_file(R.cfg, R.path, &R.errs);
}

static int __attribute__((format(printf, 1, 2)))
loadf(const char *fmt, ...)
{
	va_list ap;
	char *text;

	va_start(ap, fmt);
	int n = vasprintf(&text, fmt, ap);
	va_end(ap);
	cr_assert_geq(n, 0, "vasprintf failed");
	int rc = load(text);
	free(text);
	return rc;
}

/* Validate R.cfg with ports 0..R.ports.max present. */
static int
validate(void)
{
	return ctl_config_validate(R.cfg, port_check, &R.ports, &R.errs);
}

/* Load @text, which must be good, and validate it, which must pass. */
static void
load_valid(const char *text)
{
	expect_ok(load(text));
	expect_ok(validate());
	cr_assert_eq(R.errs.n, 0);
}

/* Load @text, which must parse, then validate it, which must fail. */
static void
load_invalid(const char *text)
{
	expect_ok(load(text));
	expect_einval(validate());
}

/* @n copies of @c in @buf (at least n + 1 bytes), NUL-terminated. */
static char *
fill(char *buf, char c, size_t n)
{
	memset(buf, c, n);
	buf[n] = '\0';
	return buf;
}

static int
mac_is(const struct rte_ether_addr *m, uint8_t a, uint8_t b, uint8_t c, uint8_t d, uint8_t e,
       uint8_t f)
{
	const uint8_t want[6] = { a, b, c, d, e, f };

	return memcmp(m->addr_bytes, want, 6) == 0;
}

#define GW "[gateway]\naddress = 10.0.0.1\n"

/* ---- a good file --------------------------------------------------------- */

TestSuite(load, .init = setup, .fini = teardown);

static const char full_file[] =
	"; Jitsu: every key of every section\n"                    /* 1 */
	"\n"                                                       /* 2 */
	"[gateway]\n"                                              /* 3 */
	"address = 10.77.0.1            ; after a value\n"         /* 4 */
	"dns_ttl = 45\n"                                           /* 5 */
	"zones = Example.ORG., test.example.net\n"                 /* 6 */
	"idle_timeout = 300\n"                                     /* 7 */
	"synjitsu = off\n"                                         /* 8 */
	"dns_reply = ready\n"                                      /* 9 */
	"max_pending = 2048\n"                                     /* 10 */
	"max_concurrent_summons = 8\n"                             /* 11 */
	"bridge = br-jitsu_1\n"                                    /* 12 */
	"mac = 02:AA:bb:cc:dd:01\n"                                /* 13 */
	"\n"                                                       /* 14 */
	"[ports]\n"                                                /* 15 */
	"uplink = 2\n"                                             /* 16 */
	"downlink = 0\n"                                           /* 17 */
	"; a comment inside a section\n"                           /* 18 */
	"exception = 1\n"                                          /* 19 */
	"\n"                                                       /* 20 */
	"[service www]\n"                                          /* 21 */
	"dns = WWW.Example.org., example.org\n"                    /* 22 */
	"address = 10.77.1.10\n"                                   /* 23 */
	"mac = 02:4a:00:00:01:0a\n"                                /* 24 */
	"backend = libxl\n"                                        /* 25 */
	"exec = busybox httpd -f -p 80 -h /srv/www ; the command\n" /* 26 */
	"kernel = /boot/www.xen\n"                                 /* 27 */
	"xl = /etc/xen/www.cfg\n"                                  /* 28 */
	"memory = 65536\n"                                         /* 29 */
	"ready = tcp:80\n"                                         /* 30 */
	"stop = suspend\n"                                         /* 31 */
	"idle_timeout = 120\n"                                     /* 32 */
	"dns_reply = immediate\n"                                  /* 33 */
	"\n"                                                       /* 34 */
	"  [service api]  \n"                                      /* 35 */
	"\tdns = api.example.org\n"                                /* 36 */
	"  address   =   10.77.1.11   \n"                          /* 37 */
	"ready = xenstore:data/ready\n"                            /* 38 */
	"stop = shutdown\n";                                       /* 39 */

Test(load, every_key_of_every_section)
{
	expect_ok(load(full_file));
	cr_assert_eq(R.errs.n, 0);
	cr_assert_str_eq(R.cfg->source, R.path);

	const struct ctl_gateway_config *g = &R.cfg->gw;
	cr_assert_eq(g->address, th_ip("10.77.0.1"));
	cr_assert_eq(g->dns_ttl, 45);
	cr_assert_eq(g->zones.n, 2);
	cr_assert_str_eq(g->zones.v[0], "example.org");
	cr_assert_str_eq(g->zones.v[1], "test.example.net");
	cr_assert_eq(g->idle_timeout, 300);
	cr_assert_eq(g->synjitsu, SYN_MODE_OFF);
	cr_assert_eq(g->dns_reply, CTL_DNS_REPLY_READY);
	cr_assert_eq(g->max_pending, 2048);
	cr_assert_eq(g->max_concurrent_summons, 8);
	cr_assert_str_eq(g->bridge, "br-jitsu_1");
	cr_assert(mac_is(&g->mac, 0x02, 0xaa, 0xbb, 0xcc, 0xdd, 0x01));

	cr_assert_eq(R.cfg->ports.uplink, 2);
	cr_assert_eq(R.cfg->ports.downlink, 0);
	cr_assert_eq(R.cfg->ports.exception, 1);

	cr_assert_eq(R.cfg->n_services, 2);
	const struct ctl_service_config *w = &R.cfg->services[0];
	cr_assert_str_eq(w->name, "www");
	cr_assert(strstr(w->origin, "[service www]") != NULL, "origin '%s'", w->origin);
	cr_assert(strstr(w->origin, at(21)) != NULL, "origin '%s'", w->origin);
	cr_assert_eq(w->dns.n, 2);
	cr_assert_str_eq(w->dns.v[0], "www.example.org");
	cr_assert_str_eq(w->dns.v[1], "example.org");
	cr_assert_eq(w->address, th_ip("10.77.1.10"));
	cr_assert(mac_is(&w->mac, 0x02, 0x4a, 0x00, 0x00, 0x01, 0x0a));
	cr_assert_eq(w->backend, CTL_BACKEND_LIBXL);
	cr_assert_str_eq(w->exec, "busybox httpd -f -p 80 -h /srv/www");
	cr_assert_str_eq(w->kernel, "/boot/www.xen");
	cr_assert_str_eq(w->xl, "/etc/xen/www.cfg");
	cr_assert_eq(w->memory, 65536);
	cr_assert_eq(w->ready, CTL_READY_TCP);
	cr_assert_eq(w->ready_port, 80);
	cr_assert_eq(w->stop, CTL_STOP_SUSPEND);
	cr_assert_eq(w->idle_timeout, 120);
	cr_assert_eq(w->dns_reply, CTL_DNS_REPLY_IMMEDIATE);

	const struct ctl_service_config *a = &R.cfg->services[1];
	cr_assert_str_eq(a->name, "api");
	cr_assert(strstr(a->origin, at(35)) != NULL, "origin '%s'", a->origin);
	cr_assert_eq(a->dns.n, 1);
	cr_assert_str_eq(a->dns.v[0], "api.example.org");
	cr_assert_eq(a->address, th_ip("10.77.1.11"));
	cr_assert_eq(a->ready, CTL_READY_XENSTORE);
	cr_assert_str_eq(a->ready_key, "data/ready");
	cr_assert_eq(a->stop, CTL_STOP_SHUTDOWN);
	/* not given: still unset until validate resolves them */
	cr_assert_eq(a->idle_timeout, CTL_UNSET);
	cr_assert_eq(a->dns_reply, CTL_DNS_REPLY_UNSET);
	cr_assert_eq(a->backend, CTL_BACKEND_PROCESS);

	/* ports 0..2 exist, so the whole passes; defaults get resolved */
	expect_ok(validate());
	cr_assert_eq(R.cfg->gw.idle_timeout, 300);
	cr_assert_eq(w->idle_timeout, 120);
	cr_assert_eq(a->idle_timeout, 300);
	cr_assert_eq(w->dns_reply, CTL_DNS_REPLY_IMMEDIATE);
	cr_assert_eq(a->dns_reply, CTL_DNS_REPLY_READY);
}

Test(load, every_ready_and_stop_form)
{
	static const struct {
		const char *ready, *stop;
		uint32_t want_ready, want_port, want_stop;
		const char *want_key;
	} c[] = {
		{ "start", "destroy", CTL_READY_START, 0, CTL_STOP_DESTROY, "" },
		{ "tcp:1", "shutdown", CTL_READY_TCP, 1, CTL_STOP_SHUTDOWN, "" },
		{ "tcp:65535", "suspend", CTL_READY_TCP, 65535, CTL_STOP_SUSPEND, "" },
		{ "notify", "pause", CTL_READY_NOTIFY, 0, CTL_STOP_PAUSE, "" },
		{ "xenstore:a/b", "destroy", CTL_READY_XENSTORE, 0, CTL_STOP_DESTROY, "a/b" },
		{ "vif", "destroy", CTL_READY_VIF, 0, CTL_STOP_DESTROY, "" },
	};

	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		expect_ok(loadf(GW "[service s]\ndns = s.example.org\naddress = 10.0.0.2\n"
				"ready = %s\nstop = %s\n", c[i].ready, c[i].stop));
		const struct ctl_service_config *s = &R.cfg->services[0];
		cr_assert_eq(s->ready, c[i].want_ready, "ready = %s", c[i].ready);
		cr_assert_eq(s->ready_port, c[i].want_port, "ready = %s", c[i].ready);
		cr_assert_str_eq(s->ready_key, c[i].want_key, "ready = %s", c[i].ready);
		cr_assert_eq(s->stop, c[i].want_stop, "stop = %s", c[i].stop);
	}
}

Test(load, synjitsu_buffer_and_zero_ttl)
{
	load_valid("[gateway]\naddress = 10.0.0.1\nsynjitsu = buffer\ndns_ttl = 0\n");
	cr_assert_eq(R.cfg->gw.synjitsu, SYN_MODE_BUFFER);
	cr_assert_eq(R.cfg->gw.dns_ttl, 0);
	/* 2 x 0 would be no timeout at all: validate falls back to 60 */
	cr_assert_eq(R.cfg->gw.idle_timeout, 60);
}

Test(load, number_bounds_are_inclusive)
{
	expect_ok(load("[gateway]\naddress = 10.0.0.1\ndns_ttl = 604800\nidle_timeout = 1\n"
		       "max_pending = 1048576\nmax_concurrent_summons = 65536\n"
		       "[ports]\nuplink = 31\ndownlink = 0\nexception = 30\n"
		       "[service s]\ndns = s.org\naddress = 10.0.0.2\nmemory = 1024\n"
		       "idle_timeout = 31536000\n"));
	cr_assert_eq(R.cfg->gw.dns_ttl, 604800);
	cr_assert_eq(R.cfg->gw.idle_timeout, 1);
	cr_assert_eq(R.cfg->gw.max_pending, 1u << 20);
	cr_assert_eq(R.cfg->gw.max_concurrent_summons, 65536);
	cr_assert_eq(R.cfg->ports.uplink, RTE_MAX_ETHPORTS - 1);
	cr_assert_eq(R.cfg->ports.exception, 30);
	cr_assert_eq(R.cfg->services[0].memory, 1024);
	cr_assert_eq(R.cfg->services[0].idle_timeout, 31536000);
}

Test(load, dns_name_limits_are_accepted)
{
	char l63[64], l61[62], name253[300], dotted[302];

	fill(l63, 'a', 63);
	fill(l61, 'c', 61);
	snprintf(name253, sizeof(name253), "%s.%s.%s.%s", l63, l63, l63, l61);
	cr_assert_eq(strlen(name253), 253);

	/* labels of 63, and a name of 253 characters (a value of its own: with
	 * anything else it would pass the 255 characters of a value) */
	expect_ok(loadf(GW "zones = %s.org\n[service s]\ndns = %s.\naddress = 10.0.0.2\n"
			"[service t]\ndns = %s\naddress = 10.0.0.3\n", l63, l63, name253));
	cr_assert_str_eq(R.cfg->gw.zones.v[0] + 64, "org");
	cr_assert_str_eq(R.cfg->services[0].dns.v[0], l63, "trailing dot dropped");
	cr_assert_str_eq(R.cfg->services[1].dns.v[0], name253);

	/* the same name in upper case, with the optional trailing dot */
	snprintf(dotted, sizeof(dotted), "%s.", name253);
	for (char *p = dotted; *p; p++)
		*p = *p == '.' ? '.' : 'A';
	expect_ok(loadf(GW "[service s]\ndns=%s\naddress = 10.0.0.2\n", dotted));
	cr_assert_eq(strlen(R.cfg->services[0].dns.v[0]), 253);
	cr_assert_eq(R.cfg->services[0].dns.v[0][0], 'a');
	cr_assert_eq(R.cfg->services[0].dns.v[0][252], 'a');
}

Test(load, max_names_are_accepted)
{
	expect_ok(load(GW "zones = z1.org, z2.org, z3.org, z4.org, z5.org, z6.org, z7.org, "
		       "z8.org, z9.org, z10.org, z11.org, z12.org, z13.org, z14.org, z15.org, "
		       "z16.org\n"
		       "[service s]\ndns = a.org,b.org,c.org,d.org,e.org,f.org,g.org,h.org\n"
		       "address = 10.0.0.2\n"));
	cr_assert_eq(R.cfg->gw.zones.n, CTL_MAX_ZONES);
	cr_assert_str_eq(R.cfg->gw.zones.v[15], "z16.org");
	cr_assert_eq(R.cfg->services[0].dns.n, CTL_MAX_SVC_NAMES);
	cr_assert_str_eq(R.cfg->services[0].dns.v[7], "h.org");
}

Test(load, service_name_forms)
{
	char n31[32];

	fill(n31, 'x', 31);
	expect_ok(loadf(GW "[service 0-a_b]\ndns = a.org\naddress = 10.0.0.2\n"
			"[service %s]\ndns = b.org\naddress = 10.0.0.3\n", n31));
	cr_assert_eq(R.cfg->n_services, 2);
	cr_assert_str_eq(R.cfg->services[0].name, "0-a_b");
	cr_assert_str_eq(R.cfg->services[1].name, n31);
}

Test(load, crlf_line_endings)
{
	expect_ok(load("[gateway]\r\naddress = 10.0.0.1\r\ndns_ttl = 7 ; c\r\n[ports]\r\n"
		       "uplink = 1\r\ndownlink = 2\r\n"));
	cr_assert_eq(R.cfg->gw.address, th_ip("10.0.0.1"));
	cr_assert_eq(R.cfg->gw.dns_ttl, 7);
	cr_assert_eq(R.cfg->ports.downlink, 2);
}

Test(load, value_of_255_characters)
{
	char v[256];

	fill(v, 'v', 255);
	/* without blanks around '=' */
	expect_ok(loadf(GW "[service s]\ndns = s.org\naddress = 10.0.0.2\nexec=%s\n", v));
	cr_assert_str_eq(R.cfg->services[0].exec, v);
	/* The blanks around '=' do not count against the 255 characters. */
	expect_ok(loadf(GW "[service s]\ndns = s.org\naddress = 10.0.0.2\nexec = %s\n", v));
	cr_assert_str_eq(R.cfg->services[0].exec, v);
}

Test(load, no_final_newline)
{
	expect_ok(load("[gateway]\naddress = 10.0.0.1\n[ports]\nexception = 2"));
	cr_assert_eq(R.cfg->ports.exception, 2);
}

Test(load, empty_file)
{
	expect_ok(load(""));
	cr_assert_eq(R.cfg->n_services, 0);
	cr_assert_str_eq(R.cfg->source, R.path);
	/* parsing is fine; the whole is not */
	expect_einval(validate());
	expect_msg(R.path, "[gateway] address: missing");
}

Test(load, long_comment_line)
{
	char c[400];

	fill(c, 'c', 399);
	int rc = loadf(GW "; %s\ndns_ttl = 5\n", c);
	/* rte_cfgfile reads lines into a fixed buffer, comments included: such
	 * a line is refused, and the message says which one. */
	expect_einval(rc);
	expect_msg(at(3), "line too long");
}

/* ---- defaults ------------------------------------------------------------ */

TestSuite(defaults, .init = setup, .fini = teardown);

Test(defaults, new_config)
{
	const struct ctl_config *c = R.cfg;

	cr_assert_str_eq(c->source, "");
	cr_assert_eq(c->gw.address, 0);
	cr_assert_eq(c->gw.dns_ttl, 30);
	cr_assert_eq(c->gw.idle_timeout, CTL_UNSET);
	cr_assert_eq(c->gw.synjitsu, SYN_MODE_BUFFER);
	cr_assert_eq(c->gw.dns_reply, CTL_DNS_REPLY_IMMEDIATE);
	cr_assert_eq(c->n_services, 0);
}

Test(defaults, only_gateway_address)
{
	load_valid("[gateway]\naddress = 192.168.7.1\n");
	const struct ctl_config *c = R.cfg;
	cr_assert_eq(c->gw.address, th_ip("192.168.7.1"));
	cr_assert_eq(c->gw.dns_ttl, 30);
	cr_assert_eq(c->gw.idle_timeout, 60, "2 x dns_ttl");
	cr_assert_eq(c->gw.zones.n, 0);
	cr_assert_eq(c->gw.synjitsu, SYN_MODE_BUFFER);
	cr_assert_eq(c->gw.dns_reply, CTL_DNS_REPLY_IMMEDIATE);
	cr_assert_eq(c->gw.max_pending, 1024);
	cr_assert_eq(c->gw.max_concurrent_summons, 32);
	cr_assert_str_eq(c->gw.bridge, "jitsu0");
	cr_assert(rte_is_zero_ether_addr(&c->gw.mac));
	cr_assert_eq(c->ports.uplink, 0);
	cr_assert_eq(c->ports.downlink, 1);
	cr_assert_eq(c->ports.exception, CTL_PORT_NONE);
	cr_assert_eq(c->n_services, 0);
	/* only the two given ports were checked, never CTL_PORT_NONE */
	cr_assert_eq(R.ports.n, 2);
	cr_assert_eq(R.ports.seen[0], 0);
	cr_assert_eq(R.ports.seen[1], 1);
}

Test(defaults, idle_timeout_follows_dns_ttl)
{
	load_valid("[gateway]\naddress = 10.0.0.1\ndns_ttl = 25\n");
	cr_assert_eq(R.cfg->gw.idle_timeout, 50);
}

Test(defaults, services_inherit_from_gateway)
{
	load_valid("[gateway]\naddress = 10.0.0.1\nidle_timeout = 90\ndns_reply = ready\n"
		   "[service a]\ndns = a.org\naddress = 10.0.0.2\n"
		   "[service b]\ndns = b.org\naddress = 10.0.0.3\nidle_timeout = 5\n"
		   "dns_reply = immediate\n");
	const struct ctl_service_config *a = &R.cfg->services[0], *b = &R.cfg->services[1];
	cr_assert_eq(a->idle_timeout, 90);
	cr_assert_eq(a->dns_reply, CTL_DNS_REPLY_READY);
	cr_assert_eq(b->idle_timeout, 5);
	cr_assert_eq(b->dns_reply, CTL_DNS_REPLY_IMMEDIATE);
	/* service defaults */
	cr_assert_eq(a->backend, CTL_BACKEND_PROCESS);
	cr_assert_eq(a->ready, CTL_READY_START);
	cr_assert_eq(a->stop, CTL_STOP_DESTROY);
	cr_assert(rte_is_zero_ether_addr(&a->mac));
	cr_assert_str_eq(a->exec, "");
}

Test(defaults, services_inherit_resolved_idle_timeout)
{
	load_valid("[gateway]\naddress = 10.0.0.1\ndns_ttl = 10\n"
		   "[service a]\ndns = a.org\naddress = 10.0.0.2\n");
	cr_assert_eq(R.cfg->gw.idle_timeout, 20);
	cr_assert_eq(R.cfg->services[0].idle_timeout, 20);
	cr_assert_eq(R.cfg->services[0].dns_reply, CTL_DNS_REPLY_IMMEDIATE);
}

/* ---- bad files ----------------------------------------------------------- */

TestSuite(bad, .init = setup, .fini = teardown);

Test(bad, line_without_equals)
{
	expect_einval(load("[gateway]\naddress = 10.0.0.1\ndns_ttl 30\n"));
	expect_msg(at(3), "expected 'key = value'");
	cr_assert_eq(R.errs.n, 1);
}

Test(bad, empty_key)
{
	expect_einval(load("[gateway]\n = 10.0.0.1\n"));
	expect_msg(at(2), "empty key");
}

Test(bad, key_before_any_section)
{
	expect_einval(load("address = 10.0.0.1\n[gateway]\n"));
	expect_msg(at(1), "key outside of any [section]");
}

Test(bad, unclosed_section_header)
{
	expect_einval(load("; comment\n[gateway\naddress = 10.0.0.1\n"));
	expect_msg(at(2), "section header without ']'");
}

Test(bad, empty_section_name)
{
	expect_einval(load(GW "[  ]\n"));
	expect_msg(at(3), "empty section name");
}

Test(bad, section_name_too_long)
{
	char n[80];

	expect_einval(loadf(GW "[service %s]\n", fill(n, 'n', 70)));
	expect_msg(at(3), "section name too long");
}

Test(bad, key_too_long)
{
	char k[80];

	expect_einval(loadf(GW "%s = 1\n", fill(k, 'k', 70)));
	expect_msg(at(3), "key too long");
}

Test(bad, value_too_long)
{
	char v[300];

	expect_einval(loadf(GW "[service s]\ndns = s.org\nexec=%s\n", fill(v, 'v', 256)));
	expect_msg(at(5), "value too long (255 characters at most)");
	/* Syntax errors name the section and key too. */
	expect_msg(at(5), "[service s]", "exec");
}

Test(bad, empty_value)
{
	int rc = load(GW "dns_ttl =\n");

	expect_einval(rc);
	/* rte_cfgfile refuses "key =" without saying where: we do. */
	expect_msg(at(3), "[gateway] dns_ttl");
}

Test(bad, unknown_section)
{
	expect_einval(load(GW "[gatway]\ndns_ttl = 5\n"));
	expect_msg(at(3), "[gatway]", "unknown section");
}

Test(bad, unknown_key)
{
	expect_einval(load(GW "dns-ttl = 5\n[ports]\nuplink = 0\n"));
	expect_msg(at(3), "[gateway] dns-ttl:", "unknown key");
	cr_assert_eq(R.errs.n, 1);
}

Test(bad, unknown_key_in_service)
{
	expect_einval(load(GW "[service www]\ndns = w.org\nport = 80\n"));
	expect_msg(at(5), "[service www] port:", "unknown key");
}

Test(bad, same_key_twice)
{
	expect_einval(load("[gateway]\naddress = 10.0.0.1\ndns_ttl = 5\naddress = 10.0.0.2\n"));
	expect_msg(R.path, "[gateway] address:", "given twice");
	/* The line is the repeated key's, not the first one's. */
	expect_msg(at(4), "[gateway] address:", "given twice");
}

Test(bad, same_section_twice)
{
	expect_einval(load(GW "[ports]\nuplink = 0\n[gateway]\ndns_ttl = 5\n"));
	expect_msg(R.path, "[gateway]", "section given twice");
	/* The line is the repeated section's, not the first one's. */
	expect_msg(at(5), "[gateway]", "section given twice");
}

Test(bad, same_service_twice)
{
	expect_einval(load(GW "[service a]\ndns = a.org\n[service a]\ndns = b.org\n"));
	expect_msg("[service a]", "section given twice");
	cr_assert_eq(R.cfg->n_services, 1);
}

Test(bad, ipv4_address)
{
	static const struct {
		const char *val, *why;
	} c[] = {
		{ "300.1.1.1", "not an IPv4 address" },
		{ "abc", "not an IPv4 address" },
		{ "10.0.0", "not an IPv4 address" },
		{ "10.0.0.1/24", "not an IPv4 address" },
		{ "0.0.0.0", "not a unicast address" },
		{ "127.0.0.1", "not a unicast address" },
		{ "224.0.0.1", "not a unicast address" },
		{ "239.255.255.250", "not a unicast address" },
		{ "255.255.255.255", "not a unicast address" },
	};

	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		expect_einval(loadf("[gateway]\naddress = %s\n", c[i].val));
		expect_msg(at(2), "[gateway] address:", c[i].why);
		cr_assert_eq(R.cfg->gw.address, 0, "%s", c[i].val);

		expect_einval(loadf(GW "[service www]\ndns = w.org\naddress = %s\n", c[i].val));
		expect_msg(at(5), "[service www] address:", c[i].why);
	}
}

Test(bad, mac_address)
{
	static const struct {
		const char *val, *why;
	} c[] = {
		{ "02:4a:00:00:01", "not a MAC address" },
		{ "02:4a:00:00:01:0a:0b", "not a MAC address" },
		{ "02-4a-00-00-01-0a", "not a MAC address" },
		{ "024a.0000.010a", "not a MAC address" },
		{ "024a:0000:010a", "not a MAC address" },
		{ "02:4a:00:00:01:zz", "not a MAC address" },
		{ "01:00:5e:00:00:01", "not a unicast MAC address" },
		{ "ff:ff:ff:ff:ff:ff", "not a unicast MAC address" },
		{ "00:00:00:00:00:00", "not a unicast MAC address" },
	};

	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		expect_einval(loadf(GW "mac = %s\n", c[i].val));
		expect_msg(at(3), "[gateway] mac:", c[i].why);

		expect_einval(loadf(GW "[service www]\ndns = w.org\nmac = %s\n", c[i].val));
		expect_msg(at(5), "[service www] mac:", c[i].why);
	}
}

Test(bad, number)
{
	static const char *const c[] = { "3x", "-1", "+5", "0x10", "1e3", "ten", "1 2" };

	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		expect_einval(loadf(GW "dns_ttl = %s\n", c[i]));
		expect_msg(at(3), "[gateway] dns_ttl:", "not a number");
		cr_assert_eq(R.cfg->gw.dns_ttl, 30, "%s", c[i]);
	}
	expect_einval(load(GW "[ports]\nuplink = first\n"));
	expect_msg(at(4), "[ports] uplink:", "not a number");
}

Test(bad, number_out_of_range)
{
	static const struct {
		const char *sec, *key, *val, *range;
	} c[] = {
		{ "gateway", "dns_ttl", "604801", "604801 is out of range 0..604800" },
		{ "gateway", "idle_timeout", "0", "0 is out of range 1..31536000" },
		{ "gateway", "idle_timeout", "31536001", "out of range 1..31536000" },
		{ "gateway", "max_pending", "0", "out of range 1..1048576" },
		{ "gateway", "max_pending", "1048577", "out of range 1..1048576" },
		{ "gateway", "max_concurrent_summons", "65537", "out of range 1..65536" },
		{ "gateway", "dns_ttl", "99999999999999999999999", "out of range 0..604800" },
		{ "ports", "uplink", "32", "32 is out of range 0..31" },
		{ "ports", "exception", "65535", "out of range 0..31" },
		{ "service s", "memory", "1023", "1023 is out of range 1024..1073741824" },
		{ "service s", "idle_timeout", "0", "out of range 1..31536000" },
	};

	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		char where[80];

		/* the key is on line 3 in either form */
		if (strcmp(c[i].sec, "gateway") == 0)
			expect_einval(loadf("[gateway]\naddress = 10.0.0.1\n%s = %s\n", c[i].key,
					    c[i].val));
		else
			expect_einval(loadf("[%s]\n\n%s = %s\n" GW, c[i].sec, c[i].key, c[i].val));
		snprintf(where, sizeof(where), "[%s] %s:", c[i].sec, c[i].key);
		expect_msg(at(3), where, c[i].range);
		cr_assert_eq(R.errs.n, 1);
	}
}

Test(bad, ready_port)
{
	static const char *const c[] = { "tcp:0", "tcp:65536", "tcp:", "tcp:http", "tcp:-1",
					 "tcp:80x" };

	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		expect_einval(loadf(GW "[service s]\nready = %s\n", c[i]));
		expect_msg(at(4), "[service s] ready:", "tcp:PORT needs a port 1..65535");
	}
	expect_einval(load(GW "[service s]\nready = xenstore:\n"));
	expect_msg(at(4), "[service s] ready:", "not one of start, tcp:PORT, notify");
	expect_einval(load(GW "[service s]\nready = soon\n"));
	expect_msg(at(4), "[service s] ready:", "not one of start, tcp:PORT, notify");
}

Test(bad, enum_values)
{
	expect_einval(load(GW "dns_reply = later\n[service s]\nstop = explode\n"
			   "backend = docker\ndns_reply = Ready\n"));
	expect_msg(at(3), "[gateway] dns_reply:", "'later' is not one of immediate, ready");
	expect_msg(at(5), "[service s] stop:",
		   "'explode' is not one of destroy, shutdown, suspend, pause");
	expect_msg(at(6), "[service s] backend:", "'docker' is not one of process, libxl");
	expect_msg(at(7), "[service s] dns_reply:", "'Ready' is not one of immediate, ready");
	cr_assert_eq(R.errs.n, 4);
}

Test(load, synjitsu_proxy_and_its_service_keys)
{
	load_valid(GW "synjitsu = proxy\nproxy = always\nproxy_idle_timeout = 30\n"
		      "summon_prefix_len = 16\nsummon_rate = 0\n"
		      "[service a]\ndns = a.example.org\naddress = 10.0.0.2\n"
		      "[service b]\ndns = b.example.org\naddress = 10.0.0.3\nsynjitsu = buffer\n"
		      "proxy = cold\ntcp_mss = 1400\ntcp_wscale = none\ntcp_sack = off\n"
		      "tcp_timestamps = off\ntcp_window = 29200\n");
	cr_assert_eq(R.cfg->gw.synjitsu, SYN_MODE_PROXY);
	cr_assert_eq(R.cfg->gw.proxy_always, 1);
	cr_assert_eq(R.cfg->gw.proxy_idle_timeout, 30);
	cr_assert_eq(R.cfg->gw.summon_prefix_len, 16);
	cr_assert_eq(R.cfg->gw.summon_rate, 0);
	const struct ctl_service_config *a = &R.cfg->services[0], *b = &R.cfg->services[1];
	cr_assert_eq(a->synjitsu, SYN_MODE_PROXY, "the gateway's");
	cr_assert_eq(a->proxy_always, 1);
	cr_assert_eq(a->tcp_mss, 1460);
	cr_assert_eq(a->tcp_wscale, 7);
	cr_assert_eq(a->tcp_sack + a->tcp_timestamps, 2);
	cr_assert_eq(a->tcp_window, 65535);
	cr_assert_eq(b->synjitsu, SYN_MODE_BUFFER);
	cr_assert_eq(b->proxy_always, 0);
	cr_assert_eq(b->tcp_mss, 1400);
	cr_assert_eq(b->tcp_wscale, CTL_TCP_NO_WSCALE);
	cr_assert_eq(b->tcp_sack + b->tcp_timestamps, 0);
	cr_assert_eq(b->tcp_window, 29200);
}

Test(bad, synjitsu_unknown)
{
	expect_einval(load(GW "synjitsu = bogus\n[service s]\ndns = s.example.org\n"
			   "address = 10.0.0.2\ntcp_wscale = 15\ntcp_mss = 100\nproxy = maybe\n"));
	expect_msg(at(3), "[gateway] synjitsu:", "not one of buffer, proxy, off");
	expect_msg(at(7), "[service s] tcp_wscale:", "0..14, or none");
	expect_msg(at(8), "[service s] tcp_mss:", "out of range 216..65495");
	expect_msg(at(9), "[service s] proxy:", "not one of cold, always");
}

Test(bad, bridge_name)
{
	static const char *const c[] = { "a-bridge-name-of-16", "br/0", "br 0", "br:0" };

	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		expect_einval(loadf(GW "bridge = %s\n", c[i]));
		expect_msg(at(3), "[gateway] bridge:", "an interface name");
		cr_assert_str_eq(R.cfg->gw.bridge, "jitsu0");
	}
}

Test(bad, dns_names)
{
	char l64[65], long_name[300], buf[400];

	fill(l64, 'a', 64);
	/* 254 characters: 63.63.63.62 */
	snprintf(long_name, sizeof(long_name), "%.63s.%.63s.%.63s.%.62s", l64, l64, l64, l64);
	cr_assert_eq(strlen(long_name), 254);
	snprintf(buf, sizeof(buf), "%s.org", l64);
	const char *const c[] = { "a..b.example.org", ".example.org", "www.exa mple.org",
				  "www!.example.org", "*.example.org", "www.example.org..",
				  ".", buf, long_name };

	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		expect_einval(loadf(GW "[service s]\ndns = %s\naddress = 10.0.0.2\n", c[i]));
		expect_msg(at(4), "[service s] dns:", "is not a DNS name");

		expect_einval(loadf(GW "zones = %s\n", c[i]));
		expect_msg(at(3), "[gateway] zones:", "is not a DNS name");
	}
	/* a bad name after good ones; the message quotes it */
	expect_einval(load(GW "zones = a.org, b.org ,a..b\n"));
	expect_msg(at(3), "[gateway] zones:", "'a..b' is not a DNS name");
}

Test(bad, empty_name_in_list)
{
	static const char *const c[] = { "a.org,,b.org", "a.org,", ",a.org", "a.org, ,b.org" };

	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		expect_einval(loadf(GW "[service s]\ndns = %s\n", c[i]));
		expect_msg(at(4), "[service s] dns:", "empty name in the list");
	}
}

Test(bad, too_many_names)
{
	expect_einval(load(GW "[service s]\n"
			   "dns = a.org,b.org,c.org,d.org,e.org,f.org,g.org,h.org,i.org\n"));
	expect_msg(at(4), "[service s] dns:", "more than 8 names");

	expect_einval(load(GW "zones = z1.org, z2.org, z3.org, z4.org, z5.org, z6.org, z7.org, "
			   "z8.org, z9.org, z10.org, z11.org, z12.org, z13.org, z14.org, "
			   "z15.org, z16.org, z17.org\n"));
	expect_msg(at(3), "[gateway] zones:", "more than 16 names");
}

Test(bad, service_names)
{
	char n32[40];

	fill(n32, 'x', 32);
	const char *const c[] = { "WWW", "Www", "-www", "_www", "w.w", "a b", "w*", n32 };

	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		char sec[64];

		expect_einval(loadf(GW "[service %s]\ndns = w.org\naddress = 10.0.0.2\n", c[i]));
		snprintf(sec, sizeof(sec), "[service %s]", c[i]);
		expect_msg(at(3), sec, "a service name is 1 to 31 lower-case letters");
		cr_assert_eq(R.cfg->n_services, 0, "%s", c[i]);
	}
}

Test(bad, service_without_name)
{
	/* "[service ]" is trimmed to "[service]": neither a service nor any
	 * other known section */
	static const char *const c[] = { "[service ]", "[service]", "[services www]" };

	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		expect_einval(loadf(GW "%s\ndns = w.org\n", c[i]));
		expect_msg(at(3), "unknown section");
		cr_assert_eq(R.cfg->n_services, 0);
	}
}

Test(bad, missing_file)
{
	const char *path = "/nonexistent-jitsu-dir/jitsu.conf";

	expect_einval(ctl_config_load_file(R.cfg, path, &R.errs));
	expect_msg(path, "cannot open", strerror(ENOENT));
	cr_assert_eq(R.errs.n, 1);
	cr_assert_str_eq(R.cfg->source, "");
}

Test(bad, directory)
{
	expect_einval(ctl_config_load_file(R.cfg, "/", &R.errs));
	expect_msg("/:");
}

Test(bad, nul_byte)
{
	static const char text[] = "[gateway]\naddress = 10.0.0.1\0\n";
	char path[] = "/tmp/jitsu-test-XXXXXX";
	int fd = mkstemp(path);

	cr_assert_geq(fd, 0);
	R.path = strdup(path); /* teardown unlinks it */
	ssize_t w = write(fd, text, sizeof(text) - 1);
	close(fd);
	cr_assert_eq(w, (ssize_t)sizeof(text) - 1);
	expect_einval(ctl_config_load_file(R.cfg, R.path, &R.errs));
	expect_msg(R.path, "not a text file");
	cr_assert_eq(R.cfg->gw.address, 0);
}

Test(bad, every_error_is_reported)
{
	expect_einval(load("[gateway]\n"          /* 1 */
			   "address = 1.2.3\n"    /* 2 */
			   "dns_ttl = x\n"        /* 3 */
			   "[ports]\n"            /* 4 */
			   "uplink = 99\n"        /* 5 */
			   "[service s]\n"        /* 6 */
			   "stop = never\n"       /* 7 */
			   "colour = blue\n"));   /* 8 */
	cr_assert_eq(R.errs.n, 5, "messages:\n%s", errs_dump());
	expect_msg(at(2), "[gateway] address:");
	expect_msg(at(3), "[gateway] dns_ttl:");
	expect_msg(at(5), "[ports] uplink:");
	expect_msg(at(7), "[service s] stop:");
	expect_msg(at(8), "[service s] colour:");
}

Test(bad, syntax_errors_are_all_reported)
{
	expect_einval(load("x = 1\n[gateway\n[gateway]\naddress\n"));
	cr_assert_eq(R.errs.n, 3, "messages:\n%s", errs_dump());
	expect_msg(at(1), "outside");
	expect_msg(at(2), "without ']'");
	expect_msg(at(4), "expected 'key = value'");
}

/* ---- validation ---------------------------------------------------------- */

TestSuite(validate, .init = setup, .fini = teardown);

Test(validate, missing_gateway_address)
{
	load_invalid("[gateway]\ndns_ttl = 5\n");
	expect_msg(R.path, "[gateway] address: missing");
	cr_assert_eq(R.errs.n, 1);
}

Test(validate, missing_gateway_address_without_file)
{
	expect_einval(validate());
	expect_msg("configuration: [gateway] address: missing");
}

Test(validate, service_without_address)
{
	load_invalid(GW "[service www]\ndns = www.org\n");
	expect_msg(at(3), "[service www]", "address: missing");
}

Test(validate, service_without_dns)
{
	load_invalid(GW "[service www]\naddress = 10.0.0.2\n");
	expect_msg(at(3), "[service www]", "dns: missing");
}

Test(validate, service_address_is_the_gateway)
{
	load_invalid(GW "[service www]\ndns = www.org\naddress = 10.0.0.1\n");
	expect_msg(at(3), "[service www]", "address: 10.0.0.1 is the gateway's own");
}

Test(validate, two_services_same_address)
{
	load_invalid(GW "[service a]\ndns = a.org\naddress = 10.0.0.5\n"
		     "[service b]\ndns = b.org\naddress = 10.0.0.5\n");
	expect_msg(at(6), "[service b]", "address: 10.0.0.5 is already used by", "[service a]");
	cr_assert_eq(R.errs.n, 1);
}

Test(validate, two_services_same_name_by_spec)
{
	expect_ok(load(GW "[service www]\ndns = www.org\naddress = 10.0.0.2\n"));
	expect_ok(ctl_config_add_service_spec(R.cfg, "dns=a.org,ip=10.0.0.3,name=web", &R.errs));
	expect_ok(ctl_config_add_service_spec(R.cfg, "dns=b.org,ip=10.0.0.4,name=web", &R.errs));
	expect_ok(ctl_config_add_service_spec(R.cfg, "dns=c.org,ip=10.0.0.5,name=www", &R.errs));
	cr_assert_eq(R.cfg->n_services, 4);
	expect_einval(validate());
	expect_msg("--service #3: service name 'web' is already used by --service #2");
	expect_msg("--service #4: service name 'www' is already used by", "[service www]");
	cr_assert_eq(R.errs.n, 2);
}

Test(validate, same_dns_name_in_two_services)
{
	load_invalid(GW "[service a]\ndns = WWW.Example.org.\naddress = 10.0.0.2\n"
		     "[service b]\ndns = other.org, www.example.org\naddress = 10.0.0.3\n");
	expect_msg(at(6), "[service b]", "dns: 'www.example.org' is already a name of",
		   "[service a]");
	cr_assert_eq(R.errs.n, 1);
}

Test(validate, same_dns_name_twice_in_a_service)
{
	load_invalid(GW "[service a]\ndns = a.example.org, b.org, A.Example.Org.\n"
		     "address = 10.0.0.2\n");
	expect_msg(at(3), "[service a]", "dns: 'a.example.org' is already a name of this service");
	cr_assert_eq(R.errs.n, 1);
}

Test(validate, same_dns_name_by_spec)
{
	expect_ok(load(GW "[service a]\ndns = www.example.org\naddress = 10.0.0.2\n"));
	expect_ok(ctl_config_add_service_spec(R.cfg, "dns=WWW.EXAMPLE.ORG.,ip=10.0.0.3",
					      &R.errs));
	expect_einval(validate());
	expect_msg("--service #2: dns: 'www.example.org' is already a name of", "[service a]");
}

Test(validate, duplicate_mac)
{
	load_invalid(GW "[service a]\ndns = a.org\naddress = 10.0.0.2\nmac = 02:4a:00:00:01:0a\n"
		     "[service b]\ndns = b.org\naddress = 10.0.0.3\nmac = 02:4A:00:00:01:0A\n");
	/* rte_ether_format_addr() writes upper-case hex */
	expect_msg(at(7), "[service b]", "mac: 02:4A:00:00:01:0A is already used by",
		   "[service a]");
	cr_assert_eq(R.errs.n, 1);
}

Test(validate, services_without_mac_do_not_clash)
{
	load_valid(GW "[service a]\ndns = a.org\naddress = 10.0.0.2\n"
		   "[service b]\ndns = b.org\naddress = 10.0.0.3\n");
	cr_assert_eq(R.cfg->n_services, 2);
}

Test(validate, port_does_not_exist)
{
	load_invalid(GW "[ports]\nuplink = 0\ndownlink = 2\nexception = 5\n");
	expect_msg(R.path, "[ports] exception: port 5 does not exist");
	expect_no_msg("[ports] uplink");
	expect_no_msg("[ports] downlink");
	cr_assert_eq(R.errs.n, 1);
	cr_assert_eq(R.ports.n, 3);
	cr_assert_eq(R.ports.seen[2], 5);
}

Test(validate, callback_decides)
{
	/* the same file passes or fails only by what the callback says */
	R.ports.max = 0;
	load_invalid(GW);
	expect_msg("[ports] downlink: port 1 does not exist");
	expect_no_msg("[ports] uplink");

	R.ports.max = 1;
	memset(&R.errs, 0, sizeof(R.errs));
	expect_ok(validate());
}

Test(validate, no_callback_skips_existence)
{
	expect_ok(load(GW "[ports]\nuplink = 20\ndownlink = 21\n"));
	expect_ok(ctl_config_validate(R.cfg, NULL, NULL, &R.errs));
}

Test(validate, same_port_twice)
{
	load_invalid(GW "[ports]\nuplink = 1\ndownlink = 1\n");
	expect_msg(R.path, "[ports] downlink: port 1 is already the uplink");
	cr_assert_eq(R.errs.n, 1);

	load_invalid(GW "[ports]\nuplink = 0\ndownlink = 1\nexception = 1\n");
	expect_msg(R.path, "[ports] exception: port 1 is already the downlink");
	cr_assert_eq(R.errs.n, 1);
}

Test(validate, reports_every_error)
{
	load_invalid("[gateway]\ndns_ttl = 5\n"
		     "[ports]\nuplink = 0\ndownlink = 0\nexception = 7\n"
		     "[service a]\ndns = a.org\n"
		     "[service b]\naddress = 10.0.0.3\n");
	cr_assert_gt(R.errs.n, 1);
	cr_assert_eq(R.errs.n, 5, "messages:\n%s", errs_dump());
	expect_msg("[gateway] address: missing");
	expect_msg("[ports] downlink: port 0 is already the uplink");
	expect_msg("[ports] exception: port 7 does not exist");
	expect_msg("[service a]", "address: missing");
	expect_msg("[service b]", "dns: missing");
}

Test(validate, long_service_name_in_messages)
{
	char n31[32];

	fill(n31, 'n', 31);
	expect_ok(loadf(GW "[service %s]\ndns = a.org\n", n31));
	expect_einval(validate());
	/* The origin ("PATH:LINE: [service NAME]") holds the longest path and
	 * name whole. */
	char sec[48];
	snprintf(sec, sizeof(sec), "[service %s]", n31);
	expect_msg(at(3), sec, "address: missing");
}

/* ---- --service --------------------------------------------------------- */

TestSuite(spec, .init = setup, .fini = teardown);

Test(spec, good)
{
	expect_ok(ctl_config_add_service_spec(
		R.cfg,
		"dns=WWW.Example.org.,dns=example.org,ip=10.0.0.10,mac=02:00:00:00:00:01,"
		"ready=tcp:8080,stop=pause,exec=/bin/true,memory=2048,backend=libxl,"
		"idle_timeout=9,dns_reply=ready",
		&R.errs));
	cr_assert_eq(R.errs.n, 0);
	cr_assert_eq(R.cfg->n_services, 1);
	const struct ctl_service_config *s = &R.cfg->services[0];
	cr_assert_str_eq(s->name, "www", "name from the first DNS label");
	cr_assert_str_eq(s->origin, "--service #1");
	cr_assert_eq(s->dns.n, 2);
	cr_assert_str_eq(s->dns.v[0], "www.example.org");
	cr_assert_str_eq(s->dns.v[1], "example.org");
	cr_assert_eq(s->address, th_ip("10.0.0.10"));
	cr_assert(mac_is(&s->mac, 0x02, 0, 0, 0, 0, 0x01));
	cr_assert_eq(s->ready, CTL_READY_TCP);
	cr_assert_eq(s->ready_port, 8080);
	cr_assert_eq(s->stop, CTL_STOP_PAUSE);
	cr_assert_str_eq(s->exec, "/bin/true");
	cr_assert_eq(s->memory, 2048);
	cr_assert_eq(s->backend, CTL_BACKEND_LIBXL);
	cr_assert_eq(s->idle_timeout, 9);
	cr_assert_eq(s->dns_reply, CTL_DNS_REPLY_READY);

	R.cfg->gw.address = th_ip("10.0.0.1");
	expect_ok(validate());
}

Test(spec, explicit_name_and_address_key)
{
	expect_ok(ctl_config_add_service_spec(R.cfg, "name=web-1,address=10.0.0.7,dns=w.org",
					      &R.errs));
	cr_assert_str_eq(R.cfg->services[0].name, "web-1");
	cr_assert_eq(R.cfg->services[0].address, th_ip("10.0.0.7"));
}

Test(spec, derived_names)
{
	char l40[41], spec[128];

	expect_ok(ctl_config_add_service_spec(R.cfg, "dns=my_svc-1.example.org,ip=10.0.0.2",
					      &R.errs));
	cr_assert_str_eq(R.cfg->services[0].name, "my_svc-1");

	/* a long first label is cut to the 31 characters a name may have */
	snprintf(spec, sizeof(spec), "dns=%s.org,ip=10.0.0.3", fill(l40, 'q', 40));
	expect_ok(ctl_config_add_service_spec(R.cfg, spec, &R.errs));
	cr_assert_eq(strlen(R.cfg->services[1].name), CTL_NAME_MAX - 1);
	cr_assert_eq(strncmp(R.cfg->services[1].name, l40, CTL_NAME_MAX - 1), 0);
	cr_assert_str_eq(R.cfg->services[1].origin, "--service #2");
}

Test(spec, derived_name_follows_the_name_rule)
{
	static const char *const c[] = { "dns=_srv.example.org,ip=10.0.0.2",
					 "dns=-srv.example.org,ip=10.0.0.2" };

	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		memset(&R.errs, 0, sizeof(R.errs));
		int rc = ctl_config_add_service_spec(R.cfg, c[i], &R.errs);
		if (rc != 0) {
			/* refusing it (asking for name=) would be fine too */
			expect_einval(rc);
			continue;
		}
		/* A name taken from the first DNS label follows the rule of
		 * name= and [service NAME] (first a lower-case letter or a
		 * digit), or the spec is refused. */
		const char *n = R.cfg->services[R.cfg->n_services - 1].name;
		cr_assert((n[0] >= 'a' && n[0] <= 'z') || (n[0] >= '0' && n[0] <= '9'),
			  "'%s' gave the name '%s'", c[i], n);
	}
}

Test(spec, counts_after_file_services)
{
	expect_ok(load(GW "[service a]\ndns = a.org\naddress = 10.0.0.2\n"));
	expect_ok(ctl_config_add_service_spec(R.cfg, "dns=b.org,ip=10.0.0.3", &R.errs));
	cr_assert_eq(R.cfg->n_services, 2);
	cr_assert_str_eq(R.cfg->services[1].origin, "--service #2");
	expect_ok(validate());
}

/* Add @spec, which must fail with a message containing @what; the service
 * count must not change. */
static void
spec_fails(const char *spec, const char *what)
{
	uint32_t n = R.cfg->n_services;

	memset(&R.errs, 0, sizeof(R.errs));
	expect_einval(ctl_config_add_service_spec(R.cfg, spec, &R.errs));
	expect_msg("--service #", what);
	cr_assert_eq(R.cfg->n_services, n, "'%s' was added", spec);
}

Test(spec, unknown_key)
{
	spec_fails("dns=a.org,ip=10.0.0.2,port=80", "port: unknown key");
}

Test(spec, missing_equals)
{
	spec_fails("dns=a.org,ip", "'ip': expected key=value");
	spec_fails("=x,dns=a.org,ip=10.0.0.2", "'=x': expected key=value");
}

Test(spec, bad_ip)
{
	spec_fails("dns=a.org,ip=10.0.0", "ip: not an IPv4 address");
	spec_fails("dns=a.org,ip=127.0.0.1", "ip: not a unicast address");
}

Test(spec, bad_values)
{
	spec_fails("dns=a..org,ip=10.0.0.2", "dns: 'a..org' is not a DNS name");
	spec_fails("dns=a.org,ip=10.0.0.2,stop=explode", "stop: 'explode' is not one of");
	spec_fails("dns=a.org,ip=10.0.0.2,mac=01:00:5e:00:00:01", "mac: not a unicast");
	spec_fails("dns=a.org,ip=10.0.0.2,name=Web", "name: a service name is");
	spec_fails("dns=a.org,ip=10.0.0.2,name=web,name=www", "name: given twice");
	spec_fails("dns=a,dns=b,dns=c,dns=d,dns=e,dns=f,dns=g,dns=h,dns=i,ip=10.0.0.2",
		   "dns: more than 8 names");
}

Test(spec, too_long)
{
	char spec[1200];

	memset(spec, 'a', sizeof(spec) - 1);
	spec[sizeof(spec) - 1] = '\0';
	memcpy(spec, "dns=", 4);
	spec_fails(spec, "longer than 1023 characters");
}

Test(spec, failure_leaves_other_services)
{
	expect_ok(load(GW "[service a]\ndns = a.org\naddress = 10.0.0.2\n"));
	spec_fails("dns=b.org,ip=300.0.0.1", "ip:");
	cr_assert_eq(R.cfg->n_services, 1);
	cr_assert_str_eq(R.cfg->services[0].name, "a");
	cr_assert_eq(R.cfg->services[0].address, th_ip("10.0.0.2"));
	/* a good one after the failure gets the next number */
	memset(&R.errs, 0, sizeof(R.errs));
	expect_ok(ctl_config_add_service_spec(R.cfg, "dns=b.org,ip=10.0.0.3", &R.errs));
	cr_assert_str_eq(R.cfg->services[1].origin, "--service #2");
	expect_ok(validate());
}

Test(spec, repeated_key)
{
	/* config.h: "keys as in a [service] section ... dns may repeat": any
	 * other key given twice is as wrong as in a file ("given twice").
	 * Only dns= may repeat: "ip=10.0.0.2,ip=10.0.0.3" is refused. */
	spec_fails("dns=a.org,ip=10.0.0.2,ip=10.0.0.3", "ip: given twice");
}

Test(spec, no_dns_no_name)
{
	R.cfg->gw.address = th_ip("10.0.0.1");
	expect_ok(ctl_config_add_service_spec(R.cfg, "ip=10.0.0.2", &R.errs));
	expect_einval(validate());
	expect_msg("--service #1: name: missing");
	expect_msg("--service #1: dns: missing");
}

/* ---- lookup table -------------------------------------------------------- */

TestSuite(svctab, .init = setup, .fini = teardown);

static const char svc_file[] =
	"[gateway]\naddress = 10.77.0.1\nzones = Example.ORG., other.net, example.org\n"
	"[service www]\ndns = www.example.org, Example.org\naddress = 10.77.1.10\n"
	"[service api]\ndns = api.example.org\naddress = 10.77.1.11\n"
	"[service db]\ndns = db.internal\naddress = 10.77.1.12\n";

/* Service id of @text's name in R.tab. */
static int
by_name(const char *text)
{
	uint8_t w[DP_DNS_NAME_MAX];
	int l = dp_dns_name_from_text(text, w, sizeof(w));

	cr_assert_gt(l, 0, "'%s'", text);
	return dp_svctab_by_name(R.tab, w, (size_t)l);
}

/* Zone offset of @text's name in R.tab, or -1. */
static int
zone_of(const char *text)
{
	uint8_t w[DP_DNS_NAME_MAX], labels[128];
	unsigned int n = 0;
	int l = dp_dns_name_from_text(text, w, sizeof(w));

	cr_assert_gt(l, 0, "'%s'", text);
	for (int off = 0; w[off] != 0; off += w[off] + 1)
		labels[n++] = (uint8_t)off;
	return dp_svctab_zone_of(R.tab, w, (size_t)l, labels, n);
}

Test(svctab, lookups)
{
	load_valid(svc_file);
	R.tab = ctl_config_svctab(R.cfg, NULL, 0);
	cr_assert_not_null(R.tab, "errno %d", errno);
	cr_assert_eq(dp_svctab_count(R.tab), 3);

	cr_assert_eq(dp_svctab_by_ip(R.tab, th_ip("10.77.1.10")), 0);
	cr_assert_eq(dp_svctab_by_ip(R.tab, th_ip("10.77.1.11")), 1);
	cr_assert_eq(dp_svctab_by_ip(R.tab, th_ip("10.77.1.12")), 2);
	cr_assert_eq(dp_svctab_by_ip(R.tab, th_ip("10.77.1.13")), DP_SVC_NONE);
	cr_assert_eq(dp_svctab_by_ip(R.tab, th_ip("10.77.0.1")), DP_SVC_NONE);
	cr_assert_eq(dp_svctab_addr(R.tab, 1), th_ip("10.77.1.11"));

	cr_assert_eq(by_name("www.example.org"), 0);
	cr_assert_eq(by_name("example.org"), 0);
	cr_assert_eq(by_name("api.example.org"), 1);
	cr_assert_eq(by_name("db.internal"), 2);
	cr_assert_eq(by_name("WWW.EXAMPLE.ORG."), 0, "text to wire lower-cases");
	cr_assert_eq(by_name("mail.example.org"), DP_SVC_NONE);
	cr_assert_eq(by_name("www.example.com"), DP_SVC_NONE);
}

Test(svctab, zones)
{
	load_valid(svc_file);
	R.tab = ctl_config_svctab(R.cfg, NULL, 0);
	cr_assert_not_null(R.tab, "errno %d (a zone given twice must be harmless)", errno);

	/* "unknown.example.org": the zone starts after "\7unknown" (8 bytes) */
	cr_assert_eq(zone_of("unknown.example.org"), 8);
	cr_assert_eq(zone_of("a.b.example.org"), 4);
	cr_assert_eq(zone_of("example.org"), 0);
	cr_assert_eq(zone_of("x.other.net"), 2);
	cr_assert_eq(zone_of("db.internal"), -1);
	cr_assert_eq(zone_of("notexample.org"), -1);
}

Test(svctab, empty)
{
	load_valid(GW);
	R.tab = ctl_config_svctab(R.cfg, NULL, 0);
	cr_assert_not_null(R.tab, "errno %d", errno);
	cr_assert_eq(dp_svctab_count(R.tab), 0);
	cr_assert_eq(dp_svctab_by_ip(R.tab, th_ip("10.0.0.1")), DP_SVC_NONE);
	cr_assert_eq(by_name("www.example.org"), DP_SVC_NONE);
	cr_assert_eq(zone_of("www.example.org"), -1);
}

Test(svctab, file_and_spec_services)
{
	expect_ok(load(svc_file));
	expect_ok(ctl_config_add_service_spec(R.cfg, "dns=Mail.Example.org,ip=10.77.1.20",
					      &R.errs));
	expect_ok(validate());
	R.tab = ctl_config_svctab(R.cfg, NULL, 0);
	cr_assert_not_null(R.tab);
	cr_assert_eq(dp_svctab_count(R.tab), 4);
	cr_assert_eq(by_name("mail.example.org"), 3);
	cr_assert_eq(dp_svctab_by_ip(R.tab, th_ip("10.77.1.20")), 3);
}

/* ---- error list ---------------------------------------------------------- */

TestSuite(errors, .init = setup, .fini = teardown);

Test(errors, overflow_is_counted)
{
	for (int i = 0; i < CTL_MAX_ERRORS + 5; i++)
		ctl_errors_add(&R.errs, "error %d", i);
	cr_assert_eq(R.errs.n, CTL_MAX_ERRORS);
	cr_assert_eq(R.errs.dropped, 5);
	cr_assert_str_eq(R.errs.msg[0], "error 0");
	cr_assert_str_eq(R.errs.msg[CTL_MAX_ERRORS - 1], "error 15");
}

Test(errors, long_message_is_cut)
{
	char big[1000];

	ctl_errors_add(&R.errs, "%s", fill(big, 'm', 999));
	cr_assert_eq(R.errs.n, 1);
	cr_assert_eq(strlen(R.errs.msg[0]), sizeof(R.errs.msg[0]) - 1);
}

Test(errors, overflow_from_a_file)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	cr_assert_not_null(f);
	fputs("[gateway]\n", f);
	for (int i = 0; i < 20; i++)
		fprintf(f, "bad_key_%d = 1\n", i);
	fclose(f);
	int rc = load(text);
	free(text);
	expect_einval(rc);
	cr_assert_eq(R.errs.n, CTL_MAX_ERRORS);
	cr_assert_eq(R.errs.dropped, 20 - CTL_MAX_ERRORS);
	expect_msg(at(2), "bad_key_0:");
	expect_msg(at(17), "bad_key_15:");
}

Test(errors, only_dropped_errors_still_fail)
{
	/* the list is already full: a new error is only counted as dropped,
	 * and must still make the call fail */
	for (int i = 0; i < CTL_MAX_ERRORS; i++)
		ctl_errors_add(&R.errs, "earlier %d", i);
	R.path = th_tmpfile(GW "dns_ttl = x\n");
	cr_assert_not_null(R.path);
	expect_einval(ctl_config_load_file(R.cfg, R.path, &R.errs));
	cr_assert_eq(R.errs.dropped, 1);
	expect_einval(ctl_config_add_service_spec(R.cfg, "dns=a.org,ip=1", &R.errs));
	cr_assert_eq(R.errs.dropped, 2);
	cr_assert_eq(R.cfg->n_services, 0);
}

Test(errors, earlier_errors_do_not_fail_a_good_load)
{
	ctl_errors_add(&R.errs, "earlier");
	R.path = th_tmpfile(GW);
	cr_assert_not_null(R.path);
	cr_assert_eq(ctl_config_load_file(R.cfg, R.path, &R.errs), 0);
	cr_assert_eq(ctl_config_validate(R.cfg, port_check, &R.ports, &R.errs), 0);
	cr_assert_eq(R.errs.n, 1);
}

Test(validate, given_mac_equal_to_a_derived_one)
{
	/* 10.0.0.2's derived MAC is 02:4a:0a:00:00:02 */
	load_invalid(GW "[service a]\ndns = a.org\naddress = 10.0.0.2\n"
		     "[service b]\ndns = b.org\naddress = 10.0.0.3\nmac = 02:4a:0a:00:00:02\n");
	expect_msg("mac: 02:4A:0A:00:00:02 is already used by", "(derived from its address)");
	cr_assert_eq(R.errs.n, 1);
}

Test(validate, many_duplicates_found_in_one_pass)
{
	load_valid(GW "[service a]\ndns = a.org\naddress = 10.0.0.2\n");
	char spec[128];
	for (int i = 0; i < 5000; i++) {
		snprintf(spec, sizeof(spec), "dns=s%d.org,ip=10.1.%d.%d,name=s%d", i, i / 250,
			 i % 250 + 1, i);
		expect_ok(ctl_config_add_service_spec(R.cfg, spec, &R.errs));
	}
	expect_ok(validate());
	expect_ok(ctl_config_add_service_spec(R.cfg, "dns=x.org,ip=10.1.3.7,name=x", &R.errs));
	expect_einval(validate());
	expect_msg("address: 10.1.3.7 is already used by");
}

Test(validate, process_limits_inherit_and_are_marked_given)
{
	load_valid(GW "memory_max = 256\npids_max = 64\nprocess_recover = adopt\n"
		   "[service a]\ndns = a.org\naddress = 10.0.0.2\n"
		   "[service b]\ndns = b.org\naddress = 10.0.0.3\nmemory_max = 32\ncpu_max = 50\n");
	cr_assert_eq(R.cfg->gw.process_recover, CTL_PROC_ADOPT);
	const struct ctl_service_config *a = &R.cfg->services[0], *b = &R.cfg->services[1];
	cr_assert_eq(a->memory_max, 256);
	cr_assert_eq(a->pids_max, 64);
	cr_assert_eq(a->cpu_weight, 100);
	cr_assert_eq(a->cpu_max, 0);
	cr_assert_eq(a->limits_given & ~CTL_LIMIT_RESOLVED, 0u);
	cr_assert_eq(b->memory_max, 32);
	cr_assert_eq(b->cpu_max, 50);
	cr_assert_eq(b->limits_given & ~CTL_LIMIT_RESOLVED, CTL_LIMIT_MEMORY | CTL_LIMIT_CPU);
	/* validated again (reload paths do): nothing inherited turns "given" */
	expect_ok(validate());
	cr_assert_eq(a->limits_given & ~CTL_LIMIT_RESOLVED, 0u);
}

Test(validate, user_inherits_and_is_marked_given)
{
	load_valid(GW "user = nobody\n"
		   "[service a]\ndns = a.org\naddress = 10.0.0.2\n"
		   "[service b]\ndns = b.org\naddress = 10.0.0.3\nuser = 1000:1000\n");
	const struct ctl_service_config *a = &R.cfg->services[0], *b = &R.cfg->services[1];
	cr_assert_str_eq(a->user, "nobody");
	cr_assert_eq(a->limits_given & CTL_LIMIT_USER, 0u);
	cr_assert_str_eq(b->user, "1000:1000");
	cr_assert_eq(b->limits_given & CTL_LIMIT_USER, CTL_LIMIT_USER);
	expect_ok(validate());
	cr_assert_eq(a->limits_given & CTL_LIMIT_USER, 0u, "inherited stays inherited");
	load_valid(GW "[service a]\ndns = a.org\naddress = 10.0.0.2\n");
	cr_assert_str_eq(R.cfg->services[0].user, "", "root by default");
}

Test(validate, dynamic_user_base_default_and_range)
{
	load_valid(GW "user = dynamic\n[service a]\ndns = a.org\naddress = 10.0.0.2\n");
	cr_assert_eq(R.cfg->gw.dynamic_user_base, CTL_DYNAMIC_USER_BASE);
	cr_assert_str_eq(R.cfg->services[0].user, "dynamic");
	expect_einval(load(GW "dynamic_user_base = 999\n"));
	expect_msg("dynamic_user_base: 999 is out of range 1000..3221225472");
	expect_einval(load(GW "dynamic_user_base = 3221225473\n"));
	load_valid(GW "dynamic_user_base = 3221225472\n");
}

Test(validate, user_empty_or_too_long)
{
	char v[CTL_USER_MAX + 1];

	expect_einval(load(GW "user =\n"));
	expect_msg("user: empty");
	expect_einval(loadf(GW "[service a]\ndns = a.org\naddress = 10.0.0.2\nuser = %s\n",
			    fill(v, 'u', CTL_USER_MAX)));
	expect_msg("user: too long");
	expect_ok(loadf(GW "[service a]\ndns = a.org\naddress = 10.0.0.2\nuser = %s\n",
			fill(v, 'u', CTL_USER_MAX - 1)));
}

Test(validate, process_limit_out_of_range)
{
	expect_einval(load(GW "[service a]\ndns = a.org\naddress = 10.0.0.2\ncpu_weight = 0\n"));
	expect_msg("cpu_weight: 0 is out of range 1..10000");
}

Test(validate, process_recover_default_is_kill)
{
	load_valid(GW "[service a]\ndns = a.org\naddress = 10.0.0.2\n");
	cr_assert_eq(R.cfg->gw.process_recover, CTL_PROC_KILL);
	cr_assert_eq(R.cfg->gw.memory_max, 1024);
}

/* ---- the uplink's next hops, tags and the held-packet budget ---------- */

TestSuite(uplink, .init = setup, .fini = teardown);

Test(uplink, subnet_route_vlan_budget_and_their_defaults)
{
	load_valid("[gateway]\naddress = 10.0.0.1\n");
	cr_assert_eq(R.cfg->gw.uplink_net, 0);
	cr_assert_eq(R.cfg->gw.uplink_mask, 0, "every address is on the link");
	cr_assert_eq(R.cfg->gw.gateway_route, 0);
	cr_assert_eq(R.cfg->gw.uplink_vlan, 0, "untagged only");
	cr_assert_eq(R.cfg->gw.max_held, 4096);
	cr_assert_eq(R.cfg->gw.neigh_entries, 4096);
	load_valid("[gateway]\naddress = 10.77.0.1\nuplink_subnet = 10.77.0.0/24\n"
		   "gateway_route = 10.77.0.254\nuplink_vlan = 4094\nmax_held = 64\n"
		   "neigh_entries = 16\n");
	cr_assert_eq(R.cfg->gw.uplink_net, htonl(0x0a4d0000));
	cr_assert_eq(R.cfg->gw.uplink_mask, htonl(0xffffff00));
	cr_assert_eq(R.cfg->gw.gateway_route, htonl(0x0a4d00fe));
	cr_assert_eq(R.cfg->gw.uplink_vlan, 4094);
	cr_assert_eq(R.cfg->gw.max_held, 64);
	cr_assert_eq(R.cfg->gw.neigh_entries, 16);
}

Test(uplink, bad_subnets_routes_vlans_and_budgets)
{
	static const char *const bad[][2] = {
		{ "uplink_subnet = 10.77.0.1/24", "host bits" },
		{ "uplink_subnet = 10.77.0.0/33", "len 0..32" },
		{ "uplink_subnet = 10.77.0.0", "a.b.c.d/len" },
		{ "uplink_subnet = 10.77.0.0/", "len 0..32" },
		{ "uplink_subnet = 10.77.0.0/2x", "len 0..32" },
		{ "uplink_subnet = 10.77.0.0/24\ngateway_route = 10.78.0.1", "not on uplink_subnet" },
		{ "uplink_subnet = 10.0.0.0/8\ngateway_route = 10.0.0.1", "the gateway's own address" },
		{ "gateway_route = 10.0.0.9", "would never be used: set uplink_subnet" },
		{ "uplink_subnet = 10.77.0.0/24", "the gateway's address 10.0.0.1 is not on it" },
		{ "gateway_route = 255.255.255.255", "not a unicast address" },
		{ "uplink_vlan = 4095", "out of range" },
		{ "max_held = 63", "out of range" },
		{ "neigh_entries = 8", "out of range" },
	};
	for (unsigned int i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char text[256];
		snprintf(text, sizeof(text), "[gateway]\naddress = 10.0.0.1\n%s\n", bad[i][0]);
		int rc = load(text);
		if (rc == 0)
			rc = validate();
		expect_einval(rc);
		expect_msg(bad[i][1]);
	}
}

/* ---- the DNS server: [zone NAME], forwarding, RRL, TCP ------------------ */

Test(load, zone_sections_give_the_zones_records)
{
	load_valid(GW "zones = example.org, example.net\nrrl_rate = 50\nrrl_slip = 3\n"
		   "rrl_prefix = 16\ndns_tcp_idle = 5000\n"
		   "[zone Example.ORG.]\nns = a.example.org, b.elsewhere.net\n"
		   "mname = a.example.org\nrname = admin@example.org\nrefresh = 7200\n"
		   "retry = 60\nexpire = 100000\nminimum = 30\n");
	cr_assert_eq(R.cfg->n_zone_cfg, 1);
	const struct ctl_zone_config *z = &R.cfg->zone_cfg[0];
	cr_assert_str_eq(z->name, "example.org");
	cr_assert_eq(z->ns.n, 2);
	cr_assert_eq(z->refresh, 7200);
	cr_assert_eq(z->minimum, 30);
	cr_assert_eq(R.cfg->gw.rrl_rate, 50);
	cr_assert_eq(R.cfg->gw.rrl_slip, 3);
	cr_assert_eq(R.cfg->gw.rrl_prefix, 16);
	cr_assert_eq(R.cfg->gw.dns_tcp_idle, 5000);

	struct dp_svctab *t = ctl_config_svctab(R.cfg, NULL, 0);
	cr_assert_not_null(t);
	const struct dp_zone_rec *zr = dp_svctab_zone(t, 0);
	cr_assert_eq(zr->n_ns, 2);
	cr_assert_eq(zr->ns_sfx[0], 1, "in the zone: compressed");
	cr_assert_eq(zr->ns_sfx[1], 0, "elsewhere: whole");
	cr_assert_eq(zr->glue, R.cfg->gw.address);
	cr_assert_eq(zr->rname_len, 6);
	cr_assert_eq(memcmp(zr->rname, "\005admin", 6), 0);
	cr_assert_eq(zr->refresh, 7200);
	zr = dp_svctab_zone(t, 1);
	cr_assert_eq(zr->refresh, 3600, "no section: the defaults");
	cr_assert_eq(zr->n_ns, 1);
	dp_svctab_free(t);
}

Test(load, bad_zone_sections_are_refused)
{
	load_invalid(GW "zones = example.org\n[zone example.com]\nrefresh = 10\n");
	expect_msg("[zone example.com]", "not one of [gateway] zones");
	load_invalid(GW "zones = example.org\n[zone example.org]\nrname = a.b@example.org\n");
	expect_msg("rname", "not a mailbox");
	load_invalid(GW "zones = example.org\n[zone example.org]\nmname = bad..name\n");
	expect_msg("mname", "not a DNS name");
	expect_einval(load(GW "zones = example.org\n[zone example.org]\n"
			   "ns = a.org, b.org, c.org, d.org, e.org\n"));
	expect_msg("ns", "more than 4 names");
	expect_einval(load(GW "zones = example.org\n[zone example.org]\nserial = 3\n"));
	expect_msg("serial", "unknown key");
	expect_einval(load(GW "[zone bad_name!]\n"));
	expect_msg("not a DNS name");
}

Test(load, forwarding_needs_an_exception_port_and_a_resolver)
{
	load_invalid(GW "dns_forward = on\n");
	expect_msg("dns_forward", "no [ports] exception");
	expect_msg("dns_forward_address", "missing");
	R.ports.max = 2;
	load_valid(GW "dns_forward = on\ndns_forward_address = 10.99.0.53\n"
		   "dns_forward_timeout = 500\ndns_forward_table = 64\n[ports]\nexception = 2\n");
	cr_assert_eq(R.cfg->gw.dns_forward, 1);
	cr_assert_eq(R.cfg->gw.dns_forward_table, 64);
	load_invalid(GW "dns_forward = on\ndns_forward_address = 10.0.0.1\n[ports]\nexception = 2\n");
	expect_msg("dns_forward_address", "gateway's own");
}
