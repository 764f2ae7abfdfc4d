// SPDX-License-Identifier: GPL-2.0-only
/*
 * blacklist_hits.c - BLACKLIST hits made detections: a listed remote the
 * datapath matched, a flow to an address learned a moment later, a listed
 * TLS server name or JA4; what each rests on, whether it may block, one report
 * per remote in a while.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "agent/blacklist.h"
#include "agent/blacklist_priv.h"
#include "agent/nat_view.h"
#include "agent/process.h"
#include "lib/flowtable.h"
#include "lib/util.h"

#define REPORT_QUIET_NS (10ULL * 1000000000ULL) /* one report per remote per 10 s */

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
	uint64_t sock_cookie; /* the local socket that opened it; 0: unknown */
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

static const char *block_remote(struct mw_agent_blacklist *a, const struct hit *h, bool may_block,
				const struct mw_process *proc)
{
	const struct mw_bl_list *l = &a->bl.lists[h->list];
	struct mw_block_req req = { .method = "BLACKLIST", .exact = true };
	char reason[MW_REASON_MAX];
	struct mw_ct_scope sc;

	if (h->alert_only || !may_block || !a->cfg->bl_block || !a->policy)
		return "alert";
	snprintf(reason, sizeof(reason), "on list %s%s%.40s", l->used ? l->name : "?",
		 h->name ? " as " : "", h->name ? h->name : "");
	memcpy(&req.target.addr, h->key->remote_addr, sizeof(req.target.addr));
	req.target.len = 128;
	req.reason = reason;
	if (a->cfg->ct_block_scope == MW_SCOPE_CONTAINER)
		req.container = mw_nat_view_scope(a->nat, h->ifindex, h->key, proc, &sc);
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
	const struct mw_addr *local = (const struct mw_addr *)k->local_addr,
			     *remote = (const struct mw_addr *)k->remote_addr;
	char evidence[128], path[PATH_MAX], pb[8];
	bool in = h->dir == MW_DIR_IN, may_block;
	struct mw_eve_rec rec;
	struct mw_process proc;
	const struct mw_tls_hello *hello;
	bool have_proc;
	const char *action;
	json_t *detail;

	may_block = hit_evidence(h, evidence, sizeof(evidence));
	/* a container's connection NATed on the uplink: reported on its veth */
	if (a->nat && mw_nat_view_is_twin(a->nat, h->ifindex, k, h->sock_cookie, h->host_opened))
		return;
	if (quiet(a, remote, may_block))
		return;
	a->detections++;
	have_proc = h->host_opened && h->sock_cookie && a->owner_fd >= 0 &&
		    !mw_process_lookup(a->owner_fd, h->sock_cookie, &proc);
	action = block_remote(a, h, may_block, have_proc ? &proc : NULL);
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
	/* the host's ClientHello on this flow: its JA4 (and SNI) */
	hello = mw_agent_tls_hello_find(a->hello, k);
	if (detail && hello && hello->ja4[0])
		json_object_set_new(detail, "ja4", json_string(hello->ja4));
	if (detail && have_proc)
		json_object_set_new(detail, "process", mw_process_json(&proc));
	mw_nat_view_annotate(a->nat, h->ifindex, k, detail);
	rec = (struct mw_eve_rec){
		.method = "BLACKLIST",
		.severity = h->alert_only ? "medium" : "high",
		.src = in ? remote : local,
		.src_port = ntohs(in ? k->remote_port : k->local_port),
		.dst = in ? local : remote,
		.dest_port = ntohs(in ? k->local_port : k->remote_port),
		.proto = mw_flowtable_proto_name(k->proto, pb, sizeof(pb)),
		.ifindex = h->ifindex,
		.action = action,
		.detail = detail,
	};
	mw_eve_emit(a->eve, mw_eve_detection(&rec));
}

/* A hit on flow event @ev, matched as @match. */
static struct hit flow_hit(const struct mw_event_flow *ev, const char *match)
{
	return (struct hit){ .key = &ev->key,
			     .dir = ev->hdr.dir,
			     .initiator = ev->flow.initiator,
			     .host_opened = ev->flow.host_opened,
			     .handshake = ev->flow.handshake,
			     .ifindex = ev->hdr.ifindex,
			     .sock_cookie = ev->flow.sock_cookie,
			     .match = match };
}

void mw_agent_blacklist_hits_flow(void *arg, const struct mw_event_flow *ev)
{
	struct hit h = flow_hit(ev, ev->flow.bl_flags & MW_BL_LEARNED ? "dns" : "address");
	struct mw_agent_blacklist *a = arg;
	const struct mw_bl_learned *l = NULL;

	h.list = ev->flow.blacklist;
	h.alert_only = ev->flow.bl_flags & MW_BL_ALERT;

	if (ev->flow.bl_flags & MW_BL_LEARNED) {
		l = mw_bl_learned_find(&a->bl, (const struct mw_addr *)ev->key.remote_addr);
		h.name = l ? l->name : NULL;
	}
	report(a, &h);
}

/* The host connected before the agent learned the address from the answer
 * that preceded it: the datapath did not know yet, the agent does. */
void mw_agent_blacklist_hits_new_public(void *arg, const struct mw_event_flow *ev)
{
	struct mw_agent_blacklist *a = arg;
	const struct mw_bl_learned *l;
	struct hit h = flow_hit(ev, "dns");

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
		r->sock_cookie = ev->flow.sock_cookie;
		return;
	}
	h.list = l->list;
	h.name = l->name;
	h.alert_only =
		mw_prefixes_contain(a->cfg->bl_alert_only, a->cfg->n_bl_alert_only, &l->addr);
	report(a, &h);
}

#define NEW_FLOW_RECENT_NS (10ULL * 1000000000ULL)

/* @l was just learned: a flow to it the host opened a moment ago (its
 * event read before the answer's peek) is a hit as well. */
void mw_agent_blacklist_hits_learned(struct mw_agent_blacklist *a, const struct mw_bl_learned *l)
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
				 .sock_cookie = r->sock_cookie,
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

/* A hit on the host's ClientHello @hl, matched as @match. */
static void hello_hit(struct mw_agent_blacklist *a, const struct mw_tls_hello *hl,
		      const char *match, uint16_t list, const char *name)
{
	struct hit h = { .key = &hl->key,
			 .dir = hl->dir,
			 .initiator = hl->initiator,
			 .host_opened = hl->host_opened,
			 .handshake = hl->handshake,
			 .ifindex = hl->ifindex,
			 .list = list,
			 .match = match,
			 .name = name };

	h.alert_only = mw_prefixes_contain(a->cfg->bl_alert_only, a->cfg->n_bl_alert_only,
					   (const struct mw_addr *)hl->key.remote_addr);
	report(a, &h);
}

void mw_agent_blacklist_hits_hello(void *arg, const struct mw_tls_hello *hl)
{
	struct mw_agent_blacklist *a = arg;
	const struct mw_bl_name *n = hl->has_sni ? mw_bl_match_name(&a->bl, hl->sni) : NULL;
	const struct mw_bl_ja4 *j = mw_bl_match_ja4(&a->bl, hl->ja4);

	if (n) {
		a->sni_matches++;
		hello_hit(a, hl, "sni", n->list, hl->sni);
	}
	if (j) {
		a->ja4_matches++;
		hello_hit(a, hl, "ja4", j->list, NULL);
	}
}
