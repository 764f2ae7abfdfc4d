/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * privs.h - least privilege for the running agent. Once its programs are
 * loaded and attached, its maps pinned and its sockets open, the agent keeps
 * only the capabilities its run-time work needs: CAP_BPF (map updates, new
 * blacklist tries), CAP_NET_ADMIN (nftables, re-attaching XDP and tc to an
 * interface that returns) and CAP_PERFMON (the BPF programs it holds).
 * Everything else leaves the permitted, effective, inheritable, ambient and
 * bounding sets, so neither the agent nor a hook it runs can get it back.
 */
#ifndef MW_AGENT_PRIVS_H
#define MW_AGENT_PRIVS_H

/* Drops every other capability. Returns 0, or -errno when the permitted
 * and effective sets could not be cut (the agent runs on with what it had). */
int mw_privs_drop(void);

/* Drops every capability of the calling thread (a thread that talks to
 * the network and needs none). Returns 0 or -errno. */
int mw_privs_drop_thread(void);

#endif
