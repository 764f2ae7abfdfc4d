// SPDX-License-Identifier: GPL-2.0-only
/*
 * bpatterns_tls.c - BPATTERNS' bare-TLS input. XMRig and its kin speak TLS
 * to their pools with no server name (SNI) and no application protocol
 * (ALPN); browsers, curl, package managers, language runtimes send both,
 * or at least SNI. A server process (no terminal, or in a container) that
 * keeps such a connection open to a destination DIRNET never learned is
 * reported, with the JA4, as an alert: nothing an outsider sends makes it,
 * but an odd client is not proof of a miner, so it never blocks alone. It
 * adds to the score of a rhythm or Stratum finding on the same connection,
 * whose evidence rules alone decide a block.
 */
#include <arpa/inet.h>
#include <string.h>
#include <time.h>

#include <bpf/bpf.h>

#include "agent/bpatterns_priv.h"
#include "agent/nat_view.h"
#include "detect/dirnet_seen.h"
#include "lib/util.h"

static bool bare_hello(const struct mw_tls_hello *h)
{
	return h && h->ja4[0] && !h->has_sni && !h->has_alpn && h->host_opened &&
	       h->dir == MW_DIR_OUT;
}

bool mw_agent_bpatterns_bare(const struct mw_agent_bpatterns *a, const struct mw_tls_hello *h,
			     const struct mw_flow_key *key, const struct mw_process *proc)
{
	/* the wall-clock second the ClientHello left, less one */
	int64_t before_s =
		bare_hello(h) ? (int64_t)time(NULL) -
					(int64_t)((mw_now_ns() - h->seen_ns) / 1000000000ULL) - 1 :
				0;

	return a->cfg->bp_bare_tls && bare_hello(h) && proc && mw_process_is_server(proc) &&
	       !mw_dirnet_seen(a->dirnet, (const struct mw_addr *)key->remote_addr,
			       ntohs(key->remote_port), before_s);
}

void mw_agent_bpatterns_hello(void *arg, const struct mw_tls_hello *h)
{
	struct mw_agent_bpatterns *a = arg;
	struct mw_bp_bare *b;

	if (!a->cfg->bp_bare_tls || !bare_hello(h))
		return;
	/* a ring: a flood of bare connections pushes out the oldest */
	b = &a->bare[a->bare_pos];
	a->bare_pos = (a->bare_pos + 1) % MW_BP_BARE_MAX;
	*b = (struct mw_bp_bare){ .used = true, .key = h->key, .ifindex = h->ifindex };
	a->bare_seen++;
}

static void judge(struct mw_agent_bpatterns *a, struct mw_bp_bare *b, const struct mw_flow *f,
		  uint64_t now_ns)
{
	const struct mw_tls_hello *h = mw_agent_tls_hello_find(a->hello, &b->key);
	struct mw_bp_decision dec;
	struct mw_process proc;
	struct mw_bp_finding fd = { .key = &b->key,
				    .sock_cookie = f->sock_cookie,
				    .ifindex = b->ifindex,
				    .match = MW_BP_BARE_TLS,
				    .severity = "medium",
				    .score = MW_BP_BARE_TLS_SCORE,
				    .dec = &dec };

	b->used = false;
	if (!h || mw_process_lookup(a->owner_fd, f->sock_cookie, &proc) ||
	    !mw_agent_bpatterns_bare(a, h, &b->key, &proc))
		return;
	/* a container's connection NATed on the uplink: judged on its veth */
	if (a->nat &&
	    mw_nat_view_is_twin(a->nat, f->ifindex, &b->key, f->sock_cookie, f->host_opened))
		return;
	a->bare_reported++;
	mw_bpatterns_decide(b->key.proto, f->initiator, f->handshake, f->host_opened, &dec);
	dec.block = false; /* an odd client alone is no proof */
	dec.sent_by = "client";
	fd.observed = json_pack("{s:s, s:b, s:b, s:I}", "ja4", h->ja4, "sni", false, "alpn", false,
				"age_s", (json_int_t)((now_ns - f->first_ns) / 1000000000ULL));
	mw_agent_bpatterns_report(a, &fd);
}

void mw_agent_bpatterns_bare_cycle(struct mw_agent_bpatterns *a, uint64_t now_ns)
{
	unsigned i;

	for (i = 0; i < MW_BP_BARE_MAX; i++) {
		struct mw_bp_bare *b = &a->bare[i];
		struct mw_flow f;

		if (!b->used)
			continue;
		/* gone before it was old enough: nothing to say */
		if (a->flows_fd < 0 || bpf_map_lookup_elem(a->flows_fd, &b->key, &f) ||
		    f.state != MW_STATE_OPEN) {
			b->used = false;
			continue;
		}
		if (now_ns - f.first_ns >= a->cfg->bp_bare_tls_min_age_ms * 1000000ULL)
			judge(a, b, &f, now_ns);
	}
}
