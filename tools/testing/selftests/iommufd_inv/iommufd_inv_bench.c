// SPDX-License-Identifier: GPL-2.0-only
/*
 * Benchmark, not a test: the cost of one invalidation call and of one
 * entry through
 *   - the copy floor: a test op that copies the same bytes from user space
 *     the way our engine does, and returns;
 *   - an empty ioctl (IOMMU_INV_GET_INFO) and io_uring's IORING_OP_NOP at
 *     1, 8 and 64 SQEs per submit: the system's own floors; and a
 *     URING_CMD with an unknown cmd_op, 64 per submit (io_uring's command
 *     path up to our ->uring_cmd, which refuses it at once);
 *   - upstream iommufd's IOMMU_HWPT_INVALIDATE on its IOMMUFD_TEST mock
 *     nested domain (8-byte struct iommu_hwpt_invalidate_selftest);
 *   - our HWPT_INVALIDATE ioctl on the mock HWPT (8-byte whole-cache
 *     entries);
 *   - our io_uring array mode and inline mode (SQE128, up to 8 entries
 *     per SQE), 1, 8 and 64 SQEs per submit;
 *   - the cost ladder of one single-entry call, ours (its own checks stop
 *     it after the door and the argument read; the test op LADDER makes
 *     it stop after a later step) beside upstream (its own checks stop
 *     it early).
 * Every row but the mixed ones (8- and 16-byte entries, ours only) uses
 * 8-byte entries, so every path moves the same bytes.
 *
 * Equal work per entry. Both mocks do one invalidation per entry, and the
 * main rows give neither side entries that repeat:
 *   - upstream (drivers/iommu/iommufd/selftest.c,
 *     mock_domain_cache_invalidate_user()): each entry is copied from
 *     user space on its own, its flags and iotlb_id checked, and one
 *     mock IOTLB slot (iotlb[iotlb_id], a u32) set to 0. Its entries
 *     alternate iotlb_id 0 and 1.
 *   - ours (mock.c): the engine checks each entry's 64-bit header
 *     against the HWPT's rules and hands the checked entries to the
 *     mock's op, which empties the caches each entry names (IOTLB_ALL:
 *     the IOTLB and paging-structure cache bitmaps, two stores;
 *     PASID_CACHE_ALL: the PASID cache bitmap, one store) and counts the
 *     entry in its per-type statistics. Its entries alternate IOTLB_ALL
 *     and PASID_CACHE_ALL, so no two neighbours share a header and the
 *     engine's uniform-run shortcut (one compare of a repeated header)
 *     does not apply: every entry takes the full check of its own header
 *     against the HWPT's rules and the op's dispatch on its type (the
 *     entries, all of one length, reach the op as one block).
 * The "uniform" rows (uupstream, uioctl, ua64) are the same calls with
 * entries that repeat: upstream's all iotlb_id 0, ours all IOTLB_ALL, so
 * that the engine's uniform-run path shows on its own. There too each
 * entry does its own invalidation on both sides (ours: the two stores and
 * the count, per entry, WRITE_ONCE so the compiler keeps them per entry).
 *
 * The "mixed" rows (mfloor, mioctl; ours only, upstream has one entry
 * length per call) alternate an 8-byte IOTLB_ALL and a 16-byte
 * IOTLB_PASID (PASID 0, nothing cached), so the entries change length
 * from one to the next and take the engine's pointer path (each entry
 * checked, its pointer queued, at most 64 per op call); the IOTLB_PASID
 * entries go through the mock's selective-entry function.
 *
 *   iommufd_inv_bench [insn|wall]
 *
 * The figures are CLOCK_MONOTONIC nanoseconds per entry (per call for the
 * ladder, per SQE for NOP), minimum and maximum of RUNS runs. Booted with
 * QEMU's "-icount shift=0,sleep=off" on one vCPU, the guest's clock moves
 * one nanosecond per instruction: "insn" names the unit and sizes the runs
 * for that (fewer calls: the figures do not vary); "wall" is the same run
 * on a normal boot, with more calls. Lines start with "ROW" for the script
 * (scripts/bench.sh) to tabulate.
 *
 * Needs our module loaded with mock=1; upstream's rows need a kernel with
 * IOMMUFD_TEST, and are "-" without it.
 */
