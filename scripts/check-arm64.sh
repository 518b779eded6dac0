#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The arm64 tier: the SMMUv3 HWPT type on QEMU's emulated smmuv3.
#
#   scripts/check-arm64.sh
#
# Builds a slim arm64 kernel from linux-source-6.12 with no SMMUv3 driver
# (cached like the others), the module and the selftests that need no
# liburing cross-compiled for it, and a static /init (guest-init.c): there
# is no arm64 busybox. Boots qemu-system-aarch64 -M virt,iommu=smmuv3 with
# three PCI devices behind the SMMU, runs the selftests with
# IOMMUFD_INV_NEED_SMMU=1 (a missing SMMU fails, it does not skip), then
# iommufd_inv_nomock after reloading the module without mock=1.
#
# TEST_ARGS is passed to each selftest (kselftest harness options). The
# TAP stream is out/arm64/tap.log; like check.sh, one TAP line of our own
# says whether the guest run was clean, and the last line is the summary.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

out="$TOP/out/arm64"
cross=aarch64-linux-gnu-
tests="iommufd_inv iommufd_inv_smmu"

bash "$TOP/scripts/setup.sh" arm64 >&2
command -v qemu-system-aarch64 >/dev/null ||
	die "qemu-system-aarch64 missing: run scripts/setup.sh arm64"
kdir=$(bash "$TOP/scripts/build-kernel.sh" arm64 \
	"$TOP/scripts/kconfig/arm64.config")
rm -rf "$out" && mkdir -p "$out"

# W=1 and sparse here too: the x86 lint build has no CONFIG_OF, so
# smmu_unit.c is checked only in this one.
log "building the module against $kdir"
build_module "$kdir" "$out/module" ARCH=arm64 CROSS_COMPILE=$cross \
	W=1 C=2 CHECK="sparse -Wno-unknown-attribute" modules \
	>"$out/build.log" 2>&1 || { cat "$out/build.log" >&2; die "module build failed"; }
grep -E 'warning:|error:' "$out/build.log" | grep -v "$LINUX_SRC" \
	>"$out/w1.log" || true
cp "$out/module/iommufd_inv.ko" "$out/"

ucflags=(-static -O2 -g -Wall -Wno-unused-parameter -Wno-sign-compare
	-D_GNU_SOURCE -I"$TOP/include/uapi")
st="$TOP/tools/testing/selftests/iommufd_inv"
for t in $tests iommufd_inv_nomock; do
	${cross}gcc "${ucflags[@]}" -I"$LINUX_SRC/tools/testing/selftests" \
		-o "$out/$t" "$st/$t.c"
done

# --- initramfs --------------------------------------------------------
root="$out/initramfs"
mkdir -p "$root"/{bin,dev,proc,sys,tmp,etc}
${cross}gcc -static -O2 -Wall -o "$root/init" "$TOP/scripts/guest-init.c"
cp "$out/iommufd_inv.ko" "$root/module.ko"
for t in $tests iommufd_inv_nomock; do
	cp "$out/$t" "$root/bin/"
done
{
	echo "env IOMMUFD_INV_NEED_SMMU=1"
	echo "insmod /module.ko mock=1"
	for t in $tests; do
		echo "run /bin/$t ${TEST_ARGS:-}"
	done
	echo "rmmod iommufd_inv"
	echo "insmod /module.ko"
	echo "run /bin/iommufd_inv_nomock ${TEST_ARGS:-}"
	echo "rmmod iommufd_inv"
} >"$root/etc/plan"
(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1 >"$out/initrd.gz")

# --- boot ---------------------------------------------------------------
# The console is quiet while the tests run; guest-init prints the kernel
# log after them. Devices at 00:05.0 and 00:06.0, with the host bridge at
# 00:00.0, give the tests three stream IDs that exist.
console="$out/console.log"
log "booting arm64 guest (QEMU virt, smmuv3)"
start=$(date +%s)
set +e
timeout --foreground -k 5 1200 qemu-system-aarch64 \
	-M virt,iommu=smmuv3 -accel tcg -cpu cortex-a57 -smp 2 -m 1G \
	-no-reboot -display none -monitor none -nic none \
	-device virtio-rng-pci,addr=5 -device virtio-rng-pci,addr=6 \
	-kernel "$kdir/arch/arm64/boot/Image" -initrd "$out/initrd.gz" \
	-append "console=ttyAMA0 panic=-1 loglevel=1" \
	-serial "file:$console" </dev/null
qrc=$?
set -e
log "guest ran $(( $(date +%s) - start )) s (qemu exit $qrc)"

tap="$out/tap.log"
sed '/^==== kmsg ====/,$d' "$console" | tr -d '\r' >"$tap"
sed -n '/^==== kmsg ====/,/^==== kmsg ====/p' "$console" | tr -d '\r' \
	>"$out/kmsg.log"
cat "$tap"

rc=$(sed -n 's/^IOMMUFD_INV_EXIT=\([0-9]*\).*/\1/p' "$console" | tail -n 1)
planned=$(awk '/^1\.\.[0-9]+$/ { n += substr($0, 4) + 0 } END { print n + 0 }' "$tap")
got=$(grep -Ec '^(not )?ok ' "$tap" || true)
report=$(grep -E 'Kernel panic|BUG:|WARNING:|Oops|KASAN:|UBSAN:|possible circular locking|possible recursive locking|inconsistent lock state|suspicious RCU usage|kernel BUG at|Call trace:|rmmod .* failed' \
	"$console" | head -n 20 || true)
what=""
if [ "$qrc" = 124 ] || [ "$qrc" = 137 ]; then
	what="guest timed out"
elif [ -z "$rc" ]; then
	what="guest did not finish (qemu exit $qrc)"
elif [ "$rc" = 125 ]; then
	what="module failed to load"
elif [ -n "$report" ]; then
	what="kernel report in $console: $(echo "$report" | head -n 1)"
	echo "$report" >&2
elif [ "$planned" != "$got" ]; then
	what="$got results for $planned planned"
elif [ "$rc" != 0 ] && ! grep -q '^not ok ' "$tap"; then
	what="exit $rc without a failed test"
fi
if [ -s "$out/w1.log" ]; then
	echo "not ok - arm64: W=1 build and sparse (C=2) clean" | tee -a "$tap"
	sed 's/^/# /' "$out/w1.log" | tee -a "$tap"
else
	echo "ok - arm64: W=1 build and sparse (C=2) clean" | tee -a "$tap"
fi
if [ -n "$what" ]; then
	echo "not ok - arm64: guest run clean: $what" | tee -a "$tap"
else
	echo "ok - arm64: guest run clean (rc $rc, no kernel report, module unloaded)" | tee -a "$tap"
fi
bash "$TOP/scripts/tap-summary.sh" "$tap"
