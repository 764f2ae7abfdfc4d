// SPDX-License-Identifier: GPL-2.0-only
/*
 * decision.c - the LAPI decisions stream read into plain records. Every
 * entry is outside bytes: checked field by field, a bad one counted and
 * described, never half-used.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "fleet/decision.h"
#include "lib/util.h"
#include "parse/config.h"

/* The nanoseconds of each unit Go's time.ParseDuration knows. */
static const struct {
	const char *name;
	uint64_t ns;
} go_units[] = {
	{ "ns", 1ULL },		  { "us", 1000ULL },
	{ "\xc2\xb5s", 1000ULL }, /* U+00B5 MICRO SIGN, what Go itself writes */
	{ "\xce\xbcs", 1000ULL }, /* U+03BC GREEK SMALL LETTER MU */
	{ "ms", 1000000ULL },	  { "s", 1000000000ULL },
	{ "m", 60000000000ULL },  { "h", 3600000000000ULL },
};

/* The unit at @s, longest name first ("ms" before "m"); its length in *@n. */
static uint64_t go_unit(const char *s, size_t *n)
{
	uint64_t ns = 0;
	size_t i, best = 0;

	for (i = 0; i < ARRAY_SIZE(go_units); i++) {
		size_t l = strlen(go_units[i].name);

		if (l > best && !strncmp(s, go_units[i].name, l)) {
			best = l;
			ns = go_units[i].ns;
		}
	}
	*n = best;
	return ns;
}

int mw_go_duration_ms(const char *s, int64_t *ms)
{
	/* as Go: at most 1<<63 ns in magnitude (about 292 years) */
	const uint64_t limit = 1ULL << 63;
	uint64_t total = 0;
	bool neg = false;

	if (!s || !*s)
		return -EINVAL;
	if (*s == '-' || *s == '+')
		neg = *s++ == '-';
	if (!strcmp(s, "0")) {
		*ms = 0;
		return 0;
	}
	if (!*s)
		return -EINVAL;
	while (*s) {
		unsigned __int128 v = 0, frac = 0, scale = 1, part;
		bool digits = false;
		uint64_t unit;
		size_t n;

		for (; *s >= '0' && *s <= '9'; s++, digits = true) {
			v = v * 10 + (unsigned)(*s - '0');
			if (v > limit)
				return -EINVAL;
		}
		if (*s == '.') {
			for (s++; *s >= '0' && *s <= '9'; s++, digits = true) {
				/* digits past 1e-18 cannot change a millisecond */
				if (scale < (unsigned __int128)1000000000000000000ULL) {
					frac = frac * 10 + (unsigned)(*s - '0');
					scale *= 10;
				}
			}
		}
		if (!digits)
			return -EINVAL;
		unit = go_unit(s, &n);
		if (!n)
			return -EINVAL;
		s += n;
		part = v * unit + frac * unit / scale;
		if (part > limit || total + part > limit)
			return -EINVAL;
		total += (uint64_t)part;
	}
	if (total == limit && !neg)
		return -EINVAL;
	*ms = neg ? -(int64_t)(total / 1000000) : (int64_t)(total / 1000000);
	return 0;
}

char *mw_go_duration_str(int64_t ms, char *buf, size_t len)
{
	uint64_t u = ms < 0 ? -(uint64_t)ms : (uint64_t)ms;
	const char *sign = ms < 0 ? "-" : "";
	uint64_t h = u / 3600000, m = u / 60000 % 60, s = u / 1000 % 60, frac = u % 1000;
	char secs[32];

	if (u < 1000) {
		snprintf(buf, len, "%s%" PRIu64 "%s", sign, u, u ? "ms" : "s");
		return buf;
	}
	/* seconds as Go writes them: "1.5s", "1.05s", "2s" */
	if (!frac)
		snprintf(secs, sizeof(secs), "%" PRIu64 "s", s);
	else if (frac % 100 == 0)
		snprintf(secs, sizeof(secs), "%" PRIu64 ".%" PRIu64 "s", s, frac / 100);
	else if (frac % 10 == 0)
		snprintf(secs, sizeof(secs), "%" PRIu64 ".%02" PRIu64 "s", s, frac / 10);
	else
		snprintf(secs, sizeof(secs), "%" PRIu64 ".%03" PRIu64 "s", s, frac);
	if (h)
		snprintf(buf, len, "%s%" PRIu64 "h%" PRIu64 "m%s", sign, h, m, secs);
	else if (m)
		snprintf(buf, len, "%s%" PRIu64 "m%s", sign, m, secs);
	else
		snprintf(buf, len, "%s%s", sign, secs);
	return buf;
}

