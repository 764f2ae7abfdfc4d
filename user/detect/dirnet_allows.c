// SPDX-License-Identifier: GPL-2.0-only
#include <string.h>

#include "detect/dirnet_allows.h"

bool mw_dirnet_allows(const struct mw_dirnet *d, const struct mw_addr *dst, uint16_t port,
		      uint64_t now_ns)
{
	size_t i;

	for (i = 0; i < d->n_allow; i++) {
		const struct mw_dirnet_allow *a = &d->allow[i];

		if (a->name[0] || (a->port && a->port != port))
			continue;
		/* "*:PORT" is the empty prefix: any address */
		if (a->prefix.len == 0 || mw_prefix_contains(&a->prefix, dst))
			return true;
	}
	/* a walk, not dirnet.c's index: asked only for the rare proxy request */
	for (i = 0; d->res && i < d->n_resolved; i++) {
		const struct mw_dirnet_res *r = &d->res[i];

		if ((r->port == port || r->port == 0) && r->expires_ns > now_ns &&
		    !memcmp(&r->addr, dst, sizeof(*dst)))
			return true;
	}
	return false;
}
