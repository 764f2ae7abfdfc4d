/* SPDX-License-Identifier: GPL-2.0-only */
/* util.h - small helpers: durations, sizes, clocks. */
#ifndef MW_UTIL_H
#define MW_UTIL_H

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

/* CLOCK_MONOTONIC and CLOCK_MONOTONIC_COARSE in ns (the BPF programs use
 * bpf_ktime_get_coarse_ns(), which reads the latter's time base). */
uint64_t mw_now_ns(void);

/* Makes room for element @n of the array *@arr (a pointer to the array
 * pointer) of *@cap elements of @size bytes: doubles it, starting at @first.
 * Returns 0 or -ENOMEM (the array is then unchanged). */
int mw_grow(void *arr, size_t *cap, size_t n, size_t size, size_t first);

#endif
