/* SPDX-License-Identifier: GPL-2.0 */
/*
 * iommufd-inv private interfaces.
 *
 * Layers, each in its own file, each calling only the one below:
 *   main.c    file operations and the ioctl table
 *   object.c  per-file object table: IDs, references, destroy
 *   hwpt.c    HWPT and virtual-device objects, the HWPT type registry
 *   batch.c   the invalidation engine: copy, check, dispatch, report
 *   mock.c    the test domain (CONFIG_IOMMUFD_INV_TEST)
 *   vtd*.c    the VT-d stage-1 type, its hardware queue and its model
 *   smmu*.c   the SMMUv3 stage-1 type and its command-queue model
 *   testq.c   what hardware types gave their queues, for tests
 *   uring.c   io_uring submission, beside main.c
 */
#ifndef __IOMMUFD_INV_H
#define __IOMMUFD_INV_H

#include <linux/jump_label.h>
#include <linux/mutex.h>
#include <linux/rcupdate.h>
#include <linux/refcount.h>
#include <linux/types.h>
#include <linux/xarray.h>
#include <uapi/linux/iommufd_inv.h>

#include "iommufd_inv_test.h"

/* Most objects one open file may hold. */
#define IOMMU_INV_MAX_OBJECTS 4096
/* Most virtual devices behind one HWPT. */
#define IOMMU_INV_MAX_VDEVS 256

enum iommu_inv_obj_type {
	IOMMU_INV_OBJ_NONE,
	IOMMU_INV_OBJ_HWPT,
	IOMMU_INV_OBJ_VDEV,
	IOMMU_INV_OBJ_MAX,
};

/**
 * struct iommu_inv_ctx - state of one open file
 * @objects: ID -> object; an ID reserved by a half-built object holds
 *	XA_ZERO_ENTRY, which lookups do not see
 * @num_objects: objects allocated, for IOMMU_INV_MAX_OBJECTS
 * @spare_engine: the batch engine of the last call, kept for the next one
 *	so that a call allocates nothing; taken and returned with xchg()
 * @ladder: (tests) the step after which HWPT_INVALIDATE calls stop, or 0
 * @hot: the HWPT last looked up, or NULL: looked at without the table's
 *	lock (under RCU; objects are freed after a grace period); set and
 *	cleared under the table's lock
 */
struct iommu_inv_ctx {
	struct xarray objects;
	atomic_t num_objects;
	struct iommu_inv_engine *spare_engine;
	struct iommu_inv_object *hot;
#ifdef CONFIG_IOMMUFD_INV_TEST
	unsigned int ladder;
#endif
};

#ifdef CONFIG_IOMMUFD_INV_TEST
DECLARE_STATIC_KEY_FALSE(iommu_inv_ladder_key);

/*
 * Whether a HWPT_INVALIDATE call on @ctx stops after step @rung (the
 * benchmark's cost ladder, IOMMU_INV_LADDER_*). A no-op jump while no
 * file has a ladder set.
 */
static inline bool iommu_inv_ladder(const struct iommu_inv_ctx *ctx,
				    unsigned int rung)
{
	return static_branch_unlikely(&iommu_inv_ladder_key) &&
	       READ_ONCE(ctx->ladder) == rung;
}

/* Whether the call stops after step @rung or a later one. */
static inline bool iommu_inv_ladder_from(const struct iommu_inv_ctx *ctx,
					 unsigned int rung)
{
	return static_branch_unlikely(&iommu_inv_ladder_key) &&
	       READ_ONCE(ctx->ladder) >= rung;
}
#else
static inline bool iommu_inv_ladder(const struct iommu_inv_ctx *ctx,
				    unsigned int rung)
{
	return false;
}

static inline bool iommu_inv_ladder_from(const struct iommu_inv_ctx *ctx,
					 unsigned int rung)
{
	return false;
}
#endif

/**
 * struct iommu_inv_object - head of every object
 * @type: what the object is
 * @id: its ID in &iommu_inv_ctx.objects
 * @users: 1 for the table, plus one per holder (another object or a call
 *	in progress); destroy succeeds only from 1
 * @rcu: frees the object after a grace period (see &iommu_inv_ctx.hot)
 */
