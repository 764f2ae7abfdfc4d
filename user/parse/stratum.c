// SPDX-License-Identifier: GPL-2.0-only
#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "minewall.h"
#include "parse/stratum.h"

#define LINE_MAX_BYTES 4096

static const char *const eth_methods[] = {
	"eth_submitLogin", "eth_login", "eth_getWork", "eth_submitWork", "eth_submitHashrate", NULL,
};

/* A node's mining calls: work fetched, a solution handed in. */
static const char *const solo_btc_methods[] = {
	"getblocktemplate", "submitblock",    "getwork", "getauxblock",
	"createauxblock",   "submitauxblock", NULL,
};
static const char *const monero_daemon_methods[] = {
	"get_block_template",
	"submit_block",
	"get_miner_data",
	NULL,
};

const char *mw_stratum_dialect_name(enum mw_stratum_dialect d)
{
	switch (d) {
	case MW_STRATUM_XMR:
		return "xmr-login";
	case MW_STRATUM_V1:
		return "stratum-v1";
	case MW_STRATUM_ETH:
		return "ethereum";
	case MW_STRATUM_NICEHASH:
		return "nicehash";
	case MW_STRATUM_SOLO_BTC:
		return "solo-btc";
	case MW_STRATUM_MONERO_DAEMON:
		return "monero-daemon";
	default:
		return "none";
	}
}

static bool in_list(const char *s, const char *const *list)
{
	for (; *list; list++)
		if (!strcmp(s, *list))
			return true;
	return false;
}

/* Copies a name from the payload, whoever sent it: printable ASCII only,
 * '?' for any other byte, so that no cut, control or invalid byte reaches
 * an event (jansson refuses invalid UTF-8, and the event would be lost). */
static void copy_printable(char *dst, size_t len, const char *src)
{
	size_t i;

	for (i = 0; src[i] && i + 1 < len; i++) {
		unsigned char c = (unsigned char)src[i];

		dst[i] = c >= ' ' && c < 0x7f ? (char)c : '?';
	}
	dst[i] = '\0';
}

static void set(struct mw_stratum *m, enum mw_stratum_dialect d, const char *method,
		const char *agent)
{
	m->dialect = d;
	copy_printable(m->method, sizeof(m->method), method);
	copy_printable(m->agent, sizeof(m->agent), agent ? agent : "");
}

/* The dialect a mining.* call belongs to, from its parameters. */
static enum mw_stratum_dialect v1_flavour(json_t *params, const char **agent)
{
	enum mw_stratum_dialect d = MW_STRATUM_V1;
	size_t i;
	json_t *v;

	if (!json_is_array(params))
		return d;
	json_array_foreach(params, i, v)
	{
		const char *s = json_string_value(v);

		if (!s)
			continue;
		if (i == 0)
			*agent = s;
		if (strstr(s, "EthereumStratum"))
			d = MW_STRATUM_ETH;
		else if (strcasestr(s, "nicehash") && d == MW_STRATUM_V1)
			d = MW_STRATUM_NICEHASH;
	}
	return d;
}

static bool is_hash(json_t *v)
{
	const char *s = json_string_value(v);

	return s && s[0] == '0' && s[1] == 'x' && strlen(s) >= 34;
}

static int match_json(json_t *o, struct mw_stratum *m)
{
	const char *method = json_string_value(json_object_get(o, "method"));
	json_t *params = json_object_get(o, "params"), *result;
	const char *agent = NULL;

	if (method) {
		if (!strncmp(method, "mining.", 7)) {
			set(m, v1_flavour(params, &agent), method,
			    !strcmp(method, "mining.subscribe") ? agent : NULL);
			if (!strcmp(method, "mining.set_extranonce") && m->dialect == MW_STRATUM_V1)
				m->dialect = MW_STRATUM_NICEHASH;
			return 1;
		}
		if (in_list(method, eth_methods)) {
			set(m, MW_STRATUM_ETH, method,
			    json_string_value(json_object_get(o, "worker")));
			return 1;
		}
		if (in_list(method, monero_daemon_methods)) {
			set(m, MW_STRATUM_MONERO_DAEMON, method, NULL);
			return 1;
		}
		if (in_list(method, solo_btc_methods)) {
			/* Monero's daemon takes bitcoind's names too, with
			 * its wallet in an object */
			set(m,
			    json_object_get(params, "wallet_address") ? MW_STRATUM_MONERO_DAEMON :
									MW_STRATUM_SOLO_BTC,
			    method, NULL);
			return 1;
		}
		if (!json_is_object(params))
			return 0;
		if (!strcmp(method, "login") && json_object_get(params, "login") &&
		    json_object_get(params, "pass")) {
			set(m, MW_STRATUM_XMR, method,
			    json_string_value(json_object_get(params, "agent")));
			return 1;
		}
		if ((!strcmp(method, "job") && json_object_get(params, "blob") &&
		     json_object_get(params, "job_id")) ||
		    (!strcmp(method, "submit") && json_object_get(params, "job_id") &&
		     json_object_get(params, "nonce"))) {
			set(m, MW_STRATUM_XMR, method, NULL);
			return 1;
		}
		return 0;
	}
	/* replies: an XMR login answer carries the first job; an eth-proxy
	 * work package is three 0x hashes */
	result = json_object_get(o, "result");
	if (json_is_object(result) && json_is_object(json_object_get(result, "job")) &&
	    json_object_get(json_object_get(result, "job"), "blob")) {
		set(m, MW_STRATUM_XMR, "login-result", NULL);
		return 1;
	}
	/* a node's block template */
	if (json_is_object(result) && json_object_get(result, "blocktemplate_blob")) {
		set(m, MW_STRATUM_MONERO_DAEMON, "template-result", NULL);
		return 1;
	}
	if (json_is_object(result) && json_object_get(result, "previousblockhash") &&
	    json_object_get(result, "coinbasevalue")) {
		set(m, MW_STRATUM_SOLO_BTC, "template-result", NULL);
		return 1;
	}
	if (json_is_array(result) && json_array_size(result) >= 3 &&
	    is_hash(json_array_get(result, 0)) && is_hash(json_array_get(result, 1)) &&
	    is_hash(json_array_get(result, 2))) {
		set(m, MW_STRATUM_ETH, "work-package", NULL);
		return 1;
	}
	return 0;
}

