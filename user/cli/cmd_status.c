// SPDX-License-Identifier: GPL-2.0-only
/* minewall status: the agent, its attachments, counters and map fill. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "cli/cli.h"
#include "lib/control.h"
#include "lib/flowtable.h"
#include "lib/pinned.h"
#include "lib/stats.h"
#include "lib/util.h"

struct map_fill {
	const char *name;
	long entries;
	__u32 max;
};

static int count_batch(void *arg, const struct mw_flow_key *k, const struct mw_flow *f, size_t n)
{
	return 0;
}

/* Entries of a pinned map; the flow table by batches, small maps by keys. */
static long map_count(const char *name, __u32 *max)
{
	struct bpf_map_info info;
	__u32 len = sizeof(info);
	__u8 key[64], next[64];
	void *prev = NULL;
	long n = 0;
	int fd;

	fd = mw_pinned_open(cli.pin_path, name);
	if (fd < 0)
		return fd;
	memset(&info, 0, sizeof(info));
	if (bpf_obj_get_info_by_fd(fd, &info, &len) || info.key_size > sizeof(key)) {
		close(fd);
		return -EINVAL;
	}
	*max = info.max_entries;
	if (!strcmp(name, MW_MAP_FLOWS)) {
		n = mw_flowtable_walk(fd, 8192, count_batch, NULL);
	} else {
		while (!bpf_map_get_next_key(fd, prev, next)) {
			memcpy(key, next, info.key_size);
			prev = key;
			n++;
		}
	}
	close(fd);
	return n;
}

static void add_counters(json_t *o, const struct mw_stats *st)
{
	json_t *pe = json_object();
	int i;

	json_object_set_new(o, "packets_in", json_integer(st->packets[MW_DIR_IN]));
	json_object_set_new(o, "packets_out", json_integer(st->packets[MW_DIR_OUT]));
	json_object_set_new(o, "bytes_in", json_integer(st->bytes[MW_DIR_IN]));
	json_object_set_new(o, "bytes_out", json_integer(st->bytes[MW_DIR_OUT]));
	json_object_set_new(o, "non_ip", json_integer(st->non_ip));
	json_object_set_new(o, "fragments", json_integer(st->fragments));
	json_object_set_new(o, "fragments_attributed", json_integer(st->frag_attributed));
	json_object_set_new(o, "flow_inserts", json_integer(st->flow_inserts));
	json_object_set_new(o, "flow_insert_failures", json_integer(st->flow_insert_fail));
	json_object_set_new(o, "flow_midstream", json_integer(st->flow_midstream));
	json_object_set_new(o, "flow_reused", json_integer(st->flow_reused));
	json_object_set_new(o, "flow_restored", json_integer(st->flow_restored));
	json_object_set_new(o, "flow_ends", json_integer(st->flow_ends));
	json_object_set_new(o, "events", json_integer(st->events));
	json_object_set_new(o, "events_lost", json_integer(st->events_lost));
	json_object_set_new(o, "peeks", json_integer(st->peeks));
	json_object_set_new(o, "peeks_lost", json_integer(st->peeks_lost));
	json_object_set_new(o, "rst_ignored", json_integer(st->rst_ignored));
	json_object_set_new(o, "fin_ignored", json_integer(st->fin_ignored));
	json_object_set_new(o, "syn_on_live", json_integer(st->syn_on_live));
	json_object_set_new(o, "local_src_in", json_integer(st->local_src_in));
	json_object_set_new(o, "data_out_of_window", json_integer(st->data_out_of_window));
	json_object_set_new(o, "block_drops", json_integer(st->block_drops));
	json_object_set_new(o, "blacklist_hits", json_integer(st->blacklist_hits));
	json_object_set_new(o, "blacklist_drops", json_integer(st->blacklist_drops));
	json_object_set_new(o, "new_public", json_integer(st->new_public));
	for (i = 0; i < MW_PE_MAX; i++)
		json_object_set_new(pe, mw_stats_parse_err_name(i), json_integer(st->parse_err[i]));
	json_object_set_new(o, "parse_errors", pe);
}

