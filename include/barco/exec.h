/* SPDX-License-Identifier: MIT */
#ifndef BARCO_EXEC_H
#define BARCO_EXEC_H

/*
 * `barco exec`: run a new process in a created or running container (exec.c).
 *
 * The runtime (parent) forks a child that joins the init's namespaces (those not owned by
 * the container's user namespace first, then the user namespace, then the rest; the mount
 * namespace last) and forks the process with CLONE_PARENT, so that the process is born in
 * the container's pid and time namespaces and is still our child.  The runtime puts it in
 * the container's cgroups before it runs anything of the container's; the process then joins
 * the cgroup namespace and takes the same steps as the init (rlimits, scheduler, terminal,
 * cwd, LSM labels, seccomp, capabilities, user, no_new_privs) before execve.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "barco/error.h"
#include "barco/spec.h"
#include "barco/state_json.h"

/* The command line of `barco exec`, as runc's flags. */
typedef struct bc_exec_opts {
	const char *process_path; /* -p: the whole process from this process.json */
	char **args;		  /* CMD ARGS... (without -p) */
	bool tty;		  /* -t */
	const char *console_socket;
	char **env; /* -e KEY=VALUE, in order: added, or replacing KEY */
	bool has_user, has_gid;
	uint32_t uid, gid; /* -u UID[:GID] */
	uint32_t *additional_gids;
	size_t n_additional_gids; /* -g, added */
	const char *cwd;
	char **caps; /* -c, added to the bounding, effective and permitted sets */
	bool no_new_privs;
	const char *apparmor, *process_label;
	bool detach;
	const char *pid_file;
	int preserve_fds;
	char **cgroups; /* --cgroup [CONTROLLER[,CONTROLLER]:]PATH, as given */
	bool ignore_paused;
} bc_exec_opts_t;

/* The container, as container_exec (container.c) loads it. */
typedef struct bc_exec_target {
	bc_spec_t *spec;	 /* its saved config; exec_run replaces spec->process */
	const bc_state_t *state; /* its record (pid, start time, id) */
	int state_dirfd;	 /* its state directory (the cgroup record) */
	int pidfd;		 /* the init, checked against the recorded start time */
	int root_fd;		 /* the state root (the seccomp cache), or -1 */
} bc_exec_target_t;

/*
 * The process to run, as runc's getProcess builds it: with -p the file alone; otherwise
 * `base` (the config's process, which is consumed) with args replaced by o->args and the
 * flags applied on top (terminal from -t only).  Errors name the flag or the file.
 */
int exec_build_process(const bc_exec_opts_t *o, bc_process_t *base, bc_process_t **out,
		       bc_error_t **err);

/*
 * Run the process in the container.  Detached: returns 0 once the process has exec'd and
 * the pid file is written.  Otherwise waits for it, forwarding signals (and proxying the
 * terminal when it has one and no console socket), and returns its exit status (128 + the
 * signal when it was killed).  A failure of the process before its execve is *err with its
 * own message ("exec: \"x\": executable file not found in $PATH"); nothing is left running.
 */
int exec_run(const bc_exec_target_t *t, const bc_exec_opts_t *o, bc_error_t **err);

/* --cgroup values into (controller, path) pairs: "PATH" alone (only as the single value) or
 * "CTL[,CTL...]:PATH"; PATH relative below the container's cgroup, without "." or "..".
 * ctls[i] is "" for the plain form.  Free both lists with bc_strv_free. */
int exec_parse_cgroups(char *const *values, char ***ctls, char ***paths, bc_error_t **err);

#endif
