/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * dirnet_allows.h - DIRNET's expected destinations consulted from outside
 * it, read only: a detector that reports what the host does on a flow
 * (agent/proxy.c) stays quiet where the operator said the host may go.
 */
#ifndef MW_DETECT_DIRNET_ALLOWS_H
#define MW_DETECT_DIRNET_ALLOWS_H

#include <stdbool.h>
#include <stdint.h>

#include "detect/dirnet.h"

/* Whether @dst:@port (host order) is one of @d's expected destinations at
 * @now_ns: a prefix rule (with its port, if any), or an address an allowed
 * name resolved to in a verified answer, within its TTL. The host's
 * resolvers and what was learned are not rules and do not count. */
bool mw_dirnet_allows(const struct mw_dirnet *d, const struct mw_addr *dst, uint16_t port,
		      uint64_t now_ns);

#endif
