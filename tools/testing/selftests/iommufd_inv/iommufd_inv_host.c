// SPDX-License-Identifier: GPL-2.0
/*
 * The VT-d HOST queue (IOMMU_INV_VTD_QUEUE_HOST), beside the host's
 * intel-iommu driver: only in the in-tree build (scripts/intree.sh), in a
 * guest booted with intel_iommu=on,sm_on iommu.strict=1 on QEMU's
 * intel-iommu in scalable mode, with two virtio-rng devices behind it
 * (vm-run.sh --iommu-host) doing DMA through /dev/hwrng while the tests
 * run, and the module loaded with mock=1 (the test hook that flips a bit
 * of a descriptor on its way to the queue).
 *
 * What the unit was given is read back from the driver's own trace event
 * (intel_iommu:qi_submit, every descriptor qi_submit_sync() writes), and
 * the domain ID a device's DMA is tagged with from the driver's debugfs
 * (the device's PASID-table entry for PASID 0, which the unit reads).
 *
 * Set IOMMUFD_INV_NEED_HOST=1 to fail, instead of skip, where the HOST
 * queue or the virtio-rng devices are missing.
 */
#include <dirent.h>
#include <liburing.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>

#include "kselftest_harness.h"
#include "iommufd_inv_utils.h"
#include "iommufd_inv_tracefs.h"

/* Guest PASID 1 is host 0x300: a base that carries tells + from |. */
#define PASID_BASE 0x2ff
#define PASID_NUM 64
#define VIRT 0x10
#define TYPE_PIOTLB 0x6
#define MAX_DEVS 2
#define MAX_SEEN 256
#define RNG_VENDOR "0x1af4"
/* Virtio 1.0 entropy device (virtio-rng-pci,disable-legacy=on). */
#define RNG_DEVICE "0x1044"
#define DEBUGFS_PASID "/sys/kernel/debug/iommu/intel/dmar_translation_struct"

#define need_host() env_needs("IOMMUFD_INV_NEED_HOST")

struct rng_dev {
	char bdf[16];
	__u16 sid;
	int group;
};

/* One of our descriptors as the driver submitted it. */
struct seen {
	__u64 qw0;
	__u32 pasid;
	__u16 did;
};

static int read_file(const char *path, char *buf, size_t len)
{
	ssize_t n;
	int fd = open(path, O_RDONLY);

	if (fd < 0)
		return -1;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = 0;
	return 0;
}

static int write_file(const char *path, const char *val)
{
	ssize_t n;
	int fd = open(path, O_WRONLY);

	if (fd < 0)
		return -1;
	n = write(fd, val, strlen(val));
	close(fd);
	return n == (ssize_t)strlen(val) ? 0 : -1;
}

static int cmp_bdf(const void *a, const void *b)
{
	return strcmp(((const struct rng_dev *)a)->bdf,
		      ((const struct rng_dev *)b)->bdf);
}

/* The virtio-rng PCI devices, in BDF order. */
static int find_rngs(struct rng_dev *d)
{
	unsigned int bus, slot, fn;
	char p[512], v[64], link[256];
	struct dirent *de;
	int n = 0;
	ssize_t len;
	DIR *dir;

	dir = opendir("/sys/bus/pci/devices");
	if (!dir)
		return 0;
	while ((de = readdir(dir)) && n < MAX_DEVS) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(p, sizeof(p), "/sys/bus/pci/devices/%s/vendor",
			 de->d_name);
		if (read_file(p, v, sizeof(v)) || strncmp(v, RNG_VENDOR, 6))
			continue;
		snprintf(p, sizeof(p), "/sys/bus/pci/devices/%s/device",
			 de->d_name);
		if (read_file(p, v, sizeof(v)) || strncmp(v, RNG_DEVICE, 6))
			continue;
		if (sscanf(de->d_name, "0000:%x:%x.%x", &bus, &slot, &fn) != 3)
			continue;
		snprintf(p, sizeof(p), "/sys/bus/pci/devices/%s/iommu_group",
			 de->d_name);
		len = readlink(p, link, sizeof(link) - 1);
		if (len <= 0)
			continue;
		link[len] = 0;
		/* Parsed as 0000:bb:ss.f above: it fits. */
		snprintf(d[n].bdf, sizeof(d[n].bdf), "%.15s", de->d_name);
		d[n].sid = bus << 8 | slot << 3 | fn;
		d[n].group = atoi(strrchr(link, '/') + 1);
		n++;
	}
	closedir(dir);
	qsort(d, n, sizeof(*d), cmp_bdf);
	return n;
}

