/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * dict.h - SSHDICT, RDPDICT, HTTPDICT, DICTATTACK: login tries counted from
 * the shape of connections to protected services, without logs and without
 * decrypting anything. Plain C over the datapath's events; no kernel needed.
 *
 * A try is a refusal the server repeats: inside one connection, the server's
 * answer to a failed login has the same size every time (an SSH
 * USERAUTH_FAILURE, an FTP "530", an HTTP 401), so each repeat of a small
 * server burst during the login phase is one more refused try. The login
 * phase ends when the server starts a session (a large burst after the key
 * exchange), and a session after refusals is a successful attack. A short,
 * completed connection that got nowhere counts as one try. Connections that
 * never completed the TCP handshake are never evidence.
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
	struct mw_addr src; /* the attacker (a listed source when distributed) */
	struct mw_addr dst;
	uint16_t dst_port;
	uint16_t src_port; /* of the connection that crossed the threshold */
	uint32_t ifindex; /* where it came in */
	uint32_t attempts; /* in the window */
	uint64_t first_ns, last_ns;
	bool successful; /* a session after failed tries */
	bool distributed;
	struct mw_addr sources[MW_DICT_MAX_LISTED];
	unsigned n_sources;
	unsigned total_sources;
};

typedef void (*mw_dict_fn)(void *arg, const struct mw_dict_detection *d);

/* A client logged in without guessing (its tries, if any, below the
 * success threshold), or (@up false) that connection ended: for the
 * allowlist of SSH sessions. */
typedef void (*mw_dict_login_fn)(void *arg, unsigned svc, const struct mw_addr *src,
				 uint16_t src_port, bool up);

struct mw_dict;

struct mw_dict *mw_dict_new(const struct mw_config *cfg, mw_dict_fn fn, void *arg);
void mw_dict_free(struct mw_dict *d);
void mw_dict_on_login(struct mw_dict *d, mw_dict_login_fn fn);
/* The datapath's events for watched connections. */
void mw_dict_burst(struct mw_dict *d, const struct mw_event_burst *ev);
void mw_dict_flow_end(struct mw_dict *d, const struct mw_event_flow *ev);
/* Forgets what is older than the window (call each cycle). */
void mw_dict_tick(struct mw_dict *d, uint64_t now_ns);
const char *mw_dict_method(unsigned svc);
/* Tries counted for a source (tests). */
uint32_t mw_dict_attempts(const struct mw_dict *d, const struct mw_addr *src, unsigned svc);

#endif
