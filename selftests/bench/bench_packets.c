// SPDX-License-Identifier: GPL-2.0-only
/*
 * bench_packets.c - per-packet cost of the XDP and tc programs through
 * BPF_PROG_TEST_RUN, beside empty programs measured in the same run.
 * Each figure is the median of ROUNDS runs of REPEAT packets; the kernel
 * times the repeat loop itself, so syscall cost is not included.
 *
 * New flows are made by a generator program (selftests/bench/bench_gen.bpf.c)
 * that rewrites the source port and address before tail-calling the
 * program under test; its own cost (generator + empty program) is measured
 * too and taken off.
 *
 * bench_packets REPEAT --new-flow: only the new-flow path (a spoofed SYN, a
 * mid-stream segment of an unknown flow, a completed handshake), for a
 * quick comparison of two builds. bench_packets REPEAT --ports: only a
 * container's bridge port beside the uplink (bench_ports).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <netinet/in.h>
#include <linux/bpf.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "lib/addr.h"
#include "bench_gen.skel.h"
#include "agent/blacklist_maps.h"
#include "parse/config.h"
#include "agent/loader.h"
#include "lib/log.h"
#include "minewall.skel.h"
#include "../pktgen.h"
#include "lib/util.h"

#define ROUNDS 5

static unsigned repeat = 1000000;

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Median ns per packet of @prog_fd over ROUNDS runs of @rep packets. */
/* The skb's context for tc runs (NULL: the kernel's defaults), so that a
 * packet can come in through an interface (__sk_buff.ingress_ifindex). */
static struct __sk_buff *skb_ctx;

static double measure(int prog_fd, const void *pkt, size_t len, unsigned rep)
{
	double r[ROUNDS];
	int i;

	for (i = 0; i < ROUNDS; i++) {
		LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = pkt, .data_size_in = len,
			    .repeat = rep, .ctx_in = skb_ctx,
			    .ctx_size_in = skb_ctx ? sizeof(*skb_ctx) : 0);

		if (bpf_prog_test_run_opts(prog_fd, &opts)) {
			fprintf(stderr, "bench: test run failed: %s\n", strerror(errno));
			exit(1);
		}
		r[i] = opts.duration;
	}
	qsort(r, ROUNDS, sizeof(r[0]), cmp_double);
	return r[ROUNDS / 2];
}

/* A data packet from the remote side (ingress) or to it (egress), with
 * @local as the local side's address (NULL: the host's). */
static size_t make_packet_at(int family, const char *local, bool egress, uint8_t *buf)
{
	const char *remote = family == 4 ? "198.51.100.10" : "2001:db8::10";
	const char *host = family == 4 ? "192.0.2.1" : "2001:db8::1";
	struct pkt_spec s = {
		.family = family,
		.proto = IPPROTO_TCP,
		.sport = egress ? 443 : 40000,
		.dport = egress ? 40000 : 443,
		.tcp_flags = MW_TCP_ACK | MW_TCP_PSH,
		.payload_len = 64,
		.src = egress ? (local ? local : host) : remote,
		.dst = egress ? remote : (local ? local : host),
	};

	return pkt_build(&s, buf, PKT_MAX);
}

static size_t make_packet(int family, bool egress, uint8_t *buf)
{
	return make_packet_at(family, NULL, egress, buf);
}

/* The flow-table variant under test (0, 0: the one the agent uses). */
static unsigned flows_type, flows_flags;
/* Data packets peeked per direction (the shipped default: 2). */
static unsigned peek_packets = 2;
/* Flow-table size (0: the shipped default). */
static unsigned max_flows;

static void load_mw(struct mw_loader *l)
{
	struct mw_config cfg;

	mw_config_defaults(&cfg);
	cfg.peek_packets = peek_packets;
	if (max_flows)
		cfg.max_flows = max_flows;
	if (mw_loader_load_variant(l, &cfg, NULL, flows_type, flows_flags)) {
		fprintf(stderr, "bench: cannot load minewall (root needed)\n");
		exit(1);
	}
	mw_loader_set_internal(l, &cfg);
	/* the host's addresses, as the agent records them */
	{
		static const char *const local[] = { "192.0.2.1", "2001:db8::1" };
		__u32 ifindex = 1;
		struct mw_addr a;
		size_t i;

		for (i = 0; i < ARRAY_SIZE(local); i++) {
			mw_addr_parse(local[i], &a);
			bpf_map_update_elem(mw_loader_map_fd(l, MW_MAP_LOCAL), &a, &ifindex, 0);
		}
	}
}

/* A generator that varies the remote side: the destination when
 * @remote_is_dst, else the source. */
static struct bench_gen *load_gen_dir(__u32 cycle, int v6, int target_xdp, int target_tc,
				      bool remote_is_dst)
{
	struct bench_gen *g = bench_gen__open();
	__u32 zero = 0;

	if (!g)
		exit(1);
	g->rodata->cycle = cycle;
	g->rodata->is_v6 = v6;
	g->rodata->remote_is_dst = remote_is_dst;
	if (bench_gen__load(g)) {
		fprintf(stderr, "bench: cannot load the generator\n");
		exit(1);
	}
	if (target_xdp >= 0)
		bpf_map_update_elem(bpf_map__fd(g->maps.target_xdp), &zero, &target_xdp, 0);
	if (target_tc >= 0)
		bpf_map_update_elem(bpf_map__fd(g->maps.target_tc), &zero, &target_tc, 0);
	return g;
}