/*
 * The domain ID in @d's PASID-table entry for PASID 0 (bits 79:64, the
 * low bits of the entry's second quadword), or -1.
 */
static int did_hw(const struct rng_dev *d)
{
	static char buf[1 << 16];
	unsigned long long q2, q1, q0;
	char *line, *save = NULL, *e;
	int pasid, did = -1;

	if (read_file(DEBUGFS_PASID, buf, sizeof(buf)))
		return -1;
	for (line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		/* "bb:dd.f\troot\tcontext\tpasid\tq2:q1:q0" */
		if (strncmp(line, d->bdf + 5, 7) || line[7] != '\t')
			continue;
		e = strrchr(line, '\t');
		if (!e || sscanf(e + 1, "0x%llx:0x%llx:0x%llx", &q2, &q1, &q0) != 3)
			continue;
		*e = 0;
		e = strrchr(line, '\t');
		if (!e || sscanf(e + 1, "%d", &pasid) != 1 || pasid)
			continue;
		did = q1 & 0xffff;
	}
	return did;
}

/* Read @n bytes from /dev/hwrng: DMA through the IOMMU. */
static int rng_read(size_t n)
{
	unsigned char buf[256];
	size_t got = 0, i, nonzero = 0;
	ssize_t r;
	int fd = open("/dev/hwrng", O_RDONLY);

	if (fd < 0)
		return -1;
	while (got < n) {
		r = read(fd, buf, sizeof(buf) < n - got ? sizeof(buf) : n - got);
		if (r <= 0)
			break;
		for (i = 0; i < (size_t)r; i++)
			nonzero += !!buf[i];
		got += r;
	}
	close(fd);
	/* 64 random bytes are not all zero but once in 2^512. */
	return got == n && nonzero ? 0 : -1;
}

/* Our PASID-based IOTLB descriptors among @trace's qi_submit records. */
static int our_descs(const char *trace, struct seen *s, int max)
{
	unsigned long long qw0, qw1;
	char line[256], *p;
	int i, total, n = 0;
	__u32 pasid;

	total = tracefs_find(trace, "qi_submit", 0, NULL, 0);
	for (i = 0; i < total; i++) {
		tracefs_find(trace, "qi_submit", i, line, sizeof(line));
		p = strstr(line, ": 0x");
		if (!p || sscanf(p + 2, "0x%llx 0x%llx", &qw0, &qw1) != 2)
			continue;
		pasid = (qw0 >> 32) & 0xfffff;
		if ((qw0 & 0xf) != TYPE_PIOTLB || pasid < PASID_BASE ||
		    pasid >= PASID_BASE + PASID_NUM)
			continue;
		if (n < max) {
			s[n].qw0 = qw0;
			s[n].pasid = pasid;
			s[n].did = (qw0 >> 16) & 0xffff;
		}
		n++;
	}
	return n;
}

/* qi_submit records in @trace whose descriptor type is @type. */
static int descs_of_type(const char *trace, unsigned int type)
{
	unsigned long long qw0, qw1;
	char line[256], *p;
	int i, total, n = 0;

	total = tracefs_find(trace, "qi_submit", 0, NULL, 0);
	for (i = 0; i < total; i++) {
		tracefs_find(trace, "qi_submit", i, line, sizeof(line));
		p = strstr(line, ": 0x");
		if (p && sscanf(p + 2, "0x%llx 0x%llx", &qw0, &qw1) == 2 &&
		    (qw0 & 0xf) == type)
			n++;
	}
	return n;
}

