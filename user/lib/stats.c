// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "lib/stats.h"
#include "lib/util.h"

int mw_stats_read(int fd, struct mw_stats *sum)
{
	int ncpu = libbpf_num_possible_cpus();
	struct mw_stats *per;
	__u32 zero = 0;
	int cpu, ret = 0;
	size_t i;

	if (ncpu < 0)
		return ncpu;
	per = calloc(ncpu, sizeof(*per));
	if (!per)
		return -ENOMEM;
	if (bpf_map_lookup_elem(fd, &zero, per)) {
		ret = -errno;
		goto out;
	}
	memset(sum, 0, sizeof(*sum));
	for (cpu = 0; cpu < ncpu; cpu++) {
		/* struct mw_stats is all __u64: add it as an array */
		const __u64 *src = (const __u64 *)&per[cpu];
		__u64 *dst = (__u64 *)sum;

		for (i = 0; i < sizeof(*sum) / sizeof(__u64); i++)
			dst[i] += src[i];
	}
out:
	free(per);
	return ret;
}

const char *mw_stats_parse_err_name(unsigned err)
{
	static const char *const names[MW_PE_MAX] = {
		[MW_PE_TRUNC_ETH] = "truncated_eth",
		[MW_PE_TRUNC_VLAN] = "truncated_vlan",
		[MW_PE_VLAN_DEPTH] = "vlan_depth",
		[MW_PE_TRUNC_IP4] = "truncated_ipv4",
		[MW_PE_BAD_IP4_HDR] = "bad_ipv4_header",
		[MW_PE_BAD_IP4_LEN] = "bad_ipv4_length",
		[MW_PE_TRUNC_IP6] = "truncated_ipv6",
		[MW_PE_BAD_IP6_HDR] = "bad_ipv6_header",
		[MW_PE_TRUNC_IP6_EXT] = "truncated_ipv6_ext",
		[MW_PE_IP6_EXT_DEPTH] = "ipv6_ext_depth",
		[MW_PE_TRUNC_L4] = "truncated_l4",
		[MW_PE_BAD_TCP_HDR] = "bad_tcp_header",
	};

	return err < MW_PE_MAX && names[err] ? names[err] : "unknown";
}
