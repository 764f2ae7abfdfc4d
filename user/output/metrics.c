// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "addr.h"
#include "log.h"
#include "output/metrics.h"

#define REQUEST_MAX 4096

int mw_metrics_open(struct mw_metrics *m, const char *endpoint)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int one = 1, err;

	memset(m, 0, sizeof(*m));
	m->fd = -1;
	if (mw_endpoint_parse(endpoint, &ss, &len))
		return -EINVAL;
	m->fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (m->fd < 0)
		return -errno;
	setsockopt(m->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(m->fd, (struct sockaddr *)&ss, len) || listen(m->fd, 16)) {
		err = -errno;
		close(m->fd);
		m->fd = -1;
		return err;
	}
	return 0;
}

static void reply(int fd, const char *status, const char *type, const char *body, size_t len)
{
	char head[256];
	int n = snprintf(head, sizeof(head),
			 "HTTP/1.1 %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
			 "Connection: close\r\n\r\n",
			 status, type, len);

	if (send(fd, head, (size_t)n, MSG_NOSIGNAL) == n && len)
		send(fd, body, len, MSG_NOSIGNAL);
}

void mw_metrics_serve(struct mw_metrics *m, mw_metrics_fn fn, void *arg)
{
	/* a scraper sends its request at once; a slow or silent client gets
	 * half a second, not the agent's loop */
	struct timeval tv = { .tv_usec = 500000 };
	char req[REQUEST_MAX + 1];
	size_t got = 0;
	ssize_t n;
	int fd;

	fd = accept4(m->fd, NULL, NULL, SOCK_CLOEXEC);
	if (fd < 0)
		return;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	while (got < REQUEST_MAX) {
		n = recv(fd, req + got, REQUEST_MAX - got, 0);
		if (n <= 0)
			break;
		got += (size_t)n;
		req[got] = '\0';
		if (strstr(req, "\r\n\r\n") || strstr(req, "\n\n"))
			break;
	}
	req[got] = '\0';
	if (!strncmp(req, "GET /metrics ", 13) || !strncmp(req, "GET /metrics?", 13)) {
		char *body = NULL;
		size_t len = 0;
		FILE *out = open_memstream(&body, &len);

		if (out) {
			fn(arg, out);
			fclose(out);
			reply(fd, "200 OK", "text/plain; version=0.0.4; charset=utf-8", body, len);
			m->scrapes++;
		}
		free(body);
	} else if (!strncmp(req, "GET / ", 6)) {
		static const char page[] = "minewalld: metrics at /metrics\n";

		reply(fd, "200 OK", "text/plain", page, sizeof(page) - 1);
	} else if (!strncmp(req, "GET ", 4)) {
		reply(fd, "404 Not Found", "text/plain", "not found\n", 10);
		m->bad_requests++;
	} else {
		reply(fd, "405 Method Not Allowed", "text/plain", "GET only\n", 9);
		m->bad_requests++;
	}
	close(fd);
}

void mw_metrics_close(struct mw_metrics *m)
{
	if (m->fd >= 0)
		close(m->fd);
	m->fd = -1;
}
