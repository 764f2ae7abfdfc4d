// SPDX-License-Identifier: GPL-2.0-only
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "detect/blacklist.h"
#include "lib/util.h"

#define MAX_ERRORS_DEFAULT 20

void mw_bl_init(struct mw_blacklist *bl, const struct mw_bl_cfg *cfg)
{
	memset(bl, 0, sizeof(*bl));
	bl->max_errors = cfg && cfg->max_errors ? cfg->max_errors : MAX_ERRORS_DEFAULT;
	bl->learned_max = cfg && cfg->learned_max ? cfg->learned_max : MW_BL_LEARNED_MAX_DEFAULT;
	bl->learned_per_name = cfg && cfg->learned_per_name ? cfg->learned_per_name :
							      MW_BL_LEARNED_PER_NAME;
}

static void list_clear(struct mw_bl_list *l)
{
	size_t i;

	for (i = 0; i < l->n_names; i++)
		free(l->names[i].name);
	free(l->names);
	free(l->prefixes);
	free(l->ja4s);
	memset(l, 0, sizeof(*l));
}

void mw_bl_free(struct mw_blacklist *bl)
{
	unsigned i;

	for (i = 0; i < MW_BL_LISTS_MAX; i++)
		list_clear(&bl->lists[i]);
	free(bl->index);
	for (i = 0; i < bl->n_buckets; i++) {
		while (bl->name_buckets[i]) {
			struct mw_bl_lname *n = bl->name_buckets[i];

			bl->name_buckets[i] = n->hnext;
			free(n);
		}
	}
	free(bl->name_buckets);
	free(bl->addr_buckets);
	free(bl->heap);
	free(bl->learned);
	memset(bl, 0, sizeof(*bl));
}

static uint64_t name_hash(const char *s)
{
	uint64_t h = 14695981039346656037ULL; /* FNV-1a */

	while (*s) {
		h ^= (unsigned char)*s++;
		h *= 1099511628211ULL;
	}
	return h;
}

/* Rebuilds the name index after a list came or went. The first list to
 * name a domain keeps it. */
static int index_rebuild(struct mw_blacklist *bl)
{
	size_t total = 0, cap = 64, i, j, slot;
	struct mw_bl_name **index;
	unsigned id;

	for (id = 1; id < MW_BL_LISTS_MAX; id++)
		total += bl->lists[id].n_names;
	while (cap < total * 2)
		cap <<= 1;
	index = calloc(cap, sizeof(struct mw_bl_name *));
	if (!index)
		return -ENOMEM;
	for (id = 1; id < MW_BL_LISTS_MAX; id++) {
		struct mw_bl_list *l = &bl->lists[id];

		for (i = 0; i < l->n_names; i++) {
			struct mw_bl_name *n = &l->names[i];

			slot = name_hash(n->name) & (cap - 1);
			for (j = 0; index[slot]; j++) {
				if (!strcmp(index[slot]->name, n->name))
					break;
				slot = (slot + 1) & (cap - 1);
			}
			/* first come keeps it; within one list the wider match wins */
			if (!index[slot] || (n->subdomains && !index[slot]->subdomains &&
					     index[slot]->list == n->list))
				index[slot] = n;
		}
	}
	free(bl->index);
	bl->index = index;
	bl->index_cap = cap;
	return 0;
}

static const struct mw_bl_name *index_get(const struct mw_blacklist *bl, const char *name)
{
	size_t slot;

	if (!bl->index_cap)
		return NULL;
	slot = name_hash(name) & (bl->index_cap - 1);
	while (bl->index[slot]) {
		if (!strcmp(bl->index[slot]->name, name))
			return bl->index[slot];
		slot = (slot + 1) & (bl->index_cap - 1);
	}
	return NULL;
}

const struct mw_bl_name *mw_bl_match_name(const struct mw_blacklist *bl, const char *name)
{
	const struct mw_bl_name *n = index_get(bl, name);
	const char *dot;

	if (n)
		return n;
	for (dot = strchr(name, '.'); dot; dot = strchr(dot + 1, '.')) {
		n = index_get(bl, dot + 1);
		if (n && n->subdomains)
			return n;
	}
	return NULL;
}

