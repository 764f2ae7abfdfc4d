// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_login_reply - what the detector makes of real servers' replies,
 * each cut to the head the datapath copies (MW_HEAD_MAX bytes). The bytes
 * are those of Debian 12's servers (Redis 7.0, MariaDB 10.11, PostgreSQL 15,
 * Dovecot 2.3, Postfix 3.7), captured with tcpdump while hydra, curl, psql and the
 * mariadb client logged in (selftests/e2e/test_svc_*.sh), or typed at them
 * with socat.
 */
#include "minewall.h"
#include "parse/login_reply.h"
#include "test.h"

struct reply {
	const char *what;
	const char *bytes;
	size_t len;
	unsigned port;
	enum mw_reply_kind kind;
	const char *proto;
};

#define R(what, s, port, kind, proto)                     \
	{                                                 \
		what, s, sizeof(s) - 1, port, kind, proto \
	}

static void check_replies(const struct reply *r, size_t n)
{
	char what[160];
	size_t i;

	for (i = 0; i < n; i++) {
		struct mw_reply got =
			mw_login_reply((const uint8_t *)r[i].bytes,
				       r[i].len < MW_HEAD_MAX ? r[i].len : MW_HEAD_MAX, r[i].port);
		snprintf(what, sizeof(what), "%s: kind", r[i].what);
		ASSERT_EQ(got.kind, r[i].kind, what);
		snprintf(what, sizeof(what), "%s: protocol", r[i].what);
		if (r[i].proto)
			ASSERT_STREQ(got.proto, r[i].proto, what);
	}
}

static void t_redis(void *arg)
{
	static const struct reply r[] = {
		R("AUTH refused (Redis 7)",
		  "-WRONGPASS invalid username-password pair or user is disabled.\r\n", 6379,
		  MW_REPLY_REFUSED, "redis"),
		R("AUTH refused (Redis 5)", "-ERR invalid password\r\n", 6379, MW_REPLY_REFUSED,
		  "redis"),
		R("a command before AUTH", "-NOAUTH Authentication required.\r\n", 6379,
		  MW_REPLY_OTHER, "redis"),
		R("AUTH on a server without a password",
		  "-ERR AUTH <password> called without any password configured for the default "
		  "user.\r\n",
		  6379, MW_REPLY_OTHER, "redis"),
		/* +OK answers AUTH, and QUIT too: no login can be told by it */
		R("+OK", "+OK\r\n", 6379, MW_REPLY_OTHER, "redis"),
		R("PING", "+PONG\r\n", 6379, MW_REPLY_OTHER, "redis"),
	};

	(void)arg;
	check_replies(r, sizeof(r) / sizeof(r[0]));
}

static void t_mysql(void *arg)
{
	static const struct reply r[] = {
		R("error 1045",
		  "I\x00\x00\x02\xff\x15\x04#28000Access denied for user 'alice'@'192.0.2.2'", 3306,
		  MW_REPLY_REFUSED, "mysql"),
		R("error 1045 after an auth switch", "I\x00\x00\x04\xff\x15\x04#28000Access denied",
		  3306, MW_REPLY_REFUSED, "mysql"),
		R("OK to the login", "\x07\x00\x00\x02\x00\x00\x00\x02\x00\x00\x00", 3306,
		  MW_REPLY_ACCEPTED, "mysql"),
		R("OK after an auth switch", "\x07\x00\x00\x04\x00\x00\x00\x02\x00\x00\x00", 3306,
		  MW_REPLY_ACCEPTED, "mysql"),
		/* hydra's probe connections: a COM_QUIT instead of a login */
		R("error 1156", "!\x00\x00\x01\xff\x84\x04#08S01Got packets out of order", 3306,
		  MW_REPLY_OTHER, "mysql"),
		R("auth switch request",
		  "\x2c\x00\x00\x02\xfe"
		  "mysql_native_password\x00",
		  3306, MW_REPLY_OTHER, "mysql"),
		R("a query's result set",
		  "\x02\x00\x00\x01\x01\x01\x18\x00\x00\x02\x03"
		  "def\x00\x00\x00\x01"
		  "1",
		  3306, MW_REPLY_OTHER, "mysql"),
	};

	(void)arg;
	check_replies(r, sizeof(r) / sizeof(r[0]));
}

