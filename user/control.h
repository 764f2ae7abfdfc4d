/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * control.h - the agent's control socket: a root-only unix stream socket in
 * the run directory. One JSON object per line each way: a request with
 * "cmd", an answer that is either the result or {"error": "..."}.
 * Served without blocking the agent (server.h).
 */
#ifndef MW_CONTROL_H
#define MW_CONTROL_H

#include <limits.h>
#include <stddef.h>

#include <jansson.h>

#include "server.h"

#define MW_CONTROL_SOCK "control.sock"
#define MW_CONTROL_MAX 65536 /* bytes of one request */

/* Answers @req (a JSON object with a string "cmd"); returns the answer, or
 * NULL after writing a message to @err. */
typedef json_t *(*mw_control_fn)(void *arg, const char *cmd, json_t *req, char *err, size_t len);

struct mw_control {
	int fd; /* what the loop polls (the server's set); -1 when off */
	struct mw_server srv;
	char path[PATH_MAX];
	unsigned long requests, rejected;
};

int mw_control_open(struct mw_control *c, const char *run_dir);
void mw_control_close(struct mw_control *c);
/* Does what is ready on the socket (server.h: never blocks): reads,
 * checks the peer, answers, writes, closes. */
void mw_control_serve(struct mw_control *c, mw_control_fn fn, void *arg);
/* Checks a request's bytes; returns the parsed object or NULL with @err set.
 * Separate from the socket so that it can be fuzzed and unit-tested. */
json_t *mw_control_parse(const char *buf, size_t len, const char **cmd, char *err, size_t errlen);

/* Client: sends @req to the agent in @run_dir, returns its answer in *reply.
 * -ENOENT or -ECONNREFUSED: no agent listens. */
int mw_control_call(const char *run_dir, json_t *req, json_t **reply);

#endif
