// SPDX-License-Identifier: GPL-2.0-only
/* resolv_conf.c - the resolvers the host sends its DNS queries to, from
 * resolv.conf (and resolved's own file behind its local stub). */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "parse/resolv_conf.h"

static size_t read_nameservers(const char *path, struct mw_addr *out, size_t n, size_t max,
			       bool *stub)
{
	FILE *f = path ? fopen(path, "re") : NULL;
	char line[512], addr[128];
	struct mw_addr ad, stub4, stub4b;
	size_t i;

	if (!f)
		return n;
	mw_addr_parse("127.0.0.53", &stub4);
	mw_addr_parse("127.0.0.54", &stub4b);
	while (fgets(line, sizeof(line), f) && n < max) {
		char *pct;

		if (sscanf(line, " nameserver %127s", addr) != 1)
			continue;
		pct = strchr(addr, '%'); /* fe80::1%eth0 */
		if (pct)
			*pct = '\0';
		if (mw_addr_parse(addr, &ad))
			continue;
		if (stub && (!memcmp(&ad, &stub4, sizeof(ad)) || !memcmp(&ad, &stub4b, sizeof(ad))))
			*stub = true;
		for (i = 0; i < n && memcmp(&out[i], &ad, sizeof(ad)); i++)
			;
		if (i == n)
			out[n++] = ad;
	}
	fclose(f);
	return n;
}

size_t mw_resolv_conf_read(const char *resolv_conf, const char *resolved_conf, struct mw_addr *out,
			   size_t max)
{
	bool stub = false;
	size_t n = read_nameservers(resolv_conf, out, 0, max, &stub);

	if (stub)
		n = read_nameservers(resolved_conf, out, n, max, NULL);
	return n;
}