static struct bench_gen *load_gen(__u32 cycle, int v6, int target_xdp, int target_tc)
{
	/* egress: the remote side is the destination */
	return load_gen_dir(cycle, v6, target_xdp, target_tc, target_tc >= 0);
}

struct row {
	char name[64];
	double ns;
	double base;
};

static struct row rows[64];
static int n_rows;

static void add(const char *name, double ns, double base)
{
	snprintf(rows[n_rows].name, sizeof(rows[0].name), "%s", name);
	rows[n_rows].ns = ns;
	rows[n_rows].base = base;
	n_rows++;
}

static int n_variant_start = 64;

/* The hook's cases for one address family. */
static void bench_family(int family, bool tc, double empty)
{
	uint8_t pkt[PKT_MAX];
	size_t len = make_packet(family, tc, pkt);
	const char *hook = tc ? "tc " : "xdp";
	struct mw_loader l;
	struct bench_gen *g, *ge;
	double t, t_gen, t_gen_empty;
	char name[64];
	int fd;

	/* a packet of an existing flow */
	load_mw(&l);
	fd = tc ? mw_loader_tc_fd(&l) : mw_loader_xdp_fd(&l);
	t = measure(fd, pkt, len, repeat);
	snprintf(name, sizeof(name), "%s ipv%d existing flow", hook, family);
	add(name, t, empty);

	/* a new flow every packet (the LRU evicts once the table is full) */
	g = load_gen(0, family == 6, tc ? -1 : fd, tc ? fd : -1);
	ge = load_gen(0, family == 6, tc ? -1 : bpf_program__fd(g->progs.bench_empty_xdp),
		      tc ? bpf_program__fd(g->progs.bench_empty_tc) : -1);
	t_gen = measure(tc ? bpf_program__fd(g->progs.bench_gen_tc) :
			     bpf_program__fd(g->progs.bench_gen_xdp),
			pkt, len, repeat);
	t_gen_empty = measure(tc ? bpf_program__fd(ge->progs.bench_gen_tc) :
				   bpf_program__fd(ge->progs.bench_gen_xdp),
			      pkt, len, repeat);
	snprintf(name, sizeof(name), "%s ipv%d new flow per packet", hook, family);
	add(name, t_gen - t_gen_empty + empty, empty);
	bench_gen__destroy(g);
	if (family == 4 && !tc && !flows_type && !flows_flags) {
		/* the floor: a bare LRU lookup and insert, same table, key, value */
		struct bench_gen *gl = load_gen(0, 0, -1, -1);
		struct bench_gen *gf = load_gen(0, 0, bpf_program__fd(gl->progs.bench_lru_xdp), -1);

		t_gen = measure(bpf_program__fd(gf->progs.bench_gen_xdp), pkt, len, repeat);
		add("xdp bare LRU lookup + insert (floor)", t_gen - t_gen_empty + empty, empty);
		bench_gen__destroy(gf);
		bench_gen__destroy(gl);
	}
	mw_loader_destroy(&l);

	/* 100k flows cycling, the table warm */
	load_mw(&l);
	fd = tc ? mw_loader_tc_fd(&l) : mw_loader_xdp_fd(&l);
	g = load_gen(100000, family == 6, tc ? -1 : fd, tc ? fd : -1);
	measure(tc ? bpf_program__fd(g->progs.bench_gen_tc) :
		     bpf_program__fd(g->progs.bench_gen_xdp),
		pkt, len, 100000);
	t_gen = measure(tc ? bpf_program__fd(g->progs.bench_gen_tc) :
			     bpf_program__fd(g->progs.bench_gen_xdp),
			pkt, len, repeat);
	snprintf(name, sizeof(name), "%s ipv%d 100k flows cycling", hook, family);
	add(name, t_gen - t_gen_empty + empty, empty);
	bench_gen__destroy(g);
	bench_gen__destroy(ge);
	mw_loader_destroy(&l);

	if (tc)
		return;
	/* a flood from a blocked source: dropped before any flow work */
	load_mw(&l);
	{
		struct mw_block b = { 0 };
		struct mw_addr a;

		mw_addr_parse(family == 4 ? "198.51.100.10" : "2001:db8::10", &a);
		bpf_map_update_elem(mw_loader_map_fd(&l, MW_MAP_BLOCK), &a, &b, 0);
		l.skel->bss->mw_nr_blocked = 1;
	}
	t = measure(mw_loader_xdp_fd(&l), pkt, len, repeat);
	snprintf(name, sizeof(name), "xdp ipv%d blocked source (drop)", family);
	add(name, t, empty);
	mw_loader_destroy(&l);
}

