// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>
#include <linux/magic.h>

#include <bpf/bpf.h>

#include "lib/pinned.h"

#define BPFFS_ROOT "/sys/fs/bpf"

int mw_pinned_bpffs_ensure(const char *pin_path)
{
	struct statfs st;

	if (strncmp(pin_path, BPFFS_ROOT "/", strlen(BPFFS_ROOT) + 1))
		return 0; /* the operator chose another place: theirs to mount */
	if (statfs(BPFFS_ROOT, &st) == 0 && st.f_type == BPF_FS_MAGIC)
		return 0;
	if (mkdir(BPFFS_ROOT, 0700) && errno != EEXIST)
		return -errno;
	if (mount("bpf", BPFFS_ROOT, "bpf", 0, "mode=0700"))
		return -errno;
	return 0;
}

int mw_pinned_open(const char *pin_path, const char *name)
{
	char path[PATH_MAX];
	int fd;

	if (snprintf(path, sizeof(path), "%s/%s", pin_path, name) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	fd = bpf_obj_get(path);
	return fd < 0 ? -errno : fd;
}

int mw_pinned_agent_read(const char *pin_path, struct mw_agent *agent)
{
	__u32 zero = 0;
	int fd, ret = 0;

	fd = mw_pinned_open(pin_path, MW_MAP_AGENT);
	if (fd < 0)
		return fd;
	if (bpf_map_lookup_elem(fd, &zero, agent))
		ret = -errno;
	close(fd);
	return ret;
}

bool mw_pinned_agent_alive(const struct mw_agent *agent)
{
	if (!agent->pid)
		return false;
	return kill((pid_t)agent->pid, 0) == 0 || errno == EPERM;
}

const char *mw_pinned_xdp_mode_name(unsigned mode)
{
	switch (mode) {
	case MW_XDP_NATIVE:
		return "native";
	case MW_XDP_GENERIC:
		return "generic";
	}
	return "none";
}
