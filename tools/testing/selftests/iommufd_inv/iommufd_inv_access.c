// SPDX-License-Identifier: GPL-2.0-only
/*
 * Device access as a host installs it: /dev/iommu-inv given to a group
 * (the udev rule, packaging/60-iommufd-inv.rules) and a VMM in that group
 * without capabilities. A privileged process allocates a VT-d HWPT on the
 * real unit and hands the open file over (SCM_RIGHTS, or fork); the
 * unprivileged process invalidates on it (ioctl and io_uring), reads its
 * counters and may destroy its objects, and is refused every allocation
 * bound to hardware.
 *
 * Needs root (it drops privileges in children), the module (production
 * build or not), QEMU's intel-iommu for the VT-d unit, and the node
 * set up as the rule says: IOMMUFD_INV_GID is the group's number, and the
 * node must already be root:IOMMUFD_INV_GID, mode 0660.
 */
#include <grp.h>
#include <liburing.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "iommufd_inv_utils.h"

/* Host IDs: a domain ID, a PASID window, 00:1f.0 that q35 always has. */
#define DID 0x2345
#define PASID_BASE 0x200
#define PASID_NUM 16
#define SID 0x00f8
#define VIRT 0x21
/* Neither the group's user nor in it. */
#define NOBODY 65534

#define need_vtd() env_needs("IOMMUFD_INV_NEED_VTD")

static long access_gid(void)
{
	const char *s = getenv("IOMMUFD_INV_GID");

	return s && *s ? strtol(s, NULL, 0) : -1;
}

/*
 * Become NOBODY, in group @gid if it is not -1. From uid 0 to another
 * uid, the kernel clears the permitted and effective capabilities.
 */
static int drop_privileges(long gid)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct cap[2];
	gid_t g = gid;

	if (setgroups(gid < 0 ? 0 : 1, &g) || setgid(NOBODY) ||
	    setuid(NOBODY))
		return -1;
	if (syscall(SYS_capget, &hdr, cap))
		return -1;
	if (cap[0].effective || cap[1].effective || cap[0].permitted ||
	    cap[1].permitted || !getuid() || !geteuid())
		return -1;
	return 0;
}

static int send_fd(int sock, int fd)
{
	char c = 0;
	struct iovec iov = { .iov_base = &c, .iov_len = 1 };
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u = {};
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = u.buf, .msg_controllen = sizeof(u.buf),
	};
	struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);

	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	return sendmsg(sock, &msg, 0) == 1 ? 0 : -1;
}

static int recv_fd(int sock)
{
	char c;
	struct iovec iov = { .iov_base = &c, .iov_len = 1 };
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u = {};
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = u.buf, .msg_controllen = sizeof(u.buf),
	};
	struct cmsghdr *cm;
	int fd;

	if (recvmsg(sock, &msg, 0) != 1)
		return -1;
	cm = CMSG_FIRSTHDR(&msg);
	if (!cm || cm->cmsg_type != SCM_RIGHTS)
		return -1;
	memcpy(&fd, CMSG_DATA(cm), sizeof(int));
	return fd;
}

/*
 * A child's checks: the first that fails prints itself and makes the
 * child exit with its line number, which the parent reports.
 */
