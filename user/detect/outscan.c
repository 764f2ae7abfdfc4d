// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include "detect/outscan.h"

#define MINUTE_NS (60ULL * 1000000000ULL)

static const uint16_t worm_ports[] = { 22, 23, 445, 2375, 2376, 3306, 5432, 5900, 6379 };

bool mw_outscan_worm_port(uint16_t port)
{
	size_t i;

	for (i = 0; i < sizeof(worm_ports) / sizeof(worm_ports[0]); i++)
		if (worm_ports[i] == port)
			return true;
	return false;
}

const char *mw_outscan_kind_name(enum mw_outscan_kind k)
{
	return k == MW_OS_VERTICAL ? "vertical" : "horizontal";
}

void mw_outscan_init(struct mw_outscan *o, const struct mw_outscan_cfg *cfg)
{
	memset(o, 0, sizeof(*o));
	o->cfg = *cfg;
}

void mw_outscan_free(struct mw_outscan *o)
{
	unsigned i;

	for (i = 0; i < o->n_src; i++)
		free(o->src[i].t);
	o->n_src = 0;
}

static void drop_source(struct mw_outscan *o, unsigned i)
{
	free(o->src[i].t);
	o->src[i] = o->src[--o->n_src];
}

static bool same_who(const struct mw_outscan_who *a, const struct mw_outscan_who *b)
{
	return a->uid == b->uid && a->cgroup_id == b->cgroup_id &&
	       !strncmp(a->comm, b->comm, sizeof(a->comm)) && !memcmp(&a->local, &b->local, 16);
}

static struct mw_outscan_src *source_of(struct mw_outscan *o, const struct mw_outscan_who *who)
{
	struct mw_outscan_src *s;
	unsigned i, oldest = 0;

	for (i = 0; i < o->n_src; i++)
		if (same_who(&o->src[i].who, who))
			return &o->src[i];
	if (o->n_src == MW_OUTSCAN_SOURCES) {
		/* a flood of sources: the least recent one is forgotten */
		for (i = 1; i < o->n_src; i++)
			if (o->src[i].last_ns < o->src[oldest].last_ns)
				oldest = i;
		drop_source(o, oldest);
		o->sources_evicted++;
	}
	s = &o->src[o->n_src];
	memset(s, 0, sizeof(*s));
	s->t = calloc(MW_OUTSCAN_TARGETS, sizeof(*s->t));
	if (!s->t)
		return NULL;
	s->who = *who;
	o->n_src++;
	return s;
}

static bool same_target(const struct mw_flow_key *a, const struct mw_flow_key *b)
{
	return a->remote_port == b->remote_port && !memcmp(a->remote_addr, b->remote_addr, 16);
}

/* The state a target keeps when attempted again: what is known beats a
 * pending attempt, and a failure beats an answer (a port that answered
 * once and refuses now is what a scan sees too). The same attempt
 * (@same) answered after it was taken for half-open was only slow: its
 * SYN retransmitted, a far or busy server. */
static uint8_t merge_state(uint8_t old, uint8_t now, bool same)
{
	if (now == MW_OS_PENDING)
		return old;
	if (now == MW_OS_ANSWERED && old == MW_OS_HALF_OPEN && same)
		return now;
	if (now == MW_OS_ANSWERED && old != MW_OS_PENDING)
		return old;
	return now;
}

int mw_outscan_observe(struct mw_outscan *o, const struct mw_outscan_who *who,
		       const struct mw_outscan_attempt *at, uint64_t now_ns)
{
	struct mw_outscan_src *s = source_of(o, who);
	struct mw_outscan_target *t;
	unsigned i;

	if (!s)
		return -ENOMEM;
	o->observed++;
	s->last_ns = now_ns;
	if (at->pid)
		s->pid = at->pid;
	if (at->cookie)
		s->cookie = at->cookie;
	s->dirty = true;
	for (i = 0; i < s->n; i++) {
		t = &s->t[i];
		if (!same_target(&t->key, &at->key))
			continue;
		if (at->first_ns != t->first_ns && at->state == MW_OS_PENDING &&
		    t->state == MW_OS_PENDING) {
			t->key = at->key; /* a new attempt: ask about that one */
			t->first_ns = at->first_ns;
		}
		t->state = merge_state(t->state, at->state, at->first_ns == t->first_ns);
		if (now_ns > t->seen_ns)
			t->seen_ns = now_ns;
		return 0;
	}
	if (s->n == MW_OUTSCAN_TARGETS) {
		/* the oldest target gives way: a flood still leaves the latest
		 * MW_OUTSCAN_TARGETS, enough to cross any threshold */
		memmove(&s->t[0], &s->t[1], (s->n - 1) * sizeof(s->t[0]));
		s->n--;
		o->targets_evicted++;
	}
	t = &s->t[s->n++];
	t->key = at->key;
	t->first_ns = at->first_ns;
	t->seen_ns = now_ns;
	t->ifindex = at->ifindex;
	t->state = at->state;
	return 1;
}

