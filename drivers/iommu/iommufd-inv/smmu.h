/* SPDX-License-Identifier: GPL-2.0 */
/*
 * SMMUv3 stage-1 HWPT type: the command encoder and validator (smmu.c) and
 * the command queues it feeds: a real SMMU's (smmu_unit.c), a software
 * model of one (smmu_model.c, tests only), and a fake SMMU's registers that
 * the real queue code can drive instead of MMIO (smmu_fake.c, tests only).
 */
#ifndef __IOMMUFD_INV_SMMU_H
#define __IOMMUFD_INV_SMMU_H

#include <linux/bits.h>
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

/* Registers (SMMUv3 architecture, IHI 0070, 6.3), page 0. */
#define SMMU_REG_IDR0		0x00
#define SMMU_REG_IDR1		0x04
#define SMMU_REG_IDR3		0x0c
#define SMMU_REG_CR0		0x20
#define SMMU_REG_CR0ACK		0x24
#define SMMU_REG_CR1		0x28
#define SMMU_REG_GERROR		0x60
#define SMMU_REG_GERRORN	0x64
#define SMMU_REG_CMDQ_BASE	0x90
#define SMMU_REG_CMDQ_PROD	0x98
#define SMMU_REG_CMDQ_CONS	0x9c
#define SMMU_REG_SIZE		0x20000

#define SMMU_IDR0_COHACC	BIT(4)
#define SMMU_IDR0_ATS		BIT(10)
#define SMMU_IDR0_VMID16	BIT(18)
#define SMMU_IDR1_SIDSIZE	GENMASK(5, 0)
#define SMMU_IDR1_SSIDSIZE	GENMASK(10, 6)
#define SMMU_IDR1_CMDQS		GENMASK(25, 21)
#define SMMU_IDR3_RIL		BIT(10)
#define SMMU_CR0_CMDQEN		BIT(3)
#define SMMU_GERROR_CMDQ_ERR	BIT(0)
#define SMMU_CMDQ_BASE_RA	BIT_ULL(62)
#define SMMU_CMDQ_BASE_ADDR	GENMASK_ULL(51, 5)
#define SMMU_CMDQ_BASE_LOG2	GENMASK_ULL(4, 0)
#define SMMU_CONS_ERR		GENMASK(30, 24)

/* CMDQ_CONS.ERR (IHI 0070, 7.1). */
#define SMMU_CERROR_ILL		1
#define SMMU_CERROR_ABT		2
#define SMMU_CERROR_ATC_INV_SYNC 3

struct iommu_inv_smmu_queue;

/**
 * struct iommu_inv_smmu_queue_ops - one kind of command queue
 * @submit: carry out @cmds[0..@n) then a CMD_SYNC the queue builds in
 *	@cmds[@n]. Returns 0 with *@done = @n, or a negative errno with
 *	*@done the commands completed before the failing one and *@hw_error
 *	its IOMMU_INV_HWERR_SMMU_* code; later commands are not carried out
 *	and the queue works again for the next call. With @nonblock, a
 *	queue another submitter holds gives -EAGAIN at once, with nothing
 *	done.
 * @release: drop the HWPT's hold on the queue
 * @busy: (tests) whether a submit holds the queue right now; may be NULL
 */
struct iommu_inv_smmu_queue_ops {
	int (*submit)(struct iommu_inv_smmu_queue *q,
		      struct iommu_inv_smmu_cmd *cmds, unsigned int n,
		      bool nonblock, unsigned int *done, u32 *hw_error);
	void (*release)(struct iommu_inv_smmu_queue *q);
	bool (*busy)(struct iommu_inv_smmu_queue *q);
};

/**
 * struct iommu_inv_smmu_queue - what the encoder knows of a queue
 * @ops: its kind
 * @vmids: VMIDs given to HWPTs on this SMMU, one owner each
 * @sids: physical stream IDs given to devices on this SMMU, one owner each
 * @vmid_bits: width of a VMID (IDR0.VMID16: 16, else 8)
 * @sid_bits: width of a stream ID (IDR1.SIDSIZE)
 * @ssid_bits: width of a SubstreamID (IDR1.SSIDSIZE; 0: no substreams,
 *	a stream's one CD is SSID 0)
 * @ril: range invalidation (IDR3.RIL): TLBI with TG, NUM and SCALE
 * @ats: ATS (IDR0.ATS): ATC invalidation
 * @check_sid: with real hardware, a stream ID must name a PCI device
 * @test_hooks: a model queue or a fake unit: the test ioctl may log and
 *	corrupt its commands (never a real SMMU's)
 */
struct iommu_inv_smmu_queue {
	const struct iommu_inv_smmu_queue_ops *ops;
	struct xarray vmids;
	struct xarray sids;
	u8 vmid_bits;
	u8 sid_bits;
	u8 ssid_bits;
	bool ril;
	bool ats;
	bool check_sid;
	bool test_hooks;
};

/* smmu_unit.c is built with OF, and for its fake unit in test builds. */
#if IS_ENABLED(CONFIG_OF) || IS_ENABLED(CONFIG_IOMMUFD_INV_TEST)
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
bool iommu_inv_smmu_cmd_legal(struct iommu_inv_smmu_queue *q,
			      const struct iommu_inv_smmu_cmd *c);

struct smmu_fake;
struct smmu_fake *iommu_inv_smmu_fake_create(struct iommu_inv_smmu_queue *q);
u32 iommu_inv_smmu_fake_read(struct smmu_fake *f, u32 reg);
void iommu_inv_smmu_fake_write(struct smmu_fake *f, u32 reg, u64 val);
int iommu_inv_smmu_fake_set_fault(struct smmu_fake *f, u32 fault, u32 sid);
void iommu_inv_smmu_fake_die_after_enable(struct smmu_fake *f);
void iommu_inv_smmu_fake_destroy(struct smmu_fake *f);
#endif

#endif /* __IOMMUFD_INV_SMMU_H */
