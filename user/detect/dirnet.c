// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "detect/dirnet.h"
#include "lib/util.h"

#define REPORT_QUIET_NS (3600ULL * 1000000000ULL)
#define FANOUT_WINDOW_NS (60ULL * 1000000000ULL)
#define SEC_NS 1000000000ULL
#define RES_NONE UINT32_MAX

void mw_dirnet_init(struct mw_dirnet *d, const struct mw_dirnet_cfg *cfg)
{
	memset(d, 0, sizeof(*d));
	d->cfg = *cfg;
	if (!d->cfg.resolved_max)
		d->cfg.resolved_max = MW_DIRNET_RESOLVED_MAX;
	if (!d->cfg.per_name_max)
		d->cfg.per_name_max = MW_DIRNET_PER_NAME_MAX;
	if (!d->cfg.ttl_min_s)
		d->cfg.ttl_min_s = MW_DIRNET_TTL_MIN_S;
	if (!d->cfg.ttl_max_s)
		d->cfg.ttl_max_s = MW_DIRNET_TTL_MAX_S;
	if (d->cfg.ttl_max_s < d->cfg.ttl_min_s)
		d->cfg.ttl_max_s = d->cfg.ttl_min_s;
}

void mw_dirnet_free(struct mw_dirnet *d)
{
	free(d->allow);
	free(d->res);
	free(d->res_bucket);
	free(d->res_heap);
	free(d->known);
	free(d->known_idx);
	free(d->comm_idx);
	memset(d, 0, sizeof(*d));
}

static int parse_port(const char *s, uint16_t *port)
{
	uint64_t v;

	if (mw_parse_u64(s, 1, 65535, &v))
		return -EINVAL;
	*port = (uint16_t)v;
	return 0;
}

int mw_dirnet_allow_parse(const char *s, struct mw_dirnet_allow *a)
{
	char host[MW_NAME_MAX + 8];
	const char *colon = NULL;
	size_t n;

	memset(a, 0, sizeof(*a));
	if (s[0] == '[') { /* [IPv6]:PORT */
		const char *end = strchr(s, ']');

		if (!end || end[1] != ':' || (size_t)(end - s - 1) >= sizeof(host))
			return -EINVAL;
		memcpy(host, s + 1, end - s - 1);
		host[end - s - 1] = '\0';
		return mw_prefix_parse(host, &a->prefix) || parse_port(end + 2, &a->port) ?
			       -EINVAL :
			       0;
	}
	/* a bare IPv6 prefix has colons of its own */
	if (!mw_prefix_parse(s, &a->prefix))
		return 0;
	colon = strrchr(s, ':');
	n = colon ? (size_t)(colon - s) : strlen(s);
	if (n >= sizeof(host))
		return -EINVAL;
	memcpy(host, s, n);
	host[n] = '\0';
	if (colon && parse_port(colon + 1, &a->port))
		return -EINVAL;
	if (!strcmp(host, "*")) {
		if (!a->port)
			return -EINVAL; /* "*" alone would allow everything */
		return 0; /* ::/0 prefix, len 0: any address on that port */
	}
	if (!mw_prefix_parse(host, &a->prefix))
		return 0;
	if (!strncmp(host, "*.", 2)) {
		a->subdomains = true;
		memmove(host, host + 2, strlen(host + 2) + 1);
	}
	if (mw_name_normalise(host, strlen(host), a->name))
		return -EINVAL;
	return 0;
}

int mw_dirnet_allow_add(struct mw_dirnet *d, const struct mw_dirnet_allow *a)
{
	if (mw_grow(&d->allow, &d->cap_allow, d->n_allow, sizeof(*d->allow), 16))
		return -ENOMEM;
	d->allow[d->n_allow] = *a;
	d->allow[d->n_allow++].n_resolved = 0;
	return 0;
}

/* --- the resolved addresses: a hash index and an expiry heap ------------ */

static void res_reset(struct mw_dirnet *d)
{
	d->n_resolved = 0;
	if (d->res_bucket)
		memset(d->res_bucket, 0xff, (d->res_mask + 1) * sizeof(*d->res_bucket));
}

