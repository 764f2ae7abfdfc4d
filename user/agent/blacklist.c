// SPDX-License-Identifier: GPL-2.0-only
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "agent/blacklist.h"
#include "agent/env.h"
#include "agent/loader.h"
#include "lib/flowtable.h"
#include "agent/localaddr.h"
#include "lib/log.h"
#include "parse/resolv_conf.h"
#include "parse/dns.h"
#include "parse/tls.h"
#include "lib/util.h"
#include "minewall.skel.h"

#define REPORT_QUIET_NS (10ULL * 1000000000ULL) /* one report per remote per 10 s */
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

static bool is_protected(const struct mw_agent_blacklist *a, const struct mw_addr *addr)
{
	struct mw_prefix p = { .addr = *addr, .len = 128 };

	if (!a->cfg->bl_block_private &&
	    mw_prefixes_contain(a->cfg->internal, a->cfg->n_internal, addr))
		return true;
	return a->allow && mw_allow_match(a->allow, &p);
}

static bool learned_protected(void *arg, const struct mw_bl_learned *l)
{
	return is_protected(arg, &l->addr);
}

/* A learned address leaves the tries in force (expired, evicted, allowed). */
static void forget(void *arg, const struct mw_bl_learned *l)
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
	size_t n = mw_bl_learned_remove_if(&a->bl, learned_protected, forget, a);

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

/* --- loading ------------------------------------------------------------- */

static int load_one(struct mw_agent_blacklist *a, const char *name, const char *path, bool runtime,
		    FILE *err)
{
	int id = mw_bl_load(&a->bl, name, path, runtime, err);
	const struct mw_bl_list *l;

	if (id < 0)
		return id;
	l = &a->bl.lists[id];
	pr_info("blacklist %s: %s: %u prefixes, %u names%s%s\n", l->name, path, l->rep.prefixes,
		l->rep.domains, l->rep.malformed ? ", malformed lines skipped: " : "",
		l->rep.malformed ? "see above" : "");
	return id;
}

static int cmp_str(const void *x, const void *y)
{
	return strcmp(*(char *const *)x, *(char *const *)y);
}

/* Every regular file of @dir, in name order. */
static void load_dir(struct mw_agent_blacklist *a, const char *dir, bool *seen)
{
	struct dirent *de;
	char *names[1024];
	size_t n = 0, i;
	DIR *d = opendir(dir);

	if (!d)
		return;
	while ((de = readdir(d)) && n < 1024)
		if (de->d_name[0] != '.')
			names[n++] = strdup(de->d_name);
	closedir(d);
	qsort(names, n, sizeof(names[0]), cmp_str);
	for (i = 0; i < n; i++) {
		char path[PATH_MAX];
		struct stat st;
		int id;

		if (!names[i])
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		free(names[i]);
		if (stat(path, &st) || !S_ISREG(st.st_mode))
			continue;
		id = load_one(a, NULL, path, false, stderr);
		if (id > 0)
			seen[id] = true;
	}
}

/* The lists the config names; @seen marks the ids it covers. */
static void load_config_lists(struct mw_agent_blacklist *a, bool *seen)
{
	char buf[PATH_MAX], *save = NULL, *tok;

	snprintf(buf, sizeof(buf), "%s", a->cfg->bl_lists);
	for (tok = strtok_r(buf, ", \t", &save); tok; tok = strtok_r(NULL, ", \t", &save)) {
		char *eq = strchr(tok, '=');
		const char *name = NULL, *path = tok;
		struct stat st;
		int id;

		if (eq) {
			*eq = '\0';
			name = tok;
			path = eq + 1;
		}
		if (stat(path, &st)) {
			/* the default directory may well not exist */
			if (strcmp(path, MW_BL_DIR_DEFAULT))
				pr_warn("blacklist.lists: %s: %s\n", path, strerror(errno));
			id = name ? mw_bl_find(&a->bl, name) : -1;
			if (id > 0)
				seen[id] = true; /* keep what is in force */
			continue;
		}
		if (S_ISDIR(st.st_mode)) {
			load_dir(a, path, seen);
			continue;
		}
		id = load_one(a, name, path, false, stderr);
		if (id < 0 && name)
			id = mw_bl_find(&a->bl, name);
		if (id > 0)
			seen[id] = true;
	}
}

static void load_runtime_lists(struct mw_agent_blacklist *a, bool *seen)
{
	char line[PATH_MAX + MW_BL_NAME_MAX + 2];
	FILE *f = fopen(a->state_path, "r");
	unsigned n = 0;

	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		char *tab = strchr(line, '\t');
		int id;

		n++;
		line[strcspn(line, "\n")] = '\0';
		if (!tab) {
			pr_warn("%s:%u: expected NAME<TAB>PATH; line skipped\n", a->state_path, n);
			continue;
		}
		*tab = '\0';
		id = load_one(a, line, tab + 1, true, stderr);
		if (id < 0)
			id = mw_bl_find(&a->bl, line);
		if (id > 0)
			seen[id] = true;
	}
	fclose(f);
}

