/* SPDX-License-Identifier: MIT */
/*
 * The config.json written by `barco spec`.  It is built as a bc_spec_t and serialised by
 * bc_spec_to_json, so it can only contain what the parser reads back.
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "barco/spec.h"
#include "barco/util.h"
#include "seccomp_default.h"

/* Docker's default capability set: what most images expect to have as root. */
static const char *const default_caps[] = {
    "CAP_CHOWN",
    "CAP_DAC_OVERRIDE",
    "CAP_FSETID",
    "CAP_FOWNER",
    "CAP_MKNOD",
    "CAP_NET_RAW",
    "CAP_SETGID",
    "CAP_SETUID",
    "CAP_SETFCAP",
    "CAP_SETPCAP",
    "CAP_NET_BIND_SERVICE",
    "CAP_SYS_CHROOT",
    "CAP_KILL",
    "CAP_AUDIT_WRITE",
    NULL,
};

/* runc's lists: kernel interfaces that leak host information or allow host changes. */
static const char *const masked_paths[] = {
    "/proc/acpi",
    "/proc/asound",
    "/proc/kcore",
    "/proc/keys",
    "/proc/latency_stats",
    "/proc/timer_list",
    "/proc/timer_stats",
    "/proc/sched_debug",
    "/sys/firmware",
    "/proc/scsi",
    "/sys/devices/virtual/powercap",
    NULL,
};
static const char *const readonly_paths[] = {
    "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger", NULL,
};

struct default_mount {
	const char *destination, *type, *source;
	const char *const *options;
};

#define OPTS(...) ((const char *const[]){__VA_ARGS__, NULL})

static const struct default_mount base_mounts[] = {
    {"/proc", "proc", "proc", NULL},
    {"/dev", "tmpfs", "tmpfs", OPTS("nosuid", "strictatime", "mode=755", "size=65536k")},
    {"/dev/pts", "devpts", "devpts",
     OPTS("nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5")},
    {"/dev/shm", "tmpfs", "shm", OPTS("nosuid", "noexec", "nodev", "mode=1777", "size=65536k")},
    {"/dev/mqueue", "mqueue", "mqueue", OPTS("nosuid", "noexec", "nodev")},
    {"/sys", "sysfs", "sysfs", OPTS("nosuid", "noexec", "nodev", "ro")},
    {"/sys/fs/cgroup", "cgroup", "cgroup", OPTS("nosuid", "noexec", "nodev", "relatime", "ro")},
};

/*
 * Without a user namespace owning a network namespace, sysfs cannot be mounted, so rootless
 * containers bind the host's /sys; the cgroup mount needs privileges too.  devpts' gid=5
 * names a group that is not mapped in a one-id user namespace.
 */
static const struct default_mount rootless_mounts[] = {
    {"/proc", "proc", "proc", NULL},
    {"/dev", "tmpfs", "tmpfs", OPTS("nosuid", "strictatime", "mode=755", "size=65536k")},
    {"/dev/pts", "devpts", "devpts",
     OPTS("nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620")},
    {"/dev/shm", "tmpfs", "shm", OPTS("nosuid", "noexec", "nodev", "mode=1777", "size=65536k")},
    {"/dev/mqueue", "mqueue", "mqueue", OPTS("nosuid", "noexec", "nodev")},
    {"/sys", "none", "/sys", OPTS("rbind", "nosuid", "noexec", "nodev", "ro")},
};

static const enum bc_ns_type base_namespaces[] = {BC_NS_PID, BC_NS_NETWORK, BC_NS_IPC,
						  BC_NS_UTS, BC_NS_MOUNT,   BC_NS_CGROUP};
static const enum bc_ns_type rootless_namespaces[] = {BC_NS_PID,   BC_NS_IPC,	 BC_NS_UTS,
						      BC_NS_MOUNT, BC_NS_CGROUP, BC_NS_USER};

static char **strv_of(const char *const *v)
{
	return v ? bc_strv_dup((char *const *)v) : NULL;
}

