// SPDX-License-Identifier: GPL-2.0-only
/*
 * dict.c - the dictionary-attack detector's connections: each watched
 * connection's replies read as refusals, a login, or neither (see dict.h);
 * dict_tries.c counts what they make of each source.
 */
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include "detect/dict_priv.h"
#include "parse/login_reply.h"
#include "lib/util.h"

const char *mw_dict_method(unsigned svc)
{
	switch (svc) {
	case MW_SVC_SSH:
		return "SSHDICT";
	case MW_SVC_RDP:
		return "RDPDICT";
	case MW_SVC_HTTP:
		return "HTTPDICT";
	case MW_SVC_AUTH:
		return "DICTATTACK";
	}
	return "?";
}

struct mw_dict *mw_dict_new(const struct mw_dict_cfg *cfg, mw_dict_fn fn, void *arg)
{
	struct mw_dict *d = calloc(1, sizeof(*d));

	if (d) {
		d->cfg = *cfg;
		d->fn = fn;
		d->arg = arg;
	}
	return d;
}

void mw_dict_set_cfg(struct mw_dict *d, const struct mw_dict_cfg *cfg)
{
	d->cfg = *cfg;
}

void mw_dict_on_login(struct mw_dict *d, mw_dict_login_fn fn)
{
	d->login = fn;
}

void mw_dict_on_confirm(struct mw_dict *d, mw_dict_confirm_fn fn)
{
	d->confirm = fn;
}

void mw_dict_free(struct mw_dict *d)
{
	size_t i;

	if (!d)
		return;
	for (i = 0; i < CONN_BUCKETS; i++)
		while (d->conns[i]) {
			struct conn *c = d->conns[i];

			d->conns[i] = c->next;
			free(c);
		}
	for (i = 0; i < SRC_BUCKETS; i++)
		while (d->srcs[i]) {
			struct src *s = d->srcs[i];

			d->srcs[i] = s->next;
			free(s);
		}
	free(d);
}

/* --- the replies --------------------------------------------------------- */

/*
 * SSH, read from sizes alone (RFC 4253 framing, any cipher): SERVICE_ACCEPT
 * (17-byte payload) and USERAUTH_SUCCESS (1 byte) are 16 bytes apart under
 * every cipher and MAC (chacha20-poly1305 44/28, aes-gcm 52/36, aes-ctr with
 * hmac-sha2-256-etm 68/52), and no message a client can provoke before it
 * logged in is as small as SUCCESS except SSH_MSG_UNIMPLEMENTED under
 * 16-byte blocks (its size there) and NEWKEYS inside a re-exchange.
 * USERAUTH_FAILURE is at least SERVICE_ACCEPT's size; UNIMPLEMENTED is
 * smaller. A login is recognised only from SUCCESS followed by OpenSSH's
 * unsolicited host-key announcement (hostkeys-00@openssh.com, 100 bytes and
 * more, smaller than a KEXINIT, and under 16-byte blocks not PK_OK's
 * size), then one more reply of the session. Under 16-byte blocks junk's
 * answers sent at once can still take the shape of the host keys (their
 * sums collide with real announcements, which often share a packet with
 * the channel's answer: 312 bytes is six answers of 52 under etm).
 */
#define SSH_SUCCESS_DELTA 16
#define SSH_CHACHA_ACCEPT 44 /* 8-byte blocks: UNIMPLEMENTED is 8 bytes larger than SUCCESS */
#define SSH_HOSTKEYS_MIN 100
#define SSH_BANNER_GAP 32 /* a first answer this much larger than a refusal held a banner */
#define SSH_PIPELINED_MAX 6 /* refusals in one reply: sshd's MaxAuthTries */
#define SSH_LEFT_EXCHANGES 6 /* refused, then gone within three round trips */

enum ssh_login {
	LOGIN_NONE = 0,
	LOGIN_SUCCESS, /* a reply of SUCCESS's size: the host keys must follow */
	LOGIN_HOSTKEYS, /* and the announcement came: one more reply of the session */
};

