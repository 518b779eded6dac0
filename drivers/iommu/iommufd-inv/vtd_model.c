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
 * It also holds cached translations that tests fill (IOMMU_INV_TEST_OP_
 * VTD_FILL), tagged as a scalable-mode unit tags them (6.2.1): first-stage
 * and nested IOTLB and paging-structure entries by domain ID and PASID,
 * second-stage-only entries by domain ID alone, PASID-cache entries by
 * domain ID and PASID, device-TLB entries by source ID and PASID, or
 * (requests without PASID) by source ID alone. Each
 * descriptor it carries out evicts exactly what its section of 6.5.2 says
 * it invalidates, and nothing more, so a flush that leaves a translation
 * the specification says must go shows in IOMMU_INV_TEST_OP_VTD_QUERY.
 * In particular the IOTLB invalidate descriptor (6.5.2.3), domain- or
 * page-selective, reaches only second-stage-only translations of its
 * domain in scalable mode; first-stage and nested ones, PASID-tagged, go
 * only with PASID-based IOTLB invalidations (6.5.2.4) or a global one.
 *
 * Its unit: 2^16 domain IDs, address masks up to 18 (1 GiB), device TLBs.
 */
#include <linux/bitmap.h>
#include <linux/slab.h>

#include "iommufd_inv.h"
#include "iommufd_inv_test.h"
#include "vtd.h"

/* Where the model's wait descriptors say their status goes. */
#define MODEL_STATUS_ADDR	0x1000
#define MODEL_NDOMS		65536
#define MODEL_MAMV		18

#define MODEL_PASIDS		BIT(20)

/* One cached translation; which tags count depends on its cache. */
struct model_tr {
	u64 first;
	u64 last;
	u32 pasid;
	u16 did;
	u16 sid;
};

struct model_cache {
	unsigned long valid[BITS_TO_LONGS(IOMMU_INV_VTD_CACHE_SLOTS)];
	struct model_tr tr[IOMMU_INV_VTD_CACHE_SLOTS];
};

/**
 * struct vtd_model - one HWPT's model queue
 * @q: what the encoder knows of it
 * @seq: status data of the last wait
 * @timeout_sid: source ID whose next device-TLB descriptor times out
 * @timeout_armed: @timeout_sid is set
 * @cache: the unit's caches, IOMMU_INV_VTD_CACHE_*
 */
struct vtd_model {
	struct iommu_inv_vtd_queue q;
	u32 seq;
	u16 timeout_sid;
	bool timeout_armed;
	struct model_cache cache[IOMMU_INV_VTD_NUM_CACHES];
};

/*
 * What one descriptor invalidates in one cache: the entries whose tags
 * named here match and whose range meets [first, last].
 */
struct model_sel {
	bool by_did;
	bool by_pasid;
	bool by_sid;
	u16 did;
	u16 sid;
	u32 pasid;
	u64 first;
	u64 last;
};

static u64 bits(u64 qw, unsigned int hi, unsigned int lo)
{
	return (qw >> lo) & (~0ULL >> (63 - hi + lo));
}

