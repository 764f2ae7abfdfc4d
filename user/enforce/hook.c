// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "enforce/hook.h"
#include "lib/log.h"
#include "lib/util.h"

void mw_hook_run(struct mw_hook *h, const char *json)
{
	int slot, pipefd[2];
	size_t len = json ? strlen(json) : 0;
	pid_t pid;

	if (!h->cmd || !*h->cmd)
		return;
	mw_hook_reap(h);
	for (slot = 0; slot < MW_HOOK_MAX_RUNNING; slot++)
		if (!h->running[slot].pid)
			break;
	if (slot == MW_HOOK_MAX_RUNNING) {
		h->dropped++;
		pr_warn("hook: %d still running; this event is not passed to it\n",
			MW_HOOK_MAX_RUNNING);
		return;
	}
	if (!json) {
		pr_warn("hook: no event to pass\n");
		return;
	}
	if (pipe2(pipefd, O_CLOEXEC)) {
		pr_warn("hook: pipe: %s\n", strerror(errno));
		return;
	}
	pid = fork();
	if (pid < 0) {
		pr_warn("hook: fork: %s\n", strerror(errno));
		close(pipefd[0]);
		close(pipefd[1]);
		return;
	}
	if (pid == 0) {
		sigset_t none;

		/* the agent blocks these for its signalfd; the hook must not inherit that */
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		setsid();
		dup2(pipefd[0], STDIN_FILENO);
		execl("/bin/sh", "sh", "-c", h->cmd, (char *)NULL);
		_exit(127);
	}
	close(pipefd[0]);
	/* one event fits the pipe's buffer (64 KiB); should one not, the hook
	 * gets it cut rather than the agent waiting on a hook that never reads */
	fcntl(pipefd[1], F_SETFL, O_NONBLOCK);
	if (write(pipefd[1], json, len) != (ssize_t)len || write(pipefd[1], "\n", 1) != 1)
		pr_warn("hook: cannot pass the event: %s\n", strerror(errno));
	close(pipefd[1]);
	h->running[slot].pid = pid;
	h->running[slot].deadline_ns = mw_now_ns() + h->timeout_ms * 1000000ULL;
	h->started++;
}

void mw_hook_reap(struct mw_hook *h)
{
	uint64_t now = mw_now_ns();
	int i, status;

	for (i = 0; i < MW_HOOK_MAX_RUNNING; i++) {
		pid_t pid = h->running[i].pid;

		if (!pid)
			continue;
		if (waitpid(pid, &status, WNOHANG) == pid) {
			h->running[i].pid = 0;
			if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
				continue;
			h->failed++;
			if (WIFEXITED(status))
				pr_warn("hook '%s' exited with status %d\n", h->cmd,
					WEXITSTATUS(status));
			else if (WIFSIGNALED(status))
				pr_warn("hook '%s' killed by signal %d\n", h->cmd,
					WTERMSIG(status));
			continue;
		}
		if (now >= h->running[i].deadline_ns) {
			kill(-pid, SIGKILL); /* its own session: take its children too */
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			h->running[i].pid = 0;
			h->timed_out++;
			pr_warn("hook '%s' ran past its timeout (%llu ms) and was killed\n", h->cmd,
				(unsigned long long)h->timeout_ms);
		}
	}
}
