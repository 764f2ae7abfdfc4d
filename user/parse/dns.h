/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * dns.h - a DNS answer as the wire carries it (RFC 1035), read from the
 * bounded copy the datapath hands over: the question, the CNAME chain and
 * the A and AAAA records, names decompressed. Never reads past the bytes it
 * has, follows at most a few compression pointers per name, and keeps what
 * it could read when the copy is cut short.
 */
#ifndef MW_PARSE_DNS_H
#define MW_PARSE_DNS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "parse/list.h"

#define MW_DNS_MAX_NAMES 8 /* the question and CNAME targets kept */
#define MW_DNS_MAX_ADDRS 32

struct mw_dns_addr {
	struct mw_addr addr;
	uint32_t ttl;
};

struct mw_dns_msg {
	uint16_t id;
	uint8_t rcode;
	bool truncated; /* the copy ended inside the answers */
	/* names[0] is the question; then every CNAME owner and target */
	char names[MW_DNS_MAX_NAMES][MW_NAME_MAX];
	unsigned n_names;
	struct mw_dns_addr addrs[MW_DNS_MAX_ADDRS];
	unsigned n_addrs;
};

/*
 * Parses a DNS response; @tcp: the message starts with its 2-byte length.
 * Returns 0 (possibly with @msg->truncated), or -EINVAL when the bytes are
 * not a DNS response with a question.
 */
int mw_dns_parse(const uint8_t *buf, size_t len, bool tcp, struct mw_dns_msg *msg);

#endif
