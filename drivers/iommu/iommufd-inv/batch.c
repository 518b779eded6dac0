// SPDX-License-Identifier: GPL-2.0
/*
 * The invalidation engine: copy the user's entries through a fixed-size
 * chunk, check each entry's header and generic fields, hand runs of checked
 * entries to the HWPT type in array order, and record a result for every
 * entry that fails.
 *
 * Memory does not depend on the entry count: one chunk per call. The HWPT
 * lock is taken around the type's op only, never across a user copy.
 */
#include <linux/overflow.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "iommufd_inv.h"
#include "trace.h"

/* Entries handed to the HWPT type at most per op call. */
#define IOMMU_INV_RUN 64
/* Short entries zero-extended per run (an older program's entries). */
#define IOMMU_INV_NORM_SLOTS 8
/* Largest kernel structure of any entry type. */
#define IOMMU_INV_ENTRY_KMAX sizeof(struct iommu_inv_entry_vtd_desc)

/**
 * struct iommu_inv_entry_desc - what the core knows of an entry type
 * @size: the kernel's structure size
 * @flags: valid header flags
 */
struct iommu_inv_entry_desc {
	u16 size;
	u32 flags;
};

/*
 * A byte range: non-empty, granule aligned, and not wrapping past 2^64
 * (reaching it exactly is fine).
 */
static int iommu_inv_check_range(const struct iommu_inv_hwpt *hwpt, u64 addr,
				 u64 size)
{
	u64 mask = BIT_ULL(hwpt->ops->granule_log2) - 1;
	u64 last;

	if (!size || (addr & mask) || (size & mask))
		return -EINVAL;
	if (check_add_overflow(addr, size - 1, &last))
		return -EOVERFLOW;
	return 0;
}

/*
 * Generic checks of an entry's fields (reserved fields, ranges), by type:
 * a switch, not a table of function pointers, as it runs for every entry.
 */
static int iommu_inv_check_fields(const struct iommu_inv_hwpt *hwpt,
				  const struct iommu_inv_entry_hdr *hdr)
{
	const struct iommu_inv_entry_iotlb_range *ir;
	const struct iommu_inv_entry_devtlb_range *dr;

	switch (hdr->type) {
	case IOMMU_INV_ENTRY_IOTLB_PASID:
		return ((const struct iommu_inv_entry_iotlb_pasid *)hdr)->__reserved ?
		       -EOPNOTSUPP : 0;
	case IOMMU_INV_ENTRY_IOTLB_RANGE:
		ir = (const void *)hdr;
		if (ir->__reserved)
			return -EOPNOTSUPP;
		return iommu_inv_check_range(hwpt, ir->addr, ir->size);
	case IOMMU_INV_ENTRY_DEVTLB_RANGE:
		dr = (const void *)hdr;
		return iommu_inv_check_range(hwpt, dr->addr, dr->size);
	case IOMMU_INV_ENTRY_PASID_CACHE_PASID:
		return ((const struct iommu_inv_entry_pc_pasid *)hdr)->__reserved ?
		       -EOPNOTSUPP : 0;
	}
	return 0;
}

#define ENTRY(_type, _struct, _flags)					\
	[_type] = { .size = sizeof(struct _struct), .flags = _flags }

static const struct iommu_inv_entry_desc iommu_inv_entry_descs[] = {
	ENTRY(IOMMU_INV_ENTRY_IOTLB_ALL, iommu_inv_entry_iotlb_all, 0),
	ENTRY(IOMMU_INV_ENTRY_IOTLB_PASID, iommu_inv_entry_iotlb_pasid, 0),
	ENTRY(IOMMU_INV_ENTRY_IOTLB_RANGE, iommu_inv_entry_iotlb_range,
	      IOMMU_INV_IOTLB_FLAG_LEAF),
	ENTRY(IOMMU_INV_ENTRY_DEVTLB_PASID, iommu_inv_entry_devtlb_pasid, 0),
	ENTRY(IOMMU_INV_ENTRY_DEVTLB_RANGE, iommu_inv_entry_devtlb_range, 0),
	ENTRY(IOMMU_INV_ENTRY_PASID_CACHE_ALL, iommu_inv_entry_pc_all, 0),
	ENTRY(IOMMU_INV_ENTRY_PASID_CACHE_PASID, iommu_inv_entry_pc_pasid, 0),
	ENTRY(IOMMU_INV_ENTRY_VTD_DESC, iommu_inv_entry_vtd_desc, 0),
	ENTRY(IOMMU_INV_ENTRY_SMMUV3_CMD, iommu_inv_entry_smmuv3_cmd, 0),
};

