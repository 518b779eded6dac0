// SPDX-License-Identifier: GPL-2.0
/*
 * A real VT-d unit's queued-invalidation interface, owned by this module.
 *
 * Only a unit nobody else drives is taken: the first DMA-remapping
 * hardware unit of the ACPI DMAR table whose translation, interrupt
 * remapping and queued invalidation are all off (the kernel booted with
 * intel_iommu=off intremap=off). The queue runs with 256-bit descriptors
 * (IQA.DW = 1), the form PASID-based descriptors need. Each submit writes
 * its descriptors and a wait descriptor with a status write, moves the
 * tail and waits for the status or a fault in FSTS (VT-d specification
 * rev 4.1, 6.5.2 and 11.4.7-11.4.9).
 */
#include <linux/acpi.h>
#include <linux/bitfield.h>
#include <linux/delay.h>
#include <linux/io.h>
#include <linux/io-64-nonatomic-lo-hi.h>
#include <linux/ktime.h>
#include <linux/mm.h>
#include <linux/slab.h>

#include "iommufd_inv.h"
#include "vtd.h"

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

#define VTD_CAP_ND		GENMASK_ULL(2, 0)
#define VTD_CAP_MAMV		GENMASK_ULL(53, 48)
#define VTD_ECAP_QI		BIT_ULL(1)
#define VTD_ECAP_DT		BIT_ULL(2)
#define VTD_ECAP_SMTS		BIT_ULL(43)

#define VTD_IQA_DW		BIT_ULL(11)
/* With 256-bit descriptors IQH and IQT hold the index from bit 5. */
#define VTD_IQ_SHIFT		5
#define VTD_IQ_LEN		(PAGE_SIZE / sizeof(struct iommu_inv_vtd_desc))
#define VTD_IQER_ITESID		GENMASK_ULL(47, 32)
#define VTD_IQER_ICESID		GENMASK_ULL(63, 48)

#define VTD_WAIT_SW		BIT_ULL(5)
#define VTD_WAIT_FN		BIT_ULL(6)
#define VTD_WAIT_DATA		GENMASK_ULL(63, 32)

/* How long a submit waits for the unit before calling it broken. */
#define VTD_TIMEOUT_US		(1000 * 1000)

/**
 * struct vtd_unit - the unit this module owns
 * @q: what the encoder knows of it
 * @lock: one submit at a time: the hardware has one queue. Per unit, not
 *	global; the only lock besides the HWPT's on its invalidation path
 * @regs: its registers
 * @ring: the queue, one page of VTD_IQ_LEN descriptors
 * @status: the wait descriptors' status word (the page after @ring)
 * @scratch: status word of the waits that replace abandoned descriptors
 * @tail: next free slot; the queue is empty between submits
 * @seq: status data of the last wait
 * @broken: the unit stopped answering; every submit fails until reload
 */
struct vtd_unit {
	struct iommu_inv_vtd_queue q;
	struct mutex lock; /* see @lock above */
	void __iomem *regs;
	struct iommu_inv_vtd_desc *ring;
	u32 *status;
	u32 *scratch;
	unsigned int tail;
	u32 seq;
	bool broken;
};

static struct iommu_inv_unit_slot vtd_slot = {
	.lock = __MUTEX_INITIALIZER(vtd_slot.lock),
};

static void vtd_wait_desc(struct iommu_inv_vtd_desc *d, u32 *status, u32 data)
{
	memset(d, 0, sizeof(*d));
	d->qw[0] = VTD_DESC_WAIT | VTD_WAIT_SW | VTD_WAIT_FN |
		   FIELD_PREP(VTD_WAIT_DATA, data);
	d->qw[1] = virt_to_phys(status);
}

static unsigned int vtd_head(struct vtd_unit *u)
{
	return (readq(u->regs + VTD_REG_IQH) >> VTD_IQ_SHIFT) %
	       VTD_IQ_LEN;
}