enum ssh_part {
	PART_NONE = 0,
	PART_SMALL, /* smaller than a refusal: UNIMPLEMENTED, or nothing known */
	PART_ANSWER, /* an answer to an authentication request */
	PART_SUCCESS, /* SUCCESS's size */
	PART_KEX, /* a key re-exchange */
	PART_SESSION, /* after the host keys: the session */
};

/* SSH: the server's KEXINIT again (a little smaller without the first
 * one's markers, larger encrypted), or more: a key re-exchange, which a
 * client can start at any time, even before it logged in. */
static bool ssh_rekey(const struct conn *c, uint32_t size)
{
	return c->kexinit && size + KEXINIT_GROWTH * 2 >= c->kexinit;
}

static uint32_t ssh_success_size(const struct conn *c)
{
	return c->accept > SSH_SUCCESS_DELTA ? c->accept - SSH_SUCCESS_DELTA : 0;
}

/* Whether @size is the size on the wire of a message with a @payload-byte
 * payload, under the 16-byte-block framing SERVICE_ACCEPT's size (@accept)
 * shows: the length outside the blocks (AEAD, etm) or inside them, either
 * when @accept fits both. */
static bool ssh_framed(uint32_t accept, uint32_t payload, uint32_t size)
{
	uint32_t etm = 4 + (payload + 5 + 15) / 16 * 16, plain = (payload + 9 + 15) / 16 * 16;

	return (accept >= 36 && size == etm + accept - 36) ||
	       (accept >= 32 && size == plain + accept - 32);
}

/* PK_OK's payloads for the common key types: ed25519, ecdsa 256/384/521,
 * RSA 2048/3072/4096 as rsa-sha2-* and as ssh-rsa */
static const uint16_t ssh_pk_ok_payloads[] = { 71, 132, 164, 200, 300, 428, 556, 295, 423, 551 };

/* What OpenSSH sends unsolicited after SUCCESS: its host keys, smaller
 * than a KEXINIT. Where junk's answer is SUCCESS's size (16-byte blocks),
 * PK_OK of a key the client knows is excluded: it can provoke it. */
static bool ssh_hostkeys(const struct conn *c, uint32_t size)
{
	unsigned i;

	if (size < SSH_HOSTKEYS_MIN || ssh_rekey(c, size) || !ssh_success_size(c))
		return false;
	if (c->accept == SSH_CHACHA_ACCEPT)
		return true; /* 8-byte blocks: no junk answer is SUCCESS's size */
	for (i = 0; i < ARRAY_SIZE(ssh_pk_ok_payloads); i++)
		if (ssh_framed(c->accept, ssh_pk_ok_payloads[i], size))
			return false;
	return true;
}

/* The size of UNIMPLEMENTED, a junk message's answer (5-byte payload). */
static uint32_t ssh_junk_size(const struct conn *c)
{
	return ssh_success_size(c) + (c->accept == SSH_CHACHA_ACCEPT ? 8 : 0);
}

/* The refusals in an answer of @size, if the refusal is @r: pipelined, and
 * with junk's answers (@u bytes each) where the connection showed junk. */
static unsigned ssh_refusals_of(uint32_t size, uint32_t r, uint32_t u)
{
	unsigned m;

	for (m = 1; r && m <= SSH_PIPELINED_MAX && size >= m * r; m++)
		if (size == m * r || (u && (size - m * r) % u == 0))
			return m;
	return 0;
}

/* After a reply of SUCCESS's size that no session followed (junk's answer,
 * or a server that does not announce its host keys): the refusals in an
 * answer of @size; 0 when it holds none (a session's reply). Where junk
 * was seen, the refusal may be any answer's size: a client that asks for
 * the service again before each try (paramiko) gets SERVICE_ACCEPT first. */
static unsigned ssh_refusals_in(const struct conn *c, uint32_t size)
{
	uint32_t r = c->refusal ? c->refusal : c->first_reply;
	unsigned n;

	if (!c->guessing)
		return ssh_refusals_of(size, r, 0);
	n = ssh_refusals_of(size, r, ssh_junk_size(c));
	if (!n && c->first_reply != r)
		n = ssh_refusals_of(size, c->first_reply, ssh_junk_size(c));
	if (!n)
		n = ssh_refusals_of(size, c->odd, ssh_junk_size(c));
	return n;
}

