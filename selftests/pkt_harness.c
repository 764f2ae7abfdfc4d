// SPDX-License-Identifier: GPL-2.0-only
/*
 * pkt_harness.c - the datapath loaded once for the packet suites, packets
 * through bpf_prog_test_run_opts, the events caught, and the step tables'
 * runner (see pkt_harness.h).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>

#include <bpf/bpf.h>

#include "lib/addr.h"
#include "parse/config.h"
#include "pkt_harness.h"
#include "test.h"
#include "lib/util.h"

struct pkt_env env;
struct caught events[MAX_EVENTS];
int n_events;
unsigned peeks_in_events, dns_peeks, dns_peeks_unsolicited;

static int keep_event(enum ring ring, const void *data, size_t size)
{
	const struct mw_event_hdr *h = data;

	if (ring == RING_EVENTS && h->type == MW_EV_PEEK)
		peeks_in_events++;
	if (ring == RING_PEEKS && size >= sizeof(struct mw_event_peek)) {
		const struct mw_event_peek *pk = data;

		if (pk->key.remote_port == htons(53)) {
			dns_peeks++;
			dns_peeks_unsolicited += !pk->host_opened;
		}
	}
	if (n_events >= MAX_EVENTS)
		return 0;
	events[n_events].type = h->type;
	events[n_events].ring = ring;
	memcpy(&events[n_events].flow, data,
	       size < sizeof(events[0].peek) ? size : sizeof(events[0].peek));
	n_events++;
	return 0;
}

static int on_event(void *ctx, void *data, size_t size)
{
	return keep_event(RING_EVENTS, data, size);
}

static int on_peek(void *ctx, void *data, size_t size)
{
	return keep_event(RING_PEEKS, data, size);
}

int pkt_env_open(const char *prog)
{
	struct mw_loader *L = &env.L;
	struct mw_config cfg;
	int err;

	mw_config_defaults(&cfg);
	cfg.max_flows = 4096;
	err = mw_loader_load(L, &cfg, NULL);
	if (err) {
		printf("%s: cannot load the programs (%s); are we root?\n", prog, strerror(-err));
		return err;
	}
	env.flows_fd = mw_loader_map_fd(L, MW_MAP_FLOWS);
	env.stats_fd = mw_loader_map_fd(L, MW_MAP_STATS);
	env.local_fd = mw_loader_map_fd(L, MW_MAP_LOCAL);
	env.block_fd = mw_loader_map_fd(L, MW_MAP_BLOCK);
	err = mw_blacklist_maps_open(&env.blk, L->skel->obj, &L->skel->bss->mw_bl_entries);
	if (!err)
		err = mw_loader_set_internal(L, &cfg);
	env.rb = ring_buffer__new(mw_loader_map_fd(L, MW_MAP_EVENTS), on_event, NULL, NULL);
	if (!env.rb)
		err = -errno;
	else if (ring_buffer__add(env.rb, mw_loader_map_fd(L, MW_MAP_PEEKS), on_peek, NULL))
		err = -EINVAL;
	if (err)
		printf("%s: setup failed (%s)\n", prog, strerror(-err));
	return err;
}

void pkt_env_close(void)
{
	ring_buffer__free(env.rb);
	mw_loader_destroy(&env.L);
}

static void empty_map(int fd, void *key)
{
	while (!bpf_map_get_next_key(fd, NULL, key))
		bpf_map_delete_elem(fd, key);
}

void pkt_reset(void)
{
	int ncpu = libbpf_num_possible_cpus();
	struct mw_stats *zero = calloc(ncpu, sizeof(*zero));
	struct mw_flow_key key;
	struct mw_addr a;
	__u8 frag_key[64];
	__u32 k = 0;

	empty_map(env.flows_fd, &key);
	empty_map(bpf_map__fd(env.L.skel->maps.mw_frags), frag_key);
	empty_map(mw_loader_map_fd(&env.L, MW_MAP_WATCHED), &key);
	empty_map(env.local_fd, &a);
	empty_map(env.block_fd, &a);
	bpf_map_update_elem(env.stats_fd, &k, zero, 0);
	free(zero);
	env.L.skel->bss->mw_nr_blocked = 0;
	ring_buffer__consume(env.rb);
	n_events = 0;
}

int pkt_run(enum hook hook, const uint8_t *pkt, size_t len, __u32 gso_segs)
{
	struct __sk_buff skb = { .gso_segs = gso_segs };
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = pkt, .data_size_in = len, .repeat = 1);
	int err;

	if (hook == TC && gso_segs) {
		opts.ctx_in = &skb;
		opts.ctx_size_in = sizeof(skb);
	}
	err = bpf_prog_test_run_opts(
		hook == XDP ? mw_loader_xdp_fd(&env.L) : mw_loader_tc_fd(&env.L), &opts);
	if (err) {
		if (env.quiet_einval && errno == EINVAL)
			return -1;
		fprintf(stderr, "    bpf_prog_test_run_opts: %s (%s, %zu bytes)\n", strerror(errno),
			hook == XDP ? "xdp" : "tc", len);
		return -1;
	}
	if (!env.keep_in_rings)
		ring_buffer__consume(env.rb);
	return opts.retval;
}

int pkt_send(enum hook hook, const struct pkt_spec *s)
{
	uint8_t buf[PKT_MAX];
	size_t len = pkt_build(s, buf, sizeof(buf));

	return pkt_run(hook, buf, len, 0);
}

struct mw_stats pkt_stats(void)
{
	struct mw_stats st;

	memset(&st, 0, sizeof(st));
	mw_stats_read(env.stats_fd, &st);
	return st;
}

long pkt_flows(struct mw_flow_rec **recs)
{
	long n = mw_flowtable_read(env.flows_fd, recs);

	ASSERT_TRUE(n >= 0, "read the flow table");
	return n;
}

int count_events(unsigned type)
{
	int i, n = 0;

	for (i = 0; i < n_events; i++)
		n += !type || events[i].type == type;
	return n;
}

void watch_port(__u16 port, __u8 svc)
{
	__u32 key = port;

	bpf_map_update_elem(mw_loader_map_fd(&env.L, MW_MAP_SVC), &key, &svc, 0);
}

void local_addr(const char *addr)
{
	struct mw_addr a;
	__u32 ifindex = 1;

	mw_addr_parse(addr, &a);
	bpf_map_update_elem(env.local_fd, &a, &ifindex, 0);
}

void addr_of(const char *s, __u8 *out)
{
	struct mw_addr a;

	mw_addr_parse(s, &a);
	memcpy(out, a.addr, 16);
}

/* --- step tables --------------------------------------------------------- */

