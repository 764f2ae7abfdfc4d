// SPDX-License-Identifier: GPL-2.0-only
/*
 * blacklist_control.c - the control requests of `minewall blacklist`:
 * list, test (an address or a name: which list, which line, what the
 * kernel holds), load and unload run-time lists; one table names them.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/blacklist.h"
#include "agent/blacklist_lists.h"
#include "agent/blacklist_priv.h"
#include "lib/log.h"
#include "lib/util.h"

static json_t *do_list(struct mw_agent_blacklist *a, json_t *req, char *err, size_t len)
{
	static uint64_t hits[MW_BL_LISTS_MAX];
	json_t *arr = json_array(), *dns;
	unsigned id;

	if (mw_blacklist_maps_hits(&a->k, hits))
		memset(hits, 0, sizeof(hits));
	for (id = 1; id < MW_BL_LISTS_MAX; id++) {
		const struct mw_bl_list *l = &a->bl.lists[id];

		if (!l->used)
			continue;
		json_array_append_new(
			arr,
			json_pack(
				"{s:i, s:s, s:s, s:s, s:I, s:i, s:i, s:i, s:i, s:i, s:i, s:i, s:i, s:I, s:I}",
				"id", (int)id, "name", l->name, "path", l->path, "source",
				l->runtime ? "runtime" : "config", "loaded",
				(json_int_t)l->loaded_s, "prefixes", (int)l->rep.prefixes, "names",
				(int)l->rep.domains, "malformed", (int)l->rep.malformed,
				"unsupported", (int)l->rep.unsupported, "never_blocked",
				(int)l->effect.protected_whole, "partly_never_blocked",
				(int)l->effect.protected_part, "alert_only",
				(int)l->effect.alert_only, "duplicates", (int)l->effect.duplicates,
				"learned", (json_int_t)l->learned, "hits", (json_int_t)hits[id]));
		json_object_set_new(json_array_get(arr, json_array_size(arr) - 1), "ja4",
				    json_integer(l->rep.ja4s));
	}
	/* how DNS answers fared: what was learned, and what was refused why */
	dns = json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "queries",
			(json_int_t)a->queries.queries, "pending", (json_int_t)a->queries.n,
			"answered", (json_int_t)a->queries.answered, "unsolicited",
			(json_int_t)a->queries.unsolicited, "wrong_question",
			(json_int_t)a->queries.wrong_question, "not_from_resolver",
			(json_int_t)a->dns_not_resolver, "queries_evicted",
			(json_int_t)a->queries.evicted, "learned_allowlisted",
			(json_int_t)a->dns_refused_allowed, "learned_evicted",
			(json_int_t)a->bl.learned_evicted, "learned_refused_per_name",
			(json_int_t)a->bl.learned_refused, "resolvers",
			(json_int_t)a->n_resolvers + (json_int_t)a->cfg->n_bl_resolvers);
	return json_pack("{s:o, s:I, s:I, s:I, s:I, s:I, s:I, s:o}", "lists", arr, "ipv4_prefixes",
			 (json_int_t)a->k.n_v4, "ipv6_prefixes", (json_int_t)a->k.n_v6,
			 "learned_now", (json_int_t)a->bl.n_learned, "learned_max",
			 (json_int_t)a->bl.learned_max, "build_ms", (json_int_t)a->build_ms,
			 "detections", (json_int_t)a->detections, "dns", dns);
}