/* Allocated at the first answer: most hosts allow no names at all. */
static int res_alloc(struct mw_dirnet *d)
{
	uint32_t buckets = 64;

	if (d->res)
		return 0;
	while (buckets < 2 * d->cfg.resolved_max)
		buckets *= 2;
	d->res = calloc(d->cfg.resolved_max, sizeof(*d->res));
	d->res_heap = calloc(d->cfg.resolved_max, sizeof(*d->res_heap));
	d->res_bucket = calloc(buckets, sizeof(*d->res_bucket));
	if (!d->res || !d->res_heap || !d->res_bucket) {
		free(d->res), free(d->res_heap), free(d->res_bucket);
		d->res = NULL, d->res_heap = NULL, d->res_bucket = NULL;
		return -ENOMEM;
	}
	d->res_mask = buckets - 1;
	res_reset(d);
	return 0;
}

static uint32_t res_hash(const struct mw_dirnet *d, const struct mw_addr *a, uint16_t port)
{
	uint64_t h = 14695981039346656037ULL ^ port;
	size_t i;

	for (i = 0; i < sizeof(a->addr); i++) {
		h ^= a->addr[i];
		h *= 1099511628211ULL;
	}
	return (uint32_t)(h ^ (h >> 32)) & d->res_mask;
}

static uint32_t res_find(const struct mw_dirnet *d, const struct mw_addr *a, uint16_t port)
{
	uint32_t i;

	if (!d->res)
		return RES_NONE;
	for (i = d->res_bucket[res_hash(d, a, port)]; i != RES_NONE; i = d->res[i].next)
		if (d->res[i].port == port && !memcmp(&d->res[i].addr, a, sizeof(*a)))
			return i;
	return RES_NONE;
}

static void heap_set(struct mw_dirnet *d, uint32_t pos, uint32_t e)
{
	d->res_heap[pos] = e;
	d->res[e].heap = pos;
}

static void heap_fix(struct mw_dirnet *d, uint32_t pos)
{
	uint32_t n = (uint32_t)d->n_resolved, e = d->res_heap[pos];
	uint64_t t = d->res[e].expires_ns;

	while (pos > 0 && d->res[d->res_heap[(pos - 1) / 2]].expires_ns > t) {
		heap_set(d, pos, d->res_heap[(pos - 1) / 2]);
		pos = (pos - 1) / 2;
	}
	for (;;) {
		uint32_t c = 2 * pos + 1;

		if (c >= n)
			break;
		if (c + 1 < n &&
		    d->res[d->res_heap[c + 1]].expires_ns < d->res[d->res_heap[c]].expires_ns)
			c++;
		if (d->res[d->res_heap[c]].expires_ns >= t)
			break;
		heap_set(d, pos, d->res_heap[c]);
		pos = c;
	}
	heap_set(d, pos, e);
}

/* Points whatever links to entry @from (its bucket or the entry before it
 * in the chain) at @to instead. */
static void chain_relink(struct mw_dirnet *d, uint32_t from, uint32_t to)
{
	uint32_t *p = &d->res_bucket[res_hash(d, &d->res[from].addr, d->res[from].port)];

	while (*p != from)
		p = &d->res[*p].next;
	*p = to;
}

static void res_remove(struct mw_dirnet *d, uint32_t e)
{
	uint32_t last = (uint32_t)d->n_resolved - 1, pos = d->res[e].heap;

	if (d->res[e].rule < d->n_allow && d->allow[d->res[e].rule].n_resolved)
		d->allow[d->res[e].rule].n_resolved--;
	chain_relink(d, e, d->res[e].next);
	/* the heap's last slot fills the hole */
	if (pos != last) {
		heap_set(d, pos, d->res_heap[last]);
		d->n_resolved--;
		heap_fix(d, pos);
		d->n_resolved++;
	}
	/* the pool's last entry moves into the freed one */
	if (e != last) {
		chain_relink(d, last, e);
		d->res[e] = d->res[last];
		d->res_heap[d->res[e].heap] = e;
	}
	d->n_resolved--;
}

static void res_expire(struct mw_dirnet *d, uint64_t now_ns)
{
	while (d->n_resolved && d->res[d->res_heap[0]].expires_ns <= now_ns)
		res_remove(d, d->res_heap[0]);
}

