/* SPDX-License-Identifier: GPL-2.0 */
/*
 * VT-d stage-1 HWPT type: the descriptor encoder (vtd.c) and the queues it
 * feeds: a real unit's queued-invalidation interface (vtd_unit.c) and a
 * software model of it (vtd_model.c, tests only).
 */
#ifndef __IOMMUFD_INV_VTD_H
#define __IOMMUFD_INV_VTD_H

#include <linux/bitfield.h>
#include <linux/err.h>
#include <linux/mutex.h>
#include <linux/types.h>
#include <linux/xarray.h>

/* A 256-bit invalidation descriptor (IQA.DW = 1), four quadwords. */
struct iommu_inv_vtd_desc {
	u64 qw[4];
};

/* Descriptor types (VT-d spec 6.5.2), bits 3:0 of the first quadword. */
#define VTD_DESC_IOTLB		0x2
#define VTD_DESC_DEVTLB		0x3
#define VTD_DESC_WAIT		0x5
#define VTD_DESC_PIOTLB		0x6
#define VTD_DESC_PC		0x7
#define VTD_DESC_PDEVTLB	0x8

/* Registers of a remapping unit (VT-d spec 11.4) this module uses. */
#define VTD_REG_VER		0x00
#define VTD_REG_CAP		0x08
#define VTD_REG_ECAP		0x10
#define VTD_REG_GCMD		0x18
#define VTD_REG_GSTS		0x1c
#define VTD_REG_FSTS		0x34
#define VTD_REG_IQH		0x80
#define VTD_REG_IQT		0x88
#define VTD_REG_IQA		0x90
#define VTD_REG_IQER		0xb0
#define VTD_REG_SIZE		0x1000

#define VTD_GSTS_TES		BIT(31)
#define VTD_GSTS_QIES		BIT(26)
#define VTD_GSTS_IRES		BIT(25)
#define VTD_GCMD_QIE		BIT(26)

#define VTD_FSTS_IQE		BIT(4)
#define VTD_FSTS_ICE		BIT(5)
#define VTD_FSTS_ITE		BIT(6)
#define VTD_FSTS_QUEUE		(VTD_FSTS_IQE | VTD_FSTS_ICE | VTD_FSTS_ITE)
/* The faults that stop the queue; ICE does not (11.4.7.1). */
#define VTD_FSTS_STOP		(VTD_FSTS_IQE | VTD_FSTS_ITE)

#define VTD_ECAP_QI		BIT_ULL(1)
#define VTD_ECAP_DT		BIT_ULL(2)
#define VTD_ECAP_SMTS		BIT_ULL(43)

#define VTD_IQA_DW		BIT_ULL(11)
/* With 256-bit descriptors IQH and IQT hold the index from bit 5. */
#define VTD_IQ_SHIFT		5
#define VTD_IQER_ITESID		GENMASK_ULL(47, 32)
#define VTD_IQER_ICESID		GENMASK_ULL(63, 48)

/* Invalidation wait (6.5.2.8): status write, fence, status data. */
#define VTD_WAIT_SW		BIT_ULL(5)
#define VTD_WAIT_FN		BIT_ULL(6)
#define VTD_WAIT_DATA		GENMASK_ULL(63, 32)
/* PASID-based device-TLB invalidate (6.5.2.6): the device's source ID. */
#define VTD_PDEVTLB_SID		GENMASK_ULL(31, 16)
/* Device-TLB invalidate (6.5.2.5, no PASID): the device's source ID. */
#define VTD_DEVTLB_SID		GENMASK_ULL(47, 32)

/*
 * Whether @d is a device-TLB invalidation, with or without PASID, which
 * waits for the device; *@sid its source ID.
 */
static inline bool vtd_desc_devtlb(const struct iommu_inv_vtd_desc *d,
				   u16 *sid)
{
	switch (d->qw[0] & 0xf) {
	case VTD_DESC_DEVTLB:
		*sid = FIELD_GET(VTD_DEVTLB_SID, d->qw[0]);
		return true;
	case VTD_DESC_PDEVTLB:
		*sid = FIELD_GET(VTD_PDEVTLB_SID, d->qw[0]);
		return true;
	}
	return false;
}