static void t_pgsql(void *arg)
{
	static const struct reply r[] = {
		R("ErrorResponse 28P01",
		  "E\x00\x00\x00"
		  "eSFATAL\x00VFATAL\x00"
		  "C28P01\x00Mpassword authentication failed "
		  "for user \"alice\"",
		  5432, MW_REPLY_REFUSED, "pgsql"),
		R("ErrorResponse 28000 (no pg_hba.conf entry)",
		  "E\x00\x00\x00\x80SFATAL\x00VFATAL\x00"
		  "C28000\x00Mno pg_hba.conf entry",
		  5432, MW_REPLY_OTHER, "pgsql"),
		R("SSLRequest refused", "N", 5432, MW_REPLY_OTHER, "pgsql"),
		R("AuthenticationSASL", "R\x00\x00\x00\x17\x00\x00\x00\x0aSCRAM-SHA-256\x00\x00",
		  5432, MW_REPLY_OTHER, "pgsql"),
		R("AuthenticationSASLContinue",
		  "R\x00\x00\x00\x5c\x00\x00\x00\x0br=+RcwnHePw3UW+xXXeLkIf4IeznGod", 5432,
		  MW_REPLY_OTHER, "pgsql"),
		R("AuthenticationMD5Password", "R\x00\x00\x00\x0c\x00\x00\x00\x05\x12\x34\x56\x78",
		  5432, MW_REPLY_OTHER, "pgsql"),
		/* the server's proof, then AuthenticationOk, in one packet */
		R("AuthenticationSASLFinal",
		  "R\x00\x00\x00\x36\x00\x00\x00\x0cv=e6ZlULuQJmf5+wYkI7VLhsbzpSW3W", 5432,
		  MW_REPLY_ACCEPTED, "pgsql"),
		R("AuthenticationOk (md5)", "R\x00\x00\x00\x08\x00\x00\x00\x00S\x00\x00\x00\x16",
		  5432, MW_REPLY_ACCEPTED, "pgsql"),
	};

	(void)arg;
	check_replies(r, sizeof(r) / sizeof(r[0]));
}

static void t_imap(void *arg)
{
	static const struct reply r[] = {
		R("AUTHENTICATE refused", "2 NO [AUTHENTICATIONFAILED] Authentication failed.\r\n",
		  143, MW_REPLY_REFUSED, "imap"),
		R("LOGIN refused", "a3 NO [AUTHENTICATIONFAILED] Authentication failed.\r\n", 143,
		  MW_REPLY_REFUSED, "imap"),
		R("LOGIN refused, no code", "A0001 NO Login failed.\r\n", 143, MW_REPLY_REFUSED,
		  "imap"),
		R("LOGIN accepted",
		  "a4 OK [CAPABILITY IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE SORT] Logged "
		  "in\r\n",
		  143, MW_REPLY_ACCEPTED, "imap"),
		R("LOGIN accepted, no code", "A0002 OK User logged in\r\n", 143, MW_REPLY_ACCEPTED,
		  "imap"),
		/* after a CAPABILITY command Dovecot sends the session's
		 * capabilities untagged, then the OK: the head is no more than
		 * the answer to CAPABILITY itself, which an attacker can ask for
		 * between its tries, so no login (the datapath's head is short
		 * of the OK) */
		R("LOGIN accepted after CAPABILITY",
		  "* CAPABILITY IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE SORT SORT=DISPLAY "
		  "THREAD=REFERENCES\r\nKMHD2 OK Logged in\r\n",
		  143, MW_REPLY_OTHER, "imap"),
		R("continuation", "+ \r\n", 143, MW_REPLY_OTHER, "imap"),
		R("CAPABILITY",
		  "* CAPABILITY IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE LITERAL+ "
		  "AUTH=PLAIN\r\n1 OK Pre-login capabilities listed, post-login capabilities have "
		  "more.\r\n",
		  143, MW_REPLY_OTHER, "imap"),
		R("NOOP", "a7 OK NOOP completed.\r\n", 143, MW_REPLY_OTHER, "imap"),
		R("STARTTLS without TLS", "a1 BAD TLS support isn't enabled.\r\n", 143,
		  MW_REPLY_OTHER, "imap"),
		R("junk", "a2 BAD Error in IMAP command received by server.\r\n", 143,
		  MW_REPLY_OTHER, "imap"),
		R("a mechanism the server lacks",
		  "a0 NO [ALERT] Unsupported authentication mechanism.\r\n", 143, MW_REPLY_OTHER,
		  "imap"),
		R("a mechanism the server lacks, no code",
		  "a0 NO Unsupported authentication mechanism.\r\n", 143, MW_REPLY_OTHER, "imap"),
		R("a password sent without TLS to a server that wants it",
		  "a1 NO [PRIVACYREQUIRED] Plaintext authentication disallowed on non-secure "
		  "(SSL/TLS) connections.\r\n",
		  143, MW_REPLY_OTHER, "imap"),
		R("the server's own trouble",
		  "a5 NO [UNAVAILABLE] Temporary authentication failure.\r\n", 143, MW_REPLY_OTHER,
		  "imap"),
		R("a session's refusal", "a5 NO [NONEXISTENT] Mailbox doesn't exist: nosuch\r\n",
		  143, MW_REPLY_OTHER, "imap"),
	};

	(void)arg;
	check_replies(r, sizeof(r) / sizeof(r[0]));
}

