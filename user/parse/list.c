// SPDX-License-Identifier: GPL-2.0-only
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parse/ja4.h"
#include "parse/list.h"

/* Names hosts files map to themselves; never a listed domain. */
static const char *const hosts_builtin[] = {
	"localhost",
	"localhost.localdomain",
	"local",
	"broadcasthost",
	"ip6-localhost",
	"ip6-loopback",
	"ip6-localnet",
	"ip6-mcastprefix",
	"ip6-allnodes",
	"ip6-allrouters",
	"ip6-allhosts",
	"0.0.0.0",
	NULL,
};

static bool is_builtin_host(const char *name)
{
	size_t i;

	for (i = 0; hosts_builtin[i]; i++)
		if (!strcmp(name, hosts_builtin[i]))
			return true;
	return false;
}

struct parse_ctx {
	mw_list_entry_fn on_entry;
	mw_list_error_fn on_error;
	void *arg;
	struct mw_list_report *rep;
	unsigned line;
	bool abp; /* an Adblock Plus list: other rules are unsupported, not malformed */
};

static void bad(struct parse_ctx *c, const char *why, const char *text)
{
	char shown[81];

	c->rep->malformed++;
	snprintf(shown, sizeof(shown), "%s", text);
	if (c->on_error)
		c->on_error(c->arg, c->line, why, shown);
}

static void emit_prefix(struct parse_ctx *c, const struct mw_prefix *p, uint16_t port)
{
	struct mw_list_entry e = { .kind = MW_LIST_PREFIX, .prefix = *p, .port = port };

	c->rep->prefixes++;
	c->on_entry(c->arg, &e, c->line);
}

static int emit_name(struct parse_ctx *c, const char *name, size_t len, bool subdomains)
{
	struct mw_list_entry e = { .kind = MW_LIST_DOMAIN, .subdomains = subdomains };

	if (mw_name_normalise(name, len, e.name))
		return -EINVAL;
	if (is_builtin_host(e.name))
		return 0;
	if (!strchr(e.name, '.'))
		return -EINVAL; /* a bare top-level label: listing all of it is a mistake */
	c->rep->domains++;
	c->on_entry(c->arg, &e, c->line);
	return 0;
}

/* A token shaped like a JA4 (an underscore, no dot, colon or slash: never
 * an address or a host name of a list): a fingerprint, or a bad line. */
static bool try_ja4(struct parse_ctx *c, const char *tok, const char *text)
{
	struct mw_list_entry e = { .kind = MW_LIST_JA4 };

	if (!strchr(tok, '_') || strpbrk(tok, ".:/"))
		return false;
	if (mw_ja4_parse(tok, e.name)) {
		bad(c, "not a JA4 fingerprint (like t13d1516h2_8daaf6152771_e5627efa2ab1)", text);
		return true;
	}
	c->rep->ja4s++;
	c->on_entry(c->arg, &e, c->line);
	return true;
}

/* "1.2.3.4:3333" or "[2001:db8::1]:3333". Returns 0 or -EINVAL. */
static int parse_addr_port(const char *s, struct mw_prefix *p, uint16_t *port)
{
	char host[MW_ADDRSTRLEN];
	const char *colon;
	uint64_t v;
	char *end;

	if (s[0] == '[') {
		colon = strstr(s, "]:");
		if (!colon || (size_t)(colon - s - 1) >= sizeof(host))
			return -EINVAL;
		memcpy(host, s + 1, colon - s - 1);
		host[colon - s - 1] = '\0';
		colon++;
	} else {
		colon = strchr(s, ':');
		if (!colon || strchr(colon + 1, ':') || (size_t)(colon - s) >= sizeof(host))
			return -EINVAL;
		memcpy(host, s, colon - s);
		host[colon - s] = '\0';
	}
	if (!isdigit((unsigned char)colon[1]))
		return -EINVAL;
	errno = 0;
	v = strtoull(colon + 1, &end, 10);
	if (errno || *end || v == 0 || v > 65535)
		return -EINVAL;
	if (mw_addr_parse(host, &p->addr))
		return -EINVAL;
	p->len = 128;
	*port = (uint16_t)v;
	return 0;
}

/* "||name^$options" or "||1.2.3.4^". */
static void parse_abp_rule(struct parse_ctx *c, const char *rule)
{
	const char *host = rule + 2;
	size_t n = strcspn(host, "^/$*|");
	struct mw_prefix p;
	char buf[MW_NAME_MAX];

	if (n == 0 || n >= sizeof(buf) || (host[n] != '^' && host[n] != '\0')) {
		c->rep->unsupported++; /* a URL pattern: nothing a packet shows */
		return;
	}
	memcpy(buf, host, n);
	buf[n] = '\0';
	if (!mw_prefix_parse(buf, &p)) {
		emit_prefix(c, &p, 0);
		return;
	}
	if (emit_name(c, buf, n, true))
		bad(c, "not a host name or address", rule);
}