const struct conv conv_ssh = { 4, IPPROTO_TCP, SRV, CLI, 22, 40000, ISN_SRV, ISN_CLI };

/* The conversation of the last conv_begin(), each side's next sequence
 * number (by enum mw_dir: IN the remote), the port it watched. */
static const struct conv *conv_cur;
static __u32 conv_next[2];
static __u16 conv_watched;

void conv_begin(const struct conv *cv, unsigned setup)
{
	conv_cur = cv;
	conv_next[MW_DIR_IN] = cv->isn_remote;
	conv_next[MW_DIR_OUT] = cv->isn_host;
	if (setup & WATCH) {
		watch_port(cv->hport, MW_SVC_SSH);
		conv_watched = cv->hport;
	}
	if (setup & LOCAL)
		local_addr(cv->host);
}

void conv_end(void)
{
	if (conv_watched)
		watch_port(conv_watched, 0);
	conv_watched = 0;
}

/*
 * Sends the two fragments of @s, built as a first fragment without IP
 * options (IPv4: frag_first; IPv6: a fragment header): the first holding the
 * L4 header and @split - header bytes of payload, the later one the rest.
 */
static int send_fragments(enum hook hook, const struct pkt_spec *s, size_t split, bool later_only)
{
	uint8_t whole[PKT_MAX], a[PKT_MAX], b[PKT_MAX];
	size_t len = pkt_build(s, whole, sizeof(whole));
	size_t hdr = s->family == 4 ? 14 + 20 : 14 + 40 + 8; /* up to L4 */
	size_t la = hdr + split, lb = len - split;

	memcpy(a, whole, la);
	memcpy(b, whole, hdr);
	memcpy(b + hdr, whole + la, len - la);
	if (s->family == 4) {
		a[16] = (la - 14) >> 8, a[17] = (la - 14) & 0xff;
		b[16] = (lb - 14) >> 8, b[17] = (lb - 14) & 0xff;
		b[20] = (split / 8) >> 8, b[21] = (split / 8) & 0xff; /* offset, MF clear */
	} else {
		a[18] = (la - 54) >> 8, a[19] = (la - 54) & 0xff;
		b[18] = (lb - 54) >> 8, b[19] = (lb - 54) & 0xff;
		b[56] = split >> 8, b[57] = split & 0xf8; /* offset, M clear */
	}
	if (!later_only)
		pkt_run(hook, a, la, 0);
	return pkt_run(hook, b, lb, 0);
}

