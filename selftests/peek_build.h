/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * peek_build.h - a payload copy (struct mw_event_peek) as the datapath
 * sends it, for the suites that feed the agent's readers of those copies.
 */
#ifndef MW_PEEK_BUILD_H
#define MW_PEEK_BUILD_H

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <string.h>

#include "minewall.h"

/* A copy as the datapath makes it: the host's outbound data on a flow it
 * opened, handshake in order, @len bytes of @data at @seq. */
static inline struct mw_event_peek host_peek(const void *data, size_t len, uint32_t seq, bool cont)
{
	struct mw_event_peek ev = { 0 };

	ev.hdr.type = MW_EV_PEEK;
	ev.hdr.dir = MW_DIR_OUT;
	ev.key.proto = IPPROTO_TCP;
	ev.key.local_port = htons(41000);
	ev.key.remote_port = htons(443);
	ev.len = (uint16_t)(len > MW_PEEK_MAX ? MW_PEEK_MAX : len);
	ev.orig_len = ev.len;
	ev.seq = seq;
	ev.cont = cont;
	ev.initiator = MW_DIR_OUT;
	ev.handshake = 1;
	ev.host_opened = 1;
	ev.answered = 1;
	memcpy(ev.data, data, ev.len);
	return ev;
}

#endif
