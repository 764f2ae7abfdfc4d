// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "owner.h"

/* Reads a /proc file of @pid into @buf (NUL-terminated); returns its length or -1. */
static ssize_t read_proc(unsigned pid, const char *what, char *buf, size_t len)
{
	char path[64];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%u/%s", pid, what);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = '\0';
	return n;
}

int mw_process_lookup(int fd, uint64_t cookie, struct mw_process *p)
{
	char buf[512];
	struct passwd pw, *res = NULL;
	ssize_t n, i;

	memset(p, 0, sizeof(p[0]));
	if (fd < 0 || !cookie || bpf_map_lookup_elem(fd, &cookie, &p->o))
		return -ENOENT;
	p->o.comm[sizeof(p->o.comm) - 1] = '\0';
	/* the pid may have been reused since: trust /proc only while its
	 * command name still matches */
	n = read_proc(p->o.pid, "comm", buf, sizeof(buf));
	if (n > 0 && !strncmp(buf, p->o.comm, strcspn(buf, "\n"))) {
		n = read_proc(p->o.pid, "cmdline", p->cmdline, sizeof(p->cmdline));
		/* arguments are NUL-separated; newlines and tabs would only
		 * confuse a reader of the events */
		for (i = 0; i < n - 1; i++)
			if ((unsigned char)p->cmdline[i] < ' ')
				p->cmdline[i] = ' ';
		if (read_proc(p->o.pid, "cgroup", buf, sizeof(buf)) > 0 && !strncmp(buf, "0::", 3))
			snprintf(p->cgroup, sizeof(p->cgroup), "%.*s", (int)strcspn(buf + 3, "\n"),
				 buf + 3);
	}
	if (!getpwuid_r(p->o.uid, &pw, buf, sizeof(buf), &res) && res)
		snprintf(p->user, sizeof(p->user), "%s", pw.pw_name);
	return 0;
}

json_t *mw_process_json(const struct mw_process *p)
{
	return json_pack("{s:i, s:s, s:s, s:i, s:s, s:s, s:I}", "pid", (int)p->o.pid, "comm",
			 p->o.comm, "cmdline", p->cmdline, "uid", (int)p->o.uid, "user", p->user,
			 "cgroup", p->cgroup, "cgroup_id", (json_int_t)p->o.cgroup_id);
}