/*
 * What the core knows of an entry type the HWPT takes (its type bit set in
 * @types, from the HWPT type's ops), or NULL.
 */
static const struct iommu_inv_entry_desc *
iommu_inv_entry_desc(u64 types, u16 type)
{
	if (type >= ARRAY_SIZE(iommu_inv_entry_descs) ||
	    !(types & BIT_ULL(type)) || !iommu_inv_entry_descs[type].size)
		return NULL;
	return &iommu_inv_entry_descs[type];
}

/**
 * struct iommu_inv_engine - state of one call, allocated once per call
 * @call: the call
 * @off: bytes of the user array copied so far
 * @head: parse cursor in @buf
 * @tail: end of the valid bytes in @buf
 * @fault: the last copy stopped at an unreadable byte at @off
 * @stop: no further entry is to be attempted
 * @again: a non-blocking call found the HWPT busy before doing anything
 * @results_fault: writing a result failed
 * @npend: checked entries waiting in @pend
 * @nnorm: @norm slots in use
 * @pend_first: array index of @pend[0]
 * @hw_errors: failures with a hardware error code, for the statistics
 * @pend: the run of checked entries for the next op call
 * @norm: zero-extended copies of short entries
 * @buf: the chunk
 */
struct iommu_inv_engine {
	struct iommu_inv_call *call;
	u32 off;
	u32 head;
	u32 tail;
	bool fault;
	bool stop;
	bool again;
	bool results_fault;
	unsigned int npend;
	unsigned int nnorm;
	u32 pend_first;
	u32 hw_errors;
	const struct iommu_inv_entry_hdr *pend[IOMMU_INV_RUN];
	u64 norm[IOMMU_INV_NORM_SLOTS][IOMMU_INV_ENTRY_KMAX / sizeof(u64)];
	u8 buf[IOMMU_INV_CHUNK] __aligned(8);
};

/*
 * Take the file's spare engine, or allocate one when another call on the
 * same file holds it.
 */
static struct iommu_inv_engine *iommu_inv_engine_alloc(struct iommu_inv_call *call)
{
	struct iommu_inv_engine *e;

	e = xchg(&call->ctx->spare_engine, NULL);
	if (!e)
		e = kmalloc(sizeof(*e), call->nonblock ?
					GFP_NOWAIT | __GFP_ACCOUNT :
					GFP_KERNEL_ACCOUNT);
	if (!e)
		return NULL;
	e->call = call;
	e->off = 0;
	e->head = 0;
	e->tail = 0;
	e->fault = false;
	e->stop = false;
	e->again = false;
	e->results_fault = false;
	e->npend = 0;
	e->nnorm = 0;
	e->hw_errors = 0;
	return e;
}

/* Keep @e as the file's spare engine, unless it already has one. */
static void iommu_inv_engine_free(struct iommu_inv_engine *e)
{
	if (cmpxchg(&e->call->ctx->spare_engine, NULL, e))
		kfree(e);
}

/**
 * iommu_inv_engine_cache_free() - free a closing file's spare engine
 * @ctx: the file's context; no call can be running on it
 */
void iommu_inv_engine_cache_free(struct iommu_inv_ctx *ctx)
{
	kfree(ctx->spare_engine);
	ctx->spare_engine = NULL;
}

/*
 * Keep the unparsed bytes, then copy as much of the array as fits. A copy
 * that stops short is retried from where it stopped, so the first
 * unreadable byte is found exactly. Entries already in kernel memory are
 * copied too: the chunk is the only copy ever parsed.
 */
