// SPDX-License-Identifier: GPL-2.0-only
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>

#include <bpf/bpf.h>

#include "enforce/allow.h"
#include "agent/localaddr.h"
#include "lib/log.h"
#include "lib/statefile.h"
#include "parse/proc_net_tcp.h"
#include "parse/resolv_conf.h"
#include "lib/util.h"

static const char *const builtin[] = { "127.0.0.0/8", "::1", "169.254.0.0/16", "fe80::/10" };

const char *mw_allow_source_name(unsigned source)
{
	static const char *const names[MW_ALLOW_SOURCES] = {
		"builtin",     "local address", "default gateway", "resolver",
		"SSH session", "config",	"runtime",	   "CrowdSec LAPI",
	};

	return source < MW_ALLOW_SOURCES ? names[source] : "?";
}

static int push_port(struct mw_allow *a, const struct mw_prefix *p, unsigned source, uint16_t port)
{
	size_t i;

	for (i = 0; i < a->n; i++)
		if (a->e[i].source == source && a->e[i].peer_port == port &&
		    !memcmp(&a->e[i].prefix, p, sizeof(*p)))
			return 0;
	if (mw_grow(&a->e, &a->cap, a->n, sizeof(*a->e), 64))
		return -ENOMEM;
	/* whole entries are compared with memcmp: no stale padding */
	memset(&a->e[a->n], 0, sizeof(a->e[a->n]));
	a->e[a->n].prefix = *p;
	a->e[a->n].source = source;
	a->e[a->n].peer_port = port;
	a->n++;
	return 0;
}

static int push(struct mw_allow *a, const struct mw_prefix *p, unsigned source)
{
	return push_port(a, p, source, 0);
}

static void push_addr(struct mw_allow *a, const struct mw_addr *addr, unsigned source)
{
	struct mw_prefix p = { .addr = *addr, .len = 128 };

	push(a, &p, source);
}

static void drop_source(struct mw_allow *a, unsigned source)
{
	size_t i, k = 0;

	for (i = 0; i < a->n; i++)
		if (a->e[i].source != source)
			a->e[k++] = a->e[i];
	a->n = k;
}

static void read_resolvers(struct mw_allow *a)
{
	struct mw_addr r[32];
	size_t i, n = mw_resolv_conf_read(a->resolv_conf, MW_RESOLVED_CONF, r, ARRAY_SIZE(r));

	for (i = 0; i < n; i++)
		push_addr(a, &r[i], MW_ALLOW_RESOLVER);
}

#define SSH_RECHECK_NS (30ULL * 1000000000ULL)
/* sessions taken at start end unseen by the detector (their flows were
 * first seen mid-stream): their ends are looked for more often */
#define SSH_SEEDED_RECHECK_NS (3ULL * 1000000000ULL)

static bool is_ssh_port(const struct mw_config *cfg, unsigned port)
{
	unsigned i;

	for (i = 0; i < cfg->ssh_ports.n; i++)
		if (cfg->ssh_ports.port[i] == port)
			return true;
	return false;
}

/*
 * Socket inodes of SSH connections that carry a session: OpenSSH names the
 * process of an authenticated connection "sshd: USER@pts/N" or
 * "sshd: USER@notty"; before the login it is "sshd: USER [priv]",
 * "[net]", "[preauth]" or "unknown". A guesser connected when the agent
 * starts is not let in this way.
 */
struct inodes {
	unsigned long *v;
	size_t n, cap;
};

/* Reads /proc/@pid/@what into @buf (NUL-terminated); its length, or -1. */
static ssize_t read_proc(const char *proc, const char *pid, const char *what, char *buf,
			 size_t size)
{
	char path[PATH_MAX];
	ssize_t len;
	int fd;

	snprintf(path, sizeof(path), "%s/%s/%s", proc, pid, what);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	len = read(fd, buf, size - 1);
	close(fd);
	if (len < 0)
		return -1;
	buf[len] = '\0';
	return len;
}

