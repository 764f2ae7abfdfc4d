// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "control.h"
#include "log.h"

static int make_addr(struct sockaddr_un *sa, const char *run_dir, char *path, size_t len)
{
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	if ((size_t)snprintf(path, len, "%s/%s", run_dir, MW_CONTROL_SOCK) >= len ||
	    strlen(path) >= sizeof(sa->sun_path))
		return -ENAMETOOLONG;
	memcpy(sa->sun_path, path, strlen(path) + 1);
	return 0;
}

int mw_control_open(struct mw_control *c, const char *run_dir)
{
	struct sockaddr_un sa;
	mode_t old;
	int err;

	memset(c, 0, sizeof(*c));
	c->fd = -1;
	err = make_addr(&sa, run_dir, c->path, sizeof(c->path));
	if (err)
		return err;
	c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (c->fd < 0)
		return -errno;
	unlink(c->path); /* a stale socket of a dead agent; the lock says we are alone */
	old = umask(0177); /* born 0600: root only, no window */
	err = bind(c->fd, (struct sockaddr *)&sa, sizeof(sa)) ? -errno : 0;
	umask(old);
	if (!err && listen(c->fd, 16))
		err = -errno;
	if (err) {
		close(c->fd);
		c->fd = -1;
	}
	return err;
}

void mw_control_close(struct mw_control *c)
{
	if (c->fd >= 0) {
		close(c->fd);
		unlink(c->path);
	}
	c->fd = -1;
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

static void reply(int fd, json_t *v)
{
	char *text = json_dumps(v, JSON_COMPACT | JSON_PRESERVE_ORDER);
	size_t off = 0, len;

	if (!text)
		return;
	len = strlen(text);
	text[len++] = '\n'; /* json_dumps leaves room: its NUL */
	while (off < len) {
		ssize_t n = write(fd, text + off, len - off);

		if (n <= 0)
			break;
		off += n;
	}
	free(text);
}

static void reply_error(int fd, const char *msg)
{
	json_t *e = json_pack("{s:s}", "error", msg);

	reply(fd, e);
	json_decref(e);
}

void mw_control_serve(struct mw_control *c, mw_control_fn fn, void *arg)
{
	struct timeval tv = { .tv_sec = 1 };
	struct ucred cred;
	socklen_t clen = sizeof(cred);
	char *buf = NULL, err[512];
	const char *cmd = NULL;
	size_t len = 0;
	json_t *req, *ans;
	int fd;

	fd = accept4(c->fd, NULL, NULL, SOCK_CLOEXEC);
	if (fd < 0)
		return;
	c->requests++;
	/* the socket is 0600 already; the credentials say it again */
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &clen) || cred.uid != 0) {
		c->rejected++;
		reply_error(fd, "permission denied: the control socket is for root");
		goto out;
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	buf = malloc(MW_CONTROL_MAX + 1);
	if (!buf)
		goto out;
	while (len < MW_CONTROL_MAX) {
		ssize_t n = read(fd, buf + len, MW_CONTROL_MAX - len);

		if (n <= 0)
			break;
		len += n;
		if (memchr(buf + len - n, '\n', n))
			break;
	}
	if (len >= MW_CONTROL_MAX) {
		c->rejected++;
		reply_error(fd, "request too long");
		goto out;
	}
	req = mw_control_parse(buf, len, &cmd, err, sizeof(err));
	if (!req) {
		c->rejected++;
		reply_error(fd, err);
		goto out;
	}
	err[0] = '\0';
	ans = fn(arg, cmd, req, err, sizeof(err));
	if (ans)
		reply(fd, ans);
	else
		reply_error(fd, err[0] ? err : "failed");
	json_decref(ans);
	json_decref(req);
out:
	free(buf);
	close(fd);
}

int mw_control_call(const char *run_dir, json_t *req, json_t **reply_out)
{
	struct timeval tv = { .tv_sec = 10 };
	char path[PATH_MAX], *text, *buf;
	struct sockaddr_un sa;
	json_error_t jerr;
	size_t len = 0;
	int fd, err;

	err = make_addr(&sa, run_dir, path, sizeof(path));
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
