// SPDX-License-Identifier: GPL-2.0-only
/*
 * SIGHUP: the configuration read again and handed to every module. The
 * modules keep a pointer to the running configuration, so it is replaced in
 * place, after the checks.
 */
#include <errno.h>
#include <string.h>

#include "agent/daemon.h"
#include "agent/process.h"
#include "lib/log.h"

static bool crowdsec_same(const struct mw_crowdsec_cfg *a, const struct mw_crowdsec_cfg *b)
{
	return !strcmp(a->url, b->url) && !strcmp(a->machine_id, b->machine_id) &&
	       !strcmp(a->password, b->password) && !strcmp(a->password_file, b->password_file) &&
	       !strcmp(a->bouncer_key, b->bouncer_key) &&
	       !strcmp(a->bouncer_key_file, b->bouncer_key_file) && a->push == b->push &&
	       a->pull == b->pull && a->pull_interval_ms == b->pull_interval_ms &&
	       a->scopes == b->scopes && !strcmp(a->tls_ca, b->tls_ca) &&
	       !strcmp(a->tls_cert, b->tls_cert) && !strcmp(a->tls_key, b->tls_key) &&
	       a->queue_max == b->queue_max;
}

/* What only a restart changes (the flow table, the pins, the files). */
static void keep_restart_only(struct mw_config *next, const struct mw_config *cur)
{
	if (next->max_flows != cur->max_flows || next->peek_bytes != cur->peek_bytes ||
	    next->peek_packets != cur->peek_packets || next->xdp_mode != cur->xdp_mode ||
	    strcmp(next->pin_path, cur->pin_path) || strcmp(next->state_dir, cur->state_dir) ||
	    strcmp(next->run_dir, cur->run_dir) || strcmp(next->events_file, cur->events_file))
		pr_warn("reload: flow table size, peek settings, XDP mode, pin path, run and state directories and the events file change only on restart\n");
	memcpy(next->interfaces, cur->interfaces, sizeof(next->interfaces));
	next->n_interfaces = cur->n_interfaces;
	next->xdp_mode = cur->xdp_mode;
	next->max_flows = cur->max_flows;
	next->peek_packets = cur->peek_packets;
	next->peek_bytes = cur->peek_bytes;
	memcpy(next->pin_path, cur->pin_path, sizeof(next->pin_path));
	memcpy(next->run_dir, cur->run_dir, sizeof(next->run_dir));
	memcpy(next->state_dir, cur->state_dir, sizeof(next->state_dir));
	memcpy(next->events_file, cur->events_file, sizeof(next->events_file));
	/* the fleet's thread reads these while it talks to the LAPI */
	if (!crowdsec_same(&next->cs, &cur->cs))
		pr_warn("reload: [crowdsec] changes only on restart\n");
	next->cs = cur->cs;
	if (strcmp(next->bridges, cur->bridges))
		pr_warn("reload: [network] bridges changes only on restart\n");
	memcpy(next->bridges, cur->bridges, sizeof(next->bridges));
}

void mw_daemon_reload(struct mw_daemon *d)
{
	struct mw_config next;
	int err;

	err = mw_options_config(&d->opts, &next);
	if (err == -ENOEXEC) {
		pr_warn("reload: %s has errors; keeping the running configuration\n",
			d->opts.config_path);
		return;
	}
	if (err)
		return; /* the option's value was reported */
	keep_restart_only(&next, &d->cfg);
	d->cfg = next;
	/* the runtimes' state roots may have moved */
	mw_process_containers_setup(&d->cfg);

	mw_loader_set_internal(&d->loader, &d->cfg);
	d->hook.timeout_ms = d->cfg.hook_timeout_ms;
	mw_eve_set_format(&d->eve, d->cfg.eve_format);
	if (d->enforcing) {
		mw_agent_dict_ports(&d->cfg, mw_loader_map_fd(&d->loader, MW_MAP_SVC));
		mw_allow_set_config(&d->allow, &d->cfg);
		mw_policy_sync_allow(&d->policy);
		d->policy.cap_warned = false;
		mw_agent_blacklist_reload(&d->bl);
		mw_agent_bpatterns_reload(&d->bp);
		mw_agent_dirnet_reload(&d->dirnet);
		mw_agent_outscan_reload(&d->outscan);
	}
	pr_info("reloaded %s\n", d->opts.config_path);
}
