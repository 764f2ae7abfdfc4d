// SPDX-License-Identifier: GPL-2.0-only
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>

#include "agent/bpatterns.h"
#include "agent/bpatterns_priv.h"
#include "agent/env.h"
#include "agent/loader.h"
#include "lib/flowtable.h"
#include "lib/log.h"
#include "agent/nat_view.h"
#include "agent/process.h"
#include "parse/http_rpc.h"
#include "parse/stratum.h"
#include "parse/websocket.h"
#include "lib/util.h"

#define REPORT_AGAIN_NS (600ULL * 1000000000ULL) /* a flow is reported once per 10 min */

static struct mw_bpatterns_rhythm_cfg rhythm_cfg(const struct mw_config *c)
{
	return (struct mw_bpatterns_rhythm_cfg){
		.min_age_ms = c->bp_min_age_ms,
		.min_pushes = (unsigned)c->bp_min_pushes,
		.push_min_bytes = (unsigned)c->bp_push_min,
		.push_max_bytes = (unsigned)c->bp_push_max,
		.gap_min_ms = c->bp_gap_min_ms,
		.gap_max_ms = c->bp_gap_max_ms,
		.max_cv_pct = (unsigned)c->bp_max_cv,
		.max_bytes_per_min = c->bp_max_rate,
	};
}

static bool pool_port(const struct mw_config *c, uint16_t port)
{
	unsigned i;

	for (i = 0; i < c->bp_pool_ports.n; i++)
		if (c->bp_pool_ports.port[i] == port)
			return true;
	return false;
}

/* True when the flow was reported lately (and remembers it otherwise). */
static bool reported(struct mw_agent_bpatterns *a, const struct mw_flow_key *key)
{
	uint64_t now = mw_now_ns();
	unsigned i;

	for (i = 0; i < sizeof(a->recent) / sizeof(a->recent[0]); i++)
		if (a->recent[i].ns && now - a->recent[i].ns < REPORT_AGAIN_NS &&
		    !memcmp(&a->recent[i].key, key, sizeof(*key)))
			return true;
	a->recent[a->recent_pos].key = *key;
	a->recent[a->recent_pos].ns = now;
	a->recent_pos = (a->recent_pos + 1) % (sizeof(a->recent) / sizeof(a->recent[0]));
	return false;
}

static const char *block_pool(struct mw_agent_bpatterns *a, const struct mw_bp_finding *fd,
			      const struct mw_process *proc, bool have_proc)
{
	struct mw_block_req req = { .method = "BPATTERNS", .exact = true };
	char reason[MW_REASON_MAX];
	struct mw_ct_scope sc;

	/* only a connection the host opened, seen from its SYN through a
	 * handshake in order, names a pool: a forged packet, a flow met
	 * mid-stream or the clients of a pool the host runs never do */
	if (!a->cfg->bp_block || !a->policy || !fd->dec->block)
		return "alert";
	snprintf(reason, sizeof(reason), "%s%s%s", fd->match, have_proc ? " from " : "",
		 have_proc ? proc->comm : "");
	memcpy(&req.target.addr, fd->key->remote_addr, sizeof(req.target.addr));
	req.target.len = 128;
	req.reason = reason;
	/* a container's pool is cut off for that container ([containers] block_scope) */
	if (a->cfg->ct_block_scope == MW_SCOPE_CONTAINER)
		req.container = mw_nat_view_scope(a->nat, fd->ifindex, fd->key,
						  have_proc ? proc : NULL, &sc);
	return mw_policy_block_detection(a->policy, &req);
}

