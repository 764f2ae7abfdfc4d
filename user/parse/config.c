// SPDX-License-Identifier: GPL-2.0-only
/*
 * config.c - one table of options; inih does the INI syntax. inih does not
 * pass line numbers to the handler (Debian builds it without
 * INI_HANDLER_LINENO), so the reader below counts the lines it hands out.
 */
#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <ini.h>

#include "parse/config.h"
#include "lib/util.h"

enum opt_type {
	OPT_U64,
	OPT_DURATION,
	OPT_PATH,
	OPT_ENUM,
	OPT_IFACES,
	OPT_PREFIXES,
	OPT_BOOL,
	OPT_STRING,
	OPT_PORTS,
	OPT_LIST, /* comma-separated items kept as text */
	OPT_ENDPOINT, /* ADDR:PORT, [IPV6]:PORT, or empty for off */
	OPT_FILE, /* an absolute path, or empty for none */
	OPT_URL, /* http:// or https:// URL, or empty for off */
	OPT_SECRET, /* a string that --show-config does not show */
	OPT_SCOPES, /* CrowdSec decision scopes: ip, range */
};

struct opt {
	const char *section;
	const char *key;
	enum opt_type type;
	size_t off;
	uint64_t min, max;
	const char *const *names; /* OPT_ENUM */
};

static const char *const xdp_mode_names[] = { "auto", "native", "generic", NULL };
static const char *const eve_format_names[] = { "minewall", "suricata", NULL };
static const char *const cs_push_names[] = { "inbound", "all", "none", NULL };
static const char *const cs_pull_names[] = { "auto", "yes", "no", NULL };
static const char *const cs_scope_names[] = { "ip", "range", NULL };
static const char *const block_scope_names[] = { "host", "container", NULL };

#define OFF(f) offsetof(struct mw_config, f)
/* what --show-config writes for a secret that is set */
#define MW_CONFIG_HIDDEN "(hidden)"

