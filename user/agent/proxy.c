// SPDX-License-Identifier: GPL-2.0-only
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <bpf/bpf.h>

#include "agent/env.h"
#include "agent/events.h"
#include "agent/loader.h"
#include "agent/nat_view.h"
#include "agent/process.h"
#include "agent/proxy.h"
#include "detect/dirnet.h"
#include "detect/evidence.h"
#include "lib/log.h"
#include "lib/util.h"
#include "output/eve.h"
#include "parse/config.h"
#include "parse/proxy.h"

#define REPORT_AGAIN_NS (600ULL * 1000000000ULL) /* the same tunnel: once per 10 min */

/* What the flow and its process say before the message is read. */
struct flow_ctx {
	const struct mw_flow_key *key;
	uint32_t ifindex;
	uint8_t initiator, handshake;
	bool known; /* the process was seen to be a server's (else: gone, or not recorded) */
	json_t *process; /* taken */
	char who[64]; /* the process's name and user, for the report's key */
};

static bool same(const struct mw_proxy_reported *a, const struct mw_proxy_reported *b)
{
	return a->port == b->port && a->proto == b->proto &&
	       !memcmp(a->proxy, b->proxy, sizeof(a->proxy)) &&
	       !strcmp(a->requested, b->requested) && !strcmp(a->who, b->who);
}

/* True when the same process asked the same proxy for the same destination
 * in the same protocol lately (and remembers it otherwise): a client that
 * reconnects is one report. */
static bool reported(struct mw_agent_proxy *a, const struct mw_flow_key *k,
		     enum mw_proxy_proto proto, const char *requested, const char *who)
{
	struct mw_proxy_reported r = { .proto = proto, .port = k->remote_port };
	uint64_t now = mw_now_ns();
	unsigned i;

	memcpy(r.proxy, k->remote_addr, sizeof(r.proxy));
	snprintf(r.requested, sizeof(r.requested), "%s", requested);
	snprintf(r.who, sizeof(r.who), "%s", who);
	for (i = 0; i < ARRAY_SIZE(a->recent); i++)
		if (a->recent[i].ns && now - a->recent[i].ns < REPORT_AGAIN_NS &&
		    same(&a->recent[i], &r))
			return true;
	r.ns = now;
	a->recent[a->recent_pos] = r;
	a->recent_pos = (a->recent_pos + 1) % ARRAY_SIZE(a->recent);
	return false;
}

static json_t *proxy_json(const struct mw_proxy *p)
{
	char req[MW_PROXY_REQUESTED_MAX];

	if (!p)
		return json_pack("{s:s, s:n, s:n}", "protocol", "socks5", "command", "requested");
	return json_pack("{s:s, s:s, s:s, s:s, s:i, s:b, s:b}", "protocol",
			 mw_proxy_proto_name(p->proto), "command", mw_proxy_cmd_name(p->cmd),
			 "requested", mw_proxy_requested(p, req, sizeof(req)), "requested_host",
			 p->host, "requested_port", (int)p->port, "requested_name", p->host_is_name,
			 "cut", p->cut);
}

/* Writes the detection; @p NULL for a SOCKS5 greeting whose request was
 * never read. */
static void report(struct mw_agent_proxy *a, struct flow_ctx *fc, const struct mw_proxy *p)
{
	const struct mw_flow_key *k = fc->key;
	const struct mw_addr *local = (const struct mw_addr *)k->local_addr,
			     *remote = (const struct mw_addr *)k->remote_addr;
	enum mw_evidence evid = mw_evidence_of(k->proto, fc->initiator, fc->handshake, 1);
	json_t *detail, *ct, *e;

	a->detections++;
	/* server_process null: gone before its request was read (or never
	 * recorded), its terminal unknown */
	detail = json_pack("{s:s, s:o, s:s, s:b, s:O, s:o}", "reason",
			   p ? "a server process asks a proxy for a tunnel" :
			       "a SOCKS5 tunnel whose request was not read",
			   "proxy", proxy_json(p), "evidence", mw_evidence_name(evid), "verified",
			   mw_evidence_verified(evid), "process",
			   fc->process ? fc->process : json_null(), "server_process",
			   fc->known ? json_true() : json_null());
	ct = json_object_get(fc->process, "container");
	if (detail && ct)
		json_object_set(detail, "container", ct);
	mw_nat_view_annotate(a->nat, fc->ifindex, k, detail);
	e = mw_eve_detection(&(struct mw_eve_rec){
		.method = "DIRNET",
		.severity = p && fc->known ? "high" : "medium",
		.src = local,
		.src_port = ntohs(k->local_port),
		.dst = remote,
		.dest_port = ntohs(k->remote_port),
		.proto = "tcp",
		.ifindex = fc->ifindex,
		.action = "alert",
		.detail = detail,
	});
	mw_eve_emit(a->eve, e);
}

