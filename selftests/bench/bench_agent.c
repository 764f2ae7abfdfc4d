// SPDX-License-Identifier: GPL-2.0-only
/*
 * bench_agent.c - the agent's own costs, measured beside the plain kernel
 * interfaces in the same run: a full scan of a flow table of 1M flows (the
 * agent's scan, which reads, classifies and checks every flow for expiry)
 * beside a bare bpf_map_lookup_batch walk and a get_next_key walk of the
 * same map; the CPU that scans of 100k flows every second cost; the rate at
 * which the ring-buffer consumer hands events to the detectors; the RSS.
 * Figures only: it never fails on a number.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "agent/flow_scan.h"
#include "bench_gen.skel.h"
#include "parse/config.h"
#include "detect/dict.h"
#include "../dict_cfg.h"
#include "agent/events.h"
#include "lib/log.h"
#include "minewall.h"
#include "lib/util.h"

static double now_s(void)
{
	return (double)mw_now_ns() / 1e9;
}

static long rss_kib(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss;
}

/* An LRU flow table like the datapath's, filled with @n open TCP flows
 * seen just now (none due to expire). */
static void fill(int fd, unsigned n);

static int make_table(unsigned n)
{
	LIBBPF_OPTS(bpf_map_create_opts, o);
	int fd = bpf_map_create(BPF_MAP_TYPE_LRU_HASH, "bench_flows", sizeof(struct mw_flow_key),
				sizeof(struct mw_flow), n + n / 8, &o);

	if (fd < 0) {
		fprintf(stderr, "bench_agent: cannot create a %u-entry map\n", n);
		exit(1);
	}
	fill(fd, n);
	return fd;
}

static void fill(int fd, unsigned n)
{
	enum { B = 8192 };
	struct mw_flow_key *k = calloc(B, sizeof(*k));
	struct mw_flow *v = calloc(B, sizeof(*v));
	uint64_t t = mw_now_ns();
	unsigned i, j;

	if (!k || !v)
		exit(1);
	for (i = 0; i < n; i += B) {
		__u32 count = n - i < B ? n - i : B;

		for (j = 0; j < count; j++) {
			uint32_t x = i + j;

			memset(&k[j], 0, sizeof(k[j]));
			k[j].local_addr[10] = k[j].local_addr[11] = 0xff;
			k[j].local_addr[12] = 192, k[j].local_addr[15] = 1;
			k[j].remote_addr[10] = k[j].remote_addr[11] = 0xff;
			k[j].remote_addr[12] = 10, k[j].remote_addr[13] = (uint8_t)(x >> 16);
			k[j].remote_addr[14] = (uint8_t)(x >> 8), k[j].remote_addr[15] = (uint8_t)x;
			k[j].local_port = 0x5000, k[j].remote_port = (uint16_t)(x * 7);
			k[j].proto = 6;
			memset(&v[j], 0, sizeof(v[j]));
			v[j].first_ns = v[j].last_ns = t;
			v[j].packets[0] = v[j].packets[1] = 3;
			v[j].initiator = MW_DIR_IN;
			v[j].handshake = 1;
		}
		if (bpf_map_update_batch(fd, k, v, &count, NULL)) {
			fprintf(stderr, "bench_agent: fill: %s\n", strerror(errno));
			exit(1);
		}
	}
	free(k);
	free(v);
}

static double walk_batch(int fd)
{
	enum { B = 4096 };
	struct mw_flow_key *k = calloc(B, sizeof(*k));
	struct mw_flow *v = calloc(B, sizeof(*v));
	__u64 in = 0, out;
	double t0 = now_s();
	void *inp = NULL;
	long total = 0;

	for (;;) {
		__u32 count = B;
		int r = bpf_map_lookup_batch(fd, inp, &out, k, v, &count, NULL);

		total += count;
		if (r) /* ENOENT: that was the last batch */
			break;
		in = out;
		inp = &in;
	}
	free(k);
	free(v);
	return total ? now_s() - t0 : -1;
}

static double walk_next_key(int fd)
{
	struct mw_flow_key key, next, *prev = NULL;
	struct mw_flow v;
	double t0 = now_s();

	while (!bpf_map_get_next_key(fd, prev, &next)) {
		bpf_map_lookup_elem(fd, &next, &v);
		key = next;
		prev = &key;
	}
	return now_s() - t0;
}

