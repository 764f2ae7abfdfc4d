// SPDX-License-Identifier: GPL-2.0-only
/* ntp_conf.c - the servers named by one line of a time daemon's config. */
#include <string.h>

#include "parse/ntp_conf.h"

#define SEPS " \t\r\n"

unsigned mw_ntp_conf_line(char *line, const char *servers[MW_NTP_CONF_MAX])
{
	char *save = NULL, *tok;
	unsigned n = 0;

	if (!strncmp(line, "NTP=", 4) || !strncmp(line, "FallbackNTP=", 12)) {
		for (tok = strtok_r(strchr(line, '=') + 1, SEPS, &save); tok && n < MW_NTP_CONF_MAX;
		     tok = strtok_r(NULL, SEPS, &save))
			servers[n++] = tok;
		return n;
	}
	tok = strtok_r(line, SEPS, &save);
	if (!tok || (strcmp(tok, "server") && strcmp(tok, "pool") && strcmp(tok, "peer")))
		return 0;
	tok = strtok_r(NULL, SEPS, &save);
	if (!tok)
		return 0;
	servers[n++] = tok;
	return n;
}
