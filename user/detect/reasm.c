// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "detect/reasm.h"

int mw_reasm_init(struct mw_reasm *r, const struct mw_reasm_cfg *cfg)
{
	unsigned max = cfg && cfg->max ? cfg->max : MW_REASM_FLOWS;
	uint64_t ttl_ns = cfg && cfg->ttl_ns ? cfg->ttl_ns : MW_REASM_TTL_NS;

	memset(r, 0, sizeof(*r));
	r->slots = calloc(max, sizeof(*r->slots));
	if (!r->slots)
		return -ENOMEM;
	r->max = max;
	r->ttl_ns = ttl_ns;
	return 0;
}

void mw_reasm_free(struct mw_reasm *r)
{
	free(r->slots);
	r->slots = NULL;
	r->max = 0;
}

static struct mw_reasm_slot *find(struct mw_reasm *r, const struct mw_flow_key *key)
{
	unsigned i;

	for (i = 0; i < r->max; i++)
		if (r->slots[i].used && !memcmp(&r->slots[i].key, key, sizeof(*key)))
			return &r->slots[i];
	return NULL;
}

/* A free slot, else one whose flow ended, else the oldest taken back: a
 * flood of messages that never end cannot grow memory, nor keep a slot
 * from the next message for long. */
static struct mw_reasm_slot *take(struct mw_reasm *r)
{
	struct mw_reasm_slot *old = NULL, *s;
	unsigned i;

	for (i = 0; i < r->max; i++) {
		s = &r->slots[i];
		if (!s->used)
			return s;
		if (!old || (s->end_ns && !old->end_ns) ||
		    (!s->end_ns == !old->end_ns && s->start_ns < old->start_ns))
			old = s;
	}
	if (old)
		r->evicted++;
	return old;
}

/* Keeps the first copy @ev of a message for the copies to come. */
static void start(struct mw_reasm *r, const struct mw_event_peek *ev, uint64_t now_ns)
{
	struct mw_reasm_slot *s = find(r, &ev->key); /* a new message on the 4-tuple */

	if (!s)
		s = take(r);
	if (!s)
		return;
	memset(s, 0, offsetof(struct mw_reasm_slot, buf));
	s->used = true;
	s->key = ev->key;
	s->seq0 = ev->seq;
	s->start_ns = now_ns;
	memcpy(s->buf, ev->data, ev->len);
	s->have = ev->len;
	r->started++;
}

/* Adds the continuation @ev at its place in its message's slot; NULL when
 * there is none, or @ev leaves a gap. */
static struct mw_reasm_slot *add(struct mw_reasm *r, const struct mw_event_peek *ev)
{
	struct mw_reasm_slot *s = find(r, &ev->key);
	uint32_t off, end;

	if (!s)
		return NULL;
	off = ev->seq - s->seq0;
	if (off > s->have) {
		r->gaps++;
		return NULL;
	}
	end = off + ev->len;
	if (end > MW_TLS_REASM_MAX)
		end = MW_TLS_REASM_MAX;
	if (end > s->have) {
		/* bytes already held stay as they came first */
		memcpy(s->buf + s->have, ev->data + (s->have - off), end - s->have);
		s->have = end;
	}
	return s;
}

static void done(struct mw_reasm *r, struct mw_reasm_slot *s)
{
	s->used = false;
	r->completed++;
}

/* Only what the datapath follows is worth a slot: the host's own message,
 * on a flow it opened (copies that come from tc). */
static bool hosts(const struct mw_event_peek *ev)
{
	return ev->host_opened && ev->hdr.dir == MW_DIR_OUT && ev->key.proto == IPPROTO_TCP;
}

/*
 * Bytes from the start of @b the ClientHello there needs: its record, or
 * the records that carry its handshake message when it goes on past the
 * first (capped at MW_TLS_REASM_MAX); 0 while the bytes held cannot tell;
 * -ENOENT when they start no ClientHello.
 */
