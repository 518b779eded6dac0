// SPDX-License-Identifier: GPL-2.0
/*
 * A real SMMUv3's command queue, owned by this module.
 *
 * Only an SMMU nobody else drives is taken: the first device-tree node
 * compatible with "arm,smmu-v3" whose registers no driver has claimed and
 * whose CR0 is all off (the kernel has no arm-smmu-v3 driver for it). Only
 * the command queue is enabled (CR0.CMDQEN), not translation. Each submit
 * writes its commands and a CMD_SYNC, moves CMDQ_PROD and polls CMDQ_CONS
 * until it passes the CMD_SYNC, or GERROR.CMDQ_ERR reports the command the
 * queue stopped on (SMMUv3 architecture, IHI 0070, 3.5, 6.3.25-6.3.27,
 * 7.1). Queue memory is ordinary cacheable memory, so only an SMMU with
 * coherent access (IDR0.COHACC) is taken.
 *
 * The queue is shared by every HWPT on the SMMU, one submit at a time. A
 * device slow to complete an ATC invalidation costs its own entry an
 * error (CERROR_ATC_INV_SYNC), not the SMMU: a run holding ATC_INV waits
 * as long as ATS lets a device take (SMMU_ATC_TIMEOUT_US), and only a
 * queue that stops answering makes the SMMU unusable until reload. The
 * queue is turned off before its memory is freed, and its memory kept if
 * the SMMU never says it is off.
 *
 * With the test options mock=1 fake_units=1, the registers are a fake
 * SMMU's (smmu_fake.c) and this code runs unchanged against it.
 */
#include <linux/bitfield.h>
#include <linux/io.h>
#include <linux/io-64-nonatomic-lo-hi.h>
#include <linux/ioport.h>
#include <linux/iopoll.h>
#include <linux/kmemleak.h>
#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/of.h>
#include <linux/of_address.h>
#include <linux/slab.h>

#include "iommufd_inv.h"
#include "smmu.h"
#ifdef CONFIG_IOMMUFD_INV_TEST
#include "iommufd_inv_test.h"
#endif
#include "trace.h"

/* Queue accesses: inner shareable, inner and outer write-back. */
#define SMMU_CR1_QUEUE		(FIELD_PREP(GENMASK(1, 0), 1) | \
				 FIELD_PREP(GENMASK(3, 2), 1) | \
				 FIELD_PREP(GENMASK(5, 4), 3))

/* One page of 16-byte commands; PROD and CONS carry a wrap bit above. */
#define SMMU_Q_SHIFT		8
#define SMMU_Q_LEN		BIT(SMMU_Q_SHIFT)
#define SMMU_Q_IDX(p)		((p) & (SMMU_Q_LEN - 1))
#define SMMU_Q_PTR(p)		((p) & (2 * SMMU_Q_LEN - 1))
/* Its bytes: a power of two, so kmalloc() aligns it as CMDQ_BASE needs. */
#define SMMU_Q_BYTES		(SMMU_Q_LEN * sizeof(struct iommu_inv_smmu_cmd))

/*
 * Slots one submit may use: its commands, a CMD_SYNC before every ATC_INV
 * to another device than the run's previous one, and the last CMD_SYNC.
 */
#define SMMU_RUN_SLOTS		(2 * SMMU_QUEUE_BATCH)

/*
 * How long a submit waits for its CMD_SYNC before calling the SMMU broken.
 * A run without ATC_INV needs the SMMU alone: 1 s. A run with ATC_INV
 * waits on the devices: PCIe's ATS gives a device 1 minute (-0% +50%) to
 * complete an invalidation (the Invalidate Completion time-out), after
 * which the SMMU reports CERROR_ATC_INV_SYNC on the CMD_SYNC; so such a
 * run waits those 90 s and 10 s more for the SMMU to say so.
 */
#define SMMU_TIMEOUT_US		(1000 * 1000)
#define SMMU_ATC_TIMEOUT_US	(100ULL * 1000 * 1000)
/* Between two looks at the queue. */
#define SMMU_POLL_US		2
/*
 * Errors one recovery may meet: the one it recovers from and one more on
 * the way (a second fault). A queue that still stops after that is
 * treated as broken.
 */