static json_t *test_addr(struct mw_agent_blacklist *a, const struct mw_addr *addr, uint16_t port)
{
	char buf[MW_ADDRSTRLEN];
	const struct mw_bl_learned *learned = mw_bl_learned_find(&a->bl, addr);
	const struct mw_bl_entry *e;
	struct mw_bl_value v;
	json_t *r = json_object();
	uint16_t list = 0;

	json_object_set_new(r, "target", json_string(mw_addr_str(addr, buf, sizeof(buf))));
	e = mw_bl_match_addr(&a->bl, addr, port, &list);
	if (e) {
		json_object_set_new(r, "list", json_string(a->bl.lists[list].name));
		json_object_set_new(r, "entry",
				    json_string(mw_prefix_str(&e->prefix, buf, sizeof(buf))));
		if (e->port)
			json_object_set_new(r, "port", json_integer(e->port));
		json_object_set_new(r, "file", json_string(a->bl.lists[list].path));
		json_object_set_new(r, "line", json_integer(e->line));
	}
	if (learned) {
		json_object_set_new(r, "learned_for", json_string(learned->name));
		json_object_set_new(r, "learned_list",
				    json_string(a->bl.lists[learned->list].name));
		json_object_set_new(r, "learned_expires_s",
				    json_integer((json_int_t)((learned->expires_ns - mw_now_ns()) /
							      1000000000ULL)));
	}
	json_object_set_new(r, "never_blocked",
			    json_boolean(mw_agent_blacklist_protected(a, addr)));
	if (!mw_blacklist_maps_lookup(&a->k, addr, &v)) {
		json_t *ports = json_array();
		unsigned i;

		for (i = 0; i < v.nports && i < MW_BL_PORTS; i++)
			json_array_append_new(ports, json_integer(ntohs(v.ports[i])));
		json_object_set_new(r, "kernel",
				    json_pack("{s:s, s:b, s:b, s:o}", "list",
					      a->bl.lists[v.list].used ? a->bl.lists[v.list].name :
									 "?",
					      "alert_only", (v.flags & MW_BL_ALERT) != 0, "learned",
					      (v.flags & MW_BL_LEARNED) != 0, "ports", ports));
	}
	json_object_set_new(r, "listed", json_boolean(e || learned));
	return r;
}

static json_t *test_name(struct mw_agent_blacklist *a, const char *name)
{
	const struct mw_bl_name *n = mw_bl_match_name(&a->bl, name);
	json_t *r = json_pack("{s:s, s:b}", "target", name, "listed", n != NULL);
	json_t *addrs = json_array();
	char buf[MW_ADDRSTRLEN];
	size_t i;

	if (n) {
		json_object_set_new(r, "list", json_string(a->bl.lists[n->list].name));
		json_object_set_new(r, "entry", json_string(n->name));
		json_object_set_new(r, "subdomains", json_boolean(n->subdomains));
		json_object_set_new(r, "file", json_string(a->bl.lists[n->list].path));
		json_object_set_new(r, "line", json_integer(n->line));
	}
	for (i = 0; i < a->bl.n_learned; i++)
		if (!strcmp(a->bl.learned[i].name, name))
			json_array_append_new(addrs, json_string(mw_addr_str(&a->bl.learned[i].addr,
									     buf, sizeof(buf))));
	json_object_set_new(r, "learned", addrs);
	return r;
}

static json_t *test_ja4(struct mw_agent_blacklist *a, const char *ja4)
{
	const struct mw_bl_ja4 *j = mw_bl_match_ja4(&a->bl, ja4);
	json_t *r = json_pack("{s:s, s:b, s:s}", "target", ja4, "listed", j != NULL, "kind", "ja4");

	if (j) {
		json_object_set_new(r, "list", json_string(a->bl.lists[j->list].name));
		json_object_set_new(r, "entry", json_string(j->ja4));
		json_object_set_new(r, "file", json_string(a->bl.lists[j->list].path));
		json_object_set_new(r, "line", json_integer(j->line));
	}
	return r;
}

static json_t *do_test(struct mw_agent_blacklist *a, json_t *req, char *err, size_t len)
{
	const char *target = json_string_value(json_object_get(req, "target"));
	json_int_t port = json_integer_value(json_object_get(req, "port"));
	char name[MW_NAME_MAX], ja4[MW_JA4_LEN];
	struct mw_addr addr;

	if (!target) {
		snprintf(err, len,
			 "blacklist_test needs \"target\": an address, a host name or a JA4");
		return NULL;
	}
	if (port < 0 || port > 65535) {
		snprintf(err, len, "port %lld is not 0 to 65535", (long long)port);
		return NULL;
	}
	if (!mw_addr_parse(target, &addr))
		return test_addr(a, &addr, (uint16_t)port);
	if (!mw_ja4_parse(target, ja4))
		return test_ja4(a, ja4);
	if (mw_name_normalise(target, strlen(target), name)) {
		snprintf(err, len, "'%.64s' is neither an address, a host name nor a JA4", target);
		return NULL;
	}
	return test_name(a, name);
}

