// SPDX-License-Identifier: GPL-2.0-only
/*
 * dict_tries.c - each source's final tries, the windows they are counted in,
 * the detections they make (one source, or many on one service), and the
 * tries a recognised login takes back.
 */
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include "detect/dict_priv.h"

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
void dict_add_final(struct mw_dict *d, struct conn *c, uint64_t now)
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

struct src *dict_conn_src(struct mw_dict *d, struct conn *c)
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

void dict_pend_remove(struct conn *c)
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
void dict_finalize(struct mw_dict *d, struct conn *c, uint64_t now)
{
	unsigned n = c->pending;

	dict_pend_remove(c);
	c->pending = 0;
	while (n--)
		dict_add_final(d, c, now);
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
void dict_add_pending(struct mw_dict *d, struct conn *c, uint64_t now)
{
	struct src *s = dict_conn_src(d, c);
	unsigned i;

	if (!s) {
		c->final++;
		return;
	}
	/* a source seen guessing in parallel, or a connection past its grace:
	 * no login is coming to take these back */
	if (c->guessing || (s->parallel_ns && now - s->parallel_ns <= window_ns(d))) {
		dict_add_final(d, c, now);
		return;
	}
	c->pending++;
	for (i = 0; i < s->n_pend && s->pend[i] != c; i++)
		;
	if (i == s->n_pend) {
		if (s->n_pend == MAX_PENDING_CONNS)
			dict_finalize(d, s->pend[0], now);
		s->pend[s->n_pend++] = c;
	}
	if (s->n_pend >= 2 && parallel_guess(d, s, now)) {
		/* a parallel guesser: every pending try counts now */
		s->parallel_ns = now;
		while (s->n_pend)
			dict_finalize(d, s->pend[0], now);
		return;
	}
	if (c->pending >= d->cfg->dict_grace) {
		c->guessing = true;
		dict_finalize(d, c, now);
	}
}

void dict_add_try(struct mw_dict *d, struct conn *c, uint64_t now)
{
	if (dict_conn_src(d, c))
		dict_add_final(d, c, now);
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
void dict_login(struct mw_dict *d, struct conn *c, uint64_t now)
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
	dict_pend_remove(c);
	c->pending = 0;
	if (s)
		before = src_count(d, s, now, &first);
	if (s &&
	    before - (c->final < before ? c->final : before) >= d->cfg->dict_success_attempts) {
		/* failed tries on other connections, then a way in */
		while (pending--)
			dict_add_final(d, c, now);
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
		dict_add_final(d, c, now);
}

void dict_tries_tick(struct mw_dict *d, uint64_t now)
{
	uint64_t window = window_ns(d), first;
	size_t i;

	memset(d->active_sources, 0, sizeof(d->active_sources));
	memset(d->active_tries, 0, sizeof(d->active_tries));
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
