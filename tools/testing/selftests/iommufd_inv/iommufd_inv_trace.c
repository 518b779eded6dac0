// SPDX-License-Identifier: GPL-2.0
/*
 * The module's trace events (events/iommufd_inv/ in tracefs), on the mock
 * HWPT type: the module must be loaded with mock=1. Each test runs calls
 * with known failures and checks the records in a trace instance of its
 * own: one iommu_inv_call record per call with the call's counts, one
 * iommu_inv_entry_fail record per failed entry with its index, entry
 * type, errno and hw_error, and nothing for the entries that succeeded.
 * The smmu_trace fixture reloads the module with the fake SMMU
 * (FAKE_PARAMS; mock=1 alone again after each test) and checks the unit
 * fault and recovery records of its queue.
 *
 * Skips on a kernel without tracing; set IOMMUFD_INV_NEED_TRACE=1 to fail
 * instead (the debug tier, whose kernel has it).
 */
#include <liburing.h>
#include <stddef.h>
#include <stdio.h>

#include "kselftest_harness.h"
#include "iommufd_inv_utils.h"
#include "iommufd_inv_tracefs.h"

#define VIRT 0x10

struct call_rec {
	unsigned int hwpt, entries, processed, failed, first_error;
	char hwpt_type[16];
	int error;
};

struct entry_rec {
	unsigned int hwpt, index, hw_error;
	char type[24];
	int error;
};

static int parse_call(const char *s, struct call_rec *r)
{
	return sscanf(s,
		      "hwpt=%u hwpt_type=%15s entries=%u processed=%u failed=%u first_error=%u error=%d",
		      &r->hwpt, r->hwpt_type, &r->entries, &r->processed,
		      &r->failed, &r->first_error, &r->error) == 7 ? 0 : -1;
}

static int parse_entry(const char *s, struct entry_rec *r)
{
	return sscanf(s, "hwpt=%u index=%u type=%23s error=%d hw_error=%x",
		      &r->hwpt, &r->index, r->type, &r->error,
		      &r->hw_error) == 5 ? 0 : -1;
}

FIXTURE(trace) {
	int fd;
	__u32 hwpt_id;
	struct tracefs t;
	char *buf;
	struct ebuf b;
	struct iommu_inv_result res[8];
	struct iommu_inv_hwpt_invalidate inv;
};

FIXTURE_SETUP(trace)
{
	int rc;

	self->buf = NULL;
	self->b.data = NULL;
	self->fd = -1;
	rc = tracefs_open(&self->t);
	if (rc == -ENOENT) {
		ASSERT_FALSE(env_needs("IOMMUFD_INV_NEED_TRACE"));
		SKIP(return, "no tracefs: a kernel without tracing");
	}
	/* Tracing is there: the module's events must be too. */
	ASSERT_EQ(0, rc) TH_LOG("tracefs instance %s: %s", self->t.inst,
				strerror(-rc));
	self->fd = open(DEV_PATH, O_RDWR);
	ASSERT_LE(0, self->fd);
	test_hwpt_alloc_mock(10, &self->hwpt_id);
	test_vdev_alloc(self->hwpt_id, VIRT, NULL);
	ebuf_init(&self->b, 4096);
}

FIXTURE_TEARDOWN(trace)
{
	tracefs_close(&self->t);
	free(self->buf);
	free(self->b.data);
	if (self->fd >= 0)
		close(self->fd);
}

/* Read the buffer; the number of records of each kind. */
#define read_records(_ncall, _nentry)					\
	({								\
		free(self->buf);					\
		self->buf = tracefs_read(&self->t);			\
		ASSERT_NE(NULL, self->buf);				\
		ASSERT_EQ(_ncall, tracefs_find(self->buf, "iommu_inv_call", \
					       0, NULL, 0))		\
			TH_LOG("trace:\n%s", self->buf);		\
		ASSERT_EQ(_nentry, tracefs_find(self->buf,		\
						"iommu_inv_entry_fail",	\
						0, NULL, 0))		\
			TH_LOG("trace:\n%s", self->buf);		\
	})

