#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# One test tier: build, boot, run the selftests in the guest, keep the TAP.
#
#   scripts/check.sh debian|debug
#
# TEST_ARGS is passed to the selftest binary (kselftest harness options,
# e.g. TEST_ARGS="-r inv.iotlb_all" or TEST_ARGS="-f fail_at").
#
# The TAP stream is out/FLAVOUR/tap.log. One TAP line of our own is added:
# whether the guest run itself was clean (booted, module loaded and
# unloaded, no kernel report). Ends with the summary line of this tier.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

flavour=${1:-debian}
out=$(bash "$TOP/scripts/build.sh" "$flavour")
vmargs=(--timeout 900)
[ "$flavour" = debug ] && vmargs+=(--kmemleak)

tap="$out/tap.log"
set +e
bash "$TOP/scripts/vm-run.sh" --kernel "$(cat "$out/image")" \
	--module "$out/iommufd_inv.ko" --modparams mock=1 \
	--add "$out/iommufd_inv" --dir "$out/vm" "${vmargs[@]}" \
	-- iommufd_inv "${TEST_ARGS:-}" >"$tap" 2>"$out/vm-run.err"
rc=$?
set -e
cat "$tap"
cat "$out/vm-run.err" >&2
if grep -q 'FAILED' "$out/vm-run.err" || ! grep -q '^ok ' "$tap"; then
	echo "not ok - $flavour: guest run clean: $(grep FAILED "$out/vm-run.err" | head -n 1)" | tee -a "$tap"
else
	echo "ok - $flavour: guest run clean (rc $rc, no kernel report, module unloaded)" | tee -a "$tap"
fi
bash "$TOP/scripts/tap-summary.sh" "$tap"
