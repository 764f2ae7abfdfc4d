// SPDX-License-Identifier: GPL-2.0-only
/*
 * minewalld - the minewall agent: loads and attaches the datapath, keeps the
 * host's addresses current, consumes the event ring, ends idle flows and
 * reports. One thread, one epoll loop; signals arrive through a signalfd.
 * This file is the wiring and the loop; the options, the pid lock, the
 * status line, reload and teardown have files of their own.
 */
#include <errno.h>
#include <net/if.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "agent/daemon.h"
#include "agent/process.h"
#include "agent/pidlock.h"
#include "agent/privs.h"
#include "lib/flowtable.h"
#include "lib/log.h"
#include "lib/pinned.h"
#include "lib/stats.h"
#include "lib/util.h"
#include "minewall.skel.h"

#define TICK_MS 250
#define MW_CYCLE_MS 1000 /* blocks, allowlist, detector ticks, rhythm samples */

/* Start-up stops at its first failure, saying which step and why. */
static int failed(int err, const char *what)
{
	pr_warn("cannot %s: %s\n", what, strerror(-err));
	return err;
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
		 mw_flowtable_proto_name(ev->key.proto, pb, sizeof(pb)),
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

/* Keeps the table, the allowlist and the blocks as they must be. */
static void enforcement_cycle(struct mw_daemon *d)
{
	int check;

	if (!d->enforcing)
		return;
	if (mw_allow_refresh(&d->allow, &d->cfg, mw_loader_map_fd(&d->loader, MW_MAP_LOCAL))) {
		mw_policy_sync_allow(&d->policy);
		mw_agent_blacklist_allow_changed(&d->bl);
	}
	check = mw_nft_check(&d->nft);
	if (check == 1) {
		pr_warn("table inet %s was deleted or changed by someone else: rebuilding it with %zu blocks\n",
			MW_NFT_TABLE, mw_policy_active(&d->policy));
		mw_policy_rebuild(&d->policy);
	}
	mw_policy_tick(&d->policy);
	mw_hook_reap(&d->hook);
	mw_agent_dict_tick(&d->detect, mw_now_ns());
	mw_agent_tls_hello_expire(&d->hello, mw_now_ns());
	mw_agent_blacklist_tick(&d->bl, mw_now_ns());
	mw_agent_bpatterns_tick(&d->bp, mw_now_ns());
	mw_agent_dirnet_tick(&d->dirnet, mw_now_ns());
	mw_agent_proxy_tick(&d->proxy, mw_now_ns());
	mw_agent_outscan_tick(&d->outscan, mw_now_ns());
	mw_agent_ipfix_tick(&d->ipfix);
	mw_agent_crowdsec_tick(&d->cs, mw_now_ns());
}

/* The agent's cycle: a second, or the sweep's interval when shorter. */
static uint64_t cycle_ms(const struct mw_config *cfg)
{
	return cfg->scan_interval_ms < MW_CYCLE_MS ? cfg->scan_interval_ms : MW_CYCLE_MS;
}

static void periodic(struct mw_daemon *d)
{
	uint64_t now = mw_now_ns();
	struct mw_stats st;

	/* the sweep of the whole table (idle ends, counts) is the costly part:
	 * it runs every scan_interval; the rest every cycle */
	if (now >= d->next_scan_ns) {
		d->next_scan_ns = now + d->cfg.scan_interval_ms * 1000000ULL;
		mw_flow_scan_run(&d->scan, &d->cfg, now);
		if (!mw_stats_read(d->stats_fd, &st))
			d->hb.rec.evictions = mw_flow_scan_evictions(&d->scan, st.flow_inserts);
	}
	if (now >= d->next_cycle_ns) {
		d->lag_ns = d->next_cycle_ns ? now - d->next_cycle_ns : 0;
		d->next_cycle_ns = now + cycle_ms(&d->cfg) * 1000000ULL;
		if (mw_loader_heal(&d->loader, d->cfg.xdp_mode))
			mw_heartbeat_attachments(&d->hb, &d->loader);
		mw_agent_bpatterns_cycle(&d->bp, now);
		enforcement_cycle(d);
		if (!mw_stats_read(d->stats_fd, &st))
			mw_status_line_losses(&d->status, &st);
	}
	if (d->cfg.status_interval_ms && now >= d->next_status_ns) {
		d->next_status_ns = now + d->cfg.status_interval_ms * 1000000ULL;
		if (!mw_stats_read(d->stats_fd, &st))
			mw_status_line_print(&d->status, &st, d->scan.live, d->cfg.max_flows,
					     d->events.received[MW_EV_FLOW_END],
					     d->hb.rec.evictions);
	}
	mw_heartbeat_beat(&d->hb, now);
}

static void handle_signal(struct mw_daemon *d)
{
	struct signalfd_siginfo si;

	while (read(d->sigfd, &si, sizeof(si)) == sizeof(si)) {
		switch (si.ssi_signo) {
		case SIGINT:
		case SIGTERM:
			pr_info("%s: stopping\n", strsignal(si.ssi_signo));
			d->stop = true;
			break;
		case SIGHUP:
			mw_daemon_reload(d);
			mw_eve_reopen(&d->eve);
			break;
		case SIGUSR1:
			/* log rotation: the file was moved away */
			if (mw_eve_reopen(&d->eve))
				pr_warn("cannot reopen %s\n", d->eve.path);
			break;
		case SIGCHLD:
			mw_hook_reap(&d->hook);
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

static int setup_loop(struct mw_daemon *d)
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
	d->sigfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	d->timerfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	d->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (d->sigfd < 0 || d->timerfd < 0 || d->epfd < 0)
		return -errno;
	if (timerfd_settime(d->timerfd, 0, &its, NULL))
		return -errno;
	if (epoll_add(d->epfd, d->sigfd) || epoll_add(d->epfd, d->timerfd) ||
	    epoll_add(d->epfd, mw_events_fd(&d->events)) ||
	    epoll_add(d->epfd, mw_localaddr_fd(&d->local)) || epoll_add(d->epfd, d->control.fd))
		return -errno;
	if (mw_agent_crowdsec_fd(&d->cs) >= 0 && epoll_add(d->epfd, mw_agent_crowdsec_fd(&d->cs)))
		return -errno;
	if (d->metrics.fd >= 0 && epoll_add(d->epfd, d->metrics.fd))
		return -errno;
	if (mw_bridges_fd(&d->bridges) >= 0 && epoll_add(d->epfd, mw_bridges_fd(&d->bridges)))
		return -errno;
	return 0;
}

static int run_loop(struct mw_daemon *d)
{
	struct epoll_event evs[8];
	uint64_t ticks;
	int i, n;

	while (!d->stop) {
		n = epoll_wait(d->epfd, evs, 8, -1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			pr_warn("epoll_wait: %s\n", strerror(errno));
			return -errno;
		}
		for (i = 0; i < n; i++) {
			int fd = evs[i].data.fd;

			if (fd == d->sigfd) {
				handle_signal(d);
			} else if (fd == d->timerfd) {
				if (read(d->timerfd, &ticks, sizeof(ticks)) > 0)
					periodic(d);
			} else if (fd == mw_events_fd(&d->events)) {
				mw_events_consume(&d->events);
				mw_agent_dirnet_flush(&d->dirnet);
				/* what the detectors decided goes out in one transaction */
				mw_policy_commit(&d->policy);
			} else if (fd == d->control.fd) {
				mw_control_socket_serve(&d->control, mw_agent_control, &d->ctl);
			} else if (fd == mw_agent_crowdsec_fd(&d->cs)) {
				mw_agent_crowdsec_done(&d->cs);
			} else if (fd == d->metrics.fd) {
				mw_metrics_serve(&d->metrics, mw_agent_metrics, &d->mview);
			} else if (fd == mw_bridges_fd(&d->bridges)) {
				mw_bridges_changed(&d->bridges);
			} else if (fd == mw_localaddr_fd(&d->local)) {
				if (mw_localaddr_changed(&d->local)) {
					mw_localaddr_sync(&d->local);
					/* a link that came back is re-attached now */
					if (mw_loader_heal(&d->loader, d->cfg.xdp_mode))
						mw_heartbeat_attachments(&d->hb, &d->loader);
				}
			}
		}
	}
	/* drain what the datapath reported before we stop */
	mw_events_consume(&d->events);
	mw_agent_dirnet_drain(&d->dirnet);
	return 0;
}

/* Every block and unblock that takes effect: logged, passed to the hook
 * and to the fleet. */
static void on_block_event(void *arg, const char *type, const struct mw_block_entry *e,
			   const char *action, json_t *ev)
{
	struct mw_daemon *d = arg;
	char *line = mw_eve_record(&d->eve, ev);

	mw_hook_run(&d->hook, line);
	free(line);
	mw_agent_crowdsec_on_block(&d->cs, type, e, action);
}

/* The events file and syslog, nftables, the allowlist and the blocks. */
static int start_policy(struct mw_daemon *d)
{
	int err, check;

	err = mw_eve_open(&d->eve, d->cfg.events_file);
	if (err)
		pr_warn("cannot open the events file %s: %s; events go to stderr only\n",
			d->cfg.events_file, strerror(-err));
	mw_eve_set_format(&d->eve, d->cfg.eve_format);
	if (d->cfg.syslog && mw_eve_syslog(&d->eve, d->cfg.syslog_socket))
		pr_warn("cannot reach syslog at %s yet: events go to it once it listens\n",
			d->cfg.syslog_socket);
	err = mw_nft_open(&d->nft);
	if (err)
		return failed(err, "talk to nftables (netlink)");
	d->nft.no_elem_counters = !d->cfg.element_counters;
	err = mw_allow_init(&d->allow, &d->cfg);
	if (err)
		return failed(err, "read the allowlist");
	mw_allow_refresh(&d->allow, &d->cfg, mw_loader_map_fd(&d->loader, MW_MAP_LOCAL));
	err = mw_policy_init(&d->policy, &d->cfg,
			     &(struct mw_policy_deps){
				     .nft = &d->nft,
				     .allow = &d->allow,
				     .block_fd = mw_loader_map_fd(&d->loader, MW_MAP_BLOCK),
				     .block_net_fd = mw_loader_map_fd(&d->loader, MW_MAP_BLOCK_NET),
				     .nr_blocked = &d->loader.skel->bss->mw_nr_blocked,
				     .nr_blocked_net = &d->loader.skel->bss->mw_nr_blocked_net,
				     .notify = on_block_event,
				     .notify_arg = d,
			     });
	if (err) {
		pr_warn("cannot set up the blocks' ledger in %s: %s\n", d->cfg.state_dir,
			strerror(-err));
		return err;
	}
	d->hook = (struct mw_hook){ .cmd = d->cfg.hook, .timeout_ms = d->cfg.hook_timeout_ms };

	check = mw_nft_check(&d->nft);
	if (check < 0)
		return failed(check, "read nftables");
	mw_policy_reconcile(&d->policy, check == 0);
	if (check) {
		pr_info("creating table inet %s\n", MW_NFT_TABLE);
		err = mw_policy_rebuild(&d->policy);
		if (err)
			return err; /* said why */
	} else {
		pr_info("adopted table inet %s\n", MW_NFT_TABLE);
		mw_policy_sync_allow(&d->policy);
	}
	mw_policy_save(&d->policy);
	return 0;
}

static bool is_container_port(void *arg, unsigned ifindex)
{
	return mw_bridges_port(arg, ifindex, NULL);
}

/* The detectors, the control socket, metrics and IPFIX, from one env. */
static int start_detectors(struct mw_daemon *d)
{
	const struct mw_env *env = &d->env;
	int err;

	/* a container's connection seen on its port, and its NATed twin */
	mw_nat_view_init(&d->nat, is_container_port, &d->bridges);
	err = mw_nat_view_listen(&d->nat, &d->events);
	if (err)
		return failed(err, "follow containers' flows");
	d->env = (struct mw_env){ .cfg = &d->cfg,
				  .loader = &d->loader,
				  .policy = &d->policy,
				  .allow = &d->allow,
				  .eve = &d->eve,
				  .events = &d->events,
				  .scan = &d->scan,
				  .nat = &d->nat,
				  .hello = &d->hello,
				  .dirnet = &d->dirnet.d };
	d->ctl = (struct mw_agent_ctl){ .policy = &d->policy,
					.allow = &d->allow,
					.nft = &d->nft,
					.block_fd = mw_loader_map_fd(&d->loader, MW_MAP_BLOCK),
					.block_net_fd =
						mw_loader_map_fd(&d->loader, MW_MAP_BLOCK_NET),
					.bl = &d->bl,
					.dirnet = &d->dirnet,
					.cs = &d->cs,
					.events_file = d->cfg.events_file,
					.eve = &d->eve,
					.owner_fd = mw_loader_map_fd(&d->loader, MW_MAP_OWNER),
					.bridges = &d->bridges,
					.hello = &d->hello };
	/* every process the detectors name, with its container */
	if (mw_process_containers_setup(&d->cfg))
		pr_warn("no memory for the containers' cache: processes are named without their container\n");
	err = mw_control_socket_open(&d->control, d->cfg.run_dir);
	if (err) {
		pr_warn("cannot open the control socket in %s: %s\n", d->cfg.run_dir,
			strerror(-err));
		return err;
	}
	/* the host's ClientHellos, read once: before those who subscribe */
	err = mw_agent_tls_hello_start(&d->hello, &d->events);
	if (err)
		return failed(err, "read the host's TLS ClientHellos");
	err = mw_agent_dict_init(&d->detect, env);
	if (err)
		return failed(err, "start the dictionary-attack detector");
	err = mw_agent_blacklist_init(&d->bl, env);
	if (err)
		return failed(err, "start the BLACKLIST detector");
	err = mw_agent_bpatterns_init(&d->bp, env);
	if (err)
		return failed(err, "start the BPATTERNS detector");
	err = mw_agent_dirnet_init(&d->dirnet, env);
	if (err)
		return failed(err, "start the DIRNET detector");
	err = mw_agent_proxy_init(&d->proxy, env, &d->dirnet.d);
	if (err)
		return failed(err, "start DIRNET's proxy detector");
	err = mw_agent_outscan_init(&d->outscan, env);
	if (err)
		return failed(err, "start the OUTSCAN detector");
	mw_agent_blacklist_on_dns_answer(&d->bl, dirnet_dns_answer, &d->dirnet);
	d->mview = (struct mw_metrics_view){ .cfg = &d->cfg,
					     .events = &d->events,
					     .scan = &d->scan,
					     .policy = &d->policy,
					     .eve = &d->eve,
					     .bl = &d->bl,
					     .bp = &d->bp,
					     .hello = &d->hello,
					     .cs = &d->cs,
					     .outscan = &d->outscan,
					     .metrics_srv = &d->metrics.srv,
					     .control_srv = &d->control.srv,
					     .nr_blocked = d->policy.nr_blocked,
					     .nr_blocked_net = d->policy.nr_blocked_net,
					     .stats_fd = d->stats_fd,
					     .start_ns = mw_now_ns(),
					     .lag_ns = &d->lag_ns,
					     .heartbeat = &d->hb.rec };
	/* IPFIX and metrics are reports: the agent protects without them */
	if (d->cfg.ipfix[0]) {
		err = mw_agent_ipfix_init(&d->ipfix, env);
		if (err)
			pr_warn("cannot export IPFIX to %s: %s\n", d->cfg.ipfix, strerror(-err));
		else
			pr_info("exporting finished flows to the IPFIX collector %s\n",
				d->cfg.ipfix);
	}
	/* the fleet too: without the LAPI the host is protected all the same */
	err = mw_agent_crowdsec_init(&d->cs, env);
	if (err)
		pr_warn("cannot start the CrowdSec link: %s\n", strerror(-err));
	d->metrics.fd = -1;
	if (d->cfg.metrics[0]) {
		err = mw_metrics_open(&d->metrics, d->cfg.metrics);
		if (err)
			pr_warn("cannot serve metrics on %s: %s; metrics are off\n", d->cfg.metrics,
				strerror(-err));
		else
			pr_info("metrics on http://%s/metrics\n", d->cfg.metrics);
	}
	return 0;
}

/* Checks what a typo or a missing piece would break, before anything is
 * loaded or pinned. */
static int preflight(struct mw_daemon *d)
{
	char ifname[IF_NAMESIZE];
	unsigned i;
	int err;

	err = mw_loader_preflight();
	if (err)
		return err; /* said why */
	err = mw_pidlock_take(d->cfg.run_dir);
	if (err < 0)
		return err; /* said why */
	d->lockfd = err;
	err = mw_pinned_bpffs_ensure(d->cfg.pin_path);
	if (err)
		return failed(err, "mount bpffs on /sys/fs/bpf");
	if (mkdir(d->cfg.pin_path, 0700) && errno != EEXIST) {
		err = -errno;
		pr_warn("cannot create %s: %s\n", d->cfg.pin_path, strerror(-err));
		return err;
	}
	if (!d->cfg.n_interfaces) {
		if (mw_localaddr_default_iface(ifname)) {
			pr_warn("no interface given and no default route: use -i IFACE\n");
			return -ENODEV;
		}
		snprintf(d->cfg.interfaces[0], sizeof(d->cfg.interfaces[0]), "%s", ifname);
		d->cfg.n_interfaces = 1;
		pr_info("protecting %s, the interface of the default route\n", ifname);
	}
	for (i = 0; i < d->cfg.n_interfaces; i++) {
		if (!if_nametoindex(d->cfg.interfaces[i])) {
			pr_warn("%s: no such interface\n", d->cfg.interfaces[i]);
			return -ENODEV;
		}
	}
	return 0;
}

static int start(struct mw_daemon *d)
{
	struct mw_event_sink log_sink = { .flow_end = on_flow_end, .arg = d };
	unsigned i;
	int err;

	err = preflight(d);
	if (err)
		return err;
	/* mw_loader_* say why they fail */
	err = mw_loader_load(&d->loader, &d->cfg, d->cfg.pin_path);
	if (err)
		return err;
	d->stats_fd = mw_loader_map_fd(&d->loader, MW_MAP_STATS);
	mw_heartbeat_init(&d->hb, mw_loader_map_fd(&d->loader, MW_MAP_AGENT));
	err = mw_loader_set_internal(&d->loader, &d->cfg);
	if (err)
		return err;
	err = mw_localaddr_open(&d->local, mw_loader_map_fd(&d->loader, MW_MAP_LOCAL));
	if (!err)
		err = mw_localaddr_sync(&d->local);
	if (err < 0)
		return failed(err, "read the host's addresses");
	pr_debug("%d local addresses\n", err);

	err = mw_events_open(&d->events, mw_loader_map_fd(&d->loader, MW_MAP_EVENTS));
	if (!err)
		err = mw_events_add_peeks(&d->events, mw_loader_map_fd(&d->loader, MW_MAP_PEEKS));
	if (!err)
		err = mw_events_add_sink(&d->events, &log_sink);
	if (err)
		return failed(err, "open the event ring buffer");
	d->scan = (struct mw_flow_scan){ .flows_fd = mw_loader_map_fd(&d->loader, MW_MAP_FLOWS),
					 .watched_fd = mw_loader_map_fd(&d->loader, MW_MAP_WATCHED),
					 .events = &d->events };

	err = mw_bridges_init(&d->bridges, d->cfg.bridges);
	if (err)
		return err;
	for (i = 0; i < d->cfg.n_interfaces; i++) {
		/* a bridge or a bridge port given with -i: containers' ports */
		err = mw_bridges_claim(&d->bridges, d->cfg.interfaces[i]);
		if (!err)
			err = mw_loader_attach(&d->loader, d->cfg.interfaces[i], d->cfg.xdp_mode);
		if (err < 0)
			return err;
	}
	/* without the containers' view the host is protected all the same */
	mw_bridges_start(&d->bridges, &d->loader);
	mw_loader_attach_owner(&d->loader);
	err = start_policy(d);
	if (!err)
		err = start_detectors(d);
	if (err)
		return err;
	d->enforcing = true;
	if (d->cfg.dry_run)
		pr_info("dry run: blocks are decided and reported, never applied\n");
	mw_heartbeat_start(&d->hb, &d->loader, d->cfg.max_flows);
	err = setup_loop(d);
	if (err)
		return failed(err, "set up the event loop");
	return 0;
}

int main(int argc, char **argv)
{
	static struct mw_daemon d;
	int err;

	mw_log_prog = "minewalld";
	d.control.fd = -1;
	d.metrics.fd = -1;
	d.ipfix.x.fd = -1;
	d.eve.syslog_fd = -1;
	d.cs.done_fd = -1;
	err = mw_options_parse(&d.opts, argc, argv);
	if (err == MW_OPTIONS_ANSWERED)
		return 0;
	if (!err)
		err = mw_options_config(&d.opts, &d.cfg);
	if (err == -ENOEXEC || (err && d.opts.check_config))
		return 1; /* config errors were printed with file and line */
	if (err)
		return 2;
	if (d.opts.check_config) {
		printf("%s: configuration OK\n", d.opts.config_path);
		return 0;
	}
	if (d.opts.show_config) {
		mw_config_write(&d.cfg, stdout);
		return 0;
	}
	mw_log_setup_libbpf();
	if (*d.cfg.cs.url && mw_lapi_global_init())
		pr_warn("cannot initialise libcurl: the CrowdSec link will fail\n");
	/* nothing the agent writes (state, events, pins) is for other users */
	umask(027);
	mw_status_line_init(&d.status);

	err = start(&d);
	if (!err) {
		/* set-up done: keep only what the running agent needs */
		if (!mw_privs_drop())
			pr_debug("capabilities kept: CAP_BPF, CAP_NET_ADMIN, CAP_PERFMON\n");
		pr_info("running (pid %d); maps pinned under %s\n", getpid(), d.cfg.pin_path);
		err = run_loop(&d);
	}
	mw_daemon_teardown(&d);
	return err ? 1 : 0;
}
