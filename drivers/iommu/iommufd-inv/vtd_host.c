// SPDX-License-Identifier: GPL-2.0
/*
 * The VT-d HOST queue (IOMMU_INV_VTD_QUEUE_HOST): beside the intel-iommu
 * driver, which owns every unit. Built only in a kernel tree whose driver
 * exports intel_iommu_dev_did() and intel_iommu_dev_qi_submit() (the
 * series in patches/, CONFIG_IOMMUFD_INV_VTD_HOST).
 *
 * A HWPT on this queue has one device (its one VDEV). On every submit:
 *  - the PCI device its source ID names is looked up again, and its IOMMU
 *    group's mutex taken (iommu_group_for_each_dev()): the core attaches
 *    domains and releases devices only under it, so the device's domain
 *    and that domain's ID stay as they are until the run is done;
 *  - intel_iommu_dev_qi_submit() itself writes the domain ID the driver
 *    gave the device's current domain on its unit into every descriptor
 *    (all the types it takes carry one): no host domain ID comes from
 *    user space, nor from this module, on this queue;
 *  - the descriptors go through the driver's qi_submit_sync(), on the unit
 *    that translates the device, in runs of at most VTD_HOST_CHUNK: the
 *    driver holds its queue lock with interrupts off until a run's wait
 *    completes, interleaving its own invalidations between runs;
 *  - a run that fails is submitted again one descriptor at a time, and the
 *    first that fails alone is the failed one (invalidations can be
 *    repeated): an Invalidation Queue Error lands on the right entry.
 *
 * A device-TLB time-out makes qi_submit_sync() repeat the whole run for as
 * long as the device is present (the rst's "VT-d HOST queue"), so this
 * queue does not offer device-TLB invalidation: a VDEV with ATS is refused,
 * and the driver's export refuses device-TLB descriptors anyway.
 */
#include <linux/intel-iommu-qi.h>
#include <linux/iommu.h>
#include <linux/module.h>
#include <linux/pci.h>
#include <linux/slab.h>

#include "iommufd_inv.h"
#include "vtd.h"

MODULE_IMPORT_NS(IOMMUFD_INV);

/* Descriptors per qi_submit_sync() call: interrupts are off meanwhile. */
#define VTD_HOST_CHUNK		16

/**
 * struct vtd_host - the HOST queue of one HWPT
 * @q: what the encoder knows of it; @q.owners holds the HWPT's device
 */
struct vtd_host {
	struct iommu_inv_vtd_queue q;
};

/**
 * struct vtd_host_call - one submit, under the device's group mutex
 * @dev: the device the HWPT's source ID names
 * @descs: the run
 * @n: its length
 * @done: descriptors completed before the one that failed
 * @rc: what the submit returns
 * @found: @dev is still in its group
 */
struct vtd_host_call {
	struct device *dev;
	struct iommu_inv_vtd_desc *descs;
	unsigned int n;
	unsigned int done;
	int rc;
	bool found;
};

static int vtd_host_qi(struct device *dev, struct iommu_inv_vtd_desc *d,
		       unsigned int n)
{
	BUILD_BUG_ON(sizeof(*d) != 4 * sizeof(u64));
	/* struct qi_desc is four quadwords, as struct iommu_inv_vtd_desc. */
	return intel_iommu_dev_qi_submit(dev, (struct qi_desc *)d, n);
}

/*
 * The runs; the driver writes the domain ID into each descriptor. A device
 * without a paging domain fails before any (-ENOENT on the first entry).
 */
static int vtd_host_run(struct vtd_host_call *c)
{
	unsigned int i, k, len;
	u16 did;
	int rc;

	rc = intel_iommu_dev_did(c->dev, &did);
	if (rc)
		return rc;
	for (i = 0; i < c->n; i += len) {
		len = min(c->n - i, VTD_HOST_CHUNK);
		if (!vtd_host_qi(c->dev, &c->descs[i], len))
			continue;
		/* Which one? Each again, alone. */
		for (k = i; k < i + len; k++) {
			rc = vtd_host_qi(c->dev, &c->descs[k], 1);
			if (rc) {
				c->done = k;
				return rc;
			}
		}
	}
	c->done = c->n;
	return 0;
}

static int vtd_host_dev_fn(struct device *dev, void *data)
{
	struct vtd_host_call *c = data;

	if (dev != c->dev)
		return 0;
	c->found = true;
	c->rc = vtd_host_run(c);
	return 1;
}

/*
 * Run @c on the PCI device @sid names, under its group mutex. Returns 0,
 * or -ENODEV when there is no such device, no group or no unit.
 */
