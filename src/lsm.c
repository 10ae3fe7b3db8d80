/* SPDX-License-Identifier: MIT */
/*
 * AppArmor and SELinux without libapparmor or libselinux: both take the label of the next
 * execve through a file of /proc/self/attr, and both say whether they are enabled in /sys.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "barco/log.h"
#include "barco/lsm.h"
#include "barco/util.h"

#ifndef SELINUX_MAGIC
#define SELINUX_MAGIC 0xf97cff8c
#endif

static char *lsm_path(const char *root, const char *rel)
{
	size_t n = root ? strlen(root) : 0;

	while (n > 0 && root[n - 1] == '/')
		n--;
	return bc_xasprintf("%.*s/%s", (int)n, root ? root : "", rel);
}

bool lsm_apparmor_enabled_at(const char *root)
{
	cleanup_free char *fs = lsm_path(root, "sys/kernel/security/apparmor");
	cleanup_free char *param = lsm_path(root, "sys/module/apparmor/parameters/enabled");
	cleanup_close int fd = -1;
	struct stat st;
	char c = 0;

	if (stat(fs, &st) < 0)
		return false;
	fd = open(param, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return false;
	return read(fd, &c, 1) == 1 && c == 'Y';
}

bool lsm_selinux_enabled_at(const char *root)
{
	cleanup_free char *fs = lsm_path(root, "sys/fs/selinux");
	struct statfs sfs;
	struct statvfs svfs;

	if (statfs(fs, &sfs) < 0 || (unsigned long)sfs.f_type != (unsigned long)SELINUX_MAGIC)
		return false;
	/* A read-only selinuxfs is what a host gives a container it keeps SELinux from. */
	return statvfs(fs, &svfs) == 0 && !(svfs.f_flag & ST_RDONLY);
}

bool lsm_apparmor_enabled(void)
{
	return lsm_apparmor_enabled_at("/");
}

bool lsm_selinux_enabled(void)
{
	return lsm_selinux_enabled_at("/");
}

static bool has(const char *s)
{
	return s != NULL && *s != '\0';
}

int lsm_check(const bc_spec_t *spec, bc_error_t **err)
{
	const bc_process_t *p = spec->process;
	const char *mount_label = spec->linux_ ? spec->linux_->mount_label : NULL;

	if (p && has(p->apparmor_profile) && !lsm_apparmor_enabled())
		return bc_error_set(
		    err, 0,
		    "apparmor profile \"%s\" requested (process.apparmorProfile) but "
		    "AppArmor is not enabled on this host",
		    p->apparmor_profile);
	if (p && has(p->selinux_label) && !lsm_selinux_enabled())
		return bc_error_set(err, 0,
				    "selinux label \"%s\" requested (process.selinuxLabel) but "
				    "SELinux is not enabled on this host",
				    p->selinux_label);
	if (has(mount_label) && !lsm_selinux_enabled())
		return bc_error_set(err, 0,
				    "selinux mount label \"%s\" requested (linux.mountLabel) but "
				    "SELinux is not enabled on this host",
				    mount_label);
	return 0;
}

/* AppArmor has its own attr directory since Linux 5.1 (LSM stacking); the shared
 * attr/exec belongs to whichever LSM came first. */
static int lsm_apparmor_exec(const char *profile, bc_error_t **err)
{
	cleanup_error bc_error_t *first = NULL;
	cleanup_free char *value = bc_xasprintf("exec %s", profile);
	cleanup_close int fd = bc_procfs_open("self/attr/apparmor/exec", O_WRONLY, &first);
	const char *rel = "self/attr/apparmor/exec";

	if (fd < 0 && first->errnum != ENOENT)
		return bc_error_set_code(err, first->errnum, "apparmor profile \"%s\": %s", profile,
					 first->msg);
	if (fd < 0) {
		rel = "self/attr/exec";
		fd = bc_procfs_open(rel, O_WRONLY, err);
		if (fd < 0)
			return bc_error_wrap(err, "apparmor profile \"%s\"", profile);
	}
	/* The kernel checks the profile here: ENOENT when it is not loaded. */
	if (bc_write_all(fd, value, strlen(value)) < 0) {
		if (errno == ENOENT)
			return bc_error_errno(err,
					      "apparmor profile \"%s\": write /proc/%s: is the "
					      "profile loaded?",
					      profile, rel);
		return bc_error_errno(err, "apparmor profile \"%s\": write /proc/%s", profile, rel);
	}
	return 0;
}

int lsm_set_exec_labels(const bc_process_t *p, bc_error_t **err)
{
	if (p == NULL)
		return 0;
	if (has(p->apparmor_profile) && lsm_apparmor_exec(p->apparmor_profile, err) < 0)
		return -1;
	if (has(p->selinux_label) && bc_procfs_write("self/attr/exec", p->selinux_label, err) < 0)
		return bc_error_wrap(err, "selinux label \"%s\" (process.selinuxLabel)",
				     p->selinux_label);
	if (has(p->apparmor_profile) || has(p->selinux_label))
		bc_debug("exec labels set:%s%s%s%s", has(p->apparmor_profile) ? " apparmor " : "",
			 has(p->apparmor_profile) ? p->apparmor_profile : "",
			 has(p->selinux_label) ? " selinux " : "",
			 has(p->selinux_label) ? p->selinux_label : "");
	return 0;
}

char *lsm_mount_data(const char *type, const char *data, const char *label)
{
	static const char *const unlabelled[] = {"proc",   "sysfs",   "mqueue",
						 "cgroup", "cgroup2", "bind"};
	bool skip = !has(label) || type == NULL;

	for (size_t i = 0; !skip && i < BC_ARRAY_SIZE(unlabelled); i++)
		skip = strcmp(type, unlabelled[i]) == 0;
	if (skip)
		return data ? bc_xstrdup(data) : NULL;
	if (!has(data))
		return bc_xasprintf("context=\"%s\"", label);
	return bc_xasprintf("%s,context=\"%s\"", data, label);
}
