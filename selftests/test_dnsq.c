// SPDX-License-Identifier: GPL-2.0-only
/* test_dnsq.c - the table of the host's pending DNS queries
 * (detect/dnsq.c): an answer matched to its query once, by flow, ID, type
 * and name; bounded, expiring. Built with ASan and UBSan. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "detect/dnsq.h"
#include "parse/dns.h"
#include "test.h"

static void key_of(struct mw_flow_key *k, unsigned n)
{
	memset(k, 0, sizeof(*k));
	k->local_addr[10] = k->local_addr[11] = 0xff;
	k->local_addr[12] = 192;
	k->local_addr[15] = 1;
	k->remote_addr[10] = k->remote_addr[11] = 0xff;
	k->remote_addr[12] = 198;
	k->remote_addr[15] = 53;
	k->local_port = htons((uint16_t)(30000 + n));
	k->remote_port = htons(53);
	k->proto = IPPROTO_UDP;
}

static void t_dnsq(void *arg)
{
	struct mw_dns_query dq = { .id = 7, .qtype = 1 };
	struct mw_dns_msg m = { .id = 7, .qtype = 1 };
	struct mw_flow_key k;
	struct mw_dnsq q;
	unsigned i;

	ASSERT_EQ(mw_dnsq_init(&q, &(struct mw_dnsq_cfg){ .cap = 4, .ttl_ns = 1000 }), 0,
		  "4 pending at most, 1000 ns");
	snprintf(dq.name, sizeof(dq.name), "a.example");
	snprintf(m.question, sizeof(m.question), "a.example");
	for (i = 0; i < 6; i++) {
		key_of(&k, i);
		mw_dnsq_add(&q, &k, &dq, 100 + i);
	}
	ASSERT_EQ(q.n, 4, "bounded");
	ASSERT_EQ(q.evicted, 2, "the two oldest gave way");
	key_of(&k, 0);
	ASSERT_EQ(mw_dnsq_answer(&q, &k, &m, 200), -ENOENT, "an evicted query is gone");
	key_of(&k, 2);
	ASSERT_EQ(mw_dnsq_answer(&q, &k, &m, 200), 0, "a waiting one is answered");
	ASSERT_EQ(mw_dnsq_answer(&q, &k, &m, 200), -ENOENT, "once");
	key_of(&k, 3);
	m.qtype = 28;
	ASSERT_EQ(mw_dnsq_answer(&q, &k, &m, 200), -EINVAL, "another type");
	m.qtype = 1;
	snprintf(m.question, sizeof(m.question), "b.example");
	ASSERT_EQ(mw_dnsq_answer(&q, &k, &m, 200), -EINVAL, "another name");
	snprintf(m.question, sizeof(m.question), "a.example");
	m.id = 8;
	ASSERT_EQ(mw_dnsq_answer(&q, &k, &m, 200), -ENOENT, "another ID");
	m.id = 7;
	k.local_port = htons(1);
	ASSERT_EQ(mw_dnsq_answer(&q, &k, &m, 200), -ENOENT, "another flow");
	key_of(&k, 3);
	ASSERT_EQ(mw_dnsq_answer(&q, &k, &m, 200), 0, "the right one still waits");
	key_of(&k, 4);
	ASSERT_EQ(mw_dnsq_answer(&q, &k, &m, 104 + 1000), -ENOENT, "expired after 1000 ns");
	ASSERT_EQ(q.n, 1, "expiry took it");
	dq.name[0] = '\0';
	ASSERT_EQ(mw_dnsq_add(&q, &k, &dq, 300), -EINVAL, "no host name, nothing to wait for");
	/* many, through the hash, with removals in between */
	mw_dnsq_free(&q);
	ASSERT_EQ(mw_dnsq_init(&q, &(struct mw_dnsq_cfg){ .cap = 4096, .ttl_ns = 1ULL << 40 }), 0,
		  "4096");
	snprintf(dq.name, sizeof(dq.name), "a.example");
	for (i = 0; i < 20000; i++) {
		key_of(&k, i % 5000);
		dq.id = (uint16_t)i;
		mw_dnsq_add(&q, &k, &dq, i);
		if (i % 3 == 0) {
			m.id = (uint16_t)i;
			ASSERT_EQ(mw_dnsq_answer(&q, &k, &m, i), 0, "answered");
		}
	}
	ASSERT_EQ(q.n, 4096, "full");
	ASSERT_EQ(q.answered, 6667, "every third answered");
	mw_dnsq_free(&q);
}

int main(int argc, char **argv)
{
	if (argc > 1)
		test_filter = argv[1];
	test_run("dns: pending queries, matched, bounded, expiring", t_dnsq, NULL);
	return test_summary("dnsq");
}
