// SPDX-License-Identifier: GPL-2.0
/*
 * The SMMUv3 stage-1 HWPT type, on the software model of the command
 * queue and on a real one (QEMU's smmuv3, in the arm64 tier).
 *
 * Golden vectors are written from the command layouts of the SMMUv3
 * architecture specification (IHI 0070): dw0 bits 7:0 the opcode; the
 * section of each layout is named at its test. The model refuses what an
 * SMMU would (CERROR_ILL), and also any command outside the HWPT's VMID
 * and stream IDs, so a bit flipped on the way (test ioctl) shows where
 * errors are reported. The hardware variant runs the same tests on the
 * SMMU's command queue; its stream IDs are the guest's PCI devices. The
 * test ioctl neither shows nor changes a real SMMU's commands (QUEUE_LOG
 * and QUEUE_CORRUPT give EOPNOTSUPP there), so on it the tests check
 * results only; the queue's error paths on the real queue code are shown
 * on a fake SMMU instead (iommufd_inv_smmu_fake).
 *
 * Set IOMMUFD_INV_NEED_SMMU=1 to fail, instead of skip, when no SMMUv3 is
 * free for the hardware variant.
 */

#include <dirent.h>
#include <stdio.h>

#include "kselftest_harness.h"
#include "iommufd_inv_utils.h"

#define VMID 0x42
/* Guest stream IDs of the HWPT's two devices. */
#define VSID_ATS 0x10
#define VSID_PLAIN 0x11
/* The stream ID field of CFGI_CD(_ALL) and ATC_INV, dw0 63:32. */
#define SID(x) ((__u64)(x) << 32)

struct cmd {
	__u64 dw[2];
};

#define need_smmu() env_needs("IOMMUFD_INV_NEED_SMMU")

static int cmp_u32(const void *a, const void *b)
{
	return *(const __u32 *)a < *(const __u32 *)b ? -1 :
	       *(const __u32 *)a > *(const __u32 *)b;
}

/* Requester IDs of the PCI devices in segment 0, ascending. */
static int pci_rids(__u32 *rids, int max)
{
	DIR *dir = opendir("/sys/bus/pci/devices");
	unsigned int seg, bus, dev, fn;
	struct dirent *de;
	int n = 0;

	if (!dir)
		return 0;
	while ((de = readdir(dir)) && n < max)
		if (sscanf(de->d_name, "%x:%x:%x.%x", &seg, &bus, &dev,
			   &fn) == 4 && !seg)
			rids[n++] = bus << 8 | dev << 3 | fn;
	closedir(dir);
	qsort(rids, n, sizeof(*rids), cmp_u32);
	return n;
}

FIXTURE(smmu) {
	int fd;
	__u32 hwpt_id;
	/* Physical stream IDs: the two devices, and one more, unclaimed. */
	__u32 psid_ats, psid_plain, psid_spare;
	/* The SMMU has ATS, so the first device has it too. */
	bool ats;
	/* A model queue: its commands can be logged and corrupted. */
	bool hooks;
	struct ebuf b;
	struct iommu_inv_hwpt_invalidate inv;
	struct iommu_inv_result res[8];
};

FIXTURE_VARIANT(smmu) {
	__u32 queue;
};

FIXTURE_VARIANT_ADD(smmu, model) {
	.queue = IOMMU_INV_SMMU_QUEUE_MODEL,
};

FIXTURE_VARIANT_ADD(smmu, hw) {
	.queue = IOMMU_INV_SMMU_QUEUE_HW,
};

FIXTURE_SETUP(smmu)
{
	__u32 rids[16];

	self->fd = open(DEV_PATH, O_RDWR);
	ASSERT_LE(0, self->fd);
	self->hooks = variant->queue == IOMMU_INV_SMMU_QUEUE_MODEL;
	if (smmu_alloc(self->fd, variant->queue, VMID, &self->hwpt_id)) {
		if (variant->queue == IOMMU_INV_SMMU_QUEUE_HW &&
		    no_unit(errno) && !need_smmu())
			SKIP(return, "no free SMMUv3 (errno %d)", errno);
		ASSERT_EQ(0, errno);
	}
	if (variant->queue == IOMMU_INV_SMMU_QUEUE_HW) {
		/* The SMMU checks stream IDs against the PCI devices. */
		ASSERT_LE(3, pci_rids(rids, 16));
		self->psid_spare = rids[0];
		self->psid_plain = rids[1];
		self->psid_ats = rids[2];
	} else {
		self->psid_ats = 0x1000;
		self->psid_plain = 0x1100;
		self->psid_spare = 5;
	}
	self->ats = !smmu_vdev(self->fd, self->hwpt_id, VSID_ATS,
			       self->psid_ats, IOMMU_INV_SMMU_DEV_ATS);
	if (!self->ats) {
		/* QEMU's smmuv3 has no ATS (IDR0.ATS = 0). */
		ASSERT_EQ(EOPNOTSUPP, errno);
		ASSERT_EQ(IOMMU_INV_SMMU_QUEUE_HW, variant->queue);
		ASSERT_EQ(0, smmu_vdev(self->fd, self->hwpt_id, VSID_ATS,
				       self->psid_ats, 0));
	}
	ASSERT_EQ(0, smmu_vdev(self->fd, self->hwpt_id, VSID_PLAIN,
			       self->psid_plain, 0));
	ebuf_init(&self->b, 16 * 1024);
}

FIXTURE_TEARDOWN(smmu)
{
	free(self->b.data);
	close(self->fd);
}

/*
 * One entry becomes exactly @dw0/@dw1, then a CMD_SYNC; on a real SMMU,
 * which takes it, the commands are not shown.
 */