static int save_runtime_lists(struct mw_agent_blacklist *a)
{
	char tmp[PATH_MAX + 8];
	unsigned id;
	FILE *f;

	snprintf(tmp, sizeof(tmp), "%s.tmp", a->state_path);
	f = fopen(tmp, "w");
	if (!f)
		return -errno;
	for (id = 1; id < MW_BL_LISTS_MAX; id++)
		if (a->bl.lists[id].used && a->bl.lists[id].runtime)
			fprintf(f, "%s\t%s\n", a->bl.lists[id].name, a->bl.lists[id].path);
	if (fclose(f) || rename(tmp, a->state_path))
		return -errno;
	return 0;
}

static void load_all(struct mw_agent_blacklist *a)
{
	bool seen[MW_BL_LISTS_MAX] = { 0 };
	unsigned id;

	load_config_lists(a, seen);
	load_runtime_lists(a, seen);
	for (id = 1; id < MW_BL_LISTS_MAX; id++) {
		if (a->bl.lists[id].used && !seen[id]) {
			pr_info("blacklist %s: no longer configured, unloaded\n",
				a->bl.lists[id].name);
			mw_bl_unload(&a->bl, a->bl.lists[id].name);
		}
	}
}

/* --- detections ---------------------------------------------------------- */

/* A hit reported in the last REPORT_QUIET_NS is not reported again, unless
 * this one may block and that one could not: reports a forger provokes
 * (remote-opened, mid-stream) must not silence the host's own flow. */
static bool quiet(struct mw_agent_blacklist *a, const struct mw_addr *remote, bool may_block)
{
	uint64_t now = mw_now_ns();
	unsigned i;

	for (i = 0; i < ARRAY_SIZE(a->recent); i++)
		if (!memcmp(&a->recent[i].addr, remote, sizeof(*remote)) &&
		    now - a->recent[i].ns < REPORT_QUIET_NS &&
		    (a->recent[i].may_block || !may_block))
			return true;
	a->recent[a->recent_pos].addr = *remote;
	a->recent[a->recent_pos].ns = now;
	a->recent[a->recent_pos].may_block = may_block;
	a->recent_pos = (a->recent_pos + 1) % ARRAY_SIZE(a->recent);
	return false;
}

struct hit {
	const struct mw_flow_key *key;
	int dir; /* of the packet that showed it */
	int initiator;
	bool host_opened; /* the datapath saw the host send the opening packet */
	bool handshake; /* TCP: seen complete and in order */
	uint32_t ifindex;
	uint16_t list;
	bool alert_only;
	const char *match; /* "address", "dns" or "sni" */
	const char *name; /* the listed name that led to it, for dns and sni */
};

/*
 * What the hit rests on, in @buf; true when that may block. A listed
 * remote is blocked only on a flow the host opened (its first packet left
 * through tc egress): a remote that contacts us, or a packet forged with a
 * listed source, must not make us block, and a forged packet with one of
 * our addresses as its source arrives at XDP and never counts.
 */
static bool hit_evidence(const struct hit *h, char *buf, size_t len)
{
	if (h->host_opened) {
		if (h->key->proto == IPPROTO_TCP)
			snprintf(buf, len, "host-opened, handshake %s",
				 h->handshake ? "complete" : "not complete");
		else
			snprintf(buf, len, "host-opened");
		return true;
	}
	if (h->initiator == MW_DIR_IN)
		snprintf(buf, len, "remote-opened: not blocked, the remote side opened the flow");
	else if (h->initiator == MW_DIR_OUT)
		snprintf(
			buf, len,
			"not host-opened: not blocked, the opening packet was not seen leaving the host");
	else
		snprintf(buf, len, "mid-stream: not blocked, the flow was first seen mid-stream");
	return false;
}

static const char *block_remote(struct mw_agent_blacklist *a, const struct hit *h, bool may_block)
{
	const struct mw_bl_list *l = &a->bl.lists[h->list];
	struct mw_block_req req = { .method = "BLACKLIST", .exact = true };
	char reason[MW_REASON_MAX];

	if (h->alert_only || !may_block || !a->cfg->bl_block || !a->policy)
		return "alert";
	snprintf(reason, sizeof(reason), "on list %s%s%.40s", l->used ? l->name : "?",
		 h->name ? " as " : "", h->name ? h->name : "");
	memcpy(&req.target.addr, h->key->remote_addr, sizeof(req.target.addr));
	req.target.len = 128;
	req.reason = reason;
	return mw_policy_block_detection(a->policy, &req);
}

