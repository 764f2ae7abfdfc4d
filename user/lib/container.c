// SPDX-License-Identifier: GPL-2.0-only
/*
 * container.c - the container behind a cgroup id: runtime and id from the
 * cgroup's path, names from the runtimes' state files:
 *   Docker      DOCKER_ROOT/containers/<id>/config.v2.json
 *   containerd  CONTAINERD_ROOT/io.containerd.runtime.v2.task/<ns>/<id>/config.json
 *   CRI-O       STORAGE_{RUN,ROOT}/overlay-containers/<id>/userdata/config.json
 *   Podman      the same, and STORAGE_ROOT/overlay-containers/containers.json
 *               ("vfs-" ... where the store uses the vfs driver)
 * Those files are another program's and are read as outside input: capped
 * in size, any JSON accepted without a crash, a bad one named in a warning.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "lib/container.h"
#include "lib/log.h"
#include "lib/util.h"

#define CT_FILE_MAX (1u << 20) /* one container's state file */
#define CT_LIST_MAX (8u << 20) /* a store's list of every container or image */
#define CT_SETS 256 /* the cache: sets of CT_WAYS entries, LRU in each */
#define CT_WAYS 4
#define CT_RETRY_S 5
#define FILEID_KERNFS 0xfe /* the kernel's file handle type for a cgroup */

struct ct_entry {
	uint64_t cgroup_id;
	uint64_t used; /* the cache's tick at the last lookup; 0: a free slot */
	uint64_t read_ns; /* when the state was last read */
	int status; /* 0: a container, -ENOENT: none */
	bool warned; /* a bad state file was reported once */
	struct mw_container ct;
};

struct mw_container_cache {
	char docker_root[PATH_MAX];
	char containerd_root[PATH_MAX];
	char storage_root[PATH_MAX];
	char storage_run[PATH_MAX];
	char mnt[PATH_MAX]; /* the cgroup v2 mount, once found */
	int mnt_status; /* 1: not looked for yet, 0: found, -errno: none */
	bool resolve_denied; /* open_by_handle_at() said EPERM once */
	unsigned retry_s;
	uint64_t tick;
	struct ct_entry e[CT_SETS][CT_WAYS];
};

struct mw_container_cache *mw_container_cache_new(const struct mw_config *cfg)
{
	struct mw_container_cache *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	snprintf(c->docker_root, sizeof(c->docker_root), "%s", cfg->ct_docker_root);
	snprintf(c->containerd_root, sizeof(c->containerd_root), "%s", cfg->ct_containerd_root);
	snprintf(c->storage_root, sizeof(c->storage_root), "%s", cfg->ct_storage_root);
	snprintf(c->storage_run, sizeof(c->storage_run), "%s", cfg->ct_storage_run);
	c->mnt_status = 1;
	c->retry_s = CT_RETRY_S;
	return c;
}

void mw_container_cache_free(struct mw_container_cache *c)
{
	free(c);
}

void mw_container_cache_set_retry(struct mw_container_cache *c, unsigned seconds)
{
	c->retry_s = seconds;
}

/* ---- the runtimes' state files ---- */

/*
 * Reads the JSON file @path of at most @cap bytes. NULL when it is absent
 * (quietly: the runtime may not run here, or not have written it yet) or
 * bad (with a warning naming the file, once per container: *@warned).
 */
static json_t *read_json(const char *path, size_t cap, const char *id, bool *warned)
{
	json_error_t jerr;
	json_t *doc = NULL;
	struct stat st;
	char *buf = NULL;
	const char *why = NULL;
	char msg[256];
	ssize_t n;
	size_t got = 0;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd < 0) {
		if (errno != ENOENT && errno != ENOTDIR)
			why = strerror(errno);
		goto out;
	}
	if (fstat(fd, &st)) {
		why = strerror(errno);
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		why = "not a regular file";
		goto out;
	}
	if ((uint64_t)st.st_size > cap) {
		snprintf(msg, sizeof(msg), "larger than %zu KiB", cap >> 10);
		why = msg;
		goto out;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		why = strerror(ENOMEM);
		goto out;
	}
	/* the file may grow while read: never past its size at fstat() */
	while (got < (size_t)st.st_size) {
		n = read(fd, buf + got, (size_t)st.st_size - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			why = strerror(errno);
			goto out;
		}
		if (!n)
			break;
		got += (size_t)n;
	}
	doc = json_loadb(buf, got, JSON_REJECT_DUPLICATES, &jerr);
	if (!doc) {
		snprintf(msg, sizeof(msg), "line %d: %s", jerr.line, jerr.text);
		why = msg;
	} else if (!json_is_object(doc) && !json_is_array(doc)) {
		json_decref(doc);
		doc = NULL;
		why = "neither an object nor an array";
	}
