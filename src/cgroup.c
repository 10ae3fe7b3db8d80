/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <time.h>
#include <unistd.h>

#include "barco/cgroup.h"
#include "barco/cgroup_v1.h"
#include "barco/cgroup_v2.h"
#include "barco/log.h"
#include "barco/util.h"

#ifndef CGROUP_SUPER_MAGIC
#define CGROUP_SUPER_MAGIC 0x27e0eb
#endif
#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif
#ifndef TMPFS_MAGIC
#define TMPFS_MAGIC 0x01021994
#endif

#define CG_ROOT	      "/sys/fs/cgroup"
#define MAX_PROC_FILE (1 << 20)

static bool manager_disabled;

int cgroup_set_manager(const char *name, bc_error_t **err)
{
	if (strcmp(name, "cgroupfs") == 0)
		manager_disabled = false;
	else if (strcmp(name, "disabled") == 0)
		manager_disabled = true;
	else if (strcmp(name, "systemd") == 0)
		return bc_error_set(err, 0,
				    "--cgroup-manager: the systemd cgroup driver is not supported; "
				    "use cgroupfs or disabled");
	else
		return bc_error_set(err, 0, "--cgroup-manager: \"%s\" is not cgroupfs or disabled",
				    name);
	return 0;
}

bool cgroup_manager_disabled(void)
{
	return manager_disabled;
}

/* ---- parsing ---- */

void cgroup_hierarchies_free(cgroup_hier_t *h, size_t n)
{
	for (size_t i = 0; h != NULL && i < n; i++) {
		free(h[i].mountpoint);
		free(h[i].root);
		free(h[i].controllers);
		free(h[i].own);
	}
	free(h);
}

/* True when the comma-separated LIST holds WORD. */
static bool list_has(const char *list, const char *word, size_t wlen)
{
	for (const char *p = list; *p;) {
		size_t len = strcspn(p, ",");

		if (len == wlen && strncmp(p, word, len) == 0)
			return true;
		p += len + (p[len] == ',');
	}
	return false;
}

bool cgroup_hier_has(const cgroup_hier_t *h, const char *controller)
{
	return !h->v2 && list_has(h->controllers, controller, strlen(controller));
}

/* Our line for a mount: the v1 line whose every controller is in the mount's super
 * options, or the "0::" line for cgroup2.  Returns the line's path and controllers. */