static json_t *do_load(struct mw_agent_blacklist *a, json_t *req, char *err, size_t len)
{
	json_t *files = json_object_get(req, "files"), *results = json_array(), *f;
	const char *name = json_string_value(json_object_get(req, "name"));
	size_t i, loaded = 0;

	if (!json_is_array(files) || !json_array_size(files)) {
		snprintf(err, len, "blacklist_load needs \"files\": a list of absolute paths");
		json_decref(results);
		return NULL;
	}
	if (name && json_array_size(files) != 1) {
		snprintf(err, len, "\"name\" names one file, not %zu", json_array_size(files));
		json_decref(results);
		return NULL;
	}
	json_array_foreach(files, i, f)
	{
		const char *path = json_string_value(f);
		char *msgs = NULL;
		size_t mlen = 0;
		FILE *m = open_memstream(&msgs, &mlen);
		int id = -EINVAL;

		if (path && path[0] == '/' && m)
			id = mw_agent_blacklist_lists_read(&a->bl, name, path, true, m);
		else if (m)
			fprintf(m, "%s: not an absolute path\n", path ? path : "(not a string)");
		if (m)
			fclose(m);
		if (msgs && *msgs)
			pr_warn("%s", msgs);
		if (id > 0) {
			const struct mw_bl_list *l = &a->bl.lists[id];

			loaded++;
			json_array_append_new(
				results,
				json_pack("{s:s, s:s, s:i, s:i, s:i, s:i, s:i, s:s}", "file", path,
					  "name", l->name, "prefixes", (int)l->rep.prefixes,
					  "names", (int)l->rep.domains, "ja4", (int)l->rep.ja4s,
					  "malformed", (int)l->rep.malformed, "unsupported",
					  (int)l->rep.unsupported, "messages", msgs ? msgs : ""));
		} else {
			json_array_append_new(results,
					      json_pack("{s:s, s:s, s:s}", "file", path ? path : "",
							"error", strerror(-id), "messages",
							msgs ? msgs : ""));
		}
		free(msgs);
	}
	if (loaded)
		mw_agent_blacklist_runtime_changed(a);
	return json_pack("{s:o, s:I, s:I, s:I}", "results", results, "ipv4_prefixes",
			 (json_int_t)a->k.n_v4, "ipv6_prefixes", (json_int_t)a->k.n_v6, "build_ms",
			 (json_int_t)a->build_ms);
}

static json_t *do_unload(struct mw_agent_blacklist *a, json_t *req, char *err, size_t len)
{
	const char *name = json_string_value(json_object_get(req, "name"));
	if (!name) {
		snprintf(err, len, "blacklist_unload needs \"name\"");
		return NULL;
	}
	if (mw_bl_unload(&a->bl, name)) {
		snprintf(err, len, "no list named '%.64s'", name);
		return NULL;
	}
	mw_agent_blacklist_runtime_changed(a);
	return json_pack("{s:s, s:s}", "result", "unloaded", "name", name);
}

static const struct {
	const char *name;
	json_t *(*fn)(struct mw_agent_blacklist *a, json_t *req, char *err, size_t len);
} commands[] = {
	{ "blacklist_list", do_list },
	{ "blacklist_test", do_test },
	{ "blacklist_load", do_load },
	{ "blacklist_unload", do_unload },
};

json_t *mw_agent_blacklist_control(struct mw_agent_blacklist *a, const char *cmd, json_t *req,
				   char *err, size_t len)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(commands); i++)
		if (!strcmp(cmd, commands[i].name))
			return commands[i].fn(a, req, err, len);
	snprintf(err, len, "unknown command '%.64s'", cmd);
	return NULL;
}
