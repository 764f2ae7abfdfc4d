/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * daemon.h - the running minewalld: every module it owns, set up by
 * minewalld.c (the wiring and the loop), reloaded by reload.c on SIGHUP and
 * released by teardown.c.
 */
#ifndef MW_AGENT_DAEMON_H
#define MW_AGENT_DAEMON_H

#include <stdbool.h>
#include <stdint.h>

#include "agent/blacklist.h"
#include "agent/bridges.h"
#include "agent/bpatterns.h"
#include "agent/control.h"
#include "agent/control_socket.h"
#include "agent/crowdsec.h"
#include "agent/dict.h"
#include "agent/dirnet.h"
#include "agent/env.h"
#include "agent/events.h"
#include "agent/flow_scan.h"
#include "agent/heartbeat.h"
#include "agent/ipfix.h"
#include "agent/loader.h"
#include "agent/localaddr.h"
#include "agent/metrics.h"
#include "agent/nat_view.h"
#include "agent/options.h"
#include "agent/proxy.h"
#include "agent/outscan.h"
#include "agent/status_line.h"
#include "agent/tls_hello.h"
#include "enforce/hook.h"
#include "enforce/nft.h"
#include "enforce/policy.h"
#include "output/eve.h"
#include "output/metrics.h"
#include "parse/config.h"

struct mw_daemon {
	struct mw_options opts;
	struct mw_config cfg;
	struct mw_env env; /* what the detectors are built from */
	struct mw_loader loader;
	struct mw_bridges bridges; /* containers' bridge ports */
	struct mw_nat_view nat; /* their connections and the NATed twins */
	struct mw_events events;
	struct mw_localaddr local;
	struct mw_flow_scan scan;
	struct mw_nft nft;
	struct mw_allow allow;
	struct mw_policy policy;
	struct mw_hook hook;
	struct mw_eve eve;
	struct mw_control_socket control;
	struct mw_agent_ctl ctl;
	struct mw_agent_detect detect;
	struct mw_agent_tls_hello hello; /* the host's ClientHellos, read once */
	struct mw_agent_blacklist bl;
	struct mw_agent_bpatterns bp;
	struct mw_agent_dirnet dirnet;
	struct mw_agent_proxy proxy; /* DIRNET's proxies: reads dirnet's rules */
	struct mw_agent_outscan outscan;
	struct mw_agent_ipfix ipfix;
	struct mw_agent_crowdsec cs;
	struct mw_metrics metrics;
	struct mw_metrics_view mview;
	struct mw_status_line status;
	bool enforcing; /* nft, allowlist, policy and detectors are set up */
	int epfd, sigfd, timerfd, lockfd; /* 0: not open */
	int stats_fd;
	struct mw_heartbeat hb;
	uint64_t next_scan_ns, next_cycle_ns, next_status_ns;
	uint64_t lag_ns; /* how late the latest periodic cycle ran */
	bool stop;
};

/* SIGHUP: reads the configuration again (the command line still wins);
 * what is built once keeps its settings until a restart, the rest follows. */
void mw_daemon_reload(struct mw_daemon *d);
/* Saves the state, removes the blocks when asked (flush_on_exit), detaches
 * and releases everything, whatever start-up got to. */
void mw_daemon_teardown(struct mw_daemon *d);

#endif
