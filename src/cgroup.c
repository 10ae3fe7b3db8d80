/* SPDX-License-Identifier: MIT */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
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
#include "barco/cgroup_devices.h"
#include "barco/cgroup_v1.h"
#include "barco/cgroup_v2.h"
#include "barco/log.h"
#include "barco/rootless.h"
#include "barco/util.h"
#include "cgroup_internal.h"

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

/* ---- directories ---- */

/* A cgroup mount's root, checked to be one. */
int cg_open_mount(const char *mp, dev_t *dev, bc_error_t **err)
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
int cg_open_below(int dirfd, const char *name, dev_t dev, const char *shown, bc_error_t **err)
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

int cg_read_small(int dirfd, const char *name, char *buf, size_t size)
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

		if (cg_read_small(child, files[i], mine, sizeof(mine)) < 0)
			return bc_error_errno(err, "cgroup: read %s/%s", shown, files[i]);
		if (mine[0] != '\0')
			continue;
		if (cg_read_small(parent, files[i], theirs, sizeof(theirs)) < 0)
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

	if (cg_read_small(parent, kv.key, theirs, sizeof(theirs)) < 0)
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
int cg_v2_enable(int parent, char **ctls, const char *shown, bc_error_t **err)
{
	for (size_t i = 0; ctls && ctls[i]; i++) {
		cleanup_free char *v = bc_xasprintf("+%s", ctls[i]);
		bc_kv_t kv = {.key = "cgroup.subtree_control", .value = v};

		if (cgroup_v2_write_files(parent, &kv, 1, err) < 0)
			return bc_error_wrap(err, "enable controllers above %s", shown);
	}
	return 0;
}

/* mkdir -p of d->rel below its mount; d->keep and d->fd tell how far it got.  On cgroup2
 * (v2_ctl), each parent of a directory we make, and of the leaf, delegates CTLS: the first
 * one made needs them from the cgroup that existed above it. */