FIXTURE(host) {
	int fd;
	__u32 hwpt_id;
	struct rng_dev dev[MAX_DEVS];
	int ndev;
	struct tracefs t;
	struct ebuf b;
	struct iommu_inv_hwpt_invalidate inv;
	struct iommu_inv_result res[32];
	struct seen seen[MAX_SEEN];
};

/* A HOST HWPT on @sid (or none with @sid < 0); its ID, or 0. */
static __u32 host_hwpt(int fd, int sid)
{
	__u32 id;

	if (vtd_alloc(fd, IOMMU_INV_VTD_QUEUE_HOST, 0, PASID_BASE, PASID_NUM,
		      &id))
		return 0;
	if (sid >= 0 && vtd_vdev(fd, id, VIRT, sid, 0, 0, 0, NULL))
		return 0;
	return id;
}

FIXTURE_SETUP(host)
{
	struct iommu_inv_info info;

	self->t.inst[0] = 0;
	self->fd = open(DEV_PATH, O_RDWR);
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, _test_get_info(self->fd, IOMMU_INV_HWPT_VTD_S1, &info));
	if (!(info.out_vtd_queues & (1ULL << IOMMU_INV_VTD_QUEUE_HOST))) {
		ASSERT_FALSE(need_host());
		SKIP(return, "no VT-d HOST queue (not the in-tree build)");
	}
	self->ndev = find_rngs(self->dev);
	if (!self->ndev) {
		ASSERT_FALSE(need_host());
		SKIP(return, "no virtio-rng device behind the IOMMU");
	}
	self->hwpt_id = host_hwpt(self->fd, self->dev[0].sid);
	ASSERT_NE(0, self->hwpt_id);
	ASSERT_EQ(0, tracefs_open(&self->t));
	ASSERT_EQ(0, tracefs_write(&self->t, "events/intel_iommu/qi_submit/enable",
				   "1"));
	ebuf_init(&self->b, 4096);
	ASSERT_EQ(0, rng_read(64));
}

FIXTURE_TEARDOWN(host)
{
	if (self->t.inst[0])
		tracefs_write(&self->t, "events/intel_iommu/qi_submit/enable",
			      "0");
	tracefs_close(&self->t);
	close(self->fd);
}

/* The descriptors of ours the last call put on the queue, into seen[]. */
#define take_seen()							\
	({								\
		char *__tr = tracefs_read(&self->t);			\
		int __n;						\
									\
		ASSERT_NE(NULL, __tr);					\
		__n = our_descs(__tr, self->seen, MAX_SEEN);		\
		free(__tr);						\
		ASSERT_EQ(0, tracefs_clear(&self->t));			\
		__n;							\
	})

/* Guest PASIDs 0 to @n - 1, one IOTLB_PASID entry each. */
static void pasid_batch(struct ebuf *b, int n)
{
	int i;

	ebuf_reset(b);
	for (i = 0; i < n; i++)
		e_iotlb_pasid(b, i);
}

