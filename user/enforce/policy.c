// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <jansson.h>

#include "enforce/policy.h"
#include "enforce/policy_ct.h"
#include "lib/log.h"
#include "lib/util.h"

/* A ledger write quicker than this does not hold the next one back. */
#define LEDGER_QUICK_NS (50 * 1000000ULL)

static const unsigned block_sets[] = { MW_SET_BLOCK4, MW_SET_BLOCK6, MW_SET_BLOCK4NET,
				       MW_SET_BLOCK6NET };

static int64_t now_s(void)
{
	return time(NULL);
}

uint64_t mw_policy_ban_ms(const struct mw_config *cfg, uint32_t count)
{
	uint64_t ms = cfg->ban_ms;
	uint32_t i;

	for (i = 1; i < count && ms < cfg->ban_max_ms; i++)
		ms *= cfg->escalation;
	return ms < cfg->ban_max_ms ? ms : cfg->ban_max_ms;
}

/* --- the index by prefix and the active counts --- */

/* Where a method's active entries are counted: its enum mw_method, MANUAL
 * apart from the other names that fall under MW_M_OTHER. */
static unsigned method_slot(const char *method)
{
	if (method && !strcmp(method, MW_METHOD_MANUAL))
		return MW_M_MAX;
	return mw_eve_method_from_name(method);
}

static inline uint64_t mix64(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 33;
	return h;
}

/* Keyed with a random key: the prefixes are the sources of packets, and an
 * attacker who could choose them to collide would turn each lookup into a
 * walk again. Not a MAC, but the key never leaves the process. */
static uint64_t prefix_hash(const struct mw_policy *p, const struct mw_prefix *k)
{
	uint64_t w[2];

	memcpy(w, k->addr.addr, sizeof(w));
	return mix64(mix64(w[0] ^ p->hash_key[0]) ^ w[1] ^ p->hash_key[1] ^ k->len);
}

/* Clears the bits of @pf's address past its length. */
static void clear_host_bits(struct mw_prefix *pf)
{
	unsigned i;

	for (i = pf->len; i < 128 && i % 8; i++)
		pf->addr.addr[i / 8] &= (uint8_t) ~(0x80 >> (i % 8));
	for (i = (i + 7) / 8; i < 16; i++)
		pf->addr.addr[i] = 0;
}

static bool same_prefix(const struct mw_prefix *a, const struct mw_prefix *b)
{
	return a->len == b->len && !memcmp(&a->addr, &b->addr, sizeof(a->addr));
}

static void index_put(struct mw_policy *p, size_t i)
{
	size_t mask = p->index_cap - 1, s = prefix_hash(p, &p->entries[i].prefix) & mask;

	while (p->index[s])
		s = (s + 1) & mask;
	p->index[s] = (uint32_t)i + 1;
}

/* Builds the index anew for the entries there are, with room for @want
 * entries at most half full. On ENOMEM the index is dropped and lookups
 * walk the array until the next rebuild succeeds. */
static int index_rebuild(struct mw_policy *p, size_t want)
{
	size_t cap = 256, i;
	uint32_t *idx;

	while (cap < 2 * want)
		cap *= 2;
	idx = calloc(cap, sizeof(*idx));
	free(p->index);
	p->index = idx;
	p->index_cap = idx ? cap : 0;
	memset(p->n_len, 0, sizeof(p->n_len));
	for (i = 0; i < p->n; i++)
		p->n_len[p->entries[i].prefix.len]++;
	if (!idx) {
		pr_warn("out of memory indexing %zu blocked entries: lookups walk them\n", p->n);
		return -ENOMEM;
	}
	for (i = 0; i < p->n; i++)
		index_put(p, i);
	return 0;
}

static struct mw_block_entry *find(const struct mw_policy *p, const struct mw_prefix *prefix)
{
	size_t i, s, mask;

	if (!p->index) {
		for (i = 0; i < p->n; i++)
			if (same_prefix(&p->entries[i].prefix, prefix))
				return &p->entries[i];
		return NULL;
	}
	mask = p->index_cap - 1;
	for (s = prefix_hash(p, prefix) & mask; p->index[s]; s = (s + 1) & mask) {
		struct mw_block_entry *e = &p->entries[p->index[s] - 1];

		if (same_prefix(&e->prefix, prefix))
			return e;
	}
	return NULL;
}

