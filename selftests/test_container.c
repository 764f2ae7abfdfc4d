// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_container - the container behind a cgroup: paths as each runtime
 * lays them out (and forgeries of them), the runtimes' state files in a
 * fake tree (good, broken, late), the cache, and one cgroup made on this
 * host's v2 hierarchy and found again from its id alone.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <linux/capability.h>
#include <unistd.h>

#include "lib/container.h"
#include "lib/log.h"
#include "parse/cgroup_path.h"
#include "test.h"

#define ID_D "18ac3e7343f016890c510e93f935261169d9e3f565436429830faf0934f4f8e4"
#define ID_C "2e7d2c03a9507ae265ecf5b5356885a53393a2029d241394997265a1a25aefc6"
#define ID_O "65c74c15a686187bb6bbf9958f494fc6b80068034a659a9ad44991b08c58f2d2"
#define ID_P "148de9c5a7a44d19e56cd9ae1a554bf67847afb0c58f6e12fa29ac7ddfca9940"
#define ID_K "8254c329a92850f6d539dd376f4816ee2764517da5e0235514af433164480d7a"
#define POD "fa215d88-bd4e-5759-92ab-89ddaf983762"
#define POD_SD "fa215d88_bd4e_5759_92ab_89ddaf983762"
#define KUBE_SD "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" POD_SD ".slice"

/* cgroup ids no cgroup of this host has: the path given is used */
#define FAKE_ID(n) (0xfff0000000000000ULL + (n))

struct row {
	const char *path;
	unsigned runtime, qos;
	const char *id, *pod_uid;
	const char *cgroup; /* the container's own cgroup: the path's start */
};

