/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * metrics.h - the Prometheus endpoint: a listening TCP socket served from
 * the agent's event loop without ever blocking it (server.h), answering
 * GET /metrics with the text exposition format (version 0.0.4).
 */
#ifndef MW_OUTPUT_METRICS_H
#define MW_OUTPUT_METRICS_H

#include <stdio.h>

#include "agent/server.h"

#define MW_METRICS_REQUEST_MAX 4096 /* bytes of a request's head */

typedef void (*mw_metrics_fn)(void *arg, FILE *out);

struct mw_metrics {
	int fd; /* what the loop polls (the server's set); -1 when off */
	struct mw_server srv;
	unsigned long scrapes, bad_requests;
};

/* Listens on @endpoint (ADDR:PORT, [IPV6]:PORT). Returns 0 or -errno. */
int mw_metrics_open(struct mw_metrics *m, const char *endpoint);
/* Does what is ready on the endpoint; answers with what @fn writes. */
void mw_metrics_serve(struct mw_metrics *m, mw_metrics_fn fn, void *arg);
void mw_metrics_close(struct mw_metrics *m);

#endif
