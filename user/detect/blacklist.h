/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * blacklist.h - the BLACKLIST detector's data: the loaded lists (prefixes
 * with their source lines, domain names), the addresses learned for listed
 * names from DNS answers, and the compilation of all of it into the entries
 * of the kernel's tries, minus what must never be blocked. Plain C over
 * plain data: no file, no clock of its own (the glue, user/agent/blacklist*.c,
 * reads the files, hands in the time and puts the result into the kernel).
 */
#ifndef MW_DETECT_BLACKLIST_H
#define MW_DETECT_BLACKLIST_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "lib/addr.h"
#include "minewall.h"
#include "parse/ja4.h"
#include "parse/list.h"

#define MW_BL_NAME_MAX 48

struct mw_bl_entry {
	struct mw_prefix prefix;
	uint16_t port; /* host order; 0 for every port */
	uint32_t line;
};

struct mw_bl_name {
	char *name;
	uint16_t list;
	bool subdomains;
	uint32_t line;
};

/* A listed JA4 client fingerprint. */
struct mw_bl_ja4 {
	char ja4[MW_JA4_LEN];
	uint16_t list;
	uint32_t line;
};

/* What the latest compilation did with a list's prefixes. */
struct mw_bl_effect {
	unsigned protected_whole; /* dropped: inside addresses never blocked */
	unsigned protected_part; /* loaded without the part never blocked */
	unsigned alert_only; /* shared addresses: detected, never blocked */
	unsigned duplicates; /* already listed, by this list or one before it */
};

struct mw_bl_list {
	bool used;
	bool runtime; /* loaded by `minewall blacklist load`, not by the config */
	char name[MW_BL_NAME_MAX];
	char path[PATH_MAX];
	int64_t loaded_s; /* wall clock */
	struct mw_list_report rep;
	struct mw_bl_entry *prefixes;
	size_t n_prefixes, cap_prefixes;
	struct mw_bl_name *names;
	size_t n_names, cap_names;
	struct mw_bl_ja4 *ja4s;
	size_t n_ja4s, cap_ja4s;
	struct mw_bl_effect effect;
	uint64_t learned; /* addresses learned for its names so far */
};

/* The name an address was learned for; shared by that name's addresses. */
struct mw_bl_lname {
	struct mw_bl_lname *hnext;
	uint32_t n_addrs;
	char name[];
};

/* An address a DNS answer gave for a listed name, in force until @expires_ns. */
struct mw_bl_learned {
	struct mw_addr addr;
	uint16_t list;
	uint64_t expires_ns;
	const char *name; /* the question it answered */
	/* the indexes: address hash chain, expiry heap, name record */
	int32_t hnext;
	uint32_t heap_pos;
	struct mw_bl_lname *lname;
};

#define MW_BL_LEARNED_MAX_DEFAULT 65536
#define MW_BL_LEARNED_PER_NAME 64

/* One entry for the kernel: a prefix and its value (the tries' layout). */
struct mw_bl_kentry {
	struct mw_prefix prefix;
	struct mw_bl_value value;
};

struct mw_bl_compiled {
	struct mw_bl_kentry *e;
	size_t n, cap;
	size_t n_v4, n_v6;
};

struct mw_blacklist {
	struct mw_bl_list lists[MW_BL_LISTS_MAX]; /* index: list id; 0 unused */
	struct mw_bl_name **index; /* open addressing over every list's names */
	size_t index_cap;
	/* learned addresses: a dense array, hashed by address, a min-heap by
	 * expiry, counted per name; bounded in total and per name */
	struct mw_bl_learned *learned;
	size_t n_learned, cap_learned;
	int32_t *addr_buckets;
	uint32_t *heap;
	struct mw_bl_lname **name_buckets;
	size_t n_buckets; /* of both hashes, a power of two */
	size_t learned_max, learned_per_name;
	uint64_t learned_evicted, learned_refused;
	unsigned max_errors; /* malformed lines shown per file */
};

/* The detector's settings; 0 in a field means its default. */
struct mw_bl_cfg {
	size_t learned_max; /* learned addresses in all (MW_BL_LEARNED_MAX_DEFAULT) */
	size_t learned_per_name; /* learned addresses per name (MW_BL_LEARNED_PER_NAME) */
	unsigned max_errors; /* malformed lines shown per list (20) */
};

