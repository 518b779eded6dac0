/* SPDX-License-Identifier: GPL-2.0 */
/* Helpers for the iommufd-inv selftests: one wrapper per ioctl. */
#ifndef __IOMMUFD_INV_UTILS_H
#define __IOMMUFD_INV_UTILS_H

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/capability.h>
#include <linux/iommufd_inv.h>
#include <sys/syscall.h>
#include "../../../../drivers/iommu/iommufd-inv/iommufd_inv_test.h"

#define DEV_PATH "/dev/iommu-inv"
#define PAGE 4096UL

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#endif

/* Expect a call to fail with errno _errno. */
#define EXPECT_ERRNO(_errno, _expr)		\
	({					\
		errno = 0;			\
		EXPECT_EQ(-1, _expr);		\
		EXPECT_EQ(_errno, errno);	\
	})

static inline int _test_hwpt_alloc(int fd, __u32 type, const void *data,
				   __u32 len, __u32 *id)
{
	struct iommu_inv_hwpt_alloc cmd = {
		.size = sizeof(cmd),
		.hwpt_type = type,
		.data_uptr = (uintptr_t)data,
		.data_len = len,
	};
	int rc = ioctl(fd, IOMMU_INV_HWPT_ALLOC, &cmd);

	if (!rc && id)
		*id = cmd.out_hwpt_id;
	return rc;
}

static inline int _test_hwpt_alloc_mock(int fd, __u32 pasid_bits, __u32 *id)
{
	struct iommu_inv_hwpt_mock cfg = { .pasid_bits = pasid_bits };

	return _test_hwpt_alloc(fd, IOMMU_INV_HWPT_MOCK, &cfg, sizeof(cfg), id);
}

#define test_hwpt_alloc_mock(_bits, _id) \
	ASSERT_EQ(0, _test_hwpt_alloc_mock(self->fd, _bits, _id))

static inline int _test_vdev_alloc(int fd, __u32 hwpt_id, __u32 virt_id,
				   __u32 *id)
{
	struct iommu_inv_vdev_alloc cmd = {
		.size = sizeof(cmd),
		.hwpt_id = hwpt_id,
		.virt_id = virt_id,
	};
	int rc = ioctl(fd, IOMMU_INV_VDEV_ALLOC, &cmd);

	if (!rc && id)
		*id = cmd.out_vdev_id;
	return rc;
}

#define test_vdev_alloc(_hwpt, _virt, _id) \
	ASSERT_EQ(0, _test_vdev_alloc(self->fd, _hwpt, _virt, _id))

/* A VT-d stage-1 HWPT on queue @queue, PASIDs [@base, @base + @num). */
static inline int vtd_alloc(int fd, __u32 queue, __u16 did, __u32 base,
			    __u32 num, __u32 *id)
{
	struct iommu_inv_hwpt_vtd_s1 cfg = {
		.queue = queue, .did = did, .pasid_base = base,
		.pasid_num = num,
	};

	return _test_hwpt_alloc(fd, IOMMU_INV_HWPT_VTD_S1, &cfg, sizeof(cfg),
				id);
}

/* A device behind a VT-d HWPT. */
static inline int vtd_vdev(int fd, __u32 hwpt, __u32 virt, __u16 sid,
			   __u16 pfsid, __u32 qdep, __u32 flags, __u32 *id)
{
	struct iommu_inv_vdev_vtd cfg = {
		.flags = flags, .sid = sid, .pfsid = pfsid, .qdep = qdep,
	};
	struct iommu_inv_vdev_alloc cmd = {
		.size = sizeof(cmd), .hwpt_id = hwpt, .virt_id = virt,
		.data_uptr = (uintptr_t)&cfg, .data_len = sizeof(cfg),
	};
	int rc = ioctl(fd, IOMMU_INV_VDEV_ALLOC, &cmd);

	if (!rc && id)
		*id = cmd.out_vdev_id;
	return rc;
}

