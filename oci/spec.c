/* SPDX-License-Identifier: MIT */
/*
 * config.json <-> bc_spec_t: the runtime-spec model.
 *
 * The model is described once, by the field tables below (their shape is in spec_json.h);
 * parsing, freeing, serialising and comparing all walk the same tables, so a member added
 * to a table is parsed, freed, written back and compared without further code.  What the
 * tables cannot say (version rules, value formats, cross-member rules) is in the checks
 * they name.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <yajl/yajl_tree.h>

#include "barco/spec.h"
#include "barco/util.h"
#include "spec_json.h"
#include "spec_names.h"

/* ---------------------------------------------------------------- member checks */

static int check_version(spec_json_parser_t *p, const void *value)
{
	const char *v = *(char *const *)value, *s = v;
	cleanup_free char *q = spec_json_show(v);
	unsigned long part[3];

	for (int i = 0; i < 3; i++) {
		char *end;

		if (*s < '0' || *s > '9')
			return spec_json_fail(p, "invalid version %s (expected MAJOR.MINOR.PATCH)",
					      q);
		errno = 0;
		part[i] = strtoul(s, &end, 10);
		if (errno || (i < 2 && *end != '.'))
			return spec_json_fail(p, "invalid version %s (expected MAJOR.MINOR.PATCH)",
					      q);
		s = i < 2 ? end + 1 : end;
	}
	if (*s != '\0' && !((*s == '-' || *s == '+') && s[1] != '\0'))
		return spec_json_fail(p, "invalid version %s (expected MAJOR.MINOR.PATCH)", q);
	if (part[0] != 1 || part[1] > 3)
		return spec_json_fail(p, "unsupported version %s (barco supports 1.0.0 to 1.3.x)",
				      q);
	return 0;
}

/* process.env: NAME=VALUE each, with a name (runc refuses the rest). */
static int check_env(spec_json_parser_t *p, const void *value)
{
	char *const *env = *(char *const *const *)value;

	for (size_t i = 0; env && env[i]; i++) {
		if (env[i][0] == '=' || strchr(env[i], '=') == NULL) {
			cleanup_free char *q = spec_json_show(env[i]);

			return spec_json_fail(p,
					      "entry %zu: invalid environment variable %s "
					      "(expected NAME=VALUE)",
					      i, q);
		}
	}
	return 0;
}

static int check_nonempty(spec_json_parser_t *p, const void *value)
{
	const char *s = *(char *const *)value;

	return *s != '\0' ? 0 : spec_json_fail(p, "must not be empty");
}

static int check_timeout(spec_json_parser_t *p, const void *value)
{
	int t = *(const int *)value;

	return t > 0 ? 0 : spec_json_fail(p, "must be greater than zero, got %d", t);
}

static int check_ioprio(spec_json_parser_t *p, const void *value)
{
	int prio = *(const int *)value;

	return prio >= 0 && prio <= 7 ? 0
				      : spec_json_fail(p, "must be between 0 and 7, got %d", prio);
}

static int check_access(spec_json_parser_t *p, const void *value)
{
	const char *a = *(char *const *)value;
	cleanup_free char *q = NULL;

	if (a[0] != '\0' && strspn(a, "rwm") == strlen(a))
		return 0;
	q = spec_json_show(a);
	return spec_json_fail(p, "invalid access %s (expected a combination of r, w and m)", q);
}

static int check_page_size(spec_json_parser_t *p, const void *value)
{
	const char *s = *(char *const *)value;
	size_t digits = strspn(s, "0123456789");
	cleanup_free char *q = NULL;

	if (digits > 0 && s[0] != '0' && strchr("KMG", s[digits]) && s[digits] != '\0' &&
	    strcmp(s + digits + 1, "B") == 0)
		return 0;
	q = spec_json_show(s);
	return spec_json_fail(p, "invalid page size %s (expected a size like 2MB, 64KB or 1GB)", q);
}

static int check_cpu_list(spec_json_parser_t *p, const void *value)
{
	const char *s = *(char *const *)value;
	cleanup_free char *q = NULL;

	if (strspn(s, "0123456789, -") == strlen(s))
		return 0;
	q = spec_json_show(s);
	return spec_json_fail(p, "invalid CPU list %s", q);
}

static int check_mem_bw(spec_json_parser_t *p, const void *value)
{
	const char *s = *(char *const *)value;

	if (bc_str_has_prefix(s, "MB:") && strchr(s, '\n') == NULL)
		return 0;
	return spec_json_fail(p, "must start with \"MB:\" and be a single line");
}

/* The path is joined under a cgroup mount: a ".." component would climb out of the cgroup
 * the runtime means to use, and a newline would forge a line of /proc/PID/cgroup.  (NUL never
 * reaches here: the parser refuses \u0000 in every string.) */
static int check_cgroups_path(spec_json_parser_t *p, const void *value)
{
	const char *s = *(char *const *)value;
	cleanup_free char *q = spec_json_show(s);

	for (const char *c = s; *c; c++)
		if ((unsigned char)*c < ' ' || *c == 0x7f)
			return spec_json_fail(p, "%s contains a control character: refused", q);
	for (const char *c = s; *c;) {
		size_t n = strcspn(c, "/");

		if (n == 2 && c[0] == '.' && c[1] == '.')
			return spec_json_fail(p, "%s has a \"..\" component: refused", q);
		c += n + (c[n] == '/');
	}
	return 0;
}

/* ---------------------------------------------------------------- object checks */

static int rlimit_validate(spec_json_parser_t *p, yajl_val obj, void *out)
{
	bc_rlimit_t *r = out;
	cleanup_free char *q = NULL;

	r->resource = bc_rlimit_from_name(r->type);
	if (r->resource < 0) {
		q = spec_json_show(r->type);
		return spec_json_fail_at(p, "type", "unknown resource limit %s", q);
	}
	if (r->soft > r->hard)
		return spec_json_fail(p,
				      "soft limit %" PRIu64 " is greater than hard limit %" PRIu64,
				      r->soft, r->hard);
	return 0;
}

