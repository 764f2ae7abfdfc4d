/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * http_rpc.h - a JSON-RPC call over HTTP as the host sends it to a node
 * (bitcoin-cli, a solo miner, xmrig's daemon mode): a POST's request line,
 * its headers, and the body after the blank line. The copy may cut the
 * body (what there is is given, as Stratum's cut lines are) or end with
 * the headers (the body follows in the next segment, copied on its own).
 * Outside bytes: every field is checked, nothing is read past @len.
 */
#ifndef MW_PARSE_HTTP_RPC_H
#define MW_PARSE_HTTP_RPC_H

#include <stddef.h>
#include <stdint.h>

struct mw_http_rpc {
	char path[64]; /* the request's target, printable ASCII, cut to fit */
	size_t body_off; /* where the body starts in the buffer */
	size_t body_len; /* its bytes in the buffer: fewer than claimed when cut */
	long long content_length; /* Content-Length, -1 when absent */
	int json; /* Content-Type names JSON (application/json, json-rpc) */
	int mining_ext; /* X-Mining-Extensions: only getwork miners send it */
	char agent[64]; /* User-Agent, printable ASCII, cut to fit */
};

/* Returns 1 when @buf starts with an HTTP POST request line (the test
 * before a parse); else 0. */
int mw_http_rpc_may_start(const uint8_t *buf, size_t len);
/*
 * Parses the POST at @buf: 0 with @r filled when its headers end within
 * @len (the body, maybe cut or empty, follows); -EAGAIN when the headers
 * are cut; -EINVAL when it is no HTTP/1.x POST (bad request line, a header
 * line without a name and a colon, a Content-Length that is no number).
 */
int mw_http_rpc_parse(const uint8_t *buf, size_t len, struct mw_http_rpc *r);

#endif
