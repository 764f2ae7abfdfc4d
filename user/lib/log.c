// SPDX-License-Identifier: GPL-2.0-only
#include <stdarg.h>
#include <stdio.h>

#include <bpf/libbpf.h>

#include "lib/log.h"

int mw_log_level = MW_LOG_INFO;
const char *mw_log_prog = "minewall";

static void mw_vlog(enum mw_log_level level, const char *fmt, va_list ap)
{
	if ((int)level > mw_log_level)
		return;
	fprintf(stderr, "%s: ", mw_log_prog);
	if (level == MW_LOG_WARN)
		fputs("warning: ", stderr);
	vfprintf(stderr, fmt, ap);
}

void mw_log(enum mw_log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	mw_vlog(level, fmt, ap);
	va_end(ap);
}

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	/* libbpf warns about things it then handles (e.g. probing); only our
	 * own caller knows whether a failure matters, so demote one level */
	enum mw_log_level ours = level == LIBBPF_WARN ? MW_LOG_INFO :
				 level == LIBBPF_INFO ? MW_LOG_DEBUG :
							MW_LOG_LIBBPF;

	if ((int)ours > mw_log_level)
		return 0;
	fprintf(stderr, "%s: libbpf: ", mw_log_prog);
	return vfprintf(stderr, fmt, ap);
}

void mw_log_setup_libbpf(void)
{
	libbpf_set_print(libbpf_print);
}
