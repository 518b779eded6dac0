// SPDX-License-Identifier: GPL-2.0
/*
 * HWPT and virtual-device objects, and the registry of HWPT types.
 */
#include <linux/capability.h>
#include <linux/pci.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "iommufd_inv.h"

/* Largest type-specific config any HWPT type takes, copied on the stack. */
#define IOMMU_INV_CONFIG_MAX 256

static const struct iommu_inv_hwpt_ops *iommu_inv_hwpt_op_table[] = {
#ifdef CONFIG_IOMMUFD_INV_TEST
	[IOMMU_INV_HWPT_MOCK] = &iommu_inv_mock_ops,
#endif
	[IOMMU_INV_HWPT_VTD_S1] = &iommu_inv_vtd_ops,
	[IOMMU_INV_HWPT_SMMUV3_S1] = &iommu_inv_smmu_ops,
};

/**
 * iommu_inv_pci_rid_check() - whether a host device ID names a device
 * @rid: a VT-d source ID or SMMUv3 stream ID: PCI bus << 8 | devfn
 *
 * A host device ID given for real hardware must name a PCI device that
 * exists, in segment 0: invalidations may then reach only devices this
 * kernel knows.
 *
 * Return: 0, or -ENODEV.
 */
int iommu_inv_pci_rid_check(u32 rid)
{
	struct pci_dev *pdev;

	if (!IS_ENABLED(CONFIG_PCI) || rid > U16_MAX)
		return -ENODEV;
	pdev = pci_get_domain_bus_and_slot(0, rid >> 8, rid & 0xff);
	if (!pdev)
		return -ENODEV;
	pci_dev_put(pdev);
	return 0;
}

/**
 * iommu_inv_unit_get() - a hardware unit, taken on first use
 * @slot: where the unit (or why it could not be taken) is kept
 * @probe: finds and takes the unit; returns it or an ERR_PTR
 *
 * A unit that cannot be taken (none, driven by another driver, lacking a
 * feature) is not tried again until the module is reloaded; a failed
 * allocation is.
 *
 * Return: the unit, or the ERR_PTR of the first attempt.
 */
void *iommu_inv_unit_get(struct iommu_inv_unit_slot *slot,
			 void *(*probe)(void))
{
	void *u;

	mutex_lock(&slot->lock);
	if (!slot->unit && !slot->err) {
		u = probe();
		if (IS_ERR(u)) {
			if (PTR_ERR(u) != -ENOMEM)
				slot->err = PTR_ERR(u);
			mutex_unlock(&slot->lock);
			return u;
		}
		slot->unit = u;
	}
	u = slot->unit ?: ERR_PTR(slot->err);
	mutex_unlock(&slot->lock);
	return u;
}

/**
 * iommu_inv_hwpt_type() - the ops of an available HWPT type
 * @type: IOMMU_INV_HWPT_*
 *
 * Return: the ops, or NULL if this kernel (or this load of the module)
 * does not offer @type.
 */
const struct iommu_inv_hwpt_ops *iommu_inv_hwpt_type(u32 type)
{
	const struct iommu_inv_hwpt_ops *ops;

	if (type >= ARRAY_SIZE(iommu_inv_hwpt_op_table))
		return NULL;
	ops = iommu_inv_hwpt_op_table[type];
	if (IS_ENABLED(CONFIG_IOMMUFD_INV_TEST) &&
	    type == IOMMU_INV_HWPT_MOCK && !iommu_inv_mock_enabled)
		return NULL;
	return ops;
}

/* Bit (1 << type) for every available HWPT type. */
u64 iommu_inv_hwpt_types(void)
{
	u64 types = 0;
	u32 type;

	for (type = 0; type < ARRAY_SIZE(iommu_inv_hwpt_op_table); type++)
		if (iommu_inv_hwpt_type(type))
			types |= BIT_ULL(type);
	return types;
}

