// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_ntp_conf - the servers named by lines of chrony.conf, ntp.conf and
 * timesyncd.conf as Debian 12 ships them, and lines that name none.
 */
#include <stdio.h>
#include <string.h>

#include "parse/ntp_conf.h"
#include "test.h"

struct row {
	const char *line;
	const char *want; /* the servers, space-separated; "" for none */
};

/* clang-format off */
static const struct row rows[] = {
	{ "pool 2.debian.pool.ntp.org iburst\n",            "2.debian.pool.ntp.org" },  /* chrony */
	{ "server 192.0.2.123 iburst prefer\n",             "192.0.2.123" },
	{ "peer\t2001:db8::123\n",                          "2001:db8::123" },
	{ "NTP=ntp1.example.net ntp2.example.net\n",        "ntp1.example.net ntp2.example.net" }, /* timesyncd */
	{ "FallbackNTP=0.debian.pool.ntp.org 1.debian.pool.ntp.org\n", "0.debian.pool.ntp.org 1.debian.pool.ntp.org" },
	{ "NTP=\n",                                         "" },
	{ "#NTP=ntp.example.net\n",                         "" },                       /* commented out */
	{ "# pool 2.debian.pool.ntp.org iburst\n",          "" },
	{ "driftfile /var/lib/chrony/chrony.drift\n",       "" },
	{ "server\n",                                       "" },                       /* no name */
	{ "servers 192.0.2.1\n",                            "" },                       /* not the keyword */
	{ "\n",                                             "" },
	{ "",                                               "" },
};
/* clang-format on */

static void t_rows(void *arg)
{
	const char *servers[MW_NTP_CONF_MAX];
	char line[256], got[256], what[96];
	unsigned i, k, n;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		snprintf(line, sizeof(line), "%s", rows[i].line);
		n = mw_ntp_conf_line(line, servers);
		got[0] = '\0';
		for (k = 0; k < n; k++)
			snprintf(got + strlen(got), sizeof(got) - strlen(got), "%s%s", k ? " " : "",
				 servers[k]);
		snprintf(what, sizeof(what), "row %u", i);
		ASSERT_STREQ(got, rows[i].want, what);
	}
}

/* A timesyncd line longer than MW_NTP_CONF_MAX names: the first ones kept. */
static void t_many(void *arg)
{
	const char *servers[MW_NTP_CONF_MAX];
	char line[1024] = "NTP=";
	unsigned i;

	for (i = 0; i < 2 * MW_NTP_CONF_MAX; i++)
		snprintf(line + strlen(line), sizeof(line) - strlen(line), " s%u.example", i);
	ASSERT_EQ(mw_ntp_conf_line(line, servers), MW_NTP_CONF_MAX, "capped");
	ASSERT_STREQ(servers[MW_NTP_CONF_MAX - 1], "s15.example", "in order");
}

int main(int argc, char **argv)
{
	if (argc > 1)
		test_filter = argv[1];
	test_run("ntp_conf: Debian's config lines", t_rows, NULL);
	test_run("ntp_conf: a long NTP= list", t_many, NULL);
	return test_summary("ntp_conf");
}
