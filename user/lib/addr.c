// SPDX-License-Identifier: GPL-2.0-only
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/addr.h"

static const uint8_t v4mapped_prefix[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

bool mw_addr_is_v4(const struct mw_addr *a)
{
	return !memcmp(a->addr, v4mapped_prefix, sizeof(v4mapped_prefix));
}

void mw_addr_from_v4(struct mw_addr *a, const struct in_addr *in)
{
	memcpy(a->addr, v4mapped_prefix, sizeof(v4mapped_prefix));
	memcpy(a->addr + 12, in, 4);
}

void mw_addr_from_v6(struct mw_addr *a, const struct in6_addr *in6)
{
	memcpy(a->addr, in6, 16);
}

int mw_addr_parse(const char *s, struct mw_addr *a)
{
	struct in6_addr in6;
	struct in_addr in;

	if (!s)
		return -EINVAL;
	if (inet_pton(AF_INET, s, &in) == 1) {
		mw_addr_from_v4(a, &in);
		return 0;
	}
	if (inet_pton(AF_INET6, s, &in6) == 1) {
		mw_addr_from_v6(a, &in6);
		return 0;
	}
	return -EINVAL;
}

void mw_addr_mask(struct mw_addr *a, unsigned len)
{
	unsigned i;

	for (i = 0; i < 16; i++) {
		if (len >= 8) {
			len -= 8;
			continue;
		}
		a->addr[i] &= (uint8_t)(0xff00 >> len);
		len = 0;
	}
}

int mw_prefix_parse(const char *s, struct mw_prefix *p)
{
	char buf[MW_ADDRSTRLEN];
	const char *slash;
	struct mw_addr masked;
	unsigned long len;
	unsigned max;
	char *end;

	if (!s)
		return -EINVAL;
	slash = strchr(s, '/');
	if (!slash) {
		if (mw_addr_parse(s, &p->addr))
			return -EINVAL;
		p->len = 128;
		return 0;
	}
	if ((size_t)(slash - s) >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, slash - s);
	buf[slash - s] = '\0';
	if (mw_addr_parse(buf, &p->addr))
		return -EINVAL;
	max = mw_addr_is_v4(&p->addr) && !strchr(buf, ':') ? 32 : 128;
	if (slash[1] < '0' || slash[1] > '9')
		return -EINVAL;
	len = strtoul(slash + 1, &end, 10);
	if (*end || len > max)
		return -EINVAL;
	p->len = (uint8_t)(max == 32 ? len + 96 : len);
	masked = p->addr;
	mw_addr_mask(&masked, p->len);
	if (memcmp(&masked, &p->addr, sizeof(masked)))
		return -EINVAL; /* 10.0.0.1/8: host bits set, most likely a typo */
	return 0;
}

char *mw_addr_str(const struct mw_addr *a, char *buf, size_t len)
{
	if (mw_addr_is_v4(a))
		inet_ntop(AF_INET, a->addr + 12, buf, len);
	else
		inet_ntop(AF_INET6, a->addr, buf, len);
	return buf;
}

char *mw_prefix_str(const struct mw_prefix *p, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];
	bool v4 = mw_addr_is_v4(&p->addr) && p->len >= 96;

	mw_addr_str(&p->addr, a, sizeof(a));
	if ((v4 && p->len == 128) || (!v4 && p->len == 128))
		snprintf(buf, len, "%s", a);
	else
		snprintf(buf, len, "%s/%u", a, (unsigned)(v4 ? p->len - 96 : p->len));
	return buf;
}

bool mw_prefix_contains(const struct mw_prefix *p, const struct mw_addr *a)
{
	struct mw_addr masked = *a;

	mw_addr_mask(&masked, p->len);
	return !memcmp(&masked, &p->addr, sizeof(masked));
}

void mw_prefix_to_lpm(const struct mw_prefix *p, struct mw_lpm_key *k)
{
	k->prefixlen = p->len;
	memcpy(k->addr, p->addr.addr, 16);
}

bool mw_prefix_overlap(const struct mw_prefix *a, const struct mw_prefix *b)
{
	/* two prefixes overlap exactly when the shorter contains the longer */
	return a->len <= b->len ? mw_prefix_contains(a, &b->addr) : mw_prefix_contains(b, &a->addr);
}

int mw_endpoint_parse(const char *s, struct sockaddr_storage *ss, socklen_t *len)
{
	char host[INET6_ADDRSTRLEN];
	const char *colon;
	uint64_t port;
	char *end;

	memset(ss, 0, sizeof(*ss));
	if (s[0] == '[') {
		const char *close = strchr(s, ']');

		if (!close || close[1] != ':' || (size_t)(close - s - 1) >= sizeof(host))
			return -EINVAL;
		memcpy(host, s + 1, close - s - 1);
		host[close - s - 1] = '\0';
		colon = close + 1;
	} else {
		colon = strrchr(s, ':');
		if (!colon || (size_t)(colon - s) >= sizeof(host) || memchr(s, ':', colon - s))
			return -EINVAL;
		memcpy(host, s, colon - s);
		host[colon - s] = '\0';
	}
	errno = 0;
	port = strtoull(colon + 1, &end, 10);
	if (errno || *end || !colon[1] || port == 0 || port > 65535)
		return -EINVAL;
	if (s[0] != '[') {
		struct sockaddr_in *in = (struct sockaddr_in *)ss;

		if (inet_pton(AF_INET, host, &in->sin_addr) != 1)
			return -EINVAL;
		in->sin_family = AF_INET;
		in->sin_port = htons((uint16_t)port);
		*len = sizeof(*in);
	} else {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;

		if (inet_pton(AF_INET6, host, &in6->sin6_addr) != 1)
			return -EINVAL;
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((uint16_t)port);
		*len = sizeof(*in6);
	}
	return 0;
}

bool mw_prefixes_contain(const struct mw_prefix *set, size_t n, const struct mw_addr *a)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (mw_prefix_contains(&set[i], a))
			return true;
	return false;
}

bool mw_prefixes_overlap(const struct mw_prefix *set, size_t n, const struct mw_prefix *p)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (mw_prefix_overlap(&set[i], p))
			return true;
	return false;
}

int mw_url_host_addr(const char *url, struct mw_addr *a)
{
	const char *host = strstr(url, "://"), *end;
	char buf[64];
	size_t n;

	if (!host)
		return -EINVAL;
	host += 3;
	if (*host == '[') {
		end = strchr(++host, ']');
		if (!end)
			return -EINVAL;
	} else {
		end = host + strcspn(host, ":/?#");
	}
	n = (size_t)(end - host);
	if (!n || n >= sizeof(buf) || memchr(host, '@', n))
		return -EINVAL;
	memcpy(buf, host, n);
	buf[n] = '\0';
	return mw_addr_parse(buf, a);
}
