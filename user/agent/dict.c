// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <pwd.h>
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <bpf/bpf.h>
#include <jansson.h>

#include "agent/dict.h"
#include "agent/dict_cfg.h"
#include "agent/env.h"
#include "agent/loader.h"
#include "lib/log.h"
#include "lib/util.h"

/* Blocks @target (an address, or a prefix that is the attacker) for @det. */
static void block_target(struct mw_agent_detect *ad, const struct mw_dict_detection *det,
			 const struct mw_prefix *target, const char **action)
{
	struct mw_block_req req = { .method = det->method, .target = *target };
	char reason[MW_REASON_MAX], pfx[MW_ADDRSTRLEN];
	int at;

	at = snprintf(reason, sizeof(reason), "%s", det->distributed ? "distributed attack, " : "");
	if (det->aggregate && at >= 0 && (size_t)at < sizeof(reason))
		at += snprintf(reason + at, sizeof(reason) - at, "%u sources of %s, ",
			       det->total_sources,
			       mw_prefix_str(&det->src_prefix, pfx, sizeof(pfx)));
	if (at >= 0 && (size_t)at < sizeof(reason))
		snprintf(reason + at, sizeof(reason) - at, "%u tries on port %u in %llus%s",
			 det->attempts, det->dst_port, (unsigned long long)(det->window_ms / 1000),
			 det->successful ? ", then a session" : "");
	req.reason = reason;
	*action = mw_policy_block_detection(ad->policy, &req);
}

/* An address: the policy bans an IPv6 one by its ipv6_prefix, the unit
 * its tries were counted in, unless that would cover an allowlisted one. */
static void block_source(struct mw_agent_detect *ad, const struct mw_dict_detection *det,
			 const struct mw_addr *src, const char **action)
{
	struct mw_prefix target = { .addr = *src, .len = 128 };

	block_target(ad, det, &target, action);
}

static void block(struct mw_agent_detect *ad, const struct mw_dict_detection *det,
		  const char **action)
{
	unsigned i;

	/* a prefix that holds an address never blocked (the host's own, its
	 * gateway, an SSH session's peer): its attacking sources only */
	if (det->aggregate && !(ad->allow && mw_allow_match(ad->allow, &det->src_prefix))) {
		block_target(ad, det, &det->src_prefix, action);
		return;
	}
	if (det->distributed || det->aggregate)
		for (i = 0; i < det->n_sources; i++)
			block_source(ad, det, &det->sources[i], action);
	else
		block_source(ad, det, &det->src, action);
}

static void on_detection(void *arg, const struct mw_dict_detection *det)
{
	struct mw_agent_detect *ad = arg;
	char src[MW_ADDRSTRLEN];
	const char *action = "alert";
	struct mw_eve_rec rec;
	json_t *detail, *sources;
	unsigned i;

	ad->detections++;
	if (ad->cfg->dict_block)
		block(ad, det, &action);
	detail = json_pack("{s:i, s:I, s:b, s:b, s:b}", "attempts", (int)det->attempts, "window_s",
			   (json_int_t)(det->window_ms / 1000), "successful", det->successful,
			   "distributed", det->distributed, "aggregate", det->aggregate);
	/* where the tries were counted, and what a block covers: the address,
	 * its IPv6 prefix, or the prefix whose sources add up */
	if (det->src_prefix.len)
		json_object_set_new(detail, "src_prefix",
				    json_string(mw_prefix_str(&det->src_prefix, src, sizeof(src))));
	/* every try rests on a connection whose handshake was seen in order */
	json_object_set_new(detail, "evidence",
			    json_pack("{s:s, s:s}", "flows", "tcp-handshake-verified", "tries",
				      det->evidence ? det->evidence : ""));
	json_object_set_new(detail, "first_attempt_s_ago",
			    json_real((double)(det->last_ns - det->first_ns) / 1e9));
	if (det->distributed || det->aggregate) {
		sources = json_array();
		for (i = 0; i < det->n_sources; i++)
			json_array_append_new(sources, json_string(mw_addr_str(&det->sources[i],
									       src, sizeof(src))));
		json_object_set_new(detail, "sources", sources);
		json_object_set_new(detail, "total_sources", json_integer(det->total_sources));
	}
	rec = (struct mw_eve_rec){
		.method = det->method,
		.severity = det->successful ? "critical" : "high",
		.src = det->distributed ? NULL : &det->src,
		.src_port = det->distributed ? 0 : det->src_port,
		.dst = &det->dst,
		.dest_port = det->dst_port,
		.proto = "TCP",
		.ifindex = det->ifindex,
		.action = action,
		.detail = detail,
	};
	mw_eve_emit(ad->eve, mw_eve_detection(&rec));
}

static void on_burst(void *arg, const struct mw_event_burst *ev)
{
	mw_dict_burst(((struct mw_agent_detect *)arg)->dict, ev);
}

static void on_flow_end(void *arg, const struct mw_event_flow *ev)
{
	struct mw_agent_detect *ad = arg;

	mw_dict_flow_end(ad->dict, ev);
	/* its writer's record is done with: the LRU then holds only open
	 * connections, which sshd's MaxStartups keeps few while unauthenticated,
	 * so that no churn of closed ones evicts a guesser's record */
	if (ev->flow.svc == MW_SVC_SSH && ad->writer_fd >= 0)
		bpf_map_delete_elem(ad->writer_fd, &ev->key);
}

