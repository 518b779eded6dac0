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
 */
#include <linux/bitfield.h>
#include <linux/delay.h>
#include <linux/io.h>
#include <linux/io-64-nonatomic-lo-hi.h>
#include <linux/ioport.h>
#include <linux/ktime.h>
#include <linux/mm.h>
#include <linux/of.h>
#include <linux/of_address.h>
#include <linux/slab.h>

#include "iommufd_inv.h"
#include "smmu.h"
#include "trace.h"

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
#define SMMU_IDR1_CMDQS		GENMASK(25, 21)
#define SMMU_IDR3_RIL		BIT(10)
#define SMMU_CR0_CMDQEN		BIT(3)
/* Queue accesses: inner shareable, inner and outer write-back. */
#define SMMU_CR1_QUEUE		(FIELD_PREP(GENMASK(1, 0), 1) | \
				 FIELD_PREP(GENMASK(3, 2), 1) | \
				 FIELD_PREP(GENMASK(5, 4), 3))
#define SMMU_GERROR_CMDQ_ERR	BIT(0)
#define SMMU_CMDQ_BASE_RA	BIT_ULL(62)
#define SMMU_CMDQ_BASE_ADDR	GENMASK_ULL(51, 5)
#define SMMU_CONS_ERR		GENMASK(30, 24)

#define SMMU_CERROR_ILL		1
#define SMMU_CERROR_ABT		2
#define SMMU_CERROR_ATC_INV_SYNC 3

/* One page of 16-byte commands; PROD and CONS carry a wrap bit above. */
#define SMMU_Q_SHIFT		8
#define SMMU_Q_LEN		BIT(SMMU_Q_SHIFT)
#define SMMU_Q_IDX(p)		((p) & (SMMU_Q_LEN - 1))
#define SMMU_Q_PTR(p)		((p) & (2 * SMMU_Q_LEN - 1))

/* How long a submit waits for the SMMU before calling it broken. */
#define SMMU_TIMEOUT_US		(1000 * 1000)

/**
 * struct smmu_unit - the SMMU this module owns
 * @q: what the encoder knows of it
 * @lock: one submit at a time: there is one command queue. Per SMMU, not
 *	global; the only lock besides the HWPT's on its invalidation path
 * @regs: its registers
 * @res: its register region, claimed
 * @ring: the command queue, SMMU_Q_LEN commands
 * @prod: next free slot, with the wrap bit; the queue is empty between
 *	submits
 * @broken: the SMMU stopped answering; every submit fails until reload
 */
struct smmu_unit {
	struct iommu_inv_smmu_queue q;
	struct mutex lock; /* see @lock above */
	void __iomem *regs;
	struct resource res;
	__le64 (*ring)[2];
	u32 prod;
	bool broken;
};

static struct iommu_inv_unit_slot smmu_slot = {
	.lock = __MUTEX_INITIALIZER(smmu_slot.lock),
};

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

static bool smmu_cmdq_error(struct smmu_unit *u)
{
	u32 pending = readl(u->regs + SMMU_REG_GERROR) ^
		      readl(u->regs + SMMU_REG_GERRORN);

	return pending & SMMU_GERROR_CMDQ_ERR;
}

/*
 * Wait until CONS reaches PROD, or the queue stops on an error. Returns
 * 0, 1 for an error, or -ETIMEDOUT.
 */
static int smmu_poll(struct smmu_unit *u)
{
	ktime_t end = ktime_add_us(ktime_get(), SMMU_TIMEOUT_US);
	u32 cons;

	for (;;) {
		cons = readl(u->regs + SMMU_REG_CMDQ_CONS);
		if (SMMU_Q_PTR(cons) == u->prod)
			return 0;
		if (smmu_cmdq_error(u))
			return 1;
		if (ktime_after(ktime_get(), end))
			return -ETIMEDOUT;
		cond_resched();
		udelay(1);
	}
}

/*
 * The queue stopped on the command at CONS. Replace it and the rest of
 * this submit with CMD_SYNCs, acknowledge the error so the queue goes on,
 * and let it drain, so the next submit starts on an empty queue.
 */
