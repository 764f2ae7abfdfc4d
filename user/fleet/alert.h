/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * alert.h - one of minewall's blocks as a CrowdSec alert (the body of POST
 * /v1/alerts is an array of these), carrying its own decision, so that the
 * LAPI and every bouncer of the fleet enforce what this host decided. Pure.
 */
#ifndef MW_FLEET_ALERT_H
#define MW_FLEET_ALERT_H

#include <stdint.h>

#include <jansson.h>

#include "lib/addr.h"

/* The scenario of minewall's alerts: "minewall/" and the method. */
#define MW_CS_SCENARIO_PREFIX "minewall/"
/* The origin written in the decisions minewall pushes. The LAPI (1.4.6)
 * keeps it as is; cscli alerts/decisions list show it only with -a (their
 * default is the origins crowdsec and cscli), bouncers get it like any. */
#define MW_CS_ORIGIN "minewall"

struct mw_cs_block {
	const char *method; /* "SSHDICT", "BLACKLIST"... */
	const char *reason; /* the block's reason, becomes the alert's message */
	struct mw_addr seen; /* the address that offended */
	struct mw_prefix target; /* what is blocked: seen/128, or an IPv6 /64... */
	uint64_t duration_ms; /* the ban's length */
	int64_t at_s; /* wall clock of the block */
	const char *machine; /* this host's machine_id, for the message */
};

/*
 * The alert object (LAPI schema models.Alert): scenario "minewall/METHOD",
 * source scope "Ip" value the offending address (scope "Range" with the
 * prefix when @b->target is wider than one address, as an IPv6 /64 ban
 * is), one decision of type "ban" with origin "minewall", the same scope
 * and value, and duration @b->duration_ms (at most Go's limit, 292 years,
 * which a permanent ban becomes); message "METHOD: reason";
 * start_at/stop_at/created_at = @b->at_s in RFC 3339; capacity 0,
 * leakspeed "0", events_count 1 with one event, simulated false,
 * scenario_hash "" and scenario_version "". Text fields sanitized to
 * UTF-8. NULL when out of memory.
 */
json_t *mw_cs_alert(const struct mw_cs_block *b);

#endif
