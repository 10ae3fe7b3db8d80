/* SPDX-License-Identifier: MIT */
/*
 * Mount options and applying one spec mount inside the rootfs.  Every mount target is an
 * fd resolved inside the rootfs and reached through /proc/self/fd/N, so a symlink planted
 * in the image can never redirect a mount to the host (CVE-2021-30465 class).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "barco/idmap.h"
#include "barco/log.h"
#include "barco/lsm.h"
#include "barco/rootfs.h"
#include "barco/util.h"

#include "mount_compat.h"

#ifndef ST_NOSYMFOLLOW
#define ST_NOSYMFOLLOW 0x2000
#endif
#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif

/* Flags a bind remount can change per mount; the rest belong to the superblock. */
#define PER_MOUNT_FLAGS                                                                            \
	(MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_NOATIME | MS_NODIRATIME | MS_RELATIME | \
	 MS_STRICTATIME | MS_NOSYMFOLLOW)
#define ATIME_FLAGS (MS_NOATIME | MS_RELATIME | MS_STRICTATIME)

enum opt_kind {
	OPT_SET,      /* MS_* set */
	OPT_CLEAR,    /* MS_* cleared */
	OPT_PROP,     /* propagation */
	OPT_REC_SET,  /* MOUNT_ATTR_* set recursively */
	OPT_REC_CLR,  /* MOUNT_ATTR_* cleared recursively */
	OPT_REC_TIME, /* MOUNT_ATTR_ atime mode: an enum, so __ATIME is cleared too */
	OPT_BIND,
	OPT_RBIND,
	OPT_IDMAP,
	OPT_RIDMAP,
	OPT_TMPCOPYUP,
	OPT_IGNORE,
};

struct mount_opt {
	const char *name;
	enum opt_kind kind;
	unsigned long value;
};

static const struct mount_opt mount_opts[] = {
    {"defaults", OPT_SET, 0},
    {"ro", OPT_SET, MS_RDONLY},
    {"rw", OPT_CLEAR, MS_RDONLY},
    {"suid", OPT_CLEAR, MS_NOSUID},
    {"nosuid", OPT_SET, MS_NOSUID},
    {"dev", OPT_CLEAR, MS_NODEV},
    {"nodev", OPT_SET, MS_NODEV},
    {"exec", OPT_CLEAR, MS_NOEXEC},
    {"noexec", OPT_SET, MS_NOEXEC},
    {"sync", OPT_SET, MS_SYNCHRONOUS},
    {"async", OPT_CLEAR, MS_SYNCHRONOUS},
    {"dirsync", OPT_SET, MS_DIRSYNC},
    {"remount", OPT_SET, MS_REMOUNT},
    {"mand", OPT_SET, MS_MANDLOCK},
    {"nomand", OPT_CLEAR, MS_MANDLOCK},
    {"atime", OPT_CLEAR, MS_NOATIME},
    {"noatime", OPT_SET, MS_NOATIME},
    {"diratime", OPT_CLEAR, MS_NODIRATIME},
    {"nodiratime", OPT_SET, MS_NODIRATIME},
    {"relatime", OPT_SET, MS_RELATIME},
    {"norelatime", OPT_CLEAR, MS_RELATIME},
    {"strictatime", OPT_SET, MS_STRICTATIME},
    {"nostrictatime", OPT_CLEAR, MS_STRICTATIME},
    {"lazytime", OPT_SET, MS_LAZYTIME},
    {"nolazytime", OPT_CLEAR, MS_LAZYTIME},
    {"silent", OPT_SET, MS_SILENT},
    {"loud", OPT_CLEAR, MS_SILENT},
    {"iversion", OPT_SET, MS_I_VERSION},
    {"noiversion", OPT_CLEAR, MS_I_VERSION},
    {"acl", OPT_SET, MS_POSIXACL},
    {"noacl", OPT_CLEAR, MS_POSIXACL},
    {"symfollow", OPT_CLEAR, MS_NOSYMFOLLOW},
    {"nosymfollow", OPT_SET, MS_NOSYMFOLLOW},
    {"bind", OPT_BIND, MS_BIND},
    {"rbind", OPT_RBIND, MS_BIND | MS_REC},
    {"shared", OPT_PROP, MS_SHARED},
    {"rshared", OPT_PROP, MS_SHARED | MS_REC},
    {"slave", OPT_PROP, MS_SLAVE},
    {"rslave", OPT_PROP, MS_SLAVE | MS_REC},
    {"private", OPT_PROP, MS_PRIVATE},
    {"rprivate", OPT_PROP, MS_PRIVATE | MS_REC},
    {"unbindable", OPT_PROP, MS_UNBINDABLE},
    {"runbindable", OPT_PROP, MS_UNBINDABLE | MS_REC},
    {"rro", OPT_REC_SET, MOUNT_ATTR_RDONLY},
    {"rrw", OPT_REC_CLR, MOUNT_ATTR_RDONLY},
    {"rnosuid", OPT_REC_SET, MOUNT_ATTR_NOSUID},
    {"rsuid", OPT_REC_CLR, MOUNT_ATTR_NOSUID},
    {"rnodev", OPT_REC_SET, MOUNT_ATTR_NODEV},
    {"rdev", OPT_REC_CLR, MOUNT_ATTR_NODEV},
    {"rnoexec", OPT_REC_SET, MOUNT_ATTR_NOEXEC},
    {"rexec", OPT_REC_CLR, MOUNT_ATTR_NOEXEC},
    {"rnodiratime", OPT_REC_SET, MOUNT_ATTR_NODIRATIME},
    {"rdiratime", OPT_REC_CLR, MOUNT_ATTR_NODIRATIME},
    {"rnosymfollow", OPT_REC_SET, MOUNT_ATTR_NOSYMFOLLOW},
    {"rsymfollow", OPT_REC_CLR, MOUNT_ATTR_NOSYMFOLLOW},
    /* The atime modes are one field: the negative forms fall back to the default, relatime,
     * except "rnorelatime", which asks for updates on every access. */
    {"rnoatime", OPT_REC_TIME, MOUNT_ATTR_NOATIME},
    {"ratime", OPT_REC_TIME, MOUNT_ATTR_RELATIME},
    {"rrelatime", OPT_REC_TIME, MOUNT_ATTR_RELATIME},
    {"rnorelatime", OPT_REC_TIME, MOUNT_ATTR_STRICTATIME},
    {"rstrictatime", OPT_REC_TIME, MOUNT_ATTR_STRICTATIME},
    {"rnostrictatime", OPT_REC_TIME, MOUNT_ATTR_RELATIME},
    {"idmap", OPT_IDMAP, 0},
    {"ridmap", OPT_RIDMAP, 0},
    {"tmpcopyup", OPT_TMPCOPYUP, 0},
    {"notmpcopyup", OPT_IGNORE, 0},
    {"nocopyup", OPT_IGNORE, 0},
};