struct iommu_inv_object {
	enum iommu_inv_obj_type type;
	u32 id;
	refcount_t users;
	struct rcu_head rcu;
};

struct iommu_inv_object *iommu_inv_obj_alloc(struct iommu_inv_ctx *ctx,
					     size_t size,
					     enum iommu_inv_obj_type type);
void iommu_inv_obj_finalize(struct iommu_inv_ctx *ctx,
			    struct iommu_inv_object *obj);
void iommu_inv_obj_abort(struct iommu_inv_ctx *ctx,
			 struct iommu_inv_object *obj);
struct iommu_inv_object *iommu_inv_obj_get(struct iommu_inv_ctx *ctx, u32 id,
					   enum iommu_inv_obj_type type);

static inline void iommu_inv_obj_put(struct iommu_inv_object *obj)
{
	refcount_dec(&obj->users);
}

int iommu_inv_obj_destroy(struct iommu_inv_ctx *ctx, u32 id);
void iommu_inv_ctx_init(struct iommu_inv_ctx *ctx);
void iommu_inv_ctx_destroy(struct iommu_inv_ctx *ctx);

struct iommu_inv_hwpt;
struct iommu_inv_vdev;
struct iommu_inv_engine;

/* Entry types are below this. */
#define IOMMU_INV_ENTRY_NR (IOMMU_INV_ENTRY_SMMUV3_CMD + 1)
/* Rules per HWPT: a power of two, indexed by the type modulo it. */
#define IOMMU_INV_ENTRY_RULES 16

/**
 * struct iommu_inv_entry_rules - the engine's quick check of an entry, by
 *	entry type modulo IOMMU_INV_ENTRY_RULES (arrays of u64, so that an
 *	index needs no multiply)
 * @hdr: the header, as one u64, of an entry of exactly the kernel's size
 *	and no flags; all ones for a type the HWPT does not take
 * @mask: the header bits that must equal @hdr's: all but the type's valid
 *	flags (all bits for a type the HWPT does not take)
 * @fields: the type has generic fields to check (iommu_inv_check_fields())
 */
struct iommu_inv_entry_rules {
	u64 hdr[IOMMU_INV_ENTRY_RULES];
	u64 mask[IOMMU_INV_ENTRY_RULES];
	u8 fields[IOMMU_INV_ENTRY_RULES];
};

void iommu_inv_hwpt_rules_init(struct iommu_inv_hwpt *hwpt);

/**
 * struct iommu_inv_batch - a run of checked entries handed to a HWPT type
 * @entries: the entries, in kernel memory, each at least as long as the
 *	kernel's structure for its type (a longer entry has a zero tail);
 *	NULL for a block (@run). Read them with iommu_inv_batch_entry().
 * @run: a block, or NULL: @num entries of one length, back to back from
 *	@run, each of exactly the kernel's size for its type
 * @stride: the length of each entry of @run
 * @uniform: the entries of @run all have one and the same header (type,
 *	length, flags)
 * @num: how many
 * @first_index: array index of @entries[0] in the caller's array
 * @nonblock: the caller must not sleep, and nothing of its call has been
 *	done yet: a type whose queue is busy (its lock taken) returns 0 with
 *	@error -EAGAIN, having done nothing, and the call is issued again
 *	where it may block
 * @error: set by the op for the entry it stopped at
 * @hw_error: IOMMU_INV_HWERR_* for that entry, or 0
 */
struct iommu_inv_batch {
	const struct iommu_inv_entry_hdr * const *entries;
	const u8 *run;
	u32 stride;
	bool uniform;
	unsigned int num;
	u32 first_index;
	bool nonblock;
	int error;
	u32 hw_error;
};

/* Entry @i of @batch (@i below @batch->num). */
static inline const struct iommu_inv_entry_hdr *
iommu_inv_batch_entry(const struct iommu_inv_batch *batch, unsigned int i)
{
	if (batch->run)
		return (const void *)(batch->run + i * batch->stride);
	return batch->entries[i];
}

