/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A worker's held packets: one pool of entries, a FIFO per service threaded
 * through it, and a table of the flows whose SYN is held (to spot
 * retransmitted SYNs and to place what follows a SYN behind it).
 *
 * The worker that holds a packet is the one that gives it back, so nothing
 * here is shared: no atomics but on the statistics, which telemetry reads.
 * Sizes are fixed at creation; the packet path allocates nothing.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_tcp.h>

#include "../dataplane/flowhash.h"
#include "synjitsu.h"

#define SYN_NIL UINT32_MAX

struct syn_entry {
	void *pkt;
	uint64_t t;
	uint32_t next;
	uint32_t svc;
	struct syn_key key;
	uint8_t is_syn;
	uint8_t dead;
};

struct syn_queue {
	uint32_t head, tail, count;
	uint32_t active; /* index in active[], SYN_NIL when empty */
	uint32_t prev, next; /* in by_count[count]: the services holding as many */
};

struct syn_flow {
	struct syn_key key;
	uint32_t svc;
	uint32_t used;
};

struct syn_table {
	struct syn_params prm;
	uint32_t held;
	uint32_t free_head;
	uint32_t n_flows;
	uint32_t flow_mask;
	uint32_t n_active;
	struct syn_entry *entries;
	struct syn_queue *queues;
	struct syn_flow *flows;
	uint32_t *active;
	uint32_t rr;          /* where the next syn_active_rr() starts */
	uint32_t max_count;   /* the most any service holds */
	uint32_t *by_count;   /* [0..max_pending]: a list of the services holding as many */
	uint32_t n_evicted;   /* given back by syn_evicted() */
	struct syn_out evicted[SYN_EVICT_MAX];
	uint64_t (*stats)[SYN_ST__COUNT];
};

static const char *const syn_stat_names[SYN_ST__COUNT] = {
#define SYN_STAT_NAME(name) #name,
	SYN_STATS(SYN_STAT_NAME)
#undef SYN_STAT_NAME
};

const char *
syn_stat_name(unsigned int st)
{
	return st < SYN_ST__COUNT ? syn_stat_names[st] : "?";
}

static inline void
syn_stat(struct syn_table *t, uint32_t svc, enum syn_stat st, uint64_t n)
{
	uint64_t *w = &t->stats[svc][st];

	__atomic_store_n(w, __atomic_load_n(w, __ATOMIC_RELAXED) + n, __ATOMIC_RELAXED);
}

struct syn_table *
syn_table_create(const struct syn_params *prm)
{
	if (prm->n_services == 0 || prm->max_pending == 0 || prm->max_pending >= SYN_NIL / 2 ||
	    prm->pool == 0 ||
	    prm->max_flows == 0 || prm->pool >= SYN_NIL / 2 || prm->max_flows > (1u << 24)) {
		errno = EINVAL;
		return NULL;
	}
	struct syn_table *t = calloc(1, sizeof(*t));
	if (t == NULL)
		return NULL;
	uint32_t slots = 16;
	while (slots < 2 * prm->max_flows)
		slots <<= 1;
	t->prm = *prm;
	t->flow_mask = slots - 1;
	t->entries = calloc(prm->pool, sizeof(*t->entries));
	t->queues = calloc(prm->n_services, sizeof(*t->queues));
	t->flows = calloc(slots, sizeof(*t->flows));
	t->active = calloc(prm->n_services, sizeof(*t->active));
	t->by_count = malloc(((size_t)prm->max_pending + 1) * sizeof(*t->by_count));
	t->stats = calloc(prm->n_services, sizeof(*t->stats));
	if (!t->entries || !t->queues || !t->flows || !t->active || !t->by_count || !t->stats) {
		syn_table_free(t);
		errno = ENOMEM;
		return NULL;
	}
	for (uint32_t i = 0; i < prm->pool; i++)
		t->entries[i].next = i + 1 < prm->pool ? i + 1 : SYN_NIL;
	for (uint32_t s = 0; s < prm->n_services; s++)
		t->queues[s] = (struct syn_queue){ SYN_NIL, SYN_NIL, 0, SYN_NIL, SYN_NIL, SYN_NIL };
	for (uint32_t c = 0; c <= prm->max_pending; c++)
		t->by_count[c] = SYN_NIL;
	return t;
}