struct parse_ctx {
	struct mw_cs_stream *out;
	unsigned scopes;
	const char *list; /* "new" or "deleted", for the descriptions */
	size_t index;
};

static void __attribute__((format(printf, 2, 3))) bad(struct parse_ctx *c, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (c->out->bad++)
		return;
	n = snprintf(c->out->first_bad, sizeof(c->out->first_bad), "%s[%zu]: ", c->list, c->index);
	if (n < 0 || (size_t)n >= sizeof(c->out->first_bad))
		return;
	va_start(ap, fmt);
	vsnprintf(c->out->first_bad + n, sizeof(c->out->first_bad) - n, fmt, ap);
	va_end(ap);
}

/* An outside value quoted in a description: printable and short. */
static const char *quoted(const char *s, char *buf, size_t len)
{
	return mw_sanitize_str(buf, len, s);
}

/*
 * A Range value as the LAPI hands it on: it accepts "203.0.113.9/24" from
 * cscli and means the /24 (its own start_ip/end_ip are the network's, and
 * the nftables and ipset bouncers enforce the network), so host bits are
 * masked here rather than the ban refused. A /0, or a prefix holding every
 * IPv4 address, is refused: one decision must not cut a host off from
 * everyone.
 */
static int parse_range(const char *value, struct mw_prefix *p)
{
	const char *slash = strchr(value, '/');
	char addr[MW_ADDRSTRLEN];
	struct mw_addr v4_any;
	unsigned long len;
	bool v4;
	char *end;

	if (!slash)
		return -EINVAL; /* a Range is a prefix: the address alone is scope Ip */
	if (mw_prefix_parse(value, p)) {
		/* only host bits can make a prefix with a good address and
		 * length fail there; anything else fails here too */
		if ((size_t)(slash - value) >= sizeof(addr))
			return -EINVAL;
		memcpy(addr, value, slash - value);
		addr[slash - value] = '\0';
		v4 = !strchr(addr, ':');
		len = strtoul(slash + 1, &end, 10);
		if (mw_addr_parse(addr, &p->addr) || slash[1] < '0' || slash[1] > '9' || *end ||
		    len > (v4 ? 32 : 128))
			return -EINVAL;
		p->len = (uint8_t)(v4 ? len + 96 : len);
		mw_addr_mask(&p->addr, p->len);
	}
	/* every address, or every IPv4 one (the mapped space, ::ffff:0:0/96) */
	mw_addr_parse("0.0.0.0", &v4_any);
	if (p->len == 0 || (p->len <= 96 && mw_prefix_contains(p, &v4_any)))
		return -ERANGE;
	return 0;
}

/* An optional text field: absent or null leaves *@s; false when another type. */
static bool optional_string(json_t *o, const char *key, const char **s)
{
	json_t *v = json_object_get(o, key);

	if (!v || json_is_null(v))
		return true;
	*s = json_string_value(v);
	return *s != NULL;
}

/* Whether the string @key of @o holds a \u0000: such a value means
 * something else to each reader (a bouncer, a log): never acted on. */
static bool has_nul(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	return json_is_string(v) && strlen(json_string_value(v)) != json_string_length(v);
}

