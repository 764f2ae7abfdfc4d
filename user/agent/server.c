// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "lib/log.h"
#include "agent/server.h"
#include "lib/util.h"

#define TAG_LISTEN UINT64_MAX
#define TAG_TIMER (UINT64_MAX - 1)
#define ACCEPTS_PER_CALL 32 /* a connect flood waits its turn like the rest */
#define READ_CHUNK 4096
#define PAUSE_NS (100 * 1000000ULL) /* no fd left to accept with: try again then */

const char *const mw_server_drop_names[MW_DROP_MAX] = {
	"deadline",
	"slow_reader",
	"too_many",
	"too_large",
};

static int watch(struct mw_server *s, int op, int fd, uint32_t events, uint64_t tag)
{
	struct epoll_event ev = { .events = events, .data.u64 = tag };

	return epoll_ctl(s->fd, op, fd, &ev) ? -errno : 0;
}

int mw_server_init(struct mw_server *s, int lfd, size_t max_request, mw_server_complete_fn complete)
{
	unsigned i;
	int err;

	memset(s, 0, sizeof(*s));
	s->lfd = lfd;
	s->max_request = max_request;
	s->complete = complete;
	s->request_ns = MW_SERVER_REQUEST_MS * 1000000ULL;
	s->answer_ns = MW_SERVER_ANSWER_MS * 1000000ULL;
	for (i = 0; i < MW_SERVER_CONNS; i++)
		s->conns[i].fd = -1;
	s->fd = epoll_create1(EPOLL_CLOEXEC);
	s->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (s->fd < 0 || s->tfd < 0) {
		err = -errno;
		goto fail;
	}
	err = watch(s, EPOLL_CTL_ADD, lfd, EPOLLIN, TAG_LISTEN);
	if (!err)
		err = watch(s, EPOLL_CTL_ADD, s->tfd, EPOLLIN, TAG_TIMER);
	if (!err)
		return 0;
fail:
	mw_server_close(s);
	return err;
}

static void drop(struct mw_server_conn *c)
{
	if (c->fd >= 0)
		close(c->fd); /* leaves the epoll set with it */
	free(c->buf);
	memset(c, 0, sizeof(*c));
	c->fd = -1;
}

unsigned mw_server_open_conns(const struct mw_server *s)
{
	unsigned i, n = 0;

	for (i = 0; i < MW_SERVER_CONNS; i++)
		n += s->conns[i].fd >= 0;
	return n;
}

void mw_server_close(struct mw_server *s)
{
	unsigned i;

	for (i = 0; i < MW_SERVER_CONNS; i++)
		if (s->conns[i].fd >= 0 || s->conns[i].buf)
			drop(&s->conns[i]);
	if (s->lfd >= 0)
		close(s->lfd);
	if (s->tfd >= 0)
		close(s->tfd);
	if (s->fd >= 0)
		close(s->fd);
	s->lfd = s->tfd = s->fd = -1;
}

/* A free slot; when none, the oldest connection still sending its request
 * (the idle and the slow ones) goes, else the oldest of all. */
static struct mw_server_conn *slot(struct mw_server *s)
{
	struct mw_server_conn *old = NULL, *old_reading = NULL;
	unsigned i;

	for (i = 0; i < MW_SERVER_CONNS; i++) {
		struct mw_server_conn *c = &s->conns[i];

		if (c->fd < 0)
			return c;
		if (!old || c->since_ns < old->since_ns)
			old = c;
		if (!c->answering && (!old_reading || c->since_ns < old_reading->since_ns))
			old_reading = c;
	}
	old = old_reading ? old_reading : old;
	s->drops[MW_DROP_TOO_MANY]++;
	drop(old);
	return old;
}

