#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Boot a kernel under QEMU (TCG) with a busybox initramfs, load a module,
# run one command, and report.
#
#   scripts/vm-run.sh --kernel IMAGE [--module KO] [--modparams "a=1"]
#       [--add FILE]... [--iommu | --iommu-host] [--timeout S] [--dir DIR]
#       [--kmemleak]
#       [--append "kernel args"] [--interactive] [--icount] -- COMMAND...
#
# COMMAND runs in the guest with the added files in /bin. Its output is on
# the second serial port (DIR/output.log, echoed here); the kernel console
# is DIR/console.log. --iommu gives the guest QEMU's intel-iommu (scalable
# mode) with the kernel's driver off, so the module can take the unit;
# --iommu-host gives it to the kernel's driver (intel_iommu=on,sm_on,
# iommu.strict=1: it flushes on every unmap) with two virtio-rng devices
# behind it (00:08.0, 00:09.0) for DMA through /dev/hwrng. --icount boots one vCPU whose clock advances one
# nanosecond per guest instruction (make bench counts instructions so).
# Exit status: COMMAND's, or 1 if the guest did not
# finish in time or the console shows a panic, oops, BUG, WARNING, or a
# KASAN, UBSAN, lockdep or kmemleak report, even when COMMAND succeeded.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

kernel="" module="" modparams="" iommu=0 timeout=600 dir="" kmemleak=0
extra_append=""
interactive=0
icount=0
adds=()
while [ $# -gt 0 ]; do
	case "$1" in
	--kernel) kernel=$2; shift 2 ;;
	--module) module=$2; shift 2 ;;
	--modparams) modparams=$2; shift 2 ;;
	--add) adds+=("$2"); shift 2 ;;
	--iommu) iommu=1; shift ;;
	--iommu-host) iommu=2; shift ;;
	--timeout) timeout=$2; shift 2 ;;
	--dir) dir=$2; shift 2 ;;
	--kmemleak) kmemleak=1; shift ;;
	--append) extra_append=$2; shift 2 ;;
	--interactive) interactive=1; shift ;;
	--icount) icount=1; shift ;;
	--) shift; break ;;
	*) die "vm-run: unknown option $1" ;;
	esac
