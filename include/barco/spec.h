/* SPDX-License-Identifier: MIT */
#ifndef BARCO_SPEC_H
#define BARCO_SPEC_H

/*
 * The runtime-spec 1.3 config.json model for Linux.  Every field of config.md and
 * config-linux.md has a typed member here, even those applied by later work.
 * Conventions: strings are malloc'd, NULL when absent; string arrays are NULL-terminated
 * (NULL when absent); optional scalars carry a has_ flag; arrays of structs carry a count.
 * Maps (annotations, sysctl, unified, netDevices, rdma) are arrays of key/value pairs in
 * document order.  Only oci/ includes yajl.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "barco/error.h"

/* Hard limits that keep a hostile document from exhausting memory or stack. */
#define BC_SPEC_MAX_SIZE  (16 * 1024 * 1024) /* bytes of config.json */
#define BC_SPEC_MAX_DEPTH 64		     /* nesting of objects/arrays */
/* JSON values (containers + elements); bounds the parse tree, ~100 bytes a value. */
#define BC_SPEC_MAX_VALUES (256 * 1024)

typedef struct bc_kv {
	char *key;
	char *value;
} bc_kv_t;

typedef struct bc_id_mapping {
	uint32_t container_id, host_id, size;
} bc_id_mapping_t;

typedef struct bc_rlimit {
	char *type;    /* "RLIMIT_NOFILE" as written */
	int resource;  /* resolved RLIMIT_* constant */
	uint64_t soft; /* RLIM_INFINITY written as 2^64-1 */
	uint64_t hard;
} bc_rlimit_t;

typedef struct bc_capabilities {
	/* Each set NULL when absent (distinct from present and empty: a non-NULL empty list). */
	char **bounding, **effective, **inheritable, **permitted, **ambient;
} bc_capabilities_t;

typedef struct bc_user {
	uint32_t uid, gid;
	bool has_umask;
	uint32_t umask;
	uint32_t *additional_gids;
	size_t n_additional_gids;
	char *username; /* Windows only; kept for completeness */
} bc_user_t;

typedef struct bc_scheduler {
	char *policy; /* SCHED_OTHER, SCHED_FIFO, SCHED_RR, SCHED_BATCH, SCHED_ISO, SCHED_IDLE,
			 SCHED_DEADLINE */
	int32_t nice, priority;
	char **flags; /* SCHED_FLAG_* */
	uint64_t runtime, deadline, period;
} bc_scheduler_t;

typedef struct bc_io_priority {
	char *class_; /* IOPRIO_CLASS_RT|BE|IDLE */
	int priority; /* 0..7 */
} bc_io_priority_t;

typedef struct bc_process {
	bool terminal;
	bool has_console_size;
	uint32_t console_height, console_width;
	bc_user_t user;
	char **args; /* NULL-terminated; at least one element required on Linux for start */
	char *command_line;
	char **env;
	char *cwd;
	bc_capabilities_t *capabilities; /* NULL when absent */
	bc_rlimit_t *rlimits;
	size_t n_rlimits;
	bool no_new_privileges;
	char *apparmor_profile;
	bool has_oom_score_adj;
	int oom_score_adj;
	bc_scheduler_t *scheduler; /* NULL when absent */
	char *selinux_label;
	bc_io_priority_t *io_priority; /* NULL when absent */
	char *exec_cpu_affinity_initial;
	char *exec_cpu_affinity_final;
} bc_process_t;

typedef struct bc_mount {
	char *destination; /* required */
	char *source;
	char *type;
	char **options;
	bc_id_mapping_t *uid_mappings, *gid_mappings;
	size_t n_uid_mappings, n_gid_mappings;
} bc_mount_t;

typedef struct bc_hook {
	char *path; /* required, absolute */
	char **args;
	char **env;
	bool has_timeout;
	int timeout; /* seconds, > 0 */
} bc_hook_t;

enum bc_hook_kind {
	BC_HOOK_PRESTART,
	BC_HOOK_CREATE_RUNTIME,
	BC_HOOK_CREATE_CONTAINER,
	BC_HOOK_START_CONTAINER,
	BC_HOOK_POSTSTART,
	BC_HOOK_POSTSTOP,
	BC_HOOK_KIND_COUNT
};

typedef struct bc_hooks {
	bc_hook_t *list[BC_HOOK_KIND_COUNT];
	size_t count[BC_HOOK_KIND_COUNT];
} bc_hooks_t;

enum bc_ns_type {
	BC_NS_PID,
	BC_NS_NETWORK,
	BC_NS_MOUNT,
	BC_NS_IPC,
	BC_NS_UTS,
	BC_NS_USER,
	BC_NS_CGROUP,
	BC_NS_TIME,
	BC_NS_TYPE_COUNT
};

typedef struct bc_namespace {
	enum bc_ns_type type;
	char *path; /* NULL: create a new one */
} bc_namespace_t;

typedef struct bc_time_offset {
	bool has_secs, has_nanosecs;
	int64_t secs;
	uint32_t nanosecs;
} bc_time_offset_t;

