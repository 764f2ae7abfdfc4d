// SPDX-License-Identifier: GPL-2.0-only
/*
 * minewalld's command line. Each option is one row: getopt_long's array,
 * the short-option string, the configuration key it overrides and its line
 * in --help are all made from the row, so they cannot drift apart.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/libbpf.h>

#include "agent/options.h"
#include "lib/log.h"
#include "lib/util.h"
#include "minewall.h"
#include "output/eve.h"

#define MW_VERSION "0.1.0"
#define HELP_COLUMN 26 /* where the help text of every row starts */
#define LONG_ONLY 256 /* getopt values of long-only options: LONG_ONLY + row */

struct mw_option {
	const char *name;
	int short_name; /* 0: long only */
	const char *arg; /* the argument's name in --help; NULL: takes none */
	/* the configuration key it overrides (the argument, or "yes") */
	const char *section, *key;
	/* what it does instead, or before the override is recorded */
	int (*handle)(struct mw_options *o, unsigned row, const char *arg);
	const char *help;
	const char *dflt; /* shown after the help as "(default X)" */
};

static int add_interface(struct mw_options *o, unsigned row, const char *arg)
{
	size_t used = strlen(o->interfaces);

	if (used + strlen(arg) + 2 >= sizeof(o->interfaces)) {
		pr_warn("too many interfaces on the command line (%zu bytes at most)\n",
			sizeof(o->interfaces) - 1);
		return -EINVAL;
	}
	snprintf(o->interfaces + used, sizeof(o->interfaces) - used, " %s", arg);
	o->value[row] = o->interfaces;
	return 0;
}

static int set_config_path(struct mw_options *o, unsigned row, const char *arg)
{
	o->config_path = arg;
	o->config_explicit = true;
	return 0;
}

static int check_config(struct mw_options *o, unsigned row, const char *arg)
{
	o->check_config = true;
	return 0;
}

static int show_config(struct mw_options *o, unsigned row, const char *arg)
{
	o->show_config = true;
	return 0;
}

static int verbose(struct mw_options *o, unsigned row, const char *arg)
{
	mw_log_level++;
	return 0;
}

static int quiet(struct mw_options *o, unsigned row, const char *arg)
{
	mw_log_level = MW_LOG_WARN;
	return 0;
}

static int version(struct mw_options *o, unsigned row, const char *arg)
{
	printf("minewalld %s (libbpf %s)\n", MW_VERSION, libbpf_version_string());
	return MW_OPTIONS_ANSWERED;
}

static int help(struct mw_options *o, unsigned row, const char *arg)
{
	mw_options_usage(stdout);
	return MW_OPTIONS_ANSWERED;
}

/* In the order of --help; the man page's OPTIONS follow it too. */
static const struct mw_option options[] = {
	{ "interface", 'i', "IFACE", "agent", "interfaces", add_interface,
	  "attach to IFACE (repeatable; default: the interface\nof the default route); a containers' bridge or a veth\nport of one: its containers' ports" },
	{ "config", 'c', "FILE", .handle = set_config_path, .help = "configuration file",
	  .dflt = MW_CONFIG_PATH_DEFAULT },
	{ "check-config", .handle = check_config, .help = "check the configuration and exit" },
	{ "show-config", .handle = show_config,
	  .help = "print the effective configuration and exit" },
	{ "pin-path", 0, "DIR", "agent", "pin_path", .help = "where maps are pinned",
	  .dflt = MW_PIN_PATH_DEFAULT },
	{ "run-dir", 0, "DIR", "agent", "run_dir", .help = "lock file and control socket",
	  .dflt = MW_RUN_DIR_DEFAULT },
	{ "max-flows", 0, "N", "flows", "max_flows", .help = "size of the flow table" },
	{ "status-interval", 0, "DUR", "agent", "status_interval",
	  .help = "status line period on stderr (0: never)" },
	{ "xdp-mode", 0, "MODE", "agent", "xdp_mode", .help = "auto, native or generic" },
	{ "dry-run", 0, NULL, "enforce", "dry_run", .help = "decide and report, never block" },
	{ "flush-on-exit", 0, NULL, "enforce", "flush_on_exit",
	  .help = "remove every block when stopping" },
	{ "state-dir", 0, "DIR", "enforce", "state_dir", .help = "ledger and runtime allowlist",
	  .dflt = MW_STATE_DIR_DEFAULT },
	{ "events", 0, "FILE", "agent", "events_file", .help = "events file, JSON lines",
	  .dflt = MW_EVENTS_PATH_DEFAULT },
	{ "syslog", 0, NULL, "agent", "syslog", .help = "send events to syslog too (RFC 5424)" },
	{ "metrics", 0, "ADDR:PORT", "agent", "metrics",
	  .help = "Prometheus endpoint (default 127.0.0.1:9477; config '' off)" },
	{ "ipfix", 0, "HOST:PORT", "agent", "ipfix",
	  .help = "export finished flows to an IPFIX collector (UDP)" },
	{ "verbose", 'v', .handle = verbose,
	  .help = "more output (-vv: libbpf's debug output too)" },
	{ "quiet", 'q', .handle = quiet, .help = "warnings only" },
	{ "version", 'V', .handle = version, .help = "print the version" },
	{ "help", 'h', .handle = help, .help = "this help" },
};

