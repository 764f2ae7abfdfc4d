// SPDX-License-Identifier: GPL-2.0-only
/*
 * crowdsec.c - the fleet link (see crowdsec.h). The loop owns everything
 * but the HTTP: each cycle it hands the thread at most one job (a batch of
 * queued alerts to push, a pull of the decisions stream), and when the
 * eventfd says the job is done it settles the queue and applies what was
 * pulled in one nft transaction. The thread parses the stream too, so that
 * a community list of 50,000 decisions costs the loop only their apply.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "agent/crowdsec.h"
#include "agent/env.h"
#include "agent/privs.h"
#include "enforce/policy.h"
#include "fleet/alert.h"
#include "fleet/decision.h"
#include "fleet/ids.h"
#include "lib/log.h"
#include "lib/util.h"
#include "output/eve.h"
#include "parse/config.h"

/* alerts a POST carries at most: ~40 ms each on a LAPI with sqlite and no WAL */
#define PUSH_BATCH_MAX 100
#define BACKOFF_MAX_S 60 /* the longest wait before trying an absent LAPI again */
#define QUEUE_FILE "crowdsec-queue.json"
#define FULL_PULL_EVERY_NS (600 * 1000000000ULL) /* a full stream every 10 minutes */
/* The widest ranges enforced: a decision for more (a /4 of the internet,
 * ::/0) is a mistake or an abuse of the LAPI, never a ban to apply. */
#define RANGE_MIN_V4 8
#define RANGE_MIN_V6 32
#define SAY_PER_PULL 10 /* refused decisions said one by one in a pull */

/* --- the thread: HTTP only, one job at a time --- */

static void run_job(struct mw_agent_crowdsec *c, struct mw_cs_job *j)
{
	char scopes[32];

	j->push_err = j->pull_err = 0;
	j->error[0] = j->push_error[0] = '\0';
	if (j->push_body) {
		j->push_err = mw_lapi_push(&c->lapi, j->push_body);
		if (j->push_err)
			snprintf(j->push_error, sizeof(j->push_error), "%s", c->lapi.error);
		j->push_status = c->lapi.last_status;
	}
	if (j->pull) {
		snprintf(scopes, sizeof(scopes), "%s%s%s",
			 c->cfg->cs.scopes & MW_CS_SCOPE_IP ? "ip" : "",
			 (c->cfg->cs.scopes & MW_CS_SCOPE_IP) &&
					 (c->cfg->cs.scopes & MW_CS_SCOPE_RANGE) ?
				 "," :
				 "",
			 c->cfg->cs.scopes & MW_CS_SCOPE_RANGE ? "range" : "");
		j->pull_err =
			mw_lapi_stream(&c->lapi, j->startup, scopes, &j->pull_body, &j->pull_len);
		if (j->pull_err) {
			snprintf(j->error, sizeof(j->error), "%s", c->lapi.error);
		} else {
			j->stream = calloc(1, sizeof(*j->stream));
			if (!j->stream)
				j->pull_err = -ENOMEM;
			else
				j->pull_err = mw_cs_stream_parse(j->pull_body, j->pull_len,
								 c->cfg->cs.scopes, j->stream,
								 j->error, sizeof(j->error));
			free(j->pull_body);
			j->pull_body = NULL;
		}
	}
	j->logged_in = c->lapi.token[0] != '\0';
}

static void *worker(void *arg)
{
	struct mw_agent_crowdsec *c = arg;
	uint64_t one = 1;

	/* it talks to the network and needs no privilege for that */
	if (mw_privs_drop_thread())
		pr_warn("crowdsec: the LAPI thread cannot drop its capabilities\n");
	pthread_mutex_lock(&c->lock);
	for (;;) {
		while (!c->job.stop && !(c->job.busy && !c->job.taken))
			pthread_cond_wait(&c->wake, &c->lock);
		if (c->job.stop)
			break;
		c->job.taken = true;
		/* the loop does not touch a busy job: no lock while talking */
		pthread_mutex_unlock(&c->lock);
		run_job(c, &c->job);
		pthread_mutex_lock(&c->lock);
		c->job.finished = true;
		/* fails only when the counter is full: the loop wakes anyway */
		(void)!write(c->done_fd, &one, sizeof(one));
	}
	pthread_mutex_unlock(&c->lock);
	return NULL;
}

