// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <stdbool.h>
#include <net/if.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "lib/addr.h"
#include "lib/log.h"
#include "lib/container.h"
#include "output/eve.h"
#include "output/eve_suricata.h"
#include "parse/config.h"
#include "lib/util.h"

static int open_file(struct mw_eve *e)
{
	char dir[PATH_MAX], *slash;
	int fd;

	snprintf(dir, sizeof(dir), "%s", e->path);
	slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = '\0';
		if (mkdir(dir, 0750) && errno != EEXIST)
			return -errno;
	}
	/* events may name attackers and admins: not world-readable */
	fd = open(e->path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
	if (fd < 0)
		return -errno;
	e->f = fdopen(fd, "a");
	if (!e->f) {
		int err = -errno;

		close(fd);
		return err;
	}
	setvbuf(e->f, NULL, _IOLBF, 0); /* a reader tailing the file sees whole lines */
	return 0;
}

const char *const mw_method_names[MW_M_MAX] = {
	"BLACKLIST", "BPATTERNS",  "DIRNET",  "SSHDICT",  "RDPDICT",
	"HTTPDICT",  "DICTATTACK", "OUTSCAN", "CROWDSEC", "OTHER",
};

enum mw_method mw_eve_method_from_name(const char *name)
{
	unsigned i;

	for (i = 0; name && i < MW_M_OTHER; i++)
		if (!strcmp(name, mw_method_names[i]))
			return (enum mw_method)i;
	return MW_M_OTHER;
}

int mw_eve_open(struct mw_eve *e, const char *path)
{
	memset(e, 0, sizeof(*e));
	e->syslog_fd = -1;
	snprintf(e->path, sizeof(e->path), "%s", path);
	return open_file(e);
}

int mw_eve_reopen(struct mw_eve *e)
{
	if (e->f)
		fclose(e->f);
	e->f = NULL;
	return open_file(e);
}

void mw_eve_set_format(struct mw_eve *e, unsigned format)
{
	e->format = format;
}

static int syslog_connect(struct mw_eve *e)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(e->syslog_path) >= sizeof(sun.sun_path))
		return -ENAMETOOLONG;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", e->syslog_path);
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun))) {
		int err = -errno;

		close(fd);
		return err;
	}
	e->syslog_fd = fd;
	return 0;
}

int mw_eve_syslog(struct mw_eve *e, const char *path)
{
	snprintf(e->syslog_path, sizeof(e->syslog_path), "%s", path);
	return syslog_connect(e);
}

/* RFC 5424: <PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID SD MSG; a
 * detection is a warning, a block or unblock a notice. */
static void send_syslog(struct mw_eve *e, const char *json, bool detection)
{
	char msg[8192], ts[40], host[64] = "-";
	int n;

	if (!e->syslog_path[0])
		return;
	if (e->syslog_fd < 0 && syslog_connect(e))
		goto fail;
	gethostname(host, sizeof(host) - 1);
	mw_format_rfc3339_now(ts, sizeof(ts));
	n = snprintf(msg, sizeof(msg), "<%d>1 %s %s minewalld %d %s - %s",
		     3 * 8 + (detection ? 4 : 5), ts, host, (int)getpid(),
		     detection ? "detection" : "block", json);
	if (n > 0 && send(e->syslog_fd, msg, (size_t)n < sizeof(msg) ? (size_t)n : sizeof(msg) - 1,
			  MSG_DONTWAIT) >= 0)
		return;
	close(e->syslog_fd);
	e->syslog_fd = -1;
fail:
	if (!e->syslog_failed++)
		pr_warn("cannot send events to syslog at %s\n", e->syslog_path);
}

/* A detection counted for its container; the least recent container gives
 * way when the table is full. */
static void count_container(struct mw_eve *e, json_t *o, enum mw_method m)
{
	json_t *c = mw_container_of_detail(json_object_get(o, "detail"));
	const char *id, *name;
	struct mw_eve_container *slot = NULL;
	unsigned i;

	if (!c)
		return;
	id = json_string_value(json_object_get(c, "id"));
	name = json_string_value(json_object_get(c, "name"));
	for (i = 0; i < MW_EVE_CONTAINERS && !slot; i++)
		if (!strcmp(e->containers[i].id, id))
			slot = &e->containers[i];
	if (!slot) {
		slot = &e->containers[0];
		for (i = 1; i < MW_EVE_CONTAINERS; i++)
			if (e->containers[i].last_t < slot->last_t)
				slot = &e->containers[i];
		memset(slot, 0, sizeof(*slot));
		snprintf(slot->id, sizeof(slot->id), "%s", id);
	}
	if (name)
		snprintf(slot->name, sizeof(slot->name), "%s", name);
	slot->detections++;
	slot->last_t = time(NULL);
	slot->last_method = (uint8_t)m;
}