/* @in with every byte outside printable ASCII replaced: list paths come
 * from the operator's files and requests, and must not break the JSON
 * (jansson refuses invalid UTF-8 and the event would be lost) or a log
 * line. */
static const char *printable(const char *in, char *out, size_t len)
{
	size_t i;

	for (i = 0; in[i] && i + 1 < len; i++)
		out[i] = (unsigned char)in[i] >= 0x20 && (unsigned char)in[i] < 0x7f ? in[i] : '?';
	out[i] = '\0';
	return out;
}

static void report(struct mw_agent_blacklist *a, const struct hit *h)
{
	const struct mw_flow_key *k = h->key;
	const struct mw_bl_list *l = &a->bl.lists[h->list < MW_BL_LISTS_MAX ? h->list : 0];
	char ts[40], local[MW_ADDRSTRLEN], remote[MW_ADDRSTRLEN], ifname[IF_NAMESIZE], pb[8];
	char evidence[128], path[PATH_MAX];
	const char *action;
	bool in = h->dir == MW_DIR_IN, may_block;
	json_t *ev, *detail;

	may_block = hit_evidence(h, evidence, sizeof(evidence));
	if (quiet(a, (const struct mw_addr *)k->remote_addr, may_block))
		return;
	a->detections++;
	action = block_remote(a, h, may_block);
	mw_addr_str((const struct mw_addr *)k->local_addr, local, sizeof(local));
	mw_addr_str((const struct mw_addr *)k->remote_addr, remote, sizeof(remote));
	detail = json_pack("{s:s, s:s, s:s, s:s, s:b, s:s}", "list", l->used ? l->name : "",
			   "list_file", printable(l->used ? l->path : "", path, sizeof(path)),
			   "match", h->match, "initiator",
			   h->initiator == MW_DIR_OUT ? "local" :
			   h->initiator == MW_DIR_IN  ? "remote" :
							"unknown",
			   "alert_only", h->alert_only, "evidence", evidence);
	/* names come normalised ([a-z0-9-_.]) from the DNS, TLS and list parsers */
	if (h->name)
		json_object_set_new(detail, "name", json_string(h->name));
	mw_eve_timestamp(ts, sizeof(ts));
	ev = json_pack("{s:s, s:s, s:s, s:s, s:s, s:i, s:s, s:i, s:s, s:s, s:s, s:o}", "timestamp",
		       ts, "event_type", "detection", "method", "BLACKLIST", "severity",
		       h->alert_only ? "medium" : "high", "src_ip", in ? remote : local, "src_port",
		       ntohs(in ? k->remote_port : k->local_port), "dest_ip", in ? local : remote,
		       "dest_port", ntohs(in ? k->local_port : k->remote_port), "proto",
		       mw_proto_name(k->proto, pb, sizeof(pb)), "in_iface",
		       if_indextoname(h->ifindex, ifname) ? ifname : "", "action", action, "detail",
		       detail);
	mw_eve_emit(a->eve, ev);
}

static void on_blacklist(void *arg, const struct mw_event_flow *ev)
{
	struct hit h = { .key = &ev->key,
			 .dir = ev->hdr.dir,
			 .initiator = ev->flow.initiator,
			 .host_opened = ev->flow.host_opened,
			 .handshake = ev->flow.handshake,
			 .ifindex = ev->hdr.ifindex,
			 .list = ev->flow.blacklist,
			 .alert_only = ev->flow.bl_flags & MW_BL_ALERT,
			 .match = ev->flow.bl_flags & MW_BL_LEARNED ? "dns" : "address" };
	struct mw_agent_blacklist *a = arg;
	const struct mw_bl_learned *l = NULL;

	if (ev->flow.bl_flags & MW_BL_LEARNED) {
		l = mw_bl_learned_find(&a->bl, (const struct mw_addr *)ev->key.remote_addr);
		h.name = l ? l->name : NULL;
	}
	report(a, &h);
}

/* The host connected before the agent learned the address from the answer
 * that preceded it: the datapath did not know yet, the agent does. */
static void on_new_public(void *arg, const struct mw_event_flow *ev)
{
	struct mw_agent_blacklist *a = arg;
	const struct mw_bl_learned *l;
	struct hit h = { .key = &ev->key,
			 .dir = ev->hdr.dir,
			 .initiator = ev->flow.initiator,
			 .host_opened = ev->flow.host_opened,
			 .handshake = ev->flow.handshake,
			 .ifindex = ev->hdr.ifindex,
			 .match = "dns" };

	if (ev->flow.blacklist)
		return;
	l = a->bl.n_learned ?
		    mw_bl_learned_find(&a->bl, (const struct mw_addr *)ev->key.remote_addr) :
		    NULL;
	if (!l) {
		struct mw_bl_recent_flow *r =
			&a->new_flows[a->new_flows_pos++ % ARRAY_SIZE(a->new_flows)];

		r->key = ev->key;
		r->seen_ns = mw_now_ns();
		r->ifindex = ev->hdr.ifindex;
		r->dir = ev->hdr.dir;
		r->initiator = ev->flow.initiator;
		r->host_opened = ev->flow.host_opened;
		r->handshake = ev->flow.handshake;
		return;
	}
	h.list = l->list;
	h.name = l->name;
	h.alert_only =
		mw_prefixes_contain(a->cfg->bl_alert_only, a->cfg->n_bl_alert_only, &l->addr);
	report(a, &h);
}

