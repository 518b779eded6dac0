// SPDX-License-Identifier: GPL-2.0
/*
 * The VT-d stage-1 HWPT type, on the software model of the invalidation
 * queue and on a real queue (QEMU's intel-iommu, booted with
 * intel_iommu=off so that the unit is free).
 *
 * Golden vectors are written from the descriptor layouts of the Intel
 * VT-d specification, rev 4.1, section 6.5.2 (quadword 0 bits 3:0 the
 * type; the section of each layout is named at its test), not computed
 * with the kernel's encoder. The queue's error reporting is driven by
 * flipping one bit of a descriptor on its way to the queue (test ioctl),
 * which both queues must refuse the same way. What each entry evicts is
 * checked on the model only: tests put PASID-tagged translations in its
 * caches (test ioctl) and read back which survived; QEMU flushes more
 * than the specification requires, so it cannot show a flush that misses.
 *
 * The test hooks (reading a HWPT's queue traffic, flipping a bit in it)
 * serve the model and fake units only, never a real unit: on QEMU's unit
 * the golden batches must go through, and the cases that need the hooks
 * skip; they run on the fake unit (mock=1 fake_units=1, the hw variant,
 * see scripts/guest-selftests.sh), which drives the same queue code.
 *
 * Set IOMMUFD_INV_NEED_VTD=1 to fail, instead of skip, when no VT-d unit
 * is free.
 */
#include <stdio.h>

#include "kselftest_harness.h"
#include "iommufd_inv_utils.h"

/*
 * Host IDs every test gives its HWPT. The window's base carries when a
 * guest PASID is added (0x1ff + 3 = 0x202, 0x1ff | 3 = 0x1ff), so an
 * encoder that or-ed instead of adding would fail.
 */
#define DID 0x1234
#define PASID_BASE 0x1ff
#define PASID_NUM 64
/* Source IDs of devices QEMU's q35 always has: 00:1f.0 and 00:1f.2. */
#define SID_A 0x00f8
#define SID_B 0x00fa
/* Virtual IDs the guest names them by. */
#define VIRT_A 0x10
#define VIRT_B 0x11

struct desc {
	__u64 qw[4];
};

#define need_vtd() env_needs("IOMMUFD_INV_NEED_VTD")

FIXTURE(vtd) {
	int fd;
	__u32 hwpt_id;
	bool hooks;
	struct ebuf b;
	struct iommu_inv_hwpt_invalidate inv;
	struct iommu_inv_result res[8];
};

FIXTURE_VARIANT(vtd) {
	__u32 queue;
};

FIXTURE_VARIANT_ADD(vtd, model) {
	.queue = IOMMU_INV_VTD_QUEUE_MODEL,
};

FIXTURE_VARIANT_ADD(vtd, hw) {
	.queue = IOMMU_INV_VTD_QUEUE_HW,
};

FIXTURE_SETUP(vtd)
{
	self->fd = open(DEV_PATH, O_RDWR);
	ASSERT_LE(0, self->fd);
	if (vtd_alloc(self->fd, variant->queue, DID, PASID_BASE, PASID_NUM,
		      &self->hwpt_id)) {
		if (variant->queue == IOMMU_INV_VTD_QUEUE_HW &&
		    no_unit(errno) && !need_vtd())
			SKIP(return, "no free VT-d unit (errno %d)", errno);
		ASSERT_EQ(0, errno);
	}
	ASSERT_EQ(0, vtd_vdev(self->fd, self->hwpt_id, VIRT_A, SID_A, 0, 8,
			      IOMMU_INV_VTD_DEV_ATS, NULL));
	ASSERT_EQ(0, vtd_vdev(self->fd, self->hwpt_id, VIRT_B, SID_B, 0, 0, 0,
			      NULL));
	self->hooks = !queue_log(self->fd, self->hwpt_id, NULL, 0, NULL);
	ebuf_init(&self->b, 64 * 1024);
}

/* Why a case that reads or corrupts the queue traffic skips. */
#define NO_HOOKS "a real unit: no test hooks"

FIXTURE_TEARDOWN(vtd)
{
	free(self->b.data);
	close(self->fd);
}

/* Submit self->b, which must succeed, and read back its descriptors. */
#define inv_log(_d, _n)							\
	({								\
		test_inv_ok();						\
		ASSERT_EQ(0, queue_log(self->fd, self->hwpt_id, _d, _n, NULL)); \
	})

/*
 * One entry becomes exactly @qw0/@qw1 (qw2, qw3 zero), then a wait. On a
 * real unit: the unit accepts it.
 */
#define expect_one(_qw0, _qw1)						\
	({								\
		struct desc __d[2];					\
									\
		if (self->hooks) {					\
			inv_log(__d, 2);				\
			EXPECT_EQ((__u64)(_qw0), __d[0].qw[0]);		\
			EXPECT_EQ((__u64)(_qw1), __d[0].qw[1]);		\
			EXPECT_EQ(0, __d[0].qw[2]);			\
			EXPECT_EQ(0, __d[0].qw[3]);			\
			EXPECT_EQ(0x65, __d[1].qw[0] & 0xffffffff);	\
		} else {						\
			test_inv_ok();					\
		}							\
		ebuf_reset(&self->b);					\
	})

/* Put a translation in a model cache; the slot, or -1. */
static int vtd_fill(int fd, __u32 hwpt, __u32 cache, __u16 did, __u32 pasid,
		    __u16 sid, __u64 addr, __u64 size)
{
	struct iommu_inv_test_cmd cmd = {
		.op = IOMMU_INV_TEST_OP_VTD_FILL, .id = hwpt,
		.vtd_fill = { .cache = cache, .did = did, .pasid = pasid,
			      .sid = sid, .addr = addr, .size = size },
	};

	if (_test_op(fd, &cmd))
		return -1;
	return cmd.vtd_fill.out_slot;
}

/* The still-valid slots of a model cache. */
static __u64 vtd_valid(int fd, __u32 hwpt, __u32 cache)
{
	struct iommu_inv_test_cmd cmd = {
		.op = IOMMU_INV_TEST_OP_VTD_QUERY, .id = hwpt,
		.vtd_query = { .cache = cache },
	};

	if (_test_op(fd, &cmd))
		return ~0ULL;
	return cmd.vtd_query.out_valid;
}

/* Fill the fixture HWPT's model; slots are handed out in order. */
#define fill(_cache, _did, _pasid, _sid, _addr, _size)			\
	ASSERT_LE(0, vtd_fill(self->fd, self->hwpt_id,			\
			      IOMMU_INV_VTD_CACHE_##_cache, _did, _pasid,	\
			      _sid, _addr, _size))