/* Drops the targets that left the window; the source too once empty. */
static bool expire(struct mw_outscan *o, unsigned si, uint64_t now_ns)
{
	struct mw_outscan_src *s = &o->src[si];
	unsigned i, k = 0;

	for (i = 0; i < s->n; i++)
		if (s->t[i].seen_ns + o->cfg.window_ns > now_ns)
			s->t[k++] = s->t[i];
	if (k != s->n)
		s->dirty = true;
	s->n = k;
	if (!k) {
		drop_source(o, si);
		return false;
	}
	return true;
}

/* A pending attempt past the answer time; a half-open one again while its
 * SYN may still be retransmitted and answered. */
static bool worth_asking(const struct mw_outscan *o, const struct mw_outscan_target *t,
			 uint64_t now_ns)
{
	if (t->first_ns + o->cfg.answer_ns > now_ns)
		return false;
	return t->state == MW_OS_PENDING ||
	       (t->state == MW_OS_HALF_OPEN && t->first_ns + MW_OUTSCAN_LATE_NS > now_ns);
}

static void ask_pending(struct mw_outscan *o, struct mw_outscan_src *s, uint64_t now_ns,
			mw_outscan_ask_fn ask, void *arg)
{
	unsigned i;
	uint8_t st;

	for (i = 0; i < s->n; i++) {
		struct mw_outscan_target *t = &s->t[i];

		if (!worth_asking(o, t, now_ns))
			continue;
		st = (uint8_t)(ask ? ask(arg, &t->key, t->first_ns, now_ns) : MW_OS_HALF_OPEN);
		if (st == MW_OS_PENDING)
			continue;
		if (st != t->state)
			s->dirty = true;
		t->state = st;
	}
}

struct tally {
	unsigned targets, answered, half_open, refused, pending;
};

static void count(struct tally *c, uint8_t state)
{
	c->targets++;
	if (state == MW_OS_ANSWERED)
		c->answered++;
	else if (state == MW_OS_HALF_OPEN)
		c->half_open++;
	else if (state == MW_OS_REFUSED)
		c->refused++;
	else
		c->pending++;
}

static bool is_scan(const struct tally *c, unsigned threshold)
{
	return c->targets >= threshold && (uint64_t)(c->half_open + c->refused) * 100 >=
						  (uint64_t)c->targets * MW_OUTSCAN_FAILED_PCT;
}

static bool reported(struct mw_outscan_src *s, enum mw_outscan_kind kind, uint16_t port,
		     const struct mw_addr *addr, uint64_t now_ns)
{
	unsigned i;

	for (i = 0; i < MW_OUTSCAN_REPORTED; i++)
		if (s->reported[i].until_ns > now_ns && s->reported[i].kind == kind &&
		    (kind == MW_OS_HORIZONTAL ? s->reported[i].port == port :
						!memcmp(&s->reported[i].addr, addr, 16)))
			return true;
	return false;
}

static void remember(struct mw_outscan *o, struct mw_outscan_src *s, enum mw_outscan_kind kind,
		     uint16_t port, const struct mw_addr *addr, uint64_t now_ns)
{
	unsigned i = s->reported_pos++ % MW_OUTSCAN_REPORTED;

	s->reported[i].kind = (uint8_t)kind;
	s->reported[i].port = port;
	memset(&s->reported[i].addr, 0, sizeof(s->reported[i].addr));
	if (addr)
		s->reported[i].addr = *addr;
	s->reported[i].until_ns = now_ns + o->cfg.window_ns;
}

static bool limit_take(struct mw_outscan *o, uint64_t now_ns)
{
	if (!o->cfg.reports_per_min)
		return true;
	if (now_ns - o->limit_start_ns >= MINUTE_NS) {
		o->limit_start_ns = now_ns;
		o->limit_used = 0;
	}
	if (o->limit_used >= o->cfg.reports_per_min) {
		o->suppressed++;
		return false;
	}
	o->limit_used++;
	return true;
}