static void accept_some(struct mw_server *s, uint64_t now)
{
	int i;

	for (i = 0; i < ACCEPTS_PER_CALL; i++) {
		int fd = accept4(s->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		struct mw_server_conn *c;

		if (fd < 0 &&
		    (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM)) {
			/* the connection waits in the backlog and the socket stays
			 * readable: stop watching it a moment rather than spin */
			int err = errno;

			if (!watch(s, EPOLL_CTL_MOD, s->lfd, 0, TAG_LISTEN))
				s->paused_until_ns = now + PAUSE_NS;
			if (!s->accept_pauses++)
				pr_warn("server: cannot accept a connection: %s; accepting pauses for 100 ms each time\n",
					strerror(err));
			return;
		}
		if (fd < 0)
			return; /* EAGAIN, or an error of that one connection */
		c = slot(s);
		c->fd = fd;
		c->since_ns = now;
		c->deadline_ns = now + s->request_ns;
		if (watch(s, EPOLL_CTL_ADD, fd, EPOLLIN, (uint64_t)(c - s->conns))) {
			drop(c);
			continue;
		}
		s->accepted++;
	}
}

/* Writes what the socket takes now; the rest when it says it can. */
static void write_some(struct mw_server *s, struct mw_server_conn *c)
{
	while (c->off < c->len) {
		ssize_t n =
			send(c->fd, c->buf + c->off, c->len - c->off, MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (n <= 0) {
			drop(c); /* the peer went away */
			return;
		}
		c->off += (size_t)n;
	}
	s->answered++;
	drop(c);
}

static void answer_now(struct mw_server *s, struct mw_server_conn *c, bool too_large,
		       mw_server_answer_fn answer, void *arg, uint64_t now)
{
	size_t len = 0;
	char *out = answer(arg, c->fd, c->buf ? c->buf : "", c->len, too_large, &len);

	if (too_large)
		s->drops[MW_DROP_TOO_LARGE]++;
	free(c->buf);
	c->buf = out;
	c->len = out ? len : 0;
	c->cap = c->len;
	c->off = 0;
	if (!out) {
		drop(c);
		return;
	}
	c->answering = true;
	c->deadline_ns = now + s->answer_ns;
	write_some(s, c);
	if (c->fd >= 0 && watch(s, EPOLL_CTL_MOD, c->fd, EPOLLOUT, (uint64_t)(c - s->conns)))
		drop(c);
}

static void read_some(struct mw_server *s, struct mw_server_conn *c, mw_server_answer_fn answer,
		      void *arg, uint64_t now)
{
	for (;;) {
		size_t from = c->len, room;
		ssize_t n;

		if (c->len == s->max_request) {
			answer_now(s, c, true, answer, arg, now);
			return;
		}
		if (c->cap - c->len < READ_CHUNK && c->cap < s->max_request + 1) {
			size_t cap = c->cap + READ_CHUNK * 4;
			char *b;

			cap = cap > s->max_request + 1 ? s->max_request + 1 : cap;
			b = realloc(c->buf, cap);
			if (!b) {
				drop(c);
				return;
			}
			c->buf = b;
			c->cap = cap;
		}
		/* one byte of the buffer stays free: the request is text for the answer */
		room = c->cap - 1 - c->len;
		if (room > s->max_request - c->len)
			room = s->max_request - c->len;
		n = recv(c->fd, c->buf + c->len, room, MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (n < 0 || (n == 0 && !c->len)) {
			drop(c);
			return;
		}
		if (n == 0) {
			/* the peer said all it had to say: that is the request */
			answer_now(s, c, false, answer, arg, now);
			return;
		}
		c->len += (size_t)n;
		c->buf[c->len] = '\0';
		if (s->complete(c->buf, c->len, from)) {
			answer_now(s, c, false, answer, arg, now);
			return;
		}
	}
}

/* Drops the overdue and sets the timer to the next deadline. */
static void deadlines(struct mw_server *s, uint64_t now)
{
	struct itimerspec its = { 0 };
	uint64_t next = 0;
	unsigned i;

	if (s->paused_until_ns && s->paused_until_ns <= now)
		s->paused_until_ns =
			watch(s, EPOLL_CTL_MOD, s->lfd, EPOLLIN, TAG_LISTEN) ? now + PAUSE_NS : 0;
	next = s->paused_until_ns;
	for (i = 0; i < MW_SERVER_CONNS; i++) {
		struct mw_server_conn *c = &s->conns[i];

		if (c->fd < 0)
			continue;
		if (c->deadline_ns <= now) {
			s->drops[c->answering ? MW_DROP_SLOW_READER : MW_DROP_DEADLINE]++;
			drop(c);
			continue;
		}
		if (!next || c->deadline_ns < next)
			next = c->deadline_ns;
	}
	its.it_value.tv_sec = (time_t)(next / 1000000000ULL);
	its.it_value.tv_nsec = (long)(next % 1000000000ULL);
	/* zero disarms: no connection, no wake-up */
	if (timerfd_settime(s->tfd, TFD_TIMER_ABSTIME, &its, NULL))
		pr_warn("server: cannot set the deadline timer: %s\n", strerror(errno));
}

void mw_server_serve(struct mw_server *s, mw_server_answer_fn answer, void *arg)
{
	struct epoll_event evs[MW_SERVER_CONNS + 2];
	uint64_t now = mw_now_ns(), ticks;
	int i, n;

	if (s->fd < 0)
		return;
	n = epoll_wait(s->fd, evs, (int)ARRAY_SIZE(evs), 0);
	for (i = 0; i < n; i++) {
		uint64_t tag = evs[i].data.u64;
		struct mw_server_conn *c;

		if (tag == TAG_LISTEN) {
			accept_some(s, now);
			continue;
		}
		if (tag == TAG_TIMER) {
			if (read(s->tfd, &ticks, sizeof(ticks)) < 0 && errno != EAGAIN)
				pr_debug("server: timer: %s\n", strerror(errno));
			continue;
		}
		if (tag >= MW_SERVER_CONNS)
			continue;
		/* an event of a connection dropped earlier in this batch finds
		 * its slot free or reused: reading or writing then is harmless */
		c = &s->conns[tag];
		if (c->fd < 0)
			continue;
		if (c->answering)
			write_some(s, c);
		else
			read_some(s, c, answer, arg, now);
	}
	deadlines(s, now);
}