static int process_validate(spec_json_parser_t *p, yajl_val obj, void *out)
{
	bc_process_t *proc = out;
	bool seen[RLIM_NLIMITS] = {false};

	if (proc->args[0] == NULL)
		return spec_json_fail_at(p, "args", "must contain at least one element");
	for (size_t i = 0; i < proc->n_rlimits; i++) {
		int res = proc->rlimits[i].resource;
		size_t mark;

		if (res < 0 || res >= RLIM_NLIMITS || !seen[res]) {
			if (res >= 0 && res < RLIM_NLIMITS)
				seen[res] = true;
			continue;
		}
		mark = spec_json_path_key(p, "rlimits");
		spec_json_path_index(p, i);
		spec_json_fail_at(p, "type", "duplicate resource limit \"%s\"",
				  proc->rlimits[i].type);
		spec_json_path_pop(p, mark);
		return -1;
	}
	return 0;
}

static int linux_validate(spec_json_parser_t *p, yajl_val obj, void *out)
{
	bc_linux_t *lx = out;
	bool seen[BC_NS_TYPE_COUNT] = {false};

	for (size_t i = 0; i < lx->n_namespaces; i++) {
		enum bc_ns_type t = lx->namespaces[i].type;
		size_t mark;

		if (!seen[t]) {
			seen[t] = true;
			continue;
		}
		mark = spec_json_path_key(p, "namespaces");
		spec_json_path_index(p, i);
		spec_json_fail_at(p, "type", "duplicate namespace type \"%s\"", spec_names_ns[t]);
		spec_json_path_pop(p, mark);
		return -1;
	}
	return 0;
}

static int device_validate(spec_json_parser_t *p, yajl_val obj, void *out)
{
	const bc_device_t *d = out;

	if (d->type == 'p')
		return 0;
	if (spec_json_obj_get(obj, "major") == NULL)
		return spec_json_fail_at(p, "major", "missing required property (device type '%c')",
					 d->type);
	if (spec_json_obj_get(obj, "minor") == NULL)
		return spec_json_fail_at(p, "minor", "missing required property (device type '%c')",
					 d->type);
	return 0;
}

static int weight_device_validate(spec_json_parser_t *p, yajl_val obj, void *out)
{
	const bc_weight_device_t *w = out;

	if (w->has_weight || w->has_leaf_weight)
		return 0;
	return spec_json_fail(p, "at least one of weight and leafWeight is required");
}

static int rdma_validate(spec_json_parser_t *p, yajl_val obj, void *out)
{
	const bc_rdma_limit_t *r = out;

	if (r->has_hca_handles || r->has_hca_objects)
		return 0;
	return spec_json_fail(p, "at least one of hcaHandles and hcaObjects is required");
}

/* A unified key names a file in the container's cgroup directory: "controller.key" (io.max,
 * hugetlb.1GB.max), never a path. */
static bool cgroup_file_name_ok(const char *k)
{
	static const char chars[] = "abcdefghijklmnopqrstuvwxyz"
				    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.";
	const char *dot = strchr(k, '.');
	size_t len = strlen(k);

	return dot != NULL && dot != k && k[len - 1] != '.' && strstr(k, "..") == NULL &&
	       strspn(k, chars) == len;
}

static int resources_validate(spec_json_parser_t *p, yajl_val obj, void *out)
{
	const bc_resources_t *r = out;

	for (size_t i = 0; i < r->n_unified; i++) {
		cleanup_free char *q = NULL;

		if (cgroup_file_name_ok(r->unified[i].key))
			continue;
		q = spec_json_show(r->unified[i].key);
		return spec_json_fail_at(p, "unified",
					 "%s is not a cgroup file name (expected controller.key, "
					 "without '/' or \"..\"): refused",
					 q);
	}
	return 0;
}

/* ---- linux.sysctl
 * Only sysctls the kernel keeps per namespace, and only when the container has its own
 * namespace of that kind: anything else would change the host (runc and crun refuse the
 * same).  The key becomes a path under /proc/sys with '.' read as '/'. */

static const char *const ipc_sysctls[] = {
    "kernel.msgmax", "kernel.msgmnb", "kernel.msgmni", "kernel.sem",
    "kernel.shmall", "kernel.shmmax", "kernel.shmmni", "kernel.shm_rmid_forced",
};

/* Dots become slashes: a '/', an empty component or "..", a space or a control character
 * could name something other than the sysctl the key spells. */
static bool sysctl_name_ok(const char *k)
{
	if (k[0] == '.' || k[strlen(k) - 1] == '.' || strstr(k, "..") || strchr(k, '/'))
		return false;
	for (; *k; k++)
		if ((unsigned char)*k <= ' ' || *k == 0x7f)
			return false;
	return true;
}

/* The namespace that holds the kernel's copy of sysctl `k`, -1 when there is one copy. */
static int sysctl_namespace(const char *k)
{
	if (bc_str_has_prefix(k, "net."))
		return BC_NS_NETWORK;
	if (bc_str_has_prefix(k, "fs.mqueue."))
		return BC_NS_IPC;
	for (size_t i = 0; i < BC_ARRAY_SIZE(ipc_sysctls); i++)
		if (strcmp(k, ipc_sysctls[i]) == 0)
			return BC_NS_IPC;
	if (strcmp(k, "kernel.domainname") == 0 || strcmp(k, "kernel.hostname") == 0)
		return BC_NS_UTS;
	return -1;
}

/* Why sysctl kv is refused (to follow its quoted key in the message), NULL when it is allowed. */
static const char *sysctl_refusal(const bc_spec_t *spec, const bc_kv_t *kv)
{
	static const char *const missing[BC_NS_TYPE_COUNT] = {
	    [BC_NS_NETWORK] = "needs a network namespace in linux.namespaces (without one it "
			      "would change the host's)",
	    [BC_NS_IPC] = "needs an ipc namespace in linux.namespaces (without one it would "
			  "change the host's)",
	    [BC_NS_UTS] = "needs a new uts namespace in linux.namespaces (without one it would "
			  "change the host's)",
	};
	int t = sysctl_namespace(kv->key);
	const bc_namespace_t *ns = t < 0 ? NULL : bc_spec_namespace(spec, (enum bc_ns_type)t);

	if (!sysctl_name_ok(kv->key))
		return "is not a sysctl name (it must not hold '/', \"..\", spaces or control "
		       "characters, nor start or end with '.')";
	if (t < 0)
		return "is not a namespaced sysctl";
	/* runc and crun refuse it too: the hostname field is the one place to set it. */
	if (strcmp(kv->key, "kernel.hostname") == 0)
		return "conflicts with the hostname field (set that instead)";
	if (ns == NULL)
		return missing[t];
	/* As for the domainname field: a joined uts namespace is set up by its owner. */
	if (t == BC_NS_UTS && ns->path)
		return "needs a new uts namespace, not one joined by path";
	if (t == BC_NS_UTS && spec->domainname && *spec->domainname &&
	    strcmp(spec->domainname, kv->value) != 0)
		return "conflicts with the domainname field";
	return NULL;
}

