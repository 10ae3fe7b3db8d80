/* SPDX-License-Identifier: MIT */
/*
 * The sync protocol: one SOCK_SEQPACKET packet per message, a fixed header then the payload.
 * Packets keep message boundaries, so a reader never sees half a message or two at once.
 */
#include <assert.h>
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "barco/sync.h"
#include "barco/util.h"

/* Both ends are the same binary on the same host: native byte order, no implicit padding. */
struct sync_wire {
	uint32_t type;
	int32_t errnum;
	int64_t value;
	uint32_t len;
	uint32_t reserved;
};
static_assert(sizeof(struct sync_wire) == 24, "sync header must have no padding");

#define SYNC_PACKET_MAX (sizeof(struct sync_wire) + BC_SYNC_MAX_PAYLOAD)

static const char *const type_names[] = {
    [BC_SYNC_NONE] = "NONE",
    [BC_SYNC_ERROR] = "ERROR",
    [BC_SYNC_USERNS_READY] = "USERNS_READY",
    [BC_SYNC_USERNS_DONE] = "USERNS_DONE",
    [BC_SYNC_CREATE_RUNTIME] = "CREATE_RUNTIME",
    [BC_SYNC_CREATE_RUNTIME_DONE] = "CREATE_RUNTIME_DONE",
    [BC_SYNC_READY] = "READY",
    [BC_SYNC_PID] = "PID",
    [BC_SYNC_CONTINUE] = "CONTINUE",
    [BC_SYNC_CONSOLE] = "CONSOLE",
    [BC_SYNC_MOUNT_FDS] = "MOUNT_FDS",
    [BC_SYNC_MOUNT_FD] = "MOUNT_FD",
};

const char *sync_type_name(enum bc_sync_type t)
{
	if ((size_t)t >= BC_ARRAY_SIZE(type_names))
		return "UNKNOWN";
	return type_names[t];
}

/* A type added to the enum without a name here is refused on send, so it cannot go unnoticed. */
static bool type_valid(uint32_t t)
{
	return t > BC_SYNC_NONE && t < BC_ARRAY_SIZE(type_names);
}

static int send_packet(int fd, const char *buf, size_t n)
{
	ssize_t r;

	do
		r = send(fd, buf, n, MSG_NOSIGNAL);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return -1;
	/* A seqpacket send is all or nothing; anything else is a kernel surprise. */
	if ((size_t)r != n) {
		errno = EMSGSIZE;
		return -1;
	}
	return 0;
}

static int send_raw(int fd, uint32_t type, int errnum, int64_t value, const char *payload,
		    size_t len)
{
	char buf[SYNC_PACKET_MAX];
	struct sync_wire hdr = {
	    .type = type,
	    .errnum = errnum,
	    .value = value,
	    .len = (uint32_t)len,
	};

	memcpy(buf, &hdr, sizeof(hdr));
	if (len > 0)
		memcpy(buf + sizeof(hdr), payload, len);
	return send_packet(fd, buf, sizeof(hdr) + len);
}

int sync_send(int fd, enum bc_sync_type type, int errnum, int64_t value, const char *payload,
	      bc_error_t **err)
{
	size_t len = payload ? strlen(payload) : 0;

	if (!type_valid(type))
		return bc_error_set(err, 0, "sending sync message: invalid type %d", (int)type);
	if (len > BC_SYNC_MAX_PAYLOAD)
		return bc_error_set(err, 0,
				    "sending sync message %s: payload of %zu bytes exceeds the "
				    "limit of %d",
				    sync_type_name(type), len, BC_SYNC_MAX_PAYLOAD);
	if (send_raw(fd, type, errnum, value, payload, len) < 0)
		return bc_error_errno(err, "sending sync message %s", sync_type_name(type));
	return 0;
}

int sync_send_error(int fd, const bc_error_t *e)
{
	const char *text = e && e->msg ? e->msg : "unknown error";
	size_t len = strlen(text);

	/* The error must get through: a long message is cut rather than dropped. */
	if (len > BC_SYNC_MAX_PAYLOAD)
		len = BC_SYNC_MAX_PAYLOAD;
	return send_raw(fd, BC_SYNC_ERROR, e ? e->errnum : 0, 0, text, len);
}

static int recv_packet(int fd, char *buf, size_t size, ssize_t *n)
{
	do
		/* MSG_TRUNC: the real packet length, so an oversized packet is caught, not cut. */
		*n = recv(fd, buf, size, MSG_TRUNC | MSG_CMSG_CLOEXEC);
	while (*n < 0 && errno == EINTR);
	return *n < 0 ? -1 : 0;
}

static int eof_error(bc_error_t **err)
{
	return bc_error_set_code(err, EPIPE,
				 "container init exited unexpectedly (it closed the sync socket "
				 "without reporting an error; it may have been killed, see dmesg)");
}

static int check_packet(const struct sync_wire *hdr, size_t n, bc_error_t **err)
{
	if (n > SYNC_PACKET_MAX)
		return bc_error_set(err, 0,
				    "receiving sync message: packet of %zu bytes exceeds the limit "
				    "of %zu",
				    n, SYNC_PACKET_MAX);
	if (n < sizeof(*hdr))
		return bc_error_set(err, 0,
				    "receiving sync message: short packet of %zu bytes (header is "
				    "%zu)",
				    n, sizeof(*hdr));
	if (hdr->len != n - sizeof(*hdr))
		return bc_error_set(err, 0,
				    "receiving sync message: header announces %u payload bytes, "
				    "packet carries %zu",
				    hdr->len, n - sizeof(*hdr));
	if (!type_valid(hdr->type))
		return bc_error_set(err, 0, "receiving sync message: unknown type %u", hdr->type);
	return 0;
}

