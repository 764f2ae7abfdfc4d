/* SPDX-License-Identifier: GPL-2.0-only */
/* proc_net_tcp.h - one line of /proc/net/tcp or /proc/net/tcp6. */
#ifndef MW_PARSE_PROC_NET_TCP_H
#define MW_PARSE_PROC_NET_TCP_H

#include <stdint.h>

#include "lib/addr.h"

#define MW_TCP_ESTABLISHED 1 /* the kernel's TCP_ESTABLISHED, as the file prints it */

struct mw_proc_tcp {
	struct mw_addr local, remote;
	uint16_t local_port, remote_port;
	unsigned state;
	unsigned long inode;
};

/* Reads a socket's line (not the header) into @out: an IPv4 line has
 * 8-digit addresses, an IPv6 line 32. Returns 0 or -EINVAL. */
int mw_proc_net_tcp_line(const char *line, struct mw_proc_tcp *out);

#endif
