// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "agent/control.h"
#include "lib/log.h"
#include "lib/util.h"

static int cmp_elem_prefix(const void *a, const void *b)
{
	return memcmp(&((const struct mw_nft_elem *)a)->prefix,
		      &((const struct mw_nft_elem *)b)->prefix, sizeof(struct mw_prefix));
}

/* Per-element nft hits of the exact block sets (@els sorted by prefix);
 * null when the element has no counter (element_counters = no). */
static json_t *nft_hits(const struct mw_nft_elem *els, long n, const struct mw_prefix *p)
{
	struct mw_nft_elem key = { .prefix = *p };
	const struct mw_nft_elem *e;

	e = n > 0 ? bsearch(&key, els, n, sizeof(*els), cmp_elem_prefix) : NULL;
	return e && e->counted ? json_integer((json_int_t)e->packets) : json_null();
}

static uint64_t xdp_drops(const struct mw_agent_ctl *c, const struct mw_prefix *p)
{
	struct mw_block v = { 0 };

	if (p->len == 128) {
		if (c->block_fd < 0 || bpf_map_lookup_elem(c->block_fd, &p->addr, &v))
			return 0;
	} else {
		struct mw_lpm_key k;

		mw_prefix_to_lpm(p, &k);
		if (c->block_net_fd < 0 || bpf_map_lookup_elem(c->block_net_fd, &k, &v))
			return 0;
	}
	return v.drops;
}

/* The container blocks, after the host's: "scope": "container" and the
 * container, and the address it is cut off from as "remote" (not "prefix":
 * what a host block has, which a container block is not). */
static void list_ct_blocks(struct mw_agent_ctl *c, json_t *arr, int64_t now)
{
	size_t i;

	for (i = 0; i < c->policy->n_ct; i++) {
		const struct mw_ct_block *b = &c->policy->ct[i];
		char pb[MW_ADDRSTRLEN];

		if (!b->b.active)
			continue;
		json_array_append_new(
			arr, json_pack("{s:s, s:s, s:s, s:s, s:i, s:o, s:I, s:I, s:s, s:o}",
				       "remote", mw_prefix_str(&b->b.prefix, pb, sizeof(pb)),
				       "origin", "local", "method", b->b.method, "reason",
				       b->b.reason, "count", (int)b->b.count, "remaining_s",
				       b->b.expires_s ? json_integer(b->b.expires_s > now ?
									     b->b.expires_s - now :
									     0) :
							json_null(),
				       "timeout_s", (json_int_t)(b->b.timeout_ms / 1000), "since",
				       (json_int_t)b->b.first_s, "scope", "container", "container",
				       mw_ct_scope_json(&b->ct)));
	}
}

static json_t *list_blocks(struct mw_agent_ctl *c, json_t *req, char *err, size_t len)
{
	struct mw_nft_elem *e4 = NULL, *e6 = NULL;
	long n4 = c->nft ? mw_nft_list(c->nft, MW_SET_BLOCK4, &e4) : 0;
	long n6 = c->nft ? mw_nft_list(c->nft, MW_SET_BLOCK6, &e6) : 0;
	json_t *arr = json_array();
	int64_t now = time(NULL);
	size_t i;

	/* sorted, so that listing 100k blocks is not 100k linear searches */
	if (n4 > 0)
		qsort(e4, n4, sizeof(*e4), cmp_elem_prefix);
	if (n6 > 0)
		qsort(e6, n6, sizeof(*e6), cmp_elem_prefix);
	for (i = 0; i < c->policy->n; i++) {
		const struct mw_block_entry *e = &c->policy->entries[i];
		char pb[MW_ADDRSTRLEN], sb[MW_ADDRSTRLEN];

		if (!e->active)
			continue;
		json_array_append_new(
			arr,
			json_pack("{s:s, s:s, s:s, s:s, s:s, s:i, s:o, s:I, s:o, s:I, s:I, s:s}",
				  "prefix", mw_prefix_str(&e->prefix, pb, sizeof(pb)), "seen",
				  mw_addr_str(&e->seen, sb, sizeof(sb)), "origin",
				  strcmp(e->method, MW_METHOD_CROWDSEC) ? "local" : "crowdsec",
				  "method", e->method, "reason", e->reason, "count", (int)e->count,
				  "remaining_s",
				  e->expires_s ?
					  json_integer(e->expires_s > now ? e->expires_s - now :
									    0) :
					  json_null(),
				  "timeout_s", (json_int_t)(e->timeout_ms / 1000), "nft_hits",
				  mw_addr_is_v4(&e->prefix.addr) ? nft_hits(e4, n4, &e->prefix) :
								   nft_hits(e6, n6, &e->prefix),
				  "xdp_drops", (json_int_t)xdp_drops(c, &e->prefix), "since",
				  (json_int_t)e->first_s, "scope", "host"));
	}
	free(e4);
	free(e6);
	list_ct_blocks(c, arr, now);
	return arr;
}

