// SPDX-License-Identifier: GPL-2.0-only
/*
 * blacklist_lists.c - the list files: read from disk (the detector reads
 * none itself), those the config names (files and directories) and those
 * loaded at run time, loaded again on a reload; a list no longer named is
 * unloaded.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "agent/blacklist.h"
#include "agent/blacklist_lists.h"
#include "lib/log.h"

#define LIST_FILE_MAX (512UL << 20)

int mw_agent_blacklist_lists_read(struct mw_blacklist *bl, const char *name, const char *path,
				  bool runtime, FILE *err)
{
	struct mw_bl_source src = {
		.name = name, .path = path, .runtime = runtime, .loaded_s = time(NULL)
	};
	struct stat st;
	char *buf;
	ssize_t got;
	size_t off = 0;
	int fd, ret;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st)) {
		ret = -errno;
		if (err)
			fprintf(err, "%s: %s\n", path, strerror(-ret));
		if (fd >= 0)
			close(fd);
		return ret;
	}
	if (!S_ISREG(st.st_mode) || (size_t)st.st_size > LIST_FILE_MAX) {
		if (err)
			fprintf(err, "%s: %s\n", path,
				S_ISREG(st.st_mode) ? "larger than 512 MiB" : "not a regular file");
		close(fd);
		return -EINVAL;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		close(fd);
		return -ENOMEM;
	}
	while (off < (size_t)st.st_size) {
		got = read(fd, buf + off, (size_t)st.st_size - off);
		if (got <= 0)
			break;
		off += (size_t)got;
	}
	close(fd);
	ret = mw_bl_load(bl, &src, buf, off, err);
	free(buf);
	return ret;
}

static int load_one(struct mw_agent_blacklist *a, const char *name, const char *path, bool runtime,
		    FILE *err)
{
	int id = mw_agent_blacklist_lists_read(&a->bl, name, path, runtime, err);
	const struct mw_bl_list *l;

	if (id < 0)
		return id;
	l = &a->bl.lists[id];
	pr_info("blacklist %s: %s: %u prefixes, %u names, %u JA4%s%s\n", l->name, path,
		l->rep.prefixes, l->rep.domains, l->rep.ja4s,
		l->rep.malformed ? ", malformed lines skipped: " : "",
		l->rep.malformed ? "see above" : "");
	return id;
}

static int cmp_str(const void *x, const void *y)
{
	return strcmp(*(char *const *)x, *(char *const *)y);
}

/* Every regular file of @dir, in name order. */
static void load_dir(struct mw_agent_blacklist *a, const char *dir, bool *seen)
{
	struct dirent *de;
	char *names[1024];
	size_t n = 0, i;
	DIR *d = opendir(dir);

	if (!d)
		return;
	while ((de = readdir(d)) && n < 1024)
		if (de->d_name[0] != '.')
			names[n++] = strdup(de->d_name);
	closedir(d);
	qsort(names, n, sizeof(names[0]), cmp_str);
	for (i = 0; i < n; i++) {
		char path[PATH_MAX];
		struct stat st;
		int id;

		if (!names[i])
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		free(names[i]);
		if (stat(path, &st) || !S_ISREG(st.st_mode))
			continue;
		id = load_one(a, NULL, path, false, stderr);
		if (id > 0)
			seen[id] = true;
	}
}

/* The lists the config names; @seen marks the ids it covers. */
static void load_config_lists(struct mw_agent_blacklist *a, bool *seen)
{
	char buf[PATH_MAX], *save = NULL, *tok;

	snprintf(buf, sizeof(buf), "%s", a->cfg->bl_lists);
	for (tok = strtok_r(buf, ", \t", &save); tok; tok = strtok_r(NULL, ", \t", &save)) {
		char *eq = strchr(tok, '=');
		const char *name = NULL, *path = tok;
		struct stat st;
		int id;

		if (eq) {
			*eq = '\0';
			name = tok;
			path = eq + 1;
		}
		if (stat(path, &st)) {
			/* the default directory may well not exist */
			if (strcmp(path, MW_BL_DIR_DEFAULT))
				pr_warn("blacklist.lists: %s: %s\n", path, strerror(errno));
			id = name ? mw_bl_find(&a->bl, name) : -1;
			if (id > 0)
				seen[id] = true; /* keep what is in force */
			continue;
		}
		if (S_ISDIR(st.st_mode)) {
			load_dir(a, path, seen);
			continue;
		}
		id = load_one(a, name, path, false, stderr);
		if (id < 0 && name)
			id = mw_bl_find(&a->bl, name);
		if (id > 0)
			seen[id] = true;
	}
}

static void load_runtime_lists(struct mw_agent_blacklist *a, bool *seen)
{
	char line[PATH_MAX + MW_BL_NAME_MAX + 2];
	FILE *f = fopen(a->state_path, "r");
	unsigned n = 0;

	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		char *tab = strchr(line, '\t');
		int id;

		n++;
		line[strcspn(line, "\n")] = '\0';
		if (!tab) {
			pr_warn("%s:%u: expected NAME<TAB>PATH; line skipped\n", a->state_path, n);
			continue;
		}
		*tab = '\0';
		id = load_one(a, line, tab + 1, true, stderr);
		if (id < 0)
			id = mw_bl_find(&a->bl, line);
		if (id > 0)
			seen[id] = true;
	}
	fclose(f);
}

void mw_agent_blacklist_lists_load(struct mw_agent_blacklist *a)
{
	bool seen[MW_BL_LISTS_MAX] = { 0 };
	unsigned id;

	load_config_lists(a, seen);
	load_runtime_lists(a, seen);
	for (id = 1; id < MW_BL_LISTS_MAX; id++) {
		if (a->bl.lists[id].used && !seen[id]) {
			pr_info("blacklist %s: no longer configured, unloaded\n",
				a->bl.lists[id].name);
			mw_bl_unload(&a->bl, a->bl.lists[id].name);
		}
	}
}
