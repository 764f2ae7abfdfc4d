/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * blacklist.h - the agent's side of BLACKLIST: loads the configured
 * and run-time lists, puts them into the kernel's tries (a new trie beside
 * the one in force, then one swap), learns the addresses of listed names
 * from the answers to the host's own DNS queries, matches TLS SNI, and
 * turns hits into detections; a hit blocks only on a flow the host opened.
 */
#ifndef MW_AGENT_BLACKLIST_H
#define MW_AGENT_BLACKLIST_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "parse/config.h"
#include "agent/blacklist_maps.h"
#include "detect/blacklist.h"
#include "detect/dnsq.h"
#include "agent/tls_hello.h"
#include "enforce/policy.h"
#include "agent/events.h"
#include "output/eve.h"
#include "parse/dns.h"

struct mw_env;

/*
 * Called with every DNS answer the agent verified: it answers a query the
 * host sent (reversed 5-tuple, DNS ID, question) and comes from one of the
 * host's resolvers. @on_chain marks the names of @msg on the question's
 * CNAME chain (mw_dns_chain); only records of those owners are the
 * resolver's answer to the question. Called whether or not any list is
 * loaded: other detectors (DIRNET's allowed names) learn from it.
 */
typedef void (*mw_bl_dns_answer_fn)(void *arg, const struct mw_dns_msg *msg, const bool *on_chain,
				    uint64_t now_ns);

struct mw_agent_blacklist {
	const struct mw_config *cfg;
	struct mw_blacklist bl;
	struct mw_blacklist_maps k;
	volatile uint32_t *enforce; /* the programs' mw_bl_enforce */
	struct mw_policy *policy; /* NULL: detect only (tests) */
	struct mw_allow *allow; /* NULL: nothing allowlisted */
	struct mw_eve *eve;
	struct mw_nat_view *nat; /* containers' views; NULL: none */
	int owner_fd; /* mw_owner: the process behind a flow the host opened */
	char state_path[PATH_MAX]; /* run-time lists: "NAME PATH" lines */
	uint64_t detections, learned, sni_matches, ja4_matches, build_ms;
	/* the host's ClientHellos (SNI, JA4), matched by subscription and
	 * looked up by flow for the events' ja4; NULL: none (tests) */
	struct mw_agent_tls_hello *hello;
	/* DNS: the host's queries waiting for their answer, and the resolvers
	 * whose answers are believed (resolv.conf, re-read on every tick) */
	struct mw_dnsq queries;
	const char *resolv_conf, *resolved_conf; /* tests may point elsewhere */
	struct mw_addr resolvers[32];
	size_t n_resolvers;
	uint64_t dns_not_resolver, dns_refused_allowed;
	/* who else learns from the verified answers (NULL: nobody) */
	mw_bl_dns_answer_fn on_answer;
	void *on_answer_arg;
	/* the latest new flows to public addresses: peeks come on a ring of
	 * their own, read after the flow events, so the host's connection to
	 * an address may be read before the answer that named it */
	struct mw_bl_recent_flow {
		struct mw_flow_key key;
		uint64_t seen_ns;
		uint32_t ifindex;
		uint8_t dir, initiator, host_opened, handshake;
		uint64_t sock_cookie;
	} new_flows[1024];
	unsigned new_flows_pos;
	/* recent reports, so that a flood of flows to one pool is one line */
	struct {
		struct mw_addr addr;
		uint64_t ns;
		bool may_block;
	} recent[64];
	unsigned recent_pos;
};

/*
 * Finds the maps in @env's programs, loads the lists (config, then run-time
 * ones from the state directory), puts them in force and registers on
 * @env's events. Returns 0 or -errno; a list that fails to load is reported
 * and skipped.
 */
int mw_agent_blacklist_init(struct mw_agent_blacklist *a, const struct mw_env *env);
void mw_agent_blacklist_free(struct mw_agent_blacklist *a);
/* Hands every verified DNS answer to @fn(@arg, ...) from now on. */
void mw_agent_blacklist_on_dns_answer(struct mw_agent_blacklist *a, mw_bl_dns_answer_fn fn,
				      void *arg);
/* After a config reload or SIGHUP: reads every list file again and swaps. */
int mw_agent_blacklist_reload(struct mw_agent_blacklist *a);
/* Compiles what is loaded and swaps it in. Returns 0 or -errno. */
int mw_agent_blacklist_apply(struct mw_agent_blacklist *a);
/* Ends learned addresses whose TTL ran out, forgets unanswered queries,
 * re-reads the resolvers. */
void mw_agent_blacklist_tick(struct mw_agent_blacklist *a, uint64_t now_ns);
/* The allowlist changed (`minewall allow`, a refresh): learned addresses it
 * now covers leave the kernel at once, and the lists are rebuilt when a
 * listed address is now allowed. */
void mw_agent_blacklist_allow_changed(struct mw_agent_blacklist *a);
/* Control requests blacklist_list, blacklist_test, blacklist_load,
 * blacklist_unload; NULL with @err set when the request is wrong. */
json_t *mw_agent_blacklist_control(struct mw_agent_blacklist *a, const char *cmd, json_t *req,
				   char *err, size_t len);

#endif
