#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Time per block request and per unblock at 10k and 100k entries, for the
# policy of commit BASE (default: the one before the index by prefix) and
# for this tree's, both built -O2 without sanitizers from the same
# selftests/test_policy.c (its timing part only, -DMW_POLICY_OLD, for BASE).
# Usage: selftests/bench/bench_policy.sh [BASE]
set -eu
cd "$(dirname "$0")/.."
BASE=${1:-$(git log --format=%H --reverse -S mw_policy_check -- user/enforce/policy.c | head -1)~1}
PKGS="libbpf libelf zlib libnftnl libmnl inih jansson"
CC=${CC:-clang}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

make -s -j2 all build/selftests/test_policy >/dev/null
mkdir -p "$tmp/user/enforce"
git show "$BASE:user/enforce/policy.c" >"$tmp/user/enforce/policy.c"
git show "$BASE:user/enforce/policy.h" >"$tmp/user/enforce/policy.h"
# shellcheck disable=SC2016 # $(LIB_OBJS) is for make to expand
objs="$(make -s --eval 'print-libobjs: ; @echo $(LIB_OBJS)' print-libobjs)
	build/user/enforce/allow.o build/user/localaddr.o build/user/output/eve.o"
# the old header first: both the test and the old policy.c read it
# shellcheck disable=SC2046,SC2086
$CC -O2 -std=gnu11 -D_GNU_SOURCE -DMW_POLICY_OLD -I"$tmp/user" -Iinclude -Iuser -Ibuild \
	$(pkg-config --cflags $PKGS) selftests/test_policy.c selftests/test.c \
	"$tmp/user/enforce/policy.c" $objs $(pkg-config --libs $PKGS) -lm -o "$tmp/test_policy_old"
echo "before ($(git log --format='%h' -1 "$BASE")):"
"$tmp/test_policy_old" time | grep -e 'us per' -e passed
echo "after (this tree):"
build/selftests/test_policy time | grep -e 'us per' -e passed
