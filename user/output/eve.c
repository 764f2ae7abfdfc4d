// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "output/eve.h"

static int open_file(struct mw_eve *e)
{
	char dir[PATH_MAX], *slash;
	int fd;

	snprintf(dir, sizeof(dir), "%s", e->path);
	slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = '\0';
		if (mkdir(dir, 0750) && errno != EEXIST)
			return -errno;
	}
	/* events may name attackers and admins: not world-readable */
	fd = open(e->path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
	if (fd < 0)
		return -errno;
	e->f = fdopen(fd, "a");
	if (!e->f) {
		int err = -errno;

		close(fd);
		return err;
	}
	setvbuf(e->f, NULL, _IOLBF, 0); /* a reader tailing the file sees whole lines */
	return 0;
}

int mw_eve_open(struct mw_eve *e, const char *path)
{
	memset(e, 0, sizeof(*e));
	snprintf(e->path, sizeof(e->path), "%s", path);
	return open_file(e);
}

int mw_eve_reopen(struct mw_eve *e)
{
	if (e->f)
		fclose(e->f);
	e->f = NULL;
	return open_file(e);
}

void mw_eve_write(struct mw_eve *e, const char *json)
{
	if (!e->f || fprintf(e->f, "%s\n", json) < 0) {
		if (!e->failed++)
			pr_warn("cannot write the events file %s\n", e->path);
		return;
	}
	e->written++;
}

void mw_eve_close(struct mw_eve *e)
{
	if (e->f)
		fclose(e->f);
	e->f = NULL;
}

void mw_eve_timestamp(char *buf, size_t len)
{
	struct timespec now;
	struct tm tm;

	clock_gettime(CLOCK_REALTIME, &now);
	gmtime_r(&now.tv_sec, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + strlen(buf), len - strlen(buf), ".%06ldZ", now.tv_nsec / 1000);
}

void mw_eve_emit(struct mw_eve *e, json_t *ev)
{
	char *text = ev ? json_dumps(ev, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;

	if (text) {
		pr_info("detection: %s\n", text);
		if (e)
			mw_eve_write(e, text);
	}
	free(text);
	json_decref(ev);
}
