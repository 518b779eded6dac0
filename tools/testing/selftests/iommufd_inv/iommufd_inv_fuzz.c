// SPDX-License-Identifier: GPL-2.0-only
/*
 * A seeded fuzzer: IOMMUFD_INV_FUZZ_CALLS calls (default 1000000) built
 * valid and then mutated: argument sizes, IDs, flags, reserved fields,
 * pointers (NULL, unmapped, running into an unmapped page), entry arrays
 * (types, lengths, flags, fields, trailing bytes, counts), through the
 * ioctls and both io_uring modes. Each call must succeed or fail with an
 * errno the contract lists. A model of the objects the process made is
 * kept from the successful calls alone; at the end the kernel's count and
 * every object must match it. IOMMUFD_INV_FUZZ_SEED picks the seed.
 */
#include <liburing.h>
#include <stddef.h>
#include <stdio.h>

#include "kselftest_harness.h"
#include "iommufd_inv_utils.h"

#define MAX_LIVE 512

struct live {
	__u32 id;
	__u32 hwpt;	/* 0: a HWPT; else the HWPT of a vdev */
};

struct fuzz {
	int fd;
	__u64 rng;
	struct io_uring ring;
	struct live live[MAX_LIVE];
	unsigned int nlive;
	__u8 *hole;	/* two pages, the second unmapped */
	struct ebuf b;
	struct iommu_inv_result res[512];	/* room for any batch's failures */
	unsigned long calls, ok, by_errno[160];
	int bad_errno;
	const char *bad_what;
	int vfd;		/* a second file: a VT-d model HWPT, raw entries */
	__u32 vhwpt;
	struct ebuf vb;
	unsigned long raw_class[4];	/* ok, EOPNOTSUPP, IQE, other errno */
	__u64 raw_bad[4];		/* the raw descriptor that did not match */
	int raw_bad_class[2];		/* its class, and what came back */
};

static __u64 rnd(struct fuzz *f)
{
	/* xorshift64* */
	f->rng ^= f->rng >> 12;
	f->rng ^= f->rng << 25;
	f->rng ^= f->rng >> 27;
	return f->rng * 0x2545F4914F6CDD1DULL;
}

static unsigned int pick(struct fuzz *f, unsigned int n)
{
	return rnd(f) % n;
}

static bool chance(struct fuzz *f, unsigned int percent)
{
	return pick(f, 100) < percent;
}

/* An ID: usually a live object of the right kind, sometimes anything. */
static __u32 some_id(struct fuzz *f, bool hwpt)
{
	unsigned int i, tries;

	if (f->nlive && !chance(f, 10)) {
		for (tries = 0; tries < 8; tries++) {
			i = pick(f, f->nlive);
			if (!hwpt || !f->live[i].hwpt)
				return f->live[i].id;
		}
	}
	return chance(f, 50) ? pick(f, 8) : (__u32)rnd(f);
}

/* A user pointer for @p: itself, or one the kernel cannot read. */
static __u64 some_ptr(struct fuzz *f, void *p, size_t len)
{
	switch (pick(f, 40)) {
	case 0:
		return 0;
	case 1:
		return (uintptr_t)(f->hole + PAGE);
	case 2:
		/* Runs into the unmapped page. */
		return (uintptr_t)(f->hole + PAGE - (len ? pick(f, len) : 0));
	case 3:
		return rnd(f) | 1ULL << 63;
	}
	return (uintptr_t)p;
}

static __u32 some_size(struct fuzz *f, __u32 size)
{
	switch (pick(f, 20)) {
	case 0:
		return pick(f, size);
	case 1:
		return size + 8;	/* newer userspace, zero tail */
	case 2:
		return (__u32)rnd(f);
	}
	return size;
}

/* Flip a few bits of @p, now and then. */
static void mutate(struct fuzz *f, void *p, size_t len, unsigned int percent)
{
	unsigned int n;

	if (!len || !chance(f, percent))
		return;
	for (n = 1 + pick(f, 3); n; n--)
		((__u8 *)p)[pick(f, len)] ^= 1 << pick(f, 8);
}

