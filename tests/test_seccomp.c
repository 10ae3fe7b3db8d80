/* SPDX-License-Identifier: MIT */
/*
 * seccomp_filter: compile errors, name handling, architectures, and the real thing: a forked
 * child loads the filter and makes the syscalls, the parent checks errno, signals and the
 * notify fd.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "barco/seccomp_filter.h"
#include "barco/state_json.h"
#include "barco/util.h"

static char *n_mkdir[] = {"mkdir", "mkdirat", NULL};
static char *n_umask[] = {"umask", NULL};
static char *n_getprio[] = {"getpriority", NULL};
static char *n_getppid[] = {"getppid", NULL};
static char *n_uname[] = {"uname", NULL};
static char *n_sendmsg[] = {"sendmsg", NULL};
static char *n_unknown[] = {"no_such_syscall", "another_fake_one", NULL};
static char *n_mixed[] = {"no_such_syscall", "umask", NULL};

static bc_seccomp_t profile(const char *def, bc_seccomp_syscall_t *rules, size_t n)
{
	return (bc_seccomp_t){.default_action = (char *)def, .syscalls = rules, .n_syscalls = n};
}

static bc_seccomp_syscall_t rule(const char *action, char **names, bool has_errno, uint32_t e)
{
	return (bc_seccomp_syscall_t){
	    .names = names, .action = (char *)action, .has_errno_ret = has_errno, .errno_ret = e};
}

/* Compile must fail; the message must contain want. */
static void compile_fails(const bc_seccomp_t *s, const char *want)
{
	bc_seccomp_prog_t *p = (bc_seccomp_prog_t *)0x1;
	bc_error_t *err = NULL;

	ck_assert_int_eq(seccomp_filter_compile(s, &p, &err), -1);
	ck_assert_ptr_null(p);
	ck_assert_ptr_nonnull(err);
	if (strstr(err->msg, want) == NULL)
		ck_abort_msg("message \"%s\" lacks \"%s\"", err->msg, want);
	bc_error_free(err);
}

static bc_seccomp_prog_t *compile_ok(const bc_seccomp_t *s)
{
	bc_seccomp_prog_t *p = NULL;
	bc_error_t *err = NULL;

	if (seccomp_filter_compile(s, &p, &err) < 0)
		ck_abort_msg("compile failed: %s", err->msg);
	ck_assert_ptr_nonnull(p);
	return p;
}

static size_t insns_of(const bc_seccomp_t *s)
{
	bc_seccomp_prog_t *p = compile_ok(s);
	size_t n = seccomp_filter_instructions(p);

	seccomp_filter_free(p);
	return n;
}

/* ---- the child side: load, run fn, exit with its result ---- */

typedef int (*child_fn)(void);

/* Exit codes of the child: 0 = all as expected; 90+ = the filter did not load. */
static int run_child(const bc_seccomp_t *s, child_fn fn)
{
	bc_seccomp_prog_t *p = compile_ok(s);
	pid_t pid = fork();
	int status;

	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		bc_error_t *err = NULL;
		int nfd;

		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
			_exit(90);
		if (seccomp_filter_load(p, &nfd, &err) < 0)
			_exit(91);
		_exit(fn());
	}
	seccomp_filter_free(p);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	return status;
}

static int exit_code(int status)
{
	if (WIFSIGNALED(status))
		ck_abort_msg("child killed by signal %d", WTERMSIG(status));
	ck_assert(WIFEXITED(status));
	return WEXITSTATUS(status);
}

static long raw_umask(unsigned long mask)
{
	return syscall(SYS_umask, mask);
}

/* 0 when the syscall failed with errno e, 1 when it succeeded, 2 for another error. */
static int outcome(long r, int e)
{
	if (r >= 0)
		return 1;
	return errno == e ? 0 : 2;
}

static int child_mkdir_enosys(void)
{
	char dir[] = "/tmp/barco-seccomp-test-XXXXXX";

	if (mkdir(dir, 0700) == 0) {
		rmdir(dir);
		return 10; /* not filtered */
	}
	if (errno != ENOSYS)
		return 11;
	if (syscall(SYS_getpid) != getpid())
		return 12;
	return 0;
}