/* --- the loop's side --- */

/* @said: what was said last of this role (push or pull): an error is said
 * when it changes, not at every retry, nor when the other role's error
 * came between. */
static void say_error(struct mw_agent_crowdsec *c, char *said, const char *what, const char *error)
{
	char line[sizeof(c->last_error)];

	snprintf(line, sizeof(line), "%s: %s", what, error);
	if (strcmp(line, said))
		pr_warn("crowdsec: %s\n", line);
	snprintf(said, sizeof(c->last_error), "%s", line);
	snprintf(c->last_error, sizeof(c->last_error), "%s", line);
}

static void say_ok(struct mw_agent_crowdsec *c)
{
	if (c->last_error[0])
		pr_info("crowdsec: the LAPI at %s answers again\n", c->cfg->cs.url);
	c->last_error[0] = '\0';
}

/* A record in the events file of something the fleet link did (a push the
 * LAPI refused for good, a decision the allowlist refused). */
static void fleet_event(struct mw_agent_crowdsec *c, const char *action, const char *src,
			json_t *detail)
{
	char ts[64];

	if (!c->eve) {
		json_decref(detail);
		return;
	}
	mw_eve_emit(c->eve,
		    json_pack("{s:s, s:s, s:s, s:o, s:o}", "timestamp",
			      mw_format_rfc3339_now(ts, sizeof(ts)), "event_type", "crowdsec",
			      "action", action, "src_ip", mw_eve_str(src ? src : ""), "detail",
			      detail ? detail : json_object()));
}

/* Reads a secret from its file: the first line, without its newline. */
static int read_secret(const char *path, const char *what, char *out, size_t len)
{
	FILE *f = fopen(path, "re");
	size_t n;

	if (!f) {
		pr_warn("crowdsec: cannot read the %s file %s: %s\n", what, path, strerror(errno));
		return -errno;
	}
	if (!fgets(out, (int)len, f))
		out[0] = '\0';
	fclose(f);
	n = strcspn(out, "\r\n");
	out[n] = '\0';
	if (!n) {
		pr_warn("crowdsec: the %s file %s is empty\n", what, path);
		return -EINVAL;
	}
	return 0;
}

static int64_t wall_now(void)
{
	return (int64_t)time(NULL);
}

/* Whether [crowdsec] push sends blocks of @method: never the fleet's own
 * (CROWDSEC), the operator's (MANUAL) or DIRNET's (about this host). */
static bool pushes_method(const struct mw_config *cfg, const char *method)
{
	static const char *const inbound[] = { "SSHDICT", "RDPDICT", "HTTPDICT", "DICTATTACK" };
	static const char *const pools[] = { "BLACKLIST", "BPATTERNS" };
	size_t i;

	if (cfg->cs.push == MW_CS_PUSH_NONE)
		return false;
	for (i = 0; i < ARRAY_SIZE(inbound); i++)
		if (!strcmp(method, inbound[i]))
			return true;
	for (i = 0; cfg->cs.push == MW_CS_PUSH_ALL && i < ARRAY_SIZE(pools); i++)
		if (!strcmp(method, pools[i]))
			return true;
	return false;
}