static void iommu_inv_engine_refill(struct iommu_inv_engine *e)
{
	const u8 __user *src = e->call->entries;
	u32 keep = e->tail - e->head;
	u32 want, left, got;

	if (e->head) {
		memmove(e->buf, e->buf + e->head, keep);
		e->head = 0;
		e->tail = keep;
	}
	if (e->fault)
		return;
	want = min_t(u32, IOMMU_INV_CHUNK - keep, e->call->entries_len - e->off);
	if (e->call->kentries) {
		memcpy(e->buf + keep, e->call->kentries + e->off, want);
		e->off += want;
		e->tail += want;
		return;
	}
	left = want;
	while (left) {
		got = want - left;
		left = copy_from_user(e->buf + keep + got, src + e->off + got,
				      left);
		if (left == want - got) {
			e->fault = true;
			break;
		}
	}
	e->off += want - left;
	e->tail += want - left;
}

static void iommu_inv_engine_record(struct iommu_inv_engine *e, u32 index,
				    u16 type, int error, u32 hw_error)
{
	struct iommu_inv_call *call = e->call;
	struct iommu_inv_result res = {
		.index = index,
		.error = error,
		.hw_error = hw_error,
	};

	trace_iommu_inv_entry_fail(call->hwpt->obj.id, index, type, error,
				   hw_error);
	call->processed = index + 1;
	if (!call->num_failed++) {
		call->first_error = index;
		call->error = error;
	}
	if (hw_error)
		e->hw_errors++;
	if (!(call->flags & IOMMU_INV_FLAG_CONTINUE))
		e->stop = true;
	if (call->num_results >= call->results_num)
		return;
	if (copy_to_user(&call->results[call->num_results], &res,
			 sizeof(res))) {
		e->results_fault = true;
		e->stop = true;
		return;
	}
	call->num_results++;
}

/*
 * A non-blocking call may find the HWPT or its queue busy only while it
 * has done nothing: no entry carried out, no result written. Later in the
 * call the wait is bounded by one run of the other caller.
 */
static bool iommu_inv_engine_nonblock(const struct iommu_inv_call *call)
{
	return call->nonblock && !call->processed && !call->num_failed;
}

static bool iommu_inv_engine_lock(struct iommu_inv_engine *e, bool nonblock)
{
	struct iommu_inv_hwpt *hwpt = e->call->hwpt;

	if (!nonblock) {
		mutex_lock(&hwpt->lock);
		return true;
	}
	if (mutex_trylock(&hwpt->lock))
		return true;
	e->again = true;
	e->stop = true;
	return false;
}

/* Hand the pending run to the HWPT type; record where it stops. */
static void iommu_inv_engine_flush(struct iommu_inv_engine *e)
{
	struct iommu_inv_hwpt *hwpt = e->call->hwpt;
	struct iommu_inv_batch batch;
	unsigned int done = 0, n;

	while (done < e->npend && !e->stop) {
		batch.entries = e->pend + done;
		batch.num = e->npend - done;
		batch.first_index = e->pend_first + done;
		batch.nonblock = iommu_inv_engine_nonblock(e->call);
		batch.error = 0;
		batch.hw_error = 0;

		if (!iommu_inv_engine_lock(e, batch.nonblock))
			break;
		n = hwpt->ops->invalidate(hwpt, &batch);
		mutex_unlock(&hwpt->lock);

		if (!n && batch.nonblock && batch.error == -EAGAIN) {
			/* The type's queue was busy; nothing was done. */
			e->again = true;
			e->stop = true;
			break;
		}
		done += n;
		e->call->processed = e->pend_first + done;
		if (done < e->npend) {
			/* -EAGAIN would make io_uring issue the call again. */
			if (WARN_ON_ONCE(batch.error >= 0 ||
					 batch.error == -EAGAIN))
				batch.error = -EIO;
			iommu_inv_engine_record(e, e->pend_first + done,
						e->pend[done]->type,
						batch.error, batch.hw_error);
			done++;
		}
	}
	e->npend = 0;
	e->nnorm = 0;
}

