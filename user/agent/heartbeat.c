// SPDX-License-Identifier: GPL-2.0-only
/*
 * The agent's heartbeat. The record is written whole each time: the map is
 * an array of one, read by the CLI at any moment.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "agent/heartbeat.h"
#include "lib/log.h"
#include "lib/util.h"

static void write_record(struct mw_heartbeat *hb)
{
	__u32 zero = 0;

	if (bpf_map_update_elem(hb->fd, &zero, &hb->rec, 0))
		pr_debug("cannot update the heartbeat: %s\n", strerror(errno));
}

void mw_heartbeat_attachments(struct mw_heartbeat *hb, const struct mw_loader *l)
{
	struct mw_agent *r = &hb->rec;
	unsigned i;

	r->n_ifaces = l->n_att;
	memset(r->ifaces, 0, sizeof(r->ifaces));
	for (i = 0; i < l->n_att; i++) {
		r->ifaces[i].ifindex = l->att[i].ifindex;
		r->ifaces[i].xdp_mode = l->att[i].xdp_mode;
		memcpy(r->ifaces[i].name, l->att[i].name, sizeof(r->ifaces[i].name));
	}
}

void mw_heartbeat_init(struct mw_heartbeat *hb, int agent_fd)
{
	*hb = (struct mw_heartbeat){ .fd = agent_fd };
}

void mw_heartbeat_start(struct mw_heartbeat *hb, const struct mw_loader *l, uint64_t flows_max)
{
	hb->rec.pid = getpid();
	hb->rec.start_ns = mw_now_ns();
	hb->rec.flows_max = flows_max;
	mw_heartbeat_attachments(hb, l);
	mw_heartbeat_beat(hb, hb->rec.start_ns);
}

void mw_heartbeat_beat(struct mw_heartbeat *hb, uint64_t now_ns)
{
	hb->rec.heartbeat_ns = now_ns;
	write_record(hb);
}

void mw_heartbeat_stop(struct mw_heartbeat *hb)
{
	hb->rec.pid = 0;
	hb->rec.n_ifaces = 0;
	write_record(hb);
}