#define get_call(_r)							\
	({								\
		char __s[256];						\
									\
		tracefs_find(self->buf, "iommu_inv_call", 0, __s,	\
			     sizeof(__s));				\
		ASSERT_EQ(0, parse_call(__s, _r)) TH_LOG("%s", __s);	\
	})

#define get_entry(_n, _r)						\
	({								\
		char __s[256];						\
									\
		tracefs_find(self->buf, "iommu_inv_entry_fail", _n, __s, \
			     sizeof(__s));				\
		ASSERT_EQ(0, parse_entry(__s, _r)) TH_LOG("%s", __s);	\
	})

/*
 * Five entries of five types, the second and the fourth failing (the
 * mock's injection), CONTINUE: one call record with the counts, two entry
 * records with the failed entries' indexes, types, errnos and hardware
 * codes, in array order.
 */
TEST_F(trace, continue_two_failures)
{
	struct call_rec c;
	struct entry_rec e;

	e_iotlb_all(&self->b);
	e_iotlb_pasid(&self->b, 3);
	e_iotlb_range(&self->b, 3, 0x10000, 0x3000, 0);
	e_devtlb_pasid(&self->b, VIRT, 5);
	e_pc_pasid(&self->b, 3);
	test_inject(1, -EIO, IOMMU_INV_HWERR_VTD_IQE);
	test_inject(3, -ETIMEDOUT, IOMMU_INV_HWERR_VTD_ITE);
	test_inv_fails_at(IOMMU_INV_FLAG_CONTINUE, EIO, 1);
	ASSERT_EQ(5, self->inv.out_processed);
	ASSERT_EQ(2, self->inv.out_num_failed);

	read_records(1, 2);
	get_call(&c);
	EXPECT_EQ(self->hwpt_id, c.hwpt);
	EXPECT_STREQ("mock", c.hwpt_type);
	EXPECT_EQ(5, c.entries);
	EXPECT_EQ(5, c.processed);
	EXPECT_EQ(2, c.failed);
	EXPECT_EQ(1, c.first_error);
	EXPECT_EQ(-EIO, c.error);

	get_entry(0, &e);
	EXPECT_EQ(self->hwpt_id, e.hwpt);
	EXPECT_EQ(1, e.index);
	EXPECT_STREQ("iotlb_pasid", e.type);
	EXPECT_EQ(-EIO, e.error);
	EXPECT_EQ(IOMMU_INV_HWERR_VTD_IQE, e.hw_error);

	get_entry(1, &e);
	EXPECT_EQ(self->hwpt_id, e.hwpt);
	EXPECT_EQ(3, e.index);
	EXPECT_STREQ("devtlb_pasid", e.type);
	EXPECT_EQ(-ETIMEDOUT, e.error);
	EXPECT_EQ(IOMMU_INV_HWERR_VTD_ITE, e.hw_error);

	/* A call with no failure: its record, and no entry record. */
	ASSERT_EQ(0, tracefs_clear(&self->t));
	test_inv_ok();
	read_records(1, 0);
	get_call(&c);
	EXPECT_EQ(5, c.processed);
	EXPECT_EQ(0, c.failed);
	EXPECT_EQ(5, c.first_error);
	EXPECT_EQ(0, c.error);
}

/* Without CONTINUE the call stops at the first failure: one entry record. */
TEST_F(trace, stop_at_first_failure)
{
	struct call_rec c;
	struct entry_rec e;

	e_iotlb_all(&self->b);
	e_pc_all(&self->b);
	e_iotlb_pasid(&self->b, 7);
	e_pc_pasid(&self->b, 7);
	test_inject(2, -ENOSPC, 0);
	test_inject(3, -EIO, 0);
	test_inv_fails_at(0, ENOSPC, 2);

	read_records(1, 1);
	get_call(&c);
	EXPECT_EQ(4, c.entries);
	EXPECT_EQ(3, c.processed);
	EXPECT_EQ(1, c.failed);
	EXPECT_EQ(2, c.first_error);
	EXPECT_EQ(-ENOSPC, c.error);
	get_entry(0, &e);
	EXPECT_EQ(2, e.index);
	EXPECT_STREQ("iotlb_pasid", e.type);
	EXPECT_EQ(-ENOSPC, e.error);
	EXPECT_EQ(0, e.hw_error);
	test_inject(0, 0, 0);
}

