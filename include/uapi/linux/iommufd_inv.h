/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * iommufd-inv: batched, typed cache invalidation for guest-owned stage-1
 * page tables, with a result for every entry.
 *
 * Every argument structure starts with a __u32 size that user space sets to
 * sizeof() of the structure it was compiled with. The kernel accepts a
 * smaller (older) structure down to the structure's first version (v1),
 * treating the missing tail as zero; one smaller than v1 is refused with
 * -EINVAL. It accepts a larger (newer) one as long as the bytes it does not
 * know are zero (otherwise -E2BIG). Every reserved field and unknown flag
 * must be zero (otherwise -EOPNOTSUPP). Fields named out_* are written by
 * the kernel and ignored on input.
 *
 * See Documentation/userspace-api/iommufd_inv.rst for the whole contract.
 */
#ifndef _UAPI_IOMMUFD_INV_H
#define _UAPI_IOMMUFD_INV_H

#include <linux/ioctl.h>
#include <linux/types.h>

/* Version of this interface; GET_INFO reports it. */
#define IOMMU_INV_UAPI_VERSION 1

/* 0xB9 00-3F: see Documentation/userspace-api/ioctl/ioctl-number.rst */
#define IOMMU_INV_TYPE 0xB9

enum {
	IOMMU_INV_CMD_GET_INFO = 0x00,
	IOMMU_INV_CMD_HWPT_ALLOC = 0x01,
	IOMMU_INV_CMD_VDEV_ALLOC = 0x02,
	IOMMU_INV_CMD_DESTROY = 0x03,
	IOMMU_INV_CMD_HWPT_INVALIDATE = 0x04,
	IOMMU_INV_CMD_HWPT_INFO = 0x05,
	/* Only with CONFIG_IOMMUFD_INV_TEST and the "mock" module parameter */
	IOMMU_INV_CMD_TEST = 0x3f,
};

/**
 * DOC: HWPT types
 *
 * @IOMMU_INV_HWPT_MOCK: software domain for tests; needs the test option.
 * @IOMMU_INV_HWPT_VTD_S1: Intel VT-d stage-1 (first-stage) table.
 * @IOMMU_INV_HWPT_SMMUV3_S1: Arm SMMUv3 stage-1 (context descriptor) table.
 *
 * A type number is never reused. Bit (1 << type) of
 * &struct iommu_inv_info.out_hwpt_types says the running kernel has it.
 */
#define IOMMU_INV_HWPT_MOCK 1
#define IOMMU_INV_HWPT_VTD_S1 2
#define IOMMU_INV_HWPT_SMMUV3_S1 3

/**
 * DOC: Entry types
 *
 * Each entry type carries exactly the fields its granularity needs: there
 * is no union and no field that a granularity leaves meaningless. Addresses
 * and sizes are in bytes; the smallest granule is reported per HWPT type by
 * GET_INFO (&struct iommu_inv_info.out_granule_log2).
 *
 * @IOMMU_INV_ENTRY_IOTLB_ALL: every IOTLB entry of the HWPT, all address
 *	spaces (VT-d: every PASID of the HWPT's window)
 *	(&struct iommu_inv_entry_iotlb_all).
 * @IOMMU_INV_ENTRY_IOTLB_PASID: every IOTLB entry of one address space
 *	(&struct iommu_inv_entry_iotlb_pasid).
 * @IOMMU_INV_ENTRY_IOTLB_RANGE: IOTLB entries of one address space that
 *	overlap a byte range (&struct iommu_inv_entry_iotlb_range).
 * @IOMMU_INV_ENTRY_DEVTLB_PASID: a device's TLB (ATS), one address space
 *	(&struct iommu_inv_entry_devtlb_pasid).
 * @IOMMU_INV_ENTRY_DEVTLB_RANGE: a device's TLB, a byte range of one
 *	address space (&struct iommu_inv_entry_devtlb_range).
 * @IOMMU_INV_ENTRY_PASID_CACHE_ALL: the PASID-table / context-descriptor
 *	cache for every PASID of the HWPT (&struct iommu_inv_entry_pc_all).
 * @IOMMU_INV_ENTRY_PASID_CACHE_PASID: the same cache for one PASID
 *	(&struct iommu_inv_entry_pc_pasid).
 * @IOMMU_INV_ENTRY_VTD_DESC: a raw 256-bit VT-d invalidation descriptor as
 *	the guest wrote it in its queue, decoded and rewritten by the kernel
 *	(VT-d only; &struct iommu_inv_entry_vtd_desc).
 * @IOMMU_INV_ENTRY_SMMUV3_CMD: a raw 128-bit SMMUv3 command as the guest
 *	wrote it in its command queue (&struct iommu_inv_entry_smmuv3_cmd).
 *
 * A type number is never reused. Bit (1 << type) of
 * &struct iommu_inv_info.out_entry_types says a HWPT type accepts it.
 */