/* IPv4 XDP existing / new / cycling with the current flow-table variant. */
static void bench_variant(const char *label, double empty)
{
	int start = n_rows, i;

	bench_family(4, false, empty);
	n_rows--; /* the blocked-source case does not touch the flow table */
	for (i = start; i < n_rows; i++) {
		char name[64];

		snprintf(name, sizeof(name), "%s: %s", label, rows[i].name + 9);
		snprintf(rows[i].name, sizeof(rows[i].name), "%s", name);
	}
}

/* A TCP packet of connection number @i, from the remote client to the
 * watched SSH port (or back, @egress), with @flags and sequence numbers;
 * 64 bytes of payload with PSH. */
static size_t make_conn_packet(unsigned i, bool egress, __u8 flags, __u32 seq, __u32 ack,
			       uint8_t *buf)
{
	char remote[32];
	struct pkt_spec s = {
		.family = 4,
		.proto = IPPROTO_TCP,
		.tcp_flags = flags,
		.seq = seq,
		.ack = ack,
		.payload_len = flags & MW_TCP_PSH ? 64 : 0,
	};

	snprintf(remote, sizeof(remote), "198.51.%u.%u", 100 + (i >> 16) % 100, (i >> 8) & 255);
	s.sport = egress ? 22 : 1024 + (i & 255) * 200 + (i >> 24);
	s.dport = egress ? 1024 + (i & 255) * 200 + (i >> 24) : 22;
	s.src = egress ? "192.0.2.1" : remote;
	s.dst = egress ? remote : "192.0.2.1";
	return pkt_build(&s, buf, PKT_MAX);
}

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

#define HANDSHAKES 20000

/* bench_new_flow's completed handshake, ns above empty programs. */
static double handshake_ns;

/* Wall time of @n three-way handshakes (SYN in at XDP, SYN-ACK out at tc,
 * ACK in at XDP), one BPF_PROG_TEST_RUN per packet, in ns per handshake. */
static double handshakes(int xdp_fd, int tc_fd, unsigned first, unsigned n)
{
	uint8_t syn[PKT_MAX], sa[PKT_MAX], ack[PKT_MAX];
	double t0 = now_ns();
	unsigned i;

	for (i = first; i < first + n; i++) {
		size_t l1 = make_conn_packet(i, false, MW_TCP_SYN, 1000, 0, syn);
		size_t l2 = make_conn_packet(i, true, MW_TCP_SYN | MW_TCP_ACK, 5000, 1001, sa);
		size_t l3 = make_conn_packet(i, false, MW_TCP_ACK, 1001, 5001, ack);
		LIBBPF_OPTS(bpf_test_run_opts, o1, .data_in = syn, .data_size_in = l1, .repeat = 1);
		LIBBPF_OPTS(bpf_test_run_opts, o2, .data_in = sa, .data_size_in = l2, .repeat = 1);
		LIBBPF_OPTS(bpf_test_run_opts, o3, .data_in = ack, .data_size_in = l3, .repeat = 1);

		if (bpf_prog_test_run_opts(xdp_fd, &o1) || bpf_prog_test_run_opts(tc_fd, &o2) ||
		    bpf_prog_test_run_opts(xdp_fd, &o3)) {
			fprintf(stderr, "bench: test run failed: %s\n", strerror(errno));
			exit(1);
		}
	}
	return (now_ns() - t0) / n;
}

/*
 * The new-flow path: what a flow costs before anything is known of it. A
 * spoofed SYN to a watched service (a SYN flood: one new source per packet,
 * the handshake never completed), a mid-stream segment of an unknown flow
 * (a spoofed ACK flood), and a real client's completed handshake (three
 * packets, timed from user space one by one, the same loop through empty
 * programs taken off).
 */
