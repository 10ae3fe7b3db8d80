/* SPDX-License-Identifier: MIT */
#ifndef BARCO_SPAWN_H
#define BARCO_SPAWN_H

#include <stdbool.h>
#include <sys/types.h>

#include "barco/error.h"
#include "barco/spec.h"
#include "barco/state_json.h"

typedef struct bc_spawn_opts {
	const bc_spec_t *spec;
	const char *rootfs; /* absolute */
	int state_dirfd;    /* the container's state directory (holds exec.fifo) */
	int root_fd;	    /* the state root (the seccomp cache), or -1 */
	bool no_pivot, no_new_keyring;
	int preserve_fds;
	const char *console_socket; /* NULL: keep the master (run) or no terminal */
	const bc_state_t *state;    /* id, bundle, annotations: for hooks */
	int lock_fd;		    /* the state lock: the init must not keep it */
	/* Called once the init is ready (record its state, write the pid file); the init waits
	 * for this to succeed before it waits for start, and is killed if it fails. */
	int (*on_ready)(void *arg, pid_t pid, bc_error_t **err);
	void *on_ready_arg;
} bc_spawn_opts_t;

typedef struct bc_spawn_result {
	pid_t pid;	/* host pid of the init, blocked until start */
	int console_fd; /* pty master when the terminal stays with the caller, else -1 */
} bc_spawn_result_t;

/*
 * Start the container's init and drive it through setup: id maps, createRuntime/prestart
 * hooks, console.  Returns once the init reports it is ready and waits on exec.fifo.  On
 * any failure the init is killed and reaped, and *err holds the init's own message.
 */
int spawn_init(const bc_spawn_opts_t *o, bc_spawn_result_t *res, bc_error_t **err);

#endif
