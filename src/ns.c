/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <linux/nsfs.h>
#include <unistd.h>

#include "barco/log.h"
#include "barco/ns.h"
#include "barco/rootless.h"
#include "barco/util.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

int ns_new_flags(const bc_spec_t *spec)
{
	int flags = 0;

	if (spec->linux_ == NULL)
		return 0;
	for (size_t i = 0; i < spec->linux_->n_namespaces; i++) {
		const bc_namespace_t *ns = &spec->linux_->namespaces[i];

		if (ns->path == NULL && ns->type != BC_NS_TIME)
			flags |= bc_ns_clone_flag(ns->type);
	}
	return flags;
}

int ns_validate(const bc_spec_t *spec, bc_error_t **err)
{
	const bc_namespace_t *uts = bc_spec_namespace(spec, BC_NS_UTS);
	const bc_namespace_t *user = bc_spec_namespace(spec, BC_NS_USER);
	bool maps = spec->linux_ && (spec->linux_->n_uid_mappings || spec->linux_->n_gid_mappings);

	if (bc_spec_namespace(spec, BC_NS_MOUNT) == NULL)
		return bc_error_set(err, 0,
				    "config.json: linux.namespaces: a mount namespace is required "
				    "to set up the rootfs");
	if ((spec->hostname && *spec->hostname) && (uts == NULL || uts->path != NULL))
		return bc_error_set(err, 0,
				    "config.json: hostname: setting the hostname needs a new uts "
				    "namespace in linux.namespaces");
	if ((spec->domainname && *spec->domainname) && (uts == NULL || uts->path != NULL))
		return bc_error_set(err, 0,
				    "config.json: domainname: setting the domainname needs a new "
				    "uts namespace in linux.namespaces");
	if (user && user->path == NULL && !maps)
		return bc_error_set(err, 0,
				    "config.json: linux.uidMappings: a new user namespace needs "
				    "uidMappings and gidMappings");
	if (maps && (user == NULL || user->path != NULL))
		return bc_error_set(err, 0,
				    "config.json: linux.uidMappings: mappings need a new user "
				    "namespace in linux.namespaces");
	if (spec->linux_ && spec->linux_->has_time_offsets &&
	    (bc_spec_namespace(spec, BC_NS_TIME) == NULL ||
	     bc_spec_namespace(spec, BC_NS_TIME)->path != NULL))
		return bc_error_set(err, 0,
				    "config.json: linux.timeOffsets: offsets need a new time "
				    "namespace in linux.namespaces");
	return 0;
}

void ns_close_fds(bc_ns_fds_t *fds)
{
	for (int i = 0; i < BC_NS_TYPE_COUNT; i++) {
		if (fds->fd[i] >= 0)
			close(fds->fd[i]);
		fds->fd[i] = -1;
	}
}

bool ns_any_joined(const bc_ns_fds_t *fds)
{
	for (int i = 0; i < BC_NS_TYPE_COUNT; i++) {
		if (fds->fd[i] >= 0 && i != BC_NS_PID && i != BC_NS_TIME)
			return true;
	}
	return false;
}

static const char *ns_name_of_flag(int flag)
{
	for (int t = 0; t < BC_NS_TYPE_COUNT; t++) {
		if (bc_ns_clone_flag((enum bc_ns_type)t) == flag)
			return bc_ns_type_name((enum bc_ns_type)t);
	}
	return "unknown";
}

/* Refuse a path that is no namespace, or one of another type, before anything is created. */
static int ns_check_type(int fd, const bc_namespace_t *ns, bc_error_t **err)
{
	int t = ioctl(fd, NS_GET_NSTYPE);
	const char *want = bc_ns_type_name(ns->type);

	if (t < 0) {
		if (errno == ENOTTY || errno == EINVAL)
			return bc_error_set(err, 0, "join %s namespace %s: not a namespace file",
					    want, ns->path);
		return bc_error_errno(err, "join %s namespace %s", want, ns->path);
	}
	if (t != bc_ns_clone_flag(ns->type))
		return bc_error_set(err, 0, "join %s namespace %s: it is a %s namespace", want,
				    ns->path, ns_name_of_flag(t));
	return 0;
}