static const struct opt opts[] = {
	{ "agent", "interfaces", OPT_IFACES, OFF(interfaces), 0, 0, NULL },
	{ "agent", "xdp_mode", OPT_ENUM, OFF(xdp_mode), 0, 0, xdp_mode_names },
	{ "agent", "status_interval", OPT_DURATION, OFF(status_interval_ms), 0, 86400000, NULL },
	{ "agent", "pin_path", OPT_PATH, OFF(pin_path), 0, 0, NULL },
	{ "agent", "run_dir", OPT_PATH, OFF(run_dir), 0, 0, NULL },
	{ "agent", "events_file", OPT_PATH, OFF(events_file), 0, 0, NULL },
	{ "agent", "syslog", OPT_BOOL, OFF(syslog), 0, 0, NULL },
	{ "agent", "syslog_socket", OPT_PATH, OFF(syslog_socket), 0, 0, NULL },
	{ "agent", "metrics", OPT_ENDPOINT, OFF(metrics), 0, 0, NULL },
	{ "agent", "ipfix", OPT_ENDPOINT, OFF(ipfix), 0, 0, NULL },
	{ "agent", "ipfix_linger", OPT_DURATION, OFF(ipfix_linger_ms), 0, 60000, NULL },
	{ "agent", "eve_format", OPT_ENUM, OFF(eve_format), 0, 0, eve_format_names },
	{ "flows", "max_flows", OPT_U64, OFF(max_flows), 1024, 1 << 24, NULL },
	{ "flows", "scan_interval", OPT_DURATION, OFF(scan_interval_ms), 100, 3600000, NULL },
	{ "flows", "tcp_idle_timeout", OPT_DURATION, OFF(tcp_idle_ms), 1000, 86400000, NULL },
	{ "flows", "udp_idle_timeout", OPT_DURATION, OFF(udp_idle_ms), 1000, 86400000, NULL },
	{ "flows", "halfopen_timeout", OPT_DURATION, OFF(halfopen_ms), 1000, 86400000, NULL },
	{ "flows", "closed_linger", OPT_DURATION, OFF(closed_linger_ms), 0, 3600000, NULL },
	{ "flows", "peek_packets", OPT_U64, OFF(peek_packets), 0, 16, NULL },
	{ "flows", "peek_bytes", OPT_U64, OFF(peek_bytes), 16, MW_PEEK_MAX, NULL },
	{ "network", "internal", OPT_PREFIXES, OFF(internal), 0, 0, NULL },
	{ "network", "bridges", OPT_LIST, OFF(bridges), 0, 0, NULL },
	{ "enforce", "ban_time", OPT_DURATION, OFF(ban_ms), 1000, 365 * 86400000ULL, NULL },
	{ "enforce", "ban_time_max", OPT_DURATION, OFF(ban_max_ms), 1000, 365 * 86400000ULL, NULL },
	{ "enforce", "escalation", OPT_U64, OFF(escalation), 1, 100, NULL },
	{ "enforce", "forget_after", OPT_DURATION, OFF(forget_ms), 0, 365 * 86400000ULL, NULL },
	{ "enforce", "max_blocks", OPT_U64, OFF(max_blocks), 1, MW_BLOCK_MAX, NULL },
	{ "enforce", "method_share", OPT_U64, OFF(method_share), 1, 100, NULL },
	{ "enforce", "ipv6_prefix", OPT_U64, OFF(ipv6_prefix), 32, 128, NULL },
	{ "enforce", "allow", OPT_PREFIXES, OFF(allow), 0, 0, NULL },
	{ "enforce", "ssh_ports", OPT_PORTS, OFF(ssh_ports), 1, 65535, NULL },
	{ "enforce", "dry_run", OPT_BOOL, OFF(dry_run), 0, 0, NULL },
	{ "enforce", "flush_on_exit", OPT_BOOL, OFF(flush_on_exit), 0, 0, NULL },
	{ "enforce", "hook", OPT_STRING, OFF(hook), 0, 0, NULL },
	{ "enforce", "hook_timeout", OPT_DURATION, OFF(hook_timeout_ms), 100, 3600000, NULL },
	{ "enforce", "state_dir", OPT_PATH, OFF(state_dir), 0, 0, NULL },
	{ "enforce", "element_counters", OPT_BOOL, OFF(element_counters), 0, 0, NULL },
	{ "dict", "ssh_ports", OPT_PORTS, OFF(dict[MW_SVC_SSH].ports), 0, 0, NULL },
	{ "dict", "ssh_attempts", OPT_U64, OFF(dict[MW_SVC_SSH].attempts), 1, 1000, NULL },
	{ "dict", "rdp_ports", OPT_PORTS, OFF(dict[MW_SVC_RDP].ports), 0, 0, NULL },
	{ "dict", "rdp_attempts", OPT_U64, OFF(dict[MW_SVC_RDP].attempts), 1, 1000, NULL },
	{ "dict", "http_ports", OPT_PORTS, OFF(dict[MW_SVC_HTTP].ports), 0, 0, NULL },
	{ "dict", "http_attempts", OPT_U64, OFF(dict[MW_SVC_HTTP].attempts), 1, 1000, NULL },
	{ "dict", "auth_ports", OPT_PORTS, OFF(dict[MW_SVC_AUTH].ports), 0, 0, NULL },
	{ "dict", "auth_attempts", OPT_U64, OFF(dict[MW_SVC_AUTH].attempts), 1, 1000, NULL },
	{ "dict", "window", OPT_DURATION, OFF(dict_window_ms), 1000, 86400000, NULL },
	{ "dict", "distributed_sources", OPT_U64, OFF(dict_dist_sources), 2, 100000, NULL },
	{ "dict", "distributed_attempts", OPT_U64, OFF(dict_dist_attempts), 2, 1000000, NULL },
	{ "dict", "success_attempts", OPT_U64, OFF(dict_success_attempts), 1, 1000, NULL },
	{ "dict", "connection_grace", OPT_U64, OFF(dict_grace), 1, 1000, NULL },
	{ "dict", "http_internal", OPT_BOOL, OFF(dict_http_internal), 0, 0, NULL },
	{ "dict", "long_window", OPT_DURATION, OFF(dict_long_window_ms), 0, 7 * 86400000ULL, NULL },
	{ "dict", "long_attempts", OPT_U64, OFF(dict_long_attempts), 2, 100000, NULL },
	{ "dict", "aggregate_v4", OPT_U64, OFF(dict_agg_v4), 8, 32, NULL },
	{ "dict", "aggregate_v6", OPT_U64, OFF(dict_agg_v6), 16, 128, NULL },
	{ "dict", "aggregate_sources", OPT_U64, OFF(dict_agg_sources), 2, 100000, NULL },
	{ "dict", "aggregate_attempts", OPT_U64, OFF(dict_agg_attempts), 2, 1000000, NULL },
	{ "dict", "block", OPT_BOOL, OFF(dict_block), 0, 0, NULL },
	{ "blacklist", "lists", OPT_LIST, OFF(bl_lists), 0, 0, NULL },
	{ "blacklist", "block", OPT_BOOL, OFF(bl_block), 0, 0, NULL },
	{ "blacklist", "block_private", OPT_BOOL, OFF(bl_block_private), 0, 0, NULL },
	{ "blacklist", "alert_only", OPT_PREFIXES, OFF(bl_alert_only), 0, 0, NULL },
	{ "blacklist", "dns_ttl_min", OPT_DURATION, OFF(bl_ttl_min_ms), 1000, 7 * 86400000ULL,
	  NULL },
	{ "blacklist", "dns_ttl_max", OPT_DURATION, OFF(bl_ttl_max_ms), 1000, 30 * 86400000ULL,
	  NULL },
	{ "blacklist", "resolvers", OPT_PREFIXES, OFF(bl_resolvers), 0, 0, NULL },
	{ "blacklist", "learned_max", OPT_U64, OFF(bl_learned_max), 16, 1 << 20, NULL },
	{ "bpatterns", "pool_ports", OPT_PORTS, OFF(bp_pool_ports), 1, 65535, NULL },
	{ "bpatterns", "block", OPT_BOOL, OFF(bp_block), 0, 0, NULL },
	{ "bpatterns", "rhythm", OPT_BOOL, OFF(bp_rhythm), 0, 0, NULL },
	{ "bpatterns", "rhythm_min_age", OPT_DURATION, OFF(bp_min_age_ms), 0, 7 * 86400000ULL,
	  NULL },
	{ "bpatterns", "rhythm_min_pushes", OPT_U64, OFF(bp_min_pushes), 2, 100000, NULL },
	{ "bpatterns", "rhythm_push_bytes_min", OPT_U64, OFF(bp_push_min), 1, 1 << 20, NULL },
	{ "bpatterns", "rhythm_push_bytes_max", OPT_U64, OFF(bp_push_max), 1, 1 << 20, NULL },
	{ "bpatterns", "rhythm_gap_min", OPT_DURATION, OFF(bp_gap_min_ms), 0, 86400000, NULL },
	{ "bpatterns", "rhythm_gap_max", OPT_DURATION, OFF(bp_gap_max_ms), 1, 86400000, NULL },
	{ "bpatterns", "rhythm_max_spread", OPT_U64, OFF(bp_max_cv), 1, 1000, NULL },
	{ "bpatterns", "rhythm_max_rate", OPT_U64, OFF(bp_max_rate), 1, 1ULL << 40, NULL },
	/* issue 20: TLS with no SNI and no ALPN from a server process */
	{ "bpatterns", "bare_tls", OPT_BOOL, OFF(bp_bare_tls), 0, 0, NULL },
	{ "bpatterns", "bare_tls_min_age", OPT_DURATION, OFF(bp_bare_tls_min_age_ms), 0,
	  7 * 86400000ULL, NULL },
	{ "dirnet", "enable", OPT_BOOL, OFF(dn_enable), 0, 0, NULL },
	{ "dirnet", "allow", OPT_LIST, OFF(dn_allow), 0, 0, NULL },
	{ "dirnet", "learn", OPT_DURATION, OFF(dn_learn_ms), 0, 365 * 86400000ULL, NULL },
	{ "dirnet", "sensitive_ports", OPT_PORTS, OFF(dn_sensitive_ports), 1, 65535, NULL },
	{ "dirnet", "fanout", OPT_U64, OFF(dn_fanout), 2, 64, NULL },
	{ "dirnet", "block", OPT_BOOL, OFF(dn_block), 0, 0, NULL },
	{ "dirnet", "doh_lists", OPT_LIST, OFF(dn_doh_lists), 0, 0, NULL },
	{ "dirnet", "doh_clients", OPT_LIST, OFF(dn_doh_clients), 0, 0, NULL },
	{ "dirnet", "hello_wait", OPT_DURATION, OFF(dn_hello_wait_ms), 0, 10000, NULL },
	{ "dirnet", "proxy", OPT_BOOL, OFF(dn_proxy), 0, 0, NULL },
	{ "crowdsec", "url", OPT_URL, OFF(cs.url), 0, 0, NULL },
	{ "crowdsec", "machine_id", OPT_STRING, OFF(cs.machine_id), 0, 0, NULL },
	{ "crowdsec", "password", OPT_SECRET, OFF(cs.password), 0, 0, NULL },
	{ "crowdsec", "password_file", OPT_FILE, OFF(cs.password_file), 0, 0, NULL },
	{ "crowdsec", "bouncer_key", OPT_SECRET, OFF(cs.bouncer_key), 0, 0, NULL },
	{ "crowdsec", "bouncer_key_file", OPT_FILE, OFF(cs.bouncer_key_file), 0, 0, NULL },
	{ "crowdsec", "push", OPT_ENUM, OFF(cs.push), 0, 0, cs_push_names },
	{ "crowdsec", "pull", OPT_ENUM, OFF(cs.pull), 0, 0, cs_pull_names },
	{ "crowdsec", "pull_interval", OPT_DURATION, OFF(cs.pull_interval_ms), 1000, 3600000,
	  NULL },
	{ "crowdsec", "scopes", OPT_SCOPES, OFF(cs.scopes), 0, 0, cs_scope_names },
	{ "containers", "docker_root", OPT_PATH, OFF(ct_docker_root), 0, 0, NULL },
	{ "containers", "containerd_root", OPT_PATH, OFF(ct_containerd_root), 0, 0, NULL },
	{ "containers", "storage_root", OPT_PATH, OFF(ct_storage_root), 0, 0, NULL },
	{ "containers", "storage_run", OPT_PATH, OFF(ct_storage_run), 0, 0, NULL },
	{ "containers", "block_scope", OPT_ENUM, OFF(ct_block_scope), 0, 0, block_scope_names },
	{ "crowdsec", "tls_ca", OPT_FILE, OFF(cs.tls_ca), 0, 0, NULL },
	{ "crowdsec", "tls_cert", OPT_FILE, OFF(cs.tls_cert), 0, 0, NULL },
	{ "crowdsec", "tls_key", OPT_FILE, OFF(cs.tls_key), 0, 0, NULL },
	{ "crowdsec", "queue_max", OPT_U64, OFF(cs.queue_max), 16, 1000000, NULL },
	{ "outscan", "enable", OPT_BOOL, OFF(os_enable), 0, 0, NULL },
	{ "outscan", "window", OPT_DURATION, OFF(os_window_ms), 1000, 3600000, NULL },
	{ "outscan", "addresses", OPT_U64, OFF(os_addresses), 4, 512, NULL },
	{ "outscan", "ports", OPT_U64, OFF(os_ports), 4, 512, NULL },
	{ "outscan", "block", OPT_BOOL, OFF(os_block), 0, 0, NULL },
};

