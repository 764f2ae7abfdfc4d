// SPDX-License-Identifier: GPL-2.0-only
/*
 * minewall blocks | block | unblock | allow | allowlist | flush: through the
 * agent's control socket; `blocks` reads the nft sets itself when no agent
 * runs.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

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

/* Listing straight from nftables, for when the agent is down. */
static int blocks_from_nft(void)
{
	static const unsigned sets[] = { MW_SET_BLOCK4, MW_SET_BLOCK6, MW_SET_BLOCK4NET,
					 MW_SET_BLOCK6NET };
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

			json_array_append_new(
				arr, json_pack("{s:s, s:s, s:o, s:I, s:o}", "prefix",
					       mw_prefix_str(&els[i].prefix, pb, sizeof(pb)),
					       "reason", cli_text(els[i].comment), "remaining_s",
					       els[i].timeout_ms ?
						       json_integer(els[i].expires_ms / 1000) :
						       json_null(),
					       "timeout_s", (json_int_t)(els[i].timeout_ms / 1000),
					       "nft_hits",
					       els[i].counted ?
						       json_integer((json_int_t)els[i].packets) :
						       json_null()));
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

		printf("%-40s %s\n", cli_text(json_string_value(json_object_get(b, "prefix"))),
		       cli_text(json_string_value(json_object_get(b, "reason"))));
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

		if (json_is_integer(hits))
			snprintf(hbuf, sizeof(hbuf), "%lld", json_integer_value(hits));
		if (json_is_null(rem))
			snprintf(rbuf, sizeof(rbuf), "permanent");
		else
			mw_format_duration(json_integer_value(rem) * 1000, rbuf, sizeof(rbuf));
		printf("%-30s %-10s %9s %6lld %9s %9lld  %s\n",
		       cli_text(json_string_value(json_object_get(b, "prefix"))),
		       cli_text(json_string_value(json_object_get(b, "method"))), rbuf,
		       json_integer_value(json_object_get(b, "count")), hbuf,
		       json_integer_value(json_object_get(b, "xdp_drops")),
		       cli_text(json_string_value(json_object_get(b, "reason"))));
	}
	json_decref(reply);
	return EXIT_OK;
}

int do_block(int argc, char **argv)
{
	const char *target = NULL, *reason = NULL;
	uint64_t timeout_ms = 0;
	bool permanent = false;
	json_t *req;
	int i, ret;

	for (i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "help")) {
			printf("Usage: minewall block ADDR[/LEN] [--timeout DUR] [--reason TEXT] [--permanent]\n");
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
	req = json_pack("{s:s, s:s, s:b}", "cmd", "block", "target", target, "permanent",
			permanent);
	if (timeout_ms)
		json_object_set_new(req, "timeout_ms", json_integer(timeout_ms));
	if (reason) {
		json_t *r = json_string(reason);
		char safe[1024];

		/* JSON carries UTF-8 only: other bytes go as U+FFFD (and control
		 * characters then as \xNN) rather than the reason being lost;
		 * control characters in UTF-8 go as they are, the agent escapes them */
		if (!r)
			r = json_string(mw_sanitize_str(safe, sizeof(safe), reason));
		json_object_set_new(req, "reason", r);
	}
	return simple(req);
}

int do_unblock(int argc, char **argv)
{
	int ret;

	if (argc == 1 && !strcmp(argv[0], "help")) {
		printf("Usage: minewall unblock ADDR[/LEN]\n");
		return EXIT_OK;
	}
	if (argc != 1) {
		cli_error("usage: minewall unblock ADDR[/LEN]");
		return EXIT_USAGE;
	}
	ret = check_prefix(argv[0], true);
	return ret ? ret : simple(json_pack("{s:s, s:s}", "cmd", "unblock", "target", argv[0]));
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
