/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Test-only interface of iommufd-inv: present only with
 * CONFIG_IOMMUFD_INV_TEST and the module loaded with mock=1. Shared with
 * tools/testing/selftests/iommufd_inv, like iommufd's iommufd_test.h; not a
 * stable UAPI.
 */
#ifndef _IOMMUFD_INV_TEST_H
#define _IOMMUFD_INV_TEST_H

#include <linux/types.h>

enum {
	IOMMU_INV_TEST_OP_MOCK_FILL = 1,
	IOMMU_INV_TEST_OP_MOCK_QUERY,
	IOMMU_INV_TEST_OP_MOCK_INJECT,
	IOMMU_INV_TEST_OP_MOCK_SEEN,
	IOMMU_INV_TEST_OP_COPY_FLOOR,
	IOMMU_INV_TEST_OP_NUM_OBJECTS,
	IOMMU_INV_TEST_OP_MOCK_DELAY,
	IOMMU_INV_TEST_OP_MOCK_BUSY,
	IOMMU_INV_TEST_OP_NUM_FILES,
	IOMMU_INV_TEST_OP_QUEUE_LOG,
	IOMMU_INV_TEST_OP_QUEUE_CORRUPT,
	IOMMU_INV_TEST_OP_DEV_TIMEOUT,
	IOMMU_INV_TEST_OP_UNIT_FAULT,
	IOMMU_INV_TEST_OP_QUEUE_CORRUPT_DESC,
	IOMMU_INV_TEST_OP_VTD_FILL,
	IOMMU_INV_TEST_OP_VTD_QUERY,
	IOMMU_INV_TEST_OP_LADDER,
};

/* QUEUE_CORRUPT_DESC, VT-d: every entry from the one named on. */
#define IOMMU_INV_TEST_CORRUPT_EVERY	0xffffffffU

/*
 * Steps of one HWPT_INVALIDATE call, for the benchmark's cost ladder:
 * with LADDER set to one of them, this file's HWPT_INVALIDATE calls stop
 * right after that step and fail with ECANCELED (nothing further done or
 * written).
 * The steps before the lookup need no stop of their own: a call refused
 * for its size or an unknown flag stops there.
 */
enum {
	IOMMU_INV_LADDER_LOOKUP = 1,	/* the HWPT looked up (and put) */
	IOMMU_INV_LADDER_ENGINE,	/* engine, chunk, entries checked */
	IOMMU_INV_LADDER_OP,		/* HWPT lock held around the op */
	IOMMU_INV_LADDER_STATS,		/* per-HWPT statistics */
};

#define IOMMU_INV_LADDER_RUNGS IOMMU_INV_LADDER_STATS

/*
 * What UNIT_FAULT makes a fake unit (module loaded with fake_units=1) do.
 * A fake unit is a software model of the unit's registers and queue that
 * the module's real queue code drives instead of MMIO.
 */
enum {
	/*
	 * The device with source or stream ID @sid stops completing
	 * device-TLB (VT-d) or ATC (SMMUv3) invalidations; the unit reports
	 * each one as timed out (ITE, CERROR_ATC_INV_SYNC), as hardware does
	 * once the ATS completion time-out passes. @sid 0xffffffff heals
	 * every device. The fake VT-d unit keeps up to four hung devices.
	 */
	IOMMU_INV_UNIT_FAULT_HUNG_DEVICE = 1,
	/* The next recovery from a queue error meets a second error. */
	IOMMU_INV_UNIT_FAULT_RECOVERY,
	/* The queue never acknowledges being turned off (QIES, CMDQEN). */
	IOMMU_INV_UNIT_FAULT_NO_DISABLE,
	/* The unit stops answering: the queue no longer moves. */
	IOMMU_INV_UNIT_FAULT_DEAD,
	/*
	 * The next run completes only while the submitting thread is held
	 * up past its wait's deadline (the thread is stalled in a register
	 * read, as by an interrupt storm or preemption).
	 */
	IOMMU_INV_UNIT_FAULT_LATE,
	/*
	 * An Invalidation Completion Error is latched while the next run
	 * waits, as a device's late completion does; it does not stop the
	 * queue. VT-d only.
	 */
	IOMMU_INV_UNIT_FAULT_ICE,
};

/* Descriptors or commands QUEUE_LOG can return: the most recent ones. */
#define IOMMU_INV_QUEUE_LOG_LEN 64

/* Longest MOCK_DELAY. */
#define IOMMU_INV_MOCK_MAX_DELAY_MS 2000

