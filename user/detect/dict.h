/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * dict.h - SSHDICT, RDPDICT, HTTPDICT, DICTATTACK: login tries counted from
 * the shape of connections to protected services, without logs and without
 * decrypting anything. Plain C over the datapath's events; no kernel needed.
 *
 * A try is a refusal of an authentication request, taken from what the
 * protocol fixes for it, never "a short connection that got nowhere":
 * - clear-text protocols (HTTP, FTP, SMTP, POP3, IMAP, Redis, MySQL,
 *   PostgreSQL): the reply code in the first bytes of the server's reply
 *   (401/403, 530, 535, -ERR, tagged NO, error 1045, SQLSTATE 28P01);
 * - SSH: the USERAUTH_FAILURE, the reply that repeats during the
 *   authentication; a USERAUTH_SUCCESS is the smallest reply there is, and
 *   a login is recognised only when it is followed by what no unauthenticated
 *   client can get: a server burst larger than every reply seen before the
 *   login, answering a small client message (the session: OpenSSH's host-key
 *   announcement, the channel, the command's output);
 * - other encrypted services (RDP): a refusal that repeats inside a
 *   connection, and a short connection that went no further than its
 *   handshake (RDP puts one try in each connection).
 * Only connections whose TCP handshake the datapath saw complete, in order,
 * are evidence. Tries of an SSH connection still in its authentication are
 * pending: a client offering keys one by one gets refusals before the key
 * that works, so they become final only when that connection ends without a
 * login, holds `grace` of them, or the same source has another connection
 * with pending tries at once (a parallel guesser).
 *
 * Tries are counted in the unit that is banned: an IPv4 address, an IPv6
 * [enforce] ipv6_prefix (a /64), so that addresses rotated inside it add up;
 * over the window and a long window (a slow guesser); and per prefix (an
 * IPv4 /24, an IPv6 /48) whose sources, each with tries of its own, add up.
 */
#ifndef MW_DICT_H
#define MW_DICT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "config.h"
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

/* Whether the sources of @p may add up to one attacker (the agent: @p holds
 * no address that is never blocked, such as the host's own). */
typedef bool (*mw_dict_prefix_fn)(void *arg, const struct mw_prefix *p);

struct mw_dict;

struct mw_dict *mw_dict_new(const struct mw_config *cfg, mw_dict_fn fn, void *arg);
void mw_dict_free(struct mw_dict *d);
void mw_dict_on_login(struct mw_dict *d, mw_dict_login_fn fn);
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