static void t_pop3(void *arg)
{
	static const struct reply r[] = {
		R("AUTH/PASS refused", "-ERR [AUTH] Authentication failed.\r\n", 110,
		  MW_REPLY_REFUSED, "pop3"),
		R("PASS refused, no code", "-ERR Authentication failed.\r\n", 110, MW_REPLY_REFUSED,
		  "pop3"),
		R("PASS refused (RFC 1939)", "-ERR invalid password\r\n", 110, MW_REPLY_REFUSED,
		  NULL),
		R("login", "+OK Logged in.\r\n", 110, MW_REPLY_ACCEPTED, "pop3"),
		R("login (RFC 1939)", "+OK mrose's maildrop has 2 messages (320 octets)\r\n", 110,
		  MW_REPLY_ACCEPTED, "pop3"),
		R("USER", "+OK\r\n", 110, MW_REPLY_OTHER, "pop3"),
		R("USER, with words", "+OK Name is a valid mailbox\r\n", 110, MW_REPLY_OTHER,
		  "pop3"),
		R("CAPA", "+OK\r\nCAPA\r\nTOP\r\nUIDL\r\nRESP-CODES\r\nPIPELINING\r\n", 110,
		  MW_REPLY_OTHER, "pop3"),
		R("QUIT", "+OK Logging out\r\n", 110, MW_REPLY_OTHER, "pop3"),
		R("AUTH's continuation", "+ \r\n", 110, MW_REPLY_OTHER, NULL),
		/* a mail client meets these on every poll: no tries */
		R("STLS without TLS", "-ERR TLS support isn't enabled.\r\n", 110, MW_REPLY_OTHER,
		  "pop3"),
		R("junk", "-ERR Unknown command.\r\n", 110, MW_REPLY_OTHER, "pop3"),
		R("a mechanism the server lacks",
		  "-ERR [AUTH] Unsupported authentication mechanism.\r\n", 110, MW_REPLY_OTHER,
		  "pop3"),
		R("a password sent without TLS to a server that wants it",
		  "-ERR [AUTH] Plaintext authentication disallowed on non-secure (SSL/TLS) "
		  "connections.\r\n",
		  110, MW_REPLY_OTHER, "pop3"),
		R("AUTH where clear text is off",
		  "-ERR [AUTH] Plaintext authentication disabled.\r\n", 110, MW_REPLY_OTHER,
		  "pop3"),
		R("mailbox in use", "-ERR [IN-USE] Mailbox is locked by another POP3 session\r\n",
		  110, MW_REPLY_OTHER, "pop3"),
	};

	(void)arg;
	check_replies(r, sizeof(r) / sizeof(r[0]));
}

static void t_smtp(void *arg)
{
	static const struct reply r[] = {
		R("AUTH refused",
		  "535 5.7.8 Error: authentication failed: (reason unavailable)\r\n", 25,
		  MW_REPLY_REFUSED, "smtp"),
		R("AUTH accepted", "235 2.7.0 Authentication successful\r\n", 25, MW_REPLY_ACCEPTED,
		  "smtp"),
		R("AUTH LOGIN's prompt", "334 VXNlcm5hbWU6\r\n", 587, MW_REPLY_OTHER, NULL),
		R("TLS required first", "530 5.7.0 Must issue a STARTTLS command first\r\n", 587,
		  MW_REPLY_OTHER, NULL),
		/* Postfix refuses a mechanism it does not offer with the same
		 * 535; the words that tell it apart start at byte 41, beyond the
		 * head: a client that tries one is counted (mail clients pick
		 * from the EHLO's list) */
		R("a mechanism the server lacks",
		  "535 5.7.8 Error: authentication failed: Invalid authentication mechanism\r\n",
		  25, MW_REPLY_REFUSED, "smtp"),
	};

	(void)arg;
	check_replies(r, sizeof(r) / sizeof(r[0]));
}

int main(int argc, char **argv)
{
	if (argc > 1)
		test_filter = argv[1];
	test_run("redis: AUTH's refusals, and what is none", t_redis, NULL);
	test_run("mysql: error 1045 and the login's OK", t_mysql, NULL);
	test_run("pgsql: 28P01, SCRAM's final message and AuthenticationOk", t_pgsql, NULL);
	test_run("imap: tagged NO and OK, by response code", t_imap, NULL);
	test_run("pop3: -ERR of a login and of anything else", t_pop3, NULL);
	test_run("smtp: 535 and 235 of Postfix's AUTH", t_smtp, NULL);
	return test_summary("login_reply");
}
