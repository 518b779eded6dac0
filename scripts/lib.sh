# SPDX-License-Identifier: GPL-2.0
# Shared helpers for the iommufd-inv scripts (sourced, not run).

# Everything built or downloaded lives outside the repository so a fresh
# clone reuses it and a second build costs nothing.
CACHE=${IOMMUFD_INV_CACHE:-/var/cache/iommufd-inv}
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
mkdir -p "$CACHE"

log() { printf '[iommufd-inv] %s\n' "$*" >&2; }
die() { printf '[iommufd-inv] error: %s\n' "$*" >&2; exit 1; }

# The unpacked linux-source-6.12 tree: harness header, checkpatch, sparse
# checks and the slim kernels all come from it.
LINUX_SRC="$CACHE/linux-source-6.12"

ensure_linux_source()
{
	local tarball

	if [ -f "$LINUX_SRC/.unpacked" ]; then
		# Shared by every build: intree.sh's overlay must not write it.
		! grep -qs -e iommufd-inv -e iommufd_inv \
			"$LINUX_SRC/drivers/iommu/Makefile" \
			"$LINUX_SRC/samples/Makefile" ||
			die "$LINUX_SRC was modified: remove it to unpack again"
		return 0
	fi
	tarball=$(ls /usr/src/linux-source-6.12.tar.* 2>/dev/null | head -n 1)
	[ -n "$tarball" ] || die "linux-source-6.12 is not installed"
	log "unpacking $(basename "$tarball")"
	rm -rf "$LINUX_SRC.tmp" && mkdir -p "$LINUX_SRC.tmp"
	tar -xf "$tarball" -C "$LINUX_SRC.tmp" --strip-components=1
	rm -rf "$LINUX_SRC" && mv "$LINUX_SRC.tmp" "$LINUX_SRC"
	touch "$LINUX_SRC/.unpacked"
}

# Build the module against kernel tree $1 in a private copy under $2 (so
# builds for several kernels never share objects); extra make args follow.
# The selftest binaries, in the order the tiers run them.
SELFTESTS="iommufd_inv iommufd_inv_uring iommufd_inv_vtd iommufd_inv_smmu
	iommufd_inv_smmu_fake iommufd_inv_fail_nth iommufd_inv_stress
	iommufd_inv_fuzz iommufd_inv_trace iommufd_inv_units iommufd_inv_nomock"

build_module()
{
	local kdir=$1 dir=$2

	shift 2
	mkdir -p "$dir"
	cp "$TOP"/drivers/iommu/iommufd-inv/{Makefile,Kconfig,*.c,*.h} "$dir/"
	make -s -C "$kdir" M="$dir" IOMMUFD_INV_INCLUDE="$TOP/include" \
		CONFIG_IOMMUFD_INV=m CONFIG_IOMMUFD_INV_TEST=y "$@"
}

debian_kver() { cat "$CACHE/debian-kver"; }
debian_kdir() { echo "/usr/src/linux-headers-$(debian_kver)-amd64"; }
debian_vmlinuz() { echo "$CACHE/debian-image/$(debian_kver)/vmlinuz"; }