static const struct mount_opt *mounts_find_opt(const char *name)
{
	for (size_t i = 0; i < BC_ARRAY_SIZE(mount_opts); i++)
		if (strcmp(mount_opts[i].name, name) == 0)
			return &mount_opts[i];
	return NULL;
}

static void mounts_add_data(bc_mount_opts_t *o, const char *word)
{
	char *joined;

	if (o->data == NULL) {
		o->data = bc_xstrdup(word);
		return;
	}
	joined = bc_xasprintf("%s,%s", o->data, word);
	free(o->data);
	o->data = joined;
}

/* Later words override earlier ones, as with mount(8): "ro,rw" is rw. */
static void mounts_apply_opt(bc_mount_opts_t *o, const struct mount_opt *opt)
{
	switch (opt->kind) {
	case OPT_SET:
		o->flags |= opt->value;
		o->clear &= ~opt->value;
		break;
	case OPT_CLEAR:
		o->clear |= opt->value;
		o->flags &= ~opt->value;
		break;
	case OPT_PROP:
		o->propagation = opt->value;
		break;
	case OPT_REC_SET:
		o->rec_attr_set |= opt->value;
		o->rec_attr_clr &= ~opt->value;
		break;
	case OPT_REC_CLR:
		o->rec_attr_clr |= opt->value;
		o->rec_attr_set &= ~opt->value;
		break;
	case OPT_REC_TIME:
		o->rec_attr_set =
		    (o->rec_attr_set & ~(unsigned long)MOUNT_ATTR__ATIME) | opt->value;
		o->rec_attr_clr |= MOUNT_ATTR__ATIME;
		break;
	case OPT_RBIND:
		o->rbind = true;
		/* fall through */
	case OPT_BIND:
		o->bind = true;
		o->flags |= opt->value;
		break;
	case OPT_RIDMAP:
		o->ridmap = true;
		/* fall through */
	case OPT_IDMAP:
		o->idmap = true;
		break;
	case OPT_TMPCOPYUP:
		o->tmpcopyup = true;
		break;
	case OPT_IGNORE:
		break;
	}
}

const char *mounts_option_name(size_t i)
{
	for (size_t k = 0; k < BC_ARRAY_SIZE(mount_opts); k++) {
		/* tmpcopyup is taken, with a warning, but nothing is copied up yet. */
		if (mount_opts[k].kind == OPT_TMPCOPYUP)
			continue;
		if (i-- == 0)
			return mount_opts[k].name;
	}
	return NULL;
}

int mounts_parse_options(char *const *options, bc_mount_opts_t *out, bc_error_t **err)
{
	memset(out, 0, sizeof(*out));
	for (size_t i = 0; options && options[i]; i++) {
		const struct mount_opt *opt;

		if (options[i][0] == '\0')
			continue;
		opt = mounts_find_opt(options[i]);
		if (opt)
			mounts_apply_opt(out, opt);
		else
			mounts_add_data(out, options[i]);
	}
	return 0;
}

void mounts_opts_free(bc_mount_opts_t *o)
{
	if (o == NULL)
		return;
	free(o->data);
	o->data = NULL;
}

int mounts_parse_propagation(const char *s, unsigned long *flags, bc_error_t **err)
{
	const struct mount_opt *opt;

	/* runc makes "/" rslave by default; barco follows the header contract: rprivate. */
	if (s == NULL) {
		*flags = MS_REC | MS_PRIVATE;
		return 0;
	}
	opt = mounts_find_opt(s);
	if (opt == NULL || opt->kind != OPT_PROP)
		return bc_error_set(err, 0,
				    "unknown mount propagation \"%s\" (expected shared, slave, "
				    "private, unbindable or their r* forms)",
				    s);
	*flags = opt->value;
	return 0;
}