/* JA4 lists are short (nobody publishes one): a scan of every entry. */
const struct mw_bl_ja4 *mw_bl_match_ja4(const struct mw_blacklist *bl, const char *ja4)
{
	unsigned id;
	size_t i;

	if (!ja4[0])
		return NULL;
	for (id = 1; id < MW_BL_LISTS_MAX; id++)
		for (i = 0; bl->lists[id].used && i < bl->lists[id].n_ja4s; i++)
			if (!strcmp(bl->lists[id].ja4s[i].ja4, ja4))
				return &bl->lists[id].ja4s[i];
	return NULL;
}

int mw_bl_find(const struct mw_blacklist *bl, const char *name)
{
	unsigned id;

	for (id = 1; id < MW_BL_LISTS_MAX; id++)
		if (bl->lists[id].used && !strcmp(bl->lists[id].name, name))
			return (int)id;
	return -ENOENT;
}

struct load_ctx {
	struct mw_bl_list *l;
	uint16_t id;
	const char *path;
	FILE *err;
	unsigned shown, max_shown;
	bool nomem;
};

static void on_entry(void *arg, const struct mw_list_entry *e, unsigned line)
{
	struct load_ctx *c = arg;
	struct mw_bl_list *l = c->l;

	if (e->kind == MW_LIST_PREFIX) {
		if (mw_grow(&l->prefixes, &l->cap_prefixes, l->n_prefixes, sizeof(*l->prefixes),
			    256)) {
			c->nomem = true;
			return;
		}
		l->prefixes[l->n_prefixes++] =
			(struct mw_bl_entry){ .prefix = e->prefix, .port = e->port, .line = line };
		return;
	}
	if (e->kind == MW_LIST_JA4) {
		if (mw_grow(&l->ja4s, &l->cap_ja4s, l->n_ja4s, sizeof(*l->ja4s), 64)) {
			c->nomem = true;
			return;
		}
		l->ja4s[l->n_ja4s] = (struct mw_bl_ja4){ .list = c->id, .line = line };
		snprintf(l->ja4s[l->n_ja4s].ja4, sizeof(l->ja4s[0].ja4), "%s", e->name);
		l->n_ja4s++;
		return;
	}
	if (mw_grow(&l->names, &l->cap_names, l->n_names, sizeof(*l->names), 256)) {
		c->nomem = true;
		return;
	}
	l->names[l->n_names] = (struct mw_bl_name){
		.name = strdup(e->name), .list = c->id, .subdomains = e->subdomains, .line = line
	};
	if (!l->names[l->n_names].name) {
		c->nomem = true;
		return;
	}
	l->n_names++;
}

static void on_error(void *arg, unsigned line, const char *why, const char *text)
{
	struct load_ctx *c = arg;

	if (c->err && c->shown++ < c->max_shown)
		fprintf(c->err, "%s:%u: %s: %s\n", c->path, line, why, text);
}

static void default_name(const char *path, char *out, size_t len)
{
	const char *base = strrchr(path, '/');
	size_t n;

	base = base ? base + 1 : path;
	n = strcspn(base, ".");
	if (n == 0)
		n = strlen(base);
	if (n >= len)
		n = len - 1;
	memcpy(out, base, n);
	out[n] = '\0';
}

static int check_list_name(const char *name)
{
	const char *p;

	if (!*name || strlen(name) >= MW_BL_NAME_MAX)
		return -EINVAL;
	for (p = name; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '-' || *p == '_' || *p == '.'))
			return -EINVAL;
	return 0;
}