#define valid(_cache)							\
	vtd_valid(self->fd, self->hwpt_id, IOMMU_INV_VTD_CACHE_##_cache)

/* Host PASID of guest PASID @g in the fixture's window. */
#define HP(g) (PASID_BASE + (g))

#define on_hw() (variant->queue == IOMMU_INV_VTD_QUEUE_HW)
#define MODEL_ONLY "translations live in the model only"

TEST_F(vtd, info)
{
	struct iommu_inv_info info;

	ASSERT_EQ(0, _test_get_info(self->fd, IOMMU_INV_HWPT_VTD_S1, &info));
	EXPECT_TRUE(info.out_hwpt_types & (1ULL << IOMMU_INV_HWPT_VTD_S1));
	EXPECT_EQ(12, info.out_granule_log2);
	EXPECT_EQ((1ULL << IOMMU_INV_ENTRY_IOTLB_ALL) |
		  (1ULL << IOMMU_INV_ENTRY_IOTLB_PASID) |
		  (1ULL << IOMMU_INV_ENTRY_IOTLB_RANGE) |
		  (1ULL << IOMMU_INV_ENTRY_DEVTLB_PASID) |
		  (1ULL << IOMMU_INV_ENTRY_DEVTLB_RANGE) |
		  (1ULL << IOMMU_INV_ENTRY_PASID_CACHE_ALL) |
		  (1ULL << IOMMU_INV_ENTRY_PASID_CACHE_PASID) |
		  (1ULL << IOMMU_INV_ENTRY_VTD_DESC),
		  info.out_entry_types);
}

/*
 * IOTLB_ALL on a stage-1 HWPT: the unit tags first-stage and nested
 * translations with domain ID and PASID, the IOTLB invalidate descriptor
 * (6.5.2.3, type 2) does not reach them in scalable mode, and the
 * PASID-based IOTLB invalidate (6.5.2.4) has no all-PASIDs granularity: so
 * one PASID-selective descriptor (3:0 type 6, 5:4 10b, 31:16 DID, 51:32
 * PASID) per host PASID of the window, in order, and no type 2.
 */
TEST_F(vtd, golden_iotlb_all)
{
	struct desc d[64];
	__u64 before, after;
	__u32 id;
	int i;

	if (!self->hooks) {
		/* A real unit takes the window's 64 descriptors. */
		e_iotlb_all(&self->b);
		test_inv_ok();
		return;
	}
	/* A window of three PASIDs that carries: 0x1ff, 0x200, 0x201. */
	ASSERT_EQ(0, vtd_alloc(self->fd, variant->queue, 0x2222, 0x1ff, 3,
			       &id));
	ASSERT_EQ(0, queue_log(self->fd, id, d, 0, &before));
	e_iotlb_all(&self->b);
	ASSERT_EQ(0, _test_inv(self->fd, id, &self->b, 0, self->res, 8,
			       &self->inv));
	ASSERT_EQ(0, queue_log(self->fd, id, d, 4, &after));
	EXPECT_EQ(before + 4, after);
	EXPECT_EQ(0x000001ff22220026, d[0].qw[0]);
	EXPECT_EQ(0x0000020022220026, d[1].qw[0]);
	EXPECT_EQ(0x0000020122220026, d[2].qw[0]);
	for (i = 0; i < 3; i++)
		EXPECT_EQ(0, d[i].qw[1] | d[i].qw[2] | d[i].qw[3]);
	EXPECT_EQ(0x65, d[3].qw[0] & 0xffffffff);
	test_destroy(id);

	/* The fixture's 64 PASIDs fill one run: 0x1ff to 0x23e, a wait. */
	ASSERT_EQ(0, queue_log(self->fd, self->hwpt_id, d, 0, &before));
	test_inv_ok();
	ASSERT_EQ(0, queue_log(self->fd, self->hwpt_id, d, 64, &after));
	EXPECT_EQ(before + 65, after);
	for (i = 0; i < 63; i++)
		EXPECT_EQ(0x0000000012340026 | (__u64)(0x200 + i) << 32,
			  d[i].qw[0]);
	EXPECT_EQ(0x65, d[63].qw[0] & 0xffffffff);
}

/*
 * 6.5.2.4 PASID-based IOTLB Invalidate: 3:0 type 6, 5:4 granularity (10b
 * PASID-selective), 31:16 DID, 51:32 PASID. Guest PASID 5 is host 0x204.
 */
TEST_F(vtd, golden_iotlb_pasid)
{
	e_iotlb_pasid(&self->b, 5);
	expect_one(0x0000020412340026, 0);
	/* Guest PASID 0 is the base itself. */
	e_iotlb_pasid(&self->b, 0);
	expect_one(0x000001ff12340026, 0);
}

/*
 * 6.5.2.4, granularity 11b (page-selective within PASID): qword 1 holds
 * 63:12 the address, 6 IH, 5:0 AM (2^AM pages, naturally aligned).
 */
TEST_F(vtd, golden_iotlb_range)
{
	/* One page, leaf only: IH set. */
	e_iotlb_range(&self->b, 5, 0x12345000, PAGE, IOMMU_INV_IOTLB_FLAG_LEAF);
	expect_one(0x0000020412340036, 0x0000000012345040);
	/* Address 0. */
	e_iotlb_range(&self->b, 0, 0, PAGE, 0);
	expect_one(0x000001ff12340036, 0);
	/* An aligned 2 MiB block: AM 9. */
	e_iotlb_range(&self->b, 5, 0x40200000, 0x200000, 0);
	expect_one(0x0000020412340036, 0x0000000040200009);
	/* An aligned 1 GiB block: AM 18, the unit's largest. */
	e_iotlb_range(&self->b, 5, 0x80000000, 0x40000000, 0);
	expect_one(0x0000020412340036, 0x0000000080000012);
	/* The last page of the 64-bit space. */
	e_iotlb_range(&self->b, 63, 0xfffffffffffff000, PAGE, 0);
	expect_one(0x0000023e12340036, 0xfffffffffffff000);
}

/* Unaligned ranges widen to the smallest aligned block that holds them. */
TEST_F(vtd, golden_iotlb_range_widened)
{
	/* [4K, 16K) lies in [0, 16K): AM 2 at 0. */
	e_iotlb_range(&self->b, 5, 0x1000, 0x3000, 0);
	expect_one(0x0000020412340036, 0x0000000000000002);
	/* Two pages across 2 MiB: [2M - 4K, 2M + 4K) in [0, 4M), AM 10. */
	e_iotlb_range(&self->b, 5, 0x1ff000, 0x2000, 0);
	expect_one(0x0000020412340036, 0x000000000000000a);
	/* 8 KiB at an odd page: [12K, 20K) in [0, 32K), AM 3. */
	e_iotlb_range(&self->b, 5, 0x3000, 0x2000, 0);
	expect_one(0x0000020412340036, 0x0000000000000003);
	/* Across 1 GiB the block would be 2 GiB, past AM 18: whole PASID. */
	e_iotlb_range(&self->b, 5, 0x3ffff000, 0x2000, 0);
	expect_one(0x0000020412340026, 0);
	/* Everything up to 2^64. */
	e_iotlb_range(&self->b, 5, 0, 0xfffffffffffff000, 0);
	expect_one(0x0000020412340026, 0);
	e_iotlb_range(&self->b, 5, 0x1000, 0xfffffffffffff000, 0);
	expect_one(0x0000020412340026, 0);
}

/*
 * 6.5.2.6 PASID-based Device-TLB Invalidate: 3:0 type 8, 8:4 the device's
 * invalidate queue depth, 15:12 PFSID[3:0], 31:16 SID, 51:32 PASID,
 * 63:52 PFSID[15:4]; qword 1: 0 G, 11 S, 63:12 address. S = 0 is one
 * page; with S = 1 the lowest clear bit from bit 12 up gives the size.
 */
TEST_F(vtd, golden_devtlb)
{
	e_devtlb_range(&self->b, VIRT_A, 5, 0x5000, PAGE);
	expect_one(0x0000020400f80088, 0x0000000000005000);
	/* 8 KiB: S, bit 12 clear. */
	e_devtlb_range(&self->b, VIRT_A, 5, 0x6000, 0x2000);
	expect_one(0x0000020400f80088, 0x0000000000006800);
	/* 16 KiB: S, bit 12 set, bit 13 clear. */
	e_devtlb_range(&self->b, VIRT_A, 5, 0x10000, 0x4000);
	expect_one(0x0000020400f80088, 0x0000000000011800);
	/* 2 MiB: bits 12-19 set, bit 20 clear. */
	e_devtlb_range(&self->b, VIRT_A, 0, 0x200000, 0x200000);
	expect_one(0x000001ff00f80088, 0x00000000002ff800);
	/* The whole PASID: all of bits 12-62, bit 63 clear. */
	e_devtlb_pasid(&self->b, VIRT_A, 5);
	expect_one(0x0000020400f80088, 0x7ffffffffffff800);
}

/* The PF source ID of a VF is split over 15:12 and 63:52. */
TEST_F(vtd, golden_devtlb_pfsid)
{
	if (variant->queue == IOMMU_INV_VTD_QUEUE_HW)
		SKIP(return, "QEMU treats the PFSID bits as reserved");
	ASSERT_EQ(0, vtd_vdev(self->fd, self->hwpt_id, 0x20, 0x0101, 0x1234,
			      31, IOMMU_INV_VTD_DEV_ATS, NULL));
	e_devtlb_range(&self->b, 0x20, 1, 0x7000, PAGE);
	expect_one(0x12300200010141f8, 0x0000000000007000);
}

/*
 * 6.5.2.2 PASID-cache Invalidate: 3:0 type 7, 5:4 granularity (00b
 * domain-selective, 01b PASID-selective), 31:16 DID, 51:32 PASID.
 */
TEST_F(vtd, golden_pasid_cache)
{
	e_pc_all(&self->b);
	expect_one(0x0000000012340007, 0);
	e_pc_pasid(&self->b, 63);
	expect_one(0x0000023e12340017, 0);
}

/*
 * 6.5.2.8 Invalidation Wait: 3:0 type 5, 5 SW (write status), 6 FN
 * (fence), 63:32 status data; qword 1: 63:2 status address. One fences
 * every run of at most 64 descriptors, after them.
 */
TEST_F(vtd, wait_fences_each_run)
{
	struct desc d[64];
	__u64 before, after;
	int i;

	if (!self->hooks)
		SKIP(return, NO_HOOKS);
	ASSERT_EQ(0, queue_log(self->fd, self->hwpt_id, d, 0, &before));
	for (i = 0; i < 100; i++)
		e_iotlb_pasid(&self->b, i % PASID_NUM);
	test_inv_ok();
	/* 64 + wait, 36 + wait. */
	ASSERT_EQ(0, queue_log(self->fd, self->hwpt_id, d, 38, &after));
	EXPECT_EQ(before + 102, after);
	EXPECT_EQ(0x65, d[37].qw[0] & 0xffffffff);
	/* The status address is not shown (on a unit, it is physical). */
	EXPECT_EQ(0, d[37].qw[1]);
	EXPECT_EQ(0, d[37].qw[2] | d[37].qw[3]);
	for (i = 0; i < 36; i++)
		EXPECT_EQ(0x26, d[i + 1].qw[0] & 0xff);
	/* The status data moves on from one wait to the next. */
	ASSERT_EQ(0, queue_log(self->fd, self->hwpt_id, d, 64, NULL));
	EXPECT_NE(d[63].qw[0] >> 32, d[63 - 37].qw[0] >> 32);
}

/* A guest PASID outside the window reaches no descriptor. */
TEST_F(vtd, pasid_outside_window)
{
	struct desc d[3];
	__u64 before, after;

	if (!self->hooks)
		SKIP(return, NO_HOOKS);
	ASSERT_EQ(0, queue_log(self->fd, self->hwpt_id, d, 0, &before));
	e_iotlb_pasid(&self->b, 1);
	e_iotlb_pasid(&self->b, PASID_NUM);
	e_iotlb_pasid(&self->b, 2);
	test_inv_fails_at(0, EINVAL, 1);
	EXPECT_EQ(0, self->res[0].hw_error);
	EXPECT_EQ(2, self->inv.out_processed);
	/* Entry 0 and its wait. */
	ASSERT_EQ(0, queue_log(self->fd, self->hwpt_id, d, 2, &after));
	EXPECT_EQ(before + 2, after);
	EXPECT_EQ(0x0000020012340026, d[0].qw[0]);

	ebuf_reset(&self->b);
	e_pc_pasid(&self->b, 0xfffff);
	test_inv_fails_at(0, EINVAL, 0);
	ebuf_reset(&self->b);
	e_devtlb_pasid(&self->b, VIRT_A, PASID_NUM);
	test_inv_fails_at(0, EINVAL, 0);
}

TEST_F(vtd, devtlb_checks)
{
	/* No device by that ID. */
	e_devtlb_pasid(&self->b, 0x99, 0);
	test_inv_fails_at(0, ENODEV, 0);
	/* A device without ATS has no device TLB. */
	ebuf_reset(&self->b);
	e_devtlb_range(&self->b, VIRT_B, 0, 0, PAGE);
	test_inv_fails_at(0, EINVAL, 0);
	/* Ranges are checked by the core first. */
	ebuf_reset(&self->b);
	e_devtlb_range(&self->b, VIRT_A, 0, 0x800, PAGE);
	test_inv_fails_at(0, EINVAL, 0);
	ebuf_reset(&self->b);
	e_iotlb_range(&self->b, 0, 0xfffffffffffff000, 0x2000, 0);
	test_inv_fails_at(0, EOVERFLOW, 0);
}

TEST_F(vtd, alloc_checks)
{
	struct iommu_inv_hwpt_vtd_s1 cfg = {
		.queue = variant->queue, .did = 7, .pasid_num = 1,
	};
	__u32 id;

	EXPECT_ERRNO(EINVAL, vtd_alloc(self->fd, variant->queue, 0, 0, 1, &id));
	EXPECT_ERRNO(EINVAL, vtd_alloc(self->fd, variant->queue, 7, 0, 0, &id));
	EXPECT_ERRNO(EINVAL, vtd_alloc(self->fd, variant->queue, 7,
				       (1 << 20) - 4, 5, &id));
	EXPECT_ERRNO(EINVAL, vtd_alloc(self->fd, variant->queue, 7, 1 << 20,
				       1, &id));
	EXPECT_ERRNO(EOPNOTSUPP, vtd_alloc(self->fd, 7, 7, 0, 1, &id));
	cfg.flags = 1;
	EXPECT_ERRNO(EOPNOTSUPP, _test_hwpt_alloc(self->fd,
						  IOMMU_INV_HWPT_VTD_S1, &cfg,
						  sizeof(cfg), &id));
	cfg.flags = 0;
	cfg.__reserved = 1;
	EXPECT_ERRNO(EOPNOTSUPP, _test_hwpt_alloc(self->fd,
						  IOMMU_INV_HWPT_VTD_S1, &cfg,
						  sizeof(cfg), &id));
	cfg.__reserved = 0;
	cfg.__reserved2 = 1;
	EXPECT_ERRNO(EOPNOTSUPP, _test_hwpt_alloc(self->fd,
						  IOMMU_INV_HWPT_VTD_S1, &cfg,
						  sizeof(cfg), &id));
	/* At most IOMMU_INV_VTD_MAX_PASIDS: what one IOTLB_ALL costs. */
	EXPECT_ERRNO(EINVAL, vtd_alloc(self->fd, variant->queue, 7, 0, 1 << 20,
				       &id));
	EXPECT_ERRNO(EINVAL, vtd_alloc(self->fd, variant->queue, 7, 0,
				       IOMMU_INV_VTD_MAX_PASIDS + 1, &id));
	/* The largest window, ending at 2^20. */
	ASSERT_EQ(0, vtd_alloc(self->fd, variant->queue, 7,
			       (1 << 20) - IOMMU_INV_VTD_MAX_PASIDS,
			       IOMMU_INV_VTD_MAX_PASIDS, &id));
	test_destroy(id);
}

/* One owner per domain ID and per source ID on a unit. */
TEST_F(vtd, host_ids_owned_once)
{
	int fd2 = open(DEV_PATH, O_RDWR);
	__u32 id, id2;

	ASSERT_LE(0, fd2);
	if (variant->queue == IOMMU_INV_VTD_QUEUE_HW) {
		/* Even from another file. */
		EXPECT_ERRNO(EBUSY, vtd_alloc(fd2, variant->queue, DID, 0, 1,
					      &id));
		ASSERT_EQ(0, vtd_alloc(fd2, variant->queue, DID + 1, 0, 1,
				       &id));
		EXPECT_ERRNO(EBUSY, vtd_vdev(fd2, id, 1, SID_A, 0, 0, 0, NULL));
		/* With the hardware queue a source ID names a real device. */
		EXPECT_ERRNO(ENODEV, vtd_vdev(fd2, id, 1, 0xfe00, 0, 0, 0,
					      NULL));
	} else {
		/* Each HWPT has its own model unit. */
		ASSERT_EQ(0, vtd_alloc(fd2, variant->queue, DID, 0, 1, &id));
		ASSERT_EQ(0, vtd_vdev(fd2, id, 1, SID_A, 0, 0, 0, NULL));
	}
	/* Within one HWPT. */
	EXPECT_ERRNO(EBUSY, vtd_vdev(self->fd, self->hwpt_id, 0x30, SID_A, 0,
				     0, 0, NULL));
	/* Released on destroy. */
	close(fd2);
	fd2 = open(DEV_PATH, O_RDWR);
	ASSERT_LE(0, fd2);
	ASSERT_EQ(0, vtd_alloc(fd2, variant->queue, DID + 1, 0, 1, &id2));
	close(fd2);
}

TEST_F(vtd, vdev_checks)
{
	EXPECT_ERRNO(EINVAL, vtd_vdev(self->fd, self->hwpt_id, 0x30, 0x0008,
				      0, 32, 0, NULL));
	EXPECT_ERRNO(EOPNOTSUPP, vtd_vdev(self->fd, self->hwpt_id, 0x30,
					  0x0008, 0, 0, 2, NULL));
	EXPECT_ERRNO(EEXIST, vtd_vdev(self->fd, self->hwpt_id, VIRT_A, 0x0008,
				      0, 0, 0, NULL));
	/* The failed one left no claim on its source ID. */
	ASSERT_EQ(0, vtd_vdev(self->fd, self->hwpt_id, 0x30, 0x0008, 0, 0, 0,
			      NULL));
}

/* Host identifiers need CAP_SYS_ADMIN; the mock does not. */
TEST_F(vtd, needs_cap_sys_admin)
{
	__u32 id;

	ASSERT_EQ(0, drop_cap(CAP_SYS_ADMIN));

	EXPECT_ERRNO(EPERM, vtd_alloc(self->fd, variant->queue, 9, 0, 1, &id));
	EXPECT_ERRNO(EPERM, vtd_vdev(self->fd, self->hwpt_id, 0x30, 0x0008, 0,
				     0, 0, NULL));
	ASSERT_EQ(0, _test_hwpt_alloc_mock(self->fd, 4, &id));
	/* A HWPT made with the capability stays usable without it. */
	e_iotlb_all(&self->b);
	test_inv_ok();
}

/*
 * The queue refuses a descriptor with a reserved bit set (IQE): the entry
 * that owns it fails with EIO and the hardware code, the entries before
 * it were carried out, the ones after were not, and the queue works again
 * for the next call.
 */
TEST_F(vtd, queue_error_on_the_right_entry)
{
	struct iommu_inv_hwpt_info info;
	int i;

	if (!self->hooks)
		SKIP(return, NO_HOOKS);
	for (i = 0; i < 5; i++)
		e_iotlb_pasid(&self->b, i);
	/* qword 2 is reserved in every 256-bit descriptor. */
	ASSERT_EQ(0, queue_corrupt(self->fd, self->hwpt_id, 2, 2, 0));
	test_inv_fails_at(0, EIO, 2);
	EXPECT_EQ(IOMMU_INV_HWERR_VTD_IQE, self->res[0].hw_error);
	EXPECT_EQ(3, self->inv.out_processed);
	EXPECT_EQ(1, self->inv.out_num_failed);

	/* Recovered: the same batch now goes through. */
	test_inv_ok();

	/* Bit 13 of qword 0 is reserved in PASID-based IOTLB descriptors. */
	ASSERT_EQ(0, queue_corrupt(self->fd, self->hwpt_id, 0, 0, 13));
	test_inv_fails_at(0, EIO, 0);
	EXPECT_EQ(IOMMU_INV_HWERR_VTD_IQE, self->res[0].hw_error);
	EXPECT_EQ(1, self->inv.out_processed);

	/* With CONTINUE the entries after the failed one still run. */
	ASSERT_EQ(0, queue_corrupt(self->fd, self->hwpt_id, 1, 3, 63));
	test_inv_fails_at(IOMMU_INV_FLAG_CONTINUE, EIO, 1);
	EXPECT_EQ(5, self->inv.out_processed);
	EXPECT_EQ(1, self->inv.out_num_failed);

	ASSERT_EQ(0, _test_hwpt_info(self->fd, self->hwpt_id, &info));
	EXPECT_EQ(3, info.out_hw_errors);
	EXPECT_EQ(3, info.out_failed);
}

/*
 * The test hooks never reach a real unit: a bit flipped in a descriptor
 * could name another domain or send the status write anywhere in memory,
 * and the log would show physical addresses.
 */
TEST_F(vtd, no_test_hooks_on_a_real_unit)
{
	__u64 total;

	if (variant->queue == IOMMU_INV_VTD_QUEUE_MODEL || self->hooks) {
		/* The model, or the fake unit: both hooks work. */
		ASSERT_EQ(0, queue_log(self->fd, self->hwpt_id, NULL, 0, &total));
		ASSERT_EQ(0, queue_corrupt(self->fd, self->hwpt_id, 0, 2, 1));
		e_iotlb_all(&self->b);
		test_inv_fails_at(0, EIO, 0);
		return;
	}
	EXPECT_ERRNO(EOPNOTSUPP, queue_log(self->fd, self->hwpt_id, NULL, 0,
					   &total));
	EXPECT_ERRNO(EOPNOTSUPP, queue_corrupt(self->fd, self->hwpt_id, 0, 2,
					       1));
	/* Nothing was armed: the call goes through. */
	e_iotlb_all(&self->b);
	test_inv_ok();
}

/* A failure in the second run of a long batch names the right index. */
TEST_F(vtd, queue_error_in_a_later_run)
{
	int i;

	if (!self->hooks)
		SKIP(return, NO_HOOKS);
	for (i = 0; i < 200; i++)
		e_iotlb_range(&self->b, i % PASID_NUM, (__u64)i * PAGE, PAGE, 0);
	ASSERT_EQ(0, queue_corrupt(self->fd, self->hwpt_id, 150, 1, 8));
	test_inv_fails_at(0, EIO, 150);
	EXPECT_EQ(IOMMU_INV_HWERR_VTD_IQE, self->res[0].hw_error);
	EXPECT_EQ(151, self->inv.out_processed);
	test_inv_ok();
}

/* A device-TLB that does not answer: ITE on its entry (model only). */
TEST_F(vtd, devtlb_timeout)
{
	struct iommu_inv_test_cmd cmd = {
		.op = IOMMU_INV_TEST_OP_DEV_TIMEOUT, .id = self->hwpt_id,
		.dev_timeout = { .sid = SID_A },
	};

	if (variant->queue == IOMMU_INV_VTD_QUEUE_HW) {
		EXPECT_ERRNO(EOPNOTSUPP, _test_op(self->fd, &cmd));
		SKIP(return, "QEMU's device TLBs always answer");
	}
	ASSERT_EQ(0, _test_op(self->fd, &cmd));
	e_iotlb_all(&self->b);
	e_devtlb_pasid(&self->b, VIRT_A, 0);
	e_pc_all(&self->b);
	test_inv_fails_at(0, ETIMEDOUT, 1);
	EXPECT_EQ(IOMMU_INV_HWERR_VTD_ITE, self->res[0].hw_error);
	EXPECT_EQ(2, self->inv.out_processed);
	test_inv_ok();
}

/*
 * What each entry evicts, on the model, which evicts for each descriptor
 * exactly what its section of 6.5.2 says and nothing more. Translations
 * next to the ones that must go (the PASID below and above, the next
 * domain, the page past the block) must stay, so that both a flush that
 * misses and one that reaches too far show.
 */
TEST_F(vtd, flush_iotlb_all)
{
	if (on_hw())
		SKIP(return, MODEL_ONLY);
	fill(IOTLB, DID, HP(0), 0, 0x1000, PAGE);		/* 0: goes */
	fill(IOTLB, DID, HP(63), 0, 0x1000, PAGE);		/* 1: goes */
	fill(IOTLB, DID, HP(33), 0, 0x200000, 0x200000);	/* 2: goes */
	fill(IOTLB, DID, HP(-1), 0, 0x1000, PAGE);		/* 3: outside */
	fill(IOTLB, DID, HP(64), 0, 0x1000, PAGE);		/* 4: outside */
	fill(IOTLB, DID + 1, HP(0), 0, 0x1000, PAGE);		/* 5: other DID */
	fill(PWC, DID, HP(5), 0, 0, 1ULL << 30);		/* 0: goes */
	fill(PWC, DID + 1, HP(5), 0, 0, 1ULL << 30);		/* 1: stays */
	fill(IOTLB_SS, DID, 0, 0, 0x1000, PAGE);		/* 0: stays */
	fill(DEVTLB, 0, HP(0), SID_A, 0x1000, PAGE);		/* 0: stays */
	fill(PASID, DID, HP(0), 0, 0, PAGE);			/* 0: stays */

	e_iotlb_all(&self->b);
	test_inv_ok();
	EXPECT_EQ(0x38, valid(IOTLB));
	EXPECT_EQ(0x2, valid(PWC));
	/* The second stage is the host's, not the guest's to flush. */
	EXPECT_EQ(0x1, valid(IOTLB_SS));
	EXPECT_EQ(0x1, valid(DEVTLB));
	EXPECT_EQ(0x1, valid(PASID));
}

TEST_F(vtd, flush_iotlb_pasid)
{
	if (on_hw())
		SKIP(return, MODEL_ONLY);
	fill(IOTLB, DID, HP(3), 0, 0x1000, PAGE);		/* 0: goes */
	fill(IOTLB, DID, HP(3), 0, 0xfffffffffffff000, PAGE);	/* 1: goes */
	fill(IOTLB, DID, HP(2), 0, 0x1000, PAGE);		/* 2 */
	fill(IOTLB, DID, HP(4), 0, 0x1000, PAGE);		/* 3 */
	fill(IOTLB, DID, HP(0), 0, 0x1000, PAGE);		/* 4: 0x1ff | 3 */
	fill(IOTLB, DID + 1, HP(3), 0, 0x1000, PAGE);		/* 5 */
	fill(PWC, DID, HP(3), 0, 0, 1ULL << 39);		/* 0: goes */
	fill(PWC, DID, HP(1), 0, 0, 1ULL << 39);		/* 1 */
	fill(IOTLB_SS, DID, 0, 0, 0x1000, PAGE);
	fill(DEVTLB, 0, HP(3), SID_A, 0x1000, PAGE);

	e_iotlb_pasid(&self->b, 3);
	test_inv_ok();
	EXPECT_EQ(0x3c, valid(IOTLB));
	EXPECT_EQ(0x2, valid(PWC));
	EXPECT_EQ(0x1, valid(IOTLB_SS));
	EXPECT_EQ(0x1, valid(DEVTLB));
}

TEST_F(vtd, flush_iotlb_range)
{
	if (on_hw())
		SKIP(return, MODEL_ONLY);
	/* An aligned 2 MiB block in guest PASID 3. */
	fill(IOTLB, DID, HP(3), 0, 0x40200000, PAGE);		/* 0: goes */
	fill(IOTLB, DID, HP(3), 0, 0x403ff000, PAGE);		/* 1: goes */
	fill(IOTLB, DID, HP(3), 0, 0x40400000, PAGE);		/* 2: past */
	fill(IOTLB, DID, HP(3), 0, 0x401ff000, PAGE);		/* 3: before */
	fill(IOTLB, DID, HP(4), 0, 0x40200000, PAGE);		/* 4 */
	fill(IOTLB, DID, HP(3), 0, 0x40000000, 1ULL << 30);	/* 5: goes */
	fill(PWC, DID, HP(3), 0, 0x40000000, 1ULL << 30);	/* 0 */
	fill(PWC, DID, HP(3), 0, 0x80000000, 1ULL << 30);	/* 1 */

	/* Leaf only: the paging-structure caches may stay (IH). */
	e_iotlb_range(&self->b, 3, 0x40200000, 0x200000,
		      IOMMU_INV_IOTLB_FLAG_LEAF);
	test_inv_ok();
	EXPECT_EQ(0x1c, valid(IOTLB));
	EXPECT_EQ(0x3, valid(PWC));
	/* Not leaf only: the one over the block goes too. */
	ebuf_reset(&self->b);
	e_iotlb_range(&self->b, 3, 0x40200000, 0x200000, 0);
	test_inv_ok();
	EXPECT_EQ(0x2, valid(PWC));

	/* Widened: two pages across 2 MiB flush the 4 MiB block at 0. */
	fill(IOTLB, DID, HP(3), 0, 0, PAGE);			/* 0: goes */
	fill(IOTLB, DID, HP(3), 0, 0x3ff000, PAGE);		/* 1: goes */
	fill(IOTLB, DID, HP(3), 0, 0x400000, PAGE);		/* 5: past */
	ebuf_reset(&self->b);
	e_iotlb_range(&self->b, 3, 0x1ff000, 0x2000, 0);
	test_inv_ok();
	EXPECT_EQ(0x3c, valid(IOTLB));
}

TEST_F(vtd, flush_devtlb)
{
	if (on_hw())
		SKIP(return, MODEL_ONLY);
	fill(DEVTLB, 0, HP(3), SID_A, 0x6000, PAGE);		/* 0: goes */
	fill(DEVTLB, 0, HP(3), SID_A, 0x7000, PAGE);		/* 1: goes */
	fill(DEVTLB, 0, HP(3), SID_A, 0x8000, PAGE);		/* 2: past */
	fill(DEVTLB, 0, HP(3), SID_A, 0x5000, PAGE);		/* 3: before */
	fill(DEVTLB, 0, HP(4), SID_A, 0x6000, PAGE);		/* 4 */
	fill(DEVTLB, 0, HP(3), SID_B, 0x6000, PAGE);		/* 5 */
	fill(DEVTLB, 0, HP(3), SID_A, 0xfffffffffffff000, PAGE); /* 6 */
	fill(IOTLB, DID, HP(3), 0, 0x6000, PAGE);

	e_devtlb_range(&self->b, VIRT_A, 3, 0x6000, 0x2000);
	test_inv_ok();
	EXPECT_EQ(0x7c, valid(DEVTLB));
	/* The whole address space of the PASID, the top page included. */
	ebuf_reset(&self->b);
	e_devtlb_pasid(&self->b, VIRT_A, 3);
	test_inv_ok();
	EXPECT_EQ(0x30, valid(DEVTLB));
	/* Device-TLB invalidations leave the IOTLB alone. */
	EXPECT_EQ(0x1, valid(IOTLB));
}

TEST_F(vtd, flush_pasid_cache)
{
	if (on_hw())
		SKIP(return, MODEL_ONLY);
	fill(PASID, DID, HP(3), 0, 0, PAGE);			/* 0 */
	fill(PASID, DID, HP(4), 0, 0, PAGE);			/* 1 */
	fill(PASID, DID, HP(0), 0, 0, PAGE);			/* 2: 0x1ff | 3 */
	fill(PASID, DID + 1, HP(3), 0, 0, PAGE);		/* 3 */
	fill(IOTLB, DID, HP(3), 0, 0x1000, PAGE);

	e_pc_pasid(&self->b, 3);
	test_inv_ok();
	EXPECT_EQ(0xe, valid(PASID));
	/* Domain-selective: every PASID of the domain, no other domain. */
	ebuf_reset(&self->b);
	e_pc_all(&self->b);
	test_inv_ok();
	EXPECT_EQ(0x8, valid(PASID));
	/* The IOTLB is flushed by its own entries. */
	EXPECT_EQ(0x1, valid(IOTLB));
}

/*
 * The model's own rule: an IOTLB invalidate (6.5.2.3), domain-selective,
 * flushes a domain's second-stage-only translations and leaves its
 * PASID-tagged first-stage ones, which is why IOTLB_ALL is not encoded so.
 * The descriptor is made by flipping the PASID-based one of guest PASID 0
 * (host 0: qword 0 0x12340026) to type 2 (bit 2).
 */
TEST_F(vtd, model_legacy_iotlb_keeps_first_stage)
{
	__u32 id;

	if (on_hw())
		SKIP(return, MODEL_ONLY);
	ASSERT_EQ(0, vtd_alloc(self->fd, variant->queue, DID, 0, 1, &id));
	ASSERT_LE(0, vtd_fill(self->fd, id, IOMMU_INV_VTD_CACHE_IOTLB, DID, 0,
			      0, 0x1000, PAGE));
	ASSERT_LE(0, vtd_fill(self->fd, id, IOMMU_INV_VTD_CACHE_IOTLB_SS, DID,
			      0, 0, 0x1000, PAGE));
	ASSERT_LE(0, vtd_fill(self->fd, id, IOMMU_INV_VTD_CACHE_IOTLB_SS,
			      DID + 1, 0, 0, 0x1000, PAGE));
	e_iotlb_pasid(&self->b, 0);
	ASSERT_EQ(0, queue_corrupt(self->fd, id, 0, 0, 2));
	ASSERT_EQ(0, _test_inv(self->fd, id, &self->b, 0, self->res, 8,
			       &self->inv));
	EXPECT_EQ(0x1, vtd_valid(self->fd, id, IOMMU_INV_VTD_CACHE_IOTLB));
	EXPECT_EQ(0x2, vtd_valid(self->fd, id, IOMMU_INV_VTD_CACHE_IOTLB_SS));
	/* Unflipped, the same entry flushes the first-stage one. */
	ASSERT_EQ(0, _test_inv(self->fd, id, &self->b, 0, self->res, 8,
			       &self->inv));
	EXPECT_EQ(0, vtd_valid(self->fd, id, IOMMU_INV_VTD_CACHE_IOTLB));
	test_destroy(id);
}

/* The test interface: model only, checked arguments. */
TEST_F(vtd, model_fill_checks)
{
	struct iommu_inv_test_cmd cmd = {
		.op = IOMMU_INV_TEST_OP_VTD_QUERY, .id = self->hwpt_id,
	};
	int i;

	if (variant->queue == IOMMU_INV_VTD_QUEUE_HW) {
		EXPECT_ERRNO(EOPNOTSUPP, vtd_fill(self->fd, self->hwpt_id,
						  IOMMU_INV_VTD_CACHE_IOTLB,
						  DID, 0, 0, 0, PAGE));
		EXPECT_ERRNO(EOPNOTSUPP, _test_op(self->fd, &cmd));
		return;
	}
	EXPECT_ERRNO(EINVAL, vtd_fill(self->fd, self->hwpt_id,
				      IOMMU_INV_VTD_NUM_CACHES, DID, 0, 0, 0,
				      PAGE));
	EXPECT_ERRNO(EINVAL, vtd_fill(self->fd, self->hwpt_id,
				      IOMMU_INV_VTD_CACHE_IOTLB, DID, 0, 0, 0,
				      0));
	EXPECT_ERRNO(EINVAL, vtd_fill(self->fd, self->hwpt_id,
				      IOMMU_INV_VTD_CACHE_IOTLB, DID, 1 << 20,
				      0, 0, PAGE));
	EXPECT_ERRNO(EINVAL, vtd_fill(self->fd, self->hwpt_id,
				      IOMMU_INV_VTD_CACHE_IOTLB, DID, 0, 0,
				      0xfffffffffffff000, 2 * PAGE));
	cmd.vtd_query.cache = IOMMU_INV_VTD_NUM_CACHES;
	EXPECT_ERRNO(EINVAL, _test_op(self->fd, &cmd));
	cmd.vtd_query.cache = 0;
	cmd.vtd_query.__reserved = 1;
	EXPECT_ERRNO(EOPNOTSUPP, _test_op(self->fd, &cmd));
	for (i = 0; i < 64; i++)
		ASSERT_EQ(i, vtd_fill(self->fd, self->hwpt_id,
				      IOMMU_INV_VTD_CACHE_PWC, DID, i, 0, 0,
				      PAGE));
	EXPECT_ERRNO(ENOSPC, vtd_fill(self->fd, self->hwpt_id,
				      IOMMU_INV_VTD_CACHE_PWC, DID, 0, 0, 0,
				      PAGE));
	EXPECT_EQ(~0ULL, valid(PWC));
	EXPECT_EQ(0, valid(IOTLB));
}

/*
 * IOTLB_ALL on a window of 200 PASIDs between two entries: 202
 * descriptors in runs of 64, 64, 64 and 10, each with its wait. A fault
 * on descriptor 130 of the IOTLB_ALL (the fourth of the third run) fails
 * that entry, with the entry before it done and its own first 130
 * descriptors carried out, and nothing after.
 */
TEST_F(vtd, iotlb_all_spans_runs)
{
	const __u32 base = 0x1ff, num = 200;
	static const __u32 ks[] = { 0, 127, 129, 130, 131, 199 };
	bool model = variant->queue == IOMMU_INV_VTD_QUEUE_MODEL;
	struct desc d[11];
	__u64 before, after;
	unsigned int i;
	__u32 id;

	ASSERT_EQ(0, vtd_alloc(self->fd, variant->queue, 0x2222, base, num,
			       &id));
	e_iotlb_pasid(&self->b, 1);
	e_iotlb_all(&self->b);
	e_iotlb_pasid(&self->b, 2);

	if (!self->hooks) {
		/* A real unit takes all 206 descriptors, in four runs. */
		ASSERT_EQ(0, _test_inv(self->fd, id, &self->b, 0, self->res,
				       8, &self->inv));
		EXPECT_EQ(3, self->inv.out_processed);
		return;
	}
	ASSERT_EQ(0, queue_log(self->fd, id, d, 0, &before));
	ASSERT_EQ(0, _test_inv(self->fd, id, &self->b, 0, self->res, 8,
			       &self->inv));
	EXPECT_EQ(3, self->inv.out_processed);
	ASSERT_EQ(0, queue_log(self->fd, id, d, 11, &after));
	EXPECT_EQ(before + 206, after);
	/* The last run: PASIDs base + 191 to base + 199, guest 2, a wait. */
	for (i = 0; i < 9; i++)
		EXPECT_EQ(0x0000000022220026 | (__u64)(base + 191 + i) << 32,
			  d[i].qw[0]);
	EXPECT_EQ(0x0000020122220026, d[9].qw[0]);
	EXPECT_EQ(0x65, d[10].qw[0] & 0xffffffff);

	/* A reserved bit (qword 0 bit 13) in descriptor 130 of entry 1. */
	for (i = 0; model && i < ARRAY_SIZE(ks); i++)
		ASSERT_EQ(i, vtd_fill(self->fd, id, IOMMU_INV_VTD_CACHE_IOTLB,
				      0x2222, base + ks[i], 0, 0, PAGE));
	if (model)	/* outside the window */
		ASSERT_EQ(i, vtd_fill(self->fd, id, IOMMU_INV_VTD_CACHE_IOTLB,
				      0x2222, base + num, 0, 0, PAGE));
	ASSERT_EQ(0, queue_corrupt_desc(self->fd, id, 1, 130, 0, 13));
	ASSERT_EQ(0, queue_log(self->fd, id, d, 0, &before));
	errno = 0;
	ASSERT_EQ(-1, _test_inv(self->fd, id, &self->b, 0, self->res, 8,
				&self->inv));
	EXPECT_EQ(EIO, errno);
	EXPECT_EQ(2, self->inv.out_processed);
	EXPECT_EQ(1, self->inv.out_first_error);
	EXPECT_EQ(1, self->inv.out_num_failed);
	EXPECT_EQ(1, self->res[0].index);
	EXPECT_EQ(-EIO, self->res[0].error);
	EXPECT_EQ(IOMMU_INV_HWERR_VTD_IQE, self->res[0].hw_error);
	/* Three runs went to the queue, the third stopped in the middle. */
	ASSERT_EQ(0, queue_log(self->fd, id, d, 0, &after));
	EXPECT_EQ(before + 195, after);
	/* Descriptors 0 to 129 evicted their PASIDs; 130 on did not run. */
	if (model)
		EXPECT_EQ(0x78, vtd_valid(self->fd, id,
					  IOMMU_INV_VTD_CACHE_IOTLB));

	/* With CONTINUE, entry 2 runs after the failed one. */
	ASSERT_EQ(0, queue_corrupt_desc(self->fd, id, 1, 199, 0, 13));
	errno = 0;
	ASSERT_EQ(-1, _test_inv(self->fd, id, &self->b, IOMMU_INV_FLAG_CONTINUE,
				self->res, 8, &self->inv));
	EXPECT_EQ(EIO, errno);
	EXPECT_EQ(3, self->inv.out_processed);
	EXPECT_EQ(1, self->inv.out_first_error);
	EXPECT_EQ(1, self->res[0].index);
	if (model)	/* all but 199's and the one outside */
		EXPECT_EQ(0x60, vtd_valid(self->fd, id,
					  IOMMU_INV_VTD_CACHE_IOTLB));

	/* The queue works again, and the descriptor index is per entry. */
	ASSERT_EQ(0, _test_inv(self->fd, id, &self->b, 0, self->res, 8,
			       &self->inv));
	if (model)
		EXPECT_EQ(0x40, vtd_valid(self->fd, id,
					  IOMMU_INV_VTD_CACHE_IOTLB));
	test_destroy(id);
}

/*
 * The largest window, ending at 2^20: IOTLB_ALL is 1024 descriptors in 16
 * runs, the last for host PASID 0xfffff, the top of the 20-bit field.
 */
TEST_F(vtd, iotlb_all_largest_window)
{
	const __u32 num = IOMMU_INV_VTD_MAX_PASIDS, base = (1 << 20) - num;
	struct desc d[64];
	__u64 before, after;
	__u32 id;
	int i;

	ASSERT_EQ(0, vtd_alloc(self->fd, variant->queue, 0x2222, base, num,
			       &id));
	if (!on_hw()) {
		ASSERT_EQ(0, vtd_fill(self->fd, id, IOMMU_INV_VTD_CACHE_IOTLB,
				      0x2222, 0xfffff, 0, 0, PAGE));
		ASSERT_EQ(1, vtd_fill(self->fd, id, IOMMU_INV_VTD_CACHE_IOTLB,
				      0x2222, base, 0, 0, PAGE));
		ASSERT_EQ(2, vtd_fill(self->fd, id, IOMMU_INV_VTD_CACHE_IOTLB,
				      0x2222, base - 1, 0, 0, PAGE));
	}
	e_iotlb_all(&self->b);
	if (!self->hooks) {
		/* A real unit takes the 1024 descriptors, in 16 runs. */
		ASSERT_EQ(0, _test_inv(self->fd, id, &self->b, 0, self->res,
				       8, &self->inv));
		EXPECT_EQ(1, self->inv.out_processed);
		return;
	}
	ASSERT_EQ(0, queue_log(self->fd, id, d, 0, &before));
	ASSERT_EQ(0, _test_inv(self->fd, id, &self->b, 0, self->res, 8,
			       &self->inv));
	EXPECT_EQ(1, self->inv.out_processed);
	ASSERT_EQ(0, queue_log(self->fd, id, d, 64, &after));
	EXPECT_EQ(before + num + num / 64, after);
	for (i = 0; i < 63; i++)
		EXPECT_EQ(0x0000000022220026 | (__u64)(0xfffc1 + i) << 32,
			  d[i].qw[0]);
	EXPECT_EQ(0x000fffff22220026, d[62].qw[0]);
	EXPECT_EQ(0x65, d[63].qw[0] & 0xffffffff);
	if (!on_hw())
		EXPECT_EQ(0x4, vtd_valid(self->fd, id,
					 IOMMU_INV_VTD_CACHE_IOTLB));
	test_destroy(id);
}

/*
 * The same batches on the model and on the hardware queue: the same
 * results, the same descriptors. Both IOTLB_ALL entries become 64
 * descriptors (the window's PASIDs), so the batch is 134 descriptors in
 * runs of 64, 64 and 6, and faults fall in any run and in the middle of
 * an entry. A fixture test of the hw variant, so that its rerun on the
 * fake unit (which has the hooks) compares descriptors.
 */
TEST_F(vtd, model_and_hardware_agree)
{
	static const __u32 none = ~0U;
	/* entry, its descriptor, word, bit */
	static const __u32 faults[][4] = {
		{ none },	/* no fault: an all-success batch */
		{ 1, 0, 0, 52 },	/* PASID-based IOTLB: 63:52 reserved */
		{ 5, 0, 1, 1 },		/* device-TLB: qword 1 bits 10:1 */
		{ 0, 0, 0, 14 },	/* PASID-based IOTLB: 15:12 reserved */
		{ 6, 0, 1, 9 },		/* page-selective: qword 1 bits 11:7 */
		{ 7, 0, 0, 10 },	/* type bits 11:9, an unknown type */
		{ 2, 0, 2, 33 },	/* qword 2 is reserved everywhere */
		{ 0, 40, 0, 13 },	/* IOTLB_ALL, inside the first run */
		{ 7, 57, 0, 5 },	/* granularity 00b, the second run's last */
		{ 7, 60, 3, 7 },	/* IOTLB_ALL, in the third run */
	};
	int fd = self->fd;
	__u32 ids[2];
	struct iommu_inv_result res[2][8];
	struct iommu_inv_hwpt_invalidate inv[2];
	__u64 before[2], after[2], n;
	struct desc d[2][64];
	struct ebuf b;
	unsigned int f, q, i;
	bool hooks;

	if (!on_hw())
		SKIP(return, "the hw variant compares its queue with the model");
	ASSERT_EQ(0, vtd_alloc(fd, IOMMU_INV_VTD_QUEUE_MODEL, DID + 1,
			       PASID_BASE, PASID_NUM, &ids[0]));
	ASSERT_EQ(0, vtd_vdev(fd, ids[0], VIRT_A, SID_A, 0, 8,
			      IOMMU_INV_VTD_DEV_ATS, NULL));
	ids[1] = self->hwpt_id;
	ebuf_init(&b, 4096);
	e_iotlb_all(&b);
	e_iotlb_pasid(&b, 3);
	e_iotlb_range(&b, 3, 0x1000, 0x3000, IOMMU_INV_IOTLB_FLAG_LEAF);
	e_pc_pasid(&b, 4);
	e_pc_all(&b);
	e_devtlb_range(&b, VIRT_A, 2, 0x40000, 0x10000);
	e_iotlb_range(&b, 1, 0x200000, PAGE, 0);
	e_iotlb_all(&b);

	/*
	 * A real unit has no test hooks: there the fault-free batch only,
	 * results compared (its descriptors are compared on the fake unit).
	 */
	hooks = !queue_log(fd, ids[1], NULL, 0, NULL);
	for (f = 0; f < ARRAY_SIZE(faults); f++) {
		if (!hooks && faults[f][0] != none)
			continue;
		for (q = 0; q < 2; q++) {
			if (q && !hooks) {
				_test_inv(fd, ids[q], &b, 0, res[q], 8, &inv[q]);
				continue;
			}
			ASSERT_EQ(0, queue_log(fd, ids[q], d[q], 0,
					       &before[q]));
			if (faults[f][0] != none)
				ASSERT_EQ(0, queue_corrupt_desc(fd, ids[q],
								faults[f][0],
								faults[f][1],
								faults[f][2],
								faults[f][3]));
			memset(res[q], 0xa5, sizeof(res[q]));
			_test_inv(fd, ids[q], &b, 0, res[q], 8, &inv[q]);
			ASSERT_EQ(0, queue_log(fd, ids[q], d[q], 0, &after[q]));
		}
		EXPECT_SAME_ON_BOTH(res, inv);
		EXPECT_EQ(faults[f][0] != none ? faults[f][0] : b.num,
			  inv[1].out_first_error);
		if (faults[f][0] != none)
			EXPECT_EQ(IOMMU_INV_HWERR_VTD_IQE, res[1][0].hw_error);
		if (!hooks)
			continue;
		/* As many runs; the same descriptors but for the DID. */
		n = after[0] - before[0];
		EXPECT_EQ(n, after[1] - before[1]);
		if (n > 64)
			n = 64;
		for (q = 0; q < 2; q++)
			ASSERT_EQ(0, queue_log(fd, ids[q], d[q], n, NULL));
		for (i = 0; i < n; i++) {
			if ((d[0][i].qw[0] & 0xf) == 5) {
				EXPECT_EQ(5, d[1][i].qw[0] & 0xf);
				continue;
			}
			EXPECT_EQ(d[0][i].qw[0] & ~0xffff0000ULL,
				  d[1][i].qw[0] & ~0xffff0000ULL);
			EXPECT_EQ(d[0][i].qw[1], d[1][i].qw[1]);
			EXPECT_EQ(d[0][i].qw[2], d[1][i].qw[2]);
			EXPECT_EQ(d[0][i].qw[3], d[1][i].qw[3]);
		}
	}
	free(b.data);
}

/*
 * Raw guest descriptors (IOMMU_INV_ENTRY_VTD_DESC). The guest's
 * descriptors name guest DID 0x42, guest PASIDs and the guest's source ID
 * (the VDEV's virt_id); what reaches the queue names host DID 0x1234, host
 * PASIDs 0x1ff + p and host SID 0xf8. Both sides are written out from the
 * layouts of 6.5.2, bit by bit, in the comments.
 */
#define e_raw(_qw0, _qw1) e_vtd_desc(&self->b, _qw0, _qw1, 0, 0)

/*
 * 6.5.2.4 PASID-based IOTLB: 3:0 type 6, 5:4 G (10b PASID-selective, 11b
 * page-selective), 31:16 DID, 51:32 PASID; qword 1: 63:12 address, 6 IH,
 * 5:0 AM.
 */
TEST_F(vtd, raw_golden_piotlb)
{
	/* Guest PASID 5 (host 0x204), PASID-selective. */
	e_raw(0x0000000500420026, 0);
	expect_one(0x0000020412340026, 0);
	/* Guest PASID 0 is the base; 63 the window's last. */
	e_raw(0x0000000000420026, 0);
	expect_one(0x000001ff12340026, 0);
	e_raw(0x0000003f00420026, 0);
	expect_one(0x0000023e12340026, 0);
	/* Page-selective: one page, IH. */
	e_raw(0x0000000500420036, 0x0000000012345040);
	expect_one(0x0000020412340036, 0x0000000012345040);
	/* An aligned 2 MiB block, AM 9. */
	e_raw(0x0000000500420036, 0x0000000040200009);
	expect_one(0x0000020412340036, 0x0000000040200009);
	/* AM 2 at 0x3000: the bits under the mask are ignored, block 0. */
	e_raw(0x0000000500420036, 0x0000000000003002);
	expect_one(0x0000020412340036, 0x0000000000000002);
	/* AM 18, the unit's largest (1 GiB). */
	e_raw(0x0000000500420036, 0x0000000080000012);
	expect_one(0x0000020412340036, 0x0000000080000012);
	/* AM 19 is past it: the whole PASID, IH dropped. */
	e_raw(0x0000000500420036, 0x0000000080000053);
	expect_one(0x0000020412340026, 0);
}

/*
 * 6.5.2.6 PASID-based device-TLB: 3:0 type 8, 8:4 QDEP, 15:12 PFSID[3:0],
 * 31:16 SID, 51:32 PASID, 63:52 PFSID[15:4]; qword 1: 0 G, 11 S, 63:12
 * address. The guest's QDEP (3) and PFSID (0xabcf) are replaced by the
 * VDEV's (8, 0); its SID 0x10 is VIRT_A, host 0xf8.
 */
TEST_F(vtd, raw_golden_pdevtlb)
{
	e_raw(0xabc000050010f038, 0x0000000000006800);
	expect_one(0x0000020400f80088, 0x0000000000006800);
	/* G and the whole address space pass as the guest wrote them. */
	e_raw(0x0000000000100008, 0x7ffffffffffff801);
	expect_one(0x000001ff00f80088, 0x7ffffffffffff801);
	/* One page, S clear. */
	e_raw(0x0000003f00100008, 0xfffffffffffff000);
	expect_one(0x0000023e00f80088, 0xfffffffffffff000);
}

/* A VF's PFSID, from the VDEV, split over 15:12 and 63:52. */
TEST_F(vtd, raw_golden_pdevtlb_pfsid)
{
	if (on_hw())
		SKIP(return, "QEMU treats the PFSID bits as reserved");
	ASSERT_EQ(0, vtd_vdev(self->fd, self->hwpt_id, 0x20, 0x0101, 0x1234,
			      31, IOMMU_INV_VTD_DEV_ATS, NULL));
	e_raw(0x0000000100200008, 0x0000000000007000);
	expect_one(0x12300200010141f8, 0x0000000000007000);
}

/*
 * 6.5.2.5 device-TLB invalidate (no PASID), as Linux's qi_flush_dev_iotlb()
 * sends it for a device's requests without PASID: 3:0 type 3, 15:12
 * PFSID[3:0], 20:16 MIP, 47:32 SID, 63:52 PFSID[15:4]; qword 1: 0 S, 63:12
 * address. The guest's MIP (3) and PFSID (0xabcf) are replaced by the
 * VDEV's queue depth and PFSID (8, 0); its SID 0x10 is VIRT_A, host 0xf8;
 * S and the address pass as the guest wrote them.
 */
TEST_F(vtd, raw_golden_devtlb)
{
	/* S: the 8 KiB block at 0x6000 (bit 12 clear). */
	e_raw(0xabc000100003f003, 0x0000000000006001);
	expect_one(0x000000f800080003, 0x0000000000006001);
	/* One page, S clear. */
	e_raw(0x0000001000000003, 0x0000000012345000);
	expect_one(0x000000f800080003, 0x0000000012345000);
	/* Everything, as Linux's cache_tag_flush_devtlb_all() encodes it. */
	e_raw(0x0000001000000003, 0x7ffffffffffff001);
	expect_one(0x000000f800080003, 0x7ffffffffffff001);
}

/* A VF's PFSID and a queue depth of 31, from the VDEV. */
TEST_F(vtd, raw_golden_devtlb_pfsid)
{
	if (on_hw())
		SKIP(return, "QEMU treats the PFSID bits as reserved");
	ASSERT_EQ(0, vtd_vdev(self->fd, self->hwpt_id, 0x20, 0x0101, 0x1234,
			      31, IOMMU_INV_VTD_DEV_ATS, NULL));
	e_raw(0x0000002000000003, 0x0000000000007000);
	expect_one(0x12300101001f4003, 0x0000000000007000);
}

/*
 * What a device-TLB invalidate without PASID evicts (model): the device's
 * entries in the range, those for its requests without PASID and its
 * PASID-tagged ones alike (the ATS request carries no PASID, so it is for
 * every PASID), and nothing of another device.
 */
TEST_F(vtd, raw_flush_devtlb_nopasid)
{
	if (on_hw())
		SKIP(return, MODEL_ONLY);
	fill(DEVTLB_NP, 0, 0, SID_A, 0x6000, PAGE);		/* 0: goes */
	fill(DEVTLB_NP, 0, 0, SID_A, 0x7000, PAGE);		/* 1: goes */
	fill(DEVTLB_NP, 0, 0, SID_A, 0x8000, PAGE);		/* 2: past */
	fill(DEVTLB_NP, 0, 0, SID_A, 0x5000, PAGE);		/* 3: before */
	fill(DEVTLB_NP, 0, 0, SID_B, 0x6000, PAGE);		/* 4 */
	fill(DEVTLB_NP, 0, 0, SID_A, 0xfffffffffffff000, PAGE); /* 5 */
	fill(DEVTLB, 0, HP(0), SID_A, 0x7000, PAGE);		/* 0: goes */
	fill(DEVTLB, 0, HP(0), SID_A, 0x8000, PAGE);		/* 1: past */
	fill(DEVTLB, 0, HP(1), SID_B, 0x6000, PAGE);		/* 2 */

	e_raw(0x0000001000000003, 0x0000000000006001);
	test_inv_ok();
	EXPECT_EQ(0x3c, valid(DEVTLB_NP));
	EXPECT_EQ(0x6, valid(DEVTLB));
	/* Linux's "everything": the top page too, still one device. */
	ebuf_reset(&self->b);
	e_raw(0x0000001000000003, 0x7ffffffffffff001);
	test_inv_ok();
	EXPECT_EQ(0x10, valid(DEVTLB_NP));
	EXPECT_EQ(0x4, valid(DEVTLB));
	/* PASID-based device-TLB invalidations leave these alone. */
	fill(DEVTLB_NP, 0, 0, SID_A, 0x6000, PAGE);		/* 0 */
	fill(DEVTLB, 0, HP(0), SID_A, 0x7000, PAGE);		/* 0 */
	ebuf_reset(&self->b);
	e_devtlb_pasid(&self->b, VIRT_A, 0);
	test_inv_ok();
	EXPECT_EQ(0x11, valid(DEVTLB_NP));
	EXPECT_EQ(0x4, valid(DEVTLB));
}

/*
 * 6.5.2.2 PASID-cache: 3:0 type 7, 5:4 G (00b domain-selective, 01b
 * PASID-selective, 11b global), 31:16 DID, 51:32 PASID. Global is the
 * guest's whole unit: on the host, the HWPT's domain.
 */
TEST_F(vtd, raw_golden_pasid_cache)
{
	e_raw(0x0000000000420007, 0);
	expect_one(0x0000000012340007, 0);
	/* Domain-selective ignores the PASID field, even one outside. */
	e_raw(0x000fffff00420007, 0);
	expect_one(0x0000000012340007, 0);
	e_raw(0x0000003f00420017, 0);
	expect_one(0x0000023e12340017, 0);
	e_raw(0x0000000000420037, 0);
	expect_one(0x0000000012340007, 0);
}

/*
 * 6.5.2.3 IOTLB invalidate, DID only (5:4 01b global, 10b domain; 6 DW
 * and 7 DR may be set): the same host descriptors as IOTLB_ALL, one
 * PASID-selective PASID-based IOTLB invalidation per PASID of the window,
 * since that descriptor does not reach PASID-tagged translations.
 */
TEST_F(vtd, raw_iotlb_did_only_is_iotlb_all)
{
	static const __u64 guest[] = {
		0x0000000000420022, 0x0000000000000012, 0x00000000004200e2,
	};
	struct desc d[4], all[4];
	__u64 before, after;
	unsigned int i;
	__u32 id;

	if (!self->hooks) {
		for (i = 0; i < ARRAY_SIZE(guest); i++)
			e_raw(guest[i], 0);
		test_inv_ok();
		return;
	}
	/* A window of three PASIDs that carries: 0x1ff, 0x200, 0x201. */
	ASSERT_EQ(0, vtd_alloc(self->fd, variant->queue, 0x2222, 0x1ff, 3,
			       &id));
	e_iotlb_all(&self->b);
	ASSERT_EQ(0, _test_inv(self->fd, id, &self->b, 0, self->res, 8,
			       &self->inv));
	ASSERT_EQ(0, queue_log(self->fd, id, all, 4, NULL));
	EXPECT_EQ(0x000001ff22220026, all[0].qw[0]);
	EXPECT_EQ(0x0000020122220026, all[2].qw[0]);
	for (i = 0; i < ARRAY_SIZE(guest); i++) {
		ebuf_reset(&self->b);
		e_raw(guest[i], 0);
		ASSERT_EQ(0, queue_log(self->fd, id, d, 0, &before));
		ASSERT_EQ(0, _test_inv(self->fd, id, &self->b, 0, self->res,
				       8, &self->inv));
		ASSERT_EQ(0, queue_log(self->fd, id, d, 4, &after));
		EXPECT_EQ(before + 4, after);
		EXPECT_EQ(0, memcmp(all, d, 3 * sizeof(d[0])));
		EXPECT_EQ(0x65, d[3].qw[0] & 0xffffffff);
	}
	test_destroy(id);
}

/* What a DID-only IOTLB descriptor evicts: what IOTLB_ALL does. */
TEST_F(vtd, raw_flush_iotlb_did_only)
{
	if (on_hw())
		SKIP(return, MODEL_ONLY);
	fill(IOTLB, DID, HP(0), 0, 0x1000, PAGE);		/* 0: goes */
	fill(IOTLB, DID, HP(63), 0, 0x1000, PAGE);		/* 1: goes */
	fill(IOTLB, DID, HP(-1), 0, 0x1000, PAGE);		/* 2: outside */
	fill(IOTLB, DID + 1, HP(0), 0, 0x1000, PAGE);		/* 3: other DID */
	fill(PWC, DID, HP(5), 0, 0, 1ULL << 30);		/* 0: goes */
	fill(IOTLB_SS, DID, 0, 0, 0x1000, PAGE);		/* 0: the host's */

	e_raw(0x0000000000420022, 0);
	test_inv_ok();
	EXPECT_EQ(0xc, valid(IOTLB));
	EXPECT_EQ(0x0, valid(PWC));
	EXPECT_EQ(0x1, valid(IOTLB_SS));
}

/*
 * 6.5.2.3 page-selective (5:4 11b), any AM: in scalable mode it reaches a
 * domain's first-stage and nested translations whole (QEMU's reading of
 * the specification) or not at all (the model's), never by address; so
 * the safe encoding is IOTLB_ALL's, whatever the block.
 */
TEST_F(vtd, raw_iotlb_page_selective)
{
	static const __u64 qw1[] = {
		0x0000000040200049,	/* 2 MiB at 0x40200000, IH */
		0x0000000000001000,	/* one page */
		0x0000000000000014,	/* AM 20, past the unit's largest */
	};
	struct desc d[4];
	__u64 before = 0, after;
	unsigned int i, k;
	__u32 id;

	if (!self->hooks) {
		for (i = 0; i < ARRAY_SIZE(qw1); i++)
			e_raw(0x0000000000420032, qw1[i]);
		test_inv_ok();
		return;
	}
	ASSERT_EQ(0, vtd_alloc(self->fd, variant->queue, 0x2222, 0x1ff, 3,
			       &id));
	for (i = 0; i < ARRAY_SIZE(qw1); i++) {
		ebuf_reset(&self->b);
		/* DW set in the first */
		e_raw(i ? 0x0000000000420032 : 0x0000000000420072, qw1[i]);
		ASSERT_EQ(0, queue_log(self->fd, id, d, 0, &before));
		ASSERT_EQ(0, _test_inv(self->fd, id, &self->b, 0, self->res,
				       8, &self->inv));
		ASSERT_EQ(0, queue_log(self->fd, id, d, 4, &after));
		EXPECT_EQ(before + 4, after);
		for (k = 0; k < 3; k++) {
			EXPECT_EQ(0x0000000022220026 | (__u64)(0x1ff + k) << 32,
				  d[k].qw[0]);
			EXPECT_EQ(0, d[k].qw[1] | d[k].qw[2] | d[k].qw[3]);
		}
	}
	test_destroy(id);
}

/* On the model: every PASID of the window, whole, the page or not. */
TEST_F(vtd, raw_flush_iotlb_page_selective)
{
	if (on_hw())
		SKIP(return, MODEL_ONLY);
	fill(IOTLB, DID, HP(0), 0, 0x1000, PAGE);		/* 0: the page */
	fill(IOTLB, DID, HP(63), 0, 0x80000000, PAGE);		/* 1: another */
	fill(IOTLB, DID, HP(64), 0, 0x1000, PAGE);		/* 2: outside */
	fill(IOTLB, DID + 1, HP(0), 0, 0x1000, PAGE);		/* 3: other DID */
	fill(PWC, DID, HP(5), 0, 0, 1ULL << 30);		/* 0: goes */

	e_raw(0x0000000000420032, 0x0000000000001000);
	test_inv_ok();
	EXPECT_EQ(0xc, valid(IOTLB));
	EXPECT_EQ(0x0, valid(PWC));
}

/*
 * Types the VMM handles itself, and types this version does not take:
 * EOPNOTSUPP, no hardware code, nothing of them reaches the queue.
 */
TEST_F(vtd, raw_refused_types)
{
	static const __u64 refused[] = {
		0x0000000000420011,	/* 1 context-cache, global */
		0x0000001000000203,	/* 3 with 11:9 set: type 0x13 */
		0x0000000000000014,	/* 4 interrupt-entry cache */
		0x0000000100000025,	/* 5 wait, status write */
		0x0000000000000000,	/* 0 */
		0x0000000000100009,	/* 9 page group response */
		0x000000000042000f,	/* 15 */
		0x0000000500420226,	/* 6 with 11:9 set: type 0x16 */
		0x0000000000420e08,	/* 8 with 11:9 set: type 0x78 */
	};
	struct desc d[2];
	__u64 before = 0, after;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(refused); i++) {
		ebuf_reset(&self->b);
		e_iotlb_pasid(&self->b, 1);
		e_raw(refused[i], 0);
		if (self->hooks)
			ASSERT_EQ(0, queue_log(self->fd, self->hwpt_id, d, 0,
					       &before));
		test_inv_fails_at(0, EOPNOTSUPP, 1);
		EXPECT_EQ(0, self->res[0].hw_error);
		EXPECT_EQ(2, self->inv.out_processed);
		if (!self->hooks)
			continue;
		/* Entry 0 and its wait. */
		ASSERT_EQ(0, queue_log(self->fd, self->hwpt_id, d, 2, &after));
		EXPECT_EQ(before + 2, after);
		EXPECT_EQ(0x0000020012340026, d[0].qw[0]);
	}
}

