/* SPDX-License-Identifier: MIT */
/* The commands on a live container: pause, resume, ps, update, events and exec. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "barco/cgroup.h"
#include "barco/cgroup_stats.h"
#include "barco/container.h"
#include "barco/exec.h"
#include "barco/log.h"
#include "barco/state_store.h"
#include "barco/util.h"
#include "container_internal.h"

/* pause and resume; runc's rules: a created or running container can be paused, only a
 * paused one resumed. */
static int container_set_frozen(const char *root, const char *id, bool frozen, bc_error_t **err)
{
	const char *what = frozen ? "pause" : "resume";
	cleanup_state bc_state_t *st = NULL;
	cleanup_close int dirfd = -1;
	cleanup_close int lockfd = -1;
	cleanup_close int mark = -1;
	cgroup_t *cg = NULL;
	int ret;

	st = container_open(root, id, true, &dirfd, &lockfd, err);
	if (st == NULL)
		return -1;
	if (frozen && strcmp(st->status, "paused") == 0)
		return bc_error_set(err, 0, "container already paused: %s", id);
	if (frozen && strcmp(st->status, "created") != 0 && strcmp(st->status, "running") != 0)
		return bc_error_set(err, 0, "container not running: %s", id);
	if (!frozen && strcmp(st->status, "paused") != 0)
		return bc_error_set(err, 0, "container not paused: %s", id);
	cg = container_cgroup(dirfd, id, what, err);
	if (cg == NULL)
		return *err ? -1
			    : bc_error_set(err, 0,
					   "%s: container %s has no cgroup to freeze (created "
					   "with --cgroup-manager=disabled, or left in barco's "
					   "cgroup)",
					   what, id);
	/* The mark first: a pause that dies half-way still gets the freezer read by state. */
	if (frozen) {
		mark =
		    openat(dirfd, PAUSED_MARK, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (mark < 0) {
			cgroup_free(cg);
			return bc_error_errno(err, "%s container %s: create %s", what, id,
					      PAUSED_MARK);
		}
	}
	ret = cgroup_freeze(cg, frozen, err);
	if (ret < 0) {
		bc_error_wrap(err, "%s container %s", what, id);
		/* A pause that timed out leaves nothing half-frozen (runc thaws too). */
		if (frozen && cgroup_freeze(cg, false, NULL) == 0)
			unlinkat(dirfd, PAUSED_MARK, 0);
	} else if (!frozen && unlinkat(dirfd, PAUSED_MARK, 0) < 0 && errno != ENOENT) {
		ret = bc_error_errno(err, "resume container %s: remove %s", id, PAUSED_MARK);
	}
	cgroup_free(cg);
	return ret;
}

int container_pause(const char *root, const char *id, bc_error_t **err)
{
	return container_set_frozen(root, id, true, err);
}

int container_resume(const char *root, const char *id, bc_error_t **err)
{
	return container_set_frozen(root, id, false, err);
}

int container_pids(const char *root, const char *id, pid_t **pids, size_t *n, bc_error_t **err)
{
	cleanup_state bc_state_t *st = NULL;
	cleanup_close int dirfd = -1;
	cleanup_close int lockfd = -1;
	cgroup_t *cg = NULL;
	int ret;

	*pids = NULL;
	*n = 0;
	st = container_open(root, id, false, &dirfd, &lockfd, err);
	if (st == NULL)
		return -1;
	if (strcmp(st->status, "creating") == 0)
		return bc_error_set(err, 0, "container not running: %s", id);
	cg = container_cgroup(dirfd, id, "ps", err);
	if (cg) {
		ret = cgroup_procs(cg, pids, n, err);
		cgroup_free(cg);
		return ret < 0 ? bc_error_wrap(err, "ps container %s", id) : 0;
	}
	if (*err)
		return -1;
	if (strcmp(st->status, "stopped") == 0)
		return bc_error_set(err, 0, "container not running: %s", id);
	return container_ns_pids(st, "ps", pids, n, err);
}

static bool container_has_init(const bc_state_t *st)
{
	return strcmp(st->status, "created") == 0 || strcmp(st->status, "running") == 0 ||
	       strcmp(st->status, "paused") == 0;
}

/* The cgroups of a container, or an error that says why it has none. */
static cgroup_t *container_cgroup_required(int dirfd, const char *id, const char *what,
					   bc_error_t **err)
{
	cgroup_t *cg = container_cgroup(dirfd, id, what, err);

	if (cg == NULL && *err == NULL)
		bc_error_set(err, 0,
			     "%s: container %s has no cgroup of its own (created with "
			     "--cgroup-manager=disabled, or left in barco's cgroup)",
			     what, id);
	return cg;
}

/* The new resources replace those of the config copy, which start and delete read too: a
 * later update (or events) starts from what is in force.  runc keeps them in state.json. */
static int container_record_resources(int dirfd, bc_spec_t *spec, bc_resources_t *merged,
				      bc_error_t **err)
{
	cleanup_free char *json = NULL;

	if (spec->linux_ == NULL)
		spec->linux_ = bc_xcalloc(1, sizeof(*spec->linux_));
	bc_resources_free(spec->linux_->resources);
	spec->linux_->resources = merged;
	json = bc_spec_to_json(spec, err);
	if (json == NULL)
		return -1;
	return bc_write_file_atomic_at(dirfd, CONFIG_COPY, json, strlen(json), 0600, err);
}

int container_update(const char *root, const char *id, const bc_resources_t *r, bc_error_t **err)
{
	cleanup_state bc_state_t *st = NULL;
	cleanup_spec bc_spec_t *spec = NULL;
	cleanup_close int dirfd = -1;
	cleanup_close int lockfd = -1;
	bc_resources_t *write = NULL, *merged = NULL;
	cgroup_t *cg = NULL;
	int ret = -1;

	st = container_open(root, id, true, &dirfd, &lockfd, err);
	if (st == NULL)
		return -1;
	if (!container_has_init(st))
		return bc_error_set(err, 0, "container not running: %s", id);
	spec = container_saved_spec(dirfd, err);
	if (spec == NULL)
		return -1;
	if (cgroup_update_plan(spec->linux_ ? spec->linux_->resources : NULL, r, &write, &merged,
			       err) < 0)
		return bc_error_wrap(err, "update container %s", id);
	cg = container_cgroup_required(dirfd, id, "update", err);
	if (cg != NULL && cgroup_update(cg, write, err) < 0)
		bc_error_wrap(err, "update container %s", id);
	else if (cg != NULL && container_record_resources(dirfd, spec, steal_ptr(merged), err) < 0)
		bc_error_wrap(err,
			      "update container %s: the cgroups are updated, but recording "
			      "the new resources failed",
			      id);
	else if (cg != NULL)
		ret = 0;
	cgroup_free(cg);
	bc_resources_free(write);
	bc_resources_free(merged);
	return ret;
}

int container_events(const char *root, const char *id, uint64_t interval_ns, bool stats_only,
		     FILE *out, bc_error_t **err)
{
	cleanup_state bc_state_t *st = NULL;
	cleanup_close int dirfd = -1;
	cleanup_close int lockfd = -1;
	cleanup_close int pidfd = -1;
	cgroup_events_opts_t o = {
	    .id = id, .interval_ns = interval_ns, .stats_only = stats_only, .out = out};
	cgroup_t *cg;
	int ret;

	st = container_open(root, id, false, &dirfd, &lockfd, err);
	if (st == NULL)
		return -1;
	if (!container_has_init(st))
		return bc_error_set(err, 0, "container not running: %s", id);
	pidfd = container_pidfd(st, err);
	if (pidfd < 0)
		return -1;
	cg = container_cgroup_required(dirfd, id, "events", err);
	if (cg == NULL)
		return -1;
	/* Not held while we watch: delete must not wait for events to end. */
	close(steal_fd(lockfd));
	o.pidfd = pidfd;
	ret = cgroup_events_run(cg, &o, err);
	cgroup_free(cg);
	return ret;
}

int container_exec(const char *root, const char *id, const bc_exec_opts_t *o, bc_error_t **err)
{
	cleanup_state bc_state_t *st = NULL;
	cleanup_spec bc_spec_t *spec = NULL;
	cleanup_close int dirfd = -1;
	cleanup_close int lockfd = -1;
	cleanup_close int pidfd = -1;
	cleanup_close int rootfd = -1;
	bc_exec_target_t t;

	/* The root's fd stays open for the seccomp cache. */
	st = container_open_ex(root, id, false, &dirfd, &lockfd, NULL, &rootfd, err);
	if (st == NULL)
		return -1;
	if (strcmp(st->status, "paused") == 0 && !o->ignore_paused)
		return bc_error_set(err, 0,
				    "cannot exec in a paused container %s (use --ignore-paused to "
				    "override)",
				    id);
	if (!container_has_init(st))
		return bc_error_set(err, 0,
				    "container not running: %s (cannot exec in a %s container)", id,
				    st->status);
	spec = container_saved_spec(dirfd, err);
	if (spec == NULL)
		return -1;
	pidfd = container_pidfd(st, err);
	if (pidfd < 0)
		return -1;
	/* Not held while the process runs: kill, pause and delete must not wait for it. */
	close(steal_fd(lockfd));
	t = (bc_exec_target_t){
	    .spec = spec, .state = st, .state_dirfd = dirfd, .pidfd = pidfd, .root_fd = rootfd};
	return exec_run(&t, o, err);
}