static int smmu_recover(struct smmu_unit *u, u32 cons)
{
	u32 slot;
	int rc;

	for (slot = SMMU_Q_PTR(cons); slot != u->prod;
	     slot = SMMU_Q_PTR(slot + 1))
		smmu_put_sync(u, slot);
	wmb(); /* commands before the queue moves again */
	writel(readl(u->regs + SMMU_REG_GERROR), u->regs + SMMU_REG_GERRORN);
	rc = smmu_poll(u);
	if (rc) {
		u->broken = true;
		return -EIO;
	}
	return 0;
}

/* The command a CERROR_ATC_INV_SYNC on the CMD_SYNC belongs to. */
static unsigned int smmu_first_atc(const struct iommu_inv_smmu_cmd *cmds,
				   unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if ((cmds[i].dw[0] & 0xff) == SMMU_OP_ATC_INV)
			return i;
	return n;
}

static int smmu_unit_submit(struct iommu_inv_smmu_queue *q,
			    struct iommu_inv_smmu_cmd *cmds, unsigned int n,
			    unsigned int *done, u32 *hw_error)
{
	struct smmu_unit *u = container_of(q, struct smmu_unit, q);
	unsigned int i, at;
	u32 start, cons;
	int rc, err;

	mutex_lock(&u->lock);
	*done = 0;
	*hw_error = 0;
	if (u->broken) {
		rc = -EIO;
		goto out_unlock;
	}
	cmds[n].dw[0] = SMMU_OP_CMD_SYNC;
	cmds[n].dw[1] = 0;

	start = u->prod;
	for (i = 0; i <= n; i++)
		smmu_put_cmd(u, start + i, cmds[i].dw[0], cmds[i].dw[1]);
	u->prod = SMMU_Q_PTR(start + n + 1);
	wmb(); /* commands before PROD */
	writel(u->prod, u->regs + SMMU_REG_CMDQ_PROD);

	rc = smmu_poll(u);
	if (!rc) {
		*done = n;
		goto out_unlock;
	}
	if (rc < 0) {
		u->broken = true;
		rc = -EIO;
		goto out_unlock;
	}

	/* CONS holds the command the queue stopped on, and why. */
	cons = readl(u->regs + SMMU_REG_CMDQ_CONS);
	trace_iommu_inv_unit_fault(IOMMU_INV_HWPT_SMMUV3_S1,
				   FIELD_GET(SMMU_CONS_ERR, cons), SMMU_Q_IDX(cons));
	at = SMMU_Q_IDX(SMMU_Q_PTR(cons) - start);
	switch (FIELD_GET(SMMU_CONS_ERR, cons)) {
	case SMMU_CERROR_ATC_INV_SYNC:
		*hw_error = IOMMU_INV_HWERR_SMMU_CERROR_ATC_INV_SYNC;
		err = -ETIMEDOUT;
		at = smmu_first_atc(cmds, n);
		break;
	case SMMU_CERROR_ABT:
		*hw_error = IOMMU_INV_HWERR_SMMU_CERROR_ABT;
		err = -EIO;
		break;
	default:
		*hw_error = IOMMU_INV_HWERR_SMMU_CERROR_ILL;
		err = -EIO;
	}
	/* The CMD_SYNC itself failed: blame the last entry. */
	*done = min(at, n - 1);
	rc = smmu_recover(u, cons);
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

static const struct iommu_inv_smmu_queue_ops smmu_unit_ops = {
	.submit = smmu_unit_submit,
	.release = smmu_unit_release,
};

static int smmu_wait_ack(struct smmu_unit *u, u32 cr0)
{
	ktime_t end = ktime_add_us(ktime_get(), SMMU_TIMEOUT_US);

	while (readl(u->regs + SMMU_REG_CR0ACK) != cr0) {
		if (ktime_after(ktime_get(), end))
			return -ETIMEDOUT;
		udelay(1);
	}
	return 0;
}

static int smmu_unit_enable(struct smmu_unit *u)
{
	u32 idr0 = readl(u->regs + SMMU_REG_IDR0);
	u32 idr1 = readl(u->regs + SMMU_REG_IDR1);
	u32 idr3 = readl(u->regs + SMMU_REG_IDR3);

	/* Someone else drives it. */
	if (readl(u->regs + SMMU_REG_CR0) || readl(u->regs + SMMU_REG_CR0ACK))
		return -EBUSY;
	if (!(idr0 & SMMU_IDR0_COHACC) ||
	    FIELD_GET(SMMU_IDR1_CMDQS, idr1) < SMMU_Q_SHIFT)
		return -ENODEV;

	u->q.ril = idr3 & SMMU_IDR3_RIL;
	u->q.ats = idr0 & SMMU_IDR0_ATS;
	u->q.vmid_bits = idr0 & SMMU_IDR0_VMID16 ? 16 : 8;
	u->q.sid_bits = FIELD_GET(SMMU_IDR1_SIDSIZE, idr1);
	u->q.check_sid = true;

	writel(readl(u->regs + SMMU_REG_GERROR), u->regs + SMMU_REG_GERRORN);
	writel(SMMU_CR1_QUEUE, u->regs + SMMU_REG_CR1);
	writeq(SMMU_CMDQ_BASE_RA | (virt_to_phys(u->ring) & SMMU_CMDQ_BASE_ADDR) |
	       SMMU_Q_SHIFT, u->regs + SMMU_REG_CMDQ_BASE);
	writel(0, u->regs + SMMU_REG_CMDQ_PROD);
	writel(0, u->regs + SMMU_REG_CMDQ_CONS);
	u->prod = 0;
	writel(SMMU_CR0_CMDQEN, u->regs + SMMU_REG_CR0);
	return smmu_wait_ack(u, SMMU_CR0_CMDQEN);
}

static void smmu_unit_disable(struct smmu_unit *u)
{
	writel(0, u->regs + SMMU_REG_CR0);
	if (smmu_wait_ack(u, 0))
		pr_warn("iommufd-inv: SMMUv3 command queue did not stop\n");
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

	rc = smmu_find(&u->res);
	if (rc)
		goto out_free;
	/* A driver that drives the SMMU holds its registers. */
	if (!request_mem_region(u->res.start, SMMU_REG_SIZE, "iommufd-inv")) {
		rc = -EBUSY;
		goto out_free;
	}
	u->ring = (void *)get_zeroed_page(GFP_KERNEL);
	if (!u->ring) {
		rc = -ENOMEM;
		goto out_release;
	}
	u->regs = ioremap(u->res.start, SMMU_REG_SIZE);
	if (!u->regs) {
		rc = -ENOMEM;
		goto out_ring;
	}
	rc = smmu_unit_enable(u);
	if (rc)
		goto out_unmap;
	/* A first CMD_SYNC proves the queue works. */
	rc = smmu_unit_submit(&u->q, first, 0, &done, &hw_error);
	if (rc)
		goto out_disable;
	pr_info("iommufd-inv: SMMUv3 at %pa: command queue on\n",
		&u->res.start);
	return u;

out_disable:
	smmu_unit_disable(u);
out_unmap:
	iounmap(u->regs);
out_ring:
	free_page((unsigned long)u->ring);
out_release:
	release_mem_region(u->res.start, SMMU_REG_SIZE);
out_free:
	mutex_destroy(&u->lock);
	kfree(u);
	return ERR_PTR(rc);
}

/**
 * iommu_inv_smmu_unit_get() - the SMMUv3 this module owns
 *
 * Takes it on first use (iommu_inv_unit_get()).
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
 */
void iommu_inv_smmu_unit_exit(void)
{
	struct smmu_unit *u = smmu_slot.unit;

	if (!u)
		return;
	smmu_unit_disable(u);
	iounmap(u->regs);
	free_page((unsigned long)u->ring);
	release_mem_region(u->res.start, SMMU_REG_SIZE);
	WARN_ON(!xa_empty(&u->q.vmids) || !xa_empty(&u->q.sids));
	xa_destroy(&u->q.vmids);
	xa_destroy(&u->q.sids);
	mutex_destroy(&u->lock);
	kfree(u);
	smmu_slot.unit = NULL;
}

#ifdef CONFIG_IOMMUFD_INV_TEST
/**
 * iommu_inv_smmu_fake_fault() - make the fake unit misbehave
 * @fault: IOMMU_INV_UNIT_FAULT_*
 * @sid: the device, for IOMMU_INV_UNIT_FAULT_HUNG_DEVICE
 *
 * Return: -ENODEV: there is no fake unit yet.
 */
int iommu_inv_smmu_fake_fault(u32 fault, u32 sid)
{
	return -ENODEV;
}
#endif
