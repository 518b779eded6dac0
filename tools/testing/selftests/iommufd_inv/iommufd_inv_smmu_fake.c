// SPDX-License-Identifier: GPL-2.0
/*
 * The SMMUv3 queue code (smmu_unit.c) against a fake SMMU: the module is
 * reloaded with mock=1 fake_units=1, so a HWPT on IOMMU_INV_SMMU_QUEUE_HW
 * drives a software model of an SMMU's registers and command queue, which
 * the test ioctl's UNIT_FAULT makes misbehave: a device that never
 * completes ATC invalidations, a second error during recovery, a queue
 * that is never acknowledged off, a unit that stops answering. The module
 * is loaded again with mock=1 alone when the tests are done.
 *
 * IOMMUFD_INV_MODULE names the module file (default /module.ko, where the
 * test guests have it); without it the tests skip.
 */

#include <liburing.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <time.h>

#include "kselftest_harness.h"
#include "iommufd_inv_utils.h"

#define VMID 0x42
/* The HWPT's devices: guest stream ID, physical stream ID. */
#define VSID_A 0x10	/* ATS, healthy */
#define PSID_A 0x1000
#define VSID_B 0x12	/* ATS, the one that hangs */
#define PSID_B 0x1200
#define VSID_PLAIN 0x11
#define PSID_PLAIN 0x1100
/* The other file's HWPT and its device. */
#define VMID2 0x43
#define PSID_C 0x2000
#define HEAL 0xffffffff

static int unit_fault(int fd, __u32 fault, __u32 sid)
{
	return test_unit_fault(fd, IOMMU_INV_HWPT_SMMUV3_S1, fault, sid);
}

/* Whether a submit holds the unit's queue (shared by its HWPTs). */
static int unit_busy(int fd, __u32 hwpt)
{
	struct iommu_inv_test_cmd cmd = {
		.op = IOMMU_INV_TEST_OP_MOCK_BUSY, .id = hwpt,
	};

	if (_test_op(fd, &cmd))
		return -1;
	return cmd.busy.out_busy;
}

static int wait_unit_busy(int fd, __u32 hwpt)
{
	int i;

	for (i = 0; i < 5000; i++) {
		if (unit_busy(fd, hwpt) == 1)
			return 0;
		usleep(1000);
	}
	return -1;
}

/* Whether the kernel logged @what since @fd (/dev/kmsg) was opened. */
static bool kmsg_has(int fd, const char *what)
{
	char line[1024];
	ssize_t n;

	for (;;) {
		n = read(fd, line, sizeof(line) - 1);
		if (n < 0 && errno == EPIPE)
			continue;
		if (n <= 0)
			return false;
		line[n] = 0;
		if (strstr(line, what))
			return true;
	}
}

static int kmsg_open_at_end(void)
{
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK);

	if (fd >= 0)
		lseek(fd, 0, SEEK_END);
	return fd;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

FIXTURE(fake) {
	int fd;
	__u32 hwpt_id;
	struct ebuf b;
	struct iommu_inv_hwpt_invalidate inv;
	struct iommu_inv_result res[8];
};

FIXTURE_SETUP(fake)
{
	self->fd = open(DEV_PATH, O_RDWR);
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, smmu_alloc(self->fd, IOMMU_INV_SMMU_QUEUE_HW, VMID,
				&self->hwpt_id));
	ASSERT_EQ(0, smmu_vdev(self->fd, self->hwpt_id, VSID_A, PSID_A,
			       IOMMU_INV_SMMU_DEV_ATS));
	ASSERT_EQ(0, smmu_vdev(self->fd, self->hwpt_id, VSID_B, PSID_B,
			       IOMMU_INV_SMMU_DEV_ATS));
	ASSERT_EQ(0, smmu_vdev(self->fd, self->hwpt_id, VSID_PLAIN,
			       PSID_PLAIN, 0));
	/* The unit outlives the tests: no device hangs at the start. */
	ASSERT_EQ(0, unit_fault(self->fd, IOMMU_INV_UNIT_FAULT_HUNG_DEVICE,
				HEAL));
	ebuf_init(&self->b, 16 * 1024);
}

