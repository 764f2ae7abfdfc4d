// SPDX-License-Identifier: GPL-2.0-only
/* proc_net_tcp.c - one line of /proc/net/tcp{,6}: "sl: LOCAL:PORT
 * REMOTE:PORT ST ... INODE", addresses and ports in hex. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parse/proc_net_tcp.h"

/* ADDR:PORT; the kernel prints each 32-bit word of the address in host
 * order, the port as a number. */
static int endpoint(const char *text, struct mw_addr *addr, uint16_t *port)
{
	const char *colon = strchr(text, ':');
	size_t hex = colon ? (size_t)(colon - text) : 0;
	union {
		struct in_addr v4;
		struct in6_addr v6;
		uint8_t b[16];
	} raw;
	unsigned p, w;
	char *end;

	if (hex != 8 && hex != 32)
		return -EINVAL;
	p = (unsigned)strtoul(colon + 1, &end, 16);
	if (end == colon + 1 || *end || p > 0xffff)
		return -EINVAL;
	for (w = 0; w < hex / 8; w++) {
		char word[9];
		uint32_t v;

		memcpy(word, text + 8 * w, 8);
		word[8] = '\0';
		v = (uint32_t)strtoul(word, &end, 16);
		if (*end)
			return -EINVAL;
		memcpy(&raw.b[4 * w], &v, 4);
	}
	if (hex == 8)
		mw_addr_from_v4(addr, &raw.v4);
	else
		mw_addr_from_v6(addr, &raw.v6);
	*port = (uint16_t)p;
	return 0;
}

int mw_proc_net_tcp_line(const char *line, struct mw_proc_tcp *out)
{
	char local[64], remote[64];

	memset(out, 0, sizeof(*out));
	if (sscanf(line, " %*u: %63s %63s %x %*s %*s %*s %*u %*u %lu", local, remote, &out->state,
		   &out->inode) != 4)
		return -EINVAL;
	if (endpoint(local, &out->local, &out->local_port) ||
	    endpoint(remote, &out->remote, &out->remote_port))
		return -EINVAL;
	/* both ends of one socket are of one family */
	return strlen(local) == strlen(remote) ? 0 : -EINVAL;
}
