/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * crowdsec.h - minewall in a fleet through CrowdSec's Local API: the blocks
 * this host decides go to the LAPI as alerts (the machine role), and the
 * LAPI's decisions are enforced here as blocks of method CROWDSEC (the
 * bouncer role). HTTP runs on a thread of its own that only talks to the
 * LAPI; the queue, the policy and every decision stay on the agent's loop,
 * which hands the thread one job at a time and takes its result back
 * through an eventfd. Nothing the LAPI does (slow, gone, hostile) can stall
 * the loop.
 */
#ifndef MW_AGENT_CROWDSEC_H
#define MW_AGENT_CROWDSEC_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "enforce/ledger.h"
#include "fleet/lapi.h"
#include "fleet/pushq.h"

#define MW_METHOD_CROWDSEC "CROWDSEC"

struct mw_env;
struct mw_cs_stream;
struct mw_policy;
struct mw_allow;
struct mw_eve;
struct mw_config;
struct mw_cs_ids; /* decision id -> prefix, agent/crowdsec.c */

/* What the operator sees (minewall status, metrics). */
struct mw_cs_counters {
	uint64_t pushed; /* alerts the LAPI took */
	uint64_t push_failures; /* attempts that failed (LAPI away, refused...) */
	uint64_t push_rejected; /* alerts dropped for good (the LAPI refused them) */
	uint64_t pulls, pull_failures;
	uint64_t decisions_added, decisions_deleted; /* applied from the stream */
	uint64_t refused_allow; /* decisions for allowlisted addresses */
	uint64_t refused_cap; /* decisions beyond CROWDSEC's share of max_blocks */
	uint64_t skipped; /* scope, type, malformed */
	int64_t last_push_s, last_pull_s; /* wall clock of the latest success; 0: none */
	double last_apply_s; /* how long the latest stream took to apply */
	uint64_t last_apply_n;
};

struct mw_agent_crowdsec {
	const struct mw_config *cfg;
	struct mw_policy *policy;
	struct mw_eve *eve;
	bool push_on, pull_on;
	char password[PATH_MAX], bouncer_key[PATH_MAX]; /* from the config or their files */
	struct mw_cs_pushq queue;
	struct mw_cs_ids *ids;
	/* the thread and its one job */
	struct mw_lapi lapi;
	pthread_t thread;
	bool thread_running;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	int done_fd; /* eventfd: the job is done */
	struct mw_cs_job {
		/* under @lock: handed over (busy), begun by the thread (taken),
		 * done (finished); the loop reads and writes the rest only
		 * while the job is not busy, or busy and finished */
		bool busy, taken, finished;
		volatile int stop; /* the thread ends; a request in flight aborts */
		/* in */
		char *push_body;
		size_t push_n;
		bool pull, startup;
		/* out */
		int push_err, pull_err;
		char *pull_body;
		size_t pull_len;
		struct mw_cs_stream *stream; /* parsed by the thread */
		bool logged_in;
		long push_status; /* HTTP status of the push */
		char error[256]; /* the pull's */
		/* the push's apart: a pull that fails in the same job must not
		 * hide why the push failed (a refused login) */
		char push_error[256];
	} job;
	bool startup_done; /* the first full stream was applied */
	bool resync; /* applying a periodic full stream: said and counted before */
	bool logged_in;
	uint64_t next_full_ns; /* the next pull of the whole stream (startup=true) */
	uint64_t next_pull_ns, next_push_ns; /* retry back-off when the LAPI is away */
	unsigned push_backoff;
	bool drop_said; /* the queue overflowed and it was said */
	int last_push_err; /* of the latest push: 0, -EHOSTUNREACH, -EACCES... */
	size_t batch; /* alerts a push carries: halved to one to find an alert the LAPI refuses */
	char last_error[256];
	char push_said[256], pull_said[256]; /* each role's error as said last */
	int save_err; /* of the latest save of the queue, said when it changes */
	size_t said; /* decisions of the pull being applied said one by one */
	struct mw_cs_counters n;
};

/* Starts the fleet link when [crowdsec] url is set (a no-op otherwise):
 * reads the secret files, loads the queue from the state directory,
 * starts the thread. A bad secret file or an unreachable LAPI is reported
 * and the host keeps being protected: returns -errno only when out of
 * memory or threads. */
int mw_agent_crowdsec_init(struct mw_agent_crowdsec *c, const struct mw_env *env);
/* A block or unblock took effect (the policy's notify): a block this host
 * decided is queued for the LAPI when [crowdsec] push says so. */
void mw_agent_crowdsec_on_block(struct mw_agent_crowdsec *c, const char *event_type,
				const struct mw_block_entry *e, const char *action);
/* Every cycle: hands the thread its next job (push what is queued, pull
 * when due). */
void mw_agent_crowdsec_tick(struct mw_agent_crowdsec *c, uint64_t now_ns);
/* The eventfd the loop polls (-1: off), and what to do when it fires:
 * applies the pulled decisions (one nft transaction), settles the queue. */
int mw_agent_crowdsec_fd(const struct mw_agent_crowdsec *c);
void mw_agent_crowdsec_done(struct mw_agent_crowdsec *c);
/* Applies a pulled stream: deletions, then new decisions as CROWDSEC
 * blocks, in one nft transaction; a @startup stream replaces what was
 * known and lifts CROWDSEC blocks it no longer holds. (The loop calls it
 * when a pull is done; public for the tests.) */
void mw_agent_crowdsec_apply(struct mw_agent_crowdsec *c, const struct mw_cs_stream *s,
			     bool startup);
/* "crowdsec_status": the link as minewall status shows it. */
json_t *mw_agent_crowdsec_control(struct mw_agent_crowdsec *c, const char *cmd, json_t *req,
				  char *err, size_t len);
/* Stops the thread (an HTTP request in flight ends by its timeout), saves
 * the queue. */
void mw_agent_crowdsec_free(struct mw_agent_crowdsec *c);

#endif