/*
 * A reserved bit in any quadword of any accepted type, or a reserved
 * granularity: IQE on that entry, as the guest's unit would report it,
 * before the queue; the entries before it were carried out.
 */
TEST_F(vtd, raw_reserved_bits_iqe)
{
	static const __u64 bad[][4] = {
		/* IOTLB, domain-selective */
		{ 0x0000000000420122 },			/* qw0 bit 8 */
		{ 0x0000000000421022 },			/* qw0 bit 12 */
		{ 0x0000000100420022 },			/* qw0 bit 32 */
		{ 0x8000000000420022 },			/* qw0 bit 63 */
		{ 0x0000000000420032, 0x0000000000001080 }, /* qw1 bit 7 */
		{ 0x0000000000420032, 0x0000000000000800 }, /* qw1 bit 11 */
		{ 0x0000000000420022, 0, 0x1 },		/* qw2 bit 0 */
		{ 0x0000000000420022, 0, 0, 1ULL << 63 },	/* qw3 bit 63 */
		{ 0x0000000000420002 },			/* G 00b */
		/* PASID-based IOTLB */
		{ 0x0000000500420066 },			/* qw0 bit 6 */
		{ 0x0000000500420126 },			/* qw0 bit 8 */
		{ 0x0000000500422026 },			/* qw0 bit 13 */
		{ 0x0010000500420026 },			/* qw0 bit 52 */
		{ 0x8000000500420026 },			/* qw0 bit 63 */
		{ 0x0000000500420036, 0x0000000000001100 }, /* qw1 bit 8 */
		{ 0x0000000500420026, 0, 1ULL << 31 },	/* qw2 bit 31 */
		{ 0x0000000500420026, 0, 0, 0x1 },	/* qw3 bit 0 */
		{ 0x0000000500420006 },			/* G 00b */
		{ 0x0000000500420016 },			/* G 01b */
		/* PASID-cache */
		{ 0x0000000000420087 },			/* qw0 bit 7 */
		{ 0x0000000000428007 },			/* qw0 bit 15 */
		{ 0x0080000000420007 },			/* qw0 bit 55 */
		{ 0x0000000000420007, 0x1 },		/* qw1 bit 0 */
		{ 0x0000000000420007, 1ULL << 12 },	/* qw1 bit 12 */
		{ 0x0000000000420007, 0, 1ULL << 5 },	/* qw2 bit 5 */
		{ 0x0000000000420007, 0, 0, 1ULL << 40 },	/* qw3 bit 40 */
		{ 0x0000000000420027 },			/* G 10b */
		/* PASID-based device-TLB */
		{ 0x0000000500100008, 0x0000000000005002 }, /* qw1 bit 1 */
		{ 0x0000000500100008, 0x0000000000005400 }, /* qw1 bit 10 */
		{ 0x0000000500100008, 0x5000, 1ULL << 12 },	/* qw2 bit 12 */
		{ 0x0000000500100008, 0x5000, 0, 1ULL << 62 }, /* qw3 bit 62 */
		/* Device-TLB (6.5.2.5) */
		{ 0x0000001000000013, 0x5000 },		/* qw0 bit 4 */
		{ 0x0000001000000103, 0x5000 },		/* qw0 bit 8 */
		{ 0x0000001000200003, 0x5000 },		/* qw0 bit 21 */
		{ 0x0000001080000003, 0x5000 },		/* qw0 bit 31 */
		{ 0x0001001000000003, 0x5000 },		/* qw0 bit 48 */
		{ 0x0008001000000003, 0x5000 },		/* qw0 bit 51 */
		{ 0x0000001000000003, 0x5002 },		/* qw1 bit 1 */
		{ 0x0000001000000003, 0x5800 },		/* qw1 bit 11 */
		{ 0x0000001000000003, 0x5000, 1ULL << 3 },	/* qw2 bit 3 */
		{ 0x0000001000000003, 0x5000, 0, 1ULL << 63 }, /* qw3 bit 63 */
		/* The descriptor is checked before the identifiers. */
		{ 0x0000010000420026, 0, 0x4 },		/* PASID outside */
		{ 0x0000000500990008, 0x5000, 0, 0x2 },	/* no such SID */
		{ 0x0000000500110008, 0x5000, 0x8 },	/* SID without ATS */
		{ 0x0000009900000103, 0x5000 },		/* no such SID, type 3 */
	};
	struct desc d[3];
	__u64 before = 0, after;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		ebuf_reset(&self->b);
		e_iotlb_pasid(&self->b, 1);
		e_raw(0x0000000700420017, 0);
		e_vtd_desc(&self->b, bad[i][0], bad[i][1], bad[i][2],
			   bad[i][3]);
		e_raw(0x0000000200420026, 0);
		if (self->hooks)
			ASSERT_EQ(0, queue_log(self->fd, self->hwpt_id, d, 0,
					       &before));
		errno = 0;
		EXPECT_EQ(-1, test_inv(0)) {
			TH_LOG("descriptor %u went through", i);
		}
		EXPECT_EQ(EIO, errno) {
			TH_LOG("descriptor %u", i);
		}
		EXPECT_EQ(2, self->inv.out_first_error);
		EXPECT_EQ(IOMMU_INV_HWERR_VTD_IQE, self->res[0].hw_error) {
			TH_LOG("descriptor %u", i);
		}
		EXPECT_EQ(3, self->inv.out_processed);
		if (self->hooks) {
			/* Entries 0 and 1 and a wait; nothing of entry 2. */
			ASSERT_EQ(0, queue_log(self->fd, self->hwpt_id, d, 3,
					       &after));
			EXPECT_EQ(before + 3, after);
			EXPECT_EQ(0x0000020012340026, d[0].qw[0]);
			EXPECT_EQ(0x0000020612340017, d[1].qw[0]);
			EXPECT_EQ(0x65, d[2].qw[0] & 0xffffffff);
		}
		/* With CONTINUE, entry 3 still runs. */
		test_inv_fails_at(IOMMU_INV_FLAG_CONTINUE, EIO, 2);
		EXPECT_EQ(4, self->inv.out_processed);
		EXPECT_EQ(1, self->inv.out_num_failed);
		EXPECT_EQ(IOMMU_INV_HWERR_VTD_IQE, self->res[0].hw_error);
	}
}

