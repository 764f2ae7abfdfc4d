/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * dirnet_seen.h - a read-only question to DIRNET's learned baseline, for
 * the detectors that weigh how new a destination is (BPATTERNS' bare TLS
 * input): has the host ever been seen connecting there?
 */
#ifndef MW_DETECT_DIRNET_SEEN_H
#define MW_DETECT_DIRNET_SEEN_H

#include <stdbool.h>
#include <stdint.h>

#include "detect/dirnet.h"

/* Whether the baseline holds @dst (in a learned /24 or /64) on @port (host
 * order), whatever the process, first seen before @before_s (wall clock:
 * while DIRNET learns, the connection being judged must not vouch for
 * itself); false for a NULL @d. */
bool mw_dirnet_seen(const struct mw_dirnet *d, const struct mw_addr *dst, uint16_t port,
		    int64_t before_s);

#endif
