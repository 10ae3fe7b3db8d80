/* SPDX-License-Identifier: MIT */
/*
 * Idmapped bind mounts, made by the runtime and attached by the init.  MOUNT_ATTR_IDMAP needs
 * CAP_SYS_ADMIN over the user namespace of the source's superblock (the host's) and a mount
 * that is not attached anywhere yet: only the runtime, still in the host's namespaces, has
 * both, with open_tree(OPEN_TREE_CLONE).  The init, in the container's user namespace, can
 * still move a detached mount into its own mount namespace.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "barco/idmap.h"
#include "barco/log.h"
#include "barco/sync.h"
#include "barco/util.h"

#include "mount_compat.h"

static bool idmap_wanted_opts(const bc_mount_t *m, const bc_mount_opts_t *o)
{
	return o->idmap || m->n_uid_mappings > 0 || m->n_gid_mappings > 0;
}

bool idmap_mount_wanted(const bc_mount_t *m)
{
	cleanup_opts bc_mount_opts_t o = {0};

	mounts_parse_options(m->options, &o, NULL);
	return idmap_wanted_opts(m, &o);
}

size_t idmap_count(const bc_spec_t *spec)
{
	size_t n = 0;

	for (size_t i = 0; i < spec->n_mounts; i++)
		if (idmap_mount_wanted(&spec->mounts[i]))
			n++;
	return n;
}

static int idmap_validate_one(const bc_mount_t *m, bool userns, bc_error_t **err)
{
	cleanup_opts bc_mount_opts_t o = {0};
	cleanup_free char *shown = NULL;
	bool bind;

	if (mounts_parse_options(m->options, &o, err) < 0)
		return -1;
	if (!idmap_wanted_opts(m, &o))
		return 0;
	bind = mounts_is_bind(m, &o);
	shown = mounts_describe(m, bind);
	if (!bind)
		return bc_error_set(err, 0,
				    "%s: idmapped mounts (idmap, ridmap, uidMappings) are only "
				    "supported for bind mounts",
				    shown);
	if ((m->n_uid_mappings > 0) != (m->n_gid_mappings > 0))
		return bc_error_set(
		    err, 0, "%s: uidMappings and gidMappings must be given together", shown);
	if (m->n_uid_mappings == 0 && !userns)
		return bc_error_set(err, 0,
				    "%s: idmap without uidMappings and gidMappings for the mount "
				    "needs a user namespace in linux.namespaces",
				    shown);
	if (m->source == NULL || *m->source == '\0')
		return bc_error_set(err, 0, "%s: an idmapped mount needs a source", shown);
	return 0;
}

int idmap_validate(const bc_spec_t *spec, bc_error_t **err)
{
	bool userns = bc_spec_namespace(spec, BC_NS_USER) != NULL;

	for (size_t i = 0; i < spec->n_mounts; i++)
		if (idmap_validate_one(&spec->mounts[i], userns, err) < 0)
			return -1;
	return 0;
}

void idmap_mount_attrs(const bc_mount_opts_t *o, uint64_t *attr_set, uint64_t *attr_clr)
{
	static const struct {
		unsigned long ms;
		uint64_t attr;
	} map[] = {
	    {MS_RDONLY, MOUNT_ATTR_RDONLY},	    {MS_NOSUID, MOUNT_ATTR_NOSUID},
	    {MS_NODEV, MOUNT_ATTR_NODEV},	    {MS_NOEXEC, MOUNT_ATTR_NOEXEC},
	    {MS_NODIRATIME, MOUNT_ATTR_NODIRATIME}, {MS_NOSYMFOLLOW, MOUNT_ATTR_NOSYMFOLLOW},
	};
	const unsigned long atime = MS_NOATIME | MS_RELATIME | MS_STRICTATIME;

	*attr_set = 0;
	*attr_clr = 0;
	for (size_t i = 0; i < BC_ARRAY_SIZE(map); i++) {
		if (o->flags & map[i].ms)
			*attr_set |= map[i].attr;
		else if (o->clear & map[i].ms)
			*attr_clr |= map[i].attr;
	}
	/* One atime mode, as mount(2) picks it: strictatime over noatime, else relatime. */
	if ((o->flags | o->clear) & atime) {
		*attr_clr |= MOUNT_ATTR__ATIME;
		if (o->flags & MS_STRICTATIME)
			*attr_set |= MOUNT_ATTR_STRICTATIME;
		else if (o->flags & MS_NOATIME)
			*attr_set |= MOUNT_ATTR_NOATIME;
		else
			*attr_set |= MOUNT_ATTR_RELATIME;
	}
}

