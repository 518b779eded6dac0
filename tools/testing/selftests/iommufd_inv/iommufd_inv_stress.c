// SPDX-License-Identifier: GPL-2.0-only
/*
 * Concurrency stress, bounded in time (IOMMUFD_INV_STRESS_SECS, default 3):
 * threads invalidating a shared HWPT while others add and remove its
 * virtual devices, try to destroy it, churn HWPTs of their own, close a
 * file other threads are calling into, and tear io_uring rings down with
 * commands in flight. Every call must end in success or in the errno its
 * race allows; afterwards the object and file counts must be exact. The
 * debug tier adds lockdep, KASAN and kmemleak to the verdict.
 */
#include <liburing.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <time.h>

#include "kselftest_harness.h"
#include "iommufd_inv_utils.h"

#define VDEV_IDS 16
#define PERMANENT_VDEV 0x1000

struct stress {
	int fd;
	__u32 hwpt_id;
	bool stop;		/* __atomic: set when time is up */
	int victim_fd;		/* __atomic: the file the closer churns */
	pthread_mutex_t lock;
	unsigned int unexpected;
	char first[160];
};

struct worker {
	struct stress *s;
	unsigned int seed;
	unsigned long iterations;
};

static bool stopped(struct stress *s)
{
	return __atomic_load_n(&s->stop, __ATOMIC_RELAXED);
}

static void unexpected(struct stress *s, const char *what, int err)
{
	pthread_mutex_lock(&s->lock);
	if (!s->unexpected++)
		snprintf(s->first, sizeof(s->first), "%s: %s", what,
			 strerror(err));
	pthread_mutex_unlock(&s->lock);
}

/* Random batches on the shared HWPT, device-TLB entries included. */
static void *invalidator(void *arg)
{
	struct worker *w = arg;
	struct stress *s = w->s;
	struct iommu_inv_hwpt_invalidate inv;
	struct iommu_inv_result res[4];
	struct ebuf b;
	unsigned int i, n;

	ebuf_init(&b, 64 * 40);
	while (!stopped(s)) {
		ebuf_reset(&b);
		n = 1 + rand_r(&w->seed) % 64;
		for (i = 0; i < n; i++) {
			unsigned int r = rand_r(&w->seed);

			switch (r % 4) {
			case 0:
				e_iotlb_range(&b, r % 8, (r & 0xff) << 12,
					      PAGE, 0);
				break;
			case 1:
				e_devtlb_pasid(&b, (r >> 8) % VDEV_IDS, 1);
				break;
			case 2:
				e_pc_pasid(&b, r % 8);
				break;
			default:
				e_iotlb_all(&b);
			}
		}
		/* A device-TLB entry may name a device just removed. */
		if (_test_inv(s->fd, s->hwpt_id, &b, IOMMU_INV_FLAG_CONTINUE,
			      res, 4, &inv) && errno != ENODEV)
			unexpected(s, "invalidate", errno);
		else if (inv.out_processed != n)
			unexpected(s, "invalidate: processed", EPROTO);
		w->iterations++;
	}
	free(b.data);
	return NULL;
}

/* Virtual devices come and go behind the shared HWPT. */
static void *vdev_churn(void *arg)
{
	struct worker *w = arg;
	struct stress *s = w->s;
	__u32 ids[VDEV_IDS] = { 0 };
	unsigned int v;

	while (!stopped(s)) {
		v = rand_r(&w->seed) % VDEV_IDS;
		if (ids[v]) {
			if (_test_destroy(s->fd, ids[v]))
				unexpected(s, "vdev destroy", errno);
			ids[v] = 0;
		} else if (_test_vdev_alloc(s->fd, s->hwpt_id, v, &ids[v])) {
			unexpected(s, "vdev alloc", errno);
			ids[v] = 0;
		}
		w->iterations++;
	}
	for (v = 0; v < VDEV_IDS; v++)
		if (ids[v] && _test_destroy(s->fd, ids[v]))
			unexpected(s, "vdev destroy", errno);
	return NULL;
}

