// SPDX-License-Identifier: GPL-2.0
/*
 * The SMMUv3 stage-1 HWPT type. It takes the generic entries, each turned
 * into one command, except the PASID-cache entries, which become one
 * CFGI_CD or CFGI_CD_ALL per stream ID behind the HWPT (the CD cache is
 * tagged by stream); and raw guest commands, each checked field by field
 * against an allow-list and rewritten: the VMID forced to the HWPT's,
 * virtual stream IDs translated to physical ones. Runs of up to
 * SMMU_RUN_CMDS commands are fenced by a CMD_SYNC, so an entry may span
 * runs; a fault comes back on the entry whose command caused it. Field
 * layouts: SMMUv3 architecture specification (IHI 0070), 4.3
 * (configuration invalidation), 4.4 (TLB invalidation), 4.5 (ATS), 4.7
 * (CMD_SYNC).
 */
#include <linux/bitfield.h>

#include "iommufd_inv.h"
#include "smmu.h"
#ifdef CONFIG_IOMMUFD_INV_TEST
#include "iommufd_inv_test.h"
#endif

#define CMD0_OP			GENMASK_ULL(7, 0)
#define CMD0_SSV		BIT_ULL(11)
#define TLBI0_NUM		GENMASK_ULL(16, 12)
#define TLBI0_SCALE		GENMASK_ULL(24, 20)
#define TLBI0_VMID		GENMASK_ULL(47, 32)
#define TLBI0_ASID		GENMASK_ULL(63, 48)
#define TLBI1_LEAF		BIT_ULL(0)
#define TLBI1_TTL		GENMASK_ULL(9, 8)
#define TLBI1_TG		GENMASK_ULL(11, 10)
#define TLBI1_ADDR		GENMASK_ULL(63, 12)
#define CFGI0_SSID		GENMASK_ULL(31, 12)
#define CFGI0_SID		GENMASK_ULL(63, 32)
#define CFGI1_LEAF		BIT_ULL(0)
#define ATC0_GLOBAL		BIT_ULL(9)
#define ATC1_SIZE		GENMASK_ULL(5, 0)
#define ATC1_ADDR		GENMASK_ULL(63, 12)

/* Commands of a run, the fencing CMD_SYNC not counted. */
#define SMMU_RUN_CMDS		(SMMU_QUEUE_BATCH - 1)

#define TG_4K			1
#define SMMU_PAGE_SHIFT		12
/* ATC_INV sizes, in 4 KiB pages, up to the whole 64-bit space. */
#define ATC_SIZE_ALL		(64 - SMMU_PAGE_SHIFT)

struct smmu_dev {
	struct iommu_inv_vdev core;
	u32 sid;
	bool ats;
};

/**
 * struct smmu_hwpt - an SMMUv3 stage-1 HWPT
 * @core: the generic HWPT
 * @q: its queue; the HWPT holds the claims on @vmid and its devices' SIDs
 * @vmid: host VMID
 * @cmds: the run being built; under @core.lock
 * @owner: for each command of @cmds, the batch index of its entry
 * @testq: (tests) what went to the queue; a bit to flip on the way
 * @corrupt_cmd: (tests) which command of the entry @testq names gets the
 *	flip
 */
struct smmu_hwpt {
	struct iommu_inv_hwpt core;
	struct iommu_inv_smmu_queue *q;
	u16 vmid;
	struct iommu_inv_smmu_cmd cmds[SMMU_QUEUE_BATCH];
	unsigned int owner[SMMU_RUN_CMDS];
#ifdef CONFIG_IOMMUFD_INV_TEST
	struct iommu_inv_testq testq;
	unsigned int corrupt_cmd;
#endif
};

/*
 * The fields a guest may set in each command it may send; every other bit
 * is reserved (or, like SSec, not the guest's to set).
 */
struct smmu_allowed {
	u8 op;
	u64 dw0;
	u64 dw1;
};

