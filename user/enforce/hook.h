/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * hook.h - the response hook: an operator's command run on every block and
 * unblock with the event as JSON on its stdin (like an anomaly detection
 * system's "instruct the firewall by a script"). Asynchronous: the agent
 * never waits for it; it is killed when it overstays its timeout, and its
 * failures are logged.
 */
#ifndef MW_ENFORCE_HOOK_H
#define MW_ENFORCE_HOOK_H

#include <stdint.h>
#include <sys/types.h>

#define MW_HOOK_MAX_RUNNING 16

struct mw_hook {
	const char *cmd; /* "" or NULL: no hook */
	uint64_t timeout_ms;
	struct {
		pid_t pid;
		uint64_t deadline_ns;
	} running[MW_HOOK_MAX_RUNNING];
	uint64_t started, failed, timed_out, dropped;
};

/* Starts the hook with @json on its stdin. */
void mw_hook_run(struct mw_hook *h, const char *json);
/* Reaps finished hooks and kills overdue ones; call on SIGCHLD and each tick. */
void mw_hook_reap(struct mw_hook *h);

#endif
