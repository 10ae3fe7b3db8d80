/* SPDX-License-Identifier: MIT */
/*
 * The default seccomp profile of `barco spec`: its shape in the config, its verdicts for
 * chosen syscalls and arguments (read from the rules), the names libseccomp knows, and the
 * filter's real effect once loaded into the kernel in a child process.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <seccomp.h>

#include "barco/spec.h"
#include "barco/util.h"
#include "../oci/seccomp_default.h"

#ifndef AF_VSOCK
#define AF_VSOCK 40
#endif
#ifndef CLONE_NEWCGROUP
#define CLONE_NEWCGROUP 0x02000000
#endif

#define NS_MASK                                                                                    \
	(CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET | \
	 CLONE_NEWCGROUP)

#if defined(__s390x__)
#define CLONE_FLAGS_ARG 1
#else
#define CLONE_FLAGS_ARG 0
#endif

static const char *const default_caps[] = {
    /* the bounding set `barco spec` writes */
    "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD", "CAP_NET_RAW",
    "CAP_SETGID", "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP", "CAP_NET_BIND_SERVICE",
    "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE",
    /* as in oci/spec_default.c */
    NULL};

/* Every capability some group of the table names. */
static const char *const gating_caps[] = {
    /* all of them, so that every name of the table is emitted */
    "CAP_DAC_READ_SEARCH", "CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_CHROOT", "CAP_SYS_MODULE",
    "CAP_SYS_PACCT", "CAP_SYS_PTRACE", "CAP_SYS_RAWIO", "CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG",
    "CAP_SYS_NICE", "CAP_SYSLOG", "CAP_BPF", "CAP_PERFMON",
    /* every group of oci/seccomp_default.c is covered */
    NULL};

/* ------------------------------------------------------------------ helpers */

static bc_spec_t *parse_text(const char *text)
{
	cleanup_error bc_error_t *err = NULL;
	bc_spec_t *spec = bc_spec_parse("config.json", text, strlen(text), &err);

	ck_assert_msg(spec != NULL, "parse failed: %s", err ? err->msg : "?");
	return spec;
}

static bc_spec_t *default_spec(bool rootless)
{
	cleanup_free char *text = bc_spec_default_json(rootless);

	return parse_text(text);
}

/* A spec holding only `sc`, so that bc_spec_free frees it. */
static bc_spec_t *wrap(bc_seccomp_t *sc)
{
	bc_spec_t *spec = bc_xcalloc(1, sizeof(*spec));

	spec->linux_ = bc_xcalloc(1, sizeof(*spec->linux_));
	spec->linux_->seccomp = sc;
	return spec;
}

static bc_spec_t *profile_for(const char *const *caps)
{
	return wrap(bc_spec_default_seccomp((char *const *)caps));
}

static bool strv_has(char *const *v, const char *s)
{
	for (; v && *v; v++)
		if (strcmp(*v, s) == 0)
			return true;
	return false;
}

/* The one rule that allows without conditions; the profile has exactly one. */
static const bc_seccomp_syscall_t *allow_rule(const bc_seccomp_t *s)
{
	const bc_seccomp_syscall_t *found = NULL;

	for (size_t i = 0; i < s->n_syscalls; i++) {
		const bc_seccomp_syscall_t *r = &s->syscalls[i];

		if (strcmp(r->action, "SCMP_ACT_ALLOW") != 0 || r->n_args != 0)
			continue;
		ck_assert_msg(found == NULL, "more than one unconditional ALLOW rule");
		found = r;
	}
	ck_assert_ptr_nonnull(found);
	return found;
}

static bool allowed_outright(const bc_seccomp_t *s, const char *name)
{
	return strv_has(allow_rule(s)->names, name);
}

static size_t rules_naming(const bc_seccomp_t *s, const char *name)
{
	size_t n = 0;

	for (size_t i = 0; i < s->n_syscalls; i++)
		n += strv_has(s->syscalls[i].names, name);
	return n;
}

