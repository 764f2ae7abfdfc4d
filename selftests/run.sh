#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Runs every test suite against the binaries in BUILD_DIR (default
# build/san: the sanitizer build) and ends with the line CI reads:
# "N passed, N failed". A suite that dies without its own summary counts as
# one failure. Needs root: the tests load BPF programs and build namespaces.
set -u
cd "$(dirname "$0")/.." || exit 1
BUILD_DIR=${1:-build/san}
# an extended regular expression on the suite names: "dns" runs each suite
# whose name holds it (the e2e test_dns_trust too), "^dns$" that one alone
FILTER=${2:-}

if [ "$(id -u)" -ne 0 ]; then
	echo "selftests: must run as root (BPF, XDP, network namespaces)"
	echo "0 passed, 1 failed"
	exit 1
fi

export MW_BIN=$BUILD_DIR
export MW_DATA=${MW_DATA:-$(pwd)/selftests/data}
# the sanitizers must fail a test, not only print
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}

total_pass=0
total_fail=0
failed_suites=()

run_suite() {
	local name=$1 out rc line p f t0
	shift
	[ -n "$FILTER" ] && [[ ! $name =~ $FILTER ]] && return
	echo "=== $name"
	t0=$SECONDS
	out=$(mktemp)
	timeout 600 "$@" 2>&1 | tee "$out"
	rc=${PIPESTATUS[0]}
	line=$(grep -E '[0-9]+ passed, [0-9]+ failed' "$out" | tail -1)
	rm -f "$out"
	echo "--- $name: $((SECONDS - t0)) s"
	if [ -z "$line" ]; then
		echo "$name: no summary (exit status $rc)"
		total_fail=$((total_fail + 1))
		failed_suites+=("$name")
		return
	fi
	p=$(sed -E 's/.* ([0-9]+) passed.*/\1/' <<<"$line")
	f=$(sed -E 's/.* ([0-9]+) failed.*/\1/' <<<"$line")
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		f=1 # exited badly (a sanitizer, a crash) after its summary
	fi
	total_pass=$((total_pass + p))
	total_fail=$((total_fail + f))
	[ "$f" -gt 0 ] && failed_suites+=("$name")
}

start=$(date +%s)
run_suite data bash selftests/check_data.sh
# the unit suites, each named after the module it tests (as in the Makefile)
for m in config util statefile events flow_scan server eve policy stratum bpatterns reasm dirnet \
	list blacklist dns dnsq tls agent_blacklist dict dict_tries login_reply proc_net_tcp ntp_conf \
	resolv_conf fleet cs_ids crowdsec container bridges http_rpc websocket; do
	run_suite "$m" "$BUILD_DIR/selftests/test_$m"
done
run_suite packets "$BUILD_DIR/selftests/test_packets"
run_suite nft "$BUILD_DIR/selftests/test_nft"
# the libFuzzer harnesses (make FUZZ=1 fuzzers): seeds replayed, a short run each
[ -n "${MW_FUZZ_BIN:-}" ] && run_suite fuzz bash selftests/fuzz/run.sh "$MW_FUZZ_BIN" brief
for t in selftests/e2e/test_*.sh; do
	run_suite "$(basename "$t" .sh)" bash "$t"
done

echo "=== $(($(date +%s) - start)) s"
[ ${#failed_suites[@]} -gt 0 ] && echo "failed suites: ${failed_suites[*]}"
echo "$total_pass passed, $total_fail failed"
[ "$total_fail" -eq 0 ]
