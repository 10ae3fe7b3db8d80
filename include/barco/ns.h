/* SPDX-License-Identifier: MIT */
#ifndef BARCO_NS_H
#define BARCO_NS_H

#include <stdbool.h>
#include <sys/types.h>

#include "barco/error.h"
#include "barco/spec.h"

/* Namespaces the container joins by path, opened up front (in the runtime's own mount
 * namespace) so that joining one mount namespace cannot change what the next path means. */
typedef struct bc_ns_fds {
	int fd[BC_NS_TYPE_COUNT]; /* -1 when not joined */
} bc_ns_fds_t;

/* CLONE_NEW* flags of the namespaces to create (listed without a path), except time (see
 * ns_prepare_parent). */
int ns_new_flags(const bc_spec_t *spec);

/* Validate the namespace list against the rest of the config (hostname needs uts, ...). */
int ns_validate(const bc_spec_t *spec, bc_error_t **err);

int ns_open_paths(const bc_spec_t *spec, bc_ns_fds_t *fds, bc_error_t **err);
void ns_close_fds(bc_ns_fds_t *fds);
/* Whether any namespace but pid and time (joined by the runtime itself) is joined. */
bool ns_any_joined(const bc_ns_fds_t *fds);

/* In the runtime, just before clone: join the pid namespace given by path (only affects the
 * children) and create the time namespace with its offsets (only possible by unshare, and
 * the offsets must be written before a process enters it).  The runtime's own namespaces for
 * its children are kept in *saved, for ns_restore_parent (also after a failure here). */
int ns_prepare_parent(const bc_spec_t *spec, const bc_ns_fds_t *fds, bc_ns_fds_t *saved,
		      bc_error_t **err);

/* In the runtime, right after clone: back to its own pid and time namespaces for whatever it
 * forks later (hooks run in the runtime namespace), and close *saved. */
void ns_restore_parent(bc_ns_fds_t *saved);

/* In the init: join every namespace opened by ns_open_paths but pid, user first. */
int ns_join(const bc_ns_fds_t *fds, bc_error_t **err);

/* In the runtime: write uid_map and gid_map of a child in a new user namespace. */
int ns_write_id_maps(pid_t pid, const bc_spec_t *spec, bc_error_t **err);

#endif
