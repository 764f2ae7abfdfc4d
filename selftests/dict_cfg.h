/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * dict_cfg.h - a DICT detector over a struct mw_config, with the settings
 * the agent's glue would give it (agent/dict_cfg.h): the tests and
 * benchmarks start from the configuration's defaults and change a field.
 */
#ifndef MW_SELFTESTS_DICT_CFG_H
#define MW_SELFTESTS_DICT_CFG_H

#include "agent/dict_cfg.h"

/* A detector over @cfg as it is now. */
static inline struct mw_dict *test_dict_new(const struct mw_config *cfg, mw_dict_fn fn, void *arg)
{
	struct mw_dict_cfg dc = mw_agent_dict_cfg(cfg);

	return mw_dict_new(&dc, fn, arg);
}

#endif
