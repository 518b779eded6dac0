// SPDX-License-Identifier: GPL-2.0
/*
 * A mini-VMM: it emulates a guest's VT-d invalidation queue and forwards
 * what the guest queues through io_uring to /dev/iommu-inv.
 *
 * The guest writes 256-bit descriptors into its queue and moves the tail
 * register. The VMM traps that write and forwards the descriptors from
 * head to tail as they are (IOMMU_INV_ENTRY_VTD_DESC): the kernel decodes
 * each, checks it as the guest's unit would, and rewrites the guest's
 * domain ID, PASIDs and source IDs to the host's before they reach the
 * unit. The VMM keeps the invalidation-wait descriptors, which it carries
 * out itself: it cuts the run at each one, each run becomes one
 * IORING_OP_URING_CMD, and the runs are linked (IOSQE_IO_LINK) so that a
 * failure stops the ones after it, as a hardware queue stops at a fault.
 * Completed runs have their wait descriptors' status written; the first
 * failed entry becomes the guest's fault status (IQE, ITE or ICE) with the
 * head left on the descriptor that caused it, which is what the guest
 * driver expects to see.
 *
 * The HWPT is a VT-d stage-1 one on the hardware queue of a VT-d unit no
 * other driver uses (in the VM: QEMU's intel-iommu in scalable mode, the
 * kernel booted with intel_iommu=off); it needs CAP_SYS_ADMIN.
 * Build: cc -O2 mini_vmm.c -luring
 */
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <liburing.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/iommufd_inv.h>

/* --- the guest's view: a VT-d queued-invalidation interface ------------- */

#define QI_DEPTH 32
#define QI_WAIT 5	/* invalidation wait */
#define QI_PIOTLB 6	/* PASID-based IOTLB invalidation */
#define QI_PC 7		/* PASID-cache invalidation */
#define QI_PDEVTLB 8	/* PASID-based device-TLB invalidation */

#define FSTS_IQE 0x10U
#define FSTS_ICE 0x20U
#define FSTS_ITE 0x40U

struct guest_qi {
	__u64 desc[QI_DEPTH][4];
	unsigned int head;	/* IQH: next descriptor the "hardware" reads */
	unsigned int tail;	/* IQT: written by the guest */
	__u32 fsts;		/* fault status */
	__u32 status[QI_DEPTH];	/* guest memory the wait descriptors write */
};

#define GUEST_SID 0x0010	/* 00:02.0, the guest's one ATS device */
#define GUEST_DID 0x2a		/* the guest's domain ID: the HWPT stands for it */

/* What the host gives the guest (a privileged VMM's choice). */
#define HOST_DID 0x55		/* tags the guest's translations on the unit */
#define HOST_PASID_BASE 0x100	/* guest PASIDs 0-15 are host 0x100-0x10f */
#define GUEST_PASIDS 16
#define HOST_SID 0x00f8		/* the device behind GUEST_SID: 00:1f.0 */

static void guest_post(struct guest_qi *qi, __u64 qw0, __u64 qw1)
{
	__u64 *d = qi->desc[qi->tail % QI_DEPTH];

	d[0] = qw0;
	d[1] = qw1;
	d[2] = 0;
	d[3] = 0;
	qi->tail++;
}

static void guest_piotlb(struct guest_qi *qi, __u32 pasid, __u64 addr,
			 unsigned int am, int ih)
{
	guest_post(qi, QI_PIOTLB | 3ULL << 4 | (__u64)GUEST_DID << 16 |
		       (__u64)pasid << 32,
		   addr | (__u64)ih << 6 | am);
}

static void guest_pc(struct guest_qi *qi, __u32 pasid)
{
	guest_post(qi, QI_PC | 1ULL << 4 | (__u64)GUEST_DID << 16 |
		       (__u64)pasid << 32, 0);
}

static void guest_pdevtlb(struct guest_qi *qi, __u16 sid, __u32 pasid,
			  __u64 addr)
{
	guest_post(qi, QI_PDEVTLB | (__u64)sid << 16 | (__u64)pasid << 32, addr);
}