/* Internal networks by default: everything that is not "the internet". */
static const char *const internal_defaults[] = {
	"127.0.0.0/8",	 "10.0.0.0/8",
	"172.16.0.0/12", "192.168.0.0/16",
	"100.64.0.0/10", "169.254.0.0/16",
	"224.0.0.0/4",	 "255.255.255.255",
	"0.0.0.0/8",	 "::1",
	"fc00::/7",	 "fe80::/10",
	"ff00::/8",	 "::",
};

/* Addresses that unrelated sites share (CDN anycast) or that the whole
 * internet uses (public resolvers): lists carry them by mistake (FireHOL's
 * coin lists resolve pool names behind Cloudflare). A hit is reported, never
 * blocked. */
static const char *const bl_alert_defaults[] = {
	/* Cloudflare (104.16.0.0/12 as in 2018, when the coin lists were made) */
	"104.16.0.0/12",
	"172.64.0.0/13",
	"162.158.0.0/15",
	"173.245.48.0/20",
	"103.21.244.0/22",
	"103.22.200.0/22",
	"103.31.4.0/22",
	"141.101.64.0/18",
	"108.162.192.0/18",
	"190.93.240.0/20",
	"188.114.96.0/20",
	"197.234.240.0/22",
	"198.41.128.0/17",
	"131.0.72.0/22",
	"2606:4700::/32",
	/* public resolvers */
	"1.1.1.0/24",
	"1.0.0.0/24",
	"8.8.8.0/24",
	"8.8.4.0/24",
	"9.9.9.0/24",
	"2001:4860:4860::/48",
};

static void set_ports(struct mw_port_list *l, const char *text);