/* The mock's caches; each holds up to 64 slots a test fills. */
enum {
	IOMMU_INV_MOCK_IOTLB,		/* leaf translations */
	IOMMU_INV_MOCK_PWC,		/* paging-structure (non-leaf) cache */
	IOMMU_INV_MOCK_DEVTLB,		/* per device, per PASID */
	IOMMU_INV_MOCK_PASID_CACHE,	/* per PASID */
	IOMMU_INV_MOCK_NUM_CACHES,
};

#define IOMMU_INV_MOCK_SLOTS 64
#define IOMMU_INV_MOCK_MAX_INJECT 8

/**
 * struct iommu_inv_test_cmd - ioctl(IOMMU_INV_TEST)
 * @size: sizeof(struct iommu_inv_test_cmd)
 * @op: IOMMU_INV_TEST_OP_*
 * @id: the mock HWPT the op works on (unused by COPY_FLOOR, NUM_OBJECTS)
 * @__reserved: must be 0
 * @fill: MOCK_FILL: put a cached translation in @fill.cache
 * @query: MOCK_QUERY: which slots of @query.cache are still valid
 * @inject: MOCK_INJECT: make the entry at @inject.index of the next
 *	HWPT_INVALIDATE call fail with @inject.error and @inject.hw_error
 * @seen: MOCK_SEEN: entries of @seen.entry_type the mock has carried out
 * @copy: COPY_FLOOR: copy @copy.len bytes from @copy.uptr into the same
 *	kind of chunk buffer the batch engine uses, and nothing else
 * @objects: NUM_OBJECTS: objects held by this file
 * @delay: MOCK_DELAY: the next invalidation op of the HWPT sleeps
 *	@delay.msecs with the HWPT lock held (stands in for a slow queue)
 * @busy: MOCK_BUSY: whether the HWPT lock is held right now; for an
 *	SMMUv3 HWPT on a fake unit, whether the unit's queue is (by a call
 *	of any HWPT on it)
 * @files: NUM_FILES: open files of the device, all processes
 * @queue_log: QUEUE_LOG: copy the last @queue_log.num (at most
 *	IOMMU_INV_QUEUE_LOG_LEN) descriptors (VT-d: 32 bytes) or commands
 *	(SMMUv3: 16 bytes) the HWPT @id gave its queue, oldest first, fences
 *	included, to @queue_log.uptr; @queue_log.out_num copied,
 *	@queue_log.out_total given since allocation. SMMUv3: model queues
 *	and fake units only, -EOPNOTSUPP on a real SMMU
 * @queue_corrupt: QUEUE_CORRUPT: in the next call that reaches entry
 *	@queue_corrupt.index, flip bit @queue_corrupt.bit of 64-bit word
 *	@queue_corrupt.word of that entry's descriptor or command before the
 *	queue sees it. SMMUv3: model queues and fake units only, -EOPNOTSUPP
 *	on a real SMMU. VT-d: the model, fake units and the HOST queue (the
 *	module loaded with mock=1), -EOPNOTSUPP on a real unit's HW queue
 * @dev_timeout: DEV_TIMEOUT: (model queues only) the next device-TLB
 *	invalidation (VT-d) or ATC invalidation (SMMUv3) to host source or
 *	stream ID @dev_timeout.sid times out
 * @unit_fault: UNIT_FAULT: (fake units only) make the fake unit of HWPT
 *	type @unit_fault.unit (IOMMU_INV_HWPT_VTD_S1 or _SMMUV3_S1) misbehave
 *	as @unit_fault.fault (IOMMU_INV_UNIT_FAULT_*) says; @id is unused.
 *	-ENODEV if that unit is not a fake unit or not yet taken
 * @queue_corrupt_desc: QUEUE_CORRUPT_DESC: (VT-d, SMMUv3) as QUEUE_CORRUPT, in
 *	descriptor @queue_corrupt_desc.desc (0 the first) of those entry
 *	@queue_corrupt_desc.index becomes; QUEUE_CORRUPT is the same with
 *	@queue_corrupt_desc.desc 0. VT-d: @queue_corrupt_desc.desc
 *	IOMMU_INV_TEST_CORRUPT_EVERY flips the bit in the first descriptor
 *	of entry @queue_corrupt_desc.index and of every later entry of that
 *	call (several refused descriptors in one run)
 * @vtd_fill: VTD_FILL: (VT-d model queues only, -EOPNOTSUPP otherwise)
 *	cache a translation in cache @vtd_fill.cache
 *	(IOMMU_INV_VTD_CACHE_*) of the model, tagged with host domain ID
 *	@vtd_fill.did, host PASID @vtd_fill.pasid and source ID @vtd_fill.sid
 *	as that cache's tags say (the others are ignored), for the bytes
 *	[@vtd_fill.addr, @vtd_fill.addr + @vtd_fill.size) (size non-zero, not
 *	past 2^64); @vtd_fill.out_slot its slot (-ENOSPC when all are valid)
 * @vtd_query: VTD_QUERY: (VT-d model queues only) @vtd_query.out_valid,
 *	a bit per slot of cache @vtd_query.cache still valid, after every
 *	descriptor the model carried out evicted what the specification says
 *	it evicts and nothing more
 * @ladder: LADDER: make this file's HWPT_INVALIDATE calls stop after step
 *	@ladder.rung (IOMMU_INV_LADDER_*), or 0 for none; @id is unused
 */
