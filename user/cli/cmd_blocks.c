// SPDX-License-Identifier: GPL-2.0-only
/*
 * minewall blocks | block | unblock | allow | allowlist | flush: through the
 * agent's control socket; `blocks` reads the nft sets itself when no agent
 * runs. A block may be scoped to one container (`block ADDR --container
 * CT_ADDR` or `--cgroup PATH|ID`): listed apart, lifted by `unblock ADDR`
 * for every container or by `unblock ADDR --container ID|NAME|ADDR|CGROUP`
 * for one.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>

#include "lib/addr.h"
#include "cli/cli.h"
#include "lib/control.h"
#include "enforce/nft.h"
#include "lib/util.h"

/* Prints a simple answer: JSON as is, or its "message". */
static int simple(json_t *req)
{
	json_t *reply;
	int ret = cli_call(req, &reply);

	if (ret)
		return ret;
	if (cli.json)
		cli_json_print(reply);
	else {
		const char *m = json_string_value(json_object_get(reply, "message"));

		if (m)
			printf("%s\n", cli_text(m));
		json_decref(reply);
	}
	return EXIT_OK;
}

static int check_prefix(const char *s, bool allow_prefix)
{
	struct mw_prefix p;

	if (!s) {
		cli_error("an address%s is needed", allow_prefix ? " or ADDR/LEN" : "");
		return EXIT_USAGE;
	}
	if (mw_prefix_parse(s, &p)) {
		cli_error("'%s' is not an address or ADDR/LEN without host bits", s);
		return EXIT_USAGE;
	}
	return 0;
}

static bool is_ct(json_t *b)
{
	const char *scope = json_string_value(json_object_get(b, "scope"));

	return scope && !strcmp(scope, "container");
}

/* A container as a listing names it: its name, the start of its id, its
 * address, or its cgroup. */
static const char *ct_label(json_t *b, char *buf, size_t len)
{
	json_t *ct = json_object_get(b, "container");
	const char *name = json_string_value(json_object_get(ct, "name"));
	const char *id = json_string_value(json_object_get(ct, "id"));
	const char *addr = json_string_value(json_object_get(ct, "addr"));
	json_int_t cg = json_integer_value(json_object_get(ct, "cgroup_id"));

	if (name && name[0])
		snprintf(buf, len, "%s", cli_text(name));
	else if (id && id[0])
		snprintf(buf, len, "%.12s", cli_text(id));
	else if (addr && addr[0])
		snprintf(buf, len, "%s", cli_text(addr));
	else
		snprintf(buf, len, "cgroup %lld", (long long)cg);
	return buf;
}

/* Where the container block matches: the container's address (forward
 * chain) and/or its cgroup (output chain). */
static const char *ct_match(json_t *b, char *buf, size_t len)
{
	json_t *ct = json_object_get(b, "container");
	const char *addr = json_string_value(json_object_get(ct, "addr"));
	json_int_t cg = json_integer_value(json_object_get(ct, "cgroup_id"));

	if (addr && addr[0] && cg)
		snprintf(buf, len, "%s,cg:%lld", cli_text(addr), (long long)cg);
	else if (addr && addr[0])
		snprintf(buf, len, "%s", cli_text(addr));
	else
		snprintf(buf, len, "cg:%lld", (long long)cg);
	return buf;
}

/* An element of a container set, as the agent lists a container block. */
static json_t *ct_elem_json(unsigned set, const struct mw_nft_elem *el)
{
	char rb[MW_ADDRSTRLEN], ab[MW_ADDRSTRLEN] = "";
	bool cg = set == MW_SET_CGBLOCK4 || set == MW_SET_CGBLOCK6;

	if (!cg)
		mw_addr_str(&el->ct_addr, ab, sizeof(ab));
	return json_pack("{s:s, s:s, s:o, s:I, s:s, s:{s:s, s:s, s:s, s:I}}", "remote",
			 mw_prefix_str(&el->prefix, rb, sizeof(rb)), "reason",
			 cli_text(el->comment), "remaining_s",
			 el->timeout_ms ? json_integer(el->expires_ms / 1000) : json_null(),
			 "timeout_s", (json_int_t)(el->timeout_ms / 1000), "scope", "container",
			 "container", "id", "", "name", "", "addr", ab, "cgroup_id",
			 (json_int_t)(cg ? el->cgroup_id : 0));
}

static void remaining(json_t *rem, char *buf, size_t len)
{
	if (json_is_null(rem))
		snprintf(buf, len, "permanent");
	else
		mw_format_duration(json_integer_value(rem) * 1000, buf, len);
}