#define IOMMU_INV_ENTRY_IOTLB_ALL 1
#define IOMMU_INV_ENTRY_IOTLB_PASID 2
#define IOMMU_INV_ENTRY_IOTLB_RANGE 3
#define IOMMU_INV_ENTRY_DEVTLB_PASID 4
#define IOMMU_INV_ENTRY_DEVTLB_RANGE 5
#define IOMMU_INV_ENTRY_PASID_CACHE_ALL 6
#define IOMMU_INV_ENTRY_PASID_CACHE_PASID 7
#define IOMMU_INV_ENTRY_VTD_DESC 8
#define IOMMU_INV_ENTRY_SMMUV3_CMD 9

/* Hard limits; GET_INFO reports the ones in force. */
#define IOMMU_INV_MAX_ENTRIES 65536
#define IOMMU_INV_MAX_ENTRY_LEN 256

/**
 * DOC: Hardware error codes
 *
 * &struct iommu_inv_result.hw_error says what the hardware (or the model
 * of it) reported for an entry; 0 means it reported nothing. The low byte
 * is the architected code, the next byte names the architecture.
 *
 * @IOMMU_INV_HWERR_VTD_IQE: VT-d Invalidation Queue Error (FSTS.IQE).
 * @IOMMU_INV_HWERR_VTD_ITE: VT-d Invalidation Time-out Error (FSTS.ITE),
 *	a device TLB did not answer.
 * @IOMMU_INV_HWERR_VTD_ICE: VT-d Invalidation Completion Error (FSTS.ICE);
 *	reserved: ICE does not stop the queue and fails no entry.
 * @IOMMU_INV_HWERR_SMMU_CERROR_ILL: SMMUv3 CMDQ_CONS.ERR = CERROR_ILL, an
 *	illegal command (also given to commands refused before they reach the
 *	queue, which is what the guest would have seen).
 * @IOMMU_INV_HWERR_SMMU_CERROR_ABT: SMMUv3 CERROR_ABT, an abort on a
 *	command read.
 * @IOMMU_INV_HWERR_SMMU_CERROR_ATC_INV_SYNC: SMMUv3 CERROR_ATC_INV_SYNC,
 *	an ATC invalidation did not complete (errno ETIMEDOUT). It is given
 *	to the ATC_INV entry of the device that did not answer; of several
 *	ATC_INV entries to that device not separated by an entry for another
 *	device's ATC, the first: the SMMU does not say which one it was.
 *	Entries before it are reported processed.
 */
#define IOMMU_INV_HWERR_VTD_IQE 0x0110
#define IOMMU_INV_HWERR_VTD_ITE 0x0140
#define IOMMU_INV_HWERR_VTD_ICE 0x0120
#define IOMMU_INV_HWERR_SMMU_CERROR_ILL 0x0201
#define IOMMU_INV_HWERR_SMMU_CERROR_ABT 0x0202
#define IOMMU_INV_HWERR_SMMU_CERROR_ATC_INV_SYNC 0x0203

/**
 * struct iommu_inv_info - ioctl(IOMMU_INV_GET_INFO)
 * @size: sizeof(struct iommu_inv_info)
 * @flags: must be 0
 * @hwpt_type: 0, or an IOMMU_INV_HWPT_* type to describe in the
 *	per-type fields below (-EOPNOTSUPP if the kernel lacks it)
 * @__reserved: must be 0
 * @out_uapi_version: IOMMU_INV_UAPI_VERSION of the running kernel
 * @out_max_entries: most entries one HWPT_INVALIDATE call may carry
 * @out_hwpt_types: bit (1 << type) set for each HWPT type available
 * @out_entry_types: for @hwpt_type, bit (1 << type) set for each entry type
 *	it accepts; 0 when @hwpt_type is 0
 * @out_max_entry_len: longest entry (header included) the kernel reads
 * @out_granule_log2: for @hwpt_type, log2 of the smallest invalidation
 *	granule in bytes (addresses and sizes must be multiples of it); 0 when
 *	@hwpt_type is 0
 * @out_max_objects: most objects one open file may hold
 * @out_max_vdevs: for @hwpt_type, most virtual devices one HWPT may have
 * @out_vtd_queues: for @hwpt_type IOMMU_INV_HWPT_VTD_S1, bit
 *	(1 << IOMMU_INV_VTD_QUEUE_*) set for each queue kind this kernel
 *	offers (HW: the kernel has ACPI; MODEL: the test option and mock=1;
 *	HOST: built in-tree with CONFIG_IOMMUFD_INV_VTD_HOST); 0 otherwise.
 *	Whether a unit is free (HW) or a device's unit is usable (HOST) is
 *	known only when a HWPT or VDEV is allocated. Added after the first
 *	version: a caller with the shorter structure does not get it.
 */
