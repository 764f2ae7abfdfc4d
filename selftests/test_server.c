// SPDX-License-Identifier: GPL-2.0-only
/* test_server.c - the stream server under the control socket
 * (agent/server.c): deadlines, bounds on a request and on the clients,
 * slow readers, running out of file descriptors. Built with ASan and
 * UBSan. */
#include <poll.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "agent/server.h"
#include "test.h"

#define MS 1000000ULL

static int line_done(const char *buf, size_t len, size_t from)
{
	return memchr(buf + from, '\n', len - from) != NULL;
}

/* Echoes a request; "big" gets 4 MiB, more than any socket buffer holds. */
static char *echo(void *arg, int fd, const char *buf, size_t len, bool too_large, size_t *out_len)
{
	char *out;

	if (too_large) {
		*out_len = 9;
		return strdup("too long\n");
	}
	if (len >= 3 && !memcmp(buf, "big", 3)) {
		*out_len = 4 << 20;
		out = malloc(*out_len);
		if (out)
			memset(out, 'x', *out_len);
		return out;
	}
	out = malloc(len + 6);
	if (!out)
		return NULL;
	*out_len = (size_t)sprintf(out, "echo:%.*s", (int)len, buf);
	return out;
}

static int unix_client(const struct sockaddr_un *sa, socklen_t len)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd >= 0 && connect(fd, (const struct sockaddr *)sa, len)) {
		close(fd);
		return -1;
	}
	return fd;
}

/* what @fd has to read within @ms: bytes, 0 at EOF, -1 for nothing */
static ssize_t wait_read(int fd, char *buf, size_t len, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	if (poll(&p, 1, ms) != 1)
		return -1;
	return recv(fd, buf, len, MSG_DONTWAIT);
}

