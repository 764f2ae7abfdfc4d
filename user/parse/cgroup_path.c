// SPDX-License-Identifier: GPL-2.0-only
/*
 * cgroup_path.c - the container behind a cgroup v2 path. The layouts:
 *   systemd driver:  [SLICE.slice/]...RUNTIME-<id>.scope[/anything]
 *     with RUNTIME docker, cri-containerd, crio or libpod, and Kubernetes'
 *     slices kubepods[-QOS].slice/kubepods[-QOS]-pod<uid>.slice above it
 *     (the uid's '-' written '_', as systemd reserves '-')
 *   cgroupfs driver: /docker/<id>, /libpod_parent/libpod-<id>,
 *     /kubepods[/burstable|/besteffort]/pod<uid>/<id> (or crio-<id>)
 * The conmon monitors (crio-conmon-<id>.scope, libpod-conmon-<id>.scope)
 * are the runtime's processes, not the container's, and match nothing.
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "parse/cgroup_path.h"

struct comp {
	const char *s;
	size_t len;
};

/* The next '/'-separated component of @path from *@off; false at the end
 * or on an empty one (the kernel never writes "//"). */
static bool next_comp(const char *path, size_t pathlen, size_t *off, struct comp *c)
{
	size_t i = *off;

	if (i < pathlen && path[i] == '/')
		i++;
	if (i >= pathlen)
		return false;
	c->s = path + i;
	while (i < pathlen && path[i] != '/')
		i++;
	c->len = (size_t)(path + i - c->s);
	*off = i;
	return c->len > 0;
}

static bool has_prefix(const struct comp *c, const char *p)
{
	size_t n = strlen(p);

	return c->len >= n && !memcmp(c->s, p, n);
}

static bool has_suffix(const struct comp *c, const char *p)
{
	size_t n = strlen(p);

	return c->len >= n && !memcmp(c->s + c->len - n, p, n);
}

static bool is_comp(const struct comp *c, const char *p)
{
	return c->len == strlen(p) && !memcmp(c->s, p, c->len);
}

