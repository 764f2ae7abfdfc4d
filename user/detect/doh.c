// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "detect/doh.h"
#include "lib/util.h"

void mw_doh_free(struct mw_doh *t)
{
	unsigned i;

	for (i = 0; i < t->n_lists; i++)
		free(t->lists[i]);
	free(t->e);
	memset(t, 0, sizeof(*t));
}

struct load_ctx {
	struct mw_doh *t;
	const char *src;
	FILE *err;
	uint16_t list;
	bool full, nomem;
};

static void on_entry(void *arg, const struct mw_list_entry *e, unsigned line)
{
	struct load_ctx *c = arg;
	struct mw_doh *t = c->t;

	if (t->n >= MW_DOH_MAX) {
		c->full = true;
		return;
	}
	if (mw_grow(&t->e, &t->cap, t->n, sizeof(*t->e), 64)) {
		c->nomem = true;
		return;
	}
	t->e[t->n++] = (struct mw_doh_entry){ .e = *e, .list = c->list, .line = line };
}

static void on_error(void *arg, unsigned line, const char *why, const char *text)
{
	struct load_ctx *c = arg;

	if (c->err)
		fprintf(c->err, "%s:%u: %s: %s\n", c->src, line, why, text);
}

int mw_doh_load(struct mw_doh *t, const char *buf, size_t len, const char *src, FILE *err)
{
	struct load_ctx c = { .t = t, .src = src, .err = err };
	struct mw_list_report rep;
	size_t before = t->n;
	int ret;

	if (t->n_lists >= MW_DOH_LISTS_MAX) {
		if (err)
			fprintf(err, "%s: too many DoH lists (at most %d); skipped\n", src,
				MW_DOH_LISTS_MAX);
		return -E2BIG;
	}
	c.list = (uint16_t)t->n_lists;
	t->lists[t->n_lists] = strdup(src);
	if (!t->lists[t->n_lists])
		return -ENOMEM;
	ret = mw_list_parse(buf, len, on_entry, on_error, &c, &rep);
	if (ret || c.nomem) {
		t->n = before;
		free(t->lists[t->n_lists]);
		t->lists[t->n_lists] = NULL;
		if (ret && err)
			fprintf(err, "%s: not a list of DoH endpoints (%s); skipped\n", src,
				memchr(buf, '\0', len < 65536 ? len : 65536) ?
					"binary data" :
					"more bad lines than entries");
		return c.nomem ? -ENOMEM : ret;
	}
	t->n_lists++;
	if (c.full) {
		if (err)
			fprintf(err,
				"%s: more than %u DoH endpoints in all; the rest are dropped\n",
				src, MW_DOH_MAX);
		return -E2BIG;
	}
	return 0;
}

const struct mw_doh_entry *mw_doh_find_name(const struct mw_doh *t, const char *name)
{
	size_t i, n = strlen(name);

	for (i = 0; i < t->n; i++) {
		const struct mw_list_entry *e = &t->e[i].e;
		size_t m;

		if (e->kind != MW_LIST_DOMAIN)
			continue;
		if (!strcmp(e->name, name))
			return &t->e[i];
		m = strlen(e->name);
		if (e->subdomains && n > m && name[n - m - 1] == '.' &&
		    !strcmp(name + n - m, e->name))
			return &t->e[i];
	}
	return NULL;
}

const struct mw_doh_entry *mw_doh_find_addr(const struct mw_doh *t, const struct mw_addr *addr,
					    uint16_t port)
{
	size_t i;

	for (i = 0; i < t->n; i++) {
		const struct mw_list_entry *e = &t->e[i].e;

		if (e->kind == MW_LIST_PREFIX && (!e->port || e->port == port) &&
		    mw_prefix_contains(&e->prefix, addr))
			return &t->e[i];
	}
	return NULL;
}

const char *mw_doh_entry_str(const struct mw_doh_entry *d, char *buf, size_t len)
{
	char a[MW_ADDRSTRLEN + 8];

	if (d->e.kind == MW_LIST_DOMAIN) {
		snprintf(buf, len, "%s", d->e.name);
		return buf;
	}
	if (d->e.prefix.len == 128)
		mw_addr_str(&d->e.prefix.addr, a, sizeof(a));
	else
		mw_prefix_str(&d->e.prefix, a, sizeof(a));
	if (d->e.port)
		snprintf(buf, len, strchr(a, ':') ? "[%s]:%u" : "%s:%u", a, d->e.port);
	else
		snprintf(buf, len, "%s", a);
	return buf;
}

/* @s (an executable's base name) is @name, or a variant of it (firefox-esr);
 * a program upgraded under it is still itself ("firefox (deleted)"). */
static bool name_is(const char *name, size_t n, const char *s)
{
	return !strncmp(s, name, n) &&
	       (!s[n] || s[n] == '-' || s[n] == '_' || s[n] == '.' || !strcmp(s + n, " (deleted)"));
}

bool mw_doh_client(const char *clients, const char *exe, const char *comm)
{
	const char *base = strrchr(exe, '/'), *p = clients;

	base = base ? base + 1 : exe;
	while (*p) {
		size_t n;

		p += strspn(p, ", \t");
		n = strcspn(p, ",");
		while (n && (p[n - 1] == ' ' || p[n - 1] == '\t'))
			n--;
		if (n &&
		    (base[0] ? name_is(p, n, base) : strlen(comm) == n && !strncmp(comm, p, n)))
			return true;
		p += strcspn(p, ",");
	}
	return false;
}
