/* SPDX-License-Identifier: GPL-2.0-only */
/* log.h - leveled logging to stderr; libbpf's chatter demoted one level. */
#ifndef MW_LIB_LOG_H
#define MW_LIB_LOG_H

enum mw_log_level {
	MW_LOG_WARN = 0,
	MW_LOG_INFO = 1,
	MW_LOG_DEBUG = 2,
	MW_LOG_LIBBPF = 3, /* libbpf's own debug output: -vv */
};

extern int mw_log_level;
extern const char *mw_log_prog;

void mw_log(enum mw_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Routes libbpf's messages through mw_log, one level lower than libbpf says. */
void mw_log_setup_libbpf(void);

#define pr_warn(...) mw_log(MW_LOG_WARN, __VA_ARGS__)
#define pr_info(...) mw_log(MW_LOG_INFO, __VA_ARGS__)
#define pr_debug(...) mw_log(MW_LOG_DEBUG, __VA_ARGS__)

#endif