static void guest_wait(struct guest_qi *qi, unsigned int slot)
{
	/* SW=1: write status data 1 to status[slot] when reached. */
	guest_post(qi, QI_WAIT | 1ULL << 5 | 1ULL << 32, slot);
}

/* --- the VMM: forward, report ------------------------------------------ */

#define MAX_RUNS 8
#define MAX_RUN_BYTES 1024

struct run {
	__u8 entries[MAX_RUN_BYTES];
	__u32 len;
	__u32 num;
	unsigned int desc[QI_DEPTH];	/* entry -> descriptor */
	int wait;			/* its wait descriptor, or -1 */
	struct iommu_inv_result res[QI_DEPTH];
	struct iommu_inv_hwpt_invalidate inv;
};

struct vmm {
	int fd;
	__u32 hwpt_id;
	struct io_uring ring;
	struct run runs[MAX_RUNS];
};

static void *run_add(struct run *r, __u16 type, __u16 len, unsigned int desc)
{
	struct iommu_inv_entry_hdr *hdr = (void *)(r->entries + r->len);

	memset(hdr, 0, len);
	hdr->type = type;
	hdr->len = len;
	r->desc[r->num++] = desc;
	r->len += len;
	return hdr;
}

/*
 * Put guest descriptor @d into @r as it is. Returns 1 for a wait descriptor
 * (the VMM's own: the run ends there), 0 for an entry. The kernel refuses
 * the types a VMM handles itself (context-cache and interrupt-entry-cache
 * invalidations, which this guest does not use) with EOPNOTSUPP.
 */
static int forward(struct run *r, const __u64 *d, unsigned int idx)
{
	struct iommu_inv_entry_vtd_desc *e;
	unsigned int i;

	if ((d[0] & 0xf) == QI_WAIT && !(d[0] >> 9 & 7))
		return 1;
	e = run_add(r, IOMMU_INV_ENTRY_VTD_DESC, sizeof(*e), idx);
	for (i = 0; i < 4; i++)
		e->qw[i] = htole64(d[i]);
	return 0;
}

/* An unknown device never answers: like a device-TLB time-out. */
static __u32 fault_bits(const struct iommu_inv_result *res)
{
	if (res->hw_error == IOMMU_INV_HWERR_VTD_ITE || res->error == -ENODEV ||
	    res->error == -ETIMEDOUT)
		return FSTS_ITE;
	if (res->hw_error == IOMMU_INV_HWERR_VTD_ICE)
		return FSTS_ICE;
	return FSTS_IQE;
}

static void queue_run(struct vmm *v, struct run *r, bool link)
{
	struct iommu_inv_uring_array pl = { .arg_uptr = (uintptr_t)&r->inv };
	struct io_uring_sqe *sqe = io_uring_get_sqe(&v->ring);

	memset(&r->inv, 0, sizeof(r->inv));
	r->inv.size = sizeof(r->inv);
	r->inv.hwpt_id = v->hwpt_id;
	r->inv.entries_uptr = (uintptr_t)r->entries;
	r->inv.entries_len = r->len;
	r->inv.entry_num = r->num;
	r->inv.results_uptr = (uintptr_t)r->res;
	r->inv.results_num = QI_DEPTH;

	/* liburing 2.3 has no helper for uring_cmd: fill the SQE by hand. */
	io_uring_prep_rw(IORING_OP_URING_CMD, sqe, 0, NULL, 0, 0);
	sqe->flags |= IOSQE_FIXED_FILE;	/* registered file 0 */
	sqe->cmd_op = IOMMU_INV_URING_CMD_INVALIDATE;
	memcpy((char *)sqe + offsetof(struct io_uring_sqe, cmd), &pl,
	       sizeof(pl));
	sqe->user_data = r - v->runs;
	if (link)
		sqe->flags |= IOSQE_IO_LINK;
}

