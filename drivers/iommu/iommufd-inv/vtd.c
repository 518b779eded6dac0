// SPDX-License-Identifier: GPL-2.0
/*
 * The VT-d stage-1 HWPT type: every generic entry becomes 256-bit
 * queued-invalidation descriptors (Intel VT-d specification, rev 4.1,
 * section 6.5.2) for first-stage (nested) translations in scalable mode,
 * which the unit tags with domain ID and PASID: one descriptor, except
 * IOTLB_ALL, which becomes one PASID-selective PASID-based IOTLB
 * invalidation per PASID of the HWPT's window (as Linux's intel-iommu
 * flushes a first-stage or nested domain: the IOTLB invalidate descriptor,
 * domain-selective, does not reach PASID-tagged translations). Runs of up
 * to VTD_RUN_DESCS descriptors are fenced by an invalidation-wait
 * descriptor, and a fault the queue reports comes back on the entry whose
 * descriptor caused it.
 *
 * Host identifiers come only from the allocation configs: the domain ID
 * and the guest-to-host PASID window from the HWPT's, source IDs from each
 * device's. Entries name guest PASIDs and virtual device IDs, which are
 * checked and translated here.
 *
 * Raw entries (IOMMU_INV_ENTRY_VTD_DESC) carry a descriptor as the guest
 * wrote it. It is decoded here from the layouts of 6.5.2 (not with the
 * model's decoder: the model checks what comes out) and rebuilt with the
 * host's identifiers, never passed on: the guest's DID is replaced, its
 * PASID goes through the window, its source ID names a device of the HWPT.
 * A guest's IOTLB invalidate (6.5.2.3) becomes what IOTLB_ALL does; its
 * device-TLB invalidate without PASID (6.5.2.5) stays one, to the host SID.
 */
#include <linux/bitfield.h>
#include <linux/log2.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "iommufd_inv.h"
#include "vtd.h"
#ifdef CONFIG_IOMMUFD_INV_TEST
#include "iommufd_inv_test.h"
#endif

/* Fields common to the descriptors below (6.5.2.2, 6.5.2.3, 6.5.2.4). */
#define QW0_TYPE		GENMASK_ULL(3, 0)
#define QW0_GRAN		GENMASK_ULL(5, 4)
#define QW0_DID			GENMASK_ULL(31, 16)
#define QW0_PASID		GENMASK_ULL(51, 32)
#define QW1_ADDR		GENMASK_ULL(63, 12)

/* PASID-based IOTLB invalidate (6.5.2.4). */
#define PIOTLB_G_PASID		2
#define PIOTLB_G_PAGE		3
#define PIOTLB_QW1_AM		GENMASK_ULL(5, 0)
#define PIOTLB_QW1_IH		BIT_ULL(6)
/* PASID-cache invalidate (6.5.2.2). */
#define PC_G_DOMAIN		0
#define PC_G_PASID		1
#define PC_G_GLOBAL		3
/* PASID-based device-TLB invalidate (6.5.2.6). */
#define PDEVTLB_QW0_QDEP	GENMASK_ULL(8, 4)
#define PDEVTLB_QW0_PFSID_LO	GENMASK_ULL(15, 12)
#define PDEVTLB_QW0_SID		GENMASK_ULL(31, 16)
#define PDEVTLB_QW0_PFSID_HI	GENMASK_ULL(63, 52)
#define PDEVTLB_QW1_G		BIT_ULL(0)
#define PDEVTLB_QW1_S		BIT_ULL(11)
/* Device-TLB invalidate (6.5.2.5): MIP, SID; PFSID as in 6.5.2.6. */
#define DEVTLB_QW0_MIP		GENMASK_ULL(20, 16)
#define DEVTLB_QW0_SID		GENMASK_ULL(47, 32)
#define DEVTLB_QW1_S		BIT_ULL(0)
/* IOTLB invalidate (6.5.2.3): drain writes, drain reads. */
#define IOTLB_QW0_DW		BIT_ULL(6)
#define IOTLB_QW0_DR		BIT_ULL(7)
#define IOTLB_G_GLOBAL		1
#define IOTLB_G_DOMAIN		2
#define IOTLB_G_PAGE		3
/* Bits 6:4 of a descriptor type above 15 (unused by these types). */
#define QW0_TYPE_HI		GENMASK_ULL(11, 9)

/* Descriptors of a run, the fencing wait not counted. */
#define VTD_RUN_DESCS		(VTD_QUEUE_BATCH - 1)

#define VTD_PAGE_SHIFT		12
/* Size orders (in 4 KiB pages) up to the whole 64-bit space. */
#define VTD_ORDER_ALL		(64 - VTD_PAGE_SHIFT)

struct vtd_dev {
	struct iommu_inv_vdev core;
	u16 sid;
	u16 pfsid;
	u8 qdep;
	bool ats;
};