#define expect_one(_dw0, _dw1)						\
	({								\
		struct cmd __c[2];					\
									\
		test_inv_ok();						\
		if (self->hooks) {					\
			ASSERT_EQ(0, queue_log(self->fd, self->hwpt_id,	\
					       __c, 2, NULL));		\
			EXPECT_EQ((__u64)(_dw0), __c[0].dw[0]);		\
			EXPECT_EQ((__u64)(_dw1), __c[0].dw[1]);		\
			EXPECT_EQ(0x46, __c[1].dw[0]);			\
			EXPECT_EQ(0, __c[1].dw[1]);			\
		} else {						\
			EXPECT_ERRNO(EOPNOTSUPP,			\
				     queue_log(self->fd, self->hwpt_id,	\
					       __c, 2, NULL));		\
		}							\
		ebuf_reset(&self->b);					\
	})

/* The entry is refused before the queue, with CERROR_ILL. */
#define expect_ill(_errno)						\
	({								\
		test_inv_fails_at(0, _errno, 0);			\
		EXPECT_EQ(IOMMU_INV_HWERR_SMMU_CERROR_ILL,		\
			  self->res[0].hw_error);			\
		ebuf_reset(&self->b);					\
	})

TEST_F(smmu, info)
{
	struct iommu_inv_info info;

	ASSERT_EQ(0, _test_get_info(self->fd, IOMMU_INV_HWPT_SMMUV3_S1,
				    &info));
	EXPECT_EQ(12, info.out_granule_log2);
	EXPECT_EQ((1ULL << IOMMU_INV_ENTRY_IOTLB_ALL) |
		  (1ULL << IOMMU_INV_ENTRY_IOTLB_PASID) |
		  (1ULL << IOMMU_INV_ENTRY_IOTLB_RANGE) |
		  (1ULL << IOMMU_INV_ENTRY_DEVTLB_PASID) |
		  (1ULL << IOMMU_INV_ENTRY_DEVTLB_RANGE) |
		  (1ULL << IOMMU_INV_ENTRY_PASID_CACHE_ALL) |
		  (1ULL << IOMMU_INV_ENTRY_PASID_CACHE_PASID) |
		  (1ULL << IOMMU_INV_ENTRY_SMMUV3_CMD), info.out_entry_types);
	/* No VT-d descriptors. */
	e_vtd_desc(&self->b, 0x16, 0, 0, 0);
	test_inv_fails_at(0, EOPNOTSUPP, 0);
}

/*
 * Widest SubstreamID the queue's SMMU has (IDR1.SSIDSIZE): the model's 16
 * bits; QEMU's smmuv3 has no substreams (SSIDSIZE 0), so only SSID 0.
 */
#define SSID_BITS(_hooks) ((_hooks) ? 16 : 0)

/*
 * 4.3.4 CFGI_CD (0x05): dw0 31:12 SSID, 63:32 SID; dw1 0 Leaf. 4.3.5
 * CFGI_CD_ALL (0x06): 63:32 SID. The PASID-cache entries become one per
 * stream ID behind the HWPT, in the order of the guest's stream IDs, each
 * with the physical stream ID; CFGI_CD with Leaf clear (the CD and any
 * level-1 descriptor above it, as the entry does not say which changed).
 */
TEST_F(smmu, golden_cd_cache)
{
	__u32 top = (1U << SSID_BITS(self->hooks)) - 1;
	struct cmd c[3], c5[5];

	e_pc_all(&self->b);
	test_inv_ok();
	if (self->hooks) {
		ASSERT_EQ(0, queue_log(self->fd, self->hwpt_id, c, 3, NULL));
		EXPECT_EQ(SID(0x1000) | 0x06, c[0].dw[0]);
		EXPECT_EQ(0, c[0].dw[1]);
		EXPECT_EQ(SID(0x1100) | 0x06, c[1].dw[0]);
		EXPECT_EQ(0, c[1].dw[1]);
		EXPECT_EQ(0x46, c[2].dw[0]);
	}
	ebuf_reset(&self->b);
	/* SSID 0xa5a5: its bits 0 and 2 sit next to the opcode's. */
	e_pc_pasid(&self->b, self->hooks ? 0xa5a5 : 0);
	test_inv_ok();
	if (self->hooks) {
		ASSERT_EQ(0, queue_log(self->fd, self->hwpt_id, c, 3, NULL));
		EXPECT_EQ(SID(0x1000) | 0x0a5a5005, c[0].dw[0]);
		EXPECT_EQ(0, c[0].dw[1]);
		EXPECT_EQ(SID(0x1100) | 0x0a5a5005, c[1].dw[0]);
		EXPECT_EQ(0, c[1].dw[1]);
		EXPECT_EQ(0x46, c[2].dw[0]);
	}
	ebuf_reset(&self->b);
	/* The widest SSID the SMMU has, and the first past it. */
	e_pc_pasid(&self->b, top);
	test_inv_ok();
	if (self->hooks) {
		ASSERT_EQ(0, queue_log(self->fd, self->hwpt_id, c, 3, NULL));
		EXPECT_EQ(SID(0x1100) | 0x0ffff005, c[1].dw[0]);
	}
	ebuf_reset(&self->b);
	e_iotlb_all(&self->b);
	e_pc_pasid(&self->b, top + 1);
	e_pc_all(&self->b);
	test_inv_fails_at(IOMMU_INV_FLAG_CONTINUE, EINVAL, 1);
	EXPECT_EQ(IOMMU_INV_HWERR_SMMU_CERROR_ILL, self->res[0].hw_error);
	EXPECT_EQ(1, self->inv.out_num_failed);
	EXPECT_EQ(3, self->inv.out_processed);
	ebuf_reset(&self->b);
	e_pc_pasid(&self->b, 1U << 20);
	test_inv_fails_at(0, EINVAL, 0);
	EXPECT_EQ(IOMMU_INV_HWERR_SMMU_CERROR_ILL, self->res[0].hw_error);
	EXPECT_EQ(1, self->inv.out_num_failed);
	if (self->hooks) {
		/*
		 * Nothing refused reached the queue: the entry before it
		 * went in a run of its own, the one after it in the next.
		 */
		ASSERT_EQ(0, queue_log(self->fd, self->hwpt_id, c5, 5, NULL));
		EXPECT_EQ(0x0000004200000010, c5[0].dw[0]);
		EXPECT_EQ(0x46, c5[1].dw[0]);
		EXPECT_EQ(SID(0x1000) | 0x06, c5[2].dw[0]);
		EXPECT_EQ(SID(0x1100) | 0x06, c5[3].dw[0]);
		EXPECT_EQ(0x46, c5[4].dw[0]);
	}
}

