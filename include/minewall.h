/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * minewall.h - the one header shared by the BPF programs and user space.
 *
 * Only fixed-width UAPI types, explicit padding, no pointers, no bool: the
 * same bytes must mean the same thing on both sides of the map interface.
 * Every struct size is checked by _Static_assert at the end of this file,
 * on both sides.
 */
#ifndef MINEWALL_H
#define MINEWALL_H

#include <linux/types.h>

/* Map names as the kernel shows them (at most 15 characters). */
#define MW_MAP_FLOWS "mw_flows"
#define MW_MAP_STATS "mw_stats"
#define MW_MAP_EVENTS "mw_events"
#define MW_MAP_LOCAL "mw_local"
#define MW_MAP_INTERNAL "mw_internal"
#define MW_MAP_BLACKLIST4 "mw_blacklist4"
#define MW_MAP_BLACKLIST6 "mw_blacklist6"
#define MW_MAP_BL_HITS "mw_bl_hits"
#define MW_MAP_BLOCK "mw_block"
#define MW_MAP_BLOCK_NET "mw_block_net"
#define MW_MAP_AGENT "mw_agent"
#define MW_MAP_SVC "mw_svc"
#define MW_MAP_OWNER "mw_owner"
#define MW_MAP_SSH_WRITER "mw_ssh_writer"
#define MW_MAP_PEEKS "mw_peeks"
#define MW_MAP_WATCHED "mw_watched"
#define MW_MAP_PORTS "mw_ports"

#define MW_PIN_PATH_DEFAULT "/sys/fs/bpf/minewall"

/* Map sizes. MW_FLOWS_DEFAULT is only the default: the agent sets
 * max_entries from the config before load. */
#define MW_FLOWS_DEFAULT 262144
/* Copies of the flows under observation (mw_watched): by default a quarter
 * of the flow table; the agent sets it from max_flows before load. */
#define MW_WATCHED_DEFAULT (MW_FLOWS_DEFAULT / 4)
#define MW_EVENTS_BYTES (4U << 20)
/* Payload copies, and the flow events of flows nothing is decided on (not
 * opened by the host, no handshake seen in order),
 * go to a best-effort ring of their own: a flood of them (DNS, spoofed
 * SYNs, packets from listed sources) can fill it, never the ring of the
 * events that decide blocks. */
#define MW_PEEKS_BYTES (4U << 20)
#define MW_LOCAL_MAX 1024
#define MW_INTERNAL_MAX 256
#define MW_BL_LISTS_MAX 256 /* list ids 1..255; 0 means none */
#define MW_BLOCK_MAX (1U << 20)
#define MW_BLOCK_NET_MAX 16384
#define MW_MAX_IFACES 16
#define MW_PORTS_MAX 1024 /* containers' bridge ports watched (mw_ports) */
#define MW_OWNER_MAX 65536
#define MW_SSH_WRITER_MAX 16384 /* SSH connections whose writer is known */
/* Datagrams in flight whose first fragment's ports are remembered for the
 * later ones (mw_frags): reassembly takes the host at most ipfrag_time,
 * 30 s; 8192 covers 270 fragmented datagrams a second. */
#define MW_FRAGS_MAX 8192

/* Bytes of a reply's first packet copied into a burst event (a reply code). */
#define MW_HEAD_MAX 32

/* Bytes of payload copied into a peek event. Keep a power of two: the BPF
 * side masks the copy length with MW_PEEK_MAX - 1 for the verifier. */
#define MW_PEEK_MAX 512

/* Bytes of a host's outbound TLS ClientHello the datapath follows across
 * segments (in peek events of at most MW_PEEK_MAX bytes each) for the
 * agent to reassemble: its SNI may lie anywhere in it. A JSON line cut
 * short is followed to MW_PEEK_MAX bytes. */
#define MW_TLS_REASM_MAX 2048

/* Bytes of a payload's start the datapath reads for JSON's '{' after
 * whitespace (Stratum sent after a newline or a space); a payload that is
 * whitespace for all of them is copied as well. */
#define MW_PEEK_WS_MAX 16

/* Authenticated services whose connections are watched for login tries
 * (value of mw_svc, indexed by local port). Keep in sync with detect/dict.c. */