/*
 * Whether the flow of @ev is one to judge, and the process behind it in
 * @fc: a proxy on the internet that DIRNET does not expect, asked by a
 * process that is not a person's at a terminal. A process gone before its
 * request was read (or never recorded) may have had one: it is reported,
 * at medium.
 */
static bool worth_judging(struct mw_agent_proxy *a, const struct mw_event_peek *ev,
			  struct flow_ctx *fc)
{
	const struct mw_addr *remote = (const struct mw_addr *)ev->key.remote_addr;
	struct mw_process proc;
	struct mw_flow f;
	bool have_flow, have_proc, alive;

	if (mw_prefixes_contain(a->cfg->internal, a->cfg->n_internal, remote) ||
	    (a->dirnet &&
	     mw_dirnet_allows(a->dirnet, remote, ntohs(ev->key.remote_port), mw_now_ns())))
		return false;
	have_flow = a->flows_fd >= 0 && !bpf_map_lookup_elem(a->flows_fd, &ev->key, &f);
	/* a container's connection NATed on the uplink: judged on its veth */
	if (have_flow && a->nat &&
	    mw_nat_view_is_twin(a->nat, ev->hdr.ifindex, &ev->key, f.sock_cookie, f.host_opened))
		return false;
	have_proc = have_flow && !mw_process_lookup(a->owner_fd, f.sock_cookie, &proc);
	/* /proc answered for it: its terminal is known */
	alive = have_proc && (proc.exe[0] || proc.cmdline[0]);
	if (alive && !mw_process_is_server(&proc))
		return false;
	*fc = (struct flow_ctx){ .key = &ev->key,
				 .ifindex = ev->hdr.ifindex,
				 .initiator = ev->initiator,
				 .handshake = ev->handshake,
				 .known = alive || (have_proc && proc.in_container),
				 .process = have_proc ? mw_process_json(&proc) : NULL };
	if (have_proc)
		snprintf(fc->who, sizeof(fc->who), "%s %u", proc.comm, proc.o.uid);
	return true;
}

static struct mw_proxy_greeting *greeting_of(struct mw_agent_proxy *a, const struct mw_flow_key *k)
{
	unsigned i;

	for (i = 0; a->n_greetings && i < MW_PROXY_GREETINGS; i++)
		if (a->greetings[i].ns && !memcmp(&a->greetings[i].key, k, sizeof(*k)))
			return &a->greetings[i];
	return NULL;
}

static void greeting_drop(struct mw_agent_proxy *a, struct mw_proxy_greeting *g)
{
	if (g->ns)
		a->n_greetings--;
	json_decref(g->process);
	memset(g, 0, sizeof(*g));
}

/* Keeps a SOCKS5 greeting until its request: in a free slot, else the
 * oldest gives way. */
static void greeting_keep(struct mw_agent_proxy *a, struct flow_ctx *fc)
{
	struct mw_proxy_greeting *g = greeting_of(a, fc->key);
	unsigned i;

	for (i = 0; !g && i < MW_PROXY_GREETINGS; i++)
		if (!a->greetings[i].ns)
			g = &a->greetings[i];
	if (!g) {
		g = &a->greetings[a->greeting_pos];
		a->greeting_pos = (a->greeting_pos + 1) % MW_PROXY_GREETINGS;
	}
	greeting_drop(a, g);
	*g = (struct mw_proxy_greeting){ .key = *fc->key,
					 .ns = mw_now_ns(),
					 .ifindex = fc->ifindex,
					 .initiator = fc->initiator,
					 .handshake = fc->handshake,
					 .known = fc->known,
					 .process = fc->process };
	a->n_greetings++;
	fc->process = NULL;
}

/* A greeting whose flow carried data both ways beyond SOCKS's exchanges
 * without a request read: reported (once), then forgotten either way. */