static void ssh_junk(struct mw_dict *d, struct conn *c, uint64_t now);

/* The server let the client in, as far as sizes can tell: the host says
 * whether it did where it can. A client can provoke replies of a login's
 * sizes (under 16-byte blocks, junk's answers sent at once); it cannot make
 * sshd change its user. */
static void ssh_login(struct mw_dict *d, struct conn *c, uint64_t now)
{
	c->candidate = false;
	c->login = LOGIN_NONE;
	if (d->confirm && d->confirm(d->arg, c->svc, &c->key) == 0) {
		/* a forged login: no session, every answer counts again */
		c->success = false;
		c->after = 0;
		ssh_junk(d, c, now);
		c->evidence = "SSH login's shape forged (sshd still unauthenticated)";
		return;
	}
	dict_login(d, c, now);
}

/* An answer no client that logs in the ordinary way gets: junk's
 * UNIMPLEMENTED. No login is coming to take this connection's tries back:
 * they count at once. */
static void ssh_junk(struct mw_dict *d, struct conn *c, uint64_t now)
{
	if (c->guessing)
		return;
	c->guessing = true;
	dict_finalize(d, c, now);
	/* and its first answer was a refusal too, not a probe's */
	if (c->first_reply) {
		c->evidence = "SSH USERAUTH_FAILURE with junk";
		dict_add_try(d, c, now);
	}
}

/* No session followed a reply of SUCCESS's size: junk's answer (its size
 * under 16-byte blocks), or a server that does not announce its keys. */
static void ssh_no_login(struct mw_dict *d, struct conn *c, uint64_t now)
{
	c->login = LOGIN_NONE;
	c->candidate = false;
	/* under 16-byte blocks, most likely junk's answer */
	if (c->accept != SSH_CHACHA_ACCEPT)
		ssh_junk(d, c, now);
}

/*
 * An answer of @size bytes to an authentication request (at least
 * SERVICE_ACCEPT's size): every one is a try but the first (the "none"
 * probe each client starts with, with the banner if there is one) and one
 * other of another size (PK_OK before a key's signature, a keyboard-
 * interactive prompt). A reply holding several refusals (pipelined
 * requests) is as many tries. Pending: a login may still take them back.
 */
static void ssh_answer(struct mw_dict *d, struct conn *c, uint32_t size, uint64_t now)
{
	unsigned n = 1;

	if (!c->first_reply) {
		c->first_reply = size;
		c->first_reply_at = c->exchanges;
		if (c->guessing) {
			c->evidence = "SSH USERAUTH_FAILURE with junk";
			dict_add_try(d, c, now);
		}
		return;
	}
	if (!c->refusal && (size == c->first_reply || size + SSH_BANNER_GAP <= c->first_reply)) {
		/* a refusal again, or one smaller than the first answer:
		 * that one held a banner (USERAUTH_BANNER comes with it) */
		c->refusal = size;
	} else if (size != c->refusal && size != c->first_reply && !c->odd) {
		c->odd = size;
		return;
	}
	if (c->success) {
		/* a login may have come: only what holds a refusal counts,
		 * and no more than sshd lets one connection try */
		n = ssh_refusals_in(c, size);
		if (c->after + n > SSH_PIPELINED_MAX) {
			c->over = true; /* a session: no guesser gets this far */
			return;
		}
		c->after += n;
		if (size == c->odd && !n)
			return;
	} else if (c->refusal && size >= 2 * c->refusal && size != c->odd) {
		n = size / c->refusal;
		if (n > SSH_PIPELINED_MAX)
			n = SSH_PIPELINED_MAX;
	}
	if (n)
		c->evidence = "SSH USERAUTH_FAILURE repeated";
	while (n--)
		dict_add_pending(d, c, now);
}

/* SSH: the first packet of a server reply, @size bytes (the whole reply
 * when it is one packet). */