static bool find_own(const char *self_cgroup, bool v2, const char *super, char **ctl, char **path)
{
	for (const char *p = self_cgroup; *p;) {
		size_t len = strcspn(p, "\n");
		cleanup_free char *line = bc_xstrndup(p, len);
		char *c1 = strchr(line, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;

		p += len + (p[len] == '\n');
		if (c2 == NULL)
			continue;
		*c1 = *c2 = '\0';
		if (v2 != (strcmp(line, "0") == 0 && c1[1] == '\0'))
			continue;
		if (!v2) {
			bool all = c1[1] != '\0';

			for (const char *q = c1 + 1; *q && all;) {
				size_t l = strcspn(q, ",");

				all = list_has(super, q, l);
				q += l + (q[l] == ',');
			}
			if (!all)
				continue;
		}
		*ctl = bc_xstrdup(c1 + 1);
		*path = bc_xstrdup(c2 + 1);
		return true;
	}
	return false;
}

static bool wanted_mount(const char *mp, bool v2, cgroup_mode_t mode)
{
	const char *name;

	if (mode == CGROUP_MODE_V2)
		return v2 && strcmp(mp, CG_ROOT) == 0;
	if (!bc_str_has_prefix(mp, CG_ROOT "/"))
		return false;
	name = mp + strlen(CG_ROOT "/");
	if (*name == '\0' || strchr(name, '/') != NULL)
		return false;
	return !v2 || mode == CGROUP_MODE_HYBRID;
}

int cgroup_hierarchies_parse(const char *mountinfo, const char *self_cgroup, cgroup_mode_t mode,
			     cgroup_hier_t **out, size_t *n, bc_error_t **err)
{
	cgroup_hier_t *v = NULL;
	size_t count = 0;

	for (const char *p = mountinfo; *p;) {
		size_t len = strcspn(p, "\n");
		cleanup_free char *line = bc_xstrndup(p, len);
		cleanup_free char *mp = NULL;
		bc_mountinfo_t m;
		char *ctl = NULL, *own = NULL;
		bool v2, dup = false;

		p += len + (p[len] == '\n');
		if (!bc_mountinfo_split(line, &m))
			continue;
		v2 = strcmp(m.fstype, "cgroup2") == 0;
		if (!v2 && strcmp(m.fstype, "cgroup") != 0)
			continue;
		mp = bc_xstrdup(m.mountpoint);
		if (!wanted_mount(mp, v2, mode) || !find_own(self_cgroup, v2, m.super, &ctl, &own))
			continue;
		for (size_t i = 0; i < count && !dup; i++)
			dup = v[i].v2 == v2 && strcmp(v[i].controllers, ctl) == 0;
		if (dup) {
			free(ctl);
			free(own);
			continue;
		}
		v = bc_xrealloc(v, (count + 1) * sizeof(*v));
		v[count] = (cgroup_hier_t){.mountpoint = steal_ptr(mp),
					   .root = bc_xstrdup(m.root),
					   .controllers = ctl,
					   .own = own,
					   .v2 = v2};
		count++;
	}
	if (count == 0) {
		free(v);
		return bc_error_set(err, 0,
				    "cgroup: no %s hierarchy of ours is mounted under " CG_ROOT,
				    mode == CGROUP_MODE_V2 ? "cgroup2" : "cgroup v1");
	}
	*out = v;
	*n = count;
	return 0;
}

/* Append the components of PATH to *acc ("a/b"), refusing "." and "..". */
static int append_components(char **acc, const char *path, const char *what, bc_error_t **err)
{
	for (const char *p = path; *p;) {
		size_t len = strcspn(p, "/");

		if ((len == 1 && p[0] == '.') || (len == 2 && p[0] == '.' && p[1] == '.'))
			return bc_error_set(err, 0, "cgroup: %s \"%s\" has a \"%.*s\" component",
					    what, path, (int)len, p);
		if (len > 0) {
			char *next = **acc ? bc_xasprintf("%s/%.*s", *acc, (int)len, p)
					   : bc_xstrndup(p, len);
			free(*acc);
			*acc = next;
		}
		p += len + (p[len] == '/');
	}
	return 0;
}

char *cgroup_path_below_mount(const cgroup_hier_t *h, const char *cgroups_path, const char *id,
			      bc_error_t **err)
{
	cleanup_free char *acc = bc_xstrdup("");
	const char *rel = cgroups_path && *cgroups_path ? cgroups_path : id;

	if (rel == NULL || *rel == '\0') {
		bc_error_set(err, 0, "cgroup: no cgroupsPath and no container ID");
		return NULL;
	}
	if (rel[0] != '/') {
		size_t rlen = strlen(h->root);
		const char *own = h->own;

		/* Our cgroup as seen through this mount: below the mount's root. */
		if (strcmp(h->root, "/") != 0) {
			if (strncmp(own, h->root, rlen) != 0 ||
			    (own[rlen] != '\0' && own[rlen] != '/')) {
				bc_error_set(err, 0,
					     "cgroup: our cgroup %s is not visible under %s "
					     "(its root is %s)",
					     own, h->mountpoint, h->root);
				return NULL;
			}
			own += rlen;
		}
		if (append_components(&acc, own, "own cgroup", err) < 0)
			return NULL;
	}
	if (append_components(&acc, rel, "linux.cgroupsPath", err) < 0)
		return NULL;
	if (*acc == '\0') {
		bc_error_set(err, 0, "cgroup: linux.cgroupsPath \"%s\" names the root of %s", rel,
			     h->mountpoint);
		return NULL;
	}
	return steal_ptr(acc);
}

int cgroup_detect_mode(cgroup_mode_t *mode, bc_error_t **err)
{
	struct statfs sfs;

	if (statfs(CG_ROOT, &sfs) < 0)
		return bc_error_errno(err, "cgroup: statfs " CG_ROOT);
	if (sfs.f_type == CGROUP2_SUPER_MAGIC) {
		*mode = CGROUP_MODE_V2;
		return 0;
	}
	if (sfs.f_type != TMPFS_MAGIC)
		return bc_error_set(err, 0, "cgroup: " CG_ROOT " is neither cgroup2 nor a tmpfs");
	*mode = statfs(CG_ROOT "/unified", &sfs) == 0 && sfs.f_type == CGROUP2_SUPER_MAGIC
		    ? CGROUP_MODE_HYBRID
		    : CGROUP_MODE_V1;
	return 0;
}

/* ---- directories ---- */

struct cg_dir {
	char *mountpoint;
	char *rel;   /* "a/b/c" below the mount */
	size_t keep; /* leading components that existed: not ours to remove */
	int fd;	     /* the leaf, -1 once closed */
	const cgroup_hier_t *h;
	bool rt_budget; /* give new cpu cgroups their parent's real-time runtime */
};

struct cgroup {
	struct cg_dir *d;
	size_t n;
	int state_dirfd;
	bool recorded;
	cgroup_hier_t *h;
	size_t nh;
};

/* A cgroup mount's root, checked to be one. */
static int open_mount(const char *mp, dev_t *dev, bc_error_t **err)
{
	cleanup_close int fd = open(mp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	struct statfs sfs;
	struct stat st;

	if (fd < 0)
		return bc_error_errno(err, "cgroup: open %s", mp);
	if (fstatfs(fd, &sfs) < 0 || fstat(fd, &st) < 0)
		return bc_error_errno(err, "cgroup: stat %s", mp);
	if (sfs.f_type != CGROUP_SUPER_MAGIC && sfs.f_type != CGROUP2_SUPER_MAGIC)
		return bc_error_set(err, 0, "cgroup: %s is not a cgroup mount", mp);
	*dev = st.st_dev;
	return steal_fd(fd);
}

/* One component below dirfd, no symlink, on the same mount. */
static int open_below(int dirfd, const char *name, dev_t dev, const char *shown, bc_error_t **err)
{
	cleanup_close int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	struct stat st;

	if (fd < 0)
		return bc_error_errno(err, "cgroup: open %s", shown);
	if (fstat(fd, &st) < 0)
		return bc_error_errno(err, "cgroup: stat %s", shown);
	if (st.st_dev != dev)
		return bc_error_set(err, 0, "cgroup: %s is on another mount", shown);
	return steal_fd(fd);
}

static int read_small(int dirfd, const char *name, char *buf, size_t size)
{
	cleanup_close int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	ssize_t r;

	if (fd < 0)
		return -1;
	r = read(fd, buf, size - 1);
	if (r < 0)
		return -1;
	buf[r] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

/* v1 puts no task in a cpuset without cpus and mems: a new one gets its parent's. */
static int cpuset_inherit(int parent, int child, const char *shown, bc_error_t **err)
{
	static const char *const files[] = {"cpuset.cpus", "cpuset.mems"};

	for (size_t i = 0; i < BC_ARRAY_SIZE(files); i++) {
		char mine[4096], theirs[4096];
		bc_kv_t kv = {.key = (char *)files[i], .value = theirs};

		if (read_small(child, files[i], mine, sizeof(mine)) < 0)
			return bc_error_errno(err, "cgroup: read %s/%s", shown, files[i]);
		if (mine[0] != '\0')
			continue;
		if (read_small(parent, files[i], theirs, sizeof(theirs)) < 0)
			return bc_error_errno(err, "cgroup: read the parent of %s/%s", shown,
					      files[i]);
		if (cgroup_v2_write_files(child, &kv, 1, err) < 0)
			return bc_error_wrap(err, "%s", shown);
	}
	return 0;
}

/* With RT group scheduling a new cpu cgroup has cpu.rt_runtime_us 0: no SCHED_FIFO/RR task
 * may run in it.  A container asking for a real-time policy (or realtimeRuntime, which needs
 * the budget in every level above) gets its parent's; linux.resources may lower it later. */
static int rt_inherit(int parent, int child, const char *shown, bc_error_t **err)
{
	char theirs[64];
	bc_kv_t kv = {.key = "cpu.rt_runtime_us", .value = theirs};

	if (read_small(parent, kv.key, theirs, sizeof(theirs)) < 0)
		return errno == ENOENT
			   ? 0
			   : bc_error_errno(err, "cgroup: read the parent of %s/%s", shown, kv.key);
	if (cgroup_v2_write_files(child, &kv, 1, err) < 0)
		return bc_error_wrap(err,
				     "%s (real-time budget for process.scheduler; set "
				     "linux.resources.cpu.realtimeRuntime to a smaller share)",
				     shown);
	return 0;
}

/* v2: the parent must delegate the controllers the files use. */
static int v2_enable(int parent, char **ctls, const char *shown, bc_error_t **err)
{
	for (size_t i = 0; ctls && ctls[i]; i++) {
		cleanup_free char *v = bc_xasprintf("+%s", ctls[i]);
		bc_kv_t kv = {.key = "cgroup.subtree_control", .value = v};

		if (cgroup_v2_write_files(parent, &kv, 1, err) < 0)
			return bc_error_wrap(err, "enable controllers above %s", shown);
	}
	return 0;
}

/* mkdir -p of d->rel below its mount; d->keep and d->fd tell how far it got. */
static int make_dir(struct cg_dir *d, bool v2_ctl, char **ctls, bc_error_t **err)
{
	cleanup_close int fd = -1;
	cleanup_free char *shown = bc_xstrdup(d->mountpoint);
	size_t i = 0;
	bool created = false;
	dev_t dev;

	fd = open_mount(d->mountpoint, &dev, err);
	if (fd < 0)
		return -1;
	d->keep = SIZE_MAX; /* nothing of ours yet */
	for (const char *p = d->rel; *p; i++) {
		size_t len = strcspn(p, "/");
		cleanup_free char *name = bc_xstrndup(p, len);
		char *next = bc_xasprintf("%s/%s", shown, name);
		int child;

		free(shown);
		shown = next;
		p += len + (p[len] == '/');
		if (v2_ctl && (created || *p == '\0') && v2_enable(fd, ctls, shown, err) < 0)
			return -1;
		if (mkdirat(fd, name, 0755) == 0) {
			if (!created)
				d->keep = i;
			created = true;
		} else if (errno != EEXIST || created) {
			/* Past a directory we made, nobody else should have made the next one. */
			return bc_error_errno(err, "cgroup: create %s", shown);
		}
		child = open_below(fd, name, dev, shown, err);
		if (child < 0)
			return -1;
		if (created && ((cgroup_hier_has(d->h, "cpuset") &&
				 cpuset_inherit(fd, child, shown, err) < 0) ||
				(d->rt_budget && cgroup_hier_has(d->h, "cpu") &&
				 rt_inherit(fd, child, shown, err) < 0))) {
			close(child);
			return -1;
		}
		close(fd);
		fd = child;
	}
	if (!created)
		d->keep = i;
	d->fd = steal_fd(fd);
	return 0;
}

/* What is left in a leaf we created: processes outside the container's pid namespace, or
 * all of them when the init could not be stopped (an unreadable state record). */
static void kill_members(int leaf)
{
	cleanup_free char *procs = NULL;
	cleanup_close int fd = openat(leaf, "cgroup.procs", O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	char *save = NULL;

	if (fd < 0 || bc_read_all(fd, MAX_PROC_FILE, &procs, NULL) < 0)
		return;
	for (char *p = strtok_r(procs, "\n", &save); p; p = strtok_r(NULL, "\n", &save)) {
		int64_t pid;

		if (bc_parse_int64(p, &pid) == 0 && pid > 0)
			kill((pid_t)pid, SIGKILL);
	}
}

/* rmdir mountpoint/rel from the leaf up to (not including) component KEEP.  A busy leaf
 * (ours: it is past KEEP) has its members killed and is retried for 2 s; a busy parent is
 * shared: kept. */
static int remove_dir(const char *mountpoint, const char *rel, size_t keep, bc_error_t **err)
{
	int fds[64];
	char *names[64];
	size_t n = 0;
	cleanup_free char *copy = bc_xstrdup(rel);
	int ret = 0;
	dev_t dev;

	fds[0] = open_mount(mountpoint, &dev, err);
	if (fds[0] < 0)
		return -1;
	for (char *save = NULL, *c = strtok_r(copy, "/", &save); c;
	     c = strtok_r(NULL, "/", &save)) {
		if (n + 1 >= BC_ARRAY_SIZE(fds) || strcmp(c, "..") == 0 || strcmp(c, ".") == 0) {
			ret = bc_error_set(err, 0, "cgroup: refusing to remove %s/%s", mountpoint,
					   rel);
			goto out;
		}
		names[n] = c;
		fds[n + 1] = openat(fds[n], c, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		n++;
		if (fds[n] < 0) {
			if (errno != ENOENT)
				ret = bc_error_errno(err, "cgroup: open %s/%s", mountpoint, rel);
			n--;
			goto remove;
		}
	}
remove:
	/* fds[i] is the parent of names[i]; the directories from index keep on are ours. */
	for (size_t i = n; i-- > keep && ret == 0;) {
		int tries = 0;

		while (unlinkat(fds[i], names[i], AT_REMOVEDIR) < 0) {
			struct timespec ts = {0, 10 * 1000 * 1000};

			if (errno == ENOENT)
				break;
			if (errno != EBUSY || i + 1 != n || ++tries > 200) {
				if (errno == EBUSY && i + 1 != n)
					goto out; /* another cgroup below: shared, keep it */
				ret = bc_error_errno(err, "cgroup: remove %s/%s", mountpoint, rel);
				goto out;
			}
			kill_members(fds[i + 1]);
			nanosleep(&ts, NULL);
		}
	}
out:
	for (size_t i = 0; i <= n; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	return ret;
}

/* ---- the record: "MOUNTPOINT\tKEEP\tREL\n" per directory ---- */

static int write_record(const cgroup_t *cg, bc_error_t **err)
{
	cleanup_free char *buf = bc_xstrdup("");

	for (size_t i = 0; i < cg->n; i++) {
		char *next = bc_xasprintf("%s%s\t%zu\t%s\n", buf, cg->d[i].mountpoint,
					  cg->d[i].keep, cg->d[i].rel);
		free(buf);
		buf = next;
	}
	if (bc_write_file_atomic_at(cg->state_dirfd, CGROUP_RECORD, buf, strlen(buf), 0600, err) <
	    0)
		return bc_error_wrap(err, "cgroup: record the container's cgroups");
	return 0;
}

int cgroup_remove(int state_dirfd, bc_error_t **err)
{
	cleanup_free char *rec = NULL;
	char *save = NULL;
	int ret = 0;

	if (bc_read_file_at(state_dirfd, CGROUP_RECORD, MAX_PROC_FILE, &rec, NULL, err) < 0) {
		if ((*err)->errnum != ENOENT)
			return -1;
		bc_error_freep(err);
		return 0;
	}
	for (char *l = strtok_r(rec, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		char *t1 = strchr(l, '\t'), *t2 = t1 ? strchr(t1 + 1, '\t') : NULL;
		uint64_t keep;

		if (t2 == NULL || l[0] != '/')
			continue;
		*t1 = *t2 = '\0';
		if (bc_parse_uint64(t1 + 1, &keep) < 0)
			continue;
		if (remove_dir(l, t2 + 1, (size_t)keep, ret < 0 ? NULL : err) < 0)
			ret = -1;
	}
	if (ret == 0 && unlinkat(state_dirfd, CGROUP_RECORD, 0) < 0 && errno != ENOENT)
		return bc_error_errno(err, "cgroup: remove the record " CGROUP_RECORD);
	return ret;
}

/* ---- the manager ---- */

void cgroup_free(cgroup_t *cg)
{
	if (cg == NULL)
		return;
	for (size_t i = 0; i < cg->n; i++) {
		free(cg->d[i].mountpoint);
		free(cg->d[i].rel);
		if (cg->d[i].fd >= 0)
			close(cg->d[i].fd);
	}
	free(cg->d);
	cgroup_hierarchies_free(cg->h, cg->nh);
	free(cg);
}

void cgroup_abort(cgroup_t *cg)
{
	cleanup_error bc_error_t *err = NULL;

	if (cg == NULL)
		return;
	for (size_t i = cg->n; i-- > 0;) {
		if (cg->d[i].fd >= 0)
			close(steal_fd(cg->d[i].fd));
		if (remove_dir(cg->d[i].mountpoint, cg->d[i].rel, cg->d[i].keep, &err) < 0) {
			bc_warn("%s", err->msg);
			bc_error_freep(&err);
		}
	}
	if (cg->recorded)
		unlinkat(cg->state_dirfd, CGROUP_RECORD, 0);
	cgroup_free(cg);
}

void cgroup_abortp(cgroup_t **cg)
{
	int saved = errno;

	cgroup_abort(*cg);
	*cg = NULL;
	errno = saved;
}

static int load_hierarchies(cgroup_t *cg, cgroup_mode_t mode, bc_error_t **err)
{
	cleanup_free char *mountinfo = NULL;
	cleanup_free char *self = NULL;

	if (bc_read_file("/proc/self/mountinfo", 16 << 20, &mountinfo, NULL, err) < 0 ||
	    bc_read_file("/proc/self/cgroup", MAX_PROC_FILE, &self, NULL, err) < 0)
		return -1;
	return cgroup_hierarchies_parse(mountinfo, self, mode, &cg->h, &cg->nh, err);
}

static bool soft_failure(int errnum)
{
	return errnum == EACCES || errnum == EPERM || errnum == EROFS;
}

/* Each file in the hierarchy of its controller (v1), or all in the one (v2). */
static int write_resources(cgroup_t *cg, cgroup_mode_t mode, const bc_kv_t *kv, size_t n,
			   bc_error_t **err)
{
	for (size_t i = 0; i < n; i++) {
		cleanup_free char *ctl = cgroup_v1_file_controller(kv[i].key);
		const struct cg_dir *d = NULL;

		for (size_t j = 0; j < cg->n && d == NULL; j++)
			if (mode == CGROUP_MODE_V2 || cgroup_hier_has(cg->d[j].h, ctl))
				d = &cg->d[j];
		if (d == NULL) {
			if (kv[i].key[0] == CGROUP_V2_OPTIONAL)
				continue;
			return bc_error_set(err, 0,
					    "cgroup: no mounted hierarchy has the %s controller "
					    "(needed for %s)",
					    ctl, cgroup_v2_file_name(kv[i].key));
		}
		if (cgroup_v2_write_files(d->fd, &kv[i], 1, err) < 0)
			return bc_error_wrap(err, "%s/%s", d->mountpoint, d->rel);
	}
	return 0;
}

static int make_dirs(cgroup_t *cg, cgroup_mode_t mode, const char *cgroups_path, const char *id,
		     char **ctls, bool rt_budget, bc_error_t **err)
{
	cg->d = bc_xcalloc(cg->nh, sizeof(*cg->d));
	for (size_t i = 0; i < cg->nh; i++) {
		struct cg_dir *d = &cg->d[cg->n];

		d->fd = -1;
		d->h = &cg->h[i];
		d->rt_budget = rt_budget;
		d->mountpoint = bc_xstrdup(cg->h[i].mountpoint);
		d->rel = cgroup_path_below_mount(&cg->h[i], cgroups_path, id, err);
		if (d->rel == NULL) {
			free(d->mountpoint);
			return -1;
		}
		cg->n++;
		if (make_dir(d, mode == CGROUP_MODE_V2, ctls, err) < 0)
			return -1;
	}
	return 0;
}

static bool wants_rt(const bc_spec_t *spec)
{
	const bc_scheduler_t *sc = spec->process ? spec->process->scheduler : NULL;
	const bc_resources_t *r = spec->linux_ ? spec->linux_->resources : NULL;

	if (sc && sc->policy &&
	    (strcmp(sc->policy, "SCHED_FIFO") == 0 || strcmp(sc->policy, "SCHED_RR") == 0))
		return true;
	return r && r->cpu && r->cpu->has_realtime_runtime && r->cpu->realtime_runtime != 0;
}

static int enter_all(cgroup_t *cg, pid_t pid, bc_error_t **err)
{
	cleanup_free char *v = bc_xasprintf("%d", (int)pid);
	bc_kv_t kv = {.key = "cgroup.procs", .value = v};

	for (size_t i = 0; i < cg->n; i++)
		if (cgroup_v2_write_files(cg->d[i].fd, &kv, 1, err) < 0)
			return bc_error_wrap(err, "%s/%s", cg->d[i].mountpoint, cg->d[i].rel);
	return 0;
}

int cgroup_enter(const bc_spec_t *spec, const char *id, pid_t pid, int state_dirfd, cgroup_t **out,
		 bc_error_t **err)
{
	const bc_linux_t *lx = spec->linux_;
	const char *path = lx ? lx->cgroups_path : NULL;
	const bc_resources_t *res = lx ? lx->resources : NULL;
	cleanup_strv char **ctls = NULL;
	cleanup_free char *name = NULL;
	bc_kv_t *kv = NULL;
	size_t n = 0;
	cgroup_mode_t mode;
	cgroup_t *cg;
	int ret;

	*out = NULL;
	if (manager_disabled)
		return 0;
	if (cgroup_detect_mode(&mode, err) < 0)
		return -1;
	if ((mode == CGROUP_MODE_V2 ? cgroup_v2_resource_files(res, &kv, &n, err)
				    : cgroup_v1_resource_files(res, &kv, &n, err)) < 0)
		return -1;
	if (mode == CGROUP_MODE_V2)
		cgroup_v2_needed_controllers(kv, n, &ctls);
	/* Without cgroupsPath: unique even when two state roots hold the same ID (as parallel
	 * test suites do), so that one container never joins, or removes, another's. */
	name = bc_xasprintf("barco-%s-%d", id ? id : "ctr", (int)pid);
	cg = *out = bc_xcalloc(1, sizeof(*cg));
	cg->state_dirfd = state_dirfd;
	ret = load_hierarchies(cg, mode, err);
	if (ret == 0)
		ret = make_dirs(cg, mode, path, name, ctls, wants_rt(spec), err);
	if (ret < 0 && (path == NULL || *path == '\0') && n == 0 && *err &&
	    soft_failure((*err)->errnum)) {
		bc_warn("%s; the container stays in our cgroup", (*err)->msg);
		bc_error_freep(err);
		cgroup_abort(cg);
		*out = NULL;
		cgroup_v2_kv_free(kv, n);
		return 0;
	}
	if (ret == 0) {
		ret = write_record(cg, err);
		cg->recorded = true; /* also when it failed half-way: abort unlinks it */
	}
	if (ret == 0)
		ret = write_resources(cg, mode, kv, n, err);
	if (ret == 0)
		ret = enter_all(cg, pid, err);
	cgroup_v2_kv_free(kv, n);
	if (ret == 0)
		bc_debug("cgroup: pid %d placed in %zu hierarchies at %s", (int)pid, cg->n,
			 cg->n ? cg->d[0].rel : "");
	return ret;
}

/* ---- a created container's cgroups: cgroup_load, freeze, procs, signal ---- */

/* ---- update ---- */
