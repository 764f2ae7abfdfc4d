/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * server.h - the agent's small stream servers (the metrics endpoint, the
 * control socket) made so that no peer can hold the agent's one loop. The
 * loop polls a single fd: an epoll set of the listening socket, the
 * connections and a timer for their deadlines. Reads and writes never
 * block; each connection has its own buffer; a request must arrive whole
 * within MW_SERVER_REQUEST_MS of the connect and its answer be taken
 * within MW_SERVER_ANSWER_MS, or the connection is dropped; requests are
 * bounded in size and connections in number (the oldest still sending its
 * request makes room for a new one).
 */
#ifndef MW_AGENT_SERVER_H
#define MW_AGENT_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MW_SERVER_CONNS 16 /* at once, per server */
#define MW_SERVER_REQUEST_MS 2000 /* to send a whole request */
#define MW_SERVER_ANSWER_MS 5000 /* to take the whole answer */

/* Why a connection was dropped before it was answered in full. */
enum mw_server_drop {
	MW_DROP_DEADLINE = 0, /* its request did not arrive whole in time */
	MW_DROP_SLOW_READER, /* it did not take its answer in time */
	MW_DROP_TOO_MANY, /* made room for a new connection */
	MW_DROP_TOO_LARGE, /* request over the size bound (answered with an error) */
	MW_DROP_MAX,
};
extern const char *const mw_server_drop_names[MW_DROP_MAX];

/* 1 when @buf holds a whole request, 0 when more must come. @from: the
 * first byte not seen by the previous call (a delimiter may straddle). */
typedef int (*mw_server_complete_fn)(const char *buf, size_t len, size_t from);
/* The answer to the request in @buf (@too_large: cut at the bound), as
 * malloc()ed bytes in *@out and their length; NULL closes without one.
 * @fd is the connection (for the peer's credentials). */
typedef char *(*mw_server_answer_fn)(void *arg, int fd, const char *buf, size_t len, bool too_large,
				     size_t *out_len);

struct mw_server_conn {
	int fd; /* -1: a free slot */
	bool answering; /* the answer is being written */
	uint64_t since_ns, deadline_ns;
	char *buf; /* the request, then the answer */
	size_t len, cap, off; /* off: answer bytes written */
};

struct mw_server {
	int fd; /* what the loop polls: the epoll set; -1 when off */
	int lfd, tfd; /* listening socket, deadline timer */
	size_t max_request;
	uint64_t request_ns, answer_ns; /* the deadlines (MW_SERVER_*_MS; tests shorten them) */
	mw_server_complete_fn complete;
	uint64_t paused_until_ns; /* accepting paused (out of fds) until then */
	struct mw_server_conn conns[MW_SERVER_CONNS];
	uint64_t accepted, answered, drops[MW_DROP_MAX], accept_pauses;
};

/* Takes over the listening socket @lfd (non-blocking) and builds the set.
 * Returns 0 or -errno (@lfd is then closed). */
int mw_server_init(struct mw_server *s, int lfd, size_t max_request,
		   mw_server_complete_fn complete);
/* Does what is ready: accepts, reads, answers, writes, drops what is
 * overdue. Never blocks. */
void mw_server_serve(struct mw_server *s, mw_server_answer_fn answer, void *arg);
/* Connections open now. */
unsigned mw_server_open_conns(const struct mw_server *s);
void mw_server_close(struct mw_server *s);

#endif