TEST_F(host, info_and_config)
{
	struct iommu_inv_info info;
	__u32 id;

	ASSERT_EQ(0, _test_get_info(self->fd, IOMMU_INV_HWPT_VTD_S1, &info));
	/* This tier loads the module with mock=1: the model is there too. */
	EXPECT_EQ((1ULL << IOMMU_INV_VTD_QUEUE_HW) |
		  (1ULL << IOMMU_INV_VTD_QUEUE_MODEL) |
		  (1ULL << IOMMU_INV_VTD_QUEUE_HOST), info.out_vtd_queues);
	ASSERT_EQ(0, _test_get_info(self->fd, IOMMU_INV_HWPT_MOCK, &info));
	EXPECT_EQ(0, info.out_vtd_queues);

	/* No host domain ID from user space on this queue. */
	EXPECT_ERRNO(EINVAL, vtd_alloc(self->fd, IOMMU_INV_VTD_QUEUE_HOST, 1,
				       PASID_BASE, PASID_NUM, &id));
	/* One device per HWPT, whichever the second is. */
	EXPECT_ERRNO(EBUSY, vtd_vdev(self->fd, self->hwpt_id, VIRT + 1,
				     self->dev[self->ndev - 1].sid, 0, 0, 0,
				     NULL));

	id = host_hwpt(self->fd, -1);
	ASSERT_NE(0, id);
	/* No device at 0xfe:1f.7, no device-TLB on this queue. */
	EXPECT_ERRNO(ENODEV, vtd_vdev(self->fd, id, VIRT, 0xfeff, 0, 0, 0,
				      NULL));
	EXPECT_ERRNO(EOPNOTSUPP, vtd_vdev(self->fd, id, VIRT,
					  self->dev[0].sid, 0, 0,
					  IOMMU_INV_VTD_DEV_ATS, NULL));
	/* Without a device there is no domain to flush. */
	pasid_batch(&self->b, 2);
	errno = 0;
	EXPECT_EQ(-1, _test_inv(self->fd, id, &self->b, 0, self->res, 32,
				&self->inv));
	EXPECT_EQ(ENODEV, errno);
	EXPECT_EQ(0, self->inv.out_first_error);
	EXPECT_EQ(1, self->inv.out_processed);
	EXPECT_EQ(0, take_seen());
	test_destroy(id);

	/* Host identifiers: CAP_SYS_ADMIN, as for the other hardware queues. */
	ASSERT_EQ(0, drop_cap(CAP_SYS_ADMIN));
	EXPECT_ERRNO(EPERM, vtd_alloc(self->fd, IOMMU_INV_VTD_QUEUE_HOST, 0,
				      PASID_BASE, PASID_NUM, &id));
	EXPECT_ERRNO(EPERM, vtd_vdev(self->fd, self->hwpt_id, VIRT + 1,
				     self->dev[0].sid, 0, 0, 0, NULL));
}

TEST_F(host, did_from_domain)
{
	int i, did = did_hw(&self->dev[0]);

	ASSERT_LT(0, did);
	ASSERT_EQ(0, tracefs_clear(&self->t));
	pasid_batch(&self->b, 5);
	test_inv_ok();
	ASSERT_EQ(5, take_seen());
	for (i = 0; i < 5; i++) {
		EXPECT_EQ(PASID_BASE + i, self->seen[i].pasid);
		EXPECT_EQ(did, self->seen[i].did);
		/* PASID-selective (granularity 10b in bits 5:4). */
		EXPECT_EQ(2, (self->seen[i].qw0 >> 4) & 3);
	}
	ASSERT_EQ(0, rng_read(64));
}

/*
 * The driver's export, not the caller, owns the domain ID and the types:
 * a DID bit flipped on the way is overwritten (the descriptor flushes the
 * device's domain), and a PASID-cache descriptor turned into a device-TLB
 * one (type 7 ^ 4 = 3) or into a global one is refused before it reaches
 * the queue.
 */
