/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * tls_hello.h - the TLS ClientHellos the host sends, each read once: put
 * back together from the datapath's copies (detect/reasm), with its server
 * name, whether it offers ALPN, and its JA4 (parse/ja4). The detectors
 * that care subscribe (the blacklist's SNI match, ja4 lists, BPATTERNS'
 * no-SNI input, DIRNET and its DoH check); events and `minewall flows`
 * look a flow's ClientHello up by its key while the flow lives.
 *
 * Memory is bounded: at most MW_TLS_HELLO_KEEP ClientHellos are kept, the
 * oldest goes first, and one whose flow ended goes soon after.
 */
#ifndef MW_AGENT_TLS_HELLO_H
#define MW_AGENT_TLS_HELLO_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "agent/events.h"
#include "minewall.h"
#include "parse/ja4.h"
#include "parse/name.h"

#define MW_TLS_HELLO_KEEP 4096
#define MW_TLS_HELLO_SUBS 8

/* One ClientHello, as the first copy's event described its flow. */
struct mw_tls_hello {
	struct mw_flow_key key;
	uint64_t seen_ns; /* when it was read whole (CLOCK_MONOTONIC) */
	uint32_t ifindex;
	uint8_t dir, initiator, handshake, host_opened;
	bool has_sni; /* it names a server (@sni) */
	bool has_alpn; /* it offers application protocols */
	char sni[MW_NAME_MAX]; /* "" when none */
	char ja4[MW_JA4_LEN]; /* "" when the record could not be read whole */
};

/* Called once per ClientHello read, in the order of subscription. */
typedef void (*mw_tls_hello_fn)(void *arg, const struct mw_tls_hello *h);

struct mw_tls_hello_table; /* tls_hello.c's */

struct mw_agent_tls_hello {
	struct mw_tls_hello_table *t;
	/* @read: ClientHellos read; @no_ja4: of those, not read whole */
	uint64_t read, no_ja4;
};

/* Registers the peek and flow-end sinks on @ev. Returns 0 or -errno. */
int mw_agent_tls_hello_start(struct mw_agent_tls_hello *a, struct mw_events *ev);
void mw_agent_tls_hello_stop(struct mw_agent_tls_hello *a);
/* Returns 0, or -ENOSPC past MW_TLS_HELLO_SUBS subscribers. */
int mw_agent_tls_hello_subscribe(struct mw_agent_tls_hello *a, mw_tls_hello_fn fn, void *arg);
/* The ClientHello of the flow @key, or NULL (none seen, or forgotten). */
const struct mw_tls_hello *mw_agent_tls_hello_find(const struct mw_agent_tls_hello *a,
						   const struct mw_flow_key *key);
/* Drops what expired: called from the agent's periodic cycle. */
void mw_agent_tls_hello_expire(struct mw_agent_tls_hello *a, uint64_t now_ns);
/* Calls @fn with every ClientHello kept whose flow lives. */
void mw_agent_tls_hello_each(const struct mw_agent_tls_hello *a, mw_tls_hello_fn fn, void *arg);
/* {"ja4", "sni" (each when known), "alpn": bool}, for events and flows. */
json_t *mw_agent_tls_hello_json(const struct mw_tls_hello *h);
struct mw_reasm;
/* The reassembly's counters (metrics); NULL before start. */
const struct mw_reasm *mw_agent_tls_hello_reasm(const struct mw_agent_tls_hello *a);

#endif
