// SPDX-License-Identifier: GPL-2.0-only
/*
 * iommufd-inv through io_uring: IORING_OP_URING_CMD in array and inline
 * mode, on plain, SQE128/CQE32 and SQPOLL rings and with a registered
 * file; linked chains; the non-blocking first issue; closing the device
 * and tearing the ring down with commands in flight; an LSM's
 * security_uring_cmd() refusing commands.
 *
 * Needs the module loaded with mock=1. Set IOMMUFD_INV_NEED_LSM=1 to fail,
 * instead of skip, when no LSM with a uring_cmd hook (Smack) is active.
 */
#include <liburing.h>
#include <stddef.h>
#include <poll.h>
#include <pthread.h>
#include <sys/wait.h>
#include <sys/xattr.h>

#include "kselftest_harness.h"
#include "iommufd_inv_utils.h"

static int test_num_files(int fd)
{
	struct iommu_inv_test_cmd cmd = { .op = IOMMU_INV_TEST_OP_NUM_FILES };

	if (_test_op(fd, &cmd))
		return -1;
	return cmd.files.out_num;
}

static int test_mock_delay(int fd, __u32 hwpt, __u32 msecs)
{
	struct iommu_inv_test_cmd cmd = {
		.op = IOMMU_INV_TEST_OP_MOCK_DELAY, .id = hwpt,
		.delay = { .msecs = msecs },
	};

	return _test_op(fd, &cmd);
}

static int test_mock_busy(int fd, __u32 hwpt)
{
	struct iommu_inv_test_cmd cmd = {
		.op = IOMMU_INV_TEST_OP_MOCK_BUSY, .id = hwpt,
	};

	if (_test_op(fd, &cmd))
		return -1;
	return cmd.busy.out_busy;
}

/* Wait up to @ms for the device's open-file count to drop to @want. */
static int wait_num_files(int fd, int want, int ms)
{
	int n;

	while ((n = test_num_files(fd)) != want && ms > 0) {
		usleep(10000);
		ms -= 10;
	}
	return n;
}

FIXTURE(uring) {
	int fd;
	int probe;
	__u32 hwpt_id;
	bool fixed;
	bool big;
	bool ring_up;
	struct io_uring ring;
	struct ebuf b;
	struct iommu_inv_result res[16];
	struct iommu_inv_hwpt_invalidate inv;
};

FIXTURE_VARIANT(uring) {
	unsigned int ring_flags;
	bool fixed;
};

FIXTURE_VARIANT_ADD(uring, plain) {
	.ring_flags = 0,
};

FIXTURE_VARIANT_ADD(uring, sqe128_cqe32) {
	.ring_flags = IORING_SETUP_SQE128 | IORING_SETUP_CQE32,
};

FIXTURE_VARIANT_ADD(uring, sqpoll) {
	.ring_flags = IORING_SETUP_SQPOLL,
};

FIXTURE_VARIANT_ADD(uring, registered_file) {
	.ring_flags = 0,
	.fixed = true,
};

FIXTURE_SETUP(uring)
{
	struct io_uring_params p = { .flags = variant->ring_flags };

	self->fd = open(DEV_PATH, O_RDWR);
	ASSERT_LE(0, self->fd);
	self->probe = open(DEV_PATH, O_RDWR);
	ASSERT_LE(0, self->probe);
	test_hwpt_alloc_mock(10, &self->hwpt_id);
	p.sq_thread_idle = 1000;
	ASSERT_EQ(0, io_uring_queue_init_params(128, &self->ring, &p));
	self->ring_up = true;
	self->fixed = variant->fixed;
	self->big = variant->ring_flags & IORING_SETUP_SQE128;
	if (self->fixed)
		ASSERT_EQ(0, io_uring_register_files(&self->ring, &self->fd, 1));
	ebuf_init(&self->b, 4096);
}

FIXTURE_TEARDOWN(uring)
{
	if (self->ring_up)
		io_uring_queue_exit(&self->ring);
	if (self->fd >= 0)
		close(self->fd);
	close(self->probe);
	free(self->b.data);
}

