// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_dict.c - the dictionary-attack detector (detect/dict.c) fed the
 * events the datapath sends for real connections: SSH sessions captured
 * here with OpenSSH 9.2 (sshpass, keys, hydra's libssh), clear-text replies
 * of real servers, and the tricks an attacker plays on it. Each row is a
 * connection as its bursts: positive from the server, negative from the
 * client, with the first packet's size and bytes where they matter.
 */
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include "addr.h"
#include "config.h"
#include "detect/dict.h"
#include "test.h"
#include "util.h"

#define MS 1000000ULL

struct dets {
	struct mw_dict_detection d[64];
	int n;
	int logins, logouts;
};

static void on_det(void *arg, const struct mw_dict_detection *det)
{
	struct dets *ds = arg;

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
	uint16_t exchanges;
};

static uint64_t T; /* the test's clock, ns */

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
	if (c->i == 1)
		return true;
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
	if (cur->text) {
		b.next_head_len = strlen(cur->text) < MW_HEAD_MAX ? strlen(cur->text) : MW_HEAD_MAX;
		memcpy(b.next_head, cur->text, b.next_head_len);
	}
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
/* paramiko (no "none" probe): its key accepted at once, SUCCESS the first
 * reply, then an SFTP session whose small replies repeat (measured against
 * OpenSSH 9.2) */
static const struct step ssh_paramiko_sftp[] = {
	SSH_KEX, { -400 }, { 48 },  { -112 }, { 272 }, { -120 }, { 112 }, { -300 }, { 384 },
	{ -96 }, { 80 },   { -96 }, { 80 },   { -96 }, { 80 },	 { -96 }, { 80 },   { -96 },
	{ 80 },	 { -96 },  { 80 },  { -96 },  { 80 },  { -96 },	 { 80 },  { -96 },  { 80 },
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
	d = mw_dict_new(&cfg, on_det, &ds);
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
	d = mw_dict_new(&cfg, on_det, &ds);
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
	d = mw_dict_new(&cfg, on_det, &ds);
	PLAY(d, "198.51.100.67", 51000, MW_SVC_SSH, 22, ssh_hydra, MS);
	if (ASSERT_EQ(ds.n, 1, "one connection of 6 refusals: detected"))
		ASSERT_TRUE(ds.d[0].attempts >= 3 && ds.d[0].attempts <= 5,
			    "at the connection's grace");
	mw_dict_free(d);

	ds.n = 0;
	d = mw_dict_new(&cfg, on_det, &ds);
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
	d = mw_dict_new(&cfg, on_det, &ds);
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
	d = mw_dict_new(&cfg, on_det, &ds);
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
	d = mw_dict_new(&cfg, on_det, &ds);
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
		struct mw_dict *d2 = mw_dict_new(&cfg, on_det, &ds2);

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
	d = mw_dict_new(&cfg, on_det, &ds);
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
	d = mw_dict_new(&cfg, on_det, &ds);
	for (i = 0; i < 10; i++)
		PLAY(d, "10.1.2.3", 34000 + i, MW_SVC_HTTP, 80, http_401, MS);
	ASSERT_EQ(ds.n, 1, "http_internal = yes: counted");
	mw_dict_free(d);
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
	d = mw_dict_new(&cfg, on_det, &ds);
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
	d = mw_dict_new(&cfg, on_det, &ds);
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
	d = mw_dict_new(&cfg, on_det, &ds);
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
	test_run("ssh: distributed attack, a typo does not join", t_distributed, NULL);
	test_run("clear text: reply codes, HTTP codes, internal exemption", t_clear_text, NULL);
	test_run("https: a login form by sizes", t_https_form, NULL);
	test_run("rdp: flow shapes", t_rdp, NULL);
	test_run("state bounded under a flood of sources", t_bounded, NULL);
	return test_summary("test_dict");
}