#define CHILD_CHECK(_cond)						\
	do {								\
		if (!(_cond)) {						\
			fprintf(stderr, "# child: %s:%d: %s (errno %d)\n", \
				__FILE__, __LINE__, #_cond, errno);	\
			_exit(__LINE__ & 0xff ?: 1);			\
		}							\
	} while (0)

/* The call fails with @err and changes nothing the caller can see. */
#define CHILD_ERRNO(_err, _expr)					\
	do {								\
		errno = 0;						\
		CHILD_CHECK((_expr) == -1 && errno == (_err));		\
	} while (0)

/* One IOMMU_INV_URING_CMD_INVALIDATE of @b; returns cqe->res. */
static int uring_invalidate(int fd, __u32 hwpt_id, const struct ebuf *b,
			    struct iommu_inv_hwpt_invalidate *inv)
{
	inv_fill(inv, hwpt_id, b, 0, NULL, 0);
	return uring_inv_array_once(fd, inv);
}

/*
 * What a group member without capabilities does with the file @fd that a
 * privileged process made HWPT @hwpt_id (device VIRT) in: invalidate and
 * read counters, by ioctl and io_uring, and nothing that names host
 * hardware.
 */
static void unprivileged_use(int fd, __u32 hwpt_id)
{
	struct iommu_inv_hwpt_invalidate inv;
	struct iommu_inv_hwpt_info hinfo;
	struct iommu_inv_result res[4];
	struct iommu_inv_info info;
	struct ebuf b;
	__u32 id;

	ebuf_init(&b, 4096);
	/* Every entry type that reaches the unit, a range at an index > 0. */
	e_iotlb_pasid(&b, 3);
	e_iotlb_range(&b, 3, 0x40201000, 0x3000, IOMMU_INV_IOTLB_FLAG_LEAF);
	e_devtlb_pasid(&b, VIRT, 3);
	e_pc_pasid(&b, 15);
	memset(res, 0xa5, sizeof(res));
	CHILD_CHECK(!_test_inv(fd, hwpt_id, &b, 0, res, 4, &inv));
	CHILD_CHECK(inv.out_processed == 4 && inv.out_num_failed == 0 &&
		    inv.out_first_error == 4 && inv.out_results == 0);

	/* Per-entry results come back to it too: a device it was not given. */
	ebuf_reset(&b);
	e_iotlb_pasid(&b, 1);
	e_devtlb_pasid(&b, VIRT + 1, 1);
	e_iotlb_pasid(&b, 2);
	memset(res, 0xa5, sizeof(res));
	errno = 0;
	CHILD_CHECK(_test_inv(fd, hwpt_id, &b, IOMMU_INV_FLAG_CONTINUE, res, 4,
			      &inv) == -1 && errno == ENODEV);
	CHILD_CHECK(inv.out_processed == 3 && inv.out_num_failed == 1 &&
		    inv.out_first_error == 1 && inv.out_results == 1);
	CHILD_CHECK(res[0].index == 1 && res[0].error == -ENODEV);

	/* And through io_uring (array mode): two entries, both carried out. */
	ebuf_reset(&b);
	e_iotlb_pasid(&b, 5);
	e_devtlb_range(&b, VIRT, 5, 0x7fe000, 0x4000);
	CHILD_CHECK(uring_invalidate(fd, hwpt_id, &b, &inv) == 2);
	CHILD_CHECK(inv.out_processed == 2 && inv.out_num_failed == 0);
	free(b.data);

	CHILD_CHECK(!_test_hwpt_info(fd, hwpt_id, &hinfo));
	CHILD_CHECK(hinfo.out_hwpt_type == IOMMU_INV_HWPT_VTD_S1 &&
		    hinfo.out_num_vdevs == 1 && hinfo.out_calls == 3 &&
		    hinfo.out_entries == 9 && hinfo.out_failed == 1);
	CHILD_CHECK(!_test_get_info(fd, IOMMU_INV_HWPT_VTD_S1, &info));

	/* Host identifiers stay the privileged process's to give. */
	CHILD_ERRNO(EPERM, vtd_vdev(fd, hwpt_id, VIRT + 1, SID, 0, 0, 0, &id));
	CHILD_ERRNO(EPERM, vtd_alloc(fd, IOMMU_INV_VTD_QUEUE_HW, DID + 1,
				     0x400, 1, &id));
	CHILD_ERRNO(EPERM, smmu_alloc(fd, IOMMU_INV_SMMU_QUEUE_HW, 1, &id));
	/* ... and nothing was made: the next object ID is still unused. */
	CHILD_ERRNO(ENOENT, _test_destroy(fd, hwpt_id + 2));
}

FIXTURE(access) {
	int fd;
	__u32 hwpt_id;
	__u32 vdev_id;
	long gid;
};

FIXTURE_SETUP(access)
{
	struct stat st;

	self->fd = -1;
	if (geteuid())
		SKIP(return, "needs root to hand a file to a process without it");
	self->gid = access_gid();
	if (self->gid < 0)
		SKIP(return, "IOMMUFD_INV_GID not set: the node's group is unknown");

	/* The node as the udev rule leaves it. */
	ASSERT_EQ(0, stat(DEV_PATH, &st));
	ASSERT_TRUE(S_ISCHR(st.st_mode));
	ASSERT_EQ(0, st.st_uid);
	ASSERT_EQ(self->gid, st.st_gid);
	ASSERT_EQ(0660, st.st_mode & 07777);

	self->fd = open(DEV_PATH, O_RDWR);
	ASSERT_LE(0, self->fd);
	if (vtd_alloc(self->fd, IOMMU_INV_VTD_QUEUE_HW, DID, PASID_BASE,
		      PASID_NUM, &self->hwpt_id)) {
		if (no_unit(errno) && !need_vtd())
			SKIP(return, "no free VT-d unit (errno %d)", errno);
		ASSERT_EQ(0, errno);
	}
	ASSERT_EQ(0, vtd_vdev(self->fd, self->hwpt_id, VIRT, SID, 0, 8,
			      IOMMU_INV_VTD_DEV_ATS, &self->vdev_id));
}

FIXTURE_TEARDOWN(access)
{
	if (self->fd >= 0)
		close(self->fd);
}

/* Reap @pid; 0 if it exited 0, else its status (and the line it names). */
static int child_status(pid_t pid)
{
	int status;

	if (waitpid(pid, &status, 0) != pid)
		return -1;
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return 0x10000 | status;
}

/* The counters as the privileged process sees them after the child. */
#define EXPECT_CHILD_CALLS(_fd, _hwpt)					\
	({								\
		struct iommu_inv_hwpt_info __h;				\
									\
		ASSERT_EQ(0, _test_hwpt_info(_fd, _hwpt, &__h));	\
		EXPECT_EQ(3, __h.out_calls);				\
		EXPECT_EQ(9, __h.out_entries);				\
		EXPECT_EQ(1, __h.out_failed);				\
		EXPECT_EQ(0, __h.out_hw_errors);			\
		EXPECT_EQ(1, __h.out_num_vdevs);			\
	})

/*
 * The VMM runs unprivileged from the start: it opens the node itself
 * through the group, and gets the privileged helper's file by SCM_RIGHTS.
 */
TEST_F(access, group_member_gets_file_by_scm_rights)
{
	int sv[2];
	pid_t pid;

	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		struct iommu_inv_info info;
		int own, fd;
		__u32 id;

		close(sv[0]);
		close(self->fd);
		CHILD_CHECK(!drop_privileges(self->gid));

		/* Its own file, through the group alone. */
		own = open(DEV_PATH, O_RDWR);
		CHILD_CHECK(own >= 0);
		CHILD_CHECK(!_test_get_info(own, 0, &info));
		CHILD_CHECK(info.out_hwpt_types &
			    (1ULL << IOMMU_INV_HWPT_VTD_S1));
		CHILD_ERRNO(EPERM, vtd_alloc(own, IOMMU_INV_VTD_QUEUE_HW,
					     DID + 1, 0x400, 1, &id));
		/* Another file's objects are not in it. */
		CHILD_ERRNO(ENOENT, _test_hwpt_info(own, self->hwpt_id,
						    &(struct iommu_inv_hwpt_info){}));

		fd = recv_fd(sv[1]);
		CHILD_CHECK(fd >= 0);
		unprivileged_use(fd, self->hwpt_id);
		close(own);
		_exit(0);
	}
	close(sv[1]);
	ASSERT_EQ(0, send_fd(sv[0], self->fd));
	close(sv[0]);
	ASSERT_EQ(0, child_status(pid));
	EXPECT_CHILD_CALLS(self->fd, self->hwpt_id);
}