/**
 * iommu_inv_copy_config() - read a type-specific config from user space
 * @dst: kernel buffer of @ksize bytes
 * @ksize: the kernel's size of the config
 * @uptr: user address
 * @len: user's size of the config
 *
 * Same rules as the ioctl argument: shorter is zero extended, longer must
 * have a zero tail.
 *
 * Return: 0, -EFAULT, or -E2BIG for a non-zero tail.
 */
int iommu_inv_copy_config(void *dst, size_t ksize, u64 uptr, u32 len)
{
	return copy_struct_from_user(dst, ksize, u64_to_user_ptr(uptr), len);
}

int iommu_inv_hwpt_alloc_ioctl(struct iommu_inv_ucmd *ucmd)
{
	struct iommu_inv_hwpt_alloc *cmd = ucmd->cmd;
	const struct iommu_inv_hwpt_ops *ops;
	struct iommu_inv_object *obj;
	struct iommu_inv_hwpt *hwpt;
	u8 config[IOMMU_INV_CONFIG_MAX];
	int rc;

	if (cmd->flags || cmd->__reserved)
		return -EOPNOTSUPP;
	ops = iommu_inv_hwpt_type(cmd->hwpt_type);
	if (!ops)
		return -EOPNOTSUPP;
	if (ops->needs_admin && !capable(CAP_SYS_ADMIN))
		return -EPERM;
	if (WARN_ON(ops->config_size > sizeof(config)))
		return -EINVAL;
	rc = iommu_inv_copy_config(config, ops->config_size, cmd->data_uptr,
				   cmd->data_len);
	if (rc)
		return rc;

	obj = iommu_inv_obj_alloc(ucmd->ctx, ops->hwpt_size,
				  IOMMU_INV_OBJ_HWPT);
	if (IS_ERR(obj))
		return PTR_ERR(obj);
	hwpt = container_of(obj, struct iommu_inv_hwpt, obj);
	hwpt->ops = ops;
	mutex_init(&hwpt->lock);
	xa_init(&hwpt->vdevs);
	iommu_inv_hwpt_rules_init(hwpt);

	rc = ops->init(hwpt, config);
	if (rc)
		goto out_abort;

	cmd->out_hwpt_id = obj->id;
	rc = iommu_inv_ucmd_respond(ucmd, sizeof(*cmd));
	if (rc)
		goto out_destroy;
	iommu_inv_obj_finalize(ucmd->ctx, obj);
	return 0;

out_destroy:
	ops->destroy(hwpt);
out_abort:
	mutex_destroy(&hwpt->lock);
	iommu_inv_obj_abort(ucmd->ctx, obj);
	return rc;
}

/* Called by the object table once nothing holds the HWPT. */
void iommu_inv_hwpt_destroy(struct iommu_inv_object *obj)
{
	struct iommu_inv_hwpt *hwpt =
		container_of(obj, struct iommu_inv_hwpt, obj);

	/* Every vdev holds the HWPT, so none is left. */
	WARN_ON(!xa_empty(&hwpt->vdevs));
	hwpt->ops->destroy(hwpt);
	xa_destroy(&hwpt->vdevs);
	mutex_destroy(&hwpt->lock);
}

