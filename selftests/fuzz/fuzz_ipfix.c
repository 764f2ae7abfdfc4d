// SPDX-License-Identifier: GPL-2.0-only
/*
 * fuzz_ipfix.c - IPFIX encoding round trip: records made from the fuzzer's
 * bytes are encoded into one message, which is read back by a decoder that
 * knows only RFC 7011 (it learns the record layout from the message's own
 * templates); every field must come back as it went in, and the lengths in
 * the header and the sets must add up.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "output/ipfix.h"

#define MAX_RECS 24
#define MAX_FIELDS 32

struct tmpl {
	uint16_t id, n;
	uint16_t ie[MAX_FIELDS], len[MAX_FIELDS];
	uint32_t pen[MAX_FIELDS];
};

static uint64_t get(const uint8_t *p, unsigned len)
{
	uint64_t v = 0;

	while (len--)
		v = v << 8 | *p++;
	return v;
}

#define CHECK(c)                                                                     \
	do {                                                                         \
		if (!(c)) {                                                          \
			fprintf(stderr, "fuzz_ipfix: %s (line %d)\n", #c, __LINE__); \
			abort();                                                     \
		}                                                                    \
	} while (0)

/* Reads one data record with template @t into @r. */
static void decode_record(const struct tmpl *t, const uint8_t *p, struct mw_ipfix_rec *r)
{
	unsigned i;

	memset(r, 0, sizeof(*r));
	for (i = 0; i < t->n; i++) {
		unsigned len = t->len[i];

		if (t->pen[i]) {
			CHECK(t->pen[i] == MW_IPFIX_PEN && t->ie[i] == 1 &&
			      len == MW_IPFIX_METHOD_LEN);
			memcpy(r->method, p, len);
		} else {
			switch (t->ie[i]) {
			case 8: /* sourceIPv4Address */
			case 12:
				CHECK(len == 4);
				{
					struct mw_addr *a = t->ie[i] == 8 ? &r->src : &r->dst;

					a->addr[10] = a->addr[11] = 0xff;
					memcpy(a->addr + 12, p, 4);
				}
				break;
			case 27: /* sourceIPv6Address */
				CHECK(len == 16);
				memcpy(r->src.addr, p, 16);
				break;
			case 28:
				CHECK(len == 16);
				memcpy(r->dst.addr, p, 16);
				break;
			case 7:
				r->sport = get(p, len);
				break;
			case 11:
				r->dport = get(p, len);
				break;
			case 4:
				r->proto = get(p, len);
				break;
			case 6:
				r->tcp_flags = get(p, len);
				break;
			case 2:
				r->packets = get(p, len);
				break;
			case 1:
				r->octets = get(p, len);
				break;
			case 152:
				r->start_ms = get(p, len);
				break;
			case 153:
				r->end_ms = get(p, len);
				break;
			case 61:
				r->direction = get(p, len);
				break;
			case 136:
				r->end_reason = get(p, len);
				break;
			default:
				CHECK(!"unknown information element");
			}
		}
		p += len;
	}
}

static size_t template_len(const struct tmpl *t)
{
	size_t n = 0;
	unsigned i;

	for (i = 0; i < t->n; i++)
		n += t->len[i];
	return n;
}

/* Decodes @msg; returns the records in @out[0] (IPv4) and @out[1] (IPv6). */
static void decode(const uint8_t *msg, size_t len, struct mw_ipfix_rec out[2][MAX_RECS],
		   unsigned n_out[2])
{
	struct tmpl t[2] = { 0 };
	unsigned nt = 0, i, j;
	size_t off = 16;

	CHECK(len >= 16 && get(msg, 2) == 10 && get(msg + 2, 2) == len);
	while (off < len) {
		unsigned set_id, set_len;
		const uint8_t *p, *end;

		CHECK(off + 4 <= len);
		set_id = get(msg + off, 2);
		set_len = get(msg + off + 2, 2);
		CHECK(set_len >= 4 && off + set_len <= len);
		p = msg + off + 4;
		end = msg + off + set_len;
		if (set_id == 2) {
			while (p < end) {
				struct tmpl *tp;

				CHECK(nt < 2 && p + 4 <= end);
				tp = &t[nt++];
				tp->id = get(p, 2);
				tp->n = get(p + 2, 2);
				CHECK(tp->n <= MAX_FIELDS);
				p += 4;
				for (i = 0; i < tp->n; i++) {
					CHECK(p + 4 <= end);
					tp->ie[i] = get(p, 2) & 0x7fff;
					tp->len[i] = get(p + 2, 2);
					tp->pen[i] = 0;
					if (get(p, 2) & 0x8000) {
						CHECK(p + 8 <= end);
						tp->pen[i] = get(p + 4, 4);
						p += 4;
					}
					p += 4;
				}
			}
		} else {
			const struct tmpl *tp = NULL;
			size_t rl;
			unsigned v;

			for (i = 0; i < nt; i++)
				if (t[i].id == set_id)
					tp = &t[i];
			CHECK(tp != NULL); /* data before its template */
			v = set_id == MW_IPFIX_TEMPLATE_V6;
			rl = template_len(tp);
			CHECK((size_t)(end - p) % rl == 0);
			for (j = 0; p < end; j++, p += rl) {
				CHECK(n_out[v] < MAX_RECS);
				decode_record(tp, p, &out[v][n_out[v]++]);
			}
		}
		off += set_len;
	}
	CHECK(off == len);
}

/* Fills @r from the fuzzer's bytes at *@pos. */
static void take(const uint8_t *data, size_t size, size_t *pos, void *to, size_t n)
{
	size_t k = *pos < size ? size - *pos : 0;

	memset(to, 0, n);
	memcpy(to, data + *pos, k < n ? k : n);
	*pos += n;
}

static void make_record(const uint8_t *data, size_t size, size_t *pos, bool v4,
			struct mw_ipfix_rec *r)
{
	take(data, size, pos, r, sizeof(*r));
	if (v4) {
		memset(r->src.addr, 0, 10);
		memset(r->dst.addr, 0, 10);
		r->src.addr[10] = r->src.addr[11] = r->dst.addr[10] = r->dst.addr[11] = 0xff;
	}
	/* the method is text; what follows its end is not sent */
	r->method[MW_IPFIX_METHOD_LEN - 1] = '\0';
	memset(r->method + strlen(r->method), 0, MW_IPFIX_METHOD_LEN - strlen(r->method));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct mw_ipfix_rec in[2][MAX_RECS], out[2][MAX_RECS];
	unsigned n_in[2], n_out[2] = { 0, 0 }, v, i;
	uint8_t msg[65536];
	size_t pos = 2, len;

	if (size < 2)
		return 0;
	n_in[0] = data[0] % (MAX_RECS + 1);
	n_in[1] = data[1] % (MAX_RECS + 1);
	for (v = 0; v < 2; v++)
		for (i = 0; i < n_in[v]; i++)
			make_record(data, size, &pos, v == 0, &in[v][i]);
	len = mw_ipfix_encode(msg, sizeof(msg), 7, 42, 1700000000, true, in[0], n_in[0], in[1],
			      n_in[1]);
	CHECK(len > 0);
	decode(msg, len, out, n_out);
	for (v = 0; v < 2; v++) {
		CHECK(n_out[v] == n_in[v]);
		for (i = 0; i < n_in[v]; i++)
			CHECK(!memcmp(&in[v][i], &out[v][i], sizeof(in[v][i])));
	}
	return 0;
}
