// SPDX-License-Identifier: GPL-2.0-only
/*
 * minewalld - the minewall agent: loads and attaches the datapath, keeps the
 * host's addresses current, consumes the event ring, ends idle flows and
 * reports. One thread, one epoll loop; signals arrive through a signalfd.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <net/if.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/file.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "agent/control.h"
#include "agent/blacklist.h"
#include "agent/bpatterns.h"
#include "agent/dirnet.h"
#include "agent/ipfix.h"
#include "agent/metrics.h"
#include "output/metrics.h"
#include "agent/dict.h"
#include "agent/flow_scan.h"
#include "agent/control_socket.h"
#include "enforce/hook.h"
#include "enforce/nft.h"
#include "enforce/policy.h"
#include "output/eve.h"
#include "parse/config.h"
#include "agent/events.h"
#include "lib/flowtable.h"
#include "agent/loader.h"
#include "agent/localaddr.h"
#include "lib/log.h"
#include "lib/pinned.h"
#include "agent/privs.h"
#include "minewall.skel.h"
#include "lib/stats.h"
#include "lib/util.h"

#define MW_VERSION "0.1.0"
#define TICK_MS 250
#define MW_CYCLE_MS 1000 /* blocks, allowlist, detector ticks, rhythm samples */

struct agent {
	struct mw_config cfg;
	const char *config_path;
	bool config_explicit;
	struct mw_loader loader;
	struct mw_events events;
	struct mw_localaddr local;
	struct mw_flow_scan scan;
	struct mw_nft nft;
	struct mw_allow allow;
	struct mw_policy policy;
	struct mw_hook hook;
	struct mw_control_socket control;
	struct mw_agent_ctl ctl;
	struct mw_agent_detect detect;
	struct mw_agent_blacklist bl;
	struct mw_agent_bpatterns bp;
	struct mw_agent_dirnet dirnet;
	struct mw_metrics metrics;
	struct mw_agent_ipfix ipfix;
	struct mw_metrics_view mview;
	uint64_t lag_ns; /* how late the latest periodic cycle ran */
	struct mw_eve eve;
	bool enforcing; /* nft, allowlist and policy are set up */
	int epfd, sigfd, timerfd, lockfd;
	int stats_fd, agent_fd;
	struct mw_agent hb;
	uint64_t next_scan_ns, next_cycle_ns, next_status_ns;
	uint64_t events_lost_seen; /* UINT64_MAX until the first cycle */
	uint64_t peeks_lost_seen; /* the same for the ring of payload copies */
	struct mw_stats last_stats;
	uint64_t last_ends, last_inserts;
	bool stop;
};

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: minewalld [OPTIONS]\n"
		"Protects this host: XDP/tc flow accounting, detection and blocking.\n\n"
		"  -i, --interface IFACE   attach to IFACE (repeatable; default: the interface\n"
		"                          of the default route)\n"
		"  -c, --config FILE       configuration file (default %s)\n"
		"      --check-config      check the configuration and exit\n"
		"      --show-config       print the effective configuration and exit\n"
		"      --pin-path DIR      where maps are pinned (default %s)\n"
		"      --run-dir DIR       lock file and control socket (default %s)\n"
		"      --max-flows N       size of the flow table\n"
		"      --status-interval DUR  status line period on stderr (0: never)\n"
		"      --xdp-mode MODE     auto, native or generic\n"
		"      --dry-run           decide and report, never block\n"
		"      --flush-on-exit     remove every block when stopping\n"
		"      --state-dir DIR     ledger and runtime allowlist (default %s)\n"
		"      --events FILE       events file, JSON lines (default %s)\n"
		"      --syslog            send events to syslog too (RFC 5424)\n"
		"      --metrics ADDR:PORT Prometheus endpoint (default 127.0.0.1:9477; config '' off)\n"
		"      --ipfix HOST:PORT   export finished flows to an IPFIX collector (UDP)\n"
		"  -v, --verbose           more output (-vv: libbpf's debug output too)\n"
		"  -q, --quiet             warnings only\n"
		"  -V, --version           print the version\n"
		"  -h, --help              this help\n\n"
		"Exit status: 0 on a clean stop, 1 on failure, 2 on bad usage.\n",
		MW_CONFIG_PATH_DEFAULT, MW_PIN_PATH_DEFAULT, MW_RUN_DIR_DEFAULT,
		MW_STATE_DIR_DEFAULT, MW_EVENTS_PATH_DEFAULT);
}

enum {
	OPT_CHECK = 256,
	OPT_SHOW,
	OPT_PIN,
	OPT_RUNDIR,
	OPT_MAXFLOWS,
	OPT_STATUS,
	OPT_XDPMODE,
	OPT_STATEDIR,
	OPT_DRYRUN,
	OPT_FLUSH,
	OPT_EVENTS,
	OPT_METRICS,
	OPT_IPFIX,
	OPT_SYSLOG,
};

