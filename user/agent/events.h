/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * events.h - consumer of the datapath's ring buffers. Records are checked for
 * size and type, then handed to the sinks (the detectors); the agent's idle
 * scan feeds its synthesised flow ends through the same door.
 *
 * Two rings: mw_events holds what decides blocks (flow ends, bursts,
 * blacklist hits, new public flows) and is drained first and whole on every
 * call; mw_peeks holds payload copies, which anyone can make the datapath
 * send, and at most MW_PEEKS_PER_CONSUME of them are handled per call, so
 * that a flood of them never delays the decisive ring or the agent's loop.
 */
#ifndef MW_AGENT_EVENTS_H
#define MW_AGENT_EVENTS_H

#include <stddef.h>
#include <stdint.h>

#include "minewall.h"

struct mw_event_sink {
	void (*flow_end)(void *arg, const struct mw_event_flow *ev);
	void (*new_public)(void *arg, const struct mw_event_flow *ev);
	void (*blacklist)(void *arg, const struct mw_event_flow *ev);
	void (*peek)(void *arg, const struct mw_event_peek *ev);
	void (*burst)(void *arg, const struct mw_event_burst *ev);
	void *arg;
};

#define MW_MAX_SINKS 16

/* Peek records handled per mw_events_consume() call; the rest wait for the
 * next call (the ring's fd stays readable). */
#define MW_PEEKS_PER_CONSUME 1024

struct mw_events {
	struct ring_buffer *rb;
	struct mw_event_sink sinks[MW_MAX_SINKS];
	unsigned n_sinks;
	/* counts, by enum mw_event_type; [0] counts malformed records */
	uint64_t received[MW_EV_BURST + 1];
	uint64_t duplicates; /* a second end report of the same flow */
	/* the latest flow ends, to drop a duplicate report from a racing CPU */
	struct {
		struct mw_flow_key key;
		uint64_t first_ns;
	} recent_ends[64];
	unsigned recent_pos;
	unsigned peeks_this_call; /* peeks handled in the current consume */
	uint64_t peek_batches_cut; /* consumes that left peeks for the next */
	int consumed; /* records handled in the current consume */
};

/* Opens the consumer on ring-buffer map @map_fd (mw_events). Returns 0 or
 * -errno. */
int mw_events_open(struct mw_events *ev, int map_fd);
/* Adds the peek ring @peeks_fd (mw_peeks), read after mw_events on every
 * call, through the same fd. Returns 0 or -errno. */
int mw_events_add_peeks(struct mw_events *ev, int peeks_fd);
int mw_events_add_sink(struct mw_events *ev, const struct mw_event_sink *sink);
/* Fd that becomes readable when records are waiting (for epoll). */
int mw_events_fd(const struct mw_events *ev);
/* Handles every waiting decisive record, then at most MW_PEEKS_PER_CONSUME
 * peeks. Returns the count or -errno. */
int mw_events_consume(struct mw_events *ev);
/* Handles one raw record, as if read from the ring buffer (tests, fuzzing,
 * and the agent's own idle-scan flow ends). Returns 0 or -EINVAL. */
int mw_events_dispatch(struct mw_events *ev, const void *data, size_t size);
void mw_events_close(struct mw_events *ev);

#endif