/* The packet of a conversation step, its sequence numbers those its sender
 * would use. */
static struct pkt_spec conv_spec(const struct step *st)
{
	const struct conv *cv = conv_cur;
	bool in = st->who == R;
	int d = in ? MW_DIR_IN : MW_DIR_OUT;
	struct pkt_spec s = { .family = cv->family,
			      .proto = cv->proto,
			      .tcp_flags = st->flags,
			      .payload_len = st->len,
			      .payload = st->data,
			      .src = in ? cv->remote : cv->host,
			      .dst = in ? cv->host : cv->remote,
			      .sport = in ? cv->rport : cv->hport,
			      .dport = in ? cv->hport : cv->rport };

	s.seq = conv_next[d] + st->seq_off;
	if (st->flags & MW_TCP_ACK)
		s.ack = conv_next[!d] + st->ack_off;
	if (!st->resend)
		conv_next[d] += st->len + !!(st->flags & MW_TCP_SYN) + !!(st->flags & MW_TCP_FIN);
	if (st->frag) {
		if (s.family == 6) {
			s.ext[0] = IPPROTO_FRAGMENT;
			s.n_ext = 1;
		} else {
			s.frag_first = true;
		}
		/* pktgen writes a longer header's option bytes as the
		 * payload's first */
		if (s.proto == IPPROTO_TCP) {
			s.tcp_doff = 6;
			s.payload_len += 4;
		}
	}
	return s;
}

int step_do(const struct step *st)
{
	enum hook hook = st->who == H || st->who == TC_PKT ? TC : XDP;
	uint8_t buf[PKT_MAX];
	struct pkt_spec s;
	int i, verdict = 0;
	size_t len;

	if (st->who == DO) {
		if (st->act)
			st->act();
		return 0;
	}
	s = st->who == XDP_PKT || st->who == TC_PKT ? st->spec : conv_spec(st);
	len = pkt_build(&s, buf, sizeof(buf));
	for (i = 0; i < (st->times ? st->times : 1); i++)
		verdict = st->frag ? send_fragments(hook, &s, st->frag, st->later_only) :
				     pkt_run(hook, buf, len, st->gso);
	return verdict;
}

static unsigned long long read_field(const void *base, const struct want *w)
{
	const char *p = (const char *)base + w->off;
	__u16 v16;
	__u32 v32;
	__u64 v64;

	switch (w->size) {
	case 1:
		return *(const __u8 *)p;
	case 2:
		memcpy(&v16, p, 2);
		return w->net ? ntohs(v16) : v16;
	case 4:
		memcpy(&v32, p, 4);
		return v32;
	default:
		memcpy(&v64, p, 8);
		return v64;
	}
}

/* The wanted value as the field holds it (a __u32 wraps). */
static long long want_value(const struct want *w)
{
	if (w->size && w->size < 8)
		return (long long)((unsigned long long)w->v & ((1ULL << (w->size * 8)) - 1));
	return w->v;
}