int ns_open_paths(const bc_spec_t *spec, bc_ns_fds_t *fds, bc_error_t **err)
{
	for (int i = 0; i < BC_NS_TYPE_COUNT; i++)
		fds->fd[i] = -1;
	if (spec->linux_ == NULL)
		return 0;
	for (size_t i = 0; i < spec->linux_->n_namespaces; i++) {
		const bc_namespace_t *ns = &spec->linux_->namespaces[i];

		if (ns->path == NULL)
			continue;
		fds->fd[ns->type] = open(ns->path, O_RDONLY | O_CLOEXEC);
		if (fds->fd[ns->type] < 0) {
			bc_error_errno(err, "open %s namespace %s", bc_ns_type_name(ns->type),
				       ns->path);
			ns_close_fds(fds);
			return -1;
		}
		if (ns_check_type(fds->fd[ns->type], ns, err) < 0) {
			ns_close_fds(fds);
			return -1;
		}
	}
	return 0;
}

static int ns_setns(const bc_ns_fds_t *fds, enum bc_ns_type t, bc_error_t **err)
{
	if (fds->fd[t] < 0)
		return 0;
	if (setns(fds->fd[t], bc_ns_clone_flag(t)) < 0) {
		if (errno == EINVAL)
			return bc_error_set(err, EINVAL,
					    "join %s namespace: the path is not a %s namespace "
					    "or it cannot be joined",
					    bc_ns_type_name(t), bc_ns_type_name(t));
		return bc_error_errno(err, "join %s namespace", bc_ns_type_name(t));
	}
	return 0;
}

static int ns_write_time_offsets(const bc_linux_t *l, bc_error_t **err)
{
	char buf[128];
	int n;

	n = snprintf(buf, sizeof(buf), "monotonic %lld %u\nboottime %lld %u\n",
		     (long long)l->time_monotonic.secs, l->time_monotonic.nanosecs,
		     (long long)l->time_boottime.secs, l->time_boottime.nanosecs);
	cleanup_close int fd = bc_procfs_open("self/timens_offsets", O_WRONLY, err);
	if (fd < 0)
		return -1;
	if (bc_write_all(fd, buf, (size_t)n) < 0)
		return bc_error_errno(err, "write time namespace offsets");
	return 0;
}

/* The runtime's own namespace of type T for its children, to go back to after the clone. */
static int ns_save_own(enum bc_ns_type t, bc_ns_fds_t *saved, bc_error_t **err)
{
	cleanup_close int dir = bc_procfs_open("self/ns", O_PATH | O_DIRECTORY, err);
	cleanup_free char *name = bc_xasprintf("%s_for_children", bc_ns_proc_name(t));

	if (dir < 0)
		return -1;
	saved->fd[t] = openat(dir, name, O_RDONLY | O_CLOEXEC);
	if (saved->fd[t] < 0)
		return bc_error_errno(err, "open /proc/self/ns/%s", name);
	return 0;
}

int ns_prepare_parent(const bc_spec_t *spec, const bc_ns_fds_t *fds, bc_ns_fds_t *saved,
		      bc_error_t **err)
{
	const bc_namespace_t *time_ns = bc_spec_namespace(spec, BC_NS_TIME);

	for (int i = 0; i < BC_NS_TYPE_COUNT; i++)
		saved->fd[i] = -1;
	if (fds->fd[BC_NS_PID] >= 0 && ns_save_own(BC_NS_PID, saved, err) < 0)
		return -1;
	if (time_ns && ns_save_own(BC_NS_TIME, saved, err) < 0)
		return -1;
	if (ns_setns(fds, BC_NS_PID, err) < 0)
		return -1;
	if (fds->fd[BC_NS_TIME] >= 0 && ns_setns(fds, BC_NS_TIME, err) < 0)
		return -1;
	if (time_ns && time_ns->path == NULL) {
		if (unshare(CLONE_NEWTIME) < 0)
			return bc_error_errno(err, "create time namespace");
		if (spec->linux_->has_time_offsets && ns_write_time_offsets(spec->linux_, err) < 0)
			return -1;
	}
	return 0;
}