static bool is_resolver(const struct mw_agent_blacklist *a, const struct mw_addr *addr)
{
	size_t i;

	for (i = 0; i < a->n_resolvers; i++)
		if (!memcmp(&a->resolvers[i], addr, sizeof(*addr)))
			return true;
	return mw_prefixes_contain(a->cfg->bl_resolvers, a->cfg->n_bl_resolvers, addr);
}

/* Re-reads the resolvers, and says so when they changed: a host whose
 * resolv.conf names only a local forwarder learns nothing until its
 * upstreams are configured, and the operator must be able to see why. */
static void read_resolvers(struct mw_agent_blacklist *a)
{
	struct mw_addr r[ARRAY_SIZE(a->resolvers)];
	size_t n = mw_resolv_conf_read(a->resolv_conf, a->resolved_conf, r, ARRAY_SIZE(r)), i;
	char list[512] = "", buf[MW_ADDRSTRLEN];
	size_t off = 0;

	if (n == a->n_resolvers && !memcmp(r, a->resolvers, n * sizeof(r[0])))
		return;
	memcpy(a->resolvers, r, n * sizeof(r[0]));
	a->n_resolvers = n;
	for (i = 0; i < n && off < sizeof(list); i++)
		off += (size_t)snprintf(list + off, sizeof(list) - off, "%s%s", i ? ", " : "",
					mw_addr_str(&r[i], buf, sizeof(buf)));
	if (n || a->cfg->n_bl_resolvers)
		pr_info("blacklist: DNS answers are believed from %s%s%zu configured resolvers\n",
			n ? list : "", n ? " and " : "", (size_t)a->cfg->n_bl_resolvers);
	else
		pr_warn("blacklist: no resolver in %s nor in blacklist.resolvers: no DNS answer is learned\n",
			a->resolv_conf);
}

#define NEW_FLOW_RECENT_NS (10ULL * 1000000000ULL)

/* @l was just learned: a flow to it the host opened a moment ago (its
 * event read before the answer's peek) is a hit as well. */
static void learned_after_flow(struct mw_agent_blacklist *a, const struct mw_bl_learned *l)
{
	uint64_t now = mw_now_ns();
	size_t i;

	for (i = 0; i < ARRAY_SIZE(a->new_flows); i++) {
		struct mw_bl_recent_flow *r = &a->new_flows[i];
		struct hit h = { .key = &r->key,
				 .dir = r->dir,
				 .initiator = r->initiator,
				 .host_opened = r->host_opened,
				 .handshake = r->handshake,
				 .ifindex = r->ifindex,
				 .list = l->list,
				 .match = "dns",
				 .name = l->name };

		if (!r->seen_ns || now - r->seen_ns > NEW_FLOW_RECENT_NS ||
		    memcmp(r->key.remote_addr, &l->addr, sizeof(l->addr)))
			continue;
		r->seen_ns = 0;
		h.alert_only = mw_prefixes_contain(a->cfg->bl_alert_only, a->cfg->n_bl_alert_only,
						   &l->addr);
		report(a, &h);
	}
}

/* A query the host sent: remembered, so that its answer can be told from
 * a forged one. Only a flow the host opened carries the host's queries: a
 * "query" with one of our addresses as its source that arrived from
 * outside is someone setting up an answer of their own. */
static void note_query(struct mw_agent_blacklist *a, const struct mw_event_peek *ev)
{
	struct mw_dns_query q;

	if (!ev->host_opened || !is_resolver(a, (const struct mw_addr *)ev->key.remote_addr))
		return;
	if (mw_dns_parse_query(ev->data, ev->len, ev->key.proto == IPPROTO_TCP, &q))
		return;
	mw_dnsq_add(&a->queries, &ev->key, &q, mw_now_ns());
}