static void bench_new_flow(double empty_xdp)
{
	static const struct {
		const char *name;
		__u8 flags;
	} cases[] = {
		{ "new flow: spoofed SYN to a watched service", MW_TCP_SYN },
		{ "new flow: mid-stream ACK of an unknown flow", MW_TCP_ACK | MW_TCP_PSH },
	};
	uint8_t pkt[PKT_MAX];
	struct bench_gen *g, *ge, *gm;
	struct mw_loader l;
	double t, t_empty, r[ROUNDS];
	__u8 ssh = MW_SVC_SSH;
	__u32 port = 22;
	size_t len, i;

	g = load_gen(0, 0, -1, -1);
	ge = load_gen(0, 0, bpf_program__fd(g->progs.bench_empty_xdp),
		      bpf_program__fd(g->progs.bench_empty_tc));
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		len = make_conn_packet(0, false, cases[i].flags, 1000, 1, pkt);
		t_empty = measure(bpf_program__fd(ge->progs.bench_gen_xdp), pkt, len, repeat);
		load_mw(&l);
		bpf_map_update_elem(mw_loader_map_fd(&l, MW_MAP_SVC), &port, &ssh, 0);
		gm = load_gen(0, 0, mw_loader_xdp_fd(&l), -1);
		t = measure(bpf_program__fd(gm->progs.bench_gen_xdp), pkt, len, repeat);
		add(cases[i].name, t - t_empty + empty_xdp, empty_xdp);
		bench_gen__destroy(gm);
		mw_loader_destroy(&l);
	}
	/* a packet of a verified connection to the watched port, in its
	 * login phase (its copy in mw_watched kept current), and the same
	 * with the port not watched */
	for (i = 0; i < 2; i++) {
		uint8_t syn[PKT_MAX], sa[PKT_MAX], ack[PKT_MAX];
		size_t l1 = make_conn_packet(7, false, MW_TCP_SYN, 1000, 0, syn);
		size_t l2 = make_conn_packet(7, true, MW_TCP_SYN | MW_TCP_ACK, 5000, 1001, sa);
		size_t l3 = make_conn_packet(7, false, MW_TCP_ACK, 1001, 5001, ack);

		load_mw(&l);
		if (!i)
			bpf_map_update_elem(mw_loader_map_fd(&l, MW_MAP_SVC), &port, &ssh, 0);
		measure(mw_loader_xdp_fd(&l), syn, l1, 1);
		measure(mw_loader_tc_fd(&l), sa, l2, 1);
		measure(mw_loader_xdp_fd(&l), ack, l3, 1);
		/* the client's data, resent again and again: in the window */
		len = make_conn_packet(7, false, MW_TCP_ACK | MW_TCP_PSH, 1001, 5001, pkt);
		t = measure(mw_loader_xdp_fd(&l), pkt, len, repeat);
		add(i ? "data of a flow, port not watched" : "data of a watched flow, login phase",
		    t, empty_xdp);
		mw_loader_destroy(&l);
	}

	/* a server whose flow table is full (flows it opened, which every
	 * design keeps): each new entry evicts one */
	load_mw(&l);
	bpf_map_update_elem(mw_loader_map_fd(&l, MW_MAP_SVC), &port, &ssh, 0);
	gm = load_gen(0, 0, -1, mw_loader_tc_fd(&l));
	len = make_packet(4, true, pkt);
	measure(bpf_program__fd(gm->progs.bench_gen_tc), pkt, len, MW_FLOWS_DEFAULT / ROUNDS + 1);
	bench_gen__destroy(gm);
	/* user-space timing is noisy: the median of rounds, each beside the
	 * same loop through the empty programs */
	for (i = 0; i < ROUNDS; i++) {
		t = handshakes(mw_loader_xdp_fd(&l), mw_loader_tc_fd(&l), i * HANDSHAKES,
			       HANDSHAKES);
		t_empty = handshakes(bpf_program__fd(g->progs.bench_empty_xdp),
				     bpf_program__fd(g->progs.bench_empty_tc), 0, HANDSHAKES);
		r[i] = t - t_empty;
	}
	qsort(r, ROUNDS, sizeof(r[0]), cmp_double);
	handshake_ns = r[ROUNDS / 2];
	mw_loader_destroy(&l);
	bench_gen__destroy(ge);
	bench_gen__destroy(g);
}

/* A list of @n public IPv4 prefixes (3 in 4 single addresses, the rest
 * /24s), as text, the way a feed delivers it. */
static char *make_list(size_t n, size_t *len)
{
	char *buf = malloc(n * 20 + 1), *p = buf;
	uint32_t x = 2463534242u;
	size_t i;

	if (!buf)
		exit(1);
	for (i = 0; i < n; i++) {
		unsigned a;

		x ^= x << 13, x ^= x >> 17, x ^= x << 5; /* xorshift32 */
		a = 11 + x % 212; /* 11..222: past 10/8, below multicast */
		if (a == 100 || a == 127 || a == 169 || a == 172 || a == 192)
			a++;
		if (i % 4 == 3)
			p += sprintf(p, "%u.%u.%u.0/24\n", a, (x >> 8) & 255, (x >> 16) & 255);
		else
			p += sprintf(p, "%u.%u.%u.%u\n", a, (x >> 8) & 255, (x >> 16) & 255,
				     (x >> 24) & 255);
	}
	*len = (size_t)(p - buf);
	return buf;
}

/* Loads @n prefixes into @l's tries the agent's way; prints the phases. */
static void load_prefixes(struct mw_loader *l, size_t n, bool print)
{
	static struct mw_blacklist_maps k; /* the tries must outlive this call */
	struct mw_bl_compiled c;
	struct mw_blacklist bl;
	uint64_t t0, t1, t2, t3;
	size_t len;
	char *text = make_list(n, &len);

	mw_bl_init(&bl, NULL);
	mw_blacklist_maps_open(&k, l->skel->obj, &l->skel->bss->mw_bl_entries);
	t0 = mw_now_ns();
	if (mw_bl_load(&bl, &(struct mw_bl_source){ .name = "bench", .path = "bench.list" }, text,
		       len, stderr) < 0)
		exit(1);
	t1 = mw_now_ns();
	if (mw_bl_compile(&bl, NULL, 0, NULL, 0, &c))
		exit(1);
	t2 = mw_now_ns();
	if (mw_blacklist_maps_install(&k, &c, &bl, NULL, 0)) {
		fprintf(stderr, "bench: cannot install %zu prefixes\n", n);
		exit(1);
	}
	t3 = mw_now_ns();
	if (print)
		printf("blacklist load, %zu prefixes: parse %.2f s, compile %.2f s, kernel tries %.2f s, total %.2f s (%.0f prefixes/s)\n",
		       c.n, (t1 - t0) / 1e9, (t2 - t1) / 1e9, (t3 - t2) / 1e9, (t3 - t0) / 1e9,
		       c.n / ((t3 - t0) / 1e9));
	mw_bl_compiled_free(&c);
	mw_bl_free(&bl);
	free(text);
}

