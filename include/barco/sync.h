/* SPDX-License-Identifier: MIT */
#ifndef BARCO_SYNC_H
#define BARCO_SYNC_H

/*
 * Typed messages between the runtime (parent) and the container's init (child) over a
 * SOCK_SEQPACKET socketpair.  One message per packet: a fixed header and an optional
 * payload (an error text, a pid).  Errors from the child are sent as BC_SYNC_ERROR with
 * errno and the full message text.
 */

#include <stddef.h>
#include <stdint.h>

#include "barco/error.h"

enum bc_sync_type {
	BC_SYNC_NONE = 0,
	BC_SYNC_ERROR,		/* child -> parent: errnum + message; the child then exits */
	BC_SYNC_USERNS_READY,	/* child -> parent: write my uid/gid maps now */
	BC_SYNC_USERNS_DONE,	/* parent -> child */
	BC_SYNC_CREATE_RUNTIME, /* child -> parent: mounts are set up; run createRuntime/prestart
				   hooks */
	BC_SYNC_CREATE_RUNTIME_DONE, /* parent -> child */
	BC_SYNC_READY,		     /* child -> parent: all set; waiting for start */
	BC_SYNC_PID,		     /* child -> parent: value = pid (for a pid-namespace fork) */
	BC_SYNC_CONTINUE,	     /* parent -> child: generic go-ahead */
	BC_SYNC_CONSOLE,   /* child -> parent: the next packet carries the pty master fd */
	BC_SYNC_MOUNT_FDS, /* child -> parent: send the idmapped mounts (idmap.h) now */
	BC_SYNC_MOUNT_FD,  /* parent -> child: carries a detached mount fd (sync_send_fd);
			      value = its index in spec->mounts */
};

#define BC_SYNC_MAX_PAYLOAD 4096

typedef struct bc_sync_msg {
	uint32_t type;	/* enum bc_sync_type */
	int32_t errnum; /* with BC_SYNC_ERROR */
	int64_t value;	/* type-specific number */
	uint32_t len;	/* payload bytes that follow (not NUL-terminated on the wire) */
	char payload[BC_SYNC_MAX_PAYLOAD + 1]; /* NUL-terminated after receive */
} bc_sync_msg_t;

/* Send one message.  payload may be NULL. */
int sync_send(int fd, enum bc_sync_type type, int errnum, int64_t value, const char *payload,
	      bc_error_t **err);
/* Convenience for the child: send err as BC_SYNC_ERROR. */
int sync_send_error(int fd, const bc_error_t *e);
/* Receive one message.  EOF (peer closed) is an error "container init exited unexpectedly"
 * (plus a hint) with errnum EPIPE.  Packets that are short, oversized, inconsistent or of an
 * unknown type are errors. */
int sync_recv(int fd, bc_sync_msg_t *msg, bc_error_t **err);
/* Receive and require the given type; a BC_SYNC_ERROR becomes *err with the child's text. */
int sync_expect(int fd, enum bc_sync_type type, bc_sync_msg_t *msg, bc_error_t **err);
const char *sync_type_name(enum bc_sync_type t);

/* Send one message without payload carrying one fd (SCM_RIGHTS) in the same packet. */
int sync_send_fd(int sock, enum bc_sync_type type, int64_t value, int fd, bc_error_t **err);
/* Receive a message sent by sync_send_fd, of the given type, and its fd (O_CLOEXEC) in *fd.
 * A BC_SYNC_ERROR becomes *err as with sync_expect; a message of the type without exactly
 * one fd is an error, and any fd that came with a refused message is closed. */
int sync_expect_fd(int sock, enum bc_sync_type type, bc_sync_msg_t *msg, int *fd, bc_error_t **err);

#endif
