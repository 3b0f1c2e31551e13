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
#include "backend/list.h"

#define CTL_MAX_ZONES 16
#define CTL_MAX_SVC_NAMES 8
#define CTL_NAME_MAX 32      /**< service name, NUL included */
#define CTL_STR_MAX 256      /**< longest value rte_cfgfile keeps */
#define CTL_USER_MAX 64      /**< a user = USER[:GROUP] value, NUL included */
#define CTL_DYNAMIC_USER_BASE 0x40000000u /**< user = dynamic: far from real users */
#define CTL_DYNAMIC_USER_MAX 0xc0000000u  /**< highest base: ids below 2^30 fit */
#define CTL_MAX_ERRORS 16
#define CTL_UNSET UINT32_MAX /**< a number that was not given */
#define CTL_PORT_NONE UINT16_MAX

/* CTL_BACKEND_PROCESS, CTL_BACKEND_LIBXL, ...: control/backend/list.h */
enum ctl_backend {
#define CTL_BACKEND_ENUM(kind, name, ops) CTL_BACKEND_##kind,
	CTL_BACKEND_LIST(CTL_BACKEND_ENUM)
#undef CTL_BACKEND_ENUM
	CTL_BACKEND__COUNT
};
enum ctl_ready { CTL_READY_START, CTL_READY_TCP, CTL_READY_NOTIFY, CTL_READY_XENSTORE,
		 CTL_READY_VIF };
enum ctl_stop { CTL_STOP_DESTROY, CTL_STOP_SHUTDOWN, CTL_STOP_SUSPEND, CTL_STOP_PAUSE };
enum ctl_xen_recover { CTL_XEN_ADOPT, CTL_XEN_DESTROY };
enum ctl_process_recover { CTL_PROC_ADOPT, CTL_PROC_KILL };
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
	uint32_t process_recover;  /**< enum ctl_process_recover: processes of an earlier run */
	uint32_t memory_max;       /**< MiB, 0: none; services' default (cgroup memory.max) */
	uint32_t pids_max;         /**< 0: none; services' default (cgroup pids.max) */
	uint32_t cpu_weight;       /**< 1..10000; services' default (cgroup cpu.weight) */
	uint32_t cpu_max;          /**< % of one CPU, 0: none; services' default (cpu.max) */
	uint32_t prepared_pool;    /**< process shells (namespace + veth) kept ready */
	char user[CTL_USER_MAX];   /**< process services run as USER[:GROUP]; "": root;
				       "dynamic": a uid and gid of their own */
	uint32_t dynamic_user_base; /**< user = dynamic: uid = gid = this + service id */
	uint32_t max_held;         /**< packets synjitsu holds in all (every worker's share) */
	uint32_t neigh_entries;    /**< the uplink's neighbour table */
	uint32_t uplink_net;       /**< uplink_subnet: network order; with the mask: */
	uint32_t uplink_mask;      /**< 0/0 (the default): every address is on the link */
	uint32_t gateway_route;    /**< the router for what is off the subnet; 0: none */
	uint32_t uplink_vlan;      /**< 802.1Q id accepted on the uplink; 0: untagged only */
	uint32_t dns_forward;      /**< 1: foreign names go to the resolver (exception port) */
	uint32_t dns_forward_address; /**< the resolver, network order; 0 until given */
	uint32_t dns_forward_table;   /**< forwarded queries in flight, per worker */
	uint32_t dns_forward_timeout; /**< ms before a forwarded query is given up */
	uint32_t rrl_rate;         /**< answers per second per source prefix; 0: no RRL */
	uint32_t rrl_slip;         /**< every Nth answer over the rate is sent TC=1; 0: none */
	uint32_t rrl_prefix;       /**< length of the source prefixes RRL counts by */
	uint32_t rrl_table;        /**< prefixes tracked per worker */
	uint32_t dns_tcp_idle;     /**< ms a DNS-over-TCP connection may stay idle */
	uint32_t dns_tcp_conns;    /**< DNS-over-TCP connections per worker (0: no TCP) */
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

/** A zone's own records ([zone NAME]); unset fields take the defaults. */
struct ctl_zone_config {
	char name[DP_DNS_NAME_MAX + 1];
	char origin[CTL_STR_MAX + CFG_NAME_LEN + 16];
	struct ctl_names ns;       /**< name servers; none: ns.ZONE */
	char mname[CTL_STR_MAX];   /**< "": the first name server */
	char rname[CTL_STR_MAX];   /**< "": hostmaster.ZONE */
	uint32_t refresh, retry, expire, minimum;
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
	uint32_t memory_max;    /**< process limits, as the gateway's keys; the */
	uint32_t pids_max;      /**< gateway's when not given (CTL_UNSET until */
	uint32_t cpu_weight;    /**< validated) */
	uint32_t cpu_max;
	uint32_t limits_given;  /**< CTL_LIMIT_* bits: given here, so enforced or refused */
	char user[CTL_USER_MAX]; /**< USER[:GROUP] it runs as; the gateway's when not given */
	uint32_t synjitsu;      /**< enum syn_mode; the gateway's when CTL_UNSET */
	uint32_t proxy_always;  /**< the gateway's when CTL_UNSET */
	uint32_t tcp_mss;       /**< what the service's stack offers: the cookie */
	uint32_t tcp_wscale;    /**< SYN-ACK promises it (proxy mode); wscale */
	uint32_t tcp_sack;      /**< CTL_TCP_NO_WSCALE: none */
	uint32_t tcp_timestamps;
	uint32_t tcp_window;
};

/** Limits a process service gave itself (struct ctl_service_config.limits_given). */
enum { CTL_LIMIT_CPU = 1u << 0, CTL_LIMIT_MEMORY = 1u << 1, CTL_LIMIT_PIDS = 1u << 2,
       CTL_LIMIT_USER = 1u << 3, /**< user given here (any backend: libxl refuses it) */
       CTL_LIMIT_RESOLVED = 1u << 7 /**< defaults filled in */ };

#define CTL_TCP_NO_WSCALE 15

/** A whole configuration: plain data, no running state. */
struct ctl_config {
	char source[CTL_STR_MAX];  /**< file it came from, or "" */
	struct ctl_gateway_config gw;
	struct ctl_ports_config ports;
	uint32_t n_services;
	uint32_t cap_services;
	struct ctl_service_config *services;
	uint32_t n_zone_cfg;
	struct ctl_zone_config zone_cfg[CTL_MAX_ZONES];
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
