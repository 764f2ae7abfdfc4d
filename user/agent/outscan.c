// SPDX-License-Identifier: GPL-2.0-only
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <bpf/bpf.h>

#include "agent/env.h"
#include "agent/events.h"
#include "agent/flow_scan.h"
#include "agent/loader.h"
#include "agent/nat_view.h"
#include "agent/outscan.h"
#include "agent/process.h"
#include "lib/container.h"
#include "enforce/policy.h"
#include "lib/log.h"
#include "lib/util.h"
#include "output/eve.h"
#include "parse/config.h"

#define MS_NS 1000000ULL
#define CUT_TARGETS_MAX 512 /* addresses cut off at a detection */

static void set_cfg(struct mw_agent_outscan *a)
{
	const struct mw_config *cfg = a->cfg;

	a->o.cfg = (struct mw_outscan_cfg){
		.window_ns = cfg->os_window_ms * MS_NS,
		.addresses = (unsigned)cfg->os_addresses,
		.ports = (unsigned)cfg->os_ports,
		.answer_ns = MW_OUTSCAN_ANSWER_MS * MS_NS,
		.reports_per_min = MW_OUTSCAN_REPORTS_PER_MIN,
	};
}

/* The ids of the root cgroup and of the agent's own (inodes of their
 * directories): never cut off. */
static void own_cgroups(struct mw_agent_outscan *a)
{
	char root[512], line[1024], path[2048];
	struct stat st;
	FILE *f;

	if (mw_cgroup2_mount(root, sizeof(root)) || stat(root, &st))
		return;
	a->root_cgroup = st.st_ino;
	f = fopen("/proc/self/cgroup", "r");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "0::", 3))
			continue;
		line[strcspn(line, "\n")] = '\0';
		snprintf(path, sizeof(path), "%s%s", root, line + 3);
		if (!stat(path, &st))
			a->self_cgroup = st.st_ino;
	}
	fclose(f);
}

static bool is_loopback(const uint8_t *addr)
{
	static const uint8_t v4mapped[12] = { [10] = 0xff, [11] = 0xff };
	static const uint8_t lo6[16] = { [15] = 1 };

	return (!memcmp(addr, v4mapped, 12) && addr[12] == 127) || !memcmp(addr, lo6, 16);
}

/* The program behind the flow's socket; the unknown process, told apart
 * by its local address, for a flow with none (raw packets). */
static uint32_t who_of(const struct mw_agent_outscan *a, const struct mw_event_flow *ev,
		       struct mw_outscan_who *who)
{
	struct mw_owner o;

	memset(who, 0, sizeof(*who));
	if (ev->flow.sock_cookie && a->owner_fd >= 0 &&
	    !bpf_map_lookup_elem(a->owner_fd, &ev->flow.sock_cookie, &o)) {
		memcpy(who->comm, o.comm, sizeof(who->comm));
		who->comm[sizeof(who->comm) - 1] = '\0';
		who->uid = o.uid;
		who->cgroup_id = o.cgroup_id;
		return o.pid;
	}
	memcpy(&who->local, ev->key.local_addr, sizeof(who->local));
	return 0;
}

static void cut_target(struct mw_agent_outscan *a, const struct mw_ct_scope *sc,
		       const uint8_t *remote)
{
	struct mw_block_req req = { .method = "OUTSCAN", .exact = true, .container = sc };
	char reason[MW_REASON_MAX];

	snprintf(reason, sizeof(reason), "scanned by %.60s: cut off for it only", sc->name);
	memcpy(&req.target.addr, remote, sizeof(req.target.addr));
	req.target.len = 128;
	req.reason = reason;
	if (!strcmp(mw_policy_block_detection(a->policy, &req), "blocked"))
		a->blocks++;
}

/* The cut-off scope of @who still in force; NULL: none. */
static const struct mw_ct_scope *cut_of(const struct mw_agent_outscan *a,
					const struct mw_outscan_who *who, uint64_t now_ns)
{
	unsigned i;

	for (i = 0; i < MW_OUTSCAN_CUT_MAX; i++) {
		const struct mw_ct_scope *sc = &a->cut[i].scope;

		if (a->cut[i].until_ns <= now_ns)
			continue;
		if (who->cgroup_id ? sc->cgroup_id == who->cgroup_id :
				     !sc->cgroup_id && !memcmp(&sc->addr, &who->local, 16))
			return sc;
	}
	return NULL;
}

