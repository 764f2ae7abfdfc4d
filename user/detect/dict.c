// SPDX-License-Identifier: GPL-2.0-only
/*
 * dict.c - the dictionary-attack detector's connections: each watched
 * connection's replies read as refusals, a login, or neither (see dict.h);
 * dict_tries.c counts what they make of each source.
 */
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include "detect/dict_priv.h"
#include "parse/login_reply.h"
#include "util.h"

const char *mw_dict_method(unsigned svc)
{
	switch (svc) {
	case MW_SVC_SSH:
		return "SSHDICT";
	case MW_SVC_RDP:
		return "RDPDICT";
	case MW_SVC_HTTP:
		return "HTTPDICT";
	case MW_SVC_AUTH:
		return "DICTATTACK";
	}
	return "?";
}

struct mw_dict *mw_dict_new(const struct mw_config *cfg, mw_dict_fn fn, void *arg)
{
	struct mw_dict *d = calloc(1, sizeof(*d));

	if (d) {
		d->cfg = cfg;
		d->fn = fn;
		d->arg = arg;
	}
	return d;
}

void mw_dict_on_login(struct mw_dict *d, mw_dict_login_fn fn)
{
	d->login = fn;
}

void mw_dict_free(struct mw_dict *d)
{
	size_t i;

	if (!d)
		return;
	for (i = 0; i < CONN_BUCKETS; i++)
		while (d->conns[i]) {
			struct conn *c = d->conns[i];

			d->conns[i] = c->next;
			free(c);
		}
	for (i = 0; i < SRC_BUCKETS; i++)
		while (d->srcs[i]) {
			struct src *s = d->srcs[i];

			d->srcs[i] = s->next;
			free(s);
		}
	free(d);
}

/* --- the replies --------------------------------------------------------- */

/* SSH: the server's KEXINIT again: a key re-exchange, which a client can
 * start at any time, even before it logged in. */
static bool ssh_rekey(const struct conn *c, uint32_t size)
{
	return c->kexinit && size >= c->kexinit && size <= c->kexinit + KEXINIT_GROWTH;
}

/* SSH: @size of a server reply (or, @more, the whole of one whose first
 * packet was seen) in connection @c. */
static void ssh_reply(struct mw_dict *d, struct conn *c, uint32_t size, bool more, uint64_t now)
{
	unsigned i;

	if (!c->auth) {
		if (size > SMALL_REPLY && !more) {
			if (!c->kexinit)
				c->kexinit = size;
			if (c->big < 255)
				c->big++;
		} else if (size <= SMALL_REPLY && c->big >= 2 && !more) {
			/* the first small reply after the key exchange accepts
			 * the "ssh-userauth" service: the authentication starts */
			c->auth = true;
		}
		return;
	}
	if (more) {
		/* the whole of a burst: several messages, which a client can
		 * make of anything by sending several at once; it only shows
		 * that a re-exchange may have started */
		if (c->kexinit && size >= c->kexinit)
			c->kex_left = 2;
		return;
	}
	if (ssh_rekey(c, size)) {
		c->kex_left = 2; /* its KEX reply and NEWKEYS follow */
		return;
	}
	if (c->kex_left) {
		c->kex_left--;
		return;
	}
	/* no unauthenticated client gets a one-message reply larger than
	 * every one of the authentication (re-exchanges aside): that is the
	 * session, after the smallest reply, USERAUTH_SUCCESS */
	if (c->candidate && size > c->max_small) {
		dict_login(d, c, now);
		return;
	}
	if (size > SMALL_REPLY) {
		/* a large one-message reply that is no re-exchange, after the
		 * first reply of the authentication: the session (a client
		 * such as paramiko logs in with its first request, so that
		 * SUCCESS is the first reply). Nothing pending is forgiven by
		 * it and nothing allowlisted: tries before it stay counted */
		if (c->first_reply) {
			dict_finalize(d, c, now);
			c->over = true;
			c->candidate = false;
		}
		return;
	}
	if (c->candidate && --c->cand_left == 0)
		c->candidate = false;
	for (i = 0; i < c->n_sizes && c->sizes[i].size != size; i++)
		;
	if (i == c->n_sizes) {
		if (c->n_sizes == MAX_SIZES)
			return;
		c->sizes[c->n_sizes].size = size;
		c->sizes[c->n_sizes++].count = 0;
	}
	c->sizes[i].count++;
	if (!c->first_reply) {
		/* the answer to the first request, mostly the "none" probe
		 * every client starts with: USERAUTH_FAILURE */
		c->first_reply = size;
		c->first_reply_at = c->exchanges;
	} else if (size < c->first_reply) {
		/* smaller than a refusal: USERAUTH_SUCCESS is the smallest
		 * message there is (and an answer to junk may be as small) */
		if (c->sizes[i].count == 1) {
			c->candidate = true;
			c->cand_left = CONFIRM_EXCHANGES;
		}
	} else if (c->sizes[i].count > c->max_count) {
		/* each repeat of the refusal is one more try: the most
		 * repeated reply at least as large as the first */
		c->max_count = c->sizes[i].count;
		if (c->max_count >= 2) {
			c->evidence = "SSH USERAUTH_FAILURE repeated";
			dict_add_pending(d, c, now);
		}
	}
	if (size > c->max_small)
		c->max_small = size;
}

