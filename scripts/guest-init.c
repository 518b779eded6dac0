// SPDX-License-Identifier: GPL-2.0
/*
 * A static /init for test guests that have no busybox (the arm64 tier).
 *
 * It mounts the usual file systems and carries out /etc/plan, one step a
 * line:
 *
 *   env NAME=VALUE      put NAME in the environment of later steps
 *   insmod FILE [ARGS]  load a module with these parameters
 *   rmmod NAME          unload it (retried for a few seconds)
 *   run PROGRAM [ARGS]  run a program, its output on the console
 *
 * A step that fails makes the exit status non-zero; a failed insmod ends
 * the plan. Then the kernel log is printed between "==== kmsg ====" lines
 * (the guest boots with a quiet console so that it does not mix with the
 * programs' output), then "IOMMUFD_INV_EXIT=<status>", and the guest
 * powers off.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_ARGS 32

static int split(char *line, char **argv)
{
	int argc = 0;
	char *tok;

	for (tok = strtok(line, " \t\n"); tok && argc < MAX_ARGS - 1;
	     tok = strtok(NULL, " \t\n"))
		argv[argc++] = tok;
	argv[argc] = NULL;
	return argc;
}

static int do_insmod(int argc, char **argv)
{
	char params[512] = "";
	int fd, rc, i;

	for (i = 2; i < argc; i++) {
		strncat(params, argv[i], sizeof(params) - strlen(params) - 2);
		strcat(params, " ");
	}
	fd = open(argv[1], O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		perror(argv[1]);
		return 1;
	}
	rc = syscall(SYS_finit_module, fd, params, 0);
	if (rc)
		perror("finit_module");
	close(fd);
	return rc ? 1 : 0;
}

static int do_rmmod(const char *name)
{
	int i;

	for (i = 0; i < 40; i++) {
		if (!syscall(SYS_delete_module, name, O_NONBLOCK))
			return 0;
		if (errno != EAGAIN && errno != EBUSY && errno != EWOULDBLOCK)
			break;
		usleep(250 * 1000);
	}
	printf("guest-init: rmmod %s failed: %s\n", name, strerror(errno));
	return 1;
}

static int do_run(char **argv)
{
	int status;
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid < 0)
		return 1;
	if (!pid) {
		execv(argv[0], argv);
		perror(argv[0]);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) != pid)
		return 1;
	if (WIFSIGNALED(status))
		printf("guest-init: %s killed by signal %d\n", argv[0],
		       WTERMSIG(status));
	return !WIFEXITED(status) || WEXITSTATUS(status);
}

/* Everything the kernel logged, without waiting for more. */
static void dump_kmsg(void)
{
	char rec[2048];
	ssize_t n;
	int fd;

	printf("==== kmsg ====\n");
	fflush(stdout);
	fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK);
	if (fd >= 0) {
		while ((n = read(fd, rec, sizeof(rec) - 1)) > 0 ||
		       (n < 0 && errno == EPIPE)) {
			if (n > 0)
				fwrite(rec, 1, n, stdout);
		}
		close(fd);
	}
	printf("==== kmsg ====\n");
}

int main(void)
{
	char line[1024], *argv[MAX_ARGS];
	int rc = 0, argc, con;
	FILE *plan;

	mount("proc", "/proc", "proc", 0, NULL);
	mount("sys", "/sys", "sysfs", 0, NULL);
	mount("dev", "/dev", "devtmpfs", 0, NULL);
	mount("none", "/sys/kernel/debug", "debugfs", 0, NULL);
	mount("tmp", "/tmp", "tmpfs", 0, NULL);
	con = open("/dev/console", O_RDWR);
	if (con >= 0) {
		dup2(con, 0);
		dup2(con, 1);
		dup2(con, 2);
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	setenv("PATH", "/bin", 1);
	if (chdir("/tmp"))
		rc = 1;

	plan = fopen("/etc/plan", "r");
	while (plan && fgets(line, sizeof(line), plan)) {
		argc = split(line, argv);
		if (argc < 2)
			continue;
		if (!strcmp(argv[0], "env")) {
			putenv(strdup(argv[1]));
		} else if (!strcmp(argv[0], "insmod")) {
			if (do_insmod(argc, argv)) {
				rc = 125;
				break;
			}
		} else if (!strcmp(argv[0], "rmmod")) {
			rc |= do_rmmod(argv[1]);
		} else if (!strcmp(argv[0], "run")) {
			rc |= do_run(argv + 1);
		} else {
			printf("guest-init: unknown step %s\n", argv[0]);
			rc = 1;
		}
	}
	if (!plan)
		rc = 1;

	dump_kmsg();
	printf("IOMMUFD_INV_EXIT=%d\n", rc);
	fflush(stdout);
	sync();
	reboot(RB_POWER_OFF);
	return 0;
}
