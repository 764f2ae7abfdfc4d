/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * flow_key_str.h - a flow key as one string ("6 192.0.2.1 41000
 * 203.0.113.5 443"), the name under which the agent answers what it knows
 * of a flow (its ClientHello) and `minewall flows` finds it again.
 */
#ifndef MW_LIB_FLOW_KEY_STR_H
#define MW_LIB_FLOW_KEY_STR_H

#include <arpa/inet.h>
#include <stdio.h>

#include "lib/addr.h"
#include "minewall.h"

#define MW_FLOW_KEY_STRLEN (2 * MW_ADDRSTRLEN + 24)

static inline const char *mw_flow_key_str(const struct mw_flow_key *k, char *buf, size_t len)
{
	char la[MW_ADDRSTRLEN], ra[MW_ADDRSTRLEN];

	snprintf(buf, len, "%u %s %u %s %u", k->proto,
		 mw_addr_str((const struct mw_addr *)k->local_addr, la, sizeof(la)),
		 ntohs(k->local_port),
		 mw_addr_str((const struct mw_addr *)k->remote_addr, ra, sizeof(ra)),
		 ntohs(k->remote_port));
	return buf;
}

#endif
