#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Run test tiers, keep going past a failing one, and end with one summary
# line counted from every tier's TAP results.
#
#   scripts/check-all.sh TIER...
#
# Tiers: debian (selftests on Debian's 6.12), runner (tests of the VM
# runner), debug (selftests on the KASAN/lockdep/kmemleak kernel), lint,
# intree (the subsystem overlaid on linux-source-6.12 and built in-tree),
# arm64 (the SMMUv3 tests on QEMU's smmuv3), pkg (the Debian packages,
# DKMS and device access: scripts/check-pkg.sh).
set -uo pipefail
. "$(dirname "$0")/lib.sh"

logs=()
for tier in "$@"; do
	log "=== tier $tier ==="
	tap="$TOP/out/tier-$tier.tap"
	mkdir -p "$TOP/out"
	start=$(date +%s)
	case "$tier" in
	debian|debug) bash "$TOP/scripts/check.sh" "$tier" | tee "$tap" ;;
	runner) bash "$TOP/scripts/runner-tests/run.sh" | tee "$tap" ;;
	lint) bash "$TOP/scripts/lint.sh" | tee "$tap" ;;
	intree) bash "$TOP/scripts/intree.sh" | tee "$tap" ;;
	arm64) bash "$TOP/scripts/check-arm64.sh" | tee "$tap" ;;
	pkg) bash "$TOP/scripts/check-pkg.sh" | tee "$tap" ;;
	*) die "unknown tier $tier" ;;
	esac
	rc=${PIPESTATUS[0]}
	# A tier that died before printing its results still counts.
	if [ "$rc" != 0 ] && ! grep -q '^not ok' "$tap"; then
		echo "not ok - tier $tier exited $rc" | tee -a "$tap"
	fi
	log "=== tier $tier: exit $rc, $(( $(date +%s) - start )) s ==="
	logs+=("$tap")
done
bash "$TOP/scripts/tap-summary.sh" "${logs[@]}"