static void add_entries(struct fuzz *f, unsigned int n)
{
	unsigned int i;

	ebuf_reset(&f->b);
	for (i = 0; i < n; i++) {
		__u64 r = rnd(f);
		__u32 pasid = chance(f, 90) ? r % 16 : (__u32)r;
		__u64 addr = (r >> 8 & 0xffff) << 12, size = PAGE << (r % 10);

		switch (r % 8) {
		case 0:
			e_iotlb_all(&f->b);
			break;
		case 1:
			e_iotlb_pasid(&f->b, pasid);
			break;
		case 2:
			e_iotlb_range(&f->b, pasid, addr, size,
				      r & 0x100 ? IOMMU_INV_IOTLB_FLAG_LEAF : 0);
			break;
		case 3:
			e_devtlb_pasid(&f->b, r >> 32 & 7, pasid);
			break;
		case 4:
			e_devtlb_range(&f->b, r >> 32 & 7, pasid, addr, size);
			break;
		case 5:
			e_pc_all(&f->b);
			break;
		case 6:
			e_pc_pasid(&f->b, pasid);
			break;
		default:
			/* Any type, any length the header allows. */
			ebuf_add(&f->b, r >> 16 & 15, 8 * (1 + (r >> 24) % 6),
				 0);
		}
	}
	mutate(f, f->b.data, f->b.len, 30);
}

static void record(struct fuzz *f, const char *what, int rc, int err,
		   const int *allowed)
{
	f->calls++;
	if (!rc) {
		f->ok++;
		return;
	}
	if (err > 0 && err < (int)ARRAY_SIZE(f->by_errno))
		f->by_errno[err]++;
	for (; *allowed; allowed++)
		if (*allowed == err)
			return;
	if (!f->bad_errno) {
		f->bad_errno = err;
		f->bad_what = what;
	}
}

/* Errnos the contract lists per command (and EFAULT everywhere). */
static const int errs_alloc[] = { EINVAL, EOPNOTSUPP, E2BIG, EFAULT, ENOSPC,
				  ENOENT, EEXIST, ENOMEM, 0 };
static const int errs_destroy[] = { EINVAL, E2BIG, EFAULT, ENOENT, EBUSY, 0 };
static const int errs_inv[] = { EINVAL, EOPNOTSUPP, E2BIG, EFAULT, ENOENT,
				EMSGSIZE, ENODEV, EOVERFLOW, EIO, ETIMEDOUT,
				ENOMEM, 0 };
static const int errs_info[] = { EINVAL, EOPNOTSUPP, E2BIG, EFAULT, ENOENT, 0 };
static const int errs_uring[] = { EINVAL, EOPNOTSUPP, E2BIG, EFAULT, ENOENT,
				  EMSGSIZE, ENODEV, EOVERFLOW, EIO, ETIMEDOUT,
				  ENOMEM, ENOTTY, 0 };

static void live_add(struct fuzz *f, __u32 id, __u32 hwpt)
{
	if (f->nlive < MAX_LIVE)
		f->live[f->nlive++] = (struct live){ id, hwpt };
}

static void fuzz_hwpt_alloc(struct fuzz *f)
{
	struct iommu_inv_hwpt_mock cfg = { .pasid_bits = 1 + pick(f, 20) };
	struct iommu_inv_hwpt_alloc cmd = {
		.hwpt_type = IOMMU_INV_HWPT_MOCK,
		.data_len = sizeof(cfg),
	};
	int rc;

	if (f->nlive >= MAX_LIVE - 1)
		return;
	mutate(f, &cfg, sizeof(cfg), 20);
	mutate(f, &cmd, sizeof(cmd), 20);
	cmd.size = some_size(f, sizeof(cmd));
	cmd.data_uptr = some_ptr(f, &cfg, sizeof(cfg));
	rc = ioctl(f->fd, IOMMU_INV_HWPT_ALLOC, &cmd);
	record(f, "HWPT_ALLOC", rc, errno, errs_alloc);
	if (!rc)
		live_add(f, cmd.out_hwpt_id, 0);
}