static void observe(struct mw_agent_outscan *a, const struct mw_event_flow *ev,
		    enum mw_outscan_state state)
{
	const struct mw_flow *f = &ev->flow;
	struct mw_outscan_who who;
	uint64_t now = mw_now_ns();
	const struct mw_ct_scope *cut;
	struct mw_outscan_attempt at;
	int ret;

	if (!a->cfg->os_enable || ev->key.proto != IPPROTO_TCP || !f->host_opened ||
	    f->initiator != MW_DIR_OUT || is_loopback(ev->key.remote_addr))
		return;
	/* a container's connection NATed on the uplink counts once, on its veth */
	if (a->nat &&
	    mw_nat_view_is_twin(a->nat, ev->hdr.ifindex, &ev->key, f->sock_cookie, f->host_opened))
		return;
	at = (struct mw_outscan_attempt){ .key = ev->key,
					  .first_ns = f->first_ns,
					  .cookie = f->sock_cookie,
					  .pid = who_of(a, ev, &who),
					  .ifindex = ev->hdr.ifindex,
					  .state = (uint8_t)state };
	ret = mw_outscan_observe(&a->o, &who, &at, now);
	if (ret < 0)
		pr_warn("outscan: out of memory\n");
	/* a program cut off: each new address it tries is cut off too (its
	 * first SYN has left; the retries and the next connections will not) */
	cut = ret == 1 && a->policy ? cut_of(a, &who, now) : NULL;
	if (cut)
		cut_target(a, cut, ev->key.remote_addr);
}

static void on_new_public(void *arg, const struct mw_event_flow *ev)
{
	observe(arg, ev, MW_OS_PENDING);
}

/* How an attempt ended: answered, refused (a RST), or never answered. */
static enum mw_outscan_state ended(const struct mw_flow *f)
{
	if (f->handshake || f->hs_stage >= MW_HS_SYNACK)
		return MW_OS_ANSWERED;
	return f->state == MW_STATE_CLOSED ? MW_OS_REFUSED : MW_OS_HALF_OPEN;
}

static void on_flow_end(void *arg, const struct mw_event_flow *ev)
{
	observe(arg, ev, ended(&ev->flow));
}

/* The sweep sees attempts to private addresses that no event announced:
 * only those still unanswered are of interest. */
static void visit(void *arg, const struct mw_flow_key *key, const struct mw_flow *f, uint64_t now)
{
	struct mw_event_flow ev;

	if (key->proto != IPPROTO_TCP || f->hs_stage != MW_HS_SYN || !f->host_opened ||
	    f->initiator != MW_DIR_OUT)
		return;
	memset(&ev.hdr, 0, sizeof(ev.hdr));
	ev.hdr.ifindex = f->ifindex;
	ev.key = *key;
	ev.flow = *f;
	observe(arg, &ev, MW_OS_PENDING);
}

/* Asked about a pending attempt past the answer time: its flow now. */
static enum mw_outscan_state ask(void *arg, const struct mw_flow_key *key, uint64_t first_ns,
				 uint64_t now_ns)
{
	struct mw_agent_outscan *a = arg;
	struct mw_flow f;

	/* gone: the sweep ended it (its end event told what it knew) */
	if (a->flows_fd < 0 || bpf_map_lookup_elem(a->flows_fd, key, &f))
		return MW_OS_HALF_OPEN;
	/* a later flow on the same four-tuple says nothing of this attempt */
	if (f.first_ns != first_ns)
		return MW_OS_HALF_OPEN;
	return ended(&f);
}

static json_t *sample_json(const struct mw_outscan_verdict *v)
{
	json_t *arr = json_array();
	char buf[MW_ADDRSTRLEN];
	unsigned i;

	for (i = 0; arr && i < v->n_sample; i++)
		json_array_append_new(
			arr, v->kind == MW_OS_VERTICAL ?
				     json_integer(v->sample_ports[i]) :
				     json_string(mw_addr_str(&v->sample[i], buf, sizeof(buf))));
	return arr;
}

