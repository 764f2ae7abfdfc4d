// SPDX-License-Identifier: GPL-2.0-only
/* cmd_events.c - minewall events [-f] [-n N] [--method M] [--container ID|NAME] [--since DUR] [--file F]. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "cli/cli.h"
#include "lib/container.h"
#include "lib/control.h"
#include "output/eve.h"
#include "lib/util.h"

struct filter {
	const char *method;
	const char *container; /* an id (or its first characters) or a name */
	int64_t since_s; /* 0: all */
};

/* "2026-11-27T10:57:23.851065Z" -> Unix seconds; -1 when unreadable. */
static int64_t parse_ts(const char *s)
{
	struct tm tm = { 0 };

	if (!s || !strptime(s, "%Y-%m-%dT%H:%M:%S", &tm))
		return -1;
	return (int64_t)timegm(&tm);
}

/* Field @k of event @o; in a Suricata alert ([agent] eve_format = suricata)
 * minewall's own fields (method, severity, action, detail) are under
 * "minewall". */
static json_t *field(json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);

	return v ? v : json_object_get(json_object_get(o, "minewall"), k);
}

/* Whether event @o names the container @want: a detection names its
 * process's, a block of one container's its own. */
static bool names_container(json_t *o, const char *want)
{
	struct mw_container ct;

	return !mw_container_from_json(mw_container_of_detail(field(o, "detail")), &ct) &&
	       mw_container_matches(&ct, want);
}