static const struct option long_opts[] = {
	{ "interface", required_argument, NULL, 'i' },
	{ "config", required_argument, NULL, 'c' },
	{ "check-config", no_argument, NULL, OPT_CHECK },
	{ "show-config", no_argument, NULL, OPT_SHOW },
	{ "pin-path", required_argument, NULL, OPT_PIN },
	{ "run-dir", required_argument, NULL, OPT_RUNDIR },
	{ "max-flows", required_argument, NULL, OPT_MAXFLOWS },
	{ "status-interval", required_argument, NULL, OPT_STATUS },
	{ "xdp-mode", required_argument, NULL, OPT_XDPMODE },
	{ "state-dir", required_argument, NULL, OPT_STATEDIR },
	{ "dry-run", no_argument, NULL, OPT_DRYRUN },
	{ "flush-on-exit", no_argument, NULL, OPT_FLUSH },
	{ "events", required_argument, NULL, OPT_EVENTS },
	{ "metrics", required_argument, NULL, OPT_METRICS },
	{ "ipfix", required_argument, NULL, OPT_IPFIX },
	{ "syslog", no_argument, NULL, OPT_SYSLOG },
	{ "verbose", no_argument, NULL, 'v' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "version", no_argument, NULL, 'V' },
	{ "help", no_argument, NULL, 'h' },
	{ 0 },
};

/* Command-line values are applied after the file, so they win. */
struct cli_override {
	const char *section, *key;
	char value[4096];
	bool set;
};

static int take_lock(struct agent *a)
{
	char path[PATH_MAX], buf[32];
	int n;

	if (mkdir(a->cfg.run_dir, 0755) && errno != EEXIST) {
		pr_warn("cannot create %s: %s\n", a->cfg.run_dir, strerror(errno));
		return -errno;
	}
	snprintf(path, sizeof(path), "%s/minewalld.pid", a->cfg.run_dir);
	a->lockfd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (a->lockfd < 0) {
		pr_warn("cannot open %s: %s\n", path, strerror(errno));
		return -errno;
	}
	if (flock(a->lockfd, LOCK_EX | LOCK_NB)) {
		n = pread(a->lockfd, buf, sizeof(buf) - 1, 0);
		buf[n > 0 ? n : 0] = '\0';
		buf[strcspn(buf, "\n")] = '\0';
		pr_warn("another minewalld is running (pid %s, lock %s); stop it first\n",
			*buf ? buf : "?", path);
		return -EBUSY;
	}
	n = snprintf(buf, sizeof(buf), "%d\n", getpid());
	if (ftruncate(a->lockfd, 0) || pwrite(a->lockfd, buf, n, 0) != n)
		pr_warn("cannot write %s: %s\n", path, strerror(errno));
	return 0;
}

static void heartbeat(struct agent *a, uint64_t now)
{
	__u32 zero = 0;

	a->hb.heartbeat_ns = now;
	if (bpf_map_update_elem(a->agent_fd, &zero, &a->hb, 0))
		pr_debug("cannot update the heartbeat: %s\n", strerror(errno));
}

static void record_attachments(struct agent *a)
{
	unsigned i;

	a->hb.n_ifaces = a->loader.n_att;
	memset(a->hb.ifaces, 0, sizeof(a->hb.ifaces));
	for (i = 0; i < a->loader.n_att; i++) {
		a->hb.ifaces[i].ifindex = a->loader.att[i].ifindex;
		a->hb.ifaces[i].xdp_mode = a->loader.att[i].xdp_mode;
		memcpy(a->hb.ifaces[i].name, a->loader.att[i].name, sizeof(a->hb.ifaces[i].name));
	}
}

static void on_flow_end(void *arg, const struct mw_event_flow *ev)
{
	char l[MW_ADDRSTRLEN], r[MW_ADDRSTRLEN], pb[8];

	if (mw_log_level < MW_LOG_DEBUG)
		return;
	pr_debug("flow end (%s): %s %s:%u <-> %s:%u in %llu/%llu B out %llu/%llu B\n",
		 ev->hdr.reason == MW_END_IDLE ? "idle" :
		 ev->hdr.reason == MW_END_RST  ? "rst" :
						 "fin",
		 mw_proto_name(ev->key.proto, pb, sizeof(pb)),
		 mw_addr_str((const struct mw_addr *)ev->key.local_addr, l, sizeof(l)),
		 ntohs(ev->key.local_port),
		 mw_addr_str((const struct mw_addr *)ev->key.remote_addr, r, sizeof(r)),
		 ntohs(ev->key.remote_port), (unsigned long long)ev->flow.packets[MW_DIR_IN],
		 (unsigned long long)ev->flow.bytes[MW_DIR_IN],
		 (unsigned long long)ev->flow.packets[MW_DIR_OUT],
		 (unsigned long long)ev->flow.bytes[MW_DIR_OUT]);
}

