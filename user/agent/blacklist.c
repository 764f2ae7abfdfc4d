// SPDX-License-Identifier: GPL-2.0-only
/*
 * blacklist.c - the agent's BLACKLIST glue: its life cycle, what a list
 * never puts in force, the compiled lists put into the kernel, and the
 * datapath's events handed to the jobs in the files beside it (lists:
 * blacklist_lists.c, DNS answers: blacklist_dns.c, hits and detections:
 * blacklist_hits.c, control requests: blacklist_control.c).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/blacklist.h"
#include "agent/blacklist_priv.h"
#include "agent/env.h"
#include "agent/loader.h"
#include "agent/localaddr.h"
#include "lib/log.h"
#include "lib/statefile.h"
#include "parse/resolv_conf.h"
#include "lib/util.h"
#include "minewall.skel.h"

#define MAX_PROTECT 1024

/* What a list never puts in force: internal networks (unless configured),
 * and everything the allowlist holds (own addresses, gateways, resolvers,
 * SSH peers, configured and run-time entries). */
static size_t protect_set(const struct mw_agent_blacklist *a, struct mw_prefix *out)
{
	size_t n = 0, i;

	if (!a->cfg->bl_block_private)
		for (i = 0; i < a->cfg->n_internal && n < MAX_PROTECT; i++)
			out[n++] = a->cfg->internal[i];
	if (a->allow)
		for (i = 0; i < a->allow->n && n < MAX_PROTECT; i++)
			out[n++] = a->allow->e[i].prefix;
	return n;
}

bool mw_agent_blacklist_protected(const struct mw_agent_blacklist *a, const struct mw_addr *addr)
{
	struct mw_prefix p = { .addr = *addr, .len = 128 };

	if (!a->cfg->bl_block_private &&
	    mw_prefixes_contain(a->cfg->internal, a->cfg->n_internal, addr))
		return true;
	return a->allow && mw_allow_match(a->allow, &p);
}

static bool learned_protected(void *arg, const struct mw_bl_learned *l)
{
	return mw_agent_blacklist_protected(arg, &l->addr);
}

/* A learned address leaves the tries in force (expired, evicted, allowed). */
void mw_agent_blacklist_forget(void *arg, const struct mw_bl_learned *l)
{
	struct mw_agent_blacklist *a = arg;
	char buf[MW_ADDRSTRLEN];
	int err = mw_blacklist_maps_forget(&a->k, &l->addr);

	if (err && err != -ENOENT)
		pr_warn("blacklist: cannot remove learned %s from the kernel: %s\n",
			mw_addr_str(&l->addr, buf, sizeof(buf)), strerror(-err));
}

/* Learned addresses the allowlist (or the internal networks) now covers
 * leave the kernel and the table, so that no install puts them back. */
static size_t drop_protected_learned(struct mw_agent_blacklist *a)
{
	size_t n = mw_bl_learned_remove_if(&a->bl, learned_protected, mw_agent_blacklist_forget, a);

	if (n)
		pr_info("blacklist: %zu learned addresses are now allowlisted: no longer dropped\n",
			n);
	return n;
}

int mw_agent_blacklist_apply(struct mw_agent_blacklist *a)
{
	static struct mw_prefix protect[MAX_PROTECT];
	struct mw_bl_compiled c;
	size_t n_protect = protect_set(a, protect);
	uint64_t t0 = mw_now_ns();
	unsigned id;
	int err;

	/* the install copies every learned address: the allowlist first */
	drop_protected_learned(a);

	err = mw_bl_compile(&a->bl, protect, n_protect, a->cfg->bl_alert_only,
			    a->cfg->n_bl_alert_only, &c);
	if (err) {
		pr_warn("blacklist: cannot compile the lists: %s\n", strerror(-err));
		return err;
	}
	err = mw_blacklist_maps_install(&a->k, &c, &a->bl, a->cfg->bl_alert_only,
					a->cfg->n_bl_alert_only);
	mw_bl_compiled_free(&c);
	if (err) {
		pr_warn("blacklist: cannot put the lists in force (the previous ones stay): %s\n",
			strerror(-err));
		return err;
	}
	a->build_ms = (mw_now_ns() - t0) / 1000000;
	for (id = 1; id < MW_BL_LISTS_MAX; id++) {
		const struct mw_bl_list *l = &a->bl.lists[id];

		if (!l->used)
			continue;
		if (l->effect.protected_whole || l->effect.protected_part)
			pr_warn("blacklist %s: %u entries are private, own or allowlisted addresses and %u more hold some: those addresses are never blocked\n",
				l->name, l->effect.protected_whole, l->effect.protected_part);
		if (l->effect.alert_only)
			pr_info("blacklist %s: %u entries are shared addresses (blacklist.alert_only): reported, never blocked\n",
				l->name, l->effect.alert_only);
	}
	pr_info("blacklist: %zu IPv4 and %zu IPv6 prefixes in force, %zu learned addresses (built in %llu ms)\n",
		a->k.n_v4, a->k.n_v6, a->bl.n_learned, (unsigned long long)a->build_ms);
	return 0;
}

