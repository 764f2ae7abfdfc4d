/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * eve.h - the events file: one JSON object per line (Suricata EVE field
 * names), appended, reopened on SIGHUP/SIGUSR1 for log rotation.
 */
#ifndef MW_OUTPUT_EVE_H
#define MW_OUTPUT_EVE_H

#include <limits.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

struct mw_addr;

#define MW_EVENTS_PATH_DEFAULT "/var/log/minewall/events.json"

/* The detection methods, in the order of the counters below. */
enum mw_method {
	MW_M_BLACKLIST = 0,
	MW_M_BPATTERNS,
	MW_M_DIRNET,
	MW_M_SSHDICT,
	MW_M_RDPDICT,
	MW_M_HTTPDICT,
	MW_M_DICTATTACK,
	MW_M_OUTSCAN, /* the host scanning others */
	MW_M_CROWDSEC, /* blocks pulled from a CrowdSec LAPI: never a detection */
	MW_M_OTHER, /* blocks asked for by the operator (CLI) */
	MW_M_MAX,
};
extern const char *const mw_method_names[MW_M_MAX];

#define MW_EVE_RECENT 4096
/* Containers whose detections `minewall status` lists. */
#define MW_EVE_CONTAINERS 64

struct mw_eve {
	char path[PATH_MAX];
	FILE *f;
	unsigned long written, failed;
	unsigned long unencodable; /* events replaced by a record of their loss */
	/* enum mw_eve_format (parse/config.h): how detections are written */
	unsigned format;
	/* RFC 5424 syslog over a unix datagram socket; -1: off */
	int syslog_fd;
	char syslog_path[PATH_MAX];
	unsigned long syslog_failed;
	/* counters since start, by method; blocks also by family (0 v4, 1 v6) */
	uint64_t detections[MW_M_MAX];
	uint64_t blocks[MW_M_MAX][2];
	uint64_t unblocks;
	/* the latest events, for "the last hour" */
	struct {
		int64_t t; /* wall clock, seconds */
		uint8_t block; /* 0 detection, 1 block */
		uint8_t method;
	} recent[MW_EVE_RECENT];
	unsigned recent_pos;
	/* containers named by detections, the busiest kept (status) */
	struct mw_eve_container {
		char id[65];
		char name[128];
		uint64_t detections;
		int64_t last_t; /* wall clock, seconds */
		uint8_t last_method;
	} containers[MW_EVE_CONTAINERS];
	/* called for every detection (the IPFIX exporter marks its flows) */
	void (*on_detection)(void *arg, json_t *ev);
	void *on_detection_arg;
};

/* Opens (creating its directory) for appending. Returns 0 or -errno. The
 * counters start at zero and syslog is off. */
int mw_eve_open(struct mw_eve *e, const char *path);
/* Reopens the same path (after rotation). */
int mw_eve_reopen(struct mw_eve *e);
void mw_eve_close(struct mw_eve *e);
/* Writes detections from now on as @format (enum mw_eve_format): minewall's
 * own record, or a Suricata alert (eve_suricata.h); blocks, unblocks and the
 * rest keep their shape. The counters and on_detection read minewall's. */
void mw_eve_set_format(struct mw_eve *e, unsigned format);
/* Sends every event to the syslog socket @path as well (RFC 5424, facility
 * daemon). Returns 0 or -errno; a socket that goes away is retried. */
int mw_eve_syslog(struct mw_eve *e, const char *path);
/* Detections and blocks of each method since @since_s (wall clock). */
/* The containers with detections, most recent first: a JSON array of
 * {"id", "name", "detections", "last", "last_method"}. */
json_t *mw_eve_containers_json(const struct mw_eve *e);
void mw_eve_recent(const struct mw_eve *e, int64_t since_s, uint64_t *detections, uint64_t *blocks);
enum mw_method mw_eve_method_from_name(const char *name);
/*
 * The one builder of EVE records: what every detection carries, typed; the
 * record is made with the timestamp and the fields in this order:
 * timestamp, event_type "detection", method, severity, src_ip, src_port,
 * dest_ip, dest_port, proto, in_iface, action, detail.
 */
struct mw_eve_rec {
	const char *method; /* "SSHDICT", "BPATTERNS"... */
	const char *severity; /* "critical", "high", "medium" */
	const struct mw_addr *src; /* NULL: "" (many sources: a distributed attack) */
	const struct mw_addr *dst;
	uint16_t src_port, dest_port; /* host byte order */
	/* as each method has always written it: "TCP" (the DICT methods,
	 * BPATTERNS) or the flow table's lower-case name (mw_flowtable_proto_name) */
	const char *proto;
	unsigned ifindex; /* in_iface by name; "" when it is gone */
	const char *action; /* "blocked", "alert", "dry-run" */
	json_t *detail; /* the method's own object; taken over */
};
/* The record of a detection, or NULL (out of memory, a field not UTF-8:
 * mw_eve_emit then writes a record of the loss). Releases @r->detail. */
json_t *mw_eve_detection(const struct mw_eve_rec *r);
/* The record of a block or unblock taking effect (@event_type "block",
 * "unblock"): timestamp, event_type, method, src_ip, action, detail.
 * Releases @detail. */
json_t *mw_eve_enforcement(const char *event_type, const char *method, const struct mw_addr *src,
			   const char *action, json_t *detail);

/* Logs event @ev ("detection: " or "event: " and the record), appends it
 * to @e (may be NULL), counts it and releases it. Never loses it silently:
 * an event json_dumps() refuses is written with its text sanitized; a NULL
 * @ev (its builder failed) or one that still cannot be written leaves a
 * record {"event_type":"error", "lost": {...}, "source": "file:line"} in
 * its place. Returns the line written (for the response hook; the caller
 * frees it), NULL when even that failed. */
char *mw_eve_record_at(struct mw_eve *e, json_t *ev, const char *where);
#define MW_EVE_STR2(x) #x
#define MW_EVE_STR(x) MW_EVE_STR2(x)
#define mw_eve_record(e, ev) mw_eve_record_at((e), (ev), __FILE__ ":" MW_EVE_STR(__LINE__))
/* mw_eve_record for who has no use for the line. */
void mw_eve_emit_at(struct mw_eve *e, json_t *ev, const char *where);
#define mw_eve_emit(e, ev) mw_eve_emit_at((e), (ev), __FILE__ ":" MW_EVE_STR(__LINE__))
/* A JSON string of any bytes (a process name, a DNS name, a list entry):
 * sanitized (util.h mw_sanitize_utf8), never NULL but out of memory; for
 * json_pack's "o". */
json_t *mw_eve_str(const char *s);

#endif