static bool arg_matches(const bc_seccomp_arg_t *a, const uint64_t *args)
{
	uint64_t v = args[a->index];

	if (strcmp(a->op, "SCMP_CMP_NE") == 0)
		return v != a->value;
	if (strcmp(a->op, "SCMP_CMP_EQ") == 0)
		return v == a->value;
	if (strcmp(a->op, "SCMP_CMP_LT") == 0)
		return v < a->value;
	if (strcmp(a->op, "SCMP_CMP_LE") == 0)
		return v <= a->value;
	if (strcmp(a->op, "SCMP_CMP_GT") == 0)
		return v > a->value;
	if (strcmp(a->op, "SCMP_CMP_GE") == 0)
		return v >= a->value;
	ck_assert_str_eq(a->op, "SCMP_CMP_MASKED_EQ");
	return (v & a->value) == a->value_two;
}

/*
 * What the rules decide for a call: 0 allowed, else the errno returned.  The profile never
 * gives one syscall rules with different actions, so the first matching rule decides.
 */
static int verdict(const bc_seccomp_t *s, const char *name, const uint64_t args[6])
{
	for (size_t i = 0; i < s->n_syscalls; i++) {
		const bc_seccomp_syscall_t *r = &s->syscalls[i];
		bool match = strv_has(r->names, name);

		for (size_t k = 0; match && k < r->n_args; k++)
			match = arg_matches(&r->args[k], args);
		if (!match)
			continue;
		if (strcmp(r->action, "SCMP_ACT_ALLOW") == 0)
			return 0;
		ck_assert_str_eq(r->action, "SCMP_ACT_ERRNO");
		return r->has_errno_ret ? (int)r->errno_ret : EPERM;
	}
	return (int)s->default_errno_ret;
}

static int verdict1(const bc_seccomp_t *s, const char *name, unsigned idx, uint64_t value)
{
	uint64_t args[6] = {0};

	args[idx] = value;
	return verdict(s, name, args);
}

/* ------------------------------------------------------------------ the config */

START_TEST(test_default_round_trip)
{
	bool rootless = _i != 0;
	cleanup_free char *text = bc_spec_default_json(rootless);
	cleanup_spec bc_spec_t *a = parse_text(text);
	cleanup_error bc_error_t *err = NULL;
	cleanup_free char *again = bc_spec_to_json(a, &err);
	cleanup_spec bc_spec_t *b = NULL;

	ck_assert_ptr_nonnull(again);
	b = parse_text(again);
	ck_assert(bc_spec_equal(a, b));
	ck_assert_str_eq(text, again);
	ck_assert_ptr_nonnull(a->linux_->seccomp);
	ck_assert_ptr_nonnull(strstr(text, "\"defaultErrnoRet\": 1"));
	ck_assert_ptr_nonnull(strstr(text, "\"op\": \"SCMP_CMP_MASKED_EQ\""));
}
END_TEST

START_TEST(test_rootless_same_profile)
{
	cleanup_spec bc_spec_t *root = default_spec(false);
	cleanup_spec bc_spec_t *rootless = default_spec(true);
	cleanup_spec bc_spec_t *a = wrap(steal_ptr(root->linux_->seccomp));
	cleanup_spec bc_spec_t *b = wrap(steal_ptr(rootless->linux_->seccomp));

	ck_assert_ptr_nonnull(a->linux_->seccomp);
	ck_assert(bc_spec_equal(a, b));
}
END_TEST

