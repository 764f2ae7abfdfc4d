// SPDX-License-Identifier: GPL-2.0-only
/*
 * dict_tries.c - each source's final tries, counted in the unit that is
 * banned (an IPv4 address, an IPv6 [enforce] ipv6_prefix), in the windows
 * they are counted in (the window, the long window), the detections they
 * make (one source, the sources of one prefix, many on one service), and
 * the tries a recognised login takes back.
 */
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include "detect/dict_priv.h"

/* --- the long window: a counter per slice of it ---------------------------- */

static uint64_t slice_ns(const struct mw_dict *d)
{
	return long_window_ns(d) / LONG_SLICES;
}

/* Final tries of @s in the long window ending at @now: the slices that
 * overlap it, at most a slice short of the whole window, never longer. */
static unsigned long_count(const struct mw_dict *d, const struct src *s, uint64_t now,
			   uint64_t *first)
{
	uint64_t cur = now / slice_ns(d), k;
	unsigned i, n = 0;

	*first = now;
	for (i = 0; i < LONG_SLICES && i <= s->long_slice; i++) {
		k = s->long_slice - i;
		if (k + LONG_SLICES <= cur)
			break;
		if (s->long_tries[k % LONG_SLICES]) {
			n += s->long_tries[k % LONG_SLICES];
			*first = k * slice_ns(d);
		}
	}
	return n;
}

static void long_add(const struct mw_dict *d, struct src *s, uint64_t now)
{
	uint64_t cur = now / slice_ns(d);
	unsigned i;

	/* events of two CPUs may come a little out of order: the newest slice */
	if (cur > s->long_slice) {
		for (i = 1; i <= LONG_SLICES && s->long_slice + i <= cur; i++)
			s->long_tries[(s->long_slice + i) % LONG_SLICES] = 0;
		s->long_slice = cur;
	}
	if (s->long_tries[s->long_slice % LONG_SLICES] < UINT16_MAX)
		s->long_tries[s->long_slice % LONG_SLICES]++;
}

/* Takes back the latest @n tries of the long window's counters. */
static void long_retract(struct src *s, unsigned n)
{
	unsigned i, k;

	for (i = 0; n && i < LONG_SLICES; i++) {
		uint16_t *t = &s->long_tries[(s->long_slice + LONG_SLICES - i) % LONG_SLICES];

		k = *t < n ? *t : n;
		*t -= k;
		n -= k;
	}
}

/* --- prefixes: the sources of one /24 or /48 add up ------------------------ */

void mw_dict_on_prefix(struct mw_dict *d, mw_dict_prefix_fn fn)
{
	d->may_aggregate = fn;
}

/* Where @s's tries add up with its neighbours': the aggregate prefix, unless
 * it is off, no wider than one source, or holds an internal or allowlisted
 * address (and, as the agent says, the host's own, its gateway's, an SSH
 * session's peer's: the policy refuses to block those whole as well). */
static bool agg_prefix(const struct mw_dict *d, const struct src *s, struct mw_prefix *p)
{
	const struct mw_dict_cfg *cfg = &d->cfg;
	unsigned len = mw_addr_is_v4(&s->addr) ? 96 + cfg->agg_v4 : cfg->agg_v6;

	if (len >= s->len)
		return false;
	p->addr = s->addr;
	p->len = (uint8_t)len;
	mw_addr_mask(&p->addr, len);
	return !mw_prefixes_overlap(cfg->internal, cfg->n_internal, p) &&
	       !mw_prefixes_overlap(cfg->allow, cfg->n_allow, p) &&
	       (!d->may_aggregate || d->may_aggregate(d->arg, p));
}

static struct agg **agg_slot(struct mw_dict *d, const struct mw_prefix *p, unsigned svc)
{
	uint32_t h = (hash_bytes(&p->addr, sizeof(p->addr)) ^ p->len ^ svc) % AGG_BUCKETS;
	struct agg **pp;

