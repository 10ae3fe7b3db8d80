/* SPDX-License-Identifier: MIT */
#ifndef BARCO_LSM_H
#define BARCO_LSM_H

/*
 * AppArmor and SELinux: process.apparmorProfile, process.selinuxLabel, linux.mountLabel.
 * A label the config asks for is never dropped: on a host without the LSM, create fails.
 */

#include <stdbool.h>

#include "barco/error.h"
#include "barco/spec.h"

/* AppArmor is enabled when ROOT/sys/module/apparmor/parameters/enabled starts with 'Y' and
 * ROOT/sys/kernel/security/apparmor exists (runc's test).  root: "" or "/" for the host; a
 * directory laid out the same way for tests. */
bool lsm_apparmor_enabled_at(const char *root);
/* SELinux is enabled when ROOT/sys/fs/selinux is a selinuxfs (SELINUX_MAGIC) mounted
 * read-write: libselinux's and go-selinux's test. */
bool lsm_selinux_enabled_at(const char *root);
bool lsm_apparmor_enabled(void);
bool lsm_selinux_enabled(void);

/* At create, while the host's /sys is still in view (before the rootfs is set up): every
 * label the config asks for needs its LSM, or create fails:
 *   apparmor profile "foo" requested (process.apparmorProfile) but AppArmor is not enabled
 *   on this host */
int lsm_check(const bc_spec_t *spec, bc_error_t **err);

/* The labels the next execve takes: "exec PROFILE" into /proc/self/attr/apparmor/exec (or
 * /proc/self/attr/exec on kernels without the per-LSM directory), the SELinux label into
 * /proc/self/attr/exec.  Called in the init right before the capability drop, through the
 * verified procfs handle of the container's /proc.  p NULL or no label: 0. */
int lsm_set_exec_labels(const bc_process_t *p, bc_error_t **err);

/* The mount data for a filesystem mount of `type` under linux.mountLabel: data with
 * context="LABEL" appended for the mounts runc labels (every filesystem mount but proc,
 * sysfs, mqueue, cgroup and cgroup2; bind mounts take no data).  label NULL or "": a copy
 * of data.  Returns a malloc'd string, or NULL when data is NULL and nothing is added. */
char *lsm_mount_data(const char *type, const char *data, const char *label);

#endif
