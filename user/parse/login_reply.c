// SPDX-License-Identifier: GPL-2.0-only
#include <string.h>

#include "parse/login_reply.h"

static int starts(const uint8_t *h, size_t len, const char *prefix)
{
	size_t n = strlen(prefix);

	return len >= n && !memcmp(h, prefix, n);
}

/* Three digits then a blank or '-' (FTP, SMTP); -1 otherwise. */
static int text_code(const uint8_t *h, size_t len)
{
	if (len < 4 || h[0] < '1' || h[0] > '5' || h[1] < '0' || h[1] > '9' || h[2] < '0' ||
	    h[2] > '9' || (h[3] != ' ' && h[3] != '-'))
		return -1;
	return (h[0] - '0') * 100 + (h[1] - '0') * 10 + (h[2] - '0');
}

static struct mw_reply http_reply(const uint8_t *h, size_t len)
{
	struct mw_reply r = { MW_REPLY_OTHER, "http", 0 };

	/* "HTTP/1.1 401 " */
	if (len < 12 || h[8] != ' ' || h[9] < '1' || h[9] > '5' || h[10] < '0' || h[10] > '9' ||
	    h[11] < '0' || h[11] > '9')
		return r;
	r.code = (h[9] - '0') * 100 + (h[10] - '0') * 10 + (h[11] - '0');
	/* a success cannot be told from an answer to anything else (a public
	 * page): HTTP has refusals only */
	if (r.code == 401 || r.code == 403)
		r.kind = MW_REPLY_REFUSED;
	return r;
}

/* "<tag> NO ..." : a tagged refusal; the tag is an atom of the client's. */
static int imap_tagged_no(const uint8_t *h, size_t len)
{
	size_t i;

	for (i = 0; i < len && i < 20 && h[i] > ' ' && h[i] < 0x7f; i++)
		;
	return i > 0 && i < len && h[0] != '*' && h[0] != '+' && starts(h + i, len - i, " NO ");
}

static struct mw_reply mysql_reply(const uint8_t *h, size_t len)
{
	struct mw_reply r = { MW_REPLY_OTHER, "mysql", 0 };

	/* 3-byte length, sequence number, then 0xff and the error number */
	if (len >= 7 && h[4] == 0xff) {
		r.code = h[5] | h[6] << 8;
		if (r.code == 1045) /* ER_ACCESS_DENIED_ERROR */
			r.kind = MW_REPLY_REFUSED;
	} else if (len >= 5 && h[4] == 0x00 && h[3] == 2) {
		r.kind = MW_REPLY_ACCEPTED; /* the OK answering the login packet */
	}
	return r;
}

static struct mw_reply pgsql_reply(const uint8_t *h, size_t len)
{
	struct mw_reply r = { MW_REPLY_OTHER, "pgsql", 0 };
	size_t i;

	if (len >= 9 && h[0] == 'R' && !memcmp(h + 1, "\0\0\0\x08\0\0\0\0", 8)) {
		r.kind = MW_REPLY_ACCEPTED; /* AuthenticationOk */
	} else if (len >= 9 && h[0] == 'R' && !memcmp(h + 5, "\0\0\0\x0c", 4)) {
		/* AuthenticationSASLFinal: the server proves itself once it
		 * accepted the client's proof (SCRAM); AuthenticationOk follows */
		r.kind = MW_REPLY_ACCEPTED;
	} else if (len >= 5 && h[0] == 'E') {
		/* ErrorResponse fields: 'C' then the SQLSTATE */
		for (i = 5; i + 6 <= len; i++)
			if (h[i - 1] == '\0' && !memcmp(h + i, "C28P01", 6))
				r.kind = MW_REPLY_REFUSED; /* invalid_password */
	}
	return r;
}

struct mw_reply mw_login_reply(const uint8_t *h, size_t len, unsigned port)
{
	struct mw_reply r = { MW_REPLY_OPAQUE, NULL, 0 };
	int code;

	if (!h || !len)
		return r;
	if (port == 3306)
		return mysql_reply(h, len);
	if (port == 5432)
		return pgsql_reply(h, len);
	if (starts(h, len, "HTTP/1.0 ") || starts(h, len, "HTTP/1.1 "))
		return http_reply(h, len);
	code = text_code(h, len);
	if (code >= 0) {
		r.kind = MW_REPLY_OTHER;
		r.code = code;
		r.proto = "ftp";
		if (code == 530 && !starts(h + 4, len - 4, "5.7.")) /* SMTP's "auth required" */
			r.kind = MW_REPLY_REFUSED;
		else if (code == 230)
			r.kind = MW_REPLY_ACCEPTED;
		else if (code == 535 || code == 235) {
			r.proto = "smtp";
			r.kind = code == 535 ? MW_REPLY_REFUSED : MW_REPLY_ACCEPTED;
		}
		return r;
	}
	if (starts(h, len, "-WRONGPASS") || starts(h, len, "-ERR invalid password")) {
		r.kind = MW_REPLY_REFUSED;
		r.proto = "redis";
		return r;
	}
	if (starts(h, len, "-ERR")) {
		/* POP3 refuses a login with -ERR; Redis says -ERR of any error */
		r.kind = port == 6379 ? MW_REPLY_OTHER : MW_REPLY_REFUSED;
		r.proto = port == 6379 ? "redis" : "pop3";
		return r;
	}
	if (starts(h, len, "+OK") || starts(h, len, "* ")) {
		r.kind = MW_REPLY_OTHER;
		r.proto = h[0] == '+' ? "pop3" : "imap";
		return r;
	}
	if (imap_tagged_no(h, len)) {
		r.kind = MW_REPLY_REFUSED;
		r.proto = "imap";
	}
	return r;
}
