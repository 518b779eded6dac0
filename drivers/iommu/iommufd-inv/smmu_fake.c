// SPDX-License-Identifier: GPL-2.0
/*
 * A fake SMMUv3 (tests only: module options mock=1 fake_units=1). It is a
 * software model of the registers smmu_unit.c drives (IDR0/1/3, CR0 and
 * CR0ACK, CR1, GERROR and GERRORN, CMDQ_BASE, CMDQ_PROD, CMDQ_CONS), so
 * that the real queue code, shared by every HWPT on the unit as on an
 * SMMU, runs against it. It consumes the command queue from the memory
 * CMDQ_BASE names, checks each command with the model's decoder
 * (smmu_model.c), and stops the queue as an SMMU does (IHI 0070, 7.1):
 * CERROR_ILL on the command it refuses, CERROR_ATC_INV_SYNC on the
 * CMD_SYNC after an ATC_INV that did not complete.
 *
 * The test ioctl's UNIT_FAULT makes it misbehave: a device that never
 * completes ATC invalidations, a second error met while the queue
 * recovers, a queue that never acknowledges being turned off, a unit that
 * stops answering.
 */
#include <linux/bitfield.h>
#include <linux/delay.h>
#include <linux/io.h>
#include <linux/ktime.h>
#include <linux/slab.h>
#include <linux/spinlock.h>

#include "iommufd_inv.h"
#include "iommufd_inv_test.h"
#include "smmu.h"

/*
 * The fake's ATS Invalidate Completion time-out: how long its CMD_SYNC
 * waits on a hung device before reporting CERROR_ATC_INV_SYNC. Far below
 * a real one (60 to 90 s), but above the 1 s the queue gives a run
 * without ATC_INV: a queue that waited only that long for a run with one
 * would take the SMMU for dead, and the tests would see it.
 */
#define FAKE_ATS_TIMEOUT_MS	1500
#define FAKE_NO_SID		U32_MAX
/* How long a late queue holds the read that lets it move. */
#define FAKE_LATE_MS		1200

/**
 * struct smmu_fake - a fake SMMUv3
 * @lock: register accesses (under the unit's lock) against UNIT_FAULT
 * @q: the unit's queue: the VMIDs and stream IDs the decoder accepts
 * @cr0: CR0 as written
 * @cr0ack: CR0ACK: what the fake does
 * @cr1: CR1
 * @gerror: GERROR; CMDQ_ERR toggles on a queue error
 * @gerrorn: GERRORN as written
 * @prod: CMDQ_PROD
 * @cons: CMDQ_CONS, without its ERR field
 * @err: CMDQ_CONS.ERR
 * @ring: the queue memory CMDQ_BASE names
 * @log2: its size, log2 of the number of commands
 * @hung_sid: the device that completes no ATC invalidation, or
 *	FAKE_NO_SID
 * @atc_hung: an ATC_INV to @hung_sid since the last CMD_SYNC
 * @sync_waiting: the CMD_SYNC at @cons is waiting on it until @sync_end
 * @sync_end: see @sync_waiting
 * @recovery_fault: the next resume from a queue error meets another
 * @no_disable: CMDQEN = 0 is never acknowledged
 * @dead: every write is ignored and the queue never moves
 * @late: the next commands wait until a GERROR read, which they hold up
 *	past the poller's deadline (UNIT_FAULT_LATE)
 * @dead_after_enable: the fake dies once it has acknowledged CMDQEN (a
 *	DEAD armed before the SMMU was taken)
 */
struct smmu_fake {
	spinlock_t lock; /* see @lock above */
	struct iommu_inv_smmu_queue *q;
	u32 cr0;
	u32 cr0ack;
	u32 cr1;
	u32 gerror;
	u32 gerrorn;
	u32 prod;
	u32 cons;
	u32 err;
	__le64 (*ring)[2];
	u32 log2;
	u32 hung_sid;
	bool atc_hung;
	bool sync_waiting;
	ktime_t sync_end;
	bool recovery_fault;
	bool no_disable;
	bool dead;
	bool late;
	bool dead_after_enable;
};

static u32 fake_ptr_mask(struct smmu_fake *f)
{
	return (2U << f->log2) - 1;
}

static bool fake_error_pending(struct smmu_fake *f)
{
	return (f->gerror ^ f->gerrorn) & SMMU_GERROR_CMDQ_ERR;
}