void mw_config_defaults(struct mw_config *cfg)
{
	size_t i;

	memset(cfg, 0, sizeof(*cfg));
	cfg->xdp_mode = MW_XDP_CFG_AUTO;
	cfg->status_interval_ms = 60000;
	snprintf(cfg->pin_path, sizeof(cfg->pin_path), "%s", MW_PIN_PATH_DEFAULT);
	snprintf(cfg->run_dir, sizeof(cfg->run_dir), "%s", MW_RUN_DIR_DEFAULT);
	snprintf(cfg->events_file, sizeof(cfg->events_file), "%s", "/var/log/minewall/events.json");
	snprintf(cfg->syslog_socket, sizeof(cfg->syslog_socket), "%s", "/dev/log");
	snprintf(cfg->metrics, sizeof(cfg->metrics), "%s", "127.0.0.1:9477");
	cfg->max_flows = MW_FLOWS_DEFAULT;
	cfg->scan_interval_ms = 5000;
	cfg->tcp_idle_ms = 15 * 60000;
	cfg->udp_idle_ms = 120000;
	cfg->halfopen_ms = 30000;
	cfg->closed_linger_ms = 5000;
	cfg->ipfix_linger_ms = 2000;
	cfg->peek_packets = 4;
	cfg->peek_bytes = 256;
	for (i = 0; i < ARRAY_SIZE(internal_defaults); i++)
		mw_prefix_parse(internal_defaults[i], &cfg->internal[cfg->n_internal++]);
	cfg->ban_ms = 10 * 60000;
	cfg->ban_max_ms = 7 * 86400000ULL;
	cfg->escalation = 2;
	cfg->forget_ms = 86400000;
	cfg->max_blocks = 10000;
	cfg->method_share = 50;
	cfg->ipv6_prefix = 64;
	cfg->ssh_ports.port[cfg->ssh_ports.n++] = 22;
	set_ports(&cfg->dict[MW_SVC_SSH].ports, "22");
	set_ports(&cfg->dict[MW_SVC_RDP].ports, "3389");
	set_ports(&cfg->dict[MW_SVC_HTTP].ports, "80 443 8080 8443");
	set_ports(&cfg->dict[MW_SVC_AUTH].ports,
		  "21 23 25 110 143 465 587 993 995 1433 3306 5432 5900 6379 27017");
	cfg->dict[MW_SVC_SSH].attempts = 3;
	cfg->dict[MW_SVC_RDP].attempts = 3;
	cfg->dict[MW_SVC_HTTP].attempts = 10;
	cfg->dict[MW_SVC_AUTH].attempts = 3;
	cfg->dict_window_ms = 60000;
	cfg->dict_dist_sources = 10;
	cfg->dict_dist_attempts = 20;
	cfg->dict_success_attempts = 3;
	cfg->dict_grace = 6;
	cfg->dict_long_window_ms = 3600000;
	cfg->dict_long_attempts = 10;
	cfg->dict_agg_v4 = 24;
	cfg->dict_agg_v6 = 48;
	cfg->dict_agg_sources = 4;
	cfg->dict_agg_attempts = 8;
	cfg->dict_block = true;
	cfg->hook_timeout_ms = 10000;
	cfg->element_counters = false;
	snprintf(cfg->bl_lists, sizeof(cfg->bl_lists), "%s", MW_BL_DIR_DEFAULT);
	cfg->bl_block = true;
	for (i = 0; i < ARRAY_SIZE(bl_alert_defaults); i++)
		mw_prefix_parse(bl_alert_defaults[i], &cfg->bl_alert_only[cfg->n_bl_alert_only++]);
	set_ports(&cfg->bp_pool_ports,
		  "1800 3032 3333 3334 3335 3336 3357 4444 5555 5556 5588 5730 6099 6666 7777 "
		  "8008 8888 9999 10001 10128 10343 14433 14444 20535 45560 45700");
	cfg->bp_block = true;
	cfg->bp_rhythm = true;
	cfg->bp_min_age_ms = 10 * 60000;
	cfg->bp_bare_tls = true;
	cfg->bp_bare_tls_min_age_ms = 60000;
	cfg->bp_min_pushes = 10;
	cfg->bp_push_min = 100;
	cfg->bp_push_max = 4096;
	cfg->bp_gap_min_ms = 1000;
	cfg->bp_gap_max_ms = 5 * 60000;
	cfg->bp_max_cv = 100;
	cfg->bp_max_rate = 65536;
	cfg->dn_enable = true;
	cfg->dn_learn_ms = 86400000;
	/* remote access, Windows shares, DNS-over-TLS, Tor relays and clients */
	set_ports(&cfg->dn_sensitive_ports,
		  "22 23 139 445 853 3389 5900 5985 5986 9001 9030 9050 9051 9150");
	cfg->dn_fanout = 20;
	snprintf(cfg->dn_doh_lists, sizeof(cfg->dn_doh_lists), "%s", "builtin");
	snprintf(cfg->dn_doh_clients, sizeof(cfg->dn_doh_clients), "%s",
		 "firefox, chrome, chromium, msedge, brave, opera, vivaldi, epiphany, "
		 "WebKitNetworkProcess, systemd-resolved, stubby, unbound, kresd, dnsmasq, "
		 "dnscrypt-proxy");
	cfg->dn_hello_wait_ms = 1000;
	cfg->dn_proxy = true;
	cfg->os_enable = true;
	cfg->os_window_ms = 60000;
	cfg->os_addresses = 64;
	cfg->os_ports = 32;
	cfg->bl_ttl_min_ms = 300000;
	cfg->bl_ttl_max_ms = 86400000;
	cfg->bl_learned_max = 65536;
	snprintf(cfg->state_dir, sizeof(cfg->state_dir), "%s", MW_STATE_DIR_DEFAULT);
	cfg->cs.pull_interval_ms = 10000;
	cfg->cs.scopes = MW_CS_SCOPE_IP | MW_CS_SCOPE_RANGE;
	cfg->cs.queue_max = 10000;
	snprintf(cfg->bridges, sizeof(cfg->bridges), "%s", "auto");
	snprintf(cfg->ct_docker_root, sizeof(cfg->ct_docker_root), "%s", "/var/lib/docker");
	snprintf(cfg->ct_containerd_root, sizeof(cfg->ct_containerd_root), "%s", "/run/containerd");
	snprintf(cfg->ct_storage_root, sizeof(cfg->ct_storage_root), "%s",
		 "/var/lib/containers/storage");
	snprintf(cfg->ct_storage_run, sizeof(cfg->ct_storage_run), "%s", "/run/containers/storage");
}

