/* SPDX-License-Identifier: GPL-2.0-only */
/* control.h - the agent's answers to control-socket requests. */
#ifndef MW_AGENT_CONTROL_H
#define MW_AGENT_CONTROL_H

#include <stddef.h>

#include <jansson.h>

#include "agent/blacklist.h"
#include "agent/bridges.h"
#include "agent/crowdsec.h"
#include "agent/dirnet.h"
#include "agent/tls_hello.h"
#include "enforce/policy.h"
#include "output/eve.h"

struct mw_agent_ctl {
	struct mw_policy *policy;
	struct mw_allow *allow;
	struct mw_nft *nft;
	int block_fd, block_net_fd;
	struct mw_agent_blacklist *bl;
	struct mw_agent_dirnet *dirnet;
	struct mw_agent_crowdsec *cs;
	const char *events_file;
	const struct mw_eve *eve;
	const struct mw_bridges *bridges; /* containers' ports watched */
	int owner_fd; /* mw_owner: the process behind a socket cookie */
	struct mw_agent_tls_hello *hello; /* the host's ClientHellos; NULL: none */
};

/* "processes": {"cookies": [N...]} -> {"processes": {"N": process...}} */
json_t *mw_agent_ctl_processes(struct mw_agent_ctl *c, json_t *req, char *err, size_t len);

/* "tls_hellos": {} -> {"hellos": {"PROTO LADDR LPORT RADDR RPORT": {"ja4",
 * "sni", "alpn"}}}, the ClientHellos of the flows that live */
json_t *mw_agent_ctl_tls_hellos(struct mw_agent_ctl *c, json_t *req, char *err, size_t len);

/* mw_control_fn for the agent: blocks, block, unblock, allow, allow_del,
 * allowlist, flush, ping, blacklist_*, dirnet_*, crowdsec_*. */
json_t *mw_agent_control(void *arg, const char *cmd, json_t *req, char *err, size_t len);

#endif
