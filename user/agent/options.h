/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * options.h - minewalld's command line: one table drives getopt, the
 * overrides of configuration keys and the --help text.
 */
#ifndef MW_AGENT_OPTIONS_H
#define MW_AGENT_OPTIONS_H

#include <stdbool.h>
#include <stdio.h>

#include "parse/config.h"

/* rows in the option table; options.c checks the count */
#define MW_OPTIONS_N 20

/* What the command line asked for. */
struct mw_options {
	const char *config_path;
	bool config_explicit; /* -c given: a missing file is an error */
	bool check_config, show_config;
	/* by table row: the value of a configuration key it overrides, or NULL */
	const char *value[MW_OPTIONS_N];
	char interfaces[4096]; /* every -i, space-separated */
};

/* Returned by mw_options_parse when --help or --version answered. */
#define MW_OPTIONS_ANSWERED 1

/*
 * Parses @argv into @o. Returns 0, MW_OPTIONS_ANSWERED (the answer is
 * printed: exit 0) or -EINVAL after printing why (bad usage: exit 2).
 */
int mw_options_parse(struct mw_options *o, int argc, char **argv);
/* Writes the --help text to @out. */
void mw_options_usage(FILE *out);
/*
 * Fills @cfg: the defaults, the configuration file over them, the command
 * line over the file (so that it wins, at start and after every reload).
 * Returns 0, -ENOEXEC when the file is missing or wrong (reported with file
 * and line) or -EINVAL when an option's value is wrong (reported).
 */
int mw_options_config(const struct mw_options *o, struct mw_config *cfg);

#endif