static const struct opt *opt_find(const char *section, const char *key)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(opts); i++)
		if (!strcmp(opts[i].section, section) && !strcmp(opts[i].key, key))
			return &opts[i];
	return NULL;
}

/* Splits a list on commas and blanks; calls @fn for each item. */
static int split_list(const char *value, int (*fn)(void *, const char *), void *arg)
{
	char buf[4096], *save = NULL, *tok;
	int err;

	if (strlen(value) >= sizeof(buf))
		return -E2BIG;
	snprintf(buf, sizeof(buf), "%s", value);
	for (tok = strtok_r(buf, ", \t", &save); tok; tok = strtok_r(NULL, ", \t", &save)) {
		err = fn(arg, tok);
		if (err)
			return err;
	}
	return 0;
}

/* An OPT_LIST value as kept: items trimmed, empty ones dropped, joined by
 * ", ", so that it is written back (one item a line) exactly as read. */
static void list_normalise(const char *in, char *out, size_t cap)
{
	size_t used = 0, n;

	out[0] = '\0';
	while (*in) {
		while (*in == ',' || isspace((unsigned char)*in))
			in++;
		n = strcspn(in, ",");
		while (n && isspace((unsigned char)in[n - 1]))
			n--;
		if (n && used + n + 3 < cap)
			used += snprintf(out + used, cap - used, "%s%.*s", used ? ", " : "", (int)n,
					 in);
		in += strcspn(in, ",");
	}
}

struct list_ctx {
	struct mw_config *cfg;
	struct mw_port_list *ports; /* OPT_PORTS: the list being filled */
	struct mw_prefix *prefixes; /* OPT_PREFIXES: the array being filled */
	unsigned *n_prefixes;
	char item[128];
};

static int add_iface(void *arg, const char *name)
{
	struct list_ctx *c = arg;

	snprintf(c->item, sizeof(c->item), "%s", name);
	if (strlen(name) >= sizeof(c->cfg->interfaces[0]))
		return -ENAMETOOLONG;
	/* the names interfaces get in practice; ';' and '#' would read as
	 * comments when the config is shown */
	if (name[strspn(name,
			"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.@+-")])
		return -EINVAL;
	if (c->cfg->n_interfaces >= MW_MAX_IFACES)
		return -E2BIG;
	snprintf(c->cfg->interfaces[c->cfg->n_interfaces++], sizeof(c->cfg->interfaces[0]), "%s",
		 name);
	return 0;
}

static int add_prefix(void *arg, const char *s)
{
	struct list_ctx *c = arg;

	snprintf(c->item, sizeof(c->item), "%s", s);
	if (*c->n_prefixes >= MW_MAX_PREFIXES)
		return -E2BIG;
	if (mw_prefix_parse(s, &c->prefixes[*c->n_prefixes]))
		return -EINVAL;
	(*c->n_prefixes)++;
	return 0;
}

static int add_port(void *arg, const char *s)
{
	struct list_ctx *c = arg;
	uint64_t v;

	snprintf(c->item, sizeof(c->item), "%s", s);
	if (c->ports->n >= MW_MAX_PORTS)
		return -E2BIG;
	if (mw_parse_u64(s, 1, 65535, &v))
		return -EINVAL;
	c->ports->port[c->ports->n++] = (uint16_t)v;
	return 0;
}

static void set_ports(struct mw_port_list *l, const char *text)
{
	struct list_ctx c = { .ports = l };

	l->n = 0;
	split_list(text, add_port, &c);
}

/* The count that goes with a list field. */
static unsigned *prefix_count(struct mw_config *cfg, size_t off)
{
	if (off == OFF(allow))
		return &cfg->n_allow;
	if (off == OFF(bl_alert_only))
		return &cfg->n_bl_alert_only;
	if (off == OFF(bl_resolvers))
		return &cfg->n_bl_resolvers;
	return &cfg->n_internal;
}

/* @append: a continuation line of a list (indented under its key) adds to
 * the list; a setting on its own line replaces it. */
