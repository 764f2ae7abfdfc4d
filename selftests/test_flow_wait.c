// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_flow_wait.c - flows waiting for their verdict (detect/flow_wait.c):
 * found by key, taken out of order, due in arrival order, bounded (a full
 * table refuses, and a flood never loses one that was taken in).
 */
#include <errno.h>
#include <netinet/in.h>
#include <string.h>

#include "detect/flow_wait.h"
#include "test.h"

static void flow(struct mw_event_flow *ev, unsigned i)
{
	memset(ev, 0, sizeof(*ev));
	ev->key.proto = IPPROTO_TCP;
	ev->key.remote_addr[10] = ev->key.remote_addr[11] = 0xff;
	ev->key.remote_addr[12] = 203;
	ev->key.remote_addr[14] = (uint8_t)(i >> 8);
	ev->key.remote_addr[15] = (uint8_t)i;
	ev->key.local_port = htons((uint16_t)(1024 + i));
	ev->key.remote_port = htons(443);
}

static void t_flow_wait(void *arg)
{
	static struct mw_flow_wait table; /* 200 KiB: not on the stack */
	struct mw_flow_wait *w = &table;
	struct mw_flow_wait_entry out, *e;
	struct mw_event_flow ev;
	unsigned i, taken = 0, refused = 0, due = 0;

	mw_flow_wait_init(w);
	flow(&ev, 1);
	ASSERT_EQ(mw_flow_wait_add(w, &ev, 100), 0, "waits");
	ASSERT_EQ(mw_flow_wait_add(w, &ev, 100), -EEXIST, "once");
	flow(&ev, 2);
	ASSERT_EQ(mw_flow_wait_add(w, &ev, 200), 0, "a second");
	ASSERT_TRUE(!mw_flow_wait_due(w, 99, &out), "nothing due yet");
	flow(&ev, 2);
	e = mw_flow_wait_find(w, &ev.key);
	if (ASSERT_TRUE(e != NULL, "found by key"))
		mw_flow_wait_take(w, e, &out);
	ASSERT_TRUE(!memcmp(&out.ev.key, &ev.key, sizeof(ev.key)), "taken out of order");
	ASSERT_TRUE(!mw_flow_wait_find(w, &ev.key), "gone");
	ASSERT_TRUE(mw_flow_wait_due(w, 100, &out) && out.ev.key.remote_addr[15] == 1,
		    "the first is due at its deadline");
	ASSERT_EQ(w->waiting, 0, "empty");

	/* a flood: the table holds MW_FLOW_WAIT_MAX, the rest is refused (and
	 * judged at once by the caller); every one held comes out */
	for (i = 0; i < 3 * MW_FLOW_WAIT_MAX; i++) {
		flow(&ev, i);
		if (mw_flow_wait_add(w, &ev, 1000 + i) == -ENOSPC) {
			refused++;
			continue;
		}
		/* a third of them end early */
		if (i % 3 == 0 && (e = mw_flow_wait_find(w, &ev.key))) {
			mw_flow_wait_take(w, e, NULL);
			taken++;
		}
	}
	while (mw_flow_wait_due(w, UINT64_MAX, &out))
		due++;
	ASSERT_TRUE(refused > 0, "a full table refuses");
	ASSERT_EQ(taken + due + refused, 3 * MW_FLOW_WAIT_MAX, "none lost");
	ASSERT_EQ(w->waiting, 0, "all out");
}

int main(int argc, char **argv)
{
	if (argc > 1)
		test_filter = argv[1];
	test_run("flow_wait: bounded, by key, in order", t_flow_wait, NULL);
	return test_summary("flow_wait");
}