/**
 * struct vtd_hwpt - a VT-d stage-1 HWPT
 * @core: the generic HWPT
 * @q: its queue; the HWPT holds the claims on @did and its devices' SIDs
 * @did: host domain ID
 * @pasid_base: host PASID of guest PASID 0
 * @pasid_num: guest PASIDs accepted
 * @descs: the run being built; under @core.lock
 * @owner: for each descriptor of @descs, the batch index of its entry
 * @testq: (tests) what went to the queue; a bit to flip on the way
 * @corrupt_desc: (tests) which descriptor of the entry @testq names gets
 *	the flip; IOMMU_INV_TEST_CORRUPT_EVERY: the first of that entry and
 *	of every later one, until the op call that reached it ends
 * @corrupt_hit: (tests) an IOMMU_INV_TEST_CORRUPT_EVERY flip was applied
 */
struct vtd_hwpt {
	struct iommu_inv_hwpt core;
	struct iommu_inv_vtd_queue *q;
	u16 did;
	u32 pasid_base;
	u32 pasid_num;
	struct iommu_inv_vtd_desc descs[VTD_QUEUE_BATCH];
	unsigned int owner[VTD_RUN_DESCS];
#ifdef CONFIG_IOMMUFD_INV_TEST
	struct iommu_inv_testq testq;
	unsigned int corrupt_desc;
	bool corrupt_hit;
#endif
};

static struct vtd_hwpt *to_vtd(struct iommu_inv_hwpt *hwpt)
{
	return container_of(hwpt, struct vtd_hwpt, core);
}

static struct vtd_dev *to_vtd_dev(struct iommu_inv_vdev *vdev)
{
	return container_of(vdev, struct vtd_dev, core);
}

static struct iommu_inv_vtd_queue *vtd_queue_get(u32 kind)
{
	switch (kind) {
	case IOMMU_INV_VTD_QUEUE_HW:
		return iommu_inv_vtd_unit_get();
#ifdef CONFIG_IOMMUFD_INV_TEST
	case IOMMU_INV_VTD_QUEUE_MODEL:
		if (!iommu_inv_mock_enabled)
			return ERR_PTR(-EOPNOTSUPP);
		return iommu_inv_vtd_model_create();
#endif
#ifdef CONFIG_IOMMUFD_INV_VTD_HOST
	case IOMMU_INV_VTD_QUEUE_HOST:
		return iommu_inv_vtd_host_create();
#endif
	}
	return ERR_PTR(-EOPNOTSUPP);
}

/**
 * iommu_inv_vtd_queues() - the VT-d queue kinds this kernel offers
 *
 * Return: bit (1 << IOMMU_INV_VTD_QUEUE_*) for each, as GET_INFO reports.
 */
u64 iommu_inv_vtd_queues(void)
{
	u64 kinds = IS_ENABLED(CONFIG_ACPI) ? BIT_ULL(IOMMU_INV_VTD_QUEUE_HW) : 0;

	if (IS_ENABLED(CONFIG_IOMMUFD_INV_TEST) && iommu_inv_mock_enabled)
		kinds |= BIT_ULL(IOMMU_INV_VTD_QUEUE_MODEL);
	if (IS_ENABLED(CONFIG_IOMMUFD_INV_VTD_HOST))
		kinds |= BIT_ULL(IOMMU_INV_VTD_QUEUE_HOST);
	return kinds;
}

static int vtd_hwpt_init(struct iommu_inv_hwpt *hwpt, const void *config)
{
	const struct iommu_inv_hwpt_vtd_s1 *cfg = config;
	struct vtd_hwpt *vh = to_vtd(hwpt);
	struct iommu_inv_vtd_queue *q;
	int rc;

	if (cfg->flags || cfg->__reserved || cfg->__reserved2)
		return -EOPNOTSUPP;
	if (!cfg->pasid_num || cfg->pasid_num > IOMMU_INV_VTD_MAX_PASIDS ||
	    cfg->pasid_base >= BIT(20) ||
	    cfg->pasid_num > BIT(20) - cfg->pasid_base ||
	    (!cfg->did && cfg->queue != IOMMU_INV_VTD_QUEUE_HOST))
		return -EINVAL;

	q = vtd_queue_get(cfg->queue);
	if (IS_ERR(q))
		return PTR_ERR(q);
	/* The HOST queue takes the domain ID from the device's domain. */
	if (q->did_from_dev ? cfg->did : cfg->did >= q->ndoms) {
		rc = -EINVAL;
		goto out_release;
	}
	if (!q->did_from_dev) {
		rc = xa_insert(&q->owners, cfg->did, vh, GFP_KERNEL_ACCOUNT);
		if (rc)
			goto out_release;
	}

	vh->q = q;
	vh->did = cfg->did;
	vh->pasid_base = cfg->pasid_base;
	vh->pasid_num = cfg->pasid_num;
#ifdef CONFIG_IOMMUFD_INV_TEST
	iommu_inv_testq_init(&vh->testq, ARRAY_SIZE(vh->descs[0].qw));
#endif
	return 0;

out_release:
	q->ops->release(q);
	return rc;
}

