// SPDX-License-Identifier: GPL-2.0
/*
 * A software model of a VT-d invalidation queue (tests only): it decodes
 * every 256-bit descriptor and checks every field against the
 * specification's descriptor layouts (VT-d rev 4.1, 6.5.2), written here
 * from the layouts and not from the encoder in vtd.c, so that the two
 * check each other. A descriptor it refuses stops the queue with an
 * Invalidation Queue Error, as hardware does; a device-TLB descriptor to a
 * device a test marked unresponsive times out (ITE).
 *
 * Its unit: 2^16 domain IDs, address masks up to 18 (1 GiB), device TLBs.
 */
#include <linux/slab.h>

#include "iommufd_inv.h"
#include "vtd.h"

/* Where the model's wait descriptors say their status goes. */
#define MODEL_STATUS_ADDR	0x1000
#define MODEL_NDOMS		65536
#define MODEL_MAMV		18

/**
 * struct vtd_model - one HWPT's model queue
 * @q: what the encoder knows of it
 * @seq: status data of the last wait
 * @timeout_sid: source ID whose next device-TLB descriptor times out
 * @timeout_armed: @timeout_sid is set
 */
struct vtd_model {
	struct iommu_inv_vtd_queue q;
	u32 seq;
	u16 timeout_sid;
	bool timeout_armed;
};

static u64 bits(u64 qw, unsigned int hi, unsigned int lo)
{
	return (qw >> lo) & (~0ULL >> (63 - hi + lo));
}

/*
 * Reserved bits per descriptor type and quadword, from the layouts of
 * 6.5.2.2 (PASID-cache), 6.5.2.3 (IOTLB), 6.5.2.4 (PASID-based IOTLB),
 * 6.5.2.6 (PASID-based device-TLB) and 6.5.2.8 (invalidation wait). The
 * type's upper bits 11:9 are checked with the type.
 */
struct model_layout {
	u8 type;
	u64 rsvd[4];
};

static const struct model_layout model_layouts[] = {
	/* IOTLB: 3:0 type, 5:4 G, 6 DW, 7 DR, 31:16 DID; AM, IH, ADDR. */
	{ VTD_DESC_IOTLB, { 0xffffffff0000f100ULL, 0x0000000000000f80ULL,
			    ~0ULL, ~0ULL } },
	/* Wait: 4 IF, 5 SW, 6 FN, 7 PD, 63:32 data; 63:2 address. */
	{ VTD_DESC_WAIT, { 0x00000000fffff100ULL, 0x3ULL, ~0ULL, ~0ULL } },
	/* P_IOTLB: 5:4 G, 31:16 DID, 51:32 PASID; AM, IH, ADDR. */
	{ VTD_DESC_PIOTLB, { 0xfff000000000f1c0ULL, 0x0000000000000f80ULL,
			     ~0ULL, ~0ULL } },
	/* PASID-cache: 5:4 G, 31:16 DID, 51:32 PASID. */
	{ VTD_DESC_PC, { 0xfff000000000f1c0ULL, ~0ULL, ~0ULL, ~0ULL } },
	/* P_DEVTLB: 8:4 QDEP, 15:12 + 63:52 PFSID, 31:16 SID, 51:32 PASID;
	 * 0 G, 11 S, 63:12 ADDR.
	 */
	{ VTD_DESC_PDEVTLB, { 0, 0x00000000000007feULL, ~0ULL, ~0ULL } },
};

/* Decode and check one descriptor; false means IQE. */
static bool model_check(const struct iommu_inv_vtd_desc *d)
{
	const struct model_layout *l = NULL;
	u64 g = bits(d->qw[0], 5, 4);
	unsigned int i, am;

	if (bits(d->qw[0], 11, 9))
		return false;
	for (i = 0; i < ARRAY_SIZE(model_layouts); i++)
		if (model_layouts[i].type == bits(d->qw[0], 3, 0))
			l = &model_layouts[i];
	if (!l)
		return false;
	for (i = 0; i < 4; i++)
		if (d->qw[i] & l->rsvd[i])
			return false;

	switch (l->type) {
	case VTD_DESC_IOTLB:
		/* 01 global, 10 domain, 11 page; 00 reserved. */
		if (!g)
			return false;
		if (g >= 2 && bits(d->qw[0], 31, 16) >= MODEL_NDOMS)
			return false;
		break;
	case VTD_DESC_PIOTLB:
		/* 10 PASID-selective, 11 page-selective within the PASID. */
		if (g < 2)
			return false;
		break;
	case VTD_DESC_PC:
		/* 00 domain, 01 PASID, 11 global; 10 reserved. */
		if (g == 2)
			return false;
		break;
	case VTD_DESC_WAIT:
		return true;
	default:
		return true;
	}
	/* Page-selective: the address is aligned to its mask. */
	if (g == 3 && l->type != VTD_DESC_PC) {
		am = bits(d->qw[1], 5, 0);
		if (am > MODEL_MAMV || bits(d->qw[1], 63, 12) & ((1ULL << am) - 1))
			return false;
	}
	return true;
}

