// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_packets_agent.c - the agent's side of the datapath: its consumer of
 * both rings, and its start over pinned maps of another layout.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>

#include "lib/addr.h"
#include "parse/config.h"
#include "agent/events.h"
#include "pkt_harness.h"
#include "test.h"
#include "lib/util.h"

/* --- the agent's consumer of both rings ---------------------------------- */

struct consumed {
	int ends, new_public, peeks;
	int first_peek_at, first_end_at, n; /* order of arrival */
};

static void on_c_end(void *arg, const struct mw_event_flow *ev)
{
	struct consumed *c = arg;

	if (!c->ends++)
		c->first_end_at = c->n;
	c->n++;
}

static void on_c_public(void *arg, const struct mw_event_flow *ev)
{
	struct consumed *c = arg;

	c->new_public++;
	c->n++;
}

static void on_c_peek(void *arg, const struct mw_event_peek *ev)
{
	struct consumed *c = arg;

	if (!c->peeks++)
		c->first_peek_at = c->n;
	c->n++;
}

static const struct conv conv_dns = { 4, IPPROTO_UDP, SRV, "192.0.2.53", 33333, 53, 0, 0 };

/* A flood of peeks waiting, and then a flow end: the agent's consumer hands
 * over the flow end first, and at most MW_PEEKS_PER_CONSUME peeks a call. */
static void seq_consumer(void *arg)
{
	struct consumed c = { 0 };
	struct mw_event_sink sink = {
		.flow_end = on_c_end, .new_public = on_c_public, .peek = on_c_peek, .arg = &c
	};
	const int n_answers = MW_PEEKS_PER_CONSUME + 76;
	/* the host's DNS query, answered again and again */
	const struct step dns[] = { { H, 0, 40 }, { R, 0, 100, .times = n_answers } };
	/* a connection the host opens, refused: its end decides (a forger's
	 * flow would end in the best-effort ring) */
	static const struct step refused[] = { { H, SYN }, { R, RA } };
	struct mw_events ev;
	int got;

	pkt_reset();
	if (!ASSERT_EQ(mw_events_open(&ev, mw_loader_map_fd(&env.L, MW_MAP_EVENTS)), 0, "open") ||
	    !ASSERT_EQ(mw_events_add_peeks(&ev, mw_loader_map_fd(&env.L, MW_MAP_PEEKS)), 0,
		       "add the peek ring"))
		return;
	mw_events_add_sink(&ev, &sink);
	env.keep_in_rings = true;
	conv_begin(&conv_dns, 0);
	run_steps(dns, ARRAY_SIZE(dns));
	conv_begin(&conv_ssh, 0);
	run_steps(refused, ARRAY_SIZE(refused));
	env.keep_in_rings = false;

	got = mw_events_consume(&ev);
	ASSERT_EQ(got, 3 + MW_PEEKS_PER_CONSUME,
		  "first call: the three decisive events, a batch of peeks");
	ASSERT_EQ(c.new_public, 2, "the new public flows (the query's, the connection's)");
	ASSERT_EQ(c.ends, 1, "the flow end, sent after the peeks");
	ASSERT_TRUE(c.first_end_at < c.first_peek_at, "handed over before any peek");
	ASSERT_EQ(c.peeks, MW_PEEKS_PER_CONSUME, "peeks: one batch");
	got = mw_events_consume(&ev);
	ASSERT_EQ(got, n_answers + 1 - MW_PEEKS_PER_CONSUME, "second call: the rest of the peeks");
	ASSERT_EQ(c.peeks, n_answers + 1, "every peek handed over in the end");
	ASSERT_EQ(pkt_stats().peeks_lost + pkt_stats().events_lost, 0, "nothing lost");
	mw_events_close(&ev);
}

/* --- pinned maps of another layout ------------------------------------- */

/* The ids of the maps pinned in @dir, by file name order; returns how many. */
static int pinned_ids(const char *dir, __u32 *ids, int max)
{
	struct dirent **names;
	int n, i, k = 0;

	n = scandir(dir, &names, NULL, alphasort);
	for (i = 0; i < n; i++) {
		char path[PATH_MAX];
		struct bpf_map_info info = { 0 };
		__u32 len = sizeof(info);
		int fd;

		snprintf(path, sizeof(path), "%s/%s", dir, names[i]->d_name);
		fd = names[i]->d_name[0] == '.' ? -1 : bpf_obj_get(path);
		if (fd >= 0 && k < max && !bpf_obj_get_info_by_fd(fd, &info, &len))
			ids[k++] = info.id;
		if (fd >= 0)
			close(fd);
		free(names[i]);
	}
	free(names);
	return k;
}

static void unpin_dir(const char *dir)
{
	struct dirent *e;
	DIR *d = opendir(dir);
	char path[PATH_MAX];

	while (d && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		unlink(path);
	}
	if (d)
		closedir(d);
	rmdir(dir);
}

/* An mw_block of the same sizes as today's whose value's second field has
 * another name: what a same-size change of meaning looks like. */