struct iommu_inv_info {
	__u32 size;
	__u32 flags;
	__u32 hwpt_type;
	__u32 __reserved;
	__u32 out_uapi_version;
	__u32 out_max_entries;
	__aligned_u64 out_hwpt_types;
	__aligned_u64 out_entry_types;
	__u32 out_max_entry_len;
	__u32 out_granule_log2;
	__u32 out_max_objects;
	__u32 out_max_vdevs;
	__aligned_u64 out_vtd_queues;
};

#define IOMMU_INV_GET_INFO _IO(IOMMU_INV_TYPE, IOMMU_INV_CMD_GET_INFO)

/**
 * struct iommu_inv_hwpt_mock - config of an IOMMU_INV_HWPT_MOCK HWPT
 * @flags: must be 0
 * @pasid_bits: width of the PASID space, 1..20 (entries naming a PASID at
 *	or above 1 << @pasid_bits fail with -EINVAL)
 */
struct iommu_inv_hwpt_mock {
	__u32 flags;
	__u32 pasid_bits;
};

/**
 * DOC: VT-d invalidation queues
 *
 * @IOMMU_INV_VTD_QUEUE_HW: the queued-invalidation interface of a VT-d
 *	unit that no other driver uses (the in-kernel intel-iommu driver
 *	disabled on it); -ENODEV if there is none.
 * @IOMMU_INV_VTD_QUEUE_MODEL: a software model of the queue that decodes
 *	every descriptor and checks every reserved bit; only with the test
 *	option and the "mock" module parameter.
 * @IOMMU_INV_VTD_QUEUE_HOST: the queue of the host's intel-iommu driver,
 *	which owns every unit: for the domain the HWPT's one device is
 *	attached to, on the unit translating it. The config's @did must be 0
 *	(-EINVAL): the driver's domain ID of the device's current domain is
 *	put into every descriptor. Only in kernels built in-tree with
 *	CONFIG_IOMMUFD_INV_VTD_HOST; -EOPNOTSUPP elsewhere (GET_INFO's
 *	out_vtd_queues tells).
 */
#define IOMMU_INV_VTD_QUEUE_HW 0
#define IOMMU_INV_VTD_QUEUE_MODEL 1
#define IOMMU_INV_VTD_QUEUE_HOST 2

/* Largest PASID window of a VT-d HWPT: what one IOTLB_ALL may cost. */
#define IOMMU_INV_VTD_MAX_PASIDS 1024

/**
 * struct iommu_inv_hwpt_vtd_s1 - config of an IOMMU_INV_HWPT_VTD_S1 HWPT
 * @flags: must be 0
 * @queue: IOMMU_INV_VTD_QUEUE_*, the invalidation queue to use
 * @did: host domain ID the guest's stage-1 table is tagged with, 1 to the
 *	unit's domain count - 1; one HWPT per domain ID and unit (-EBUSY);
 *	0 on the HOST queue
 * @__reserved: must be 0
 * @pasid_base: host PASID that guest PASID 0 maps to
 * @pasid_num: guest PASIDs 0 to @pasid_num - 1 map to @pasid_base
 *	onwards; 1 to IOMMU_INV_VTD_MAX_PASIDS, and @pasid_base + @pasid_num
 *	at most 2^20 (-EINVAL)
 * @__reserved2: must be 0
 *
 * Host identifiers: allocating this type needs CAP_SYS_ADMIN (-EPERM).
 * Entries name guest PASIDs only; one at or above @pasid_num fails with
 * -EINVAL and reaches no descriptor. IOMMU_INV_ENTRY_IOTLB_ALL becomes one
 * PASID-based IOTLB invalidation per PASID of the window (the unit tags
 * first-stage translations with domain ID and PASID, and no descriptor
 * reaches all of a domain's PASIDs), so it costs @pasid_num descriptors.
 */
