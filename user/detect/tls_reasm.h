/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * tls_reasm.h - the host's outbound TLS ClientHellos put back together from
 * the datapath's copies of their first segments (up to MW_TLS_REASM_MAX
 * bytes each), so that the SNI is read wherever it lies: past the first
 * copy, in a later segment, in a later record.
 *
 * Memory is bounded: at most @max flows are reassembled at once, each in a
 * MW_TLS_REASM_MAX buffer. A flood of flows that start a record and never
 * finish it takes the oldest slot each (counted in @evicted), and a slot
 * left waiting longer than @ttl_ns goes (@expired).
 */
#ifndef MW_DETECT_TLS_REASM_H
#define MW_DETECT_TLS_REASM_H

#include <stdbool.h>
#include <stdint.h>

#include "minewall.h"
#include "parse/list.h"

#define MW_TLS_REASM_FLOWS 256
#define MW_TLS_REASM_TTL_NS (30ULL * 1000000000ULL)
/* A record whose flow ended is kept this long: the flow's end comes on the
 * decisive ring, read before the copies that preceded it on the other */
#define MW_TLS_REASM_LINGER_NS (2ULL * 1000000000ULL)

struct mw_tls_slot {
	bool used;
	struct mw_flow_key key;
	uint32_t seq0; /* sequence number of the record's first byte */
	uint32_t have; /* bytes in @buf from seq0 on, without a gap */
	uint64_t start_ns;
	uint64_t end_ns; /* when its flow ended, 0 while it lives */
	uint8_t buf[MW_TLS_REASM_MAX];
};

struct mw_tls_reasm {
	struct mw_tls_slot *slots;
	unsigned max;
	uint64_t ttl_ns;
	/* @started: records that needed more than their first copy;
	 * @completed: of those, the SNI found or the record read to its end;
	 * @evicted: slots taken back for a newer record (the table full);
	 * @expired: slots left waiting past @ttl_ns or at their flow's end;
	 * @gaps: copies that came after a missing one (dropped) */
	uint64_t started, completed, evicted, expired, gaps;
};

int mw_tls_reasm_init(struct mw_tls_reasm *r, unsigned max, uint64_t ttl_ns);
void mw_tls_reasm_free(struct mw_tls_reasm *r);

/*
 * Reads the SNI of the host's outbound ClientHello copy @ev into @sni
 * (MW_NAME_MAX bytes). Returns 0 when found, -EAGAIN while the record is
 * incomplete and kept for the copies to come, -ENOENT when the record is
 * read without an SNI (or is not a ClientHello), -EINVAL for a copy that
 * belongs to no record being reassembled.
 */
int mw_tls_reasm_feed(struct mw_tls_reasm *r, const struct mw_event_peek *ev, uint64_t now_ns,
		      char *sni);
/* Notes that the flow of @key ended: its record goes MW_TLS_REASM_LINGER_NS
 * later. */
void mw_tls_reasm_forget(struct mw_tls_reasm *r, const struct mw_flow_key *key, uint64_t now_ns);
/* Drops the records waiting since before @now_ns - ttl, and those whose
 * flow ended over MW_TLS_REASM_LINGER_NS ago. */
void mw_tls_reasm_expire(struct mw_tls_reasm *r, uint64_t now_ns);
/* Records being reassembled. */
unsigned mw_tls_reasm_pending(const struct mw_tls_reasm *r);

#endif
