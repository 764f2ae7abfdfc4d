// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lib/statefile.h"

/* The directory entry made by rename() is durable only once its directory is. */
static int sync_dir(const char *path)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(path, '/');
	int fd, err = 0;

	if (!slash)
		snprintf(dir, sizeof(dir), ".");
	else if (slash == path)
		snprintf(dir, sizeof(dir), "/");
	else
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fsync(fd))
		err = -errno;
	close(fd);
	return err;
}

int mw_statefile_write(const char *path, mw_statefile_fill_fn fill, void *arg)
{
	char tmp[PATH_MAX];
	FILE *f;
	int err;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	f = fopen(tmp, "we");
	if (!f)
		return -errno;
	err = fill(f, arg);
	if (!err && ferror(f))
		err = errno ? -errno : -EIO; /* EISDIR... */
	if (!err && (fflush(f) || fsync(fileno(f))))
		err = -errno;
	if (fclose(f) && !err)
		err = -errno;
	if (!err && rename(tmp, path))
		err = -errno;
	if (err) {
		unlink(tmp);
		return err;
	}
	return sync_dir(path);
}

int mw_statefile_read_lines(const char *path, const struct mw_statefile_lines *how)
{
	FILE *f = fopen(path, "re");
	char *line = NULL, why[200], msg[PATH_MAX + 300];
	size_t cap = 0;
	int lineno = 0, bad = 0, err = 0;
	ssize_t len;

	if (!f)
		return errno == ENOENT ? 0 : -errno;
	errno = 0;
	while ((len = getline(&line, &cap, f)) >= 0) {
		lineno++;
		if (len && line[len - 1] == '\n')
			line[--len] = '\0';
		if (!len)
			continue;
		why[0] = '\0';
		err = how->line(how->arg, line, lineno, why, sizeof(why));
		if (err == -EINVAL) {
			snprintf(msg, sizeof(msg), "%s:%d: %s; line skipped", path, lineno, why);
			how->warn(how->arg, msg);
			bad++;
			err = 0;
		} else if (err) {
			break;
		}
	}
	if (!err && ferror(f))
		err = errno ? -errno : -EIO; /* EISDIR... */
	free(line);
	fclose(f);
	if (bad) {
		char aside[PATH_MAX + 32];

		snprintf(aside, sizeof(aside), "%s.corrupt-%lld", path, (long long)time(NULL));
		if (!link(path, aside)) {
			snprintf(msg, sizeof(msg),
				 "%s had %d bad lines; the original is kept as %s", path, bad,
				 aside);
			how->warn(how->arg, msg);
		}
	}
	return err ? err : bad;
}
