// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <string.h>

#include "parse/dns.h"

#define DNS_HDR_LEN 12
#define DNS_TYPE_A 1
#define DNS_TYPE_CNAME 5
#define DNS_TYPE_AAAA 28
#define DNS_CLASS_IN 1
#define MAX_POINTERS 16

struct reader {
	const uint8_t *msg; /* the DNS message (after a TCP length) */
	size_t len;
};

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/*
 * Reads the name at *@off into @out (text, lower case, no final dot) and
 * moves *@off past it. Returns 0, -EAGAIN when the bytes end inside it, or
 * -EINVAL for a name that cannot be (loops, reserved label types, too long).
 */
static int read_name(const struct reader *r, size_t *off, char *out)
{
	size_t pos = *off, end = 0, n = 0;
	unsigned jumps = 0;
	bool jumped = false;
	bool dotted = false;
	char label[MW_NAME_MAX];

	for (;;) {
		uint8_t c;

		if (pos >= r->len)
			return -EAGAIN;
		c = r->msg[pos];
		if ((c & 0xc0) == 0xc0) {
			if (pos + 1 >= r->len)
				return -EAGAIN;
			if (!jumped)
				end = pos + 2;
			jumped = true;
			if (++jumps > MAX_POINTERS)
				return -EINVAL;
			pos = (size_t)(get16(r->msg + pos) & 0x3fff);
			continue;
		}
		if (c & 0xc0)
			return -EINVAL; /* 0x40 and 0x80 label types are obsolete */
		if (c == 0) {
			pos++;
			break;
		}
		if (pos + 1 + c > r->len)
			return -EAGAIN;
		if (n + c + 1 >= MW_NAME_MAX)
			return -EINVAL;
		if (n)
			label[n++] = '.';
		/* a '.' byte inside a label would read as a label boundary,
		 * making "evil.pool.example" of one label */
		if (memchr(r->msg + pos + 1, '.', c))
			dotted = true;
		memcpy(label + n, r->msg + pos + 1, c);
		n += c;
		pos += 1 + (size_t)c;
	}
	*off = jumped ? end : pos;
	if (n == 0) {
		out[0] = '\0'; /* the root */
		return 0;
	}
	if (dotted || mw_name_normalise(label, n, out))
		out[0] = '\0'; /* not a host name (binary, UTF-8, controls): nothing to match */
	return 0;
}

/* The index of @name in names[], added when new; MW_DNS_NO_NAME when it
 * is no host name or there is no room. */
static uint8_t add_name(struct mw_dns_msg *m, const char *name)
{
	unsigned i;

	if (!name[0])
		return MW_DNS_NO_NAME;
	for (i = 0; i < m->n_names; i++)
		if (!strcmp(m->names[i], name))
			return (uint8_t)i;
	if (m->n_names == MW_DNS_MAX_NAMES)
		return MW_DNS_NO_NAME;
	memcpy(m->names[m->n_names], name, strlen(name) + 1);
	return (uint8_t)m->n_names++;
}

/* The DNS message in @buf: after its 2-byte length on TCP, and no further
 * than that length says. Returns 0 or -EINVAL. */
static int frame(const uint8_t *buf, size_t len, bool tcp, struct reader *r)
{
	r->msg = buf;
	r->len = len;
	if (tcp) {
		if (len < 2)
			return -EINVAL;
		r->msg = buf + 2;
		r->len = len - 2;
		if (get16(buf) < r->len)
			r->len = get16(buf); /* bytes past this message are not it */
	}
	return r->len < DNS_HDR_LEN ? -EINVAL : 0;
}

int mw_dns_parse_query(const uint8_t *buf, size_t len, bool tcp, struct mw_dns_query *q)
{
	struct reader r;
	size_t off = DNS_HDR_LEN;

	memset(q, 0, sizeof(*q));
	if (frame(buf, len, tcp, &r))
		return -EINVAL;
	if ((r.msg[2] & 0x80) || (r.msg[2] & 0x78))
		return -EINVAL; /* a response, or not a standard query */
	if (get16(r.msg + 4) != 1)
		return -EINVAL;
	q->id = get16(r.msg);
	if (read_name(&r, &off, q->name) || off + 4 > r.len)
		return -EINVAL;
	q->qtype = get16(r.msg + off);
	q->qclass = get16(r.msg + off + 2);
	return 0;
}