static int get_prefix(json_t *req, const char *key, struct mw_prefix *p, char *err, size_t len)
{
	const char *s = json_string_value(json_object_get(req, key));

	if (!s) {
		snprintf(err, len, "\"%s\" (an address or prefix) is missing", key);
		return -EINVAL;
	}
	if (mw_prefix_parse(s, p)) {
		snprintf(err, len, "'%s' is not an address or ADDR/LEN without host bits", s);
		return -EINVAL;
	}
	return 0;
}

/* A block's container: {"addr", "cgroup_id", "id", "name"}, an address or
 * a cgroup at least. */
static int get_scope(json_t *o, struct mw_ct_scope *ct, char *err, size_t len)
{
	const char *addr = NULL, *id = "", *name = "";
	json_int_t cg = 0;
	json_error_t jerr;

	if (json_unpack_ex(o, &jerr, 0, "{s?s, s?I, s?s, s?s}", "addr", &addr, "cgroup_id", &cg,
			   "id", &id, "name", &name)) {
		snprintf(err, len, "\"container\": %s", jerr.text);
		return -EINVAL;
	}
	if (addr && mw_addr_parse(addr, &ct->addr)) {
		snprintf(err, len, "\"container\": '%.64s' is not an address", addr);
		return -EINVAL;
	}
	if (cg < 0 || (!cg && !mw_ct_scope_has_addr(ct))) {
		snprintf(err, len, "\"container\" needs an \"addr\" or a positive \"cgroup_id\"");
		return -EINVAL;
	}
	ct->cgroup_id = (uint64_t)cg;
	mw_sanitize_str(ct->id, sizeof(ct->id), id);
	mw_sanitize_str(ct->name, sizeof(ct->name), name);
	return 0;
}

