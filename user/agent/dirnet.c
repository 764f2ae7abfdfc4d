// SPDX-License-Identifier: GPL-2.0-only
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "agent/dirnet.h"
#include "agent/env.h"
#include "agent/loader.h"
#include "lib/flowtable.h"
#include "lib/log.h"
#include "lib/statefile.h"
#include "parse/ntp_conf.h"
#include "agent/nat_view.h"
#include "agent/process.h"
#include "agent/tls_hello.h"
#include "detect/evidence.h"
#include "lib/util.h"
#include "parse/stratum.h"

#define SAVE_EVERY_NS (5ULL * 1000000000ULL)
#define NTP_PORT 123
#define HTTPS_PORT 443
#define DOT_PORT 853
#define TLS_HANDSHAKE 0x16

/* NTP servers the host's time daemon uses: names or addresses on port 123.
 * systemd-timesyncd with no NTP= line uses its built-in Debian pool. */
static const char *const ntp_files[] = {
	"/etc/chrony/chrony.conf",
	"/etc/chrony.conf",
	"/etc/ntp.conf",
	"/etc/ntpsec/ntp.conf",
	"/etc/systemd/timesyncd.conf",
	NULL,
};

static void add_rule(struct mw_agent_dirnet *a, const char *text, const char *where)
{
	struct mw_dirnet_allow r;

	if (mw_dirnet_allow_parse(text, &r)) {
		pr_warn("%s: '%s' is not ADDR[/LEN][:PORT], [IPV6]:PORT, NAME[:PORT], *.NAME or *:PORT; ignored\n",
			where, text);
		return;
	}
	mw_dirnet_allow_add(&a->d, &r);
}

static void add_ntp(struct mw_agent_dirnet *a)
{
	char line[512], rule[MW_NAME_MAX + 8];
	const char *servers[MW_NTP_CONF_MAX];
	unsigned i, k, n;
	bool any = false;

	for (i = 0; ntp_files[i]; i++) {
		FILE *f = fopen(ntp_files[i], "r");

		if (!f)
			continue;
		while (fgets(line, sizeof(line), f)) {
			n = mw_ntp_conf_line(line, servers);
			for (k = 0; k < n; k++) {
				snprintf(rule, sizeof(rule), "%s:%d", servers[k], NTP_PORT);
				add_rule(a, rule, ntp_files[i]);
				any = true;
			}
		}
		fclose(f);
	}
	if (!any) /* timesyncd's compiled-in default on Debian */
		add_rule(a, "*.debian.pool.ntp.org:123", "ntp default");
}

static void set_rules(struct mw_agent_dirnet *a)
{
	char buf[PATH_MAX], *save = NULL, *tok;

	mw_dirnet_allow_clear(&a->d);
	snprintf(buf, sizeof(buf), "%s", a->cfg->dn_allow);
	for (tok = strtok_r(buf, ", \t", &save); tok; tok = strtok_r(NULL, ", \t", &save))
		add_rule(a, tok, "dirnet.allow");
	add_ntp(a);
}

static void set_cfg(struct mw_agent_dirnet *a)
{
	unsigned i;

	a->d.cfg.n_sensitive = 0;
	for (i = 0; i < a->cfg->dn_sensitive_ports.n; i++)
		a->d.cfg.sensitive_ports[a->d.cfg.n_sensitive++] =
			a->cfg->dn_sensitive_ports.port[i];
	/* the pool ports of BPATTERNS count as well */
	for (i = 0; i < a->cfg->bp_pool_ports.n && a->d.cfg.n_sensitive < 64; i++)
		a->d.cfg.sensitive_ports[a->d.cfg.n_sensitive++] = a->cfg->bp_pool_ports.port[i];
	a->d.cfg.fanout = (unsigned)a->cfg->dn_fanout;
	/* an answer's TTL is the resolver's word: a day at most by default,
	 * as for the blacklist's learned addresses */
	a->d.cfg.ttl_max_s = (uint32_t)(a->cfg->bl_ttl_max_ms / 1000);
	if (a->d.cfg.ttl_max_s < a->d.cfg.ttl_min_s)
		a->d.cfg.ttl_max_s = a->d.cfg.ttl_min_s;
}

