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
#include <linux/log2.h>
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

/* Entry types iommu_inv_check_fields() has something to check in. */
#define IOMMU_INV_FIELD_TYPES					\
	(BIT_ULL(IOMMU_INV_ENTRY_IOTLB_PASID) |			\
	 BIT_ULL(IOMMU_INV_ENTRY_IOTLB_RANGE) |			\
	 BIT_ULL(IOMMU_INV_ENTRY_DEVTLB_RANGE) |		\
	 BIT_ULL(IOMMU_INV_ENTRY_PASID_CACHE_PASID))

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
 * iommu_inv_hwpt_rules_init() - make a new HWPT's quick entry checks
 * @hwpt: the HWPT; its ops set
 *
 * One u64 compare per entry then tells whether an entry's header names a
 * type the HWPT takes, at exactly the kernel's size, with valid flags.
 */
void iommu_inv_hwpt_rules_init(struct iommu_inv_hwpt *hwpt)
{
	const struct iommu_inv_entry_desc *desc;
	struct iommu_inv_entry_hdr h, m;
	u16 type;

	BUILD_BUG_ON(sizeof(h) != sizeof(u64));
	BUILD_BUG_ON(ARRAY_SIZE(iommu_inv_entry_descs) != IOMMU_INV_ENTRY_NR);
	BUILD_BUG_ON(ARRAY_SIZE(iommu_inv_entry_descs) >
		     ARRAY_SIZE(hwpt->rules.hdr));
	BUILD_BUG_ON(!is_power_of_2(ARRAY_SIZE(hwpt->rules.hdr)));
	for (type = 0; type < IOMMU_INV_ENTRY_RULES; type++) {
		struct iommu_inv_entry_rules *r = &hwpt->rules;

		desc = type < IOMMU_INV_ENTRY_NR ?
		       iommu_inv_entry_desc(hwpt->ops->entry_types, type) : NULL;
		if (!desc) {
			/*
			 * Only an all-ones header matches, and its length
			 * (0xffff) is past any chunk or inline payload: the
			 * engine's length test refuses it.
			 */
			r->hdr[type] = U64_MAX;
			r->mask[type] = U64_MAX;
			r->fields[type] = 0;
			continue;
		}
		h = (struct iommu_inv_entry_hdr){ .type = type, .len = desc->size };
		m = (struct iommu_inv_entry_hdr){
			.type = U16_MAX, .len = U16_MAX, .flags = ~desc->flags,
		};
		memcpy(&r->hdr[type], &h, sizeof(r->hdr[type]));
		memcpy(&r->mask[type], &m, sizeof(r->mask[type]));
		r->fields[type] = !!(BIT_ULL(type) & IOMMU_INV_FIELD_TYPES);
	}
}

/**
 * struct iommu_inv_cursor - the per-call state of the engine, reset for
 *	each call at once
 * @off: bytes of the array taken into &iommu_inv_engine.data so far
 * @head: parse cursor in &iommu_inv_engine.data
 * @tail: end of the valid bytes in &iommu_inv_engine.data
 * @npend: checked entries waiting for the next op call: in
 *	&iommu_inv_engine.pend, or a block from &iommu_inv_engine.run
 * @stride: the length of each entry of a block; 0: the pending entries
 *	are in &iommu_inv_engine.pend
 * @nnorm: &iommu_inv_engine.norm slots in use
 * @pend_first: array index of the first pending entry
 * @hw_errors: failures with a hardware error code, for the statistics
 * @fault: the last copy stopped at an unreadable byte at @off
 * @stop: no further entry is to be attempted
 * @again: a non-blocking call found the HWPT busy before doing anything
 * @results_fault: writing a result failed
 * @uniform: the block's entries all have one header
 */
struct iommu_inv_cursor {
	u32 off;
	u32 head;
	u32 tail;
	u32 npend;
	u32 stride;
	u32 nnorm;
	u32 pend_first;
	u32 hw_errors;
	bool fault;
	bool stop;
	bool again;
	bool results_fault;
	bool uniform;
};

/**
 * struct iommu_inv_engine - state of one call, kept per file between calls
 * @call: the call
 * @data: the bytes parsed: @buf, or the call's entries when they are in
 *	kernel memory already (@call->kentries)
 * @c: the cursors and flags of the call
 * @run: the first pending entry, when they are a block (one length)
 * @pend: the run of checked entries for the next op call
 * @norm: zero-extended copies of short entries
 * @buf: the chunk
 */
