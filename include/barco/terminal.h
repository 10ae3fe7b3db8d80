/* SPDX-License-Identifier: MIT */
#ifndef BARCO_TERMINAL_H
#define BARCO_TERMINAL_H

#include <stdbool.h>
#include <stdint.h>

#include "barco/error.h"

/* Send one fd with SCM_RIGHTS over a unix socket, with a short text payload (may be NULL). */
int terminal_send_fd(int sock, int fd, const char *payload, bc_error_t **err);
/* Receive one fd sent by terminal_send_fd. */
int terminal_recv_fd(int sock, bc_error_t **err);

/* Connect to the --console-socket path (a SOCK_STREAM unix socket) and send master. */
int terminal_send_to_console_socket(const char *path, int master, bc_error_t **err);

/* In the init: open a new pty from /dev/ptmx (the container's devpts), make its slave the
 * controlling terminal and stdio, set the size when given; bind_console: bind it over
 * /dev/console too (the init, as runc; exec leaves the container's console alone).  Returns
 * the master fd. */
int terminal_setup_child(bool has_size, uint32_t rows, uint32_t cols, bool bind_console,
			 bc_error_t **err);

/* `run` in the foreground with a terminal: copy stdin to master and master to stdout (stdin
 * in raw mode when it is a terminal) until pidfd says the process exited. */
int terminal_proxy(int master, int pidfd, bc_error_t **err);

#endif