/* The parsed event if @line passes @f, else NULL. */
static json_t *keep(const char *line, const struct filter *f)
{
	json_t *o = json_loads(line, 0, NULL);
	const char *m;

	if (!json_is_object(o)) {
		json_decref(o);
		return NULL;
	}
	m = json_string_value(field(o, "method"));
	if ((f->method && (!m || strcasecmp(m, f->method))) ||
	    (f->container && !names_container(o, f->container)) ||
	    (f->since_s &&
	     parse_ts(json_string_value(json_object_get(o, "timestamp"))) < f->since_s)) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* A field as printable text (the events carry names from packets and processes). */
static const char *str(json_t *o, const char *k)
{
	return cli_text(json_string_value(field(o, k)));
}

static void print(const char *line, json_t *o)
{
	json_t *d = field(o, "detail");
	const char *type = str(o, "event_type");
	char *detail;

	if (cli.json) {
		/* as written, unless it holds non-ASCII text: then escaped, since a
		 * C1 control character is text to JSON but a command to a terminal */
		const char *p = line;

		while (*p && !(*p & 0x80))
			p++;
		if (*p)
			cli_json_print(json_incref(o));
		else
			printf("%s\n", line);
		return;
	}
	if (strcmp(type, "detection") && strcmp(type, "alert")) {
		/* blocks and unblocks: what, and why */
		printf("%.19s  %-9s %-10s %-8s %s %s (%s)\n", str(o, "timestamp"),
		       str(o, "event_type"), str(o, "method"), "", str(d, "prefix"),
		       str(o, "action"), str(d, "reason"));
		fflush(stdout);
		return;
	}
	detail = d ? json_dumps(d, JSON_COMPACT | JSON_ENSURE_ASCII) : NULL;
	printf("%.19s  %-9s %-10s %-8s %s:%lld -> %s:%lld %s %s\n", str(o, "timestamp"),
	       str(o, "event_type"), str(o, "method"), str(o, "severity"), str(o, "src_ip"),
	       (long long)json_integer_value(json_object_get(o, "src_port")), str(o, "dest_ip"),
	       (long long)json_integer_value(json_object_get(o, "dest_port")), str(o, "action"),
	       detail ? detail : "");
	free(detail);
	fflush(stdout);
}

static void events_path(const char *given, char *path, size_t len)
{
	json_t *reply = NULL, *req;

	if (given) {
		snprintf(path, len, "%s", given);
		return;
	}
	/* the running agent knows where it writes */
	req = json_pack("{s:s}", "cmd", "ping");
	if (!mw_control_call(cli.run_dir, req, &reply) &&
	    json_string_value(json_object_get(reply, "events_file")) &&
	    *json_string_value(json_object_get(reply, "events_file")))
		snprintf(path, len, "%s", json_string_value(json_object_get(reply, "events_file")));
	else
		snprintf(path, len, "%s", MW_EVENTS_PATH_DEFAULT);
	json_decref(reply);
	json_decref(req);
}

static void follow(FILE *f, const char *path, const struct filter *flt)
{
	char *line = NULL;
	size_t cap = 0;
	struct stat st0, st;

	fstat(fileno(f), &st0);
	for (;;) {
		ssize_t n = getline(&line, &cap, f);

		if (n > 0 && line[n - 1] == '\n') {
			json_t *o;

			line[n - 1] = '\0';
			o = keep(line, flt);
			if (o)
				print(line, o);
			json_decref(o);
			continue;
		}
		if (n > 0) /* a line still being written: read it again whole */
			fseek(f, -n, SEEK_CUR);
		clearerr(f);
		usleep(200000);
		/* rotated (another file under the name) or truncated: start over */
		if (!stat(path, &st) && (st.st_ino != st0.st_ino || st.st_size < ftell(f))) {
			FILE *g = fopen(path, "r");

			if (g) {
				fclose(f);
				f = g;
				st0 = st;
			}
		}
	}
}

int do_events(int argc, char **argv)
{
	struct filter flt = { 0 };
	const char *file = NULL;
	char path[PATH_MAX], *line = NULL, **last;
	bool follow_mode = false;
	uint64_t n_last = 20, v, i, n_seen = 0;
	size_t cap = 0;
	ssize_t n;
	FILE *f;
	int k;

	for (k = 0; k < argc; k++) {
		if (!strcmp(argv[k], "-f") || !strcmp(argv[k], "--follow")) {
			follow_mode = true;
		} else if (!strcmp(argv[k], "-n") && k + 1 < argc) {
			if (mw_parse_u64(argv[++k], 0, 1000000, &n_last)) {
				cli_error("events: -n wants a count, 0 for all: '%s'", argv[k]);
				return EXIT_USAGE;
			}
		} else if (!strcmp(argv[k], "--method") && k + 1 < argc) {
			flt.method = argv[++k];
		} else if (!strcmp(argv[k], "--container") && k + 1 < argc) {
			flt.container = argv[++k];
			if (!*flt.container) {
				cli_error("events: --container wants a container id or name");
				return EXIT_USAGE;
			}
		} else if (!strcmp(argv[k], "--since") && k + 1 < argc) {
			if (mw_parse_duration_ms(argv[++k], &v)) {
				cli_error(
					"events: --since wants a duration (30s, 10m, 2h, 1d): '%s'",
					argv[k]);
				return EXIT_USAGE;
			}
			flt.since_s = (int64_t)time(NULL) - (int64_t)(v / 1000);
		} else if (!strcmp(argv[k], "--file") && k + 1 < argc) {
			file = argv[++k];
		} else if (!strcmp(argv[k], "help")) {
			printf("Usage: minewall events [-f] [-n N] [--method M] [--container ID|NAME] [--since DUR] [--file F]\n");
			return EXIT_OK;
		} else {
			cli_error("events: unexpected argument '%s'", argv[k]);
			return EXIT_USAGE;
		}
	}
	events_path(file, path, sizeof(path));
	f = fopen(path, "r");
	if (!f) {
		cli_error("cannot read %s: %s", path, strerror(errno));
		return EXIT_FAIL;
	}
	/* the last N matching lines (all with -n 0) */
	last = calloc(n_last ? n_last : 1, sizeof(*last));
	while ((n = getline(&line, &cap, f)) > 0) {
		json_t *o;

		if (line[n - 1] == '\n')
			line[n - 1] = '\0';
		o = keep(line, &flt);
		if (!o)
			continue;
		if (!n_last) {
			print(line, o);
		} else {
			free(last[n_seen % n_last]);
			last[n_seen % n_last] = strdup(line);
			n_seen++;
		}
		json_decref(o);
	}
	for (i = n_seen > n_last ? n_seen - n_last : 0; n_last && i < n_seen; i++) {
		json_t *o = json_loads(last[i % n_last], 0, NULL);

		print(last[i % n_last], o);
		json_decref(o);
	}
	for (i = 0; i < n_last; i++)
		free(last[i]);
	free(last);
	free(line);
	if (follow_mode)
		follow(f, path, &flt); /* until interrupted */
	fclose(f);
	return EXIT_OK;
}