static int write_runtime_lists(FILE *f, void *arg)
{
	const struct mw_agent_blacklist *a = arg;
	unsigned id;

	for (id = 1; id < MW_BL_LISTS_MAX; id++)
		if (a->bl.lists[id].used && a->bl.lists[id].runtime)
			fprintf(f, "%s\t%s\n", a->bl.lists[id].name, a->bl.lists[id].path);
	return 0;
}

static int save_runtime_lists(struct mw_agent_blacklist *a)
{
	return mw_statefile_write(a->state_path, write_runtime_lists, a);
}

/* A run-time list came or went: remembered for the next start, in force now. */
int mw_agent_blacklist_runtime_changed(struct mw_agent_blacklist *a)
{
	int ret = save_runtime_lists(a);

	if (ret)
		pr_warn("cannot save %s: %s\n", a->state_path, strerror(-ret));
	return mw_agent_blacklist_apply(a);
}

static void on_peek(void *arg, const struct mw_event_peek *ev)
{
	struct mw_agent_blacklist *a = arg;

	if (ev->key.remote_port == htons(53) &&
	    (ev->key.proto == IPPROTO_UDP || ev->key.proto == IPPROTO_TCP))
		mw_agent_blacklist_dns_peek(a, ev);
}

/* The detector's settings, from the configuration. */
static struct mw_bl_cfg bl_cfg(const struct mw_config *cfg)
{
	return (struct mw_bl_cfg){ .learned_max = cfg->bl_learned_max };
}

int mw_agent_blacklist_init(struct mw_agent_blacklist *a, const struct mw_env *env)
{
	const struct mw_config *cfg = env->cfg;
	struct minewall_bpf *skel = env->loader->skel;
	struct mw_event_sink sink = { .blacklist = mw_agent_blacklist_hits_flow,
				      .new_public = mw_agent_blacklist_hits_new_public,
				      .peek = on_peek,
				      .arg = a };
	struct mw_bl_cfg bc = bl_cfg(cfg);
	int err;

	memset(a, 0, sizeof(*a));
	a->cfg = cfg;
	a->policy = env->policy;
	a->allow = env->allow;
	a->eve = env->eve;
	a->nat = env->nat;
	a->owner_fd = mw_loader_map_fd(env->loader, MW_MAP_OWNER);
	mw_bl_init(&a->bl, &bc);
	a->resolv_conf = MW_RESOLV_CONF;
	a->resolved_conf = MW_RESOLVED_CONF;
	mw_agent_blacklist_dns_resolvers(a);
	err = mw_dnsq_init(&a->queries, NULL);
	if (err)
		return err;
	/* the host's ClientHellos, read once for everyone: SNI and JA4 */
	a->hello = env->hello;
	if (a->hello) {
		err = mw_agent_tls_hello_subscribe(a->hello, mw_agent_blacklist_hits_hello, a);
		if (err)
			return err;
	}
	snprintf(a->state_path, sizeof(a->state_path), "%s/blacklists", cfg->state_dir);
	err = mw_blacklist_maps_open(&a->k, skel->obj, &skel->bss->mw_bl_entries);
	a->k.learned_room = a->bl.learned_max;
	if (err) {
		pr_warn("blacklist maps missing from the BPF object\n");
		return err;
	}
	a->enforce = &skel->bss->mw_bl_enforce;
	*a->enforce = cfg->bl_block && !cfg->dry_run;
	mw_agent_blacklist_lists_load(a);
	err = mw_agent_blacklist_apply(a);
	if (err)
		return err;
	return mw_events_add_sink(env->events, &sink);
}

void mw_agent_blacklist_free(struct mw_agent_blacklist *a)
{
	mw_blacklist_maps_close(&a->k);
	mw_bl_free(&a->bl);
	mw_dnsq_free(&a->queries);
}

void mw_agent_blacklist_on_dns_answer(struct mw_agent_blacklist *a, mw_bl_dns_answer_fn fn,
				      void *arg)
{
	a->on_answer = fn;
	a->on_answer_arg = arg;
}

int mw_agent_blacklist_reload(struct mw_agent_blacklist *a)
{
	if (a->enforce)
		*a->enforce = a->cfg->bl_block && !a->cfg->dry_run;
	mw_agent_blacklist_lists_load(a);
	return mw_agent_blacklist_apply(a);
}

static void expired(void *arg, const struct mw_bl_learned *l)
{
	char buf[MW_ADDRSTRLEN];

	mw_agent_blacklist_forget(arg, l);
	pr_debug("blacklist: %s (%s) expired\n", mw_addr_str(&l->addr, buf, sizeof(buf)), l->name);
}

void mw_agent_blacklist_tick(struct mw_agent_blacklist *a, uint64_t now_ns)
{
	mw_bl_expire(&a->bl, now_ns, expired, a);
	mw_dnsq_expire(&a->queries, now_ns);
	mw_agent_blacklist_dns_resolvers(a);
}

void mw_agent_blacklist_allow_changed(struct mw_agent_blacklist *a)
{
	struct mw_bl_value v;
	size_t i;

	if (!a->allow)
		return;
	drop_protected_learned(a);
	for (i = 0; i < a->allow->n; i++) {
		if (!mw_blacklist_maps_lookup(&a->k, &a->allow->e[i].prefix.addr, &v)) {
			pr_info("blacklist: an allowed address is listed: rebuilding without it\n");
			mw_agent_blacklist_apply(a);
			return;
		}
	}
}
