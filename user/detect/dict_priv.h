/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * dict_priv.h - what the two halves of the dictionary-attack detector share:
 * dict.c reads each watched connection's replies and decides which are
 * refusals and which a login; dict_tries.c keeps each source's tries, in
 * their windows, and decides when they make a detection. Private to them.
 */
#ifndef MW_DETECT_DICT_PRIV_H
#define MW_DETECT_DICT_PRIV_H

#include "detect/dict.h"

#define SMALL_REPLY 256 /* SSH/RDP: a refusal is a small server burst */
#define KEXINIT_GROWTH 64 /* SSH: a KEXINIT sent again, encrypted, gains a MAC and padding */
#define TLS_HTTP_REPLY 4096 /* HTTPS: a refused login's page is no larger */
#define TLS_HTTP_REQ_DELTA 32 /* HTTPS: requests that differ by a password's length */
#define TLS_HTTP_REQ_MIN 500 /* HTTPS: a login form's POST, headers and body */
#define TLS_HTTP_REPLY_MIN 400 /* HTTPS: a page that says no, not a 304 or a bare JSON */
#define MAX_SIZES 8 /* distinct small reply sizes remembered per connection */
#define CONN_BUCKETS 4096
#define SRC_BUCKETS 4096
#define MAX_CONNS 65536 /* watched connections kept at once */
#define MAX_SRCS 65536 /* sources kept at once */
#define MAX_TRIES 64 /* remembered per source: the window rarely needs more */
#define LONG_SLICES 16 /* the long window as counters of a slice each: bounded for hours */
#define MAX_AGGS MAX_SRCS /* a prefix per source at most */
#define AGG_BUCKETS 4096
#define EVICT_SCAN 8 /* buckets searched for a source to give way to a new one */
#define MAX_PENDING_CONNS 4 /* open connections of one source with pending tries */
#define FORGIVE_FINAL 2 /* earlier tries a recognised login takes back: typos */
#define FORGIVE_BUDGET_CONNS 20 /* logins' worth of tries (grace each) forgiven per window */
#define DIST_JOIN_MIN 2 /* final tries that make a source part of a distributed attack */
#define LONG_CONN_NS (60ULL * 1000000000ULL)
#define LOGIN_EXCHANGES 48 /* RDP: a login is over by then: later bursts are a session */

struct src;

struct conn {
	struct mw_flow_key key;
	uint64_t first_ns, last_ns;
	uint32_t ifindex;
	uint8_t svc;
	uint8_t big; /* server bursts > SMALL_REPLY before the authentication */
	uint8_t kex_left; /* SSH: replies that belong to a key re-exchange */
	uint8_t login; /* SSH: enum ssh_login, how far a login has shown */
	uint8_t part; /* SSH: enum ssh_part, what the current reply's first packet was */
	uint8_t after; /* SSH: tries counted after a reply of SUCCESS's size */
	bool auth; /* SSH: the authentication began (the service was accepted) */
	bool success; /* SSH: a reply of USERAUTH_SUCCESS's size was seen */
	bool candidate; /* SSH: a possible login awaits its session */
	bool over; /* the login phase is over: a login was recognised */
	bool logged_in; /* a login was recognised */
	bool clear; /* replies in clear text: their codes decide, sizes do not */
	bool guessing; /* its tries count at once: it went past its grace */
	bool http_200; /* HTTP: the reply under way says 200 */
	uint8_t n_sizes;
	uint8_t replies; /* HTTPS: server replies seen, the TLS handshake's first */
	uint16_t pending; /* tries not final yet */
	uint16_t final; /* tries of this connection made final */
	uint16_t max_count;
	uint32_t eager; /* the server reply classified at its first packet */
	uint32_t last_client; /* the client's latest burst */
	uint32_t http_req; /* HTTP: hash of the latest request's method and path, 0 none */
	uint32_t kexinit; /* SSH: the server's KEXINIT, its first large reply */
	uint32_t accept; /* SSH: SERVICE_ACCEPT's size, which gives the cipher's framing */
	uint32_t first_reply; /* SSH: the first answer of the authentication */
	uint32_t refusal; /* SSH: USERAUTH_FAILURE's size, once known */
	uint32_t odd; /* SSH: the one other answer let pass (PK_OK, INFO_REQUEST) */
	uint32_t exchanges; /* the latest event's exchange count */
	uint32_t first_reply_at; /* SSH: @exchanges at the first answer */
	struct {
		uint32_t size;
		uint16_t count;
	} sizes[MAX_SIZES];
	const char *evidence;
	struct src *src; /* set once the connection has a try */
	struct conn *next;
};

