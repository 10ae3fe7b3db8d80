/* SPDX-License-Identifier: MIT */
/*
 * Process attributes that survive execve: personality, scheduler, I/O priority, NUMA memory
 * policy, and the CPU lists of execCPUAffinity.  The syscalls are raw (glibc has no wrapper
 * for sched_setattr, ioprio_set or set_mempolicy, and libnuma is not a dependency), so the
 * kernel's constants are spelled out here.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "barco/log.h"
#include "barco/procattr.h"
#include "barco/util.h"

#define IOPRIO_WHO_PROCESS   1
#define IOPRIO_CLASS_SHIFT   13
#define IOPRIO_NR_LEVELS     8
#define MPOL_F_MEMS_ALLOWED  (1UL << 2) /* get_mempolicy flag */
#define SCHED_ATTR_SIZE_VER1 56
#define LONG_BITS	     (8 * sizeof(unsigned long))

struct name_value {
	const char *name;
	int64_t value;
};

static const struct name_value sched_policies[] = {
    {"SCHED_OTHER", 0},
    {"SCHED_FIFO", 1},
    {"SCHED_RR", 2},
    {"SCHED_BATCH", 3},
    {"SCHED_ISO", PROCATTR_SCHED_ISO},
    {"SCHED_IDLE", 5},
    {"SCHED_DEADLINE", PROCATTR_SCHED_DEADLINE},
};

static const struct name_value sched_flags[] = {
    {"SCHED_FLAG_RESET_ON_FORK", 0x01},	 {"SCHED_FLAG_RECLAIM", 0x02},
    {"SCHED_FLAG_DL_OVERRUN", 0x04},	 {"SCHED_FLAG_KEEP_POLICY", 0x08},
    {"SCHED_FLAG_KEEP_PARAMS", 0x10},	 {"SCHED_FLAG_UTIL_CLAMP_MIN", 0x20},
    {"SCHED_FLAG_UTIL_CLAMP_MAX", 0x40},
};

static const struct name_value ioprio_classes[] = {
    {"IOPRIO_CLASS_RT", 1},
    {"IOPRIO_CLASS_BE", 2},
    {"IOPRIO_CLASS_IDLE", 3},
};

enum {
	MPOL_DEFAULT_,
	MPOL_PREFERRED_,
	MPOL_BIND_,
	MPOL_INTERLEAVE_,
	MPOL_LOCAL_,
	MPOL_PREFERRED_MANY_,
	MPOL_WEIGHTED_INTERLEAVE_
};

static const struct name_value mpol_modes[] = {
    {"MPOL_DEFAULT", MPOL_DEFAULT_},
    {"MPOL_PREFERRED", MPOL_PREFERRED_},
    {"MPOL_BIND", MPOL_BIND_},
    {"MPOL_INTERLEAVE", MPOL_INTERLEAVE_},
    {"MPOL_LOCAL", MPOL_LOCAL_},
    {"MPOL_PREFERRED_MANY", MPOL_PREFERRED_MANY_},
    {"MPOL_WEIGHTED_INTERLEAVE", MPOL_WEIGHTED_INTERLEAVE_},
};

static const struct name_value mpol_flags[] = {
    {"MPOL_F_NUMA_BALANCING", PROCATTR_MPOL_F_NUMA_BALANCING},
    {"MPOL_F_RELATIVE_NODES", PROCATTR_MPOL_F_RELATIVE_NODES},
    {"MPOL_F_STATIC_NODES", PROCATTR_MPOL_F_STATIC_NODES},
};

static const struct name_value *find(const struct name_value *t, size_t n, const char *name)
{
	for (size_t i = 0; name && i < n; i++)
		if (strcmp(t[i].name, name) == 0)
			return &t[i];
	return NULL;
}

static int64_t lookup(const struct name_value *t, size_t n, const char *name)
{
	const struct name_value *e = find(t, n, name);

	return e ? e->value : -1;
}

/* The table's own copy of a name: a plan outlives the spec it was made from. */
#define TABLE_NAME(t, key) (find((t), BC_ARRAY_SIZE(t), (key))->name)

int procattr_sched_policy(const char *name)
{
	return (int)lookup(sched_policies, BC_ARRAY_SIZE(sched_policies), name);
}