void
syn_table_free(struct syn_table *t)
{
	if (t == NULL)
		return;
	free(t->entries);
	free(t->queues);
	free(t->flows);
	free(t->active);
	free(t->by_count);
	free(t->stats);
	free(t);
}

/* ---- flows: linear probing, deletion by backward shift ---------------- */

static inline int
syn_key_eq(const struct syn_key *a, const struct syn_key *b)
{
	return a->src_ip == b->src_ip && a->dst_ip == b->dst_ip && a->sport == b->sport &&
	       a->dport == b->dport;
}

static inline uint32_t
syn_key_hash(const struct syn_table *t, const struct syn_key *k)
{
	return dp_flow_hash(t->prm.hash_seed, k->src_ip, k->dst_ip, k->sport, k->dport);
}

void
syn_prefetch(const struct syn_table *t, const struct syn_key *k)
{
	__builtin_prefetch(&t->flows[syn_key_hash(t, k) & t->flow_mask]);
}

static struct syn_flow *
syn_flow_find(struct syn_table *t, const struct syn_key *k)
{
	for (uint32_t i = syn_key_hash(t, k) & t->flow_mask;; i = (i + 1) & t->flow_mask) {
		struct syn_flow *f = &t->flows[i];
		if (!f->used)
			return NULL;
		if (syn_key_eq(&f->key, k))
			return f;
	}
}

static struct syn_flow *
syn_flow_add(struct syn_table *t, const struct syn_key *k, uint32_t svc)
{
	if (t->n_flows == t->prm.max_flows)
		return NULL;
	uint32_t i = syn_key_hash(t, k) & t->flow_mask;
	while (t->flows[i].used)
		i = (i + 1) & t->flow_mask;
	t->flows[i] = (struct syn_flow){ *k, svc, 1 };
	t->n_flows++;
	return &t->flows[i];
}

static void
syn_flow_del(struct syn_table *t, struct syn_flow *f)
{
	uint32_t i = (uint32_t)(f - t->flows), j = i;

	/* pull back the entries after it that would no longer be found */
	for (;;) {
		j = (j + 1) & t->flow_mask;
		if (!t->flows[j].used)
			break;
		uint32_t home = syn_key_hash(t, &t->flows[j].key) & t->flow_mask;
		/* j's home is cyclically in (i, j]: it stays */
		if ((i < j) ? (home > i && home <= j) : (home > i || home <= j))
			continue;
		t->flows[i] = t->flows[j];
		i = j;
	}
	t->flows[i].used = 0;
	t->n_flows--;
}

/* ---- queues ------------------------------------------------------------ */

/* Services by how many packets they hold: one list per count, so that the
 * one holding the most is found in O(1) when the budget is full (counts move
 * by one, so the most only ever moves by one). Count 0 is in no list. */
static void
syn_count_unlink(struct syn_table *t, uint32_t svc)
{
	struct syn_queue *q = &t->queues[svc];

	if (q->prev != SYN_NIL)
		t->queues[q->prev].next = q->next;
	else
		t->by_count[q->count] = q->next;
	if (q->next != SYN_NIL)
		t->queues[q->next].prev = q->prev;
	q->prev = q->next = SYN_NIL;
}

static void
syn_count_link(struct syn_table *t, uint32_t svc)
{
	struct syn_queue *q = &t->queues[svc];
	uint32_t h = t->by_count[q->count];

	q->prev = SYN_NIL;
	q->next = h;
	if (h != SYN_NIL)
		t->queues[h].prev = svc;
	t->by_count[q->count] = svc;
}