/* RDP and other encrypted services: a small reply that repeats is a
 * refusal; a large reply after the authentication is some session, which
 * ends the counting but takes nothing back (it may be a way in, or not). */
static void size_reply(struct mw_dict *d, struct conn *c, uint32_t size, bool more, uint64_t now)
{
	unsigned i;

	if (more)
		return;
	if (size > SMALL_REPLY) {
		if (c->max_count >= 2)
			c->over = true;
		else if (c->big < 255)
			c->big++;
		return;
	}
	for (i = 0; i < c->n_sizes && c->sizes[i].size != size; i++)
		;
	if (i == c->n_sizes) {
		if (c->n_sizes == MAX_SIZES)
			return;
		c->sizes[c->n_sizes].size = size;
		c->sizes[c->n_sizes++].count = 0;
	}
	c->sizes[i].count++;
	if (c->sizes[i].count > c->max_count) {
		c->max_count = c->sizes[i].count;
		if (c->max_count >= 2) {
			c->evidence = "repeated refusal size";
			dict_add_try(d, c, now);
		}
	}
}

/* HTTPS: a login form refused again answers with the same page for a
 * request that differs by the password's length; a poller or a health
 * check repeats its request exactly, and a page's objects differ in size. */
static void tls_http_reply(struct mw_dict *d, struct conn *c, uint32_t size, bool more,
			   uint64_t now)
{
	struct src *s;
	uint32_t delta;

	if (more || !c->last_client)
		return;
	/* the TLS handshake's replies (ServerHello and certificate, then the
	 * session tickets) are no answer to a request */
	if (c->replies < 2) {
		c->replies++;
		return;
	}
	if (size > TLS_HTTP_REPLY || size < TLS_HTTP_REPLY_MIN || c->last_client < TLS_HTTP_REQ_MIN)
		return;
	s = dict_conn_src(d, c);
	if (!s)
		return;
	delta = s->tls_req > c->last_client ? s->tls_req - c->last_client :
					      c->last_client - s->tls_req;
	if (s->tls_reply == size && delta && delta <= TLS_HTTP_REQ_DELTA) {
		c->evidence = "HTTPS: same reply to requests differing by a password's length";
		dict_add_final(d, c, now);
	}
	s->tls_req = c->last_client;
	s->tls_reply = size;
}