static void learn_one(struct mw_agent_blacklist *a, const struct mw_bl_name *match,
		      const char *qname, const struct mw_dns_addr *r)
{
	const struct mw_addr *addr = &r->addr;
	uint64_t ttl_ms = (uint64_t)r->ttl * 1000;
	char buf[MW_ADDRSTRLEN];
	const struct mw_bl_learned *l;
	int ret;

	if (is_protected(a, addr)) {
		a->dns_refused_allowed++;
		pr_warn("blacklist %s: %s resolves to %s, which is never blocked: not learned\n",
			a->bl.lists[match->list].name, match->name,
			mw_addr_str(addr, buf, sizeof(buf)));
		return;
	}
	if (ttl_ms < a->cfg->bl_ttl_min_ms)
		ttl_ms = a->cfg->bl_ttl_min_ms;
	if (ttl_ms > a->cfg->bl_ttl_max_ms)
		ttl_ms = a->cfg->bl_ttl_max_ms;
	ret = mw_bl_learn(&a->bl, addr, match->list, qname, mw_now_ns() + ttl_ms * 1000000ULL,
			  forget, a);
	if (ret == -ENOSPC)
		pr_debug("blacklist: %s already has %zu learned addresses: %s not learned\n", qname,
			 a->bl.learned_per_name, mw_addr_str(addr, buf, sizeof(buf)));
	if (ret <= 0)
		return;
	l = mw_bl_learned_find(&a->bl, addr);
	ret = mw_blacklist_maps_learn(&a->k, l,
				      mw_prefixes_contain(a->cfg->bl_alert_only,
							  a->cfg->n_bl_alert_only, addr) ?
					      MW_BL_ALERT :
					      0);
	if (ret)
		pr_warn("blacklist: cannot add %s to the kernel: %s\n",
			mw_addr_str(addr, buf, sizeof(buf)), strerror(-ret));
	a->learned++;
	pr_info("blacklist %s: learned %s for %s (listed as %s) for %llus\n",
		a->bl.lists[match->list].name, mw_addr_str(addr, buf, sizeof(buf)), qname,
		match->name, (unsigned long long)(ttl_ms / 1000));
	learned_after_flow(a, l);
}

/*
 * An answer is learned only when it answers a query the host sent to one of
 * its resolvers (same flow, ID and question: see detect/dnsq.h), and only
 * the A/AAAA records whose owner is on the question's CNAME chain; one name
 * on that chain must be listed. The verification comes first and does not
 * depend on any list: DIRNET learns its allowed names' addresses from the
 * same verified answers (on_answer), lists or none.
 */
static void learn_answer(struct mw_agent_blacklist *a, const struct mw_event_peek *ev)
{
	const struct mw_bl_name *match = NULL;
	bool chain[MW_DNS_MAX_NAMES];
	struct mw_dns_msg msg;
	unsigned i;

	if (mw_dns_parse(ev->data, ev->len, ev->key.proto == IPPROTO_TCP, &msg))
		return;
	if (!is_resolver(a, (const struct mw_addr *)ev->key.remote_addr)) {
		a->dns_not_resolver++;
		return;
	}
	if (mw_dnsq_answer(&a->queries, &ev->key, &msg, mw_now_ns()))
		return;
	if (!mw_dns_chain(&msg, chain))
		return;
	if (a->on_answer)
		a->on_answer(a->on_answer_arg, &msg, chain, mw_now_ns());
	for (i = 0; i < msg.n_names && !match; i++)
		if (chain[i])
			match = mw_bl_match_name(&a->bl, msg.names[i]);
	if (!match)
		return;
	for (i = 0; i < msg.n_addrs; i++)
		if (msg.addrs[i].owner < MW_DNS_MAX_NAMES && chain[msg.addrs[i].owner])
			learn_one(a, match, msg.question, &msg.addrs[i]);
}

static void match_sni(struct mw_agent_blacklist *a, const struct mw_event_peek *ev)
{
	const struct mw_bl_name *match;
	char sni[MW_NAME_MAX];
	struct hit h = { .key = &ev->key,
			 .dir = ev->hdr.dir,
			 .initiator = ev->initiator,
			 .host_opened = ev->host_opened,
			 .handshake = ev->handshake,
			 .ifindex = ev->hdr.ifindex,
			 .match = "sni" };
	int err = mw_reasm_tls(&a->tls, ev, mw_now_ns(), sni);

	/* the host's ClientHello whose first part is gone (a flood took its
	 * slot): its SNI, when this piece holds it */
	if (err == -EINVAL && ev->cont && ev->host_opened)
		err = mw_tls_sni_scan(ev->data, ev->len, sni);
	if (err)
		return;
	match = mw_bl_match_name(&a->bl, sni);
	if (!match)
		return;
	a->sni_matches++;
	h.list = match->list;
	h.name = sni;
	h.alert_only = mw_prefixes_contain(a->cfg->bl_alert_only, a->cfg->n_bl_alert_only,
					   (const struct mw_addr *)ev->key.remote_addr);
	report(a, &h);
}