static int sysctl_validate(spec_json_parser_t *p, const bc_spec_t *spec)
{
	for (size_t i = 0; spec->linux_ && i < spec->linux_->n_sysctl; i++) {
		const char *why = sysctl_refusal(spec, &spec->linux_->sysctl[i]);
		cleanup_free char *q = NULL;
		size_t mark;

		if (why == NULL)
			continue;
		q = spec_json_show(spec->linux_->sysctl[i].key);
		mark = spec_json_path_key(p, "linux");
		spec_json_fail_at(p, "sysctl", "%s %s: refused", q, why);
		spec_json_path_pop(p, mark);
		return -1;
	}
	return 0;
}

static int spec_validate(spec_json_parser_t *p, yajl_val obj, void *out)
{
	return sysctl_validate(p, out);
}

static bool action_takes_errno(const char *action)
{
	return strcmp(action, "SCMP_ACT_ERRNO") == 0 || strcmp(action, "SCMP_ACT_TRACE") == 0;
}

static int syscall_validate(spec_json_parser_t *p, yajl_val obj, void *out)
{
	const bc_seccomp_syscall_t *s = out;

	if (s->names[0] == NULL)
		return spec_json_fail_at(p, "names", "must contain at least one element");
	if (s->has_errno_ret && !action_takes_errno(s->action))
		return spec_json_fail_at(p, "errnoRet", "not allowed with action %s", s->action);
	return 0;
}

static int seccomp_validate(spec_json_parser_t *p, yajl_val obj, void *out)
{
	const bc_seccomp_t *s = out;

	if (s->has_default_errno_ret && !action_takes_errno(s->default_action))
		return spec_json_fail_at(p, "defaultErrnoRet", "not allowed with defaultAction %s",
					 s->default_action);
	if (s->listener_metadata && !s->listener_path)
		return spec_json_fail_at(p, "listenerMetadata", "not allowed without listenerPath");
	return 0;
}

/* ---------------------------------------------------------------- enumerations */

static const struct spec_json_strset ns_set = {"namespace type", spec_names_ns};
SET(device_set, "device type", "c", "b", "u", "p");
SET(devcg_set, "device type", "a", "c", "b");
SET(propagation_set, "rootfs propagation", "shared", "slave", "private", "unbindable", "rshared",
    "rslave", "rprivate", "runbindable");
SET(sched_policy_set, "scheduler policy", "SCHED_OTHER", "SCHED_FIFO", "SCHED_RR", "SCHED_BATCH",
    "SCHED_ISO", "SCHED_IDLE", "SCHED_DEADLINE");
SET(sched_flag_set, "scheduler flag", "SCHED_FLAG_RESET_ON_FORK", "SCHED_FLAG_RECLAIM",
    "SCHED_FLAG_DL_OVERRUN", "SCHED_FLAG_KEEP_POLICY", "SCHED_FLAG_KEEP_PARAMS",
    "SCHED_FLAG_UTIL_CLAMP_MIN", "SCHED_FLAG_UTIL_CLAMP_MAX");
SET(ioprio_set, "I/O priority class", "IOPRIO_CLASS_RT", "IOPRIO_CLASS_BE", "IOPRIO_CLASS_IDLE");
SET(action_set, "seccomp action", "SCMP_ACT_KILL", "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD",
    "SCMP_ACT_TRAP", "SCMP_ACT_ERRNO", "SCMP_ACT_TRACE", "SCMP_ACT_ALLOW", "SCMP_ACT_LOG",
    "SCMP_ACT_NOTIFY");
SET(op_set, "seccomp operator", "SCMP_CMP_NE", "SCMP_CMP_LT", "SCMP_CMP_LE", "SCMP_CMP_EQ",
    "SCMP_CMP_GE", "SCMP_CMP_GT", "SCMP_CMP_MASKED_EQ");
SET(arch_set, "seccomp architecture", "SCMP_ARCH_X86", "SCMP_ARCH_X86_64", "SCMP_ARCH_X32",
    "SCMP_ARCH_ARM", "SCMP_ARCH_AARCH64", "SCMP_ARCH_LOONGARCH64", "SCMP_ARCH_M68K",
    "SCMP_ARCH_MIPS", "SCMP_ARCH_MIPS64", "SCMP_ARCH_MIPS64N32", "SCMP_ARCH_MIPSEL",
    "SCMP_ARCH_MIPSEL64", "SCMP_ARCH_MIPSEL64N32", "SCMP_ARCH_PPC", "SCMP_ARCH_PPC64",
    "SCMP_ARCH_PPC64LE", "SCMP_ARCH_S390", "SCMP_ARCH_S390X", "SCMP_ARCH_SH", "SCMP_ARCH_SHEB",
    "SCMP_ARCH_PARISC", "SCMP_ARCH_PARISC64", "SCMP_ARCH_RISCV64");
SET(seccomp_flag_set, "seccomp flag", "SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_LOG",
    "SECCOMP_FILTER_FLAG_SPEC_ALLOW", "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV");
SET(domain_set, "personality domain", "LINUX", "LINUX32");
SET(mpol_mode_set, "memory policy mode", "MPOL_DEFAULT", "MPOL_BIND", "MPOL_INTERLEAVE",
    "MPOL_WEIGHTED_INTERLEAVE", "MPOL_PREFERRED", "MPOL_PREFERRED_MANY", "MPOL_LOCAL");
SET(mpol_flag_set, "memory policy flag", "MPOL_F_NUMA_BALANCING", "MPOL_F_RELATIVE_NODES",
    "MPOL_F_STATIC_NODES");

