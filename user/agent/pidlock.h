/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * pidlock.h - one minewalld per host: an flock on RUN_DIR/minewalld.pid,
 * which holds the running agent's pid.
 */
#ifndef MW_AGENT_PIDLOCK_H
#define MW_AGENT_PIDLOCK_H

/*
 * Creates @run_dir if needed, locks its minewalld.pid and writes our pid in
 * it. Returns the lock's fd (close it to release) or -errno after printing
 * why (-EBUSY: another agent holds it).
 */
int mw_pidlock_take(const char *run_dir);

#endif