#include <errno.h>
#include <fcntl.h>
#include <liburing.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include <linux/iommufd.h>
#include <linux/iommufd_inv.h>
#include "iommufd_test.h"
#include "../../../../drivers/iommu/iommufd-inv/iommufd_inv_test.h"

#define MAX_N 65536
#define RUNS 5

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static const unsigned int sizes[] = { 1, 8, 64, 512, 4096, 65536 };

struct bench {
	int fd;			/* /dev/iommu-inv */
	__u32 hwpt_id;
	int ufd;		/* /dev/iommu, or -1 */
	__u32 unested_id;
	struct io_uring ring;	/* 64-byte SQEs: array mode, NOP */
	struct io_uring ring128;	/* SQE128: inline mode */
	/* the entries of the current rows: alternating, or uniform */
	struct iommu_inv_entry_hdr *ours;
	struct iommu_hwpt_invalidate_selftest *up;
	struct iommu_inv_entry_hdr *ours_alt, *ours_uni, *ours_mix;
	__u32 ours_len;		/* bytes of b->n entries of b->ours */
	struct iommu_hwpt_invalidate_selftest *up_alt, *up_uni;
	struct iommu_inv_hwpt_invalidate inv[64];
	unsigned int n;		/* entries per call */
	unsigned int k;		/* SQEs per submit */
	/* upstream ladder: which early stop */
	unsigned int up_rung;
};

static int insn_mode;
static unsigned long min_entries;	/* per run */
static unsigned int min_calls;		/* per run */

static void die(const char *what)
{
	fprintf(stderr, "iommufd_inv_bench: %s: %s\n", what, strerror(errno));
	exit(1);
}

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

/* --- the paths ------------------------------------------------------------ */

/*
 * Use @ours for our rows with b->n entries per call; their byte length is
 * worked out here, once, not in the timed calls.
 */
static void use_ours(struct bench *b, struct iommu_inv_entry_hdr *ours)
{
	b->ours = ours;
	if (ours == b->ours_mix)	/* 8 and 16 bytes in turn */
		b->ours_len = 8 * ((b->n + 1) / 2) + 16 * (b->n / 2);
	else
		b->ours_len = b->n * sizeof(*b->ours);
}

static void run_floor(struct bench *b)
{
	struct iommu_inv_test_cmd cmd = {
		.size = sizeof(cmd),
		.op = IOMMU_INV_TEST_OP_COPY_FLOOR,
		.copy = { .uptr = (uintptr_t)b->ours,
			  .len = b->ours_len },
	};

	if (ioctl(b->fd, IOMMU_INV_TEST, &cmd))
		die("COPY_FLOOR");
}

static void run_get_info(struct bench *b)
{
	struct iommu_inv_info info = { .size = sizeof(info) };

	if (ioctl(b->fd, IOMMU_INV_GET_INFO, &info))
		die("IOMMU_INV_GET_INFO");
}

static void run_upstream(struct bench *b)
{
	struct iommu_hwpt_invalidate cmd = {
		.size = sizeof(cmd),
		.hwpt_id = b->unested_id,
		.data_uptr = (uintptr_t)b->up,
		.data_type = IOMMU_HWPT_INVALIDATE_DATA_SELFTEST,
		.entry_len = sizeof(*b->up),
		.entry_num = b->n,
	};

	if (ioctl(b->ufd, IOMMU_HWPT_INVALIDATE, &cmd) || cmd.entry_num != b->n)
		die("IOMMU_HWPT_INVALIDATE");
}

/*
 * Upstream's single-entry call stopped early by its own checks:
 * 0: size 0, refused after reading the size (the door);
 * 1: a non-zero __reserved, refused after the argument is copied in
 *    (and the out field copied back);
 * 2: entry_num 0: the HWPT looked up, the op called for no entry, the
 *    argument copied back.
 */
