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
 *
 * Faults and time-outs:
 *  - IQE names the descriptor at IQH; ITE names a device by its source ID
 *    (IQER), and the run's first device-TLB descriptor to that device is
 *    blamed (the run's first device-TLB descriptor if it names none). A
 *    device that times out too while the queue recovers moves the blame
 *    to its entry if that comes first. Entries before the blamed one are
 *    reported done, which a wait completed after them proves; the ones
 *    after it are reported not done, though the unit may have carried
 *    some out (invalidations can be repeated).
 *  - ICE (a device's late or invalid completion) does not stop the queue:
 *    it is cleared and fails nothing, as Linux's qi_check_fault() does.
 *  - A run with device-TLB descriptors may take as long as a device may
 *    take to complete an ATS invalidation: the PCIe ATS completion
 *    time-out is 1 minute, -0% +50%, after which the unit reports ITE. Such
 *    a run is waited for VTD_DEVTLB_TIMEOUT_US; other runs VTD_TIMEOUT_US.
 *    A wait's deadline moves on whenever the queue head does. Meanwhile
 *    every other submit on the unit waits for the lock (killable): the
 *    queue executes in order, so each hung device holds the unit for at
 *    most that long, then its entry fails and the queue goes on.
 *  - After a fault the rest of the run is replaced by waits, the fault is
 *    cleared and a new status wait is queued: recovery ends only when a
 *    wait completes, so no invalidation of the run is still outstanding
 *    when the next submit starts. A further fault while it waits (another
 *    device timing out) is cleared the same way, up to VTD_RECOVER_TRIES.
 *  - Only a unit that stops answering (no progress and no fault within
 *    the time-out) is broken: its queue is turned off and every submit
 *    fails with -EIO until the module is reloaded.
 *  - Queue memory is freed only once the unit says its queue is off
 *    (GSTS.QIES clear); a unit that never does keeps it, as the hardware
 *    might still write it.
 *
 * With the test option fake_units, the same code drives a software model
 * of a unit's registers (vtd_fake.c) instead of MMIO.
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
#include "trace.h"
#include "vtd.h"

#define VTD_CAP_ND		GENMASK_ULL(2, 0)
#define VTD_CAP_MAMV		GENMASK_ULL(53, 48)

#define VTD_IQ_LEN		(PAGE_SIZE / sizeof(struct iommu_inv_vtd_desc))

/* How long the unit may take to answer a register write or a run. */
#define VTD_TIMEOUT_US		(1 * USEC_PER_SEC)
/* A run with device-TLB descriptors: the ATS completion time-out, +50%. */
#define VTD_DEVTLB_TIMEOUT_US	(90 * USEC_PER_SEC + VTD_TIMEOUT_US)
/* Faults met while recovering from one, before the unit is given up. */
#define VTD_RECOVER_TRIES	8
/* Busy-wait polls before a poll sleeps between reads. */
#define VTD_POLL_SPIN		1000
/* GSTS bits of GCMD's persistent commands: TES, EAFS, QIES, IRES, CFIS. */
#define VTD_GSTS_PERSIST	(BIT(31) | BIT(28) | BIT(26) | BIT(25) | BIT(23))

/**
 * struct vtd_unit - the unit this module owns
 * @q: what the encoder knows of it
 * @lock: one submit at a time: the hardware has one queue. Per unit, not
 *	global; the only lock besides the HWPT's on its invalidation path
 * @regs: its registers
 * @fake: (tests) the software model standing in for @regs
 * @pages: @ring and @status, two pages
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
#ifdef CONFIG_IOMMUFD_INV_TEST
	struct vtd_fake *fake;
#endif
	struct page *pages;
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

#ifdef CONFIG_IOMMUFD_INV_TEST
static bool vtd_is_fake(struct vtd_unit *u)
{
	return u->fake;
}

static u64 vtd_read(struct vtd_unit *u, unsigned int reg)
{
	if (u->fake)
		return iommu_inv_vtd_fake_read(u->fake, reg);
	return reg == VTD_REG_GSTS || reg == VTD_REG_FSTS ?
	       readl(u->regs + reg) : readq(u->regs + reg);
}

static void vtd_write(struct vtd_unit *u, unsigned int reg, u64 val)
{
	if (u->fake)
		iommu_inv_vtd_fake_write(u->fake, reg, val);
	else if (reg == VTD_REG_GCMD || reg == VTD_REG_FSTS)
		writel(val, u->regs + reg);
	else
		writeq(val, u->regs + reg);
}
#else
static bool vtd_is_fake(struct vtd_unit *u)
{
	return false;
}

static u64 vtd_read(struct vtd_unit *u, unsigned int reg)
{
	return reg == VTD_REG_GSTS || reg == VTD_REG_FSTS ?
	       readl(u->regs + reg) : readq(u->regs + reg);
}

static void vtd_write(struct vtd_unit *u, unsigned int reg, u64 val)
{
	if (reg == VTD_REG_GCMD || reg == VTD_REG_FSTS)
		writel(val, u->regs + reg);
	else
		writeq(val, u->regs + reg);
}
#endif

static void vtd_wait_desc(struct iommu_inv_vtd_desc *d, u32 *status, u32 data)
{
	memset(d, 0, sizeof(*d));
	d->qw[0] = VTD_DESC_WAIT | VTD_WAIT_SW | VTD_WAIT_FN |
		   FIELD_PREP(VTD_WAIT_DATA, data);
	d->qw[1] = virt_to_phys(status);
}

static unsigned int vtd_head(struct vtd_unit *u)
{
	return (vtd_read(u, VTD_REG_IQH) >> VTD_IQ_SHIFT) % VTD_IQ_LEN;
}

/*
 * Wait up to @timeout_us for @done() or, with @faults, a fault that stops
 * the queue; with @faults the deadline moves on whenever the queue head
 * does, and an ICE is cleared on the way. Returns 0, the FSTS fault bits,
 * or -ETIMEDOUT. As read_poll_timeout() does, the condition is checked
 * once more after the deadline has passed, so a run that completed while
 * this thread was held up is never a time-out.
 */
static int vtd_poll(struct vtd_unit *u, bool (*done)(struct vtd_unit *u),
		    bool faults, u64 timeout_us)
{
	ktime_t now = ktime_get(), end = ktime_add_us(now, timeout_us);
	unsigned int head = faults ? vtd_head(u) : 0, spins = 0;
	bool late;
	u32 fsts;

	for (;;) {
		now = ktime_get();
		late = ktime_after(now, end);
		if (done(u))
			return 0;
		if (faults) {
			fsts = vtd_read(u, VTD_REG_FSTS);
			if (fsts & VTD_FSTS_ICE)
				vtd_write(u, VTD_REG_FSTS, VTD_FSTS_ICE);
			if (fsts & VTD_FSTS_STOP)
				return fsts & VTD_FSTS_STOP;
			if (vtd_head(u) != head) {
				head = vtd_head(u);
				end = ktime_add_us(now, timeout_us);
				late = false;
			}
		}
		if (late)
			return -ETIMEDOUT;
		if (spins < VTD_POLL_SPIN) {
			spins++;
			cond_resched();
			udelay(1);
		} else {
			usleep_range(20, 50);
		}
	}
}

static bool vtd_status_done(struct vtd_unit *u)
{
	return READ_ONCE(*u->status) == u->seq;
}

static bool vtd_qie_set(struct vtd_unit *u)
{
	return vtd_read(u, VTD_REG_GSTS) & VTD_GSTS_QIES;
}

static bool vtd_qie_clear(struct vtd_unit *u)
{
	return !vtd_qie_set(u);
}

/*
 * Set or clear one persistent command: GCMD takes the persistent ones as
 * GSTS reports them, one changed, and no one-shot command (11.4.4).
 */
static void vtd_gcmd(struct vtd_unit *u, u32 cmd, bool on)
{
	u32 val = vtd_read(u, VTD_REG_GSTS) & VTD_GSTS_PERSIST;

	vtd_write(u, VTD_REG_GCMD, on ? val | cmd : val & ~cmd);
}

/* Turn the queue off; true once the unit says it is off. */
static bool vtd_unit_disable(struct vtd_unit *u)
{
	vtd_gcmd(u, VTD_GCMD_QIE, false);
	return !vtd_poll(u, vtd_qie_clear, false, VTD_TIMEOUT_US);
}

/* The unit stopped answering: fail every submit from now on. */
static void vtd_unit_break(struct vtd_unit *u)
{
	u->broken = true;
	if (!vtd_unit_disable(u))
		pr_err("iommufd-inv: VT-d unit does not answer; its queue stays on\n");
	else
		pr_err("iommufd-inv: VT-d unit does not answer; queue off until reload\n");
}

/* Does the run hold a device-TLB descriptor? */
static bool vtd_run_has_devtlb(const struct iommu_inv_vtd_desc *descs,
			       unsigned int n)
{
	unsigned int i;
	u16 sid;

	for (i = 0; i < n; i++)
		if (vtd_desc_devtlb(&descs[i], &sid))
			return true;
	return false;
}

/*
 * The descriptor a device-TLB time-out names: the first to that SID, else
 * the run's first device-TLB descriptor, else the first of the run.
 */
static unsigned int vtd_devtlb_fault(const struct iommu_inv_vtd_desc *descs,
				     unsigned int n, u16 sid)
{
	unsigned int i, first = n;
	u16 dsid;

	for (i = 0; i < n; i++) {
		if (!vtd_desc_devtlb(&descs[i], &dsid))
			continue;
		if (first == n)
			first = i;
		if (dsid == sid)
			return i;
	}
	return first == n ? 0 : first;
}

/* Queue a wait with new status data at the tail (it has room). */
static void vtd_queue_wait(struct vtd_unit *u)
{
	if (!++u->seq)
		u->seq = 1;
	WRITE_ONCE(*u->status, 0);
	vtd_wait_desc(&u->ring[u->tail], u->status, u->seq);
	u->tail = (u->tail + 1) % VTD_IQ_LEN;
}

/*
 * A fault stopped the queue. Replace what is left of this submit with
 * waits that write the scratch word, queue a status wait, clear the fault
 * and wait for that wait: once it completes, every descriptor before it
 * has, so the next submit starts on an empty, quiet queue. A time-out of
 * another device met on the way (a device-TLB invalidation of the run
 * still outstanding) is cleared the same way, and moves *@at back to its
 * entry if that comes first. The ring holds the run (65), and one wait
 * per try.
 */
static int vtd_recover(struct vtd_unit *u, u32 fsts, u64 timeout_us,
		       const struct iommu_inv_vtd_desc *descs, unsigned int n,
		       unsigned int *at)
{
	unsigned int i, tries;
	int rc = -ETIMEDOUT;
	u16 sid;

	BUILD_BUG_ON(VTD_QUEUE_BATCH + VTD_RECOVER_TRIES > VTD_IQ_LEN);
	for (tries = 0; tries < VTD_RECOVER_TRIES; tries++) {
		for (i = vtd_head(u); i != u->tail; i = (i + 1) % VTD_IQ_LEN)
			vtd_wait_desc(&u->ring[i], u->scratch, 0);
		vtd_queue_wait(u);
		wmb(); /* descriptors before the queue moves again */
		vtd_write(u, VTD_REG_FSTS, fsts);
		/* Hardware resumes when the fault clears; QEMU on a tail write. */
		vtd_write(u, VTD_REG_IQT, (u64)u->tail << VTD_IQ_SHIFT);
		rc = vtd_poll(u, vtd_status_done, true, timeout_us);
		if (rc <= 0)
			break;
		fsts = rc;
		trace_iommu_inv_unit_fault(IOMMU_INV_HWPT_VTD_S1, fsts,
					   vtd_head(u));
		if (fsts & VTD_FSTS_ITE) {
			sid = FIELD_GET(VTD_IQER_ITESID,
					vtd_read(u, VTD_REG_IQER));
			*at = min(*at, vtd_devtlb_fault(descs, n, sid));
		}
	}
	trace_iommu_inv_unit_recover(IOMMU_INV_HWPT_VTD_S1, !rc);
	if (!rc)
		return 0;
	vtd_unit_break(u);
	return -EIO;
}

static int vtd_unit_submit(struct iommu_inv_vtd_queue *q,
			   struct iommu_inv_vtd_desc *descs, unsigned int n,
			   bool nonblock, unsigned int *done, u32 *hw_error)
{
	struct vtd_unit *u = container_of(q, struct vtd_unit, q);
	unsigned int start, i, at;
	u64 timeout_us;
	u32 fsts;
	int rc, err;

	*done = 0;
	*hw_error = 0;
	/*
	 * A non-blocking submit never waits for a device: one that may
	 * (device-TLB descriptors) goes to io_uring's worker.
	 */
	if (nonblock && vtd_run_has_devtlb(descs, n))
		return -EAGAIN;
	if (!nonblock) {
		if (mutex_lock_killable(&u->lock))
			return -EINTR;
	} else if (!mutex_trylock(&u->lock)) {
		return -EAGAIN;
	}
	if (u->broken) {
		rc = -EIO;
		goto out_unlock;
	}
	timeout_us = vtd_run_has_devtlb(descs, n) ? VTD_DEVTLB_TIMEOUT_US :
						   VTD_TIMEOUT_US;
	/* A completion that came late for an earlier run is no fault. */
	if (vtd_read(u, VTD_REG_FSTS) & VTD_FSTS_ICE)
		vtd_write(u, VTD_REG_FSTS, VTD_FSTS_ICE);

	start = u->tail;
	for (i = 0; i < n; i++)
		u->ring[(start + i) % VTD_IQ_LEN] = descs[i];
	u->tail = (start + n) % VTD_IQ_LEN;
	vtd_queue_wait(u);
	descs[n] = u->ring[(start + n) % VTD_IQ_LEN];
	wmb(); /* descriptors before the tail */
	vtd_write(u, VTD_REG_IQT, (u64)u->tail << VTD_IQ_SHIFT);

	rc = vtd_poll(u, vtd_status_done, true, timeout_us);
	if (!rc) {
		*done = n;
		goto out_unlock;
	}
	if (rc < 0) {
		vtd_unit_break(u);
		goto out_unlock;
	}

	/* A fault: find the descriptor it names. */
	fsts = rc;
	trace_iommu_inv_unit_fault(IOMMU_INV_HWPT_VTD_S1, fsts, vtd_head(u));
	if (fsts & VTD_FSTS_IQE) {
		at = (vtd_head(u) - start) % VTD_IQ_LEN;
		*hw_error = IOMMU_INV_HWERR_VTD_IQE;
		err = -EIO;
	} else {
		at = vtd_devtlb_fault(descs, n,
				      FIELD_GET(VTD_IQER_ITESID,
						vtd_read(u, VTD_REG_IQER)));
		*hw_error = IOMMU_INV_HWERR_VTD_ITE;
		err = -ETIMEDOUT;
	}
	rc = vtd_recover(u, fsts, timeout_us, descs, n, &at);
	/* The wait itself faulted: blame the last entry. */
	*done = min(at, n - 1);
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

/* Map the unit's registers, or (tests) take the fake unit. */
static int vtd_unit_map(struct vtd_unit *u, u64 *base)
{
	int rc;

#ifdef CONFIG_IOMMUFD_INV_TEST
	if (iommu_inv_fake_units) {
		u->fake = iommu_inv_vtd_fake_get();
		*base = 0;
		return PTR_ERR_OR_ZERO(u->fake);
	}
#endif
	rc = vtd_find_drhd(base);
	if (rc)
		return rc;
	u->regs = ioremap(*base, VTD_REG_SIZE);
	return u->regs ? 0 : -ENOMEM;
}

static void vtd_unit_unmap(struct vtd_unit *u)
{
	if (u->regs)
		iounmap(u->regs);
}

static int vtd_unit_check(struct vtd_unit *u)
{
	u64 cap = vtd_read(u, VTD_REG_CAP);
	u64 ecap = vtd_read(u, VTD_REG_ECAP);
	u32 gsts = vtd_read(u, VTD_REG_GSTS);

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
	u->q.test_hooks = vtd_is_fake(u);
	return 0;
}

static int vtd_unit_enable(struct vtd_unit *u)
{
	vtd_write(u, VTD_REG_FSTS, VTD_FSTS_QUEUE);
	vtd_write(u, VTD_REG_IQA, virt_to_phys(u->ring) | VTD_IQA_DW);
	vtd_write(u, VTD_REG_IQT, 0);
	u->tail = 0;
	vtd_gcmd(u, VTD_GCMD_QIE, true);
	return vtd_poll(u, vtd_qie_set, false, VTD_TIMEOUT_US) ? -ETIMEDOUT : 0;
}

/* Free the queue memory, unless the unit may still write it. */
static void vtd_unit_free_queue(struct vtd_unit *u, bool stopped)
{
	if (!stopped) {
		/* Not a leak kmemleak could see: page allocations. */
		pr_err("iommufd-inv: VT-d queue did not stop; keeping its memory\n");
		return;
	}
	__free_pages(u->pages, 1);
}

static void *vtd_unit_probe(void)
{
	struct iommu_inv_vtd_desc first;
	unsigned int done;
	struct vtd_unit *u;
	u32 hw_error;
	u64 base;
	int rc;

	u = kzalloc(sizeof(*u), GFP_KERNEL);
	if (!u)
		return ERR_PTR(-ENOMEM);
	mutex_init(&u->lock);
	xa_init(&u->q.owners);
	u->q.ops = &vtd_unit_ops;

	rc = vtd_unit_map(u, &base);
	if (rc)
		goto out_free;
	rc = vtd_unit_check(u);
	if (rc)
		goto out_unmap;

	/* The ring, then a page for the status words. */
	u->pages = alloc_pages(GFP_KERNEL | __GFP_ZERO, 1);
	if (!u->pages) {
		rc = -ENOMEM;
		goto out_unmap;
	}
	u->ring = page_address(u->pages);
	u->status = page_address(u->pages + 1);
	u->scratch = u->status + 1;

	/* From here the unit may write the pages: quiesce before freeing. */
	rc = vtd_unit_enable(u);
	if (rc)
		goto out_disable;
	/*
	 * A first wait: proves the queue works, and leaves a wait as the
	 * last descriptor, which is what lets the queue be disabled again.
	 */
	rc = vtd_unit_submit(&u->q, &first, 0, false, &done, &hw_error);
	if (rc)
		goto out_disable;
	pr_info("iommufd-inv: VT-d unit at %#llx%s: queued invalidation on\n",
		base, vtd_is_fake(u) ? " (fake)" : "");
	return u;

out_disable:
	vtd_unit_free_queue(u, vtd_unit_disable(u));
out_unmap:
	vtd_unit_unmap(u);
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
 *
 * The queue is turned off first; its memory is kept if the unit never
 * says it is off.
 */
void iommu_inv_vtd_unit_exit(void)
{
	struct vtd_unit *u = vtd_slot.unit;

	if (u) {
		vtd_unit_free_queue(u, vtd_unit_disable(u));
		vtd_unit_unmap(u);
		WARN_ON(!xa_empty(&u->q.owners));
		xa_destroy(&u->q.owners);
		mutex_destroy(&u->lock);
		kfree(u);
		vtd_slot.unit = NULL;
	}
#ifdef CONFIG_IOMMUFD_INV_TEST
	iommu_inv_vtd_fake_exit();
#endif
}