static json_t *do_block(struct mw_agent_ctl *c, json_t *req, char *err, size_t len)
{
	struct mw_block_req br = { .method = MW_METHOD_MANUAL };
	const char *target = json_string_value(json_object_get(req, "target"));
	json_t *t = json_object_get(req, "timeout_ms"), *perm = json_object_get(req, "permanent");
	const char *reason = json_string_value(json_object_get(req, "reason"));
	struct mw_ct_scope scope = { 0 };
	enum mw_block_result r;
	char msg[256];

	if (get_prefix(req, "target", &br.target, err, len))
		return NULL;
	if (json_object_get(req, "container")) {
		if (get_scope(json_object_get(req, "container"), &scope, err, len))
			return NULL;
		br.container = &scope;
		br.exact = true; /* one remote address */
	}
	if (t && (!json_is_integer(t) || json_integer_value(t) < 1000)) {
		snprintf(err, len, "\"timeout_ms\" must be an integer of at least 1000");
		return NULL;
	}
	if (perm && !json_is_boolean(perm)) {
		snprintf(err, len, "\"permanent\" must be true or false");
		return NULL;
	}
	/* a bare IPv6 address gets the policy's prefix (ipv6_prefix); ADDR/128
	 * asks for that one address */
	br.exact = br.exact || (target && strchr(target, '/'));
	br.timeout_ms = t ? (uint64_t)json_integer_value(t) : 0;
	br.permanent = perm && json_is_true(perm);
	br.reason = reason ? reason : "blocked by the operator";
	r = mw_policy_block(c->policy, &br, msg, sizeof(msg));
	mw_policy_commit(c->policy);
	if (r == MW_REFUSED_ALLOW || r == MW_REFUSED_CAP || r == MW_REFUSED_SHARE ||
	    r == MW_REFUSED_SCOPE) {
		snprintf(err, len, "%s", msg);
		return NULL;
	}
	pr_info("control: %s\n", msg);
	return json_pack("{s:s, s:s}", "result",
			 r == MW_BLOCKED ? "blocked" :
			 r == MW_DRY_RUN ? "dry-run" :
					   "kept",
			 "message", msg);
}

static json_t *do_unblock(struct mw_agent_ctl *c, json_t *req, char *err, size_t len)
{
	const char *ct = json_string_value(json_object_get(req, "container"));
	struct mw_prefix p;
	char msg[256];

	if (get_prefix(req, "target", &p, err, len))
		return NULL;
	/* with a container, only its blocks of the remote */
	if (ct ? mw_policy_unblock_ct(c->policy, &p, ct, msg, sizeof(msg)) < 0 :
		 mw_policy_unblock(c->policy, &p, msg, sizeof(msg)) != 0) {
		snprintf(err, len, "%s", msg);
		return NULL;
	}
	mw_policy_commit(c->policy);
	pr_info("control: %s\n", msg);
	return json_pack("{s:s, s:s}", "result", "unblocked", "message", msg);
}

static json_t *do_allow(struct mw_agent_ctl *c, json_t *req, bool del, char *err, size_t len)
{
	char buf[MW_ADDRSTRLEN];
	struct mw_prefix p;
	int ret;

	if (get_prefix(req, "cidr", &p, err, len))
		return NULL;
	ret = del ? mw_allow_del(c->allow, &p) : mw_allow_add(c->allow, &p);
	if (ret == -EEXIST || ret == -ENOENT) {
		snprintf(err, len, "%s is %s the runtime allowlist",
			 mw_prefix_str(&p, buf, sizeof(buf)),
			 ret == -EEXIST ? "already on" : "not on");
		return NULL;
	}
	if (ret)
		pr_warn("cannot save the runtime allowlist: %s\n", strerror(-ret));
	if (!del) {
		/* an allowed address that is blocked now is unblocked at once */
		size_t i;
		char msg[256];

		for (i = 0; i < c->policy->n; i++)
			if (c->policy->entries[i].active &&
			    mw_prefix_overlap(&c->policy->entries[i].prefix, &p))
				mw_policy_unblock(c->policy, &c->policy->entries[i].prefix, msg,
						  sizeof(msg));
		mw_policy_unblock_ct(c->policy, &p, NULL, msg, sizeof(msg)); /* containers' too */
		mw_policy_commit(c->policy);
		if (c->bl) /* learned DNS drops it covers go at once too */
			mw_agent_blacklist_allow_changed(c->bl);
	}
	mw_policy_sync_allow(c->policy);
	return json_pack("{s:s, s:s}", "result", del ? "removed" : "allowed", "cidr",
			 mw_prefix_str(&p, buf, sizeof(buf)));
}

static json_t *list_allow(struct mw_agent_ctl *c, json_t *req, char *err, size_t len)
{
	json_t *arr = json_array();
	size_t i;

	for (i = 0; i < c->allow->n; i++) {
		char buf[MW_ADDRSTRLEN];

		json_array_append_new(
			arr, json_pack("{s:s, s:s}", "prefix",
				       mw_prefix_str(&c->allow->e[i].prefix, buf, sizeof(buf)),
				       "source", mw_allow_source_name(c->allow->e[i].source)));
	}
	return arr;
}