static void vtd_hwpt_destroy(struct iommu_inv_hwpt *hwpt)
{
	struct vtd_hwpt *vh = to_vtd(hwpt);

	xa_erase(&vh->q->owners, vh->did);
	vh->q->ops->release(vh->q);
}

/* With real hardware a source ID must name a PCI device that exists. */
static int vtd_check_sid(struct iommu_inv_vtd_queue *q, u16 sid)
{
	if (q->ops->check_sid)
		return q->ops->check_sid(q, sid);
	return q->check_sid ? iommu_inv_pci_rid_check(sid) : 0;
}

/* Source IDs among @q's owners. */
static unsigned int vtd_sid_count(struct iommu_inv_vtd_queue *q)
{
	unsigned long idx;
	unsigned int n = 0;
	void *p;

	xa_for_each_range(&q->owners, idx, p, VTD_OWNER_SID,
			  VTD_OWNER_SID + U16_MAX)
		n++;
	return n;
}

static int vtd_vdev_init(struct iommu_inv_vdev *vdev, const void *config)
{
	const struct iommu_inv_vdev_vtd *cfg = config;
	struct iommu_inv_vtd_queue *q = to_vtd(vdev->hwpt)->q;
	struct vtd_dev *vd = to_vtd_dev(vdev);
	bool ats = cfg->flags & IOMMU_INV_VTD_DEV_ATS;
	int rc;

	if ((cfg->flags & ~IOMMU_INV_VTD_DEV_ATS) || cfg->__reserved)
		return -EOPNOTSUPP;
	if (cfg->qdep > 31)
		return -EINVAL;
	if (ats && !q->devtlb)
		return -EOPNOTSUPP;
	rc = vtd_check_sid(q, cfg->sid);
	if (!rc && cfg->pfsid)
		rc = vtd_check_sid(q, cfg->pfsid);
	if (rc)
		return rc;
	rc = xa_insert(&q->owners, VTD_OWNER_SID + cfg->sid, vd,
		       GFP_KERNEL_ACCOUNT);
	if (rc)
		return rc;
	/*
	 * One device per HWPT where the domain ID is the device's: checked
	 * again once inserted, so two racing VDEV_ALLOCs never both stay
	 * (both may fail).
	 */
	if (q->did_from_dev && vtd_sid_count(q) > 1) {
		xa_erase(&q->owners, VTD_OWNER_SID + cfg->sid);
		return -EBUSY;
	}

	vd->sid = cfg->sid;
	vd->pfsid = cfg->pfsid;
	vd->qdep = cfg->qdep;
	vd->ats = ats;
	return 0;
}

static void vtd_vdev_destroy(struct iommu_inv_vdev *vdev)
{
	struct iommu_inv_vtd_queue *q = to_vtd(vdev->hwpt)->q;

	xa_erase(&q->owners, VTD_OWNER_SID + to_vtd_dev(vdev)->sid);
}

/*
 * The smallest naturally aligned block of 2^order pages holding the byte
 * range [addr, addr + size); size is non-zero, addr and size 4 KiB
 * aligned, and the range does not pass 2^64 (checked by the core).
 */
static unsigned int vtd_range_order(u64 addr, u64 size, u64 *base)
{
	u64 last = addr + (size - 1);
	unsigned int order;

	order = max_t(int, fls64(addr ^ last) - VTD_PAGE_SHIFT, 0);
	*base = order >= VTD_ORDER_ALL ? 0 :
		addr & ~(BIT_ULL(order + VTD_PAGE_SHIFT) - 1);
	return order;
}

static int vtd_host_pasid(const struct vtd_hwpt *vh, u32 pasid, u64 *host)
{
	if (pasid >= vh->pasid_num)
		return -EINVAL;
	*host = vh->pasid_base + pasid;
	return 0;
}

/* PASID-based IOTLB invalidate (6.5.2.4) of a whole PASID or a block. */
static void vtd_piotlb(const struct vtd_hwpt *vh, u64 pasid, bool page,
		       u64 base, unsigned int order, bool ih,
		       struct iommu_inv_vtd_desc *d)
{
	d->qw[0] = FIELD_PREP(QW0_TYPE, VTD_DESC_PIOTLB) |
		   FIELD_PREP(QW0_GRAN, page ? PIOTLB_G_PAGE : PIOTLB_G_PASID) |
		   FIELD_PREP(QW0_DID, vh->did) | FIELD_PREP(QW0_PASID, pasid);
	if (page)
		d->qw[1] = (base & QW1_ADDR) |
			   (ih ? PIOTLB_QW1_IH : 0) |
			   FIELD_PREP(PIOTLB_QW1_AM, order);
}

