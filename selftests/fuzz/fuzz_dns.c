// SPDX-License-Identifier: GPL-2.0-only
/*
 * fuzz_dns.c - the DNS answer parser on any bytes, as UDP and as TCP (the
 * first byte chooses): never a read past the copy (ASan), every name it
 * returns normalised, counts within their arrays, and a shorter copy of the
 * same message never yields more than the whole.
 */
#include <stdlib.h>
#include <string.h>

#include "parse/dns.h"

static void check(const struct mw_dns_msg *m)
{
	char norm[MW_NAME_MAX];
	unsigned i;

	if (m->n_names > MW_DNS_MAX_NAMES || m->n_addrs > MW_DNS_MAX_ADDRS)
		abort();
	for (i = 0; i < m->n_names; i++) {
		size_t len = strnlen(m->names[i], MW_NAME_MAX);

		if (len == MW_NAME_MAX)
			abort(); /* not terminated */
		/* the root name "" is a valid question */
		if (len && (mw_name_normalise(m->names[i], len, norm) || strcmp(norm, m->names[i])))
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mw_dns_msg whole, part;
	bool tcp;
	uint8_t *copy;

	if (size < 1)
		return 0;
	tcp = data[0] & 1;
	data++, size--;
	/* an exact-size heap copy, so that ASan sees a read one byte past it */
	copy = malloc(size ? size : 1);
	if (!copy)
		abort();
	memcpy(copy, data, size);
	if (mw_dns_parse(copy, size, tcp, &whole) == 0) {
		check(&whole);
		if (size > 12 && mw_dns_parse(copy, size - 1, tcp, &part) == 0) {
			check(&part);
			if (part.n_addrs > whole.n_addrs)
				abort();
		}
	}
	free(copy);
	return 0;
}
