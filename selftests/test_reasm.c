// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_reasm.c - the agent's reassembly of payload copies (detect/reasm.c):
 * a ClientHello over several copies, its SNI anywhere in 2 KiB; a Stratum
 * line sent a few bytes at a time; memory bounded under a flood of
 * ClientHellos never finished. Built with ASan and UBSan.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "detect/bpatterns.h"
#include "detect/reasm.h"
#include "parse/ja4.h"
#include "parse/stratum.h"
#include "parse/tls.h"
#include "peek_build.h"
#include "test.h"
#include "tls_build.h"

/* The SNI of the record mw_reasm_tls_record hands back: 0 when found,
 * -EAGAIN while kept, -ENOENT when read without one, -EINVAL for a copy of
 * no record (as the agent's tls_hello reads it). */
static int reasm_sni(struct mw_reasm *r, const struct mw_event_peek *ev, uint64_t now_ns, char *sni)
{
	const uint8_t *rec;
	size_t len;
	int err = mw_reasm_tls_record(r, ev, now_ns, &rec, &len);

	if (err)
		return err;
	return mw_tls_sni(rec, len, sni) ? -ENOENT : 0;
}

static void t_tls_split(void *arg)
{
	static const char name[] = "pool.minexmr.example";
	static uint8_t hello[4096];
	struct mw_reasm r = { 0 };
	struct mw_event_peek ev;
	char sni[MW_NAME_MAX];
	size_t n, off;

	if (!ASSERT_EQ(mw_reasm_init(&r, &(struct mw_reasm_cfg){ .max = 8 }), 0, "init"))
		return;
	/* the SNI at byte 400 and more, past a 256-byte copy */
	n = tls_hello(hello, name, 300, 0);
	ASSERT_TRUE(n > 400, "a ClientHello of more than 400 bytes");
	ASSERT_EQ(mw_tls_sni(hello, 256, sni), -EAGAIN, "a 256-byte copy holds no SNI");
	ASSERT_EQ(mw_tls_sni(hello, n, sni), 0, "the whole holds it");
	ASSERT_STREQ(sni, name, "the SNI");

	/* the first segment, then the second: found once complete */
	ev = host_peek(hello, 200, 7000, false);
	ASSERT_EQ(reasm_sni(&r, &ev, 1, sni), -EAGAIN, "first segment: kept");
	ASSERT_EQ(mw_reasm_pending(&r), 1, "one record pending");
	ev = host_peek(hello, 100, 7000, true);
	ASSERT_EQ(reasm_sni(&r, &ev, 2, sni), -EAGAIN, "a retransmission: nothing new");
	ev = host_peek(hello + 300, n - 300, 7300, true);
	ASSERT_EQ(reasm_sni(&r, &ev, 3, sni), -EINVAL, "a copy past a gap: dropped");
	ASSERT_EQ(r.gaps, 1, "gap counted");
	ev = host_peek(hello + 150, n - 150, 7150, true);
	ASSERT_EQ(reasm_sni(&r, &ev, 4, sni), 0, "the rest, overlapping: SNI found");
	ASSERT_STREQ(sni, name, "the reassembled SNI");
	ASSERT_EQ(mw_reasm_pending(&r), 0, "slot freed");
	ev = host_peek(hello + 300, n - 300, 7300, true);
	ASSERT_EQ(reasm_sni(&r, &ev, 5, sni), -EINVAL, "a late copy: no record any more");

	/* the first record ends before the SNI: a ClientHello over two
	 * records, and over two segments */
	n = tls_hello(hello, name, 280, 100);
	ASSERT_EQ(mw_tls_sni(hello, n, sni), 0, "over two records: found");
	ASSERT_STREQ(sni, name, "over two records: the SNI");
	ev = host_peek(hello, 110, 1, false);
	ASSERT_EQ(reasm_sni(&r, &ev, 6, sni), -EAGAIN, "two records: first segment kept");
	ev = host_peek(hello + 110, n - 110, 111, true);
	ASSERT_EQ(reasm_sni(&r, &ev, 7, sni), 0, "two records, two segments: found");

	/* in MW_PEEK_MAX chunks, as the datapath copies a large segment */
	n = tls_hello(hello, name, 1400, 0);
	for (off = 0; off < n; off += MW_PEEK_MAX) {
		int want = off + MW_PEEK_MAX >= n ? 0 : -EAGAIN;

		ev = host_peek(hello + off, n - off, 5000 + (uint32_t)off, off > 0);
		ASSERT_EQ(reasm_sni(&r, &ev, 8, sni), want, "chunk of a 1.5 KiB ClientHello");
	}
	ASSERT_STREQ(sni, name, "SNI past 1400 bytes");

	/* past MW_TLS_REASM_MAX: read up to it, then given up */
	n = tls_hello(hello, name, 2100, 0);
	for (off = 0; off < MW_TLS_REASM_MAX; off += MW_PEEK_MAX) {
		ev = host_peek(hello + off, n - off, 9000 + (uint32_t)off, off > 0);
		ASSERT_EQ(reasm_sni(&r, &ev, 9, sni),
			  off + MW_PEEK_MAX < MW_TLS_REASM_MAX ? -EAGAIN : -ENOENT,
			  "SNI past 2 KiB: given up at 2 KiB");
	}
	ASSERT_EQ(mw_reasm_pending(&r), 0, "nothing kept past 2 KiB");

	/* a piece of a ClientHello whose start is gone: its SNI found by scan */
	n = tls_hello(hello, name, 300, 0);
	ASSERT_EQ(mw_tls_sni_scan(hello + 200, n - 200, sni), 0, "scan: the SNI in a piece");
	ASSERT_STREQ(sni, name, "scan: the name");
	ASSERT_EQ(mw_tls_sni_scan(hello + n - strlen(name) - 5, strlen(name) + 5, sni), 0,
		  "scan: a piece cut 5 bytes before the name");
	ASSERT_EQ(mw_tls_sni_scan(hello + n - strlen(name) - 4, strlen(name) + 4, sni), -ENOENT,
		  "scan: 4 bytes before it, none (the weakness an eviction leaves)");
	ASSERT_EQ(mw_tls_sni_scan(hello, n - strlen(name) + 3, sni), -ENOENT,
		  "scan: a name cut short is none");
	{
		uint8_t junk[2048];
		size_t i, found = 0;

		srand(5);
		for (i = 0; i < 2000; i++) {
			size_t j;

			for (j = 0; j < sizeof(junk); j++)
				junk[j] = (uint8_t)(rand() % 4 ? 0 : rand());
			found += !mw_tls_sni_scan(junk, sizeof(junk), sni);
		}
		ASSERT_EQ(found, 0, "scan: no name in 2000 x 2 KiB of random, mostly zero, bytes");
	}

	/* only the host's own ClientHello on a flow it opened gets a slot */
	n = tls_hello(hello, name, 300, 0);
	ev = host_peek(hello, 200, 1, false);
	ev.host_opened = 0;
	ASSERT_EQ(reasm_sni(&r, &ev, 10, sni), -ENOENT, "a remote's flow: no slot");
	ev = host_peek(hello, 200, 1, false);
	ev.hdr.dir = MW_DIR_IN;
	ASSERT_EQ(reasm_sni(&r, &ev, 10, sni), -ENOENT, "inbound: no slot");
	ASSERT_EQ(mw_reasm_pending(&r), 0, "none taken");

	/* a flow that ends: its record goes after the linger, not before */
	ev = host_peek(hello, 200, 1, false);
	reasm_sni(&r, &ev, 100, sni);
	mw_reasm_forget(&r, &ev.key, 200);
	mw_reasm_expire(&r, 200 + MW_REASM_LINGER_NS / 2);
	ASSERT_EQ(mw_reasm_pending(&r), 1, "kept while the copies before the end may come");
	mw_reasm_expire(&r, 201 + MW_REASM_LINGER_NS);
	ASSERT_EQ(mw_reasm_pending(&r), 0, "then dropped");
	mw_reasm_free(&r);
}