int64_t procattr_sched_flag(const char *name)
{
	return lookup(sched_flags, BC_ARRAY_SIZE(sched_flags), name);
}

int procattr_ioprio_class(const char *name)
{
	return (int)lookup(ioprio_classes, BC_ARRAY_SIZE(ioprio_classes), name);
}

int procattr_mpol_mode(const char *name)
{
	return (int)lookup(mpol_modes, BC_ARRAY_SIZE(mpol_modes), name);
}

int procattr_mpol_flag(const char *name)
{
	return (int)lookup(mpol_flags, BC_ARRAY_SIZE(mpol_flags), name);
}

/* ---- lists: "0-3,7" ---- */

static bool bit_test(const unsigned long *bits, size_t n)
{
	return (bits[n / LONG_BITS] >> (n % LONG_BITS)) & 1UL;
}

static void bit_set(unsigned long *bits, size_t n)
{
	bits[n / LONG_BITS] |= 1UL << (n % LONG_BITS);
}

/* The string for a message: a config value may hold anything, a terminal gets no escapes. */
static char *printable(const char *s)
{
	char *out = bc_xstrdup(s);

	for (char *c = out; *c; c++)
		if (!isprint((unsigned char)*c))
			*c = '?';
	return out;
}

/* One number of a list element: digits only, at most max (a longer run of digits is not
 * converted, so no overflow). */
static int list_number(const char **p, const char *end, size_t max, size_t *out)
{
	size_t v = 0;
	const char *s = *p;

	if (s == end || !isdigit((unsigned char)*s))
		return -1;
	for (; s < end && isdigit((unsigned char)*s); s++) {
		v = v * 10 + (size_t)(*s - '0');
		if (v > max)
			return -2;
	}
	*p = s;
	*out = v;
	return 0;
}

static int list_fail(const char *what, const char *s, bc_error_t **err, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int list_fail(const char *what, const char *s, bc_error_t **err, const char *fmt, ...)
{
	cleanup_free char *shown = printable(s);
	cleanup_free char *reason = NULL;
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(&reason, fmt, ap) < 0)
		abort();
	va_end(ap);
	/* The reason quotes the element: no control character in it either. */
	for (char *c = reason; *c; c++)
		if (!isprint((unsigned char)*c))
			*c = '?';
	return bc_error_set_code(err, EINVAL, "%s: \"%s\": %s", what, shown, reason);
}

/* One element between commas, blanks already trimmed: N or N-M. */
static int list_element(const char *el, const char *end, const char *what, const char *s,
			unsigned long *bits, size_t nbits, size_t *count, bc_error_t **err)
{
	const char *p = el;
	size_t lo, hi;
	int r;

	r = list_number(&p, end, nbits - 1, &lo);
	if (r == 0 && p < end && *p == '-') {
		p++;
		if (p == end)
			return list_fail(what, s, err, "the range %.*s has no end", (int)(end - el),
					 el);
		r = list_number(&p, end, nbits - 1, &hi);
	} else {
		hi = lo;
	}
	if (r == -2)
		return list_fail(what, s, err, "%.*s goes beyond the maximum %zu", (int)(end - el),
				 el, nbits - 1);
	if (r < 0 || p != end)
		return list_fail(
		    what, s, err,
		    "%.*s is not a number or a range N-M (digits, one dash, no blanks)",
		    (int)(end - el), el);
	if (lo > hi)
		return list_fail(what, s, err, "the range %.*s is reversed", (int)(end - el), el);
	for (size_t i = lo; i <= hi; i++) {
		if (!bit_test(bits, i)) {
			bit_set(bits, i);
			(*count)++;
		}
	}
	return 0;
}

int procattr_parse_list(const char *s, const char *what, unsigned long *bits, size_t nbits,
			bc_error_t **err)
{
	size_t count = 0;

	if (s == NULL || *s == '\0')
		return 0;
	for (const char *p = s;;) {
		const char *comma = strchr(p, ',');
		const char *end = comma ? comma : p + strlen(p);
		const char *b = p, *e = end;

		while (b < e && (*b == ' ' || *b == '\t'))
			b++;
		while (e > b && (e[-1] == ' ' || e[-1] == '\t'))
			e--;
		if (b < e && list_element(b, e, what, s, bits, nbits, &count, err) < 0)
			return -1;
		if (comma == NULL)
			break;
		p = comma + 1;
	}
	if (count == 0)
		return list_fail(what, s, err, "the list names nothing");
	return count > INT_MAX ? INT_MAX : (int)count;
}

