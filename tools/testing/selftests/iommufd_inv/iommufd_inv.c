// SPDX-License-Identifier: GPL-2.0
/*
 * Selftests of /dev/iommu-inv on the mock HWPT type: the module must be
 * loaded with mock=1.
 */
#include <stddef.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "kselftest_harness.h"
#include "iommufd_inv_utils.h"

#define MOCK_VIRT_A 0x10
#define MOCK_VIRT_B 0x20
#define TOP_PAGE (~0ULL - PAGE + 1)

/* ---------------------------------------------------------------------
 * The device and GET_INFO
 */
FIXTURE(iommufd_inv) {
	int fd;
};

FIXTURE_SETUP(iommufd_inv)
{
	self->fd = open(DEV_PATH, O_RDWR);
	ASSERT_NE(-1, self->fd);
}

FIXTURE_TEARDOWN(iommufd_inv)
{
	close(self->fd);
}

TEST_F(iommufd_inv, dev_node_is_char_0600)
{
	struct stat st;

	ASSERT_EQ(0, stat(DEV_PATH, &st));
	ASSERT_TRUE(S_ISCHR(st.st_mode));
	ASSERT_EQ(0600, st.st_mode & 07777);
}

TEST_F(iommufd_inv, get_info_global)
{
	struct iommu_inv_info info;

	ASSERT_EQ(0, _test_get_info(self->fd, 0, &info));
	ASSERT_EQ(IOMMU_INV_UAPI_VERSION, info.out_uapi_version);
	ASSERT_EQ(IOMMU_INV_MAX_ENTRIES, info.out_max_entries);
	ASSERT_EQ(IOMMU_INV_MAX_ENTRY_LEN, info.out_max_entry_len);
	ASSERT_TRUE(info.out_hwpt_types & (1ULL << IOMMU_INV_HWPT_MOCK));
	ASSERT_FALSE(info.out_hwpt_types & 1);
	/* Per-type fields are zero without a type. */
	ASSERT_EQ(0, info.out_entry_types);
	ASSERT_EQ(0, info.out_granule_log2);
	ASSERT_EQ(0, info.out_max_vdevs);
	ASSERT_LT(0, info.out_max_objects);
}

TEST_F(iommufd_inv, get_info_mock_type)
{
	struct iommu_inv_info info;
	__u64 generic = 0;
	int t;

	for (t = IOMMU_INV_ENTRY_IOTLB_ALL;
	     t <= IOMMU_INV_ENTRY_PASID_CACHE_PASID; t++)
		generic |= 1ULL << t;
	ASSERT_EQ(0, _test_get_info(self->fd, IOMMU_INV_HWPT_MOCK, &info));
	ASSERT_EQ(generic, info.out_entry_types);
	ASSERT_EQ(12, info.out_granule_log2);
	ASSERT_LT(0, info.out_max_vdevs);
}

TEST_F(iommufd_inv, get_info_unknown_type)
{
	struct iommu_inv_info info;

	EXPECT_ERRNO(EOPNOTSUPP, _test_get_info(self->fd, 63, &info));
	EXPECT_ERRNO(EOPNOTSUPP, _test_get_info(self->fd, 0xffffffff, &info));
}

TEST_F(iommufd_inv, get_info_flags_and_reserved)
{
	struct iommu_inv_info info = { .size = sizeof(info), .flags = 1 };

	EXPECT_ERRNO(EOPNOTSUPP, ioctl(self->fd, IOMMU_INV_GET_INFO, &info));
	info.flags = 0;
	info.__reserved = 1;
	EXPECT_ERRNO(EOPNOTSUPP, ioctl(self->fd, IOMMU_INV_GET_INFO, &info));
	/* A rejected call writes nothing back. */
	ASSERT_EQ(0, info.out_uapi_version);
}

TEST_F(iommufd_inv, unknown_ioctl)
{
	__u32 size = 8;

	EXPECT_ERRNO(ENOTTY, ioctl(self->fd, _IO(IOMMU_INV_TYPE, 0x20), &size));
	EXPECT_ERRNO(ENOTTY, ioctl(self->fd, _IO(IOMMU_INV_TYPE, 0x3e), &size));
	/* Right number, wrong encoding. */
	EXPECT_ERRNO(ENOTTY, ioctl(self->fd, _IOW(IOMMU_INV_TYPE, 0, __u32),
				   &size));
}

/* ---------------------------------------------------------------------
 * HWPT allocation
 */
TEST_F(iommufd_inv, hwpt_alloc_mock)
{
	struct iommu_inv_hwpt_info info;
	__u32 a, b;

	test_hwpt_alloc_mock(20, &a);
	test_hwpt_alloc_mock(8, &b);
	ASSERT_NE(0, a);
	ASSERT_NE(a, b);
	ASSERT_EQ(0, _test_hwpt_info(self->fd, a, &info));
	ASSERT_EQ(IOMMU_INV_HWPT_MOCK, info.out_hwpt_type);
	ASSERT_EQ(0, info.out_num_vdevs);
	ASSERT_EQ(0, info.out_calls);
	ASSERT_EQ(2, _test_num_objects(self->fd));
}

TEST_F(iommufd_inv, hwpt_alloc_unknown_type)
{
	struct iommu_inv_hwpt_mock cfg = { .pasid_bits = 20 };

	EXPECT_ERRNO(EOPNOTSUPP, _test_hwpt_alloc(self->fd, 0, &cfg,
						  sizeof(cfg), NULL));
	EXPECT_ERRNO(EOPNOTSUPP, _test_hwpt_alloc(self->fd, 99, &cfg,
						  sizeof(cfg), NULL));
	ASSERT_EQ(0, _test_num_objects(self->fd));
}

TEST_F(iommufd_inv, hwpt_alloc_flags_and_reserved)
{
	struct iommu_inv_hwpt_mock cfg = { .pasid_bits = 20 };
	struct iommu_inv_hwpt_alloc cmd = {
		.size = sizeof(cmd),
		.flags = 1,
		.hwpt_type = IOMMU_INV_HWPT_MOCK,
		.data_uptr = (uintptr_t)&cfg,
		.data_len = sizeof(cfg),
	};

	EXPECT_ERRNO(EOPNOTSUPP, ioctl(self->fd, IOMMU_INV_HWPT_ALLOC, &cmd));
	cmd.flags = 0;
	cmd.__reserved = 1;
	EXPECT_ERRNO(EOPNOTSUPP, ioctl(self->fd, IOMMU_INV_HWPT_ALLOC, &cmd));
	cmd.__reserved = 0;
	cfg.flags = 1;
	EXPECT_ERRNO(EOPNOTSUPP, ioctl(self->fd, IOMMU_INV_HWPT_ALLOC, &cmd));
	ASSERT_EQ(0, _test_num_objects(self->fd));
}

TEST_F(iommufd_inv, hwpt_alloc_config_values)
{
	EXPECT_ERRNO(EINVAL, _test_hwpt_alloc_mock(self->fd, 0, NULL));
	EXPECT_ERRNO(EINVAL, _test_hwpt_alloc_mock(self->fd, 21, NULL));
	ASSERT_EQ(0, _test_hwpt_alloc_mock(self->fd, 1, NULL));
	ASSERT_EQ(0, _test_hwpt_alloc_mock(self->fd, 20, NULL));
}

TEST_F(iommufd_inv, hwpt_alloc_config_sizes)
{
	struct {
		struct iommu_inv_hwpt_mock cfg;
		__u64 tail;
	} big = { .cfg = { .pasid_bits = 20 } };

	/* Older, shorter config: pasid_bits reads as 0, which is invalid. */
	EXPECT_ERRNO(EINVAL, _test_hwpt_alloc(self->fd, IOMMU_INV_HWPT_MOCK,
					      &big, 4, NULL));
	EXPECT_ERRNO(EINVAL, _test_hwpt_alloc(self->fd, IOMMU_INV_HWPT_MOCK,
					      NULL, 0, NULL));
	/* Newer, longer config with a zero tail works... */
	ASSERT_EQ(0, _test_hwpt_alloc(self->fd, IOMMU_INV_HWPT_MOCK, &big,
				      sizeof(big), NULL));
	/* ...and with a non-zero tail does not. */
	big.tail = 1;
	EXPECT_ERRNO(E2BIG, _test_hwpt_alloc(self->fd, IOMMU_INV_HWPT_MOCK,
					     &big, sizeof(big), NULL));
	ASSERT_EQ(1, _test_num_objects(self->fd));
}

TEST_F(iommufd_inv, hwpt_alloc_config_fault)
{
	void *hole = map_with_hole(1);

	ASSERT_NE(NULL, hole);
	EXPECT_ERRNO(EFAULT, _test_hwpt_alloc(self->fd, IOMMU_INV_HWPT_MOCK,
					      hole, 8, NULL));
	ASSERT_EQ(0, _test_num_objects(self->fd));
}