/* Most descriptors one submit carries, the fencing wait included. */
#define VTD_QUEUE_BATCH		(64 + 1)

struct iommu_inv_vtd_queue;

/**
 * struct iommu_inv_vtd_queue_ops - one kind of invalidation queue
 * @submit: carry out @descs[0..@n) then a wait descriptor the queue builds
 *	in @descs[@n] (the array has room for it). Returns 0 with *@done =
 *	@n; or a negative errno with *@done the number of descriptors that
 *	completed before the one that failed and *@hw_error its
 *	IOMMU_INV_HWERR_* code. Later descriptors are not carried out, and
 *	the queue works again for the next call. With @nonblock, a queue
 *	another submitter holds gives -EAGAIN at once, with nothing done.
 * @release: drop the HWPT's hold on the queue
 * @check_sid: (optional) whether a VDEV may have source ID @sid on this
 *	queue; without it, vtd_queue.check_sid decides
 */
struct iommu_inv_vtd_queue_ops {
	int (*submit)(struct iommu_inv_vtd_queue *q,
		      struct iommu_inv_vtd_desc *descs, unsigned int n,
		      bool nonblock, unsigned int *done, u32 *hw_error);
	void (*release)(struct iommu_inv_vtd_queue *q);
	int (*check_sid)(struct iommu_inv_vtd_queue *q, u16 sid);
};

/**
 * struct iommu_inv_vtd_queue - what the encoder knows of a queue
 * @ops: its kind
 * @owners: host IDs given to HWPTs on this queue's unit: domain IDs at
 *	their value, source IDs at VTD_OWNER_SID + SID; one owner each
 * @ndoms: domain IDs the unit has (CAP.ND)
 * @mamv: largest address mask of a page-selective invalidation (CAP.MAMV)
 * @devtlb: the unit can invalidate device TLBs (ECAP.DT)
 * @check_sid: with real hardware, a source ID must name a PCI device
 * @test_hooks: the test ioctl may log and corrupt this queue's traffic:
 *	the model and a fake unit, never a real unit (the HOST queue: with
 *	mock=1 only)
 * @did_from_dev: the queue puts the device's domain ID into descriptors;
 *	the HWPT config gives none, and the HWPT has one device (HOST queue)
 * @blocks: every submit may sleep: a non-blocking call goes to io_uring's
 *	worker before anything is encoded (HOST queue)
 */
struct iommu_inv_vtd_queue {
	const struct iommu_inv_vtd_queue_ops *ops;
	struct xarray owners;
	u32 ndoms;
	u8 mamv;
	bool devtlb;
	bool check_sid;
	bool test_hooks;
	bool did_from_dev;
	bool blocks;
};

#define VTD_OWNER_SID 0x10000UL

#ifdef CONFIG_ACPI
struct iommu_inv_vtd_queue *iommu_inv_vtd_unit_get(void);
void iommu_inv_vtd_unit_exit(void);
#else
static inline struct iommu_inv_vtd_queue *iommu_inv_vtd_unit_get(void)
{
	return ERR_PTR(-ENODEV);
}

static inline void iommu_inv_vtd_unit_exit(void)
{
}
#endif

#ifdef CONFIG_IOMMUFD_INV_VTD_HOST
struct iommu_inv_vtd_queue *iommu_inv_vtd_host_create(void);
#endif

#ifdef CONFIG_IOMMUFD_INV_TEST
struct iommu_inv_vtd_queue *iommu_inv_vtd_model_create(void);
int iommu_inv_vtd_model_timeout(struct iommu_inv_vtd_queue *q, u16 sid);
struct iommu_inv_test_cmd;
int iommu_inv_vtd_model_test(struct iommu_inv_vtd_queue *q,
			     struct iommu_inv_test_cmd *cmd);
bool iommu_inv_vtd_model_check(const struct iommu_inv_vtd_desc *d);

struct vtd_fake;
struct vtd_fake *iommu_inv_vtd_fake_get(void);
u64 iommu_inv_vtd_fake_read(struct vtd_fake *f, unsigned int reg);
void iommu_inv_vtd_fake_write(struct vtd_fake *f, unsigned int reg, u64 val);
void iommu_inv_vtd_fake_exit(void);
#endif

#endif /* __IOMMUFD_INV_VTD_H */