void mw_agent_crowdsec_on_block(struct mw_agent_crowdsec *c, const char *event_type,
				const struct mw_block_entry *e, const char *action)
{
	struct mw_cs_block b;
	int64_t now = wall_now();
	uint64_t dropped;
	json_t *alert;
	char *text;

	/* a container block is this host's own business, not the fleet's */
	if (!c->push_on || e->ct || strcmp(event_type, "block") || strcmp(action, "blocked") ||
	    !pushes_method(c->cfg, e->method))
		return;
	b = (struct mw_cs_block){
		.method = e->method,
		.reason = e->reason,
		.seen = e->seen,
		.target = e->prefix,
		/* a permanent block goes out as the longest ban there is */
		.duration_ms =
			e->expires_s ?
				(uint64_t)(e->expires_s > now ? e->expires_s - now : 1) * 1000 :
				c->cfg->ban_max_ms,
		.at_s = now,
		.machine = c->cfg->cs.machine_id,
	};
	alert = mw_cs_alert(&b);
	text = alert ? json_dumps(alert, JSON_COMPACT) : NULL;
	json_decref(alert);
	dropped = c->queue.dropped;
	if (!text || mw_cs_pushq_add(&c->queue, text)) {
		/* only memory fails here; the block itself stands */
		c->n.push_rejected++;
		pr_warn("crowdsec: out of memory: the alert for %s is lost\n", e->reason);
	}
	free(text);
	/* the queue full: its oldest alert is lost for good; said once until
	 * the queue drains */
	if (c->queue.dropped > dropped && !c->drop_said) {
		c->drop_said = true;
		pr_warn("crowdsec: %zu alerts wait for the LAPI (queue_max): the oldest are dropped\n",
			c->queue.n);
		fleet_event(c, "push_dropped", NULL,
			    json_pack("{s:s, s:I}", "reason", "the queue is full (queue_max)",
				      "queue_max", (json_int_t)c->cfg->cs.queue_max));
	}
}

/* Whether decision @d's id already bans something else here: a LAPI that
 * reuses an id would otherwise leave a block that its deletion never lifts. */
static bool id_bans_other(struct mw_agent_crowdsec *c, const struct mw_cs_decision *d)
{
	struct mw_prefix known;

	if (mw_cs_ids_del(c->ids, d->id, &known) != 1)
		return false;
	/* looked up by taking it out: put back as it was (there is room) */
	mw_cs_ids_add(c->ids, d->id, &known);
	return known.len != d->target.len ||
	       memcmp(&known.addr, &d->target.addr, sizeof(known.addr));
}

/* Whether a refused decision is said one by one: the first few of a pull
 * are, the rest only counted, so that a LAPI sending thousands of them
 * every pull cannot flood the log and the events file. */
static bool say_decision(struct mw_agent_crowdsec *c)
{
	return !c->resync && c->said++ < SAY_PER_PULL;
}

/* Counts what a pull did; a periodic full pull (c->resync) sends again
 * what was counted already: it is not counted twice. */
static void tally(const struct mw_agent_crowdsec *c, uint64_t *counter)
{
	if (!c->resync)
		(*counter)++;
}

