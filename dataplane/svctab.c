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
	struct dp_svctab_entry e;
};

struct dp_svctab {
	uint32_t ip_mask;
	uint32_t name_mask;
	uint32_t n_services, max_services;
	uint32_t n_names, max_names;
	uint32_t n_zones, max_zones;
	uint32_t n_derived, max_derived;
	uint32_t *addr;               /* by service id */
	struct dp_ip_slot *ip_slots;
	struct dp_name_slot *name_slots;
	struct dp_name *names;        /* services' names, then the derived ones */
	struct dp_zone_rec *zones;
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
	uint64_t derived = prm->max_derived;
	if (derived > (1u << 24)) {
		errno = EINVAL;
		return NULL;
	}
	struct dp_svctab *t = calloc(1, sizeof(*t));
	if (t == NULL)
		return NULL;
	uint32_t ips = dp_pow2_slots(prm->max_services);
	uint32_t nms = dp_pow2_slots(prm->max_names + (uint32_t)derived);

	t->max_services = prm->max_services;
	t->max_names = prm->max_names;
	t->max_zones = prm->max_zones;
	t->max_derived = (uint32_t)derived;
	t->ip_mask = ips - 1;
	t->name_mask = nms - 1;
	t->addr = calloc(prm->max_services + 1, sizeof(*t->addr));
	t->ip_slots = malloc(ips * sizeof(*t->ip_slots));
	t->name_slots = malloc(nms * sizeof(*t->name_slots));
	t->names = calloc(prm->max_names + derived + 1, sizeof(*t->names));
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
	n->e = (struct dp_svctab_entry){ .svc = (int32_t)id, .zone = DP_ZONE_UNKNOWN,
					 .apex = 0, .kind = DP_NAME_SVC };
	t->name_slots[i].hash = h;
	t->name_slots[i].name = (int32_t)t->n_names++;
	return 0;
}

/* @name ends with @zone at a label boundary. */
static int
dp_wire_under(const uint8_t *name, size_t len, const uint8_t *zone, size_t zl)
{
	size_t off = 0;

	if (zl > len)
		return 0;
	while (len - off > zl)
		off += 1u + name[off];
	return len - off == zl && memcmp(name + off, zone, zl) == 0;
}

/* A name as the responder writes it in a record of zone @z: the labels in
 * front of the zone's name and a pointer to it (sfx 1), or whole (sfx 0). */
static void
dp_zone_name(const struct dp_zone_rec *z, const uint8_t *name, size_t len, uint8_t *out,
	     uint8_t *out_len, uint8_t *sfx)
{
	if (dp_wire_under(name, len, z->wire, z->len)) {
		*out_len = (uint8_t)(len - z->len);
		*sfx = 1;
	} else {
		*out_len = (uint8_t)len;
		*sfx = 0;
	}
	memcpy(out, name, *out_len);
}

int
dp_svctab_add_zone_conf(struct dp_svctab *t, const uint8_t *zone, size_t len,
			const struct dp_zone_conf *zc)
{
	static const uint8_t hostmaster[] = "\012hostmaster";
	static const uint8_t ns[] = "\002ns";

	if (!dp_wire_ok(zone, len))
		return -EINVAL;
	if (zc != NULL) {
		if (zc->n_ns > DP_ZONE_NS_MAX ||
		    (zc->mname != NULL && !dp_wire_ok(zc->mname, zc->mname_len)) ||
		    (zc->rname != NULL && !dp_wire_ok(zc->rname, zc->rname_len)))
			return -EINVAL;
		for (uint32_t i = 0; i < zc->n_ns; i++)
			if (!dp_wire_ok(zc->ns[i], zc->ns_len[i]))
				return -EINVAL;
	}
	for (uint32_t i = 0; i < t->n_zones; i++)
		if (t->zones[i].len == len && memcmp(t->zones[i].wire, zone, len) == 0)
			return -EEXIST;
	if (t->n_zones == t->max_zones)
		return -ENOSPC;
	struct dp_zone_rec *z = &t->zones[t->n_zones];
	memset(z, 0, sizeof(*z));
	z->len = (uint8_t)len;
	memcpy(z->wire, zone, len);
	z->refresh = zc ? zc->refresh : 3600;
	z->retry = zc ? zc->retry : 600;
	z->expire = zc ? zc->expire : 86400;
	z->minimum = zc ? zc->minimum : 0;
	z->glue = zc ? zc->glue : 0;
	if (zc != NULL && zc->n_ns > 0) {
		z->n_ns = (uint8_t)zc->n_ns;
		for (uint32_t i = 0; i < zc->n_ns; i++)
			dp_zone_name(z, zc->ns[i], zc->ns_len[i], z->ns[i], &z->ns_len[i],
				     &z->ns_sfx[i]);
	} else if (len + 3 <= DP_DNS_NAME_MAX) {
		/* ns.ZONE: the prefix alone, the zone by pointer */
		z->n_ns = 1;
		memcpy(z->ns[0], ns, 3);
		z->ns_len[0] = 3;
		z->ns_sfx[0] = 1;
	}
	for (uint32_t i = 0; i < z->n_ns; i++)
		z->ns_in_zone[i] = z->ns_sfx[i] && z->glue != 0;
	if (zc != NULL && zc->mname != NULL) {
		dp_zone_name(z, zc->mname, zc->mname_len, z->mname, &z->mname_len, &z->mname_sfx);
	} else if (z->n_ns == 0) { /* no room for ns.ZONE: the zone itself */
		z->mname_len = 0;
		z->mname_sfx = 1;
	} else {
		memcpy(z->mname, z->ns[0], z->ns_len[0]);
		z->mname_len = z->ns_len[0];
		z->mname_sfx = z->ns_sfx[0];
	}
	if (zc != NULL && zc->rname != NULL) {
		dp_zone_name(z, zc->rname, zc->rname_len, z->rname, &z->rname_len, &z->rname_sfx);
	} else if (len + 11 <= DP_DNS_NAME_MAX) {
		memcpy(z->rname, hostmaster, 11);
		z->rname_len = 11;
		z->rname_sfx = 1;
	} else { /* hostmaster.ZONE would be too long: the zone itself */
		z->rname_len = 0;
		z->rname_sfx = 1;
	}
	t->n_zones++;
	return 0;
}