enum mw_svc {
	MW_SVC_NONE = 0,
	MW_SVC_SSH = 1, /* SSHDICT */
	MW_SVC_RDP = 2, /* RDPDICT */
	MW_SVC_HTTP = 3, /* HTTPDICT */
	MW_SVC_AUTH = 4, /* DICTATTACK: any other authenticated service */
	MW_SVC_MAX,
};

/* Burst events are sent for the first exchanges of a watched connection
 * only: the login phase, not the session that may follow. */
#define MW_BURST_EVENTS_MAX 64

/* Direction of a packet or of a flow's initiator, from the host's view. */
enum mw_dir {
	MW_DIR_IN = 0, /* remote -> local */
	MW_DIR_OUT = 1, /* local -> remote */
};

#define MW_INIT_UNKNOWN 2 /* value of mw_flow.initiator for mid-stream TCP */

/* TCP flag bits as in the TCP header's 13th byte. */
#define MW_TCP_FIN 0x01
#define MW_TCP_SYN 0x02
#define MW_TCP_RST 0x04
#define MW_TCP_PSH 0x08
#define MW_TCP_ACK 0x10
#define MW_TCP_URG 0x20
#define MW_TCP_ECE 0x40
#define MW_TCP_CWR 0x80

/**
 * struct mw_flow_key - canonical key of a connection, the same both ways.
 * @local_addr:  the host's address; IPv4 as IPv4-mapped IPv6 (::ffff:a.b.c.d)
 * @remote_addr: the peer's address, same encoding
 * @local_port:  network byte order; for ICMP echo the identifier, else 0
 * @remote_port: network byte order; as @local_port for ICMP
 * @proto:       IPPROTO_TCP, IPPROTO_UDP, IPPROTO_ICMP, IPPROTO_ICMPV6, or
 *               another IP protocol number (ports 0)
 */
struct mw_flow_key {
	__u8 local_addr[16];
	__u8 remote_addr[16];
	__be16 local_port;
	__be16 remote_port;
	__u8 proto;
	__u8 pad[3];
};

/* mw_flow.state, derived from what the datapath saw. */
enum mw_flow_state {
	MW_STATE_OPEN = 0,
	MW_STATE_CLOSING = 1, /* FIN seen from one side */
	MW_STATE_CLOSED = 2, /* FIN from both sides, or RST */
};