/*
 * Wait for @done() or a queue fault. Returns 0, the FSTS fault bits, or
 * -ETIMEDOUT.
 */
static int vtd_poll(struct vtd_unit *u, bool (*done)(struct vtd_unit *u))
{
	ktime_t end = ktime_add_us(ktime_get(), VTD_TIMEOUT_US);
	u32 fsts;

	for (;;) {
		if (done(u))
			return 0;
		fsts = readl(u->regs + VTD_REG_FSTS) & VTD_FSTS_QUEUE;
		if (fsts)
			return fsts;
		if (ktime_after(ktime_get(), end))
			return -ETIMEDOUT;
		cond_resched();
		udelay(1);
	}
}

static bool vtd_status_done(struct vtd_unit *u)
{
	return READ_ONCE(*u->status) == u->seq;
}

static bool vtd_drained(struct vtd_unit *u)
{
	return vtd_head(u) == u->tail;
}

/* The descriptor a device-TLB fault names: the first to that SID. */
static unsigned int vtd_devtlb_fault(const struct iommu_inv_vtd_desc *descs,
				     unsigned int n, u16 sid)
{
	unsigned int i, first = n;

	for (i = 0; i < n; i++) {
		if ((descs[i].qw[0] & 0xf) != VTD_DESC_PDEVTLB)
			continue;
		if (first == n)
			first = i;
		if (((descs[i].qw[0] >> 16) & 0xffff) == sid)
			return i;
	}
	return first;
}

/*
 * A fault stopped the queue. Replace what is left of this submit with
 * waits that write the scratch word, clear the fault and let the queue
 * drain, so the next submit starts on an empty queue.
 */
static int vtd_recover(struct vtd_unit *u, u32 fsts)
{
	unsigned int i;
	int rc;

	for (i = vtd_head(u); i != u->tail; i = (i + 1) % VTD_IQ_LEN)
		vtd_wait_desc(&u->ring[i], u->scratch, 0);
	wmb(); /* descriptors before the queue moves again */
	writel(fsts, u->regs + VTD_REG_FSTS);
	/* Hardware resumes when the fault clears; QEMU on a tail write. */
	writeq((u64)u->tail << VTD_IQ_SHIFT, u->regs + VTD_REG_IQT);
	rc = vtd_poll(u, vtd_drained);
	if (rc) {
		u->broken = true;
		return -EIO;
	}
	return 0;
}

static int vtd_unit_submit(struct iommu_inv_vtd_queue *q,
			   struct iommu_inv_vtd_desc *descs, unsigned int n,
			   bool nonblock, unsigned int *done, u32 *hw_error)
{
	struct vtd_unit *u = container_of(q, struct vtd_unit, q);
	unsigned int start, i, at;
	u64 iqer;
	int rc, err;

	*done = 0;
	*hw_error = 0;
	if (!nonblock)
		mutex_lock(&u->lock);
	else if (!mutex_trylock(&u->lock))
		return -EAGAIN;
	if (u->broken) {
		rc = -EIO;
		goto out_unlock;
	}
	if (!++u->seq)
		u->seq = 1;
	vtd_wait_desc(&descs[n], u->status, u->seq);
	WRITE_ONCE(*u->status, 0);

	start = u->tail;
	for (i = 0; i <= n; i++)
		u->ring[(start + i) % VTD_IQ_LEN] = descs[i];
	u->tail = (start + n + 1) % VTD_IQ_LEN;
	wmb(); /* descriptors before the tail */
	writeq((u64)u->tail << VTD_IQ_SHIFT, u->regs + VTD_REG_IQT);

	rc = vtd_poll(u, vtd_status_done);
	if (!rc) {
		*done = n;
		goto out_unlock;
	}
	if (rc < 0) {
		u->broken = true;
		goto out_unlock;
	}

	/* A fault: find the descriptor it names. */
	iqer = readq(u->regs + VTD_REG_IQER);
	if (rc & VTD_FSTS_IQE) {
		at = (vtd_head(u) - start) % VTD_IQ_LEN;
		*hw_error = IOMMU_INV_HWERR_VTD_IQE;
		err = -EIO;
	} else if (rc & VTD_FSTS_ITE) {
		at = vtd_devtlb_fault(descs, n,
				      FIELD_GET(VTD_IQER_ITESID, iqer));
		*hw_error = IOMMU_INV_HWERR_VTD_ITE;
		err = -ETIMEDOUT;
	} else {
		at = vtd_devtlb_fault(descs, n,
				      FIELD_GET(VTD_IQER_ICESID, iqer));
		*hw_error = IOMMU_INV_HWERR_VTD_ICE;
		err = -EIO;
	}
	/* The wait itself faulted: blame the last entry. */
	*done = min(at, n - 1);
	rc = vtd_recover(u, rc);
	if (!rc)
		rc = err;

out_unlock:
	mutex_unlock(&u->lock);
	return rc;
}