	for (pp = &d->aggs[h]; *pp; pp = &(*pp)->next)
		if ((*pp)->svc == svc && (*pp)->prefix.len == p->len &&
		    !memcmp(&(*pp)->prefix.addr, &p->addr, sizeof(p->addr)))
			break;
	return pp;
}

static void agg_join(struct mw_dict *d, struct src *s)
{
	struct mw_prefix p;
	struct agg **pp, *g;

	if (!agg_prefix(d, s, &p))
		return;
	pp = agg_slot(d, &p, s->svc);
	g = *pp;
	if (!g) {
		/* as many as sources: one is always there */
		if (d->agg_free) {
			g = d->agg_free;
			d->agg_free = g->next;
		} else if (d->agg_used < MAX_AGGS) {
			g = &d->agg_slab[d->agg_used++];
		} else {
			return;
		}
		memset(g, 0, sizeof(*g));
		g->prefix = p;
		g->svc = s->svc;
		*pp = g;
		d->n_aggs++;
	}
	g->members++;
	s->agg = g;
	s->agg_next = g->first;
	if (g->first)
		g->first->agg_pprev = &s->agg_next;
	g->first = s;
	s->agg_pprev = &g->first;
}

static void agg_leave(struct mw_dict *d, struct src *s)
{
	struct agg *g = s->agg, **pp;

	if (!g)
		return;
	*s->agg_pprev = s->agg_next;
	if (s->agg_next)
		s->agg_next->agg_pprev = s->agg_pprev;
	s->agg = NULL;
	if (--g->members)
		return;
	pp = agg_slot(d, &g->prefix, g->svc);
	*pp = g->next;
	g->next = d->agg_free;
	d->agg_free = g;
	d->n_aggs--;
}

/* --- sources ------------------------------------------------------------- */

static void src_free(struct mw_dict *d, struct src **pp)
{
	struct src *s = *pp;

	agg_leave(d, s);
	*pp = s->next;
	free(s);
	d->n_srcs--;
}

/*
 * The table is full: of a few buckets' sources without an open connection,
 * the one with the fewest tries in the long window (the longest idle of
 * those) gives way, so that a flood of sources with a try each keeps
 * neither a new source out nor a busier one from its count.
 */
static bool src_evict(struct mw_dict *d, uint32_t h, uint64_t now)
{
	struct src **best = NULL, **pp;
	unsigned i, n, best_n = 0;
	uint64_t first;

	for (i = 0; i < EVICT_SCAN; i++)
		for (pp = &d->srcs[(h + i) % SRC_BUCKETS]; *pp; pp = &(*pp)->next) {
			if ((*pp)->refs)
				continue;
			n = long_count(d, *pp, now, &first);
			if (!best || n < best_n ||
			    (n == best_n && (*pp)->seen_ns < (*best)->seen_ns)) {
				best = pp;
				best_n = n;
			}
		}
	if (!best)
		return false;
	src_free(d, best);
	return true;
}

/* The source @a counts in: its address (IPv4), its ipv6_prefix (IPv6). */
static struct src *src_get(struct mw_dict *d, const struct mw_addr *a, unsigned svc, bool create,
			   uint64_t now)
{
	uint8_t len = mw_addr_is_v4(a) ? 128 : (uint8_t)d->cfg.ipv6_prefix;
	struct mw_addr unit = *a;
	uint32_t h;
	struct src *s;

	mw_addr_mask(&unit, len);
	h = (hash_bytes(&unit, sizeof(unit)) ^ svc) % SRC_BUCKETS;
	for (s = d->srcs[h]; s; s = s->next)
		if (s->svc == svc && s->len == len && !memcmp(&s->addr, &unit, sizeof(unit)))
			return s;
	if (!create || (d->n_srcs >= MAX_SRCS && !src_evict(d, h, now)))
		return NULL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->addr = unit;
	s->last = *a;
	s->len = len;
	s->svc = svc;
	s->next = d->srcs[h];
	d->srcs[h] = s;
	d->n_srcs++;
	agg_join(d, s);
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
	long_retract(s, n);
	if (n > s->n)
		n = s->n;
	s->head = (s->head + MAX_TRIES - n) % MAX_TRIES;
	s->n -= n;
}