TEST_F(iommufd_inv, hwpt_alloc_reply_fault_leaves_nothing)
{
	struct iommu_inv_hwpt_mock cfg = { .pasid_bits = 20 };
	struct iommu_inv_hwpt_alloc *cmd;

	/* The argument is readable but not writable: the object is undone. */
	cmd = mmap(NULL, PAGE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, cmd);
	cmd->size = sizeof(*cmd);
	cmd->hwpt_type = IOMMU_INV_HWPT_MOCK;
	cmd->data_uptr = (uintptr_t)&cfg;
	cmd->data_len = sizeof(cfg);
	ASSERT_EQ(0, mprotect(cmd, PAGE, PROT_READ));
	EXPECT_ERRNO(EFAULT, ioctl(self->fd, IOMMU_INV_HWPT_ALLOC, cmd));
	ASSERT_EQ(0, _test_num_objects(self->fd));
	munmap(cmd, PAGE);
}

/* ---------------------------------------------------------------------
 * Virtual devices, destroy, object lifetime
 */
TEST_F(iommufd_inv, vdev_alloc)
{
	struct iommu_inv_hwpt_info info;
	__u32 hwpt, v1, v2;

	test_hwpt_alloc_mock(20, &hwpt);
	test_vdev_alloc(hwpt, 1, &v1);
	test_vdev_alloc(hwpt, 2, &v2);
	ASSERT_NE(v1, v2);
	ASSERT_EQ(0, _test_hwpt_info(self->fd, hwpt, &info));
	ASSERT_EQ(2, info.out_num_vdevs);
	ASSERT_EQ(3, _test_num_objects(self->fd));
}

TEST_F(iommufd_inv, vdev_alloc_duplicate_virt_id)
{
	__u32 hwpt, other;

	test_hwpt_alloc_mock(20, &hwpt);
	test_hwpt_alloc_mock(20, &other);
	test_vdev_alloc(hwpt, 7, NULL);
	EXPECT_ERRNO(EEXIST, _test_vdev_alloc(self->fd, hwpt, 7, NULL));
	ASSERT_EQ(3, _test_num_objects(self->fd));
	/* The same virtual ID behind another HWPT is another device. */
	test_vdev_alloc(other, 7, NULL);
}

TEST_F(iommufd_inv, vdev_alloc_bad_hwpt)
{
	__u32 hwpt, vdev;

	EXPECT_ERRNO(ENOENT, _test_vdev_alloc(self->fd, 0, 1, NULL));
	EXPECT_ERRNO(ENOENT, _test_vdev_alloc(self->fd, 1000, 1, NULL));
	test_hwpt_alloc_mock(20, &hwpt);
	test_vdev_alloc(hwpt, 1, &vdev);
	/* An ID of the wrong object type. */
	EXPECT_ERRNO(ENOENT, _test_vdev_alloc(self->fd, vdev, 2, NULL));
	ASSERT_EQ(2, _test_num_objects(self->fd));
}

TEST_F(iommufd_inv, vdev_alloc_flags)
{
	struct iommu_inv_vdev_alloc cmd = { .size = sizeof(cmd), .flags = 1 };

	test_hwpt_alloc_mock(20, &cmd.hwpt_id);
	EXPECT_ERRNO(EOPNOTSUPP, ioctl(self->fd, IOMMU_INV_VDEV_ALLOC, &cmd));
	ASSERT_EQ(1, _test_num_objects(self->fd));
}

TEST_F(iommufd_inv, vdev_cap_per_hwpt)
{
	struct iommu_inv_info info;
	__u32 hwpt, i;

	ASSERT_EQ(0, _test_get_info(self->fd, IOMMU_INV_HWPT_MOCK, &info));
	test_hwpt_alloc_mock(20, &hwpt);
	for (i = 0; i < info.out_max_vdevs; i++)
		test_vdev_alloc(hwpt, i, NULL);
	EXPECT_ERRNO(ENOSPC, _test_vdev_alloc(self->fd, hwpt, i, NULL));
	ASSERT_EQ(1 + info.out_max_vdevs, _test_num_objects(self->fd));
}

TEST_F(iommufd_inv, object_cap_per_file)
{
	struct iommu_inv_info info;
	__u32 i;

	ASSERT_EQ(0, _test_get_info(self->fd, 0, &info));
	for (i = 0; i < info.out_max_objects; i++)
		ASSERT_EQ(0, _test_hwpt_alloc_mock(self->fd, 20, NULL));
	EXPECT_ERRNO(ENOSPC, _test_hwpt_alloc_mock(self->fd, 20, NULL));
	ASSERT_EQ(info.out_max_objects, _test_num_objects(self->fd));
}

TEST_F(iommufd_inv, destroy_bad_id)
{
	__u32 hwpt;

	EXPECT_ERRNO(ENOENT, _test_destroy(self->fd, 0));
	EXPECT_ERRNO(ENOENT, _test_destroy(self->fd, 12345));
	test_hwpt_alloc_mock(20, &hwpt);
	test_destroy(hwpt);
	EXPECT_ERRNO(ENOENT, _test_destroy(self->fd, hwpt));
	ASSERT_EQ(0, _test_num_objects(self->fd));
}

TEST_F(iommufd_inv, destroy_while_referenced)
{
	struct iommu_inv_hwpt_info info;
	__u32 hwpt, vdev;

	test_hwpt_alloc_mock(20, &hwpt);
	test_vdev_alloc(hwpt, 1, &vdev);
	EXPECT_ERRNO(EBUSY, _test_destroy(self->fd, hwpt));
	/* Still fully usable. */
	ASSERT_EQ(0, _test_hwpt_info(self->fd, hwpt, &info));
	ASSERT_EQ(1, info.out_num_vdevs);
	test_destroy(vdev);
	ASSERT_EQ(0, _test_hwpt_info(self->fd, hwpt, &info));
	ASSERT_EQ(0, info.out_num_vdevs);
	test_destroy(hwpt);
	ASSERT_EQ(0, _test_num_objects(self->fd));
}

TEST_F(iommufd_inv, hwpt_info_bad_id)
{
	struct iommu_inv_hwpt_info info;
	__u32 hwpt, vdev;

	EXPECT_ERRNO(ENOENT, _test_hwpt_info(self->fd, 99, &info));
	test_hwpt_alloc_mock(20, &hwpt);
	test_vdev_alloc(hwpt, 1, &vdev);
	EXPECT_ERRNO(ENOENT, _test_hwpt_info(self->fd, vdev, &info));
}

static int module_refcount(void)
{
	char line[256], name[64];
	int size, refs = -1;
	FILE *f = fopen("/proc/modules", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%63s %d %d", name, &size, &refs) == 3 &&
		    !strcmp(name, "iommufd_inv"))
			break;
	fclose(f);
	return refs;
}

TEST_F(iommufd_inv, close_with_live_objects)
{
	int before = module_refcount();
	__u32 hwpt, i;
	int fd2;

	ASSERT_LE(1, before);
	fd2 = open(DEV_PATH, O_RDWR);
	ASSERT_NE(-1, fd2);
	ASSERT_EQ(before + 1, module_refcount());
	ASSERT_EQ(0, _test_hwpt_alloc_mock(fd2, 20, &hwpt));
	for (i = 0; i < 10; i++)
		ASSERT_EQ(0, _test_vdev_alloc(fd2, hwpt, i, NULL));
	ASSERT_EQ(0, _test_hwpt_alloc_mock(fd2, 20, NULL));
	/* Closing tears down devices, then the HWPTs they held. */
	ASSERT_EQ(0, close(fd2));
	ASSERT_EQ(before, module_refcount());
}

/*
 * Call @cmd with its structure followed by 64 zero bytes (size says so, as
 * a newer program's would): the kernel must write nothing past its own
 * structure, and no word it writes may look like a kernel address.
 */
static int call_padded(int fd, unsigned long cmd, const void *arg,
		       size_t len, void *out)
{
	__u8 buf[512] = { 0 };
	size_t i;
	int rc;

	memcpy(buf, arg, len);
	*(__u32 *)buf = len + 64;
	rc = ioctl(fd, cmd, buf) ? -errno : 0;
	for (i = len; i < len + 64; i++)
		if (buf[i])
			return -EPROTO;
	for (i = 0; i + 8 <= len; i += 8)
		if (*(__u64 *)(buf + i) >= 0xffff800000000000ULL)
			return -EPROTO;
	memcpy(out, buf, len);
	return rc;
}

