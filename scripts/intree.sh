#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Prove the kernel-tree shape: overlay this repository's directories onto
# linux-source-6.12, hook them in the way an upstream patch would
# (drivers/iommu Kconfig and Makefile, samples, the selftests' TARGETS, the
# userspace-api index and ioctl-number.rst), build the subsystem, its
# sample and its selftest in-tree against the debug kernel's config, then
# boot the debug kernel with the in-tree module and run the in-tree
# selftest binary; then boot it again with the kernel's intel-iommu driver
# on, patched by patches/ (the HOST queue), and run iommufd_inv_host.
# Prints TAP, the plan last.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

bash "$TOP/scripts/setup.sh" debug >&2 || exit 1
kbuild=$(bash "$TOP/scripts/build-kernel.sh" x86_64 \
	"$TOP/scripts/kconfig/x86_64-debug.config") || exit 1
work="$CACHE/intree"
src="$work/src"
build="$work/build"
out="$TOP/out/intree"
mkdir -p "$out" "$work"
n=0

step()
{
	local name=$1
	shift
	n=$((n + 1))
	if "$@" >"$out/$n.log" 2>&1; then
		echo "ok $n intree: $name"
	else
		echo "not ok $n intree: $name"
		tail -n 30 "$out/$n.log" | sed 's/^/# /'
		return 1
	fi
}

# Replace each file by a copy of itself, so that writing it (>>, patch)
# cannot reach the shared unpacked tree through its hard link.
own()
{
	local f

	for f in "$@"; do
		cp "$f" "$f.own" && mv -f "$f.own" "$f" || return 1
		[ "$(stat -c %h "$f")" = 1 ] || return 1
	done
}

overlay()
{
	# Hard links: the unpacked tree is shared, edits replace files.
	rm -rf "$src" && cp -al "$LINUX_SRC" "$src" || return 1
	rm -f "$src/.unpacked"
	(cd "$TOP" && git ls-files drivers include tools samples Documentation |
		cpio -pdm --quiet "$src") || return 1
	sed -i '/^source "drivers\/iommu\/iommufd\/Kconfig"/a source "drivers/iommu/iommufd-inv/Kconfig"' \
		"$src/drivers/iommu/Kconfig"
	own "$src/drivers/iommu/Makefile" "$src/samples/Makefile" || return 1
	echo 'obj-$(CONFIG_IOMMUFD_INV) += iommufd-inv/' >>"$src/drivers/iommu/Makefile"
	sed -i '/^endif # SAMPLES/i config SAMPLE_IOMMUFD_INV\n\tbool "Build the iommufd-inv sample"\n\tdepends on CC_CAN_LINK && HEADERS_INSTALL\n\thelp\n\t  Build samples/iommufd_inv, a minimal VMM flow.\n' \
		"$src/samples/Kconfig"
	echo 'subdir-$(CONFIG_SAMPLE_IOMMUFD_INV) += iommufd_inv' >>"$src/samples/Makefile"
	sed -i 's/^TARGETS += iommu$/TARGETS += iommu\nTARGETS += iommufd_inv/' \
		"$src/tools/testing/selftests/Makefile"
	sed -i 's/^   iommufd$/   iommufd\n   iommufd_inv/' \
		"$src/Documentation/userspace-api/index.rst"
	sed -i "s/^0xB8  01-02  uapi\/misc\/mrvl_cn10k_dpi.h .*/&\n0xB9  00-3F  uapi\/linux\/iommufd_inv.h                                  iommufd-inv/" \
		"$src/Documentation/userspace-api/ioctl/ioctl-number.rst"
	grep -q iommufd-inv "$src/drivers/iommu/Kconfig" &&
		grep -q '^0xB9' "$src/Documentation/userspace-api/ioctl/ioctl-number.rst" &&
		apply_series
}

