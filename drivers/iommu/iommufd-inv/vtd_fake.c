// SPDX-License-Identifier: GPL-2.0
/*
 * A fake VT-d unit (tests only, module option fake_units): a software
 * model of the registers and the invalidation queue that vtd_unit.c
 * drives, so that the real queue code, shared by every HWPT like a real
 * unit, meets the faults QEMU's unit never shows. Descriptors are checked
 * by the independent model of vtd_model.c (a refused one stops the queue
 * with IQE); wait descriptors write their status word; and the test ioctl
 * (UNIT_FAULT) makes it misbehave:
 *  - hung devices (up to FAKE_HUNG): their device-TLB invalidations never
 *    complete; a wait after one is held until the fake's ATS completion
 *    time-out, then aborted with ITE and the device's SID in IQER; each
 *    outstanding invalidation times out on its own, later ones later;
 *  - an Invalidation Completion Error (a device's late completion) latched
 *    when the next run reaches its wait, which then completes only after
 *    one more read of FSTS: ICE does not stop the queue;
 *  - a fault during the next recovery: when software clears a fault, a
 *    second ITE is latched at once, for the device the first one named;
 *  - a queue that never reports being turned off (GSTS.QIES stays set);
 *  - a dead unit: its queue no longer moves;
 *  - a late run: completed only while the submitter is held up, past its
 *    deadline, in a register read.
 * When the module goes and the fake's queue is still on, the fake writes
 * the queue and status memory once more, as a unit that was never turned
 * off may: with KASAN, memory freed too early is caught there.
 *
 * Registers are read and written under the fake's own mutex; the queue
 * moves on writes of IQT, FSTS and GCMD, and time (the ATS time-out) on
 * reads of FSTS and IQH, which the queue code polls.
 */
#include <linux/bitfield.h>
#include <linux/delay.h>
#include <linux/io.h>
#include <linux/kasan-checks.h>
#include <linux/ktime.h>
#include <linux/mm.h>
#include <linux/slab.h>

#include "iommufd_inv.h"
#include "iommufd_inv_test.h"
#include "vtd.h"

#define FAKE_IQ_LEN		(PAGE_SIZE / sizeof(struct iommu_inv_vtd_desc))
/* The fake's ATS completion time-out: past the queue code's usual wait. */
#define FAKE_ATS_TIMEOUT_MS	1500
/* How long a late run holds its submitter. */
#define FAKE_LATE_MS		1200
#define FAKE_NO_SID		U32_MAX
/* Devices that may hang at once, and invalidations outstanding at once. */
#define FAKE_HUNG		4
#define FAKE_PENDING		8
/* How much later each further outstanding invalidation times out. */
#define FAKE_ATS_STAGGER_MS	300

/* CAP: 2^16 domain IDs (ND 6), address masks up to 18 (MAMV). */
#define FAKE_CAP		(FIELD_PREP(GENMASK_ULL(2, 0), 6) |	\
				 FIELD_PREP(GENMASK_ULL(53, 48), 18))
#define FAKE_ECAP		(VTD_ECAP_QI | VTD_ECAP_DT | VTD_ECAP_SMTS)

/**
 * struct vtd_fake - the fake unit
 * @lock: guards everything below
 * @gsts: GSTS
 * @fsts: FSTS
 * @iqa: IQA
 * @iqer: IQER
 * @iqh: queue head, an index
 * @iqt: queue tail, an index
 * @status_pa: where the last wait wrote its status
 * @hung: the devices that do not answer (FAKE_NO_SID: none)
 * @npending: device-TLB invalidations outstanding, oldest first
 * @pending: their devices and when the fake gives up on each (ITE)
 * @recovery_fault: the next cleared fault is followed by another
 * @no_disable: QIES stays set when QIE is cleared
 * @dead: no descriptor is fetched any more
 * @late: the next run waits for a register read, and holds it up
 * @ice_next: latch ICE at the next wait, and hold that wait
 * @ice_hold: a wait is held until the next read of FSTS
 */
struct vtd_fake {
	struct mutex lock; /* see @lock above */
	u32 gsts;
	u32 fsts;
	u64 iqa;
	u64 iqer;
	unsigned int iqh;
	unsigned int iqt;
	phys_addr_t status_pa;
	u32 hung[FAKE_HUNG];
	unsigned int npending;
	struct {
		u16 sid;
		ktime_t until;
	} pending[FAKE_PENDING];
	bool recovery_fault;
	bool no_disable;
	bool dead;
	bool late;
	bool ice_next;
	bool ice_hold;
};

static struct vtd_fake *vtd_fake;
static DEFINE_MUTEX(vtd_fake_lock);

static struct iommu_inv_vtd_desc *fake_ring(struct vtd_fake *f)
{
	return phys_to_virt(f->iqa & PAGE_MASK);
}

static void fake_fault(struct vtd_fake *f, u32 bit, u32 sid)
{
	f->fsts |= bit;
	if (bit == VTD_FSTS_ITE)
		f->iqer = FIELD_PREP(VTD_IQER_ITESID, sid);
}