TEST_F(iommufd_inv, kernel_writes_no_stray_bytes)
{
	struct iommu_inv_hwpt_mock cfg = { .pasid_bits = 8 };
	struct iommu_inv_hwpt_alloc alloc = {
		.hwpt_type = IOMMU_INV_HWPT_MOCK,
		.data_uptr = (uintptr_t)&cfg,
		.data_len = sizeof(cfg),
	};
	struct iommu_inv_info info = { 0 };
	struct iommu_inv_vdev_alloc vdev = { .virt_id = 3 };
	struct iommu_inv_hwpt_info hi = { 0 };
	struct iommu_inv_hwpt_invalidate inv;
	struct iommu_inv_result res[4];
	struct ebuf b;

	ASSERT_EQ(0, call_padded(self->fd, IOMMU_INV_GET_INFO, &info,
				 sizeof(info), &info));
	ASSERT_EQ(0, info.flags);
	ASSERT_EQ(0, info.__reserved);
	ASSERT_EQ(0, call_padded(self->fd, IOMMU_INV_HWPT_ALLOC, &alloc,
				 sizeof(alloc), &alloc));
	ASSERT_EQ(0, alloc.__reserved);
	vdev.hwpt_id = alloc.out_hwpt_id;
	ASSERT_EQ(0, call_padded(self->fd, IOMMU_INV_VDEV_ALLOC, &vdev,
				 sizeof(vdev), &vdev));
	hi.hwpt_id = alloc.out_hwpt_id;
	ASSERT_EQ(0, call_padded(self->fd, IOMMU_INV_HWPT_INFO, &hi,
				 sizeof(hi), &hi));
	ASSERT_EQ(1, hi.out_num_vdevs);

	/* A result is written whole, reserved word zero, and no more. */
	ebuf_init(&b, 64);
	e_iotlb_all(&b);
	e_devtlb_pasid(&b, 9, 0);
	memset(res, 0xff, sizeof(res));
	inv_fill(&inv, alloc.out_hwpt_id, &b, 0, res, ARRAY_SIZE(res));
	ASSERT_EQ(-ENODEV, call_padded(self->fd, IOMMU_INV_HWPT_INVALIDATE,
				       &inv, sizeof(inv), &inv));
	ASSERT_EQ(1, inv.out_results);
	ASSERT_EQ(1, res[0].index);
	ASSERT_EQ(-ENODEV, res[0].error);
	ASSERT_EQ(0, res[0].hw_error);
	ASSERT_EQ(0, res[0].__reserved);
	ASSERT_EQ(0xffffffff, res[1].index);
	ASSERT_EQ(0xffffffff, res[1].__reserved);
	free(b.data);
}

TEST_F(iommufd_inv, two_files_are_isolated)
{
	struct iommu_inv_hwpt_info info;
	__u32 hwpt, hwpt2;
	int fd2;

	test_hwpt_alloc_mock(20, &hwpt);
	fd2 = open(DEV_PATH, O_RDWR);
	ASSERT_NE(-1, fd2);
	EXPECT_ERRNO(ENOENT, _test_hwpt_info(fd2, hwpt, &info));
	EXPECT_ERRNO(ENOENT, _test_destroy(fd2, hwpt));
	EXPECT_ERRNO(ENOENT, _test_vdev_alloc(fd2, hwpt, 1, NULL));
	ASSERT_EQ(0, _test_num_objects(fd2));
	ASSERT_EQ(0, _test_hwpt_alloc_mock(fd2, 20, &hwpt2));
	/* IDs are per file: the second file's first ID is the same number. */
	ASSERT_EQ(hwpt, hwpt2);
	ASSERT_EQ(1, _test_num_objects(self->fd));
	close(fd2);
	ASSERT_EQ(0, _test_hwpt_info(self->fd, hwpt, &info));
}

/* ---------------------------------------------------------------------
 * Argument sizes, for every ioctl
 */
FIXTURE(sizes) {
	int fd;
	__u32 hwpt_id;
};

FIXTURE_VARIANT(sizes) {
	unsigned long ioctl;
	/* The smallest size accepted (the first version's). */
	size_t ksize;
	/* The size the kernel knows now, when more than @ksize. */
	size_t cursize;
	/* Write a valid argument of ksize bytes at @buf. */
	void (*fill)(int fd, __u32 hwpt_id, void *buf);
};

static struct iommu_inv_hwpt_mock sizes_cfg = { .pasid_bits = 20 };

static void fill_get_info(int fd, __u32 hwpt_id, void *buf)
{
	struct iommu_inv_info *cmd = buf;

	cmd->hwpt_type = IOMMU_INV_HWPT_MOCK;
}

static void fill_hwpt_alloc(int fd, __u32 hwpt_id, void *buf)
{
	struct iommu_inv_hwpt_alloc *cmd = buf;

	cmd->hwpt_type = IOMMU_INV_HWPT_MOCK;
	cmd->data_uptr = (uintptr_t)&sizes_cfg;
	cmd->data_len = sizeof(sizes_cfg);
}

static void fill_vdev_alloc(int fd, __u32 hwpt_id, void *buf)
{
	static __u32 virt_id;
	struct iommu_inv_vdev_alloc *cmd = buf;

	cmd->hwpt_id = hwpt_id;
	cmd->virt_id = ++virt_id;
}

static void fill_destroy(int fd, __u32 hwpt_id, void *buf)
{
	struct iommu_inv_destroy *cmd = buf;

	_test_hwpt_alloc_mock(fd, 20, &cmd->id);
}

static void fill_invalidate(int fd, __u32 hwpt_id, void *buf)
{
	struct iommu_inv_hwpt_invalidate *cmd = buf;

	cmd->hwpt_id = hwpt_id;
}

static void fill_hwpt_info(int fd, __u32 hwpt_id, void *buf)
{
	struct iommu_inv_hwpt_info *cmd = buf;

	cmd->hwpt_id = hwpt_id;
}

static void fill_test(int fd, __u32 hwpt_id, void *buf)
{
	struct iommu_inv_test_cmd *cmd = buf;

	cmd->op = IOMMU_INV_TEST_OP_NUM_OBJECTS;
}

FIXTURE_VARIANT_ADD(sizes, get_info) {
	.ioctl = IOMMU_INV_GET_INFO,
	/* The first version's size: out_vtd_queues came later. */
	.ksize = offsetof(struct iommu_inv_info, out_vtd_queues),
	.cursize = sizeof(struct iommu_inv_info),
	.fill = fill_get_info,
};

FIXTURE_VARIANT_ADD(sizes, hwpt_alloc) {
	.ioctl = IOMMU_INV_HWPT_ALLOC,
	.ksize = sizeof(struct iommu_inv_hwpt_alloc),
	.fill = fill_hwpt_alloc,
};

FIXTURE_VARIANT_ADD(sizes, vdev_alloc) {
	.ioctl = IOMMU_INV_VDEV_ALLOC,
	.ksize = sizeof(struct iommu_inv_vdev_alloc),
	.fill = fill_vdev_alloc,
};

FIXTURE_VARIANT_ADD(sizes, destroy) {
	.ioctl = IOMMU_INV_DESTROY,
	.ksize = sizeof(struct iommu_inv_destroy),
	.fill = fill_destroy,
};

FIXTURE_VARIANT_ADD(sizes, invalidate) {
	.ioctl = IOMMU_INV_HWPT_INVALIDATE,
	.ksize = sizeof(struct iommu_inv_hwpt_invalidate),
	.fill = fill_invalidate,
};

FIXTURE_VARIANT_ADD(sizes, hwpt_info) {
	.ioctl = IOMMU_INV_HWPT_INFO,
	.ksize = sizeof(struct iommu_inv_hwpt_info),
	.fill = fill_hwpt_info,
};

FIXTURE_VARIANT_ADD(sizes, test) {
	.ioctl = IOMMU_INV_TEST,
	.ksize = sizeof(struct iommu_inv_test_cmd),
	.fill = fill_test,
};

FIXTURE_SETUP(sizes)
{
	self->fd = open(DEV_PATH, O_RDWR);
	ASSERT_NE(-1, self->fd);
	test_hwpt_alloc_mock(20, &self->hwpt_id);
}

FIXTURE_TEARDOWN(sizes)
{
	close(self->fd);
}

/* A valid argument of user size @size in a zeroed 512-byte buffer. */
static void *sizes_arg(int fd, __u32 hwpt_id,
		       void (*fill)(int fd, __u32 hwpt_id, void *buf),
		       __u32 size)
{
	static __u64 buf[64];

	memset(buf, 0, sizeof(buf));
	fill(fd, hwpt_id, buf);
	memcpy(buf, &size, sizeof(size));
	return buf;
}

TEST_F(sizes, exact)
{
	void *arg = sizes_arg(self->fd, self->hwpt_id, variant->fill, variant->ksize);

	ASSERT_EQ(0, ioctl(self->fd, variant->ioctl, arg));
}

TEST_F(sizes, too_small)
{
	void *arg = sizes_arg(self->fd, self->hwpt_id, variant->fill,
			      variant->ksize - 4);

	EXPECT_ERRNO(EINVAL, ioctl(self->fd, variant->ioctl, arg));
	arg = sizes_arg(self->fd, self->hwpt_id, variant->fill, 0);
	EXPECT_ERRNO(EINVAL, ioctl(self->fd, variant->ioctl, arg));
}

TEST_F(sizes, larger_with_zero_tail)
{
	size_t size = variant->cursize ?: variant->ksize;
	__u8 *arg = sizes_arg(self->fd, self->hwpt_id, variant->fill,
			      size + 64);
	int i;

	ASSERT_EQ(0, ioctl(self->fd, variant->ioctl, arg));
	/* The kernel writes no more than it knows now. */
	for (i = 0; i < 64; i++)
		ASSERT_EQ(0, arg[size + i]);
}

TEST_F(sizes, larger_with_nonzero_tail)
{
	__u8 *arg = sizes_arg(self->fd, self->hwpt_id, variant->fill,
			      variant->ksize + 16);

	arg[variant->ksize + 15] = 1;
	EXPECT_ERRNO(E2BIG, ioctl(self->fd, variant->ioctl, arg));
}

