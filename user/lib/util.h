/* SPDX-License-Identifier: GPL-2.0-only */
/* util.h - small helpers: durations, sizes, clocks, safe text. */
#ifndef MW_LIB_UTIL_H
#define MW_LIB_UTIL_H

#include <stddef.h>
#include <stdint.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Parses "250ms", "30s", "10m", "2h", "1d", or a bare number of seconds,
 * into milliseconds. Returns 0 or -EINVAL. */
int mw_parse_duration_ms(const char *s, uint64_t *ms);
/* Parses an unsigned decimal number in [min, max]. Returns 0, -EINVAL or -ERANGE. */
int mw_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out);
/* Formats a duration as "3d4h", "2h5m", "4m10s", "12s", "340ms". */
char *mw_format_duration(uint64_t ms, char *buf, size_t len);
/* Formats a duration so that mw_parse_duration_ms() reads it back exactly. */
char *mw_format_duration_exact(uint64_t ms, char *buf, size_t len);
/* Formats a count with a k/M/G suffix (base 1000) or bytes with KiB/MiB/GiB. */
char *mw_format_count(uint64_t n, char *buf, size_t len);
char *mw_format_bytes(uint64_t n, char *buf, size_t len);

/* The wall clock now as RFC 3339 in UTC with microseconds
 * ("2026-12-05T12:30:58.123456Z"), as the events and the hook read it. */
char *mw_format_rfc3339_now(char *buf, size_t len);
/* @s (wall clock, seconds) as RFC 3339 UTC, "2026-12-05T15:00:00Z";
 * the epoch's for a time gmtime cannot take. */
char *mw_format_rfc3339_s(int64_t s, char *buf, size_t len);

/* CLOCK_MONOTONIC and CLOCK_MONOTONIC_COARSE in ns (the BPF programs use
 * bpf_ktime_get_coarse_ns(), which reads the latter's time base). */
uint64_t mw_now_ns(void);

/* Makes room for element @n of the array *@arr (a pointer to the array
 * pointer) of *@cap elements of @size bytes: doubles it, starting at @first,
 * as often as @n needs. The new elements are not initialised. Returns 0,
 * -ENOMEM (out of memory, or a size that would overflow; the array is then
 * unchanged) or -EINVAL (@first or @size 0). */
int mw_grow(void *arr, size_t *cap, size_t n, size_t size, size_t first);

/* Copies @srclen bytes of @src (any bytes: a process name, a DNS name, a
 * reason typed by someone) into @dst as text that is safe to print and to
 * put in JSON: valid UTF-8 is kept, each ill-formed part becomes U+FFFD,
 * control characters (C0, DEL, C1) become the visible escape "\xNN" (NN
 * their code point). @dst is always NUL-terminated (when @dstlen > 0) and
 * never ends in a cut sequence or escape: what does not fit is left out.
 * Returns the bytes written, without the NUL. */
size_t mw_sanitize_utf8(char *dst, size_t dstlen, const char *src, size_t srclen);
/* The same for a C string (NULL reads as ""); returns @dst. */
char *mw_sanitize_str(char *dst, size_t dstlen, const char *src);

#endif