static bool is_resolver(const struct mw_agent_dirnet *a, const struct mw_addr *dst)
{
	size_t i;

	if (!a->allow)
		return false;
	for (i = 0; i < a->allow->n; i++)
		if (a->allow->e[i].source == MW_ALLOW_RESOLVER &&
		    mw_prefix_contains(&a->allow->e[i].prefix, dst))
			return true;
	return false;
}

static int write_baseline(FILE *f, void *arg)
{
	json_t *j = mw_dirnet_baseline_json(arg);
	int ret = j ? json_dumpf(j, f, JSON_INDENT(1)) : -1;

	json_decref(j);
	return ret ? -ENOMEM : 0;
}

static int save(struct mw_agent_dirnet *a)
{
	int err = mw_statefile_write(a->path, write_baseline, &a->d);

	if (err) {
		pr_warn("cannot save %s: %s\n", a->path, strerror(-err));
		return err;
	}
	a->d.dirty = false;
	return 0;
}

/*
 * The baseline a connection is judged against, in @buf: a host process's
 * own name; a container's process's after its container's image (its name,
 * or its id, when the image is unknown), so that what one image does never
 * covers what another does, nor what the host does.
 */
static const char *who_of(const struct mw_process *p, char *buf, size_t len)
{
	const struct mw_container *ct = &p->ct;

	if (!p->in_container)
		return p->comm;
	snprintf(buf, len, "[%.120s] %s",
		 ct->image[0] ? ct->image :
		 ct->name[0]  ? ct->name :
				ct->id,
		 p->comm);
	return buf;
}

/* What DIRNET knows of a flow when it judges it. */
struct facts {
	const struct mw_tls_hello *hello; /* its ClientHello, or NULL */
	const struct mw_doh_entry *doh; /* the DoH endpoint it reaches, or NULL */
	const char *doh_by; /* "sni" or "address" */
	const char *not_service; /* mw_dirnet_exe_odd's reason, or NULL */
	bool stratum, blacklisted;
};

static const char *reason_of(const struct mw_agent_dirnet *a, const struct mw_dirnet_verdict *v)
{
	if (v->doh)
		return "DNS over HTTPS by a process that is no browser";
	if (v->while_learning)
		return "while learning: what learning never silences";
	return a->d.learned ? "not in the learned baseline" : "not an expected destination";
}

/* The detail's words on what made it worse than an ordinary new destination. */
static void add_facts(const struct mw_agent_dirnet *a, json_t *detail,
		      const struct mw_dirnet_verdict *v, const struct facts *f)
{
	char buf[PATH_MAX + 16], ep[MW_NAME_MAX + 16];

	if (f->hello) {
		json_object_set_new(detail, "sni",
				    f->hello->has_sni ? json_string(f->hello->sni) : json_null());
		if (f->hello->ja4[0])
			json_object_set_new(detail, "ja4", json_string(f->hello->ja4));
	}
	if (v->port_name)
		json_object_set_new(detail, "port_service", json_string(v->port_name));
	if (v->while_learning)
		json_object_set_new(detail, "learning", json_true());
	if (f->not_service)
		json_object_set_new(detail, "not_a_service", json_string(f->not_service));
	if (f->stratum)
		json_object_set_new(detail, "stratum", json_true());
	if (f->blacklisted)
		json_object_set_new(detail, "blacklisted", json_true());
	if (f->doh) {
		snprintf(buf, sizeof(buf), "%s:%u", a->doh.lists[f->doh->list], f->doh->line);
		json_object_set_new(detail, "doh",
				    json_pack("{s:s, s:s, s:s}", "endpoint",
					      mw_doh_entry_str(f->doh, ep, sizeof(ep)), "by",
					      f->doh_by, "list", buf));
	}
}

