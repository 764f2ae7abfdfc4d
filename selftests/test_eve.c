// SPDX-License-Identifier: GPL-2.0-only
/* test_eve.c - the EVE JSON writer (output/eve.c): an event is never lost
 * to its bytes, and one that cannot be written leaves a record saying
 * where it came from; the builder writes the fields DESIGN.md names, in
 * their order; the counters read the record. Built with ASan and UBSan. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "lib/addr.h"
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

/* The keys of @o in their order, comma-separated. */
static void keys_of(json_t *o, char *buf, size_t len)
{
	const char *k;
	json_t *v;
	size_t n = 0;

	buf[0] = '\0';
	json_object_foreach(o, k, v)
		n += snprintf(buf + n, n < len ? len - n : 0, "%s%s", n ? "," : "", k);
}

static void t_eve_builder(void *arg)
{
	struct mw_addr a4, a6;
	struct mw_eve_rec rec = { .method = "SSHDICT",
				  .severity = "high",
				  .src = &a4,
				  .dst = &a6,
				  .src_port = 40000,
				  .dest_port = 22,
				  .proto = "TCP",
				  .ifindex = 1,
				  .action = "blocked" };
	char keys[256], *line;
	json_t *ev;

	mw_addr_parse("192.0.2.7", &a4);
	mw_addr_parse("2001:db8::1", &a6);
	rec.detail = json_pack("{s:i}", "attempts", 5);
	ev = mw_eve_detection(&rec);
	if (!ASSERT_TRUE(ev, "a detection built"))
		return;
	keys_of(ev, keys, sizeof(keys));
	ASSERT_STREQ(keys,
		     "timestamp,event_type,method,severity,src_ip,src_port,dest_ip,dest_port,proto,"
		     "in_iface,action,detail",
		     "the fields of a detection, in their order");
	line = json_dumps(ev, JSON_COMPACT | JSON_PRESERVE_ORDER);
	ASSERT_TRUE(line && strstr(line, "\"event_type\":\"detection\",\"method\":\"SSHDICT\","
					 "\"severity\":\"high\",\"src_ip\":\"192.0.2.7\","
					 "\"src_port\":40000,\"dest_ip\":\"2001:db8::1\","
					 "\"dest_port\":22,\"proto\":\"TCP\",\"in_iface\":\"lo\","
					 "\"action\":\"blocked\",\"detail\":{\"attempts\":5}}"),
		    "their values");
	free(line);
	json_decref(ev);
	/* many sources: no source address */
	rec.src = NULL;
	rec.src_port = 0;
	rec.ifindex = 0;
	rec.detail = json_object();
	ev = mw_eve_detection(&rec);
	ASSERT_STREQ(json_string_value(json_object_get(ev, "src_ip")), "", "no source: \"\"");
	ASSERT_STREQ(json_string_value(json_object_get(ev, "in_iface")), "", "no interface: \"\"");
	json_decref(ev);

	ev = mw_eve_enforcement("block", "SSHDICT", &a6, "blocked",
				json_pack("{s:s}", "prefix", "x"));
	keys_of(ev, keys, sizeof(keys));
	ASSERT_STREQ(keys, "timestamp,event_type,method,src_ip,action,detail",
		     "the fields of a block, in their order");
	json_decref(ev);
}

/* The counters come from the record itself, and the line handed back is
 * the line written. */
static void t_eve_counts(void *arg)
{
	char path[] = "/tmp/mw-unit-eve-XXXXXX", *line, *got = NULL;
	struct mw_eve e;
	struct mw_addr a6;
	size_t cap = 0;
	FILE *f;
	int fd = mkstemp(path);

	if (!ASSERT_TRUE(fd >= 0, "temporary file"))
		return;
	close(fd);
	if (!ASSERT_TRUE(mw_eve_open(&e, path) == 0, "open"))
		return;
	mw_addr_parse("2001:db8::1", &a6);
	mw_eve_emit(&e, json_pack("{s:s, s:s}", "event_type", "detection", "method", "DIRNET"));
	line = mw_eve_record(&e,
			     mw_eve_enforcement("block", "DIRNET", &a6, "blocked", json_object()));
	mw_eve_emit(&e, mw_eve_enforcement("unblock", "DIRNET", &a6, "unblocked", json_object()));
	mw_eve_close(&e);
	ASSERT_EQ(e.detections[MW_M_DIRNET], 1, "a detection counted");
	ASSERT_EQ(e.blocks[MW_M_DIRNET][1], 1, "an IPv6 block counted");
	ASSERT_EQ(e.unblocks, 1, "an unblock counted");
	ASSERT_EQ(e.written, 3, "three lines written");
	f = fopen(path, "r");
	if (f && getline(&got, &cap, f) > 0 && getline(&got, &cap, f) > 0)
		got[strcspn(got, "\n")] = '\0';
	ASSERT_TRUE(line && got && !strcmp(line, got), "the line handed back is the one written");
	if (f)
		fclose(f);
	free(got);
	free(line);
	unlink(path);
}

int main(int argc, char **argv)
{
	if (argc > 1)
		test_filter = argv[1];
	test_run("events: never lost to their bytes", t_eve_never_lost, NULL);
	test_run("events: the builder's fields and their order", t_eve_builder, NULL);
	test_run("events: counted from the record", t_eve_counts, NULL);
	return test_summary("eve");
}
