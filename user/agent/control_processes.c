// SPDX-License-Identifier: GPL-2.0-only
/*
 * control_processes.c - the control command "processes": the process (and
 * its container) behind each socket cookie a client names, for `minewall
 * flows`, which reads the flow table itself but knows no container's state.
 */
#include <stdio.h>

#include "agent/control.h"
#include "agent/process.h"

/* Cookies one request may name: the CLI asks in batches of this. */
#define MW_CTL_COOKIES_MAX 4096

json_t *mw_agent_ctl_processes(struct mw_agent_ctl *c, json_t *req, char *err, size_t len)
{
	json_t *cookies = json_object_get(req, "cookies"), *out, *v;
	struct mw_process p;
	char key[24];
	size_t i;

	if (!json_is_array(cookies) || json_array_size(cookies) > MW_CTL_COOKIES_MAX) {
		snprintf(err, len, "processes: \"cookies\" must be an array of at most %d integers",
			 MW_CTL_COOKIES_MAX);
		return NULL;
	}
	out = json_object();
	json_array_foreach(cookies, i, v)
	{
		if (!json_is_integer(v) || json_integer_value(v) <= 0) {
			snprintf(err, len, "processes: cookie %zu is not a positive integer", i);
			json_decref(out);
			return NULL;
		}
		snprintf(key, sizeof(key), "%lld", (long long)json_integer_value(v));
		/* a cookie named twice is looked up (/proc read) once */
		if (c->owner_fd < 0 || json_object_get(out, key) ||
		    mw_process_lookup(c->owner_fd, (uint64_t)json_integer_value(v), &p))
			continue;
		json_object_set_new(out, key, mw_process_json(&p));
	}
	return json_pack("{s:o}", "processes", out);
}