int mw_bl_load(struct mw_blacklist *bl, const struct mw_bl_source *src, const char *buf, size_t len,
	       FILE *err)
{
	const char *name = src->name, *path = src->path;
	char lname[MW_BL_NAME_MAX];
	struct mw_bl_list fresh = { 0 };
	struct load_ctx c = { .l = &fresh, .path = path, .err = err, .max_shown = bl->max_errors };
	int id, ret;

	if (name)
		snprintf(lname, sizeof(lname), "%s", name);
	else
		default_name(path, lname, sizeof(lname));
	if ((name && strlen(name) >= MW_BL_NAME_MAX) || check_list_name(lname)) {
		if (err)
			fprintf(err,
				"%s: bad list name '%s': letters, digits, '-', '_', '.', at most %d\n",
				path, name ? name : lname, MW_BL_NAME_MAX - 1);
		return -EINVAL;
	}
	id = mw_bl_find(bl, lname);
	if (id < 0) {
		for (id = 1; id < MW_BL_LISTS_MAX && bl->lists[id].used; id++)
			;
		if (id == MW_BL_LISTS_MAX) {
			if (err)
				fprintf(err, "%s: too many lists (at most %d)\n", path,
					MW_BL_LISTS_MAX - 1);
			return -ENOSPC;
		}
	}
	c.id = (uint16_t)id;
	ret = mw_list_parse(buf, len, on_entry, on_error, &c, &fresh.rep);
	if (c.nomem) {
		list_clear(&fresh);
		return -ENOMEM;
	}
	if (err && c.shown > c.max_shown)
		fprintf(err, "%s: %u more malformed lines not shown\n", path,
			c.shown - c.max_shown);
	if (ret) {
		if (err)
			fprintf(err, "%s: not a list: %s; the list in force is kept\n", path,
				memchr(buf, '\0', len < 65536 ? len : 65536) ?
					"binary data" :
					"more malformed lines than entries");
		list_clear(&fresh);
		return ret;
	}
	fresh.used = true;
	fresh.runtime = src->runtime;
	fresh.loaded_s = src->loaded_s;
	snprintf(fresh.name, sizeof(fresh.name), "%s", lname);
	snprintf(fresh.path, sizeof(fresh.path), "%s", path);
	list_clear(&bl->lists[id]);
	bl->lists[id] = fresh;
	ret = index_rebuild(bl);
	return ret ? ret : id;
}

static bool of_list(void *arg, const struct mw_bl_learned *l)
{
	return l->list == *(const int *)arg;
}

int mw_bl_unload(struct mw_blacklist *bl, const char *name)
{
	int id = mw_bl_find(bl, name);

	if (id < 0)
		return id;
	list_clear(&bl->lists[id]);
	mw_bl_learned_remove_if(bl, of_list, NULL, &id);
	return index_rebuild(bl);
}

/* --- compilation ------------------------------------------------------- */

struct piece {
	struct mw_prefix prefix;
	uint16_t list;
	uint16_t port;
	uint8_t flags;
};

struct compile_ctx {
	struct piece *p;
	size_t n, cap;
	const struct mw_prefix *protect, *alert;
	size_t n_protect, n_alert;
	bool nomem;
};

static void piece_add(struct compile_ctx *c, const struct mw_prefix *p, uint16_t list,
		      uint16_t port, uint8_t flags)
{
	if (mw_grow(&c->p, &c->cap, c->n, sizeof(*c->p), 1024)) {
		c->nomem = true;
		return;
	}
	c->p[c->n++] = (struct piece){ .prefix = *p, .list = list, .port = port, .flags = flags };
}

static bool prefix_inside(const struct mw_prefix *inner, const struct mw_prefix *outer)
{
	return inner->len >= outer->len && mw_prefix_contains(outer, &inner->addr);
}

static void prefix_halves(const struct mw_prefix *p, struct mw_prefix *lo, struct mw_prefix *hi)
{
	*lo = *p;
	lo->len = p->len + 1;
	*hi = *lo;
	hi->addr.addr[p->len / 8] |= (uint8_t)(0x80 >> (p->len % 8));
}

/* Adds @p minus the protected prefixes, the alert-only parts flagged.
 * Returns what happened: 0 whole, 1 part removed, 2 all removed. */
static int carve(struct compile_ctx *c, const struct mw_prefix *p, uint16_t list, uint16_t port,
		 uint8_t flags, bool *alert)
{
	struct mw_prefix lo, hi;
	bool split = false;
	size_t i;
	int a, b;

	for (i = 0; i < c->n_protect; i++) {
		if (prefix_inside(p, &c->protect[i]))
			return 2;
		if (mw_prefix_overlap(p, &c->protect[i]))
			split = true;
	}
	if (!split) {
		for (i = 0; i < c->n_alert; i++) {
			if (prefix_inside(p, &c->alert[i])) {
				*alert = true;
				piece_add(c, p, list, port, flags | MW_BL_ALERT);
				return 0;
			}
			if (mw_prefix_overlap(p, &c->alert[i]))
				split = true;
		}
	}
	if (!split || p->len >= 128) {
		piece_add(c, p, list, port, flags);
		return 0;
	}
	prefix_halves(p, &lo, &hi);
	a = carve(c, &lo, list, port, flags, alert);
	b = carve(c, &hi, list, port, flags, alert);
	if (a == 2 && b == 2)
		return 2;
	return a || b ? 1 : 0;
}

