// SPDX-License-Identifier: GPL-2.0-only
/*
 * ja4.c - JA4 (FoxIO, BSD-3-Clause) of one ClientHello record. Walks the
 * message as parse/tls.c does: every length checked against the one that
 * encloses it and against the copy.
 *
 * SHA-256 is our own below rather than libcrypto's: only 12 hex digits of
 * a hash of public bytes are needed (no secret, no constant time), and the
 * agent then links no crypto library for it; test_ja4 checks it against
 * the FIPS 180-4 vectors.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "minewall.h"
#include "parse/ja4.h"
#include "parse/tls_records.h"

#define TLS_HANDSHAKE 0x16
#define TLS_CLIENT_HELLO 0x01
#define EXT_SNI 0x0000
#define EXT_SIG_ALGS 0x000d
#define EXT_ALPN 0x0010
#define EXT_VERSIONS 0x002b
#define REC_HDR 5
#define HS_HDR 4
#define HASH_HEX 12

/* ---- SHA-256 (FIPS 180-4) ---- */

struct sha256 {
	uint32_t h[8];
	uint8_t buf[64];
	uint64_t len;
};

static const uint32_t K[64] = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4,
	0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe,
	0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f,
	0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
	0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
	0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
	0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116,
	0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
	0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
	0xc67178f2,
};

static uint32_t ror(uint32_t x, unsigned n)
{
	return x >> n | x << (32 - n);
}