out:
	if (why && !*warned) {
		pr_warn("container %.12s: %s: %s; reported with its id alone\n", id, path, why);
		*warned = true;
	}
	free(buf);
	if (fd >= 0)
		close(fd);
	return doc;
}

/* The string at @obj[@key] (@obj may be NULL or not an object), or NULL */
static const char *jstr(const json_t *obj, const char *key)
{
	return json_string_value(json_object_get(obj, key));
}

/* Copies the string @s (NULL: nothing) made safe into @dst when any */
static void put(char *dst, size_t len, const char *s)
{
	if (s && *s)
		mw_sanitize_str(dst, len, s);
}

/*
 * Whether the Kubernetes names in @kv (labels or annotations) may be
 * believed: only for a container the cgroup puts in a pod, and only when
 * they name that pod's uid under @uid_key. An image's own labels end up
 * among a Docker container's and may claim any pod.
 */
static bool pod_trusted(const struct mw_container *ct, const json_t *kv, const char *uid_key)
{
	const char *uid = jstr(kv, uid_key);

	return ct->pod_uid[0] && uid && !strcmp(uid, ct->pod_uid);
}

static int docker_state(struct mw_container_cache *c, struct ct_entry *e)
{
	struct mw_container *ct = &e->ct;
	char path[PATH_MAX + 128];
	const json_t *config, *labels;
	const char *name;
	json_t *doc;

	if ((size_t)snprintf(path, sizeof(path), "%s/containers/%s/config.v2.json", c->docker_root,
			     ct->id) >= sizeof(path))
		return -ENAMETOOLONG;
	doc = read_json(path, CT_FILE_MAX, ct->id, &e->warned);
	if (!doc)
		return -ENOENT;
	config = json_object_get(doc, "Config");
	labels = json_object_get(config, "Labels");
	name = jstr(doc, "Name");
	if (name && name[0] == '/')
		name++;
	put(ct->name, sizeof(ct->name), name);
	put(ct->image, sizeof(ct->image), jstr(config, "Image"));
	if (pod_trusted(ct, labels, "io.kubernetes.pod.uid")) {
		/* kubelet's name for it, not the k8s_..._0 Docker was given */
		put(ct->name, sizeof(ct->name), jstr(labels, "io.kubernetes.container.name"));
		put(ct->pod, sizeof(ct->pod), jstr(labels, "io.kubernetes.pod.name"));
		put(ct->namespace, sizeof(ct->namespace),
		    jstr(labels, "io.kubernetes.pod.namespace"));
	}
	json_decref(doc);
	return 0;
}

/* containerd keeps a task's OCI bundle under its namespace's directory,
 * which the cgroup does not name: each namespace is tried. */
