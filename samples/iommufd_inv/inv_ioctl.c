// SPDX-License-Identifier: GPL-2.0
/*
 * The smallest complete use of /dev/iommu-inv from a VMM: discover what
 * the kernel offers, allocate a HWPT and a device behind it, submit one
 * array that mixes entry types, and read a result for every failed entry.
 *
 * The HWPT is a VT-d stage-1 one on the hardware queue of a VT-d unit no
 * other driver uses (QEMU's intel-iommu in scalable mode, the kernel
 * booted with intel_iommu=off); allocating it needs CAP_SYS_ADMIN. For an
 * SMMUv3 a VMM passes IOMMU_INV_HWPT_SMMUV3_S1 and its configs instead,
 * and nothing else changes.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/iommufd_inv.h>

#define GUEST_DEV 0x0100	/* the guest's source ID of its one device */
#define HOST_SID 0x00f8		/* the host device behind it: 00:1f.0 */
#define NUM_ENTRIES 4

/* Entries are back to back; each type has its own size. */
struct guest_batch {
	struct iommu_inv_entry_iotlb_range range;
	struct iommu_inv_entry_devtlb_range devtlb;
	struct iommu_inv_entry_devtlb_pasid stray;
	struct iommu_inv_entry_pc_pasid pc;
};

static int alloc_objects(int fd, __u32 *hwpt_id)
{
	/* Host domain ID 0x33; guest PASIDs 0-15 are host 0x200-0x20f. */
	struct iommu_inv_hwpt_vtd_s1 cfg = {
		.queue = IOMMU_INV_VTD_QUEUE_HW,
		.did = 0x33,
		.pasid_base = 0x200,
		.pasid_num = 16,
	};
	struct iommu_inv_hwpt_alloc alloc = {
		.size = sizeof(alloc),
		.hwpt_type = IOMMU_INV_HWPT_VTD_S1,
		.data_uptr = (uintptr_t)&cfg,
		.data_len = sizeof(cfg),
	};
	struct iommu_inv_vdev_vtd dev = {
		.flags = IOMMU_INV_VTD_DEV_ATS,
		.sid = HOST_SID,
	};
	struct iommu_inv_vdev_alloc vdev = {
		.size = sizeof(vdev),
		.virt_id = GUEST_DEV,
		.data_uptr = (uintptr_t)&dev,
		.data_len = sizeof(dev),
	};

	if (ioctl(fd, IOMMU_INV_HWPT_ALLOC, &alloc))
		return -errno;
	vdev.hwpt_id = alloc.out_hwpt_id;
	if (ioctl(fd, IOMMU_INV_VDEV_ALLOC, &vdev))
		return -errno;
	*hwpt_id = alloc.out_hwpt_id;
	printf("VT-d HWPT %u, device %#x (host SID %#x) as object %u\n",
	       *hwpt_id, GUEST_DEV, HOST_SID, vdev.out_vdev_id);
	return 0;
}

static void fill_batch(struct guest_batch *b)
{
	memset(b, 0, sizeof(*b));
	/* The guest unmapped 2 MiB at 1 GiB in PASID 5. */
	b->range.hdr.type = IOMMU_INV_ENTRY_IOTLB_RANGE;
	b->range.hdr.len = sizeof(b->range);
	b->range.hdr.flags = IOMMU_INV_IOTLB_FLAG_LEAF;
	b->range.pasid = 5;
	b->range.addr = 1ULL << 30;
	b->range.size = 2ULL << 20;
	/* ...and its device caches those translations (ATS). */
	b->devtlb.hdr.type = IOMMU_INV_ENTRY_DEVTLB_RANGE;
	b->devtlb.hdr.len = sizeof(b->devtlb);
	b->devtlb.virt_id = GUEST_DEV;
	b->devtlb.pasid = 5;
	b->devtlb.addr = 1ULL << 30;
	b->devtlb.size = 2ULL << 20;
	/* A buggy guest names a device it does not have. */
	b->stray.hdr.type = IOMMU_INV_ENTRY_DEVTLB_PASID;
	b->stray.hdr.len = sizeof(b->stray);
	b->stray.virt_id = 0x0200;
	b->stray.pasid = 5;
	/* PASID 5's table entry changed too. */
	b->pc.hdr.type = IOMMU_INV_ENTRY_PASID_CACHE_PASID;
	b->pc.hdr.len = sizeof(b->pc);
	b->pc.pasid = 5;
}

int main(void)
{
	struct iommu_inv_info info = { .size = sizeof(info) };
	struct iommu_inv_result res[NUM_ENTRIES];
	struct iommu_inv_hwpt_invalidate inv;
	struct guest_batch batch;
	__u32 hwpt_id = 0, i;
	int fd, rc;

	fd = open("/dev/iommu-inv", O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		perror("open /dev/iommu-inv");
		return 1;
	}
	if (ioctl(fd, IOMMU_INV_GET_INFO, &info)) {
		perror("GET_INFO");
		return 1;
	}
	printf("iommufd-inv UAPI v%u, up to %u entries per call, HWPT types %#llx\n",
	       info.out_uapi_version, info.out_max_entries,
	       (unsigned long long)info.out_hwpt_types);
	rc = alloc_objects(fd, &hwpt_id);
	if (rc) {
		fprintf(stderr, "allocating objects: %s\n", strerror(-rc));
		return 1;
	}

	fill_batch(&batch);
	memset(&inv, 0, sizeof(inv));
	inv.size = sizeof(inv);
	inv.hwpt_id = hwpt_id;
	inv.entries_uptr = (uintptr_t)&batch;
	inv.entries_len = sizeof(batch);
	inv.entry_num = NUM_ENTRIES;
	inv.results_uptr = (uintptr_t)res;
	inv.results_num = NUM_ENTRIES;
	/* Like a queue that reports errors but keeps going. */
	inv.flags = IOMMU_INV_FLAG_CONTINUE;

	rc = ioctl(fd, IOMMU_INV_HWPT_INVALIDATE, &inv) ? -errno : 0;
	if (rc && !inv.out_num_failed) {
		fprintf(stderr, "call rejected: %s\n", strerror(-rc));
		return 1;
	}
	printf("submitted %u entries: %u processed, %u failed, first failure at %u\n",
	       NUM_ENTRIES, inv.out_processed, inv.out_num_failed,
	       inv.out_first_error);
	for (i = 0; i < inv.out_results; i++)
		printf("  entry %u: %s (hardware code %#x)\n", res[i].index,
		       strerror(-res[i].error), res[i].hw_error);

	close(fd);
	/* Exactly the stray entry must have failed, with ENODEV. */
	return !(inv.out_processed == NUM_ENTRIES && inv.out_num_failed == 1 &&
		 res[0].index == 2 && res[0].error == -ENODEV);
}