/* Counts @e in (@d = 1) or out (@d = -1) of the active counts. */
static void count_active(struct mw_policy *p, const struct mw_block_entry *e, int d)
{
	if (!e->active)
		return;
	p->n_active += d;
	p->active_by[method_slot(e->method)] += d;
	if (e->prefix.len == 128)
		p->n_active_exact += d;
}

/* Every change of e->active goes through here, so the counts stay right. */
static void set_active(struct mw_policy *p, struct mw_block_entry *e, bool on)
{
	if (e->active == on)
		return;
	count_active(p, e, -1);
	e->active = on;
	count_active(p, e, 1);
}

/* Every change of an entry's method too (a block of another method). */
static void set_method(struct mw_policy *p, struct mw_block_entry *e, const char *method)
{
	count_active(p, e, -1);
	mw_sanitize_str(e->method, sizeof(e->method), method);
	count_active(p, e, 1);
}

size_t mw_policy_active(const struct mw_policy *p)
{
	return p->n_active;
}

size_t mw_policy_active_method(const struct mw_policy *p, const char *method)
{
	return p->active_by[method_slot(method)];
}

int mw_policy_check(const struct mw_policy *p, char *why, size_t len)
{
	size_t by[MW_M_MAX + 1] = { 0 }, active = 0, exact = 0, used = 0, i, m;
	uint32_t n_len[129] = { 0 };

	for (i = 0; i < p->n; i++) {
		const struct mw_block_entry *e = &p->entries[i];

		n_len[e->prefix.len]++;
		if (p->index && find(p, &e->prefix) != e) {
			snprintf(why, len, "entry %zu is not found by its prefix", i);
			return -EUCLEAN;
		}
		if (!e->active)
			continue;
		active++;
		exact += e->prefix.len == 128;
		by[method_slot(e->method)]++;
	}
	for (i = 0; p->index && i < p->index_cap; i++) {
		if (!p->index[i])
			continue;
		if (p->index[i] > p->n) {
			snprintf(why, len, "index slot %zu names entry %u of %zu", i,
				 p->index[i] - 1, p->n);
			return -EUCLEAN;
		}
		used++;
	}
	if (p->index && (used != p->n || 2 * p->n > p->index_cap)) {
		snprintf(why, len, "the index holds %zu of %zu entries in %zu slots", used, p->n,
			 p->index_cap);
		return -EUCLEAN;
	}
	if (memcmp(n_len, p->n_len, sizeof(n_len))) {
		snprintf(why, len, "the entries by prefix length differ");
		return -EUCLEAN;
	}
	for (i = 0, m = 0; i < p->n_ct; i++)
		m += p->ct[i].b.active;
	if (m != p->n_ct_active) {
		snprintf(why, len, "active container blocks %zu (kept %zu)", m, p->n_ct_active);
		return -EUCLEAN;
	}
	if (active != p->n_active || exact != p->n_active_exact) {
		snprintf(why, len, "active %zu (kept %zu), of length 128 %zu (kept %zu)", active,
			 p->n_active, exact, p->n_active_exact);
		return -EUCLEAN;
	}
	for (m = 0; m <= MW_M_MAX; m++) {
		if (by[m] != p->active_by[m]) {
			snprintf(why, len, "active of %s: %zu (kept %zu)",
				 m < MW_M_MAX ? mw_method_names[m] : MW_METHOD_MANUAL, by[m],
				 p->active_by[m]);
			return -EUCLEAN;
		}
	}
	return 0;
}

uint64_t mw_policy_share_limit(const struct mw_config *cfg)
{
	uint64_t n = cfg->max_blocks * cfg->method_share / 100;

	return n ? n : 1;
}

/* A new block of @method must leave room for the other methods: a flood
 * that one method detects (spoofed sources, a botnet) cannot fill the cap
 * and lock out what the others would block. The operator is not limited. */
static bool over_share(struct mw_policy *p, const char *method, size_t *held)
{
	enum mw_method m = mw_eve_method_from_name(method);
	uint64_t limit = mw_policy_share_limit(p->cfg);
	size_t n;

	*held = 0;
	if (!method || !strcmp(method, MW_METHOD_MANUAL) || p->cfg->method_share >= 100)
		return false;
	n = mw_policy_active_method(p, method);
	*held = n;
	if (n < limit) {
		/* warn again only once it has eased, not at each expiry */
		if (n < limit - limit / 10)
			p->share_warned[m] = false;
		return false;
	}
	p->refused_share[m]++;
	if (!p->share_warned[m]) {
		pr_warn("%s holds its share of the cap (%llu of %llu blocked entries, enforce.method_share = %llu%%): its new blocks are refused, the other methods keep their room\n",
			method, (unsigned long long)n, (unsigned long long)p->cfg->max_blocks,
			(unsigned long long)p->cfg->method_share);
		p->share_warned[m] = true;
	}
	return true;
}