/* Identifiers the HWPT does not have, as for typed entries. */
TEST_F(vtd, raw_identifier_checks)
{
	static const struct {
		__u64 qw0, qw1;
		int err;
	} cases[] = {
		{ 0x0000004000420026, 0, EINVAL },	/* guest PASID 64 */
		{ 0x0000004000420036, 0x1000, EINVAL },	/* page-selective */
		{ 0x0000004000420017, 0, EINVAL },	/* PASID-cache */
		{ 0x0000004000100008, 0x5000, EINVAL },	/* device-TLB */
		{ 0x0000000500990008, 0x5000, ENODEV },	/* no SID 0x99 */
		{ 0x0000000500f80008, 0x5000, ENODEV },	/* a host SID */
		{ 0x0000000500110008, 0x5000, EINVAL },	/* VIRT_B: no ATS */
		/* Device-TLB without PASID: the same three. */
		{ 0x0000009900000003, 0x5000, ENODEV },
		{ 0x000000f800000003, 0x5000, ENODEV },
		{ 0x0000001100000003, 0x5000, EINVAL },
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		ebuf_reset(&self->b);
		e_raw(cases[i].qw0, cases[i].qw1);
		test_inv_fails_at(0, cases[i].err, 0);
		EXPECT_EQ(0, self->res[0].hw_error);
	}
}