/* A CQE with room for the CQE32 extra words. */
struct cqe32 {
	struct io_uring_cqe cqe;
	__u64 extra[2];
};

/* Submit what is queued and reap @n completions, @out[user_data] each. */
static int submit_and_reap(struct io_uring *ring, unsigned int n,
			   struct cqe32 *out)
{
	struct io_uring_cqe *cqe;
	unsigned int i;
	int rc;

	rc = io_uring_submit(ring);
	if (rc < 0)
		return rc;
	for (i = 0; i < n; i++) {
		rc = io_uring_wait_cqe(ring, &cqe);
		if (rc)
			return rc;
		out[cqe->user_data].cqe = *cqe;
		if (ring->flags & IORING_SETUP_CQE32)
			out[cqe->user_data].extra[0] = cqe->big_cqe[0];
		io_uring_cqe_seen(ring, cqe);
	}
	return 0;
}

/* Queue self->b in array mode with user_data @ud. */
#define queue_array(_flags, _ud)					\
	({								\
		struct io_uring_sqe *__sqe = io_uring_get_sqe(&self->ring); \
									\
		ASSERT_NE(NULL, __sqe);					\
		inv_fill(&self->inv, self->hwpt_id, &self->b, _flags,	\
			 self->res, ARRAY_SIZE(self->res));		\
		uring_prep_inv_array(__sqe, self->fd, self->fixed,	\
				     &self->inv);			\
		__sqe->user_data = _ud;					\
		__sqe;							\
	})

TEST_F(uring, array_mode_invalidates)
{
	struct cqe32 c;
	int s0, s1;

	s0 = test_fill(IOMMU_INV_MOCK_IOTLB, 0, 3, 0x10000, PAGE);
	s1 = test_fill(IOMMU_INV_MOCK_IOTLB, 0, 4, 0x10000, PAGE);
	e_iotlb_range(&self->b, 3, 0x10000, PAGE, 0);
	e_pc_all(&self->b);

	queue_array(0, 0);
	ASSERT_EQ(0, submit_and_reap(&self->ring, 1, &c));
	ASSERT_EQ(2, c.cqe.res);
	ASSERT_EQ(2, self->inv.out_processed);
	ASSERT_EQ(0, self->inv.out_num_failed);
	ASSERT_EQ(2, self->inv.out_first_error);
	if (self->big)
		ASSERT_EQ(2, c.extra[0]);
	ASSERT_EQ(1ULL << s1,
		  test_valid(IOMMU_INV_MOCK_IOTLB) & (1ULL << s0 | 1ULL << s1));
	ASSERT_EQ(1, test_seen(IOMMU_INV_ENTRY_PASID_CACHE_ALL));
}

TEST_F(uring, array_mode_stops_at_failed_entry)
{
	struct cqe32 c;
	int i;

	for (i = 0; i < 5; i++)
		e_iotlb_all(&self->b);
	test_inject(2, -EIO, IOMMU_INV_HWERR_VTD_ITE);

	queue_array(0, 0);
	ASSERT_EQ(0, submit_and_reap(&self->ring, 1, &c));
	ASSERT_EQ(-EIO, c.cqe.res);
	ASSERT_EQ(3, self->inv.out_processed);
	ASSERT_EQ(2, self->inv.out_first_error);
	ASSERT_EQ(1, self->inv.out_num_failed);
	ASSERT_EQ(1, self->inv.out_results);
	ASSERT_EQ(2, self->res[0].index);
	ASSERT_EQ(-EIO, self->res[0].error);
	ASSERT_EQ(IOMMU_INV_HWERR_VTD_ITE, self->res[0].hw_error);
	if (self->big)
		ASSERT_EQ(3ULL | 1ULL << 32, c.extra[0]);
	ASSERT_EQ(2, test_seen(IOMMU_INV_ENTRY_IOTLB_ALL));
}

