// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "lib/log.h"
#include "output/ipfix.h"

#define TEMPLATE_REFRESH_S 60

/* Information elements (IANA registry), in record order after the
 * addresses. */
struct ie {
	uint16_t id, len;
};

static const struct ie v4_addrs[] = { { 8, 4 }, { 12, 4 } }; /* source/destinationIPv4Address */
static const struct ie v6_addrs[] = { { 27, 16 }, { 28, 16 } }; /* source/destinationIPv6Address */
static const struct ie common[] = {
	{ 7, 2 }, /* sourceTransportPort */
	{ 11, 2 }, /* destinationTransportPort */
	{ 4, 1 }, /* protocolIdentifier */
	{ 6, 1 }, /* tcpControlBits (reduced-size encoding) */
	{ 2, 8 }, /* packetDeltaCount */
	{ 1, 8 }, /* octetDeltaCount */
	{ 152, 8 }, /* flowStartMilliseconds */
	{ 153, 8 }, /* flowEndMilliseconds */
	{ 61, 1 }, /* flowDirection */
	{ 136, 1 }, /* flowEndReason */
};
#define N_COMMON (sizeof(common) / sizeof(common[0]))
#define METHOD_IE 1 /* enterprise element: detection method */

static uint8_t *put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
	return p + 2;
}

static uint8_t *put32(uint8_t *p, uint32_t v)
{
	return put16(put16(p, (uint16_t)(v >> 16)), (uint16_t)v);
}

static uint8_t *put64(uint8_t *p, uint64_t v)
{
	return put32(put32(p, (uint32_t)(v >> 32)), (uint32_t)v);
}

static uint8_t *put_template(uint8_t *p, uint16_t id, const struct ie *addrs)
{
	unsigned i;

	p = put16(p, id);
	p = put16(p, 2 + N_COMMON + 1);
	for (i = 0; i < 2; i++)
		p = put16(put16(p, addrs[i].id), addrs[i].len);
	for (i = 0; i < N_COMMON; i++)
		p = put16(put16(p, common[i].id), common[i].len);
	p = put16(p, 0x8000 | METHOD_IE);
	p = put16(p, MW_IPFIX_METHOD_LEN);
	return put32(p, MW_IPFIX_PEN);
}

static uint8_t *put_record(uint8_t *p, const struct mw_ipfix_rec *r, bool v4)
{
	if (v4) {
		memcpy(p, r->src.addr + 12, 4);
		memcpy(p + 4, r->dst.addr + 12, 4);
		p += 8;
	} else {
		memcpy(p, r->src.addr, 16);
		memcpy(p + 16, r->dst.addr, 16);
		p += 32;
	}
	p = put16(p, r->sport);
	p = put16(p, r->dport);
	*p++ = r->proto;
	*p++ = r->tcp_flags;
	p = put64(p, r->packets);
	p = put64(p, r->octets);
	p = put64(p, r->start_ms);
	p = put64(p, r->end_ms);
	*p++ = r->direction;
	*p++ = r->end_reason;
	memset(p, 0, MW_IPFIX_METHOD_LEN);
	memcpy(p, r->method, strnlen(r->method, MW_IPFIX_METHOD_LEN));
	return p + MW_IPFIX_METHOD_LEN;
}

static size_t record_len(bool v4)
{
	size_t n = (v4 ? 8 : 32) + MW_IPFIX_METHOD_LEN;
	unsigned i;

	for (i = 0; i < N_COMMON; i++)
		n += common[i].len;
	return n;
}

size_t mw_ipfix_encode(uint8_t *buf, size_t cap, uint32_t domain, uint32_t seq, time_t now,
		       bool templates, const struct mw_ipfix_rec *v4, unsigned n4,
		       const struct mw_ipfix_rec *v6, unsigned n6)
{
	uint8_t *p = buf + 16, *set;
	unsigned i;

	/* 16-byte header, a template set of two templates, two data sets */
	if (cap < 16 + 4 + 2 * (4 + 4 * (3 + N_COMMON) + 4) + 8 + n4 * record_len(true) +
			  n6 * record_len(false))
		return 0;
	if (templates) {
		set = p;
		p = put_template(p + 4, MW_IPFIX_TEMPLATE_V4, v4_addrs);
		p = put_template(p, MW_IPFIX_TEMPLATE_V6, v6_addrs);
		put16(put16(set, 2), (uint16_t)(p - set));
	}
	if (n4) {
		set = p;
		p += 4;
		for (i = 0; i < n4; i++)
			p = put_record(p, &v4[i], true);
		put16(put16(set, MW_IPFIX_TEMPLATE_V4), (uint16_t)(p - set));
	}
	if (n6) {
		set = p;
		p += 4;
		for (i = 0; i < n6; i++)
			p = put_record(p, &v6[i], false);
		put16(put16(set, MW_IPFIX_TEMPLATE_V6), (uint16_t)(p - set));
	}
	put16(buf, 10);
	put16(buf + 2, (uint16_t)(p - buf));
	put32(buf + 4, (uint32_t)now);
	put32(buf + 8, seq);
	put32(buf + 12, domain);
	return (size_t)(p - buf);
}

int mw_ipfix_open(struct mw_ipfix *x, const char *endpoint, uint32_t domain)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int err;

	memset(x, 0, sizeof(*x));
	x->fd = -1;
	x->domain = domain;
	if (mw_endpoint_parse(endpoint, &ss, &len))
		return -EINVAL;
	x->fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (x->fd < 0)
		return -errno;
	if (connect(x->fd, (struct sockaddr *)&ss, len)) {
		err = -errno;
		close(x->fd);
		x->fd = -1;
		return err;
	}
	return 0;
}

void mw_ipfix_close(struct mw_ipfix *x)
{
	if (x->fd >= 0) {
		mw_ipfix_flush(x, time(NULL));
		close(x->fd);
	}
	x->fd = -1;
}

void mw_ipfix_flush(struct mw_ipfix *x, time_t now)
{
	uint8_t buf[MW_IPFIX_MSG_MAX + 512];
	bool templates = !x->last_templates || now - x->last_templates >= TEMPLATE_REFRESH_S;
	unsigned n = x->n_pending[0] + x->n_pending[1];
	size_t len;

	if (x->fd < 0 || (!n && !templates))
		return;
	len = mw_ipfix_encode(buf, sizeof(buf), x->domain, x->seq, now, templates, x->pending[0],
			      x->n_pending[0], x->pending[1], x->n_pending[1]);
	if (len && send(x->fd, buf, len, 0) == (ssize_t)len) {
		x->messages++;
		x->records += n;
		x->seq += n;
		if (templates)
			x->last_templates = now;
	} else if (!x->send_errors++) {
		pr_warn("cannot send IPFIX to the collector: %s\n", strerror(errno));
	}
	x->n_pending[0] = x->n_pending[1] = 0;
}

void mw_ipfix_add(struct mw_ipfix *x, const struct mw_ipfix_rec *r, time_t now)
{
	int fam = mw_addr_is_v4(&r->src) ? 0 : 1;
	/* both sets full and the templates still fit a 1400-byte message */
	unsigned cap = fam ? 6 : 10;

	if (x->fd < 0)
		return;
	if (x->n_pending[fam] >= cap)
		mw_ipfix_flush(x, now);
	x->pending[fam][x->n_pending[fam]++] = *r;
}
