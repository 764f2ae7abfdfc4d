// SPDX-License-Identifier: GPL-2.0-only
/* cmd_blacklist.c - minewall blacklist list | test | load | unload. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli/cli.h"
#include "lib/util.h"

#define USAGE                                                          \
	"Usage: minewall blacklist list\n"                             \
	"       minewall blacklist test ADDR|NAME|JA4 [--port PORT]\n" \
	"       minewall blacklist load FILE... [--name NAME]\n"       \
	"       minewall blacklist unload NAME\n"

static json_int_t num(json_t *o, const char *key)
{
	return json_integer_value(json_object_get(o, key));
}

/* A field as printable text (list names, entries and files come from files
 * and packets). */
static const char *str(json_t *o, const char *key)
{
	return cli_text(json_string_value(json_object_get(o, key)));
}

static int bl_list(int argc, char **argv)
{
	json_t *reply, *l;
	size_t i;
	int ret;

	if (argc > 0) {
		cli_error("blacklist list: unexpected argument '%s'", argv[0]);
		return EXIT_USAGE;
	}
	ret = cli_call(json_pack("{s:s}", "cmd", "blacklist_list"), &reply);
	if (ret)
		return ret;
	if (cli.json) {
		cli_json_print(reply);
		return EXIT_OK;
	}
	printf("%-20s %-7s %9s %7s %5s %9s %9s %7s %8s %9s  %s\n", "LIST", "SOURCE", "PREFIXES",
	       "NAMES", "JA4", "MALFORMED", "NEVERBLK", "ALERT", "LEARNED", "HITS", "FILE");
	json_array_foreach(json_object_get(reply, "lists"), i, l)
		printf("%-20s %-7s %9lld %7lld %5lld %9lld %9lld %7lld %8lld %9lld  %s\n",
		       str(l, "name"), str(l, "source"), (long long)num(l, "prefixes"),
		       (long long)num(l, "names"), (long long)num(l, "ja4"),
		       (long long)num(l, "malformed"),
		       (long long)(num(l, "never_blocked") + num(l, "partly_never_blocked")),
		       (long long)num(l, "alert_only"), (long long)num(l, "learned"),
		       (long long)num(l, "hits"), str(l, "path"));
	printf("in force: %lld IPv4 and %lld IPv6 prefixes, %lld learned addresses; detections %lld\n",
	       (long long)num(reply, "ipv4_prefixes"), (long long)num(reply, "ipv6_prefixes"),
	       (long long)num(reply, "learned_now"), (long long)num(reply, "detections"));
	json_decref(reply);
	return EXIT_OK;
}

static int bl_test(int argc, char **argv)
{
	json_t *reply, *k;
	uint64_t port = 0;
	int ret;

	if (argc == 3 && !strcmp(argv[1], "--port")) {
		if (mw_parse_u64(argv[2], 1, 65535, &port)) {
			cli_error("blacklist test: bad port '%s': expected 1 to 65535", argv[2]);
			return EXIT_USAGE;
		}
	} else if (argc != 1) {
		cli_error("usage: minewall blacklist test ADDR|NAME|JA4 [--port PORT]");
		return EXIT_USAGE;
	}
	ret = cli_call(json_pack("{s:s, s:s, s:I}", "cmd", "blacklist_test", "target", argv[0],
				 "port", (json_int_t)port),
		       &reply);
	if (ret)
		return ret;
	ret = json_is_true(json_object_get(reply, "listed")) ? EXIT_OK : EXIT_FAIL;
	if (cli.json) {
		cli_json_print(reply);
		return ret;
	}
	if (json_object_get(reply, "list")) {
		printf("%s: listed by %s, entry %s%s (%s line %lld)\n", str(reply, "target"),
		       str(reply, "list"), str(reply, "entry"),
		       json_is_true(json_object_get(reply, "subdomains")) ? " and its subdomains" :
									    "",
		       str(reply, "file"), (long long)num(reply, "line"));
		if (num(reply, "port"))
			printf("  only on port %lld\n", (long long)num(reply, "port"));
	}
	if (json_object_get(reply, "learned_for"))
		printf("%s: learned from a DNS answer for %s (list %s), %llds left\n",
		       str(reply, "target"), str(reply, "learned_for"), str(reply, "learned_list"),
		       (long long)num(reply, "learned_expires_s"));
	if (json_array_size(json_object_get(reply, "learned"))) {
		char *addrs = json_dumps(json_object_get(reply, "learned"),
					 JSON_COMPACT | JSON_ENSURE_ASCII);

		printf("  resolved to: %s\n", addrs ? addrs : "");
		free(addrs);
	}
	k = json_object_get(reply, "kernel");
	if (k)
		printf("  in the kernel: list %s%s\n", str(k, "list"),
		       json_is_true(json_object_get(k, "alert_only")) ? ", alert only" : "");
	if (json_is_true(json_object_get(reply, "never_blocked")))
		printf("  never blocked: private, own or allowlisted address\n");
	if (ret)
		printf("%s: not listed\n", str(reply, "target"));
	json_decref(reply);
	return ret;
}

