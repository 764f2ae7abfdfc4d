// SPDX-License-Identifier: GPL-2.0-only
/*
 * fuzz_http_rpc.c - the HTTP POST reader on any copy: never a read past
 * it, a body inside it, terminated printable fields; the body read by the
 * Stratum matcher as the agent does.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "parse/http_rpc.h"
#include "parse/stratum.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mw_http_rpc r;
	struct mw_stratum m;
	uint8_t *copy = malloc(size ? size : 1);
	int err;
	size_t i;

	if (!copy)
		abort();
	memcpy(copy, data, size);
	err = mw_http_rpc_parse(copy, size, &r);
	if (err != 0 && err != -EAGAIN && err != -EINVAL)
		abort();
	if (!err) {
		if (r.body_off > size || r.body_len > size - r.body_off ||
		    strnlen(r.path, sizeof(r.path)) == sizeof(r.path) || !r.path[0] ||
		    strnlen(r.agent, sizeof(r.agent)) == sizeof(r.agent))
			abort();
		for (i = 0; r.agent[i]; i++)
			if (r.agent[i] < ' ' || r.agent[i] > '~')
				abort();
		mw_stratum_match(copy + r.body_off, r.body_len, &m);
	}
	free(copy);
	return 0;
}
