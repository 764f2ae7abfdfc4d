// SPDX-License-Identifier: GPL-2.0-only
/*
 * fuzz_list.c - the blacklist file parser on any bytes: every entry it
 * yields is well formed (a prefix with its host bits clear, a normalised
 * DNS name, or a JA4 that reads back as itself), every complaint names a line that exists, and the report adds up.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parse/ja4.h"
#include "parse/list.h"

struct seen {
	unsigned lines, prefixes, domains, ja4s, errors;
};

static void on_entry(void *arg, const struct mw_list_entry *e, unsigned line)
{
	struct seen *s = arg;
	char norm[MW_NAME_MAX];

	if (line == 0 || line > s->lines)
		abort();
	if (e->kind == MW_LIST_PREFIX) {
		struct mw_prefix back;
		char buf[MW_ADDRSTRLEN];

		/* printed and read back, the same prefix: host bits clear */
		if (e->prefix.len > 128 ||
		    mw_prefix_parse(mw_prefix_str(&e->prefix, buf, sizeof(buf)), &back) ||
		    memcmp(&back, &e->prefix, sizeof(back)))
			abort();
		s->prefixes++;
	} else if (e->kind == MW_LIST_JA4) {
		char back[MW_JA4_LEN];

		if (mw_ja4_parse(e->name, back) || strcmp(back, e->name))
			abort(); /* a fingerprint that is not one */
		s->ja4s++;
	} else {
		if (mw_name_normalise(e->name, strlen(e->name), norm) || strcmp(norm, e->name))
			abort(); /* a name the parser did not normalise */
		s->domains++;
	}
}

static void on_error(void *arg, unsigned line, const char *why, const char *text)
{
	struct seen *s = arg;

	if (line == 0 || line > s->lines || !why || !*why || !text)
		abort();
	s->errors++;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mw_list_report rep = { 0 };
	struct seen s = { .lines = 1 };
	size_t i;

	for (i = 0; i < size; i++)
		s.lines += data[i] == '\n';
	mw_list_parse((const char *)data, size, on_entry, on_error, &s, &rep);
	if (rep.prefixes != s.prefixes || rep.domains != s.domains || rep.ja4s != s.ja4s ||
	    rep.malformed < s.errors)
		abort();
	return 0;
}