/* An SMMUv3 stage-1 HWPT with host VMID @vmid, on queue @queue. */
static inline int smmu_alloc(int fd, __u32 queue, __u16 vmid, __u32 *id)
{
	struct iommu_inv_hwpt_smmuv3_s1 cfg = { .queue = queue, .vmid = vmid };

	return _test_hwpt_alloc(fd, IOMMU_INV_HWPT_SMMUV3_S1, &cfg,
				sizeof(cfg), id);
}

/* A device behind an SMMUv3 HWPT: guest stream ID @vsid is @psid. */
static inline int smmu_vdev(int fd, __u32 hwpt, __u32 vsid, __u32 psid,
			    __u32 flags)
{
	struct iommu_inv_vdev_smmuv3 cfg = { .flags = flags, .sid = psid };
	struct iommu_inv_vdev_alloc cmd = {
		.size = sizeof(cmd), .hwpt_id = hwpt, .virt_id = vsid,
		.data_uptr = (uintptr_t)&cfg, .data_len = sizeof(cfg),
	};

	return ioctl(fd, IOMMU_INV_VDEV_ALLOC, &cmd);
}

static inline int _test_destroy(int fd, __u32 id)
{
	struct iommu_inv_destroy cmd = { .size = sizeof(cmd), .id = id };

	return ioctl(fd, IOMMU_INV_DESTROY, &cmd);
}

#define test_destroy(_id) ASSERT_EQ(0, _test_destroy(self->fd, _id))

static inline int _test_hwpt_info(int fd, __u32 hwpt_id,
				  struct iommu_inv_hwpt_info *info)
{
	memset(info, 0, sizeof(*info));
	info->size = sizeof(*info);
	info->hwpt_id = hwpt_id;
	return ioctl(fd, IOMMU_INV_HWPT_INFO, info);
}

static inline int _test_get_info(int fd, __u32 hwpt_type,
				 struct iommu_inv_info *info)
{
	memset(info, 0, sizeof(*info));
	info->size = sizeof(*info);
	info->hwpt_type = hwpt_type;
	return ioctl(fd, IOMMU_INV_GET_INFO, info);
}

/* The environment says @name=1: a tier where what it names must exist. */
static inline bool env_needs(const char *name)
{
	const char *s = getenv(name);

	return s && *s == '1';
}

/* An allocation on a hardware queue failed: is the unit missing? */
static inline bool no_unit(int err)
{
	return err == ENODEV || err == EBUSY;
}

/* Drop capability @cap from this process's effective set. */
static inline int drop_cap(int cap)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[2] = {};

	if (syscall(SYS_capget, &hdr, data))
		return -1;
	data[cap / 32].effective &= ~(1U << (cap % 32));
	return syscall(SYS_capset, &hdr, data);
}

/* --- test ioctl --------------------------------------------------------- */

static inline int _test_op(int fd, struct iommu_inv_test_cmd *cmd)
{
	cmd->size = sizeof(*cmd);
	return ioctl(fd, IOMMU_INV_TEST, cmd);
}

static inline int _test_mock_fill(int fd, __u32 hwpt, __u32 cache,
				  __u32 virt_id, __u32 pasid, __u64 addr,
				  __u64 size)
{
	struct iommu_inv_test_cmd cmd = {
		.op = IOMMU_INV_TEST_OP_MOCK_FILL, .id = hwpt,
		.fill = { .cache = cache, .virt_id = virt_id, .pasid = pasid,
			  .addr = addr, .size = size },
	};

	if (_test_op(fd, &cmd))
		return -1;
	return cmd.fill.out_slot;
}

/* Fill a slot; evaluates to its number (slots are handed out in order). */
#define test_fill(_cache, _virt, _pasid, _addr, _size)			\
	({								\
		int __slot = _test_mock_fill(self->fd, self->hwpt_id,	\
					     _cache, _virt, _pasid,	\
					     _addr, _size);		\
		ASSERT_LE(0, __slot);					\
		__slot;							\
	})

static inline __u64 _test_mock_valid(int fd, __u32 hwpt, __u32 cache)
{
	struct iommu_inv_test_cmd cmd = {
		.op = IOMMU_INV_TEST_OP_MOCK_QUERY, .id = hwpt,
		.query = { .cache = cache },
	};

	if (_test_op(fd, &cmd))
		return ~0ULL;
	return cmd.query.out_valid;
}