TEST_F(host, export_owns_did_and_types)
{
	int did = did_hw(&self->dev[0]);
	char *tr;

	ASSERT_LT(0, did);
	/* Bit 17 of the first quadword: bit 1 of the domain ID. */
	ASSERT_EQ(0, queue_corrupt(self->fd, self->hwpt_id, 1, 0, 17));
	ASSERT_EQ(0, tracefs_clear(&self->t));
	pasid_batch(&self->b, 3);
	test_inv_ok();
	ASSERT_EQ(3, take_seen());
	EXPECT_EQ(did, self->seen[0].did);
	EXPECT_EQ(did, self->seen[1].did);
	EXPECT_EQ(did, self->seen[2].did);

	ASSERT_EQ(0, queue_corrupt(self->fd, self->hwpt_id, 1, 0, 2));
	ASSERT_EQ(0, tracefs_clear(&self->t));
	ebuf_reset(&self->b);
	e_iotlb_pasid(&self->b, 0);
	e_pc_pasid(&self->b, 1);
	e_iotlb_pasid(&self->b, 2);
	test_inv_fails_at(0, EIO, 1);
	EXPECT_EQ(IOMMU_INV_HWERR_VTD_IQE, self->res[0].hw_error);
	tr = tracefs_read(&self->t);
	ASSERT_NE(NULL, tr);
	/* Never queued: neither the device-TLB one nor anything of the run. */
	EXPECT_EQ(0, descs_of_type(tr, 0x3));
	EXPECT_EQ(0, descs_of_type(tr, 0x7));
	/* Entry 0 once, in the replay; entry 2 never. */
	EXPECT_EQ(1, our_descs(tr, self->seen, MAX_SEEN));
	EXPECT_EQ(PASID_BASE, self->seen[0].pasid);
	free(tr);

	/*
	 * Bit 5: the PASID-selective granularity (01b) becomes the global
	 * one (11b), which would reach every domain on the unit.
	 */
	ASSERT_EQ(0, queue_corrupt(self->fd, self->hwpt_id, 1, 0, 5));
	ASSERT_EQ(0, tracefs_clear(&self->t));
	test_inv_fails_at(0, EIO, 1);
	EXPECT_EQ(IOMMU_INV_HWERR_VTD_IQE, self->res[0].hw_error);
	tr = tracefs_read(&self->t);
	ASSERT_NE(NULL, tr);
	EXPECT_EQ(0, descs_of_type(tr, 0x7));
	EXPECT_EQ(1, our_descs(tr, self->seen, MAX_SEEN));
	free(tr);
	ASSERT_EQ(0, rng_read(64));
}

/*
 * A bit QEMU's unit refuses (bit 13 of a PASID-based IOTLB invalidate's
 * first quadword, reserved) in the entry at @bad of @n, and with @every in
 * every entry after it too (several refused descriptors in one run): the
 * run fails with an Invalidation Queue Error on a descriptor past its
 * first, the driver's patched qi_check_fault() turns the rest of the run
 * into waits, clears it and waits for the run's own wait, and the replay
 * one at a time puts it on entry @bad.
 */
/* FIXTURE_DATA(host) is struct _test_data_host. */
static void iqe_case(struct __test_metadata *_metadata,
		     struct _test_data_host *self, int n, int bad, bool every)
{
	int i, count[PASID_NUM] = {};
	int seen, pasid;

	if (every) {
		ASSERT_EQ(0, queue_corrupt_desc(self->fd, self->hwpt_id, bad,
						IOMMU_INV_TEST_CORRUPT_EVERY,
						0, 13));
	} else {
		ASSERT_EQ(0, queue_corrupt(self->fd, self->hwpt_id, bad, 0, 13));
	}
	ASSERT_EQ(0, tracefs_clear(&self->t));
	pasid_batch(&self->b, n);
	test_inv_fails_at(0, EIO, bad);
	/* Attempted: the entries before it and the failed one. */
	EXPECT_EQ(bad + 1, self->inv.out_processed);
	EXPECT_EQ(IOMMU_INV_HWERR_VTD_IQE, self->res[0].hw_error);
	seen = take_seen();
	ASSERT_GE(MAX_SEEN, seen);
	for (i = 0; i < seen; i++) {
		pasid = self->seen[i].pasid - PASID_BASE;
		count[pasid]++;
		/* The flipped bit is on the bad entry (and later) only. */
		EXPECT_EQ(every ? pasid >= bad : pasid == bad,
			  !!(self->seen[i].qw0 & (1ULL << 13)));
	}
	/*
	 * Runs of 16: the failed run's entries before @bad twice (the run,
	 * the replay), @bad twice, the rest of its run once, later runs
	 * never; earlier runs once.
	 */
	for (i = 0; i < n; i++) {
		int want = i / 16 < bad / 16 ? 1 :
			   i / 16 > bad / 16 ? 0 : i <= bad ? 2 : 1;

		EXPECT_EQ(want, count[i]);
	}
	/* The queue and the device's DMA go on; the flip is gone. */
	ASSERT_EQ(0, rng_read(64));
	ASSERT_EQ(0, tracefs_clear(&self->t));
	pasid_batch(&self->b, n);
	test_inv_ok();
	seen = take_seen();
	EXPECT_EQ(n, seen);
	for (i = 0; i < seen && i < MAX_SEEN; i++)
		EXPECT_EQ(0, self->seen[i].qw0 & (1ULL << 13));
	ASSERT_EQ(0, rng_read(64));
}