/* The unit lives until the module goes. */
static void vtd_unit_release(struct iommu_inv_vtd_queue *q)
{
}

static const struct iommu_inv_vtd_queue_ops vtd_unit_ops = {
	.submit = vtd_unit_submit,
	.release = vtd_unit_release,
};

/* Register base of the first DMA-remapping unit in the DMAR table. */
static int vtd_find_drhd(u64 *base)
{
	struct acpi_table_header *tbl;
	struct acpi_dmar_header *h;
	void *p, *end;
	int rc = -ENODEV;

	if (ACPI_FAILURE(acpi_get_table(ACPI_SIG_DMAR, 0, &tbl)))
		return -ENODEV;
	p = (void *)tbl + sizeof(struct acpi_table_dmar);
	end = (void *)tbl + tbl->length;
	while (p + sizeof(*h) <= end) {
		h = p;
		if (h->length < sizeof(*h) || p + h->length > end)
			break;
		if (h->type == ACPI_DMAR_TYPE_HARDWARE_UNIT &&
		    h->length >= sizeof(struct acpi_dmar_hardware_unit)) {
			*base = ((struct acpi_dmar_hardware_unit *)h)->address;
			rc = 0;
			break;
		}
		p += h->length;
	}
	acpi_put_table(tbl);
	return rc;
}

static int vtd_unit_enable(struct vtd_unit *u)
{
	u64 cap = readq(u->regs + VTD_REG_CAP);
	u64 ecap = readq(u->regs + VTD_REG_ECAP);
	u32 gsts = readl(u->regs + VTD_REG_GSTS);
	ktime_t end;

	/* Someone else drives it. */
	if (gsts & (VTD_GSTS_TES | VTD_GSTS_QIES | VTD_GSTS_IRES))
		return -EBUSY;
	/* PASID-based descriptors need scalable mode. */
	if (!(ecap & VTD_ECAP_QI) || !(ecap & VTD_ECAP_SMTS))
		return -ENODEV;

	u->q.ndoms = 1U << (4 + 2 * FIELD_GET(VTD_CAP_ND, cap));
	u->q.mamv = FIELD_GET(VTD_CAP_MAMV, cap);
	u->q.devtlb = ecap & VTD_ECAP_DT;
	u->q.check_sid = true;

	writel(VTD_FSTS_QUEUE, u->regs + VTD_REG_FSTS);
	writeq(virt_to_phys(u->ring) | VTD_IQA_DW, u->regs + VTD_REG_IQA);
	writeq(0, u->regs + VTD_REG_IQT);
	u->tail = 0;
	writel(VTD_GCMD_QIE, u->regs + VTD_REG_GCMD);
	end = ktime_add_us(ktime_get(), VTD_TIMEOUT_US);
	while (!(readl(u->regs + VTD_REG_GSTS) & VTD_GSTS_QIES)) {
		if (ktime_after(ktime_get(), end))
			return -ETIMEDOUT;
		udelay(1);
	}
	return 0;
}

