// SPDX-License-Identifier: GPL-2.0
/*
 * The mock HWPT type: software caches (IOTLB, paging-structure cache,
 * device TLB, PASID cache) that tests fill, invalidate and read back, and
 * injected failures that stand in for hardware errors. Built only with
 * CONFIG_IOMMUFD_INV_TEST and offered only when the module is loaded with
 * mock=1.
 */
#include <linux/bitops.h>
#include <linux/delay.h>
#include <linux/module.h>
#include <linux/uaccess.h>

#include "iommufd_inv.h"
#include "iommufd_inv_test.h"

bool iommu_inv_mock_enabled;
module_param_named(mock, iommu_inv_mock_enabled, bool, 0444);
MODULE_PARM_DESC(mock, "Offer the mock HWPT type and the test ioctl (tests only)");

bool iommu_inv_fake_units;
module_param_named(fake_units, iommu_inv_fake_units, bool, 0444);
MODULE_PARM_DESC(fake_units,
		 "With mock=1, drive software models of the VT-d and SMMUv3 units instead of real ones (tests only)");

atomic_t iommu_inv_num_files = ATOMIC_INIT(0);

/* Enabled while any file has a ladder step set (IOMMU_INV_TEST_OP_LADDER). */
DEFINE_STATIC_KEY_FALSE(iommu_inv_ladder_key);

static int iommu_inv_set_ladder(struct iommu_inv_ctx *ctx, u32 rung)
{
	unsigned int old;

	if (rung > IOMMU_INV_LADDER_RUNGS)
		return -EINVAL;
	old = xchg(&ctx->ladder, rung);
	if (!old && rung)
		static_branch_inc(&iommu_inv_ladder_key);
	else if (old && !rung)
		static_branch_dec(&iommu_inv_ladder_key);
	return 0;
}

/**
 * iommu_inv_ladder_release() - drop a closing file's ladder step
 * @ctx: the file's context; no call can be running on it
 */
void iommu_inv_ladder_release(struct iommu_inv_ctx *ctx)
{
	iommu_inv_set_ladder(ctx, 0);
}

struct mock_slot {
	u32 virt_id;
	u32 pasid;
	u64 addr;
	u64 last;
};

struct mock_cache {
	unsigned long valid;
	struct mock_slot slot[IOMMU_INV_MOCK_SLOTS];
};

struct mock_inject {
	u32 index;
	int error;
	u32 hw_error;
};

struct mock_hwpt {
	struct iommu_inv_hwpt core;
	u32 pasid_limit;
	struct mock_cache cache[IOMMU_INV_MOCK_NUM_CACHES];
	unsigned int ninject;
	unsigned int delay_ms;
	struct mock_inject inject[IOMMU_INV_MOCK_MAX_INJECT];
	u64 seen[IOMMU_INV_ENTRY_SMMUV3_CMD + 1];
};

static struct mock_hwpt *to_mock(struct iommu_inv_hwpt *hwpt)
{
	return container_of(hwpt, struct mock_hwpt, core);
}

static int mock_hwpt_init(struct iommu_inv_hwpt *hwpt, const void *config)
{
	const struct iommu_inv_hwpt_mock *cfg = config;

	if (cfg->flags)
		return -EOPNOTSUPP;
	if (!cfg->pasid_bits || cfg->pasid_bits > 20)
		return -EINVAL;
	to_mock(hwpt)->pasid_limit = 1U << cfg->pasid_bits;
	return 0;
}

static void mock_hwpt_destroy(struct iommu_inv_hwpt *hwpt)
{
}

/* Drop the slots of @c matching the selector and overlapping [@addr, @last]. */
static void mock_cache_drop(struct mock_cache *c, bool any_pasid, u32 pasid,
			    bool any_dev, u32 virt_id, u64 addr, u64 last)
{
	unsigned long bit;

	for_each_set_bit(bit, &c->valid, IOMMU_INV_MOCK_SLOTS) {
		struct mock_slot *s = &c->slot[bit];

		if (!any_pasid && s->pasid != pasid)
			continue;
		if (!any_dev && s->virt_id != virt_id)
			continue;
		if (s->last < addr || s->addr > last)
			continue;
		__clear_bit(bit, &c->valid);
	}
}

