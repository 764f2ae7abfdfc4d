// SPDX-License-Identifier: GPL-2.0-only
/* test_crowdsec.c - the fleet link's decisions (agent/crowdsec.c) on a real
 * policy without nftables: what is pushed and what never is, decisions
 * becoming CROWDSEC blocks, deletions lifting only what the fleet blocked
 * and only when no other decision holds it, the allowlist winning, the
 * share of the cap, and a startup stream lifting what ended while the
 * agent was away. The HTTP thread is not started. Built with ASan. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent/crowdsec.h"
#include "enforce/policy.h"
#include "fleet/decision.h"
#include "fleet/ids.h"
#include "parse/config.h"
#include "test.h"

struct fixture {
	char dir[64];
	struct mw_config cfg;
	struct mw_allow allow;
	struct mw_policy p;
	struct mw_agent_crowdsec c;
};

static bool fixture_init(struct fixture *f, const char *allow)
{
	struct mw_policy_deps deps = { .allow = &f->allow, .block_fd = -1, .block_net_fd = -1 };

	memset(f, 0, sizeof(*f));
	snprintf(f->dir, sizeof(f->dir), "/tmp/mw-cs-XXXXXX");
	mw_config_defaults(&f->cfg);
	if (!ASSERT_TRUE(mkdtemp(f->dir), "temporary state directory"))
		return false;
	snprintf(f->cfg.state_dir, sizeof(f->cfg.state_dir), "%s", f->dir);
	f->cfg.max_blocks = 20;
	f->cfg.method_share = 50;
	if (allow)
		mw_prefix_parse(allow, &f->cfg.allow[f->cfg.n_allow++]);
	if (!ASSERT_EQ(mw_allow_init(&f->allow, &f->cfg), 0, "allowlist"))
		return false;
	mw_allow_refresh(&f->allow, &f->cfg, -1);
	if (!ASSERT_EQ(mw_policy_init(&f->p, &f->cfg, &deps), 0, "policy"))
		return false;
	f->c = (struct mw_agent_crowdsec){ .cfg = &f->cfg,
					   .policy = &f->p,
					   .push_on = true,
					   .done_fd = -1,
					   .ids = mw_cs_ids_new() };
	return ASSERT_EQ(mw_cs_pushq_init(&f->c.queue, "", 100, stderr), 0, "queue") &&
	       ASSERT_TRUE(f->c.ids != NULL, "ids");
}

static void fixture_free(struct fixture *f)
{
	char cmd[128];

	mw_cs_pushq_free(&f->c.queue);
	mw_cs_ids_free(f->c.ids);
	mw_policy_free(&f->p);
	mw_allow_free(&f->allow);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", f->dir);
	if (system(cmd))
		fprintf(stderr, "cannot remove %s\n", f->dir);
}

static struct mw_cs_decision decision(int64_t id, const char *target, const char *scenario)
{
	struct mw_cs_decision d = { .id = id, .duration_ms = 3600000, .scope = MW_CS_SCOPE_IP };

	if (mw_prefix_parse(target, &d.target))
		fprintf(stderr, "bad test target %s\n", target);
	if (strchr(target, '/'))
		d.scope = MW_CS_SCOPE_RANGE;
	snprintf(d.scenario, sizeof(d.scenario), "%s", scenario);
	snprintf(d.origin, sizeof(d.origin), "cscli");
	return d;
}

static void apply(struct fixture *f, struct mw_cs_decision *added, size_t n_added,
		  struct mw_cs_decision *deleted, size_t n_deleted, bool startup)
{
	struct mw_cs_stream s = {
		.added = added, .n_added = n_added, .deleted = deleted, .n_deleted = n_deleted
	};

	mw_agent_crowdsec_apply(&f->c, &s, startup);
}

static const struct mw_block_entry *blocked(struct fixture *f, const char *target)
{
	struct mw_prefix p;

	mw_prefix_parse(target, &p);
	return mw_policy_find(&f->p, &p);
}

static void t_decisions(void *arg)
{
	struct fixture f;
	struct mw_cs_decision add[] = { decision(1, "203.0.113.7", "crowdsecurity/ssh-bf"),
					decision(2, "203.0.113.7", "minewall/SSHDICT"),
					decision(3, "2001:db8:5::/64", "community/range"),
					decision(4, "198.51.100.9", "crowdsecurity/http-probing") };
	struct mw_cs_decision del1[] = { decision(1, "203.0.113.7", "") };
	struct mw_cs_decision del2[] = { decision(2, "203.0.113.7", ""),
					 decision(4, "198.51.100.9", "") };
	struct mw_block_req local = { .reason = "5 logins",
				      .method = "SSHDICT",
				      .timeout_ms = 2 * 3600000 };
	const struct mw_block_entry *e;

	(void)arg;
	if (!fixture_init(&f, NULL))
		return;
	mw_prefix_parse("198.51.100.9", &local.target);
	{
		char msg[128];

		ASSERT_EQ(mw_policy_block(&f.p, &local, msg, sizeof(msg)), MW_BLOCKED,
			  "a local detection blocks 198.51.100.9 first");
	}
	apply(&f, add, 4, NULL, 0, true);
	e = blocked(&f, "203.0.113.7");
	ASSERT_TRUE(e && !strcmp(e->method, "CROWDSEC"), "a decision becomes a CROWDSEC block");
	ASSERT_TRUE(e && !strcmp(e->reason, "crowdsecurity/ssh-bf"),
		    "with the decision's scenario as reason");
	ASSERT_TRUE(e && e->expires_s > 0, "and an end");
	ASSERT_TRUE(blocked(&f, "2001:db8:5::/64") != NULL, "a Range decision blocks the prefix");
	ASSERT_EQ(f.c.n.decisions_added, 4, "four applied");

	apply(&f, NULL, 0, del1, 1, false);
	ASSERT_TRUE(blocked(&f, "203.0.113.7") != NULL,
		    "one of two decisions deleted: the other still holds the block");
	apply(&f, NULL, 0, del2, 2, false);
	ASSERT_TRUE(blocked(&f, "203.0.113.7") == NULL, "the last one deleted: lifted");
	e = blocked(&f, "198.51.100.9");
	ASSERT_TRUE(e && !strcmp(e->method, "SSHDICT") && !strcmp(e->reason, "5 logins"),
		    "a longer block this host decided itself keeps its method and reason");
	ASSERT_TRUE(e && e->count == 1, "a decision is not an offence of this host's");

	/* a shorter local block: the fleet's longer ban takes it over, and
	 * the fleet lifts it (the operator's cscli decisions delete) */
	{
		struct mw_cs_decision over[] = { decision(5, "198.51.100.10", "fleet/longer") };
		struct mw_block_req shorter = { .reason = "3 logins",
						.method = "SSHDICT",
						.timeout_ms = 60000 };
		char msg[128];

		mw_prefix_parse("198.51.100.10", &shorter.target);
		mw_policy_block(&f.p, &shorter, msg, sizeof(msg));
		apply(&f, over, 1, NULL, 0, false);
		e = blocked(&f, "198.51.100.10");
		ASSERT_TRUE(e && !strcmp(e->method, "CROWDSEC"), "the longer ban owns the block");
		apply(&f, NULL, 0, over, 1, false);
		ASSERT_TRUE(blocked(&f, "198.51.100.10") == NULL, "and its deletion lifts it");
	}

	/* the agent restarts: a full stream without the /64 lifts it */
	apply(&f, NULL, 0, NULL, 0, true);
	ASSERT_TRUE(blocked(&f, "2001:db8:5::/64") == NULL,
		    "a startup stream lifts a CROWDSEC block whose decision ended meanwhile");
	ASSERT_TRUE(blocked(&f, "198.51.100.9") != NULL, "and leaves the local one");
	fixture_free(&f);
}

