// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_packets.c - the datapath through BPF_PROG_TEST_RUN, one suite from
 * several files by concern: parsing (one packet a row), the TCP state of a
 * flow, watched connections, payload peeks, drops, fuzzing, the agent's
 * side. Each row of their tables is a subtest stating what it expects; see
 * pkt_harness.h for the step tables.
 */
#include "lib/log.h"
#include "pkt_harness.h"
#include "test.h"

int main(int argc, char **argv)
{
	mw_log_prog = "test_packets";
	mw_log_setup_libbpf();
	if (argc > 1)
		test_filter = argv[1];
	if (pkt_env_open("test_packets")) {
		printf("test_packets: 0 passed, 1 failed\n");
		return 1;
	}
	test_packets_parse();
	test_packets_tcp();
	test_packets_fuzz();
	test_packets_watched();
	test_packets_peek();
	test_packets_block();
	test_packets_agent();
	pkt_env_close();
	return test_summary("test_packets");
}
