/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * nft.h - minewall's nftables table through libnftnl and libmnl: build,
 * check and heal the layout of nft-scripts/minewall.nft, and change set
 * elements in batched transactions whose every ACK is read and matched to
 * its element. No fork of nft.
 */
#ifndef MW_ENFORCE_NFT_H
#define MW_ENFORCE_NFT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/addr.h"

#define MW_NFT_TABLE "minewall"
#define MW_NFT_BLOCK_SIZE (1 << 20) /* elements of block4 / block6 */
#define MW_NFT_NET_SIZE 16384 /* elements of block4net / block6net */
#define MW_NFT_COMMENT_MAX 128
#define MW_NFT_CT_SIZE 65536 /* elements of each container block set */
/* `socket cgroupv2 level L` rules in the output chain, L = 1..this: a
 * container's cgroup sits at level 2 under Docker and systemd
 * (system.slice/docker-ID.scope), 3 under cgroupfs drivers, 4 to 5 under
 * Kubernetes (kubepods.slice/kubepods-QOS.slice/...pod.slice/cri-...scope);
 * 8 leaves room, and each level is one more lookup per output packet */
#define MW_NFT_CG_LEVELS 8

enum mw_nft_set {
	MW_SET_ALLOW4 = 0,
	MW_SET_ALLOW6,
	MW_SET_BLOCK4,
	MW_SET_BLOCK6,
	MW_SET_BLOCK4NET,
	MW_SET_BLOCK6NET,
	/* container blocks: (container address . remote) in the forward chain */
	MW_SET_CBLOCK4,
	MW_SET_CBLOCK6,
	/* container blocks: (cgroup v2 id . remote) in the output chain, for
	 * containers in the host's network namespace */
	MW_SET_CGBLOCK4,
	MW_SET_CGBLOCK6,
	MW_SET_MAX,
};

struct mw_nft_op {
	bool del;
	uint8_t set; /* enum mw_nft_set */
	struct mw_prefix prefix; /* the remote in a container block set (len 128) */
	struct mw_addr ct_addr; /* MW_SET_CBLOCK*: the container's address */
	uint64_t cgroup_id; /* MW_SET_CGBLOCK*: the container's cgroup */
	uint64_t timeout_ms; /* 0: no timeout (permanent) */
	char comment[MW_NFT_COMMENT_MAX];
	int err; /* out: 0 or -errno; a delete of a missing element is 0 */
};

struct mw_nft_elem {
	struct mw_prefix prefix; /* the remote in a container block set */
	struct mw_addr ct_addr; /* MW_SET_CBLOCK* */
	uint64_t cgroup_id; /* MW_SET_CGBLOCK* */
	uint64_t timeout_ms; /* as set; 0: permanent */
	uint64_t expires_ms; /* remaining; 0: permanent */
	uint64_t packets, bytes; /* its counter's, when it has one */
	bool counted;
	char comment[MW_NFT_COMMENT_MAX];
};

struct mnl_socket;

struct mw_nft {
	struct mnl_socket *nl;
	uint32_t seq;
	uint32_t portid;
	/* block4/block6 elements without their own counter: inserting bans
	 * is about twice as fast (XDP counts each blocked source's drops
	 * anyway); applies when the table is created */
	bool no_elem_counters;
	/* counts for metrics and status */
	uint64_t transactions, messages, errors;
};

const char *mw_nft_set_name(unsigned set);
/* The block set for an address or prefix (exact addresses in block4/6). */
unsigned mw_nft_block_set(const struct mw_prefix *p);
/* The container block set for the remote @remote: by cgroup or by the
 * container's address. */
unsigned mw_nft_ct_set(const struct mw_addr *remote, bool cgroup);
/* Whether @set holds container blocks. */
bool mw_nft_is_ct_set(unsigned set);
/* The allow set for an address or prefix. */
unsigned mw_nft_allow_set(const struct mw_prefix *p);

int mw_nft_open(struct mw_nft *n);
void mw_nft_close(struct mw_nft *n);
/* 0 when table, sets, counters, chains and rules are all there; 1 when
 * something is missing or changed; -errno when nftables cannot be asked. */
int mw_nft_check(struct mw_nft *n);
/* Creates the layout in one transaction; with @replace, the table is deleted
 * first (in the same transaction), so whatever was there goes. */
int mw_nft_create(struct mw_nft *n, bool replace);
/* Deletes the table. Returns 0 (also when there was none) or -errno. */
int mw_nft_destroy(struct mw_nft *n);
/*
 * Applies @ops in one transaction. The kernel commits a transaction whole or
 * not at all, so failed elements are taken out and the rest sent again (a
 * delete of an element that is already gone counts as done). Returns the
 * number of ops that failed (each with its op->err) or -errno.
 */
int mw_nft_apply(struct mw_nft *n, struct mw_nft_op *ops, size_t n_ops);
/* Builds the one message that adds (or deletes) @ops, all of one set, into
 * @buf; returns its length, 0 when @cap is too small. For tests. */
size_t mw_nft_build_elems(char *buf, size_t cap, struct mw_nft_op *ops, size_t n_ops);
/* Reads a set's elements (prefix sets as ranges folded back into prefixes).
 * *out is malloc'd. Returns the count or -errno. */
long mw_nft_list(struct mw_nft *n, unsigned set, struct mw_nft_elem **out);

#endif