/*
 * A HWPT without devices caches no CD: the PASID-cache entries succeed
 * and send nothing; a device added later gets its own commands.
 */
TEST_F(smmu, cd_cache_without_devices)
{
	__u32 id = self->hwpt_id;
	struct cmd c[3];
	__u64 before, after;

	ASSERT_EQ(0, smmu_alloc(self->fd, variant->queue, VMID + 1,
				&self->hwpt_id));
	e_pc_all(&self->b);
	e_pc_pasid(&self->b, 0);
	e_iotlb_pasid(&self->b, 3);
	e_pc_all(&self->b);
	if (!self->hooks) {
		test_inv_ok();
		return;
	}
	ASSERT_EQ(0, queue_log(self->fd, self->hwpt_id, c, 0, &before));
	test_inv_ok();
	ASSERT_EQ(0, queue_log(self->fd, self->hwpt_id, c, 2, &after));
	EXPECT_EQ(before + 2, after);
	EXPECT_EQ(0x0003004300000011, c[0].dw[0]);
	EXPECT_EQ(0x46, c[1].dw[0]);
	/* Nothing but PASID-cache entries: no run, no CMD_SYNC. */
	ebuf_reset(&self->b);
	e_pc_all(&self->b);
	e_pc_pasid(&self->b, 0);
	test_inv_ok();
	ASSERT_EQ(0, queue_log(self->fd, self->hwpt_id, c, 0, &before));
	EXPECT_EQ(after, before);
	ASSERT_EQ(0, smmu_vdev(self->fd, self->hwpt_id, 0x30, 0x3000, 0));
	test_inv_ok();
	ASSERT_EQ(0, queue_log(self->fd, self->hwpt_id, c, 3, NULL));
	EXPECT_EQ(SID(0x3000) | 0x06, c[0].dw[0]);
	EXPECT_EQ(SID(0x3000) | 0x05, c[1].dw[0]);
	EXPECT_EQ(0, c[1].dw[1]);
	EXPECT_EQ(0x46, c[2].dw[0]);
	self->hwpt_id = id;
}

/*
 * With three devices a PASID-cache entry is three commands, and one may
 * span two runs: 62 single-command entries leave two slots of the first
 * run, so entry 62 (CFGI_CD_ALL) has two commands in the first run and
 * its third in the second; entry 63 (CFGI_CD) is all in the second. A
 * fault on any command comes back on its entry, with exactly the entries
 * before it done, and the queue goes on.
 */
TEST_F(smmu, cd_cache_fault_on_its_entry)
{
	struct cmd c[10];
	int i;

	ASSERT_EQ(0, smmu_vdev(self->fd, self->hwpt_id, 0x12,
			       self->hooks ? 0x1200 : self->psid_spare, 0));
	for (i = 0; i < 62; i++)
		e_iotlb_pasid(&self->b, i);
	e_pc_all(&self->b);
	e_pc_pasid(&self->b, self->hooks ? 0x5a5a : 0);
	e_iotlb_all(&self->b);
	if (!self->hooks) {
		EXPECT_ERRNO(EOPNOTSUPP, queue_corrupt_desc(self->fd,
							    self->hwpt_id,
							    63, 1, 0, 62));
		test_inv_ok();
		return;
	}
	test_inv_ok();
	/* The end of the first run, the second, and the next call's. */
	ASSERT_EQ(0, queue_log(self->fd, self->hwpt_id, c, 10, NULL));
	EXPECT_EQ(SID(0x1000) | 0x06, c[0].dw[0]);
	EXPECT_EQ(SID(0x1100) | 0x06, c[1].dw[0]);
	EXPECT_EQ(0x46, c[2].dw[0]);
	EXPECT_EQ(SID(0x1200) | 0x06, c[3].dw[0]);
	EXPECT_EQ(SID(0x1000) | 0x05a5a005, c[4].dw[0]);
	EXPECT_EQ(SID(0x1100) | 0x05a5a005, c[5].dw[0]);
	EXPECT_EQ(SID(0x1200) | 0x05a5a005, c[6].dw[0]);
	for (i = 4; i < 7; i++)
		EXPECT_EQ(0, c[i].dw[1]);
	EXPECT_EQ(0x46, c[7].dw[0]);
	EXPECT_EQ(0x0000004200000010, c[8].dw[0]);
	EXPECT_EQ(0x46, c[9].dw[0]);

	/* The second command of entry 63, in the second run: SID bit 30. */
	ASSERT_EQ(0, queue_corrupt_desc(self->fd, self->hwpt_id, 63, 1, 0, 62));
	test_inv_fails_at(0, EIO, 63);
	EXPECT_EQ(IOMMU_INV_HWERR_SMMU_CERROR_ILL, self->res[0].hw_error);
	EXPECT_EQ(64, self->inv.out_processed);
	ASSERT_EQ(0, queue_log(self->fd, self->hwpt_id, c, 5, NULL));
	EXPECT_EQ(SID(0x40001100) | 0x05a5a005, c[2].dw[0]);
	EXPECT_EQ(0x46, c[4].dw[0]);
	/*
	 * The third command of entry 62, the first of the second run, with
	 * its first two done: a reserved bit (CFGI_CD_ALL dw1 bit 1).
	 */
	ASSERT_EQ(0, queue_corrupt_desc(self->fd, self->hwpt_id, 62, 2, 1, 1));
	test_inv_fails_at(IOMMU_INV_FLAG_CONTINUE, EIO, 62);
	EXPECT_EQ(IOMMU_INV_HWERR_SMMU_CERROR_ILL, self->res[0].hw_error);
	EXPECT_EQ(1, self->inv.out_num_failed);
	EXPECT_EQ(65, self->inv.out_processed);
	/* Its second command, the last of the first run. */
	ASSERT_EQ(0, queue_corrupt_desc(self->fd, self->hwpt_id, 62, 1, 0, 62));
	test_inv_fails_at(0, EIO, 62);
	EXPECT_EQ(63, self->inv.out_processed);
	ASSERT_EQ(0, queue_log(self->fd, self->hwpt_id, c, 2, NULL));
	EXPECT_EQ(SID(0x40001100) | 0x06, c[0].dw[0]);
	EXPECT_EQ(0x46, c[1].dw[0]);
	test_inv_ok();
}