static void res_put(struct mw_dirnet *d, uint32_t rule, const struct mw_addr *addr,
		    uint64_t expires_ns)
{
	uint16_t port = d->allow[rule].port;
	uint32_t e = res_find(d, addr, port), b;

	if (e != RES_NONE) {
		if (expires_ns > d->res[e].expires_ns) {
			d->res[e].expires_ns = expires_ns;
			heap_fix(d, d->res[e].heap);
		}
		return;
	}
	if (d->allow[rule].n_resolved >= d->cfg.per_name_max) {
		d->res_refused++;
		return;
	}
	if (d->n_resolved >= d->cfg.resolved_max) {
		/* the soonest to expire gives way, the newcomer included */
		d->res_evicted++;
		if (expires_ns <= d->res[d->res_heap[0]].expires_ns)
			return;
		res_remove(d, d->res_heap[0]);
	}
	e = (uint32_t)d->n_resolved++;
	b = res_hash(d, addr, port);
	d->res[e] = (struct mw_dirnet_res){ .addr = *addr,
					    .port = port,
					    .rule = rule,
					    .next = d->res_bucket[b],
					    .expires_ns = expires_ns };
	d->res_bucket[b] = e;
	heap_set(d, e, e);
	heap_fix(d, e);
	d->allow[rule].n_resolved++;
}

void mw_dirnet_allow_clear(struct mw_dirnet *d)
{
	/* the resolved addresses point at rules by index */
	d->n_allow = 0;
	res_reset(d);
}

static bool name_matches(const struct mw_dirnet_allow *a, const char *name)
{
	size_t n = strlen(name), m = strlen(a->name);

	if (!strcmp(name, a->name))
		return true;
	return a->subdomains && n > m && name[n - m - 1] == '.' && !strcmp(name + n - m, a->name);
}

void mw_dirnet_resolved(struct mw_dirnet *d, const char *name, const struct mw_addr *addr,
			uint32_t ttl_s, uint64_t now_ns)
{
	uint64_t expires;
	size_t i;

	if (ttl_s < d->cfg.ttl_min_s)
		ttl_s = d->cfg.ttl_min_s;
	if (ttl_s > d->cfg.ttl_max_s)
		ttl_s = d->cfg.ttl_max_s;
	expires = now_ns + (uint64_t)ttl_s * SEC_NS;
	/* the rules are the configuration's few lines */
	for (i = 0; i < d->n_allow; i++) {
		if (!d->allow[i].name[0] || !name_matches(&d->allow[i], name))
			continue;
		if (res_alloc(d))
			return;
		res_expire(d, now_ns);
		res_put(d, (uint32_t)i, addr, expires);
	}
}

void mw_dirnet_dns_answer(struct mw_dirnet *d, const struct mw_dns_msg *msg, const bool *on_chain,
			  uint64_t now_ns)
{
	unsigned i, j;

	for (j = 0; j < msg->n_names && j < MW_DNS_MAX_NAMES; j++) {
		if (!on_chain[j])
			continue;
		for (i = 0; i < msg->n_addrs; i++)
			if (msg->addrs[i].owner < MW_DNS_MAX_NAMES && on_chain[msg->addrs[i].owner])
				mw_dirnet_resolved(d, msg->names[j], &msg->addrs[i].addr,
						   msg->addrs[i].ttl, now_ns);
	}
}

static bool resolved_now(const struct mw_dirnet *d, const struct mw_addr *dst, uint16_t port,
			 uint64_t now_ns)
{
	uint32_t e = res_find(d, dst, port);

	if (e == RES_NONE)
		e = res_find(d, dst, 0); /* a name allowed on any port */
	return e != RES_NONE && d->res[e].expires_ns > now_ns;
}

bool mw_dirnet_allows(const struct mw_dirnet *d, const struct mw_addr *dst, uint16_t port,
		      uint64_t now_ns)
{
	size_t i;

	for (i = 0; i < d->n_allow; i++) {
		const struct mw_dirnet_allow *a = &d->allow[i];

		if (a->name[0] || (a->port && a->port != port))
			continue;
		/* "*:PORT" is the empty prefix: any address */
		if (a->prefix.len == 0 || mw_prefix_contains(&a->prefix, dst))
			return true;
	}
	return resolved_now(d, dst, port, now_ns);
}