START_TEST(test_default_action_and_arches)
{
	cleanup_spec bc_spec_t *spec = default_spec(false);
	const bc_seccomp_t *s = spec->linux_->seccomp;
	char **arch = s->architectures;

	ck_assert_str_eq(s->default_action, "SCMP_ACT_ERRNO");
	ck_assert(s->has_default_errno_ret);
	ck_assert_uint_eq(s->default_errno_ret, EPERM);
	ck_assert_ptr_null(s->flags);
	ck_assert_ptr_null(s->listener_path);
#if defined(__x86_64__)
	ck_assert_uint_eq(bc_strv_len(arch), 3);
	ck_assert_str_eq(arch[0], "SCMP_ARCH_X86_64");
	ck_assert_str_eq(arch[1], "SCMP_ARCH_X86");
	ck_assert_str_eq(arch[2], "SCMP_ARCH_X32");
#elif defined(__aarch64__)
	ck_assert_uint_eq(bc_strv_len(arch), 2);
	ck_assert_str_eq(arch[0], "SCMP_ARCH_AARCH64");
	ck_assert_str_eq(arch[1], "SCMP_ARCH_ARM");
#else
	(void)arch;
#endif
}
END_TEST

/* One ALLOW list, sorted without repeats, then the eight argument/errno rules. */
START_TEST(test_rule_layout)
{
	cleanup_spec bc_spec_t *spec = default_spec(false);
	const bc_seccomp_t *s = spec->linux_->seccomp;
	char **names = allow_rule(s)->names;

	ck_assert_uint_eq(s->n_syscalls, 9);
	ck_assert_ptr_eq(allow_rule(s), &s->syscalls[0]);
	for (size_t i = 1; names[i]; i++)
		ck_assert_msg(strcmp(names[i - 1], names[i]) < 0, "%s then %s", names[i - 1],
			      names[i]);
#if defined(__x86_64__)
	/* 363 common names, arch_prctl and modify_ldt, and chroot for CAP_SYS_CHROOT. */
	ck_assert_uint_eq(bc_strv_len(names), 366);
#endif
	for (size_t i = 1; i < s->n_syscalls; i++) {
		ck_assert_uint_eq(bc_strv_len(s->syscalls[i].names), 1);
		ck_assert(!allowed_outright(s, s->syscalls[i].names[0]));
	}
}
END_TEST

static const char *const must_allow[] = {
    /* what a shell, glibc and a threaded program use */
    "read", "write", "openat", "close", "execve", "exit_group", "futex", "mmap", "munmap",
    "mprotect", "brk", "rt_sigaction", "rt_sigprocmask", "rt_sigreturn", "fork", "wait4", "getpid",
    "set_tid_address", "set_robust_list", "rseq", "prlimit64", "newfstatat", "statx", "getdents64",
    "fcntl", "ioctl", "pipe2", "dup3", "epoll_pwait", "connect", "accept4", "sendmsg", "recvmsg",
    "setuid", "setgroups", "capset", "prctl", "getrandom", "clock_nanosleep", "membarrier",
    "close_range", "faccessat2", "name_to_handle_at",
#if defined(__x86_64__)
    "arch_prctl", "modify_ldt",
#endif
    /* conditional in Docker's table, granted here: CAP_SYS_CHROOT, Linux >= 4.8 */
    "chroot", "ptrace"};

START_TEST(test_must_allow)
{
	cleanup_spec bc_spec_t *spec = default_spec(false);
	const bc_seccomp_t *s = spec->linux_->seccomp;
	uint64_t args[6] = {0};

	ck_assert_msg(allowed_outright(s, must_allow[_i]), "%s not allowed", must_allow[_i]);
	ck_assert_int_eq(verdict(s, must_allow[_i], args), 0);
}
END_TEST

static const char *const must_deny[] = {
    /* host-wide or kernel-extending, or for capabilities the config lacks */
    "kexec_load", "kexec_file_load", "init_module", "finit_module", "delete_module", "mount",
    "umount2", "umount", "pivot_root", "reboot", "swapon", "swapoff", "bpf", "open_by_handle_at",
    "keyctl", "add_key", "request_key", "unshare", "setns", "clock_settime", "settimeofday",
    "stime", "acct", "quotactl", "lookup_dcookie", "perf_event_open", "userfaultfd", "vm86",
    "vm86old", "nfsservctl", "io_uring_setup", "io_uring_enter", "io_uring_register", "fsopen",
    "move_mount", "open_tree", "sethostname", "syslog", "iopl", "ioperm", "vhangup", "mbind",
    "set_mempolicy", "kcmp", "pidfd_getfd", "process_madvise", "lsm_set_self_attr",
    /* obsolete */
    "uselib", "sysfs", "ustat", "_sysctl", "create_module", "get_kernel_syms", "query_module"};