static double agent_scan(int fd, const struct mw_config *cfg)
{
	struct mw_events ev;
	struct mw_flow_scan fs = { .flows_fd = fd, .events = &ev };
	double t0;

	mw_events_open(&ev, -1);
	t0 = now_s();
	mw_flow_scan_run(&fs, cfg, mw_now_ns());
	return now_s() - t0;
}

static void on_det(void *arg, const struct mw_dict_detection *d)
{
	(*(unsigned long *)arg)++;
}

static void dict_flow_end(void *arg, const struct mw_event_flow *ev)
{
	mw_dict_flow_end(arg, ev);
}

/* The consumer: a ring filled by a BPF program with flow-end events, drained
 * through the agent's dispatch into the dictionary detector, as in the agent. */
static void ring_rate(const struct mw_config *cfg)
{
	struct bench_gen *g = bench_gen__open_and_load();
	static uint8_t pkt[64];
	unsigned long dets = 0;
	struct mw_events ev;
	struct mw_dict *dict;
	struct mw_event_sink sink = { 0 };
	double total_t = 0;
	long total = 0;
	int round;

	if (!g) {
		fprintf(stderr, "bench_agent: cannot load the event generator\n");
		return;
	}
	dict = test_dict_new(cfg, on_det, &dets);
	mw_events_open(&ev, bpf_map__fd(g->maps.bench_events));
	sink.flow_end = dict_flow_end;
	sink.arg = dict;
	mw_events_add_sink(&ev, &sink);
	for (round = 0; round < 4; round++) {
		LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = pkt, .data_size_in = sizeof(pkt),
			    .repeat = 250000);
		double t0;
		int n;

		bpf_prog_test_run_opts(bpf_program__fd(g->progs.bench_emit_xdp), &o);
		t0 = now_s();
		n = mw_events_consume(&ev);
		total_t += now_s() - t0;
		total += n > 0 ? n : 0;
	}
	printf("ring buffer to detectors: %ld events in %.3f s: %.2f M events/s, %llu lost by the producer\n",
	       total, total_t, total / total_t / 1e6, (unsigned long long)g->bss->emit_lost);
	mw_events_close(&ev);
	mw_dict_free(dict);
	bench_gen__destroy(g);
}

int main(int argc, char **argv)
{
	unsigned n = argc > 1 ? (unsigned)strtoul(argv[1], NULL, 10) : 1000000;
	struct mw_config cfg;
	double t_batch, t_next, t_scan, t_100k;
	long rss0 = rss_kib();
	int fd;

	mw_log_prog = "bench_agent";
	/* --fill PINNED_MAP N: put N open flows into a running agent's table */
	if (argc == 4 && !strcmp(argv[1], "--fill")) {
		fd = bpf_obj_get(argv[2]);
		if (fd < 0) {
			fprintf(stderr, "bench_agent: %s: %s\n", argv[2], strerror(errno));
			return 1;
		}
		fill(fd, (unsigned)strtoul(argv[3], NULL, 10));
		return 0;
	}
	mw_log_level = MW_LOG_WARN;
	mw_config_defaults(&cfg);
	fd = make_table(n);
	t_batch = walk_batch(fd);
	t_scan = agent_scan(fd, &cfg);
	t_next = walk_next_key(fd);
	printf("flow table of %u flows:\n", n);
	printf("  bpf_map_lookup_batch walk            %8.3f s\n", t_batch);
	printf("  agent's full scan                    %8.3f s  (%.2fx the batch walk)\n", t_scan,
	       t_scan / t_batch);
	printf("  get_next_key + lookup walk           %8.3f s  (%.2fx the batch walk)\n", t_next,
	       t_next / t_batch);
	close(fd);
	fd = make_table(100000);
	agent_scan(fd, &cfg);
	t_100k = agent_scan(fd, &cfg);
	printf("agent scan of 100k flows: %.1f ms, i.e. %.2f%% of a core at one scan a second\n",
	       t_100k * 1e3, t_100k * 100);
	close(fd);
	/* the agent's memory for flows is the scan's batch buffers: the table
	 * itself lives in the kernel */
	printf("RSS: %ld KiB at start, %ld KiB peak after filling and scanning %u flows\n", rss0,
	       rss_kib(), n);
	ring_rate(&cfg);
	return 0;
}