TEST_F_TIMEOUT(host, iqe_replay_right_entry, 120)
{
	iqe_case(_metadata, self, 6, 3, false);
	iqe_case(_metadata, self, 20, 18, false);
}

/*
 * Two and three refused descriptors in one run: the unit must not be left
 * with an error no submitter owns (the host locks up: a guest time-out).
 */
TEST_F_TIMEOUT(host, iqe_several_in_one_run, 120)
{
	iqe_case(_metadata, self, 20, 18, true);
	iqe_case(_metadata, self, 6, 3, true);
}

/*
 * Through io_uring (array mode): the HOST queue never runs in the
 * non-blocking issue (the group mutex, the driver's queue), so the command
 * goes to io_uring's worker and must come back as the ioctl does.
 */
TEST_F(host, io_uring)
{
	struct io_uring_sqe *sqe;
	struct io_uring_cqe *cqe;
	struct io_uring ring;
	int i, n, did = did_hw(&self->dev[0]);

	ASSERT_LT(0, did);
	ASSERT_EQ(0, io_uring_queue_init(4, &ring, 0));
	for (i = 0; i < 2; i++) {
		/* First with entry 3 refused by the unit, then clean. */
		if (!i)
			ASSERT_EQ(0, queue_corrupt(self->fd, self->hwpt_id, 3,
						   0, 13));
		ASSERT_EQ(0, tracefs_clear(&self->t));
		pasid_batch(&self->b, 6);
		memset(self->res, 0xa5, sizeof(self->res));
		inv_fill(&self->inv, self->hwpt_id, &self->b, 0, self->res, 32);
		sqe = io_uring_get_sqe(&ring);
		ASSERT_NE(NULL, sqe);
		uring_prep_inv_array(sqe, self->fd, false, &self->inv);
		ASSERT_EQ(1, io_uring_submit(&ring));
		ASSERT_EQ(0, io_uring_wait_cqe(&ring, &cqe));
		EXPECT_EQ(i ? 6 : -EIO, cqe->res);
		io_uring_cqe_seen(&ring, cqe);
		EXPECT_EQ(i ? 6 : 3, self->inv.out_first_error);
		if (!i) {
			EXPECT_EQ(3, self->res[0].index);
			EXPECT_EQ(IOMMU_INV_HWERR_VTD_IQE, self->res[0].hw_error);
		}
		n = take_seen();
		/* The run, then the replay of entries 0 to 3; or the six. */
		EXPECT_EQ(i ? 6 : 10, n);
		while (n-- > 0)
			EXPECT_EQ(did, self->seen[n].did);
	}
	io_uring_queue_exit(&ring);
	ASSERT_EQ(0, rng_read(64));
}