/**
 * struct iommu_inv_hwpt_ops - one HWPT type
 * @type: IOMMU_INV_HWPT_*
 * @entry_types: bit (1 << entry type) for every entry type accepted
 * @granule_log2: smallest invalidation granule
 * @needs_admin: bound to real hardware: CAP_SYS_ADMIN to allocate
 * @hwpt_size: size of the type's structure embedding &struct iommu_inv_hwpt
 * @config_size: size of the type's allocation config
 * @vdev_size: size of the type's structure embedding &struct iommu_inv_vdev
 * @vdev_config_size: size of the type's device config (0: none)
 * @init: set up a new HWPT from its config (already copied in, zero
 *	extended); returns 0 or -errno
 * @destroy: undo @init
 * @vdev_init: set up a new virtual device from its config
 * @vdev_destroy: undo @vdev_init; may be NULL
 * @invalidate: carry out @batch in order, stopping at the first entry that
 *	fails; called with &iommu_inv_hwpt.lock held. Returns how many
 *	entries succeeded; when that is less than @batch->num, the next entry
 *	failed with @batch->error and @batch->hw_error, or, with
 *	@batch->error 0 and at least one entry done, the type stopped at a
 *	limit of its own and is called again for the rest.
 */
struct iommu_inv_hwpt_ops {
	u32 type;
	u64 entry_types;
	u8 granule_log2;
	bool needs_admin;
	size_t hwpt_size;
	size_t config_size;
	size_t vdev_size;
	size_t vdev_config_size;
	int (*init)(struct iommu_inv_hwpt *hwpt, const void *config);
	void (*destroy)(struct iommu_inv_hwpt *hwpt);
	int (*vdev_init)(struct iommu_inv_vdev *vdev, const void *config);
	void (*vdev_destroy)(struct iommu_inv_vdev *vdev);
	unsigned int (*invalidate)(struct iommu_inv_hwpt *hwpt,
				   struct iommu_inv_batch *batch);
};

/**
 * struct iommu_inv_hwpt - a guest-owned stage-1 page table's caches
 * @obj: object head
 * @ops: its type
 * @lock: serialises @ops->invalidate and changes to @vdevs; per HWPT, held
 *	only around the op, never across user copies
 * @vdevs: virt_id -> &struct iommu_inv_vdev behind this HWPT
 * @num_vdevs: entries in @vdevs
 * @calls: statistics, see &struct iommu_inv_hwpt_info
 * @entries: statistics
 * @failed: statistics
 * @hw_errors: statistics
 * @rules: the engine's check of an entry header, by entry type modulo
 *	IOMMU_INV_ENTRY_RULES, made from @ops when the HWPT is made
 *	(iommu_inv_hwpt_rules_init())
 */
struct iommu_inv_hwpt {
	struct iommu_inv_object obj;
	const struct iommu_inv_hwpt_ops *ops;
	struct mutex lock; /* see @lock above */
	struct xarray vdevs;
	unsigned int num_vdevs;
	atomic64_t calls;
	atomic64_t entries;
	atomic64_t failed;
	atomic64_t hw_errors;
	struct iommu_inv_entry_rules rules;
};

/**
 * struct iommu_inv_vdev - a device behind a HWPT, as the guest names it
 * @obj: object head
 * @hwpt: the HWPT; referenced for the life of the device
 * @virt_id: the guest's ID for the device
 */
struct iommu_inv_vdev {
	struct iommu_inv_object obj;
	struct iommu_inv_hwpt *hwpt;
	u32 virt_id;
};

/* The vdev behind @hwpt named @virt_id; caller holds @hwpt->lock. */
static inline struct iommu_inv_vdev *
iommu_inv_hwpt_vdev(struct iommu_inv_hwpt *hwpt, u32 virt_id)
{
	lockdep_assert_held(&hwpt->lock);
	return xa_load(&hwpt->vdevs, virt_id);
}