/* clang-format off */
static const struct row rows[] = {
	/* Docker, systemd driver and cgroupfs */
	{ "/system.slice/docker-" ID_D ".scope", MW_CT_DOCKER, 0, ID_D, "",
	  "/system.slice/docker-" ID_D ".scope" },
	{ "/system.slice/docker-" ID_D ".scope/init.scope", MW_CT_DOCKER, 0, ID_D, "",
	  "/system.slice/docker-" ID_D ".scope" },
	{ "/docker/" ID_D, MW_CT_DOCKER, 0, ID_D, "", "/docker/" ID_D },
	{ "/docker/" ID_D "/sub/deeper", MW_CT_DOCKER, 0, ID_D, "", "/docker/" ID_D },
	/* a custom --cgroup-parent slice */
	{ "/ci.slice/ci-runners.slice/docker-" ID_D ".scope", MW_CT_DOCKER, 0, ID_D, "",
	  "/ci.slice/ci-runners.slice/docker-" ID_D ".scope" },
	/* containerd under Kubernetes, systemd and cgroupfs */
	{ KUBE_SD "/cri-containerd-" ID_C ".scope", MW_CT_CONTAINERD, MW_QOS_BURSTABLE, ID_C, POD,
	  KUBE_SD "/cri-containerd-" ID_C ".scope" },
	{ "/kubepods.slice/kubepods-pod" POD_SD ".slice/cri-containerd-" ID_C ".scope",
	  MW_CT_CONTAINERD, MW_QOS_GUARANTEED, ID_C, POD,
	  "/kubepods.slice/kubepods-pod" POD_SD ".slice/cri-containerd-" ID_C ".scope" },
	{ "/kubepods/burstable/pod" POD "/" ID_C, MW_CT_CONTAINERD, MW_QOS_BURSTABLE, ID_C, POD,
	  "/kubepods/burstable/pod" POD "/" ID_C },
	{ "/kubepods/besteffort/pod" POD "/" ID_C "/x", MW_CT_CONTAINERD, MW_QOS_BESTEFFORT, ID_C,
	  POD, "/kubepods/besteffort/pod" POD "/" ID_C },
	{ "/kubepods/pod" POD "/" ID_C, MW_CT_CONTAINERD, MW_QOS_GUARANTEED, ID_C, POD,
	  "/kubepods/pod" POD "/" ID_C },
	/* CRI-O, and its monitor which is not the container */
	{ "/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" POD_SD ".slice/crio-" ID_O ".scope",
	  MW_CT_CRIO, MW_QOS_BESTEFFORT, ID_O, POD,
	  "/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" POD_SD ".slice/crio-" ID_O ".scope" },
	{ "/kubepods/burstable/pod" POD "/crio-" ID_O, MW_CT_CRIO, MW_QOS_BURSTABLE, ID_O, POD,
	  "/kubepods/burstable/pod" POD "/crio-" ID_O },
	{ KUBE_SD "/crio-conmon-" ID_O ".scope" },
	/* Podman, and its monitor */
	{ "/machine.slice/libpod-" ID_P ".scope", MW_CT_PODMAN, 0, ID_P, "",
	  "/machine.slice/libpod-" ID_P ".scope" },
	{ "/machine.slice/libpod-" ID_P ".scope/container", MW_CT_PODMAN, 0, ID_P, "",
	  "/machine.slice/libpod-" ID_P ".scope" },
	{ "/libpod_parent/libpod-" ID_P, MW_CT_PODMAN, 0, ID_P, "", "/libpod_parent/libpod-" ID_P },
	{ "/machine.slice/libpod-conmon-" ID_P ".scope" },
	/* Docker in Docker: the outer container is the one the host knows */
	{ "/system.slice/docker-" ID_D ".scope/docker/" ID_K, MW_CT_DOCKER, 0, ID_D, "",
	  "/system.slice/docker-" ID_D ".scope" },
	{ "/system.slice/docker-" ID_D ".scope/system.slice/docker-" ID_K ".scope", MW_CT_DOCKER, 0,
	  ID_D, "", "/system.slice/docker-" ID_D ".scope" },
	/* the host and unknown layouts */
	{ "/" },
	{ "" },
	{ "/init.scope" },
	{ "/system.slice/ssh.service" },
	{ "/user.slice/user-1000.slice/session-3.scope" },
	{ "/system.slice/containerd.service" },
	/* forgeries: names made in a delegated subtree (a user's systemd, a
	 * service's own cgroups) are below a non-slice cgroup */
	{ "/user.slice/user-1000.slice/user@1000.service/app.slice/docker-" ID_K ".scope" },
	{ "/system.slice/foo.service/docker-" ID_K ".scope" },
	{ "/system.slice/foo.service/docker/" ID_K },
	{ "/user.slice/user-1000.slice/user@1000.service/kubepods/pod" POD "/" ID_C },
	/* the cgroupfs parents only at the top */
	{ "/system.slice/docker/" ID_K },
	{ "/kubepods.slice/kubepods/pod" POD "/" ID_C },
	/* ids that are not 64 lowercase hex digits */
	{ "/system.slice/docker-" "18AC3E7343F016890C510E93F935261169D9E3F565436429830FAF0934F4F8E4" ".scope" },
	{ "/system.slice/docker-18ac3e7343f016890c510e93f935261169d9e3f565436429830faf0934f4f8e.scope" },
	{ "/system.slice/docker-" ID_D "0.scope" },
	{ "/system.slice/docker-" ID_D ".scope.bak" },
	{ "/docker/" ID_D "g" },
	{ "/docker" },
	{ "/system.slice//docker-" ID_D ".scope" },
	{ "/kubepods/burstable/podnotauid/" ID_C },
	{ "/kubepods/burstable/pod" POD },
	{ "/kubepods/burstable/pod" POD "/crio-conmon-" ID_O },
	/* a pod slice with a bad uid: the container, without its pod */
	{ "/kubepods.slice/kubepods-podXYZ.slice/cri-containerd-" ID_C ".scope", MW_CT_CONTAINERD,
	  MW_QOS_GUARANTEED, ID_C, "",
	  "/kubepods.slice/kubepods-podXYZ.slice/cri-containerd-" ID_C ".scope" },
};
/* clang-format on */

static void t_paths(void *arg)
{
	char what[128];
	unsigned i;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const struct row *r = &rows[i];
		struct mw_cgroup_ct ct;
		int ret = mw_cgroup_path_parse(r->path, strlen(r->path), &ct);

		snprintf(what, sizeof(what), "row %u (%.60s): result", i, r->path);
		if (!ASSERT_EQ(ret, r->runtime ? 0 : -ENOENT, what) || ret)
			continue;
		snprintf(what, sizeof(what), "row %u: runtime, qos", i);
		ASSERT_TRUE(ct.runtime == r->runtime && ct.qos == r->qos, what);
		snprintf(what, sizeof(what), "row %u: id", i);
		ASSERT_STREQ(ct.id, r->id, what);
		snprintf(what, sizeof(what), "row %u: pod uid", i);
		ASSERT_STREQ(ct.pod_uid, r->pod_uid, what);
		snprintf(what, sizeof(what), "row %u: the container's cgroup", i);
		ASSERT_EQ(ct.len, strlen(r->cgroup), what);
	}
	/* the length bounds the read: no NUL needed, none looked for */
	{
		const char p[] = "/docker/" ID_D "/more";
		struct mw_cgroup_ct ct;

		ASSERT_EQ(mw_cgroup_path_parse(p, strlen("/docker/") + 63, &ct), -ENOENT,
			  "a path cut inside the id");
	}
}

