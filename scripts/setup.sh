#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Install everything iommufd-inv needs, idempotently, as root.
#
#   scripts/setup.sh [base|debug|arm64|bench|pkg|all]
#
# base:  bookworm-backports, Debian's 6.12 headers and the matching image
#        (extracted, not installed as a boot kernel), QEMU 10, busybox,
#        liburing, kbuild prerequisites, linux-source-6.12 (for the
#        kselftest harness header and checkpatch), sparse.
# debug: base + what a kernel build needs (ccache).
# arm64: base + qemu-system-arm and the aarch64 cross compiler.
# bench: base + gnuplot.
# pkg:   base + what building, checking and installing the Debian packages
#        needs (debhelper, dh-dkms, dkms, lintian, fakeroot).
#
# The backports mirror URI is taken from the machine's own Debian apt
# source; no host name is written here.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

tier=${1:-base}
# dpkg-buildpackage comes with dpkg-dev; dkms is what dh-dkms's maintainer
# scripts call; lintian checks the result.
pkg_tools="dpkg-dev debhelper dh-dkms dkms lintian fakeroot"

[ "$(id -u)" = 0 ] || die "setup must run as root"

backports_list=/etc/apt/sources.list.d/iommufd-inv-backports.sources

debian_mirror()
{
	local uri=""

	# deb822 sources first, then the one-line format.
	if ls /etc/apt/sources.list.d/*.sources >/dev/null 2>&1; then
		uri=$(awk '
			/^URIs:/ { u = $2 }
			/^Suites:/ { for (i = 2; i <= NF; i++)
					if ($i == "bookworm" && u != "") { print u; exit } }
			/^$/ { u = "" }' /etc/apt/sources.list.d/*.sources)
	fi
	if [ -z "$uri" ] && [ -f /etc/apt/sources.list ]; then
		uri=$(awk '$1 == "deb" && $0 !~ /security/ {
				for (i = 2; i <= NF; i++)
					if ($i ~ /:\/\//) { print $i; exit } }' \
			/etc/apt/sources.list)
	fi
	[ -n "$uri" ] || die "cannot find the machine's Debian bookworm apt source"
	echo "$uri"
}

add_backports()
{
	local uri

	if apt-cache policy 2>/dev/null | grep -q 'bookworm-backports'; then
		return 0
	fi
	uri=$(debian_mirror)
	log "adding bookworm-backports from the machine's mirror"
	cat >"$backports_list" <<EOT
Types: deb
URIs: $uri
Suites: bookworm-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOT
	apt-get update -qq
}

missing()
{
	local p out=()

	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
			grep -q 'install ok installed' || out+=("$p")
	done
	echo "${out[@]:-}"
}

install_pkgs()
{
	local todo

	todo=$(missing "$@")
	[ -n "$todo" ] || return 0
	log "installing: $todo"
	# shellcheck disable=SC2086
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
		--no-install-recommends -t bookworm-backports $todo >/dev/null
}

# The kernel ABI version (e.g. 6.12.95+deb12) that the headers meta-package
# points at in backports; the image we boot is pinned to the same string.
resolve_kver()
{
	apt-cache depends -t bookworm-backports linux-headers-amd64 2>/dev/null |
		sed -n 's/.*Depends: linux-headers-\(.*\)-amd64$/\1/p' | head -n 1
}

setup_base()
{
	local kver img deb

	if ! command -v apt-cache >/dev/null; then
		die "not a Debian machine"
	fi
	add_backports
	[ -n "$(missing qemu-system-x86)" ] && apt-get update -qq
	install_pkgs make gcc libc6-dev bc flex bison libelf-dev libssl-dev \
		dwarves kmod cpio gzip xz-utils busybox-static liburing-dev \
		sparse perl python3 qemu-system-x86 linux-source-6.12 \
		ca-certificates python3-docutils

	kver=$(resolve_kver)
	[ -n "$kver" ] || die "cannot resolve linux-headers-amd64 in backports"
	install_pkgs "linux-headers-$kver-amd64"

	# The image is only booted under QEMU: extract it, never install it.
	img="$CACHE/debian-image/$kver"
	if [ ! -f "$img/vmlinuz" ]; then
		log "fetching linux-image-$kver-amd64-unsigned"
		rm -rf "$img.tmp" && mkdir -p "$img.tmp"
		(cd "$img.tmp" && apt-get download -qq \
			"linux-image-$kver-amd64-unsigned" >/dev/null)
		deb=$(ls "$img.tmp"/*.deb)
		dpkg-deb -x "$deb" "$img.tmp/root"
		cp "$img.tmp"/root/boot/vmlinuz-* "$img.tmp/vmlinuz"
		cp "$img.tmp"/root/boot/config-* "$img.tmp/config"
		rm -rf "$img.tmp/root" "$deb"
		rm -rf "$img" && mv "$img.tmp" "$img"
	fi
	echo "$kver" >"$CACHE/debian-kver"

	ensure_linux_source
}

case "$tier" in
base)	setup_base ;;
debug)	setup_base; install_pkgs ccache ;;
arm64)	setup_base; install_pkgs qemu-system-arm gcc-aarch64-linux-gnu \
		libc6-dev-arm64-cross ;;
bench)	setup_base; install_pkgs gnuplot-nox ;;
pkg)	setup_base; install_pkgs $pkg_tools ;;
all)	setup_base; install_pkgs ccache qemu-system-arm gcc-aarch64-linux-gnu \
		libc6-dev-arm64-cross gnuplot-nox $pkg_tools ;;
*)	die "unknown tier '$tier'" ;;
esac