_Static_assert(ARRAY_SIZE(options) == MW_OPTIONS_N, "MW_OPTIONS_N must count the rows");

void mw_options_usage(FILE *out)
{
	const char *line, *end;
	unsigned i;
	int n;

	fprintf(out, "Usage: minewalld [OPTIONS]\n"
		     "Protects this host: XDP/tc flow accounting, detection and blocking.\n\n");
	for (i = 0; i < ARRAY_SIZE(options); i++) {
		const struct mw_option *opt = &options[i];

		if (opt->short_name)
			n = fprintf(out, "  -%c, --%s", opt->short_name, opt->name);
		else
			n = fprintf(out, "      --%s", opt->name);
		if (opt->arg)
			n += fprintf(out, " %s", opt->arg);
		/* a long name and argument past the column keep two spaces */
		fprintf(out, "%*s", n < HELP_COLUMN ? HELP_COLUMN - n : 2, "");
		for (line = opt->help; (end = strchr(line, '\n')); line = end + 1)
			fprintf(out, "%.*s\n%*s", (int)(end - line), line, HELP_COLUMN, "");
		fprintf(out, "%s", line);
		if (opt->dflt)
			fprintf(out, " (default %s)", opt->dflt);
		fprintf(out, "\n");
	}
	fprintf(out, "\nExit status: 0 on a clean stop, 1 on failure, 2 on bad usage.\n");
}

static int option_row(int val)
{
	unsigned i;

	if (val >= LONG_ONLY)
		return val - LONG_ONLY;
	for (i = 0; i < ARRAY_SIZE(options); i++)
		if (options[i].short_name == val)
			return i;
	return -1;
}

int mw_options_parse(struct mw_options *o, int argc, char **argv)
{
	struct option longs[MW_OPTIONS_N + 1] = { 0 };
	char shorts[2 * MW_OPTIONS_N + 1], *s = shorts;
	unsigned i;
	int val, row, ret;

	memset(o, 0, sizeof(*o));
	o->config_path = MW_CONFIG_PATH_DEFAULT;
	for (i = 0; i < ARRAY_SIZE(options); i++) {
		const struct mw_option *opt = &options[i];

		longs[i] = (struct option){ opt->name, opt->arg ? required_argument : no_argument,
					    NULL, opt->short_name ?: LONG_ONLY + (int)i };
		if (opt->short_name) {
			*s++ = opt->short_name;
			if (opt->arg)
				*s++ = ':';
		}
	}
	*s = '\0';

	while ((val = getopt_long(argc, argv, shorts, longs, NULL)) != -1) {
		row = option_row(val);
		if (row < 0) {
			mw_options_usage(stderr); /* getopt said what was wrong */
			return -EINVAL;
		}
		if (options[row].handle) {
			ret = options[row].handle(o, row, optarg);
			if (ret)
				return ret;
		} else {
			o->value[row] = optarg ?: "yes";
		}
	}
	if (optind < argc) {
		pr_warn("unexpected argument '%s'\n", argv[optind]);
		return -EINVAL;
	}
	return 0;
}

int mw_options_config(const struct mw_options *o, struct mw_config *cfg)
{
	char where[64];
	unsigned i;
	int err;

	mw_config_defaults(cfg);
	err = mw_config_load(cfg, o->config_path, stderr);
	if (err == -ENOENT && !o->config_explicit)
		err = 0; /* no file: defaults */
	else if (err == -ENOENT)
		fprintf(stderr, "%s: no such file\n", o->config_path);
	if (err)
		return -ENOEXEC;
	for (i = 0; i < ARRAY_SIZE(options); i++) {
		if (!o->value[i] || !options[i].key)
			continue;
		snprintf(where, sizeof(where), "--%s", options[i].name);
		if (mw_config_set(cfg, options[i].section, options[i].key, o->value[i], where,
				  stderr))
			return -EINVAL;
	}
	return 0;
}