static void on_peek(void *arg, const struct mw_event_peek *ev)
{
	struct mw_agent_blacklist *a = arg;

	if (ev->key.remote_port == htons(53) &&
	    (ev->key.proto == IPPROTO_UDP || ev->key.proto == IPPROTO_TCP)) {
		if (ev->hdr.dir == MW_DIR_OUT)
			note_query(a, ev);
		else
			learn_answer(a, ev);
		return;
	}
	/* a ClientHello starts one of the host's first data packets (the
	 * first, or after a proxy's CONNECT); the datapath copies what
	 * follows of it (cont) on flows the host opened */
	if (ev->key.proto == IPPROTO_TCP && ev->hdr.dir == MW_DIR_OUT && ev->len > 0 &&
	    (ev->cont || ev->data[0] == 0x16))
		match_sni(a, ev);
}

/* A ClientHello still awaited when its flow ends never completes: its
 * record goes soon after. */
static void on_flow_end(void *arg, const struct mw_event_flow *ev)
{
	struct mw_agent_blacklist *a = arg;

	if (ev->key.proto == IPPROTO_TCP && ev->flow.host_opened)
		mw_reasm_forget(&a->tls, &ev->key, mw_now_ns());
}

/* --- life cycle ---------------------------------------------------------- */

int mw_agent_blacklist_init(struct mw_agent_blacklist *a, const struct mw_env *env)
{
	const struct mw_config *cfg = env->cfg;
	struct minewall_bpf *skel = env->loader->skel;
	struct mw_event_sink sink = { .blacklist = on_blacklist,
				      .new_public = on_new_public,
				      .peek = on_peek,
				      .flow_end = on_flow_end,
				      .arg = a };
	int err;

	memset(a, 0, sizeof(*a));
	a->cfg = cfg;
	a->policy = env->policy;
	a->allow = env->allow;
	a->eve = env->eve;
	mw_bl_init(&a->bl);
	a->resolv_conf = MW_RESOLV_CONF;
	a->resolved_conf = MW_RESOLVED_CONF;
	read_resolvers(a);
	err = mw_dnsq_init(&a->queries, MW_DNSQ_CAP_DEFAULT, MW_DNSQ_TTL_DEFAULT_NS);
	if (!err)
		err = mw_reasm_init(&a->tls, MW_REASM_FLOWS, MW_REASM_TTL_NS);
	if (!err)
		err = mw_bl_learned_limits(&a->bl, cfg->bl_learned_max, 0);
	if (err)
		return err;
	snprintf(a->state_path, sizeof(a->state_path), "%s/blacklists", cfg->state_dir);
	err = mw_blacklist_maps_open(&a->k, skel->obj, &skel->bss->mw_bl_entries);
	a->k.learned_room = a->bl.learned_max;
	if (err) {
		pr_warn("blacklist maps missing from the BPF object\n");
		return err;
	}
	a->enforce = &skel->bss->mw_bl_enforce;
	*a->enforce = cfg->bl_block && !cfg->dry_run;
	load_all(a);
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
	mw_reasm_free(&a->tls);
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
	load_all(a);
	return mw_agent_blacklist_apply(a);
}

static void expired(void *arg, const struct mw_bl_learned *l)
{
	char buf[MW_ADDRSTRLEN];

	forget(arg, l);
	pr_debug("blacklist: %s (%s) expired\n", mw_addr_str(&l->addr, buf, sizeof(buf)), l->name);
}

