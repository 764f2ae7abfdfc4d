/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * proxy.h - DIRNET's proxies: a server process of this host (no terminal,
 * or in a container: process.h) asking a proxy on the internet for a
 * tunnel, SOCKS4/4a/5 or HTTP CONNECT, read from the host's first
 * messages on a connection it opened (the datapath copies them:
 * bpf/peek.h), reported with the destination it requests.
 *
 * What is not reported: a person at a terminal (curl -x typed by an
 * administrator); a proxy on an internal address ([network] internal: the
 * network's own, and a local one such as Tor's SOCKS on 127.0.0.1:9050
 * never crosses an interface the datapath watches); a proxy DIRNET's
 * `allow` names. A SOCKS5 greeting names no destination: it is kept (a
 * small table, per flow) until its request comes; when none was read and
 * the tunnel carried data both ways, the greeting alone is reported, at
 * medium. Alert only: the proxy is the address a block would take, and
 * DIRNET's own block already covers a new destination (dirnet.block); the
 * requested destination, what matters, is reached through the proxy and
 * is not the host's to block.
 */
#ifndef MW_AGENT_PROXY_H
#define MW_AGENT_PROXY_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "minewall.h"
#include "parse/proxy.h"

/* SOCKS5 greetings waiting for their request, at most (the oldest gives
 * way), each for MW_PROXY_GREETING_TTL_NS; after MW_PROXY_REQUEST_WAIT_NS
 * a tunnel that carried data without a request read is reported. */
#define MW_PROXY_GREETINGS 256
#define MW_PROXY_GREETING_TTL_NS (60ULL * 1000000000ULL)
#define MW_PROXY_REQUEST_WAIT_NS (5ULL * 1000000000ULL)
/* Data packets each way past which a tunnel carried more than SOCKS's own
 * two exchanges. */
#define MW_PROXY_TUNNEL_PACKETS 3

struct mw_config;
struct mw_dirnet;
struct mw_eve;
struct mw_env;
struct mw_nat_view;

/* A SOCKS5 greeting whose flow passed every test but the request's. */
struct mw_proxy_greeting {
	struct mw_flow_key key;
	uint64_t ns; /* 0: free */
	uint32_t ifindex;
	uint8_t initiator, handshake;
	bool known; /* the process was seen to be a server's */
	json_t *process; /* as it was at the greeting (it may be gone later) */
};

/* A report made lately: the same again is not made. */
struct mw_proxy_reported {
	uint8_t proxy[16];
	uint16_t port; /* network order */
	uint16_t proto; /* enum mw_proxy_proto */
	char requested[MW_PROXY_REQUESTED_MAX];
	char who[64];
	uint64_t ns;
};

struct mw_agent_proxy {
	const struct mw_config *cfg;
	const struct mw_dirnet *dirnet; /* its allow rules; NULL: none */
	struct mw_eve *eve;
	struct mw_nat_view *nat;
	int owner_fd, flows_fd;
	uint64_t requests, detections, greetings_alone;
	/* requests not reported: a terminal, an internal or allowed proxy */
	uint64_t quiet;
	struct mw_proxy_greeting greetings[MW_PROXY_GREETINGS];
	unsigned greeting_pos, n_greetings; /* n: in use, so that most flow ends cost nothing */
	/* reported lately: proxy, port, requested destination and process */
	struct mw_proxy_reported recent[64];
	unsigned recent_pos;
};

/* Registers on @env's events; @dirnet (read only, may be NULL) gives the
 * expected destinations. Returns 0 or -errno. */
int mw_agent_proxy_init(struct mw_agent_proxy *a, const struct mw_env *env,
			const struct mw_dirnet *dirnet);
/* Reports the greetings whose request never came, forgets the stale. */
void mw_agent_proxy_tick(struct mw_agent_proxy *a, uint64_t now_ns);
void mw_agent_proxy_free(struct mw_agent_proxy *a);

#endif
