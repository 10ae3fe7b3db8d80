/* SPDX-License-Identifier: MIT */
#ifndef BARCO_PROCATTR_H
#define BARCO_PROCATTR_H

/*
 * The process attributes the kernel keeps across execve: linux.personality,
 * process.scheduler, process.ioPriority, linux.memoryPolicy, and process.execCPUAffinity
 * (for `barco exec` only: the spec says it does not apply to the container's init).
 *
 * Two steps so that every mistake in the config is found before anything is changed:
 * procattr_prepare turns the config into syscall arguments (pure: names, ranges, node and CPU
 * lists, combinations the kernel would refuse), procattr_apply_plan makes the syscalls.
 */

#include <sched.h>
#include <stdbool.h>
#include <stdint.h>

#include "barco/error.h"
#include "barco/spec.h"

/* Nodes a nodemask can name: the kernel's upper bound on x86-64 (CONFIG_NODES_SHIFT 10). */
#define PROCATTR_MAX_NODES  1024
#define PROCATTR_NODE_LONGS (PROCATTR_MAX_NODES / (8 * sizeof(unsigned long)))

/* Kernel ABI values that older headers may lack. */
#define PROCATTR_SCHED_ISO	       4
#define PROCATTR_SCHED_DEADLINE	       6
#define PROCATTR_MPOL_F_NUMA_BALANCING (1U << 13)
#define PROCATTR_MPOL_F_RELATIVE_NODES (1U << 14)
#define PROCATTR_MPOL_F_STATIC_NODES   (1U << 15)

/* struct sched_attr as sched_setattr(2) takes it (SCHED_ATTR_SIZE_VER1, with the uclamp
 * fields, which the spec gives no value: 0, as runc passes them). */
typedef struct procattr_sched_attr {
	uint32_t size;
	uint32_t sched_policy;
	uint64_t sched_flags;
	int32_t sched_nice;
	uint32_t sched_priority;
	uint64_t sched_runtime;
	uint64_t sched_deadline;
	uint64_t sched_period;
	uint32_t sched_util_min;
	uint32_t sched_util_max;
} procattr_sched_attr_t;

typedef struct procattr_plan {
	bool has_personality;
	unsigned long personality; /* PER_LINUX or PER_LINUX32 */

	bool has_sched;
	procattr_sched_attr_t sched;
	const char *sched_policy; /* the policy's name, for messages (static) */

	bool has_ioprio;
	int ioprio;		  /* IOPRIO_PRIO_VALUE(class, level) */
	const char *ioprio_class; /* static */

	bool has_mempolicy;
	int mpol_mode;		    /* MPOL_* */
	unsigned int mpol_flags;    /* MPOL_F_* */
	const char *mpol_mode_name; /* static */
	size_t mpol_n_nodes;
	unsigned long mpol_mask[PROCATTR_NODE_LONGS];
} procattr_plan_t;

/* ---- name tables (-1 for an unknown name) ---- */
int procattr_sched_policy(const char *name);   /* "SCHED_BATCH" -> 3 */
int64_t procattr_sched_flag(const char *name); /* "SCHED_FLAG_RESET_ON_FORK" -> 0x01 */
int procattr_ioprio_class(const char *name);   /* "IOPRIO_CLASS_IDLE" -> 3 */
int procattr_mpol_mode(const char *name);      /* "MPOL_BIND" -> 2 */
int procattr_mpol_flag(const char *name);      /* "MPOL_F_STATIC_NODES" -> 1 << 15 */

/*
 * Parse a list like "0-3,7" (the spec's syntax for CPUs and memory nodes; as runc reads it:
 * blanks around an element and empty elements are ignored, a range is N-M with N <= M and no
 * blank inside) into a bitmap of `nbits` bits, which must be zeroed by the caller.  `what`
 * names the list in errors ("process.execCPUAffinity.final").  Returns the number of
 * distinct entries (0 for an empty string, which the spec reads as "not set"), or -1.
 */
int procattr_parse_list(const char *s, const char *what, unsigned long *bits, size_t nbits,
			bc_error_t **err);

/* A CPU list into a cpu_set_t (CPUs 0 to CPU_SETSIZE-1).  Returns the number of CPUs, 0 for
 * an empty string (no change wanted), or -1. */
int procattr_parse_cpu_list(const char *s, cpu_set_t *set, bc_error_t **err);

/* sched_setaffinity(pid, list) (pid 0: the caller).  list NULL or empty: nothing to do (the
 * spec: "runtime SHOULD NOT change process' CPU affinity").  `what` names the field. */
int procattr_set_cpu_affinity(pid_t pid, const char *list, const char *what, bc_error_t **err);

/* For `barco exec`: the initial affinity, set in the runtime before the new process joins the
 * container's cgroup, and the final one, set once it has. */
int procattr_exec_affinity_initial(const bc_process_t *p, pid_t pid, bc_error_t **err);
int procattr_exec_affinity_final(const bc_process_t *p, pid_t pid, bc_error_t **err);

/* Check the config and build the plan; nothing is changed.  The plan holds no pointer into
 * the spec.  Errors name the JSON path:
 *   linux.memoryPolicy.nodes: "0-": a range needs an end */
int procattr_prepare(const bc_spec_t *spec, procattr_plan_t *plan, bc_error_t **err);

/* Apply a plan to the calling process: memory policy, I/O priority, scheduler, personality.
 * The scheduler of a real-time or deadline policy and the RT I/O class need CAP_SYS_NICE (or
 * CAP_SYS_ADMIN) in the initial user namespace: call this before the capability drop. */
int procattr_apply_plan(const procattr_plan_t *plan, bc_error_t **err);

/* The container init's step: procattr_prepare + procattr_apply_plan. */
int procattr_apply(const bc_spec_t *spec, bc_error_t **err);

#endif