struct iommu_inv_test_cmd {
	__u32 size;
	__u32 op;
	__u32 id;
	__u32 __reserved;
	union {
		struct {
			__u32 cache;
			__u32 virt_id;
			__u32 pasid;
			__u32 out_slot;
			__aligned_u64 addr;
			__aligned_u64 size;
		} fill;
		struct {
			__u32 cache;
			__u32 out_count;
			__aligned_u64 out_valid;
		} query;
		struct {
			__u32 index;
			__s32 error;
			__u32 hw_error;
			__u32 __reserved;
		} inject;
		struct {
			__u32 entry_type;
			__u32 __reserved;
			__aligned_u64 out_count;
		} seen;
		struct {
			__aligned_u64 uptr;
			__u32 len;
			__u32 __reserved;
		} copy;
		struct {
			__u32 out_num;
			__u32 __reserved;
		} objects;
		struct {
			__u32 msecs;
			__u32 __reserved;
		} delay;
		struct {
			__u32 out_busy;
			__u32 __reserved;
		} busy;
		struct {
			__u32 out_num;
			__u32 __reserved;
		} files;
		struct {
			__aligned_u64 uptr;
			__u32 num;
			__u32 out_num;
			__aligned_u64 out_total;
		} queue_log;
		struct {
			__u32 index;
			__u32 word;
			__u32 bit;
			__u32 __reserved;
		} queue_corrupt;
		struct {
			__u32 sid;
			__u32 __reserved;
		} dev_timeout;
		struct {
			__u32 unit;
			__u32 fault;
			__u32 sid;
			__u32 __reserved;
		} unit_fault;
		struct {
			__u32 index;
			__u32 word;
			__u32 bit;
			__u32 desc;
		} queue_corrupt_desc;
		struct {
			__u32 cache;
			__u16 did;
			__u16 sid;
			__u32 pasid;
			__u32 out_slot;
			__aligned_u64 addr;
			__aligned_u64 size;
		} vtd_fill;
		struct {
			__u32 cache;
			__u32 __reserved;
			__aligned_u64 out_valid;
		} vtd_query;
		struct {
			__u32 rung;
			__u32 __reserved;
		} ladder;
	};
};

/*
 * The caches of a VT-d model queue (VTD_FILL, VTD_QUERY), each up to
 * IOMMU_INV_VTD_CACHE_SLOTS translations, tagged as the specification tags
 * them in scalable mode (VT-d rev 4.1, 6.2.1 and 6.5.2).
 */
enum {
	/* First-stage or nested leaf translations: DID, PASID, range. */
	IOMMU_INV_VTD_CACHE_IOTLB,
	/* First-stage paging-structure caches: DID, PASID, range. */
	IOMMU_INV_VTD_CACHE_PWC,
	/* Second-stage-only translations (no PASID tag): DID, range. */
	IOMMU_INV_VTD_CACHE_IOTLB_SS,
	/* A device's TLB (ATS): source ID, PASID, range. */
	IOMMU_INV_VTD_CACHE_DEVTLB,
	/* PASID-table entries: DID, PASID. */
	IOMMU_INV_VTD_CACHE_PASID,
	/* A device's TLB for its requests without PASID: source ID, range. */
	IOMMU_INV_VTD_CACHE_DEVTLB_NP,
	IOMMU_INV_VTD_NUM_CACHES,
};

#define IOMMU_INV_VTD_CACHE_SLOTS 64

#define IOMMU_INV_TEST _IO(0xB9, 0x3f)

#endif /* _IOMMUFD_INV_TEST_H */
