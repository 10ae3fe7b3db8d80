/* SPDX-License-Identifier: MIT */
#ifndef BARCO_NETDEV_H
#define BARCO_NETDEV_H

#include <sys/types.h>

#include "barco/error.h"
#include "barco/spec.h"

/* linux.netDevices (config-linux.md): host interfaces moved into the container's network
 * namespace, renamed when asked, with their permanent global addresses, and set up.  They
 * are never moved back: the kernel destroys virtual ones with the namespace and returns
 * physical ones to the initial namespace. */

/* At create, before anything exists: valid interface names and a network namespace in
 * linux.namespaces that is not the runtime's own (a path to it is refused, as runc does). */
int netdev_validate(const bc_spec_t *spec, bc_error_t **err);

/* In the runtime, once the init exists in its network namespace and before it is told to go
 * on: move every device into netns_fd (the namespace joined by path), or, when it is -1, into
 * the network namespace of pid (a new one). */
int netdev_move_all(const bc_spec_t *spec, pid_t pid, int netns_fd, bc_error_t **err);

#endif