/* A received packet of n bytes, checked, into msg. */
static int decode_packet(const char *buf, size_t n, bc_sync_msg_t *msg, bc_error_t **err)
{
	struct sync_wire hdr = {0};

	memcpy(&hdr, buf, n < sizeof(hdr) ? n : sizeof(hdr));
	if (check_packet(&hdr, n, err) < 0)
		return -1;
	msg->type = hdr.type;
	msg->errnum = hdr.errnum;
	msg->value = hdr.value;
	msg->len = hdr.len;
	memcpy(msg->payload, buf + sizeof(hdr), hdr.len);
	msg->payload[hdr.len] = '\0';
	return 0;
}

int sync_recv(int fd, bc_sync_msg_t *msg, bc_error_t **err)
{
	char buf[SYNC_PACKET_MAX];
	ssize_t n;

	memset(msg, 0, sizeof(*msg));
	if (recv_packet(fd, buf, sizeof(buf), &n) < 0) {
		if (errno == ECONNRESET)
			return eof_error(err);
		return bc_error_errno(err, "receiving sync message");
	}
	if (n == 0)
		return eof_error(err);
	if (decode_packet(buf, (size_t)n, msg, err) < 0)
		return -1;
	return 0;
}

int sync_expect(int fd, enum bc_sync_type type, bc_sync_msg_t *msg, bc_error_t **err)
{
	if (sync_recv(fd, msg, err) < 0)
		return -1;
	if (msg->type == (uint32_t)type)
		return 0;
	if (msg->type == BC_SYNC_ERROR) {
		/* The child's message is already complete ("mounting `proc`: ..."): pass it
		 * on verbatim, with its errno, and without a second strerror. */
		return bc_error_set_code(err, msg->errnum, "%s",
					 msg->len > 0 ? msg->payload
						      : "container init failed without a message");
	}
	return bc_error_set(err, 0, "unexpected message %s from container init (expected %s)",
			    sync_type_name(msg->type), sync_type_name(type));
}

int sync_send_fd(int sock, enum bc_sync_type type, int64_t value, int fd, bc_error_t **err)
{
	struct sync_wire hdr = {.type = type, .value = value};
	char cbuf[CMSG_SPACE(sizeof(int))] = {0};
	struct iovec iov = {.iov_base = &hdr, .iov_len = sizeof(hdr)};
	struct msghdr mh = {
	    .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof(cbuf)};
	struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
	ssize_t r;

	if (!type_valid(type))
		return bc_error_set(err, 0, "sending sync message: invalid type %d", (int)type);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	do
		r = sendmsg(sock, &mh, MSG_NOSIGNAL);
	while (r < 0 && errno == EINTR);
	if (r >= 0 && (size_t)r != sizeof(hdr))
		errno = EMSGSIZE;
	if (r < 0 || (size_t)r != sizeof(hdr))
		return bc_error_errno(err, "sending sync message %s", sync_type_name(type));
	return 0;
}

/* The fds of a received packet: the first is kept when it is the only one, all are closed
 * otherwise.  Returns the number of fds that came. */
static size_t take_fds(struct msghdr *mh, int *fd)
{
	size_t count = 0;

	*fd = -1;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c)) {
		size_t n;

		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < n; i++) {
			int one;

			memcpy(&one, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
			if (count++ == 0)
				*fd = one;
			else
				close(one);
		}
	}
	if (count > 1) {
		close(*fd);
		*fd = -1;
	}
	return count;
}

static int expect_checked(const bc_sync_msg_t *msg, enum bc_sync_type type, bc_error_t **err)
{
	if (msg->type == (uint32_t)type)
		return 0;
	if (msg->type == BC_SYNC_ERROR)
		return bc_error_set_code(err, msg->errnum, "%s",
					 msg->len > 0 ? msg->payload
						      : "container init failed without a message");
	return bc_error_set(err, 0, "unexpected message %s (expected %s)",
			    sync_type_name(msg->type), sync_type_name(type));
}

int sync_expect_fd(int sock, enum bc_sync_type type, bc_sync_msg_t *msg, int *fd, bc_error_t **err)
{
	char buf[SYNC_PACKET_MAX];
	char cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = {.iov_base = buf, .iov_len = sizeof(buf)};
	struct msghdr mh = {
	    .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof(cbuf)};
	cleanup_close int got = -1;
	size_t count;
	ssize_t n;

	*fd = -1;
	memset(msg, 0, sizeof(*msg));
	do
		n = recvmsg(sock, &mh, MSG_TRUNC | MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		if (errno == ECONNRESET)
			return eof_error(err);
		return bc_error_errno(err, "receiving sync message");
	}
	count = take_fds(&mh, &got);
	if (n == 0)
		return eof_error(err);
	if (decode_packet(buf, (size_t)n, msg, err) < 0)
		return -1;
	if (expect_checked(msg, type, err) < 0)
		return -1;
	if (mh.msg_flags & MSG_CTRUNC)
		return bc_error_set(err, 0, "receiving sync message %s: more than one fd",
				    sync_type_name(type));
	if (count != 1)
		return bc_error_set(err, 0, "receiving sync message %s: %zu fds instead of one",
				    sync_type_name(type), count);
	*fd = steal_fd(got);
	return 0;
}
