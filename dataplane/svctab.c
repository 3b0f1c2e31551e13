/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_hash_crc.h>

#include "svctab.h"

/*
 * Open addressing with linear probing, at most half full, so a miss ends
 * after a probe or two. Slots hold the hash (names) or the address (IPs) and
 * an index; the names themselves sit in a separate array that is only
 * touched on a hash match.
 */
struct dp_ip_slot {
	uint32_t ip;  /* network order */
	int32_t svc;  /* DP_SVC_NONE when empty */
};

struct dp_name_slot {
	uint32_t hash;
	int32_t name; /* index into names[], -1 when empty */
};

struct dp_name {
	uint8_t len;
	uint8_t wire[DP_DNS_NAME_MAX];
	int32_t svc;
};

struct dp_zone {
	uint8_t len;
	uint8_t wire[DP_DNS_NAME_MAX];
};

struct dp_svctab {
	uint32_t ip_mask;
	uint32_t name_mask;
	uint32_t n_services, max_services;
	uint32_t n_names, max_names;
	uint32_t n_zones, max_zones;
	uint32_t *addr;               /* by service id */
	struct dp_ip_slot *ip_slots;
	struct dp_name_slot *name_slots;
	struct dp_name *names;
	struct dp_zone *zones;
};

uint32_t
dp_name_hash(const uint8_t *name, size_t len)
{
	/* CRC32C: 8 bytes a step with SSE4.2, where a byte-wise hash was the
	 * largest single cost of answering a query */
	return rte_hash_crc(name, (uint32_t)len, 0x6a697473);
}

static uint32_t
dp_ip_hash(uint32_t ip)
{
	/* Murmur3 finaliser: service addresses are often consecutive. */
	ip ^= ip >> 16;
	ip *= 0x85ebca6bu;
	ip ^= ip >> 13;
	ip *= 0xc2b2ae35u;
	return ip ^ (ip >> 16);
}

static uint32_t
dp_pow2_slots(uint32_t n)
{
	uint32_t s = 8;

	while (s < 2 * n)
		s <<= 1;
	return s;
}

struct dp_svctab *
dp_svctab_create(const struct dp_svctab_params *prm)
{
	if (prm->max_services > (1u << 24) || prm->max_names > (1u << 24) ||
	    prm->max_zones > 1024) {
		errno = EINVAL;
		return NULL;
	}
	struct dp_svctab *t = calloc(1, sizeof(*t));
	if (t == NULL)
		return NULL;
	uint32_t ips = dp_pow2_slots(prm->max_services);
	uint32_t nms = dp_pow2_slots(prm->max_names);

	t->max_services = prm->max_services;
	t->max_names = prm->max_names;
	t->max_zones = prm->max_zones;
	t->ip_mask = ips - 1;
	t->name_mask = nms - 1;
	t->addr = calloc(prm->max_services + 1, sizeof(*t->addr));
	t->ip_slots = malloc(ips * sizeof(*t->ip_slots));
	t->name_slots = malloc(nms * sizeof(*t->name_slots));
	t->names = calloc(prm->max_names + 1, sizeof(*t->names));
	t->zones = calloc(prm->max_zones + 1, sizeof(*t->zones));
	if (!t->addr || !t->ip_slots || !t->name_slots || !t->names || !t->zones) {
		dp_svctab_free(t);
		errno = ENOMEM;
		return NULL;
	}
	for (uint32_t i = 0; i < ips; i++)
		t->ip_slots[i] = (struct dp_ip_slot){ .ip = 0, .svc = DP_SVC_NONE };
	for (uint32_t i = 0; i < nms; i++)
		t->name_slots[i] = (struct dp_name_slot){ .hash = 0, .name = -1 };
	return t;
}

void
dp_svctab_free(struct dp_svctab *t)
{
	if (t == NULL)
		return;
	free(t->addr);
	free(t->ip_slots);
	free(t->name_slots);
	free(t->names);
	free(t->zones);
	free(t);
}

int
dp_svctab_add_service(struct dp_svctab *t, uint32_t id, uint32_t ip)
{
	if (id >= t->max_services)
		return -ENOSPC;
	if (t->addr[id] != 0)
		return -EEXIST;
	if (ip == 0)
		return -EINVAL;
	uint32_t i = dp_ip_hash(ip) & t->ip_mask;
	while (t->ip_slots[i].svc != DP_SVC_NONE) {
		if (t->ip_slots[i].ip == ip)
			return -EEXIST;
		i = (i + 1) & t->ip_mask;
	}
	t->ip_slots[i].ip = ip;
	t->ip_slots[i].svc = (int32_t)id;
	t->addr[id] = ip;
	t->n_services++;
	return 0;
}