void mw_agent_bpatterns_report(struct mw_agent_bpatterns *a, const struct mw_bp_finding *fd)
{
	const struct mw_flow_key *k = fd->key;
	const struct mw_addr *local = (const struct mw_addr *)k->local_addr,
			     *remote = (const struct mw_addr *)k->remote_addr;
	char remote_str[MW_ADDRSTRLEN];
	/* the host is the client unless the remote side opened the flow */
	bool out = fd->dec->evidence != MW_EVID_REMOTE_HANDSHAKE &&
		   fd->dec->evidence != MW_EVID_REMOTE,
	     port_hint = pool_port(a->cfg, ntohs(k->remote_port));
	struct mw_process proc;
	bool have_proc = !mw_process_lookup(a->owner_fd, fd->sock_cookie, &proc);
	const struct mw_tls_hello *hello = mw_agent_tls_hello_find(a->hello, k);
	unsigned score = fd->score + (port_hint ? 10 : 0);
	json_t *ev, *detail, *inputs = json_array();
	const char *action;

	a->detections++;
	/* what the score rests on: the finding, and bare TLS beside it */
	json_array_append_new(inputs, json_string(fd->match));
	if (strcmp(fd->match, MW_BP_BARE_TLS) &&
	    mw_agent_bpatterns_bare(a, hello, k, have_proc ? &proc : NULL)) {
		json_array_append_new(inputs, json_string(MW_BP_BARE_TLS));
		score += MW_BP_BARE_TLS_BONUS;
	}
	action = block_pool(a, fd, &proc, have_proc);
	detail = json_pack("{s:s, s:i, s:b, s:s, s:s, s:b, s:o, s:o}", "match", fd->match, "score",
			   score > 100 ? 100 : (int)score, "pool_port", port_hint, "role",
			   fd->dec->role, "evidence", mw_evidence_name(fd->dec->evidence),
			   "verified", mw_evidence_verified(fd->dec->evidence), "observed",
			   fd->observed, "process",
			   have_proc ? mw_process_json(&proc) : json_null());
	if (detail) {
		json_object_set_new(detail, "inputs", inputs);
		inputs = NULL;
		if (hello && hello->ja4[0])
			json_object_set_new(detail, "ja4", json_string(hello->ja4));
	}
	json_decref(inputs);
	if (detail && a->unverified.suppressed) {
		/* reports held back since the previous one (see report_unverified) */
		json_object_set_new(detail, "unverified_suppressed",
				    json_integer((json_int_t)a->unverified.suppressed));
		a->unverified.suppressed = 0;
	}
	mw_nat_view_annotate(a->nat, fd->ifindex, k, detail);
	ev = mw_eve_detection(&(struct mw_eve_rec){
		.method = "BPATTERNS",
		.severity = fd->severity   ? fd->severity :
			    fd->dec->block ? "high" :
					     "medium",
		.src = out ? local : remote,
		.src_port = ntohs(out ? k->local_port : k->remote_port),
		.dst = out ? remote : local,
		.dest_port = ntohs(out ? k->remote_port : k->local_port),
		.proto = "TCP",
		.ifindex = fd->ifindex,
		.action = action,
		.detail = detail,
	});
	if (!ev)
		pr_warn("bpatterns: cannot build the event for %s (out of memory)\n",
			mw_addr_str(remote, remote_str, sizeof(remote_str)));
	mw_eve_emit(a->eve, ev);
}

#define POST_BODY_NS (10ULL * 1000000000ULL) /* a body follows its headers within 10 s */

/* Remembers the host's POST in @ev whose headers end its copy. */
static void post_headers(struct mw_agent_bpatterns *a, const struct mw_event_peek *ev)
{
	struct mw_http_rpc r;

	if (ev->hdr.dir != MW_DIR_OUT || mw_http_rpc_parse(ev->data, ev->len, &r) || r.body_len)
		return;
	a->posts[a->posts_pos].key = ev->key;
	a->posts[a->posts_pos].ns = mw_now_ns();
	a->posts_pos = (a->posts_pos + 1) % (sizeof(a->posts) / sizeof(a->posts[0]));
}

/* Whether the host's JSON in @ev is the body of a POST it just sent. */
static bool post_body(const struct mw_agent_bpatterns *a, const struct mw_event_peek *ev)
{
	uint64_t now = mw_now_ns();
	unsigned i;

	for (i = 0; ev->hdr.dir == MW_DIR_OUT && i < sizeof(a->posts) / sizeof(a->posts[0]); i++)
		if (a->posts[i].ns && now - a->posts[i].ns < POST_BODY_NS &&
		    !memcmp(&a->posts[i].key, &ev->key, sizeof(ev->key)))
			return true;
	return false;
}

/* The flow table's entry for @key now (a peek carries no socket cookie). */
static bool flow_now(const struct mw_agent_bpatterns *a, const struct mw_flow_key *key,
		     struct mw_flow *f)
{
	return a->flows_fd >= 0 && !bpf_map_lookup_elem(a->flows_fd, key, f);
}

