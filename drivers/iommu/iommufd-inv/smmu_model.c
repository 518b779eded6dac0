// SPDX-License-Identifier: GPL-2.0
/*
 * A software model of an SMMUv3 command queue (tests only). It decodes
 * every 128-bit command and checks every field against the command
 * layouts of the SMMUv3 architecture (IHI 0070, 4.3-4.7), written here
 * from the layouts and not from smmu.c, and checks that each command
 * stays within what the HWPT was given: its VMID, its physical stream IDs.
 * A command it refuses stops the queue with CERROR_ILL, as an SMMU does;
 * an ATC invalidation to a device a test marked unresponsive fails its
 * CMD_SYNC with CERROR_ATC_INV_SYNC.
 *
 * Its SMMU: range invalidation, ATS, 16-bit SubstreamIDs (SSIDSIZE 16).
 */
#include <linux/slab.h>

#include "iommufd_inv.h"
#include "smmu.h"

/**
 * struct smmu_model - one HWPT's model queue
 * @q: what the encoder knows of it
 * @timeout_sid: stream ID whose next ATC invalidation times out
 * @timeout_armed: @timeout_sid is set
 */
struct smmu_model {
	struct iommu_inv_smmu_queue q;
	u32 timeout_sid;
	bool timeout_armed;
};

static u64 field(u64 dw, unsigned int hi, unsigned int lo)
{
	return (dw >> lo) & (~0ULL >> (63 - hi + lo));
}

/* Reserved bits of each command the model knows, per doubleword. */
struct model_cmd {
	u8 op;
	u64 rsvd0;
	u64 rsvd1;
};

static const struct model_cmd model_cmds[] = {
	/* CFGI_CD: 10 SSec, 31:12 SSID, 63:32 SID; 0 Leaf. */
	{ SMMU_OP_CFGI_CD, 0x0000000000000b00ULL, ~1ULL },
	/* CFGI_CD_ALL: 10 SSec, 63:32 SID. */
	{ SMMU_OP_CFGI_CD_ALL, 0x00000000fffffb00ULL, ~0ULL },
	/* TLBI_NH_ALL: 47:32 VMID. */
	{ SMMU_OP_TLBI_NH_ALL, 0xffff0000ffffff00ULL, ~0ULL },
	/* TLBI_NH_ASID: 47:32 VMID, 63:48 ASID. */
	{ SMMU_OP_TLBI_NH_ASID, 0x00000000ffffff00ULL, ~0ULL },
	/* TLBI_NH_VA: 16:12 NUM, 24:20 SCALE, VMID, ASID; 0 Leaf, 9:8 TTL,
	 * 11:10 TG, 63:12 address.
	 */
	{ SMMU_OP_TLBI_NH_VA, 0x00000000fe0e0f00ULL, 0x00000000000000feULL },
	/* TLBI_NH_VAA: as TLBI_NH_VA without ASID. */
	{ SMMU_OP_TLBI_NH_VAA, 0xffff0000fe0e0f00ULL, 0x00000000000000feULL },
	/* ATC_INV: 9 Global, 11 SSV, 31:12 SSID, 63:32 SID; 5:0 Size,
	 * 63:12 address.
	 */
	{ SMMU_OP_ATC_INV, 0x0000000000000500ULL, 0x0000000000000fc0ULL },
	/* CMD_SYNC: 13:12 CS, 23:22 MSH, 27:24 MSIAttr, 63:32 MSIData;
	 * 51:2 MSIAddress.
	 */
	{ SMMU_OP_CMD_SYNC, 0x00000000f03fcf00ULL, 0xfff0000000000003ULL },
};

/**
 * iommu_inv_smmu_cmd_legal() - the model's decoder
 * @q: the queue whose VMIDs and stream IDs a command may name
 * @c: the command
 *
 * Used by the model queue and by the fake SMMU (smmu_fake.c).
 *
 * Return: whether the command is legal; false means CERROR_ILL.
 */