static int cmp_offence(const void *x, const void *y)
{
	const struct mw_block_entry *a = *(const struct mw_block_entry *const *)x;
	const struct mw_block_entry *b = *(const struct mw_block_entry *const *)y;

	return a->count != b->count ? (a->count < b->count ? 1 : -1) :
				      (a->last_s < b->last_s) - (a->last_s > b->last_s);
}

/* The operator's first look: the last hour by method, the worst offenders,
 * set fill, and what needs attention. */
static json_t *summary(struct mw_agent_ctl *c, json_t *req, char *err, size_t len)
{
	uint64_t det[MW_M_MAX], blk[MW_M_MAX];
	json_t *dj = json_object(), *bj = json_object(), *top = json_array(), *warn = json_array();
	const struct mw_block_entry **act;
	size_t i, n = 0, v4 = 0, v6 = 0;
	char buf[MW_ADDRSTRLEN];
	time_t now = time(NULL);

	if (c->eve) {
		mw_eve_recent(c->eve, now - 3600, det, blk);
		for (i = 0; i < MW_M_MAX; i++) {
			if (det[i])
				json_object_set_new(dj, mw_method_names[i],
						    json_integer((json_int_t)det[i]));
			if (blk[i])
				json_object_set_new(bj, mw_method_names[i],
						    json_integer((json_int_t)blk[i]));
		}
		if (c->eve->syslog_failed)
			json_array_append_new(warn, json_string("syslog did not take some events"));
		if (c->eve->failed)
			json_array_append_new(warn,
					      json_string("the events file could not be written"));
	}
	act = calloc(c->policy->n ? c->policy->n : 1, sizeof(const struct mw_block_entry *));
	for (i = 0; act && i < c->policy->n; i++) {
		if (!c->policy->entries[i].active)
			continue;
		act[n++] = &c->policy->entries[i];
		if (mw_addr_is_v4(&c->policy->entries[i].prefix.addr))
			v4++;
		else
			v6++;
	}
	if (act)
		qsort(act, n, sizeof(const struct mw_block_entry *), cmp_offence);
	for (i = 0; act && i < n && i < 5; i++)
		json_array_append_new(
			top,
			json_pack("{s:s, s:s, s:s, s:i, s:I}", "prefix",
				  mw_prefix_str(&act[i]->prefix, buf, sizeof(buf)), "method",
				  act[i]->method, "reason", act[i]->reason, "offences",
				  (int)act[i]->count, "expires_in_s",
				  (json_int_t)(act[i]->expires_s ? act[i]->expires_s - now : -1)));
	free(act);
	if (c->policy->cap_warned || n >= c->policy->cfg->max_blocks)
		json_array_append_new(warn, json_string("the cap on blocked entries is reached"));
	for (i = 0; i < MW_M_MAX; i++)
		if (c->policy->share_warned[i])
			json_array_append_new(
				warn, json_sprintf("%s holds its share of the cap (method_share)",
						   mw_method_names[i]));
	if (c->policy->nft_errors)
		json_array_append_new(warn, json_string("some nftables updates failed"));
	if (c->cs && c->cs->thread_running && c->cs->last_error[0])
		json_array_append_new(warn, json_sprintf("CrowdSec LAPI: %s", c->cs->last_error));
	return json_pack(
		"{s:o, s:{s:o, s:o}, s:o, s:{s:I, s:I, s:I}, s:o, s:o, s:o}", "bridges",
		c->bridges ? mw_bridges_json(c->bridges) : json_array(), "last_hour", "detections",
		dj, "blocks", bj, "top_offenders", top, "sets", "ipv4", (json_int_t)v4, "ipv6",
		(json_int_t)v6, "max", (json_int_t)c->policy->cfg->max_blocks, "warnings", warn,
		"containers", c->eve ? mw_eve_containers_json(c->eve) : json_array(), "crowdsec",
		c->cs && c->cs->thread_running ?
			mw_agent_crowdsec_control(c->cs, "crowdsec_status", NULL, err, len) :
			json_null());
}

