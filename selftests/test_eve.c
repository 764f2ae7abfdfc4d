// SPDX-License-Identifier: GPL-2.0-only
/* test_eve.c - the EVE JSON writer (output/eve.c): an event is never lost
 * to its bytes, and one that cannot be written leaves a record saying
 * where it came from. Built with ASan and UBSan. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "output/eve.h"
#include "test.h"

static void t_eve_never_lost(void *arg)
{
	char path[] = "/tmp/mw-unit-eve-XXXXXX", *line = NULL;
	struct mw_eve e;
	json_t *ev, *o[3] = { NULL };
	size_t cap = 0, n = 0;
	FILE *f;
	int fd = mkstemp(path);

	if (!ASSERT_TRUE(fd >= 0, "temporary file"))
		return;
	close(fd);
	if (!ASSERT_EQ(mw_eve_open(&e, path), 0, "open"))
		return;
	/* a string jansson was told not to check: json_dumps() refuses it */
	ev = json_pack("{s:s, s:s, s:o}", "event_type", "detection", "method", "DIRNET", "detail",
		       json_pack("{s:o}", "comm", json_stringn_nocheck("mine\xff\x1b", 6)));
	mw_eve_emit(&e, ev);
	/* json_pack() failed upstream: a process name that is not UTF-8 */
	mw_eve_emit(&e, json_pack("{s:s, s:s}", "event_type", "detection", "comm", "x\xc3"));
	/* what callers should use for such names */
	mw_eve_emit(&e, json_pack("{s:s, s:o}", "event_type", "detection", "comm",
				  mw_eve_str("\x01name\xe2\x82")));
	mw_eve_close(&e);
	f = fopen(path, "r");
	while (f && getline(&line, &cap, f) > 0 && n < 3)
		o[n++] = json_loads(line, 0, NULL);
	if (f)
		fclose(f);
	free(line);
	unlink(path);
	if (!ASSERT_EQ(n, 3, "three lines written") || !ASSERT_TRUE(o[0] && o[1] && o[2], "JSON"))
		goto out;
	ASSERT_STREQ(json_string_value(json_object_get(json_object_get(o[0], "detail"), "comm")),
		     "mine\xef\xbf\xbd\\x1b", "unencodable string sanitized, event kept");
	ASSERT_STREQ(json_string_value(json_object_get(o[1], "event_type")), "error",
		     "a lost event leaves a record");
	ASSERT_TRUE(strstr(json_string_value(json_object_get(o[1], "source")), "test_eve.c:"),
		    "the record says where it came from");
	ASSERT_STREQ(json_string_value(json_object_get(o[2], "comm")), "\\x01name\xef\xbf\xbd",
		     "mw_eve_str");
	ASSERT_EQ(e.unencodable, 1, "counted");
out:
	for (n = 0; n < 3; n++)
		json_decref(o[n]);
}

int main(int argc, char **argv)
{
	if (argc > 1)
		test_filter = argv[1];
	test_run("events: never lost to their bytes", t_eve_never_lost, NULL);
	return test_summary("eve");
}