/*
 * Quadword 1 of a PASID-based device-TLB invalidate (6.5.2.6) for a block
 * of 2^order pages at base. S = 0 is one page; with S = 1 the lowest clear
 * address bit from bit 12 up gives the size, so a block of 2^order pages
 * sets bits 12 to 12 + order - 2.
 */
static u64 vtd_pdevtlb_qw1(u64 base, unsigned int order)
{
	u64 qw1 = base & QW1_ADDR;

	if (order) {
		qw1 |= PDEVTLB_QW1_S;
		if (order >= 2)
			qw1 |= GENMASK_ULL(VTD_PAGE_SHIFT + order - 2,
					   VTD_PAGE_SHIFT);
	}
	return qw1;
}

/* PASID-based device-TLB invalidate (6.5.2.6) to a device of the HWPT. */
static void vtd_pdevtlb(const struct vtd_dev *vd, u64 pasid, u64 qw1,
			struct iommu_inv_vtd_desc *d)
{
	d->qw[0] = FIELD_PREP(QW0_TYPE, VTD_DESC_PDEVTLB) |
		   FIELD_PREP(PDEVTLB_QW0_QDEP, vd->qdep) |
		   FIELD_PREP(PDEVTLB_QW0_PFSID_LO, vd->pfsid & 0xf) |
		   FIELD_PREP(PDEVTLB_QW0_SID, vd->sid) |
		   FIELD_PREP(QW0_PASID, pasid) |
		   FIELD_PREP(PDEVTLB_QW0_PFSID_HI, vd->pfsid >> 4);
	d->qw[1] = qw1;
}

static int vtd_encode_devtlb(struct vtd_hwpt *vh, u32 virt_id, u32 pasid,
			     u64 qw1, struct iommu_inv_vtd_desc *d)
{
	struct iommu_inv_vdev *vdev;
	u64 hpasid;

	vdev = iommu_inv_hwpt_vdev(&vh->core, virt_id);
	if (!vdev)
		return -ENODEV;
	if (!to_vtd_dev(vdev)->ats || vtd_host_pasid(vh, pasid, &hpasid))
		return -EINVAL;
	vtd_pdevtlb(to_vtd_dev(vdev), hpasid, qw1, d);
	return 0;
}

/*
 * Device-TLB invalidate (6.5.2.5), for what a device of the HWPT cached
 * for requests without PASID: the VDEV's SID, PFSID and queue depth (MIP),
 * the guest's S and address (@qw1, reserved bits clear).
 */
static int vtd_encode_devtlb_nopasid(struct vtd_hwpt *vh, u32 virt_id,
				     u64 qw1, struct iommu_inv_vtd_desc *d)
{
	struct iommu_inv_vdev *vdev;
	struct vtd_dev *vd;

	vdev = iommu_inv_hwpt_vdev(&vh->core, virt_id);
	if (!vdev)
		return -ENODEV;
	vd = to_vtd_dev(vdev);
	if (!vd->ats)
		return -EINVAL;
	d->qw[0] = FIELD_PREP(QW0_TYPE, VTD_DESC_DEVTLB) |
		   FIELD_PREP(PDEVTLB_QW0_PFSID_LO, vd->pfsid & 0xf) |
		   FIELD_PREP(DEVTLB_QW0_MIP, vd->qdep) |
		   FIELD_PREP(DEVTLB_QW0_SID, vd->sid) |
		   FIELD_PREP(PDEVTLB_QW0_PFSID_HI, vd->pfsid >> 4);
	d->qw[1] = qw1;
	return 0;
}

/*
 * Raw guest descriptors (IOMMU_INV_ENTRY_VTD_DESC): the bits each accepted
 * type defines, per quadword, from the layouts of 6.5.2.2 (PASID-cache),
 * 6.5.2.3 (IOTLB), 6.5.2.4 (PASID-based IOTLB), 6.5.2.5 (device-TLB) and
 * 6.5.2.6 (PASID-based device-TLB). Every other bit is reserved. The
 * type's high bits 11:9 are part of the type: these five types have them
 * clear.
 */