static json_t *do_flush(struct mw_agent_ctl *c, json_t *req, char *err, size_t len)
{
	size_t n = mw_policy_active(c->policy);

	mw_policy_flush(c->policy);
	pr_info("control: flushed %zu blocks\n", n);
	return json_pack("{s:s, s:I}", "result", "flushed", "unblocked", (json_int_t)n);
}

static json_t *do_ping(struct mw_agent_ctl *c, json_t *req, char *err, size_t len)
{
	return json_pack("{s:i, s:s}", "pid", (int)getpid(), "events_file",
			 c->events_file ? c->events_file : "");
}

static json_t *do_allow_add(struct mw_agent_ctl *c, json_t *req, char *err, size_t len)
{
	return do_allow(c, req, false, err, len);
}

static json_t *do_allow_del(struct mw_agent_ctl *c, json_t *req, char *err, size_t len)
{
	return do_allow(c, req, true, err, len);
}

static const struct {
	const char *name;
	json_t *(*run)(struct mw_agent_ctl *c, json_t *req, char *err, size_t len);
} commands[] = {
	{ "blocks", list_blocks },
	{ "block", do_block },
	{ "unblock", do_unblock },
	{ "allow", do_allow_add },
	{ "allow_del", do_allow_del },
	{ "allowlist", list_allow },
	{ "flush", do_flush },
	{ "summary", summary },
	{ "ping", do_ping },
	{ "processes", mw_agent_ctl_processes },
	{ "tls_hellos", mw_agent_ctl_tls_hellos },
};

static json_t *unknown(const char *cmd, char *err, size_t len)
{
	snprintf(err, len, "unknown command '%.64s'", cmd);
	return NULL;
}

/* The commands of a method's own module, by their prefix ("blacklist_*"):
 * unknown while the module does not run. */
static json_t *blacklist_cmd(struct mw_agent_ctl *c, const char *cmd, json_t *req, char *err,
			     size_t len)
{
	return c->bl ? mw_agent_blacklist_control(c->bl, cmd, req, err, len) :
		       unknown(cmd, err, len);
}

static json_t *dirnet_cmd(struct mw_agent_ctl *c, const char *cmd, json_t *req, char *err,
			  size_t len)
{
	return c->dirnet ? mw_agent_dirnet_control(c->dirnet, cmd, req, err, len) :
			   unknown(cmd, err, len);
}

static json_t *crowdsec_cmd(struct mw_agent_ctl *c, const char *cmd, json_t *req, char *err,
			    size_t len)
{
	return c->cs ? mw_agent_crowdsec_control(c->cs, cmd, req, err, len) :
		       unknown(cmd, err, len);
}

static const struct {
	const char *prefix;
	json_t *(*run)(struct mw_agent_ctl *c, const char *cmd, json_t *req, char *err, size_t len);
} families[] = {
	{ "blacklist_", blacklist_cmd },
	{ "dirnet_", dirnet_cmd },
	{ "crowdsec_", crowdsec_cmd },
};

json_t *mw_agent_control(void *arg, const char *cmd, json_t *req, char *err, size_t len)
{
	struct mw_agent_ctl *c = arg;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(commands); i++)
		if (!strcmp(cmd, commands[i].name))
			return commands[i].run(c, req, err, len);
	for (i = 0; i < ARRAY_SIZE(families); i++)
		if (!strncmp(cmd, families[i].prefix, strlen(families[i].prefix)))
			return families[i].run(c, cmd, req, err, len);
	return unknown(cmd, err, len);
}