/* The type of the next entry, or 0 if not even its header is readable. */
static u16 iommu_inv_engine_type(const struct iommu_inv_engine *e)
{
	if (e->tail - e->head < sizeof(struct iommu_inv_entry_hdr))
		return 0;
	return ((const struct iommu_inv_entry_hdr *)(e->buf + e->head))->type;
}

/*
 * Make the whole next entry readable in the chunk. Returns it, or NULL
 * with *error set when it cannot be read or its length is invalid, or NULL
 * with *error 0 when a flush on the way stopped the call.
 */
static const struct iommu_inv_entry_hdr *
iommu_inv_engine_next(struct iommu_inv_engine *e, int *error)
{
	const struct iommu_inv_entry_hdr *hdr;
	u32 len;

	*error = 0;
	if (e->tail - e->head < sizeof(*hdr)) {
		iommu_inv_engine_flush(e);
		if (e->stop)
			return NULL;
		iommu_inv_engine_refill(e);
		if (e->tail - e->head < sizeof(*hdr))
			goto short_read;
	}
	hdr = (const void *)(e->buf + e->head);
	len = hdr->len;
	if (!iommu_inv_entry_len_valid(len)) {
		*error = -EINVAL;
		return NULL;
	}
	if (e->tail - e->head < len) {
		iommu_inv_engine_flush(e);
		if (e->stop)
			return NULL;
		iommu_inv_engine_refill(e);
		if (e->tail - e->head < len)
			goto short_read;
		hdr = (const void *)(e->buf + e->head);
	}
	return hdr;

short_read:
	/* Either the array is shorter than its entries say, or unreadable. */
	*error = e->fault ? -EFAULT : -EINVAL;
	return NULL;
}

/*
 * Check one entry's type, flags and generic fields. Returns the entry to
 * hand to the HWPT type (a zero-extended copy if it was short), or NULL
 * with *error set.
 */
static const struct iommu_inv_entry_hdr *
iommu_inv_engine_check(struct iommu_inv_engine *e,
		       const struct iommu_inv_entry_hdr *hdr, int *error)
{
	const struct iommu_inv_hwpt *hwpt = e->call->hwpt;
	const struct iommu_inv_entry_desc *desc;
	u16 type = hdr->type;
	u16 len = hdr->len;

	desc = iommu_inv_entry_desc(hwpt->ops->entry_types, type);
	if (!desc || (hdr->flags & ~desc->flags)) {
		*error = -EOPNOTSUPP;
		return NULL;
	}
	if (len < desc->size) {
		void *norm = e->norm[e->nnorm++];

		memcpy(norm, hdr, len);
		memset(norm + len, 0, desc->size - len);
		hdr = norm;
	} else if (len > desc->size &&
		   memchr_inv((const u8 *)hdr + desc->size, 0,
			      len - desc->size)) {
		*error = -E2BIG;
		return NULL;
	}
	*error = iommu_inv_check_fields(hwpt, hdr);
	if (*error)
		return NULL;
	return hdr;
}

/*
 * The common case, with every cursor in a local: entries whole in the
 * chunk, exactly the kernel's size, valid. Queues them for the op until
 * the run is full or an entry needs the careful path (a refill, a short or
 * long entry, a failed check), and returns the index reached.
 */
static u32 iommu_inv_engine_fast(struct iommu_inv_engine *e, u32 index,
				 u32 end)
{
	const struct iommu_inv_hwpt *hwpt = e->call->hwpt;
	u64 types = hwpt->ops->entry_types;
	unsigned int npend = e->npend;
	u32 head = e->head, tail = e->tail;

	if (!npend)
		e->pend_first = index;
	while (index < end && npend < IOMMU_INV_RUN &&
	       tail - head >= sizeof(struct iommu_inv_entry_hdr)) {
		const struct iommu_inv_entry_hdr *hdr = (const void *)(e->buf + head);
		const struct iommu_inv_entry_desc *desc;
		u16 type = hdr->type, len = hdr->len;

		desc = iommu_inv_entry_desc(types, type);
		if (!desc || len != desc->size || len > tail - head ||
		    (hdr->flags & ~desc->flags) ||
		    iommu_inv_check_fields(hwpt, hdr))
			break;
		e->pend[npend++] = hdr;
		head += len;
		index++;
	}
	e->head = head;
	e->npend = npend;
	return index;
}