static const u64 vtd_raw_fields[][4] = {
	[VTD_DESC_IOTLB] = {
		QW0_TYPE | QW0_GRAN | IOTLB_QW0_DW | IOTLB_QW0_DR | QW0_DID,
		QW1_ADDR | PIOTLB_QW1_IH | PIOTLB_QW1_AM,
	},
	[VTD_DESC_DEVTLB] = {
		QW0_TYPE | PDEVTLB_QW0_PFSID_LO | DEVTLB_QW0_MIP |
		DEVTLB_QW0_SID | PDEVTLB_QW0_PFSID_HI,
		QW1_ADDR | DEVTLB_QW1_S,
	},
	[VTD_DESC_PIOTLB] = {
		QW0_TYPE | QW0_GRAN | QW0_DID | QW0_PASID,
		QW1_ADDR | PIOTLB_QW1_IH | PIOTLB_QW1_AM,
	},
	[VTD_DESC_PC] = {
		QW0_TYPE | QW0_GRAN | QW0_DID | QW0_PASID,
	},
	[VTD_DESC_PDEVTLB] = {
		QW0_TYPE | PDEVTLB_QW0_QDEP | PDEVTLB_QW0_PFSID_LO |
		PDEVTLB_QW0_SID | QW0_PASID | PDEVTLB_QW0_PFSID_HI,
		QW1_ADDR | PDEVTLB_QW1_S | PDEVTLB_QW1_G,
	},
};

/*
 * A guest's page-selective PASID-based IOTLB quadword 1 (AM, IH, address)
 * for host PASID @pasid: the address bits below the mask are
 * ignored, as the mask says; a mask past the unit's largest flushes the
 * whole PASID.
 */
static void vtd_piotlb_raw_page(const struct vtd_hwpt *vh, u64 pasid, u64 qw1,
				struct iommu_inv_vtd_desc *d)
{
	unsigned int am = FIELD_GET(PIOTLB_QW1_AM, qw1);

	if (am >= VTD_ORDER_ALL || am > vh->q->mamv) {
		vtd_piotlb(vh, pasid, false, 0, 0, false, d);
		return;
	}
	vtd_piotlb(vh, pasid, true,
		   qw1 & QW1_ADDR & ~(BIT_ULL(am + VTD_PAGE_SHIFT) - 1), am,
		   qw1 & PIOTLB_QW1_IH, d);
}

/*
 * One raw guest descriptor into host descriptors, as vtd_encode() does for
 * a typed entry (see the rst's table). The checks go in the order the
 * guest's unit would make them: the type (one the VMM handles itself:
 * -EOPNOTSUPP), reserved bits and granularity (-EIO with IQE, as the
 * guest's own queue would fault), then the identifiers the HWPT does not
 * have (-EINVAL, -ENODEV, as typed entries).
 */
static int vtd_encode_raw(struct vtd_hwpt *vh,
			  const struct iommu_inv_entry_vtd_desc *e,
			  struct iommu_inv_vtd_desc *d, unsigned int *ndescs,
			  u32 *hw_error)
{
	unsigned int type, g, i;
	u64 qw[4], pasid;

	for (i = 0; i < ARRAY_SIZE(qw); i++)
		qw[i] = le64_to_cpu(e->qw[i]);
	type = FIELD_GET(QW0_TYPE_HI, qw[0]) << 4 | FIELD_GET(QW0_TYPE, qw[0]);
	if (type >= ARRAY_SIZE(vtd_raw_fields) || !vtd_raw_fields[type][0])
		return -EOPNOTSUPP;
	for (i = 0; i < ARRAY_SIZE(qw); i++)
		if (qw[i] & ~vtd_raw_fields[type][i])
			goto iqe;
	g = FIELD_GET(QW0_GRAN, qw[0]);

	switch (type) {
	case VTD_DESC_IOTLB:
		/*
		 * Global, domain- or page-selective: as IOTLB_ALL, one
		 * PASID-selective descriptor per PASID of the window
		 * (vtd_desc_nth()). Page-selective too: in scalable mode it
		 * reaches a domain's first-stage and nested translations
		 * whole or not at all, depending on the reading (the rst).
		 */
		if (g != IOTLB_G_GLOBAL && g != IOTLB_G_DOMAIN &&
		    g != IOTLB_G_PAGE)
			goto iqe;
		vtd_piotlb(vh, vh->pasid_base, false, 0, 0, false, d);
		*ndescs = vh->pasid_num;
		return 0;
	case VTD_DESC_PIOTLB:
		if (g != PIOTLB_G_PASID && g != PIOTLB_G_PAGE)
			goto iqe;
		if (vtd_host_pasid(vh, FIELD_GET(QW0_PASID, qw[0]), &pasid))
			return -EINVAL;
		if (g == PIOTLB_G_PAGE)
			vtd_piotlb_raw_page(vh, pasid, qw[1], d);
		else
			vtd_piotlb(vh, pasid, false, 0, 0, false, d);
		return 0;
	case VTD_DESC_PC:
		/* Domain-selective, PASID-selective, global; 10b reserved. */
		if (g != PC_G_DOMAIN && g != PC_G_PASID && g != PC_G_GLOBAL)
			goto iqe;
		d->qw[0] = FIELD_PREP(QW0_TYPE, VTD_DESC_PC) |
			   FIELD_PREP(QW0_DID, vh->did);
		if (g != PC_G_PASID)
			return 0;
		if (vtd_host_pasid(vh, FIELD_GET(QW0_PASID, qw[0]), &pasid))
			return -EINVAL;
		d->qw[0] |= FIELD_PREP(QW0_GRAN, PC_G_PASID) |
			    FIELD_PREP(QW0_PASID, pasid);
		return 0;
	case VTD_DESC_PDEVTLB:
		/* G, S and the address are the guest's; the rest the host's. */
		return vtd_encode_devtlb(vh, FIELD_GET(PDEVTLB_QW0_SID, qw[0]),
					 FIELD_GET(QW0_PASID, qw[0]), qw[1], d);
	case VTD_DESC_DEVTLB:
		/*
		 * As Linux sends for a device's requests without PASID
		 * (qi_flush_dev_iotlb()): S and the address are the guest's;
		 * SID, PFSID and MIP the host's (MIP is the device's queue
		 * depth, which the unit paces its requests by: not the
		 * guest's to set).
		 */
		return vtd_encode_devtlb_nopasid(vh,
						 FIELD_GET(DEVTLB_QW0_SID, qw[0]),
						 qw[1], d);
	}
	return -EOPNOTSUPP;
iqe:
	*hw_error = IOMMU_INV_HWERR_VTD_IQE;
	return -EIO;
}

