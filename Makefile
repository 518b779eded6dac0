# SPDX-License-Identifier: GPL-2.0
#
# iommufd-inv: out-of-tree entry points. Everything installs what it needs
# (scripts/setup.sh) and caches kernels under /var/cache/iommufd-inv.

.PHONY: all setup run shell check check-debug check-runner check-intree \
	check-arm64 check-all lint bench clean

# Module, selftests and samples against Debian's 6.12 headers (out/debian).
all:
	@bash scripts/build.sh debian >/dev/null

setup:
	@bash scripts/setup.sh all

# The main job: the sample VMM flow in a VM.
run:
	@bash scripts/run.sh

# A shell in the guest with the module loaded (mock=1) and the test and
# sample binaries in /bin; leave with poweroff -f.
shell:
	@bash scripts/shell.sh

# Selftests on Debian's 6.12 kernel, and the VM runner's own tests.
check:
	@bash scripts/check-all.sh debian runner

# Selftests on a slim KASAN/lockdep/kmemleak/UBSAN 6.12 kernel.
check-debug:
	@bash scripts/check-all.sh debug

check-runner:
	@bash scripts/check-all.sh runner

# The kernel-tree shape: overlay onto linux-source-6.12, build in-tree.
check-intree:
	@bash scripts/check-all.sh intree

# The SMMUv3 tests on QEMU's smmuv3: slim arm64 kernel, cross-built module.
check-arm64:
	@bash scripts/check-all.sh arm64

lint:
	@bash scripts/check-all.sh lint

# Per-entry cost against upstream iommufd and the copy floor, with a plot.
bench:
	@bash scripts/bench.sh

# Everything CI runs.
check-all:
	@bash scripts/check-all.sh lint debian runner debug intree arm64

clean:
	rm -rf out