/* The group of @d to @type, its driver unbound meanwhile. */
static int regroup(const struct rng_dev *d, const char *type, bool rebind)
{
	char p[256];

	snprintf(p, sizeof(p), "/sys/bus/pci/devices/%s/driver/unbind", d->bdf);
	if (!access(p, F_OK) && write_file(p, d->bdf))
		return -1;
	snprintf(p, sizeof(p), "/sys/kernel/iommu_groups/%d/type", d->group);
	if (write_file(p, type))
		return -1;
	return rebind ? write_file("/sys/bus/pci/drivers/virtio-pci/bind",
				   d->bdf) : 0;
}

/* The domain ID of HWPT @id's descriptors in a one-entry call. */
#define did_used(_id)							\
	({								\
		pasid_batch(&self->b, 1);				\
		ASSERT_EQ(0, _test_inv(self->fd, _id, &self->b, 0,	\
				       self->res, 32, &self->inv));	\
		ASSERT_EQ(1, take_seen());				\
		(int)self->seen[0].did;					\
	})

TEST_F_TIMEOUT(host, did_follows_domain, 300)
{
	struct rng_dev *lo, *hi;
	int dlo, dhi, nlo, nhi;
	__u32 hlo, hhi;

	if (self->ndev < 2) {
		ASSERT_FALSE(need_host());
		SKIP(return, "needs two virtio-rng devices");
	}
	lo = &self->dev[0];
	hi = &self->dev[1];
	if (did_hw(lo) > did_hw(hi)) {
		lo = &self->dev[1];
		hi = &self->dev[0];
	}
	dlo = did_hw(lo);
	dhi = did_hw(hi);
	ASSERT_LT(0, dlo);
	ASSERT_LT(dlo, dhi);
	hlo = host_hwpt(self->fd, lo->sid);
	hhi = host_hwpt(self->fd, hi->sid);
	ASSERT_NE(0, hlo);
	ASSERT_NE(0, hhi);
	ASSERT_EQ(0, tracefs_clear(&self->t));
	EXPECT_EQ(dlo, did_used(hlo));
	EXPECT_EQ(dhi, did_used(hhi));

	/* Identity: no paging domain, nothing tagged with a domain ID. */
	ASSERT_EQ(0, regroup(lo, "identity", false));
	pasid_batch(&self->b, 1);
	errno = 0;
	EXPECT_EQ(-1, _test_inv(self->fd, hlo, &self->b, 0, self->res, 32,
				&self->inv));
	EXPECT_EQ(ENOENT, errno);
	EXPECT_EQ(0, take_seen());
	/*
	 * The driver gives a new domain the lowest free ID: with both
	 * devices on identity, hi's new domain takes lo's old ID, then lo's
	 * new domain hi's old one. (DMA to DMA-FQ keeps the domain.)
	 */
	ASSERT_EQ(0, regroup(hi, "identity", false));
	ASSERT_EQ(0, regroup(hi, "DMA-FQ", true));
	ASSERT_EQ(0, regroup(lo, "DMA", true));
	nlo = did_hw(lo);
	nhi = did_hw(hi);
	ASSERT_EQ(dhi, nlo);
	ASSERT_EQ(dlo, nhi);
	EXPECT_EQ(nlo, did_used(hlo));
	EXPECT_EQ(nhi, did_used(hhi));
	ASSERT_EQ(0, rng_read(256));
}

#define SUBMITTERS 3
#define ROUNDS 60
/* Rounds until the reader has read DURING bytes meanwhile, at most. */
#define MAX_ROUNDS 5000
#define DURING (4 * 64)

struct submitter {
	int fd;
	__u32 hwpt;
	int sid;
	int bad;	/* calls whose results were not as expected */
	long start;	/* the reader's bytes when the submitters started */
	int rounds;
};

/* __atomic: the reader's stop flag and counts */
static int rng_stop;
static long rng_bytes, rng_errors;

static void *rng_reader(void *arg)
{
	while (!__atomic_load_n(&rng_stop, __ATOMIC_RELAXED)) {
		if (rng_read(64))
			__atomic_add_fetch(&rng_errors, 1, __ATOMIC_RELAXED);
		else
			__atomic_add_fetch(&rng_bytes, 64, __ATOMIC_RELAXED);
	}
	return NULL;
}