static int piece_cmp(const void *x, const void *y)
{
	const struct piece *a = x, *b = y;
	int r = memcmp(a->prefix.addr.addr, b->prefix.addr.addr, 16);

	if (r)
		return r;
	if (a->prefix.len != b->prefix.len)
		return a->prefix.len < b->prefix.len ? -1 : 1;
	if (a->list != b->list)
		return a->list < b->list ? -1 : 1;
	return (int)a->port - (int)b->port;
}

static bool same_prefix(const struct piece *a, const struct piece *b)
{
	return a->prefix.len == b->prefix.len && !memcmp(&a->prefix.addr, &b->prefix.addr, 16);
}

static int kentry_cmp_key(const void *key, const void *elem)
{
	const struct mw_prefix *k = key;
	const struct mw_bl_kentry *e = elem;
	int r = memcmp(k->addr.addr, e->prefix.addr.addr, 16);

	if (r)
		return r;
	return k->len == e->prefix.len ? 0 : k->len < e->prefix.len ? -1 : 1;
}

static void prefix_set_len(struct mw_prefix *p, unsigned len)
{
	unsigned i;

	p->len = (uint8_t)len;
	for (i = 0; i < 16; i++) {
		if (len >= 8) {
			len -= 8;
			continue;
		}
		p->addr.addr[i] &= (uint8_t)(0xff00 >> len);
		len = 0;
	}
}

/* An every-port entry shorter than @p that holds it (then @p's ports add
 * nothing), looked up in the sorted output. */
static bool covered_by_any_port(const struct mw_bl_compiled *out, const struct mw_prefix *p)
{
	unsigned min = mw_addr_is_v4(&p->addr) ? 96 : 0;
	const struct mw_bl_kentry *e;
	struct mw_prefix q;
	int len;

	for (len = p->len - 1; len >= (int)min; len--) {
		q = *p;
		prefix_set_len(&q, (unsigned)len);
		e = bsearch(&q, out->e, out->n, sizeof(*out->e), kentry_cmp_key);
		if (e && !e->value.nports)
			return true;
	}
	return false;
}

static int kentry_add(struct mw_bl_compiled *out, const struct piece *pc)
{
	struct mw_bl_kentry *e;

	if (mw_grow(&out->e, &out->cap, out->n, sizeof(*out->e), 1024))
		return -ENOMEM;
	e = &out->e[out->n++];
	memset(e, 0, sizeof(*e));
	e->prefix = pc->prefix;
	e->value.list = pc->list;
	e->value.flags = pc->flags;
	if (pc->port) {
		e->value.nports = 1;
		e->value.ports[0] = htons(pc->port);
	}
	return 0;
}

/* Merges the sorted pieces of one prefix into one kernel entry. */
static int merge_run(struct mw_bl_compiled *out, struct mw_blacklist *bl, struct piece *run,
		     size_t n)
{
	struct mw_bl_kentry *e;
	size_t i, j;
	int err;

	/* the lowest list id sorts first and names the entry */
	err = kentry_add(out, &run[0]);
	if (err)
		return err;
	e = &out->e[out->n - 1];
	for (i = 1; i < n; i++) {
		if (run[i].list != run[0].list || !run[i].port || !e->value.nports)
			bl->lists[run[i].list].effect.duplicates++;
		if (!e->value.nports)
			continue;
		if (!run[i].port) {
			e->value.nports = 0; /* every port */
			continue;
		}
		for (j = 0; j < e->value.nports; j++)
			if (e->value.ports[j] == htons(run[i].port))
				break;
		if (j < e->value.nports)
			continue;
		if (e->value.nports == MW_BL_PORTS) {
			e->value.nports = 0; /* too many ports to list: all of them */
			continue;
		}
		e->value.ports[e->value.nports++] = htons(run[i].port);
	}
	if (!e->value.nports)
		memset(e->value.ports, 0, sizeof(e->value.ports));
	return 0;
}

