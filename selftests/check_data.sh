#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# The `data` suite: every third-party file the tests read is in the
# repository and unchanged (selftests/data/SHA256SUMS). A missing or altered
# file fails here by name, rather than as a confusing failure later on.
set -uo pipefail
DATA=${MW_DATA:-$(dirname "$0")/data}
pass=0
fail=0
if [ ! -r "$DATA/SHA256SUMS" ]; then
	echo "not ok - $DATA/SHA256SUMS is missing: the test data is not there"
	echo "data: 0 passed, 1 failed"
	exit 1
fi
while read -r sum file; do
	if [ ! -f "$DATA/$file" ]; then
		echo "not ok - $DATA/$file is missing"
		fail=$((fail + 1))
	elif [ "$(sha256sum <"$DATA/$file" | cut -d' ' -f1)" != "$sum" ]; then
		echo "not ok - $DATA/$file differs from its checksum in SHA256SUMS"
		fail=$((fail + 1))
	else
		pass=$((pass + 1))
	fi
done <"$DATA/SHA256SUMS"
echo "ok - $pass data files present and unchanged"
echo "data: $((fail ? 0 : 1)) passed, $fail failed"
[ "$fail" -eq 0 ]
