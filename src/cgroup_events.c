/* SPDX-License-Identifier: MIT */
/* A created container's cgroups as a stats source (cgroup_stats_read), and the `events` loop:
 * stats lines every interval, OOM kills watched through memory.events (v2) or an eventfd on
 * memory.oom_control (v1).  The parsing and JSON are in cgroup_stats.c. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <time.h>
#include <unistd.h>

#include "barco/cgroup_stats.h"
#include "barco/log.h"
#include "barco/util.h"

#define MAX_STAT_FILE (4 << 20)

/* ---- the container's cgroups as a source ---- */

struct live {
	const cgroup_t *cg;
	cgroup_mode_t mode;
};

/* Whether the v2 directory's cgroup.controllers lists CTL. */
static bool v2_has(int dirfd, const char *ctl)
{
	cleanup_close int fd = openat(dirfd, "cgroup.controllers", O_RDONLY | O_CLOEXEC);
	cleanup_free char *text = NULL;
	char *save = NULL;

	if (fd < 0 || bc_read_all(fd, 4096, &text, NULL) < 0)
		return false;
	for (char *t = strtok_r(text, " \n", &save); t; t = strtok_r(NULL, " \n", &save))
		if (strcmp(t, ctl) == 0)
			return true;
	return false;
}

/* The directory and kind for a controller: on v2 the one cgroup; on v1 the hierarchy holding
 * it; on a hybrid host failing that the cgroup2 one, when the controller is enabled there. */
static int live_dir(struct live *l, const char *ctl, cgroup_stats_kind_t *kind)
{
	int fd;

	*kind = CGROUP_STATS_NONE;
	if (l->mode == CGROUP_MODE_V2) {
		fd = cgroup_dirfd(l->cg, ctl, NULL);
		if (fd >= 0)
			*kind = CGROUP_STATS_V2;
		return fd;
	}
	if (strcmp(ctl, "io") != 0) {
		fd = cgroup_dirfd(l->cg, ctl, NULL);
		if (fd >= 0) {
			*kind = CGROUP_STATS_V1;
			return fd;
		}
	}
	if (l->mode != CGROUP_MODE_HYBRID || strcmp(ctl, "blkio") == 0 ||
	    strcmp(ctl, "cpuacct") == 0)
		return -1;
	fd = cgroup_dirfd(l->cg, NULL, NULL);
	if (fd < 0 || !v2_has(fd, ctl))
		return -1;
	*kind = CGROUP_STATS_V2;
	return fd;
}

static cgroup_stats_kind_t live_kind(void *ctx, const char *ctl)
{
	cgroup_stats_kind_t kind;

	live_dir(ctx, ctl, &kind);
	return kind;
}

static char *live_read(void *ctx, const char *ctl, const char *file)
{
	cgroup_stats_kind_t kind;
	int dirfd = live_dir(ctx, ctl, &kind);
	cleanup_close int fd = -1;
	char *text = NULL;

	if (dirfd < 0) {
		errno = ENOENT;
		return NULL;
	}
	fd = openat(dirfd, file, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 || bc_read_all(fd, MAX_STAT_FILE, &text, NULL) < 0)
		return NULL;
	return text;
}

static char **live_list(void *ctx, const char *ctl)
{
	cgroup_stats_kind_t kind;
	int dirfd = live_dir(ctx, ctl, &kind);
	cleanup_close int fd = -1;
	cleanup_dir DIR *d = NULL;
	char **v = NULL;
	size_t n = 0;
	struct dirent *de;

	if (dirfd < 0)
		return NULL;
	fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || (d = fdopendir(fd)) == NULL)
		return NULL;
	fd = -1; /* the DIR owns it */
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		v = bc_xrealloc(v, (n + 2) * sizeof(char *));
		v[n++] = bc_xstrdup(de->d_name);
		v[n] = NULL;
	}
	return v;
}

int cgroup_stats_read(const cgroup_t *cg, cgroup_stats_t *out, bc_error_t **err)
{
	struct live l = {.cg = cg, .mode = cgroup_get_mode(cg)};
	cgroup_stats_source_t src = {
	    .kind = live_kind, .read = live_read, .list = live_list, .ctx = &l};

	if (cgroup_stats_collect(&src, sysconf(_SC_CLK_TCK), out, err) < 0) {
		cgroup_stats_clear(out);
		return -1;
	}
	return 0;
}

/* ---- events ---- */

/* OOM kills so far in the memory cgroup; false when it can't be told. */
static bool oom_kills(const cgroup_t *cg, uint64_t *n)
{
	struct live l = {.cg = cg, .mode = cgroup_get_mode(cg)};
	cgroup_stats_kind_t kind;
	cleanup_free char *text = NULL;
	cleanup_error bc_error_t *err = NULL;

	if (live_dir(&l, "memory", &kind) < 0)
		return false;
	text = live_read(&l, "memory",
			 kind == CGROUP_STATS_V2 ? "memory.events" : "memory.oom_control");
	*n = 0;
	return text != NULL && cgroup_stats_flat_get("memory", text, "oom_kill", n, &err) == 1;
}