/* "0-3,7" back from a bitmap, for messages. */
static char *format_list(const unsigned long *bits, size_t nbits)
{
	cleanup_free char *out = bc_xstrdup("");

	for (size_t i = 0; i < nbits; i++) {
		size_t j = i;
		char *next;

		if (!bit_test(bits, i))
			continue;
		while (j + 1 < nbits && bit_test(bits, j + 1))
			j++;
		if (j == i)
			next = bc_xasprintf("%s%s%zu", out, *out ? "," : "", i);
		else
			next = bc_xasprintf("%s%s%zu-%zu", out, *out ? "," : "", i, j);
		free(out);
		out = next;
		i = j;
	}
	return steal_ptr(out);
}

int procattr_parse_cpu_list(const char *s, cpu_set_t *set, bc_error_t **err)
{
	unsigned long bits[CPU_SETSIZE / LONG_BITS] = {0};
	int n;

	CPU_ZERO(set);
	n = procattr_parse_list(s, "CPU list", bits, CPU_SETSIZE, err);
	if (n <= 0)
		return n;
	for (size_t i = 0; i < CPU_SETSIZE; i++)
		if (bit_test(bits, i))
			CPU_SET(i, set);
	return n;
}

int procattr_set_cpu_affinity(pid_t pid, const char *list, const char *what, bc_error_t **err)
{
	cpu_set_t set;
	int n = procattr_parse_cpu_list(list, &set, err);

	if (n < 0)
		return bc_error_wrap(err, "config.json: %s", what);
	if (n == 0)
		return 0;
	if (sched_setaffinity(pid, sizeof(set), &set) == 0)
		return 0;
	if (errno == EINVAL)
		return bc_error_errno(err,
				      "%s: sched_setaffinity to CPUs %s: none of them is online "
				      "and allowed by the cpuset",
				      what, list);
	return bc_error_errno(err, "%s: sched_setaffinity to CPUs %s", what, list);
}

int procattr_exec_affinity_initial(const bc_process_t *p, pid_t pid, bc_error_t **err)
{
	return procattr_set_cpu_affinity(pid, p->exec_cpu_affinity_initial,
					 "process.execCPUAffinity.initial", err);
}

int procattr_exec_affinity_final(const bc_process_t *p, pid_t pid, bc_error_t **err)
{
	return procattr_set_cpu_affinity(pid, p->exec_cpu_affinity_final,
					 "process.execCPUAffinity.final", err);
}

/* ---- prepare: the config into syscall arguments ---- */

static int prepare_personality(const bc_personality_t *pers, procattr_plan_t *plan,
			       bc_error_t **err)
{
	if (pers == NULL)
		return 0;
	if (strcmp(pers->domain, "LINUX") == 0)
		plan->personality = PER_LINUX;
	else if (strcmp(pers->domain, "LINUX32") == 0)
		plan->personality = PER_LINUX32;
	else
		return bc_error_set(err, 0,
				    "config.json: linux.personality.domain: unknown domain \"%s\"",
				    pers->domain);
	/* runtime-spec 1.3: "Currently no flag values are supported." */
	if (pers->flags && pers->flags[0]) {
		cleanup_free char *shown = printable(pers->flags[0]);

		return bc_error_set(err, 0,
				    "config.json: linux.personality.flags: the runtime-spec "
				    "defines no personality flags, got \"%s\"",
				    shown);
	}
	plan->has_personality = true;
	return 0;
}

