// SPDX-License-Identifier: GPL-2.0-only
#include <stdio.h>
#include <string.h>

#include "agent/metrics.h"
#include "lib/stats.h"
#include "lib/util.h"

static void head(FILE *out, const char *name, const char *type, const char *help)
{
	fprintf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void one(FILE *out, const char *name, const char *type, const char *help, double v)
{
	head(out, name, type, help);
	fprintf(out, "%s %.17g\n", name, v);
}

static void pair(FILE *out, const char *name, const char *label, const char *a, uint64_t va,
		 const char *b, uint64_t vb)
{
	fprintf(out, "%s{%s=\"%s\"} %llu\n%s{%s=\"%s\"} %llu\n", name, label, a,
		(unsigned long long)va, name, label, b, (unsigned long long)vb);
}

static void map_fill(FILE *out, const char *map, uint64_t entries, uint64_t max)
{
	fprintf(out, "minewall_map_entries{map=\"%s\"} %llu\n", map, (unsigned long long)entries);
	fprintf(out, "minewall_map_max_entries{map=\"%s\"} %llu\n", map, (unsigned long long)max);
}

/* The endpoints' clients: a peer that holds a connection without finishing
 * its request, or without taking its answer, is dropped; this says how often. */
/* The host's first messages reassembled (@kind "tls": ClientHellos for
 * their SNI, "json": Stratum lines): a flood of unfinished ones shows as
 * evictions. NULL @r: that detector is not running. */
static void reasm_total(FILE *out, const char *kind, const struct mw_reasm *r)
{
	static const char *const outcomes[] = { "started", "completed", "evicted", "expired",
						"gap" };
	uint64_t n[ARRAY_SIZE(outcomes)];
	size_t i;

	if (!r)
		return;
	n[0] = r->started, n[1] = r->completed, n[2] = r->evicted, n[3] = r->expired;
	n[4] = r->gaps;
	for (i = 0; i < ARRAY_SIZE(n); i++)
		fprintf(out, "minewall_reassembly_total{kind=\"%s\",outcome=\"%s\"} %llu\n", kind,
			outcomes[i], (unsigned long long)n[i]);
}

static void reasm_pending(FILE *out, const char *kind, const struct mw_reasm *r)
{
	if (r)
		fprintf(out, "minewall_reassembly_pending{kind=\"%s\"} %u\n", kind,
			mw_reasm_pending(r));
}

/* OUTSCAN's bounded memory: what it follows and what gave way. */
static void outscan(FILE *out, const struct mw_outscan *o)
{
	one(out, "minewall_outscan_programs", "gauge", "Programs OUTSCAN follows.",
	    (double)o->n_src);
	head(out, "minewall_outscan_evicted_total", "counter",
	     "OUTSCAN programs and targets that gave way to newer ones (its caps).");
	fprintf(out, "minewall_outscan_evicted_total{what=\"program\"} %llu\n",
		(unsigned long long)o->sources_evicted);
	fprintf(out, "minewall_outscan_evicted_total{what=\"target\"} %llu\n",
		(unsigned long long)o->targets_evicted);
	one(out, "minewall_outscan_suppressed_total", "counter",
	    "OUTSCAN reports left out by its rate limit.", (double)o->suppressed);
}

static void clients(FILE *out, const struct mw_metrics_view *v)
{
	const struct mw_server *srv[] = { v->metrics_srv, v->control_srv };
	static const char *const name[] = { "metrics", "control" };
	unsigned i, k;

	head(out, "minewall_clients_accepted_total", "counter",
	     "Connections accepted, by endpoint.");
	for (i = 0; i < ARRAY_SIZE(srv); i++)
		if (srv[i])
			fprintf(out, "minewall_clients_accepted_total{endpoint=\"%s\"} %llu\n",
				name[i], (unsigned long long)srv[i]->accepted);
	head(out, "minewall_clients_open", "gauge", "Connections open now, by endpoint.");
	for (i = 0; i < ARRAY_SIZE(srv); i++)
		if (srv[i])
			fprintf(out, "minewall_clients_open{endpoint=\"%s\"} %u\n", name[i],
				mw_server_open_conns(srv[i]));
	head(out, "minewall_clients_dropped_total", "counter",
	     "Connections dropped, by endpoint and reason: deadline (request not whole in time), slow_reader (answer not taken in time), too_many (made room), too_large (request over the bound).");
	for (i = 0; i < ARRAY_SIZE(srv); i++)
		for (k = 0; srv[i] && k < MW_DROP_MAX; k++)
			fprintf(out,
				"minewall_clients_dropped_total{endpoint=\"%s\",reason=\"%s\"} %llu\n",
				name[i], mw_server_drop_names[k],
				(unsigned long long)srv[i]->drops[k]);
}

/* The fleet link (agent/crowdsec.h), when it runs. */
static void crowdsec(FILE *out, const struct mw_agent_crowdsec *c)
{
	one(out, "minewall_crowdsec_logged_in", "gauge",
	    "1 when the CrowdSec LAPI accepted the machine's login.", c->logged_in);
	one(out, "minewall_crowdsec_alerts_pushed_total", "counter",
	    "Alerts the LAPI took from this host.", (double)c->n.pushed);
	one(out, "minewall_crowdsec_push_failures_total", "counter",
	    "Pushes that failed (the LAPI unreachable, a login refused...); retried.",
	    (double)c->n.push_failures);
	one(out, "minewall_crowdsec_alerts_rejected_total", "counter",
	    "Alerts dropped for good: the LAPI refused them.", (double)c->n.push_rejected);
	one(out, "minewall_crowdsec_alerts_queued", "gauge", "Alerts waiting for the LAPI.",
	    (double)c->queue.n);
	one(out, "minewall_crowdsec_alerts_dropped_total", "counter",
	    "Alerts dropped from a full queue (queue_max).", (double)c->queue.dropped);
	one(out, "minewall_crowdsec_pulls_total", "counter", "Pulls of the decisions stream.",
	    (double)c->n.pulls);
	one(out, "minewall_crowdsec_pull_failures_total", "counter",
	    "Pulls that failed (the LAPI unreachable, the key refused, a bad answer).",
	    (double)c->n.pull_failures);
	head(out, "minewall_crowdsec_decisions_total", "counter",
	     "Decisions of the LAPI applied, by operation.");
	pair(out, "minewall_crowdsec_decisions_total", "op", "added", c->n.decisions_added,
	     "deleted", c->n.decisions_deleted);
	head(out, "minewall_crowdsec_decisions_refused_total", "counter",
	     "Decisions not enforced: an allowlisted target, or CROWDSEC's share of the cap full.");
	pair(out, "minewall_crowdsec_decisions_refused_total", "reason", "allowlist",
	     c->n.refused_allow, "cap", c->n.refused_cap);
	one(out, "minewall_crowdsec_decisions_skipped_total", "counter",
	    "Decisions skipped: another scope or type, malformed, expired.", (double)c->n.skipped);
}

void mw_agent_metrics(void *arg, FILE *out)
{
	const struct mw_metrics_view *v = arg;
	const struct mw_eve *e = v->eve;
	uint64_t now = mw_now_ns(), blocks4 = 0, blocks6 = 0;
	struct mw_stats st;
	unsigned i;
	size_t k;

	memset(&st, 0, sizeof(st));
	mw_stats_read(v->stats_fd, &st);
	one(out, "minewall_up", "gauge", "1 while the agent runs.", 1);
	one(out, "minewall_uptime_seconds", "gauge", "Seconds since the agent started.",
	    (double)(now - v->start_ns) / 1e9);

	head(out, "minewall_packets_total", "counter", "Packets seen by the datapath.");
	pair(out, "minewall_packets_total", "direction", "in", st.packets[MW_DIR_IN], "out",
	     st.packets[MW_DIR_OUT]);
	head(out, "minewall_bytes_total", "counter", "Bytes seen by the datapath (layer 2).");
	pair(out, "minewall_bytes_total", "direction", "in", st.bytes[MW_DIR_IN], "out",
	     st.bytes[MW_DIR_OUT]);
	head(out, "minewall_parse_errors_total", "counter",
	     "Packets the parser could not follow (passed), by reason.");
	for (i = 0; i < MW_PE_MAX; i++)
		fprintf(out, "minewall_parse_errors_total{reason=\"%s\"} %llu\n",
			mw_stats_parse_err_name(i), (unsigned long long)st.parse_err[i]);

	one(out, "minewall_flows_active", "gauge", "Flows in the flow table at the latest scan.",
	    (double)v->scan->live);
	one(out, "minewall_flows_created_total", "counter", "Flows the datapath created.",
	    (double)st.flow_inserts);
	one(out, "minewall_flows_ended_total", "counter", "Flows that ended (FIN, RST, idle).",
	    (double)(v->events->received[MW_EV_FLOW_END]));
	one(out, "minewall_flow_evictions_total", "counter",
	    "Flows the LRU table evicted (estimate).", (double)v->heartbeat->evictions);

	head(out, "minewall_detections_total", "counter", "Detections, by method.");
	for (i = 0; i < MW_M_OTHER; i++)
		fprintf(out, "minewall_detections_total{method=\"%s\"} %llu\n", mw_method_names[i],
			(unsigned long long)e->detections[i]);
	head(out, "minewall_blocks_total", "counter", "Blocks applied, by reason and family.");
	for (i = 0; i < MW_M_MAX; i++)
		pair(out, "minewall_blocks_total", "family", "ipv4", e->blocks[i][0], "ipv6",
		     e->blocks[i][1]);
	one(out, "minewall_unblocks_total", "counter", "Blocks ended (expired or removed).",
	    (double)e->unblocks);
	head(out, "minewall_drops_total", "counter", "Packets the datapath dropped, by stage.");
	fprintf(out, "minewall_drops_total{stage=\"xdp_block\"} %llu\n",
		(unsigned long long)st.block_drops);
	fprintf(out, "minewall_drops_total{stage=\"blacklist\"} %llu\n",
		(unsigned long long)st.blacklist_drops);

	for (k = 0; v->policy && k < v->policy->n; k++) {
		if (!v->policy->entries[k].active)
			continue;
		if (mw_addr_is_v4(&v->policy->entries[k].prefix.addr))
			blocks4++;
		else
			blocks6++;
	}
	head(out, "minewall_set_entries", "gauge", "Entries in the nftables block sets.");
	pair(out, "minewall_set_entries", "family", "ipv4", blocks4, "ipv6", blocks6);
	one(out, "minewall_set_max_entries", "gauge", "The cap on blocked entries.",
	    (double)v->cfg->max_blocks);
	one(out, "minewall_method_max_entries", "gauge",
	    "Blocked entries one detection method may hold (method_share of the cap).",
	    (double)mw_policy_share_limit(v->cfg));
	if (v->policy) {
		head(out, "minewall_blocks_refused_total", "counter",
		     "Blocks refused: allowlisted, the cap reached, or the method at its share (by method).");
		fprintf(out, "minewall_blocks_refused_total{reason=\"allowlist\"} %llu\n",
			(unsigned long long)v->policy->refused_allow);
		fprintf(out, "minewall_blocks_refused_total{reason=\"cap\"} %llu\n",
			(unsigned long long)v->policy->refused_cap);
		for (i = 0; i < MW_M_MAX; i++)
			fprintf(out,
				"minewall_blocks_refused_total{reason=\"share\",method=\"%s\"} %llu\n",
				mw_method_names[i],
				(unsigned long long)v->policy->refused_share[i]);
	}

	head(out, "minewall_map_entries", "gauge", "Entries in the BPF maps.");
	head(out, "minewall_map_max_entries", "gauge", "Capacity of the BPF maps.");
	map_fill(out, MW_MAP_FLOWS, v->scan->live, v->cfg->max_flows);
	map_fill(out, MW_MAP_BLOCK, v->nr_blocked ? *v->nr_blocked : 0, MW_BLOCK_MAX);
	map_fill(out, MW_MAP_BLOCK_NET, v->nr_blocked_net ? *v->nr_blocked_net : 0,
		 MW_BLOCK_NET_MAX);
	if (v->bl) {
		map_fill(out, MW_MAP_BLACKLIST4, v->bl->k.n_v4 + v->bl->bl.n_learned,
			 v->bl->k.n_v4 + 65536);
		map_fill(out, MW_MAP_BLACKLIST6, v->bl->k.n_v6, v->bl->k.n_v6 + 65536);
	}

	one(out, "minewall_ringbuf_lost_total", "counter",
	    "Events the datapath could not hand over (ring buffer full).", (double)st.events_lost);
	head(out, "minewall_events_total", "counter",
	     "Events received from the datapath, by type.");
	fprintf(out, "minewall_events_total{type=\"flow_end\"} %llu\n",
		(unsigned long long)v->events->received[MW_EV_FLOW_END]);
	fprintf(out, "minewall_events_total{type=\"new_public\"} %llu\n",
		(unsigned long long)v->events->received[MW_EV_NEW_PUBLIC]);
	fprintf(out, "minewall_events_total{type=\"blacklist\"} %llu\n",
		(unsigned long long)v->events->received[MW_EV_BLACKLIST]);
	fprintf(out, "minewall_events_total{type=\"peek\"} %llu\n",
		(unsigned long long)v->events->received[MW_EV_PEEK]);
	fprintf(out, "minewall_events_total{type=\"burst\"} %llu\n",
		(unsigned long long)v->events->received[MW_EV_BURST]);
	one(out, "minewall_poll_lag_seconds", "gauge",
	    "How late the agent's latest periodic cycle ran.", (double)*v->lag_ns / 1e9);
	one(out, "minewall_flow_scan_seconds", "gauge", "Duration of the latest flow-table scan.",
	    (double)v->scan->scan_ns / 1e9);
	if (v->bl) {
		one(out, "minewall_blacklist_prefixes", "gauge", "Blacklist prefixes in force.",
		    (double)(v->bl->k.n_v4 + v->bl->k.n_v6));
		one(out, "minewall_blacklist_learned", "gauge",
		    "Addresses learned for listed names from DNS answers.",
		    (double)v->bl->bl.n_learned);
	}
	head(out, "minewall_reassembly_total", "counter",
	     "The host's first messages reassembled past their first copy, by kind and outcome.");
	reasm_total(out, "tls", v->hello ? mw_agent_tls_hello_reasm(v->hello) : NULL);
	reasm_total(out, "json", v->bp ? &v->bp->json : NULL);
	head(out, "minewall_reassembly_pending", "gauge",
	     "The host's first messages waiting for their next segments, by kind.");
	reasm_pending(out, "tls", v->hello ? mw_agent_tls_hello_reasm(v->hello) : NULL);
	reasm_pending(out, "json", v->bp ? &v->bp->json : NULL);
	if (v->hello) {
		one(out, "minewall_tls_hellos_total", "counter",
		    "TLS ClientHellos the host sent, read (SNI, ALPN, JA4).",
		    (double)v->hello->read);
		one(out, "minewall_tls_hellos_no_ja4_total", "counter",
		    "Of those, not read whole: no JA4 (a piece, a record cut at 2 KiB).",
		    (double)v->hello->no_ja4);
	}
	one(out, "minewall_syslog_failures_total", "counter", "Events syslog did not take.",
	    (double)e->syslog_failed);
	one(out, "minewall_events_unencodable_total", "counter",
	    "Events that could not be encoded and were written as a record of their loss.",
	    (double)e->unencodable);
	if (v->outscan)
		outscan(out, &v->outscan->o);
	clients(out, v);
	if (v->cs && v->cs->thread_running)
		crowdsec(out, v->cs);
}