START_TEST(test_errno_ret)
{
	bc_seccomp_syscall_t r[] = {rule("SCMP_ACT_ERRNO", n_mkdir, true, ENOSYS)};
	bc_seccomp_t s = profile("SCMP_ACT_ALLOW", r, 1);

	ck_assert_int_eq(exit_code(run_child(&s, child_mkdir_enosys)), 0);
}
END_TEST

static int child_umask_eperm(void)
{
	return outcome(raw_umask(022), EPERM) == 0 ? 0 : 10;
}

START_TEST(test_errno_default_eperm)
{
	bc_seccomp_syscall_t r[] = {rule("SCMP_ACT_ERRNO", n_umask, false, 0)};
	bc_seccomp_t s = profile("SCMP_ACT_ALLOW", r, 1);

	ck_assert_int_eq(exit_code(run_child(&s, child_umask_eperm)), 0);
}
END_TEST

/* defaultAction ERRNO with defaultErrnoRet, everything the child needs allowed. */
static char *n_needed[] = {"umask",	   "exit_group", "exit",   "getpid", "write",
			   "rt_sigreturn", "brk",	 "munmap", "mmap",   NULL};

static int child_default_errno(void)
{
	if (raw_umask(022) < 0)
		return 10;
	if (syscall(SYS_getppid) != -1 || errno != 42)
		return 11;
	return 0;
}

START_TEST(test_default_errno_ret)
{
	bc_seccomp_syscall_t r[] = {rule("SCMP_ACT_ALLOW", n_needed, false, 0)};
	bc_seccomp_t s = profile("SCMP_ACT_ERRNO", r, 1);

	s.has_default_errno_ret = true;
	s.default_errno_ret = 42;
	ck_assert_int_eq(exit_code(run_child(&s, child_default_errno)), 0);
}
END_TEST

/* Above exit_group (231), the highest syscall the profile names: -ENOSYS, as from a kernel
 * that lacks them; below it, the default action. */
static int child_enosys_stub(void)
{
	if (syscall(SYS_getppid) != -1 || errno != EPERM)
		return 10;
	if (syscall(SYS_pidfd_open, getpid(), 0) != -1 || errno != ENOSYS)
		return 11;
	if (syscall(1000) != -1 || errno != ENOSYS)
		return 12;
	if (raw_umask(022) < 0)
		return 13;
	return 0;
}

START_TEST(test_enosys_above_newest)
{
	bc_seccomp_syscall_t r[] = {rule("SCMP_ACT_ALLOW", n_needed, false, 0)};
	bc_seccomp_t s = profile("SCMP_ACT_ERRNO", r, 1);
	bc_seccomp_t allow = profile("SCMP_ACT_ALLOW", r, 0);

	ck_assert_int_eq(exit_code(run_child(&s, child_enosys_stub)), 0);
	/* Not with an allowing default: nothing to add, the program is libseccomp's alone. */
	ck_assert_uint_lt(insns_of(&allow), insns_of(&s));
}
END_TEST

static int child_getppid(void)
{
	syscall(SYS_getppid);
	return 0;
}

START_TEST(test_kill_actions)
{
	static const char *const kills[] = {"SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL",
					    "SCMP_ACT_KILL_THREAD"};

	for (size_t i = 0; i < BC_ARRAY_SIZE(kills); i++) {
		bc_seccomp_syscall_t r[] = {rule(kills[i], n_getppid, false, 0)};
		bc_seccomp_t s = profile("SCMP_ACT_ALLOW", r, 1);
		int status = run_child(&s, child_getppid);

		ck_assert_msg(WIFSIGNALED(status) && WTERMSIG(status) == SIGSYS, "%s: status 0x%x",
			      kills[i], status);
	}
}
END_TEST

static int child_trap(void)
{
	syscall(SYS_getppid);
	return 20; /* SIGSYS is fatal by default: never reached */
}

START_TEST(test_trap)
{
	bc_seccomp_syscall_t r[] = {rule("SCMP_ACT_TRAP", n_getppid, false, 0)};
	bc_seccomp_t s = profile("SCMP_ACT_ALLOW", r, 1);
	int status = run_child(&s, child_trap);

	ck_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGSYS);
}
END_TEST

