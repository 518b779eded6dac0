// SPDX-License-Identifier: GPL-2.0-only
/*
 * Fault injection on every path: for each ioctl and uring_cmd, make the
 * Nth fault point of the call fail (/proc/thread-self/fail-nth: slab and
 * page allocations, and user copies with FAULT_INJECTION_USERCOPY), for
 * N = 1, 2, ... until the call runs without reaching the Nth point. After
 * every failure the call must have failed cleanly (a documented errno, no
 * object half-made or lost), and the file must still work.
 *
 * Needs a kernel with FAULT_INJECTION_DEBUG_FS and FAILSLAB (the debug
 * tier); skips elsewhere. Leaks are caught by the tier's kmemleak scan.
 */
#include <liburing.h>
#include <stddef.h>
#include <stdio.h>

#include "kselftest_harness.h"
#include "iommufd_inv_utils.h"

#define MAX_NTH 2000

static bool have_fail_nth;

static void write_knob(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY);

	if (fd < 0)
		return;
	if (write(fd, val, strlen(val)) < 0)
		perror(path);
	close(fd);
}

/* Let every allocation be failed, and keep the log quiet. */
static __attribute__((constructor)) void setup_fault_injection(void)
{
	static const char * const dirs[] = {
		"failslab", "fail_page_alloc", "fail_usercopy",
	};
	char path[128];
	unsigned int i;

	if (access("/proc/thread-self/fail-nth", W_OK) ||
	    access("/sys/kernel/debug/failslab", F_OK))
		return;
	write_knob("/sys/kernel/debug/failslab/ignore-gfp-wait", "N");
	write_knob("/sys/kernel/debug/fail_page_alloc/ignore-gfp-wait", "N");
	write_knob("/sys/kernel/debug/fail_page_alloc/ignore-gfp-highmem", "N");
	for (i = 0; i < ARRAY_SIZE(dirs); i++) {
		snprintf(path, sizeof(path), "/sys/kernel/debug/%s/verbose",
			 dirs[i]);
		write_knob(path, "0");
	}
	have_fail_nth = true;
}

/* What one path needs: set-up, the armed call, and the checks after it. */
struct nth_ctx {
	int fd;
	int nth_fd;
	__u32 hwpt_id;
	__u32 vdev_id;
	int objects;
	bool ring_up;
	struct io_uring ring;
	struct ebuf b;
	struct iommu_inv_result res[8];
	struct iommu_inv_hwpt_invalidate inv;
	struct iommu_inv_hwpt_info info;
	struct iommu_inv_info gi;
	__u32 queue;
};

static void nth_arm(struct nth_ctx *c, unsigned int n)
{
	char buf[16];
	int len = snprintf(buf, sizeof(buf), "%u", n);

	if (pwrite(c->nth_fd, buf, len, 0) != len)
		abort();
}

/*
 * Disarm; returns true if the Nth point fired inside the call. Reading and
 * writing the knob copy to and from user space themselves, so a point
 * still armed may fire there: that also means the call did not reach it.
 */
static bool nth_disarm(struct nth_ctx *c)
{
	char buf[16] = { 0 };
	ssize_t rc = pread(c->nth_fd, buf, sizeof(buf) - 1, 0);
	bool fired = rc > 0 && atoi(buf) == 0;

	while (pwrite(c->nth_fd, "0", 1, 0) != 1)
		;
	return fired;
}

static int objects(struct nth_ctx *c)
{
	return _test_num_objects(c->fd);
}

/* The file still works: a HWPT can be made, used and destroyed. */
static int file_works(struct nth_ctx *c)
{
	struct iommu_inv_hwpt_invalidate inv;
	struct ebuf b;
	__u32 id;
	int rc;

	if (_test_get_info(c->fd, 0, &c->gi))
		return -1;
	if (_test_hwpt_alloc_mock(c->fd, 8, &id))
		return -2;
	ebuf_init(&b, 64);
	e_iotlb_all(&b);
	rc = _test_inv(c->fd, id, &b, 0, NULL, 0, &inv);
	free(b.data);
	if (rc || inv.out_processed != 1)
		return -3;
	return _test_destroy(c->fd, id) ? -4 : 0;
}