/**
 * struct iommu_inv_call - one HWPT_INVALIDATE, from ioctl or io_uring
 * @ctx: the file's context
 * @hwpt: the HWPT, referenced by the caller
 * @entries: user address of the entries
 * @kentries: the entries in kernel memory instead (io_uring inline mode)
 * @results: user address of the results array
 * @entries_len: bytes readable at @entries
 * @entry_num: number of entries
 * @results_num: room at @results
 * @flags: IOMMU_INV_FLAG_*
 * @nonblock: the caller must not wait for the HWPT lock or for memory
 *	before the first entry is carried out (io_uring's first issue); the
 *	call then fails with -EAGAIN having done nothing
 * @processed: out: entries attempted
 * @first_error: out: index of the first failure, or @entry_num
 * @num_failed: out: failures
 * @num_results: out: results written
 * @error: out: errno of the first failure, or 0
 */
struct iommu_inv_call {
	struct iommu_inv_ctx *ctx;
	struct iommu_inv_hwpt *hwpt;
	const void __user *entries;
	const void *kentries;
	struct iommu_inv_result __user *results;
	u32 entries_len;
	u32 entry_num;
	u32 results_num;
	u32 flags;
	bool nonblock;
	u32 processed;
	u32 first_error;
	u32 num_failed;
	u32 num_results;
	int error;
};

/* The generic IOTLB and device-TLB entry types, as entry_types bits. */
#define IOMMU_INV_ENTRY_TLB_TYPES				\
	(BIT_ULL(IOMMU_INV_ENTRY_IOTLB_ALL) |			\
	 BIT_ULL(IOMMU_INV_ENTRY_IOTLB_PASID) |			\
	 BIT_ULL(IOMMU_INV_ENTRY_IOTLB_RANGE) |			\
	 BIT_ULL(IOMMU_INV_ENTRY_DEVTLB_PASID) |		\
	 BIT_ULL(IOMMU_INV_ENTRY_DEVTLB_RANGE))
/* The generic PASID-cache entry types. */
#define IOMMU_INV_ENTRY_PASID_CACHE_TYPES			\
	(BIT_ULL(IOMMU_INV_ENTRY_PASID_CACHE_ALL) |		\
	 BIT_ULL(IOMMU_INV_ENTRY_PASID_CACHE_PASID))

/* An entry length the UAPI allows: 8 to 256 bytes, a multiple of 8. */
static inline bool iommu_inv_entry_len_valid(u32 len)
{
	return len >= sizeof(struct iommu_inv_entry_hdr) && !(len % 8) &&
	       len <= IOMMU_INV_MAX_ENTRY_LEN;
}

int iommu_inv_call_run(struct iommu_inv_call *call);
int iommu_inv_invalidate(struct iommu_inv_ctx *ctx, u32 hwpt_id,
			 struct iommu_inv_call *call);
int iommu_inv_copy_floor(struct iommu_inv_ctx *ctx, const void __user *uptr,
			 u32 len);
void iommu_inv_engine_cache_free(struct iommu_inv_ctx *ctx);

/* Chunk the engine copies entries through; fixed, whatever the count. */
#define IOMMU_INV_CHUNK 2048

/* ioctl plumbing shared by the handlers (main.c) */
struct iommu_inv_ucmd {
	struct iommu_inv_ctx *ctx;
	void __user *ubuffer;
	u32 user_size;
	bool nonblock;
	void *cmd;
};

int iommu_inv_ucmd_respond(struct iommu_inv_ucmd *ucmd, size_t cmd_len);
int iommu_inv_ucmd_fetch(struct iommu_inv_ucmd *ucmd, size_t size,
			 size_t min_size);

int iommu_inv_hwpt_alloc_ioctl(struct iommu_inv_ucmd *ucmd);
int iommu_inv_vdev_alloc_ioctl(struct iommu_inv_ucmd *ucmd);
int iommu_inv_hwpt_invalidate_ioctl(struct iommu_inv_ucmd *ucmd);
int iommu_inv_hwpt_info_ioctl(struct iommu_inv_ucmd *ucmd);
const struct iommu_inv_hwpt_ops *iommu_inv_hwpt_type(u32 type);
u64 iommu_inv_hwpt_types(void);
void iommu_inv_hwpt_destroy(struct iommu_inv_object *obj);
void iommu_inv_vdev_destroy(struct iommu_inv_object *obj);
int iommu_inv_copy_config(void *dst, size_t ksize, u64 uptr, u32 len);
int iommu_inv_pci_rid_check(u32 rid);

