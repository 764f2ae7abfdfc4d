// SPDX-License-Identifier: GPL-2.0-only
/*
 * fuzz_tls.c - the ClientHello SNI reader on any bytes: never a read past
 * the copy, a name it returns is normalised, and a cut copy of a hello
 * whose SNI was found says "more needed" or finds the same name; the search
 * of a ClientHello's piece finds a normalised name or none.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "parse/list.h"
#include "parse/tls.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char sni[MW_NAME_MAX], cut[MW_NAME_MAX], norm[MW_NAME_MAX];
	uint8_t *copy = malloc(size ? size : 1);
	int ret;

	if (!copy)
		abort();
	memcpy(copy, data, size);
	ret = mw_tls_sni(copy, size, sni);
	if (ret == 0) {
		size_t len = strnlen(sni, MW_NAME_MAX);

		if (len == MW_NAME_MAX || mw_name_normalise(sni, len, norm) || strcmp(norm, sni))
			abort();
		if (size > 1) {
			ret = mw_tls_sni(copy, size - 1, cut);
			if (ret == 0 && strcmp(cut, sni))
				abort();
		}
	} else if (ret != -ENOENT && ret != -EAGAIN && ret != -EINVAL) {
		abort();
	}
	/* the search of a ClientHello's piece: a normalised name or none */
	ret = mw_tls_sni_scan(copy, size, sni);
	if (ret == 0 && (strnlen(sni, MW_NAME_MAX) == MW_NAME_MAX ||
			 mw_name_normalise(sni, strlen(sni), norm) || strcmp(norm, sni)))
		abort();
	if (ret != 0 && ret != -ENOENT)
		abort();
	free(copy);
	return 0;
}
