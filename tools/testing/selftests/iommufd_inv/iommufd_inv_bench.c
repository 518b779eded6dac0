// SPDX-License-Identifier: GPL-2.0-only
/*
 * Benchmark, not a test: cost per invalidation entry through
 *   - the floor: a test op that copies the same bytes from user space the
 *     way our engine does, and returns;
 *   - upstream iommufd's IOMMU_HWPT_INVALIDATE on its IOMMUFD_TEST mock
 *     nested domain (8-byte struct iommu_hwpt_invalidate_selftest);
 *   - our HWPT_INVALIDATE ioctl on the mock HWPT (8-byte IOTLB_ALL);
 *   - our io_uring array mode, 1, 8 and 64 SQEs per submit;
 *   - our io_uring inline mode (SQE128, up to 8 entries per SQE), 1, 8
 *     and 64 SQEs per submit.
 * Every row uses 8-byte entries, so every path moves the same bytes.
 *
 * Needs a kernel with IOMMUFD_TEST and our module loaded with mock=1.
 * Prints a table, then "DATA" lines for plotting. Each number is the best
 * of three runs of at least 256 Ki entries and 16 calls.
 */
#include <errno.h>
#include <fcntl.h>
#include <liburing.h>
#include <pthread.h>
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
#define MIN_ENTRIES (256 * 1024)
#define RUNS 3

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static const unsigned int sizes[] = { 1, 8, 64, 512, 4096, 65536 };

#define NSIZES ARRAY_SIZE(sizes)

enum {
	COL_FLOOR, COL_UP, COL_IOCTL, COL_A1, COL_A8, COL_A64, COL_I1, COL_I8,
	COL_I64, NCOLS
};

static const char * const col_name[NCOLS] = {
	"floor", "upstream", "ioctl", "uring-a1", "uring-a8", "uring-a64",
	"inline-1", "inline-8", "inline-64",
};

struct bench {
	int fd;			/* /dev/iommu-inv */
	__u32 hwpt_id;
	int ufd;		/* /dev/iommu */
	__u32 unested_id;
	struct io_uring ring;	/* 64-byte SQEs: array mode */
	struct io_uring ring128;	/* SQE128: inline mode */
	struct iommu_inv_entry_iotlb_all *ours;
	struct iommu_hwpt_invalidate_selftest *up;
	struct iommu_inv_hwpt_invalidate inv[64];
	unsigned int n;		/* entries per call */
	unsigned int k;		/* SQEs per submit */
};

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

static void run_floor(struct bench *b)
{
	struct iommu_inv_test_cmd cmd = {
		.size = sizeof(cmd),
		.op = IOMMU_INV_TEST_OP_COPY_FLOOR,
		.copy = { .uptr = (uintptr_t)b->ours,
			  .len = b->n * sizeof(*b->ours) },
	};

	if (ioctl(b->fd, IOMMU_INV_TEST, &cmd))
		die("COPY_FLOOR");
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

static void inv_init(struct bench *b, struct iommu_inv_hwpt_invalidate *inv)
{
	memset(inv, 0, sizeof(*inv));
	inv->size = sizeof(*inv);
	inv->hwpt_id = b->hwpt_id;
	inv->entries_uptr = (uintptr_t)b->ours;
	inv->entries_len = b->n * sizeof(*b->ours);
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
			die("uring_cmd result");
		}
		io_uring_cqe_seen(ring, cqe);
	}
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

/* --- measuring -------------------------------------------------------------- */

/* ns per entry, best of RUNS; @per_call entries go through each call. */
static double measure(struct bench *b, void (*fn)(struct bench *),
		      unsigned int per_call)
{
	unsigned int calls = MIN_ENTRIES / per_call, r, i;
	double best = 0;

	if (calls < 16)
		calls = 16;
	fn(b);		/* warm up */
	for (r = 0; r < RUNS; r++) {
		double t0 = now_ns(), ns;

		for (i = 0; i < calls; i++)
			fn(b);
		ns = (now_ns() - t0) / ((double)calls * per_call);
		if (!r || ns < best)
			best = ns;
	}
	return best;
}

/* Peak growth of the kernel's slab memory while @fn runs, in kB. */
struct sampler {
	int stop;	/* __atomic */
	long peak;
};