static int containerd_state(struct mw_container_cache *c, struct ct_entry *e)
{
	struct mw_container *ct = &e->ct;
	char dir[PATH_MAX + 64], path[PATH_MAX + 512], ns[256] = "";
	const json_t *ann;
	struct dirent *d;
	struct stat st;
	json_t *doc;
	DIR *tasks;

	if ((size_t)snprintf(dir, sizeof(dir), "%s/io.containerd.runtime.v2.task",
			     c->containerd_root) >= sizeof(dir))
		return -ENAMETOOLONG;
	tasks = opendir(dir);
	if (!tasks)
		return -ENOENT;
	while ((d = readdir(tasks))) {
		if (d->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s/%s/config.json", dir, d->d_name, ct->id);
		if (!lstat(path, &st)) {
			snprintf(ns, sizeof(ns), "%s", d->d_name);
			break;
		}
	}
	closedir(tasks);
	if (!ns[0])
		return -ENOENT;
	doc = read_json(path, CT_FILE_MAX, ct->id, &e->warned);
	if (!doc)
		return -ENOENT;
	ann = json_object_get(doc, "annotations");
	put(ct->name, sizeof(ct->name), jstr(ann, "io.kubernetes.cri.container-name"));
	put(ct->image, sizeof(ct->image), jstr(ann, "io.kubernetes.cri.image-name"));
	if (pod_trusted(ct, ann, "io.kubernetes.cri.sandbox-uid")) {
		put(ct->pod, sizeof(ct->pod), jstr(ann, "io.kubernetes.cri.sandbox-name"));
		put(ct->namespace, sizeof(ct->namespace),
		    jstr(ann, "io.kubernetes.cri.sandbox-namespace"));
	}
	/* a plain containerd container (ctr, nerdctl...): its namespace,
	 * and the id's short form as `ctr` and `docker` show it */
	if (!ct->name[0])
		snprintf(ct->name, sizeof(ct->name), "%.12s", ct->id);
	if (!ct->namespace[0])
		mw_sanitize_str(ct->namespace, sizeof(ct->namespace), ns);
	json_decref(doc);
	return 0;
}

/* In the store's list @path (a JSON array of {"id", "names", "image"}),
 * the entry of @id: its names[0] into @name, its "image" into @image
 * (either NULL when not wanted). */
static void store_entry(const char *path, const char *id, struct ct_entry *e, char *name,
			size_t name_len, char *image, size_t image_len)
{
	json_t *doc = read_json(path, CT_LIST_MAX, e->ct.id, &e->warned);
	const json_t *it;
	size_t i;

	json_array_foreach(doc, i, it)
	{
		const char *eid = jstr(it, "id");

		if (!eid || strcmp(eid, id))
			continue;
		if (name)
			put(name, name_len,
			    json_string_value(json_array_get(json_object_get(it, "names"), 0)));
		if (image)
			put(image, image_len, jstr(it, "image"));
		break;
	}
	json_decref(doc);
}

/* The storage driver a store uses names its directories ("overlay" by
 * default; "vfs" where overlay does not work): the one whose containers.json
 * exists, overlay when none does. */
static const char *storage_driver(const char *root)
{
	static const char *const drivers[] = { "overlay", "vfs", "btrfs", "zfs" };
	char path[PATH_MAX + 64];
	size_t i;

	for (i = 0; i < sizeof(drivers) / sizeof(drivers[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s-containers/containers.json", root, drivers[i]);
		if (!access(path, F_OK))
			return drivers[i];
	}
	return drivers[0];
}

/* CRI-O and Podman share containers/storage: the OCI config in the
 * container's userdata (the runtime copy first), then the store's lists,
 * which hold Podman's names and its images'. */
static int storage_state(struct mw_container_cache *c, struct ct_entry *e)
{
	struct mw_container *ct = &e->ct;
	const char *roots[] = { c->storage_run, c->storage_root };
	const char *driver = storage_driver(c->storage_root);
	char path[PATH_MAX + 128], image_id[128] = "";
	const json_t *ann;
	json_t *doc = NULL;
	size_t i;

	for (i = 0; i < 2 && !doc; i++) {
		if ((size_t)snprintf(path, sizeof(path), "%s/%s-containers/%s/userdata/config.json",
				     roots[i], driver, ct->id) >= sizeof(path))
			continue;
		doc = read_json(path, CT_FILE_MAX, ct->id, &e->warned);
	}
	ann = json_object_get(doc, "annotations");
	if (pod_trusted(ct, ann, "io.kubernetes.pod.uid")) {
		put(ct->name, sizeof(ct->name), jstr(ann, "io.kubernetes.container.name"));
		put(ct->pod, sizeof(ct->pod), jstr(ann, "io.kubernetes.pod.name"));
		put(ct->namespace, sizeof(ct->namespace), jstr(ann, "io.kubernetes.pod.namespace"));
	}
	put(ct->image, sizeof(ct->image), jstr(ann, "io.kubernetes.cri-o.ImageName"));
	json_decref(doc);
	if (ct->name[0] && ct->image[0])
		return 0;
	snprintf(path, sizeof(path), "%s/%s-containers/containers.json", c->storage_root, driver);
	store_entry(path, ct->id, e, ct->name[0] ? NULL : ct->name, sizeof(ct->name),
		    ct->image[0] ? NULL : image_id, sizeof(image_id));
	if (image_id[0]) {
		snprintf(path, sizeof(path), "%s/%s-images/images.json", c->storage_root, driver);
		store_entry(path, image_id, e, ct->image, sizeof(ct->image), NULL, 0);
		if (!ct->image[0])
			snprintf(ct->image, sizeof(ct->image), "%s", image_id);
	}
	return ct->name[0] ? 0 : -ENOENT;
}

/* Reads the container's names from its runtime's state into @e->ct */
static void read_state(struct mw_container_cache *c, struct ct_entry *e, unsigned runtime)
{
	struct mw_container *ct = &e->ct;

	ct->name[0] = ct->image[0] = ct->pod[0] = ct->namespace[0] = '\0';
	switch (runtime) {
	case MW_CT_DOCKER:
		docker_state(c, e);
		break;
	case MW_CT_CONTAINERD:
		/* the cgroupfs layout of a pod does not say which runtime:
		 * cri-dockerd's containers are Docker's */
		if (containerd_state(c, e) && !docker_state(c, e))
			snprintf(ct->runtime, sizeof(ct->runtime), "%s",
				 mw_ct_runtime_name(MW_CT_DOCKER));
		break;
	case MW_CT_CRIO:
	case MW_CT_PODMAN:
		storage_state(c, e);
		break;
	}
	e->read_ns = mw_now_ns();
}

/* ---- from a cgroup id to its path ---- */

/* Undoes the octal escapes (\040 for a space...) of a mountinfo field */
static void unescape(char *s)
{
	char *o = s;

	for (; *s; s++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' &&
		    s[3] >= '0' && s[3] <= '7') {
			*o++ = (char)((s[1] - '0') << 6 | (s[2] - '0') << 3 | (s[3] - '0'));
			s += 3;
		} else {
			*o++ = *s;
		}
	}
	*o = '\0';
}

int mw_cgroup2_mount(char *buf, size_t len)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	char line[4096], root[PATH_MAX], mnt[PATH_MAX], type[64];
	int ret = -ENOENT;
	const char *sep;

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		/* ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS [TAGS...] - TYPE SOURCE SUPEROPTS */
		sep = strstr(line, " - ");
		if (!sep || sscanf(line, "%*s %*s %*s %4095s %4095s", root, mnt) != 2 ||
		    sscanf(sep + 3, "%63s", type) != 1)
			continue;
		/* a mount of a sub-tree would give paths relative to it */
		if (strcmp(type, "cgroup2") || strcmp(root, "/"))
			continue;
		unescape(mnt);
		if ((size_t)snprintf(buf, len, "%s", mnt) < len)
			ret = 0;
		break;
	}
	fclose(f);
	return ret;
}

