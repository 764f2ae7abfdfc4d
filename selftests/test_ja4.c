// SPDX-License-Identifier: GPL-2.0-only
/* test_ja4.c - the JA4 client fingerprint (parse/ja4.c): the ClientHellos
 * of four real clients captured here, with the values FoxIO's own ja4.py
 * computes from the same capture; the spec's worked example rebuilt as a
 * record (GREASE and all); the spec's ALPN and empty-list rules; and
 * -EINVAL, never a read past the copy, on every cut or broken record.
 * Built with ASan and UBSan. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "data.h"
#include "parse/ja4.h"
#include "test.h"

/* parse/ja4.c's hash, for the FIPS 180-4 vectors */
void mw_ja4_sha256(const void *data, size_t n, uint8_t out[32]);

static void t_sha256(void *arg)
{
	static const struct {
		const char *in, *hex;
	} v[] = {
		{ "", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" },
		{ "abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" },
		{ "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
		  "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1" },
		/* the spec's cipher and extension strings (JA4.md) */
		{ "002f,0035,009c,009d,1301,1302,1303,c013,c014,c02b,c02c,c02f,c030,cca8,cca9",
		  "8daaf6152771" },
		{ "0005,000a,000b,000d,0012,0015,0017,001b,0023,002b,002d,0033,4469,ff01",
		  "6d807ffa2a79" },
	};
	char hex[65];
	uint8_t d[32];
	unsigned i, j;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		mw_ja4_sha256(v[i].in, strlen(v[i].in), d);
		for (j = 0; j < 32; j++)
			snprintf(hex + 2 * j, 3, "%02x", d[j]);
		hex[strlen(v[i].hex)] = '\0';
		ASSERT_STREQ(hex, v[i].hex, v[i].in);
	}
}

/* The real clients' ClientHellos (pcaps/local/ja4-clients.pcap, one per
 * TCP stream) and the JA4 that FoxIO's python/ja4.py gives for each. */
static void t_ja4_real(void *arg)
{
	static const char *const want[] = {
		"t13i310900_e8f1e7e78f70_1f22a2ca17c4", /* openssl s_client -noservername */
		"t13d3111h2_e8f1e7e78f70_1f22a2ca17c4", /* s_client -servername -alpn h2,http/1.1 */
		"t13d3112h2_e8f1e7e78f70_b26ce05bbdd6", /* curl 7.88.1 */
		"t13i181000_85036bcba153_d41ae481755e", /* Python 3 ssl, no SNI, no ALPN */
	};
	static char line[65536];
	static uint8_t hello[16384 + 5];
	FILE *f = test_tshark("local/ja4-clients.pcap", "tls.handshake.type==1",
			      "-e tcp.stream -e tcp.payload");
	char ja4[MW_JA4_LEN];
	unsigned seen = 0, stream, bad;
	size_t n, cut;

	if (!ASSERT_TRUE(f != NULL, "tshark runs"))
		return;
	while (fgets(line, sizeof(line), f)) {
		char *num = strtok(line, "|"), *hex = strtok(NULL, "|\n");

		if (!num || !hex || sscanf(num, "%u", &stream) != 1 || stream >= 4)
			continue;
		n = test_unhex(hex, hello, sizeof(hello));
		seen++;
		ASSERT_EQ(mw_ja4(hello, n, ja4), 0, "a ClientHello");
		ASSERT_STREQ(ja4, want[stream], "JA4 as FoxIO's ja4.py gives it");
		/* a cut copy is not a whole ClientHello */
		for (bad = 0, cut = 0; cut < n; cut++)
			bad += mw_ja4(hello, cut, ja4) != -EINVAL;
		ASSERT_EQ(bad, 0, "every cut copy: -EINVAL");
		/* the same message over two records (RFC 8446 5.1): the same JA4 */
		if (n > 60 && n + 5 <= sizeof(hello)) {
			size_t first = (n - 5) / 2;
			char split_ja4[MW_JA4_LEN];

			memmove(hello + 5 + first + 5, hello + 5 + first, n - 5 - first);
			memcpy(hello + 5 + first, hello, 3);
			hello[5 + first + 3] = (uint8_t)((n - 5 - first) >> 8);
			hello[5 + first + 4] = (uint8_t)(n - 5 - first);
			hello[3] = (uint8_t)(first >> 8);
			hello[4] = (uint8_t)first;
			ASSERT_EQ(mw_ja4(hello, n + 5, split_ja4), 0, "over two records");
			ASSERT_STREQ(split_ja4, want[stream], "fragmenting changes no JA4");
		}
	}
	pclose(f);
	ASSERT_EQ(seen, 4, "four ClientHellos in the capture");
}