/* 8-entry calls; every third has entry 1 + round % 7 refused by the unit. */
static void *submit_loop(void *arg)
{
	struct submitter *s = arg;
	struct iommu_inv_hwpt_invalidate inv;
	struct iommu_inv_result res[8];
	struct ebuf b;
	int r, rc, fault;

	ebuf_init(&b, 4096);
	for (r = 0; r < MAX_ROUNDS; r++) {
		if (r >= ROUNDS &&
		    __atomic_load_n(&rng_bytes, __ATOMIC_RELAXED) - s->start >=
		    DURING)
			break;
		pasid_batch(&b, 8);
		fault = r % 3 ? -1 : 1 + r % 7;
		if (fault >= 0 && queue_corrupt(s->fd, s->hwpt, fault, 0, 13)) {
			s->bad++;
			continue;
		}
		rc = _test_inv(s->fd, s->hwpt, &b, 0, res, 8, &inv);
		if (fault < 0 ? rc || inv.out_processed != 8 :
		    rc != -1 || errno != EIO || inv.out_first_error != fault ||
		    res[0].index != fault ||
		    res[0].hw_error != IOMMU_INV_HWERR_VTD_IQE)
			s->bad++;
	}
	s->rounds = r;
	free(b.data);
	return NULL;
}

TEST_F_TIMEOUT(host, concurrent_submitters_with_dma, 600)
{
	struct submitter s[SUBMITTERS];
	pthread_t rt, st[SUBMITTERS];
	long start, before;
	int i, wait;

	/* The trace buffer would only fill up. */
	ASSERT_EQ(0, tracefs_write(&self->t, "events/intel_iommu/qi_submit/enable",
				   "0"));
	for (i = 0; i < SUBMITTERS; i++) {
		s[i].fd = open(DEV_PATH, O_RDWR);
		ASSERT_LE(0, s[i].fd);
		s[i].sid = self->dev[i % self->ndev].sid;
		s[i].hwpt = host_hwpt(s[i].fd, s[i].sid);
		ASSERT_NE(0, s[i].hwpt);
		s[i].bad = 0;
	}
	ASSERT_EQ(0, pthread_create(&rt, NULL, rng_reader, NULL));
	/* DMA before the calls... */
	for (wait = 0; wait < 10000 &&
	     !__atomic_load_n(&rng_bytes, __ATOMIC_RELAXED); wait++)
		usleep(1000);
	start = __atomic_load_n(&rng_bytes, __ATOMIC_RELAXED);
	ASSERT_LT(0, start);
	/* ...during them... */
	for (i = 0; i < SUBMITTERS; i++) {
		s[i].start = start;
		ASSERT_EQ(0, pthread_create(&st[i], NULL, submit_loop, &s[i]));
	}
	for (i = 0; i < SUBMITTERS; i++)
		pthread_join(st[i], NULL);
	before = __atomic_load_n(&rng_bytes, __ATOMIC_RELAXED);
	/* ...and after the last call, then stop. */
	while (__atomic_load_n(&rng_bytes, __ATOMIC_RELAXED) == before &&
	       !__atomic_load_n(&rng_errors, __ATOMIC_RELAXED))
		usleep(1000);
	__atomic_store_n(&rng_stop, 1, __ATOMIC_RELAXED);
	pthread_join(rt, NULL);
	for (i = 0; i < SUBMITTERS; i++) {
		EXPECT_EQ(0, s[i].bad);
		EXPECT_LE(ROUNDS, s[i].rounds);
		close(s[i].fd);
	}
	EXPECT_EQ(0, rng_errors);
	EXPECT_LE(start + DURING, before);
	ASSERT_EQ(0, rng_read(64));
}

TEST_HARNESS_MAIN
