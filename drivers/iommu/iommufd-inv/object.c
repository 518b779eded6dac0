// SPDX-License-Identifier: GPL-2.0
/*
 * The per-file object table. An object is never visible half built: its ID
 * is reserved with XA_ZERO_ENTRY (lookups see nothing), the object is set
 * up, then either published by iommu_inv_obj_finalize() or dropped by
 * iommu_inv_obj_abort(). Destroy succeeds only when the table holds the
 * last reference.
 */
#include <linux/rcupdate.h>
#include <linux/slab.h>

#include "iommufd_inv.h"

static void (*const iommu_inv_obj_destroy_fn[IOMMU_INV_OBJ_MAX])(struct iommu_inv_object *) = {
	[IOMMU_INV_OBJ_HWPT] = iommu_inv_hwpt_destroy,
	[IOMMU_INV_OBJ_VDEV] = iommu_inv_vdev_destroy,
};

void iommu_inv_ctx_init(struct iommu_inv_ctx *ctx)
{
	xa_init_flags(&ctx->objects, XA_FLAGS_ALLOC1 | XA_FLAGS_ACCOUNT);
	atomic_set(&ctx->num_objects, 0);
	ctx->hot = NULL;
}

/**
 * iommu_inv_obj_alloc() - allocate an object and reserve its ID
 * @ctx: the file's context
 * @size: size of the structure embedding &struct iommu_inv_object first
 * @type: the object's type
 *
 * Return: the zeroed object with one reference (the table's), or
 * ERR_PTR(-ENOSPC) past IOMMU_INV_MAX_OBJECTS, or ERR_PTR(-ENOMEM).
 */
struct iommu_inv_object *iommu_inv_obj_alloc(struct iommu_inv_ctx *ctx,
					     size_t size,
					     enum iommu_inv_obj_type type)
{
	struct iommu_inv_object *obj;
	int rc;

	if (atomic_inc_return(&ctx->num_objects) > IOMMU_INV_MAX_OBJECTS) {
		rc = -ENOSPC;
		goto out_count;
	}
	obj = kzalloc(size, GFP_KERNEL_ACCOUNT);
	if (!obj) {
		rc = -ENOMEM;
		goto out_count;
	}
	obj->type = type;
	refcount_set(&obj->users, 1);
	rc = xa_alloc(&ctx->objects, &obj->id, XA_ZERO_ENTRY, xa_limit_31b,
		      GFP_KERNEL_ACCOUNT);
	if (rc)
		goto out_free;
	return obj;

out_free:
	kfree(obj);
out_count:
	atomic_dec(&ctx->num_objects);
	return ERR_PTR(rc);
}

/**
 * iommu_inv_obj_finalize() - publish a fully built object under its ID
 * @ctx: the file's context
 * @obj: from iommu_inv_obj_alloc()
 */
void iommu_inv_obj_finalize(struct iommu_inv_ctx *ctx,
			    struct iommu_inv_object *obj)
{
	void *old;

	old = xa_store(&ctx->objects, obj->id, obj, GFP_KERNEL);
	/* The slot exists already: storing into it cannot fail. */
	WARN_ON(old);
}

/**
 * iommu_inv_obj_abort() - drop an object that was never published
 * @ctx: the file's context
 * @obj: from iommu_inv_obj_alloc(); its type-specific state already undone
 */
void iommu_inv_obj_abort(struct iommu_inv_ctx *ctx,
			 struct iommu_inv_object *obj)
{
	xa_erase(&ctx->objects, obj->id);
	kfree(obj);
	atomic_dec(&ctx->num_objects);
}

/**
 * iommu_inv_obj_get() - look up an object and take a reference
 * @ctx: the file's context
 * @id: its ID
 * @type: the type the caller needs
 *
 * Return: the object, or ERR_PTR(-ENOENT) if there is no published object
 * of @type under @id (or it is being destroyed).
 */
struct iommu_inv_object *iommu_inv_obj_get(struct iommu_inv_ctx *ctx, u32 id,
					   enum iommu_inv_obj_type type)
{
	struct iommu_inv_object *obj;

	/*
	 * The HWPT looked up last, without the table's lock: a VMM
	 * invalidates the same HWPT call after call. An object being
	 * destroyed has no users left, so the reference is refused; its
	 * memory lasts until the grace period ends.
	 */
	rcu_read_lock();
	obj = READ_ONCE(ctx->hot);
	if (obj && obj->id == id && obj->type == type &&
	    refcount_inc_not_zero(&obj->users)) {
		rcu_read_unlock();
		return obj;
	}
	rcu_read_unlock();

	xa_lock(&ctx->objects);
	obj = xa_load(&ctx->objects, id);
	if (!obj || obj->type != type || !refcount_inc_not_zero(&obj->users))
		obj = ERR_PTR(-ENOENT);
	else if (type == IOMMU_INV_OBJ_HWPT)
		WRITE_ONCE(ctx->hot, obj);
	xa_unlock(&ctx->objects);
	return obj;
}

/**
 * iommu_inv_obj_destroy() - destroy an object by ID
 * @ctx: the file's context
 * @id: its ID
 *
 * Return: 0, -ENOENT if there is no such object, -EBUSY if another object
 * or a call in progress still holds it.
 */
int iommu_inv_obj_destroy(struct iommu_inv_ctx *ctx, u32 id)
{
	struct iommu_inv_object *obj;
	int rc = 0;

	xa_lock(&ctx->objects);
	obj = xa_load(&ctx->objects, id);
	if (!obj)
		rc = -ENOENT;
	else if (!refcount_dec_if_one(&obj->users))
		rc = -EBUSY;
	else
		__xa_erase(&ctx->objects, id);
	if (!rc && ctx->hot == obj)
		WRITE_ONCE(ctx->hot, NULL);
	xa_unlock(&ctx->objects);
	if (rc)
		return rc;

	/*
	 * Unreachable now: no lookup can find it or take a reference, no
	 * holder is left. A lockless lookup may still be looking at it
	 * (&iommu_inv_ctx.hot): free it after a grace period.
	 */
	iommu_inv_obj_destroy_fn[obj->type](obj);
	kfree_rcu(obj, rcu);
	atomic_dec(&ctx->num_objects);
	return 0;
}

/**
 * iommu_inv_ctx_destroy() - tear down every object of a closing file
 * @ctx: the file's context
 *
 * Holders (virtual devices) go before what they hold (HWPTs): keep
 * sweeping while a sweep destroys something.
 */
void iommu_inv_ctx_destroy(struct iommu_inv_ctx *ctx)
{
	struct iommu_inv_object *obj;
	unsigned long index;
	bool progress;

	do {
		progress = false;
		xa_for_each(&ctx->objects, index, obj)
			if (!iommu_inv_obj_destroy(ctx, index))
				progress = true;
	} while (progress);

	WARN_ON(!xa_empty(&ctx->objects));
	xa_destroy(&ctx->objects);
}
