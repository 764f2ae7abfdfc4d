// SPDX-License-Identifier: GPL-2.0-only
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include "detect/dict.h"
#include "util.h"

#define SMALL_REPLY 256 /* a refusal is a small server burst */
#define SMALL_HTTP 2048 /* an HTTP 401 carries headers and a page */
#define SESSION_SIZE 512 /* a burst this large after the authentication starts a session */
#define MAX_SIZES 8 /* distinct small reply sizes remembered per connection */
#define CONN_BUCKETS 4096
#define SRC_BUCKETS 4096
#define MAX_TRIES 64 /* remembered per source: the window rarely needs more */
#define LONG_CONN_NS (60ULL * 1000000000ULL)
#define LOGIN_EXCHANGES 32 /* a login is over by then: later bursts are a session */

struct conn {
	struct mw_flow_key key;
	uint64_t first_ns;
	uint8_t svc;
	uint8_t n_sizes;
	uint8_t big; /* server bursts larger than SMALL_REPLY */
	uint8_t replies; /* small server bursts after the first large one */
	bool session;
	bool maybe_in; /* a new small reply after refusals: a yes, or a goodbye */
	bool logged_in; /* reported to the login callback */
	uint32_t eager; /* a server burst counted at its first packet */
	uint16_t tries; /* counted for this connection */
	uint16_t max_count;
	struct {
		uint32_t size;
		uint16_t count;
	} sizes[MAX_SIZES];
	uint64_t last_ns;
	uint32_t ifindex;
	struct conn *next;
};

struct src {
	struct mw_addr addr;
	uint8_t svc;
	uint64_t reported_ns; /* when the latest detection was sent */
	struct mw_addr dst;
	uint16_t dst_port;
	uint64_t tries[MAX_TRIES]; /* timestamps, a ring */
	unsigned head, n;
	uint64_t first_ns;
	uint32_t last_reply; /* HTTP: the last answer of its previous connection */
	uint64_t seen_ns; /* its latest connection end */
	struct src *next;
};

struct mw_dict {
	const struct mw_config *cfg;
	mw_dict_fn fn;
	mw_dict_login_fn login;
	void *arg;
	struct conn *conns[CONN_BUCKETS];
	struct src *srcs[SRC_BUCKETS];
	uint64_t dist_reported_ns[MW_SVC_MAX];
};

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

