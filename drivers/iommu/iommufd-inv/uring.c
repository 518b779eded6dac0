// SPDX-License-Identifier: GPL-2.0
/*
 * io_uring submission: IORING_OP_URING_CMD on /dev/iommu-inv.
 *
 * Both modes end in iommu_inv_invalidate(), the same path as the ioctl.
 * The SQE may still be in the ring user space writes to, so its payload is
 * read once into kernel memory before anything looks at it.
 *
 * The first issue comes with IO_URING_F_NONBLOCK: the call then neither
 * sleeps for memory nor waits for the HWPT lock, and returns -EAGAIN having
 * done nothing when it would have to; io_uring re-issues it from a worker,
 * where it may block. Every command completes before ->uring_cmd returns,
 * so there is nothing in flight to cancel: the ring and the request each
 * hold a reference to the file until the command is done.
 */
#include <linux/io_uring/cmd.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "iommufd_inv.h"

/* Payload bytes of an SQE: 16, or 80 in an SQE128 ring. */
static size_t iommu_inv_sqe_cmd_len(unsigned int issue_flags)
{
	return (issue_flags & IO_URING_F_SQE128) ? 80 : 16;
}

/*
 * Copy the payload once; bytes past @used must be zero. Inlined, so that
 * the copy has a size known at compile time (no byte-wise copy loop).
 */
static __always_inline int
iommu_inv_sqe_payload(struct io_uring_cmd *ioucmd, unsigned int issue_flags,
		      void *dst, size_t used)
{
	const void *src = io_uring_sqe_cmd(ioucmd->sqe);
	size_t len = iommu_inv_sqe_cmd_len(issue_flags);

	if (len < used)
		return -EINVAL;
	memcpy(dst, src, used);
	if (len > used && memchr_inv(src + used, 0, len - used))
		return -EINVAL;
	return 0;
}

static int iommu_inv_uring_array(struct io_uring_cmd *ioucmd,
				 unsigned int issue_flags, u64 *res2)
{
	/* Both are filled whole before they are read. */
	struct iommu_inv_hwpt_invalidate cmd __uninitialized;
	struct iommu_inv_uring_array pl __uninitialized;
	struct iommu_inv_ucmd ucmd = {
		.ctx = ioucmd->file->private_data,
		.nonblock = issue_flags & IO_URING_F_NONBLOCK,
		.cmd = &cmd,
	};
	int rc;

	rc = iommu_inv_sqe_payload(ioucmd, issue_flags, &pl, sizeof(pl));
	if (rc)
		return rc;
	if (pl.__reserved)
		return -EINVAL;
	ucmd.ubuffer = u64_to_user_ptr(pl.arg_uptr);
	rc = iommu_inv_ucmd_fetch(&ucmd, sizeof(cmd),
				  offsetofend(typeof(cmd), out_results));
	if (rc)
		return rc;

	/* Out fields arrive from user space: clear them for a rejected call. */
	cmd.out_processed = 0;
	cmd.out_num_failed = 0;
	rc = iommu_inv_hwpt_invalidate_ioctl(&ucmd);
	if (rc && !cmd.out_num_failed)
		return rc;
	*res2 = cmd.out_processed | (u64)cmd.out_num_failed << 32;
	return rc ? rc : cmd.out_processed;
}

static int iommu_inv_uring_inline(struct io_uring_cmd *ioucmd,
				  unsigned int issue_flags, u64 *res2)
{
	/* Both are filled before they are read (see the ioctl's call). */
	struct iommu_inv_uring_inline pl __uninitialized;
	struct iommu_inv_call call __uninitialized;
	const u8 *bytes = (const u8 *)pl.entries;
	u32 used = 0, i, w;
	int rc;

	if (!(issue_flags & IO_URING_F_SQE128))
		return -EINVAL;
	rc = iommu_inv_sqe_payload(ioucmd, issue_flags, &pl, sizeof(pl));
	if (rc)
		return rc;

	/*
	 * Walk the lengths to find the unused tail, which must be zero. An
	 * invalid length stops the walk; the engine reports that entry.
	 */
	for (i = 0; i < pl.entry_num; i++) {
		const struct iommu_inv_entry_hdr *hdr;

		if (sizeof(pl.entries) - used < sizeof(*hdr))
			break;
		hdr = (const void *)(bytes + used);
		if (!iommu_inv_entry_len_valid(hdr->len) ||
		    hdr->len > sizeof(pl.entries) - used)
			break;
		used += hdr->len;
	}
	/* Entry lengths are multiples of 8: the tail is whole words. */
	if (i == pl.entry_num)
		for (w = used / sizeof(u64); w < ARRAY_SIZE(pl.entries); w++)
			if (pl.entries[w])
				return -EINVAL;

	call.entries = NULL;
	call.kentries = pl.entries;
	call.entries_len = sizeof(pl.entries);
	call.entry_num = pl.entry_num;
	call.flags = pl.flags;
	call.nonblock = issue_flags & IO_URING_F_NONBLOCK;
	call.results = u64_to_user_ptr(pl.results_uptr);
	call.results_num = pl.results_uptr ? pl.entry_num : 0;
	rc = iommu_inv_invalidate(ioucmd->file->private_data, pl.hwpt_id,
				  &call);
	if (rc && !call.num_failed)
		return rc;
	*res2 = call.processed | (u64)call.num_failed << 32;
	return rc ? rc : call.processed;
}

/**
 * iommu_inv_uring_cmd() - &file_operations.uring_cmd of /dev/iommu-inv
 * @ioucmd: the command
 * @issue_flags: IO_URING_F_*
 *
 * Return: the number of entries processed, or -errno; the result is
 * posted through io_uring_cmd_done() (and -EIOCBQUEUED returned) when the
 * ring has 32-byte CQEs, to fill the extra word.
 */
int iommu_inv_uring_cmd(struct io_uring_cmd *ioucmd, unsigned int issue_flags)
{
	u64 res2 = 0;
	int rc;

	switch (ioucmd->cmd_op) {
	case IOMMU_INV_URING_CMD_INVALIDATE:
		rc = iommu_inv_uring_array(ioucmd, issue_flags, &res2);
		break;
	case IOMMU_INV_URING_CMD_INVALIDATE_INLINE:
		rc = iommu_inv_uring_inline(ioucmd, issue_flags, &res2);
		break;
	default:
		return -ENOTTY;
	}
	if (rc == -EAGAIN || !(issue_flags & IO_URING_F_CQE32))
		return rc;
	io_uring_cmd_done(ioucmd, rc, res2, issue_flags);
	return -EIOCBQUEUED;
}
