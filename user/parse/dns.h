/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * dns.h - DNS messages as the wire carries them (RFC 1035), read from the
 * bounded copy the datapath hands over: a query's ID and question; an
 * answer's question, CNAME records and A/AAAA records with their owners,
 * names decompressed. Never reads past the bytes it has, follows at most a
 * few compression pointers per name, and keeps what it could read when the
 * copy is cut short. Names are text a matcher can trust: lower case, host
 * name characters only ([a-z0-9-_.]); anything else (control characters,
 * UTF-8, a '.' inside a label) is no host name and reads as "".
 */
#ifndef MW_PARSE_DNS_H
#define MW_PARSE_DNS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/addr.h"
#include "parse/name.h"

#define MW_DNS_MAX_NAMES 8 /* the question and CNAME targets kept */
#define MW_DNS_MAX_ADDRS 32
#define MW_DNS_MAX_CNAMES 8
#define MW_DNS_NO_NAME 0xff /* an owner that is not among names[] */

struct mw_dns_addr {
	struct mw_addr addr;
	uint32_t ttl;
	uint8_t owner; /* index in names[], or MW_DNS_NO_NAME */
};

struct mw_dns_cname {
	uint8_t owner, target; /* indexes in names[] */
};

struct mw_dns_msg {
	uint16_t id;
	uint8_t rcode;
	bool truncated; /* the copy ended inside the answers */
	uint16_t qtype, qclass;
	char question[MW_NAME_MAX]; /* "" when it is no host name */
	/* names[0] is the question when it is a host name; then every CNAME
	 * owner and target and A/AAAA owner, each once */
	char names[MW_DNS_MAX_NAMES][MW_NAME_MAX];
	unsigned n_names;
	struct mw_dns_addr addrs[MW_DNS_MAX_ADDRS];
	unsigned n_addrs;
	struct mw_dns_cname cnames[MW_DNS_MAX_CNAMES];
	unsigned n_cnames;
};

/* A query: what the host asked, to match the answer against. */
struct mw_dns_query {
	uint16_t id;
	uint16_t qtype, qclass;
	char name[MW_NAME_MAX]; /* "" when it is no host name */
};

/*
 * Parses a DNS response; @tcp: the message starts with its 2-byte length.
 * Returns 0 (possibly with @msg->truncated), or -EINVAL when the bytes are
 * not a DNS response with a question.
 */
int mw_dns_parse(const uint8_t *buf, size_t len, bool tcp, struct mw_dns_msg *msg);

/*
 * Parses a DNS query (QR clear, standard opcode, one question). Returns 0,
 * or -EINVAL when the bytes are not one.
 */
int mw_dns_parse_query(const uint8_t *buf, size_t len, bool tcp, struct mw_dns_query *q);

/*
 * Marks in @on_chain (MW_DNS_MAX_NAMES entries) the names on the question's
 * CNAME chain: the question, then the target of the CNAME whose owner is
 * the name before, and so on. Records of other owners in the same message
 * (additional or authority data, a resolver's or a forger's extras) are
 * off the chain. Returns the chain's length, 0 when the question is no
 * host name.
 */
unsigned mw_dns_chain(const struct mw_dns_msg *msg, bool *on_chain);

#endif
