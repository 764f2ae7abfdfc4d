/* SPDX-License-Identifier: GPL-2.0-only */
/* resolv_conf.h - the resolvers named in resolv.conf. */
#ifndef MW_PARSE_RESOLV_CONF_H
#define MW_PARSE_RESOLV_CONF_H

#include <stddef.h>

#include "lib/addr.h"

#define MW_RESOLV_CONF "/etc/resolv.conf"
/* systemd-resolved's own upstreams, where its stub forwards to */
#define MW_RESOLVED_CONF "/run/systemd/resolve/resolv.conf"

/*
 * The addresses the host's DNS queries leave for: the nameserver lines of
 * @resolv_conf (fe80::1%eth0 without its zone); when one of them is the
 * systemd-resolved stub (127.0.0.53 or 127.0.0.54), whose queries never
 * leave the host, the upstreams in @resolved_conf too (NULL: not read).
 * A file that cannot be read adds nothing. Returns the count (at most @max).
 */
size_t mw_resolv_conf_read(const char *resolv_conf, const char *resolved_conf, struct mw_addr *out,
			   size_t max);

#endif
