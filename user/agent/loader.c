// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <linux/if_link.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "lib/addr.h"
#include "agent/loader.h"
#include "lib/log.h"
#include "lib/pinned.h"
#include "lib/util.h"
#include "minewall.skel.h"

/* tc filter identity: "mw" as the handle, and the first priority so that
 * the sensor sees packets before other classifiers can redirect them. */
#define MW_TC_HANDLE 0x6d77
#define MW_TC_PRIORITY 1

#define VERIFIER_LOG_SIZE (1U << 22)

static char verifier_log[VERIFIER_LOG_SIZE];

int mw_loader_preflight(void)
{
	struct stat st;
	int ret;

	ret = libbpf_probe_bpf_prog_type(BPF_PROG_TYPE_XDP, NULL);
	if (ret == -ENOSYS || ret == 0) {
		pr_warn("this kernel has no BPF or no XDP support (CONFIG_BPF_SYSCALL, CONFIG_XDP_SOCKETS)\n");
		return -ENOSYS;
	}
	if (ret == -EPERM || (ret < 0 && geteuid() != 0)) {
		pr_warn("not allowed to load BPF programs: run as root (needs CAP_BPF, CAP_NET_ADMIN, CAP_PERFMON, CAP_SYS_ADMIN for bpffs)\n");
		return -EPERM;
	}
	if (stat("/sys/kernel/btf/vmlinux", &st)) {
		pr_warn("this kernel has no BTF (/sys/kernel/btf/vmlinux missing; CONFIG_DEBUG_INFO_BTF=y is required)\n");
		return -ENOTSUP;
	}
	return 0;
}

/* Deepest nesting of the map value types (mw_agent: ifaces[].name). */
#define LAYOUT_DEPTH_MAX 8

/*
 * Whether type @ia of @a and type @ib of @b lay out the same bytes with the
 * same meaning: same kind and size; for structs and unions, the same
 * members by name, offset and layout; for arrays, the same count of the
 * same element. Typedefs and qualifiers are looked through. Sizes alone
 * would miss a field renamed or moved within the same size (a pad that
 * became a flag).
 */
static bool btf_same_layout(const struct btf *a, __u32 ia, const struct btf *b, __u32 ib, int depth)
{
	const struct btf_type *ta, *tb;
	int ra = btf__resolve_type(a, ia), rb = btf__resolve_type(b, ib);
	unsigned i;

	if (ra < 0 || rb < 0 || depth > LAYOUT_DEPTH_MAX)
		return false;
	ta = btf__type_by_id(a, ra);
	tb = btf__type_by_id(b, rb);
	if (!ta || !tb || btf_kind(ta) != btf_kind(tb) ||
	    btf__resolve_size(a, ra) != btf__resolve_size(b, rb))
		return false;
	if (btf_is_int(ta))
		return btf_int_encoding(ta) == btf_int_encoding(tb) &&
		       btf_int_bits(ta) == btf_int_bits(tb);
	if (btf_is_array(ta))
		return btf_array(ta)->nelems == btf_array(tb)->nelems &&
		       btf_same_layout(a, btf_array(ta)->type, b, btf_array(tb)->type, depth + 1);
	if (!btf_is_composite(ta))
		return true; /* enums, pointers: same kind and size */
	if (btf_vlen(ta) != btf_vlen(tb))
		return false;
	for (i = 0; i < btf_vlen(ta); i++) {
		const struct btf_member *ma = btf_members(ta) + i, *mb = btf_members(tb) + i;

		if (strcmp(btf__name_by_offset(a, ma->name_off),
			   btf__name_by_offset(b, mb->name_off)) ||
		    btf_member_bit_offset(ta, i) != btf_member_bit_offset(tb, i) ||
		    btf_member_bitfield_size(ta, i) != btf_member_bitfield_size(tb, i) ||
		    !btf_same_layout(a, ma->type, b, mb->type, depth + 1))
			return false;
	}
	return true;
}

/* The pinned map's BTF, loaded once per BTF object (all maps of one BPF
 * object share it). */
struct pinned_btf {
	__u32 id;
	struct btf *btf;
};

