// SPDX-License-Identifier: GPL-2.0
/*
 * Hardware queues under faults, on fake units: the module's real queue
 * code (vtd_unit.c) driving a software model of a unit's registers,
 * loaded with mock=1 fake_units=1. QEMU's units never show these faults:
 * a device that does not answer a device-TLB invalidation, a second fault
 * while the queue recovers, a run that completes while its submitter is
 * held up past the deadline, a unit that stops answering, and a queue
 * that is never reported off.
 *
 * Fixture vtd_unit takes the unit on first use; fixture dead then kills
 * it (run it after the others, -f dead), so the unload that follows has
 * to keep the queue memory of a unit whose queue is still on. Fixture
 * probe needs a fresh load (-f probe): its unit dies before its first
 * use. scripts/guest-selftests.sh runs the three phases. Without
 * fake_units every test skips.
 */
#include <liburing.h>
#include <pthread.h>
#include <stdio.h>

#include "kselftest_harness.h"
#include "iommufd_inv_utils.h"
#include "iommufd_inv_tracefs.h"

#define DID 0x2345
/* Source IDs of devices QEMU's q35 always has: 00:1f.0, 00:1f.2, 00:1f.3. */
#define SID_A 0x00f8
#define SID_B 0x00fa
#define SID_C 0x00fb
#define VIRT_A 0x10
#define VIRT_B 0x11
#define VIRT_C 0x12
#define NO_SID 0xffffffffU

static bool fake_units_loaded(void)
{
	char c = 'N';
	int fd = open("/sys/module/iommufd_inv/parameters/fake_units",
		      O_RDONLY);

	if (fd < 0)
		return false;
	if (read(fd, &c, 1) != 1)
		c = 'N';
	close(fd);
	return c == 'Y';
}

static int unit_fault(int fd, __u32 fault, __u32 sid)
{
	return test_unit_fault(fd, IOMMU_INV_HWPT_VTD_S1, fault, sid);
}

FIXTURE(vtd_unit) {
	int fd;
	__u32 hwpt_id;
	struct ebuf b;
	struct iommu_inv_hwpt_invalidate inv;
	struct iommu_inv_result res[8];
};

FIXTURE_SETUP(vtd_unit)
{
	if (!fake_units_loaded())
		SKIP(return, "module not loaded with fake_units=1");
	self->fd = open(DEV_PATH, O_RDWR);
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, vtd_alloc(self->fd, IOMMU_INV_VTD_QUEUE_HW, DID, 0x1ff,
			       16, &self->hwpt_id));
	ASSERT_EQ(0, vtd_vdev(self->fd, self->hwpt_id, VIRT_A, SID_A, 0, 8,
			      IOMMU_INV_VTD_DEV_ATS, NULL));
	ASSERT_EQ(0, vtd_vdev(self->fd, self->hwpt_id, VIRT_B, SID_B, 0, 8,
			      IOMMU_INV_VTD_DEV_ATS, NULL));
	ebuf_init(&self->b, 4096);
	/* Devices B then A: the first device-TLB entry is not the hung one. */
	e_iotlb_all(&self->b);
	e_devtlb_pasid(&self->b, VIRT_B, 1);
	e_devtlb_pasid(&self->b, VIRT_A, 2);
	e_pc_all(&self->b);
	e_devtlb_range(&self->b, VIRT_B, 3, 0x40000, 0x10000);
}

FIXTURE_TEARDOWN(vtd_unit)
{
	if (!fake_units_loaded())
		return;
	unit_fault(self->fd, IOMMU_INV_UNIT_FAULT_HUNG_DEVICE, NO_SID);
	free(self->b.data);
	close(self->fd);
}

/*
 * A device that does not complete its device-TLB invalidation: the unit
 * reports ITE only after the fake's ATS time-out (1.5 s, longer than a
 * run without device TLBs may take). Its entry fails, not the first
 * device-TLB entry of the run; the entries before it were carried out;
 * the queue goes on.
 */
TEST_F(vtd_unit, hung_device_fails_its_entry)
{
	struct iommu_inv_hwpt_info info;

	ASSERT_EQ(0, unit_fault(self->fd, IOMMU_INV_UNIT_FAULT_HUNG_DEVICE,
				SID_A));
	test_inv_fails_at(0, ETIMEDOUT, 2);
	EXPECT_EQ(IOMMU_INV_HWERR_VTD_ITE, self->res[0].hw_error);
	EXPECT_EQ(3, self->inv.out_processed);
	EXPECT_EQ(1, self->inv.out_num_failed);

	/* With CONTINUE the entries after it still run. */
	test_inv_fails_at(IOMMU_INV_FLAG_CONTINUE, ETIMEDOUT, 2);
	EXPECT_EQ(5, self->inv.out_processed);
	EXPECT_EQ(1, self->inv.out_num_failed);

	/* The unit is not broken: the device answers again, all goes through. */
	ASSERT_EQ(0, unit_fault(self->fd, IOMMU_INV_UNIT_FAULT_HUNG_DEVICE,
				NO_SID));
	test_inv_ok();
	ASSERT_EQ(0, _test_hwpt_info(self->fd, self->hwpt_id, &info));
	EXPECT_EQ(2, info.out_hw_errors);
}