/* The container blocks, a table of their own after the host's. */
static void print_ct_blocks(json_t *reply)
{
	bool header = false;
	size_t i;

	for (i = 0; i < json_array_size(reply); i++) {
		json_t *b = json_array_get(reply, i);
		char rbuf[16], who[64], where[96];

		if (!is_ct(b))
			continue;
		if (!header) {
			printf("\n%-30s %-16s %-26s %-10s %9s %6s  %s\n", "BLOCKED FOR A CONTAINER",
			       "CONTAINER", "MATCHED BY", "METHOD", "REMAINING", "COUNT", "REASON");
			header = true;
		}
		remaining(json_object_get(b, "remaining_s"), rbuf, sizeof(rbuf));
		printf("%-30s %-16s %-26s %-10s %9s %6lld  %s\n",
		       cli_text(json_string_value(json_object_get(b, "remote"))),
		       ct_label(b, who, sizeof(who)), ct_match(b, where, sizeof(where)),
		       cli_text(json_string_value(json_object_get(b, "method"))), rbuf,
		       json_integer_value(json_object_get(b, "count")),
		       cli_text(json_string_value(json_object_get(b, "reason"))));
	}
}

/* Listing straight from nftables, for when the agent is down. */
static int blocks_from_nft(void)
{
	static const unsigned sets[] = { MW_SET_BLOCK4,	   MW_SET_BLOCK6,  MW_SET_BLOCK4NET,
					 MW_SET_BLOCK6NET, MW_SET_CBLOCK4, MW_SET_CBLOCK6,
					 MW_SET_CGBLOCK4,  MW_SET_CGBLOCK6 };
	struct mw_nft nft;
	json_t *arr = json_array();
	size_t s;
	long i, n;

	if (mw_nft_open(&nft)) {
		cli_error("cannot talk to nftables");
		return EXIT_FAIL;
	}
	for (s = 0; s < ARRAY_SIZE(sets); s++) {
		struct mw_nft_elem *els = NULL;

		n = mw_nft_list(&nft, sets[s], &els);
		for (i = 0; i < n; i++) {
			char pb[MW_ADDRSTRLEN];

			if (mw_nft_is_ct_set(sets[s])) {
				json_array_append_new(arr, ct_elem_json(sets[s], &els[i]));
				continue;
			}
			json_array_append_new(
				arr, json_pack("{s:s, s:s, s:o, s:I, s:o, s:s}", "prefix",
					       mw_prefix_str(&els[i].prefix, pb, sizeof(pb)),
					       "reason", cli_text(els[i].comment), "remaining_s",
					       els[i].timeout_ms ?
						       json_integer(els[i].expires_ms / 1000) :
						       json_null(),
					       "timeout_s", (json_int_t)(els[i].timeout_ms / 1000),
					       "nft_hits",
					       els[i].counted ?
						       json_integer((json_int_t)els[i].packets) :
						       json_null(),
					       "scope", "host"));
		}
		free(els);
	}
	mw_nft_close(&nft);
	if (!cli.json)
		fprintf(stderr, "minewall: minewalld is not running; the blocks in nftables:\n");
	if (cli.json) {
		cli_json_print(arr);
		return EXIT_OK;
	}
	for (i = 0; i < (long)json_array_size(arr); i++) {
		json_t *b = json_array_get(arr, i);
		char where[96];

		printf("%-40s %s\n",
		       cli_text(json_string_value(
			       json_object_get(b, is_ct(b) ? "remote" : "prefix"))),
		       cli_text(json_string_value(json_object_get(b, "reason"))));
		if (is_ct(b))
			printf("%-40s for container %s\n", "", ct_match(b, where, sizeof(where)));
	}
	json_decref(arr);
	return EXIT_OK;
}

int do_blocks(int argc, char **argv)
{
	json_t *req, *reply;
	size_t i;
	int err;

	if (argc > 0 && !strcmp(argv[0], "help")) {
		printf("Usage: minewall blocks [-j]\n");
		return EXIT_OK;
	}
	if (argc > 0) {
		cli_error("blocks: unexpected argument '%s'", argv[0]);
		return EXIT_USAGE;
	}
	req = json_pack("{s:s}", "cmd", "blocks");
	err = mw_control_call(cli.run_dir, req, &reply);
	json_decref(req);
	if (err == -ENOENT || err == -ECONNREFUSED)
		return blocks_from_nft();
	if (err) {
		cli_error("cannot talk to minewalld: %s", strerror(-err));
		return EXIT_FAIL;
	}
	if (cli.json) {
		cli_json_print(reply);
		return EXIT_OK;
	}
	printf("%-30s %-10s %9s %6s %9s %9s  %s\n", "BLOCKED", "METHOD", "REMAINING", "COUNT",
	       "NFT HITS", "XDP DROPS", "REASON");
	for (i = 0; i < json_array_size(reply); i++) {
		json_t *b = json_array_get(reply, i), *rem = json_object_get(b, "remaining_s");
		json_t *hits = json_object_get(b, "nft_hits");
		char rbuf[16], hbuf[24] = "-";

		if (is_ct(b))
			continue; /* their own table, below */
		if (json_is_integer(hits))
			snprintf(hbuf, sizeof(hbuf), "%lld", json_integer_value(hits));
		remaining(rem, rbuf, sizeof(rbuf));
		printf("%-30s %-10s %9s %6lld %9s %9lld  %s\n",
		       cli_text(json_string_value(json_object_get(b, "prefix"))),
		       cli_text(json_string_value(json_object_get(b, "method"))), rbuf,
		       json_integer_value(json_object_get(b, "count")), hbuf,
		       json_integer_value(json_object_get(b, "xdp_drops")),
		       cli_text(json_string_value(json_object_get(b, "reason"))));
	}
	print_ct_blocks(reply);
	json_decref(reply);
	return EXIT_OK;
}

