/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * pushq.h - the alerts waiting for the LAPI: a bounded FIFO of compact JSON
 * texts (one alert each), kept in a state file (JSON lines) so that neither
 * an unreachable LAPI nor a restart of minewalld loses one. Full: the
 * oldest is dropped and counted. Used from one thread only.
 */
#ifndef MW_FLEET_PUSHQ_H
#define MW_FLEET_PUSHQ_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct mw_cs_pushq {
	char **items; /* a ring of @cap slots, @n used from @head */
	size_t head, n, cap;
	size_t max; /* items kept at most */
	uint64_t dropped; /* items dropped because the queue was full */
	char path[PATH_MAX]; /* "" : not kept on disk */
	bool dirty; /* changed since the last save */
};

/* Empty queue of at most @max items kept at @path ("" or NULL: in memory
 * only). Reads what @path holds: a line that is not a JSON object is
 * reported on @err as "PATH:LINE: ..." and skipped (the file is then kept
 * aside as PATH.corrupt-TIME); a missing file is an empty queue. Returns 0
 * or -errno (-ENOMEM; an unreadable file is reported and the queue left
 * empty, still usable). */
int mw_cs_pushq_init(struct mw_cs_pushq *q, const char *path, size_t max, FILE *err);
void mw_cs_pushq_free(struct mw_cs_pushq *q);
/* Appends a copy of @json (one alert, compact, no newline). Returns 0 or
 * -ENOMEM; a full queue drops its oldest item first. */
int mw_cs_pushq_add(struct mw_cs_pushq *q, const char *json);
/* The @i-th item from the front (0: oldest), NULL past the end. */
const char *mw_cs_pushq_at(const struct mw_cs_pushq *q, size_t i);
/* Removes the @n oldest items (those just sent). */
void mw_cs_pushq_pop(struct mw_cs_pushq *q, size_t n);
/* The body of POST /v1/alerts for the @n oldest items: "[a,b,...]",
 * malloc'ed; NULL when out of memory. */
char *mw_cs_pushq_body(const struct mw_cs_pushq *q, size_t n);
/* Writes the queue to its path atomically (lib/statefile.h) when dirty.
 * Returns 0 or -errno. */
int mw_cs_pushq_save(struct mw_cs_pushq *q);

#endif