typedef struct bc_device {
	char type; /* 'c', 'b', 'u', 'p' */
	char *path;
	int64_t major, minor;
	bool has_file_mode, has_uid, has_gid;
	uint32_t file_mode, uid, gid;
} bc_device_t;

typedef struct bc_net_device {
	char *host_name; /* the map key */
	char *name;	 /* name inside the container; NULL: keep host_name */
} bc_net_device_t;

typedef struct bc_device_cgroup {
	bool allow;
	char type; /* 'a', 'c', 'b'; 'a' when absent */
	bool has_major, has_minor;
	int64_t major, minor; /* absent = wildcard */
	char *access;	      /* "rwm" subset; NULL when absent */
} bc_device_cgroup_t;

typedef struct bc_memory {
	bool has_limit, has_reservation, has_swap, has_kernel, has_kernel_tcp, has_swappiness;
	int64_t limit, reservation, swap, kernel, kernel_tcp;
	uint64_t swappiness;
	bool has_disable_oom_killer, disable_oom_killer;
	bool has_use_hierarchy, use_hierarchy;
	bool has_check_before_update, check_before_update;
} bc_memory_t;

typedef struct bc_cpu {
	bool has_shares, has_quota, has_burst, has_period, has_realtime_runtime,
	    has_realtime_period, has_idle;
	uint64_t shares, burst, period, realtime_period;
	int64_t quota, realtime_runtime, idle;
	char *cpus, *mems;
} bc_cpu_t;

typedef struct bc_weight_device {
	int64_t major, minor;
	bool has_weight, has_leaf_weight;
	uint16_t weight, leaf_weight;
} bc_weight_device_t;

typedef struct bc_throttle_device {
	int64_t major, minor;
	uint64_t rate;
} bc_throttle_device_t;

typedef struct bc_block_io {
	bool has_weight, has_leaf_weight;
	uint16_t weight, leaf_weight;
	bc_weight_device_t *weight_device;
	size_t n_weight_device;
	bc_throttle_device_t *throttle_read_bps, *throttle_write_bps, *throttle_read_iops,
	    *throttle_write_iops;
	size_t n_throttle_read_bps, n_throttle_write_bps, n_throttle_read_iops,
	    n_throttle_write_iops;
} bc_block_io_t;

typedef struct bc_hugepage_limit {
	char *page_size;
	uint64_t limit;
} bc_hugepage_limit_t;

typedef struct bc_net_priority {
	char *name;
	uint32_t priority;
} bc_net_priority_t;

typedef struct bc_rdma_limit {
	char *device; /* map key */
	bool has_hca_handles, has_hca_objects;
	uint32_t hca_handles, hca_objects;
} bc_rdma_limit_t;

typedef struct bc_resources {
	bc_device_cgroup_t *devices;
	size_t n_devices;
	bc_memory_t *memory;	 /* NULL when absent */
	bc_cpu_t *cpu;		 /* NULL when absent */
	bc_block_io_t *block_io; /* NULL when absent */
	bc_hugepage_limit_t *hugepage_limits;
	size_t n_hugepage_limits;
	bool has_net_class_id;
	uint32_t net_class_id;
	bc_net_priority_t *net_priorities;
	size_t n_net_priorities;
	bool has_pids_limit;
	int64_t pids_limit;
	bc_rdma_limit_t *rdma;
	size_t n_rdma;
	bc_kv_t *unified;
	size_t n_unified;
} bc_resources_t;

typedef struct bc_intel_rdt {
	char *clos_id, *l3_cache_schema, *mem_bw_schema;
	char **schemata;
	bool enable_monitoring;
} bc_intel_rdt_t;

typedef struct bc_seccomp_arg {
	unsigned int index;
	uint64_t value, value_two;
	char *op; /* SCMP_CMP_NE, SCMP_CMP_LT, ... as written; validated */
} bc_seccomp_arg_t;

typedef struct bc_seccomp_syscall {
	char **names;
	char *action; /* SCMP_ACT_* as written; validated */
	bool has_errno_ret;
	uint32_t errno_ret;
	bc_seccomp_arg_t *args;
	size_t n_args;
} bc_seccomp_syscall_t;

typedef struct bc_seccomp {
	char *default_action;
	bool has_default_errno_ret;
	uint32_t default_errno_ret;
	char **architectures; /* SCMP_ARCH_* */
	char **flags;	      /* SECCOMP_FILTER_FLAG_* */
	char *listener_path;
	char *listener_metadata;
	bc_seccomp_syscall_t *syscalls;
	size_t n_syscalls;
} bc_seccomp_t;

typedef struct bc_personality {
	char *domain; /* LINUX or LINUX32 */
	char **flags;
} bc_personality_t;

typedef struct bc_memory_policy {
	char *mode; /* MPOL_* */
	char *nodes;
	char **flags;
} bc_memory_policy_t;

