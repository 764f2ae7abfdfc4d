/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * test.h - a minimal runner in the spirit of the kernel's test_progs:
 * ASSERT_* macros that report and return false, subtests by name, and the
 * closing line "N passed, N failed" that CI reads.
 */
#ifndef MW_TEST_H
#define MW_TEST_H

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

extern int test_passed, test_failed;
extern bool test_cur_failed;
extern const char *test_filter;

#define ASSERT_TRUE(cond, what)                                                            \
	({                                                                                 \
		bool ___ok = (cond);                                                       \
		if (!___ok) {                                                              \
			fprintf(stderr, "    FAIL %s:%d: %s\n", __FILE__, __LINE__, what); \
			test_cur_failed = true;                                            \
		}                                                                          \
		___ok;                                                                     \
	})

#define ASSERT_EQ(actual, expected, what)                                                      \
	({                                                                                     \
		long long ___a = (long long)(actual), ___e = (long long)(expected);            \
		bool ___ok = ___a == ___e;                                                     \
		if (!___ok) {                                                                  \
			fprintf(stderr, "    FAIL %s:%d: %s: got %lld, want %lld\n", __FILE__, \
				__LINE__, what, ___a, ___e);                                   \
			test_cur_failed = true;                                                \
		}                                                                              \
		___ok;                                                                         \
	})

#define ASSERT_STREQ(actual, expected, what)                                                     \
	({                                                                                       \
		const char *___a = (actual), *___e = (expected);                                 \
		bool ___ok = ___a && ___e && !strcmp(___a, ___e);                                \
		if (!___ok) {                                                                    \
			fprintf(stderr, "    FAIL %s:%d: %s: got '%s', want '%s'\n", __FILE__,   \
				__LINE__, what, ___a ? ___a : "(null)", ___e ? ___e : "(null)"); \
			test_cur_failed = true;                                                  \
		}                                                                                \
		___ok;                                                                           \
	})

/* Runs @fn as a test named @name unless the filter excludes it. */
void test_run(const char *name, void (*fn)(void *), void *arg);
/* Prints the closing line; returns the exit code. */
int test_summary(const char *suite);

#endif