int mw_cgroup_id_path(const char *mnt, uint64_t cgroup_id, char *buf, size_t len)
{
	union {
		struct file_handle fh;
		char space[sizeof(struct file_handle) + sizeof(uint64_t)];
	} h;
	static const char deleted[] = " (deleted)";
	char link[PATH_MAX + 32], target[PATH_MAX];
	size_t mlen = strlen(mnt);
	int mfd, fd, ret = 0;
	ssize_t n;

	/* kernfs' handle of a cgroup: its 64-bit id, which is its inode */
	h.fh.handle_bytes = sizeof(uint64_t);
	h.fh.handle_type = FILEID_KERNFS;
	memcpy(h.fh.f_handle, &cgroup_id, sizeof(cgroup_id));
	mfd = open(mnt, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (mfd < 0)
		return -errno;
	fd = open_by_handle_at(mfd, &h.fh, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		close(mfd);
		return ret;
	}
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, target, sizeof(target) - 1);
	if (n < 0)
		ret = -errno;
	close(fd);
	close(mfd);
	if (ret)
		return ret;
	target[n] = '\0';
	/* a cgroup removed since its process connected: still the path it had */
	if ((size_t)n > sizeof(deleted) - 1 && !strcmp(target + n - (sizeof(deleted) - 1), deleted))
		target[n - (sizeof(deleted) - 1)] = '\0';
	while (mlen > 1 && mnt[mlen - 1] == '/')
		mlen--;
	if (strncmp(target, mnt, mlen) || (target[mlen] && target[mlen] != '/'))
		return -EXDEV; /* not below that mount */
	if ((size_t)snprintf(buf, len, "%s", target[mlen] ? target + mlen : "/") >= len)
		return -ENAMETOOLONG;
	return 0;
}

#define CG_WALK_DEPTH 32
/* Cgroups one search reads at most (~12 us each: ~0.2 s): it runs in the
 * agent's main loop, and a container with a writable cgroup tree (systemd
 * inside, privileged) may make as many as the kernel allows. */
#define CG_WALK_MAX 16384

/* Below the directory @dfd (closed here), whose path is @buf[0..@off), the
 * cgroup whose inode is @id: kernfs gives each entry's inode in readdir,
 * so no stat() is needed. *@budget: directories still to be read. */