/* The whole record, for JA4: a ClientHello split over segments is handed
 * back once, every byte of it, and its JA4 is the one of the record sent
 * in one piece; the flood, gap and linger rules are the first tests'. */
static void t_tls_record(void *arg)
{
	static const char name[] = "pool.minexmr.example";
	static uint8_t hello[4096];
	char whole_ja4[MW_JA4_LEN], ja4[MW_JA4_LEN];
	struct mw_reasm r = { 0 };
	struct mw_event_peek ev;
	const uint8_t *rec = NULL;
	size_t n, len = 0, off;

	if (!ASSERT_EQ(mw_reasm_init(&r, &(struct mw_reasm_cfg){ .max = 8 }), 0, "init"))
		return;
	/* one record in one copy: handed back at once, nothing kept */
	n = tls_hello(hello, name, 100, 0);
	ASSERT_EQ(mw_ja4(hello, n, whole_ja4), 0, "the JA4 of the record in one piece");
	ev = host_peek(hello, n, 1, false);
	ASSERT_EQ(mw_reasm_tls_record(&r, &ev, 1, &rec, &len), 0, "whole in its first copy");
	ASSERT_TRUE(len == n && !memcmp(rec, hello, n), "the record as sent");
	ASSERT_EQ(mw_reasm_pending(&r), 0, "nothing kept");

	/* the SNI in the first segment: an SNI reader would stop there; the
	 * record is handed back only once its last byte came */
	n = tls_hello(hello, name, 700, 0);
	ASSERT_EQ(mw_ja4(hello, n, whole_ja4), 0, "a 900-byte record's JA4");
	ev = host_peek(hello, 300, 40, false);
	ASSERT_EQ(mw_reasm_tls_record(&r, &ev, 2, &rec, &len), -EAGAIN, "first segment: kept");
	ev = host_peek(hello + 300, 200, 340, true);
	ASSERT_EQ(mw_reasm_tls_record(&r, &ev, 3, &rec, &len), -EAGAIN, "second: not yet whole");
	ev = host_peek(hello + 700, 100, 740, true);
	ASSERT_EQ(mw_reasm_tls_record(&r, &ev, 4, &rec, &len), -EINVAL, "past a gap: dropped");
	ev = host_peek(hello + 450, n - 450, 490, true);
	ASSERT_EQ(mw_reasm_tls_record(&r, &ev, 5, &rec, &len), 0, "the rest, overlapping: whole");
	ASSERT_TRUE(len == n && !memcmp(rec, hello, n), "every byte, in order");
	ASSERT_EQ(mw_ja4(rec, len, ja4), 0, "its JA4");
	ASSERT_STREQ(ja4, whole_ja4, "the same JA4 as in one piece");
	ASSERT_EQ(mw_reasm_pending(&r), 0, "slot freed");
	ev = host_peek(hello + 450, n - 450, 490, true);
	ASSERT_EQ(mw_reasm_tls_record(&r, &ev, 6, &rec, &len), -EINVAL, "a late copy: none");

	/* MW_PEEK_MAX chunks of one large segment */
	n = tls_hello(hello, name, 1500, 0);
	ASSERT_EQ(mw_ja4(hello, n, whole_ja4), 0, "a 1.7 KiB record's JA4");
	for (off = 0; off < n; off += MW_PEEK_MAX) {
		ev = host_peek(hello + off, n - off, 5000 + (uint32_t)off, off > 0);
		ev.orig_len = (uint16_t)(n - off);
		ASSERT_EQ(mw_reasm_tls_record(&r, &ev, 7, &rec, &len),
			  off + MW_PEEK_MAX >= n ? 0 : -EAGAIN, "chunk of a 1.7 KiB ClientHello");
	}
	ASSERT_TRUE(len == n && !mw_ja4(rec, len, ja4) && !strcmp(ja4, whole_ja4),
		    "chunks: the same JA4");

	/* over two records, in two segments: both records handed back */
	n = tls_hello(hello, name, 280, 100);
	ev = host_peek(hello, 110, 1, false);
	ASSERT_EQ(mw_reasm_tls_record(&r, &ev, 8, &rec, &len), -EAGAIN, "two records: kept");
	ev = host_peek(hello + 110, n - 110, 111, true);
	ASSERT_EQ(mw_reasm_tls_record(&r, &ev, 9, &rec, &len), 0, "two records: whole");
	ASSERT_EQ(len, n, "both records");
	ASSERT_EQ(mw_ja4(rec, len, ja4), 0, "two records: a JA4, of the message joined");
	n = tls_hello(hello, name, 280, 0);
	ASSERT_EQ(mw_ja4(hello, n, whole_ja4), 0, "the same ClientHello in one record");
	ASSERT_STREQ(ja4, whole_ja4, "fragmenting the hello changes no JA4");

	/* a record 2040 bytes long: the next header would begin past the
	 * cap, so what is held at the cap is all there will be */
	memset(hello, 0, sizeof(hello));
	memcpy(hello, "\x16\x03\x01\x07\xf8\x01\x00\x0b\xb8", 9);
	for (off = 0; off < MW_TLS_REASM_MAX; off += MW_PEEK_MAX) {
		ev = host_peek(hello + off, MW_PEEK_MAX, 30000 + (uint32_t)off, off > 0);
		ASSERT_EQ(mw_reasm_tls_record(&r, &ev, 10, &rec, &len),
			  off + MW_PEEK_MAX < MW_TLS_REASM_MAX ? -EAGAIN : 0,
			  "a header past the cap: handed back at the cap, never stuck");
	}
	ASSERT_EQ(len, MW_TLS_REASM_MAX, "at the cap");

	/* three bytes that may start one, then no ClientHello: what was held
	 * is handed back with -ENOENT (the caller reads it for an SNI) */
	n = tls_hello(hello, name, 300, 0);
	hello[5] = 2;
	ev = host_peek(hello, 3, 40000, false);
	ASSERT_EQ(mw_reasm_tls_record(&r, &ev, 10, &rec, &len), -EAGAIN, "three bytes: kept");
	ev = host_peek(hello + 3, 100, 40003, true);
	rec = NULL, len = 0;
	ASSERT_EQ(mw_reasm_tls_record(&r, &ev, 10, &rec, &len), -ENOENT, "then a ServerHello");
	ASSERT_TRUE(rec != NULL && len == 103, "what was held, handed back");

	/* past MW_TLS_REASM_MAX: handed back at the cap (JA4 then fails) */
	n = tls_hello(hello, name, 2100, 0);
	for (off = 0; off < MW_TLS_REASM_MAX; off += MW_PEEK_MAX) {
		ev = host_peek(hello + off, n - off, 9000 + (uint32_t)off, off > 0);
		ASSERT_EQ(mw_reasm_tls_record(&r, &ev, 10, &rec, &len),
			  off + MW_PEEK_MAX < MW_TLS_REASM_MAX ? -EAGAIN : 0, "a 2.2 KiB record");
	}
	ASSERT_EQ(len, MW_TLS_REASM_MAX, "cut at the cap");
	ASSERT_EQ(mw_ja4(rec, len, ja4), -EINVAL, "no JA4 of a record cut short");

	/* not the host's, or not a ClientHello: nothing kept, the copy given */
	n = tls_hello(hello, name, 300, 0);
	ev = host_peek(hello, 200, 1, false);
	ev.host_opened = 0;
	ASSERT_EQ(mw_reasm_tls_record(&r, &ev, 11, &rec, &len), -ENOENT, "a remote's flow");
	ASSERT_TRUE(rec == ev.data && len == 200, "its copy, for its SNI");
	hello[5] = 2; /* a ServerHello */
	ev = host_peek(hello, 200, 1, false);
	ASSERT_EQ(mw_reasm_tls_record(&r, &ev, 11, &rec, &len), -ENOENT, "not a ClientHello");
	ASSERT_EQ(mw_reasm_pending(&r), 0, "none taken");
	ASSERT_EQ(r.gaps, 1, "the gap counted");
	mw_reasm_free(&r);
}