static int by_last_desc(const void *a, const void *b)
{
	const struct mw_eve_container *x = *(const struct mw_eve_container *const *)a,
				      *y = *(const struct mw_eve_container *const *)b;

	return (x->last_t < y->last_t) - (x->last_t > y->last_t);
}

json_t *mw_eve_containers_json(const struct mw_eve *e)
{
	const struct mw_eve_container *sorted[MW_EVE_CONTAINERS];
	json_t *arr = json_array();
	char ts[32];
	unsigned i, n = 0;

	for (i = 0; i < MW_EVE_CONTAINERS; i++)
		if (e->containers[i].detections)
			sorted[n++] = &e->containers[i];
	qsort(sorted, n, sizeof(const struct mw_eve_container *), by_last_desc);
	for (i = 0; arr && i < n; i++) {
		mw_format_rfc3339_s(sorted[i]->last_t, ts, sizeof(ts));
		json_array_append_new(
			arr, json_pack("{s:s, s:s, s:I, s:s, s:s}", "id", sorted[i]->id, "name",
				       sorted[i]->name, "detections",
				       (json_int_t)sorted[i]->detections, "last", ts, "last_method",
				       mw_method_names[sorted[i]->last_method < MW_M_MAX ?
							       sorted[i]->last_method :
							       MW_M_OTHER]));
	}
	return arr;
}

/* The counters and the latest events, from the record itself. */
static void count(struct mw_eve *e, json_t *o)
{
	const char *type = json_string_value(json_object_get(o, "event_type"));
	const char *src = json_string_value(json_object_get(o, "src_ip"));
	enum mw_method m = mw_eve_method_from_name(json_string_value(json_object_get(o, "method")));
	bool det = type && !strcmp(type, "detection"), blk = type && !strcmp(type, "block");

	if (det) {
		e->detections[m]++;
		count_container(e, o, m);
	}
	if (blk)
		e->blocks[m][src && strchr(src, ':') ? 1 : 0]++;
	if (type && !strcmp(type, "unblock"))
		e->unblocks++;
	if (det || blk) {
		e->recent[e->recent_pos].t = time(NULL);
		e->recent[e->recent_pos].block = blk;
		e->recent[e->recent_pos].method = (uint8_t)m;
		e->recent_pos = (e->recent_pos + 1) % MW_EVE_RECENT;
	}
	if (det && e->on_detection)
		e->on_detection(e->on_detection_arg, o);
}

void mw_eve_recent(const struct mw_eve *e, int64_t since_s, uint64_t *detections, uint64_t *blocks)
{
	unsigned i;

	memset(detections, 0, MW_M_MAX * sizeof(*detections));
	memset(blocks, 0, MW_M_MAX * sizeof(*blocks));
	for (i = 0; i < MW_EVE_RECENT; i++) {
		if (!e->recent[i].t || e->recent[i].t < since_s || e->recent[i].method >= MW_M_MAX)
			continue;
		if (e->recent[i].block)
			blocks[e->recent[i].method]++;
		else
			detections[e->recent[i].method]++;
	}
}

static void write_line(struct mw_eve *e, const char *json, bool detection)
{
	send_syslog(e, json, detection);
	if (!e->f || fprintf(e->f, "%s\n", json) < 0) {
		if (!e->failed++)
			pr_warn("cannot write the events file %s\n", e->path);
		return;
	}
	e->written++;
}

void mw_eve_close(struct mw_eve *e)
{
	if (e->f)
		fclose(e->f);
	e->f = NULL;
	if (e->syslog_fd >= 0)
		close(e->syslog_fd);
	e->syslog_fd = -1;
}

json_t *mw_eve_detection(const struct mw_eve_rec *r)
{
	char ts[40], src[MW_ADDRSTRLEN] = "", dst[MW_ADDRSTRLEN] = "", ifname[IF_NAMESIZE];

	if (r->src)
		mw_addr_str(r->src, src, sizeof(src));
	if (r->dst)
		mw_addr_str(r->dst, dst, sizeof(dst));
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:i, s:s, s:i, s:s, s:s, s:s, s:o}",
			 "timestamp", mw_format_rfc3339_now(ts, sizeof(ts)), "event_type",
			 "detection", "method", r->method, "severity", r->severity, "src_ip", src,
			 "src_port", (int)r->src_port, "dest_ip", dst, "dest_port",
			 (int)r->dest_port, "proto", r->proto, "in_iface",
			 r->ifindex && if_indextoname(r->ifindex, ifname) ? ifname : "", "action",
			 r->action, "detail", r->detail);
}

json_t *mw_eve_enforcement(const char *event_type, const char *method, const struct mw_addr *src,
			   const char *action, json_t *detail)
{
	char ts[40], addr[MW_ADDRSTRLEN];

	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:o}", "timestamp",
			 mw_format_rfc3339_now(ts, sizeof(ts)), "event_type", event_type, "method",
			 method, "src_ip", mw_addr_str(src, addr, sizeof(addr)), "action", action,
			 "detail", detail);
}