/*
 * The same with raw device-TLB invalidations without PASID (6.5.2.5, type
 * 3, SID in 47:32): the run waits as long for them, and the ITE lands on
 * the hung device's entry, not on the run's first device-TLB entry.
 */
TEST_F(vtd_unit, hung_device_nopasid_fails_its_entry)
{
	ebuf_reset(&self->b);
	e_iotlb_all(&self->b);
	e_vtd_desc(&self->b, (__u64)VIRT_B << 32 | 3, 0x5000, 0, 0);
	e_vtd_desc(&self->b, (__u64)VIRT_A << 32 | 3, 0x7ffffffffffff001, 0,
		   0);
	e_pc_all(&self->b);
	ASSERT_EQ(0, unit_fault(self->fd, IOMMU_INV_UNIT_FAULT_HUNG_DEVICE,
				SID_A));
	test_inv_fails_at(0, ETIMEDOUT, 2);
	EXPECT_EQ(IOMMU_INV_HWERR_VTD_ITE, self->res[0].hw_error);
	EXPECT_EQ(3, self->inv.out_processed);
	EXPECT_EQ(1, self->inv.out_num_failed);
	ASSERT_EQ(0, unit_fault(self->fd, IOMMU_INV_UNIT_FAULT_HUNG_DEVICE,
				NO_SID));
	test_inv_ok();
}

/*
 * The hung device in the trace events (events/iommufd_inv/): one unit
 * fault (FSTS.ITE, at a slot of the queue), one recovery that succeeded,
 * the failed entry and the call. Skips on a kernel without tracing unless
 * IOMMUFD_INV_NEED_TRACE=1.
 */
TEST_F(vtd_unit, hung_device_traced)
{
	unsigned int fault, index, n[4];
	char s[256], want[256], *buf;
	struct tracefs t;
	int rc, err;

	rc = tracefs_open(&t);
	if (rc == -ENOENT) {
		ASSERT_FALSE(env_needs("IOMMUFD_INV_NEED_TRACE"));
		SKIP(return, "no tracefs: a kernel without tracing");
	}
	if (!rc)
		rc = unit_fault(self->fd, IOMMU_INV_UNIT_FAULT_HUNG_DEVICE,
				SID_A);
	err = 0;
	if (!rc && test_inv(0) == -1)
		err = errno;
	buf = rc ? NULL : tracefs_read(&t);
	tracefs_close(&t);
	ASSERT_EQ(0, rc);
	ASSERT_EQ(ETIMEDOUT, err);
	ASSERT_NE(NULL, buf);

	n[0] = tracefs_find(buf, "iommu_inv_unit_fault", 0, s, sizeof(s));
	ASSERT_EQ(1, n[0]) TH_LOG("trace:\n%s", buf);
	rc = sscanf(s, "unit=vtd fault=%x index=%u", &fault, &index);
	ASSERT_EQ(2, rc) TH_LOG("%s", s);
	EXPECT_EQ(0x40, fault);
	/* A slot of the one-page queue of 256-bit descriptors. */
	EXPECT_GT(4096 / 32, index);

	n[1] = tracefs_find(buf, "iommu_inv_unit_recover", 0, s, sizeof(s));
	ASSERT_EQ(1, n[1]) TH_LOG("trace:\n%s", buf);
	EXPECT_STREQ("unit=vtd recovered", s);

	n[2] = tracefs_find(buf, "iommu_inv_entry_fail", 0, s, sizeof(s));
	ASSERT_EQ(1, n[2]) TH_LOG("trace:\n%s", buf);
	snprintf(want, sizeof(want),
		 "hwpt=%u index=2 type=devtlb_pasid error=%d hw_error=%#x",
		 self->hwpt_id, -ETIMEDOUT, IOMMU_INV_HWERR_VTD_ITE);
	EXPECT_STREQ(want, s);

	n[3] = tracefs_find(buf, "iommu_inv_call", 0, s, sizeof(s));
	ASSERT_EQ(1, n[3]) TH_LOG("trace:\n%s", buf);
	snprintf(want, sizeof(want),
		 "hwpt=%u hwpt_type=vtd_s1 entries=5 processed=3 failed=1 first_error=2 error=%d",
		 self->hwpt_id, -ETIMEDOUT);
	EXPECT_STREQ(want, s);
	free(buf);
}

