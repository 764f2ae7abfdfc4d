// SPDX-License-Identifier: GPL-2.0-only
/* minewall flows: the live flow table, read from the pinned map. */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/addr.h"
#include "cli/cli.h"
#include "lib/container.h"
#include "lib/control.h"
#include "lib/flow_key_str.h"
#include "lib/flowtable.h"
#include "lib/pinned.h"
#include "lib/util.h"

enum sort_key { SORT_BYTES, SORT_PACKETS, SORT_AGE };

static enum sort_key sort_by;

static __u64 total_bytes(const struct mw_flow_rec *r)
{
	return r->flow.bytes[0] + r->flow.bytes[1];
}

static __u64 total_packets(const struct mw_flow_rec *r)
{
	return r->flow.packets[0] + r->flow.packets[1];
}

static int cmp_flows(const void *pa, const void *pb)
{
	const struct mw_flow_rec *a = pa, *b = pb;
	__u64 va, vb;

	switch (sort_by) {
	case SORT_PACKETS:
		va = total_packets(a), vb = total_packets(b);
		break;
	case SORT_AGE: /* oldest first */
		va = b->flow.first_ns, vb = a->flow.first_ns;
		break;
	default:
		va = total_bytes(a), vb = total_bytes(b);
		break;
	}
	return va < vb ? 1 : va > vb ? -1 : 0;
}

static const char *initiator_name(unsigned i)
{
	return i == MW_DIR_IN ? "remote" : i == MW_DIR_OUT ? "local" : "unknown";
}

/* Cookies asked of the agent in one request (its limit). */
#define FLOWS_COOKIES_PER_CALL 4096

static void ask_processes(json_t *all, json_t *cookies)
{
	json_t *req = json_pack("{s:s, s:O}", "cmd", "processes", "cookies", cookies),
	       *reply = NULL;

	if (req && !mw_control_call(cli.run_dir, req, &reply))
		json_object_update(all, json_object_get(reply, "processes"));
	json_decref(req);
	json_decref(reply);
	json_array_clear(cookies);
}

/* The process (and its container) behind each flow a local socket opened,
 * as the agent knows them: an object keyed by socket cookie, empty when
 * the agent does not answer. */
static json_t *processes_of(const struct mw_flow_rec *recs, long n)
{
	json_t *all = json_object(), *cookies = json_array(), *asked = json_object();
	char key[24];
	long i;

	for (i = 0; i < n && all && cookies && asked; i++) {
		if (!recs[i].flow.sock_cookie)
			continue;
		/* one socket may have many flows (a UDP one sending to many
		 * peers): each asked once, as each costs the agent's main loop
		 * reads of /proc */
		snprintf(key, sizeof(key), "%llu", (unsigned long long)recs[i].flow.sock_cookie);
		if (json_object_get(asked, key))
			continue;
		json_object_set_new(asked, key, json_true());
		json_array_append_new(cookies, json_integer((json_int_t)recs[i].flow.sock_cookie));
		if (json_array_size(cookies) == FLOWS_COOKIES_PER_CALL)
			ask_processes(all, cookies);
	}
	if (all && cookies && json_array_size(cookies))
		ask_processes(all, cookies);
	json_decref(cookies);
	json_decref(asked);
	return all;
}

static json_t *process_of(json_t *procs, const struct mw_flow_rec *r)
{
	char key[24];

	if (!r->flow.sock_cookie)
		return NULL;
	snprintf(key, sizeof(key), "%llu", (unsigned long long)r->flow.sock_cookie);
	return json_object_get(procs, key);
}

/* Whether flow @r's process runs in the container @want. */
static bool in_container(json_t *procs, const struct mw_flow_rec *r, const char *want)
{
	struct mw_container ct;

	return !mw_container_from_json(json_object_get(process_of(procs, r), "container"), &ct) &&
	       mw_container_matches(&ct, want);
}

/* The host's ClientHellos the agent holds, by flow key string (empty when
 * the agent does not answer). */
static json_t *hellos_of(void)
{
	json_t *req = json_pack("{s:s}", "cmd", "tls_hellos"), *reply = NULL, *out;

	if (!req || mw_control_call(cli.run_dir, req, &reply))
		reply = NULL;
	json_decref(req);
	out = json_object_get(reply, "hellos");
	out = out ? json_incref(out) : json_object();
	json_decref(reply);
	return out;
}

static json_t *hello_of(json_t *hellos, const struct mw_flow_rec *r)
{
	char key[MW_FLOW_KEY_STRLEN];

	return json_object_get(hellos, mw_flow_key_str(&r->key, key, sizeof(key)));
}

