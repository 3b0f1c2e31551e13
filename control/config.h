/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * The gateway's configuration as plain data, parsed from an INI file
 * (rte_cfgfile) and from Jitsu's `--service key=value,...` form, then
 * validated whole. Nothing here touches running state: applying a validated
 * configuration is the control plane's job.
 */
#ifndef JITSU_CTL_CONFIG_H
#define JITSU_CTL_CONFIG_H

#include <net/if.h>
#include <stdint.h>

#include <rte_cfgfile.h>
#include <rte_ether.h>

#include "../dataplane/svctab.h"
#include "../synjitsu/synjitsu.h"

#define CTL_MAX_ZONES 16
#define CTL_MAX_SVC_NAMES 8
#define CTL_NAME_MAX 32      /**< service name, NUL included */
#define CTL_STR_MAX 256      /**< longest value rte_cfgfile keeps */
#define CTL_MAX_ERRORS 16
#define CTL_UNSET UINT32_MAX /**< a number that was not given */
#define CTL_PORT_NONE UINT16_MAX

enum ctl_backend { CTL_BACKEND_PROCESS, CTL_BACKEND_LIBXL };
enum ctl_ready { CTL_READY_START, CTL_READY_TCP, CTL_READY_NOTIFY, CTL_READY_XENSTORE,
		 CTL_READY_VIF };
enum ctl_stop { CTL_STOP_DESTROY, CTL_STOP_SHUTDOWN, CTL_STOP_SUSPEND, CTL_STOP_PAUSE };
enum ctl_xen_recover { CTL_XEN_ADOPT, CTL_XEN_DESTROY };
enum ctl_dns_reply { CTL_DNS_REPLY_IMMEDIATE, CTL_DNS_REPLY_READY, CTL_DNS_REPLY_UNSET };

/** A list of DNS names as written (text, no trailing dot). */
struct ctl_names {
	uint32_t n;
	char v[CTL_MAX_SVC_NAMES > CTL_MAX_ZONES ? CTL_MAX_SVC_NAMES : CTL_MAX_ZONES]
	      [DP_DNS_NAME_MAX + 1];
};

struct ctl_gateway_config {
	uint32_t address;       /**< network order; 0 until given */
	uint32_t dns_ttl;
	struct ctl_names zones;
	uint32_t idle_timeout;  /**< seconds; 2 x dns_ttl when not given */
	uint32_t synjitsu;      /**< enum syn_mode */
	uint32_t dns_reply;     /**< enum ctl_dns_reply */
	uint32_t max_pending;
	uint32_t max_concurrent_summons;
	char bridge[IF_NAMESIZE];
	struct rte_ether_addr mac; /**< uplink MAC to set; zero: keep the port's */
	char netns_prefix[CTL_NAME_MAX]; /**< services' namespaces are PREFIX-NAME */
	char veth_prefix[9];    /**< host ends of veths are PREFIX<id> */
	uint32_t ready_timeout; /**< ms from summon to READY before it is a failure */
	uint32_t failure_backoff; /**< ms before a failed service may be summoned again;
				       doubles with each failure in a row */
	uint32_t stop_grace;    /**< ms between SIGTERM and SIGKILL */
	uint32_t dns_park_timeout; /**< ms a query waits for READY (dns_reply = ready) */
	uint32_t pending_timeout;  /**< ms a held SYN (and what follows it) may wait */
	uint32_t summon_on_syn;    /**< 1: a SYN to a stopped service summons it */
	uint32_t measure_cycles;   /**< 1: count cycles per packet per path */
	char state_dir[CTL_STR_MAX]; /**< where suspended domains are saved */
	uint32_t xen_recover;      /**< enum ctl_xen_recover: domains of an earlier run */
	uint32_t summon_prefix_len;   /**< bits of a source prefix for its summon budget */
	uint32_t summon_prefix_rate;  /**< summons per minute per prefix; 0: no limit */
	uint32_t summon_prefix_burst;
	uint32_t summon_rate;         /**< summons per second in all; 0: no limit */
	uint32_t summon_burst;
	uint32_t summon_service_cap;  /**< summons per service per interval; 0: no limit */
	uint32_t summon_service_interval; /**< seconds */
	uint32_t proxy_always;        /**< 1: synjitsu = proxy also for READY services */
	uint32_t proxy_idle_timeout;  /**< seconds a proxied flow may be silent */
	uint32_t dns_summon;          /**< enum dp_dns_summon's order: budget, cookie, always */
};