/* The bitmap of still-valid slots of a mock cache. */
#define test_valid(_cache) _test_mock_valid(self->fd, self->hwpt_id, _cache)

static inline int _test_mock_inject(int fd, __u32 hwpt, __u32 index,
				    int error, __u32 hw_error)
{
	struct iommu_inv_test_cmd cmd = {
		.op = IOMMU_INV_TEST_OP_MOCK_INJECT, .id = hwpt,
		.inject = { .index = index, .error = error,
			    .hw_error = hw_error },
	};

	return _test_op(fd, &cmd);
}

#define test_inject(_index, _error, _hw)				\
	ASSERT_EQ(0, _test_mock_inject(self->fd, self->hwpt_id, _index,	\
				       _error, _hw))

static inline __u64 _test_mock_seen(int fd, __u32 hwpt, __u32 type)
{
	struct iommu_inv_test_cmd cmd = {
		.op = IOMMU_INV_TEST_OP_MOCK_SEEN, .id = hwpt,
		.seen = { .entry_type = type },
	};

	if (_test_op(fd, &cmd))
		return ~0ULL;
	return cmd.seen.out_count;
}

/* How many entries of a type the mock has carried out. */
#define test_seen(_type) _test_mock_seen(self->fd, self->hwpt_id, _type)

static inline int _test_num_objects(int fd)
{
	struct iommu_inv_test_cmd cmd = {
		.op = IOMMU_INV_TEST_OP_NUM_OBJECTS,
	};

	if (_test_op(fd, &cmd))
		return -1;
	return cmd.objects.out_num;
}

/* The last @n descriptors or commands the HWPT gave its queue. */
static inline int queue_log(int fd, __u32 hwpt, void *d, __u32 n,
			    __u64 *total)
{
	struct iommu_inv_test_cmd cmd = {
		.op = IOMMU_INV_TEST_OP_QUEUE_LOG, .id = hwpt,
		.queue_log = { .uptr = (uintptr_t)d, .num = n },
	};
	int rc = _test_op(fd, &cmd);

	if (rc)
		return rc;
	if (total)
		*total = cmd.queue_log.out_total;
	return cmd.queue_log.out_num == n ? 0 : -1;
}

/* Make the fake unit of HWPT type @unit misbehave (fake_units=1). */
static inline int test_unit_fault(int fd, __u32 unit, __u32 fault, __u32 sid)
{
	struct iommu_inv_test_cmd cmd = {
		.op = IOMMU_INV_TEST_OP_UNIT_FAULT,
		.unit_fault = { .unit = unit, .fault = fault, .sid = sid },
	};

	return _test_op(fd, &cmd);
}

/* Flip a bit of the descriptor of entry @index in the next call. */
static inline int queue_corrupt(int fd, __u32 hwpt, __u32 index, __u32 word,
				__u32 bit)
{
	struct iommu_inv_test_cmd cmd = {
		.op = IOMMU_INV_TEST_OP_QUEUE_CORRUPT, .id = hwpt,
		.queue_corrupt = { .index = index, .word = word, .bit = bit },
	};

	return _test_op(fd, &cmd);
}

/*
 * Flip a bit of descriptor or command @k (0 the first) of entry @index in
 * the next call.
 */
static inline int queue_corrupt_desc(int fd, __u32 hwpt, __u32 index,
				     __u32 k, __u32 word, __u32 bit)
{
	struct iommu_inv_test_cmd cmd = {
		.op = IOMMU_INV_TEST_OP_QUEUE_CORRUPT_DESC, .id = hwpt,
		.queue_corrupt_desc = { .index = index, .desc = k,
					.word = word, .bit = bit },
	};

	return _test_op(fd, &cmd);
}

/* --- reloading the module (fake units) ------------------------------- */