TEST_F(sizes, unreadable)
{
	__u8 *hole = map_with_hole(2);

	ASSERT_NE(NULL, hole);
	/* The size word itself is unreadable. */
	EXPECT_ERRNO(EFAULT, ioctl(self->fd, variant->ioctl, hole + PAGE));
	/* The size is readable, the rest is not. */
	*(__u32 *)(hole + PAGE - 4) = variant->ksize;
	EXPECT_ERRNO(EFAULT, ioctl(self->fd, variant->ioctl, hole + PAGE - 4));
	munmap(hole, PAGE);
}

/* ---------------------------------------------------------------------
 * Invalidation on the mock
 */
FIXTURE(inv) {
	int fd;
	__u32 hwpt_id;
	__u32 vdev_a;
	__u32 vdev_b;
	struct ebuf b;
	struct iommu_inv_result res[16];
	struct iommu_inv_hwpt_invalidate inv;
};

FIXTURE_SETUP(inv)
{
	self->fd = open(DEV_PATH, O_RDWR);
	ASSERT_NE(-1, self->fd);
	test_hwpt_alloc_mock(20, &self->hwpt_id);
	test_vdev_alloc(self->hwpt_id, MOCK_VIRT_A, &self->vdev_a);
	test_vdev_alloc(self->hwpt_id, MOCK_VIRT_B, &self->vdev_b);
	ebuf_init(&self->b, 4 << 20);
	memset(self->res, 0xa5, sizeof(self->res));
}

FIXTURE_TEARDOWN(inv)
{
	free(self->b.data);
	close(self->fd);
}

TEST_F(inv, empty_array)
{
	ASSERT_EQ(0, test_inv(0));
	ASSERT_EQ(0, self->inv.out_processed);
	ASSERT_EQ(0, self->inv.out_first_error);
	ASSERT_EQ(0, self->inv.out_num_failed);
	ASSERT_EQ(0, self->inv.out_results);
}

TEST_F(inv, bad_hwpt_id)
{
	e_iotlb_all(&self->b);
	EXPECT_ERRNO(ENOENT, _test_inv(self->fd, 999, &self->b, 0, self->res,
				       1, &self->inv));
	/* A device's ID is not a HWPT's. */
	EXPECT_ERRNO(ENOENT, _test_inv(self->fd, self->vdev_a, &self->b, 0,
				       self->res, 1, &self->inv));
	ASSERT_EQ(0, self->inv.out_num_failed);
	ASSERT_EQ(0, test_seen(IOMMU_INV_ENTRY_IOTLB_ALL));
}

TEST_F(inv, unknown_call_flags)
{
	e_iotlb_all(&self->b);
	EXPECT_ERRNO(EOPNOTSUPP, test_inv(1U << 1));
	EXPECT_ERRNO(EOPNOTSUPP, test_inv(1U << 31));
	ASSERT_EQ(0, test_seen(IOMMU_INV_ENTRY_IOTLB_ALL));
}

TEST_F(inv, entry_cap)
{
	struct iommu_inv_info info;
	__u32 i;

	ASSERT_EQ(0, _test_get_info(self->fd, 0, &info));
	for (i = 0; i < info.out_max_entries; i++)
		e_iotlb_all(&self->b);
	test_inv_ok();
	ASSERT_EQ(info.out_max_entries, test_seen(IOMMU_INV_ENTRY_IOTLB_ALL));

	/* One more is refused whole: nothing is carried out. */
	e_iotlb_all(&self->b);
	EXPECT_ERRNO(EMSGSIZE, test_inv(0));
	ASSERT_EQ(0, self->inv.out_processed);
	ASSERT_EQ(info.out_max_entries, test_seen(IOMMU_INV_ENTRY_IOTLB_ALL));
}

TEST_F(inv, results_not_user_memory)
{
	e_iotlb_all(&self->b);
	self->inv.size = sizeof(self->inv);
	EXPECT_ERRNO(EFAULT, _test_inv(self->fd, self->hwpt_id, &self->b, 0,
				       (void *)(~0UL - 4095), 4, &self->inv));
	ASSERT_EQ(0, test_seen(IOMMU_INV_ENTRY_IOTLB_ALL));
}

/*
 * Room past entry_num is never written, so it need not be user memory:
 * results_num U32_MAX with the results on the last user page is fine
 * (results_num * 16 would pass the end of user space, and would wrap a
 * 32-bit size_t). Past entry_num results, the rule still applies.
 */
TEST_F(inv, results_room_past_entry_num)
{
	static const unsigned long tops[] = {
		1UL << 56, 1UL << 52, 1UL << 48, 1UL << 47,
	};
	struct iommu_inv_result *res = MAP_FAILED;
	bool edge = false, beyond;
	unsigned int i, j;

	/*
	 * The last mappable page below the top of user space; edge if the
	 * page after it is past the end (refused as such, not occupied).
	 */
	beyond = false;
	for (i = 0; i < ARRAY_SIZE(tops) && res == MAP_FAILED; i++) {
		for (j = 1; j < 64 && res == MAP_FAILED; j++) {
			res = mmap((void *)(tops[i] - j * PAGE), PAGE,
				   PROT_READ | PROT_WRITE,
				   MAP_PRIVATE | MAP_ANONYMOUS |
				   MAP_FIXED_NOREPLACE, -1, 0);
			if (res == MAP_FAILED)
				beyond = errno != EEXIST;
			else
				edge = beyond;
		}
	}
	ASSERT_NE(MAP_FAILED, res);

	e_iotlb_all(&self->b);
	e_iotlb_pasid(&self->b, 1);
	test_inject(1, -EIO, 0x1234);
	errno = 0;
	EXPECT_EQ(-1, _test_inv(self->fd, self->hwpt_id, &self->b,
				IOMMU_INV_FLAG_CONTINUE, res, 0xffffffff,
				&self->inv));
	EXPECT_EQ(EIO, errno);
	EXPECT_EQ(1, self->inv.out_results);
	EXPECT_EQ(1, res[0].index);
	EXPECT_EQ(0x1234, res[0].hw_error);
	EXPECT_EQ(1, test_seen(IOMMU_INV_ENTRY_IOTLB_ALL));

	/*
	 * Is the page past it outside user space for the kernel too? (Not
	 * on arm64 with 52-bit kernel VAs on a 48-bit CPU.)
	 */
	if (edge) {
		errno = 0;
		edge = _test_inv(self->fd, self->hwpt_id, &self->b, 0,
				 (void *)res + PAGE, 0xffffffff,
				 &self->inv) == -1 && errno == EFAULT;
	}
	/* Two entries' results do not fit on the page's last 16 bytes. */
	if (edge)
		EXPECT_ERRNO(EFAULT, _test_inv(self->fd, self->hwpt_id,
					       &self->b, 0,
					       (void *)res + PAGE - 16,
					       0xffffffff, &self->inv));
	munmap(res, PAGE);
	if (!edge)
		SKIP(return, "no page found at the very top of user space");
}

TEST_F(inv, iotlb_all)
{
	test_fill(IOMMU_INV_MOCK_IOTLB, 0, 1, 0x1000, PAGE);
	test_fill(IOMMU_INV_MOCK_IOTLB, 0, 2, 0x5000, PAGE);
	test_fill(IOMMU_INV_MOCK_PWC, 0, 2, 0, 1 << 21);
	test_fill(IOMMU_INV_MOCK_DEVTLB, MOCK_VIRT_A, 1, 0x1000, PAGE);
	e_iotlb_all(&self->b);
	test_inv_ok();
	ASSERT_EQ(0, test_valid(IOMMU_INV_MOCK_IOTLB));
	ASSERT_EQ(0, test_valid(IOMMU_INV_MOCK_PWC));
	/* The device TLB is another cache. */
	ASSERT_EQ(1, test_valid(IOMMU_INV_MOCK_DEVTLB));
	ASSERT_EQ(1, test_seen(IOMMU_INV_ENTRY_IOTLB_ALL));
}

TEST_F(inv, iotlb_pasid)
{
	test_fill(IOMMU_INV_MOCK_IOTLB, 0, 1, 0x1000, PAGE);	/* slot 0 */
	test_fill(IOMMU_INV_MOCK_IOTLB, 0, 2, 0x1000, PAGE);	/* slot 1 */
	test_fill(IOMMU_INV_MOCK_IOTLB, 0, 1, 0x9000, PAGE);	/* slot 2 */
	test_fill(IOMMU_INV_MOCK_PWC, 0, 1, 0, 1 << 21);	/* slot 0 */
	e_iotlb_pasid(&self->b, 1);
	test_inv_ok();
	ASSERT_EQ(0x2, test_valid(IOMMU_INV_MOCK_IOTLB));
	ASSERT_EQ(0, test_valid(IOMMU_INV_MOCK_PWC));
}

TEST_F(inv, iotlb_range_overlap)
{
	test_fill(IOMMU_INV_MOCK_IOTLB, 0, 1, 0x0000, PAGE);	/* before */
	test_fill(IOMMU_INV_MOCK_IOTLB, 0, 1, 0x1000, PAGE);	/* first */
	test_fill(IOMMU_INV_MOCK_IOTLB, 0, 1, 0x2000, 0x4000);	/* straddles */
	test_fill(IOMMU_INV_MOCK_IOTLB, 0, 1, 0x4000, PAGE);	/* after */
	test_fill(IOMMU_INV_MOCK_IOTLB, 0, 3, 0x1000, PAGE);	/* other pasid */
	/* Bytes [0x1000, 0x3000). */
	e_iotlb_range(&self->b, 1, 0x1000, 0x2000, 0);
	test_inv_ok();
	ASSERT_EQ(0x1 | 0x8 | 0x10, test_valid(IOMMU_INV_MOCK_IOTLB));
}