int mw_bl_compile(struct mw_blacklist *bl, const struct mw_prefix *protect, size_t n_protect,
		  const struct mw_prefix *alert, size_t n_alert, struct mw_bl_compiled *out)
{
	struct compile_ctx c = {
		.protect = protect, .n_protect = n_protect, .alert = alert, .n_alert = n_alert
	};
	size_t i, j, k;
	unsigned id;
	int err = 0;

	memset(out, 0, sizeof(*out));
	for (id = 1; id < MW_BL_LISTS_MAX; id++) {
		struct mw_bl_list *l = &bl->lists[id];

		memset(&l->effect, 0, sizeof(l->effect));
		for (i = 0; i < l->n_prefixes && !c.nomem; i++) {
			bool flagged = false;
			int r = carve(&c, &l->prefixes[i].prefix, (uint16_t)id, l->prefixes[i].port,
				      0, &flagged);

			if (r == 2)
				l->effect.protected_whole++;
			else if (r == 1)
				l->effect.protected_part++;
			if (flagged)
				l->effect.alert_only++;
		}
	}
	if (c.nomem) {
		free(c.p);
		return -ENOMEM;
	}
	if (c.n)
		qsort(c.p, c.n, sizeof(*c.p), piece_cmp);
	for (i = 0; i < c.n && !err; i = j) {
		for (j = i + 1; j < c.n && same_prefix(&c.p[i], &c.p[j]); j++)
			;
		err = merge_run(out, bl, &c.p[i], j - i);
	}
	free(c.p);
	if (err) {
		mw_bl_compiled_free(out);
		return err;
	}
	/* port-specific entries inside a wider every-port entry are redundant,
	 * and would hide it from the kernel's longest-prefix match */
	for (i = k = 0; i < out->n; i++) {
		if (out->e[i].value.nports && covered_by_any_port(out, &out->e[i].prefix)) {
			bl->lists[out->e[i].value.list].effect.duplicates++;
			continue;
		}
		out->e[k++] = out->e[i];
	}
	out->n = k;
	for (i = 0; i < out->n; i++) {
		if (mw_addr_is_v4(&out->e[i].prefix.addr))
			out->n_v4++;
		else
			out->n_v6++;
	}
	/* the mapped IPv4 space (::ffff:0:0/96) sorts after most IPv6, so
	 * bring IPv4 to the front for the callers */
	if (out->n_v4 && out->n_v6) {
		struct mw_bl_kentry *sorted = malloc(out->n * sizeof(*sorted));
		size_t a = 0, b = out->n_v4;

		if (!sorted) {
			mw_bl_compiled_free(out);
			return -ENOMEM;
		}
		for (i = 0; i < out->n; i++) {
			if (mw_addr_is_v4(&out->e[i].prefix.addr))
				sorted[a++] = out->e[i];
			else
				sorted[b++] = out->e[i];
		}
		free(out->e);
		out->e = sorted;
		out->cap = out->n;
	}
	return 0;
}

void mw_bl_compiled_free(struct mw_bl_compiled *c)
{
	free(c->e);
	memset(c, 0, sizeof(*c));
}

/* --- learned addresses --------------------------------------------------- */

/*
 * A forged or merely busy resolver must not be able to make this grow
 * without bound or make each answer cost a walk over everything learned:
 * the addresses sit in a dense array (what the kernel install walks), with
 * a hash by address, a min-heap by expiry (the tick pops what is due, and
 * the entry closest to its end gives way when the bound is reached), and a
 * count per name.
 */

static uint32_t addr_hash(const struct mw_addr *a)
{
	uint32_t h = 2166136261u; /* FNV-1a */
	size_t i;

	for (i = 0; i < sizeof(a->addr); i++) {
		h ^= a->addr[i];
		h *= 16777619u;
	}
	return h;
}

/* The indexes of learned addresses, sized by the bounds, on the first. */
static int learned_alloc(struct mw_blacklist *bl)
{
	size_t buckets = 64;

	while (buckets < bl->learned_max)
		buckets <<= 1;
	bl->n_buckets = buckets;
	bl->addr_buckets = malloc(buckets * sizeof(*bl->addr_buckets));
	bl->name_buckets = calloc(buckets, sizeof(struct mw_bl_lname *));
	bl->heap = malloc(bl->learned_max * sizeof(*bl->heap));
	if (!bl->addr_buckets || !bl->name_buckets || !bl->heap) {
		free(bl->addr_buckets);
		free(bl->name_buckets);
		free(bl->heap);
		bl->addr_buckets = NULL;
		bl->name_buckets = NULL;
		bl->heap = NULL;
		bl->n_buckets = 0;
		return -ENOMEM;
	}
	memset(bl->addr_buckets, 0xff, buckets * sizeof(*bl->addr_buckets));
	return 0;
}