/* DIRNET learns from the DNS answers the blacklist agent verified: the one
 * place that matches answers to the host's queries */
static void dirnet_dns_answer(void *arg, const struct mw_dns_msg *msg, const bool *on_chain,
			      uint64_t now_ns)
{
	mw_agent_dirnet_dns_answer(arg, msg, on_chain, now_ns);
}

static void print_status(struct agent *a)
{
	struct mw_stats st;
	char b1[16], b2[16], b3[16], b4[16];
	uint64_t errs = 0;
	int i;

	if (mw_stats_read(a->stats_fd, &st))
		return;
	for (i = 0; i < MW_PE_MAX; i++)
		errs += st.parse_err[i];
	pr_info("flows %llu/%llu (+%llu new, %llu ended) | in %s pkts %s | out %s pkts %s | events %llu lost %llu | parse errors %llu | evicted %llu\n",
		(unsigned long long)a->scan.live, (unsigned long long)a->cfg.max_flows,
		(unsigned long long)(st.flow_inserts - a->last_stats.flow_inserts),
		(unsigned long long)(a->events.received[MW_EV_FLOW_END] - a->last_ends),
		mw_format_count(st.packets[MW_DIR_IN] - a->last_stats.packets[MW_DIR_IN], b1,
				sizeof(b1)),
		mw_format_bytes(st.bytes[MW_DIR_IN] - a->last_stats.bytes[MW_DIR_IN], b2,
				sizeof(b2)),
		mw_format_count(st.packets[MW_DIR_OUT] - a->last_stats.packets[MW_DIR_OUT], b3,
				sizeof(b3)),
		mw_format_bytes(st.bytes[MW_DIR_OUT] - a->last_stats.bytes[MW_DIR_OUT], b4,
				sizeof(b4)),
		(unsigned long long)(st.events - a->last_stats.events),
		(unsigned long long)st.events_lost, (unsigned long long)errs,
		(unsigned long long)a->hb.evictions);
	a->last_stats = st;
	a->last_ends = a->events.received[MW_EV_FLOW_END];
}

/* Keeps the table, the allowlist and the blocks as they must be. */
static void enforcement_cycle(struct agent *a)
{
	int check;

	if (!a->enforcing)
		return;
	if (mw_allow_refresh(&a->allow, &a->cfg, mw_loader_map_fd(&a->loader, MW_MAP_LOCAL))) {
		mw_policy_sync_allow(&a->policy);
		mw_agent_blacklist_allow_changed(&a->bl);
	}
	check = mw_nft_check(&a->nft);
	if (check == 1) {
		pr_warn("table inet %s was deleted or changed by someone else: rebuilding it with %zu blocks\n",
			MW_NFT_TABLE, mw_policy_active(&a->policy));
		mw_policy_rebuild(&a->policy);
	}
	mw_policy_tick(&a->policy);
	mw_hook_reap(&a->hook);
	mw_agent_dict_tick(&a->detect, mw_now_ns());
	mw_agent_blacklist_tick(&a->bl, mw_now_ns());
	mw_agent_bpatterns_tick(&a->bp, mw_now_ns());
	mw_agent_dirnet_tick(&a->dirnet, mw_now_ns());
	mw_agent_ipfix_tick(&a->ipfix);
}

/* Says so when the datapath could not hand events over (the ring buffer
 * was full: the agent fell behind, or was stopped). */
static void report_losses(struct agent *a)
{
	struct mw_stats st;

	if (mw_stats_read(a->stats_fd, &st))
		return;
	if (a->events_lost_seen != UINT64_MAX && st.events_lost > a->events_lost_seen)
		pr_warn("ring buffer full: %llu events lost since the last cycle; detections may have missed them\n",
			(unsigned long long)(st.events_lost - a->events_lost_seen));
	a->events_lost_seen = st.events_lost;
	/* payload copies have a ring of their own, which a flood fills first */
	if (a->peeks_lost_seen != UINT64_MAX && st.peeks_lost > a->peeks_lost_seen)
		pr_info("payload ring full: %llu payload copies lost since the last cycle (flow ends, bursts and blacklist hits have their own ring)\n",
			(unsigned long long)(st.peeks_lost - a->peeks_lost_seen));
	a->peeks_lost_seen = st.peeks_lost;
}

/* The agent's cycle: a second, or the sweep's interval when shorter. */
static uint64_t cycle_ms(const struct mw_config *cfg)
{
	return cfg->scan_interval_ms < MW_CYCLE_MS ? cfg->scan_interval_ms : MW_CYCLE_MS;
}

