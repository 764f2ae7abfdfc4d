/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * control_socket.h - the agent's end of the control socket (lib/control.h),
 * served without blocking the agent (agent/server.h).
 */
#ifndef MW_AGENT_CONTROL_SOCKET_H
#define MW_AGENT_CONTROL_SOCKET_H

#include <limits.h>
#include <stddef.h>

#include "agent/server.h"
#include "lib/control.h"

/* Answers @req (a JSON object with a string "cmd"); returns the answer, or
 * NULL after writing a message to @err. */
typedef json_t *(*mw_control_fn)(void *arg, const char *cmd, json_t *req, char *err, size_t len);

struct mw_control_socket {
	int fd; /* what the loop polls (the server's set); -1 when off */
	struct mw_server srv;
	char path[PATH_MAX];
	unsigned long requests, rejected;
};

int mw_control_socket_open(struct mw_control_socket *c, const char *run_dir);
void mw_control_socket_close(struct mw_control_socket *c);
/* Does what is ready on the socket (server.h: never blocks): reads,
 * checks the peer, answers, writes, closes. */
void mw_control_socket_serve(struct mw_control_socket *c, mw_control_fn fn, void *arg);

#endif