static const struct smmu_allowed smmu_allowed[] = {
	{ SMMU_OP_CFGI_CD, CMD0_OP | CFGI0_SSID | CFGI0_SID, CFGI1_LEAF },
	{ SMMU_OP_CFGI_CD_ALL, CMD0_OP | CFGI0_SID, 0 },
	{ SMMU_OP_TLBI_NH_ALL, CMD0_OP | TLBI0_VMID, 0 },
	{ SMMU_OP_TLBI_NH_ASID, CMD0_OP | TLBI0_VMID | TLBI0_ASID, 0 },
	{ SMMU_OP_TLBI_NH_VA, CMD0_OP | TLBI0_NUM | TLBI0_SCALE | TLBI0_VMID |
	  TLBI0_ASID, TLBI1_LEAF | TLBI1_TTL | TLBI1_TG | TLBI1_ADDR },
	{ SMMU_OP_TLBI_NH_VAA, CMD0_OP | TLBI0_NUM | TLBI0_SCALE | TLBI0_VMID,
	  TLBI1_LEAF | TLBI1_TTL | TLBI1_TG | TLBI1_ADDR },
	{ SMMU_OP_ATC_INV, CMD0_OP | ATC0_GLOBAL | CMD0_SSV | CFGI0_SSID |
	  CFGI0_SID, ATC1_SIZE | ATC1_ADDR },
};

static struct smmu_hwpt *to_smmu(struct iommu_inv_hwpt *hwpt)
{
	return container_of(hwpt, struct smmu_hwpt, core);
}

static struct smmu_dev *to_smmu_dev(struct iommu_inv_vdev *vdev)
{
	return container_of(vdev, struct smmu_dev, core);
}

static struct iommu_inv_smmu_queue *smmu_queue_get(u32 kind)
{
#ifdef CONFIG_IOMMUFD_INV_TEST
	if (kind == IOMMU_INV_SMMU_QUEUE_MODEL)
		return iommu_inv_mock_enabled ? iommu_inv_smmu_model_create() :
						ERR_PTR(-EOPNOTSUPP);
#endif
	if (kind == IOMMU_INV_SMMU_QUEUE_HW)
		return iommu_inv_smmu_unit_get();
	return ERR_PTR(-EOPNOTSUPP);
}

static int smmu_hwpt_init(struct iommu_inv_hwpt *hwpt, const void *config)
{
	const struct iommu_inv_hwpt_smmuv3_s1 *cfg = config;
	struct smmu_hwpt *sh = to_smmu(hwpt);
	struct iommu_inv_smmu_queue *q;
	int rc;

	if (cfg->flags || cfg->__reserved || cfg->__reserved2)
		return -EOPNOTSUPP;
	if (!cfg->vmid)
		return -EINVAL;
	q = smmu_queue_get(cfg->queue);
	if (IS_ERR(q))
		return PTR_ERR(q);
	rc = -EINVAL;
	if (cfg->vmid < BIT(q->vmid_bits))
		rc = xa_insert(&q->vmids, cfg->vmid, sh, GFP_KERNEL_ACCOUNT);
	if (rc) {
		q->ops->release(q);
		return rc;
	}
	sh->q = q;
	sh->vmid = cfg->vmid;
#ifdef CONFIG_IOMMUFD_INV_TEST
	iommu_inv_testq_init(&sh->testq, ARRAY_SIZE(sh->cmds[0].dw));
#endif
	return 0;
}

static void smmu_hwpt_destroy(struct iommu_inv_hwpt *hwpt)
{
	struct smmu_hwpt *sh = to_smmu(hwpt);

	xa_erase(&sh->q->vmids, sh->vmid);
	sh->q->ops->release(sh->q);
}

static int smmu_vdev_init(struct iommu_inv_vdev *vdev, const void *config)
{
	const struct iommu_inv_vdev_smmuv3 *cfg = config;
	struct iommu_inv_smmu_queue *q = to_smmu(vdev->hwpt)->q;
	struct smmu_dev *sd = to_smmu_dev(vdev);
	bool ats = cfg->flags & IOMMU_INV_SMMU_DEV_ATS;
	int rc;

	if (cfg->flags & ~IOMMU_INV_SMMU_DEV_ATS)
		return -EOPNOTSUPP;
	if (ats && !q->ats)
		return -EOPNOTSUPP;
	if (cfg->sid >= BIT_ULL(q->sid_bits))
		return -EINVAL;
	if (q->check_sid) {
		rc = iommu_inv_pci_rid_check(cfg->sid);
		if (rc)
			return rc;
	}
	rc = xa_insert(&q->sids, cfg->sid, sd, GFP_KERNEL_ACCOUNT);
	if (rc)
		return rc;
	sd->sid = cfg->sid;
	sd->ats = ats;
	return 0;
}