/* SCMP_CMP_MASKED_EQ: value is the mask, valueTwo the datum. */
static int child_masked(void)
{
	if (outcome(raw_umask(0025), 77) != 0) /* 025 & 070 == 020 */
		return 10;
	if (outcome(raw_umask(0035), 77) != 1) /* 035 & 070 == 030 */
		return 11;
	if (outcome(raw_umask(0027), 77) != 0)
		return 12;
	return 0;
}

START_TEST(test_masked_eq)
{
	bc_seccomp_arg_t a[] = {
	    {.index = 0, .value = 0070, .value_two = 0020, .op = "SCMP_CMP_MASKED_EQ"}};
	bc_seccomp_syscall_t r[] = {rule("SCMP_ACT_ERRNO", n_umask, true, 77)};
	bc_seccomp_t s = profile("SCMP_ACT_ALLOW", r, 1);

	r[0].args = a;
	r[0].n_args = 1;
	ck_assert_int_eq(exit_code(run_child(&s, child_masked)), 0);
}
END_TEST

/* Two conditions on one index are ORed (runc), the error only for 011 or 022. */
static int child_same_index(void)
{
	if (outcome(raw_umask(0011), 78) != 0 || outcome(raw_umask(0022), 78) != 0)
		return 10;
	if (outcome(raw_umask(0033), 78) != 1)
		return 11;
	return 0;
}

START_TEST(test_same_index_ored)
{
	bc_seccomp_arg_t a[] = {{.index = 0, .value = 0011, .op = "SCMP_CMP_EQ"},
				{.index = 0, .value = 0022, .op = "SCMP_CMP_EQ"}};
	bc_seccomp_syscall_t r[] = {rule("SCMP_ACT_ERRNO", n_umask, true, 78)};
	bc_seccomp_t s = profile("SCMP_ACT_ALLOW", r, 1);

	r[0].args = a;
	r[0].n_args = 2;
	ck_assert_int_eq(exit_code(run_child(&s, child_same_index)), 0);
}
END_TEST

/* Conditions on different indexes are ANDed. */
static int child_and(void)
{
	if (outcome(syscall(SYS_getpriority, PRIO_PROCESS, 0), 79) != 1)
		return 10;
	if (outcome(syscall(SYS_getpriority, PRIO_PGRP, 0), 79) != 1)
		return 11;
	if (outcome(syscall(SYS_getpriority, PRIO_PGRP, 4242), 79) != 0)
		return 12;
	return 0;
}

START_TEST(test_different_index_anded)
{
	bc_seccomp_arg_t a[] = {{.index = 0, .value = PRIO_PGRP, .op = "SCMP_CMP_EQ"},
				{.index = 1, .value = 4000, .op = "SCMP_CMP_GT"}};
	bc_seccomp_syscall_t r[] = {rule("SCMP_ACT_ERRNO", n_getprio, true, 79)};
	bc_seccomp_t s = profile("SCMP_ACT_ALLOW", r, 1);

	r[0].args = a;
	r[0].n_args = 2;
	ck_assert_int_eq(exit_code(run_child(&s, child_and)), 0);
}
END_TEST

static int child_unknown_names(void)
{
	return outcome(raw_umask(022), EPERM) == 0 ? 0 : 10;
}

START_TEST(test_unknown_names_skipped)
{
	bc_seccomp_syscall_t only[] = {rule("SCMP_ACT_ERRNO", n_unknown, false, 0)};
	bc_seccomp_syscall_t mixed[] = {rule("SCMP_ACT_ERRNO", n_mixed, false, 0)};
	bc_seccomp_t empty = profile("SCMP_ACT_ALLOW", NULL, 0);
	bc_seccomp_t s1 = profile("SCMP_ACT_ALLOW", only, 1);
	bc_seccomp_t s2 = profile("SCMP_ACT_ALLOW", mixed, 1);

	ck_assert_uint_eq(insns_of(&s1), insns_of(&empty));
	ck_assert_uint_gt(insns_of(&s2), insns_of(&empty));
	ck_assert_int_eq(exit_code(run_child(&s2, child_unknown_names)), 0);
}
END_TEST