static void fuzz_vdev_alloc(struct fuzz *f)
{
	struct iommu_inv_vdev_alloc cmd = {
		.hwpt_id = some_id(f, true),
		.virt_id = pick(f, 8),
	};
	int rc;

	if (f->nlive >= MAX_LIVE - 1)
		return;
	mutate(f, &cmd, sizeof(cmd), 10);
	cmd.size = some_size(f, sizeof(cmd));
	rc = ioctl(f->fd, IOMMU_INV_VDEV_ALLOC, &cmd);
	record(f, "VDEV_ALLOC", rc, errno, errs_alloc);
	if (!rc)
		live_add(f, cmd.out_vdev_id, cmd.hwpt_id);
}

static void fuzz_destroy(struct fuzz *f)
{
	struct iommu_inv_destroy cmd = { .id = some_id(f, false) };
	unsigned int i;
	int rc;

	cmd.size = some_size(f, sizeof(cmd));
	rc = ioctl(f->fd, IOMMU_INV_DESTROY, &cmd);
	record(f, "DESTROY", rc, errno, errs_destroy);
	if (rc)
		return;
	for (i = 0; i < f->nlive; i++) {
		if (f->live[i].id == cmd.id) {
			f->live[i] = f->live[--f->nlive];
			return;
		}
	}
	f->bad_errno = EPROTO;
	f->bad_what = "DESTROY of an object the model does not have";
}

static void fill_inv(struct fuzz *f, struct iommu_inv_hwpt_invalidate *cmd)
{
	add_entries(f, pick(f, 5) ? 1 + pick(f, 32) : pick(f, 300));
	memset(cmd, 0, sizeof(*cmd));
	cmd->hwpt_id = some_id(f, true);
	cmd->entries_len = chance(f, 90) ? f->b.len : pick(f, f->b.len + 64);
	cmd->entry_num = chance(f, 90) ? f->b.num : pick(f, f->b.num + 4);
	cmd->results_num = chance(f, 80) ? 64 : pick(f, 70);
	cmd->flags = chance(f, 50) ? IOMMU_INV_FLAG_CONTINUE : 0;
	mutate(f, cmd, sizeof(*cmd), 10);
	/* Pointers are chosen, not flipped: the kernel writes through one. */
	cmd->entries_uptr = some_ptr(f, f->b.data, f->b.len);
	cmd->results_uptr = some_ptr(f, f->res, sizeof(f->res));
	cmd->size = some_size(f, sizeof(*cmd));
	if (chance(f, 1))
		cmd->entry_num = IOMMU_INV_MAX_ENTRIES + pick(f, 4);
}

static void fuzz_invalidate(struct fuzz *f)
{
	struct iommu_inv_hwpt_invalidate cmd;
	int rc;

	fill_inv(f, &cmd);
	rc = ioctl(f->fd, IOMMU_INV_HWPT_INVALIDATE, &cmd);
	record(f, "HWPT_INVALIDATE", rc, errno, errs_inv);
	if (!rc && cmd.size >= sizeof(cmd) &&
	    (cmd.out_num_failed || cmd.out_processed != cmd.entry_num)) {
		f->bad_errno = EPROTO;
		f->bad_what = "HWPT_INVALIDATE succeeded with failures";
	}
}