/* @cfg NULL: every default. */
void mw_bl_init(struct mw_blacklist *bl, const struct mw_bl_cfg *cfg);
void mw_bl_free(struct mw_blacklist *bl);

/* Where a list's bytes come from, as the glue that read them says. */
struct mw_bl_source {
	const char *name; /* NULL: the file name of @path without its extension */
	const char *path; /* names it in messages and in `minewall blacklist list` */
	bool runtime; /* loaded by `minewall blacklist load`, not by the config */
	int64_t loaded_s; /* wall clock time of the read */
};

/*
 * Loads the list in @buf under @src's name, replacing a list of that name.
 * Malformed lines go to @err as "PATH:LINE: why: text". Returns the list
 * id, or -errno after saying why (-EINVAL: not a list; the list in force
 * stays).
 */
int mw_bl_load(struct mw_blacklist *bl, const struct mw_bl_source *src, const char *buf, size_t len,
	       FILE *err);
/* Removes list @name (and what was learned for its names). 0 or -ENOENT. */
int mw_bl_unload(struct mw_blacklist *bl, const char *name);
int mw_bl_find(const struct mw_blacklist *bl, const char *name);

/* The listed name that @name is, or is a subdomain of; NULL when none. */
const struct mw_bl_name *mw_bl_match_name(const struct mw_blacklist *bl, const char *name);
/* The listed JA4 @ja4 is (the first list's); NULL when none. */
const struct mw_bl_ja4 *mw_bl_match_ja4(const struct mw_blacklist *bl, const char *ja4);

/*
 * Compiles every list into kernel entries: duplicates merged (the lower list
 * id wins), port-specific entries merged per address (more than
 * MW_BL_PORTS ports: every port), parts inside @protect removed, parts
 * inside @alert flagged MW_BL_ALERT. Sorted IPv4 first. Returns 0 or -ENOMEM.
 */
int mw_bl_compile(struct mw_blacklist *bl, const struct mw_prefix *protect, size_t n_protect,
		  const struct mw_prefix *alert, size_t n_alert, struct mw_bl_compiled *out);
void mw_bl_compiled_free(struct mw_bl_compiled *c);

/*
 * Records (or renews) a learned address (the first sizes the indexes by the
 * bounds of struct mw_bl_cfg). When the total bound is reached,
 * the address closest to its expiry gives way, and @gone is called for it
 * (it must leave the kernel too). Returns 1 when new, 0 when renewed,
 * -ENOSPC when @name already has its bound of addresses, -ENOMEM.
 */
int mw_bl_learn(struct mw_blacklist *bl, const struct mw_addr *addr, uint16_t list,
		const char *name, uint64_t expires_ns,
		void (*gone)(void *arg, const struct mw_bl_learned *l), void *arg);
const struct mw_bl_learned *mw_bl_learned_find(const struct mw_blacklist *bl,
					       const struct mw_addr *addr);
/* Addresses learned for @name now. */
size_t mw_bl_learned_count(const struct mw_blacklist *bl, const char *name);
/* Removes learned addresses expired at @now_ns, calling @fn for each. */
void mw_bl_expire(struct mw_blacklist *bl, uint64_t now_ns,
		  void (*fn)(void *arg, const struct mw_bl_learned *l), void *arg);
/* Removes every learned address @drop says to, calling @fn for each (the
 * allowlist grew; a list went). Returns how many went. */
size_t mw_bl_learned_remove_if(struct mw_blacklist *bl,
			       bool (*drop)(void *arg, const struct mw_bl_learned *l),
			       void (*fn)(void *arg, const struct mw_bl_learned *l), void *arg);

/* The most specific listed entry that holds @addr (and @port, host order;
 * 0 matches any), for `minewall blacklist test`. Sets *@list; NULL if none. */
const struct mw_bl_entry *mw_bl_match_addr(const struct mw_blacklist *bl,
					   const struct mw_addr *addr, uint16_t port,
					   uint16_t *list);

#endif