/* What a failed allocation or user copy may surface as. */
static bool ERRNO_OK(int e)
{
	return e == ENOMEM || e == EFAULT;
}

/* --- the paths --------------------------------------------------------- */

struct nth_path {
	const char *name;
	void (*prepare)(struct __test_metadata *_metadata, struct nth_ctx *c);
	int (*run)(struct nth_ctx *c);
	void (*check)(struct __test_metadata *_metadata, struct nth_ctx *c,
		      int rc);
};

static void prep_hwpt(struct __test_metadata *_metadata, struct nth_ctx *c)
{
	ASSERT_EQ(0, _test_hwpt_alloc_mock(c->fd, 8, &c->hwpt_id));
	c->objects = objects(c);
}

static void prep_nothing(struct __test_metadata *_metadata, struct nth_ctx *c)
{
	c->objects = objects(c);
}

static int run_get_info(struct nth_ctx *c)
{
	return _test_get_info(c->fd, IOMMU_INV_HWPT_MOCK, &c->gi) ? -errno : 0;
}

static void check_get_info(struct __test_metadata *_metadata,
			   struct nth_ctx *c, int rc)
{
	if (rc) {
		ASSERT_EQ(EFAULT, -rc);
		return;
	}
	ASSERT_EQ(IOMMU_INV_UAPI_VERSION, c->gi.out_uapi_version);
}

static int run_hwpt_alloc(struct nth_ctx *c)
{
	return _test_hwpt_alloc_mock(c->fd, 8, &c->hwpt_id) ? -errno : 0;
}

/* Made whole, or not at all. */
static void check_alloc(struct __test_metadata *_metadata, struct nth_ctx *c,
			int rc)
{
	if (rc)
		ASSERT_TRUE(ERRNO_OK(-rc));
	ASSERT_EQ(c->objects + !rc, objects(c));
}

static int run_vdev_alloc(struct nth_ctx *c)
{
	return _test_vdev_alloc(c->fd, c->hwpt_id, 0x42, &c->vdev_id) ?
	       -errno : 0;
}

static void check_vdev_alloc(struct __test_metadata *_metadata,
			     struct nth_ctx *c, int rc)
{
	check_alloc(_metadata, c, rc);
	ASSERT_EQ(0, _test_hwpt_info(c->fd, c->hwpt_id, &c->info));
	ASSERT_EQ(!rc, c->info.out_num_vdevs);
	/* A failed allocation left the virt_id free. */
	if (rc)
		ASSERT_EQ(0, _test_vdev_alloc(c->fd, c->hwpt_id, 0x42, NULL));
}

static void prep_vdev(struct __test_metadata *_metadata, struct nth_ctx *c)
{
	ASSERT_EQ(0, _test_hwpt_alloc_mock(c->fd, 8, &c->hwpt_id));
	ASSERT_EQ(0, _test_vdev_alloc(c->fd, c->hwpt_id, 0x42, &c->vdev_id));
	c->objects = objects(c);
}

static int run_destroy(struct nth_ctx *c)
{
	return _test_destroy(c->fd, c->vdev_id) ? -errno : 0;
}

static void check_destroy(struct __test_metadata *_metadata,
			  struct nth_ctx *c, int rc)
{
	if (rc)
		ASSERT_TRUE(ERRNO_OK(-rc));
	ASSERT_EQ(c->objects - !rc, objects(c));
}

static void prep_inv(struct __test_metadata *_metadata, struct nth_ctx *c)
{
	prep_hwpt(_metadata, c);
	ebuf_init(&c->b, 256);
	e_iotlb_all(&c->b);
	e_iotlb_pasid(&c->b, 1);
	ebuf_add(&c->b, 60, 8, 0);	/* unknown type: a result to write */
	e_pc_all(&c->b);
	memset(&c->inv, 0, sizeof(c->inv));
	memset(c->res, 0, sizeof(c->res));
}