TEST_F(uring, array_mode_continue)
{
	struct cqe32 c;
	int i;

	for (i = 0; i < 6; i++)
		e_iotlb_all(&self->b);
	test_inject(1, -EIO, 0);
	test_inject(4, -ETIMEDOUT, IOMMU_INV_HWERR_VTD_ITE);

	queue_array(IOMMU_INV_FLAG_CONTINUE, 0);
	ASSERT_EQ(0, submit_and_reap(&self->ring, 1, &c));
	ASSERT_EQ(-EIO, c.cqe.res);
	ASSERT_EQ(6, self->inv.out_processed);
	ASSERT_EQ(1, self->inv.out_first_error);
	ASSERT_EQ(2, self->inv.out_num_failed);
	ASSERT_EQ(4, self->res[1].index);
	ASSERT_EQ(-ETIMEDOUT, self->res[1].error);
	if (self->big)
		ASSERT_EQ(6ULL | 2ULL << 32, c.extra[0]);
	ASSERT_EQ(4, test_seen(IOMMU_INV_ENTRY_IOTLB_ALL));
}

/* A call rejected as a whole writes nothing back. */
TEST_F(uring, array_mode_rejected_call_writes_nothing)
{
	struct iommu_inv_uring_array pl = { 0 };
	struct io_uring_sqe *sqe;
	struct cqe32 c;

	e_iotlb_all(&self->b);

	sqe = queue_array(0, 0);
	self->inv.hwpt_id = 0xdead;
	self->inv.out_processed = 0x5a5a;
	ASSERT_EQ(0, submit_and_reap(&self->ring, 1, &c));
	ASSERT_EQ(-ENOENT, c.cqe.res);
	ASSERT_EQ(0x5a5a, self->inv.out_processed);
	if (self->big)
		ASSERT_EQ(0, c.extra[0]);

	sqe = queue_array(0x80, 0);
	ASSERT_EQ(0, submit_and_reap(&self->ring, 1, &c));
	ASSERT_EQ(-EOPNOTSUPP, c.cqe.res);

	sqe = queue_array(0, 0);
	self->inv.size = 8;
	ASSERT_EQ(0, submit_and_reap(&self->ring, 1, &c));
	ASSERT_EQ(-EINVAL, c.cqe.res);

	/* The payload's reserved word, and an unreadable argument. */
	sqe = queue_array(0, 0);
	pl.arg_uptr = (uintptr_t)&self->inv;
	pl.__reserved = 1;
	memcpy(sqe->cmd, &pl, sizeof(pl));
	ASSERT_EQ(0, submit_and_reap(&self->ring, 1, &c));
	ASSERT_EQ(-EINVAL, c.cqe.res);

	sqe = queue_array(0, 0);
	pl.arg_uptr = 8;
	pl.__reserved = 0;
	memcpy(sqe->cmd, &pl, sizeof(pl));
	ASSERT_EQ(0, submit_and_reap(&self->ring, 1, &c));
	ASSERT_EQ(-EFAULT, c.cqe.res);

	ASSERT_EQ(0, test_seen(IOMMU_INV_ENTRY_IOTLB_ALL));
}

TEST_F(uring, unknown_cmd_op)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(&self->ring);
	__u64 zero[2] = { 0 };
	struct cqe32 c;

	ASSERT_NE(NULL, sqe);
	uring_prep_inv(sqe, self->fd, self->fixed, _IO(IOMMU_INV_TYPE, 0x22),
		       zero, sizeof(zero));
	sqe->user_data = 0;
	ASSERT_EQ(0, submit_and_reap(&self->ring, 1, &c));
	ASSERT_EQ(-ENOTTY, c.cqe.res);

	/* An ioctl number is not a uring_cmd op. */
	sqe = io_uring_get_sqe(&self->ring);
	uring_prep_inv(sqe, self->fd, self->fixed, IOMMU_INV_HWPT_INVALIDATE,
		       zero, sizeof(zero));
	sqe->user_data = 0;
	ASSERT_EQ(0, submit_and_reap(&self->ring, 1, &c));
	ASSERT_EQ(-ENOTTY, c.cqe.res);
}