/* ---- applying ---- */

static void mounts_fd_path(char *buf, size_t len, int fd)
{
	snprintf(buf, len, "/proc/self/fd/%d", fd);
}

void mounts_opts_freep(bc_mount_opts_t *o)
{
	mounts_opts_free(o);
}

bool mounts_is_bind(const bc_mount_t *m, const bc_mount_opts_t *o)
{
	return o->bind || (m->type && strcmp(m->type, "bind") == 0);
}

char *mounts_describe(const bc_mount_t *m, bool bind)
{
	const char *src = m->source ? m->source : "none";
	const char *kind = bind ? "bind" : m->type;
	const char *dest = m->destination ? m->destination : "(no destination)";

	if (kind == NULL || strcmp(kind, src) == 0)
		return bc_xasprintf("mount %s on %s", src, dest);
	return bc_xasprintf("mount %s on %s (%s)", src, dest, kind);
}

static unsigned long mounts_statvfs_to_ms(unsigned long st)
{
	static const struct {
		unsigned long st, ms;
	} map[] = {
	    {ST_RDONLY, MS_RDONLY},	{ST_NOSUID, MS_NOSUID},
	    {ST_NODEV, MS_NODEV},	{ST_NOEXEC, MS_NOEXEC},
	    {ST_NOATIME, MS_NOATIME},	{ST_NODIRATIME, MS_NODIRATIME},
	    {ST_RELATIME, MS_RELATIME}, {ST_NOSYMFOLLOW, MS_NOSYMFOLLOW},
	};
	unsigned long ms = 0;

	for (size_t i = 0; i < BC_ARRAY_SIZE(map); i++)
		if (st & map[i].st)
			ms |= map[i].ms;
	/* Neither noatime nor relatime means strictatime; without saying so the kernel would
	 * pick relatime, which a user namespace refuses on a mount with locked atime. */
	if (!(ms & (MS_NOATIME | MS_RELATIME)))
		ms |= MS_STRICTATIME;
	return ms;
}

/*
 * Bind remount: set `set`, drop `clear`, keep every other per-mount flag the mount has now.
 * Keeping them is what lets this work on locked mounts (user namespaces) and means a
 * nosuid source stays nosuid unless the spec says "suid".
 */
static int mounts_bind_remount(int fd, unsigned long set, unsigned long clear, const char *shown,
			       bc_error_t **err)
{
	char path[32];
	struct statvfs sv;
	unsigned long keep, flags;

	if (fstatvfs(fd, &sv) < 0)
		return bc_error_errno(err, "%s: statvfs", shown);
	keep = mounts_statvfs_to_ms(sv.f_flag) & ~clear;
	if ((set | clear) & ATIME_FLAGS)
		keep &= ~ATIME_FLAGS;
	flags = ((set | keep) & PER_MOUNT_FLAGS) | MS_BIND | MS_REMOUNT;
	mounts_fd_path(path, sizeof(path), fd);
	if (mount("", path, NULL, flags, NULL) < 0)
		return bc_error_errno(err, "%s: remount", shown);
	return 0;
}

int mounts_remount_ro(int fd, const char *shown, bc_error_t **err)
{
	return mounts_bind_remount(fd, MS_RDONLY, 0, shown, err);
}

bool mounts_ro_delayed(const bc_mount_t *m, const bc_mount_opts_t *o)
{
	cleanup_free char *dest = NULL;

	if (!(o->flags & MS_RDONLY) || mounts_is_bind(m, o) || m->destination == NULL)
		return false;
	if (m->type && strcmp(m->type, "tmpfs") == 0)
		return true;
	return rootfs_clean_path(m->destination, &dest) == 0 && strcmp(dest, "/dev") == 0;
}

/* Propagation and recursive attributes act on the new mount, reopened by path. */
static int mounts_finish_one(int rootfd, const char *dest, const bc_mount_opts_t *o,
			     const char *shown, bc_error_t **err)
{
	cleanup_close int fd = -1;
	char path[32];

	if (o->propagation == 0 && o->rec_attr_set == 0 && o->rec_attr_clr == 0)
		return 0;
	fd = rootfs_open_in_root(rootfd, dest, 0, err);
	if (fd < 0)
		return bc_error_wrap(err, "%s", shown);
	mounts_fd_path(path, sizeof(path), fd);
	if (o->propagation && mount("", path, NULL, o->propagation, NULL) < 0)
		return bc_error_errno(err, "%s: set propagation", shown);
	if (o->rec_attr_set || o->rec_attr_clr) {
		struct mount_attr attr = {.attr_set = o->rec_attr_set, .attr_clr = o->rec_attr_clr};

		if (syscall(SYS_mount_setattr, fd, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr,
			    sizeof(attr)) < 0) {
			if (errno == ENOSYS)
				return bc_error_set(
				    err, 0,
				    "%s: recursive mount options (rro, rnosuid, ...) "
				    "need mount_setattr (Linux 5.12 or later)",
				    shown);
			return bc_error_errno(err, "%s: mount_setattr", shown);
		}
	}
	return 0;
}