FIXTURE_TEARDOWN(fake)
{
	free(self->b.data);
	if (self->fd >= 0)
		close(self->fd);
}

/* A fake SMMU's commands are logged, like a model's, and it works. */
TEST_F(fake, is_fake_and_works)
{
	struct { __u64 dw[2]; } c[3];

	e_iotlb_all(&self->b);
	e_devtlb_pasid(&self->b, VSID_A, 7);
	test_inv_ok();
	ASSERT_EQ(0, queue_log(self->fd, self->hwpt_id, c, 3, NULL));
	EXPECT_EQ(0x0000004200000010ULL, c[0].dw[0]);
	EXPECT_EQ(((__u64)PSID_A << 32) | 0x7840, c[1].dw[0]);
	EXPECT_EQ(0x46, c[2].dw[0]);
	/* UNIT_FAULT checks its fault. */
	EXPECT_ERRNO(EINVAL, unit_fault(self->fd, 99, 0));
}

/*
 * A device that does not complete its ATC invalidation: its entry fails
 * (ETIMEDOUT, CERROR_ATC_INV_SYNC), not the first ATC_INV of the run nor
 * the unit; the entries before it are processed, and the same HWPT's next
 * call works. The fake takes 1.5 s to report the time-out, more than the
 * 1 s a run without ATC_INV is given.
 */
TEST_F(fake, hung_device_fails_its_entry)
{
	ASSERT_EQ(0, unit_fault(self->fd, IOMMU_INV_UNIT_FAULT_HUNG_DEVICE,
				PSID_B));
	e_iotlb_all(&self->b);
	e_devtlb_pasid(&self->b, VSID_A, 1);
	e_iotlb_pasid(&self->b, 2);
	e_devtlb_pasid(&self->b, VSID_B, 3);
	e_iotlb_all(&self->b);
	e_devtlb_pasid(&self->b, VSID_A, 4);
	test_inv_fails_at(0, ETIMEDOUT, 3);
	EXPECT_EQ(IOMMU_INV_HWERR_SMMU_CERROR_ATC_INV_SYNC,
		  self->res[0].hw_error);
	EXPECT_EQ(4, self->inv.out_processed);
	EXPECT_EQ(1, self->inv.out_num_failed);

	/* Going on past it: only its entry fails. */
	test_inv_fails_at(IOMMU_INV_FLAG_CONTINUE, ETIMEDOUT, 3);
	EXPECT_EQ(6, self->inv.out_processed);
	EXPECT_EQ(1, self->inv.out_num_failed);

	/* The hung device first in the run, after the healthy one. */
	ebuf_reset(&self->b);
	e_devtlb_pasid(&self->b, VSID_B, 0);
	e_devtlb_pasid(&self->b, VSID_A, 0);
	test_inv_fails_at(0, ETIMEDOUT, 0);
	EXPECT_EQ(IOMMU_INV_HWERR_SMMU_CERROR_ATC_INV_SYNC,
		  self->res[0].hw_error);

	/*
	 * Two ATC_INVs to the hung device with no other device's between
	 * them: the first is blamed (the bound: the SMMU does not say
	 * which); the healthy device's before them completed.
	 */
	ebuf_reset(&self->b);
	e_devtlb_pasid(&self->b, VSID_A, 0);
	e_devtlb_pasid(&self->b, VSID_B, 1);
	e_iotlb_all(&self->b);
	e_devtlb_pasid(&self->b, VSID_B, 2);
	e_devtlb_pasid(&self->b, VSID_A, 3);
	test_inv_fails_at(0, ETIMEDOUT, 1);
	EXPECT_EQ(2, self->inv.out_processed);

	/* The same HWPT, the healthy device: the queue recovered. */
	ebuf_reset(&self->b);
	e_iotlb_all(&self->b);
	e_devtlb_pasid(&self->b, VSID_A, 5);
	test_inv_ok();
}