static void report(struct mw_agent_dirnet *a, const struct mw_event_flow *ev,
		   const struct mw_dirnet_verdict *v, enum mw_evidence evid,
		   const struct mw_process *proc, bool have_proc, const struct facts *f)
{
	const struct mw_flow_key *k = &ev->key;
	const struct mw_addr *local = (const struct mw_addr *)k->local_addr,
			     *remote = (const struct mw_addr *)k->remote_addr;
	char remote_str[MW_ADDRSTRLEN], pb[8];
	const char *action = "alert";
	json_t *detail, *e;

	a->detections++;
	/* a destination is blocked only for a flow the host itself opened: a
	 * packet from the wire that claims the host's address proves nothing */
	if (a->cfg->dn_block && a->policy && mw_evidence_host_opened(evid)) {
		struct mw_block_req req = { .method = "DIRNET", .exact = true };
		char reason[MW_REASON_MAX];
		struct mw_ct_scope sc;

		snprintf(reason, sizeof(reason), "new outbound destination%s%s",
			 have_proc ? " of " : "", have_proc ? proc->comm : "");
		memcpy(&req.target.addr, k->remote_addr, sizeof(req.target.addr));
		req.target.len = 128;
		req.reason = reason;
		if (a->cfg->ct_block_scope == MW_SCOPE_CONTAINER)
			req.container = mw_nat_view_scope(a->nat, ev->hdr.ifindex, k,
							  have_proc ? proc : NULL, &sc);
		action = mw_policy_block_detection(a->policy, &req);
	}
	detail = json_pack("{s:s, s:s, s:b, s:b, s:b, s:b, s:i, s:o}", "reason", reason_of(a, v),
			   "evidence", mw_evidence_name(evid), "verified",
			   mw_evidence_verified(evid), "sensitive_port", v->sensitive_port,
			   "new_process", v->new_process, "baseline", a->d.learned,
			   "new_destinations_last_minute", (int)v->recent_new, "process",
			   have_proc ? mw_process_json(proc) : json_null());
	if (detail)
		add_facts(a, detail, v, f);
	if (detail && a->unverified.suppressed) {
		json_object_set_new(detail, "unverified_suppressed",
				    json_integer((json_int_t)a->unverified.suppressed));
		a->unverified.suppressed = 0;
	}
	mw_nat_view_annotate(a->nat, ev->hdr.ifindex, k, detail);
	e = mw_eve_detection(&(struct mw_eve_rec){
		.method = "DIRNET",
		.severity = v->severity,
		.src = local,
		.src_port = ntohs(k->local_port),
		.dst = remote,
		.dest_port = ntohs(k->remote_port),
		.proto = mw_flowtable_proto_name(k->proto, pb, sizeof(pb)),
		.ifindex = ev->hdr.ifindex,
		.action = action,
		.detail = detail,
	});
	if (!e)
		pr_warn("dirnet: cannot build the event for %s (out of memory)\n",
			mw_addr_str(remote, remote_str, sizeof(remote_str)));
	mw_eve_emit(a->eve, e);
}

/* The DoH endpoint a TCP flow of @proc reaches: by the server its
 * ClientHello names, else by address; none for a browser. */
static void find_doh(const struct mw_agent_dirnet *a, const struct mw_event_flow *ev,
		     const struct mw_process *proc, struct facts *f)
{
	uint16_t port = ntohs(ev->key.remote_port);

	if (ev->key.proto != IPPROTO_TCP || (port != HTTPS_PORT && port != DOT_PORT) || !a->doh.n ||
	    mw_doh_client(a->cfg->dn_doh_clients, proc->exe, proc->comm))
		return;
	if (f->hello && f->hello->has_sni) {
		f->doh = mw_doh_find_name(&a->doh, f->hello->sni);
		f->doh_by = "sni";
	}
	if (!f->doh) {
		f->doh = mw_doh_find_addr(&a->doh, (const struct mw_addr *)ev->key.remote_addr,
					  port);
		f->doh_by = "address";
	}
}

/* Judges @ev now, with its ClientHello @hello (or NULL) and whether the
 * host's first message on it spoke Stratum. */