static void t_allow_and_share(void *arg)
{
	struct fixture f;
	struct mw_cs_decision add[12];
	char buf[32];
	size_t i;

	(void)arg;
	if (!fixture_init(&f, "192.0.2.0/24"))
		return;
	add[0] = decision(100, "192.0.2.50", "community/list");
	for (i = 1; i < 12; i++) {
		snprintf(buf, sizeof(buf), "198.18.0.%zu", i);
		add[i] = decision(100 + (int64_t)i, buf, "community/list");
	}
	add[11].duration_ms = -5; /* expired before it came */
	apply(&f, add, 12, NULL, 0, true);
	{
		struct mw_cs_decision wide[] = { decision(300, "8.0.0.0/5", "abuse/wide"),
						 decision(301, "2000::/3", "abuse/wide") };

		apply(&f, wide, 2, NULL, 0, false);
		ASSERT_TRUE(!blocked(&f, "8.0.0.0/5") && !blocked(&f, "2000::/3"),
			    "a range wider than IPv4 /8 or IPv6 /32 is never enforced");
	}
	ASSERT_TRUE(blocked(&f, "192.0.2.50") == NULL, "an allowlisted address is never blocked");
	ASSERT_EQ(f.c.n.refused_allow, 1, "and the refusal counted once");
	ASSERT_EQ(mw_policy_active_method(&f.p, "CROWDSEC"), 10,
		  "CROWDSEC holds its share of the cap (50% of 20), no more");
	ASSERT_EQ(f.c.n.refused_cap, 0, "ten fit");
	ASSERT_EQ(f.c.n.skipped, 3, "the expired one and the wide ones skipped");
	/* the periodic full pull sends them all again: nothing counted twice */
	f.c.startup_done = true;
	apply(&f, add, 12, NULL, 0, true);
	ASSERT_EQ(f.c.n.refused_allow, 1, "a full pull again: the refusal not counted again");
	ASSERT_EQ(f.c.n.skipped, 3, "nor the skipped one");
	ASSERT_EQ(mw_policy_active_method(&f.p, "CROWDSEC"), 10, "the blocks as they were");
	fixture_free(&f);

	if (!fixture_init(&f, NULL))
		return;
	for (i = 0; i < 12; i++) {
		snprintf(buf, sizeof(buf), "198.18.1.%zu", i);
		add[i] = decision(200 + (int64_t)i, buf, "community/list");
	}
	apply(&f, add, 12, NULL, 0, true);
	ASSERT_EQ(mw_policy_active_method(&f.p, "CROWDSEC"), 10, "12 decisions: 10 blocks");
	ASSERT_EQ(f.c.n.refused_cap, 2, "two refused at the share");
	{
		struct mw_block_req local = { .reason = "5 logins", .method = "SSHDICT" };
		char msg[128];

		mw_prefix_parse("203.0.113.1", &local.target);
		ASSERT_EQ(mw_policy_block(&f.p, &local, msg, sizeof(msg)), MW_BLOCKED,
			  "a community list does not crowd out a local detection");
	}
	fixture_free(&f);
}