/* One decision from the stream becomes a block of method CROWDSEC. */
static void apply_added(struct mw_agent_crowdsec *c, const struct mw_cs_decision *d)
{
	struct mw_block_req req = {
		.target = d->target,
		.timeout_ms = (uint64_t)d->duration_ms,
		.exact = true, /* the fleet decided on this address or prefix */
		.elsewhere = true,
		.reason = d->scenario,
		.method = MW_METHOD_CROWDSEC,
	};
	char msg[256], buf[MW_ADDRSTRLEN];
	enum mw_block_result result;

	if (d->duration_ms <= 0) {
		tally(c, &c->n.skipped);
		return;
	}
	if (mw_addr_is_v4(&d->target.addr) ? d->target.len < 96 + RANGE_MIN_V4 :
					     d->target.len < RANGE_MIN_V6) {
		tally(c, &c->n.skipped);
		if (say_decision(c))
			pr_warn("crowdsec: decision %lld bans %s, wider than /%d (IPv4) or /%d (IPv6): not enforced\n",
				(long long)d->id, mw_prefix_str(&d->target, buf, sizeof(buf)),
				RANGE_MIN_V4, RANGE_MIN_V6);
		return;
	}
	if (id_bans_other(c, d)) {
		tally(c, &c->n.skipped);
		if (say_decision(c))
			pr_warn("crowdsec: decision %lld bans %s, but that id already bans another address: not enforced\n",
				(long long)d->id, mw_prefix_str(&d->target, buf, sizeof(buf)));
		return;
	}
	switch ((result = mw_policy_block(c->policy, &req, msg, sizeof(msg)))) {
	case MW_BLOCKED:
	case MW_BLOCK_KEPT:
	case MW_DRY_RUN:
		if (mw_cs_ids_add(c->ids, d->id, &d->target) < 0)
			pr_warn("crowdsec: out of memory: decision %lld will not be lifted when deleted\n",
				(long long)d->id);
		/* a periodic full pull counts only what it adds */
		if (result == MW_BLOCKED)
			c->n.decisions_added++;
		else
			tally(c, &c->n.decisions_added);
		break;
	case MW_REFUSED_ALLOW:
		/* once per decision: the stream sends each one once */
		tally(c, &c->n.refused_allow);
		if (!say_decision(c))
			break;
		pr_warn("crowdsec: decision %lld (%s) bans %s, which is allowlisted: not enforced\n",
			(long long)d->id, d->scenario, mw_prefix_str(&d->target, buf, sizeof(buf)));
		fleet_event(c, "refused_allow", mw_prefix_str(&d->target, buf, sizeof(buf)),
			    json_pack("{s:I, s:o, s:o, s:s}", "decision_id", (json_int_t)d->id,
				      "scenario", mw_eve_str(d->scenario), "origin",
				      mw_eve_str(d->origin), "reason", "allowlisted"));
		break;
	case MW_REFUSED_CAP:
	case MW_REFUSED_SHARE:
	case MW_REFUSED_SCOPE: /* never: the fleet's blocks are the host's */
		/* the policy says so once, and counts */
		tally(c, &c->n.refused_cap);
		break;
	}
}

static void apply_deleted(struct mw_agent_crowdsec *c, const struct mw_cs_decision *d)
{
	struct mw_prefix p;

	if (mw_cs_ids_del(c->ids, d->id, &p) != 1)
		return; /* never enforced here (allowlisted, refused, unknown) */
	c->n.decisions_deleted++;
	/* the last decision on it gone: lift the fleet's block, never a
	 * block this host decided on its own evidence */
	if (!mw_cs_ids_count(c->ids, &p))
		mw_policy_unblock_exact(c->policy, &p, MW_METHOD_CROWDSEC);
}

/* After a full stream: a CROWDSEC block whose decisions all went away
 * while minewalld was not listening is lifted. */
static void lift_forgotten(struct mw_agent_crowdsec *c)
{
	struct mw_prefix *gone = NULL;
	size_t n = 0, cap = 0, i;

	for (i = 0; i < c->policy->n; i++) {
		const struct mw_block_entry *e = &c->policy->entries[i];

		if (!e->active || strcmp(e->method, MW_METHOD_CROWDSEC) ||
		    mw_cs_ids_count(c->ids, &e->prefix))
			continue;
		if (mw_grow(&gone, &cap, n + 1, sizeof(*gone), 64))
			break;
		gone[n++] = e->prefix;
	}
	/* unblocking may compact the entries: collected first */
	for (i = 0; i < n; i++)
		mw_policy_unblock_exact(c->policy, &gone[i], MW_METHOD_CROWDSEC);
	if (n)
		pr_info("crowdsec: lifted %zu blocks whose decisions ended while minewalld was away\n",
			n);
	free(gone);
}