/* ---- the runtime's side ---- */

/* /proc/PID/ns/user: the last component is the magic link, followed on purpose. */
static int idmap_open_userns(pid_t pid, bc_error_t **err)
{
	char rel[32];
	cleanup_close int dir = -1;
	int fd;

	snprintf(rel, sizeof(rel), "%d/ns", (int)pid);
	dir = bc_procfs_open(rel, O_PATH | O_DIRECTORY, err);
	if (dir < 0)
		return -1;
	fd = openat(dir, "user", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return bc_error_errno(err, "open /proc/%d/ns/user", (int)pid);
	return fd;
}

static int idmap_write_map(pid_t pid, const char *file, const char *field,
			   const bc_id_mapping_t *map, size_t n, const char *shown,
			   bc_error_t **err)
{
	cleanup_free char *buf = bc_xmalloc(n * 36 + 1);
	cleanup_close int fd = -1;
	char rel[32];
	size_t len = 0;

	for (size_t i = 0; i < n; i++)
		len += (size_t)sprintf(buf + len, "%u %u %u\n", map[i].container_id, map[i].host_id,
				       map[i].size);
	snprintf(rel, sizeof(rel), "%d/%s", (int)pid, file);
	fd = bc_procfs_open(rel, O_WRONLY, err);
	if (fd < 0)
		return bc_error_wrap(err, "%s", shown);
	/* The kernel takes the whole map in one write or not at all. */
	if (write(fd, buf, len) != (ssize_t)len)
		return bc_error_errno(err, "%s: write %s to /proc/%s", shown, field, rel);
	return 0;
}

static int idmap_userns_maps(pid_t pid, const bc_mount_t *m, const char *shown, bc_error_t **err)
{
	char rel[32];

	if (idmap_write_map(pid, "uid_map", "uidMappings", m->uid_mappings, m->n_uid_mappings,
			    shown, err) < 0)
		return -1;
	snprintf(rel, sizeof(rel), "%d/setgroups", (int)pid);
	if (bc_procfs_write(rel, "deny", err) < 0)
		return bc_error_wrap(err, "%s", shown);
	if (idmap_write_map(pid, "gid_map", "gidMappings", m->gid_mappings, m->n_gid_mappings,
			    shown, err) < 0)
		return -1;
	return 0;
}

/*
 * A user namespace holding exactly m's mappings.  Only a process can own one while the maps
 * are written: a child that does nothing in it but wait for the end of a pipe, which comes
 * when we are done or dead.  (Not getppid(): when the runtime joined a pid namespace for its
 * children, the child cannot see us.)  The fd keeps the namespace alive once it is gone.
 */
static int idmap_userns_for(const bc_mount_t *m, const char *shown, bc_error_t **err)
{
	cleanup_close int rd = -1, wr = -1;
	int p[2], fd = -1;
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) < 0)
		return bc_error_errno(err, "%s: create a pipe", shown);
	rd = p[0];
	wr = p[1];
	/* A NULL stack gives fork semantics, as for the init (spawn.c). */
	pid =
	    (pid_t)syscall(SYS_clone, (unsigned long)CLONE_NEWUSER | SIGCHLD, NULL, NULL, NULL, 0);
	if (pid < 0)
		return bc_error_errno(err, "%s: create a user namespace for its mappings", shown);
	if (pid == 0) {
		char c;

		close(wr);
		while (read(rd, &c, 1) < 0 && errno == EINTR)
			;
		_exit(0);
	}
	if (idmap_userns_maps(pid, m, shown, err) == 0) {
		fd = idmap_open_userns(pid, err);
		if (fd < 0)
			bc_error_wrap(err, "%s", shown);
	}
	close(steal_fd(wr));
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
	return fd;
}

static int idmap_setattr(int mfd, unsigned int flags, struct mount_attr *attr)
{
	return (int)syscall(SYS_mount_setattr, mfd, "", AT_EMPTY_PATH | flags, attr, sizeof(*attr));
}