static int run_inv(struct nth_ctx *c)
{
	return _test_inv(c->fd, c->hwpt_id, &c->b, IOMMU_INV_FLAG_CONTINUE,
			 c->res, ARRAY_SIZE(c->res), &c->inv) ? -errno : 0;
}

/* Either the entries ran, with the one bad entry reported, or not at all. */
static void check_inv(struct __test_metadata *_metadata, struct nth_ctx *c,
		      int rc)
{
	__u64 seen = _test_mock_seen(c->fd, c->hwpt_id,
				     IOMMU_INV_ENTRY_IOTLB_ALL);

	if (rc == -EOPNOTSUPP) {
		ASSERT_EQ(4, c->inv.out_processed);
		ASSERT_EQ(2, c->inv.out_first_error);
		ASSERT_EQ(1, c->inv.out_results);
		ASSERT_EQ(2, c->res[0].index);
		ASSERT_EQ(1, seen);
	} else {
		ASSERT_TRUE(ERRNO_OK(-rc));
		ASSERT_GE(1, seen);
	}
	free(c->b.data);
}

static int run_hwpt_info(struct nth_ctx *c)
{
	return _test_hwpt_info(c->fd, c->hwpt_id, &c->info) ? -errno : 0;
}

static void check_hwpt_info(struct __test_metadata *_metadata,
			    struct nth_ctx *c, int rc)
{
	if (rc) {
		ASSERT_EQ(EFAULT, -rc);
		return;
	}
	ASSERT_EQ(IOMMU_INV_HWPT_MOCK, c->info.out_hwpt_type);
}

static void prep_ring(struct __test_metadata *_metadata, struct nth_ctx *c,
		      unsigned int flags)
{
	struct io_uring_params p = { .flags = flags };

	prep_inv(_metadata, c);
	ASSERT_EQ(0, io_uring_queue_init_params(8, &c->ring, &p));
	c->ring_up = true;
}

static void prep_uring_array(struct __test_metadata *_metadata,
			     struct nth_ctx *c)
{
	struct io_uring_sqe *sqe;

	prep_ring(_metadata, c, 0);
	inv_fill(&c->inv, c->hwpt_id, &c->b, IOMMU_INV_FLAG_CONTINUE, c->res,
		 ARRAY_SIZE(c->res));
	sqe = io_uring_get_sqe(&c->ring);
	uring_prep_inv_array(sqe, c->fd, false, &c->inv);
}

static void prep_uring_inline(struct __test_metadata *_metadata,
			      struct nth_ctx *c)
{
	struct iommu_inv_uring_inline pl = { .entry_num = 4,
					     .flags = IOMMU_INV_FLAG_CONTINUE };
	struct io_uring_sqe *sqe;

	prep_ring(_metadata, c, IORING_SETUP_SQE128);
	pl.hwpt_id = c->hwpt_id;
	pl.results_uptr = (uintptr_t)c->res;
	ASSERT_GE(sizeof(pl.entries), c->b.len);
	memcpy(pl.entries, c->b.data, c->b.len);
	c->inv.out_processed = 4;	/* not written in inline mode */
	c->inv.out_first_error = 2;
	c->inv.out_results = 1;
	sqe = io_uring_get_sqe(&c->ring);
	uring_prep_inv(sqe, c->fd, false,
		       IOMMU_INV_URING_CMD_INVALIDATE_INLINE, &pl, sizeof(pl));
}

/* The submit is armed; the completion is reaped unarmed. */
static int run_uring(struct nth_ctx *c)
{
	int rc = io_uring_submit(&c->ring);

	return rc == 1 ? 0 : rc < 0 ? rc : -EIO;
}