/*
 * The scope the scanning program can be cut off by, in @sc: a container's
 * (its address on its veth, for the forward chain, and its cgroup), as
 * DIRNET scopes its blocks; else its cgroup. NULL, and why in @why, when
 * there is none or it must not be: the root cgroup (every process on the
 * host) and minewall's own.
 */
static const struct mw_ct_scope *scope_of(struct mw_agent_outscan *a,
					  const struct mw_outscan_src *s,
					  const struct mw_process *p, bool have_proc,
					  struct mw_ct_scope *sc, const char **why)
{
	const struct mw_outscan_target *last = &s->t[s->n - 1];
	uint64_t cg = s->who.cgroup_id;

	memset(sc, 0, sizeof(*sc));
	if (a->nat &&
	    mw_nat_view_scope(a->nat, last->ifindex, &last->key, have_proc ? p : NULL, sc) &&
	    (mw_ct_scope_has_addr(sc) || sc->cgroup_id)) {
		if (!sc->name[0])
			snprintf(sc->name, sizeof(sc->name), "%s", s->who.comm);
		return sc;
	}
	memset(sc, 0, sizeof(*sc));
	if (!cg) {
		*why = "no process behind the flows, and not a container's: nothing to cut off";
		return NULL;
	}
	if (cg == a->root_cgroup || (have_proc && !strcmp(p->cgroup, "/"))) {
		*why = "the process is in the root cgroup: cutting it off would cut off the whole host";
		return NULL;
	}
	if (cg == a->self_cgroup) {
		*why = "the process shares minewall's own cgroup: not cut off";
		return NULL;
	}
	sc->cgroup_id = cg;
	if (have_proc && p->in_container) {
		snprintf(sc->id, sizeof(sc->id), "%s", p->ct.id);
		snprintf(sc->name, sizeof(sc->name), "%s", p->ct.name[0] ? p->ct.name : p->comm);
	} else {
		snprintf(sc->name, sizeof(sc->name), "%s", s->who.comm);
	}
	return sc;
}

/*
 * Cuts the scanning program off from what it scanned, and from its next
 * targets for a ban time (a window at least). Returns the action, and why
 * not in @why.
 */
static const char *cut_off(struct mw_agent_outscan *a, const struct mw_outscan_verdict *v,
			   const struct mw_process *p, bool have_proc, const char **why)
{
	const struct mw_outscan_src *s = v->src;
	const struct mw_ct_scope *sc;
	struct mw_ct_scope scope;
	uint64_t now = mw_now_ns();
	unsigned i, k, n = 0;

	*why = NULL;
	if (!a->cfg->os_block || !a->policy)
		return "alert";
	sc = scope_of(a, s, p, have_proc, &scope, why);
	if (!sc)
		return "alert";
	for (i = 0; i < s->n && n < CUT_TARGETS_MAX; i++) {
		const struct mw_flow_key *k2 = &s->t[i].key;

		if (v->kind == MW_OS_HORIZONTAL ? ntohs(k2->remote_port) != v->port :
						  memcmp(k2->remote_addr, &v->addr, 16))
			continue;
		cut_target(a, sc, k2->remote_addr);
		n++;
	}
	/* the next targets too: the entry of this scope, or the soonest to end */
	for (i = k = 0; i < MW_OUTSCAN_CUT_MAX; i++) {
		if (a->cut[i].scope.cgroup_id == sc->cgroup_id &&
		    !memcmp(&a->cut[i].scope.addr, &sc->addr, sizeof(sc->addr))) {
			k = i;
			break;
		}
		if (a->cut[i].until_ns < a->cut[k].until_ns)
			k = i;
	}
	a->cut[k].scope = *sc;
	a->cut[k].until_ns = now + (a->cfg->ban_ms > a->o.cfg.window_ns / MS_NS ?
					    a->cfg->ban_ms * MS_NS :
					    a->o.cfg.window_ns);
	return n ? "blocked" : "alert";
}