static void fuzz_info(struct fuzz *f)
{
	struct iommu_inv_hwpt_info hi = { .hwpt_id = some_id(f, true) };
	struct iommu_inv_info gi = { .hwpt_type = pick(f, 5) };
	int rc;

	if (chance(f, 50)) {
		mutate(f, &hi, sizeof(hi), 10);
		hi.size = some_size(f, sizeof(hi));
		rc = ioctl(f->fd, IOMMU_INV_HWPT_INFO, &hi);
		record(f, "HWPT_INFO", rc, errno, errs_info);
	} else {
		mutate(f, &gi, sizeof(gi), 10);
		gi.size = some_size(f, sizeof(gi));
		rc = ioctl(f->fd, IOMMU_INV_GET_INFO, &gi);
		record(f, "GET_INFO", rc, errno, errs_info);
	}
}

/* Mock state changes the entries act on: fills and injected failures. */
static void fuzz_mock(struct fuzz *f)
{
	static const int inject[] = { EIO, ETIMEDOUT, ENODEV };
	__u32 id = some_id(f, true);

	if (chance(f, 70))
		_test_mock_fill(f->fd, id, pick(f, 4), pick(f, 8), pick(f, 16),
				pick(f, 64) << 12, PAGE << pick(f, 6));
	else
		_test_mock_inject(f->fd, id, pick(f, 40), -inject[pick(f, 3)],
				  pick(f, 2) ? IOMMU_INV_HWERR_VTD_ITE : 0);
}

static void fuzz_uring(struct fuzz *f)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(&f->ring);
	struct iommu_inv_hwpt_invalidate cmd;
	struct io_uring_cqe *cqe;
	__u8 payload[80] = { 0 };
	__u32 op;

	if (chance(f, 50)) {
		struct iommu_inv_uring_array pl;

		fill_inv(f, &cmd);
		pl.arg_uptr = some_ptr(f, &cmd, sizeof(cmd));
		pl.__reserved = 0;
		memcpy(payload, &pl, sizeof(pl));
		op = IOMMU_INV_URING_CMD_INVALIDATE;
	} else {
		struct iommu_inv_uring_inline pl = {
			.hwpt_id = some_id(f, true),
			.flags = pick(f, 2) ? IOMMU_INV_FLAG_CONTINUE : 0,
		};

		add_entries(f, 1 + pick(f, 4));
		pl.entry_num = f->b.num;
		memcpy(pl.entries, f->b.data,
		       f->b.len < sizeof(pl.entries) ? f->b.len :
						       sizeof(pl.entries));
		pl.results_uptr = some_ptr(f, f->res, sizeof(f->res));
		memcpy(payload, &pl, sizeof(pl));
		op = IOMMU_INV_URING_CMD_INVALIDATE_INLINE;
	}
	mutate(f, payload, sizeof(payload), 10);
	/* Keep the pointers (array: bytes 0-7, inline: 8-15) as chosen. */
	if (op == IOMMU_INV_URING_CMD_INVALIDATE)
		memcpy(payload, &(__u64){ some_ptr(f, &cmd, sizeof(cmd)) }, 8);
	else
		memcpy(payload + 8,
		       &(__u64){ some_ptr(f, f->res, sizeof(f->res)) }, 8);
	if (chance(f, 2))
		op = pick(f, 2) ? _IO(IOMMU_INV_TYPE, pick(f, 256)) :
				  (__u32)rnd(f);
	io_uring_prep_rw(IORING_OP_URING_CMD, sqe, f->fd, NULL, 0, 0);
	sqe->cmd_op = op;
	memcpy((char *)sqe + offsetof(struct io_uring_sqe, cmd), payload,
	       sizeof(payload));
	if (io_uring_submit_and_wait(&f->ring, 1) != 1 ||
	    io_uring_wait_cqe(&f->ring, &cqe)) {
		f->bad_errno = EPROTO;
		f->bad_what = "io_uring submit";
		return;
	}
	record(f, "uring_cmd", cqe->res < 0, -cqe->res, errs_uring);
	io_uring_cqe_seen(&f->ring, cqe);
}