/**
 * struct iommu_inv_unit_slot - a hardware unit this module takes on first
 *	use and keeps until it is unloaded
 * @lock: serializes the first uses
 * @unit: the unit, once taken
 * @err: why it could not be taken
 */
struct iommu_inv_unit_slot {
	struct mutex lock; /* see @lock above */
	void *unit;
	int err;
};

void *iommu_inv_unit_get(struct iommu_inv_unit_slot *slot,
			 void *(*probe)(void));

struct io_uring_cmd;
int iommu_inv_uring_cmd(struct io_uring_cmd *ioucmd, unsigned int issue_flags);

extern const struct iommu_inv_hwpt_ops iommu_inv_vtd_ops;
u64 iommu_inv_vtd_queues(void);

extern const struct iommu_inv_hwpt_ops iommu_inv_smmu_ops;

#ifdef CONFIG_IOMMUFD_INV_TEST
/* Largest descriptor a hardware type logs, in 64-bit words. */
#define IOMMU_INV_TESTQ_WORDS 4
/* Descriptors kept; IOMMU_INV_QUEUE_LOG_LEN in iommufd_inv_test.h. */
#define IOMMU_INV_TESTQ_LEN 64

/**
 * struct iommu_inv_testq - a hardware HWPT's queue traffic, for tests
 * @total: descriptors logged since the HWPT was made
 * @words: 64-bit words per descriptor
 * @armed: a bit flip waits for entry @index
 * @index: the entry whose descriptor gets it
 * @word: which word of the descriptor
 * @bit: which bit of the word
 * @ring: the last IOMMU_INV_TESTQ_LEN descriptors
 */
struct iommu_inv_testq {
	u64 total;
	unsigned int words;
	bool armed;
	u32 index;
	u8 word;
	u8 bit;
	u64 ring[IOMMU_INV_TESTQ_LEN * IOMMU_INV_TESTQ_WORDS];
};

struct iommu_inv_test_cmd;
void iommu_inv_testq_init(struct iommu_inv_testq *tq, unsigned int words);
void iommu_inv_testq_corrupt(struct iommu_inv_testq *tq, u64 *descs,
			     u32 first_index, unsigned int n);
void iommu_inv_testq_add(struct iommu_inv_testq *tq, const u64 *descs,
			 unsigned int n);
int iommu_inv_testq_op(struct iommu_inv_testq *tq, struct mutex *lock,
		       struct iommu_inv_test_cmd *cmd);
int iommu_inv_vtd_test(struct iommu_inv_hwpt *hwpt,
		       struct iommu_inv_test_cmd *cmd);
int iommu_inv_smmu_test(struct iommu_inv_hwpt *hwpt,
			struct iommu_inv_test_cmd *cmd);
extern atomic_t iommu_inv_num_files;
extern bool iommu_inv_mock_enabled;
extern bool iommu_inv_fake_units;
extern const struct iommu_inv_hwpt_ops iommu_inv_mock_ops;
int iommu_inv_test_ioctl(struct iommu_inv_ucmd *ucmd);
void iommu_inv_ladder_release(struct iommu_inv_ctx *ctx);
#ifdef CONFIG_ACPI
int iommu_inv_vtd_fake_fault(u32 fault, u32 sid);
#else
static inline int iommu_inv_vtd_fake_fault(u32 fault, u32 sid)
{
	return -ENODEV;
}
#endif
/* smmu_unit.c is always built in test builds. */
int iommu_inv_smmu_fake_fault(u32 fault, u32 sid);
#else
#define iommu_inv_mock_enabled false
#define iommu_inv_fake_units false
static inline void iommu_inv_ladder_release(struct iommu_inv_ctx *ctx)
{
}
#endif

#endif /* __IOMMUFD_INV_H */