/* Open the destination, creating it when missing; *existed tells which happened. */
static int mounts_open_dest(int rootfd, const char *dest, bool as_file, bool *existed,
			    const char *shown, bc_error_t **err)
{
	int fd = rootfs_open_in_root(rootfd, dest, 0, NULL);

	*existed = fd >= 0;
	if (fd >= 0 || errno != ENOENT) {
		if (fd < 0)
			return bc_error_errno(err, "%s: open the mount point", shown);
		return fd;
	}
	fd = rootfs_mkpath_in_root(rootfd, dest, as_file ? ROOTFS_RESOLVE_MKFILE : 0, err);
	if (fd < 0)
		return bc_error_wrap(err, "%s: create the mount point", shown);
	return fd;
}

/* Files inside /proc that may be mounted over: the ones lxcfs and friends replace (runc's
 * list).  Anything else on procfs (/proc/sys/kernel/core_pattern, /proc/self/attr/...)
 * could turn a host-side write or an LSM label into the container's choice. */
static const char *const proc_mount_allowed[] = {
    "/proc/cpuinfo",
    "/proc/diskstats",
    "/proc/meminfo",
    "/proc/stat",
    "/proc/swaps",
    "/proc/uptime",
    "/proc/loadavg",
    "/proc/slabinfo",
    "/proc/pressure/cpu",
    "/proc/pressure/io",
    "/proc/pressure/memory",
    "/proc/net/dev",
    "/proc/sys/kernel/ns_last_pid",
    "/proc/sys/crypto/fips_enabled",
};

/* CVE-2019-19921 class: the mount point, as resolved in the rootfs (where a symlink may have
 * led), must not be on procfs, but for procfs itself on /proc and the list above. */
static int mounts_check_target(int fd, const bc_mount_t *m, const char *dest, const char *shown,
			       bc_error_t **err)
{
	struct statfs sfs;

	if (fstatfs(fd, &sfs) < 0)
		return bc_error_errno(err, "%s: statfs the mount point", shown);
	if (sfs.f_type != PROC_SUPER_MAGIC)
		return 0;
	/* Only reached with /proc already mounted: another procfs may stack on it. */
	if (strcmp(dest, "/proc") == 0)
		return 0;
	for (size_t i = 0; i < BC_ARRAY_SIZE(proc_mount_allowed); i++)
		if (strcmp(dest, proc_mount_allowed[i]) == 0)
			return 0;
	return bc_error_set(err, 0, "%s: the mount point is inside /proc: refused", shown);
}

/* By the configured path: only procfs (or a bind of a procfs) on /proc, and under /proc only
 * the list above (runc's rule). */
static int mounts_check_proc_dest(const bc_mount_t *m, const char *dest, bool bind,
				  const char *shown, bc_error_t **err)
{
	struct statfs sfs;

	if (!bc_str_has_prefix(dest, "/proc") || (dest[5] != '\0' && dest[5] != '/'))
		return 0;
	if (dest[5] == '\0') {
		if (!bind && m->type && strcmp(m->type, "proc") == 0)
			return 0;
		if (bind && m->source && statfs(m->source, &sfs) == 0 &&
		    sfs.f_type == PROC_SUPER_MAGIC)
			return 0;
		return bc_error_set(err, 0, "%s: only procfs can be mounted on /proc", shown);
	}
	for (size_t i = 0; i < BC_ARRAY_SIZE(proc_mount_allowed); i++)
		if (strcmp(dest, proc_mount_allowed[i]) == 0)
			return 0;
	return bc_error_set(err, 0, "%s: the mount point is inside /proc: refused", shown);
}

/* CVE-2019-16884 / CVE-2023-27561 class: proc and sysfs go on a real directory of the rootfs
 * (or a missing one, created), never through a symlink or onto a file. */
static int mounts_check_pseudo_fs_dest(int rootfd, const char *dest, const char *type,
				       const char *shown, bc_error_t **err)
{
	cleanup_close int fd = -1;
	struct stat st;

	if (strcmp(type, "proc") != 0 && strcmp(type, "sysfs") != 0)
		return 0;
	fd = rootfs_open_in_root(rootfd, dest, ROOTFS_RESOLVE_NOFOLLOW, NULL);
	if (fd < 0 && errno == ENOENT)
		return 0;
	if (fd < 0)
		return bc_error_errno(err, "%s: open the mount point", shown);
	if (fstat(fd, &st) < 0)
		return bc_error_errno(err, "%s: stat the mount point", shown);
	if (!S_ISDIR(st.st_mode))
		return bc_error_set(err, 0,
				    "%s: %s must be mounted on an ordinary directory, not %s",
				    shown, type, S_ISLNK(st.st_mode) ? "a symlink" : "a file");
	return 0;
}