static void ssh_first(struct mw_dict *d, struct conn *c, uint32_t size, uint64_t now)
{
	c->part = PART_NONE;
	if (ssh_rekey(c, size)) {
		c->kex_left = 2; /* its KEX reply and NEWKEYS may follow apart */
		c->part = PART_KEX;
		return;
	}
	if (c->kex_left) {
		c->kex_left--;
		c->part = PART_KEX;
		return;
	}
	if (c->login == LOGIN_SUCCESS) {
		if (ssh_hostkeys(c, size)) {
			c->login = LOGIN_HOSTKEYS;
			c->part = PART_SESSION;
			return;
		}
		ssh_no_login(d, c, now); /* this reply is read as any other */
	} else if (c->login == LOGIN_HOSTKEYS) {
		c->part = PART_SESSION;
		ssh_login(d, c, now);
		return;
	}
	if (size == ssh_success_size(c)) {
		c->login = LOGIN_SUCCESS;
		c->candidate = true;
		c->success = true;
		c->part = PART_SUCCESS;
		return;
	}
	if (size >= c->accept) {
		c->part = PART_ANSWER;
		ssh_answer(d, c, size, now);
		return;
	}
	c->part = PART_SMALL;
	ssh_junk(d, c, now);
}

/* SSH: the reply whose first packet, @first bytes, was read already ended
 * at @size bytes. */
static void ssh_rest(struct mw_dict *d, struct conn *c, uint32_t size, uint32_t first, uint64_t now)
{
	uint32_t rest = size > first ? size - first : 0;

	switch (c->part) {
	case PART_SUCCESS:
		if (!rest)
			return; /* SUCCESS alone: the host keys come next */
		/* SUCCESS and the host keys in one burst */
		if (ssh_hostkeys(c, rest)) {
			c->login = LOGIN_HOSTKEYS;
			return;
		}
		ssh_no_login(d, c, now);
		break;
	case PART_KEX:
	case PART_SESSION:
		return;
	default:
		break;
	}
	/* more answers after the first packet: requests the client sent
	 * apart, answered apart (a refusal after junk's UNIMPLEMENTED) */
	if (rest >= c->accept && !ssh_rekey(c, rest))
		ssh_answer(d, c, rest, now);
}

/* SSH: @size of a server reply (or, @more, the whole of one whose first
 * packet was seen) in connection @c. */
static void ssh_reply(struct mw_dict *d, struct conn *c, uint32_t size, bool more, uint64_t now)
{
	if (!c->auth) {
		/* the version line and KEXINIT may come in one burst, the
		 * line its first packet */
		if (more && c->eager <= SMALL_REPLY && size > c->eager + SMALL_REPLY) {
			if (!c->kexinit)
				c->kexinit = size - c->eager;
			if (c->big < 255)
				c->big++;
		} else if (size > SMALL_REPLY && !more) {
			if (!c->kexinit)
				c->kexinit = size;
			if (c->big < 255)
				c->big++;
		} else if (size <= SMALL_REPLY && c->big >= 2 && !more) {
			/* the first small reply after the key exchange accepts
			 * the "ssh-userauth" service: the authentication starts */
			c->auth = true;
			c->accept = size;
		}
		return;
	}
	if (more)
		ssh_rest(d, c, size, c->eager, now);
	else
		ssh_first(d, c, size, now);
}

/* RDP and other encrypted services: a small reply that repeats is a
 * refusal; a large reply after the authentication is some session, which
 * ends the counting but takes nothing back (it may be a way in, or not). */
static void size_reply(struct mw_dict *d, struct conn *c, uint32_t size, bool more, uint64_t now)
{
	unsigned i;

	if (more)
		return;
	if (size > SMALL_REPLY) {
		if (c->max_count >= 2)
			c->over = true;
		else if (c->big < 255)
			c->big++;
		return;
	}
	for (i = 0; i < c->n_sizes && c->sizes[i].size != size; i++)
		;
	if (i == c->n_sizes) {
		if (c->n_sizes == MAX_SIZES)
			return;
		c->sizes[c->n_sizes].size = size;
		c->sizes[c->n_sizes++].count = 0;
	}
	c->sizes[i].count++;
	if (c->sizes[i].count > c->max_count) {
		c->max_count = c->sizes[i].count;
		if (c->max_count >= 2) {
			c->evidence = "repeated refusal size";
			dict_add_try(d, c, now);
		}
	}
}