static int prepare_sched_params(const bc_scheduler_t *s, int policy, bc_error_t **err)
{
	bool rt = policy == 1 || policy == 2;

	if (s->nice < -20 || s->nice > 19)
		return bc_error_set(err, 0,
				    "config.json: process.scheduler.nice: %d is out of range "
				    "(-20 to 19)",
				    s->nice);
	if (rt && (s->priority < 1 || s->priority > 99))
		return bc_error_set(err, 0,
				    "config.json: process.scheduler.priority: %s needs a priority "
				    "from 1 to 99, got %d",
				    s->policy, s->priority);
	if (!rt && s->priority != 0)
		return bc_error_set(err, 0,
				    "config.json: process.scheduler.priority: only SCHED_FIFO and "
				    "SCHED_RR take a priority, got %d for %s",
				    s->priority, s->policy);
	if (policy != PROCATTR_SCHED_DEADLINE) {
		if (s->runtime || s->deadline || s->period)
			return bc_error_set(err, 0,
					    "config.json: process.scheduler: runtime, deadline and "
					    "period are for SCHED_DEADLINE only, not %s",
					    s->policy);
		return 0;
	}
	if (s->runtime == 0 || s->runtime > s->deadline || (s->period && s->deadline > s->period))
		return bc_error_set(err, 0,
				    "config.json: process.scheduler: SCHED_DEADLINE needs 0 < "
				    "runtime <= deadline <= period (period 0: the deadline), got "
				    "runtime %llu, deadline %llu, period %llu",
				    (unsigned long long)s->runtime, (unsigned long long)s->deadline,
				    (unsigned long long)s->period);
	return 0;
}

static int prepare_sched(const bc_scheduler_t *s, procattr_plan_t *plan, bc_error_t **err)
{
	procattr_sched_attr_t *a = &plan->sched;
	int policy;

	if (s == NULL)
		return 0;
	policy = procattr_sched_policy(s->policy);
	if (policy < 0)
		return bc_error_set(err, 0,
				    "config.json: process.scheduler.policy: unknown policy \"%s\"",
				    s->policy);
	if (prepare_sched_params(s, policy, err) < 0)
		return -1;
	memset(a, 0, sizeof(*a));
	a->size = SCHED_ATTR_SIZE_VER1;
	a->sched_policy = (uint32_t)policy;
	a->sched_nice = s->nice;
	a->sched_priority = (uint32_t)s->priority;
	a->sched_runtime = s->runtime;
	a->sched_deadline = s->deadline;
	a->sched_period = s->period;
	for (size_t i = 0; s->flags && s->flags[i]; i++) {
		int64_t f = procattr_sched_flag(s->flags[i]);

		if (f < 0)
			return bc_error_set(err, 0,
					    "config.json: process.scheduler.flags[%zu]: unknown "
					    "flag \"%s\"",
					    i, s->flags[i]);
		a->sched_flags |= (uint64_t)f;
	}
	plan->sched_policy = TABLE_NAME(sched_policies, s->policy);
	plan->has_sched = true;
	return 0;
}

static int prepare_ioprio(const bc_io_priority_t *io, procattr_plan_t *plan, bc_error_t **err)
{
	int cls;

	if (io == NULL)
		return 0;
	cls = procattr_ioprio_class(io->class_);
	if (cls < 0)
		return bc_error_set(err, 0,
				    "config.json: process.ioPriority.class: unknown class \"%s\"",
				    io->class_);
	if (io->priority < 0 || io->priority >= IOPRIO_NR_LEVELS)
		return bc_error_set(err, 0,
				    "config.json: process.ioPriority.priority: must be between 0 "
				    "and 7, got %d",
				    io->priority);
	plan->ioprio = (cls << IOPRIO_CLASS_SHIFT) | io->priority;
	plan->ioprio_class = TABLE_NAME(ioprio_classes, io->class_);
	plan->has_ioprio = true;
	return 0;
}

