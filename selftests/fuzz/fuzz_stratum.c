// SPDX-License-Identifier: GPL-2.0-only
/*
 * fuzz_stratum.c - the Stratum recogniser on any payload: never a read past
 * the copy, and a match names a dialect and a method in terminated fields.
 */
#include <stdlib.h>
#include <string.h>

#include "parse/stratum.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mw_stratum m;
	uint8_t *copy = malloc(size ? size : 1);

	if (!copy)
		abort();
	memcpy(copy, data, size);
	memset(&m, 0xa5, sizeof(m));
	if (mw_stratum_match(copy, size, &m)) {
		if (m.dialect == MW_STRATUM_NONE || m.dialect > MW_STRATUM_MONERO_DAEMON ||
		    strnlen(m.method, sizeof(m.method)) == sizeof(m.method) ||
		    strnlen(m.agent, sizeof(m.agent)) == sizeof(m.agent) || !m.method[0] ||
		    !mw_stratum_dialect_name(m.dialect))
			abort();
	}
	free(copy);
	return 0;
}
