// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect/bpatterns.h"
#include "parse/http_rpc.h"
#include "parse/websocket.h"

#define TRACK_MAX 65536
#define HDR4 52 /* IPv4 + TCP with timestamps: bytes a packet carries besides payload */
#define HDR6 72

struct track {
	bool used, reported;
	struct mw_flow_key key;
	uint64_t first_ns, last_sample_ns;
	uint64_t data[2], packets[2], bytes[2]; /* at the previous sample */
	uint64_t last_push_ns;
	unsigned pushes, exchanges, client_only, in_samples;
	uint64_t push_bytes;
	double gap_sum, gap_sq; /* seconds */
	unsigned gaps;
};

struct mw_rhythm {
	struct mw_bpatterns_rhythm_cfg cfg;
	struct track *t;
	unsigned cap, n;
};

struct mw_rhythm *mw_bpatterns_rhythm_new(const struct mw_bpatterns_rhythm_cfg *cfg)
{
	struct mw_rhythm *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	r->cfg = *cfg;
	r->cap = 1024;
	r->t = calloc(r->cap, sizeof(*r->t));
	if (!r->t) {
		free(r);
		return NULL;
	}
	return r;
}

void mw_bpatterns_rhythm_free(struct mw_rhythm *r)
{
	if (!r)
		return;
	free(r->t);
	free(r);
}

unsigned mw_bpatterns_rhythm_tracked(const struct mw_rhythm *r)
{
	return r->n;
}

static uint64_t key_hash(const struct mw_flow_key *k, uint64_t first_ns)
{
	const uint8_t *p = (const uint8_t *)k;
	uint64_t h = 14695981039346656037ULL ^ first_ns;
	size_t i;

	for (i = 0; i < sizeof(*k); i++) {
		h ^= p[i];
		h *= 1099511628211ULL;
	}
	return h;
}

static int grow(struct mw_rhythm *r)
{
	struct track *old = r->t;
	unsigned cap = r->cap * 2, i, j;

	if (cap > TRACK_MAX * 2)
		return -ENOSPC;
	r->t = calloc(cap, sizeof(*r->t));
	if (!r->t) {
		r->t = old;
		return -ENOMEM;
	}
	r->cap = cap;
	for (i = 0; i < cap / 2; i++) {
		if (!old[i].used)
			continue;
		j = (unsigned)(key_hash(&old[i].key, old[i].first_ns) & (cap - 1));
		while (r->t[j].used)
			j = (j + 1) & (cap - 1);
		r->t[j] = old[i];
	}
	free(old);
	return 0;
}

static struct track *find(struct mw_rhythm *r, const struct mw_flow_key *k, uint64_t first_ns,
			  bool create)
{
	unsigned j;

	if (create && (r->n + 1) * 2 > r->cap && grow(r))
		return NULL;
	j = (unsigned)(key_hash(k, first_ns) & (r->cap - 1));
	while (r->t[j].used) {
		if (r->t[j].first_ns == first_ns && !memcmp(&r->t[j].key, k, sizeof(*k)))
			return &r->t[j];
		j = (j + 1) & (r->cap - 1);
	}
	if (!create)
		return NULL;
	memset(&r->t[j], 0, sizeof(r->t[j]));
	r->t[j].used = true;
	r->t[j].key = *k;
	r->t[j].first_ns = first_ns;
	r->n++;
	return &r->t[j];
}

bool mw_bpatterns_rhythm_tracks(const struct mw_rhythm *r, const struct mw_flow_key *key,
				uint64_t first_ns)
{
	return find((struct mw_rhythm *)r, key, first_ns, false) != NULL;
}

unsigned mw_bpatterns_rhythm_list(const struct mw_rhythm *r, struct mw_flow_key *keys,
				  uint64_t *first, unsigned max)
{
	unsigned i, n = 0;

	for (i = 0; i < r->cap && n < max; i++) {
		if (!r->t[i].used)
			continue;
		keys[n] = r->t[i].key;
		first[n++] = r->t[i].first_ns;
	}
	return n;
}

static bool is_v4(const struct mw_flow_key *k)
{
	static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

	return !memcmp(k->remote_addr, mapped, sizeof(mapped));
}

/* The verdict so far; 1 when every condition of a miner's rhythm holds. */
static int judge(const struct mw_rhythm *r, const struct track *t, const struct mw_flow *f,
		 struct mw_bpatterns_rhythm_verdict *v)
{
	const struct mw_bpatterns_rhythm_cfg *c = &r->cfg;
	double age_min, mean, var;

