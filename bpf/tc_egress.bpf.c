// SPDX-License-Identifier: GPL-2.0-only
/*
 * tc_egress.bpf.c - every transmitted packet, accounted in its flow. A TCP
 * GSO super-packet is counted as the segments it will become on the wire.
 */
#include "tc_account.h"

SEC("tc")
int mw_tc_egress(struct __sk_buff *skb)
{
	return mw_tc_account(skb, MW_PROG_TC, MW_DIR_OUT);
}

char LICENSE[] SEC("license") = "GPL";
