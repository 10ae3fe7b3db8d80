/* SPDX-License-Identifier: MIT */
/*
 * Names the runtime-spec uses for kernel constants: namespace types (and their clone flags
 * and /proc/PID/ns entries), hook kinds and resource limits.
 */
#include <sched.h>
#include <stddef.h>
#include <string.h>
#include <sys/resource.h>

#include "barco/spec.h"
#include "barco/util.h"
#include "spec_names.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif
#ifndef CLONE_NEWCGROUP
#define CLONE_NEWCGROUP 0x02000000
#endif

const char *const spec_names_ns[] = {"pid",  "network", "mount", "ipc", "uts",
				     "user", "cgroup",	"time",	 NULL};
static const char *const ns_proc_names[] = {"pid", "net",  "mnt",    "ipc",
					    "uts", "user", "cgroup", "time"};
static const int ns_clone_flags[] = {CLONE_NEWPID, CLONE_NEWNET,  CLONE_NEWNS,	   CLONE_NEWIPC,
				     CLONE_NEWUTS, CLONE_NEWUSER, CLONE_NEWCGROUP, CLONE_NEWTIME};
static const char *const hook_names[] = {"prestart",	   "createRuntime", "createContainer",
					 "startContainer", "poststart",	    "poststop"};

static const struct {
	const char *name;
	int resource;
} rlimit_table[] = {
    {"RLIMIT_AS", RLIMIT_AS},
    {"RLIMIT_CORE", RLIMIT_CORE},
    {"RLIMIT_CPU", RLIMIT_CPU},
    {"RLIMIT_DATA", RLIMIT_DATA},
    {"RLIMIT_FSIZE", RLIMIT_FSIZE},
    {"RLIMIT_LOCKS", RLIMIT_LOCKS},
    {"RLIMIT_MEMLOCK", RLIMIT_MEMLOCK},
    {"RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE},
    {"RLIMIT_NICE", RLIMIT_NICE},
    {"RLIMIT_NOFILE", RLIMIT_NOFILE},
    {"RLIMIT_NPROC", RLIMIT_NPROC},
    {"RLIMIT_RSS", RLIMIT_RSS},
    {"RLIMIT_RTPRIO", RLIMIT_RTPRIO},
    {"RLIMIT_RTTIME", RLIMIT_RTTIME},
    {"RLIMIT_SIGPENDING", RLIMIT_SIGPENDING},
    {"RLIMIT_STACK", RLIMIT_STACK},
};

const char *bc_ns_type_name(enum bc_ns_type t)
{
	return (unsigned)t < BC_NS_TYPE_COUNT ? spec_names_ns[t] : NULL;
}

int bc_ns_type_from_name(const char *name)
{
	for (int i = 0; name && i < BC_NS_TYPE_COUNT; i++)
		if (strcmp(spec_names_ns[i], name) == 0)
			return i;
	return -1;
}

int bc_ns_clone_flag(enum bc_ns_type t)
{
	return (unsigned)t < BC_NS_TYPE_COUNT ? ns_clone_flags[t] : 0;
}

const char *bc_ns_proc_name(enum bc_ns_type t)
{
	return (unsigned)t < BC_NS_TYPE_COUNT ? ns_proc_names[t] : NULL;
}

const char *bc_hook_kind_name(enum bc_hook_kind k)
{
	return (unsigned)k < BC_HOOK_KIND_COUNT ? hook_names[k] : NULL;
}

int bc_rlimit_from_name(const char *name)
{
	for (size_t i = 0; name && i < BC_ARRAY_SIZE(rlimit_table); i++)
		if (strcmp(rlimit_table[i].name, name) == 0)
			return rlimit_table[i].resource;
	return -1;
}