/*
 * Failures the engine finds itself, before the HWPT type sees the entry:
 * an entry type the mock does not take, and an array that ends inside
 * the last entry (past its header, so its type is known).
 */
TEST_F(trace, engine_failures_carry_the_type)
{
	struct iommu_inv_entry_hdr *h;
	struct call_rec c;
	struct entry_rec e;

	e_iotlb_all(&self->b);
	h = ebuf_add(&self->b, IOMMU_INV_ENTRY_VTD_DESC,
		     sizeof(struct iommu_inv_entry_vtd_desc), 0);
	ASSERT_NE(NULL, h);
	e_pc_all(&self->b);
	e_iotlb_range(&self->b, 1, 0x200000, 0x1000, 0);
	self->b.len -= 8;
	test_inv_fails_at(IOMMU_INV_FLAG_CONTINUE, EOPNOTSUPP, 1);
	EXPECT_EQ(2, self->inv.out_num_failed);

	read_records(1, 2);
	get_call(&c);
	EXPECT_EQ(4, c.entries);
	EXPECT_EQ(4, c.processed);
	EXPECT_EQ(2, c.failed);
	EXPECT_EQ(1, c.first_error);
	EXPECT_EQ(-EOPNOTSUPP, c.error);
	get_entry(0, &e);
	EXPECT_EQ(1, e.index);
	EXPECT_STREQ("vtd_desc", e.type);
	EXPECT_EQ(-EOPNOTSUPP, e.error);
	get_entry(1, &e);
	EXPECT_EQ(3, e.index);
	EXPECT_STREQ("iotlb_range", e.type);
	EXPECT_EQ(-EINVAL, e.error);
	EXPECT_EQ(0, e.hw_error);
}

/* An io_uring submission (array mode) leaves one call record too. */
TEST_F(trace, io_uring_call)
{
	struct call_rec c;
	struct entry_rec e;

	e_iotlb_all(&self->b);
	e_pc_all(&self->b);
	e_iotlb_pasid(&self->b, 9);
	test_inject(1, -ENODEV, IOMMU_INV_HWERR_VTD_ICE);
	inv_fill(&self->inv, self->hwpt_id, &self->b, IOMMU_INV_FLAG_CONTINUE,
		 self->res, ARRAY_SIZE(self->res));

	EXPECT_EQ(-ENODEV, uring_inv_array_once(self->fd, &self->inv));
	EXPECT_EQ(3, self->inv.out_processed);
	EXPECT_EQ(1, self->inv.out_num_failed);

	read_records(1, 1);
	get_call(&c);
	EXPECT_EQ(self->hwpt_id, c.hwpt);
	EXPECT_EQ(3, c.entries);
	EXPECT_EQ(3, c.processed);
	EXPECT_EQ(1, c.failed);
	EXPECT_EQ(1, c.first_error);
	EXPECT_EQ(-ENODEV, c.error);
	get_entry(0, &e);
	EXPECT_EQ(1, e.index);
	EXPECT_STREQ("pasid_cache_all", e.type);
	EXPECT_EQ(IOMMU_INV_HWERR_VTD_ICE, e.hw_error);
}