/* The module file: IOMMUFD_INV_MODULE, default /module.ko (test guests). */
static inline const char *module_path(void)
{
	return getenv("IOMMUFD_INV_MODULE") ?: "/module.ko";
}

static inline int module_load(const char *params)
{
	int fd = open(module_path(), O_RDONLY | O_CLOEXEC), rc;

	if (fd < 0)
		return -1;
	rc = syscall(__NR_finit_module, fd, params, 0);
	close(fd);
	return rc;
}

/* Unload, waiting for io_uring's asynchronous teardown to let go. */
static inline int module_unload(void)
{
	int i;

	for (i = 0; i < 100; i++) {
		if (!syscall(__NR_delete_module, "iommufd_inv", O_NONBLOCK))
			return 0;
		if (errno == ENOENT)
			return 0;
		if (errno != EAGAIN && errno != EBUSY)
			return -1;
		usleep(100 * 1000);
	}
	return -1;
}

static inline int module_reload(const char *params)
{
	return module_unload() ?: module_load(params);
}

/* The module with the fake VT-d unit and SMMU (test option). */
#define FAKE_PARAMS "mock=1 fake_units=1"

/* --- entry arrays ------------------------------------------------------- */

struct ebuf {
	__u8 *data;
	size_t cap;
	size_t len;
	__u32 num;
};

static inline void ebuf_init(struct ebuf *b, size_t cap)
{
	b->data = calloc(1, cap);
	b->cap = cap;
	b->len = 0;
	b->num = 0;
}

static inline void ebuf_reset(struct ebuf *b)
{
	memset(b->data, 0, b->len);
	b->len = 0;
	b->num = 0;
}

/* Append a zeroed entry of @len bytes with its header filled in. */
static inline void *ebuf_add(struct ebuf *b, __u16 type, __u16 len,
			     __u32 flags)
{
	struct iommu_inv_entry_hdr *hdr = (void *)(b->data + b->len);

	if (b->len + len > b->cap)
		abort();
	memset(hdr, 0, len);
	hdr->type = type;
	hdr->len = len;
	hdr->flags = flags;
	b->len += len;
	b->num++;
	return hdr;
}

static inline void e_iotlb_all(struct ebuf *b)
{
	ebuf_add(b, IOMMU_INV_ENTRY_IOTLB_ALL,
		 sizeof(struct iommu_inv_entry_iotlb_all), 0);
}

static inline void e_iotlb_pasid(struct ebuf *b, __u32 pasid)
{
	struct iommu_inv_entry_iotlb_pasid *e =
		ebuf_add(b, IOMMU_INV_ENTRY_IOTLB_PASID, sizeof(*e), 0);

	e->pasid = pasid;
}

static inline void e_iotlb_range(struct ebuf *b, __u32 pasid, __u64 addr,
				 __u64 size, __u32 flags)
{
	struct iommu_inv_entry_iotlb_range *e =
		ebuf_add(b, IOMMU_INV_ENTRY_IOTLB_RANGE, sizeof(*e), flags);

	e->pasid = pasid;
	e->addr = addr;
	e->size = size;
}

static inline void e_devtlb_pasid(struct ebuf *b, __u32 virt_id, __u32 pasid)
{
	struct iommu_inv_entry_devtlb_pasid *e =
		ebuf_add(b, IOMMU_INV_ENTRY_DEVTLB_PASID, sizeof(*e), 0);

	e->virt_id = virt_id;
	e->pasid = pasid;
}

static inline void e_devtlb_range(struct ebuf *b, __u32 virt_id, __u32 pasid,
				  __u64 addr, __u64 size)
{
	struct iommu_inv_entry_devtlb_range *e =
		ebuf_add(b, IOMMU_INV_ENTRY_DEVTLB_RANGE, sizeof(*e), 0);

	e->virt_id = virt_id;
	e->pasid = pasid;
	e->addr = addr;
	e->size = size;
}

static inline void e_pc_all(struct ebuf *b)
{
	ebuf_add(b, IOMMU_INV_ENTRY_PASID_CACHE_ALL,
		 sizeof(struct iommu_inv_entry_pc_all), 0);
}