TEST_F(inv, iotlb_range_leaf_keeps_pwc)
{
	test_fill(IOMMU_INV_MOCK_IOTLB, 0, 1, 0x200000, PAGE);
	test_fill(IOMMU_INV_MOCK_PWC, 0, 1, 0x200000, 1 << 21);
	e_iotlb_range(&self->b, 1, 0x200000, PAGE, IOMMU_INV_IOTLB_FLAG_LEAF);
	test_inv_ok();
	ASSERT_EQ(0, test_valid(IOMMU_INV_MOCK_IOTLB));
	ASSERT_EQ(1, test_valid(IOMMU_INV_MOCK_PWC));

	ebuf_reset(&self->b);
	e_iotlb_range(&self->b, 1, 0x200000, PAGE, 0);
	test_inv_ok();
	ASSERT_EQ(0, test_valid(IOMMU_INV_MOCK_PWC));
}

TEST_F(inv, iotlb_range_sizes_not_4k_centric)
{
	/* 1 GiB and a 2^63-byte range are plain byte sizes. */
	test_fill(IOMMU_INV_MOCK_IOTLB, 0, 1, 0x40000000, PAGE);
	test_fill(IOMMU_INV_MOCK_IOTLB, 0, 1, 0x80000000, PAGE);
	test_fill(IOMMU_INV_MOCK_IOTLB, 0, 1, 1ULL << 62, PAGE);
	e_iotlb_range(&self->b, 1, 0x40000000, 0x40000000, 0);
	test_inv_ok();
	ASSERT_EQ(0x6, test_valid(IOMMU_INV_MOCK_IOTLB));
	ebuf_reset(&self->b);
	e_iotlb_range(&self->b, 1, 0, 1ULL << 63, 0);
	test_inv_ok();
	ASSERT_EQ(0, test_valid(IOMMU_INV_MOCK_IOTLB));
}

TEST_F(inv, range_reaching_top_of_space)
{
	test_fill(IOMMU_INV_MOCK_IOTLB, 0, 1, TOP_PAGE, PAGE);
	e_iotlb_range(&self->b, 1, TOP_PAGE, PAGE, 0);
	test_inv_ok();
	ASSERT_EQ(0, test_valid(IOMMU_INV_MOCK_IOTLB));
}

TEST_F(inv, range_wrapping)
{
	test_fill(IOMMU_INV_MOCK_IOTLB, 0, 1, 0, PAGE);
	e_iotlb_range(&self->b, 1, TOP_PAGE, 2 * PAGE, 0);
	test_inv_fails_at(0, EOVERFLOW, 0);
	ebuf_reset(&self->b);
	e_devtlb_range(&self->b, MOCK_VIRT_A, 1, 1ULL << 63, 1ULL << 63 | PAGE);
	test_inv_fails_at(0, EOVERFLOW, 0);
	/* Nothing was dropped by the refused entries. */
	ASSERT_EQ(1, test_valid(IOMMU_INV_MOCK_IOTLB));
}

TEST_F(inv, range_misaligned_or_empty)
{
	e_iotlb_range(&self->b, 1, 0x800, PAGE, 0);
	e_iotlb_range(&self->b, 1, 0x1000, 0x800, 0);
	e_iotlb_range(&self->b, 1, 0x1000, 0, 0);
	e_devtlb_range(&self->b, MOCK_VIRT_A, 1, 0x1001, PAGE);
	e_devtlb_range(&self->b, MOCK_VIRT_A, 1, 0x1000, 0);
	ASSERT_EQ(-1, test_inv(IOMMU_INV_FLAG_CONTINUE));
	ASSERT_EQ(EINVAL, errno);
	ASSERT_EQ(5, self->inv.out_num_failed);
	ASSERT_EQ(5, self->inv.out_results);
	for (int i = 0; i < 5; i++) {
		ASSERT_EQ(i, self->res[i].index);
		ASSERT_EQ(-EINVAL, self->res[i].error);
		ASSERT_EQ(0, self->res[i].hw_error);
		ASSERT_EQ(0, self->res[i].__reserved);
	}
	ASSERT_EQ(0, test_seen(IOMMU_INV_ENTRY_IOTLB_RANGE));
}

TEST_F(inv, reserved_fields)
{
	struct iommu_inv_entry_iotlb_pasid *ip;
	struct iommu_inv_entry_iotlb_range *ir;
	struct iommu_inv_entry_pc_pasid *pp;

	ip = ebuf_add(&self->b, IOMMU_INV_ENTRY_IOTLB_PASID, sizeof(*ip), 0);
	ir = ebuf_add(&self->b, IOMMU_INV_ENTRY_IOTLB_RANGE, sizeof(*ir), 0);
	pp = ebuf_add(&self->b, IOMMU_INV_ENTRY_PASID_CACHE_PASID, sizeof(*pp),
		      0);
	ip->__reserved = 1;
	ir->__reserved = 0x80000000;
	pp->__reserved = 2;
	ASSERT_EQ(-1, test_inv(IOMMU_INV_FLAG_CONTINUE));
	ASSERT_EQ(EOPNOTSUPP, errno);
	ASSERT_EQ(3, self->inv.out_num_failed);
	ASSERT_EQ(-EOPNOTSUPP, self->res[2].error);
}

TEST_F(inv, unknown_entry_types)
{
	ebuf_add(&self->b, 0, 8, 0);
	ebuf_add(&self->b, 10, 8, 0);
	ebuf_add(&self->b, 0xffff, 8, 0);
	/* Known types this HWPT type does not take. */
	ebuf_add(&self->b, IOMMU_INV_ENTRY_VTD_DESC, 40, 0);
	ebuf_add(&self->b, IOMMU_INV_ENTRY_SMMUV3_CMD, 24, 0);
	e_iotlb_all(&self->b);
	ASSERT_EQ(-1, test_inv(IOMMU_INV_FLAG_CONTINUE));
	ASSERT_EQ(EOPNOTSUPP, errno);
	ASSERT_EQ(6, self->inv.out_processed);
	ASSERT_EQ(5, self->inv.out_num_failed);
	ASSERT_EQ(4, self->res[4].index);
	ASSERT_EQ(1, test_seen(IOMMU_INV_ENTRY_IOTLB_ALL));
}

TEST_F(inv, unknown_entry_flags)
{
	ebuf_add(&self->b, IOMMU_INV_ENTRY_IOTLB_ALL, 8, 1);
	e_iotlb_range(&self->b, 1, 0, PAGE, 1U << 1);
	e_iotlb_range(&self->b, 1, 0, PAGE, 1U << 31);
	ASSERT_EQ(-1, test_inv(IOMMU_INV_FLAG_CONTINUE));
	ASSERT_EQ(EOPNOTSUPP, errno);
	ASSERT_EQ(3, self->inv.out_num_failed);
	ASSERT_EQ(0, test_seen(IOMMU_INV_ENTRY_IOTLB_ALL));
}

TEST_F(inv, pasid_width)
{
	__u32 small;

	test_hwpt_alloc_mock(4, &small);
	self->hwpt_id = small;
	e_iotlb_pasid(&self->b, 15);
	e_iotlb_pasid(&self->b, 16);
	test_inv_fails_at(0, EINVAL, 1);
	ASSERT_EQ(2, self->inv.out_processed);
	ASSERT_EQ(1, test_seen(IOMMU_INV_ENTRY_IOTLB_PASID));
	ebuf_reset(&self->b);
	e_pc_pasid(&self->b, 1U << 20);
	test_inv_fails_at(0, EINVAL, 0);
}

TEST_F(inv, devtlb_pasid)
{
	test_fill(IOMMU_INV_MOCK_DEVTLB, MOCK_VIRT_A, 3, 0x1000, PAGE);
	test_fill(IOMMU_INV_MOCK_DEVTLB, MOCK_VIRT_B, 3, 0x1000, PAGE);
	test_fill(IOMMU_INV_MOCK_DEVTLB, MOCK_VIRT_A, 4, 0x1000, PAGE);
	e_devtlb_pasid(&self->b, MOCK_VIRT_A, 3);
	test_inv_ok();
	ASSERT_EQ(0x6, test_valid(IOMMU_INV_MOCK_DEVTLB));
}

TEST_F(inv, devtlb_range)
{
	test_fill(IOMMU_INV_MOCK_DEVTLB, MOCK_VIRT_A, 3, 0x1000, PAGE);
	test_fill(IOMMU_INV_MOCK_DEVTLB, MOCK_VIRT_A, 3, 0x8000, PAGE);
	test_fill(IOMMU_INV_MOCK_DEVTLB, MOCK_VIRT_B, 3, 0x1000, PAGE);
	e_devtlb_range(&self->b, MOCK_VIRT_A, 3, 0, 0x2000);
	test_inv_ok();
	ASSERT_EQ(0x6, test_valid(IOMMU_INV_MOCK_DEVTLB));
}