/* Reads one decision; returns 1 when it is kept, 0 when skipped or bad. */
static int parse_one(struct parse_ctx *c, json_t *o, struct mw_cs_decision *d)
{
	const char *scope, *type, *value, *duration, *scenario = "", *origin = "";
	json_t *id;
	char q[48];
	unsigned bit;
	int err;

	if (!json_is_object(o)) {
		bad(c, "not an object");
		return 0;
	}
	/* json_object_get, not json_unpack: its format is parsed per call,
	 * which shows at 50,000 decisions */
	scope = json_string_value(json_object_get(o, "scope"));
	type = json_string_value(json_object_get(o, "type"));
	value = json_string_value(json_object_get(o, "value"));
	duration = json_string_value(json_object_get(o, "duration"));
	if (!scope || !type || !value || !duration) {
		bad(c, "scope, type, value or duration missing or not a string");
		return 0;
	}
	if (has_nul(o, "scope") || has_nul(o, "type") || has_nul(o, "value") ||
	    has_nul(o, "duration")) {
		bad(c, "scope, type, value or duration holds a \\u0000");
		return 0;
	}
	if (!optional_string(o, "scenario", &scenario) || !optional_string(o, "origin", &origin)) {
		bad(c, "scenario or origin not a string");
		return 0;
	}
	id = json_object_get(o, "id");
	if (!strcasecmp(scope, "ip")) {
		bit = MW_CS_SCOPE_IP;
	} else if (!strcasecmp(scope, "range")) {
		bit = MW_CS_SCOPE_RANGE;
	} else {
		c->out->skipped_scope++;
		return 0;
	}
	if (!(c->scopes & bit)) {
		c->out->skipped_scope++;
		return 0;
	}
	if (strcasecmp(type, "ban")) {
		c->out->skipped_type++;
		return 0;
	}
	memset(d, 0, sizeof(*d));
	d->scope = bit;
	if (id && !json_is_null(id)) {
		if (!json_is_integer(id)) {
			bad(c, "id is not an integer");
			return 0;
		}
		d->id = json_integer_value(id);
	}
	if (bit == MW_CS_SCOPE_IP) {
		if (mw_addr_parse(value, &d->target.addr)) {
			bad(c, "value '%s' is not an address", quoted(value, q, sizeof(q)));
			return 0;
		}
		d->target.len = 128;
	} else {
		err = parse_range(value, &d->target);
		if (err) {
			bad(c, "value '%s' is %s", quoted(value, q, sizeof(q)),
			    err == -ERANGE ? "all of IPv4 or IPv6: refused" : "not a prefix");
			return 0;
		}
	}
	if (mw_go_duration_ms(duration, &d->duration_ms)) {
		bad(c, "duration '%s' is not a Go duration", quoted(duration, q, sizeof(q)));
		return 0;
	}
	mw_sanitize_str(d->scenario, sizeof(d->scenario), scenario);
	mw_sanitize_str(d->origin, sizeof(d->origin), origin);
	return 1;
}

/*
 * The body is read one decision at a time: jansson decodes each element
 * alone (JSON_DISABLE_EOF_CHECK, which reports where it stopped), and only
 * the outer object and its lists are walked here. A startup stream of a
 * community list is 50,000 decisions; as one tree it cost 60 MB of small
 * allocations, one element at a time it costs one decision's worth.
 */
struct reader {
	const char *p, *end;
	char *err;
	size_t errlen;
};

static void skip_space(struct reader *r)
{
	while (r->p < r->end && (*r->p == ' ' || *r->p == '\t' || *r->p == '\n' || *r->p == '\r'))
		r->p++;
}

