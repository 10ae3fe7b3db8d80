/* SPDX-License-Identifier: MIT */
#ifndef BARCO_INIT_H
#define BARCO_INIT_H

#include <stdbool.h>

#include "barco/ns.h"
#include "barco/seccomp_filter.h"
#include "barco/spec.h"
#include "barco/state_json.h"

/* Everything the container's init needs, prepared by the runtime before clone. */
typedef struct bc_init_config {
	const bc_spec_t *spec;
	const char *rootfs; /* absolute host path */
	int sync_fd;	    /* child end of the socketpair */
	int fifo_fd;	    /* O_PATH fd of exec.fifo; -1 for `exec`-style immediate start */
	bc_ns_fds_t ns;	    /* namespaces to join */
	bool new_userns;    /* the parent writes our id maps before we go on */
	/* The runtime's euid is not 0: it writes our maps (itself or with newuidmap) only
	 * while we are dumpable.  Decided by the runtime: our own geteuid() turns from the
	 * overflow uid to 0 the moment our uid map is written, a race with the runtime. */
	bool unprivileged_maps;
	/* A new user namespace with other namespaces joined by path: join those first (still
	 * privileged in the runtime's user namespace), then unshare the new ones and fork the
	 * real init into them, as runc does.  new_flags are the namespaces to unshare. */
	bool two_stage;
	int new_flags;
	bool no_pivot;
	bool no_new_keyring;
	int preserve_fds;	 /* extra fds after 0-2 kept for the process (incl. LISTEN_FDS) */
	int listen_fds;		 /* LISTEN_FDS value to give the process, 0 for none */
	const bc_state_t *state; /* id, bundle, annotations: for the hooks run by the init */
	int lock_fd;		 /* the runtime's state lock, closed first: start must get it */
	/* linux.seccomp compiled by the runtime before clone (NULL without one): libseccomp's
	 * allocations would otherwise be charged to the container's memory cgroup. */
	bc_seccomp_prog_t *seccomp_prog;
} bc_init_config_t;

/* The container's init, run in the child right after clone.  Never returns: it either
 * execs the process or reports the error over sync_fd and exits 1. */
void init_main(const bc_init_config_t *c) __attribute__((noreturn));

/* Look up an executable: a name with '/' is checked as is, otherwise each PATH entry.
 * Returns a malloc'd path, or NULL with runc's wording:
 *   exec: "foo": executable file not found in $PATH */
char *init_lookup_executable(const char *name, const char *path_env, bc_error_t **err);

/* ---- steps of the init that `barco exec` (exec.c) takes as well ---- */

/* The value of KEY in a NULL-terminated KEY=VALUE list, or NULL. */
const char *init_env_get(char *const *env, const char *key);
/* process.env, plus HOME from the container's /etc/passwd when it has none, plus LISTEN_FDS
 * and LISTEN_PID (the caller's pid) when listen_fds > 0.  A new NULL-terminated list. */
char **init_build_env(const bc_process_t *p, int listen_fds);
/* process.rlimits, in order; raising a hard limit without CAP_SYS_RESOURCE says so. */
int init_rlimits(const bc_process_t *p, bc_error_t **err);
/* process.oomScoreAdj through the verified procfs (nothing without one). */
int init_oom_score(const bc_process_t *p, bc_error_t **err);
/* The credential change, last step before the PATH lookup: capabilities kept across it,
 * setgroups(additionalGids), gid, uid, umask, the final capability sets, no_new_privs when
 * asked, and non-dumpable again (a uid change resets it). */
int init_drop_privileges(const bc_process_t *p, bc_error_t **err);
/* chdir to process.cwd, refused when the result is not reachable from our root
 * (CVE-2024-21626: a cwd through /proc/self/fd/N into a directory of the host). */
int init_chdir(const char *cwd, bc_error_t **err);

#endif