static json_t *flow_json(const struct mw_flow_rec *r, __u64 now, json_t *proc, json_t *hello)
{
	char la[MW_ADDRSTRLEN], ra[MW_ADDRSTRLEN], pb[8], fi[10], fo[10], ifn[IF_NAMESIZE];
	const struct mw_flow *f = &r->flow;
	json_t *o;

	o = json_pack("{s:s, s:s, s:i, s:s, s:i, s:s, s:s, s:b}", "proto",
		      mw_flowtable_proto_name(r->key.proto, pb, sizeof(pb)), "local_addr",
		      mw_addr_str((const struct mw_addr *)r->key.local_addr, la, sizeof(la)),
		      "local_port", ntohs(r->key.local_port), "remote_addr",
		      mw_addr_str((const struct mw_addr *)r->key.remote_addr, ra, sizeof(ra)),
		      "remote_port", ntohs(r->key.remote_port), "initiator",
		      initiator_name(f->initiator), "state", mw_flowtable_state_name(f->state),
		      "handshake", f->handshake);
	if (!o)
		return NULL;
	json_object_set_new(o, "packets_in", json_integer(f->packets[MW_DIR_IN]));
	json_object_set_new(o, "packets_out", json_integer(f->packets[MW_DIR_OUT]));
	json_object_set_new(o, "bytes_in", json_integer(f->bytes[MW_DIR_IN]));
	json_object_set_new(o, "bytes_out", json_integer(f->bytes[MW_DIR_OUT]));
	json_object_set_new(o, "data_packets_in", json_integer(f->data_packets[MW_DIR_IN]));
	json_object_set_new(o, "data_packets_out", json_integer(f->data_packets[MW_DIR_OUT]));
	json_object_set_new(o, "exchanges", json_integer(f->exchanges));
	json_object_set_new(
		o, "tcp_flags_in",
		json_string(mw_flowtable_tcp_flags_str(f->tcp_flags[MW_DIR_IN], fi, sizeof(fi))));
	json_object_set_new(
		o, "tcp_flags_out",
		json_string(mw_flowtable_tcp_flags_str(f->tcp_flags[MW_DIR_OUT], fo, sizeof(fo))));
	json_object_set_new(o, "age_ms",
			    json_integer(now > f->first_ns ? (now - f->first_ns) / 1000000 : 0));
	json_object_set_new(o, "idle_ms",
			    json_integer(now > f->last_ns ? (now - f->last_ns) / 1000000 : 0));
	json_object_set_new(o, "interface",
			    json_string(if_indextoname(f->ifindex, ifn) ? ifn : "?"));
	json_object_set_new(o, "blacklist", json_integer(f->blacklist));
	if (proc)
		json_object_set(o, "process", proc);
	/* the host's ClientHello on this flow: its JA4 and server name */
	if (json_object_get(hello, "ja4"))
		json_object_set(o, "ja4", json_object_get(hello, "ja4"));
	if (json_object_get(hello, "sni"))
		json_object_set(o, "sni", json_object_get(hello, "sni"));
	return o;
}

static void flow_text(const struct mw_flow_rec *r, __u64 now, json_t *proc)
{
	const char *comm = json_string_value(json_object_get(proc, "comm")),
		   *ct = json_string_value(
			   json_object_get(json_object_get(proc, "container"), "name"));
	char la[MW_ADDRSTRLEN], ra[MW_ADDRSTRLEN], pb[8], ep1[MW_ADDRSTRLEN + 8],
		ep2[MW_ADDRSTRLEN + 8], b1[16], b2[16], age[16], idle[16], pk[48], by[48];
	const struct mw_flow *f = &r->flow;
	bool v4 = mw_addr_is_v4((const struct mw_addr *)r->key.local_addr);

	mw_addr_str((const struct mw_addr *)r->key.local_addr, la, sizeof(la));
	mw_addr_str((const struct mw_addr *)r->key.remote_addr, ra, sizeof(ra));
	snprintf(ep1, sizeof(ep1), v4 ? "%s:%u" : "[%s]:%u", la, ntohs(r->key.local_port));
	snprintf(ep2, sizeof(ep2), v4 ? "%s:%u" : "[%s]:%u", ra, ntohs(r->key.remote_port));
	snprintf(pk, sizeof(pk), "%llu/%llu", (unsigned long long)f->packets[MW_DIR_IN],
		 (unsigned long long)f->packets[MW_DIR_OUT]);
	snprintf(by, sizeof(by), "%s/%s", mw_format_bytes(f->bytes[MW_DIR_IN], b1, sizeof(b1)),
		 mw_format_bytes(f->bytes[MW_DIR_OUT], b2, sizeof(b2)));
	printf("%-5s %-28s %-28s %-7s %-7s %13s %19s %7s %7s %s%s%s\n",
	       mw_flowtable_proto_name(r->key.proto, pb, sizeof(pb)), ep1, ep2,
	       initiator_name(f->initiator), mw_flowtable_state_name(f->state), pk, by,
	       mw_format_duration(now > f->first_ns ? (now - f->first_ns) / 1000000 : 0, age,
				  sizeof(age)),
	       mw_format_duration(now > f->last_ns ? (now - f->last_ns) / 1000000 : 0, idle,
				  sizeof(idle)),
	       comm ? cli_text(comm) : "", ct && *ct ? "@" : "", ct && *ct ? cli_text(ct) : "");
}