/* Left in the container's namespaces, the runtime would run its createRuntime, prestart and
 * (run's) poststart hooks there, and LeakSanitizer's helper thread could not see the runtime
 * it must stop.  Going back takes CAP_SYS_ADMIN over the runtime's own namespace, which a
 * runtime in a user namespace of its own may lack: then things stay as they were. */
void ns_restore_parent(bc_ns_fds_t *saved)
{
	for (int i = 0; i < BC_NS_TYPE_COUNT; i++) {
		if (saved->fd[i] >= 0 &&
		    setns(saved->fd[i], bc_ns_clone_flag((enum bc_ns_type)i)) < 0)
			bc_debug("back to the runtime's own %s namespace for its children: %s",
				 bc_ns_type_name((enum bc_ns_type)i), strerror(errno));
	}
	ns_close_fds(saved);
}

int ns_join(const bc_ns_fds_t *fds, bc_error_t **err)
{
	/* The user namespace first: it grants the privileges needed to join the others. */
	static const enum bc_ns_type order[] = {BC_NS_USER,    BC_NS_IPC,    BC_NS_UTS,
						BC_NS_NETWORK, BC_NS_CGROUP, BC_NS_MOUNT};

	for (size_t i = 0; i < BC_ARRAY_SIZE(order); i++) {
		if (ns_setns(fds, order[i], err) < 0)
			return -1;
	}
	return 0;
}

static int ns_write_map(pid_t pid, const char *file, const bc_id_mapping_t *m, size_t n,
			bc_error_t **err)
{
	cleanup_free char *buf = bc_xmalloc(n * 40 + 1);
	cleanup_free char *path = bc_xasprintf("%d/%s", (int)pid, file);
	cleanup_close int fd = -1;
	size_t len = 0;

	for (size_t i = 0; i < n; i++)
		len += (size_t)sprintf(buf + len, "%u %u %u\n", m[i].container_id, m[i].host_id,
				       m[i].size);
	fd = bc_procfs_open(path, O_WRONLY, err);
	if (fd < 0)
		return -1;
	/* The kernel takes the whole map in one write or not at all. */
	if (write(fd, buf, len) != (ssize_t)len)
		return bc_error_errno(err, "write /proc/%s", path);
	return 0;
}

int ns_write_id_maps(pid_t pid, const bc_spec_t *spec, bc_error_t **err)
{
	const bc_linux_t *l = spec->linux_;
	bool root = geteuid() == 0;
	char rel[64];

	/* Without CAP_SETUID/CAP_SETGID in our own namespace, the kernel takes from us only a
	 * map of our own id; anything more goes through the setuid newuidmap/newgidmap, which
	 * check it against /etc/subuid and /etc/subgid (rootless.h). */
	if (root || rootless_map_is_own(l->uid_mappings, l->n_uid_mappings, geteuid())) {
		if (ns_write_map(pid, "uid_map", l->uid_mappings, l->n_uid_mappings, err) < 0)
			return -1;
	} else if (rootless_map_with_helper(pid, false, l->uid_mappings, l->n_uid_mappings, err) <
		   0) {
		return -1;
	}
	if (root)
		return ns_write_map(pid, "gid_map", l->gid_mappings, l->n_gid_mappings, err);
	if (!rootless_map_is_own(l->gid_mappings, l->n_gid_mappings, getegid()))
		return rootless_map_with_helper(pid, true, l->gid_mappings, l->n_gid_mappings, err);
	/* Our own gid alone: the kernel takes it only once setgroups is denied (the process
	 * could otherwise drop a group that denies it access). */
	snprintf(rel, sizeof(rel), "%d/setgroups", (int)pid);
	if (bc_procfs_write(rel, "deny", err) < 0)
		return -1;
	return ns_write_map(pid, "gid_map", l->gid_mappings, l->n_gid_mappings, err);
}
