// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "detect/dirnet.h"
#include "util.h"

#define REPORT_QUIET_NS (3600ULL * 1000000000ULL)
#define FANOUT_WINDOW_NS (60ULL * 1000000000ULL)

void mw_dirnet_init(struct mw_dirnet *d, const struct mw_dirnet_cfg *cfg)
{
	memset(d, 0, sizeof(*d));
	d->cfg = *cfg;
}

void mw_dirnet_free(struct mw_dirnet *d)
{
	free(d->allow);
	free(d->resolved);
	free(d->known);
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
	d->allow[d->n_allow++] = *a;
	return 0;
}

void mw_dirnet_allow_clear(struct mw_dirnet *d)
{
	d->n_allow = 0;
	d->n_resolved = 0;
}

static bool name_matches(const struct mw_dirnet_allow *a, const char *name)
{
	size_t n = strlen(name), m = strlen(a->name);

	if (!strcmp(name, a->name))
		return true;
	return a->subdomains && n > m && name[n - m - 1] == '.' && !strcmp(name + n - m, a->name);
}

void mw_dirnet_resolved(struct mw_dirnet *d, const char *name, const struct mw_addr *addr,
			uint64_t expires_ns)
{
	size_t i, j;

	for (i = 0; i < d->n_allow; i++) {
		if (!d->allow[i].name[0] || !name_matches(&d->allow[i], name))
			continue;
		for (j = 0; j < d->n_resolved; j++) {
			if (!memcmp(&d->resolved[j].addr, addr, sizeof(*addr)) &&
			    d->resolved[j].port == d->allow[i].port) {
				if (expires_ns > d->resolved[j].expires_ns)
					d->resolved[j].expires_ns = expires_ns;
				break;
			}
		}
		if (j < d->n_resolved)
			continue;
		if (mw_grow(&d->resolved, &d->cap_resolved, d->n_resolved, sizeof(*d->resolved),
			    16))
			return;
		d->resolved[d->n_resolved].addr = *addr;
		d->resolved[d->n_resolved].port = d->allow[i].port;
		d->resolved[d->n_resolved].expires_ns = expires_ns;
		d->n_resolved++;
	}
}

