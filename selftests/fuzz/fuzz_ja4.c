// SPDX-License-Identifier: GPL-2.0-only
/*
 * fuzz_ja4.c - the JA4 of any bytes: never a read past the copy; a value
 * it gives has JA4's shape (t, version, d/i, two counts, ALPN, two 12-digit
 * hex hashes); a copy cut by a byte is not a whole ClientHello, or the
 * same one (when bytes follow its record).
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "parse/ja4.h"

static int hex12(const char *p)
{
	unsigned i;

	for (i = 0; i < 12; i++)
		if (!isdigit((unsigned char)p[i]) && !(p[i] >= 'a' && p[i] <= 'f'))
			return 0;
	return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *copy = malloc(size ? size : 1);
	char ja4[MW_JA4_LEN], cut[MW_JA4_LEN];
	int ret;

	if (!copy)
		abort();
	memcpy(copy, data, size);
	ret = mw_ja4(copy, size, ja4);
	if (ret == 0) {
		if (strlen(ja4) != MW_JA4_LEN - 1 || ja4[0] != 't' ||
		    (ja4[3] != 'd' && ja4[3] != 'i') || !isdigit((unsigned char)ja4[4]) ||
		    !isdigit((unsigned char)ja4[7]) || ja4[10] != '_' || !hex12(ja4 + 11) ||
		    ja4[23] != '_' || !hex12(ja4 + 24))
			abort();
		ret = mw_ja4(copy, size - 1, cut);
		if (ret != -EINVAL && (ret != 0 || strcmp(cut, ja4)))
			abort();
	} else if (ret != -EINVAL && ret != -ENOMEM) {
		abort();
	}
	free(copy);
	return 0;
}