static void judge_now(struct mw_agent_dirnet *a, const struct mw_event_flow *ev,
		      const struct mw_tls_hello *hello, bool stratum)
{
	const struct mw_addr *dst = (const struct mw_addr *)ev->key.remote_addr;
	enum mw_evidence evid = mw_evidence_of(ev->key.proto, ev->flow.initiator,
					       ev->flow.handshake, ev->flow.host_opened);
	struct facts f = { .hello = hello, .stratum = stratum, .blacklisted = ev->flow.blacklist };
	struct mw_dirnet_flow df = { .dst = dst, .port = ntohs(ev->key.remote_port), .comm = "" };
	struct mw_dirnet_verdict v;
	struct mw_process proc;
	char who[MW_DIRNET_COMM];
	bool have_proc = false;

	if (!mw_evidence_host_opened(evid)) {
		/* a frame from the wire with the host's address as source (a
		 * replay, a spoof): never learned into the baseline, never
		 * blocked, reported at a bounded rate (below) */
		df.unverified = true;
	} else {
		have_proc = !mw_process_lookup(a->owner_fd, ev->flow.sock_cookie, &proc);
	}
	if (have_proc) {
		df.comm = who_of(&proc, who, sizeof(who));
		f.not_service = mw_dirnet_exe_odd(proc.exe);
		find_doh(a, ev, &proc, &f);
	}
	df.not_service = f.not_service;
	df.doh = f.doh ? "doh" : NULL;
	df.mining = f.stratum || f.blacklisted;
	mw_dirnet_judge(&a->d, &df, mw_now_ns(), time(NULL), &v);
	if (v.report && df.unverified &&
	    !mw_report_limit_take(&a->unverified, MW_DIRNET_UNVERIFIED_PER_MIN, mw_now_ns()))
		return;
	if (v.report)
		report(a, ev, &v, evid, &proc, have_proc, &f);
}

/* A TCP flow the host opened waits for its ClientHello; the rest, and
 * everything when the table is full, is judged at once. */
static void judge(struct mw_agent_dirnet *a, const struct mw_event_flow *ev)
{
	const struct mw_addr *dst = (const struct mw_addr *)ev->key.remote_addr;
	const struct mw_tls_hello *h = NULL;

	if (!a->cfg->dn_enable || is_resolver(a, dst))
		return;
	/* a container's connection NATed on the uplink: judged as the
	 * container's, on its veth */
	if (a->nat && mw_nat_view_is_twin(a->nat, ev->hdr.ifindex, &ev->key, ev->flow.sock_cookie,
					  ev->flow.host_opened))
		return;
	if (ev->key.proto == IPPROTO_TCP && ev->flow.host_opened && a->cfg->dn_hello_wait_ms) {
		h = a->hello ? mw_agent_tls_hello_find(a->hello, &ev->key) : NULL;
		if (!h) {
			int ret = mw_flow_wait_add(
				a->wait, ev, mw_now_ns() + a->cfg->dn_hello_wait_ms * 1000000ULL);

			if (!ret) {
				a->waited++;
				return;
			}
			if (ret == -ENOSPC)
				a->wait_full++;
		}
	}
	judge_now(a, ev, h, false);
}

/* Judges the waiting flows whose time is up (all of them at UINT64_MAX). */
static void judge_due(struct mw_agent_dirnet *a, uint64_t now_ns)
{
	struct mw_flow_wait_entry e;

	while (mw_flow_wait_due(a->wait, now_ns, &e))
		judge_now(a, &e.ev, a->hello ? mw_agent_tls_hello_find(a->hello, &e.ev.key) : NULL,
			  false);
}

static void on_hello(void *arg, const struct mw_tls_hello *h)
{
	struct mw_agent_dirnet *a = arg;
	struct mw_flow_wait_entry *w = mw_flow_wait_find(a->wait, &h->key), e;

	/* only the host's own ClientHello on the flow it opened */
	if (!w || !h->host_opened || h->dir != MW_DIR_OUT)
		return;
	mw_flow_wait_take(a->wait, w, &e);
	judge_now(a, &e.ev, h, false);
}

/* The host's first message on a waiting flow: a ClientHello is worth the
 * wait; anything else (Stratum, HTTP...) has said what it is. */
static void on_peek(void *arg, const struct mw_event_peek *ev)
{
	struct mw_agent_dirnet *a = arg;
	struct mw_flow_wait_entry *w, e;
	struct mw_stratum st;

	if (!a->wait->waiting || ev->hdr.dir != MW_DIR_OUT || ev->cont || !ev->len ||
	    ev->len > sizeof(ev->data))
		return;
	w = mw_flow_wait_find(a->wait, &ev->key);
	if (!w || ev->data[0] == TLS_HANDSHAKE)
		return;
	mw_flow_wait_take(a->wait, w, &e);
	judge_now(a, &e.ev, NULL, mw_stratum_match(ev->data, ev->len, &st) == 1);
}

