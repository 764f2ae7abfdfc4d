// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <string.h>

#include "parse/websocket.h"

#define FIN 0x80
#define RSV1 0x40
#define RSV23 0x30
#define MASKED 0x80

static bool opcode_known(uint8_t op)
{
	return op <= MW_WS_BINARY || (op >= MW_WS_CLOSE && op <= MW_WS_PONG);
}

int mw_ws_frame_parse(const uint8_t *buf, size_t len, struct mw_ws_frame *f)
{
	uint8_t len7;
	size_t at = 2, i;

	memset(f, 0, sizeof(*f));
	if (len < 2)
		return -EAGAIN;
	f->fin = buf[0] & FIN;
	f->compressed = buf[0] & RSV1;
	f->opcode = buf[0] & 0x0f;
	f->masked = buf[1] & MASKED;
	len7 = buf[1] & 0x7f;
	if ((buf[0] & RSV23) || !opcode_known(f->opcode))
		return -EINVAL;
	/* control frames: never fragmented, 125 bytes at most */
	if (f->opcode >= MW_WS_CLOSE && (!f->fin || len7 > 125))
		return -EINVAL;
	if (len7 == 126) {
		if (len < 4)
			return -EAGAIN;
		f->len = (uint64_t)buf[2] << 8 | buf[3];
		if (f->len < 126)
			return -EINVAL;
		at = 4;
	} else if (len7 == 127) {
		if (len < 10)
			return -EAGAIN;
		for (i = 2; i < 10; i++)
			f->len = f->len << 8 | buf[i];
		if (f->len >> 63 || f->len <= 0xffff)
			return -EINVAL;
		at = 10;
	} else {
		f->len = len7;
	}
	if (f->masked) {
		if (len < at + 4)
			return -EAGAIN;
		memcpy(f->key, buf + at, 4);
		at += 4;
	}
	f->hdr_len = at;
	return 0;
}

int mw_ws_may_start(const uint8_t *buf, size_t len)
{
	return len && ((buf[0] & ~FIN) == MW_WS_TEXT || mw_ws_upgrade_reply(buf, len));
}

ssize_t mw_ws_upgrade_reply(const uint8_t *buf, size_t len)
{
	static const char status[] = "HTTP/1.1 101";
	const uint8_t *end;

	if (len < sizeof(status) - 1 || memcmp(buf, status, sizeof(status) - 1))
		return 0;
	end = memmem(buf, len, "\r\n\r\n", 4);
	if (!end)
		return -EAGAIN;
	return end + 4 - buf;
}

/* Appends @n payload bytes at @p, unmasked by @f's key, then a newline. */
static size_t put_text(const struct mw_ws_frame *f, const uint8_t *p, size_t n, uint8_t *out,
		       size_t cap, size_t w)
{
	size_t i;

	for (i = 0; i < n && w < cap; i++)
		out[w++] = f->masked ? p[i] ^ f->key[i & 3] : p[i];
	if (w < cap)
		out[w++] = '\n';
	return w;
}

ssize_t mw_ws_text(const uint8_t *buf, size_t len, uint8_t *out, size_t cap)
{
	ssize_t head = mw_ws_upgrade_reply(buf, len);
	bool in_text = false; /* a fragmented text message's first fragment was read */
	struct mw_ws_frame f;
	size_t pos, w = 0, n;
	int err, frames = 0;

	if (head < 0)
		return -EINVAL; /* a 101 reply cut: no frame here */
	for (pos = (size_t)head; pos < len; pos += n) {
		err = mw_ws_frame_parse(buf + pos, len - pos, &f);
		if (err == -EAGAIN && frames)
			break; /* the copy ends within a later frame's header */
		if (err)
			return -EINVAL;
		frames++;
		pos += f.hdr_len;
		n = f.len < len - pos ? (size_t)f.len : len - pos;
		if (f.opcode == MW_WS_TEXT && !f.compressed && !in_text)
			w = put_text(&f, buf + pos, n, out, cap, w);
		/* the first fragment only: its continuations are skipped */
		if (f.opcode == MW_WS_TEXT)
			in_text = !f.fin;
		else if (f.opcode == MW_WS_CONT && f.fin)
			in_text = false;
	}
	return frames ? (ssize_t)w : -EINVAL;
}