static bc_process_t *default_process(void)
{
	static const char *const args[] = {"sh", NULL};
	static const char *const env[] = {
	    "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "TERM=xterm",
	    NULL};
	bc_process_t *proc = bc_xcalloc(1, sizeof(*proc));

	proc->terminal = true;
	proc->args = strv_of(args);
	proc->env = strv_of(env);
	proc->cwd = bc_xstrdup("/");
	proc->capabilities = bc_xcalloc(1, sizeof(*proc->capabilities));
	proc->capabilities->bounding = strv_of(default_caps);
	proc->capabilities->effective = strv_of(default_caps);
	proc->capabilities->permitted = strv_of(default_caps);
	proc->rlimits = bc_xcalloc(1, sizeof(*proc->rlimits));
	proc->n_rlimits = 1;
	proc->rlimits[0].type = bc_xstrdup("RLIMIT_NOFILE");
	proc->rlimits[0].resource = bc_rlimit_from_name("RLIMIT_NOFILE");
	proc->rlimits[0].soft = 1024;
	proc->rlimits[0].hard = 1024;
	proc->no_new_privileges = true;
	return proc;
}

static void default_mounts(bc_spec_t *spec, const struct default_mount *m, size_t n)
{
	spec->mounts = bc_xcalloc(n, sizeof(*spec->mounts));
	spec->n_mounts = n;
	for (size_t i = 0; i < n; i++) {
		spec->mounts[i].destination = bc_xstrdup(m[i].destination);
		spec->mounts[i].type = bc_xstrdup(m[i].type);
		spec->mounts[i].source = bc_xstrdup(m[i].source);
		spec->mounts[i].options = strv_of(m[i].options);
	}
}

static bc_id_mapping_t *one_id_mapping(uint32_t host_id)
{
	bc_id_mapping_t *map = bc_xcalloc(1, sizeof(*map));

	map->container_id = 0;
	map->host_id = host_id;
	map->size = 1;
	return map;
}

static bc_linux_t *default_linux(bool rootless)
{
	const enum bc_ns_type *ns = rootless ? rootless_namespaces : base_namespaces;
	size_t n_ns =
	    rootless ? BC_ARRAY_SIZE(rootless_namespaces) : BC_ARRAY_SIZE(base_namespaces);
	bc_linux_t *lx = bc_xcalloc(1, sizeof(*lx));

	if (rootless) {
		lx->uid_mappings = one_id_mapping((uint32_t)geteuid());
		lx->n_uid_mappings = 1;
		lx->gid_mappings = one_id_mapping((uint32_t)getegid());
		lx->n_gid_mappings = 1;
	} else {
		/* Deny every device; the runtime's default devices are allowed on top. */
		lx->resources = bc_xcalloc(1, sizeof(*lx->resources));
		lx->resources->devices = bc_xcalloc(1, sizeof(*lx->resources->devices));
		lx->resources->n_devices = 1;
		lx->resources->devices[0].allow = false;
		lx->resources->devices[0].type = 'a';
		lx->resources->devices[0].access = bc_xstrdup("rwm");
	}
	lx->namespaces = bc_xcalloc(n_ns, sizeof(*lx->namespaces));
	lx->n_namespaces = n_ns;
	for (size_t i = 0; i < n_ns; i++)
		lx->namespaces[i].type = ns[i];
	lx->masked_paths = strv_of(masked_paths);
	lx->readonly_paths = strv_of(readonly_paths);
	/* Resolved for the bounding set the config grants, as Docker resolves its profile. */
	lx->seccomp = bc_spec_default_seccomp((char *const *)default_caps);
	return lx;
}

char *bc_spec_default_json(bool rootless)
{
	cleanup_spec bc_spec_t *spec = bc_xcalloc(1, sizeof(*spec));
	cleanup_error bc_error_t *err = NULL;
	char *json;

	spec->oci_version = bc_xstrdup("1.3.0");
	spec->process = default_process();
	spec->root_path = bc_xstrdup("rootfs");
	spec->root_readonly = true;
	spec->hostname = bc_xstrdup("barco");
	if (rootless)
		default_mounts(spec, rootless_mounts, BC_ARRAY_SIZE(rootless_mounts));
	else
		default_mounts(spec, base_mounts, BC_ARRAY_SIZE(base_mounts));
	spec->linux_ = default_linux(rootless);
	json = bc_spec_to_json(spec, &err);
	/* Serialising a model built from constants fails only when out of memory, which is
	 * fatal everywhere in barco. */
	if (json == NULL) {
		fprintf(stderr, "barco: %s\n", err->msg);
		abort();
	}
	return json;
}
