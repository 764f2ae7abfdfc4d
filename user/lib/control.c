// SPDX-License-Identifier: GPL-2.0-only
/* control.c - the control protocol: the socket's address, a request's
 * check, and the client's call. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "lib/control.h"

int mw_control_addr(struct sockaddr_un *sa, const char *run_dir, char *path, size_t len)
{
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	if ((size_t)snprintf(path, len, "%s/%s", run_dir, MW_CONTROL_SOCK) >= len ||
	    strlen(path) >= sizeof(sa->sun_path))
		return -ENAMETOOLONG;
	memcpy(sa->sun_path, path, strlen(path) + 1);
	return 0;
}

json_t *mw_control_parse(const char *buf, size_t len, const char **cmd, char *err, size_t errlen)
{
	json_error_t jerr;
	json_t *req, *c;

	req = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!req) {
		snprintf(err, errlen, "request is not JSON (%s, at byte %d)", jerr.text,
			 jerr.position);
		return NULL;
	}
	c = json_object_get(req, "cmd");
	if (!json_is_object(req) || !json_is_string(c)) {
		snprintf(err, errlen, "request must be an object with a string \"cmd\"");
		json_decref(req);
		return NULL;
	}
	*cmd = json_string_value(c);
	return req;
}

int mw_control_call(const char *run_dir, json_t *req, json_t **reply_out)
{
	struct timeval tv = { .tv_sec = 10 };
	char path[PATH_MAX], *text, *buf;
	struct sockaddr_un sa;
	json_error_t jerr;
	size_t len = 0;
	int fd, err;

	err = mw_control_addr(&sa, run_dir, path, sizeof(path));
	if (err)
		return err;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		err = -errno;
		close(fd);
		return err;
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	text = json_dumps(req, JSON_COMPACT);
	if (!text || write(fd, text, strlen(text)) < 0 || write(fd, "\n", 1) < 0) {
		err = -errno ? -errno : -EIO;
		free(text);
		close(fd);
		return err;
	}
	free(text);
	buf = malloc(1 << 24);
	if (!buf) {
		close(fd);
		return -ENOMEM;
	}
	for (;;) {
		ssize_t n = read(fd, buf + len, (1 << 24) - 1 - len);

		if (n <= 0)
			break;
		len += n;
	}
	close(fd);
	*reply_out = json_loadb(buf, len, 0, &jerr);
	free(buf);
	return *reply_out ? 0 : -EPROTO;
}
