// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_proc_net_tcp - lines of /proc/net/tcp and tcp6 as Linux 6.18 prints
 * them (copied from this host while sshd held sessions), and lines that
 * are not a socket's.
 */
#include <string.h>

#include "lib/addr.h"
#include "parse/proc_net_tcp.h"
#include "test.h"

struct row {
	const char *line;
	int ret;
	const char *local, *remote; /* addresses as text */
	unsigned lport, rport, state;
	unsigned long inode;
};

/* clang-format off */
static const struct row rows[] = {
	{ "   0: 0100007F:0016 0100007F:B1A2 01 00000000:00000000 02:0009A5E3 00000000     0        0 48213 2 0000000000000000 20 4 31 10 -1",
	  0, "127.0.0.1", "127.0.0.1", 22, 45474, 1, 48213 },
	{ "   1: 010011AC:0016 0B0033C6:DDD5 01 00000000:00000000 02:00075B25 00000000     0        0 51877 4 0000000000000000 21 4 30 10 -1",
	  0, "172.17.0.1", "198.51.0.11", 22, 56789, 1, 51877 },
	{ "   2: 00000000:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 19088 1 0000000000000000 100 0 0 10 0",
	  0, "0.0.0.0", "0.0.0.0", 22, 0, 10, 19088 },
	{ "   0: 00000000000000000000000001000000:0016 00000000000000000000000001000000:D3C8 01 00000000:00000000 02:000A7A7F 00000000     0        0 50311 2 0000000000000000 20 4 29 10 -1",
	  0, "::1", "::1", 22, 54216, 1, 50311 },
	{ "   1: B80D0120000000000000000001000000:0016 B80D0120000000000000000002000000:C001 01 00000000:00000000 00:00000000 00000000     0        0 777 1 0000000000000000 20 4 29 10 -1",
	  0, "2001:db8::1", "2001:db8::2", 22, 49153, 1, 777 },
	{ "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode", -22 },
	{ "", -22 },
	{ "   0: 0100007F:0016 0100007F 01 0 0 0 0 0 1", -22 },                     /* no port */
	{ "   0: 0100007F:0016 00000000000000000000000001000000:0016 01 0:0 0:0 0 0 0 9", -22 }, /* mixed families */
	{ "   0: 0100007G:0016 0100007F:0016 01 0:0 0:0 0 0 0 9", -22 },             /* not hex */
	{ "   0: 0100007F:10000 0100007F:0016 01 0:0 0:0 0 0 0 9", -22 },            /* port > 65535 */
	{ "   0: 100007F:0016 0100007F:0016 01 0:0 0:0 0 0 0 9", -22 },              /* 7 digits */
};
/* clang-format on */

static void t_rows(void *arg)
{
	char what[96], text[64];
	unsigned i;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const struct row *r = &rows[i];
		struct mw_proc_tcp sk = { 0 };

		snprintf(what, sizeof(what), "row %u: result", i);
		if (!ASSERT_EQ(mw_proc_net_tcp_line(r->line, &sk), r->ret, what) || r->ret)
			continue;
		snprintf(what, sizeof(what), "row %u: local address", i);
		ASSERT_STREQ(mw_addr_str(&sk.local, text, sizeof(text)), r->local, what);
		snprintf(what, sizeof(what), "row %u: remote address", i);
		ASSERT_STREQ(mw_addr_str(&sk.remote, text, sizeof(text)), r->remote, what);
		snprintf(what, sizeof(what), "row %u: ports, state, inode", i);
		ASSERT_TRUE(sk.local_port == r->lport && sk.remote_port == r->rport &&
				    sk.state == r->state && sk.inode == r->inode,
			    what);
	}
}

int main(int argc, char **argv)
{
	if (argc > 1)
		test_filter = argv[1];
	test_run("proc_net_tcp: real lines and broken ones", t_rows, NULL);
	return test_summary("proc_net_tcp");
}