/* The baseline's unit: the destination's /24 (IPv4) or /64 (IPv6). */
static void baseline_prefix(const struct mw_addr *a, struct mw_prefix *p)
{
	p->addr = *a;
	if (mw_addr_is_v4(a)) {
		p->len = 96 + 24;
		p->addr.addr[15] = 0;
	} else {
		p->len = 64;
		memset(p->addr.addr + 8, 0, 8);
	}
}

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
	const uint8_t *b = p;
	size_t i;

	for (i = 0; i < n; i++) {
		h ^= b[i];
		h *= 1099511628211ULL;
	}
	return h;
}

static uint64_t comm_hash(const char *comm)
{
	return fnv(14695981039346656037ULL, comm, strnlen(comm, MW_DIRNET_COMM));
}

static uint64_t known_hash(const struct mw_prefix *p, uint16_t port, const char *comm)
{
	uint64_t h = fnv(comm_hash(comm), &p->addr, sizeof(p->addr));

	h = fnv(h, &p->len, sizeof(p->len));
	return fnv(h, &port, sizeof(port));
}

static bool known_is(const struct mw_dirnet_known *k, const struct mw_prefix *p, uint16_t port,
		     const char *comm)
{
	return k->port == port && k->prefix.len == p->len &&
	       !memcmp(&k->prefix.addr, &p->addr, sizeof(p->addr)) &&
	       !strncmp(k->comm, comm, MW_DIRNET_COMM);
}

/* The slot of @idx where entry @e sits or would go, probing from @h. */
static size_t idx_slot(const struct mw_dirnet *d, const uint32_t *idx, uint64_t h,
		       bool (*same)(const struct mw_dirnet *, uint32_t, const void *),
		       const void *arg)
{
	size_t mask = d->idx_cap - 1, j = (size_t)h & mask;

	while (idx[j] != MW_DIRNET_NONE && !same(d, idx[j], arg))
		j = (j + 1) & mask;
	return j;
}

struct known_q {
	const struct mw_prefix *p;
	uint16_t port;
	const char *comm;
};

static bool same_known(const struct mw_dirnet *d, uint32_t e, const void *arg)
{
	const struct known_q *q = arg;

	return known_is(&d->known[e], q->p, q->port, q->comm);
}

static bool same_comm(const struct mw_dirnet *d, uint32_t e, const void *arg)
{
	return !strncmp(d->known[e].comm, arg, MW_DIRNET_COMM);
}

static void idx_add(struct mw_dirnet *d, uint32_t e)
{
	const struct mw_dirnet_known *k = &d->known[e];
	struct known_q q = { &k->prefix, k->port, k->comm };
	size_t j =
		idx_slot(d, d->known_idx, known_hash(&k->prefix, k->port, k->comm), same_known, &q);

	d->known_idx[j] = e;
	j = idx_slot(d, d->comm_idx, comm_hash(k->comm), same_comm, k->comm);
	if (d->comm_idx[j] == MW_DIRNET_NONE)
		d->comm_idx[j] = e;
}

/* (Re)builds the indexes for the entries held, with room for one more. */
static int known_reindex(struct mw_dirnet *d)
{
	size_t cap = 64, i;
	uint32_t *ki, *ci;

	while (cap < 2 * (d->n_known + 1))
		cap *= 2;
	if (cap != d->idx_cap) {
		ki = malloc(cap * sizeof(*ki));
		ci = malloc(cap * sizeof(*ci));
		if (!ki || !ci) {
			free(ki), free(ci);
			return -ENOMEM;
		}
		free(d->known_idx), free(d->comm_idx);
		d->known_idx = ki, d->comm_idx = ci, d->idx_cap = cap;
	}
	memset(d->known_idx, 0xff, cap * sizeof(*d->known_idx));
	memset(d->comm_idx, 0xff, cap * sizeof(*d->comm_idx));
	for (i = 0; i < d->n_known; i++)
		idx_add(d, (uint32_t)i);
	return 0;
}

static struct mw_dirnet_known *known_find(struct mw_dirnet *d, const struct mw_prefix *p,
					  uint16_t port, const char *comm)
{
	struct known_q q = { p, port, comm };
	size_t j;

	if (!d->idx_cap)
		return NULL;
	j = idx_slot(d, d->known_idx, known_hash(p, port, comm), same_known, &q);
	return d->known_idx[j] == MW_DIRNET_NONE ? NULL : &d->known[d->known_idx[j]];
}