static void smmu_vdev_destroy(struct iommu_inv_vdev *vdev)
{
	xa_erase(&to_smmu(vdev->hwpt)->q->sids, to_smmu_dev(vdev)->sid);
}

/* The device the guest calls @vsid, or NULL. */
static struct smmu_dev *smmu_dev(struct smmu_hwpt *sh, u32 vsid)
{
	struct iommu_inv_vdev *vdev = iommu_inv_hwpt_vdev(&sh->core, vsid);

	return vdev ? to_smmu_dev(vdev) : NULL;
}

/*
 * TLBI_NH_VA of the byte range [addr, addr + size) in one command: with
 * range invalidation, (NUM + 1) << SCALE pages from @addr, the smallest
 * such count that covers the range; otherwise one page, or the whole ASID.
 */
static void smmu_tlbi_range(struct smmu_hwpt *sh, u16 asid, u64 addr,
			    u64 size, bool leaf, struct iommu_inv_smmu_cmd *c)
{
	u64 pages = size >> SMMU_PAGE_SHIFT;
	unsigned int scale;

	scale = max_t(int, fls64(pages - 1) - 5, 0);
	if ((!sh->q->ril && pages > 1) || scale > 31) {
		c->dw[0] = FIELD_PREP(CMD0_OP, SMMU_OP_TLBI_NH_ASID) |
			   FIELD_PREP(TLBI0_VMID, sh->vmid) |
			   FIELD_PREP(TLBI0_ASID, asid);
		return;
	}
	c->dw[0] = FIELD_PREP(CMD0_OP, SMMU_OP_TLBI_NH_VA) |
		   FIELD_PREP(TLBI0_VMID, sh->vmid) |
		   FIELD_PREP(TLBI0_ASID, asid);
	c->dw[1] = (addr & TLBI1_ADDR) | (leaf ? TLBI1_LEAF : 0);
	if (sh->q->ril) {
		c->dw[0] |= FIELD_PREP(TLBI0_NUM, (pages - 1) >> scale) |
			    FIELD_PREP(TLBI0_SCALE, scale);
		c->dw[1] |= FIELD_PREP(TLBI1_TG, TG_4K);
	}
}

/* ATC_INV of the smallest aligned block of 2^size pages holding a range. */
static int smmu_atc(struct smmu_hwpt *sh, u32 vsid, u32 ssid, u64 addr,
		    u64 size, struct iommu_inv_smmu_cmd *c)
{
	struct smmu_dev *sd = smmu_dev(sh, vsid);
	unsigned int order = ATC_SIZE_ALL;
	u64 base = 0;

	if (!sd)
		return -ENODEV;
	if (!sd->ats || ssid >= BIT(20))
		return -EINVAL;
	if (size) {
		order = max_t(int, fls64(addr ^ (addr + (size - 1))) -
				   SMMU_PAGE_SHIFT, 0);
		if (order < ATC_SIZE_ALL)
			base = addr & ~(BIT_ULL(order + SMMU_PAGE_SHIFT) - 1);
	}
	c->dw[0] = FIELD_PREP(CMD0_OP, SMMU_OP_ATC_INV) | CMD0_SSV |
		   FIELD_PREP(CFGI0_SSID, ssid) | FIELD_PREP(CFGI0_SID, sd->sid);
	c->dw[1] = base | FIELD_PREP(ATC1_SIZE, order);
	return 0;
}

/*
 * A raw guest command: allowed opcode, no bit outside the opcode's
 * fields, the VMID forced, the stream ID translated.
 */
