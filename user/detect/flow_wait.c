// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <string.h>

#include "detect/flow_wait.h"

#define NONE UINT32_MAX
#define N_BUCKETS (2 * MW_FLOW_WAIT_MAX)

void mw_flow_wait_init(struct mw_flow_wait *w)
{
	memset(w, 0, sizeof(*w));
	memset(w->bucket, 0xff, sizeof(w->bucket));
}

static uint32_t key_hash(const struct mw_flow_key *k)
{
	const uint8_t *b = (const uint8_t *)k;
	uint64_t h = 14695981039346656037ULL;
	size_t i;

	for (i = 0; i < sizeof(*k); i++) {
		h ^= b[i];
		h *= 1099511628211ULL;
	}
	return (uint32_t)(h ^ (h >> 32)) % N_BUCKETS;
}

struct mw_flow_wait_entry *mw_flow_wait_find(struct mw_flow_wait *w, const struct mw_flow_key *key)
{
	uint32_t i;

	if (!w->waiting)
		return NULL;
	for (i = w->bucket[key_hash(key)]; i != NONE; i = w->e[i].next)
		if (!memcmp(&w->e[i].ev.key, key, sizeof(*key)))
			return &w->e[i];
	return NULL;
}

/* Frees the slots at the ring's head that were taken out of order. */
static void trim(struct mw_flow_wait *w)
{
	while (w->n && !w->e[w->head].used) {
		w->head = (w->head + 1) % MW_FLOW_WAIT_MAX;
		w->n--;
	}
}

int mw_flow_wait_add(struct mw_flow_wait *w, const struct mw_event_flow *ev, uint64_t due_ns)
{
	uint32_t slot, b;

	if (mw_flow_wait_find(w, &ev->key))
		return -EEXIST;
	trim(w);
	if (w->n == MW_FLOW_WAIT_MAX)
		return -ENOSPC;
	slot = (w->head + w->n++) % MW_FLOW_WAIT_MAX;
	b = key_hash(&ev->key);
	w->e[slot] = (struct mw_flow_wait_entry){
		.ev = *ev, .due_ns = due_ns, .used = true, .next = w->bucket[b]
	};
	w->bucket[b] = slot;
	w->waiting++;
	return 0;
}

void mw_flow_wait_take(struct mw_flow_wait *w, struct mw_flow_wait_entry *e,
		       struct mw_flow_wait_entry *out)
{
	uint32_t slot = (uint32_t)(e - w->e), *p = &w->bucket[key_hash(&e->ev.key)];

	while (*p != slot)
		p = &w->e[*p].next;
	*p = e->next;
	if (out)
		*out = *e;
	e->used = false;
	w->waiting--;
	trim(w);
}

bool mw_flow_wait_due(struct mw_flow_wait *w, uint64_t now_ns, struct mw_flow_wait_entry *out)
{
	trim(w);
	if (!w->n || (now_ns != UINT64_MAX && w->e[w->head].due_ns > now_ns))
		return false;
	mw_flow_wait_take(w, &w->e[w->head], out);
	return true;
}