/*
 * A second error while the queue recovers from the first: the entry keeps
 * the first error, the queue recovers, and the unit is not marked dead.
 */
TEST_F(fake, second_fault_during_recovery)
{
	int i;

	ASSERT_EQ(0, unit_fault(self->fd, IOMMU_INV_UNIT_FAULT_HUNG_DEVICE,
				PSID_B));
	ASSERT_EQ(0, unit_fault(self->fd, IOMMU_INV_UNIT_FAULT_RECOVERY, 0));
	e_iotlb_all(&self->b);
	e_devtlb_pasid(&self->b, VSID_B, 0);
	e_iotlb_all(&self->b);
	test_inv_fails_at(0, ETIMEDOUT, 1);
	EXPECT_EQ(IOMMU_INV_HWERR_SMMU_CERROR_ATC_INV_SYNC,
		  self->res[0].hw_error);
	ebuf_reset(&self->b);
	e_iotlb_all(&self->b);
	e_devtlb_pasid(&self->b, VSID_A, 0);
	test_inv_ok();

	/* The same after a refused command (unknown opcode 0x91). */
	ASSERT_EQ(0, unit_fault(self->fd, IOMMU_INV_UNIT_FAULT_RECOVERY, 0));
	ebuf_reset(&self->b);
	for (i = 0; i < 5; i++)
		e_iotlb_pasid(&self->b, i);
	ASSERT_EQ(0, queue_corrupt(self->fd, self->hwpt_id, 2, 0, 7));
	test_inv_fails_at(0, EIO, 2);
	EXPECT_EQ(IOMMU_INV_HWERR_SMMU_CERROR_ILL, self->res[0].hw_error);
	test_inv_ok();
}

/*
 * The queue's CERROR_ILL comes back on the entry whose command caused it,
 * in the first run of a call or a later one, and the queue goes on.
 */
TEST_F(fake, queue_error_on_the_right_entry)
{
	int i;

	for (i = 0; i < 5; i++)
		e_iotlb_pasid(&self->b, i);
	ASSERT_EQ(0, queue_corrupt(self->fd, self->hwpt_id, 2, 0, 7));
	test_inv_fails_at(0, EIO, 2);
	EXPECT_EQ(IOMMU_INV_HWERR_SMMU_CERROR_ILL, self->res[0].hw_error);
	EXPECT_EQ(3, self->inv.out_processed);
	test_inv_ok();
	ebuf_reset(&self->b);
	for (i = 0; i < 100; i++)
		e_iotlb_pasid(&self->b, i);
	ASSERT_EQ(0, queue_corrupt(self->fd, self->hwpt_id, 70, 0, 7));
	test_inv_fails_at(IOMMU_INV_FLAG_CONTINUE, EIO, 70);
	EXPECT_EQ(100, self->inv.out_processed);
	EXPECT_EQ(1, self->inv.out_num_failed);
	test_inv_ok();
}

/*
 * PASID-cache entries on the real queue code: one CFGI_CD_ALL / CFGI_CD
 * per device (three here), an entry spanning two runs. The SMMU refuses
 * a command whose stream ID is not the HWPT's (bit 30 flipped on the
 * way): the error comes back on the entry of that command, the second of
 * entry 63 (in the second run) or the third of entry 62 (the first of the
 * second run, its first two done in the first). The fake's SMMU has 8-bit
 * SubstreamIDs (IDR1.SSIDSIZE): 0xff is its widest.
 */