/* An fd that turns readable when an OOM may have happened: inotify on v2 memory.events
 * (the kernel notifies a modification of it at each event), or, on v1, an eventfd that
 * cgroup.event_control ties to memory.oom_control.  -1 when neither can be had. */
static int oom_watch(const cgroup_t *cg, int *keep)
{
	struct live l = {.cg = cg, .mode = cgroup_get_mode(cg)};
	cgroup_stats_kind_t kind;
	int dirfd = live_dir(&l, "memory", &kind);
	cleanup_close int fd = -1;
	cleanup_close int ctl = -1;
	cleanup_close int ofd = -1;
	cleanup_free char *line = NULL;

	*keep = -1;
	if (dirfd < 0)
		return -1;
	if (kind == CGROUP_STATS_V2) {
		cleanup_free char *path = bc_xasprintf("/proc/self/fd/%d/memory.events", dirfd);

		fd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
		if (fd < 0 || inotify_add_watch(fd, path, IN_MODIFY) < 0) {
			bc_debug("events: inotify on %s: %s", path, strerror(errno));
			return -1;
		}
		return steal_fd(fd);
	}
	fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	ofd = openat(dirfd, "memory.oom_control", O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	ctl = openat(dirfd, "cgroup.event_control", O_WRONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 || ofd < 0 || ctl < 0) {
		bc_debug("events: no v1 OOM notification: %s", strerror(errno));
		return -1;
	}
	line = bc_xasprintf("%d %d", fd, ofd);
	if (bc_write_all(ctl, line, strlen(line)) < 0) {
		bc_debug("events: cgroup.event_control: %s", strerror(errno));
		return -1;
	}
	*keep = steal_fd(ofd);
	return steal_fd(fd);
}

static int emit(const cgroup_events_opts_t *o, const char *type, const cgroup_stats_t *s,
		bc_error_t **err)
{
	cleanup_free char *line = cgroup_event_json(type, o->id, s);

	if (fprintf(o->out, "%s\n", line) < 0 || fflush(o->out) != 0)
		return bc_error_errno(err, "events: write");
	return 0;
}

static int emit_stats(const cgroup_t *cg, const cgroup_events_opts_t *o, bool warn_only,
		      bc_error_t **err)
{
	cgroup_stats_t s;
	int r;

	if (cgroup_stats_read(cg, &s, err) < 0) {
		if (!warn_only)
			return bc_error_wrap(err, "events %s", o->id);
		bc_warn("events %s: %s", o->id, (*err)->msg);
		bc_error_freep(err);
		return 0;
	}
	r = emit(o, "stats", &s, err);
	cgroup_stats_clear(&s);
	return r;
}

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* Read away what made the watch readable. */
static void drain(int fd)
{
	char buf[4096];

	while (read(fd, buf, sizeof(buf)) > 0)
		;
}

#define OOM_POLL_MS 250 /* without a watch fd: how often the OOM counter is read */

int cgroup_events_run(const cgroup_t *cg, const cgroup_events_opts_t *o, bc_error_t **err)
{
	cleanup_close int watch = -1;
	cleanup_close int keep = -1;
	uint64_t seen = 0, next;
	bool counted;

	if (o->stats_only)
		return emit_stats(cg, o, false, err);
	watch = oom_watch(cg, &keep);
	counted = oom_kills(cg, &seen);
	next = mono_ns() + o->interval_ns;
	for (;;) {
		struct pollfd p[2] = {{.fd = o->pidfd, .events = POLLIN},
				      {.fd = watch, .events = POLLIN}};
		uint64_t now = mono_ns(), kills;
		uint64_t wait_ms = next > now ? (next - now + 999999) / 1000000 : 0;

		if (watch < 0 && wait_ms > OOM_POLL_MS)
			wait_ms = OOM_POLL_MS;
		if (poll(p, watch >= 0 ? 2 : 1, (int)(wait_ms > INT32_MAX ? INT32_MAX : wait_ms)) <
			0 &&
		    errno != EINTR)
			return bc_error_errno(err, "events %s: poll", o->id);
		if (watch >= 0 && (p[1].revents & POLLIN))
			drain(watch);
		/* Before looking at the init: an OOM kill of the init itself is reported too. */
		if (oom_kills(cg, &kills)) {
			if (counted && kills > seen && emit(o, "oom", NULL, err) < 0)
				return -1;
			seen = kills;
			counted = true;
		}
		if (p[0].revents & (POLLIN | POLLHUP | POLLERR))
			return 0; /* the container has stopped */
		if (mono_ns() >= next) {
			if (emit_stats(cg, o, true, err) < 0)
				return -1;
			next += o->interval_ns;
			if (next <= mono_ns())
				next = mono_ns() + o->interval_ns;
		}
	}
}