static inline void e_pc_pasid(struct ebuf *b, __u32 pasid)
{
	struct iommu_inv_entry_pc_pasid *e =
		ebuf_add(b, IOMMU_INV_ENTRY_PASID_CACHE_PASID, sizeof(*e), 0);

	e->pasid = pasid;
}

/* A raw SMMUv3 command, two doublewords. */
/* A raw VT-d descriptor; the quadwords are little-endian, as is x86. */
static inline void e_vtd_desc(struct ebuf *b, __u64 qw0, __u64 qw1, __u64 qw2,
			      __u64 qw3)
{
	struct iommu_inv_entry_vtd_desc *e =
		ebuf_add(b, IOMMU_INV_ENTRY_VTD_DESC, sizeof(*e), 0);

	e->qw[0] = qw0;
	e->qw[1] = qw1;
	e->qw[2] = qw2;
	e->qw[3] = qw3;
}

static inline void e_smmu_cmd(struct ebuf *b, __u64 dw0, __u64 dw1)
{
	struct iommu_inv_entry_smmuv3_cmd *e =
		ebuf_add(b, IOMMU_INV_ENTRY_SMMUV3_CMD, sizeof(*e), 0);

	e->cmd[0] = dw0;
	e->cmd[1] = dw1;
}

/* The HWPT_INVALIDATE argument for @b, results into @res (room @nres). */
static inline void inv_fill(struct iommu_inv_hwpt_invalidate *cmd,
			    __u32 hwpt_id, const struct ebuf *b, __u32 flags,
			    struct iommu_inv_result *res, __u32 nres)
{
	memset(cmd, 0, sizeof(*cmd));
	cmd->size = sizeof(*cmd);
	cmd->hwpt_id = hwpt_id;
	cmd->entries_uptr = (uintptr_t)b->data;
	cmd->entries_len = b->len;
	cmd->entry_num = b->num;
	cmd->results_uptr = (uintptr_t)res;
	cmd->results_num = nres;
	cmd->flags = flags;
}

/* Submit @b; @cmd receives the out fields, @res up to @nres results. */
static inline int _test_inv(int fd, __u32 hwpt_id, const struct ebuf *b,
			    __u32 flags, struct iommu_inv_result *res,
			    __u32 nres, struct iommu_inv_hwpt_invalidate *cmd)
{
	inv_fill(cmd, hwpt_id, b, flags, res, nres);
	return ioctl(fd, IOMMU_INV_HWPT_INVALIDATE, cmd);
}

/*
 * Model against hardware: the same call on the model's HWPT (@ids[0]) and
 * the hardware's (@ids[1]), with a bit of entry @fault[0] (word @fault[1],
 * bit @fault[2]) flipped on the way to each queue unless @fault is NULL.
 */
static inline int inv_on_both(int fd, const __u32 ids[2], const struct ebuf *b,
			      const __u32 *fault,
			      struct iommu_inv_result res[2][8],
			      struct iommu_inv_hwpt_invalidate inv[2])
{
	unsigned int q;

	for (q = 0; q < 2; q++) {
		memset(res[q], 0xa5, sizeof(res[q]));
		if (fault && queue_corrupt(fd, ids[q], fault[0], fault[1],
					   fault[2]))
			return -1;
		_test_inv(fd, ids[q], b, 0, res[q], 8, &inv[q]);
	}
	return 0;
}

/* ...and both calls came out the same: counts and every result. */
#define EXPECT_SAME_ON_BOTH(_res, _inv)					\
	({								\
		struct iommu_inv_result (*__r)[8] = (_res);		\
		struct iommu_inv_hwpt_invalidate *__v = (_inv);		\
		unsigned int __i;					\
									\
		EXPECT_EQ(__v[0].out_processed, __v[1].out_processed);	\
		EXPECT_EQ(__v[0].out_first_error, __v[1].out_first_error); \
		EXPECT_EQ(__v[0].out_num_failed, __v[1].out_num_failed); \
		EXPECT_EQ(__v[0].out_results, __v[1].out_results);	\
		for (__i = 0; __i < __v[0].out_results; __i++) {	\
			EXPECT_EQ(__r[0][__i].index, __r[1][__i].index); \
			EXPECT_EQ(__r[0][__i].error, __r[1][__i].error); \
			EXPECT_EQ(__r[0][__i].hw_error, __r[1][__i].hw_error); \
		}							\
	})