/* HTTPS: a login form refused again answers with the same page for a
 * request that differs by the password's length; a poller or a health
 * check repeats its request exactly, and a page's objects differ in size. */
static void tls_http_reply(struct mw_dict *d, struct conn *c, uint32_t size, bool more,
			   uint64_t now)
{
	struct src *s;
	uint32_t delta;

	if (more || !c->last_client)
		return;
	/* the TLS handshake's replies (ServerHello and certificate, then the
	 * session tickets) are no answer to a request */
	if (c->replies < 2) {
		c->replies++;
		return;
	}
	if (size > TLS_HTTP_REPLY || size < TLS_HTTP_REPLY_MIN || c->last_client < TLS_HTTP_REQ_MIN)
		return;
	s = dict_conn_src(d, c);
	if (!s)
		return;
	delta = s->tls_req > c->last_client ? s->tls_req - c->last_client :
					      c->last_client - s->tls_req;
	if (s->tls_reply == size && delta && delta <= TLS_HTTP_REQ_DELTA) {
		c->evidence = "HTTPS: same reply to requests differing by a password's length";
		dict_add_final(d, c, now);
	}
	s->tls_req = c->last_client;
	s->tls_reply = size;
}

/*
 * HTTP in clear text: a login form refused with 200 answers a POST to its
 * path with the same page again. The request's method and path are the
 * first bytes of the client's burst; a browser's GETs of objects of one
 * size, a poller's GETs and a webhook's POSTs answered 204 are none of it.
 * The latest POST's path and the size of the page that answered it are
 * kept with the source (in the fields its HTTPS requests use: one source
 * rarely mixes both, and a mix only loses a match).
 */
#define HTTP_FORM_PAGE_MIN 400 /* a page that says no, headers included: not an API's ack */
#define HTTP_FORM_PAGE_DELTA 16 /* the page may echo the user name or a counter */

/* Words of a login endpoint's path (/login, /wp-login.php, /user/signin,
 * /api/auth, /admin/session...): a search or a comment form answered by
 * pages of one size is no login, and is left alone. */
static const char *const http_login_words[] = { "login", "logon",   "signin", "sign_in", "sign-in",
						"auth",	 "session", "passw",  "admin" };

static bool http_login_path(const uint8_t *path, unsigned len)
{
	char low[MW_HEAD_MAX + 1];
	unsigned i;

	for (i = 0; i < len && i < MW_HEAD_MAX; i++)
		low[i] = (char)(path[i] >= 'A' && path[i] <= 'Z' ? path[i] + 32 : path[i]);
	low[i] = '\0';
	for (i = 0; i < ARRAY_SIZE(http_login_words); i++)
		if (strstr(low, http_login_words[i]))
			return true;
	return false;
}

/* A hash of a login POST's method and path, 0 for any other request. */
static uint32_t http_post_path(const uint8_t *head, unsigned len)
{
	unsigned i;

	if (len < 6 || memcmp(head, "POST /", 6))
		return 0;
	for (i = 5; i < len && head[i] != ' ' && head[i] != '?'; i++)
		;
	if (!http_login_path(head + 5, i - 5))
		return 0;
	return hash_bytes(head, i) | 1;
}

