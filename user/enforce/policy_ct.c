// SPDX-License-Identifier: GPL-2.0-only
/*
 * policy_ct.c - container blocks: one container cut off from a remote
 * address, the host and the other containers not (issue 19). nftables holds
 * them in cblock4/6 (the container's address . the remote, matched in the
 * forward chain before masquerade) and cgblock4/6 (its cgroup v2 id . the
 * remote, matched with `socket cgroupv2` in the output chain, for containers
 * in the host's network namespace); never in the XDP map, which drops by
 * source for everyone. A block is keyed by (remote, container address,
 * cgroup id): its offences escalate per container, never across them.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "enforce/policy_ct.h"
#include "lib/log.h"
#include "lib/util.h"

static int64_t now_s(void)
{
	return time(NULL);
}

/* Whether the block is entered by the container's address: it has one, of
 * the remote's family (cblock4 pairs IPv4 with IPv4). */
static bool by_addr(const struct mw_ct_block *c)
{
	return mw_ct_scope_has_addr(&c->ct) &&
	       mw_addr_is_v4(&c->ct.addr) == mw_addr_is_v4(&c->b.prefix.addr);
}

static bool same_scope(const struct mw_ct_block *c, const struct mw_addr *remote,
		       const struct mw_ct_scope *ct)
{
	return !memcmp(&c->b.prefix.addr, remote, sizeof(*remote)) &&
	       !memcmp(&c->ct.addr, &ct->addr, sizeof(ct->addr)) &&
	       c->ct.cgroup_id == ct->cgroup_id;
}

static struct mw_ct_block *ct_find(struct mw_policy *p, const struct mw_addr *remote,
				   const struct mw_ct_scope *ct)
{
	size_t i;

	for (i = 0; i < p->n_ct; i++)
		if (same_scope(&p->ct[i], remote, ct))
			return &p->ct[i];
	return NULL;
}

static struct mw_ct_block *ct_add(struct mw_policy *p, const struct mw_addr *remote,
				  const struct mw_ct_scope *ct)
{
	struct mw_ct_block *c;

	if (mw_grow(&p->ct, &p->cap_ct, p->n_ct, sizeof(*c), 16))
		return NULL;
	c = &p->ct[p->n_ct++];
	memset(c, 0, sizeof(*c));
	c->b.prefix.addr = *remote;
	c->b.prefix.len = 128;
	c->b.seen = *remote;
	c->ct.addr = ct->addr;
	c->ct.cgroup_id = ct->cgroup_id;
	mw_sanitize_str(c->ct.id, sizeof(c->ct.id), ct->id);
	mw_sanitize_str(c->ct.name, sizeof(c->ct.name), ct->name);
	return c;
}

static void set_active(struct mw_policy *p, struct mw_ct_block *c, bool on)
{
	if (c->b.active == on)
		return;
	c->b.active = on;
	if (on)
		p->n_ct_active++;
	else
		p->n_ct_active--;
}

/* The op of the block in the cgroup set (@cg) or the address set. */
static void queue_one(struct mw_policy *p, bool del, const struct mw_ct_block *c, bool cg,
		      uint64_t timeout_ms)
{
	struct mw_nft_op *op;

	if (mw_grow(&p->pending, &p->cap_pending, p->n_pending, sizeof(*op), 256)) {
		pr_warn("out of memory queueing an nftables change\n");
		return;
	}
	op = &p->pending[p->n_pending++];
	memset(op, 0, sizeof(*op));
	op->del = del;
	op->set = mw_nft_ct_set(&c->b.prefix.addr, cg);
	op->prefix = c->b.prefix;
	op->ct_addr = c->ct.addr;
	op->cgroup_id = c->ct.cgroup_id;
	op->timeout_ms = timeout_ms;
	if (!del)
		snprintf(op->comment, sizeof(op->comment), "%s: %s", c->b.method, c->b.reason);
}