/**
 * iommu_inv_vtd_model_check() - the model's verdict on one descriptor
 * @d: the descriptor
 *
 * Return: true if a unit accepts it, false for an Invalidation Queue Error.
 */
bool iommu_inv_vtd_model_check(const struct iommu_inv_vtd_desc *d)
{
	return model_check(d);
}

static int model_submit(struct iommu_inv_vtd_queue *q,
			struct iommu_inv_vtd_desc *descs, unsigned int n,
			bool nonblock, unsigned int *done, u32 *hw_error)
{
	struct vtd_model *m = container_of(q, struct vtd_model, q);
	struct iommu_inv_vtd_desc *wait = &descs[n];
	unsigned int i;

	if (!++m->seq)
		m->seq = 1;
	memset(wait, 0, sizeof(*wait));
	wait->qw[0] = VTD_DESC_WAIT | BIT_ULL(5) | BIT_ULL(6) |
		      (u64)m->seq << 32;
	wait->qw[1] = MODEL_STATUS_ADDR;

	*hw_error = 0;
	for (i = 0; i <= n; i++) {
		*done = min(i, n - 1);
		if (!model_check(&descs[i])) {
			*hw_error = IOMMU_INV_HWERR_VTD_IQE;
			return -EIO;
		}
		if (bits(descs[i].qw[0], 3, 0) == VTD_DESC_PDEVTLB &&
		    m->timeout_armed &&
		    bits(descs[i].qw[0], 31, 16) == m->timeout_sid) {
			m->timeout_armed = false;
			*hw_error = IOMMU_INV_HWERR_VTD_ITE;
			return -ETIMEDOUT;
		}
	}
	*done = n;
	return 0;
}

static void model_release(struct iommu_inv_vtd_queue *q)
{
	struct vtd_model *m = container_of(q, struct vtd_model, q);

	WARN_ON(!xa_empty(&q->owners));
	xa_destroy(&q->owners);
	kfree(m);
}

static const struct iommu_inv_vtd_queue_ops model_ops = {
	.submit = model_submit,
	.release = model_release,
};

/**
 * iommu_inv_vtd_model_create() - a model queue for one HWPT
 *
 * Return: the queue, or ERR_PTR(-ENOMEM).
 */
struct iommu_inv_vtd_queue *iommu_inv_vtd_model_create(void)
{
	struct vtd_model *m;

	m = kzalloc(sizeof(*m), GFP_KERNEL_ACCOUNT);
	if (!m)
		return ERR_PTR(-ENOMEM);
	m->q.ops = &model_ops;
	xa_init(&m->q.owners);
	m->q.ndoms = MODEL_NDOMS;
	m->q.mamv = MODEL_MAMV;
	m->q.devtlb = true;
	m->q.test_hooks = true;
	return &m->q;
}

/**
 * iommu_inv_vtd_model_timeout() - make a device stop answering, once
 * @q: a model queue
 * @sid: the device's source ID
 *
 * The next PASID-based device-TLB descriptor to @sid times out (ITE).
 *
 * Return: 0, or -EOPNOTSUPP if @q is not a model.
 */
int iommu_inv_vtd_model_timeout(struct iommu_inv_vtd_queue *q, u16 sid)
{
	struct vtd_model *m = container_of(q, struct vtd_model, q);

	if (q->ops != &model_ops)
		return -EOPNOTSUPP;
	m->timeout_sid = sid;
	m->timeout_armed = true;
	return 0;
}