/* XDP ipv4 with 0, 10k and 1M prefixes in force: the blacklist is read once
 * per flow, at its creation, so it shows in the new-flow cost only. */
static void bench_blacklist(double empty)
{
	static const size_t sizes[] = { 0, 10000, 1000000 };
	uint8_t pkt[PKT_MAX];
	size_t len = make_packet(4, false, pkt), i;
	struct bench_gen *g, *ge;
	struct mw_loader l;
	double t_gen, t_empty;
	char name[64];
	int fd;

	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		load_mw(&l);
		fd = mw_loader_xdp_fd(&l);
		if (sizes[i])
			load_prefixes(&l, sizes[i], sizes[i] == 1000000);
		snprintf(name, sizeof(name), "xdp ipv4 existing flow, %zuk prefixes",
			 sizes[i] / 1000);
		add(name, measure(fd, pkt, len, repeat), empty);
		g = load_gen(0, 0, fd, -1);
		ge = load_gen(0, 0, bpf_program__fd(g->progs.bench_empty_xdp), -1);
		t_gen = measure(bpf_program__fd(g->progs.bench_gen_xdp), pkt, len, repeat);
		t_empty = measure(bpf_program__fd(ge->progs.bench_gen_xdp), pkt, len, repeat);
		snprintf(name, sizeof(name), "xdp ipv4 new flow, %zuk prefixes", sizes[i] / 1000);
		add(name, t_gen - t_empty + empty, empty);
		bench_gen__destroy(g);
		bench_gen__destroy(ge);
		mw_loader_destroy(&l);
	}
}

static const char *const xdp_filter_objs[] = {
	"/usr/lib/x86_64-linux-gnu/bpf/xdpfilt_dny_all.o",
	"/usr/lib/aarch64-linux-gnu/bpf/xdpfilt_dny_all.o",
	"/usr/lib/bpf/xdpfilt_dny_all.o",
	"/usr/local/lib/bpf/xdpfilt_dny_all.o",
};

/* xdp-tools' xdp-filter (deny mode, every feature: Ethernet, IP, TCP and UDP
 * lookups), the static filter minewall's packet path is held against. With
 * @deny_src the packet's source is in its deny list, so it drops. Returns
 * ns/packet, or 0 when xdp-tools' objects are not installed. */
static double bench_xdp_filter(const uint8_t *pkt, size_t len, bool deny_src)
{
	struct bpf_object *obj = NULL;
	struct bpf_program *prog;
	struct bpf_map *map;
	double t;

	size_t k;

	for (k = 0; k < ARRAY_SIZE(xdp_filter_objs) && !obj; k++)
		if (!access(xdp_filter_objs[k], R_OK))
			obj = bpf_object__open_file(xdp_filter_objs[k], NULL);
	/* its maps ask to be pinned under /sys/fs/bpf: keep them private */
	if (obj)
		bpf_object__for_each_map(map, obj)
			bpf_map__set_pin_path(map, NULL);
	if (!obj || bpf_object__load(obj)) {
		fprintf(stderr, "bench: cannot load xdp-tools' xdpfilt_dny_all.o: no comparison\n");
		bpf_object__close(obj);
		return 0;
	}
	prog = bpf_object__find_program_by_name(obj, "xdpfilt_dny_all");
	map = bpf_object__find_map_by_name(obj, "filter_ipv4");
	if (deny_src && map) {
		/* value: MAP_FLAG_SRC in xdp-filter's per-CPU (or plain) counter word */
		int ncpu = libbpf_num_possible_cpus(), i;
		size_t vs = (bpf_map__value_size(map) + 7) & ~7UL;
		bool percpu = bpf_map__type(map) == BPF_MAP_TYPE_PERCPU_HASH;
		uint8_t *val = calloc(percpu ? (size_t)ncpu : 1, vs);
		__u32 key;

		memcpy(&key, pkt + 26, 4); /* the IPv4 source */
		for (i = 0; val && i < (percpu ? ncpu : 1); i++)
			val[(size_t)i * vs] = 1;
		bpf_map_update_elem(bpf_map__fd(map), &key, val, 0);
		free(val);
	}
	t = measure(bpf_program__fd(prog), pkt, len, repeat);
	bpf_object__close(obj);
	return t;
}

static int drop_event(void *ctx, void *data, size_t size)
{
	return 0;
}

/* Median ns per packet over 15 runs of 4000 packets, the ring buffer
 * drained between runs so that every peek is a real copy, never the cheap
 * "ring full" path. */
static double measure_drained(int prog_fd, const void *pkt, size_t len, struct ring_buffer *rb)
{
	double r[15];
	int i;

	for (i = 0; i < 15; i++) {
		LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = pkt, .data_size_in = len,
			    .repeat = 4000);

		ring_buffer__consume(rb);
		if (bpf_prog_test_run_opts(prog_fd, &opts)) {
			fprintf(stderr, "bench: test run failed: %s\n", strerror(errno));
			exit(1);
		}
		r[i] = opts.duration;
	}
	ring_buffer__consume(rb);
	qsort(r, 15, sizeof(r[0]), cmp_double);
	return r[7];
}

