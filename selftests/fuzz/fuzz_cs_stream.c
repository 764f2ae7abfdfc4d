// SPDX-License-Identifier: GPL-2.0-only
/*
 * fuzz_cs_stream.c - the LAPI decisions stream parser on any bytes (the
 * first byte chooses the scopes kept): never a read past the body, every
 * entry accounted for, each decision kept well formed (a scope asked for,
 * a prefix with no host bits, printable NUL-terminated texts), and a Go
 * duration it reads is read the same once written back; and what it makes
 * of the body agrees with jansson's decoding of it whole.
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "fleet/decision.h"
#include "parse/config.h"

static void check(const struct mw_cs_decision *d, size_t n, unsigned scopes)
{
	size_t i, j;

	for (i = 0; i < n; i++) {
		struct mw_addr masked = d[i].target.addr;

		if (!(d[i].scope & scopes) || d[i].target.len > 128)
			abort();
		if (d[i].scope == MW_CS_SCOPE_IP && d[i].target.len != 128)
			abort();
		mw_addr_mask(&masked, d[i].target.len);
		if (memcmp(&masked, &d[i].target.addr, sizeof(masked)))
			abort();
		if (!memchr(d[i].scenario, 0, sizeof(d[i].scenario)) ||
		    !memchr(d[i].origin, 0, sizeof(d[i].origin)))
			abort();
		for (j = 0; d[i].scenario[j]; j++)
			if ((unsigned char)d[i].scenario[j] < 0x20)
				abort();
	}
}

/*
 * The parser walks the body one decision at a time; jansson's own decoding
 * of the whole body is the reference: a body it refuses is refused, and
 * when it reads an object whose 'new' and 'deleted' are lists or null,
 * each of their entries is kept, skipped or counted bad, none lost.
 */
static void compare(const char *body, size_t size, int ret, const struct mw_cs_stream *s)
{
	json_t *root, *lists[2];
	json_error_t jerr;
	size_t total = 0, i;
	bool stream = true;

	if (memchr(body, '\0', size)) {
		if (!ret) /* jansson itself lets some through */
			abort();
		return;
	}
	root = json_loadb(body, size, JSON_ALLOW_NUL, &jerr);
	if (!root) {
		/* one element alone may nest deeper than the whole body can */
		if (!ret && json_error_code(&jerr) != json_error_stack_overflow)
			abort();
		return;
	}
	json_decref(root);
	root = json_loadb(body, size, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &jerr);
	if (!root)
		return; /* keys twice: the parser may decide either way */
	lists[0] = json_object_get(root, "new");
	lists[1] = json_object_get(root, "deleted");
	if (!json_is_object(root) || (!lists[0] && !lists[1]))
		stream = false;
	for (i = 0; i < 2; i++) {
		if (lists[i] && !json_is_null(lists[i]) && !json_is_array(lists[i]))
			stream = false;
		total += json_array_size(lists[i]);
	}
	if (stream != !ret)
		abort();
	if (!ret &&
	    s->n_added + s->n_deleted + s->skipped_scope + s->skipped_type + s->bad != total)
		abort();
	json_decref(root);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mw_cs_stream s;
	unsigned scopes;
	char err[160], dur[48], *copy;
	int64_t ms, back;
	int ret;

	if (size < 1)
		return 0;
	scopes = data[0] & (MW_CS_SCOPE_IP | MW_CS_SCOPE_RANGE);
	data++, size--;
	/* an exact-size heap copy, so that ASan sees a read one byte past it */
	copy = malloc(size ? size : 1);
	if (!copy)
		abort();
	memcpy(copy, data, size);
	ret = mw_cs_stream_parse(copy, size, scopes, &s, err, sizeof(err));
	compare(copy, size, ret, &s);
	if (!ret) {
		check(s.added, s.n_added, scopes);
		check(s.deleted, s.n_deleted, scopes);
		if (s.bad && !s.first_bad[0])
			abort();
		mw_cs_stream_free(&s);
	} else if (s.added || s.deleted || !err[0]) {
		abort();
	}
	free(copy);

	/* the same bytes as a Go duration, NUL-terminated */
	copy = malloc(size + 1);
	if (!copy)
		abort();
	memcpy(copy, data, size);
	copy[size] = '\0';
	if (!mw_go_duration_ms(copy, &ms)) {
		mw_go_duration_str(ms, dur, sizeof(dur));
		if (mw_go_duration_ms(dur, &back) || back != ms)
			abort();
	}
	free(copy);
	return 0;
}