static void run_upstream_rung(struct bench *b)
{
	struct iommu_hwpt_invalidate cmd = {
		.size = sizeof(cmd),
		.hwpt_id = b->unested_id,
		.data_uptr = (uintptr_t)b->up,
		.data_type = IOMMU_HWPT_INVALIDATE_DATA_SELFTEST,
		.entry_len = sizeof(*b->up),
		.entry_num = 1,
	};
	static const int want[] = { EINVAL, EOPNOTSUPP, 0 };
	int rc;

	switch (b->up_rung) {
	case 0:
		cmd.size = 0;
		break;
	case 1:
		cmd.__reserved = 1;
		break;
	case 2:
		cmd.entry_num = 0;
		break;
	}
	rc = ioctl(b->ufd, IOMMU_HWPT_INVALIDATE, &cmd);
	if ((rc ? errno : 0) != want[b->up_rung])
		die("IOMMU_HWPT_INVALIDATE (ladder)");
}

static void inv_init(struct bench *b, struct iommu_inv_hwpt_invalidate *inv)
{
	memset(inv, 0, sizeof(*inv));
	inv->size = sizeof(*inv);
	inv->hwpt_id = b->hwpt_id;
	inv->entries_uptr = (uintptr_t)b->ours;
	inv->entries_len = b->ours_len;
	inv->entry_num = b->n;
}

static void run_ioctl(struct bench *b)
{
	inv_init(b, &b->inv[0]);
	if (ioctl(b->fd, IOMMU_INV_HWPT_INVALIDATE, &b->inv[0]))
		die("IOMMU_INV_HWPT_INVALIDATE");
}

static void sqe_payload(struct io_uring_sqe *sqe, int fd, __u32 op,
			const void *pl, size_t len)
{
	io_uring_prep_rw(IORING_OP_URING_CMD, sqe, fd, NULL, 0, 0);
	sqe->cmd_op = op;
	memcpy((char *)sqe + offsetof(struct io_uring_sqe, cmd), pl, len);
}

static void reap(struct io_uring *ring, unsigned int k, int want)
{
	struct io_uring_cqe *cqe;
	unsigned int i;

	if (io_uring_submit_and_wait(ring, k) < 0)
		die("io_uring_submit_and_wait");
	for (i = 0; i < k; i++) {
		if (io_uring_wait_cqe(ring, &cqe))
			die("io_uring_wait_cqe");
		if (cqe->res != want) {
			errno = cqe->res < 0 ? -cqe->res : EIO;
			die("io_uring result");
		}
		io_uring_cqe_seen(ring, cqe);
	}
}

static void run_nop(struct bench *b)
{
	unsigned int i;

	for (i = 0; i < b->k; i++)
		io_uring_prep_nop(io_uring_get_sqe(&b->ring));
	reap(&b->ring, b->k, 0);
}

/* URING_CMD with an unknown cmd_op: io_uring's command path, refused at once. */
static void run_uring_unknown(struct bench *b)
{
	static const __u64 zero[2];
	unsigned int i;

	for (i = 0; i < b->k; i++)
		sqe_payload(io_uring_get_sqe(&b->ring), b->fd, 0xdead, zero,
			    sizeof(zero));
	reap(&b->ring, b->k, -ENOTTY);
}

static void run_uring_array(struct bench *b)
{
	unsigned int i;

	for (i = 0; i < b->k; i++) {
		struct iommu_inv_uring_array pl = {
			.arg_uptr = (uintptr_t)&b->inv[i],
		};

		inv_init(b, &b->inv[i]);
		sqe_payload(io_uring_get_sqe(&b->ring), b->fd,
			    IOMMU_INV_URING_CMD_INVALIDATE, &pl, sizeof(pl));
	}
	reap(&b->ring, b->k, b->n);
}

/* Inline: b->n (at most 8) entries in each of b->k SQEs. */
static void run_uring_inline(struct bench *b)
{
	struct iommu_inv_uring_inline pl = {
		.hwpt_id = b->hwpt_id,
		.entry_num = b->n,
	};
	unsigned int i;

	memcpy(pl.entries, b->ours, b->n * sizeof(*b->ours));
	for (i = 0; i < b->k; i++)
		sqe_payload(io_uring_get_sqe(&b->ring128), b->fd,
			    IOMMU_INV_URING_CMD_INVALIDATE_INLINE, &pl,
			    sizeof(pl));
	reap(&b->ring128, b->k, b->n);
}

