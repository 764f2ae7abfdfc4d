// SPDX-License-Identifier: GPL-2.0-only
/*
 * lapi_probe - drives user/fleet/lapi.c against a real LAPI for
 * selftests/e2e/test_lapi_client.sh:
 *   lapi_probe URL login MACHINE PASSWORD
 *   lapi_probe URL push MACHINE PASSWORD METHOD ADDR|PREFIX SEEN DURATION_MS [REASON]
 *   lapi_probe URL push-raw MACHINE PASSWORD BODY
 *   lapi_probe URL push-batch MACHINE PASSWORD N
 *   lapi_probe URL stream KEY true|false [SCOPES]
 * push builds the alert with fleet/alert.c; stream parses the answer with
 * fleet/decision.c and prints one line per decision; push-batch queues N
 * alerts (2001:db8:ffff::1...) in fleet/pushq.c and sends them in one POST, ("new ID SCOPE
 * PREFIX DURATION_MS ORIGIN SCENARIO") and the counts. With
 * PROBE_PUSH_AGAIN_WHEN=FILE, push pushes a second time, with the same
 * client, once FILE exists. LAPI_CA, LAPI_CERT, LAPI_KEY: the TLS files;
 * LAPI_TIMEOUT_MS: the whole request's timeout.
 * Exit status: 0,
 * or the error's errno (EACCES, EHOSTUNREACH...), @l->error on stderr.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fleet/alert.h"
#include "fleet/decision.h"
#include "fleet/lapi.h"
#include "fleet/pushq.h"
#include "parse/config.h"

#include <curl/curl.h>

static int fail(struct mw_lapi *l, int err)
{
	fprintf(stderr, "lapi_probe: %s (%s)\n", l->error, strerror(-err));
	return -err;
}

static int push(struct mw_lapi *l, char **argv)
{
	struct mw_cs_block b = {
		.method = argv[0],
		.reason = argv[4] ? argv[4] : "probe",
		.duration_ms = strtoull(argv[3], NULL, 10),
		.at_s = time(NULL),
		.machine = l->cfg.machine_id,
	};
	const char *again = getenv("PROBE_PUSH_AGAIN_WHEN");
	json_t *alert, *list;
	char *body;
	int err;

	if (mw_prefix_parse(argv[1], &b.target) || mw_addr_parse(argv[2], &b.seen)) {
		fprintf(stderr, "lapi_probe: bad prefix or address\n");
		return 2;
	}
	alert = mw_cs_alert(&b);
	list = alert ? json_pack("[o]", alert) : NULL;
	body = list ? json_dumps(list, JSON_COMPACT) : NULL;
	json_decref(list);
	if (!body)
		return ENOMEM;
	err = mw_lapi_push(l, body);
	if (!err) {
		printf("pushed (%ld)\n", l->last_status);
		fflush(stdout);
	}
	if (!err && again) {
		/* the same client (and token) once @again exists: the LAPI
		 * may have restarted meanwhile, with a new JWT secret */
		while (access(again, F_OK))
			usleep(20000);
		err = mw_lapi_push(l, body);
		if (!err)
			printf("pushed again (%ld)\n", l->last_status);
	}
	free(body);
	return err ? fail(l, err) : 0;
}