/* Stratum sent a few bytes at a time, as the datapath copies it on the
 * host's flow: put back together, then read; what ends its line in its
 * first segment is not kept. */
static void t_json_split(void *arg)
{
	static const char login[] =
		"{\"id\":1,\"jsonrpc\":\"2.0\",\"method\":\"login\",\"params\":{\"login\":\"4x\",\"pass\":\"x\",\"agent\":\"XMRig/6.21.0\"}}\n";
	struct mw_reasm r = { 0 };
	struct mw_event_peek ev, whole;
	struct mw_bp_decision d;
	struct mw_stratum m;
	size_t n = strlen(login), off;

	if (!ASSERT_EQ(mw_reasm_init(&r, &(struct mw_reasm_cfg){ .max = 8 }), 0, "init"))
		return;
	/* one byte, then the rest */
	ev = host_peek(login, 1, 500, false);
	ASSERT_EQ(mw_bpatterns_judge_peek(&ev, NULL, &m, &d), 0, "'{' alone: nothing to read");
	ASSERT_EQ(mw_reasm_json(&r, &ev, 1, &whole), -EAGAIN, "'{' alone: kept");
	ev = host_peek(login + 1, n - 1, 501, true);
	ASSERT_EQ(mw_reasm_json(&r, &ev, 2, &whole), 0, "the rest: a whole line");
	ASSERT_TRUE(whole.len == n && !memcmp(whole.data, login, n) && !whole.cont &&
			    whole.seq == 500,
		    "the line as sent");
	ASSERT_EQ(mw_bpatterns_judge_peek(&whole, NULL, &m, &d), 1, "read whole: Stratum");
	ASSERT_STREQ(m.method, "login", "the login");

	/* ten bytes at a time */
	ev = host_peek(login, 10, 900, false);
	ASSERT_EQ(mw_reasm_json(&r, &ev, 3, &whole), -EAGAIN, "first ten bytes: kept");
	for (off = 10; off < n; off += 10) {
		size_t len = n - off < 10 ? n - off : 10;

		ev = host_peek(login + off, len, 900 + (uint32_t)off, true);
		ASSERT_EQ(mw_reasm_json(&r, &ev, 4, &whole), off + len < n ? -EAGAIN : 0,
			  "ten more bytes");
	}
	ASSERT_EQ(mw_bpatterns_judge_peek(&whole, NULL, &m, &d), 1, "ten bytes at a time: Stratum");

	/* a whole line, a copy cut by the datapath, a remote's flow: no slot */
	ev = host_peek(login, n, 1, false);
	ASSERT_EQ(mw_reasm_json(&r, &ev, 5, &whole), -ENOENT, "a whole line: not kept");
	ev = host_peek(login, 40, 1, false);
	ev.orig_len = 600;
	ASSERT_EQ(mw_reasm_json(&r, &ev, 5, &whole), -ENOENT, "a long segment: not kept");
	ev = host_peek(login, 40, 1, false);
	ev.host_opened = 0;
	ASSERT_EQ(mw_reasm_json(&r, &ev, 5, &whole), -ENOENT, "a remote's flow: not kept");
	ASSERT_EQ(mw_reasm_pending(&r), 0, "nothing pending");
	mw_reasm_free(&r);
}

