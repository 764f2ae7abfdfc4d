// SPDX-License-Identifier: GPL-2.0-only
/* test_bridges - [network] bridges read, and what the agent asks of the
 * watched ports: whether an ifindex is one, of which bridge, and the count
 * per bridge for the status. Attaching is the e2e suite's
 * (test_bridge_ports). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "agent/bridges.h"
#include "test.h"

static struct mw_bridges b;

static void t_spec(void *arg)
{
	ASSERT_EQ(mw_bridges_init(&b, "auto"), 0, "auto");
	ASSERT_TRUE(b.auto_names && !b.n_named, "auto: the runtimes' names, none named");
	ASSERT_EQ(mw_bridges_init(&b, "none"), 0, "none");
	ASSERT_TRUE(!b.auto_names && !b.n_named, "none: nothing");
	ASSERT_EQ(mw_bridges_init(&b, ""), 0, "empty");
	ASSERT_TRUE(!b.auto_names && !b.n_named, "empty: nothing");
	ASSERT_EQ(mw_bridges_init(&b, "docker0, br-lan,docker0"), 0, "names");
	ASSERT_EQ(b.n_named, 2, "two names, the repeat once");
	ASSERT_STREQ(b.named[1], "br-lan", "second name");
	ASSERT_EQ(mw_bridges_init(&b, "auto, lxcbr1"), 0, "auto and a name");
	ASSERT_TRUE(b.auto_names && b.n_named == 1, "auto and one name");
	ASSERT_EQ(mw_bridges_init(&b, "br0 none"), 0, "none after a name");
	ASSERT_TRUE(!b.auto_names && !b.n_named, "none drops what came before");
	ASSERT_EQ(mw_bridges_init(&b, "br/0"), -EINVAL, "a slash is no interface name");
	ASSERT_EQ(mw_bridges_init(&b, "a23456789012345x"), -EINVAL, "16 characters: too long");
	ASSERT_EQ(mw_bridges_init(&b, "a23456789012345"), 0, "15 characters");
}

static void add_port(unsigned ifindex, const char *name, const char *bridge)
{
	struct mw_bridge_port *p = &b.ports[b.n_ports++];

	p->ifindex = ifindex;
	snprintf(p->name, sizeof(p->name), "%s", name);
	snprintf(p->bridge, sizeof(p->bridge), "%s", bridge);
}

static void t_ports(void *arg)
{
	char br[IF_NAMESIZE] = "x";
	json_t *j;
	char *s;

	mw_bridges_init(&b, "auto");
	ASSERT_TRUE(!mw_bridges_port(&b, 7, br), "no port yet");
	j = mw_bridges_json(&b);
	ASSERT_EQ(json_array_size(j), 0, "no bridge in the status");
	json_decref(j);
	add_port(7, "veth1", "docker0");
	add_port(9, "veth2", "br-1a2b");
	add_port(12, "veth3", "docker0");
	add_port(15, "vethx", "");
	ASSERT_TRUE(mw_bridges_port(&b, 12, br), "ifindex 12 is a port");
	ASSERT_STREQ(br, "docker0", "of docker0");
	ASSERT_TRUE(mw_bridges_port(&b, 15, br), "a port given alone");
	ASSERT_STREQ(br, "", "of no bridge");
	ASSERT_TRUE(mw_bridges_port(&b, 9, NULL), "the bridge's name is optional");
	ASSERT_TRUE(!mw_bridges_port(&b, 8, br), "ifindex 8 is not");
	ASSERT_EQ(mw_bridges_count(&b), 4, "four ports");
	j = mw_bridges_json(&b);
	s = json_dumps(j, JSON_COMPACT);
	ASSERT_STREQ(s,
		     "[{\"name\":\"docker0\",\"ports\":2},{\"name\":\"br-1a2b\",\"ports\":1},"
		     "{\"name\":\"\",\"ports\":1}]",
		     "ports counted per bridge");
	free(s);
	json_decref(j);
	b.n_ports = 0;
}

/* An interface that is no bridge nor a bridge's port stays the host's. */
static void t_claim(void *arg)
{
	mw_bridges_init(&b, "none");
	ASSERT_EQ(mw_bridges_claim(&b, "lo"), 0, "lo: an ordinary interface");
	ASSERT_EQ(mw_bridges_claim(&b, "mw-no-such-if"), 0, "unknown: left to the attach");
	ASSERT_TRUE(!b.n_named && !b.n_lone, "nothing claimed");
}

int main(int argc, char **argv)
{
	if (argc > 1)
		test_filter = argv[1];
	test_run("spec", t_spec, NULL);
	test_run("ports", t_ports, NULL);
	test_run("claim", t_claim, NULL);
	return test_summary("bridges");
}
