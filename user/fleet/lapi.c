// SPDX-License-Identifier: GPL-2.0-only
/*
 * lapi.c - CrowdSec's Local API over libcurl: one easy handle per client,
 * reused so that its connection is kept alive between requests. Every
 * answer is outside bytes: capped in size, its JSON checked, its text
 * sanitized before it reaches a log.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>
#include <jansson.h>

#include "fleet/alert.h"
#include "fleet/lapi.h"
#include "lib/util.h"

/* A startup stream of a community list is a few MiB (50,000 decisions:
 * about 7 MiB); a LAPI that sends more is broken or hostile, and must not
 * eat the agent's memory (256 MiB here was 540 MiB of the agent's). */
#define STREAM_MAX (32UL << 20)
#define ANSWER_MAX (1UL << 20) /* login, alerts: a short JSON */
#define TOKEN_MARGIN_S 60 /* a token this close to its end is renewed first */

/* The scenarios a login announces: those minewall pushes. */
static const char *const scenarios[] = {
	MW_CS_SCENARIO_PREFIX "SSHDICT",   MW_CS_SCENARIO_PREFIX "HTTPDICT",
	MW_CS_SCENARIO_PREFIX "RDPDICT",   MW_CS_SCENARIO_PREFIX "DICTATTACK",
	MW_CS_SCENARIO_PREFIX "BLACKLIST", MW_CS_SCENARIO_PREFIX "BPATTERNS",
};

struct answer {
	char *data;
	size_t len, cap, max;
	bool too_big, no_memory;
};

static size_t on_data(char *ptr, size_t size, size_t nmemb, void *arg)
{
	struct answer *a = arg;
	size_t n = size * nmemb;

	if (n > a->max - a->len) {
		a->too_big = true;
		return 0; /* curl stops: CURLE_WRITE_ERROR */
	}
	if (a->len + n + 1 > a->cap) {
		size_t cap = a->cap ? a->cap : 16384;
		char *p;

		while (cap < a->len + n + 1)
			cap *= 2;
		if (cap > a->max + 1) /* doubling must not overshoot the cap */
			cap = a->max + 1;
		p = realloc(a->data, cap);
		if (!p) {
			a->no_memory = true;
			return 0;
		}
		a->data = p;
		a->cap = cap;
	}
	memcpy(a->data + a->len, ptr, n);
	a->len += n;
	a->data[a->len] = '\0';
	return n;
}

static bool set(const char *s)
{
	return s && *s;
}

/* The LAPI (1.4.6) refuses a login whose User-Agent is not NAME/VERSION
 * with exactly one slash ("bad user agent"), and logs it for bouncers. */
static const char *user_agent(const struct mw_lapi *l)
{
	const char *ua = l->cfg.user_agent, *slash = ua ? strchr(ua, '/') : NULL;

	if (!slash || slash == ua || !slash[1] || strchr(slash + 1, '/'))
		return "minewall/unknown";
	return ua;
}

/* The URL without its trailing slashes, as printed in the messages. */
static int url_base_len(const struct mw_lapi *l)
{
	size_t n = strlen(l->cfg.url);

	while (n && l->cfg.url[n - 1] == '/')
		n--;
	return (int)n;
}

/* The LAPI's own words on a refusal: its "message", sanitized, or the
 * start of the body. */
static void lapi_says(const struct answer *a, char *buf, size_t len)
{
	json_t *o = a->data ? json_loadb(a->data, a->len, 0, NULL) : NULL;
	const char *msg = NULL;

	if (o && json_is_object(o))
		msg = json_string_value(json_object_get(o, "message"));
	if (msg)
		mw_sanitize_str(buf, len, msg);
	else if (a->data)
		mw_sanitize_utf8(buf, len < 80 ? len : 80, a->data, a->len);
	else
		snprintf(buf, len, "no body");
	json_decref(o);
}

/* Appends @line to @list; on failure frees it all and returns NULL. */
static struct curl_slist *header(struct curl_slist *list, const char *line)
{
	struct curl_slist *l;

	l = curl_slist_append(list, line);
	if (!l)
		curl_slist_free_all(list);
	return l;
}

/* libcurl calls this at least once a second during a request: the agent
 * stopping ends it then, not at its timeout. */
static int on_progress(void *arg, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
		       curl_off_t ulnow)
{
	const struct mw_lapi *l = arg;

	return *l->cfg.abort ? 1 : 0;
}

/*
 * One request: @body NULL is a GET. Fills @a; returns the HTTP status, or
 * -EHOSTUNREACH (no answer; @l->error says why) or -EPROTO (an answer too
 * big), -ENOMEM.
 */
static long request(struct mw_lapi *l, const char *path, const char *body, const char *auth,
		    struct answer *a)
{
	char url[1024], errbuf[CURL_ERROR_SIZE] = "";
	struct curl_slist *headers;
	CURL *c = l->curl;
	long status = 0;
	CURLcode rc;