/* 4.4.1 TLBI_NH_ALL (0x10): 47:32 VMID. 4.4.2 TLBI_NH_ASID: 63:48 ASID. */
TEST_F(smmu, golden_tlbi_all_asid)
{
	e_iotlb_all(&self->b);
	expect_one(0x0000004200000010, 0);
	e_iotlb_pasid(&self->b, 7);
	expect_one(0x0007004200000011, 0);
	e_iotlb_pasid(&self->b, 0x10000);
	test_inv_fails_at(0, EINVAL, 0);
	EXPECT_EQ(0, self->res[0].hw_error);
}

/*
 * 4.4.3 TLBI_NH_VA (0x12): dw0 16:12 NUM, 24:20 SCALE, VMID, ASID; dw1 0
 * Leaf, 9:8 TTL, 11:10 TG (01 4 KiB), 63:12 address. The range is
 * (NUM + 1) << SCALE pages from the address: the smallest that covers.
 */
TEST_F(smmu, golden_tlbi_range)
{
	/* One page, leaf. */
	e_iotlb_range(&self->b, 7, 0x12345000, PAGE, IOMMU_INV_IOTLB_FLAG_LEAF);
	expect_one(0x0007004200000012, 0x0000000012345401);
	/* Three pages: NUM 2, SCALE 0. */
	e_iotlb_range(&self->b, 7, 0x3000, 3 * PAGE, 0);
	expect_one(0x0007004200002012, 0x0000000000003400);
	/* 32 pages: NUM 31, SCALE 0. */
	e_iotlb_range(&self->b, 7, 0, 32 * PAGE, 0);
	expect_one(0x000700420001f012, 0x0000000000000400);
	/* 33 pages: SCALE 1, NUM 16 (34 pages). */
	e_iotlb_range(&self->b, 7, 0x100000, 33 * PAGE, 0);
	expect_one(0x0007004200110012, 0x0000000000100400);
	/* 2 MiB: 512 pages, SCALE 4, NUM 31. */
	e_iotlb_range(&self->b, 7, 0x40200000, 0x200000, 0);
	expect_one(0x000700420041f012, 0x0000000040200400);
	/* 1 GiB: SCALE 13, NUM 31. */
	e_iotlb_range(&self->b, 7, 0x40000000, 0x40000000, 0);
	expect_one(0x0007004200d1f012, 0x0000000040000400);
	/* Past what NUM and SCALE can say (2^37 pages): the whole ASID. */
	e_iotlb_range(&self->b, 7, 0, 1ULL << 49, 0);
	expect_one(0x0007004200000011, 0);
}

/*
 * 4.5.1 ATC_INV (0x40): dw0 9 Global, 11 SSV, 31:12 SSID, 63:32 SID; dw1
 * 5:0 Size (2^Size pages), 63:12 address aligned to it. The guest's
 * stream ID is replaced by the physical one.
 */
TEST_F(smmu, golden_atc_inv)
{
	if (!self->ats)
		SKIP(return, "this SMMU has no ATS");
	e_devtlb_range(&self->b, VSID_ATS, 5, 0x10000, 0x4000);
	expect_one(SID(self->psid_ats) | 0x5840, 0x0000000000010002);
	/* Unaligned [20K, 28K): widened to the 16 KiB block at 16K. */
	e_devtlb_range(&self->b, VSID_ATS, 5, 0x5000, 0x2000);
	expect_one(SID(self->psid_ats) | 0x5840, 0x0000000000004002);
	/* A whole SSID: Size 52. */
	e_devtlb_pasid(&self->b, VSID_ATS, 0xfffff);
	expect_one(SID(self->psid_ats) | 0xfffff840, 0x0000000000000034);
	/* Not a device of the HWPT; a device without ATS. */
	e_devtlb_pasid(&self->b, 0x99, 0);
	test_inv_fails_at(0, ENODEV, 0);
	ebuf_reset(&self->b);
	e_devtlb_pasid(&self->b, VSID_PLAIN, 0);
	test_inv_fails_at(0, EINVAL, 0);
}

