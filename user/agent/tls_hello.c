// SPDX-License-Identifier: GPL-2.0-only
/*
 * tls_hello.c - the host's ClientHellos, each put back together once
 * (detect/reasm) and read once: SNI, ALPN, JA4; kept by flow key in a ring
 * of MW_TLS_HELLO_KEEP with a hash index, handed to the subscribers.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "agent/tls_hello.h"
#include "detect/reasm.h"
#include "lib/util.h"
#include "parse/tls.h"

#define BUCKETS 8192 /* a power of two, twice MW_TLS_HELLO_KEEP */
#define NONE UINT32_MAX
/* A ClientHello is kept this long after its flow ended: the events that
 * report the flow (its end, a hit) may be read a moment later. */
#define LINGER_NS (10ULL * 1000000000ULL)

struct entry {
	struct mw_tls_hello h;
	bool used;
	uint64_t end_ns; /* when its flow ended; 0 while it lives */
	uint32_t next; /* hash chain */
};

struct mw_tls_hello_table {
	struct mw_reasm reasm;
	struct entry e[MW_TLS_HELLO_KEEP];
	uint32_t bucket[BUCKETS];
	unsigned pos; /* the next entry the ring takes */
	struct {
		mw_tls_hello_fn fn;
		void *arg;
	} subs[MW_TLS_HELLO_SUBS];
	unsigned n_subs;
};

static uint32_t hash_key(const struct mw_flow_key *k)
{
	const uint8_t *p = (const uint8_t *)k;
	uint32_t h = 2166136261u;
	size_t i;

	for (i = 0; i < sizeof(*k); i++)
		h = (h ^ p[i]) * 16777619u;
	return h & (BUCKETS - 1);
}

static uint32_t *link_to(struct mw_tls_hello_table *t, uint32_t i)
{
	uint32_t *p = &t->bucket[hash_key(&t->e[i].h.key)];

	while (*p != NONE && *p != i)
		p = &t->e[*p].next;
	return p;
}

static void drop(struct mw_tls_hello_table *t, uint32_t i)
{
	uint32_t *p;

	if (!t->e[i].used)
		return;
	p = link_to(t, i);
	if (*p == i)
		*p = t->e[i].next;
	t->e[i].used = false;
}

static struct entry *lookup(const struct mw_tls_hello_table *t, const struct mw_flow_key *key)
{
	uint32_t i;

	for (i = t->bucket[hash_key(key)]; i != NONE; i = t->e[i].next)
		if (!memcmp(&t->e[i].h.key, key, sizeof(*key)))
			return (struct entry *)&t->e[i];
	return NULL;
}

/* Keeps @h (a new ClientHello on a 4-tuple replaces the one before). */
static void keep(struct mw_tls_hello_table *t, const struct mw_tls_hello *h)
{
	struct entry *old = lookup(t, &h->key);
	uint32_t i, b;

	if (old)
		drop(t, (uint32_t)(old - t->e));
	i = t->pos;
	t->pos = (t->pos + 1) % MW_TLS_HELLO_KEEP;
	drop(t, i);
	b = hash_key(&h->key);
	t->e[i] = (struct entry){ .h = *h, .used = true, .next = t->bucket[b] };
	t->bucket[b] = i;
}

/* The ClientHello's ALPN, from its JA4: two characters, "00" when none. */
static bool ja4_alpn(const char *ja4)
{
	return strlen(ja4) > 9 && (ja4[8] != '0' || ja4[9] != '0');
}

static void publish(struct mw_agent_tls_hello *a, struct mw_tls_hello *h)
{
	struct mw_tls_hello_table *t = a->t;
	unsigned i;

	a->read++;
	if (!h->ja4[0])
		a->no_ja4++;
	h->has_sni = h->sni[0] != '\0';
	keep(t, h);
	for (i = 0; i < t->n_subs; i++)
		t->subs[i].fn(t->subs[i].arg, h);
}