/* The shared HWPT is held by a device: destroying it must always fail. */
static void *destroyer(void *arg)
{
	struct worker *w = arg;
	struct stress *s = w->s;
	struct iommu_inv_hwpt_info info;

	while (!stopped(s)) {
		if (!_test_destroy(s->fd, s->hwpt_id))
			unexpected(s, "destroy of a held HWPT succeeded", EPROTO);
		else if (errno != EBUSY)
			unexpected(s, "destroy of a held HWPT", errno);
		if (_test_hwpt_info(s->fd, s->hwpt_id, &info))
			unexpected(s, "hwpt info", errno);
		else if (info.out_num_vdevs < 1 ||
			 info.out_num_vdevs > VDEV_IDS + 1)
			unexpected(s, "hwpt info: vdev count", EPROTO);
		w->iterations++;
	}
	return NULL;
}

/* HWPTs of its own: made, used and destroyed without interference. */
static void *own_hwpts(void *arg)
{
	struct worker *w = arg;
	struct stress *s = w->s;
	struct iommu_inv_hwpt_invalidate inv;
	struct ebuf b;
	__u32 id, vid = 0;

	ebuf_init(&b, 64);
	e_iotlb_all(&b);
	e_devtlb_pasid(&b, 7, 0);
	while (!stopped(s)) {
		if (_test_hwpt_alloc_mock(s->fd, 8, &id)) {
			unexpected(s, "own hwpt alloc", errno);
			continue;
		}
		if (_test_vdev_alloc(s->fd, id, 7, &vid))
			unexpected(s, "own vdev alloc", errno);
		if (_test_inv(s->fd, id, &b, 0, NULL, 0, &inv))
			unexpected(s, "own invalidate", errno);
		if (_test_destroy(s->fd, id) == 0 || errno != EBUSY)
			unexpected(s, "own hwpt destroy before its vdev", EPROTO);
		if (_test_destroy(s->fd, vid) || _test_destroy(s->fd, id))
			unexpected(s, "own destroy", errno);
		w->iterations++;
	}
	free(b.data);
	return NULL;
}

/* Opens a file, lets others call into it, closes it under them. */
static void *closer(void *arg)
{
	struct worker *w = arg;
	struct stress *s = w->s;
	struct timespec ts = { 0, 200000 };
	int fd;

	while (!stopped(s)) {
		fd = open(DEV_PATH, O_RDWR);
		if (fd < 0) {
			unexpected(s, "open", errno);
			continue;
		}
		if (_test_hwpt_alloc_mock(fd, 8, NULL))
			unexpected(s, "victim hwpt alloc", errno);
		__atomic_store_n(&s->victim_fd, fd, __ATOMIC_RELAXED);
		nanosleep(&ts, NULL);
		__atomic_store_n(&s->victim_fd, -1, __ATOMIC_RELAXED);
		close(fd);
		w->iterations++;
	}
	return NULL;
}

static void *victim_user(void *arg)
{
	struct worker *w = arg;
	struct stress *s = w->s;
	struct iommu_inv_hwpt_invalidate inv;
	struct ebuf b;
	int fd;

	ebuf_init(&b, 64);
	e_iotlb_all(&b);
	while (!stopped(s)) {
		fd = __atomic_load_n(&s->victim_fd, __ATOMIC_RELAXED);
		if (fd < 0)
			continue;
		/*
		 * The number may be closed, or already reused by an open
		 * elsewhere in the process (another device file, a ring).
		 */
		if (_test_inv(fd, 1, &b, 0, NULL, 0, &inv) &&
		    errno != EBADF && errno != ENOENT && errno != ENOTTY &&
		    errno != EINVAL)
			unexpected(s, "victim invalidate", errno);
		w->iterations++;
	}
	free(b.data);
	return NULL;
}

