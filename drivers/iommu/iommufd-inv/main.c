// SPDX-License-Identifier: GPL-2.0
/*
 * iommufd-inv: /dev/iommu-inv, one file per VMM context.
 *
 * Every ioctl goes through one door: the table below gives each command's
 * argument structure and the size of its first version; the argument is
 * read once with copy_struct_from_user() into a kernel copy, and the
 * handler never reads user memory for it again.
 */
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "iommufd_inv.h"
#include "smmu.h"
#include "vtd.h"
#ifdef CONFIG_IOMMUFD_INV_TEST
#include "iommufd_inv_test.h"
#endif

#define CREATE_TRACE_POINTS
#include "trace.h"

/**
 * iommu_inv_ucmd_respond() - copy a handler's result back to user space
 * @ucmd: the call
 * @cmd_len: the kernel's size of the argument structure
 *
 * Copies no more than the user's structure holds.
 *
 * Return: 0 or -EFAULT.
 */
int iommu_inv_ucmd_respond(struct iommu_inv_ucmd *ucmd, size_t cmd_len)
{
	if (copy_to_user(ucmd->ubuffer, ucmd->cmd,
			 min_t(size_t, ucmd->user_size, cmd_len)))
		return -EFAULT;
	return 0;
}

/**
 * iommu_inv_ucmd_fetch() - read a command's argument structure, once
 * @ucmd: the call; @ucmd->ubuffer points at the user's structure
 * @size: the kernel's size of the structure
 * @min_size: the size of its first version
 *
 * Reads the user's size field, then the structure into @ucmd->cmd, zero
 * extended, refusing unknown non-zero trailing bytes. When the user's size
 * is the kernel's (the common case), both are read in one user-access
 * window, a word at a time.
 *
 * Return: 0, -EFAULT, -EINVAL (size below @min_size) or -E2BIG.
 */
int iommu_inv_ucmd_fetch(struct iommu_inv_ucmd *ucmd, size_t size,
			 size_t min_size)
{
	const u64 __user *uwords;
	u64 *kwords = ucmd->cmd;
	size_t i;
	int rc;

	if (size % sizeof(u64))
		goto slow;
	/* A fault point for fail-nth, as copy_struct_from_user() has. */
	if (should_fail_usercopy())
		return -EFAULT;
	/*
	 * Where the architecture masks user addresses (x86-64), an address
	 * past user space becomes one that faults, and no speculation
	 * barrier is needed; the words are read densely from the start.
	 */
	if (can_do_masked_user_access())
		uwords = masked_user_access_begin(ucmd->ubuffer);
	else if (!user_access_begin(ucmd->ubuffer, size))
		goto slow;
	else
		uwords = ucmd->ubuffer;
	unsafe_get_user(ucmd->user_size, (u32 __user *)uwords, efault);
	if (ucmd->user_size == size) {
		for (i = 0; i < size / sizeof(u64); i++)
			unsafe_get_user(kwords[i], &uwords[i], efault);
		user_access_end();
		return 0;
	}
	user_access_end();

slow:
	rc = get_user(ucmd->user_size, (u32 __user *)ucmd->ubuffer);
	if (rc)
		return rc;
	if (ucmd->user_size < min_size)
		return -EINVAL;
	return copy_struct_from_user(ucmd->cmd, size, ucmd->ubuffer,
				     ucmd->user_size);

efault:
	user_access_end();
	return -EFAULT;
}

static int iommu_inv_get_info(struct iommu_inv_ucmd *ucmd)
{
	struct iommu_inv_info *cmd = ucmd->cmd;
	const struct iommu_inv_hwpt_ops *ops = NULL;

	if (cmd->flags || cmd->__reserved)
		return -EOPNOTSUPP;
	if (cmd->hwpt_type) {
		ops = iommu_inv_hwpt_type(cmd->hwpt_type);
		if (!ops)
			return -EOPNOTSUPP;
	}
	cmd->out_uapi_version = IOMMU_INV_UAPI_VERSION;
	cmd->out_max_entries = IOMMU_INV_MAX_ENTRIES;
	cmd->out_hwpt_types = iommu_inv_hwpt_types();
	cmd->out_entry_types = ops ? ops->entry_types : 0;
	cmd->out_max_entry_len = IOMMU_INV_MAX_ENTRY_LEN;
	cmd->out_granule_log2 = ops ? ops->granule_log2 : 0;
	cmd->out_max_objects = IOMMU_INV_MAX_OBJECTS;
	cmd->out_max_vdevs = ops ? IOMMU_INV_MAX_VDEVS : 0;
	cmd->out_vtd_queues = cmd->hwpt_type == IOMMU_INV_HWPT_VTD_S1 ?
			      iommu_inv_vtd_queues() : 0;
	return iommu_inv_ucmd_respond(ucmd, sizeof(*cmd));
}

static int iommu_inv_destroy(struct iommu_inv_ucmd *ucmd)
{
	struct iommu_inv_destroy *cmd = ucmd->cmd;

	return iommu_inv_obj_destroy(ucmd->ctx, cmd->id);
}

