// SPDX-License-Identifier: GPL-2.0-only
/*
 * fuzz_proxy.c - the proxy request reader on any first bytes a client
 * sends (the first byte says whether the copy is whole): never a read past
 * the copy, a kind, protocol and command among the enums', a host that is
 * printable ASCII within its bound, and a request only with a protocol.
 */
#include <stdlib.h>
#include <string.h>

#include "parse/proxy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char req[MW_PROXY_REQUESTED_MAX];
	struct mw_proxy p;
	enum mw_proxy_msg m;
	uint8_t *copy;
	bool whole;
	size_t i, n;

	if (size < 1)
		return 0;
	whole = data[0] & 1;
	data++, size--;
	/* an exact-size heap copy, so that ASan sees a read one byte past it */
	copy = malloc(size ? size : 1);
	if (!copy)
		abort();
	memcpy(copy, data, size);
	m = mw_proxy_parse(copy, size, whole, &p);
	if (m > MW_PROXY_MSG_REQUEST || p.proto > MW_PROXY_SOCKS5 || p.cmd > MW_PROXY_CMD_UDP)
		abort();
	if ((m == MW_PROXY_MSG_NONE) != (p.proto == MW_PROXY_NONE))
		abort(); /* a message names its protocol, and only a message does */
	if (m == MW_PROXY_MSG_REQUEST && p.cmd == MW_PROXY_CMD_NONE)
		abort();
	if (p.cut && whole)
		abort(); /* a whole copy is never read as cut */
	n = strnlen(p.host, sizeof(p.host));
	if (n == sizeof(p.host))
		abort();
	for (i = 0; i < n; i++)
		if (p.host[i] < ' ' || p.host[i] > '~')
			abort();
	mw_proxy_requested(&p, req, sizeof(req));
	free(copy);
	return 0;
}
