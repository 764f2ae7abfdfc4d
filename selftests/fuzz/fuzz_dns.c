// SPDX-License-Identifier: GPL-2.0-only
/*
 * fuzz_dns.c - the DNS answer and query parsers on any bytes, as UDP and as
 * TCP (the first byte chooses): never a read past the copy (ASan), every
 * name they return normalised (host name characters only: nothing that
 * could break a JSON event or a log line), counts and indexes within their
 * arrays, the CNAME chain within the names, and a shorter copy of the same
 * message never yields more than the whole.
 */
#include <stdlib.h>
#include <string.h>

#include "parse/dns.h"

static void check_name(const char *name)
{
	char norm[MW_NAME_MAX];
	size_t len = strnlen(name, MW_NAME_MAX);

	if (len == MW_NAME_MAX)
		abort(); /* not terminated */
	/* the root name "" is a valid question */
	if (len && (mw_name_normalise(name, len, norm) || strcmp(norm, name)))
		abort();
}

static void check(const struct mw_dns_msg *m)
{
	bool chain[MW_DNS_MAX_NAMES];
	unsigned i;

	if (m->n_names > MW_DNS_MAX_NAMES || m->n_addrs > MW_DNS_MAX_ADDRS ||
	    m->n_cnames > MW_DNS_MAX_CNAMES)
		abort();
	check_name(m->question);
	for (i = 0; i < m->n_names; i++)
		check_name(m->names[i]);
	for (i = 0; i < m->n_addrs; i++)
		if (m->addrs[i].owner != MW_DNS_NO_NAME && m->addrs[i].owner >= m->n_names)
			abort();
	for (i = 0; i < m->n_cnames; i++)
		if (m->cnames[i].owner >= m->n_names || m->cnames[i].target >= m->n_names)
			abort();
	if (mw_dns_chain(m, chain) > m->n_names)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mw_dns_msg whole, part;
	struct mw_dns_query q;
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
	if (mw_dns_parse_query(copy, size, tcp, &q) == 0)
		check_name(q.name);
	free(copy);
	return 0;
}