/* A new, inactive entry for @prefix (which find() did not find). */
static struct mw_block_entry *add_entry(struct mw_policy *p, const struct mw_prefix *prefix)
{
	struct mw_block_entry *e;

	if (p->n >= UINT32_MAX - 1 || mw_grow(&p->entries, &p->cap, p->n, sizeof(*e), 256))
		return NULL;
	/* grown by doubling, so rehashing stays O(1) a request on average;
	 * without an index (no memory) each add tries to build it again */
	if (2 * (p->n + 1) > p->index_cap)
		index_rebuild(p, p->n + 1);
	e = &p->entries[p->n++];
	memset(e, 0, sizeof(*e));
	e->prefix = *prefix;
	e->seen = prefix->addr;
	p->n_len[prefix->len]++;
	if (p->index)
		index_put(p, p->n - 1);
	return e;
}

static void queue(struct mw_policy *p, bool del, const struct mw_block_entry *e,
		  uint64_t timeout_ms)
{
	struct mw_nft_op *op;

	if (!p->nft)
		return;
	if (mw_grow(&p->pending, &p->cap_pending, p->n_pending, sizeof(*op), 256)) {
		pr_warn("out of memory queueing an nftables change\n");
		return;
	}
	op = &p->pending[p->n_pending++];
	memset(op, 0, sizeof(*op));
	op->del = del;
	op->set = mw_nft_block_set(&e->prefix);
	op->prefix = e->prefix;
	op->timeout_ms = timeout_ms;
	if (!del)
		snprintf(op->comment, sizeof(op->comment), "%s: %s", e->method, e->reason);
}

/* --- the XDP fast-drop maps --- */

static void xdp_set(struct mw_policy *p, const struct mw_block_entry *e, bool on)
{
	struct mw_block v = { 0 };
	int fd = e->prefix.len == 128 ? p->block_fd : p->block_net_fd;
	int err;

	if (fd < 0)
		return;
	if (on && e->expires_s) {
		int64_t left = e->expires_s - now_s();

		v.expires_ns = mw_now_ns() + (uint64_t)(left > 0 ? left : 0) * 1000000000ULL;
	}
	if (e->prefix.len == 128) {
		err = on ? bpf_map_update_elem(fd, &e->prefix.addr, &v, 0) :
			   bpf_map_delete_elem(fd, &e->prefix.addr);
	} else {
		struct mw_lpm_key k;

		mw_prefix_to_lpm(&e->prefix, &k);
		err = on ? bpf_map_update_elem(fd, &k, &v, 0) : bpf_map_delete_elem(fd, &k);
	}
	if (err && !(errno == ENOENT && !on)) {
		char buf[MW_ADDRSTRLEN];

		pr_warn("XDP block map: cannot %s %s: %s\n", on ? "add" : "remove",
			mw_prefix_str(&e->prefix, buf, sizeof(buf)), strerror(errno));
	}
}

static void xdp_counts(struct mw_policy *p)
{
	if (p->nr_blocked)
		*p->nr_blocked = (__u32)p->n_active_exact;
	if (p->nr_blocked_net)
		*p->nr_blocked_net = (__u32)(p->n_active - p->n_active_exact);
}

/* --- notifications (EVE-style, like the events file) --- */

static void notify(struct mw_policy *p, const char *type, const struct mw_block_entry *e,
		   const char *action)
{
	if (!p->notify)
		return;
	/* the fields are sanitized text: only memory can fail us here, and
	 * the events then keep a record of the loss */
	p->notify(p->notify_arg, type, e, action,
		  mw_eve_enforcement(type, e->method[0] ? e->method : "MANUAL", &e->seen, action,
				     mw_policy_detail(e)));
}

json_t *mw_policy_detail(const struct mw_block_entry *e)
{
	char prefix[MW_ADDRSTRLEN];

	return json_pack("{s:s, s:s, s:i, s:I, s:b}", "prefix",
			 mw_prefix_str(&e->prefix, prefix, sizeof(prefix)), "reason", e->reason,
			 "count", (int)e->count, "timeout_s", (json_int_t)(e->timeout_ms / 1000),
			 "permanent", e->expires_s == 0);
}

