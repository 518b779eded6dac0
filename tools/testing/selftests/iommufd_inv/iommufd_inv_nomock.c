// SPDX-License-Identifier: GPL-2.0-only
/*
 * The module loaded without mock=1, as in production: the mock HWPT type
 * and the test ioctl do not exist, and no ioctl number around them
 * answers. Skips when the module was loaded with mock=1.
 */
#include <stdio.h>
#include <sys/stat.h>

#include "kselftest_harness.h"
#include "iommufd_inv_utils.h"

static bool mock_param_off(void)
{
	char buf[4] = { 0 };
	int fd = open("/sys/module/iommufd_inv/parameters/mock", O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return true;	/* built without the test option at all */
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	return n > 0 && buf[0] == 'N';
}

FIXTURE(nomock) {
	int fd;
};

FIXTURE_SETUP(nomock)
{
	if (!mock_param_off())
		SKIP(return, "module loaded with mock=1");
	self->fd = open(DEV_PATH, O_RDWR);
	ASSERT_LE(0, self->fd);
}

FIXTURE_TEARDOWN(nomock)
{
	if (self->fd > 0)
		close(self->fd);
}

TEST_F(nomock, test_ioctl_absent)
{
	struct iommu_inv_test_cmd cmd = {
		.size = sizeof(cmd),
		.op = IOMMU_INV_TEST_OP_NUM_OBJECTS,
	};

	EXPECT_ERRNO(ENOTTY, ioctl(self->fd, IOMMU_INV_TEST, &cmd));
	/* Nor under another direction/size encoding of the same number. */
	EXPECT_ERRNO(ENOTTY, ioctl(self->fd, _IOWR(IOMMU_INV_TYPE, 0x3f,
						   struct iommu_inv_test_cmd),
				   &cmd));
}

TEST_F(nomock, mock_type_not_offered)
{
	struct iommu_inv_info info;
	__u32 id;

	ASSERT_EQ(0, _test_get_info(self->fd, 0, &info));
	ASSERT_EQ(0, info.out_hwpt_types & (1ULL << IOMMU_INV_HWPT_MOCK));
	EXPECT_ERRNO(EOPNOTSUPP,
		     _test_get_info(self->fd, IOMMU_INV_HWPT_MOCK, &info));
	EXPECT_ERRNO(EOPNOTSUPP, _test_hwpt_alloc_mock(self->fd, 8, &id));
}

/* The VT-d type is offered, but its software model queue is not. */
TEST_F(nomock, vtd_model_queue_not_offered)
{
	struct iommu_inv_info info;
	__u32 id;

	ASSERT_EQ(0, _test_get_info(self->fd, 0, &info));
	ASSERT_NE(0, info.out_hwpt_types & (1ULL << IOMMU_INV_HWPT_VTD_S1));
	EXPECT_ERRNO(EOPNOTSUPP, vtd_alloc(self->fd, IOMMU_INV_VTD_QUEUE_MODEL,
					   1, 0, 1, &id));
}

/*
 * GET_INFO's VT-d queue kinds agree with HWPT_ALLOC: no model without
 * mock=1; the HOST queue (in-tree builds only) is there exactly when the
 * bit says, EOPNOTSUPP otherwise.
 */
TEST_F(nomock, vtd_queues_as_info_says)
{
	struct iommu_inv_info info;
	__u32 id;
	int rc;

	ASSERT_EQ(0, _test_get_info(self->fd, IOMMU_INV_HWPT_VTD_S1, &info));
	EXPECT_EQ(0, info.out_vtd_queues & (1ULL << IOMMU_INV_VTD_QUEUE_MODEL));
	rc = vtd_alloc(self->fd, IOMMU_INV_VTD_QUEUE_HOST, 0, 0, 1, &id);
	if (info.out_vtd_queues & (1ULL << IOMMU_INV_VTD_QUEUE_HOST)) {
		ASSERT_EQ(0, rc);
		EXPECT_EQ(0, _test_destroy(self->fd, id));
	} else {
		EXPECT_EQ(-1, rc);
		EXPECT_EQ(EOPNOTSUPP, errno);
	}
}

/* Nor is the SMMUv3 command-queue model. */
TEST_F(nomock, smmu_model_queue_not_offered)
{
	struct iommu_inv_hwpt_smmuv3_s1 cfg = {
		.queue = IOMMU_INV_SMMU_QUEUE_MODEL, .vmid = 1,
	};
	__u32 id;

	EXPECT_ERRNO(EOPNOTSUPP, _test_hwpt_alloc(self->fd,
						  IOMMU_INV_HWPT_SMMUV3_S1,
						  &cfg, sizeof(cfg), &id));
}

TEST_F(nomock, device_node_is_root_only)
{
	struct stat st;

	ASSERT_EQ(0, stat(DEV_PATH, &st));
	ASSERT_TRUE(S_ISCHR(st.st_mode));
	ASSERT_EQ(0600, st.st_mode & 07777);
	ASSERT_EQ(0, st.st_uid);
}

TEST_HARNESS_MAIN