/* The kernel's BTF object @id, read into a zeroed buffer of our own:
 * btf__load_from_kernel_by_id() hands the kernel a buffer that valgrind
 * cannot see being written, and the agent runs under valgrind in tests. */
static struct btf *btf_from_kernel(__u32 id)
{
	struct bpf_btf_info info;
	struct btf *btf = NULL;
	__u32 len = sizeof(info), size;
	void *data = NULL;
	int fd = bpf_btf_get_fd_by_id(id);

	if (fd < 0)
		return NULL;
	memset(&info, 0, sizeof(info));
	if (bpf_obj_get_info_by_fd(fd, &info, &len) || !info.btf_size)
		goto out;
	size = info.btf_size;
	data = calloc(1, size);
	if (!data)
		goto out;
	memset(&info, 0, sizeof(info));
	info.btf = (__u64)(unsigned long)data;
	info.btf_size = size;
	len = sizeof(info);
	if (!bpf_obj_get_info_by_fd(fd, &info, &len) && info.btf_size == size) {
		btf = btf__new(data, size);
		if (libbpf_get_error(btf))
			btf = NULL;
	}
out:
	free(data);
	close(fd);
	return btf;
}

static const struct btf *pinned_btf_get(struct pinned_btf *pb, __u32 id)
{
	if (pb->btf && pb->id == id)
		return pb->btf;
	btf__free(pb->btf);
	pb->btf = btf_from_kernel(id);
	pb->id = id;
	return pb->btf;
}

/* Why pinned map @info cannot serve as @map, or NULL when it can. */
static const char *pin_mismatch(const struct bpf_map_info *info, const struct bpf_map *map,
				const struct btf *ours, struct pinned_btf *pb)
{
	const struct btf *theirs;

	if (info->type != bpf_map__type(map))
		return "another map type";
	if (info->key_size != bpf_map__key_size(map) ||
	    info->value_size != bpf_map__value_size(map))
		return "another key or value size";
	if (info->max_entries != bpf_map__max_entries(map))
		return "another size";
	if (info->map_flags != bpf_map__map_flags(map))
		return "other flags";
	/* same sizes: compare the types when both sides have them (a map
	 * without BTF cannot be told apart, and is kept) */
	if (!ours || !info->btf_id || !bpf_map__btf_value_type_id(map) || !info->btf_value_type_id)
		return NULL;
	theirs = pinned_btf_get(pb, info->btf_id);
	if (!theirs)
		return NULL;
	if (!btf_same_layout(ours, bpf_map__btf_value_type_id(map), theirs, info->btf_value_type_id,
			     0) ||
	    (bpf_map__btf_key_type_id(map) && info->btf_key_type_id &&
	     !btf_same_layout(ours, bpf_map__btf_key_type_id(map), theirs, info->btf_key_type_id,
			      0)))
		return "another field layout";
	return NULL;
}

/* An earlier version or another max_flows leaves maps that libbpf cannot
 * reuse, or could reuse but would misread (a field renamed or moved within
 * the same size); replace them rather than refuse to start or misread. */
static void drop_incompatible_pins(struct bpf_object *obj)
{
	const struct btf *ours = bpf_object__btf(obj);
	struct pinned_btf pb = { 0 };
	struct bpf_map_info info;
	struct bpf_map *map;
	const char *why;
	__u32 len;
	int fd;

	bpf_object__for_each_map(map, obj) {
		const char *path = bpf_map__pin_path(map);

		if (!path)
			continue;
		fd = bpf_obj_get(path);
		if (fd < 0)
			continue;
		memset(&info, 0, sizeof(info));
		len = sizeof(info);
		if (!bpf_obj_get_info_by_fd(fd, &info, &len)) {
			why = pin_mismatch(&info, map, ours, &pb);
			if (why) {
				pr_warn("pinned map %s has %s (an older version, or a new size): replacing it, its entries are lost\n",
					path, why);
				unlink(path);
			}
		}
		close(fd);
	}
	btf__free(pb.btf);
}