static int smmu_raw(struct smmu_hwpt *sh,
		    const struct iommu_inv_entry_smmuv3_cmd *e,
		    struct iommu_inv_smmu_cmd *c)
{
	u64 dw0 = le64_to_cpu(e->cmd[0]), dw1 = le64_to_cpu(e->cmd[1]);
	const struct smmu_allowed *a = NULL;
	struct smmu_dev *sd;
	unsigned int i;
	u8 op = FIELD_GET(CMD0_OP, dw0);

	for (i = 0; i < ARRAY_SIZE(smmu_allowed); i++)
		if (smmu_allowed[i].op == op)
			a = &smmu_allowed[i];
	if (!a)
		return -EOPNOTSUPP;
	if ((dw0 & ~a->dw0) || (dw1 & ~a->dw1))
		return -EINVAL;

	switch (op) {
	case SMMU_OP_TLBI_NH_VA:
	case SMMU_OP_TLBI_NH_VAA:
		/* Without a granule there is no range, nor a level hint. */
		if (!FIELD_GET(TLBI1_TG, dw1) &&
		    ((dw0 & (TLBI0_NUM | TLBI0_SCALE)) || (dw1 & TLBI1_TTL)))
			return -EINVAL;
		if (FIELD_GET(TLBI1_TG, dw1) && !sh->q->ril)
			return -EINVAL;
		fallthrough;
	case SMMU_OP_TLBI_NH_ALL:
	case SMMU_OP_TLBI_NH_ASID:
		dw0 &= ~TLBI0_VMID;
		dw0 |= FIELD_PREP(TLBI0_VMID, sh->vmid);
		break;
	default:
		sd = smmu_dev(sh, FIELD_GET(CFGI0_SID, dw0));
		if (!sd)
			return -ENODEV;
		/*
		 * ATC_INV: a device with ATS; an SSID only with SSV (a
		 * command meant for one PASID must not reach the device as
		 * one for all of them); at most 2^52 pages, the whole 64-bit
		 * space (the model refuses the same, as an SMMU may).
		 */
		if (op == SMMU_OP_ATC_INV &&
		    (!sd->ats || FIELD_GET(ATC1_SIZE, dw1) > ATC_SIZE_ALL ||
		     (!(dw0 & CMD0_SSV) && FIELD_GET(CFGI0_SSID, dw0))))
			return -EINVAL;
		dw0 &= ~CFGI0_SID;
		dw0 |= FIELD_PREP(CFGI0_SID, sd->sid);
	}
	c->dw[0] = dw0;
	c->dw[1] = dw1;
	return 0;
}

/*
 * One checked entry into one command, or (*@streams) one per stream ID of
 * the HWPT: @c with each stream's SID put in (smmu_invalidate()). hw code
 * CERROR_ILL if refused as a command would be.
 */