static bool comm_known(const struct mw_dirnet *d, const char *comm)
{
	return d->idx_cap &&
	       d->comm_idx[idx_slot(d, d->comm_idx, comm_hash(comm), same_comm, comm)] !=
		       MW_DIRNET_NONE;
}

/* Appends @k to the baseline and its indexes; NULL when full or out of memory. */
static struct mw_dirnet_known *known_append(struct mw_dirnet *d, const struct mw_dirnet_known *k)
{
	/* a local user can connect anywhere: the baseline is bounded */
	if (d->n_known >= MW_DIRNET_KNOWN_MAX) {
		d->known_refused++;
		return NULL;
	}
	if ((d->n_known + 2) * 2 > d->idx_cap && known_reindex(d))
		return NULL;
	if (mw_grow(&d->known, &d->cap_known, d->n_known, sizeof(*d->known), 64))
		return NULL;
	d->known[d->n_known] = *k;
	idx_add(d, (uint32_t)d->n_known);
	return &d->known[d->n_known++];
}

static void record(struct mw_dirnet *d, const struct mw_prefix *p, uint16_t port, const char *comm,
		   int64_t now_s)
{
	struct mw_dirnet_known *k = known_find(d, p, port, comm),
			       n = { .prefix = *p, .port = port };

	if (!k) {
		snprintf(n.comm, sizeof(n.comm), "%s", comm);
		n.first_s = now_s;
		k = known_append(d, &n);
		if (!k)
			return;
	}
	k->count++;
	k->last_s = now_s;
	d->dirty = true;
}

/* Whether @dst:@port of @comm was reported within REPORT_QUIET_NS. */
static bool reported_recently(const struct mw_dirnet *d, const struct mw_addr *dst, uint16_t port,
			      const char *comm, uint64_t now_ns)
{
	unsigned i, n = sizeof(d->reported) / sizeof(d->reported[0]);

	for (i = 0; i < n; i++)
		if (d->reported[i].ns && now_ns - d->reported[i].ns < REPORT_QUIET_NS &&
		    d->reported[i].port == port &&
		    !memcmp(&d->reported[i].addr, dst, sizeof(*dst)) &&
		    !strncmp(d->reported[i].comm, comm, MW_DIRNET_COMM))
			return true;
	return false;
}

/* reported_recently(), and when not, notes it as reported now. */
static bool reported_lately(struct mw_dirnet *d, const struct mw_addr *dst, uint16_t port,
			    const char *comm, uint64_t now_ns)
{
	unsigned n = sizeof(d->reported) / sizeof(d->reported[0]);

	if (reported_recently(d, dst, port, comm, now_ns))
		return true;
	d->reported[d->reported_pos].addr = *dst;
	d->reported[d->reported_pos].port = port;
	snprintf(d->reported[d->reported_pos].comm, MW_DIRNET_COMM, "%s", comm);
	d->reported[d->reported_pos].ns = now_ns;
	d->reported_pos = (d->reported_pos + 1) % n;
	return false;
}

/* Counts a new destination of @comm at @now_ns; returns those of the
 * same process in the last minute. */
static unsigned count_new(struct mw_dirnet *d, const char *comm, uint64_t now_ns)
{
	unsigned i, n = 0, n_times = sizeof(d->new_times) / sizeof(d->new_times[0]);
	uint64_t who = comm_hash(comm);

	d->new_times[d->new_pos] = now_ns;
	d->new_comm[d->new_pos] = who;
	d->new_pos = (d->new_pos + 1) % n_times;
	for (i = 0; i < n_times; i++)
		if (d->new_times[i] && now_ns - d->new_times[i] < FANOUT_WINDOW_NS &&
		    d->new_comm[i] == who)
			n++;
	return n;
}

static bool port_sensitive(const struct mw_dirnet *d, uint16_t port)
{
	unsigned i;

	for (i = 0; i < d->cfg.n_sensitive; i++)
		if (d->cfg.sensitive_ports[i] == port)
			return true;
	return false;
}

static void set_severity(const struct mw_dirnet *d, struct mw_dirnet_verdict *v)
{
	unsigned worse = v->sensitive_port + v->new_process + v->not_service +
			 (v->recent_new >= d->cfg.fanout) + 2 * v->mining;

	v->severity = worse >= 2 ? "critical" : worse == 1 ? "high" : "medium";
}

