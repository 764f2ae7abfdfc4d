/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * eve_suricata.h - a detection as a Suricata EVE alert ([agent] eve_format =
 * suricata), for the SIEMs and the CrowdSec parser that read Suricata's
 * eve.json: event_type "alert", an "alert" object in Suricata's shape, the
 * timestamp with a numeric offset, minewall's own fields under "minewall".
 */
#ifndef MW_OUTPUT_EVE_SURICATA_H
#define MW_OUTPUT_EVE_SURICATA_H

#include <jansson.h>

/* alert.gid and alert.rev of every minewall alert */
#define MW_SURICATA_GID 1
#define MW_SURICATA_REV 1
/* alert.signature_id of a method not in the table (mw_suricata_sid) */
#define MW_SURICATA_SID_UNKNOWN 9100000

/* The stable alert.signature_id of @method ("SSHDICT"...): 9100001.. in
 * DESIGN's method order; MW_SURICATA_SID_UNKNOWN for another name. */
long mw_suricata_sid(const char *method);
/* Suricata's severity (1 highest) of minewall's: critical 1, high 2, else 3. */
int mw_suricata_severity(const char *severity);

/*
 * The Suricata alert of the detection record @det (mw_eve_detection's):
 * timestamp, in_iface, event_type "alert", src_ip, src_port, dest_ip,
 * dest_port, proto (upper case), alert {action, gid, signature_id, rev,
 * signature, category, severity}, minewall {method, severity, action,
 * detail}. An empty src_ip or dest_ip (many sources) is left out, as
 * Suricata never writes one. @det is not changed. NULL when out of memory.
 */
json_t *mw_eve_suricata(json_t *det);

#endif