void mw_agent_crowdsec_apply(struct mw_agent_crowdsec *c, const struct mw_cs_stream *s,
			     bool startup)
{
	uint64_t t0 = mw_now_ns();
	size_t i;

	c->said = 0;
	c->resync = startup && c->startup_done;
	if (startup)
		mw_cs_ids_clear(c->ids);
	for (i = 0; i < s->n_deleted; i++)
		apply_deleted(c, &s->deleted[i]);
	for (i = 0; i < s->n_added; i++)
		apply_added(c, &s->added[i]);
	if (startup)
		lift_forgotten(c);
	/* every change of this pull in one nft transaction */
	mw_policy_commit(c->policy);
	if (c->said > SAY_PER_PULL)
		pr_warn("crowdsec: %zu more decisions of this pull refused or skipped, counted but not said one by one\n",
			c->said - SAY_PER_PULL);
	if (!c->resync)
		c->n.skipped += s->skipped_scope + s->skipped_type + s->bad;
	if (s->bad && !c->resync)
		pr_warn("crowdsec: %zu malformed decisions skipped; the first: %s\n", s->bad,
			s->first_bad);
	/* the latest pull that changed something, not the empty ones after it */
	if (s->n_added + s->n_deleted) {
		c->n.last_apply_s = (double)(mw_now_ns() - t0) / 1e9;
		c->n.last_apply_n = s->n_added + s->n_deleted;
	}
	if (s->n_added + s->n_deleted > 1000)
		pr_info("crowdsec: applied %zu new and %zu deleted decisions in %.3f s\n",
			s->n_added, s->n_deleted, c->n.last_apply_s);
}

/* The push's outcome: sent alerts leave the queue; alerts the LAPI
 * refused are sent one by one until the bad one is found and dropped. */
static void settle_push(struct mw_agent_crowdsec *c, struct mw_cs_job *j, uint64_t now_ns)
{
	c->last_push_err = j->push_err;
	if (!j->push_err) {
		c->push_said[0] = '\0';
		mw_cs_pushq_pop(&c->queue, j->push_n);
		c->n.pushed += j->push_n;
		if (!c->queue.n)
			c->drop_said = false;
		c->n.last_push_s = wall_now();
		c->push_backoff = 0;
		if (c->batch < PUSH_BATCH_MAX)
			c->batch = c->batch * 2 > PUSH_BATCH_MAX ? PUSH_BATCH_MAX : c->batch * 2;
		return;
	}
	c->n.push_failures++;
	if (j->push_err == -EBADMSG) {
		if (j->push_n > 1) {
			c->batch = 1;
			return;
		}
		c->n.push_rejected++;
		pr_warn("crowdsec: the LAPI refused an alert for good: %s\n", j->push_error);
		fleet_event(c, "push_failed", NULL,
			    json_pack("{s:o, s:o, s:I}", "alert",
				      mw_eve_str(mw_cs_pushq_at(&c->queue, 0)), "error",
				      mw_eve_str(j->push_error), "http_status",
				      (json_int_t)j->push_status));
		mw_cs_pushq_pop(&c->queue, 1);
		return;
	}
	say_error(c, c->push_said, "push", j->push_error);
	if (c->push_backoff < 6)
		c->push_backoff++;
	c->next_push_ns = now_ns + ((1ULL << c->push_backoff) < BACKOFF_MAX_S ?
					    (1ULL << c->push_backoff) :
					    BACKOFF_MAX_S) *
					   1000000000ULL;
}

static void settle_pull(struct mw_agent_crowdsec *c, struct mw_cs_job *j)
{
	c->n.pulls++;
	if (j->pull_err) {
		c->n.pull_failures++;
		say_error(c, c->pull_said, "pull", j->error);
		return;
	}
	c->pull_said[0] = '\0';
	mw_agent_crowdsec_apply(c, j->stream, j->startup);
	c->startup_done = true;
	if (j->startup)
		c->next_full_ns = mw_now_ns() + FULL_PULL_EVERY_NS;
	c->n.last_pull_s = wall_now();
	/* the LAPI answers again: what waits goes now, not at the back-off's
	 * end (unless it was the LAPI refusing the login: that waits) */
	if (c->last_push_err == -EHOSTUNREACH) {
		c->push_backoff = 0;
		c->next_push_ns = 0;
	}
}