/* So does one in inline mode (SQE128): the same engine, the same events. */
TEST_F(trace, io_uring_inline_call)
{
	struct iommu_inv_uring_inline pl = {
		.hwpt_id = self->hwpt_id, .flags = IOMMU_INV_FLAG_CONTINUE,
		.results_uptr = (uintptr_t)self->res,
	};
	struct io_uring_cqe *cqe;
	struct io_uring_sqe *sqe;
	struct io_uring ring;
	struct call_rec c;
	struct entry_rec e;

	e_iotlb_all(&self->b);
	e_pc_all(&self->b);
	e_iotlb_pasid(&self->b, 4);
	e_pc_pasid(&self->b, 4);
	ASSERT_GE(sizeof(pl.entries), self->b.len);
	memcpy(pl.entries, self->b.data, self->b.len);
	pl.entry_num = self->b.num;
	test_inject(2, -EINVAL, IOMMU_INV_HWERR_SMMU_CERROR_ILL);

	ASSERT_EQ(0, io_uring_queue_init(4, &ring, IORING_SETUP_SQE128));
	sqe = io_uring_get_sqe(&ring);
	uring_prep_inv(sqe, self->fd, false,
		       IOMMU_INV_URING_CMD_INVALIDATE_INLINE, &pl, sizeof(pl));
	ASSERT_EQ(1, io_uring_submit(&ring));
	ASSERT_EQ(0, io_uring_wait_cqe(&ring, &cqe));
	EXPECT_EQ(-EINVAL, cqe->res);
	io_uring_cqe_seen(&ring, cqe);
	io_uring_queue_exit(&ring);

	read_records(1, 1);
	get_call(&c);
	EXPECT_EQ(self->hwpt_id, c.hwpt);
	EXPECT_EQ(4, c.entries);
	EXPECT_EQ(4, c.processed);
	EXPECT_EQ(1, c.failed);
	EXPECT_EQ(2, c.first_error);
	EXPECT_EQ(-EINVAL, c.error);
	get_entry(0, &e);
	EXPECT_EQ(2, e.index);
	EXPECT_STREQ("iotlb_pasid", e.type);
	EXPECT_EQ(-EINVAL, e.error);
	EXPECT_EQ(IOMMU_INV_HWERR_SMMU_CERROR_ILL, e.hw_error);
}

/* --- the SMMUv3 unit events, on the fake SMMU --------------------------- */

#define VMID 0x42
#define VSID_A 0x10	/* ATS, healthy */
#define PSID_A 0x1000
#define VSID_B 0x12	/* ATS, the one that hangs */
#define PSID_B 0x1200
#define HEAL 0xffffffffU

struct fault_rec {
	char unit[16];
	unsigned int fault, index;
};

static int parse_fault(const char *s, struct fault_rec *r)
{
	return sscanf(s, "unit=%15s fault=%x index=%u", r->unit, &r->fault,
		      &r->index) == 3 ? 0 : -1;
}

FIXTURE(smmu_trace) {
	int fd;
	__u32 hwpt_id;
	bool reloaded;
	struct tracefs t;
	char *buf;
	struct ebuf b;
	struct iommu_inv_result res[8];
	struct iommu_inv_hwpt_invalidate inv;
};

/*
 * A fresh load, so the slots the records name are known: the first use
 * of the fake SMMU puts one CMD_SYNC in slot 0 (the probe's check that
 * the queue works), the tests' commands start at slot 1. Then a trace
 * instance (the events are the new module's).
 */
FIXTURE_SETUP(smmu_trace)
{
	int rc;

	self->buf = NULL;
	self->b.data = NULL;
	self->fd = -1;
	self->reloaded = false;
	self->t.inst[0] = 0;
	if (!tracefs_root()) {
		ASSERT_FALSE(env_needs("IOMMUFD_INV_NEED_TRACE"));
		SKIP(return, "no tracefs: a kernel without tracing");
	}
	if (access(module_path(), R_OK))
		SKIP(return, "no module file %s to reload", module_path());
	self->reloaded = true;
	ASSERT_EQ(0, module_reload(FAKE_PARAMS));
	rc = tracefs_open(&self->t);
	ASSERT_EQ(0, rc) TH_LOG("tracefs instance %s: %s", self->t.inst,
				strerror(-rc));
	self->fd = open(DEV_PATH, O_RDWR);
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, smmu_alloc(self->fd, IOMMU_INV_SMMU_QUEUE_HW, VMID,
				&self->hwpt_id));
	ASSERT_EQ(0, smmu_vdev(self->fd, self->hwpt_id, VSID_A, PSID_A,
			       IOMMU_INV_SMMU_DEV_ATS));
	ASSERT_EQ(0, smmu_vdev(self->fd, self->hwpt_id, VSID_B, PSID_B,
			       IOMMU_INV_SMMU_DEV_ATS));
	ebuf_init(&self->b, 4096);
}