static void periodic(struct agent *a)
{
	uint64_t now = mw_now_ns();
	struct mw_stats st;
	int healed;

	/* the sweep of the whole table (idle ends, counts) is the costly part:
	 * it runs every scan_interval; the rest every cycle */
	if (now >= a->next_scan_ns) {
		a->next_scan_ns = now + a->cfg.scan_interval_ms * 1000000ULL;
		mw_flow_scan_run(&a->scan, &a->cfg, now);
		if (!mw_stats_read(a->stats_fd, &st)) {
			if (!a->scan.have_baseline) {
				a->scan.inserts0 = st.flow_inserts;
				a->scan.live0 = a->scan.live;
				a->scan.deleted = 0;
				a->scan.have_baseline = 1;
			}
			a->hb.evictions = mw_flow_scan_evictions(&a->scan, st.flow_inserts);
			a->mview.evictions = a->hb.evictions;
		}
	}
	if (now >= a->next_cycle_ns) {
		a->lag_ns = a->next_cycle_ns ? now - a->next_cycle_ns : 0;
		a->mview.lag_ns = a->lag_ns;
		a->next_cycle_ns = now + cycle_ms(&a->cfg) * 1000000ULL;
		healed = mw_loader_heal(&a->loader, a->cfg.xdp_mode);
		if (healed)
			record_attachments(a);
		mw_agent_bpatterns_cycle(&a->bp, now);
		enforcement_cycle(a);
		report_losses(a);
	}
	if (a->cfg.status_interval_ms && now >= a->next_status_ns) {
		a->next_status_ns = now + a->cfg.status_interval_ms * 1000000ULL;
		print_status(a);
	}
	heartbeat(a, now);
}

static int apply_overrides(struct mw_config *cfg);

static void reload(struct agent *a)
{
	struct mw_config next;
	int ret;

	mw_config_defaults(&next);
	ret = mw_config_load(&next, a->config_path, stderr);
	if (ret && !(ret == -ENOENT && !a->config_explicit)) {
		pr_warn("reload: %s has errors; keeping the running configuration\n",
			a->config_path);
		return;
	}
	if (apply_overrides(&next))
		return;
	if (next.max_flows != a->cfg.max_flows || next.peek_bytes != a->cfg.peek_bytes ||
	    next.peek_packets != a->cfg.peek_packets || next.xdp_mode != a->cfg.xdp_mode ||
	    strcmp(next.pin_path, a->cfg.pin_path) || strcmp(next.state_dir, a->cfg.state_dir) ||
	    strcmp(next.run_dir, a->cfg.run_dir) || strcmp(next.events_file, a->cfg.events_file))
		pr_warn("reload: flow table size, peek settings, XDP mode, pin path, run and state directories and the events file change only on restart\n");
	/* what is built once keeps its settings; everything else follows the file */
	memcpy(next.interfaces, a->cfg.interfaces, sizeof(next.interfaces));
	next.n_interfaces = a->cfg.n_interfaces;
	next.xdp_mode = a->cfg.xdp_mode;
	next.max_flows = a->cfg.max_flows;
	next.peek_packets = a->cfg.peek_packets;
	next.peek_bytes = a->cfg.peek_bytes;
	memcpy(next.pin_path, a->cfg.pin_path, sizeof(next.pin_path));
	memcpy(next.run_dir, a->cfg.run_dir, sizeof(next.run_dir));
	memcpy(next.state_dir, a->cfg.state_dir, sizeof(next.state_dir));
	memcpy(next.events_file, a->cfg.events_file, sizeof(next.events_file));
	a->cfg = next; /* in place: the policy and the detectors point at it */

	mw_loader_set_internal(&a->loader, &a->cfg);
	a->hook.timeout_ms = a->cfg.hook_timeout_ms;
	if (a->enforcing) {
		mw_agent_dict_ports(&a->cfg, mw_loader_map_fd(&a->loader, MW_MAP_SVC));
		mw_allow_set_config(&a->allow, &a->cfg);
		mw_policy_sync_allow(&a->policy);
		a->policy.cap_warned = false;
		mw_agent_blacklist_reload(&a->bl);
		mw_agent_bpatterns_reload(&a->bp);
		mw_agent_dirnet_reload(&a->dirnet);
	}
	pr_info("reloaded %s\n", a->config_path);
}

static void handle_signal(struct agent *a)
{
	struct signalfd_siginfo si;

	while (read(a->sigfd, &si, sizeof(si)) == sizeof(si)) {
		switch (si.ssi_signo) {
		case SIGINT:
		case SIGTERM:
			pr_info("%s: stopping\n", strsignal(si.ssi_signo));
			a->stop = true;
			break;
		case SIGHUP:
			reload(a);
			mw_eve_reopen(&a->eve);
			break;
		case SIGUSR1:
			/* log rotation: the file was moved away */
			if (mw_eve_reopen(&a->eve))
				pr_warn("cannot reopen %s\n", a->eve.path);
			break;
		case SIGCHLD:
			mw_hook_reap(&a->hook);
			break;
		default:
			break;
		}
	}
}

static int epoll_add(int epfd, int fd)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.fd = fd };

	return epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) ? -errno : 0;
}