/**
 * struct mw_flow - value of the flow table; one per connection.
 * @first_ns:     coarse CLOCK_MONOTONIC time of the first packet
 * @last_ns:      coarse CLOCK_MONOTONIC time of the latest packet
 * @packets:      per direction (index enum mw_dir); TCP GSO packets count
 *                as the segments they will become
 * @bytes:        per direction, IP-layer bytes (IP header and payload)
 * @data_packets: per direction, packets carrying L4 payload
 * @ifindex:      interface that saw the first packet
 * @exchanges:    times the direction of data packets changed: one
 *                request/response round trip counts two; 32 bits, and
 *                stops at the top rather than wrap to a fresh login phase
 * @tcp_flags:    per direction, OR of the TCP flags of the packets taken (a
 *                RST or FIN that did not fit the sequence space, or a SYN on
 *                a live flow, is counted in mw_stats and left out)
 * @initiator:    MW_DIR_IN, MW_DIR_OUT or MW_INIT_UNKNOWN
 * @handshake:    1 once the TCP three-way handshake was seen complete and in
 *                order: the initiator's SYN, the SYN-ACK acknowledging it
 *                (ack = SYN's seq + 1), the ACK acknowledging the SYN-ACK.
 *                Only such a flow is evidence a block may rest on.
 * @state:        enum mw_flow_state
 * @ended:        1 once the flow-end event was emitted
 * @last_data_dir: direction of the latest data packet (for @exchanges)
 * @peeked:       per direction, payload peek events sent
 * @svc:          protected service (enum mw_svc) of the local port, for flows
 *                the remote side opened; 0 for others
 * @blacklist:    list id that matched the remote address at creation, 0 none
 * @bl_flags:     the matching entry's MW_BL_* flags
 * @hs_stage:     enum mw_hs_stage, the handshake as far as it was seen
 * @burst_bytes:  payload bytes of the current burst (consecutive data packets
 *                in direction @last_data_dir)
 * @host_opened:  1 when the packet that opened the flow (a TCP SYN, or the
 *                first UDP/ICMP packet) left through tc egress: the host
 *                itself opened it. A packet arriving at XDP with one of the
 *                host's addresses as its source (a replay, a spoof) never
 *                sets it.
 * @sock_cookie:  cookie of the local socket that sent the first packet (tc
 *                egress; 0 for flows the remote side opened): the key of
 *                mw_owner, the process behind the flow
 * @follow:       while the datapath copies the continuation of the host's
 *                first outbound message, up to @follow_end, what it is:
 *                1 a TLS ClientHello record, 2 a JSON line cut short (until
 *                a segment ends it); 0 otherwise
 * @follow_end:   sequence number (host order) just past the last byte of
 *                that message to copy (at most MW_TLS_REASM_MAX from its
 *                start)
 * @seq_next:     TCP, per direction: the sequence number that direction's
 *                next new byte will carry (host order), from its SYN on.
 *                A RST or FIN is taken only when its sequence number fits
 *                (RFC 5961), as the host's own stack would take it. Known for
 *                the initiator from @hs_stage MW_HS_SYN on, for the responder
 *                from MW_HS_SYNACK on; meaningless before.
 *
 * Each direction's counters are written only by the program that sees that
 * direction (XDP ingress or tc egress), so no atomics are needed on the
 * per-packet path. The few fields both directions write (@last_ns, @state,
 * @exchanges, @last_data_dir) are plain stores: two CPUs racing on one flow
 * can at worst lose one @exchanges increment.
 */
struct mw_flow {
	__u64 first_ns;
	__u64 last_ns;
	__u64 packets[2];
	__u64 bytes[2];
	__u32 data_packets[2];
	__u32 ifindex;
	__u8 tcp_flags[2];
	__u8 initiator;
	__u8 handshake;
	__u8 state;
	__u8 ended;
	__u8 last_data_dir;
	__u8 peeked[2];
	__u8 svc;
	__u16 blacklist;
	__u8 bl_flags;
	__u8 hs_stage;
	__u8 host_opened;
	__u8 follow;
	__u32 burst_bytes;
	__u32 exchanges;
	__u32 follow_end;
	__u64 sock_cookie;
	__u32 seq_next[2];
};

/* mw_flow.hs_stage: how far the TCP handshake was seen, in order. */
enum mw_hs_stage {
	MW_HS_NONE = 0, /* no SYN seen: mid-stream, or not TCP */
	MW_HS_SYN = 1, /* the initiator's SYN */
	MW_HS_SYNACK = 2, /* a SYN-ACK acknowledging that SYN */
	MW_HS_DONE = 3, /* the ACK of the SYN-ACK: mw_flow.handshake = 1 */
};

/* Parse outcomes that are counted; the packet is always passed. */
enum mw_parse_err {
	MW_PE_TRUNC_ETH = 0,
	MW_PE_TRUNC_VLAN,
	MW_PE_VLAN_DEPTH,
	MW_PE_TRUNC_IP4,
	MW_PE_BAD_IP4_HDR,
	MW_PE_BAD_IP4_LEN,
	MW_PE_TRUNC_IP6,
	MW_PE_BAD_IP6_HDR,
	MW_PE_TRUNC_IP6_EXT,
	MW_PE_IP6_EXT_DEPTH,
	MW_PE_TRUNC_L4,
	MW_PE_BAD_TCP_HDR,
	MW_PE_MAX,
};