/* Horizontal: targets of @port; failed ones first in the sample. */
static void horizontal(const struct mw_outscan_src *s, uint16_t port, struct mw_outscan_verdict *v)
{
	struct tally c = { 0 };
	unsigned i, pass;

	memset(v, 0, sizeof(*v));
	for (i = 0; i < s->n; i++)
		if (ntohs(s->t[i].key.remote_port) == port)
			count(&c, s->t[i].state);
	v->kind = MW_OS_HORIZONTAL;
	v->port = port;
	v->targets = c.targets;
	v->answered = c.answered;
	v->half_open = c.half_open;
	v->refused = c.refused;
	v->pending = c.pending;
	v->critical = mw_outscan_worm_port(port);
	for (pass = 0; pass < 2; pass++)
		for (i = s->n; i-- > 0 && v->n_sample < MW_OUTSCAN_SAMPLE;) {
			const struct mw_outscan_target *t = &s->t[i];
			bool failed = t->state == MW_OS_HALF_OPEN || t->state == MW_OS_REFUSED;

			if (ntohs(t->key.remote_port) == port && failed == !pass)
				memcpy(&v->sample[v->n_sample++], t->key.remote_addr, 16);
		}
}

/* Vertical: ports of @addr; the lowest is the verdict's port. */
static void vertical(const struct mw_outscan_src *s, const struct mw_addr *addr,
		     struct mw_outscan_verdict *v)
{
	struct tally c = { 0 };
	unsigned i;

	memset(v, 0, sizeof(*v));
	v->kind = MW_OS_VERTICAL;
	v->addr = *addr;
	v->port = UINT16_MAX;
	for (i = 0; i < s->n; i++) {
		uint16_t port = ntohs(s->t[i].key.remote_port);

		if (memcmp(s->t[i].key.remote_addr, addr, 16))
			continue;
		count(&c, s->t[i].state);
		if (port < v->port)
			v->port = port;
		if (mw_outscan_worm_port(port))
			v->critical = true;
		if (v->n_sample < MW_OUTSCAN_SAMPLE)
			v->sample_ports[v->n_sample++] = port;
	}
	v->targets = c.targets;
	v->answered = c.answered;
	v->half_open = c.half_open;
	v->refused = c.refused;
	v->pending = c.pending;
}

/* Whether the target @i is the first of its port (or address) in @s. */
static bool first_of(const struct mw_outscan_src *s, unsigned i, bool by_port)
{
	unsigned k;

	for (k = 0; k < i; k++)
		if (by_port ? s->t[k].key.remote_port == s->t[i].key.remote_port :
			      !memcmp(s->t[k].key.remote_addr, s->t[i].key.remote_addr, 16))
			return false;
	return true;
}

/* The scans @s shows, into @out; *@whole false when @out filled up or the
 * rate limit stopped it before every target was looked at: @s is judged
 * again at the next check, or a finished scan would never be reported. */
static unsigned judge(struct mw_outscan *o, struct mw_outscan_src *s, uint64_t now_ns,
		      struct mw_outscan_verdict *out, unsigned max, bool *whole)
{
	unsigned i, n = 0;
	int by_port;

	*whole = false;

	for (by_port = 1; by_port >= 0; by_port--) {
		unsigned threshold = by_port ? o->cfg.addresses : o->cfg.ports;

		if (!threshold || s->n < threshold)
			continue;
		for (i = 0; i < s->n && n < max; i++) {
			struct mw_outscan_verdict *v = &out[n];
			struct mw_addr addr;

			if (!first_of(s, i, by_port))
				continue;
			memcpy(&addr, s->t[i].key.remote_addr, 16);
			if (by_port)
				horizontal(s, ntohs(s->t[i].key.remote_port), v);
			else
				vertical(s, &addr, v);
			if (!is_scan(&(struct tally){ .targets = v->targets,
						      .half_open = v->half_open,
						      .refused = v->refused },
				     threshold) ||
			    reported(s, v->kind, v->port, &addr, now_ns))
				continue;
			if (!limit_take(o, now_ns))
				return n;
			remember(o, s, v->kind, v->port, &addr, now_ns);
			v->src = s;
			o->reports++;
			n++;
		}
	}
	*whole = n < max;
	return n;
}

unsigned mw_outscan_check(struct mw_outscan *o, uint64_t now_ns, mw_outscan_ask_fn ask, void *arg,
			  struct mw_outscan_verdict *out, unsigned max)
{
	unsigned i = 0, n = 0, least;

	least = o->cfg.addresses < o->cfg.ports ? o->cfg.addresses : o->cfg.ports;
	if (!least)
		least = o->cfg.addresses ? o->cfg.addresses : o->cfg.ports;
	while (i < o->n_src) {
		struct mw_outscan_src *s = &o->src[i];

		if (!expire(o, i, now_ns))
			continue; /* the last source took its place */
		/* only a source with enough targets is worth the questions */
		if (s->n >= least && least) {
			bool whole;

			ask_pending(o, s, now_ns, ask, arg);
			if (s->dirty && n < max) {
				n += judge(o, s, now_ns, out + n, max - n, &whole);
				s->dirty = !whole;
			}
		} else {
			s->dirty = false;
		}
		i++;
	}
	return n;
}
