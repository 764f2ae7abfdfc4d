// SPDX-License-Identifier: GPL-2.0-only
/*
 * ids.c - two small hash tables (see ids.h). The keys come from the LAPI,
 * which an attacker does not write, but the prefix hash is still keyed at
 * random: a community list is large and nobody should be able to choose
 * entries that collide.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "fleet/ids.h"

struct id_slot {
	int64_t id;
	struct mw_prefix p;
	bool used;
};

struct count_slot {
	struct mw_prefix p;
	uint32_t count; /* 0: empty */
};

struct mw_cs_ids {
	struct id_slot *ids;
	struct count_slot *counts;
	size_t cap; /* both tables, a power of two, at most half full */
	size_t n_ids, n_counts;
	uint64_t key;
};

static uint64_t mix(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

static size_t id_hash(const struct mw_cs_ids *s, int64_t id)
{
	return mix((uint64_t)id ^ s->key) & (s->cap - 1);
}

static size_t prefix_hash(const struct mw_cs_ids *s, const struct mw_prefix *p)
{
	uint64_t w[2];

	memcpy(w, &p->addr, sizeof(w));
	return mix(mix(w[0] ^ s->key) ^ w[1] ^ ((uint64_t)p->len << 56)) & (s->cap - 1);
}

static bool same_prefix(const struct mw_prefix *a, const struct mw_prefix *b)
{
	return a->len == b->len && !memcmp(&a->addr, &b->addr, sizeof(a->addr));
}

struct mw_cs_ids *mw_cs_ids_new(void)
{
	struct mw_cs_ids *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->cap = 1024;
	s->ids = calloc(s->cap, sizeof(*s->ids));
	s->counts = calloc(s->cap, sizeof(*s->counts));
	if (!s->ids || !s->counts) {
		mw_cs_ids_free(s);
		return NULL;
	}
	if (getrandom(&s->key, sizeof(s->key), 0) != sizeof(s->key))
		s->key = (uint64_t)(uintptr_t)s ^ 0x9e3779b97f4a7c15ULL;
	return s;
}

void mw_cs_ids_free(struct mw_cs_ids *s)
{
	if (!s)
		return;
	free(s->ids);
	free(s->counts);
	free(s);
}

void mw_cs_ids_clear(struct mw_cs_ids *s)
{
	memset(s->ids, 0, s->cap * sizeof(*s->ids));
	memset(s->counts, 0, s->cap * sizeof(*s->counts));
	s->n_ids = s->n_counts = 0;
}

static struct count_slot *count_find(const struct mw_cs_ids *s, const struct mw_prefix *p)
{
	size_t i = prefix_hash(s, p);

	while (s->counts[i].count && !same_prefix(&s->counts[i].p, p))
		i = (i + 1) & (s->cap - 1);
	return &s->counts[i];
}

static struct id_slot *id_find(const struct mw_cs_ids *s, int64_t id)
{
	size_t i = id_hash(s, id);

	while (s->ids[i].used && s->ids[i].id != id)
		i = (i + 1) & (s->cap - 1);
	return &s->ids[i];
}

/* Doubles both tables and puts every entry back. */
static int grow(struct mw_cs_ids *s)
{
	struct id_slot *old_ids = s->ids;
	struct count_slot *old_counts = s->counts;
	size_t old_cap = s->cap, i;

	s->ids = calloc(old_cap * 2, sizeof(*s->ids));
	s->counts = calloc(old_cap * 2, sizeof(*s->counts));
	if (!s->ids || !s->counts) {
		free(s->ids);
		free(s->counts);
		s->ids = old_ids;
		s->counts = old_counts;
		return -ENOMEM;
	}
	s->cap = old_cap * 2;
	for (i = 0; i < old_cap; i++) {
		if (old_ids[i].used)
			*id_find(s, old_ids[i].id) = old_ids[i];
		if (old_counts[i].count)
			*count_find(s, &old_counts[i].p) = old_counts[i];
	}
	free(old_ids);
	free(old_counts);
	return 0;
}

int mw_cs_ids_add(struct mw_cs_ids *s, int64_t id, const struct mw_prefix *p)
{
	struct id_slot *is;
	struct count_slot *cs;

	if ((s->n_ids + 1) * 2 > s->cap || (s->n_counts + 1) * 2 > s->cap) {
		if (grow(s))
			return -ENOMEM;
	}
	is = id_find(s, id);
	if (is->used)
		return 0;
	*is = (struct id_slot){ .id = id, .p = *p, .used = true };
	s->n_ids++;
	cs = count_find(s, p);
	if (!cs->count) {
		cs->p = *p;
		s->n_counts++;
	}
	cs->count++;
	return 1;
}

static bool id_used(const void *slot)
{
	return ((const struct id_slot *)slot)->used;
}

static size_t id_home(const struct mw_cs_ids *s, const void *slot)
{
	return id_hash(s, ((const struct id_slot *)slot)->id);
}

static bool count_used(const void *slot)
{
	return ((const struct count_slot *)slot)->count != 0;
}

static size_t count_home(const struct mw_cs_ids *s, const void *slot)
{
	return prefix_hash(s, &((const struct count_slot *)slot)->p);
}

/* Linear probing's deletion: the entries after the hole that would no
 * longer be found move back into it, one by one, and the last hole is
 * cleared. An entry stays when its home slot lies cyclically in
 * (hole, j]. */
static void remove_slot(const struct mw_cs_ids *s, void *tab, size_t size, size_t hole,
			bool (*used)(const void *),
			size_t (*home)(const struct mw_cs_ids *, const void *))
{
	char *t = tab;
	size_t j = hole, k;

	for (;;) {
		j = (j + 1) & (s->cap - 1);
		if (!used(t + j * size))
			break;
		k = home(s, t + j * size);
		if (hole <= j ? (hole < k && k <= j) : (hole < k || k <= j))
			continue;
		memcpy(t + hole * size, t + j * size, size);
		hole = j;
	}
	memset(t + hole * size, 0, size);
}

int mw_cs_ids_del(struct mw_cs_ids *s, int64_t id, struct mw_prefix *p)
{
	struct id_slot *is = id_find(s, id);
	struct count_slot *cs;

	if (!is->used)
		return 0;
	*p = is->p;
	remove_slot(s, s->ids, sizeof(*is), (size_t)(is - s->ids), id_used, id_home);
	s->n_ids--;
	cs = count_find(s, p);
	if (cs->count && --cs->count == 0) {
		remove_slot(s, s->counts, sizeof(*cs), (size_t)(cs - s->counts), count_used,
			    count_home);
		s->n_counts--;
	}
	return 1;
}

size_t mw_cs_ids_count(const struct mw_cs_ids *s, const struct mw_prefix *p)
{
	return count_find(s, p)->count;
}

size_t mw_cs_ids_size(const struct mw_cs_ids *s)
{
	return s->n_ids;
}