static void prep_inline(struct io_uring_sqe *sqe, int fd, bool fixed,
			const struct iommu_inv_uring_inline *pl)
{
	uring_prep_inv(sqe, fd, fixed, IOMMU_INV_URING_CMD_INVALIDATE_INLINE,
		       pl, sizeof(*pl));
}

/* An inline payload with the entries of @b. */
static void inline_from_b(struct iommu_inv_uring_inline *pl, __u32 hwpt_id,
			  const struct ebuf *b, __u16 flags, void *res)
{
	memset(pl, 0, sizeof(*pl));
	pl->hwpt_id = hwpt_id;
	pl->flags = flags;
	pl->entry_num = b->num;
	pl->results_uptr = (uintptr_t)res;
	if (b->len > sizeof(pl->entries))
		abort();
	memcpy(pl->entries, b->data, b->len);
}

TEST_F(uring, inline_mode)
{
	struct iommu_inv_uring_inline pl;
	struct io_uring_sqe *sqe;
	struct cqe32 c;
	int s0, s1, s2;

	s0 = test_fill(IOMMU_INV_MOCK_IOTLB, 0, 1, 0x200000, PAGE);
	s1 = test_fill(IOMMU_INV_MOCK_IOTLB, 0, 2, 0x400000, PAGE);
	s2 = test_fill(IOMMU_INV_MOCK_IOTLB, 0, 2, 0x600000, PAGE);
	e_iotlb_range(&self->b, 1, 0x200000, 0x200000, 0);
	e_iotlb_range(&self->b, 2, 0x400000, 0x1000, 0);
	inline_from_b(&pl, self->hwpt_id, &self->b, 0, NULL);

	sqe = io_uring_get_sqe(&self->ring);
	ASSERT_NE(NULL, sqe);
	if (!self->big) {
		/* A 64-byte SQE has no room: the payload does not fit. */
		uring_prep_inv(sqe, self->fd, self->fixed,
			       IOMMU_INV_URING_CMD_INVALIDATE_INLINE, &pl, 16);
		sqe->user_data = 0;
		ASSERT_EQ(0, submit_and_reap(&self->ring, 1, &c));
		ASSERT_EQ(-EINVAL, c.cqe.res);
		ASSERT_EQ(7ULL, test_valid(IOMMU_INV_MOCK_IOTLB));
		return;
	}
	prep_inline(sqe, self->fd, self->fixed, &pl);
	sqe->user_data = 0;
	ASSERT_EQ(0, submit_and_reap(&self->ring, 1, &c));
	ASSERT_EQ(2, c.cqe.res);
	ASSERT_EQ(2, c.extra[0]);
	ASSERT_EQ(1ULL << s2, test_valid(IOMMU_INV_MOCK_IOTLB) &
			      (1ULL << s0 | 1ULL << s1 | 1ULL << s2));
}

TEST_F(uring, inline_mode_results)
{
	struct iommu_inv_uring_inline pl;
	struct io_uring_sqe *sqe;
	struct cqe32 c;
	int i;

	if (!self->big)
		SKIP(return, "inline mode needs an SQE128 ring");
	for (i = 0; i < 8; i++)
		e_iotlb_all(&self->b);
	test_inject(5, -EIO, IOMMU_INV_HWERR_VTD_ICE);
	test_inject(7, -ENODEV, 0);
	memset(self->res, 0xff, sizeof(self->res));
	inline_from_b(&pl, self->hwpt_id, &self->b, IOMMU_INV_FLAG_CONTINUE,
		      self->res);

	sqe = io_uring_get_sqe(&self->ring);
	prep_inline(sqe, self->fd, self->fixed, &pl);
	sqe->user_data = 0;
	ASSERT_EQ(0, submit_and_reap(&self->ring, 1, &c));
	ASSERT_EQ(-EIO, c.cqe.res);
	ASSERT_EQ(8ULL | 2ULL << 32, c.extra[0]);
	ASSERT_EQ(5, self->res[0].index);
	ASSERT_EQ(IOMMU_INV_HWERR_VTD_ICE, self->res[0].hw_error);
	ASSERT_EQ(7, self->res[1].index);
	ASSERT_EQ(-ENODEV, self->res[1].error);
	/* Room for entry_num results is assumed; only failures are written. */
	ASSERT_EQ(0xffffffff, self->res[2].index);
	ASSERT_EQ(6, test_seen(IOMMU_INV_ENTRY_IOTLB_ALL));
}