static void report(struct mw_agent_outscan *a, const struct mw_outscan_verdict *v)
{
	const struct mw_outscan_src *s = v->src;
	const struct mw_outscan_target *lt = &s->t[s->n - 1];
	const struct mw_flow_key *last = &lt->key;
	struct mw_process proc;
	struct mw_ct_scope sc;
	bool have_proc = s->cookie && !mw_process_lookup(a->owner_fd, s->cookie, &proc);
	const char *action, *why;
	json_t *detail, *pj;

	a->detections++;
	if (!have_proc && s->who.comm[0]) {
		/* the socket is gone: what the kernel recorded at connect() */
		memset(&proc, 0, sizeof(proc));
		proc.o.pid = s->pid;
		proc.o.uid = s->who.uid;
		proc.o.cgroup_id = s->who.cgroup_id;
		snprintf(proc.o.comm, sizeof(proc.o.comm), "%s", s->who.comm);
		mw_sanitize_utf8(proc.comm, sizeof(proc.comm), proc.o.comm, strlen(proc.o.comm));
		have_proc = true;
	}
	action = cut_off(a, v, &proc, have_proc, &why);
	pj = have_proc ? mw_process_json(&proc) : json_null();
	detail = json_pack("{s:s, s:s, s:i, s:I, s:i, s:i, s:i, s:i, s:b, s:o, s:o, s:s}", "reason",
			   v->kind == MW_OS_VERTICAL ? "many ports of one address" :
						       "many addresses on one port",
			   "kind", mw_outscan_kind_name(v->kind), "targets", (int)v->targets,
			   "window", (json_int_t)(a->o.cfg.window_ns / 1000000000ULL), "half_open",
			   (int)v->half_open, "refused", (int)v->refused, "answered",
			   (int)v->answered, "pending", (int)v->pending, "worm_port", v->critical,
			   v->kind == MW_OS_VERTICAL ? "ports" : "sample", sample_json(v),
			   "process", pj, "evidence", "host-opened");
	if (detail && !have_proc)
		json_object_set_new(detail, "process_unknown",
				    json_string("no socket behind the flows (raw packets)"));
	if (detail && why)
		json_object_set_new(detail, "not_blocked", json_string(why));
	/* no socket on a container's veth: the container is the scanner */
	if (detail && !have_proc && a->nat &&
	    mw_nat_view_scope(a->nat, lt->ifindex, last, NULL, &sc) && mw_ct_scope_has_addr(&sc))
		json_object_set_new(detail, "container", mw_ct_scope_json(&sc));
	mw_nat_view_annotate(a->nat, lt->ifindex, last, detail);
	mw_eve_emit(a->eve, mw_eve_detection(&(struct mw_eve_rec){
				    .method = "OUTSCAN",
				    .severity = v->critical ? "critical" : "high",
				    .src = (const struct mw_addr *)last->local_addr,
				    .dst = v->kind == MW_OS_VERTICAL ? &v->addr : NULL,
				    .dest_port = v->port,
				    .proto = "tcp",
				    .ifindex = lt->ifindex,
				    .action = action,
				    .detail = detail,
			    }));
}

void mw_agent_outscan_tick(struct mw_agent_outscan *a, uint64_t now_ns)
{
	struct mw_outscan_verdict v[8];
	unsigned i, n;

	if (!a->cfg || !a->cfg->os_enable)
		return;
	n = mw_outscan_check(&a->o, now_ns, ask, a, v, 8);
	for (i = 0; i < n; i++)
		report(a, &v[i]);
	if (n && a->policy)
		mw_policy_commit(a->policy);
}

int mw_agent_outscan_init(struct mw_agent_outscan *a, const struct mw_env *env)
{
	struct mw_event_sink sink = { .new_public = on_new_public,
				      .flow_end = on_flow_end,
				      .arg = a };
	int err;

	memset(a, 0, sizeof(*a));
	a->cfg = env->cfg;
	a->policy = env->policy;
	a->eve = env->eve;
	a->nat = env->nat;
	a->owner_fd = mw_loader_map_fd(env->loader, MW_MAP_OWNER);
	a->flows_fd = mw_loader_map_fd(env->loader, MW_MAP_FLOWS);
	mw_outscan_init(&a->o, &(struct mw_outscan_cfg){ 0 });
	set_cfg(a);
	own_cgroups(a);
	err = mw_flow_scan_on_visit(env->scan, visit, a);
	if (err)
		return err;
	return mw_events_add_sink(env->events, &sink);
}

void mw_agent_outscan_reload(struct mw_agent_outscan *a)
{
	set_cfg(a);
}

void mw_agent_outscan_free(struct mw_agent_outscan *a)
{
	mw_outscan_free(&a->o);
}
