// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "agent/process.h"

/* Bytes of the UTF-8 sequence at @s (at most @n bytes), 0 when invalid:
 * overlong forms, surrogates and code points past U+10FFFF included. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	unsigned char lo = 0x80, hi = 0xbf;
	size_t len, i;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4;
	else
		return 0;
	if (s[0] == 0xe0)
		lo = 0xa0;
	else if (s[0] == 0xed)
		hi = 0x9f;
	else if (s[0] == 0xf0)
		lo = 0x90;
	else if (s[0] == 0xf4)
		hi = 0x8f;
	if (n < len || s[1] < lo || s[1] > hi)
		return 0;
	for (i = 2; i < len; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	return len;
}

/*
 * Copies @srclen bytes of @src into @dst as valid UTF-8 without control
 * characters: an invalid sequence becomes U+FFFD, a control character (C0,
 * DEL, C1) becomes \xHH per byte. A character or an escape is never cut in
 * two; @dst is always terminated (@dstlen > 0). Returns the length written.
 * The robustness work adds this very function to util.c for every output;
 * this local copy goes when it lands (same signature and behaviour).
 */
static size_t mw_sanitize_utf8(char *dst, size_t dstlen, const char *src, size_t srclen)
{
	const unsigned char *s = (const unsigned char *)src;
	size_t i = 0, o = 0, n, k;

	if (!dstlen)
		return 0;
	while (i < srclen) {
		const char *piece = src + i;
		char esc[16];
		size_t m = 0;

		n = utf8_len(s + i, srclen - i);
		if (!n) {
			piece = "\xef\xbf\xbd"; /* U+FFFD */
			m = 3;
			n = 1;
		} else if (s[i] < 0x20 || s[i] == 0x7f || (s[i] == 0xc2 && s[i + 1] < 0xa0)) {
			for (k = 0; k < n; k++)
				m += (size_t)snprintf(esc + m, sizeof(esc) - m, "\\x%02x",
						      s[i + k]);
			piece = esc;
		} else {
			m = n;
		}
		if (o + m >= dstlen)
			break;
		memcpy(dst + o, piece, m);
		o += m;
		i += n;
	}
	dst[o] = '\0';
	return o;
}

/* Reads a /proc file of @pid into @buf (NUL-terminated); returns its length or -1. */
static ssize_t read_proc(unsigned pid, const char *what, char *buf, size_t len)
{
	char path[64];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%u/%s", pid, what);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = '\0';
	return n;
}

int mw_process_lookup(int fd, uint64_t cookie, struct mw_process *p)
{
	char buf[512];
	struct passwd pw, *res = NULL;
	ssize_t n, i;

	memset(p, 0, sizeof(p[0]));
	if (fd < 0 || !cookie || bpf_map_lookup_elem(fd, &cookie, &p->o))
		return -ENOENT;
	p->o.comm[sizeof(p->o.comm) - 1] = '\0';
	mw_sanitize_utf8(p->comm, sizeof(p->comm), p->o.comm, strlen(p->o.comm));
	/* the pid may have been reused since: trust /proc only while its
	 * command name still matches (the kernel ends it with a newline) */
	n = read_proc(p->o.pid, "comm", buf, sizeof(buf));
	if (n > 0 && (size_t)n == strlen(p->o.comm) + 1 && buf[n - 1] == '\n' &&
	    !memcmp(buf, p->o.comm, (size_t)n - 1)) {
		n = read_proc(p->o.pid, "cmdline", buf, sizeof(buf));
		/* arguments are NUL-separated: spaces between them; any other
		 * byte is the process's own choice and is made safe */
		while (n > 0 && buf[n - 1] == '\0')
			n--;
		for (i = 0; i < n; i++)
			if (buf[i] == '\0')
				buf[i] = ' ';
		if (n > 0)
			mw_sanitize_utf8(p->cmdline, sizeof(p->cmdline), buf, (size_t)n);
		n = read_proc(p->o.pid, "cgroup", buf, sizeof(buf));
		if (n > 3 && !strncmp(buf, "0::", 3))
			mw_sanitize_utf8(p->cgroup, sizeof(p->cgroup), buf + 3,
					 strcspn(buf + 3, "\n"));
	}
	if (!getpwuid_r(p->o.uid, &pw, buf, sizeof(buf), &res) && res)
		mw_sanitize_utf8(p->user, sizeof(p->user), pw.pw_name, strlen(pw.pw_name));
	return 0;
}

json_t *mw_process_json(const struct mw_process *p)
{
	return json_pack("{s:i, s:s, s:s, s:i, s:s, s:s, s:I}", "pid", (int)p->o.pid, "comm",
			 p->comm, "cmdline", p->cmdline, "uid", (int)p->o.uid, "user", p->user,
			 "cgroup", p->cgroup, "cgroup_id", (json_int_t)p->o.cgroup_id);
}
