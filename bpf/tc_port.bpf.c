// SPDX-License-Identifier: GPL-2.0-only
/*
 * tc_port.bpf.c - a container's traffic before NAT, on the host side of its
 * veth (a port of a container bridge). Its tc ingress sees what the
 * container sends, with the container's socket still on the skb (the
 * process behind the flow); its tc egress what reaches the container. The
 * container is the flow's local side: its addresses are none of the
 * host's, so the program's view is kept, while a container talking to the
 * host's own address is the host's inbound flow. Nothing is dropped here
 * but a blacklisted flow's packets, as on the uplink.
 */
#include "tc_account.h"

/* From the container: it is the local side, its stack speaks (MW_PROG_TC). */
SEC("tc")
int mw_port_ingress(struct __sk_buff *skb)
{
	return mw_tc_account(skb, MW_PROG_TC, MW_DIR_OUT);
}

/* To the container, from outside. A frame the bridge forwards from another
 * watched port was counted there already, in the same flow. */
SEC("tc")
int mw_port_egress(struct __sk_buff *skb)
{
	__u32 from = skb->ingress_ifindex;

	if (from && bpf_map_lookup_elem(&mw_ports, &from))
		return TC_ACT_OK;
	return mw_tc_account(skb, MW_PROG_TC_TO_PORT, MW_DIR_IN);
}

char LICENSE[] SEC("license") = "GPL";
