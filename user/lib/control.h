/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * control.h - the control protocol between the CLI and the agent: a
 * root-only unix stream socket in the run directory, one JSON object per
 * line each way: a request with "cmd", an answer that is either the result
 * or {"error": "..."}. The agent's end is agent/control_socket.h.
 */
#ifndef MW_LIB_CONTROL_H
#define MW_LIB_CONTROL_H

#include <stddef.h>
#include <sys/un.h>

#include <jansson.h>

#define MW_CONTROL_SOCK "control.sock"
#define MW_CONTROL_MAX 65536 /* bytes of one request */

/* The socket's address in @run_dir, its path also in @path. Returns 0 or
 * -ENAMETOOLONG. */
int mw_control_addr(struct sockaddr_un *sa, const char *run_dir, char *path, size_t len);
/* Checks a request's bytes; returns the parsed object or NULL with @err set.
 * Separate from the socket so that it can be fuzzed and unit-tested. */
json_t *mw_control_parse(const char *buf, size_t len, const char **cmd, char *err, size_t errlen);
/* Client: sends @req to the agent in @run_dir, returns its answer in *reply.
 * -ENOENT or -ECONNREFUSED: no agent listens. */
int mw_control_call(const char *run_dir, json_t *req, json_t **reply);

#endif