static int mounts_bind(int rootfd, const bc_mount_t *m, const char *dest, const bc_mount_opts_t *o,
		       const char *shown, bc_error_t **err)
{
	cleanup_close int fd = -1, mfd = -1;
	const char *src = m->source ? m->source : "";
	struct stat st;
	bool existed;
	char path[32];

	if (stat(src, &st) < 0)
		return bc_error_errno(err, "%s", shown);
	fd = mounts_open_dest(rootfd, dest, !S_ISDIR(st.st_mode), &existed, shown, err);
	if (fd < 0 || mounts_check_target(fd, m, dest, shown, err) < 0)
		return -1;
	mounts_fd_path(path, sizeof(path), fd);
	if (mount(src, path, NULL, MS_BIND | (o->rbind ? MS_REC : 0), NULL) < 0)
		return bc_error_errno(err, "%s", shown);
	if (!((o->flags | o->clear) & PER_MOUNT_FLAGS))
		return 0;
	/* The fd still names the covered directory; the new mount is found by path again. */
	mfd = rootfs_open_in_root(rootfd, dest, 0, err);
	if (mfd < 0)
		return bc_error_wrap(err, "%s", shown);
	return mounts_bind_remount(mfd, o->flags, o->clear, shown, err);
}

/* linux.mountLabel for this container (only set when SELinux is enabled: lsm_check refuses
 * a label otherwise), added as context= to the filesystems that take one. */
static const char *mount_label;

void mounts_set_label(const char *label)
{
	mount_label = label && *label ? label : NULL;
}

char *mounts_label_data(const char *type, const char *data)
{
	return mount_label ? lsm_mount_data(type, data, mount_label)
			   : (data ? bc_xstrdup(data) : NULL);
}

/* sysfs belongs to a network namespace: a user namespace that doesn't own the network
 * namespace it lives in may not mount a new one (EPERM).  runc binds the runtime's /sys then,
 * and so do we, with the mount's flags applied to every submount (its cgroup and security
 * filesystems included). */
static int mounts_sysfs_bind(int rootfd, const char *dest, const char *path, unsigned long flags,
			     const char *shown, bc_error_t **err)
{
	const bc_mount_opts_t o = {.flags = flags};
	struct mount_attr attr = {0};
	uint64_t set, clr;
	cleanup_close int mfd = -1;

	bc_debug("%s: sysfs refused in this user namespace, binding /sys instead", shown);
	if (mount("/sys", path, NULL, MS_BIND | MS_REC, NULL) < 0)
		return bc_error_errno(err, "%s: bind /sys (a new sysfs was refused)", shown);
	idmap_mount_attrs(&o, &set, &clr);
	if (set == 0 && clr == 0)
		return 0;
	attr.attr_set = set;
	attr.attr_clr = clr;
	mfd = rootfs_open_in_root(rootfd, dest, 0, err);
	if (mfd < 0)
		return bc_error_wrap(err, "%s", shown);
	if (syscall(SYS_mount_setattr, mfd, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr, sizeof(attr)) <
	    0)
		return bc_error_errno(err, "%s: set the flags of the /sys bind", shown);
	return 0;
}

static int mounts_fs(int rootfd, const bc_mount_t *m, const char *dest, const char *type,
		     const bc_mount_opts_t *o, const char *shown, bc_error_t **err)
{
	cleanup_close int fd = -1;
	cleanup_free char *data = NULL;
	unsigned long flags = o->flags & ~(unsigned long)MS_REC;
	bool existed;
	char path[32];

	if (mounts_check_pseudo_fs_dest(rootfd, dest, type, shown, err) < 0)
		return -1;
	fd = mounts_open_dest(rootfd, dest, false, &existed, shown, err);
	if (fd < 0 || mounts_check_target(fd, m, dest, shown, err) < 0)
		return -1;
	data = bc_xstrdup(o->data);
	if (strcmp(type, "tmpfs") == 0 && existed) {
		struct stat st;

		/* Like runc: a tmpfs over an image directory keeps its mode (/tmp stays 1777)
		 * unless the options give one, which, coming later, wins. */
		if (fstat(fd, &st) < 0)
			return bc_error_errno(err, "%s: stat the mount point", shown);
		free(data);
		data = bc_xasprintf("mode=%04o%s%s", (unsigned)(st.st_mode & 07777),
				    o->data ? "," : "", o->data ? o->data : "");
	}
	if (mount_label) {
		char *labelled = mounts_label_data(type, data);

		free(data);
		data = labelled;
	}
	if (mounts_ro_delayed(m, o))
		flags &= ~(unsigned long)MS_RDONLY;
	mounts_fd_path(path, sizeof(path), fd);
	if (mount(m->source ? m->source : type, path, type, flags, data) < 0) {
		if (errno == EPERM && strcmp(type, "sysfs") == 0)
			return mounts_sysfs_bind(rootfd, dest, path, flags, shown, err);
		return bc_error_errno(err, "%s", shown);
	}
	return 0;
}

/* ---- "cgroup" on a v1 or hybrid host: a tmpfs holding one mount per hierarchy ---- */

struct cg_hier {
	char *root;	  /* mountinfo field 4: the hierarchy path this mount shows */
	char *mountpoint; /* /sys/fs/cgroup/memory */
	char *fstype;	  /* cgroup or cgroup2 */
	char *super;	  /* super options: "rw,memory" */
};