static int push_batch(struct mw_lapi *l, size_t n)
{
	struct mw_cs_block b = {
		.method = "SSHDICT",
		.reason = "batch",
		.duration_ms = 3600000,
		.at_s = time(NULL),
		.machine = l->cfg.machine_id,
	};
	struct mw_cs_pushq q;
	struct timespec t0, t1;
	char addr[64], *text, *body;
	size_t i;
	int err;

	mw_cs_pushq_init(&q, NULL, n, stderr);
	for (i = 0; i < n; i++) {
		json_t *a;

		snprintf(addr, sizeof(addr), "2001:db8:ffff::%zx", i + 1);
		mw_addr_parse(addr, &b.seen);
		b.target.addr = b.seen;
		b.target.len = 128;
		a = mw_cs_alert(&b);
		text = a ? json_dumps(a, JSON_COMPACT) : NULL;
		json_decref(a);
		if (!text || mw_cs_pushq_add(&q, text))
			return ENOMEM;
		free(text);
	}
	body = mw_cs_pushq_body(&q, q.n);
	if (!body)
		return ENOMEM;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	err = mw_lapi_push(l, body);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (!err)
		printf("pushed %zu alerts, %zu bytes (%ld) in %.1f ms\n", q.n, strlen(body),
		       l->last_status,
		       (t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6);
	mw_cs_pushq_pop(&q, q.n);
	mw_cs_pushq_free(&q);
	free(body);
	return err ? fail(l, err) : 0;
}

static void print_list(const char *what, const struct mw_cs_decision *d, size_t n)
{
	char p[MW_ADDRSTRLEN];
	size_t i;

	for (i = 0; i < n; i++)
		printf("%s %lld %s %s %lld %s %s\n", what, (long long)d[i].id,
		       d[i].scope == MW_CS_SCOPE_IP ? "Ip" : "Range",
		       mw_prefix_str(&d[i].target, p, sizeof(p)), (long long)d[i].duration_ms,
		       d[i].origin, d[i].scenario);
}

static int stream(struct mw_lapi *l, bool startup, const char *scopes)
{
	struct mw_cs_stream s;
	struct timespec t0, t1, t2;
	char *body, err_text[160];
	size_t len;
	int err;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	err = mw_lapi_stream(l, startup, scopes, &body, &len);
	if (err)
		return fail(l, err);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	err = mw_cs_stream_parse(body, len, MW_CS_SCOPE_IP | MW_CS_SCOPE_RANGE, &s, err_text,
				 sizeof(err_text));
	clock_gettime(CLOCK_MONOTONIC, &t2);
	free(body);
	if (err) {
		fprintf(stderr, "lapi_probe: %s\n", err_text);
		return -err;
	}
	print_list("new", s.added, s.n_added);
	print_list("deleted", s.deleted, s.n_deleted);
	printf("counts new=%zu deleted=%zu skipped_scope=%zu skipped_type=%zu bad=%zu\n", s.n_added,
	       s.n_deleted, s.skipped_scope, s.skipped_type, s.bad);
	printf("times bytes=%zu fetch_ms=%.1f parse_ms=%.1f\n", len,
	       (t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6,
	       (t2.tv_sec - t1.tv_sec) * 1e3 + (t2.tv_nsec - t1.tv_nsec) / 1e6);
	if (s.bad)
		printf("first_bad %s\n", s.first_bad);
	mw_cs_stream_free(&s);
	return 0;
}

int main(int argc, char **argv)
{
	struct mw_lapi_cfg cfg = { .user_agent = "minewall-lapi-probe/1" };
	struct mw_lapi l;
	int ret = 2;

	if (argc < 4 || mw_lapi_global_init())
		goto usage;
	cfg.url = argv[1];
	cfg.tls_ca = getenv("LAPI_CA");
	cfg.tls_cert = getenv("LAPI_CERT");
	cfg.tls_key = getenv("LAPI_KEY");
	if (getenv("LAPI_TIMEOUT_MS"))
		cfg.timeout_ms = strtoul(getenv("LAPI_TIMEOUT_MS"), NULL, 10);
	if (!strcmp(argv[2], "stream")) {
		cfg.bouncer_key = argv[3];
	} else if (argc >= 5) {
		cfg.machine_id = argv[3];
		cfg.password = argv[4];
	} else {
		goto usage;
	}
	if (mw_lapi_init(&l, &cfg))
		return ENOMEM;
	if (!strcmp(argv[2], "login")) {
		ret = mw_lapi_login(&l);
		ret = ret ? fail(&l, ret) :
			    (printf("logged in, token expires at %lld\n",
				    (long long)l.token_expire_s),
			     0);
	} else if (!strcmp(argv[2], "push-raw") && argc >= 6) {
		ret = mw_lapi_push(&l, argv[5]);
		ret = ret ? fail(&l, ret) : (printf("pushed (%ld)\n", l.last_status), 0);
	} else if (!strcmp(argv[2], "push-batch") && argc >= 6) {
		ret = push_batch(&l, strtoul(argv[5], NULL, 10));
	} else if (!strcmp(argv[2], "push") && argc >= 9) {
		ret = push(&l, argv + 5);
	} else if (!strcmp(argv[2], "stream") && argc >= 5) {
		ret = stream(&l, !strcmp(argv[4], "true"), argc > 5 ? argv[5] : NULL);
	} else {
		mw_lapi_free(&l);
		goto usage;
	}
	mw_lapi_free(&l);
	curl_global_cleanup();
	return ret;
usage:
	fprintf(stderr,
		"usage: lapi_probe URL login MACHINE PASSWORD\n"
		"       lapi_probe URL push MACHINE PASSWORD METHOD PREFIX SEEN DURATION_MS "
		"[REASON]\n"
		"       lapi_probe URL stream KEY true|false [SCOPES]\n");
	return 2;
}