/* The VMM opens and allocates as root, then drops everything (fork). */
TEST_F(access, file_kept_across_fork_and_setuid)
{
	pid_t pid = fork();

	ASSERT_LE(0, pid);
	if (!pid) {
		CHILD_CHECK(!drop_privileges(self->gid));
		unprivileged_use(self->fd, self->hwpt_id);
		_exit(0);
	}
	ASSERT_EQ(0, child_status(pid));
	EXPECT_CHILD_CALLS(self->fd, self->hwpt_id);
}

/* Capabilities are the caller's at each call, not the opener's. */
TEST_F(access, capability_checked_per_call)
{
	pid_t pid = fork();
	__u32 id;

	ASSERT_LE(0, pid);
	if (!pid) {
		CHILD_CHECK(!drop_privileges(self->gid));
		CHILD_ERRNO(EPERM, vtd_vdev(self->fd, self->hwpt_id, VIRT + 1,
					    0x00fa, 0, 0, 0, &id));
		_exit(0);
	}
	ASSERT_EQ(0, child_status(pid));
	/* The same file, the same call, from the privileged parent. */
	ASSERT_EQ(0, vtd_vdev(self->fd, self->hwpt_id, VIRT + 1, 0x00fa, 0, 0,
			      0, &id));
}

/* Whoever holds the file may destroy what is in it. */
TEST_F(access, holder_destroys_objects)
{
	struct iommu_inv_hwpt_info h;
	pid_t pid = fork();

	ASSERT_LE(0, pid);
	if (!pid) {
		CHILD_CHECK(!drop_privileges(self->gid));
		CHILD_ERRNO(EBUSY, _test_destroy(self->fd, self->hwpt_id));
		CHILD_CHECK(!_test_destroy(self->fd, self->vdev_id));
		CHILD_CHECK(!_test_destroy(self->fd, self->hwpt_id));
		_exit(0);
	}
	ASSERT_EQ(0, child_status(pid));
	EXPECT_ERRNO(ENOENT, _test_hwpt_info(self->fd, self->hwpt_id, &h));
}

/* Mode 0660, not 0666: outside the group there is no way in. */
TEST_F(access, outside_group_cannot_open)
{
	pid_t pid = fork();

	ASSERT_LE(0, pid);
	if (!pid) {
		CHILD_CHECK(!drop_privileges(-1));
		CHILD_ERRNO(EACCES, open(DEV_PATH, O_RDWR));
		CHILD_ERRNO(EACCES, open(DEV_PATH, O_RDONLY));
		_exit(0);
	}
	ASSERT_EQ(0, child_status(pid));
}

TEST_HARNESS_MAIN