static void on_peek(void *arg, const struct mw_event_peek *ev)
{
	struct mw_agent_tls_hello *a = arg;
	struct mw_tls_hello h;
	const uint8_t *rec = NULL;
	size_t len = 0;
	int err;

	/* a ClientHello starts one of the host's first data packets (the
	 * first, or after a proxy's CONNECT); the datapath copies what
	 * follows of it (cont) on flows the host opened */
	if (ev->key.proto != IPPROTO_TCP || ev->hdr.dir != MW_DIR_OUT || !ev->len ||
	    (!ev->cont && ev->data[0] != 0x16))
		return;
	err = mw_reasm_tls_record(&a->t->reasm, ev, mw_now_ns(), &rec, &len);
	if (err == -EAGAIN)
		return;
	h = (struct mw_tls_hello){ .key = ev->key,
				   .seen_ns = mw_now_ns(),
				   .ifindex = ev->hdr.ifindex,
				   .dir = ev->hdr.dir,
				   .initiator = ev->initiator,
				   .handshake = ev->handshake,
				   .host_opened = ev->host_opened };
	if (!err) {
		if (!mw_ja4(rec, len, h.ja4))
			h.has_alpn = ja4_alpn(h.ja4);
		else
			h.ja4[0] = '\0';
		if (mw_tls_sni(rec, len, h.sni))
			h.sni[0] = '\0';
	} else if (err == -ENOENT) {
		/* not whole and never will be (a remote's flow, mid-stream):
		 * its SNI when the copy holds it */
		if (mw_tls_sni(rec, len, h.sni))
			return;
	} else if (ev->cont && ev->host_opened) {
		/* the host's ClientHello whose first part is gone (a flood
		 * took its slot): its SNI, when this piece holds it; a stray
		 * piece of one already read changes nothing */
		if (lookup(a->t, &ev->key) || mw_tls_sni_scan(ev->data, ev->len, h.sni))
			return;
	} else {
		return;
	}
	publish(a, &h);
}

/* A ClientHello still awaited when its flow ends never completes; one
 * read goes soon after its flow. */
static void on_flow_end(void *arg, const struct mw_event_flow *ev)
{
	struct mw_agent_tls_hello *a = arg;
	struct entry *e;

	if (ev->key.proto != IPPROTO_TCP)
		return;
	if (ev->flow.host_opened)
		mw_reasm_forget(&a->t->reasm, &ev->key, mw_now_ns());
	e = lookup(a->t, &ev->key);
	if (e && !e->end_ns)
		e->end_ns = mw_now_ns();
}

int mw_agent_tls_hello_start(struct mw_agent_tls_hello *a, struct mw_events *ev)
{
	struct mw_event_sink sink = { .peek = on_peek, .flow_end = on_flow_end, .arg = a };
	int err;

	memset(a, 0, sizeof(*a));
	a->t = calloc(1, sizeof(*a->t));
	if (!a->t)
		return -ENOMEM;
	memset(a->t->bucket, 0xff, sizeof(a->t->bucket));
	err = mw_reasm_init(&a->t->reasm, NULL);
	if (!err)
		err = mw_events_add_sink(ev, &sink);
	if (err)
		mw_agent_tls_hello_stop(a);
	return err;
}

void mw_agent_tls_hello_stop(struct mw_agent_tls_hello *a)
{
	if (!a->t)
		return;
	mw_reasm_free(&a->t->reasm);
	free(a->t);
	a->t = NULL;
}

int mw_agent_tls_hello_subscribe(struct mw_agent_tls_hello *a, mw_tls_hello_fn fn, void *arg)
{
	struct mw_tls_hello_table *t = a->t;

	if (!t)
		return -EINVAL;
	if (t->n_subs >= MW_TLS_HELLO_SUBS)
		return -ENOSPC;
	t->subs[t->n_subs].fn = fn;
	t->subs[t->n_subs].arg = arg;
	t->n_subs++;
	return 0;
}

const struct mw_tls_hello *mw_agent_tls_hello_find(const struct mw_agent_tls_hello *a,
						   const struct mw_flow_key *key)
{
	const struct entry *e = a && a->t ? lookup(a->t, key) : NULL;

	return e ? &e->h : NULL;
}

void mw_agent_tls_hello_expire(struct mw_agent_tls_hello *a, uint64_t now_ns)
{
	uint32_t i;

	if (!a->t)
		return;
	mw_reasm_expire(&a->t->reasm, now_ns);
	for (i = 0; i < MW_TLS_HELLO_KEEP; i++)
		if (a->t->e[i].used && a->t->e[i].end_ns && now_ns - a->t->e[i].end_ns > LINGER_NS)
			drop(a->t, i);
}

void mw_agent_tls_hello_each(const struct mw_agent_tls_hello *a, mw_tls_hello_fn fn, void *arg)
{
	uint32_t i;

	for (i = 0; a->t && i < MW_TLS_HELLO_KEEP; i++)
		if (a->t->e[i].used && !a->t->e[i].end_ns)
			fn(arg, &a->t->e[i].h);
}

json_t *mw_agent_tls_hello_json(const struct mw_tls_hello *h)
{
	json_t *o = json_object();

	if (h->ja4[0])
		json_object_set_new(o, "ja4", json_string(h->ja4));
	if (h->has_sni)
		json_object_set_new(o, "sni", json_string(h->sni));
	json_object_set_new(o, "alpn", json_boolean(h->has_alpn));
	return o;
}

const struct mw_reasm *mw_agent_tls_hello_reasm(const struct mw_agent_tls_hello *a)
{
	return a->t ? &a->t->reasm : NULL;
}