/* An argument as a JSON string. JSON carries UTF-8 only: other bytes go as
 * U+FFFD (and control characters then as \xNN) rather than the text being
 * lost; control characters in UTF-8 go as they are, the agent escapes them. */
static json_t *text_json(const char *s)
{
	json_t *r = json_string(s);
	char safe[1024];

	return r ? r : json_string(mw_sanitize_str(safe, sizeof(safe), s));
}

/* --cgroup PATH (a cgroup v2 directory: its id is its inode) or ID. */
static int parse_cgroup(const char *s, json_int_t *id)
{
	struct stat st;
	char *end;
	unsigned long long v;

	if (s[0] == '/') {
		if (stat(s, &st) || !S_ISDIR(st.st_mode)) {
			cli_error("--cgroup: '%s' is not a cgroup directory", s);
			return EXIT_USAGE;
		}
		*id = (json_int_t)st.st_ino;
		return 0;
	}
	v = strtoull(s, &end, 10);
	if (!*s || *end || !v || v > INT64_MAX) {
		cli_error("--cgroup: '%s' is neither a cgroup directory nor a cgroup id", s);
		return EXIT_USAGE;
	}
	*id = (json_int_t)v;
	return 0;
}

int do_block(int argc, char **argv)
{
	const char *target = NULL, *reason = NULL, *ct_addr = NULL, *ct_id = NULL, *ct_name = NULL;
	json_int_t cgroup = 0;
	uint64_t timeout_ms = 0;
	bool permanent = false;
	json_t *req;
	int i, ret;

	for (i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "help")) {
			printf("Usage: minewall block ADDR[/LEN] [--timeout DUR] [--reason TEXT] [--permanent]\n"
			       "       minewall block ADDR --container CT_ADDR|--cgroup PATH|ID\n"
			       "                [--container-id ID] [--container-name NAME] [...]\n"
			       "  --container, --cgroup: block ADDR for that container only (its\n"
			       "  address on its bridge, or its cgroup v2 directory or id)\n");
			return EXIT_OK;
		} else if (!strcmp(argv[i], "--timeout") && i + 1 < argc) {
			if (mw_parse_duration_ms(argv[++i], &timeout_ms) || timeout_ms < 1000) {
				cli_error(
					"--timeout: '%s' is not a duration of 1s or more (30s, 10m, 2h, 1d)",
					argv[i]);
				return EXIT_USAGE;
			}
		} else if (!strcmp(argv[i], "--reason") && i + 1 < argc) {
			reason = argv[++i];
		} else if (!strcmp(argv[i], "--permanent")) {
			permanent = true;
		} else if (!strcmp(argv[i], "--container") && i + 1 < argc) {
			struct mw_addr a;

			ct_addr = argv[++i];
			if (mw_addr_parse(ct_addr, &a)) {
				cli_error("--container: '%s' is not an address", ct_addr);
				return EXIT_USAGE;
			}
		} else if (!strcmp(argv[i], "--cgroup") && i + 1 < argc) {
			if ((ret = parse_cgroup(argv[++i], &cgroup)))
				return ret;
		} else if (!strcmp(argv[i], "--container-id") && i + 1 < argc) {
			ct_id = argv[++i];
		} else if (!strcmp(argv[i], "--container-name") && i + 1 < argc) {
			ct_name = argv[++i];
		} else if (!target && argv[i][0] != '-') {
			target = argv[i];
		} else {
			cli_error("block: unexpected argument '%s'", argv[i]);
			return EXIT_USAGE;
		}
	}
	ret = check_prefix(target, true);
	if (ret)
		return ret;
	if (permanent && timeout_ms) {
		cli_error("block: --timeout and --permanent exclude each other");
		return EXIT_USAGE;
	}
	if ((ct_id || ct_name) && !ct_addr && !cgroup) {
		cli_error(
			"block: --container-id and --container-name need --container or --cgroup");
		return EXIT_USAGE;
	}
	req = json_pack("{s:s, s:s, s:b}", "cmd", "block", "target", target, "permanent",
			permanent);
	if (ct_addr || cgroup) {
		json_t *ct = json_object();

		if (ct_addr)
			json_object_set_new(ct, "addr", json_string(ct_addr));
		if (cgroup)
			json_object_set_new(ct, "cgroup_id", json_integer(cgroup));
		if (ct_id)
			json_object_set_new(ct, "id", text_json(ct_id));
		if (ct_name)
			json_object_set_new(ct, "name", text_json(ct_name));
		json_object_set_new(req, "container", ct);
	}
	if (timeout_ms)
		json_object_set_new(req, "timeout_ms", json_integer(timeout_ms));
	if (reason)
		json_object_set_new(req, "reason", text_json(reason));
	return simple(req);
}

