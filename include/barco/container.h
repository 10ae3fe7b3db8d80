/* SPDX-License-Identifier: MIT */
#ifndef BARCO_CONTAINER_H
#define BARCO_CONTAINER_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "barco/error.h"
#include "barco/exec.h"
#include "barco/spec.h"
#include "barco/state_json.h"

typedef struct bc_create_opts {
	const char *root; /* --root */
	const char *id;
	const char *bundle; /* absolute */
	const char *pid_file;
	const char *console_socket;
	bool no_pivot, no_new_keyring;
	int preserve_fds;
	/* An in-memory config (run --rootfs) instead of BUNDLE/config.json: */
	const char *config_json; /* the document; NULL: read BUNDLE/config.json */
} bc_create_opts_t;

typedef struct bc_created {
	pid_t pid;
	int console_fd; /* pty master kept by the caller (run -t), else -1 */
} bc_created_t;

int container_create(const bc_create_opts_t *o, bc_created_t *out, bc_error_t **err);
int container_start(const char *root, const char *id, bc_error_t **err);
/* The `barco state` JSON of one container, status derived live. */
char *container_state_json(const char *root, const char *id, bc_error_t **err);
int container_kill(const char *root, const char *id, int sig, bool all, bc_error_t **err);
int container_delete(const char *root, const char *id, bool force, bc_error_t **err);
/* pause: freeze a created or running container's cgroup (and mark it, so that state
 * says "paused"); resume: thaw a paused one. */
int container_pause(const char *root, const char *id, bc_error_t **err);
int container_resume(const char *root, const char *id, bc_error_t **err);
/* The host pids of the container's processes, sorted: those in its cgroup, or without one
 * those in the init's own pid namespace.  Free *pids. */
int container_pids(const char *root, const char *id, pid_t **pids, size_t *n, bc_error_t **err);
/* Every container's state, status derived live (creating ones included). */
int container_list(const char *root, bc_state_t ***states, size_t *n, bc_error_t **err);

/* update: write linux.resources R (what it sets, plus what the values need from the
 * resources in force: cgroup_update_plan) to a created, running or paused container's
 * cgroups, then record the result in the config copy of its state directory. */
int container_update(const char *root, const char *id, const bc_resources_t *r, bc_error_t **err);
/* events: stats lines every interval_ns and "oom" lines to out until the container stops
 * (cgroup_events_run); stats_only: one stats line. */
int container_events(const char *root, const char *id, uint64_t interval_ns, bool stats_only,
		     FILE *out, bc_error_t **err);

/* exec: run a process (exec.h) in a created or running container, or a paused one with
 * o->ignore_paused.  The state lock is held only while the container is loaded.  Returns
 * what exec_run returns (the exit status, or 0 detached), -1 with *err. */
int container_exec(const char *root, const char *id, const bc_exec_opts_t *o, bc_error_t **err);

/* Status of a loaded record, looked up live: creating, created, running, paused, stopped. */
const char *container_status(int dirfd, const bc_state_t *st);

#endif