static void http_form_reply(struct mw_dict *d, struct conn *c, uint32_t size, uint64_t now)
{
	struct src *s;
	uint32_t delta;

	c->http_200 = false;
	if (!c->http_req || size < HTTP_FORM_PAGE_MIN)
		return;
	s = dict_conn_src(d, c);
	if (!s)
		return;
	delta = s->tls_reply > size ? s->tls_reply - size : size - s->tls_reply;
	/* a guesser's POSTs differ by their passwords' lengths; a client that
	 * posts the same form again and again (a poller) does not */
	if (s->tls_req == c->http_req && c->last_client != s->http_req_size)
		s->http_varied = true;
	else if (s->tls_req != c->http_req)
		s->http_varied = false;
	if (s->tls_req == c->http_req && delta <= HTTP_FORM_PAGE_DELTA && s->http_varied) {
		c->evidence = "HTTP: the same 200 page answering POSTs to one login path";
		dict_add_final(d, c, now);
	}
	s->tls_req = c->http_req;
	s->tls_reply = size;
	s->http_req_size = c->last_client;
}

static void server_reply(struct mw_dict *d, struct conn *c, uint32_t size, const uint8_t *head,
			 unsigned head_len, bool more, unsigned exchanges, uint64_t now)
{
	if (c->over)
		return;
	if (c->svc == MW_SVC_RDP && exchanges > LOGIN_EXCHANGES) {
		/* no login takes this long: a session, or no login at all */
		dict_finalize(d, c, now);
		c->over = true;
		return;
	}
	/* SSH is encrypted after its version lines: its bytes are never a
	 * clear-text reply code, whatever they happen to look like */
	if (!more && head_len && c->svc != MW_SVC_SSH) {
		struct mw_reply r = mw_login_reply(head, head_len, ntohs(c->key.local_port));

		if (r.kind != MW_REPLY_OPAQUE)
			c->clear = true;
		switch (r.kind) {
		case MW_REPLY_REFUSED:
			c->evidence = r.proto;
			dict_add_try(d, c, now);
			return;
		case MW_REPLY_ACCEPTED:
			dict_login(d, c, now);
			return;
		case MW_REPLY_OTHER:
			c->http_200 = c->svc == MW_SVC_HTTP && r.code == 200;
			return;
		case MW_REPLY_OPAQUE:
			break;
		}
	}
	if (c->clear)
		return;
	switch (c->svc) {
	case MW_SVC_SSH:
		ssh_reply(d, c, size, more, now);
		break;
	case MW_SVC_HTTP:
		tls_http_reply(d, c, size, more, now);
		break;
	default:
		size_reply(d, c, size, more, now);
	}
}

#define PENDING_IDLE_NS (5ULL * 1000000000ULL)

/* Refused, then quiet: no login came to take these back (a user retypes
 * in seconds, and a login later takes back its connection's final tries
 * too). A connection held open must not keep its tries out of the window. */
static void conn_quiet(struct mw_dict *d, struct conn *c, uint64_t now)
{
	if (c->pending)
		dict_finalize(d, c, now);
	/* SSH: its one answer was a refusal (one password a connection) */
	if (c->svc == MW_SVC_SSH && c->first_reply && !c->success && !c->final) {
		c->evidence = "SSH authentication refused, then the client went quiet";
		dict_add_try(d, c, now);
	}
}

/* --- connections --------------------------------------------------------- */

static void conn_drop(struct mw_dict *d, struct conn **pp)
{
	struct conn *c = *pp;

	dict_pend_remove(c);
	if (c->src)
		c->src->refs--;
	*pp = c->next;
	free(c);
	d->n_conns--;
}

static struct conn **conn_slot(struct mw_dict *d, const struct mw_flow_key *key, uint64_t first_ns)
{
	struct conn **pp = &d->conns[hash_bytes(key, sizeof(*key)) % CONN_BUCKETS];

	for (; *pp; pp = &(*pp)->next)
		if ((*pp)->first_ns == first_ns && !memcmp(&(*pp)->key, key, sizeof(*key)))
			break;
	return pp;
}

/*
 * The table is full (connections whose ends never came: evicted from the
 * flow table, or a client that kept them open on purpose): the least
 * recently active connection of a few buckets near @key's gives way, its
 * pending tries counted, so that no one can blind the detector by filling
 * the table, nor hide its own tries by getting them evicted.
 */