static int prepare_mpol_flags(const bc_memory_policy_t *m, procattr_plan_t *plan, bc_error_t **err)
{
	unsigned int nodemask_flags = PROCATTR_MPOL_F_STATIC_NODES | PROCATTR_MPOL_F_RELATIVE_NODES;
	int mode = plan->mpol_mode;

	for (size_t i = 0; m->flags && m->flags[i]; i++) {
		int f = procattr_mpol_flag(m->flags[i]);

		if (f < 0)
			return bc_error_set(err, 0,
					    "config.json: linux.memoryPolicy.flags[%zu]: unknown "
					    "flag \"%s\"",
					    i, m->flags[i]);
		plan->mpol_flags |= (unsigned int)f;
	}
	if ((plan->mpol_flags & nodemask_flags) == nodemask_flags)
		return bc_error_set(
		    err, 0,
		    "config.json: linux.memoryPolicy.flags: MPOL_F_STATIC_NODES and "
		    "MPOL_F_RELATIVE_NODES exclude each other");
	if ((plan->mpol_flags & PROCATTR_MPOL_F_NUMA_BALANCING) && mode != MPOL_BIND_ &&
	    mode != MPOL_PREFERRED_MANY_)
		return bc_error_set(err, 0,
				    "config.json: linux.memoryPolicy.flags: MPOL_F_NUMA_BALANCING "
				    "works with MPOL_BIND and MPOL_PREFERRED_MANY only, not %s",
				    m->mode);
	/* Without nodes these modes mean local allocation: a nodemask flag has nothing to act
	 * on (the kernel refuses it, or ignores it for MPOL_DEFAULT). */
	if ((plan->mpol_flags & nodemask_flags) &&
	    (mode == MPOL_DEFAULT_ || mode == MPOL_LOCAL_ ||
	     (mode == MPOL_PREFERRED_ && plan->mpol_n_nodes == 0)))
		return bc_error_set(err, 0,
				    "config.json: linux.memoryPolicy.flags: %s takes no "
				    "MPOL_F_STATIC_NODES or MPOL_F_RELATIVE_NODES without nodes",
				    m->mode);
	return 0;
}

static int prepare_mempolicy(const bc_memory_policy_t *m, procattr_plan_t *plan, bc_error_t **err)
{
	int mode, n;

	if (m == NULL)
		return 0;
	mode = procattr_mpol_mode(m->mode);
	if (mode < 0)
		return bc_error_set(
		    err, 0, "config.json: linux.memoryPolicy.mode: unknown mode \"%s\"", m->mode);
	plan->mpol_mode = mode;
	plan->mpol_mode_name = TABLE_NAME(mpol_modes, m->mode);
	n = procattr_parse_list(m->nodes, "config.json: linux.memoryPolicy.nodes", plan->mpol_mask,
				PROCATTR_MAX_NODES, err);
	if (n < 0)
		return -1;
	plan->mpol_n_nodes = (size_t)n;
	if ((mode == MPOL_DEFAULT_ || mode == MPOL_LOCAL_) && n > 0)
		return bc_error_set(
		    err, 0, "config.json: linux.memoryPolicy.nodes: %s takes no nodes", m->mode);
	if (mode != MPOL_DEFAULT_ && mode != MPOL_LOCAL_ && mode != MPOL_PREFERRED_ && n == 0)
		return bc_error_set(err, 0,
				    "config.json: linux.memoryPolicy.nodes: %s needs at least one "
				    "node",
				    m->mode);
	if (prepare_mpol_flags(m, plan, err) < 0)
		return -1;
	plan->has_mempolicy = true;
	return 0;
}

int procattr_prepare(const bc_spec_t *spec, procattr_plan_t *plan, bc_error_t **err)
{
	const bc_process_t *p = spec->process;
	const bc_linux_t *l = spec->linux_;

	memset(plan, 0, sizeof(*plan));
	if (l && (prepare_personality(l->personality, plan, err) < 0 ||
		  prepare_mempolicy(l->memory_policy, plan, err) < 0))
		return -1;
	if (p && (prepare_sched(p->scheduler, plan, err) < 0 ||
		  prepare_ioprio(p->io_priority, plan, err) < 0))
		return -1;
	return 0;
}

/* ---- apply ---- */

/* Every node must be one this process may use: the kernel would drop the others without a
 * word (or, with none left, say EINVAL).  Relative nodes are folded onto the allowed ones by
 * the kernel; static ones may name nodes that come later, but one must be usable now. */