struct iommu_inv_hwpt_vtd_s1 {
	__u32 flags;
	__u32 queue;
	__u16 did;
	__u16 __reserved;
	__u32 pasid_base;
	__u32 pasid_num;
	__u32 __reserved2;
};

/* The device's ATS (device TLB) is enabled: it takes device-TLB entries. */
#define IOMMU_INV_VTD_DEV_ATS (1U << 0)

/**
 * struct iommu_inv_vdev_vtd - device config behind an IOMMU_INV_HWPT_VTD_S1
 * @flags: IOMMU_INV_VTD_DEV_*
 * @sid: host source ID (PCI bus << 8 | devfn, segment 0); with the
 *	hardware queue it must name a PCI device that exists; one HWPT per
 *	source ID and unit (-EBUSY)
 * @pfsid: for a virtual function, the source ID of its physical function;
 *	otherwise 0
 * @qdep: the device's ATS invalidate queue depth, 0 to 31 (0 means 32)
 * @__reserved: must be 0
 *
 * Needs CAP_SYS_ADMIN (-EPERM). Device-TLB entries for a device without
 * IOMMU_INV_VTD_DEV_ATS fail with -EINVAL. On the HOST queue a HWPT has
 * one device (a second VDEV: -EBUSY), which the intel-iommu driver must
 * translate (-ENODEV), without IOMMU_INV_VTD_DEV_ATS (-EOPNOTSUPP).
 */
struct iommu_inv_vdev_vtd {
	__u32 flags;
	__u16 sid;
	__u16 pfsid;
	__u32 qdep;
	__u32 __reserved;
};

/**
 * DOC: SMMUv3 command queues
 *
 * @IOMMU_INV_SMMU_QUEUE_HW: the command queue of an SMMUv3 no other
 *	driver uses: the first "arm,smmu-v3" device-tree node (-ENODEV if
 *	there is none, -EBUSY if a driver holds it).
 * @IOMMU_INV_SMMU_QUEUE_MODEL: a software model of the command queue that
 *	decodes every command and checks every field; only with the test
 *	option and the "mock" module parameter.
 */
#define IOMMU_INV_SMMU_QUEUE_HW 0
#define IOMMU_INV_SMMU_QUEUE_MODEL 1

/**
 * struct iommu_inv_hwpt_smmuv3_s1 - config of an IOMMU_INV_HWPT_SMMUV3_S1
 * @flags: must be 0
 * @queue: IOMMU_INV_SMMU_QUEUE_*, the command queue to use
 * @vmid: host VMID of the guest, from 1 to the SMMU's widest (65535
 *	with IDR0.VMID16, else 255; -EINVAL); written into every TLB
 *	invalidation whatever the guest put there; one HWPT per VMID and
 *	SMMU (-EBUSY)
 * @__reserved: must be 0
 * @__reserved2: must be 0
 *
 * Host identifiers: allocating this type needs CAP_SYS_ADMIN (-EPERM).
 */
struct iommu_inv_hwpt_smmuv3_s1 {
	__u32 flags;
	__u32 queue;
	__u16 vmid;
	__u16 __reserved;
	__u32 __reserved2;
};

/* The device's ATS is enabled: it takes ATC invalidations. */
#define IOMMU_INV_SMMU_DEV_ATS (1U << 0)

/**
 * struct iommu_inv_vdev_smmuv3 - device config behind an SMMUv3 HWPT
 * @flags: IOMMU_INV_SMMU_DEV_*
 * @sid: the physical stream ID the guest's virtual one
 *	(&struct iommu_inv_vdev_alloc.virt_id) stands for; one HWPT per
 *	stream ID and SMMU (-EBUSY). On a real SMMU it must fit
 *	IDR1.SIDSIZE (-EINVAL) and name a PCI device: bus << 8 | devfn in
 *	segment 0 (-ENODEV).
 *
 * Needs CAP_SYS_ADMIN (-EPERM).
 */
struct iommu_inv_vdev_smmuv3 {
	__u32 flags;
	__u32 sid;
};