/* Raw guest commands: the VMID forced, the stream ID translated. */
TEST_F(smmu, raw_commands_rewritten)
{
	/* TLBI_NH_VA naming the guest's own idea of a VMID. */
	e_smmu_cmd(&self->b, 0x0007009900000012, 0x5000);
	expect_one(0x0007004200000012, 0x5000);
	e_smmu_cmd(&self->b, 0x0000000000000010, 0);
	expect_one(0x0000004200000010, 0);
	/* TLBI_NH_VAA with a range. */
	e_smmu_cmd(&self->b, 0x0000000100213013, 0x0000000000200501);
	expect_one(0x0000004200213013, 0x0000000000200501);
	/* 4.3.4 CFGI_CD (0x05): 31:12 SSID, 63:32 SID; dw1 0 Leaf. */
	e_smmu_cmd(&self->b, 0x0000001000003005, 1);
	expect_one(SID(self->psid_ats) | 0x3005, 1);
	/* 4.3.5 CFGI_CD_ALL (0x06). */
	e_smmu_cmd(&self->b, 0x0000001100000006, 0);
	expect_one(SID(self->psid_plain) | 0x0006, 0);
}

/* A raw ATC_INV (global): the stream ID translated. */
TEST_F(smmu, raw_atc_inv_rewritten)
{
	if (!self->ats)
		SKIP(return, "this SMMU has no ATS");
	e_smmu_cmd(&self->b, 0x0000001000000240, 0x34);
	expect_one(SID(self->psid_ats) | 0x0240, 0x34);
}

TEST_F(smmu, raw_commands_refused)
{
	static const __u8 illegal[] = {
		0x00, 0x01,	/* PREFETCH_CONFIG */
		0x03,		/* CFGI_STE */
		0x04,		/* CFGI_ALL */
		0x20,		/* TLBI_EL2_ALL */
		0x28,		/* TLBI_S12_VMALL */
		0x2a,		/* TLBI_S2_IPA */
		0x30,		/* TLBI_NSNH_ALL */
		0x46,		/* CMD_SYNC: the VMM's, not the guest's */
		0x7f, 0xff,
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(illegal); i++) {
		e_smmu_cmd(&self->b, illegal[i], 0);
		expect_ill(EOPNOTSUPP);
	}
	/* Reserved bits. */
	e_smmu_cmd(&self->b, 0x0000000000000110, 0);		/* NH_ALL bit 8 */
	expect_ill(EINVAL);
	e_smmu_cmd(&self->b, 0x0000000000000012, 0x2);	/* NH_VA dw1 bit 1 */
	expect_ill(EINVAL);
	e_smmu_cmd(&self->b, 0x0000001000000405, 0);		/* CFGI_CD SSec */
	expect_ill(EINVAL);
	e_smmu_cmd(&self->b, 0x0000000000000006, 2);		/* CFGI_CD_ALL dw1 */
	expect_ill(EINVAL);
	/* NUM without a granule. */
	e_smmu_cmd(&self->b, 0x0000000000001012, 0x5000);
	expect_ill(EINVAL);
	/* Streams the HWPT does not have, or without ATS. */
	e_smmu_cmd(&self->b, 0x0000009900000005, 0);
	expect_ill(ENODEV);
	e_smmu_cmd(&self->b, 0x0000001100000040, 0);
	expect_ill(EINVAL);
	if (!self->ats) {
		e_smmu_cmd(&self->b, 0x0000001000000040, 0);
		expect_ill(EINVAL);
	}
	/* Nothing refused reached the queue. */
	e_iotlb_all(&self->b);
	expect_one(0x0000004200000010, 0);
}

/* A run of up to 64 commands, then its CMD_SYNC. */
TEST_F(smmu, sync_fences_each_run)
{
	struct cmd c[64];
	__u64 before, after;
	int i;

	for (i = 0; i < 70; i++)
		e_iotlb_pasid(&self->b, i);
	if (!self->hooks) {
		test_inv_ok();
		SKIP(return, "a real SMMU's commands are not shown");
	}
	ASSERT_EQ(0, queue_log(self->fd, self->hwpt_id, c, 0, &before));
	test_inv_ok();
	ASSERT_EQ(0, queue_log(self->fd, self->hwpt_id, c, 8, &after));
	EXPECT_EQ(before + 72, after);
	EXPECT_EQ(0x46, c[7].dw[0]);
	EXPECT_EQ(0x0045004200000011, c[6].dw[0]);
}

/*
 * The queue's CERROR comes back on the entry whose command caused it, in
 * the first run of a call or a later one, and the queue goes on. An
 * unknown opcode (bit 7 flipped: 0x11 becomes 0x91) is what every SMMU
 * refuses.
 */
