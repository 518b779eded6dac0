#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Boot a tier's kernel N times in a row, as the tier boots it (module
# loaded and unloaded, same QEMU machine and kernel arguments), and count
# the boots the runner judged clean: no panic, oops, BUG, WARNING, KASAN,
# UBSAN, lockdep or kmemleak report. For boot-time flakes that a single
# test run shows only now and then.
#
#   scripts/boot-soak.sh [debian|debug] [N]
#
# Prints one TAP line per boot and the summary; exits non-zero on any
# unclean boot.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

flavour=${1:-debug}
n=${2:-20}
out=$(bash "$TOP/scripts/build.sh" "$flavour") || exit 1
args=(--kernel "$(cat "$out/image")" --module "$out/iommufd_inv.ko"
	--modparams mock=1 --iommu --timeout 300 --dir "$out/soak")
[ "$flavour" = debug ] && args+=(--kmemleak --append "lsm=capability,smack")

echo "1..$n"
bad=0
for i in $(seq 1 "$n"); do
	if bash "$TOP/scripts/vm-run.sh" "${args[@]}" -- cat /proc/version \
		>/dev/null 2>"$out/soak.err"; then
		echo "ok $i $flavour boot $i clean"
	else
		bad=$((bad + 1))
		echo "not ok $i $flavour boot $i"
		sed 's/^/# /' "$out/soak.err"
		cp "$out/soak/console.log" "$out/soak-$i-console.log"
	fi
done
echo "$((n - bad)) passed, $bad failed"
[ "$bad" = 0 ]
