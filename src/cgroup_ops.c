/* SPDX-License-Identifier: MIT */
/* A created container's cgroups, loaded from its record: freeze, procs, signal, update. */
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
#include "barco/util.h"
#include "cgroup_internal.h"

/* ---- a created container's cgroups: cgroup_load, freeze, procs, signal ---- */

/* A recorded directory, opened as make_dir does: from the mount's root one component at a
 * time, no symlink, never leaving the mount. */
static int open_recorded(struct cg_dir *d, bc_error_t **err)
{
	cleanup_close int fd = -1;
	cleanup_free char *shown = bc_xstrdup(d->mountpoint);
	dev_t dev;

	if (d->rel[0] == '\0' || d->rel[0] == '/')
		return bc_error_set(err, 0, "cgroup: bad path \"%s\" in the record", d->rel);
	fd = cg_open_mount(d->mountpoint, &dev, err);
	if (fd < 0)
		return -1;
	for (const char *p = d->rel; *p;) {
		size_t len = strcspn(p, "/");
		cleanup_free char *name = bc_xstrndup(p, len);
		char *next = bc_xasprintf("%s/%s", shown, name);
		int child;

		free(shown);
		shown = next;
		p += len + (p[len] == '/');
		if (len == 0 || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
			return bc_error_set(err, 0, "cgroup: bad path \"%s\" in the record",
					    d->rel);
		child = cg_open_below(fd, name, dev, shown, err);
		if (child < 0)
			return -1;
		close(fd);
		fd = child;
	}
	d->fd = steal_fd(fd);
	return 0;
}

/* One "MOUNTPOINT\tKEEP\tREL" line of the record, opened and added to cg. */
static int load_line(cgroup_t *cg, char *line, bc_error_t **err)
{
	char *t1 = strchr(line, '\t'), *t2 = t1 ? strchr(t1 + 1, '\t') : NULL;
	struct cg_dir *d;
	uint64_t keep;

	if (t2 == NULL || line[0] != '/')
		return bc_error_set(err, 0, "cgroup: malformed line \"%s\" in the record", line);
	*t1 = *t2 = '\0';
	if (bc_parse_uint64(t1 + 1, &keep) < 0)
		return bc_error_set(err, 0, "cgroup: malformed count \"%s\" in the record", t1 + 1);
	cg->d = bc_xrealloc(cg->d, (cg->n + 1) * sizeof(*cg->d));
	d = &cg->d[cg->n++];
	*d = (struct cg_dir){.mountpoint = bc_xstrdup(line),
			     .rel = bc_xstrdup(t2 + 1),
			     .keep = (size_t)keep,
			     .fd = -1,
			     .shown = bc_xasprintf("%s/%s", line, t2 + 1)};
	for (size_t i = 0; i < cg->nh && d->h == NULL; i++)
		if (strcmp(cg->h[i].mountpoint, line) == 0)
			d->h = &cg->h[i];
	if (d->h == NULL)
		return bc_error_set(err, 0,
				    "cgroup: %s (recorded at create) is no longer a cgroup "
				    "hierarchy of ours",
				    line);
	return open_recorded(d, err);
}

int cgroup_load(int state_dirfd, cgroup_t **out, bc_error_t **err)
{
	cleanup_free char *rec = NULL;
	cgroup_t *cg;
	char *save = NULL;

	*out = NULL;
	if (bc_read_file_at(state_dirfd, CGROUP_RECORD, MAX_PROC_FILE, &rec, NULL, err) < 0) {
		if ((*err)->errnum != ENOENT)
			return -1;
		bc_error_freep(err);
		return 0;
	}
	cg = bc_xcalloc(1, sizeof(*cg));
	cg->state_dirfd = state_dirfd;
	if (cgroup_detect_mode(&cg->mode, err) < 0 || cg_load_hierarchies(cg, cg->mode, err) < 0)
		goto fail;
	for (char *l = strtok_r(rec, "\n", &save); l; l = strtok_r(NULL, "\n", &save))
		if (load_line(cg, l, err) < 0)
			goto fail;
	if (cg->n == 0) {
		cgroup_free(cg);
		return 0;
	}
	*out = cg;
	return 0;
fail:
	cgroup_free(cg);
	return -1;
}

cgroup_mode_t cgroup_get_mode(const cgroup_t *cg)
{
	return cg->mode;
}

int cgroup_dirfd(const cgroup_t *cg, const char *controller, const char **shown)
{
	const struct cg_dir *found = NULL;

	for (size_t i = 0; i < cg->n && found == NULL; i++) {
		const struct cg_dir *d = &cg->d[i];

		if (d->fd < 0)
			continue;
		if (controller == NULL
			? d->h->v2
			: cg->mode == CGROUP_MODE_V2 || cgroup_hier_has(d->h, controller))
			found = d;
	}
	for (size_t i = 0; i < cg->n && found == NULL && controller == NULL; i++)
		if (cg->d[i].fd >= 0)
			found = &cg->d[i];
	if (found == NULL) {
		errno = ENOENT;
		return -1;
	}
	if (shown)
		*shown = found->shown;
	return found->fd;
}

/* The directory pause freezes: the v1 freezer hierarchy where there is one (runc does the
 * same on hybrid hosts), else the cgroup2 one (cgroup.freeze, any cgroup2 non-root cgroup). */
static int freezer_dir(const cgroup_t *cg, bool *v2, const char **shown)
{
	int fd = cgroup_dirfd(cg, "freezer", shown);

	if (fd >= 0) {
		*v2 = cg->mode == CGROUP_MODE_V2;
		return fd;
	}
	for (size_t i = 0; i < cg->n; i++)
		if (cg->d[i].h->v2 && cg->d[i].fd >= 0) {
			*v2 = true;
			if (shown)
				*shown = cg->d[i].shown;
			return cg->d[i].fd;
		}
	errno = ENOENT;
	return -1;
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

#define FREEZE_TIMEOUT_MS 10000

/* "frozen N" of cgroup.events (fd kept open for poll): 1, 0, or -1 with errno. */
static int v2_events_frozen(int fd)
{
	char buf[256];
	ssize_t r;
	const char *p;

	if (lseek(fd, 0, SEEK_SET) < 0)
		return -1;
	do
		r = read(fd, buf, sizeof(buf) - 1);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return -1;
	buf[r] = '\0';
	for (p = buf; p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		if (strncmp(p, "frozen ", 7) == 0)
			return p[7] == '1';
	errno = ENOTSUP; /* before 5.2: no cgroup v2 freezer */
	return -1;
}

/* v2: cgroup.freeze, then wait for cgroup.events to report it (the kernel notifies with
 * POLLPRI; the poll is also bounded so that a missed notification only costs 100 ms). */
static int v2_freeze(int dirfd, bool frozen, const char *shown, bc_error_t **err)
{
	bc_kv_t kv = {.key = "cgroup.freeze", .value = frozen ? "1" : "0"};
	cleanup_close int ev = openat(dirfd, "cgroup.events", O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	uint64_t deadline = now_ms() + FREEZE_TIMEOUT_MS;
	int state;

	if (ev < 0)
		return bc_error_errno(err, "cgroup: open %s/cgroup.events", shown);
	if (cgroup_v2_write_files(dirfd, &kv, 1, err) < 0)
		return bc_error_wrap(err, "%s", shown);
	while ((state = v2_events_frozen(ev)) != (int)frozen) {
		struct pollfd p = {.fd = ev, .events = POLLPRI};
		uint64_t now = now_ms();

		if (state < 0)
			return bc_error_errno(err, "cgroup: read %s/cgroup.events", shown);
		if (now >= deadline)
			return bc_error_set(err, 0,
					    "cgroup: %s/cgroup.events does not say \"frozen %d\" "
					    "%d s after writing %s to cgroup.freeze%s",
					    shown, frozen, FREEZE_TIMEOUT_MS / 1000, kv.value,
					    frozen ? "" : " (is a parent cgroup frozen?)");
		if (poll(&p, 1, deadline - now < 100 ? (int)(deadline - now) : 100) < 0 &&
		    errno != EINTR)
			return bc_error_errno(err, "cgroup: poll %s/cgroup.events", shown);
	}
	return 0;
}

static int v1_freezer_state(int dirfd, char *buf, size_t size)
{
	return cg_read_small(dirfd, "freezer.state", buf, size);
}

/* v1: freezer.state.  Freezing goes through FREEZING while tasks are caught; a cgroup that
 * keeps forking can stay there, so, as runc does, re-write FROZEN and now and then thaw
 * and start over. */
static int v1_freeze(int dirfd, bool frozen, const char *shown, bc_error_t **err)
{
	const char *want = frozen ? "FROZEN" : "THAWED";
	bc_kv_t kv = {.key = "freezer.state", .value = (char *)want};
	bc_kv_t thaw = {.key = "freezer.state", .value = "THAWED"};
	uint64_t deadline = now_ms() + FREEZE_TIMEOUT_MS;
	char state[32] = "";

	for (unsigned i = 1;; i++) {
		struct timespec ts = {0, 1000 * 1000};

		if (frozen && i % 200 == 0 && cgroup_v2_write_files(dirfd, &thaw, 1, err) < 0)
			return bc_error_wrap(err, "%s", shown);
		if (cgroup_v2_write_files(dirfd, &kv, 1, err) < 0)
			return bc_error_wrap(err, "%s", shown);
		if (v1_freezer_state(dirfd, state, sizeof(state)) < 0)
			return bc_error_errno(err, "cgroup: read %s/freezer.state", shown);
		if (strcmp(state, want) == 0)
			return 0;
		if (now_ms() >= deadline)
			break;
		nanosleep(&ts, NULL);
	}
	return bc_error_set(
	    err, 0, "cgroup: %s/freezer.state still reads %s %d s after writing %s%s", shown, state,
	    FREEZE_TIMEOUT_MS / 1000, want, frozen ? "" : " (is a parent cgroup frozen?)");
}

int cgroup_freeze(const cgroup_t *cg, bool frozen, bc_error_t **err)
{
	const char *shown = NULL;
	bool v2 = false;
	int fd = freezer_dir(cg, &v2, &shown);

	if (fd < 0)
		return bc_error_set(err, 0,
				    "cgroup: the container has no freezer cgroup (no freezer "
				    "hierarchy was mounted at create)");
	if (v2)
		return v2_freeze(fd, frozen, shown, err);
	return v1_freeze(fd, frozen, shown, err);
}

int cgroup_is_frozen(const cgroup_t *cg, bool *frozen, bc_error_t **err)
{
	const char *shown = NULL;
	bool v2 = false;
	int fd = freezer_dir(cg, &v2, &shown);
	char state[32];

	*frozen = false;
	if (fd < 0)
		return 0;
	if (v2) {
		cleanup_close int ev =
		    openat(fd, "cgroup.events", O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		int r = ev < 0 ? -1 : v2_events_frozen(ev);

		if (r < 0)
			return bc_error_errno(err, "cgroup: read %s/cgroup.events", shown);
		*frozen = r == 1;
		return 0;
	}
	if (v1_freezer_state(fd, state, sizeof(state)) < 0)
		return bc_error_errno(err, "cgroup: read %s/freezer.state", shown);
	*frozen = strcmp(state, "FROZEN") == 0;
	return 0;
}

static void pids_add(pid_t **v, size_t *n, pid_t pid)
{
	/* Capacity: 16, then doubled each time n reaches a power of two. */
	if (*n == 0 || (*n >= 16 && (*n & (*n - 1)) == 0))
		*v = bc_xrealloc(*v, (*n ? *n * 2 : 16) * sizeof(**v));
	(*v)[(*n)++] = pid;
}

/* cgroup.procs of DIRFD and of every cgroup below it (the container may make its own). */
static int procs_walk(int dirfd, const char *shown, int depth, pid_t **v, size_t *n,
		      bc_error_t **err)
{
	cleanup_close int fd = openat(dirfd, "cgroup.procs", O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	cleanup_free char *buf = NULL;
	cleanup_dir DIR *dir = NULL;
	char *save = NULL;
	struct dirent *de;
	int dfd;

	if (fd < 0 || bc_read_all(fd, MAX_PROC_FILE * 16, &buf, NULL) < 0)
		return bc_error_errno(err, "cgroup: read %s/cgroup.procs", shown);
	for (char *l = strtok_r(buf, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		int64_t pid;

		if (bc_parse_int64(l, &pid) == 0 && pid > 0 && pid <= INT32_MAX)
			pids_add(v, n, (pid_t)pid);
	}
	if (depth >= 32)
		return 0;
	dfd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0 || (dir = fdopendir(dfd)) == NULL) {
		if (dfd >= 0)
			close(dfd);
		return bc_error_errno(err, "cgroup: list %s", shown);
	}
	while ((de = readdir(dir)) != NULL) {
		cleanup_close int child = -1;
		cleanup_free char *sub = NULL;

		if (de->d_type != DT_DIR || strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		child = openat(dirfd, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (child < 0 && errno == ENOENT)
			continue; /* removed while we walk */
		sub = bc_xasprintf("%s/%s", shown, de->d_name);
		if (child < 0)
			return bc_error_errno(err, "cgroup: open %s", sub);
		if (procs_walk(child, sub, depth + 1, v, n, err) < 0) {
			if ((*err)->errnum != ENOENT && (*err)->errnum != ENODEV)
				return -1;
			bc_error_freep(err);
		}
	}
	return 0;
}

static int pid_cmp(const void *a, const void *b)
{
	pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;

	return (x > y) - (x < y);
}

int cgroup_procs(const cgroup_t *cg, pid_t **pids, size_t *n, bc_error_t **err)
{
	const char *shown = NULL;
	bool v2 = false;
	int fd = freezer_dir(cg, &v2, &shown);
	size_t k = 0;

	*pids = NULL;
	*n = 0;
	if (fd < 0)
		fd = cgroup_dirfd(cg, NULL, &shown);
	if (fd < 0)
		return bc_error_set(err, 0, "cgroup: the container has no cgroup directory");
	if (procs_walk(fd, shown, 0, pids, n, err) < 0) {
		free(*pids);
		*pids = NULL;
		*n = 0;
		return -1;
	}
	if (*n == 0)
		return 0;
	qsort(*pids, *n, sizeof(**pids), pid_cmp);
	for (size_t i = 1; i < *n; i++)
		if ((*pids)[i] != (*pids)[k])
			(*pids)[++k] = (*pids)[i];
	*n = k + 1;
	return 0;
}

/* cgroup.kill (5.14+) of the cgroup2 directory: 1 done, 0 unavailable, -1 error. */
static int v2_kill(const cgroup_t *cg, bc_error_t **err)
{
	bc_kv_t kv = {.key = "cgroup.kill", .value = "1"};

	for (size_t i = 0; i < cg->n; i++) {
		if (!cg->d[i].h->v2 || cg->d[i].fd < 0)
			continue;
		if (cgroup_v2_write_files(cg->d[i].fd, &kv, 1, err) == 0)
			return 1;
		if ((*err)->errnum != ENOENT)
			return bc_error_wrap(err, "%s", cg->d[i].shown);
		bc_error_freep(err);
	}
	return 0;
}

static bool pid_in(const pid_t *v, size_t n, pid_t pid)
{
	/* v is NULL before the first round: bsearch's base must not be, even for n == 0. */
	return n > 0 && bsearch(&pid, v, n, sizeof(*v), pid_cmp) != NULL;
}

/* Signal each listed pid not signalled yet; *fresh counts them. */
static void signal_new(const pid_t *pids, size_t n, pid_t **done, size_t *ndone, int sig,
		       size_t *fresh)
{
	size_t before = *ndone;

	*fresh = 0;
	for (size_t i = 0; i < n; i++) {
		if (pid_in(*done, before, pids[i]))
			continue;
		if (kill(pids[i], sig) < 0 && errno != ESRCH)
			bc_warn("cgroup: signal %d to pid %d: %s", sig, (int)pids[i],
				strerror(errno));
		pids_add(done, ndone, pids[i]);
		(*fresh)++;
	}
	if (*fresh > 0)
		qsort(*done, *ndone, sizeof(**done), pid_cmp);
}

int cgroup_signal_all(const cgroup_t *cg, int sig, bc_error_t **err)
{
	cleanup_free pid_t *done = NULL;
	size_t ndone = 0, fresh = 1;
	bool v2 = false, has_freezer = freezer_dir(cg, &v2, NULL) >= 0, was_frozen = false;
	int ret = 0;

	if (sig == SIGKILL) {
		int r = v2_kill(cg, err);

		if (r < 0)
			return -1;
		/* On a hybrid host the v1 freezer may hold them: they die once thawed. */
		if (r > 0 && has_freezer && !v2 &&
		    (cgroup_is_frozen(cg, &was_frozen, err) < 0 ||
		     (was_frozen && cgroup_freeze(cg, false, err) < 0)))
			return -1;
		if (r > 0)
			return 0;
	}
	/* Frozen, no process can fork a new one, or exit and free its pid for reuse, between
	 * reading the list and the kill. */
	if (has_freezer && (cgroup_is_frozen(cg, &was_frozen, err) < 0 ||
			    (!was_frozen && cgroup_freeze(cg, true, err) < 0))) {
		bc_warn("%s; signalling without freezing first", (*err)->msg);
		bc_error_freep(err);
	}
	/* Without a freezer, children forked meanwhile show up in a later round. */
	for (int round = 0; round < 10 && fresh > 0 && ret == 0; round++) {
		cleanup_free pid_t *pids = NULL;
		size_t n = 0;

		ret = cgroup_procs(cg, &pids, &n, err);
		if (ret == 0)
			signal_new(pids, n, &done, &ndone, sig, &fresh);
	}
	/* A frozen task handles no signal: thaw, unless the container was paused already and
	 * the signal is not SIGKILL; then it stays paused and gets the signal at resume. */
	if (has_freezer && (!was_frozen || sig == SIGKILL)) {
		cleanup_error bc_error_t *e = NULL;

		if (cgroup_freeze(cg, false, &e) < 0) {
			if (ret == 0)
				return bc_error_set(err, 0, "%s", e->msg);
			bc_warn("%s", e->msg);
		}
	}
	return ret;
}

/* ---- update ---- */

/* The directory a list entry goes to, routed as create routes it (key_hier): the one cgroup
 * on v2, the hierarchy of the file's controller on v1, the cgroup2 one for the unified keys
 * of a hybrid host.  -1 with *err unless the entry is optional (then -1, no error). */
static int update_dir(const cgroup_t *cg, const char *key, const char **shown, bc_error_t **err)
{
	size_t j = cg_key_hier(cg->h, cg->nh, cg->mode, key, err);

	if (j == SIZE_MAX)
		return -1; /* *err is set unless the entry is optional */
	for (size_t k = 0; k < cg->n; k++)
		if (cg->d[k].h == &cg->h[j] && cg->d[k].fd >= 0) {
			if (shown)
				*shown = cg->d[k].shown;
			return cg->d[k].fd;
		}
	if (key[0] == CGROUP_V2_OPTIONAL)
		return -1;
	return bc_error_set(err, 0, "cgroup: the container has no cgroup in %s (needed for %s)",
			    cg->h[j].mountpoint, cgroup_v1_file_name(key));
}

/* v1 refuses a memory limit above memory.memsw.limit_in_bytes, and memsw below the memory
 * limit: when memsw goes to unlimited or above the limit now in force, write it first (the
 * list has it right after the memory limit), as runc does. */
static void v1_memory_order(const cgroup_t *cg, bc_kv_t *kv, size_t n)
{
	char cur[64];
	int64_t limit, swap;

	for (size_t i = 0; i + 1 < n; i++) {
		bc_kv_t tmp;
		int fd;

		if (strcmp(kv[i].key, "memory.limit_in_bytes") != 0 ||
		    strcmp(cgroup_v2_file_name(kv[i + 1].key), "memory.memsw.limit_in_bytes") != 0)
			continue;
		fd = cgroup_dirfd(cg, "memory", NULL);
		if (fd < 0 || cg_read_small(fd, "memory.limit_in_bytes", cur, sizeof(cur)) < 0 ||
		    bc_parse_int64(cur, &limit) < 0 || bc_parse_int64(kv[i + 1].value, &swap) < 0)
			return;
		if (swap != -1 && limit >= swap)
			return;
		tmp = kv[i];
		kv[i] = kv[i + 1];
		kv[i + 1] = tmp;
		return;
	}
}

/* memory.checkBeforeUpdate (v2): refuse a limit at or below what is in use. */
static int v2_check_memory(const cgroup_t *cg, const bc_memory_t *m, bc_error_t **err)
{
	const char *shown = NULL;
	int fd = cgroup_dirfd(cg, NULL, &shown);
	char buf[64];
	uint64_t cur = 0, swap = 0;

	if (m == NULL || !m->has_check_before_update || !m->check_before_update)
		return 0;
	if (fd < 0)
		return bc_error_set(err, 0, "cgroup: the container has no cgroup v2 directory");
	if (cg_read_small(fd, "memory.current", buf, sizeof(buf)) < 0 ||
	    bc_parse_uint64(buf, &cur) < 0)
		return bc_error_errno(err, "cgroup: read %s/memory.current", shown);
	if (cg_read_small(fd, "memory.swap.current", buf, sizeof(buf)) == 0)
		bc_parse_uint64(buf, &swap);
	return cgroup_v2_check_memory_update(m, cur, swap, err);
}

/* Whether every controller of CTLS is in the directory's cgroup.controllers. */
static bool v2_all_available(int dirfd, char **ctls)
{
	cleanup_close int fd = openat(dirfd, "cgroup.controllers", O_RDONLY | O_CLOEXEC);
	cleanup_free char *have = NULL;
	size_t found = 0;
	char *save = NULL;

	if (fd < 0 || bc_read_all(fd, 4096, &have, NULL) < 0)
		return false;
	for (char *t = strtok_r(have, " \n", &save); t; t = strtok_r(NULL, " \n", &save))
		for (size_t i = 0; ctls[i]; i++)
			found += strcmp(t, ctls[i]) == 0;
	return found == bc_strv_len(ctls);
}

/* v2: a controller create did not need was never delegated to the container's cgroup
 * (cpuset for --cpuset-cpus...).  Delegate what the update's files need as create does: in
 * the parent of each directory it made, and of the leaf. */
static int v2_delegate(const cgroup_t *cg, const bc_kv_t *kv, size_t n, bc_error_t **err)
{
	cleanup_strv char **ctls = NULL;
	cleanup_close int fd = -1;
	cleanup_free char *shown = NULL;
	const struct cg_dir *d = NULL;
	size_t i = 0;
	dev_t dev;

	for (size_t j = 0; j < cg->n && d == NULL; j++)
		if (cg->d[j].h->v2 && cg->d[j].fd >= 0)
			d = &cg->d[j];
	if (cgroup_v2_needed_controllers(kv, n, &ctls) == 0 || d == NULL ||
	    v2_all_available(d->fd, ctls))
		return 0;
	fd = cg_open_mount(d->mountpoint, &dev, err);
	if (fd < 0)
		return -1;
	shown = bc_xstrdup(d->mountpoint);
	for (const char *p = d->rel; *p; i++) {
		size_t len = strcspn(p, "/");
		cleanup_free char *name = bc_xstrndup(p, len);
		char *next = bc_xasprintf("%s/%s", shown, name);
		int child;

		free(shown);
		shown = next;
		p += len + (p[len] == '/');
		if ((i >= d->keep || *p == '\0') && cg_v2_enable(fd, ctls, shown, err) < 0)
			return -1;
		child = cg_open_below(fd, name, dev, shown, err);
		if (child < 0)
			return -1;
		close(fd);
		fd = child;
	}
	return 0;
}

/* The file lists of update, checked before anything is written (but the delegation of
 * controllers the new values need). */
static int update_files(const cgroup_t *cg, const bc_resources_t *r, bc_kv_t **kv, size_t *n,
			bc_error_t **err)
{
	cgroup_v2_features_t f = {0};
	int fd;

	if (cg->mode != CGROUP_MODE_V2) {
		cgroup_v1_features_t f1 = {0};

		/* Which blkio weight file the scheduler gives (CFQ, BFQ or none), as create. */
		fd = cgroup_dirfd(cg, "blkio", NULL);
		if (r->block_io != NULL && fd >= 0 && cgroup_v1_probe_features(fd, &f1, err) < 0)
			return -1;
		if (cgroup_v1_resource_files_for(r, &f1, kv, n, err) < 0)
			return -1;
		v1_memory_order(cg, *kv, *n);
		return 0;
	}
	/* Without BFQ first: the values checked, and the controllers they need delegated. */
	if (cgroup_v2_resource_files_for(r, &f, kv, n, err) < 0)
		return -1;
	if (v2_delegate(cg, *kv, *n, err) < 0)
		goto fail;
	fd = cgroup_dirfd(cg, NULL, NULL);
	if (fd >= 0 && cgroup_v2_probe_features(fd, &f, err) < 0)
		goto fail;
	if (f.io_bfq_weight) {
		cgroup_v2_kv_free(*kv, *n);
		*kv = NULL;
		*n = 0;
		if (cgroup_v2_resource_files_for(r, &f, kv, n, err) < 0)
			return -1;
	}
	if (v2_check_memory(cg, r->memory, err) < 0)
		goto fail;
	return 0;
fail:
	cgroup_v2_kv_free(*kv, *n);
	*kv = NULL;
	*n = 0;
	return -1;
}

/* What a file held before the update, when one write can put it back: a single non-empty
 * line of a file the list writes once (not io.max, rdma.max, ...). */
static char *restorable(int fd, const bc_kv_t *kv, size_t n, size_t i)
{
	char buf[4096];

	for (size_t j = 0; j < n; j++)
		if (j != i && strcmp(kv[j].key, kv[i].key) == 0)
			return NULL;
	if (fd < 0 || cg_read_small(fd, cgroup_v1_file_name(kv[i].key), buf, sizeof(buf)) < 0 ||
	    buf[0] == '\0')
		return NULL;
	return bc_xstrdup(buf);
}

int cgroup_update(const cgroup_t *cg, const bc_resources_t *r, bc_error_t **err)
{
	bc_kv_t *kv = NULL;
	size_t n = 0, done = 0;
	int *fds = NULL, ret = 0;
	const char **shown = NULL;
	char **old = NULL;

	if (update_files(cg, r, &kv, &n, err) < 0)
		return -1;
	fds = bc_xcalloc(n + 1, sizeof(*fds));
	shown = bc_xcalloc(n + 1, sizeof(*shown));
	old = bc_xcalloc(n + 1, sizeof(*old));
	/* Every directory found before the first write: a missing controller changes nothing. */
	for (size_t i = 0; i < n && ret == 0; i++) {
		fds[i] = update_dir(cg, kv[i].key, &shown[i], err);
		if (fds[i] < 0 && kv[i].key[0] != CGROUP_V2_OPTIONAL)
			ret = -1;
		old[i] = ret == 0 ? restorable(fds[i], kv, n, i) : NULL;
	}
	for (; done < n && ret == 0; done++) {
		bc_kv_t one = {.key = kv[done].key, .value = kv[done].value};

		if (cgroup_v1_key_is_unified(one.key))
			one.key = (char *)cgroup_v1_file_name(one.key);
		if (fds[done] >= 0 && cgroup_v2_write_files(fds[done], &one, 1, err) < 0)
			ret = bc_error_wrap(err, "%s", shown[done]);
	}
	/* The kernel refused a value half-way: put back what was written before it. */
	for (size_t i = done - (done > 0); ret < 0 && i-- > 0;) {
		cleanup_error bc_error_t *e = NULL;
		bc_kv_t back = {.key = (char *)cgroup_v1_file_name(kv[i].key), .value = old[i]};

		if (old[i] != NULL && cgroup_v2_write_files(fds[i], &back, 1, &e) < 0)
			bc_warn("update: could not restore %s/%s: %s", shown[i],
				cgroup_v2_file_name(kv[i].key), e->msg);
	}
	for (size_t i = 0; i < n; i++)
		free(old[i]);
	free(old);
	free(shown);
	free(fds);
	cgroup_v2_kv_free(kv, n);
	if (ret == 0)
		bc_debug("cgroup: update wrote %zu files", n);
	return ret;
}