static int setup_loop(struct agent *a)
{
	struct itimerspec its = { .it_interval = { 0, TICK_MS * 1000000L },
				  .it_value = { 0, TICK_MS * 1000000L } };
	sigset_t mask;

	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGUSR1);
	sigaddset(&mask, SIGCHLD);
	if (sigprocmask(SIG_BLOCK, &mask, NULL))
		return -errno;
	a->sigfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	a->timerfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	a->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (a->sigfd < 0 || a->timerfd < 0 || a->epfd < 0)
		return -errno;
	if (timerfd_settime(a->timerfd, 0, &its, NULL))
		return -errno;
	if (epoll_add(a->epfd, a->sigfd) || epoll_add(a->epfd, a->timerfd) ||
	    epoll_add(a->epfd, mw_events_fd(&a->events)) ||
	    epoll_add(a->epfd, mw_localaddr_fd(&a->local)) || epoll_add(a->epfd, a->control.fd))
		return -errno;
	if (a->metrics.fd >= 0 && epoll_add(a->epfd, a->metrics.fd))
		return -errno;
	return 0;
}

static int run_loop(struct agent *a)
{
	struct epoll_event evs[8];
	uint64_t ticks;
	int i, n;

	while (!a->stop) {
		n = epoll_wait(a->epfd, evs, 8, -1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			pr_warn("epoll_wait: %s\n", strerror(errno));
			return -errno;
		}
		for (i = 0; i < n; i++) {
			int fd = evs[i].data.fd;

			if (fd == a->sigfd) {
				handle_signal(a);
			} else if (fd == a->timerfd) {
				if (read(a->timerfd, &ticks, sizeof(ticks)) > 0)
					periodic(a);
			} else if (fd == mw_events_fd(&a->events)) {
				mw_events_consume(&a->events);
				mw_agent_dirnet_flush(&a->dirnet);
				/* what the detectors decided goes out in one transaction */
				mw_policy_commit(&a->policy);
			} else if (fd == a->control.fd) {
				mw_control_socket_serve(&a->control, mw_agent_control, &a->ctl);
			} else if (fd == a->metrics.fd) {
				mw_metrics_serve(&a->metrics, mw_agent_metrics, &a->mview);
			} else if (fd == mw_localaddr_fd(&a->local)) {
				if (mw_localaddr_changed(&a->local)) {
					mw_localaddr_sync(&a->local);
					/* a link that came back is re-attached now */
					if (mw_loader_heal(&a->loader, a->cfg.xdp_mode))
						record_attachments(a);
				}
			}
		}
	}
	/* drain what the datapath reported before we stop */
	mw_events_consume(&a->events);
	mw_agent_dirnet_flush(&a->dirnet);
	return 0;
}

/* Command-line values, applied over the file at start and again after each
 * reload, so that a SIGHUP never undoes them. */
static struct cli_override ov[] = {
	[OPT_PIN - OPT_PIN] = { "agent", "pin_path" },
	[OPT_RUNDIR - OPT_PIN] = { "agent", "run_dir" },
	[OPT_MAXFLOWS - OPT_PIN] = { "flows", "max_flows" },
	[OPT_STATUS - OPT_PIN] = { "agent", "status_interval" },
	[OPT_XDPMODE - OPT_PIN] = { "agent", "xdp_mode" },
	[OPT_STATEDIR - OPT_PIN] = { "enforce", "state_dir" },
	[OPT_DRYRUN - OPT_PIN] = { "enforce", "dry_run" },
	[OPT_FLUSH - OPT_PIN] = { "enforce", "flush_on_exit" },
	[OPT_EVENTS - OPT_PIN] = { "agent", "events_file" },
	[OPT_METRICS - OPT_PIN] = { "agent", "metrics" },
	[OPT_IPFIX - OPT_PIN] = { "agent", "ipfix" },
	[OPT_SYSLOG - OPT_PIN] = { "agent", "syslog" },
};
static struct cli_override ifaces = { "agent", "interfaces" };

static int apply_overrides(struct mw_config *cfg)
{
	size_t i;

	if (ifaces.set &&
	    mw_config_set(cfg, ifaces.section, ifaces.key, ifaces.value, "--interface", stderr))
		return -EINVAL;
	for (i = 0; i < ARRAY_SIZE(ov); i++) {
		char where[64];

		if (!ov[i].set)
			continue;
		snprintf(where, sizeof(where), "--%s", long_opts[i + 4].name);
		if (mw_config_set(cfg, ov[i].section, ov[i].key, ov[i].value, where, stderr))
			return -EINVAL;
	}
	return 0;
}

