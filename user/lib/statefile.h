/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * statefile.h - the one way state files (the ledger, the runtime allowlist,
 * the blacklist's runtime lists, the DIRNET baseline) are written: a crash
 * or a full disk leaves the old file or the new one, never a mix or nothing.
 */
#ifndef MW_LIB_STATEFILE_H
#define MW_LIB_STATEFILE_H

#include <stdio.h>

/* Fills the file; returns 0 or -errno (the write is then abandoned). */
typedef int (*mw_statefile_fill_fn)(FILE *f, void *arg);

/* Writes @path through "@path.tmp" (same directory, so the rename is
 * atomic): @fill writes it, it is flushed and fsynced, renamed over @path,
 * and the directory fsynced so the rename itself survives a power cut.
 * Returns 0 or -errno; on failure @path is untouched and the temporary
 * file removed. */
int mw_statefile_write(const char *path, mw_statefile_fill_fn fill, void *arg);

/* How mw_statefile_read_lines reads one kind of state file. */
struct mw_statefile_lines {
	/* Takes line @lineno (no newline, never empty). Returns 0, -EINVAL
	 * with @why filled (the line is skipped), or another -errno (stops). */
	int (*line)(void *arg, const char *line, int lineno, char *why, size_t whylen);
	/* Tells the operator @msg (a line skipped, the file kept aside). */
	void (*warn)(void *arg, const char *msg);
	void *arg;
};

/* Reads @path line by line (a state file of JSON lines). A line refused is
 * reported as "PATH:LINE: why; line skipped"; when any was, the original
 * is kept aside as PATH.corrupt-TIME (a hard link) for the operator.
 * Returns the number of lines refused (a missing file has none), or
 * -errno: the file unreadable, or what @line stopped with. */
int mw_statefile_read_lines(const char *path, const struct mw_statefile_lines *how);

#endif