TEST_F(smmu, queue_error_on_the_right_entry)
{
	struct iommu_inv_hwpt_info info;
	struct cmd c[37];
	int i;

	for (i = 0; i < 5; i++)
		e_iotlb_pasid(&self->b, i);
	if (!self->hooks) {
		/* Never on a real SMMU: shown on the fake one instead. */
		EXPECT_ERRNO(EOPNOTSUPP,
			     queue_corrupt(self->fd, self->hwpt_id, 2, 0, 7));
		test_inv_ok();
		return;
	}
	ASSERT_EQ(0, queue_corrupt(self->fd, self->hwpt_id, 2, 0, 7));
	test_inv_fails_at(0, EIO, 2);
	EXPECT_EQ(IOMMU_INV_HWERR_SMMU_CERROR_ILL, self->res[0].hw_error);
	EXPECT_EQ(3, self->inv.out_processed);
	test_inv_ok();
	ASSERT_EQ(0, queue_corrupt(self->fd, self->hwpt_id, 4, 0, 7));
	test_inv_fails_at(IOMMU_INV_FLAG_CONTINUE, EIO, 4);
	EXPECT_EQ(5, self->inv.out_processed);

	/* Entry 70 is in the second run. */
	ebuf_reset(&self->b);
	for (i = 0; i < 100; i++)
		e_iotlb_pasid(&self->b, i);
	ASSERT_EQ(0, queue_corrupt(self->fd, self->hwpt_id, 70, 0, 7));
	test_inv_fails_at(0, EIO, 70);
	EXPECT_EQ(71, self->inv.out_processed);
	/* The second run: entries 64 to 99, then its CMD_SYNC. */
	ASSERT_EQ(0, queue_log(self->fd, self->hwpt_id, c, 37, NULL));
	EXPECT_EQ(0x0046004200000091ULL, c[6].dw[0]);
	EXPECT_EQ(0x46, c[36].dw[0]);
	test_inv_ok();
	ASSERT_EQ(0, _test_hwpt_info(self->fd, self->hwpt_id, &info));
	EXPECT_EQ(3, info.out_hw_errors);
}

/*
 * The model also holds commands to the HWPT's VMID and stream IDs; an SMMU
 * need not (QEMU's does not), which is why the encoder must.
 */
TEST_F(smmu, model_checks_vmid_and_sid)
{
	e_iotlb_pasid(&self->b, 1);
	e_smmu_cmd(&self->b, 0x0000001100000006, 0);
	if (!self->hooks) {
		EXPECT_ERRNO(EOPNOTSUPP,
			     queue_corrupt(self->fd, self->hwpt_id, 0, 0, 40));
		test_inv_ok();
		return;
	}
	/* VMID bit 8 (dw0 bit 40); a stream ID bit (dw0 bit 60). */
	ASSERT_EQ(0, queue_corrupt(self->fd, self->hwpt_id, 0, 0, 40));
	test_inv_fails_at(0, EIO, 0);
	EXPECT_EQ(IOMMU_INV_HWERR_SMMU_CERROR_ILL, self->res[0].hw_error);
	ASSERT_EQ(0, queue_corrupt(self->fd, self->hwpt_id, 1, 0, 60));
	test_inv_fails_at(0, EIO, 1);
	EXPECT_EQ(IOMMU_INV_HWERR_SMMU_CERROR_ILL, self->res[0].hw_error);
	/* A reserved bit of TLBI_NH_ASID (dw0 bit 8). */
	ASSERT_EQ(0, queue_corrupt(self->fd, self->hwpt_id, 0, 0, 8));
	test_inv_fails_at(0, EIO, 0);
	test_inv_ok();
}

/* An ATC that does not answer fails the CMD_SYNC: on the ATC_INV entry. */
TEST_F(smmu, atc_timeout)
{
	struct iommu_inv_test_cmd cmd = {
		.op = IOMMU_INV_TEST_OP_DEV_TIMEOUT, .id = self->hwpt_id,
		.dev_timeout = { .sid = self->psid_ats },
	};

	if (variant->queue == IOMMU_INV_SMMU_QUEUE_HW) {
		EXPECT_ERRNO(EOPNOTSUPP, _test_op(self->fd, &cmd));
		SKIP(return, "QEMU's smmuv3 has no ATS, so no ATC times out");
	}
	ASSERT_EQ(0, _test_op(self->fd, &cmd));
	e_iotlb_all(&self->b);
	e_iotlb_pasid(&self->b, 1);
	e_devtlb_pasid(&self->b, VSID_ATS, 0);
	e_iotlb_all(&self->b);
	test_inv_fails_at(0, ETIMEDOUT, 2);
	EXPECT_EQ(IOMMU_INV_HWERR_SMMU_CERROR_ATC_INV_SYNC,
		  self->res[0].hw_error);
	EXPECT_EQ(3, self->inv.out_processed);
	test_inv_ok();
}

TEST_F(smmu, alloc_checks)
{
	struct iommu_inv_hwpt_smmuv3_s1 cfg = {
		.queue = variant->queue, .vmid = 1, .__reserved = 1,
	};
	__u32 id;

	EXPECT_ERRNO(EINVAL, smmu_alloc(self->fd, variant->queue, 0, &id));
	if (!need_smmu())
		EXPECT_ERRNO(ENODEV, smmu_alloc(self->fd,
						IOMMU_INV_SMMU_QUEUE_HW, 1,
						&id));
	EXPECT_ERRNO(EOPNOTSUPP, smmu_alloc(self->fd, 9, 1, &id));
	EXPECT_ERRNO(EOPNOTSUPP, _test_hwpt_alloc(self->fd,
						  IOMMU_INV_HWPT_SMMUV3_S1,
						  &cfg, sizeof(cfg), &id));
	/* A stream ID has one owner; a failed device left no claim. */
	EXPECT_ERRNO(EBUSY, smmu_vdev(self->fd, self->hwpt_id, 0x20,
				      self->psid_ats, 0));
	EXPECT_ERRNO(EOPNOTSUPP, smmu_vdev(self->fd, self->hwpt_id, 0x20,
					   self->psid_spare, 2));
	EXPECT_ERRNO(EEXIST, smmu_vdev(self->fd, self->hwpt_id, VSID_ATS,
				       self->psid_spare, 0));
	ASSERT_EQ(0, smmu_vdev(self->fd, self->hwpt_id, 0x20, self->psid_spare,
			       0));
}

/*
 * On an SMMU, a stream ID must be one the SMMU has (IDR1.SIDSIZE) and name
 * a PCI device; the model takes any 32-bit stream ID.
 */