static void print_verifier_tail(const char *prog)
{
	size_t len = strnlen(verifier_log, sizeof(verifier_log));
	const char *p = verifier_log + len;
	int lines = 0;

	if (!len) {
		pr_warn("program %s was rejected; run with -vv to see libbpf's log\n", prog);
		return;
	}
	while (p > verifier_log && lines < 12)
		if (*--p == '\n')
			lines++;
	pr_warn("the kernel verifier rejected program %s; last lines of its log:\n%s\n", prog,
		p == verifier_log ? p : p + 1);
}

int mw_loader_load(struct mw_loader *l, const struct mw_config *cfg, const char *pin_path)
{
	return mw_loader_load_variant(l, cfg, pin_path, 0, 0);
}

int mw_loader_load_variant(struct mw_loader *l, const struct mw_config *cfg, const char *pin_path,
			   unsigned flows_type, unsigned flows_flags)
{
	LIBBPF_OPTS(bpf_object_open_opts, opts, .pin_root_path = pin_path);
	struct bpf_program *prog;
	struct bpf_map *map;
	int err;

	memset(l, 0, sizeof(*l));
	l->skel = minewall_bpf__open_opts(&opts);
	if (!l->skel) {
		err = -errno;
		pr_warn("cannot open the BPF object: %s\n", strerror(-err));
		return err;
	}

	l->skel->rodata->mw_cfg.peek_packets = cfg->peek_packets;
	l->skel->rodata->mw_cfg.peek_bytes = cfg->peek_bytes;
	err = bpf_map__set_max_entries(l->skel->maps.mw_flows, cfg->max_flows);
	/* the flows under observation: a quarter of the table, as by default */
	if (!err)
		err = bpf_map__set_max_entries(l->skel->maps.mw_watched,
					       cfg->max_flows / 4 ? cfg->max_flows / 4 : 1);
	if (!err && flows_type)
		err = bpf_map__set_type(l->skel->maps.mw_flows, flows_type);
	if (!err && flows_flags)
		err = bpf_map__set_map_flags(l->skel->maps.mw_flows, flows_flags);
	if (err)
		goto fail;

	if (!pin_path) {
		bpf_object__for_each_map(map, l->skel->obj)
			bpf_map__set_pin_path(map, NULL);
	} else {
		drop_incompatible_pins(l->skel->obj);
	}

	verifier_log[0] = '\0';
	bpf_object__for_each_program(prog, l->skel->obj)
		bpf_program__set_log_buf(prog, verifier_log, sizeof(verifier_log));

	err = minewall_bpf__load(l->skel);
	if (err) {
		if (err == -EPERM)
			pr_warn("loading the BPF programs was refused (EPERM): run as root, or raise RLIMIT_MEMLOCK on old kernels\n");
		else if (verifier_log[0])
			print_verifier_tail("mw_xdp_ingress/mw_tc_egress/mw_port_*");
		else
			pr_warn("cannot load the BPF programs: %s\n", strerror(-err));
		goto fail;
	}
	return 0;
fail:
	minewall_bpf__destroy(l->skel);
	l->skel = NULL;
	return err;
}

int mw_loader_xdp_fd(const struct mw_loader *l)
{
	return bpf_program__fd(l->skel->progs.mw_xdp_ingress);
}

int mw_loader_tc_fd(const struct mw_loader *l)
{
	return bpf_program__fd(l->skel->progs.mw_tc_egress);
}

int mw_loader_map_fd(const struct mw_loader *l, const char *name)
{
	struct bpf_map *map = bpf_object__find_map_by_name(l->skel->obj, name);

	return map ? bpf_map__fd(map) : -1;
}

/* Refuses to replace an XDP program that is not ours (@prog_fd), nor an
 * earlier minewall's. Without CAP_SYS_ADMIN (dropped once the agent runs)
 * a program of another id cannot be looked at: it is taken as foreign. */
