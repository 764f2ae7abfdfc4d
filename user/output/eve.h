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
	MW_M_OTHER, /* blocks asked for by the operator (CLI) */
	MW_M_MAX,
};
extern const char *const mw_method_names[MW_M_MAX];

#define MW_EVE_RECENT 4096

struct mw_eve {
	char path[PATH_MAX];
	FILE *f;
	unsigned long written, failed;
	unsigned long unencodable; /* events replaced by a record of their loss */
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
	/* called for every detection (the IPFIX exporter marks its flows) */
	void (*on_detection)(void *arg, json_t *ev);
	void *on_detection_arg;
};

/* Opens (creating its directory) for appending. Returns 0 or -errno. The
 * counters start at zero and syslog is off. */
int mw_eve_open(struct mw_eve *e, const char *path);
/* Reopens the same path (after rotation). */
int mw_eve_reopen(struct mw_eve *e);
/* Appends one event (a JSON object as text, without a newline). */
void mw_eve_write(struct mw_eve *e, const char *json);
void mw_eve_close(struct mw_eve *e);
/* Sends every event to the syslog socket @path as well (RFC 5424, facility
 * daemon). Returns 0 or -errno; a socket that goes away is retried. */
int mw_eve_syslog(struct mw_eve *e, const char *path);
/* Detections and blocks of each method since @since_s (wall clock). */
void mw_eve_recent(const struct mw_eve *e, int64_t since_s, uint64_t *detections, uint64_t *blocks);
enum mw_method mw_method_from_name(const char *name);
/* The time now as EVE writes it: RFC 3339, microseconds, UTC. */
void mw_eve_timestamp(char *buf, size_t len);
/* Logs detection @ev, appends it to @e (may be NULL) and releases it.
 * Never loses it silently: an event json_dumps() refuses is written with
 * its text sanitized; a NULL @ev (json_pack failed) or one that still
 * cannot be written leaves a record {"event_type":"error", "lost": {...},
 * "source": "file:line"} in its place. */
void mw_eve_emit_at(struct mw_eve *e, json_t *ev, const char *where);
#define MW_EVE_STR2(x) #x
#define MW_EVE_STR(x) MW_EVE_STR2(x)
#define mw_eve_emit(e, ev) mw_eve_emit_at((e), (ev), __FILE__ ":" MW_EVE_STR(__LINE__))
/* A JSON string of any bytes (a process name, a DNS name, a list entry):
 * sanitized (util.h mw_sanitize_utf8), never NULL but out of memory; for
 * json_pack's "o". */
json_t *mw_eve_str(const char *s);

#endif
