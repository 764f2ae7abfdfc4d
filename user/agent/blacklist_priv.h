/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * blacklist_priv.h - what the files of the agent's BLACKLIST glue
 * (agent/blacklist*.c) share among themselves; the rest of the agent uses
 * agent/blacklist.h.
 */
#ifndef MW_AGENT_BLACKLIST_PRIV_H
#define MW_AGENT_BLACKLIST_PRIV_H

#include <stdbool.h>

#include "agent/blacklist.h"
#include "agent/blacklist_lists.h"

/* blacklist.c */
/* @addr is never blocked: internal (unless configured), or allowlisted. */
bool mw_agent_blacklist_protected(const struct mw_agent_blacklist *a, const struct mw_addr *addr);
/* A learned address leaves the tries in force (expired, evicted, allowed). */
void mw_agent_blacklist_forget(void *arg, const struct mw_bl_learned *l);
/* A run-time list came or went: saved for the next start, put in force. */
int mw_agent_blacklist_runtime_changed(struct mw_agent_blacklist *a);

/* blacklist_hits.c: the event sinks of hits, and hits found elsewhere */
void mw_agent_blacklist_hits_flow(void *arg, const struct mw_event_flow *ev);
void mw_agent_blacklist_hits_new_public(void *arg, const struct mw_event_flow *ev);
/* @l was just learned: a flow the host opened to it a moment ago is a hit. */
void mw_agent_blacklist_hits_learned(struct mw_agent_blacklist *a, const struct mw_bl_learned *l);
/* The host's ClientHello (tls_hello.h subscriber): its SNI or JA4 listed */
void mw_agent_blacklist_hits_hello(void *arg, const struct mw_tls_hello *hl);

/* blacklist_dns.c */
/* Re-reads the host's resolvers (says so when they changed). */
void mw_agent_blacklist_dns_resolvers(struct mw_agent_blacklist *a);
/* A DNS copy (port 53): the host's query remembered, or an answer learned. */
void mw_agent_blacklist_dns_peek(struct mw_agent_blacklist *a, const struct mw_event_peek *ev);

#endif