static int check_foreign_xdp(int ifindex, const char *ifname, int prog_fd)
{
	struct bpf_prog_info info;
	__u32 id = 0, len = sizeof(info);
	int fd, ret = 0;

	if (bpf_xdp_query_id(ifindex, 0, &id) || !id)
		return 0;
	memset(&info, 0, sizeof(info));
	if (!bpf_obj_get_info_by_fd(prog_fd, &info, &len) && info.id == id)
		return 0;
	fd = bpf_prog_get_fd_by_id(id);
	if (fd < 0) {
		pr_warn("%s: another XDP program (id %u) is attached; minewall will not replace it\n",
			ifname, id);
		return -EBUSY;
	}
	memset(&info, 0, sizeof(info));
	len = sizeof(info);
	if (!bpf_obj_get_info_by_fd(fd, &info, &len) && strcmp(info.name, "mw_xdp_ingress")) {
		pr_warn("%s: another XDP program (%s, id %u) is attached; minewall will not replace it\n",
			ifname, info.name, id);
		ret = -EBUSY;
	}
	close(fd);
	return ret;
}

static int attach_xdp(int ifindex, const char *ifname, int prog_fd, unsigned mode_cfg,
		      enum mw_xdp_mode *mode)
{
	int err;

	if (mode_cfg != MW_XDP_CFG_GENERIC) {
		err = bpf_xdp_attach(ifindex, prog_fd, XDP_FLAGS_DRV_MODE, NULL);
		if (!err) {
			*mode = MW_XDP_NATIVE;
			return 0;
		}
		if (mode_cfg == MW_XDP_CFG_NATIVE) {
			pr_warn("%s: native XDP attach failed: %s\n", ifname, strerror(-err));
			return err;
		}
		pr_info("%s: native XDP not available (%s), using generic XDP\n", ifname,
			strerror(-err));
	}
	err = bpf_xdp_attach(ifindex, prog_fd, XDP_FLAGS_SKB_MODE, NULL);
	if (err) {
		pr_warn("%s: generic XDP attach failed: %s\n", ifname, strerror(-err));
		return err;
	}
	*mode = MW_XDP_GENERIC;
	return 0;
}

/* The clsact qdisc of @ifindex, for both directions at once (asked again,
 * the kernel logs its refusal through libbpf). */
static int tc_hook_create(int ifindex, const char *ifname, enum bpf_tc_attach_point points)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex, .attach_point = points);
	int err = bpf_tc_hook_create(&hook);

	if (err && err != -EEXIST) {
		pr_warn("%s: cannot create the clsact qdisc: %s\n", ifname, strerror(-err));
		return err;
	}
	return 0;
}

static int attach_tc_at(int ifindex, const char *ifname, int prog_fd,
			enum bpf_tc_attach_point point)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex, .attach_point = point);
	LIBBPF_OPTS(bpf_tc_opts, opts, .handle = MW_TC_HANDLE, .priority = MW_TC_PRIORITY,
		    .prog_fd = prog_fd, .flags = BPF_TC_F_REPLACE);
	int err = bpf_tc_attach(&hook, &opts);

	if (err)
		pr_warn("%s: tc %s attach failed: %s\n", ifname,
			point == BPF_TC_INGRESS ? "ingress" : "egress", strerror(-err));
	return err;
}

static int attach_tc(int ifindex, const char *ifname, int prog_fd)
{
	int err = tc_hook_create(ifindex, ifname, BPF_TC_EGRESS);

	return err ? err : attach_tc_at(ifindex, ifname, prog_fd, BPF_TC_EGRESS);
}

static void detach_tc_at(int ifindex, enum bpf_tc_attach_point point)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex, .attach_point = point);
	LIBBPF_OPTS(bpf_tc_opts, opts, .handle = MW_TC_HANDLE, .priority = MW_TC_PRIORITY);

	/* the clsact qdisc stays: other tools may have filters on it */
	bpf_tc_detach(&hook, &opts);
}

static void detach_tc(int ifindex)
{
	detach_tc_at(ifindex, BPF_TC_EGRESS);
}

int mw_loader_attach_port(struct mw_loader *l, int ifindex, const char *ifname)
{
	int err;

	err = tc_hook_create(ifindex, ifname, BPF_TC_INGRESS | BPF_TC_EGRESS);
	if (!err)
		err = attach_tc_at(ifindex, ifname, bpf_program__fd(l->skel->progs.mw_port_ingress),
				   BPF_TC_INGRESS);
	if (err)
		return err;
	err = attach_tc_at(ifindex, ifname, bpf_program__fd(l->skel->progs.mw_port_egress),
			   BPF_TC_EGRESS);
	if (err)
		detach_tc_at(ifindex, BPF_TC_INGRESS);
	return err;
}