/**
 * iommu_inv_invalidate() - check and run one HWPT_INVALIDATE
 * @ctx: the file's context
 * @hwpt_id: the HWPT
 * @call: the call's in fields; its out fields are filled
 *
 * Shared by the ioctl and both io_uring modes.
 *
 * Return: as iommu_inv_call_run(). A non-zero return with
 * @call->num_failed still 0 rejected the call before any entry was
 * touched, and nothing is to be written back.
 */
int iommu_inv_invalidate(struct iommu_inv_ctx *ctx, u32 hwpt_id,
			 struct iommu_inv_call *call)
{
	struct iommu_inv_object *obj;
	int rc;

	call->processed = 0;
	call->first_error = call->entry_num;
	call->num_failed = 0;
	call->num_results = 0;
	call->error = 0;
	if (call->flags & ~IOMMU_INV_FLAG_CONTINUE)
		return -EOPNOTSUPP;
	if (call->entry_num > IOMMU_INV_MAX_ENTRIES)
		return -EMSGSIZE;
	/*
	 * At most one result per entry is ever written: room past
	 * entry_num is not checked, and the size cannot wrap a 32-bit
	 * size_t (entry_num is at most IOMMU_INV_MAX_ENTRIES).
	 */
	if (!access_ok(call->results,
		       (size_t)min(call->results_num, call->entry_num) *
		       sizeof(*call->results)))
		return -EFAULT;

	obj = iommu_inv_obj_get(ctx, hwpt_id, IOMMU_INV_OBJ_HWPT);
	if (IS_ERR(obj))
		return PTR_ERR(obj);
	call->ctx = ctx;
	call->hwpt = container_of(obj, struct iommu_inv_hwpt, obj);
	if (iommu_inv_ladder(ctx, IOMMU_INV_LADDER_LOOKUP)) {
		iommu_inv_obj_put(obj);
		return -ECANCELED;
	}
	rc = iommu_inv_call_run(call);
	/* -EAGAIN: io_uring issues the call again; nothing was done. */
	if (rc != -EAGAIN)
		trace_iommu_inv_call(call, rc);
	iommu_inv_obj_put(obj);
	return rc;
}

int iommu_inv_hwpt_invalidate_ioctl(struct iommu_inv_ucmd *ucmd)
{
	struct iommu_inv_hwpt_invalidate *cmd = ucmd->cmd;
	/* Every field is set before it is read: the in fields here, the rest
	 * by iommu_inv_invalidate(); no zero fill on the hot path.
	 */
	struct iommu_inv_call call __uninitialized;
	u32 __user *uout;
	int rc;

	call.entries = u64_to_user_ptr(cmd->entries_uptr);
	call.kentries = NULL;
	call.results = u64_to_user_ptr(cmd->results_uptr);
	call.entries_len = cmd->entries_len;
	call.entry_num = cmd->entry_num;
	call.results_num = cmd->results_num;
	call.flags = cmd->flags;
	call.nonblock = ucmd->nonblock;

	rc = iommu_inv_invalidate(ucmd->ctx, cmd->hwpt_id, &call);
	if (rc && !call.num_failed)
		return rc;

	cmd->out_processed = call.processed;
	cmd->out_first_error = call.first_error;
	cmd->out_num_failed = call.num_failed;
	cmd->out_results = call.num_results;
	/*
	 * Only the out fields are written, in one user-access window; the
	 * user's structure holds them all (its size is at least the
	 * table's min_size, offsetofend(out_results)). Out
	 * fields that could not be written hide how far the call got.
	 */
	uout = ucmd->ubuffer + offsetof(typeof(*cmd), out_processed);
	if (should_fail_usercopy())	/* as copy_to_user() has */
		return -EFAULT;
	if (can_do_masked_user_access())
		uout = masked_user_access_begin(uout);
	else if (!user_access_begin(uout, 4 * sizeof(u32)))
		return -EFAULT;
	unsafe_put_user(call.processed, &uout[0], efault);
	unsafe_put_user(call.first_error, &uout[1], efault);
	unsafe_put_user(call.num_failed, &uout[2], efault);
	unsafe_put_user(call.num_results, &uout[3], efault);
	user_access_end();
	return rc;

efault:
	user_access_end();
	return -EFAULT;
}

union iommu_inv_ucmd_buffer {
	struct iommu_inv_info info;
	struct iommu_inv_hwpt_alloc hwpt_alloc;
	struct iommu_inv_vdev_alloc vdev_alloc;
	struct iommu_inv_destroy destroy;
	struct iommu_inv_hwpt_invalidate invalidate;
	struct iommu_inv_hwpt_info hwpt_info;
#ifdef CONFIG_IOMMUFD_INV_TEST
	struct iommu_inv_test_cmd test;
#endif
};

struct iommu_inv_ioctl_op {
	unsigned int size;
	unsigned int min_size;
	unsigned int ioctl_num;
	int (*execute)(struct iommu_inv_ucmd *ucmd);
};

