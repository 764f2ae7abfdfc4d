// SPDX-License-Identifier: GPL-2.0-only
/*
 * fuzz_cgroup_path.c - the cgroup path reader on any bytes (no NUL at the
 * end, none looked for): never a read past them, the same answer twice,
 * and a container found only with a 64-digit lowercase hex id, whose own
 * cgroup (the path's start it reports) names the same container.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "parse/cgroup_path.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mw_cgroup_ct ct, again;
	char *path = malloc(size ? size : 1);
	int ret;
	size_t i;

	if (!path)
		abort();
	memcpy(path, data, size);
	ret = mw_cgroup_path_parse(path, size, &ct);
	if (ret != mw_cgroup_path_parse(path, size, &again) || memcmp(&ct, &again, sizeof(ct)))
		abort();
	if (ret) {
		if (ret != -2 || ct.runtime || ct.id[0])
			abort();
		free(path);
		return 0;
	}
	if (ct.runtime == MW_CT_NONE || !mw_ct_runtime_name(ct.runtime)[0] || ct.len > size ||
	    strlen(ct.id) != MW_CT_ID_LEN)
		abort();
	for (i = 0; i < MW_CT_ID_LEN; i++)
		if (!strchr("0123456789abcdef", ct.id[i]))
			abort();
	if (mw_cgroup_path_parse(path, ct.len, &again) || strcmp(again.id, ct.id) ||
	    again.runtime != ct.runtime || strcmp(again.pod_uid, ct.pod_uid) || again.len != ct.len)
		abort();
	free(path);
	return 0;
}
