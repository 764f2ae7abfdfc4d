// SPDX-License-Identifier: GPL-2.0-only
#include "detect/dirnet_seen.h"

/* A scan of the baseline (at most MW_DIRNET_KNOWN_MAX entries): asked once
 * per bare TLS connection old enough to judge, never per packet. */
bool mw_dirnet_seen(const struct mw_dirnet *d, const struct mw_addr *dst, uint16_t port,
		    int64_t before_s)
{
	size_t i;

	for (i = 0; d && i < d->n_known; i++)
		if (d->known[i].port == port && d->known[i].first_s < before_s &&
		    mw_prefix_contains(&d->known[i].prefix, dst))
			return true;
	return false;
}
