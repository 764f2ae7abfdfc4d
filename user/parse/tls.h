/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * tls.h - the server name (SNI, RFC 6066) of a TLS ClientHello, read from
 * the first bytes of a connection as the datapath copied them.
 */
#ifndef MW_PARSE_TLS_H
#define MW_PARSE_TLS_H

#include <stddef.h>
#include <stdint.h>

#include "parse/name.h"

/*
 * Finds the host_name in a ClientHello's server_name extension and writes
 * it normalised into @sni (MW_NAME_MAX bytes). Returns 0, -ENOENT when the
 * ClientHello has no SNI, -EAGAIN when the copy ends before it, -EINVAL when
 * the bytes are not a ClientHello.
 */
int mw_tls_sni(const uint8_t *buf, size_t len, char *sni);

/*
 * Finds a server_name list anywhere in @buf, a piece of a ClientHello whose
 * start is missing (lengths that agree, a valid dotted name), and writes the
 * name into @sni. Returns 0 or -ENOENT. Only for the host's own ClientHello:
 * whoever writes the bytes chooses what this finds.
 */
int mw_tls_sni_scan(const uint8_t *buf, size_t len, char *sni);

#endif
