/* SPDX-License-Identifier: MIT */
#ifndef BARCO_IDMAP_H
#define BARCO_IDMAP_H

/*
 * Idmapped bind mounts (mount options "idmap" and "ridmap", per-mount uidMappings and
 * gidMappings).  The kernel wants CAP_SYS_ADMIN over the user namespace owning the source
 * filesystem (the host's) to idmap a mount, so the runtime makes each one, detached, in its
 * own namespaces (open_tree + mount_setattr MOUNT_ATTR_IDMAP) and passes the mount fd to the
 * init, which attaches it at the destination inside the rootfs (move_mount).
 *
 * The mapping: uidMappings/gidMappings of the mount when given ("containerID hostID size",
 * written as the uid_map/gid_map of a throwaway user namespace), otherwise the container's
 * own user namespace.  As with any idmapped mount, an id N stored on disk shows as the host
 * id that N maps to: with the container's mapping 0 -> 100000, a file owned by 0 on disk is
 * owned by 0 inside the container, and what container root creates is owned by 0 on disk.
 */

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "barco/error.h"
#include "barco/rootfs.h"
#include "barco/spec.h"

/* Whether m is to be idmapped: an "idmap" or "ridmap" option, or mappings of its own
 * (runc 1.2 treats mappings without either option as "idmap"). */
bool idmap_mount_wanted(const bc_mount_t *m);

/* How many of the spec's mounts are idmapped. */
size_t idmap_count(const bc_spec_t *spec);

/*
 * Refuse, before anything is created, what cannot work: an idmapped mount that is no bind
 * mount, uidMappings without gidMappings (or the reverse), and a mount without mappings in
 * a container without a user namespace.  Messages name the mount:
 *   mount /src on /dst (bind): idmap without uidMappings/gidMappings needs a user namespace
 */
int idmap_validate(const bc_spec_t *spec, bc_error_t **err);

/* The per-mount attributes (ro, nosuid, nodev, noexec, atime, nodiratime, nosymfollow) of a
 * bind mount's options as MOUNT_ATTR_* for mount_setattr on the new mount alone. */
void idmap_mount_attrs(const bc_mount_opts_t *o, uint64_t *attr_set, uint64_t *attr_clr);

/*
 * In the runtime, in its own mount and user namespaces: a detached, idmapped copy of m's
 * source (relative sources are taken from bundle), with m's per-mount and recursive
 * attributes applied.  userns_fd is the container's user namespace, used when m has no
 * mappings of its own.  Returns the mount fd (O_CLOEXEC).
 */
int idmap_open_mount(const bc_mount_t *m, const char *bundle, int userns_fd, bc_error_t **err);

/*
 * In the runtime, on the init's BC_SYNC_MOUNT_FDS request: make every idmapped mount of
 * spec (with init_pid's user namespace as the container's) and send each one as
 * BC_SYNC_MOUNT_FD, value = its index in spec->mounts, in spec order.
 */
int idmap_send_mounts(int sock, const bc_spec_t *spec, const char *bundle, pid_t init_pid,
		      bc_error_t **err);

/*
 * In the init, once in its final user namespace: ask the runtime for the idmapped mounts
 * and receive them.  *fds is NULL when the spec has none, else spec->n_mounts entries, the
 * mount fd of each idmapped mount and -1 for the others; free with idmap_free_fds().
 */
int idmap_receive_mounts(int sock, const bc_spec_t *spec, int **fds, bc_error_t **err);
void idmap_free_fds(int *fds, size_t n);

/* In the init: attach the detached mount mntfd at m's destination inside the root opened
 * as rootfd (created when missing, a file when the mount's root is no directory), then
 * apply m's propagation option. */
int idmap_attach(int rootfd, const bc_mount_t *m, int mntfd, bc_error_t **err);

#endif