void mw_policy_blocked_msg(char *msg, size_t msglen, const char *what,
			   const struct mw_block_entry *e)
{
	char dur[32];

	if (!e->expires_s)
		snprintf(msg, msglen, "blocked %s permanently", what);
	else
		snprintf(msg, msglen, "blocked %s for %s (offence %u)", what,
			 mw_format_duration(e->timeout_ms, dur, sizeof(dur)), e->count);
}

/* --- requests --- */

enum mw_block_result mw_policy_block(struct mw_policy *p, const struct mw_block_req *req, char *msg,
				     size_t msglen)
{
	const struct mw_allow_entry *allowed;
	struct mw_prefix target = req->target;
	char buf[MW_ADDRSTRLEN], abuf[MW_ADDRSTRLEN];
	struct mw_block_entry *e;
	int64_t now = now_s(), expires;
	uint64_t ban_ms;
	size_t held;

	if (req->container)
		return mw_policy_ct_block(p, req, msg, msglen);
	/* an IPv6 attacker owns its whole /64 (configurable): ban the prefix,
	 * unless that would cover an address we must never block */
	if (target.len == 128 && !mw_addr_is_v4(&target.addr) && !req->exact &&
	    p->cfg->ipv6_prefix < 128) {
		struct mw_prefix net = { .addr = target.addr, .len = p->cfg->ipv6_prefix };

		clear_host_bits(&net);
		if (!mw_allow_match(p->allow, &net))
			target = net;
	}
	allowed = mw_allow_match(p->allow, &target);
	if (allowed) {
		p->refused_allow++;
		snprintf(msg, msglen, "%s is allowlisted (%s %s): never blocked",
			 mw_prefix_str(&target, buf, sizeof(buf)),
			 mw_allow_source_name(allowed->source),
			 mw_prefix_str(&allowed->prefix, abuf, sizeof(abuf)));
		return MW_REFUSED_ALLOW;
	}

	e = find(p, &target);
	/* one cap for the host's blocks and the containers' */
	if ((!e || !e->active) && mw_policy_active(p) + p->n_ct_active >= p->cfg->max_blocks) {
		p->refused_cap++;
		if (!p->cap_warned) {
			pr_warn("the cap of %llu blocked entries is reached: new blocks are refused (enforce.max_blocks)\n",
				(unsigned long long)p->cfg->max_blocks);
			p->cap_warned = true;
		}
		snprintf(msg, msglen, "the cap of %llu blocked entries is reached; %s not blocked",
			 (unsigned long long)p->cfg->max_blocks,
			 mw_prefix_str(&target, buf, sizeof(buf)));
		return MW_REFUSED_CAP;
	}
	if ((!e || !e->active) && over_share(p, req->method, &held)) {
		snprintf(
			msg, msglen,
			"%s holds its share of the cap (%zu entries, method_share %llu%%); %s not blocked",
			req->method, held, (unsigned long long)p->cfg->method_share,
			mw_prefix_str(&target, buf, sizeof(buf)));
		return MW_REFUSED_SHARE;
	}
	if (p->cfg->dry_run) {
		p->dry_runs++;
		char safe[MW_REASON_MAX];

		snprintf(msg, msglen, "dry run: would block %s (%s)",
			 mw_prefix_str(&target, buf, sizeof(buf)),
			 mw_sanitize_str(safe, sizeof(safe), req->reason));
		if (p->notify) {
			struct mw_block_entry tmp = { .prefix = target, .seen = req->target.addr };

			mw_sanitize_str(tmp.reason, sizeof(tmp.reason), req->reason);
			mw_sanitize_str(tmp.method, sizeof(tmp.method), req->method);
			tmp.count = e ? e->count + 1 : 1;
			tmp.timeout_ms = req->timeout_ms ? req->timeout_ms :
							   mw_policy_ban_ms(p->cfg, tmp.count);
			tmp.expires_s = req->permanent ? 0 : 1;
			notify(p, "block", &tmp, "dry-run");
		}
		return MW_DRY_RUN;
	}

	if (!e) {
		e = add_entry(p, &target);
		if (!e) {
			snprintf(msg, msglen, "out of memory");
			return MW_REFUSED_CAP;
		}
		e->first_s = now;
	}
	ban_ms = req->timeout_ms ? req->timeout_ms : mw_policy_ban_ms(p->cfg, e->count + 1);
	expires = req->permanent ? 0 : now + (int64_t)((ban_ms + 999) / 1000);
	if (req->elsewhere && e->active &&
	    !(e->expires_s && (expires == 0 || expires > e->expires_s))) {
		/* decided elsewhere and no longer: the block stays whose it is */
		snprintf(msg, msglen, "%s is already blocked %s",
			 mw_prefix_str(&target, buf, sizeof(buf)),
			 e->expires_s ? "at least as long" : "permanently");
		return MW_BLOCK_KEPT;
	}
	e->seen = req->target.addr;
	if (!req->elsewhere)
		e->count++;
	e->last_s = now;
	/* whatever bytes a reason carries (a process name, a name from a
	 * packet, the operator's text), what is kept is text: the event, the
	 * ledger line, the nft comment and the hook's input are always written */
	mw_sanitize_str(e->reason, sizeof(e->reason), req->reason);
	set_method(p, e, req->method);
	p->dirty = true;

	if (e->active) {
		/* never shorten a ban: keep the longer of the two */
		bool longer = e->expires_s && (expires == 0 || expires > e->expires_s);

		if (!longer) {
			snprintf(msg, msglen, "%s is already blocked %s",
				 mw_prefix_str(&target, buf, sizeof(buf)),
				 e->expires_s ? "at least as long" : "permanently");
			return MW_BLOCK_KEPT;
		}
		queue(p, true, e, 0); /* delete and add in one transaction */
	}
	set_active(p, e, true);
	e->expires_s = expires;
	e->timeout_ms = req->permanent ? 0 : ban_ms;
	queue(p, false, e, e->timeout_ms);
	xdp_set(p, e, true);
	xdp_counts(p);
	p->blocks++;
	mw_policy_blocked_msg(msg, msglen, mw_prefix_str(&target, buf, sizeof(buf)), e);
	notify(p, "block", e, "blocked");
	return MW_BLOCKED;
}