static void check_uring(struct __test_metadata *_metadata, struct nth_ctx *c,
			int rc)
{
	struct io_uring_cqe *cqe;

	if (!rc) {
		ASSERT_EQ(0, io_uring_wait_cqe(&c->ring, &cqe));
		rc = cqe->res;
		io_uring_cqe_seen(&c->ring, cqe);
	} else {
		/* io_uring itself could not take the SQE. */
		ASSERT_TRUE(rc == -ENOMEM || rc == -EAGAIN || rc == -EFAULT);
		rc = -ENOMEM;
	}
	check_inv(_metadata, c, rc);
}

/* --- VT-d: the model queue, and the unit when the guest has one ----- */

#define NTH_DID 0x55
#define NTH_SID 0x00f8	/* 00:1f.0, on every q35 */

static int vtd_alloc_queue(struct nth_ctx *c, __u32 queue)
{
	c->queue = queue;
	return vtd_alloc(c->fd, queue, NTH_DID, 0, 16, &c->hwpt_id) ?
	       -errno : 0;
}

static int run_vtd_alloc_model(struct nth_ctx *c)
{
	return vtd_alloc_queue(c, IOMMU_INV_VTD_QUEUE_MODEL);
}

static int run_vtd_alloc_hw(struct nth_ctx *c)
{
	return vtd_alloc_queue(c, IOMMU_INV_VTD_QUEUE_HW);
}

/* Made whole or not at all, and a failure left the domain ID free. */
static void check_vtd_alloc(struct __test_metadata *_metadata,
			    struct nth_ctx *c, int rc)
{
	check_alloc(_metadata, c, rc);
	if (rc)
		ASSERT_EQ(0, vtd_alloc_queue(c, c->queue));
}

static void prep_vtd(struct __test_metadata *_metadata, struct nth_ctx *c)
{
	int rc = vtd_alloc_queue(c, IOMMU_INV_VTD_QUEUE_HW);

	if (rc == -ENODEV)
		rc = vtd_alloc_queue(c, IOMMU_INV_VTD_QUEUE_MODEL);
	ASSERT_EQ(0, rc);
	c->objects = objects(c);
}

static int run_vtd_vdev(struct nth_ctx *c)
{
	return vtd_vdev(c->fd, c->hwpt_id, 0x42, NTH_SID, 0, 0,
			IOMMU_INV_VTD_DEV_ATS, &c->vdev_id) ? -errno : 0;
}

/* A failure left the source ID free. */
static void check_vtd_vdev(struct __test_metadata *_metadata,
			   struct nth_ctx *c, int rc)
{
	check_alloc(_metadata, c, rc);
	if (rc)
		ASSERT_EQ(0, run_vtd_vdev(c));
}

static void prep_vtd_inv(struct __test_metadata *_metadata, struct nth_ctx *c)
{
	prep_vtd(_metadata, c);
	ASSERT_EQ(0, run_vtd_vdev(c));
	c->objects = objects(c);
	ebuf_init(&c->b, 256);
	e_iotlb_range(&c->b, 1, 0x3000, 0x2000, 0);
	e_devtlb_pasid(&c->b, 0x42, 2);
	e_iotlb_pasid(&c->b, 16);	/* outside the window: a result */
	e_pc_all(&c->b);
	memset(&c->inv, 0, sizeof(c->inv));
	memset(c->res, 0, sizeof(c->res));
}

/* The bad entry reported, the others carried out; or nothing done. */
static void check_vtd_inv(struct __test_metadata *_metadata,
			  struct nth_ctx *c, int rc)
{
	if (rc == -EINVAL) {
		ASSERT_EQ(4, c->inv.out_processed);
		ASSERT_EQ(2, c->inv.out_first_error);
		ASSERT_EQ(1, c->inv.out_results);
		ASSERT_EQ(2, c->res[0].index);
	} else {
		ASSERT_TRUE(ERRNO_OK(-rc));
	}
	free(c->b.data);
}

/*
 * Raw descriptors: the decoder allocates nothing, the call's engine does.
 * A PASID outside the window (EINVAL) and a reserved bit (EIO, IQE).
 */