struct ctl_ports_config {
	uint32_t uplink;
	uint32_t downlink;
	uint32_t exception; /**< CTL_PORT_NONE when absent */
};

struct ctl_service_config {
	char name[CTL_NAME_MAX];
	char origin[CTL_STR_MAX + CFG_NAME_LEN + 16]; /**< "FILE:LINE: [service www]" or
						      "--service #2", for messages */
	struct ctl_names dns;
	uint32_t address;       /**< network order */
	struct rte_ether_addr mac;
	uint32_t backend;       /**< enum ctl_backend */
	char exec[CTL_STR_MAX];
	char kernel[CTL_STR_MAX];
	char xl[CTL_STR_MAX];
	uint32_t memory;        /**< KiB */
	uint32_t ready;         /**< enum ctl_ready */
	uint32_t ready_port;    /**< for tcp:PORT */
	char ready_key[CTL_STR_MAX]; /**< for xenstore:KEY */
	uint32_t stop;          /**< enum ctl_stop */
	uint32_t idle_timeout;  /**< seconds; the gateway's when not given */
	uint32_t dns_reply;     /**< the gateway's when CTL_DNS_REPLY_UNSET */
	uint32_t synjitsu;      /**< enum syn_mode; the gateway's when CTL_UNSET */
	uint32_t proxy_always;  /**< the gateway's when CTL_UNSET */
	uint32_t tcp_mss;       /**< what the service's stack offers: the cookie */
	uint32_t tcp_wscale;    /**< SYN-ACK promises it (proxy mode); wscale */
	uint32_t tcp_sack;      /**< CTL_TCP_NO_WSCALE: none */
	uint32_t tcp_timestamps;
	uint32_t tcp_window;
};

#define CTL_TCP_NO_WSCALE 15

/** A whole configuration: plain data, no running state. */
struct ctl_config {
	char source[CTL_STR_MAX];  /**< file it came from, or "" */
	struct ctl_gateway_config gw;
	struct ctl_ports_config ports;
	uint32_t n_services;
	uint32_t cap_services;
	struct ctl_service_config *services;
};

/** Error messages collected while parsing and validating. */
struct ctl_errors {
	uint32_t n;
	uint32_t dropped; /**< errors past CTL_MAX_ERRORS */
	char msg[CTL_MAX_ERRORS][320];
};

/** A new configuration with every default set; NULL on ENOMEM. */
struct ctl_config *ctl_config_new(void);

/** Free a configuration (NULL is fine). */
void ctl_config_free(struct ctl_config *cfg);

/**
 * Read an INI file into @p cfg. Every problem is added to @p errs with the
 * file, line, section and key it concerns.
 * @return 0, or -EINVAL when there were errors.
 */
int ctl_config_load_file(struct ctl_config *cfg, const char *path, struct ctl_errors *errs);

/**
 * Add a service from Jitsu's command-line form
 * `dns=NAME,ip=ADDR[,name=N][,mac=M][,key=value...]` (keys as in a
 * [service] section, `ip` for `address`; `dns` may repeat).
 * @return 0, or -EINVAL with the reasons in @p errs.
 */
int ctl_config_add_service_spec(struct ctl_config *cfg, const char *spec,
				struct ctl_errors *errs);

/** Tells whether a port id exists (EAL's view), so tests need no EAL. */
typedef int (*ctl_port_check_t)(uint32_t port, void *arg);

/**
 * Check the configuration as a whole (required keys, duplicates across
 * services, ports that exist) and resolve defaults.
 * @return 0, or -EINVAL with every reason in @p errs.
 */
int ctl_config_validate(struct ctl_config *cfg, ctl_port_check_t port_ok, void *arg,
			struct ctl_errors *errs);

/**
 * Build the fast path's lookup table from a validated configuration, service
 * i under id @p ids[i] (below @p capacity), or under id i when @p ids is NULL.
 * @return the table, or NULL with errno set.
 */
struct dp_svctab *ctl_config_svctab(const struct ctl_config *cfg, const uint32_t *ids,
				   uint32_t capacity);

/** Whether two services are configured alike (their origins aside). */
int ctl_service_config_same(const struct ctl_service_config *a,
			    const struct ctl_service_config *b);

/** Add a formatted message to @p errs. */
void ctl_errors_add(struct ctl_errors *errs, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
