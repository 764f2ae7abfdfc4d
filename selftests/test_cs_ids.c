// SPDX-License-Identifier: GPL-2.0-only
/* test_cs_ids.c - the LAPI decisions in force (fleet/ids.c): ids and the
 * count per prefix through growth and deletions, checked against a plain
 * model after every step. Built with ASan and UBSan. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fleet/ids.h"
#include "test.h"

#define N 5000

static struct mw_prefix prefix_of(unsigned k)
{
	struct mw_prefix p;
	char buf[64];

	/* 500 prefixes shared by the 5000 ids: ten decisions each */
	snprintf(buf, sizeof(buf), "198.51.%u.%u", (k % 500) / 250, (k % 500) % 250);
	mw_prefix_parse(buf, &p);
	return p;
}

static void t_ids_model(void *arg)
{
	struct mw_cs_ids *s = mw_cs_ids_new();
	static bool live[N];
	struct mw_prefix p, got;
	unsigned k, bad = 0, left;

	(void)arg;
	ASSERT_TRUE(s != NULL, "allocated");
	for (k = 0; k < N; k++) {
		p = prefix_of(k);
		if (mw_cs_ids_add(s, 1000 + k, &p) != 1)
			bad++;
		live[k] = true;
	}
	ASSERT_EQ(bad, 0, "every id new");
	ASSERT_EQ(mw_cs_ids_size(s), N, "all recorded through growth");
	p = prefix_of(7);
	ASSERT_EQ(mw_cs_ids_add(s, 1007, &p), 0, "a known id changes nothing");
	ASSERT_EQ(mw_cs_ids_count(s, &p), 10, "ten decisions on one prefix");

	/* delete every id not divisible by 3, in a scattered order */
	for (k = 0; k < N; k++) {
		unsigned j = (k * 7919) % N;

		if (j % 3 == 0)
			continue;
		if (mw_cs_ids_del(s, 1000 + j, &got) != 1)
			bad++;
		p = prefix_of(j);
		if (memcmp(&got, &p, sizeof(p)))
			bad++;
		live[j] = false;
	}
	ASSERT_EQ(bad, 0, "each deletion returns what the id banned");
	ASSERT_EQ(mw_cs_ids_del(s, 1001, &got), 0, "a deleted id is unknown");
	ASSERT_EQ(mw_cs_ids_del(s, 99, &got), 0, "an id never seen is unknown");
	for (k = 0; k < 500; k++) {
		unsigned j, want = 0;

		for (j = k; j < N; j += 500)
			want += live[j];
		p = prefix_of(k);
		if (mw_cs_ids_count(s, &p) != want)
			bad++;
	}
	ASSERT_EQ(bad, 0, "the count of every prefix matches the model");
	for (k = 0, left = 0; k < N; k++)
		left += live[k];
	ASSERT_EQ(mw_cs_ids_size(s), left, "ids left");
	mw_cs_ids_clear(s);
	p = prefix_of(0);
	ASSERT_EQ(mw_cs_ids_size(s), 0, "cleared");
	ASSERT_EQ(mw_cs_ids_count(s, &p), 0, "no count left");
	mw_cs_ids_free(s);
}

int main(int argc, char **argv)
{
	if (argc > 1)
		test_filter = argv[1];
	test_run("cs_ids: ids and counts against a model", t_ids_model, NULL);
	return test_summary("cs_ids");
}
