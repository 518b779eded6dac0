#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Runs in the guest (busybox sh): the selftest binaries named, each with
# the harness arguments in $TEST_ARGS, against the module as vm-run loaded
# it (mock=1). iommufd_inv_nomock runs last, after the module is reloaded
# without mock=1, as a production system has it. Exits non-zero if any
# binary failed.
rc=0
for t in "$@"; do
	[ "$t" = iommufd_inv_nomock ] && continue
	$t $TEST_ARGS || rc=1
done
for t in "$@"; do
	[ "$t" = iommufd_inv_nomock ] || continue
	# io_uring tears rings down asynchronously: the module may be busy
	# for a moment after the last test exits.
	n=0
	until rmmod iommufd_inv 2>/dev/null; do
		n=$((n + 1))
		[ $n -lt 20 ] || { echo "guest-selftests: rmmod failed"; exit 1; }
		sleep 0.5
	done
	insmod /module.ko || exit 1
	$t $TEST_ARGS || rc=1
	rmmod iommufd_inv && insmod /module.ko mock=1 || rc=1
done
exit $rc
