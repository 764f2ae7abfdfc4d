/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * outscan.h - OUTSCAN: a process of this host scanning others, the way a
 * compromised server spreads (masscan, nmap, a worm's connect() loop).
 *
 * Per scanning source, the distinct targets of its TCP connection
 * attempts over a sliding window: many addresses on one port (horizontal)
 * or many ports of one address (vertical). A source is a program: its
 * name, user and cgroup (a shell loop that forks one nc per target is one
 * source), or, for flows with no socket behind them (raw-socket SYN
 * scans), "unknown process" per local address.
 *
 * Counting distinct targets, never connections, keeps a poller quiet: a
 * monitoring agent that hits the same 50 hosts every minute has 50
 * targets however long it runs. What tells a scan from a busy client is
 * that most of a scan's targets fail: no answer to the SYN (half-open) or
 * a RST (refused). A source is reported when it reaches `addresses`
 * targets on one port (or `ports` ports on one address) in the window and
 * at least MW_OUTSCAN_FAILED_PCT percent of them failed; a client whose
 * targets answer is never reported, however many it has. Plain C over
 * plain data.
 */
#ifndef MW_DETECT_OUTSCAN_H
#define MW_DETECT_OUTSCAN_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/addr.h"
#include "minewall.h"

#define MW_OUTSCAN_SOURCES 64 /* sources followed; the least recent gives way */
#define MW_OUTSCAN_TARGETS 512 /* targets per source; the oldest gives way */
#define MW_OUTSCAN_SAMPLE 8 /* addresses (or ports) named in a verdict */
#define MW_OUTSCAN_FAILED_PCT 25 /* share of failed targets that makes a scan */
#define MW_OUTSCAN_REPORTED 16 /* reports remembered per source */
/* A half-open attempt answered this soon after its SYN was slow, not
 * failed (Linux retransmits a SYN at 1, 3 and 7 s). */
#define MW_OUTSCAN_LATE_NS (8ULL * 1000000000ULL)

/* How a connection attempt went. */
enum mw_outscan_state {
	MW_OS_PENDING = 0, /* a SYN, no answer yet */
	MW_OS_ANSWERED, /* the handshake completed */
	MW_OS_HALF_OPEN, /* no answer within the answer time */
	MW_OS_REFUSED, /* a RST */
};

enum mw_outscan_kind {
	MW_OS_HORIZONTAL = 0, /* many addresses, one port */
	MW_OS_VERTICAL, /* many ports, one address */
};

/* Who scans: @comm empty and @uid, @cgroup_id 0 for the unknown process
 * (no socket), then told apart by @local. */
struct mw_outscan_who {
	char comm[16];
	uint32_t uid;
	uint64_t cgroup_id;
	struct mw_addr local; /* the unknown process's local address; else zero */
};

/* One connection attempt, as the agent saw it. */
struct mw_outscan_attempt {
	struct mw_flow_key key; /* the host's side local */
	uint64_t first_ns; /* the flow's start (mw_flow.first_ns) */
	uint64_t cookie; /* its socket; 0: none */
	uint32_t pid; /* its process; 0: unknown */
	uint32_t ifindex; /* where it was seen */
	uint8_t state; /* enum mw_outscan_state */
};

struct mw_outscan_target {
	struct mw_flow_key key; /* the latest flow to it: to ask how it went */
	uint64_t seen_ns; /* its latest attempt */
	uint64_t first_ns; /* that flow's start (mw_flow.first_ns) */
	uint32_t ifindex; /* where it was seen */
	uint8_t state; /* enum mw_outscan_state */
};

struct mw_outscan_src {
	struct mw_outscan_who who;
	uint32_t pid; /* the latest process of the source */
	uint64_t cookie; /* its latest socket (process details), 0: none */
	uint64_t last_ns;
	struct mw_outscan_target *t; /* oldest first; NULL once the source is gone */
	unsigned n;
	bool dirty; /* something changed since the latest check */
	struct {
		uint8_t kind;
		uint16_t port; /* horizontal */
		struct mw_addr addr; /* vertical */
		uint64_t until_ns;
	} reported[MW_OUTSCAN_REPORTED];
	unsigned reported_pos;
};

struct mw_outscan_cfg {
	uint64_t window_ns; /* the sliding window */
	unsigned addresses; /* distinct addresses on one port that make a scan */
	unsigned ports; /* distinct ports of one address that make a scan */
	uint64_t answer_ns; /* a SYN unanswered this long is half-open */
	unsigned reports_per_min; /* all sources together; 0: no limit */
};

/* One scan found by mw_outscan_check. */
struct mw_outscan_verdict {
	const struct mw_outscan_src *src; /* valid until the next call */
	enum mw_outscan_kind kind;
	uint16_t port; /* horizontal: the port; vertical: the lowest of them */
	struct mw_addr addr; /* vertical: the address */
	unsigned targets, answered, half_open, refused, pending;
	bool critical; /* a port worms spread through */
	struct mw_addr sample[MW_OUTSCAN_SAMPLE]; /* horizontal: failed ones first */
	uint16_t sample_ports[MW_OUTSCAN_SAMPLE]; /* vertical */
	unsigned n_sample;
};

struct mw_outscan {
	struct mw_outscan_cfg cfg;
	struct mw_outscan_src src[MW_OUTSCAN_SOURCES];
	unsigned n_src;
	/* counters since the start */
	uint64_t observed, sources_evicted, targets_evicted, reports, suppressed;
	uint64_t limit_start_ns;
	unsigned limit_used;
};

/*
 * Asks how the attempt on flow @key (started at @first_ns) went, for a
 * pending target older than the answer time, and again for a half-open one
 * until MW_OUTSCAN_LATE_NS: enum mw_outscan_state (MW_OS_PENDING: still
 * not known).
 */
typedef enum mw_outscan_state (*mw_outscan_ask_fn)(void *arg, const struct mw_flow_key *key,
						   uint64_t first_ns, uint64_t now_ns);

void mw_outscan_init(struct mw_outscan *o, const struct mw_outscan_cfg *cfg);
void mw_outscan_free(struct mw_outscan *o);
/* Whether worms spread through @port (22, 23, 2375, 2376, 6379, 5432,
 * 3306, 5900, 445). */
bool mw_outscan_worm_port(uint16_t port);
/*
 * The attempt @at of @who, seen at @now_ns. The same target (remote
 * address and port) seen again is refreshed: an answer is kept over a
 * later pending attempt, a failure over an answer. Returns 1 for a new
 * target, 0 for one seen before in the window, or -ENOMEM.
 */
int mw_outscan_observe(struct mw_outscan *o, const struct mw_outscan_who *who,
		       const struct mw_outscan_attempt *at, uint64_t now_ns);
/*
 * Forgets what left the window, asks @ask (may be NULL) about the pending
 * targets of sources that have enough targets to matter, and fills @out
 * with at most @max scans not reported yet in this window (each once per
 * source and port, or source and address). Returns their count.
 */
unsigned mw_outscan_check(struct mw_outscan *o, uint64_t now_ns, mw_outscan_ask_fn ask, void *arg,
			  struct mw_outscan_verdict *out, unsigned max);
const char *mw_outscan_kind_name(enum mw_outscan_kind k);

#endif
