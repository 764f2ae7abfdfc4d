// SPDX-License-Identifier: GPL-2.0-only
/* cmd_dirnet.c - minewall dirnet baseline | learn [DURATION]. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "cli/cli.h"
#include "lib/util.h"

static int dn_baseline(int argc, char **argv)
{
	json_t *reply, *d;
	json_int_t until, now;
	size_t i;
	int ret;

	if (argc > 0) {
		cli_error("dirnet baseline: unexpected argument '%s'", argv[0]);
		return EXIT_USAGE;
	}
	ret = cli_call(json_pack("{s:s}", "cmd", "dirnet_baseline"), &reply);
	if (ret)
		return ret;
	if (cli.json) {
		cli_json_print(reply);
		return EXIT_OK;
	}
	until = json_integer_value(json_object_get(reply, "learning_until"));
	now = json_integer_value(json_object_get(reply, "now"));
	if (until)
		printf("learning: %llds left\n", (long long)(until > now ? until - now : 0));
	else
		printf("learning: %s\n",
		       json_is_true(json_object_get(reply, "learned")) ?
			       "done; new destinations are reported" :
			       "never done; every unexpected destination is reported");
	printf("DoH endpoints known: %lld; TCP flows waiting for their ClientHello: %lld\n",
	       (long long)json_integer_value(json_object_get(reply, "doh_endpoints")),
	       (long long)json_integer_value(json_object_get(reply, "waiting")));
	printf("%-24s %6s %-16s %7s %s\n", "PREFIX", "PORT", "PROCESS", "COUNT", "LAST SEEN");
	json_array_foreach(json_object_get(reply, "destinations"), i, d)
	{
		char when[32];
		time_t last = (time_t)json_integer_value(json_object_get(d, "last"));
		struct tm tm;

		strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", localtime_r(&last, &tm));
		printf("%-24s %6lld %-16s %7lld %s\n",
		       cli_text(json_string_value(json_object_get(d, "prefix"))),
		       (long long)json_integer_value(json_object_get(d, "port")),
		       cli_text(json_string_value(json_object_get(d, "comm"))),
		       (long long)json_integer_value(json_object_get(d, "count")), when);
	}
	json_decref(reply);
	return EXIT_OK;
}

static int dn_learn(int argc, char **argv)
{
	uint64_t ms = 0;
	json_t *reply;
	int ret;

	if (argc > 1 || (argc == 1 && mw_parse_duration_ms(argv[0], &ms))) {
		cli_error("usage: minewall dirnet learn [DURATION]  (30s, 10m, 2h, 1d)");
		return EXIT_USAGE;
	}
	ret = cli_call(json_pack("{s:s, s:I}", "cmd", "dirnet_learn", "duration_ms",
				 (json_int_t)ms),
		       &reply);
	if (ret)
		return ret;
	if (cli.json) {
		cli_json_print(reply);
	} else {
		printf("learning the host's outbound destinations again, until %lld\n",
		       (long long)json_integer_value(json_object_get(reply, "until")));
		json_decref(reply);
	}
	return EXIT_OK;
}

static int dn_help(int argc, char **argv)
{
	printf("Usage: minewall dirnet baseline\n"
	       "       minewall dirnet learn [DURATION]\n");
	return EXIT_OK;
}

int do_dirnet(int argc, char **argv)
{
	static const struct cmd cmds[] = {
		{ "baseline", dn_baseline },
		{ "learn", dn_learn },
		{ "help", dn_help },
		{ NULL, NULL },
	};

	if (argc == 0)
		return dn_baseline(0, argv);
	return cli_dispatch(cmds, "dirnet command", argc, argv);
}