static bool expected(const struct mw_dirnet *d, const struct mw_addr *dst, uint16_t port,
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
	for (i = 0; i < d->n_resolved; i++)
		if (d->resolved[i].expires_ns > now_ns &&
		    !memcmp(&d->resolved[i].addr, dst, sizeof(*dst)) &&
		    (!d->resolved[i].port || d->resolved[i].port == port))
			return true;
	return false;
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

static struct mw_dirnet_known *known_find(struct mw_dirnet *d, const struct mw_prefix *p,
					  uint16_t port, const char *comm)
{
	size_t i;

	for (i = 0; i < d->n_known; i++) {
		struct mw_dirnet_known *k = &d->known[i];

		if (k->port == port && k->prefix.len == p->len &&
		    !memcmp(&k->prefix.addr, &p->addr, sizeof(p->addr)) &&
		    !strncmp(k->comm, comm, MW_DIRNET_COMM))
			return k;
	}
	return NULL;
}

static bool comm_known(const struct mw_dirnet *d, const char *comm)
{
	size_t i;

	for (i = 0; i < d->n_known; i++)
		if (!strncmp(d->known[i].comm, comm, MW_DIRNET_COMM))
			return true;
	return false;
}

static void record(struct mw_dirnet *d, const struct mw_prefix *p, uint16_t port, const char *comm,
		   int64_t now_s)
{
	struct mw_dirnet_known *k = known_find(d, p, port, comm);

	if (!k) {
		if (mw_grow(&d->known, &d->cap_known, d->n_known, sizeof(*d->known), 64))
			return;
		k = &d->known[d->n_known++];
		memset(k, 0, sizeof(*k));
		k->prefix = *p;
		k->port = port;
		snprintf(k->comm, sizeof(k->comm), "%s", comm);
		k->first_s = now_s;
	}
	k->count++;
	k->last_s = now_s;
	d->dirty = true;
}

static bool reported_lately(struct mw_dirnet *d, const struct mw_addr *dst, uint16_t port,
			    const char *comm, uint64_t now_ns)
{
	unsigned i, n = sizeof(d->reported) / sizeof(d->reported[0]);

	for (i = 0; i < n; i++)
		if (d->reported[i].ns && now_ns - d->reported[i].ns < REPORT_QUIET_NS &&
		    d->reported[i].port == port &&
		    !memcmp(&d->reported[i].addr, dst, sizeof(*dst)) &&
		    !strncmp(d->reported[i].comm, comm, MW_DIRNET_COMM))
			return true;
	d->reported[d->reported_pos].addr = *dst;
	d->reported[d->reported_pos].port = port;
	snprintf(d->reported[d->reported_pos].comm, MW_DIRNET_COMM, "%s", comm);
	d->reported[d->reported_pos].ns = now_ns;
	d->reported_pos = (d->reported_pos + 1) % n;
	return false;
}

void mw_dirnet_check(struct mw_dirnet *d, const struct mw_addr *dst, uint16_t port,
		     const char *comm, uint64_t now_ns, int64_t now_s, struct mw_dirnet_verdict *v)
{
	struct mw_prefix p;
	unsigned i, worse = 0, n_times = sizeof(d->new_times) / sizeof(d->new_times[0]);

	memset(v, 0, sizeof(*v));
	if (expected(d, dst, port, now_ns))
		return;
	baseline_prefix(dst, &p);
	if (d->learn_until_s) {
		record(d, &p, port, comm, now_s);
		v->learning = true;
		return;
	}
	if (d->learned && known_find(d, &p, port, comm))
		return;
	if (reported_lately(d, dst, port, comm, now_ns))
		return;
	v->report = true;
	d->new_times[d->new_pos] = now_ns;
	d->new_pos = (d->new_pos + 1) % n_times;
	for (i = 0; i < n_times; i++)
		if (d->new_times[i] && now_ns - d->new_times[i] < FANOUT_WINDOW_NS)
			v->recent_new++;
	for (i = 0; i < d->cfg.n_sensitive; i++)
		if (d->cfg.sensitive_ports[i] == port)
			v->sensitive_port = true;
	v->new_process = d->learned && comm[0] && !comm_known(d, comm);
	worse = v->sensitive_port + v->new_process + (v->recent_new >= d->cfg.fanout);
	v->severity = worse >= 2 ? "critical" : worse == 1 ? "high" : "medium";
}

void mw_dirnet_learn(struct mw_dirnet *d, uint64_t ms, int64_t now_s)
{
	d->n_known = 0;
	d->learned = false;
	d->learn_until_s = now_s + (int64_t)((ms + 999) / 1000);
	d->dirty = true;
}

bool mw_dirnet_tick(struct mw_dirnet *d, uint64_t now_ns, int64_t now_s)
{
	size_t i, j;

	for (i = j = 0; i < d->n_resolved; i++)
		if (d->resolved[i].expires_ns > now_ns)
			d->resolved[j++] = d->resolved[i];
	d->n_resolved = j;
	if (!d->learn_until_s || now_s < d->learn_until_s)
		return false;
	d->learn_until_s = 0;
	d->learned = true;
	d->dirty = true;
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
	d->learned = json_is_true(json_object_get(j, "learned"));
	d->learn_until_s = json_integer_value(json_object_get(j, "learning_until"));
	json_array_foreach(arr, i, e)
	{
		struct mw_dirnet_known k = { 0 };
		const char *prefix = json_string_value(json_object_get(e, "prefix"));
		const char *comm = json_string_value(json_object_get(e, "comm"));
		json_int_t port = json_integer_value(json_object_get(e, "port"));

		if (!prefix || mw_prefix_parse(prefix, &k.prefix) || port < 0 || port > 65535 ||
		    !comm) {
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
		if (mw_grow(&d->known, &d->cap_known, d->n_known, sizeof(*d->known), 64))
			return -ENOMEM;
		d->known[d->n_known++] = k;
	}
	d->dirty = false;
	return bad ? -EINVAL : 0;
}