static int check_nodes_allowed(const procattr_plan_t *plan, bc_error_t **err)
{
	unsigned long allowed[PROCATTR_NODE_LONGS] = {0};
	cleanup_free char *allowed_list = NULL;
	bool any = false;
	size_t missing = PROCATTR_MAX_NODES;

	if (syscall(SYS_get_mempolicy, NULL, allowed, (unsigned long)PROCATTR_MAX_NODES + 1, NULL,
		    MPOL_F_MEMS_ALLOWED) < 0) {
		if (errno == ENOSYS)
			return bc_error_errno(err, "linux.memoryPolicy: this kernel has no NUMA "
						   "support (CONFIG_NUMA): get_mempolicy");
		return bc_error_errno(err, "linux.memoryPolicy: get_mempolicy (allowed nodes)");
	}
	if (plan->mpol_n_nodes == 0 || (plan->mpol_flags & PROCATTR_MPOL_F_RELATIVE_NODES))
		return 0;
	for (size_t i = 0; i < PROCATTR_MAX_NODES; i++) {
		if (!bit_test(plan->mpol_mask, i))
			continue;
		if (bit_test(allowed, i))
			any = true;
		else if (missing == PROCATTR_MAX_NODES)
			missing = i;
	}
	if (missing == PROCATTR_MAX_NODES ||
	    (any && (plan->mpol_flags & PROCATTR_MPOL_F_STATIC_NODES)))
		return 0;
	allowed_list = format_list(allowed, PROCATTR_MAX_NODES);
	if (!any && (plan->mpol_flags & PROCATTR_MPOL_F_STATIC_NODES)) {
		cleanup_free char *nodes = format_list(plan->mpol_mask, PROCATTR_MAX_NODES);

		return bc_error_set(
		    err, 0,
		    "config.json: linux.memoryPolicy.nodes: none of the nodes %s is "
		    "available on this host (allowed: %s)",
		    nodes, allowed_list);
	}
	return bc_error_set(err, 0,
			    "config.json: linux.memoryPolicy.nodes: node %zu is not available on "
			    "this host (allowed: %s)",
			    missing, allowed_list);
}

static int apply_mempolicy(const procattr_plan_t *plan, bc_error_t **err)
{
	const unsigned long *mask = plan->mpol_n_nodes ? plan->mpol_mask : NULL;
	unsigned long maxnode = plan->mpol_n_nodes ? (unsigned long)PROCATTR_MAX_NODES + 1 : 0;
	cleanup_free char *nodes = NULL;

	if (!plan->has_mempolicy)
		return 0;
	if (check_nodes_allowed(plan, err) < 0)
		return -1;
	if (syscall(SYS_set_mempolicy, plan->mpol_mode | (int)plan->mpol_flags, mask, maxnode) == 0)
		return 0;
	if (errno == ENOSYS)
		return bc_error_errno(err, "linux.memoryPolicy: this kernel has no NUMA support "
					   "(CONFIG_NUMA): set_mempolicy");
	nodes = format_list(plan->mpol_mask, PROCATTR_MAX_NODES);
	if (errno == EINVAL)
		return bc_error_errno(err,
				      "linux.memoryPolicy: set_mempolicy %s nodes \"%s\" (flags "
				      "0x%x): the kernel refused the combination (is the mode or "
				      "flag newer than this kernel?)",
				      plan->mpol_mode_name, nodes, plan->mpol_flags);
	return bc_error_errno(err, "linux.memoryPolicy: set_mempolicy %s nodes \"%s\"",
			      plan->mpol_mode_name, nodes);
}

static int apply_ioprio(const procattr_plan_t *plan, bc_error_t **err)
{
	if (!plan->has_ioprio)
		return 0;
	if (syscall(SYS_ioprio_set, IOPRIO_WHO_PROCESS, 0, plan->ioprio) == 0)
		return 0;
	if (errno == EPERM && (plan->ioprio >> IOPRIO_CLASS_SHIFT) == 1)
		return bc_error_errno(err,
				      "process.ioPriority: ioprio_set %s %d: the real-time class "
				      "needs CAP_SYS_ADMIN or CAP_SYS_NICE in the initial user "
				      "namespace",
				      plan->ioprio_class, plan->ioprio & (IOPRIO_NR_LEVELS - 1));
	return bc_error_errno(err, "process.ioPriority: ioprio_set %s %d", plan->ioprio_class,
			      plan->ioprio & (IOPRIO_NR_LEVELS - 1));
}