/* The string value of "@key" in @line (no escapes), or 0 when absent, cut
 * or too long. */
static int text_value(const char *line, const char *key, char *out, size_t len)
{
	char quoted[32];
	const char *p;
	size_t n;

	snprintf(quoted, sizeof(quoted), "\"%s\"", key);
	p = strstr(line, quoted);
	if (!p)
		return 0;
	p += strlen(quoted);
	while (isspace((unsigned char)*p))
		p++;
	if (*p++ != ':')
		return 0;
	while (isspace((unsigned char)*p))
		p++;
	if (*p++ != '"')
		return 0;
	n = strcspn(p, "\"\\");
	if (p[n] != '"' || n == 0 || n >= len)
		return 0;
	memcpy(out, p, n);
	out[n] = '\0';
	return 1;
}

/* A message cut short by the copy: its "method" value, and keys it holds. */
static int match_text(const char *line, struct mw_stratum *m)
{
	char method[40], agent[64];
	const char *p;

	if (text_value(line, "method", method, sizeof(method))) {
		if (!strncmp(method, "mining.", 7)) {
			set(m, strstr(line, "EthereumStratum") ? MW_STRATUM_ETH : MW_STRATUM_V1,
			    method, NULL);
			return 1;
		}
		if (in_list(method, eth_methods)) {
			set(m, MW_STRATUM_ETH, method, NULL);
			return 1;
		}
		if (in_list(method, monero_daemon_methods) ||
		    (in_list(method, solo_btc_methods) && strstr(line, "\"wallet_address\""))) {
			set(m, MW_STRATUM_MONERO_DAEMON, method, NULL);
			return 1;
		}
		if (in_list(method, solo_btc_methods)) {
			set(m, MW_STRATUM_SOLO_BTC, method, NULL);
			return 1;
		}
		if (!strcmp(method, "login") && strstr(line, "\"params\"") &&
		    strstr(strstr(line, "\"params\""), "\"login\"")) {
			set(m, MW_STRATUM_XMR, method,
			    text_value(line, "agent", agent, sizeof(agent)) ? agent : NULL);
			return 1;
		}
		if ((!strcmp(method, "job") && strstr(line, "\"blob\"")) ||
		    (!strcmp(method, "submit") && strstr(line, "\"job_id\"") &&
		     strstr(line, "\"nonce\""))) {
			set(m, MW_STRATUM_XMR, method, NULL);
			return 1;
		}
		return 0;
	}
	p = strstr(line, "\"result\"");
	if (p && strstr(p, "\"job\"") && strstr(p, "\"blob\"")) {
		set(m, MW_STRATUM_XMR, "login-result", NULL);
		return 1;
	}
	if (p && strstr(p, "\"blocktemplate_blob\"")) {
		set(m, MW_STRATUM_MONERO_DAEMON, "template-result", NULL);
		return 1;
	}
	if (p && strstr(p, "\"previousblockhash\"") && strstr(p, "\"coinbasevalue\"")) {
		set(m, MW_STRATUM_SOLO_BTC, "template-result", NULL);
		return 1;
	}
	return 0;
}

int mw_stratum_may_start(const uint8_t *buf, size_t len)
{
	size_t i;

	for (i = 0; i < len && i < MW_PEEK_WS_MAX; i++)
		if (!strchr(" \t\r\n", buf[i]) || !buf[i])
			return buf[i] == '{';
	return i == MW_PEEK_WS_MAX; /* more whitespace: the lines after it tell */
}

int mw_stratum_match(const uint8_t *buf, size_t len, struct mw_stratum *m)
{
	char line[LINE_MAX_BYTES + 1]; /* on the stack: callers on any thread */
	size_t pos = 0, n;

	memset(m, 0, sizeof(*m));
	while (pos < len) {
		const uint8_t *nl = memchr(buf + pos, '\n', len - pos);
		json_error_t err;
		json_t *o;
		int r;

		n = nl ? (size_t)(nl - (buf + pos)) : len - pos;
		if (n > LINE_MAX_BYTES)
			n = LINE_MAX_BYTES;
		memcpy(line, buf + pos, n);
		line[n] = '\0';
		pos += n + 1;
		if (strlen(line) != n || line[strspn(line, " \t\r")] != '{')
			continue; /* NUL bytes, or not a JSON object */
		o = json_loads(line, JSON_REJECT_DUPLICATES, &err);
		if (o) {
			r = json_is_object(o) && match_json(o, m);
			json_decref(o);
		} else {
			r = match_text(line, m);
		}
		if (r)
			return 1;
	}
	return 0;
}