TEST_F(fake, cd_cache_fault_on_its_entry)
{
	struct { __u64 dw[2]; } c[10];
	int i;

	for (i = 0; i < 62; i++)
		e_iotlb_pasid(&self->b, i);
	e_pc_all(&self->b);
	e_pc_pasid(&self->b, 0xa5);
	e_iotlb_all(&self->b);
	test_inv_ok();
	ASSERT_EQ(0, queue_log(self->fd, self->hwpt_id, c, 10, NULL));
	EXPECT_EQ(((__u64)PSID_A << 32) | 0x06, c[0].dw[0]);
	EXPECT_EQ(((__u64)PSID_PLAIN << 32) | 0x06, c[1].dw[0]);
	EXPECT_EQ(0x46, c[2].dw[0]);
	EXPECT_EQ(((__u64)PSID_B << 32) | 0x06, c[3].dw[0]);
	EXPECT_EQ(((__u64)PSID_A << 32) | 0xa5005, c[4].dw[0]);
	EXPECT_EQ(0, c[4].dw[1]);
	EXPECT_EQ(((__u64)PSID_B << 32) | 0xa5005, c[6].dw[0]);
	EXPECT_EQ(0x0000004200000010ULL, c[8].dw[0]);

	ASSERT_EQ(0, queue_corrupt_desc(self->fd, self->hwpt_id, 63, 1, 0, 62));
	test_inv_fails_at(0, EIO, 63);
	EXPECT_EQ(IOMMU_INV_HWERR_SMMU_CERROR_ILL, self->res[0].hw_error);
	EXPECT_EQ(64, self->inv.out_processed);
	ASSERT_EQ(0, queue_corrupt_desc(self->fd, self->hwpt_id, 62, 2, 0, 62));
	test_inv_fails_at(IOMMU_INV_FLAG_CONTINUE, EIO, 62);
	EXPECT_EQ(65, self->inv.out_processed);
	EXPECT_EQ(1, self->inv.out_num_failed);
	test_inv_ok();

	/* The widest SSID, and the first past it. */
	ebuf_reset(&self->b);
	e_pc_pasid(&self->b, 0xff);
	test_inv_ok();
	e_pc_pasid(&self->b, 0x100);
	test_inv_fails_at(0, EINVAL, 1);
	EXPECT_EQ(IOMMU_INV_HWERR_SMMU_CERROR_ILL, self->res[0].hw_error);
}

/*
 * 130 devices: one PASID-cache entry is 130 commands, over three runs of
 * the queue (63 after the entry before it, 64, then 3 with the entry
 * after it). A refused command in the middle run fails that entry, with
 * exactly the one before it done. Through io_uring, the first,
 * non-blocking issue stops before the first run goes to the SMMU (a
 * non-blocking call takes the queue for one run only): nothing is done,
 * the bit flip armed for the entry's 11th command (in the first run) is
 * armed again for the worker's issue, and the error comes back from it.
 */
TEST_F(fake, cd_cache_entry_spans_three_runs)
{
	struct { __u64 dw[2]; } c[5];
	int i;

	for (i = 0; i < 127; i++)
		ASSERT_EQ(0, smmu_vdev(self->fd, self->hwpt_id, 0x100 + i,
				       0x3000 + i, 0));
	e_iotlb_all(&self->b);
	e_pc_all(&self->b);
	e_iotlb_all(&self->b);
	test_inv_ok();
	/* The last run: the entry's last three commands, the next entry's. */
	ASSERT_EQ(0, queue_log(self->fd, self->hwpt_id, c, 5, NULL));
	EXPECT_EQ(((__u64)0x307c << 32) | 0x06, c[0].dw[0]);
	EXPECT_EQ(((__u64)0x307d << 32) | 0x06, c[1].dw[0]);
	EXPECT_EQ(((__u64)0x307e << 32) | 0x06, c[2].dw[0]);
	EXPECT_EQ(0x0000004200000010ULL, c[3].dw[0]);
	EXPECT_EQ(0x46, c[4].dw[0]);

	/* Command 99 of entry 1, in the second run: CFGI_CD_ALL dw1 bit 1. */
	ASSERT_EQ(0, queue_corrupt_desc(self->fd, self->hwpt_id, 1, 99, 1, 1));
	test_inv_fails_at(0, EIO, 1);
	EXPECT_EQ(IOMMU_INV_HWERR_SMMU_CERROR_ILL, self->res[0].hw_error);
	EXPECT_EQ(2, self->inv.out_processed);

	ASSERT_EQ(0, queue_corrupt_desc(self->fd, self->hwpt_id, 1, 10, 1, 1));
	inv_fill(&self->inv, self->hwpt_id, &self->b, 0, self->res, 8);
	EXPECT_EQ(-EIO, uring_inv_array_once(self->fd, &self->inv));
	EXPECT_EQ(1, self->inv.out_first_error);
	EXPECT_EQ(2, self->inv.out_processed);
	EXPECT_EQ(IOMMU_INV_HWERR_SMMU_CERROR_ILL, self->res[0].hw_error);
	test_inv_ok();
}

