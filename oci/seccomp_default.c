/* SPDX-License-Identifier: MIT */
/*
 * The seccomp profile `barco spec` writes.  Its effect is that of Docker's default profile:
 * refuse with EPERM whatever is not listed, allow the ordinary syscalls, check the arguments
 * of socket, personality and clone, and allow the privileged groups only to a container whose
 * bounding set holds the capability the kernel would check anyway.  The tables below are
 * resolved for one capability set and for the architecture barco is built for, so the
 * config holds plain runtime-spec rules.
 */
#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/socket.h>

#include "barco/spec.h"
#include "barco/util.h"
#include "seccomp_default.h"

#ifndef AF_VSOCK
#define AF_VSOCK 40
#endif
#ifndef CLONE_NEWCGROUP
#define CLONE_NEWCGROUP 0x02000000
#endif

#define NAMES(...) ((const char *const[]){__VA_ARGS__, NULL})

/*
 * Allowed to every container: they act on the caller's own files, memory, processes and
 * namespaced resources, and the kernel's own permission checks suffice.  Grouped by what
 * they touch; the emitted list is sorted.
 */
static const char *const base_names[] = {
    /* paths, directories and metadata */
    "access", "faccessat", "faccessat2", "chdir", "fchdir", "getcwd", "chmod", "fchmod", "fchmodat",
    "fchmodat2", "chown", "chown32", "fchown", "fchown32", "fchownat", "lchown", "lchown32",
    "umask", "link", "linkat", "symlink", "symlinkat", "unlink", "unlinkat", "rename", "renameat",
    "renameat2", "mkdir", "mkdirat", "rmdir", "mknod", "mknodat", "readlink", "readlinkat", "stat",
    "stat64", "lstat", "lstat64", "fstat", "fstat64", "fstatat64", "newfstatat", "statx", "statfs",
    "statfs64", "fstatfs", "fstatfs64", "utime", "utimes", "utimensat", "utimensat_time64",
    "futimesat", "getdents", "getdents64", "name_to_handle_at", "listmount", "statmount",
    /* extended attributes */
    "getxattr", "lgetxattr", "fgetxattr", "getxattrat", "setxattr", "lsetxattr", "fsetxattr",
    "setxattrat", "listxattr", "llistxattr", "flistxattr", "listxattrat", "removexattr",
    "lremovexattr", "fremovexattr", "removexattrat",
    /* file descriptors and I/O */
    "open", "openat", "openat2", "creat", "close", "close_range", "dup", "dup2", "dup3", "fcntl",
    "fcntl64", "flock", "ioctl", "read", "readv", "pread64", "preadv", "preadv2", "write", "writev",
    "pwrite64", "pwritev", "pwritev2", "lseek", "_llseek", "truncate", "truncate64", "ftruncate",
    "ftruncate64", "fallocate", "fadvise64", "fadvise64_64", "readahead", "fsync", "fdatasync",
    "sync", "syncfs", "sync_file_range", "sendfile", "sendfile64", "splice", "tee", "vmsplice",
    "copy_file_range", "cachestat", "pipe", "pipe2",
    /* asynchronous I/O (io_uring stays out: its operations bypass seccomp) */
    "io_setup", "io_destroy", "io_submit", "io_cancel", "io_getevents", "io_pgetevents",
    "io_pgetevents_time64",
    /* waiting and event sources */
    "poll", "ppoll", "ppoll_time64", "select", "_newselect", "pselect6", "pselect6_time64",
    "epoll_create", "epoll_create1", "epoll_ctl", "epoll_ctl_old", "epoll_wait", "epoll_wait_old",
    "epoll_pwait", "epoll_pwait2", "eventfd", "eventfd2", "signalfd", "signalfd4", "timerfd_create",
    "timerfd_settime", "timerfd_settime64", "timerfd_gettime", "timerfd_gettime64", "inotify_init",
    "inotify_init1", "inotify_add_watch", "inotify_rm_watch", "fanotify_mark",
    /* memory */
    "brk", "mmap", "mmap2", "munmap", "mremap", "mprotect", "madvise", "mincore", "msync", "mlock",
    "mlock2", "mlockall", "munlock", "munlockall", "remap_file_pages", "memfd_create",
    "memfd_secret", "membarrier", "pkey_alloc", "pkey_free", "pkey_mprotect", "map_shadow_stack",
    "mseal",
    /* processes and threads */
    "fork", "vfork", "execve", "execveat", "exit", "exit_group", "wait4", "waitid", "waitpid",
    "kill", "tkill", "tgkill", "pidfd_open", "pidfd_send_signal", "process_mrelease", "getpid",
    "getppid", "gettid", "getpgid", "setpgid", "getpgrp", "getsid", "setsid", "set_tid_address",
    "set_robust_list", "get_robust_list", "rseq", "set_thread_area", "get_thread_area", "futex",
    "futex_time64", "futex_waitv", "futex_wake", "futex_wait", "futex_requeue", "prctl", "seccomp",
    "capget", "capset", "landlock_create_ruleset", "landlock_add_rule", "landlock_restrict_self",
    "restart_syscall", "uretprobe",
    /* tracing the container's own processes: since Linux 4.8 seccomp checks a syscall again
     * after a tracer rewrote it, so ptrace no longer escapes the filter */
    "ptrace", "process_vm_readv", "process_vm_writev",
    /* scheduling and limits */
    "sched_yield", "sched_getaffinity", "sched_setaffinity", "sched_getattr", "sched_setattr",
    "sched_getparam", "sched_setparam", "sched_getscheduler", "sched_setscheduler",
    "sched_get_priority_max", "sched_get_priority_min", "sched_rr_get_interval",
    "sched_rr_get_interval_time64", "getpriority", "setpriority", "ioprio_get", "ioprio_set",
    "getcpu", "getrlimit", "setrlimit", "ugetrlimit", "prlimit64", "getrusage", "uname", "sysinfo",
    "getrandom",
    /* signals */
    "rt_sigaction", "rt_sigprocmask", "rt_sigpending", "rt_sigqueueinfo", "rt_tgsigqueueinfo",
    "rt_sigreturn", "rt_sigsuspend", "rt_sigtimedwait", "rt_sigtimedwait_time64", "sigaltstack",
    "sigprocmask", "sigreturn", "pause", "alarm",
    /* clocks and timers (setting the clock is CAP_SYS_TIME's: see below) */
    "time", "gettimeofday", "clock_gettime", "clock_gettime64", "clock_getres",
    "clock_getres_time64", "clock_nanosleep", "clock_nanosleep_time64", "nanosleep", "adjtimex",
    "clock_adjtime", "clock_adjtime64", "getitimer", "setitimer", "times", "timer_create",
    "timer_delete", "timer_getoverrun", "timer_gettime", "timer_gettime64", "timer_settime",
    "timer_settime64",
    /* credentials */
    "getuid", "getuid32", "geteuid", "geteuid32", "getgid", "getgid32", "getegid", "getegid32",
    "getresuid", "getresuid32", "getresgid", "getresgid32", "getgroups", "getgroups32", "setuid",
    "setuid32", "setgid", "setgid32", "setreuid", "setreuid32", "setregid", "setregid32",
    "setresuid", "setresuid32", "setresgid", "setresgid32", "setfsuid", "setfsuid32", "setfsgid",
    "setfsgid32", "setgroups", "setgroups32",
    /* System V and POSIX IPC (namespaced) */
    "ipc", "msgget", "msgsnd", "msgrcv", "msgctl", "semget", "semop", "semtimedop",
    "semtimedop_time64", "semctl", "shmget", "shmat", "shmdt", "shmctl", "mq_open", "mq_unlink",
    "mq_timedsend", "mq_timedsend_time64", "mq_timedreceive", "mq_timedreceive_time64", "mq_notify",
    "mq_getsetattr",
    /* sockets (socket itself is checked below) */
    "socketpair", "socketcall", "bind", "connect", "listen", "accept", "accept4", "getsockname",
    "getpeername", "getsockopt", "setsockopt", "send", "sendto", "sendmsg", "sendmmsg", "recv",
    "recvfrom", "recvmsg", "recvmmsg", "recvmmsg_time64", "shutdown", NULL};