static bool fake_hung(struct vtd_fake *f, u32 sid)
{
	unsigned int i;

	for (i = 0; i < FAKE_HUNG; i++)
		if (f->hung[i] == sid)
			return true;
	return false;
}

/* A device-TLB invalidation to a hung device: outstanding until its ITE. */
static void fake_pend(struct vtd_fake *f, u16 sid)
{
	unsigned int i;

	for (i = 0; i < f->npending; i++)
		if (f->pending[i].sid == sid)
			return;
	if (f->npending == FAKE_PENDING)
		return;
	f->pending[i].sid = sid;
	f->pending[i].until = ktime_add_ms(ktime_get(), FAKE_ATS_TIMEOUT_MS +
					   i * FAKE_ATS_STAGGER_MS);
	f->npending++;
}

/* Carry out descriptors from IQH to IQT until one cannot complete. */
static void fake_run(struct vtd_fake *f)
{
	struct iommu_inv_vtd_desc *d;
	u32 *status;
	u16 sid;

	if (f->dead || f->late || !(f->gsts & VTD_GSTS_QIES) ||
	    (f->fsts & VTD_FSTS_STOP))
		return;
	while (f->iqh != f->iqt) {
		d = &fake_ring(f)[f->iqh];
		if (!iommu_inv_vtd_model_check(d)) {
			fake_fault(f, VTD_FSTS_IQE, 0);
			return;
		}
		switch (d->qw[0] & 0xf) {
		case VTD_DESC_WAIT:
			/* A fence: held while an invalidation is outstanding. */
			if (f->npending || f->ice_hold)
				return;
			if (f->ice_next) {
				f->ice_next = false;
				f->ice_hold = true;
				f->fsts |= VTD_FSTS_ICE;
				return;
			}
			if (d->qw[0] & VTD_WAIT_SW) {
				f->status_pa = d->qw[1] & ~3ULL;
				status = phys_to_virt(f->status_pa);
				WRITE_ONCE(*status,
					   FIELD_GET(VTD_WAIT_DATA, d->qw[0]));
			}
			break;
		default:
			/* With or without PASID: both wait for the device. */
			if (vtd_desc_devtlb(d, &sid) && fake_hung(f, sid))
				fake_pend(f, sid);
		}
		f->iqh = (f->iqh + 1) % FAKE_IQ_LEN;
	}
}

/*
 * Time passes: the oldest outstanding invalidation to a hung device times
 * out, unless the queue is stopped already (its time-out waits for that).
 */
static void fake_tick(struct vtd_fake *f)
{
	if (f->npending && !(f->fsts & VTD_FSTS_STOP) &&
	    ktime_after(ktime_get(), f->pending[0].until)) {
		fake_fault(f, VTD_FSTS_ITE, f->pending[0].sid);
		f->npending--;
		memmove(&f->pending[0], &f->pending[1],
			f->npending * sizeof(f->pending[0]));
		/* A held wait is aborted, its status never written. */
		if (f->iqh != f->iqt &&
		    (fake_ring(f)[f->iqh].qw[0] & 0xf) == VTD_DESC_WAIT)
			f->iqh = (f->iqh + 1) % FAKE_IQ_LEN;
	}
	if (f->late && f->iqh != f->iqt) {
		f->late = false;
		mutex_unlock(&f->lock);
		msleep(FAKE_LATE_MS);
		mutex_lock(&f->lock);
		fake_run(f);
	}
}

/**
 * iommu_inv_vtd_fake_read() - read a register of the fake unit
 * @f: the fake
 * @reg: VTD_REG_*
 *
 * Return: its value.
 */
u64 iommu_inv_vtd_fake_read(struct vtd_fake *f, unsigned int reg)
{
	u64 val = 0;

	mutex_lock(&f->lock);
	switch (reg) {
	case VTD_REG_VER:
		val = 0x10;
		break;
	case VTD_REG_CAP:
		val = FAKE_CAP;
		break;
	case VTD_REG_ECAP:
		val = FAKE_ECAP;
		break;
	case VTD_REG_GSTS:
		val = f->gsts;
		break;
	case VTD_REG_FSTS:
		fake_tick(f);
		if (f->ice_hold) {
			f->ice_hold = false;
			fake_run(f);
		}
		val = f->fsts;
		break;
	case VTD_REG_IQH:
		fake_tick(f);
		val = (u64)f->iqh << VTD_IQ_SHIFT;
		break;
	case VTD_REG_IQT:
		val = (u64)f->iqt << VTD_IQ_SHIFT;
		break;
	case VTD_REG_IQA:
		val = f->iqa;
		break;
	case VTD_REG_IQER:
		val = f->iqer;
		break;
	}
	mutex_unlock(&f->lock);
	return val;
}

/**
 * iommu_inv_vtd_fake_write() - write a register of the fake unit
 * @f: the fake
 * @reg: VTD_REG_*
 * @val: the value
 */