START_TEST(test_same_as_default_skipped)
{
	bc_seccomp_syscall_t allow[] = {rule("SCMP_ACT_ALLOW", n_umask, false, 0)};
	bc_seccomp_syscall_t errno1[] = {rule("SCMP_ACT_ERRNO", n_umask, true, 1)};
	bc_seccomp_syscall_t errno2[] = {rule("SCMP_ACT_ERRNO", n_umask, true, 2)};
	bc_seccomp_t e1 = profile("SCMP_ACT_ERRNO", NULL, 0);
	bc_seccomp_t s1 = profile("SCMP_ACT_ALLOW", allow, 1);
	bc_seccomp_t s2 = profile("SCMP_ACT_ERRNO", errno1, 1);
	bc_seccomp_t s3 = profile("SCMP_ACT_ERRNO", errno2, 1);
	bc_seccomp_t empty = profile("SCMP_ACT_ALLOW", NULL, 0);

	ck_assert_uint_eq(insns_of(&s1), insns_of(&empty));
	/* ERRNO(EPERM) is the default's action exactly; ERRNO(2) is not.  Both name umask, so
	 * both get the same -ENOSYS prologue (e1 names nothing and gets none): s2 is that
	 * prologue plus e1's program, s3 has a rule more. */
	ck_assert_uint_gt(insns_of(&s2), insns_of(&e1));
	ck_assert_uint_gt(insns_of(&s3), insns_of(&s2));
}
END_TEST

/* ---- compile errors ---- */

START_TEST(test_compile_errors)
{
	bc_seccomp_arg_t bad_index[] = {{.index = 6, .value = 1, .op = "SCMP_CMP_EQ"}};
	bc_seccomp_arg_t bad_op[] = {{.index = 0, .value = 1, .op = "SCMP_CMP_XX"}};
	bc_seccomp_syscall_t r[] = {rule("SCMP_ACT_ERRNO", n_umask, false, 0),
				    rule("SCMP_ACT_ERRNO", n_mkdir, false, 0)};
	bc_seccomp_t s = profile("SCMP_ACT_ALLOW", r, 2);
	char *bad_arch[] = {"SCMP_ARCH_X86_64", "X86", NULL};
	char *bad_flag[] = {"SECCOMP_FILTER_FLAG_NOPE", NULL};

	r[1].args = bad_index;
	r[1].n_args = 1;
	compile_fails(&s, "config.json: linux.seccomp.syscalls[1].args[0].index: 6 is out of "
			  "range (0 to 5)");
	r[1].args = bad_op;
	compile_fails(&s, "linux.seccomp.syscalls[1].args[0].op: unknown operator \"SCMP_CMP_XX\"");
	r[1].n_args = 0;
	r[1].has_errno_ret = true;
	r[1].errno_ret = 4095;
	compile_fails(&s, "linux.seccomp.syscalls[1].errnoRet: 4095 is out of range for "
			  "SCMP_ACT_ERRNO (0 to 4094)");
	r[1].action = "SCMP_ACT_TRACE";
	r[1].errno_ret = 70000;
	compile_fails(&s, "errnoRet: 70000 is out of range for SCMP_ACT_TRACE (0 to 65535)");
	r[1].action = "SCMP_ACT_BOGUS";
	compile_fails(&s, "linux.seccomp.syscalls[1]: unknown seccomp action \"SCMP_ACT_BOGUS\"");
	s.n_syscalls = 1;
	s.default_action = "SCMP_ACT_ERRNO";
	s.has_default_errno_ret = true;
	s.default_errno_ret = 5000;
	compile_fails(&s, "linux.seccomp.defaultErrnoRet: 5000 is out of range");
	s.has_default_errno_ret = false;
	s.architectures = bad_arch;
	compile_fails(&s, "linux.seccomp.architectures[1]: unknown architecture \"X86\"");
	s.architectures = NULL;
	s.flags = bad_flag;
	compile_fails(&s, "linux.seccomp.flags[0]: unknown flag \"SECCOMP_FILTER_FLAG_NOPE\"");
}
END_TEST

START_TEST(test_notify_errors)
{
	bc_seccomp_syscall_t r[] = {rule("SCMP_ACT_NOTIFY", n_uname, false, 0)};
	bc_seccomp_syscall_t send[] = {rule("SCMP_ACT_NOTIFY", n_sendmsg, false, 0)};
	bc_seccomp_t s = profile("SCMP_ACT_ALLOW", r, 1);
	bc_seccomp_t s2 = profile("SCMP_ACT_ALLOW", send, 1);
	bc_seccomp_t s3 = profile("SCMP_ACT_NOTIFY", NULL, 0);

	compile_fails(&s, "config.json: linux.seccomp: SCMP_ACT_NOTIFY is used but listenerPath "
			  "is not set");
	s2.listener_path = "/run/agent.sock";
	compile_fails(&s2, "linux.seccomp.syscalls[0]: SCMP_ACT_NOTIFY cannot be used for "
			   "sendmsg");
	compile_fails(&s3, "linux.seccomp.defaultAction: SCMP_ACT_NOTIFY cannot be used as the "
			   "default action");
}
END_TEST