FIXTURE_TEARDOWN(smmu_trace)
{
	tracefs_close(&self->t);
	free(self->buf);
	free(self->b.data);
	if (self->fd >= 0)
		close(self->fd);
	if (self->reloaded)
		EXPECT_EQ(0, module_reload("mock=1"));
}

/* Read the buffer; the number of unit fault and recovery records. */
#define read_unit_records(_nfault, _nrecover)				\
	({								\
		free(self->buf);					\
		self->buf = tracefs_read(&self->t);			\
		ASSERT_NE(NULL, self->buf);				\
		ASSERT_EQ(_nfault, tracefs_find(self->buf,		\
						"iommu_inv_unit_fault",	\
						0, NULL, 0))		\
			TH_LOG("trace:\n%s", self->buf);		\
		ASSERT_EQ(_nrecover,					\
			  tracefs_find(self->buf,			\
				       "iommu_inv_unit_recover",	\
				       0, NULL, 0))			\
			TH_LOG("trace:\n%s", self->buf);		\
	})

#define get_fault(_n, _r)						\
	({								\
		char __s[256];						\
									\
		tracefs_find(self->buf, "iommu_inv_unit_fault", _n, __s, \
			     sizeof(__s));				\
		ASSERT_EQ(0, parse_fault(__s, _r)) TH_LOG("%s", __s);	\
	})

/* Where the first record of @event is in the buffer (its order). */
static long rec_pos(const char *buf, const char *event)
{
	char tag[64];
	const char *p;

	snprintf(tag, sizeof(tag), " %s: ", event);
	p = strstr(buf, tag);
	return p ? p - buf : -1;
}

/*
 * A device that does not complete its ATC invalidation. The queue holds
 * TLBI_NH_ALL (slot 1), ATC_INV to A (2), the CMD_SYNC the queue puts
 * before an ATC_INV to another device (3), ATC_INV to B (4), TLBI_NH_ALL
 * (5) and the run's CMD_SYNC (6), which reports CERROR_ATC_INV_SYNC: one
 * fault record (3, slot 6), one recovery that succeeded, then the failed
 * entry and the call, in that order. A call without a fault leaves no
 * unit record.
 */
TEST_F(smmu_trace, hung_atc_fault_and_recovery)
{
	struct fault_rec f;
	struct entry_rec e;
	struct call_rec c;
	char s[256];

	ASSERT_EQ(0, test_unit_fault(self->fd, IOMMU_INV_HWPT_SMMUV3_S1,
				     IOMMU_INV_UNIT_FAULT_HUNG_DEVICE, PSID_B));
	e_iotlb_all(&self->b);
	e_devtlb_pasid(&self->b, VSID_A, 1);
	e_devtlb_pasid(&self->b, VSID_B, 2);
	e_iotlb_all(&self->b);
	test_inv_fails_at(0, ETIMEDOUT, 2);

	read_unit_records(1, 1);
	read_records(1, 1);
	get_fault(0, &f);
	EXPECT_STREQ("smmuv3", f.unit);
	EXPECT_EQ(3, f.fault);
	EXPECT_EQ(6, f.index);
	tracefs_find(self->buf, "iommu_inv_unit_recover", 0, s, sizeof(s));
	EXPECT_STREQ("unit=smmuv3 recovered", s);
	get_entry(0, &e);
	EXPECT_EQ(self->hwpt_id, e.hwpt);
	EXPECT_EQ(2, e.index);
	EXPECT_STREQ("devtlb_pasid", e.type);
	EXPECT_EQ(-ETIMEDOUT, e.error);
	EXPECT_EQ(IOMMU_INV_HWERR_SMMU_CERROR_ATC_INV_SYNC, e.hw_error);
	get_call(&c);
	EXPECT_EQ(self->hwpt_id, c.hwpt);
	EXPECT_STREQ("smmuv3_s1", c.hwpt_type);
	EXPECT_EQ(4, c.entries);
	EXPECT_EQ(3, c.processed);
	EXPECT_EQ(1, c.failed);
	EXPECT_EQ(2, c.first_error);
	EXPECT_EQ(-ETIMEDOUT, c.error);
	EXPECT_LT(rec_pos(self->buf, "iommu_inv_unit_fault"),
		  rec_pos(self->buf, "iommu_inv_unit_recover"));
	EXPECT_LT(rec_pos(self->buf, "iommu_inv_unit_recover"),
		  rec_pos(self->buf, "iommu_inv_entry_fail"));
	EXPECT_LT(rec_pos(self->buf, "iommu_inv_entry_fail"),
		  rec_pos(self->buf, "iommu_inv_call"));

	ASSERT_EQ(0, test_unit_fault(self->fd, IOMMU_INV_HWPT_SMMUV3_S1,
				     IOMMU_INV_UNIT_FAULT_HUNG_DEVICE, HEAL));
	ASSERT_EQ(0, tracefs_clear(&self->t));
	test_inv_ok();
	read_unit_records(0, 0);
	read_records(1, 0);
}