/*
 * Raw VT-d descriptors (IOMMU_INV_ENTRY_VTD_DESC) on a VT-d model HWPT in
 * a file of their own (so the object model above is not touched): built
 * from the five accepted layouts with random fields, then bits flipped.
 * Each one is classified here, a third reading of the layouts (6.5.2.2,
 * .3, .4, .5, .6): a type the kernel must refuse (EOPNOTSUPP), a reserved bit
 * or granularity (EIO with IQE, before the queue), or a valid descriptor
 * that may succeed or fail on an identifier (EINVAL, ENODEV) but never
 * with a hardware code: an IQE there would be the model refusing what the
 * encoder built.
 */
#define RAW_WINDOW 16

static const __u64 raw_defined[9][4] = {
	[2] = { 0x00000000ffff00ff, 0xfffffffffffff07f },
	[3] = { 0xfff0ffff001ff00f, 0xfffffffffffff001 },
	[6] = { 0x000fffffffff003f, 0xfffffffffffff07f },
	[7] = { 0x000fffffffff003f },
	[8] = { 0xfffffffffffff1ff, 0xfffffffffffff801 },
};

enum { RAW_OK, RAW_TYPE, RAW_IQE, RAW_OTHER };

static int raw_classify(const __u64 *qw)
{
	unsigned int type = (qw[0] >> 9 & 7) << 4 | (qw[0] & 0xf);
	unsigned int g = qw[0] >> 4 & 3, i;

	if (type >= 9 || !raw_defined[type][0])
		return RAW_TYPE;
	for (i = 0; i < 4; i++)
		if (qw[i] & ~raw_defined[type][i])
			return RAW_IQE;
	if ((type == 2 && !g) || (type == 6 && g < 2) || (type == 7 && g == 2))
		return RAW_IQE;
	return RAW_OK;
}

static void raw_entry(struct fuzz *f)
{
	struct iommu_inv_entry_vtd_desc *e;
	__u64 r = rnd(f), pasid, addr, *qw;
	unsigned int g = r & 3;

	pasid = chance(f, 80) ? (r >> 8) % (RAW_WINDOW + 4) : (r >> 8) & 0xfffff;
	addr = rnd(f) & ~0xfffULL;
	e = ebuf_add(&f->vb, IOMMU_INV_ENTRY_VTD_DESC, sizeof(*e), 0);
	qw = (__u64 *)e->qw;
	switch (r >> 32 & 7) {
	case 0:		/* IOTLB, with DW/DR */
		qw[0] = 0x2 | g << 4 | (r & 0xc0) | 0x42ULL << 16;
		qw[1] = addr | (r >> 40 & 0x7f);
		break;
	case 1:
	case 2:		/* PASID-based IOTLB */
		qw[0] = 0x6 | g << 4 | 0x42ULL << 16 | pasid << 32;
		qw[1] = addr | (r >> 40 & 0x7f);
		break;
	case 3:		/* PASID-cache */
		qw[0] = 0x7 | g << 4 | 0x42ULL << 16 | pasid << 32;
		break;
	case 4:		/* PASID-based device-TLB: SID 0x10, 0x11, 0x12 */
		qw[0] = 0x8 | (r >> 48 & 0x1f) << 4 |
			(0x10 + (r >> 56) % 3) << 16 | pasid << 32;
		qw[1] = addr | (r >> 40 & 0x801);
		break;
	case 5:		/* device-TLB without PASID: the same SIDs */
		qw[0] = 0x3 | (r >> 48 & 0x1f) << 16 |
			(__u64)(0x10 + (r >> 56) % 3) << 32;
		qw[1] = addr | (r >> 40 & 0x1);
		break;
	case 6:		/* any type */
		qw[0] = rnd(f);
		qw[1] = rnd(f);
		break;
	default:	/* a typed entry among them */
		f->vb.len -= sizeof(*e);
		f->vb.num--;
		e_iotlb_pasid(&f->vb, pasid);
		return;
	}
	mutate(f, qw, 4 * sizeof(*qw), 25);
}

