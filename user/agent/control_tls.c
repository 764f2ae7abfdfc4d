// SPDX-License-Identifier: GPL-2.0-only
/*
 * control_tls.c - the control command "tls_hellos": the host's ClientHellos
 * the agent still holds (JA4, SNI, ALPN) by flow, for `minewall flows`,
 * which reads the flow table itself but never sees a payload.
 */
#include "agent/control.h"
#include "agent/tls_hello.h"
#include "lib/flow_key_str.h"

struct collect {
	json_t *out;
};

static void add(void *arg, const struct mw_tls_hello *h)
{
	struct collect *c = arg;
	char key[MW_FLOW_KEY_STRLEN];

	json_object_set_new(c->out, mw_flow_key_str(&h->key, key, sizeof(key)),
			    mw_agent_tls_hello_json(h));
}

json_t *mw_agent_ctl_tls_hellos(struct mw_agent_ctl *c, json_t *req, char *err, size_t len)
{
	struct collect col = { .out = json_object() };

	(void)req;
	(void)err;
	(void)len;
	if (c->hello)
		mw_agent_tls_hello_each(c->hello, add, &col);
	return json_pack("{s:o}", "hellos", col.out);
}
