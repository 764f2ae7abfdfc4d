/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * container.h - the container behind a cgroup: its runtime and id from the
 * cgroup's path (parse/cgroup_path.h), its name, image and pod from the
 * state the runtime keeps on disk (never a daemon's socket), cached per
 * cgroup id. Used by the agent (every process it names) and the CLI.
 */
#ifndef MW_LIB_CONTAINER_H
#define MW_LIB_CONTAINER_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "parse/cgroup_path.h"
#include "parse/config.h"

/*
 * Every string is safe to print and to put into JSON (the names come from
 * whoever ran the container, labels from its image): invalid UTF-8 becomes
 * U+FFFD, control characters \xHH. Empty when unknown.
 */
struct mw_container {
	char id[MW_CT_ID_LEN + 1];
	char runtime[16]; /* "docker", "containerd", "cri-o", "podman" */
	char name[256];
	char image[256];
	char pod[256];
	char pod_uid[MW_POD_UID_MAX + 1];
	char namespace[256]; /* Kubernetes', or a plain containerd's own */
	char cgroup[512]; /* the container's cgroup below the v2 root */
};

struct mw_container_cache;

/* A cache reading the runtimes' state below @cfg's [containers] roots
 * (copied). NULL when out of memory. */
struct mw_container_cache *mw_container_cache_new(const struct mw_config *cfg);
void mw_container_cache_free(struct mw_container_cache *c);
/* How long a container whose name could not be read is kept before its
 * state is read again (its files appear just after its cgroup); 5 s unless
 * set. */
void mw_container_cache_set_retry(struct mw_container_cache *c, unsigned seconds);

/*
 * Fills @out with the container behind the cgroup @cgroup_id. @path is the
 * cgroup's path below the v2 root (/proc/PID/cgroup after "0::") when
 * known; NULL makes the cache find it from the id alone (at once with
 * CAP_DAC_READ_SEARCH, else by a search of the hierarchy). The kernel's
 * answer for the id is preferred to @path when it can be had. Returns 0, -ENOENT when the cgroup is no
 * container's (the host, an unknown layout: the path alone tells), or
 * -errno when the id cannot be resolved. A state file that cannot be read
 * is warned about once per container, which is still reported with its id
 * and runtime.
 */
int mw_container_lookup(struct mw_container_cache *c, uint64_t cgroup_id, const char *path,
			struct mw_container *out);

/* {"id", "runtime", "name", "image", "pod", "namespace", "cgroup"}: the
 * empty ones left out but id and runtime */
json_t *mw_container_json(const struct mw_container *ct);

/* The reverse, for a reader of events (minewall events --container): @ct
 * from such an object, its strings made safe. Returns 0, or -EINVAL when
 * @o is no object or has no "id". */
int mw_container_from_json(const json_t *o, struct mw_container *ct);

/* The container an event's @detail names: its own (a container block's)
 * or its process's; NULL when none (or no id). */
static inline json_t *mw_container_of_detail(json_t *detail)
{
	json_t *c = json_object_get(detail, "container");

	if (!c)
		c = json_object_get(json_object_get(detail, "process"), "container");
	return json_is_object(c) && json_is_string(json_object_get(c, "id")) ? c : NULL;
}

/*
 * Whether @ct is the container @id_or_name designates (--container): its
 * name exactly, its pod's name as "NAMESPACE/POD" or "POD", or a prefix of
 * its id of at least 12 lowercase hex digits (what `docker ps` shows).
 */
bool mw_container_matches(const struct mw_container *ct, const char *id_or_name);

/*
 * The cgroup v2 mount point from /proc/self/mountinfo into @buf. Returns 0
 * or -ENOENT.
 */
int mw_cgroup2_mount(char *buf, size_t len);
/*
 * The path below the v2 root (starting with '/') of the cgroup whose id is
 * @cgroup_id, under the v2 mount @mnt, without a pid: open_by_handle_at()
 * with the kernfs handle of the id, then the link in /proc/self/fd. Returns
 * 0 or -errno (-ESTALE: no such cgroup, -EPERM: no CAP_DAC_READ_SEARCH).
 */
int mw_cgroup_id_path(const char *mnt, uint64_t cgroup_id, char *buf, size_t len);
/*
 * The same by a search of the hierarchy under @mnt (no privilege needed;
 * as many directory reads as there are cgroups, at most 32 deep and 16384
 * in all: a search runs in the agent's main loop). Returns 0 or -ENOENT.
 */
int mw_cgroup_find_id(const char *mnt, uint64_t cgroup_id, char *buf, size_t len);
/* The same reading at most @max_dirs directories below @mnt. */
int mw_cgroup_find_id_max(const char *mnt, uint64_t cgroup_id, char *buf, size_t len,
			  unsigned max_dirs);

#endif
