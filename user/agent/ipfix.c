// SPDX-License-Identifier: GPL-2.0-only
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "agent/env.h"
#include "agent/ipfix.h"
#include "agent/loader.h"
#include "parse/config.h"
#include "lib/log.h"
#include "lib/util.h"

/* RFC 5102 flowEndReason */
#define END_IDLE 1
#define END_DETECTED 3

static const char *mark_of(const struct mw_agent_ipfix *a, const struct mw_addr *x)
{
	unsigned i;

	for (i = 0; i < sizeof(a->marks) / sizeof(a->marks[0]); i++)
		if (a->marks[i].method[0] && !memcmp(&a->marks[i].addr, x, sizeof(*x)))
			return a->marks[i].method;
	return NULL;
}

static void on_detection(void *arg, json_t *ev)
{
	struct mw_agent_ipfix *a = arg;
	const char *method = json_string_value(json_object_get(ev, "method"));
	const char *ips[2] = { json_string_value(json_object_get(ev, "src_ip")),
			       json_string_value(json_object_get(ev, "dest_ip")) };
	unsigned i;

	for (i = 0; i < 2; i++) {
		struct mw_addr x;

		if (!method || !ips[i] || mw_addr_parse(ips[i], &x))
			continue;
		a->marks[a->mark_pos].addr = x;
		snprintf(a->marks[a->mark_pos].method, MW_IPFIX_METHOD_LEN, "%s", method);
		a->mark_pos = (a->mark_pos + 1) % (sizeof(a->marks) / sizeof(a->marks[0]));
	}
}

/* CLOCK_MONOTONIC_COARSE ns (the datapath's clock) as Unix ms. */
static uint64_t to_epoch_ms(uint64_t mono_ns)
{
	struct timespec rt, mt;
	int64_t off;

	clock_gettime(CLOCK_REALTIME, &rt);
	clock_gettime(CLOCK_MONOTONIC_COARSE, &mt);
	off = ((int64_t)rt.tv_sec - mt.tv_sec) * 1000 + (rt.tv_nsec - mt.tv_nsec) / 1000000;
	return (uint64_t)((int64_t)(mono_ns / 1000000) + off);
}

static void export_flow(struct mw_agent_ipfix *a, const struct mw_event_flow *ev)
{
	const struct mw_flow *f = &ev->flow;
	const struct mw_addr *local = (const struct mw_addr *)ev->key.local_addr;
	const struct mw_addr *remote = (const struct mw_addr *)ev->key.remote_addr;
	const char *m = mark_of(a, remote);
	struct mw_ipfix_rec r;
	int dir;

	if (!m)
		m = mark_of(a, local);
	for (dir = MW_DIR_IN; dir <= MW_DIR_OUT; dir++) {
		if (!f->packets[dir])
			continue;
		memset(&r, 0, sizeof(r));
		r.src = dir == MW_DIR_IN ? *remote : *local;
		r.dst = dir == MW_DIR_IN ? *local : *remote;
		r.sport = ntohs(dir == MW_DIR_IN ? ev->key.remote_port : ev->key.local_port);
		r.dport = ntohs(dir == MW_DIR_IN ? ev->key.local_port : ev->key.remote_port);
		r.proto = ev->key.proto;
		r.tcp_flags = f->tcp_flags[dir];
		r.direction = dir == MW_DIR_IN ? 0 : 1;
		r.end_reason = ev->hdr.reason == MW_END_IDLE ? END_IDLE : END_DETECTED;
		r.packets = f->packets[dir];
		r.octets = f->bytes[dir];
		r.start_ms = to_epoch_ms(f->first_ns);
		r.end_ms = to_epoch_ms(f->last_ns);
		if (m)
			snprintf(r.method, sizeof(r.method), "%s", m);
		mw_ipfix_add(&a->x, &r, time(NULL));
	}
}

/* The flow's counts now, when its entry is still the same connection (a
 * new connection on the same ports would have another start); else those
 * of its close. */
static void export_final(struct mw_agent_ipfix *a, struct mw_event_flow *ev)
{
	struct mw_flow now;

	if (a->flows_fd >= 0 && !bpf_map_lookup_elem(a->flows_fd, &ev->key, &now) &&
	    now.first_ns == ev->flow.first_ns)
		ev->flow = now;
	export_flow(a, ev);
}

static void on_flow_end(void *arg, const struct mw_event_flow *ev)
{
	struct mw_agent_ipfix *a = arg;
	struct mw_ipfix_pending *p;

	/* an idle end has nothing more to come; a close may have its last ACK */
	if (ev->hdr.reason == MW_END_IDLE || !a->cfg->ipfix_linger_ms || !a->pending) {
		export_flow(a, ev);
		return;
	}
	if (a->count == MW_IPFIX_LINGER_MAX) {
		a->linger_full++;
		export_flow(a, ev);
		return;
	}
	p = &a->pending[(a->head + a->count++) % MW_IPFIX_LINGER_MAX];
	p->ev = *ev;
	p->due_ns = mw_now_ns() + a->cfg->ipfix_linger_ms * 1000000ULL;
}

/* Exports the waiting connections due by @now_ns (all: UINT64_MAX). */
static void export_due(struct mw_agent_ipfix *a, uint64_t now_ns)
{
	while (a->count && a->pending[a->head].due_ns <= now_ns) {
		export_final(a, &a->pending[a->head].ev);
		a->lingered++;
		a->head = (a->head + 1) % MW_IPFIX_LINGER_MAX;
		a->count--;
	}
}

int mw_agent_ipfix_init(struct mw_agent_ipfix *a, const struct mw_env *env)
{
	struct mw_event_sink sink = { .flow_end = on_flow_end, .arg = a };
	int err;

	memset(a, 0, sizeof(*a));
	a->cfg = env->cfg;
	a->flows_fd = env->loader ? mw_loader_map_fd(env->loader, MW_MAP_FLOWS) : -1;
	/* without room to wait, every flow is exported at its close, as before */
	a->pending = calloc(MW_IPFIX_LINGER_MAX, sizeof(*a->pending));
	if (!a->pending)
		pr_warn("IPFIX: no memory to hold closed connections for their last packets; exported at their close\n");
	err = mw_ipfix_open(&a->x, env->cfg->ipfix, (uint32_t)getpid());
	if (err)
		return err;
	env->eve->on_detection = on_detection;
	env->eve->on_detection_arg = a;
	mw_ipfix_flush(&a->x, time(NULL)); /* the templates, at once */
	return mw_events_add_sink(env->events, &sink);
}

void mw_agent_ipfix_tick(struct mw_agent_ipfix *a)
{
	export_due(a, mw_now_ns());
	mw_ipfix_flush(&a->x, time(NULL));
}

void mw_agent_ipfix_free(struct mw_agent_ipfix *a)
{
	export_due(a, UINT64_MAX);
	free(a->pending);
	a->pending = NULL;
	mw_ipfix_close(&a->x);
}