TEST_F(smmu, stream_ids_checked)
{
	__u32 rids[16], n, absent;

	if (variant->queue == IOMMU_INV_SMMU_QUEUE_MODEL) {
		ASSERT_EQ(0, smmu_vdev(self->fd, self->hwpt_id, 0x20,
				       0xfffffff0, 0));
		return;
	}
	n = pci_rids(rids, 16);
	/* 00:1f.7 is not among QEMU virt's devices. */
	absent = 0x00ff;
	while (bsearch(&absent, rids, n, sizeof(*rids), cmp_u32))
		absent--;
	EXPECT_ERRNO(ENODEV, smmu_vdev(self->fd, self->hwpt_id, 0x20, absent,
				       0));
	EXPECT_ERRNO(EINVAL, smmu_vdev(self->fd, self->hwpt_id, 0x20,
				       0xfffffff0, 0));
	ASSERT_EQ(0, smmu_vdev(self->fd, self->hwpt_id, 0x20, self->psid_spare,
			       0));
}

/*
 * On one SMMU a VMID and a stream ID have one owner across HWPTs and
 * files; each model queue is an SMMU of its own.
 */
TEST_F(smmu, owners_across_files)
{
	int fd2 = open(DEV_PATH, O_RDWR);
	bool hw = variant->queue == IOMMU_INV_SMMU_QUEUE_HW;
	__u32 id;

	ASSERT_LE(0, fd2);
	if (hw) {
		EXPECT_ERRNO(EBUSY, smmu_alloc(fd2, variant->queue, VMID, &id));
		ASSERT_EQ(0, smmu_alloc(fd2, variant->queue, VMID + 1, &id));
		EXPECT_ERRNO(EBUSY, smmu_vdev(fd2, id, VSID_PLAIN,
					      self->psid_plain, 0));
	} else {
		ASSERT_EQ(0, smmu_alloc(fd2, variant->queue, VMID, &id));
		ASSERT_EQ(0, smmu_vdev(fd2, id, VSID_PLAIN, self->psid_plain,
				       0));
	}
	/* Closing the first file gives its claims back. */
	close(self->fd);
	self->fd = open(DEV_PATH, O_RDWR);
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, smmu_alloc(self->fd, variant->queue, VMID, &id));
	if (hw)
		ASSERT_EQ(0, smmu_vdev(self->fd, id, VSID_ATS, self->psid_ats,
				       0));
	close(fd2);
}

TEST_F(smmu, needs_cap_sys_admin)
{
	__u32 id;

	ASSERT_EQ(0, drop_cap(CAP_SYS_ADMIN));
	EXPECT_ERRNO(EPERM, smmu_alloc(self->fd, variant->queue, 7, &id));
	EXPECT_ERRNO(EPERM, smmu_vdev(self->fd, self->hwpt_id, 0x20,
				      self->psid_spare, 0));
}

/*
 * ATC_INV with Size above 52 (2^52 pages is the whole 64-bit space) or
 * with an SSID but no SSV: the raw-command validator refuses both before
 * the queue (EINVAL, CERROR_ILL), and the model's own decoder refuses both
 * when they reach it (EIO, CERROR_ILL), so the two agree; at the edges
 * (Size 52, SSID with SSV) both take them.
 */
TEST_F(smmu, atc_size_and_ssid_agree)
{
	if (!self->ats)
		SKIP(return, "this SMMU has no ATS");
	/* The validator: Size 53; SSID 5 without SSV. */
	e_iotlb_all(&self->b);
	e_smmu_cmd(&self->b, SID(VSID_ATS) | 0x0040, 0x35);
	test_inv_fails_at(0, EINVAL, 1);
	EXPECT_EQ(IOMMU_INV_HWERR_SMMU_CERROR_ILL, self->res[0].hw_error);
	ebuf_reset(&self->b);
	e_iotlb_all(&self->b);
	e_smmu_cmd(&self->b, SID(VSID_ATS) | 0x5040, 0x34);
	test_inv_fails_at(0, EINVAL, 1);
	EXPECT_EQ(IOMMU_INV_HWERR_SMMU_CERROR_ILL, self->res[0].hw_error);
	ebuf_reset(&self->b);
	e_smmu_cmd(&self->b, SID(VSID_ATS) | 0x5840, 0x34);
	expect_one(SID(self->psid_ats) | 0x5840, 0x34);
	e_smmu_cmd(&self->b, SID(VSID_ATS) | 0x0040, 0x34);
	expect_one(SID(self->psid_ats) | 0x0040, 0x34);
	if (!self->hooks)
		return;

	/* The model: the same two, made from legal commands on the way. */
	e_iotlb_all(&self->b);
	e_devtlb_pasid(&self->b, VSID_ATS, 5);		/* Size 52 */
	ASSERT_EQ(0, queue_corrupt(self->fd, self->hwpt_id, 1, 1, 0));
	test_inv_fails_at(0, EIO, 1);
	EXPECT_EQ(IOMMU_INV_HWERR_SMMU_CERROR_ILL, self->res[0].hw_error);
	ASSERT_EQ(0, queue_corrupt(self->fd, self->hwpt_id, 1, 0, 11));
	test_inv_fails_at(0, EIO, 1);
	EXPECT_EQ(IOMMU_INV_HWERR_SMMU_CERROR_ILL, self->res[0].hw_error);
	/* SSID 0 without SSV is an ATC_INV for the whole stream: legal. */
	ebuf_reset(&self->b);
	e_iotlb_all(&self->b);
	e_devtlb_pasid(&self->b, VSID_ATS, 0);
	ASSERT_EQ(0, queue_corrupt(self->fd, self->hwpt_id, 1, 0, 11));
	test_inv_ok();
}