void mw_dirnet_judge(struct mw_dirnet *d, const struct mw_dirnet_flow *f, uint64_t now_ns,
		     int64_t now_s, struct mw_dirnet_verdict *v)
{
	const char *comm = f->comm ? f->comm : "";
	struct mw_prefix p;
	bool known;

	memset(v, 0, sizeof(*v));
	if (mw_dirnet_allows(d, f->dst, f->port, now_ns))
		return;
	baseline_prefix(f->dst, &p);
	v->sensitive_port = port_sensitive(d, f->port) || f->doh;
	v->port_name = port_sensitive(d, f->port) ? mw_dirnet_port_name(f->port) : NULL;
	v->not_service = f->not_service != NULL;
	v->doh = f->doh != NULL;
	v->mining = f->mining;
	known = known_find(d, &p, f->port, comm) != NULL;
	if (d->learn_until_s) {
		/* learning silences the ordinary only: what would be high or
		 * critical is reported, and never becomes the baseline */
		/* a destination reported a moment ago is not new again: a
		 * flood of connections to one place is no fan-out */
		if (!known && reported_recently(d, f->dst, f->port, comm, now_ns))
			return;
		if (!known)
			v->recent_new = count_new(d, comm, now_ns);
		if (!v->sensitive_port && !v->not_service && !v->mining &&
		    v->recent_new < d->cfg.fanout) {
			if (!f->unverified) {
				record(d, &p, f->port, comm, now_s);
				v->learning = true;
			}
			return;
		}
		if (reported_lately(d, f->dst, f->port, comm, now_ns))
			return;
		v->report = v->while_learning = true;
		set_severity(d, v);
		return;
	}
	/* a process that resolves names behind the host's back is news
	 * however often it did so while the baseline was learned */
	if (d->learned && known && !v->doh)
		return;
	if (reported_lately(d, f->dst, f->port, comm, now_ns))
		return;
	v->report = true;
	v->recent_new = count_new(d, comm, now_ns);
	v->new_process = d->learned && comm[0] && !comm_known(d, comm);
	set_severity(d, v);
}

void mw_dirnet_check(struct mw_dirnet *d, const struct mw_addr *dst, uint16_t port,
		     const char *comm, uint64_t now_ns, int64_t now_s, struct mw_dirnet_verdict *v)
{
	struct mw_dirnet_flow f = { .dst = dst, .port = port, .comm = comm };

	mw_dirnet_judge(d, &f, now_ns, now_s, v);
}

/* Places no package installs a program to, or where anybody may write. */
static const char *const odd_dirs[] = {
	"/tmp/",       "/var/tmp/", "/dev/",	   "/run/",	 "/var/run/",
	"/var/lock/",  "/etc/",	    "/boot/",	   "/proc/",	 "/var/www/",
	"/var/spool/", "/var/log/", "/var/cache/", "/var/mail/", "/var/backups/",
};

/* The system's and installed software's directories: a deleted file there
 * is an upgrade the process has not restarted for. */
static const char *const system_dirs[] = {
	"/usr/",   "/bin/",    "/sbin/", "/lib/",  "/lib32/",
	"/lib64/", "/libx32/", "/opt/",	 "/snap/", "/nix/store/",
};

static bool under(const char *path, const char *const *dirs, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strncmp(path, dirs[i], strlen(dirs[i])))
			return true;
	return false;
}

const char *mw_dirnet_exe_odd(const char *exe)
{
	static const char deleted[] = " (deleted)";
	size_t n = strlen(exe), m = sizeof(deleted) - 1;

	if (!exe[0])
		return NULL;
	if (!strncmp(exe, "/memfd:", 7))
		return "an executable with no file (memfd)";
	if (exe[0] != '/')
		return "an executable with no path";
	if (under(exe, odd_dirs, ARRAY_SIZE(odd_dirs)))
		return "an executable where anybody may write or no package installs programs";
	if (n > m && !strcmp(exe + n - m, deleted) &&
	    !under(exe, system_dirs, ARRAY_SIZE(system_dirs)))
		return "a deleted executable";
	return NULL;
}