static int smmu_encode(struct smmu_hwpt *sh,
		       const struct iommu_inv_entry_hdr *hdr,
		       struct iommu_inv_smmu_cmd *c, bool *streams,
		       u32 *hw_error)
{
	const struct iommu_inv_entry_iotlb_range *ir;
	const struct iommu_inv_entry_devtlb_range *dr;
	const struct iommu_inv_entry_devtlb_pasid *dp;
	u32 asid, ssid;
	int rc;

	memset(c, 0, sizeof(*c));
	*streams = false;
	*hw_error = 0;
	switch (hdr->type) {
	case IOMMU_INV_ENTRY_IOTLB_ALL:
		c->dw[0] = FIELD_PREP(CMD0_OP, SMMU_OP_TLBI_NH_ALL) |
			   FIELD_PREP(TLBI0_VMID, sh->vmid);
		return 0;
	case IOMMU_INV_ENTRY_IOTLB_PASID:
		asid = ((const struct iommu_inv_entry_iotlb_pasid *)hdr)->pasid;
		if (asid > U16_MAX)
			return -EINVAL;
		c->dw[0] = FIELD_PREP(CMD0_OP, SMMU_OP_TLBI_NH_ASID) |
			   FIELD_PREP(TLBI0_VMID, sh->vmid) |
			   FIELD_PREP(TLBI0_ASID, asid);
		return 0;
	case IOMMU_INV_ENTRY_IOTLB_RANGE:
		ir = (const void *)hdr;
		if (ir->pasid > U16_MAX)
			return -EINVAL;
		smmu_tlbi_range(sh, ir->pasid, ir->addr, ir->size,
				hdr->flags & IOMMU_INV_IOTLB_FLAG_LEAF, c);
		return 0;
	case IOMMU_INV_ENTRY_DEVTLB_PASID:
		dp = (const void *)hdr;
		return smmu_atc(sh, dp->virt_id, dp->pasid, 0, 0, c);
	case IOMMU_INV_ENTRY_DEVTLB_RANGE:
		dr = (const void *)hdr;
		return smmu_atc(sh, dr->virt_id, dr->pasid, dr->addr, dr->size,
				c);
	case IOMMU_INV_ENTRY_PASID_CACHE_ALL:
		/* 4.3.5: every CD of the stream. */
		c->dw[0] = FIELD_PREP(CMD0_OP, SMMU_OP_CFGI_CD_ALL);
		*streams = true;
		return 0;
	case IOMMU_INV_ENTRY_PASID_CACHE_PASID:
		/*
		 * 4.3.4: the CD of one SubstreamID, which the SMMU must have
		 * (IDR1.SSIDSIZE). Leaf 0: the entry does not say whether
		 * the guest changed the CD or a level-1 descriptor above it
		 * (Linux's arm-smmu-v3 clears Leaf after writing one, as the
		 * SMMU may have cached an invalid one), so both are dropped.
		 */
		ssid = ((const struct iommu_inv_entry_pc_pasid *)hdr)->pasid;
		if (ssid >= BIT(sh->q->ssid_bits)) {
			*hw_error = IOMMU_INV_HWERR_SMMU_CERROR_ILL;
			return -EINVAL;
		}
		c->dw[0] = FIELD_PREP(CMD0_OP, SMMU_OP_CFGI_CD) |
			   FIELD_PREP(CFGI0_SSID, ssid);
		c->dw[1] = 0;
		*streams = true;
		return 0;
	case IOMMU_INV_ENTRY_SMMUV3_CMD:
		rc = smmu_raw(sh, (const void *)hdr, c);
		if (rc)
			*hw_error = IOMMU_INV_HWERR_SMMU_CERROR_ILL;
		return rc;
	}
	return -EOPNOTSUPP;
}

#ifdef CONFIG_IOMMUFD_INV_TEST
/*
 * Only a model queue or a fake unit is logged and corrupted: a real SMMU's
 * commands are neither shown to the test ioctl nor changed by it.
 */
static void smmu_testq_corrupt(struct smmu_hwpt *sh,
			       struct iommu_inv_smmu_cmd *c, u32 index,
			       unsigned int k)
{
	if (sh->q->test_hooks && k == sh->corrupt_cmd)
		iommu_inv_testq_corrupt(&sh->testq, c->dw, index, 1);
}

static void smmu_testq_log(struct smmu_hwpt *sh, unsigned int n)
{
	if (sh->q->test_hooks)
		iommu_inv_testq_add(&sh->testq, (u64 *)sh->cmds, n);
}

/* Whether a bit flip is waiting; re-armed if its call did nothing. */
static bool smmu_testq_armed(struct smmu_hwpt *sh)
{
	return sh->testq.armed;
}

static void smmu_testq_rearm(struct smmu_hwpt *sh)
{
	sh->testq.armed = true;
}
#else
static void smmu_testq_corrupt(struct smmu_hwpt *sh,
			       struct iommu_inv_smmu_cmd *c, u32 index,
			       unsigned int k)
{
}

static void smmu_testq_log(struct smmu_hwpt *sh, unsigned int n)
{
}

static bool smmu_testq_armed(struct smmu_hwpt *sh)
{
	return false;
}

static void smmu_testq_rearm(struct smmu_hwpt *sh)
{
}
#endif

