#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The main job: boot the Debian 6.12 kernel under QEMU with QEMU's
# intel-iommu in scalable mode (left to the module: intel_iommu=off), load
# the module as a production one is loaded (no mock), and run the sample
# VMM flow (samples/iommufd_inv) on the unit's queue in the guest.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

out=$(bash "$TOP/scripts/build.sh" debian)
samples=()
for f in "$TOP"/samples/iommufd_inv/*.c; do
	samples+=(--add "$out/$(basename "$f" .c)")
done
exec bash "$TOP/scripts/vm-run.sh" --kernel "$(cat "$out/image")" \
	--module "$out/iommufd_inv.ko" --iommu "${samples[@]}" \
	--dir "$out/run" --timeout 300 -- \
	'echo "# ls -l /dev/iommu-inv"; ls -l /dev/iommu-inv; echo "# inv_ioctl"; inv_ioctl && echo "# mini_vmm" && mini_vmm && echo "# dmesg | grep iommufd-inv:" && dmesg | grep iommufd-inv:'