TEST_F(inv, devtlb_unknown_device)
{
	test_fill(IOMMU_INV_MOCK_DEVTLB, 0x99, 3, 0x1000, PAGE);
	e_devtlb_pasid(&self->b, 0x99, 3);
	test_inv_fails_at(0, ENODEV, 0);
	ebuf_reset(&self->b);
	e_devtlb_range(&self->b, 0x99, 3, 0x1000, PAGE);
	test_inv_fails_at(0, ENODEV, 0);
	ASSERT_EQ(1, test_valid(IOMMU_INV_MOCK_DEVTLB));

	/* A device that went away is unknown too. */
	test_destroy(self->vdev_b);
	ebuf_reset(&self->b);
	e_devtlb_pasid(&self->b, MOCK_VIRT_B, 3);
	test_inv_fails_at(0, ENODEV, 0);
}

TEST_F(inv, pasid_cache)
{
	test_fill(IOMMU_INV_MOCK_PASID_CACHE, 0, 5, 0, PAGE);
	test_fill(IOMMU_INV_MOCK_PASID_CACHE, 0, 6, 0, PAGE);
	test_fill(IOMMU_INV_MOCK_PASID_CACHE, 0, 7, 0, PAGE);
	e_pc_pasid(&self->b, 6);
	test_inv_ok();
	ASSERT_EQ(0x5, test_valid(IOMMU_INV_MOCK_PASID_CACHE));
	ebuf_reset(&self->b);
	e_pc_all(&self->b);
	test_inv_ok();
	ASSERT_EQ(0, test_valid(IOMMU_INV_MOCK_PASID_CACHE));
	ASSERT_EQ(1, test_seen(IOMMU_INV_ENTRY_PASID_CACHE_ALL));
	ASSERT_EQ(1, test_seen(IOMMU_INV_ENTRY_PASID_CACHE_PASID));
}

TEST_F(inv, mixed_types_in_one_array)
{
	test_fill(IOMMU_INV_MOCK_IOTLB, 0, 1, 0x1000, PAGE);
	test_fill(IOMMU_INV_MOCK_DEVTLB, MOCK_VIRT_A, 1, 0x1000, PAGE);
	test_fill(IOMMU_INV_MOCK_PASID_CACHE, 0, 1, 0, PAGE);
	e_pc_pasid(&self->b, 1);
	e_iotlb_range(&self->b, 1, 0x1000, PAGE, IOMMU_INV_IOTLB_FLAG_LEAF);
	e_devtlb_range(&self->b, MOCK_VIRT_A, 1, 0x1000, PAGE);
	e_iotlb_all(&self->b);
	test_inv_ok();
	ASSERT_EQ(0, test_valid(IOMMU_INV_MOCK_IOTLB));
	ASSERT_EQ(0, test_valid(IOMMU_INV_MOCK_DEVTLB));
	ASSERT_EQ(0, test_valid(IOMMU_INV_MOCK_PASID_CACHE));
	ASSERT_EQ(1, test_seen(IOMMU_INV_ENTRY_PASID_CACHE_PASID));
	ASSERT_EQ(1, test_seen(IOMMU_INV_ENTRY_IOTLB_RANGE));
	ASSERT_EQ(1, test_seen(IOMMU_INV_ENTRY_DEVTLB_RANGE));
	ASSERT_EQ(1, test_seen(IOMMU_INV_ENTRY_IOTLB_ALL));
}

TEST_F(inv, stops_in_order_at_a_bad_entry)
{
	test_fill(IOMMU_INV_MOCK_IOTLB, 0, 1, 0x1000, PAGE);
	test_fill(IOMMU_INV_MOCK_IOTLB, 0, 2, 0x1000, PAGE);
	e_iotlb_pasid(&self->b, 1);
	e_iotlb_range(&self->b, 1, 0x1001, PAGE, 0);	/* misaligned */
	e_iotlb_pasid(&self->b, 2);
	test_inv_fails_at(0, EINVAL, 1);
	ASSERT_EQ(2, self->inv.out_processed);
	ASSERT_EQ(1, self->inv.out_num_failed);
	ASSERT_EQ(1, self->inv.out_results);
	/* Entry 0 was carried out, entry 2 was not. */
	ASSERT_EQ(0x2, test_valid(IOMMU_INV_MOCK_IOTLB));
	ASSERT_EQ(1, test_seen(IOMMU_INV_ENTRY_IOTLB_PASID));
}

/* Stop and continue, with failures at the first, a middle, the last entry */
FIXTURE(fail_at) {
	int fd;
	__u32 hwpt_id;
	struct ebuf b;
	struct iommu_inv_result res[16];
	struct iommu_inv_hwpt_invalidate inv;
};

FIXTURE_VARIANT(fail_at) {
	__u32 num;
	__u32 index;
};

FIXTURE_VARIANT_ADD(fail_at, first) { .num = 10, .index = 0 };
FIXTURE_VARIANT_ADD(fail_at, middle) { .num = 10, .index = 5 };
FIXTURE_VARIANT_ADD(fail_at, last) { .num = 10, .index = 9 };
FIXTURE_VARIANT_ADD(fail_at, run_boundary) { .num = 200, .index = 64 };
FIXTURE_VARIANT_ADD(fail_at, after_run_boundary) { .num = 200, .index = 65 };
FIXTURE_VARIANT_ADD(fail_at, deep) { .num = 10000, .index = 9998 };

FIXTURE_SETUP(fail_at)
{
	__u32 i;

	self->fd = open(DEV_PATH, O_RDWR);
	ASSERT_NE(-1, self->fd);
	test_hwpt_alloc_mock(20, &self->hwpt_id);
	ebuf_init(&self->b, 1 << 20);
	/* 24-byte entries: they straddle every chunk boundary in turn. */
	for (i = 0; i < variant->num; i++) {
		e_iotlb_pasid(&self->b, i % 1024);
		self->b.len += 8;
		((struct iommu_inv_entry_hdr *)(self->b.data + self->b.len -
						24))->len = 24;
	}
}

FIXTURE_TEARDOWN(fail_at)
{
	free(self->b.data);
	close(self->fd);
}

TEST_F(fail_at, stop)
{
	test_inject(variant->index, -ETIMEDOUT, IOMMU_INV_HWERR_VTD_ITE);
	test_inv_fails_at(0, ETIMEDOUT, variant->index);
	ASSERT_EQ(variant->index + 1, self->inv.out_processed);
	ASSERT_EQ(1, self->inv.out_num_failed);
	ASSERT_EQ(1, self->inv.out_results);
	ASSERT_EQ(IOMMU_INV_HWERR_VTD_ITE, self->res[0].hw_error);
	ASSERT_EQ(0, self->res[0].__reserved);
	/* Nothing after the failed entry ran. */
	ASSERT_EQ(variant->index, test_seen(IOMMU_INV_ENTRY_IOTLB_PASID));
}

TEST_F(fail_at, continue)
{
	__u32 last = variant->num - 1;

	test_inject(variant->index, -EIO, IOMMU_INV_HWERR_VTD_IQE);
	if (variant->index != last)
		test_inject(last, -ETIMEDOUT, IOMMU_INV_HWERR_VTD_ITE);
	test_inv_fails_at(IOMMU_INV_FLAG_CONTINUE, EIO, variant->index);
	ASSERT_EQ(variant->num, self->inv.out_processed);
	if (variant->index == last) {
		ASSERT_EQ(1, self->inv.out_num_failed);
	} else {
		ASSERT_EQ(2, self->inv.out_num_failed);
		ASSERT_EQ(last, self->res[1].index);
		ASSERT_EQ(-ETIMEDOUT, self->res[1].error);
		ASSERT_EQ(IOMMU_INV_HWERR_VTD_ITE, self->res[1].hw_error);
	}
	ASSERT_EQ(IOMMU_INV_HWERR_VTD_IQE, self->res[0].hw_error);
	ASSERT_EQ(variant->num - self->inv.out_num_failed,
		  test_seen(IOMMU_INV_ENTRY_IOTLB_PASID));
}

TEST_F(fail_at, all_succeed_without_results)
{
	/* A result array that cannot be written is never touched. */
	ASSERT_EQ(0, _test_inv(self->fd, self->hwpt_id, &self->b, 0,
			       (void *)PAGE, 16, &self->inv));
	ASSERT_EQ(variant->num, self->inv.out_processed);
	ASSERT_EQ(variant->num, test_seen(IOMMU_INV_ENTRY_IOTLB_PASID));
}

TEST_F(inv, continue_more_failures_than_results)
{
	struct iommu_inv_result one[1];
	int i;

	for (i = 0; i < 6; i++)
		e_iotlb_pasid(&self->b, i % 2 ? 1U << 20 : 1);
	ASSERT_EQ(-1, _test_inv(self->fd, self->hwpt_id, &self->b,
				IOMMU_INV_FLAG_CONTINUE, one, 1, &self->inv));
	ASSERT_EQ(EINVAL, errno);
	ASSERT_EQ(6, self->inv.out_processed);
	ASSERT_EQ(3, self->inv.out_num_failed);
	ASSERT_EQ(1, self->inv.out_results);
	ASSERT_EQ(1, self->inv.out_first_error);
	ASSERT_EQ(1, one[0].index);
	ASSERT_EQ(3, test_seen(IOMMU_INV_ENTRY_IOTLB_PASID));
}