/* One selective entry; the whole-cache ones are done by mock_whole(). */
static noinline int mock_one(struct mock_hwpt *mock,
			     const struct iommu_inv_entry_hdr *hdr)
{
	struct mock_cache *iotlb = &mock->cache[IOMMU_INV_MOCK_IOTLB];
	struct mock_cache *pwc = &mock->cache[IOMMU_INV_MOCK_PWC];
	struct mock_cache *devtlb = &mock->cache[IOMMU_INV_MOCK_DEVTLB];
	struct mock_cache *pc = &mock->cache[IOMMU_INV_MOCK_PASID_CACHE];
	const struct iommu_inv_entry_iotlb_range *ir;
	const struct iommu_inv_entry_devtlb_range *dr;
	const struct iommu_inv_entry_devtlb_pasid *dp;
	u32 pasid, virt_id;

	switch (hdr->type) {
	case IOMMU_INV_ENTRY_IOTLB_PASID:
		pasid = ((const struct iommu_inv_entry_iotlb_pasid *)hdr)->pasid;
		if (pasid >= mock->pasid_limit)
			return -EINVAL;
		mock_cache_drop(iotlb, false, pasid, true, 0, 0, U64_MAX);
		mock_cache_drop(pwc, false, pasid, true, 0, 0, U64_MAX);
		return 0;
	case IOMMU_INV_ENTRY_IOTLB_RANGE:
		ir = (const void *)hdr;
		if (ir->pasid >= mock->pasid_limit)
			return -EINVAL;
		mock_cache_drop(iotlb, false, ir->pasid, true, 0, ir->addr,
				ir->addr + (ir->size - 1));
		if (!(hdr->flags & IOMMU_INV_IOTLB_FLAG_LEAF))
			mock_cache_drop(pwc, false, ir->pasid, true, 0, ir->addr,
					ir->addr + (ir->size - 1));
		return 0;
	case IOMMU_INV_ENTRY_DEVTLB_PASID:
		dp = (const void *)hdr;
		virt_id = dp->virt_id;
		pasid = dp->pasid;
		if (!iommu_inv_hwpt_vdev(&mock->core, virt_id))
			return -ENODEV;
		if (pasid >= mock->pasid_limit)
			return -EINVAL;
		mock_cache_drop(devtlb, false, pasid, false, virt_id, 0, U64_MAX);
		return 0;
	case IOMMU_INV_ENTRY_DEVTLB_RANGE:
		dr = (const void *)hdr;
		if (!iommu_inv_hwpt_vdev(&mock->core, dr->virt_id))
			return -ENODEV;
		if (dr->pasid >= mock->pasid_limit)
			return -EINVAL;
		mock_cache_drop(devtlb, false, dr->pasid, false, dr->virt_id,
				dr->addr, dr->addr + (dr->size - 1));
		return 0;
	case IOMMU_INV_ENTRY_PASID_CACHE_PASID:
		pasid = ((const struct iommu_inv_entry_pc_pasid *)hdr)->pasid;
		if (pasid >= mock->pasid_limit)
			return -EINVAL;
		mock_cache_drop(pc, false, pasid, true, 0, 0, U64_MAX);
		return 0;
	}
	return -EOPNOTSUPP;
}

/* An armed injection for the entry at @index fires once, then disarms. */
static bool mock_injected(struct mock_hwpt *mock, u32 index,
			  struct iommu_inv_batch *batch)
{
	unsigned int i;

	for (i = 0; i < mock->ninject; i++) {
		if (mock->inject[i].index != index)
			continue;
		batch->error = mock->inject[i].error;
		batch->hw_error = mock->inject[i].hw_error;
		/* One shot: disarm it. */
		mock->inject[i] = mock->inject[--mock->ninject];
		return true;
	}
	return false;
}