static void on_flow_end(void *arg, const struct mw_event_flow *ev)
{
	struct mw_agent_dirnet *a = arg;
	struct mw_flow_wait_entry *w = mw_flow_wait_find(a->wait, &ev->key), e;

	if (!w)
		return;
	mw_flow_wait_take(a->wait, w, &e);
	judge_now(a, &e.ev, a->hello ? mw_agent_tls_hello_find(a->hello, &e.ev.key) : NULL, false);
}

/*
 * New flows are judged once the payload copies read in the same round are:
 * those come from a ring of their own, read after the flow events, and the
 * DNS answer that made a destination expected (a name in dirnet.allow)
 * arrived before the flow it led to.
 */
static void on_new_public(void *arg, const struct mw_event_flow *ev)
{
	struct mw_agent_dirnet *a = arg;

	if (!a->cfg->dn_enable)
		return;
	if (a->n_pending == MW_DIRNET_PENDING_MAX)
		mw_agent_dirnet_flush(a);
	a->pending[a->n_pending++] = *ev;
}

void mw_agent_dirnet_flush(struct mw_agent_dirnet *a)
{
	unsigned i;

	for (i = 0; i < a->n_pending; i++)
		judge(a, &a->pending[i]);
	a->n_pending = 0;
	judge_due(a, mw_now_ns());
}

void mw_agent_dirnet_drain(struct mw_agent_dirnet *a)
{
	mw_agent_dirnet_flush(a);
	judge_due(a, UINT64_MAX);
}

int mw_agent_dirnet_use_tls_hello(struct mw_agent_dirnet *a, struct mw_agent_tls_hello *t)
{
	a->hello = t;
	return mw_agent_tls_hello_subscribe(t, on_hello, a);
}

static void load_doh(struct mw_agent_dirnet *a)
{
	if (mw_agent_dirnet_doh_load(&a->doh, a->cfg->dn_doh_lists, stderr))
		pr_warn("dirnet: some DoH lists could not be read (above); %zu endpoints known\n",
			a->doh.n);
}

void mw_agent_dirnet_dns_answer(struct mw_agent_dirnet *a, const struct mw_dns_msg *msg,
				const bool *on_chain, uint64_t now_ns)
{
	if (!a->cfg->dn_enable || !a->d.n_allow)
		return;
	mw_dirnet_dns_answer(&a->d, msg, on_chain, now_ns);
}

int mw_agent_dirnet_init(struct mw_agent_dirnet *a, const struct mw_env *env)
{
	const struct mw_config *cfg = env->cfg;
	struct mw_event_sink sink = {
		.new_public = on_new_public, .peek = on_peek, .flow_end = on_flow_end, .arg = a
	};
	struct mw_dirnet_cfg dc = { 0 };
	json_error_t jerr;
	json_t *j;

	memset(a, 0, sizeof(*a));
	a->cfg = cfg;
	a->owner_fd = mw_loader_map_fd(env->loader, MW_MAP_OWNER);
	a->policy = env->policy;
	a->allow = env->allow;
	a->eve = env->eve;
	a->nat = env->nat;
	a->pending = calloc(MW_DIRNET_PENDING_MAX, sizeof(*a->pending));
	a->wait = malloc(sizeof(*a->wait));
	if (!a->pending || !a->wait) {
		free(a->pending), free(a->wait);
		a->pending = NULL, a->wait = NULL;
		return -ENOMEM;
	}
	mw_flow_wait_init(a->wait);
	mw_dirnet_init(&a->d, &dc);
	set_cfg(a);
	set_rules(a);
	load_doh(a);
	if (env->hello && mw_agent_dirnet_use_tls_hello(a, env->hello))
		pr_warn("dirnet: cannot read the ClientHellos; events carry no SNI nor JA4\n");
	snprintf(a->path, sizeof(a->path), "%s/dirnet-baseline.json", cfg->state_dir);
	j = json_load_file(a->path, 0, &jerr);
	if (j) {
		int ret = mw_dirnet_baseline_load(&a->d, j, a->path, stderr);

		if (ret == -EINVAL)
			pr_warn("%s: some entries were unreadable and are forgotten\n", a->path);
		else if (ret == -E2BIG)
			pr_warn("%s: more than %u destinations; the rest are forgotten\n", a->path,
				MW_DIRNET_KNOWN_MAX);
		json_decref(j);
		pr_info("dirnet: baseline of %zu destinations from %s%s\n", a->d.n_known, a->path,
			a->d.learn_until_s ? " (still learning)" : "");
	} else if (access(a->path, F_OK) == 0) {
		pr_warn("%s:%d: %s; learning again\n", a->path, jerr.line, jerr.text);
		if (cfg->dn_learn_ms)
			mw_dirnet_learn(&a->d, cfg->dn_learn_ms, time(NULL));
	} else if (cfg->dn_learn_ms) {
		mw_dirnet_learn(&a->d, cfg->dn_learn_ms, time(NULL));
	}
	if (a->d.learn_until_s)
		pr_info("dirnet: learning the host's outbound destinations for %llds\n",
			(long long)(a->d.learn_until_s - time(NULL)));
	return mw_events_add_sink(env->events, &sink);
}