/* The architectures a native process may switch to (32-bit compat ABIs), and the syscalls
 * that exist only on them.  On s390 the clone flags are the second argument. */
#if defined(__x86_64__)
#define ARCHES	      "SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32",
#define ARCH_SYSCALLS "arch_prctl", "modify_ldt",
#elif defined(__i386__)
#define ARCHES	      "SCMP_ARCH_X86",
#define ARCH_SYSCALLS "modify_ldt",
#elif defined(__aarch64__) || defined(__arm__)
#if defined(__aarch64__)
#define ARCHES "SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM",
#else
#define ARCHES "SCMP_ARCH_ARM",
#endif
#define ARCH_SYSCALLS                                                                              \
	"arm_fadvise64_64", "arm_sync_file_range", "sync_file_range2", "breakpoint", "cacheflush", \
	    "set_tls",
#elif defined(__s390x__)
#define ARCHES		"SCMP_ARCH_S390X", "SCMP_ARCH_S390",
#define ARCH_SYSCALLS	"s390_pci_mmio_read", "s390_pci_mmio_write", "s390_runtime_instr",
#define CLONE_FLAGS_ARG 1
#elif defined(__powerpc64__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define ARCHES	      "SCMP_ARCH_PPC64LE",
#define ARCH_SYSCALLS "sync_file_range2", "swapcontext",
#elif defined(__riscv) && __riscv_xlen == 64
#define ARCHES	      "SCMP_ARCH_RISCV64",
#define ARCH_SYSCALLS "riscv_flush_icache", "riscv_hwprobe",
#else
/* Unknown here: the filter covers the native architecture only. */
#define ARCHES
#define ARCH_SYSCALLS
#endif
#ifndef CLONE_FLAGS_ARG
#define CLONE_FLAGS_ARG 0
#endif