/* ---- architectures ---- */

START_TEST(test_arch_tokens)
{
	static const struct {
		const char *name;
		uint32_t token;
	} known[] = {
	    {"SCMP_ARCH_X86", AUDIT_ARCH_I386},
	    {"SCMP_ARCH_X86_64", AUDIT_ARCH_X86_64},
	    {"SCMP_ARCH_ARM", AUDIT_ARCH_ARM},
	    {"SCMP_ARCH_AARCH64", AUDIT_ARCH_AARCH64},
	    {"SCMP_ARCH_MIPS", AUDIT_ARCH_MIPS},
	    {"SCMP_ARCH_MIPSEL64", AUDIT_ARCH_MIPSEL64},
	    {"SCMP_ARCH_PPC64LE", AUDIT_ARCH_PPC64LE},
	    {"SCMP_ARCH_S390X", AUDIT_ARCH_S390X},
	    {"SCMP_ARCH_PARISC64", AUDIT_ARCH_PARISC64},
	    {"SCMP_ARCH_RISCV64", AUDIT_ARCH_RISCV64},
	};
	uint32_t t;

	for (size_t i = 0; i < BC_ARRAY_SIZE(known); i++) {
		ck_assert_int_eq(seccomp_filter_arch_token(known[i].name, &t), 0);
		ck_assert_msg(t == known[i].token, "%s: 0x%x", known[i].name, t);
	}
	/* x32 shares x86_64's audit arch: libseccomp marks it with its own token. */
	ck_assert_int_eq(seccomp_filter_arch_token("SCMP_ARCH_X32", &t), 0);
	ck_assert_uint_ne(t, 0);
	ck_assert_uint_ne(t, AUDIT_ARCH_X86_64);
	ck_assert_int_eq(seccomp_filter_arch_token("X86_64", &t), -1);
	ck_assert_int_eq(seccomp_filter_arch_token("SCMP_ARCH_", &t), -1);
	ck_assert_int_eq(seccomp_filter_arch_token("SCMP_ARCH_VAX", &t), 0);
	ck_assert_uint_eq(t, 0);
}
END_TEST

START_TEST(test_arches_in_filter)
{
	char *native_only[] = {"SCMP_ARCH_X86_64", NULL};
	char *three[] = {"SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32", NULL};
	/* Unknown to libseccomp 2.5: skipped, not an error. */
	char *newer[] = {"SCMP_ARCH_LOONGARCH64", "SCMP_ARCH_M68K", "SCMP_ARCH_SH", NULL};
	bc_seccomp_syscall_t r[] = {rule("SCMP_ACT_ERRNO", n_umask, false, 0)};
	bc_seccomp_t none = profile("SCMP_ACT_ALLOW", r, 1);
	bc_seccomp_t s = none;
	uint32_t t;

	seccomp_filter_arch_token("SCMP_ARCH_LOONGARCH64", &t);
	s.architectures = native_only;
#ifdef __x86_64__
	ck_assert_uint_eq(insns_of(&s), insns_of(&none));
	s.architectures = three;
	ck_assert_uint_gt(insns_of(&s), insns_of(&none));
#else
	(void)three;
#endif
	if (t == 0) {
		s.architectures = newer;
		ck_assert_uint_eq(insns_of(&s), insns_of(&none));
	}
}
END_TEST

#ifdef __x86_64__
/* A 32-bit syscall through int 0x80: getpid is 20 on i386. */
static long int80_getpid(void)
{
	long ret;

	__asm__ volatile("int $0x80" : "=a"(ret) : "a"(20L) : "memory");
	return ret;
}

static int child_int80(void)
{
	return int80_getpid() == getpid() ? 0 : 10;
}

static void *thread_int80(void *arg)
{
	*(long *)arg = int80_getpid();
	return NULL;
}

