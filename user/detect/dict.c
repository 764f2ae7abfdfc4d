// SPDX-License-Identifier: GPL-2.0-only
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include "detect/dict.h"
#include "parse/login_reply.h"
#include "util.h"

#define SMALL_REPLY 256 /* SSH/RDP: a refusal is a small server burst */
#define KEXINIT_GROWTH 64 /* SSH: a KEXINIT sent again, encrypted, gains a MAC and padding */
#define TLS_HTTP_REPLY 4096 /* HTTPS: a refused login's page is no larger */
#define TLS_HTTP_REQ_DELTA 32 /* HTTPS: requests that differ by a password's length */
#define TLS_HTTP_REQ_MIN 500 /* HTTPS: a login form's POST, headers and body */
#define TLS_HTTP_REPLY_MIN 400 /* HTTPS: a page that says no, not a 304 or a bare JSON */
#define MAX_SIZES 8 /* distinct small reply sizes remembered per connection */
#define CONFIRM_EXCHANGES 8 /* SSH: exchanges in which a login must show its session */
#define CONN_BUCKETS 4096
#define SRC_BUCKETS 4096
#define MAX_CONNS 65536 /* watched connections kept at once */
#define MAX_SRCS 65536 /* sources kept at once */
#define MAX_TRIES 64 /* remembered per source: the window rarely needs more */
#define MAX_PENDING_CONNS 4 /* open connections of one source with pending tries */
#define FORGIVE_FINAL 2 /* earlier tries a recognised login takes back: typos */
#define FORGIVE_BUDGET_CONNS 20 /* logins' worth of tries (grace each) forgiven per window */
#define DIST_JOIN_MIN 2 /* final tries that make a source part of a distributed attack */
#define LONG_CONN_NS (60ULL * 1000000000ULL)
#define LOGIN_EXCHANGES 48 /* a login is over by then: later bursts are a session */

struct src;

struct conn {
	struct mw_flow_key key;
	uint64_t first_ns, last_ns;
	uint32_t ifindex;
	uint8_t svc;
	uint8_t big; /* server bursts > SMALL_REPLY before the authentication */
	uint8_t kex_left; /* SSH: replies that belong to a key re-exchange */
	uint8_t cand_left; /* SSH: exchanges left for a login to show its session */
	bool auth; /* SSH: the authentication began (the service was accepted) */
	bool candidate; /* SSH: a reply smaller than every other, a login if a session follows */
	bool over; /* the login phase is over */
	bool logged_in; /* a login was recognised */
	bool clear; /* replies in clear text: their codes decide, sizes do not */
	bool guessing; /* its tries count at once: it went past its grace */
	uint8_t n_sizes;
	uint8_t replies; /* HTTPS: server replies seen, the TLS handshake's first */
	uint16_t pending; /* tries not final yet */
	uint16_t final; /* tries of this connection made final */
	uint16_t max_count;
	uint32_t eager; /* the server reply classified at its first packet */
	uint32_t last_client; /* the client's latest burst */
	uint32_t max_small; /* SSH: the largest small reply of the authentication */
	uint32_t kexinit; /* SSH: the server's KEXINIT, its first large reply */
	uint32_t first_reply; /* SSH: the first reply of the authentication */
	uint16_t exchanges; /* the latest event's exchange count */
	uint16_t first_reply_at; /* SSH: @exchanges at the first reply */
	struct {
		uint32_t size;
		uint16_t count;
	} sizes[MAX_SIZES];
	const char *evidence;
	struct src *src; /* set once the connection has a try */
	struct conn *next;
};

struct src {
	struct mw_addr addr;
	uint8_t svc;
	uint64_t reported_ns; /* when the latest detection was sent */
	uint64_t tries[MAX_TRIES]; /* final tries' timestamps, a ring */
	unsigned head, n;
	struct conn *pend[MAX_PENDING_CONNS]; /* its open connections with pending tries */
	unsigned n_pend;
	uint32_t tls_req, tls_reply; /* HTTPS: its latest request and reply sizes */
	uint64_t parallel_ns; /* when it was seen guessing on two connections at once */
	uint64_t forgiven_ns; /* start of the window of @forgiven */
	unsigned forgiven; /* tries taken back by logins in that window */
	unsigned refs; /* connections that point here */
	uint64_t seen_ns;
	struct src *next;
};

