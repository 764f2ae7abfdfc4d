// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_websocket.c - the WebSocket frame reader (parse/websocket.c):
 * RFC 6455's own examples (5.7), the three length forms, masking, a 101
 * reply with its first frame, fragments, control frames, compressed and
 * cut frames, and headers that break the RFC. Built with ASan and UBSan.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "parse/websocket.h"
#include "test.h"

/* Writes a frame: @op, @fin, payload @p (@n bytes), masked by @key when
 * not NULL; returns its length. */
static size_t frame(uint8_t *out, uint8_t op, bool fin, const char *p, size_t n, const uint8_t *key)
{
	size_t at = 2, i;

	out[0] = (uint8_t)((fin ? 0x80 : 0) | op);
	if (n < 126) {
		out[1] = (uint8_t)n;
	} else if (n <= 0xffff) {
		out[1] = 126, out[2] = (uint8_t)(n >> 8), out[3] = (uint8_t)n;
		at = 4;
	} else {
		out[1] = 127;
		for (i = 0; i < 8; i++)
			out[2 + i] = (uint8_t)((uint64_t)n >> (56 - 8 * i));
		at = 10;
	}
	if (key) {
		out[1] |= 0x80;
		memcpy(out + at, key, 4);
		at += 4;
	}
	for (i = 0; i < n; i++)
		out[at + i] = key ? (uint8_t)(p[i] ^ key[i & 3]) : (uint8_t)p[i];
	return at + n;
}

static void t_rfc(void *arg)
{
	/* RFC 6455 5.7: "Hello" unmasked, masked, and fragmented */
	static const uint8_t hello[] = { 0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f };
	static const uint8_t masked[] = { 0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d,
					  0x7f, 0x9f, 0x4d, 0x51, 0x58 };
	static const uint8_t frag[] = { 0x01, 0x03, 0x48, 0x65, 0x6c, 0x80, 0x02, 0x6c, 0x6f };
	static const uint8_t ping[] = { 0x89, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f };
	struct mw_ws_frame f;
	uint8_t out[64];

	ASSERT_EQ(mw_ws_frame_parse(masked, sizeof(masked), &f), 0, "masked Hello");
	ASSERT_TRUE(f.fin && f.masked && f.opcode == MW_WS_TEXT && f.len == 5 && f.hdr_len == 6,
		    "its header");
	ASSERT_EQ(mw_ws_text(hello, sizeof(hello), out, sizeof(out)), 6, "unmasked Hello");
	ASSERT_TRUE(!memcmp(out, "Hello\n", 6), "its text");
	ASSERT_EQ(mw_ws_text(masked, sizeof(masked), out, sizeof(out)), 6, "masked Hello");
	ASSERT_TRUE(!memcmp(out, "Hello\n", 6), "unmasked by its key");
	ASSERT_EQ(mw_ws_text(frag, sizeof(frag), out, sizeof(out)), 4, "fragmented Hello");
	ASSERT_TRUE(!memcmp(out, "Hel\n", 4), "its first fragment only");
	ASSERT_EQ(mw_ws_text(ping, sizeof(ping), out, sizeof(out)), 0, "a ping: frames, no text");
}