START_TEST(test_must_deny)
{
	cleanup_spec bc_spec_t *spec = default_spec(false);
	const bc_seccomp_t *s = spec->linux_->seccomp;
	uint64_t args[6] = {0};

	ck_assert_msg(rules_naming(s, must_deny[_i]) == 0, "%s has a rule", must_deny[_i]);
	ck_assert_int_eq(verdict(s, must_deny[_i], args), EPERM);
}
END_TEST

START_TEST(test_personality)
{
	cleanup_spec bc_spec_t *spec = default_spec(false);
	const bc_seccomp_t *s = spec->linux_->seccomp;
	static const uint64_t ok[] = {0x0, 0x8, 0x20000, 0x20008, 0xffffffff};
	static const uint64_t bad[] = {
	    ADDR_NO_RANDOMIZE, READ_IMPLIES_EXEC, PER_BSD, PER_LINUX32 | ADDR_NO_RANDOMIZE, 0x1,
	    0xfffffffe,	       0x1ffffffffULL};

	ck_assert_uint_eq(rules_naming(s, "personality"), BC_ARRAY_SIZE(ok));
	for (size_t i = 1; i < s->n_syscalls; i++) {
		const bc_seccomp_syscall_t *r = &s->syscalls[i];

		if (strcmp(r->names[0], "personality") != 0)
			continue;
		ck_assert_str_eq(r->action, "SCMP_ACT_ALLOW");
		ck_assert_uint_eq(r->n_args, 1);
		ck_assert_uint_eq(r->args[0].index, 0);
		ck_assert_str_eq(r->args[0].op, "SCMP_CMP_EQ");
	}
	for (size_t i = 0; i < BC_ARRAY_SIZE(ok); i++)
		ck_assert_int_eq(verdict1(s, "personality", 0, ok[i]), 0);
	for (size_t i = 0; i < BC_ARRAY_SIZE(bad); i++)
		ck_assert_int_eq(verdict1(s, "personality", 0, bad[i]), EPERM);
}
END_TEST

START_TEST(test_clone)
{
	cleanup_spec bc_spec_t *spec = default_spec(false);
	const bc_seccomp_t *s = spec->linux_->seccomp;
	static const uint64_t ns[] = {CLONE_NEWNS,  CLONE_NEWUTS, CLONE_NEWIPC,	  CLONE_NEWUSER,
				      CLONE_NEWPID, CLONE_NEWNET, CLONE_NEWCGROUP};
	const uint64_t thread = CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD |
				CLONE_SYSVSEM | CLONE_SETTLS | CLONE_PARENT_SETTID |
				CLONE_CHILD_CLEARTID;
	const bc_seccomp_syscall_t *r = &s->syscalls[7];

	ck_assert_str_eq(r->names[0], "clone");
	ck_assert_str_eq(r->action, "SCMP_ACT_ALLOW");
	ck_assert_uint_eq(r->n_args, 1);
	ck_assert_uint_eq(r->args[0].index, CLONE_FLAGS_ARG);
	ck_assert_str_eq(r->args[0].op, "SCMP_CMP_MASKED_EQ");
	ck_assert_uint_eq(r->args[0].value, NS_MASK);
	ck_assert_uint_eq(NS_MASK, 0x7E020000);
	ck_assert_uint_eq(r->args[0].value_two, 0);
	ck_assert_int_eq(verdict1(s, "clone", CLONE_FLAGS_ARG, SIGCHLD), 0);
	ck_assert_int_eq(verdict1(s, "clone", CLONE_FLAGS_ARG, thread), 0);
	ck_assert_int_eq(verdict1(s, "clone", CLONE_FLAGS_ARG, CLONE_VFORK | CLONE_VM | SIGCHLD),
			 0);
	for (size_t i = 0; i < BC_ARRAY_SIZE(ns); i++) {
		ck_assert_int_eq(verdict1(s, "clone", CLONE_FLAGS_ARG, ns[i] | SIGCHLD), EPERM);
		ck_assert_int_eq(verdict1(s, "clone", CLONE_FLAGS_ARG, ns[i] | thread), EPERM);
	}
	ck_assert_uint_eq(rules_naming(s, "clone3"), 1);
	ck_assert_str_eq(s->syscalls[8].names[0], "clone3");
	ck_assert_str_eq(s->syscalls[8].action, "SCMP_ACT_ERRNO");
	ck_assert(s->syscalls[8].has_errno_ret);
	ck_assert_int_eq(verdict1(s, "clone3", 0, 0), ENOSYS);
}
END_TEST

