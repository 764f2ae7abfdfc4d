/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * dict_cfg.h - the DICT detector's settings from the configuration: what
 * the glue (agent/dict.c) hands detect/dict.c, and what the tests and
 * benchmarks build their detectors with from the configuration's defaults.
 */
#ifndef MW_AGENT_DICT_CFG_H
#define MW_AGENT_DICT_CFG_H

#include "detect/dict.h"
#include "parse/config.h"

static inline struct mw_dict_cfg mw_agent_dict_cfg(const struct mw_config *cfg)
{
	struct mw_dict_cfg dc = {
		.window_ms = cfg->dict_window_ms,
		.long_window_ms = cfg->dict_long_window_ms,
		.long_attempts = cfg->dict_long_attempts,
		.dist_sources = cfg->dict_dist_sources,
		.dist_attempts = cfg->dict_dist_attempts,
		.success_attempts = cfg->dict_success_attempts,
		.grace = cfg->dict_grace,
		.agg_v4 = cfg->dict_agg_v4,
		.agg_v6 = cfg->dict_agg_v6,
		.agg_sources = cfg->dict_agg_sources,
		.agg_attempts = cfg->dict_agg_attempts,
		.ipv6_prefix = cfg->ipv6_prefix,
		.http_internal = cfg->dict_http_internal,
		.internal = cfg->internal,
		.n_internal = cfg->n_internal,
		.allow = cfg->allow,
		.n_allow = cfg->n_allow,
	};
	unsigned svc;

	for (svc = 0; svc < MW_SVC_MAX; svc++)
		dc.attempts[svc] = cfg->dict[svc].attempts;
	return dc;
}

#endif
