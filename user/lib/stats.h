/* SPDX-License-Identifier: GPL-2.0-only */
/* stats.h - the per-CPU global counters, summed. */
#ifndef MW_LIB_STATS_H
#define MW_LIB_STATS_H

#include "minewall.h"

/* Sums the per-CPU mw_stats map @fd into @sum. Returns 0 or -errno. */
int mw_stats_read(int fd, struct mw_stats *sum);
/* Name of an enum mw_parse_err, for output. */
const char *mw_stats_parse_err_name(unsigned err);

#endif