/*
 * A run that completed while its submitter was held up past the deadline
 * (in the read after the one that found it working) is a success, not a
 * time-out that breaks the unit: the poll looks once more after the
 * deadline.
 */
TEST_F(fake, late_completion_is_not_a_timeout)
{
	e_iotlb_all(&self->b);
	e_iotlb_pasid(&self->b, 3);
	ASSERT_EQ(0, unit_fault(self->fd, IOMMU_INV_UNIT_FAULT_LATE, 0));
	test_inv_ok();
	EXPECT_EQ(2, self->inv.out_processed);
	test_inv_ok();
}

struct hung_call {
	int fd;
	__u32 hwpt_id;
	int rc, err;
	struct iommu_inv_hwpt_invalidate inv;
	struct iommu_inv_result res[8];
};

/* A call whose entry 1 is an ATC_INV to the hung device. */
static void *hung_call(void *arg)
{
	struct hung_call *h = arg;
	struct ebuf b;

	ebuf_init(&b, 1024);
	e_iotlb_all(&b);
	e_devtlb_pasid(&b, VSID_B, 0);
	e_iotlb_all(&b);
	h->rc = _test_inv(h->fd, h->hwpt_id, &b, 0, h->res, 8, &h->inv);
	h->err = errno;
	free(b.data);
	return NULL;
}

/*
 * Another file's HWPT on the same unit is served while the hung device's
 * call waits for its time-out (after it, the queue being one), and after.
 */
TEST_F(fake, other_file_served_throughout)
{
	struct hung_call h = { .fd = self->fd, .hwpt_id = self->hwpt_id };
	struct iommu_inv_hwpt_invalidate inv2;
	struct iommu_inv_result res2[8];
	int fd2 = open(DEV_PATH, O_RDWR);
	pthread_t thread;
	struct ebuf b2;
	__u32 id2;

	ASSERT_LE(0, fd2);
	ASSERT_EQ(0, smmu_alloc(fd2, IOMMU_INV_SMMU_QUEUE_HW, VMID2, &id2));
	ASSERT_EQ(0, smmu_vdev(fd2, id2, VSID_A, PSID_C,
			       IOMMU_INV_SMMU_DEV_ATS));
	ebuf_init(&b2, 1024);
	e_iotlb_all(&b2);
	e_devtlb_pasid(&b2, VSID_A, 0);

	ASSERT_EQ(0, unit_fault(self->fd, IOMMU_INV_UNIT_FAULT_HUNG_DEVICE,
				PSID_B));
	ASSERT_EQ(0, pthread_create(&thread, NULL, hung_call, &h));
	/* The hung call holds the unit: the other file's call waits. */
	ASSERT_EQ(0, wait_unit_busy(fd2, id2));
	EXPECT_EQ(0, _test_inv(fd2, id2, &b2, 0, res2, 8, &inv2));
	EXPECT_EQ(2, inv2.out_processed);
	EXPECT_EQ(0, inv2.out_num_failed);
	pthread_join(thread, NULL);
	EXPECT_EQ(-1, h.rc);
	EXPECT_EQ(ETIMEDOUT, h.err);
	EXPECT_EQ(1, h.inv.out_first_error);
	EXPECT_EQ(IOMMU_INV_HWERR_SMMU_CERROR_ATC_INV_SYNC, h.res[0].hw_error);

	/* After: both files' HWPTs. */
	EXPECT_EQ(0, _test_inv(fd2, id2, &b2, 0, res2, 8, &inv2));
	EXPECT_EQ(2, inv2.out_processed);
	e_iotlb_all(&self->b);
	e_devtlb_pasid(&self->b, VSID_A, 0);
	test_inv_ok();
	free(b2.data);
	close(fd2);
}

