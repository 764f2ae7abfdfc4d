// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>

#include "agent/flow_scan.h"
#include "lib/flowtable.h"
#include "lib/log.h"
#include "lib/util.h"

#define SCAN_BATCH 8192

uint64_t mw_flow_scan_timeout_ms(const struct mw_config *cfg, const struct mw_flow_key *key,
				 const struct mw_flow *f)
{
	if (key->proto != IPPROTO_TCP)
		return cfg->udp_idle_ms;
	if (f->state == MW_STATE_CLOSED)
		return cfg->closed_linger_ms;
	/* a connection that never completed its handshake (scans, SYN floods,
	 * refused connections) is not worth keeping long */
	if (!f->handshake && f->initiator != MW_INIT_UNKNOWN)
		return cfg->halfopen_ms;
	return cfg->tcp_idle_ms;
}

struct scan_ctx {
	struct mw_flow_scan *fs;
	const struct mw_config *cfg;
	uint64_t now;
	struct mw_flow_key *dead;
	size_t n_dead, cap_dead;
	int err;
};

static int scan_batch(void *arg, const struct mw_flow_key *keys, const struct mw_flow *flows,
		      size_t n)
{
	struct scan_ctx *sc = arg;
	struct mw_flow_scan *fs = sc->fs;
	size_t i;

	for (i = 0; i < n; i++) {
		const struct mw_flow *f = &flows[i];
		uint64_t idle_ms = sc->now > f->last_ns ? (sc->now - f->last_ns) / 1000000 : 0;

		fs->live++;
		if (f->state == MW_STATE_OPEN)
			fs->open++;
		else if (f->state == MW_STATE_CLOSING)
			fs->closing++;
		else
			fs->closed++;
		if (idle_ms < mw_flow_scan_timeout_ms(sc->cfg, &keys[i], f)) {
			unsigned v;

			for (v = 0; v < fs->n_visitors; v++)
				fs->visitors[v].fn(fs->visitors[v].arg, &keys[i], f, sc->now);
			continue;
		}

		if (!f->ended) {
			struct mw_event_flow ev = { 0 };

			ev.hdr.type = MW_EV_FLOW_END;
			ev.hdr.reason = MW_END_IDLE;
			ev.hdr.dir = f->last_data_dir;
			ev.hdr.ifindex = f->ifindex;
			ev.hdr.ts_ns = sc->now;
			ev.key = keys[i];
			ev.flow = *f;
			mw_events_dispatch(fs->events, &ev, sizeof(ev));
			fs->idle_ended++;
		}
		if (mw_grow(&sc->dead, &sc->cap_dead, sc->n_dead, sizeof(*sc->dead), 1024)) {
			sc->err = -ENOMEM;
			return 1;
		}
		sc->dead[sc->n_dead++] = keys[i];
	}
	return 0;
}

int mw_flow_scan_run(struct mw_flow_scan *fs, const struct mw_config *cfg, uint64_t now_ns)
{
	struct scan_ctx sc = { .fs = fs, .cfg = cfg, .now = now_ns };
	uint64_t t0 = mw_now_ns();
	long ret;

	fs->live = fs->open = fs->closing = fs->closed = 0;
	ret = mw_flowtable_walk(fs->flows_fd, SCAN_BATCH, scan_batch, &sc);
	if (ret >= 0 && sc.err)
		ret = sc.err;
	if (ret >= 0 && sc.n_dead) {
		/* a copy of a flow aged out must not bring it back later */
		if (fs->watched_fd > 0)
			mw_flowtable_delete(fs->watched_fd, sc.dead, sc.n_dead);
		ret = mw_flowtable_delete(fs->flows_fd, sc.dead, sc.n_dead);
		if (ret > 0) {
			fs->deleted += ret;
			fs->live -= ret < (long)fs->live ? (uint64_t)ret : fs->live;
		}
	}
	free(sc.dead);
	fs->scans++;
	fs->scan_ns = mw_now_ns() - t0;
	if (ret < 0) {
		pr_warn("flow table scan failed: %s\n", strerror((int)-ret));
		return (int)ret;
	}
	return 0;
}

uint64_t mw_flow_scan_evictions(struct mw_flow_scan *fs, uint64_t inserts)
{
	int64_t ev;

	if (!fs->have_baseline) {
		fs->inserts0 = inserts;
		fs->live0 = fs->live;
		fs->deleted = 0;
		fs->have_baseline = 1;
	}
	/* every insert since the baseline is either still live, deleted by
	 * us, or was evicted by the LRU */
	ev = (int64_t)(inserts - fs->inserts0) - (int64_t)fs->deleted -
	     ((int64_t)fs->live - (int64_t)fs->live0);

	return ev > 0 ? (uint64_t)ev : 0;
}

int mw_flow_scan_on_visit(struct mw_flow_scan *fs, mw_flow_visit_fn fn, void *arg)
{
	if (fs->n_visitors == MW_FLOW_VISITORS)
		return -E2BIG;
	fs->visitors[fs->n_visitors].fn = fn;
	fs->visitors[fs->n_visitors++].arg = arg;
	return 0;
}
