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

#endif