void mw_loader_detach_port(int ifindex)
{
	detach_tc_at(ifindex, BPF_TC_INGRESS);
	detach_tc_at(ifindex, BPF_TC_EGRESS);
}

int mw_loader_attach(struct mw_loader *l, const char *ifname, unsigned xdp_mode_cfg)
{
	struct mw_attachment *a;
	int ifindex, err;

	if (l->n_att >= MW_MAX_IFACES) {
		pr_warn("%s: at most %d interfaces\n", ifname, MW_MAX_IFACES);
		return -E2BIG;
	}
	ifindex = if_nametoindex(ifname);
	if (!ifindex) {
		pr_warn("%s: no such interface\n", ifname);
		return -ENODEV;
	}
	err = check_foreign_xdp(ifindex, ifname, mw_loader_xdp_fd(l));
	if (err)
		return err;

	a = &l->att[l->n_att];
	memset(a, 0, sizeof(*a));
	snprintf(a->name, sizeof(a->name), "%s", ifname);
	a->ifindex = ifindex;
	err = attach_xdp(ifindex, ifname, mw_loader_xdp_fd(l), xdp_mode_cfg, &a->xdp_mode);
	if (err)
		return err;
	err = attach_tc(ifindex, ifname, mw_loader_tc_fd(l));
	if (err) {
		bpf_xdp_detach(ifindex,
			       a->xdp_mode == MW_XDP_NATIVE ? XDP_FLAGS_DRV_MODE :
							      XDP_FLAGS_SKB_MODE,
			       NULL);
		return err;
	}
	a->tc_attached = true;
	l->n_att++;
	pr_info("%s: attached (XDP %s, tc egress)\n", ifname, mw_pinned_xdp_mode_name(a->xdp_mode));
	return 0;
}

static __u32 prog_id(int fd)
{
	struct bpf_prog_info info;
	__u32 len = sizeof(info);

	memset(&info, 0, sizeof(info));
	return bpf_obj_get_info_by_fd(fd, &info, &len) ? 0 : info.id;
}

int mw_loader_heal(struct mw_loader *l, unsigned xdp_mode_cfg)
{
	__u32 ours = prog_id(mw_loader_xdp_fd(l));
	unsigned i;
	int healed = 0;

	for (i = 0; i < l->n_att; i++) {
		struct mw_attachment *a = &l->att[i];
		int ifindex = if_nametoindex(a->name);
		__u32 id = 0;

		if (!ifindex) {
			if (a->ifindex) {
				pr_warn("%s: interface is gone; will attach again when it returns\n",
					a->name);
				a->ifindex = 0;
				a->xdp_mode = MW_XDP_NONE;
				healed++;
			}
			continue;
		}
		if (ifindex == a->ifindex && !bpf_xdp_query_id(ifindex, 0, &id) && id == ours)
			continue;
		if (check_foreign_xdp(ifindex, a->name, mw_loader_xdp_fd(l)))
			continue;
		if (attach_xdp(ifindex, a->name, mw_loader_xdp_fd(l), xdp_mode_cfg, &a->xdp_mode) ||
		    attach_tc(ifindex, a->name, mw_loader_tc_fd(l)))
			continue;
		pr_warn("%s: %s; attached again (XDP %s)\n", a->name,
			ifindex != a->ifindex ? "interface re-appeared" :
						"our program was detached",
			mw_pinned_xdp_mode_name(a->xdp_mode));
		a->ifindex = ifindex;
		a->tc_attached = true;
		healed++;
	}
	return healed;
}