/* Reports the Stratum in @ev, if any; false when there is none. */
static bool judge(struct mw_agent_bpatterns *a, const struct mw_event_peek *ev)
{
	struct mw_bp_decision dec;
	struct mw_stratum m;
	struct mw_flow f;
	bool have_flow;
	struct mw_bp_finding fd = {
		.key = &ev->key, .ifindex = ev->hdr.ifindex, .match = "stratum", .dec = &dec
	};

	have_flow = flow_now(a, &ev->key, &f);
	if (!mw_bpatterns_judge_peek(ev, have_flow ? &f : NULL, &m, &dec))
		return false;
	/* a container's connection NATed on the uplink: reported on its veth */
	if (have_flow && a->nat &&
	    mw_nat_view_is_twin(a->nat, ev->hdr.ifindex, &ev->key, f.sock_cookie, f.host_opened))
		return true;
	if (reported(a, &ev->key))
		return true;
	a->stratum++;
	/* a remote can send any number of these from any address: what no
	 * handshake backs is reported at a bounded rate */
	if (!mw_evidence_verified(dec.evidence) &&
	    !mw_report_limit_take(&a->unverified, MW_BP_UNVERIFIED_PER_MIN, mw_now_ns())) {
		a->unverified_dropped++;
		return true;
	}
	if (have_flow && mw_evidence_host_opened(dec.evidence))
		fd.sock_cookie = f.sock_cookie;
	fd.score = 90;
	if (!strcmp(m.transport, "tcp") && post_body(a, ev))
		m.transport = "http";
	fd.observed = json_pack("{s:s, s:s, s:s, s:s, s:s}", "dialect",
				mw_stratum_dialect_name(m.dialect), "message", m.method, "agent",
				m.agent, "sent_by", dec.sent_by, "transport", m.transport);
	mw_agent_bpatterns_report(a, &fd);
	return true;
}

static void on_peek(void *arg, const struct mw_event_peek *ev)
{
	struct mw_agent_bpatterns *a = arg;
	struct mw_event_peek whole;

	if (ev->key.proto != IPPROTO_TCP || !ev->len)
		return;
	/* the host's line sent a few bytes at a time: read once whole */
	if (ev->cont) {
		int err = mw_reasm_json(&a->json, ev, mw_now_ns(), &whole);

		if (!err) {
			judge(a, &whole);
		} else if (err == -EINVAL && mw_stratum_may_start(ev->data, ev->len)) {
			/* its first part gone (a flood took its slot): a
			 * line this copy starts is read on its own */
			whole = *ev;
			whole.cont = 0;
			judge(a, &whole);
		}
		return;
	}
	if (mw_stratum_may_start(ev->data, ev->len)) {
		if (!judge(a, ev))
			mw_reasm_json(&a->json, ev, mw_now_ns(), &whole);
		return;
	}
	/* a node's mining RPC over HTTP, Stratum over WebSocket */
	if (mw_http_rpc_may_start(ev->data, ev->len)) {
		if (!judge(a, ev))
			post_headers(a, ev);
	} else if (mw_ws_may_start(ev->data, ev->len)) {
		judge(a, ev);
	}
}

/* A line still awaited when its flow ends never completes: it goes soon
 * after. */
static void on_flow_end(void *arg, const struct mw_event_flow *ev)
{
	struct mw_agent_bpatterns *a = arg;

	if (ev->key.proto == IPPROTO_TCP && ev->flow.host_opened)
		mw_reasm_forget(&a->json, &ev->key, mw_now_ns());
}

/* One sample of a connection the host opened, and its verdict. */
static void sample(struct mw_agent_bpatterns *a, const struct mw_flow_key *key,
		   const struct mw_flow *f, uint64_t now_ns)
{
	struct mw_bpatterns_rhythm_verdict v;
	struct mw_bp_decision dec;
	struct mw_bp_finding fd = { .key = key,
				    .sock_cookie = f->sock_cookie,
				    .ifindex = f->ifindex,
				    .match = "rhythm",
				    .dec = &dec };

	/* only connections the host opened are followed: a remote cannot make
	 * the agent keep state for flows it forges */
	if (!a->rhythm || key->proto != IPPROTO_TCP || !f->host_opened || f->state != MW_STATE_OPEN)
		return;
	if (!mw_bpatterns_rhythm_sample(a->rhythm, key, f, now_ns, &v) || reported(a, key))
		return;
	/* a container's connection NATed on the uplink: sampled on its veth */
	if (a->nat && mw_nat_view_is_twin(a->nat, f->ifindex, key, f->sock_cookie, f->host_opened))
		return;
	a->rhythms++;
	mw_bpatterns_decide(key->proto, f->initiator, f->handshake, f->host_opened, &dec);
	dec.sent_by = "pool";
	fd.score = v.score;
	fd.observed = json_pack("{s:i, s:f, s:f, s:i, s:i, s:i, s:I, s:I}", "pushes", (int)v.pushes,
				"mean_gap_s", v.mean_gap_s, "gap_spread", v.cv, "mean_push_bytes",
				(int)v.mean_push_bytes, "exchanges", (int)v.exchanges,
				"client_only", (int)v.client_only, "bytes_in_per_min",
				(json_int_t)v.bytes_in_per_min, "age_s", (json_int_t)v.age_s);
	mw_agent_bpatterns_report(a, &fd);
}

/* While few connections are tracked, each cycle reads them by key and the
 * table sweep only finds new ones; with more, samples follow the sweep. */