static void evict_one(struct mw_dict *d, const struct mw_flow_key *key, uint64_t now)
{
	uint32_t h = hash_bytes(key, sizeof(*key)) % CONN_BUCKETS;
	struct conn **best = NULL, **pp;
	unsigned i;

	for (i = 0; i < 8; i++)
		for (pp = &d->conns[(h + i) % CONN_BUCKETS]; *pp; pp = &(*pp)->next)
			if (!best || (*pp)->last_ns < (*best)->last_ns)
				best = pp;
	for (i = 8; !best && i < CONN_BUCKETS; i++) /* sparse table: look further */
		if (d->conns[(h + i) % CONN_BUCKETS])
			best = &d->conns[(h + i) % CONN_BUCKETS];
	if (!best)
		return;
	if (!(*best)->logged_in)
		dict_finalize(d, *best, now);
	conn_drop(d, best);
}

/* Internal clients are exempt from HTTPDICT unless configured: a load
 * balancer, a monitoring system and an office proxy are many users. */
static bool exempt(const struct mw_dict *d, unsigned svc, const struct mw_flow_key *key)
{
	return svc == MW_SVC_HTTP && !d->cfg.http_internal &&
	       mw_prefixes_contain(d->cfg.internal, d->cfg.n_internal,
				   (const struct mw_addr *)key->remote_addr);
}

void mw_dict_burst(struct mw_dict *d, const struct mw_event_burst *ev)
{
	struct conn **pp, *c;
	uint64_t now = ev->hdr.ts_ns;

	/* a connection whose handshake was not seen complete, in order, may
	 * be forged: it is no evidence */
	if (ev->svc == MW_SVC_NONE || ev->svc >= MW_SVC_MAX || !ev->handshake)
		return;
	if (exempt(d, ev->svc, &ev->key))
		return;
	pp = conn_slot(d, &ev->key, ev->first_ns);
	c = *pp;
	if (!c) {
		if (d->n_conns >= MAX_CONNS)
			evict_one(d, &ev->key, now);
		c = calloc(1, sizeof(*c));
		if (!c)
			return;
		c->key = ev->key;
		c->first_ns = ev->first_ns;
		c->svc = ev->svc;
		*pp = c;
		d->n_conns++;
	}
	c->last_ns = now;
	c->ifindex = ev->hdr.ifindex;
	c->exchanges = ev->exchanges;
	/* the server is the local side: its bursts go out */
	if (ev->hdr.dir == MW_DIR_OUT) {
		if (c->http_200 && !c->over)
			http_form_reply(d, c, ev->bytes, now);
		/* the client speaks next: its request's first bytes, if the
		 * datapath sent them (the method and path of an HTTP request) */
		c->http_req =
			c->svc == MW_SVC_HTTP ?
				http_post_path(ev->next_head, ev->next_head_len < MW_HEAD_MAX ?
								      ev->next_head_len :
								      MW_HEAD_MAX) :
				0;
		if (!ev->bytes || (c->eager && c->eager == ev->bytes)) {
			/* the one-packet reply seen at its start; SSH reads its end */
			if (ev->bytes && c->svc == MW_SVC_SSH && !c->over && c->auth)
				ssh_rest(d, c, ev->bytes, c->eager, now);
			c->eager = 0;
			return;
		}
		server_reply(d, c, ev->bytes, NULL, 0, c->eager != 0, ev->exchanges, now);
		c->eager = 0;
		return;
	}
	/* the client's request ended because the server answers: a one-packet
	 * answer, such as a refusal, is complete already; read it now rather
	 * than when the client speaks again */
	c->last_client = ev->bytes;
	c->eager = 0;
	if (ev->next_bytes) {
		c->eager = ev->next_bytes;
		server_reply(d, c, ev->next_bytes, ev->next_head,
			     ev->next_head_len < MW_HEAD_MAX ? ev->next_head_len : MW_HEAD_MAX,
			     false, ev->exchanges, now);
	}
}

