// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/util.h"

int mw_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	unsigned long long v;
	char *end;

	if (!s || !*s || *s == '-' || *s == '+' || *s == ' ')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno == ERANGE)
		return -ERANGE;
	if (*end || end == s)
		return -EINVAL;
	if (v < min || v > max)
		return -ERANGE;
	*out = v;
	return 0;
}

int mw_parse_duration_ms(const char *s, uint64_t *ms)
{
	static const struct {
		const char *suffix;
		uint64_t ms;
	} units[] = {
		{ "ms", 1 },	  { "s", 1000 },     { "m", 60000 },
		{ "h", 3600000 }, { "d", 86400000 }, { "", 1000 },
	};
	unsigned long long v;
	char *end;
	size_t i;

	if (!s || *s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno)
		return -EINVAL;
	for (i = 0; i < ARRAY_SIZE(units); i++) {
		if (strcmp(end, units[i].suffix))
			continue;
		if (v > UINT64_MAX / units[i].ms)
			return -EINVAL;
		*ms = v * units[i].ms;
		return 0;
	}
	return -EINVAL;
}

char *mw_format_duration(uint64_t ms, char *buf, size_t len)
{
	uint64_t s = ms / 1000;

	if (ms < 1000)
		snprintf(buf, len, "%llums", (unsigned long long)ms);
	else if (s < 60)
		snprintf(buf, len, "%llus", (unsigned long long)s);
	else if (s < 3600)
		snprintf(buf, len, "%llum%llus", (unsigned long long)(s / 60),
			 (unsigned long long)(s % 60));
	else if (s < 86400)
		snprintf(buf, len, "%lluh%llum", (unsigned long long)(s / 3600),
			 (unsigned long long)(s % 3600 / 60));
	else
		snprintf(buf, len, "%llud%lluh", (unsigned long long)(s / 86400),
			 (unsigned long long)(s % 86400 / 3600));
	return buf;
}

char *mw_format_duration_exact(uint64_t ms, char *buf, size_t len)
{
	static const struct {
		const char *suffix;
		uint64_t ms;
	} units[] = { { "d", 86400000 }, { "h", 3600000 }, { "m", 60000 }, { "s", 1000 } };
	size_t i;

	for (i = 0; i < ARRAY_SIZE(units); i++) {
		if (ms && ms % units[i].ms == 0) {
			snprintf(buf, len, "%llu%s", (unsigned long long)(ms / units[i].ms),
				 units[i].suffix);
			return buf;
		}
	}
	snprintf(buf, len, "%llums", (unsigned long long)ms);
	return buf;
}

static char *format_scaled(uint64_t n, unsigned base, const char *const *units, char *buf,
			   size_t len)
{
	double v = (double)n;
	int i = 0;

	while (v >= base && units[i + 1]) {
		v /= base;
		i++;
	}
	if (i == 0)
		snprintf(buf, len, "%llu%s", (unsigned long long)n, units[0]);
	else
		snprintf(buf, len, "%.1f%s", v, units[i]);
	return buf;
}

char *mw_format_count(uint64_t n, char *buf, size_t len)
{
	static const char *const units[] = { "", "k", "M", "G", "T", NULL };

	return format_scaled(n, 1000, units, buf, len);
}

char *mw_format_bytes(uint64_t n, char *buf, size_t len)
{
	static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB", NULL };

	return format_scaled(n, 1024, units, buf, len);
}

uint64_t mw_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

char *mw_format_rfc3339_now(char *buf, size_t len)
{
	struct timespec now;
	struct tm tm;
	size_t n;

	clock_gettime(CLOCK_REALTIME, &now);
	gmtime_r(&now.tv_sec, &tm);
	n = strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + n, len - n, ".%06ldZ", now.tv_nsec / 1000);
	return buf;
}

char *mw_format_rfc3339_s(int64_t s, char *buf, size_t len)
{
	time_t t = (time_t)s;
	struct tm tm;

	if (!gmtime_r(&t, &tm) || !strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(buf, len, "1970-01-01T00:00:00Z");
	return buf;
}

int mw_grow(void *arr, size_t *cap, size_t n, size_t size, size_t first)
{
	void **p = arr, *q;
	size_t c = *cap ? *cap : first;

	if (n < *cap)
		return 0;
	if (!c || !size)
		return -EINVAL;
	while (c <= n) {
		if (c > SIZE_MAX / 2)
			return -ENOMEM;
		c *= 2;
	}
	if (c > SIZE_MAX / size)
		return -ENOMEM;
	q = realloc(*p, c * size);
	if (!q)
		return -ENOMEM;
	*p = q;
	*cap = c;
	return 0;
}

/* The length of the well-formed UTF-8 sequence at @s (at most @n bytes), or
 * 0 when it is not one; *@bad then says how many bytes make up the maximal
 * ill-formed subpart that one U+FFFD replaces (Unicode 15, 3.9 "U+FFFD
 * Substitution of Maximal Subparts"). */
static size_t utf8_seq(const unsigned char *s, size_t n, size_t *bad, uint32_t *cp)
{
	unsigned char c = s[0], lo = 0x80, hi = 0xbf;
	size_t need, i;

	*bad = 1;
	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c < 0xc2 || c > 0xf4)
		return 0; /* a continuation byte, an overlong lead (c0, c1) or past U+10FFFF */
	if (c < 0xe0) {
		need = 2;
		*cp = c & 0x1f;
	} else if (c < 0xf0) {
		need = 3;
		*cp = c & 0x0f;
		if (c == 0xe0)
			lo = 0xa0; /* overlong */
		else if (c == 0xed)
			hi = 0x9f; /* UTF-16 surrogates */
	} else {
		need = 4;
		*cp = c & 0x07;
		if (c == 0xf0)
			lo = 0x90; /* overlong */
		else if (c == 0xf4)
			hi = 0x8f; /* past U+10FFFF */
	}
	for (i = 1; i < need; i++) {
		if (i >= n || s[i] < lo || s[i] > hi)
			return 0;
		*cp = *cp << 6 | (s[i] & 0x3f);
		*bad = i + 1;
		lo = 0x80;
		hi = 0xbf;
	}
	return need;
}

size_t mw_sanitize_utf8(char *dst, size_t dstlen, const char *src, size_t srclen)
{
	const unsigned char *s = (const unsigned char *)src;
	size_t i = 0, o = 0;

	if (!dstlen)
		return 0;
	while (src && i < srclen) {
		char esc[8];
		const char *piece = (const char *)s + i;
		uint32_t cp = 0;
		size_t bad, plen, len = utf8_seq(s + i, srclen - i, &bad, &cp);

		if (!len) {
			piece = "\xef\xbf\xbd"; /* U+FFFD */
			plen = 3;
			len = bad;
		} else if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0)) {
			/* C0, DEL and C1: a terminal takes them as commands */
			plen = (size_t)snprintf(esc, sizeof(esc), "\\x%02x", (unsigned)cp);
			piece = esc;
		} else if ((cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069)) {
			/* bidi overrides: they make a terminal show text reversed */
			plen = (size_t)snprintf(esc, sizeof(esc), "\\u%04x", (unsigned)cp);
			piece = esc;
		} else {
			plen = len;
		}
		if (o + plen >= dstlen)
			break; /* what does not fit whole is left out, never cut */
		memcpy(dst + o, piece, plen);
		o += plen;
		i += len;
	}
	dst[o] = '\0';
	return o;
}

char *mw_sanitize_str(char *dst, size_t dstlen, const char *src)
{
	mw_sanitize_utf8(dst, dstlen, src, src ? strlen(src) : 0);
	return dst;
}