/* ---------------------------------------------------------------- the model */

static const struct spec_json_field idmap_fields[] = {
    FLD(bc_id_mapping_t, "containerID", K_U32, container_id, .flags = F_REQ),
    FLD(bc_id_mapping_t, "hostID", K_U32, host_id, .flags = F_REQ),
    FLD(bc_id_mapping_t, "size", K_U32, size, .flags = F_REQ),
};
TYPE(idmap_type, bc_id_mapping_t, 0, idmap_fields, NULL);

/* ---- process */

static const struct spec_json_field user_fields[] = {
    FLD(bc_user_t, "uid", K_U32, uid, .flags = F_REQ),
    FLD(bc_user_t, "gid", K_U32, gid, .flags = F_REQ),
    FLD(bc_user_t, "umask", K_U32, umask, HAS(bc_user_t, has_umask)),
    FLD(bc_user_t, "additionalGids", K_U32V, additional_gids, CNT(bc_user_t, n_additional_gids)),
    FLD(bc_user_t, "username", K_STR, username),
};
TYPE(user_type, bc_user_t, 0, user_fields, NULL);

static const struct spec_json_field caps_fields[] = {
    FLD(bc_capabilities_t, "bounding", K_STRV, bounding),
    FLD(bc_capabilities_t, "effective", K_STRV, effective),
    FLD(bc_capabilities_t, "inheritable", K_STRV, inheritable),
    FLD(bc_capabilities_t, "permitted", K_STRV, permitted),
    FLD(bc_capabilities_t, "ambient", K_STRV, ambient),
};
TYPE(caps_type, bc_capabilities_t, 0, caps_fields, NULL);

static const struct spec_json_field rlimit_fields[] = {
    FLD(bc_rlimit_t, "type", K_STR, type, .flags = F_REQ),
    FLD(bc_rlimit_t, "hard", K_U64, hard, .flags = F_REQ),
    FLD(bc_rlimit_t, "soft", K_U64, soft, .flags = F_REQ),
};
TYPE(rlimit_type, bc_rlimit_t, 0, rlimit_fields, rlimit_validate);

static const struct spec_json_field sched_fields[] = {
    FLD(bc_scheduler_t, "policy", K_STR, policy, .flags = F_REQ, .set = &sched_policy_set),
    FLD(bc_scheduler_t, "nice", K_I32, nice),
    FLD(bc_scheduler_t, "priority", K_I32, priority),
    FLD(bc_scheduler_t, "flags", K_STRV, flags, .set = &sched_flag_set),
    FLD(bc_scheduler_t, "runtime", K_U64, runtime),
    FLD(bc_scheduler_t, "deadline", K_U64, deadline),
    FLD(bc_scheduler_t, "period", K_U64, period),
};
TYPE(sched_type, bc_scheduler_t, 0, sched_fields, NULL);

static const struct spec_json_field ioprio_fields[] = {
    FLD(bc_io_priority_t, "class", K_STR, class_, .flags = F_REQ, .set = &ioprio_set),
    FLD(bc_io_priority_t, "priority", K_I32, priority, .flags = F_REQ, .check = check_ioprio),
};
TYPE(ioprio_type, bc_io_priority_t, 0, ioprio_fields, NULL);

static const struct spec_json_field console_fields[] = {
    FLD(bc_process_t, "height", K_U32, console_height, .flags = F_REQ),
    FLD(bc_process_t, "width", K_U32, console_width, .flags = F_REQ),
};
FLAT_TYPE(console_type, console_fields);

static const struct spec_json_field affinity_fields[] = {
    FLD(bc_process_t, "initial", K_STR, exec_cpu_affinity_initial, .check = check_cpu_list),
    FLD(bc_process_t, "final", K_STR, exec_cpu_affinity_final, .check = check_cpu_list),
};
FLAT_TYPE(affinity_type, affinity_fields);

static const struct spec_json_field process_fields[] = {
    FLD(bc_process_t, "terminal", K_BOOL, terminal),
    FLAT("consoleSize", console_type, HAS(bc_process_t, has_console_size)),
    FLD(bc_process_t, "user", K_OBJ, user, .sub = &user_type),
    FLD(bc_process_t, "args", K_STRV, args, .flags = F_REQ),
    FLD(bc_process_t, "commandLine", K_STR, command_line),
    FLD(bc_process_t, "env", K_STRV, env, .check = check_env),
    FLD(bc_process_t, "cwd", K_STR, cwd, .flags = F_REQ | F_ABS),
    FLD(bc_process_t, "capabilities", K_PTR, capabilities, .sub = &caps_type),
    FLD(bc_process_t, "rlimits", K_ARR, rlimits, CNT(bc_process_t, n_rlimits), .sub = &rlimit_type),
    FLD(bc_process_t, "noNewPrivileges", K_BOOL, no_new_privileges),
    FLD(bc_process_t, "apparmorProfile", K_STR, apparmor_profile),
    FLD(bc_process_t, "oomScoreAdj", K_I32, oom_score_adj, HAS(bc_process_t, has_oom_score_adj)),
    FLD(bc_process_t, "scheduler", K_PTR, scheduler, .sub = &sched_type),
    FLD(bc_process_t, "selinuxLabel", K_STR, selinux_label),
    FLD(bc_process_t, "ioPriority", K_PTR, io_priority, .sub = &ioprio_type),
    FLAT("execCPUAffinity", affinity_type),
};
TYPE(process_type, bc_process_t, 0, process_fields, process_validate);

/* ---- root, mounts, hooks */

static const struct spec_json_field root_fields[] = {
    FLD(bc_spec_t, "path", K_STR, root_path, .flags = F_REQ, .check = check_nonempty),
    FLD(bc_spec_t, "readonly", K_BOOL, root_readonly),
};
FLAT_TYPE(root_type, root_fields);

static const struct spec_json_field mount_fields[] = {
    FLD(bc_mount_t, "destination", K_STR, destination, .flags = F_REQ | F_ABS),
    FLD(bc_mount_t, "type", K_STR, type),
    FLD(bc_mount_t, "source", K_STR, source),
    FLD(bc_mount_t, "options", K_STRV, options),
    FLD(bc_mount_t, "uidMappings", K_ARR, uid_mappings, CNT(bc_mount_t, n_uid_mappings),
	.sub = &idmap_type),
    FLD(bc_mount_t, "gidMappings", K_ARR, gid_mappings, CNT(bc_mount_t, n_gid_mappings),
	.sub = &idmap_type),
};
TYPE(mount_type, bc_mount_t, 0, mount_fields, NULL);

