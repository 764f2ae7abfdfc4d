// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include <bpf/libbpf.h>

#include "agent/events.h"
#include "lib/log.h"
#include "lib/util.h"

static bool seen_end(struct mw_events *ev, const struct mw_event_flow *fe)
{
	unsigned i;

	for (i = 0; i < ARRAY_SIZE(ev->recent_ends); i++)
		if (ev->recent_ends[i].first_ns == fe->flow.first_ns &&
		    !memcmp(&ev->recent_ends[i].key, &fe->key, sizeof(fe->key)))
			return true;
	i = ev->recent_pos++ % ARRAY_SIZE(ev->recent_ends);
	ev->recent_ends[i].key = fe->key;
	ev->recent_ends[i].first_ns = fe->flow.first_ns;
	return false;
}

int mw_events_dispatch(struct mw_events *ev, const void *data, size_t size)
{
	const struct mw_event_hdr *h = data;
	unsigned i;

	if (size < sizeof(*h))
		goto bad;
	switch (h->type) {
	case MW_EV_FLOW_END:
	case MW_EV_NEW_PUBLIC:
	case MW_EV_BLACKLIST: {
		const struct mw_event_flow *fe = data;

		if (size < sizeof(*fe))
			goto bad;
		if (h->type == MW_EV_FLOW_END && seen_end(ev, fe)) {
			ev->duplicates++;
			return 0;
		}
		ev->received[h->type]++;
		for (i = 0; i < ev->n_sinks; i++) {
			const struct mw_event_sink *s = &ev->sinks[i];

			if (h->type == MW_EV_FLOW_END && s->flow_end)
				s->flow_end(s->arg, fe);
			else if (h->type == MW_EV_NEW_PUBLIC && s->new_public)
				s->new_public(s->arg, fe);
			else if (h->type == MW_EV_BLACKLIST && s->blacklist)
				s->blacklist(s->arg, fe);
		}
		return 0;
	}
	case MW_EV_BURST: {
		const struct mw_event_burst *be = data;

		if (size < sizeof(*be))
			goto bad;
		ev->received[h->type]++;
		for (i = 0; i < ev->n_sinks; i++)
			if (ev->sinks[i].burst)
				ev->sinks[i].burst(ev->sinks[i].arg, be);
		return 0;
	}
	case MW_EV_PEEK: {
		const struct mw_event_peek *pe = data;

		if (size < sizeof(*pe) || pe->len > MW_PEEK_MAX)
			goto bad;
		ev->received[h->type]++;
		for (i = 0; i < ev->n_sinks; i++)
			if (ev->sinks[i].peek)
				ev->sinks[i].peek(ev->sinks[i].arg, pe);
		return 0;
	}
	}
bad:
	ev->received[0]++;
	pr_debug("ignored a malformed event record (%zu bytes, type %u)\n", size,
		 size >= sizeof(*h) ? h->type : 0);
	return -EINVAL;
}

/* A private error that ends a consume call early: never returned. */
#define PEEK_BUDGET_SPENT (-EINPROGRESS)

static int on_record(void *ctx, void *data, size_t size)
{
	struct mw_events *ev = ctx;

	mw_events_dispatch(ev, data, size);
	ev->consumed++;
	return 0; /* a bad record never stops the consumer */
}

static int on_peek_record(void *ctx, void *data, size_t size)
{
	struct mw_events *ev = ctx;

	mw_events_dispatch(ev, data, size);
	ev->consumed++;
	/* libbpf has consumed this record; a negative return stops the ring
	 * here and leaves the rest for the next call */
	if (++ev->peeks_this_call >= MW_PEEKS_PER_CONSUME)
		return PEEK_BUDGET_SPENT;
	return 0;
}

int mw_events_open(struct mw_events *ev, int map_fd)
{
	memset(ev, 0, sizeof(*ev));
	if (map_fd < 0)
		return 0; /* no ring buffer: dispatch only (tests) */
	ev->rb = ring_buffer__new(map_fd, on_record, ev, NULL);
	if (!ev->rb)
		return -errno;
	return 0;
}

int mw_events_add_peeks(struct mw_events *ev, int peeks_fd)
{
	if (!ev->rb || peeks_fd < 0)
		return -EINVAL;
	/* added second: ring_buffer__consume() reads the rings in the order
	 * they were added, so the decisive ring is always drained first */
	return ring_buffer__add(ev->rb, peeks_fd, on_peek_record, ev);
}

int mw_events_add_sink(struct mw_events *ev, const struct mw_event_sink *sink)
{
	if (ev->n_sinks >= MW_MAX_SINKS)
		return -E2BIG;
	ev->sinks[ev->n_sinks++] = *sink;
	return 0;
}

int mw_events_fd(const struct mw_events *ev)
{
	return ev->rb ? ring_buffer__epoll_fd(ev->rb) : -1;
}

int mw_events_consume(struct mw_events *ev)
{
	int ret;

	if (!ev->rb)
		return 0;
	ev->peeks_this_call = 0;
	ev->consumed = 0;
	ret = ring_buffer__consume(ev->rb);
	if (ret == PEEK_BUDGET_SPENT) {
		ev->peek_batches_cut++;
		return ev->consumed;
	}
	return ret < 0 ? ret : ev->consumed;
}

void mw_events_close(struct mw_events *ev)
{
	ring_buffer__free(ev->rb);
	ev->rb = NULL;
}
