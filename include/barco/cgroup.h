/* SPDX-License-Identifier: MIT */
#ifndef BARCO_CGROUP_H
#define BARCO_CGROUP_H

/*
 * The cgroup manager, L2: places the container's init in its cgroups and applies
 * linux.resources, on the host's kind of cgroups:
 *  - v1:     /sys/fs/cgroup is a tmpfs holding one cgroup v1 mount per hierarchy;
 *  - hybrid: the same, plus a cgroup2 mount at /sys/fs/cgroup/unified: the files are written
 *            in the v1 hierarchies (cgroup_v1.h), except linux.resources.unified keys of
 *            core files or of controllers the cgroup2 hierarchy holds;
 *  - v2:     /sys/fs/cgroup is cgroup2 (files from cgroup_v2.h, controllers enabled in each
 *            parent's cgroup.subtree_control; devices through an eBPF program,
 *            cgroup_devices.h).  Tested in the qemu VM of `make check-vm`.
 *
 * Where (per hierarchy), as runc's cgroupfs driver does:
 *  - linux.cgroupsPath absolute: that path below the hierarchy's mount;
 *  - relative: below the caller's own cgroup in that hierarchy (/proc/self/cgroup, taken
 *    relative to the mount's root from mountinfo);
 *  - absent: "barco-ID-PID" (PID: the init's), relative like the above.  runc uses the ID
 *    alone; the init's pid keeps two containers of the same ID under different --root dirs
 *    (parallel test suites) out of each other's cgroup.
 * Every component is checked (no "", ".", ".."), and each directory is opened with
 * openat(O_DIRECTORY|O_NOFOLLOW) from the mount's fd and must stay on that mount.
 *
 * What we created (the trailing components that did not exist yet) is recorded in the
 * state directory (CGROUP_RECORD), so that delete removes exactly that, deepest first,
 * whatever the config says by then.  The plan is written first ("cgroups.pending", before
 * any mkdir), so that a runtime killed mid-create leaves a record `delete --force` can use;
 * removal from a pending-only record only runs rmdir (never kills).
 */

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "barco/error.h"
#include "barco/spec.h"

#define CGROUP_RECORD "cgroups"

typedef enum cgroup_mode { CGROUP_MODE_V1, CGROUP_MODE_HYBRID, CGROUP_MODE_V2 } cgroup_mode_t;

typedef struct cgroup_hier {
	char *mountpoint;  /* "/sys/fs/cgroup/memory" */
	char *root;	   /* the mount's root within the hierarchy (mountinfo field 4) */
	char *controllers; /* "memory", "cpu,cpuacct", "name=systemd"; "" for cgroup2 */
	char *own;	   /* the caller's cgroup in the hierarchy, from /proc/self/cgroup */
	bool v2;
} cgroup_hier_t;

/* ---- pure parts (tested with strings) ---- */

/* The cgroup mounts to use, from mountinfo and /proc/self/cgroup text: in v2 mode the
 * cgroup2 mount at /sys/fs/cgroup; otherwise every v1 mount at /sys/fs/cgroup/NAME, and in
 * hybrid mode also the cgroup2 one there.  A mount our process has no line for is skipped. */
int cgroup_hierarchies_parse(const char *mountinfo, const char *self_cgroup, cgroup_mode_t mode,
			     cgroup_hier_t **out, size_t *n, bc_error_t **err);
void cgroup_hierarchies_free(cgroup_hier_t *h, size_t n);
/* Whether the hierarchy holds CONTROLLER ("memory", "name=systemd"). */
bool cgroup_hier_has(const cgroup_hier_t *h, const char *controller);

/* The container's cgroup below h's mount point, "a/b/c" (never empty, no leading '/'),
 * from linux.cgroupsPath (NULL or "" -> NAME, relative). */
char *cgroup_path_below_mount(const cgroup_hier_t *h, const char *cgroups_path, const char *name,
			      bc_error_t **err);

/* ---- the manager ---- */

/* --cgroup-manager: "cgroupfs" (the default) or "disabled" (no cgroups at all). */
int cgroup_set_manager(const char *name, bc_error_t **err);
bool cgroup_manager_disabled(void);

int cgroup_detect_mode(cgroup_mode_t *mode, bc_error_t **err);

typedef struct cgroup cgroup_t;

/* Create the container's cgroups, record them in state_dirfd, write the resources and move
 * pid in.  *out is set even on failure (what was made so far) and stays NULL when cgroups
 * are disabled.  With neither cgroupsPath nor anything to write, a cgroup that cannot be
 * made (EACCES, EPERM, EROFS) is a warning: the container runs in the caller's cgroup. */
int cgroup_enter(const bc_spec_t *spec, const char *id, pid_t pid, int state_dirfd, cgroup_t **out,
		 bc_error_t **err);
/* Undo cgroup_enter (once its processes are gone): remove what it made and the record. */
void cgroup_abort(cgroup_t *cg);
void cgroup_abortp(cgroup_t **cg);
#define cleanup_cgroup_abort __attribute__((cleanup(cgroup_abortp)))
/* Keep the cgroups; free the handle. */
void cgroup_free(cgroup_t *cg);

/* At delete, after the init is gone: remove the recorded cgroups (killing what is left in
 * them), then the record.  No record: nothing to do. */
int cgroup_remove(int state_dirfd, bc_error_t **err);

/* ---- a created container's cgroups, from its record (pause, resume, ps, kill --all,
 * update, events) ---- */

/* Open the cgroups recorded in state_dirfd (each directory checked as cgroup_enter does).
 * Returns 0 with *out NULL when there is no record (cgroups disabled, or the container
 * stayed in the caller's cgroup).  Free with cgroup_free. */
int cgroup_load(int state_dirfd, cgroup_t **out, bc_error_t **err);
cgroup_mode_t cgroup_get_mode(const cgroup_t *cg);
/* The container's cgroup directory in the hierarchy holding CONTROLLER ("memory",
 * "freezer"; on v2 the one cgroup whatever the name; NULL: the v2 one, else the first),
 * or -1 (errno ENOENT) when no recorded hierarchy has it.  *shown (may be NULL) gets
 * "MOUNTPOINT/REL" for messages, owned by cg. */
int cgroup_dirfd(const cgroup_t *cg, const char *controller, const char **shown);

/* Freeze or thaw (cgroup.freeze on v2, freezer.state on v1) and wait until the kernel
 * reports the new state. */
int cgroup_freeze(const cgroup_t *cg, bool frozen, bc_error_t **err);
int cgroup_is_frozen(const cgroup_t *cg, bool *frozen, bc_error_t **err);
/* Every pid in the container's cgroup (sorted, no duplicates). */
int cgroup_procs(const cgroup_t *cg, pid_t **pids, size_t *n, bc_error_t **err);
/* Signal every process in the container's cgroup (SIGKILL: cgroup.kill where it exists). */
int cgroup_signal_all(const cgroup_t *cg, int sig, bc_error_t **err);

/* `update`: write linux.resources R (only the fields it sets) to the recorded cgroups. */
int cgroup_update(const cgroup_t *cg, const bc_resources_t *r, bc_error_t **err);

#endif
