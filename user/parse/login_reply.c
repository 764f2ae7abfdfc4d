// SPDX-License-Identifier: GPL-2.0-only
#include <ctype.h>
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

/* @word (lower case) anywhere in the head, in any case. */
static int has_word(const uint8_t *h, size_t len, const char *word)
{
	size_t n = strlen(word), i, j;

	for (i = 0; i + n <= len; i++) {
		for (j = 0; j < n && tolower(h[i + j]) == word[j]; j++)
			;
		if (j == n)
			return 1;
	}
	return 0;
}

static int has_any(const uint8_t *h, size_t len, const char *const *words)
{
	for (; *words; words++)
		if (has_word(h, len, *words))
			return 1;
	return 0;
}

/* Words of refusals that refuse no password: a command or mechanism the
 * server lacks, TLS it does not offer, a password it would not read in
 * clear text (a client set up without TLS meets that on every poll). */
static const char *const other[] = { "command", "support", "mechanism", "tls", "plaintext", NULL };

/*
 * POP3 answers -ERR to anything it refuses: a password, but also STLS on a
 * server without TLS, an unknown command or a mechanism it lacks, which a
 * user's mail client meets on every poll. A refusal of a login is the
 * [AUTH] code (RFC 3206) or words that say so; other response codes
 * (IN-USE, SYS/TEMP, LOGIN-DELAY) refuse no password.
 */
static enum mw_reply_kind pop3_err(const uint8_t *h, size_t len)
{
	static const char *const refusal[] = { "fail",	"invalid",  "incorrect",  "denied",
					       "wrong", "bad pass", "bad login",  "password",
					       "login", "logon",    "credential", NULL };
	if (has_any(h, len, other)) /* "-ERR [AUTH] Unsupported authentication mechanism." */
		return MW_REPLY_OTHER;
	if (starts(h, len, "-ERR [AUTH]"))
		return MW_REPLY_REFUSED;
	if (starts(h, len, "-ERR ["))
		return MW_REPLY_OTHER;
	return has_any(h, len, refusal) ? MW_REPLY_REFUSED : MW_REPLY_OTHER;
}

/* POP3's +OK answers every command, USER's with any words ("+OK Name is a
 * valid mailbox"); after PASS or AUTH it says the mailbox is open (RFC
 * 1939's "maildrop has", Cyrus's "Mailbox locked", Dovecot's "Logged in."). */
static enum mw_reply_kind pop3_ok(const uint8_t *h, size_t len)
{
	static const char *const login[] = { "+ok logged in", "maildrop has", "mailbox locked",
					     NULL };

	return has_any(h, len, login) ? MW_REPLY_ACCEPTED : MW_REPLY_OTHER;
}

/* The length of the tag of a tagged IMAP reply ("<tag> "), 0 if none: the
 * tag is an atom of the client's, never "*" or "+". */
static size_t imap_tag(const uint8_t *h, size_t len)
{
	size_t i;

	for (i = 0; i < len && i < 20 && h[i] > ' ' && h[i] < 0x7f; i++)
		;
	if (!i || i >= len || h[i] != ' ' || h[0] == '*' || h[0] == '+')
		return 0;
	return i + 1;
}

/*
 * A tagged NO refuses a login unless its response code (RFC 5530) says
 * otherwise: UNAVAILABLE (the server's own trouble), PRIVACYREQUIRED (no
 * password was read), and a session's NONEXISTENT, TRYCREATE, NOPERM...
 * A tagged OK is a login when it brings the session's capabilities or says
 * so ("Logged in"); NOOP, CAPABILITY and STARTTLS answer OK otherwise.
 */
static enum mw_reply_kind imap_tagged(const uint8_t *h, size_t len)
{
	static const char *const login[] = { "logged in", "login completed", "login ok",
					     "authenticate completed", NULL };
	size_t t = imap_tag(h, len);

	if (!t)
		return MW_REPLY_OPAQUE;
	h += t;
	len -= t;
	if (starts(h, len, "NO [AUTHENTICATIONFAILED]") ||
	    starts(h, len, "NO [AUTHORIZATIONFAILED]"))
		return MW_REPLY_REFUSED;
	if (starts(h, len, "NO "))
		return starts(h, len, "NO [") || has_any(h, len, other) ? MW_REPLY_OTHER :
									  MW_REPLY_REFUSED;
	if (starts(h, len, "OK "))
		return starts(h, len, "OK [CAPABILITY ") || has_any(h, len, login) ?
			       MW_REPLY_ACCEPTED :
			       MW_REPLY_OTHER;
	return starts(h, len, "BAD ") ? MW_REPLY_OTHER : MW_REPLY_OPAQUE;
}

static struct mw_reply mysql_reply(const uint8_t *h, size_t len)
{
	struct mw_reply r = { MW_REPLY_OTHER, "mysql", 0 };

	/* 3-byte length, sequence number, then 0xff and the error number */
	if (len >= 7 && h[4] == 0xff) {
		r.code = h[5] | h[6] << 8;
		if (r.code == 1045) /* ER_ACCESS_DENIED_ERROR */
			r.kind = MW_REPLY_REFUSED;
	} else if (len >= 5 && h[4] == 0x00 && h[3] >= 2) {
		/* an OK in the login's exchange (sequence 2, or later after an
		 * auth switch): before a login the server sends no OK at all,
		 * after it a command's OK starts again from 1 */
		r.kind = MW_REPLY_ACCEPTED;
	}
	return r;
}

static struct mw_reply pgsql_reply(const uint8_t *h, size_t len)
{
	struct mw_reply r = { MW_REPLY_OTHER, "pgsql", 0 };
	size_t i;

	if (len >= 9 && h[0] == 'R' &&
	    (!memcmp(h + 1, "\0\0\0\x08\0\0\0\0", 8) || !memcmp(h + 5, "\0\0\0\x0c", 4))) {
		/* AuthenticationOk, or AuthenticationSASLFinal: the server
		 * proves itself once it accepted the client's proof (SCRAM),
		 * and AuthenticationOk follows it */
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
	if (port == 6379 && (starts(h, len, "-") || starts(h, len, "+"))) {
		/* Redis's other errors, and its +OK answers QUIT too: no login */
		r.kind = MW_REPLY_OTHER;
		r.proto = "redis";
		return r;
	}
	if (starts(h, len, "-ERR") || starts(h, len, "+OK")) {
		r.kind = h[0] == '-' ? pop3_err(h, len) : pop3_ok(h, len);
		r.proto = "pop3";
		return r;
	}
	if (starts(h, len, "* ") || starts(h, len, "+ ")) {
		/* untagged data; a continuation request (IMAP's, POP3's AUTH) */
		r.kind = MW_REPLY_OTHER;
		r.proto = "imap";
		return r;
	}
	r.kind = imap_tagged(h, len);
	if (r.kind != MW_REPLY_OPAQUE)
		r.proto = "imap";
	return r;
}
