/* SPDX-License-Identifier: MIT */
#ifndef BARCO_ROOTFS_H
#define BARCO_ROOTFS_H

#include <stdbool.h>

#include "barco/error.h"
#include "barco/spec.h"

/* Mount option table (mounts.c). */
typedef struct bc_mount_opts {
	unsigned long flags;	   /* MS_* to set */
	unsigned long clear;	   /* MS_* explicitly cleared (rw, dev, suid, exec, ...) */
	unsigned long propagation; /* MS_SHARED/MS_SLAVE/MS_PRIVATE/MS_UNBINDABLE (+MS_REC) */
	bool bind, rbind;
	char *data; /* unknown options joined with ',' (passed to mount(2)); NULL if none */
	/*
	 * bind is true for "bind" and "rbind" (flags then hold MS_BIND, plus MS_REC for rbind);
	 * rbind only for "rbind".  The members below are additions: recursive "r*" options
	 * (rro, rnosuid, ratime, ...) as MOUNT_ATTR_* for mount_setattr(AT_RECURSIVE); idmap
	 * for "idmap" and "ridmap" (ridmap also sets ridmap); tmpcopyup is recognised only.
	 */
	unsigned long rec_attr_set, rec_attr_clr;
	bool idmap, ridmap;
	bool tmpcopyup;
} bc_mount_opts_t;

/* Parse a mount's options.  Unknown option words go to data. */
int mounts_parse_options(char *const *options, bc_mount_opts_t *out, bc_error_t **err);
/* The i-th option word mounts_parse_options recognises (never passed to mount(2) as data)
 * and implements, or NULL past the last: `barco features` lists them.  "tmpcopyup" is left
 * out: it is taken with a warning, but nothing is copied up yet. */
const char *mounts_option_name(size_t i);
void mounts_opts_free(bc_mount_opts_t *o);
void mounts_opts_freep(bc_mount_opts_t *o);
#define cleanup_opts __attribute__((cleanup(mounts_opts_freep)))
/* A bind mount: the bind/rbind option or type "bind". */
bool mounts_is_bind(const bc_mount_t *m, const bc_mount_opts_t *o);
/* For messages: "mount proc on /proc", "mount /src on /dst (bind)". */
char *mounts_describe(const bc_mount_t *m, bool bind);
/* Parse rootfsPropagation ("rprivate", "shared", ...) to MS_* flags; -1 on unknown. */
int mounts_parse_propagation(const char *s, unsigned long *flags, bc_error_t **err);

/*
 * In the container's init, inside its new mount namespace: set up the whole filesystem
 * view and switch root.  Steps, in runc's order: make / rslave/rprivate as asked by
 * rootfsPropagation (default rprivate); bind the rootfs onto itself; every spec mount in
 * order (destinations resolved inside the rootfs, never through a symlink out of it);
 * the default /dev when the bundle mounts none (tmpfs + null zero full random urandom tty,
 * ptmx -> pts/ptmx, fd/stdin/stdout/stderr links, pts and shm come from spec mounts);
 * linux.devices; pivot_root (or MS_MOVE + chroot with no_pivot); maskedPaths and
 * readonlyPaths; root.readonly.  On return, cwd is the new "/".
 * `rootfs` is an absolute host path.  Errors: "mount proc on /proc: Operation not permitted".
 */
int rootfs_setup(const bc_spec_t *spec, const char *rootfs, bool no_pivot, bc_error_t **err);

/*
 * rootfs_setup() in two halves, so the createContainer hooks can run between them:
 * rootfs_prepare() does propagation, the rootfs bind, the spec mounts, /dev, linux.devices
 * and creates process.cwd; rootfs_finish() does readonlyPaths, maskedPaths, the delayed
 * read-only remounts (tmpfs, /dev), root.readonly, then pivot_root (or MS_MOVE + chroot).
 * mount_fds: NULL, or one entry per spec mount: a detached mount made by the runtime to
 * attach in its place (idmapped mounts, idmap.h), -1 for a mount made here.  An idmapped
 * mount without one is refused before anything is mounted (rootfs_setup() has none).
 */
int rootfs_prepare(const bc_spec_t *spec, const char *rootfs, const int *mount_fds,
		   bc_error_t **err);
int rootfs_finish(const bc_spec_t *spec, const char *rootfs, bool no_pivot, bc_error_t **err);

/* ---- path resolution inside a root directory (rootfs.c) ---- */
enum {
	ROOTFS_RESOLVE_NOFOLLOW = 1u << 0, /* a symlink as last component is opened, not followed */
	ROOTFS_RESOLVE_MANUAL = 1u << 1,   /* skip openat2: walk component by component (tests) */
	ROOTFS_RESOLVE_MKFILE = 1u << 2, /* rootfs_mkpath_in_root: create the last one as a file */
};

/*
 * Clean a path lexically ("a//b/./c/" -> "/a/b/c"), relative paths taken from "/".
 * Returns 0 and a malloc'd *out, or -1 (errno EXDEV, *out NULL) when ".." climbs above "/".
 */
int rootfs_clean_path(const char *path, char **out);

/*
 * Open path as an O_PATH|O_CLOEXEC fd, resolving every symlink and ".." as if rootfd were
 * "/" (openat2 RESOLVE_IN_ROOT|RESOLVE_NO_MAGICLINKS, or a manual walk where openat2 is
 * missing): nothing outside rootfd is ever reached.  Returns the fd, or -1 with errno set
 * and *err (err may be NULL) "open PATH in the rootfs: ...".
 */
int rootfs_open_in_root(int rootfd, const char *path, unsigned int flags, bc_error_t **err);

/*
 * Like rootfs_open_in_root, creating what is missing: directories (0755), and with
 * ROOTFS_RESOLVE_MKFILE an empty file (0644) as the last component.  A dangling symlink is
 * followed inside the root and its target created there.
 */
int rootfs_mkpath_in_root(int rootfd, const char *path, unsigned int flags, bc_error_t **err);

/* ---- applying one mount (mounts.c) ---- */
/*
 * Mount m inside the root opened as rootfd (destination resolved in it, created when
 * missing).  cgroupns: the caller is in a new cgroup namespace (affects "cgroup" mounts).
 * A tmpfs, or any mount on /dev, stays writable even with "ro": rootfs_finish() makes it
 * read-only once /dev and the mount points beneath are in place (mounts_ro_delayed()).
 */
int mounts_apply(int rootfd, const bc_mount_t *m, bool cgroupns, bc_error_t **err);
/* linux.mountLabel for the mounts that follow (NULL: none); mounts_label_data adds it to a
 * filesystem's mount data (a new string, or NULL for NULL data without a label). */
void mounts_set_label(const char *label);
char *mounts_label_data(const char *type, const char *data);
bool mounts_ro_delayed(const bc_mount_t *m, const bc_mount_opts_t *o);
/* The mount holding path (deepest mount point above it, from /proc/self/mountinfo), and
 * whether it is shared.  *mountpoint is malloc'd. */
int mounts_find_parent(const char *path, char **mountpoint, bool *shared, bc_error_t **err);
/* Remount the mount whose root fd is open (O_PATH is fine) read-only, keeping nosuid,
 * nodev, noexec and atime flags, as a locked mount in a user namespace requires. */
int mounts_remount_ro(int fd, const char *shown, bc_error_t **err);

#endif
