#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Installs the Debian packages that minewall's build, tests and benchmarks
# use: `run` what building and running takes, `lint` that and the linters
# (clang-tidy compiles the sources, so it needs their headers and the BPF
# skeleton), `all` everything. Idempotent: installs only what is missing, and
# runs `apt-get update` only when something is.
set -euo pipefail

BUILD_PKGS=(make gcc clang llvm pkg-config libbpf-dev bpftool libelf-dev
	zlib1g-dev libnftnl-dev libmnl-dev libinih-dev libjansson-dev libcurl4-openssl-dev
	linux-libc-dev libclang-rt-14-dev)
TEST_PKGS=(iproute2 ethtool nftables tshark tcpreplay tcpdump openssh-server openssh-client hydra sshpass
	nginx-light openssl vsftpd dnsmasq-base prometheus nfdump
	socat curl iputils-ping procps python3 python3-scapy python3-paramiko kmod valgrind util-linux
	redis-server redis-tools mariadb-server mariadb-client postgresql dovecot-imapd dovecot-pop3d postfix
	crowdsec crowdsec-firewall-bouncer python3-yaml jq
	podman runc busybox-static tinyproxy-bin nmap)
LINT_PKGS=(clang-format clang-tidy cppcheck shellcheck)
BENCH_PKGS=(xdp-tools fail2ban sshguard bc gnuplot-nox softflowd)

want=("${BUILD_PKGS[@]}")
case "${1:-all}" in
run) ;;
lint) want+=("${LINT_PKGS[@]}") ;;
all) want+=("${TEST_PKGS[@]}" "${LINT_PKGS[@]}" "${BENCH_PKGS[@]}") ;;
*) echo "usage: $0 [run|lint|all]" >&2; exit 2 ;;
esac

missing=()
for p in "${want[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
		missing+=("$p")
	fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "setup-deps: missing packages (${missing[*]}); run as root" >&2
	exit 1
fi
echo "setup-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
# servers installed for the tests (sshd, nginx) must not start on the host:
# the tests run their own inside network namespaces
policy=/usr/sbin/policy-rc.d
created_policy=0
if [ ! -e "$policy" ]; then
	printf '#!/bin/sh\nexit 101\n' >"$policy"
	chmod +x "$policy"
	created_policy=1
fi
trap '[ "$created_policy" = 1 ] && rm -f "$policy"' EXIT
# crowdsec registers with CrowdSec's online API when it is installed unless
# this file exists; the tests run their own LAPI offline
if printf '%s\n' "${missing[@]}" | grep -qx crowdsec && [ ! -e /etc/crowdsec/online_api_credentials.yaml ]; then
	mkdir -p /etc/crowdsec
	echo '# offline: minewall tests run their own Local API' >/etc/crowdsec/online_api_credentials.yaml
fi
apt-get update -q
apt-get install -y -q --no-install-recommends "${missing[@]}"