#define SMMU_RECOVER_TRIES	2

/**
 * struct smmu_unit - the SMMU this module owns
 * @q: what the encoder knows of it
 * @lock: one submit at a time: there is one command queue. Per SMMU, not
 *	global; the only lock besides the HWPT's on its invalidation path
 * @regs: its registers
 * @res: its register region, claimed
 * @ring: the command queue, SMMU_Q_LEN commands, aligned to its size
 * @prod: next free slot, with the wrap bit; the queue is empty between
 *	submits
 * @broken: the SMMU stopped answering; every submit fails until reload
 * @cmdq_off: CR0ACK said the command queue is off (after a quiesce)
 * @slot_cmd: for each slot of the current submit, from its first: the
 *	index of the command there, or for a CMD_SYNC that of the command
 *	before it (0 if none)
 * @slot_atc: for a CMD_SYNC slot, the first ATC_INV it fences (all of
 *	them to one device), or -1
 * @fake: (tests) the fake SMMU whose registers stand in for @regs
 */
struct smmu_unit {
	struct iommu_inv_smmu_queue q;
	struct mutex lock; /* see @lock above */
	void __iomem *regs;
	struct resource res;
	__le64 (*ring)[2];
	u32 prod;
	bool broken;
	bool cmdq_off;
	u8 slot_cmd[SMMU_RUN_SLOTS];
	s8 slot_atc[SMMU_RUN_SLOTS];
#ifdef CONFIG_IOMMUFD_INV_TEST
	struct smmu_fake *fake;
#endif
};

static struct iommu_inv_unit_slot smmu_slot = {
	.lock = __MUTEX_INITIALIZER(smmu_slot.lock),
};

/* Register accesses: the SMMU's, or (tests) the fake's. */
static u32 smmu_readl(struct smmu_unit *u, u32 reg)
{
#ifdef CONFIG_IOMMUFD_INV_TEST
	if (u->fake)
		return iommu_inv_smmu_fake_read(u->fake, reg);
#endif
	return readl(u->regs + reg);
}

/* A write the fake took (tests), or false: the SMMU's to do. */
static bool smmu_fake_write(struct smmu_unit *u, u64 val, u32 reg)
{
#ifdef CONFIG_IOMMUFD_INV_TEST
	if (u->fake) {
		iommu_inv_smmu_fake_write(u->fake, reg, val);
		return true;
	}
#endif
	return false;
}

static void smmu_writel(struct smmu_unit *u, u32 val, u32 reg)
{
	if (!smmu_fake_write(u, val, reg))
		writel(val, u->regs + reg);
}

static void smmu_writeq(struct smmu_unit *u, u64 val, u32 reg)
{
	if (!smmu_fake_write(u, val, reg))
		writeq(val, u->regs + reg);
}

static void smmu_put_cmd(struct smmu_unit *u, u32 slot, u64 dw0, u64 dw1)
{
	u->ring[SMMU_Q_IDX(slot)][0] = cpu_to_le64(dw0);
	u->ring[SMMU_Q_IDX(slot)][1] = cpu_to_le64(dw1);
}

/* A CMD_SYNC that signals nothing: completion is seen through CONS. */
static void smmu_put_sync(struct smmu_unit *u, u32 slot)
{
	smmu_put_cmd(u, slot, SMMU_OP_CMD_SYNC, 0);
}

/* Where the queue is: 0 drained, 1 stopped on an error, -EBUSY working. */
static int smmu_cmdq_state(struct smmu_unit *u)
{
	u32 cons = smmu_readl(u, SMMU_REG_CMDQ_CONS);
	u32 pending;

	if (SMMU_Q_PTR(cons) == u->prod)
		return 0;
	pending = smmu_readl(u, SMMU_REG_GERROR) ^
		  smmu_readl(u, SMMU_REG_GERRORN);
	return pending & SMMU_GERROR_CMDQ_ERR ? 1 : -EBUSY;
}

