// SPDX-License-Identifier: GPL-2.0-only
#include <stdlib.h>
#include <unistd.h>

#include "data.h"
#include "test.h"

/* A missing file fails the running test and says which: a suite must never
 * pass because the data it checks against was not there. */
static void must_exist(const char *path)
{
	if (access(path, R_OK)) {
		fprintf(stderr, "    missing data file: %s (see selftests/data/README.md)\n", path);
		test_cur_failed = true;
	}
}

const char *test_data_dir(void)
{
	const char *d = getenv("MW_DATA");

	return d ? d : "selftests/data";
}

const char *test_data_path(const char *rel)
{
	static char path[1024];

	snprintf(path, sizeof(path), "%s/%s", test_data_dir(), rel);
	must_exist(path);
	return path;
}

FILE *test_tshark(const char *pcap, const char *filter, const char *fields)
{
	char cmd[2048];

	snprintf(cmd, sizeof(cmd), "%s/pcaps/%s", test_data_dir(), pcap);
	must_exist(cmd);
	snprintf(cmd, sizeof(cmd),
		 "tshark -n -r '%s/pcaps/%s' -Y '%s' -T fields -E separator='|' %s 2>/dev/null",
		 test_data_dir(), pcap, filter, fields);
	return popen(cmd, "r");
}

size_t test_unhex(const char *hex, uint8_t *out, size_t max)
{
	size_t n = 0;
	unsigned v;

	while (n < max && sscanf(hex + 2 * n, "%2x", &v) == 1)
		out[n++] = (uint8_t)v;
	return n;
}