/**
 * struct iommu_inv_hwpt_alloc - ioctl(IOMMU_INV_HWPT_ALLOC)
 * @size: sizeof(struct iommu_inv_hwpt_alloc)
 * @flags: must be 0
 * @hwpt_type: one of IOMMU_INV_HWPT_*
 * @out_hwpt_id: ID of the new HWPT
 * @data_uptr: user pointer to the type's config structure
 *	(e.g. &struct iommu_inv_hwpt_mock)
 * @data_len: length of that structure; read like @size (shorter: zero
 *	extended; longer: the tail must be zero)
 * @__reserved: must be 0
 *
 * Types bound to real hardware need CAP_SYS_ADMIN (-EPERM otherwise).
 */
struct iommu_inv_hwpt_alloc {
	__u32 size;
	__u32 flags;
	__u32 hwpt_type;
	__u32 out_hwpt_id;
	__aligned_u64 data_uptr;
	__u32 data_len;
	__u32 __reserved;
};

#define IOMMU_INV_HWPT_ALLOC _IO(IOMMU_INV_TYPE, IOMMU_INV_CMD_HWPT_ALLOC)

/**
 * struct iommu_inv_vdev_alloc - ioctl(IOMMU_INV_VDEV_ALLOC)
 * @size: sizeof(struct iommu_inv_vdev_alloc)
 * @flags: must be 0
 * @hwpt_id: the HWPT the device is behind; the new object holds a
 *	reference on it until destroyed
 * @virt_id: the device's ID as the guest names it (virtual source ID or
 *	stream ID); unique within the HWPT (-EEXIST)
 * @data_uptr: user pointer to the HWPT type's device config (host
 *	identifiers); ignored for IOMMU_INV_HWPT_MOCK, which has none
 * @data_len: length of that structure, read like @size
 * @out_vdev_id: ID of the new object
 *
 * Device-TLB entries name a device by @virt_id; the kernel translates it to
 * the host identity given here and never lets an entry reach a device that
 * was not given to the HWPT.
 */
struct iommu_inv_vdev_alloc {
	__u32 size;
	__u32 flags;
	__u32 hwpt_id;
	__u32 virt_id;
	__aligned_u64 data_uptr;
	__u32 data_len;
	__u32 out_vdev_id;
};

#define IOMMU_INV_VDEV_ALLOC _IO(IOMMU_INV_TYPE, IOMMU_INV_CMD_VDEV_ALLOC)

/**
 * struct iommu_inv_destroy - ioctl(IOMMU_INV_DESTROY)
 * @size: sizeof(struct iommu_inv_destroy)
 * @id: ID of any object
 *
 * -EBUSY while another object or an in-flight call holds the object.
 */
struct iommu_inv_destroy {
	__u32 size;
	__u32 id;
};

#define IOMMU_INV_DESTROY _IO(IOMMU_INV_TYPE, IOMMU_INV_CMD_DESTROY)

/**
 * struct iommu_inv_entry_hdr - common head of every entry
 * @type: IOMMU_INV_ENTRY_*
 * @len: length of the whole entry in bytes, header included; a multiple
 *	of 8, at least 8, at most IOMMU_INV_MAX_ENTRY_LEN. Shorter than the
 *	kernel's structure for @type: the rest reads as zero (an older
 *	program); longer: the extra bytes must be zero (-E2BIG otherwise).
 * @flags: flags of @type; unknown bits fail with -EOPNOTSUPP
 *
 * The header is what lets one array mix entry types in submission order
 * and lets each type grow on its own: the kernel finds the next entry from
 * @len without knowing @type.
 */
struct iommu_inv_entry_hdr {
	__u16 type;
	__u16 len;
	__u32 flags;
};

/**
 * struct iommu_inv_entry_iotlb_all - IOMMU_INV_ENTRY_IOTLB_ALL
 * @hdr: common header; no flags defined
 */
struct iommu_inv_entry_iotlb_all {
	struct iommu_inv_entry_hdr hdr;
};

/**
 * struct iommu_inv_entry_iotlb_pasid - IOMMU_INV_ENTRY_IOTLB_PASID
 * @hdr: common header; no flags defined
 * @pasid: the guest PASID (VT-d, mock) or ASID (SMMUv3) tagging the
 *	address space
 * @__reserved: must be 0
 */
struct iommu_inv_entry_iotlb_pasid {
	struct iommu_inv_entry_hdr hdr;
	__u32 pasid;
	__u32 __reserved;
};

/* Only leaf entries changed: paging-structure caches may be kept. */
#define IOMMU_INV_IOTLB_FLAG_LEAF (1U << 0)