/* "sshd: USER@pts/N" or "sshd: USER@notty" ("sshd-session:" from OpenSSH
 * 9.8), and nothing after: "sshd: alice@corp.example [priv]" (a user name
 * with an '@') is still authenticating. */
static bool session_title(const char *t)
{
	const char *at, *tty;

	if (!strncmp(t, "sshd: ", 6))
		t += 6;
	else if (!strncmp(t, "sshd-session: ", 14))
		t += 14;
	else
		return false;
	if (strchr(t, ' '))
		return false;
	at = strrchr(t, '@');
	if (!at || at == t)
		return false;
	tty = at + 1;
	return !strcmp(tty, "notty") || !strncmp(tty, "pts/", 4);
}

static bool sshd_session(const char *proc, const char *pid)
{
	char buf[256];

	if (read_proc(proc, pid, "comm", buf, sizeof(buf)) <= 0 || strncmp(buf, "sshd", 4))
		return false;
	if (read_proc(proc, pid, "cmdline", buf, sizeof(buf)) <= 0)
		return false;
	return session_title(buf);
}

static void session_inodes(const char *proc, struct inodes *out)
{
	DIR *dir = opendir(proc), *fds;
	struct dirent *de, *fe;
	char path[PATH_MAX], link[64];

	if (!dir)
		return;
	while ((de = readdir(dir))) {
		if (de->d_name[0] < '1' || de->d_name[0] > '9' || !sshd_session(proc, de->d_name))
			continue;
		snprintf(path, sizeof(path), "%s/%s/fd", proc, de->d_name);
		fds = opendir(path);
		if (!fds)
			continue;
		while ((fe = readdir(fds))) {
			unsigned long ino;
			ssize_t len;

			if (fe->d_name[0] == '.')
				continue;
			snprintf(path, sizeof(path), "%s/%s/fd/%s", proc, de->d_name, fe->d_name);
			len = readlink(path, link, sizeof(link) - 1);
			if (len <= 0)
				continue;
			link[len] = '\0';
			if (sscanf(link, "socket:[%lu]", &ino) != 1)
				continue;
			if (!mw_grow(&out->v, &out->cap, out->n + 1, sizeof(*out->v), 16))
				out->v[out->n++] = ino;
		}
		closedir(fds);
	}
	closedir(dir);
}

static bool has_inode(const struct inodes *set, unsigned long ino)
{
	size_t i;

	for (i = 0; i < set->n; i++)
		if (set->v[i] == ino)
			return true;
	return false;
}

/* Peers of established connections to our SSH ports, from /proc/net/tcp{,6},
 * into @out (source MW_ALLOW_SSH); with @sessions, only those connections. */
static void read_ssh_peers(struct mw_allow *a, struct mw_allow *out, const struct mw_config *cfg,
			   bool v6, const struct inodes *sessions)
{
	char path[PATH_MAX], line[512];
	struct mw_proc_tcp sk;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", a->proc_net, v6 ? "tcp6" : "tcp");
	f = fopen(path, "re");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		struct mw_prefix p;

		if (mw_proc_net_tcp_line(line, &sk) || sk.state != MW_TCP_ESTABLISHED)
			continue;
		if (sessions && !has_inode(sessions, sk.inode))
			continue;
		if (!is_ssh_port(cfg, sk.local_port))
			continue;
		p = (struct mw_prefix){ .addr = sk.remote, .len = 128 };
		push_port(out, &p, MW_ALLOW_SSH, sk.remote_port);
	}
	fclose(f);
}

void mw_allow_ssh_peer(struct mw_allow *a, const struct mw_addr *peer, uint16_t port, bool up)
{
	struct mw_prefix p = { .addr = *peer, .len = 128 };
	size_t i;

	if (up) {
		push_port(a, &p, MW_ALLOW_SSH, port);
		return;
	}
	for (i = 0; i < a->n; i++) {
		if (a->e[i].source == MW_ALLOW_SSH && a->e[i].peer_port == port &&
		    !memcmp(&a->e[i].prefix, &p, sizeof(p))) {
			a->e[i] = a->e[--a->n];
			return;
		}
	}
}

