// SPDX-License-Identifier: GPL-2.0-only
/*
 * fuzz_name.c - DNS name normalisation on any text: never a read past the
 * copy or a write past MW_NAME_MAX, an accepted name holds host name
 * characters only, and normalising it again changes nothing.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "parse/name.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char out[MW_NAME_MAX], again[MW_NAME_MAX];
	char *copy = malloc(size ? size : 1);
	size_t len;

	if (!copy)
		abort();
	memcpy(copy, data, size);
	if (mw_name_normalise(copy, size, out) == 0) {
		len = strnlen(out, sizeof(out));
		if (len == 0 || len == sizeof(out) ||
		    strspn(out, "abcdefghijklmnopqrstuvwxyz0123456789-_.") != len)
			abort();
		if (mw_name_normalise(out, len, again) || strcmp(out, again))
			abort();
	}
	free(copy);
	return 0;
}
