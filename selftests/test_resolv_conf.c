// SPDX-License-Identifier: GPL-2.0-only
/* test_resolv_conf - the resolvers read from resolv.conf, and from
 * systemd-resolved's upstreams when the stub is the one named. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "lib/addr.h"
#include "lib/util.h"
#include "parse/resolv_conf.h"
#include "test.h"

static char dir[64];

static void t_resolv_conf(void *arg)
{
	char rc[600], rd[600], buf[MW_ADDRSTRLEN];
	struct mw_addr out[8];
	size_t n;
	FILE *f;

	snprintf(rc, sizeof(rc), "%s/resolv.stub", dir);
	snprintf(rd, sizeof(rd), "%s/resolved.conf", dir);
	f = fopen(rc, "w");
	fprintf(f, "nameserver 127.0.0.53\noptions edns0 trust-ad\nsearch .\n");
	fclose(f);
	f = fopen(rd, "w");
	fprintf(f, "# upstreams\nnameserver 192.0.2.53\nnameserver fe80::1%%eth0\n"
		   "nameserver not-an-address\n  nameserver 2001:db8::53\n");
	fclose(f);
	n = mw_resolv_conf_read(rc, rd, out, ARRAY_SIZE(out));
	ASSERT_EQ(n, 4, "the stub, then resolved's three upstreams");
	ASSERT_STREQ(mw_addr_str(&out[1], buf, sizeof(buf)), "192.0.2.53", "upstream 1");
	ASSERT_STREQ(mw_addr_str(&out[2], buf, sizeof(buf)), "fe80::1", "zone cut off");
	ASSERT_STREQ(mw_addr_str(&out[3], buf, sizeof(buf)), "2001:db8::53", "indented line");
	f = fopen(rc, "w");
	fprintf(f, "nameserver 198.51.100.1\n");
	fclose(f);
	n = mw_resolv_conf_read(rc, rd, out, ARRAY_SIZE(out));
	ASSERT_EQ(n, 1, "no stub: resolved's upstreams are not ours");
	ASSERT_EQ(mw_resolv_conf_read("/nonexistent", rd, out, 8), 0, "no file, no resolver");
}

int main(int argc, char **argv)
{
	char path[128];
	int rc;

	if (argc > 1)
		test_filter = argv[1];
	snprintf(dir, sizeof(dir), "/tmp/mw-resolv-conf-XXXXXX");
	if (!mkdtemp(dir)) {
		printf("resolv_conf: cannot make a temporary directory\nresolv_conf: 0 passed, 1 failed\n");
		return 1;
	}
	test_run("resolv.conf and systemd-resolved upstreams", t_resolv_conf, NULL);
	rc = test_summary("resolv_conf");
	snprintf(path, sizeof(path), "%s/resolv.stub", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/resolved.conf", dir);
	unlink(path);
	rmdir(dir);
	return rc;
}
