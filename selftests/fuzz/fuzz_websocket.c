// SPDX-License-Identifier: GPL-2.0-only
/*
 * fuzz_websocket.c - the WebSocket frame reader on any copy: never a read
 * past it nor a write past the output's room; a header it accepts is
 * one RFC 6455 allows; the text read by the Stratum matcher as the agent
 * does.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "parse/stratum.h"
#include "parse/websocket.h"

#define ROOM 512

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *copy = malloc(size ? size : 1), *out = malloc(ROOM);
	struct mw_ws_frame f;
	struct mw_stratum m;
	ssize_t w;
	int err;

	if (!copy || !out)
		abort();
	memcpy(copy, data, size);
	err = mw_ws_frame_parse(copy, size, &f);
	if (err != 0 && err != -EAGAIN && err != -EINVAL)
		abort();
	if (!err && (f.hdr_len < 2 || f.hdr_len > 14 || f.hdr_len > size ||
		     (f.opcode >= MW_WS_CLOSE && (f.len > 125 || !f.fin)) || f.len >> 63))
		abort();
	w = mw_ws_text(copy, size, out, ROOM);
	if (w < -EINVAL || w > ROOM || (w < 0 && w != -EINVAL))
		abort();
	if (w > 0)
		mw_stratum_match(out, (size_t)w, &m);
	free(out);
	free(copy);
	return 0;
}
