// SPDX-License-Identifier: GPL-2.0
/*
 * The module's trace events (events/iommufd_inv/ in tracefs), on the mock
 * HWPT type: the module must be loaded with mock=1. Each test runs calls
 * with known failures and checks the records in a trace instance of its
 * own: one iommu_inv_call record per call with the call's counts, one
 * iommu_inv_entry_fail record per failed entry with its index, entry
 * type, errno and hw_error, and nothing for the entries that succeeded.
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
	struct iommu_inv_uring_array pl = { .arg_uptr = (uintptr_t)&self->inv };
	struct io_uring_cqe *cqe;
	struct io_uring_sqe *sqe;
	struct io_uring ring;
	struct call_rec c;
	struct entry_rec e;

	e_iotlb_all(&self->b);
	e_pc_all(&self->b);
	e_iotlb_pasid(&self->b, 9);
	test_inject(1, -ENODEV, IOMMU_INV_HWERR_VTD_ICE);
	inv_fill(&self->inv, self->hwpt_id, &self->b, IOMMU_INV_FLAG_CONTINUE,
		 self->res, ARRAY_SIZE(self->res));

	ASSERT_EQ(0, io_uring_queue_init(4, &ring, 0));
	sqe = io_uring_get_sqe(&ring);
	io_uring_prep_rw(IORING_OP_URING_CMD, sqe, self->fd, NULL, 0, 0);
	sqe->cmd_op = IOMMU_INV_URING_CMD_INVALIDATE;
	memcpy((char *)sqe + offsetof(struct io_uring_sqe, cmd), &pl,
	       sizeof(pl));
	ASSERT_EQ(1, io_uring_submit(&ring));
	ASSERT_EQ(0, io_uring_wait_cqe(&ring, &cqe));
	EXPECT_EQ(-ENODEV, cqe->res);
	io_uring_cqe_seen(&ring, cqe);
	io_uring_queue_exit(&ring);
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
	io_uring_prep_rw(IORING_OP_URING_CMD, sqe, self->fd, NULL, 0, 0);
	sqe->cmd_op = IOMMU_INV_URING_CMD_INVALIDATE_INLINE;
	memcpy((char *)sqe + offsetof(struct io_uring_sqe, cmd), &pl,
	       sizeof(pl));
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
