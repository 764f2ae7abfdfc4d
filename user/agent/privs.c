// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/capability.h>

#include "lib/log.h"
#include "agent/privs.h"

/* Older headers may lack the split-out BPF capabilities. */
#ifndef CAP_PERFMON
#define CAP_PERFMON 38
#endif
#ifndef CAP_BPF
#define CAP_BPF 39
#endif

/* The capabilities kept, as a bit mask of CAP_* numbers. CAP_SYS_PTRACE
 * only for reading /proc/PID/exe of the processes behind connections (the
 * kernel guards that link with a ptrace access check): which executable
 * runs, from which directory, is the one fact about a process that the
 * process cannot choose; the agent never attaches to one. */
static uint64_t kept(void)
{
	return 1ULL << CAP_BPF | 1ULL << CAP_NET_ADMIN | 1ULL << CAP_PERFMON |
	       1ULL << CAP_SYS_PTRACE;
}

static int last_cap(void)
{
	FILE *f = fopen("/proc/sys/kernel/cap_last_cap", "r");
	int last = 40;

	if (f) {
		if (fscanf(f, "%d", &last) != 1)
			last = 40;
		fclose(f);
	}
	return last < 63 ? last : 63;
}

int mw_privs_drop(void)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2];
	uint64_t keep = kept();
	int cap, last = last_cap();

	/* the bounding set first: dropping from it needs CAP_SETPCAP, which
	 * goes with the rest below. Without it (a unit that bounds the agent
	 * already), the permitted and effective sets are still cut. */
	for (cap = 0; cap <= last; cap++) {
		if (keep & 1ULL << cap)
			continue;
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) && errno != EINVAL) {
			pr_warn("cannot drop capabilities from the bounding set (%s); a hook may regain them\n",
				strerror(errno));
			break;
		}
	}
	prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
	memset(data, 0, sizeof(data));
	data[0].permitted = data[0].effective = (uint32_t)keep;
	data[1].permitted = data[1].effective = (uint32_t)(keep >> 32);
	if (syscall(SYS_capset, &hdr, data)) {
		pr_warn("cannot drop capabilities: %s\n", strerror(errno));
		return -errno;
	}
	return 0;
}

int mw_privs_drop_thread(void)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2];

	/* capset acts on the calling thread alone */
	memset(data, 0, sizeof(data));
	return syscall(SYS_capset, &hdr, data) ? -errno : 0;
}