static int
dp_wire_ok(const uint8_t *name, size_t len)
{
	size_t off = 0;

	if (len < 2 || len > DP_DNS_NAME_MAX)
		return 0; /* the root alone is not a name we serve */
	while (off < len && name[off] != 0) {
		if (name[off] > 63)
			return 0;
		off += 1u + name[off];
	}
	return off == len - 1;
}

int
dp_svctab_add_name(struct dp_svctab *t, uint32_t id, const uint8_t *name, size_t len)
{
	if (!dp_wire_ok(name, len) || id >= t->max_services || t->addr[id] == 0)
		return -EINVAL;
	if (dp_svctab_by_name(t, name, len) != DP_SVC_NONE)
		return -EEXIST;
	if (t->n_names == t->max_names)
		return -ENOSPC;
	uint32_t h = dp_name_hash(name, len);
	uint32_t i = h & t->name_mask;
	while (t->name_slots[i].name >= 0)
		i = (i + 1) & t->name_mask;
	struct dp_name *n = &t->names[t->n_names];
	n->len = (uint8_t)len;
	memcpy(n->wire, name, len);
	n->svc = (int32_t)id;
	t->name_slots[i].hash = h;
	t->name_slots[i].name = (int32_t)t->n_names++;
	return 0;
}

int
dp_svctab_add_zone(struct dp_svctab *t, const uint8_t *zone, size_t len)
{
	if (!dp_wire_ok(zone, len))
		return -EINVAL;
	for (uint32_t i = 0; i < t->n_zones; i++)
		if (t->zones[i].len == len && memcmp(t->zones[i].wire, zone, len) == 0)
			return -EEXIST;
	if (t->n_zones == t->max_zones)
		return -ENOSPC;
	t->zones[t->n_zones].len = (uint8_t)len;
	memcpy(t->zones[t->n_zones].wire, zone, len);
	t->n_zones++;
	return 0;
}

int
dp_svctab_by_ip(const struct dp_svctab *t, uint32_t ip)
{
	uint32_t i = dp_ip_hash(ip) & t->ip_mask;

	for (;;) {
		const struct dp_ip_slot *s = &t->ip_slots[i];
		if (s->svc == DP_SVC_NONE || s->ip == ip)
			return s->svc;
		i = (i + 1) & t->ip_mask;
	}
}

int
dp_svctab_by_name(const struct dp_svctab *t, const uint8_t *name, size_t len)
{
	uint32_t h = dp_name_hash(name, len);
	uint32_t i = h & t->name_mask;

	for (;;) {
		const struct dp_name_slot *s = &t->name_slots[i];
		if (s->name < 0)
			return DP_SVC_NONE;
		if (s->hash == h) {
			const struct dp_name *n = &t->names[s->name];
			if (n->len == len && memcmp(n->wire, name, len) == 0)
				return n->svc;
		}
		i = (i + 1) & t->name_mask;
	}
}

int
dp_svctab_zone_of(const struct dp_svctab *t, const uint8_t *name, size_t len,
		  const uint8_t *labels, unsigned int n_labels)
{
	int best = -1;
	size_t best_len = 0;

	for (uint32_t z = 0; z < t->n_zones; z++) {
		size_t zl = t->zones[z].len;
		if (zl > len || zl <= best_len)
			continue;
		size_t start = len - zl;
		unsigned int l = 0;
		while (l < n_labels && labels[l] < start)
			l++;
		if (l == n_labels || labels[l] != start)
			continue;
		if (memcmp(name + start, t->zones[z].wire, zl) == 0) {
			best = (int)start;
			best_len = zl;
		}
	}
	return best;
}

uint32_t
dp_svctab_addr(const struct dp_svctab *t, uint32_t id)
{
	return id < t->max_services ? t->addr[id] : 0;
}

uint32_t
dp_svctab_capacity(const struct dp_svctab *t)
{
	return t->max_services;
}

uint32_t
dp_svctab_count(const struct dp_svctab *t)
{
	return t->n_services;
}