TEST_F(uring, inline_mode_bad_payload)
{
	struct iommu_inv_uring_inline pl;
	struct iommu_inv_entry_hdr *hdr;
	struct io_uring_sqe *sqe;
	struct cqe32 c;

	if (!self->big)
		SKIP(return, "inline mode needs an SQE128 ring");
	e_iotlb_all(&self->b);

	/* A non-zero byte after the last entry. */
	inline_from_b(&pl, self->hwpt_id, &self->b, 0, NULL);
	((__u8 *)pl.entries)[63] = 1;
	sqe = io_uring_get_sqe(&self->ring);
	prep_inline(sqe, self->fd, self->fixed, &pl);
	sqe->user_data = 0;
	ASSERT_EQ(0, submit_and_reap(&self->ring, 1, &c));
	ASSERT_EQ(-EINVAL, c.cqe.res);
	ASSERT_EQ(0, c.extra[0]);

	/* An entry running past the inline area fails on that entry. */
	inline_from_b(&pl, self->hwpt_id, &self->b, 0, self->res);
	hdr = (void *)pl.entries;
	hdr->len = 72;
	sqe = io_uring_get_sqe(&self->ring);
	prep_inline(sqe, self->fd, self->fixed, &pl);
	sqe->user_data = 0;
	ASSERT_EQ(0, submit_and_reap(&self->ring, 1, &c));
	ASSERT_EQ(-EINVAL, c.cqe.res);
	ASSERT_EQ(1ULL | 1ULL << 32, c.extra[0]);
	ASSERT_EQ(0, self->res[0].index);

	/* Unknown flags; an unknown HWPT. */
	inline_from_b(&pl, self->hwpt_id, &self->b, 0x8000, NULL);
	sqe = io_uring_get_sqe(&self->ring);
	prep_inline(sqe, self->fd, self->fixed, &pl);
	sqe->user_data = 0;
	ASSERT_EQ(0, submit_and_reap(&self->ring, 1, &c));
	ASSERT_EQ(-EOPNOTSUPP, c.cqe.res);

	inline_from_b(&pl, self->hwpt_id, &self->b, 0, NULL);
	pl.hwpt_id = 0xdead;
	sqe = io_uring_get_sqe(&self->ring);
	prep_inline(sqe, self->fd, self->fixed, &pl);
	sqe->user_data = 0;
	ASSERT_EQ(0, submit_and_reap(&self->ring, 1, &c));
	ASSERT_EQ(-ENOENT, c.cqe.res);
	ASSERT_EQ(0, test_seen(IOMMU_INV_ENTRY_IOTLB_ALL));
}

/*
 * In a 64-byte SQE the array payload is all there is; in SQE128 the rest
 * of the command area must be zero.
 */
TEST_F(uring, array_mode_dirty_sqe128_tail)
{
	struct io_uring_sqe *sqe;
	struct cqe32 c;

	if (!self->big)
		SKIP(return, "needs an SQE128 ring");
	e_iotlb_all(&self->b);
	sqe = queue_array(0, 0);
	sqe->cmd[79] = 1;
	ASSERT_EQ(0, submit_and_reap(&self->ring, 1, &c));
	ASSERT_EQ(-EINVAL, c.cqe.res);
	ASSERT_EQ(0, test_seen(IOMMU_INV_ENTRY_IOTLB_ALL));
}

