/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * login_reply.h - what a server's reply says about a login, read from the
 * first bytes of its first packet: the reply codes of clear-text protocols
 * (HTTP, FTP, SMTP, POP3, IMAP, Redis, MySQL, PostgreSQL). A refusal or a
 * success is taken only from a code the protocol fixes for it; anything
 * else (a greeting, NOOP's answer, a 404) is neither. Where a protocol's
 * refusal also answers what a user's client does on every connection
 * (POP3's -ERR to STLS, IMAP's NO to a missing mailbox), only a refusal of
 * a password counts; where its success also answers what any client can
 * send (Redis's +OK to QUIT, IMAP's untagged CAPABILITY) there is none.
 */
#ifndef MW_PARSE_LOGIN_REPLY_H
#define MW_PARSE_LOGIN_REPLY_H

#include <stddef.h>
#include <stdint.h>

enum mw_reply_kind {
	MW_REPLY_OPAQUE = 0, /* not a clear-text reply we know: encrypted, binary, empty */
	MW_REPLY_OTHER, /* clear text, neither a refusal nor a success */
	MW_REPLY_REFUSED, /* an authentication refused */
	MW_REPLY_ACCEPTED, /* an authentication accepted */
};

/* The protocol a reply was recognised as, for the evidence. */
struct mw_reply {
	enum mw_reply_kind kind;
	const char *
		proto; /* "http", "ftp", "smtp", "pop3", "imap", "redis", "mysql", "pgsql" or NULL */
	unsigned code; /* HTTP status, FTP/SMTP code, MySQL error number; 0 otherwise */
};

/* Classifies the first @len bytes of a reply's first packet, sent from
 * local port @port: the port decides only between protocols whose replies
 * look alike ("-ERR" of POP3 and Redis, the binary ones). */
struct mw_reply mw_login_reply(const uint8_t *head, size_t len, unsigned port);

#endif
