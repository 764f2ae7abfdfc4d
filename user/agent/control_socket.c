// SPDX-License-Identifier: GPL-2.0-only
/* control_socket.c - the agent's end of the control socket: listens, checks
 * each peer and request, and writes the answer (agent/control.c) back. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "agent/control_socket.h"
#include "lib/util.h"

/* A request is one line. */
static int line_complete(const char *buf, size_t len, size_t from)
{
	return memchr(buf + from, '\n', len - from) != NULL;
}

int mw_control_socket_open(struct mw_control_socket *c, const char *run_dir)
{
	struct sockaddr_un sa;
	mode_t old;
	int err, fd;

	memset(c, 0, sizeof(*c));
	c->fd = -1;
	c->srv.fd = c->srv.lfd = c->srv.tfd = -1;
	err = mw_control_addr(&sa, run_dir, c->path, sizeof(c->path));
	if (err)
		return err;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	unlink(c->path); /* a stale socket of a dead agent; the lock says we are alone */
	old = umask(0177); /* born 0600: root only, no window */
	err = bind(fd, (struct sockaddr *)&sa, sizeof(sa)) ? -errno : 0;
	umask(old);
	if (!err && listen(fd, 16))
		err = -errno;
	if (err) {
		close(fd);
		return err;
	}
	err = mw_server_init(&c->srv, fd, MW_CONTROL_MAX, line_complete);
	if (err) {
		unlink(c->path);
		return err;
	}
	c->fd = c->srv.fd;
	return 0;
}

void mw_control_socket_close(struct mw_control_socket *c)
{
	if (c->fd >= 0) {
		mw_server_close(&c->srv);
		unlink(c->path);
	}
	c->fd = -1;
}

/* @v as one line of text, malloc()ed; released. */
static char *line(json_t *v, size_t *out_len)
{
	char *text = v ? json_dumps(v, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
	size_t len;

	json_decref(v);
	if (!text) {
		/* never silence: the client learns that its answer was lost */
		static const char lost[] = "{\"error\":\"the answer could not be encoded\"}\n";

		text = strdup(lost);
		*out_len = text ? sizeof(lost) - 1 : 0;
		return text;
	}
	len = strlen(text);
	text[len++] = '\n'; /* json_dumps leaves room: its NUL */
	*out_len = len;
	return text;
}

static char *error_line(const char *msg, size_t *out_len)
{
	char safe[512];

	return line(json_pack("{s:s}", "error", mw_sanitize_str(safe, sizeof(safe), msg)), out_len);
}

struct call {
	struct mw_control_socket *c;
	mw_control_fn fn;
	void *arg;
};

static char *answer(void *arg, int fd, const char *buf, size_t len, bool too_large, size_t *out_len)
{
	struct call *call = arg;
	struct mw_control_socket *c = call->c;
	struct ucred cred;
	socklen_t clen = sizeof(cred);
	const char *cmd = NULL, *nl;
	char err[512];
	json_t *req, *ans;

	c->requests++;
	/* the socket is 0600 already; the credentials say it again */
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &clen) || cred.uid != 0) {
		c->rejected++;
		return error_line("permission denied: the control socket is for root", out_len);
	}
	if (too_large) {
		c->rejected++;
		return error_line("request too long", out_len);
	}
	nl = memchr(buf, '\n', len);
	if (nl) /* one request per connection: what follows its line is not read */
		len = (size_t)(nl - buf) + 1;
	req = mw_control_parse(buf, len, &cmd, err, sizeof(err));
	if (!req) {
		c->rejected++;
		return error_line(err, out_len);
	}
	err[0] = '\0';
	ans = call->fn(call->arg, cmd, req, err, sizeof(err));
	json_decref(req);
	return ans ? line(ans, out_len) : error_line(err[0] ? err : "failed", out_len);
}

void mw_control_socket_serve(struct mw_control_socket *c, mw_control_fn fn, void *arg)
{
	struct call call = { .c = c, .fn = fn, .arg = arg };

	mw_server_serve(&c->srv, answer, &call);
}