/* A failed command breaks its IOSQE_IO_LINK chain: the next is cancelled. */
TEST_F(uring, linked_chain_breaks_on_failure)
{
	struct iommu_inv_hwpt_invalidate inv2;
	struct iommu_inv_result res2[1];
	struct io_uring_sqe *sqe;
	struct ebuf b2;
	struct cqe32 c[3];
	int s;

	s = test_fill(IOMMU_INV_MOCK_IOTLB, 0, 7, 0, PAGE);
	e_pc_all(&self->b);
	e_pc_all(&self->b);
	test_inject(1, -EIO, 0);
	ebuf_init(&b2, 64);
	e_iotlb_pasid(&b2, 7);

	sqe = queue_array(0, 0);
	sqe->flags |= IOSQE_IO_LINK;
	sqe = io_uring_get_sqe(&self->ring);
	inv_fill(&inv2, self->hwpt_id, &b2, 0, res2, 1);
	uring_prep_inv_array(sqe, self->fd, self->fixed, &inv2);
	sqe->user_data = 1;
	ASSERT_EQ(0, submit_and_reap(&self->ring, 2, c));
	ASSERT_EQ(-EIO, c[0].cqe.res);
	ASSERT_EQ(-ECANCELED, c[1].cqe.res);
	ASSERT_EQ(1ULL << s, test_valid(IOMMU_INV_MOCK_IOTLB));
	ASSERT_EQ(0, test_seen(IOMMU_INV_ENTRY_IOTLB_PASID));

	/* Without a failure the chain runs in order. */
	sqe = queue_array(0, 0);
	sqe->flags |= IOSQE_IO_LINK;
	sqe = io_uring_get_sqe(&self->ring);
	uring_prep_inv_array(sqe, self->fd, self->fixed, &inv2);
	sqe->user_data = 1;
	ASSERT_EQ(0, submit_and_reap(&self->ring, 2, c));
	ASSERT_EQ(2, c[0].cqe.res);
	ASSERT_EQ(1, c[1].cqe.res);
	ASSERT_EQ(0, test_valid(IOMMU_INV_MOCK_IOTLB));
	free(b2.data);
}

/* 64 commands in one submit, each completed with its own result. */
TEST_F(uring, many_commands_per_submit)
{
	struct iommu_inv_hwpt_invalidate *inv = calloc(64, sizeof(*inv));
	struct iommu_inv_result *res = calloc(64, sizeof(*res));
	struct cqe32 *c = calloc(64, sizeof(*c));
	struct ebuf *b = calloc(64, sizeof(*b));
	int i, failed = 0;

	for (i = 0; i < 64; i++) {
		struct io_uring_sqe *sqe = io_uring_get_sqe(&self->ring);

		ASSERT_NE(NULL, sqe);
		ebuf_init(&b[i], 64);
		e_iotlb_pasid(&b[i], i);
		if (i % 2)
			e_pc_pasid(&b[i], i);
		inv_fill(&inv[i], self->hwpt_id, &b[i], 0, &res[i], 1);
		uring_prep_inv_array(sqe, self->fd, self->fixed, &inv[i]);
		sqe->user_data = i;
	}
	test_inject(1, -EIO, 0);	/* entry 1 of whichever runs first */
	ASSERT_EQ(0, submit_and_reap(&self->ring, 64, c));
	for (i = 0; i < 64; i++) {
		if (c[i].cqe.res < 0) {
			failed++;
			ASSERT_EQ(-EIO, c[i].cqe.res);
			ASSERT_EQ(1, res[i].index);
			ASSERT_EQ(1, inv[i].out_num_failed);
		} else {
			ASSERT_EQ(b[i].num, c[i].cqe.res);
		}
		free(b[i].data);
	}
	ASSERT_EQ(1, failed);
	ASSERT_EQ(64, test_seen(IOMMU_INV_ENTRY_IOTLB_PASID));
	ASSERT_EQ(31, test_seen(IOMMU_INV_ENTRY_PASID_CACHE_PASID));
	free(b);
	free(c);
	free(res);
	free(inv);
}

struct holder {
	int fd;
	__u32 hwpt_id;
	bool done;	/* __atomic */
	int rc;
};

static void *hold_hwpt(void *arg)
{
	struct holder *h = arg;
	struct iommu_inv_hwpt_invalidate inv;
	struct ebuf b;

	ebuf_init(&b, 64);
	e_iotlb_all(&b);
	h->rc = _test_inv(h->fd, h->hwpt_id, &b, 0, NULL, 0, &inv);
	__atomic_store_n(&h->done, true, __ATOMIC_RELEASE);
	free(b.data);
	return NULL;
}

