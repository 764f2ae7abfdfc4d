// SPDX-License-Identifier: GPL-2.0-only
/*
 * eve_suricata.c - a detection record rewritten as a Suricata EVE alert.
 * Pure: no clock, no I/O; the record already holds all it needs.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "lib/util.h"
#include "output/eve.h"
#include "output/eve_suricata.h"

/* Suricata's classification.config names */
#define CAT_ADMIN "Attempted Administrator Privilege Gain"
#define CAT_MINING "Crypto Currency Mining Activity Detected"
#define CAT_POLICY "Potential Corporate Privacy Violation"
#define CAT_SCAN "Detection of a Network Scan"
#define CAT_MISC "Misc activity"

/* The signature ids are a published interface (rules, SIEM dashboards key on
 * them): a method keeps its number even if the order of enum mw_method
 * changes, and a new method takes the next free one. */
static const struct {
	const char *method;
	long sid;
	const char *category;
} methods[] = {
	{ "BLACKLIST", 9100001, CAT_MINING }, { "BPATTERNS", 9100002, CAT_MINING },
	{ "DIRNET", 9100003, CAT_POLICY },    { "SSHDICT", 9100004, CAT_ADMIN },
	{ "RDPDICT", 9100005, CAT_ADMIN },    { "HTTPDICT", 9100006, CAT_ADMIN },
	{ "DICTATTACK", 9100007, CAT_ADMIN }, { "OTHER", 9100008, CAT_MISC },
	{ "OUTSCAN", 9100009, CAT_SCAN },
};

static int method_index(const char *method)
{
	unsigned i;

	for (i = 0; method && i < ARRAY_SIZE(methods); i++)
		if (!strcmp(method, methods[i].method))
			return (int)i;
	return -1;
}

long mw_suricata_sid(const char *method)
{
	int i = method_index(method);

	return i < 0 ? MW_SURICATA_SID_UNKNOWN : methods[i].sid;
}

int mw_suricata_severity(const char *severity)
{
	if (severity && !strcmp(severity, "critical"))
		return 1;
	if (severity && !strcmp(severity, "high"))
		return 2;
	return 3;
}

static const char *str(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s ? s : "";
}

/* What the method found, in words, after "minewall METHOD: ". */
static void reason(char *buf, size_t len, const char *method, json_t *det)
{
	json_t *d = json_object_get(det, "detail");
	json_int_t port = json_integer_value(json_object_get(det, "dest_port"));
	const char *dst = str(det, "dest_ip"), *comm = str(json_object_get(d, "process"), "comm");

	if (method_index(method) >= method_index("SSHDICT") &&
	    method_index(method) <= method_index("DICTATTACK")) {
		char from[96];

		if (json_is_true(json_object_get(d, "distributed")))
			snprintf(
				from, sizeof(from), "%lld sources",
				(long long)json_integer_value(json_object_get(d, "total_sources")));
		else if (json_is_true(json_object_get(d, "aggregate")))
			snprintf(from, sizeof(from), "%s", str(d, "src_prefix"));
		else
			snprintf(from, sizeof(from), "%s", str(det, "src_ip"));
		snprintf(buf, len, "%lld login attempts from %s in %llds%s",
			 (long long)json_integer_value(json_object_get(d, "attempts")), from,
			 (long long)json_integer_value(json_object_get(d, "window_s")),
			 json_is_true(json_object_get(d, "successful")) ?
				 ", then a successful login" :
				 "");
	} else if (!strcmp(method, "BLACKLIST")) {
		snprintf(buf, len, "contact with blacklisted %s on list %s (match %s%s%s)",
			 json_is_string(json_object_get(d, "name")) ? str(d, "name") : dst,
			 *str(d, "list") ? str(d, "list") : "-", str(d, "match"),
			 *str(d, "initiator") ? ", opened by the " : "", str(d, "initiator"));
	} else if (!strcmp(method, "BPATTERNS")) {
		const char *dialect = str(json_object_get(d, "observed"), "dialect");

		snprintf(buf, len, "mining pool protocol%s%s to %s:%lld (match %s)%s%s",
			 *dialect ? " " : "", dialect, dst, (long long)port, str(d, "match"),
			 *comm ? " by " : "", comm);
	} else if (!strcmp(method, "DIRNET")) {
		snprintf(buf, len, "%s: %s:%lld%s%s",
			 *str(d, "reason") ? str(d, "reason") : "new outbound destination", dst,
			 (long long)port, *comm ? " by " : "", comm);
	} else if (!strcmp(method, "OUTSCAN")) {
		snprintf(buf, len, "scanning out: %s to port %lld%s%s", str(d, "reason"),
			 (long long)port, *comm ? " by " : "", comm);
	} else {
		snprintf(buf, len, "%s", *str(d, "reason") ? str(d, "reason") : "detection");
	}
}