/*
 * One entry, already checked by the core, into *@ndescs descriptors: @d is
 * the first; IOTLB_ALL's descriptor k is @d for host PASID
 * @vh->pasid_base + k (vtd_desc_nth()).
 */
static int vtd_encode(struct vtd_hwpt *vh,
		      const struct iommu_inv_entry_hdr *hdr,
		      struct iommu_inv_vtd_desc *d, unsigned int *ndescs,
		      u32 *hw_error)
{
	const struct iommu_inv_entry_iotlb_range *ir;
	const struct iommu_inv_entry_devtlb_range *dr;
	const struct iommu_inv_entry_devtlb_pasid *dp;
	unsigned int order;
	u64 pasid, base;

	memset(d, 0, sizeof(*d));
	*ndescs = 1;
	switch (hdr->type) {
	case IOMMU_INV_ENTRY_IOTLB_ALL:
		/*
		 * PASID-based IOTLB invalidate (6.5.2.4), PASID-selective, for
		 * every PASID of the window: it has no all-PASIDs granularity,
		 * and the IOTLB invalidate (6.5.2.3) leaves first-stage and
		 * nested translations alone in scalable mode.
		 */
		vtd_piotlb(vh, vh->pasid_base, false, 0, 0, false, d);
		*ndescs = vh->pasid_num;
		return 0;
	case IOMMU_INV_ENTRY_IOTLB_PASID:
		if (vtd_host_pasid(vh, ((const struct iommu_inv_entry_iotlb_pasid *)
					hdr)->pasid, &pasid))
			return -EINVAL;
		vtd_piotlb(vh, pasid, false, 0, 0, false, d);
		return 0;
	case IOMMU_INV_ENTRY_IOTLB_RANGE:
		ir = (const void *)hdr;
		if (vtd_host_pasid(vh, ir->pasid, &pasid))
			return -EINVAL;
		order = vtd_range_order(ir->addr, ir->size, &base);
		/* Past the unit's largest mask: the whole PASID. */
		vtd_piotlb(vh, pasid, order <= vh->q->mamv, base, order,
			   hdr->flags & IOMMU_INV_IOTLB_FLAG_LEAF, d);
		return 0;
	case IOMMU_INV_ENTRY_DEVTLB_PASID:
		dp = (const void *)hdr;
		return vtd_encode_devtlb(vh, dp->virt_id, dp->pasid,
					 vtd_pdevtlb_qw1(0, VTD_ORDER_ALL), d);
	case IOMMU_INV_ENTRY_DEVTLB_RANGE:
		dr = (const void *)hdr;
		order = vtd_range_order(dr->addr, dr->size, &base);
		return vtd_encode_devtlb(vh, dr->virt_id, dr->pasid,
					 vtd_pdevtlb_qw1(base, order), d);
	case IOMMU_INV_ENTRY_PASID_CACHE_ALL:
		/* Domain-selective: every PASID's entry of the domain. */
		d->qw[0] = FIELD_PREP(QW0_TYPE, VTD_DESC_PC) |
			   FIELD_PREP(QW0_GRAN, PC_G_DOMAIN) |
			   FIELD_PREP(QW0_DID, vh->did);
		return 0;
	case IOMMU_INV_ENTRY_PASID_CACHE_PASID:
		if (vtd_host_pasid(vh, ((const struct iommu_inv_entry_pc_pasid *)
					hdr)->pasid, &pasid))
			return -EINVAL;
		d->qw[0] = FIELD_PREP(QW0_TYPE, VTD_DESC_PC) |
			   FIELD_PREP(QW0_GRAN, PC_G_PASID) |
			   FIELD_PREP(QW0_DID, vh->did) |
			   FIELD_PREP(QW0_PASID, pasid);
		return 0;
	case IOMMU_INV_ENTRY_VTD_DESC:
		return vtd_encode_raw(vh, (const void *)hdr, d, ndescs,
				      hw_error);
	}
	return -EOPNOTSUPP;
}