static void on_login(void *arg, unsigned svc, const struct mw_addr *src, uint16_t port, bool up)
{
	struct mw_agent_detect *ad = arg;
	char buf[MW_ADDRSTRLEN];

	if (svc != MW_SVC_SSH || !ad->allow)
		return;
	mw_allow_ssh_peer(ad->allow, src, port, up);
	pr_debug("SSH login recognised from %s port %u: %s\n", mw_addr_str(src, buf, sizeof(buf)),
		 port, up ? "allowlisted while this connection lasts" : "connection ended");
}

/* A prefix whose sources may add up: it holds nothing never blocked. */
/*
 * The host's word on an SSH login (dict.h): OpenSSH's unauthenticated child
 * writes as its privilege-separation user; after a login the session writes
 * as the user. The kernel records the writer of every SSH connection
 * (mw_ssh_writer): the latest still the privsep user means no login.
 */
static int confirm_login(void *arg, unsigned svc, const struct mw_flow_key *key)
{
	struct mw_agent_detect *ad = arg;
	struct mw_ssh_writer w;

	if (svc != MW_SVC_SSH || ad->writer_fd < 0 || !ad->has_privsep)
		return -ENOENT;
	if (bpf_map_lookup_elem(ad->writer_fd, key, &w))
		return -ENOENT; /* not a local server's connection, or no record */
	if (w.uid != ad->privsep_uid)
		return 1;
	ad->logins_refuted++;
	if (ad->logins_refuted <= 10 || !(ad->logins_refuted & (ad->logins_refuted - 1))) {
		char buf[MW_ADDRSTRLEN];

		pr_info("SSH login's shape from %s port %u, but sshd still writes as its unprivileged user: no login (%llu so far)\n",
			mw_addr_str((const struct mw_addr *)key->remote_addr, buf, sizeof(buf)),
			ntohs(key->remote_port), (unsigned long long)ad->logins_refuted);
	}
	return 0;
}

/* The map of SSH connections' writers, -1 for none: the host's word on the
 * logins the detector sees. */
static void read_writers(struct mw_agent_detect *ad, int writer_fd)
{
	/* OpenSSH's privilege-separation user: "sshd" everywhere it ships */
	struct passwd *pw = getpwnam("sshd");

	ad->writer_fd = writer_fd;
	ad->has_privsep = pw != NULL;
	ad->privsep_uid = pw ? pw->pw_uid : 0;
	if (writer_fd >= 0 && !pw)
		pr_info("no 'sshd' user: SSH logins are judged by their shape alone\n");
}

static bool may_aggregate(void *arg, const struct mw_prefix *p)
{
	struct mw_agent_detect *ad = arg;

	return !ad->allow || !mw_allow_match(ad->allow, p);
}

int mw_agent_dict_init(struct mw_agent_detect *ad, const struct mw_env *env)
{
	struct mw_event_sink sink = { .burst = on_burst, .flow_end = on_flow_end, .arg = ad };
	const struct mw_config *cfg = env->cfg;
	struct mw_dict_cfg dc = mw_agent_dict_cfg(cfg);
	int err;

	memset(ad, 0, sizeof(*ad));
	err = mw_agent_dict_ports(cfg, mw_loader_map_fd(env->loader, MW_MAP_SVC));
	if (err)
		return err;
	ad->cfg = cfg;
	ad->policy = env->policy;
	ad->allow = env->allow;
	ad->eve = env->eve;
	ad->dict = mw_dict_new(&dc, on_detection, ad);
	if (!ad->dict)
		return -ENOMEM;
	mw_dict_on_login(ad->dict, on_login);
	mw_dict_on_prefix(ad->dict, may_aggregate);
	mw_dict_on_confirm(ad->dict, confirm_login);
	read_writers(ad, mw_loader_map_fd(env->loader, MW_MAP_SSH_WRITER));
	return mw_events_add_sink(env->events, &sink);
}

void mw_agent_dict_free(struct mw_agent_detect *ad)
{
	mw_dict_free(ad->dict);
	ad->dict = NULL;
}

void mw_agent_dict_tick(struct mw_agent_detect *ad, uint64_t now_ns)
{
	struct mw_dict_cfg dc;

	if (!ad->dict)
		return;
	/* a reload rewrites the configuration in place: follow it */
	dc = mw_agent_dict_cfg(ad->cfg);
	mw_dict_set_cfg(ad->dict, &dc);
	mw_dict_tick(ad->dict, now_ns);
}

int mw_agent_dict_ports(const struct mw_config *cfg, int svc_fd)
{
	static __u8 values[65536];
	static __u32 keys[65536];
	__u32 count = 65536, i;
	unsigned svc, j;

	memset(values, 0, sizeof(values));
	for (svc = 1; svc < MW_SVC_MAX; svc++)
		for (j = 0; j < cfg->dict[svc].ports.n; j++)
			values[cfg->dict[svc].ports.port[j]] = svc;
	for (i = 0; i < 65536; i++)
		keys[i] = i;
	if (bpf_map_update_batch(svc_fd, keys, values, &count, NULL)) {
		int err = -errno;

		pr_warn("cannot set the protected ports: %s\n", strerror(-err));
		return err;
	}
	return 0;
}