START_TEST(test_socket)
{
	cleanup_spec bc_spec_t *spec = default_spec(false);
	const bc_seccomp_t *s = spec->linux_->seccomp;
	static const int ok[] = {AF_UNIX, AF_INET, AF_INET6, AF_NETLINK, AF_PACKET};

	ck_assert_uint_eq(rules_naming(s, "socket"), 1);
	for (size_t i = 0; i < BC_ARRAY_SIZE(ok); i++)
		ck_assert_int_eq(verdict1(s, "socket", 0, (uint64_t)ok[i]), 0);
	ck_assert_int_eq(verdict1(s, "socket", 0, AF_VSOCK), EPERM);
	ck_assert_int_eq(verdict1(s, "socketpair", 0, AF_VSOCK), 0);
}
END_TEST

/* The same table resolved for other capability sets, as Docker resolves it. */
START_TEST(test_capability_gating)
{
	cleanup_spec bc_spec_t *none = profile_for(NULL);
	cleanup_spec bc_spec_t *admin = profile_for((const char *const[]){"CAP_SYS_ADMIN", NULL});
	cleanup_spec bc_spec_t *trace =
	    profile_for((const char *const[]){"CAP_SYS_PTRACE", "CAP_SYS_TIME", NULL});
	const bc_seccomp_t *a = admin->linux_->seccomp, *t = trace->linux_->seccomp;

	ck_assert(!allowed_outright(none->linux_->seccomp, "chroot"));
	ck_assert_uint_eq(none->linux_->seccomp->n_syscalls, 9);
	/* CAP_SYS_ADMIN: namespaces and mounts allowed, the clone/clone3 rules gone. */
	ck_assert_uint_eq(a->n_syscalls, 7);
	ck_assert(allowed_outright(a, "clone") && allowed_outright(a, "clone3"));
	ck_assert(allowed_outright(a, "mount") && allowed_outright(a, "unshare"));
	ck_assert(allowed_outright(a, "lsm_get_self_attr") && allowed_outright(a, "syslog"));
	ck_assert_uint_eq(rules_naming(a, "clone"), 1);
	ck_assert_uint_eq(rules_naming(a, "clone3"), 1);
	ck_assert_int_eq(verdict1(a, "clone", 0, CLONE_NEWUSER), 0);
	ck_assert(!allowed_outright(a, "chroot") && !allowed_outright(a, "reboot"));
	/* Names in two groups (ptrace: common and CAP_SYS_PTRACE) appear once. */
	ck_assert_uint_eq(rules_naming(t, "ptrace"), 1);
	ck_assert(allowed_outright(t, "kcmp") && allowed_outright(t, "pidfd_getfd"));
	ck_assert(allowed_outright(t, "clock_settime") && allowed_outright(t, "settimeofday"));
	ck_assert(!allowed_outright(t, "mount"));
}
END_TEST

