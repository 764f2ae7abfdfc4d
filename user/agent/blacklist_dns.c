// SPDX-License-Identifier: GPL-2.0-only
/*
 * blacklist_dns.c - addresses learned from DNS answers: the host's queries
 * to its resolvers remembered, an answer believed only when it answers one
 * of them, the A/AAAA records of a listed name on its CNAME chain put into
 * the kernel for their TTL (within bounds).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "agent/blacklist.h"
#include "agent/blacklist_priv.h"
#include "agent/localaddr.h"
#include "lib/log.h"
#include "parse/resolv_conf.h"
#include "lib/util.h"
#include "parse/dns.h"

static bool is_resolver(const struct mw_agent_blacklist *a, const struct mw_addr *addr)
{
	size_t i;

	for (i = 0; i < a->n_resolvers; i++)
		if (!memcmp(&a->resolvers[i], addr, sizeof(*addr)))
			return true;
	return mw_prefixes_contain(a->cfg->bl_resolvers, a->cfg->n_bl_resolvers, addr);
}

/* Re-reads the resolvers, and says so when they changed: a host whose
 * resolv.conf names only a local forwarder learns nothing until its
 * upstreams are configured, and the operator must be able to see why. */
void mw_agent_blacklist_dns_resolvers(struct mw_agent_blacklist *a)
{
	struct mw_addr r[ARRAY_SIZE(a->resolvers)];
	size_t n = mw_resolv_conf_read(a->resolv_conf, a->resolved_conf, r, ARRAY_SIZE(r)), i;
	char list[512] = "", buf[MW_ADDRSTRLEN];
	size_t off = 0;

	if (n == a->n_resolvers && !memcmp(r, a->resolvers, n * sizeof(r[0])))
		return;
	memcpy(a->resolvers, r, n * sizeof(r[0]));
	a->n_resolvers = n;
	for (i = 0; i < n && off < sizeof(list); i++)
		off += (size_t)snprintf(list + off, sizeof(list) - off, "%s%s", i ? ", " : "",
					mw_addr_str(&r[i], buf, sizeof(buf)));
	if (n || a->cfg->n_bl_resolvers)
		pr_info("blacklist: DNS answers are believed from %s%s%zu configured resolvers\n",
			n ? list : "", n ? " and " : "", (size_t)a->cfg->n_bl_resolvers);
	else
		pr_warn("blacklist: no resolver in %s nor in blacklist.resolvers: no DNS answer is learned\n",
			a->resolv_conf);
}

/* A query the host sent: remembered, so that its answer can be told from
 * a forged one. Only a flow the host opened carries the host's queries: a
 * "query" with one of our addresses as its source that arrived from
 * outside is someone setting up an answer of their own. */
static void note_query(struct mw_agent_blacklist *a, const struct mw_event_peek *ev)
{
	struct mw_dns_query q;

	if (!ev->host_opened || !is_resolver(a, (const struct mw_addr *)ev->key.remote_addr))
		return;
	if (mw_dns_parse_query(ev->data, ev->len, ev->key.proto == IPPROTO_TCP, &q))
		return;
	mw_dnsq_add(&a->queries, &ev->key, &q, mw_now_ns());
}

static void learn_one(struct mw_agent_blacklist *a, const struct mw_bl_name *match,
		      const char *qname, const struct mw_dns_addr *r)
{
	const struct mw_addr *addr = &r->addr;
	uint64_t ttl_ms = (uint64_t)r->ttl * 1000;
	char buf[MW_ADDRSTRLEN];
	const struct mw_bl_learned *l;
	int ret;

	if (mw_agent_blacklist_protected(a, addr)) {
		a->dns_refused_allowed++;
		pr_warn("blacklist %s: %s resolves to %s, which is never blocked: not learned\n",
			a->bl.lists[match->list].name, match->name,
			mw_addr_str(addr, buf, sizeof(buf)));
		return;
	}
	if (ttl_ms < a->cfg->bl_ttl_min_ms)
		ttl_ms = a->cfg->bl_ttl_min_ms;
	if (ttl_ms > a->cfg->bl_ttl_max_ms)
		ttl_ms = a->cfg->bl_ttl_max_ms;
	ret = mw_bl_learn(&a->bl, addr, match->list, qname, mw_now_ns() + ttl_ms * 1000000ULL,
			  mw_agent_blacklist_forget, a);
	if (ret == -ENOSPC)
		pr_debug("blacklist: %s already has %zu learned addresses: %s not learned\n", qname,
			 a->bl.learned_per_name, mw_addr_str(addr, buf, sizeof(buf)));
	if (ret <= 0)
		return;
	l = mw_bl_learned_find(&a->bl, addr);
	ret = mw_blacklist_maps_learn(&a->k, l,
				      mw_prefixes_contain(a->cfg->bl_alert_only,
							  a->cfg->n_bl_alert_only, addr) ?
					      MW_BL_ALERT :
					      0);
	if (ret)
		pr_warn("blacklist: cannot add %s to the kernel: %s\n",
			mw_addr_str(addr, buf, sizeof(buf)), strerror(-ret));
	a->learned++;
	pr_info("blacklist %s: learned %s for %s (listed as %s) for %llus\n",
		a->bl.lists[match->list].name, mw_addr_str(addr, buf, sizeof(buf)), qname,
		match->name, (unsigned long long)(ttl_ms / 1000));
	mw_agent_blacklist_hits_learned(a, l);
}

/*
 * An answer is learned only when it answers a query the host sent to one of
 * its resolvers (same flow, ID and question: see detect/dnsq.h), and only
 * the A/AAAA records whose owner is on the question's CNAME chain; one name
 * on that chain must be listed. The verification comes first and does not
 * depend on any list: DIRNET learns its allowed names' addresses from the
 * same verified answers (on_answer), lists or none.
 */
static void learn_answer(struct mw_agent_blacklist *a, const struct mw_event_peek *ev)
{
	const struct mw_bl_name *match = NULL;
	bool chain[MW_DNS_MAX_NAMES];
	struct mw_dns_msg msg;
	unsigned i;

	if (mw_dns_parse(ev->data, ev->len, ev->key.proto == IPPROTO_TCP, &msg))
		return;
	if (!is_resolver(a, (const struct mw_addr *)ev->key.remote_addr)) {
		a->dns_not_resolver++;
		return;
	}
	if (mw_dnsq_answer(&a->queries, &ev->key, &msg, mw_now_ns()))
		return;
	if (!mw_dns_chain(&msg, chain))
		return;
	if (a->on_answer)
		a->on_answer(a->on_answer_arg, &msg, chain, mw_now_ns());
	for (i = 0; i < msg.n_names && !match; i++)
		if (chain[i])
			match = mw_bl_match_name(&a->bl, msg.names[i]);
	if (!match)
		return;
	for (i = 0; i < msg.n_addrs; i++)
		if (msg.addrs[i].owner < MW_DNS_MAX_NAMES && chain[msg.addrs[i].owner])
			learn_one(a, match, msg.question, &msg.addrs[i]);
}

void mw_agent_blacklist_dns_peek(struct mw_agent_blacklist *a, const struct mw_event_peek *ev)
{
	if (ev->hdr.dir == MW_DIR_OUT)
		note_query(a, ev);
	else
		learn_answer(a, ev);
}