/* New flows whose first data packet is JSON-RPC (a Stratum login), each one
 * peeked (the shipped configuration) or not (peek_packets = 0). */
static void bench_peek(bool tc, double empty)
{
	static const char login[] =
		"{\"id\":1,\"jsonrpc\":\"2.0\",\"method\":\"login\",\"params\":"
		"{\"login\":\"44AFFq5kSiGBoZ4NMDwYtN18obc8AemS33DBLWs3H7otXft3\"}}";
	const char *local = "192.0.2.1", *remote = "198.51.100.10";
	struct pkt_spec s = {
		.family = 4,
		.proto = IPPROTO_TCP,
		.sport = tc ? 40000 : 3333,
		.dport = tc ? 3333 : 40000,
		.tcp_flags = MW_TCP_ACK | MW_TCP_PSH,
		.payload = login,
		.payload_len = sizeof(login) - 1,
		.src = tc ? local : remote,
		.dst = tc ? remote : local,
	};
	uint8_t pkt[PKT_MAX];
	size_t len = pkt_build(&s, pkt, PKT_MAX);
	double t[2], t_empty = 0;
	unsigned peek;
	char name[64];

	for (peek = 0; peek < 2; peek++) {
		struct mw_loader l;
		struct bench_gen *g, *ge;
		struct ring_buffer *rb;
		int fd;

		peek_packets = peek ? 2 : 0;
		load_mw(&l);
		fd = tc ? mw_loader_tc_fd(&l) : mw_loader_xdp_fd(&l);
		rb = ring_buffer__new(mw_loader_map_fd(&l, MW_MAP_EVENTS), drop_event, NULL, NULL);
		/* the peeks have a ring of their own: drain both */
		ring_buffer__add(rb, mw_loader_map_fd(&l, MW_MAP_PEEKS), drop_event, NULL);
		g = load_gen(0, 0, tc ? -1 : fd, tc ? fd : -1);
		ge = load_gen(0, 0, tc ? -1 : bpf_program__fd(g->progs.bench_empty_xdp),
			      tc ? bpf_program__fd(g->progs.bench_empty_tc) : -1);
		t[peek] = measure_drained(tc ? bpf_program__fd(g->progs.bench_gen_tc) :
					       bpf_program__fd(g->progs.bench_gen_xdp),
					  pkt, len, rb);
		if (!peek)
			t_empty = measure_drained(tc ? bpf_program__fd(ge->progs.bench_gen_tc) :
						       bpf_program__fd(ge->progs.bench_gen_xdp),
						  pkt, len, rb);
		ring_buffer__free(rb);
		bench_gen__destroy(g);
		bench_gen__destroy(ge);
		mw_loader_destroy(&l);
	}
	peek_packets = 2;
	snprintf(name, sizeof(name), "%s new flow, JSON payload, no peek", tc ? "tc " : "xdp");
	add(name, t[0] - t_empty + empty, empty);
	snprintf(name, sizeof(name), "%s new flow, JSON payload, peeked", tc ? "tc " : "xdp");
	add(name, t[1] - t_empty + empty, empty);
	printf("payload peek, %s: %.0f ns with, %.0f ns without: %.2fx\n", tc ? "tc" : "xdp",
	       t[1] - t_empty + empty, t[0] - t_empty + empty,
	       (t[1] - t_empty + empty) / (t[0] - t_empty + empty));
}

/*
 * A container's port beside the uplink, side by side: the uplink's XDP
 * ingress and tc egress on the host's flow (192.0.2.1), the port's tc
 * ingress (from the container) and tc egress (to it) on a container's flow
 * (172.31.5.2, none of the host's addresses), each for a packet of an
 * existing flow and a new flow per packet. A container's packet crosses
 * both: the port's figure is what watching the ports adds.
 */