/* Why sched_setattr said what it said, when it is known. */
static const char *sched_reason(const procattr_sched_attr_t *a, int e)
{
	bool rt = a->sched_policy == 1 || a->sched_policy == 2;

	switch (e) {
	case EPERM:
		if (rt)
			return "a real-time policy needs CAP_SYS_NICE in the initial user "
			       "namespace (or RLIMIT_RTPRIO) and, with RT group scheduling, a "
			       "cgroup "
			       "with cpu.rt_runtime_us > 0";
		if (a->sched_policy == PROCATTR_SCHED_DEADLINE)
			return "SCHED_DEADLINE needs CAP_SYS_NICE in the initial user namespace "
			       "and an affinity covering all CPUs of its root domain (no cpuset "
			       "restriction)";
		if (a->sched_nice < 0)
			return "a nice value below the current one needs CAP_SYS_NICE in the "
			       "initial user namespace (or RLIMIT_NICE)";
		return "not permitted";
	case EINVAL:
		if (a->sched_policy == PROCATTR_SCHED_ISO)
			return "SCHED_ISO exists only in patched kernels, not in mainline Linux";
		if (a->sched_policy == PROCATTR_SCHED_DEADLINE)
			return "the kernel refused the deadline parameters (runtime at least 1024 "
			       "ns, and no flag it does not know)";
		return "the kernel refused the policy or a flag";
	case EBUSY:
		return "SCHED_DEADLINE admission control: not enough CPU bandwidth left for "
		       "runtime/period";
	case EOPNOTSUPP:
		return "this kernel has no utilization clamping (CONFIG_UCLAMP_TASK)";
	case E2BIG:
		return "this kernel does not know some of the attributes";
	default:
		return NULL;
	}
}

static int apply_sched(const procattr_plan_t *plan, bc_error_t **err)
{
	const procattr_sched_attr_t *a = &plan->sched;
	const char *why;

	if (!plan->has_sched)
		return 0;
	if (syscall(SYS_sched_setattr, 0, a, 0) == 0)
		return 0;
	why = sched_reason(a, errno);
	return bc_error_errno(err,
			      "process.scheduler: sched_setattr %s (nice %d, priority %u, flags "
			      "0x%llx)%s%s",
			      plan->sched_policy, a->sched_nice, a->sched_priority,
			      (unsigned long long)a->sched_flags, why ? ": " : "", why ? why : "");
}

static int apply_personality(const procattr_plan_t *plan, bc_error_t **err)
{
	int now;

	if (!plan->has_personality)
		return 0;
	if (personality(plan->personality) < 0)
		return bc_error_errno(err, "linux.personality: personality 0x%lx",
				      plan->personality);
	now = personality(0xffffffff);
	if (now < 0 || (unsigned long)now != plan->personality)
		return bc_error_set(
		    err, 0,
		    "linux.personality: the kernel kept personality 0x%x instead of "
		    "0x%lx",
		    (unsigned)now, plan->personality);
	return 0;
}

int procattr_apply_plan(const procattr_plan_t *plan, bc_error_t **err)
{
	/* The memory policy first: the setup's own allocations after it follow it too, as the
	 * process's will.  The scheduler late, so that a SCHED_IDLE or low-priority init does
	 * not crawl through the rest of its own work; the personality last, since LINUX32
	 * changes what uname(2) says to anything that asks afterwards. */
	if (apply_mempolicy(plan, err) < 0 || apply_ioprio(plan, err) < 0 ||
	    apply_sched(plan, err) < 0 || apply_personality(plan, err) < 0)
		return -1;
	bc_debug("process attributes applied:%s%s%s%s", plan->has_mempolicy ? " memoryPolicy" : "",
		 plan->has_ioprio ? " ioPriority" : "", plan->has_sched ? " scheduler" : "",
		 plan->has_personality ? " personality" : "");
	return 0;
}

int procattr_apply(const bc_spec_t *spec, bc_error_t **err)
{
	procattr_plan_t plan;

	if (procattr_prepare(spec, &plan, err) < 0)
		return -1;
	return procattr_apply_plan(&plan, err);
}