/*
 * The first issue is non-blocking: with the HWPT busy the command is
 * handed to a worker instead of waiting, so the submit returns while the
 * other caller still holds the HWPT. The command then completes normally.
 */
TEST_F(uring, busy_hwpt_does_not_block_submit)
{
	struct holder h = { .fd = self->fd, .hwpt_id = self->hwpt_id };
	pthread_t thread;
	struct io_uring_cqe *cqe;
	int i;

	if (self->ring.flags & IORING_SETUP_SQPOLL)
		SKIP(return, "the SQPOLL thread submits, not this one");
	ASSERT_EQ(0, test_mock_delay(self->fd, self->hwpt_id, 1500));
	ASSERT_EQ(0, pthread_create(&thread, NULL, hold_hwpt, &h));
	for (i = 0; i < 500 && test_mock_busy(self->fd, self->hwpt_id) != 1;
	     i++)
		usleep(2000);
	ASSERT_EQ(1, test_mock_busy(self->fd, self->hwpt_id));

	e_iotlb_all(&self->b);
	queue_array(0, 0);
	ASSERT_EQ(1, io_uring_submit(&self->ring));
	/* Still held by the other caller: the submit did not wait for it. */
	ASSERT_EQ(1, test_mock_busy(self->fd, self->hwpt_id));
	ASSERT_FALSE(__atomic_load_n(&h.done, __ATOMIC_ACQUIRE));
	ASSERT_EQ(-EAGAIN, io_uring_peek_cqe(&self->ring, &cqe));

	ASSERT_EQ(0, io_uring_wait_cqe(&self->ring, &cqe));
	ASSERT_EQ(1, cqe->res);
	io_uring_cqe_seen(&self->ring, cqe);
	pthread_join(thread, NULL);
	ASSERT_EQ(0, h.rc);
	ASSERT_EQ(2, test_seen(IOMMU_INV_ENTRY_IOTLB_ALL));
}

/*
 * Closing the device while a command is inside it (a worker is carrying it
 * out): the command completes with its result, then the file is released.
 */
TEST_F(uring, close_device_with_command_in_flight)
{
	struct io_uring_sqe *sqe;
	struct io_uring_cqe *cqe;
	int files, i;

	files = test_num_files(self->probe);
	ASSERT_LE(2, files);
	ASSERT_EQ(0, test_mock_delay(self->fd, self->hwpt_id, 500));
	e_iotlb_all(&self->b);
	sqe = queue_array(0, 0);
	sqe->flags |= IOSQE_ASYNC;
	ASSERT_EQ(1, io_uring_submit(&self->ring));
	for (i = 0; i < 500 && test_mock_busy(self->fd, self->hwpt_id) != 1;
	     i++)
		usleep(1000);
	ASSERT_EQ(1, test_mock_busy(self->fd, self->hwpt_id));
	if (self->fixed)
		ASSERT_EQ(0, io_uring_unregister_files(&self->ring));
	ASSERT_EQ(0, close(self->fd));
	self->fd = -1;

	ASSERT_EQ(0, io_uring_wait_cqe(&self->ring, &cqe));
	ASSERT_EQ(1, cqe->res);
	io_uring_cqe_seen(&self->ring, cqe);
	ASSERT_EQ(files - 1, wait_num_files(self->probe, files - 1, 5000));
}

/*
 * Tearing the ring down with commands in flight loses nothing: every file
 * reference is dropped and the device is released.
 */
TEST_F(uring, ring_exit_with_commands_in_flight)
{
	int files, i;

	files = test_num_files(self->probe);
	ASSERT_EQ(0, test_mock_delay(self->fd, self->hwpt_id, 200));
	e_iotlb_all(&self->b);
	for (i = 0; i < 32; i++) {
		struct io_uring_sqe *sqe = queue_array(0, i);

		sqe->flags |= IOSQE_ASYNC;
	}
	ASSERT_EQ(32, io_uring_submit(&self->ring));
	io_uring_queue_exit(&self->ring);
	self->ring_up = false;
	ASSERT_EQ(0, close(self->fd));
	self->fd = -1;
	ASSERT_EQ(files - 1, wait_num_files(self->probe, files - 1, 10000));
}

