// SPDX-License-Identifier: GPL-2.0-only
/*
 * The agent's end: in the reverse order of start-up, and safe after a
 * start-up that failed half way (every release checks what was set up).
 */
#include <unistd.h>

#include "agent/daemon.h"
#include "agent/process.h"
#include "lib/log.h"

static void close_fd(int fd)
{
	if (fd > 0)
		close(fd);
}

void mw_daemon_teardown(struct mw_daemon *d)
{
	/* the fleet's thread first: it ends its request, the queue is saved */
	mw_agent_crowdsec_free(&d->cs);
	if (d->enforcing) {
		if (d->cfg.flush_on_exit) {
			pr_info("flushing %zu blocks (flush_on_exit)\n",
				mw_policy_active(&d->policy));
			mw_policy_flush(&d->policy);
		}
		mw_policy_save(&d->policy);
	}
	mw_control_socket_close(&d->control);
	mw_metrics_close(&d->metrics);
	mw_agent_ipfix_free(&d->ipfix);
	mw_eve_close(&d->eve);
	mw_agent_dict_free(&d->detect);
	mw_agent_blacklist_free(&d->bl);
	mw_agent_bpatterns_free(&d->bp);
	if (d->dirnet.cfg)
		mw_agent_dirnet_free(&d->dirnet);
	mw_agent_tls_hello_stop(&d->hello);
	mw_agent_proxy_free(&d->proxy);
	mw_agent_outscan_free(&d->outscan);
	mw_process_containers_teardown();
	mw_nat_view_fini(&d->nat);
	mw_policy_free(&d->policy);
	mw_allow_free(&d->allow);
	mw_nft_close(&d->nft);
	if (d->loader.skel) {
		mw_bridges_close(&d->bridges);
		mw_loader_detach_all(&d->loader);
		mw_heartbeat_stop(&d->hb); /* `minewall status`: nobody runs */
	}
	mw_events_close(&d->events);
	mw_localaddr_close(&d->local);
	mw_loader_destroy(&d->loader);
	close_fd(d->epfd);
	close_fd(d->sigfd);
	close_fd(d->timerfd);
	close_fd(d->lockfd);
}
