/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * process.h - the process behind a connection the host opened: what the
 * kernel recorded at connect() (mw_owner), completed from /proc while the
 * process still runs (command line, cgroup path, user name).
 */
#ifndef MW_AGENT_PROCESS_H
#define MW_AGENT_PROCESS_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "lib/container.h"
#include "minewall.h"
#include "parse/config.h"

/*
 * Every string here is safe to print and to put into JSON: a process picks
 * its own name (prctl(PR_SET_NAME) takes any bytes), its arguments and,
 * delegated, its cgroup's name, so invalid UTF-8 is replaced with U+FFFD and
 * control characters are written as \xHH. @o.comm keeps the raw bytes.
 */
struct mw_process {
	struct mw_owner o;
	char comm[16 * 4]; /* o.comm made safe: each byte may become 4 */
	char cmdline[512]; /* empty once the process is gone */
	char cgroup[512]; /* path below the cgroup v2 root, or empty */
	char user[64];
	char exe[512]; /* /proc/PID/exe as the kernel names it (" (deleted)" kept), or empty */
	bool tty; /* the process has a controlling terminal: someone typed it */
	bool in_container; /* the socket's cgroup is a container's: @ct */
	struct mw_container ct;
};

/* Makes mw_process_lookup() name the container of each process, from the
 * runtimes' state under @cfg's [containers] roots; called once the
 * configuration is read (again on a reload: the old cache goes). Returns 0
 * or -ENOMEM (then the processes are named as before, without one). */
int mw_process_containers_setup(const struct mw_config *cfg);
void mw_process_containers_teardown(void);

/*
 * A server process: a daemon, a service, a cron job, whatever a web server
 * or a container runs; anything without a controlling terminal. A command
 * an administrator types has one (and is not a server's, outside a
 * container). What a server process does on its own is what a compromise
 * looks like; a person at a terminal is allowed to reach out.
 */
static inline bool mw_process_is_server(const struct mw_process *p)
{
	return p->in_container || !p->tty;
}

/* Fills @p for the socket whose cookie is @cookie (mw_flow.sock_cookie)
 * from the mw_owner map @fd. Returns 0, or -ENOENT when nothing was
 * recorded (a flow the remote side opened, a socket older than the agent). */
int mw_process_lookup(int fd, uint64_t cookie, struct mw_process *p);
/* {"pid", "comm", "cmdline", "exe", "tty", "uid", "user", "cgroup",
 * "cgroup_id"}, and
 * "container": {mw_container_json()} when the process is in one */
json_t *mw_process_json(const struct mw_process *p);

#endif