/**
 * struct mw_stats - global counters, one per CPU (summed in user space).
 * @packets, @bytes: per direction, every packet seen (bytes at L2)
 * @non_ip:         frames that are not IPv4/IPv6 (ARP, LLDP, ...)
 * @fragments:      IP fragments after the first
 * @flow_inserts:   flows created
 * @flow_insert_fail: flows that could not be created
 * @flow_midstream: TCP flows created from a packet other than a SYN
 * @flow_reused:    TCP entries restarted by a new SYN after a close (or on an
 *                  entry whose handshake was never seen)
 * @flow_ends:      flow-end events emitted by the datapath
 * @events:         events written to mw_events (flow ends, bursts, blacklist
 *                  hits, new public flows)
 * @events_lost:    events lost because mw_events was full
 * @peeks:          payload peek events written to mw_peeks
 * @block_drops:    packets dropped because the source is blocked
 * @blacklist_hits: flows whose remote address is on a blacklist
 * @blacklist_drops: packets of such flows dropped (enforce mode)
 * @new_public:     locally initiated flows to public addresses
 * @peeks_lost:     events lost because mw_peeks was full (payload copies,
 *                  and the flow events of flows nothing is decided on)
 * @rst_ignored:    RSTs that did not fit their direction's sequence space
 *                  (the flow was left open, as the host's stack leaves it)
 * @fin_ignored:    FINs outside their direction's window (left out)
 * @syn_on_live:    SYNs on a flow whose handshake was under way or done
 *                  (the entry was kept as it was)
 * @data_out_of_window: remote payload outside its connection's sequence
 *                  window (counted as packets, its payload left out)
 * @local_src_in:   packets that arrived at XDP with one of the host's
 *                  addresses as their source: counted in their flow's
 *                  packets and bytes, never taken as the host's (no
 *                  handshake, burst, payload or close of the host's side)
 * @flow_restored:  flows under observation that the flow table had lost
 *                  (evicted by a flood) brought back from mw_watched
 * @frag_attributed: later IP fragments of TCP/UDP counted in their flow,
 *                  by the ports their first fragment carried
 * @parse_err:      per enum mw_parse_err
 */
struct mw_stats {
	__u64 packets[2];
	__u64 bytes[2];
	__u64 non_ip;
	__u64 fragments;
	__u64 flow_inserts;
	__u64 flow_insert_fail;
	__u64 flow_midstream;
	__u64 flow_reused;
	__u64 flow_ends;
	__u64 events;
	__u64 events_lost;
	__u64 peeks;
	__u64 block_drops;
	__u64 blacklist_hits;
	__u64 blacklist_drops;
	__u64 new_public;
	__u64 peeks_lost;
	__u64 rst_ignored;
	__u64 fin_ignored;
	__u64 syn_on_live;
	__u64 local_src_in;
	__u64 data_out_of_window;
	__u64 frag_attributed;
	__u64 flow_restored;
	__u64 parse_err[MW_PE_MAX];
};

/* Key of mw_local: one of the host's addresses (IPv4-mapped for IPv4). */
struct mw_addr {
	__u8 addr[16];
};

/* Key of the LPM tries mw_internal and mw_block_net. IPv4 prefixes are
 * stored IPv4-mapped, so their prefixlen is 96 + the IPv4 length. The IPv6
 * blacklist uses it with plain IPv6 prefixes (no IPv4 in it). */
struct mw_lpm_key {
	__u32 prefixlen;
	__u8 addr[16];
};

/* Key of the IPv4 blacklist: a smaller key makes a shallower, faster trie. */
struct mw_lpm4_key {
	__u32 prefixlen;
	__u8 addr[4];
};

/*
 * Blacklists. mw_blacklist4 and mw_blacklist6 are one-slot arrays of maps:
 * slot 0 holds the LPM trie in force. The agent builds a new trie beside it
 * and swaps the slot in one update, so a reload never leaves a moment
 * without protection.
 */
#define MW_BL_PORTS 6

enum mw_bl_flags {
	MW_BL_ALERT =
		0x01, /* detect only: shared (CDN, resolver) address, never dropped or blocked */
	MW_BL_LEARNED = 0x02, /* learned from a DNS answer for a listed name */
};

/**
 * struct mw_bl_value - value of the blacklist tries.
 * @list:   list id (index of mw_bl_hits), names kept by the agent
 * @flags:  enum mw_bl_flags
 * @nports: 0: every port matches; else only the remote ports in @ports
 * @ports:  network byte order (ip:port entries of lists such as maltrail)
 */
struct mw_bl_value {
	__u16 list;
	__u8 flags;
	__u8 nports;
	__be16 ports[MW_BL_PORTS];
};