static void greeting_judge(struct mw_agent_proxy *a, struct mw_proxy_greeting *g,
			   const struct mw_flow *f)
{
	struct flow_ctx fc = { .key = &g->key,
			       .ifindex = g->ifindex,
			       .initiator = g->initiator,
			       .handshake = g->handshake,
			       .known = g->known };
	const char *who;

	if (f && f->data_packets[MW_DIR_OUT] >= MW_PROXY_TUNNEL_PACKETS &&
	    f->data_packets[MW_DIR_IN] >= MW_PROXY_TUNNEL_PACKETS) {
		who = json_string_value(json_object_get(g->process, "comm"));
		if (!reported(a, &g->key, MW_PROXY_SOCKS5, "", who ? who : "")) {
			a->greetings_alone++;
			fc.process = g->process;
			report(a, &fc, NULL);
		}
	}
	greeting_drop(a, g);
}

static void on_peek(void *arg, const struct mw_event_peek *ev)
{
	struct mw_agent_proxy *a = arg;
	struct mw_proxy_greeting *g;
	struct mw_proxy p;
	struct flow_ctx fc;
	enum mw_proxy_msg m;
	char req[MW_PROXY_REQUESTED_MAX];

	/* the host's own first bytes on a connection it opened */
	if (!a->cfg->dn_enable || !a->cfg->dn_proxy || ev->key.proto != IPPROTO_TCP ||
	    ev->hdr.dir != MW_DIR_OUT || !ev->host_opened || ev->cont || !ev->len)
		return;
	if (ev->data[0] != 4 && ev->data[0] != 5 && ev->data[0] != 'C')
		return;
	m = mw_proxy_parse(ev->data, ev->len, ev->orig_len <= ev->len, &p);
	if (m == MW_PROXY_MSG_NONE)
		return;
	a->requests++;
	if (!worth_judging(a, ev, &fc)) {
		a->quiet++;
		return;
	}
	if (m == MW_PROXY_MSG_GREETING) {
		greeting_keep(a, &fc);
		return;
	}
	g = greeting_of(a, &ev->key);
	if (g)
		greeting_drop(a, g);
	if (reported(a, &ev->key, p.proto, mw_proxy_requested(&p, req, sizeof(req)), fc.who)) {
		json_decref(fc.process);
		return;
	}
	report(a, &fc, &p);
	json_decref(fc.process);
}

static void on_flow_end(void *arg, const struct mw_event_flow *ev)
{
	struct mw_agent_proxy *a = arg;
	struct mw_proxy_greeting *g;

	if (ev->key.proto != IPPROTO_TCP || !ev->flow.host_opened)
		return;
	g = greeting_of(a, &ev->key);
	if (g)
		greeting_judge(a, g, &ev->flow);
}

void mw_agent_proxy_tick(struct mw_agent_proxy *a, uint64_t now_ns)
{
	unsigned i;

	for (i = 0; a->n_greetings && i < MW_PROXY_GREETINGS; i++) {
		struct mw_proxy_greeting *g = &a->greetings[i];
		struct mw_flow f;

		if (!g->ns || now_ns - g->ns < MW_PROXY_REQUEST_WAIT_NS)
			continue;
		if (a->flows_fd < 0 || bpf_map_lookup_elem(a->flows_fd, &g->key, &f)) {
			greeting_drop(a, g); /* gone: its end said what there was */
			continue;
		}
		if (now_ns - g->ns >= MW_PROXY_GREETING_TTL_NS ||
		    (f.data_packets[MW_DIR_OUT] >= MW_PROXY_TUNNEL_PACKETS &&
		     f.data_packets[MW_DIR_IN] >= MW_PROXY_TUNNEL_PACKETS))
			greeting_judge(a, g, &f);
	}
}

int mw_agent_proxy_init(struct mw_agent_proxy *a, const struct mw_env *env,
			const struct mw_dirnet *dirnet)
{
	struct mw_event_sink sink = { .peek = on_peek, .flow_end = on_flow_end, .arg = a };

	memset(a, 0, sizeof(*a));
	a->cfg = env->cfg;
	a->dirnet = dirnet;
	a->eve = env->eve;
	a->nat = env->nat;
	a->owner_fd = mw_loader_map_fd(env->loader, MW_MAP_OWNER);
	a->flows_fd = mw_loader_map_fd(env->loader, MW_MAP_FLOWS);
	return mw_events_add_sink(env->events, &sink);
}

void mw_agent_proxy_free(struct mw_agent_proxy *a)
{
	unsigned i;

	for (i = 0; i < MW_PROXY_GREETINGS; i++)
		if (a->greetings[i].ns)
			greeting_drop(a, &a->greetings[i]);
}