/* Exactly 64 lowercase hex digits: what every runtime names a container */
static bool copy_id(const char *s, size_t len, char id[MW_CT_ID_LEN + 1])
{
	size_t i;

	if (len != MW_CT_ID_LEN)
		return false;
	for (i = 0; i < len; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	memcpy(id, s, len);
	id[len] = '\0';
	return true;
}

/* A pod uid: a UUID or a static pod's 32 hex digits; @sep is how the path
 * writes the UUID's '-' ('_' in a systemd unit name). */
static bool copy_pod_uid(const char *s, size_t len, char sep, char *uid)
{
	size_t i;

	if (len < 32 || len > MW_POD_UID_MAX)
		return false;
	for (i = 0; i < len; i++) {
		if (s[i] == sep)
			uid[i] = '-';
		else if ((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f'))
			uid[i] = s[i];
		else
			return false;
	}
	uid[len] = '\0';
	return true;
}

/* PREFIX<id>SUFFIX */
static bool wrapped_id(const struct comp *c, const char *prefix, const char *suffix, char *id)
{
	size_t p = strlen(prefix), s = strlen(suffix);

	return has_prefix(c, prefix) && has_suffix(c, suffix) && c->len == p + MW_CT_ID_LEN + s &&
	       copy_id(c->s + p, MW_CT_ID_LEN, id);
}

/* A runtime's scope (systemd driver): RUNTIME-<id>.scope */
static unsigned scope_runtime(const struct comp *c, char *id)
{
	static const struct {
		const char *prefix;
		unsigned runtime;
	} scopes[] = {
		{ "docker-", MW_CT_DOCKER },
		{ "cri-containerd-", MW_CT_CONTAINERD },
		{ "crio-", MW_CT_CRIO },
		{ "libpod-", MW_CT_PODMAN },
	};
	size_t i;

	for (i = 0; i < sizeof(scopes) / sizeof(scopes[0]); i++)
		if (wrapped_id(c, scopes[i].prefix, ".scope", id))
			return scopes[i].runtime;
	return MW_CT_NONE;
}

/* kubepods[-QOS].slice and kubepods[-QOS]-pod<uid>.slice */
static void kube_slice(const struct comp *c, struct mw_cgroup_ct *ct)
{
	static const struct {
		const char *prefix;
		unsigned qos;
	} pods[] = {
		{ "kubepods-pod", MW_QOS_GUARANTEED },
		{ "kubepods-burstable-pod", MW_QOS_BURSTABLE },
		{ "kubepods-besteffort-pod", MW_QOS_BESTEFFORT },
	};
	const size_t suffix = strlen(".slice");
	size_t i, p;

	if (is_comp(c, "kubepods.slice")) {
		ct->qos = MW_QOS_GUARANTEED;
		return;
	}
	if (is_comp(c, "kubepods-burstable.slice")) {
		ct->qos = MW_QOS_BURSTABLE;
		return;
	}
	if (is_comp(c, "kubepods-besteffort.slice")) {
		ct->qos = MW_QOS_BESTEFFORT;
		return;
	}
	for (i = 0; i < sizeof(pods) / sizeof(pods[0]); i++) {
		p = strlen(pods[i].prefix);
		if (has_prefix(c, pods[i].prefix) && c->len > p + suffix &&
		    copy_pod_uid(c->s + p, c->len - p - suffix, '_', ct->pod_uid)) {
			ct->qos = pods[i].qos;
			return;
		}
	}
}

/* /kubepods[/burstable|/besteffort]/pod<uid>/<id> (containerd, Docker) or
 * .../crio-<id> (CRI-O) */
static int kube_cgroupfs(const char *path, size_t pathlen, size_t off, struct mw_cgroup_ct *ct)
{
	struct comp c;

	ct->qos = MW_QOS_GUARANTEED;
	if (!next_comp(path, pathlen, &off, &c))
		return -ENOENT;
	if (is_comp(&c, "burstable") || is_comp(&c, "besteffort")) {
		ct->qos = c.s[1] == 'u' ? MW_QOS_BURSTABLE : MW_QOS_BESTEFFORT;
		if (!next_comp(path, pathlen, &off, &c))
			return -ENOENT;
	}
	if (!has_prefix(&c, "pod") || !copy_pod_uid(c.s + 3, c.len - 3, '-', ct->pod_uid))
		return -ENOENT;
	if (!next_comp(path, pathlen, &off, &c))
		return -ENOENT;
	if (copy_id(c.s, c.len, ct->id))
		ct->runtime = MW_CT_CONTAINERD;
	else if (wrapped_id(&c, "crio-", "", ct->id))
		ct->runtime = MW_CT_CRIO;
	else
		return -ENOENT;
	ct->len = off;
	return 0;
}

int mw_cgroup_path_parse(const char *path, size_t pathlen, struct mw_cgroup_ct *ct)
{
	size_t off = 0;
	struct comp c;
	bool top = true;
	int ret = -ENOENT;

	memset(ct, 0, sizeof(*ct));
	while (next_comp(path, pathlen, &off, &c)) {
		if (has_suffix(&c, ".slice")) {
			/* slices are root's: nothing delegated lies above one */
			kube_slice(&c, ct);
			top = false;
			continue;
		}
		/* the first cgroup that is not a slice is the container's or
		 * the path is not a container's: whatever lies below it may
		 * have been named by the processes inside */
		ct->runtime = scope_runtime(&c, ct->id);
		if (ct->runtime != MW_CT_NONE) {
			ct->len = off;
			ret = 0;
		} else if (top && is_comp(&c, "docker")) {
			if (next_comp(path, pathlen, &off, &c) && copy_id(c.s, c.len, ct->id)) {
				ct->runtime = MW_CT_DOCKER;
				ct->len = off;
				ret = 0;
			}
		} else if (top && is_comp(&c, "libpod_parent")) {
			if (next_comp(path, pathlen, &off, &c) &&
			    wrapped_id(&c, "libpod-", "", ct->id)) {
				ct->runtime = MW_CT_PODMAN;
				ct->len = off;
				ret = 0;
			}
		} else if (top && is_comp(&c, "kubepods")) {
			ret = kube_cgroupfs(path, pathlen, off, ct);
		}
		break;
	}
	if (ret)
		memset(ct, 0, sizeof(*ct));
	return ret;
}

const char *mw_ct_runtime_name(unsigned runtime)
{
	switch (runtime) {
	case MW_CT_DOCKER:
		return "docker";
	case MW_CT_CONTAINERD:
		return "containerd";
	case MW_CT_CRIO:
		return "cri-o";
	case MW_CT_PODMAN:
		return "podman";
	default:
		return "";
	}
}