	memset(v, 0, sizeof(*v));
	v->pushes = t->pushes;
	v->exchanges = t->exchanges;
	v->client_only = t->client_only;
	v->age_s = (f->last_ns - f->first_ns) / 1000000000ULL;
	age_min = (double)(f->last_ns - f->first_ns) / 60e9;
	v->bytes_in_per_min = age_min > 0 ? (uint64_t)((double)f->bytes[MW_DIR_IN] / age_min) : 0;
	if (t->pushes)
		v->mean_push_bytes = (unsigned)(t->push_bytes / t->pushes);
	if (t->gaps) {
		mean = t->gap_sum / t->gaps;
		var = t->gap_sq / t->gaps - mean * mean;
		v->mean_gap_s = mean;
		v->cv = mean > 0 && var > 0 ? sqrt(var) / mean : 0;
	}
	if ((f->last_ns - f->first_ns) / 1000000 < c->min_age_ms || t->pushes < c->min_pushes ||
	    t->gaps + 1 < c->min_pushes)
		return 0;
	/* the server speaks first: most of its messages answer nothing */
	if (t->pushes * 10 < (t->pushes + t->exchanges) * 6)
		return 0;
	if (v->mean_push_bytes < c->push_min_bytes || v->mean_push_bytes > c->push_max_bytes)
		return 0;
	if (v->mean_gap_s * 1000 < (double)c->gap_min_ms ||
	    v->mean_gap_s * 1000 > (double)c->gap_max_ms)
		return 0;
	if (v->cv * 100 > c->max_cv_pct || v->bytes_in_per_min > c->max_bytes_per_min)
		return 0;
	v->score = 60 + (unsigned)(20 * (1 - v->cv * 100 / (c->max_cv_pct ? c->max_cv_pct : 1)));
	if (t->pushes >= 2 * c->min_pushes)
		v->score += 10;
	return 1;
}

int mw_bpatterns_rhythm_sample(struct mw_rhythm *r, const struct mw_flow_key *key,
			       const struct mw_flow *f, uint64_t now_ns,
			       struct mw_bpatterns_rhythm_verdict *v)
{
	struct track *t = find(r, key, f->first_ns, true);
	uint64_t d_in, d_out, p_in, b_in, payload;
	unsigned hdr = is_v4(key) ? HDR4 : HDR6;

	if (!t)
		return 0;
	if (!t->last_sample_ns) {
		/* first sight: a baseline, no interval to judge yet */
		t->last_sample_ns = now_ns;
		t->data[0] = f->data_packets[0], t->data[1] = f->data_packets[1];
		t->packets[0] = f->packets[0], t->packets[1] = f->packets[1];
		t->bytes[0] = f->bytes[0], t->bytes[1] = f->bytes[1];
		return 0;
	}
	d_in = f->data_packets[MW_DIR_IN] - t->data[MW_DIR_IN];
	d_out = f->data_packets[MW_DIR_OUT] - t->data[MW_DIR_OUT];
	p_in = f->packets[MW_DIR_IN] - t->packets[MW_DIR_IN];
	b_in = f->bytes[MW_DIR_IN] - t->bytes[MW_DIR_IN];
	if (d_in && !d_out) {
		payload = b_in > p_in * hdr ? b_in - p_in * hdr : 0;
		/* pushes coalesced into one interval share it evenly */
		if (t->last_push_ns) {
			double gap = (double)(f->last_ns - t->last_push_ns) / 1e9 / (double)d_in;
			unsigned i;

			for (i = 0; i < d_in && i < 64; i++) {
				t->gap_sum += gap;
				t->gap_sq += gap * gap;
				t->gaps++;
			}
		}
		t->pushes += (unsigned)d_in;
		t->push_bytes += payload;
		t->last_push_ns = f->last_ns;
	} else if (d_in && d_out) {
		t->exchanges++;
	} else if (d_out) {
		t->client_only++;
	}
	t->data[0] = f->data_packets[0], t->data[1] = f->data_packets[1];
	t->packets[0] = f->packets[0], t->packets[1] = f->packets[1];
	t->bytes[0] = f->bytes[0], t->bytes[1] = f->bytes[1];
	t->last_sample_ns = now_ns;
	if (t->reported || !judge(r, t, f, v))
		return 0;
	t->reported = true;
	return 1;
}

