// SPDX-License-Identifier: GPL-2.0-only
/*
 * bench_nft.c - inserting bans into the nft sets, side by side in one run,
 * in a private network namespace: minewall's libnftnl transactions (all
 * addresses in one, and one per address), `nft -f` with all addresses, and
 * one `nft add element` process per address (what fail2ban does).
 */
#include <errno.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "enforce/nft.h"
#include "lib/util.h"

static double now_s(void)
{
	return mw_now_ns() / 1e9;
}

static void addr_of(int i, char *buf, size_t len)
{
	snprintf(buf, len, "100.%d.%d.%d", 64 + i / 65536, (i / 256) % 256, i % 256);
}

static bool with_comments = true;

static struct mw_nft_op *make_ops(int n)
{
	struct mw_nft_op *ops = calloc(n, sizeof(*ops));
	char buf[32];
	int i;

	for (i = 0; ops && i < n; i++) {
		addr_of(i, buf, sizeof(buf));
		mw_prefix_parse(buf, &ops[i].prefix);
		ops[i].set = MW_SET_BLOCK4;
		ops[i].timeout_ms = 3600000;
		if (with_comments)
			snprintf(ops[i].comment, sizeof(ops[i].comment), "SSHDICT: bench");
	}
	return ops;
}

static void fresh(struct mw_nft *nft)
{
	if (mw_nft_create(nft, true)) {
		fprintf(stderr, "bench_nft: cannot create the table\n");
		exit(1);
	}
}

static double one_transaction(struct mw_nft *nft, int n)
{
	struct mw_nft_op *ops = make_ops(n);
	double t;

	fresh(nft);
	t = now_s();
	if (mw_nft_apply(nft, ops, n) != 0)
		fprintf(stderr, "bench_nft: some elements failed\n");
	t = now_s() - t;
	free(ops);
	return n / t;
}

/* The user-space half alone: the messages built, nothing sent. */
static double build_only(int n)
{
	struct mw_nft_op *ops = make_ops(n);
	size_t cap = (size_t)n * 512 + 65536;
	char *buf = malloc(cap);
	double t = now_s();

	mw_nft_build_elems(buf, cap, ops, n);
	t = now_s() - t;
	free(buf);
	free(ops);
	return n / t;
}

static double per_address(struct mw_nft *nft, int n)
{
	struct mw_nft_op *ops = make_ops(n);
	double t;
	int i;

	fresh(nft);
	t = now_s();
	for (i = 0; i < n; i++)
		mw_nft_apply(nft, &ops[i], 1);
	t = now_s() - t;
	free(ops);
	return n / t;
}

static double nft_file(struct mw_nft *nft, int n)
{
	char path[] = "/tmp/mw-bench-XXXXXX", buf[32], cmd[128];
	FILE *f;
	double t;
	int fd, i;

	fresh(nft);
	fd = mkstemp(path);
	f = fdopen(fd, "w");
	fprintf(f, "add element inet minewall block4 {");
	for (i = 0; i < n; i++) {
		addr_of(i, buf, sizeof(buf));
		fprintf(f, "%s %s timeout 1h comment \"SSHDICT: bench\"", i ? "," : "", buf);
	}
	fprintf(f, " }\n");
	fclose(f);
	snprintf(cmd, sizeof(cmd), "nft -f %s", path);
	t = now_s();
	if (system(cmd))
		fprintf(stderr, "bench_nft: nft -f failed\n");
	t = now_s() - t;
	unlink(path);
	return n / t;
}

static double nft_fork(struct mw_nft *nft, int n)
{
	char buf[32], cmd[256];
	double t;
	int i;

	fresh(nft);
	t = now_s();
	for (i = 0; i < n; i++) {
		addr_of(i, buf, sizeof(buf));
		snprintf(
			cmd, sizeof(cmd),
			"nft add element inet minewall block4 '{ %s timeout 1h comment \"bench\" }'",
			buf);
		if (system(cmd))
			break;
	}
	t = now_s() - t;
	return n / t;
}

int main(void)
{
	static const int sizes[] = { 1000, 10000, 100000 };
	struct mw_nft nft;
	size_t i;

	if (unshare(CLONE_NEWNET) || mw_nft_open(&nft)) {
		fprintf(stderr, "bench_nft: needs root (a private network namespace)\n");
		return 1;
	}
	/* the shipped default: no per-element counter (config element_counters) */
	nft.no_elem_counters = true;
	printf("%-52s %14s\n", "ban insertion into nft set block4 (timeout, comment)",
	       "addresses/s");
	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		char name[80];

		snprintf(name, sizeof(name), "minewall, %d in one transaction", sizes[i]);
		printf("%-52s %14.0f\n", name, one_transaction(&nft, sizes[i]));
		snprintf(name, sizeof(name), "nft -f, %d in one file", sizes[i]);
		printf("%-52s %14.0f\n", name, nft_file(&nft, sizes[i]));
	}
	/* where the time goes: building the messages, and the comments */
	printf("%-52s %14.0f\n", "  of which building 100000 messages' elements",
	       build_only(100000));
	with_comments = false;
	printf("%-52s %14.0f\n", "minewall, 100000 in one transaction, no comments",
	       one_transaction(&nft, 100000));
	with_comments = true;
	nft.no_elem_counters = false;
	printf("%-52s %14.0f\n", "minewall, 100000, element_counters = yes",
	       one_transaction(&nft, 100000));
	printf("%-52s %14.0f\n", "minewall, 10000, element_counters = yes",
	       one_transaction(&nft, 10000));
	nft.no_elem_counters = true;
	printf("%-52s %14.0f\n", "minewall, 1000 in one transaction each", per_address(&nft, 1000));
	printf("%-52s %14.0f\n", "one nft process per address (fail2ban's way), 200",
	       nft_fork(&nft, 200));
	mw_nft_destroy(&nft);
	mw_nft_close(&nft);
	return 0;
}
