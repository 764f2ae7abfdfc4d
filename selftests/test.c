// SPDX-License-Identifier: GPL-2.0-only
#include <stdlib.h>

#include "test.h"

int test_passed, test_failed;
bool test_cur_failed;
const char *test_filter;

void test_run(const char *name, void (*fn)(void *), void *arg)
{
	if (test_filter && !strstr(name, test_filter))
		return;
	test_cur_failed = false;
	fn(arg);
	if (test_cur_failed) {
		test_failed++;
		printf("not ok - %s\n", name);
	} else {
		test_passed++;
		printf("ok - %s\n", name);
	}
	fflush(stdout);
}

int test_summary(const char *suite)
{
	printf("%s: %d passed, %d failed\n", suite, test_passed, test_failed);
	return test_failed ? 1 : 0;
}
