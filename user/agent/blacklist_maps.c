// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "agent/blacklist_maps.h"
#include "lib/log.h"
#include "minewall.h"

/* Entries per batch update: large enough to amortise the syscall. */
#define FILL_BATCH 8192

static int find_type(const struct btf *btf, const char *name, uint32_t *id)
{
	int r = btf__find_by_name_kind(btf, name, BTF_KIND_STRUCT);

	if (r < 0)
		return r;
	*id = (uint32_t)r;
	return 0;
}

static void publish(struct mw_blacklist_maps *k)
{
	if (k->nr_entries)
		*k->nr_entries = (uint32_t)(k->n_v4 + k->n_v6 + k->n_learned);
}

int mw_blacklist_maps_open(struct mw_blacklist_maps *k, struct bpf_object *obj,
			   volatile uint32_t *nr_entries)
{
	struct bpf_map *m4 = bpf_object__find_map_by_name(obj, MW_MAP_BLACKLIST4);
	struct bpf_map *m6 = bpf_object__find_map_by_name(obj, MW_MAP_BLACKLIST6);
	struct bpf_map *hits = bpf_object__find_map_by_name(obj, MW_MAP_BL_HITS);
	struct btf *btf = bpf_object__btf(obj);

	memset(k, 0, sizeof(*k));
	k->inner4 = k->inner6 = -1;
	k->nr_entries = nr_entries;
	if (!m4 || !m6 || !hits || !btf)
		return -ENOENT;
	k->outer4 = bpf_map__fd(m4);
	k->outer6 = bpf_map__fd(m6);
	k->hits_fd = bpf_map__fd(hits);
	k->btf_fd = btf__fd(btf);
	/* BTF on the tries, so that bpftool prints their fields by name */
	if (find_type(btf, "mw_lpm4_key", &k->key4_tid) ||
	    find_type(btf, "mw_lpm_key", &k->key6_tid) ||
	    find_type(btf, "mw_bl_value", &k->value_tid))
		k->btf_fd = -1;
	return 0;
}

void mw_blacklist_maps_close(struct mw_blacklist_maps *k)
{
	if (k->inner4 >= 0)
		close(k->inner4);
	if (k->inner6 >= 0)
		close(k->inner6);
	k->inner4 = k->inner6 = -1;
}

static int trie_create(const struct mw_blacklist_maps *k, bool v4, size_t entries)
{
	LIBBPF_OPTS(bpf_map_create_opts, opts, .map_flags = BPF_F_NO_PREALLOC);
	size_t max = entries + (k->learned_room ? k->learned_room : MW_BL_LEARNED_ROOM);
	int fd;

	if (k->btf_fd >= 0) {
		opts.btf_fd = (uint32_t)k->btf_fd;
		opts.btf_key_type_id = v4 ? k->key4_tid : k->key6_tid;
		opts.btf_value_type_id = k->value_tid;
	}
	fd = bpf_map_create(BPF_MAP_TYPE_LPM_TRIE, v4 ? "mw_bl4_trie" : "mw_bl6_trie",
			    v4 ? sizeof(struct mw_lpm4_key) : sizeof(struct mw_lpm_key),
			    sizeof(struct mw_bl_value), (uint32_t)max, &opts);
	return fd < 0 ? -errno : fd;
}

/* The trie key of @p in @buf (an mw_lpm4_key for IPv4, else mw_lpm_key). */
static void trie_key(const struct mw_prefix *p, void *buf)
{
	if (mw_addr_is_v4(&p->addr)) {
		struct mw_lpm4_key *k = buf;

		k->prefixlen = p->len - 96u;
		memcpy(k->addr, p->addr.addr + 12, 4);
	} else {
		struct mw_lpm_key *k = buf;

		k->prefixlen = p->len;
		memcpy(k->addr, p->addr.addr, 16);
	}
}

/* Fills @fd with @n entries of one family: batches, or one by one where
 * the kernel has no batch update for tries. */
static int trie_fill(int fd, const struct mw_bl_kentry *e, size_t n, bool v4)
{
	size_t ksz = v4 ? sizeof(struct mw_lpm4_key) : sizeof(struct mw_lpm_key);
	uint8_t *keys = malloc(FILL_BATCH * ksz);
	struct mw_bl_value *vals = malloc(FILL_BATCH * sizeof(*vals));
	static int no_batch;
	size_t i, j, m;
	int err = 0;

	if (!keys || !vals) {
		free(keys);
		free(vals);
		return -ENOMEM;
	}
	for (i = 0; i < n && !err; i += m) {
		__u32 count;

		m = n - i < FILL_BATCH ? n - i : FILL_BATCH;
		memset(keys, 0, m * ksz);
		for (j = 0; j < m; j++) {
			trie_key(&e[i + j].prefix, keys + j * ksz);
			vals[j] = e[i + j].value;
		}
		count = (__u32)m;
		if (!no_batch && !bpf_map_update_batch(fd, keys, vals, &count, NULL))
			continue;
		if (!no_batch && errno != EINVAL && errno != ENOTSUP && errno != EOPNOTSUPP) {
			err = -errno;
			break;
		}
		no_batch = 1;
		for (j = 0; j < m; j++) {
			if (bpf_map_update_elem(fd, keys + j * ksz, &vals[j], BPF_ANY)) {
				err = -errno;
				break;
			}
		}
	}
	free(keys);
	free(vals);
	return err;
}