static const char *const native_arches[] = {ARCHES NULL};
static const char *const arch_names[] = {ARCH_SYSCALLS NULL};

/*
 * Allowed only with a capability in the bounding set: without it the kernel refuses them
 * anyway, and refusing them here as well keeps their (often large) kernel code out of reach.
 * lsm_* change or reveal the LSM labels that confine the container, hence CAP_SYS_ADMIN.
 */
static const struct {
	const char *cap;
	const char *const *names;
} cap_groups[] = {
    {"CAP_DAC_READ_SEARCH", NAMES("open_by_handle_at")},
    {"CAP_SYS_ADMIN",
     NAMES("bpf", "clone", "clone3", "fanotify_init", "fsconfig", "fsmount", "fsopen", "fspick",
	   "lookup_dcookie", "lsm_get_self_attr", "lsm_list_modules", "lsm_set_self_attr", "mount",
	   "mount_setattr", "move_mount", "open_tree", "perf_event_open", "quotactl", "quotactl_fd",
	   "setdomainname", "sethostname", "setns", "syslog", "umount", "umount2", "unshare")},
    {"CAP_SYS_BOOT", NAMES("reboot")},
    {"CAP_SYS_CHROOT", NAMES("chroot")},
    {"CAP_SYS_MODULE", NAMES("init_module", "finit_module", "delete_module")},
    {"CAP_SYS_PACCT", NAMES("acct")},
    {"CAP_SYS_PTRACE", NAMES("kcmp", "pidfd_getfd", "process_madvise", "process_vm_readv",
			     "process_vm_writev", "ptrace")},
    {"CAP_SYS_RAWIO", NAMES("iopl", "ioperm")},
    {"CAP_SYS_TIME", NAMES("settimeofday", "stime", "clock_settime", "clock_settime64")},
    {"CAP_SYS_TTY_CONFIG", NAMES("vhangup")},
    {"CAP_SYS_NICE", NAMES("get_mempolicy", "mbind", "set_mempolicy", "set_mempolicy_home_node")},
    {"CAP_SYSLOG", NAMES("syslog")},
    {"CAP_BPF", NAMES("bpf")},
    {"CAP_PERFMON", NAMES("perf_event_open")},
};

/* Namespace creation needs CAP_SYS_ADMIN (or a user namespace, the riskiest of all).
 * CLONE_NEWTIME is absent: clone(2) cannot take it, only clone3 and unshare can. */
#define CLONE_NS_FLAGS                                                                             \
	(CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET | \
	 CLONE_NEWCGROUP)

/* Rules with an argument condition or another action: one syscall and at most one argument
 * each.  `unless_cap`: dropped when the bounding set holds it (the name is then allowed
 * outright by its group above). */
