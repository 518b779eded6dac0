/* SPDX-License-Identifier: GPL-2.0 */
/*
 * iommufd-inv trace events (tracefs: events/iommufd_inv/). Defined in
 * main.c (CREATE_TRACE_POINTS). The fields are listed in
 * Documentation/userspace-api/iommufd_inv.rst, "Trace events".
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM iommufd_inv

#if !defined(_IOMMUFD_INV_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _IOMMUFD_INV_TRACE_H

#include <linux/tracepoint.h>

#include "iommufd_inv.h"

#define iommu_inv_show_hwpt_type(type)				\
	__print_symbolic(type,					\
			 { IOMMU_INV_HWPT_MOCK, "mock" },	\
			 { IOMMU_INV_HWPT_VTD_S1, "vtd_s1" },	\
			 { IOMMU_INV_HWPT_SMMUV3_S1, "smmuv3_s1" })

#define iommu_inv_show_entry_type(type)					\
	__print_symbolic(type,						\
			 { IOMMU_INV_ENTRY_IOTLB_ALL, "iotlb_all" },	\
			 { IOMMU_INV_ENTRY_IOTLB_PASID, "iotlb_pasid" },	\
			 { IOMMU_INV_ENTRY_IOTLB_RANGE, "iotlb_range" },	\
			 { IOMMU_INV_ENTRY_DEVTLB_PASID, "devtlb_pasid" },	\
			 { IOMMU_INV_ENTRY_DEVTLB_RANGE, "devtlb_range" },	\
			 { IOMMU_INV_ENTRY_PASID_CACHE_ALL, "pasid_cache_all" }, \
			 { IOMMU_INV_ENTRY_PASID_CACHE_PASID, "pasid_cache_pasid" }, \
			 { IOMMU_INV_ENTRY_VTD_DESC, "vtd_desc" },	\
			 { IOMMU_INV_ENTRY_SMMUV3_CMD, "smmuv3_cmd" })

/* A hardware unit is named by the HWPT type it serves. */
#define iommu_inv_show_unit(unit)				\
	__print_symbolic(unit,					\
			 { IOMMU_INV_HWPT_VTD_S1, "vtd" },	\
			 { IOMMU_INV_HWPT_SMMUV3_S1, "smmuv3" })

/*
 * One HWPT_INVALIDATE (ioctl or io_uring) that reached its HWPT, with its
 * out fields final; not a non-blocking issue that found the HWPT busy
 * and did nothing (-EAGAIN: it is issued again).
 */
TRACE_EVENT(iommu_inv_call,
	    TP_PROTO(const struct iommu_inv_call *call, int error),
	    TP_ARGS(call, error),
	    TP_STRUCT__entry(__field(u32, hwpt)
			     __field(u32, hwpt_type)
			     __field(u32, entries)
			     __field(u32, processed)
			     __field(u32, failed)
			     __field(u32, first_error)
			     __field(int, error)),
	    TP_fast_assign(__entry->hwpt = call->hwpt->obj.id;
			   __entry->hwpt_type = call->hwpt->ops->type;
			   __entry->entries = call->entry_num;
			   __entry->processed = call->processed;
			   __entry->failed = call->num_failed;
			   __entry->first_error = call->first_error;
			   __entry->error = error;),
	    TP_printk("hwpt=%u hwpt_type=%s entries=%u processed=%u failed=%u first_error=%u error=%d",
		      __entry->hwpt,
		      iommu_inv_show_hwpt_type(__entry->hwpt_type),
		      __entry->entries, __entry->processed, __entry->failed,
		      __entry->first_error, __entry->error));

/*
 * One failed entry, as its result says. @type is 0 when the entry's
 * header could not be read.
 */
TRACE_EVENT(iommu_inv_entry_fail,
	    TP_PROTO(u32 hwpt, u32 index, u16 type, int error, u32 hw_error),
	    TP_ARGS(hwpt, index, type, error, hw_error),
	    TP_STRUCT__entry(__field(u32, hwpt)
			     __field(u32, index)
			     __field(u16, type)
			     __field(int, error)
			     __field(u32, hw_error)),
	    TP_fast_assign(__entry->hwpt = hwpt;
			   __entry->index = index;
			   __entry->type = type;
			   __entry->error = error;
			   __entry->hw_error = hw_error;),
	    TP_printk("hwpt=%u index=%u type=%s error=%d hw_error=%#x",
		      __entry->hwpt, __entry->index,
		      iommu_inv_show_entry_type(__entry->type),
		      __entry->error, __entry->hw_error));

/*
 * A hardware queue stopped on a fault: VT-d, the FSTS queue fault bits
 * and IQH; SMMUv3, the CMDQ_CONS.ERR code and the CONS index.
 */
TRACE_EVENT(iommu_inv_unit_fault,
	    TP_PROTO(u32 unit, u32 fault, u32 index),
	    TP_ARGS(unit, fault, index),
	    TP_STRUCT__entry(__field(u32, unit)
			     __field(u32, fault)
			     __field(u32, index)),
	    TP_fast_assign(__entry->unit = unit;
			   __entry->fault = fault;
			   __entry->index = index;),
	    TP_printk("unit=%s fault=%#x index=%u",
		      iommu_inv_show_unit(__entry->unit), __entry->fault,
		      __entry->index));

/*
 * The end of a recovery from a fault: the queue drained and goes on, or
 * the unit is broken (every submit fails with -EIO until reload).
 */
TRACE_EVENT(iommu_inv_unit_recover,
	    TP_PROTO(u32 unit, bool ok),
	    TP_ARGS(unit, ok),
	    TP_STRUCT__entry(__field(u32, unit)
			     __field(bool, ok)),
	    TP_fast_assign(__entry->unit = unit;
			   __entry->ok = ok;),
	    TP_printk("unit=%s %s", iommu_inv_show_unit(__entry->unit),
		      __entry->ok ? "recovered" : "broken"));

#endif /* _IOMMUFD_INV_TRACE_H */

/* This part must be outside protection */
#undef TRACE_INCLUDE_PATH
#undef TRACE_INCLUDE_FILE
/* The Makefile puts this directory on the include path, in and out of tree. */
#define TRACE_INCLUDE_PATH .
#define TRACE_INCLUDE_FILE trace
#include <trace/define_trace.h>