static int flows_usage(void)
{
	cli_error(
		"usage: minewall flows [--top N] [--sort bytes|packets|age] [--container ID|NAME] [-j]");
	return EXIT_USAGE;
}

int do_flows(int argc, char **argv)
{
	struct mw_flow_rec *recs = NULL;
	const char *container = NULL;
	struct mw_agent agent;
	json_t *procs;
	uint64_t top = 0, now;
	bool alive;
	long n, i;
	int fd, ret;

	sort_by = SORT_BYTES;
	for (i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "help")) {
			printf("Usage: minewall flows [--top N] [--sort bytes|packets|age] [--container ID|NAME] [-j]\n");
			return EXIT_OK;
		}
		if (!strcmp(argv[i], "--top") && i + 1 < argc) {
			if (mw_parse_u64(argv[++i], 1, 100000000, &top)) {
				cli_error("--top: '%s' is not a number from 1 to 100000000",
					  argv[i]);
				return EXIT_USAGE;
			}
		} else if (!strcmp(argv[i], "--sort") && i + 1 < argc) {
			i++;
			if (!strcmp(argv[i], "bytes"))
				sort_by = SORT_BYTES;
			else if (!strcmp(argv[i], "packets"))
				sort_by = SORT_PACKETS;
			else if (!strcmp(argv[i], "age"))
				sort_by = SORT_AGE;
			else {
				cli_error("--sort: '%s' is not one of bytes, packets, age",
					  argv[i]);
				return EXIT_USAGE;
			}
		} else if (!strcmp(argv[i], "--container") && i + 1 < argc && *argv[i + 1]) {
			container = argv[++i];
		} else {
			cli_error("flows: unexpected argument '%s'", argv[i]);
			return flows_usage();
		}
	}

	ret = cli_check_agent(&agent, &alive);
	if (ret)
		return ret;
	fd = mw_pinned_open(cli.pin_path, MW_MAP_FLOWS);
	if (fd < 0) {
		cli_error("cannot open %s/%s: %s", cli.pin_path, MW_MAP_FLOWS, strerror(-fd));
		return EXIT_FAIL;
	}
	n = mw_flowtable_read(fd, &recs);
	close(fd);
	if (n < 0) {
		cli_error("cannot read the flow table: %s", strerror((int)-n));
		return EXIT_FAIL;
	}
	now = mw_now_ns();
	procs = processes_of(recs, n);
	if (container) {
		long kept = 0;

		if (!alive) {
			cli_error(
				"flows --container: minewalld is not running: it names the flows' processes");
			free(recs);
			json_decref(procs);
			return EXIT_FAIL;
		}
		for (i = 0; i < n; i++)
			if (in_container(procs, &recs[i], container))
				recs[kept++] = recs[i];
		n = kept;
	}
	qsort(recs, n, sizeof(*recs), cmp_flows);
	if (top && (uint64_t)n > top)
		n = top;

	if (cli.json) {
		json_t *arr = json_array(), *hellos = alive ? hellos_of() : json_object();

		for (i = 0; i < n; i++)
			json_array_append_new(arr,
					      flow_json(&recs[i], now, process_of(procs, &recs[i]),
							hello_of(hellos, &recs[i])));
		cli_json_print(arr);
		json_decref(hellos);
	} else {
		printf("%-5s %-28s %-28s %-7s %-7s %13s %19s %7s %7s %s\n", "PROTO", "LOCAL",
		       "REMOTE", "INIT", "STATE", "PKTS IN/OUT", "BYTES IN/OUT", "AGE", "IDLE",
		       "PROCESS");
		for (i = 0; i < n; i++)
			flow_text(&recs[i], now, process_of(procs, &recs[i]));
	}
	free(recs);
	json_decref(procs);
	return EXIT_OK;
}