void mw_agent_blacklist_tick(struct mw_agent_blacklist *a, uint64_t now_ns)
{
	mw_bl_expire(&a->bl, now_ns, expired, a);
	mw_dnsq_expire(&a->queries, now_ns);
	mw_reasm_expire(&a->tls, now_ns);
	read_resolvers(a);
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

/* --- control ------------------------------------------------------------- */

static json_t *list_lists(struct mw_agent_blacklist *a)
{
	static uint64_t hits[MW_BL_LISTS_MAX];
	json_t *arr = json_array(), *dns;
	unsigned id;

	if (mw_blacklist_maps_hits(&a->k, hits))
		memset(hits, 0, sizeof(hits));
	for (id = 1; id < MW_BL_LISTS_MAX; id++) {
		const struct mw_bl_list *l = &a->bl.lists[id];

		if (!l->used)
			continue;
		json_array_append_new(
			arr,
			json_pack(
				"{s:i, s:s, s:s, s:s, s:I, s:i, s:i, s:i, s:i, s:i, s:i, s:i, s:i, s:I, s:I}",
				"id", (int)id, "name", l->name, "path", l->path, "source",
				l->runtime ? "runtime" : "config", "loaded",
				(json_int_t)l->loaded_s, "prefixes", (int)l->rep.prefixes, "names",
				(int)l->rep.domains, "malformed", (int)l->rep.malformed,
				"unsupported", (int)l->rep.unsupported, "never_blocked",
				(int)l->effect.protected_whole, "partly_never_blocked",
				(int)l->effect.protected_part, "alert_only",
				(int)l->effect.alert_only, "duplicates", (int)l->effect.duplicates,
				"learned", (json_int_t)l->learned, "hits", (json_int_t)hits[id]));
	}
	/* how DNS answers fared: what was learned, and what was refused why */
	dns = json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "queries",
			(json_int_t)a->queries.queries, "pending", (json_int_t)a->queries.n,
			"answered", (json_int_t)a->queries.answered, "unsolicited",
			(json_int_t)a->queries.unsolicited, "wrong_question",
			(json_int_t)a->queries.wrong_question, "not_from_resolver",
			(json_int_t)a->dns_not_resolver, "queries_evicted",
			(json_int_t)a->queries.evicted, "learned_allowlisted",
			(json_int_t)a->dns_refused_allowed, "learned_evicted",
			(json_int_t)a->bl.learned_evicted, "learned_refused_per_name",
			(json_int_t)a->bl.learned_refused, "resolvers",
			(json_int_t)a->n_resolvers + (json_int_t)a->cfg->n_bl_resolvers);
	return json_pack("{s:o, s:I, s:I, s:I, s:I, s:I, s:I, s:o}", "lists", arr, "ipv4_prefixes",
			 (json_int_t)a->k.n_v4, "ipv6_prefixes", (json_int_t)a->k.n_v6,
			 "learned_now", (json_int_t)a->bl.n_learned, "learned_max",
			 (json_int_t)a->bl.learned_max, "build_ms", (json_int_t)a->build_ms,
			 "detections", (json_int_t)a->detections, "dns", dns);
}

static json_t *test_addr(struct mw_agent_blacklist *a, const struct mw_addr *addr, uint16_t port)
{
	char buf[MW_ADDRSTRLEN];
	const struct mw_bl_learned *learned = mw_bl_learned_find(&a->bl, addr);
	const struct mw_bl_entry *e;
	struct mw_bl_value v;
	json_t *r = json_object();
	uint16_t list = 0;

	json_object_set_new(r, "target", json_string(mw_addr_str(addr, buf, sizeof(buf))));
	e = mw_bl_match_addr(&a->bl, addr, port, &list);
	if (e) {
		json_object_set_new(r, "list", json_string(a->bl.lists[list].name));
		json_object_set_new(r, "entry",
				    json_string(mw_prefix_str(&e->prefix, buf, sizeof(buf))));
		if (e->port)
			json_object_set_new(r, "port", json_integer(e->port));
		json_object_set_new(r, "file", json_string(a->bl.lists[list].path));
		json_object_set_new(r, "line", json_integer(e->line));
	}
	if (learned) {
		json_object_set_new(r, "learned_for", json_string(learned->name));
		json_object_set_new(r, "learned_list",
				    json_string(a->bl.lists[learned->list].name));
		json_object_set_new(r, "learned_expires_s",
				    json_integer((json_int_t)((learned->expires_ns - mw_now_ns()) /
							      1000000000ULL)));
	}
	json_object_set_new(r, "never_blocked", json_boolean(is_protected(a, addr)));
	if (!mw_blacklist_maps_lookup(&a->k, addr, &v)) {
		json_t *ports = json_array();
		unsigned i;

		for (i = 0; i < v.nports && i < MW_BL_PORTS; i++)
			json_array_append_new(ports, json_integer(ntohs(v.ports[i])));
		json_object_set_new(r, "kernel",
				    json_pack("{s:s, s:b, s:b, s:o}", "list",
					      a->bl.lists[v.list].used ? a->bl.lists[v.list].name :
									 "?",
					      "alert_only", (v.flags & MW_BL_ALERT) != 0, "learned",
					      (v.flags & MW_BL_LEARNED) != 0, "ports", ports));
	}
	json_object_set_new(r, "listed", json_boolean(e || learned));
	return r;
}

static json_t *test_name(struct mw_agent_blacklist *a, const char *name)
{
	const struct mw_bl_name *n = mw_bl_match_name(&a->bl, name);
	json_t *r = json_pack("{s:s, s:b}", "target", name, "listed", n != NULL);
	json_t *addrs = json_array();
	char buf[MW_ADDRSTRLEN];
	size_t i;

	if (n) {
		json_object_set_new(r, "list", json_string(a->bl.lists[n->list].name));
		json_object_set_new(r, "entry", json_string(n->name));
		json_object_set_new(r, "subdomains", json_boolean(n->subdomains));
		json_object_set_new(r, "file", json_string(a->bl.lists[n->list].path));
		json_object_set_new(r, "line", json_integer(n->line));
	}
	for (i = 0; i < a->bl.n_learned; i++)
		if (!strcmp(a->bl.learned[i].name, name))
			json_array_append_new(addrs, json_string(mw_addr_str(&a->bl.learned[i].addr,
									     buf, sizeof(buf))));
	json_object_set_new(r, "learned", addrs);
	return r;
}