static void read_runtime(struct mw_allow *a)
{
	FILE *f = fopen(a->runtime_path, "re");
	char line[256];
	int lineno = 0;

	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		struct mw_prefix p;

		lineno++;
		line[strcspn(line, "\r\n")] = '\0';
		if (!line[0] || line[0] == '#')
			continue;
		if (mw_prefix_parse(line, &p)) {
			pr_warn("%s:%d: '%s' is not an address or prefix; ignored\n",
				a->runtime_path, lineno, line);
			continue;
		}
		push(a, &p, MW_ALLOW_RUNTIME);
	}
	fclose(f);
}

static int write_runtime(FILE *f, void *arg)
{
	const struct mw_allow *a = arg;
	char buf[MW_ADDRSTRLEN];
	size_t i;

	fprintf(f, "# minewall runtime allowlist (minewall allow CIDR); one prefix a line\n");
	for (i = 0; i < a->n; i++)
		if (a->e[i].source == MW_ALLOW_RUNTIME)
			fprintf(f, "%s\n", mw_prefix_str(&a->e[i].prefix, buf, sizeof(buf)));
	return 0;
}

static int save_runtime(const struct mw_allow *a)
{
	return mw_statefile_write(a->runtime_path, write_runtime, (void *)a);
}

int mw_allow_init(struct mw_allow *a, const struct mw_config *cfg)
{
	struct mw_prefix p;
	size_t i;

	memset(a, 0, sizeof(*a));
	a->resolv_conf = "/etc/resolv.conf";
	a->proc_net = "/proc/net";
	a->proc_root = "/proc";
	snprintf(a->runtime_path, sizeof(a->runtime_path), "%s/allow.list", cfg->state_dir);
	for (i = 0; i < ARRAY_SIZE(builtin); i++) {
		mw_prefix_parse(builtin[i], &p);
		push(a, &p, MW_ALLOW_BUILTIN);
	}
	mw_allow_set_config(a, cfg);
	read_runtime(a);
	mw_allow_refresh(a, cfg, -1);
	return 0;
}

void mw_allow_set_config(struct mw_allow *a, const struct mw_config *cfg)
{
	struct mw_addr lapi;
	size_t i;

	drop_source(a, MW_ALLOW_CONFIG);
	for (i = 0; i < cfg->n_allow; i++)
		push(a, &cfg->allow[i], MW_ALLOW_CONFIG);
	drop_source(a, MW_ALLOW_FLEET);
	if (*cfg->cs.url && !mw_url_host_addr(cfg->cs.url, &lapi))
		push_addr(a, &lapi, MW_ALLOW_FLEET);
}

void mw_allow_free(struct mw_allow *a)
{
	free(a->e);
	a->e = NULL;
	a->n = a->cap = 0;
}