static int __attribute__((format(printf, 2, 3))) reader_fail(struct reader *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->err, r->errlen, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/*
 * The longest value decoded at once. A decision is a few hundred bytes;
 * one element may not hold the rest of the body: 32 MiB of "{}," inside
 * one decision would be 3 GiB of jansson's objects, 256 KiB of it is 25 MiB.
 */
#define VALUE_MAX (256 << 10)

/* Decodes the JSON value at the reader (any type) and moves past it. */
static json_t *next_value(struct reader *r, const char *body)
{
	size_t window;
	json_error_t jerr;
	json_t *v;

	skip_space(r);
	window = (size_t)(r->end - r->p) < VALUE_MAX ? (size_t)(r->end - r->p) : VALUE_MAX;
	/* JSON_ALLOW_NUL: a \u0000 in one scenario must not make the whole
	 * stream unreadable (one machine of the fleet could then blind every
	 * bouncer); strings are cut at it, or refused (has_nul) */
	v = json_loadb(r->p, window, JSON_DECODE_ANY | JSON_DISABLE_EOF_CHECK | JSON_ALLOW_NUL,
		       &jerr);
	if (!v) {
		reader_fail(
			r, "not JSON%s: %s (at byte %zu)",
			window < (size_t)(r->end - r->p) ? ", or a value longer than 256 KiB" : "",
			jerr.text,
			(size_t)(r->p - body) + (size_t)(jerr.position > 0 ? jerr.position : 0));
		return NULL;
	}
	r->p += jerr.position; /* where the decoder stopped: just past the value */
	return v;
}

/* Expects @ch (after blanks); consumes it. */
static bool take(struct reader *r, char ch)
{
	skip_space(r);
	if (r->p < r->end && *r->p == ch) {
		r->p++;
		return true;
	}
	return false;
}

static int keep(struct mw_cs_decision **v, size_t *n, size_t *cap)
{
	return mw_grow(v, cap, *n, sizeof(**v), 256);
}

/* Reads the list (or null) at the reader into *@v. */
static int read_list(struct parse_ctx *c, struct reader *r, const char *body,
		     struct mw_cs_decision **v, size_t *n)
{
	size_t cap = 0;
	json_t *o;
	int err;

	skip_space(r);
	if (r->p < r->end && *r->p != '[') {
		o = next_value(r, body);
		if (!o)
			return -EINVAL;
		err = json_is_null(o) ?
			      0 :
			      reader_fail(r, "not a decisions stream: '%s' is not a list", c->list);
		json_decref(o);
		return err;
	}
	if (!take(r, '['))
		return reader_fail(r, "not JSON: the body ends early");
	if (take(r, ']'))
		return 0;
	for (c->index = 0;; c->index++) {
		o = next_value(r, body);
		if (!o)
			return -EINVAL;
		if (c->out->n_added + c->out->n_deleted >= MW_CS_STREAM_MAX) {
			/* 256 MiB of tiny entries would be gigabytes of records */
			bad(c, "past %d decisions: ignored", MW_CS_STREAM_MAX);
			json_decref(o);
		} else {
			err = keep(v, n, &cap);
			if (err) {
				json_decref(o);
				return err;
			}
			*n += parse_one(c, o, &(*v)[*n]);
			json_decref(o);
		}
		if (take(r, ']'))
			return 0;
		if (!take(r, ','))
			return reader_fail(r, "not JSON: ',' or ']' expected at byte %zu",
					   (size_t)(r->p - body));
	}
}

static int read_stream(struct parse_ctx *c, struct reader *r, const char *body)
{
	bool seen_new = false, seen_deleted = false;
	const char *key;
	json_t *k, *v;
	int err;

	if (!take(r, '{'))
		return reader_fail(r,
				   r->p < r->end && *r->p == '[' ?
					   "not a decisions stream: an array, not an object" :
					   "not JSON: an object expected at byte %zu",
				   (size_t)(r->p - body));
	if (take(r, '}'))
		goto end;
	do {
		k = next_value(r, body);
		if (!k)
			return -EINVAL;
		key = json_string_value(k);
		if (!key || !take(r, ':')) {
			json_decref(k);
			return reader_fail(r, "not JSON: a key and ':' expected at byte %zu",
					   (size_t)(r->p - body));
		}
		if (!strcmp(key, "new") || !strcmp(key, "deleted")) {
			bool added = !strcmp(key, "new");
			bool *seen = added ? &seen_new : &seen_deleted;

			c->list = added ? "new" : "deleted";
			json_decref(k);
			if (*seen)
				return reader_fail(r, "not a decisions stream: '%s' twice",
						   c->list);
			*seen = true;
			err = added ? read_list(c, r, body, &c->out->added, &c->out->n_added) :
				      read_list(c, r, body, &c->out->deleted, &c->out->n_deleted);
			if (err)
				return err;
		} else {
			json_decref(k);
			v = next_value(r, body); /* a field of a later LAPI: skipped */
			if (!v)
				return -EINVAL;
			json_decref(v);
		}
	} while (take(r, ','));
	if (!take(r, '}'))
		return reader_fail(r, "not JSON: ',' or '}' expected at byte %zu",
				   (size_t)(r->p - body));
end:
	skip_space(r);
	if (r->p != r->end)
		return reader_fail(r, "not JSON: more after the object, at byte %zu",
				   (size_t)(r->p - body));
	if (!seen_new && !seen_deleted)
		return reader_fail(r, "not a decisions stream: no 'new' nor 'deleted' list");
	return 0;
}

int mw_cs_stream_parse(const char *body, size_t len, unsigned scopes, struct mw_cs_stream *out,
		       char *err, size_t errlen)
{
	struct parse_ctx c = { .out = out, .scopes = scopes };
	struct reader r = { body, body + len, err, errlen };
	int ret;

	const char *nul = memchr(body, '\0', len);

	memset(out, 0, sizeof(*out));
	if (nul) {
		/* JSON has no raw NUL, and jansson drops one after a number
		 * without counting it: the offsets above would go wrong */
		snprintf(err, errlen, "not JSON: a NUL byte at byte %zu", (size_t)(nul - body));
		return -EINVAL;
	}
	ret = read_stream(&c, &r, body);
	if (ret == -ENOMEM)
		snprintf(err, errlen, "%s", strerror(ENOMEM));
	if (ret)
		mw_cs_stream_free(out);
	return ret;
}

void mw_cs_stream_free(struct mw_cs_stream *s)
{
	if (!s)
		return;
	free(s->added);
	free(s->deleted);
	s->added = s->deleted = NULL;
	s->n_added = s->n_deleted = 0;
}