static void prep_vtd_raw_inv(struct __test_metadata *_metadata,
			     struct nth_ctx *c)
{
	prep_vtd(_metadata, c);
	ASSERT_EQ(0, run_vtd_vdev(c));
	c->objects = objects(c);
	ebuf_init(&c->b, 256);
	e_vtd_desc(&c->b, 0x0000000100420026, 0, 0, 0);
	e_vtd_desc(&c->b, 0x0000001000420026, 0, 0, 0);
	e_vtd_desc(&c->b, 0x0000000200420008, 0x5000, 0, 0);
	e_vtd_desc(&c->b, 0x0000000000420007, 0, 0, 1);
	e_iotlb_pasid(&c->b, 3);
	e_vtd_desc(&c->b, 0x0000004200000003, 0x5001, 0, 0);	/* no PASID */
	memset(&c->inv, 0, sizeof(c->inv));
	memset(c->res, 0, sizeof(c->res));
}

static void check_vtd_raw_inv(struct __test_metadata *_metadata,
			      struct nth_ctx *c, int rc)
{
	if (rc == -EINVAL) {
		ASSERT_EQ(6, c->inv.out_processed);
		ASSERT_EQ(1, c->inv.out_first_error);
		ASSERT_EQ(2, c->inv.out_results);
		ASSERT_EQ(1, c->res[0].index);
		ASSERT_EQ(0, c->res[0].hw_error);
		ASSERT_EQ(3, c->res[1].index);
		ASSERT_EQ(-EIO, c->res[1].error);
		ASSERT_EQ(IOMMU_INV_HWERR_VTD_IQE, c->res[1].hw_error);
	} else {
		ASSERT_TRUE(ERRNO_OK(-rc));
	}
	free(c->b.data);
}

/* --- SMMUv3: the model queue ------------------------------------------- */

#define NTH_VMID 0x55
#define NTH_PSID 0x1234

static int run_smmu_alloc(struct nth_ctx *c)
{
	return smmu_alloc(c->fd, IOMMU_INV_SMMU_QUEUE_MODEL, NTH_VMID,
			  &c->hwpt_id) ? -errno : 0;
}

/* Made whole or not at all, and a failure left the VMID free. */
static void check_smmu_alloc(struct __test_metadata *_metadata,
			     struct nth_ctx *c, int rc)
{
	check_alloc(_metadata, c, rc);
	if (rc)
		ASSERT_EQ(0, run_smmu_alloc(c));
}

static void prep_smmu(struct __test_metadata *_metadata, struct nth_ctx *c)
{
	ASSERT_EQ(0, run_smmu_alloc(c));
	c->objects = objects(c);
}

static int run_smmu_vdev(struct nth_ctx *c)
{
	return smmu_vdev(c->fd, c->hwpt_id, 0x42, NTH_PSID,
			 IOMMU_INV_SMMU_DEV_ATS) ? -errno : 0;
}

/* A failure left the stream ID free. */
static void check_smmu_vdev(struct __test_metadata *_metadata,
			    struct nth_ctx *c, int rc)
{
	check_alloc(_metadata, c, rc);
	if (rc)
		ASSERT_EQ(0, run_smmu_vdev(c));
}

static void prep_smmu_inv(struct __test_metadata *_metadata,
			  struct nth_ctx *c)
{
	prep_smmu(_metadata, c);
	ASSERT_EQ(0, run_smmu_vdev(c));
	c->objects = objects(c);
	ebuf_init(&c->b, 256);
	e_iotlb_range(&c->b, 1, 0x3000, 0x2000, 0);
	e_devtlb_pasid(&c->b, 0x42, 2);
	e_smmu_cmd(&c->b, 0xff, 0);	/* an unknown opcode: a result */
	e_smmu_cmd(&c->b, 0x0000004200000006ULL, 0);	/* CFGI_CD_ALL */
	e_pc_all(&c->b);
	e_pc_pasid(&c->b, 5);
	memset(&c->inv, 0, sizeof(c->inv));
	memset(c->res, 0, sizeof(c->res));
}

