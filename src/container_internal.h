/* SPDX-License-Identifier: MIT */
#ifndef BARCO_CONTAINER_INTERNAL_H
#define BARCO_CONTAINER_INTERNAL_H

/* What container.c (the lifecycle: create, start, state, kill, delete, list) shares with
 * container_ops.c (the commands on a live container: pause, resume, ps, update, events,
 * exec).  Private to those two files. */

#include <stdbool.h>
#include <sys/types.h>

#include "barco/cgroup.h"
#include "barco/error.h"
#include "barco/spec.h"
#include "barco/state_json.h"

/* The state directory's copy of the bundle's config.json. */
#define CONFIG_COPY "config.json"
/* Written by pause before it freezes, removed by resume: only a container carrying it has
 * its freezer read, so that state and list stay cheap for all others. */
#define PAUSED_MARK "paused"

/* Lock (shared or exclusive) and read the record of container id below the state root
 * `root`; *dirfd_out and *lockfd_out get the entry's directory and lock fds.  _ex: also
 * *unreadable (the record itself failed) and *rootfd_out (the root's fd), both optional. */
bc_state_t *container_open(const char *root, const char *id, bool exclusive, int *dirfd_out,
			   int *lockfd_out, bc_error_t **err);
bc_state_t *container_open_ex(const char *root, const char *id, bool exclusive, int *dirfd_out,
			      int *lockfd_out, bool *unreadable, int *rootfd_out, bc_error_t **err);
/* The config saved at create, parsed. */
bc_spec_t *container_saved_spec(int dirfd, bc_error_t **err);
/* A pidfd for the init, checked against its recorded start time (no recycled pid). */
int container_pidfd(const bc_state_t *st, bc_error_t **err);
/* The pids in the init's pid namespace, for a container without a cgroup of its own. */
int container_ns_pids(const bc_state_t *st, const char *what, pid_t **pids, size_t *n,
		      bc_error_t **err);
/* The container's cgroups, or NULL (not an error) when it has none. */
cgroup_t *container_cgroup(int dirfd, const char *id, const char *what, bc_error_t **err);

#endif