/* "2026-12-05T15:00:00.123456Z" as Suricata writes it: "...123456+0000". */
static json_t *timestamp(const char *ts)
{
	size_t n = strlen(ts);
	char buf[64];

	if (n && n < sizeof(buf) - 5 && ts[n - 1] == 'Z') {
		snprintf(buf, sizeof(buf), "%.*s+0000", (int)(n - 1), ts);
		return mw_eve_str(buf);
	}
	return mw_eve_str(ts);
}

/* Suricata's protocol names: "TCP", "UDP", "ICMP", "IPv6-ICMP". */
static json_t *proto(const char *p)
{
	char buf[32];
	size_t i;

	if (!strcasecmp(p, "icmpv6") || !strcasecmp(p, "ipv6-icmp") || !strcasecmp(p, "icmp6"))
		return json_string("IPv6-ICMP");
	for (i = 0; i < sizeof(buf) - 1 && p[i]; i++)
		buf[i] = (char)toupper((unsigned char)p[i]);
	buf[i] = '\0';
	return mw_eve_str(buf);
}

/* Copies @key of @from into @to unless it is an empty string. */
static void copy_field(json_t *to, json_t *from, const char *key)
{
	json_t *v = json_object_get(from, key);

	if (v && !(json_is_string(v) && !*json_string_value(v)))
		json_object_set(to, key, v);
}

json_t *mw_eve_suricata(json_t *det)
{
	const char *method = str(det, "method"), *severity = str(det, "severity"),
		   *action = str(det, "action");
	int i = method_index(method);
	json_t *out, *alert, *mw;
	char sig[512], why[448];

	reason(why, sizeof(why), method, det);
	snprintf(sig, sizeof(sig), "minewall %s: %s", method, why);
	alert = json_pack("{s:s, s:i, s:I, s:i, s:o, s:s, s:i}", "action",
			  !strcmp(action, "blocked") ? "blocked" : "allowed", "gid",
			  MW_SURICATA_GID, "signature_id", (json_int_t)mw_suricata_sid(method),
			  "rev", MW_SURICATA_REV, "signature", mw_eve_str(sig), "category",
			  i < 0 ? CAT_MISC : methods[i].category, "severity",
			  mw_suricata_severity(severity));
	mw = json_pack("{s:o, s:o, s:o, s:O*}", "method", mw_eve_str(method), "severity",
		       mw_eve_str(severity), "action", mw_eve_str(action), "detail",
		       json_object_get(det, "detail"));
	out = json_pack("{s:o}", "timestamp", timestamp(str(det, "timestamp")));
	if (!alert || !mw || !out) {
		json_decref(alert);
		json_decref(mw);
		json_decref(out);
		return NULL;
	}
	copy_field(out, det, "in_iface");
	json_object_set_new(out, "event_type", json_string("alert"));
	copy_field(out, det, "src_ip");
	if (*str(det, "src_ip"))
		copy_field(out, det, "src_port");
	copy_field(out, det, "dest_ip");
	copy_field(out, det, "dest_port");
	json_object_set_new(out, "proto", proto(str(det, "proto")));
	json_object_set_new(out, "alert", alert);
	json_object_set_new(out, "minewall", mw);
	return out;
}