static int opt_apply(struct mw_config *cfg, const struct opt *o, const char *value,
		     const char *where, bool append, FILE *err)
{
	void *field = (char *)cfg + o->off;
	struct list_ctx lc = { .cfg = cfg };
	uint64_t v;
	size_t i;
	int ret;

	switch (o->type) {
	case OPT_U64:
		ret = mw_parse_u64(value, o->min, o->max, &v);
		if (ret) {
			fprintf(err, "%s: %s.%s: '%s' is not a number from %llu to %llu\n", where,
				o->section, o->key, value, (unsigned long long)o->min,
				(unsigned long long)o->max);
			return -EINVAL;
		}
		*(uint64_t *)field = v;
		return 0;
	case OPT_DURATION:
		if (mw_parse_duration_ms(value, &v) || v < o->min || v > o->max) {
			char lo[32], hi[32];

			fprintf(err,
				"%s: %s.%s: '%s' is not a duration from %s to %s (e.g. 500ms, 30s, 10m, 2h, 1d)\n",
				where, o->section, o->key, value,
				mw_format_duration(o->min, lo, sizeof(lo)),
				mw_format_duration(o->max, hi, sizeof(hi)));
			return -EINVAL;
		}
		*(uint64_t *)field = v;
		return 0;
	case OPT_SCOPES: {
		unsigned mask = 0;
		const char *p = value;

		while (*p) {
			size_t n;

			p += strspn(p, ", \t");
			n = strcspn(p, ", \t");
			if (!n)
				break;
			for (i = 0; o->names[i]; i++)
				if (strlen(o->names[i]) == n && !strncmp(o->names[i], p, n))
					break;
			if (!o->names[i]) {
				fprintf(err, "%s: %s.%s: '%.*s' is not a scope (ip, range)\n",
					where, o->section, o->key, (int)n, p);
				return -EINVAL;
			}
			mask |= 1U << i;
			p += n;
		}
		if (!mask) {
			fprintf(err, "%s: %s.%s: name at least one scope (ip, range)\n", where,
				o->section, o->key);
			return -EINVAL;
		}
		*(unsigned *)field = append ? *(unsigned *)field | mask : mask;
		return 0;
	}
	case OPT_URL:
		if (*value && strncmp(value, "http://", 7) && strncmp(value, "https://", 8)) {
			fprintf(err, "%s: %s.%s: '%s' is not an http:// or https:// URL\n", where,
				o->section, o->key, value);
			return -EINVAL;
		}
		if (strpbrk(value, " \t\"\\")) {
			fprintf(err, "%s: %s.%s: a URL has no blanks, quotes or backslashes\n",
				where, o->section, o->key);
			return -EINVAL;
		}
		/* fall through */
	case OPT_SECRET:
		if (o->type == OPT_SECRET && !strcmp(value, MW_CONFIG_HIDDEN)) {
			fprintf(err,
				"%s: %s.%s: %s is what --show-config prints: write the secret itself\n",
				where, o->section, o->key, MW_CONFIG_HIDDEN);
			return -EINVAL;
		}
		if (strlen(value) >= PATH_MAX) {
			fprintf(err, "%s: %s.%s: too long\n", where, o->section, o->key);
			return -EINVAL;
		}
		snprintf(field, PATH_MAX, "%s", value);
		return 0;
	case OPT_FILE:
		if (!*value) {
			*(char *)field = '\0';
			return 0;
		}
		/* fall through */
	case OPT_PATH:
		if (value[0] != '/' || strlen(value) >= PATH_MAX) {
			fprintf(err, "%s: %s.%s: '%s' is not an absolute path\n", where, o->section,
				o->key, value);
			return -EINVAL;
		}
		snprintf(field, PATH_MAX, "%s", value);
		return 0;
	case OPT_ENUM:
		for (i = 0; o->names[i]; i++) {
			if (!strcmp(o->names[i], value)) {
				*(unsigned *)field = i;
				return 0;
			}
		}
		fprintf(err, "%s: %s.%s: '%s' is not one of:", where, o->section, o->key, value);
		for (i = 0; o->names[i]; i++)
			fprintf(err, " %s", o->names[i]);
		fputc('\n', err);
		return -EINVAL;
	case OPT_IFACES:
		if (!append)
			cfg->n_interfaces = 0;
		ret = split_list(value, add_iface, &lc);
		if (ret) {
			fprintf(err, "%s: %s.%s: bad interface '%s': %s\n", where, o->section,
				o->key, lc.item,
				ret == -E2BIG  ? "too many interfaces" :
				ret == -EINVAL ? "not an interface name" :
						 "name too long");
			return -EINVAL;
		}
		return 0;
	case OPT_PREFIXES:
		lc.prefixes = field;
		lc.n_prefixes = prefix_count(cfg, o->off);
		if (!append)
			*lc.n_prefixes = 0;
		ret = split_list(value, add_prefix, &lc);
		if (ret) {
			fprintf(err, "%s: %s.%s: bad prefix '%s': %s\n", where, o->section, o->key,
				lc.item,
				ret == -E2BIG ? "too many prefixes" :
						"expected ADDR or ADDR/LEN with no host bits set");
			return -EINVAL;
		}
		return 0;
	case OPT_BOOL:
		if (!strcmp(value, "yes") || !strcmp(value, "true") || !strcmp(value, "1")) {
			*(bool *)field = true;
		} else if (!strcmp(value, "no") || !strcmp(value, "false") || !strcmp(value, "0")) {
			*(bool *)field = false;
		} else {
			fprintf(err, "%s: %s.%s: '%s' is not yes or no\n", where, o->section,
				o->key, value);
			return -EINVAL;
		}
		return 0;
	case OPT_ENDPOINT: {
		struct sockaddr_storage ss;
		socklen_t sl;

		if (*value && mw_endpoint_parse(value, &ss, &sl)) {
			fprintf(err, "%s: %s.%s: '%s' is not ADDR:PORT or [IPV6]:PORT\n", where,
				o->section, o->key, value);
			return -EINVAL;
		}
	}
		/* fall through */
	case OPT_STRING:
	case OPT_LIST:
		if (strlen(value) + (append ? strlen(field) + 2 : 0) >= PATH_MAX) {
			fprintf(err, "%s: %s.%s: too long\n", where, o->section, o->key);
			return -EINVAL;
		}
		if (append && *(char *)field) {
			size_t used = strlen(field);

			snprintf((char *)field + used, PATH_MAX - used, "%s%s",
				 o->type == OPT_LIST ? ", " : " ", value);
		} else {
			snprintf(field, PATH_MAX, "%s", value);
		}
		if (o->type == OPT_LIST) {
			char norm[PATH_MAX];
			const char *item;

			list_normalise(field, norm, sizeof(norm));
			memcpy(field, norm, strlen(norm) + 1);
			/* one item a line when written back: it must not read as a comment */
			for (item = field; *item; item += strspn(item, ", ")) {
				if (*item == '#' || *item == ';') {
					fprintf(err, "%s: %s.%s: an item may not begin with '%c'\n",
						where, o->section, o->key, *item);
					return -EINVAL;
				}
				item += strcspn(item, ",");
			}
		}
		return 0;
	case OPT_PORTS:
		lc.ports = field;
		if (!append)
			lc.ports->n = 0;
		ret = split_list(value, add_port, &lc);
		if (ret) {
			fprintf(err, "%s: %s.%s: bad port '%s': %s\n", where, o->section, o->key,
				lc.item, ret == -E2BIG ? "too many ports" : "expected 1 to 65535");
			return -EINVAL;
		}
		return 0;
	}
	return -EINVAL;
}

