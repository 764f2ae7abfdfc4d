/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * websocket.h - WebSocket frames (RFC 6455) as a copy of a connection's
 * first bytes holds them: a frame's header (7, 16 or 64-bit lengths, the
 * client's masking key), and the text the frames carry, unmasked, for the
 * Stratum reader (Stratum over WebSocket: JSON text frames, in clear from
 * the pool, masked from the miner with the key in the frame). A server's
 * "101 Switching Protocols" reply may come first, its first frame in the
 * same segment. Fragmented messages: their first fragment only. Frames
 * cut by the copy give what they hold. Compressed frames (RSV1,
 * permessage-deflate) are skipped: their text cannot be read.
 */
#ifndef MW_PARSE_WEBSOCKET_H
#define MW_PARSE_WEBSOCKET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define MW_WS_CONT 0x0
#define MW_WS_TEXT 0x1
#define MW_WS_BINARY 0x2
#define MW_WS_CLOSE 0x8
#define MW_WS_PING 0x9
#define MW_WS_PONG 0xa

struct mw_ws_frame {
	bool fin, masked, compressed; /* compressed: RSV1 (permessage-deflate) */
	uint8_t opcode;
	uint8_t key[4]; /* the masking key, when masked */
	uint64_t len; /* the payload length the header claims */
	size_t hdr_len; /* the header's bytes: 2 to 14 */
};

/* Returns 1 when @buf may start what mw_ws_text reads: a 101 reply, or a
 * text frame's first byte (FIN or not); else 0. */
int mw_ws_may_start(const uint8_t *buf, size_t len);
/*
 * Reads the frame header at @buf: 0 with @f filled; -EAGAIN when @len ends
 * within it; -EINVAL when it breaks RFC 6455 (RSV2/RSV3 set, an opcode
 * that does not exist, a control frame fragmented or longer than 125, a
 * length not in its shortest form or with the top bit set).
 */
int mw_ws_frame_parse(const uint8_t *buf, size_t len, struct mw_ws_frame *f);
/* The length of a "HTTP/1.1 101" reply's head (through its blank line) at
 * @buf; 0 when @buf starts no such reply; -EAGAIN when its head is cut. */
ssize_t mw_ws_upgrade_reply(const uint8_t *buf, size_t len);
/*
 * The text of the frames in @buf (after a 101 reply's head, when @buf
 * starts with one): each text frame's payload, unmasked, as far as @buf
 * holds it, followed by a newline, into @out (at most @cap bytes; the
 * rest is dropped). Returns the bytes written (0: frames, but no text),
 * or -EINVAL when @buf does not start with a well-formed frame.
 */
ssize_t mw_ws_text(const uint8_t *buf, size_t len, uint8_t *out, size_t cap);

#endif
