#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# One test tier: build, boot, run the selftests in the guest, keep the TAP.
#
#   scripts/check.sh debian|debug
#
# TESTS names the selftest binaries to run (default: all of them);
# TEST_ENV is put in their environment (e.g.
# TEST_ENV="IOMMUFD_INV_FUZZ_CALLS=1000 IOMMUFD_INV_STRESS_SECS=10");
# TEST_ARGS is passed to each (kselftest harness options, e.g.
# TESTS=iommufd_inv TEST_ARGS="-r inv.iotlb_all", or TEST_ARGS="-f fail_at").
#
# The TAP stream is out/FLAVOUR/tap.log. One TAP line of our own is added:
# whether the guest run itself was clean (booted, module loaded and
# unloaded, no kernel report). Ends with the summary line of this tier.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

flavour=${1:-debian}
out=$(bash "$TOP/scripts/build.sh" "$flavour")
# QEMU's intel-iommu is there for the VT-d tests' hardware queue; they
# fail rather than skip without it.
vmargs=(--timeout 3000 --iommu)
# The debug kernel has Smack, chosen at boot, so the security_uring_cmd()
# test must run; and tracing, so the trace-event test must run.
need="IOMMUFD_INV_NEED_VTD=1"
if [ "$flavour" = debug ]; then
	vmargs+=(--kmemleak --append "lsm=capability,smack")
	need+=" IOMMUFD_INV_NEED_LSM=1 IOMMUFD_INV_NEED_TRACE=1"
fi

tests=$(echo ${TESTS:-$SELFTESTS})
adds=(--add "$TOP/scripts/guest-selftests.sh")
for t in $tests; do
	adds+=(--add "$out/$t")
done

tap="$out/tap.log"
set +e
bash "$TOP/scripts/vm-run.sh" --kernel "$(cat "$out/image")" \
	--module "$out/iommufd_inv.ko" --modparams mock=1 \
	"${adds[@]}" --dir "$out/vm" "${vmargs[@]}" \
	-- "TEST_ARGS='${TEST_ARGS:-}' $need ${TEST_ENV:-} sh /bin/guest-selftests.sh $tests" \
	>"$tap" 2>"$out/vm-run.err"
rc=$?
set -e
cat "$tap"
cat "$out/vm-run.err" >&2
# Every plan ("1..N") must be met: a binary that died part-way fails here.
planned=$(awk '/^1\.\.[0-9]+\r?$/ { n += substr($0, 4) + 0 } END { print n + 0 }' "$tap")
got=$(grep -Ec '^(not )?ok ' "$tap" || true)
if grep -q 'FAILED' "$out/vm-run.err" || ! grep -q '^ok ' "$tap"; then
	echo "not ok - $flavour: guest run clean: $(grep FAILED "$out/vm-run.err" | head -n 1)" | tee -a "$tap"
elif [ "${planned:-0}" != "$got" ]; then
	echo "not ok - $flavour: guest run clean: $got results for $planned planned (rc $rc)" | tee -a "$tap"
elif [ "$rc" != 0 ] && ! grep -q '^not ok ' "$tap"; then
	echo "not ok - $flavour: guest run clean: exit $rc without a failed test" | tee -a "$tap"
else
	echo "ok - $flavour: guest run clean (rc $rc, no kernel report, module unloaded)" | tee -a "$tap"
fi
bash "$TOP/scripts/tap-summary.sh" "$tap"
