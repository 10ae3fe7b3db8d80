/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#include "barco/terminal.h"
#include "barco/util.h"

int terminal_send_fd(int sock, int fd, const char *payload, bc_error_t **err)
{
	char cbuf[CMSG_SPACE(sizeof(int))] = {0};
	const char *data = payload && *payload ? payload : "fd";
	struct iovec iov = {.iov_base = (void *)data, .iov_len = strlen(data)};
	struct msghdr msg = {
	    .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof(cbuf)};
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);

	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	while (sendmsg(sock, &msg, MSG_NOSIGNAL) < 0) {
		if (errno != EINTR)
			return bc_error_errno(err, "send terminal fd");
	}
	return 0;
}

int terminal_recv_fd(int sock, bc_error_t **err)
{
	char cbuf[CMSG_SPACE(sizeof(int))] = {0};
	char data[256];
	struct iovec iov = {.iov_base = data, .iov_len = sizeof(data)};
	struct msghdr msg = {
	    .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof(cbuf)};
	struct cmsghdr *c;
	ssize_t n;
	int fd;

	do
		n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return bc_error_errno(err, "receive terminal fd");
	c = CMSG_FIRSTHDR(&msg);
	if (n == 0 || c == NULL || c->cmsg_type != SCM_RIGHTS ||
	    c->cmsg_len != CMSG_LEN(sizeof(int)))
		return bc_error_set(err, 0, "receive terminal fd: no fd in the message");
	memcpy(&fd, CMSG_DATA(c), sizeof(int));
	return fd;
}

int terminal_send_to_console_socket(const char *path, int master, bc_error_t **err)
{
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	cleanup_close int sock = -1;

	if (strlen(path) >= sizeof(addr.sun_path))
		return bc_error_set(err, ENAMETOOLONG, "console socket %s", path);
	strcpy(addr.sun_path, path);
	sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (sock < 0)
		return bc_error_errno(err, "create socket for console socket %s", path);
	if (connect(sock, (struct sockaddr *)&addr, sizeof(addr)) < 0)
		return bc_error_errno(err, "connect to console socket %s", path);
	if (terminal_send_fd(sock, master, "/dev/ptmx", err) < 0)
		return bc_error_wrap(err, "console socket %s", path);
	return 0;
}

#ifndef TIOCGPTPEER
#define TIOCGPTPEER _IO('T', 0x41)
#endif
#define PTY_SLAVE_MAJOR_FIRST 136
#define PTY_SLAVE_MAJOR_LAST  143

/* CVE-2025-52565 class: the container's /dev/ptmx and /dev/pts come from its rootfs or its
 * mounts.  Both ends must be devpts nodes of the kind expected, or the "terminal" could be a
 * file or a device of the host's choosing bound over /dev/console. */
static int terminal_check_devpts(int fd, bool slave, const char *shown, bc_error_t **err)
{
	struct statfs sfs;
	struct stat st;

	if (fstatfs(fd, &sfs) < 0 || fstat(fd, &st) < 0)
		return bc_error_errno(err, "stat %s", shown);
	if (slave && sfs.f_type == DEVPTS_SUPER_MAGIC && S_ISCHR(st.st_mode) &&
	    major(st.st_rdev) >= PTY_SLAVE_MAJOR_FIRST && major(st.st_rdev) <= PTY_SLAVE_MAJOR_LAST)
		return 0;
	/* The master may be the devpts instance's ptmx or the host-style /dev/ptmx (5:2). */
	if (!slave && S_ISCHR(st.st_mode) &&
	    (sfs.f_type == DEVPTS_SUPER_MAGIC || st.st_rdev == makedev(5, 2)))
		return 0;
	return bc_error_set(err, 0, "%s is not a devpts %s: refusing to use it", shown,
			    slave ? "terminal" : "multiplexer");
}

/* /dev/console becomes the pty: bound through the fds, so neither end can be swapped for
 * a symlink between the check and the mount. */