TEST_F(inv, hw_error_and_statistics)
{
	struct iommu_inv_hwpt_info info;

	e_iotlb_all(&self->b);
	e_iotlb_all(&self->b);
	e_iotlb_all(&self->b);
	test_inv_ok();
	test_inject(1, -EIO, IOMMU_INV_HWERR_SMMU_CERROR_ILL);
	test_inv_fails_at(0, EIO, 1);
	ASSERT_EQ(IOMMU_INV_HWERR_SMMU_CERROR_ILL, self->res[0].hw_error);
	ASSERT_EQ(0, _test_hwpt_info(self->fd, self->hwpt_id, &info));
	ASSERT_EQ(2, info.out_calls);
	ASSERT_EQ(5, info.out_entries);
	ASSERT_EQ(1, info.out_failed);
	ASSERT_EQ(1, info.out_hw_errors);
}

/*
 * A run of entries with one header is handed to the HWPT type as one
 * block; the mock carries out and counts every entry of it. 300 entries
 * span two chunks (256 8-byte entries each), and every one is counted.
 */
TEST_F(inv, uniform_whole_cache_runs)
{
	struct iommu_inv_hwpt_info info;
	int i;

	test_fill(IOMMU_INV_MOCK_IOTLB, 0, 1, 0x1000, PAGE);
	test_fill(IOMMU_INV_MOCK_PWC, 0, 1, 0x1000, PAGE);
	test_fill(IOMMU_INV_MOCK_PASID_CACHE, 0, 1, 0, PAGE);
	for (i = 0; i < 300; i++)
		e_iotlb_all(&self->b);
	test_inv_ok();
	ASSERT_EQ(0, test_valid(IOMMU_INV_MOCK_IOTLB));
	ASSERT_EQ(0, test_valid(IOMMU_INV_MOCK_PWC));
	ASSERT_EQ(0x1, test_valid(IOMMU_INV_MOCK_PASID_CACHE));
	ASSERT_EQ(300, test_seen(IOMMU_INV_ENTRY_IOTLB_ALL));
	ASSERT_EQ(0, _test_hwpt_info(self->fd, self->hwpt_id, &info));
	ASSERT_EQ(300, info.out_entries);

	/* An armed failure inside such a run stops it at that entry. */
	test_fill(IOMMU_INV_MOCK_IOTLB, 0, 1, 0x1000, PAGE);
	test_inject(257, -EIO, 0);
	test_inv_fails_at(0, EIO, 257);
	ASSERT_EQ(258, self->inv.out_processed);
	ASSERT_EQ(300 + 257, test_seen(IOMMU_INV_ENTRY_IOTLB_ALL));
	ASSERT_EQ(0, test_valid(IOMMU_INV_MOCK_IOTLB));
}

/*
 * Runs of entries with one header broken by other entries: a run of 64 or
 * more is handed over alone, a shorter one goes on as a mixed run; every
 * entry is carried out once, in order, with its own fields, and a bad
 * entry after a run stops the call at its own index.
 */
TEST_F(inv, uniform_runs_broken_by_other_entries)
{
	int i;

	for (i = 0; i < 70; i++)			/* 0 to 69 */
		e_iotlb_all(&self->b);
	e_pc_pasid(&self->b, 1);			/* 70 to 72: */
	e_pc_pasid(&self->b, 3);			/* one header, */
	e_pc_pasid(&self->b, 5);			/* three PASIDs */
	e_iotlb_all(&self->b);				/* 73 */
	e_pc_pasid(&self->b, 2);			/* 74 */
	e_iotlb_all(&self->b);				/* 75 */
	e_iotlb_range(&self->b, 1, 0x1001, PAGE, 0);	/* 76: misaligned */
	e_iotlb_all(&self->b);				/* 77 */
	test_fill(IOMMU_INV_MOCK_PASID_CACHE, 0, 1, 0, PAGE);
	test_fill(IOMMU_INV_MOCK_PASID_CACHE, 0, 3, 0, PAGE);
	test_fill(IOMMU_INV_MOCK_PASID_CACHE, 0, 5, 0, PAGE);
	test_fill(IOMMU_INV_MOCK_PASID_CACHE, 0, 4, 0, PAGE);
	test_inv_fails_at(0, EINVAL, 76);
	ASSERT_EQ(77, self->inv.out_processed);
	ASSERT_EQ(72, test_seen(IOMMU_INV_ENTRY_IOTLB_ALL));
	ASSERT_EQ(4, test_seen(IOMMU_INV_ENTRY_PASID_CACHE_PASID));
	ASSERT_EQ(0, test_seen(IOMMU_INV_ENTRY_IOTLB_RANGE));
	/* PASIDs 1, 3 and 5 dropped, 4 (slot 3) kept. */
	ASSERT_EQ(0x8, test_valid(IOMMU_INV_MOCK_PASID_CACHE));
}

/*
 * Entries of one length whose headers differ go to the HWPT type as one
 * block too, each with its own full check: 300 entries alternating
 * IOTLB_ALL and PASID_CACHE_ALL (two chunks) are each carried out and
 * counted by their own type, and an injection at 257 (odd: a PASID-cache
 * entry, in the second chunk) stops the call there.
 */
TEST_F(inv, same_length_blocks_of_whole_cache_entries)
{
	int i;

	test_fill(IOMMU_INV_MOCK_IOTLB, 0, 1, 0x1000, PAGE);
	test_fill(IOMMU_INV_MOCK_PWC, 0, 1, 0x1000, PAGE);
	test_fill(IOMMU_INV_MOCK_PASID_CACHE, 0, 1, 0, PAGE);
	test_fill(IOMMU_INV_MOCK_DEVTLB, 1, 1, 0x1000, PAGE);
	for (i = 0; i < 300; i++) {
		if (i & 1)
			e_pc_all(&self->b);
		else
			e_iotlb_all(&self->b);
	}
	test_inv_ok();
	ASSERT_EQ(0, test_valid(IOMMU_INV_MOCK_IOTLB));
	ASSERT_EQ(0, test_valid(IOMMU_INV_MOCK_PWC));
	ASSERT_EQ(0, test_valid(IOMMU_INV_MOCK_PASID_CACHE));
	ASSERT_EQ(0x1, test_valid(IOMMU_INV_MOCK_DEVTLB));
	ASSERT_EQ(150, test_seen(IOMMU_INV_ENTRY_IOTLB_ALL));
	ASSERT_EQ(150, test_seen(IOMMU_INV_ENTRY_PASID_CACHE_ALL));

	test_fill(IOMMU_INV_MOCK_PASID_CACHE, 0, 1, 0, PAGE);
	test_inject(257, -EIO, 0);
	test_inv_fails_at(0, EIO, 257);
	ASSERT_EQ(258, self->inv.out_processed);
	/* 0 to 256: 129 even (IOTLB_ALL), 128 odd (PASID_CACHE_ALL). */
	ASSERT_EQ(150 + 129, test_seen(IOMMU_INV_ENTRY_IOTLB_ALL));
	ASSERT_EQ(150 + 128, test_seen(IOMMU_INV_ENTRY_PASID_CACHE_ALL));
	ASSERT_EQ(0, test_valid(IOMMU_INV_MOCK_PASID_CACHE));
}

/*
 * A block of 16-byte entries with fields, of three types in turn: each
 * entry's own reserved field is checked (index 100, a PASID-cache entry
 * with __reserved set, fails alone), each selective entry drops only what
 * it names, and an entry of another length (a 32-byte IOTLB_RANGE at 2)
 * ends a short block, the call going on with the rest.
 */
TEST_F(inv, same_length_blocks_check_each_entry)
{
	struct iommu_inv_entry_pc_pasid *bad = NULL;
	int i;

	test_fill(IOMMU_INV_MOCK_IOTLB, 0, 3, 0x1000, PAGE);	/* slot 0 */
	test_fill(IOMMU_INV_MOCK_IOTLB, 0, 300, 0x1000, PAGE);	/* slot 1 */
	test_fill(IOMMU_INV_MOCK_PASID_CACHE, 0, 4, 0, PAGE);	/* slot 0 */
	test_fill(IOMMU_INV_MOCK_PASID_CACHE, 0, 301, 0, PAGE);	/* slot 1 */
	test_fill(IOMMU_INV_MOCK_DEVTLB, MOCK_VIRT_A, 5, 0x1000, PAGE);
	test_fill(IOMMU_INV_MOCK_DEVTLB, MOCK_VIRT_B, 5, 0x1000, PAGE);
	e_iotlb_pasid(&self->b, 0);
	e_pc_pasid(&self->b, 0);
	/* 32 bytes, PASID 999 (nothing cached): another length. */
	e_iotlb_range(&self->b, 999, 0x1000, PAGE, 0);
	for (i = 3; i < 120; i++) {
		switch (i % 3) {
		case 0:
			e_iotlb_pasid(&self->b, i);
			break;
		case 1:
			if (i == 100)
				bad = ebuf_add(&self->b,
					       IOMMU_INV_ENTRY_PASID_CACHE_PASID,
					       sizeof(*bad), 0);
			else
				e_pc_pasid(&self->b, i);
			break;
		case 2:
			e_devtlb_pasid(&self->b, MOCK_VIRT_A, i);
			break;
		}
	}
	bad->pasid = 301;
	bad->__reserved = 1;
	test_inv_fails_at(IOMMU_INV_FLAG_CONTINUE, EOPNOTSUPP, 100);
	ASSERT_EQ(120, self->inv.out_processed);
	ASSERT_EQ(1, self->inv.out_num_failed);
	ASSERT_EQ(40, test_seen(IOMMU_INV_ENTRY_IOTLB_PASID));
	/* 4, 7, ..., 118 but 100, and 1. */
	ASSERT_EQ(38 + 1, test_seen(IOMMU_INV_ENTRY_PASID_CACHE_PASID));
	ASSERT_EQ(39, test_seen(IOMMU_INV_ENTRY_DEVTLB_PASID));
	ASSERT_EQ(1, test_seen(IOMMU_INV_ENTRY_IOTLB_RANGE));
	/* PASID 3 dropped, 300 past the array; 4 dropped, 301 refused. */
	ASSERT_EQ(0x2, test_valid(IOMMU_INV_MOCK_IOTLB));
	ASSERT_EQ(0x2, test_valid(IOMMU_INV_MOCK_PASID_CACHE));
	/* Device A's PASID 5 dropped, device B's kept. */
	ASSERT_EQ(0x2, test_valid(IOMMU_INV_MOCK_DEVTLB));
}