/* Descriptor @k of an entry whose first is @d (see vtd_encode()). */
static void vtd_desc_nth(const struct iommu_inv_vtd_desc *d, unsigned int k,
			 struct iommu_inv_vtd_desc *out)
{
	*out = *d;
	if (k)
		out->qw[0] = (d->qw[0] & ~QW0_PASID) |
			     FIELD_PREP(QW0_PASID,
					FIELD_GET(QW0_PASID, d->qw[0]) + k);
}

#ifdef CONFIG_IOMMUFD_INV_TEST
/*
 * The test ioctl sees the traffic of the model's and a fake unit's queue,
 * and of the HOST queue with mock=1, never a real unit's HW queue
 * (vtd_queue.test_hooks).
 */
static void vtd_testq_corrupt(struct vtd_hwpt *vh, struct iommu_inv_vtd_desc *d,
			      u32 index, unsigned int k)
{
	struct iommu_inv_testq *tq = &vh->testq;

	if (!vh->q->test_hooks)
		return;
	if (vh->corrupt_desc == IOMMU_INV_TEST_CORRUPT_EVERY) {
		if (tq->armed && !k && index >= tq->index) {
			d->qw[tq->word] ^= BIT_ULL(tq->bit);
			vh->corrupt_hit = true;
		}
		return;
	}
	if (k == vh->corrupt_desc)
		iommu_inv_testq_corrupt(tq, d->qw, index, 1);
}

/* An IOMMU_INV_TEST_CORRUPT_EVERY flip lasts one op call. */
static void vtd_testq_end(struct vtd_hwpt *vh)
{
	if (vh->corrupt_hit) {
		vh->testq.armed = false;
		vh->corrupt_hit = false;
	}
}

/* The run's wait is logged without its status address (physical). */
static void vtd_testq_log(struct vtd_hwpt *vh, unsigned int n)
{
	if (!vh->q->test_hooks)
		return;
	vh->descs[n - 1].qw[1] = 0;
	iommu_inv_testq_add(&vh->testq, (u64 *)vh->descs, n);
}
#else
static void vtd_testq_corrupt(struct vtd_hwpt *vh, struct iommu_inv_vtd_desc *d,
			      u32 index, unsigned int k)
{
}

static void vtd_testq_log(struct vtd_hwpt *vh, unsigned int n)
{
}

static void vtd_testq_end(struct vtd_hwpt *vh)
{
}
#endif

/*
 * Submit the run @vh->descs[0..@n) and its wait. Returns 0, or the queue's
 * errno with @batch->hw_error set and *@failed the batch index of the
 * entry whose descriptor failed. Only the first run of a call may be
 * non-blocking: -EAGAIN from it means nothing was done (*@failed 0).
 */
static int vtd_run(struct vtd_hwpt *vh, struct iommu_inv_batch *batch,
		   unsigned int n, bool *nonblock, unsigned int *failed)
{
	unsigned int done;
	int rc;

	rc = vh->q->ops->submit(vh->q, vh->descs, n, *nonblock, &done,
				&batch->hw_error);
	if (rc == -EAGAIN) {
		/* Nothing was done: no entry failed. */
		*failed = 0;
		return rc;
	}
	*nonblock = false;
	vtd_testq_log(vh, n + 1);
	if (rc)
		*failed = vh->owner[min(done, n - 1)];
	return rc;
}

/*
 * The entries of @batch become descriptors in order; a run goes to the
 * queue whenever VTD_RUN_DESCS are ready, so an entry (IOTLB_ALL) may span
 * runs. An entry counts as done when all its descriptors have completed;
 * a fault on any of them fails that entry, with the ones before it done.
 */
static unsigned int vtd_invalidate_pass(struct iommu_inv_hwpt *hwpt,
					struct iommu_inv_batch *batch)
{
	struct vtd_hwpt *vh = to_vtd(hwpt);
	bool nonblock = batch->nonblock;
	struct iommu_inv_vtd_desc d;
	unsigned int i, k, ndescs, n = 0, failed;
	u32 hw_error = 0;
	int rc = 0, qrc;

