/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * name.h - a DNS name in text as every parser of outside bytes hands it on
 * (lists, DNS answers, TLS SNI): checked and normalised, so that names from
 * any of them compare equal byte for byte. Its own file so that each parser
 * links alone.
 */
#ifndef MW_PARSE_NAME_H
#define MW_PARSE_NAME_H

#include <stddef.h>

#define MW_NAME_MAX 254 /* a DNS name in text, without the final dot, plus NUL */

/* Checks and normalises a DNS name in text (lower case, final dot removed).
 * Returns 0 or -EINVAL. @out has MW_NAME_MAX bytes. */
int mw_name_normalise(const char *in, size_t len, char *out);

#endif