static long slab_kb(void)
{
	char line[128];
	long kb = -1;
	FILE *f = fopen("/proc/meminfo", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "Slab: %ld kB", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

static void *sample(void *arg)
{
	struct sampler *s = arg;

	while (!__atomic_load_n(&s->stop, __ATOMIC_RELAXED)) {
		long kb = slab_kb();

		if (kb > s->peak)
			s->peak = kb;
	}
	return NULL;
}

static long slab_growth(struct bench *b, void (*fn)(struct bench *))
{
	struct sampler s = { 0 };
	pthread_t t;
	long base = slab_kb();
	int i;

	s.peak = base;
	if (pthread_create(&t, NULL, sample, &s))
		die("pthread_create");
	for (i = 0; i < 32; i++)
		fn(b);
	__atomic_store_n(&s.stop, 1, __ATOMIC_RELAXED);
	pthread_join(t, NULL);
	return s.peak - base;
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
	unsigned int i;

	b->fd = open("/dev/iommu-inv", O_RDWR);
	if (b->fd < 0)
		die("open /dev/iommu-inv");
	if (ioctl(b->fd, IOMMU_INV_HWPT_ALLOC, &alloc))
		die("IOMMU_INV_HWPT_ALLOC");
	b->hwpt_id = alloc.out_hwpt_id;
	b->ours = calloc(MAX_N, sizeof(*b->ours));
	for (i = 0; i < MAX_N; i++) {
		b->ours[i].hdr.type = IOMMU_INV_ENTRY_IOTLB_ALL;
		b->ours[i].hdr.len = sizeof(*b->ours);
	}
	if (io_uring_queue_init(128, &b->ring, 0))
		die("io_uring_queue_init");
	if (io_uring_queue_init_params(128, &b->ring128, &p))
		die("io_uring_queue_init SQE128");
}

static void setup_upstream(struct bench *b)
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
	if (b->ufd < 0)
		die("open /dev/iommu (IOMMUFD)");
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
	b->up = calloc(MAX_N, sizeof(*b->up));
	for (i = 0; i < MAX_N; i++)
		b->up[i].iotlb_id = i & 1;
}

int main(void)
{
	static struct bench bench;
	struct bench *b = &bench;
	double ns[NSIZES][NCOLS];
	long mem_ours[NSIZES], mem_up[NSIZES];
	unsigned int s, c;

	setup_ours(b);
	setup_upstream(b);

	for (s = 0; s < NSIZES; s++) {
		b->n = sizes[s];
		for (c = 0; c < NCOLS; c++)
			ns[s][c] = 0;
		ns[s][COL_FLOOR] = measure(b, run_floor, b->n);
		ns[s][COL_UP] = measure(b, run_upstream, b->n);
		ns[s][COL_IOCTL] = measure(b, run_ioctl, b->n);
		b->k = 1;
		ns[s][COL_A1] = measure(b, run_uring_array, b->n);
		b->k = 8;
		ns[s][COL_A8] = measure(b, run_uring_array, 8 * b->n);
		if (b->n <= 4096) {
			b->k = 64;
			ns[s][COL_A64] = measure(b, run_uring_array, 64 * b->n);
		}
		if (b->n <= 8) {
			b->k = 1;
			ns[s][COL_I1] = measure(b, run_uring_inline, b->n);
			b->k = 8;
			ns[s][COL_I8] = measure(b, run_uring_inline, 8 * b->n);
			b->k = 64;
			ns[s][COL_I64] = measure(b, run_uring_inline, 64 * b->n);
		}
		mem_ours[s] = slab_growth(b, run_ioctl);
		mem_up[s] = slab_growth(b, run_upstream);
		fprintf(stderr, "# measured %u entries per call\n", b->n);
	}

	printf("# ns per entry (8-byte entries; best of %d runs)\n", RUNS);
	printf("%-7s", "entries");
	for (c = 0; c < NCOLS; c++)
		printf(" %10s", col_name[c]);
	printf(" %9s %9s %9s %8s %8s\n", "ours/up", "ours/flr", "up/flr",
	       "slab+kB", "up+kB");
	for (s = 0; s < NSIZES; s++) {
		printf("%-7u", sizes[s]);
		for (c = 0; c < NCOLS; c++) {
			if (ns[s][c])
				printf(" %10.1f", ns[s][c]);
			else
				printf(" %10s", "-");
		}
		printf(" %9.2f %9.2f %9.2f %8ld %8ld\n",
		       ns[s][COL_IOCTL] / ns[s][COL_UP],
		       ns[s][COL_IOCTL] / ns[s][COL_FLOOR],
		       ns[s][COL_UP] / ns[s][COL_FLOOR], mem_ours[s], mem_up[s]);
	}
	printf("# entries/s, single entry per call: upstream ioctl %.0f, ",
	       1e9 / ns[0][COL_UP]);
	printf("ours ioctl %.0f, uring array x64 %.0f, inline x64 %.0f\n",
	       1e9 / ns[0][COL_IOCTL], 1e9 / ns[0][COL_A64],
	       1e9 / ns[0][COL_I64]);
	for (s = 0; s < NSIZES; s++) {
		printf("DATA %u", sizes[s]);
		for (c = 0; c < NCOLS; c++)
			printf(" %.2f", ns[s][c]);
		printf("\n");
	}
	return 0;
}