/* An interface's name as the agent recorded it: the map may hold any
 * bytes, without a NUL. */
static const char *ifname(const struct mw_agent *agent, unsigned i)
{
	char raw[sizeof(agent->ifaces[i].name) + 1] = { 0 };

	memcpy(raw, agent->ifaces[i].name, sizeof(agent->ifaces[i].name));
	return cli_text(raw);
}

static void print_counts(const char *what, json_t *by_method)
{
	const char *m;
	json_t *v;
	bool any = false;

	printf("%-11s ", what);
	json_object_foreach(by_method, m, v)
	{
		printf("%s%s %lld", any ? ", " : "", cli_text(m), (long long)json_integer_value(v));
		any = true;
	}
	printf("%s\n", any ? "" : "none");
}

static long long int_of(json_t *o, const char *key)
{
	return (long long)json_integer_value(json_object_get(o, key));
}

static const char *when(json_t *o, const char *key)
{
	const char *t = json_string_value(json_object_get(o, key));

	return t ? cli_text(t) : "never";
}

/* The fleet link: the LAPI, what went up and what came down. */
static void print_crowdsec(json_t *c)
{
	const char *err;

	if (!json_is_object(c))
		return;
	printf("crowdsec:   %s, %s; push %s, pull %s\n",
	       cli_text(json_string_value(json_object_get(c, "url"))),
	       json_is_true(json_object_get(c, "logged_in")) ? "logged in" : "not logged in",
	       cli_text(json_string_value(json_object_get(c, "push"))),
	       json_is_true(json_object_get(c, "pull")) ? "yes" : "no");
	printf("            pushed %lld alerts (last %s), %lld queued, %lld failures, %lld refused\n",
	       int_of(c, "pushed"), when(c, "last_push"), int_of(c, "queue"),
	       int_of(c, "push_failures"), int_of(c, "push_rejected"));
	printf("            pulled %lld times (last %s): %lld decisions in force, %lld blocks, "
	       "%lld allowlisted, %lld over the share\n",
	       int_of(c, "pulls"), when(c, "last_pull"), int_of(c, "decisions_in_force"),
	       int_of(c, "active_blocks"), int_of(c, "refused_allow"), int_of(c, "refused_cap"));
	err = json_string_value(json_object_get(c, "last_error"));
	if (err && *err)
		printf("            error: %s\n", cli_text(err));
}

static void print_summary(json_t *s)
{
	json_t *lh = json_object_get(s, "last_hour"), *sets = json_object_get(s, "sets"), *e;
	size_t i;

	print_counts("detections:", json_object_get(lh, "detections"));
	printf("            (last hour, by method)\n");
	print_counts("blocks:", json_object_get(lh, "blocks"));
	printf("sets:       block4 %lld, block6 %lld (cap %lld)\n",
	       (long long)json_integer_value(json_object_get(sets, "ipv4")),
	       (long long)json_integer_value(json_object_get(sets, "ipv6")),
	       (long long)json_integer_value(json_object_get(sets, "max")));
	json_array_foreach(json_object_get(s, "top_offenders"), i, e)
		printf("offender:   %-24s %-10s %3lld offences  %s\n",
		       cli_text(json_string_value(json_object_get(e, "prefix"))),
		       cli_text(json_string_value(json_object_get(e, "method"))),
		       (long long)json_integer_value(json_object_get(e, "offences")),
		       cli_text(json_string_value(json_object_get(e, "reason"))));
	json_array_foreach(json_object_get(s, "containers"), i, e) {
		const char *name = json_string_value(json_object_get(e, "name"));

		printf("container:  %-20.12s %-24s %4lld detections, last %s %s\n",
		       cli_text(json_string_value(json_object_get(e, "id"))),
		       name && *name ? cli_text(name) : "-",
		       (long long)json_integer_value(json_object_get(e, "detections")),
		       cli_text(json_string_value(json_object_get(e, "last_method"))),
		       cli_text(json_string_value(json_object_get(e, "last"))));
	}
	json_array_foreach(json_object_get(s, "warnings"), i, e)
		printf("warning:    %s\n", cli_text(json_string_value(e)));
	print_crowdsec(json_object_get(s, "crowdsec"));
}