/* One op for each set that holds the block. */
static void queue(struct mw_policy *p, bool del, const struct mw_ct_block *c, uint64_t timeout_ms)
{
	if (!p->nft)
		return;
	if (by_addr(c))
		queue_one(p, del, c, false, timeout_ms);
	if (c->ct.cgroup_id)
		queue_one(p, del, c, true, timeout_ms);
}

/* The block's EVE record, as the host's (policy.c's notify) with the scope
 * and the container; the entry handed on names its container in e->ct. */
static void notify(struct mw_policy *p, const char *type, const struct mw_ct_block *c,
		   const char *action)
{
	struct mw_block_entry e = c->b;
	json_t *detail;

	if (!p->notify)
		return;
	e.ct = &c->ct;
	detail = mw_policy_detail(&e);
	if (detail && (json_object_set_new(detail, "scope", json_string("container")) ||
		       json_object_set_new(detail, "container", mw_ct_scope_json(&c->ct)))) {
		json_decref(detail);
		detail = NULL; /* only memory fails here: the events keep the loss */
	}
	p->notify(p->notify_arg, type, &e, action,
		  mw_eve_enforcement(type, e.method[0] ? e.method : "MANUAL", &e.seen, action,
				     detail));
}

static const char *ct_label(const struct mw_ct_scope *ct, char *buf, size_t len)
{
	char a[MW_ADDRSTRLEN];

	if (ct->name[0])
		snprintf(buf, len, "container %s", ct->name);
	else if (ct->id[0])
		snprintf(buf, len, "container %.12s", ct->id);
	else if (mw_ct_scope_has_addr(ct))
		snprintf(buf, len, "container %s", mw_addr_str(&ct->addr, a, sizeof(a)));
	else
		snprintf(buf, len, "cgroup %" PRIu64, ct->cgroup_id);
	return buf;
}