static int parse_args(struct agent *a, int argc, char **argv, bool *check, bool *show)
{
	int opt, ret;

	a->config_path = MW_CONFIG_PATH_DEFAULT;
	while ((opt = getopt_long(argc, argv, "i:c:vqVh", long_opts, NULL)) != -1) {
		switch (opt) {
		case 'i': {
			size_t used = strlen(ifaces.value);

			if (used + strlen(optarg) + 2 >= sizeof(ifaces.value))
				return -E2BIG;
			snprintf(ifaces.value + used, sizeof(ifaces.value) - used, " %s", optarg);
			ifaces.set = true;
		} break;
		case 'c':
			a->config_path = optarg;
			a->config_explicit = true;
			break;
		case OPT_CHECK:
			*check = true;
			break;
		case OPT_SHOW:
			*show = true;
			break;
		case OPT_PIN:
		case OPT_RUNDIR:
		case OPT_MAXFLOWS:
		case OPT_STATUS:
		case OPT_XDPMODE:
		case OPT_STATEDIR:
		case OPT_EVENTS:
		case OPT_METRICS:
		case OPT_IPFIX:
			snprintf(ov[opt - OPT_PIN].value, sizeof(ov[0].value), "%s", optarg);
			ov[opt - OPT_PIN].set = true;
			break;
		case OPT_DRYRUN:
		case OPT_FLUSH:
		case OPT_SYSLOG:
			snprintf(ov[opt - OPT_PIN].value, sizeof(ov[0].value), "yes");
			ov[opt - OPT_PIN].set = true;
			break;
		case 'v':
			mw_log_level++;
			break;
		case 'q':
			mw_log_level = MW_LOG_WARN;
			break;
		case 'V':
			printf("minewalld %s (libbpf %s)\n", MW_VERSION, libbpf_version_string());
			exit(0);
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			return -EINVAL;
		}
	}
	if (optind < argc) {
		pr_warn("unexpected argument '%s'\n", argv[optind]);
		return -EINVAL;
	}

	mw_config_defaults(&a->cfg);
	ret = mw_config_load(&a->cfg, a->config_path, stderr);
	if (ret == -ENOENT && !a->config_explicit)
		ret = 0; /* no file: defaults */
	else if (ret == -ENOENT)
		fprintf(stderr, "%s: no such file\n", a->config_path);
	if (ret)
		return -ENOEXEC;
	return apply_overrides(&a->cfg);
}

/* Every block and unblock that takes effect: logged and passed to the hook. */
static void on_block_event(void *arg, const char *ev_json)
{
	struct agent *a = arg;

	pr_info("event: %s\n", ev_json);
	mw_eve_write(&a->eve, ev_json);
	mw_hook_run(&a->hook, ev_json);
}