	snprintf(url, sizeof(url), "%.*s%s", url_base_len(l), l->cfg.url, path);
	curl_easy_reset(c); /* keeps the connection and the TLS session */
	curl_easy_setopt(c, CURLOPT_URL, url);
	/* the LAPI is http or https; never file:, never a redirect elsewhere */
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L); /* on a thread: no SIGALRM */
	if (l->cfg.abort) {
		curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
		curl_easy_setopt(c, CURLOPT_XFERINFODATA, l);
		curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
	}
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS,
			 (long)(l->cfg.connect_timeout_ms ? l->cfg.connect_timeout_ms : 3000));
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS,
			 (long)(l->cfg.timeout_ms ? l->cfg.timeout_ms : 30000));
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, a);
	curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, ""); /* a big stream compresses well */
	curl_easy_setopt(c, CURLOPT_USERAGENT, user_agent(l));
	if (set(l->cfg.tls_ca))
		curl_easy_setopt(c, CURLOPT_CAINFO, l->cfg.tls_ca);
	if (set(l->cfg.tls_cert))
		curl_easy_setopt(c, CURLOPT_SSLCERT, l->cfg.tls_cert);
	if (set(l->cfg.tls_key))
		curl_easy_setopt(c, CURLOPT_SSLKEY, l->cfg.tls_key);
	headers = curl_slist_append(NULL, "Accept: application/json");
	if (headers && body)
		headers = header(headers, "Content-Type: application/json");
	if (headers && auth)
		headers = header(headers, auth);
	if (!headers) {
		snprintf(l->error, sizeof(l->error), "out of memory");
		return -ENOMEM;
	}
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
	if (body)
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
	rc = curl_easy_perform(c);
	curl_slist_free_all(headers);
	if (rc == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	l->last_status = status;
	if (a->too_big) {
		snprintf(l->error, sizeof(l->error), "LAPI %.*s: answer to %s larger than %zu MiB",
			 url_base_len(l), l->cfg.url, path, a->max >> 20);
		return -EPROTO;
	}
	if (a->no_memory) {
		snprintf(l->error, sizeof(l->error), "out of memory");
		return -ENOMEM;
	}
	if (rc != CURLE_OK) {
		snprintf(l->error, sizeof(l->error), "LAPI %.*s: %s: %s", url_base_len(l),
			 l->cfg.url,
			 rc == CURLE_OPERATION_TIMEDOUT ? "no answer" : "cannot connect",
			 errbuf[0] ? errbuf : curl_easy_strerror(rc));
		return rc == CURLE_OUT_OF_MEMORY ? -ENOMEM : -EHOSTUNREACH;
	}
	return status;
}

static void answer_free(struct answer *a)
{
	free(a->data);
	memset(a, 0, sizeof(*a));
}

/* Sets @l->error for an answer that is not the expected one; returns the
 * error that status means. */
static int refused(struct mw_lapi *l, const char *what, long status, const struct answer *a)
{
	char says[160];

	lapi_says(a, says, sizeof(says));
	if (status == 401 || status == 403) {
		snprintf(l->error, sizeof(l->error), "LAPI %.*s: %s refused (%ld): %s",
			 url_base_len(l), l->cfg.url, what, status, says);
		return -EACCES;
	}
	snprintf(l->error, sizeof(l->error), "LAPI %.*s: %s: unexpected answer (%ld): %s",
		 url_base_len(l), l->cfg.url, what, status, says);
	/* LAPI 1.4.6 answers a body its schema refuses with a 500 */
	if (status == 400 || status == 422 ||
	    (status == 500 && !strncmp(says, "validation failure", 18)))
		return -EBADMSG;
	return -EPROTO;
}

/* "2026-12-05T16:19:09Z" or with an offset ("+01:00"), as gin-jwt writes. */
static int parse_expire(const char *s, int64_t *at)
{
	struct tm tm = { 0 };
	const char *rest = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
	int oh, om, sign;

	if (!rest)
		return -EINVAL;
	if (*rest == '.')
		rest += 1 + strspn(rest + 1, "0123456789");
	*at = (int64_t)timegm(&tm);
	if (!strcmp(rest, "Z"))
		return 0;
	if ((*rest != '+' && *rest != '-') || sscanf(rest + 1, "%2d:%2d", &oh, &om) != 2)
		return -EINVAL;
	sign = *rest == '-' ? -1 : 1;
	*at -= sign * (oh * 3600 + om * 60);
	return 0;
}

