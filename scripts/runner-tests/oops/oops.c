// SPDX-License-Identifier: GPL-2.0
/*
 * A module whose init oopses: the VM runner must fail the run on it even
 * though the guest command itself succeeds. Used only by
 * scripts/runner-tests/run.sh.
 */
#include <linux/module.h>

static int *runner_test_ptr;

static int __init runner_test_oops_init(void)
{
	/* Read through NULL: an oops in the loading process, not a panic. */
	return READ_ONCE(*runner_test_ptr);
}
module_init(runner_test_oops_init);

MODULE_DESCRIPTION("Oops on load, to test the VM runner");
MODULE_LICENSE("GPL");
