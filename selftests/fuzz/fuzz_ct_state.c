// SPDX-License-Identifier: GPL-2.0-only
/*
 * fuzz_ct_state.c - the runtimes' state files read as any bytes: the first
 * byte picks the file (Docker's config.v2.json, containerd's bundle
 * config.json, the storage's config.json, Podman's containers.json or
 * images.json), the rest is its content. The container is always reported
 * with its id and runtime, and every name read is safe to print.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/container.h"
#include "lib/log.h"

#define ID "18ac3e7343f016890c510e93f935261169d9e3f565436429830faf0934f4f8e4"
#define KUBE                                        \
	"/kubepods.slice/kubepods-burstable.slice/" \
	"kubepods-burstable-podfa215d88_bd4e_5759_92ab_89ddaf983762.slice/"
#define N_FILES 5

static char root[64];
static struct mw_container_cache *cache;
static uint64_t next_id = 0xfff0000000000000ULL;

static const struct {
	const char *file, *cgroup, *runtime;
} files[N_FILES] = {
	{ "docker/containers/" ID "/config.v2.json", KUBE "docker-" ID ".scope", "docker" },
	{ "containerd/io.containerd.runtime.v2.task/k8s.io/" ID "/config.json",
	  KUBE "cri-containerd-" ID ".scope", "containerd" },
	{ "storage/overlay-containers/" ID "/userdata/config.json", KUBE "crio-" ID ".scope",
	  "cri-o" },
	{ "storage/overlay-containers/containers.json", "/machine.slice/libpod-" ID ".scope",
	  "podman" },
	{ "storage/overlay-images/images.json", "/machine.slice/libpod-" ID ".scope", "podman" },
};

static void remove_root(void)
{
	char cmd[96];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	if (system(cmd))
		fprintf(stderr, "cannot remove %s\n", root);
}

static void setup(void)
{
	static const char *dirs[] = {
		"docker",
		"docker/containers",
		"docker/containers/" ID,
		"containerd",
		"containerd/io.containerd.runtime.v2.task",
		"containerd/io.containerd.runtime.v2.task/k8s.io",
		"containerd/io.containerd.runtime.v2.task/k8s.io/" ID,
		"storage",
		"storage/overlay-containers",
		"storage/overlay-containers/" ID,
		"storage/overlay-containers/" ID "/userdata",
		"storage/overlay-images",
	};
	struct mw_config *cfg = calloc(1, sizeof(*cfg));
	char path[256];
	size_t i;

	snprintf(root, sizeof(root), "/tmp/mw-fuzz-ct.XXXXXX");
	if (!cfg || !mkdtemp(root))
		abort();
	atexit(remove_root);
	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", root, dirs[i]);
		if (mkdir(path, 0700))
			abort();
	}
	snprintf(cfg->ct_docker_root, sizeof(cfg->ct_docker_root), "%s/docker", root);
	snprintf(cfg->ct_containerd_root, sizeof(cfg->ct_containerd_root), "%s/containerd", root);
	snprintf(cfg->ct_storage_root, sizeof(cfg->ct_storage_root), "%s/storage", root);
	snprintf(cfg->ct_storage_run, sizeof(cfg->ct_storage_run), "%s/run", root);
	cache = mw_container_cache_new(cfg);
	free(cfg);
	if (!cache)
		abort();
	mw_log_level = -1; /* a warning per bad file is expected */
}

static void check_safe(const char *s, size_t size)
{
	size_t n = strnlen(s, size);

	if (n == size)
		abort(); /* not terminated */
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mw_container ct;
	char path[256];
	unsigned which;
	FILE *f;

	if (!cache)
		setup();
	if (!size)
		return 0;
	which = data[0] % N_FILES;
	snprintf(path, sizeof(path), "%s/%s", root, files[which].file);
	f = fopen(path, "w");
	if (!f || fwrite(data + 1, 1, size - 1, f) != size - 1 || fclose(f))
		abort();
	/* a cgroup id never met: the state is read afresh */
	if (mw_container_lookup(cache, next_id++, files[which].cgroup, &ct) || strcmp(ct.id, ID) ||
	    strcmp(ct.runtime, files[which].runtime))
		abort();
	check_safe(ct.name, sizeof(ct.name));
	check_safe(ct.image, sizeof(ct.image));
	check_safe(ct.pod, sizeof(ct.pod));
	check_safe(ct.namespace, sizeof(ct.namespace));
	unlink(path);
	return 0;
}