static void t_server(void *arg)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	socklen_t salen;
	struct mw_server s;
	int lfd, idle, ok, slow, big, many[MW_SERVER_CONNS], err;
	struct rlimit lim;
	char buf[256];
	struct pollfd p;
	unsigned i;

	/* an abstract address: nothing on disk */
	snprintf(sa.sun_path + 1, sizeof(sa.sun_path) - 1, "mw-unit-server-%d", (int)getpid());
	salen = offsetof(struct sockaddr_un, sun_path) + 1 + strlen(sa.sun_path + 1);
	lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (!ASSERT_TRUE(lfd >= 0 && !bind(lfd, (struct sockaddr *)&sa, salen) && !listen(lfd, 64),
			 "listening socket"))
		return;
	err = mw_server_init(&s, lfd, 64, line_done);
	/* cppcheck takes the abstract address above for ASSERT_EQ's argument */
	// cppcheck-suppress invalidPrintfArgType_sint
	if (!ASSERT_EQ(err, 0, "server"))
		return;
	s.request_ns = 150 * MS;
	s.answer_ns = 150 * MS;

	/* a slow client: part of a request, then nothing */
	idle = unix_client(&sa, salen);
	ASSERT_TRUE(send(idle, "pi", 2, 0) == 2, "idle: sends a part");
	/* a client that takes its answer */
	ok = unix_client(&sa, salen);
	ASSERT_TRUE(send(ok, "ping\n", 5, 0) == 5, "sends a request");
	/* one that asks for a big answer and never reads it */
	slow = unix_client(&sa, salen);
	ASSERT_TRUE(send(slow, "big\n", 4, 0) == 4, "slow reader: asks");
	/* one over the bound */
	big = unix_client(&sa, salen);
	memset(buf, 'a', 100);
	ASSERT_TRUE(send(big, buf, 100, 0) == 100, "too large: sends");
	mw_server_serve(&s, echo, NULL);
	mw_server_serve(&s, echo, NULL);
	ASSERT_EQ(wait_read(ok, buf, sizeof(buf), 500), 10, "answered");
	ASSERT_TRUE(!memcmp(buf, "echo:ping\n", 10), "the answer");
	ASSERT_EQ(wait_read(ok, buf, sizeof(buf), 500), 0, "then closed");
	ASSERT_EQ(wait_read(big, buf, sizeof(buf), 500), 9, "too large: answered");
	ASSERT_EQ(s.drops[MW_DROP_TOO_LARGE], 1, "too large: counted");
	ASSERT_EQ(wait_read(idle, buf, sizeof(buf), 0), -1, "idle: still open, no answer");
	ASSERT_EQ(mw_server_open_conns(&s), 2, "idle and slow reader open");
	/* nothing to do but wait: the timer wakes the loop at each deadline
	 * (the two fall a moment apart; a loaded machine may wake once each) */
	p = (struct pollfd){ .fd = s.fd, .events = POLLIN };
	ASSERT_EQ(poll(&p, 1, 1000), 1, "the deadline wakes the loop");
	mw_server_serve(&s, echo, NULL);
	for (int i = 0; i < 20 && mw_server_open_conns(&s); i++) {
		p = (struct pollfd){ .fd = s.fd, .events = POLLIN };
		if (poll(&p, 1, 100) == 1)
			mw_server_serve(&s, echo, NULL);
	}
	ASSERT_EQ(s.drops[MW_DROP_DEADLINE], 1, "idle: dropped at the deadline");
	ASSERT_EQ(s.drops[MW_DROP_SLOW_READER], 1, "slow reader: dropped at its deadline");
	ASSERT_EQ(wait_read(idle, buf, sizeof(buf), 500), 0, "idle: closed");
	ASSERT_EQ(mw_server_open_conns(&s), 0, "none open");
	close(idle);
	close(ok);
	close(slow);
	close(big);

	/* more clients than the cap: the oldest goes */
	for (i = 0; i < MW_SERVER_CONNS; i++) {
		many[i] = unix_client(&sa, salen);
		mw_server_serve(&s, echo, NULL);
	}
	ok = unix_client(&sa, salen);
	mw_server_serve(&s, echo, NULL);
	ASSERT_EQ(s.drops[MW_DROP_TOO_MANY], 1, "one made room");
	ASSERT_EQ(wait_read(many[0], buf, sizeof(buf), 500), 0, "the oldest closed");
	ASSERT_TRUE(send(ok, "x\n", 2, 0) == 2, "the newest sends");
	mw_server_serve(&s, echo, NULL);
	ASSERT_EQ(wait_read(ok, buf, sizeof(buf), 500), 7, "the newest answered");
	for (i = 0; i < MW_SERVER_CONNS; i++)
		close(many[i]);
	close(ok);
	ASSERT_EQ(s.accepted, 4 + MW_SERVER_CONNS + 1, "accepted");

	/* out of file descriptors: accepting pauses instead of spinning */
	mw_server_serve(&s, echo, NULL); /* the closed ones go */
	ok = unix_client(&sa, salen);
	if (ASSERT_TRUE(ok >= 0 && !getrlimit(RLIMIT_NOFILE, &lim), "client, limit")) {
		struct rlimit low = { .rlim_cur = (rlim_t)ok + 1, .rlim_max = lim.rlim_max };

		setrlimit(RLIMIT_NOFILE, &low);
		mw_server_serve(&s, echo, NULL);
		setrlimit(RLIMIT_NOFILE, &lim);
		ASSERT_EQ(s.accept_pauses, 1, "paused");
		p = (struct pollfd){ .fd = s.fd, .events = POLLIN };
		ASSERT_EQ(poll(&p, 1, 0), 0, "paused: the loop is not woken for it");
		ASSERT_EQ(poll(&p, 1, 1000), 1, "the timer ends the pause");
		mw_server_serve(&s, echo, NULL);
		mw_server_serve(&s, echo, NULL);
		ASSERT_TRUE(send(ok, "y\n", 2, 0) == 2, "then it is taken");
		mw_server_serve(&s, echo, NULL);
		ASSERT_EQ(wait_read(ok, buf, sizeof(buf), 500), 7, "and answered");
	}
	close(ok);
	mw_server_close(&s);
}

int main(int argc, char **argv)
{
	if (argc > 1)
		test_filter = argv[1];
	test_run("server: deadlines, bounds, the cap on clients", t_server, NULL);
	return test_summary("server");
}