/* From a second thread: only killing the whole process stops the main thread too. */
static int child_int80_thread(void)
{
	long got = 0;
	pthread_t t;

	if (pthread_create(&t, NULL, thread_int80, &got) != 0)
		return 40;
	pthread_join(t, NULL);
	return got == getpid() ? 0 : 30;
}

/* Whether this kernel runs i386 syscalls at all (IA32 emulation may be off). */
static bool have_int80(void)
{
	pid_t pid = fork();
	int status;

	if (pid == 0) {
		/* Without IA32 emulation int 0x80 faults: die of it quietly, whatever a
		 * sanitizer's runtime would say. */
		signal(SIGSEGV, SIG_DFL);
		_exit(child_int80());
	}
	waitpid(pid, &status, 0);
	return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

START_TEST(test_bad_arch_kills_process)
{
	char *native_only[] = {"SCMP_ARCH_X86_64", NULL};
	char *with_x86[] = {"SCMP_ARCH_X86_64", "SCMP_ARCH_X86", NULL};
	bc_seccomp_syscall_t r[] = {rule("SCMP_ACT_ERRNO", n_mkdir, false, 0)};
	bc_seccomp_t s = profile("SCMP_ACT_ALLOW", r, 1);
	int status;

	s.architectures = native_only;
	status = run_child(&s, child_int80_thread);
	ck_assert_msg(WIFSIGNALED(status) && WTERMSIG(status) == SIGSYS, "status 0x%x", status);
	s.architectures = with_x86;
	ck_assert_int_eq(exit_code(run_child(&s, child_int80_thread)), 0);
}
END_TEST
#endif

/* ---- flags and loading ---- */

static int child_umask_ok(void)
{
	return raw_umask(022) >= 0 ? 0 : 10;
}

START_TEST(test_flags_load)
{
	char *flags[] = {"SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_SPEC_ALLOW",
			 "SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV",
			 NULL};
	bc_seccomp_syscall_t r[] = {rule("SCMP_ACT_LOG", n_umask, false, 0)};
	bc_seccomp_t s = profile("SCMP_ACT_ALLOW", r, 1);

	s.flags = flags;
	ck_assert_int_eq(exit_code(run_child(&s, child_umask_ok)), 0);
}
END_TEST

START_TEST(test_load_needs_nnp_or_cap)
{
	bc_seccomp_syscall_t r[] = {rule("SCMP_ACT_ERRNO", n_umask, false, 0)};
	bc_seccomp_t s = profile("SCMP_ACT_ALLOW", r, 1);
	bc_seccomp_prog_t *p = compile_ok(&s);
	pid_t pid = fork();
	int status;

	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		bc_error_t *err = NULL;
		int nfd;

		/* Without no_new_privs and without CAP_SYS_ADMIN. */
		if (getuid() == 0 && setresuid(65534, 65534, 65534) < 0)
			_exit(90);
		if (seccomp_filter_load(p, &nfd, &err) == 0)
			_exit(10);
		if (err->errnum != EACCES || strstr(err->msg, "CAP_SYS_ADMIN") == NULL)
			_exit(11);
		_exit(0);
	}
	seccomp_filter_free(p);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_int_eq(exit_code(status), 0);
}
END_TEST

/* The child loads a NOTIFY filter for uname, forks a grandchild that calls uname, answers
 * the notification with errno 61 through the listener fd, and checks what the grandchild
 * saw.  Also checks that the fd is close-on-exec. */
static int notify_answer(int nfd)
{
	struct seccomp_notif req;
	struct seccomp_notif_resp resp;

	memset(&req, 0, sizeof(req));
	if (ioctl(nfd, SECCOMP_IOCTL_NOTIF_RECV, &req) < 0)
		return 20;
	if (req.data.nr != SYS_uname)
		return 21;
	memset(&resp, 0, sizeof(resp));
	resp.id = req.id;
	resp.error = -61;
	if (ioctl(nfd, SECCOMP_IOCTL_NOTIF_SEND, &resp) < 0)
		return 22;
	return 0;
}