static int bl_load(int argc, char **argv)
{
	json_t *files = json_array(), *reply, *r;
	const char *name = NULL;
	char path[PATH_MAX];
	int i, ret, failed = 0;
	size_t k;

	for (i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--name") && i + 1 < argc) {
			name = argv[++i];
			continue;
		}
		/* the agent runs elsewhere: it needs the file's full path */
		if (!realpath(argv[i], path)) {
			cli_error("blacklist load: %s: %s", argv[i], strerror(errno));
			json_decref(files);
			return EXIT_FAIL;
		}
		json_array_append_new(files, json_string(path));
	}
	if (!json_array_size(files)) {
		json_decref(files);
		cli_error("usage: minewall blacklist load FILE... [--name NAME]");
		return EXIT_USAGE;
	}
	reply = json_pack("{s:s, s:o}", "cmd", "blacklist_load", "files", files);
	if (name)
		json_object_set_new(reply, "name", json_string(name));
	ret = cli_call(reply, &reply);
	if (ret)
		return ret;
	json_array_foreach(json_object_get(reply, "results"), k, r) if (json_object_get(r, "error"))
		failed++;
	if (cli.json) {
		cli_json_print(reply);
		return failed ? EXIT_FAIL : EXIT_OK;
	}
	json_array_foreach(json_object_get(reply, "results"), k, r)
	{
		cli_text_lines(stderr, json_string_value(json_object_get(r, "messages")));
		if (json_object_get(r, "error"))
			printf("%s: not loaded: %s\n", str(r, "file"), str(r, "error"));
		else
			printf("%s: loaded as %s: %lld prefixes, %lld names, %lld JA4, %lld malformed lines skipped\n",
			       str(r, "file"), str(r, "name"), (long long)num(r, "prefixes"),
			       (long long)num(r, "names"), (long long)num(r, "ja4"),
			       (long long)num(r, "malformed"));
	}
	printf("in force: %lld IPv4 and %lld IPv6 prefixes (built in %lld ms)\n",
	       (long long)num(reply, "ipv4_prefixes"), (long long)num(reply, "ipv6_prefixes"),
	       (long long)num(reply, "build_ms"));
	json_decref(reply);
	return failed ? EXIT_FAIL : EXIT_OK;
}

static int bl_unload(int argc, char **argv)
{
	json_t *reply;
	int ret;

	if (argc != 1) {
		cli_error("usage: minewall blacklist unload NAME");
		return EXIT_USAGE;
	}
	ret = cli_call(json_pack("{s:s, s:s}", "cmd", "blacklist_unload", "name", argv[0]), &reply);
	if (ret)
		return ret;
	if (cli.json)
		cli_json_print(reply);
	else {
		printf("unloaded %s\n", cli_text(argv[0]));
		json_decref(reply);
	}
	return EXIT_OK;
}

static int bl_help(int argc, char **argv)
{
	printf(USAGE);
	return EXIT_OK;
}

int do_blacklist(int argc, char **argv)
{
	static const struct cmd cmds[] = {
		{ "list", bl_list },	 { "test", bl_test }, { "load", bl_load },
		{ "unload", bl_unload }, { "help", bl_help }, { NULL, NULL },
	};

	if (argc == 0)
		return bl_list(0, argv);
	return cli_dispatch(cmds, "blacklist command", argc, argv);
}