/*
 * Wait until CONS reaches PROD, or the queue stops on an error. Returns
 * 0, 1 for an error, or -ETIMEDOUT; like every poll here it looks once
 * more after the deadline (read_poll_timeout()), so a queue that got
 * there in time is never taken for a dead one.
 */
static int smmu_poll(struct smmu_unit *u, u64 timeout_us)
{
	int state, rc;

	rc = read_poll_timeout(smmu_cmdq_state, state, state != -EBUSY,
			       SMMU_POLL_US, timeout_us, false, u);
	return rc ?: state;
}

/*
 * Turn the command queue off and wait for CR0ACK to say so. Returns true
 * once it is off: then, and only then, may its memory be freed.
 */
static bool smmu_quiesce(struct smmu_unit *u)
{
	u32 ack;

	if (u->cmdq_off)
		return true;
	smmu_writel(u, 0, SMMU_REG_CR0);
	if (read_poll_timeout(smmu_readl, ack, !(ack & SMMU_CR0_CMDQEN),
			      SMMU_POLL_US, SMMU_TIMEOUT_US, false, u,
			      SMMU_REG_CR0ACK))
		return false;
	u->cmdq_off = true;
	return true;
}

/* The SMMU stopped answering: no submit until reload; stop its queue. */
static void smmu_mark_broken(struct smmu_unit *u)
{
	u->broken = true;
	pr_err("iommufd-inv: SMMUv3 command queue stopped answering; unit unusable until reload\n");
	if (!smmu_quiesce(u))
		pr_err("iommufd-inv: SMMUv3 command queue did not stop\n");
}

/*
 * The queue stopped on the command at @cons. Replace it and the rest of
 * this submit with CMD_SYNCs (for CERROR_ATC_INV_SYNC it is the CMD_SYNC
 * already, and running it again completes the commands before it),
 * acknowledge the error so the queue goes on, and let it drain, so the
 * next submit starts on an empty queue. An error met on the way is
 * handled the same way, once more; only a queue that stops answering, or
 * keeps stopping, makes the SMMU broken.
 */
static int smmu_recover(struct smmu_unit *u, u32 cons, u64 timeout_us)
{
	unsigned int tries;
	u32 slot;
	int rc;

	for (tries = 0; tries < SMMU_RECOVER_TRIES; tries++) {
		for (slot = SMMU_Q_PTR(cons); slot != u->prod;
		     slot = SMMU_Q_PTR(slot + 1))
			smmu_put_sync(u, slot);
		wmb(); /* commands before the queue moves again */
		smmu_writel(u, smmu_readl(u, SMMU_REG_GERROR),
			    SMMU_REG_GERRORN);
		rc = smmu_poll(u, timeout_us);
		if (rc <= 0)
			break;
		/* Another error while resuming: a fault of its own. */
		cons = smmu_readl(u, SMMU_REG_CMDQ_CONS);
		trace_iommu_inv_unit_fault(IOMMU_INV_HWPT_SMMUV3_S1,
					   FIELD_GET(SMMU_CONS_ERR, cons),
					   SMMU_Q_IDX(cons));
	}
	if (rc) {
		smmu_mark_broken(u);
		return -EIO;
	}
	return 0;
}

static bool smmu_cmd_is_atc(const struct iommu_inv_smmu_cmd *c)
{
	return (c->dw[0] & 0xff) == SMMU_OP_ATC_INV;
}

/* ATC_INV: dw0 63:32 the stream ID. */
static u32 smmu_cmd_sid(const struct iommu_inv_smmu_cmd *c)
{
	return upper_32_bits(c->dw[0]);
}

/*
 * Put the run in the queue from @start: each command, a CMD_SYNC before
 * an ATC_INV to another device than the ATC_INVs since the last CMD_SYNC,
 * and a CMD_SYNC at the end. So a CERROR_ATC_INV_SYNC names one device,
 * and everything before its first ATC_INV there has completed. Returns
 * the slots used.
 */