static const struct arg_rule {
	const char *name, *unless_cap, *action;
	uint32_t errno_ret; /* 0: none */
	const char *op;	    /* NULL: no argument condition */
	unsigned int index;
	uint64_t value, value_two;
} arg_rules[] = {
    /* vsock talks to the host and the hypervisor, beside the network namespace. */
    {"socket", NULL, "SCMP_ACT_ALLOW", 0, "SCMP_CMP_NE", 0, AF_VSOCK, 0},
    /* The Linux domains, 32-bit and uname26 emulation, and the query (0xffffffff).  Other
     * flags (ADDR_NO_RANDOMIZE, READ_IMPLIES_EXEC, ...) would weaken the exploit mitigations
     * of programs run afterwards.  One rule a value: a rule's conditions are ANDed. */
    {"personality", NULL, "SCMP_ACT_ALLOW", 0, "SCMP_CMP_EQ", 0, PER_LINUX, 0},
    {"personality", NULL, "SCMP_ACT_ALLOW", 0, "SCMP_CMP_EQ", 0, PER_LINUX32, 0},
    {"personality", NULL, "SCMP_ACT_ALLOW", 0, "SCMP_CMP_EQ", 0, UNAME26, 0},
    {"personality", NULL, "SCMP_ACT_ALLOW", 0, "SCMP_CMP_EQ", 0, UNAME26 | PER_LINUX32, 0},
    {"personality", NULL, "SCMP_ACT_ALLOW", 0, "SCMP_CMP_EQ", 0, 0xffffffff, 0},
    /* Threads and forks, but no new namespaces: flags & mask == 0. */
    {"clone", "CAP_SYS_ADMIN", "SCMP_ACT_ALLOW", 0, "SCMP_CMP_MASKED_EQ", CLONE_FLAGS_ARG,
     CLONE_NS_FLAGS, 0},
    /* clone3 passes its flags in memory, out of seccomp's sight; ENOSYS (not EPERM) makes
     * glibc fall back to clone, whose flags are checked above. */
    {"clone3", "CAP_SYS_ADMIN", "SCMP_ACT_ERRNO", ENOSYS, NULL, 0, 0, 0},
};

static bool caps_hold(char *const *caps, const char *cap)
{
	for (; caps && *caps; caps++)
		if (strcmp(*caps, cap) == 0)
			return true;
	return false;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static size_t append_names(const char **v, size_t n, const char *const *names)
{
	for (; *names; names++)
		v[n++] = *names;
	return n;
}

/* Every name allowed without a condition, in one sorted rule without repeats: a short config,
 * and one comparison per syscall for the runtime that loads it. */
static char **allowed_names(char *const *caps)
{
	size_t max = BC_ARRAY_SIZE(base_names) + BC_ARRAY_SIZE(arch_names), n, k = 0;
	const char **v;
	char **out;

	for (size_t g = 0; g < BC_ARRAY_SIZE(cap_groups); g++)
		max += bc_strv_len((char *const *)cap_groups[g].names);
	v = bc_xcalloc(max, sizeof(*v));
	n = append_names(v, 0, base_names);
	n = append_names(v, n, arch_names);
	for (size_t g = 0; g < BC_ARRAY_SIZE(cap_groups); g++)
		if (caps_hold(caps, cap_groups[g].cap))
			n = append_names(v, n, cap_groups[g].names);
	qsort(v, n, sizeof(*v), name_cmp);
	out = bc_xcalloc(n + 1, sizeof(*out));
	for (size_t i = 0; i < n; i++)
		if (k == 0 || strcmp(out[k - 1], v[i]) != 0)
			out[k++] = bc_xstrdup(v[i]);
	free(v);
	return out;
}

static void fill_arg_rule(bc_seccomp_syscall_t *out, const struct arg_rule *r)
{
	out->names = bc_xcalloc(2, sizeof(*out->names));
	out->names[0] = bc_xstrdup(r->name);
	out->action = bc_xstrdup(r->action);
	if (r->errno_ret != 0) {
		out->has_errno_ret = true;
		out->errno_ret = r->errno_ret;
	}
	if (r->op == NULL)
		return;
	out->args = bc_xcalloc(1, sizeof(*out->args));
	out->n_args = 1;
	out->args[0].index = r->index;
	out->args[0].value = r->value;
	out->args[0].value_two = r->value_two;
	out->args[0].op = bc_xstrdup(r->op);
}

bc_seccomp_t *bc_spec_default_seccomp(char *const *caps)
{
	bc_seccomp_t *s = bc_xcalloc(1, sizeof(*s));
	size_t n = 1;

	/* EPERM, as Docker returns: software that copes with Docker's refusals copes here. */
	s->default_action = bc_xstrdup("SCMP_ACT_ERRNO");
	s->has_default_errno_ret = true;
	s->default_errno_ret = EPERM;
	if (native_arches[0] != NULL)
		s->architectures = bc_strv_dup((char *const *)native_arches);
	s->syscalls = bc_xcalloc(1 + BC_ARRAY_SIZE(arg_rules), sizeof(*s->syscalls));
	s->syscalls[0].names = allowed_names(caps);
	s->syscalls[0].action = bc_xstrdup("SCMP_ACT_ALLOW");
	for (size_t i = 0; i < BC_ARRAY_SIZE(arg_rules); i++)
		if (arg_rules[i].unless_cap == NULL || !caps_hold(caps, arg_rules[i].unless_cap))
			fill_arg_rule(&s->syscalls[n++], &arg_rules[i]);
	s->n_syscalls = n;
	return s;
}
