/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * config.h - the agent's configuration: INI file (/etc/minewall/minewall.conf)
 * parsed by inih, checked against one table of options that also drives
 * defaults, --show-config and the documentation.
 */
#ifndef MW_PARSE_CONFIG_H
#define MW_PARSE_CONFIG_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "lib/addr.h"

#define MW_CONFIG_PATH_DEFAULT "/etc/minewall/minewall.conf"
#define MW_RUN_DIR_DEFAULT "/run/minewall"
#define MW_MAX_PREFIXES 64
#define MW_MAX_PORTS 32
#define MW_STATE_DIR_DEFAULT "/var/lib/minewall"
#define MW_BL_DIR_DEFAULT "/etc/minewall/blacklist.d"

/* [agent] eve_format */
enum mw_eve_format {
	MW_EVE_FORMAT_MINEWALL = 0, /* event_type detection/block/unblock (DESIGN) */
	MW_EVE_FORMAT_SURICATA, /* detections as Suricata alerts */
};

/* [crowdsec] push: which of this host's blocks go to the LAPI */
enum mw_cs_push {
	MW_CS_PUSH_INBOUND = 0, /* sources that attacked this host (the DICT methods) */
	MW_CS_PUSH_ALL, /* and blacklisted / pool addresses (BLACKLIST, BPATTERNS) */
	MW_CS_PUSH_NONE,
};

/* [crowdsec] pull */
enum mw_cs_pull {
	MW_CS_PULL_AUTO = 0, /* yes when a bouncer key is set */
	MW_CS_PULL_YES,
	MW_CS_PULL_NO,
};

/* [crowdsec] scopes: which decisions are taken from the LAPI */
#define MW_CS_SCOPE_IP (1U << 0)
#define MW_CS_SCOPE_RANGE (1U << 1)

/* [containers] block_scope: what a block of a destination that a container
 * reached cuts off */
enum mw_block_scope {
	MW_SCOPE_HOST = 0, /* the address, for the whole host (and every container) */
	MW_SCOPE_CONTAINER = 1, /* the address, for that container only */
};

enum mw_xdp_mode_cfg {
	MW_XDP_CFG_AUTO = 0, /* native, falling back to generic */
	MW_XDP_CFG_NATIVE,
	MW_XDP_CFG_GENERIC,
};

struct mw_port_list {
	uint16_t port[MW_MAX_PORTS];
	unsigned n;
};

/* Dictionary-attack detection, per protected service (index enum mw_svc). */
struct mw_dict_svc {
	struct mw_port_list ports;
	uint64_t attempts; /* tries from one source in the window that make an attack */
};

/* [crowdsec] the fleet: a CrowdSec Local API; url "" is off. Read by the
 * fleet's thread while it talks, so a reload never changes it in place. */
struct mw_crowdsec_cfg {
	char url[PATH_MAX];
	char machine_id[PATH_MAX];
	char password[PATH_MAX]; /* secret: --show-config hides it */
	char password_file[PATH_MAX]; /* "" or an absolute path */
	char bouncer_key[PATH_MAX]; /* secret */
	char bouncer_key_file[PATH_MAX];
	unsigned push; /* enum mw_cs_push */
	unsigned pull; /* enum mw_cs_pull */
	uint64_t pull_interval_ms;
	unsigned scopes; /* MW_CS_SCOPE_* */
	char tls_ca[PATH_MAX], tls_cert[PATH_MAX], tls_key[PATH_MAX];
	uint64_t queue_max; /* alerts kept while the LAPI is away */
};