/* A second fault while the queue drains does not kill the unit. */
TEST_F(vtd_unit, second_fault_during_recovery)
{
	ASSERT_EQ(0, unit_fault(self->fd, IOMMU_INV_UNIT_FAULT_HUNG_DEVICE,
				SID_A));
	ASSERT_EQ(0, unit_fault(self->fd, IOMMU_INV_UNIT_FAULT_RECOVERY, 0));
	test_inv_fails_at(0, ETIMEDOUT, 2);
	EXPECT_EQ(IOMMU_INV_HWERR_VTD_ITE, self->res[0].hw_error);
	ASSERT_EQ(0, unit_fault(self->fd, IOMMU_INV_UNIT_FAULT_HUNG_DEVICE,
				NO_SID));
	test_inv_ok();
}

/*
 * A run that completed while its submitter was held up past the deadline
 * is a success, not a time-out that breaks the unit.
 */
TEST_F(vtd_unit, late_completion_is_not_a_timeout)
{
	struct ebuf b;

	ebuf_init(&b, 256);
	e_iotlb_all(&b);
	e_pc_all(&b);
	ASSERT_EQ(0, unit_fault(self->fd, IOMMU_INV_UNIT_FAULT_LATE, 0));
	ASSERT_EQ(0, _test_inv(self->fd, self->hwpt_id, &b, 0, self->res, 8,
			       &self->inv));
	EXPECT_EQ(2, self->inv.out_processed);
	test_inv_ok();
	free(b.data);
}

struct hung_call {
	int fd;
	__u32 hwpt_id;
	const struct ebuf *b;
	struct iommu_inv_result res[8];
	struct iommu_inv_hwpt_invalidate inv;
	int rc;
	int err;
};

static void *hung_call(void *arg)
{
	struct hung_call *c = arg;

	c->rc = _test_inv(c->fd, c->hwpt_id, c->b, 0, c->res, 8, &c->inv);
	c->err = errno;
	return NULL;
}

/*
 * Another file's HWPT on the same unit is served while one device hangs:
 * its call waits for the queue at most until the hung entry fails, and
 * succeeds; the hung call fails on its own entry only.
 */
TEST_F(vtd_unit, other_file_served_throughout)
{
	struct hung_call c = { .fd = self->fd, .hwpt_id = self->hwpt_id,
			       .b = &self->b };
	struct iommu_inv_hwpt_invalidate inv2;
	struct iommu_inv_result res2[4];
	__u32 hwpt2;
	pthread_t t;
	struct ebuf b2;
	int fd2, i;

	fd2 = open(DEV_PATH, O_RDWR);
	ASSERT_LE(0, fd2);
	ASSERT_EQ(0, vtd_alloc(fd2, IOMMU_INV_VTD_QUEUE_HW, DID + 1, 0x300, 4,
			       &hwpt2));
	ASSERT_EQ(0, vtd_vdev(fd2, hwpt2, VIRT_C, SID_C, 0, 4,
			      IOMMU_INV_VTD_DEV_ATS, NULL));
	ebuf_init(&b2, 1024);
	e_iotlb_pasid(&b2, 3);
	e_devtlb_pasid(&b2, VIRT_C, 0);
	e_pc_pasid(&b2, 1);

	ASSERT_EQ(0, unit_fault(self->fd, IOMMU_INV_UNIT_FAULT_HUNG_DEVICE,
				SID_A));
	ASSERT_EQ(0, pthread_create(&t, NULL, hung_call, &c));
	usleep(200 * 1000);
	/* Before, during (most likely) and after the hung run. */
	for (i = 0; i < 3; i++) {
		ASSERT_EQ(0, _test_inv(fd2, hwpt2, &b2, 0, res2, 4, &inv2));
		EXPECT_EQ(3, inv2.out_processed);
		EXPECT_EQ(0, inv2.out_num_failed);
	}
	ASSERT_EQ(0, pthread_join(t, NULL));
	EXPECT_EQ(-1, c.rc);
	EXPECT_EQ(ETIMEDOUT, c.err);
	EXPECT_EQ(2, c.inv.out_first_error);
	EXPECT_EQ(IOMMU_INV_HWERR_VTD_ITE, c.res[0].hw_error);
	ASSERT_EQ(0, _test_inv(fd2, hwpt2, &b2, 0, res2, 4, &inv2));
	free(b2.data);
	close(fd2);
}

