// SPDX-License-Identifier: GPL-2.0-only
/* test_eve.c - the EVE JSON writer (output/eve.c): an event is never lost
 * to its bytes, and one that cannot be written leaves a record saying
 * where it came from; the builder writes the fields DESIGN.md names, in
 * their order; the counters read the record; eve_format = suricata writes
 * a detection as Suricata's alert. Built with ASan and UBSan. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "lib/addr.h"
#include "lib/util.h"
#include "output/eve.h"
#include "output/eve_suricata.h"
#include "parse/config.h"
#include "test.h"

/* Opens @e on a new temporary file, its name put in @path (a template). */
static bool open_temp(struct mw_eve *e, char *path)
{
	int fd = mkstemp(path);

	if (!ASSERT_TRUE(fd >= 0, "temporary file"))
		return false;
	close(fd);
	return ASSERT_TRUE(mw_eve_open(e, path) == 0, "open");
}

/* The first @max lines of @path parsed, then the file removed; their count. */
static size_t read_back(const char *path, json_t **o, size_t max)
{
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0, n = 0;

	while (f && n < max && getline(&line, &cap, f) > 0)
		o[n++] = json_loads(line, 0, NULL);
	if (f)
		fclose(f);
	free(line);
	unlink(path);
	return n;
}

static void t_eve_never_lost(void *arg)
{
	char path[] = "/tmp/mw-unit-eve-XXXXXX";
	struct mw_eve e;
	json_t *ev, *o[3] = { NULL };
	size_t n;

	if (!open_temp(&e, path))
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
	n = read_back(path, o, 3);
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

static json_t *ssh_detection(const struct mw_addr *src, const struct mw_addr *dst,
			     const char *severity, const char *action)
{
	struct mw_eve_rec rec = { .method = "SSHDICT",
				  .severity = severity,
				  .src = src,
				  .dst = dst,
				  .src_port = 40000,
				  .dest_port = 22,
				  .proto = "TCP",
				  .ifindex = 1,
				  .action = action };

	rec.detail = json_pack("{s:i, s:i, s:b, s:b, s:b}", "attempts", 5, "window_s", 60,
			       "successful", 0, "distributed", 0, "aggregate", 0);
	return mw_eve_detection(&rec);
}

/* The alert's fields in Suricata's order and shape, minewall's kept aside. */
static void t_suricata_shape(void *arg)
{
	struct mw_addr a4, a6;
	json_t *det, *ev, *alert;
	const char *ts;
	char keys[256];

	mw_addr_parse("203.0.113.7", &a4);
	mw_addr_parse("2001:db8::1", &a6);
	det = ssh_detection(&a4, &a6, "high", "blocked");
	ev = mw_eve_suricata(det);
	if (!ASSERT_TRUE(det && ev, "an alert built"))
		goto out;
	keys_of(ev, keys, sizeof(keys));
	ASSERT_STREQ(keys,
		     "timestamp,in_iface,event_type,src_ip,src_port,dest_ip,dest_port,proto,alert,"
		     "minewall",
		     "the fields of an alert, in Suricata's order");
	alert = json_object_get(ev, "alert");
	keys_of(alert, keys, sizeof(keys));
	ASSERT_STREQ(keys, "action,gid,signature_id,rev,signature,category,severity",
		     "the alert object's fields");
	ASSERT_STREQ(json_string_value(json_object_get(ev, "event_type")), "alert", "event_type");
	ASSERT_STREQ(json_string_value(json_object_get(ev, "src_ip")), "203.0.113.7", "src_ip");
	ASSERT_EQ(json_integer_value(json_object_get(ev, "dest_port")), 22, "dest_port");
	ASSERT_STREQ(json_string_value(json_object_get(ev, "in_iface")), "lo", "in_iface");
	ASSERT_STREQ(json_string_value(json_object_get(alert, "signature")),
		     "minewall SSHDICT: 5 login attempts from 203.0.113.7 in 60s",
		     "the signature names the method and the reason");
	ASSERT_STREQ(json_string_value(json_object_get(alert, "category")),
		     "Attempted Administrator Privilege Gain", "a DICT method's category");
	ASSERT_EQ(json_integer_value(json_object_get(alert, "gid")), 1, "gid");
	ASSERT_EQ(json_integer_value(json_object_get(alert, "rev")), 1, "rev");
	ASSERT_EQ(json_integer_value(json_object_get(alert, "signature_id")), 9100004,
		  "SSHDICT's signature_id");
	ASSERT_EQ(json_integer_value(json_object_get(alert, "severity")), 2, "high: 2");
	ASSERT_STREQ(json_string_value(json_object_get(alert, "action")), "blocked", "blocked");
	ASSERT_STREQ(json_string_value(json_object_get(json_object_get(ev, "minewall"), "method")),
		     "SSHDICT", "minewall.method");
	ASSERT_STREQ(
		json_string_value(json_object_get(json_object_get(ev, "minewall"), "severity")),
		"high", "minewall.severity");
	ASSERT_EQ(json_integer_value(json_object_get(
			  json_object_get(json_object_get(ev, "minewall"), "detail"), "attempts")),
		  5, "minewall.detail");
	/* Suricata's "2026-12-05T15:00:00.123456+0000" */
	ts = json_string_value(json_object_get(ev, "timestamp"));
	ASSERT_TRUE(ts && strlen(ts) == 31 && ts[10] == 'T' && ts[19] == '.' &&
			    !strcmp(ts + 26, "+0000") &&
			    !strncmp(ts, json_string_value(json_object_get(det, "timestamp")), 26),
		    "the timestamp with a numeric offset");
	json_decref(ev);
	json_decref(det);

	/* many sources: Suricata never writes an empty address */
	det = ssh_detection(NULL, &a6, "critical", "dry-run");
	ev = mw_eve_suricata(det);
	alert = json_object_get(ev, "alert");
	ASSERT_TRUE(!json_object_get(ev, "src_ip") && !json_object_get(ev, "src_port"),
		    "no source: src_ip and src_port left out");
	ASSERT_EQ(json_integer_value(json_object_get(alert, "severity")), 1, "critical: 1");
	ASSERT_STREQ(json_string_value(json_object_get(alert, "action")), "allowed",
		     "dry-run: allowed");
out:
	json_decref(ev);
	json_decref(det);
}

/* Each method its own stable signature_id, in DESIGN's order. */
static void t_suricata_sids(void *arg)
{
	static const char *const names[] = { "BLACKLIST", "BPATTERNS", "DIRNET",     "SSHDICT",
					     "RDPDICT",	  "HTTPDICT",  "DICTATTACK", "OTHER" };
	unsigned i;

	for (i = 0; i < ARRAY_SIZE(names); i++)
		ASSERT_EQ(mw_suricata_sid(names[i]), 9100001 + i, names[i]);
	ASSERT_EQ(mw_suricata_sid("CROWDSEC"), MW_SURICATA_SID_UNKNOWN, "an unknown method");
	ASSERT_EQ(mw_suricata_sid(NULL), MW_SURICATA_SID_UNKNOWN, "no method");
	ASSERT_EQ(mw_suricata_severity("critical"), 1, "critical");
	ASSERT_EQ(mw_suricata_severity("high"), 2, "high");
	ASSERT_EQ(mw_suricata_severity("medium"), 3, "medium");
	ASSERT_EQ(mw_suricata_severity("low"), 3, "low");
	ASSERT_EQ(mw_suricata_severity(NULL), 3, "none");
}

/* Pools, their category, protocol names, the action "alert". */
static void t_suricata_methods(void *arg)
{
	struct mw_addr l, r;
	struct mw_eve_rec rec = { .method = "BPATTERNS",
				  .severity = "medium",
				  .src = &l,
				  .dst = &r,
				  .src_port = 50000,
				  .dest_port = 3333,
				  .proto = "udp",
				  .action = "alert" };
	json_t *det, *ev, *alert;

	mw_addr_parse("192.0.2.1", &l);
	mw_addr_parse("198.51.100.9", &r);
	rec.detail = json_pack("{s:s, s:{s:s}, s:{s:s}}", "match", "message", "observed", "dialect",
			       "stratum-v1", "process", "comm", "cpuminer");
	det = mw_eve_detection(&rec);
	ev = mw_eve_suricata(det);
	alert = json_object_get(ev, "alert");
	ASSERT_STREQ(json_string_value(json_object_get(alert, "signature")),
		     "minewall BPATTERNS: mining pool protocol stratum-v1 to 198.51.100.9:3333 "
		     "(match message) by cpuminer",
		     "BPATTERNS' signature");
	ASSERT_STREQ(json_string_value(json_object_get(alert, "category")),
		     "Crypto Currency Mining Activity Detected", "a pool's category");
	ASSERT_STREQ(json_string_value(json_object_get(alert, "action")), "allowed",
		     "alert: allowed");
	ASSERT_EQ(json_integer_value(json_object_get(alert, "severity")), 3, "medium: 3");
	ASSERT_STREQ(json_string_value(json_object_get(ev, "proto")), "UDP", "upper case");
	ASSERT_TRUE(!json_object_get(ev, "in_iface"), "no interface: left out");
	json_decref(ev);
	json_decref(det);

	rec.method = "DIRNET";
	rec.proto = "icmpv6";
	rec.detail = json_pack("{s:s}", "reason", "not in the learned baseline");
	det = mw_eve_detection(&rec);
	ev = mw_eve_suricata(det);
	alert = json_object_get(ev, "alert");
	ASSERT_STREQ(json_string_value(json_object_get(ev, "proto")), "IPv6-ICMP",
		     "ICMPv6 as Suricata names it");
	ASSERT_STREQ(json_string_value(json_object_get(alert, "signature")),
		     "minewall DIRNET: not in the learned baseline: 198.51.100.9:3333",
		     "DIRNET's signature");
	ASSERT_EQ(json_integer_value(json_object_get(alert, "signature_id")), 9100003, "DIRNET");
	json_decref(ev);
	json_decref(det);
}

static int seen_detections;
static char seen_method[32];

static void on_detection(void *arg, json_t *ev)
{
	seen_detections++;
	snprintf(seen_method, sizeof(seen_method), "%s",
		 json_string_value(json_object_get(ev, "method")) ?: "");
}

/* Written as alerts in that format: the counters, the IPFIX marks and the
 * blocks as before; a name that is not UTF-8 does not lose the alert. */
static void t_suricata_written(void *arg)
{
	char path[] = "/tmp/mw-unit-eve-XXXXXX";
	struct mw_addr a4, a6;
	struct mw_eve e;
	struct mw_eve_rec rec = { .method = "DIRNET",
				  .severity = "high",
				  .src = &a6,
				  .dst = &a4,
				  .proto = "tcp",
				  .action = "blocked" };
	json_t *o[4] = { NULL }, *alert;
	size_t n;

	if (!open_temp(&e, path))
		return;
	mw_eve_set_format(&e, MW_EVE_FORMAT_SURICATA);
	e.on_detection = on_detection;
	mw_addr_parse("198.51.100.9", &a4);
	mw_addr_parse("2001:db8::1", &a6);
	mw_eve_emit(&e, ssh_detection(&a4, &a6, "critical", "blocked"));
	mw_eve_emit(&e, mw_eve_enforcement("block", "SSHDICT", &a4, "blocked",
					   json_pack("{s:s}", "prefix", "198.51.100.9/32")));
	/* a process name that is not UTF-8, set without a check */
	rec.detail = json_pack("{s:s, s:o}", "reason", "new outbound destination", "process",
			       json_pack("{s:o}", "comm", json_stringn_nocheck("mine\xff", 5)));
	mw_eve_emit(&e, mw_eve_detection(&rec));
	mw_eve_set_format(&e, MW_EVE_FORMAT_MINEWALL);
	mw_eve_emit(&e, ssh_detection(&a4, &a6, "high", "alert"));
	mw_eve_close(&e);
	n = read_back(path, o, 4);
	if (!ASSERT_TRUE(n == 4, "four lines written") ||
	    !ASSERT_TRUE(o[0] && o[1] && o[2] && o[3], "JSON"))
		goto out;
	ASSERT_STREQ(json_string_value(json_object_get(o[0], "event_type")), "alert",
		     "a detection written as an alert");
	ASSERT_STREQ(json_string_value(json_object_get(o[1], "event_type")), "block",
		     "a block keeps its shape");
	ASSERT_STREQ(json_string_value(json_object_get(o[1], "method")), "SSHDICT",
		     "a block's method");
	alert = json_object_get(o[2], "alert");
	ASSERT_STREQ(
		json_string_value(json_object_get(alert, "signature")),
		"minewall DIRNET: new outbound destination: 198.51.100.9:0 by mine\xef\xbf\xbd",
		"a name that is not UTF-8: the alert kept, the name sanitized");
	ASSERT_STREQ(json_string_value(json_object_get(
			     json_object_get(json_object_get(json_object_get(o[2], "minewall"),
							     "detail"),
					     "process"),
			     "comm")),
		     "mine\xef\xbf\xbd", "and in minewall.detail");
	ASSERT_STREQ(json_string_value(json_object_get(o[3], "event_type")), "detection",
		     "back to minewall's format");
	ASSERT_EQ(e.detections[MW_M_SSHDICT], 2, "the alerts counted by method");
	ASSERT_EQ(e.detections[MW_M_DIRNET], 1, "the DIRNET alert counted");
	ASSERT_EQ(e.blocks[MW_M_SSHDICT][0], 1, "the block counted");
	ASSERT_EQ(seen_detections, 3, "on_detection called for each");
	ASSERT_STREQ(seen_method, "SSHDICT", "on_detection reads minewall's record");
	ASSERT_EQ(e.unencodable, 0, "nothing lost");
out:
	for (n = 0; n < 4; n++)
		json_decref(o[n]);
}

int main(int argc, char **argv)
{
	if (argc > 1)
		test_filter = argv[1];
	test_run("events: never lost to their bytes", t_eve_never_lost, NULL);
	test_run("events: the builder's fields and their order", t_eve_builder, NULL);
	test_run("events: counted from the record", t_eve_counts, NULL);
	test_run("suricata: the alert's shape", t_suricata_shape, NULL);
	test_run("suricata: signature ids and severities", t_suricata_sids, NULL);
	test_run("suricata: each method's signature and category", t_suricata_methods, NULL);
	test_run("suricata: written, counted, not lost to its bytes", t_suricata_written, NULL);
	return test_summary("eve");
}
