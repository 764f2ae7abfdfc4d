/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * lapi.h - a client of CrowdSec's Local API over HTTP(S), on libcurl:
 * the machine's login (JWT) and alerts, the bouncer's decisions stream.
 * Blocking calls with short timeouts: the agent runs them on a thread of
 * their own (agent/crowdsec.c), never on its loop.
 */
#ifndef MW_FLEET_LAPI_H
#define MW_FLEET_LAPI_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct mw_lapi_cfg {
	const char *url; /* "http://192.0.2.1:8080" (a trailing '/' is fine) */
	const char *machine_id, *password; /* NULL/"": no pushing */
	const char *bouncer_key; /* NULL/"": no pulling */
	const char *tls_ca, *tls_cert, *tls_key; /* NULL/"": none */
	const char *user_agent; /* "minewall/VERSION" */
	unsigned connect_timeout_ms; /* 0: 3000 */
	unsigned timeout_ms; /* a whole request; 0: 30000 (a startup stream is big) */
	const volatile int *abort; /* NULL, or nonzero: end the request in flight now */
};

struct mw_lapi {
	struct mw_lapi_cfg cfg;
	void *curl; /* CURL * */
	char token[4096]; /* the JWT; "" : not logged in */
	int64_t token_expire_s; /* wall clock; renewed a minute before */
	long last_status; /* HTTP status of the latest request, 0: none */
	char error[256]; /* what went wrong last, for status and logs */
};

/* Copies nothing: the strings in @cfg must outlive @l. Returns 0 or -ENOMEM. */
int mw_lapi_init(struct mw_lapi *l, const struct mw_lapi_cfg *cfg);
void mw_lapi_free(struct mw_lapi *l);

/* POST /v1/watchers/login with machine_id and password (scenarios: the
 * minewall ones). Returns 0, -EACCES (credentials refused: 401/403; @l->error
 * says so), -EHOSTUNREACH (no answer, a timeout, a TLS failure), -EPROTO
 * (an answer that is not the expected JSON). */
int mw_lapi_login(struct mw_lapi *l);

/* POST /v1/alerts with @body (a JSON array), logging in first when there is
 * no token or it is about to expire, and once again on a 401. Returns 0
 * when the LAPI took them (201), -EACCES, -EHOSTUNREACH, -EPROTO, or
 * -EBADMSG when the LAPI refused the alerts themselves (400/422, or the 500
 * "validation failure list" of LAPI 1.4.6: sending them again would not
 * help; @l->error holds its message). */
int mw_lapi_push(struct mw_lapi *l, const char *body);

/* GET /v1/decisions/stream?startup=true|false&scopes=... with the bouncer
 * key. On 0, *@body holds the response (malloc'ed, NUL-terminated, *@len
 * bytes) for mw_cs_stream_parse. Errors as mw_lapi_push. */
int mw_lapi_stream(struct mw_lapi *l, bool startup, const char *scopes, char **body, size_t *len);

/* curl_global_init, once per process, before any thread starts. */
int mw_lapi_global_init(void);

#endif