static int make_dir(struct cg_dir *d, bool v2_ctl, char **ctls, bc_error_t **err)
{
	cleanup_close int fd = -1;
	cleanup_free char *shown = bc_xstrdup(d->mountpoint);
	size_t i = 0;
	bool created = false;
	dev_t dev;

	fd = cg_open_mount(d->mountpoint, &dev, err);
	if (fd < 0)
		return -1;
	d->keep = SIZE_MAX; /* nothing of ours yet */
	for (const char *p = d->rel; *p; i++) {
		size_t len = strcspn(p, "/");
		cleanup_free char *name = bc_xstrndup(p, len);
		char *next = bc_xasprintf("%s/%s", shown, name);
		bool made;
		int child;

		free(shown);
		shown = next;
		p += len + (p[len] == '/');
		made = mkdirat(fd, name, 0755) == 0;
		if (!made && (errno != EEXIST || created))
			/* Past a directory we made, nobody else should have made the next one. */
			return bc_error_errno(err, "cgroup: create %s", shown);
		if (made && !created)
			d->keep = i;
		created |= made;
		if (v2_ctl && (made || *p == '\0') && cg_v2_enable(fd, ctls, shown, err) < 0)
			return -1;
		child = cg_open_below(fd, name, dev, shown, err);
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

/* How many leading components of d->rel exist already: before make_dir, for the pending
 * record. */
static size_t existing_components(const struct cg_dir *d)
{
	cleanup_close int fd = -1;
	size_t i = 0;
	dev_t dev;

	fd = cg_open_mount(d->mountpoint, &dev, NULL);
	if (fd < 0)
		return 0;
	for (const char *p = d->rel; *p; i++) {
		size_t len = strcspn(p, "/");
		cleanup_free char *name = bc_xstrndup(p, len);
		int child = openat(fd, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

		if (child < 0)
			break;
		close(fd);
		fd = child;
		p += len + (p[len] == '/');
	}
	return i;
}

/* What is left in a cgroup we made: processes outside the container's pid namespace, all
 * of them when the init could not be stopped (an unreadable state record, a crashed
 * create).  cgroup.kill (cgroup2, 5.14+) takes the whole subtree at once, with no pid to
 * reuse in between; elsewhere each pid of cgroup.procs, and a v1 freezer is thawed, since a
 * frozen task does not die. */
static void kill_members(int leaf)
{
	cleanup_free char *procs = NULL;
	cleanup_close int kfd = openat(leaf, "cgroup.kill", O_WRONLY | O_NOFOLLOW | O_CLOEXEC);
	cleanup_close int fd = -1;
	bc_kv_t thaw = {.key = "?freezer.state", .value = "THAWED"};
	char *save = NULL;

	if (kfd >= 0 && write(kfd, "1", 1) == 1)
		return;
	fd = openat(leaf, "cgroup.procs", O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 || bc_read_all(fd, MAX_PROC_FILE, &procs, NULL) < 0)
		return;
	for (char *p = strtok_r(procs, "\n", &save); p; p = strtok_r(NULL, "\n", &save)) {
		int64_t pid;

		if (bc_parse_int64(p, &pid) == 0 && pid > 0 && pid <= INT32_MAX)
			kill((pid_t)pid, SIGKILL);
	}
	cgroup_v2_write_files(leaf, &thaw, 1, NULL);
}

/* rmdir parent/name (FD: that directory) and the cgroups the container made below it,
 * deepest first, killing their members; the kernel refuses while exiting tasks are still
 * counted: retried for 2 s. */
static int rmdir_subtree(int parent, const char *name, int fd, int depth)
{
	cleanup_dir DIR *dir = NULL;
	int dfd = depth < 32 ? openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
	struct dirent *de;

	if (dfd >= 0 && (dir = fdopendir(dfd)) == NULL)
		close(dfd);
	while (dir != NULL && (de = readdir(dir)) != NULL) {
		int child;

		if (de->d_type != DT_DIR || strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		child = openat(fd, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (child < 0)
			continue;
		rmdir_subtree(fd, de->d_name, child, depth + 1);
		close(child);
	}
	for (int tries = 0; unlinkat(parent, name, AT_REMOVEDIR) < 0; tries++) {
		struct timespec ts = {0, 10 * 1000 * 1000};

		if (errno == ENOENT)
			return 0;
		if (errno != EBUSY || tries >= 200)
			return -1;
		kill_members(fd);
		nanosleep(&ts, NULL);
	}
	return 0;
}

/* rmdir mountpoint/rel from the leaf up to (not including) component KEEP.  A busy leaf
 * (ours: it is past KEEP) has what runs in it killed when MAY_KILL (else it is kept, as
 * somebody else's); a busy parent is shared: kept. */
static int remove_dir(const char *mountpoint, const char *rel, size_t keep, bool may_kill,
		      bc_error_t **err)
{
	int fds[64];
	char *names[64];
	size_t n = 0;
	cleanup_free char *copy = bc_xstrdup(rel);
	int ret = 0;
	dev_t dev;

	fds[0] = cg_open_mount(mountpoint, &dev, err);
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
		bool leaf = i + 1 == n && may_kill;

		if ((leaf ? rmdir_subtree(fds[i], names[i], fds[i + 1], 0)
			  : unlinkat(fds[i], names[i], AT_REMOVEDIR)) == 0 ||
		    errno == ENOENT)
			continue;
		if (errno == EBUSY && !leaf)
			break; /* another cgroup below, or somebody's tasks: shared, keep it */
		ret = bc_error_errno(err, "cgroup: remove %s/%s", mountpoint, rel);
	}
out:
	for (size_t i = 0; i <= n; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	return ret;
}

/* ---- the record: "MOUNTPOINT\tKEEP\tREL\n" per directory ----
 * CGROUP_RECORD lists what cgroup_enter made, written once the directories exist.  Before
 * it makes any, it writes RECORD_PENDING: what it is about to make, KEEP from the
 * components that existed then.  A barco killed in between leaves only that one, and
 * removal from it only rmdirs: nothing was put in those directories yet, and one that
 * somebody else made meanwhile must not have its processes killed. */
#define RECORD_PENDING CGROUP_RECORD ".pending"

static int record_add(char **buf, const char *mountpoint, size_t keep, const char *rel,
		      bc_error_t **err)
{
	char *next;

	if (strpbrk(mountpoint, "\t\n") != NULL || strpbrk(rel, "\t\n") != NULL)
		return bc_error_set(err, 0,
				    "cgroup: %s/%s: a tab or newline in a cgroup path is refused",
				    mountpoint, rel);
	next = bc_xasprintf("%s%s\t%zu\t%s\n", *buf, mountpoint, keep, rel);
	free(*buf);
	*buf = next;
	return 0;
}

static int record_store(int state_dirfd, const char *name, const char *buf, bc_error_t **err)
{
	if (bc_write_file_atomic_at(state_dirfd, name, buf, strlen(buf), 0600, err) < 0)
		return bc_error_wrap(err, "cgroup: record the container's cgroups");
	return 0;
}

/* The exact record, replacing the pending one. */
static int write_record(const cgroup_t *cg, bc_error_t **err)
{
	cleanup_free char *buf = bc_xstrdup("");

	for (size_t i = 0; i < cg->n; i++)
		if (record_add(&buf, cg->d[i].mountpoint, cg->d[i].keep, cg->d[i].rel, err) < 0)
			return -1;
	if (record_store(cg->state_dirfd, CGROUP_RECORD, buf, err) < 0)
		return -1;
	if (unlinkat(cg->state_dirfd, RECORD_PENDING, 0) < 0 && errno != ENOENT)
		return bc_error_errno(err, "cgroup: remove the record " RECORD_PENDING);
	return 0;
}

/* Remove what each line of a record names.  A line that does not parse fails the removal
 * once the others are done (delete keeps the entry; --force warns and removes it). */
static int remove_recorded(char *rec, const char *file, bool may_kill, bc_error_t **err)
{
	char *save = NULL;
	size_t bad = 0;
	int ret = 0;

	for (char *l = strtok_r(rec, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		char *t1 = strchr(l, '\t'), *t2 = t1 ? strchr(t1 + 1, '\t') : NULL;
		uint64_t keep;

		if (t2 == NULL || l[0] != '/' || t2[1] == '\0') {
			bad++;
			continue;
		}
		*t1 = *t2 = '\0';
		if (bc_parse_uint64(t1 + 1, &keep) < 0) {
			bad++;
			continue;
		}
		if (remove_dir(l, t2 + 1, (size_t)keep, may_kill, ret < 0 ? NULL : err) < 0)
			ret = -1;
	}
	if (bad > 0 && ret == 0)
		ret = bc_error_set(err, 0,
				   "cgroup: %zu malformed line%s in the record %s: the cgroups "
				   "named there were not removed",
				   bad, bad > 1 ? "s" : "", file);
	return ret;
}

/* Read a record; 1 read, 0 absent, -1 error. */
static int record_read(int state_dirfd, const char *name, char **rec, bc_error_t **err)
{
	if (bc_read_file_at(state_dirfd, name, MAX_PROC_FILE, rec, NULL, err) == 0)
		return 1;
	if ((*err)->errnum != ENOENT)
		return bc_error_wrap(err, "cgroup: read the record %s", name);
	bc_error_freep(err);
	return 0;
}

int cgroup_remove(int state_dirfd, bc_error_t **err)
{
	cleanup_free char *rec = NULL;
	int r;

	/* The exact record supersedes the pending one, which may still be there when barco was
	 * killed right after writing it. */
	r = record_read(state_dirfd, CGROUP_RECORD, &rec, err);
	if (r > 0 && remove_recorded(rec, CGROUP_RECORD, true, err) < 0)
		return -1;
	if (r == 0) {
		r = record_read(state_dirfd, RECORD_PENDING, &rec, err);
		if (r > 0 && remove_recorded(rec, RECORD_PENDING, false, err) < 0)
			return -1;
	}
	if (r < 0)
		return -1;
	if (unlinkat(state_dirfd, RECORD_PENDING, 0) < 0 && errno != ENOENT)
		return bc_error_errno(err, "cgroup: remove the record " RECORD_PENDING);
	if (unlinkat(state_dirfd, CGROUP_RECORD, 0) < 0 && errno != ENOENT)
		return bc_error_errno(err, "cgroup: remove the record " CGROUP_RECORD);
	return 0;
}

/* ---- the manager ---- */

void cgroup_free(cgroup_t *cg)
{
	if (cg == NULL)
		return;
	for (size_t i = 0; i < cg->n; i++) {
		free(cg->d[i].mountpoint);
		free(cg->d[i].rel);
		free(cg->d[i].shown);
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
		if (remove_dir(cg->d[i].mountpoint, cg->d[i].rel, cg->d[i].keep, true, &err) < 0) {
			bc_warn("%s", err->msg);
			bc_error_freep(&err);
		}
	}
	if (cg->recorded) {
		unlinkat(cg->state_dirfd, CGROUP_RECORD, 0);
		unlinkat(cg->state_dirfd, RECORD_PENDING, 0);
	}
	cgroup_free(cg);
}

void cgroup_abortp(cgroup_t **cg)
{
	int saved = errno;

	cgroup_abort(*cg);
	*cg = NULL;
	errno = saved;
}

int cg_load_hierarchies(cgroup_t *cg, cgroup_mode_t mode, bc_error_t **err)
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

/* Whether the cgroup2 mount H has CTL (its root's cgroup.controllers). */
static bool v2_root_has(const cgroup_hier_t *h, const char *ctl)
{
	cleanup_free char *path = bc_xasprintf("%s/cgroup.controllers", h->mountpoint);
	cleanup_free char *list = NULL;
	cleanup_error bc_error_t *e = NULL;

	if (bc_read_file(path, 4096, &list, NULL, &e) < 0)
		return false;
	for (char *save = NULL, *w = strtok_r(list, " \n", &save); w;
	     w = strtok_r(NULL, " \n", &save))
		if (strcmp(w, ctl) == 0)
			return true;
	return false;
}

/* The hierarchy (index into H) a list entry is written in: on v2 the one; else the one
 * holding the controller of the file, and for linux.resources.unified entries
 * (CGROUP_V1_UNIFIED) the cgroup2 one of a hybrid host, unless a v1 hierarchy holds the
 * controller.  SIZE_MAX with *err unset: an optional file of a controller nobody has. */
size_t cg_key_hier(const cgroup_hier_t *h, size_t nh, cgroup_mode_t mode, const char *key,
		   bc_error_t **err)
{
	cleanup_free char *ctl = cgroup_v1_file_controller(key);
	const char *name = cgroup_v1_file_name(key);
	size_t v2 = SIZE_MAX;

	for (size_t j = 0; j < nh; j++) {
		if (mode == CGROUP_MODE_V2)
			return j;
		if (h[j].v2)
			v2 = j;
		else if (ctl != NULL && cgroup_hier_has(&h[j], ctl)) {
			if (!cgroup_v1_key_is_unified(key))
				return j;
			bc_error_set(err, 0,
				     "cgroup: linux.resources.unified.%s: the %s controller is in "
				     "the cgroup v1 hierarchy %s on this host; unified resources "
				     "are only written to the cgroup2 hierarchy",
				     name, ctl, h[j].mountpoint);
			return SIZE_MAX;
		}
	}
	if (cgroup_v1_key_is_unified(key)) {
		if (v2 == SIZE_MAX)
			bc_error_set(err, 0,
				     "cgroup: linux.resources.unified.%s: unified resources are "
				     "only supported on cgroup v2 (this host has no cgroup2 "
				     "hierarchy)",
				     name);
		else if (ctl == NULL || v2_root_has(&h[v2], ctl))
			return v2;
		else
			bc_error_set(err, 0,
				     "cgroup: no mounted hierarchy has the %s controller (needed "
				     "for linux.resources.unified.%s)",
				     ctl, name);
		return SIZE_MAX;
	}
	if (key[0] != CGROUP_V2_OPTIONAL)
		bc_error_set(err, 0,
			     "cgroup: no mounted hierarchy has the %s controller (needed for %s)",
			     ctl, name);
	return SIZE_MAX;
}

/* Before anything is made: every entry has a hierarchy.  *v2_ctls gets the controllers
 * the cgroup2 directory of a hybrid host needs delegated (its unified entries). */
static int check_routes(const cgroup_t *cg, cgroup_mode_t mode, const bc_kv_t *kv, size_t n,
			char ***v2_ctls, bc_error_t **err)
{
	cleanup_free bc_kv_t *v2 = bc_xcalloc(n + 1, sizeof(*v2));
	size_t nv2 = 0;

	for (size_t i = 0; i < n; i++) {
		size_t j = cg_key_hier(cg->h, cg->nh, mode, kv[i].key, err);

		if (j == SIZE_MAX && *err != NULL)
			return -1;
		if (j != SIZE_MAX && cg->h[j].v2)
			v2[nv2++] = (bc_kv_t){.key = (char *)cgroup_v1_file_name(kv[i].key),
					      .value = kv[i].value};
	}
	cgroup_v2_needed_controllers(v2, nv2, v2_ctls);
	return 0;
}

/* Each file in the hierarchy key_hier picks (all in the one on v2). */
static int write_resources(cgroup_t *cg, cgroup_mode_t mode, const bc_kv_t *kv, size_t n,
			   bc_error_t **err)
{
	for (size_t i = 0; i < n; i++) {
		size_t j = cg_key_hier(cg->h, cg->nh, mode, kv[i].key, err);
		const struct cg_dir *d = NULL;
		bc_kv_t one = {.key = kv[i].key, .value = kv[i].value};

		if (j == SIZE_MAX && *err != NULL)
			return -1;
		for (size_t k = 0; k < cg->n && d == NULL && j != SIZE_MAX; k++)
			if (cg->d[k].h == &cg->h[j] && cg->d[k].fd >= 0)
				d = &cg->d[k];
		if (d == NULL) {
			if (kv[i].key[0] == CGROUP_V2_OPTIONAL)
				continue;
			return bc_error_set(err, 0, "cgroup: the container has no cgroup in %s",
					    j == SIZE_MAX ? "any hierarchy" : cg->h[j].mountpoint);
		}
		if (cgroup_v1_key_is_unified(one.key))
			one.key = (char *)cgroup_v1_file_name(one.key);
		if (cgroup_v2_write_files(d->fd, &one, 1, err) < 0)
			return bc_error_wrap(err, "%s/%s", d->mountpoint, d->rel);
	}
	return 0;
}

/* Every directory's path first, then the pending record, then the directories. */
static int make_dirs(cgroup_t *cg, cgroup_mode_t mode, const char *cgroups_path, const char *id,
		     char **ctls, char **v2_ctls, bool rt_budget, bc_error_t **err)
{
	cleanup_free char *pending = bc_xstrdup("");

	cg->d = bc_xcalloc(cg->nh, sizeof(*cg->d));
	for (size_t i = 0; i < cg->nh; i++) {
		struct cg_dir *d = &cg->d[cg->n];

		d->fd = -1;
		d->keep = SIZE_MAX; /* not attempted yet: nothing of ours to undo */
		d->h = &cg->h[i];
		d->rt_budget = rt_budget;
		d->mountpoint = bc_xstrdup(cg->h[i].mountpoint);
		d->rel = cgroup_path_below_mount(&cg->h[i], cgroups_path, id, err);
		if (d->rel == NULL) {
			free(d->mountpoint);
			return -1;
		}
		d->shown = bc_xasprintf("%s/%s", d->mountpoint, d->rel);
		cg->n++;
		if (record_add(&pending, d->mountpoint, existing_components(d), d->rel, err) < 0)
			return -1;
	}
	/* Recorded before the first mkdir: a barco killed from here on leaves a record that
	 * delete --force removes the directories by. */
	if (record_store(cg->state_dirfd, RECORD_PENDING, pending, err) < 0)
		return -1;
	cg->recorded = true;
	for (size_t i = 0; i < cg->n; i++) {
		struct cg_dir *d = &cg->d[i];
		bool v2 = mode == CGROUP_MODE_V2 || (d->h->v2 && v2_ctls && v2_ctls[0]);

		if (make_dir(d, v2, mode == CGROUP_MODE_V2 ? ctls : v2_ctls, err) < 0)
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

/* linux.resources.devices and the default allow list (always: runc does the same): in the
 * v1 devices hierarchy, else as an eBPF program on the cgroup2 directory (v2, or a hybrid
 * host without a devices hierarchy). */
static int apply_devices(const cgroup_t *cg, const bc_spec_t *spec, bc_error_t **err)
{
	const struct cg_dir *v1 = NULL, *v2 = NULL, *d;
	cleanup_free char *shown = NULL;

	for (size_t i = 0; i < cg->n; i++) {
		if (cg->d[i].h->v2)
			v2 = &cg->d[i];
		else if (cgroup_hier_has(cg->d[i].h, "devices"))
			v1 = &cg->d[i];
	}
	d = v1 ? v1 : v2;
	if (d == NULL) {
		bc_warn("cgroup: no devices hierarchy is mounted: device access is not restricted");
		return 0;
	}
	shown = bc_xasprintf("%s/%s", d->mountpoint, d->rel);
	return cgroup_devices_apply(d->fd, d == v2, spec, shown, err);
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

/* The list again, now that the directories exist and can say which weight files the I/O
 * scheduler gives them (BFQ or not); only blockIO depends on it. */
static int relist_for_dirs(const cgroup_t *cg, cgroup_mode_t mode, const bc_resources_t *res,
			   bc_kv_t **kv, size_t *n, bc_error_t **err)
{
	bc_kv_t *fresh = NULL;
	size_t nfresh = 0;
	int fd, r;

	if (res == NULL || res->block_io == NULL)
		return 0;
	if (mode == CGROUP_MODE_V2) {
		cgroup_v2_features_t f;

		if (cg->n == 0 || cgroup_v2_probe_features(cg->d[0].fd, &f, err) < 0)
			return cg->n == 0 ? 0 : -1;
		r = cgroup_v2_resource_files_for(res, &f, &fresh, &nfresh, err);
	} else {
		cgroup_v1_features_t f;

		fd = cgroup_dirfd(cg, "blkio", NULL);
		if (fd < 0)
			return 0; /* write_resources names the missing controller */
		if (cgroup_v1_probe_features(fd, &f, err) < 0)
			return -1;
		r = cgroup_v1_resource_files_for(res, &f, &fresh, &nfresh, err);
	}
	if (r < 0)
		return -1;
	cgroup_v2_kv_free(*kv, *n);
	*kv = fresh;
	*n = nfresh;
	return 0;
}

static bool dir_writable(const char *dir)
{
	cleanup_free char *procs = bc_xasprintf("%s/cgroup.procs", dir);
	cleanup_free char *ctl = bc_xasprintf("%s/cgroup.subtree_control", dir);

	return access(dir, W_OK) == 0 && access(procs, W_OK) == 0 && access(ctl, W_OK) == 0;
}

/* Rootless mode: the caller's cgroup v2 directory, when it is delegated to us (the
 * directory, its cgroup.procs and cgroup.subtree_control writable); NULL with *why set
 * otherwise. */
static char *rootless_delegated(cgroup_mode_t mode, char **why, bc_error_t **err)
{
	cgroup_t probe = {0};
	cleanup_free char *dir = NULL;
	const cgroup_hier_t *h = NULL;
	const char *own;

	if (mode != CGROUP_MODE_V2) {
		*why = bc_xstrdup("the controllers are in cgroup v1 hierarchies, which are not "
				  "delegated to users");
		return NULL;
	}
	if (cg_load_hierarchies(&probe, mode, err) < 0)
		return NULL;
	for (size_t i = 0; i < probe.nh && h == NULL; i++)
		if (probe.h[i].v2)
			h = &probe.h[i];
	if (h != NULL) {
		own = h->own;
		if (strcmp(h->root, "/") != 0 && bc_str_has_prefix(own, h->root))
			own += strlen(h->root);
		dir = bc_xasprintf("%s%s%s", h->mountpoint, *own == '/' ? "" : "/", own);
	}
	cgroup_hierarchies_free(probe.h, probe.nh);
	if (dir == NULL) {
		*why = bc_xstrdup("no cgroup2 hierarchy holds our cgroup");
		return NULL;
	}
	if (!dir_writable(dir)) {
		*why = bc_xasprintf("our cgroup %s is not delegated to uid %u (not writable)", dir,
				    (unsigned int)geteuid());
		return NULL;
	}
	return steal_ptr(dir);
}

/* Rootless mode: 1 to go on with cgroups, 0 to run without (a warning), -1 when the config
 * asks for limits that cannot be applied. */
static int rootless_cgroups(const bc_spec_t *spec, cgroup_mode_t mode, size_t n_files,
			    bc_error_t **err)
{
	const bc_resources_t *res = spec->linux_ ? spec->linux_->resources : NULL;
	const char *path = spec->linux_ ? spec->linux_->cgroups_path : NULL;
	cleanup_free char *why = NULL;
	cleanup_free char *dir = rootless_delegated(mode, &why, err);

	if (dir != NULL) {
		bc_debug("rootless: cgroup %s is delegated to us: cgroups used below it", dir);
		return 1;
	}
	if (why == NULL)
		return -1;
	if (n_files > 0)
		return bc_error_set(
		    err, EPERM,
		    "cgroup: rootless: linux.resources cannot be applied: writing "
		    "cgroup limits needs a cgroup v2 subtree delegated to the caller, "
		    "and %s; remove the limits or run barco in a delegated cgroup "
		    "(systemd-run --user --scope -p Delegate=yes)",
		    why);
	bc_warn("cgroup: rootless: %s: the container runs in our cgroup%s%s", why,
		path && *path ? "; linux.cgroupsPath ignored" : "",
		res && res->n_devices > 0 ? "; linux.resources.devices not enforced" : "");
	return 0;
}

int cgroup_enter(const bc_spec_t *spec, const char *id, pid_t pid, int state_dirfd, cgroup_t **out,
		 bc_error_t **err)
{
	const bc_linux_t *lx = spec->linux_;
	const char *path = lx ? lx->cgroups_path : NULL;
	const bc_resources_t *res = lx ? lx->resources : NULL;
	cleanup_strv char **ctls = NULL;
	cleanup_strv char **v2_ctls = NULL;
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
	if (rootless_enabled()) {
		ret = rootless_cgroups(spec, mode, n, err);
		if (ret <= 0) {
			cgroup_v2_kv_free(kv, n);
			return ret;
		}
	}
	if (mode == CGROUP_MODE_V2)
		cgroup_v2_needed_controllers(kv, n, &ctls);
	/* Without cgroupsPath: unique even when two state roots hold the same ID (as parallel
	 * test suites do), so that one container never joins, or removes, another's. */
	name = bc_xasprintf("barco-%s-%d", id ? id : "ctr", (int)pid);
	cg = *out = bc_xcalloc(1, sizeof(*cg));
	cg->state_dirfd = state_dirfd;
	cg->mode = mode;
	ret = cg_load_hierarchies(cg, mode, err);
	if (ret == 0 && mode != CGROUP_MODE_V2)
		ret = check_routes(cg, mode, kv, n, &v2_ctls, err);
	if (ret == 0)
		ret = make_dirs(cg, mode, path, name, ctls, v2_ctls, wants_rt(spec), err);
	if (ret < 0 && (path == NULL || *path == '\0') && n == 0 && *err &&
	    soft_failure((*err)->errnum)) {
		bc_warn("%s; the container stays in our cgroup", (*err)->msg);
		bc_error_freep(err);
		cgroup_abort(cg);
		*out = NULL;
		cgroup_v2_kv_free(kv, n);
		return 0;
	}
	/* Exact from here: a kill of barco later leaves what delete --force needs. */
	if (ret == 0)
		ret = write_record(cg, err);
	if (ret == 0)
		ret = relist_for_dirs(cg, mode, res, &kv, &n, err);
	if (ret == 0)
		ret = write_resources(cg, mode, kv, n, err);
	/* Rootless: no device program (loading one needs CAP_BPF or CAP_SYS_ADMIN), as runc
	 * skips it in a user namespace: no node can be made there, and the host's nodes bound
	 * in keep the host's permissions. */
	if (ret == 0 && !rootless_enabled())
		ret = apply_devices(cg, spec, err);
	if (ret == 0)
		ret = enter_all(cg, pid, err);
	cgroup_v2_kv_free(kv, n);
	if (ret == 0)
		bc_debug("cgroup: pid %d placed in %zu hierarchies at %s", (int)pid, cg->n,
			 cg->n ? cg->d[0].rel : "");
	return ret;
}