/* The refused command reported, the others carried out; or nothing. */
static void check_smmu_inv(struct __test_metadata *_metadata,
			   struct nth_ctx *c, int rc)
{
	if (rc == -EOPNOTSUPP) {
		ASSERT_EQ(6, c->inv.out_processed);
		ASSERT_EQ(2, c->inv.out_first_error);
		ASSERT_EQ(1, c->inv.out_results);
		ASSERT_EQ(2, c->res[0].index);
		ASSERT_EQ(IOMMU_INV_HWERR_SMMU_CERROR_ILL, c->res[0].hw_error);
	} else {
		ASSERT_TRUE(ERRNO_OK(-rc));
	}
	free(c->b.data);
}

static const struct nth_path paths[] = {
	{ "GET_INFO", prep_nothing, run_get_info, check_get_info },
	{ "HWPT_ALLOC", prep_nothing, run_hwpt_alloc, check_alloc },
	{ "VDEV_ALLOC", prep_hwpt, run_vdev_alloc, check_vdev_alloc },
	{ "DESTROY", prep_vdev, run_destroy, check_destroy },
	{ "HWPT_INVALIDATE", prep_inv, run_inv, check_inv },
	{ "HWPT_INFO", prep_hwpt, run_hwpt_info, check_hwpt_info },
	{ "uring array", prep_uring_array, run_uring, check_uring },
	{ "uring inline", prep_uring_inline, run_uring, check_uring },
	{ "VT-d HWPT_ALLOC (model)", prep_nothing, run_vtd_alloc_model,
	  check_vtd_alloc },
	{ "VT-d HWPT_ALLOC (unit)", prep_nothing, run_vtd_alloc_hw,
	  check_vtd_alloc },
	{ "VT-d VDEV_ALLOC", prep_vtd, run_vtd_vdev, check_vtd_vdev },
	{ "VT-d HWPT_INVALIDATE", prep_vtd_inv, run_inv, check_vtd_inv },
	{ "SMMUv3 HWPT_ALLOC (model)", prep_nothing, run_smmu_alloc,
	  check_smmu_alloc },
	{ "SMMUv3 VDEV_ALLOC", prep_smmu, run_smmu_vdev, check_smmu_vdev },
	{ "SMMUv3 HWPT_INVALIDATE", prep_smmu_inv, run_inv, check_smmu_inv },
	{ "VT-d raw HWPT_INVALIDATE", prep_vtd_raw_inv, run_inv,
	  check_vtd_raw_inv },
};

/*
 * One path: a fresh file per N, so the file's first call (which allocates
 * its batch engine) is the one that is failed.
 */
static void fail_nth_path(struct __test_metadata *_metadata,
			  const struct nth_path *p)
{
	struct nth_ctx c;
	unsigned int n;
	bool fired = true;
	int rc;

	for (n = 1; fired; n++) {
		ASSERT_GT(MAX_NTH, n);
		memset(&c, 0, sizeof(c));
		c.fd = open(DEV_PATH, O_RDWR);
		ASSERT_LE(0, c.fd);
		c.nth_fd = open("/proc/thread-self/fail-nth", O_RDWR);
		ASSERT_LE(0, c.nth_fd);
		p->prepare(_metadata, &c);

		nth_arm(&c, n);
		rc = p->run(&c);
		fired = nth_disarm(&c);

		p->check(_metadata, &c, rc);
		if (!fired)
			ASSERT_EQ(0, rc == -EOPNOTSUPP || rc == -EINVAL ? 0 : rc);
		ASSERT_EQ(0, file_works(&c));
		if (c.ring_up)
			io_uring_queue_exit(&c.ring);
		close(c.nth_fd);
		ASSERT_EQ(0, close(c.fd));
	}
	TH_LOG("%s: %u fault points failed one by one", p->name, n - 2);
	/* A path with no fault point at all would prove nothing. */
	ASSERT_LE(1, n - 2);
}

