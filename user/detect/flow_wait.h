/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * flow_wait.h - new flows whose verdict waits a moment for what the next
 * packets tell (DIRNET waits for a TCP flow's ClientHello, so that its
 * event names the server and the client's JA4). Bounded: a flow that finds
 * the table full is judged at once; each leaves when its detail arrives,
 * when it ends, or at its deadline, in the order they came. Plain C.
 */
#ifndef MW_DETECT_FLOW_WAIT_H
#define MW_DETECT_FLOW_WAIT_H

#include <stdbool.h>
#include <stdint.h>

#include "minewall.h"

#define MW_FLOW_WAIT_MAX 1024U

struct mw_flow_wait_entry {
	struct mw_event_flow ev;
	uint64_t due_ns;
	bool used;
	uint32_t next; /* hash chain */
};

struct mw_flow_wait {
	/* a ring in arrival order: [head, head + n) */
	struct mw_flow_wait_entry e[MW_FLOW_WAIT_MAX];
	uint32_t bucket[2 * MW_FLOW_WAIT_MAX];
	uint32_t head, n;
	unsigned waiting; /* entries used */
};

void mw_flow_wait_init(struct mw_flow_wait *w);
/* Holds @ev until @due_ns. 0, -ENOSPC (full: judge it now) or -EEXIST. */
int mw_flow_wait_add(struct mw_flow_wait *w, const struct mw_event_flow *ev, uint64_t due_ns);
/* The waiting entry of flow @key, or NULL. */
struct mw_flow_wait_entry *mw_flow_wait_find(struct mw_flow_wait *w, const struct mw_flow_key *key);
/* Takes the entry @e out (into @out). */
void mw_flow_wait_take(struct mw_flow_wait *w, struct mw_flow_wait_entry *e,
		       struct mw_flow_wait_entry *out);
/* Takes the oldest entry whose deadline is @now_ns or earlier (all of them,
 * one by one, when @now_ns is UINT64_MAX) into @out. false: none. */
bool mw_flow_wait_due(struct mw_flow_wait *w, uint64_t now_ns, struct mw_flow_wait_entry *out);

#endif