static void sha256_block(struct sha256 *s, const uint8_t *p)
{
	uint32_t w[64], v[8], t1, t2;
	unsigned i;

	for (i = 0; i < 16; i++)
		w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
		       (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
	for (; i < 64; i++)
		w[i] = w[i - 16] + (ror(w[i - 15], 7) ^ ror(w[i - 15], 18) ^ w[i - 15] >> 3) +
		       w[i - 7] + (ror(w[i - 2], 17) ^ ror(w[i - 2], 19) ^ w[i - 2] >> 10);
	memcpy(v, s->h, sizeof(v));
	for (i = 0; i < 64; i++) {
		t1 = v[7] + (ror(v[4], 6) ^ ror(v[4], 11) ^ ror(v[4], 25)) +
		     ((v[4] & v[5]) ^ (~v[4] & v[6])) + K[i] + w[i];
		t2 = (ror(v[0], 2) ^ ror(v[0], 13) ^ ror(v[0], 22)) +
		     ((v[0] & v[1]) ^ (v[0] & v[2]) ^ (v[1] & v[2]));
		memmove(v + 1, v, 7 * sizeof(v[0]));
		v[4] += t1;
		v[0] = t1 + t2;
	}
	for (i = 0; i < 8; i++)
		s->h[i] += v[i];
}

static void sha256_init(struct sha256 *s)
{
	static const uint32_t h0[8] = { 0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
					0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19 };

	memcpy(s->h, h0, sizeof(h0));
	s->len = 0;
}

static void sha256_update(struct sha256 *s, const void *data, size_t n)
{
	const uint8_t *p = data;

	while (n--) {
		s->buf[s->len++ % 64] = *p++;
		if (s->len % 64 == 0)
			sha256_block(s, s->buf);
	}
}

static void sha256_final(struct sha256 *s, uint8_t out[32])
{
	uint64_t bits = s->len * 8;
	uint8_t pad = 0x80;
	unsigned i;

	sha256_update(s, &pad, 1);
	pad = 0;
	while (s->len % 64 != 56)
		sha256_update(s, &pad, 1);
	for (i = 0; i < 8; i++) {
		pad = (uint8_t)(bits >> (56 - 8 * i));
		sha256_update(s, &pad, 1);
	}
	for (i = 0; i < 32; i++)
		out[i] = (uint8_t)(s->h[i / 4] >> (24 - 8 * (i % 4)));
}

/* The tests' way in to the hash (not in ja4.h: nothing else needs it). */
void mw_ja4_sha256(const void *data, size_t n, uint8_t out[32]);
void mw_ja4_sha256(const void *data, size_t n, uint8_t out[32])
{
	struct sha256 s;

	sha256_init(&s);
	sha256_update(&s, data, n);
	sha256_final(&s, out);
}

/* ---- the ClientHello ---- */

struct hello {
	uint16_t ciphers[MW_JA4_ITEMS], exts[MW_JA4_ITEMS], sigs[MW_JA4_ITEMS];
	size_t n_ciphers, n_exts, n_sigs;
	uint16_t legacy_version, version; /* version: 0 without supported_versions */
	int sni;
	const uint8_t *alpn; /* the first ALPN value */
	size_t alpn_len;
};

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* GREASE (RFC 8701): 0x0a0a, 0x1a1a ... 0xfafa */
static int grease(uint16_t v)
{
	return (v & 0x0f0f) == 0x0a0a && v >> 8 == (v & 0xff);
}

/* Appends the non-GREASE uint16s of @p[0..@n) (@n even) to @list. */
static int take16(uint16_t *list, size_t *count, const uint8_t *p, size_t n)
{
	size_t i;

	if (n % 2)
		return -EINVAL;
	for (i = 0; i < n; i += 2) {
		if (grease(get16(p + i)))
			continue;
		if (*count == MW_JA4_ITEMS)
			return -EINVAL;
		list[(*count)++] = get16(p + i);
	}
	return 0;
}

/* One extension's body @p[0..@n) of type @type. */
static int read_ext(struct hello *h, uint16_t type, const uint8_t *p, size_t n)
{
	size_t i;

	switch (type) {
	case EXT_SNI:
		h->sni = 1;
		return 0;
	case EXT_SIG_ALGS: /* 2-byte length, then the schemes in the client's order */
		if (n < 2 || 2 + (size_t)get16(p) != n)
			return -EINVAL;
		return take16(h->sigs, &h->n_sigs, p + 2, n - 2);
	case EXT_ALPN: /* 2-byte list length, then 1-byte-length names */
		if (n < 2 || 2 + (size_t)get16(p) != n)
			return -EINVAL;
		if (n > 2) {
			if (3 + (size_t)p[2] > n)
				return -EINVAL;
			h->alpn = p + 3;
			h->alpn_len = p[2];
		}
		return 0;
	case EXT_VERSIONS: /* 1-byte length, then versions */
		if (n < 1 || 1 + (size_t)p[0] != n || p[0] % 2)
			return -EINVAL;
		for (i = 1; i < n; i += 2)
			if (!grease(get16(p + i)) && get16(p + i) > h->version)
				h->version = get16(p + i);
		return 0;
	}
	return 0;
}

/* The ClientHello body @p[0..@n) (after its handshake header). */
static int read_hello(struct hello *h, const uint8_t *p, size_t n)
{
	size_t off = 2 + 32, l, end; /* legacy_version, random */
	int err;

	if (off + 1 > n)
		return -EINVAL;
	h->legacy_version = get16(p);
	off += 1 + p[off]; /* session_id */
	if (off + 2 > n)
		return -EINVAL;
	l = get16(p + off);
	if (off + 2 + l > n)
		return -EINVAL;
	err = take16(h->ciphers, &h->n_ciphers, p + off + 2, l);
	if (err)
		return err;
	off += 2 + l;
	if (off + 1 > n || off + 1 + p[off] > n)
		return -EINVAL;
	off += 1 + p[off]; /* compression_methods */
	if (off == n)
		return 0; /* no extensions at all (allowed before TLS 1.3) */
	if (off + 2 > n || off + 2 + get16(p + off) != n)
		return -EINVAL;
	end = n;
	off += 2;
	while (off < end) {
		uint16_t type;

		if (off + 4 > end)
			return -EINVAL;
		type = get16(p + off);
		l = get16(p + off + 2);
		off += 4;
		if (off + l > end)
			return -EINVAL;
		if (!grease(type)) {
			if (h->n_exts == MW_JA4_ITEMS)
				return -EINVAL;
			h->exts[h->n_exts++] = type;
			err = read_ext(h, type, p + off, l);
			if (err)
				return err;
		}
		off += l;
	}
	return 0;
}

/* ---- the fingerprint ---- */

static int cmp16(const void *a, const void *b)
{
	return (int)*(const uint16_t *)a - (int)*(const uint16_t *)b;
}

static const char *version_str(uint16_t v)
{
	switch (v) {
	case 0x0304:
		return "13";
	case 0x0303:
		return "12";
	case 0x0302:
		return "11";
	case 0x0301:
		return "10";
	case 0x0300:
		return "s3";
	case 0x0002:
		return "s2";
	case 0xfeff:
		return "d1";
	case 0xfefd:
		return "d2";
	case 0xfefc:
		return "d3";
	}
	return "00";
}

static int alnum(uint8_t c)
{
	return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

/* "hex,hex,..." of @list (all of it, or without SNI and ALPN) into @s. */
static void hash_list(struct sha256 *s, const uint16_t *list, size_t n, int skip_sni_alpn)
{
	char item[6];
	int first = 1;
	size_t i;

	for (i = 0; i < n; i++) {
		if (skip_sni_alpn && (list[i] == EXT_SNI || list[i] == EXT_ALPN))
			continue;
		snprintf(item, sizeof(item), "%s%04x", first ? "" : ",", list[i]);
		sha256_update(s, item, strlen(item));
		first = 0;
	}
}

/* The 12 hex digits of @s's hash, or twelve zeros when nothing went in. */
static void hash_hex(struct sha256 *s, char *out)
{
	static const char hex[] = "0123456789abcdef";
	uint8_t d[32];
	unsigned i;

	if (s->len == 0) {
		memset(out, '0', HASH_HEX);
		return;
	}
	sha256_final(s, d);
	for (i = 0; i < HASH_HEX / 2; i++) {
		out[2 * i] = hex[d[i] >> 4];
		out[2 * i + 1] = hex[d[i] & 15];
	}
}

int mw_ja4(const uint8_t *b, size_t len, char out[MW_JA4_LEN])
{
	static const char hex[] = "0123456789abcdef";
	struct hello *h;
	struct sha256 s;
	uint8_t joined[MW_TLS_REASM_MAX];
	const uint8_t *msg;
	size_t rec_end, hs_end, nc, ne, n;
	char alpn[3] = "00";
	int err;

	if (len < REC_HDR + HS_HDR || b[0] != TLS_HANDSHAKE || b[1] != 3 ||
	    b[REC_HDR] != TLS_CLIENT_HELLO)
		return -EINVAL;
	rec_end = REC_HDR + (size_t)get16(b + 3);
	hs_end = REC_HDR + HS_HDR + ((size_t)b[6] << 16 | (size_t)b[7] << 8 | b[8]);
	msg = b + REC_HDR;
	if (hs_end > rec_end) {
		/* a message over several records: joined, or a client
		 * would escape its fingerprint by fragmenting its hello */
		if (mw_tls_join_records(b, len, hs_end - REC_HDR, joined, sizeof(joined), &n) ||
		    n < hs_end - REC_HDR)
			return -EINVAL;
		msg = joined;
	} else if (rec_end > len) {
		return -EINVAL;
	}
	/* 48 KiB of lists: on the heap, not the stack of the agent's thread */
	h = calloc(1, sizeof(*h));
	if (!h)
		return -ENOMEM;
	err = read_hello(h, msg + HS_HDR, hs_end - REC_HDR - HS_HDR);
	if (err)
		goto out;
	if (h->alpn_len) {
		uint8_t f = h->alpn[0], l = h->alpn[h->alpn_len - 1];

		if (alnum(f) && alnum(l)) {
			alpn[0] = (char)f;
			alpn[1] = (char)l;
		} else { /* first and last digits of the value in hex */
			alpn[0] = hex[f >> 4];
			alpn[1] = hex[l & 15];
		}
	}
	nc = h->n_ciphers > 99 ? 99 : h->n_ciphers;
	ne = h->n_exts > 99 ? 99 : h->n_exts;
	snprintf(out, MW_JA4_LEN, "t%s%c%02zu%02zu%s_",
		 version_str(h->version ? h->version : h->legacy_version), h->sni ? 'd' : 'i', nc,
		 ne, alpn);
	qsort(h->ciphers, h->n_ciphers, sizeof(h->ciphers[0]), cmp16);
	sha256_init(&s);
	hash_list(&s, h->ciphers, h->n_ciphers, 0);
	hash_hex(&s, out + 11);
	out[23] = '_';
	qsort(h->exts, h->n_exts, sizeof(h->exts[0]), cmp16);
	sha256_init(&s);
	hash_list(&s, h->exts, h->n_exts, 1);
	if (h->n_sigs) {
		sha256_update(&s, "_", 1);
		hash_list(&s, h->sigs, h->n_sigs, 0);
	}
	hash_hex(&s, out + 24);
	out[MW_JA4_LEN - 1] = '\0';
out:
	free(h);
	return err;
}

int mw_ja4_parse(const char *s, char out[MW_JA4_LEN])
{
	size_t i;

	if (strlen(s) != MW_JA4_LEN - 1 || !strchr("tqd", s[0]) || !strchr("di", s[3]) ||
	    s[10] != '_' || s[23] != '_')
		return -EINVAL;
	for (i = 1; i < 10; i++)
		if (i != 3 && !alnum((uint8_t)s[i]))
			return -EINVAL;
	for (i = 4; i < 8; i++)
		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
	for (i = 0; i < MW_JA4_LEN - 1; i++) {
		char c = s[i];

		if (i > 10 && i != 23) {
			if (c >= 'A' && c <= 'F')
				c = (char)(c - 'A' + 'a');
			if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
				return -EINVAL;
		}
		out[i] = c;
	}
	out[MW_JA4_LEN - 1] = '\0';
	return 0;
}