static int idmap_setattr_error(const char *shown, const char *src, bc_error_t **err)
{
	int e = errno;

	if (e == EINVAL)
		return bc_error_set(err, e,
				    "%s: mount_setattr MOUNT_ATTR_IDMAP (the filesystem of %s "
				    "does not support idmapped mounts, or the mount is idmapped "
				    "already)",
				    shown, src);
	if (e == EPERM)
		return bc_error_set(err, e,
				    "%s: mount_setattr MOUNT_ATTR_IDMAP (idmapping needs "
				    "CAP_SYS_ADMIN over the user namespace owning the filesystem "
				    "of %s)",
				    shown, src);
	return bc_error_set(err, e, "%s: mount_setattr MOUNT_ATTR_IDMAP", shown);
}

/* Idmap first (only a mount never idmapped can be), then the attributes of the mount alone,
 * then the recursive ones. */
static int idmap_apply_attrs(int mfd, const bc_mount_opts_t *o, int userns, const char *src,
			     const char *shown, bc_error_t **err)
{
	struct mount_attr attr = {.attr_set = MOUNT_ATTR_IDMAP, .userns_fd = (uint64_t)userns};
	uint64_t set, clr;

	if (idmap_setattr(mfd, o->ridmap ? AT_RECURSIVE : 0, &attr) < 0)
		return idmap_setattr_error(shown, src, err);
	memset(&attr, 0, sizeof(attr));
	idmap_mount_attrs(o, &set, &clr);
	attr.attr_set = set;
	attr.attr_clr = clr;
	if ((attr.attr_set | attr.attr_clr) && idmap_setattr(mfd, 0, &attr) < 0)
		return bc_error_errno(err, "%s: mount_setattr (mount options)", shown);
	memset(&attr, 0, sizeof(attr));
	attr.attr_set = o->rec_attr_set;
	attr.attr_clr = o->rec_attr_clr;
	if ((attr.attr_set | attr.attr_clr) && idmap_setattr(mfd, AT_RECURSIVE, &attr) < 0)
		return bc_error_errno(err, "%s: mount_setattr (recursive mount options)", shown);
	return 0;
}

int idmap_open_mount(const bc_mount_t *m, const char *bundle, int userns_fd, bc_error_t **err)
{
	cleanup_opts bc_mount_opts_t o = {0};
	cleanup_free char *shown = NULL, *src = NULL;
	cleanup_close int mfd = -1, own_ns = -1;
	unsigned int flags = OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC;

	if (mounts_parse_options(m->options, &o, err) < 0)
		return -1;
	shown = mounts_describe(m, true);
	if (m->source == NULL || *m->source == '\0')
		return bc_error_set(err, 0, "%s: an idmapped mount needs a source", shown);
	if (m->source[0] == '/' || bundle == NULL || *bundle == '\0')
		src = bc_xstrdup(m->source);
	else
		src = bc_xasprintf("%s/%s", bundle, m->source);
	if (o.rbind)
		flags |= AT_RECURSIVE;
	mfd = (int)syscall(SYS_open_tree, AT_FDCWD, src, flags);
	if (mfd < 0 && errno == ENOSYS)
		return bc_error_set(err, 0,
				    "%s: idmapped mounts need open_tree and mount_setattr (Linux "
				    "5.12 or later)",
				    shown);
	if (mfd < 0)
		return bc_error_errno(err, "%s: open_tree %s", shown, src);
	if (m->n_uid_mappings > 0) {
		own_ns = idmap_userns_for(m, shown, err);
		if (own_ns < 0)
			return -1;
		userns_fd = own_ns;
	}
	if (userns_fd < 0)
		return bc_error_set(err, 0,
				    "%s: idmap without uidMappings and gidMappings for the mount "
				    "needs a user namespace in linux.namespaces",
				    shown);
	if (idmap_apply_attrs(mfd, &o, userns_fd, src, shown, err) < 0)
		return -1;
	bc_debug("%s: idmapped%s with %s", shown, o.ridmap ? " recursively" : "",
		 own_ns >= 0 ? "its own mappings" : "the container's user namespace");
	return steal_fd(mfd);
}