/* Our single-entry ioctl, stopped after step @rung (0: not stopped). */
static int set_rung(struct bench *b, unsigned int rung)
{
	struct iommu_inv_test_cmd cmd = {
		.size = sizeof(cmd),
		.op = IOMMU_INV_TEST_OP_LADDER,
		.ladder = { .rung = rung },
	};

	return ioctl(b->fd, IOMMU_INV_TEST, &cmd);
}

static void run_ioctl_rung(struct bench *b)
{
	inv_init(b, &b->inv[0]);
	/* A stopped call fails with ECANCELED having done nothing further. */
	if (!ioctl(b->fd, IOMMU_INV_HWPT_INVALIDATE, &b->inv[0]) ||
	    errno != ECANCELED)
		die("IOMMU_INV_HWPT_INVALIDATE (ladder)");
}

/*
 * The first steps of our single-entry call, stopped by its own checks
 * (like upstream's): 0: size 0, refused after reading the size (the
 * door); 1: an unknown flag, refused after the argument is read.
 */
static void run_ioctl_early(struct bench *b)
{
	inv_init(b, &b->inv[0]);
	if (b->up_rung)
		b->inv[0].flags = 1U << 31;
	else
		b->inv[0].size = 0;
	if (!ioctl(b->fd, IOMMU_INV_HWPT_INVALIDATE, &b->inv[0]) ||
	    errno != (b->up_rung ? EOPNOTSUPP : EINVAL))
		die("IOMMU_INV_HWPT_INVALIDATE (ladder, refused)");
}

/* --- measuring -------------------------------------------------------------- */

/*
 * Print one row: @name, entries per call, SQEs per submit, min and max
 * over RUNS of ns per @per entries (per_call: entries, or SQEs, one
 * fn() call moves).
 */
static void measure(struct bench *b, const char *name,
		    void (*fn)(struct bench *), unsigned int per_call)
{
	unsigned long calls = min_entries / per_call;
	double lo = 0, hi = 0;
	unsigned int r, i;

	if (calls < min_calls)
		calls = min_calls;
	for (i = 0; i < calls; i++)	/* warm up: one unmeasured run */
		fn(b);
	for (r = 0; r < RUNS; r++) {
		double t0 = now_ns(), ns;

		for (i = 0; i < calls; i++)
			fn(b);
		ns = (now_ns() - t0) / ((double)calls * per_call);
		if (!r || ns < lo)
			lo = ns;
		if (!r || ns > hi)
			hi = ns;
	}
	printf("ROW %s %u %u %.1f %.1f\n", name, b->n, b->k, lo, hi);
	fflush(stdout);
}

/* --- set-up ----------------------------------------------------------------- */

