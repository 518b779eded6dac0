#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Boot the guest interactively with the module loaded (mock=1).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

flavour=${FLAVOUR:-debian}
out=$(bash "$TOP/scripts/build.sh" "$flavour")
adds=()
for f in "$out"/*; do
	[ -f "$f" ] && [ -x "$f" ] && adds+=(--add "$f")
done
exec bash "$TOP/scripts/vm-run.sh" --kernel "$(cat "$out/image")" \
	--module "$out/iommufd_inv.ko" --modparams mock=1 "${adds[@]}" \
	--dir "$out/shell" --interactive