struct agg;

struct src {
	struct mw_addr addr; /* the unit counted: an IPv4 address, an IPv6 ipv6_prefix */
	struct mw_addr last; /* the latest address seen in it: named in reports */
	uint8_t len; /* of the unit, in the mapped space (IPv4: 128) */
	uint8_t svc;
	uint64_t reported_ns; /* when the latest detection was sent */
	uint64_t tries[MAX_TRIES]; /* final tries' timestamps, a ring */
	unsigned head, n;
	uint16_t long_tries[LONG_SLICES]; /* final tries per slice of the long window */
	uint64_t long_slice; /* the slice of the newest counter */
	struct agg *agg; /* its prefix for aggregation; NULL: never aggregated */
	struct src *agg_next, **agg_pprev; /* the other sources of that prefix */
	struct conn *pend[MAX_PENDING_CONNS]; /* its open connections with pending tries */
	unsigned n_pend;
	uint32_t tls_req, tls_reply; /* HTTPS: its latest request and reply sizes */
	uint32_t http_req_size; /* HTTP: the size of its latest login POST */
	bool http_varied; /* HTTP: its login POSTs to that path differ in size */
	uint64_t parallel_ns; /* when it was seen guessing on two connections at once */
	uint64_t forgiven_ns; /* start of the window of @forgiven */
	unsigned forgiven; /* tries taken back by logins in that window */
	unsigned refs; /* connections that point here */
	uint64_t seen_ns;
	struct src *next;
};

/* Sources of one prefix (an IPv4 /24, an IPv6 /48) on one service: many
 * each below the threshold, together above it, are one attacker. */
struct agg {
	struct mw_prefix prefix;
	uint8_t svc;
	unsigned members; /* sources that point here */
	/* as of the latest tick, then counted up as tries come: sources with
	 * DIST_JOIN_MIN tries in the long window, and their tries */
	unsigned sources, tries;
	uint64_t reported_ns;
	struct src *first; /* its sources, through agg_next */
	struct agg *next; /* in its bucket, or in the free list */
};

struct mw_dict {
	struct mw_dict_cfg cfg;
	mw_dict_fn fn;
	mw_dict_login_fn login;
	mw_dict_confirm_fn confirm;
	mw_dict_prefix_fn may_aggregate;
	void *arg;
	struct conn *conns[CONN_BUCKETS];
	struct src *srcs[SRC_BUCKETS];
	size_t n_conns, n_srcs;
	uint64_t dist_reported_ns[MW_SVC_MAX];
	/* per service, as of the latest tick: sources with tries, their tries */
	unsigned active_sources[MW_SVC_MAX];
	unsigned active_tries[MW_SVC_MAX];
	struct conn last_conn[MW_SVC_MAX]; /* where the latest try was: the target */
	/* prefixes, from a slab freed with the detector: as many as sources */
	struct agg *aggs[AGG_BUCKETS];
	struct agg *agg_free;
	size_t n_aggs, agg_used;
	struct agg agg_slab[MAX_AGGS];
};

static inline uint32_t hash_bytes(const void *p, size_t len)
{
	const uint8_t *b = p;
	uint32_t h = 2166136261u;
	size_t i;

	for (i = 0; i < len; i++)
		h = (h ^ b[i]) * 16777619u;
	return h;
}

static inline uint64_t window_ns(const struct mw_dict *d)
{
	return d->cfg.window_ms * 1000000ULL;
}

/* The long window: [dict] long_window, never shorter than the window. */
static inline uint64_t long_window_ns(const struct mw_dict *d)
{
	uint64_t ms = d->cfg.long_window_ms > d->cfg.window_ms ? d->cfg.long_window_ms :
								 d->cfg.window_ms;

	return ms * 1000000ULL;
}

/* dict_tries.c: a source's tries */
struct src *dict_conn_src(struct mw_dict *d, struct conn *c);
void dict_pend_remove(struct conn *c);
void dict_add_final(struct mw_dict *d, struct conn *c, uint64_t now);
void dict_add_pending(struct mw_dict *d, struct conn *c, uint64_t now);
void dict_add_try(struct mw_dict *d, struct conn *c, uint64_t now);
void dict_finalize(struct mw_dict *d, struct conn *c, uint64_t now);
void dict_login(struct mw_dict *d, struct conn *c, uint64_t now);
void dict_tries_tick(struct mw_dict *d, uint64_t now);

#endif