static long hello_span(const uint8_t *b, size_t have)
{
	size_t off = 0, hs, got = 0;

	if (have < 1 || b[0] != 0x16)
		return -ENOENT;
	if (have < 9)
		return 0;
	if (b[1] != 3 || b[5] != 0x01)
		return -ENOENT;
	hs = 4 + ((size_t)b[6] << 16 | (size_t)b[7] << 8 | b[8]);
	while (got < hs && off < MW_TLS_REASM_MAX) {
		size_t rec;

		/* the next header not held yet; none ever will be at the cap */
		if (off + 5 > have)
			return have >= MW_TLS_REASM_MAX ? MW_TLS_REASM_MAX : 0;
		if (b[off] != 0x16)
			return (long)off; /* the message ends early: what came */
		rec = (size_t)b[off + 3] << 8 | b[off + 4];
		got += rec;
		off += 5 + rec;
	}
	return (long)(off < MW_TLS_REASM_MAX ? off : MW_TLS_REASM_MAX);
}

int mw_reasm_tls_record(struct mw_reasm *r, const struct mw_event_peek *ev, uint64_t now_ns,
			const uint8_t **rec, size_t *len)
{
	struct mw_reasm_slot *s;
	long want;

	if (ev->len == 0 || ev->len > MW_PEEK_MAX)
		return -EINVAL;
	if (ev->cont) {
		s = add(r, ev);
		if (!s)
			return -EINVAL;
		want = hello_span(s->buf, s->have);
		if (want == 0 || (want > 0 && s->have < (size_t)want))
			return -EAGAIN;
		done(r, s);
		/* what was held, read as far as it goes (reasm.h) */
		*rec = s->buf;
		*len = want < 0 ? s->have : (size_t)want;
		return want < 0 ? -ENOENT : 0;
	}
	*rec = ev->data;
	*len = ev->len;
	want = hello_span(ev->data, ev->len);
	if (want < 0)
		return -ENOENT;
	if (want > 0 && ev->len >= want) {
		*len = (size_t)want;
		return 0;
	}
	/* the rest comes in copies the datapath sends only for the host's
	 * own message on a flow it opened */
	if (!hosts(ev))
		return -ENOENT;
	start(r, ev, now_ns);
	return -EAGAIN;
}

int mw_reasm_json(struct mw_reasm *r, const struct mw_event_peek *ev, uint64_t now_ns,
		  struct mw_event_peek *whole)
{
	struct mw_reasm_slot *s;

	if (ev->len == 0 || ev->len > MW_PEEK_MAX)
		return -EINVAL;
	if (!ev->cont) {
		/* the datapath follows a first segment shorter than a copy
		 * that does not end its line */
		if (!hosts(ev) || ev->orig_len >= MW_PEEK_MAX || ev->len != ev->orig_len ||
		    ev->data[ev->len - 1] == '\n')
			return -ENOENT;
		start(r, ev, now_ns);
		return -EAGAIN;
	}
	s = add(r, ev);
	if (!s)
		return -EINVAL;
	if (s->have < MW_PEEK_MAX && !memchr(s->buf, '\n', s->have))
		return -EAGAIN;
	*whole = *ev;
	whole->cont = 0;
	whole->seq = s->seq0;
	whole->len = (uint16_t)(s->have < MW_PEEK_MAX ? s->have : MW_PEEK_MAX);
	whole->orig_len = whole->len;
	memcpy(whole->data, s->buf, whole->len);
	done(r, s);
	return 0;
}

void mw_reasm_forget(struct mw_reasm *r, const struct mw_flow_key *key, uint64_t now_ns)
{
	struct mw_reasm_slot *s = find(r, key);

	if (s && !s->end_ns)
		s->end_ns = now_ns ? now_ns : 1;
}

void mw_reasm_expire(struct mw_reasm *r, uint64_t now_ns)
{
	struct mw_reasm_slot *s;
	unsigned i;

	for (i = 0; i < r->max; i++) {
		s = &r->slots[i];
		if (s->used && (now_ns - s->start_ns > r->ttl_ns ||
				(s->end_ns && now_ns - s->end_ns > MW_REASM_LINGER_NS))) {
			s->used = false;
			r->expired++;
		}
	}
}

unsigned mw_reasm_pending(const struct mw_reasm *r)
{
	unsigned i, n = 0;

	for (i = 0; i < r->max; i++)
		n += r->slots[i].used;
	return n;
}
