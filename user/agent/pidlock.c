// SPDX-License-Identifier: GPL-2.0-only
/*
 * The pid lock: the kernel drops an flock with its process, so a lock file
 * left by a crash never stops the next start.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent/pidlock.h"
#include "lib/log.h"

int mw_pidlock_take(const char *run_dir)
{
	char path[PATH_MAX], buf[32];
	int fd, n, err;

	if (mkdir(run_dir, 0755) && errno != EEXIST) {
		err = -errno;
		pr_warn("cannot create %s: %s\n", run_dir, strerror(-err));
		return err;
	}
	snprintf(path, sizeof(path), "%s/minewalld.pid", run_dir);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0) {
		err = -errno;
		pr_warn("cannot open %s: %s\n", path, strerror(-err));
		return err;
	}
	if (flock(fd, LOCK_EX | LOCK_NB)) {
		n = pread(fd, buf, sizeof(buf) - 1, 0);
		buf[n > 0 ? n : 0] = '\0';
		buf[strcspn(buf, "\n")] = '\0';
		pr_warn("another minewalld is running (pid %s, lock %s); stop it first\n",
			*buf ? buf : "?", path);
		close(fd);
		return -EBUSY;
	}
	n = snprintf(buf, sizeof(buf), "%d\n", getpid());
	if (ftruncate(fd, 0) || pwrite(fd, buf, n, 0) != n)
		pr_warn("cannot write %s: %s\n", path, strerror(errno));
	return fd;
}