static void vtd_unit_disable(struct vtd_unit *u)
{
	ktime_t end = ktime_add_us(ktime_get(), VTD_TIMEOUT_US);

	writel(0, u->regs + VTD_REG_GCMD);
	while (readl(u->regs + VTD_REG_GSTS) & VTD_GSTS_QIES) {
		if (ktime_after(ktime_get(), end)) {
			pr_warn("iommufd-inv: VT-d queue did not stop\n");
			break;
		}
		udelay(1);
	}
}

static void *vtd_unit_probe(void)
{
	struct iommu_inv_vtd_desc first;
	unsigned int done;
	struct page *pages;
	u32 hw_error;
	struct vtd_unit *u;
	u64 base;
	int rc;

	rc = vtd_find_drhd(&base);
	if (rc)
		return ERR_PTR(rc);
	u = kzalloc(sizeof(*u), GFP_KERNEL);
	if (!u)
		return ERR_PTR(-ENOMEM);
	mutex_init(&u->lock);
	xa_init(&u->q.owners);
	u->q.ops = &vtd_unit_ops;

	/* The ring, then a page for the status words. */
	pages = alloc_pages(GFP_KERNEL | __GFP_ZERO, 1);
	if (!pages) {
		rc = -ENOMEM;
		goto out_free;
	}
	u->ring = page_address(pages);
	u->status = page_address(pages + 1);
	u->scratch = u->status + 1;

	u->regs = ioremap(base, VTD_REG_SIZE);
	if (!u->regs) {
		rc = -ENOMEM;
		goto out_pages;
	}
	rc = vtd_unit_enable(u);
	if (rc)
		goto out_unmap;
	/*
	 * A first wait: proves the queue works, and leaves a wait as the
	 * last descriptor, which is what lets the queue be disabled again.
	 */
	rc = vtd_unit_submit(&u->q, &first, 0, false, &done, &hw_error);
	if (rc)
		goto out_disable;
	pr_info("iommufd-inv: VT-d unit at %#llx: queued invalidation on\n",
		base);
	return u;

out_disable:
	vtd_unit_disable(u);
out_unmap:
	iounmap(u->regs);
out_pages:
	__free_pages(pages, 1);
out_free:
	mutex_destroy(&u->lock);
	kfree(u);
	return ERR_PTR(rc);
}

/**
 * iommu_inv_vtd_unit_get() - the VT-d unit this module owns
 *
 * Takes it on first use (iommu_inv_unit_get()).
 *
 * Return: its queue, or ERR_PTR(-ENODEV) (none), ERR_PTR(-EBUSY) (driven
 * by another driver) or another error of the first attempt.
 */
struct iommu_inv_vtd_queue *iommu_inv_vtd_unit_get(void)
{
	struct vtd_unit *u = iommu_inv_unit_get(&vtd_slot, vtd_unit_probe);

	return IS_ERR(u) ? ERR_CAST(u) : &u->q;
}

/**
 * iommu_inv_vtd_unit_exit() - give the unit back, at module exit
 */
void iommu_inv_vtd_unit_exit(void)
{
	struct vtd_unit *u = vtd_slot.unit;

	if (!u)
		return;
	vtd_unit_disable(u);
	iounmap(u->regs);
	__free_pages(virt_to_page(u->ring), 1);
	WARN_ON(!xa_empty(&u->q.owners));
	xa_destroy(&u->q.owners);
	mutex_destroy(&u->lock);
	kfree(u);
	vtd_slot.unit = NULL;
}

#ifdef CONFIG_IOMMUFD_INV_TEST
/**
 * iommu_inv_vtd_fake_fault() - make the fake unit misbehave
 * @fault: IOMMU_INV_UNIT_FAULT_*
 * @sid: the device, for IOMMU_INV_UNIT_FAULT_HUNG_DEVICE
 *
 * Return: -ENODEV: there is no fake unit yet.
 */
int iommu_inv_vtd_fake_fault(u32 fault, u32 sid)
{
	return -ENODEV;
}
#endif
