// SPDX-License-Identifier: GPL-2.0-only
/*
 * pushq.c - the alerts waiting for the LAPI: a ring of JSON texts, saved
 * as JSON lines so that a restart or an outage loses none.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>

#include "fleet/pushq.h"
#include "lib/statefile.h"
#include "lib/util.h"

static char **slot(const struct mw_cs_pushq *q, size_t i)
{
	return &q->items[(q->head + i) % q->cap];
}

/* Doubles the ring (up to @max slots), keeping its order from slot 0. */
static int grow(struct mw_cs_pushq *q)
{
	size_t cap = q->cap ? q->cap * 2 : 16, i;
	char **items;

	if (cap > q->max)
		cap = q->max;
	items = calloc(cap, sizeof(*items));
	if (!items)
		return -ENOMEM;
	for (i = 0; i < q->n; i++)
		items[i] = *slot(q, i);
	free(q->items);
	q->items = items;
	q->cap = cap;
	q->head = 0;
	return 0;
}

int mw_cs_pushq_add(struct mw_cs_pushq *q, const char *json)
{
	char *copy;

	if (!q->max)
		return -ENOSPC;
	copy = strdup(json);
	if (!copy)
		return -ENOMEM;
	if (q->n == q->max) {
		/* the newest alert is worth more than the oldest */
		mw_cs_pushq_pop(q, 1);
		q->dropped++;
	}
	if (q->n == q->cap && grow(q)) {
		free(copy);
		return -ENOMEM;
	}
	*slot(q, q->n) = copy;
	q->n++;
	q->dirty = true;
	return 0;
}

const char *mw_cs_pushq_at(const struct mw_cs_pushq *q, size_t i)
{
	return i < q->n ? *slot(q, i) : NULL;
}

void mw_cs_pushq_pop(struct mw_cs_pushq *q, size_t n)
{
	if (n > q->n)
		n = q->n;
	while (n--) {
		char **s = slot(q, 0);

		free(*s);
		*s = NULL;
		q->head = (q->head + 1) % q->cap;
		q->n--;
		q->dirty = true;
	}
}

char *mw_cs_pushq_body(const struct mw_cs_pushq *q, size_t n)
{
	size_t len = 2, i, off = 0;
	char *body;

	if (n > q->n)
		n = q->n;
	for (i = 0; i < n; i++)
		len += strlen(*slot(q, i)) + 1;
	body = malloc(len + 1);
	if (!body)
		return NULL;
	body[off++] = '[';
	for (i = 0; i < n; i++) {
		size_t l = strlen(*slot(q, i));

		if (i)
			body[off++] = ',';
		memcpy(body + off, *slot(q, i), l);
		off += l;
	}
	body[off++] = ']';
	body[off] = '\0';
	return body;
}

static int write_items(FILE *f, void *arg)
{
	const struct mw_cs_pushq *q = arg;
	size_t i;

	for (i = 0; i < q->n; i++) {
		fputs(*slot(q, i), f);
		fputc('\n', f);
	}
	return 0;
}

int mw_cs_pushq_save(struct mw_cs_pushq *q)
{
	int err;

	if (!q->path[0] || !q->dirty)
		return 0;
	err = mw_statefile_write(q->path, write_items, q);
	if (!err)
		q->dirty = false;
	return err;
}

struct load_ctx {
	struct mw_cs_pushq *q;
	FILE *err;
};

static int load_line(void *arg, const char *line, int lineno, char *why, size_t whylen)
{
	struct load_ctx *c = arg;
	json_error_t jerr;
	json_t *o = json_loads(line, 0, &jerr);
	char *compact;
	int err;

	if (!o) {
		snprintf(why, whylen, "not JSON: %s", jerr.text);
		return -EINVAL;
	}
	if (!json_is_object(o)) {
		json_decref(o);
		snprintf(why, whylen, "not a JSON object");
		return -EINVAL;
	}
	/* one line per item, whatever the file had */
	compact = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(o);
	if (!compact)
		return -ENOMEM;
	err = mw_cs_pushq_add(c->q, compact);
	free(compact);
	return err;
}

static void load_warn(void *arg, const char *msg)
{
	struct load_ctx *c = arg;

	if (c->err)
		fprintf(c->err, "%s\n", msg);
}

int mw_cs_pushq_init(struct mw_cs_pushq *q, const char *path, size_t max, FILE *err)
{
	struct load_ctx c = { .err = err };
	const struct mw_statefile_lines how = { load_line, load_warn, &c };
	struct stat st;
	int ret;

	memset(q, 0, sizeof(*q));
	c.q = q;
	q->max = max;
	if (!path || !path[0])
		return 0;
	if (snprintf(q->path, sizeof(q->path), "%s", path) >= (int)sizeof(q->path)) {
		q->path[0] = '\0';
		return -ENAMETOOLONG;
	}
	/* a FIFO would hang the start, /dev/zero fill the memory: only a
	 * regular file is read (a save replaces what is there) */
	if (!stat(path, &st) && !S_ISREG(st.st_mode)) {
		if (err)
			fprintf(err, "%s: not a regular file (%s); the queue starts empty\n", path,
				S_ISDIR(st.st_mode)  ? "a directory" :
				S_ISFIFO(st.st_mode) ? "a FIFO" :
						       "a device or socket");
		return 0;
	}
	ret = mw_statefile_read_lines(path, &how);
	if (ret < 0) {
		if (ret != -ENOMEM && err)
			fprintf(err, "%s: %s; the queue starts empty\n", path, strerror(-ret));
		mw_cs_pushq_pop(q, q->n);
		q->dirty = false;
		return ret == -ENOMEM ? ret : 0;
	}
	/* what was loaded is what the file should hold, bad lines left out */
	q->dirty = ret > 0;
	return 0;
}

void mw_cs_pushq_free(struct mw_cs_pushq *q)
{
	if (!q)
		return;
	mw_cs_pushq_pop(q, q->n);
	free(q->items);
	q->items = NULL;
	q->cap = 0;
}