#define IOCTL_OP(_cmd, _fn, _struct, _last)				\
	[IOMMU_INV_CMD_##_cmd] = {					\
		.size = sizeof(_struct) +				\
			BUILD_BUG_ON_ZERO(sizeof(union iommu_inv_ucmd_buffer) < \
					  sizeof(_struct)),		\
		.min_size = offsetofend(_struct, _last),		\
		.ioctl_num = IOMMU_INV_##_cmd,				\
		.execute = _fn,						\
	}

static const struct iommu_inv_ioctl_op iommu_inv_ioctl_ops[] = {
	IOCTL_OP(GET_INFO, iommu_inv_get_info, struct iommu_inv_info,
		 out_max_vdevs),
	IOCTL_OP(HWPT_ALLOC, iommu_inv_hwpt_alloc_ioctl,
		 struct iommu_inv_hwpt_alloc, __reserved),
	IOCTL_OP(VDEV_ALLOC, iommu_inv_vdev_alloc_ioctl,
		 struct iommu_inv_vdev_alloc, out_vdev_id),
	IOCTL_OP(DESTROY, iommu_inv_destroy, struct iommu_inv_destroy,
		 id),
	IOCTL_OP(HWPT_INVALIDATE, iommu_inv_hwpt_invalidate_ioctl,
		 struct iommu_inv_hwpt_invalidate, out_results),
	IOCTL_OP(HWPT_INFO, iommu_inv_hwpt_info_ioctl,
		 struct iommu_inv_hwpt_info, out_hw_errors),
#ifdef CONFIG_IOMMUFD_INV_TEST
	IOCTL_OP(TEST, iommu_inv_test_ioctl,
		 struct iommu_inv_test_cmd, fill.size),
#endif
};

static long iommu_inv_fops_ioctl(struct file *filp, unsigned int cmd,
				 unsigned long arg)
{
	const struct iommu_inv_ioctl_op *op;
	/* Filled up to the command's size by the fetch before any read. */
	union iommu_inv_ucmd_buffer buf __uninitialized;
	struct iommu_inv_ucmd ucmd = {
		.ctx = filp->private_data,
		.ubuffer = (void __user *)arg,
		.cmd = &buf,
	};
	unsigned int nr = _IOC_NR(cmd);
	int rc;

	if (nr >= ARRAY_SIZE(iommu_inv_ioctl_ops))
		return -ENOIOCTLCMD;
	op = &iommu_inv_ioctl_ops[nr];
	if (op->ioctl_num != cmd)
		return -ENOIOCTLCMD;
	if (IS_ENABLED(CONFIG_IOMMUFD_INV_TEST) &&
	    nr == IOMMU_INV_CMD_TEST && !iommu_inv_mock_enabled)
		return -ENOIOCTLCMD;

	rc = iommu_inv_ucmd_fetch(&ucmd, op->size, op->min_size);
	if (rc)
		return rc;
	return op->execute(&ucmd);
}

static int iommu_inv_fops_open(struct inode *inode, struct file *filp)
{
	struct iommu_inv_ctx *ctx;

	ctx = kzalloc(sizeof(*ctx), GFP_KERNEL_ACCOUNT);
	if (!ctx)
		return -ENOMEM;
	iommu_inv_ctx_init(ctx);
	filp->private_data = ctx;
#ifdef CONFIG_IOMMUFD_INV_TEST
	atomic_inc(&iommu_inv_num_files);
#endif
	return 0;
}

static int iommu_inv_fops_release(struct inode *inode, struct file *filp)
{
	struct iommu_inv_ctx *ctx = filp->private_data;

	iommu_inv_ladder_release(ctx);
	iommu_inv_ctx_destroy(ctx);
	iommu_inv_engine_cache_free(ctx);
	kfree(ctx);
#ifdef CONFIG_IOMMUFD_INV_TEST
	atomic_dec(&iommu_inv_num_files);
#endif
	return 0;
}

static const struct file_operations iommu_inv_fops = {
	.owner = THIS_MODULE,
	.open = iommu_inv_fops_open,
	.release = iommu_inv_fops_release,
	.unlocked_ioctl = iommu_inv_fops_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
#ifdef CONFIG_IO_URING
	.uring_cmd = iommu_inv_uring_cmd,
#endif
};

static struct miscdevice iommu_inv_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "iommu-inv",
	.fops = &iommu_inv_fops,
	.mode = 0600,
};

static int __init iommu_inv_init(void)
{
	return misc_register(&iommu_inv_misc);
}

static void __exit iommu_inv_exit(void)
{
	misc_deregister(&iommu_inv_misc);
	iommu_inv_vtd_unit_exit();
	iommu_inv_smmu_unit_exit();
}

module_init(iommu_inv_init);
module_exit(iommu_inv_exit);

MODULE_DESCRIPTION("Batched, typed IOMMU cache invalidation for nested translation");
MODULE_LICENSE("GPL");