static int32_t *addr_bucket(const struct mw_blacklist *bl, const struct mw_addr *a)
{
	return &bl->addr_buckets[addr_hash(a) & (bl->n_buckets - 1)];
}

static int32_t learned_index(const struct mw_blacklist *bl, const struct mw_addr *addr)
{
	int32_t i;

	if (!bl->n_buckets)
		return -1;
	for (i = *addr_bucket(bl, addr); i >= 0; i = bl->learned[i].hnext)
		if (!memcmp(&bl->learned[i].addr, addr, sizeof(*addr)))
			return i;
	return -1;
}

const struct mw_bl_learned *mw_bl_learned_find(const struct mw_blacklist *bl,
					       const struct mw_addr *addr)
{
	int32_t i = learned_index(bl, addr);

	return i >= 0 ? &bl->learned[i] : NULL;
}

static struct mw_bl_lname **lname_slot(const struct mw_blacklist *bl, const char *name)
{
	struct mw_bl_lname **p = &bl->name_buckets[name_hash(name) & (bl->n_buckets - 1)];

	while (*p && strcmp((*p)->name, name))
		p = &(*p)->hnext;
	return p;
}

size_t mw_bl_learned_count(const struct mw_blacklist *bl, const char *name)
{
	struct mw_bl_lname *n = bl->n_buckets ? *lname_slot(bl, name) : NULL;

	return n ? n->n_addrs : 0;
}

static bool heap_less(const struct mw_blacklist *bl, uint32_t a, uint32_t b)
{
	return bl->learned[bl->heap[a]].expires_ns < bl->learned[bl->heap[b]].expires_ns;
}

static void heap_swap(struct mw_blacklist *bl, uint32_t a, uint32_t b)
{
	uint32_t t = bl->heap[a];

	bl->heap[a] = bl->heap[b];
	bl->heap[b] = t;
	bl->learned[bl->heap[a]].heap_pos = a;
	bl->learned[bl->heap[b]].heap_pos = b;
}

/* Restores the heap order around @pos, in a heap of @n entries. */
static void heap_fix(struct mw_blacklist *bl, uint32_t pos, size_t n)
{
	while (pos > 0 && heap_less(bl, pos, (pos - 1) / 2)) {
		heap_swap(bl, pos, (pos - 1) / 2);
		pos = (pos - 1) / 2;
	}
	for (;;) {
		uint32_t l = 2 * pos + 1, r = l + 1, m = pos;

		if (l < n && heap_less(bl, l, m))
			m = l;
		if (r < n && heap_less(bl, r, m))
			m = r;
		if (m == pos)
			return;
		heap_swap(bl, pos, m);
		pos = m;
	}
}

static void learned_remove(struct mw_blacklist *bl, int32_t i)
{
	struct mw_bl_learned *l = &bl->learned[i];
	int32_t last = (int32_t)bl->n_learned - 1, *p;
	uint32_t pos = l->heap_pos;

	for (p = addr_bucket(bl, &l->addr); *p != i; p = &bl->learned[*p].hnext)
		;
	*p = l->hnext;
	if (pos != (uint32_t)last) {
		bl->heap[pos] = bl->heap[last];
		bl->learned[bl->heap[pos]].heap_pos = pos;
		heap_fix(bl, pos, (size_t)last);
	}
	if (--l->lname->n_addrs == 0) {
		struct mw_bl_lname **s = lname_slot(bl, l->lname->name), *gone = *s;

		/* the name of an address is always in the index */
		if (gone) {
			*s = gone->hnext;
			free(gone);
		}
	}
	if (i != last) {
		bl->learned[i] = bl->learned[last];
		for (p = addr_bucket(bl, &bl->learned[i].addr); *p != last;
		     p = &bl->learned[*p].hnext)
			;
		*p = i;
		bl->heap[bl->learned[i].heap_pos] = (uint32_t)i;
	}
	bl->n_learned--;
}