int mw_config_set(struct mw_config *cfg, const char *section, const char *key, const char *value,
		  const char *where, FILE *err)
{
	const struct opt *o = opt_find(section, key);

	if (!o) {
		fprintf(err, "%s: unknown option '%s' in section [%s]\n", where, key, section);
		return -EINVAL;
	}
	return opt_apply(cfg, o, value, where, false, err);
}

struct parse_state {
	struct mw_config *cfg;
	const char *name;
	FILE *err;
	int line;
	int errors;
	bool indented; /* the line just read starts with a blank: a continuation */
	char last_section[32], last_key[32];
	/* the reader's source */
	FILE *file;
	const char *text;
};

static char *read_line(char *str, int num, void *stream)
{
	struct parse_state *ps = stream;
	const char *nl;
	size_t n;

	if (ps->file) {
		if (!fgets(str, num, ps->file))
			return NULL;
		n = strlen(str);
		if (n == (size_t)num - 1 && str[n - 1] != '\n') {
			int ch;

			while ((ch = fgetc(ps->file)) != EOF && ch != '\n')
				;
			fprintf(ps->err,
				"%s:%d: line longer than %d characters: continue a list on the next lines, indented\n",
				ps->name, ps->line + 1, num - 2);
			ps->errors++;
			snprintf(str, (size_t)num, "#\n"); /* skipped */
		}
	} else {
		if (!*ps->text)
			return NULL;
		nl = strchr(ps->text, '\n');
		n = nl ? (size_t)(nl - ps->text + 1) : strlen(ps->text);
		/* the same limit as for a file, newline or not */
		if (n - (nl ? 1 : 0) > (size_t)num - 2) {
			fprintf(ps->err,
				"%s:%d: line longer than %d characters: continue a list on the next lines, indented\n",
				ps->name, ps->line + 1, num - 2);
			ps->errors++;
			ps->text += n;
			snprintf(str, (size_t)num, "#\n");
		} else {
			memcpy(str, ps->text, n);
			str[n] = '\0';
			ps->text += n;
		}
	}
	ps->line++;
	ps->indented = str[0] == ' ' || str[0] == '\t';
	return str;
}

static int handle(void *user, const char *section, const char *key, const char *value)
{
	struct parse_state *ps = user;
	char where[PATH_MAX + 32];
	const struct opt *o;
	bool append;

	snprintf(where, sizeof(where), "%s:%d", ps->name, ps->line);
	if (!*section) {
		fprintf(ps->err, "%s: option '%s' outside any [section]\n", where, key);
		ps->errors++;
		return 1;
	}
	o = opt_find(section, key);
	if (!o) {
		fprintf(ps->err, "%s: unknown option '%s' in section [%s]\n", where, key, section);
		ps->errors++;
		return 1;
	}
	/* inih hands an indented line over as the previous key again */
	append = ps->indented && !strcmp(ps->last_section, section) && !strcmp(ps->last_key, key);
	snprintf(ps->last_section, sizeof(ps->last_section), "%s", section);
	snprintf(ps->last_key, sizeof(ps->last_key), "%s", key);
	if (opt_apply(ps->cfg, o, value, where, append, ps->err))
		ps->errors++;
	return 1; /* keep going: report every bad line, not only the first */
}

/* What one option cannot say alone: the [crowdsec] credentials come in
 * pairs, one way each. */
static int check_across(const struct mw_config *cfg, const char *name, FILE *err)
{
	int errors = 0;

	if (*cfg->cs.password && *cfg->cs.password_file) {
		fprintf(err, "%s: [crowdsec]: password and password_file are both set: keep one\n",
			name);
		errors++;
	}
	if (*cfg->cs.bouncer_key && *cfg->cs.bouncer_key_file) {
		fprintf(err,
			"%s: [crowdsec]: bouncer_key and bouncer_key_file are both set: keep one\n",
			name);
		errors++;
	}
	if (!*cfg->cs.tls_cert != !*cfg->cs.tls_key) {
		fprintf(err, "%s: [crowdsec]: tls_cert and tls_key go together\n", name);
		errors++;
	}
	if (*cfg->cs.machine_id && !*cfg->cs.password && !*cfg->cs.password_file &&
	    !*cfg->cs.tls_cert) {
		fprintf(err,
			"%s: [crowdsec]: machine_id '%s' needs a password, password_file or tls_cert\n",
			name, cfg->cs.machine_id);
		errors++;
	}
	if (cfg->cs.pull == MW_CS_PULL_YES && !*cfg->cs.bouncer_key && !*cfg->cs.bouncer_key_file &&
	    !*cfg->cs.tls_cert) {
		fprintf(err,
			"%s: [crowdsec]: pull = yes needs bouncer_key, bouncer_key_file or tls_cert\n",
			name);
		errors++;
	}
	return errors;
}

static int parse(struct parse_state *ps)
{
	int ret = ini_parse_stream(read_line, ps, handle, ps);

	if (ret > 0) {
		/* inih stops at nothing but reports its first syntax error */
		fprintf(ps->err,
			"%s:%d: syntax error: expected [section], key = value, or a # comment\n",
			ps->name, ret);
		ps->errors++;
	} else if (ret < 0) {
		fprintf(ps->err, "%s: cannot parse: %s\n", ps->name, strerror(ENOMEM));
		ps->errors++;
	}
	ps->errors += check_across(ps->cfg, ps->name, ps->err);
	return ps->errors ? -EINVAL : 0;
}

int mw_config_load(struct mw_config *cfg, const char *path, FILE *err)
{
	struct parse_state ps = { .cfg = cfg, .name = path, .err = err };
	int ret;

	ps.file = fopen(path, "re");
	if (!ps.file) {
		ret = -errno;
		if (ret != -ENOENT)
			fprintf(err, "%s: cannot open: %s\n", path, strerror(-ret));
		return ret;
	}
	ret = parse(&ps);
	fclose(ps.file);
	return ret;
}

