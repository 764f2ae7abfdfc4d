/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * cli.h - minewall [OPTIONS] OBJECT { COMMAND | help }: one table of objects,
 * unambiguous prefixes, one printing path for text and JSON (jansson).
 */
#ifndef MW_CLI_CLI_H
#define MW_CLI_CLI_H

#include <stdbool.h>
#include <stdio.h>

#include <jansson.h>

#include "minewall.h"

struct cli {
	bool json;
	bool pretty;
	const char *pin_path;
	const char *run_dir;
};

extern struct cli cli;

/* Exit codes, as in minewall(8). */
enum { EXIT_OK = 0, EXIT_FAIL = 1, EXIT_USAGE = 2 };

struct cmd {
	const char *name;
	int (*fn)(int argc, char **argv);
};

/* Runs the command of @cmds that @argv[0] names or uniquely begins. */
int cli_dispatch(const struct cmd *cmds, const char *object, int argc, char **argv);
/* @s (NULL: "") as printable text (util.h mw_sanitize_utf8): what a
 * terminal shows of a reason, a name or a process never holds a control
 * character. The text lives until 16 more calls. */
const char *cli_text(const char *s);
/* Prints @s line by line, each line sanitized. */
void cli_text_lines(FILE *out, const char *s);
/* An error for the user: text on stderr, or {"error": "..."} on stdout in JSON mode. */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Prints @v as JSON (compact, or indented with -p) and releases it. */
void cli_json_print(json_t *v);
/* The agent's state: prints why and returns non-zero when no pinned state
 * exists; warns (text mode) when the agent that left it is gone. */
int cli_check_agent(struct mw_agent *agent, bool *alive);

/* Sends @req (released) to the agent; on failure prints why and returns an
 * exit code, else 0 with the answer in *@reply. */
int cli_call(json_t *req, json_t **reply);

int do_flows(int argc, char **argv);
int do_status(int argc, char **argv);
int do_blocks(int argc, char **argv);
int do_block(int argc, char **argv);
int do_unblock(int argc, char **argv);
int do_allow(int argc, char **argv);
int do_allowlist(int argc, char **argv);
int do_flush(int argc, char **argv);
int do_blacklist(int argc, char **argv);
int do_dirnet(int argc, char **argv);
int do_events(int argc, char **argv);

#endif
