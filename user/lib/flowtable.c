// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>

#include <bpf/bpf.h>

#include "lib/flowtable.h"
#include "lib/util.h"

long mw_flowtable_walk(int fd, size_t batch, mw_flow_batch_fn fn, void *arg)
{
	/* the batch token of a hash map is a bucket index; room for any */
	__u64 token[8] = { 0 };
	struct mw_flow_key *keys;
	struct mw_flow *flows;
	bool first = true, done = false;
	long total = 0;
	int ret = 0;

	keys = calloc(batch, sizeof(*keys));
	flows = calloc(batch, sizeof(*flows));
	if (!keys || !flows) {
		ret = -ENOMEM;
		goto out;
	}
	while (!done) {
		__u32 count = batch;

		if (bpf_map_lookup_batch(fd, first ? NULL : token, token, keys, flows, &count,
					 NULL)) {
			ret = -errno;
			if (ret != -ENOENT)
				goto out;
			done = true; /* the last batch may still hold entries */
			ret = 0;
		}
		first = false;
		total += count;
		if (count && fn(arg, keys, flows, count))
			break;
	}
out:
	free(keys);
	free(flows);
	return ret ? ret : total;
}

struct collect {
	struct mw_flow_rec *recs;
	size_t n, cap;
	int err;
};

static int collect_batch(void *arg, const struct mw_flow_key *keys, const struct mw_flow *flows,
			 size_t n)
{
	struct collect *c = arg;
	size_t i;

	if (n && mw_grow(&c->recs, &c->cap, c->n + n - 1, sizeof(*c->recs), 1024)) {
		c->err = -ENOMEM;
		return 1;
	}
	for (i = 0; i < n; i++) {
		c->recs[c->n].key = keys[i];
		c->recs[c->n].flow = flows[i];
		c->n++;
	}
	return 0;
}

long mw_flowtable_read(int fd, struct mw_flow_rec **out)
{
	struct collect c = { 0 };
	long ret;

	ret = mw_flowtable_walk(fd, 4096, collect_batch, &c);
	if (ret >= 0 && c.err)
		ret = c.err;
	if (ret < 0) {
		free(c.recs);
		return ret;
	}
	*out = c.recs;
	return c.n;
}

long mw_flowtable_delete(int fd, const struct mw_flow_key *keys, size_t n)
{
	__u32 count = n;

	if (!n)
		return 0;
	if (bpf_map_delete_batch(fd, keys, &count, NULL) && errno != ENOENT)
		return -errno;
	return count;
}

const char *mw_flowtable_state_name(unsigned state)
{
	switch (state) {
	case MW_STATE_OPEN:
		return "open";
	case MW_STATE_CLOSING:
		return "closing";
	case MW_STATE_CLOSED:
		return "closed";
	}
	return "unknown";
}

const char *mw_flowtable_proto_name(unsigned proto, char *buf, size_t len)
{
	switch (proto) {
	case IPPROTO_TCP:
		return "tcp";
	case IPPROTO_UDP:
		return "udp";
	case IPPROTO_ICMP:
		return "icmp";
	case IPPROTO_ICMPV6:
		return "icmp6";
	}
	snprintf(buf, len, "%u", proto);
	return buf;
}

char *mw_flowtable_tcp_flags_str(unsigned flags, char *buf, size_t len)
{
	static const char letters[] = "FSRPAUEC";
	size_t i, n = 0;

	for (i = 0; i < 8 && n + 1 < len; i++)
		if (flags & (1U << i))
			buf[n++] = letters[i];
	buf[n] = '\0';
	return buf;
}