static int start_enforcement(struct agent *a)
{
	int err, check;

	err = mw_eve_open(&a->eve, a->cfg.events_file);
	if (err)
		pr_warn("cannot open the events file %s: %s; events go to stderr only\n",
			a->cfg.events_file, strerror(-err));
	if (a->cfg.syslog && mw_eve_syslog(&a->eve, a->cfg.syslog_socket))
		pr_warn("cannot reach syslog at %s yet: events go to it once it listens\n",
			a->cfg.syslog_socket);
	err = mw_nft_open(&a->nft);
	if (err) {
		pr_warn("cannot talk to nftables (netlink): %s\n", strerror(-err));
		return err;
	}
	a->nft.no_elem_counters = !a->cfg.element_counters;
	err = mw_allow_init(&a->allow, &a->cfg);
	if (err)
		return err;
	mw_allow_refresh(&a->allow, &a->cfg, mw_loader_map_fd(&a->loader, MW_MAP_LOCAL));
	err = mw_policy_init(&a->policy, &a->cfg, &a->nft, &a->allow,
			     mw_loader_map_fd(&a->loader, MW_MAP_BLOCK),
			     mw_loader_map_fd(&a->loader, MW_MAP_BLOCK_NET));
	if (err)
		return err;
	a->policy.nr_blocked = &a->loader.skel->bss->mw_nr_blocked;
	a->policy.nr_blocked_net = &a->loader.skel->bss->mw_nr_blocked_net;
	a->policy.notify = on_block_event;
	a->policy.notify_arg = a;
	a->hook.cmd = a->cfg.hook;
	a->hook.timeout_ms = a->cfg.hook_timeout_ms;

	check = mw_nft_check(&a->nft);
	if (check < 0) {
		pr_warn("cannot read nftables: %s\n", strerror(-check));
		return check;
	}
	mw_policy_reconcile(&a->policy, check == 0);
	if (check) {
		pr_info("creating table inet %s\n", MW_NFT_TABLE);
		err = mw_policy_rebuild(&a->policy);
		if (err)
			return err;
	} else {
		pr_info("adopted table inet %s\n", MW_NFT_TABLE);
		mw_policy_sync_allow(&a->policy);
	}
	mw_policy_save(&a->policy);
	a->ctl = (struct mw_agent_ctl){ .policy = &a->policy,
					.allow = &a->allow,
					.nft = &a->nft,
					.block_fd = mw_loader_map_fd(&a->loader, MW_MAP_BLOCK),
					.block_net_fd =
						mw_loader_map_fd(&a->loader, MW_MAP_BLOCK_NET) };
	err = mw_control_socket_open(&a->control, a->cfg.run_dir);
	if (err) {
		pr_warn("cannot open the control socket in %s: %s\n", a->cfg.run_dir,
			strerror(-err));
		return err;
	}
	err = mw_agent_dict_ports(&a->cfg, mw_loader_map_fd(&a->loader, MW_MAP_SVC));
	if (!err)
		err = mw_agent_dict_init(&a->detect, &a->cfg, &a->policy, &a->allow, &a->events);
	a->detect.eve = &a->eve;
	if (err)
		return err;
	mw_agent_dict_writers(&a->detect, mw_loader_map_fd(&a->loader, MW_MAP_SSH_WRITER));
	err = mw_agent_blacklist_init(&a->bl, &a->cfg, a->loader.skel->obj,
				      &a->loader.skel->bss->mw_bl_enforce,
				      &a->loader.skel->bss->mw_bl_entries, &a->policy, &a->allow,
				      &a->eve, &a->events);
	if (err)
		return err;
	a->ctl.bl = &a->bl;
	err = mw_agent_bpatterns_init(&a->bp, &a->cfg, mw_loader_map_fd(&a->loader, MW_MAP_OWNER),
				      mw_loader_map_fd(&a->loader, MW_MAP_FLOWS), &a->policy,
				      &a->eve, &a->events, &a->scan);
	if (!err)
		err = mw_agent_dirnet_init(&a->dirnet, &a->cfg,
					   mw_loader_map_fd(&a->loader, MW_MAP_OWNER), &a->policy,
					   &a->allow, &a->eve, &a->events);
	if (err)
		return err;
	mw_agent_blacklist_on_dns_answer(&a->bl, dirnet_dns_answer, &a->dirnet);
	a->ctl.dirnet = &a->dirnet;
	a->ctl.events_file = a->cfg.events_file;
	a->ctl.eve = &a->eve;
	a->mview = (struct mw_metrics_view){ .cfg = &a->cfg,
					     .events = &a->events,
					     .scan = &a->scan,
					     .policy = &a->policy,
					     .eve = &a->eve,
					     .bl = &a->bl,
					     .bp = &a->bp,
					     .metrics_srv = &a->metrics.srv,
					     .control_srv = &a->control.srv,
					     .nr_blocked = a->policy.nr_blocked,
					     .nr_blocked_net = a->policy.nr_blocked_net,
					     .stats_fd = a->stats_fd,
					     .start_ns = mw_now_ns() };
	if (a->cfg.ipfix[0]) {
		err = mw_agent_ipfix_init(&a->ipfix, a->cfg.ipfix, &a->events, &a->eve);
		if (err)
			pr_warn("cannot export IPFIX to %s: %s\n", a->cfg.ipfix, strerror(-err));
		else
			pr_info("exporting finished flows to the IPFIX collector %s\n",
				a->cfg.ipfix);
	}
	a->metrics.fd = -1;
	if (a->cfg.metrics[0]) {
		err = mw_metrics_open(&a->metrics, a->cfg.metrics);
		if (err)
			pr_warn("cannot serve metrics on %s: %s; metrics are off\n", a->cfg.metrics,
				strerror(-err));
		else
			pr_info("metrics on http://%s/metrics\n", a->cfg.metrics);
	}
	a->enforcing = true;
	if (a->cfg.dry_run)
		pr_info("dry run: blocks are decided and reported, never applied\n");
	return 0;
}

