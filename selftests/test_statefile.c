// SPDX-License-Identifier: GPL-2.0-only
/* test_statefile.c - the state-file writer (lib/statefile.c): the new file
 * replaces the old whole, a failed write leaves the old one and no
 * temporary file behind; read back line by line, a bad line is named
 * and the file kept aside. Built with ASan and UBSan. */
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

struct lines {
	char seen[64], warned[512];
};

static int take_line(void *arg, const char *line, int lineno, char *why, size_t whylen)
{
	struct lines *l = arg;

	if (!strcmp(line, "stop"))
		return -EIO;
	if (line[0] == '#') {
		snprintf(why, whylen, "a bad line");
		return -EINVAL;
	}
	snprintf(l->seen + strlen(l->seen), sizeof(l->seen) - strlen(l->seen), "%d:%s ", lineno,
		 line);
	return 0;
}

static void take_warning(void *arg, const char *msg)
{
	struct lines *l = arg;

	snprintf(l->warned + strlen(l->warned), sizeof(l->warned) - strlen(l->warned), "%s|", msg);
}

static void t_read_lines(void *arg)
{
	char dir[] = "/tmp/mw-unit-lines-XXXXXX", path[128], want[256], cmd[160];
	struct lines l = { "", "" };
	const struct mw_statefile_lines how = { take_line, take_warning, &l };

	if (!ASSERT_TRUE(mkdtemp(dir), "temporary directory"))
		return;
	snprintf(path, sizeof(path), "%s/state", dir);
	ASSERT_EQ(mw_statefile_read_lines(path, &how), 0, "a missing file: no line");

	ASSERT_EQ(mw_statefile_write(path, fill_text, "a\n\n# x\nb"), 0, "written");
	ASSERT_EQ(mw_statefile_read_lines(path, &how), 1, "one bad line");
	ASSERT_STREQ(l.seen, "1:a 4:b ", "the good lines, numbered, no newline");
	snprintf(want, sizeof(want),
		 "%s:3: a bad line; line skipped|%s had 1 bad lines; "
		 "the original is kept as %s.corrupt-",
		 path, path, path);
	ASSERT_TRUE(!strncmp(l.warned, want, strlen(want)), l.warned);

	ASSERT_EQ(mw_statefile_write(path, fill_text, "a\nstop\nb\n"), 0, "written");
	l.seen[0] = '\0';
	ASSERT_EQ(mw_statefile_read_lines(path, &how), -EIO, "the line's own error stops");
	ASSERT_STREQ(l.seen, "1:a ", "where it stopped");
	ASSERT_EQ(mw_statefile_read_lines(dir, &how), -EISDIR, "a directory");

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	ASSERT_EQ(system(cmd), 0, "cleaned up");
}

int main(int argc, char **argv)
{
	if (argc > 1)
		test_filter = argv[1];
	test_run("state files: replaced whole or not at all", t_statefile, NULL);
	test_run("state files: read line by line, bad lines reported and kept aside", t_read_lines,
		 NULL);
	return test_summary("statefile");
}