static void fuzz_vtd_raw(struct fuzz *f)
{
	struct iommu_inv_hwpt_invalidate cmd;
	unsigned int i, n = 1 + pick(f, 16), r = 0, off = 0;
	int rc, want, got;

	ebuf_reset(&f->vb);
	for (i = 0; i < n; i++)
		raw_entry(f);
	rc = _test_inv(f->vfd, f->vhwpt, &f->vb, IOMMU_INV_FLAG_CONTINUE,
		       f->res, ARRAY_SIZE(f->res), &cmd);
	record(f, "raw HWPT_INVALIDATE", rc, errno, errs_inv);
	if (cmd.out_processed != n) {
		f->bad_errno = EPROTO;
		f->bad_what = "raw HWPT_INVALIDATE stopped with CONTINUE";
		return;
	}
	for (i = 0; i < n; i++) {
		const struct iommu_inv_entry_hdr *h = (void *)(f->vb.data + off);
		const __u64 *qw = (const __u64 *)(h + 1);
		const struct iommu_inv_result *res = NULL;

		off += h->len;
		if (r < cmd.out_results && f->res[r].index == i)
			res = &f->res[r++];
		if (h->type != IOMMU_INV_ENTRY_VTD_DESC)
			continue;
		want = raw_classify(qw);
		got = !res ? RAW_OK :
		      res->error == -EOPNOTSUPP && !res->hw_error ? RAW_TYPE :
		      res->error == -EIO &&
		      res->hw_error == IOMMU_INV_HWERR_VTD_IQE ? RAW_IQE :
		      (res->error == -EINVAL || res->error == -ENODEV) &&
		      !res->hw_error ? RAW_OTHER : -1;
		f->raw_class[got < 0 ? RAW_OTHER : got]++;
		if (got == want || (want == RAW_OK && got == RAW_OTHER))
			continue;
		f->bad_errno = EPROTO;
		f->bad_what = "a raw descriptor's result does not match its layout";
		memcpy(f->raw_bad, qw, sizeof(f->raw_bad));
		f->raw_bad_class[0] = want;
		f->raw_bad_class[1] = got;
		return;
	}
}

FIXTURE(fuzz) {
	int unused;
};

FIXTURE_SETUP(fuzz)
{
}

FIXTURE_TEARDOWN(fuzz)
{
}