# The patch series (patches/*.patch, git format-patch files with their
# commit messages): every file a patch touches is first replaced by a
# copy, so no hard link into the shared unpacked tree is ever written.
# The copy is new, so the kept build directory rebuilds it; so is every
# file the previous run's series touched (listed in the build directory),
# or one the series no longer touches would keep its patched object.
apply_series()
{
	local p f files

	files=$(cat "$build/.intree-series" 2>/dev/null)
	for p in "$TOP"/patches/*.patch; do
		[ -e "$p" ] && files+=" $(sed -n 's#^+++ b/##p' "$p")"
	done
	for f in $files; do
		[ -f "$src/$f" ] || continue
		own "$src/$f" || return 1
	done
	for p in "$TOP"/patches/*.patch; do
		[ -e "$p" ] || continue
		echo "applying $(basename "$p")"
		patch -p1 -d "$src" -s --no-backup-if-mismatch <"$p" || return 1
	done
	# Into the build directory once configure has (re)made it.
	printf '%s\n' $files | sort -u >"$work/series.list" || return 1
	# The shared tree is as unpacked.
	! grep -q iommufd-inv "$LINUX_SRC/drivers/iommu/Makefile" &&
		! grep -q iommufd_inv "$LINUX_SRC/samples/Makefile" &&
		! grep -q intel_iommu_dev_qi_submit "$LINUX_SRC/drivers/iommu/intel/iommu.c" &&
		! grep -q 'wait_index - index' "$LINUX_SRC/drivers/iommu/intel/dmar.c" &&
		[ ! -e "$LINUX_SRC/include/linux/intel-iommu-qi.h" ] &&
		grep -q intel_iommu_dev_qi_submit "$src/drivers/iommu/intel/iommu.c"
}

configure()
{
	# The build directory starts as a copy of the debug kernel's and is
	# kept between runs (kbuild rebuilds what changed), redone when the
	# debug kernel's build is another.
	if [ "$(cat "$build/.intree-kbuild" 2>/dev/null)" != "$kbuild" ]; then
		rm -rf "$build" && cp -a "$kbuild" "$build" &&
			echo "$kbuild" >"$build/.intree-kbuild" || return 1
	fi
	cp "$kbuild/.config" "$build/.config" &&
		cp "$work/series.list" "$build/.intree-series" || return 1
	# The HOST queue (patches/0001); for its guest, virtio-rng devices
	# behind the IOMMU and the driver's debugfs (the PASID-table entries
	# the HOST-queue test reads the device's domain ID from).
	"$src/scripts/config" --file "$build/.config" -m IOMMUFD_INV \
		-e IOMMUFD_INV_TEST -e SAMPLES -e HEADERS_INSTALL \
		-e SAMPLE_IOMMUFD_INV -e IOMMUFD_INV_VTD_HOST \
		-e VIRTIO_MENU -e VIRTIO_PCI -e HW_RANDOM -e HW_RANDOM_VIRTIO \
		-e IOMMU_DEBUGFS -e INTEL_IOMMU_DEBUGFS
	make -s -C "$src" O="$build" olddefconfig
	grep -qx 'CONFIG_IOMMUFD_INV_VTD_HOST=y' "$build/.config" &&
		grep -qx 'CONFIG_HW_RANDOM_VIRTIO=y' "$build/.config" &&
		grep -qx 'CONFIG_INTEL_IOMMU_DEBUGFS=y' "$build/.config" &&
		grep -qx 'CONFIG_IOMMUFD_INV=m' "$build/.config" &&
		grep -qx 'CONFIG_IOMMUFD_INV_TEST=y' "$build/.config" &&
		grep -qx 'CONFIG_SAMPLE_IOMMUFD_INV=y' "$build/.config"
}

build_all()
{
	make -s -C "$src" O="$build" -j"$(nproc)" bzImage modules headers &&
	make -s -C "$src" O="$build" W=1 drivers/iommu/iommufd-inv/ &&
	make -s -C "$src" O="$build" samples/ &&
	test -f "$build/drivers/iommu/iommufd-inv/iommufd_inv.ko" &&
	test -x "$build/samples/iommufd_inv/inv_ioctl"
}

selftest()
{
	make -s -C "$src" O="$build" TARGETS=iommufd_inv kselftest-all &&
	test -x "$build/kselftest/iommufd_inv/iommufd_inv" &&
	test -x "$build/kselftest/iommufd_inv/iommufd_inv_uring" &&
	test -x "$build/kselftest/iommufd_inv/iommufd_inv_host"
}

guest()
{
	bash "$TOP/scripts/vm-run.sh" --kernel "$build/arch/x86/boot/bzImage" \
		--module "$build/drivers/iommu/iommufd-inv/iommufd_inv.ko" \
		--modparams mock=1 --add "$build/kselftest/iommufd_inv/iommufd_inv" \
		--add "$build/kselftest/iommufd_inv/iommufd_inv_uring" \
		--add "$build/samples/iommufd_inv/inv_ioctl" --dir "$out/vm" \
		--append "lsm=capability,smack" --timeout 900 --iommu \
		-- 'export IOMMUFD_INV_NEED_LSM=1; inv_ioctl && iommufd_inv && iommufd_inv_uring' \
		>"$out/guest.tap" &&
	grep -q '^ok ' "$out/guest.tap" && ! grep -q '^not ok' "$out/guest.tap"
}

# The HOST queue: a second boot, the kernel's intel-iommu driver on, its
# TAP lines kept in host.tap.
guest_host()
{
	bash "$TOP/scripts/vm-run.sh" --kernel "$build/arch/x86/boot/bzImage" \
		--module "$build/drivers/iommu/iommufd-inv/iommufd_inv.ko" \
		--modparams mock=1 \
		--add "$build/kselftest/iommufd_inv/iommufd_inv_host" \
		--dir "$out/vm-host" --timeout 900 --iommu-host \
		-- 'export IOMMUFD_INV_NEED_HOST=1; iommufd_inv_host &&
			! dmesg | grep "DMAR: \[DMA"' \
		>"$out/host.tap" &&
	grep -q '^ok ' "$out/host.tap" && ! grep -q '^not ok' "$out/host.tap" &&
	! grep -q '^ok .* # SKIP' "$out/host.tap"
}

# Each HOST-queue test's own result, numbered on from the steps.
host_results()
{
	local line

	[ -f "$out/host.tap" ] || return 0
	while IFS= read -r line; do
		case "$line" in
		"ok "* | "not ok "*)
			n=$((n + 1))
			echo "$line" |
				sed -E "s/^(not )?ok [0-9]+ /\1ok $n intree-host: /"
			;;
		esac
	done <"$out/host.tap"
}

echo "TAP version 13"
rm -f "$out/host.tap"
step "overlay onto linux-source-6.12 and hook Kconfig/Makefiles/docs" overlay &&
step "olddefconfig offers IOMMUFD_INV, IOMMUFD_INV_TEST, SAMPLE_IOMMUFD_INV" configure &&
step "in-tree build of kernel, module (W=1) and sample" build_all &&
step "selftest through make kselftest-all TARGETS=iommufd_inv" selftest && {
	step "in-tree module, sample and selftest pass on the in-tree kernel" guest
	step "VT-d HOST queue beside intel-iommu (intel_iommu=on, virtio-rng DMA)" guest_host
	host_results
}
echo "1..$n"
exit 0