/* Stop on the command at CONS, as CMDQ_CONS.ERR and GERROR say. */
static void fake_error(struct smmu_fake *f, u32 cerror)
{
	f->err = cerror;
	f->gerror ^= SMMU_GERROR_CMDQ_ERR;
}

/* Consume commands from CONS towards PROD, as far as the fake can. */
static void fake_run(struct smmu_fake *f)
{
	struct iommu_inv_smmu_cmd c;
	u32 idx;
	u8 op;

	while ((f->cr0ack & SMMU_CR0_CMDQEN) && !f->dead && !f->late &&
	       f->ring &&
	       !fake_error_pending(f) && f->cons != f->prod) {
		idx = f->cons & (BIT(f->log2) - 1);
		c.dw[0] = le64_to_cpu(f->ring[idx][0]);
		c.dw[1] = le64_to_cpu(f->ring[idx][1]);
		if (!iommu_inv_smmu_cmd_legal(f->q, &c)) {
			fake_error(f, SMMU_CERROR_ILL);
			return;
		}
		op = c.dw[0] & 0xff;
		if (op == SMMU_OP_ATC_INV && f->hung_sid != FAKE_NO_SID &&
		    upper_32_bits(c.dw[0]) == f->hung_sid)
			f->atc_hung = true;
		if (op == SMMU_OP_CMD_SYNC && f->atc_hung) {
			/* The device's completion never comes: time out. */
			if (!f->sync_waiting) {
				f->sync_waiting = true;
				f->sync_end = ktime_add_ms(ktime_get(),
							   FAKE_ATS_TIMEOUT_MS);
			}
			if (ktime_before(ktime_get(), f->sync_end))
				return;
			f->sync_waiting = false;
			f->atc_hung = false;
			fake_error(f, SMMU_CERROR_ATC_INV_SYNC);
			return;
		}
		f->cons = (f->cons + 1) & fake_ptr_mask(f);
	}
}

/**
 * iommu_inv_smmu_fake_read() - read a register of the fake SMMU
 * @f: the fake
 * @reg: SMMU_REG_*
 *
 * Return: the register's value; 0 for one the fake does not have.
 */
u32 iommu_inv_smmu_fake_read(struct smmu_fake *f, u32 reg)
{
	u32 val = 0;

	spin_lock(&f->lock);
	/*
	 * A late queue moves during the GERROR read that follows a CONS
	 * read which found it working, so the poller sees it done only
	 * after its deadline.
	 */
	if (reg == SMMU_REG_GERROR && f->late && f->cons != f->prod) {
		f->late = false;
		spin_unlock(&f->lock);
		msleep(FAKE_LATE_MS);
		spin_lock(&f->lock);
	}
	/* Time passes for a CMD_SYNC waiting on a device. */
	fake_run(f);
	switch (reg) {
	case SMMU_REG_IDR0:
		val = SMMU_IDR0_COHACC | SMMU_IDR0_ATS | SMMU_IDR0_VMID16;
		break;
	case SMMU_REG_IDR1:
		val = FIELD_PREP(SMMU_IDR1_CMDQS, 8) |
		      FIELD_PREP(SMMU_IDR1_SSIDSIZE, 8) |
		      FIELD_PREP(SMMU_IDR1_SIDSIZE, 16);
		break;
	case SMMU_REG_IDR3:
		val = SMMU_IDR3_RIL;
		break;
	case SMMU_REG_CR0:
		val = f->cr0;
		break;
	case SMMU_REG_CR0ACK:
		val = f->cr0ack;
		break;
	case SMMU_REG_CR1:
		val = f->cr1;
		break;
	case SMMU_REG_GERROR:
		val = f->gerror;
		break;
	case SMMU_REG_GERRORN:
		val = f->gerrorn;
		break;
	case SMMU_REG_CMDQ_PROD:
		val = f->prod;
		break;
	case SMMU_REG_CMDQ_CONS:
		val = f->cons | FIELD_PREP(SMMU_CONS_ERR, f->err);
		break;
	}
	spin_unlock(&f->lock);
	return val;
}

/**
 * iommu_inv_smmu_fake_write() - write a register of the fake SMMU
 * @f: the fake
 * @reg: SMMU_REG_*
 * @val: the value (64 bits for CMDQ_BASE)
 */