static void t_stratum(void *arg)
{
	static const char reply[] =
		"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
		"Connection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n";
	static const char notify[] =
		"{\"id\":null,\"method\":\"mining.notify\",\"params\":[\"1\"]}";
	static const uint8_t key[4] = { 0x11, 0x22, 0x33, 0x44 };
	static char big[70000];
	static uint8_t buf[80000], out[512];
	struct mw_ws_frame f;
	size_t n;
	ssize_t w;

	/* the 101 reply and the pool's first frame in one segment */
	n = strlen(reply);
	memcpy(buf, reply, n);
	n += frame(buf + n, MW_WS_TEXT, true, notify, strlen(notify), NULL);
	ASSERT_EQ(mw_ws_upgrade_reply(buf, n), strlen(reply), "the 101 reply's head");
	ASSERT_EQ(mw_ws_upgrade_reply(buf, 40), -EAGAIN, "its head cut");
	w = mw_ws_text(buf, n, out, sizeof(out));
	ASSERT_EQ(w, strlen(notify) + 1, "the frame after the reply");
	ASSERT_TRUE(w > 0 && !memcmp(out, notify, strlen(notify)), "its JSON");
	ASSERT_EQ(mw_ws_text(buf, strlen(reply), out, sizeof(out)), -EINVAL, "the reply alone");

	/* two masked frames, the second cut by the copy */
	n = frame(buf, MW_WS_TEXT, true, notify, strlen(notify), key);
	n += frame(buf + n, MW_WS_TEXT, true, notify, strlen(notify), key);
	w = mw_ws_text(buf, n - 10, out, sizeof(out));
	ASSERT_EQ(w, 2 * (strlen(notify) + 1) - 10, "the second frame cut: what there is");
	ASSERT_TRUE(w > 0 && !memcmp(out + strlen(notify) + 1, notify, strlen(notify) - 10),
		    "unmasked as far as it goes");
	/* cut within the second frame's header: the first alone */
	w = mw_ws_text(buf, strlen(notify) + 6 + 1, out, sizeof(out));
	ASSERT_EQ(w, strlen(notify) + 1, "a header cut: the frames before it");

	/* the 16- and 64-bit length forms, masked: header lengths 8 and 14 */
	memset(big, 'x', sizeof(big));
	big[0] = '{';
	n = frame(buf, MW_WS_TEXT, true, big, 300, key);
	ASSERT_EQ(mw_ws_frame_parse(buf, n, &f), 0, "300 bytes");
	ASSERT_TRUE(f.len == 300 && f.hdr_len == 8, "16-bit length, masked");
	n = frame(buf, MW_WS_TEXT, true, big, sizeof(big), key);
	ASSERT_EQ(mw_ws_frame_parse(buf, n, &f), 0, "70000 bytes");
	ASSERT_TRUE(f.len == sizeof(big) && f.hdr_len == 14, "64-bit length, masked");
	w = mw_ws_text(buf, 512, out, sizeof(out));
	ASSERT_EQ(w, 512 - 14 + 1, "a copy of its first 512 bytes, and a newline");
	ASSERT_EQ(out[0], '{', "unmasked");
	ASSERT_EQ(mw_ws_text(buf, n, out, 16), 16, "the output's room respected");

	/* binary and compressed (permessage-deflate) frames: no text */
	n = frame(buf, MW_WS_BINARY, true, notify, strlen(notify), NULL);
	ASSERT_EQ(mw_ws_text(buf, n, out, sizeof(out)), 0, "binary");
	n = frame(buf, MW_WS_TEXT, true, notify, strlen(notify), NULL);
	buf[0] |= 0x40;
	ASSERT_EQ(mw_ws_text(buf, n, out, sizeof(out)), 0, "compressed");
	ASSERT_EQ(mw_ws_may_start((const uint8_t *)"\x81", 1), 1, "a text frame may start");
	ASSERT_EQ(mw_ws_may_start((const uint8_t *)"\x01", 1), 1, "a first fragment may start");
	ASSERT_EQ(mw_ws_may_start((const uint8_t *)"\x82", 1), 0, "a binary frame does not");
	ASSERT_EQ(mw_ws_may_start((const uint8_t *)reply, 12), 1, "a 101 reply may start");
}

static void t_bad(void *arg)
{
	static const struct {
		const char *what;
		uint8_t b[12];
		size_t n;
		int err;
	} bad[] = {
		{ "RSV2 set", { 0xa1, 0x01, 'x' }, 3, -EINVAL },
		{ "opcode 3", { 0x83, 0x01, 'x' }, 3, -EINVAL },
		{ "opcode 0xb", { 0x8b, 0x01, 'x' }, 3, -EINVAL },
		{ "a ping fragmented", { 0x09, 0x01, 'x' }, 3, -EINVAL },
		{ "a close of 126 bytes", { 0x88, 0x7e, 0x00, 0x7e }, 4, -EINVAL },
		{ "16-bit length under 126", { 0x81, 0x7e, 0x00, 0x10 }, 4, -EINVAL },
		{ "64-bit length under 65536",
		  { 0x81, 0x7f, 0, 0, 0, 0, 0, 0, 0xff, 0xff },
		  10,
		  -EINVAL },
		{ "64-bit length, top bit", { 0x81, 0x7f, 0x80, 0, 0, 0, 0, 1, 0, 0 }, 10, -EINVAL },
		{ "one byte", { 0x81 }, 1, -EAGAIN },
		{ "16-bit length cut", { 0x81, 0x7e, 0x01 }, 3, -EAGAIN },
		{ "64-bit length cut", { 0x81, 0x7f, 0, 0, 0 }, 5, -EAGAIN },
		{ "masking key cut", { 0x81, 0x85, 0x37, 0xfa }, 4, -EAGAIN },
	};
	struct mw_ws_frame f;
	uint8_t out[64];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ASSERT_EQ(mw_ws_frame_parse(bad[i].b, bad[i].n, &f), bad[i].err, bad[i].what);
		ASSERT_EQ(mw_ws_text(bad[i].b, bad[i].n, out, sizeof(out)), -EINVAL, bad[i].what);
	}
	ASSERT_EQ(mw_ws_text((const uint8_t *)"{\"id\":1}", 8, out, sizeof(out)), -EINVAL,
		  "bare JSON is no frame");
	ASSERT_EQ(mw_ws_text((const uint8_t *)"HTTP/1.1 200 OK\r\n\r\n", 19, out, sizeof(out)),
		  -EINVAL, "a 200 reply is no upgrade");
}

int main(int argc, char **argv)
{
	if (argc > 1)
		test_filter = argv[1];
	test_run("websocket: RFC 6455's examples", t_rfc, NULL);
	test_run("websocket: Stratum frames from a pool and a miner", t_stratum, NULL);
	test_run("websocket: headers that break the RFC, cut headers", t_bad, NULL);
	return test_summary("websocket");
}