/*
 * Two devices hang in one run. The first to time out fails its entry;
 * the call returns only once the other has timed out too (recovery waits
 * for a wait to complete), so nothing of the run is still outstanding
 * when the next call, another file's, uses the unit: that call goes
 * through, with no time-out of someone else's device on it.
 */
TEST_F(vtd_unit, two_hung_devices_stay_in_their_call)
{
	struct iommu_inv_hwpt_invalidate inv2;
	struct iommu_inv_result res2[4];
	struct ebuf b2;
	__u32 hwpt2;
	int fd2;

	fd2 = open(DEV_PATH, O_RDWR);
	ASSERT_LE(0, fd2);
	ASSERT_EQ(0, vtd_alloc(fd2, IOMMU_INV_VTD_QUEUE_HW, DID + 3, 0x500, 4,
			       &hwpt2));
	ebuf_init(&b2, 256);
	e_iotlb_pasid(&b2, 1);
	e_pc_all(&b2);

	ASSERT_EQ(0, unit_fault(self->fd, IOMMU_INV_UNIT_FAULT_HUNG_DEVICE,
				SID_B));
	ASSERT_EQ(0, unit_fault(self->fd, IOMMU_INV_UNIT_FAULT_HUNG_DEVICE,
				SID_A));
	/* B's entry (1) is fetched first and times out first. */
	test_inv_fails_at(0, ETIMEDOUT, 1);
	EXPECT_EQ(IOMMU_INV_HWERR_VTD_ITE, self->res[0].hw_error);
	EXPECT_EQ(2, self->inv.out_processed);

	ASSERT_EQ(0, _test_inv(fd2, hwpt2, &b2, 0, res2, 4, &inv2));
	EXPECT_EQ(2, inv2.out_processed);
	EXPECT_EQ(0, inv2.out_num_failed);
	free(b2.data);
	close(fd2);
}

/*
 * An Invalidation Completion Error (a device's late completion) stops
 * nothing and fails nothing: the next run goes through whole.
 */
TEST_F(vtd_unit, completion_error_fails_nothing)
{
	struct ebuf b;

	ebuf_init(&b, 256);
	e_iotlb_all(&b);
	e_iotlb_pasid(&b, 3);
	e_pc_all(&b);
	ASSERT_EQ(0, unit_fault(self->fd, IOMMU_INV_UNIT_FAULT_ICE, 0));
	ASSERT_EQ(0, _test_inv(self->fd, self->hwpt_id, &b, 0, self->res, 8,
			       &self->inv));
	EXPECT_EQ(3, self->inv.out_processed);
	EXPECT_EQ(0, self->inv.out_num_failed);
	free(b.data);
}

/*
 * io_uring's first, non-blocking issue does not wait for a unit another
 * HWPT holds: it returns at once and the command completes from
 * io_uring's worker once the unit is free. io_uring_submit() returns
 * before the hung run ends, so no completion is there yet.
 */
TEST_F(vtd_unit, nonblock_issue_does_not_wait_for_the_unit)
{
	struct hung_call c = { .fd = self->fd, .hwpt_id = self->hwpt_id,
			       .b = &self->b };
	struct iommu_inv_hwpt_invalidate inv2;
	struct iommu_inv_result res2[4];
	struct io_uring_sqe *sqe;
	struct io_uring_cqe *cqe;
	struct io_uring ring;
	struct ebuf b2;
	__u32 hwpt2;
	pthread_t t;
	int fd2;

	fd2 = open(DEV_PATH, O_RDWR);
	ASSERT_LE(0, fd2);
	ASSERT_EQ(0, vtd_alloc(fd2, IOMMU_INV_VTD_QUEUE_HW, DID + 2, 0x400, 4,
			       &hwpt2));
	ebuf_init(&b2, 256);
	e_iotlb_pasid(&b2, 2);
	inv_fill(&inv2, hwpt2, &b2, 0, res2, 4);
	ASSERT_EQ(0, io_uring_queue_init(4, &ring, 0));

	ASSERT_EQ(0, unit_fault(self->fd, IOMMU_INV_UNIT_FAULT_HUNG_DEVICE,
				SID_A));
	ASSERT_EQ(0, pthread_create(&t, NULL, hung_call, &c));
	/* The hung run holds the unit for 1.5 s from about now. */
	usleep(500 * 1000);
	sqe = io_uring_get_sqe(&ring);
	uring_prep_inv_array(sqe, fd2, false, &inv2);
	ASSERT_EQ(1, io_uring_submit(&ring));
	EXPECT_EQ(-EAGAIN, io_uring_peek_cqe(&ring, &cqe));

	ASSERT_EQ(0, io_uring_wait_cqe(&ring, &cqe));
	EXPECT_EQ(1, cqe->res);
	io_uring_cqe_seen(&ring, cqe);
	ASSERT_EQ(0, pthread_join(t, NULL));
	EXPECT_EQ(2, c.inv.out_first_error);
	io_uring_queue_exit(&ring);
	free(b2.data);
	close(fd2);
}