/* `barco spec` resolves the table for the capabilities its config grants. */
START_TEST(test_default_uses_config_caps)
{
	cleanup_spec bc_spec_t *spec = default_spec(false);
	cleanup_spec bc_spec_t *from_config = wrap(steal_ptr(spec->linux_->seccomp));
	cleanup_spec bc_spec_t *mine = profile_for(default_caps);
	cleanup_spec bc_spec_t *check = default_spec(false);

	ck_assert(bc_spec_equal(from_config, mine));
	for (size_t i = 0; default_caps[i]; i++)
		ck_assert(strv_has(check->process->capabilities->bounding, default_caps[i]));
	ck_assert_uint_eq(bc_strv_len(check->process->capabilities->bounding),
			  BC_ARRAY_SIZE(default_caps) - 1);
}
END_TEST

/* ------------------------------------------------------------------ libseccomp */

/* Names newer than some libseccomp releases (2.5.4 knows none of these): runtimes skip
 * unknown names, so they stay in the profile for the libseccomp that knows them. */
static const char *const newer_than_libseccomp[] = {
    /* Linux 6.5 to 6.13 */
    "cachestat", "fchmodat2", "map_shadow_stack", "futex_wake", "futex_wait", "futex_requeue",
    "listmount", "statmount", "lsm_get_self_attr", "lsm_list_modules", "lsm_set_self_attr", "mseal",
    "uretprobe", "getxattrat", "setxattrat", "listxattrat", "removexattrat",
    /* riscv only */
    "riscv_hwprobe", NULL};

START_TEST(test_names_known_to_libseccomp)
{
	cleanup_spec bc_spec_t *all = profile_for(gating_caps);
	const bc_seccomp_t *s = all->linux_->seccomp;
	char **names = allow_rule(s)->names;
	char unknown[2048] = "";
	size_t n_unknown = 0;

	for (size_t i = 0; names[i]; i++) {
		if (seccomp_syscall_resolve_name(names[i]) != __NR_SCMP_ERROR)
			continue;
		ck_assert_msg(strv_has((char *const *)newer_than_libseccomp, names[i]),
			      "%s: unknown to libseccomp and not a known new syscall", names[i]);
		n_unknown++;
		strncat(unknown, " ", sizeof(unknown) - strlen(unknown) - 1);
		strncat(unknown, names[i], sizeof(unknown) - strlen(unknown) - 1);
	}
	for (size_t i = 1; i < s->n_syscalls; i++)
		ck_assert_int_ne(seccomp_syscall_resolve_name(s->syscalls[i].names[0]),
				 __NR_SCMP_ERROR);
	for (size_t i = 0; i < BC_ARRAY_SIZE(must_allow); i++)
		ck_assert_int_ge(seccomp_syscall_resolve_name(must_allow[i]), 0);
	printf("profile: %zu names, %zu unknown to libseccomp %u.%u.%u:%s\n", bc_strv_len(names),
	       n_unknown, seccomp_version()->major, seccomp_version()->minor,
	       seccomp_version()->micro, unknown);
}
END_TEST

static uint32_t arch_token(const char *scmp_arch)
{
	char lower[32];
	size_t i = 0;

	for (const char *c = scmp_arch + strlen("SCMP_ARCH_"); *c && i + 1 < sizeof(lower); c++)
		lower[i++] = (char)(*c >= 'A' && *c <= 'Z' ? *c - 'A' + 'a' : *c);
	lower[i] = '\0';
	return seccomp_arch_resolve_name(lower);
}

static enum scmp_compare op_of(const char *op)
{
	static const char *const ops[] = {"SCMP_CMP_NE",       "SCMP_CMP_LT", "SCMP_CMP_LE",
					  "SCMP_CMP_EQ",       "SCMP_CMP_GE", "SCMP_CMP_GT",
					  "SCMP_CMP_MASKED_EQ"};
	static const enum scmp_compare cmp[] = {SCMP_CMP_NE,	   SCMP_CMP_LT, SCMP_CMP_LE,
						SCMP_CMP_EQ,	   SCMP_CMP_GE, SCMP_CMP_GT,
						SCMP_CMP_MASKED_EQ};