/*
 * One whole-cache entry: empty the caches it names. Each entry does its own
 * stores (WRITE_ONCE, so that a run of them is not folded into one), as
 * each would be its own command to a unit. Returns false for another type.
 */
static __always_inline bool mock_whole(struct mock_hwpt *mock, u16 type)
{
	switch (type) {
	case IOMMU_INV_ENTRY_IOTLB_ALL:
		WRITE_ONCE(mock->cache[IOMMU_INV_MOCK_IOTLB].valid, 0);
		WRITE_ONCE(mock->cache[IOMMU_INV_MOCK_PWC].valid, 0);
		return true;
	case IOMMU_INV_ENTRY_PASID_CACHE_ALL:
		WRITE_ONCE(mock->cache[IOMMU_INV_MOCK_PASID_CACHE].valid, 0);
		return true;
	}
	return false;
}

/*
 * Each entry of @batch in turn from @i on, with armed injections, a delay
 * and the selective entries; returns the index reached.
 */
static noinline unsigned int mock_invalidate_each(struct mock_hwpt *mock,
						  struct iommu_inv_batch *batch,
						  unsigned int i)
{
	/* Only the op changes @ninject, under the HWPT lock; one firing ends the run. */
	bool inject = mock->ninject;
	unsigned int num = batch->num;
	int rc;

	if (unlikely(mock->delay_ms)) {
		msleep(mock->delay_ms);
		mock->delay_ms = 0;
	}
	for (; i < num; i++) {
		const struct iommu_inv_entry_hdr *hdr =
			iommu_inv_batch_entry(batch, i);

		if (unlikely(inject) &&
		    mock_injected(mock, batch->first_index + i, batch))
			break;
		if (!mock_whole(mock, hdr->type)) {
			rc = mock_one(mock, hdr);
			if (unlikely(rc)) {
				batch->error = rc;
				return i;
			}
		}
		mock->seen[hdr->type]++;
	}
	return i;
}

/*
 * Every entry does its own invalidation and is counted on its own. The
 * whole-cache entries are done here, without a call (so the op needs no
 * frame); the first other entry, an armed injection or a delay sends the
 * rest to mock_invalidate_each(). A uniform run (one header) only picks
 * its loop once; its stores stay one per entry (WRITE_ONCE).
 */
static unsigned int mock_invalidate(struct iommu_inv_hwpt *hwpt,
				    struct iommu_inv_batch *batch)
{
	struct mock_hwpt *mock = to_mock(hwpt);
	const struct iommu_inv_entry_hdr * const *ent = batch->entries;
	unsigned int i, num = batch->num;
	const u8 *p = batch->run;
	u32 stride = batch->stride;
	u64 *seen;
	u16 type;

	if (unlikely(mock->ninject || mock->delay_ms))
		return mock_invalidate_each(mock, batch, 0);
	/* @num is at least 1. */
	i = 0;
	if (!p) {
		do {
			type = ent[i]->type;
			if (!mock_whole(mock, type))
				return mock_invalidate_each(mock, batch, i);
			mock->seen[type]++;
		} while (++i < num);
		return num;
	}
	if (batch->uniform) {
		switch (((const struct iommu_inv_entry_hdr *)p)->type) {
		case IOMMU_INV_ENTRY_IOTLB_ALL:
			seen = &mock->seen[IOMMU_INV_ENTRY_IOTLB_ALL];
			for (i = 0; i < num; i++) {
				WRITE_ONCE(mock->cache[IOMMU_INV_MOCK_IOTLB].valid, 0);
				WRITE_ONCE(mock->cache[IOMMU_INV_MOCK_PWC].valid, 0);
				WRITE_ONCE(*seen, *seen + 1);
			}
			return num;
		case IOMMU_INV_ENTRY_PASID_CACHE_ALL:
			seen = &mock->seen[IOMMU_INV_ENTRY_PASID_CACHE_ALL];
			for (i = 0; i < num; i++) {
				WRITE_ONCE(mock->cache[IOMMU_INV_MOCK_PASID_CACHE].valid, 0);
				WRITE_ONCE(*seen, *seen + 1);
			}
			return num;
		}
		return mock_invalidate_each(mock, batch, 0);
	}
	do {
		type = ((const struct iommu_inv_entry_hdr *)p)->type;
		if (!mock_whole(mock, type))
			return mock_invalidate_each(mock, batch, i);
		mock->seen[type]++;
		p += stride;
	} while (++i < num);
	return num;
}