/* Rings torn down with commands in flight on the shared HWPT. */
static void *ring_churn(void *arg)
{
	struct worker *w = arg;
	struct stress *s = w->s;
	struct iommu_inv_hwpt_invalidate inv[16];
	struct ebuf b;
	struct io_uring ring;
	unsigned int i;

	ebuf_init(&b, 64);
	e_iotlb_all(&b);
	while (!stopped(s)) {
		if (io_uring_queue_init(16, &ring, 0)) {
			unexpected(s, "io_uring_queue_init", errno);
			break;
		}
		for (i = 0; i < 16; i++) {
			struct io_uring_sqe *sqe = io_uring_get_sqe(&ring);

			inv_fill(&inv[i], s->hwpt_id, &b, 0, NULL, 0);
			uring_prep_inv_array(sqe, s->fd, false, &inv[i]);
			if (i % 2)
				sqe->flags |= IOSQE_ASYNC;
		}
		if (io_uring_submit(&ring) != 16)
			unexpected(s, "io_uring_submit", EPROTO);
		io_uring_queue_exit(&ring);
		w->iterations++;
	}
	free(b.data);
	return NULL;
}

static int num_files(int fd)
{
	struct iommu_inv_test_cmd cmd = { .op = IOMMU_INV_TEST_OP_NUM_FILES };

	return _test_op(fd, &cmd) ? -1 : (int)cmd.files.out_num;
}

TEST(stress)
{
	static void *(* const fns[])(void *) = {
		invalidator, invalidator, vdev_churn, destroyer, own_hwpts,
		closer, victim_user, ring_churn,
	};
	static const char * const names[] = {
		"invalidator", "invalidator", "vdev_churn", "destroyer",
		"own_hwpts", "closer", "victim_user", "ring_churn",
	};
	struct worker w[ARRAY_SIZE(fns)];
	pthread_t t[ARRAY_SIZE(fns)];
	struct stress s = { .victim_fd = -1 };
	struct iommu_inv_hwpt_info info;
	const char *env = getenv("IOMMUFD_INV_STRESS_SECS");
	unsigned int secs = env ? atoi(env) : 3, i;
	int files, n;

	pthread_mutex_init(&s.lock, NULL);
	s.fd = open(DEV_PATH, O_RDWR);
	ASSERT_LE(0, s.fd);
	/*
	 * A ring an earlier test tore down lets go of its file from a
	 * kernel worker, later: wait (10 s at most) for that before taking
	 * the count the end must come back to.
	 */
	for (n = 0; n < 1000 && num_files(s.fd) > 1; n++)
		usleep(10000);
	files = num_files(s.fd);
	ASSERT_LE(1, files);
	ASSERT_EQ(0, _test_hwpt_alloc_mock(s.fd, 8, &s.hwpt_id));
	ASSERT_EQ(0, _test_vdev_alloc(s.fd, s.hwpt_id, PERMANENT_VDEV, NULL));

	for (i = 0; i < ARRAY_SIZE(fns); i++) {
		w[i] = (struct worker){ .s = &s, .seed = 1234 + i };
		ASSERT_EQ(0, pthread_create(&t[i], NULL, fns[i], &w[i]));
	}
	sleep(secs);
	__atomic_store_n(&s.stop, true, __ATOMIC_RELAXED);
	for (i = 0; i < ARRAY_SIZE(fns); i++) {
		pthread_join(t[i], NULL);
		TH_LOG("%s: %lu iterations", names[i], w[i].iterations);
		EXPECT_LT(0, w[i].iterations);
	}
	ASSERT_EQ(0, s.unexpected) {
		TH_LOG("%u unexpected results, first: %s", s.unexpected,
		       s.first);
	}

	/* Exactly the shared HWPT and its permanent device remain. */
	ASSERT_EQ(2, _test_num_objects(s.fd));
	ASSERT_EQ(0, _test_hwpt_info(s.fd, s.hwpt_id, &info));
	ASSERT_EQ(1, info.out_num_vdevs);
	ASSERT_LT(0, info.out_calls);
	/* Every closed file and torn-down ring let go of the device. */
	for (n = 0; n < 1000 && num_files(s.fd) != files; n++)
		usleep(10000);
	ASSERT_EQ(files, num_files(s.fd));
	close(s.fd);
}

TEST_HARNESS_MAIN