static int pin_renamed_block(const char *path, const struct mw_addr *a)
{
	LIBBPF_OPTS(bpf_map_create_opts, opts, .map_flags = BPF_F_NO_PREALLOC);
	struct mw_block b = { .drops = 7 };
	struct btf *btf = btf__new_empty();
	int u8, u64, arr, key, val, fd = -1;

	u8 = btf__add_int(btf, "unsigned char", 1, 0);
	u64 = btf__add_int(btf, "unsigned long long", 8, 0);
	arr = btf__add_array(btf, u8, u8, 16);
	key = btf__add_struct(btf, "mw_addr", 16);
	btf__add_field(btf, "addr", arr, 0, 0);
	val = btf__add_struct(btf, "mw_block", 16);
	btf__add_field(btf, "expires_ns", u64, 0, 0);
	btf__add_field(btf, "hits", u64, 64, 0);
	if (btf__load_into_kernel(btf))
		goto out;
	opts.btf_fd = btf__fd(btf);
	opts.btf_key_type_id = key;
	opts.btf_value_type_id = val;
	fd = bpf_map_create(BPF_MAP_TYPE_HASH, MW_MAP_BLOCK, sizeof(*a), sizeof(b), MW_BLOCK_MAX,
			    &opts);
	if (fd >= 0 && (bpf_map_update_elem(fd, a, &b, 0) || bpf_obj_pin(fd, path))) {
		close(fd);
		fd = -1;
	}
out:
	btf__free(btf);
	if (fd >= 0)
		close(fd);
	return fd >= 0 ? 0 : -1;
}

static void seq_pinned(void *arg)
{
	char dir[64], path[PATH_MAX];
	struct bpf_map_info info = { 0 };
	__u32 len = sizeof(info), ids[32], ids2[32];
	struct mw_block b = { .drops = 7 };
	struct mw_config cfg;
	struct mw_loader l2;
	struct mw_addr a;
	int fd, n, n2;

	mw_config_defaults(&cfg);
	cfg.max_flows = 4096;
	mw_addr_parse("198.51.100.99", &a);
	snprintf(dir, sizeof(dir), "/sys/fs/bpf/mw-pkt-%d", (int)getpid());
	unpin_dir(dir);
	if (!ASSERT_EQ(mkdir(dir, 0700), 0, "a pin directory of our own"))
		return;

	/* an older version's flow table (96-byte values) and an mw_block
	 * whose sizes match but whose fields do not */
	snprintf(path, sizeof(path), "%s/%s", dir, MW_MAP_FLOWS);
	fd = bpf_map_create(BPF_MAP_TYPE_LRU_HASH, MW_MAP_FLOWS, sizeof(struct mw_flow_key), 96,
			    cfg.max_flows, NULL);
	ASSERT_TRUE(fd >= 0 && !bpf_obj_pin(fd, path), "an old mw_flows pinned");
	if (fd >= 0)
		close(fd);
	snprintf(path, sizeof(path), "%s/%s", dir, MW_MAP_BLOCK);
	ASSERT_EQ(pin_renamed_block(path, &a), 0, "an mw_block of another field layout pinned");

	if (!ASSERT_EQ(mw_loader_load(&l2, &cfg, dir), 0, "the agent starts over them")) {
		unpin_dir(dir);
		return;
	}
	snprintf(path, sizeof(path), "%s/%s", dir, MW_MAP_FLOWS);
	fd = bpf_obj_get(path);
	if (ASSERT_TRUE(fd >= 0, "mw_flows pinned anew")) {
		bpf_obj_get_info_by_fd(fd, &info, &len);
		ASSERT_EQ(info.value_size, sizeof(struct mw_flow), "with today's value size");
		close(fd);
	}
	fd = mw_loader_map_fd(&l2, MW_MAP_BLOCK);
	ASSERT_TRUE(bpf_map_lookup_elem(fd, &a, &b) && errno == ENOENT,
		    "mw_block replaced: the old entry is gone");
	b.drops = 9;
	bpf_map_update_elem(fd, &a, &b, 0);
	n = pinned_ids(dir, ids, ARRAY_SIZE(ids));
	mw_loader_destroy(&l2);

	/* the same layout: every pinned map adopted, entries kept */
	if (ASSERT_EQ(mw_loader_load(&l2, &cfg, dir), 0, "a restart")) {
		n2 = pinned_ids(dir, ids2, ARRAY_SIZE(ids2));
		ASSERT_TRUE(n > 5 && n == n2 && !memcmp(ids, ids2, n * sizeof(ids[0])),
			    "every pinned map adopted (same ids)");
		memset(&b, 0, sizeof(b));
		ASSERT_TRUE(!bpf_map_lookup_elem(mw_loader_map_fd(&l2, MW_MAP_BLOCK), &a, &b) &&
				    b.drops == 9,
			    "and its entries kept");
		mw_loader_destroy(&l2);
	}
	unpin_dir(dir);
}

void test_packets_agent(void)
{
	test_run("seq the agent's consumer: decisive ring first, peeks in batches", seq_consumer,
		 NULL);
	test_run("seq pinned maps of another layout are replaced, the same adopted", seq_pinned,
		 NULL);
}