static void print_text(const struct mw_agent *agent, bool alive, const struct mw_stats *st,
		       const struct map_fill *fill, size_t n_fill, uint64_t now)
{
	char b1[16], b2[16], b3[16], b4[16], up[16];
	unsigned i;
	uint64_t errs = 0;

	if (alive)
		printf("agent:      running, pid %u, up %s\n", agent->pid,
		       mw_format_duration((now - agent->start_ns) / 1000000, up, sizeof(up)));
	else
		printf("agent:      not running\n");
	for (i = 0; i < agent->n_ifaces && i < MW_MAX_IFACES; i++)
		printf("interface:  %s (ifindex %u): XDP %s, tc egress\n", ifname(agent, i),
		       agent->ifaces[i].ifindex,
		       mw_pinned_xdp_mode_name(agent->ifaces[i].xdp_mode));
	printf("traffic:    in %s packets, %s; out %s packets, %s\n",
	       mw_format_count(st->packets[MW_DIR_IN], b1, sizeof(b1)),
	       mw_format_bytes(st->bytes[MW_DIR_IN], b2, sizeof(b2)),
	       mw_format_count(st->packets[MW_DIR_OUT], b3, sizeof(b3)),
	       mw_format_bytes(st->bytes[MW_DIR_OUT], b4, sizeof(b4)));
	printf("flows:      %llu created, %llu ended, %llu mid-stream, %llu insert failures, ~%llu evicted, %llu watched ones restored\n",
	       (unsigned long long)st->flow_inserts, (unsigned long long)st->flow_ends,
	       (unsigned long long)st->flow_midstream, (unsigned long long)st->flow_insert_fail,
	       (unsigned long long)agent->evictions, (unsigned long long)st->flow_restored);
	printf("events:     %llu sent, %llu lost (ring buffer full)\n",
	       (unsigned long long)st->events, (unsigned long long)st->events_lost);
	printf("peeks:      %llu sent, %llu lost (their ring full)\n",
	       (unsigned long long)st->peeks, (unsigned long long)st->peeks_lost);
	printf("ignored:    %llu RSTs and %llu FINs out of sequence, %llu SYNs on live flows, "
	       "%llu packets in with a local source, %llu payloads out of their window\n",
	       (unsigned long long)st->rst_ignored, (unsigned long long)st->fin_ignored,
	       (unsigned long long)st->syn_on_live, (unsigned long long)st->local_src_in,
	       (unsigned long long)st->data_out_of_window);
	printf("drops:      %llu packets from blocked sources\n",
	       (unsigned long long)st->block_drops);
	printf("non-IP:     %llu frames, %llu later fragments (%llu counted in their flow)\n",
	       (unsigned long long)st->non_ip, (unsigned long long)st->fragments,
	       (unsigned long long)st->frag_attributed);
	for (i = 0; i < MW_PE_MAX; i++)
		errs += st->parse_err[i];
	printf("malformed:  %llu", (unsigned long long)errs);
	for (i = 0; i < MW_PE_MAX; i++)
		if (st->parse_err[i])
			printf(" %s=%llu", mw_stats_parse_err_name(i),
			       (unsigned long long)st->parse_err[i]);
	printf(" (passed, never dropped)\n");
	for (i = 0; i < n_fill; i++) {
		if (fill[i].entries < 0)
			continue;
		printf("map:        %-13s %8ld of %-8u (%.1f%%)\n", fill[i].name, fill[i].entries,
		       fill[i].max, fill[i].max ? 100.0 * fill[i].entries / fill[i].max : 0.0);
	}
	if (st->events_lost)
		printf("warning:    the event ring buffer overflowed: detections may have been missed\n");
	for (i = 0; i < agent->n_ifaces && i < MW_MAX_IFACES; i++)
		if (agent->ifaces[i].xdp_mode == MW_XDP_GENERIC)
			printf("warning:    %s uses generic XDP (slower; the driver lacks native XDP)\n",
			       ifname(agent, i));
}