int iommu_inv_vdev_alloc_ioctl(struct iommu_inv_ucmd *ucmd)
{
	struct iommu_inv_vdev_alloc *cmd = ucmd->cmd;
	const struct iommu_inv_hwpt_ops *ops;
	struct iommu_inv_object *hobj, *obj;
	struct iommu_inv_hwpt *hwpt;
	struct iommu_inv_vdev *vdev;
	u8 config[IOMMU_INV_CONFIG_MAX];
	int rc;

	if (cmd->flags)
		return -EOPNOTSUPP;
	hobj = iommu_inv_obj_get(ucmd->ctx, cmd->hwpt_id, IOMMU_INV_OBJ_HWPT);
	if (IS_ERR(hobj))
		return PTR_ERR(hobj);
	hwpt = container_of(hobj, struct iommu_inv_hwpt, obj);
	ops = hwpt->ops;

	/* A device of a hardware-bound type is a host identifier too. */
	if (ops->needs_admin && !capable(CAP_SYS_ADMIN)) {
		rc = -EPERM;
		goto out_put;
	}
	if (WARN_ON(ops->vdev_config_size > sizeof(config))) {
		rc = -EINVAL;
		goto out_put;
	}
	if (ops->vdev_config_size) {
		rc = iommu_inv_copy_config(config, ops->vdev_config_size,
					   cmd->data_uptr, cmd->data_len);
		if (rc)
			goto out_put;
	}

	obj = iommu_inv_obj_alloc(ucmd->ctx, ops->vdev_size,
				  IOMMU_INV_OBJ_VDEV);
	if (IS_ERR(obj)) {
		rc = PTR_ERR(obj);
		goto out_put;
	}
	vdev = container_of(obj, struct iommu_inv_vdev, obj);
	/* The reference taken by the lookup becomes the vdev's. */
	vdev->hwpt = hwpt;
	vdev->virt_id = cmd->virt_id;
	if (ops->vdev_init) {
		rc = ops->vdev_init(vdev, config);
		if (rc)
			goto out_abort;
	}

	cmd->out_vdev_id = obj->id;
	rc = iommu_inv_ucmd_respond(ucmd, sizeof(*cmd));
	if (rc)
		goto out_vdev_destroy;

	mutex_lock(&hwpt->lock);
	if (hwpt->num_vdevs >= IOMMU_INV_MAX_VDEVS)
		rc = -ENOSPC;
	else
		rc = xa_insert(&hwpt->vdevs, vdev->virt_id, vdev,
			       GFP_KERNEL_ACCOUNT);
	if (!rc)
		hwpt->num_vdevs++;
	mutex_unlock(&hwpt->lock);
	if (rc == -EBUSY)
		rc = -EEXIST;
	if (rc)
		goto out_vdev_destroy;

	iommu_inv_obj_finalize(ucmd->ctx, obj);
	return 0;

out_vdev_destroy:
	if (ops->vdev_destroy)
		ops->vdev_destroy(vdev);
out_abort:
	iommu_inv_obj_abort(ucmd->ctx, obj);
out_put:
	iommu_inv_obj_put(hobj);
	return rc;
}

/* Called by the object table once nothing holds the vdev. */
void iommu_inv_vdev_destroy(struct iommu_inv_object *obj)
{
	struct iommu_inv_vdev *vdev =
		container_of(obj, struct iommu_inv_vdev, obj);
	struct iommu_inv_hwpt *hwpt = vdev->hwpt;

	/* No batch can see it once it is out of the HWPT's table. */
	mutex_lock(&hwpt->lock);
	xa_erase(&hwpt->vdevs, vdev->virt_id);
	hwpt->num_vdevs--;
	mutex_unlock(&hwpt->lock);
	if (hwpt->ops->vdev_destroy)
		hwpt->ops->vdev_destroy(vdev);
	iommu_inv_obj_put(&hwpt->obj);
}

int iommu_inv_hwpt_info_ioctl(struct iommu_inv_ucmd *ucmd)
{
	struct iommu_inv_hwpt_info *cmd = ucmd->cmd;
	struct iommu_inv_object *obj;
	struct iommu_inv_hwpt *hwpt;
	int rc;

	obj = iommu_inv_obj_get(ucmd->ctx, cmd->hwpt_id, IOMMU_INV_OBJ_HWPT);
	if (IS_ERR(obj))
		return PTR_ERR(obj);
	hwpt = container_of(obj, struct iommu_inv_hwpt, obj);

	cmd->out_hwpt_type = hwpt->ops->type;
	mutex_lock(&hwpt->lock);
	cmd->out_num_vdevs = hwpt->num_vdevs;
	mutex_unlock(&hwpt->lock);
	cmd->out_calls = atomic64_read(&hwpt->calls);
	cmd->out_entries = atomic64_read(&hwpt->entries);
	cmd->out_failed = atomic64_read(&hwpt->failed);
	cmd->out_hw_errors = atomic64_read(&hwpt->hw_errors);
	rc = iommu_inv_ucmd_respond(ucmd, sizeof(*cmd));

	iommu_inv_obj_put(obj);
	return rc;
}
