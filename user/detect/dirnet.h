/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * dirnet.h - DIRNET: the host opening connections to the internet that it
 * has no business opening. Each new outbound flow to a public address is
 * checked against the expected destinations (configured addresses,
 * prefixes, ports and names, the host's resolvers and NTP servers) and
 * against a baseline learned over a configurable period (destination prefix
 * /24 or /64, port, process). What is left is reported, once per
 * destination, port and process an hour, with a severity that rises for
 * remote-access and mining ports, for processes never seen connecting out,
 * and for many new destinations in a minute. Plain C over plain data.
 */
#ifndef MW_DETECT_DIRNET_H
#define MW_DETECT_DIRNET_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "lib/addr.h"
#include "parse/dns.h"
#include "parse/list.h"

/* Whose habits a destination belongs to: a process name as process.h makes
 * it safe (15 bytes, each of which may become a 4-byte escape, so that it
 * is never cut), after "[IMAGE] " for a container's process, so that each
 * container image (or name) has a baseline of its own beside the host's. */
#define MW_DIRNET_COMM 192

/* Addresses learned from DNS answers for allowed names: at most this many
 * in all (the soonest to expire gives way), this many per allowed name
 * (further ones are refused until some expire), each kept for its TTL
 * within these bounds. */
#define MW_DIRNET_RESOLVED_MAX 16384
#define MW_DIRNET_PER_NAME_MAX 256
#define MW_DIRNET_TTL_MIN_S 60
#define MW_DIRNET_TTL_MAX_S 86400

/* Destinations the baseline holds at most: learning stops adding beyond. */
#define MW_DIRNET_KNOWN_MAX 65536U
#define MW_DIRNET_NONE UINT32_MAX

/* An expected destination: a prefix, or a name (and its subdomains when
 * written "*.name"), optionally one port. */
struct mw_dirnet_allow {
	struct mw_prefix prefix;
	char name[MW_NAME_MAX]; /* empty: the prefix rule */
	bool subdomains;
	uint16_t port; /* 0: any */
	uint32_t n_resolved; /* addresses the name holds now */
};

/* One learned destination. */
struct mw_dirnet_known {
	struct mw_prefix prefix; /* /24 or /64 */
	uint16_t port;
	char comm[MW_DIRNET_COMM];
	uint32_t count;
	int64_t first_s, last_s;
};

struct mw_dirnet_verdict {
	bool report;
	const char *severity; /* "medium", "high", "critical" */
	bool sensitive_port; /* SSH, RDP, SMB, Telnet, VNC, Tor, DoT, a pool port, DoH */
	const char *port_name; /* what a well-known sensitive port is for, or NULL */
	bool new_process; /* a process the baseline never saw connect out */
	bool not_service; /* the process is not a known service (mw_dirnet_exe_odd) */
	bool doh; /* a DNS-over-HTTPS endpoint, reached by a process that is no browser */
	bool mining; /* a blacklisted destination, or one that spoke Stratum */
	unsigned recent_new; /* new destinations in the last minute */
	bool learning; /* recorded into the baseline, not reported */
	bool while_learning; /* reported although learning: what learning never silences */
};

/* What the agent knows of a new flow besides its destination. */
struct mw_dirnet_flow {
	const struct mw_addr *dst;
	uint16_t port; /* host order */
	const char *comm; /* whose baseline: the process, "[IMAGE] process", or "" */
	const char *not_service; /* why the process is no known service, or NULL */
	const char *doh; /* the DoH endpoint it reaches (a non-browser), or NULL */
	bool mining; /* blacklisted, or the flow spoke Stratum */
	bool unverified; /* the host may not have opened it: never learned */
};

struct mw_dirnet_cfg {
	uint16_t sensitive_ports[64];
	unsigned n_sensitive;
	unsigned fanout; /* new destinations a minute that make it worse */
	/* 0: the MW_DIRNET_* defaults above */
	unsigned resolved_max, per_name_max;
	uint32_t ttl_min_s, ttl_max_s;
};

/* One address an allowed name resolved to, in a hash index (by address
 * and port) and an expiry heap. */
struct mw_dirnet_res {
	struct mw_addr addr;
	uint16_t port;
	uint16_t pad;
	uint32_t rule; /* index in mw_dirnet.allow */
	uint32_t heap; /* position in mw_dirnet.res_heap */
	uint32_t next; /* next entry in the hash chain */
	uint64_t expires_ns;
};

struct mw_dirnet {
	struct mw_dirnet_cfg cfg;
	struct mw_dirnet_allow *allow;
	size_t n_allow, cap_allow;
	/* addresses that allowed names resolved to, with their expiry */
	struct mw_dirnet_res *res; /* the first n_resolved are used */
	uint32_t *res_bucket; /* hash chain heads, res_mask + 1 of them */
	uint32_t *res_heap; /* entry indices, soonest expiry first */
	uint32_t res_mask;
	size_t n_resolved;
	uint64_t res_evicted, res_refused; /* total cap, per-name cap */
	struct mw_dirnet_known *known;
	size_t n_known, cap_known;
	/* indexes of @known: by destination, port and process, and by process
	 * alone; open addressing, MW_DIRNET_NONE for an empty slot */
	uint32_t *known_idx, *comm_idx;
	size_t idx_cap; /* a power of two, at least twice n_known */
	uint64_t known_refused; /* destinations beyond MW_DIRNET_KNOWN_MAX */
	int64_t learn_until_s; /* wall clock; 0: not learning */
	bool learned; /* a learning period ended: the baseline speaks */
	bool dirty; /* the baseline changed since it was saved */
	/* reported lately: destination, port, process */
	struct {
		struct mw_addr addr;
		uint16_t port;
		char comm[MW_DIRNET_COMM];
		uint64_t ns;
	} reported[256];
	unsigned reported_pos;
	/* when recent new destinations were seen, and by which process (a
	 * hash of its name): fan-out is one process's, not the host's (a
	 * first day of apt, chronyd, snapd and pip is no spray) */
	uint64_t new_times[256];
	uint64_t new_comm[256];
	unsigned new_pos;
};

void mw_dirnet_init(struct mw_dirnet *d, const struct mw_dirnet_cfg *cfg);
void mw_dirnet_free(struct mw_dirnet *d);

/* Parses one expected destination: ADDR[/LEN], ADDR[/LEN]:PORT,
 * [IPV6]:PORT, NAME, *.NAME, NAME:PORT, *:PORT. 0 or -EINVAL. */
int mw_dirnet_allow_parse(const char *s, struct mw_dirnet_allow *a);
int mw_dirnet_allow_add(struct mw_dirnet *d, const struct mw_dirnet_allow *a);
/* Drops every expected destination (before a reload sets them again). */
void mw_dirnet_allow_clear(struct mw_dirnet *d);
/* A DNS answer the host asked for: @addr is expected for @ttl_s (within
 * the configured bounds) from @now_ns if @name is an allowed name. */
void mw_dirnet_resolved(struct mw_dirnet *d, const char *name, const struct mw_addr *addr,
			uint32_t ttl_s, uint64_t now_ns);

/*
 * A DNS answer verified as the answer to the host's own query (see
 * detect/dnsq.h): when a name on the question's CNAME chain (@on_chain,
 * from mw_dns_chain) is allowed, the A/AAAA records whose owner is on that
 * chain become expected destinations for their TTL. Records of any other
 * owner in the message (additional data, a resolver's or a forger's
 * extras) teach nothing.
 */
void mw_dirnet_dns_answer(struct mw_dirnet *d, const struct mw_dns_msg *msg, const bool *on_chain,
			  uint64_t now_ns);

/* Judges a new outbound flow to a public address (@port host order, @comm
 * the process or ""), at @now_ns (monotonic) and @now_s (wall clock). */
void mw_dirnet_check(struct mw_dirnet *d, const struct mw_addr *dst, uint16_t port,
		     const char *comm, uint64_t now_ns, int64_t now_s, struct mw_dirnet_verdict *v);

/*
 * Judges a new flow with what is known of it. While learning, a flow is
 * recorded into the baseline unless it is what would be high or critical
 * (a sensitive port, fan-out, a process that is no known service, DoH, a
 * blacklisted or Stratum destination): that is reported, and never learned.
 * A DoH endpoint is reported even when the baseline knows the destination.
 */
void mw_dirnet_judge(struct mw_dirnet *d, const struct mw_dirnet_flow *f, uint64_t now_ns,
		     int64_t now_s, struct mw_dirnet_verdict *v);

/*
 * Why the executable @exe (as /proc/PID/exe names it) is no known service,
 * or NULL: a program with no file (memfd), one deleted outside the system's
 * directories (a dropper that removed itself; a deleted /usr binary is an
 * upgrade waiting for a restart), or one that lives where anybody may write
 * (/tmp, /var/tmp, /dev/shm, /run, /var/lock...) or where no package puts
 * programs (/etc, /boot, /var/www, /var/spool, /var/log, /var/cache...).
 * An empty @exe (a process gone, a kernel thread) is given the benefit of
 * the doubt.
 */
const char *mw_dirnet_exe_odd(const char *exe);

/* What a sensitive port is known for ("SSH", "Tor", "DNS-over-TLS"), or NULL. */
const char *mw_dirnet_port_name(uint16_t port);

/* Starts (or restarts) learning for @ms from @now_s, forgetting the baseline. */
void mw_dirnet_learn(struct mw_dirnet *d, uint64_t ms, int64_t now_s);
/* Ends learning when its time is up. Returns true when it just ended. */
bool mw_dirnet_tick(struct mw_dirnet *d, uint64_t now_ns, int64_t now_s);

/* The baseline as JSON, and back; load reports errors naming @path and
 * returns 0, -EINVAL (unreadable entries skipped), -E2BIG (cut at
 * MW_DIRNET_KNOWN_MAX) or -ENOMEM. */
json_t *mw_dirnet_baseline_json(const struct mw_dirnet *d);
int mw_dirnet_baseline_load(struct mw_dirnet *d, json_t *j, const char *path, FILE *err);

/* Also read from outside DIRNET (agent/proxy.c): a detector reporting what
 * the host does on a flow stays quiet where the operator said it may go. */
/* Whether @dst:@port (host order) is one of @d's expected destinations at
 * @now_ns: a prefix rule (with its port, if any), or an address an allowed
 * name resolved to in a verified answer, within its TTL. The host's
 * resolvers and what was learned are not rules and do not count. */
bool mw_dirnet_allows(const struct mw_dirnet *d, const struct mw_addr *dst, uint16_t port,
		      uint64_t now_ns);

#endif
