/* SPDX-License-Identifier: MIT */
/*
 * The container's filesystem view, set up by its init in a fresh mount namespace, in the
 * order runc uses.  Every path inside the rootfs is resolved inside it (openat2
 * RESOLVE_IN_ROOT, or a walk that treats ".." and absolute symlinks the same way) and the
 * result is used through its fd: a symlink in the image never leads a mount, mknod or
 * mask out of the rootfs (CVE-2021-30465 class).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "barco/idmap.h"
#include "barco/log.h"
#include "barco/rootfs.h"
#include "barco/util.h"

#ifndef SYS_openat2
#define SYS_openat2 437
#endif

#define ROOTFS_MAX_SYMLINKS 40 /* the kernel's own limit */

static void rootfs_fd_path(char *buf, size_t len, int fd)
{
	snprintf(buf, len, "/proc/self/fd/%d", fd);
}

/* ---- lexical paths ---- */

int rootfs_clean_path(const char *path, char **out)
{
	size_t len = strlen(path);
	cleanup_free char *res = bc_xmalloc(len + 2);
	size_t n = 0;

	*out = NULL;
	for (const char *p = path; *p;) {
		const char *end = strchrnul(p, '/');
		size_t clen = (size_t)(end - p);

		if (clen == 2 && p[0] == '.' && p[1] == '.') {
			if (n == 0) {
				errno = EXDEV;
				return -1;
			}
			while (n > 0 && res[--n] != '/')
				;
		} else if (clen > 0 && !(clen == 1 && p[0] == '.')) {
			res[n++] = '/';
			memcpy(res + n, p, clen);
			n += clen;
		}
		p = *end ? end + 1 : end;
	}
	if (n == 0)
		res[n++] = '/';
	res[n] = '\0';
	*out = steal_ptr(res);
	return 0;
}

/* ---- resolution inside a root ---- */

struct walk {
	int rootfd;
	int *stack; /* fds of the directories below root we are in; never rootfd itself */
	size_t depth, cap;
	unsigned int flags;
	int links;
};

static int walk_top(const struct walk *w)
{
	return w->depth ? w->stack[w->depth - 1] : w->rootfd;
}

static void walk_pop_to(struct walk *w, size_t depth)
{
	while (w->depth > depth)
		close(w->stack[--w->depth]);
}

static void walk_push(struct walk *w, int fd)
{
	if (w->depth == w->cap) {
		w->cap = w->cap ? w->cap * 2 : 16;
		w->stack = bc_xrealloc(w->stack, w->cap * sizeof(int));
	}
	w->stack[w->depth++] = fd;
}