/* Raw and typed entries in one array, in the guest's order. */
TEST_F(vtd, raw_and_typed_mixed)
{
	struct desc d[7];

	e_iotlb_pasid(&self->b, 1);
	e_raw(0x0000000200420026, 0);
	e_pc_all(&self->b);
	e_raw(0x0000000300100008, 0x5000);
	e_devtlb_range(&self->b, VIRT_A, 4, 0x6000, PAGE);
	e_raw(0x0000000700420017, 0);
	if (!self->hooks) {
		test_inv_ok();
		return;
	}
	inv_log(d, 7);
	EXPECT_EQ(0x0000020012340026, d[0].qw[0]);
	EXPECT_EQ(0x0000020112340026, d[1].qw[0]);
	EXPECT_EQ(0x0000000012340007, d[2].qw[0]);
	EXPECT_EQ(0x0000020200f80088, d[3].qw[0]);
	EXPECT_EQ(0x5000, d[3].qw[1]);
	EXPECT_EQ(0x0000020300f80088, d[4].qw[0]);
	EXPECT_EQ(0x6000, d[4].qw[1]);
	EXPECT_EQ(0x0000020612340017, d[5].qw[0]);
	EXPECT_EQ(0x65, d[6].qw[0] & 0xffffffff);
}

/*
 * A mixed raw batch on the model and on the hardware queue: the same
 * results and, where the hooks show them (the fake unit), the same
 * descriptors but for the DID. A raw reserved bit is refused before
 * either queue; a bit flipped on the way (hooks only) by each queue. A
 * fixture test, so that the hw variant's rerun on the fake unit runs it.
 */
