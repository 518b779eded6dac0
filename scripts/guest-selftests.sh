#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Runs in the guest (busybox sh): the selftest binaries named, each with
# the harness arguments in $TEST_ARGS, against the module as vm-run loaded
# it (mock=1). Two kinds run after the others, each on its own load of the
# module:
#  - iommufd_inv_units, on a module loaded with mock=1 fake_units=1 (the
#    hardware queues' code on software models of the units), together
#    with the hardware variant of iommufd_inv_vtd on the fake VT-d unit;
#    then its dead fixture, which kills the unit; then its probe fixture
#    alone, on a fresh load;
#  - iommufd_inv_nomock, after a reload without mock=1, as a production
#    system has it.
# The module is loaded with mock=1 again at the end. Exits non-zero if any
# binary failed.
rc=0

# io_uring tears rings down asynchronously: the module may be busy for a
# moment after the last test exits.
reload()
{
	n=0
	until rmmod iommufd_inv 2>/dev/null; do
		n=$((n + 1))
		[ $n -lt 20 ] || { echo "guest-selftests: rmmod failed"; exit 1; }
		sleep 0.5
	done
	insmod /module.ko "$@" || exit 1
}

has()
{
	for t in $ALL; do
		[ "$t" = "$1" ] && return 0
	done
	return 1
}

ALL="$*"
for t in "$@"; do
	case "$t" in
	iommufd_inv_nomock|iommufd_inv_units) continue ;;
	esac
	$t $TEST_ARGS || rc=1
done
if has iommufd_inv_units; then
	reload mock=1 fake_units=1
	if has iommufd_inv_vtd; then
		iommufd_inv_vtd -v hw $TEST_ARGS || rc=1
	fi
	iommufd_inv_units -F dead -F probe $TEST_ARGS || rc=1
	iommufd_inv_units -f dead $TEST_ARGS || rc=1
	# The unload checks the dead unit's queue memory was kept.
	reload mock=1 fake_units=1
	iommufd_inv_units -f probe $TEST_ARGS || rc=1
	reload mock=1
fi
if has iommufd_inv_nomock; then
	reload
	iommufd_inv_nomock $TEST_ARGS || rc=1
	reload mock=1
fi
exit $rc