static struct mw_prefix src_prefix(const struct src *s)
{
	struct mw_prefix p = { .addr = s->addr, .len = s->len };

	return p;
}

/* The tries a source (@agg false) or a prefix makes an attack with over
 * the long window: never fewer than its service's own threshold. */
static unsigned long_threshold(const struct mw_dict *d, unsigned svc, bool agg)
{
	uint64_t n = agg ? d->cfg.agg_attempts : d->cfg.long_attempts;

	return (unsigned)(n > d->cfg.attempts[svc] ? n : d->cfg.attempts[svc]);
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

/* One source's tries: in the window, or (@slow) in the long window. */
static void report(struct mw_dict *d, struct src *s, const struct conn *c, uint64_t now,
		   bool successful, bool slow)
{
	struct mw_dict_detection det;
	uint64_t first;

	detection_init(&det, c, s->svc);
	det.src = s->last;
	det.src_prefix = src_prefix(s);
	if (slow) {
		det.attempts = long_count(d, s, now, &first);
		det.window_ms = long_window_ns(d) / 1000000ULL;
	} else {
		det.attempts = src_count(d, s, now, &first);
		det.window_ms = window_ns(d) / 1000000ULL;
	}
	det.first_ns = first;
	det.last_ns = now;
	det.successful = successful;
	d->fn(d->arg, &det);
}

/*
 * The sources of @s's prefix, each with tries of its own (a user's single
 * mistyped password is not), together over the thresholds in the long
 * window: the prefix is one attacker. The counts kept as tries come run
 * ahead of the truth (tries taken back, or out of the window): the prefix's
 * sources are walked to confirm, and the counts made exact again.
 */
static bool detect_aggregate(struct mw_dict *d, struct src *s, const struct conn *c, uint64_t now)
{
	unsigned sources = 0, tries = 0, n, min_tries = long_threshold(d, s->svc, true);
	struct mw_dict_detection det;
	uint64_t first, oldest = now;
	struct agg *g = s->agg;
	struct src *m;

	if (!g || (g->reported_ns && now - g->reported_ns <= window_ns(d)))
		return false;
	if (g->sources < d->cfg.agg_sources || g->tries < min_tries)
		return false;
	detection_init(&det, c, g->svc);
	for (m = g->first; m; m = m->agg_next) {
		n = long_count(d, m, now, &first);
		if (n < DIST_JOIN_MIN)
			continue;
		sources++;
		tries += n;
		if (first < oldest)
			oldest = first;
		if (det.n_sources < MW_DICT_MAX_LISTED)
			det.sources[det.n_sources++] = m->last;
	}
	g->sources = sources;
	g->tries = tries;
	if (sources < d->cfg.agg_sources || tries < min_tries)
		return false;
	g->reported_ns = now;
	for (m = g->first; m; m = m->agg_next)
		if (long_count(d, m, now, &first) >= DIST_JOIN_MIN)
			m->reported_ns = now;
	det.aggregate = true;
	det.src = s->last;
	det.src_prefix = g->prefix;
	det.total_sources = sources;
	det.attempts = tries;
	det.window_ms = long_window_ns(d) / 1000000ULL;
	det.first_ns = oldest;
	det.last_ns = now;
	d->fn(d->arg, &det);
	return true;
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
	if (d->active_sources[svc] < d->cfg.dist_sources ||
	    d->active_tries[svc] < d->cfg.dist_attempts)
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
				det.sources[det.n_sources++] = s->last;
		}
	}
	if (sources < d->cfg.dist_sources || attempts < d->cfg.dist_attempts)
		return;
	d->dist_reported_ns[svc] = now;
	for (i = 0; i < SRC_BUCKETS; i++) {
		struct src *s;

		for (s = d->srcs[i]; s; s = s->next)
			if (s->svc == svc && src_count(d, s, now, &first) >= DIST_JOIN_MIN)
				s->reported_ns = now;
	}
	det.distributed = true;
	det.window_ms = window_ns(d) / 1000000ULL;
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
	unsigned n, nl;

	c->final++;
	if (!s)
		return;
	s->seen_ns = now;
	memcpy(s->last.addr, c->key.remote_addr, 16);
	s->tries[s->head] = now;
	s->head = (s->head + 1) % MAX_TRIES;
	if (s->n < MAX_TRIES)
		s->n++;
	long_add(d, s, now);
	nl = long_count(d, s, now, &first);
	/* the prefix's counts, until the tick recounts them */
	if (s->agg && nl == DIST_JOIN_MIN) {
		s->agg->sources++;
		s->agg->tries += nl;
	} else if (s->agg && nl > DIST_JOIN_MIN) {
		s->agg->tries++;
	}
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
	if (n >= d->cfg.attempts[c->svc]) {
		s->reported_ns = now;
		report(d, s, c, now, false, false);
		return;
	}
	/* a slow guesser: below the threshold in every window, not in an hour */
	if (d->cfg.long_window_ms && nl >= long_threshold(d, c->svc, false)) {
		s->reported_ns = now;
		report(d, s, c, now, false, true);
		return;
	}
	/* only a source with tries of its own makes (or renews) its prefix's
	 * detection: a neighbour's one mistyped password does not */
	if (nl >= DIST_JOIN_MIN && detect_aggregate(d, s, c, now))
		return;
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
		det.src = s->last;
		det.src_prefix = src_prefix(s);
		det.window_ms = window / 1000000ULL;
		det.sources[0] = s->last;
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
		c->src = src_get(d, &a, c->svc, true, c->last_ns);
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
		deep += s->pend[i]->pending * 2 >= d->cfg.grace;
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
	if (c->pending >= d->cfg.grace) {
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
	unsigned budget = FORGIVE_BUDGET_CONNS * d->cfg.grace;

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
	s = c->src ? c->src : src_get(d, &a, c->svc, false, now);
	dict_pend_remove(c);
	c->pending = 0;
	if (s)
		before = src_count(d, s, now, &first);
	if (s && before - (c->final < before ? c->final : before) >= d->cfg.success_attempts) {
		/* failed tries on other connections, then a way in */
		while (pending--)
			dict_add_final(d, c, now);
		report(d, s, c, now, true, false);
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
	uint64_t first;
	unsigned nl;
	size_t i;
	struct agg *g;

	memset(d->active_sources, 0, sizeof(d->active_sources));
	memset(d->active_tries, 0, sizeof(d->active_tries));
	for (i = 0; i < AGG_BUCKETS; i++)
		for (g = d->aggs[i]; g; g = g->next)
			g->sources = g->tries = 0;
	for (i = 0; i < SRC_BUCKETS; i++) {
		struct src **pp = &d->srcs[i];

		while (*pp) {
			struct src *s = *pp;
			unsigned n = src_count(d, s, now, &first);

			/* kept while the long window may still count its tries */
			if (!n && !s->refs && now - s->seen_ns > long_window_ns(d)) {
				src_free(d, pp);
				continue;
			}
			if (n >= DIST_JOIN_MIN && s->svc < MW_SVC_MAX) {
				d->active_sources[s->svc]++;
				d->active_tries[s->svc] += n;
			}
			nl = s->agg ? long_count(d, s, now, &first) : 0;
			if (nl >= DIST_JOIN_MIN) {
				s->agg->sources++;
				s->agg->tries += nl;
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
	struct src *s = src_get((struct mw_dict *)d, src, svc, false, 0);
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
