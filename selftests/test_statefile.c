// SPDX-License-Identifier: GPL-2.0-only
/* test_statefile.c - the state-file writer (lib/statefile.c): the new file
 * replaces the old whole, a failed write leaves the old one and no
 * temporary file behind. Built with ASan and UBSan. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/statefile.h"
#include "test.h"

static int fill_text(FILE *f, void *arg)
{
	fputs(arg, f);
	return 0;
}

static int fill_fails(FILE *f, void *arg)
{
	fputs("half", f);
	return -EIO;
}

static void read_back(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");
	size_t n = f ? fread(buf, 1, len - 1, f) : 0;

	buf[n] = '\0';
	if (f)
		fclose(f);
}

static void t_statefile(void *arg)
{
	char dir[] = "/tmp/mw-unit-state-XXXXXX", path[128], tmp[140], buf[64];

	if (!ASSERT_TRUE(mkdtemp(dir), "temporary directory"))
		return;
	snprintf(path, sizeof(path), "%s/state", dir);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);

	ASSERT_EQ(mw_statefile_write(path, fill_text, "one\n"), 0, "written");
	read_back(path, buf, sizeof(buf));
	ASSERT_STREQ(buf, "one\n", "what was filled");
	ASSERT_EQ(mw_statefile_write(path, fill_text, "two\n"), 0, "replaced");
	read_back(path, buf, sizeof(buf));
	ASSERT_STREQ(buf, "two\n", "the new content, whole");
	ASSERT_TRUE(access(tmp, F_OK) && errno == ENOENT, "no temporary file left");

	ASSERT_EQ(mw_statefile_write(path, fill_fails, NULL), -EIO, "the filler's error");
	read_back(path, buf, sizeof(buf));
	ASSERT_STREQ(buf, "two\n", "a failed write leaves the old file");
	ASSERT_TRUE(access(tmp, F_OK) && errno == ENOENT, "nor a temporary file");

	snprintf(path, sizeof(path), "%s/missing/state", dir);
	ASSERT_EQ(mw_statefile_write(path, fill_text, "x"), -ENOENT, "a missing directory");

	snprintf(path, sizeof(path), "%s/state", dir);
	unlink(path);
	rmdir(dir);
}

int main(int argc, char **argv)
{
	if (argc > 1)
		test_filter = argv[1];
	test_run("state files: replaced whole or not at all", t_statefile, NULL);
	return test_summary("statefile");
}