/**
 * struct mw_block - value of mw_block (XDP fast drop, keyed by mw_addr) and
 * of mw_block_net (blocked prefixes, keyed by mw_lpm_key).
 * @expires_ns: CLOCK_MONOTONIC expiry; 0 means permanent
 * @drops:      packets dropped for this entry (approximate under races)
 */
struct mw_block {
	__u64 expires_ns;
	__u64 drops;
};

/**
 * struct mw_owner - value of mw_owner, keyed by socket cookie: the process
 * that called connect() or sendmsg() on the socket, as the kernel saw it.
 * @pid, @tid:  thread group and thread id
 * @uid, @gid:  real ids
 * @cgroup_id:  cgroup v2 id (the inode of its directory under /sys/fs/cgroup)
 * @comm:       the task's command name
 */
struct mw_owner {
	__u32 pid;
	__u32 tid;
	__u32 uid;
	__u32 gid;
	__u64 cgroup_id;
	char comm[16];
};

/**
 * struct mw_ssh_writer - value of mw_ssh_writer, keyed by the connection's
 * struct mw_flow_key: who wrote the latest bytes an SSH server (a local
 * port of MW_SVC_SSH) sent on it. OpenSSH writes as its privilege-separation
 * user ("sshd") until a client authenticated, then as the logged-in user: the
 * host's own word that a login happened, which no client can forge.
 * @uid:   real uid of the writing task
 * @pid:   its thread group id
 */
struct mw_ssh_writer {
	__u32 uid;
	__u32 pid;
};

/* Interface attachment as the agent records it in mw_agent. */
enum mw_xdp_mode {
	MW_XDP_NONE = 0,
	MW_XDP_NATIVE = 1,
	MW_XDP_GENERIC = 2,
};

struct mw_iface {
	__u32 ifindex;
	__u32 xdp_mode; /* enum mw_xdp_mode */
	char name[16];
};

/**
 * struct mw_agent - the agent's heartbeat, single entry of mw_agent, so that
 * the CLI and bpftool can tell whether an agent runs and what it attached.
 * @pid:          agent process id, 0 once it exited cleanly
 * @n_ifaces:     entries used in @ifaces
 * @start_ns:     CLOCK_MONOTONIC start time
 * @heartbeat_ns: CLOCK_MONOTONIC time of the latest main-loop cycle
 * @flows_max:    configured size of the flow table
 * @evictions:    flows the LRU evicted (agent's estimate)
 */
struct mw_agent {
	__u32 pid;
	__u32 n_ifaces;
	__u64 start_ns;
	__u64 heartbeat_ns;
	__u64 flows_max;
	__u64 evictions;
	struct mw_iface ifaces[MW_MAX_IFACES];
};

/* Ring-buffer events: every record starts with struct mw_event_hdr. */
enum mw_event_type {
	MW_EV_FLOW_END = 1, /* struct mw_event_flow */
	MW_EV_NEW_PUBLIC = 2, /* struct mw_event_flow: local -> public, first packet */
	MW_EV_BLACKLIST = 3, /* struct mw_event_flow, flow.blacklist set */
	MW_EV_PEEK = 4, /* struct mw_event_peek */
	MW_EV_BURST = 5, /* struct mw_event_burst */
};

/* Why a flow ended (mw_event_flow.reason). */
enum mw_end_reason {
	MW_END_NONE = 0,
	MW_END_FIN = 1,
	MW_END_RST = 2,
	MW_END_IDLE = 3, /* synthesised by the agent's idle scan */
};

struct mw_event_hdr {
	__u16 type; /* enum mw_event_type */
	__u8 dir; /* direction of the packet that raised it */
	__u8 reason; /* enum mw_end_reason for MW_EV_FLOW_END */
	__u32 ifindex;
	__u64 ts_ns; /* coarse CLOCK_MONOTONIC */
};

struct mw_event_flow {
	struct mw_event_hdr hdr;
	struct mw_flow_key key;
	struct mw_flow flow;
};