static int walk_id(int dfd, uint64_t id, char *buf, size_t len, size_t off, unsigned depth,
		   unsigned *budget)
{
	DIR *d = fdopendir(dfd);
	struct dirent *e;
	int ret = -ENOENT, sub;
	size_t n;

	if (!d) {
		close(dfd);
		return -errno;
	}
	while (ret && (e = readdir(d))) {
		if (e->d_type != DT_DIR || !strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		n = strlen(e->d_name);
		if (off + 1 + n >= len)
			continue;
		buf[off] = '/';
		memcpy(buf + off + 1, e->d_name, n + 1);
		if (e->d_ino == id) {
			ret = 0;
			break;
		}
		if (depth >= CG_WALK_DEPTH || !*budget)
			continue;
		--*budget;
		sub = openat(dirfd(d), e->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
		if (sub >= 0)
			ret = walk_id(sub, id, buf, len, off + 1 + n, depth + 1, budget);
	}
	closedir(d);
	if (ret)
		buf[off] = '\0';
	return ret;
}

int mw_cgroup_find_id_max(const char *mnt, uint64_t cgroup_id, char *buf, size_t len,
			  unsigned max_dirs)
{
	int fd = open(mnt, O_RDONLY | O_DIRECTORY | O_CLOEXEC), ret;
	unsigned budget = max_dirs;
	struct stat st;

	if (fd < 0)
		return -errno;
	if (len < 2) {
		close(fd);
		return -ENAMETOOLONG;
	}
	if (!fstat(fd, &st) && st.st_ino == cgroup_id) {
		close(fd);
		snprintf(buf, len, "/");
		return 0;
	}
	buf[0] = '\0';
	ret = walk_id(fd, cgroup_id, buf, len, 0, 0, &budget);
	if (ret && !budget)
		pr_debug("cgroup %llu not among the first %u cgroups of %s\n",
			 (unsigned long long)cgroup_id, max_dirs, mnt);
	return ret;
}

int mw_cgroup_find_id(const char *mnt, uint64_t cgroup_id, char *buf, size_t len)
{
	return mw_cgroup_find_id_max(mnt, cgroup_id, buf, len, CG_WALK_MAX);
}

/* ---- the cache ---- */

static struct ct_entry *cache_find(struct mw_container_cache *c, uint64_t cgroup_id, bool *hit)
{
	/* ids are inode numbers, handed out in sequence: mix them */
	struct ct_entry *set = c->e[(cgroup_id * 0x9e3779b97f4a7c15ULL) >> 56];
	struct ct_entry *lru = &set[0];
	unsigned i;

	for (i = 0; i < CT_WAYS; i++) {
		if (set[i].used && set[i].cgroup_id == cgroup_id) {
			*hit = true;
			return &set[i];
		}
		if (set[i].used < lru->used)
			lru = &set[i];
	}
	*hit = false;
	return lru;
}

/* Whether the cgroup at @path (a pid's /proc entry) is @cgroup_id's, when
 * the kernel would not say (no CAP_DAC_READ_SEARCH, as the agent runs): the
 * pid may have moved or been reused since it connected. Otherwise (the
 * cgroup is gone, or no mount is known) the path is believed. */
static bool path_is_id(const struct mw_container_cache *c, const char *path, uint64_t cgroup_id)
{
	char full[PATH_MAX * 2];
	struct stat st;

	if (c->mnt_status || !c->resolve_denied)
		return true;
	if ((size_t)snprintf(full, sizeof(full), "%s%s", c->mnt, path) >= sizeof(full))
		return false;
	return !stat(full, &st) && S_ISDIR(st.st_mode) && st.st_ino == cgroup_id;
}

/*
 * The cgroup's path: the kernel's answer for the id first, as a pid's
 * /proc entry may describe where the process moved to since it connected
 * (or, the pid reused, another process); without CAP_DAC_READ_SEARCH,
 * @path, or else a search of the hierarchy for the id.
 */
static int cgroup_path(struct mw_container_cache *c, uint64_t cgroup_id, const char *path,
		       char *buf, size_t len)
{
	int ret = -ENOENT;

	if (c->mnt_status == 1)
		c->mnt_status = mw_cgroup2_mount(c->mnt, sizeof(c->mnt));
	if (!c->mnt_status && !c->resolve_denied) {
		ret = mw_cgroup_id_path(c->mnt, cgroup_id, buf, len);
		if (ret == -EPERM) {
			pr_debug("no CAP_DAC_READ_SEARCH: cgroup ids are found by their processes' "
				 "/proc entries, or by a search of %s\n",
				 c->mnt);
			c->resolve_denied = true;
		}
	}
	if (ret && path && path_is_id(c, path, cgroup_id)) {
		if ((size_t)snprintf(buf, len, "%s", path) >= len)
			return -ENAMETOOLONG;
		return 0;
	}
	if (ret && c->resolve_denied)
		ret = mw_cgroup_find_id(c->mnt, cgroup_id, buf, len);
	return ret;
}

int mw_container_lookup(struct mw_container_cache *c, uint64_t cgroup_id, const char *path,
			struct mw_container *out)
{
	struct mw_cgroup_ct parsed;
	char where[sizeof(out->cgroup)];
	struct ct_entry *e;
	bool hit;
	int ret;

	e = cache_find(c, cgroup_id, &hit);
	if (hit) {
		if (!e->status && !e->ct.name[0] &&
		    mw_now_ns() - e->read_ns >= (uint64_t)c->retry_s * 1000000000ULL) {
			mw_cgroup_path_parse(e->ct.cgroup, strlen(e->ct.cgroup), &parsed);
			read_state(c, e, parsed.runtime);
		}
	} else {
		ret = cgroup_path(c, cgroup_id, path, where, sizeof(where));
		/* a cgroup gone from the hierarchy never comes back (ids are
		 * not reused): no search again for it */
		if (ret && ret != -ENOENT && ret != -ESTALE)
			return ret;
		memset(e, 0, sizeof(*e));
		e->cgroup_id = cgroup_id;
		e->status = ret ? -ENOENT : mw_cgroup_path_parse(where, strlen(where), &parsed);
		if (!e->status) {
			struct mw_container *ct = &e->ct;

			memcpy(ct->id, parsed.id, sizeof(ct->id));
			memcpy(ct->pod_uid, parsed.pod_uid, sizeof(ct->pod_uid));
			snprintf(ct->runtime, sizeof(ct->runtime), "%s",
				 mw_ct_runtime_name(parsed.runtime));
			mw_sanitize_utf8(ct->cgroup, sizeof(ct->cgroup), where, parsed.len);
			read_state(c, e, parsed.runtime);
		}
	}
	e->used = ++c->tick;
	if (e->status)
		return e->status;
	*out = e->ct;
	return 0;
}

/* ---- output and filter ---- */

json_t *mw_container_json(const struct mw_container *ct)
{
	const struct {
		const char *key, *val;
	} opt[] = {
		{ "name", ct->name },		{ "image", ct->image },	  { "pod", ct->pod },
		{ "namespace", ct->namespace }, { "cgroup", ct->cgroup },
	};
	json_t *o = json_pack("{s:s, s:s}", "id", ct->id, "runtime", ct->runtime);
	size_t i;

	for (i = 0; o && i < sizeof(opt) / sizeof(opt[0]); i++)
		if (opt[i].val[0])
			json_object_set_new(o, opt[i].key, json_string(opt[i].val));
	return o;
}

int mw_container_from_json(const json_t *o, struct mw_container *ct)
{
	memset(ct, 0, sizeof(*ct));
	if (!jstr(o, "id"))
		return -EINVAL;
	put(ct->id, sizeof(ct->id), jstr(o, "id"));
	put(ct->runtime, sizeof(ct->runtime), jstr(o, "runtime"));
	put(ct->name, sizeof(ct->name), jstr(o, "name"));
	put(ct->image, sizeof(ct->image), jstr(o, "image"));
	put(ct->pod, sizeof(ct->pod), jstr(o, "pod"));
	put(ct->namespace, sizeof(ct->namespace), jstr(o, "namespace"));
	put(ct->cgroup, sizeof(ct->cgroup), jstr(o, "cgroup"));
	return 0;
}

#define CT_ID_PREFIX_MIN 12

bool mw_container_matches(const struct mw_container *ct, const char *id_or_name)
{
	size_t n = strlen(id_or_name), ns = strlen(ct->namespace);

	if (!n)
		return false;
	if (!strcmp(ct->name, id_or_name))
		return true;
	if (ct->pod[0] &&
	    (!strcmp(ct->pod, id_or_name) ||
	     (ns && n == ns + 1 + strlen(ct->pod) && !strncmp(id_or_name, ct->namespace, ns) &&
	      id_or_name[ns] == '/' && !strcmp(id_or_name + ns + 1, ct->pod))))
		return true;
	return n >= CT_ID_PREFIX_MIN && n <= MW_CT_ID_LEN && !strncmp(ct->id, id_or_name, n);
}