static void t_push(void *arg)
{
	struct fixture f;
	struct mw_block_entry e = { .count = 1, .timeout_ms = 600000 };
	const char *a;

	(void)arg;
	if (!fixture_init(&f, NULL))
		return;
	mw_prefix_parse("203.0.113.7", &e.prefix);
	e.seen = e.prefix.addr;
	e.expires_s = time(NULL) + 600;
	snprintf(e.reason, sizeof(e.reason), "5 completed logins in 60s");

	snprintf(e.method, sizeof(e.method), "SSHDICT");
	mw_agent_crowdsec_on_block(&f.c, "block", &e, "blocked");
	ASSERT_EQ(f.c.queue.n, 1, "an SSHDICT block is queued");
	a = mw_cs_pushq_at(&f.c.queue, 0);
	ASSERT_TRUE(a && strstr(a, "\"minewall/SSHDICT\""), "as scenario minewall/SSHDICT");
	ASSERT_TRUE(a && strstr(a, "203.0.113.7"), "naming the attacker");

	mw_agent_crowdsec_on_block(&f.c, "block", &e, "dry-run");
	mw_agent_crowdsec_on_block(&f.c, "unblock", &e, "unblocked");
	ASSERT_EQ(f.c.queue.n, 1, "a dry run and an unblock are not pushed");
	snprintf(e.method, sizeof(e.method), "CROWDSEC");
	mw_agent_crowdsec_on_block(&f.c, "block", &e, "blocked");
	ASSERT_EQ(f.c.queue.n, 1, "a block that came from the LAPI is never pushed back");
	snprintf(e.method, sizeof(e.method), "DIRNET");
	mw_agent_crowdsec_on_block(&f.c, "block", &e, "blocked");
	snprintf(e.method, sizeof(e.method), "MANUAL");
	mw_agent_crowdsec_on_block(&f.c, "block", &e, "blocked");
	ASSERT_EQ(f.c.queue.n, 1, "DIRNET (about this host) and the operator's blocks are not");
	snprintf(e.method, sizeof(e.method), "BPATTERNS");
	mw_agent_crowdsec_on_block(&f.c, "block", &e, "blocked");
	ASSERT_EQ(f.c.queue.n, 1, "push = inbound: a pool is not pushed");
	f.cfg.cs.push = MW_CS_PUSH_ALL;
	mw_agent_crowdsec_on_block(&f.c, "block", &e, "blocked");
	ASSERT_EQ(f.c.queue.n, 2, "push = all: it is");
	f.cfg.cs.push = MW_CS_PUSH_NONE;
	snprintf(e.method, sizeof(e.method), "SSHDICT");
	mw_agent_crowdsec_on_block(&f.c, "block", &e, "blocked");
	ASSERT_EQ(f.c.queue.n, 2, "push = none: nothing");

	/* the LAPI away long enough: the queue (100 here) keeps the newest */
	f.cfg.cs.push = MW_CS_PUSH_INBOUND;
	{
		int k;

		for (k = 0; k < 120; k++) {
			snprintf(e.reason, sizeof(e.reason), "attack %d", k);
			mw_agent_crowdsec_on_block(&f.c, "block", &e, "blocked");
		}
	}
	ASSERT_EQ(f.c.queue.n, 100, "the queue holds queue_max alerts");
	ASSERT_EQ(f.c.queue.dropped, 22, "the oldest dropped and counted");
	ASSERT_TRUE(f.c.drop_said, "and said");
	a = mw_cs_pushq_at(&f.c.queue, 99);
	ASSERT_TRUE(a && strstr(a, "attack 119"), "the newest is kept");
	fixture_free(&f);
}

int main(int argc, char **argv)
{
	if (argc > 1)
		test_filter = argv[1];
	test_run("crowdsec: decisions become and stop being CROWDSEC blocks", t_decisions, NULL);
	test_run("crowdsec: the allowlist wins, the share holds", t_allow_and_share, NULL);
	test_run("crowdsec: what is pushed and what never is", t_push, NULL);
	return test_summary("crowdsec");
}
