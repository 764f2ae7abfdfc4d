/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * cgroup_path.h - the container behind a cgroup v2 path (what
 * /proc/PID/cgroup shows after "0::"), from the layouts the runtimes give
 * their cgroups: Docker, containerd, CRI-O and Podman, alone or under
 * Kubernetes' pod slices, with the systemd or the cgroupfs driver.
 */
#ifndef MW_PARSE_CGROUP_PATH_H
#define MW_PARSE_CGROUP_PATH_H

#include <stddef.h>

enum mw_ct_runtime {
	MW_CT_NONE = 0,
	MW_CT_DOCKER,
	MW_CT_CONTAINERD,
	MW_CT_CRIO,
	MW_CT_PODMAN,
};

/* Kubernetes' QoS class, from the slice the pod is in */
enum mw_ct_qos {
	MW_QOS_NONE = 0, /* not in a pod */
	MW_QOS_GUARANTEED,
	MW_QOS_BURSTABLE,
	MW_QOS_BESTEFFORT,
};

#define MW_CT_ID_LEN 64 /* lowercase hex digits */
#define MW_POD_UID_MAX 36 /* a UUID; static pods' are 32 hex digits */

struct mw_cgroup_ct {
	unsigned runtime; /* enum mw_ct_runtime */
	unsigned qos; /* enum mw_ct_qos */
	char id[MW_CT_ID_LEN + 1];
	char pod_uid[MW_POD_UID_MAX + 1]; /* with '-', as the API server writes it */
	size_t len; /* bytes of the path that name the container's own cgroup */
};

/*
 * Reads @path (@pathlen bytes, no NUL needed) into @ct. Returns 0 when it
 * is a container's cgroup or one below it, -ENOENT when not (the host, a
 * user session, an unknown layout).
 *
 * Only the outermost container counts, and only when every cgroup above it
 * is a systemd slice or one of the cgroupfs drivers' fixed parents: a
 * process with a delegated subtree (a container, a user's systemd) names
 * its own sub-cgroups, so a name found below a service, a scope or a
 * container could be a forgery.
 */
int mw_cgroup_path_parse(const char *path, size_t pathlen, struct mw_cgroup_ct *ct);

/* "docker", "containerd", "cri-o", "podman", or "" for MW_CT_NONE */
const char *mw_ct_runtime_name(unsigned runtime);

#endif
