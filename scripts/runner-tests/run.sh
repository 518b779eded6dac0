#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Tests of the VM runner itself: a run must fail when the guest command
# fails, when a module's init oopses, and when the guest hangs; and pass
# when all is well. Prints TAP.
set -uo pipefail
. "$(dirname "$0")/../lib.sh"

bash "$TOP/scripts/setup.sh" base >&2 || exit 1
out="$TOP/out/runner-tests"
mkdir -p "$out"
cp -r "$TOP/scripts/runner-tests/oops" "$out/"
make -s -C "$(debian_kdir)" M="$out/oops" modules >&2 || exit 1
kernel=$(debian_vmlinuz)
n=0

# expect NAME WANT_RC PATTERN -- vm-run args...
expect()
{
	local name=$1 want=$2 pattern=$3 rc
	shift 4
	n=$((n + 1))
	bash "$TOP/scripts/vm-run.sh" --kernel "$kernel" --dir "$out/$name" \
		"$@" >"$out/$name.out" 2>"$out/$name.err"
	rc=$?
	if { [ "$want" = 0 ] && [ "$rc" = 0 ]; } ||
	   { [ "$want" != 0 ] && [ "$rc" != 0 ] &&
	     grep -q -- "$pattern" "$out/$name.err"; }; then
		echo "ok $n runner: $name (exit $rc)"
	else
		echo "not ok $n runner: $name (exit $rc, wanted $want and '$pattern')"
		sed 's/^/# /' "$out/$name.err"
	fi
}

echo "TAP version 13"
echo "1..5"
expect passing 0 "" -- --timeout 60 -- 'echo hello; true'
expect failing-command 1 "" -- --timeout 60 -- 'echo "not ok 1 deliberate"; exit 3'
expect oops-in-module-init 1 "kernel report" -- --timeout 60 \
	--module "$out/oops/oops.ko" -- true
expect guest-hangs 1 "timed out" -- --timeout 20 -- 'sleep 1000'
expect warning-after-success 1 "kernel report" -- --timeout 60 -- \
	'echo "WARNING: CPU: 0 PID: 1 at fake" >/dev/kmsg; true'
