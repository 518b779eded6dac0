/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The module's trace events through tracefs, for the selftests: a trace
 * instance of our own (its own buffer, nothing else enabled in it) with
 * every iommufd_inv event on, read back as text.
 */
#ifndef __IOMMUFD_INV_TRACEFS_H
#define __IOMMUFD_INV_TRACEFS_H

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

struct tracefs {
	char inst[128];
};

static inline bool tracefs_has(const char *dir)
{
	char p[128];

	snprintf(p, sizeof(p), "%s/trace", dir);
	return !access(p, F_OK);
}

/*
 * Where tracefs is, mounting it if the kernel has it but nobody mounted
 * it (a minimal guest mounts only proc, sys, devtmpfs, debugfs, tmp).
 * Returns the directory, or NULL: the kernel has no tracing.
 */
static inline const char *tracefs_root(void)
{
	static const char sys[] = "/sys/kernel/tracing";
	static const char dbg[] = "/sys/kernel/debug/tracing";

	if (tracefs_has(sys))
		return sys;
	/* The mount point exists only in a kernel with tracefs. */
	if (!access(sys, F_OK) && !mount("nodev", sys, "tracefs", 0, NULL) &&
	    tracefs_has(sys))
		return sys;
	if (tracefs_has(dbg))
		return dbg;
	return NULL;
}

static inline int tracefs_write(const struct tracefs *t, const char *file,
				const char *val)
{
	char p[256];
	ssize_t n;
	int fd;

	snprintf(p, sizeof(p), "%s/%s", t->inst, file);
	fd = open(p, O_WRONLY | O_TRUNC);
	if (fd < 0)
		return -errno;
	n = write(fd, val, strlen(val));
	close(fd);
	return n == (ssize_t)strlen(val) ? 0 : -EIO;
}

/*
 * A fresh instance with the iommufd_inv events on. Returns 0, -ENOENT
 * when the kernel has no tracing, or another -errno (tracing is there
 * but the module's events are not, for one).
 */
static inline int tracefs_open(struct tracefs *t)
{
	const char *root = tracefs_root();
	int rc;

	t->inst[0] = 0;
	if (!root)
		return -ENOENT;
	snprintf(t->inst, sizeof(t->inst), "%s/instances/iommufd_inv.%d",
		 root, getpid());
	if (mkdir(t->inst, 0700) && errno != EEXIST) {
		rc = -errno;
		t->inst[0] = 0;
		return rc;
	}
	rc = tracefs_write(t, "events/iommufd_inv/enable", "1");
	if (rc)
		return rc;
	return tracefs_write(t, "trace", "");
}

/* Events off (an enabled event holds the module), instance gone. */
static inline void tracefs_close(struct tracefs *t)
{
	if (!t->inst[0])
		return;
	tracefs_write(t, "events/iommufd_inv/enable", "0");
	rmdir(t->inst);
	t->inst[0] = 0;
}

static inline int tracefs_clear(const struct tracefs *t)
{
	return tracefs_write(t, "trace", "");
}

/* The instance's buffer as text, NUL-terminated; free() it. */
static inline char *tracefs_read(const struct tracefs *t)
{
	size_t len = 0, cap = 65536;
	char p[256], *buf;
	ssize_t n;
	int fd;

	snprintf(p, sizeof(p), "%s/trace", t->inst);
	fd = open(p, O_RDONLY);
	if (fd < 0)
		return NULL;
	buf = malloc(cap);
	while (buf) {
		if (cap - len < 4096)
			buf = realloc(buf, cap *= 2);
		if (!buf)
			break;
		n = read(fd, buf + len, cap - len - 1);
		if (n <= 0)
			break;
		len += n;
	}
	close(fd);
	if (buf)
		buf[len] = 0;
	return buf;
}

/*
 * The text after "EVENT: " on each line of @buf recording EVENT, in
 * order: the @n-th (from 0) is returned, up to the end of its line in
 * @out. Returns how many such lines there are in all.
 */
static inline int tracefs_find(const char *buf, const char *event,
			       int n, char *out, size_t outlen)
{
	char tag[64];
	const char *p = buf, *e;
	size_t len;
	int count = 0;

	snprintf(tag, sizeof(tag), " %s: ", event);
	while ((p = strstr(p, tag))) {
		p += strlen(tag);
		e = strchrnul(p, '\n');
		if (count == n && out) {
			len = e - p < (long)outlen - 1 ? e - p : outlen - 1;
			memcpy(out, p, len);
			out[len] = 0;
		}
		count++;
		p = e;
	}
	return count;
}

#endif /* __IOMMUFD_INV_TRACEFS_H */
