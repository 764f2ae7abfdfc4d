// SPDX-License-Identifier: GPL-2.0-only
/* test_flow_scan.c - the idle timeout the flow scan (agent/flow_scan.c)
 * gives a flow by protocol and state. Built with ASan and UBSan. */
#include <netinet/in.h>

#include "agent/flow_scan.h"
#include "parse/config.h"
#include "test.h"

static void t_flow_timeouts(void *arg)
{
	struct mw_config cfg;
	struct mw_flow_key k = { .proto = IPPROTO_TCP };
	struct mw_flow f = { 0 };

	mw_config_defaults(&cfg);
	f.handshake = 1;
	ASSERT_EQ(mw_flow_scan_timeout_ms(&cfg, &k, &f), cfg.tcp_idle_ms, "established tcp");
	f.state = MW_STATE_CLOSED;
	ASSERT_EQ(mw_flow_scan_timeout_ms(&cfg, &k, &f), cfg.closed_linger_ms, "closed tcp");
	f.state = MW_STATE_OPEN;
	f.handshake = 0;
	f.initiator = MW_DIR_IN;
	ASSERT_EQ(mw_flow_scan_timeout_ms(&cfg, &k, &f), cfg.halfopen_ms, "half-open tcp");
	f.initiator = MW_INIT_UNKNOWN;
	ASSERT_EQ(mw_flow_scan_timeout_ms(&cfg, &k, &f), cfg.tcp_idle_ms, "mid-stream tcp");
	k.proto = IPPROTO_UDP;
	ASSERT_EQ(mw_flow_scan_timeout_ms(&cfg, &k, &f), cfg.udp_idle_ms, "udp");
}

int main(int argc, char **argv)
{
	if (argc > 1)
		test_filter = argv[1];
	test_run("flow timeouts", t_flow_timeouts, NULL);
	return test_summary("flow_scan");
}