static void setup_ours(struct bench *b)
{
	struct iommu_inv_hwpt_mock cfg = { .pasid_bits = 20 };
	struct iommu_inv_hwpt_alloc alloc = {
		.size = sizeof(alloc),
		.hwpt_type = IOMMU_INV_HWPT_MOCK,
		.data_uptr = (uintptr_t)&cfg,
		.data_len = sizeof(cfg),
	};
	struct io_uring_params p = { .flags = IORING_SETUP_SQE128 };
	struct iommu_inv_entry_hdr *h;
	unsigned int i;

	b->fd = open("/dev/iommu-inv", O_RDWR);
	if (b->fd < 0)
		die("open /dev/iommu-inv");
	if (ioctl(b->fd, IOMMU_INV_HWPT_ALLOC, &alloc))
		die("IOMMU_INV_HWPT_ALLOC");
	b->hwpt_id = alloc.out_hwpt_id;
	b->ours_alt = calloc(MAX_N, sizeof(*b->ours));
	b->ours_uni = calloc(MAX_N, sizeof(*b->ours));
	if (!b->ours_alt || !b->ours_uni)
		die("calloc");
	for (i = 0; i < MAX_N; i++) {
		/* Both whole-cache entries are a header alone: 8 bytes. */
		b->ours_alt[i].type = i & 1 ? IOMMU_INV_ENTRY_PASID_CACHE_ALL :
					      IOMMU_INV_ENTRY_IOTLB_ALL;
		b->ours_alt[i].len = sizeof(struct iommu_inv_entry_iotlb_all);
		b->ours_uni[i].type = IOMMU_INV_ENTRY_IOTLB_ALL;
		b->ours_uni[i].len = sizeof(struct iommu_inv_entry_iotlb_all);
	}
	/* 3 * MAX_N / 2 headers' room: 12 bytes an entry on average. */
	b->ours_mix = calloc(MAX_N * 3 / 2, sizeof(*b->ours));
	if (!b->ours_mix)
		die("calloc");
	for (i = 0, h = b->ours_mix; i < MAX_N; i++) {
		h->type = i & 1 ? IOMMU_INV_ENTRY_IOTLB_PASID :
				  IOMMU_INV_ENTRY_IOTLB_ALL;
		h->len = i & 1 ? sizeof(struct iommu_inv_entry_iotlb_pasid) :
				 sizeof(struct iommu_inv_entry_iotlb_all);
		h += h->len / sizeof(*h);	/* the PASID field stays 0 */
	}
	if (io_uring_queue_init(128, &b->ring, 0))
		die("io_uring_queue_init");
	if (io_uring_queue_init_params(128, &b->ring128, &p))
		die("io_uring_queue_init SQE128");
}

static int setup_upstream(struct bench *b)
{
	struct iommu_ioas_alloc ioas = { .size = sizeof(ioas) };
	struct iommu_test_cmd md = {
		.size = sizeof(md),
		.op = IOMMU_TEST_OP_MOCK_DOMAIN,
	};
	struct iommu_hwpt_selftest data = { .iotlb = IOMMU_TEST_IOTLB_DEFAULT };
	struct iommu_hwpt_alloc parent = {
		.size = sizeof(parent),
		.flags = IOMMU_HWPT_ALLOC_NEST_PARENT,
	};
	struct iommu_hwpt_alloc nested = {
		.size = sizeof(nested),
		.data_type = IOMMU_HWPT_DATA_SELFTEST,
		.data_uptr = (uintptr_t)&data,
		.data_len = sizeof(data),
	};
	unsigned int i;

	b->ufd = open("/dev/iommu", O_RDWR);
	if (b->ufd < 0) {
		fprintf(stderr, "# no /dev/iommu: upstream rows skipped\n");
		return -1;
	}
	if (ioctl(b->ufd, IOMMU_IOAS_ALLOC, &ioas))
		die("IOMMU_IOAS_ALLOC");
	md.id = ioas.out_ioas_id;
	if (ioctl(b->ufd, IOMMU_TEST_CMD, &md))
		die("IOMMU_TEST_OP_MOCK_DOMAIN (IOMMUFD_TEST)");
	parent.dev_id = md.mock_domain.out_idev_id;
	parent.pt_id = ioas.out_ioas_id;
	if (ioctl(b->ufd, IOMMU_HWPT_ALLOC, &parent))
		die("IOMMU_HWPT_ALLOC nest parent");
	nested.dev_id = md.mock_domain.out_idev_id;
	nested.pt_id = parent.out_hwpt_id;
	if (ioctl(b->ufd, IOMMU_HWPT_ALLOC, &nested))
		die("IOMMU_HWPT_ALLOC nested");
	b->unested_id = nested.out_hwpt_id;
	b->up_alt = calloc(MAX_N, sizeof(*b->up));
	b->up_uni = calloc(MAX_N, sizeof(*b->up));
	if (!b->up_alt || !b->up_uni)
		die("calloc");
	for (i = 0; i < MAX_N; i++)
		b->up_alt[i].iotlb_id = i & 1;	/* up_uni: all iotlb_id 0 */
	b->up = b->up_alt;
	return 0;
}

static const unsigned int ksqe[] = { 1, 8, 64 };