static const struct spec_json_field hook_fields[] = {
    FLD(bc_hook_t, "path", K_STR, path, .flags = F_REQ | F_ABS),
    FLD(bc_hook_t, "args", K_STRV, args),
    FLD(bc_hook_t, "env", K_STRV, env),
    FLD(bc_hook_t, "timeout", K_I32, timeout, HAS(bc_hook_t, has_timeout), .check = check_timeout),
};
TYPE(hook_type, bc_hook_t, 0, hook_fields, NULL);

#define HOOK_FLD(key_, k)                                                                          \
	FLD(bc_hooks_t, key_, K_ARR, list[k], CNT(bc_hooks_t, count[k]), .sub = &hook_type)
static const struct spec_json_field hooks_fields[] = {
    HOOK_FLD("prestart", BC_HOOK_PRESTART),
    HOOK_FLD("createRuntime", BC_HOOK_CREATE_RUNTIME),
    HOOK_FLD("createContainer", BC_HOOK_CREATE_CONTAINER),
    HOOK_FLD("startContainer", BC_HOOK_START_CONTAINER),
    HOOK_FLD("poststart", BC_HOOK_POSTSTART),
    HOOK_FLD("poststop", BC_HOOK_POSTSTOP),
};
TYPE(hooks_type, bc_hooks_t, 0, hooks_fields, NULL);

/* ---- linux: namespaces, devices, time */

static const struct spec_json_field ns_fields[] = {
    FLD(bc_namespace_t, "type", K_ENUM, type, .flags = F_REQ, .set = &ns_set),
    FLD(bc_namespace_t, "path", K_STR, path, .flags = F_ABS),
};
TYPE(ns_type, bc_namespace_t, 0, ns_fields, NULL);

static const struct spec_json_field time_offset_fields[] = {
    FLD(bc_time_offset_t, "secs", K_I64, secs, HAS(bc_time_offset_t, has_secs)),
    FLD(bc_time_offset_t, "nanosecs", K_U32, nanosecs, HAS(bc_time_offset_t, has_nanosecs)),
};
TYPE(time_offset_type, bc_time_offset_t, 0, time_offset_fields, NULL);

static const struct spec_json_field time_offsets_fields[] = {
    FLD(bc_linux_t, "monotonic", K_OBJ, time_monotonic, .sub = &time_offset_type),
    FLD(bc_linux_t, "boottime", K_OBJ, time_boottime, .sub = &time_offset_type),
};
FLAT_TYPE(time_offsets_type, time_offsets_fields);

static const struct spec_json_field device_fields[] = {
    FLD(bc_device_t, "type", K_CHAR, type, .flags = F_REQ, .set = &device_set),
    FLD(bc_device_t, "path", K_STR, path, .flags = F_REQ | F_ABS),
    FLD(bc_device_t, "major", K_I64, major, .flags = F_ALWAYS),
    FLD(bc_device_t, "minor", K_I64, minor, .flags = F_ALWAYS),
    FLD(bc_device_t, "fileMode", K_U32, file_mode, HAS(bc_device_t, has_file_mode)),
    FLD(bc_device_t, "uid", K_U32, uid, HAS(bc_device_t, has_uid)),
    FLD(bc_device_t, "gid", K_U32, gid, HAS(bc_device_t, has_gid)),
};
TYPE(device_type, bc_device_t, 0, device_fields, device_validate);

static const struct spec_json_field net_device_fields[] = {
    FLD(bc_net_device_t, "name", K_STR, name),
};
TYPE(net_device_type, bc_net_device_t, offsetof(bc_net_device_t, host_name), net_device_fields,
     NULL);

/* ---- linux.resources */

static const struct spec_json_field devcg_fields[] = {
    FLD(bc_device_cgroup_t, "allow", K_BOOL, allow, .flags = F_REQ),
    FLD(bc_device_cgroup_t, "type", K_CHAR, type, .set = &devcg_set),
    FLD(bc_device_cgroup_t, "major", K_I64, major, HAS(bc_device_cgroup_t, has_major)),
    FLD(bc_device_cgroup_t, "minor", K_I64, minor, HAS(bc_device_cgroup_t, has_minor)),
    FLD(bc_device_cgroup_t, "access", K_STR, access, .check = check_access),
};
TYPE(devcg_type, bc_device_cgroup_t, 0, devcg_fields, NULL);

static const struct spec_json_field memory_fields[] = {
    FLD(bc_memory_t, "limit", K_I64, limit, HAS(bc_memory_t, has_limit)),
    FLD(bc_memory_t, "reservation", K_I64, reservation, HAS(bc_memory_t, has_reservation)),
    FLD(bc_memory_t, "swap", K_I64, swap, HAS(bc_memory_t, has_swap)),
    FLD(bc_memory_t, "kernel", K_I64, kernel, HAS(bc_memory_t, has_kernel)),
    FLD(bc_memory_t, "kernelTCP", K_I64, kernel_tcp, HAS(bc_memory_t, has_kernel_tcp)),
    FLD(bc_memory_t, "swappiness", K_U64, swappiness, HAS(bc_memory_t, has_swappiness)),
    FLD(bc_memory_t, "disableOOMKiller", K_BOOL, disable_oom_killer,
	HAS(bc_memory_t, has_disable_oom_killer)),
    FLD(bc_memory_t, "useHierarchy", K_BOOL, use_hierarchy, HAS(bc_memory_t, has_use_hierarchy)),
    FLD(bc_memory_t, "checkBeforeUpdate", K_BOOL, check_before_update,
	HAS(bc_memory_t, has_check_before_update)),
};
TYPE(memory_type, bc_memory_t, 0, memory_fields, NULL);

