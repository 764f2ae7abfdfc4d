/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * policy_ct.h - the policy's container blocks (issue 19), kept apart from
 * the host's: what policy.c calls at each of its steps. Private to
 * user/enforce/; the public side is in policy.h.
 */
#ifndef MW_ENFORCE_POLICY_CT_H
#define MW_ENFORCE_POLICY_CT_H

#include "enforce/policy.h"

/* The detail of a block's or unblock's event (policy.c). */
json_t *mw_policy_detail(const struct mw_block_entry *e);
/* "blocked WHAT for 10m (offence 2)" or "blocked WHAT permanently". */
void mw_policy_blocked_msg(char *msg, size_t msglen, const char *what,
			   const struct mw_block_entry *e);

/* mw_policy_block() of a request with a container. */
enum mw_block_result mw_policy_ct_block(struct mw_policy *p, const struct mw_block_req *req,
					char *msg, size_t msglen);
/* Loads the container blocks' ledger (at init). */
int mw_policy_ct_load(struct mw_policy *p);
int mw_policy_ct_save(struct mw_policy *p);
/* Adopts the container sets' elements at start, puts back what they lost. */
void mw_policy_ct_reconcile(struct mw_policy *p, bool table_ok);
/* Queues every active container block again (after a rebuild). */
void mw_policy_ct_requeue(struct mw_policy *p);
/* Ends the expired, forgets the old. */
void mw_policy_ct_tick(struct mw_policy *p);
/* Ends every container block (queued). */
void mw_policy_ct_flush(struct mw_policy *p);

#endif