/**
 * struct mw_event_burst - a burst of data in one direction of a watched
 * connection ended, because the other side started sending.
 * @bytes:     payload bytes of the burst that ended
 * @exchanges: the flow's exchange count, this change of direction included
 * @svc:       enum mw_svc of the connection
 * @handshake: the flow's handshake flag (mw_flow.handshake) at that moment
 * @first_ns:  the flow's first_ns (tells a reused 4-tuple apart)
 * @next_bytes: payload of the packet that started the other side's burst,
 *              so that a one-packet reply (a login refusal) is known at once
 * @next_head_len, @next_head: the first bytes of that packet's payload: a
 *              clear-text protocol's reply code ("530 ", "HTTP/1.1 401",
 *              "-ERR", a MySQL or PostgreSQL error) tells a refusal from a
 *              success without guessing from sizes
 * hdr.dir is the direction of the burst that ended.
 */
struct mw_event_burst {
	struct mw_event_hdr hdr;
	struct mw_flow_key key;
	__u32 bytes;
	__u32 exchanges;
	__u64 first_ns;
	__u32 next_bytes;
	__u8 svc;
	__u8 handshake;
	__u8 next_head_len;
	__u8 pad2;
	__u8 next_head[MW_HEAD_MAX];
};

/**
 * struct mw_event_peek - the first payload bytes of a packet.
 * @len:      bytes valid in @data
 * @orig_len: payload length of the packet (may exceed @len)
 * @seq:      TCP sequence number of the payload (host order), 0 for UDP
 * @index:    0 for the first data packet of this direction, 1 next, ...
 *            (at most 0xffff)
 * @cont:     1 when the copy continues the host's first message (a TLS
 *            ClientHello record, a JSON line): a later segment of it, or a
 *            segment's bytes past its first copy (@seq tells where they
 *            go); 0 when it starts at a packet's payload
 * @initiator, @handshake, @host_opened: the flow's fields of those names
 * @answered: 1 when the flow has packets in both directions
 */
struct mw_event_peek {
	struct mw_event_hdr hdr;
	struct mw_flow_key key;
	__u16 len;
	__u16 orig_len;
	__u32 seq;
	__u16 index;
	__u8 cont;
	__u8 pad;
	__u8 initiator;
	__u8 handshake;
	__u8 host_opened;
	__u8 answered;
	__u8 data[MW_PEEK_MAX];
};

/**
 * struct mw_bpf_config - load-time knobs, a const volatile global in the BPF
 * object, set by the agent before load.
 * @peek_packets: data packets per direction whose payload may be peeked
 * @peek_bytes:   bytes copied per peek (<= MW_PEEK_MAX)
 */
struct mw_bpf_config {
	__u32 peek_packets;
	__u32 peek_bytes;
};

#define MW_BPF_CONFIG_DEFAULT                        \
	{                                            \
		.peek_packets = 4, .peek_bytes = 256 \
	}

/*
 * Layout checks: this header compiles into the BPF programs and into user
 * space, so both sides check the same sizes and offsets; a field added or
 * moved on one side without the other fails the build here, not at run time
 * as garbage in a map or an event. The sizes state "no hidden padding": every
 * hole is an explicit pad field.
 */