/*
 * io_uring's first, non-blocking issue does not wait for a device either:
 * with the SMMU free, a run holding an ATC_INV (here to the hung device,
 * 1.5 s on the fake) goes to io_uring's worker at once, and its time-out
 * comes back on its entry from there.
 */
TEST_F(fake, nonblock_issue_does_not_wait_for_device)
{
	struct io_uring_cqe *cqe;
	struct io_uring_sqe *sqe;
	struct io_uring ring;
	double t0, t1;

	e_iotlb_all(&self->b);
	e_devtlb_pasid(&self->b, VSID_B, 0);
	e_iotlb_all(&self->b);
	inv_fill(&self->inv, self->hwpt_id, &self->b, 0, self->res, 8);
	ASSERT_EQ(0, io_uring_queue_init(8, &ring, 0));
	ASSERT_EQ(0, unit_fault(self->fd, IOMMU_INV_UNIT_FAULT_HUNG_DEVICE,
				PSID_B));

	sqe = io_uring_get_sqe(&ring);
	uring_prep_inv_array(sqe, self->fd, false, &self->inv);
	t0 = now_s();
	ASSERT_EQ(1, io_uring_submit(&ring));
	t1 = now_s();
	EXPECT_GT(500, (int)((t1 - t0) * 1000));
	EXPECT_EQ(-EAGAIN, io_uring_peek_cqe(&ring, &cqe));

	ASSERT_EQ(0, io_uring_wait_cqe(&ring, &cqe));
	EXPECT_EQ(-ETIMEDOUT, cqe->res);
	io_uring_cqe_seen(&ring, cqe);
	EXPECT_EQ(1, self->inv.out_first_error);
	EXPECT_EQ(1, self->inv.out_num_failed);
	EXPECT_EQ(IOMMU_INV_HWERR_SMMU_CERROR_ATC_INV_SYNC,
		  self->res[0].hw_error);
	io_uring_queue_exit(&ring);
}

/*
 * io_uring's first, non-blocking issue finds the unit held by another
 * file's call: it gives up at once (the queue is tried, not waited for),
 * having done nothing and used up nothing (a QUEUE_CORRUPT armed for its
 * entry 1 still fires), and io_uring issues it again from a worker, where
 * it completes.
 */