int mw_bl_learn(struct mw_blacklist *bl, const struct mw_addr *addr, uint16_t list,
		const char *name, uint64_t expires_ns,
		void (*gone)(void *arg, const struct mw_bl_learned *l), void *arg)
{
	struct mw_bl_lname **slot, *ln;
	struct mw_bl_learned *l;
	int32_t i, *b;
	int err;

	if (!bl->n_buckets) {
		err = learned_alloc(bl);
		if (err)
			return err;
	}
	i = learned_index(bl, addr);
	if (i >= 0) {
		l = &bl->learned[i];
		if (expires_ns > l->expires_ns) {
			l->expires_ns = expires_ns;
			heap_fix(bl, l->heap_pos, bl->n_learned);
		}
		return 0;
	}
	slot = lname_slot(bl, name);
	if (*slot && (*slot)->n_addrs >= bl->learned_per_name) {
		bl->learned_refused++;
		return -ENOSPC;
	}
	if (mw_grow(&bl->learned, &bl->cap_learned, bl->n_learned, sizeof(*bl->learned), 64))
		return -ENOMEM;
	ln = *slot;
	if (!ln) {
		size_t len = strlen(name) + 1;

		ln = malloc(sizeof(*ln) + len);
		if (!ln)
			return -ENOMEM;
		ln->hnext = NULL;
		ln->n_addrs = 0;
		memcpy(ln->name, name, len);
		*slot = ln;
	}
	ln->n_addrs++; /* before an eviction, which may be this name's last */
	if (bl->n_learned >= bl->learned_max) {
		bl->learned_evicted++;
		if (gone)
			gone(arg, &bl->learned[bl->heap[0]]);
		learned_remove(bl, (int32_t)bl->heap[0]);
	}
	i = (int32_t)bl->n_learned++;
	l = &bl->learned[i];
	memset(l, 0, sizeof(*l));
	l->addr = *addr;
	l->list = list;
	l->expires_ns = expires_ns;
	l->lname = ln;
	l->name = ln->name;
	b = addr_bucket(bl, addr);
	l->hnext = *b;
	*b = i;
	l->heap_pos = (uint32_t)i;
	bl->heap[i] = (uint32_t)i;
	heap_fix(bl, (uint32_t)i, bl->n_learned);
	if (list < MW_BL_LISTS_MAX)
		bl->lists[list].learned++;
	return 1;
}

void mw_bl_expire(struct mw_blacklist *bl, uint64_t now_ns,
		  void (*fn)(void *arg, const struct mw_bl_learned *l), void *arg)
{
	while (bl->n_learned && bl->learned[bl->heap[0]].expires_ns <= now_ns) {
		/* @fn sees it before it goes: its name may go with it */
		if (fn)
			fn(arg, &bl->learned[bl->heap[0]]);
		learned_remove(bl, (int32_t)bl->heap[0]);
	}
}

size_t mw_bl_learned_remove_if(struct mw_blacklist *bl,
			       bool (*drop)(void *arg, const struct mw_bl_learned *l),
			       void (*fn)(void *arg, const struct mw_bl_learned *l), void *arg)
{
	size_t i = 0, n = 0;

	while (i < bl->n_learned) {
		if (!drop(arg, &bl->learned[i])) {
			i++;
			continue;
		}
		if (fn)
			fn(arg, &bl->learned[i]);
		/* the last entry moves into slot i: look at i again */
		learned_remove(bl, (int32_t)i);
		n++;
	}
	return n;
}

const struct mw_bl_entry *mw_bl_match_addr(const struct mw_blacklist *bl,
					   const struct mw_addr *addr, uint16_t port,
					   uint16_t *list)
{
	const struct mw_bl_entry *best = NULL;
	unsigned id;
	size_t i;

	for (id = 1; id < MW_BL_LISTS_MAX; id++) {
		const struct mw_bl_list *l = &bl->lists[id];

		for (i = 0; i < l->n_prefixes; i++) {
			const struct mw_bl_entry *e = &l->prefixes[i];

			if (!mw_prefix_contains(&e->prefix, addr))
				continue;
			if (port && e->port && e->port != port)
				continue;
			if (!best || e->prefix.len > best->prefix.len) {
				best = e;
				*list = (uint16_t)id;
			}
		}
	}
	return best;
}