enum mw_block_result mw_policy_ct_block(struct mw_policy *p, const struct mw_block_req *req,
					char *msg, size_t msglen)
{
	const struct mw_ct_scope *sc = req->container;
	const struct mw_addr *remote = &req->target.addr;
	char buf[MW_ADDRSTRLEN], abuf[MW_ADDRSTRLEN], who[160], what[256];
	const struct mw_allow_entry *allowed;
	struct mw_ct_block *c, probe = { .ct = *sc };
	int64_t now = now_s(), expires;
	uint64_t ban_ms;

	mw_addr_str(remote, buf, sizeof(buf));
	ct_label(sc, who, sizeof(who));
	probe.b.prefix = req->target;
	if (req->target.len != 128) {
		snprintf(msg, msglen, "a container block is of one remote address, not %s",
			 mw_prefix_str(&req->target, buf, sizeof(buf)));
		return MW_REFUSED_SCOPE;
	}
	if (!by_addr(&probe) && !sc->cgroup_id) {
		snprintf(msg, msglen,
			 "%s: no address of the remote's family and no cgroup to block %s by", who,
			 buf);
		return MW_REFUSED_SCOPE;
	}
	allowed = mw_allow_match(p->allow, &req->target);
	if (allowed) {
		p->refused_allow++;
		snprintf(msg, msglen, "%s is allowlisted (%s %s): never blocked", buf,
			 mw_allow_source_name(allowed->source),
			 mw_prefix_str(&allowed->prefix, abuf, sizeof(abuf)));
		return MW_REFUSED_ALLOW;
	}
	if (by_addr(&probe) && !sc->cgroup_id) {
		struct mw_prefix own = { .addr = sc->addr, .len = 128 };

		/* the forward chain accepts an allowlisted address before any
		 * block: a block by it would never hold */
		allowed = mw_allow_match(p->allow, &own);
		if (allowed) {
			p->refused_allow++;
			snprintf(
				msg, msglen,
				"%s: its address is allowlisted (%s %s), which the forward chain accepts first; %s not blocked for it",
				who, mw_allow_source_name(allowed->source),
				mw_prefix_str(&allowed->prefix, abuf, sizeof(abuf)), buf);
			return MW_REFUSED_ALLOW;
		}
	}
	c = ct_find(p, remote, sc);
	/* one cap for the host's blocks and the containers' */
	if ((!c || !c->b.active) && mw_policy_active(p) + p->n_ct_active >= p->cfg->max_blocks) {
		p->refused_cap++;
		snprintf(msg, msglen, "the cap of %llu blocked entries is reached; %s not blocked",
			 (unsigned long long)p->cfg->max_blocks, buf);
		return MW_REFUSED_CAP;
	}
	if (p->cfg->dry_run) {
		p->dry_runs++;
		snprintf(msg, msglen, "dry run: would block %s for %s", buf, who);
		probe.b.seen = *remote;
		mw_sanitize_str(probe.b.reason, sizeof(probe.b.reason), req->reason);
		mw_sanitize_str(probe.b.method, sizeof(probe.b.method), req->method);
		probe.b.count = c ? c->b.count + 1 : 1;
		probe.b.timeout_ms = req->timeout_ms ? req->timeout_ms :
						       mw_policy_ban_ms(p->cfg, probe.b.count);
		probe.b.expires_s = req->permanent ? 0 : 1;
		notify(p, "block", &probe, "dry-run");
		return MW_DRY_RUN;
	}
	if (!c) {
		c = ct_add(p, remote, sc);
		if (!c) {
			snprintf(msg, msglen, "out of memory");
			return MW_REFUSED_CAP;
		}
		c->b.first_s = now;
	}
	ban_ms = req->timeout_ms ? req->timeout_ms : mw_policy_ban_ms(p->cfg, c->b.count + 1);
	expires = req->permanent ? 0 : now + (int64_t)((ban_ms + 999) / 1000);
	if (c->b.active && !(c->b.expires_s && (expires == 0 || expires > c->b.expires_s))) {
		/* never shorten a ban */
		if (!req->elsewhere)
			c->b.count++;
		c->b.last_s = now;
		p->ct_dirty = true;
		snprintf(msg, msglen, "%s is already blocked for %s %s", buf, who,
			 c->b.expires_s ? "at least as long" : "permanently");
		return MW_BLOCK_KEPT;
	}
	if (!req->elsewhere)
		c->b.count++;
	c->b.last_s = now;
	mw_sanitize_str(c->b.reason, sizeof(c->b.reason), req->reason);
	mw_sanitize_str(c->b.method, sizeof(c->b.method), req->method);
	/* names learned since the first block are kept */
	if (sc->id[0])
		mw_sanitize_str(c->ct.id, sizeof(c->ct.id), sc->id);
	if (sc->name[0])
		mw_sanitize_str(c->ct.name, sizeof(c->ct.name), sc->name);
	if (c->b.active)
		queue(p, true, c, 0); /* delete and add in one transaction */
	set_active(p, c, true);
	c->b.expires_s = expires;
	c->b.timeout_ms = req->permanent ? 0 : ban_ms;
	queue(p, false, c, c->b.timeout_ms);
	p->ct_dirty = true;
	p->blocks++;
	snprintf(what, sizeof(what), "%s for %s", buf, who);
	mw_policy_blocked_msg(msg, msglen, what, &c->b);
	notify(p, "block", c, "blocked");
	return MW_BLOCKED;
}

static void end_block(struct mw_policy *p, struct mw_ct_block *c, bool nft_too)
{
	if (nft_too)
		queue(p, true, c, 0);
	set_active(p, c, false);
	c->b.expires_s = now_s();
	p->ct_dirty = true;
}

/* Whether @what names the container: its id or the start of it (4
 * characters at least), its name, its address, its cgroup id. */
static bool names(const struct mw_ct_scope *ct, const char *what)
{
	size_t len = strlen(what);
	struct mw_addr addr;
	char *end;
	unsigned long long cg;

	if (ct->id[0] && len >= 4 && !strncmp(ct->id, what, len))
		return true;
	if (ct->name[0] && !strcmp(ct->name, what))
		return true;
	if (mw_ct_scope_has_addr(ct) && !mw_addr_parse(what, &addr) &&
	    !memcmp(&addr, &ct->addr, sizeof(addr)))
		return true;
	cg = strtoull(what, &end, 10);
	return ct->cgroup_id && *what && !*end && cg == ct->cgroup_id;
}