unsigned mw_dns_chain(const struct mw_dns_msg *msg, bool *on_chain)
{
	unsigned cur = 0, n = 0, i;

	memset(on_chain, 0, MW_DNS_MAX_NAMES * sizeof(*on_chain));
	if (!msg->question[0] || !msg->n_names || strcmp(msg->names[0], msg->question))
		return 0;
	on_chain[0] = true;
	n = 1;
	/* each step moves to a name not yet on the chain: at most n_names */
	for (;;) {
		for (i = 0; i < msg->n_cnames; i++)
			if (msg->cnames[i].owner == cur && !on_chain[msg->cnames[i].target])
				break;
		if (i == msg->n_cnames)
			return n;
		cur = msg->cnames[i].target;
		on_chain[cur] = true;
		n++;
	}
}

int mw_dns_parse(const uint8_t *buf, size_t len, bool tcp, struct mw_dns_msg *msg)
{
	struct reader r;
	char name[MW_NAME_MAX], target[MW_NAME_MAX];
	unsigned qd, an, i;
	size_t off = DNS_HDR_LEN;
	int err;

	memset(msg, 0, sizeof(*msg));
	if (frame(buf, len, tcp, &r))
		return -EINVAL;
	if (!(r.msg[2] & 0x80) || (r.msg[2] & 0x78))
		return -EINVAL; /* not a response, or not a standard query */
	msg->id = get16(r.msg);
	msg->rcode = r.msg[3] & 0x0f;
	qd = get16(r.msg + 4);
	an = get16(r.msg + 6);
	if (qd != 1)
		return -EINVAL; /* every real resolver asks one question */

	err = read_name(&r, &off, name);
	if (err)
		return -EINVAL;
	if (off + 4 > r.len)
		return -EINVAL;
	msg->qtype = get16(r.msg + off);
	msg->qclass = get16(r.msg + off + 2);
	off += 4;
	memcpy(msg->question, name, strlen(name) + 1);
	add_name(msg, name);

	for (i = 0; i < an; i++) {
		uint16_t type, class, rdlen;
		uint32_t ttl;

		err = read_name(&r, &off, name);
		if (err || off + 10 > r.len)
			goto cut;
		type = get16(r.msg + off);
		class = get16(r.msg + off + 2);
		ttl = get32(r.msg + off + 4);
		rdlen = get16(r.msg + off + 8);
		off += 10;
		if (off + rdlen > r.len)
			goto cut;
		if (ttl > 0x7fffffff)
			ttl = 0; /* RFC 2181: treat as zero */
		if (class != DNS_CLASS_IN) {
			off += rdlen;
			continue;
		}
		if (type == DNS_TYPE_CNAME) {
			size_t t = off;

			if (read_name(&r, &t, target) == 0) {
				uint8_t o = add_name(msg, name), g = add_name(msg, target);

				if (o != MW_DNS_NO_NAME && g != MW_DNS_NO_NAME &&
				    msg->n_cnames < MW_DNS_MAX_CNAMES)
					msg->cnames[msg->n_cnames++] =
						(struct mw_dns_cname){ .owner = o, .target = g };
			}
		} else if ((type == DNS_TYPE_A && rdlen == 4) ||
			   (type == DNS_TYPE_AAAA && rdlen == 16)) {
			uint8_t owner = add_name(msg, name);
			struct mw_dns_addr *a;

			if (msg->n_addrs < MW_DNS_MAX_ADDRS) {
				a = &msg->addrs[msg->n_addrs++];
				a->owner = owner;
				if (rdlen == 4)
					mw_addr_from_v4(&a->addr, (const void *)(r.msg + off));
				else
					mw_addr_from_v6(&a->addr, (const void *)(r.msg + off));
				a->ttl = ttl;
			}
		}
		off += rdlen;
	}
	return 0;
cut:
	/* a malformed record ends the answer as surely as a short copy does;
	 * the records before it stand */
	msg->truncated = true;
	return 0;
}