static void bench_ports(double empty_xdp, double empty_tc)
{
	struct hook {
		const char *name;
		const char *local;
		bool out, xdp;
		double empty, existing, fresh;
	} h[] = {
		{ "uplink xdp ingress", "192.0.2.1", false, true, empty_xdp },
		{ "uplink tc egress", "192.0.2.1", true, false, empty_tc },
		{ "port tc ingress (from the container)", "172.31.5.2", true, false, empty_tc },
		{ "port tc egress (to the container)", "172.31.5.2", false, false, empty_tc },
	};
	struct __sk_buff routed = { .ingress_ifindex = 2 };
	double up[2], port[2];
	struct bench_gen *g, *ge;
	uint8_t pkt[PKT_MAX];
	struct mw_loader l;
	size_t i, len;

	load_mw(&l);
	g = load_gen(0, 0, -1, -1);
	for (i = 0; i < ARRAY_SIZE(h); i++) {
		int fd = i == 0 ? mw_loader_xdp_fd(&l) :
			 i == 1 ? mw_loader_tc_fd(&l) :
			 i == 2 ? bpf_program__fd(l.skel->progs.mw_port_ingress) :
				  bpf_program__fd(l.skel->progs.mw_port_egress);
		int empty_fd = h[i].xdp ? bpf_program__fd(g->progs.bench_empty_xdp) :
					  bpf_program__fd(g->progs.bench_empty_tc);
		struct bench_gen *gm;

		len = make_packet_at(4, h[i].local, h[i].out, pkt);
		/* toward the container: routed in from the uplink (ifindex 2, no
		 * port), so that the port's check of where it came from runs */
		skb_ctx = i == 3 ? &routed : NULL;
		h[i].existing = measure(fd, pkt, len, repeat);
		/* the generator varies the remote side, whichever way it is */
		gm = load_gen_dir(0, 0, h[i].xdp ? fd : -1, h[i].xdp ? -1 : fd, h[i].out);
		ge = load_gen_dir(0, 0, h[i].xdp ? empty_fd : -1, h[i].xdp ? -1 : empty_fd,
				  h[i].out);
		h[i].fresh = measure(h[i].xdp ? bpf_program__fd(gm->progs.bench_gen_xdp) :
						bpf_program__fd(gm->progs.bench_gen_tc),
				     pkt, len, repeat) -
			     measure(h[i].xdp ? bpf_program__fd(ge->progs.bench_gen_xdp) :
						bpf_program__fd(ge->progs.bench_gen_tc),
				     pkt, len, repeat) +
			     h[i].empty;
		bench_gen__destroy(gm);
		bench_gen__destroy(ge);
	}
	skb_ctx = NULL;
	bench_gen__destroy(g);
	mw_loader_destroy(&l);

	printf("a container's bridge port beside the uplink (ns/packet, IPv4 TCP, 64 B payload):\n");
	printf("%-40s %14s %14s\n", "hook", "existing flow", "new flow");
	for (i = 0; i < ARRAY_SIZE(h); i++)
		printf("%-40s %14.1f %14.1f\n", h[i].name, h[i].existing, h[i].fresh);
	up[0] = h[0].existing + h[1].existing, up[1] = h[0].fresh + h[1].fresh;
	port[0] = h[2].existing + h[3].existing, port[1] = h[2].fresh + h[3].fresh;
	printf("%-40s %14.1f %14.1f\n", "uplink xdp + tc (a packet each way)", up[0], up[1]);
	printf("%-40s %14.1f %14.1f\n", "port tc ingress + egress (each way)", port[0], port[1]);
	printf("%-40s %13.2fx %13.2fx\n", "ratio port / uplink", port[0] / up[0], port[1] / up[1]);
}

/* Scaling curves, IPv4 XDP, written as "N ns" lines to @dir/NAME.dat for
 * plotting: flows cycling through a table sized to hold them; a blocked
 * source among N blocked addresses; a new flow with N blacklist prefixes. */
static void bench_scaling(const char *dir)
{
	static const unsigned sizes[] = { 1000, 10000, 100000, 1000000 };
	uint8_t pkt[PKT_MAX];
	size_t len = make_packet(4, false, pkt), i;
	char path[512];
	FILE *ff, *fb, *fp;

	snprintf(path, sizeof(path), "%s/flows.dat", dir);
	ff = fopen(path, "w");
	snprintf(path, sizeof(path), "%s/blocked.dat", dir);
	fb = fopen(path, "w");
	snprintf(path, sizeof(path), "%s/prefixes.dat", dir);
	fp = fopen(path, "w");
	if (!ff || !fb || !fp) {
		fprintf(stderr, "bench: cannot write the scaling data in %s\n", dir);
		exit(1);
	}
	printf("scaling, xdp ipv4 (ns/packet): N, flows cycling, blocked source among N, new flow with N prefixes\n");
	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		struct mw_loader l;
		struct bench_gen *g, *ge;
		double t_cycle, t_empty, t_block, t_pref;
		unsigned n = sizes[i], j;
		int fd;

		/* flows cycling: warm the table, then measure */
		max_flows = n + n / 4 > 4096 ? n + n / 4 : 4096;
		load_mw(&l);
		fd = mw_loader_xdp_fd(&l);
		g = load_gen(n, 0, fd, -1);
		ge = load_gen(n, 0, bpf_program__fd(g->progs.bench_empty_xdp), -1);
		measure(bpf_program__fd(g->progs.bench_gen_xdp), pkt, len, n);
		t_cycle = measure(bpf_program__fd(g->progs.bench_gen_xdp), pkt, len, repeat);
		t_empty = measure(bpf_program__fd(ge->progs.bench_gen_xdp), pkt, len, repeat);
		bench_gen__destroy(g);
		bench_gen__destroy(ge);
		mw_loader_destroy(&l);
		max_flows = 0;

		/* a blocked source among n blocked addresses */
		load_mw(&l);
		{
			int bfd = mw_loader_map_fd(&l, MW_MAP_BLOCK);
			struct mw_block b = { 0 };
			struct mw_addr a;

			for (j = 0; j < n; j++) {
				mw_addr_parse("100.64.0.0", &a);
				a.addr[13] = (uint8_t)(j >> 16), a.addr[14] = (uint8_t)(j >> 8);
				a.addr[15] = (uint8_t)j;
				bpf_map_update_elem(bfd, &a, &b, 0);
			}
			mw_addr_parse("198.51.100.10", &a);
			bpf_map_update_elem(bfd, &a, &b, 0);
			l.skel->bss->mw_nr_blocked = n + 1;
		}
		t_block = measure(mw_loader_xdp_fd(&l), pkt, len, repeat);
		mw_loader_destroy(&l);

		/* a new flow with n prefixes in force */
		load_mw(&l);
		fd = mw_loader_xdp_fd(&l);
		load_prefixes(&l, n, false);
		g = load_gen(0, 0, fd, -1);
		ge = load_gen(0, 0, bpf_program__fd(g->progs.bench_empty_xdp), -1);
		t_pref = measure(bpf_program__fd(g->progs.bench_gen_xdp), pkt, len, repeat) -
			 measure(bpf_program__fd(ge->progs.bench_gen_xdp), pkt, len, repeat);
		bench_gen__destroy(g);
		bench_gen__destroy(ge);
		mw_loader_destroy(&l);

		printf("  %8u %10.1f %10.1f %10.1f\n", n, t_cycle - t_empty, t_block, t_pref);
		fprintf(ff, "%u %.1f\n", n, t_cycle - t_empty);
		fprintf(fb, "%u %.1f\n", n, t_block);
		fprintf(fp, "%u %.1f\n", n, t_pref);
	}
	fclose(ff);
	fclose(fb);
	fclose(fp);
}