static void server_reply(struct mw_dict *d, struct conn *c, uint32_t size, const uint8_t *head,
			 unsigned head_len, bool more, unsigned exchanges, uint64_t now)
{
	if (c->over)
		return;
	if (exchanges > LOGIN_EXCHANGES) {
		/* no login takes this long: a session, or no login at all */
		dict_finalize(d, c, now);
		c->over = true;
		return;
	}
	if (!more && head_len) {
		struct mw_reply r = mw_login_reply(head, head_len, ntohs(c->key.local_port));

		if (r.kind != MW_REPLY_OPAQUE)
			c->clear = true;
		switch (r.kind) {
		case MW_REPLY_REFUSED:
			c->evidence = r.proto;
			dict_add_try(d, c, now);
			return;
		case MW_REPLY_ACCEPTED:
			dict_login(d, c, now);
			return;
		case MW_REPLY_OTHER:
			return;
		case MW_REPLY_OPAQUE:
			break;
		}
	}
	if (c->clear)
		return;
	switch (c->svc) {
	case MW_SVC_SSH:
		ssh_reply(d, c, size, more, now);
		break;
	case MW_SVC_HTTP:
		tls_http_reply(d, c, size, more, now);
		break;
	default:
		size_reply(d, c, size, more, now);
	}
}

/* --- connections --------------------------------------------------------- */

static void conn_drop(struct mw_dict *d, struct conn **pp)
{
	struct conn *c = *pp;

	dict_pend_remove(c);
	if (c->src)
		c->src->refs--;
	*pp = c->next;
	free(c);
	d->n_conns--;
}

static struct conn **conn_slot(struct mw_dict *d, const struct mw_flow_key *key, uint64_t first_ns)
{
	struct conn **pp = &d->conns[hash_bytes(key, sizeof(*key)) % CONN_BUCKETS];

	for (; *pp; pp = &(*pp)->next)
		if ((*pp)->first_ns == first_ns && !memcmp(&(*pp)->key, key, sizeof(*key)))
			break;
	return pp;
}

/*
 * The table is full (connections whose ends never came: evicted from the
 * flow table, or a client that kept them open on purpose): the least
 * recently active connection of a few buckets near @key's gives way, its
 * pending tries counted, so that no one can blind the detector by filling
 * the table, nor hide its own tries by getting them evicted.
 */
static void evict_one(struct mw_dict *d, const struct mw_flow_key *key, uint64_t now)
{
	uint32_t h = hash_bytes(key, sizeof(*key)) % CONN_BUCKETS;
	struct conn **best = NULL, **pp;
	unsigned i;

	for (i = 0; i < 8; i++)
		for (pp = &d->conns[(h + i) % CONN_BUCKETS]; *pp; pp = &(*pp)->next)
			if (!best || (*pp)->last_ns < (*best)->last_ns)
				best = pp;
	for (i = 8; !best && i < CONN_BUCKETS; i++) /* sparse table: look further */
		if (d->conns[(h + i) % CONN_BUCKETS])
			best = &d->conns[(h + i) % CONN_BUCKETS];
	if (!best)
		return;
	if (!(*best)->logged_in)
		dict_finalize(d, *best, now);
	conn_drop(d, best);
}

/* Internal clients are exempt from HTTPDICT unless configured: a load
 * balancer, a monitoring system and an office proxy are many users. */
static bool exempt(const struct mw_dict *d, unsigned svc, const struct mw_flow_key *key)
{
	return svc == MW_SVC_HTTP && !d->cfg->dict_http_internal &&
	       mw_prefixes_contain(d->cfg->internal, d->cfg->n_internal,
				   (const struct mw_addr *)key->remote_addr);
}

void mw_dict_burst(struct mw_dict *d, const struct mw_event_burst *ev)
{
	struct conn **pp, *c;
	uint64_t now = ev->hdr.ts_ns;

	/* a connection whose handshake was not seen complete, in order, may
	 * be forged: it is no evidence */
	if (ev->svc == MW_SVC_NONE || ev->svc >= MW_SVC_MAX || !ev->handshake)
		return;
	if (exempt(d, ev->svc, &ev->key))
		return;
	pp = conn_slot(d, &ev->key, ev->first_ns);
	c = *pp;
	if (!c) {
		if (d->n_conns >= MAX_CONNS)
			evict_one(d, &ev->key, now);
		c = calloc(1, sizeof(*c));
		if (!c)
			return;
		c->key = ev->key;
		c->first_ns = ev->first_ns;
		c->svc = ev->svc;
		*pp = c;
		d->n_conns++;
	}
	c->last_ns = now;
	c->ifindex = ev->hdr.ifindex;
	c->exchanges = ev->exchanges;
	/* the server is the local side: its bursts go out */
	if (ev->hdr.dir == MW_DIR_OUT) {
		if (c->eager && c->eager == ev->bytes) {
			c->eager = 0; /* the one-packet reply seen at its start */
			return;
		}
		server_reply(d, c, ev->bytes, NULL, 0, c->eager != 0, ev->exchanges, now);
		c->eager = 0;
		return;
	}
	/* the client's request ended because the server answers: a one-packet
	 * answer, such as a refusal, is complete already; read it now rather
	 * than when the client speaks again */
	c->last_client = ev->bytes;
	c->eager = 0;
	if (ev->next_bytes) {
		c->eager = ev->next_bytes;
		server_reply(d, c, ev->next_bytes, ev->next_head,
			     ev->next_head_len < MW_HEAD_MAX ? ev->next_head_len : MW_HEAD_MAX,
			     false, ev->exchanges, now);
	}
}