/* ---- ClientHellos built here ---- */

struct ext {
	uint16_t type;
	const uint8_t *body;
	size_t len;
};

static size_t put16(uint8_t *p, size_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
	return 2;
}

/* A ClientHello record (legacy_version 0x0303, 32-byte session id). */
static size_t build(uint8_t *b, const uint16_t *ciphers, size_t nc, const struct ext *ext,
		    size_t ne)
{
	size_t off = 9, i, ext_len;

	b[0] = 0x16, b[1] = 3, b[2] = 1, b[5] = 1;
	off += put16(b + off, 0x0303);
	memset(b + off, 0x11, 32); /* random */
	off += 32;
	b[off++] = 32;
	memset(b + off, 0x22, 32); /* session id */
	off += 32;
	off += put16(b + off, 2 * nc);
	for (i = 0; i < nc; i++)
		off += put16(b + off, ciphers[i]);
	b[off++] = 1, b[off++] = 0; /* null compression */
	if (ne) {
		ext_len = off;
		off += 2;
		for (i = 0; i < ne; i++) {
			off += put16(b + off, ext[i].type);
			off += put16(b + off, ext[i].len);
			if (ext[i].len)
				memcpy(b + off, ext[i].body, ext[i].len);
			off += ext[i].len;
		}
		put16(b + ext_len, off - ext_len - 2);
	}
	put16(b + 3, off - 5);
	b[6] = 0, put16(b + 7, off - 9);
	return off;
}

/* The spec's example (JA4.md, "Example"): a Chrome hello with GREASE in
 * the ciphers, extensions and supported_versions. */
static const uint16_t spec_ciphers[] = { 0x5a5a, 0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f,
					 0xc02c, 0xc030, 0xcca9, 0xcca8, 0xc013, 0xc014,
					 0x009c, 0x009d, 0x002f, 0x0035 };
static const uint8_t sni[] = { 0,   14,	 0,   0,   11,	'e', 'x', 'a',
			       'm', 'p', 'l', 'e', '.', 'c', 'o', 'm' };
static const uint8_t alpn[] = { 0, 12, 2, 'h', '2', 8, 'h', 't', 't', 'p', '/', '1', '.', '1' };
static const uint8_t versions[] = { 6, 0x3a, 0x3a, 3, 4, 3, 3 };
static const uint8_t sigs[] = { 0, 16, 4, 3, 8, 4, 4, 1, 5, 3, 8, 5, 5, 1, 8, 6, 6, 1 };
static const uint8_t groups[] = { 0, 4, 0x4a, 0x4a, 0, 0x1d };

static size_t spec_exts(struct ext *e, const uint8_t *alpn_body, size_t alpn_len)
{
	static const uint16_t order[] = { 0x2a2a, 0x001b, 0x0000, 0x0033, 0x0010, 0x4469,
					  0x0017, 0x002d, 0x000d, 0x0005, 0x0023, 0x0012,
					  0x002b, 0xff01, 0x000b, 0x000a, 0x0015, 0xfafa };
	size_t i;

	for (i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		e[i] = (struct ext){ order[i], NULL, 0 };
		if (order[i] == 0x0000)
			e[i].body = sni, e[i].len = sizeof(sni);
		else if (order[i] == 0x0010)
			e[i].body = alpn_body, e[i].len = alpn_len;
		else if (order[i] == 0x002b)
			e[i].body = versions, e[i].len = sizeof(versions);
		else if (order[i] == 0x000d)
			e[i].body = sigs, e[i].len = sizeof(sigs);
		else if (order[i] == 0x000a)
			e[i].body = groups, e[i].len = sizeof(groups);
	}
	return i;
}