const char *mw_dirnet_port_name(uint16_t port)
{
	static const struct {
		uint16_t port;
		const char *name;
	} names[] = {
		{ 22, "SSH" },		 { 23, "Telnet" }, { 139, "NetBIOS" }, { 445, "SMB" },
		{ 853, "DNS-over-TLS" }, { 3389, "RDP" },  { 5900, "VNC" },    { 5985, "WinRM" },
		{ 5986, "WinRM" },	 { 9001, "Tor" },  { 9030, "Tor" },    { 9050, "Tor" },
		{ 9051, "Tor" },	 { 9150, "Tor" },
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(names); i++)
		if (names[i].port == port)
			return names[i].name;
	return NULL;
}

void mw_dirnet_learn(struct mw_dirnet *d, uint64_t ms, int64_t now_s)
{
	d->n_known = 0;
	known_reindex(d);
	d->learned = false;
	d->learn_until_s = now_s + (int64_t)((ms + 999) / 1000);
	d->dirty = true;
	/* fan-out while learning counts the destinations new to it */
	memset(d->new_times, 0, sizeof(d->new_times));
}

bool mw_dirnet_tick(struct mw_dirnet *d, uint64_t now_ns, int64_t now_s)
{
	res_expire(d, now_ns);
	if (!d->learn_until_s || now_s < d->learn_until_s)
		return false;
	d->learn_until_s = 0;
	d->learned = true;
	d->dirty = true;
	/* what learning met was new to it, not to the baseline it made */
	memset(d->new_times, 0, sizeof(d->new_times));
	return true;
}

json_t *mw_dirnet_baseline_json(const struct mw_dirnet *d)
{
	json_t *arr = json_array();
	char buf[MW_ADDRSTRLEN];
	size_t i;

	for (i = 0; i < d->n_known; i++) {
		const struct mw_dirnet_known *k = &d->known[i];

		json_array_append_new(arr, json_pack("{s:s, s:i, s:s, s:i, s:I, s:I}", "prefix",
						     mw_prefix_str(&k->prefix, buf, sizeof(buf)),
						     "port", k->port, "comm", k->comm, "count",
						     (int)k->count, "first", (json_int_t)k->first_s,
						     "last", (json_int_t)k->last_s));
	}
	return json_pack("{s:b, s:I, s:o}", "learned", d->learned, "learning_until",
			 (json_int_t)d->learn_until_s, "destinations", arr);
}

int mw_dirnet_baseline_load(struct mw_dirnet *d, json_t *j, const char *path, FILE *err)
{
	json_t *arr = json_object_get(j, "destinations"), *e;
	size_t i;
	int bad = 0;

	if (!json_is_object(j) || !json_is_array(arr)) {
		fprintf(err, "%s: not a DIRNET baseline (no \"destinations\" list)\n", path);
		return -EINVAL;
	}
	d->n_known = 0;
	if (known_reindex(d))
		return -ENOMEM;
	d->learned = json_is_true(json_object_get(j, "learned"));
	d->learn_until_s = json_integer_value(json_object_get(j, "learning_until"));
	json_array_foreach(arr, i, e)
	{
		struct mw_dirnet_known k = { 0 };
		const char *prefix = json_string_value(json_object_get(e, "prefix"));
		const char *comm = json_string_value(json_object_get(e, "comm"));
		json_int_t port = json_integer_value(json_object_get(e, "port"));

		/* a longer comm would be cut, perhaps inside a character */
		if (!prefix || mw_prefix_parse(prefix, &k.prefix) || port < 0 || port > 65535 ||
		    !comm || strlen(comm) >= sizeof(k.comm)) {
			fprintf(err, "%s: destination %zu: bad prefix, port or comm; skipped\n",
				path, i);
			bad++;
			continue;
		}
		k.port = (uint16_t)port;
		snprintf(k.comm, sizeof(k.comm), "%s", comm);
		k.count = (uint32_t)json_integer_value(json_object_get(e, "count"));
		k.first_s = json_integer_value(json_object_get(e, "first"));
		k.last_s = json_integer_value(json_object_get(e, "last"));
		/* a duplicate line counts once; a baseline past the cap is cut */
		if (!known_find(d, &k.prefix, k.port, k.comm) && !known_append(d, &k))
			return d->n_known >= MW_DIRNET_KNOWN_MAX ? -E2BIG : -ENOMEM;
	}
	d->dirty = false;
	return bad ? -EINVAL : 0;
}