	for (size_t i = 0; i < BC_ARRAY_SIZE(ops); i++)
		if (strcmp(op, ops[i]) == 0)
			return cmp[i];
	return _SCMP_CMP_MIN;
}

static int add_rule(scmp_filter_ctx ctx, const bc_seccomp_syscall_t *r, const char *name)
{
	struct scmp_arg_cmp cmp[6];
	uint32_t act = strcmp(r->action, "SCMP_ACT_ALLOW") == 0 ? SCMP_ACT_ALLOW
								: SCMP_ACT_ERRNO(r->errno_ret);
	int nr = seccomp_syscall_resolve_name(name);

	if (nr == __NR_SCMP_ERROR)
		return 0; /* skipped, as runtimes do */
	for (size_t k = 0; k < r->n_args; k++)
		cmp[k] = (struct scmp_arg_cmp){r->args[k].index, op_of(r->args[k].op),
					       r->args[k].value, r->args[k].value_two};
	return seccomp_rule_add_array(ctx, act, nr, (unsigned int)r->n_args, cmp);
}

/* A test-only loader (barco's own is src/seccomp_filter.c): 0, or a message in msg. */
static int load_profile(const bc_seccomp_t *s, char *msg, size_t len)
{
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ERRNO(s->default_errno_ret));
	int rc = 0;

	for (char **a = s->architectures; ctx && a && *a && rc == 0; a++) {
		rc = seccomp_arch_add(ctx, arch_token(*a));
		rc = rc == -EEXIST ? 0 : rc;
		if (rc < 0)
			snprintf(msg, len, "arch %s: %s", *a, strerror(-rc));
	}
	for (size_t i = 0; ctx && rc == 0 && i < s->n_syscalls; i++)
		for (char **n = s->syscalls[i].names; rc == 0 && *n; n++)
			if ((rc = add_rule(ctx, &s->syscalls[i], *n)) < 0)
				snprintf(msg, len, "rule %s: %s", *n, strerror(-rc));
	if (ctx && rc == 0 && (rc = seccomp_load(ctx)) < 0)
		snprintf(msg, len, "seccomp_load: %s", strerror(-rc));
	if (ctx == NULL)
		snprintf(msg, len, "seccomp_init failed");
	seccomp_release(ctx);
	return ctx && rc == 0 ? 0 : -1;
}

/* One probe: the call's result and errno against the expectation, reported into buf. */
static void probe(char *buf, size_t len, const char *what, long ret, int e, int want_errno)
{
	bool ok = want_errno == 0 ? ret >= 0 : ret == -1 && e == want_errno;

	if (!ok)
		snprintf(buf + strlen(buf), len - strlen(buf),
			 "%s: returned %ld errno %d, want %d; ", what, ret, ret == -1 ? e : 0,
			 want_errno);
}