/* ---- a fake state tree ---- */

static char root[64];

static int write_file(const char *rel, const char *text)
{
	char path[512], *slash;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	for (slash = strchr(path + strlen(root) + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		mkdir(path, 0755);
		*slash = '/';
	}
	f = fopen(path, "w");
	if (!f)
		return -errno;
	fputs(text, f);
	return fclose(f) ? -errno : 0;
}

static void fill_config(struct mw_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	snprintf(cfg->ct_docker_root, sizeof(cfg->ct_docker_root), "%s/docker", root);
	snprintf(cfg->ct_containerd_root, sizeof(cfg->ct_containerd_root), "%s/containerd", root);
	snprintf(cfg->ct_storage_root, sizeof(cfg->ct_storage_root), "%s/storage", root);
	snprintf(cfg->ct_storage_run, sizeof(cfg->ct_storage_run), "%s/run-storage", root);
}

static struct mw_container_cache *new_cache(void)
{
	struct mw_config *cfg = malloc(sizeof(*cfg));
	struct mw_container_cache *c;

	if (!cfg)
		return NULL;
	fill_config(cfg);
	c = mw_container_cache_new(cfg);
	free(cfg);
	return c;
}

static void t_docker(void *arg)
{
	struct mw_container_cache *c = new_cache();
	struct mw_container ct;
	json_t *j;
	char *text;

	if (!ASSERT_TRUE(c, "cache"))
		return;
	ASSERT_EQ(write_file("docker/containers/" ID_D "/config.v2.json",
			     "{\"ID\":\"" ID_D "\",\"Name\":\"/web-1\",\"Image\":\"sha256:ab\","
			     "\"Config\":{\"Image\":\"nginx:1.25\",\"Labels\":{"
			     "\"io.kubernetes.pod.name\":\"forged\"}}}"),
		  0, "docker state");
	ASSERT_EQ(mw_container_lookup(c, FAKE_ID(1),
				      "/system.slice/docker-" ID_D ".scope/init.scope", &ct),
		  0, "lookup");
	ASSERT_STREQ(ct.id, ID_D, "id");
	ASSERT_STREQ(ct.runtime, "docker", "runtime");
	ASSERT_STREQ(ct.name, "web-1", "name without its '/'");
	ASSERT_STREQ(ct.image, "nginx:1.25", "image");
	/* an image's labels may claim a pod: not in a pod's cgroup, no pod */
	ASSERT_STREQ(ct.pod, "", "no pod from an image's label");
	ASSERT_STREQ(ct.cgroup, "/system.slice/docker-" ID_D ".scope", "the container's cgroup");
	j = mw_container_json(&ct);
	text = json_dumps(j, JSON_SORT_KEYS | JSON_COMPACT);
	ASSERT_STREQ(text,
		     "{\"cgroup\":\"/system.slice/docker-" ID_D ".scope\",\"id\":\"" ID_D "\","
		     "\"image\":\"nginx:1.25\",\"name\":\"web-1\",\"runtime\":\"docker\"}",
		     "JSON without the empty pod and namespace");
	free(text);
	{
		struct mw_container back;

		ASSERT_EQ(mw_container_from_json(j, &back), 0, "read back");
		ASSERT_TRUE(!memcmp(&back, &ct, sizeof(ct)), "the same container read back");
		ASSERT_EQ(mw_container_from_json(json_object_get(j, "name"), &back), -EINVAL,
			  "a string is no container");
	}
	json_decref(j);
	ASSERT_TRUE(mw_container_matches(&ct, "web-1"), "matches its name");
	ASSERT_TRUE(mw_container_matches(&ct, "18ac3e7343f0"), "matches 12 digits of its id");
	ASSERT_TRUE(mw_container_matches(&ct, ID_D), "matches its whole id");
	ASSERT_TRUE(!mw_container_matches(&ct, "18ac3e7343f"), "not 11 digits");
	ASSERT_TRUE(!mw_container_matches(&ct, "web"), "not a part of its name");
	ASSERT_TRUE(!mw_container_matches(&ct, ""), "not the empty string");
	ASSERT_TRUE(!mw_container_matches(&ct, ID_D "0"), "not more than its id");
	/* the host: not a container, cached as such */
	ASSERT_EQ(mw_container_lookup(c, FAKE_ID(2), "/system.slice/ssh.service", &ct), -ENOENT,
		  "the host");
	ASSERT_EQ(mw_container_lookup(c, FAKE_ID(2), NULL, &ct), -ENOENT, "the host, cached");
	ASSERT_EQ(mw_container_lookup(c, FAKE_ID(1), NULL, &ct), 0, "cached: no path needed");
	ASSERT_STREQ(ct.name, "web-1", "cached name");
	mw_container_cache_free(c);
}

static void t_kubernetes(void *arg)
{
	struct mw_container_cache *c = new_cache();
	struct mw_container ct;

	if (!ASSERT_TRUE(c, "cache"))
		return;
	/* containerd's CRI plugin, namespace k8s.io */
	ASSERT_EQ(
		write_file("containerd/io.containerd.runtime.v2.task/k8s.io/" ID_C "/config.json",
			   "{\"ociVersion\":\"1.1.0\",\"annotations\":{"
			   "\"io.kubernetes.cri.container-type\":\"container\","
			   "\"io.kubernetes.cri.container-name\":\"miner\","
			   "\"io.kubernetes.cri.sandbox-name\":\"web-7d9f\","
			   "\"io.kubernetes.cri.sandbox-namespace\":\"shop\","
			   "\"io.kubernetes.cri.sandbox-uid\":\"" POD "\","
			   "\"io.kubernetes.cri.image-name\":\"docker.io/library/busybox:1.36\"}}"),
		0, "containerd bundle");
	ASSERT_EQ(mw_container_lookup(c, FAKE_ID(10), KUBE_SD "/cri-containerd-" ID_C ".scope",
				      &ct),
		  0, "containerd lookup");
	ASSERT_STREQ(ct.runtime, "containerd", "runtime");
	ASSERT_STREQ(ct.name, "miner", "name");
	ASSERT_STREQ(ct.pod, "web-7d9f", "pod");
	ASSERT_STREQ(ct.namespace, "shop", "namespace");
	ASSERT_STREQ(ct.pod_uid, POD, "pod uid");
	ASSERT_STREQ(ct.image, "docker.io/library/busybox:1.36", "image");
	ASSERT_TRUE(mw_container_matches(&ct, "web-7d9f"), "matches its pod");
	ASSERT_TRUE(mw_container_matches(&ct, "shop/web-7d9f"), "matches NAMESPACE/POD");
	ASSERT_TRUE(!mw_container_matches(&ct, "shop/web"), "not a part of it");
	/* the same bundle met through a cgroup of another pod: its pod names
	 * are not believed */
	ASSERT_EQ(mw_container_lookup(
			  c, FAKE_ID(11),
			  "/kubepods/burstable/pod00000000-0000-0000-0000-000000000000/" ID_C, &ct),
		  0, "cgroupfs lookup");
	ASSERT_STREQ(ct.pod, "", "no pod from another pod's annotations");
	/* plain containerd: its namespace and short id */
	ASSERT_EQ(write_file("containerd/io.containerd.runtime.v2.task/default/" ID_K
			     "/config.json",
			     "{\"ociVersion\":\"1.1.0\"}"),
		  0, "plain bundle");
	ASSERT_EQ(mw_container_lookup(c, FAKE_ID(12), "/system.slice/cri-containerd-" ID_K ".scope",
				      &ct),
		  0, "plain containerd lookup");
	ASSERT_STREQ(ct.name, "8254c329a928", "short id as its name");
	ASSERT_STREQ(ct.namespace, "default", "containerd namespace");
	/* CRI-O, the runtime copy */
	ASSERT_EQ(
		write_file("run-storage/overlay-containers/" ID_O "/userdata/config.json",
			   "{\"annotations\":{\"io.kubernetes.pod.name\":\"db-0\","
			   "\"io.kubernetes.pod.namespace\":\"data\","
			   "\"io.kubernetes.pod.uid\":\"" POD "\","
			   "\"io.kubernetes.container.name\":\"postgres\","
			   "\"io.kubernetes.cri-o.ImageName\":\"docker.io/library/postgres:16\"}}"),
		0, "cri-o config");
	ASSERT_EQ(mw_container_lookup(c, FAKE_ID(13), KUBE_SD "/crio-" ID_O ".scope", &ct), 0,
		  "cri-o lookup");
	ASSERT_STREQ(ct.runtime, "cri-o", "runtime");
	ASSERT_TRUE(!strcmp(ct.name, "postgres") && !strcmp(ct.pod, "db-0") &&
			    !strcmp(ct.namespace, "data") &&
			    !strcmp(ct.image, "docker.io/library/postgres:16"),
		    "cri-o names");
	ASSERT_EQ(mw_container_lookup(c, FAKE_ID(14), KUBE_SD "/crio-conmon-" ID_O ".scope", &ct),
		  -ENOENT, "conmon is not the container");
	/* cri-dockerd: a pod's cgroupfs layout, Docker's state */
	ASSERT_EQ(
		write_file(
			"docker/containers/" ID_K "/config.v2.json",
			"{\"Name\":\"/k8s_app_web_shop_" POD "_0\",\"Config\":{\"Image\":\"app:1\","
			"\"Labels\":{\"io.kubernetes.pod.uid\":\"" POD "\","
			"\"io.kubernetes.pod.name\":\"web\",\"io.kubernetes.pod.namespace\":\"shop\","
			"\"io.kubernetes.container.name\":\"app\"}}}"),
		0, "docker state");
	ASSERT_EQ(mw_container_lookup(c, FAKE_ID(15), "/kubepods/pod" POD "/" ID_K, &ct), 0,
		  "cri-dockerd lookup");
	/* ID_K has a containerd bundle (namespace default) too: containerd's wins */
	ASSERT_STREQ(ct.runtime, "containerd", "a bundle first");
	mw_container_cache_free(c);
	/* without it, Docker's */
	{
		char p[256];

		snprintf(p, sizeof(p),
			 "%s/containerd/io.containerd.runtime.v2.task/default/" ID_K "/config.json",
			 root);
		unlink(p);
	}
	c = new_cache();
	if (!ASSERT_TRUE(c, "cache"))
		return;
	ASSERT_EQ(mw_container_lookup(c, FAKE_ID(15), "/kubepods/pod" POD "/" ID_K, &ct), 0,
		  "cri-dockerd lookup");
	ASSERT_TRUE(!strcmp(ct.runtime, "docker") && !strcmp(ct.name, "app") &&
			    !strcmp(ct.pod, "web") && !strcmp(ct.namespace, "shop"),
		    "cri-dockerd names from Docker's labels");
	mw_container_cache_free(c);
}

static void t_podman(void *arg)
{
	struct mw_container_cache *c = new_cache();
	struct mw_container ct;

	if (!ASSERT_TRUE(c, "cache"))
		return;
	ASSERT_EQ(
		write_file(
			"storage/overlay-containers/" ID_P "/userdata/config.json",
			"{\"ociVersion\":\"1.0.0\",\"annotations\":{\"io.container.manager\":\"libpod\"}}"),
		0, "podman config");
	ASSERT_EQ(write_file("storage/overlay-containers/containers.json",
			     "[{\"id\":\"" ID_K "\",\"names\":[\"other\"]},"
			     "{\"id\":\"" ID_P "\",\"names\":[\"cache-1\"],\"image\":\"" ID_C
			     "\"}]"),
		  0, "podman containers.json");
	ASSERT_EQ(write_file("storage/overlay-images/images.json",
			     "[{\"id\":\"" ID_C "\",\"names\":[\"docker.io/library/redis:7\"]}]"),
		  0, "podman images.json");
	ASSERT_EQ(mw_container_lookup(c, FAKE_ID(20),
				      "/machine.slice/libpod-" ID_P ".scope/container", &ct),
		  0, "podman lookup");
	ASSERT_TRUE(!strcmp(ct.runtime, "podman") && !strcmp(ct.name, "cache-1") &&
			    !strcmp(ct.image, "docker.io/library/redis:7"),
		    "podman name and image");
	mw_container_cache_free(c);
}

/* Broken state: reported with its id and runtime, one warning naming the file */
static void t_broken(void *arg)
{
	struct mw_container_cache *c = new_cache();
	struct mw_container ct;
	char big[96], *huge;
	static const char *bad[] = {
		"{\"Name\":\"/x\",",
		"[1,2,3]",
		"\"a string\"",
		"{\"Name\":7,\"Config\":[\"Image\"]}",
		"{\"Name\":\"/\\u0001na\\u0085me\",\"Config\":{\"Image\":null,\"Labels\":5}}",
		"{\"Name\":\"/\xff\"}", /* not UTF-8: not JSON */
		"{\"a\":1,\"a\":2}",
	};
	unsigned i;

	if (!ASSERT_TRUE(c, "cache"))
		return;
	/* the warnings are expected: MW_TEST_VERBOSE=1 shows them */
	if (!getenv("MW_TEST_VERBOSE"))
		mw_log_level = -1;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char rel[160], id[65], what[64];

		snprintf(id, sizeof(id), "%.60s%04x", ID_D, i);
		snprintf(rel, sizeof(rel), "docker/containers/%s/config.v2.json", id);
		snprintf(big, sizeof(big), "/docker/%s", id);
		snprintf(what, sizeof(what), "bad state %u", i);
		ASSERT_EQ(write_file(rel, bad[i]), 0, what);
		ASSERT_EQ(mw_container_lookup(c, FAKE_ID(30 + i), big, &ct), 0, what);
		ASSERT_TRUE(!strcmp(ct.id, id) && !strcmp(ct.runtime, "docker"), what);
		/* valid JSON with odd types: what is a string is taken, made safe */
		if (i == 4)
			ASSERT_STREQ(ct.name, "\\x01na\\x85me", "name made safe");
	}
	/* larger than the cap */
	huge = malloc((2u << 20) + 1);
	ASSERT_TRUE(huge != NULL, "memory");
	if (huge) {
		memset(huge, ' ', 2u << 20);
		huge[0] = '{';
		memcpy(huge + (2u << 20) - 12, "\"Name\":\"/h\"}", 12);
		huge[2u << 20] = '\0';
		ASSERT_EQ(write_file("docker/containers/" ID_K "/config.v2.json", huge), 0, "huge");
		ASSERT_EQ(mw_container_lookup(c, FAKE_ID(40), "/docker/" ID_K, &ct), 0,
			  "huge state");
		ASSERT_STREQ(ct.name, "", "huge state not read");
		free(huge);
	}
	/* a directory where the file should be */
	ASSERT_EQ(write_file("docker/containers/" ID_C "/config.v2.json/x", "{}"), 0, "dir");
	ASSERT_EQ(mw_container_lookup(c, FAKE_ID(41), "/docker/" ID_C, &ct), 0, "dir as state");
	ASSERT_STREQ(ct.name, "", "no name from a directory");
	/* no state at all (no runtime here): the id and runtime alone */
	ASSERT_EQ(mw_container_lookup(c, FAKE_ID(42), "/machine.slice/libpod-" ID_O ".scope", &ct),
		  0, "no state");
	ASSERT_TRUE(!strcmp(ct.id, ID_O) && !strcmp(ct.runtime, "podman") && !ct.name[0],
		    "id and runtime alone");
	mw_log_level = MW_LOG_WARN;
	mw_container_cache_free(c);
}