/* The guest moved the tail: carry out its queue from head to tail. */
static int vmm_qi_tail_write(struct vmm *v, struct guest_qi *qi)
{
	int cres[MAX_RUNS], rc;
	unsigned int nruns = 0, i, idx;
	struct io_uring_cqe *cqe;
	struct run *r;

	if (qi->fsts)
		return 0;	/* stopped until the guest clears the fault */

	r = &v->runs[0];
	r->len = 0;
	r->num = 0;
	r->wait = -1;
	for (idx = qi->head; idx != qi->tail; idx++) {
		rc = forward(r, qi->desc[idx % QI_DEPTH], idx);
		if (rc == 1 || r->len > MAX_RUN_BYTES - 64) {
			r->wait = rc == 1 ? (int)idx : -1;
			if (++nruns == MAX_RUNS)
				break;
			r = &v->runs[nruns];
			r->len = 0;
			r->num = 0;
			r->wait = -1;
		}
	}
	if (r->num && nruns < MAX_RUNS)
		nruns++;

	for (i = 0; i < nruns; i++)
		queue_run(v, &v->runs[i], i + 1 < nruns);
	printf("  vmm: head %u tail %u: %u run(s) in one io_uring submit\n",
	       qi->head, qi->tail, nruns);
	rc = io_uring_submit_and_wait(&v->ring, nruns);
	if (rc < 0)
		return rc;
	for (i = 0; i < nruns; i++) {
		if (io_uring_wait_cqe(&v->ring, &cqe))
			return -EIO;
		cres[cqe->user_data] = cqe->res;
		io_uring_cqe_seen(&v->ring, cqe);
	}

	for (i = 0; i < nruns; i++) {
		r = &v->runs[i];
		if (cres[i] >= 0) {
			printf("  vmm: run %u: %d entries done\n", i, cres[i]);
			qi->head = r->wait >= 0 ? r->wait + 1 :
				   r->desc[r->num - 1] + 1;
			if (r->wait >= 0) {
				const __u64 *w = qi->desc[r->wait % QI_DEPTH];

				qi->status[w[1]] = w[0] >> 32;
			}
			continue;
		}
		if (cres[i] == -ECANCELED)
			break;	/* after a failed run: never reached */
		if (!r->inv.out_num_failed) {
			printf("  vmm: run %u rejected: %s\n", i, strerror(-cres[i]));
			return cres[i];
		}
		qi->head = r->desc[r->res[0].index];
		qi->fsts |= fault_bits(&r->res[0]);
		printf("  vmm: run %u: entry %u (descriptor %u) failed: %s, ",
		       i, r->res[0].index, qi->head, strerror(-r->res[0].error));
		printf("hw_error %#x -> FSTS %#x, IQH %u\n", r->res[0].hw_error,
		       qi->fsts, qi->head);
		return 0;
	}
	return 0;
}

static int vmm_init(struct vmm *v)
{
	struct iommu_inv_hwpt_vtd_s1 cfg = {
		.queue = IOMMU_INV_VTD_QUEUE_HW,
		.did = HOST_DID,
		.pasid_base = HOST_PASID_BASE,
		.pasid_num = GUEST_PASIDS,
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
		.virt_id = GUEST_SID,
		.data_uptr = (uintptr_t)&dev,
		.data_len = sizeof(dev),
	};
	int rc;

	v->fd = open("/dev/iommu-inv", O_RDWR | O_CLOEXEC);
	if (v->fd < 0)
		return -errno;
	if (ioctl(v->fd, IOMMU_INV_HWPT_ALLOC, &alloc))
		return -errno;
	v->hwpt_id = alloc.out_hwpt_id;
	vdev.hwpt_id = v->hwpt_id;
	if (ioctl(v->fd, IOMMU_INV_VDEV_ALLOC, &vdev))
		return -errno;
	rc = io_uring_queue_init(64, &v->ring, 0);
	if (rc)
		return rc;
	/* One file for the ring's life: no fd lookup per command. */
	return io_uring_register_files(&v->ring, &v->fd, 1);
}

static void guest_check(struct guest_qi *qi, unsigned int slot,
			const char *what)
{
	printf("  guest: %s: wait status %s, FSTS %#x, IQH %u\n", what,
	       qi->status[slot] ? "written" : "not written", qi->fsts,
	       qi->head);
}