static void end_block(struct mw_policy *p, struct mw_block_entry *e, bool nft_too)
{
	if (nft_too)
		queue(p, true, e, 0);
	xdp_set(p, e, false);
	set_active(p, e, false);
	e->expires_s = now_s();
	p->dirty = true;
}

/* Whether an unblock of @target ends @e: its prefix, or the address that
 * offended (`minewall unblock ADDR` lifts the /64 that ADDR brought). */
static bool unblock_match(const struct mw_block_entry *e, const struct mw_prefix *target)
{
	return e->active &&
	       (same_prefix(&e->prefix, target) ||
		(target->len == 128 && !memcmp(&e->seen, &target->addr, sizeof(e->seen))));
}

static void unblock_one(struct mw_policy *p, struct mw_block_entry *e)
{
	end_block(p, e, true);
	p->unblocks++;
	notify(p, "unblock", e, "unblocked");
}

const struct mw_block_entry *mw_policy_find(const struct mw_policy *p,
					    const struct mw_prefix *prefix)
{
	const struct mw_block_entry *e = find(p, prefix);

	return e && e->active ? e : NULL;
}

int mw_policy_unblock_exact(struct mw_policy *p, const struct mw_prefix *prefix, const char *method)
{
	struct mw_block_entry *e = find(p, prefix);

	if (!e || !e->active || strcmp(e->method, method))
		return -ENOENT;
	unblock_one(p, e);
	xdp_counts(p);
	return 0;
}

int mw_policy_unblock(struct mw_policy *p, const struct mw_prefix *target, char *msg, size_t msglen)
{
	struct mw_block_entry *e;
	char buf[MW_ADDRSTRLEN], ct_msg[160];
	unsigned len;
	size_t i;
	int found = 0, n_ct;

	if (!p->index) {
		for (i = 0; i < p->n; i++) {
			if (!unblock_match(&p->entries[i], target))
				continue;
			unblock_one(p, &p->entries[i]);
			found++;
		}
	} else {
		/* the entry of that prefix, then for an address each prefix
		 * that holds it, of a length some entry has (an entry's seen
		 * address is inside its prefix: the ledger load makes sure) */
		e = find(p, target);
		if (e && unblock_match(e, target)) {
			unblock_one(p, e);
			found++;
		}
		for (len = 0; target->len == 128 && len < 128; len++) {
			struct mw_prefix net = { .addr = target->addr, .len = len };

			if (!p->n_len[len])
				continue;
			clear_host_bits(&net);
			e = find(p, &net);
			if (e && unblock_match(e, target)) {
				unblock_one(p, e);
				found++;
			}
		}
	}
	xdp_counts(p);
	/* and the remote's container blocks, for every container */
	n_ct = mw_policy_unblock_ct(p, target, NULL, ct_msg, sizeof(ct_msg));
	if (!found && n_ct <= 0) {
		snprintf(msg, msglen, "%s is not blocked", mw_prefix_str(target, buf, sizeof(buf)));
		return -ENOENT;
	}
	if (!found)
		snprintf(msg, msglen, "%s", ct_msg);
	else if (n_ct > 0)
		snprintf(msg, msglen, "unblocked %s (and for %d container%s)",
			 mw_prefix_str(target, buf, sizeof(buf)), n_ct, n_ct == 1 ? "" : "s");
	else
		snprintf(msg, msglen, "unblocked %s", mw_prefix_str(target, buf, sizeof(buf)));
	return 0;
}