int main(int argc, char **argv)
{
	bool new_flow_only, ports_only;
	struct bench_gen *g;
	uint8_t pkt[PKT_MAX];
	size_t len;
	double empty_xdp, empty_tc, filt, filt_drop;
	int i;

	mw_log_prog = "bench";
	mw_log_level = MW_LOG_WARN;
	mw_log_setup_libbpf();
	if (argc > 1)
		repeat = strtoul(argv[1], NULL, 10);
	new_flow_only = argc > 2 && !strcmp(argv[2], "--new-flow");
	ports_only = argc > 2 && !strcmp(argv[2], "--ports");
	if (argc > 2 && !strcmp(argv[2], "--scaling")) {
		bench_scaling(argc > 3 ? argv[3] : ".");
		return 0;
	}

	g = load_gen(0, 0, -1, -1);
	len = make_packet(4, false, pkt);
	empty_xdp = measure(bpf_program__fd(g->progs.bench_empty_xdp), pkt, len, repeat);
	empty_tc = measure(bpf_program__fd(g->progs.bench_empty_tc), pkt, len, repeat);
	bench_gen__destroy(g);
	add("xdp empty program", empty_xdp, empty_xdp);
	filt = bench_xdp_filter(pkt, len, false);
	filt_drop = bench_xdp_filter(pkt, len, true);
	if (filt) {
		add("xdp-filter (xdp-tools), passing", filt, empty_xdp);
		add("xdp-filter (xdp-tools), source denied", filt_drop, empty_xdp);
	}
	add("tc  empty program", empty_tc, empty_tc);
	if (ports_only) {
		bench_ports(empty_xdp, empty_tc);
		return 0;
	}

	bench_new_flow(empty_xdp);
	if (new_flow_only)
		goto print;
	bench_family(4, false, empty_xdp);
	bench_family(6, false, empty_xdp);
	bench_family(4, true, empty_tc);
	bench_family(6, true, empty_tc);

	bench_blacklist(empty_xdp);
	bench_peek(false, empty_xdp);
	bench_peek(true, empty_tc);

	/* the flow-table alternatives, IPv4 XDP only */
	n_variant_start = n_rows;
	flows_flags = BPF_F_NO_COMMON_LRU;
	bench_variant("shared LRU, per-CPU LRU lists", empty_xdp);
	flows_flags = 0;
	flows_type = BPF_MAP_TYPE_LRU_PERCPU_HASH;
	bench_variant("per-CPU LRU hash", empty_xdp);
	flows_type = 0;

print:
	printf("BPF_PROG_TEST_RUN, %u packets x %d rounds (median), TCP with 64 B payload\n",
	       repeat, ROUNDS);
	printf("%-42s %10s %12s %14s\n", "case", "ns/packet", "x empty", "x xdp-filter");
	for (i = 0; i < n_rows; i++) {
		if (i == n_variant_start)
			printf("flow-table alternatives (xdp ipv4; the agent uses a shared LRU hash, common LRU list):\n");
		printf("%-42s %10.1f %11.2fx", rows[i].name, rows[i].ns, rows[i].ns / rows[i].base);
		/* XDP cases beside the static filter: drops beside its drop */
		if (filt && !strncmp(rows[i].name, "xdp ", 4))
			printf(" %13.2fx",
			       rows[i].ns / (strstr(rows[i].name, "blocked") ? filt_drop : filt));
		putchar('\n');
	}
	printf("new flow: a completed handshake (SYN in, SYN-ACK out, ACK in), full table: %.0f ns above empty programs\n",
	       handshake_ns);
	if (!new_flow_only)
		bench_ports(empty_xdp, empty_tc);
	return 0;
}