/* A container's state appears after its cgroup: read again after the delay */
static void t_late(void *arg)
{
	struct mw_container_cache *c = new_cache();
	struct mw_container ct;
	const char *p = "/system.slice/docker-" ID_O ".scope";

	if (!ASSERT_TRUE(c, "cache"))
		return;
	ASSERT_EQ(mw_container_lookup(c, FAKE_ID(50), p, &ct), 0, "before its state");
	ASSERT_STREQ(ct.name, "", "no name yet");
	ASSERT_EQ(write_file("docker/containers/" ID_O "/config.v2.json", "{\"Name\":\"/late\"}"),
		  0, "state");
	ASSERT_EQ(mw_container_lookup(c, FAKE_ID(50), NULL, &ct), 0, "within the delay");
	ASSERT_STREQ(ct.name, "", "not read again at once");
	mw_container_cache_set_retry(c, 0);
	ASSERT_EQ(mw_container_lookup(c, FAKE_ID(50), NULL, &ct), 0, "after the delay");
	ASSERT_STREQ(ct.name, "late", "read again");
	mw_container_cache_free(c);
}

/* More cgroups than the cache holds: bounded, still right */
static void t_bounded(void *arg)
{
	struct mw_container_cache *c = new_cache();
	struct mw_container ct;
	unsigned i, bad = 0;
	char p[160];

	if (!ASSERT_TRUE(c, "cache"))
		return;
	for (i = 0; i < 5000; i++) {
		snprintf(p, sizeof(p), "/docker/%.56s%08x", ID_K, i);
		if (mw_container_lookup(c, FAKE_ID(1000 + i), p, &ct) ||
		    strcmp(ct.id + 56, p + 8 + 56))
			bad++;
	}
	ASSERT_EQ(bad, 0, "5000 cgroups through the cache");
	/* an early one was evicted: without its path, unknown */
	ASSERT_TRUE(mw_container_lookup(c, FAKE_ID(1000), NULL, &ct) != 0, "evicted");
	ASSERT_EQ(mw_container_lookup(c, FAKE_ID(1000 + 4999), NULL, &ct), 0, "the last one kept");
	mw_container_cache_free(c);
}

