/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * dict.h - SSHDICT, RDPDICT, HTTPDICT, DICTATTACK: login tries counted from
 * the shape of connections to protected services, without logs and without
 * decrypting anything. Plain C over the datapath's events; no kernel needed.
 *
 * A try is a refusal of an authentication request, taken from what the
 * protocol fixes for it, never "a short connection that got nowhere"; a
 * login is recognised, never inferred from a new reply size, and only a
 * recognised login takes tries back or ends the counting. Replies to junk
 * (SSH's UNIMPLEMENTED, FTP NOOP's 200, HTTP 404) are neither.
 * - clear-text protocols (HTTP, FTP, SMTP, POP3, IMAP, Redis, MySQL,
 *   PostgreSQL): the reply code in the first bytes of the server's reply
 *   (401/403, 530, 535, -ERR, tagged NO, error 1045, SQLSTATE 28P01), one
 *   a connection or many; a login only from a success code (230, 235,
 *   MySQL's OK, AuthenticationOk). HTTP login pages that refuse with 200:
 *   the same page (400 bytes and more) answering POSTs to one path, read
 *   from the request's first bytes when the datapath sends them;
 * - SSH, from sizes alone (see dict.c): every answer to an authentication
 *   request after the first (the "none" probe, a banner with it) is a try,
 *   one other answer aside (PK_OK, a keyboard-interactive prompt), a reply
 *   holding several refusals as many. A login is USERAUTH_SUCCESS (16
 *   bytes smaller than SERVICE_ACCEPT under every cipher) followed by
 *   OpenSSH's unsolicited host-key announcement and one more reply; a
 *   client that provokes a reply no ordinary client gets (UNIMPLEMENTED)
 *   has its tries counted at once. Re-exchanges are neither. Where the host
 *   can tell (mw_dict_on_confirm: sshd still writing as its unprivileged
 *   user has let no one in), a login's shape without its word is a forgery,
 *   and the connection's tries count at once;
 * - other encrypted services (RDP): a refusal that repeats inside a
 *   connection, and a short connection that went no further than its
 *   handshake (RDP puts one try in each connection).
 * Only connections whose TCP handshake the datapath saw complete, in order,
 * are evidence. Tries of an SSH connection still in its authentication are
 * pending: a client offering keys one by one gets refusals before the key
 * that works, so they become final only when that connection ends without a
 * login, goes quiet for 5 s without one (a connection held open), holds
 * `grace` of them, or the same source has another connection with pending
 * tries at once (a parallel guesser).
 *
 * Tries are counted in the unit that is banned: an IPv4 address, an IPv6
 * [enforce] ipv6_prefix (a /64), so that addresses rotated inside it add up;
 * over the window and a long window (a slow guesser); and per prefix (an
 * IPv4 /24, an IPv6 /48) whose sources, each with tries of its own, add up.
 */
#ifndef MW_DETECT_DICT_H
#define MW_DETECT_DICT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/addr.h"
#include "minewall.h"

#define MW_DICT_MAX_LISTED 32 /* sources named in a distributed detection */

struct mw_dict_detection {
	unsigned svc; /* enum mw_svc */
	const char *method; /* SSHDICT, RDPDICT, HTTPDICT, DICTATTACK */
	const char *evidence; /* what the tries were read from */
	struct mw_addr src; /* the attacker's latest address (a listed one when distributed) */
	/* where the tries were counted, what a block covers: @src's address
	 * (IPv4), its ipv6_prefix (IPv6), or the prefix of an aggregate */
	struct mw_prefix src_prefix;
	uint64_t window_ms; /* the window the tries were counted in */
	struct mw_addr dst;
	uint16_t dst_port;
	uint16_t src_port; /* of the connection that crossed the threshold */
	uint32_t ifindex; /* where it came in */
	uint32_t attempts; /* in the window */
	uint64_t first_ns, last_ns;
	bool successful; /* a recognised login after failed tries */
	bool distributed;
	bool aggregate; /* many sources of @src_prefix, each below the threshold */
	struct mw_addr sources[MW_DICT_MAX_LISTED]; /* distributed, aggregate */
	unsigned n_sources;
	unsigned total_sources;
};

typedef void (*mw_dict_fn)(void *arg, const struct mw_dict_detection *d);

/* A client's login was recognised (@up true) on connection @src:@src_port,
 * or (@up false) that connection ended: for the allowlist of SSH sessions. */
typedef void (*mw_dict_login_fn)(void *arg, unsigned svc, const struct mw_addr *src,
				 uint16_t src_port, bool up);

/* The host's word on a login the replies' shape shows on connection @key
 * (the local side is the server): 1 a login happened, 0 none did (the shape
 * was forged), -ENOENT the host cannot tell (not a local server, no
 * record): the shape is taken then. */
typedef int (*mw_dict_confirm_fn)(void *arg, unsigned svc, const struct mw_flow_key *key);
/* Whether the sources of @p may add up to one attacker (the agent: @p holds
 * no address that is never blocked, such as the host's own). */
typedef bool (*mw_dict_prefix_fn)(void *arg, const struct mw_prefix *p);

/* The detector's settings, filled by its glue from the [dict], [network]
 * and [enforce] sections of the configuration. */
struct mw_dict_cfg {
	uint64_t attempts[MW_SVC_MAX]; /* tries from one source in the window that make an attack */
	uint64_t window_ms;
	uint64_t long_window_ms; /* a slow source's window; 0: off */
	uint64_t long_attempts; /* tries from one source in it that make an attack */
	uint64_t dist_sources, dist_attempts; /* sources and tries that make a distributed attack */
	uint64_t success_attempts; /* failed tries before a login that make it a success */
	uint64_t grace; /* SSH: pending tries one connection may hold */
	uint64_t agg_v4, agg_v6; /* prefixes whose sources add up (32, 128: off) */
	uint64_t agg_sources; /* sources of one prefix, each with tries, that make an attack */
	uint64_t agg_attempts; /* and their tries together */
	uint64_t ipv6_prefix; /* an IPv6 source's tries add up over this prefix */
	bool http_internal; /* count HTTPDICT for internal clients too */
	/* never aggregated; internal clients make no HTTPDICT (unless
	 * @http_internal). The arrays must outlive the detector. */
	const struct mw_prefix *internal;
	unsigned n_internal;
	const struct mw_prefix *allow;
	unsigned n_allow;
};

struct mw_dict;

struct mw_dict *mw_dict_new(const struct mw_dict_cfg *cfg, mw_dict_fn fn, void *arg);
/* New settings (a reload); what was counted stays. */
void mw_dict_set_cfg(struct mw_dict *d, const struct mw_dict_cfg *cfg);
void mw_dict_free(struct mw_dict *d);
void mw_dict_on_login(struct mw_dict *d, mw_dict_login_fn fn);
void mw_dict_on_confirm(struct mw_dict *d, mw_dict_confirm_fn fn);
/* Without it, a prefix holding no internal or [enforce] allow address may. */
void mw_dict_on_prefix(struct mw_dict *d, mw_dict_prefix_fn fn);
/* The datapath's events for watched connections. */
void mw_dict_burst(struct mw_dict *d, const struct mw_event_burst *ev);
void mw_dict_flow_end(struct mw_dict *d, const struct mw_event_flow *ev);
/* Forgets what is older than the window (call each cycle). */
void mw_dict_tick(struct mw_dict *d, uint64_t now_ns);
const char *mw_dict_method(unsigned svc);
/* Final tries counted for a source (tests). */
uint32_t mw_dict_attempts(const struct mw_dict *d, const struct mw_addr *src, unsigned svc);

#endif