int mw_policy_unblock_ct(struct mw_policy *p, const struct mw_prefix *target, const char *container,
			 char *msg, size_t msglen)
{
	char buf[MW_ADDRSTRLEN];
	size_t i;
	int found = 0;

	for (i = 0; i < p->n_ct; i++) {
		struct mw_ct_block *c = &p->ct[i];

		if (!c->b.active || !mw_prefix_contains(target, &c->b.prefix.addr) ||
		    (container && !names(&c->ct, container)))
			continue;
		end_block(p, c, true);
		p->unblocks++;
		notify(p, "unblock", c, "unblocked");
		found++;
	}
	if (!found) {
		snprintf(msg, msglen, "%s is not blocked for %s",
			 mw_prefix_str(target, buf, sizeof(buf)),
			 container ? container : "any container");
		return -ENOENT;
	}
	snprintf(msg, msglen, "unblocked %s for %d container%s",
		 mw_prefix_str(target, buf, sizeof(buf)), found, found == 1 ? "" : "s");
	return found;
}

size_t mw_policy_ct_active(const struct mw_policy *p)
{
	return p->n_ct_active;
}

void mw_policy_ct_flush(struct mw_policy *p)
{
	size_t i;

	for (i = 0; i < p->n_ct; i++) {
		if (!p->ct[i].b.active)
			continue;
		end_block(p, &p->ct[i], true);
		p->unblocks++;
		notify(p, "unblock", &p->ct[i], "unblocked");
	}
}

void mw_policy_ct_tick(struct mw_policy *p)
{
	int64_t now = now_s();
	size_t i, k = 0;

	for (i = 0; i < p->n_ct; i++) {
		struct mw_ct_block *c = &p->ct[i];

		/* nftables expires its own elements: only our view ends here */
		if (c->b.active && c->b.expires_s && c->b.expires_s <= now) {
			end_block(p, c, false);
			notify(p, "unblock", c, "expired");
		}
	}
	for (i = 0; i < p->n_ct; i++) {
		struct mw_ct_block *c = &p->ct[i];

		if (!c->b.active && c->b.last_s + (int64_t)(p->cfg->forget_ms / 1000) < now) {
			p->ct_dirty = true;
			continue;
		}
		if (k != i)
			p->ct[k] = *c;
		k++;
	}
	p->n_ct = k;
}

void mw_policy_ct_requeue(struct mw_policy *p)
{
	int64_t now = now_s();
	size_t i;

	for (i = 0; i < p->n_ct; i++) {
		struct mw_ct_block *c = &p->ct[i];

		if (!c->b.active || (c->b.expires_s && c->b.expires_s <= now))
			continue; /* the tick ends it */
		queue(p, false, c, c->b.expires_s ? (uint64_t)(c->b.expires_s - now) * 1000 : 0);
	}
}

/* An element of a container set, matched to its block or adopted. */
static void adopt(struct mw_policy *p, unsigned set, const struct mw_nft_elem *el, int64_t now,
		  size_t *adopted)
{
	struct mw_ct_scope sc = { 0 };
	struct mw_ct_block *c = NULL;
	size_t i;

	for (i = 0; i < p->n_ct && !c; i++) {
		struct mw_ct_block *x = &p->ct[i];

		if (memcmp(&x->b.prefix.addr, &el->prefix.addr, sizeof(el->prefix.addr)))
			continue;
		if (set == MW_SET_CGBLOCK4 || set == MW_SET_CGBLOCK6 ?
			    x->ct.cgroup_id == el->cgroup_id :
			    by_addr(x) && !memcmp(&x->ct.addr, &el->ct_addr, sizeof(el->ct_addr)))
			c = x;
	}
	if (!c) {
		/* blocked by someone else, or a lost ledger: adopt it, unnamed */
		if (set == MW_SET_CGBLOCK4 || set == MW_SET_CGBLOCK6)
			sc.cgroup_id = el->cgroup_id;
		else
			sc.addr = el->ct_addr;
		c = ct_add(p, &el->prefix.addr, &sc);
		if (!c)
			return;
		c->b.count = 1;
		c->b.first_s = c->b.last_s = now;
		mw_ledger_adopt_comment(&c->b, el->comment);
		(*adopted)++;
		p->ct_dirty = true;
	}
	set_active(p, c, true);
	c->b.timeout_ms = el->timeout_ms;
	c->b.expires_s = el->timeout_ms ? now + (int64_t)(el->expires_ms / 1000) : 0;
}