FIXTURE(fail_nth) {
	int unused;
};

FIXTURE_VARIANT(fail_nth) {
	unsigned int path;
};

FIXTURE_VARIANT_ADD(fail_nth, get_info) { .path = 0 };
FIXTURE_VARIANT_ADD(fail_nth, hwpt_alloc) { .path = 1 };
FIXTURE_VARIANT_ADD(fail_nth, vdev_alloc) { .path = 2 };
FIXTURE_VARIANT_ADD(fail_nth, destroy) { .path = 3 };
FIXTURE_VARIANT_ADD(fail_nth, hwpt_invalidate) { .path = 4 };
FIXTURE_VARIANT_ADD(fail_nth, hwpt_info) { .path = 5 };
FIXTURE_VARIANT_ADD(fail_nth, uring_array) { .path = 6 };
FIXTURE_VARIANT_ADD(fail_nth, uring_inline) { .path = 7 };
FIXTURE_VARIANT_ADD(fail_nth, vtd_alloc_model) { .path = 8 };
FIXTURE_VARIANT_ADD(fail_nth, vtd_alloc_unit) { .path = 9 };
FIXTURE_VARIANT_ADD(fail_nth, vtd_vdev_alloc) { .path = 10 };
FIXTURE_VARIANT_ADD(fail_nth, vtd_invalidate) { .path = 11 };
FIXTURE_VARIANT_ADD(fail_nth, smmu_alloc) { .path = 12 };
FIXTURE_VARIANT_ADD(fail_nth, smmu_vdev_alloc) { .path = 13 };
FIXTURE_VARIANT_ADD(fail_nth, smmu_invalidate) { .path = 14 };
FIXTURE_VARIANT_ADD(fail_nth, vtd_raw_invalidate) { .path = 15 };

FIXTURE_SETUP(fail_nth)
{
	int fd;

	if (!have_fail_nth)
		SKIP(return, "no fault injection (needs the debug kernel)");
	if (paths[variant->path].run != run_vtd_alloc_hw)
		return;
	fd = open(DEV_PATH, O_RDWR);
	ASSERT_LE(0, fd);
	if (vtd_alloc(fd, IOMMU_INV_VTD_QUEUE_HW, NTH_DID, 0, 1, NULL) &&
	    errno == ENODEV)
		SKIP(close(fd); return, "no free VT-d unit");
	close(fd);
}

FIXTURE_TEARDOWN(fail_nth)
{
}

TEST_F(fail_nth, every_fault_point)
{
	fail_nth_path(_metadata, &paths[variant->path]);
}

/* Opening the device: no file, or a working one. */
TEST(fail_nth_open)
{
	struct nth_ctx c = { 0 };
	int probe, files, n, fd;
	bool fired = true;

	if (!have_fail_nth)
		SKIP(return, "no fault injection (needs the debug kernel)");
	probe = open(DEV_PATH, O_RDWR);
	ASSERT_LE(0, probe);
	c.nth_fd = open("/proc/thread-self/fail-nth", O_RDWR);
	for (n = 1; fired; n++) {
		struct iommu_inv_test_cmd cmd = {
			.op = IOMMU_INV_TEST_OP_NUM_FILES,
		};

		ASSERT_GT(MAX_NTH, n);
		ASSERT_EQ(0, _test_op(probe, &cmd));
		files = cmd.files.out_num;
		nth_arm(&c, n);
		fd = open(DEV_PATH, O_RDWR);
		fired = nth_disarm(&c);
		ASSERT_EQ(0, _test_op(probe, &cmd));
		if (fd < 0) {
			ASSERT_TRUE(ERRNO_OK(errno));
			ASSERT_EQ(files, cmd.files.out_num);
			continue;
		}
		ASSERT_EQ(files + 1, cmd.files.out_num);
		c.fd = fd;
		ASSERT_EQ(0, file_works(&c));
		close(fd);
	}
	close(c.nth_fd);
	close(probe);
}

TEST_HARNESS_MAIN