static int terminal_bind_console(int slave, bc_error_t **err)
{
	cleanup_close int fd =
	    open("/dev/console", O_RDONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	char src[32], dst[32];
	struct stat st;

	if (fd < 0)
		return bc_error_errno(err, "create /dev/console");
	if (fstat(fd, &st) < 0)
		return bc_error_errno(err, "stat /dev/console");
	if (!S_ISREG(st.st_mode) && !S_ISCHR(st.st_mode))
		return bc_error_set(err, 0, "/dev/console is neither a file nor a device: refused");
	snprintf(src, sizeof(src), "/proc/self/fd/%d", slave);
	snprintf(dst, sizeof(dst), "/proc/self/fd/%d", fd);
	if (mount(src, dst, NULL, MS_BIND, NULL) < 0)
		return bc_error_errno(err, "bind the pty on /dev/console");
	return 0;
}

int terminal_setup_child(bool has_size, uint32_t rows, uint32_t cols, bool bind_console,
			 bc_error_t **err)
{
	cleanup_close int master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	cleanup_close int slave = -1;
	int unlock = 0, flags;

	if (master < 0)
		return bc_error_errno(err, "open /dev/ptmx");
	if (terminal_check_devpts(master, false, "/dev/ptmx", err) < 0)
		return -1;
	/* Opened without O_NONBLOCK above so that a fifo in its place can't block us. */
	flags = fcntl(master, F_GETFL);
	if (flags < 0 || fcntl(master, F_SETFL, flags & ~O_NONBLOCK) < 0)
		return bc_error_errno(err, "set /dev/ptmx blocking");
	if (ioctl(master, TIOCSPTLCK, &unlock) < 0)
		return bc_error_errno(err, "unlock pty /dev/ptmx");
	/* The peer by fd, not by a /dev/pts path the rootfs could redirect. */
	slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (slave < 0)
		return bc_error_errno(err, "open the pty peer of /dev/ptmx");
	if (terminal_check_devpts(slave, true, "the pty of /dev/ptmx", err) < 0)
		return -1;
	if (has_size) {
		struct winsize ws = {.ws_row = (unsigned short)rows,
				     .ws_col = (unsigned short)cols};

		if (ioctl(slave, TIOCSWINSZ, &ws) < 0)
			return bc_error_errno(err, "set the size of the pty");
	}
	/* Programs that write to /dev/console must reach this terminal, as with runc. */
	if (bind_console && terminal_bind_console(slave, err) < 0)
		return -1;
	if (setsid() < 0)
		return bc_error_errno(err, "setsid for the terminal");
	if (ioctl(slave, TIOCSCTTY, 0) < 0)
		return bc_error_errno(err, "make the pty the controlling terminal");
	for (int i = 0; i < 3; i++) {
		if (dup2(slave, i) < 0)
			return bc_error_errno(err, "dup the pty to fd %d", i);
	}
	return steal_fd(master);
}

static int copy_once(int from, int to)
{
	char buf[8192];
	ssize_t n = read(from, buf, sizeof(buf));

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return 0;
	if (n <= 0)
		return -1; /* EOF, or EIO on a pty whose slave side is gone */
	return bc_write_all(to, buf, (size_t)n) < 0 ? -1 : 0;
}

int terminal_proxy(int master, int pidfd, bc_error_t **err)
{
	struct termios saved, raw;
	bool restore = false, stdin_open = true;

	if (isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &saved) == 0) {
		raw = saved;
		cfmakeraw(&raw);
		restore = tcsetattr(STDIN_FILENO, TCSANOW, &raw) == 0;
		struct winsize ws;
		if (ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) == 0)
			ioctl(master, TIOCSWINSZ, &ws);
	}
	for (;;) {
		struct pollfd p[3] = {{.fd = master, .events = POLLIN},
				      {.fd = stdin_open ? STDIN_FILENO : -1, .events = POLLIN},
				      {.fd = pidfd, .events = POLLIN}};

		if (poll(p, 3, -1) < 0) {
			if (errno == EINTR)
				continue;
			if (restore)
				tcsetattr(STDIN_FILENO, TCSANOW, &saved);
			return bc_error_errno(err, "poll terminal");
		}
		if (p[0].revents & (POLLIN | POLLHUP | POLLERR)) {
			if (copy_once(master, STDOUT_FILENO) < 0)
				break;
			continue; /* drain output before noticing the exit */
		}
		if (p[1].revents & (POLLIN | POLLHUP | POLLERR)) {
			if (copy_once(STDIN_FILENO, master) < 0)
				stdin_open = false;
		}
		if (p[2].revents & POLLIN)
			break;
	}
	if (restore)
		tcsetattr(STDIN_FILENO, TCSANOW, &saved);
	return 0;
}
