// SPDX-License-Identifier: GPL-2.0-only
/* test_events.c - the ring buffer's records dispatched to their sinks
 * (agent/events.c) without a ring buffer: duplicates dropped, malformed
 * records refused and counted. Built with ASan and UBSan. */
#include <errno.h>

#include "agent/events.h"
#include "test.h"

struct sink_counts {
	int ends, peeks;
	int last_reason;
};

static void count_end(void *arg, const struct mw_event_flow *ev)
{
	struct sink_counts *c = arg;

	c->ends++;
	c->last_reason = ev->hdr.reason;
}

static void count_peek(void *arg, const struct mw_event_peek *ev)
{
	((struct sink_counts *)arg)->peeks++;
}

static void t_events(void *arg)
{
	struct mw_events ev;
	struct sink_counts c = { 0 };
	struct mw_event_sink sink = { .flow_end = count_end, .peek = count_peek, .arg = &c };
	struct mw_event_flow fe = { .hdr = { .type = MW_EV_FLOW_END, .reason = MW_END_FIN } };
	struct mw_event_peek pe = { .hdr = { .type = MW_EV_PEEK }, .len = 10 };
	unsigned char junk[4] = { 1, 2, 3, 4 };

	ASSERT_EQ(mw_events_open(&ev, -1), 0, "open without a ring buffer");
	mw_events_add_sink(&ev, &sink);
	fe.flow.first_ns = 42;
	ASSERT_EQ(mw_events_dispatch(&ev, &fe, sizeof(fe)), 0, "flow end");
	ASSERT_EQ(mw_events_dispatch(&ev, &fe, sizeof(fe)), 0, "duplicate flow end");
	ASSERT_EQ(c.ends, 1, "duplicate end dropped");
	ASSERT_EQ(ev.duplicates, 1, "duplicate counted");
	fe.flow.first_ns = 43; /* the 4-tuple reused: a new connection */
	mw_events_dispatch(&ev, &fe, sizeof(fe));
	ASSERT_EQ(c.ends, 2, "same key, new connection delivered");
	ASSERT_EQ(mw_events_dispatch(&ev, &fe, sizeof(fe) - 1), -EINVAL, "short flow record");
	ASSERT_EQ(mw_events_dispatch(&ev, junk, sizeof(junk)), -EINVAL,
		  "record shorter than a header");
	fe.hdr.type = 99;
	ASSERT_EQ(mw_events_dispatch(&ev, &fe, sizeof(fe)), -EINVAL, "unknown type");
	ASSERT_EQ(mw_events_dispatch(&ev, &pe, sizeof(pe)), 0, "peek");
	pe.len = MW_PEEK_MAX + 1;
	ASSERT_EQ(mw_events_dispatch(&ev, &pe, sizeof(pe)), -EINVAL, "peek length past its buffer");
	ASSERT_EQ(c.peeks, 1, "one good peek delivered");
	ASSERT_EQ(ev.received[0], 4, "malformed records counted");
	mw_events_close(&ev);
}

int main(int argc, char **argv)
{
	if (argc > 1)
		test_filter = argv[1];
	test_run("event dispatch", t_events, NULL);
	return test_summary("events");
}