/*
 * Submit the run @sh->cmds[0..@n) and its CMD_SYNC. Returns 0, or the
 * queue's errno with @batch->hw_error set and *@failed the batch index of
 * the entry whose command failed. Only the first run of a call may be
 * non-blocking: -EAGAIN from it means nothing was done.
 */
static int smmu_run(struct smmu_hwpt *sh, struct iommu_inv_batch *batch,
		    unsigned int n, bool *nonblock, unsigned int *failed)
{
	unsigned int done;
	int rc;

	rc = sh->q->ops->submit(sh->q, sh->cmds, n, *nonblock, &done,
				&batch->hw_error);
	*failed = 0;
	if (rc == -EAGAIN)
		return rc;
	*nonblock = false;
	smmu_testq_log(sh, n + 1);
	if (rc)
		*failed = sh->owner[min(done, n - 1)];
	return rc;
}

/*
 * Command @k of an entry that becomes one command per stream: @c for the
 * device after *@vsid (in virtual stream ID order; the HWPT's lock keeps
 * its devices). The HWPT has at least @k + 1 devices.
 */
static void smmu_stream_cmd(struct smmu_hwpt *sh, unsigned long *vsid,
			    struct iommu_inv_smmu_cmd *c)
{
	struct iommu_inv_vdev *vdev;

	vdev = xa_find(&sh->core.vdevs, vsid, ULONG_MAX, XA_PRESENT);
	if (WARN_ON_ONCE(!vdev)) {
		/* Never a stream ID the HWPT does not own: a bare sync. */
		c->dw[0] = SMMU_OP_CMD_SYNC;
		c->dw[1] = 0;
	} else {
		c->dw[0] |= FIELD_PREP(CFGI0_SID, to_smmu_dev(vdev)->sid);
	}
	(*vsid)++;
}

/*
 * The entries of @batch become commands in order; a run goes to the queue
 * whenever SMMU_RUN_CMDS are ready, so an entry with a command per stream
 * may span runs, and one for a HWPT without devices has none (it is done
 * at once). An entry counts as done when all its commands have completed;
 * a fault on any of them fails that entry, with the ones before it done.
 */
static unsigned int smmu_invalidate(struct iommu_inv_hwpt *hwpt,
				    struct iommu_inv_batch *batch)
{
	struct smmu_hwpt *sh = to_smmu(hwpt);
	bool armed = smmu_testq_armed(sh), nonblock = batch->nonblock;
	unsigned int i, k, ncmds, n = 0, failed;
	struct iommu_inv_smmu_cmd c;
	unsigned long vsid;
	u32 hw_error = 0;
	bool streams;
	int rc = 0, qrc;

	BUILD_BUG_ON(SMMU_RUN_CMDS < 64);
	for (i = 0; i < batch->num; i++) {
		rc = smmu_encode(sh, iommu_inv_batch_entry(batch, i), &c,
				 &streams, &hw_error);
		if (rc)
			break;
		ncmds = streams ? hwpt->num_vdevs : 1;
		vsid = 0;
		for (k = 0; k < ncmds; k++) {
			sh->cmds[n] = c;
			if (streams)
				smmu_stream_cmd(sh, &vsid, &sh->cmds[n]);
			smmu_testq_corrupt(sh, &sh->cmds[n],
					   batch->first_index + i, k);
			sh->owner[n++] = i;
			if (n < SMMU_RUN_CMDS)
				continue;
			/* A non-blocking call takes the unit for one run only. */
			if (nonblock && (k + 1 < ncmds || i + 1 < batch->num))
				goto again;
			qrc = smmu_run(sh, batch, n, &nonblock, &failed);
			n = 0;
			if (qrc == -EAGAIN)
				goto again;
			if (qrc) {
				batch->error = qrc;
				return failed;
			}
		}
	}
	if (n) {
		qrc = smmu_run(sh, batch, n, &nonblock, &failed);
		if (qrc == -EAGAIN)
			goto again;
		if (qrc) {
			batch->error = qrc;
			return failed;
		}
	}
	if (rc) {
		batch->error = rc;
		batch->hw_error = hw_error;
	}
	return i;

again:
	/* The unit was busy, or would be taken twice: nothing done. */
	if (armed && !smmu_testq_armed(sh))
		smmu_testq_rearm(sh);
	batch->error = -EAGAIN;
	return 0;
}