TEST_F(inv, injection_fires_once)
{
	e_iotlb_all(&self->b);
	test_inject(0, -EIO, 0);
	test_inv_fails_at(0, EIO, 0);
	test_inv_ok();
	/* Error 0 disarms what is armed. */
	test_inject(0, -EIO, 0);
	test_inject(0, 0, 0);
	test_inv_ok();
}

TEST_F(inv, short_entries_from_older_programs)
{
	int i;

	test_fill(IOMMU_INV_MOCK_IOTLB, 0, 0, 0x1000, PAGE);
	test_fill(IOMMU_INV_MOCK_IOTLB, 0, 1, 0x1000, PAGE);
	/* An IOTLB_PASID of header only reads as PASID 0. */
	ebuf_add(&self->b, IOMMU_INV_ENTRY_IOTLB_PASID, 8, 0);
	test_inv_ok();
	ASSERT_EQ(0x2, test_valid(IOMMU_INV_MOCK_IOTLB));
	/* A range without its size reads as size 0. */
	ebuf_reset(&self->b);
	ebuf_add(&self->b, IOMMU_INV_ENTRY_IOTLB_RANGE, 24, 0);
	test_inv_fails_at(0, EINVAL, 0);
	/* More short entries than the engine keeps copies of at once. */
	ebuf_reset(&self->b);
	for (i = 0; i < 40; i++)
		ebuf_add(&self->b, IOMMU_INV_ENTRY_IOTLB_PASID, 8, 0);
	test_inv_ok();
	ASSERT_EQ(41, test_seen(IOMMU_INV_ENTRY_IOTLB_PASID));
}

TEST_F(inv, long_entries_from_newer_programs)
{
	__u8 *e;

	test_fill(IOMMU_INV_MOCK_IOTLB, 0, 1, 0x1000, PAGE);
	e = ebuf_add(&self->b, IOMMU_INV_ENTRY_IOTLB_PASID, 48, 0);
	((struct iommu_inv_entry_iotlb_pasid *)e)->pasid = 1;
	test_inv_ok();
	ASSERT_EQ(0, test_valid(IOMMU_INV_MOCK_IOTLB));

	e[47] = 1;
	test_inv_fails_at(0, E2BIG, 0);
	e[47] = 0;
	e = ebuf_add(&self->b, IOMMU_INV_ENTRY_IOTLB_ALL,
		     IOMMU_INV_MAX_ENTRY_LEN, 0);
	e[IOMMU_INV_MAX_ENTRY_LEN - 1] = 0x80;
	test_inv_fails_at(0, E2BIG, 1);
}

TEST_F(inv, bad_entry_length_stops_even_when_continuing)
{
	struct iommu_inv_entry_hdr *bad;
	__u16 lens[] = { 0, 4, 12, IOMMU_INV_MAX_ENTRY_LEN + 8 };
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(lens); i++) {
		ebuf_reset(&self->b);
		e_iotlb_all(&self->b);
		bad = ebuf_add(&self->b, IOMMU_INV_ENTRY_IOTLB_ALL, 16, 0);
		e_iotlb_all(&self->b);
		bad->len = lens[i];
		test_inv_fails_at(IOMMU_INV_FLAG_CONTINUE, EINVAL, 1);
		ASSERT_EQ(2, self->inv.out_processed);
		ASSERT_EQ(1, self->inv.out_num_failed);
	}
	ASSERT_EQ(ARRAY_SIZE(lens), test_seen(IOMMU_INV_ENTRY_IOTLB_ALL));
}

TEST_F(inv, entry_past_entries_len)
{
	e_iotlb_all(&self->b);
	e_iotlb_range(&self->b, 1, 0, PAGE, 0);
	self->b.len -= 8;
	test_inv_fails_at(IOMMU_INV_FLAG_CONTINUE, EINVAL, 1);
	ASSERT_EQ(2, self->inv.out_processed);
	/* Fewer bytes than a header. */
	self->b.len = 12;
	test_inv_fails_at(0, EINVAL, 1);
	ASSERT_EQ(2, test_seen(IOMMU_INV_ENTRY_IOTLB_ALL));
}

TEST_F(inv, array_tail_in_unmapped_page)
{
	const __u32 per_page = PAGE / 24;	/* 170 entries, 16 bytes over */
	__u8 *p = map_with_hole(2);
	struct ebuf b = { .data = p, .cap = 2 * PAGE };
	__u32 i;

	ASSERT_NE(NULL, p);
	/* The last entry starts in the mapped page and ends past it. */
	for (i = 0; i <= per_page; i++) {
		e_iotlb_pasid(&b, 1);
		b.len += 8;
		((struct iommu_inv_entry_hdr *)(b.data + b.len - 24))->len = 24;
	}
	ASSERT_EQ(-1, _test_inv(self->fd, self->hwpt_id, &b,
				IOMMU_INV_FLAG_CONTINUE, self->res, 4,
				&self->inv));
	ASSERT_EQ(EFAULT, errno);
	ASSERT_EQ(per_page, self->inv.out_first_error);
	ASSERT_EQ(per_page + 1, self->inv.out_processed);
	ASSERT_EQ(-EFAULT, self->res[0].error);
	ASSERT_EQ(per_page, test_seen(IOMMU_INV_ENTRY_IOTLB_PASID));
	munmap(p, PAGE);
}

TEST_F(inv, header_in_unmapped_page)
{
	__u8 *p = map_with_hole(2);
	struct ebuf b = { .data = p, .cap = PAGE };
	__u32 i;

	ASSERT_NE(NULL, p);
	for (i = 0; i < PAGE / 8; i++)
		e_iotlb_all(&b);
	b.num += 3;
	b.len += 24;
	ASSERT_EQ(-1, _test_inv(self->fd, self->hwpt_id, &b, 0, self->res, 4,
				&self->inv));
	ASSERT_EQ(EFAULT, errno);
	ASSERT_EQ(PAGE / 8, self->inv.out_first_error);
	ASSERT_EQ(PAGE / 8 + 1, self->inv.out_processed);
	ASSERT_EQ(PAGE / 8, test_seen(IOMMU_INV_ENTRY_IOTLB_ALL));
	/* An array that is not there at all. */
	b.data = p + PAGE;
	ASSERT_EQ(-1, _test_inv(self->fd, self->hwpt_id, &b, 0, self->res, 4,
				&self->inv));
	ASSERT_EQ(EFAULT, errno);
	ASSERT_EQ(0, self->inv.out_first_error);
	ASSERT_EQ(1, self->inv.out_processed);
	munmap(p, PAGE);
}

TEST_F(inv, results_unwritable)
{
	__u8 *p = map_with_hole(2);

	ASSERT_NE(NULL, p);
	e_iotlb_pasid(&self->b, 1U << 20);
	e_iotlb_all(&self->b);
	/* The failure cannot be reported: the call says so and stops. */
	ASSERT_EQ(-1, _test_inv(self->fd, self->hwpt_id, &self->b,
				IOMMU_INV_FLAG_CONTINUE,
				(void *)(p + PAGE), 1, &self->inv));
	ASSERT_EQ(EFAULT, errno);
	ASSERT_EQ(1, self->inv.out_processed);
	ASSERT_EQ(0, self->inv.out_results);
	ASSERT_EQ(0, test_seen(IOMMU_INV_ENTRY_IOTLB_ALL));
	munmap(p, PAGE);
}

TEST_F(inv, hwpt_busy_while_its_devices_live)
{
	EXPECT_ERRNO(EBUSY, _test_destroy(self->fd, self->hwpt_id));
	e_iotlb_all(&self->b);
	test_inv_ok();
	test_destroy(self->vdev_a);
	test_destroy(self->vdev_b);
	test_destroy(self->hwpt_id);
	EXPECT_ERRNO(ENOENT, test_inv(0));
}

TEST_HARNESS_MAIN
