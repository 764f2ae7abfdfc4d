/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * decision.h - a CrowdSec LAPI decisions stream (GET /v1/decisions/stream)
 * read into plain records: outside bytes, so every entry is checked and a
 * bad one is skipped and counted, never trusted. Pure: no I/O.
 */
#ifndef MW_FLEET_DECISION_H
#define MW_FLEET_DECISION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/addr.h"

#define MW_CS_SCENARIO_MAX 96 /* = MW_REASON_MAX: it becomes the block's reason */
#define MW_CS_ORIGIN_MAX 32
/* Decisions kept from one stream (20 times a community list); a LAPI that
 * sends more is broken or hostile: the rest are counted bad. */
#define MW_CS_STREAM_MAX 1000000

struct mw_cs_decision {
	int64_t id; /* the LAPI's decision id */
	/* scope Ip: an address (len 128); Range: a prefix, its host bits
	 * masked as the LAPI reads it ("203.0.113.9/24" bans the /24), never
	 * all of IPv4 or IPv6 (such an entry is bad) */
	struct mw_prefix target;
	unsigned scope; /* MW_CS_SCOPE_IP or MW_CS_SCOPE_RANGE (parse/config.h) */
	int64_t duration_ms; /* remaining; <= 0: already expired */
	char scenario[MW_CS_SCENARIO_MAX]; /* sanitized, printable */
	char origin[MW_CS_ORIGIN_MAX]; /* "crowdsec", "cscli", "CAPI", "lists"... */
};

struct mw_cs_stream {
	struct mw_cs_decision *added; /* "new": bans to enforce */
	size_t n_added;
	struct mw_cs_decision *deleted; /* "deleted": bans to lift */
	size_t n_deleted;
	/* entries skipped, by why */
	size_t skipped_scope; /* a scope not in the configured scopes (Country, AS...) */
	size_t skipped_type; /* not "ban" (captcha, throttle...) */
	size_t bad; /* malformed: a field missing or of the wrong type, a bad value */
	char first_bad[160]; /* what the first bad entry was: "new[3]: value 'x' is not an address" */
};

/*
 * Parses the body of a stream response ({"new": [...] | null, "deleted":
 * [...] | null}), keeping the scopes in @scopes (MW_CS_SCOPE_*). Returns 0
 * (with bad entries counted in @out) or -EINVAL when the body is not such an
 * object at all (@err says why, with the offset jansson gives), -ENOMEM.
 * @out is zeroed first; release it with mw_cs_stream_free.
 */
int mw_cs_stream_parse(const char *body, size_t len, unsigned scopes, struct mw_cs_stream *out,
		       char *err, size_t errlen);
void mw_cs_stream_free(struct mw_cs_stream *s);

/* Parses a Go duration as the LAPI writes them ("3h59m58.123456789s",
 * "-2.5s", "150ms", "1h", "0s") into milliseconds (truncated toward zero).
 * Returns 0 or -EINVAL (empty, a unit missing or unknown, overflow). */
int mw_go_duration_ms(const char *s, int64_t *ms);
/* Writes @ms as a Go duration the LAPI accepts ("4h0m0s", "90s"...). */
char *mw_go_duration_str(int64_t ms, char *buf, size_t len);

#endif
