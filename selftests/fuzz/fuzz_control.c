// SPDX-License-Identifier: GPL-2.0-only
/*
 * fuzz_control.c - a control-socket request on any bytes: either refused
 * with a message, or a JSON object whose "cmd" is a string.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/control.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[256] = "", *copy = malloc(size ? size : 1);
	const char *cmd = NULL;
	json_t *req;

	if (!copy)
		abort();
	memcpy(copy, data, size);
	req = mw_control_parse(copy, size, &cmd, err, sizeof(err));
	if (req) {
		if (!json_is_object(req) || !cmd || !json_is_string(json_object_get(req, "cmd")) ||
		    strcmp(cmd, json_string_value(json_object_get(req, "cmd"))))
			abort();
		json_decref(req);
	} else if (!err[0]) {
		abort(); /* refused without saying why */
	}
	free(copy);
	return 0;
}