static int notify_child(bc_seccomp_prog_t *p)
{
	bc_error_t *err = NULL;
	struct utsname u;
	int nfd, status, r;
	pid_t pid;

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 || seccomp_filter_load(p, &nfd, &err) < 0)
		return 90;
	if (nfd < 0 || !(fcntl(nfd, F_GETFD) & FD_CLOEXEC))
		return 10;
	pid = fork();
	if (pid == 0)
		_exit(uname(&u) < 0 && errno == 61 ? 0 : 1);
	r = notify_answer(nfd);
	if (waitpid(pid, &status, 0) != pid)
		return 23;
	if (r != 0)
		return r;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : 24;
}

START_TEST(test_notify_fd)
{
	char *flags[] = {"SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV",
			 NULL};
	bc_seccomp_syscall_t r[] = {rule("SCMP_ACT_NOTIFY", n_uname, false, 0)};
	bc_seccomp_t s = profile("SCMP_ACT_ALLOW", r, 1);
	bc_seccomp_prog_t *p;
	pid_t pid;
	int status;

	s.listener_path = "/unused";
	s.flags = flags;
	p = compile_ok(&s);
	ck_assert(seccomp_filter_uses_notify(p));
	ck_assert(seccomp_filter_spec_uses_notify(&s));
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0)
		_exit(notify_child(p));
	seccomp_filter_free(p);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_int_eq(exit_code(status), 0);
}
END_TEST

START_TEST(test_no_notify_fd_without_notify)
{
	bc_seccomp_syscall_t r[] = {rule("SCMP_ACT_ERRNO", n_umask, false, 0)};
	bc_seccomp_t s = profile("SCMP_ACT_ALLOW", r, 1);
	bc_seccomp_prog_t *p = compile_ok(&s);

	ck_assert(!seccomp_filter_uses_notify(p));
	ck_assert(!seccomp_filter_spec_uses_notify(&s));
	seccomp_filter_free(p);
}
END_TEST

/* ---- the listener ---- */

static int recv_with_fd(int sock, char *buf, size_t size, int *fd)
{
	char cbuf[CMSG_SPACE(sizeof(int))] = {0};
	struct iovec iov = {.iov_base = buf, .iov_len = size - 1};
	struct msghdr msg = {
	    .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof(cbuf)};
	struct cmsghdr *c;
	ssize_t n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);

	ck_assert_int_gt(n, 0);
	buf[n] = '\0';
	c = CMSG_FIRSTHDR(&msg);
	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(c->cmsg_type, SCM_RIGHTS);
	memcpy(fd, CMSG_DATA(c), sizeof(int));
	return (int)n;
}

static void same_file(int a, int b)
{
	struct stat sa, sb;

	ck_assert_int_eq(fstat(a, &sa), 0);
	ck_assert_int_eq(fstat(b, &sb), 0);
	ck_assert(sa.st_ino == sb.st_ino && sa.st_dev == sb.st_dev);
}

START_TEST(test_listener_send)
{
	const char *json = "{\"ociVersion\":\"1.3.0\",\"fds\":[\"seccompFd\"]}";
	int sv[2], fd = memfd_create("fake-notify", MFD_CLOEXEC), got = -1;
	bc_error_t *err = NULL;
	char buf[256];

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	ck_assert_int_eq(seccomp_filter_listener_send(sv[0], fd, json, &err), 0);
	close(sv[0]);
	recv_with_fd(sv[1], buf, sizeof(buf), &got);
	ck_assert_str_eq(buf, json);
	same_file(fd, got);
	close(got);
	close(sv[1]);
	close(fd);
}
END_TEST

START_TEST(test_send_listener_path)
{
	char dir[] = "/tmp/barco-seccomp-XXXXXX";
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	bc_seccomp_t s = profile("SCMP_ACT_ALLOW", NULL, 0);
	int lsock, conn, fd = memfd_create("fake-notify", MFD_CLOEXEC), got = -1;
	bc_error_t *err = NULL;
	char buf[256];

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(addr.sun_path, sizeof(addr.sun_path), "%s/agent.sock", dir);
	lsock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ck_assert_int_eq(bind(lsock, (struct sockaddr *)&addr, sizeof(addr)), 0);
	ck_assert_int_eq(listen(lsock, 1), 0);
	s.listener_path = addr.sun_path;
	ck_assert_int_eq(seccomp_filter_send_listener(&s, fd, "{\"pid\":1}", &err), 0);
	conn = accept4(lsock, NULL, NULL, SOCK_CLOEXEC);
	ck_assert_int_ge(conn, 0);
	recv_with_fd(conn, buf, sizeof(buf), &got);
	ck_assert_str_eq(buf, "{\"pid\":1}");
	same_file(fd, got);
	/* One state per connection, then closed: EOF follows. */
	ck_assert_int_eq(read(conn, buf, sizeof(buf)), 0);
	close(got);
	close(conn);
	close(lsock);
	unlink(addr.sun_path);
	rmdir(dir);
	s.listener_path = "/nonexistent/agent.sock";
	ck_assert_int_eq(seccomp_filter_send_listener(&s, fd, "{}", &err), -1);
	ck_assert_str_eq(err->msg, "seccomp: connect to listener /nonexistent/agent.sock: No such "
				   "file or directory");
	bc_error_free(err);
	close(fd);
}
END_TEST

