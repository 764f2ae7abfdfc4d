/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * eve.h - the events file: one JSON object per line (Suricata EVE field
 * names), appended, reopened on SIGHUP/SIGUSR1 for log rotation.
 */
#ifndef MW_EVE_H
#define MW_EVE_H

#include <limits.h>
#include <stdio.h>

#include <jansson.h>

#define MW_EVENTS_PATH_DEFAULT "/var/log/minewall/events.json"

struct mw_eve {
	char path[PATH_MAX];
	FILE *f;
	unsigned long written, failed;
};

/* Opens (creating its directory) for appending. Returns 0 or -errno. */
int mw_eve_open(struct mw_eve *e, const char *path);
/* Reopens the same path (after rotation). */
int mw_eve_reopen(struct mw_eve *e);
/* Appends one event (a JSON object as text, without a newline). */
void mw_eve_write(struct mw_eve *e, const char *json);
void mw_eve_close(struct mw_eve *e);
/* The time now as EVE writes it: RFC 3339, microseconds, UTC. */
void mw_eve_timestamp(char *buf, size_t len);
/* Logs detection @ev, appends it to @e (may be NULL) and releases it. */
void mw_eve_emit(struct mw_eve *e, json_t *ev);

#endif
