#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Runs the libFuzzer harnesses built by `make FUZZ=1 fuzzers` in BUILD.
#   run.sh BUILD SECONDS  each harness fuzzes for SECONDS from its seeds
#                         (make fuzz); new inputs go to BUILD/fuzz-corpus,
#                         crashes to BUILD/fuzz-crashes
#   run.sh BUILD brief    replays every seed and regression input, then
#                         fuzzes each harness for a few seconds (make test)
# Prints "ok"/"not ok" lines, the executions run, and "N passed, N failed".
set -u
cd "$(dirname "$0")/../.." || exit 1
BUILD=${1:?usage: run.sh BUILD SECONDS|brief}
MODE=${2:-brief}
HERE=selftests/fuzz
FUZZERS=(config list dns tls ja4 stratum control ipfix login_reply name proc_net_tcp ntp_conf cs_stream
	cgroup_path ct_state proxy http_rpc websocket)
declare -A MAX_LEN=([config]=8192 [list]=16384 [dns]=1024 [tls]=2048 [ja4]=4096 [stratum]=2048
	[control]=4096 [ipfix]=8192 [login_reply]=256 [name]=512 [proc_net_tcp]=512 [ntp_conf]=1024
	[cs_stream]=8192 [cgroup_path]=1024 [ct_state]=4096 [proxy]=2048
	[http_rpc]=512 [websocket]=512)
if [ "$MODE" = brief ]; then
	SECONDS_EACH=3
elif [[ $MODE =~ ^[0-9]+$ ]] && [ "$MODE" -gt 0 ]; then
	SECONDS_EACH=$MODE
else
	echo "run.sh: '$MODE' is neither a number of seconds nor 'brief'" >&2
	exit 2
fi
pass=0
fail=0
total_runs=0
WORK=$(mktemp -d /tmp/mw-fuzz.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}

result() { # result OK NAME
	if [ "$1" = 0 ]; then
		echo "ok - $2"
		pass=$((pass + 1))
	else
		echo "not ok - $2"
		fail=$((fail + 1))
	fi
}

for f in "${FUZZERS[@]}"; do
	bin=$BUILD/fuzz_$f
	seeds=$HERE/corpus/$f
	regress=$HERE/regress/$f
	if [ ! -x "$bin" ]; then
		result 1 "fuzz_$f: not built ($bin)"
		continue
	fi
	mkdir -p "$regress"
	# every seed and every input that once crashed, run once each
	n=$(find "$seeds" "$regress" -type f | wc -l)
	if "$bin" -runs=0 "$seeds" "$regress" >"$WORK/$f.replay" 2>&1; then
		result 0 "fuzz_$f: $n seed and regression inputs replayed"
	else
		tail -30 "$WORK/$f.replay"
		result 1 "fuzz_$f: a seed or regression input fails"
	fi
done

# then fuzz each from a copy of its seeds, two at a time (one per core: a
# fuzzer is alone on its core, and the whole run takes half as long)
fuzz_one() { # fuzz_one NAME: runs it, leaves its exit status in $WORK/NAME.rc
	local f=$1 bin=$BUILD/fuzz_$1 corpus crashes
	if [ "$MODE" = brief ]; then
		corpus=$WORK/corpus-$f
		crashes=$WORK/crash-$f-
	else
		corpus=$BUILD/fuzz-corpus/$f
		crashes=$BUILD/fuzz-crashes/$f-
		mkdir -p "$BUILD/fuzz-crashes"
	fi
	mkdir -p "$corpus"
	cp -n "$HERE/corpus/$f"/* "$corpus"/ 2>/dev/null
	"$bin" -max_total_time="$SECONDS_EACH" -max_len="${MAX_LEN[$f]}" -timeout=10 \
		-rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$crashes" \
		"$corpus" >"$WORK/$f.fuzz" 2>&1
	echo $? >"$WORK/$f.rc"
}
for f in "${FUZZERS[@]}"; do
	[ -x "$BUILD/fuzz_$f" ] || continue
	fuzz_one "$f" &
	while [ "$(jobs -rp | wc -l)" -ge 2 ]; do wait -n; done
done
wait
for f in "${FUZZERS[@]}"; do
	[ -f "$WORK/$f.rc" ] || continue
	rc=$(cat "$WORK/$f.rc")
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$WORK/$f.fuzz" | tail -1)
	runs=${runs:-0}
	total_runs=$((total_runs + runs))
	if [ "$rc" -eq 0 ]; then
		result 0 "fuzz_$f: ${SECONDS_EACH} s, $runs executions, no crash"
	else
		grep -E 'ERROR|SUMMARY|abort|fuzz_|==[0-9]+==' "$WORK/$f.fuzz" | head -30
		if [ "$MODE" = brief ]; then
			result 1 "fuzz_$f: crashed after $runs executions (input: $WORK/crash-$f-*; keep it in $HERE/regress/$f)"
		else
			result 1 "fuzz_$f: crashed after $runs executions (input: $BUILD/fuzz-crashes/$f-*; keep it in $HERE/regress/$f)"
		fi
	fi
done
echo "fuzzing: ${#FUZZERS[@]} harnesses x ${SECONDS_EACH} s, $total_runs executions in all"
echo "fuzz: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