START_TEST(test_process_state_json)
{
	bc_kv_t ann[] = {{.key = "k", .value = "v"}};
	bc_state_t st = {.id = "c1",
			 .status = "creating",
			 .pid = 4422,
			 .bundle = "/b",
			 .annotations = ann,
			 .n_annotations = 1};
	bc_error_t *err = NULL;
	char *json = bc_container_process_state_json(&st, "MKNOD=/dev/null", &err);

	ck_assert_ptr_nonnull(json);
	ck_assert_str_eq(json, "{\"ociVersion\":\"" BC_OCI_VERSION "\",\"fds\":[\"seccompFd\"],"
			       "\"pid\":4422,\"metadata\":\"MKNOD=/dev/null\",\"state\":{"
			       "\"ociVersion\":\"" BC_OCI_VERSION "\",\"id\":\"c1\","
			       "\"status\":\"creating\",\"pid\":4422,\"bundle\":\"/b\","
			       "\"annotations\":{\"k\":\"v\"}}}");
	free(json);
	json = bc_container_process_state_json(&st, NULL, &err);
	ck_assert_ptr_null(strstr(json, "metadata"));
	free(json);
}
END_TEST

static Suite *seccomp_suite(void)
{
	Suite *s = suite_create("seccomp");
	TCase *tc = tcase_create("compile");
	TCase *run = tcase_create("load");

	tcase_add_test(tc, test_compile_errors);
	tcase_add_test(tc, test_notify_errors);
	tcase_add_test(tc, test_arch_tokens);
	tcase_add_test(tc, test_arches_in_filter);
	tcase_add_test(tc, test_unknown_names_skipped);
	tcase_add_test(tc, test_same_as_default_skipped);
	tcase_add_test(tc, test_no_notify_fd_without_notify);
	tcase_add_test(tc, test_listener_send);
	tcase_add_test(tc, test_send_listener_path);
	tcase_add_test(tc, test_process_state_json);
	suite_add_tcase(s, tc);
	tcase_add_test(run, test_errno_ret);
	tcase_add_test(run, test_errno_default_eperm);
#ifndef __SANITIZE_ADDRESS__
	/* Their children may make only the few syscalls of n_needed: the sanitizers' runtime
	 * needs more (its allocator, signal stacks, the leak check), so not in --enable-asan. */
	tcase_add_test(run, test_default_errno_ret);
	tcase_add_test(run, test_enosys_above_newest);
#else
	(void)test_default_errno_ret;
	(void)test_enosys_above_newest;
	fprintf(stderr, "test_default_errno_ret, test_enosys_above_newest: not run in a "
			"sanitizer build\n");
#endif
	tcase_add_test(run, test_kill_actions);
	tcase_add_test(run, test_trap);
	tcase_add_test(run, test_masked_eq);
	tcase_add_test(run, test_same_index_ored);
	tcase_add_test(run, test_different_index_anded);
#ifdef __x86_64__
	/* Only registered where the kernel runs i386 syscalls: a skip must not count as a pass. */
	if (have_int80())
		tcase_add_test(run, test_bad_arch_kills_process);
	else
		fprintf(stderr, "test_bad_arch_kills_process: not run, this kernel has no i386 "
				"syscalls\n");
#endif
	tcase_add_test(run, test_flags_load);
	tcase_add_test(run, test_load_needs_nnp_or_cap);
	tcase_add_test(run, test_notify_fd);
	suite_add_tcase(s, run);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(seccomp_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
