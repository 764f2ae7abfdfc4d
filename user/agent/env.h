/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * env.h - what the agent's modules are built from: every mw_agent_*_init
 * takes its module and this, and keeps the pointers it needs.
 */
#ifndef MW_AGENT_ENV_H
#define MW_AGENT_ENV_H

struct mw_config;
struct mw_loader;
struct mw_policy;
struct mw_allow;
struct mw_eve;
struct mw_events;
struct mw_flow_scan;
struct mw_nat_view;
struct mw_agent_tls_hello;
struct mw_dirnet;

struct mw_env {
	/* the running configuration: a reload changes it in place */
	const struct mw_config *cfg;
	/* the loaded datapath: its maps (mw_loader_map_fd) and globals */
	const struct mw_loader *loader;
	struct mw_policy *policy; /* blocks; NULL: detect only (tests) */
	struct mw_allow *allow; /* NULL: nothing allowlisted */
	struct mw_eve *eve; /* the events file and syslog; NULL: none */
	/* the ring buffers' consumer and the table's sweep: modules register
	 * their sinks and visitors on them */
	struct mw_events *events;
	struct mw_flow_scan *scan;
	/* containers' connections and their NATed twins; NULL: none */
	struct mw_nat_view *nat;
	/* the host's ClientHellos read once (JA4, SNI); NULL: none */
	struct mw_agent_tls_hello *hello;
	/* DIRNET's learned destinations, only read by others; NULL: none */
	const struct mw_dirnet *dirnet;
};

#endif