struct mw_dict {
	const struct mw_config *cfg;
	mw_dict_fn fn;
	mw_dict_login_fn login;
	void *arg;
	struct conn *conns[CONN_BUCKETS];
	struct src *srcs[SRC_BUCKETS];
	size_t n_conns, n_srcs;
	uint64_t dist_reported_ns[MW_SVC_MAX];
	/* per service, as of the latest tick: sources with tries, their tries */
	unsigned active_sources[MW_SVC_MAX];
	unsigned active_tries[MW_SVC_MAX];
	struct conn last_conn[MW_SVC_MAX]; /* where the latest try was: the target */
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

static uint64_t window_ns(const struct mw_dict *d)
{
	return d->cfg->dict_window_ms * 1000000ULL;
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

/* --- sources and their tries --------------------------------------------- */

static struct src *src_get(struct mw_dict *d, const struct mw_addr *a, unsigned svc, bool create)
{
	uint32_t h = (hash_bytes(a, sizeof(*a)) ^ svc) % SRC_BUCKETS;
	struct src *s;

	for (s = d->srcs[h]; s; s = s->next)
		if (s->svc == svc && !memcmp(&s->addr, a, sizeof(*a)))
			return s;
	/* a flood of sources is bounded: beyond the cap a new one waits for
	 * the tick to forget the idle ones */
	if (!create || d->n_srcs >= MAX_SRCS)
		return NULL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->addr = *a;
	s->svc = svc;
	s->next = d->srcs[h];
	d->srcs[h] = s;
	d->n_srcs++;
	return s;
}

/* Final tries of @s still inside the window ending at @now. */
static unsigned src_count(const struct mw_dict *d, const struct src *s, uint64_t now,
			  uint64_t *first)
{
	unsigned i, n = 0;

	*first = now;
	for (i = 0; i < s->n; i++) {
		uint64_t t = s->tries[(s->head + MAX_TRIES - 1 - i) % MAX_TRIES];

		/* events of two CPUs may come a little out of order */
		if (t < now && now - t > window_ns(d))
			break;
		n++;
		*first = t;
	}
	return n;
}

/* Takes back the last @n final tries of @s. */
static void src_retract(struct src *s, unsigned n)
{
	if (n > s->n)
		n = s->n;
	s->head = (s->head + MAX_TRIES - n) % MAX_TRIES;
	s->n -= n;
}

static void detection_init(struct mw_dict_detection *det, const struct conn *c, unsigned svc)
{
	memset(det, 0, sizeof(*det));
	det->svc = svc;
	det->method = mw_dict_method(svc);
	det->evidence = c->evidence ? c->evidence : "repeated refusal";
	memcpy(det->dst.addr, c->key.local_addr, 16);
	det->dst_port = ntohs(c->key.local_port);
	det->src_port = ntohs(c->key.remote_port);
	det->ifindex = c->ifindex;
}

static void report(struct mw_dict *d, struct src *s, const struct conn *c, uint64_t now,
		   bool successful)
{
	struct mw_dict_detection det;
	uint64_t first;

	detection_init(&det, c, s->svc);
	det.src = s->addr;
	det.attempts = src_count(d, s, now, &first);
	det.first_ns = first;
	det.last_ns = now;
	det.successful = successful;
	d->fn(d->arg, &det);
}

/* Many sources, each below the threshold, on one service in one window.
 * The per-try check reads counts kept as tries come and recounted by each
 * tick; the sources are walked only when it fires, once per window. */
static void detect_distributed(struct mw_dict *d, unsigned svc, const struct conn *c, uint64_t now)
{
	struct mw_dict_detection det;
	unsigned sources = 0, attempts = 0;
	uint64_t first;
	size_t i;

	if (d->dist_reported_ns[svc] && now - d->dist_reported_ns[svc] < window_ns(d))
		return;
	if (d->active_sources[svc] < d->cfg->dict_dist_sources ||
	    d->active_tries[svc] < d->cfg->dict_dist_attempts)
		return;
	detection_init(&det, c, svc);
	for (i = 0; i < SRC_BUCKETS; i++) {
		const struct src *s;

		for (s = d->srcs[i]; s; s = s->next) {
			unsigned n;

			if (s->svc != svc)
				continue;
			n = src_count(d, s, now, &first);
			if (n < DIST_JOIN_MIN)
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
			if (s->svc == svc && src_count(d, s, now, &first) >= DIST_JOIN_MIN)
				s->reported_ns = now;
	}
	det.distributed = true;
	det.src_port = 0;
	det.total_sources = sources;
	det.attempts = attempts;
	det.first_ns = now - window_ns(d);
	det.last_ns = now;
	d->fn(d->arg, &det);
}

/* One final try for @c's source, and the decisions that follow from it. */
static void add_final(struct mw_dict *d, struct conn *c, uint64_t now)
{
	uint64_t window = window_ns(d), first;
	struct src *s = c->src;
	unsigned n;

	c->final++;
	if (!s)
		return;
	s->seen_ns = now;
	s->tries[s->head] = now;
	s->head = (s->head + 1) % MAX_TRIES;
	if (s->n < MAX_TRIES)
		s->n++;
	/* once per window: a returning attacker (its block over) is reported again */
	if (s->reported_ns && now - s->reported_ns <= window)
		return;
	n = src_count(d, s, now, &first);
	/* the distributed check's counts, until the tick recounts them */
	d->last_conn[c->svc] = *c;
	d->last_conn[c->svc].next = NULL;
	d->last_conn[c->svc].src = NULL;
	if (n == DIST_JOIN_MIN) {
		d->active_sources[c->svc]++;
		d->active_tries[c->svc] += n;
	} else if (n > DIST_JOIN_MIN) {
		d->active_tries[c->svc]++;
	}
	if (n >= d->cfg->dict[c->svc].attempts) {
		s->reported_ns = now;
		report(d, s, c, now, false);
		return;
	}
	/* while a distributed attack on this service goes on, a source that
	 * joins it with tries of its own is part of it; one refusal is not
	 * enough (an administrator's mistyped password) */
	if (d->dist_reported_ns[c->svc] && now - d->dist_reported_ns[c->svc] <= window) {
		struct mw_dict_detection det;

		if (n < DIST_JOIN_MIN)
			return;
		s->reported_ns = now;
		detection_init(&det, c, c->svc);
		det.distributed = true;
		det.src = s->addr;
		det.sources[0] = s->addr;
		det.n_sources = det.total_sources = 1;
		det.attempts = n;
		det.first_ns = first;
		det.last_ns = now;
		d->fn(d->arg, &det);
		return;
	}
	detect_distributed(d, c->svc, c, now);
}

static struct src *conn_src(struct mw_dict *d, struct conn *c)
{
	struct mw_addr a;

	if (!c->src) {
		memcpy(a.addr, c->key.remote_addr, 16);
		c->src = src_get(d, &a, c->svc, true);
		if (c->src)
			c->src->refs++;
	}
	return c->src;
}

static void pend_remove(struct conn *c)
{
	struct src *s = c->src;
	unsigned i;

	if (!s)
		return;
	for (i = 0; i < s->n_pend; i++)
		if (s->pend[i] == c) {
			s->pend[i] = s->pend[--s->n_pend];
			return;
		}
}

/* @c's pending tries become final. */
static void finalize(struct mw_dict *d, struct conn *c, uint64_t now)
{
	unsigned n = c->pending;

	pend_remove(c);
	c->pending = 0;
	while (n--)
		add_final(d, c, now);
}

/* Connections of one source, each refused while another is: a guesser
 * working in parallel (hydra's tasks) once the source has a try counted
 * already (hydra's first connection asks for the methods and leaves), or
 * once two of them hold half the grace each; a few clients of one address
 * offering a refused key each before the right one are not. */
static bool parallel_guess(const struct mw_dict *d, const struct src *s, uint64_t now)
{
	uint64_t first;
	unsigned i, deep = 0;

	if (src_count(d, s, now, &first))
		return true;
	for (i = 0; i < s->n_pend; i++)
		deep += s->pend[i]->pending * 2 >= d->cfg->dict_grace;
	return deep >= 2;
}

/* A try of a connection whose login may still come: pending, unless the
 * source guesses on other connections at once or this one holds too many. */
static void add_pending(struct mw_dict *d, struct conn *c, uint64_t now)
{
	struct src *s = conn_src(d, c);
	unsigned i;

	if (!s) {
		c->final++;
		return;
	}
	/* a source seen guessing in parallel, or a connection past its grace:
	 * no login is coming to take these back */
	if (c->guessing || (s->parallel_ns && now - s->parallel_ns <= window_ns(d))) {
		add_final(d, c, now);
		return;
	}
	c->pending++;
	for (i = 0; i < s->n_pend && s->pend[i] != c; i++)
		;
	if (i == s->n_pend) {
		if (s->n_pend == MAX_PENDING_CONNS)
			finalize(d, s->pend[0], now);
		s->pend[s->n_pend++] = c;
	}
	if (s->n_pend >= 2 && parallel_guess(d, s, now)) {
		/* a parallel guesser: every pending try counts now */
		s->parallel_ns = now;
		while (s->n_pend)
			finalize(d, s->pend[0], now);
		return;
	}
	if (c->pending >= d->cfg->dict_grace) {
		c->guessing = true;
		finalize(d, c, now);
	}
}

static void add_try(struct mw_dict *d, struct conn *c, uint64_t now)
{
	if (conn_src(d, c))
		add_final(d, c, now);
	else
		c->final++;
}

/* Takes back up to @n tries of @s within its budget; returns those taken. */
static unsigned forgive(struct mw_dict *d, struct src *s, unsigned n, uint64_t now)
{
	unsigned budget = FORGIVE_BUDGET_CONNS * d->cfg->dict_grace;

	if (now - s->forgiven_ns > window_ns(d)) {
		s->forgiven_ns = now;
		s->forgiven = 0;
	}
	if (s->forgiven >= budget)
		n = 0;
	else if (n > budget - s->forgiven)
		n = budget - s->forgiven;
	s->forgiven += n;
	return n;
}

/* The server let the client in: the login phase of @c is over. */
static void login(struct mw_dict *d, struct conn *c, uint64_t now)
{
	unsigned before = 0, pending = c->pending, n;
	struct mw_addr a;
	struct src *s;
	uint64_t first;

	c->over = true;
	c->logged_in = true;
	c->candidate = false;
	memcpy(a.addr, c->key.remote_addr, 16);
	s = c->src ? c->src : src_get(d, &a, c->svc, false);
	pend_remove(c);
	c->pending = 0;
	if (s)
		before = src_count(d, s, now, &first);
	if (s &&
	    before - (c->final < before ? c->final : before) >= d->cfg->dict_success_attempts) {
		/* failed tries on other connections, then a way in */
		while (pending--)
			add_final(d, c, now);
		report(d, s, c, now, true);
		return;
	}
	if (d->login)
		d->login(d->arg, c->svc, &a, ntohs(c->key.remote_port), true);
	if (!s)
		return;
	/* a client offering its keys one by one, a typo or two before: a
	 * user, not a guesser; within a budget per window, so that a login
	 * (or what looks like one) cannot launder a guesser's tries */
	/* on the other authenticated services one address may hold an account
	 * on one (anonymous FTP) and guess on another: only its own tries */
	n = forgive(d, s, c->final + (c->svc == MW_SVC_AUTH ? 0 : FORGIVE_FINAL), now);
	src_retract(s, n);
	n = forgive(d, s, pending, now);
	while (pending-- > n)
		add_final(d, c, now);
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
		login(d, c, now);
		return;
	}
	if (size > SMALL_REPLY) {
		/* a large one-message reply that is no re-exchange, after the
		 * first reply of the authentication: the session (a client
		 * such as paramiko logs in with its first request, so that
		 * SUCCESS is the first reply). Nothing pending is forgiven by
		 * it and nothing allowlisted: tries before it stay counted */
		if (c->first_reply) {
			finalize(d, c, now);
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
			add_pending(d, c, now);
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
			add_try(d, c, now);
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
	s = conn_src(d, c);
	if (!s)
		return;
	delta = s->tls_req > c->last_client ? s->tls_req - c->last_client :
					      c->last_client - s->tls_req;
	if (s->tls_reply == size && delta && delta <= TLS_HTTP_REQ_DELTA) {
		c->evidence = "HTTPS: same reply to requests differing by a password's length";
		add_final(d, c, now);
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
		finalize(d, c, now);
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
			add_try(d, c, now);
			return;
		case MW_REPLY_ACCEPTED:
			login(d, c, now);
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

	pend_remove(c);
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
		finalize(d, *best, now);
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
		add_try(d, c, now);
	}
	/* SSH: asked for the methods (the "none" probe, refused) and left
	 * without trying any: a failed login as well (hydra's first
	 * connection, a client with no usable key); a session that was not
	 * recognised would have gone on much longer */
	if (c->svc == MW_SVC_SSH && c->first_reply && !c->logged_in && !c->final && !c->pending &&
	    f->exchanges <= c->first_reply_at + 2) {
		c->evidence = "SSH authentication refused, then the client left";
		add_try(d, c, now);
	}
	/* ended without a login: its pending tries were refusals */
	if (!c->logged_in)
		finalize(d, c, now);
	else if (d->login) {
		struct mw_addr src;

		memcpy(src.addr, c->key.remote_addr, 16);
		d->login(d->arg, c->svc, &src, ntohs(c->key.remote_port), false);
	}
	if (c != &tmp)
		conn_drop(d, pp);
	else if (tmp.src)
		tmp.src->refs--; /* taken by conn_src() for a connection never kept */
}

void mw_dict_tick(struct mw_dict *d, uint64_t now)
{
	uint64_t window = window_ns(d), first;
	size_t i;

	memset(d->active_sources, 0, sizeof(d->active_sources));
	memset(d->active_tries, 0, sizeof(d->active_tries));
	/* connections whose end we missed (evicted from the flow table) */
	for (i = 0; i < CONN_BUCKETS; i++) {
		struct conn **pp = &d->conns[i];

		while (*pp) {
			struct conn *c = *pp;

			if (now - c->last_ns > 2 * window + LONG_CONN_NS) {
				if (!c->logged_in)
					finalize(d, c, now);
				conn_drop(d, pp);
				continue;
			}
			pp = &c->next;
		}
	}
	for (i = 0; i < SRC_BUCKETS; i++) {
		struct src **pp = &d->srcs[i];

		while (*pp) {
			struct src *s = *pp;
			unsigned n = src_count(d, s, now, &first);

			if (!n && !s->refs && now - s->seen_ns > window) {
				*pp = s->next;
				free(s);
				d->n_srcs--;
				continue;
			}
			if (n >= DIST_JOIN_MIN && s->svc < MW_SVC_MAX) {
				d->active_sources[s->svc]++;
				d->active_tries[s->svc] += n;
			}
			pp = &s->next;
		}
	}
	/* sources that all made their tries between two ticks */
	for (i = 1; i < MW_SVC_MAX; i++)
		if (d->last_conn[i].svc)
			detect_distributed(d, i, &d->last_conn[i], now);
}

uint32_t mw_dict_attempts(const struct mw_dict *d, const struct mw_addr *src, unsigned svc)
{
	struct src *s = src_get((struct mw_dict *)d, src, svc, false);
	uint64_t first, last = 0;
	unsigned i;

	if (!s || !s->n)
		return 0;
	for (i = 0; i < s->n; i++) {
		uint64_t t = s->tries[(s->head + MAX_TRIES - 1 - i) % MAX_TRIES];

		if (t > last)
			last = t;
	}
	return src_count(d, s, last, &first);
}