/* ---- on this host's cgroup v2 hierarchy ---- */

/* a slice of its own (this host has no systemd, so no system.slice;
 * another test may make and remove one at the same time) */
static char made_slice[300], made[512];

/* In a child without CAP_DAC_READ_SEARCH (open_by_handle_at() then says
 * EPERM), a fresh cache names the cgroup @cgroup_id @name: 0, or 1. */
/* A lookup as the agent runs, without CAP_DAC_READ_SEARCH, with the path
 * @claimed (NULL: none) a pid's /proc entry gave. */
static int unprivileged_lookup(uint64_t cgroup_id, const char *claimed, const char *id,
			       const char *name)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2];
	struct mw_container_cache *c;
	struct mw_container ct;
	char mnt[256], path[512];
	int status, ok;
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid) {
		if (waitpid(pid, &status, 0) != pid)
			return -errno;
		return WIFEXITED(status) ? WEXITSTATUS(status) : 2;
	}
	if (syscall(SYS_capget, &hdr, data))
		_exit(3);
	data[CAP_DAC_READ_SEARCH / 32].effective &= ~(1u << (CAP_DAC_READ_SEARCH % 32));
	if (syscall(SYS_capset, &hdr, data))
		_exit(4);
	/* the privileged way is closed indeed */
	if (mw_cgroup2_mount(mnt, sizeof(mnt)) ||
	    mw_cgroup_id_path(mnt, cgroup_id, path, sizeof(path)) != -EPERM)
		_exit(5);
	c = new_cache();
	ok = c && !mw_container_lookup(c, cgroup_id, claimed, &ct) && !strcmp(ct.id, id) &&
	     !strcmp(ct.name, name);
	mw_container_cache_free(c);
	_exit(ok ? 0 : 1);
}