/* Open one component below the top; with ROOTFS_RESOLVE_* create flags, make it first. */
static int walk_open(struct walk *w, const char *name, bool last, bool create)
{
	int top = walk_top(w);
	int fd = openat(top, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);

	if (fd >= 0 || errno != ENOENT || !create)
		return fd;
	if (last && (w->flags & ROOTFS_RESOLVE_MKFILE)) {
		int f =
		    openat(top, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);

		if (f < 0 && errno != EEXIST)
			return -1;
		if (f >= 0)
			close(f);
	} else if (mkdirat(top, name, 0755) < 0 && errno != EEXIST) {
		return -1;
	}
	return openat(top, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
}

/* Replace the consumed prefix of *rest by the link's target; absolute targets restart
 * from the root, never from the host's "/". */
static int walk_symlink(struct walk *w, int fd, char **rest, const char *remaining)
{
	char target[PATH_MAX];
	ssize_t n;
	char *next;

	if (++w->links > ROOTFS_MAX_SYMLINKS) {
		errno = ELOOP;
		return -1;
	}
	n = readlinkat(fd, "", target, sizeof(target));
	if (n < 0)
		return -1;
	if ((size_t)n >= sizeof(target)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if (n == 0) {
		errno = ENOENT;
		return -1;
	}
	target[n] = '\0';
	if (target[0] == '/')
		walk_pop_to(w, 0);
	next = bc_xasprintf("%s/%s", target, remaining);
	free(*rest);
	*rest = next;
	return 0;
}

static int walk_step(struct walk *w, char **rest, char **p, bool create)
{
	char *s = *p, *end = strchrnul(s, '/');
	cleanup_free char *name = bc_xstrndup(s, (size_t)(end - s));
	const char *after = end + strspn(end, "/");
	bool last = *after == '\0';
	struct stat st;
	int fd;

	*p = (char *)after;
	if (strcmp(name, ".") == 0)
		return 0;
	if (strcmp(name, "..") == 0) {
		/* Popping our own stack, never opening "..", keeps us below the root. */
		walk_pop_to(w, w->depth ? w->depth - 1 : 0);
		return 0;
	}
	fd = walk_open(w, name, last, create);
	if (fd < 0)
		return -1;
	if (fstat(fd, &st) < 0) {
		close(fd);
		return -1;
	}
	if (S_ISLNK(st.st_mode) && !(last && (w->flags & ROOTFS_RESOLVE_NOFOLLOW))) {
		int r = walk_symlink(w, fd, rest, after);

		close(fd);
		*p = *rest;
		return r;
	}
	walk_push(w, fd);
	return 0;
}

static int walk_manual(int rootfd, const char *path, unsigned int flags, bool create)
{
	struct walk w = {.rootfd = rootfd, .flags = flags};
	char *rest = bc_xstrdup(path), *p = rest;
	int ret = -1;

	for (;;) {
		p += strspn(p, "/");
		if (*p == '\0')
			break;
		if (walk_step(&w, &rest, &p, create) < 0)
			goto out;
	}
	if (w.depth > 0)
		ret = w.stack[--w.depth];
	else
		ret = fcntl(rootfd, F_DUPFD_CLOEXEC, 3);
out:
	walk_pop_to(&w, 0);
	free(w.stack);
	free(rest);
	return ret;
}

static int rootfs_openat2(int rootfd, const char *path, unsigned int flags)
{
	struct open_how how = {
	    .flags = O_PATH | O_CLOEXEC | ((flags & ROOTFS_RESOLVE_NOFOLLOW) ? O_NOFOLLOW : 0),
	    .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};
	int fd = -1;

	/* EAGAIN: a rename raced with ".." resolution; the kernel asks us to retry. */
	for (int i = 0; i < 32; i++) {
		fd = (int)syscall(SYS_openat2, rootfd, path, &how, sizeof(how));
		if (fd >= 0 || errno != EAGAIN)
			break;
	}
	return fd;
}

int rootfs_open_in_root(int rootfd, const char *path, unsigned int flags, bc_error_t **err)
{
	static bool no_openat2;
	int fd = -1;

	if (!no_openat2 && !(flags & ROOTFS_RESOLVE_MANUAL)) {
		fd = rootfs_openat2(rootfd, path, flags);
		if (fd >= 0)
			return fd;
		if (errno != ENOSYS)
			return bc_error_errno(err, "open %s in the rootfs", path);
		no_openat2 = true;
	}
	fd = walk_manual(rootfd, path, flags, false);
	if (fd < 0)
		return bc_error_errno(err, "open %s in the rootfs", path);
	return fd;
}

int rootfs_mkpath_in_root(int rootfd, const char *path, unsigned int flags, bc_error_t **err)
{
	int fd = rootfs_open_in_root(rootfd, path, flags & ~(unsigned)ROOTFS_RESOLVE_MKFILE, NULL);

	if (fd >= 0)
		return fd;
	if (errno != ENOENT)
		return bc_error_errno(err, "open %s in the rootfs", path);
	fd = walk_manual(rootfd, path, flags, true);
	if (fd < 0)
		return bc_error_errno(err, "create %s in the rootfs", path);
	close(fd);
	/* What gets used is what the kernel resolves inside the root, not what the walk
	 * (which a concurrent rename could fool) ended on. */
	return rootfs_open_in_root(rootfd, path, flags & ~(unsigned)ROOTFS_RESOLVE_MKFILE, err);
}

/* ---- spec helpers ---- */

static bool rootfs_has_ns(const bc_spec_t *spec, enum bc_ns_type t)
{
	for (size_t i = 0; spec->linux_ && i < spec->linux_->n_namespaces; i++)
		if (spec->linux_->namespaces[i].type == t)
			return true;
	return false;
}

/* The last spec mount on dest (later mounts cover earlier ones), or NULL. */
static const bc_mount_t *rootfs_find_mount(const bc_spec_t *spec, const char *dest)
{
	const bc_mount_t *found = NULL;

	for (size_t i = 0; i < spec->n_mounts; i++) {
		cleanup_free char *clean = NULL;

		if (spec->mounts[i].destination &&
		    rootfs_clean_path(spec->mounts[i].destination, &clean) == 0 &&
		    strcmp(clean, dest) == 0)
			found = &spec->mounts[i];
	}
	return found;
}

static bool rootfs_mount_is_bind(const bc_mount_t *m)
{
	bc_mount_opts_t o;
	bool bind;

	mounts_parse_options(m->options, &o, NULL);
	bind = o.bind || (m->type && strcmp(m->type, "bind") == 0);
	mounts_opts_free(&o);
	return bind;
}

/* Refuse what cannot be done before anything is mounted, not half way through. */
static int rootfs_check_mounts(const bc_spec_t *spec, const int *mount_fds, bc_error_t **err)
{
	for (size_t i = 0; i < spec->n_mounts; i++) {
		const bc_mount_t *m = &spec->mounts[i];
		cleanup_free char *clean = NULL;

		if (m->destination == NULL)
			return bc_error_set(err, 0, "mounts[%zu]: no destination", i);
		if (rootfs_clean_path(m->destination, &clean) < 0)
			return bc_error_set(err, 0, "mount destination %s escapes the rootfs",
					    m->destination);
		/* The runtime makes idmapped mounts (idmap.h): without one, none can be had. */
		if (idmap_mount_wanted(m) && (mount_fds == NULL || mount_fds[i] < 0))
			return bc_error_set(err, 0,
					    "mount %s on %s: idmapped mount not prepared by the "
					    "runtime",
					    m->source ? m->source : "none", m->destination);
	}
	return 0;
}

/* ---- a, b: propagation and the rootfs bind ---- */

static int rootfs_make_private(const char *rootfs, unsigned long prop, const char *prop_name,
			       bc_error_t **err)
{
	cleanup_free char *parent = NULL;
	bool shared;

	if (mount("", "/", NULL, prop, NULL) < 0)
		return bc_error_errno(err, "set the propagation of / to %s", prop_name);
	/* pivot_root refuses a shared parent, and the bind below must not propagate to the
	 * host.  Only a shared parent is made private (runc 1.1 does the same): a slave one
	 * keeps receiving, which bind volumes with rslave rely on. */
	if (mounts_find_parent(rootfs, &parent, &shared, err) < 0)
		return bc_error_wrap(err, "find the mount holding %s", rootfs);
	if (shared && mount("", parent, NULL, MS_PRIVATE, NULL) < 0)
		return bc_error_errno(err, "make %s (holding the rootfs) private", parent);
	if (mount(rootfs, rootfs, NULL, MS_BIND | MS_REC, NULL) < 0)
		return bc_error_errno(err, "bind mount the rootfs %s onto itself", rootfs);
	return 0;
}

/* ---- d, e: /dev and device nodes ---- */

static char *dev_tmpfs_opts[] = {"nosuid", "strictatime", "mode=755", "size=65536k", NULL};
static char *devpts_opts[] = {"nosuid",	       "noexec",    "newinstance",
			      "ptmxmode=0666", "mode=0620", NULL};
static const bc_mount_t default_dev = {
    .destination = "/dev", .source = "tmpfs", .type = "tmpfs", .options = dev_tmpfs_opts};
static const bc_mount_t default_devpts = {
    .destination = "/dev/pts", .source = "devpts", .type = "devpts", .options = devpts_opts};

static const bc_device_t default_devices[] = {
    {'c', "/dev/null", 1, 3, true, true, true, 0666, 0, 0},
    {'c', "/dev/zero", 1, 5, true, true, true, 0666, 0, 0},
    {'c', "/dev/full", 1, 7, true, true, true, 0666, 0, 0},
    {'c', "/dev/random", 1, 8, true, true, true, 0666, 0, 0},
    {'c', "/dev/urandom", 1, 9, true, true, true, 0666, 0, 0},
    {'c', "/dev/tty", 5, 0, true, true, true, 0666, 0, 0},
};

/* An existing node, fifo or regular file is replaced; anything else (a directory, which
 * would need a recursive delete, or a symlink) is refused. */
static int rootfs_clear_node(int pfd, const char *base, const char *path, bc_error_t **err)
{
	struct stat st;

	if (fstatat(pfd, base, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		if (errno == ENOENT)
			return 0;
		return bc_error_errno(err, "mknod %s: stat", path);
	}
	if (!S_ISREG(st.st_mode) && !S_ISCHR(st.st_mode) && !S_ISBLK(st.st_mode) &&
	    !S_ISFIFO(st.st_mode))
		return bc_error_set(err, EEXIST, "mknod %s: not replacing a directory or symlink",
				    path);
	if (unlinkat(pfd, base, 0) < 0)
		return bc_error_errno(err, "mknod %s: remove the old one", path);
	return 0;
}

/* The host's node at path is the device d names: binding anything else would hand the
 * container another device than the config asks for. */
static int rootfs_host_device_check(const bc_device_t *d, mode_t mode, bc_error_t **err)
{
	static const char need[] = "creating a device node needs CAP_MKNOD in the host's user "
				   "namespace (barco runs in a user namespace)";
	struct stat st;

	if (stat(d->path, &st) < 0)
		return bc_error_errno(err, "mknod %s: %s, and the host has no %s to bind", d->path,
				      need, d->path);
	if ((st.st_mode & S_IFMT) != (mode & S_IFMT) ||
	    (!S_ISFIFO(mode) &&
	     (major(st.st_rdev) != (unsigned)d->major || minor(st.st_rdev) != (unsigned)d->minor)))
		return bc_error_set(err, EPERM,
				    "mknod %s (%c %lld:%lld): %s, and the host's %s is another "
				    "device (%u:%u)",
				    d->path, d->type, (long long)d->major, (long long)d->minor,
				    need, d->path, major(st.st_rdev), minor(st.st_rdev));
	return 0;
}

/* Where mknod is not allowed (a user namespace), bind the host's node, as runc does. */
static int rootfs_bind_device(int pfd, const char *base, const bc_device_t *d, mode_t mode,
			      bc_error_t **err)
{
	cleanup_close int fd = -1;
	char target[32];
	int f;

	if (rootfs_host_device_check(d, mode, err) < 0)
		return -1;
	f = openat(pfd, base, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (f < 0)
		return bc_error_errno(err, "mknod %s: create the bind target", d->path);
	close(f);
	fd = openat(pfd, base, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		bc_error_errno(err, "mknod %s: open the bind target", d->path);
		unlinkat(pfd, base, 0);
		return -1;
	}
	rootfs_fd_path(target, sizeof(target), fd);
	if (mount(d->path, target, NULL, MS_BIND, NULL) < 0) {
		bc_error_errno(err,
			       "mknod %s: not permitted (CAP_MKNOD), and binding the host's "
			       "failed",
			       d->path);
		unlinkat(pfd, base, 0);
		return -1;
	}
	return 0;
}

static int rootfs_device_mode(const bc_device_t *d, mode_t *mode, bc_error_t **err)
{
	mode_t perm = d->has_file_mode ? (mode_t)(d->file_mode & 07777) : 0666;

	switch (d->type) {
	case 'c':
	case 'u':
		*mode = S_IFCHR | perm;
		return 0;
	case 'b':
		*mode = S_IFBLK | perm;
		return 0;
	case 'p':
		*mode = S_IFIFO | perm;
		return 0;
	default:
		return bc_error_set(err, 0, "mknod %s: unknown device type '%c'", d->path, d->type);
	}
}

static int rootfs_make_device(int rootfd, const bc_device_t *d, bc_error_t **err)
{
	cleanup_free char *clean = NULL, *parent = NULL;
	cleanup_close int pfd = -1;
	const char *base;
	mode_t mode = 0, old;
	int r;

	if (rootfs_device_mode(d, &mode, err) < 0)
		return -1;
	if (d->path == NULL || rootfs_clean_path(d->path, &clean) < 0 || strcmp(clean, "/") == 0)
		return bc_error_set(err, 0, "mknod %s: path escapes the rootfs",
				    d->path ? d->path : "(none)");
	base = strrchr(clean, '/') + 1;
	parent = bc_xstrndup(clean, base - clean > 1 ? (size_t)(base - clean - 1) : 1);
	pfd = rootfs_mkpath_in_root(rootfd, parent, 0, err);
	if (pfd < 0)
		return bc_error_wrap(err, "mknod %s", d->path);
	if (rootfs_clear_node(pfd, base, d->path, err) < 0)
		return -1;
	/* The mode is the spec's, not filtered through our umask. */
	old = umask(0);
	r = mknodat(pfd, base, mode, makedev((unsigned)d->major, (unsigned)d->minor));
	umask(old);
	if (r < 0 && errno == EPERM)
		return rootfs_bind_device(pfd, base, d, mode, err);
	if (r < 0)
		return bc_error_errno(err, "mknod %s", d->path);
	if ((d->has_uid || d->has_gid) &&
	    fchownat(pfd, base, d->has_uid ? d->uid : (uid_t)-1, d->has_gid ? d->gid : (gid_t)-1,
		     AT_SYMLINK_NOFOLLOW) < 0)
		return bc_error_errno(err, "chown %s", d->path);
	return 0;
}

static int rootfs_dev_links(int rootfd, bc_error_t **err)
{
	static const struct {
		const char *target, *name;
	} links[] = {{"/proc/self/fd", "fd"},
		     {"/proc/self/fd/0", "stdin"},
		     {"/proc/self/fd/1", "stdout"},
		     {"/proc/self/fd/2", "stderr"}};
	cleanup_close int devfd = rootfs_open_in_root(rootfd, "/dev", 0, err);

	if (devfd < 0)
		return -1;
	/* With a devpts per container, /dev/ptmx must be its ptmx, not a host node. */
	if (unlinkat(devfd, "ptmx", 0) < 0 && errno != ENOENT)
		return bc_error_errno(err, "remove /dev/ptmx");
	if (symlinkat("pts/ptmx", devfd, "ptmx") < 0)
		return bc_error_errno(err, "symlink /dev/ptmx -> pts/ptmx");
	for (size_t i = 0; i < BC_ARRAY_SIZE(links); i++)
		if (symlinkat(links[i].target, devfd, links[i].name) < 0 && errno != EEXIST)
			return bc_error_errno(err, "symlink /dev/%s -> %s", links[i].name,
					      links[i].target);
	if (access("/proc/kcore", F_OK) == 0 && symlinkat("/proc/kcore", devfd, "core") < 0 &&
	    errno != EEXIST)
		return bc_error_errno(err, "symlink /dev/core -> /proc/kcore");
	return 0;
}

static int rootfs_setup_dev(const bc_spec_t *spec, int rootfd, bc_error_t **err)
{
	const bc_mount_t *dev = rootfs_find_mount(spec, "/dev");

	/* A bind-mounted /dev is the host's (or someone's) own: creating or replacing nodes
	 * in it would change that tree, so leave it alone, as runc does. */
	if (dev && rootfs_mount_is_bind(dev)) {
		bc_debug("/dev is a bind mount: no device nodes or links created");
		return 0;
	}
	if (rootfs_find_mount(spec, "/dev/pts") == NULL &&
	    mounts_apply(rootfd, &default_devpts, false, err) < 0)
		return -1;
	for (size_t i = 0; i < BC_ARRAY_SIZE(default_devices); i++)
		if (rootfs_make_device(rootfd, &default_devices[i], err) < 0)
			return -1;
	for (size_t i = 0; spec->linux_ && i < spec->linux_->n_devices; i++)
		if (rootfs_make_device(rootfd, &spec->linux_->devices[i], err) < 0)
			return bc_error_wrap(err, "linux.devices[%zu]", i);
	return rootfs_dev_links(rootfd, err);
}

/* ---- g, h: readonlyPaths, maskedPaths, read-only remounts ---- */

/* Open a readonly or masked path without following a final symlink; 0 when absent. */
static int rootfs_open_listed(int rootfd, const char *path, const char *what, int *fd,
			      bc_error_t **err)
{
	cleanup_free char *clean = NULL;

	if (rootfs_clean_path(path, &clean) < 0)
		return bc_error_set(err, 0, "%s %s: path escapes the rootfs", what, path);
	*fd = rootfs_open_in_root(rootfd, clean, ROOTFS_RESOLVE_NOFOLLOW, NULL);
	if (*fd < 0 && errno != ENOENT)
		return bc_error_errno(err, "%s %s", what, path);
	return 0;
}

static int rootfs_readonly_path(int rootfd, const char *path, bc_error_t **err)
{
	cleanup_close int fd = -1, mfd = -1;
	cleanup_free char *shown = bc_xasprintf("make %s read-only", path);
	char target[32];
	struct stat st;

	if (rootfs_open_listed(rootfd, path, "readonlyPaths:", &fd, err) < 0)
		return -1;
	if (fd < 0)
		return 0;
	if (fstat(fd, &st) < 0)
		return bc_error_errno(err, "%s: stat", shown);
	if (S_ISLNK(st.st_mode)) {
		bc_debug("%s: a symlink, left alone", shown);
		return 0;
	}
	rootfs_fd_path(target, sizeof(target), fd);
	if (mount(target, target, NULL, MS_BIND | MS_REC, NULL) < 0)
		return bc_error_errno(err, "%s: bind", shown);
	mfd = rootfs_open_in_root(rootfd, path, ROOTFS_RESOLVE_NOFOLLOW, err);
	if (mfd < 0)
		return bc_error_wrap(err, "%s", shown);
	return mounts_remount_ro(mfd, shown, err);
}

static int rootfs_mask_path(int rootfd, int nullfd, const char *path, bc_error_t **err)
{
	cleanup_close int fd = -1;
	char target[32], null_path[32];
	struct stat st;
	int r;

	if (rootfs_open_listed(rootfd, path, "maskedPaths:", &fd, err) < 0)
		return -1;
	if (fd < 0)
		return 0;
	if (fstat(fd, &st) < 0)
		return bc_error_errno(err, "mask %s: stat", path);
	rootfs_fd_path(target, sizeof(target), fd);
	rootfs_fd_path(null_path, sizeof(null_path), nullfd);
	if (S_ISDIR(st.st_mode)) {
		cleanup_free char *data = mounts_label_data("tmpfs", NULL);

		r = mount("tmpfs", target, "tmpfs", MS_RDONLY, data);
	} else {
		r = mount(null_path, target, NULL, MS_BIND, NULL);
	}
	if (r < 0)
		return bc_error_errno(err, "mask %s", path);
	return 0;
}

/* The host's /dev/null, checked: binding anything else over masked paths would expose
 * what it pretends to hide. */
static int rootfs_open_null(bc_error_t **err)
{
	cleanup_close int fd = open("/dev/null", O_PATH | O_NOFOLLOW | O_CLOEXEC);
	struct stat st;

	if (fd < 0 || fstat(fd, &st) < 0)
		return bc_error_errno(err, "open /dev/null");
	if (!S_ISCHR(st.st_mode) || st.st_rdev != makedev(1, 3))
		return bc_error_set(err, 0, "/dev/null is not the null device (1:3)");
	return steal_fd(fd);
}

static int rootfs_protect(const bc_spec_t *spec, int rootfd, bc_error_t **err)
{
	const bc_linux_t *l = spec->linux_;
	cleanup_close int nullfd = -1;

	for (size_t i = 0; l && l->readonly_paths && l->readonly_paths[i]; i++)
		if (rootfs_readonly_path(rootfd, l->readonly_paths[i], err) < 0)
			return -1;
	if (l == NULL || l->masked_paths == NULL || l->masked_paths[0] == NULL)
		return 0;
	nullfd = rootfs_open_null(err);
	if (nullfd < 0)
		return -1;
	for (size_t i = 0; l->masked_paths[i]; i++)
		if (rootfs_mask_path(rootfd, nullfd, l->masked_paths[i], err) < 0)
			return -1;
	return 0;
}

/* tmpfs and /dev mounts were left writable so /dev and mount points could be filled. */
static int rootfs_delayed_ro(const bc_spec_t *spec, int rootfd, bc_error_t **err)
{
	for (size_t i = 0; i < spec->n_mounts; i++) {
		const bc_mount_t *m = &spec->mounts[i];
		cleanup_free char *shown = NULL;
		cleanup_close int fd = -1;
		bc_mount_opts_t o;
		bool delayed;

		mounts_parse_options(m->options, &o, NULL);
		delayed = mounts_ro_delayed(m, &o);
		mounts_opts_free(&o);
		if (!delayed)
			continue;
		shown = bc_xasprintf("make %s read-only", m->destination);
		fd = rootfs_open_in_root(rootfd, m->destination, 0, err);
		if (fd < 0)
			return bc_error_wrap(err, "%s", shown);
		if (mounts_remount_ro(fd, shown, err) < 0)
			return -1;
	}
	return 0;
}

/* ---- f: switching root ---- */

static int rootfs_pivot(int rootfd, const char *rootfs, bc_error_t **err)
{
	cleanup_close int oldroot = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);

	if (oldroot < 0)
		return bc_error_errno(err, "open /");
	if (fchdir(rootfd) < 0)
		return bc_error_errno(err, "chdir to %s", rootfs);
	/* pivot_root(".", "."): the old root ends up stacked on "/", reachable as oldroot. */
	if (syscall(SYS_pivot_root, ".", ".") < 0)
		return bc_error_errno(err, "pivot_root to %s", rootfs);
	if (fchdir(oldroot) < 0)
		return bc_error_errno(err, "chdir to the old root");
	/* rslave first, so the detach below cannot propagate to the host's mounts. */
	if (mount("", ".", NULL, MS_SLAVE | MS_REC, NULL) < 0)
		return bc_error_errno(err, "make the old root rslave");
	if (umount2(".", MNT_DETACH) < 0)
		return bc_error_errno(err, "unmount the old root");
	if (chdir("/") < 0)
		return bc_error_errno(err, "chdir to / in %s", rootfs);
	return 0;
}

static int rootfs_move_root(int rootfd, const char *rootfs, bc_error_t **err)
{
	if (fchdir(rootfd) < 0)
		return bc_error_errno(err, "chdir to %s", rootfs);
	if (mount(".", "/", NULL, MS_MOVE, NULL) < 0)
		return bc_error_errno(err, "move the rootfs %s onto /", rootfs);
	if (chroot(".") < 0)
		return bc_error_errno(err, "chroot to %s", rootfs);
	if (chdir("/") < 0)
		return bc_error_errno(err, "chdir to / in %s", rootfs);
	return 0;
}

/* ---- entry points ---- */

static int rootfs_propagation(const bc_spec_t *spec, unsigned long *prop, const char **name,
			      bc_error_t **err)
{
	const char *s = spec->linux_ ? spec->linux_->rootfs_propagation : NULL;

	*name = s ? s : "rprivate";
	if (mounts_parse_propagation(s, prop, err) < 0)
		return bc_error_wrap(err, "linux.rootfsPropagation");
	return 0;
}

int rootfs_prepare(const bc_spec_t *spec, const char *rootfs, const int *mount_fds,
		   bc_error_t **err)
{
	bool cgroupns = rootfs_has_ns(spec, BC_NS_CGROUP);
	cleanup_close int rootfd = -1;
	unsigned long prop;
	const char *prop_name;

	if (rootfs == NULL || rootfs[0] != '/')
		return bc_error_set(err, 0, "rootfs %s: not an absolute path",
				    rootfs ? rootfs : "");
	if (rootfs_propagation(spec, &prop, &prop_name, err) < 0 ||
	    rootfs_check_mounts(spec, mount_fds, err) < 0 ||
	    rootfs_make_private(rootfs, prop, prop_name, err) < 0)
		return -1;
	mounts_set_label(spec->linux_ ? spec->linux_->mount_label : NULL);
	/* Opened after the bind: everything below lands in the mount that becomes "/". */
	rootfd = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return bc_error_errno(err, "open the rootfs %s", rootfs);
	/* Our /dev goes first so spec mounts beneath it (/dev/shm) are not covered. */
	if (rootfs_find_mount(spec, "/dev") == NULL &&
	    mounts_apply(rootfd, &default_dev, cgroupns, err) < 0)
		return -1;
	for (size_t i = 0; i < spec->n_mounts; i++) {
		const bc_mount_t *m = &spec->mounts[i];
		int r = mount_fds && mount_fds[i] >= 0 ? idmap_attach(rootfd, m, mount_fds[i], err)
						       : mounts_apply(rootfd, m, cgroupns, err);

		if (r < 0)
			return -1;
	}
	if (rootfs_setup_dev(spec, rootfd, err) < 0)
		return -1;
	/* Created now, while the rootfs may still be writable (runc does the same). */
	if (spec->process && spec->process->cwd) {
		int fd = rootfs_mkpath_in_root(rootfd, spec->process->cwd, 0, err);

		if (fd < 0)
			return bc_error_wrap(err, "create process.cwd %s", spec->process->cwd);
		close(fd);
	}
	return 0;
}

int rootfs_finish(const bc_spec_t *spec, const char *rootfs, bool no_pivot, bc_error_t **err)
{
	cleanup_close int rootfd = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	unsigned long prop;
	const char *prop_name;

	if (rootfd < 0)
		return bc_error_errno(err, "open the rootfs %s", rootfs);
	if (rootfs_propagation(spec, &prop, &prop_name, err) < 0)
		return -1;
	/* Done before the switch, through the host's /proc: the container may mount none. */
	if (rootfs_protect(spec, rootfd, err) < 0 || rootfs_delayed_ro(spec, rootfd, err) < 0)
		return -1;
	if (spec->root_readonly && mounts_remount_ro(rootfd, "make the rootfs read-only", err) < 0)
		return -1;
	if ((no_pivot ? rootfs_move_root(rootfd, rootfs, err) : rootfs_pivot(rootfd, rootfs, err)) <
	    0)
		return -1;
	/* Shared or slave is applied again to the new "/" (private already holds). */
	if (!(prop & MS_PRIVATE) && mount("", "/", NULL, prop, NULL) < 0)
		return bc_error_errno(err, "set the propagation of / to %s", prop_name);
	return 0;
}

int rootfs_setup(const bc_spec_t *spec, const char *rootfs, bool no_pivot, bc_error_t **err)
{
	if (rootfs_prepare(spec, rootfs, NULL, err) < 0)
		return -1;
	return rootfs_finish(spec, rootfs, no_pivot, err);
}
