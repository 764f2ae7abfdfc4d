/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * ipfix.h - export of finished flows to an IPFIX collector (RFC 7011) over
 * UDP. A bidirectional flow becomes one record per direction that carried
 * packets, with the standard information elements (addresses, ports,
 * protocol, packets, octets, start and end, TCP flags, direction, end
 * reason) and one enterprise element, the minewall detection method that
 * concerned either endpoint (enterprise number 32473, the documentation
 * number of RFC 5612, element 1, 16 bytes of text). Templates go out with
 * the first message and then every minute, as UDP transport requires.
 */
#ifndef MW_OUTPUT_IPFIX_H
#define MW_OUTPUT_IPFIX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "lib/addr.h"

#define MW_IPFIX_PEN 32473
#define MW_IPFIX_TEMPLATE_V4 256
#define MW_IPFIX_TEMPLATE_V6 257
#define MW_IPFIX_MSG_MAX 1400
#define MW_IPFIX_METHOD_LEN 16

struct mw_ipfix_rec {
	struct mw_addr src, dst;
	uint16_t sport, dport; /* host order */
	uint8_t proto;
	uint8_t tcp_flags;
	uint8_t direction; /* 0 ingress, 1 egress */
	uint8_t end_reason; /* RFC 5102 flowEndReason */
	uint64_t packets, octets;
	uint64_t start_ms, end_ms; /* Unix epoch */
	char method[MW_IPFIX_METHOD_LEN];
};

struct mw_ipfix {
	int fd;
	uint32_t domain; /* observation domain */
	uint32_t seq; /* data records sent, as RFC 7011 counts them */
	time_t last_templates;
	struct mw_ipfix_rec pending[2][24]; /* [0] IPv4, [1] IPv6 */
	unsigned n_pending[2];
	uint64_t records, messages, send_errors;
};

/* Connects a UDP socket to @endpoint (ADDR:PORT). Returns 0 or -errno. */
int mw_ipfix_open(struct mw_ipfix *x, const char *endpoint, uint32_t domain);
void mw_ipfix_close(struct mw_ipfix *x);
/* Queues a record; sends a message when a set is full. */
void mw_ipfix_add(struct mw_ipfix *x, const struct mw_ipfix_rec *r, time_t now);
/* Sends what is queued (and the templates when due). */
void mw_ipfix_flush(struct mw_ipfix *x, time_t now);

/* Builds one message from @recs (IPv4 and IPv6 alike) into @buf, with the
 * templates when @templates; for tests and the exporter. Returns its length. */
size_t mw_ipfix_encode(uint8_t *buf, size_t cap, uint32_t domain, uint32_t seq, time_t now,
		       bool templates, const struct mw_ipfix_rec *v4, unsigned n4,
		       const struct mw_ipfix_rec *v6, unsigned n6);

#endif