const struct iommu_inv_hwpt_ops iommu_inv_mock_ops = {
	.type = IOMMU_INV_HWPT_MOCK,
	.entry_types = IOMMU_INV_ENTRY_TLB_TYPES |
		       IOMMU_INV_ENTRY_PASID_CACHE_TYPES,
	.granule_log2 = 12,
	.hwpt_size = sizeof(struct mock_hwpt),
	.config_size = sizeof(struct iommu_inv_hwpt_mock),
	.vdev_size = sizeof(struct iommu_inv_vdev),
	.init = mock_hwpt_init,
	.destroy = mock_hwpt_destroy,
	.invalidate = mock_invalidate,
};

static int mock_test_fill(struct mock_hwpt *mock, struct iommu_inv_test_cmd *cmd)
{
	struct mock_cache *c;
	struct mock_slot *s;
	unsigned long slot;

	if (cmd->fill.cache >= IOMMU_INV_MOCK_NUM_CACHES || !cmd->fill.size ||
	    cmd->fill.addr + (cmd->fill.size - 1) < cmd->fill.addr)
		return -EINVAL;
	c = &mock->cache[cmd->fill.cache];
	slot = find_first_zero_bit(&c->valid, IOMMU_INV_MOCK_SLOTS);
	if (slot >= IOMMU_INV_MOCK_SLOTS)
		return -ENOSPC;
	s = &c->slot[slot];
	s->virt_id = cmd->fill.virt_id;
	s->pasid = cmd->fill.pasid;
	s->addr = cmd->fill.addr;
	s->last = cmd->fill.addr + (cmd->fill.size - 1);
	__set_bit(slot, &c->valid);
	cmd->fill.out_slot = slot;
	return 0;
}

static int mock_test_op(struct mock_hwpt *mock, struct iommu_inv_test_cmd *cmd)
{
	struct mock_inject *inj;

	switch (cmd->op) {
	case IOMMU_INV_TEST_OP_MOCK_FILL:
		return mock_test_fill(mock, cmd);
	case IOMMU_INV_TEST_OP_MOCK_QUERY:
		if (cmd->query.cache >= IOMMU_INV_MOCK_NUM_CACHES)
			return -EINVAL;
		cmd->query.out_valid = mock->cache[cmd->query.cache].valid;
		cmd->query.out_count = hweight64(cmd->query.out_valid);
		return 0;
	case IOMMU_INV_TEST_OP_MOCK_INJECT:
		if (cmd->inject.__reserved)
			return -EOPNOTSUPP;
		if (!cmd->inject.error) {
			mock->ninject = 0;
			return 0;
		}
		/* -EAGAIN would make io_uring issue the command again. */
		if (cmd->inject.error > 0 || cmd->inject.error < -MAX_ERRNO ||
		    cmd->inject.error == -EAGAIN)
			return -EINVAL;
		if (mock->ninject == IOMMU_INV_MOCK_MAX_INJECT)
			return -ENOSPC;
		inj = &mock->inject[mock->ninject++];
		inj->index = cmd->inject.index;
		inj->error = cmd->inject.error;
		inj->hw_error = cmd->inject.hw_error;
		return 0;
	case IOMMU_INV_TEST_OP_MOCK_DELAY:
		if (cmd->delay.__reserved)
			return -EOPNOTSUPP;
		if (cmd->delay.msecs > IOMMU_INV_MOCK_MAX_DELAY_MS)
			return -EINVAL;
		mock->delay_ms = cmd->delay.msecs;
		return 0;
	case IOMMU_INV_TEST_OP_MOCK_SEEN:
		if (cmd->seen.entry_type >= ARRAY_SIZE(mock->seen))
			return -EINVAL;
		cmd->seen.out_count = mock->seen[cmd->seen.entry_type];
		return 0;
	}
	return -EOPNOTSUPP;
}

