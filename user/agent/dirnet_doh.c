// SPDX-License-Identifier: GPL-2.0-only
/*
 * dirnet_doh.c - DIRNET's DoH endpoints: the shipped list (etc/doh.list,
 * compiled in as "builtin") and the files [dirnet] doh_lists names.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent/dirnet.h"
#include "doh_list.h"
#include "lib/log.h"

#define DOH_FILE_MAX (64UL << 20)

static int read_file(const char *path, char **buf, size_t *len)
{
	struct stat st;
	size_t off = 0;
	ssize_t got;
	int fd = open(path, O_RDONLY | O_CLOEXEC), ret;

	if (fd < 0 || fstat(fd, &st)) {
		ret = -errno;
		if (fd >= 0)
			close(fd);
		return ret;
	}
	if (!S_ISREG(st.st_mode) || (size_t)st.st_size > DOH_FILE_MAX) {
		close(fd);
		return S_ISREG(st.st_mode) ? -EFBIG : -EINVAL;
	}
	*buf = malloc((size_t)st.st_size + 1);
	if (!*buf) {
		close(fd);
		return -ENOMEM;
	}
	while (off < (size_t)st.st_size) {
		got = read(fd, *buf + off, (size_t)st.st_size - off);
		if (got <= 0)
			break;
		off += (size_t)got;
	}
	close(fd);
	*len = off;
	return 0;
}

int mw_agent_dirnet_doh_load(struct mw_doh *t, const char *lists, FILE *err)
{
	char items[PATH_MAX], *save = NULL, *tok;
	int ret = 0, r;

	mw_doh_free(t);
	snprintf(items, sizeof(items), "%s", lists);
	for (tok = strtok_r(items, ", \t", &save); tok; tok = strtok_r(NULL, ", \t", &save)) {
		char *buf = NULL;
		size_t len = 0;

		if (!strcmp(tok, "builtin")) {
			r = mw_doh_load(t, mw_doh_builtin, sizeof(mw_doh_builtin) - 1,
					"doh.list (builtin)", err);
		} else if (tok[0] != '/') {
			fprintf(err,
				"dirnet.doh_lists: '%s' is neither builtin nor an absolute path\n",
				tok);
			r = -EINVAL;
		} else {
			r = read_file(tok, &buf, &len);
			if (r)
				fprintf(err, "%s: %s\n", tok,
					r == -EFBIG ? "larger than 64 MiB" : strerror(-r));
			else
				r = mw_doh_load(t, buf, len, tok, err);
			free(buf);
		}
		if (r && !ret)
			ret = r;
	}
	return ret;
}
