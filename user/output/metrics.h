/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * metrics.h - the Prometheus endpoint: a listening TCP socket served from
 * the agent's event loop, one short request at a time, answering
 * GET /metrics with the text exposition format (version 0.0.4).
 */
#ifndef MW_METRICS_H
#define MW_METRICS_H

#include <stdio.h>

typedef void (*mw_metrics_fn)(void *arg, FILE *out);

struct mw_metrics {
	int fd; /* listening socket; -1 when off */
	unsigned long scrapes, bad_requests;
};

/* Listens on @endpoint (ADDR:PORT, [IPV6]:PORT). Returns 0 or -errno. */
int mw_metrics_open(struct mw_metrics *m, const char *endpoint);
/* Answers one waiting connection with what @fn writes. */
void mw_metrics_serve(struct mw_metrics *m, mw_metrics_fn fn, void *arg);
void mw_metrics_close(struct mw_metrics *m);

#endif
