// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "detect/dnsq.h"

static uint32_t hash(const struct mw_flow_key *k, uint16_t id)
{
	const uint8_t *p = (const uint8_t *)k;
	uint32_t h = 2166136261u ^ id; /* FNV-1a */
	size_t i;

	for (i = 0; i < offsetof(struct mw_flow_key, pad); i++) {
		h ^= p[i];
		h *= 16777619u;
	}
	return h;
}

static bool same_key(const struct mw_flow_key *a, const struct mw_flow_key *b)
{
	return !memcmp(a, b, offsetof(struct mw_flow_key, pad));
}

int mw_dnsq_init(struct mw_dnsq *q, const struct mw_dnsq_cfg *cfg)
{
	uint32_t cap = cfg && cfg->cap ? cfg->cap : MW_DNSQ_CAP_DEFAULT;
	uint64_t ttl_ns = cfg && cfg->ttl_ns ? cfg->ttl_ns : MW_DNSQ_TTL_DEFAULT_NS;
	uint32_t i;

	memset(q, 0, sizeof(*q));
	q->n_buckets = 1;
	while (q->n_buckets < cap)
		q->n_buckets <<= 1;
	q->e = calloc(cap, sizeof(*q->e));
	q->buckets = malloc(q->n_buckets * sizeof(*q->buckets));
	if (!q->e || !q->buckets) {
		mw_dnsq_free(q);
		return -ENOMEM;
	}
	memset(q->buckets, 0xff, q->n_buckets * sizeof(*q->buckets));
	for (i = 0; i < cap; i++)
		q->e[i].hnext = i + 1 < cap ? (int32_t)(i + 1) : -1;
	q->cap = cap;
	q->free_head = 0;
	q->oldest = q->newest = -1;
	q->ttl_ns = ttl_ns;
	return 0;
}

void mw_dnsq_free(struct mw_dnsq *q)
{
	free(q->e);
	free(q->buckets);
	memset(q, 0, sizeof(*q));
}

static int32_t *bucket(struct mw_dnsq *q, const struct mw_flow_key *key, uint16_t id)
{
	return &q->buckets[hash(key, id) & (q->n_buckets - 1)];
}

static int32_t find(struct mw_dnsq *q, const struct mw_flow_key *key, uint16_t id)
{
	int32_t i;

	for (i = *bucket(q, key, id); i >= 0; i = q->e[i].hnext)
		if (q->e[i].id == id && same_key(&q->e[i].key, key))
			return i;
	return -1;
}

static void age_unlink(struct mw_dnsq *q, int32_t i)
{
	struct mw_dnsq_entry *e = &q->e[i];

	if (e->older >= 0)
		q->e[e->older].newer = e->newer;
	else
		q->oldest = e->newer;
	if (e->newer >= 0)
		q->e[e->newer].older = e->older;
	else
		q->newest = e->older;
}

static void age_push(struct mw_dnsq *q, int32_t i)
{
	q->e[i].older = q->newest;
	q->e[i].newer = -1;
	if (q->newest >= 0)
		q->e[q->newest].newer = i;
	else
		q->oldest = i;
	q->newest = i;
}

static void drop(struct mw_dnsq *q, int32_t i)
{
	int32_t *p = bucket(q, &q->e[i].key, q->e[i].id);

	while (*p != i)
		p = &q->e[*p].hnext;
	*p = q->e[i].hnext;
	age_unlink(q, i);
	q->e[i].hnext = q->free_head;
	q->free_head = i;
	q->n--;
}

int mw_dnsq_add(struct mw_dnsq *q, const struct mw_flow_key *key, const struct mw_dns_query *dq,
		uint64_t now_ns)
{
	struct mw_dnsq_entry *e;
	int32_t i, *b;

	/* cppcheck: its callers parse dq first (whole-program guess) */
	// cppcheck-suppress ctuuninitvar
	if (!dq->name[0])
		return -EINVAL;
	q->queries++;
	i = find(q, key, dq->id);
	if (i >= 0) {
		/* a resend; a different question under the same ID replaces it,
		 * as the resolver's answer will be to the latest */
		e = &q->e[i];
		e->qtype = dq->qtype;
		e->sent_ns = now_ns;
		memcpy(e->name, dq->name, strlen(dq->name) + 1);
		age_unlink(q, i);
		age_push(q, i);
		return 0;
	}
	if (q->free_head < 0) {
		q->evicted++;
		drop(q, q->oldest);
	}
	i = q->free_head;
	e = &q->e[i];
	q->free_head = e->hnext;
	e->key = *key;
	e->id = dq->id;
	e->qtype = dq->qtype;
	e->sent_ns = now_ns;
	memcpy(e->name, dq->name, strlen(dq->name) + 1);
	b = bucket(q, key, dq->id);
	e->hnext = *b;
	*b = i;
	age_push(q, i);
	q->n++;
	return 0;
}

int mw_dnsq_answer(struct mw_dnsq *q, const struct mw_flow_key *key, const struct mw_dns_msg *msg,
		   uint64_t now_ns)
{
	int32_t i;

	mw_dnsq_expire(q, now_ns);
	/* cppcheck: its callers parse msg first (whole-program guess) */
	// cppcheck-suppress ctuuninitvar
	i = find(q, key, msg->id);
	if (i < 0) {
		q->unsolicited++;
		return -ENOENT;
	}
	/* names are lower case on both sides: a case-insensitive match */
	if (q->e[i].qtype != msg->qtype || strcmp(q->e[i].name, msg->question)) {
		q->wrong_question++;
		return -EINVAL;
	}
	drop(q, i);
	q->answered++;
	return 0;
}

void mw_dnsq_expire(struct mw_dnsq *q, uint64_t now_ns)
{
	while (q->oldest >= 0 && now_ns >= q->e[q->oldest].sent_ns &&
	       now_ns - q->e[q->oldest].sent_ns >= q->ttl_ns) {
		q->expired++;
		drop(q, q->oldest);
	}
}
