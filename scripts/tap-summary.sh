#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Count TAP results in the given logs and print "N passed, N failed,
# N skipped". Exits non-zero if anything failed or nothing ran.
set -euo pipefail

passed=0 failed=0 skipped=0
for f in "$@"; do
	[ -f "$f" ] || { failed=$((failed + 1)); continue; }
	p=$(grep -E '^ok ' "$f" | grep -vEc '# *(SKIP|skip)' || true)
	s=$(grep -E '^ok ' "$f" | grep -Ec '# *(SKIP|skip)' || true)
	n=$(grep -Ec '^not ok ' "$f" || true)
	passed=$((passed + p)) skipped=$((skipped + s)) failed=$((failed + n))
done
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" = 0 ] && [ "$passed" -gt 0 ]