int mw_config_load_string(struct mw_config *cfg, const char *name, const char *text, FILE *err)
{
	struct parse_state ps = { .cfg = cfg, .name = name, .err = err, .text = text };

	return parse(&ps);
}

/* Longest line inih reads whole (its INI_MAX_LINE of 200, less the newline
 * and the NUL); longer ones are refused when read. */
#define CONF_LINE_MAX 198

/* Where @v may be split into lines: a single space between two characters
 * that are not blank (continuation lines join with one space and inih trims
 * the rest), before one that would not start a comment line. */
static bool split_point(const char *v, size_t i)
{
	return i > 0 && v[i] == ' ' && !isspace((unsigned char)v[i - 1]) && v[i + 1] &&
	       !isspace((unsigned char)v[i + 1]) && v[i + 1] != '#' && v[i + 1] != ';';
}

/* Whether @n bytes of @s hold a ';' after a blank: on a "key = value" line
 * inih reads that as the start of a comment (not on continuation lines). */
static bool inline_comment(const char *s, size_t n)
{
	size_t i;

	for (i = 1; i < n; i++)
		if (s[i] == ';' && isspace((unsigned char)s[i - 1]))
			return true;
	return false;
}

/* A string value after "KEY =": on that line when it fits, else in
 * continuation lines of at most CONF_LINE_MAX, so that it reads back whole
 * (a first line left empty takes the value from its continuations). */
static void write_string(FILE *out, const char *key, const char *v)
{
	size_t room = CONF_LINE_MAX - strlen(key) - 3, n = strlen(v), end, i;
	/* "KEY =;x" keeps a leading ';' that "KEY = ;x" would make a comment */
	const char *lead = *v == ';' ? "" : " ";
	bool first = true;

	while (n) {
		if (n <= room && !(first && inline_comment(v, n))) {
			fprintf(out, "%s%s", first ? lead : "\n\t", v);
			return;
		}
		end = 0;
		for (i = 1; i <= room && i < n; i++)
			if (split_point(v, i) && !(first && inline_comment(v, i)))
				end = i;
		if (!end && first && *v != ';') {
			/* the first word does not fit beside the key, or a ';' would
			 * read as a comment there */
			first = false;
			room = CONF_LINE_MAX - 1;
			continue;
		}
		if (!end) /* one word longer than a line: cannot be read back whole */
			end = n;
		fprintf(out, "%s%.*s", first ? lead : "\n\t", (int)end, v);
		v += end;
		n -= end;
		if (*v == ' ')
			v++, n--;
		first = false;
		room = CONF_LINE_MAX - 1;
	}
}

void mw_config_write(const struct mw_config *cfg, FILE *out)
{
	const char *section = "";
	size_t i;
	unsigned j;
	char buf[64];

	for (i = 0; i < ARRAY_SIZE(opts); i++) {
		const struct opt *o = &opts[i];
		const void *field = (const char *)cfg + o->off;

		if (strcmp(section, o->section)) {
			fprintf(out, "%s[%s]\n", *section ? "\n" : "", o->section);
			section = o->section;
		}
		fprintf(out, "%s =", o->key);
		switch (o->type) {
		case OPT_U64:
			fprintf(out, " %llu", (unsigned long long)*(const uint64_t *)field);
			break;
		case OPT_DURATION:
			fprintf(out, " %s",
				mw_format_duration_exact(*(const uint64_t *)field, buf,
							 sizeof(buf)));
			break;
		case OPT_PATH:
			fprintf(out, " %s", (const char *)field);
			break;
		case OPT_URL:
		case OPT_FILE:
			if (*(const char *)field)
				fprintf(out, " %s", (const char *)field);
			break;
		case OPT_SECRET:
			/* never printed: set it again from the file it came from */
			if (*(const char *)field)
				fprintf(out, " %s", MW_CONFIG_HIDDEN);
			break;
		case OPT_SCOPES: {
			const char *sep = " ";

			for (j = 0; o->names[j]; j++) {
				if (*(const unsigned *)field & (1U << j)) {
					fprintf(out, "%s%s", sep, o->names[j]);
					sep = ", ";
				}
			}
			break;
		}
		case OPT_ENUM:
			fprintf(out, " %s", o->names[*(const unsigned *)field]);
			break;
		case OPT_IFACES:
			for (j = 0; j < cfg->n_interfaces; j++)
				fprintf(out, " %s", cfg->interfaces[j]);
			break;
		case OPT_PREFIXES: {
			const struct mw_prefix *pf = field;
			unsigned n = *prefix_count((struct mw_config *)cfg, o->off);

			/* inih reads lines of 200 characters: longer lists go on
			 * indented continuation lines */
			for (j = 0; j < n; j++)
				fprintf(out, "%s %s", j && j % 6 == 0 ? "\n\t" : "",
					mw_prefix_str(&pf[j], buf, sizeof(buf)));
			break;
		}
		case OPT_BOOL:
			fprintf(out, " %s", *(const bool *)field ? "yes" : "no");
			break;
		case OPT_STRING:
		case OPT_ENDPOINT:
			write_string(out, o->key, field);
			break;
		case OPT_LIST: {
			const char *v = field;
			size_t n;

			/* one item per line, continuation lines indented (the first
			 * one too when it does not fit beside the key, or a ';' in it
			 * would read as a comment there) */
			for (j = 0; *v; j++) {
				n = strcspn(v, ",");
				if (!j && (inline_comment(v, n) ||
					   strlen(o->key) + 3 + n > CONF_LINE_MAX))
					j++;
				fprintf(out, "%s%.*s", j ? "\n\t" : " ", (int)n, v);
				v += n;
				v += strspn(v, ", \t");
			}
			break;
		}
		case OPT_PORTS:
			for (j = 0; j < ((const struct mw_port_list *)field)->n; j++)
				fprintf(out, "%s %u", j && j % 16 == 0 ? "\n\t" : "",
					((const struct mw_port_list *)field)->port[j]);
			break;
		}
		fputc('\n', out);
	}
}
