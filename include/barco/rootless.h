/* SPDX-License-Identifier: MIT */
#ifndef BARCO_ROOTLESS_H
#define BARCO_ROOTLESS_H

/*
 * Rootless mode: barco run by an unprivileged user, with no setuid helper of its own.
 *  - The mode: `--rootless[=true|false|auto]`; auto (the default) is "euid != 0".
 *  - The default state root: $XDG_RUNTIME_DIR/barco, else /tmp/barco-UID, a directory that
 *    must be ours, real (no symlink) and private (0700).
 *  - A config without a user namespace gets one, mapping container 0 to the caller's euid
 *    and egid (the only maps an unprivileged process may write itself).
 *  - Maps other than the caller's own id (several ranges, subordinate ids) are written by
 *    the system's setuid newuidmap/newgidmap (Debian's uidmap package), which check them
 *    against /etc/subuid and /etc/subgid; found by absolute path only.
 *  - cgroups (cgroup.c): used only in a delegated (writable) cgroup v2 subtree.
 * L2 with no other dependency than error, log and util: any layer above may use it.
 */

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "barco/error.h"
#include "barco/spec.h"

/* --rootless: NULL (no value) or "true", "false", "auto". */
int rootless_set_mode(const char *value, bc_error_t **err);
/* Whether barco runs in rootless mode (the flag, or auto and euid != 0). */
bool rootless_enabled(void);

/* The default state root in rootless mode, made (or checked) private to the caller. */
char *rootless_default_root(bc_error_t **err);

/* In rootless mode, a config with no user namespace at all (neither new nor joined) and
 * no mappings gets a new one mapping 0 to the caller's euid and egid (size 1). */
void rootless_adjust_spec(bc_spec_t *spec);

/* Whether the maps can be written by this process itself: as root, or one line mapping
 * our own id (size 1).  id is the euid (uid_map) or egid (gid_map). */
bool rootless_map_is_own(const bc_id_mapping_t *m, size_t n, unsigned int id);

/* Write PID's uid_map (gid = false) or gid_map with newuidmap/newgidmap.  The message of a
 * failure carries the tool's own first line ("newuidmap: uid range [...] not allowed"). */
int rootless_map_with_helper(pid_t pid, bool gid, const bc_id_mapping_t *m, size_t n,
			     bc_error_t **err);

#endif