void iommu_inv_vtd_fake_write(struct vtd_fake *f, unsigned int reg, u64 val)
{
	u16 sid;

	mutex_lock(&f->lock);
	switch (reg) {
	case VTD_REG_GCMD:
		if (val & VTD_GCMD_QIE) {
			if (!(f->gsts & VTD_GSTS_QIES)) {
				f->gsts |= VTD_GSTS_QIES;
				f->iqh = 0;
			}
		} else if (!f->no_disable) {
			f->gsts &= ~VTD_GSTS_QIES;
		}
		break;
	case VTD_REG_FSTS:
		if (f->fsts & val & VTD_FSTS_STOP) {
			sid = FIELD_GET(VTD_IQER_ITESID, f->iqer);
			f->iqer = 0;
			if (f->recovery_fault) {
				/* The same device times out once more. */
				f->recovery_fault = false;
				f->fsts &= ~(val & VTD_FSTS_QUEUE);
				fake_fault(f, VTD_FSTS_ITE, sid);
				break;
			}
		}
		f->fsts &= ~(val & VTD_FSTS_QUEUE);
		break;
	case VTD_REG_IQA:
		f->iqa = val;
		break;
	case VTD_REG_IQT:
		f->iqt = (val >> VTD_IQ_SHIFT) % FAKE_IQ_LEN;
		break;
	}
	fake_run(f);
	mutex_unlock(&f->lock);
}

/**
 * iommu_inv_vtd_fake_get() - the fake unit, made on first use
 *
 * Return: the fake, ERR_PTR(-ENODEV) without fake_units, or
 * ERR_PTR(-ENOMEM).
 */
struct vtd_fake *iommu_inv_vtd_fake_get(void)
{
	struct vtd_fake *f;

	if (!iommu_inv_fake_units || !iommu_inv_mock_enabled)
		return ERR_PTR(-ENODEV);
	mutex_lock(&vtd_fake_lock);
	f = vtd_fake;
	if (!f) {
		f = kzalloc(sizeof(*f), GFP_KERNEL);
		if (f) {
			mutex_init(&f->lock);
			memset(f->hung, 0xff, sizeof(f->hung));
			vtd_fake = f;
		}
	}
	mutex_unlock(&vtd_fake_lock);
	return f ?: ERR_PTR(-ENOMEM);
}

/**
 * iommu_inv_vtd_fake_fault() - make the fake unit misbehave
 * @fault: IOMMU_INV_UNIT_FAULT_*
 * @sid: the device, for IOMMU_INV_UNIT_FAULT_HUNG_DEVICE (U32_MAX: all
 *	answer again)
 *
 * Return: 0, -ENODEV without fake_units, -EINVAL for an unknown fault or
 * a source ID past 16 bits, -ENOSPC past FAKE_HUNG hung devices, or
 * -ENOMEM.
 */
int iommu_inv_vtd_fake_fault(u32 fault, u32 sid)
{
	struct vtd_fake *f = iommu_inv_vtd_fake_get();
	unsigned int i;
	int rc = 0;

	if (IS_ERR(f))
		return PTR_ERR(f);
	mutex_lock(&f->lock);
	switch (fault) {
	case IOMMU_INV_UNIT_FAULT_HUNG_DEVICE:
		if (sid == FAKE_NO_SID)
			memset(f->hung, 0xff, sizeof(f->hung));
		else if (sid > U16_MAX)
			rc = -EINVAL;
		else if (!fake_hung(f, FAKE_NO_SID))
			rc = -ENOSPC;
		else
			for (i = 0; i < FAKE_HUNG; i++)
				if (f->hung[i] == FAKE_NO_SID) {
					f->hung[i] = sid;
					break;
				}
		break;
	case IOMMU_INV_UNIT_FAULT_ICE:
		f->ice_next = true;
		break;
	case IOMMU_INV_UNIT_FAULT_RECOVERY:
		f->recovery_fault = true;
		break;
	case IOMMU_INV_UNIT_FAULT_NO_DISABLE:
		f->no_disable = true;
		break;
	case IOMMU_INV_UNIT_FAULT_DEAD:
		f->dead = true;
		break;
	case IOMMU_INV_UNIT_FAULT_LATE:
		f->late = true;
		break;
	default:
		rc = -EINVAL;
	}
	mutex_unlock(&f->lock);
	return rc;
}

/*
 * A device's write: checked by KASAN explicitly, as this compiler's calls
 * to memset() from a module are not (a freed page is a use-after-free).
 */
static void fake_late_write(void *p, size_t len)
{
	kasan_check_write(p, len);
	memset(p, 0, len);
}

/**
 * iommu_inv_vtd_fake_exit() - remove the fake unit, after the queue code
 *
 * A queue still on may be written by its unit: the fake writes the queue
 * and the last status word once more, which KASAN reports if the queue
 * code freed them.
 */
void iommu_inv_vtd_fake_exit(void)
{
	struct vtd_fake *f = vtd_fake;

	if (!f)
		return;
	if (f->gsts & VTD_GSTS_QIES) {
		pr_info("iommufd-inv: fake VT-d unit: queue still on, writing it once more\n");
		fake_late_write(fake_ring(f), sizeof(struct iommu_inv_vtd_desc));
		if (f->status_pa)
			fake_late_write(phys_to_virt(f->status_pa), sizeof(u32));
	}
	mutex_destroy(&f->lock);
	kfree(f);
	vtd_fake = NULL;
}