int
dp_svctab_add_zone(struct dp_svctab *t, const uint8_t *zone, size_t len)
{
	return dp_svctab_add_zone_conf(t, zone, len, NULL);
}

const struct dp_zone_rec *
dp_svctab_zone(const struct dp_svctab *t, unsigned int z)
{
	return z < t->n_zones ? &t->zones[z] : NULL;
}

static struct dp_name *
dp_name_find(const struct dp_svctab *t, const uint8_t *name, size_t len, uint32_t h)
{
	uint32_t i = h & t->name_mask;

	for (;;) {
		const struct dp_name_slot *s = &t->name_slots[i];
		if (s->name < 0)
			return NULL;
		if (s->hash == h) {
			struct dp_name *n = &t->names[s->name];
			if (n->len == len && memcmp(n->wire, name, len) == 0)
				return n;
		}
		i = (i + 1) & t->name_mask;
	}
}

/* Room for more derived names (control plane, at build time): the names
 * array and the slots grow, the slots are filled again. */
static int
dp_svctab_grow(struct dp_svctab *t)
{
	uint32_t more = t->max_derived < 16 ? 16 : t->max_derived;

	if (t->max_derived + more > (1u << 24))
		return -ENOSPC;
	uint32_t total = t->max_names + t->max_derived + more;
	struct dp_name *names = realloc(t->names, (size_t)(total + 1) * sizeof(*names));
	if (names == NULL)
		return -ENOMEM;
	t->names = names;
	uint32_t nms = dp_pow2_slots(total);
	if (nms - 1 != t->name_mask) {
		struct dp_name_slot *slots = malloc(nms * sizeof(*slots));
		if (slots == NULL)
			return -ENOMEM;
		for (uint32_t i = 0; i < nms; i++)
			slots[i] = (struct dp_name_slot){ .hash = 0, .name = -1 };
		for (uint32_t k = 0; k <= t->name_mask; k++) {
			if (t->name_slots[k].name < 0)
				continue;
			uint32_t i = t->name_slots[k].hash & (nms - 1);
			while (slots[i].name >= 0)
				i = (i + 1) & (nms - 1);
			slots[i] = t->name_slots[k];
		}
		free(t->name_slots);
		t->name_slots = slots;
		t->name_mask = nms - 1;
	}
	t->max_derived += more;
	return 0;
}

/* The entry of a derived name, made when it is not there yet. The names
 * array may move: pointers into it do not survive a call. */
static struct dp_name *
dp_name_derive(struct dp_svctab *t, const uint8_t *suffix, size_t len)
{
	/* a suffix starts anywhere: the CRC reads 8 bytes at a time, aligned */
	uint64_t aligned[(DP_DNS_NAME_MAX + 7) / 8];
	const uint8_t *name = (const uint8_t *)aligned;

	memcpy(aligned, suffix, len);
	uint32_t h = dp_name_hash(name, len);
	struct dp_name *n = dp_name_find(t, name, len, h);

	if (n != NULL)
		return n;
	if (t->n_derived == t->max_derived && dp_svctab_grow(t) < 0)
		return NULL;
	uint32_t i = h & t->name_mask;
	while (t->name_slots[i].name >= 0)
		i = (i + 1) & t->name_mask;
	uint32_t idx = t->max_names + t->n_derived++;
	n = &t->names[idx];
	n->len = (uint8_t)len;
	memcpy(n->wire, name, len);
	n->e = (struct dp_svctab_entry){ .svc = DP_SVC_NONE, .zone = DP_ZONE_UNKNOWN,
					 .apex = 0, .kind = DP_NAME_ENT };
	t->name_slots[i].hash = h;
	t->name_slots[i].name = (int32_t)idx;
	return n;
}