void mw_dict_flow_end(struct mw_dict *d, const struct mw_event_flow *ev)
{
	const struct mw_flow *f = &ev->flow;
	struct conn **pp, *c, tmp;
	uint64_t now = ev->hdr.ts_ns;

	if (f->svc == MW_SVC_NONE || f->svc >= MW_SVC_MAX)
		return;
	pp = conn_slot(d, &ev->key, f->first_ns);
	c = *pp;
	if (!f->handshake || exempt(d, f->svc, &ev->key)) {
		if (c)
			conn_drop(d, pp);
		return;
	}
	if (!c) {
		memset(&tmp, 0, sizeof(tmp));
		tmp.key = ev->key;
		tmp.first_ns = f->first_ns;
		tmp.svc = f->svc;
		tmp.ifindex = ev->hdr.ifindex;
		c = &tmp;
	}
	/* the last burst, if the server had the last word */
	if (f->last_data_dir == MW_DIR_OUT && f->burst_bytes &&
	    f->exchanges <= MW_BURST_EVENTS_MAX) {
		if (c->http_200 && !c->over)
			http_form_reply(d, c, f->burst_bytes, now);
		else if (c->eager != f->burst_bytes)
			server_reply(d, c, f->burst_bytes, NULL, 0, c->eager != 0, f->exchanges,
				     now);
		else if (c->svc == MW_SVC_SSH && !c->over && c->auth)
			ssh_rest(d, c, f->burst_bytes, c->eager, now);
	}
	/* RDP puts one try in a connection: a short one that completed its
	 * handshake and got no further than the TLS and CredSSP exchange (two
	 * large bursts at most) is one try */
	if (c->svc == MW_SVC_RDP && !c->over && !c->final && f->exchanges >= 4 && c->big <= 2 &&
	    f->last_ns - f->first_ns < LONG_CONN_NS) {
		c->evidence = "short connection without a session";
		dict_add_try(d, c, now);
	}
	/* SSH: refused and gone without a counted try: asked for the methods
	 * and left (hydra's first connection, a client with no usable key),
	 * or one password a connection. A session that was not recognised
	 * showed SUCCESS's size and went on longer */
	if (c->svc == MW_SVC_SSH && c->first_reply && !c->logged_in && !c->final && !c->pending &&
	    (!c->success || f->exchanges <= c->first_reply_at + SSH_LEFT_EXCHANGES)) {
		c->evidence = "SSH authentication refused, then the client left";
		dict_add_try(d, c, now);
	}
	/* SSH: past the exchanges the datapath reports, with never a reply of
	 * SUCCESS's size: whatever the client did there, it did not log in.
	 * Its round trips there may each have been a refused password */
	if (c->svc == MW_SVC_SSH && c->auth && !c->success && f->exchanges > MW_BURST_EVENTS_MAX) {
		unsigned n = (f->exchanges - MW_BURST_EVENTS_MAX) / 2;

		c->evidence = "SSH authentication past the exchanges seen, without a login";
		for (n = n < SSH_PIPELINED_MAX ? n : SSH_PIPELINED_MAX; n; n--)
			dict_add_pending(d, c, now);
	}
	/* ended without a login: its pending tries were refusals */
	if (!c->logged_in)
		dict_finalize(d, c, now);
	else if (d->login) {
		struct mw_addr src;

		memcpy(src.addr, c->key.remote_addr, 16);
		d->login(d->arg, c->svc, &src, ntohs(c->key.remote_port), false);
	}
	if (c != &tmp)
		conn_drop(d, pp);
	else if (tmp.src)
		tmp.src->refs--; /* taken by dict_conn_src() for a connection never kept */
}

void mw_dict_tick(struct mw_dict *d, uint64_t now)
{
	uint64_t window = window_ns(d);
	size_t i;

	/* connections whose end we missed (evicted from the flow table) */
	for (i = 0; i < CONN_BUCKETS; i++) {
		struct conn **pp = &d->conns[i];

		while (*pp) {
			struct conn *c = *pp;

			if (now - c->last_ns > 2 * window + LONG_CONN_NS) {
				if (!c->logged_in)
					dict_finalize(d, c, now);
				conn_drop(d, pp);
				continue;
			}
			if (!c->logged_in && now - c->last_ns > PENDING_IDLE_NS)
				conn_quiet(d, c, now);
			pp = &c->next;
		}
	}
	dict_tries_tick(d, now);
}