int mw_policy_flush(struct mw_policy *p)
{
	size_t i;

	for (i = 0; i < p->n && p->n_active; i++) {
		if (!p->entries[i].active)
			continue;
		end_block(p, &p->entries[i], true);
		p->unblocks++;
		notify(p, "unblock", &p->entries[i], "unblocked");
	}
	mw_policy_ct_flush(p);
	xdp_counts(p);
	return mw_policy_commit(p);
}

int mw_policy_commit(struct mw_policy *p)
{
	char buf[MW_ADDRSTRLEN];
	size_t i;
	int ret;

	if (!p->n_pending || !p->nft)
		return 0;
	ret = mw_nft_apply(p->nft, p->pending, p->n_pending);
	if (ret < 0)
		pr_warn("nftables transaction failed: %s\n", strerror(-ret));
	for (i = 0; ret > 0 && i < p->n_pending; i++) {
		if (!p->pending[i].err)
			continue;
		p->nft_errors++;
		pr_warn("nftables refused %s %s in %s: %s\n",
			p->pending[i].del ? "removing" : "adding",
			mw_prefix_str(&p->pending[i].prefix, buf, sizeof(buf)),
			mw_nft_set_name(p->pending[i].set), strerror(-p->pending[i].err));
	}
	p->n_pending = 0;
	return ret;
}

void mw_policy_tick(struct mw_policy *p)
{
	int64_t now = now_s();
	size_t i, k = 0;

	for (i = 0; i < p->n; i++) {
		struct mw_block_entry *e = &p->entries[i];

		/* nftables expires its own elements; the XDP maps are ours */
		if (e->active && e->expires_s && e->expires_s <= now) {
			end_block(p, e, false);
			notify(p, "unblock", e, "expired");
		}
	}
	/* forget offenders that stayed away long enough (inactive entries
	 * only: the active counts stay as they are) */
	for (i = 0; i < p->n; i++) {
		struct mw_block_entry *e = &p->entries[i];

		if (!e->active && e->last_s + (int64_t)(p->cfg->forget_ms / 1000) < now) {
			p->dirty = true;
			continue;
		}
		if (k != i)
			p->entries[k] = *e;
		k++;
	}
	if (k != p->n) {
		/* the entries moved: index them anew (O(n), as this walk is),
		 * rather than deleting each from the open addressing */
		p->n = k;
		index_rebuild(p, k);
	}
	mw_policy_ct_tick(p);
	xdp_counts(p);
	if ((p->dirty || p->ct_dirty) && mw_now_ns() >= p->ledger_next_ns)
		mw_policy_save(p);
}

int mw_policy_save(struct mw_policy *p)
{
	uint64_t start = mw_now_ns(), cost;
	int err = mw_ledger_save(p->ledger_path, p->entries, p->n);

	if (err)
		pr_warn("cannot write %s: %s\n", p->ledger_path, strerror(-err));
	else
		p->dirty = false;
	if (p->ct_dirty && mw_policy_ct_save(p) && !err)
		err = -EIO; /* said which file */
	/* a write that took long (a ledger of many entries) waits 20 times
	 * that before the next: the loop spends at most 1/20 of its time here
	 * however large the ledger grows. What a crash loses meanwhile is
	 * escalation history only: the nft sets keep the blocks, and
	 * mw_policy_reconcile() adopts them. A quick write is done each tick. */
	cost = mw_now_ns() - start;
	p->ledger_next_ns = cost < LEDGER_QUICK_NS ? 0 : mw_now_ns() + 20 * cost;
	return err;
}

