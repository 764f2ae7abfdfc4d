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

/* The memory a stream may take to read: a full 32 MiB stream of real
 * decisions (about 250,000) takes about 310 MiB. */
#define MW_CS_PARSE_BUDGET (384ULL << 20)

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
 * masked here rather than the ban refused. A /0 is refused: one decision
 * must not cut a host off from everyone.
 */
static int parse_range(const char *value, struct mw_prefix *p)
{
	char masked[MW_ADDRSTRLEN + 8], addr[MW_ADDRSTRLEN];
	const char *slash = strchr(value, '/');
	struct mw_addr a;
	unsigned long len;
	char *end;

	if (!slash)
		return -EINVAL; /* a Range is a prefix: the address alone is scope Ip */
	if (mw_prefix_parse(value, p)) {
		if ((size_t)(slash - value) >= sizeof(addr))
			return -EINVAL;
		memcpy(addr, value, slash - value);
		addr[slash - value] = '\0';
		len = strtoul(slash + 1, &end, 10);
		if (mw_addr_parse(addr, &a) || slash[1] < '0' || slash[1] > '9' || *end ||
		    len > 128)
			return -EINVAL;
		/* mw_prefix_parse checks the length against the family */
		mw_addr_mask(&a, (unsigned)len + (strchr(addr, ':') ? 0 : 96));
		mw_addr_str(&a, masked, sizeof(masked));
		snprintf(masked + strlen(masked), sizeof(masked) - strlen(masked), "/%lu", len);
		if (mw_prefix_parse(masked, p))
			return -EINVAL;
	}
	if (p->len == 0 || (mw_addr_is_v4(&p->addr) && p->len == 96))
		return -ERANGE;
	return 0;
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
	json_t *id = NULL;
	char q[48];
	unsigned bit;
	int err;

	if (!json_is_object(o)) {
		bad(c, "not an object");
		return 0;
	}
	if (json_unpack(o, "{s:s, s:s, s:s, s:s, s?s, s?s, s?o}", "scope", &scope, "type", &type,
			"value", &value, "duration", &duration, "scenario", &scenario, "origin",
			&origin, "id", &id)) {
		bad(c, "scope, type, value or duration missing or not a string");
		return 0;
	}
	if (has_nul(o, "scope") || has_nul(o, "type") || has_nul(o, "value") ||
	    has_nul(o, "duration")) {
		bad(c, "scope, type, value or duration holds a \\u0000");
		return 0;
	}
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
			    err == -ERANGE ? "every address: refused" : "not a prefix");
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

/* Reads the list @key of @root into *@v; -EINVAL when it is not a list. */
static int parse_list(struct parse_ctx *c, json_t *root, const char *key, struct mw_cs_decision **v,
		      size_t *n)
{
	json_t *list = json_object_get(root, key), *o;
	size_t i;

	if (!list || json_is_null(list))
		return 0;
	if (!json_is_array(list))
		return -EINVAL;
	if (!json_array_size(list))
		return 0;
	*v = calloc(json_array_size(list), sizeof(**v));
	if (!*v)
		return -ENOMEM;
	c->list = key;
	json_array_foreach(list, i, o)
	{
		c->index = i;
		*n += parse_one(c, o, &(*v)[*n]);
	}
	return 0;
}

/*
 * What jansson would spend on @body, counted before it builds anything:
 * an object or array costs about 256 bytes, a string or any other value
 * about 48. A real decision costs about 1.3 KiB for its 140 bytes, but
 * 32 MiB of "{}," would cost 3 GiB: the size cap alone does not bound the
 * memory.
 */
static uint64_t parse_cost(const char *s, size_t len)
{
	uint64_t cost = 0;
	bool in_str = false;
	size_t i;

	for (i = 0; i < len; i++) {
		if (in_str) {
			if (s[i] == '\\')
				i++;
			else if (s[i] == '"')
				in_str = false;
			continue;
		}
		if (s[i] == '"') {
			in_str = true;
			cost += 48;
		} else if (s[i] == '{' || s[i] == '[') {
			cost += 256;
		} else if (s[i] == ',') {
			cost += 48;
		}
	}
	return cost;
}

int mw_cs_stream_parse(const char *body, size_t len, unsigned scopes, struct mw_cs_stream *out,
		       char *err, size_t errlen)
{
	struct parse_ctx c = { .out = out, .scopes = scopes };
	json_error_t jerr;
	json_t *root;
	int ret;

	memset(out, 0, sizeof(*out));
	if (parse_cost(body, len) > MW_CS_PARSE_BUDGET) {
		snprintf(
			err, errlen,
			"not a decisions stream: reading its %zu bytes would take %llu MiB (at most %llu)",
			len, (unsigned long long)(parse_cost(body, len) >> 20),
			(unsigned long long)(MW_CS_PARSE_BUDGET >> 20));
		return -EINVAL;
	}
	/* a \u0000 in one scenario must not make the whole stream unreadable
	 * (one machine of the fleet could then blind every bouncer): the
	 * strings are cut at it instead */
	root = json_loadb(body, len, JSON_ALLOW_NUL, &jerr);
	if (!root) {
		snprintf(err, errlen, "not JSON: %s (at byte %d)", jerr.text, jerr.position);
		return -EINVAL;
	}
	if (!json_is_object(root) ||
	    (!json_object_get(root, "new") && !json_object_get(root, "deleted"))) {
		snprintf(err, errlen, "not a decisions stream: no 'new' nor 'deleted' list");
		ret = -EINVAL;
		goto out;
	}
	ret = parse_list(&c, root, "new", &out->added, &out->n_added);
	if (!ret)
		ret = parse_list(&c, root, "deleted", &out->deleted, &out->n_deleted);
	if (ret == -EINVAL)
		snprintf(err, errlen, "not a decisions stream: 'new' or 'deleted' is not a list");
	else if (ret)
		snprintf(err, errlen, "%s", strerror(-ret));
out:
	json_decref(root);
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
