# SPDX-License-Identifier: GPL-2.0
#
# iommufd-inv: out-of-tree entry points. Everything installs what it needs
# (scripts/setup.sh) and caches kernels under /var/cache/iommufd-inv.

.PHONY: all setup run shell check check-debug check-runner check-intree \
	check-arm64 check-pkg check-all lint bench install clean

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

# The Debian packages built, lintian-checked and installed into a throw-away
# root (DKMS build for Debian's 6.12 headers); that module booted with the
# production selftests and the device-access test; make install.
check-pkg:
	@bash scripts/check-all.sh pkg

# Per-entry cost against upstream iommufd and the copy floor, with a plot.
bench:
	@bash scripts/bench.sh

# Everything CI runs.
check-all:
	@bash scripts/check-all.sh lint debian runner debug intree arm64 pkg

# Install without packages: the production module (no test interface) for
# kernel KVER, whose headers are in KDIR, into /lib/modules/KVER/updates,
# the UAPI header as PREFIX/include/linux/iommufd_inv.h, and the udev rule
# that gives /dev/iommu-inv to group kvm. DESTDIR stages it elsewhere
# (depmod is then left to whoever installs the staged tree).
KVER ?= $(shell uname -r)
KDIR ?= /lib/modules/$(KVER)/build
PREFIX ?= /usr
MODSRC := drivers/iommu/iommufd-inv
MODBUILD := $(CURDIR)/out/install/$(KVER)

install:
	@test -d $(KDIR) || { echo "no kernel headers in $(KDIR): install linux-headers-$(KVER) or set KDIR"; exit 1; }
	rm -rf $(MODBUILD) && mkdir -p $(MODBUILD)
	cp $(MODSRC)/Makefile $(MODSRC)/Kconfig $(MODSRC)/*.c $(MODSRC)/*.h $(MODBUILD)/
	$(MAKE) -C $(KDIR) M=$(MODBUILD) IOMMUFD_INV_INCLUDE=$(CURDIR)/include \
		CONFIG_IOMMUFD_INV=m CONFIG_IOMMUFD_INV_TEST= modules
	$(MAKE) -C $(KDIR) M=$(MODBUILD) INSTALL_MOD_PATH=$(DESTDIR) \
		INSTALL_MOD_DIR=updates CONFIG_MODULE_SIG_ALL= modules_install
	install -D -m 0644 include/uapi/linux/iommufd_inv.h \
		$(DESTDIR)$(PREFIX)/include/linux/iommufd_inv.h
	install -D -m 0644 packaging/60-iommufd-inv.rules \
		$(DESTDIR)/etc/udev/rules.d/60-iommufd-inv.rules
	$(if $(DESTDIR),,depmod -a $(KVER))

clean:
	rm -rf out
