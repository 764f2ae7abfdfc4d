// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_dirnet_allows.c - DIRNET's expected destinations read from outside
 * (detect/dirnet.c): for every rule form (prefix, prefix and port,
 * [v6]:port, *:PORT, a name and the addresses it resolved to, within and
 * past their TTL) it answers what DIRNET's own check decides. Built with
 * ASan and UBSan.
 */
#include <stdio.h>
#include <string.h>

#include "detect/dirnet.h"
#include "detect/dirnet.h"
#include "test.h"

#define SEC_NS 1000000000ULL

static const char *const rules[] = {
	"198.51.100.0/24", "203.0.113.10:1080",	      "[2001:db8::1]:3128",
	"*:123",	   "proxy.example.test:8080", "*.corp.example.test",
};

static const struct {
	const char *addr;
	uint16_t port;
	bool allowed;
} dests[] = {
	{ "198.51.100.7", 1080, true }, /* in the prefix, any port */
	{ "203.0.113.10", 1080, true }, /* address and port */
	{ "203.0.113.10", 8080, false }, /* another port */
	{ "203.0.113.11", 1080, false }, { "2001:db8::1", 3128, true },
	{ "2001:db8::2", 3128, false },	 { "192.0.2.55", 123, true }, /* *:123: any address */
	{ "192.0.2.50", 8080, true }, /* what proxy.example.test resolved to */
	{ "192.0.2.50", 8081, false }, /* the name is allowed on 8080 only */
	{ "192.0.2.60", 1080, true }, /* a subdomain of *.corp.example.test, any port */
	{ "192.0.2.70", 8080, false }, /* a name no rule allows */
};

/* Whether DIRNET's own check finds @dst expected (a fresh process name each
 * time: it reports a destination once per process). */
static bool dirnet_expects(struct mw_dirnet *d, const struct mw_addr *dst, uint16_t port,
			   uint64_t ns, unsigned n)
{
	struct mw_dirnet_verdict v;
	char comm[16];

	snprintf(comm, sizeof(comm), "p%u", n);
	mw_dirnet_check(d, dst, port, comm, ns, 1000, &v);
	return !v.report;
}

static void t_agrees(void *arg)
{
	struct mw_dirnet_cfg cfg = { 0 };
	struct mw_dirnet_allow r;
	struct mw_dirnet d;
	struct mw_addr a;
	char what[96];
	uint64_t ns = 10 * SEC_NS;
	unsigned i, n = 0;

	(void)arg;
	mw_dirnet_init(&d, &cfg);
	for (i = 0; i < sizeof(rules) / sizeof(rules[0]); i++) {
		ASSERT_EQ(mw_dirnet_allow_parse(rules[i], &r), 0, rules[i]);
		mw_dirnet_allow_add(&d, &r);
	}
	mw_addr_parse("192.0.2.50", &a);
	mw_dirnet_resolved(&d, "proxy.example.test", &a, 300, ns);
	mw_addr_parse("192.0.2.60", &a);
	mw_dirnet_resolved(&d, "socks.corp.example.test", &a, 300, ns);
	mw_addr_parse("192.0.2.70", &a);
	mw_dirnet_resolved(&d, "pool.example.test", &a, 300, ns);
	for (i = 0; i < sizeof(dests) / sizeof(dests[0]); i++) {
		mw_addr_parse(dests[i].addr, &a);
		snprintf(what, sizeof(what), "%s:%u", dests[i].addr, dests[i].port);
		ASSERT_EQ(mw_dirnet_allows(&d, &a, dests[i].port, ns), dests[i].allowed, what);
		snprintf(what, sizeof(what), "%s:%u: as DIRNET decides", dests[i].addr,
			 dests[i].port);
		ASSERT_EQ(mw_dirnet_allows(&d, &a, dests[i].port, ns),
			  dirnet_expects(&d, &a, dests[i].port, ns, n++), what);
	}
	/* past the answer's TTL the name's address is no longer expected */
	ns += 301 * SEC_NS;
	mw_addr_parse("192.0.2.50", &a);
	ASSERT_EQ(mw_dirnet_allows(&d, &a, 8080, ns), false, "past the TTL");
	ASSERT_EQ(dirnet_expects(&d, &a, 8080, ns, n++), false, "past the TTL: DIRNET agrees");
	mw_dirnet_allow_clear(&d);
	mw_addr_parse("198.51.100.7", &a);
	ASSERT_EQ(mw_dirnet_allows(&d, &a, 1080, ns), false, "no rule: nothing expected");
	mw_dirnet_free(&d);
}

int main(int argc, char **argv)
{
	if (argc > 1)
		test_filter = argv[1];
	test_run("every rule form: as DIRNET's own check decides", t_agrees, NULL);
	return test_summary("dirnet_allows");
}