#define PROBE(call, want)                                                                          \
	do {                                                                                       \
		errno = 0;                                                                         \
		long r_ = (long)(call);                                                            \
		int e_ = errno;                                                                    \
		if (r_ == 0 && getpid() != self)                                                   \
			_exit(0); /* a clone the filter should have refused */                     \
		probe(buf, sizeof(buf), #call, r_, e_, want);                                      \
	} while (0)

#define MISSING "/nonexistent-barco-profile-test"

/* Every probe fails harmlessly without the filter (bad path, bad argument) with another
 * errno than the filter's, so a filter that lets it through shows up. */
static void child_probes(int fd, const bc_seccomp_t *s)
{
	char buf[4096] = "";
	pid_t self = getpid(), kid;
	int status;

	if (load_profile(s, buf, sizeof(buf)) == 0) {
		PROBE(syscall(SYS_personality, 0xffffffffUL), 0);
		PROBE(syscall(SYS_personality, (unsigned long)ADDR_NO_RANDOMIZE), EPERM);
		PROBE(socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0), 0);
		PROBE(socket(AF_VSOCK, SOCK_STREAM | SOCK_CLOEXEC, 0), EPERM);
		PROBE(syscall(SYS_clone3, NULL, 0), ENOSYS);
		PROBE(syscall(SYS_clone, CLONE_NEWUTS | SIGCHLD, 0, 0, 0, 0), EPERM);
		PROBE(syscall(SYS_unshare, CLONE_NEWUTS), EPERM);
		PROBE(syscall(SYS_setns, -1, 0), EPERM);
		PROBE(mount("none", MISSING, "tmpfs", 0, NULL), EPERM);
		PROBE(umount2(MISSING, 0), EPERM);
		PROBE(syscall(SYS_pivot_root, MISSING, MISSING), EPERM);
		PROBE(syscall(SYS_keyctl, 0, -1L, 0), EPERM);
		PROBE(syscall(SYS_bpf, -1, NULL, 0), EPERM);
		PROBE(syscall(SYS_clock_settime, -1, NULL), EPERM);
		PROBE(syscall(SYS_userfaultfd, -1), EPERM);
		PROBE(syscall(SYS_perf_event_open, NULL, 0, -1, -1, 0), EPERM);
		PROBE(syscall(SYS_open_by_handle_at, -1, NULL, 0), EPERM);
		PROBE(chroot(MISSING), ENOENT); /* CAP_SYS_CHROOT: reaches the kernel */
		kid = fork(); /* glibc's fork is clone(SIGCHLD|...), which the mask allows */
		if (kid == 0)
			_exit(7);
		PROBE(kid, 0);
		PROBE(waitpid(kid, &status, 0), 0);
		if (kid > 0 && !(WIFEXITED(status) && WEXITSTATUS(status) == 7))
			strcat(buf, "forked child lost; ");
	}
	if (bc_write_all(fd, buf, strlen(buf)) < 0)
		_exit(2);
	_exit(buf[0] ? 1 : 0);
}

START_TEST(test_filter_in_kernel)
{
	cleanup_spec bc_spec_t *spec = default_spec(false);
	cleanup_free char *report = NULL;
	size_t len = 0;
	int fds[2], status;
	pid_t pid;

	ck_assert_int_eq(pipe2(fds, O_CLOEXEC), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		close(fds[0]);
		child_probes(fds[1], spec->linux_->seccomp);
	}
	close(fds[1]);
	ck_assert_int_eq(bc_read_all(fds[0], 1 << 16, &report, &len), 0);
	close(fds[0]);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_msg(len == 0, "in the filtered child: %s", report);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}
END_TEST

/* ------------------------------------------------------------------ runner */

static Suite *profile_suite(void)
{
	Suite *s = suite_create("profile");
	TCase *tc = tcase_create("profile");

	tcase_set_timeout(tc, 30);
	tcase_add_loop_test(tc, test_default_round_trip, 0, 2);
	tcase_add_test(tc, test_rootless_same_profile);
	tcase_add_test(tc, test_default_action_and_arches);
	tcase_add_test(tc, test_rule_layout);
	tcase_add_loop_test(tc, test_must_allow, 0, (int)BC_ARRAY_SIZE(must_allow));
	tcase_add_loop_test(tc, test_must_deny, 0, (int)BC_ARRAY_SIZE(must_deny));
	tcase_add_test(tc, test_personality);
	tcase_add_test(tc, test_clone);
	tcase_add_test(tc, test_socket);
	tcase_add_test(tc, test_capability_gating);
	tcase_add_test(tc, test_default_uses_config_caps);
	tcase_add_test(tc, test_names_known_to_libseccomp);
	tcase_add_test(tc, test_filter_in_kernel);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(profile_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