static unsigned int smmu_put_run(struct smmu_unit *u, u32 start,
				 const struct iommu_inv_smmu_cmd *cmds,
				 unsigned int n)
{
	unsigned int i, k = 0;
	int atc = -1;

	for (i = 0; i < n; i++) {
		if (smmu_cmd_is_atc(&cmds[i])) {
			if (atc >= 0 &&
			    smmu_cmd_sid(&cmds[atc]) != smmu_cmd_sid(&cmds[i])) {
				u->slot_cmd[k] = i - 1;
				u->slot_atc[k] = atc;
				smmu_put_sync(u, start + k++);
				atc = -1;
			}
			if (atc < 0)
				atc = i;
		}
		u->slot_cmd[k] = i;
		u->slot_atc[k] = -1;
		smmu_put_cmd(u, start + k++, cmds[i].dw[0], cmds[i].dw[1]);
	}
	u->slot_cmd[k] = n ? n - 1 : 0;
	u->slot_atc[k] = atc;
	smmu_put_sync(u, start + k++);
	return k;
}

static bool smmu_run_has_atc(const struct iommu_inv_smmu_cmd *cmds,
			     unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (smmu_cmd_is_atc(&cmds[i]))
			return true;
	return false;
}

static int smmu_unit_submit(struct iommu_inv_smmu_queue *q,
			    struct iommu_inv_smmu_cmd *cmds, unsigned int n,
			    bool nonblock, unsigned int *done, u32 *hw_error)
{
	struct smmu_unit *u = container_of(q, struct smmu_unit, q);
	u64 timeout_us = smmu_run_has_atc(cmds, n) ? SMMU_ATC_TIMEOUT_US :
						      SMMU_TIMEOUT_US;
	unsigned int k, slots, at;
	u32 start, cons;
	int rc, err;

	*done = 0;
	*hw_error = 0;
	/*
	 * A non-blocking submit never waits for a device: a run with an
	 * ATC_INV (up to an ATS time-out) goes to io_uring's worker.
	 */
	if (nonblock && smmu_run_has_atc(cmds, n))
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
	cmds[n].dw[0] = SMMU_OP_CMD_SYNC;
	cmds[n].dw[1] = 0;

	start = u->prod;
	slots = smmu_put_run(u, start, cmds, n);
	u->prod = SMMU_Q_PTR(start + slots);
	wmb(); /* commands before PROD */
	smmu_writel(u, u->prod, SMMU_REG_CMDQ_PROD);

	rc = smmu_poll(u, timeout_us);
	if (!rc) {
		*done = n;
		goto out_unlock;
	}
	if (rc < 0) {
		smmu_mark_broken(u);
		rc = -EIO;
		goto out_unlock;
	}

	/* CONS holds the command the queue stopped on, and why. */
	cons = smmu_readl(u, SMMU_REG_CMDQ_CONS);
	trace_iommu_inv_unit_fault(IOMMU_INV_HWPT_SMMUV3_S1,
				   FIELD_GET(SMMU_CONS_ERR, cons), SMMU_Q_IDX(cons));
	k = SMMU_Q_IDX(SMMU_Q_PTR(cons) - start);
	if (k >= slots)
		k = slots - 1;
	at = u->slot_cmd[k];
	switch (FIELD_GET(SMMU_CONS_ERR, cons)) {
	case SMMU_CERROR_ATC_INV_SYNC:
		*hw_error = IOMMU_INV_HWERR_SMMU_CERROR_ATC_INV_SYNC;
		err = -ETIMEDOUT;
		/* The device of the ATC_INVs this CMD_SYNC fences. */
		if (u->slot_atc[k] >= 0)
			at = u->slot_atc[k];
		break;
	case SMMU_CERROR_ABT:
		*hw_error = IOMMU_INV_HWERR_SMMU_CERROR_ABT;
		err = -EIO;
		break;
	default:
		*hw_error = IOMMU_INV_HWERR_SMMU_CERROR_ILL;
		err = -EIO;
	}
	/* A CMD_SYNC failing otherwise is blamed on the entry before it. */
	*done = at;
	rc = smmu_recover(u, cons, timeout_us);
	trace_iommu_inv_unit_recover(IOMMU_INV_HWPT_SMMUV3_S1, !rc);
	if (!rc)
		rc = err;

out_unlock:
	mutex_unlock(&u->lock);
	return rc;
}