#define MW_ASSERT_SIZE(type, size) \
	_Static_assert(sizeof(type) == (size), "sizeof(" #type ") != " #size)
#define MW_ASSERT_OFF(type, field, off)                          \
	_Static_assert(__builtin_offsetof(type, field) == (off), \
		       "offsetof(" #type ", " #field ") != " #off)

MW_ASSERT_SIZE(struct mw_flow_key, 40);
MW_ASSERT_OFF(struct mw_flow_key, remote_addr, 16);
MW_ASSERT_OFF(struct mw_flow_key, local_port, 32);
MW_ASSERT_OFF(struct mw_flow_key, remote_port, 34);
MW_ASSERT_OFF(struct mw_flow_key, proto, 36);

MW_ASSERT_SIZE(struct mw_flow, 104);
MW_ASSERT_OFF(struct mw_flow, packets, 16);
MW_ASSERT_OFF(struct mw_flow, data_packets, 48);
MW_ASSERT_OFF(struct mw_flow, tcp_flags, 60);
MW_ASSERT_OFF(struct mw_flow, blacklist, 70);
MW_ASSERT_OFF(struct mw_flow, burst_bytes, 76);
MW_ASSERT_OFF(struct mw_flow, exchanges, 80);
MW_ASSERT_OFF(struct mw_flow, follow_end, 84);
MW_ASSERT_OFF(struct mw_flow, sock_cookie, 88);
MW_ASSERT_OFF(struct mw_flow, seq_next, 96);

/* user space sums the per-CPU copies as an array of __u64 */
MW_ASSERT_SIZE(struct mw_stats, 8 * (26 + MW_PE_MAX));
MW_ASSERT_OFF(struct mw_stats, parse_err, 208);

MW_ASSERT_SIZE(struct mw_addr, 16);
MW_ASSERT_SIZE(struct mw_lpm_key, 20);
MW_ASSERT_OFF(struct mw_lpm_key, addr, 4);
MW_ASSERT_SIZE(struct mw_lpm4_key, 8);
MW_ASSERT_OFF(struct mw_lpm4_key, addr, 4);
MW_ASSERT_SIZE(struct mw_bl_value, 4 + 2 * MW_BL_PORTS);
MW_ASSERT_OFF(struct mw_bl_value, nports, 3);
MW_ASSERT_OFF(struct mw_bl_value, ports, 4);
MW_ASSERT_SIZE(struct mw_block, 16);
MW_ASSERT_OFF(struct mw_block, drops, 8);
MW_ASSERT_SIZE(struct mw_owner, 40);
MW_ASSERT_OFF(struct mw_owner, cgroup_id, 16);
MW_ASSERT_OFF(struct mw_owner, comm, 24);
MW_ASSERT_SIZE(struct mw_ssh_writer, 8);
MW_ASSERT_OFF(struct mw_ssh_writer, pid, 4);
MW_ASSERT_SIZE(struct mw_iface, 24);
MW_ASSERT_OFF(struct mw_iface, name, 8);
MW_ASSERT_SIZE(struct mw_agent, 40 + 24 * MW_MAX_IFACES);
MW_ASSERT_OFF(struct mw_agent, start_ns, 8);
MW_ASSERT_OFF(struct mw_agent, ifaces, 40);

MW_ASSERT_SIZE(struct mw_event_hdr, 16);
MW_ASSERT_OFF(struct mw_event_hdr, ifindex, 4);
MW_ASSERT_OFF(struct mw_event_hdr, ts_ns, 8);
MW_ASSERT_SIZE(struct mw_event_flow, 160);
MW_ASSERT_OFF(struct mw_event_flow, key, 16);
MW_ASSERT_OFF(struct mw_event_flow, flow, 56);
MW_ASSERT_SIZE(struct mw_event_burst, 80 + MW_HEAD_MAX);
MW_ASSERT_OFF(struct mw_event_burst, key, 16);
MW_ASSERT_OFF(struct mw_event_burst, bytes, 56);
MW_ASSERT_OFF(struct mw_event_burst, first_ns, 64);
MW_ASSERT_OFF(struct mw_event_burst, next_bytes, 72);
MW_ASSERT_OFF(struct mw_event_burst, next_head_len, 78);
MW_ASSERT_OFF(struct mw_event_burst, next_head, 80);
MW_ASSERT_SIZE(struct mw_event_peek, 72 + MW_PEEK_MAX);
MW_ASSERT_OFF(struct mw_event_peek, key, 16);
MW_ASSERT_OFF(struct mw_event_peek, len, 56);
MW_ASSERT_OFF(struct mw_event_peek, seq, 60);
MW_ASSERT_OFF(struct mw_event_peek, index, 64);
MW_ASSERT_OFF(struct mw_event_peek, initiator, 68);
MW_ASSERT_OFF(struct mw_event_peek, data, 72);

/* the load-time knobs: set by name in the skeleton's rodata */
MW_ASSERT_SIZE(struct mw_bpf_config, 8);
MW_ASSERT_OFF(struct mw_bpf_config, peek_packets, 0);
MW_ASSERT_OFF(struct mw_bpf_config, peek_bytes, 4);

#endif /* MINEWALL_H */