static bool per_cycle(const struct mw_agent_bpatterns *a)
{
	return a->rhythm && mw_bpatterns_rhythm_tracked(a->rhythm) <= MW_RHYTHM_CYCLE_MAX;
}

/* The table sweep's visit of each live flow. */
static void visit(void *arg, const struct mw_flow_key *key, const struct mw_flow *f,
		  uint64_t now_ns)
{
	struct mw_agent_bpatterns *a = arg;

	if (per_cycle(a) && mw_bpatterns_rhythm_tracks(a->rhythm, key, f->first_ns))
		return;
	sample(a, key, f, now_ns);
}

/* A connection to a public address, at its first packet: tracked at once. */
static void on_new_public(void *arg, const struct mw_event_flow *ev)
{
	struct mw_agent_bpatterns *a = arg;

	if (ev->hdr.dir == MW_DIR_OUT)
		sample(a, &ev->key, &ev->flow, mw_now_ns());
}

void mw_agent_bpatterns_cycle(struct mw_agent_bpatterns *a, uint64_t now_ns)
{
	unsigned i, n;

	mw_agent_bpatterns_bare_cycle(a, now_ns);
	if (!per_cycle(a) || !a->keys)
		return;
	n = mw_bpatterns_rhythm_list(a->rhythm, a->keys, a->first, MW_RHYTHM_CYCLE_MAX);
	for (i = 0; i < n; i++) {
		struct mw_flow f;

		/* gone, or the 4-tuple reused by a new connection: the sweep or
		 * the expiry deals with it */
		if (bpf_map_lookup_elem(a->flows_fd, &a->keys[i], &f) || f.first_ns != a->first[i])
			continue;
		sample(a, &a->keys[i], &f, now_ns);
	}
}

int mw_agent_bpatterns_init(struct mw_agent_bpatterns *a, const struct mw_env *env)
{
	const struct mw_config *cfg = env->cfg;
	struct mw_event_sink sink = {
		.peek = on_peek, .new_public = on_new_public, .flow_end = on_flow_end, .arg = a
	};
	struct mw_bpatterns_rhythm_cfg rc = rhythm_cfg(cfg);

	memset(a, 0, sizeof(*a));
	a->cfg = cfg;
	a->owner_fd = mw_loader_map_fd(env->loader, MW_MAP_OWNER);
	a->flows_fd = mw_loader_map_fd(env->loader, MW_MAP_FLOWS);
	a->policy = env->policy;
	a->eve = env->eve;
	a->nat = env->nat;
	a->hello = env->hello;
	a->dirnet = env->dirnet;
	if (a->hello && mw_agent_tls_hello_subscribe(a->hello, mw_agent_bpatterns_hello, a))
		return -ENOSPC;
	a->keys = calloc(MW_RHYTHM_CYCLE_MAX, sizeof(*a->keys));
	a->first = calloc(MW_RHYTHM_CYCLE_MAX, sizeof(*a->first));
	if (!a->keys || !a->first)
		return -ENOMEM;
	if (mw_reasm_init(&a->json, NULL))
		return -ENOMEM;
	if (cfg->bp_rhythm) {
		a->rhythm = mw_bpatterns_rhythm_new(&rc);
		if (!a->rhythm)
			return -ENOMEM;
	}
	mw_flow_scan_on_visit(env->scan, visit, a);
	return mw_events_add_sink(env->events, &sink);
}

void mw_agent_bpatterns_free(struct mw_agent_bpatterns *a)
{
	mw_bpatterns_rhythm_free(a->rhythm);
	a->rhythm = NULL;
	mw_reasm_free(&a->json);
	free(a->keys);
	free(a->first);
	a->keys = NULL;
	a->first = NULL;
}

int mw_agent_bpatterns_reload(struct mw_agent_bpatterns *a)
{
	struct mw_bpatterns_rhythm_cfg rc = rhythm_cfg(a->cfg);

	/* new thresholds start from fresh observations */
	mw_bpatterns_rhythm_free(a->rhythm);
	a->rhythm = a->cfg->bp_rhythm ? mw_bpatterns_rhythm_new(&rc) : NULL;
	return a->cfg->bp_rhythm && !a->rhythm ? -ENOMEM : 0;
}

void mw_agent_bpatterns_tick(struct mw_agent_bpatterns *a, uint64_t now_ns)
{
	mw_reasm_expire(&a->json, now_ns);
	/* flows not sampled for a minute have ended or gone */
	if (a->rhythm && now_ns > 60000000000ULL)
		mw_bpatterns_rhythm_expire(a->rhythm, now_ns - 60000000000ULL);
}
