/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * eve.h - the events file: one JSON object per line (Suricata EVE field
 * names), appended, reopened on SIGHUP/SIGUSR1 for log rotation.
 */
#ifndef MW_EVE_H
#define MW_EVE_H

#include <limits.h>
#include <stdio.h>

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

#endif