/* A million calls take minutes on the KASAN/lockdep kernel under TCG. */
TEST_F_TIMEOUT(fuzz, mutated_calls, 3600)
{
	static struct fuzz fz;
	struct fuzz *f = &fz;
	struct io_uring_params p = { .flags = IORING_SETUP_SQE128 };
	const char *env_calls = getenv("IOMMUFD_INV_FUZZ_CALLS");
	const char *env_seed = getenv("IOMMUFD_INV_FUZZ_SEED");
	unsigned long calls = env_calls ? strtoul(env_calls, NULL, 0) : 1000000;
	struct iommu_inv_hwpt_info hi;
	unsigned int i, vdevs;

	f->rng = env_seed ? strtoull(env_seed, NULL, 0) : 0x10f1d0c5eedULL;
	TH_LOG("seed %#llx, %lu calls", (unsigned long long)f->rng, calls);
	f->fd = open(DEV_PATH, O_RDWR);
	ASSERT_LE(0, f->fd);
	ASSERT_EQ(0, io_uring_queue_init_params(4, &f->ring, &p));
	f->hole = map_with_hole(2);
	ASSERT_NE(NULL, f->hole);
	ebuf_init(&f->b, 300 * 48);
	ebuf_init(&f->vb, 16 * sizeof(struct iommu_inv_entry_vtd_desc));
	f->vfd = open(DEV_PATH, O_RDWR);
	ASSERT_LE(0, f->vfd);
	ASSERT_EQ(0, vtd_alloc(f->vfd, IOMMU_INV_VTD_QUEUE_MODEL, 0x1234, 0x1ff,
			       RAW_WINDOW, &f->vhwpt));
	ASSERT_EQ(0, vtd_vdev(f->vfd, f->vhwpt, 0x10, 0xf8, 0, 8,
			      IOMMU_INV_VTD_DEV_ATS, NULL));
	ASSERT_EQ(0, vtd_vdev(f->vfd, f->vhwpt, 0x11, 0xfa, 0, 0, 0, NULL));

	while (f->calls < calls && !f->bad_errno) {
		static void (* const ops[20])(struct fuzz *) = {
			fuzz_hwpt_alloc, fuzz_hwpt_alloc, fuzz_vdev_alloc,
			fuzz_vdev_alloc, fuzz_destroy, fuzz_destroy, fuzz_info,
			fuzz_mock, fuzz_uring, fuzz_uring, fuzz_uring,
			fuzz_invalidate, fuzz_invalidate, fuzz_invalidate,
			fuzz_invalidate, fuzz_invalidate, fuzz_invalidate,
			fuzz_invalidate, fuzz_invalidate, fuzz_invalidate,
		};

		ops[pick(f, 20)](f);
		if (!pick(f, 25))
			fuzz_vtd_raw(f);
	}
	if (f->raw_bad[0] || f->raw_bad_class[0] || f->raw_bad_class[1])
		TH_LOG("raw descriptor %#llx %#llx %#llx %#llx: class %d, got %d",
		       (unsigned long long)f->raw_bad[0],
		       (unsigned long long)f->raw_bad[1],
		       (unsigned long long)f->raw_bad[2],
		       (unsigned long long)f->raw_bad[3], f->raw_bad_class[0],
		       f->raw_bad_class[1]);
	ASSERT_EQ(0, f->bad_errno) {
		TH_LOG("call %lu: %s: unexpected %s", f->calls, f->bad_what,
		       strerror(f->bad_errno));
	}
	TH_LOG("%lu calls, %lu succeeded; EINVAL %lu, EOPNOTSUPP %lu, %s %lu, %s %lu, %s %lu",
	       f->calls, f->ok, f->by_errno[EINVAL], f->by_errno[EOPNOTSUPP],
	       "EFAULT", f->by_errno[EFAULT], "ENOENT", f->by_errno[ENOENT],
	       "ENODEV", f->by_errno[ENODEV]);
	ASSERT_LT(calls / 20, f->ok);
	TH_LOG("raw VT-d descriptors: %lu done, %lu EOPNOTSUPP, %lu IQE, %lu EINVAL/ENODEV",
	       f->raw_class[RAW_OK], f->raw_class[RAW_TYPE],
	       f->raw_class[RAW_IQE], f->raw_class[RAW_OTHER]);
	/* Every outcome was reached (1000 calls are enough). */
	if (calls >= 1000)
		for (i = 0; i < ARRAY_SIZE(f->raw_class); i++)
			ASSERT_LT(0, f->raw_class[i]);

	/* The kernel holds exactly the model's objects, each as modelled. */
	ASSERT_EQ(f->nlive, _test_num_objects(f->fd));
	for (i = 0; i < f->nlive; i++) {
		unsigned int j;

		if (f->live[i].hwpt)
			continue;
		vdevs = 0;
		for (j = 0; j < f->nlive; j++)
			vdevs += f->live[j].hwpt == f->live[i].id;
		ASSERT_EQ(0, _test_hwpt_info(f->fd, f->live[i].id, &hi));
		ASSERT_EQ(vdevs, hi.out_num_vdevs);
	}
	/* And all of them can be destroyed: devices first. */
	for (i = 0; i < f->nlive; i++)
		if (f->live[i].hwpt)
			ASSERT_EQ(0, _test_destroy(f->fd, f->live[i].id));
	for (i = 0; i < f->nlive; i++)
		if (!f->live[i].hwpt)
			ASSERT_EQ(0, _test_destroy(f->fd, f->live[i].id));
	ASSERT_EQ(0, _test_num_objects(f->fd));
	io_uring_queue_exit(&f->ring);
	close(f->fd);
	close(f->vfd);
}

TEST_HARNESS_MAIN
