// SPDX-License-Identifier: GPL-2.0-only
/* minewall - inspect and steer a running minewall agent. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/libbpf.h>

#include "minewall.h"
#include "cli/cli.h"
#include "lib/log.h"

#define MW_VERSION "0.1.0"

struct cli cli;

static int do_help(int argc, char **argv)
{
	printf("Usage: minewall [OPTIONS] OBJECT { COMMAND | help }\n"
	       "       minewall flows [--top N] [--sort bytes|packets|age]\n"
	       "       minewall status\n"
	       "       minewall blocks\n"
	       "       minewall block ADDR[/LEN] [--timeout DUR] [--reason TEXT] [--permanent]\n"
	       "       minewall block ADDR --container CT_ADDR|--cgroup PATH|ID [...]\n"
	       "       minewall unblock ADDR[/LEN] [--container ID|NAME|ADDR|CGROUP_ID]\n"
	       "       minewall allow CIDR | minewall allow del CIDR\n"
	       "       minewall allowlist\n"
	       "       minewall flush\n"
	       "       minewall blacklist list | test ADDR|NAME|JA4 [--port P] |\n"
	       "                          load FILE... [--name NAME] | unload NAME\n"
	       "       minewall dirnet baseline | learn [DURATION]\n"
	       "       minewall events [-f] [-n N] [--method M] [--since DUR] [--file F]\n"
	       "OPTIONS := { -j | --json } { -p | --pretty } { -v | --verbose }\n"
	       "           { -V | --version } { --pin-path DIR } { --run-dir DIR }\n"
	       "Durations: 30s, 10m, 2h, 1d.\n"
	       "Objects may be abbreviated to a unique prefix. Exit status: 0 ok,\n"
	       "1 failure (e.g. no agent state), 2 bad usage.\n");
	return EXIT_OK;
}

static const struct cmd objects[] = {
	{ "flows", do_flows },
	{ "status", do_status },
	{ "blocks", do_blocks },
	{ "block", do_block },
	{ "unblock", do_unblock },
	{ "allow", do_allow },
	{ "allowlist", do_allowlist },
	{ "flush", do_flush },
	{ "blacklist", do_blacklist },
	{ "dirnet", do_dirnet },
	{ "events", do_events },
	{ "help", do_help },
	{ NULL, NULL },
};

int main(int argc, char **argv)
{
	char **args = calloc(argc + 1, sizeof(*args));
	int i, n = 0, ret;

	if (!args)
		return EXIT_FAIL;
	mw_log_prog = "minewall";
	mw_log_level = MW_LOG_WARN;
	cli.pin_path = getenv("MINEWALL_PIN_PATH") ? getenv("MINEWALL_PIN_PATH") :
						     MW_PIN_PATH_DEFAULT;
	cli.run_dir = getenv("MINEWALL_RUN_DIR") ? getenv("MINEWALL_RUN_DIR") : "/run/minewall";
	/* global options may stand anywhere: `minewall flows -j` as well */
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-j") || !strcmp(argv[i], "--json")) {
			cli.json = true;
		} else if (!strcmp(argv[i], "-p") || !strcmp(argv[i], "--pretty")) {
			cli.json = cli.pretty = true;
		} else if (!strcmp(argv[i], "-v") || !strcmp(argv[i], "--verbose")) {
			mw_log_level++;
		} else if (!strcmp(argv[i], "-V") || !strcmp(argv[i], "--version")) {
			printf("minewall %s (libbpf %s)\n", MW_VERSION, libbpf_version_string());
			free(args);
			return EXIT_OK;
		} else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			args[n++] = "help";
		} else if (!strcmp(argv[i], "--run-dir")) {
			if (++i >= argc) {
				cli_error("--run-dir needs a directory");
				free(args);
				return EXIT_USAGE;
			}
			cli.run_dir = argv[i];
		} else if (!strcmp(argv[i], "--pin-path")) {
			if (++i >= argc) {
				cli_error("--pin-path needs a directory");
				free(args);
				return EXIT_USAGE;
			}
			cli.pin_path = argv[i];
		} else {
			args[n++] = argv[i];
		}
	}
	mw_log_setup_libbpf();
	if (n == 0) {
		do_help(0, NULL);
		free(args);
		return EXIT_USAGE;
	}
	ret = cli_dispatch(objects, "object", n, args);
	free(args);
	return ret;
}