static int learned_value(const struct mw_bl_learned *l, uint8_t flags, void *key,
			 struct mw_bl_value *v)
{
	struct mw_prefix p = { .addr = l->addr, .len = 128 };

	memset(v, 0, sizeof(*v));
	v->list = l->list;
	v->flags = MW_BL_LEARNED | flags;
	trie_key(&p, key);
	return mw_addr_is_v4(&l->addr);
}

int mw_blacklist_maps_install(struct mw_blacklist_maps *k, const struct mw_bl_compiled *c,
			      const struct mw_blacklist *bl, const struct mw_prefix *alert,
			      size_t n_alert)
{
	int fd4, fd6, err;
	__u32 zero = 0;
	size_t i;

	fd4 = trie_create(k, true, c->n_v4);
	if (fd4 < 0)
		return fd4;
	fd6 = trie_create(k, false, c->n_v6);
	if (fd6 < 0) {
		close(fd4);
		return fd6;
	}
	err = trie_fill(fd4, c->e, c->n_v4, true);
	if (!err)
		err = trie_fill(fd6, c->n_v6 ? c->e + c->n_v4 : NULL, c->n_v6, false);
	for (i = 0; i < bl->n_learned && !err; i++) {
		struct mw_lpm_key key = { 0 };
		struct mw_bl_value v;
		uint8_t flags =
			mw_prefixes_contain(alert, n_alert, &bl->learned[i].addr) ? MW_BL_ALERT : 0;
		bool v4 = learned_value(&bl->learned[i], flags, &key, &v);

		/* a listed entry for the same address stays as it is */
		if (bpf_map_update_elem(v4 ? fd4 : fd6, &key, &v, BPF_NOEXIST) && errno != EEXIST)
			err = -errno;
	}
	/* the swap: each family in one update, IPv4 and IPv6 independent */
	if (!err && bpf_map_update_elem(k->outer4, &zero, &fd4, BPF_ANY))
		err = -errno;
	if (!err && bpf_map_update_elem(k->outer6, &zero, &fd6, BPF_ANY))
		err = -errno;
	if (err) {
		close(fd4);
		close(fd6);
		return err;
	}
	mw_blacklist_maps_close(k);
	k->inner4 = fd4;
	k->inner6 = fd6;
	k->n_v4 = c->n_v4;
	k->n_v6 = c->n_v6;
	k->n_learned = bl->n_learned;
	publish(k);
	return 0;
}

int mw_blacklist_maps_learn(struct mw_blacklist_maps *k, const struct mw_bl_learned *l,
			    uint8_t flags)
{
	struct mw_lpm_key key = { 0 };
	struct mw_bl_value v;
	bool v4 = learned_value(l, flags, &key, &v);
	int fd = v4 ? k->inner4 : k->inner6;

	if (fd < 0)
		return -ENOENT;
	if (bpf_map_update_elem(fd, &key, &v, BPF_NOEXIST))
		return errno == EEXIST ? 0 : -errno;
	k->n_learned++;
	publish(k);
	return 0;
}

int mw_blacklist_maps_forget(struct mw_blacklist_maps *k, const struct mw_addr *addr)
{
	struct mw_prefix p = { .addr = *addr, .len = 128 };
	struct mw_lpm_key key = { 0 };
	struct mw_bl_value v;
	int fd = mw_addr_is_v4(addr) ? k->inner4 : k->inner6;

	if (fd < 0)
		return -ENOENT;
	trie_key(&p, &key);
	/* a listed entry for the address is not ours to remove */
	if (bpf_map_lookup_elem(fd, &key, &v) || !(v.flags & MW_BL_LEARNED))
		return 0;
	if (bpf_map_delete_elem(fd, &key))
		return -errno;
	if (k->n_learned)
		k->n_learned--;
	publish(k);
	return 0;
}

int mw_blacklist_maps_lookup(const struct mw_blacklist_maps *k, const struct mw_addr *addr,
			     struct mw_bl_value *v)
{
	struct mw_prefix p = { .addr = *addr, .len = 128 };
	struct mw_lpm_key key = { 0 };
	int fd = mw_addr_is_v4(addr) ? k->inner4 : k->inner6;

	if (fd < 0)
		return -ENOENT;
	trie_key(&p, &key);
	return bpf_map_lookup_elem(fd, &key, v) ? -ENOENT : 0;
}

int mw_blacklist_maps_hits(const struct mw_blacklist_maps *k, uint64_t *hits)
{
	int ncpu = libbpf_num_possible_cpus();
	uint64_t *percpu;
	__u32 id;
	int c;

	if (ncpu <= 0)
		return -EINVAL;
	percpu = calloc((size_t)ncpu, sizeof(*percpu));
	if (!percpu)
		return -ENOMEM;
	for (id = 0; id < MW_BL_LISTS_MAX; id++) {
		hits[id] = 0;
		if (bpf_map_lookup_elem(k->hits_fd, &id, percpu))
			continue;
		for (c = 0; c < ncpu; c++)
			hits[id] += percpu[c];
	}
	free(percpu);
	return 0;
}
