// SPDX-License-Identifier: GPL-2.0-only
/*
 * alert.c - a block as the alert of POST /v1/alerts (LAPI models.Alert).
 * The LAPI checks the body against its swagger schema: every field it
 * requires is written, with its type, even where minewall has nothing to
 * say (scenario_hash, leakspeed...).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "fleet/alert.h"
#include "fleet/decision.h"
#include "lib/util.h"

/* Go's time.Duration: int64 nanoseconds, about 292 years */
#define GO_DURATION_MAX_MS (INT64_MAX / 1000000)

json_t *mw_cs_alert(const struct mw_cs_block *b)
{
	char method[32], reason[256], machine[128], scenario[64], message[320];
	char seen[MW_ADDRSTRLEN], target[MW_ADDRSTRLEN], at[32], duration[48];
	bool range = b->target.len < 128;
	const char *scope = range ? "Range" : "Ip";
	json_t *source, *decision, *event;

	mw_sanitize_str(method, sizeof(method), b->method);
	mw_sanitize_str(reason, sizeof(reason), b->reason);
	mw_sanitize_str(machine, sizeof(machine), b->machine);
	snprintf(scenario, sizeof(scenario), MW_CS_SCENARIO_PREFIX "%s", method);
	snprintf(message, sizeof(message), "%s: %s", method, reason);
	mw_addr_str(&b->seen, seen, sizeof(seen));
	if (range)
		mw_prefix_str(&b->target, target, sizeof(target));
	else
		snprintf(target, sizeof(target), "%s", seen);
	mw_format_rfc3339_s(b->at_s, at, sizeof(at));
	/* past Go's limit the LAPI refuses the alert (500) again and again */
	mw_go_duration_str(b->duration_ms > GO_DURATION_MAX_MS ? GO_DURATION_MAX_MS :
								 (int64_t)b->duration_ms,
			   duration, sizeof(duration));

	source = range ? json_pack("{s:s, s:s, s:s, s:s}", "scope", scope, "value", target, "ip",
				   seen, "range", target) :
			 json_pack("{s:s, s:s, s:s}", "scope", scope, "value", target, "ip", seen);
	decision = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:b}", "type", "ban", "scope", scope,
			     "value", target, "duration", duration, "origin", MW_CS_ORIGIN,
			     "scenario", scenario, "simulated", 0);
	event = json_pack("{s:s, s:[{s:s, s:s}, {s:s, s:s}, {s:s, s:s}, {s:s, s:s}]}", "timestamp",
			  at, "meta", "key", "source_ip", "value", seen, "key", "method", "value",
			  method, "key", "reason", "value", reason, "key", "machine", "value",
			  machine);
	if (!source || !decision || !event) {
		json_decref(source);
		json_decref(decision);
		json_decref(event);
		return NULL;
	}
	/* "o" steals the references, also when json_pack fails */
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:i, s:s, s:i, s:b, s:b,"
			 " s:o, s:[o], s:[o]}",
			 "scenario", scenario, "scenario_hash", "", "scenario_version", "",
			 "message", message, "start_at", at, "stop_at", at, "created_at", at,
			 "capacity", 0, "leakspeed", "0", "events_count", 1, "simulated", 0,
			 "remediation", 1, "source", source, "events", event, "decisions",
			 decision);
}