/* A queue that cannot be saved is lost at the next restart: said once,
 * tried again every cycle. */
static void save_queue(struct mw_agent_crowdsec *c)
{
	int err = mw_cs_pushq_save(&c->queue);

	if (err && err != c->save_err)
		pr_warn("crowdsec: cannot save the queue to %s: %s; %zu alerts kept in memory only\n",
			c->queue.path, strerror(-err), c->queue.n);
	else if (!err && c->save_err)
		pr_info("crowdsec: the queue is saved to %s again\n", c->queue.path);
	c->save_err = err;
}

int mw_agent_crowdsec_fd(const struct mw_agent_crowdsec *c)
{
	return c->thread_running ? c->done_fd : -1;
}

void mw_agent_crowdsec_done(struct mw_agent_crowdsec *c)
{
	struct mw_cs_job *j = &c->job;
	uint64_t v, now = mw_now_ns();
	bool finished;

	if (read(c->done_fd, &v, sizeof(v)) < 0 && errno != EAGAIN)
		return;
	pthread_mutex_lock(&c->lock);
	finished = j->busy && j->finished;
	pthread_mutex_unlock(&c->lock);
	if (!finished)
		return;
	/* the thread is waiting for the next job: the job is ours */
	c->logged_in = j->logged_in;
	if (j->push_body)
		settle_push(c, j, now);
	if (j->pull)
		settle_pull(c, j);
	if (!j->push_err && !j->pull_err && (j->push_body || j->pull))
		say_ok(c);
	free(j->push_body);
	j->push_body = NULL;
	if (j->stream) {
		mw_cs_stream_free(j->stream);
		free(j->stream);
		j->stream = NULL;
	}
	pthread_mutex_lock(&c->lock);
	j->busy = j->taken = j->finished = false;
	pthread_mutex_unlock(&c->lock);
	save_queue(c);
}

void mw_agent_crowdsec_tick(struct mw_agent_crowdsec *c, uint64_t now_ns)
{
	struct mw_cs_job *j = &c->job;
	bool push, pull;
	size_t n;

	if (!c->thread_running)
		return;
	/* what the blocks of this cycle queued is on disk before it is sent */
	save_queue(c);
	if (j->busy)
		return;
	push = c->push_on && c->queue.n && now_ns >= c->next_push_ns;
	pull = c->pull_on && now_ns >= c->next_pull_ns;
	if (!push && !pull)
		return;
	if (push) {
		n = c->queue.n < c->batch ? c->queue.n : c->batch;
		j->push_body = mw_cs_pushq_body(&c->queue, n);
		j->push_n = j->push_body ? n : 0;
	}
	j->pull = pull;
	/* now and then the whole stream again: LAPI 1.4.6 can leave a bulk
	 * insert that commits during a pull out of every later delta */
	j->startup = !c->startup_done || now_ns >= c->next_full_ns;
	if (pull)
		c->next_pull_ns = now_ns + c->cfg->cs.pull_interval_ms * 1000000ULL;
	if (!j->push_body && !pull)
		return;
	pthread_mutex_lock(&c->lock);
	j->busy = true;
	j->taken = j->finished = false;
	pthread_cond_signal(&c->wake);
	pthread_mutex_unlock(&c->lock);
}

static const char *const push_names[] = { "inbound", "all", "none" };

static json_t *time_or_null(int64_t s)
{
	char buf[64];

	return s ? json_string(mw_format_rfc3339_s(s, buf, sizeof(buf))) : json_null();
}