int main(void)
{
	struct guest_qi qi = { 0 };
	struct iommu_inv_hwpt_info info = { .size = sizeof(info) };
	unsigned int bad;
	struct vmm v;
	int rc;

	rc = vmm_init(&v);
	if (rc) {
		fprintf(stderr, "mini_vmm: set-up failed: %s\n", strerror(-rc));
		return 1;
	}
	printf("mini_vmm: VT-d HWPT %u on the unit's queue: guest DID %#x -> %#x, ",
	       v.hwpt_id, GUEST_DID, HOST_DID);
	printf("PASIDs 0-%u -> %#x-%#x, device %#x -> SID %#x; io_uring\n",
	       GUEST_PASIDS - 1, HOST_PASID_BASE,
	       HOST_PASID_BASE + GUEST_PASIDS - 1, GUEST_SID, HOST_SID);

	printf("guest: unmap 2 MiB in PASID 1, flush its device, fence; ");
	printf("then a PASID-cache flush, fence\n");
	guest_piotlb(&qi, 1, 0x40000000, 9, 1);
	guest_pdevtlb(&qi, GUEST_SID, 1, 0x40000000 | 0xff800ULL);
	guest_wait(&qi, 0);
	guest_pc(&qi, 1);
	guest_wait(&qi, 1);
	if (vmm_qi_tail_write(&v, &qi))
		return 1;
	guest_check(&qi, 1, "after batch 1");
	if (qi.fsts || !qi.status[0] || !qi.status[1] || qi.head != qi.tail)
		return 1;

	printf("guest: flush the TLB of a device it never had (SID 0x18), ");
	printf("fence; then more work, fence\n");
	guest_piotlb(&qi, 2, 0x1000, 0, 0);
	guest_pdevtlb(&qi, 0x18, 2, 0x1000);
	guest_wait(&qi, 2);
	guest_pc(&qi, 2);
	guest_wait(&qi, 3);
	if (vmm_qi_tail_write(&v, &qi))
		return 1;
	guest_check(&qi, 2, "after batch 2");
	if (qi.fsts != FSTS_ITE || qi.status[2] || qi.status[3] ||
	    qi.head != qi.tail - 4)
		return 1;
	printf("guest: ITE handled: clear FSTS, skip descriptor %u, resume\n",
	       qi.head);
	qi.fsts = 0;
	qi.head++;
	if (vmm_qi_tail_write(&v, &qi))
		return 1;
	guest_check(&qi, 3, "after resuming");
	if (qi.fsts || !qi.status[2] || !qi.status[3] || qi.head != qi.tail)
		return 1;

	printf("guest: flush a page with a reserved bit set (qword 1 bit 8), ");
	printf("fence; then more work, fence\n");
	bad = qi.tail;
	guest_post(&qi, QI_PIOTLB | 3ULL << 4 | (__u64)GUEST_DID << 16 |
		       3ULL << 32, 0x2000 | 1ULL << 8);
	guest_wait(&qi, 4);
	guest_pc(&qi, 3);
	guest_wait(&qi, 5);
	if (vmm_qi_tail_write(&v, &qi))
		return 1;
	guest_check(&qi, 4, "after batch 3");
	if (qi.fsts != FSTS_IQE || qi.head != bad || qi.status[4] ||
	    qi.status[5])
		return 1;
	printf("guest: IQE handled: clear FSTS, skip descriptor %u, resume\n",
	       qi.head);
	qi.fsts = 0;
	qi.head++;
	if (vmm_qi_tail_write(&v, &qi))
		return 1;
	guest_check(&qi, 5, "after resuming");
	if (qi.fsts || !qi.status[4] || !qi.status[5] || qi.head != qi.tail)
		return 1;

	info.hwpt_id = v.hwpt_id;
	if (ioctl(v.fd, IOMMU_INV_HWPT_INFO, &info))
		return 1;
	printf("mini_vmm: HWPT %u: %llu calls, %llu entries, %llu failed, ",
	       v.hwpt_id, (unsigned long long)info.out_calls,
	       (unsigned long long)info.out_entries,
	       (unsigned long long)info.out_failed);
	printf("%llu with a hardware code\n",
	       (unsigned long long)info.out_hw_errors);
	if (info.out_failed != 2 || info.out_hw_errors != 1)
		return 1;
	io_uring_queue_exit(&v.ring);
	close(v.fd);
	printf("mini_vmm: ok\n");
	return 0;
}