static const struct spec_json_field cpu_fields[] = {
    FLD(bc_cpu_t, "shares", K_U64, shares, HAS(bc_cpu_t, has_shares)),
    FLD(bc_cpu_t, "quota", K_I64, quota, HAS(bc_cpu_t, has_quota)),
    FLD(bc_cpu_t, "burst", K_U64, burst, HAS(bc_cpu_t, has_burst)),
    FLD(bc_cpu_t, "period", K_U64, period, HAS(bc_cpu_t, has_period)),
    FLD(bc_cpu_t, "realtimeRuntime", K_I64, realtime_runtime, HAS(bc_cpu_t, has_realtime_runtime)),
    FLD(bc_cpu_t, "realtimePeriod", K_U64, realtime_period, HAS(bc_cpu_t, has_realtime_period)),
    FLD(bc_cpu_t, "cpus", K_STR, cpus),
    FLD(bc_cpu_t, "mems", K_STR, mems),
    FLD(bc_cpu_t, "idle", K_I64, idle, HAS(bc_cpu_t, has_idle)),
};
TYPE(cpu_type, bc_cpu_t, 0, cpu_fields, NULL);

static const struct spec_json_field weight_device_fields[] = {
    FLD(bc_weight_device_t, "major", K_I64, major, .flags = F_REQ),
    FLD(bc_weight_device_t, "minor", K_I64, minor, .flags = F_REQ),
    FLD(bc_weight_device_t, "weight", K_U16, weight, HAS(bc_weight_device_t, has_weight)),
    FLD(bc_weight_device_t, "leafWeight", K_U16, leaf_weight,
	HAS(bc_weight_device_t, has_leaf_weight)),
};
TYPE(weight_device_type, bc_weight_device_t, 0, weight_device_fields, weight_device_validate);

static const struct spec_json_field throttle_fields[] = {
    FLD(bc_throttle_device_t, "major", K_I64, major, .flags = F_REQ),
    FLD(bc_throttle_device_t, "minor", K_I64, minor, .flags = F_REQ),
    FLD(bc_throttle_device_t, "rate", K_U64, rate, .flags = F_REQ),
};
TYPE(throttle_type, bc_throttle_device_t, 0, throttle_fields, NULL);