/**
 * struct iommu_inv_entry_iotlb_range - IOMMU_INV_ENTRY_IOTLB_RANGE
 * @hdr: common header; flag IOMMU_INV_IOTLB_FLAG_LEAF
 * @pasid: as in &struct iommu_inv_entry_iotlb_pasid
 * @__reserved: must be 0
 * @addr: first byte of the range; a multiple of the granule
 * @size: length of the range in bytes; non-zero, a multiple of the
 *	granule; @addr + @size may reach but not pass 2^64 (-EOVERFLOW)
 *
 * The hardware may invalidate more than the range (a VT-d address mask is
 * a naturally aligned power of two), never less.
 */
struct iommu_inv_entry_iotlb_range {
	struct iommu_inv_entry_hdr hdr;
	__u32 pasid;
	__u32 __reserved;
	__aligned_u64 addr;
	__aligned_u64 size;
};

/**
 * struct iommu_inv_entry_devtlb_pasid - IOMMU_INV_ENTRY_DEVTLB_PASID
 * @hdr: common header; no flags defined
 * @virt_id: the device, as &struct iommu_inv_vdev_alloc.virt_id
 *	(-ENODEV if no such device is behind the HWPT)
 * @pasid: the address space on that device
 */
struct iommu_inv_entry_devtlb_pasid {
	struct iommu_inv_entry_hdr hdr;
	__u32 virt_id;
	__u32 pasid;
};

/**
 * struct iommu_inv_entry_devtlb_range - IOMMU_INV_ENTRY_DEVTLB_RANGE
 * @hdr: common header; no flags defined
 * @virt_id: as in &struct iommu_inv_entry_devtlb_pasid
 * @pasid: as in &struct iommu_inv_entry_devtlb_pasid
 * @addr: first byte of the range, as in &struct iommu_inv_entry_iotlb_range
 * @size: length in bytes, as in &struct iommu_inv_entry_iotlb_range
 */
struct iommu_inv_entry_devtlb_range {
	struct iommu_inv_entry_hdr hdr;
	__u32 virt_id;
	__u32 pasid;
	__aligned_u64 addr;
	__aligned_u64 size;
};

/**
 * struct iommu_inv_entry_pc_all - IOMMU_INV_ENTRY_PASID_CACHE_ALL
 * @hdr: common header; no flags defined
 */
struct iommu_inv_entry_pc_all {
	struct iommu_inv_entry_hdr hdr;
};

/**
 * struct iommu_inv_entry_pc_pasid - IOMMU_INV_ENTRY_PASID_CACHE_PASID
 * @hdr: common header; no flags defined
 * @pasid: the PASID (SMMUv3: SubstreamID) whose cached entry changed;
 *	on SMMUv3 below 2^IDR1.SSIDSIZE of the HWPT's SMMU (-EINVAL, hw_error
 *	IOMMU_INV_HWERR_SMMU_CERROR_ILL)
 * @__reserved: must be 0
 *
 * SMMUv3: this entry and IOMMU_INV_ENTRY_PASID_CACHE_ALL become one
 * CFGI_CD (Leaf 0) or CFGI_CD_ALL per device of the HWPT, none if it has
 * no device.
 */
struct iommu_inv_entry_pc_pasid {
	struct iommu_inv_entry_hdr hdr;
	__u32 pasid;
	__u32 __reserved;
};

/**
 * struct iommu_inv_entry_vtd_desc - IOMMU_INV_ENTRY_VTD_DESC
 * @hdr: common header; no flags defined
 * @qw: the four little-endian quadwords of a 256-bit descriptor, as the
 *	guest wrote it (a 128-bit descriptor with @qw[2] and @qw[3] zero)
 *
 * VT-d stage-1 HWPTs only. The kernel decodes the descriptor against the
 * VT-d specification's layouts and builds the host's descriptors itself:
 * the guest's domain ID becomes the HWPT's, a guest PASID goes through the
 * HWPT's window (-EINVAL outside it), and the source ID of a PASID-based
 * device-TLB invalidation is a &struct iommu_inv_vdev_alloc.virt_id
 * (-ENODEV if none; -EINVAL without IOMMU_INV_VTD_DEV_ATS) and becomes
 * that device's host SID, PFSID and queue depth. Accepted: PASID-based
 * IOTLB, PASID-cache and PASID-based device-TLB invalidations, the
 * device-TLB invalidation without PASID (its source ID as for the
 * PASID-based one), and the IOTLB invalidation, which (global, domain- or
 * page-selective) becomes what IOMMU_INV_ENTRY_IOTLB_ALL does. Any other
 * type fails with
 * -EOPNOTSUPP (the VMM handles wait, context-cache and interrupt-entry
 * cache descriptors itself); a reserved bit or granularity fails with -EIO
 * and hw_error IOMMU_INV_HWERR_VTD_IQE, as the guest's unit would report
 * it. Neither reaches the queue.
 */