/* The SMMU lives until the module goes. */
static void smmu_unit_release(struct iommu_inv_smmu_queue *q)
{
}

static bool smmu_unit_busy(struct iommu_inv_smmu_queue *q)
{
	return mutex_is_locked(&container_of(q, struct smmu_unit, q)->lock);
}

static const struct iommu_inv_smmu_queue_ops smmu_unit_ops = {
	.submit = smmu_unit_submit,
	.release = smmu_unit_release,
	.busy = smmu_unit_busy,
};

static int smmu_unit_enable(struct smmu_unit *u)
{
	u32 idr0 = smmu_readl(u, SMMU_REG_IDR0);
	u32 idr1 = smmu_readl(u, SMMU_REG_IDR1);
	u32 idr3 = smmu_readl(u, SMMU_REG_IDR3);
	u32 ack;

	/* Someone else drives it. */
	if (smmu_readl(u, SMMU_REG_CR0) || smmu_readl(u, SMMU_REG_CR0ACK))
		return -EBUSY;
	if (!(idr0 & SMMU_IDR0_COHACC) ||
	    FIELD_GET(SMMU_IDR1_CMDQS, idr1) < SMMU_Q_SHIFT)
		return -ENODEV;

	u->q.ril = idr3 & SMMU_IDR3_RIL;
	u->q.ats = idr0 & SMMU_IDR0_ATS;
	u->q.vmid_bits = idr0 & SMMU_IDR0_VMID16 ? 16 : 8;
	u->q.sid_bits = FIELD_GET(SMMU_IDR1_SIDSIZE, idr1);
	/* At most 20 bits (IHI 0070 6.3.2): what CFGI0_SSID holds. */
	u->q.ssid_bits = min_t(u32, FIELD_GET(SMMU_IDR1_SSIDSIZE, idr1), 20);

	smmu_writel(u, smmu_readl(u, SMMU_REG_GERROR), SMMU_REG_GERRORN);
	smmu_writel(u, SMMU_CR1_QUEUE, SMMU_REG_CR1);
	smmu_writeq(u, SMMU_CMDQ_BASE_RA |
		    (virt_to_phys(u->ring) & SMMU_CMDQ_BASE_ADDR) |
		    SMMU_Q_SHIFT, SMMU_REG_CMDQ_BASE);
	smmu_writel(u, 0, SMMU_REG_CMDQ_PROD);
	smmu_writel(u, 0, SMMU_REG_CMDQ_CONS);
	u->prod = 0;
	/* From here on the SMMU may read the queue: see smmu_unit_free(). */
	u->cmdq_off = false;
	smmu_writel(u, SMMU_CR0_CMDQEN, SMMU_REG_CR0);
	return read_poll_timeout(smmu_readl, ack, ack & SMMU_CR0_CMDQEN,
				 SMMU_POLL_US, SMMU_TIMEOUT_US, false, u,
				 SMMU_REG_CR0ACK);
}

/*
 * Give the SMMU back and free what is ours. The queue memory is freed
 * only once the SMMU said its queue is off: if it never does, it is kept
 * for good (and kmemleak told so), since the SMMU may still read it, and
 * a device must never be left reading or writing memory that is reused.
 */
static void smmu_unit_free(struct smmu_unit *u)
{
	if (smmu_quiesce(u)) {
		kfree(u->ring);
	} else {
		kmemleak_not_leak(u->ring);
		pr_err("iommufd-inv: SMMUv3 command queue did not stop: keeping its memory\n");
	}
	if (u->regs) {
		iounmap(u->regs);
		release_mem_region(u->res.start, SMMU_REG_SIZE);
	}
	WARN_ON(!xa_empty(&u->q.vmids) || !xa_empty(&u->q.sids));
	xa_destroy(&u->q.vmids);
	xa_destroy(&u->q.sids);
	mutex_destroy(&u->lock);
	kfree(u);
}

