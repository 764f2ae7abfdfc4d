// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_dict.c - the dictionary-attack detector (detect/dict.c) fed the
 * events the datapath sends for real connections: SSH sessions captured
 * here with OpenSSH 9.2 (sshpass, keys, hydra's libssh), clear-text replies
 * of real servers, and the tricks an attacker plays on it. Each row is a
 * connection as its bursts: positive from the server, negative from the
 * client, with the first packet's size and bytes where they matter.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include "lib/addr.h"
#include "parse/config.h"
#include "detect/dict.h"
#include "dict_cfg.h"
#include "test.h"
#include "lib/util.h"

#define MS 1000000ULL

struct dets {
	struct mw_dict_detection d[64];
	int n;
	int logins, logouts;
};

static void on_det(void *arg, const struct mw_dict_detection *det)
{
	struct dets *ds = arg;

	if (getenv("TEST_DICT_VERBOSE")) {
		char a[MW_ADDRSTRLEN];

		fprintf(stderr, "detection: %s %s attempts %u (%s)\n", det->method,
			mw_addr_str(&det->src, a, sizeof(a)), det->attempts, det->evidence);
	}
	if (ds->n < 64)
		ds->d[ds->n++] = *det;
}

static void on_login(void *arg, unsigned svc, const struct mw_addr *src, uint16_t port, bool up)
{
	struct dets *ds = arg;

	if (up)
		ds->logins++;
	else
		ds->logouts++;
}

/* One burst: @size bytes; a server reply's first packet is @first bytes
 * (0: the whole reply is one packet) and begins with @text. */
struct step {
	int size;
	int first;
	const char *text;
	int text_len; /* bytes of @text when they hold a NUL; 0: a string */
};

/* A connection being played, one burst at a time, as the datapath reports
 * it: an event each time the talking side changes, the flow's end last. */
struct conn {
	struct mw_dict *d;
	struct mw_flow_key key;
	const struct step *s;
	int n, i;
	unsigned svc;
	bool handshake;
	uint64_t first_ns;
	uint32_t exchanges;
};

static uint64_t T; /* the test's clock, ns */

static void step_head(struct mw_event_burst *b, const struct step *st)
{
	size_t len = st->text_len ? (size_t)st->text_len : strlen(st->text);

	b->next_head_len = len < MW_HEAD_MAX ? len : MW_HEAD_MAX;
	memcpy(b->next_head, st->text, b->next_head_len);
}

static void conn_open(struct conn *c, struct mw_dict *d, const char *src, uint16_t sport,
		      unsigned svc, uint16_t dport, const struct step *s, int n)
{
	struct mw_addr a;

	memset(c, 0, sizeof(*c));
	c->d = d;
	c->key.proto = IPPROTO_TCP;
	mw_addr_parse("192.0.2.1", &a);
	memcpy(c->key.local_addr, a.addr, 16);
	mw_addr_parse(src, &a);
	memcpy(c->key.remote_addr, a.addr, 16);
	c->key.local_port = htons(dport);
	c->key.remote_port = htons(sport);
	c->s = s;
	c->n = n;
	c->svc = svc;
	c->handshake = true;
	c->first_ns = T;
}

/* Plays the next burst; false once the connection has ended. */
static bool conn_step(struct conn *c, uint64_t step_ns)
{
	struct mw_event_burst b = { .hdr = { .type = MW_EV_BURST } };
	const struct step *prev, *cur;

	T += step_ns;
	if (c->i >= c->n) {
		struct mw_event_flow end = { .hdr = { .type = MW_EV_FLOW_END, .ts_ns = T } };
		const struct step *last = c->n ? &c->s[c->n - 1] : NULL;

		end.key = c->key;
		end.flow.first_ns = c->first_ns;
		end.flow.last_ns = T;
		end.flow.svc = c->svc;
		end.flow.handshake = c->handshake;
		end.flow.exchanges = c->exchanges;
		end.flow.last_data_dir = last && last->size > 0 ? MW_DIR_OUT : MW_DIR_IN;
		end.flow.burst_bytes = last ? abs(last->size) : 0;
		mw_dict_flow_end(c->d, &end);
		c->i++;
		return false;
	}
	cur = &c->s[c->i++];
	if (c->i == 1) {
		/* a client's first bytes given: the datapath's event at a
		 * watched flow's first data packet */
		if (cur->size < 0 && cur->text) {
			b.hdr.ts_ns = T;
			b.hdr.dir = MW_DIR_OUT;
			b.key = c->key;
			b.svc = c->svc;
			b.handshake = c->handshake;
			b.first_ns = c->first_ns;
			b.next_bytes = abs(cur->size);
			step_head(&b, cur);
			mw_dict_burst(c->d, &b);
		}
		return true;
	}
	prev = cur - 1;
	b.hdr.ts_ns = T;
	b.key = c->key;
	b.svc = c->svc;
	b.handshake = c->handshake;
	b.first_ns = c->first_ns;
	b.exchanges = ++c->exchanges;
	b.bytes = abs(prev->size);
	b.hdr.dir = prev->size > 0 ? MW_DIR_OUT : MW_DIR_IN;
	b.next_bytes = cur->first ? cur->first : abs(cur->size);
	if (cur->text)
		step_head(&b, cur);
	/* the datapath reports the first exchanges only */
	if (b.exchanges <= MW_BURST_EVENTS_MAX)
		mw_dict_burst(c->d, &b);
	return true;
}

static void play(struct mw_dict *d, const char *src, uint16_t sport, unsigned svc, uint16_t dport,
		 const struct step *s, int n, uint64_t step_ns)
{
	struct conn c;

	conn_open(&c, d, src, sport, svc, dport, s, n);
	while (conn_step(&c, step_ns))
		;
}

#define PLAY(d, src, sport, svc, dport, rows, step) \
	play(d, src, sport, svc, dport, rows, ARRAY_SIZE(rows), step)

/* --- SSH, captured here: OpenSSH 9.2 server, chacha20-poly1305 ------------ */

/* version, KEXINIT, sntrup761x25519 KEX, NEWKEYS + service request/accept */
#define SSH_KEX                                                             \
	{ -41 }, { 41 }, { -1560 }, { 1088 }, { -1208 }, { 1564 }, { -60 }, \
	{                                                                   \
		44                                                          \
	}

/* sshpass + ssh uptime: "none" refused (52), the password accepted (28),
 * OpenSSH's host-key announcement, the command's output */
static const struct step ssh_password_ok[] = {
	SSH_KEX,      { -68 },	{ 52 }, { -148 }, { 28 },  { -112 },
	{ 160, 116 }, { -112 }, { 72 }, { -36 },  { 340 }, { -96 },
};
/* sshpass with a wrong password: refused, and the client gives up */
static const struct step ssh_password_bad[] = { SSH_KEX, { -68 }, { 52 }, { -84 }, { 52 } };
/* ssh -i k1 -i k2 -i k3 -i good: three keys refused, the fourth accepted
 * (PK_OK 100, then the signature), then the command */
static const struct step ssh_keys[] = {
	SSH_KEX,      { -60 },	{ 52 },	  { -140 }, { 52 },   { -140 }, { 52 },
	{ -140 },     { 52 },	{ -140 }, { 100 },  { -308 }, { 28 },	{ -112 },
	{ 472, 272 }, { -112 }, { 72 },	  { -36 },  { 224 },  { -96 },
};
/* the same with SUCCESS and the host keys in one burst, the channel's
 * confirmation alone, then the output */
static const struct step ssh_keys_coalesced[] = {
	SSH_KEX,  { -60 },  { 52 },   { -140 }, { 52 },	  { -140 },    { 52 },
	{ -140 }, { 52 },   { -140 }, { 100 },	{ -308 }, { 144, 28 }, { -112 },
	{ 44 },	  { -112 }, { 72 },   { -36 },	{ 224 },  { -96 },
};
/* ssh -i key with BatchMode, against an sshd that offers keyboard-interactive
 * too (refusal 76): PK_OK, the signature, SUCCESS, then the session's own
 * small replies (28) repeating */
static const struct step ssh_key_batch[] = {
	SSH_KEX,      { -60 },	{ 76 }, { -140 }, { 100 }, { -308 }, { 28 },	  { -112 },
	{ 472, 272 }, { -120 }, { 72 }, { -88 },  { 28 },  { -52 },  { 196, 28 }, { -96 },
};
/* paramiko 2.12 (aes128-ctr, hmac-sha2-256: SERVICE_ACCEPT 64, SUCCESS 48,
 * no "none" probe): its key accepted at once, SUCCESS the first reply, the
 * host keys and the channel, then an SFTP session (measured against OpenSSH
 * 9.2: put, get, ls) */
static const struct step ssh_paramiko_sftp[] = {
	{ -25 },   { 41 },  { -1168 },	  { 1088 }, { -48 }, { 544 }, { -80 }, { 64 },	{ -240 },
	{ 48 },	   { -80 }, { 352, 288 }, { -80 },  { 112 }, { -64 }, { 384 }, { -96 }, { 80 },
	{ -3088 }, { 80 },  { -80 },	  { 80 },   { -80 }, { 96 },  { -80 }, { 96 },	{ -96 },
	{ 80 },	   { -80 }, { 3072 },	  { -80 },  { 96 },  { -80 }, { 96 },  { -80 }, { 80 },
	{ -80 },   { 80 },  { -80 },	  { 1376 }, { -80 }, { 96 },  { -80 }, { 80 },
};
/* an ssh-agent with five keys refused before the sixth, within sshd's
 * MaxAuthTries */
static const struct step ssh_six_keys[] = {
	SSH_KEX, { -60 },  { 52 },	 { -140 }, { 52 }, { -140 }, { 52 },  { -140 },
	{ 52 },	 { -140 }, { 52 },	 { -140 }, { 52 }, { -140 }, { 100 }, { -308 },
	{ 28 },	 { -112 }, { 472, 272 }, { -112 }, { 72 }, { -36 },  { 224 }, { -96 },
};
/* an interactive login: a typo, then the right password */
static const struct step ssh_typo[] = {
	SSH_KEX,  { -68 },	{ 52 },	  { -148 }, { 52 },  { -148 }, { 28 },
	{ -112 }, { 160, 116 }, { -112 }, { 72 },   { -36 }, { 340 },  { -96 },
};
/* hydra 9.4 (libssh): "none", then passwords until sshd's MaxAuthTries */
static const struct step ssh_hydra[] = {
	{ -23 }, { 41 }, { -904 }, { 1088 }, { -48 }, { 524 }, { -60 }, { 44 },
	{ -68 }, { 52 }, { -76 },  { 52 },   { -76 }, { 52 },  { -76 }, { 52 },
	{ -76 }, { 52 }, { -76 },  { 52 },   { -76 }, { 52 },  { -76 }, { 76 },
};
/* hydra's first connection: asks for the methods ("none", refused), leaves */
static const struct step ssh_hydra_probe[] = {
	{ -23 }, { 41 }, { -904 }, { 1088 }, { -48 }, { 524 },
	{ -60 }, { 44 }, { -68 },  { 52 },   { -52 },
};
/* zeek/sshguess.pcap: the OpenSSH client probes none and publickey first */
static const struct step ssh_sshguess[] = {
	{ -21 }, { 32 }, { -1592 }, { 952 }, { -24 },  { 280 }, { -272 }, { 848 }, { -72 },  { 56 },
	{ -72 }, { 56 }, { -376 },  { 56 },  { -152 }, { 56 },	{ -152 }, { 56 },  { -152 }, { 56 },
};
/* an attacker's tricks: two passwords, junk answered by UNIMPLEMENTED (36,
 * smaller than the refusal, as a success would be), then more passwords */
static const struct step ssh_junk[] = {
	SSH_KEX, { -68 }, { 52 }, { -76 }, { 52 }, { -76 }, { 52 }, { -40 }, { 36 }, { -40 },
	{ 36 },	 { -76 }, { 52 }, { -76 }, { 52 }, { -76 }, { 52 }, { -76 }, { 52 },
};
/* ... junk first, so that UNIMPLEMENTED is the first reply of all */
static const struct step ssh_junk_first[] = {
	SSH_KEX, { -40 }, { 36 },  { -76 }, { 52 },  { -76 }, { 52 },
	{ -76 }, { 52 },  { -76 }, { 52 },  { -76 }, { 52 },
};
/* ... and UNIMPLEMENTED followed by a key re-exchange: the large replies
 * of a KEX answer small client messages too */
static const struct step ssh_rekey[] = {
	SSH_KEX,  { -68 },  { 52 },  { -76 }, { 52 },  { -76 }, { 52 },	 { -40 }, { 36 },
	{ -200 }, { 1088 }, { -64 }, { 600 }, { -76 }, { 52 },	{ -76 }, { 52 },
};

static void t_ssh_benign(void *arg)
{
	struct mw_config cfg;
	struct dets ds = { .n = 0 };
	struct mw_addr a;
	struct mw_dict *d;
	int i;

	mw_config_defaults(&cfg);
	d = test_dict_new(&cfg, on_det, &ds);
	mw_dict_on_login(d, on_login);
	T = 1000 * MS;
	for (i = 0; i < 20; i++)
		PLAY(d, "198.51.100.20", 40000 + i, MW_SVC_SSH, 22, ssh_password_ok, 5 * MS);
	ASSERT_EQ(ds.logins, 20, "password automation: 20 logins recognised");
	ASSERT_EQ(ds.logouts, 20, "and their ends");
	for (i = 0; i < 5; i++)
		PLAY(d, "198.51.100.21", 41000 + i, MW_SVC_SSH, 22, ssh_keys, 5 * MS);
	for (i = 0; i < 5; i++)
		PLAY(d, "198.51.100.21", 41100 + i, MW_SVC_SSH, 22, ssh_keys_coalesced, 5 * MS);
	ASSERT_EQ(ds.logins, 30, "three refused keys, then the right one: logins recognised");
	for (i = 0; i < 10; i++)
		PLAY(d, "198.51.100.21", 41200 + i, MW_SVC_SSH, 22, ssh_key_batch, 5 * MS);
	ASSERT_EQ(ds.logins, 40, "key logins, the session's small replies repeating: recognised");
	mw_addr_parse("198.51.100.21", &a);
	ASSERT_EQ(mw_dict_attempts(d, &a, MW_SVC_SSH), 0, "refused keys: no tries left");
	for (i = 0; i < 3; i++) {
		PLAY(d, "198.51.100.22", 42000 + 2 * i, MW_SVC_SSH, 22, ssh_password_bad, 5 * MS);
		PLAY(d, "198.51.100.22", 42001 + 2 * i, MW_SVC_SSH, 22, ssh_password_ok, 5 * MS);
		PLAY(d, "198.51.100.22", 42100 + i, MW_SVC_SSH, 22, ssh_typo, 5 * MS);
	}
	for (i = 0; i < 10; i++)
		PLAY(d, "198.51.100.23", 43000 + i, MW_SVC_SSH, 22, ssh_paramiko_sftp, 5 * MS);
	for (i = 0; i < 3; i++)
		PLAY(d, "198.51.100.24", 43100 + i, MW_SVC_SSH, 22, ssh_six_keys, 5 * MS);
	{
		/* three clients of one address at once, a refused key each
		 * before the right one (git submodule --jobs 3, pssh) */
		static const struct step one_key[] = {
			SSH_KEX,  { -60 }, { 52 },   { -140 },	   { 52 },   { -140 }, { 100 },
			{ -308 }, { 28 },  { -112 }, { 472, 272 }, { -112 }, { 72 },   { -96 },
		};
		struct conn c[3];
		bool more = true;

		for (i = 0; i < 3; i++)
			conn_open(&c[i], d, "198.51.100.25", 44000 + i, MW_SVC_SSH, 22, one_key,
				  ARRAY_SIZE(one_key));
		while (more) {
			more = false;
			for (i = 0; i < 3; i++)
				more |= conn_step(&c[i], MS);
		}
	}
	ASSERT_EQ(
		ds.n, 0,
		"automation, keys, typos, paramiko SFTP, five refused keys, parallel clients: no detection");
	mw_dict_free(d);
}

/* hydra -t 4: four connections guessing at once */
static void t_ssh_hydra(void *arg)
{
	struct mw_config cfg;
	struct dets ds = { .n = 0 };
	struct conn c[4];
	struct mw_dict *d;
	bool more = true;
	int i, tries_at_detection = -1, tries = 0;

	mw_config_defaults(&cfg);
	d = test_dict_new(&cfg, on_det, &ds);
	T = 1000 * MS;
	PLAY(d, "198.51.100.66", 49999, MW_SVC_SSH, 22, ssh_hydra_probe, MS);
	for (i = 0; i < 4; i++)
		conn_open(&c[i], d, "198.51.100.66", 50000 + i, MW_SVC_SSH, 22, ssh_hydra,
			  ARRAY_SIZE(ssh_hydra));
	while (more) {
		more = false;
		for (i = 0; i < 4; i++) {
			/* a password refused: the client's burst ends at a 52 */
			if (c[i].i > 10 && c[i].i < c[i].n && c[i].s[c[i].i].size == 52)
				tries++;
			more |= conn_step(&c[i], MS);
			if (ds.n && tries_at_detection < 0)
				tries_at_detection = tries;
		}
	}
	if (ASSERT_EQ(ds.n, 1, "one detection")) {
		ASSERT_STREQ(ds.d[0].method, "SSHDICT", "method");
		ASSERT_EQ(ds.d[0].attempts, 3, "detected at the third try");
		ASSERT_TRUE(tries_at_detection > 0 && tries_at_detection <= 2,
			    "the probe, then at most 2 passwords refused before the detection");
		ASSERT_STREQ(ds.d[0].evidence, "SSH USERAUTH_FAILURE repeated", "evidence");
	}
	mw_dict_free(d);

	/* hydra -t 1: one connection at a time, up to sshd's limit each */
	ds.n = 0;
	d = test_dict_new(&cfg, on_det, &ds);
	PLAY(d, "198.51.100.67", 51000, MW_SVC_SSH, 22, ssh_hydra, MS);
	if (ASSERT_EQ(ds.n, 1, "one connection of 6 refusals: detected"))
		ASSERT_TRUE(ds.d[0].attempts >= 3 && ds.d[0].attempts <= 5,
			    "at the connection's grace");
	mw_dict_free(d);

	ds.n = 0;
	d = test_dict_new(&cfg, on_det, &ds);
	PLAY(d, "192.168.56.1", 55470, MW_SVC_SSH, 22, ssh_sshguess, 300 * MS);
	ASSERT_EQ(ds.n, 1, "zeek sshguess: one connection of the capture is enough");
	mw_dict_free(d);
}

static void t_ssh_tricks(void *arg)
{
	struct mw_config cfg;
	struct dets ds = { .n = 0 };
	struct mw_dict *d;
	int i;

	mw_config_defaults(&cfg);
	d = test_dict_new(&cfg, on_det, &ds);
	mw_dict_on_login(d, on_login);
	T = 1000 * MS;
	PLAY(d, "198.51.100.70", 52000, MW_SVC_SSH, 22, ssh_junk, MS);
	ASSERT_EQ(ds.logins, 0, "junk answered UNIMPLEMENTED is no login");
	ASSERT_EQ(ds.n, 1, "passwords around junk: detected");
	PLAY(d, "198.51.100.71", 52001, MW_SVC_SSH, 22, ssh_rekey, MS);
	ASSERT_EQ(ds.logins, 0, "a key re-exchange after junk is no login");
	ASSERT_EQ(ds.n, 2, "passwords around junk and a re-exchange: detected");
	PLAY(d, "198.51.100.73", 52002, MW_SVC_SSH, 22, ssh_junk_first, MS);
	ASSERT_EQ(ds.logins, 0, "junk first is no login");
	ASSERT_EQ(ds.n, 3, "junk first, then passwords: detected");
	mw_dict_free(d);

	/* forged connections (no handshake seen in order) are no evidence */
	ds.n = 0;
	d = test_dict_new(&cfg, on_det, &ds);
	for (i = 0; i < 20; i++) {
		struct conn c;

		conn_open(&c, d, "198.51.100.72", 53000 + i, MW_SVC_SSH, 22, ssh_hydra,
			  ARRAY_SIZE(ssh_hydra));
		c.handshake = false;
		while (conn_step(&c, MS))
			;
	}
	ASSERT_EQ(ds.n, 0, "unverified connections: nothing");
	mw_dict_free(d);
}

/* --- SSH under each cipher: sizes measured against OpenSSH 9.2 ---------- */

/* The sizes a cipher gives the messages that matter (SERVICE_ACCEPT,
 * SUCCESS, UNIMPLEMENTED, FAILURE for "publickey,password", PK_OK of an
 * ed25519 and of an RSA-3072 key) and the burst after SUCCESS that holds
 * OpenSSH's host keys (measured: ssh -c CIPHER -m MAC, paramiko; etm through
 * the datapath, where the host keys share a packet with the next message). */
struct cipher {
	const char *name;
	int accept, success, junk, refusal, pk_ok, pk_ok_rsa;
	struct step hostkeys;
};

static const struct cipher ciphers[] = {
	{ "chacha20-poly1305", 44, 28, 36, 52, 100, 460, { 456, 264 } },
	{ "aes128-gcm", 52, 36, 36, 52, 100, 468, { 464, 264 } },
	{ "aes128-ctr hmac-sha2-256-etm", 68, 52, 52, 68, 116, 484, { 560, 312 } },
	{ "aes128-ctr hmac-sha2-256 (paramiko)", 64, 48, 48, 96, 112, 480, { 352, 288 } },
};

/*
 * Builds a connection under cipher @ci from @plan, one letter a step:
 * K the key exchange and the service accepted; N the "none" probe refused;
 * P a password refused; J junk answered by UNIMPLEMENTED; j four junk
 * messages at once (one packet); C and D a password sent with one or two
 * junk messages; O and Q PK_OK (ed25519, RSA), one packet; R a key
 * re-exchange the client starts, r one whose KEXINIT is a little smaller;
 * B the "none" probe answered with a 400-byte banner; W a signature
 * accepted (SUCCESS); H OpenSSH's host keys with the channel's answer;
 * X the session's replies.
 */
static int ssh_build(struct step *out, int max, const struct cipher *ci, const char *plan)
{
	int n = 0, r = ci->refusal, u = ci->junk;

#define ADD(...)                                                          \
	do {                                                              \
		struct step s_[] = { __VA_ARGS__ };                       \
		for (size_t k_ = 0; k_ < ARRAY_SIZE(s_) && n < max; k_++) \
			out[n++] = s_[k_];                                \
	} while (0)
	for (; *plan; plan++) {
		switch (*plan) {
		case 'K':
			ADD({ -41 }, { 41 }, { -1400 }, { 1088 }, { -1208 }, { 1564 }, { -60 },
			    { ci->accept });
			break;
		case 'N':
			ADD({ -60 }, { r });
			break;
		case 'B':
			ADD({ -60 }, { 436 + r });
			break;
		case 'P':
			ADD({ -76 }, { r });
			break;
		case 'J':
			ADD({ -40 }, { u });
			break;
		case 'j':
			ADD({ -160 }, { 4 * u });
			break;
		case 'C':
			ADD({ -116 }, { r + u });
			break;
		case 'D':
			ADD({ -156 }, { r + 2 * u });
			break;
		case 'O':
			ADD({ -140 }, { ci->pk_ok });
			break;
		case 'Q':
			ADD({ -500 }, { ci->pk_ok_rsa });
			break;
		case 'R':
			ADD({ -1400 }, { 1100 }, { -80 }, { 250 });
			break;
		case 'r':
			ADD({ -1400 }, { 1040 }, { -80 }, { 250 });
			break;
		case 'W':
			ADD({ -308 }, { ci->success });
			break;
		case 'H':
			ADD({ -112 }, ci->hostkeys);
			break;
		case 'X':
			ADD({ -112 }, { 72 }, { -36 }, { 168, 44 }, { -96 });
			break;
		}
	}
#undef ADD
	return n;
}

static void play_plan(struct mw_dict *d, const char *src, uint16_t sport, const struct cipher *ci,
		      const char *plan)
{
	struct step rows[128];
	int n = ssh_build(rows, ARRAY_SIZE(rows), ci, plan);

	play(d, src, sport, MW_SVC_SSH, 22, rows, n, MS);
}

/* Each trick, under each cipher: detected, never a login; and the logins
 * of users (a typo, refused keys, a re-exchange in the session) still
 * recognised. */
static void t_ssh_ciphers(void *arg)
{
	static const struct {
		const char *plan, *what;
		bool composite; /* junk's answers at once after junk */
	} tricks[] = {
		{ "KNPPJJPPPP", "junk between passwords" },
		{ "KNPPJOPPPP", "junk, then PK_OK of a known key" },
		{ "KNPPJQPPPP", "junk, then PK_OK of an RSA key" },
		{ "KNPPJRPPPP", "junk, then a key re-exchange" },
		{ "KNPPJrPPPP", "junk, then a re-exchange with a smaller KEXINIT" },
		{ "KNPJjPPPP", "junk, then four junk messages at once", true },
		{ "KNPCDCDCD", "passwords sent with junk" },
		{ "KNPJCDCDCD", "junk, then passwords sent with junk", true },
		{ "KNPPJRJOPPPP", "junk, a re-exchange, junk, PK_OK" },
		{ "KBPJPJPJ", "a banner, junk between passwords" },
	};
	static const char *const users[] = { "KNPOWHX", "KNPPPOWHX", "KNPOWHRX", "KNOWHXRX" };
	char src[32], what[160];
	unsigned ci, i, k;

	for (ci = 0; ci < ARRAY_SIZE(ciphers); ci++) {
		int detected = 0;
		struct mw_config cfg;
		struct dets ds = { .n = 0 };
		struct mw_dict *d;

		mw_config_defaults(&cfg);
		d = test_dict_new(&cfg, on_det, &ds);
		mw_dict_on_login(d, on_login);
		T = 1000 * MS;
		for (i = 0; i < ARRAY_SIZE(tricks); i++) {
			int before = ds.n;

			/* known gap: under 16-byte blocks junk's answers at
			 * once (with a password or not) can make the host
			 * keys' shape: their sums collide with real ones */
			if (ciphers[ci].accept != 44 && tricks[i].composite)
				continue;

			snprintf(src, sizeof(src), "198.51.100.%u", 100 + i);
			/* one connection (sshd's MaxAuthTries), then a second */
			play_plan(d, src, 50000, &ciphers[ci], tricks[i].plan);
			play_plan(d, src, 50001, &ciphers[ci], tricks[i].plan);
			snprintf(what, sizeof(what), "%s, %s: detected", ciphers[ci].name,
				 tricks[i].what);
			ASSERT_EQ(ds.n, before + 1, what);
			detected = ds.n;
		}
		snprintf(what, sizeof(what), "%s: no trick is a login", ciphers[ci].name);
		ASSERT_EQ(ds.logins, 0, what);
		for (i = 0; i < ARRAY_SIZE(users); i++)
			for (k = 0; k < 6; k++) {
				snprintf(src, sizeof(src), "203.0.113.%u", 10 + i);
				play_plan(d, src, 40000 + k, &ciphers[ci], users[i]);
			}
		snprintf(what, sizeof(what), "%s: typos, refused keys, re-exchanges: 24 logins",
			 ciphers[ci].name);
		ASSERT_EQ(ds.logins, 24, what);
		snprintf(what, sizeof(what), "%s: and no detection of users", ciphers[ci].name);
		ASSERT_EQ(ds.n, detected, what);
		mw_dict_free(d);
	}
}

/* The host's word (mw_dict_on_confirm): sshd writing as its unprivileged
 * user for the guessers of 198.51.100.0/24, as the user for 203.0.113.0/24. */
static int host_word(void *arg, unsigned svc, const struct mw_flow_key *key)
{
	return key->remote_addr[12] == 203 ? 1 : 0;
}

/* Under 16-byte blocks junk's answers at once can make a login's shape
 * (the known gap above): the host's word refutes it, and still lets the
 * users' logins take their tries back. */
static void t_ssh_host_word(void *arg)
{
	static const char *const tricks[] = { "KNPJjPPPP", "KNPJCDCDCD" };
	static const char *const users[] = { "KNPOWHX", "KNPPPOWHX", "KNPOWHRX", "KNOWHXRX" };
	char src[32], what[160];
	unsigned ci, i, k;
	int forged = 0;

	for (ci = 1; ci < ARRAY_SIZE(ciphers); ci++) {
		struct mw_config cfg;
		struct dets ds = { .n = 0 }, blind = { .n = 0 };
		struct mw_dict *d, *nd;

		mw_config_defaults(&cfg);
		d = test_dict_new(&cfg, on_det, &ds);
		nd = test_dict_new(&cfg, on_det, &blind); /* without the host's word */
		mw_dict_on_login(d, on_login);
		mw_dict_on_login(nd, on_login);
		mw_dict_on_confirm(d, host_word);
		T = 1000 * MS;
		for (i = 0; i < ARRAY_SIZE(tricks); i++) {
			snprintf(src, sizeof(src), "198.51.100.%u", 100 + i);
			play_plan(d, src, 50000, &ciphers[ci], tricks[i]);
			play_plan(d, src, 50001, &ciphers[ci], tricks[i]);
			play_plan(nd, src, 50000, &ciphers[ci], tricks[i]);
			play_plan(nd, src, 50001, &ciphers[ci], tricks[i]);
			snprintf(what, sizeof(what),
				 "%s, %s: detected, the host's word refuting the login",
				 ciphers[ci].name, tricks[i]);
			ASSERT_EQ(ds.n, (int)i + 1, what);
		}
		forged += blind.logins;
		snprintf(what, sizeof(what), "%s: no forged login taken", ciphers[ci].name);
		ASSERT_EQ(ds.logins, 0, what);
		for (i = 0; i < ARRAY_SIZE(users); i++)
			for (k = 0; k < 6; k++) {
				snprintf(src, sizeof(src), "203.0.113.%u", 10 + i);
				play_plan(d, src, 40000 + k, &ciphers[ci], users[i]);
			}
		snprintf(what, sizeof(what), "%s: the users' 24 logins, confirmed",
			 ciphers[ci].name);
		ASSERT_EQ(ds.logins, 24, what);
		ASSERT_EQ(ds.n, (int)ARRAY_SIZE(tricks), "and no detection of users");
		mw_dict_free(d);
		mw_dict_free(nd);
	}
	/* what the host's word is for: by shape alone, some forgeries pass */
	ASSERT_TRUE(forged > 0, "without the host's word, a forged shape is taken for a login");
}

/* sshd with a 400-byte Banner (measured): the banner comes with the first
 * refusal, in one 512-byte answer, then hydra's passwords are refused (76) */
#define SSH_KEX_HYDRA                                                   \
	{ -23 }, { 41 }, { -904 }, { 1088 }, { -48 }, { 524 }, { -60 }, \
	{                                                               \
		44                                                      \
	}
static const struct step ssh_banner_hydra[] = {
	SSH_KEX_HYDRA, { -60 }, { 512 }, { -76 }, { 76 }, { -76 }, { 76 }, { -76 },
	{ 76 },	       { -76 }, { 76 },	 { -76 }, { 76 }, { -76 }, { 76 },
};
/* ... two passwords a connection, then the next connection */
static const struct step ssh_banner_two[] = {
	SSH_KEX_HYDRA, { -60 }, { 512 }, { -76 }, { 76 }, { -76 }, { 76 },
};
/* a user against that sshd: a refused key, then the right one */
static const struct step ssh_banner_key[] = {
	SSH_KEX, { -60 },  { 512 },	 { -140 }, { 76 }, { -140 }, { 100 }, { -308 },
	{ 28 },	 { -112 }, { 456, 264 }, { -112 }, { 72 }, { -36 },  { 124 }, { -96 },
};

static void t_ssh_banner(void *arg)
{
	struct mw_config cfg;
	struct dets ds = { .n = 0 };
	struct mw_dict *d;
	int i;

	mw_config_defaults(&cfg);
	d = test_dict_new(&cfg, on_det, &ds);
	mw_dict_on_login(d, on_login);
	T = 1000 * MS;
	for (i = 0; i < 10; i++)
		PLAY(d, "198.51.100.80", 41000 + i, MW_SVC_SSH, 22, ssh_banner_key, 5 * MS);
	ASSERT_EQ(ds.logins, 10, "banner: a refused key, then the right one: logins");
	ASSERT_EQ(ds.n, 0, "banner: users are no attack");
	PLAY(d, "198.51.100.81", 42000, MW_SVC_SSH, 22, ssh_banner_hydra, MS);
	if (ASSERT_EQ(ds.n, 1, "banner: hydra -t 1 detected in its first connection"))
		ASSERT_EQ(ds.d[0].attempts, 3, "at its third password");
	PLAY(d, "198.51.100.82", 42001, MW_SVC_SSH, 22, ssh_banner_two, MS);
	ASSERT_EQ(ds.n, 1, "banner: two passwords, below the threshold");
	PLAY(d, "198.51.100.82", 42002, MW_SVC_SSH, 22, ssh_banner_two, MS);
	if (ASSERT_EQ(ds.n, 2, "banner: two passwords a connection: every one counted"))
		ASSERT_EQ(ds.d[1].attempts, 3, "at the third password");
	ASSERT_EQ(ds.logins, 10, "no attacker logged in");
	mw_dict_free(d);
}

/* Junk until the datapath stops reporting the connection's exchanges, then
 * passwords it does not see: the exchanges past them count at its end. */
static void t_ssh_past_horizon(void *arg)
{
	struct step rows[160];
	struct mw_config cfg;
	struct dets ds = { .n = 0 };
	struct mw_dict *d;
	int n, i;

	n = ssh_build(rows, ARRAY_SIZE(rows), &ciphers[0],
		      "KNJJJJJJJJJJJJJJJJJJJJJJJJJJJJJJPPPPPP");
	mw_config_defaults(&cfg);
	d = test_dict_new(&cfg, on_det, &ds);
	T = 1000 * MS;
	for (i = 0; i < 2 && !ds.n; i++)
		play(d, "198.51.100.98", 47000 + i, MW_SVC_SSH, 22, rows, n, MS);
	if (ASSERT_EQ(ds.n, 1, "passwords past the exchanges reported: detected"))
		ASSERT_EQ(i, 1, "in the first connection");
	mw_dict_free(d);
}

/* One password a connection, each connection held open long after its
 * refusal, in parallel or one after another. */
static void t_ssh_long_held(void *arg)
{
	static const struct step one[] = { SSH_KEX_HYDRA, { -60 }, { 52 }, { -76 }, { 52 } };
	struct mw_config cfg;
	struct dets ds = { .n = 0 };
	struct mw_dict *d;
	struct conn c[8];
	int i, tries = 0;

	mw_config_defaults(&cfg);
	d = test_dict_new(&cfg, on_det, &ds);
	T = 1000 * MS;
	/* four at once, each held 70 s */
	for (i = 0; i < 4; i++) {
		conn_open(&c[i], d, "198.51.100.90", 43000 + i, MW_SVC_SSH, 22, one,
			  ARRAY_SIZE(one));
		while (c[i].i < c[i].n)
			conn_step(&c[i], MS);
	}
	for (i = 0; i < 20; i++) {
		T += 1000 * MS;
		mw_dict_tick(d, T);
	}
	if (ASSERT_EQ(ds.n, 1, "four held connections: detected while they are held"))
		ASSERT_TRUE(ds.d[0].attempts >= 3, "their tries counted");
	T += 50000 * MS;
	for (i = 0; i < 4; i++)
		conn_step(&c[i], MS);
	mw_dict_free(d);

	/* one after another, a new one every 15 s, each held 70 s: the tries
	 * count when they are made, not when the connections end */
	ds.n = 0;
	d = test_dict_new(&cfg, on_det, &ds);
	T = 1000 * MS;
	for (i = 0; i < 8 && !ds.n; i++) {
		conn_open(&c[i], d, "198.51.100.91", 44000 + i, MW_SVC_SSH, 22, one,
			  ARRAY_SIZE(one));
		while (c[i].i < c[i].n)
			conn_step(&c[i], MS);
		tries++;
		for (int k = 0; k < 15 && !ds.n; k++) {
			T += 1000 * MS;
			mw_dict_tick(d, T);
		}
	}
	if (ASSERT_EQ(ds.n, 1, "one held connection every 15 s: detected"))
		ASSERT_EQ(tries, 3, "at the third password");
	mw_dict_free(d);

	/* paramiko, no "none" probe: the password's refusal is the only
	 * answer of each connection, held open */
	{
		static const struct step pw[] = {
			{ -25 }, { 41 },  { -1168 }, { 1088 }, { -48 },
			{ 544 }, { -80 }, { 64 },    { -96 },  { 96 },
		};

		ds.n = 0;
		d = test_dict_new(&cfg, on_det, &ds);
		for (i = 0; i < 3; i++) {
			conn_open(&c[i], d, "198.51.100.92", 44100 + i, MW_SVC_SSH, 22, pw,
				  ARRAY_SIZE(pw));
			while (c[i].i < c[i].n)
				conn_step(&c[i], MS);
		}
		for (i = 0; i < 10; i++) {
			T += 1000 * MS;
			mw_dict_tick(d, T);
		}
		ASSERT_EQ(ds.n, 1, "paramiko, one refused password a held connection: detected");
		mw_dict_free(d);
	}
}

/* paramiko (SERVICE_ACCEPT 64, refusal 96, UNIMPLEMENTED 48 = SUCCESS's
 * size, measured): one password a connection, with junk after it */
static void t_ssh_paramiko_guess(void *arg)
{
	static const struct step one[] = {
		{ -25 }, { 41 },  { -1168 }, { 1088 }, { -48 },
		{ 544 }, { -80 }, { 64 },    { -96 },  { 96 },
	};
	static const struct step junk[] = {
		{ -25 }, { 41 },  { -1168 }, { 1088 }, { -48 }, { 544 }, { -80 }, { 64 },  { -96 },
		{ 96 },	 { -64 }, { 48 },    { -64 },  { 48 },	{ -80 }, { 64 },  { -96 }, { 96 },
		{ -64 }, { 48 },  { -64 },   { 48 },   { -80 }, { 64 },	 { -96 }, { 96 },
	};
	struct mw_config cfg;
	struct dets ds = { .n = 0 };
	struct mw_dict *d;
	int i;

	mw_config_defaults(&cfg);
	d = test_dict_new(&cfg, on_det, &ds);
	mw_dict_on_login(d, on_login);
	T = 1000 * MS;
	for (i = 0; i < 3; i++)
		PLAY(d, "198.51.100.95", 45000 + i, MW_SVC_SSH, 22, one, MS);
	ASSERT_EQ(ds.n, 1, "one password a connection: the third detected");
	for (i = 0; i < 2; i++)
		PLAY(d, "198.51.100.96", 45100 + i, MW_SVC_SSH, 22, junk, MS);
	ASSERT_EQ(ds.n, 2, "three passwords a connection with junk: detected in the second");
	ASSERT_EQ(ds.logins, 0, "junk's answers, of SUCCESS's size: no login");
	{
		/* measured: ssh_tricks.py --junk 2, paramiko asking for the
		 * service again (64) before each password (96), two junk
		 * messages answered (48) after each */
		struct step rows[64] = {
			/* its version line and KEXINIT in one burst */
			{ -25 }, { 1129, 41 }, { -1216 }, { 544 }, { -80 }, { 64 },
		};
		int n = 6, k, tries = 0, at = -1;
		struct conn c;

		for (k = 0; k < 6; k++) {
			static const struct step round[] = {
				{ -96 }, { 96 }, { -64 }, { 48 }, { -64 }, { 48 }, { -64 }, { 64 },
			};

			memcpy(&rows[n], round, sizeof(round));
			n += ARRAY_SIZE(round);
		}
		conn_open(&c, d, "198.51.100.97", 45200, MW_SVC_SSH, 22, rows, n - 2);
		while (conn_step(&c, MS)) {
			if (c.i > 0 && c.i <= c.n && c.s[c.i - 1].size == 96)
				tries++;
			if (ds.n == 3 && at < 0)
				at = tries;
		}
		if (ASSERT_EQ(ds.n, 3, "junk between passwords, the service asked again: detected"))
			ASSERT_TRUE(at > 0 && at <= 3, "by the third password");
	}
	mw_dict_free(d);
}

/* HTTP login page refusing with 200 and a 2.5 KiB page, one POST a
 * connection (the datapath gives the request's first bytes) */
static void t_http_form(void *arg)
{
	static const struct step form[] = {
		{ -310, 0, "POST /login HTTP/1.1\r\nHost: x" },
		{ 2600, 1448, "HTTP/1.1 200 OK\r\nServer: nginx" },
	};
	static const struct step form_other[] = {
		{ -318, 0, "POST /login?next=/a HTTP/1.1\r\n" },
		{ 2604, 1448, "HTTP/1.1 200 OK\r\nServer: nginx" },
	};
	static const struct step icon[] = {
		{ -420, 0, "GET /static/icon7.png HTTP/1.1\r\n" },
		{ 1400, 0, "HTTP/1.1 200 OK\r\nServer: nginx" },
	};
	static const struct step webhook[] = {
		{ -600, 0, "POST /hooks/build HTTP/1.1\r\nHost" },
		{ 180, 0, "HTTP/1.1 200 OK\r\nServer: nginx" },
	};
	static const struct step search[] = {
		{ -330, 0, "POST /search HTTP/1.1\r\nHost: x" },
		{ 5000, 1448, "HTTP/1.1 200 OK\r\nServer: nginx" },
	};
	/* a poller that posts the same request to a session endpoint */
	static const struct step poller[] = {
		{ -350, 0, "POST /api/session HTTP/1.1\r\nHo" },
		{ 900, 0, "HTTP/1.1 200 OK\r\nServer: nginx" },
	};
	/* comments of every length, each answered by the same page */
	static const struct step comment[] = {
		{ -400, 0, "POST /comment HTTP/1.1\r\nHost: " },
		{ 3000, 1448, "HTTP/1.1 200 OK\r\nServer: nginx" },
	};
	struct mw_config cfg;
	struct dets ds = { .n = 0 };
	struct mw_dict *d;
	int i;

	mw_config_defaults(&cfg);
	d = test_dict_new(&cfg, on_det, &ds);
	T = 1000 * MS;
	for (i = 0; i < 50; i++) {
		struct step s[ARRAY_SIZE(search)];

		PLAY(d, "198.51.100.60", 36000 + i, MW_SVC_HTTP, 80, icon, MS);
		PLAY(d, "198.51.100.61", 36100 + i, MW_SVC_HTTP, 80, webhook, MS);
		memcpy(s, search, sizeof(s));
		s[1].size += 37 * i; /* each search's results */
		PLAY(d, "198.51.100.62", 36200 + i, MW_SVC_HTTP, 80, s, MS);
		PLAY(d, "198.51.100.64", 36300 + i, MW_SVC_HTTP, 80, poller, MS);
		memcpy(s, comment, sizeof(s));
		s[0].size -= 13 * (i % 7); /* each comment's length */
		PLAY(d, "198.51.100.65", 36400 + i, MW_SVC_HTTP, 80, s, MS);
	}
	ASSERT_EQ(
		ds.n, 0,
		"icons of one size, webhooks answered 200, searches, a session poller, comments: nothing");
	for (i = 0; i < 12; i++) {
		struct step f[ARRAY_SIZE(form)];

		memcpy(f, i % 3 ? form : form_other, sizeof(f));
		f[0].size -= i % 4; /* the passwords' lengths */
		PLAY(d, "198.51.100.63", 37000 + i, MW_SVC_HTTP, 80, f, MS);
	}
	if (ASSERT_EQ(ds.n, 1, "a login page refusing with 200: HTTPDICT")) {
		ASSERT_STREQ(ds.d[0].method, "HTTPDICT", "method");
		ASSERT_EQ(ds.d[0].attempts, 10, "at the tenth refusal after the first");
	}
	mw_dict_free(d);
}

static void t_distributed(void *arg)
{
	struct mw_config cfg;
	struct dets ds = { .n = 0 };
	struct mw_dict *d;
	char src[32];
	int i;

	mw_config_defaults(&cfg);
	cfg.dict[MW_SVC_SSH].attempts = 10; /* each source stays below */
	cfg.dict_agg_v4 = 32; /* the sources share a /24: this is the service-wide rule alone */
	d = test_dict_new(&cfg, on_det, &ds);
	T = 1000 * MS;
	for (i = 0; i < 12; i++) {
		snprintf(src, sizeof(src), "203.0.113.%d", 10 + i);
		PLAY(d, src, 45000, MW_SVC_SSH, 22, ssh_hydra, 10 * MS);
		mw_dict_tick(d, T);
	}
	if (ASSERT_TRUE(ds.n >= 2, "a distributed detection, then the sources that join")) {
		ASSERT_TRUE(ds.d[0].distributed, "distributed");
		ASSERT_TRUE(ds.d[0].n_sources >= 4, "the sources are listed");
	}
	/* the same without a tick in between: the counts follow the tries */
	{
		struct dets ds2 = { .n = 0 };
		struct mw_dict *d2 = test_dict_new(&cfg, on_det, &ds2);

		for (i = 0; i < 12; i++) {
			snprintf(src, sizeof(src), "203.0.114.%d", 10 + i);
			PLAY(d2, src, 45000, MW_SVC_SSH, 22, ssh_hydra, MS);
		}
		ASSERT_TRUE(ds2.n >= 1 && ds2.d[0].distributed, "detected between two ticks");
		mw_dict_free(d2);
	}
	/* an administrator's one mistyped password during the attack */
	i = ds.n;
	PLAY(d, "203.0.113.200", 46000, MW_SVC_SSH, 22, ssh_password_bad, MS);
	ASSERT_EQ(ds.n, i, "one refusal does not join a distributed attack");
	mw_dict_free(d);
}

/* --- clear text: the reply codes ---------------------------------------- */

static const struct step ftp_bad[] = {
	{ 20, 0, "220 (vsFTPd 3.0.3)\r\n" },
	{ -12 },
	{ 34, 0, "331 Please specify the password.\r\n" },
	{ -12 },
	{ 22, 0, "530 Login incorrect.\r\n" },
	{ -12 },
	{ 34, 0, "331 Please specify the password.\r\n" },
	{ -12 },
	{ 22, 0, "530 Login incorrect.\r\n" },
};
static const struct step ftp_typo_ok[] = {
	{ 20, 0, "220 (vsFTPd 3.0.3)\r\n" },
	{ -12 },
	{ 34, 0, "331 Please specify the password.\r\n" },
	{ -12 },
	{ 22, 0, "530 Login incorrect.\r\n" },
	{ -12 },
	{ 34, 0, "331 Please specify the password.\r\n" },
	{ -12 },
	{ 23, 0, "230 Login successful.\r\n" },
	{ -6 },
	{ 300, 0, "150 Here comes the directory" },
};
static const struct step http_401[] = { { -300 }, { 590, 0, "HTTP/1.1 401 Unauthorized\r\n" } };
static const struct step http_200[] = { { -80 }, { 612, 0, "HTTP/1.1 200 OK\r\nServer" } };
static const struct step http_404_204_304[] = {
	{ -80 },  { 153, 0, "HTTP/1.1 404 Not Found\r\n" },
	{ -200 }, { 120, 0, "HTTP/1.1 204 No Content\r\n" },
	{ -120 }, { 180, 0, "HTTP/1.1 304 Not Modified\r\n" },
};
/* HTTPS: the same request again and again (a health check) */
static const struct step https_poll[] = { { -517 }, { 1400 }, { -64 }, { 90 },	 { -420 },
					  { 300 },  { -420 }, { 300 }, { -420 }, { 300 } };

static void t_clear_text(void *arg)
{
	struct mw_config cfg;
	struct dets ds = { .n = 0 };
	struct mw_dict *d;
	struct mw_addr a;
	int i;

	mw_config_defaults(&cfg);
	d = test_dict_new(&cfg, on_det, &ds);
	T = 1000 * MS;
	PLAY(d, "198.51.100.40", 46000, MW_SVC_AUTH, 21, ftp_bad, 10 * MS);
	ASSERT_EQ(ds.n, 0, "two 530s: below the threshold");
	PLAY(d, "198.51.100.40", 46001, MW_SVC_AUTH, 21, ftp_bad, 10 * MS);
	if (ASSERT_EQ(ds.n, 1, "four 530s: DICTATTACK")) {
		ASSERT_STREQ(ds.d[0].method, "DICTATTACK", "method");
		ASSERT_STREQ(ds.d[0].evidence, "ftp", "evidence: the FTP reply code");
	}
	for (i = 0; i < 5; i++)
		PLAY(d, "198.51.100.41", 46100 + i, MW_SVC_AUTH, 21, ftp_typo_ok, 10 * MS);
	mw_addr_parse("198.51.100.41", &a);
	ASSERT_EQ(mw_dict_attempts(d, &a, MW_SVC_AUTH), 0, "FTP typo then 230: taken back");
	ASSERT_EQ(ds.n, 1, "FTP typos then logins: no detection");

	for (i = 0; i < 200; i++) {
		PLAY(d, "198.51.100.42", 30000 + i, MW_SVC_HTTP, 80, http_200, MS);
		PLAY(d, "198.51.100.42", 31000 + i, MW_SVC_HTTP, 80, http_404_204_304, MS);
		PLAY(d, "198.51.100.43", 32000 + i, MW_SVC_HTTP, 443, https_poll, MS);
	}
	ASSERT_EQ(ds.n, 1, "200, 404, 204, 304 and an HTTPS poller: nothing");
	for (i = 0; i < 10; i++)
		PLAY(d, "198.51.100.44", 33000 + i, MW_SVC_HTTP, 80, http_401, MS);
	if (ASSERT_EQ(ds.n, 2, "ten 401s: HTTPDICT"))
		ASSERT_STREQ(ds.d[1].method, "HTTPDICT", "method");
	for (i = 0; i < 30; i++)
		PLAY(d, "10.1.2.3", 34000 + i, MW_SVC_HTTP, 80, http_401, MS);
	ASSERT_EQ(ds.n, 2, "an internal client's 401s: exempt by default");
	mw_dict_free(d);

	cfg.dict_http_internal = true;
	ds.n = 0;
	d = test_dict_new(&cfg, on_det, &ds);
	for (i = 0; i < 10; i++)
		PLAY(d, "10.1.2.3", 34000 + i, MW_SVC_HTTP, 80, http_401, MS);
	ASSERT_EQ(ds.n, 1, "http_internal = yes: counted");
	mw_dict_free(d);
}

/* One password a connection on the clear-text services whose refusal
 * does not repeat inside a connection (replies as the servers send them) */
static void t_one_per_conn(void *arg)
{
	static const struct step redis[] = {
		{ -40 },
		{ 66, 0, "-WRONGPASS invalid username-password pair" },
	};
	static const struct step mysql[] = {
		{ 78, 0,
		  "J\0\0\0\x0a"
		  "8.0.36",
		  11 },
		{ -120 },
		{ 80, 0, "L\0\0\x02\xff\x15\x04#28000Access denied for", 31 },
	};
	static const struct step pgsql[] = {
		{ -8 },	 { 1, 0, "N" },
		{ -80 }, { 13, 0, "R\0\0\0\x0c\0\0\0\x05salt", 13 },
		{ -40 }, { 104, 0, "E\0\0\0\x67SFATAL\0VFATAL\0C28P01\0Mpass", 32 },
	};
	static const struct step pop3[] = {
		{ 20, 0, "+OK Dovecot ready.\r\n" },
		{ -12 },
		{ 5, 0, "+OK\r\n" },
		{ -14 },
		{ 38, 0, "-ERR [AUTH] Authentication failed.\r\n" },
	};
	static const struct step imap[] = {
		{ 80, 0, "* OK [CAPABILITY IMAP4rev1] Dovecot ready." },
		{ -30 },
		{ 50, 0, "x7 NO [AUTHENTICATIONFAILED] Authentication failed." },
	};
	static const struct step smtp[] = {
		{ 30, 0, "220 mail.example ESMTP Postfix\r\n" },     { -12 },
		{ 120, 0, "250-mail.example\r\n250-AUTH PLAIN" },    { -40 },
		{ 45, 0, "535 5.7.8 Error: authentication failed" },
	};
	static const struct {
		const struct step *rows;
		int n;
		uint16_t port;
		const char *evidence;
	} svcs[] = {
		{ redis, ARRAY_SIZE(redis), 6379, "redis" },
		{ mysql, ARRAY_SIZE(mysql), 3306, "mysql" },
		{ pgsql, ARRAY_SIZE(pgsql), 5432, "pgsql" },
		{ pop3, ARRAY_SIZE(pop3), 110, "pop3" },
		{ imap, ARRAY_SIZE(imap), 143, "imap" },
		{ smtp, ARRAY_SIZE(smtp), 587, "smtp" },
	};
	struct mw_config cfg;
	char src[32], what[96];
	unsigned i, k;

	mw_config_defaults(&cfg);
	for (i = 0; i < ARRAY_SIZE(svcs); i++) {
		struct dets ds = { .n = 0 };
		struct mw_dict *d = test_dict_new(&cfg, on_det, &ds);

		T = 1000 * MS;
		snprintf(src, sizeof(src), "198.51.100.%u", 120 + i);
		for (k = 0; k < 3; k++)
			play(d, src, 46000 + k, MW_SVC_AUTH, svcs[i].port, svcs[i].rows, svcs[i].n,
			     MS);
		snprintf(what, sizeof(what), "%s: one password a connection, three connections",
			 svcs[i].evidence);
		if (ASSERT_EQ(ds.n, 1, what))
			ASSERT_STREQ(ds.d[0].evidence, svcs[i].evidence,
				     "evidence: the reply code");
		mw_dict_free(d);
	}
}

/* HTTPS login form: one POST a connection, the same refusal page, requests
 * that differ by the password's length */
static void t_https_form(void *arg)
{
	struct mw_config cfg;
	struct dets ds = { .n = 0 };
	struct mw_dict *d;
	int i;

	mw_config_defaults(&cfg);
	d = test_dict_new(&cfg, on_det, &ds);
	T = 1000 * MS;
	for (i = 0; i < 12; i++) {
		struct step form[] = { { -517 }, { 1400 },	     { -64 },
				       { 90 },	 { -(600 + i % 7) }, { 1800 } };

		PLAY(d, "198.51.100.45", 35000 + i, MW_SVC_HTTP, 443, form, MS);
	}
	if (ASSERT_EQ(ds.n, 1, "HTTPS form guessing: detected"))
		ASSERT_STREQ(ds.d[0].method, "HTTPDICT", "method");
	mw_dict_free(d);
}

/* RDP with NLA: a failed login per connection; a session streams the desktop */
static void t_rdp(void *arg)
{
	static const struct step rdp_fail[] = { { -43 }, { 19 },  { -200 }, { 1500 }, { -150 },
						{ 51 },	 { -90 }, { 300 },  { -600 }, { 75 } };
	static const struct step rdp_ok[] = { { -43 },	{ 19 },	  { -200 }, { 1500 },
					      { -150 }, { 51 },	  { -90 },  { 300 },
					      { -600 }, { 59 },	  { -400 }, { 2000 },
					      { -80 },	{ 4000 }, { -80 },  { 6000 } };
	struct mw_config cfg;
	struct dets ds = { .n = 0 };
	struct mw_dict *d;
	int i;

	mw_config_defaults(&cfg);
	d = test_dict_new(&cfg, on_det, &ds);
	T = 1000 * MS;
	for (i = 0; i < 10; i++)
		PLAY(d, "198.51.100.50", 47000 + i, MW_SVC_RDP, 3389, rdp_ok, 100 * MS);
	ASSERT_EQ(ds.n, 0, "ten desktop sessions: nothing");
	for (i = 0; i < 3; i++)
		PLAY(d, "198.51.100.51", 48000 + i, MW_SVC_RDP, 3389, rdp_fail, 100 * MS);
	if (ASSERT_EQ(ds.n, 1, "three failed logins, one per connection: detected")) {
		ASSERT_STREQ(ds.d[0].method, "RDPDICT", "method");
		ASSERT_EQ(ds.d[0].dst_port, 3389, "port");
	}
	mw_dict_free(d);
}

/* A flood of verified connections from many sources stays bounded. */
static void t_bounded(void *arg)
{
	struct mw_config cfg;
	struct dets ds = { .n = 0 };
	struct mw_dict *d;
	char src[48];
	int i;

	mw_config_defaults(&cfg);
	d = test_dict_new(&cfg, on_det, &ds);
	T = 1000 * MS;
	for (i = 0; i < 100000; i++) {
		struct conn c;

		/* a /64 each: addresses of one /64 add up */
		snprintf(src, sizeof(src), "2001:db8:%x:%x::1", i >> 12, i & 0xfff);
		conn_open(&c, d, src, 1024 + i % 60000, MW_SVC_SSH, 22, ssh_password_bad,
			  ARRAY_SIZE(ssh_password_bad));
		/* open connections only: their ends never come (evicted) */
		while (c.i < c.n)
			conn_step(&c, 1000);
	}
	T += 400000 * MS;
	mw_dict_tick(d, T);
	ASSERT_EQ(ds.n, 0, "one refusal each: nothing");
	mw_dict_free(d);
}

int main(int argc, char **argv)
{
	if (argc > 1)
		test_filter = argv[1];
	test_run("ssh: automation, keys, typos are no attack", t_ssh_benign, NULL);
	test_run("ssh: hydra -t 4, -t 1, zeek sshguess", t_ssh_hydra, NULL);
	test_run("ssh: junk and re-exchange tricks, forged connections", t_ssh_tricks, NULL);
	test_run("ssh: each trick under each cipher's sizes, users' logins", t_ssh_ciphers, NULL);
	test_run("ssh: the host's word refutes forged logins", t_ssh_host_word, NULL);
	test_run("ssh: a 400-byte banner", t_ssh_banner, NULL);
	test_run("ssh: connections held open", t_ssh_long_held, NULL);
	test_run("ssh: passwords past the exchanges reported", t_ssh_past_horizon, NULL);
	test_run("ssh: paramiko, one password a connection, junk", t_ssh_paramiko_guess, NULL);
	test_run("http: a login page that refuses with 200", t_http_form, NULL);
	test_run("ssh: distributed attack, a typo does not join", t_distributed, NULL);
	test_run("clear text: reply codes, HTTP codes, internal exemption", t_clear_text, NULL);
	test_run("clear text: one password a connection", t_one_per_conn, NULL);
	test_run("https: a login form by sizes", t_https_form, NULL);
	test_run("rdp: flow shapes", t_rdp, NULL);
	test_run("state bounded under a flood of sources", t_bounded, NULL);
	return test_summary("test_dict");
}