struct iommu_inv_entry_vtd_desc {
	struct iommu_inv_entry_hdr hdr;
	__aligned_le64 qw[4];
};

/**
 * struct iommu_inv_entry_smmuv3_cmd - IOMMU_INV_ENTRY_SMMUV3_CMD
 * @hdr: common header; no flags defined
 * @cmd: the two little-endian doublewords of the command. Accepted
 *	opcodes are CFGI_CD, CFGI_CD_ALL, TLBI_NH_ALL, TLBI_NH_ASID,
 *	TLBI_NH_VA, TLBI_NH_VAA and ATC_INV, with no bit outside the
 *	command's fields; an ATC_INV also needs Size at most 52 and SSV set
 *	when its SSID is not 0. Refused commands fail with hw_error
 *	IOMMU_INV_HWERR_SMMU_CERROR_ILL and never reach the queue.
 */
struct iommu_inv_entry_smmuv3_cmd {
	struct iommu_inv_entry_hdr hdr;
	__aligned_le64 cmd[2];
};

/**
 * struct iommu_inv_result - the outcome of one failed entry
 * @index: position of the entry in the array (0 is the first)
 * @error: the entry's negative errno
 * @hw_error: IOMMU_INV_HWERR_* reported for it, or 0
 * @__reserved: written as 0
 */
struct iommu_inv_result {
	__u32 index;
	__s32 error;
	__u32 hw_error;
	__u32 __reserved;
};

/* Go on past failed entries instead of stopping at the first one. */
#define IOMMU_INV_FLAG_CONTINUE (1U << 0)

/**
 * struct iommu_inv_hwpt_invalidate - ioctl(IOMMU_INV_HWPT_INVALIDATE)
 * @size: sizeof(struct iommu_inv_hwpt_invalidate)
 * @hwpt_id: the HWPT whose caches to invalidate
 * @entries_uptr: user pointer to the entries, back to back, each starting
 *	with &struct iommu_inv_entry_hdr
 * @results_uptr: user pointer to an array of &struct iommu_inv_result;
 *	may be 0 if @results_num is 0
 * @entries_len: bytes readable at @entries_uptr; no entry may extend past
 *	it (that entry fails with -EINVAL)
 * @entry_num: number of entries, at most IOMMU_INV_MAX_ENTRIES
 *	(-EMSGSIZE); 0 is a valid no-op
 * @results_num: room in @results_uptr, in results; only the first
 *	min(@results_num, @entry_num) need be user memory
 * @flags: IOMMU_INV_FLAG_*
 * @out_processed: entries the kernel attempted, successful or not; in the
 *	default mode that is up to and including the first failed entry
 * @out_first_error: index of the first failed entry, or @entry_num if none
 * @out_num_failed: number of failed entries (may exceed @results_num)
 * @out_results: results written to @results_uptr, one per failed entry in
 *	index order, min(@out_num_failed, @results_num)
 *
 * Entries are processed in array order. By default processing stops at the
 * first entry that fails, as a hardware invalidation queue does; with
 * IOMMU_INV_FLAG_CONTINUE it goes on, except after an entry whose header
 * cannot be read or whose length is invalid (the next entry cannot be
 * found). Successful entries cost no writes: the kernel writes this
 * structure's out_* fields and one &struct iommu_inv_result per failure.
 *
 * Return: 0 if every entry succeeded. Otherwise the errno of the first
 * failed entry, with the out_* fields valid (@out_num_failed >= 1); or,
 * with @out_num_failed left as it was, the errno of an argument check that
 * rejected the call before any entry was touched.
 */
struct iommu_inv_hwpt_invalidate {
	__u32 size;
	__u32 hwpt_id;
	__aligned_u64 entries_uptr;
	__aligned_u64 results_uptr;
	__u32 entries_len;
	__u32 entry_num;
	__u32 results_num;
	__u32 flags;
	__u32 out_processed;
	__u32 out_first_error;
	__u32 out_num_failed;
	__u32 out_results;
};