/* Many flows start a ClientHello and never finish it: memory stays
 * bounded, the oldest go first (counted), and a ClientHello that comes
 * after the flood is still read. */
static void t_tls_flood(void *arg)
{
	static const char name[] = "pool.minexmr.example";
	static uint8_t hello[4096];
	struct mw_reasm r = { 0 };
	struct mw_event_peek ev;
	char sni[MW_NAME_MAX];
	unsigned i, flood = 20000;
	size_t n = tls_hello(hello, name, 600, 0);

	if (!ASSERT_EQ(mw_reasm_init(&r, NULL), 0, "init"))
		return;
	for (i = 0; i < flood; i++) {
		ev = host_peek(hello, 100, i, false);
		ev.key.local_port = htons((uint16_t)(1024 + i % 60000));
		memcpy(ev.key.remote_addr, &i, sizeof(i));
		reasm_sni(&r, &ev, 1000 + i, sni);
	}
	ASSERT_EQ(mw_reasm_pending(&r), MW_REASM_FLOWS, "bounded: the table's size");
	ASSERT_EQ(r.evicted, flood - MW_REASM_FLOWS, "every one past it took the oldest");
	ASSERT_EQ(r.started, flood, "all started");

	/* the real ClientHello, then more of the flood (fewer than the table
	 * holds) before its second segment */
	ev = host_peek(hello, 300, 77, false);
	ev.key.local_port = htons(7);
	ASSERT_EQ(reasm_sni(&r, &ev, 1000 + flood, sni), -EAGAIN, "real: first segment");
	for (i = 0; i < MW_REASM_FLOWS - 1; i++) {
		struct mw_event_peek f = host_peek(hello, 100, i, false);
		unsigned id = flood + i;

		memcpy(f.key.remote_addr, &id, sizeof(id));
		reasm_sni(&r, &f, 2000 + flood + i, sni);
	}
	ev = host_peek(hello + 300, n - 300, 377, true);
	ev.key.local_port = htons(7);
	ASSERT_EQ(reasm_sni(&r, &ev, 3000 + flood, sni), 0, "real: read despite the flood");
	ASSERT_STREQ(sni, name, "real: its SNI");
	mw_reasm_expire(&r, 4000 + flood + MW_REASM_TTL_NS);
	ASSERT_EQ(mw_reasm_pending(&r), 0, "the unfinished ones time out");
	ASSERT_TRUE(r.expired >= MW_REASM_FLOWS - 1, "counted");
	mw_reasm_free(&r);
}

int main(int argc, char **argv)
{
	if (argc > 1)
		test_filter = argv[1];
	test_run("tls: a ClientHello reassembled, SNI anywhere in 2 KiB", t_tls_split, NULL);
	test_run("tls: a ClientHello's whole record, over segments, for JA4", t_tls_record, NULL);
	test_run("tls: reassembly bounded under unfinished ClientHellos", t_tls_flood, NULL);
	test_run("stratum: a line sent a few bytes at a time, reassembled", t_json_split, NULL);
	return test_summary("reasm");
}