/* Smack is the active LSM: it checks uring_cmd (security_uring_cmd()). */
static bool smack_active(void)
{
	char label[64] = "";
	int fd = open("/proc/self/attr/smack/current", O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return false;
	n = read(fd, label, sizeof(label) - 1);
	close(fd);
	return n > 0;
}

/*
 * In a child without CAP_MAC_OVERRIDE: one array-mode command on a plain
 * and on an SQPOLL ring, each set up by the child. Exit status: 0 if both
 * completed with @want, else the step that did not.
 */
static int uring_cmd_as_unprivileged(int fd, __u32 hwpt_id, int want)
{
	struct iommu_inv_hwpt_invalidate inv;
	struct iommu_inv_result res[1];
	unsigned int flags[] = { 0, IORING_SETUP_SQPOLL };
	struct io_uring_cqe *cqe;
	struct io_uring ring;
	struct ebuf b;
	unsigned int i;
	int rc;

	if (drop_cap(CAP_MAC_OVERRIDE))
		return 10;
	ebuf_init(&b, 256);
	e_pc_all(&b);
	for (i = 0; i < ARRAY_SIZE(flags); i++) {
		struct io_uring_params p = { .flags = flags[i] };

		if (io_uring_queue_init_params(8, &ring, &p))
			return 20 + i;
		inv_fill(&inv, hwpt_id, &b, 0, res, 1);
		uring_prep_inv_array(io_uring_get_sqe(&ring), fd, false, &inv);
		if (io_uring_submit(&ring) != 1 || io_uring_wait_cqe(&ring, &cqe))
			return 30 + i;
		rc = cqe->res;
		io_uring_cqe_seen(&ring, cqe);
		io_uring_queue_exit(&ring);
		if (rc != want)
			return 40 + i;
	}
	free(b.data);
	return 0;
}

static int run_child(int fd, __u32 hwpt_id, int want)
{
	int status;
	pid_t pid = fork();

	if (!pid)
		_exit(uring_cmd_as_unprivileged(fd, hwpt_id, want));
	if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

/*
 * io_uring asks the LSM before each command reaches the driver. With the
 * device labelled so that its opener may not read it, Smack refuses the
 * command: it completes with -EACCES and nothing is carried out. With
 * the label back, the same command works.
 */
TEST(security_uring_cmd)
{
	static const char secret[] = "iommufd-inv-test";
	int fd = open(DEV_PATH, O_RDWR);
	char label[256];
	ssize_t len;
	__u32 hwpt_id;

	ASSERT_LE(0, fd);
	if (!smack_active()) {
		ASSERT_FALSE(env_needs("IOMMUFD_INV_NEED_LSM"));
		SKIP(return, "no LSM with a uring_cmd hook (Smack) is active");
	}
	ASSERT_EQ(0, _test_hwpt_alloc_mock(fd, 10, &hwpt_id));
	len = fgetxattr(fd, "security.SMACK64", label, sizeof(label));
	ASSERT_LT(0, len);

	ASSERT_EQ(0, fsetxattr(fd, "security.SMACK64", secret,
			       strlen(secret), 0));
	EXPECT_EQ(0, run_child(fd, hwpt_id, -EACCES));
	EXPECT_EQ(0, _test_mock_seen(fd, hwpt_id,
				     IOMMU_INV_ENTRY_PASID_CACHE_ALL));

	ASSERT_EQ(0, fsetxattr(fd, "security.SMACK64", label, len, 0));
	EXPECT_EQ(0, run_child(fd, hwpt_id, 1));
	EXPECT_EQ(2, _test_mock_seen(fd, hwpt_id,
				     IOMMU_INV_ENTRY_PASID_CACHE_ALL));
	close(fd);
}

TEST_HARNESS_MAIN