/**
 * iommu_inv_call_run() - carry out one HWPT_INVALIDATE
 * @call: the call; its in fields checked by the caller, its hwpt held
 *
 * Fills the out fields of @call. The caller copies them to user space.
 *
 * Return: 0 if every entry succeeded, the errno of the first failed entry,
 * -EFAULT if a result could not be written, or, before any entry was
 * touched, -ENOMEM or (@call->nonblock) -EAGAIN.
 */
int iommu_inv_call_run(struct iommu_inv_call *call)
{
	struct iommu_inv_hwpt *hwpt = call->hwpt;
	const struct iommu_inv_entry_hdr *hdr, *ent;
	struct iommu_inv_engine *e;
	u32 index = 0;
	int error;

	call->processed = 0;
	call->first_error = call->entry_num;
	call->num_failed = 0;
	call->num_results = 0;
	call->error = 0;
	if (!call->entry_num)
		return 0;

	e = iommu_inv_engine_alloc(call);
	if (!e)
		return call->nonblock ? -EAGAIN : -ENOMEM;

	while (index < call->entry_num && !e->stop) {
		if (e->npend == IOMMU_INV_RUN ||
		    e->nnorm == IOMMU_INV_NORM_SLOTS)
			iommu_inv_engine_flush(e);
		if (e->stop)
			break;

		index = iommu_inv_engine_fast(e, index, call->entry_num);
		if (index == call->entry_num)
			break;
		if (e->npend == IOMMU_INV_RUN)
			continue;

		hdr = iommu_inv_engine_next(e, &error);
		if (!hdr) {
			if (!error)
				break;
			/* The next entry cannot be found: stop in any mode. */
			iommu_inv_engine_flush(e);
			if (!e->stop)
				iommu_inv_engine_record(e, index,
							iommu_inv_engine_type(e),
							error, 0);
			e->stop = true;
			break;
		}
		e->head += hdr->len;

		ent = iommu_inv_engine_check(e, hdr, &error);
		if (!ent) {
			iommu_inv_engine_flush(e);
			if (!e->stop)
				iommu_inv_engine_record(e, index, hdr->type,
							error, 0);
		} else {
			if (!e->npend)
				e->pend_first = index;
			e->pend[e->npend++] = ent;
		}
		index++;
	}
	iommu_inv_engine_flush(e);
	if (e->again) {
		iommu_inv_engine_free(e);
		return -EAGAIN;
	}
	if (!e->stop)
		call->processed = call->entry_num;

	atomic64_inc(&hwpt->calls);
	atomic64_add(call->processed, &hwpt->entries);
	atomic64_add(call->num_failed, &hwpt->failed);
	atomic64_add(e->hw_errors, &hwpt->hw_errors);

	error = e->results_fault ? -EFAULT : call->error;
	iommu_inv_engine_free(e);
	return error;
}

/**
 * iommu_inv_copy_floor() - copy bytes as the engine does, and nothing else
 * @ctx: the file's context (its spare engine is used as a call's is)
 * @uptr: user address
 * @len: bytes
 *
 * The benchmark's floor: the same allocation, chunk and copy routine as
 * iommu_inv_call_run(), without parsing or dispatch.
 *
 * Return: 0, -ENOMEM or -EFAULT.
 */
int iommu_inv_copy_floor(struct iommu_inv_ctx *ctx, const void __user *uptr,
			 u32 len)
{
	struct iommu_inv_call call = {
		.ctx = ctx, .entries = uptr, .entries_len = len,
	};
	struct iommu_inv_engine *e;
	int rc = 0;

	e = iommu_inv_engine_alloc(&call);
	if (!e)
		return -ENOMEM;
	while (e->off < len) {
		e->head = e->tail;
		iommu_inv_engine_refill(e);
		if (e->fault) {
			rc = -EFAULT;
			break;
		}
	}
	iommu_inv_engine_free(e);
	return rc;
}
