/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * ntp_conf.h - the servers a time daemon's configuration names: chrony's
 * and ntpd's `server`/`pool`/`peer` lines, systemd-timesyncd's `NTP=` and
 * `FallbackNTP=` lists.
 */
#ifndef MW_PARSE_NTP_CONF_H
#define MW_PARSE_NTP_CONF_H

#define MW_NTP_CONF_MAX 16 /* servers taken from one line */

/* Splits @line (changed in place) and points @servers at the names or
 * addresses it gives. Returns their count; 0 for any other line. */
unsigned mw_ntp_conf_line(char *line, const char *servers[MW_NTP_CONF_MAX]);

#endif
