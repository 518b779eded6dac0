#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the module, the selftests and the samples for one kernel flavour.
#
#   scripts/build.sh debian|debug
#
# debian: against Debian's 6.12 headers (bookworm-backports).
# debug:  against the slim debug kernel built from linux-source-6.12.
# Results go to out/FLAVOUR/; prints that directory.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

flavour=${1:-debian}
out="$TOP/out/$flavour"

case "$flavour" in
debian)
	bash "$TOP/scripts/setup.sh" base >&2
	kdir=$(debian_kdir)
	image=$(debian_vmlinuz) ;;
debug)
	bash "$TOP/scripts/setup.sh" debug >&2
	kdir=$(bash "$TOP/scripts/build-kernel.sh" x86_64 \
		"$TOP/scripts/kconfig/x86_64-debug.config")
	image="$kdir/arch/x86/boot/bzImage" ;;
*) die "unknown flavour $flavour" ;;
esac
mkdir -p "$out"
echo "$image" >"$out/image"

log "building the module against $kdir"
build_module "$kdir" "$out/module" W=1 modules >&2
cp "$out/module/iommufd_inv.ko" "$out/"

ucflags=(-static -O2 -g -Wall -Wextra -Wno-unused-parameter
	-Wno-sign-compare -D_GNU_SOURCE -I"$TOP/include/uapi")
st="$TOP/tools/testing/selftests/iommufd_inv"
# The kernel's kselftest_harness.h changes a local of TEST_F() between
# setjmp() and longjmp(), which -Wextra's -Wclobbered reports in every
# fixture test. The header is the kernel's (its own selftests build
# without -Wextra), not ours to change: the warning is off for the
# selftests only.
for t in $SELFTESTS; do
	gcc "${ucflags[@]}" -Wno-clobbered \
		-I"$LINUX_SRC/tools/testing/selftests" \
		-o "$out/$t" "$st/$t.c" -luring -lpthread
done
for f in "$TOP"/samples/iommufd_inv/*.c; do
	[ -e "$f" ] || continue
	gcc "${ucflags[@]}" -o "$out/$(basename "$f" .c)" "$f" -luring
done
echo "$out"