/* The @idx-th caught event of @type (negative: from the last), or NULL. */
static const struct caught *event_at(unsigned type, int idx)
{
	int n = count_events(type), i, k;

	k = idx < 0 ? n + idx : idx;
	if (k < 0 || k >= n)
		return NULL;
	for (i = 0; i < n_events; i++)
		if (events[i].type == type && !k--)
			return &events[i];
	return NULL;
}

void check_wants(const struct want *w, size_t n, int verdict)
{
	struct mw_flow_rec *recs = NULL;
	const struct mw_flow_rec *only = NULL;
	bool flows_read = false;
	struct mw_stats st;
	bool stats_read = false;
	const struct caught *ev;
	size_t i;
	long nf;

	for (i = 0; i < n && w[i].kind; i++) {
		const struct want *x = &w[i];

		switch (x->kind) {
		case W_VERDICT:
			ASSERT_EQ(verdict, x->v, x->what);
			break;
		case W_FLOWS:
			nf = pkt_flows(&recs);
			ASSERT_EQ(nf, x->v, x->what);
			free(recs);
			recs = NULL;
			break;
		case W_FLOW:
		case W_FLOW_KEY:
		case W_FLOW_HOST_SEQ:
		case W_FLOW_LOCAL:
			if (!flows_read) {
				flows_read = true;
				nf = pkt_flows(&recs);
				if (ASSERT_EQ(nf, 1, "exactly one flow"))
					only = &recs[0];
			}
			if (!only)
				break;
			if (x->kind == W_FLOW) {
				ASSERT_EQ(read_field(&only->flow, x), want_value(x), x->what);
			} else if (x->kind == W_FLOW_KEY) {
				ASSERT_EQ(read_field(&only->key, x), want_value(x), x->what);
			} else if (x->kind == W_FLOW_HOST_SEQ) {
				__u32 rel = (__u32)read_field(&only->flow, x) -
					    (conv_cur->isn_host + 1);

				ASSERT_EQ(rel, want_value(x), x->what);
			} else {
				__u8 a[16];

				addr_of(x->bytes, a);
				ASSERT_TRUE(!memcmp(only->key.local_addr, a, 16), x->what);
			}
			break;
		case W_STAT:
			if (!stats_read)
				st = pkt_stats(), stats_read = true;
			ASSERT_EQ(read_field(&st, x), x->v, x->what);
			break;
		case W_EVENTS:
			ASSERT_EQ(count_events(x->type), x->v, x->what);
			break;
		case W_EVENT:
			ev = event_at(x->type, x->idx);
			if (ev)
				ASSERT_EQ(read_field(&ev->flow, x), want_value(x), x->what);
			else
				ASSERT_TRUE(false, x->what);
			break;
		case W_PEEK_RING:
			ev = event_at(MW_EV_PEEK, x->idx);
			ASSERT_TRUE(ev && ev->ring == x->v, x->what);
			break;
		case W_PEEK_BYTES:
			ev = event_at(MW_EV_PEEK, x->idx);
			ASSERT_TRUE(ev && !memcmp(ev->peek.data, (const __u8 *)x->bytes + x->v,
						  ev->peek.len),
				    x->what);
			break;
		case W_CALL:
			ASSERT_EQ(x->fn(), x->v, x->what);
			break;
		default:
			break;
		}
	}
	free(recs);
}

void run_steps(const struct step *steps, size_t max)
{
	size_t i;

	for (i = 0; i < max && steps[i].who != END; i++) {
		bool failed = test_cur_failed;

		check_wants(steps[i].want, STEP_WANTS, step_do(&steps[i]));
		if (test_cur_failed && !failed)
			fprintf(stderr, "    (after step %zu of the table, from 0)\n", i);
	}
}

void run_seq_row(void *arg)
{
	const struct seq_row *row = arg;

	pkt_reset();
	conv_begin(row->conv ? row->conv : &conv_ssh, row->setup);
	run_steps(row->steps, SEQ_STEPS);
	conv_end();
}

void run_seq_table(const struct seq_row *rows, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		test_run(rows[i].name, run_seq_row, (void *)&rows[i]);
}