TEST_F(fake, nonblock_issue_does_not_wait_for_unit)
{
	struct hung_call h = { .fd = self->fd, .hwpt_id = self->hwpt_id };
	struct iommu_inv_hwpt_invalidate inv2;
	struct iommu_inv_result res2[8];
	struct io_uring_cqe *cqe;
	struct io_uring_sqe *sqe;
	struct io_uring ring;
	int fd2 = open(DEV_PATH, O_RDWR);
	pthread_t thread;
	struct ebuf b2;
	double t0, t1;
	int ms;
	__u32 id2;

	ASSERT_LE(0, fd2);
	ASSERT_EQ(0, smmu_alloc(fd2, IOMMU_INV_SMMU_QUEUE_HW, VMID2, &id2));
	ebuf_init(&b2, 1024);
	e_iotlb_all(&b2);
	e_iotlb_pasid(&b2, 3);
	inv_fill(&inv2, id2, &b2, 0, res2, 8);
	ASSERT_EQ(0, io_uring_queue_init(8, &ring, 0));

	ASSERT_EQ(0, unit_fault(self->fd, IOMMU_INV_UNIT_FAULT_HUNG_DEVICE,
				PSID_B));
	ASSERT_EQ(0, pthread_create(&thread, NULL, hung_call, &h));
	ASSERT_EQ(0, wait_unit_busy(fd2, id2));
	/* TLBI_NH_ASID 0x11 becomes the unknown 0x91. */
	ASSERT_EQ(0, queue_corrupt(fd2, id2, 1, 0, 7));

	sqe = io_uring_get_sqe(&ring);
	uring_prep_inv_array(sqe, fd2, false, &inv2);
	t0 = now_s();
	ASSERT_EQ(1, io_uring_submit(&ring));
	t1 = now_s();
	/* The submit did not wait for the hung call to let the unit go. */
	ms = (t1 - t0) * 1000;
	EXPECT_EQ(1, unit_busy(fd2, id2));
	EXPECT_GT(500, ms);

	ASSERT_EQ(0, io_uring_wait_cqe(&ring, &cqe));
	EXPECT_EQ(-EIO, cqe->res);
	io_uring_cqe_seen(&ring, cqe);
	EXPECT_EQ(2, inv2.out_processed);
	EXPECT_EQ(1, inv2.out_first_error);
	EXPECT_EQ(1, inv2.out_num_failed);
	EXPECT_EQ(IOMMU_INV_HWERR_SMMU_CERROR_ILL, res2[0].hw_error);
	pthread_join(thread, NULL);
	EXPECT_EQ(ETIMEDOUT, h.err);
	EXPECT_EQ(1, h.inv.out_first_error);
	io_uring_queue_exit(&ring);
	free(b2.data);
	close(fd2);
}

/*
 * Unloading while the SMMU never acknowledges CMDQEN = 0: the module keeps
 * the queue's memory and says so. The fake, torn down after the unit,
 * then writes into that memory: had it been freed, KASAN (debug tier)
 * would report it; kmemleak does not see the kept page.
 */
TEST_F(fake, unload_keeps_queue_never_turned_off)
{
	int kmsg = kmsg_open_at_end();

	ASSERT_LE(0, kmsg);
	ASSERT_EQ(0, unit_fault(self->fd, IOMMU_INV_UNIT_FAULT_NO_DISABLE, 0));
	e_iotlb_all(&self->b);
	test_inv_ok();
	close(self->fd);
	self->fd = -1;
	ASSERT_EQ(0, module_reload(FAKE_PARAMS));
	EXPECT_TRUE(kmsg_has(kmsg, "SMMUv3 command queue did not stop: keeping its memory"));
	close(kmsg);

	/* A new unit, after the reload, works. */
	self->fd = open(DEV_PATH, O_RDWR);
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, smmu_alloc(self->fd, IOMMU_INV_SMMU_QUEUE_HW, VMID,
				&self->hwpt_id));
	test_inv_ok();
}

/*
 * The SMMU dies between answering the enable and the first CMD_SYNC:
 * taking it fails, is not tried again until reload, and the queue it
 * never acknowledged off is kept (the fake writes it once more when it
 * goes: KASAN in the debug tier).
 */