const struct iommu_inv_hwpt_ops iommu_inv_smmu_ops = {
	.type = IOMMU_INV_HWPT_SMMUV3_S1,
	.entry_types = IOMMU_INV_ENTRY_TLB_TYPES |
		       IOMMU_INV_ENTRY_PASID_CACHE_TYPES |
		       BIT_ULL(IOMMU_INV_ENTRY_SMMUV3_CMD),
	.granule_log2 = SMMU_PAGE_SHIFT,
	.needs_admin = true,
	.hwpt_size = sizeof(struct smmu_hwpt),
	.config_size = sizeof(struct iommu_inv_hwpt_smmuv3_s1),
	.vdev_size = sizeof(struct smmu_dev),
	.vdev_config_size = sizeof(struct iommu_inv_vdev_smmuv3),
	.init = smmu_hwpt_init,
	.destroy = smmu_hwpt_destroy,
	.vdev_init = smmu_vdev_init,
	.vdev_destroy = smmu_vdev_destroy,
	.invalidate = smmu_invalidate,
};

#ifdef CONFIG_IOMMUFD_INV_TEST
/**
 * iommu_inv_smmu_test() - the test ioctl's operations on an SMMUv3 HWPT
 * @hwpt: an SMMUv3 HWPT, held by the caller
 * @cmd: the command; its out fields are filled
 *
 * QUEUE_LOG, QUEUE_CORRUPT(_DESC), DEV_TIMEOUT (model queues) and MOCK_BUSY
 * (fake units: whether the unit's queue is held) serve only model queues
 * and fake units, never a real SMMU.
 *
 * Return: 0 or -errno; -EOPNOTSUPP on a real SMMU's HWPT.
 */
int iommu_inv_smmu_test(struct iommu_inv_hwpt *hwpt,
			struct iommu_inv_test_cmd *cmd)
{
	struct smmu_hwpt *sh = to_smmu(hwpt);
	struct iommu_inv_test_cmd arm;
	int rc;

	/* The test hooks serve model queues and fake units only. */
	if (!sh->q->test_hooks)
		return -EOPNOTSUPP;
	if (cmd->op == IOMMU_INV_TEST_OP_MOCK_BUSY) {
		/* Whether a submit holds the queue (shared on a unit). */
		if (!sh->q->ops->busy || cmd->busy.__reserved)
			return -EOPNOTSUPP;
		cmd->busy.out_busy = sh->q->ops->busy(sh->q);
		return 0;
	}
	if (cmd->op == IOMMU_INV_TEST_OP_QUEUE_CORRUPT ||
	    cmd->op == IOMMU_INV_TEST_OP_QUEUE_CORRUPT_DESC) {
		/* QUEUE_CORRUPT_DESC is QUEUE_CORRUPT plus the command. */
		arm = *cmd;
		arm.op = IOMMU_INV_TEST_OP_QUEUE_CORRUPT;
		if (cmd->op == IOMMU_INV_TEST_OP_QUEUE_CORRUPT_DESC)
			arm.queue_corrupt.__reserved = 0;
		rc = iommu_inv_testq_op(&sh->testq, &hwpt->lock, &arm);
		if (rc)
			return rc;
		mutex_lock(&hwpt->lock);
		sh->corrupt_cmd = cmd->op == IOMMU_INV_TEST_OP_QUEUE_CORRUPT ?
				  0 : cmd->queue_corrupt_desc.desc;
		mutex_unlock(&hwpt->lock);
		return 0;
	}
	if (cmd->op != IOMMU_INV_TEST_OP_DEV_TIMEOUT)
		return iommu_inv_testq_op(&sh->testq, &hwpt->lock, cmd);
	if (cmd->dev_timeout.__reserved)
		return -EOPNOTSUPP;
	mutex_lock(&hwpt->lock);
	rc = iommu_inv_smmu_model_timeout(sh->q, cmd->dev_timeout.sid);
	mutex_unlock(&hwpt->lock);
	return rc;
}
#endif