struct iommu_inv_engine {
	struct iommu_inv_call *call;
	const u8 *data;
	struct iommu_inv_cursor c;
	const u8 *run;
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
	/* The quick check's length test refuses an all-ones header. */
	BUILD_BUG_ON(sizeof_field(struct iommu_inv_engine, buf) >= U16_MAX);
	BUILD_BUG_ON(sizeof_field(struct iommu_inv_uring_inline, entries) >=
		     U16_MAX);
	e->call = call;
	e->data = e->buf;
	e->c = (struct iommu_inv_cursor){};
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
 * Keep the unparsed bytes, then copy as much of the array as fits (all of
 * it, in one copy, when it fits the chunk). A copy that stops short is
 * retried from where it stopped, so the first unreadable byte is found
 * exactly. Entries already in kernel memory (a private copy the caller
 * made, such as an SQE's payload) are parsed where they are, all at once.
 */
static void iommu_inv_engine_refill(struct iommu_inv_engine *e)
{
	const u8 __user *src = e->call->entries;
	u32 keep = e->c.tail - e->c.head;
	u32 want, left, got;

	if (e->call->kentries) {
		if (!e->c.off) {
			e->data = e->call->kentries;
			e->c.off = e->call->entries_len;
			e->c.tail = e->c.off;
		}
		return;
	}
	if (e->c.head) {
		/* At most one partial entry is left: under 256 bytes. */
		if (keep)
			memmove(e->buf, e->buf + e->c.head, keep);
		e->c.head = 0;
		e->c.tail = keep;
	}
	if (e->c.fault)
		return;
	want = min_t(u32, IOMMU_INV_CHUNK - keep, e->call->entries_len - e->c.off);
	left = want;
	while (left) {
		got = want - left;
		left = copy_from_user(e->buf + keep + got, src + e->c.off + got,
				      left);
		if (left == want - got) {
			e->c.fault = true;
			break;
		}
	}
	e->c.off += want - left;
	e->c.tail += want - left;
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
		e->c.hw_errors++;
	if (!(call->flags & IOMMU_INV_FLAG_CONTINUE))
		e->c.stop = true;
	if (call->num_results >= call->results_num)
		return;
	if (copy_to_user(&call->results[call->num_results], &res,
			 sizeof(res))) {
		e->c.results_fault = true;
		e->c.stop = true;
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
	e->c.again = true;
	e->c.stop = true;
	return false;
}

/* Hand the pending run to the HWPT type; record where it stops. */
static void iommu_inv_engine_flush(struct iommu_inv_engine *e)
{
	struct iommu_inv_hwpt *hwpt = e->call->hwpt;
	/* Every field is set below before the op sees it. */
	struct iommu_inv_batch batch __uninitialized;
	unsigned int done = 0, n;
	u16 type;

	while (done < e->c.npend && !e->c.stop) {
		if (e->c.stride) {
			batch.entries = NULL;
			batch.run = e->run + done * e->c.stride;
		} else {
			batch.entries = e->pend + done;
			batch.run = NULL;
		}
		batch.stride = e->c.stride;
		batch.uniform = e->c.uniform;
		batch.num = e->c.npend - done;
		batch.first_index = e->c.pend_first + done;
		batch.nonblock = iommu_inv_engine_nonblock(e->call);
		batch.error = 0;
		batch.hw_error = 0;

		/*
		 * A non-blocking call on a hardware queue gets this one op
		 * call at most, so that it never waits for the unit after its
		 * first run: a longer one is issued again where it may wait.
		 */
		if (batch.nonblock && hwpt->ops->needs_admin &&
		    e->call->entry_num > IOMMU_INV_NORM_SLOTS) {
			e->c.again = true;
			e->c.stop = true;
			break;
		}
		if (!iommu_inv_engine_lock(e, batch.nonblock))
			break;
		n = hwpt->ops->invalidate(hwpt, &batch);
		mutex_unlock(&hwpt->lock);

		if (!n && batch.nonblock && batch.error == -EAGAIN) {
			/* The type's queue was busy; nothing was done. */
			e->c.again = true;
			e->c.stop = true;
			break;
		}
		done += n;
		e->call->processed = e->c.pend_first + done;
		/* A type may stop early, without an error, at its own limit. */
		if (done < e->c.npend && (batch.error || !n)) {
			/* -EAGAIN would make io_uring issue the call again. */
			if (WARN_ON_ONCE(batch.error >= 0 ||
					 batch.error == -EAGAIN))
				batch.error = -EIO;
			type = iommu_inv_batch_entry(&batch, n)->type;
			iommu_inv_engine_record(e, e->c.pend_first + done, type,
						batch.error, batch.hw_error);
			done++;
		}
	}
	e->c.npend = 0;
	e->c.stride = 0;
	e->c.nnorm = 0;
}

/*
 * Turn a pending block (of fewer than IOMMU_INV_RUN entries: the caller
 * flushes a longer one) into pointers, to append other entries.
 */
static void iommu_inv_engine_unpack(struct iommu_inv_engine *e)
{
	u32 i;

	for (i = 0; i < e->c.npend; i++)
		e->pend[i] = (const void *)(e->run + i * e->c.stride);
	e->c.stride = 0;
	e->c.uniform = false;
}

/* The type of the next entry, or 0 if not even its header is readable. */
static u16 iommu_inv_engine_type(const struct iommu_inv_engine *e)
{
	if (e->c.tail - e->c.head < sizeof(struct iommu_inv_entry_hdr))
		return 0;
	return ((const struct iommu_inv_entry_hdr *)(e->data + e->c.head))->type;
}

/*
 * Whether a refill would bring more of the next entry: its header, or the
 * rest of a valid length, is not in the chunk. (An invalid length is for
 * iommu_inv_engine_next() to refuse.)
 */
static bool iommu_inv_engine_short(const struct iommu_inv_engine *e)
{
	u32 avail = e->c.tail - e->c.head;
	u16 len;

	if (avail < sizeof(struct iommu_inv_entry_hdr))
		return true;
	len = ((const struct iommu_inv_entry_hdr *)(e->data + e->c.head))->len;
	return iommu_inv_entry_len_valid(len) && len > avail;
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
	if (e->c.tail - e->c.head < sizeof(*hdr)) {
		iommu_inv_engine_flush(e);
		if (e->c.stop)
			return NULL;
		iommu_inv_engine_refill(e);
		if (e->c.tail - e->c.head < sizeof(*hdr))
			goto short_read;
	}
	hdr = (const void *)(e->data + e->c.head);
	len = hdr->len;
	if (!iommu_inv_entry_len_valid(len)) {
		*error = -EINVAL;
		return NULL;
	}
	if (e->c.tail - e->c.head < len) {
		iommu_inv_engine_flush(e);
		if (e->c.stop)
			return NULL;
		iommu_inv_engine_refill(e);
		if (e->c.tail - e->c.head < len)
			goto short_read;
		hdr = (const void *)(e->data + e->c.head);
	}
	return hdr;

short_read:
	/* Either the array is shorter than its entries say, or unreadable. */
	*error = e->c.fault ? -EFAULT : -EINVAL;
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
		void *norm = e->norm[e->c.nnorm++];

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
 * The quick check of the entry at @p, whole or not, in [@p, @lim): a type
 * the HWPT takes, exactly the kernel's size, valid flags, whole before
 * @lim, and (@fields) valid generic fields. Returns its length, or 0.
 */
static __always_inline u32
iommu_inv_engine_quick(const struct iommu_inv_hwpt *hwpt, const u8 *p,
		       const u8 *lim, bool fields)
{
	const struct iommu_inv_entry_hdr *hdr = (const void *)p;
	const struct iommu_inv_entry_rules *r = &hwpt->rules;
	unsigned int t;
	u64 word;
	u16 len;

	/* Entry lengths are multiples of 8: @hdr is aligned. */
	if (lim - p < sizeof(*hdr))
		return 0;
	memcpy(&word, hdr, sizeof(word));
	len = hdr->len;
	/* A type past the table fails the compare of its type field. */
	t = hdr->type % IOMMU_INV_ENTRY_RULES;
	if (((word ^ r->hdr[t]) & r->mask[t]) || len > lim - p)
		return 0;
	if (fields && r->fields[t] && iommu_inv_check_fields(hwpt, hdr))
		return 0;
	return len;
}

/*
 * Entries from @q up to @stop while each has the length @len: the full
 * quick check of each (its own header against the HWPT's rules, its
 * generic fields). Every entry before @stop is whole in the chunk.
 * Returns where it stopped.
 */
static __always_inline const u8 *
iommu_inv_engine_same_len(const struct iommu_inv_hwpt *hwpt, const u8 *q,
			  const u8 *stop, u32 len)
{
	const struct iommu_inv_entry_rules *r = &hwpt->rules;
	const struct iommu_inv_entry_hdr *hdr;
	unsigned int t;
	u64 word;

	for (; q != stop; q += len) {
		hdr = (const void *)q;
		memcpy(&word, q, sizeof(word));
		t = hdr->type % IOMMU_INV_ENTRY_RULES;
		if (((word ^ r->hdr[t]) & r->mask[t]) || hdr->len != len)
			break;
		if (r->fields[t] && iommu_inv_check_fields(hwpt, hdr))
			break;
	}
	return q;
}

/*
 * The common case, with every cursor in a local: entries whole in the
 * chunk, exactly the kernel's size, valid. Queues them for the op until
 * the run is full or an entry needs the careful path (a refill, a short or
 * long entry, a failed check), and returns the index reached.
 *
 * A run starts as a block: while the entries repeat the first one's
 * header (a uniform run), each costs one compare of that header (and its
 * fields' check, for a type with fields); from the first entry with
 * another header, the block goes on while the entries have the first
 * one's length, each with its own full check. The op gets the block as
 * one (base and stride, no pointers), up to all that the chunk holds. At
 * the first entry of another length, a block of fewer than IOMMU_INV_RUN
 * entries goes on as an array of pointers.
 */
static u32 iommu_inv_engine_fast(struct iommu_inv_engine *e, u32 index,
				 u32 end)
{
	const struct iommu_inv_hwpt *hwpt = e->call->hwpt;
	const struct iommu_inv_entry_hdr **pend;
	const u8 *p = e->data + e->c.head, *lim = e->data + e->c.tail;
	const u8 *q, *stop, *stop2;
	u32 todo, n, len;
	u64 word, next;

	if (!e->c.npend) {
		e->c.pend_first = index;
		len = iommu_inv_engine_quick(hwpt, p, lim, false);
		if (!len)
			return index;
		memcpy(&word, p, sizeof(word));
		/* Up to the call's end or the last whole entry of @len. */
		n = end - index;
		if (n > 1)
			n = min_t(u32, n, (u32)(lim - p) / len);
		stop = p + n * len;
		q = p + len;
		if (BIT_ULL(((const struct iommu_inv_entry_hdr *)p)->type) &
		    IOMMU_INV_FIELD_TYPES) {
			if (iommu_inv_check_fields(hwpt, (const void *)p))
				return index;
			for (; q != stop; q += len) {
				memcpy(&next, q, sizeof(next));
				if (next != word ||
				    iommu_inv_check_fields(hwpt, (const void *)q))
					break;
			}
		} else {
			for (; q != stop; q += len) {
				memcpy(&next, q, sizeof(next));
				if (next != word)
					break;
			}
		}
		e->run = p;
		e->c.stride = len;
		e->c.uniform = true;
		if (q != stop) {
			/* Another header: go on with entries of this length. */
			stop2 = iommu_inv_engine_same_len(hwpt, q, stop, len);
			if (stop2 != q) {
				e->c.uniform = false;
				q = stop2;
			}
		}
		e->c.head = q - e->data;
		if (q == stop) {
			/* Call or chunk done: the op gets the block. */
			e->c.npend = n;
			return index + n;
		}
		n = (q - p) / len;
		e->c.npend = n;
		index += n;
		if (n >= IOMMU_INV_RUN)
			return index;
		/* An entry of another length follows: go on with pointers. */
		iommu_inv_engine_unpack(e);
		p = q;
	} else if (e->c.stride) {
		iommu_inv_engine_unpack(e);
	}
	todo = min(end - index, IOMMU_INV_RUN - e->c.npend);
	pend = e->pend + e->c.npend;
	for (n = todo; n; n--) {
		len = iommu_inv_engine_quick(hwpt, p, lim, true);
		if (!len)
			break;
		*pend++ = (const void *)p;
		p += len;
	}
	e->c.head = p - e->data;
	e->c.npend += todo - n;
	return index + todo - n;
}

/* Add a finished call to the HWPT's statistics. */
static __always_inline void iommu_inv_engine_account(struct iommu_inv_engine *e,
						     struct iommu_inv_hwpt *hwpt)
{
	const struct iommu_inv_call *call = e->call;

	atomic64_inc(&hwpt->calls);
	atomic64_add(call->processed, &hwpt->entries);
	if (unlikely(call->num_failed)) {
		atomic64_add(call->num_failed, &hwpt->failed);
		atomic64_add(e->c.hw_errors, &hwpt->hw_errors);
	}
}

/**
 * iommu_inv_call_run() - carry out one HWPT_INVALIDATE
 * @call: the call; its in fields checked by the caller, its hwpt held,
 *	its out fields set to "nothing done" (iommu_inv_invalidate())
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

	if (!call->entry_num)
		return 0;

	e = iommu_inv_engine_alloc(call);
	if (!e)
		return call->nonblock ? -EAGAIN : -ENOMEM;

	/*
	 * The whole array in one copy when it fits the chunk. A copy that
	 * fails part-way is redone by refill, which finds the first
	 * unreadable byte exactly.
	 */
	if (!call->kentries && call->entries_len <= IOMMU_INV_CHUNK &&
	    !copy_from_user(e->buf, call->entries, call->entries_len)) {
		e->c.off = call->entries_len;
		e->c.tail = e->c.off;
	} else {
		iommu_inv_engine_refill(e);
	}
	while (index < call->entry_num && !e->c.stop) {
		if (e->c.npend >= IOMMU_INV_RUN ||
		    e->c.nnorm == IOMMU_INV_NORM_SLOTS)
			iommu_inv_engine_flush(e);
		if (e->c.stop)
			break;

		index = iommu_inv_engine_fast(e, index, call->entry_num);
		if (index == call->entry_num)
			break;
		if (e->c.npend >= IOMMU_INV_RUN)
			continue;
		if (iommu_inv_engine_short(e) && e->c.off < call->entries_len &&
		    !e->c.fault) {
			/* The chunk is used up: the next run starts quick. */
			iommu_inv_engine_flush(e);
			if (e->c.stop)
				break;
			iommu_inv_engine_refill(e);
			continue;
		}

		hdr = iommu_inv_engine_next(e, &error);
		if (!hdr) {
			if (!error)
				break;
			/* The next entry cannot be found: stop in any mode. */
			iommu_inv_engine_flush(e);
			if (!e->c.stop)
				iommu_inv_engine_record(e, index,
							iommu_inv_engine_type(e),
							error, 0);
			e->c.stop = true;
			break;
		}
		e->c.head += hdr->len;

		ent = iommu_inv_engine_check(e, hdr, &error);
		if (!ent) {
			iommu_inv_engine_flush(e);
			if (!e->c.stop)
				iommu_inv_engine_record(e, index, hdr->type,
							error, 0);
		} else {
			if (!e->c.npend)
				e->c.pend_first = index;
			else if (e->c.stride)
				iommu_inv_engine_unpack(e);
			e->pend[e->c.npend++] = ent;
		}
		index++;
	}
	if (iommu_inv_ladder(call->ctx, IOMMU_INV_LADDER_ENGINE)) {
		iommu_inv_engine_free(e);
		return -ECANCELED;
	}
	iommu_inv_engine_flush(e);
	if (e->c.again) {
		iommu_inv_engine_free(e);
		return -EAGAIN;
	}
	if (!e->c.stop)
		call->processed = call->entry_num;
	if (iommu_inv_ladder_from(call->ctx, IOMMU_INV_LADDER_OP)) {
		/* The benchmark's ladder: stop before or after the statistics. */
		if (iommu_inv_ladder(call->ctx, IOMMU_INV_LADDER_STATS))
			iommu_inv_engine_account(e, hwpt);
		iommu_inv_engine_free(e);
		return -ECANCELED;
	}
	iommu_inv_engine_account(e, hwpt);

	error = e->c.results_fault ? -EFAULT : call->error;
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
	while (e->c.off < len) {
		e->c.head = e->c.tail;
		iommu_inv_engine_refill(e);
		if (e->c.fault) {
			rc = -EFAULT;
			break;
		}
	}
	iommu_inv_engine_free(e);
	return rc;
}
