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
# the end-to-end suites run in lanes side by side (MW_TEST_LANES, default 2):
# they wait on timers and peers far more than they compute, and each builds
# its own namespaces, pin path, run directory and cgroups
LANES=${MW_TEST_LANES:-2}
RES_DIR=$(mktemp -d /tmp/mw-selftests.XXXXXX)
trap 'rm -rf "$RES_DIR"' EXIT

# tally NAME OUT RC: reads a suite's summary line from OUT into the totals
# file; a suite that died without one counts as one failure
tally() {
	local name=$1 out=$2 rc=$3 line p f
	line=$(grep -E '[0-9]+ passed, [0-9]+ failed' "$out" | tail -1)
	if [ -z "$line" ]; then
		echo "$name: no summary (exit status $rc)"
		echo "$name 0 1" >>"$RES_DIR/totals"
		return
	fi
	p=$(sed -E 's/.* ([0-9]+) passed.*/\1/' <<<"$line")
	f=$(sed -E 's/.* ([0-9]+) failed.*/\1/' <<<"$line")
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		f=1 # exited badly (a sanitizer, a crash) after its summary
	fi
	echo "$name $p $f" >>"$RES_DIR/totals"
}

# run_suite NAME CMD...: runs one suite in the foreground, its output shown
# as it comes
run_suite() {
	local name=$1 out rc t0
	shift
	[ -n "$FILTER" ] && [[ ! $name =~ $FILTER ]] && return
	echo "=== $name"
	t0=$SECONDS
	out=$RES_DIR/$name.out
	timeout 600 "$@" 2>&1 | tee "$out"
	rc=${PIPESTATUS[0]}
	echo "--- $name: $((SECONDS - t0)) s"
	tally "$name" "$out" "$rc"
}

# run_quiet NAME CMD...: runs one suite in a lane; its output is shown whole
# when it ends, never interleaved with another lane's
run_quiet() {
	local name=$1 out rc t0
	shift
	t0=$SECONDS
	out=$RES_DIR/$name.out
	# each suite its own ID (its pid): one exported would be every lane's
	MW_TEST_ID='' timeout 600 "$@" >"$out" 2>&1
	rc=$?
	(
		flock 9
		echo "=== $name"
		cat "$out"
		echo "--- $name: $((SECONDS - t0)) s"
		tally "$name" "$out" "$rc"
	) 9>"$RES_DIR/print.lock"
}

# lane: takes the next job of JOBS from the shared queue until none is
# left; a job is one or more suite scripts run one after the other
lane() {
	local i t scripts
	while :; do
		i=$(
			exec 8>"$RES_DIR/queue.lock"
			flock 8
			read -r i <"$RES_DIR/queue"
			echo $((i + 1)) >"$RES_DIR/queue"
			echo "$i"
		)
		[ "$i" -ge ${#JOBS[@]} ] && return
		read -ra scripts <<<"${JOBS[$i]}"
		for t in "${scripts[@]}"; do
			run_quiet "$(basename "$t" .sh)" bash "$t"
		done
	done
}

start=$(date +%s)
run_suite data bash selftests/check_data.sh
# the unit suites, each named after the module it tests (as in the Makefile)
for m in config util statefile events flow_scan server eve policy stratum bpatterns reasm dirnet \
	list blacklist dns dnsq tls ja4 agent_blacklist dict dict_tries login_reply proc_net_tcp ntp_conf \
	resolv_conf fleet cs_ids crowdsec container bridges doh flow_wait proxy dirnet_allows outscan http_rpc websocket; do
	run_suite "$m" "$BUILD_DIR/selftests/test_$m"
done
run_suite packets "$BUILD_DIR/selftests/test_packets"
run_suite nft "$BUILD_DIR/selftests/test_nft"
# the libFuzzer harnesses (make FUZZ=1 fuzzers): seeds replayed, a short run each
[ -n "${MW_FUZZ_BIN:-}" ] && run_suite fuzz bash selftests/fuzz/run.sh "$MW_FUZZ_BIN" brief

# the e2e jobs, longest first so that the lanes end together; the suites
# that run a CrowdSec LAPI go one after the other in one job
group="selftests/e2e/test_crowdsec.sh selftests/e2e/test_lapi_hostile.sh"
group+=" selftests/e2e/test_lapi_client.sh selftests/e2e/test_eve_suricata.sh"
first="test_benign_http test_dict_spread test_benign_ssh test_stall test_dict test_robust"
JOBS=()
for t in $group; do
	name=$(basename "$t" .sh)
	[ -n "$FILTER" ] && [[ ! $name =~ $FILTER ]] && group=${group/$t/}
done
[ -n "${group// /}" ] && JOBS+=("$group")
for name in $first; do
	t=selftests/e2e/$name.sh
	[ -n "$FILTER" ] && [[ ! $name =~ $FILTER ]] && continue
	JOBS+=("$t")
done
for t in selftests/e2e/test_*.sh; do
	name=$(basename "$t" .sh)
	[[ " $group $first " == *" $t "* || " $first " == *" $name "* ]] && continue
	[ -n "$FILTER" ] && [[ ! $name =~ $FILTER ]] && continue
	JOBS+=("$t")
done
echo 0 >"$RES_DIR/queue"
for ((l = 0; l < LANES; l++)); do
	lane &
done
wait

touch "$RES_DIR/totals"
while read -r name p f; do
	total_pass=$((total_pass + p))
	total_fail=$((total_fail + f))
	[ "$f" -gt 0 ] && failed_suites+=("$name")
done <"$RES_DIR/totals"

echo "=== $(($(date +%s) - start)) s"
[ ${#failed_suites[@]} -gt 0 ] && echo "failed suites: ${failed_suites[*]}"
echo "$total_pass passed, $total_fail failed"
[ "$total_fail" -eq 0 ]
