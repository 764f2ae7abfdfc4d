// SPDX-License-Identifier: GPL-2.0-only
/*
 * fuzz_config.c - the config parser on any bytes. A config it accepts must
 * come back unchanged through --show-config: written out, read again, and
 * written out again, the two texts are the same.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parse/config.h"

static char *show(const struct mw_config *cfg)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	if (!f)
		abort();
	mw_config_write(cfg, f);
	fclose(f);
	return text;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mw_config cfg, again;
	FILE *devnull = fopen("/dev/null", "w");
	char *text = malloc(size + 1), *shown, *shown2;

	if (!text || !devnull)
		abort();
	memcpy(text, data, size);
	text[size] = '\0';
	mw_config_defaults(&cfg);
	if (mw_config_load_string(&cfg, "fuzz.conf", text, devnull) == 0) {
		shown = show(&cfg);
		mw_config_defaults(&again);
		if (mw_config_load_string(&again, "shown.conf", shown, stderr)) {
			fprintf(stderr, "accepted config not accepted when shown:\n%s\n", shown);
			abort();
		}
		shown2 = show(&again);
		if (strcmp(shown, shown2)) {
			fprintf(stderr, "shown config changed on a second read:\n%s\n---\n%s\n",
				shown, shown2);
			abort();
		}
		free(shown);
		free(shown2);
	}
	fclose(devnull);
	free(text);
	return 0;
}
