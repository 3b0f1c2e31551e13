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