/* An entry of the ledger at start; the first line for a prefix wins. */
static void add_loaded(void *arg, const struct mw_block_entry *e)
{
	struct mw_policy *p = arg;
	struct mw_block_entry *slot;

	if (find(p, &e->prefix))
		return;
	slot = add_entry(p, &e->prefix);
	if (slot) {
		*slot = *e;
		slot->active = false;
		set_active(p, slot, e->active);
	}
}

int mw_policy_init(struct mw_policy *p, const struct mw_config *cfg,
		   const struct mw_policy_deps *deps)
{
	bool rewrite = false;
	int err;

	memset(p, 0, sizeof(*p));
	p->cfg = cfg;
	p->nft = deps->nft;
	p->allow = deps->allow;
	p->block_fd = deps->block_fd;
	p->block_net_fd = deps->block_net_fd;
	p->nr_blocked = deps->nr_blocked;
	p->nr_blocked_net = deps->nr_blocked_net;
	p->notify = deps->notify;
	p->notify_arg = deps->notify_arg;
	if (getrandom(p->hash_key, sizeof(p->hash_key), GRND_NONBLOCK) != sizeof(p->hash_key)) {
		/* too early in boot for the pool: still different per run */
		p->hash_key[0] = mix64((uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32));
		p->hash_key[1] = mix64(mw_now_ns() ^ (uintptr_t)p);
	}
	if (mkdir(cfg->state_dir, 0750) && errno != EEXIST) {
		err = -errno;
		pr_warn("cannot create %s: %s\n", cfg->state_dir, strerror(-err));
		return err;
	}
	snprintf(p->ledger_path, sizeof(p->ledger_path), "%s/ledger.json", cfg->state_dir);
	err = mw_ledger_load(p->ledger_path, add_loaded, p, &rewrite);
	if (rewrite)
		p->dirty = true;
	if (!err)
		err = mw_policy_ct_load(p);
	return err;
}

void mw_policy_free(struct mw_policy *p)
{
	free(p->entries);
	free(p->ct);
	free(p->index);
	free(p->pending);
	memset(p, 0, sizeof(*p));
}

/* Empties an XDP block map. */
static void xdp_clear(int fd, size_t key_size)
{
	uint8_t key[sizeof(struct mw_lpm_key)];

	if (fd < 0 || key_size > sizeof(key))
		return;
	while (!bpf_map_get_next_key(fd, NULL, key))
		if (bpf_map_delete_elem(fd, key))
			break;
}

int mw_policy_reconcile(struct mw_policy *p, bool table_ok)
{
	int64_t now = now_s();
	size_t i, s, n_ledger = p->n, restored = 0, adopted = 0;
	bool *was = calloc(n_ledger + 1, sizeof(*was));
	long n;

	if (!was)
		return -ENOMEM;
	/* what the kernel enforces wins over what we remember */
	for (i = 0; i < n_ledger; i++) {
		struct mw_block_entry *e = &p->entries[i];

		was[i] = e->active && (!e->expires_s || e->expires_s > now);
		set_active(p, e, false);
	}
	for (s = 0; p->nft && s < ARRAY_SIZE(block_sets); s++) {
		struct mw_nft_elem *els = NULL;

		n = mw_nft_list(p->nft, block_sets[s], &els);
		if (n < 0) {
			pr_warn("cannot list nftables set %s: %s\n", mw_nft_set_name(block_sets[s]),
				strerror((int)-n));
			continue;
		}
		for (i = 0; i < (size_t)n; i++) {
			struct mw_block_entry *e = find(p, &els[i].prefix);

			if (!e) {
				/* blocked by someone else, or a lost ledger: adopt it */
				e = add_entry(p, &els[i].prefix);
				if (!e)
					break;
				e->count = 1;
				e->first_s = e->last_s = now;
				mw_ledger_adopt_comment(e, els[i].comment);
				adopted++;
				p->dirty = true;
			}
			set_active(p, e, true);
			e->timeout_ms = els[i].timeout_ms;
			e->expires_s =
				els[i].timeout_ms ? now + (int64_t)(els[i].expires_ms / 1000) : 0;
		}
		free(els);
	}
	/* blocks the ledger holds but the sets lost (the table went while we
	 * were down) go back with the time they had left */
	for (i = 0; p->nft && i < n_ledger; i++) {
		struct mw_block_entry *e = &p->entries[i];

		if (!was[i] || e->active)
			continue;
		set_active(p, e, true);
		/* without a table, mw_policy_rebuild() puts every active block back */
		if (table_ok)
			queue(p, false, e,
			      e->expires_s ? (uint64_t)(e->expires_s - now) * 1000 : 0);
		restored++;
		p->dirty = true;
	}
	free(was);
	mw_policy_ct_reconcile(p, table_ok);
	mw_policy_commit(p);

	xdp_clear(p->block_fd, sizeof(struct mw_addr));
	xdp_clear(p->block_net_fd, sizeof(struct mw_lpm_key));
	for (i = 0; i < p->n; i++)
		if (p->entries[i].active)
			xdp_set(p, &p->entries[i], true);
	xdp_counts(p);
	if (adopted || restored || mw_policy_active(p))
		pr_info("blocks: %zu in force (%zu adopted from nftables, %zu restored from the ledger)\n",
			mw_policy_active(p), adopted, restored);
	return 0;
}