/*
 * The batch the model and the SMMU are compared on, with entry @at (if
 * below 72) replaced by the raw command @dw0/@dw1, or (@pc) by a
 * PASID_CACHE_PASID entry for SSID @dw0. With two devices behind the
 * HWPT, each PASID-cache entry is two commands: entry 61's are the last
 * of the first run and the first of the second.
 */
static void agree_batch(struct ebuf *b, unsigned int at, bool pc, __u64 dw0,
			__u64 dw1)
{
	unsigned int i;

	ebuf_reset(b);
	for (i = 0; i < 72; i++) {
		if (i == at) {
			if (pc)
				e_pc_pasid(b, dw0);
			else
				e_smmu_cmd(b, dw0, dw1);
			continue;
		}
		switch (i) {
		case 0:
		case 7:
			e_iotlb_all(b);
			break;
		case 8:
		case 61:
			e_pc_all(b);
			break;
		case 9:
			e_pc_pasid(b, 0);
			break;
		case 2:
			e_iotlb_range(b, 3, 0x1000, 0x3000,
				      IOMMU_INV_IOTLB_FLAG_LEAF);
			break;
		case 3:
			e_smmu_cmd(b, SID(VSID_PLAIN) | 0x5005, 1);
			break;
		case 4:
			e_smmu_cmd(b, SID(VSID_PLAIN) | 0x0006, 0);
			break;
		case 5:
			e_smmu_cmd(b, 0x0000000000213013, 0x0000000000200501);
			break;
		case 6:
			e_iotlb_range(b, 1, 0x200000, PAGE, 0);
			break;
		default:
			e_iotlb_pasid(b, i == 1 ? 3 : i);
		}
	}
}

/*
 * The same batches on the model and on the SMMU: the same results. The
 * faults are raw guest commands an SMMU must refuse (unknown opcodes,
 * SSec on a configuration invalidation), refused on both before the
 * queue; the test ioctl does not touch a real SMMU's commands. The model's
 * commands are checked: a refused entry ends the run before it.
 */
TEST(model_and_hardware_agree)
{
	static const struct {
		__u32 at;
		bool pc;
		__u64 dw0, dw1;
		int err;
	} faults[] = {
		{ 72, false, 0, 0, 0 },			/* no fault */
		{ 1, false, 0x91, 0, EOPNOTSUPP },	/* unknown opcode */
		/* CFGI_CD SSec */
		{ 3, false, SID(VSID_PLAIN) | 0x5405, 1, EINVAL },
		{ 0, false, 0x50, 0, EOPNOTSUPP },
		/* CFGI_CD_ALL SSec */
		{ 4, false, SID(VSID_PLAIN) | 0x0406, 0, EINVAL },
		/* valid */
		{ 5, false, 0x0000000000213012, 0x0000000000200501, 0 },
		{ 7, false, 0x7f, 0, EOPNOTSUPP },	/* the last of the first run */
		{ 70, false, 0xff, 0, EOPNOTSUPP },	/* in the second run */
		/* An SSID neither SMMU has (model 16 bits, QEMU none). */
		{ 9, true, 0x10000, 0, EINVAL },
		{ 61, true, 0x10000, 0, EINVAL },	/* across the runs */
		{ 61, true, 0, 0, 0 },			/* valid, across them */
	};
	int fd = open(DEV_PATH, O_RDWR);
	__u32 ids[2], queue[2] = { IOMMU_INV_SMMU_QUEUE_MODEL,
				   IOMMU_INV_SMMU_QUEUE_HW };
	struct iommu_inv_result res[2][8];
	struct iommu_inv_hwpt_invalidate inv[2];
	struct cmd c[2];
	__u32 rids[16];
	struct ebuf b;
	unsigned int f, q;

	ASSERT_LE(0, fd);
	for (q = 0; q < 2; q++) {
		if (smmu_alloc(fd, queue[q], VMID, &ids[q])) {
			if (q && no_unit(errno) && !need_smmu())
				SKIP(return, "no free SMMUv3");
			ASSERT_EQ(0, errno);
		}
	}
	ASSERT_LE(3, pci_rids(rids, 16));
	for (q = 0; q < 2; q++) {
		ASSERT_EQ(0, smmu_vdev(fd, ids[q], VSID_PLAIN, rids[1], 0));
		ASSERT_EQ(0, smmu_vdev(fd, ids[q], VSID_ATS, rids[2], 0));
	}

	ebuf_init(&b, 8192);
	for (f = 0; f < ARRAY_SIZE(faults); f++) {
		agree_batch(&b, faults[f].at, faults[f].pc, faults[f].dw0,
			    faults[f].dw1);
		ASSERT_EQ(0, inv_on_both(fd, ids, &b, NULL, res, inv));
		EXPECT_SAME_ON_BOTH(res, inv);
		EXPECT_EQ(faults[f].err ? faults[f].at : b.num,
			  inv[1].out_first_error);
		if (faults[f].err) {
			EXPECT_EQ(-faults[f].err, res[1][0].error);
			EXPECT_EQ(IOMMU_INV_HWERR_SMMU_CERROR_ILL,
				  res[1][0].hw_error);
		}
		/* The model's last command is the CMD_SYNC before @at. */
		ASSERT_EQ(0, queue_log(fd, ids[0], c, 2, NULL));
		EXPECT_EQ(0x46, c[1].dw[0]);
		EXPECT_ERRNO(EOPNOTSUPP, queue_log(fd, ids[1], c, 2, NULL));
	}
	free(b.data);
	close(fd);
}

TEST_HARNESS_MAIN