void mw_policy_ct_reconcile(struct mw_policy *p, bool table_ok)
{
	static const unsigned ct_sets[] = { MW_SET_CBLOCK4, MW_SET_CBLOCK6, MW_SET_CGBLOCK4,
					    MW_SET_CGBLOCK6 };
	int64_t now = now_s();
	size_t i, s, n_ledger = p->n_ct, adopted = 0, restored = 0;
	bool *was = calloc(n_ledger + 1, sizeof(*was));

	if (!was)
		return;
	/* what the kernel enforces wins over what we remember */
	for (i = 0; i < n_ledger; i++) {
		struct mw_ct_block *c = &p->ct[i];

		was[i] = c->b.active && (!c->b.expires_s || c->b.expires_s > now);
		set_active(p, c, false);
	}
	for (s = 0; p->nft && s < ARRAY_SIZE(ct_sets); s++) {
		struct mw_nft_elem *els = NULL;
		long n = mw_nft_list(p->nft, ct_sets[s], &els);

		/* ENOENT: a table of an older minewall, rebuilt next */
		if (n < 0 && n != -ENOENT)
			pr_warn("cannot list nftables set %s: %s\n", mw_nft_set_name(ct_sets[s]),
				strerror((int)-n));
		for (i = 0; i < (size_t)(n > 0 ? n : 0); i++)
			adopt(p, ct_sets[s], &els[i], now, &adopted);
		free(els);
	}
	/* what the ledger holds and the sets lost goes back with its time left */
	for (i = 0; p->nft && i < n_ledger; i++) {
		struct mw_ct_block *c = &p->ct[i];

		if (!was[i] || c->b.active)
			continue;
		set_active(p, c, true);
		if (table_ok) /* else mw_policy_rebuild() puts it back */
			queue(p, false, c,
			      c->b.expires_s ? (uint64_t)(c->b.expires_s - now) * 1000 : 0);
		restored++;
		p->ct_dirty = true;
	}
	free(was);
	if (adopted || restored || p->n_ct_active)
		pr_info("container blocks: %zu in force (%zu adopted from nftables, %zu restored from the ledger)\n",
			p->n_ct_active, adopted, restored);
}

static void add_loaded(void *arg, const struct mw_ct_block *c)
{
	struct mw_policy *p = arg;
	struct mw_ct_block *slot;

	if (ct_find(p, &c->b.prefix.addr, &c->ct))
		return; /* the first line of a block wins */
	slot = ct_add(p, &c->b.prefix.addr, &c->ct);
	if (slot) {
		*slot = *c;
		slot->b.ct = NULL;
		slot->b.active = false;
		set_active(p, slot, c->b.active);
	}
}

int mw_policy_ct_load(struct mw_policy *p)
{
	bool rewrite = false;
	int err;

	snprintf(p->ct_ledger_path, sizeof(p->ct_ledger_path), "%s/ledger_containers.json",
		 p->cfg->state_dir);
	err = mw_ledger_load_ct(p->ct_ledger_path, add_loaded, p, &rewrite);
	if (rewrite)
		p->ct_dirty = true;
	return err;
}

int mw_policy_ct_save(struct mw_policy *p)
{
	int err = mw_ledger_save_ct(p->ct_ledger_path, p->ct, p->n_ct);

	if (err)
		pr_warn("cannot write %s: %s\n", p->ct_ledger_path, strerror(-err));
	else
		p->ct_dirty = false;
	return err;
}