/*
 * The test hooks see a fake unit's traffic, without physical addresses:
 * the run's wait goes to the log with its status address cleared.
 */
TEST_F(vtd_unit, log_has_no_physical_address)
{
	__u64 d[2][4];

	test_inv_ok();
	ASSERT_EQ(0, queue_log(self->fd, self->hwpt_id, d, 2, NULL));
	/* The last entry's descriptor: PASID-based device-TLB to SID_B. */
	EXPECT_EQ(0x8, d[0][0] & 0xf);
	EXPECT_EQ(SID_B, (d[0][0] >> 16) & 0xffff);
	EXPECT_EQ(0x65, d[1][0] & 0xffffffff);
	EXPECT_EQ(0, d[1][1]);
}

/*
 * The unit stops answering and never reports its queue off. The call
 * that finds out fails with ETIMEDOUT, every later one with EIO, and the
 * unload after this fixture must keep the queue memory (the fake writes
 * it once more when it goes; KASAN would report a freed page). Run it
 * alone, after the others (-f dead): the unit stays dead until reload.
 */
FIXTURE(dead) {
	int fd;
	__u32 hwpt_id;
	struct ebuf b;
	struct iommu_inv_hwpt_invalidate inv;
	struct iommu_inv_result res[8];
};

FIXTURE_SETUP(dead)
{
	if (!fake_units_loaded())
		SKIP(return, "module not loaded with fake_units=1");
	self->fd = open(DEV_PATH, O_RDWR);
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, vtd_alloc(self->fd, IOMMU_INV_VTD_QUEUE_HW, DID, 0, 4,
			       &self->hwpt_id));
	/* No device-TLB entry: the usual wait of one second applies. */
	ebuf_init(&self->b, 256);
	e_iotlb_all(&self->b);
	e_pc_all(&self->b);
}

FIXTURE_TEARDOWN(dead)
{
	if (!fake_units_loaded())
		return;
	free(self->b.data);
	close(self->fd);
}

TEST_F(dead, unit_until_reload)
{
	test_inv_ok();
	ASSERT_EQ(0, unit_fault(self->fd, IOMMU_INV_UNIT_FAULT_NO_DISABLE, 0));
	ASSERT_EQ(0, unit_fault(self->fd, IOMMU_INV_UNIT_FAULT_DEAD, 0));
	test_inv_fails_at(0, ETIMEDOUT, 0);
	EXPECT_EQ(0, self->res[0].hw_error);
	test_inv_fails_at(0, EIO, 0);
	test_inv_fails_at(IOMMU_INV_FLAG_CONTINUE, EIO, 0);
	EXPECT_EQ(2, self->inv.out_num_failed);
}

FIXTURE(probe) {
	int fd;
};

FIXTURE_SETUP(probe)
{
	if (!fake_units_loaded())
		SKIP(return, "module not loaded with fake_units=1");
	self->fd = open(DEV_PATH, O_RDWR);
	ASSERT_LE(0, self->fd);
}

FIXTURE_TEARDOWN(probe)
{
	if (fake_units_loaded())
		close(self->fd);
}

/*
 * The unit dies between turning its queue on and the first wait: taking
 * it fails, and is not tried again until reload; its queue memory is kept
 * (the queue was never reported off), which the unload checks as above.
 */
TEST_F(probe, unit_dies_after_queue_on)
{
	__u32 id;

	ASSERT_EQ(0, unit_fault(self->fd, IOMMU_INV_UNIT_FAULT_NO_DISABLE, 0));
	ASSERT_EQ(0, unit_fault(self->fd, IOMMU_INV_UNIT_FAULT_DEAD, 0));
	EXPECT_ERRNO(ETIMEDOUT, vtd_alloc(self->fd, IOMMU_INV_VTD_QUEUE_HW,
					  DID, 0, 1, &id));
	EXPECT_ERRNO(ETIMEDOUT, vtd_alloc(self->fd, IOMMU_INV_VTD_QUEUE_HW,
					  DID, 0, 1, &id));
}

TEST_HARNESS_MAIN