static json_t *do_test(struct mw_agent_blacklist *a, json_t *req, char *err, size_t len)
{
	const char *target = json_string_value(json_object_get(req, "target"));
	json_int_t port = json_integer_value(json_object_get(req, "port"));
	char name[MW_NAME_MAX];
	struct mw_addr addr;

	if (!target) {
		snprintf(err, len, "blacklist_test needs \"target\": an address or a host name");
		return NULL;
	}
	if (port < 0 || port > 65535) {
		snprintf(err, len, "port %lld is not 0 to 65535", (long long)port);
		return NULL;
	}
	if (!mw_addr_parse(target, &addr))
		return test_addr(a, &addr, (uint16_t)port);
	if (mw_name_normalise(target, strlen(target), name)) {
		snprintf(err, len, "'%.64s' is neither an address nor a host name", target);
		return NULL;
	}
	return test_name(a, name);
}

static json_t *do_load(struct mw_agent_blacklist *a, json_t *req, char *err, size_t len)
{
	json_t *files = json_object_get(req, "files"), *results = json_array(), *f;
	const char *name = json_string_value(json_object_get(req, "name"));
	size_t i, loaded = 0;

	if (!json_is_array(files) || !json_array_size(files)) {
		snprintf(err, len, "blacklist_load needs \"files\": a list of absolute paths");
		json_decref(results);
		return NULL;
	}
	if (name && json_array_size(files) != 1) {
		snprintf(err, len, "\"name\" names one file, not %zu", json_array_size(files));
		json_decref(results);
		return NULL;
	}
	json_array_foreach(files, i, f)
	{
		const char *path = json_string_value(f);
		char *msgs = NULL;
		size_t mlen = 0;
		FILE *m = open_memstream(&msgs, &mlen);
		int id = -EINVAL;

		if (path && path[0] == '/' && m)
			id = mw_bl_load(&a->bl, name, path, true, m);
		else if (m)
			fprintf(m, "%s: not an absolute path\n", path ? path : "(not a string)");
		if (m)
			fclose(m);
		if (msgs && *msgs)
			pr_warn("%s", msgs);
		if (id > 0) {
			const struct mw_bl_list *l = &a->bl.lists[id];

			loaded++;
			json_array_append_new(
				results,
				json_pack("{s:s, s:s, s:i, s:i, s:i, s:i, s:s}", "file", path,
					  "name", l->name, "prefixes", (int)l->rep.prefixes,
					  "names", (int)l->rep.domains, "malformed",
					  (int)l->rep.malformed, "unsupported",
					  (int)l->rep.unsupported, "messages", msgs ? msgs : ""));
		} else {
			json_array_append_new(results,
					      json_pack("{s:s, s:s, s:s}", "file", path ? path : "",
							"error", strerror(-id), "messages",
							msgs ? msgs : ""));
		}
		free(msgs);
	}
	if (loaded) {
		int ret = save_runtime_lists(a);

		if (ret)
			pr_warn("cannot save %s: %s\n", a->state_path, strerror(-ret));
		mw_agent_blacklist_apply(a);
	}
	return json_pack("{s:o, s:I, s:I, s:I}", "results", results, "ipv4_prefixes",
			 (json_int_t)a->k.n_v4, "ipv6_prefixes", (json_int_t)a->k.n_v6, "build_ms",
			 (json_int_t)a->build_ms);
}

static json_t *do_unload(struct mw_agent_blacklist *a, json_t *req, char *err, size_t len)
{
	const char *name = json_string_value(json_object_get(req, "name"));
	int ret;

	if (!name) {
		snprintf(err, len, "blacklist_unload needs \"name\"");
		return NULL;
	}
	if (mw_bl_unload(&a->bl, name)) {
		snprintf(err, len, "no list named '%.64s'", name);
		return NULL;
	}
	ret = save_runtime_lists(a);
	if (ret)
		pr_warn("cannot save %s: %s\n", a->state_path, strerror(-ret));
	mw_agent_blacklist_apply(a);
	return json_pack("{s:s, s:s}", "result", "unloaded", "name", name);
}

json_t *mw_agent_blacklist_control(struct mw_agent_blacklist *a, const char *cmd, json_t *req,
				   char *err, size_t len)
{
	if (!strcmp(cmd, "blacklist_list"))
		return list_lists(a);
	if (!strcmp(cmd, "blacklist_test"))
		return do_test(a, req, err, len);
	if (!strcmp(cmd, "blacklist_load"))
		return do_load(a, req, err, len);
	if (!strcmp(cmd, "blacklist_unload"))
		return do_unload(a, req, err, len);
	snprintf(err, len, "unknown command '%.64s'", cmd);
	return NULL;
}