#define IOMMU_INV_HWPT_INVALIDATE \
	_IO(IOMMU_INV_TYPE, IOMMU_INV_CMD_HWPT_INVALIDATE)

/**
 * struct iommu_inv_hwpt_info - ioctl(IOMMU_INV_HWPT_INFO)
 * @size: sizeof(struct iommu_inv_hwpt_info)
 * @hwpt_id: the HWPT
 * @out_hwpt_type: its IOMMU_INV_HWPT_* type
 * @out_num_vdevs: virtual devices behind it
 * @out_calls: HWPT_INVALIDATE calls that reached its entries
 * @out_entries: entries attempted
 * @out_failed: entries failed
 * @out_hw_errors: entries failed with a non-zero hardware error code
 */
struct iommu_inv_hwpt_info {
	__u32 size;
	__u32 hwpt_id;
	__u32 out_hwpt_type;
	__u32 out_num_vdevs;
	__aligned_u64 out_calls;
	__aligned_u64 out_entries;
	__aligned_u64 out_failed;
	__aligned_u64 out_hw_errors;
};

#define IOMMU_INV_HWPT_INFO _IO(IOMMU_INV_TYPE, IOMMU_INV_CMD_HWPT_INFO)

/**
 * DOC: io_uring
 *
 * The device takes IORING_OP_URING_CMD. &io_uring_sqe.cmd_op names the
 * command; &io_uring_sqe.cmd holds its payload (16 bytes in a 64-byte SQE,
 * 80 bytes in a ring set up with IORING_SETUP_SQE128; payload bytes a
 * command does not use must be zero, else -EINVAL).
 *
 * @IOMMU_INV_URING_CMD_INVALIDATE: array mode. The payload is
 *	&struct iommu_inv_uring_array: a pointer to a
 *	&struct iommu_inv_hwpt_invalidate, read and written exactly as the
 *	HWPT_INVALIDATE ioctl reads and writes it.
 * @IOMMU_INV_URING_CMD_INVALIDATE_INLINE: inline mode, SQE128 rings only
 *	(-EINVAL otherwise). The payload is &struct iommu_inv_uring_inline:
 *	the entries travel inside the SQE.
 *
 * Completion: &io_uring_cqe.res is the number of entries processed when
 * every entry succeeded; the errno of the first failed entry (a negative
 * value, so an IOSQE_IO_LINK chain is broken) with the per-entry results
 * written as for the ioctl; or the errno of a check that rejected the
 * command before any entry was touched, with nothing written. On a ring set
 * up with IORING_SETUP_CQE32, the first extra CQE word is
 * ``out_processed | (__u64)out_num_failed << 32`` (0 for a rejected
 * command).
 */
#define IOMMU_INV_URING_CMD_INVALIDATE _IO(IOMMU_INV_TYPE, 0x20)
#define IOMMU_INV_URING_CMD_INVALIDATE_INLINE _IO(IOMMU_INV_TYPE, 0x21)

/**
 * struct iommu_inv_uring_array - payload of IOMMU_INV_URING_CMD_INVALIDATE
 * @arg_uptr: user pointer to a &struct iommu_inv_hwpt_invalidate
 * @__reserved: must be 0
 */
struct iommu_inv_uring_array {
	__aligned_u64 arg_uptr;
	__aligned_u64 __reserved;
};

/* Bytes of entries an inline command carries. */
#define IOMMU_INV_INLINE_BYTES 64

/**
 * struct iommu_inv_uring_inline - payload of
 *	IOMMU_INV_URING_CMD_INVALIDATE_INLINE
 * @hwpt_id: the HWPT whose caches to invalidate
 * @flags: IOMMU_INV_FLAG_*
 * @entry_num: number of entries in @entries
 * @results_uptr: user pointer to room for @entry_num results
 *	(&struct iommu_inv_result), or 0 for none
 * @entries: the entries, back to back as in the array mode; the bytes after
 *	the last one must be zero (-EINVAL)
 *
 * Two range entries, or eight IOTLB_ALL entries, or two SMMUv3 commands
 * fit. Entries are checked and carried out exactly as in the array mode.
 */
struct iommu_inv_uring_inline {
	__u32 hwpt_id;
	__u16 flags;
	__u16 entry_num;
	__aligned_u64 results_uptr;
	__aligned_u64 entries[IOMMU_INV_INLINE_BYTES / 8];
};

#endif /* _UAPI_IOMMUFD_INV_H */