TEST_F(vtd, raw_model_and_hardware_agree)
{
	static const __u32 none = ~0U;
	/* bad raw entry (or none); entry, descriptor, word, bit to flip */
	static const __u32 faults[][5] = {
		{ none, none },
		{ 3, none },
		{ 6, none },
		{ none, 0, 40, 0, 13 },	/* in the DID-only IOTLB's 64 */
		{ none, 4, 0, 1, 3 },	/* device-TLB qword 1 bit 3 */
		{ none, 5, 0, 3, 0 },	/* PASID-cache qword 3 */
		{ 7, none },		/* device-TLB, no PASID: qw0 bit 8 */
		{ none, 7, 0, 1, 5 },	/* its qword 1 bit 5 */
	};
	int fd = self->fd;
	__u32 ids[2];
	struct iommu_inv_result res[2][8];
	struct iommu_inv_hwpt_invalidate inv[2];
	__u64 before[2], after[2], n;
	struct desc d[2][64];
	struct ebuf b;
	unsigned int f, q, i;
	bool hooks = self->hooks;

	if (!on_hw())
		SKIP(return, "the hw variant compares its queue with the model");
	ASSERT_EQ(0, vtd_alloc(fd, IOMMU_INV_VTD_QUEUE_MODEL, DID + 1,
			       PASID_BASE, PASID_NUM, &ids[0]));
	ASSERT_EQ(0, vtd_vdev(fd, ids[0], VIRT_A, SID_A, 0, 8,
			      IOMMU_INV_VTD_DEV_ATS, NULL));
	ids[1] = self->hwpt_id;
	ebuf_init(&b, 4096);
	for (f = 0; f < ARRAY_SIZE(faults); f++) {
		if (!hooks && faults[f][1] != none)
			continue;
		ebuf_reset(&b);
		e_vtd_desc(&b, 0x0000000000420022, 0, 0, 0);
		e_vtd_desc(&b, 0x0000000300420036, 0x0000000000103044, 0, 0);
		e_iotlb_range(&b, 3, 0x1000, 0x3000, 0);
		e_vtd_desc(&b, faults[f][0] == 3 ? 0x0000000300420097 :
			   0x0000000300420017, 0, 0, 0);
		e_vtd_desc(&b, 0x0000000200100008, 0x0000000000040fff &
			   ~0x7feULL, 0, 0);
		e_vtd_desc(&b, 0x0000000000420037, 0, 0, 0);
		e_vtd_desc(&b, 0x0000000100420026, 0,
			   faults[f][0] == 6 ? 1ULL << 20 : 0, 0);
		e_vtd_desc(&b, faults[f][0] == 7 ? 0x0000001000000103 :
			   0x0000001000000003, 0x0000000000007001, 0, 0);
		for (q = 0; q < 2; q++) {
			if (q && !hooks) {
				_test_inv(fd, ids[q], &b, 0, res[q], 8, &inv[q]);
				continue;
			}
			ASSERT_EQ(0, queue_log(fd, ids[q], d[q], 0,
					       &before[q]));
			if (faults[f][1] != none)
				ASSERT_EQ(0, queue_corrupt_desc(fd, ids[q],
								faults[f][1],
								faults[f][2],
								faults[f][3],
								faults[f][4]));
			memset(res[q], 0xa5, sizeof(res[q]));
			_test_inv(fd, ids[q], &b, 0, res[q], 8, &inv[q]);
			ASSERT_EQ(0, queue_log(fd, ids[q], d[q], 0, &after[q]));
		}
		EXPECT_SAME_ON_BOTH(res, inv);
		if (faults[f][0] != none || faults[f][1] != none) {
			EXPECT_EQ(faults[f][0] != none ? faults[f][0] :
				  faults[f][1], inv[1].out_first_error);
			EXPECT_EQ(-EIO, res[1][0].error);
			EXPECT_EQ(IOMMU_INV_HWERR_VTD_IQE, res[1][0].hw_error);
		} else {
			EXPECT_EQ(b.num, inv[1].out_first_error);
		}
		if (!hooks)
			continue;
		n = after[0] - before[0];
		EXPECT_EQ(n, after[1] - before[1]);
		if (n > 64)
			n = 64;
		for (q = 0; q < 2; q++)
			ASSERT_EQ(0, queue_log(fd, ids[q], d[q], n, NULL));
		for (i = 0; i < n; i++) {
			if ((d[0][i].qw[0] & 0xf) == 5) {
				EXPECT_EQ(5, d[1][i].qw[0] & 0xf);
				continue;
			}
			EXPECT_EQ(d[0][i].qw[0] & ~0xffff0000ULL,
				  d[1][i].qw[0] & ~0xffff0000ULL);
			EXPECT_EQ(d[0][i].qw[1], d[1][i].qw[1]);
			EXPECT_EQ(d[0][i].qw[2], d[1][i].qw[2]);
			EXPECT_EQ(d[0][i].qw[3], d[1][i].qw[3]);
		}
	}
	free(b.data);
}

TEST_HARNESS_MAIN
