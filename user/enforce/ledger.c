// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "enforce/ledger.h"
#include "lib/log.h"
#include "lib/statefile.h"
#include "lib/util.h"

void mw_ledger_adopt_comment(struct mw_block_entry *e, const char *comment)
{
	size_t m = strspn(comment, "ABCDEFGHIJKLMNOPQRSTUVWXYZ_");

	if (m && m < sizeof(e->method) && !strncmp(comment + m, ": ", 2)) {
		snprintf(e->method, sizeof(e->method), "%.*s", (int)m, comment);
		mw_sanitize_str(e->reason, sizeof(e->reason), comment + m + 2);
		return;
	}
	snprintf(e->method, sizeof(e->method), "ADOPTED");
	mw_sanitize_str(e->reason, sizeof(e->reason), comment[0] ? comment : "found in nftables");
}

bool mw_ct_scope_has_addr(const struct mw_ct_scope *ct)
{
	static const struct mw_addr none;
	struct mw_addr v4none;
	struct in_addr zero = { 0 };

	mw_addr_from_v4(&v4none, &zero);
	return memcmp(&ct->addr, &none, sizeof(none)) && memcmp(&ct->addr, &v4none, sizeof(none));
}

static json_t *entry_json(const struct mw_block_entry *e)
{
	char a[MW_ADDRSTRLEN], s[MW_ADDRSTRLEN];

	return json_pack("{s:s, s:s, s:s, s:s, s:i, s:I, s:I, s:I, s:I, s:b}", "prefix",
			 mw_prefix_str(&e->prefix, a, sizeof(a)), "seen",
			 mw_addr_str(&e->seen, s, sizeof(s)), "method", e->method, "reason",
			 e->reason, "count", (int)e->count, "first", (json_int_t)e->first_s, "last",
			 (json_int_t)e->last_s, "expires", (json_int_t)e->expires_s, "timeout_ms",
			 (json_int_t)e->timeout_ms, "active", e->active);
}

json_t *mw_ct_scope_json(const struct mw_ct_scope *ct)
{
	char a[MW_ADDRSTRLEN] = "";

	if (mw_ct_scope_has_addr(ct))
		mw_addr_str(&ct->addr, a, sizeof(a));
	return json_pack("{s:s, s:s, s:s, s:I}", "id", ct->id, "name", ct->name, "addr", a,
			 "cgroup_id", (json_int_t)ct->cgroup_id);
}

struct entries {
	const struct mw_block_entry *v;
	const struct mw_ct_block *ct; /* instead of v: container blocks */
	size_t n;
};

static int write_entries(FILE *f, void *arg)
{
	const struct entries *es = arg;
	size_t i;

	for (i = 0; i < es->n; i++) {
		const struct mw_block_entry *e = es->ct ? &es->ct[i].b : &es->v[i];
		json_t *o = entry_json(e);

		if (!o) {
			/* never drop a block from the ledger for its text */
			struct mw_block_entry plain = *e;

			snprintf(plain.reason, sizeof(plain.reason), "(not encodable)");
			snprintf(plain.method, sizeof(plain.method), "ADOPTED");
			o = entry_json(&plain);
		}
		if (o && es->ct) {
			json_t *c = mw_ct_scope_json(&es->ct[i].ct);

			if (!c) { /* a name that is no text: the block stays, unnamed */
				struct mw_ct_scope plain = es->ct[i].ct;

				plain.id[0] = plain.name[0] = '\0';
				c = mw_ct_scope_json(&plain);
			}
			json_object_set_new(o, "container", c);
		}
		if (o) {
			json_dumpf(o, f, JSON_COMPACT | JSON_PRESERVE_ORDER);
			fputc('\n', f);
			json_decref(o);
		}
	}
	return 0;
}

int mw_ledger_save(const char *path, const struct mw_block_entry *entries, size_t n)
{
	struct entries es = { .v = entries, .n = n };

	return mw_statefile_write(path, write_entries, &es);
}

int mw_ledger_save_ct(const char *path, const struct mw_ct_block *entries, size_t n)
{
	struct entries es = { .ct = entries, .n = n };

	return mw_statefile_write(path, write_entries, &es);
}

