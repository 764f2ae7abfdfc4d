/* SPDX-License-Identifier: GPL-2.0-only */
/* dict.h - the agent's side of the detectors: feeding them, and
 * turning their detections into events and blocks. */
#ifndef MW_AGENT_DICT_H
#define MW_AGENT_DICT_H

#include "parse/config.h"
#include "detect/dict.h"
#include "enforce/policy.h"
#include "agent/events.h"
#include "output/eve.h"

struct mw_agent_detect {
	const struct mw_config *cfg;
	struct mw_policy *policy;
	struct mw_allow *allow;
	struct mw_eve *eve; /* the events file, or NULL */
	struct mw_dict *dict;
	uint64_t detections;
	int writer_fd; /* mw_ssh_writer, or -1 */
	bool has_privsep;
	uint32_t privsep_uid; /* OpenSSH's unauthenticated child's */
	uint64_t logins_refuted; /* SSH login shapes the host said were no login */
};

struct mw_env;

/* Sets the protected ports, reads the host's word on SSH logins from the map
 * of SSH connections' writers (mw_ssh_writer) and registers on @env's events.
 * Returns 0 or -errno. */
int mw_agent_dict_init(struct mw_agent_detect *ad, const struct mw_env *env);
void mw_agent_dict_free(struct mw_agent_detect *ad);
void mw_agent_dict_tick(struct mw_agent_detect *ad, uint64_t now_ns);
/* Writes enum mw_svc of every local port into the mw_svc map. */
int mw_agent_dict_ports(const struct mw_config *cfg, int svc_fd);

#endif