void mw_loader_detach_all(struct mw_loader *l)
{
	unsigned i;

	for (i = 0; i < l->n_att; i++) {
		struct mw_attachment *a = &l->att[i];
		LIBBPF_OPTS(bpf_xdp_attach_opts, opts, .old_prog_fd = mw_loader_xdp_fd(l));

		if (!a->ifindex)
			continue;
		__u32 flags = a->xdp_mode == MW_XDP_NATIVE ? XDP_FLAGS_DRV_MODE :
							     XDP_FLAGS_SKB_MODE;

		/* XDP_FLAGS_REPLACE with old_prog_fd: never detach a program that
		 * someone attached after us */
		bpf_xdp_attach(a->ifindex, -1, flags | XDP_FLAGS_REPLACE, &opts);
		if (a->tc_attached)
			detach_tc(a->ifindex);
	}
	l->n_att = 0;
}

/* Where cgroup v2 is mounted (/sys/fs/cgroup, or /sys/fs/cgroup/unified on
 * hybrid systems). Returns 0 or -ENOENT. */
static int cgroup2_root(char *path, size_t len)
{
	char dev[64], dir[PATH_MAX], type[32];
	FILE *f = fopen("/proc/self/mounts", "r");
	int ret = -ENOENT;

	if (!f)
		return -errno;
	while (fscanf(f, "%63s %4095s %31s %*[^\n]", dev, dir, type) == 3) {
		if (!strcmp(type, "cgroup2")) {
			snprintf(path, len, "%s", dir);
			ret = 0;
			break;
		}
	}
	fclose(f);
	return ret;
}

int mw_loader_attach_owner(struct mw_loader *l)
{
	/* the last: which sshd process writes each SSH connection's bytes,
	 * the host's word on a login (agent_detect.c) */
	struct bpf_program *progs[] = { l->skel->progs.mw_connect4, l->skel->progs.mw_connect6,
					l->skel->progs.mw_sendmsg4, l->skel->progs.mw_sendmsg6,
					l->skel->progs.mw_ssh_egress };
	char root[PATH_MAX];
	unsigned i;
	int fd, err;

	err = cgroup2_root(root, sizeof(root));
	if (err) {
		pr_warn("no cgroup v2 mount: connections will not name their process\n");
		return err;
	}
	fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		pr_warn("cannot open %s: %s\n", root, strerror(-err));
		return err;
	}
	for (i = 0; i < ARRAY_SIZE(progs); i++) {
		l->owner_links[i] = bpf_program__attach_cgroup(progs[i], fd);
		if (!l->owner_links[i]) {
			err = -errno;
			pr_warn("cannot attach %s to %s (%s): connections will not name their process\n",
				bpf_program__name(progs[i]), root, strerror(-err));
			break;
		}
	}
	close(fd);
	return err;
}

void mw_loader_destroy(struct mw_loader *l)
{
	if (!l || !l->skel)
		return;
	for (unsigned i = 0; i < ARRAY_SIZE(l->owner_links); i++) {
		bpf_link__destroy(l->owner_links[i]);
		l->owner_links[i] = NULL;
	}
	minewall_bpf__destroy(l->skel);
	l->skel = NULL;
}

int mw_loader_set_internal(struct mw_loader *l, const struct mw_config *cfg)
{
	int fd = mw_loader_map_fd(l, MW_MAP_INTERNAL);
	struct mw_lpm_key k, next, *prev = NULL;
	__u32 one = 1;
	unsigned i;

	/* add first, then drop what is no longer configured: no moment in
	 * which an internal network counts as public */
	for (i = 0; i < cfg->n_internal; i++) {
		mw_prefix_to_lpm(&cfg->internal[i], &k);
		if (bpf_map_update_elem(fd, &k, &one, 0)) {
			int err = -errno;
			char buf[MW_ADDRSTRLEN];

			pr_warn("cannot add internal network %s: %s\n",
				mw_prefix_str(&cfg->internal[i], buf, sizeof(buf)), strerror(-err));
			return err;
		}
	}
	while (!bpf_map_get_next_key(fd, prev, &next)) {
		bool keep = false;

		for (i = 0; i < cfg->n_internal && !keep; i++) {
			struct mw_lpm_key want;

			mw_prefix_to_lpm(&cfg->internal[i], &want);
			keep = !memcmp(&want, &next, sizeof(want));
		}
		k = next;
		prev = &k;
		if (!keep && !bpf_map_delete_elem(fd, &k))
			prev = NULL; /* start over: the key we stood on is gone */
	}
	return 0;
}