int mw_lapi_login(struct mw_lapi *l)
{
	struct answer a = { .max = ANSWER_MAX };
	json_t *req = NULL, *list, *o = NULL;
	const char *token, *expire;
	char *body = NULL;
	long status;
	size_t i;
	int err;

	l->token[0] = '\0';
	list = json_array();
	for (i = 0; list && i < sizeof(scenarios) / sizeof(scenarios[0]); i++)
		json_array_append_new(list, json_string(scenarios[i]));
	req = json_pack("{s:s, s:s, s:o}", "machine_id", l->cfg.machine_id ?: "", "password",
			l->cfg.password ?: "", "scenarios", list);
	body = req ? json_dumps(req, JSON_COMPACT) : NULL;
	json_decref(req);
	if (!body) {
		snprintf(l->error, sizeof(l->error), "out of memory");
		return -ENOMEM;
	}
	status = request(l, "/v1/watchers/login", body, NULL, &a);
	free(body);
	if (status < 0) {
		err = (int)status;
		goto out;
	}
	if (status != 200) {
		err = refused(l, "login", status, &a);
		if (err == -EBADMSG)
			err = -EPROTO;
		goto out;
	}
	o = json_loadb(a.data ? a.data : "", a.len, 0, NULL);
	if (json_unpack(o, "{s:s, s:s}", "token", &token, "expire", &expire) || !token[0] ||
	    strlen(token) >= sizeof(l->token)) {
		snprintf(l->error, sizeof(l->error),
			 "LAPI %.*s: login: no usable token in its answer", url_base_len(l),
			 l->cfg.url);
		err = -EPROTO;
		goto out;
	}
	/* it goes into a header line: CR LF would smuggle headers of its own */
	if (token[strcspn(token, "\r\n")]) {
		snprintf(l->error, sizeof(l->error),
			 "LAPI %.*s: login: its token holds control characters", url_base_len(l),
			 l->cfg.url);
		err = -EPROTO;
		goto out;
	}
	if (parse_expire(expire, &l->token_expire_s))
		/* gin-jwt's default lifetime is an hour: assume less */
		l->token_expire_s = (int64_t)time(NULL) + 15 * 60;
	snprintf(l->token, sizeof(l->token), "%s", token);
	l->error[0] = '\0';
	err = 0;
out:
	json_decref(o);
	answer_free(&a);
	return err;
}

static int push_once(struct mw_lapi *l, const char *body, struct answer *a)
{
	char auth[sizeof(l->token) + 32];

	snprintf(auth, sizeof(auth), "Authorization: Bearer %s", l->token);
	return (int)request(l, "/v1/alerts", body, auth, a);
}

int mw_lapi_push(struct mw_lapi *l, const char *body)
{
	struct answer a = { .max = ANSWER_MAX };
	long status;
	int err;

	if (!l->token[0] || (int64_t)time(NULL) >= l->token_expire_s - TOKEN_MARGIN_S) {
		err = mw_lapi_login(l);
		if (err)
			return err;
	}
	status = push_once(l, body, &a);
	if (status == 401) {
		/* the token expired early, or the LAPI restarted with a new secret */
		answer_free(&a);
		a.max = ANSWER_MAX;
		err = mw_lapi_login(l);
		if (err)
			return err;
		status = push_once(l, body, &a);
	}
	if (status < 0)
		err = (int)status;
	else if (status == 200 || status == 201)
		err = 0;
	else
		err = refused(l, "alerts", status, &a);
	if (status == 401)
		l->token[0] = '\0';
	if (!err)
		l->error[0] = '\0';
	answer_free(&a);
	return err;
}

int mw_lapi_stream(struct mw_lapi *l, bool startup, const char *scopes, char **body, size_t *len)
{
	struct answer a = { .max = STREAM_MAX };
	char path[256], auth[512], *esc;
	long status;
	int err;

	*body = NULL;
	*len = 0;
	esc = curl_easy_escape(l->curl, scopes ? scopes : "ip,range", 0);
	if (!esc) {
		snprintf(l->error, sizeof(l->error), "out of memory");
		return -ENOMEM;
	}
	snprintf(path, sizeof(path), "/v1/decisions/stream?startup=%s&scopes=%s",
		 startup ? "true" : "false", esc);
	curl_free(esc);
	/* no key: the client certificate (tls_cert) is the bouncer's identity */
	snprintf(auth, sizeof(auth), "X-Api-Key: %s", l->cfg.bouncer_key ?: "");
	status = request(l, path, NULL, set(l->cfg.bouncer_key) ? auth : NULL, &a);
	if (status < 0) {
		err = (int)status;
	} else if (status != 200) {
		err = refused(l, "decisions stream", status, &a);
		if (err == -EACCES)
			snprintf(l->error + strlen(l->error), sizeof(l->error) - strlen(l->error),
				 " (the bouncer %s)",
				 set(l->cfg.bouncer_key) ? "key" : "certificate");
	} else {
		err = 0;
		*body = a.data ? a.data : strdup("");
		*len = a.len;
		a.data = NULL;
		if (!*body)
			err = -ENOMEM;
		else
			l->error[0] = '\0';
	}
	answer_free(&a);
	return err;
}

int mw_lapi_init(struct mw_lapi *l, const struct mw_lapi_cfg *cfg)
{
	memset(l, 0, sizeof(*l));
	l->cfg = *cfg;
	if (!l->cfg.url)
		l->cfg.url = "";
	l->curl = curl_easy_init();
	return l->curl ? 0 : -ENOMEM;
}

void mw_lapi_free(struct mw_lapi *l)
{
	if (!l)
		return;
	if (l->curl)
		curl_easy_cleanup(l->curl);
	l->curl = NULL;
	l->token[0] = '\0';
}

int mw_lapi_global_init(void)
{
	return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? 0 : -ENOMEM;
}