static void t_real_cgroup(void *arg)
{
	struct mw_container_cache *c = new_cache();
	char mnt[256], path[512], rel[200], id[65];
	struct mw_container ct;
	struct mw_cgroup_ct parsed;
	unsigned char rnd[32];
	struct stat st;
	unsigned i;
	int fd;

	if (!ASSERT_TRUE(c, "cache"))
		return;
	if (!ASSERT_EQ(mw_cgroup2_mount(mnt, sizeof(mnt)), 0, "the cgroup v2 mount"))
		goto out;
	fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
	if (!ASSERT_TRUE(fd >= 0 && read(fd, rnd, sizeof(rnd)) == sizeof(rnd), "random id")) {
		if (fd >= 0)
			close(fd);
		goto out;
	}
	close(fd);
	for (i = 0; i < 32; i++)
		snprintf(id + 2 * i, 3, "%02x", rnd[i]);
	snprintf(made_slice, sizeof(made_slice), "%s/mw-test-ct-%d.slice", mnt, (int)getpid());
	if (!ASSERT_EQ(mkdir(made_slice, 0755) ? -errno : 0, 0, made_slice)) {
		made_slice[0] = '\0';
		goto out;
	}
	snprintf(made, sizeof(made), "%s/docker-%s.scope", made_slice, id);
	if (!ASSERT_EQ(mkdir(made, 0755) ? -errno : 0, 0, made)) {
		made[0] = '\0';
		goto out;
	}
	if (!ASSERT_EQ(stat(made, &st), 0, "stat the cgroup"))
		goto out;
	ASSERT_EQ(mw_cgroup_id_path(mnt, st.st_ino, path, sizeof(path)), 0, "id to path");
	snprintf(rel, sizeof(rel), "%s/docker-%s.scope", made_slice + strlen(mnt), id);
	ASSERT_STREQ(path, rel, "the path found from the id");
	ASSERT_EQ(mw_cgroup_path_parse(path, strlen(path), &parsed), 0, "parsed");
	ASSERT_TRUE(parsed.runtime == MW_CT_DOCKER && !strcmp(parsed.id, id), "Docker's id");
	/* the same without privilege: a search of the hierarchy */
	ASSERT_EQ(mw_cgroup_find_id(mnt, st.st_ino, path, sizeof(path)), 0, "id found by a search");
	ASSERT_STREQ(path, rel, "the path found by a search");
	ASSERT_EQ(mw_cgroup_find_id(mnt, FAKE_ID(7), path, sizeof(path)), -ENOENT,
		  "no such id in the search");
	ASSERT_EQ(mw_cgroup_find_id(mnt, 1, path, sizeof(path)), 0, "the root by a search");
	ASSERT_STREQ(path, "/", "the root's path");
	/* through the cache with no path: named from the fake Docker tree */
	snprintf(rel, sizeof(rel), "docker/containers/%s/config.v2.json", id);
	ASSERT_EQ(write_file(rel, "{\"Name\":\"/real\"}"), 0, "state");
	ASSERT_EQ(mw_container_lookup(c, st.st_ino, NULL, &ct), 0, "lookup by id alone");
	ASSERT_TRUE(!strcmp(ct.id, id) && !strcmp(ct.name, "real"), "named from its id alone");
	/* as the agent runs, without CAP_DAC_READ_SEARCH: by a search */
	ASSERT_EQ(unprivileged_lookup(st.st_ino, NULL, id, "real"), 0,
		  "found by id without privilege");
	snprintf(rel, sizeof(rel), "%s/docker-%s.scope", made_slice + strlen(mnt), id);
	ASSERT_EQ(unprivileged_lookup(st.st_ino, rel, id, "real"), 0,
		  "without privilege: the path its pid gave, which is its cgroup");
	/* the pid moved, or was reused by another container's process */
	ASSERT_EQ(unprivileged_lookup(st.st_ino, "/system.slice/docker-" ID_D ".scope", id, "real"),
		  0, "without privilege: a pid's path of another cgroup is not believed");
	/* the kernel's answer wins over a path a pid's /proc gave */
	ASSERT_EQ(mw_container_lookup(c, 1, "/system.slice/docker-" ID_D ".scope", &ct), -ENOENT,
		  "the root cgroup is no container, whatever the path says");
	ASSERT_EQ(mw_cgroup_id_path(mnt, FAKE_ID(7), path, sizeof(path)), -ESTALE, "no such id");
out:
	if (made[0] && rmdir(made))
		fprintf(stderr, "    cannot remove %s: %s\n", made, strerror(errno));
	if (made_slice[0] && rmdir(made_slice))
		fprintf(stderr, "    cannot remove %s: %s\n", made_slice, strerror(errno));
	made[0] = made_slice[0] = '\0';
	mw_container_cache_free(c);
}