static json_t *status(struct mw_agent_crowdsec *c)
{
	json_t *o = json_object();

	json_object_set_new(o, "url", json_string(c->cfg->cs.url));
	json_object_set_new(o, "push",
			    json_string(c->push_on ? push_names[c->cfg->cs.push] : "none"));
	json_object_set_new(o, "pull", json_boolean(c->pull_on));
	json_object_set_new(o, "machine_id", mw_eve_str(c->cfg->cs.machine_id));
	json_object_set_new(o, "logged_in", json_boolean(c->logged_in));
	json_object_set_new(o, "last_push", time_or_null(c->n.last_push_s));
	json_object_set_new(o, "last_pull", time_or_null(c->n.last_pull_s));
	json_object_set_new(o, "queue", json_integer((json_int_t)c->queue.n));
	json_object_set_new(o, "queue_dropped", json_integer((json_int_t)c->queue.dropped));
	json_object_set_new(o, "pushed", json_integer((json_int_t)c->n.pushed));
	json_object_set_new(o, "push_failures", json_integer((json_int_t)c->n.push_failures));
	json_object_set_new(o, "push_rejected", json_integer((json_int_t)c->n.push_rejected));
	json_object_set_new(o, "pulls", json_integer((json_int_t)c->n.pulls));
	json_object_set_new(o, "pull_failures", json_integer((json_int_t)c->n.pull_failures));
	json_object_set_new(o, "decisions_added", json_integer((json_int_t)c->n.decisions_added));
	json_object_set_new(o, "decisions_deleted",
			    json_integer((json_int_t)c->n.decisions_deleted));
	json_object_set_new(o, "decisions_in_force",
			    json_integer((json_int_t)(c->ids ? mw_cs_ids_size(c->ids) : 0)));
	json_object_set_new(o, "refused_allow", json_integer((json_int_t)c->n.refused_allow));
	json_object_set_new(o, "refused_cap", json_integer((json_int_t)c->n.refused_cap));
	json_object_set_new(o, "skipped", json_integer((json_int_t)c->n.skipped));
	json_object_set_new(
		o, "active_blocks",
		json_integer((json_int_t)mw_policy_active_method(c->policy, MW_METHOD_CROWDSEC)));
	json_object_set_new(o, "last_apply_s", json_real(c->n.last_apply_s));
	json_object_set_new(o, "last_apply_n", json_integer((json_int_t)c->n.last_apply_n));
	json_object_set_new(o, "last_error", mw_eve_str(c->last_error));
	return o;
}

json_t *mw_agent_crowdsec_control(struct mw_agent_crowdsec *c, const char *cmd, json_t *req,
				  char *err, size_t len)
{
	(void)req;
	if (!strcmp(cmd, "crowdsec_status")) {
		if (!c->thread_running)
			return json_pack("{s:b}", "enabled", 0);
		return status(c);
	}
	snprintf(err, len, "unknown command '%.64s'", cmd);
	return NULL;
}

/* The secrets, from the config or their files: a missing one turns its
 * role off, said plainly, and the host is protected all the same. */
static void read_credentials(struct mw_agent_crowdsec *c)
{
	const struct mw_config *cfg = c->cfg;

	snprintf(c->password, sizeof(c->password), "%s", cfg->cs.password);
	if (*cfg->cs.password_file &&
	    read_secret(cfg->cs.password_file, "password", c->password, sizeof(c->password)))
		c->password[0] = '\0';
	snprintf(c->bouncer_key, sizeof(c->bouncer_key), "%s", cfg->cs.bouncer_key);
	if (*cfg->cs.bouncer_key_file && read_secret(cfg->cs.bouncer_key_file, "bouncer key",
						     c->bouncer_key, sizeof(c->bouncer_key)))
		c->bouncer_key[0] = '\0';
	c->push_on = cfg->cs.push != MW_CS_PUSH_NONE && *cfg->cs.machine_id &&
		     (*c->password || *cfg->cs.tls_cert);
	c->pull_on = cfg->cs.pull != MW_CS_PULL_NO && (*c->bouncer_key || *cfg->cs.tls_cert);
	if (cfg->cs.push != MW_CS_PUSH_NONE && !c->push_on)
		pr_warn("crowdsec: not pushing alerts: %s\n",
			*cfg->cs.machine_id ? "no password (password or password_file)" :
					      "no machine_id");
	if (cfg->cs.pull == MW_CS_PULL_YES && !c->pull_on)
		pr_warn("crowdsec: not pulling decisions: no bouncer key\n");
}