/*
 * Reserved bits per descriptor type and quadword, from the layouts of
 * 6.5.2.2 (PASID-cache), 6.5.2.3 (IOTLB), 6.5.2.4 (PASID-based IOTLB),
 * 6.5.2.5 (device-TLB), 6.5.2.6 (PASID-based device-TLB) and 6.5.2.8
 * (invalidation wait). The
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
	/* DEVTLB: 15:12 + 63:52 PFSID, 20:16 MIP, 47:32 SID; 0 S, 63:12 ADDR. */
	{ VTD_DESC_DEVTLB, { 0x000f0000ffe001f0ULL, 0x0000000000000ffeULL,
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

static void model_evict(struct vtd_model *m, unsigned int cache,
			const struct model_sel *s)
{
	struct model_cache *c = &m->cache[cache];
	const struct model_tr *t;
	unsigned int i;

	for_each_set_bit(i, c->valid, IOMMU_INV_VTD_CACHE_SLOTS) {
		t = &c->tr[i];
		if ((s->by_did && t->did != s->did) ||
		    (s->by_pasid && t->pasid != s->pasid) ||
		    (s->by_sid && t->sid != s->sid) ||
		    t->first > s->last || t->last < s->first)
			continue;
		__clear_bit(i, c->valid);
	}
}

/* Every address, for selections that are not by range. */
static void model_sel_all(struct model_sel *s)
{
	s->first = 0;
	s->last = ~0ULL;
}

/* A page-selective IOTLB range: 2^AM pages at ADDR (6.5.2.3, 6.5.2.4). */
static void model_sel_am(struct model_sel *s, u64 qw1)
{
	unsigned int am = bits(qw1, 5, 0);

	s->first = qw1 & ~0xfffULL;
	s->last = s->first + ((1ULL << (12 + am)) - 1);
}

/*
 * A device-TLB range (6.5.2.5, 6.5.2.6, as in PCIe ATS): S (bit @s_bit of
 * quadword 1) = 0 is the page at ADDR; with S = 1 the lowest clear address
 * bit from bit 12 up, bit b, makes the range 2^(b + 1) bytes, aligned;
 * bits 12 to 63 all set is every address.
 */
static void model_sel_ats(struct model_sel *s, u64 qw1, unsigned int s_bit)
{
	u64 addr = qw1 & ~0xfffULL;
	unsigned int b;

	if (!bits(qw1, s_bit, s_bit)) {
		s->first = addr;
		s->last = addr + 0xfff;
		return;
	}
	b = 12;
	while (b < 64 && (addr & BIT_ULL(b)))
		b++;
	if (b >= 63) {
		model_sel_all(s);
		return;
	}
	s->first = addr & ~(BIT_ULL(b + 1) - 1);
	s->last = s->first + (BIT_ULL(b + 1) - 1);
}

/* Carry out one descriptor model_check() accepted: evict its entries. */
static void model_apply(struct vtd_model *m, const struct iommu_inv_vtd_desc *d)
{
	struct model_sel s = {
		.did = bits(d->qw[0], 31, 16),
		.pasid = bits(d->qw[0], 51, 32),
	};
	u64 g = bits(d->qw[0], 5, 4);

	model_sel_all(&s);
	switch (bits(d->qw[0], 3, 0)) {
	case VTD_DESC_IOTLB:
		/*
		 * 6.5.2.3: global invalidates every IOTLB and paging-structure
		 * entry; domain- and page-selective ones, in scalable mode,
		 * only second-stage-only (and pass-through) translations of
		 * the domain, never PASID-tagged first-stage or nested ones.
		 */
		if (g == 1) {
			model_evict(m, IOMMU_INV_VTD_CACHE_IOTLB, &s);
			model_evict(m, IOMMU_INV_VTD_CACHE_PWC, &s);
			model_evict(m, IOMMU_INV_VTD_CACHE_IOTLB_SS, &s);
			break;
		}
		s.by_did = true;
		if (g == 3)
			model_sel_am(&s, d->qw[1]);
		model_evict(m, IOMMU_INV_VTD_CACHE_IOTLB_SS, &s);
		break;
	case VTD_DESC_PIOTLB:
		/*
		 * 6.5.2.4: first-stage and nested entries of the domain and
		 * PASID; page-selective, those meeting the range, and the
		 * paging-structure entries too unless IH says only leaves
		 * changed. Second-stage-only entries stay.
		 */
		s.by_did = true;
		s.by_pasid = true;
		if (g == 3)
			model_sel_am(&s, d->qw[1]);
		model_evict(m, IOMMU_INV_VTD_CACHE_IOTLB, &s);
		if (g != 3 || !bits(d->qw[1], 6, 6))
			model_evict(m, IOMMU_INV_VTD_CACHE_PWC, &s);
		break;
	case VTD_DESC_PC:
		/* 6.5.2.2: 00b the domain's, 01b one PASID's, 11b all. */
		s.by_did = g != 3;
		s.by_pasid = g == 1;
		model_evict(m, IOMMU_INV_VTD_CACHE_PASID, &s);
		break;
	case VTD_DESC_PDEVTLB:
		/* 6.5.2.6: one device's entries for one PASID and range. */
		s.by_sid = true;
		s.by_pasid = true;
		s.sid = bits(d->qw[0], 31, 16);
		model_sel_ats(&s, d->qw[1], 11);
		model_evict(m, IOMMU_INV_VTD_CACHE_DEVTLB, &s);
		break;
	case VTD_DESC_DEVTLB:
		/*
		 * 6.5.2.5: one device's entries in the range. It reaches the
		 * device as an ATS Invalidate Request without a PASID
		 * prefix, which drops the range for every PASID as well
		 * (there is no request for the untagged entries alone; see
		 * the note in Linux's arm_smmu_atc_inv_to_cmd()).
		 */
		s.by_sid = true;
		s.sid = bits(d->qw[0], 47, 32);
		model_sel_ats(&s, d->qw[1], 0);
		model_evict(m, IOMMU_INV_VTD_CACHE_DEVTLB_NP, &s);
		model_evict(m, IOMMU_INV_VTD_CACHE_DEVTLB, &s);
		break;
	}
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
	unsigned int i, type;
	u16 sid;

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
		/* Device-TLB invalidations, with (31:16) or without PASID. */
		type = bits(descs[i].qw[0], 3, 0);
		sid = type == VTD_DESC_PDEVTLB ? bits(descs[i].qw[0], 31, 16) :
						 bits(descs[i].qw[0], 47, 32);
		if ((type == VTD_DESC_PDEVTLB || type == VTD_DESC_DEVTLB) &&
		    m->timeout_armed && sid == m->timeout_sid) {
			m->timeout_armed = false;
			*hw_error = IOMMU_INV_HWERR_VTD_ITE;
			return -ETIMEDOUT;
		}
		model_apply(m, &descs[i]);
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
 * The next device-TLB descriptor (with or without PASID) to @sid times out
 * (ITE).
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

/**
 * iommu_inv_vtd_model_test() - VTD_FILL and VTD_QUERY on a model queue
 * @q: the HWPT's queue; the caller holds the HWPT's lock
 * @cmd: the command; its out fields are filled
 *
 * Return: 0; -EOPNOTSUPP if @q is not a model, for another op or a
 * non-zero reserved field; -EINVAL for an unknown cache, an empty range or
 * one past 2^64, or a PASID of 2^20 or more; -ENOSPC when the cache is full.
 */
int iommu_inv_vtd_model_test(struct iommu_inv_vtd_queue *q,
			     struct iommu_inv_test_cmd *cmd)
{
	struct vtd_model *m = container_of(q, struct vtd_model, q);
	struct model_cache *c;
	struct model_tr *t;
	unsigned int slot;

	if (q->ops != &model_ops)
		return -EOPNOTSUPP;
	switch (cmd->op) {
	case IOMMU_INV_TEST_OP_VTD_QUERY:
		if (cmd->vtd_query.__reserved)
			return -EOPNOTSUPP;
		if (cmd->vtd_query.cache >= IOMMU_INV_VTD_NUM_CACHES)
			return -EINVAL;
		c = &m->cache[cmd->vtd_query.cache];
		cmd->vtd_query.out_valid = 0;
		for_each_set_bit(slot, c->valid, IOMMU_INV_VTD_CACHE_SLOTS)
			cmd->vtd_query.out_valid |= BIT_ULL(slot);
		return 0;
	case IOMMU_INV_TEST_OP_VTD_FILL:
		if (cmd->vtd_fill.cache >= IOMMU_INV_VTD_NUM_CACHES ||
		    !cmd->vtd_fill.size || cmd->vtd_fill.pasid >= MODEL_PASIDS ||
		    cmd->vtd_fill.addr + (cmd->vtd_fill.size - 1) <
		    cmd->vtd_fill.addr)
			return -EINVAL;
		c = &m->cache[cmd->vtd_fill.cache];
		slot = find_first_zero_bit(c->valid, IOMMU_INV_VTD_CACHE_SLOTS);
		if (slot >= IOMMU_INV_VTD_CACHE_SLOTS)
			return -ENOSPC;
		t = &c->tr[slot];
		t->first = cmd->vtd_fill.addr;
		t->last = cmd->vtd_fill.addr + (cmd->vtd_fill.size - 1);
		t->did = cmd->vtd_fill.did;
		t->pasid = cmd->vtd_fill.pasid;
		t->sid = cmd->vtd_fill.sid;
		__set_bit(slot, c->valid);
		cmd->vtd_fill.out_slot = slot;
		return 0;
	}
	return -EOPNOTSUPP;
}