int iommu_inv_test_ioctl(struct iommu_inv_ucmd *ucmd)
{
	struct iommu_inv_test_cmd *cmd = ucmd->cmd;
	struct iommu_inv_object *obj;
	struct iommu_inv_hwpt *hwpt;
	int rc;

	if (cmd->__reserved)
		return -EOPNOTSUPP;
	switch (cmd->op) {
	case IOMMU_INV_TEST_OP_COPY_FLOOR:
		if (cmd->copy.__reserved)
			return -EOPNOTSUPP;
		return iommu_inv_copy_floor(ucmd->ctx,
					    u64_to_user_ptr(cmd->copy.uptr),
					    cmd->copy.len);
	case IOMMU_INV_TEST_OP_NUM_OBJECTS:
		cmd->objects.out_num = atomic_read(&ucmd->ctx->num_objects);
		return iommu_inv_ucmd_respond(ucmd, sizeof(*cmd));
	case IOMMU_INV_TEST_OP_NUM_FILES:
		cmd->files.out_num = atomic_read(&iommu_inv_num_files);
		return iommu_inv_ucmd_respond(ucmd, sizeof(*cmd));
	case IOMMU_INV_TEST_OP_UNIT_FAULT:
		if (cmd->unit_fault.__reserved)
			return -EOPNOTSUPP;
		if (cmd->unit_fault.unit == IOMMU_INV_HWPT_VTD_S1)
			return iommu_inv_vtd_fake_fault(cmd->unit_fault.fault,
							cmd->unit_fault.sid);
		if (cmd->unit_fault.unit == IOMMU_INV_HWPT_SMMUV3_S1)
			return iommu_inv_smmu_fake_fault(cmd->unit_fault.fault,
							 cmd->unit_fault.sid);
		return -EINVAL;
	case IOMMU_INV_TEST_OP_LADDER:
		if (cmd->ladder.__reserved)
			return -EOPNOTSUPP;
		return iommu_inv_set_ladder(ucmd->ctx, cmd->ladder.rung);
	}

	obj = iommu_inv_obj_get(ucmd->ctx, cmd->id, IOMMU_INV_OBJ_HWPT);
	if (IS_ERR(obj))
		return PTR_ERR(obj);
	hwpt = container_of(obj, struct iommu_inv_hwpt, obj);
	if (hwpt->ops == &iommu_inv_vtd_ops) {
		rc = iommu_inv_vtd_test(hwpt, cmd);
	} else if (hwpt->ops == &iommu_inv_smmu_ops) {
		rc = iommu_inv_smmu_test(hwpt, cmd);
	} else if (hwpt->ops != &iommu_inv_mock_ops) {
		rc = -EINVAL;
	} else if (cmd->op == IOMMU_INV_TEST_OP_MOCK_BUSY) {
		/* Looks at the lock without taking it. */
		cmd->busy.out_busy = mutex_is_locked(&hwpt->lock);
		rc = 0;
	} else {
		mutex_lock(&hwpt->lock);
		rc = mock_test_op(to_mock(hwpt), cmd);
		mutex_unlock(&hwpt->lock);
	}
	if (!rc)
		rc = iommu_inv_ucmd_respond(ucmd, sizeof(*cmd));
	iommu_inv_obj_put(obj);
	return rc;
}