static void queue_allow(struct mw_policy *p, bool del, const struct mw_prefix *prefix)
{
	struct mw_block_entry tmp = { .prefix = *prefix };

	queue(p, del, &tmp, 0);
	p->pending[p->n_pending - 1].set = mw_nft_allow_set(prefix);
	p->pending[p->n_pending - 1].comment[0] = '\0';
}

int mw_policy_sync_allow(struct mw_policy *p)
{
	static const unsigned allow_sets[] = { MW_SET_ALLOW4, MW_SET_ALLOW6 };
	size_t s, i, j;

	if (!p->nft)
		return 0;
	for (s = 0; s < ARRAY_SIZE(allow_sets); s++) {
		struct mw_nft_elem *els = NULL;
		long n = mw_nft_list(p->nft, allow_sets[s], &els);

		if (n < 0)
			return (int)n;
		/* remove what is no longer allowed */
		for (i = 0; i < (size_t)n; i++) {
			bool keep = false;

			for (j = 0; j < p->allow->n && !keep; j++)
				keep = !memcmp(&p->allow->e[j].prefix, &els[i].prefix,
					       sizeof(els[i].prefix));
			if (!keep)
				queue_allow(p, true, &els[i].prefix);
		}
		/* add what is new; a prefix inside another one is covered already */
		for (j = 0; j < p->allow->n; j++) {
			const struct mw_prefix *want = &p->allow->e[j].prefix;
			bool have = false;
			size_t k;

			if (mw_nft_allow_set(want) != allow_sets[s])
				continue;
			for (i = 0; i < (size_t)n && !have; i++)
				have = mw_prefix_overlap(&els[i].prefix, want);
			for (k = 0; k < j && !have; k++)
				have = mw_nft_allow_set(&p->allow->e[k].prefix) == allow_sets[s] &&
				       mw_prefix_overlap(&p->allow->e[k].prefix, want);
			if (!have)
				queue_allow(p, false, want);
		}
		free(els);
	}
	return mw_policy_commit(p);
}

int mw_policy_rebuild(struct mw_policy *p)
{
	int64_t now = now_s();
	size_t i;
	int ret;

	if (!p->nft)
		return 0;
	ret = mw_nft_create(p->nft, true);
	if (ret) {
		pr_warn("cannot rebuild table inet %s: %s\n", MW_NFT_TABLE, strerror(-ret));
		return ret;
	}
	p->n_pending = 0;
	for (i = 0; i < p->n; i++) {
		struct mw_block_entry *e = &p->entries[i];
		uint64_t left_ms;

		if (!e->active)
			continue;
		if (e->expires_s && e->expires_s <= now)
			continue; /* the tick ends it */
		left_ms = e->expires_s ? (uint64_t)(e->expires_s - now) * 1000 : 0;
		queue(p, false, e, left_ms);
	}
	mw_policy_ct_requeue(p);
	ret = mw_policy_commit(p);
	mw_policy_sync_allow(p);
	return ret;
}

const char *mw_policy_block_detection(struct mw_policy *p, const struct mw_block_req *req)
{
	enum mw_block_result r;
	char msg[256];

	r = mw_policy_block(p, req, msg, sizeof(msg));
	if (r == MW_REFUSED_ALLOW || r == MW_REFUSED_CAP || r == MW_REFUSED_SCOPE)
		pr_info("%s: %s\n", req->method, msg);
	else if (r == MW_REFUSED_SHARE) /* said once loudly; a flood says it again and again */
		pr_debug("%s: %s\n", req->method, msg);
	return r == MW_BLOCKED || r == MW_BLOCK_KEPT ? "blocked" :
	       r == MW_DRY_RUN			     ? "dry-run" :
						       "alert";
}