done
[ -n "$kernel" ] || die "vm-run: --kernel is required"
[ $# -gt 0 ] || [ "$interactive" = 1 ] || die "vm-run: no command"
command -v qemu-system-x86_64 >/dev/null || die "qemu-system-x86 missing: run scripts/setup.sh"

[ -n "$dir" ] || dir=$(mktemp -d /tmp/iommufd-inv-vm.XXXXXX)
mkdir -p "$dir"
console="$dir/console.log"
output="$dir/output.log"
: >"$console"
: >"$output"

# --- initramfs --------------------------------------------------------
root="$dir/initramfs"
rm -rf "$root"
mkdir -p "$root"/{bin,dev,proc,sys,tmp,etc}
cp /bin/busybox "$root/bin/busybox"
for f in "${adds[@]}"; do
	cp "$f" "$root/bin/"
done
modname=""
if [ -n "$module" ]; then
	cp "$module" "$root/module.ko"
	modname=$(modinfo -F name "$module")
fi
printf '%s\n' "$*" >"$root/etc/command"
cat >"$root/init" <<EOF
#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev 2>/dev/null
mount -t debugfs none /sys/kernel/debug 2>/dev/null
mount -t tmpfs tmp /tmp
out=/dev/ttyS1
leak=/sys/kernel/debug/kmemleak
if [ $kmemleak = 1 ] && [ -w \$leak ]; then
	echo scan >\$leak; echo clear >\$leak
fi
rc=0
if [ -f /module.ko ]; then
	insmod /module.ko $modparams || rc=125
fi
if [ $interactive = 1 ]; then
	setsid sh -c 'exec sh </dev/ttyS0 >/dev/ttyS0 2>&1'
elif [ \$rc = 0 ]; then
	cd /tmp
	sh /etc/command >\$out 2>&1 || rc=\$?
fi
if [ -f /module.ko ] && [ \$rc != 125 ]; then
	# Files closed by exiting programs may still be held by io_uring's
	# asynchronous ring teardown: give it a few seconds.
	n=0
	until rmmod $modname 2>/dev/null; do
		n=\$((n + 1))
		[ \$n -lt 20 ] || { echo "vm-run: rmmod failed" >\$out; break; }
		sleep 0.5
	done
fi
if [ $kmemleak = 1 ] && [ -w \$leak ]; then
	echo scan >\$leak; sleep 6; echo scan >\$leak
	cat \$leak >/dev/console
fi
echo "IOMMUFD_INV_EXIT=\$rc" >\$out
sync
poweroff -f
EOF
chmod +x "$root/init"
(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1 >"$dir/initrd.gz")

# --- boot ---------------------------------------------------------------
machine="q35"
iommu_args=()
append="console=ttyS0 panic=-1 oops=panic panic_on_warn=0 quiet loglevel=7"
if [ "$iommu" = 2 ]; then
	append+=" 8250.nr_uarts=2 intel_iommu=on,sm_on iommu.strict=1 intremap=off"
else
	append+=" 8250.nr_uarts=2 intel_iommu=off intremap=off"
fi
append+=" $extra_append"
if [ "$iommu" != 0 ]; then
	machine="q35,kernel-irqchip=split"
	iommu_args=(-device intel-iommu,intremap=off,x-scalable-mode=on,device-iotlb=on)
fi
if [ "$iommu" = 2 ]; then
	for slot in 8 9; do
		iommu_args+=(-device "virtio-rng-pci,iommu_platform=on,disable-legacy=on,addr=$slot")
	done
fi
# -cpu max offers 5-level paging (LA57). The KASAN kernels are built without
# X86_5LEVEL: with it, an interrupt during identify_cpu() at boot, while
# the LA57 bit is cleared and re-read, makes KASAN report a direct-map
# address as wild (scripts/kconfig/x86_64-debug.config says why). Reports
# are never filtered below; the kernel is built so the window is gone.
qemu=(qemu-system-x86_64 -M "$machine" -accel tcg -cpu max -smp 2 -m 2G
	-no-reboot -display none -monitor none
	-kernel "$kernel" -initrd "$dir/initrd.gz" -append "$append"
	"${iommu_args[@]}")
# The last -smp given wins.
if [ "$icount" = 1 ]; then
	qemu+=(-smp 1 -icount shift=0,sleep=off,align=off)
fi

if [ "$interactive" = 1 ]; then
	exec "${qemu[@]}" -serial stdio -serial "file:$output"
fi

start=$(date +%s)
set +e
timeout --foreground -k 5 "$timeout" "${qemu[@]}" \
	-serial "file:$console" -serial "file:$output" </dev/null
qrc=$?
set -e
secs=$(( $(date +%s) - start ))

grep -v '^IOMMUFD_INV_EXIT=' "$output" || true

fail=""
if [ "$qrc" = 124 ] || [ "$qrc" = 137 ]; then
	fail="guest timed out after ${timeout}s"
fi
rc=$(sed -n 's/^IOMMUFD_INV_EXIT=\([0-9]*\).*/\1/p' "$output" | tail -n 1)
if [ -z "$fail" ] && [ -z "$rc" ]; then
	fail="guest did not finish the command (qemu exit $qrc)"
fi
[ "${rc:-}" != 125 ] || fail="module failed to load"
if grep -q '^vm-run: rmmod failed' "$output"; then
	fail="${fail:+$fail; }module did not unload"
fi
report=$(grep -E 'Kernel panic|BUG:|WARNING:|Oops|general protection fault|KASAN:|UBSAN:|possible circular locking|possible recursive locking|inconsistent lock state|suspicious RCU usage|unreferenced object|kernel BUG at|Call Trace:' \
	"$console" | head -n 20 || true)
if [ -n "$report" ]; then
	fail="${fail:+$fail; }kernel report in $console:
$report"
fi

if [ -n "$fail" ]; then
	log "FAILED ($secs s): $fail"
	exit 1
fi
log "guest command exit $rc ($secs s); console: $console"
exit "$rc"