/* Submit self->b to self->hwpt_id; results in self->res, out in self->inv. */
#define test_inv(_flags)						\
	_test_inv(self->fd, self->hwpt_id, &self->b, _flags, self->res,	\
		  ARRAY_SIZE(self->res), &self->inv)

/* The call succeeded and every entry was carried out. */
#define test_inv_ok()							\
	({								\
		ASSERT_EQ(0, test_inv(0));				\
		ASSERT_EQ(self->b.num, self->inv.out_processed);	\
		ASSERT_EQ(0, self->inv.out_num_failed);			\
		ASSERT_EQ(self->b.num, self->inv.out_first_error);	\
	})

/* The call stopped at entry _index with _errno. */
#define test_inv_fails_at(_flags, _errno, _index)			\
	({								\
		int __err = (_errno);					\
		__u32 __idx = (_index);					\
									\
		errno = 0;						\
		ASSERT_EQ(-1, test_inv(_flags));			\
		ASSERT_EQ(__err, errno);				\
		ASSERT_EQ(__idx, self->inv.out_first_error);		\
		ASSERT_LE(1, self->inv.out_num_failed);			\
		ASSERT_EQ(__idx, self->res[0].index);			\
		ASSERT_EQ(-__err, self->res[0].error);			\
	})

/* Map @n pages with the last one unmapped; returns the start. */
static inline void *map_with_hole(size_t n)
{
	__u8 *p = mmap(NULL, n * PAGE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	munmap(p + (n - 1) * PAGE, PAGE);
	return p;
}

#ifdef LIB_URING_H
/*
 * An IORING_OP_URING_CMD for the device: @op with its payload in sqe->cmd
 * (a flexible array: 16 bytes, or 80 with SQE128). @fixed: @fd is
 * registered file 0.
 */
static inline void uring_prep_inv(struct io_uring_sqe *sqe, int fd,
				  bool fixed, __u32 op, const void *payload,
				  size_t len)
{
	io_uring_prep_rw(IORING_OP_URING_CMD, sqe, fixed ? 0 : fd, NULL, 0, 0);
	sqe->cmd_op = op;
	if (fixed)
		sqe->flags |= IOSQE_FIXED_FILE;
	memcpy((char *)sqe + offsetof(struct io_uring_sqe, cmd), payload, len);
}

/* The array-mode command for the call @inv describes. */
static inline void uring_prep_inv_array(struct io_uring_sqe *sqe, int fd,
					bool fixed,
					struct iommu_inv_hwpt_invalidate *inv)
{
	struct iommu_inv_uring_array pl = { .arg_uptr = (uintptr_t)inv };

	uring_prep_inv(sqe, fd, fixed, IOMMU_INV_URING_CMD_INVALIDATE, &pl,
		       sizeof(pl));
}

/*
 * The call @inv describes, as one array-mode command on a ring of its own:
 * its cqe->res, or -1000 / -1001 if the ring could not be set up or the
 * command not submitted and reaped.
 */
static inline int uring_inv_array_once(int fd,
				       struct iommu_inv_hwpt_invalidate *inv)
{
	struct io_uring_cqe *cqe;
	struct io_uring ring;
	int res;

	if (io_uring_queue_init(4, &ring, 0))
		return -1000;
	uring_prep_inv_array(io_uring_get_sqe(&ring), fd, false, inv);
	if (io_uring_submit(&ring) != 1 || io_uring_wait_cqe(&ring, &cqe)) {
		io_uring_queue_exit(&ring);
		return -1001;
	}
	res = cqe->res;
	io_uring_cqe_seen(&ring, cqe);
	io_uring_queue_exit(&ring);
	return res;
}
#endif

#endif /* __IOMMUFD_INV_UTILS_H */