/* Label offsets of a wire name (checked when it was added). */
static unsigned int
dp_labels(const uint8_t *name, size_t len, uint8_t *labels)
{
	unsigned int n = 0;

	for (size_t off = 0; off + 1 < len; off += 1u + name[off])
		labels[n++] = (uint8_t)off;
	return n;
}

/* Mark the ancestors of @name (not in the names array) strictly below its
 * zone @zi (starting at @zoff) as empty non-terminals where they are nothing
 * else. */
static int
dp_derive_ents(struct dp_svctab *t, const uint8_t *name, size_t len, const uint8_t *labels,
	       unsigned int n_labels, int zi, int zoff)
{
	for (unsigned int l = 1; l < n_labels && labels[l] < zoff; l++) {
		struct dp_name *a = dp_name_derive(t, name + labels[l], len - labels[l]);
		if (a == NULL)
			return -ENOSPC;
		a->e.zone = (int16_t)zi;
	}
	return 0;
}

int
dp_svctab_finish(struct dp_svctab *t)
{
	uint8_t labels[DP_DNS_NAME_MAX / 2 + 1];
	uint8_t w[2 * DP_DNS_NAME_MAX];
	int zi;

	/* zones first: an apex is an apex even if a service has the name */
	for (uint32_t z = 0; z < t->n_zones; z++) {
		struct dp_name *a = dp_name_derive(t, t->zones[z].wire, t->zones[z].len);
		if (a == NULL)
			return -ENOSPC;
		a->e.apex = 1;
		a->e.zone = (int16_t)z;
		if (a->e.kind == DP_NAME_ENT) /* made just now */
			a->e.kind = DP_NAME_SVC;
	}
	for (uint32_t i = 0; i < t->n_names; i++) {
		struct dp_name *n = &t->names[i];
		size_t len = n->len;
		if (n->e.apex)
			continue;
		memcpy(w, n->wire, len); /* the array may move under the derivation */
		unsigned int nl = dp_labels(w, len, labels);
		int zoff = dp_svctab_zone_find(t, w, len, labels, nl, &zi);
		n->e.zone = (int16_t)(zoff < 0 ? -1 : zi);
		if (zoff > 0 && dp_derive_ents(t, w, len, labels, nl, zi, zoff) < 0)
			return -ENOSPC;
	}
	for (uint32_t z = 0; z < t->n_zones; z++) {
		const struct dp_zone_rec *zr = &t->zones[z];
		for (unsigned int k = 0; k < zr->n_ns; k++) {
			if (!zr->ns_in_zone[k])
				continue;
			size_t len = zr->ns_len[k] + zr->len;
			if (len > DP_DNS_NAME_MAX)
				continue;
			memcpy(w, zr->ns[k], zr->ns_len[k]);
			memcpy(w + zr->ns_len[k], zr->wire, zr->len);
			/* the longest zone of the NS name may be a deeper one */
			unsigned int nl = dp_labels(w, len, labels);
			int zoff = dp_svctab_zone_find(t, w, len, labels, nl, &zi);
			if (zoff <= 0 || (uint32_t)zi != z)
				continue;
			struct dp_name *h = dp_name_derive(t, w, len);
			if (h == NULL)
				return -ENOSPC;
			if (h->e.svc == DP_SVC_NONE) /* a service's A wins */
				h->e.kind = DP_NAME_HOST;
			h->e.zone = (int16_t)z;
			if (dp_derive_ents(t, w, len, labels, nl, zi, zoff) < 0)
				return -ENOSPC;
		}
	}
	/* names under no zone whose zone could not be told before */
	for (uint32_t i = 0; i < t->n_derived; i++) {
		struct dp_name *n = &t->names[t->max_names + i];
		if (n->e.zone == DP_ZONE_UNKNOWN)
			n->e.zone = -1;
	}
	return 0;
}

const struct dp_svctab_entry *
dp_svctab_lookup(const struct dp_svctab *t, const uint8_t *name, size_t len)
{
	/* dp_name_find()'s loop, here: a call less on every query */
	uint32_t h = dp_name_hash(name, len);
	uint32_t i = h & t->name_mask;

	for (;;) {
		const struct dp_name_slot *s = &t->name_slots[i];
		if (s->name < 0)
			return NULL;
		if (s->hash == h) {
			const struct dp_name *n = &t->names[s->name];
			if (n->len == len && memcmp(n->wire, name, len) == 0)
				return &n->e;
		}
		i = (i + 1) & t->name_mask;
	}
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
	const struct dp_svctab_entry *e = dp_svctab_lookup(t, name, len);

	return e != NULL ? e->svc : DP_SVC_NONE;
}

int
dp_svctab_zone_of(const struct dp_svctab *t, const uint8_t *name, size_t len,
		  const uint8_t *labels, unsigned int n_labels)
{
	int zi;

	return dp_svctab_zone_find(t, name, len, labels, n_labels, &zi);
}

int
dp_svctab_zone_find(const struct dp_svctab *t, const uint8_t *name, size_t len,
		    const uint8_t *labels, unsigned int n_labels, int *zi)
{
	int best = -1;
	size_t best_len = 0;

	*zi = -1;
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
			*zi = (int)z;
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