TEST_F(fake, first_use_fails_with_the_queue_on)
{
	int kmsg;
	__u32 id;

	close(self->fd);
	ASSERT_EQ(0, module_reload(FAKE_PARAMS));
	kmsg = kmsg_open_at_end();
	ASSERT_LE(0, kmsg);
	self->fd = open(DEV_PATH, O_RDWR);
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, unit_fault(self->fd, IOMMU_INV_UNIT_FAULT_NO_DISABLE, 0));
	ASSERT_EQ(0, unit_fault(self->fd, IOMMU_INV_UNIT_FAULT_DEAD, 0));
	/* Only those two are kept for a fake not made yet. */
	EXPECT_ERRNO(ENODEV, unit_fault(self->fd,
					IOMMU_INV_UNIT_FAULT_RECOVERY, 0));
	errno = 0;
	EXPECT_EQ(-1, smmu_alloc(self->fd, IOMMU_INV_SMMU_QUEUE_HW, VMID, &id));
	EXPECT_NE(0, errno);
	EXPECT_NE(ENODEV, errno);
	EXPECT_TRUE(kmsg_has(kmsg, "SMMUv3 command queue did not stop: keeping its memory"));
	close(kmsg);
	/* Remembered until reload: not taken again. */
	EXPECT_EQ(-1, smmu_alloc(self->fd, IOMMU_INV_SMMU_QUEUE_HW, VMID, &id));

	/* After a reload, a new fake SMMU works. */
	close(self->fd);
	ASSERT_EQ(0, module_reload(FAKE_PARAMS));
	self->fd = open(DEV_PATH, O_RDWR);
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, smmu_alloc(self->fd, IOMMU_INV_SMMU_QUEUE_HW, VMID,
				&self->hwpt_id));
	e_iotlb_all(&self->b);
	test_inv_ok();
}

/* An unload with the queue acknowledged off frees it, and says nothing. */
TEST_F(fake, unload_frees_queue_turned_off)
{
	int kmsg = kmsg_open_at_end();

	ASSERT_LE(0, kmsg);
	e_iotlb_all(&self->b);
	test_inv_ok();
	close(self->fd);
	self->fd = -1;
	ASSERT_EQ(0, module_reload(FAKE_PARAMS));
	EXPECT_FALSE(kmsg_has(kmsg, "SMMUv3 command queue did not stop"));
	close(kmsg);
}

/*
 * A unit that stops answering fails its call (EIO, no hardware code) and
 * every later one, of any file, until the module is reloaded; its queue,
 * never acknowledged off, is kept.
 */
TEST_F(fake, dead_unit_until_reload)
{
	int fd2 = open(DEV_PATH, O_RDWR), kmsg;
	__u32 id2;

	ASSERT_LE(0, fd2);
	ASSERT_EQ(0, smmu_alloc(fd2, IOMMU_INV_SMMU_QUEUE_HW, VMID2, &id2));
	ASSERT_EQ(0, unit_fault(self->fd, IOMMU_INV_UNIT_FAULT_DEAD, 0));
	e_iotlb_all(&self->b);
	e_iotlb_pasid(&self->b, 1);
	test_inv_fails_at(0, EIO, 0);
	EXPECT_EQ(0, self->res[0].hw_error);
	test_inv_fails_at(0, EIO, 0);
	EXPECT_ERRNO(EIO, _test_inv(fd2, id2, &self->b, 0, self->res, 8,
				    &self->inv));
	close(fd2);
	close(self->fd);
	self->fd = -1;

	kmsg = kmsg_open_at_end();
	ASSERT_LE(0, kmsg);
	ASSERT_EQ(0, module_reload(FAKE_PARAMS));
	EXPECT_TRUE(kmsg_has(kmsg, "keeping its memory"));
	close(kmsg);
	self->fd = open(DEV_PATH, O_RDWR);
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, smmu_alloc(self->fd, IOMMU_INV_SMMU_QUEUE_HW, VMID,
				&self->hwpt_id));
	test_inv_ok();
}

int main(int argc, char **argv)
{
	int rc;

	if (access(module_path(), R_OK) || module_reload(FAKE_PARAMS)) {
		printf("1..0 # SKIP cannot load %s with %s (errno %d)\n",
		       module_path(), FAKE_PARAMS, errno);
		return KSFT_SKIP;
	}
	rc = test_harness_run(argc, argv);
	if (module_reload("mock=1")) {
		printf("# could not load %s with mock=1 again\n",
		       module_path());
		rc = KSFT_FAIL;
	}
	return rc;
}
