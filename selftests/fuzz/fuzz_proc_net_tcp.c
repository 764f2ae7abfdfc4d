// SPDX-License-Identifier: GPL-2.0-only
/*
 * fuzz_proc_net_tcp.c - a /proc/net/tcp line reader on any bytes made a
 * string: never a read past it, and the same answer twice (nothing kept
 * between calls).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "parse/proc_net_tcp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mw_proc_tcp sk, again;
	int ret;
	char *line = malloc(size + 1);

	if (!line)
		abort();
	memcpy(line, data, size);
	line[size] = '\0';
	ret = mw_proc_net_tcp_line(line, &sk);
	if (ret != mw_proc_net_tcp_line(line, &again) || memcmp(&sk, &again, sizeof(sk)))
		abort();
	free(line);
	return 0;
}