static int start(struct agent *a)
{
	char ifname[IF_NAMESIZE];
	unsigned i;
	int err;

	err = mw_loader_preflight();
	if (err)
		return err;
	err = take_lock(a);
	if (err)
		return err;
	err = mw_bpffs_ensure(a->cfg.pin_path);
	if (err) {
		pr_warn("cannot mount bpffs on /sys/fs/bpf: %s\n", strerror(-err));
		return err;
	}
	if (mkdir(a->cfg.pin_path, 0700) && errno != EEXIST) {
		err = -errno;
		pr_warn("cannot create %s: %s\n", a->cfg.pin_path, strerror(-err));
		return err;
	}
	if (!a->cfg.n_interfaces) {
		if (mw_default_route_iface(ifname)) {
			pr_warn("no interface given and no default route: use -i IFACE\n");
			return -ENODEV;
		}
		snprintf(a->cfg.interfaces[0], sizeof(a->cfg.interfaces[0]), "%s", ifname);
		a->cfg.n_interfaces = 1;
		pr_info("protecting %s, the interface of the default route\n", ifname);
	}

	/* fail on a typo before anything is loaded or pinned */
	for (i = 0; i < a->cfg.n_interfaces; i++) {
		if (!if_nametoindex(a->cfg.interfaces[i])) {
			pr_warn("%s: no such interface\n", a->cfg.interfaces[i]);
			return -ENODEV;
		}
	}

	err = mw_loader_load(&a->loader, &a->cfg, a->cfg.pin_path);
	if (err)
		return err;
	a->stats_fd = mw_loader_map_fd(&a->loader, MW_MAP_STATS);
	a->agent_fd = mw_loader_map_fd(&a->loader, MW_MAP_AGENT);
	err = mw_loader_set_internal(&a->loader, &a->cfg);
	if (err)
		return err;
	err = mw_localaddr_open(&a->local, mw_loader_map_fd(&a->loader, MW_MAP_LOCAL));
	if (!err)
		err = mw_localaddr_sync(&a->local);
	if (err < 0) {
		pr_warn("cannot read the host's addresses: %s\n", strerror(-err));
		return err;
	}
	pr_debug("%d local addresses\n", err);

	err = mw_events_open(&a->events, mw_loader_map_fd(&a->loader, MW_MAP_EVENTS));
	if (!err)
		err = mw_events_add_peeks(&a->events, mw_loader_map_fd(&a->loader, MW_MAP_PEEKS));
	if (err) {
		pr_warn("cannot open the event ring buffer: %s\n", strerror(-err));
		return err;
	}
	struct mw_event_sink log_sink = { .flow_end = on_flow_end, .arg = a };
	mw_events_add_sink(&a->events, &log_sink);
	a->scan.flows_fd = mw_loader_map_fd(&a->loader, MW_MAP_FLOWS);
	a->scan.watched_fd = mw_loader_map_fd(&a->loader, MW_MAP_WATCHED);
	a->scan.events = &a->events;

	for (i = 0; i < a->cfg.n_interfaces; i++) {
		err = mw_loader_attach(&a->loader, a->cfg.interfaces[i], a->cfg.xdp_mode);
		if (err)
			return err;
	}
	mw_loader_attach_owner(&a->loader);
	err = start_enforcement(a);
	if (err)
		return err;
	a->hb.pid = getpid();
	a->hb.start_ns = mw_now_ns();
	a->hb.flows_max = a->cfg.max_flows;
	record_attachments(a);
	heartbeat(a, a->hb.start_ns);
	return setup_loop(a);
}

static void stop(struct agent *a)
{
	__u32 zero = 0;

	if (a->enforcing) {
		if (a->cfg.flush_on_exit) {
			pr_info("flushing %zu blocks (flush_on_exit)\n",
				mw_policy_active(&a->policy));
			mw_policy_flush(&a->policy);
		}
		mw_policy_save(&a->policy);
	}
	mw_control_socket_close(&a->control);
	mw_metrics_close(&a->metrics);
	mw_agent_ipfix_free(&a->ipfix);
	mw_eve_close(&a->eve);
	mw_agent_dict_free(&a->detect);
	mw_agent_blacklist_free(&a->bl);
	mw_agent_bpatterns_free(&a->bp);
	if (a->dirnet.cfg)
		mw_agent_dirnet_free(&a->dirnet);
	mw_policy_free(&a->policy);
	mw_allow_free(&a->allow);
	mw_nft_close(&a->nft);
	if (a->loader.skel) {
		mw_loader_detach_all(&a->loader);
		a->hb.pid = 0;
		a->hb.n_ifaces = 0;
		bpf_map_update_elem(a->agent_fd, &zero, &a->hb, 0);
	}
	mw_events_close(&a->events);
	mw_localaddr_close(&a->local);
	mw_loader_destroy(&a->loader);
	if (a->epfd > 0)
		close(a->epfd);
	if (a->sigfd > 0)
		close(a->sigfd);
	if (a->timerfd > 0)
		close(a->timerfd);
	if (a->lockfd > 0)
		close(a->lockfd);
}

int main(int argc, char **argv)
{
	static struct agent a;
	bool check = false, show = false;
	int err;

	mw_log_prog = "minewalld";
	a.control.fd = -1;
	a.metrics.fd = -1;
	a.ipfix.x.fd = -1;
	a.eve.syslog_fd = -1;
	err = parse_args(&a, argc, argv, &check, &show);
	if (err == -ENOEXEC || (err && check))
		return 1; /* config errors were printed with file and line */
	if (err)
		return 2;
	if (check) {
		printf("%s: configuration OK\n", a.config_path);
		return 0;
	}
	if (show) {
		mw_config_write(&a.cfg, stdout);
		return 0;
	}
	mw_log_setup_libbpf();
	/* nothing the agent writes (state, events, pins) is for other users */
	umask(027);
	a.events_lost_seen = UINT64_MAX;
	a.peeks_lost_seen = UINT64_MAX;

	err = start(&a);
	if (!err) {
		/* set-up done: keep only what the running agent needs */
		if (!mw_privs_drop())
			pr_debug("capabilities kept: CAP_BPF, CAP_NET_ADMIN, CAP_PERFMON\n");
		pr_info("running (pid %d); maps pinned under %s\n", getpid(), a.cfg.pin_path);
		err = run_loop(&a);
	}
	stop(&a);
	return err ? 1 : 0;
}