static int smmu_find(struct resource *res)
{
	struct device_node *np;
	int rc;

	np = of_find_compatible_node(NULL, NULL, "arm,smmu-v3");
	if (!np)
		return -ENODEV;
	rc = of_address_to_resource(np, 0, res);
	of_node_put(np);
	if (rc)
		return -ENODEV;
	if (resource_size(res) < SMMU_REG_SIZE)
		return -ENODEV;
	return 0;
}

/* The real SMMU: find it, claim its registers, map them. */
static int smmu_attach(struct smmu_unit *u)
{
	int rc;

	rc = smmu_find(&u->res);
	if (rc)
		return rc;
	/* A driver that drives the SMMU holds its registers. */
	if (!request_mem_region(u->res.start, SMMU_REG_SIZE, "iommufd-inv"))
		return -EBUSY;
	u->regs = ioremap(u->res.start, SMMU_REG_SIZE);
	if (!u->regs) {
		release_mem_region(u->res.start, SMMU_REG_SIZE);
		return -ENOMEM;
	}
	u->q.check_sid = true;
	return 0;
}

#ifdef CONFIG_IOMMUFD_INV_TEST
/*
 * (tests) UNIT_FAULT_NO_DISABLE and _DEAD armed before the SMMU is taken,
 * as bits: the fake made next gets them (DEAD once its queue is on), so
 * that a first use can fail with the queue on. Under smmu_slot.lock.
 */
static u32 smmu_fake_early;

/* (tests) With fake_units, a fake SMMU's registers instead. */
static int smmu_attach_fake(struct smmu_unit *u)
{
	u->fake = iommu_inv_smmu_fake_create(&u->q);
	if (IS_ERR(u->fake)) {
		int rc = PTR_ERR(u->fake);

		u->fake = NULL;
		return rc;
	}
	if (smmu_fake_early & BIT(IOMMU_INV_UNIT_FAULT_NO_DISABLE))
		iommu_inv_smmu_fake_set_fault(u->fake,
					      IOMMU_INV_UNIT_FAULT_NO_DISABLE, 0);
	if (smmu_fake_early & BIT(IOMMU_INV_UNIT_FAULT_DEAD))
		iommu_inv_smmu_fake_die_after_enable(u->fake);
	smmu_fake_early = 0;
	u->q.test_hooks = true;
	return 0;
}

static bool smmu_want_fake(void)
{
	return iommu_inv_mock_enabled && iommu_inv_fake_units;
}
#else
static int smmu_attach_fake(struct smmu_unit *u)
{
	return -ENODEV;
}

static bool smmu_want_fake(void)
{
	return false;
}
#endif

/* Undo smmu_attach() or smmu_attach_fake(). */
static void smmu_detach(struct smmu_unit *u)
{
	if (u->regs) {
		iounmap(u->regs);
		release_mem_region(u->res.start, SMMU_REG_SIZE);
	}
#ifdef CONFIG_IOMMUFD_INV_TEST
	if (u->fake)
		iommu_inv_smmu_fake_destroy(u->fake);
#endif
}

/* Free the unit, then (tests) its fake, as a device outlives its driver. */
static void smmu_unit_teardown(struct smmu_unit *u)
{
#ifdef CONFIG_IOMMUFD_INV_TEST
	struct smmu_fake *fake = u->fake;
#endif

	smmu_unit_free(u);
#ifdef CONFIG_IOMMUFD_INV_TEST
	if (fake)
		iommu_inv_smmu_fake_destroy(fake);
#endif
}