/*
 * A command the SMMU refuses (entry 2's, slot 3: opcode bit 7 flipped on
 * the way, 0x11 becomes 0x91), and the queue cannot fetch the command it
 * resumes on (CERROR_ABT at the same slot): two fault records, then one
 * recovery that succeeded; the entry keeps the first error.
 */
TEST_F(smmu_trace, refused_command_and_fault_in_recovery)
{
	struct fault_rec f;
	struct entry_rec e;
	struct call_rec c;
	char s[256];
	int i;

	ASSERT_EQ(0, test_unit_fault(self->fd, IOMMU_INV_HWPT_SMMUV3_S1,
				     IOMMU_INV_UNIT_FAULT_RECOVERY, 0));
	for (i = 0; i < 5; i++)
		e_iotlb_pasid(&self->b, i);
	ASSERT_EQ(0, queue_corrupt(self->fd, self->hwpt_id, 2, 0, 7));
	test_inv_fails_at(0, EIO, 2);

	read_unit_records(2, 1);
	read_records(1, 1);
	get_fault(0, &f);
	EXPECT_STREQ("smmuv3", f.unit);
	EXPECT_EQ(1, f.fault);
	EXPECT_EQ(3, f.index);
	get_fault(1, &f);
	EXPECT_EQ(2, f.fault);
	EXPECT_EQ(3, f.index);
	tracefs_find(self->buf, "iommu_inv_unit_recover", 0, s, sizeof(s));
	EXPECT_STREQ("unit=smmuv3 recovered", s);
	get_entry(0, &e);
	EXPECT_EQ(2, e.index);
	EXPECT_STREQ("iotlb_pasid", e.type);
	EXPECT_EQ(-EIO, e.error);
	EXPECT_EQ(IOMMU_INV_HWERR_SMMU_CERROR_ILL, e.hw_error);
	get_call(&c);
	EXPECT_EQ(5, c.entries);
	EXPECT_EQ(3, c.processed);
	EXPECT_EQ(1, c.failed);
	EXPECT_EQ(-EIO, c.error);
	EXPECT_LT(rec_pos(self->buf, "iommu_inv_unit_recover"),
		  rec_pos(self->buf, "iommu_inv_entry_fail"));
}

/* A call rejected before its HWPT is looked up leaves no record. */
TEST_F(trace, rejected_call_leaves_none)
{
	e_iotlb_all(&self->b);
	errno = 0;
	EXPECT_EQ(-1, _test_inv(self->fd, self->hwpt_id + 100, &self->b, 0,
				self->res, 8, &self->inv));
	EXPECT_EQ(ENOENT, errno);
	read_records(0, 0);
	test_inv_ok();
	read_records(1, 0);
}

TEST_HARNESS_MAIN