bool mw_allow_refresh(struct mw_allow *a, const struct mw_config *cfg, int local_fd)
{
	struct mw_allow_entry *before = malloc((a->n + 1) * sizeof(*before));
	size_t n_before = a->n;
	struct mw_addr gw[16], key, next, *prev = NULL;
	int n_gw, i;
	bool changed;

	if (before)
		memcpy(before, a->e, a->n * sizeof(*before));
	struct mw_allow connected = { .proc_net = a->proc_net };
	struct inodes sessions = { 0 };
	size_t k, j;

	drop_source(a, MW_ALLOW_LOCAL);
	drop_source(a, MW_ALLOW_GATEWAY);
	drop_source(a, MW_ALLOW_RESOLVER);
	/* SSH peers: at start, the established connections whose sshd carries a
	 * session; later only those whose login the detector recognised, each
	 * while that very connection (address and port) lasts. Session ends
	 * reach us as flow ends (mw_allow_ssh_peer); /proc/net/tcp, whose
	 * reading walks the host's whole connection table, is only the safety
	 * net, read every SSH_RECHECK_NS */
	if (a->ssh_seeded && mw_now_ns() - a->ssh_read_ns <
				     (a->ssh_from_start ? SSH_SEEDED_RECHECK_NS : SSH_RECHECK_NS))
		goto addresses;
	a->ssh_read_ns = mw_now_ns();
	if (!a->ssh_seeded)
		session_inodes(a->proc_root, &sessions);
	read_ssh_peers(a, &connected, cfg, false, a->ssh_seeded ? NULL : &sessions);
	read_ssh_peers(a, &connected, cfg, true, a->ssh_seeded ? NULL : &sessions);
	for (i = 0, k = 0; (size_t)i < a->n; i++) {
		bool keep = a->e[i].source != MW_ALLOW_SSH;

		for (j = 0; !keep && j < connected.n; j++)
			keep = connected.e[j].peer_port == a->e[i].peer_port &&
			       !memcmp(&connected.e[j].prefix, &a->e[i].prefix,
				       sizeof(a->e[i].prefix));
		if (keep)
			a->e[k++] = a->e[i];
	}
	a->n = k;
	if (!a->ssh_seeded) {
		for (j = 0; j < connected.n; j++)
			push_port(a, &connected.e[j].prefix, MW_ALLOW_SSH,
				  connected.e[j].peer_port);
		a->ssh_seeded = true;
		a->ssh_from_start = connected.n;
	} else if (a->ssh_from_start) {
		/* how many of those taken at start may still be there */
		for (i = 0, k = 0; (size_t)i < a->n; i++)
			k += a->e[i].source == MW_ALLOW_SSH;
		if (k < a->ssh_from_start)
			a->ssh_from_start = k;
	}
	free(connected.e);
	free(sessions.v);
addresses:
	if (local_fd >= 0) {
		while (!bpf_map_get_next_key(local_fd, prev, &next)) {
			push_addr(a, &next, MW_ALLOW_LOCAL);
			key = next;
			prev = &key;
		}
	}
	n_gw = mw_localaddr_gateways(gw, ARRAY_SIZE(gw));
	for (i = 0; i < n_gw; i++)
		push_addr(a, &gw[i], MW_ALLOW_GATEWAY);
	read_resolvers(a);
	changed = !before || n_before != a->n || memcmp(before, a->e, a->n * sizeof(*before));
	free(before);
	return changed;
}

const struct mw_allow_entry *mw_allow_match(const struct mw_allow *a, const struct mw_prefix *p)
{
	size_t i;

	for (i = 0; i < a->n; i++)
		if (mw_prefix_overlap(&a->e[i].prefix, p))
			return &a->e[i];
	return NULL;
}

int mw_allow_add(struct mw_allow *a, const struct mw_prefix *p)
{
	size_t i;
	int err;

	/* cppcheck: mw_allow_init() filled it (whole-program guess) */
	// cppcheck-suppress ctuuninitvar
	for (i = 0; i < a->n; i++)
		if (a->e[i].source == MW_ALLOW_RUNTIME && !memcmp(&a->e[i].prefix, p, sizeof(*p)))
			return -EEXIST;
	err = push(a, p, MW_ALLOW_RUNTIME);
	return err ? err : save_runtime(a);
}

int mw_allow_del(struct mw_allow *a, const struct mw_prefix *p)
{
	size_t i;

	for (i = 0; i < a->n; i++) {
		if (a->e[i].source == MW_ALLOW_RUNTIME && !memcmp(&a->e[i].prefix, p, sizeof(*p))) {
			a->e[i] = a->e[--a->n];
			return save_runtime(a);
		}
	}
	return -ENOENT;
}