void mw_agent_dirnet_free(struct mw_agent_dirnet *a)
{
	/* the main loop flushed the last round; the outputs are closed by now */
	free(a->pending);
	a->pending = NULL;
	a->n_pending = 0;
	free(a->wait);
	a->wait = NULL;
	mw_doh_free(&a->doh);
	if (a->d.dirty)
		save(a);
	mw_dirnet_free(&a->d);
}

void mw_agent_dirnet_reload(struct mw_agent_dirnet *a)
{
	set_cfg(a);
	set_rules(a);
	load_doh(a);
}

void mw_agent_dirnet_tick(struct mw_agent_dirnet *a, uint64_t now_ns)
{
	mw_agent_dirnet_flush(a);
	if (mw_dirnet_tick(&a->d, now_ns, time(NULL)))
		pr_info("dirnet: learning ended with %zu destinations; new ones are reported from now on\n",
			a->d.n_known);
	if (a->d.dirty && now_ns - a->last_save_ns >= SAVE_EVERY_NS) {
		a->last_save_ns = now_ns;
		save(a);
	}
}

static json_t *show_baseline(struct mw_agent_dirnet *a, json_t *req, char *err, size_t len)
{
	json_t *j = mw_dirnet_baseline_json(&a->d);

	json_object_set_new(j, "now", json_integer((json_int_t)time(NULL)));
	json_object_set_new(j, "detections", json_integer((json_int_t)a->detections));
	/* addresses allowed names hold now, from verified DNS answers */
	json_object_set_new(j, "resolved", json_integer((json_int_t)a->d.n_resolved));
	/* TCP flows that waited for their ClientHello, that found no room */
	json_object_set_new(j, "waiting", json_integer((json_int_t)a->wait->waiting));
	json_object_set_new(j, "waited", json_integer((json_int_t)a->waited));
	json_object_set_new(j, "wait_full", json_integer((json_int_t)a->wait_full));
	json_object_set_new(j, "doh_endpoints", json_integer((json_int_t)a->doh.n));
	return j;
}

static json_t *learn_again(struct mw_agent_dirnet *a, json_t *req, char *err, size_t len)
{
	json_int_t ms = json_integer_value(json_object_get(req, "duration_ms"));

	if (ms < 0 || ms > 365LL * 86400000) {
		snprintf(err, len, "duration_ms %lld is out of range", (long long)ms);
		return NULL;
	}
	if (!ms)
		ms = (json_int_t)(a->cfg->dn_learn_ms ? a->cfg->dn_learn_ms : 86400000);
	mw_dirnet_learn(&a->d, (uint64_t)ms, time(NULL));
	save(a);
	pr_info("dirnet: learning again for %llds (control request)\n", (long long)(ms / 1000));
	return json_pack("{s:s, s:I}", "result", "learning", "until",
			 (json_int_t)a->d.learn_until_s);
}

static const struct {
	const char *name;
	json_t *(*run)(struct mw_agent_dirnet *a, json_t *req, char *err, size_t len);
} commands[] = {
	{ "dirnet_baseline", show_baseline },
	{ "dirnet_learn", learn_again },
};

json_t *mw_agent_dirnet_control(struct mw_agent_dirnet *a, const char *cmd, json_t *req, char *err,
				size_t len)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(commands); i++)
		if (!strcmp(cmd, commands[i].name))
			return commands[i].run(a, req, err, len);
	snprintf(err, len, "unknown command '%.64s'", cmd);
	return NULL;
}