	BUILD_BUG_ON(VTD_RUN_DESCS < 64);
	if (nonblock && vh->q->blocks) {
		batch->error = -EAGAIN;
		return 0;
	}
	for (i = 0; i < batch->num; i++) {
		rc = vtd_encode(vh, iommu_inv_batch_entry(batch, i), &d, &ndescs,
				&hw_error);
		if (rc)
			break;
		for (k = 0; k < ndescs; k++) {
			vtd_desc_nth(&d, k, &vh->descs[n]);
			vtd_testq_corrupt(vh, &vh->descs[n],
					  batch->first_index + i, k);
			vh->owner[n++] = i;
			if (n < VTD_RUN_DESCS)
				continue;
			/* A non-blocking call takes the unit for one run only. */
			if (nonblock && (k + 1 < ndescs || i + 1 < batch->num)) {
				batch->error = -EAGAIN;
				return 0;
			}
			qrc = vtd_run(vh, batch, n, &nonblock, &failed);
			n = 0;
			if (qrc) {
				batch->error = qrc;
				return failed;
			}
		}
	}
	if (n) {
		qrc = vtd_run(vh, batch, n, &nonblock, &failed);
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
}

static unsigned int vtd_invalidate(struct iommu_inv_hwpt *hwpt,
				   struct iommu_inv_batch *batch)
{
	unsigned int n = vtd_invalidate_pass(hwpt, batch);

	vtd_testq_end(to_vtd(hwpt));
	return n;
}

const struct iommu_inv_hwpt_ops iommu_inv_vtd_ops = {
	.type = IOMMU_INV_HWPT_VTD_S1,
	.entry_types = IOMMU_INV_ENTRY_TLB_TYPES |
		       IOMMU_INV_ENTRY_PASID_CACHE_TYPES |
		       BIT_ULL(IOMMU_INV_ENTRY_VTD_DESC),
	.granule_log2 = VTD_PAGE_SHIFT,
	.needs_admin = true,
	.hwpt_size = sizeof(struct vtd_hwpt),
	.config_size = sizeof(struct iommu_inv_hwpt_vtd_s1),
	.vdev_size = sizeof(struct vtd_dev),
	.vdev_config_size = sizeof(struct iommu_inv_vdev_vtd),
	.init = vtd_hwpt_init,
	.destroy = vtd_hwpt_destroy,
	.vdev_init = vtd_vdev_init,
	.vdev_destroy = vtd_vdev_destroy,
	.invalidate = vtd_invalidate,
};

#ifdef CONFIG_IOMMUFD_INV_TEST
/**
 * iommu_inv_vtd_test() - the test ioctl's operations on a VT-d HWPT
 * @hwpt: a VT-d HWPT, held by the caller
 * @cmd: the command; its out fields are filled
 *
 * Return: 0 or -errno.
 */
int iommu_inv_vtd_test(struct iommu_inv_hwpt *hwpt,
		       struct iommu_inv_test_cmd *cmd)
{
	struct vtd_hwpt *vh = to_vtd(hwpt);
	struct iommu_inv_test_cmd arm;
	int rc;

	switch (cmd->op) {
	case IOMMU_INV_TEST_OP_DEV_TIMEOUT:
		if (cmd->dev_timeout.__reserved)
			return -EOPNOTSUPP;
		if (cmd->dev_timeout.sid > U16_MAX)
			return -EINVAL;
		mutex_lock(&hwpt->lock);
		rc = iommu_inv_vtd_model_timeout(vh->q, cmd->dev_timeout.sid);
		mutex_unlock(&hwpt->lock);
		return rc;
	case IOMMU_INV_TEST_OP_VTD_FILL:
	case IOMMU_INV_TEST_OP_VTD_QUERY:
		mutex_lock(&hwpt->lock);
		rc = iommu_inv_vtd_model_test(vh->q, cmd);
		mutex_unlock(&hwpt->lock);
		return rc;
	case IOMMU_INV_TEST_OP_QUEUE_CORRUPT:
	case IOMMU_INV_TEST_OP_QUEUE_CORRUPT_DESC:
		if (!vh->q->test_hooks)
			return -EOPNOTSUPP;
		/* QUEUE_CORRUPT_DESC is QUEUE_CORRUPT plus the descriptor. */
		arm = *cmd;
		arm.op = IOMMU_INV_TEST_OP_QUEUE_CORRUPT;
		if (cmd->op == IOMMU_INV_TEST_OP_QUEUE_CORRUPT_DESC)
			arm.queue_corrupt.__reserved = 0;
		rc = iommu_inv_testq_op(&vh->testq, &hwpt->lock, &arm);
		if (rc)
			return rc;
		mutex_lock(&hwpt->lock);
		vh->corrupt_desc = cmd->op == IOMMU_INV_TEST_OP_QUEUE_CORRUPT ?
				   0 : cmd->queue_corrupt_desc.desc;
		vh->corrupt_hit = false;
		mutex_unlock(&hwpt->lock);
		return 0;
	}
	return vh->q->test_hooks ?
	       iommu_inv_testq_op(&vh->testq, &hwpt->lock, cmd) : -EOPNOTSUPP;
}
#endif
