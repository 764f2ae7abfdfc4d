// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "lib/addr.h"
#include "lib/log.h"
#include "output/metrics.h"

/* A request is its head: up to the blank line. */
static int head_complete(const char *buf, size_t len, size_t from)
{
	size_t i = from > 3 ? from - 3 : 0;

	for (; i < len; i++)
		if (buf[i] == '\n' &&
		    ((i >= 1 && buf[i - 1] == '\n') || (i >= 2 && !memcmp(buf + i - 2, "\n\r", 2))))
			return 1;
	return 0;
}

int mw_metrics_open(struct mw_metrics *m, const char *endpoint)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int one = 1, err, fd;

	memset(m, 0, sizeof(*m));
	m->fd = -1;
	m->srv.fd = m->srv.lfd = m->srv.tfd = -1;
	if (mw_endpoint_parse(endpoint, &ss, &len))
		return -EINVAL;
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, len) || listen(fd, 16)) {
		err = -errno;
		close(fd);
		return err;
	}
	err = mw_server_init(&m->srv, fd, MW_METRICS_REQUEST_MAX, head_complete);
	if (err)
		return err;
	m->fd = m->srv.fd;
	return 0;
}

static char *reply(const char *status, const char *type, const char *body, size_t len,
		   size_t *out_len)
{
	char *out = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&out, &n);

	if (!f)
		return NULL;
	fprintf(f,
		"HTTP/1.1 %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
		"Connection: close\r\n\r\n",
		status, type, len);
	fwrite(body, 1, len, f);
	if (fclose(f)) {
		free(out);
		return NULL;
	}
	*out_len = n;
	return out;
}

struct scrape {
	struct mw_metrics *m;
	mw_metrics_fn fn;
	void *arg;
};

static char *answer(void *arg, int fd, const char *req, size_t len, bool too_large, size_t *out_len)
{
	struct scrape *sc = arg;
	struct mw_metrics *m = sc->m;
	char *out = NULL;

	if (too_large) {
		m->bad_requests++;
		return reply("431 Request Header Fields Too Large", "text/plain",
			     "request too large\n", 18, out_len);
	}
	if (!strncmp(req, "GET /metrics ", 13) || !strncmp(req, "GET /metrics?", 13)) {
		char *body = NULL;
		size_t blen = 0;
		FILE *f = open_memstream(&body, &blen);

		if (!f)
			return NULL;
		sc->fn(sc->arg, f);
		if (!fclose(f)) {
			out = reply("200 OK", "text/plain; version=0.0.4; charset=utf-8", body,
				    blen, out_len);
			m->scrapes++;
		}
		free(body);
		return out;
	}
	if (!strncmp(req, "GET / ", 6)) {
		static const char page[] = "minewalld: metrics at /metrics\n";

		return reply("200 OK", "text/plain", page, sizeof(page) - 1, out_len);
	}
	m->bad_requests++;
	if (!strncmp(req, "GET ", 4))
		return reply("404 Not Found", "text/plain", "not found\n", 10, out_len);
	return reply("405 Method Not Allowed", "text/plain", "GET only\n", 9, out_len);
}

void mw_metrics_serve(struct mw_metrics *m, mw_metrics_fn fn, void *arg)
{
	struct scrape sc = { .m = m, .fn = fn, .arg = arg };

	mw_server_serve(&m->srv, answer, &sc);
}

void mw_metrics_close(struct mw_metrics *m)
{
	if (m->fd >= 0)
		mw_server_close(&m->srv);
	m->fd = -1;
}