int do_status(int argc, char **argv)
{
	static const char *const maps[] = { MW_MAP_FLOWS, MW_MAP_WATCHED, MW_MAP_LOCAL,
					    MW_MAP_INTERNAL, MW_MAP_BLOCK };
	struct map_fill fill[ARRAY_SIZE(maps)];
	struct mw_agent agent;
	json_t *summary = NULL;
	struct mw_stats st;
	uint64_t now = mw_now_ns();
	bool alive;
	size_t i;
	int fd, ret;

	if (argc > 0 && !strcmp(argv[0], "help")) {
		printf("Usage: minewall status [-j]\n");
		return EXIT_OK;
	}
	if (argc > 0) {
		cli_error("status: unexpected argument '%s'", argv[0]);
		return EXIT_USAGE;
	}
	ret = cli_check_agent(&agent, &alive);
	if (ret)
		return ret;
	if (alive) {
		json_t *req = json_pack("{s:s}", "cmd", "summary");

		if (mw_control_call(cli.run_dir, req, &summary))
			summary = NULL;
		json_decref(req);
	}
	fd = mw_pinned_open(cli.pin_path, MW_MAP_STATS);
	if (fd < 0 || mw_stats_read(fd, &st)) {
		cli_error("cannot read %s/%s: %s", cli.pin_path, MW_MAP_STATS,
			  strerror(fd < 0 ? -fd : errno));
		if (fd >= 0)
			close(fd);
		json_decref(summary);
		return EXIT_FAIL;
	}
	close(fd);
	for (i = 0; i < ARRAY_SIZE(maps); i++) {
		fill[i].name = maps[i];
		fill[i].max = 0;
		fill[i].entries = map_count(maps[i], &fill[i].max);
	}

	if (!cli.json) {
		print_text(&agent, alive, &st, fill, ARRAY_SIZE(maps), now);
		if (summary)
			print_summary(summary);
		json_decref(summary);
		return EXIT_OK;
	}

	json_t *o = json_object(), *ifs = json_array(), *counters = json_object(),
	       *mf = json_object();

	json_object_set_new(o, "running", json_boolean(alive));
	json_object_set_new(o, "pid", alive ? json_integer(agent.pid) : json_null());
	json_object_set_new(o, "uptime_ms",
			    alive ? json_integer((now - agent.start_ns) / 1000000) : json_null());
	json_object_set_new(
		o, "heartbeat_age_ms",
		json_integer(now > agent.heartbeat_ns ? (now - agent.heartbeat_ns) / 1000000 : 0));
	for (i = 0; i < agent.n_ifaces && i < MW_MAX_IFACES; i++)
		json_array_append_new(ifs,
				      json_pack("{s:s, s:i, s:s, s:b}", "name", ifname(&agent, i),
						"ifindex", agent.ifaces[i].ifindex, "xdp_mode",
						mw_pinned_xdp_mode_name(agent.ifaces[i].xdp_mode),
						"tc_egress", 1));
	json_object_set_new(o, "interfaces", ifs);
	add_counters(counters, &st);
	json_object_set_new(counters, "flow_evictions", json_integer(agent.evictions));
	json_object_set_new(o, "counters", counters);
	for (i = 0; i < ARRAY_SIZE(maps); i++)
		if (fill[i].entries >= 0)
			json_object_set_new(mf, fill[i].name,
					    json_pack("{s:I, s:I}", "entries",
						      (json_int_t)fill[i].entries, "max",
						      (json_int_t)fill[i].max));
	json_object_set_new(o, "maps", mf);
	/* the fleet link stands on its own in the JSON */
	json_object_set(o, "crowdsec",
			summary && json_object_get(summary, "crowdsec") ?
				json_object_get(summary, "crowdsec") :
				json_null());
	if (summary)
		json_object_del(summary, "crowdsec");
	json_object_set_new(o, "summary", summary ? summary : json_null());
	cli_json_print(o);
	return EXIT_OK;
}
