// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "detect/tls_reasm.h"
#include "parse/tls.h"

int mw_tls_reasm_init(struct mw_tls_reasm *r, unsigned max, uint64_t ttl_ns)
{
	memset(r, 0, sizeof(*r));
	r->slots = calloc(max, sizeof(*r->slots));
	if (!r->slots)
		return -ENOMEM;
	r->max = max;
	r->ttl_ns = ttl_ns;
	return 0;
}

void mw_tls_reasm_free(struct mw_tls_reasm *r)
{
	free(r->slots);
	r->slots = NULL;
	r->max = 0;
}

static struct mw_tls_slot *find(struct mw_tls_reasm *r, const struct mw_flow_key *key)
{
	unsigned i;

	for (i = 0; i < r->max; i++)
		if (r->slots[i].used && !memcmp(&r->slots[i].key, key, sizeof(*key)))
			return &r->slots[i];
	return NULL;
}

/* A free slot, or the oldest one taken back: a flood of records that never
 * end cannot grow memory, nor keep a slot from the next record for long. */
static struct mw_tls_slot *take(struct mw_tls_reasm *r)
{
	struct mw_tls_slot *old = NULL;
	unsigned i;

	for (i = 0; i < r->max; i++) {
		if (!r->slots[i].used)
			return &r->slots[i];
		if (!old || r->slots[i].start_ns < old->start_ns)
			old = &r->slots[i];
	}
	if (old)
		r->evicted++;
	return old;
}

/* Adds the copy @ev at its place; false when it leaves a gap. */
static bool add(struct mw_tls_reasm *r, struct mw_tls_slot *s, const struct mw_event_peek *ev)
{
	uint32_t off = ev->seq - s->seq0, end;

	if (off > s->have) {
		r->gaps++;
		return false;
	}
	end = off + ev->len;
	if (end > MW_TLS_REASM_MAX)
		end = MW_TLS_REASM_MAX;
	if (end > s->have) {
		/* bytes already held stay as they came first */
		memcpy(s->buf + s->have, ev->data + (s->have - off), end - s->have);
		s->have = end;
	}
	return true;
}

/* Reads the slot's bytes so far; frees it once nothing more is awaited. */
static int parse(struct mw_tls_reasm *r, struct mw_tls_slot *s, char *sni)
{
	int err = mw_tls_sni(s->buf, s->have, sni);

	if (err == -EAGAIN && s->have < MW_TLS_REASM_MAX)
		return -EAGAIN;
	s->used = false;
	r->completed++;
	return err ? -ENOENT : 0;
}

int mw_tls_reasm_feed(struct mw_tls_reasm *r, const struct mw_event_peek *ev, uint64_t now_ns,
		      char *sni)
{
	struct mw_tls_slot *s;
	int err;

	if (ev->len == 0 || ev->len > MW_PEEK_MAX)
		return -EINVAL;
	if (ev->cont) {
		s = find(r, &ev->key);
		if (!s || !add(r, s, ev))
			return -EINVAL;
		return parse(r, s, sni);
	}
	err = mw_tls_sni(ev->data, ev->len, sni);
	if (err != -EAGAIN)
		return err ? -ENOENT : 0;
	/* only what the datapath follows is worth a slot: the host's own
	 * ClientHello, on a flow it opened (copies that come from tc) */
	if (!ev->host_opened || ev->hdr.dir != MW_DIR_OUT || ev->key.proto != IPPROTO_TCP)
		return -ENOENT;
	s = find(r, &ev->key); /* a new record on the 4-tuple: start over */
	if (!s)
		s = take(r);
	if (!s)
		return -ENOENT;
	memset(s, 0, offsetof(struct mw_tls_slot, buf));
	s->used = true;
	s->key = ev->key;
	s->seq0 = ev->seq;
	s->start_ns = now_ns;
	memcpy(s->buf, ev->data, ev->len);
	s->have = ev->len;
	r->started++;
	return -EAGAIN;
}

void mw_tls_reasm_forget(struct mw_tls_reasm *r, const struct mw_flow_key *key, uint64_t now_ns)
{
	struct mw_tls_slot *s = find(r, key);

	if (s && !s->end_ns)
		s->end_ns = now_ns ? now_ns : 1;
}

void mw_tls_reasm_expire(struct mw_tls_reasm *r, uint64_t now_ns)
{
	unsigned i;

	for (i = 0; i < r->max; i++)
		if (r->slots[i].used && (now_ns - r->slots[i].start_ns > r->ttl_ns ||
					 (r->slots[i].end_ns &&
					  now_ns - r->slots[i].end_ns > MW_TLS_REASM_LINGER_NS))) {
			r->slots[i].used = false;
			r->expired++;
		}
}

unsigned mw_tls_reasm_pending(const struct mw_tls_reasm *r)
{
	unsigned i, n = 0;

	for (i = 0; i < r->max; i++)
		n += r->slots[i].used;
	return n;
}
