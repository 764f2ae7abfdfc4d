// SPDX-License-Identifier: GPL-2.0-only
/*
 * fuzz_cs_stream.c - the LAPI decisions stream parser on any bytes (the
 * first byte chooses the scopes kept): never a read past the body, every
 * entry accounted for, each decision kept well formed (a scope asked for,
 * a prefix with no host bits, printable NUL-terminated texts), and a Go
 * duration it reads is read the same once written back.
 */
#include <stdlib.h>
#include <string.h>

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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mw_cs_stream s;
	unsigned scopes;
	char err[160], dur[48], *copy;
	int64_t ms, back;

	if (size < 1)
		return 0;
	scopes = data[0] & (MW_CS_SCOPE_IP | MW_CS_SCOPE_RANGE);
	data++, size--;
	/* an exact-size heap copy, so that ASan sees a read one byte past it */
	copy = malloc(size ? size : 1);
	if (!copy)
		abort();
	memcpy(copy, data, size);
	if (!mw_cs_stream_parse(copy, size, scopes, &s, err, sizeof(err))) {
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
