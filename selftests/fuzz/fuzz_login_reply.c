// SPDX-License-Identifier: GPL-2.0-only
/*
 * fuzz_login_reply.c - the login reply classifier on any first bytes of a
 * reply (the first two bytes choose the local port, big-endian): never a
 * read past the copy, a kind among the enum's, and a protocol name, when
 * there is one, among those the header lists.
 */
#include <stdlib.h>
#include <string.h>

#include "parse/login_reply.h"

static const char *const protos[] = { "http", "ftp",   "smtp",	"pop3",
				      "imap", "redis", "mysql", "pgsql" };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mw_reply r;
	unsigned port, i;
	uint8_t *copy;

	if (size < 2)
		return 0;
	port = (unsigned)data[0] << 8 | data[1];
	data += 2, size -= 2;
	/* an exact-size heap copy, so that ASan sees a read one byte past it */
	copy = malloc(size ? size : 1);
	if (!copy)
		abort();
	memcpy(copy, data, size);
	r = mw_login_reply(copy, size, port);
	if (r.kind > MW_REPLY_ACCEPTED)
		abort();
	if (r.proto) {
		for (i = 0; i < sizeof(protos) / sizeof(protos[0]); i++)
			if (!strcmp(r.proto, protos[i]))
				break;
		if (i == sizeof(protos) / sizeof(protos[0]))
			abort();
	}
	if (r.kind >= MW_REPLY_REFUSED && !r.proto)
		abort(); /* a verdict names the protocol it was read in */
	free(copy);
	return 0;
}
