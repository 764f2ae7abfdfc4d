/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * dns_build.h - DNS queries and answers written byte by byte for the
 * tests (RFC 1035 layout, names uncompressed), so that each case says
 * exactly what is on the wire, and the key of the flow that carries them.
 */
#ifndef MW_DNS_BUILD_H
#define MW_DNS_BUILD_H

#include <arpa/inet.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "lib/addr.h"
#include "minewall.h"

#define T_A 1
#define T_CNAME 5
#define T_AAAA 28

struct rr {
	const char *owner;
	uint16_t type;
	const char *data; /* an address, or the CNAME target */
	uint32_t ttl;
};

static inline size_t put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
	return 2;
}

/* @name as labels; a label may hold any byte but '.' (tests put controls in). */
static inline size_t put_name(uint8_t *p, const char *name)
{
	size_t n = 0;

	while (*name) {
		size_t len = strcspn(name, ".");

		p[n++] = (uint8_t)len;
		memcpy(p + n, name, len);
		n += len;
		name += len;
		if (*name == '.')
			name++;
	}
	p[n++] = 0;
	return n;
}

/* A message: a query (@qr 0) or an answer (@qr 1) with @n records
 * (@buf: 2048 bytes at least); @tcp
 * puts the 2-byte length in front. Returns its length. */
static inline size_t dns_build(uint8_t *buf, int tcp, uint16_t id, int qr, const char *qname,
			       uint16_t qtype, const struct rr *rrs, unsigned n)
{
	uint8_t *p = buf + (tcp ? 2 : 0);
	size_t off = 0;
	unsigned i;

	off += put16(p + off, id);
	off += put16(p + off, qr ? 0x8180 : 0x0100);
	off += put16(p + off, 1);
	off += put16(p + off, (uint16_t)n);
	off += put16(p + off, 0);
	off += put16(p + off, 0);
	off += put_name(p + off, qname);
	off += put16(p + off, qtype);
	off += put16(p + off, 1);
	for (i = 0; i < n; i++) {
		size_t rdlen_at;

		/* the question's name as a pointer to it (offset 12), as
		 * resolvers write it: 30 records fit in one peek */
		if (!strcmp(rrs[i].owner, qname))
			off += put16(p + off, 0xc00c);
		else
			off += put_name(p + off, rrs[i].owner);
		off += put16(p + off, rrs[i].type);
		off += put16(p + off, 1);
		off += put16(p + off, (uint16_t)(rrs[i].ttl >> 16));
		off += put16(p + off, (uint16_t)rrs[i].ttl);
		rdlen_at = off;
		off += 2;
		if (rrs[i].type == T_A) {
			inet_pton(AF_INET, rrs[i].data, p + off);
			off += 4;
		} else if (rrs[i].type == T_AAAA) {
			inet_pton(AF_INET6, rrs[i].data, p + off);
			off += 16;
		} else {
			off += put_name(p + off, rrs[i].data);
		}
		put16(p + rdlen_at, (uint16_t)(off - rdlen_at - 2));
	}
	if (tcp)
		put16(buf, (uint16_t)off);
	return off + (tcp ? 2 : 0);
}

/* The key of the DNS flow from @local:@lport to @server:53 over @proto. */
static inline void dns_flow_key(struct mw_flow_key *k, const char *local, const char *server,
				uint16_t lport, uint8_t proto)
{
	struct mw_addr a;

	memset(k, 0, sizeof(*k));
	mw_addr_parse(local, &a);
	memcpy(k->local_addr, a.addr, 16);
	mw_addr_parse(server, &a);
	memcpy(k->remote_addr, a.addr, 16);
	k->local_port = htons(lport);
	k->remote_port = htons(53);
	k->proto = proto;
}

#endif
