// SPDX-License-Identifier: GPL-2.0-only
/*
 * fuzz_ntp_conf.c - a time daemon's config line on any bytes made a
 * string: never a read past it, at most MW_NTP_CONF_MAX servers, each a
 * non-empty word inside the line.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "parse/ntp_conf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *servers[MW_NTP_CONF_MAX];
	char *line = malloc(size + 1);
	unsigned n, i;

	if (!line)
		abort();
	memcpy(line, data, size);
	line[size] = '\0';
	n = mw_ntp_conf_line(line, servers);
	if (n > MW_NTP_CONF_MAX)
		abort();
	for (i = 0; i < n; i++)
		if (servers[i] < line || servers[i] >= line + size || !*servers[i] ||
		    strpbrk(servers[i], " \t\r\n"))
			abort();
	free(line);
	return 0;
}