void mw_bpatterns_rhythm_expire(struct mw_rhythm *r, uint64_t before_ns)
{
	struct track *old = r->t;
	unsigned cap = r->cap, i, j;

	r->t = calloc(cap, sizeof(*r->t));
	if (!r->t) {
		r->t = old;
		return;
	}
	r->n = 0;
	for (i = 0; i < cap; i++) {
		if (!old[i].used || old[i].last_sample_ns < before_ns)
			continue;
		j = (unsigned)(key_hash(&old[i].key, old[i].first_ns) & (cap - 1));
		while (r->t[j].used)
			j = (j + 1) & (cap - 1);
		r->t[j] = old[i];
		r->n++;
	}
	free(old);
}

void mw_bpatterns_decide(uint8_t proto, uint8_t initiator, uint8_t handshake, uint8_t host_opened,
			 struct mw_bp_decision *d)
{
	d->evidence = mw_evidence_of(proto, initiator, handshake, host_opened);
	d->block = d->evidence == MW_EVID_HOST_HANDSHAKE;
	d->sent_by = "unknown";
	if (mw_evidence_host_opened(d->evidence))
		d->role = "host is the miner";
	else if (d->evidence == MW_EVID_REMOTE_HANDSHAKE)
		d->role = "this host serves Stratum";
	else
		d->role = "unverified";
}

/* Stratum (or a node's mining RPC) in @ev: bare JSON lines, the body of
 * an HTTP POST, WebSocket text frames; @m->transport says which. */
static int match_payload(const struct mw_event_peek *ev, struct mw_stratum *m)
{
	uint8_t text[MW_PEEK_MAX]; /* each frame's header is longer than its newline */
	struct mw_http_rpc r;
	ssize_t n;

	if (mw_stratum_may_start(ev->data, ev->len)) {
		if (!mw_stratum_match(ev->data, ev->len, m))
			return 0;
		m->transport = "tcp";
		return 1;
	}
	if (mw_http_rpc_may_start(ev->data, ev->len)) {
		if (mw_http_rpc_parse(ev->data, ev->len, &r))
			return 0;
		/* a JSON-RPC batch: its first call read as a cut line */
		if (r.body_len && ev->data[r.body_off] == '[')
			r.body_off++, r.body_len--;
		if (!r.body_len || !mw_stratum_match(ev->data + r.body_off, r.body_len, m)) {
			/* the body in the next segment: a getwork miner's
			 * header says enough */
			if (!r.mining_ext)
				return 0;
			memset(m, 0, sizeof(*m));
			m->dialect = MW_STRATUM_SOLO_BTC;
			snprintf(m->method, sizeof(m->method), "X-Mining-Extensions");
		}
		if (!m->agent[0])
			snprintf(m->agent, sizeof(m->agent), "%s", r.agent);
		/* monerod's JSON-RPC endpoint: bitcoind's names there are its */
		if (m->dialect == MW_STRATUM_SOLO_BTC && !strcmp(r.path, "/json_rpc"))
			m->dialect = MW_STRATUM_MONERO_DAEMON;
		m->transport = "http";
		return 1;
	}
	if (!mw_ws_may_start(ev->data, ev->len))
		return 0;
	n = mw_ws_text(ev->data, ev->len, text, sizeof(text));
	if (n <= 0 || !mw_stratum_match(text, (size_t)n, m))
		return 0;
	m->transport = "websocket";
	return 1;
}

int mw_bpatterns_judge_peek(const struct mw_event_peek *ev, const struct mw_flow *table,
			    struct mw_stratum *m, struct mw_bp_decision *d)
{
	uint8_t handshake = ev->handshake;
	enum mw_evidence e;

	/* a continuation of a ClientHello is no message of its own */
	if (ev->key.proto != IPPROTO_TCP || !ev->len || ev->len > MW_PEEK_MAX || ev->cont ||
	    !match_payload(ev, m))
		return 0;
	if (ev->host_opened && !handshake && table && table->host_opened)
		handshake = table->handshake;
	mw_bpatterns_decide(ev->key.proto, ev->initiator, handshake, ev->host_opened, d);
	e = d->evidence;
	/* a node's mining RPC asked of this host: the host is a node, which is
	 * its business, and anybody can post one to any web server */
	if ((m->dialect == MW_STRATUM_SOLO_BTC || m->dialect == MW_STRATUM_MONERO_DAEMON) &&
	    !mw_evidence_host_opened(e))
		return 0;
	/* the client is the side that opened the connection */
	if (mw_evidence_host_opened(e))
		d->sent_by = ev->hdr.dir == MW_DIR_OUT ? "client" : "pool";
	else if (e == MW_EVID_REMOTE_HANDSHAKE || e == MW_EVID_REMOTE)
		d->sent_by = ev->hdr.dir == MW_DIR_IN ? "client" : "pool";
	return 1;
}