static void *smmu_unit_probe(void)
{
	struct iommu_inv_smmu_cmd first[1];
	unsigned int done;
	u32 hw_error;
	struct smmu_unit *u;
	int rc;

	u = kzalloc(sizeof(*u), GFP_KERNEL);
	if (!u)
		return ERR_PTR(-ENOMEM);
	mutex_init(&u->lock);
	xa_init(&u->q.vmids);
	xa_init(&u->q.sids);
	u->q.ops = &smmu_unit_ops;
	u->cmdq_off = true;

	rc = smmu_want_fake() ? smmu_attach_fake(u) : smmu_attach(u);
	if (rc)
		goto out_free;
	BUILD_BUG_ON(!is_power_of_2(SMMU_Q_BYTES));
	u->ring = kzalloc(SMMU_Q_BYTES, GFP_KERNEL);
	if (!u->ring) {
		rc = -ENOMEM;
		goto out_detach;
	}
	rc = smmu_unit_enable(u);
	/* A first CMD_SYNC proves the queue works. */
	if (!rc)
		rc = smmu_unit_submit(&u->q, first, 0, false, &done, &hw_error);
	if (rc) {
		/* The queue may be on: quiesce it before its memory goes. */
		smmu_unit_teardown(u);
		return ERR_PTR(rc);
	}
	if (u->q.test_hooks)
		pr_info("iommufd-inv: fake SMMUv3: command queue on\n");
	else
		pr_info("iommufd-inv: SMMUv3 at %pa: command queue on\n",
			&u->res.start);
	return u;

out_detach:
	smmu_detach(u);
out_free:
	mutex_destroy(&u->lock);
	kfree(u);
	return ERR_PTR(rc);
}

/**
 * iommu_inv_smmu_unit_get() - the SMMUv3 this module owns
 *
 * Takes it on first use (iommu_inv_unit_get()). With the test options
 * mock=1 fake_units=1, the SMMU is a fake one (smmu_fake.c).
 *
 * Return: its queue, or ERR_PTR(-ENODEV) (none), ERR_PTR(-EBUSY) (driven
 * by another driver) or another error of the first attempt.
 */
struct iommu_inv_smmu_queue *iommu_inv_smmu_unit_get(void)
{
	struct smmu_unit *u = iommu_inv_unit_get(&smmu_slot, smmu_unit_probe);

	return IS_ERR(u) ? ERR_CAST(u) : &u->q;
}

/**
 * iommu_inv_smmu_unit_exit() - give the SMMU back, at module exit
 *
 * The command queue is turned off first; if the SMMU never acknowledges
 * that, its queue memory is kept (see smmu_unit_free()).
 */
void iommu_inv_smmu_unit_exit(void)
{
	struct smmu_unit *u = smmu_slot.unit;

	if (!u)
		return;
	smmu_slot.unit = NULL;
	smmu_unit_teardown(u);
}

#ifdef CONFIG_IOMMUFD_INV_TEST
/**
 * iommu_inv_smmu_fake_fault() - make the fake unit misbehave
 * @fault: IOMMU_INV_UNIT_FAULT_*
 * @sid: the device, for IOMMU_INV_UNIT_FAULT_HUNG_DEVICE
 *
 * Before the SMMU is taken, NO_DISABLE and DEAD are kept for the fake
 * SMMU its first use makes (DEAD then strikes once the queue is on).
 *
 * Return: 0, -ENODEV if the SMMU is not a fake one (or, for another
 * fault, not taken yet), or -EINVAL for an unknown @fault.
 */
int iommu_inv_smmu_fake_fault(u32 fault, u32 sid)
{
	struct smmu_unit *u;
	int rc = -ENODEV;

	mutex_lock(&smmu_slot.lock);
	u = smmu_slot.unit;
	if (u && u->fake) {
		rc = iommu_inv_smmu_fake_set_fault(u->fake, fault, sid);
	} else if (!u && !smmu_slot.err && smmu_want_fake() &&
		   (fault == IOMMU_INV_UNIT_FAULT_NO_DISABLE ||
		    fault == IOMMU_INV_UNIT_FAULT_DEAD)) {
		smmu_fake_early |= BIT(fault);
		rc = 0;
	}
	mutex_unlock(&smmu_slot.lock);
	return rc;
}
#endif