static void parse_fields(struct parse_ctx *c, char **f, unsigned nf, const char *text)
{
	struct mw_prefix p;
	uint16_t port;
	unsigned i;

	if (nf >= 2) {
		/* hosts file: ADDRESS NAME [ALIASES...]: the names match exactly */
		if (mw_prefix_parse(f[0], &p) || p.len != 128) {
			bad(c, "expected ADDRESS NAME... (hosts format) or one entry per line",
			    text);
			return;
		}
		for (i = 1; i < nf; i++) {
			if (emit_name(c, f[i], strlen(f[i]), false)) {
				bad(c, "not a host name", text);
				return;
			}
		}
		return;
	}
	if (try_ja4(c, f[0], text))
		return;
	if (!mw_prefix_parse(f[0], &p)) {
		emit_prefix(c, &p, 0);
		return;
	}
	if (!parse_addr_port(f[0], &p, &port)) {
		emit_prefix(c, &p, port);
		return;
	}
	if (strchr(f[0], '/')) {
		struct mw_prefix q;
		char addr[MW_ADDRSTRLEN];
		size_t n = strcspn(f[0], "/");

		/* ADDR/LEN that failed: say why, rather than call it a path */
		if (n < sizeof(addr)) {
			memcpy(addr, f[0], n);
			addr[n] = '\0';
			if (!mw_prefix_parse(addr, &q)) {
				bad(c, "bad prefix length, or host bits set", text);
				return;
			}
		}
		c->rep->unsupported++; /* maltrail URL trail: a path, not an address */
		return;
	}
	if (emit_name(c, f[0], strlen(f[0]), true))
		bad(c, "not an address, prefix, ADDRESS:PORT or host name", text);
}

static void parse_line(struct parse_ctx *c, char *s)
{
	char *f[16], *save = NULL, *tok, *hash;
	unsigned nf = 0;
	char text[MW_LIST_LINE_MAX];

	while (isspace((unsigned char)*s))
		s++;
	if (!*s || *s == '#' || *s == '!' || *s == ';')
		return;
	if (*s == '[') {
		if (!strncmp(s, "[Adblock", 8)) {
			c->abp = true;
			return;
		}
	}
	if (strstr(s, "##") || strstr(s, "#@#") || strstr(s, "#?#") || !strncmp(s, "@@", 2)) {
		c->rep->unsupported++; /* cosmetic and exception rules */
		return;
	}
	if (!strncmp(s, "||", 2)) {
		s[strcspn(s, " \t\r")] = '\0';
		parse_abp_rule(c, s);
		return;
	}
	hash = strstr(s, " #");
	if (!hash)
		hash = strstr(s, "\t#");
	if (hash)
		*hash = '\0';
	snprintf(text, sizeof(text), "%s", s);
	for (tok = strtok_r(s, " \t\r", &save); tok && nf < 16;
	     tok = strtok_r(NULL, " \t\r", &save))
		f[nf++] = tok;
	if (!nf)
		return;
	if (tok) {
		bad(c, "too many fields", text);
		return;
	}
	if (c->abp) {
		c->rep->unsupported++; /* an ABP rule other than ||host^ */
		return;
	}
	parse_fields(c, f, nf, text);
}

int mw_list_parse(const char *buf, size_t len, mw_list_entry_fn on_entry, mw_list_error_fn on_error,
		  void *arg, struct mw_list_report *rep)
{
	struct parse_ctx c = { .on_entry = on_entry, .on_error = on_error, .arg = arg, .rep = rep };
	char line[MW_LIST_LINE_MAX];
	size_t pos = 0, n;
	unsigned entries;

	memset(rep, 0, sizeof(*rep));
	if (memchr(buf, '\0', len < 65536 ? len : 65536))
		return -EINVAL; /* binary data */
	while (pos < len) {
		const char *nl = memchr(buf + pos, '\n', len - pos);

		n = nl ? (size_t)(nl - (buf + pos)) : len - pos;
		c.line = ++rep->lines;
		if (n >= sizeof(line)) {
			/* its start, for the message (@buf holds no NUL to stop at) */
			memcpy(line, buf + pos, 80);
			line[80] = '\0';
			bad(&c, "line too long", line);
		} else {
			memcpy(line, buf + pos, n);
			line[n] = '\0';
			if (memchr(line, '\0', n)) {
				bad(&c, "NUL byte in line", "");
			} else {
				parse_line(&c, line);
			}
		}
		pos += n + 1;
	}
	entries = rep->prefixes + rep->domains + rep->ja4s;
	if (rep->malformed && (entries == 0 || rep->malformed > entries))
		return -EINVAL;
	return 0;
}
