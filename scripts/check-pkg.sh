#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The pkg tier: install iommufd-inv the way a host does, and prove it.
#
#   1. dpkg-buildpackage -b -us -uc on a copy of the tree; lintian at the
#      default level must print nothing; the packages hold what they should
#      (module source as DKMS expects it, the header, the udev rule, the
#      modules-load.d entry commented out, the examples).
#   2. A clean root: a copy-on-write overlay of this machine's root (in a
#      private mount namespace, thrown away afterwards) where neither
#      package nor the header is installed. dpkg -i there runs the real
#      maintainer scripts: DKMS builds and installs the module for Debian's
#      6.12 headers. The examples compile against the installed header
#      (and did not before). dpkg --purge removes it all again; then the
#      README's checkout path (dkms add of a clone, dkms build) is run.
#   3. make install DESTDIR=... stages the module, header and rule.
#   4. The module DKMS built in the clean root boots in Debian's 6.12 kernel
#      (QEMU intel-iommu): it has no test interface or parameters;
#      iommufd_inv_nomock runs; the node then gets the group and mode the
#      shipped udev rule names (no udevd in the guest: they are parsed from
#      the rule, and its match keys checked against the device's sysfs),
#      and iommufd_inv_access runs (a group member without capabilities
#      uses a HWPT a privileged process handed over, and cannot allocate
#      one on hardware). iommufd_inv_access is built and run only here.
#
# Prints TAP; the guest's selftests add their own.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

bash "$TOP/scripts/setup.sh" pkg >&2 || exit 1

out="$TOP/out/pkg"
rm -rf "$out"
mkdir -p "$out"
kver="$(debian_kver)-amd64"
ver=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"$/\1/p' "$TOP/dkms.conf")
src="$out/src/iommufd-inv-$ver"

pass() { echo "ok - pkg: $*"; }
fail() { echo "not ok - pkg: $*"; }
# Print the tail of a log as TAP diagnostics.
diag() { tail -n "${2:-20}" "$1" | sed 's/^/# /'; }

# --- 1. build, lintian, contents -----------------------------------------
mkdir -p "$src"
if git -C "$TOP" rev-parse --git-dir >/dev/null 2>&1; then
	(cd "$TOP" && git ls-files -co --exclude-standard) |
		(cd "$TOP" && tar -cf - -T -) | tar -xf - -C "$src"
else
	tar -C "$TOP" --exclude=./out -cf - . | tar -xf - -C "$src"
fi
if (cd "$src" && dpkg-buildpackage -b -us -uc) >"$out/build.log" 2>&1; then
	pass "dpkg-buildpackage -b built $(cd "$out/src" && echo *.deb)"
else
	fail "dpkg-buildpackage -b"
	diag "$out/build.log"
	exit 1
fi
dkms_deb=$(ls "$out"/src/iommufd-inv-dkms_*_all.deb)
dev_deb=$(ls "$out"/src/iommufd-inv-dev_*_all.deb)
changes=$(ls "$out"/src/iommufd-inv_*.changes)

lintian --fail-on error,warning "$changes" >"$out/lintian.log" 2>&1
lrc=$?
grep -v '^running with root privileges' "$out/lintian.log" >"$out/lintian.tags"
if [ "$lrc" = 0 ] && [ ! -s "$out/lintian.tags" ]; then
	pass "lintian (default level) prints nothing for $(basename "$changes")"
else
	fail "lintian (exit $lrc)"
	diag "$out/lintian.tags"
fi

x="$out/contents"
mkdir -p "$x"
dpkg-deb -x "$dkms_deb" "$x/dkms" && dpkg-deb -x "$dev_deb" "$x/dev"
dpkg-deb -e "$dkms_deb" "$x/dkms-control"
usrc="$x/dkms/usr/src/iommufd-inv-$ver"
msgs=()
diff -r "$TOP/drivers/iommu/iommufd-inv" "$usrc/drivers/iommu/iommufd-inv" \
	-x '*.o' -x '*.ko' -x '*.mod*' -x '.*' -x '*.symvers' -x '*.order' \
	>/dev/null || msgs+=("module source differs from the tree")
cmp -s "$TOP/dkms.conf" "$usrc/dkms.conf" || msgs+=("dkms.conf differs")
cmp -s "$TOP/include/uapi/linux/iommufd_inv.h" \
	"$usrc/include/uapi/linux/iommufd_inv.h" ||
	msgs+=("DKMS tree lacks the UAPI header")
