// SPDX-License-Identifier: GPL-2.0
/*
 * What a hardware HWPT type gave its queue, kept for the tests
 * (CONFIG_IOMMUFD_INV_TEST): a ring of the last descriptors or commands,
 * and a one-shot bit flip on the way to the queue, which is how tests make
 * a queue (model or real) report an error on a chosen entry.
 */
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "iommufd_inv.h"
#include "iommufd_inv_test.h"

/**
 * iommu_inv_testq_init() - an empty log
 * @tq: the log
 * @words: 64-bit words per descriptor, at most IOMMU_INV_TESTQ_WORDS
 */
void iommu_inv_testq_init(struct iommu_inv_testq *tq, unsigned int words)
{
	BUILD_BUG_ON(IOMMU_INV_TESTQ_LEN != IOMMU_INV_QUEUE_LOG_LEN);
	memset(tq, 0, sizeof(*tq));
	tq->words = words;
}

/**
 * iommu_inv_testq_corrupt() - apply an armed bit flip to a run
 * @tq: the log
 * @descs: the run, @tq->words words per descriptor, one per entry
 * @first_index: array index of the entry of @descs[0]
 * @n: descriptors in the run
 */
void iommu_inv_testq_corrupt(struct iommu_inv_testq *tq, u64 *descs,
			     u32 first_index, unsigned int n)
{
	u32 i = tq->index - first_index;

	if (!tq->armed || tq->index < first_index || i >= n)
		return;
	descs[i * tq->words + tq->word] ^= BIT_ULL(tq->bit);
	tq->armed = false;
}

/**
 * iommu_inv_testq_add() - log what went to the queue
 * @tq: the log
 * @descs: @n descriptors of @tq->words words
 * @n: how many
 */
void iommu_inv_testq_add(struct iommu_inv_testq *tq, const u64 *descs,
			 unsigned int n)
{
	unsigned int i, slot;

	for (i = 0; i < n; i++) {
		slot = tq->total++ % IOMMU_INV_QUEUE_LOG_LEN;
		memcpy(&tq->ring[slot * tq->words], &descs[i * tq->words],
		       tq->words * sizeof(u64));
	}
}

static int testq_read(struct iommu_inv_testq *tq, struct mutex *lock,
		      struct iommu_inv_test_cmd *cmd)
{
	size_t dlen = tq->words * sizeof(u64);
	u64 total, i, slot;
	u8 *buf;
	u32 num;
	int rc = 0;

	if (cmd->queue_log.num > IOMMU_INV_QUEUE_LOG_LEN)
		return -EINVAL;
	buf = kmalloc_array(IOMMU_INV_QUEUE_LOG_LEN, dlen, GFP_KERNEL_ACCOUNT);
	if (!buf)
		return -ENOMEM;
	mutex_lock(lock);
	total = tq->total;
	num = min_t(u64, cmd->queue_log.num, total);
	for (i = 0; i < num; i++) {
		slot = (total - num + i) % IOMMU_INV_QUEUE_LOG_LEN;
		memcpy(buf + i * dlen, &tq->ring[slot * tq->words], dlen);
	}
	mutex_unlock(lock);

	/* Copied out after the lock is dropped. */
	if (copy_to_user(u64_to_user_ptr(cmd->queue_log.uptr), buf,
			 num * dlen))
		rc = -EFAULT;
	kfree(buf);
	cmd->queue_log.out_num = num;
	cmd->queue_log.out_total = total;
	return rc;
}

/**
 * iommu_inv_testq_op() - the test ioctl's QUEUE_LOG and QUEUE_CORRUPT
 * @tq: the HWPT's log
 * @lock: the HWPT's lock, which guards @tq
 * @cmd: the command; its out fields are filled
 *
 * Return: 0, -EOPNOTSUPP for another op or a non-zero reserved field,
 * -EINVAL, -ENOMEM or -EFAULT.
 */
int iommu_inv_testq_op(struct iommu_inv_testq *tq, struct mutex *lock,
		       struct iommu_inv_test_cmd *cmd)
{
	switch (cmd->op) {
	case IOMMU_INV_TEST_OP_QUEUE_LOG:
		return testq_read(tq, lock, cmd);
	case IOMMU_INV_TEST_OP_QUEUE_CORRUPT:
		if (cmd->queue_corrupt.__reserved)
			return -EOPNOTSUPP;
		if (cmd->queue_corrupt.word >= tq->words ||
		    cmd->queue_corrupt.bit > 63)
			return -EINVAL;
		mutex_lock(lock);
		tq->armed = true;
		tq->index = cmd->queue_corrupt.index;
		tq->word = cmd->queue_corrupt.word;
		tq->bit = cmd->queue_corrupt.bit;
		mutex_unlock(lock);
		return 0;
	}
	return -EOPNOTSUPP;
}