typedef struct bc_linux {
	bc_namespace_t *namespaces;
	size_t n_namespaces;
	bc_id_mapping_t *uid_mappings, *gid_mappings;
	size_t n_uid_mappings, n_gid_mappings;
	bool has_time_offsets;
	bc_time_offset_t time_monotonic, time_boottime;
	bc_device_t *devices;
	size_t n_devices;
	bc_net_device_t *net_devices;
	size_t n_net_devices;
	char *cgroups_path;
	bc_resources_t *resources; /* NULL when absent */
	char *rootfs_propagation; /* NULL, or one of shared/slave/private/unbindable and r* forms */
	bc_seccomp_t *seccomp;	  /* NULL when absent */
	bc_kv_t *sysctl;
	size_t n_sysctl;
	char **masked_paths;
	char **readonly_paths;
	char *mount_label;
	bc_personality_t *personality;	   /* NULL when absent */
	bc_intel_rdt_t *intel_rdt;	   /* NULL when absent */
	bc_memory_policy_t *memory_policy; /* NULL when absent */
} bc_linux_t;

typedef struct bc_spec {
	char *oci_version;
	char *root_path; /* as written; may be relative to the bundle */
	bool root_readonly;
	bc_mount_t *mounts;
	size_t n_mounts;
	bc_process_t *process; /* NULL when absent (allowed for create, not for start) */
	char *hostname;
	char *domainname;
	bc_hooks_t hooks;
	bc_kv_t *annotations;
	size_t n_annotations;
	bc_linux_t *linux_; /* NULL when absent */
} bc_spec_t;

/*
 * Parse a config.json document.  `name` prefixes every message ("config.json").
 * Errors name the JSON path and the problem:
 *   config.json: linux.namespaces[2].type: unknown namespace type "foo"
 *   config.json: syntax error at line 3, column 7: ...
 * Unknown properties are ignored.  Returns NULL on error.
 */
bc_spec_t *bc_spec_parse(const char *name, const char *data, size_t len, bc_error_t **err);
/* Read and parse BUNDLE/config.json (message prefix "config.json"). */
bc_spec_t *bc_spec_load(const char *path, bc_error_t **err);
void bc_spec_free(bc_spec_t *spec);
void bc_spec_freep(bc_spec_t **spec);
#define cleanup_spec __attribute__((cleanup(bc_spec_freep)))

/* A LinuxResources document alone (`barco update -r`), checked as linux.resources is;
 * messages start with `name` and the path below the document ("memory.limit: ..."). */
bc_resources_t *bc_resources_parse(const char *name, const char *data, size_t len,
				   bc_error_t **err);
/* A runtime-spec `process` object alone (`barco exec --process FILE`), checked as the
 * config's process is (args and cwd required, cwd absolute, names and ranges); messages
 * start with "process.json" and the path below the object ("process.json: cwd: ...").
 * Returns 0 with *out (free with bc_process_free), or -1 with *out NULL. */
int bc_process_parse(const char *json, size_t len, bc_process_t **out, bc_error_t **err);
void bc_process_free(bc_process_t *p);

/* A deep copy through the same checks (r NULL: an empty one; NULL with *err when a value
 * would not parse). */
bc_resources_t *bc_resources_dup(const bc_resources_t *r, bc_error_t **err);
void bc_resources_free(bc_resources_t *r);

/* Serialize a spec back to JSON (used by `barco spec` and the in-memory default). */
char *bc_spec_to_json(const bc_spec_t *spec, bc_error_t **err);

/* Deep comparison of two models (what a parse -> to_json -> parse round trip preserves). */
bool bc_spec_equal(const bc_spec_t *a, const bc_spec_t *b);

/* The config.json `barco spec` writes (oci/spec_default.c), pretty-printed, shaped like
 * `runc spec`; rootless: user namespace mapping the caller's uid/gid to 0, no network
 * namespace, /sys bind-mounted, no cgroup mount and no resources. */
char *bc_spec_default_json(bool rootless);

/* Name tables shared with the mechanisms. */
const char *bc_ns_type_name(enum bc_ns_type t);	    /* "pid", "network", ... */
int bc_ns_type_from_name(const char *name);	    /* -1 if unknown */
int bc_ns_clone_flag(enum bc_ns_type t);	    /* CLONE_NEWPID, ... */
const char *bc_ns_proc_name(enum bc_ns_type t);	    /* "pid", "net", "mnt", ... (/proc/PID/ns) */
const char *bc_hook_kind_name(enum bc_hook_kind k); /* "prestart", "createRuntime", ... */
int bc_rlimit_from_name(const char *name);	    /* RLIMIT_* or -1 */

/* Find a namespace entry of type t, or NULL. */
const bc_namespace_t *bc_spec_namespace(const bc_spec_t *spec, enum bc_ns_type t);

/* At create: a sysctl whose namespace is joined by path must not land in the runtime's own
 * namespace of that type (runc compares the path with /proc/self/ns/net).  The parse already
 * refused every key outside the allow-list; this is the part that looks at the filesystem. */
int bc_spec_check_sysctl_ns(const bc_spec_t *spec, bc_error_t **err);

#endif