/* A search reads a bounded number of directories: a chain a/b/c/d below a
 * directory of the tree is found reading 3 (a, b, c: d is an entry of c),
 * not with 2. */
static void t_walk_bounded(void *arg)
{
	char dir[PATH_MAX], mnt[PATH_MAX], path[PATH_MAX];
	struct stat st;

	(void)arg;
	snprintf(mnt, sizeof(mnt), "%s/walk", root);
	snprintf(dir, sizeof(dir), "%s/a/b/c/d", mnt);
	/* the file makes the directories above it */
	if (!ASSERT_EQ(write_file("walk/a/b/c/d/f", ""), 0, dir) ||
	    !ASSERT_EQ(stat(dir, &st), 0, "stat d"))
		return;
	ASSERT_EQ(mw_cgroup_find_id_max(mnt, st.st_ino, path, sizeof(path), 3), 0,
		  "found reading 3 directories");
	ASSERT_STREQ(path, "/a/b/c/d", "its path");
	ASSERT_EQ(mw_cgroup_find_id_max(mnt, st.st_ino, path, sizeof(path), 2), -ENOENT,
		  "not searched past 2 directories");
	ASSERT_STREQ(path, "", "no path then");
}

static void remove_tree(void)
{
	char cmd[128];

	if (root[0] && !strncmp(root, "/tmp/mw-test-ct.", 16)) {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
		if (system(cmd))
			fprintf(stderr, "cannot remove %s\n", root);
	}
}

int main(int argc, char **argv)
{
	if (argc > 1)
		test_filter = argv[1];
	test_run("container: cgroup paths of each runtime, and forgeries", t_paths, NULL);
	snprintf(root, sizeof(root), "/tmp/mw-test-ct.XXXXXX");
	if (!mkdtemp(root)) {
		fprintf(stderr, "cannot make a temporary directory: %s\n", strerror(errno));
		return 1;
	}
	test_run("container: Docker's state", t_docker, NULL);
	test_run("container: Kubernetes (containerd, CRI-O, cri-dockerd)", t_kubernetes, NULL);
	test_run("container: Podman's store", t_podman, NULL);
	test_run("container: broken state files", t_broken, NULL);
	test_run("container: state written after the cgroup", t_late, NULL);
	test_run("container: a bounded cache", t_bounded, NULL);
	test_run("container: a cgroup on this host found from its id", t_real_cgroup, NULL);
	test_run("container: a search of the hierarchy is bounded", t_walk_bounded, NULL);
	remove_tree();
	return test_summary("container");
}