json_t *mw_eve_str(const char *s)
{
	size_t len = s ? strlen(s) : 0, room = len * 4 + 1;
	char small[256], *buf = room <= sizeof(small) ? small : malloc(room);
	json_t *j;

	if (!buf)
		return json_string("");
	/* each byte becomes at most 4 ("\xNN", or U+FFFD's 3): all of it fits */
	mw_sanitize_utf8(buf, room, s, len);
	j = json_string(buf);
	if (buf != small)
		free(buf);
	return j;
}

/* A copy of @v whose every string (keys too) is sanitized text. */
static json_t *sanitized(json_t *v)
{
	const char *key;
	json_t *out, *x;
	size_t i;

	switch (json_typeof(v)) {
	case JSON_STRING: {
		size_t len = json_string_length(v), room = len * 4 + 1;
		char *buf = malloc(room);

		if (!buf)
			return NULL;
		mw_sanitize_utf8(buf, room, json_string_value(v), len);
		out = json_string(buf);
		free(buf);
		return out;
	}
	case JSON_OBJECT:
		out = json_object();
		json_object_foreach(v, key, x)
		{
			char k[256];

			mw_sanitize_str(k, sizeof(k), key);
			json_object_set_new(out, k, sanitized(x));
		}
		return out;
	case JSON_ARRAY:
		out = json_array();
		json_array_foreach(v, i, x) json_array_append_new(out, sanitized(x));
		return out;
	case JSON_REAL:
		/* NaN and infinities have no JSON form */
		return json_real_value(v) == json_real_value(v) &&
				       json_real_value(v) - json_real_value(v) == 0 ?
			       json_copy(v) :
			       json_null();
	default:
		return json_copy(v);
	}
}

/* What stands for an event that could not be written: what it was, as far
 * as it can be read, and where it came from. */
static char *fallback(json_t *ev, const char *where)
{
	static const char *const keys[] = { "event_type", "method", "src_ip", "dest_ip", "action" };
	json_t *lost = json_object(), *rec;
	char ts[40], *text;
	size_t i;

	mw_format_rfc3339_now(ts, sizeof(ts));
	for (i = 0; ev && i < ARRAY_SIZE(keys); i++) {
		json_t *v = json_object_get(ev, keys[i]);

		if (json_is_string(v))
			json_object_set_new(lost, keys[i], mw_eve_str(json_string_value(v)));
	}
	rec = json_pack(
		"{s:s, s:s, s:s, s:o, s:o}", "timestamp", ts, "event_type", "error", "error",
		ev ? "an event could not be encoded as JSON: it is replaced by this record" :
		     "an event could not be built (a field was not valid text, or memory ran out): it is lost",
		"lost", lost, "source", mw_eve_str(where));
	text = rec ? json_dumps(rec, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
	json_decref(rec);
	if (!text &&
	    asprintf(
		    &text,
		    "{\"timestamp\":\"%s\",\"event_type\":\"error\",\"error\":\"an event was lost (out of memory)\"}",
		    ts) < 0)
		text = NULL;
	return text;
}

/* The record as written: a detection as a Suricata alert in that format
 * (minewall's own when out of memory: the event is not lost for its form). */
static json_t *as_written(const struct mw_eve *e, json_t *ev, bool detection)
{
	json_t *alert =
		e && e->format == MW_EVE_FORMAT_SURICATA && detection ? mw_eve_suricata(ev) : NULL;

	return alert ? alert : json_incref(ev);
}

char *mw_eve_record_at(struct mw_eve *e, json_t *ev, const char *where)
{
	const char *type = json_string_value(json_object_get(ev, "event_type"));
	bool detection = type && !strcmp(type, "detection");
	json_t *out = ev ? as_written(e, ev, detection) : NULL;
	char *text = out ? json_dumps(out, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
	/* the log says "event:" for what the policy did, "detection:" else */
	bool enforcement = type && (!strcmp(type, "block") || !strcmp(type, "unblock"));

	if (!text && out) {
		/* a string that is not valid UTF-8 (set without a check), a NaN */
		json_t *copy = sanitized(out);

		text = copy ? json_dumps(copy, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
		json_decref(copy);
	}
	if (text && e)
		count(e, ev);
	if (!text) {
		/* what is written is the record of a loss: nothing to count */
		detection = false;
		text = fallback(ev, where);
		if (e && !e->unencodable++)
			pr_warn("an event from %s could not be encoded; a record of its loss is written instead\n",
				where);
	}
	if (text) {
		pr_info("%s: %s\n", enforcement ? "event" : "detection", text);
		if (e)
			write_line(e, text, detection);
	}
	json_decref(out);
	json_decref(ev);
	return text;
}

void mw_eve_emit_at(struct mw_eve *e, json_t *ev, const char *where)
{
	free(mw_eve_record_at(e, ev, where));
}