static int vtd_host_call(u16 sid, struct vtd_host_call *c)
{
	struct iommu_group *group;
	struct pci_dev *pdev;

	pdev = pci_get_domain_bus_and_slot(0, sid >> 8, sid & 0xff);
	if (!pdev)
		return -ENODEV;
	group = iommu_group_get(&pdev->dev);
	if (!group) {
		pci_dev_put(pdev);
		return -ENODEV;
	}
	c->dev = &pdev->dev;
	c->found = false;
	c->rc = -ENODEV;
	iommu_group_for_each_dev(group, c, vtd_host_dev_fn);
	iommu_group_put(group);
	pci_dev_put(pdev);
	return c->found ? 0 : -ENODEV;
}

/* The HWPT's device: its source ID, or -ENODEV (none), -EBUSY (two). */
static int vtd_host_sid(struct vtd_host *h, u16 *sid)
{
	unsigned long idx = VTD_OWNER_SID;

	if (!xa_find(&h->q.owners, &idx, VTD_OWNER_SID + U16_MAX, XA_PRESENT))
		return -ENODEV;
	*sid = idx - VTD_OWNER_SID;
	if (xa_find_after(&h->q.owners, &idx, VTD_OWNER_SID + U16_MAX,
			  XA_PRESENT))
		return -EBUSY;
	return 0;
}

static int vtd_host_submit(struct iommu_inv_vtd_queue *q,
			   struct iommu_inv_vtd_desc *descs, unsigned int n,
			   bool nonblock, unsigned int *done, u32 *hw_error)
{
	struct vtd_host *h = container_of(q, struct vtd_host, q);
	struct vtd_host_call c = { .descs = descs, .n = n };
	u16 sid;
	int rc;

	*done = 0;
	*hw_error = 0;
	/* The group mutex and the driver's queue: io_uring's worker (q.blocks). */
	if (WARN_ON_ONCE(nonblock))
		return -EAGAIN;
	/* The wait the driver adds, as the log shows it (no address). */
	memset(&descs[n], 0, sizeof(descs[n]));
	descs[n].qw[0] = VTD_DESC_WAIT | VTD_WAIT_SW;

	rc = vtd_host_sid(h, &sid);
	if (!rc)
		rc = vtd_host_call(sid, &c);
	if (!rc)
		rc = c.rc;
	if (!rc)
		*done = n;
	else
		*done = min(c.done, n ? n - 1 : 0);
	switch (rc) {
	case -EINVAL:
		/* The unit refused the descriptor (or the driver its type). */
		*hw_error = IOMMU_INV_HWERR_VTD_IQE;
		return -EIO;
	case -ETIMEDOUT:
		*hw_error = IOMMU_INV_HWERR_VTD_ITE;
		break;
	}
	return rc;
}

/*
 * A VDEV of a HOST HWPT: the one device, a PCI device that exists, behind
 * a unit of the intel-iommu driver with a paging domain.
 */
static int vtd_host_check_sid(struct iommu_inv_vtd_queue *q, u16 sid)
{
	struct vtd_host *h = container_of(q, struct vtd_host, q);
	struct vtd_host_call c = { };
	u16 other;

	int rc;

	if (vtd_host_sid(h, &other) != -ENODEV)
		return -EBUSY;
	rc = vtd_host_call(sid, &c) ?: c.rc;
	/* No paging domain now (identity, blocked): submits fail till then. */
	return rc == -ENOENT ? 0 : rc;
}

static void vtd_host_release(struct iommu_inv_vtd_queue *q)
{
	struct vtd_host *h = container_of(q, struct vtd_host, q);

	WARN_ON(!xa_empty(&h->q.owners));
	xa_destroy(&h->q.owners);
	kfree(h);
}

static const struct iommu_inv_vtd_queue_ops vtd_host_ops = {
	.submit = vtd_host_submit,
	.release = vtd_host_release,
	.check_sid = vtd_host_check_sid,
};

/**
 * iommu_inv_vtd_host_create() - a HOST queue for a new HWPT
 *
 * Return: the queue, or ERR_PTR(-ENOMEM).
 */
struct iommu_inv_vtd_queue *iommu_inv_vtd_host_create(void)
{
	struct vtd_host *h;

	h = kzalloc(sizeof(*h), GFP_KERNEL_ACCOUNT);
	if (!h)
		return ERR_PTR(-ENOMEM);
	h->q.ops = &vtd_host_ops;
	xa_init(&h->q.owners);
	h->q.did_from_dev = true;
	h->q.blocks = true;
	/*
	 * The unit's CAP.MAMV is the driver's: ranges are flushed a page or
	 * a whole PASID at a time.
	 */
	h->q.mamv = 0;
	h->q.devtlb = false;
	/* The test ioctl may corrupt this queue's traffic only with mock=1. */
	h->q.test_hooks = iommu_inv_mock_enabled;
	return &h->q;
}