int idmap_send_mounts(int sock, const bc_spec_t *spec, const char *bundle, pid_t init_pid,
		      bc_error_t **err)
{
	cleanup_close int userns = -1;

	/* By now the init is in its final user namespace, maps written, joined or new. */
	if (bc_spec_namespace(spec, BC_NS_USER) != NULL) {
		userns = idmap_open_userns(init_pid, err);
		if (userns < 0)
			return bc_error_wrap(err,
					     "idmapped mounts: the container's user namespace");
	}
	for (size_t i = 0; i < spec->n_mounts; i++) {
		cleanup_close int fd = -1;

		if (!idmap_mount_wanted(&spec->mounts[i]))
			continue;
		fd = idmap_open_mount(&spec->mounts[i], bundle, userns, err);
		if (fd < 0)
			return -1;
		if (sync_send_fd(sock, BC_SYNC_MOUNT_FD, (int64_t)i, fd, err) < 0)
			return -1;
	}
	return 0;
}

/* ---- the init's side ---- */

void idmap_free_fds(int *fds, size_t n)
{
	for (size_t i = 0; fds && i < n; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	free(fds);
}

int idmap_receive_mounts(int sock, const bc_spec_t *spec, int **fds, bc_error_t **err)
{
	size_t want = idmap_count(spec);
	int *got;

	*fds = NULL;
	if (want == 0)
		return 0;
	got = bc_xcalloc(spec->n_mounts, sizeof(int));
	for (size_t i = 0; i < spec->n_mounts; i++)
		got[i] = -1;
	if (sync_send(sock, BC_SYNC_MOUNT_FDS, 0, (int64_t)want, NULL, err) < 0)
		goto fail;
	for (size_t k = 0; k < want; k++) {
		bc_sync_msg_t msg;
		int fd = -1;

		if (sync_expect_fd(sock, BC_SYNC_MOUNT_FD, &msg, &fd, err) < 0) {
			bc_error_wrap(err, "receive the idmapped mounts");
			goto fail;
		}
		if (msg.value < 0 || (uint64_t)msg.value >= spec->n_mounts || got[msg.value] >= 0 ||
		    !idmap_mount_wanted(&spec->mounts[msg.value])) {
			close(fd);
			bc_error_set(err, 0,
				     "receive the idmapped mounts: unexpected mount fd for "
				     "mounts[%lld]",
				     (long long)msg.value);
			goto fail;
		}
		got[msg.value] = fd;
	}
	*fds = got;
	return 0;
fail:
	idmap_free_fds(got, spec->n_mounts);
	return -1;
}

int idmap_attach(int rootfd, const bc_mount_t *m, int mntfd, bc_error_t **err)
{
	cleanup_opts bc_mount_opts_t o = {0};
	cleanup_free char *shown = mounts_describe(m, true);
	cleanup_free char *dest = NULL;
	cleanup_close int tfd = -1, mfd = -1;
	struct stat st;
	char path[32];

	if (mounts_parse_options(m->options, &o, err) < 0)
		return -1;
	if (m->destination == NULL || rootfs_clean_path(m->destination, &dest) < 0)
		return bc_error_set(err, 0, "%s: the destination escapes the rootfs", shown);
	if (fstat(mntfd, &st) < 0)
		return bc_error_errno(err, "%s: stat the idmapped mount", shown);
	tfd = rootfs_open_in_root(rootfd, dest, 0, NULL);
	if (tfd < 0 && errno != ENOENT)
		return bc_error_errno(err, "%s: open the mount point", shown);
	if (tfd < 0) {
		tfd = rootfs_mkpath_in_root(rootfd, dest,
					    S_ISDIR(st.st_mode) ? 0 : ROOTFS_RESOLVE_MKFILE, err);
		if (tfd < 0)
			return bc_error_wrap(err, "%s: create the mount point", shown);
	}
	if (syscall(SYS_move_mount, mntfd, "", tfd, "",
		    MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
		return bc_error_errno(err, "%s: move_mount", shown);
	if (o.propagation == 0)
		return 0;
	/* tfd names the covered mount point: the new mount is found by path again. */
	mfd = rootfs_open_in_root(rootfd, dest, 0, err);
	if (mfd < 0)
		return bc_error_wrap(err, "%s", shown);
	snprintf(path, sizeof(path), "/proc/self/fd/%d", mfd);
	if (mount("", path, NULL, o.propagation, NULL) < 0)
		return bc_error_errno(err, "%s: set propagation", shown);
	return 0;
}