/* The "container" object of a container block's line; 0 or a message. */
static int parse_ct(const char *line, struct mw_ct_scope *ct, char *why, size_t len)
{
	const char *id = "", *name = "", *addr = "";
	json_int_t cg = 0;
	json_error_t jerr;
	json_t *o = json_loads(line, 0, &jerr);
	int ret = 0;

	memset(ct, 0, sizeof(*ct));
	if (!o || json_unpack_ex(o, &jerr, 0, "{s:{s?s, s?s, s?s, s?I}}", "container", "id", &id,
				 "name", &name, "addr", &addr, "cgroup_id", &cg)) {
		snprintf(why, len, "container: %s", jerr.text);
		ret = -EINVAL;
	} else if ((addr[0] && mw_addr_parse(addr, &ct->addr)) || cg < 0) {
		snprintf(why, len, "container: bad address or cgroup id");
		ret = -EINVAL;
	} else {
		mw_sanitize_str(ct->id, sizeof(ct->id), id);
		mw_sanitize_str(ct->name, sizeof(ct->name), name);
		ct->cgroup_id = (uint64_t)cg;
		if (!mw_ct_scope_has_addr(ct) && !ct->cgroup_id) {
			snprintf(why, len, "container: neither an address nor a cgroup");
			ret = -EINVAL;
		}
	}
	json_decref(o);
	return ret;
}

/* Parses one ledger line; returns 0 or a message in @why. */
static int parse_entry(const char *line, struct mw_block_entry *e, char *why, size_t len)
{
	const char *prefix = NULL, *seen = NULL, *method = "", *reason = "";
	json_int_t count = 0, first = 0, last = 0, expires = 0, timeout = 0;
	int active = 0;
	json_error_t jerr;
	json_t *o = json_loads(line, 0, &jerr);

	if (!o) {
		snprintf(why, len, "not JSON: %s", jerr.text);
		return -EINVAL;
	}
	memset(e, 0, sizeof(*e));
	if (json_unpack_ex(o, &jerr, 0, "{s:s, s:s, s?s, s?s, s:I, s?I, s:I, s:I, s?I, s:b}",
			   "prefix", &prefix, "seen", &seen, "method", &method, "reason", &reason,
			   "count", &count, "first", &first, "last", &last, "expires", &expires,
			   "timeout_ms", &timeout, "active", &active)) {
		snprintf(why, len, "%s", jerr.text);
		json_decref(o);
		return -EINVAL;
	}
	if (mw_prefix_parse(prefix, &e->prefix) || mw_addr_parse(seen, &e->seen) || count < 0 ||
	    count > 1000000 || expires < 0 || timeout < 0) {
		snprintf(why, len, "bad prefix, address, count or time");
		json_decref(o);
		return -EINVAL;
	}
	mw_sanitize_str(e->method, sizeof(e->method), method);
	mw_sanitize_str(e->reason, sizeof(e->reason), reason);
	e->count = count;
	e->first_s = first;
	e->last_s = last;
	e->expires_s = expires;
	e->timeout_ms = timeout;
	e->active = active;
	json_decref(o);
	return 0;
}

struct load_ctx {
	const char *path;
	mw_ledger_add_fn add;
	mw_ledger_add_ct_fn add_ct; /* instead of add: container blocks */
	void *arg;
	bool *rewrite;
};

static int load_line(void *arg, const char *line, int lineno, char *why, size_t whylen)
{
	struct load_ctx *c = arg;
	struct mw_ct_block cb;
	struct mw_block_entry e;

	if (parse_entry(line, &e, why, whylen))
		return -EINVAL;
	if (c->add_ct) {
		/* a container block is of one remote address */
		if (e.prefix.len != 128) {
			snprintf(why, whylen, "a container block of a prefix");
			return -EINVAL;
		}
		if (parse_ct(line, &cb.ct, why, whylen))
			return -EINVAL;
		e.seen = e.prefix.addr;
		cb.b = e;
		c->add_ct(c->arg, &cb);
		return 0;
	}
	if (!mw_prefix_contains(&e.prefix, &e.seen)) {
		/* the unblock by address relies on it */
		pr_warn("%s:%d: the address seen is outside the prefix; the prefix's own address is used\n",
			c->path, lineno);
		e.seen = e.prefix.addr;
		*c->rewrite = true;
	}
	c->add(c->arg, &e);
	return 0;
}

static void load_warn(void *arg, const char *msg)
{
	pr_warn("%s\n", msg);
}

static int load(struct load_ctx *c)
{
	const struct mw_statefile_lines how = { load_line, load_warn, c };
	int bad;

	*c->rewrite = false;
	bad = mw_statefile_read_lines(c->path, &how);
	if (bad > 0)
		*c->rewrite = true; /* the original is kept aside; we rewrite the good lines */
	return bad < 0 ? bad : 0;
}

int mw_ledger_load(const char *path, mw_ledger_add_fn add, void *arg, bool *rewrite)
{
	struct load_ctx c = { .path = path, .add = add, .arg = arg, .rewrite = rewrite };

	return load(&c);
}

int mw_ledger_load_ct(const char *path, mw_ledger_add_ct_fn add, void *arg, bool *rewrite)
{
	struct load_ctx c = { .path = path, .add_ct = add, .arg = arg, .rewrite = rewrite };

	return load(&c);
}
