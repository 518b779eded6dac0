#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# checkpatch --strict (from linux-source-6.12) on every C file and header,
# sparse (C=2) and a W=1 build of the module, kernel-doc on the UAPI
# header. Zero warnings is the bar. Prints TAP.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

bash "$TOP/scripts/setup.sh" base >&2 || exit 1
out="$TOP/out/lint"
mkdir -p "$out"
cd "$TOP"
files=$(git ls-files '*.c' '*.h')
n=0

result()
{
	local name=$1 log=$2
	n=$((n + 1))
	if [ -s "$log" ]; then
		echo "not ok $n lint: $name"
		head -n 40 "$log" | sed 's/^/# /'
	else
		echo "ok $n lint: $name"
	fi
}

echo "TAP version 13"
echo "1..5"

# shellcheck disable=SC2086
"$LINUX_SRC/scripts/checkpatch.pl" --strict --no-tree --terse --show-types \
	--ignore FILE_PATH_CHANGES,SPDX_LICENSE_TAG -q -f $files \
	2>&1 | grep -v '^total:' >"$out/checkpatch.log"
result "checkpatch --strict" "$out/checkpatch.log"

rm -rf "$out/module"
build_module "$(debian_kdir)" "$out/module" W=1 C=2 \
	CHECK="sparse -Wno-unknown-attribute" modules >"$out/build.log" 2>&1
grep -E 'warning:|error:' "$out/build.log" | grep -v '/usr/src/' \
	>"$out/w1.log"
result "W=1 build and sparse (C=2)" "$out/w1.log"

"$LINUX_SRC/scripts/kernel-doc" -none -Wall \
	include/uapi/linux/iommufd_inv.h >"$out/kdoc-uapi.log" 2>&1
result "kernel-doc of the UAPI header" "$out/kdoc-uapi.log"

# shellcheck disable=SC2046
"$LINUX_SRC/scripts/kernel-doc" -none -Wall \
	$(git ls-files 'drivers/*.c' 'drivers/*.h') >"$out/kdoc.log" 2>&1
result "kernel-doc of the module" "$out/kdoc.log"

python3 -c 'import sys, docutils.core
docutils.core.publish_doctree(open(sys.argv[1]).read(), source_path=sys.argv[1],
	settings_overrides={"report_level": 2, "halt_level": 5})' \
	Documentation/userspace-api/iommufd_inv.rst >"$out/rst.log" 2>&1
result "rst of the userspace-api document" "$out/rst.log"