/* One mountinfo line, split in place; false when it is not a cgroup mount in /sys/fs/cgroup. */
static bool mounts_parse_cgroup_line(char *line, struct cg_hier *h)
{
	bc_mountinfo_t m;

	if (!bc_mountinfo_split(line, &m))
		return false;
	if (strcmp(m.fstype, "cgroup") != 0 && strcmp(m.fstype, "cgroup2") != 0)
		return false;
	*h = (struct cg_hier){
	    .root = m.root, .mountpoint = m.mountpoint, .fstype = m.fstype, .super = m.super};
	return bc_str_has_prefix(h->mountpoint, "/sys/fs/cgroup/") &&
	       strchr(h->mountpoint + strlen("/sys/fs/cgroup/"), '/') == NULL &&
	       h->mountpoint[strlen("/sys/fs/cgroup/")] != '\0';
}

static bool mounts_path_under(const char *path, const char *mp)
{
	size_t n = strlen(mp);

	if (strcmp(mp, "/") == 0)
		return true;
	return strncmp(path, mp, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

int mounts_find_parent(const char *path, char **mountpoint, bool *shared, bc_error_t **err)
{
	cleanup_free char *info = NULL;
	char *save = NULL;
	size_t best = 0;

	*mountpoint = NULL;
	*shared = false;
	if (bc_read_file("/proc/self/mountinfo", 16 << 20, &info, NULL, err) < 0)
		return -1;
	for (char *line = strtok_r(info, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *f[7], *lsave = NULL, *tok;
		size_t n = 0;
		bool is_shared = false;

		for (tok = strtok_r(line, " ", &lsave); tok && n < 7;
		     tok = strtok_r(NULL, " ", &lsave))
			f[n++] = tok;
		if (n < 7)
			continue;
		bc_mountinfo_unescape(f[4]);
		/* Later lines are mounted later, so on top: ">=" lets them win a tie. */
		if (!mounts_path_under(path, f[4]) || strlen(f[4]) < best)
			continue;
		for (tok = f[6]; tok && strcmp(tok, "-") != 0; tok = strtok_r(NULL, " ", &lsave))
			is_shared = is_shared || bc_str_has_prefix(tok, "shared:");
		best = strlen(f[4]);
		free(*mountpoint);
		*mountpoint = bc_xstrdup(f[4]);
		*shared = is_shared;
	}
	if (*mountpoint == NULL)
		return bc_error_set(err, 0, "no mount holds %s in /proc/self/mountinfo", path);
	return 0;
}

static bool mounts_has_token(const char *list, const char *tok, size_t len)
{
	for (const char *p = list; p && *p;) {
		const char *end = strchrnul(p, ',');

		if ((size_t)(end - p) == len && strncmp(p, tok, len) == 0)
			return true;
		p = *end ? end + 1 : end;
	}
	return false;
}

/* Our cgroup in hierarchy h, from /proc/self/cgroup ("4:memory:/a/b", "0::/a"). */
static const char *mounts_cgroup_path(char *cgfile, const struct cg_hier *h, size_t *len)
{
	for (char *line = cgfile; line && *line;) {
		char *nl = strchrnul(line, '\n');
		char *c1 = memchr(line, ':', (size_t)(nl - line));
		char *c2 = c1 ? memchr(c1 + 1, ':', (size_t)(nl - c1 - 1)) : NULL;
		bool match = c2 != NULL;

		if (match && strcmp(h->fstype, "cgroup2") == 0) {
			match = c2 == c1 + 1;
		} else if (match) {
			match = c2 > c1 + 1;
			for (char *p = c1 + 1; match && p < c2;) {
				char *end = memchr(p, ',', (size_t)(c2 - p));

				end = end ? end : c2;
				match = mounts_has_token(h->super, p, (size_t)(end - p));
				p = end + 1;
			}
		}
		if (match) {
			*len = (size_t)(nl - c2 - 1);
			return c2 + 1;
		}
		line = *nl ? nl + 1 : nl;
	}
	return NULL;
}

/* Without a cgroup namespace, show only our own cgroup, as runc does: bind
 * <mountpoint>/<our path below the mount's root>. */
static char *mounts_cgroup_source(char *cgfile, const struct cg_hier *h)
{
	size_t len = 0, rlen = strlen(h->root);
	const char *p = mounts_cgroup_path(cgfile, h, &len);

	if (p == NULL)
		return bc_xstrdup(h->mountpoint);
	if (strcmp(h->root, "/") != 0) {
		if (len < rlen || strncmp(p, h->root, rlen) != 0 || (len > rlen && p[rlen] != '/'))
			return bc_xstrdup(h->mountpoint);
		p += rlen;
		len -= rlen;
	}
	return bc_xasprintf("%s%.*s", h->mountpoint, (int)len, p);
}

/* Super options to mount the same hierarchy again: controllers and name=, not rw/ro or the
 * release agent (which only the initial namespace may set). */
static char *mounts_cgroup_data(const char *super)
{
	cleanup_free char *copy = bc_xstrdup(super);
	char *save = NULL, *out = NULL;

	for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		char *joined;

		if (strcmp(t, "rw") == 0 || strcmp(t, "ro") == 0 ||
		    bc_str_has_prefix(t, "release_agent="))
			continue;
		joined = out ? bc_xasprintf("%s,%s", out, t) : bc_xstrdup(t);
		free(out);
		out = joined;
	}
	return out;
}

static int mounts_cgroup_one(int tfd, const struct cg_hier *h, char *cgfile,
			     const bc_mount_opts_t *o, bool cgroupns, const char *shown,
			     bc_error_t **err)
{
	const char *name = strrchr(h->mountpoint, '/') + 1;
	cleanup_close int sfd = -1, mfd = -1;
	cleanup_free char *src = NULL, *data = NULL;
	char path[32];

	if (mkdirat(tfd, name, 0755) < 0 && errno != EEXIST)
		return bc_error_errno(err, "%s: mkdir %s", shown, name);
	sfd = openat(tfd, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (sfd < 0)
		return bc_error_errno(err, "%s: open %s", shown, name);
	mounts_fd_path(path, sizeof(path), sfd);
	if (cgroupns) {
		/* In its own cgroup namespace a fresh mount shows the namespace's root.  It takes
		 * the per-mount flags at once: no remount. */
		data = strcmp(h->fstype, "cgroup") == 0 ? mounts_cgroup_data(h->super) : NULL;
		if (mount("cgroup", path, h->fstype, o->flags & PER_MOUNT_FLAGS, data) < 0)
			return bc_error_errno(err, "%s: mount %s on %s", shown, h->fstype, name);
		return 0;
	}
	src = mounts_cgroup_source(cgfile, h);
	if (mount(src, path, NULL, MS_BIND, NULL) < 0)
		return bc_error_errno(err, "%s: mount %s on %s", shown, src, name);
	mfd = openat(tfd, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (mfd < 0)
		return bc_error_errno(err, "%s: open %s", shown, name);
	return mounts_bind_remount(mfd, o->flags, o->clear, shown, err);
}

/* Hosts mount some hierarchies twice under aliases (cpu -> cpu,cpuacct): copy the links. */
static int mounts_cgroup_links(int tfd, const char *shown, bc_error_t **err)
{
	cleanup_dir DIR *d = opendir("/sys/fs/cgroup");
	struct dirent *e;

	if (d == NULL)
		return bc_error_errno(err, "%s: open /sys/fs/cgroup", shown);
	while ((e = readdir(d)) != NULL) {
		char target[256];
		ssize_t n;

		if (e->d_type != DT_LNK)
			continue;
		n = readlinkat(dirfd(d), e->d_name, target, sizeof(target) - 1);
		if (n < 0)
			return bc_error_errno(err, "%s: readlink /sys/fs/cgroup/%s", shown,
					      e->d_name);
		target[n] = '\0';
		if (symlinkat(target, tfd, e->d_name) < 0 && errno != EEXIST)
			return bc_error_errno(err, "%s: symlink %s", shown, e->d_name);
	}
	return 0;
}

static int mounts_cgroup_tree(int tfd, const bc_mount_opts_t *o, bool cgroupns, const char *shown,
			      bc_error_t **err)
{
	cleanup_free char *info = NULL, *cgfile = NULL;
	char *save = NULL;

	if (bc_read_file("/proc/self/mountinfo", 16 << 20, &info, NULL, err) < 0 ||
	    bc_read_file("/proc/self/cgroup", 1 << 20, &cgfile, NULL, err) < 0)
		return bc_error_wrap(err, "%s", shown);
	for (char *line = strtok_r(info, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		struct cg_hier h;

		if (!mounts_parse_cgroup_line(line, &h))
			continue;
		if (mounts_cgroup_one(tfd, &h, cgfile, o, cgroupns, shown, err) < 0)
			return -1;
	}
	return mounts_cgroup_links(tfd, shown, err);
}

static int mounts_cgroup_v1(int rootfd, const bc_mount_t *m, const char *dest,
			    const bc_mount_opts_t *o, bool cgroupns, const char *shown,
			    bc_error_t **err)
{
	cleanup_close int fd = -1, tfd = -1;
	unsigned long flags = o->flags & PER_MOUNT_FLAGS & ~(unsigned long)MS_RDONLY;
	bool existed;
	char path[32];

	fd = mounts_open_dest(rootfd, dest, false, &existed, shown, err);
	if (fd < 0)
		return -1;
	mounts_fd_path(path, sizeof(path), fd);
	if (mount("tmpfs", path, "tmpfs", flags, "mode=755") < 0)
		return bc_error_errno(err, "%s: mount tmpfs", shown);
	tfd = rootfs_open_in_root(rootfd, dest, 0, err);
	if (tfd < 0)
		return bc_error_wrap(err, "%s", shown);
	if (mounts_cgroup_tree(tfd, o, cgroupns, shown, err) < 0)
		return -1;
	bc_debug("%s: v1 hierarchies %s", shown, cgroupns ? "mounted" : "bound from the host");
	return mounts_bind_remount(tfd, o->flags, o->clear, shown, err);
}

/* The cgroup2 mount we see: /sys/fs/cgroup (v2 host) or /sys/fs/cgroup/unified (hybrid).
 * INFO is split in place; h points into it. */
static bool mounts_find_cgroup2(char *info, struct cg_hier *h)
{
	char *save = NULL;
	bool found = false;

	for (char *line = strtok_r(info, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		bc_mountinfo_t m;

		if (!bc_mountinfo_split(line, &m) || strcmp(m.fstype, "cgroup2") != 0 ||
		    (strcmp(m.mountpoint, "/sys/fs/cgroup") != 0 &&
		     strcmp(m.mountpoint, "/sys/fs/cgroup/unified") != 0))
			continue;
		/* A later line is mounted on top: it wins. */
		*h = (struct cg_hier){.root = m.root,
				      .mountpoint = m.mountpoint,
				      .fstype = m.fstype,
				      .super = m.super};
		found = true;
	}
	return found;
}

/* cgroup2 without a cgroup namespace: a fresh mount would show the host's whole hierarchy, so
 * bind the container's own cgroup, where the runtime has placed us by now ("0::/path" in
 * /proc/self/cgroup), as runc does where it cannot mount cgroup2. */
static int mounts_cgroup2_bind(int rootfd, const bc_mount_t *m, const char *dest,
			       const bc_mount_opts_t *o, const char *shown, bc_error_t **err)
{
	cleanup_free char *info = NULL, *cgfile = NULL, *src = NULL;
	cleanup_close int fd = -1, mfd = -1;
	struct cg_hier h;
	bool existed;
	char path[32];

	if (bc_read_file("/proc/self/mountinfo", 16 << 20, &info, NULL, err) < 0 ||
	    bc_read_file("/proc/self/cgroup", 1 << 20, &cgfile, NULL, err) < 0)
		return bc_error_wrap(err, "%s", shown);
	if (!mounts_find_cgroup2(info, &h))
		return bc_error_set(
		    err, 0, "%s: no cgroup2 mount under /sys/fs/cgroup to bind from", shown);
	src = mounts_cgroup_source(cgfile, &h);
	fd = mounts_open_dest(rootfd, dest, false, &existed, shown, err);
	if (fd < 0 || mounts_check_target(fd, m, dest, shown, err) < 0)
		return -1;
	mounts_fd_path(path, sizeof(path), fd);
	if (mount(src, path, NULL, MS_BIND, NULL) < 0)
		return bc_error_errno(err, "%s: bind %s", shown, src);
	bc_debug("%s: no cgroup namespace, bound %s", shown, src);
	mfd = rootfs_open_in_root(rootfd, dest, 0, err);
	if (mfd < 0)
		return bc_error_wrap(err, "%s", shown);
	return mounts_bind_remount(mfd, o->flags, o->clear, shown, err);
}

static int mounts_cgroup(int rootfd, const bc_mount_t *m, const char *dest,
			 const bc_mount_opts_t *o, bool cgroupns, const char *shown,
			 bc_error_t **err)
{
	struct statfs sfs;

	/* On a pure v2 host a "cgroup" mount is the unified hierarchy, as runc does.  In its own
	 * cgroup namespace a fresh mount's root is the container's cgroup. */
	if (strcmp(m->type, "cgroup2") == 0 ||
	    (statfs("/sys/fs/cgroup", &sfs) == 0 && sfs.f_type == CGROUP2_SUPER_MAGIC))
		return cgroupns ? mounts_fs(rootfd, m, dest, "cgroup2", o, shown, err)
				: mounts_cgroup2_bind(rootfd, m, dest, o, shown, err);
	return mounts_cgroup_v1(rootfd, m, dest, o, cgroupns, shown, err);
}

int mounts_apply(int rootfd, const bc_mount_t *m, bool cgroupns, bc_error_t **err)
{
	cleanup_opts bc_mount_opts_t o = {0};
	cleanup_free char *dest = NULL, *shown = NULL;
	bool bind;
	int r;

	if (m->destination == NULL)
		return bc_error_set(err, 0, "mount of %s: no destination",
				    m->source ? m->source : "none");
	if (mounts_parse_options(m->options, &o, err) < 0)
		return -1;
	bind = mounts_is_bind(m, &o);
	shown = mounts_describe(m, bind);
	if (rootfs_clean_path(m->destination, &dest) < 0)
		return bc_error_set(err, 0, "mount destination %s escapes the rootfs",
				    m->destination);
	/* Only the runtime can make an idmapped mount; the init attaches it (idmap.h). */
	if (o.idmap || m->n_uid_mappings > 0 || m->n_gid_mappings > 0)
		return bc_error_set(err, 0, "%s: idmapped mount not prepared by the runtime",
				    shown);
	if (mounts_check_proc_dest(m, dest, bind, shown, err) < 0)
		return -1;
	if (o.tmpcopyup)
		bc_warn("%s: tmpcopyup is not supported yet; the tmpfs starts empty", shown);
	if (bind)
		r = mounts_bind(rootfd, m, dest, &o, shown, err);
	else if (m->type && (strcmp(m->type, "cgroup") == 0 || strcmp(m->type, "cgroup2") == 0))
		r = mounts_cgroup(rootfd, m, dest, &o, cgroupns, shown, err);
	else if (m->type == NULL || *m->type == '\0')
		r = bc_error_set(err, 0, "%s: mount type missing (and no bind option)", shown);
	else
		r = mounts_fs(rootfd, m, dest, m->type, &o, shown, err);
	if (r < 0)
		return -1;
	return mounts_finish_one(rootfd, dest, &o, shown, err);
}