/* @svc's count goes up or down by one. */
static void
syn_count_move(struct syn_table *t, uint32_t svc, int up)
{
	struct syn_queue *q = &t->queues[svc];

	if (q->count > 0)
		syn_count_unlink(t, svc);
	q->count = up ? q->count + 1 : q->count - 1;
	if (q->count > 0)
		syn_count_link(t, svc);
	if (q->count > t->max_count)
		t->max_count = q->count;
	while (t->max_count > 0 && t->by_count[t->max_count] == SYN_NIL)
		t->max_count--;
}

static void
syn_activate(struct syn_table *t, uint32_t svc)
{
	t->queues[svc].active = t->n_active;
	t->active[t->n_active++] = svc;
}

static void
syn_deactivate(struct syn_table *t, uint32_t svc)
{
	uint32_t at = t->queues[svc].active, last = t->active[--t->n_active];

	t->active[at] = last;
	t->queues[last].active = at;
	t->queues[svc].active = SYN_NIL;
}

static void syn_pop(struct syn_table *t, uint32_t svc, enum syn_stat why, struct syn_out *o);

/* Make room by giving back the oldest packet of @svc (counted evicted). */
static int
syn_evict(struct syn_table *t, uint32_t svc)
{
	if (svc == SYN_NIL || t->queues[svc].count == 0 || t->n_evicted == SYN_EVICT_MAX)
		return -1;
	syn_pop(t, svc, SYN_ST_evicted, &t->evicted[t->n_evicted++]);
	return 0;
}

enum syn_action
syn_offer(struct syn_table *t, uint32_t svc, const struct syn_key *k, uint8_t flags, int append,
	  void *pkt, uint64_t now)
{
	struct syn_queue *q = &t->queues[svc];
	int is_syn = (flags & (RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG)) == RTE_TCP_SYN_FLAG;
	struct syn_flow *f = append ? NULL : syn_flow_find(t, k);

	if (!append) {
		if (f != NULL && is_syn) {
			syn_stat(t, svc, SYN_ST_duplicates, 1);
			return SYN_DUPLICATE;
		}
		if (f != NULL && (flags & RTE_TCP_RST_FLAG)) {
			/* the client gave up: what it sent before goes too */
			for (uint32_t e = q->head; e != SYN_NIL; e = t->entries[e].next)
				if (syn_key_eq(&t->entries[e].key, k))
					t->entries[e].dead = 1;
			syn_flow_del(t, f);
			return SYN_CLIENT_RESET;
		}
		if (f == NULL && !is_syn)
			return SYN_NO_FLOW;
	}
	/* Full: the oldest of this service when it is at max_pending, else the
	 * oldest of the service that holds the most, make room; a new packet is
	 * never the one refused (a flood cannot lock a later client out). */
	int need_flow = !append && f == NULL;
	if (q->count >= t->prm.max_pending)
		syn_evict(t, svc);
	while (q->count < t->prm.max_pending &&
	       (t->free_head == SYN_NIL || (need_flow && t->n_flows == t->prm.max_flows)) &&
	       syn_evict(t, t->max_count > 0 ? t->by_count[t->max_count] : SYN_NIL) == 0)
		;
	if (q->count >= t->prm.max_pending || t->free_head == SYN_NIL ||
	    (need_flow && t->n_flows == t->prm.max_flows)) {
		syn_stat(t, svc, SYN_ST_overflow, 1);
		return SYN_OVERFLOW;
	}
	if (!append && !is_syn && t->n_evicted > 0 && syn_flow_find(t, k) == NULL)
		return SYN_NO_FLOW; /* its own SYN made the room */
	if (need_flow)
		syn_flow_add(t, k, svc);

	uint32_t e = t->free_head;
	struct syn_entry *en = &t->entries[e];
	t->free_head = en->next;
	*en = (struct syn_entry){ pkt, now, SYN_NIL, svc, *k, (uint8_t)(is_syn && !append), 0 };
	if (q->tail == SYN_NIL)
		q->head = e;
	else
		t->entries[q->tail].next = e;
	q->tail = e;
	if (q->count == 0)
		syn_activate(t, svc);
	syn_count_move(t, svc, 1);
	t->held++;
	syn_stat(t, svc, SYN_ST_held, 1);
	return SYN_HELD;
}