#define THROTTLE_FLD(key_, member)                                                                 \
	FLD(bc_block_io_t, key_, K_ARR, member, CNT(bc_block_io_t, n_##member),                    \
	    .sub = &throttle_type)
static const struct spec_json_field block_io_fields[] = {
    FLD(bc_block_io_t, "weight", K_U16, weight, HAS(bc_block_io_t, has_weight)),
    FLD(bc_block_io_t, "leafWeight", K_U16, leaf_weight, HAS(bc_block_io_t, has_leaf_weight)),
    FLD(bc_block_io_t, "weightDevice", K_ARR, weight_device, CNT(bc_block_io_t, n_weight_device),
	.sub = &weight_device_type),
    THROTTLE_FLD("throttleReadBpsDevice", throttle_read_bps),
    THROTTLE_FLD("throttleWriteBpsDevice", throttle_write_bps),
    THROTTLE_FLD("throttleReadIOPSDevice", throttle_read_iops),
    THROTTLE_FLD("throttleWriteIOPSDevice", throttle_write_iops),
};
TYPE(block_io_type, bc_block_io_t, 0, block_io_fields, NULL);

static const struct spec_json_field hugepage_fields[] = {
    FLD(bc_hugepage_limit_t, "pageSize", K_STR, page_size, .flags = F_REQ,
	.check = check_page_size),
    FLD(bc_hugepage_limit_t, "limit", K_U64, limit, .flags = F_REQ),
};
TYPE(hugepage_type, bc_hugepage_limit_t, 0, hugepage_fields, NULL);

static const struct spec_json_field net_priority_fields[] = {
    FLD(bc_net_priority_t, "name", K_STR, name, .flags = F_REQ),
    FLD(bc_net_priority_t, "priority", K_U32, priority, .flags = F_REQ),
};
TYPE(net_priority_type, bc_net_priority_t, 0, net_priority_fields, NULL);

static const struct spec_json_field network_fields[] = {
    FLD(bc_resources_t, "classID", K_U32, net_class_id, HAS(bc_resources_t, has_net_class_id)),
    FLD(bc_resources_t, "priorities", K_ARR, net_priorities, CNT(bc_resources_t, n_net_priorities),
	.sub = &net_priority_type),
};
FLAT_TYPE(network_type, network_fields);

static const struct spec_json_field pids_fields[] = {
    FLD(bc_resources_t, "limit", K_I64, pids_limit, HAS(bc_resources_t, has_pids_limit)),
};
FLAT_TYPE(pids_type, pids_fields);

static const struct spec_json_field rdma_fields[] = {
    FLD(bc_rdma_limit_t, "hcaHandles", K_U32, hca_handles, HAS(bc_rdma_limit_t, has_hca_handles)),
    FLD(bc_rdma_limit_t, "hcaObjects", K_U32, hca_objects, HAS(bc_rdma_limit_t, has_hca_objects)),
};
TYPE(rdma_type, bc_rdma_limit_t, offsetof(bc_rdma_limit_t, device), rdma_fields, rdma_validate);

static const struct spec_json_field resources_fields[] = {
    FLD(bc_resources_t, "devices", K_ARR, devices, CNT(bc_resources_t, n_devices),
	.sub = &devcg_type),
    FLD(bc_resources_t, "memory", K_PTR, memory, .sub = &memory_type),
    FLD(bc_resources_t, "cpu", K_PTR, cpu, .sub = &cpu_type),
    FLD(bc_resources_t, "blockIO", K_PTR, block_io, .sub = &block_io_type),
    FLD(bc_resources_t, "hugepageLimits", K_ARR, hugepage_limits,
	CNT(bc_resources_t, n_hugepage_limits), .sub = &hugepage_type),
    FLAT("network", network_type),
    FLAT("pids", pids_type),
    FLD(bc_resources_t, "rdma", K_MAP, rdma, CNT(bc_resources_t, n_rdma), .sub = &rdma_type),
    FLD(bc_resources_t, "unified", K_KV, unified, CNT(bc_resources_t, n_unified)),
};
TYPE(resources_type, bc_resources_t, 0, resources_fields, resources_validate);

/* ---- linux: security */

static const struct spec_json_field seccomp_arg_fields[] = {
    FLD(bc_seccomp_arg_t, "index", K_U32, index, .flags = F_REQ),
    FLD(bc_seccomp_arg_t, "value", K_U64, value, .flags = F_REQ),
    FLD(bc_seccomp_arg_t, "valueTwo", K_U64, value_two),
    FLD(bc_seccomp_arg_t, "op", K_STR, op, .flags = F_REQ, .set = &op_set),
};
TYPE(seccomp_arg_type, bc_seccomp_arg_t, 0, seccomp_arg_fields, NULL);

static const struct spec_json_field syscall_fields[] = {
    FLD(bc_seccomp_syscall_t, "names", K_STRV, names, .flags = F_REQ),
    FLD(bc_seccomp_syscall_t, "action", K_STR, action, .flags = F_REQ, .set = &action_set),
    FLD(bc_seccomp_syscall_t, "errnoRet", K_U32, errno_ret,
	HAS(bc_seccomp_syscall_t, has_errno_ret)),
    FLD(bc_seccomp_syscall_t, "args", K_ARR, args, CNT(bc_seccomp_syscall_t, n_args),
	.sub = &seccomp_arg_type),
};
TYPE(syscall_type, bc_seccomp_syscall_t, 0, syscall_fields, syscall_validate);

static const struct spec_json_field seccomp_fields[] = {
    FLD(bc_seccomp_t, "defaultAction", K_STR, default_action, .flags = F_REQ, .set = &action_set),
    FLD(bc_seccomp_t, "defaultErrnoRet", K_U32, default_errno_ret,
	HAS(bc_seccomp_t, has_default_errno_ret)),
    FLD(bc_seccomp_t, "architectures", K_STRV, architectures, .set = &arch_set),
    FLD(bc_seccomp_t, "flags", K_STRV, flags, .set = &seccomp_flag_set),
    FLD(bc_seccomp_t, "listenerPath", K_STR, listener_path),
    FLD(bc_seccomp_t, "listenerMetadata", K_STR, listener_metadata),
    FLD(bc_seccomp_t, "syscalls", K_ARR, syscalls, CNT(bc_seccomp_t, n_syscalls),
	.sub = &syscall_type),
};
TYPE(seccomp_type, bc_seccomp_t, 0, seccomp_fields, seccomp_validate);

static const struct spec_json_field personality_fields[] = {
    FLD(bc_personality_t, "domain", K_STR, domain, .flags = F_REQ, .set = &domain_set),
    FLD(bc_personality_t, "flags", K_STRV, flags),
};
TYPE(personality_type, bc_personality_t, 0, personality_fields, NULL);

static const struct spec_json_field intel_rdt_fields[] = {
    FLD(bc_intel_rdt_t, "closID", K_STR, clos_id),
    FLD(bc_intel_rdt_t, "l3CacheSchema", K_STR, l3_cache_schema),
    FLD(bc_intel_rdt_t, "memBwSchema", K_STR, mem_bw_schema, .check = check_mem_bw),
    FLD(bc_intel_rdt_t, "schemata", K_STRV, schemata),
    FLD(bc_intel_rdt_t, "enableMonitoring", K_BOOL, enable_monitoring),
};
TYPE(intel_rdt_type, bc_intel_rdt_t, 0, intel_rdt_fields, NULL);

static const struct spec_json_field memory_policy_fields[] = {
    FLD(bc_memory_policy_t, "mode", K_STR, mode, .flags = F_REQ, .set = &mpol_mode_set),
    FLD(bc_memory_policy_t, "nodes", K_STR, nodes),
    FLD(bc_memory_policy_t, "flags", K_STRV, flags, .set = &mpol_flag_set),
};
TYPE(memory_policy_type, bc_memory_policy_t, 0, memory_policy_fields, NULL);

static const struct spec_json_field linux_fields[] = {
    FLD(bc_linux_t, "uidMappings", K_ARR, uid_mappings, CNT(bc_linux_t, n_uid_mappings),
	.sub = &idmap_type),
    FLD(bc_linux_t, "gidMappings", K_ARR, gid_mappings, CNT(bc_linux_t, n_gid_mappings),
	.sub = &idmap_type),
    FLAT("timeOffsets", time_offsets_type, HAS(bc_linux_t, has_time_offsets)),
    FLD(bc_linux_t, "sysctl", K_KV, sysctl, CNT(bc_linux_t, n_sysctl)),
    FLD(bc_linux_t, "resources", K_PTR, resources, .sub = &resources_type),
    FLD(bc_linux_t, "cgroupsPath", K_STR, cgroups_path, .check = check_cgroups_path),
    FLD(bc_linux_t, "namespaces", K_ARR, namespaces, CNT(bc_linux_t, n_namespaces),
	.sub = &ns_type),
    FLD(bc_linux_t, "devices", K_ARR, devices, CNT(bc_linux_t, n_devices), .sub = &device_type),
    FLD(bc_linux_t, "netDevices", K_MAP, net_devices, CNT(bc_linux_t, n_net_devices),
	.sub = &net_device_type),
    FLD(bc_linux_t, "rootfsPropagation", K_STR, rootfs_propagation, .set = &propagation_set),
    FLD(bc_linux_t, "seccomp", K_PTR, seccomp, .sub = &seccomp_type),
    FLD(bc_linux_t, "maskedPaths", K_STRV, masked_paths),
    FLD(bc_linux_t, "readonlyPaths", K_STRV, readonly_paths),
    FLD(bc_linux_t, "mountLabel", K_STR, mount_label),
    FLD(bc_linux_t, "personality", K_PTR, personality, .sub = &personality_type),
    FLD(bc_linux_t, "intelRdt", K_PTR, intel_rdt, .sub = &intel_rdt_type),
    FLD(bc_linux_t, "memoryPolicy", K_PTR, memory_policy, .sub = &memory_policy_type),
};
TYPE(linux_type, bc_linux_t, 0, linux_fields, linux_validate);

/* Member order is the order `barco spec` writes, which follows `runc spec`. */
static const struct spec_json_field spec_fields[] = {
    FLD(bc_spec_t, "ociVersion", K_STR, oci_version, .flags = F_REQ, .check = check_version),
    FLD(bc_spec_t, "process", K_PTR, process, .sub = &process_type),
    FLAT("root", root_type, .flags = F_REQ),
    FLD(bc_spec_t, "hostname", K_STR, hostname),
    FLD(bc_spec_t, "domainname", K_STR, domainname),
    FLD(bc_spec_t, "mounts", K_ARR, mounts, CNT(bc_spec_t, n_mounts), .sub = &mount_type),
    FLD(bc_spec_t, "hooks", K_OBJ, hooks, .sub = &hooks_type),
    FLD(bc_spec_t, "annotations", K_KV, annotations, CNT(bc_spec_t, n_annotations)),
    FLD(bc_spec_t, "linux", K_PTR, linux_, .sub = &linux_type),
};
TYPE(spec_type, bc_spec_t, 0, spec_fields, spec_validate);

/* ---------------------------------------------------------------- public API */

const bc_namespace_t *bc_spec_namespace(const bc_spec_t *spec, enum bc_ns_type t)
{
	if (spec == NULL || spec->linux_ == NULL)
		return NULL;
	for (size_t i = 0; i < spec->linux_->n_namespaces; i++)
		if (spec->linux_->namespaces[i].type == t)
			return &spec->linux_->namespaces[i];
	return NULL;
}

/* Whether path names the namespace this process is in (the one behind /proc/self/ns/NAME). */
static int same_namespace(const char *path, enum bc_ns_type t, bool *same, bc_error_t **err)
{
	cleanup_free char *own = bc_xasprintf("/proc/self/ns/%s", bc_ns_proc_name(t));
	struct stat a, b;

	if (stat(own, &a) < 0)
		return bc_error_errno(err, "stat %s", own);
	if (stat(path, &b) < 0)
		return bc_error_errno(err, "config.json: linux.namespaces: stat %s namespace %s",
				      bc_ns_type_name(t), path);
	*same = a.st_dev == b.st_dev && a.st_ino == b.st_ino;
	return 0;
}

int bc_spec_check_sysctl_ns(const bc_spec_t *spec, bc_error_t **err)
{
	bool done[BC_NS_TYPE_COUNT] = {false};

	for (size_t i = 0; spec->linux_ && i < spec->linux_->n_sysctl; i++) {
		const char *key = spec->linux_->sysctl[i].key;
		int t = sysctl_namespace(key);
		const bc_namespace_t *ns;
		bool same = false;

		ns = t < 0 ? NULL : bc_spec_namespace(spec, (enum bc_ns_type)t);

		if (ns == NULL || ns->path == NULL || done[t])
			continue;
		done[t] = true;
		if (same_namespace(ns->path, ns->type, &same, err) < 0)
			return -1;
		if (same)
			return bc_error_set(
			    err, 0,
			    "config.json: linux.sysctl: \"%s\" needs a %s namespace "
			    "other than the host's, and %s is the runtime's own: refused",
			    key, bc_ns_type_name(ns->type), ns->path);
	}
	return 0;
}

bc_spec_t *bc_spec_parse(const char *name, const char *data, size_t len, bc_error_t **err)
{
	bc_spec_t *spec = bc_xcalloc(1, sizeof(*spec));
	int r;

	r = spec_json_parse(name ? name : "config.json", &spec_type, data ? data : "",
			    data ? len : 0, spec, err);
	if (r < 0) {
		bc_spec_free(spec);
		return NULL;
	}
	return spec;
}

bc_spec_t *bc_spec_load(const char *path, bc_error_t **err)
{
	cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	cleanup_free char *data = NULL;
	size_t len = 0;

	if (fd < 0) {
		bc_error_errno(err, "open config.json at %s", path);
		return NULL;
	}
	/* Read at most the limit: a bigger file fails here, before it is all in memory. */
	if (bc_read_all(fd, BC_SPEC_MAX_SIZE, &data, &len) < 0) {
		if (errno == EFBIG)
			bc_error_set(err, 0, "config.json: document larger than %d MiB",
				     BC_SPEC_MAX_SIZE / (1024 * 1024));
		else
			bc_error_errno(err, "read config.json at %s", path);
		return NULL;
	}
	return bc_spec_parse("config.json", data, len, err);
}

void bc_spec_free(bc_spec_t *spec)
{
	if (spec == NULL)
		return;
	spec_json_free(&spec_type, spec);
	free(spec);
}

void bc_spec_freep(bc_spec_t **spec)
{
	bc_spec_free(*spec);
	*spec = NULL;
}

bc_resources_t *bc_resources_parse(const char *name, const char *data, size_t len, bc_error_t **err)
{
	bc_resources_t *r = bc_xcalloc(1, sizeof(*r));

	if (spec_json_parse(name ? name : "resources", &resources_type, data ? data : "",
			    data ? len : 0, r, err) < 0) {
		bc_resources_free(r);
		return NULL;
	}
	return r;
}

int bc_process_parse(const char *json, size_t len, bc_process_t **out, bc_error_t **err)
{
	bc_process_t *p = bc_xcalloc(1, sizeof(*p));

	*out = NULL;
	if (spec_json_parse("process.json", &process_type, json ? json : "", json ? len : 0, p,
			    err) < 0) {
		bc_process_free(p);
		return -1;
	}
	*out = p;
	return 0;
}

void bc_process_free(bc_process_t *p)
{
	if (p == NULL)
		return;
	spec_json_free(&process_type, p);
	free(p);
}

bc_resources_t *bc_resources_dup(const bc_resources_t *r, bc_error_t **err)
{
	cleanup_free char *json = NULL;

	if (r == NULL)
		return bc_xcalloc(1, sizeof(*r));
	/* Through the tables: every member, owned strings and arrays included. */
	json = spec_json_generate("linux.resources", &resources_type, r, err);
	return json ? bc_resources_parse("linux.resources", json, strlen(json), err) : NULL;
}

void bc_resources_free(bc_resources_t *r)
{
	if (r == NULL)
		return;
	spec_json_free(&resources_type, r);
	free(r);
}

char *bc_spec_to_json(const bc_spec_t *spec, bc_error_t **err)
{
	return spec_json_generate("config.json", &spec_type, spec, err);
}

bool bc_spec_equal(const bc_spec_t *a, const bc_spec_t *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return spec_json_equal(&spec_type, a, b);
}
