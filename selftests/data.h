/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * data.h - the third-party captures and lists the suites read: where they
 * are ($MW_DATA, else selftests/data), and a capture's packets as tshark
 * reads them, so that a parser is checked against a dissector it shares no
 * code with.
 */
#ifndef MW_TEST_DATA_H
#define MW_TEST_DATA_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* The data directory. */
const char *test_data_dir(void);
/* @rel under the data directory; the path lives until the next call. */
const char *test_data_path(const char *rel);
/* tshark's fields @fields (its -e options), '|'-separated, of the packets of
 * pcaps/@pcap that match the display filter @filter; pclose() it. */
FILE *test_tshark(const char *pcap, const char *filter, const char *fields);
/* Reads the hex text @hex into @out, @max bytes at most; returns the count. */
size_t test_unhex(const char *hex, uint8_t *out, size_t max);

#endif
