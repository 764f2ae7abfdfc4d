/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * loader.h - open, configure and load the BPF object from its skeleton, pin
 * its maps, and attach XDP (ingress) and tc (egress) to interfaces, and tc
 * both ways to containers' bridge ports.
 */
#ifndef MW_AGENT_LOADER_H
#define MW_AGENT_LOADER_H

#include <stdbool.h>

#include "parse/config.h"
#include "minewall.h"

struct minewall_bpf;
struct bpf_link;

struct mw_attachment {
	char name[16];
	int ifindex;
	enum mw_xdp_mode xdp_mode;
	bool tc_attached;
};

struct mw_loader {
	struct minewall_bpf *skel;
	struct mw_attachment att[MW_MAX_IFACES];
	unsigned n_att;
	/* cgroup connect4/6, sendmsg4/6; egress: SSH servers' writers */
	struct bpf_link *owner_links[5];
};

/*
 * Opens and loads the programs with @cfg's knobs. @pin_path NULL loads
 * without pinning (tests); otherwise maps are pinned there, and pinned maps
 * of an earlier run are reused when their layout still matches.
 * Returns 0 or -errno after printing why.
 */
int mw_loader_load(struct mw_loader *l, const struct mw_config *cfg, const char *pin_path);
/* The same with another flow-table map type or flags (0: as built), so
 * that the benchmark can measure the alternatives side by side. */
int mw_loader_load_variant(struct mw_loader *l, const struct mw_config *cfg, const char *pin_path,
			   unsigned flows_type, unsigned flows_flags);
/* Attaches XDP and tc egress to @ifname. Returns 0 or -errno after printing why. */
int mw_loader_attach(struct mw_loader *l, const char *ifname, unsigned xdp_mode_cfg);
/* Checks every attachment; re-attaches where the program is gone (the link
 * went down and up, was re-created, or someone detached us). Returns how many
 * attachments were renewed. */
int mw_loader_heal(struct mw_loader *l, unsigned xdp_mode_cfg);
void mw_loader_detach_all(struct mw_loader *l);
/* Attaches the container-port programs (tc ingress: from the container,
 * tc egress: to it) to bridge port @ifindex. Returns 0 or -errno after
 * printing why; nothing stays attached on failure. */
int mw_loader_attach_port(struct mw_loader *l, int ifindex, const char *ifname);
/* Removes them (nothing to do when the port is gone). */
void mw_loader_detach_port(int ifindex);
/* Starts recording the process behind each socket that connects or sends
 * (the mw_owner map), from the cgroup v2 root. Returns 0 or -errno after
 * saying that attribution is off. */
int mw_loader_attach_owner(struct mw_loader *l);
void mw_loader_destroy(struct mw_loader *l);

int mw_loader_xdp_fd(const struct mw_loader *l);
int mw_loader_tc_fd(const struct mw_loader *l);
/* The map fds, by name (MW_MAP_*); -1 when there is no such map. */
int mw_loader_map_fd(const struct mw_loader *l, const char *name);

/* Fills mw_internal with the configured internal networks (replacing it). */
int mw_loader_set_internal(struct mw_loader *l, const struct mw_config *cfg);

/* Checks what the agent needs from the kernel and the process; prints a one
 * line reason on failure. Returns 0 or -errno. */
int mw_loader_preflight(void);

#endif
