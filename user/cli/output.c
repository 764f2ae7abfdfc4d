// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "minewall.h"
#include "cli/cli.h"
#include "lib/control.h"
#include "lib/pinned.h"
#include "lib/util.h"

const char *cli_text(const char *s)
{
	/* a few at once: one printf may show several fields */
	static char bufs[16][4096];
	static unsigned next;
	char *buf = bufs[next++ % ARRAY_SIZE(bufs)];

	return mw_sanitize_str(buf, sizeof(bufs[0]), s);
}

void cli_text_lines(FILE *out, const char *s)
{
	while (s && *s) {
		size_t n = strcspn(s, "\n");
		char buf[4096];

		mw_sanitize_utf8(buf, sizeof(buf), s, n);
		fprintf(out, "%s\n", buf);
		s += n + (s[n] == '\n');
	}
}

void cli_error(const char *fmt, ...)
{
	char msg[1024], safe[4096];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* the message may quote the agent, a file or the command line */
	mw_sanitize_str(safe, sizeof(safe), msg);
	if (cli.json) {
		cli_json_print(json_pack("{s:s}", "error", safe));
		return;
	}
	fprintf(stderr, "minewall: %s\n", safe);
}

void cli_json_print(json_t *v)
{
	/* ASCII only: a C1 control character (U+0080 to U+009F) is text to
	 * JSON but a command to some terminals */
	size_t flags = JSON_PRESERVE_ORDER | JSON_ENSURE_ASCII |
		       (cli.pretty ? JSON_INDENT(2) : JSON_COMPACT);

	if (!v) {
		puts("{\"error\": \"out of memory\"}");
		return;
	}
	json_dumpf(v, stdout, flags);
	putchar('\n');
	json_decref(v);
}

int cli_dispatch(const struct cmd *cmds, const char *object, int argc, char **argv)
{
	const struct cmd *match = NULL;
	size_t len;
	int i;

	if (argc < 1) {
		cli_error("%s: missing command; try 'minewall %s help'", object, object);
		return EXIT_USAGE;
	}
	len = strlen(argv[0]);
	for (i = 0; cmds[i].name; i++) {
		if (!strcmp(cmds[i].name, argv[0]))
			return cmds[i].fn(argc - 1, argv + 1);
		if (!strncmp(cmds[i].name, argv[0], len)) {
			if (match) {
				cli_error("'%s' is ambiguous: %s or %s?", argv[0], match->name,
					  cmds[i].name);
				return EXIT_USAGE;
			}
			match = &cmds[i];
		}
	}
	if (!match) {
		cli_error("unknown %s '%s'; try 'minewall help'", object, argv[0]);
		return EXIT_USAGE;
	}
	return match->fn(argc - 1, argv + 1);
}

int cli_check_agent(struct mw_agent *agent, bool *alive)
{
	int err = mw_pinned_agent_read(cli.pin_path, agent);

	if (err == -ENOENT) {
		cli_error("minewalld is not running: no state pinned under %s", cli.pin_path);
		return EXIT_FAIL;
	}
	if (err) {
		cli_error("cannot read %s/%s: %s%s", cli.pin_path, MW_MAP_AGENT, strerror(-err),
			  err == -EPERM || err == -EACCES ? " (run as root)" : "");
		return EXIT_FAIL;
	}
	*alive = mw_pinned_agent_alive(agent);
	if (!*alive && !cli.json)
		fprintf(stderr, "minewall: minewalld is not running; showing the state it left\n");
	return 0;
}

int cli_call(json_t *req, json_t **reply)
{
	int err = mw_control_call(cli.run_dir, req, reply);

	json_decref(req);
	if (err == -ENOENT || err == -ECONNREFUSED) {
		cli_error("minewalld is not running (no control socket in %s)", cli.run_dir);
		return EXIT_FAIL;
	}
	if (err == -EACCES || err == -EPERM) {
		cli_error("the control socket in %s is for root", cli.run_dir);
		return EXIT_FAIL;
	}
	if (err) {
		cli_error("cannot talk to minewalld: %s", strerror(-err));
		return EXIT_FAIL;
	}
	if (json_is_object(*reply) && json_object_get(*reply, "error")) {
		cli_error("%s", json_string_value(json_object_get(*reply, "error")));
		json_decref(*reply);
		return EXIT_FAIL;
	}
	return 0;
}