struct mw_config {
	/* [agent] */
	char interfaces[MW_MAX_IFACES][16];
	unsigned n_interfaces;
	unsigned xdp_mode; /* enum mw_xdp_mode_cfg */
	uint64_t status_interval_ms;
	char pin_path[PATH_MAX];
	char run_dir[PATH_MAX];
	char events_file[PATH_MAX];
	bool syslog;
	char syslog_socket[PATH_MAX];
	char metrics[PATH_MAX]; /* ADDR:PORT of the Prometheus endpoint, "" off */
	char ipfix[PATH_MAX]; /* ADDR:PORT of the IPFIX collector, "" off */
	uint64_t ipfix_linger_ms; /* a closed connection's wait for its last packets */
	unsigned eve_format; /* enum mw_eve_format */
	/* [flows] */
	uint64_t max_flows;
	uint64_t scan_interval_ms;
	uint64_t tcp_idle_ms;
	uint64_t udp_idle_ms;
	uint64_t halfopen_ms;
	uint64_t closed_linger_ms;
	uint64_t peek_packets;
	uint64_t peek_bytes;
	/* [network] */
	struct mw_prefix internal[MW_MAX_PREFIXES];
	unsigned n_internal;
	/* container bridges whose ports are watched: "auto", "none" or names */
	char bridges[PATH_MAX];
	/* [enforce] */
	uint64_t ban_ms;
	uint64_t ban_max_ms;
	uint64_t escalation;
	uint64_t forget_ms;
	uint64_t max_blocks;
	uint64_t method_share; /* percent of max_blocks one method may hold */
	uint64_t ipv6_prefix;
	struct mw_prefix allow[MW_MAX_PREFIXES];
	unsigned n_allow;
	struct mw_port_list ssh_ports;
	bool dry_run;
	bool flush_on_exit;
	char hook[PATH_MAX];
	uint64_t hook_timeout_ms;
	char state_dir[PATH_MAX];
	bool element_counters;
	/* [dict] */
	struct mw_dict_svc dict[MW_SVC_MAX];
	uint64_t dict_window_ms;
	uint64_t dict_dist_sources;
	uint64_t dict_dist_attempts;
	uint64_t dict_success_attempts;
	uint64_t dict_grace; /* SSH: pending tries one connection may hold */
	bool dict_http_internal; /* count HTTPDICT for internal clients too */
	uint64_t dict_long_window_ms; /* a slow source's window; 0: off */
	uint64_t dict_long_attempts; /* tries from one source in it that make an attack */
	uint64_t dict_agg_v4, dict_agg_v6; /* prefixes whose sources add up (32, 128: off) */
	uint64_t dict_agg_sources; /* sources of one prefix, each with tries, that make an attack */
	uint64_t dict_agg_attempts; /* and their tries together */
	bool dict_block;
	/* [blacklist] */
	char bl_lists[PATH_MAX]; /* [NAME=]PATH, ...; a directory loads each file in it */
	bool bl_block;
	bool bl_block_private;
	struct mw_prefix bl_alert_only[MW_MAX_PREFIXES];
	unsigned n_bl_alert_only;
	uint64_t bl_ttl_min_ms;
	uint64_t bl_ttl_max_ms;
	/* resolvers besides resolv.conf's whose answers are believed */
	struct mw_prefix bl_resolvers[MW_MAX_PREFIXES];
	unsigned n_bl_resolvers;
	uint64_t bl_learned_max; /* learned addresses in force at most */
	/* [bpatterns] */
	struct mw_port_list bp_pool_ports;
	bool bp_block;
	bool bp_rhythm;
	uint64_t bp_min_age_ms;
	uint64_t bp_min_pushes;
	uint64_t bp_push_min, bp_push_max;
	uint64_t bp_gap_min_ms, bp_gap_max_ms;
	uint64_t bp_max_cv; /* percent */
	uint64_t bp_max_rate; /* bytes per minute, server to client */
	/* TLS with no SNI and no ALPN from a server process, open this long
	 * to a destination DIRNET never learned */
	bool bp_bare_tls;
	uint64_t bp_bare_tls_min_age_ms;
	/* [dirnet] */
	bool dn_enable;
	char dn_allow[PATH_MAX]; /* expected destinations, comma-separated */
	uint64_t dn_learn_ms;
	struct mw_port_list dn_sensitive_ports;
	uint64_t dn_fanout;
	bool dn_block;
	/* DoH: the endpoints' lists ("builtin": the shipped one) and the
	 * processes allowed to use them (browsers) */
	char dn_doh_lists[PATH_MAX];
	char dn_doh_clients[PATH_MAX];
	uint64_t dn_hello_wait_ms; /* a TCP flow's verdict waits for its ClientHello */
	bool dn_proxy; /* report SOCKS and HTTP CONNECT to the outside (agent/proxy.c) */
	struct mw_crowdsec_cfg cs; /* [crowdsec] */
	/* [containers] where runtimes keep their state (names, images, pods) */
	char ct_docker_root[PATH_MAX]; /* Docker: containers/<id>/config.v2.json */
	char ct_containerd_root[PATH_MAX]; /* containerd: OCI bundles' config.json */
	char ct_storage_root[PATH_MAX]; /* Podman, CRI-O: containers/storage */
	char ct_storage_run[PATH_MAX]; /* their runtime copy (/run) */
	unsigned ct_block_scope; /* enum mw_block_scope */
	/* [outscan] the host scanning others */
	bool os_enable;
	uint64_t os_window_ms;
	uint64_t os_addresses; /* distinct addresses on one port */
	uint64_t os_ports; /* distinct ports of one address */
	bool os_block; /* the scanning program's cgroup cut off */
};

/* Fills @cfg with the defaults. */
void mw_config_defaults(struct mw_config *cfg);
/*
 * Reads @path over the values already in @cfg. Every bad line is reported on
 * @err as "PATH:LINE: message"; returns 0, -ENOENT when the file does not
 * exist, or -EINVAL after reporting at least one error.
 */
int mw_config_load(struct mw_config *cfg, const char *path, FILE *err);
/* Same, from a string (for tests and fuzzing); @name is used in messages. */
int mw_config_load_string(struct mw_config *cfg, const char *name, const char *text, FILE *err);
/* Sets one option as if read from a file; for command-line overrides. */
int mw_config_set(struct mw_config *cfg, const char *section, const char *key, const char *value,
		  const char *where, FILE *err);
/* Writes the effective configuration in the file's own format. */
void mw_config_write(const struct mw_config *cfg, FILE *out);

#endif
