/* SPDX-License-Identifier: GPL-2.0-only */
/* addr.h - addresses in the datapath's encoding (IPv4 as IPv4-mapped IPv6). */
#ifndef MW_LIB_ADDR_H
#define MW_LIB_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "minewall.h"

/* Longest text form of an address, with room for "/128". */
#define MW_ADDRSTRLEN (INET6_ADDRSTRLEN + 4)

struct mw_prefix {
	struct mw_addr addr; /* host bits cleared */
	uint8_t len; /* 0..128, IPv4 prefixes counted in the mapped space */
};

bool mw_addr_is_v4(const struct mw_addr *a);
void mw_addr_from_v4(struct mw_addr *a, const struct in_addr *in);
void mw_addr_from_v6(struct mw_addr *a, const struct in6_addr *in6);
/* Parses an IPv4 or IPv6 address. Returns 0 or -EINVAL. */
int mw_addr_parse(const char *s, struct mw_addr *a);
/* Parses ADDR or ADDR/LEN; host bits set are an error. Returns 0 or -EINVAL. */
int mw_prefix_parse(const char *s, struct mw_prefix *p);
char *mw_addr_str(const struct mw_addr *a, char *buf, size_t len);
char *mw_prefix_str(const struct mw_prefix *p, char *buf, size_t len);
/* Clears the bits of @a past the first @len (the mapped space for IPv4). */
void mw_addr_mask(struct mw_addr *a, unsigned len);
bool mw_prefix_contains(const struct mw_prefix *p, const struct mw_addr *a);
/* True when one of the @n prefixes of @set holds @a. */
bool mw_prefixes_contain(const struct mw_prefix *set, size_t n, const struct mw_addr *a);
/* True when one of the @n prefixes of @set shares an address with @p. */
bool mw_prefixes_overlap(const struct mw_prefix *set, size_t n, const struct mw_prefix *p);
/* True when the prefixes share any address. */
bool mw_prefix_overlap(const struct mw_prefix *a, const struct mw_prefix *b);
/* The address literal of an http(s) URL's host ("http://192.0.2.1:8080/",
 * "https://[2001:db8::1]/"). Returns 0, or -EINVAL when the host is a name
 * or the URL is not one. */
int mw_url_host_addr(const char *url, struct mw_addr *a);
/* Parses IPV4:PORT or [IPV6]:PORT. Returns 0 or -EINVAL. */
int mw_endpoint_parse(const char *s, struct sockaddr_storage *ss, socklen_t *len);
void mw_prefix_to_lpm(const struct mw_prefix *p, struct mw_lpm_key *k);

#endif