int mw_agent_crowdsec_init(struct mw_agent_crowdsec *c, const struct mw_env *env)
{
	const struct mw_config *cfg = env->cfg;
	char path[PATH_MAX + 32];
	int err;

	*c = (struct mw_agent_crowdsec){ .cfg = cfg,
					 .policy = env->policy,
					 .eve = env->eve,
					 .done_fd = -1,
					 .batch = PUSH_BATCH_MAX };
	if (!*cfg->cs.url || !env->policy)
		return 0;
	read_credentials(c);
	if (!c->push_on && !c->pull_on) {
		pr_warn("crowdsec: %s: neither pushing nor pulling: the link is off\n",
			cfg->cs.url);
		return 0;
	}
	snprintf(path, sizeof(path), "%s/%s", cfg->state_dir, QUEUE_FILE);
	err = mw_cs_pushq_init(&c->queue, path, cfg->cs.queue_max, stderr);
	if (err)
		return err;
	if (c->queue.n)
		pr_info("crowdsec: %zu alerts from before the restart wait for the LAPI\n",
			c->queue.n);
	c->ids = mw_cs_ids_new();
	if (!c->ids)
		return -ENOMEM;
	err = mw_lapi_init(&c->lapi, &(struct mw_lapi_cfg){
					     .url = cfg->cs.url,
					     .machine_id = c->push_on ? cfg->cs.machine_id : NULL,
					     .password = c->password,
					     .bouncer_key = c->bouncer_key,
					     .tls_ca = cfg->cs.tls_ca,
					     .tls_cert = cfg->cs.tls_cert,
					     .tls_key = cfg->cs.tls_key,
					     .user_agent = "minewall/0.1.0",
					     .abort = &c->job.stop,
				     });
	if (err)
		return err;
	c->done_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (c->done_fd < 0)
		return -errno;
	pthread_mutex_init(&c->lock, NULL);
	pthread_cond_init(&c->wake, NULL);
	err = pthread_create(&c->thread, NULL, worker, c);
	if (err)
		return -err;
	c->thread_running = true;
	pr_info("crowdsec: LAPI %s: %s%s%s\n", cfg->cs.url, c->push_on ? "pushing alerts as " : "",
		c->push_on ? cfg->cs.machine_id : "",
		c->pull_on ? (c->push_on ? ", pulling decisions" : "pulling decisions") : "");
	return 0;
}

void mw_agent_crowdsec_free(struct mw_agent_crowdsec *c)
{
	if (c->thread_running) {
		pthread_mutex_lock(&c->lock);
		c->job.stop = 1;
		pthread_cond_signal(&c->wake);
		pthread_mutex_unlock(&c->lock);
		pthread_join(c->thread, NULL);
		c->thread_running = false;
		pthread_mutex_destroy(&c->lock);
		pthread_cond_destroy(&c->wake);
	}
	free(c->job.push_body);
	if (c->job.stream) {
		mw_cs_stream_free(c->job.stream);
		free(c->job.stream);
	}
	if (c->done_fd >= 0)
		close(c->done_fd);
	c->done_fd = -1;
	save_queue(c);
	mw_cs_pushq_free(&c->queue);
	mw_lapi_free(&c->lapi);
	mw_cs_ids_free(c->ids);
	c->ids = NULL;
}