unsigned int
syn_evicted(struct syn_table *t, struct syn_out *out, unsigned int n)
{
	unsigned int k = t->n_evicted < n ? t->n_evicted : n;

	memcpy(out, t->evicted, k * sizeof(*out));
	memmove(t->evicted, t->evicted + k, (t->n_evicted - k) * sizeof(*out));
	t->n_evicted -= k;
	return k;
}

/* Pop the head of @svc's queue into @o. */
static void
syn_pop(struct syn_table *t, uint32_t svc, enum syn_stat why, struct syn_out *o)
{
	struct syn_queue *q = &t->queues[svc];
	uint32_t e = q->head;
	struct syn_entry *en = &t->entries[e];

	*o = (struct syn_out){ en->pkt, svc, en->is_syn, en->dead };
	if (en->is_syn && !en->dead) {
		struct syn_flow *f = syn_flow_find(t, &en->key);
		if (f != NULL && f->svc == svc)
			syn_flow_del(t, f);
	}
	if (!en->dead)
		syn_stat(t, svc, why, 1);
	q->head = en->next;
	if (q->head == SYN_NIL)
		q->tail = SYN_NIL;
	en->pkt = NULL;
	en->next = t->free_head;
	t->free_head = e;
	t->held--;
	syn_count_move(t, svc, 0);
	if (q->count == 0)
		syn_deactivate(t, svc);
}

unsigned int
syn_take(struct syn_table *t, uint32_t svc, enum syn_stat why, struct syn_out *out, unsigned int n)
{
	unsigned int i = 0;

	while (i < n && t->queues[svc].count > 0)
		syn_pop(t, svc, why, &out[i++]);
	return i;
}

unsigned int
syn_expire(struct syn_table *t, uint64_t before, struct syn_out *out, unsigned int n)
{
	unsigned int i = 0;

	/* each queue is in arrival order: only its head can be the oldest */
	for (uint32_t a = 0; a < t->n_active && i < n;) {
		uint32_t svc = t->active[a];
		struct syn_queue *q = &t->queues[svc];
		while (i < n && q->count > 0 && t->entries[q->head].t < before)
			syn_pop(t, svc, SYN_ST_expired, &out[i++]);
		/* an emptied queue left active[]: its slot holds another now */
		if (q->count > 0 || a >= t->n_active || t->active[a] == svc)
			a++;
	}
	return i;
}

uint32_t
syn_pending(const struct syn_table *t, uint32_t svc)
{
	return t->queues[svc].count;
}

uint32_t
syn_held(const struct syn_table *t)
{
	return t->held;
}

uint32_t
syn_active(const struct syn_table *t, uint32_t *svcs, uint32_t n)
{
	uint32_t k = t->n_active < n ? t->n_active : n;

	memcpy(svcs, t->active, k * sizeof(*svcs));
	return k;
}

uint32_t
syn_active_rr(struct syn_table *t, uint32_t *svcs, uint32_t n)
{
	uint32_t k = t->n_active < n ? t->n_active : n;

	if (t->n_active == 0)
		return 0;
	if (t->rr >= t->n_active)
		t->rr = 0;
	for (uint32_t i = 0; i < k; i++)
		svcs[i] = t->active[(t->rr + i) % t->n_active];
	t->rr = (t->rr + k) % t->n_active;
	return k;
}

uint32_t
syn_most_held(const struct syn_table *t, uint32_t *svc)
{
	if (t->max_count > 0)
		*svc = t->by_count[t->max_count];
	return t->max_count;
}

const uint64_t *
syn_stats(const struct syn_table *t, uint32_t svc)
{
	return t->stats[svc];
}
