#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Build a slim kernel from linux-source-6.12 and cache it outside the repo,
# keyed by the config fragment, so a second build costs nothing.
#
#   scripts/build-kernel.sh x86_64|arm64 FRAGMENT
#
# Prints the build directory (O=) on stdout; the image is
# arch/x86/boot/bzImage or arch/arm64/boot/Image inside it.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

arch=$1
frag=$(realpath "$2")

ensure_linux_source
key=$(cat "$frag" "$0" | sha256sum | cut -c1-16)
out="$CACHE/kernels/$arch-$key"

case "$arch" in
x86_64)	karch=x86; image=arch/x86/boot/bzImage; target=bzImage; cross="" ;;
arm64)	karch=arm64; image=arch/arm64/boot/Image; target=Image
	cross=aarch64-linux-gnu- ;;
*)	die "unknown arch $arch" ;;
esac

# One build per key at a time: a second caller waits for the first.
mkdir -p "$CACHE/kernels"
exec 9>"$out.lock"
flock 9
if [ -f "$out/.done" ]; then
	echo "$out"
	exit 0
fi

log "building $arch kernel $key (about 5-10 minutes, cached afterwards)"
rm -rf "$out" && mkdir -p "$out"
mk() { make -s -C "$LINUX_SRC" O="$out" ARCH="$karch" \
	${cross:+CROSS_COMPILE=$cross} "$@"; }
mk tinyconfig >/dev/null
(cd "$LINUX_SRC" && ARCH=$karch CROSS_COMPILE=$cross \
	scripts/kconfig/merge_config.sh -m -O "$out" "$out/.config" "$frag" \
	>/dev/null)
mk olddefconfig >/dev/null

# Options whose dependencies are missing are dropped silently: refuse them.
bad=0
while IFS= read -r line; do
	case "$line" in
	CONFIG_*=y|CONFIG_*=m)
		if ! grep -qx "$line" "$out/.config"; then
			log "config option not set: $line"; bad=1
		fi ;;
	CONFIG_*=n)
		if grep -q "^${line%=n}=" "$out/.config"; then
			log "config option not off: $line"; bad=1
		fi ;;
	esac
done <"$frag"
[ "$bad" = 0 ] || die "config fragment $frag did not apply"

mk -j"$(nproc)" "$target" modules 2>&1 | grep -v '^  ' >&2 || true
[ -f "$out/$image" ] || die "kernel build failed"
touch "$out/.done"
echo "$out"
