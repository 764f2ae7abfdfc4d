// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "agent/process.h"
#include "lib/util.h"

/* The cache of containers the processes are in (mw_process_containers_setup);
 * NULL: no container is looked for. */
static struct mw_container_cache *containers;

int mw_process_containers_setup(const struct mw_config *cfg)
{
	struct mw_container_cache *c = mw_container_cache_new(cfg);

	if (!c)
		return -ENOMEM;
	mw_container_cache_free(containers);
	containers = c;
	return 0;
}

void mw_process_containers_teardown(void)
{
	mw_container_cache_free(containers);
	containers = NULL;
}

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

/* The link /proc/@pid/@what points to, in @buf (not NUL-terminated);
 * returns its length or -1. */
static ssize_t readlink_proc(unsigned pid, const char *what, char *buf, size_t len)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%u/%s", pid, what);
	return readlink(path, buf, len);
}

/* tty_nr, the 7th field of /proc/PID/stat, counted past the command name
 * (which may hold spaces and parentheses: it ends at the last ')'). */
static void read_tty(struct mw_process *p)
{
	char buf[512], *end;
	long tty = 0;

	if (read_proc(p->o.pid, "stat", buf, sizeof(buf)) <= 0)
		return;
	end = strrchr(buf, ')');
	/* ") S ppid pgrp session tty_nr" */
	if (end && sscanf(end + 1, " %*c %*d %*d %*d %ld", &tty) == 1)
		p->tty = tty != 0;
}

int mw_process_lookup(int fd, uint64_t cookie, struct mw_process *p)
{
	char buf[512], cg[4096], *line;
	struct passwd pw, *res = NULL;
	ssize_t n, i;

	memset(p, 0, sizeof(p[0]));
	if (fd < 0 || !cookie || bpf_map_lookup_elem(fd, &cookie, &p->o))
		return -ENOENT;
	p->o.comm[sizeof(p->o.comm) - 1] = '\0';
	mw_sanitize_utf8(p->comm, sizeof(p->comm), p->o.comm, strlen(p->o.comm));
	/* the pid may have been reused since: trust /proc only while its
	 * command name still matches (the kernel ends it with a newline);
	 * the name is the connecting thread's (a Java or nginx worker names
	 * its threads), its process's when the thread is gone */
	snprintf(cg, sizeof(cg), "task/%u/comm", p->o.tid);
	n = read_proc(p->o.pid, cg, buf, sizeof(buf));
	if (n <= 0)
		n = read_proc(p->o.pid, "comm", buf, sizeof(buf));
	if (n > 0 && (size_t)n == strlen(p->o.comm) + 1 && buf[n - 1] == '\n' &&
	    !memcmp(buf, p->o.comm, (size_t)n - 1)) {
		n = read_proc(p->o.pid, "cmdline", buf, sizeof(buf));
		/* arguments are NUL-separated: spaces between them; any other
		 * byte is the process's own choice and is made safe */
		while (n > 0 && buf[n - 1] == '\0')
			n--;
		for (i = 0; i < n; i++)
			if (buf[i] == '\0')
				buf[i] = ' ';
		if (n > 0)
			mw_sanitize_utf8(p->cmdline, sizeof(p->cmdline), buf, (size_t)n);
		read_tty(p);
		n = readlink_proc(p->o.pid, "exe", buf, sizeof(buf));
		if (n > 0)
			mw_sanitize_utf8(p->exe, sizeof(p->exe), buf, (size_t)n);
		n = read_proc(p->o.pid, "cgroup", cg, sizeof(cg));
		/* on a hybrid host the v1 hierarchies come first: v2's is
		 * the line "0::PATH" */
		line = n > 0 ? (!strncmp(cg, "0::", 3) ? cg : strstr(cg, "\n0::")) : NULL;
		if (line && line != cg)
			line++;
		if (line)
			mw_sanitize_utf8(p->cgroup, sizeof(p->cgroup), line + 3,
					 strcspn(line + 3, "\n"));
	}
	/* the cgroup the socket was made in, not where the pid is now */
	p->in_container = containers &&
			  !mw_container_lookup(containers, p->o.cgroup_id,
					       p->cgroup[0] ? p->cgroup : NULL, &p->ct);
	if (!getpwuid_r(p->o.uid, &pw, buf, sizeof(buf), &res) && res)
		mw_sanitize_utf8(p->user, sizeof(p->user), pw.pw_name, strlen(pw.pw_name));
	return 0;
}

json_t *mw_process_json(const struct mw_process *p)
{
	json_t *o = json_pack("{s:i, s:s, s:s, s:s, s:b, s:i, s:s, s:s, s:I}", "pid", (int)p->o.pid,
			      "comm", p->comm, "cmdline", p->cmdline, "exe", p->exe, "tty", p->tty,
			      "uid", (int)p->o.uid, "user", p->user, "cgroup", p->cgroup,
			      "cgroup_id", (json_int_t)p->o.cgroup_id);

	if (o && p->in_container)
		json_object_set_new(o, "container", mw_container_json(&p->ct));
	return o;
}