bool iommu_inv_smmu_cmd_legal(struct iommu_inv_smmu_queue *q,
			      const struct iommu_inv_smmu_cmd *c)
{
	const struct model_cmd *mc = NULL;
	u64 op = field(c->dw[0], 7, 0);
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(model_cmds); i++)
		if (model_cmds[i].op == op)
			mc = &model_cmds[i];
	if (!mc || (c->dw[0] & mc->rsvd0) || (c->dw[1] & mc->rsvd1))
		return false;

	switch (op) {
	case SMMU_OP_TLBI_NH_VA:
	case SMMU_OP_TLBI_NH_VAA:
		/* TG 0: a single address, so no NUM, SCALE or TTL. */
		if (!field(c->dw[1], 11, 10) &&
		    (field(c->dw[0], 24, 12) || field(c->dw[1], 9, 8)))
			return false;
		fallthrough;
	case SMMU_OP_TLBI_NH_ALL:
	case SMMU_OP_TLBI_NH_ASID:
		/* Only the HWPT's own VMID. */
		return !!xa_load(&q->vmids, field(c->dw[0], 47, 32));
	case SMMU_OP_CFGI_CD:
	case SMMU_OP_CFGI_CD_ALL:
	case SMMU_OP_ATC_INV:
		/* Only non-secure streams the HWPT was given. */
		if (!xa_load(&q->sids, field(c->dw[0], 63, 32)) ||
		    (op != SMMU_OP_ATC_INV && (c->dw[0] & BIT_ULL(10))))
			return false;
		/* An SSID only with SSV; ATC sizes up to 2^52 pages. */
		if (op == SMMU_OP_ATC_INV &&
		    ((!(c->dw[0] & BIT_ULL(11)) && field(c->dw[0], 31, 12)) ||
		     field(c->dw[1], 5, 0) > 52))
			return false;
		return true;
	}
	return true;
}

static int model_submit(struct iommu_inv_smmu_queue *q,
			struct iommu_inv_smmu_cmd *cmds, unsigned int n,
			bool nonblock, unsigned int *done, u32 *hw_error)
{
	struct smmu_model *m = container_of(q, struct smmu_model, q);
	unsigned int i, atc = n;

	cmds[n].dw[0] = SMMU_OP_CMD_SYNC;
	cmds[n].dw[1] = 0;
	*hw_error = 0;
	for (i = 0; i <= n; i++) {
		*done = min(i, n - 1);
		if (!iommu_inv_smmu_cmd_legal(q, &cmds[i])) {
			*hw_error = IOMMU_INV_HWERR_SMMU_CERROR_ILL;
			return -EIO;
		}
		if (field(cmds[i].dw[0], 7, 0) == SMMU_OP_ATC_INV &&
		    m->timeout_armed && atc == n &&
		    field(cmds[i].dw[0], 63, 32) == m->timeout_sid)
			atc = i;
	}
	if (atc < n) {
		/* The CMD_SYNC reports it; it belongs to the ATC_INV. */
		m->timeout_armed = false;
		*done = atc;
		*hw_error = IOMMU_INV_HWERR_SMMU_CERROR_ATC_INV_SYNC;
		return -ETIMEDOUT;
	}
	*done = n;
	return 0;
}

static void model_release(struct iommu_inv_smmu_queue *q)
{
	WARN_ON(!xa_empty(&q->vmids) || !xa_empty(&q->sids));
	xa_destroy(&q->vmids);
	xa_destroy(&q->sids);
	kfree(container_of(q, struct smmu_model, q));
}

static const struct iommu_inv_smmu_queue_ops model_ops = {
	.submit = model_submit,
	.release = model_release,
};

/**
 * iommu_inv_smmu_model_create() - a model command queue for one HWPT
 *
 * Return: the queue, or ERR_PTR(-ENOMEM).
 */
struct iommu_inv_smmu_queue *iommu_inv_smmu_model_create(void)
{
	struct smmu_model *m;

	m = kzalloc(sizeof(*m), GFP_KERNEL_ACCOUNT);
	if (!m)
		return ERR_PTR(-ENOMEM);
	m->q.ops = &model_ops;
	xa_init(&m->q.vmids);
	xa_init(&m->q.sids);
	m->q.vmid_bits = 16;
	m->q.sid_bits = 32;
	m->q.ssid_bits = 16;
	m->q.ril = true;
	m->q.ats = true;
	m->q.test_hooks = true;
	return &m->q;
}

/**
 * iommu_inv_smmu_model_timeout() - make a device stop answering, once
 * @q: a model queue
 * @sid: the device's physical stream ID
 *
 * The next ATC_INV to @sid fails its CMD_SYNC (CERROR_ATC_INV_SYNC).
 *
 * Return: 0, or -EOPNOTSUPP if @q is not a model.
 */
int iommu_inv_smmu_model_timeout(struct iommu_inv_smmu_queue *q, u32 sid)
{
	struct smmu_model *m = container_of(q, struct smmu_model, q);

	if (q->ops != &model_ops)
		return -EOPNOTSUPP;
	m->timeout_sid = sid;
	m->timeout_armed = true;
	return 0;
}