int do_unblock(int argc, char **argv)
{
	json_t *req;
	int ret;

	if (argc == 1 && !strcmp(argv[0], "help")) {
		printf("Usage: minewall unblock ADDR[/LEN] [--container ID|NAME|ADDR|CGROUP_ID]\n"
		       "  lifts the blocks of ADDR for the host and for every container; with\n"
		       "  --container, only that container's\n");
		return EXIT_OK;
	}
	if (argc != 1 && !(argc == 3 && !strcmp(argv[1], "--container"))) {
		cli_error(
			"usage: minewall unblock ADDR[/LEN] [--container ID|NAME|ADDR|CGROUP_ID]");
		return EXIT_USAGE;
	}
	ret = check_prefix(argv[0], true);
	if (ret)
		return ret;
	req = json_pack("{s:s, s:s}", "cmd", "unblock", "target", argv[0]);
	if (argc == 3)
		json_object_set_new(req, "container", text_json(argv[2]));
	return simple(req);
}

int do_allow(int argc, char **argv)
{
	bool del = argc > 0 && !strcmp(argv[0], "del");
	json_t *reply;
	int ret;

	if (argc == 1 && !strcmp(argv[0], "help")) {
		printf("Usage: minewall allow CIDR | minewall allow del CIDR\n");
		return EXIT_OK;
	}
	if (argc != (del ? 2 : 1)) {
		cli_error("usage: minewall allow CIDR | minewall allow del CIDR");
		return EXIT_USAGE;
	}
	ret = check_prefix(argv[del ? 1 : 0], true);
	if (ret)
		return ret;
	ret = cli_call(json_pack("{s:s, s:s}", "cmd", del ? "allow_del" : "allow", "cidr",
				 argv[del ? 1 : 0]),
		       &reply);
	if (ret)
		return ret;
	if (cli.json)
		cli_json_print(reply);
	else {
		printf("%s %s\n", del ? "removed from the allowlist:" : "allowlisted:",
		       cli_text(json_string_value(json_object_get(reply, "cidr"))));
		json_decref(reply);
	}
	return EXIT_OK;
}

int do_allowlist(int argc, char **argv)
{
	json_t *reply;
	size_t i;
	int ret;

	if (argc > 0) {
		if (!strcmp(argv[0], "help")) {
			printf("Usage: minewall allowlist [-j]\n");
			return EXIT_OK;
		}
		cli_error("allowlist: unexpected argument '%s'", argv[0]);
		return EXIT_USAGE;
	}
	ret = cli_call(json_pack("{s:s}", "cmd", "allowlist"), &reply);
	if (ret)
		return ret;
	if (cli.json) {
		cli_json_print(reply);
		return EXIT_OK;
	}
	for (i = 0; i < json_array_size(reply); i++) {
		json_t *e = json_array_get(reply, i);

		printf("%-44s %s\n", cli_text(json_string_value(json_object_get(e, "prefix"))),
		       cli_text(json_string_value(json_object_get(e, "source"))));
	}
	json_decref(reply);
	return EXIT_OK;
}

int do_flush(int argc, char **argv)
{
	json_t *reply;
	int ret;

	if (argc > 0) {
		if (!strcmp(argv[0], "help")) {
			printf("Usage: minewall flush\n");
			return EXIT_OK;
		}
		cli_error("flush: unexpected argument '%s'", argv[0]);
		return EXIT_USAGE;
	}
	ret = cli_call(json_pack("{s:s}", "cmd", "flush"), &reply);
	if (ret)
		return ret;
	if (cli.json)
		cli_json_print(reply);
	else {
		printf("unblocked %lld\n", json_integer_value(json_object_get(reply, "unblocked")));
		json_decref(reply);
	}
	return EXIT_OK;
}
