/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * reasm.h - the host's first outbound message on a connection it opened,
 * put back together from the datapath's copies of its first segments (the
 * copies marked cont carry what follows the first, at their sequence
 * number), so that a message cut across segments is read whole:
 *  - a TLS ClientHello (up to MW_TLS_REASM_MAX bytes): the whole record (or
 *    records), for its JA4 and its SNI wherever it lies;
 *  - a JSON line (up to MW_PEEK_MAX bytes): Stratum sent a few bytes at a
 *    time.
 *
 * Memory is bounded: at most @max messages are reassembled at once, each in
 * a MW_TLS_REASM_MAX buffer. A flood of connections that start a message
 * and never finish it takes the oldest slot each (counted in @evicted), and
 * a slot left waiting longer than @ttl_ns goes (@expired).
 */
#ifndef MW_DETECT_REASM_H
#define MW_DETECT_REASM_H

#include <stdbool.h>
#include <stdint.h>

#include "minewall.h"
#include "parse/list.h"

#define MW_REASM_FLOWS 256
#define MW_REASM_TTL_NS (30ULL * 1000000000ULL)
/* A message whose flow ended is kept this long: the flow's end comes on the
 * decisive ring, read before the copies that preceded it on the other */
#define MW_REASM_LINGER_NS (2ULL * 1000000000ULL)

struct mw_reasm_slot {
	bool used;
	struct mw_flow_key key;
	uint32_t seq0; /* sequence number of the message's first byte */
	uint32_t have; /* bytes in @buf from seq0 on, without a gap */
	uint64_t start_ns;
	uint64_t end_ns; /* when its flow ended, 0 while it lives */
	uint8_t buf[MW_TLS_REASM_MAX];
};

struct mw_reasm {
	struct mw_reasm_slot *slots;
	unsigned max;
	uint64_t ttl_ns;
	/* @started: messages that needed more than their first copy;
	 * @completed: of those, read whole (or to the cap);
	 * @evicted: slots taken back for a newer message (the table full);
	 * @expired: slots left waiting past @ttl_ns or past their flow's end;
	 * @gaps: copies that came after a missing one (dropped) */
	uint64_t started, completed, evicted, expired, gaps;
};

/* The table's settings; 0 in a field means its default. */
struct mw_reasm_cfg {
	unsigned max; /* messages followed at once (MW_REASM_FLOWS) */
	uint64_t ttl_ns; /* how long one waits for its rest (MW_REASM_TTL_NS) */
};

/* @cfg NULL: every default. Returns 0 or -ENOMEM. */
int mw_reasm_init(struct mw_reasm *r, const struct mw_reasm_cfg *cfg);
void mw_reasm_free(struct mw_reasm *r);

/*
 * The host's outbound ClientHello copy @ev read whole, for what needs every
 * byte of it (JA4): 0 with @rec and @len the record (the records that carry
 * the message when it goes on past the first; at most MW_TLS_REASM_MAX
 * bytes), valid until the next call; -EAGAIN while it is kept for the
 * copies to come; -ENOENT when @ev is not whole and will not be (not a
 * ClientHello, not the host's message on a flow it opened), with @rec and
 * @len its copy for what that holds; -EINVAL for a copy that belongs to no
 * record being reassembled (its first part gone: the caller may scan it).
 */
int mw_reasm_tls_record(struct mw_reasm *r, const struct mw_event_peek *ev, uint64_t now_ns,
			const uint8_t **rec, size_t *len);

/*
 * The host's outbound JSON copy @ev (the first, cut before its line's end,
 * or a continuation): 0 when a line is complete, with @whole the copy to
 * read (@ev's evidence, the bytes from the first one on, up to
 * MW_PEEK_MAX); -EAGAIN while kept; -ENOENT when @ev is whole as it is,
 * or not the host's; -EINVAL for a copy of no message being reassembled.
 */
int mw_reasm_json(struct mw_reasm *r, const struct mw_event_peek *ev, uint64_t now_ns,
		  struct mw_event_peek *whole);

/* Notes that the flow of @key ended: its message goes MW_REASM_LINGER_NS
 * later. */
void mw_reasm_forget(struct mw_reasm *r, const struct mw_flow_key *key, uint64_t now_ns);
/* Drops the messages waiting since before @now_ns - ttl, and those whose
 * flow ended over MW_REASM_LINGER_NS ago. */
void mw_reasm_expire(struct mw_reasm *r, uint64_t now_ns);
/* Messages being reassembled. */
unsigned mw_reasm_pending(const struct mw_reasm *r);

#endif
