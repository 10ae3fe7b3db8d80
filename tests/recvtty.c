/* SPDX-License-Identifier: MIT */
/*
 * recvtty SOCKPATH OUTFILE: the receiving end of `barco create --console-socket`, for the
 * bats suite.  Accepts one connection on a unix stream socket, takes the terminal master fd
 * passed with SCM_RIGHTS, and copies what the container writes to OUTFILE until EOF or EIO
 * (the last slave closed).  The socket is bound under a temporary name and renamed into
 * place once it listens, so a test that sees SOCKPATH can connect at once.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* accept4; the suite compiles this with a bare `cc` */
#endif
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static void die(const char *what)
{
	fprintf(stderr, "recvtty: %s: %s\n", what, strerror(errno));
	exit(1);
}

static int listen_at(const char *path)
{
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	char tmp[sizeof(addr.sun_path)];
	int fd;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp)) {
		errno = ENAMETOOLONG;
		die(path);
	}
	strcpy(addr.sun_path, tmp);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		die("socket");
	unlink(tmp);
	if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0)
		die(tmp);
	if (listen(fd, 1) < 0)
		die("listen");
	if (rename(tmp, path) < 0)
		die(path);
	return fd;
}

static int recv_fd(int conn)
{
	char data[16];
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(int))];
	} control;
	struct iovec iov = {.iov_base = data, .iov_len = sizeof(data)};
	struct msghdr msg = {.msg_iov = &iov,
			     .msg_iovlen = 1,
			     .msg_control = control.buf,
			     .msg_controllen = sizeof(control.buf)};
	struct cmsghdr *c;
	int fd;

	if (recvmsg(conn, &msg, MSG_CMSG_CLOEXEC) < 0)
		die("recvmsg");
	c = CMSG_FIRSTHDR(&msg);
	if (c == NULL || c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) {
		fprintf(stderr, "recvtty: no fd in the message\n");
		exit(1);
	}
	memcpy(&fd, CMSG_DATA(c), sizeof(fd));
	return fd;
}

static void copy_out(int in, int out)
{
	char buf[4096];

	for (;;) {
		ssize_t n = read(in, buf, sizeof(buf));

		if (n == 0 || (n < 0 && errno == EIO))
			return;
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			die("read terminal");
		for (ssize_t off = 0; off < n;) {
			ssize_t w = write(out, buf + off, (size_t)(n - off));

			if (w < 0 && errno == EINTR)
				continue;
			if (w < 0)
				die("write output");
			off += w;
		}
	}
}

int main(int argc, char **argv)
{
	int lfd, conn, master, out;

	if (argc != 3) {
		fprintf(stderr, "usage: recvtty SOCKPATH OUTFILE\n");
		return 2;
	}
	out = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (out < 0)
		die(argv[2]);
	lfd = listen_at(argv[1]);
	conn = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	if (conn < 0)
		die("accept");
	master = recv_fd(conn);
	close(conn);
	close(lfd);
	copy_out(master, out);
	close(master);
	if (close(out) < 0)
		die("close output");
	return 0;
}
