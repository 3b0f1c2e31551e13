/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * The service lookup table the fast path reads: services by IPv4 address and
 * by DNS name (lower-case wire format), and the zones the gateway answers
 * for. Built whole by the control plane, immutable once published; a new
 * configuration builds a new table (RCU-style swap), never edits one in place.
 */
#ifndef JITSU_DP_SVCTAB_H
#define JITSU_DP_SVCTAB_H

#include <stddef.h>
#include <stdint.h>

#define DP_DNS_NAME_MAX 255 /**< wire length, root label included */
#define DP_SVC_NONE (-1)

struct dp_svctab;

/** Capacities of a table; lookups stay O(1) whatever the counts. */
struct dp_svctab_params {
	uint32_t max_services;
	uint32_t max_names;
	uint32_t max_zones;
	/** Room made at first for the names dp_svctab_finish() derives (zone
	 *  apexes, name servers' names, empty non-terminals); it grows there,
	 *  at build time, to what the names need (at most 2^24). */
	uint32_t max_derived;
};

#define DP_ZONE_NS_MAX 4 /**< NS records per zone */

/** A zone's own records (SOA, NS). Names are lower-case wire format. */
struct dp_zone_conf {
	const uint8_t *mname;  /**< NULL: the first NS name */
	uint8_t mname_len;
	const uint8_t *rname;  /**< NULL: hostmaster.ZONE */
	uint8_t rname_len;
	uint32_t refresh, retry, expire;
	uint32_t minimum;      /**< negative-caching TTL; the answers' TTL when 0 */
	uint32_t glue;         /**< address of the in-zone NS names (the gateway's), network order */
	uint32_t n_ns;         /**< 0: one, ns.ZONE */
	const uint8_t *ns[DP_ZONE_NS_MAX];
	uint8_t ns_len[DP_ZONE_NS_MAX];
};

/** A name of the table with what the fast path answers for it. */
struct dp_svctab_entry {
	int32_t svc;      /**< service, or DP_SVC_NONE */
	int16_t zone;     /**< the longest zone the name is in, -1: none */
	uint8_t apex;     /**< the name is @zone's apex */
	uint8_t kind;     /**< DP_NAME_* */
};

#define DP_ZONE_UNKNOWN (-2) /**< dp_svctab_finish() not called: ask dp_svctab_zone_of() */
#define DP_NAME_SVC 0  /**< a service's name (or only an apex) */
#define DP_NAME_ENT 1  /**< an empty non-terminal: a service name is below it */
#define DP_NAME_HOST 2 /**< a name server of its zone: A is the zone's glue */

/** A zone's records as the responder writes them. */
struct dp_zone_rec {
	uint8_t len;                  /**< of the zone's name */
	uint8_t wire[DP_DNS_NAME_MAX];
	uint32_t refresh, retry, expire, minimum;
	uint32_t glue;                /**< network order */
	uint8_t n_ns;
	/* names as written after the owner: a prefix of labels, then either
	 * the root (sfx 0) or a pointer to the zone's name (sfx 1) */
	uint8_t mname_len, rname_len;
	uint8_t mname_sfx, rname_sfx;
	uint8_t mname[DP_DNS_NAME_MAX], rname[DP_DNS_NAME_MAX];
	uint8_t ns_len[DP_ZONE_NS_MAX], ns_sfx[DP_ZONE_NS_MAX];
	uint8_t ns_in_zone[DP_ZONE_NS_MAX]; /**< glue is sent for it */
	uint8_t ns[DP_ZONE_NS_MAX][DP_DNS_NAME_MAX];
};

/** Create an empty table; NULL with rte_errno/errno set on failure. */
struct dp_svctab *dp_svctab_create(const struct dp_svctab_params *prm);

/** Free a table (NULL is fine). */
void dp_svctab_free(struct dp_svctab *t);

/**
 * Add service @p id (below max_services; ids stay the same across reloads,
 * so they may have holes) with address @p ip (network order, not 0).
 * @return 0, -EEXIST for a duplicate address or id, -ENOSPC for an id past
 *         the capacity, -EINVAL for address 0.
 */
int dp_svctab_add_service(struct dp_svctab *t, uint32_t id, uint32_t ip);

/**
 * Map a lower-case wire-format @p name to service @p id.
 * @return 0, -EEXIST for a duplicate name, -ENOSPC, -EINVAL.
 */
int dp_svctab_add_name(struct dp_svctab *t, uint32_t id, const uint8_t *name,
		       size_t len);

/** Add a zone (lower-case wire format). @return 0, -EEXIST, -ENOSPC, -EINVAL. */
int dp_svctab_add_zone(struct dp_svctab *t, const uint8_t *zone, size_t len);

/**
 * Add a zone with its own records (@p zc NULL: the defaults: NS ns.ZONE,
 * MNAME the first NS, RNAME hostmaster.ZONE, 3600/600/86400, minimum 0).
 * @return 0, -EEXIST, -ENOSPC, -EINVAL (a bad name in @p zc).
 */
int dp_svctab_add_zone_conf(struct dp_svctab *t, const uint8_t *zone, size_t len,
			    const struct dp_zone_conf *zc);

/**
 * Derive, once every service, name and zone is in, the names answered
 * without a service: each zone's apex, its in-zone name servers, and every
 * empty non-terminal (a name under a zone with a service name below it), and
 * the zone of every name: a query then costs one lookup whatever it asks.
 * @return 0, or -ENOMEM / -ENOSPC (past 2^24 derived names).
 */
int dp_svctab_finish(struct dp_svctab *t);

/** The entry of a lower-case wire-format name, or NULL. */
const struct dp_svctab_entry *dp_svctab_lookup(const struct dp_svctab *t, const uint8_t *name,
					       size_t len);

/** Zone @p z's records (z from dp_svctab_zone_of() order), or NULL. */
const struct dp_zone_rec *dp_svctab_zone(const struct dp_svctab *t, unsigned int z);

/** dp_svctab_zone_of() that also gives the zone's index in @p zi. */
int dp_svctab_zone_find(const struct dp_svctab *t, const uint8_t *name, size_t len,
			const uint8_t *labels, unsigned int n_labels, int *zi);

/** Service id of an IPv4 address (network order), or DP_SVC_NONE. */
int dp_svctab_by_ip(const struct dp_svctab *t, uint32_t ip);

/** Service id of a lower-case wire-format name, or DP_SVC_NONE. */
int dp_svctab_by_name(const struct dp_svctab *t, const uint8_t *name, size_t len);

/**
 * The longest configured zone that @p name (lower-case wire format, label
 * start offsets in @p labels) is in or equal to.
 * @return the zone's offset in @p name, or -1 when it is under no zone.
 */
int dp_svctab_zone_of(const struct dp_svctab *t, const uint8_t *name, size_t len,
		      const uint8_t *labels, unsigned int n_labels);

/** Address of service @p id (network order). */
uint32_t dp_svctab_addr(const struct dp_svctab *t, uint32_t id);

/** Number of services. */
uint32_t dp_svctab_count(const struct dp_svctab *t);

/** Ids are below this. */
uint32_t dp_svctab_capacity(const struct dp_svctab *t);

/** Hash of a lower-case wire-format name (CRC32C). */
uint32_t dp_name_hash(const uint8_t *name, size_t len);

#endif