static void t_ja4_spec(void *arg)
{
	static const struct {
		uint8_t body[8];
		size_t len;
		const char *two; /* JA4.md's ALPN examples */
	} a[] = {
		{ { 0, 3, 2, 'h', '2' }, 5, "h2" },
		{ { 0, 2, 1, 0xab }, 4, "ab" },
		{ { 0, 2, 1, 0x20 }, 4, "20" },
		{ { 0, 3, 2, 0xab, 0xcd }, 5, "ad" },
		{ { 0, 3, 2, 0x20, 0x61 }, 5, "21" },
		{ { 0, 3, 2, 0x61, 0x20 }, 5, "60" },
		{ { 0, 5, 4, 0x30, 0x31, 0xab, 0xcd }, 7, "3d" },
		{ { 0, 5, 4, 0x30, 0xab, 0xcd, 0x31 }, 7, "01" },
		{ { 0, 2, 1, 'x' }, 4, "xx" },
		{ { 0, 1, 0 }, 3, "00" }, /* an empty first value */
		{ { 0, 0 }, 2, "00" }, /* no values */
	};
	static uint8_t b[4096];
	struct ext e[32];
	char ja4[MW_JA4_LEN], want[MW_JA4_LEN];
	size_t n, i;

	n = build(b, spec_ciphers, 16, e, spec_exts(e, alpn, sizeof(alpn)));
	ASSERT_EQ(mw_ja4(b, n, ja4), 0, "spec example");
	ASSERT_STREQ(ja4, "t13d1516h2_8daaf6152771_e5627efa2ab1", "the spec's JA4");
	for (i = 0; i < sizeof(a) / sizeof(a[0]); i++) {
		n = build(b, spec_ciphers, 16, e, spec_exts(e, a[i].body, a[i].len));
		snprintf(want, sizeof(want), "t13d1516%s_8daaf6152771_e5627efa2ab1", a[i].two);
		ASSERT_EQ(mw_ja4(b, n, ja4), 0, "ALPN example");
		ASSERT_STREQ(ja4, want, "ALPN rule");
	}
	/* no extensions: TLS 1.2 from the legacy version, an all-zero hash */
	n = build(b, spec_ciphers, 16, NULL, 0);
	ASSERT_EQ(mw_ja4(b, n, ja4), 0, "no extensions");
	ASSERT_STREQ(ja4, "t12i150000_8daaf6152771_000000000000", "empty extension list");
	/* only GREASE ciphers: none counted, an all-zero hash */
	n = build(b, spec_ciphers, 1, NULL, 0);
	ASSERT_EQ(mw_ja4(b, n, ja4), 0, "no ciphers");
	ASSERT_STREQ(ja4, "t12i000000_000000000000_000000000000", "empty cipher list");
}

/* Broken lengths anywhere: -EINVAL (or a value), never a read past the
 * record (ASan watches); a record that says it is longer: -EINVAL. */
static void t_ja4_malformed(void *arg)
{
	static uint8_t b[4096], c[4096];
	struct ext e[32];
	char ja4[MW_JA4_LEN];
	size_t n, i;
	int r;

	n = build(b, spec_ciphers, 16, e, spec_exts(e, alpn, sizeof(alpn)));
	for (i = 0; i < n; i++) {
		unsigned v;

		for (v = 0; v < 256; v += 17) {
			memcpy(c, b, n);
			c[i] ^= (uint8_t)(v | 1);
			r = mw_ja4(c, n, ja4);
			if (r != 0 && !ASSERT_EQ(r, -EINVAL, "broken byte"))
				return;
		}
	}
	ASSERT_EQ(mw_ja4(b, n - 1, ja4), -EINVAL, "record cut by one");
	memcpy(c, b, n);
	c[0] = 0x17;
	ASSERT_EQ(mw_ja4(c, n, ja4), -EINVAL, "application data");
	memcpy(c, b, n);
	c[5] = 2;
	ASSERT_EQ(mw_ja4(c, n, ja4), -EINVAL, "a ServerHello");
	memcpy(c, b, n);
	c[8]++; /* the handshake says one byte more than the record holds */
	ASSERT_EQ(mw_ja4(c, n, ja4), -EINVAL, "handshake longer than its record");
	ASSERT_EQ(mw_ja4(b, 0, ja4), -EINVAL, "nothing");
}

int main(int argc, char **argv)
{
	if (argc > 1)
		test_filter = argv[1];
	test_run("ja4: sha-256 vectors", t_sha256, NULL);
	test_run("ja4: real clients as FoxIO's ja4.py", t_ja4_real, NULL);
	test_run("ja4: the spec's example and rules", t_ja4_spec, NULL);
	test_run("ja4: broken records", t_ja4_malformed, NULL);
	return test_summary("ja4");
}