rule="$x/dkms/lib/udev/rules.d/60-iommufd-inv.rules"
cmp -s "$TOP/packaging/60-iommufd-inv.rules" "$rule" ||
	msgs+=("udev rule missing or different")
mload="$x/dkms/etc/modules-load.d/iommufd-inv.conf"
grep -qx '#iommufd_inv' "$mload" || msgs+=("modules-load.d entry lacks #iommufd_inv")
grep -Evq '^[[:space:]]*(#|$)' "$mload" && msgs+=("modules-load.d entry is not off")
grep -qx /etc/modules-load.d/iommufd-inv.conf "$x/dkms-control/conffiles" ||
	msgs+=("modules-load.d entry is not a conffile")
cmp -s "$TOP/include/uapi/linux/iommufd_inv.h" \
	"$x/dev/usr/include/linux/iommufd_inv.h" || msgs+=("-dev lacks the header")
for f in inv_ioctl.c mini_vmm.c; do
	[ -f "$x/dev/usr/share/doc/iommufd-inv-dev/examples/$f" ] ||
		msgs+=("-dev lacks example $f")
done
if [ ${#msgs[@]} = 0 ]; then
	pass "contents: DKMS source = tree, header, udev rule, modules-load.d entry (off, conffile), examples"
else
	fail "contents: ${msgs[*]}"
fi

# The rule as shipped: valid for udev, and what it gives.
if udevadm verify "$rule" >"$out/udev-verify.log" 2>&1; then
	pass "udevadm verify of the shipped rule"
else
	fail "udevadm verify of the shipped rule"
	diag "$out/udev-verify.log"
fi
rline=$(grep -Ev '^[[:space:]]*(#|$)' "$rule")
rkey() { echo "$rline" | sed -n "s/.*$1\(==\|=\)\"\([^\"]*\)\".*/\2/p"; }
rule_kernel=$(rkey KERNEL) rule_subsys=$(rkey SUBSYSTEM)
rule_group=$(rkey GROUP) rule_mode=$(rkey MODE)
rule_gid=$(getent group "$rule_group" | cut -d: -f3)
if [ "$(echo "$rline" | wc -l)" = 1 ] && [ -n "$rule_kernel" ] &&
   [ -n "$rule_subsys" ] && [ -n "$rule_mode" ] && [ -n "$rule_gid" ]; then
	pass "rule: $rule_subsys/$rule_kernel -> group $rule_group (gid $rule_gid here), mode $rule_mode"
else
	fail "rule not understood (or group '$rule_group' unknown here): $rline"
fi

# --- 2. a clean root -------------------------------------------------------
# The overlay's upper layer is a tmpfs in a private mount namespace: the
# machine's dpkg database, /usr/src, /var/lib/dkms and /lib/modules are
# untouched, and everything goes when the namespace does.
cat >"$out/clean-root.sh" <<'EOF'
set -u
out=$1 kver=$2 ver=$3 t=$4
mount -t tmpfs tmpfs "$t"
mkdir "$t/upper" "$t/work" "$t/root"
mount -t overlay overlay -o "lowerdir=/,upperdir=$t/upper,workdir=$t/work" \
	"$t/root"
mount -t proc proc "$t/root/proc"
mount --rbind /dev "$t/root/dev"
mount -t tmpfs tmpfs "$t/root/tmp"
mkdir -p "$t/root/mnt/pkg"
mount --bind "$out" "$t/root/mnt/pkg"
chroot "$t/root" /bin/bash /mnt/pkg/in-root.sh "$kver" "$ver"
EOF
cat >"$out/in-root.sh" <<'EOF'
# Runs chrooted in the overlay; /mnt/pkg is out/pkg.
set -u
kver=$1 ver=$2
p=/mnt/pkg
pass() { echo "ok - pkg: clean root: $*"; }
fail() { echo "not ok - pkg: clean root: $*"; }
diag() { tail -n 20 "$1" | sed 's/^/# /'; }
ex=/usr/share/doc/iommufd-inv-dev/examples
mod=/lib/modules/$kver/updates/dkms/iommufd_inv.ko.xz

if dpkg -s iommufd-inv-dkms >/dev/null 2>&1 ||
   [ -e /usr/include/linux/iommufd_inv.h ] || [ -e /var/lib/dkms/iommufd-inv ]; then
	fail "iommufd-inv is already installed on this machine: not a clean root"
	exit 1
fi
echo 'int main(void) { return 0; }' >/tmp/t.c
before="not before"
gcc -include linux/iommufd_inv.h -o /tmp/t /tmp/t.c 2>/dev/null &&
	before="ALREADY before the package"

# No deb is given on the command line but ours, so apt is not involved:
# dkms, gcc and the 6.12 headers are this machine's (setup.sh pkg).
if dpkg -i $p/src/iommufd-inv-dkms_*_all.deb $p/src/iommufd-inv-dev_*_all.deb \
	>$p/dpkg-i.log 2>&1; then
	pass "dpkg -i of both packages (maintainer scripts run)"
else
	fail "dpkg -i"
	diag $p/dpkg-i.log
	exit 1
fi
st=$(dkms status -m iommufd-inv -v "$ver" -k "$kver" 2>/dev/null | tr '\n' ' ')
if echo "$st" | grep -q ': installed' && [ -f "$mod" ] &&
   [ "$(modinfo -k "$kver" -F filename iommufd_inv 2>/dev/null)" = "$mod" ]; then
	pass "DKMS built and installed the module for $kver; modinfo -k finds it ($st)"
else
	fail "DKMS install for $kver: '$st', $(ls -l "$mod" 2>&1)"
	diag $p/dpkg-i.log
fi
xz -dc "$mod" >$p/iommufd_inv.ko 2>/dev/null
vm=$(modinfo -F vermagic $p/iommufd_inv.ko 2>/dev/null)
parms=$(modinfo -F parm $p/iommufd_inv.ko 2>/dev/null)
if [ "${vm%% *}" = "$kver" ] && [ -z "$parms" ] &&
   ! nm $p/iommufd_inv.ko | grep -qi 'mock\|testq\|_model'; then
	pass "the DKMS module is the production build (vermagic $kver, no parameters, no mock/model/test-queue code)"
else
	fail "DKMS module: vermagic '$vm', parameters '$parms', $(nm $p/iommufd_inv.ko | grep -ci 'mock\|testq\|_model') test symbols"
fi

# The installed header builds the examples, with no -I: the warning flags
# are the ones scripts/build.sh builds the samples with, plus -Werror.
cflags="-Wall -Wextra -Wno-unused-parameter -Wno-sign-compare -Werror"
if gcc $cflags -o /tmp/inv_ioctl $ex/inv_ioctl.c >$p/cc.log 2>&1 &&
   gcc $cflags -o /tmp/mini_vmm $ex/mini_vmm.c -luring >>$p/cc.log 2>&1; then
	[ "$before" = "not before" ] &&
		pass "the -dev header compiles both examples ($cflags, no -I; $before)" ||
		fail "linux/iommufd_inv.h compiled $before: not a clean root"
else
	fail "examples against the installed header"
	diag $p/cc.log
fi

if dpkg --purge iommufd-inv-dkms iommufd-inv-dev >$p/purge.log 2>&1 &&
   [ ! -e "$mod" ] && [ ! -e /usr/src/iommufd-inv-$ver ] &&
   [ ! -e /var/lib/dkms/iommufd-inv ] && [ ! -e /usr/include/linux/iommufd_inv.h ] &&
   [ ! -e /etc/modules-load.d/iommufd-inv.conf ]; then
	pass "dpkg --purge removes the module, its DKMS state, the header and the conffile"
else
	fail "dpkg --purge left: $(ls -d "$mod" /usr/src/iommufd-inv-$ver /var/lib/dkms/iommufd-inv 2>/dev/null)"
	diag $p/purge.log
fi

# Without packages: dkms add of a clone, as README says.
cp -a $p/src/iommufd-inv-$ver /tmp/clone
rm -rf /tmp/clone/debian
if (cd /tmp/clone && dkms add . && dkms build iommufd-inv/$ver -k "$kver") \
	>$p/dkms-clone.log 2>&1 &&
   [ -f /var/lib/dkms/iommufd-inv/$ver/$kver/x86_64/module/iommufd_inv.ko.xz ]; then
	pass "dkms add . && dkms build iommufd-inv/$ver -k $kver from a clone"
else
	fail "dkms add/build from a clone"
	diag $p/dkms-clone.log
fi
EOF
echo "# clean root: an overlay of / in a private mount namespace"
t=$(mktemp -d /tmp/iommufd-inv-root.XXXXXX)
unshare -m --propagation private bash "$out/clean-root.sh" "$out" "$kver" \
	"$ver" "$t"
rmdir "$t"

# --- 3. make install -------------------------------------------------------
dest="$out/destdir"
if make -C "$TOP" install KVER="$kver" DESTDIR="$dest" >"$out/install.log" 2>&1 &&
   [ -f "$dest/lib/modules/$kver/updates/iommufd_inv.ko.xz" ] &&
   cmp -s "$TOP/include/uapi/linux/iommufd_inv.h" "$dest/usr/include/linux/iommufd_inv.h" &&
   cmp -s "$TOP/packaging/60-iommufd-inv.rules" "$dest/etc/udev/rules.d/60-iommufd-inv.rules" &&
   [ -z "$(xz -dc "$dest/lib/modules/$kver/updates/iommufd_inv.ko.xz" >"$out/mi.ko" && modinfo -F parm "$out/mi.ko")" ]; then
	pass "make install DESTDIR: module (production) in lib/modules/$kver/updates, header, udev rule"
else
	fail "make install DESTDIR"
	diag "$out/install.log"
fi

# --- 4. the DKMS module in the guest -------------------------------------
if [ ! -s "$out/iommufd_inv.ko" ]; then
	fail "guest: no module from the clean root to boot"
	exit 1
fi
ucflags=(-static -O2 -g -Wall -Wextra -Wno-unused-parameter
	-Wno-sign-compare -D_GNU_SOURCE -I"$TOP/include/uapi"
	-I"$LINUX_SRC/tools/testing/selftests")
st="$TOP/tools/testing/selftests/iommufd_inv"
for t in iommufd_inv_nomock iommufd_inv_access; do
	gcc "${ucflags[@]}" -o "$out/$t" "$st/$t.c" -luring -lpthread ||
		{ fail "build $t"; exit 1; }
done
cat >"$out/guest-pkg.sh" <<EOF
# In the guest: the production module as DKMS built it, loaded by vm-run.
rc=0
if [ -d /sys/module/iommufd_inv/parameters ]; then
	echo "not ok - pkg: guest: module has parameters: \$(ls /sys/module/iommufd_inv/parameters)"
	rc=1
else
	echo "ok - pkg: guest: the DKMS module loaded, without parameters"
fi
iommufd_inv_nomock || rc=1
sys=/sys/class/misc/$rule_kernel
sub=\$(basename "\$(readlink \$sys/subsystem)")
if [ "\$sub" = "$rule_subsys" ] && grep -qx "DEVNAME=$rule_kernel" \$sys/uevent; then
	echo "ok - pkg: guest: the rule's match keys (SUBSYSTEM==$rule_subsys, KERNEL==$rule_kernel) name the device"
else
	echo "not ok - pkg: guest: the rule does not match the device (\$sub, \$(cat \$sys/uevent))"
	rc=1
fi
# What udevd does for the rule: GROUP and MODE.
chgrp $rule_gid /dev/$rule_kernel && chmod $rule_mode /dev/$rule_kernel || rc=1
IOMMUFD_INV_GID=$rule_gid iommufd_inv_access || rc=1
exit \$rc
EOF
bash "$TOP/scripts/vm-run.sh" --kernel "$(debian_vmlinuz)" \
	--module "$out/iommufd_inv.ko" --iommu --timeout 600 --dir "$out/vm" \
	--add "$out/guest-pkg.sh" --add "$out/iommufd_inv_nomock" \
	--add "$out/iommufd_inv_access" \
	-- "IOMMUFD_INV_NEED_VTD=1 sh /bin/guest-pkg.sh" \
	>"$out/guest.tap" 2>"$out/vm-run.err"
rc=$?
cat "$out/guest.tap"
planned=$(awk '/^1\.\.[0-9]+\r?$/ { n += substr($0, 4) + 0 } END { print n + 0 }' "$out/guest.tap")
got=$(grep -Ec '^(not )?ok [0-9]' "$out/guest.tap" || true)
if grep -q FAILED "$out/vm-run.err"; then
	fail "guest run clean: $(grep FAILED "$out/vm-run.err" | head -n 1)"
elif [ "$planned" = 0 ] || [ "$planned" != "$got" ]; then
	fail "guest run clean: $got results for $planned planned (rc $rc)"
elif [ "$rc" != 0 ] && ! grep -q '^not ok ' "$out/guest.tap"; then
	fail "guest run clean: exit $rc without a failed test"
else
	pass "guest run clean (rc $rc, no kernel report, module unloaded)"
fi