void mw_dict_flow_end(struct mw_dict *d, const struct mw_event_flow *ev)
{
	const struct mw_flow *f = &ev->flow;
	struct conn **pp, *c, tmp;
	uint64_t now = ev->hdr.ts_ns;

	if (f->svc == MW_SVC_NONE || f->svc >= MW_SVC_MAX)
		return;
	pp = conn_slot(d, &ev->key, f->first_ns);
	c = *pp;
	if (!f->handshake || exempt(d, f->svc, &ev->key)) {
		if (c)
			conn_drop(d, pp);
		return;
	}
	if (!c) {
		memset(&tmp, 0, sizeof(tmp));
		tmp.key = ev->key;
		tmp.first_ns = f->first_ns;
		tmp.svc = f->svc;
		tmp.ifindex = ev->hdr.ifindex;
		c = &tmp;
	}
	/* the last burst, if the server had the last word */
	if (f->last_data_dir == MW_DIR_OUT && f->burst_bytes &&
	    f->exchanges <= MW_BURST_EVENTS_MAX && c->eager != f->burst_bytes)
		server_reply(d, c, f->burst_bytes, NULL, 0, c->eager != 0, f->exchanges, now);
	/* RDP puts one try in a connection: a short one that completed its
	 * handshake and got no further than the TLS and CredSSP exchange (two
	 * large bursts at most) is one try */
	if (c->svc == MW_SVC_RDP && !c->over && !c->final && f->exchanges >= 4 && c->big <= 2 &&
	    f->last_ns - f->first_ns < LONG_CONN_NS) {
		c->evidence = "short connection without a session";
		dict_add_try(d, c, now);
	}
	/* SSH: asked for the methods (the "none" probe, refused) and left
	 * without trying any: a failed login as well (hydra's first
	 * connection, a client with no usable key); a session that was not
	 * recognised would have gone on much longer */
	if (c->svc == MW_SVC_SSH && c->first_reply && !c->logged_in && !c->final && !c->pending &&
	    f->exchanges <= c->first_reply_at + 2) {
		c->evidence = "SSH authentication refused, then the client left";
		dict_add_try(d, c, now);
	}
	/* ended without a login: its pending tries were refusals */
	if (!c->logged_in)
		dict_finalize(d, c, now);
	else if (d->login) {
		struct mw_addr src;

		memcpy(src.addr, c->key.remote_addr, 16);
		d->login(d->arg, c->svc, &src, ntohs(c->key.remote_port), false);
	}
	if (c != &tmp)
		conn_drop(d, pp);
	else if (tmp.src)
		tmp.src->refs--; /* taken by dict_conn_src() for a connection never kept */
}

void mw_dict_tick(struct mw_dict *d, uint64_t now)
{
	uint64_t window = window_ns(d);
	size_t i;

	/* connections whose end we missed (evicted from the flow table) */
	for (i = 0; i < CONN_BUCKETS; i++) {
		struct conn **pp = &d->conns[i];

		while (*pp) {
			struct conn *c = *pp;

			if (now - c->last_ns > 2 * window + LONG_CONN_NS) {
				if (!c->logged_in)
					dict_finalize(d, c, now);
				conn_drop(d, pp);
				continue;
			}
			pp = &c->next;
		}
	}
	dict_tries_tick(d, now);
}
