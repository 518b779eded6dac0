/* SPDX-License-Identifier: GPL-2.0 */
/*
 * SMMUv3 stage-1 HWPT type: the command encoder and validator (smmu.c) and
 * the command queues it feeds: a real SMMU's (smmu_unit.c) and a software
 * model of one (smmu_model.c, tests only).
 */
#ifndef __IOMMUFD_INV_SMMU_H
#define __IOMMUFD_INV_SMMU_H

#include <linux/err.h>
#include <linux/types.h>
#include <linux/xarray.h>

/* A 128-bit command, two doublewords. */
struct iommu_inv_smmu_cmd {
	u64 dw[2];
};

/* Opcodes (SMMUv3 architecture, IHI 0070, chapter 4), dw0 bits 7:0. */
#define SMMU_OP_CFGI_CD		0x05
#define SMMU_OP_CFGI_CD_ALL	0x06
#define SMMU_OP_TLBI_NH_ALL	0x10
#define SMMU_OP_TLBI_NH_ASID	0x11
#define SMMU_OP_TLBI_NH_VA	0x12
#define SMMU_OP_TLBI_NH_VAA	0x13
#define SMMU_OP_ATC_INV		0x40
#define SMMU_OP_CMD_SYNC	0x46

/* Most commands one submit carries, the fencing CMD_SYNC included. */
#define SMMU_QUEUE_BATCH	(64 + 1)

struct iommu_inv_smmu_queue;

/**
 * struct iommu_inv_smmu_queue_ops - one kind of command queue
 * @submit: carry out @cmds[0..@n) then a CMD_SYNC the queue builds in
 *	@cmds[@n]. Returns 0 with *@done = @n, or a negative errno with
 *	*@done the commands completed before the failing one and *@hw_error
 *	its IOMMU_INV_HWERR_SMMU_* code; later commands are not carried out
 *	and the queue works again for the next call.
 * @release: drop the HWPT's hold on the queue
 */
struct iommu_inv_smmu_queue_ops {
	int (*submit)(struct iommu_inv_smmu_queue *q,
		      struct iommu_inv_smmu_cmd *cmds, unsigned int n,
		      unsigned int *done, u32 *hw_error);
	void (*release)(struct iommu_inv_smmu_queue *q);
};

/**
 * struct iommu_inv_smmu_queue - what the encoder knows of a queue
 * @ops: its kind
 * @vmids: VMIDs given to HWPTs on this SMMU, one owner each
 * @sids: physical stream IDs given to devices on this SMMU, one owner each
 * @vmid_bits: width of a VMID (IDR0.VMID16: 16, else 8)
 * @sid_bits: width of a stream ID (IDR1.SIDSIZE)
 * @ril: range invalidation (IDR3.RIL): TLBI with TG, NUM and SCALE
 * @ats: ATS (IDR0.ATS): ATC invalidation
 * @check_sid: with real hardware, a stream ID must name a PCI device
 */
struct iommu_inv_smmu_queue {
	const struct iommu_inv_smmu_queue_ops *ops;
	struct xarray vmids;
	struct xarray sids;
	u8 vmid_bits;
	u8 sid_bits;
	bool ril;
	bool ats;
	bool check_sid;
};

#ifdef CONFIG_OF
struct iommu_inv_smmu_queue *iommu_inv_smmu_unit_get(void);
void iommu_inv_smmu_unit_exit(void);
#else
static inline struct iommu_inv_smmu_queue *iommu_inv_smmu_unit_get(void)
{
	return ERR_PTR(-ENODEV);
}

static inline void iommu_inv_smmu_unit_exit(void)
{
}
#endif

#ifdef CONFIG_IOMMUFD_INV_TEST
struct iommu_inv_smmu_queue *iommu_inv_smmu_model_create(void);
int iommu_inv_smmu_model_timeout(struct iommu_inv_smmu_queue *q, u32 sid);
#endif

#endif /* __IOMMUFD_INV_SMMU_H */