int main(int argc, char **argv)
{
	static struct bench bench;
	static const char * const aname[] = { "a1", "a8", "a64" };
	static const char * const iname[] = { "i1", "i8", "i64" };
	static const char * const nname[] = { "nop1", "nop8", "nop64" };
	struct bench *b = &bench;
	int have_up, have_ladder;
	unsigned int s, j, rung;
	char name[32];

	insn_mode = argc > 1 && !strcmp(argv[1], "insn");
	/* Instructions do not vary: short runs. Time does: longer ones. */
	min_entries = insn_mode ? 16384 : 262144;
	min_calls = insn_mode ? 4 : 16;
	printf("# mode %s, unit %s, %d runs, %ld CPUs online\n",
	       insn_mode ? "insn" : "wall", insn_mode ? "instructions" : "ns",
	       RUNS, sysconf(_SC_NPROCESSORS_ONLN));

	setup_ours(b);
	have_up = !setup_upstream(b);

	/* Floors: an empty ioctl, io_uring's NOP. */
	b->n = 1;
	b->k = 1;
	use_ours(b, b->ours_alt);
	measure(b, "getinfo", run_get_info, 1);
	for (j = 0; j < ARRAY_SIZE(ksqe); j++) {
		b->k = ksqe[j];
		measure(b, nname[j], run_nop, b->k);
	}
	b->k = 64;
	measure(b, "cmd64", run_uring_unknown, b->k);

	for (s = 0; s < ARRAY_SIZE(sizes); s++) {
		b->n = sizes[s];
		use_ours(b, b->ours_alt);
		b->k = 1;
		measure(b, "floor", run_floor, b->n);
		if (have_up)
			measure(b, "upstream", run_upstream, b->n);
		measure(b, "ioctl", run_ioctl, b->n);
		for (j = 0; j < ARRAY_SIZE(ksqe); j++) {
			if (b->n * ksqe[j] > 4 * MAX_N)
				continue;
			b->k = ksqe[j];
			measure(b, aname[j], run_uring_array, b->k * b->n);
		}
		if (b->n <= 8) {
			for (j = 0; j < ARRAY_SIZE(ksqe); j++) {
				b->k = ksqe[j];
				measure(b, iname[j], run_uring_inline,
					b->k * b->n);
			}
		}

		/* The same with entries that repeat (uniform runs). */
		use_ours(b, b->ours_uni);
		b->up = b->up_uni;
		b->k = 1;
		if (have_up)
			measure(b, "uupstream", run_upstream, b->n);
		measure(b, "uioctl", run_ioctl, b->n);
		if (b->n * 64 <= 4 * MAX_N) {
			b->k = 64;
			measure(b, "ua64", run_uring_array, b->k * b->n);
		}

		/* Entries whose length changes from one to the next. */
		use_ours(b, b->ours_mix);
		b->k = 1;
		measure(b, "mfloor", run_floor, b->n);
		measure(b, "mioctl", run_ioctl, b->n);
		use_ours(b, b->ours_alt);
		b->up = b->up_alt;
	}

	/* The ladder of one single-entry call. */
	b->n = 1;
	b->k = 1;
	use_ours(b, b->ours_alt);
	for (rung = 0; rung < 2; rung++) {
		b->up_rung = rung;
		snprintf(name, sizeof(name), "ladder%u", rung);
		measure(b, name, run_ioctl_early, 1);
	}
	have_ladder = !set_rung(b, 0);
	for (rung = 1; have_ladder && rung <= IOMMU_INV_LADDER_RUNGS; rung++) {
		if (set_rung(b, rung))
			die("LADDER");
		snprintf(name, sizeof(name), "ladder%u", rung + 1);
		measure(b, name, run_ioctl_rung, 1);
	}
	if (have_ladder && set_rung(b, 0))
		die("LADDER");
	for (rung = 0; have_up && rung < 3; rung++) {
		b->up_rung = rung;
		snprintf(name, sizeof(name), "upladder%u", rung);
		measure(b, name, run_upstream_rung, 1);
	}
	printf("# done\n");
	return 0;
}