static uint32_t hash_bytes(const void *p, size_t len)
{
	const uint8_t *b = p;
	uint32_t h = 2166136261u;
	size_t i;

	for (i = 0; i < len; i++)
		h = (h ^ b[i]) * 16777619u;
	return h;
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

static struct conn **conn_slot(struct mw_dict *d, const struct mw_flow_key *key, uint64_t first_ns)
{
	struct conn **pp = &d->conns[hash_bytes(key, sizeof(*key)) % CONN_BUCKETS];

	for (; *pp; pp = &(*pp)->next)
		if ((*pp)->first_ns == first_ns && !memcmp(&(*pp)->key, key, sizeof(*key)))
			break;
	return pp;
}

static struct src *src_get(struct mw_dict *d, const struct mw_addr *a, unsigned svc, bool create)
{
	uint32_t h = (hash_bytes(a, sizeof(*a)) ^ svc) % SRC_BUCKETS;
	struct src *s;

	for (s = d->srcs[h]; s; s = s->next)
		if (s->svc == svc && !memcmp(&s->addr, a, sizeof(*a)))
			return s;
	if (!create)
		return NULL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->addr = *a;
	s->svc = svc;
	s->next = d->srcs[h];
	d->srcs[h] = s;
	return s;
}

/* Tries of @s still inside the window ending at @now. */
static unsigned src_count(const struct mw_dict *d, const struct src *s, uint64_t now,
			  uint64_t *first)
{
	uint64_t window = d->cfg->dict_window_ms * 1000000ULL;
	unsigned i, n = 0;

	*first = now;
	for (i = 0; i < s->n; i++) {
		uint64_t t = s->tries[(s->head + MAX_TRIES - 1 - i) % MAX_TRIES];

		if (now - t > window)
			break;
		n++;
		*first = t;
	}
	return n;
}

static void detect_distributed(struct mw_dict *d, unsigned svc, const struct conn *c, uint64_t now);

static void report(struct mw_dict *d, struct src *s, const struct conn *c, uint64_t now,
		   bool successful)
{
	struct mw_dict_detection det = { 0 };
	uint64_t first;

	det.svc = s->svc;
	det.method = mw_dict_method(s->svc);
	det.src = s->addr;
	memcpy(det.dst.addr, c->key.local_addr, 16);
	det.dst_port = ntohs(c->key.local_port);
	det.src_port = ntohs(c->key.remote_port);
	det.ifindex = c->ifindex;
	det.attempts = src_count(d, s, now, &first);
	det.first_ns = first;
	det.last_ns = now;
	det.successful = successful;
	d->fn(d->arg, &det);
}

/* Takes back the last @n tries of @s (a connection that got its session). */
static void src_retract(struct src *s, unsigned n)
{
	if (n > s->n)
		n = s->n;
	s->head = (s->head + MAX_TRIES - n) % MAX_TRIES;
	s->n -= n;
}

static void add_try(struct mw_dict *d, struct conn *c, uint64_t now)
{
	struct mw_addr src;
	struct src *s;
	uint64_t first;

	memcpy(src.addr, c->key.remote_addr, 16);
	c->tries++;
	s = src_get(d, &src, c->svc, true);
	if (!s)
		return;
	s->tries[s->head] = now;
	s->head = (s->head + 1) % MAX_TRIES;
	if (s->n < MAX_TRIES)
		s->n++;
	/* once per window: a returning attacker (its block over) is reported again */
	if (s->reported_ns && now - s->reported_ns <= d->cfg->dict_window_ms * 1000000ULL)
		return;
	if (src_count(d, s, now, &first) >= d->cfg->dict[c->svc].attempts) {
		s->reported_ns = now;
		report(d, s, c, now, false);
		return;
	}
	/* while a distributed attack on this service goes on, every source that
	 * joins it is part of it */
	if (d->dist_reported_ns[c->svc] &&
	    now - d->dist_reported_ns[c->svc] <= d->cfg->dict_window_ms * 1000000ULL) {
		struct mw_dict_detection det = { 0 };

		s->reported_ns = now;
		det.svc = c->svc;
		det.method = mw_dict_method(c->svc);
		det.distributed = true;
		det.src = s->addr;
		det.sources[0] = s->addr;
		det.n_sources = det.total_sources = 1;
		det.attempts = src_count(d, s, now, &first);
		det.first_ns = first;
		det.last_ns = now;
		memcpy(det.dst.addr, c->key.local_addr, 16);
		det.dst_port = ntohs(c->key.local_port);
		d->fn(d->arg, &det);
		return;
	}
	detect_distributed(d, c->svc, c, now);
}

/* Many sources, each below the threshold, on one service in one window. */
static void detect_distributed(struct mw_dict *d, unsigned svc, const struct conn *c, uint64_t now)
{
	struct mw_dict_detection det = { 0 };
	unsigned sources = 0, attempts = 0;
	uint64_t first;
	size_t i;

	if (now - d->dist_reported_ns[svc] < d->cfg->dict_window_ms * 1000000ULL &&
	    d->dist_reported_ns[svc])
		return;
	for (i = 0; i < SRC_BUCKETS; i++) {
		const struct src *s;

		for (s = d->srcs[i]; s; s = s->next) {
			unsigned n;

			if (s->svc != svc)
				continue;
			n = src_count(d, s, now, &first);
			if (!n)
				continue;
			sources++;
			attempts += n;
			if (det.n_sources < MW_DICT_MAX_LISTED)
				det.sources[det.n_sources++] = s->addr;
		}
	}
	if (sources < d->cfg->dict_dist_sources || attempts < d->cfg->dict_dist_attempts)
		return;
	d->dist_reported_ns[svc] = now;
	for (i = 0; i < SRC_BUCKETS; i++) {
		struct src *s;

		for (s = d->srcs[i]; s; s = s->next)
			if (s->svc == svc && src_count(d, s, now, &first))
				s->reported_ns = now;
	}
	det.svc = svc;
	det.method = mw_dict_method(svc);
	det.distributed = true;
	det.total_sources = sources;
	det.attempts = attempts;
	det.first_ns = now - d->cfg->dict_window_ms * 1000000ULL;
	det.last_ns = now;
	memcpy(det.dst.addr, c->key.local_addr, 16);
	det.dst_port = ntohs(c->key.local_port);
	d->fn(d->arg, &det);
}

/* The server let the client in: the login phase of @c is over. */
static void session_started(struct mw_dict *d, struct conn *c, uint64_t now)
{
	struct mw_addr src;
	struct src *s;
	uint64_t first;
	unsigned before = 0;

	c->session = true;
	memcpy(src.addr, c->key.remote_addr, 16);
	s = src_get(d, &src, c->svc, false);
	if (s)
		before = src_count(d, s, now, &first);
	if (s && before >= d->cfg->dict_success_attempts) {
		/* failed tries, then a way in: a successful attack */
		report(d, s, c, now, true);
	} else if (d->login) {
		d->login(d->arg, c->svc, &src, ntohs(c->key.remote_port), true);
		c->logged_in = true;
	}
	/* a client that got in was no guesser in this connection (an SSH client
	 * offering its keys one by one gets refusals too): take its tries back */
	if (s)
		src_retract(s, c->tries);
}

/* A server burst of @size ended in connection @c, at exchange @exchanges. */
static void server_burst(struct mw_dict *d, struct conn *c, uint32_t size, unsigned exchanges,
			 uint64_t now)
{
	uint32_t small = c->svc == MW_SVC_HTTP ? SMALL_HTTP : SMALL_REPLY;
	uint32_t refusal = 0;
	unsigned i;

	if (c->session)
		return;
	if (exchanges > LOGIN_EXCHANGES) {
		c->session = true; /* no login takes this long: a session, or no login at all */
		return;
	}
	/* a large burst after the key exchange (large bursts) and some small
	 * replies (the authentication) is the server starting a session */
	if (size > small && c->big && c->replies >= 2) {
		session_started(d, c, now);
		return;
	}
	/* once the refusal is known (a small reply seen twice), a small reply
	 * of a size not seen before is the server saying yes */
	for (i = 0; i < c->n_sizes; i++)
		if (c->sizes[i].count >= 2)
			refusal = c->sizes[i].size;
	if (c->maybe_in) {
		/* the server speaks again after its yes: a session; a refusal
		 * again: it was not a yes */
		c->maybe_in = false;
		if (size != refusal) {
			session_started(d, c, now);
			return;
		}
	}
	if (refusal && size <= small) {
		for (i = 0; i < c->n_sizes && c->sizes[i].size != size; i++)
			;
		if (i == c->n_sizes) {
			/* a goodbye before the close looks the same: wait for more */
			c->maybe_in = true;
			return;
		}
	}
	if (size > small) {
		if (c->big < 255)
			c->big++;
		return;
	}
	if (c->big && c->replies < 255)
		c->replies++;
	for (i = 0; i < c->n_sizes; i++)
		if (c->sizes[i].size == size)
			break;
	if (i == c->n_sizes) {
		if (c->n_sizes == MAX_SIZES)
			return;
		c->sizes[c->n_sizes].size = size;
		c->sizes[c->n_sizes++].count = 0;
	}
	c->sizes[i].count++;
	/* each repeat of the most repeated refusal is one more try */
	if (c->sizes[i].count > c->max_count) {
		c->max_count = c->sizes[i].count;
		if (c->max_count >= 2)
			add_try(d, c, now);
	}
}

void mw_dict_burst(struct mw_dict *d, const struct mw_event_burst *ev)
{
	struct conn **pp, *c;

	if (ev->svc == MW_SVC_NONE || ev->svc >= MW_SVC_MAX)
		return;
	pp = conn_slot(d, &ev->key, ev->first_ns);
	c = *pp;
	if (!c) {
		c = calloc(1, sizeof(*c));
		if (!c)
			return;
		c->key = ev->key;
		c->first_ns = ev->first_ns;
		c->svc = ev->svc;
		*pp = c;
	}
	c->last_ns = ev->hdr.ts_ns;
	c->ifindex = ev->hdr.ifindex;
	/* the server is the local side: its bursts go out */
	if (ev->hdr.dir == MW_DIR_OUT) {
		/* counted already at its first packet (see below)? */
		if (c->eager && c->eager == ev->bytes)
			c->eager = 0;
		else
			server_burst(d, c, ev->bytes, ev->exchanges, ev->hdr.ts_ns);
		return;
	}
	/* the client's request ended because the server answers: a one-packet
	 * answer, such as a refusal, is complete already; count it now rather
	 * than when the client's next try starts */
	c->eager = 0;
	if (ev->next_bytes &&
	    ev->next_bytes <= (ev->svc == MW_SVC_HTTP ? SMALL_HTTP : SMALL_REPLY)) {
		c->eager = ev->next_bytes;
		server_burst(d, c, ev->next_bytes, ev->exchanges, ev->hdr.ts_ns);
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
	if (!c) {
		memset(&tmp, 0, sizeof(tmp));
		tmp.key = ev->key;
		tmp.first_ns = f->first_ns;
		tmp.svc = f->svc;
		c = &tmp;
	}
	/* the last burst, if the server had the last word (and it was not
	 * counted at its first packet) */
	if (f->last_data_dir == MW_DIR_OUT && f->burst_bytes &&
	    f->exchanges <= MW_BURST_EVENTS_MAX && c->eager != f->burst_bytes)
		server_burst(d, c, f->burst_bytes, f->exchanges, now);
	/* a short connection that completed its handshake and got nowhere is
	 * one try: the server sent nothing large beyond an SSH key exchange
	 * (two large bursts; a login that got in gets more, OpenSSH announces
	 * its host keys). One that never completed the handshake is no
	 * evidence at all. */
	if (f->handshake && !c->session && !c->tries && f->exchanges >= 4 && c->big <= 2 &&
	    f->last_ns - f->first_ns < LONG_CONN_NS)
		add_try(d, c, now);
	/* HTTP without keep-alive: one request a connection; the same small
	 * answer as the source's previous connection is a repeated refusal */
	if (f->svc == MW_SVC_HTTP && f->handshake && !c->session && !c->tries &&
	    f->last_data_dir == MW_DIR_OUT && f->burst_bytes && f->burst_bytes <= SMALL_HTTP) {
		struct mw_addr src;
		struct src *s;

		memcpy(src.addr, c->key.remote_addr, 16);
		s = src_get(d, &src, MW_SVC_HTTP, true);
		if (s) {
			s->seen_ns = now;
			if (s->last_reply == f->burst_bytes)
				add_try(d, c, now);
			else
				s->last_reply = f->burst_bytes;
		}
	}
	if (c->logged_in && d->login) {
		struct mw_addr src;

		memcpy(src.addr, c->key.remote_addr, 16);
		d->login(d->arg, c->svc, &src, ntohs(c->key.remote_port), false);
	}
	if (c != &tmp) {
		*pp = c->next;
		free(c);
	}
}

void mw_dict_tick(struct mw_dict *d, uint64_t now)
{
	uint64_t window = d->cfg->dict_window_ms * 1000000ULL;
	size_t i;

	for (i = 0; i < SRC_BUCKETS; i++) {
		struct src **pp = &d->srcs[i];

		while (*pp) {
			struct src *s = *pp;
			uint64_t first;

			if (!src_count(d, s, now, &first) && now - s->seen_ns > window) {
				*pp = s->next;
				free(s);
				continue;
			}
			pp = &s->next;
		}
	}
	/* connections whose end we missed (evicted from the flow table) */
	for (i = 0; i < CONN_BUCKETS; i++) {
		struct conn **pp = &d->conns[i];

		while (*pp) {
			struct conn *c = *pp;

			if (now - c->last_ns > 2 * window + LONG_CONN_NS) {
				*pp = c->next;
				free(c);
				continue;
			}
			pp = &c->next;
		}
	}
}

uint32_t mw_dict_attempts(const struct mw_dict *d, const struct mw_addr *src, unsigned svc)
{
	struct src *s = src_get((struct mw_dict *)d, src, svc, false);
	uint64_t first, last = 0;
	unsigned i;

	if (!s)
		return 0;
	for (i = 0; i < s->n; i++)
		if (s->tries[i] > last)
			last = s->tries[i];
	return src_count(d, s, last, &first);
}