void iommu_inv_smmu_fake_write(struct smmu_fake *f, u32 reg, u64 val)
{
	bool was_pending;

	spin_lock(&f->lock);
	if (f->dead)
		goto out;
	switch (reg) {
	case SMMU_REG_CR0:
		f->cr0 = val;
		if (f->no_disable && !(val & SMMU_CR0_CMDQEN))
			f->cr0ack = val | (f->cr0ack & SMMU_CR0_CMDQEN);
		else
			f->cr0ack = val;
		if (f->dead_after_enable && (f->cr0ack & SMMU_CR0_CMDQEN))
			f->dead = true;
		break;
	case SMMU_REG_CR1:
		f->cr1 = val;
		break;
	case SMMU_REG_GERRORN:
		was_pending = fake_error_pending(f);
		f->gerrorn = val;
		/* The queue resumes on the command at CONS... */
		if (was_pending && !fake_error_pending(f) &&
		    f->recovery_fault) {
			/* ...and stops again: it cannot fetch it. */
			f->recovery_fault = false;
			fake_error(f, SMMU_CERROR_ABT);
		}
		break;
	case SMMU_REG_CMDQ_BASE:
		/* Read-only while the queue is on. */
		if (f->cr0ack & SMMU_CR0_CMDQEN)
			break;
		f->log2 = min_t(u32, FIELD_GET(SMMU_CMDQ_BASE_LOG2, val), 8);
		f->ring = phys_to_virt(val & SMMU_CMDQ_BASE_ADDR);
		break;
	case SMMU_REG_CMDQ_PROD:
		f->prod = val & fake_ptr_mask(f);
		break;
	case SMMU_REG_CMDQ_CONS:
		if (!(f->cr0ack & SMMU_CR0_CMDQEN))
			f->cons = val & fake_ptr_mask(f);
		break;
	}
	fake_run(f);
out:
	spin_unlock(&f->lock);
}

/**
 * iommu_inv_smmu_fake_set_fault() - UNIT_FAULT on the fake SMMU
 * @f: the fake
 * @fault: IOMMU_INV_UNIT_FAULT_*
 * @sid: for HUNG_DEVICE, the stream ID; 0xffffffff heals
 *
 * Return: 0, or -EINVAL for an unknown @fault.
 */
int iommu_inv_smmu_fake_set_fault(struct smmu_fake *f, u32 fault, u32 sid)
{
	int rc = 0;

	spin_lock(&f->lock);
	switch (fault) {
	case IOMMU_INV_UNIT_FAULT_HUNG_DEVICE:
		f->hung_sid = sid;
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
	spin_unlock(&f->lock);
	return rc;
}

/**
 * iommu_inv_smmu_fake_die_after_enable() - DEAD, once the queue is on
 * @f: the fake, not yet enabled
 *
 * For a DEAD armed before the SMMU was taken: the fake answers the
 * enable, then stops, so the queue code's first use fails with its queue
 * on.
 */
void iommu_inv_smmu_fake_die_after_enable(struct smmu_fake *f)
{
	spin_lock(&f->lock);
	f->dead_after_enable = true;
	spin_unlock(&f->lock);
}

/**
 * iommu_inv_smmu_fake_create() - a fake SMMU, reset
 * @q: the unit's queue, whose VMIDs and stream IDs the fake accepts
 *
 * Return: the fake, or ERR_PTR(-ENOMEM).
 */
struct smmu_fake *iommu_inv_smmu_fake_create(struct iommu_inv_smmu_queue *q)
{
	struct smmu_fake *f = kzalloc(sizeof(*f), GFP_KERNEL);

	if (!f)
		return ERR_PTR(-ENOMEM);
	spin_lock_init(&f->lock);
	f->q = q;
	f->hung_sid = FAKE_NO_SID;
	return f;
}

/**
 * iommu_inv_smmu_fake_destroy() - the fake SMMU goes, after its unit
 * @f: the fake
 *
 * Called once the unit's own teardown has run. A fake whose queue is
 * still on (it never acknowledged CMDQEN = 0) writes into the queue
 * memory, as a device that outlives its driver may: if the unit freed
 * that memory, KASAN reports it.
 */
void iommu_inv_smmu_fake_destroy(struct smmu_fake *f)
{
	u32 idx = f->cons & (BIT(f->log2) - 1);

	/* Plain stores: checked by KASAN, unlike a call to memset(). */
	if ((f->cr0ack & SMMU_CR0_CMDQEN) && f->ring) {
		f->ring[idx][0] = 0;
		f->ring[idx][1] = 0;
	}
	kfree(f);
}
