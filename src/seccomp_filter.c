/* SPDX-License-Identifier: MIT */
/*
 * linux.seccomp -> a classic BPF program (libseccomp), loaded later with seccomp(2).
 * See include/barco/seccomp_filter.h for where the init calls what, and why.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#include "barco/log.h"
#include "barco/seccomp_filter.h"
#include "barco/util.h"

/* Older kernel headers lack the newer flags; the values are ABI. */
#ifndef SECCOMP_FILTER_FLAG_NEW_LISTENER
#define SECCOMP_FILTER_FLAG_NEW_LISTENER (1UL << 3)
#endif
#ifndef SECCOMP_FILTER_FLAG_TSYNC_ESRCH
#define SECCOMP_FILTER_FLAG_TSYNC_ESRCH (1UL << 4)
#endif
#ifndef SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV
#define SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV (1UL << 5)
#endif

#define ARG_MAX_INDEX 5	   /* syscalls take six arguments */
#define ERRNO_MAX     4094 /* libseccomp refuses SCMP_ACT_ERRNO(4095) and above */
#define TRACE_MAX     0xffff
#define BPF_MAX_INSNS 4096 /* the kernel's BPF_MAXINSNS */

struct bc_seccomp_prog {
	struct sock_filter *insns;
	size_t n_insns;
	unsigned int flags; /* SECCOMP_FILTER_FLAG_* given to seccomp(2) */
	bool notify;
};

const char *seccomp_filter_lib_version(void)
{
	static char buf[32];
	const struct scmp_version *v = seccomp_version();

	snprintf(buf, sizeof(buf), "%u.%u.%u", v->major, v->minor, v->micro);
	return buf;
}

static void ctx_releasep(scmp_filter_ctx *ctx)
{
	if (*ctx)
		seccomp_release(*ctx);
}
#define cleanup_ctx __attribute__((cleanup(ctx_releasep)))

/* ---- names ---- */

static const struct {
	const char *name;
	uint32_t action;
} plain_actions[] = {
    {"SCMP_ACT_KILL", SCMP_ACT_KILL_THREAD},
    {"SCMP_ACT_KILL_THREAD", SCMP_ACT_KILL_THREAD},
    {"SCMP_ACT_KILL_PROCESS", SCMP_ACT_KILL_PROCESS},
    {"SCMP_ACT_TRAP", SCMP_ACT_TRAP},
    {"SCMP_ACT_ALLOW", SCMP_ACT_ALLOW},
    {"SCMP_ACT_LOG", SCMP_ACT_LOG},
    {"SCMP_ACT_NOTIFY", SCMP_ACT_NOTIFY},
};

/* where: the JSON path of the object holding the action ("linux.seccomp.syscalls[3]"),
 * errno_key: "errnoRet" or "defaultErrnoRet". */
static int filter_action(const char *name, bool has_errno, uint32_t errno_ret, const char *where,
			 const char *errno_key, uint32_t *out, bc_error_t **err)
{
	uint32_t e = has_errno ? errno_ret : EPERM;

	for (size_t i = 0; i < BC_ARRAY_SIZE(plain_actions); i++) {
		if (strcmp(name, plain_actions[i].name) == 0) {
			*out = plain_actions[i].action;
			return 0;
		}
	}
	if (strcmp(name, "SCMP_ACT_ERRNO") == 0) {
		if (e > ERRNO_MAX)
			return bc_error_set(err, 0,
					    "config.json: %s.%s: %u is out of range for "
					    "SCMP_ACT_ERRNO (0 to %d)",
					    where, errno_key, e, ERRNO_MAX);
		*out = SCMP_ACT_ERRNO(e);
		return 0;
	}
	if (strcmp(name, "SCMP_ACT_TRACE") == 0) {
		if (e > TRACE_MAX)
			return bc_error_set(err, 0,
					    "config.json: %s.%s: %u is out of range for "
					    "SCMP_ACT_TRACE (0 to %d)",
					    where, errno_key, e, TRACE_MAX);
		*out = SCMP_ACT_TRACE(e);
		return 0;
	}
	return bc_error_set(err, 0, "config.json: %s: unknown seccomp action \"%s\"", where, name);
}

static const struct {
	const char *name;
	enum scmp_compare op;
} compare_ops[] = {
    {"SCMP_CMP_NE", SCMP_CMP_NE},
    {"SCMP_CMP_LT", SCMP_CMP_LT},
    {"SCMP_CMP_LE", SCMP_CMP_LE},
    {"SCMP_CMP_EQ", SCMP_CMP_EQ},
    {"SCMP_CMP_GE", SCMP_CMP_GE},
    {"SCMP_CMP_GT", SCMP_CMP_GT},
    {"SCMP_CMP_MASKED_EQ", SCMP_CMP_MASKED_EQ},
};

static const struct {
	const char *name;
	unsigned int flag;
} filter_flags[] = {
    {"SECCOMP_FILTER_FLAG_TSYNC", SECCOMP_FILTER_FLAG_TSYNC},
    {"SECCOMP_FILTER_FLAG_LOG", SECCOMP_FILTER_FLAG_LOG},
    {"SECCOMP_FILTER_FLAG_SPEC_ALLOW", SECCOMP_FILTER_FLAG_SPEC_ALLOW},
    {"SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV", SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV},
};

/* The action names filter_action takes, the plain ones first. */
const char *seccomp_filter_action_name(size_t i)
{
	if (i < BC_ARRAY_SIZE(plain_actions))
		return plain_actions[i].name;
	i -= BC_ARRAY_SIZE(plain_actions);
	return i == 0 ? "SCMP_ACT_ERRNO" : i == 1 ? "SCMP_ACT_TRACE" : NULL;
}

const char *seccomp_filter_operator_name(size_t i)
{
	return i < BC_ARRAY_SIZE(compare_ops) ? compare_ops[i].name : NULL;
}

const char *seccomp_filter_flag_name(size_t i)
{
	return i < BC_ARRAY_SIZE(filter_flags) ? filter_flags[i].name : NULL;
}

/* Every architecture name of the runtime-spec (defs-linux.json SeccompArch). */
static const char *const spec_arches[] = {
    "SCMP_ARCH_X86",	     "SCMP_ARCH_X86_64",      "SCMP_ARCH_X32",	   "SCMP_ARCH_ARM",
    "SCMP_ARCH_AARCH64",     "SCMP_ARCH_LOONGARCH64", "SCMP_ARCH_M68K",	   "SCMP_ARCH_MIPS",
    "SCMP_ARCH_MIPS64",	     "SCMP_ARCH_MIPS64N32",   "SCMP_ARCH_MIPSEL",  "SCMP_ARCH_MIPSEL64",
    "SCMP_ARCH_MIPSEL64N32", "SCMP_ARCH_PPC",	      "SCMP_ARCH_PPC64",   "SCMP_ARCH_PPC64LE",
    "SCMP_ARCH_S390",	     "SCMP_ARCH_S390X",	      "SCMP_ARCH_SH",	   "SCMP_ARCH_SHEB",
    "SCMP_ARCH_PARISC",	     "SCMP_ARCH_PARISC64",    "SCMP_ARCH_RISCV64",
};

const char *seccomp_filter_spec_arch_name(size_t i)
{
	return i < BC_ARRAY_SIZE(spec_arches) ? spec_arches[i] : NULL;
}

/* libseccomp's architecture names are the OCI names without the prefix, in lower case. */
int seccomp_filter_arch_token(const char *name, uint32_t *token)
{
	char lower[32];
	size_t n;

	*token = 0;
	if (!bc_str_has_prefix(name, "SCMP_ARCH_"))
		return -1;
	name += strlen("SCMP_ARCH_");
	n = strlen(name);
	if (n == 0 || n >= sizeof(lower))
		return -1;
	for (size_t i = 0; i <= n; i++)
		lower[i] = (char)tolower((unsigned char)name[i]);
	*token = seccomp_arch_resolve_name(lower);
	return 0;
}

bool seccomp_filter_arch_usable(const char *name)
{
	cleanup_ctx scmp_filter_ctx ctx = NULL;
	uint32_t token;
	int r;

	if (seccomp_filter_arch_token(name, &token) < 0 || token == 0)
		return false;
	ctx = seccomp_init(SCMP_ACT_ALLOW);
	if (ctx == NULL)
		return false;
	r = seccomp_arch_add(ctx, token);
	return r == 0 || r == -EEXIST;
}

bool seccomp_filter_spec_uses_notify(const bc_seccomp_t *s)
{
	for (size_t i = 0; s && i < s->n_syscalls; i++)
		if (strcmp(s->syscalls[i].action, "SCMP_ACT_NOTIFY") == 0)
			return true;
	return false;
}

/* ---- rules ---- */

static int filter_conditions(const bc_seccomp_syscall_t *sc, size_t idx, struct scmp_arg_cmp *cmp,
			     bool *repeated, bc_error_t **err)
{
	unsigned int seen = 0;

	*repeated = false;
	for (size_t a = 0; a < sc->n_args; a++) {
		const bc_seccomp_arg_t *arg = &sc->args[a];
		size_t k;

		if (arg->index > ARG_MAX_INDEX)
			return bc_error_set(err, 0,
					    "config.json: linux.seccomp.syscalls[%zu].args[%zu]."
					    "index: %u is out of range (0 to %d)",
					    idx, a, arg->index, ARG_MAX_INDEX);
		for (k = 0; k < BC_ARRAY_SIZE(compare_ops); k++)
			if (strcmp(arg->op, compare_ops[k].name) == 0)
				break;
		if (k == BC_ARRAY_SIZE(compare_ops))
			return bc_error_set(
			    err, 0,
			    "config.json: linux.seccomp.syscalls[%zu].args[%zu].op: "
			    "unknown operator \"%s\"",
			    idx, a, arg->op);
		if (seen & (1U << arg->index))
			*repeated = true;
		seen |= 1U << arg->index;
		/* For MASKED_EQ libseccomp takes the mask first: value is the mask. */
		cmp[a] = (struct scmp_arg_cmp){.arg = arg->index,
					       .op = compare_ops[k].op,
					       .datum_a = arg->value,
					       .datum_b = arg->value_two};
	}
	return 0;
}

static int filter_add(scmp_filter_ctx ctx, uint32_t action, int nr, const char *name, size_t idx,
		      unsigned int n, const struct scmp_arg_cmp *cmp, bc_error_t **err)
{
	int r = seccomp_rule_add_array(ctx, action, nr, n, cmp);

	if (r < 0)
		return bc_error_set(err, -r,
				    "seccomp: add rule for \"%s\" (linux.seccomp.syscalls[%zu])",
				    name, idx);
	return 0;
}

/* One syscall name of a rule: 1 when added, 0 when skipped.  runc's semantics: when an index
 * repeats, each condition is a rule of its own (ORed), since libseccomp refuses two conditions on
 * one argument. */
static int filter_add_name(scmp_filter_ctx ctx, uint32_t action, const char *name, size_t idx,
			   const bc_seccomp_syscall_t *sc, const struct scmp_arg_cmp *cmp,
			   bool repeated, bc_error_t **err)
{
	int nr = seccomp_syscall_resolve_name(name);

	if (nr == __NR_SCMP_ERROR) {
		bc_debug("seccomp: skipping unknown syscall \"%s\" (linux.seccomp.syscalls[%zu])",
			 name, idx);
		return 0;
	}
	if (!repeated) {
		if (filter_add(ctx, action, nr, name, idx, (unsigned int)sc->n_args, cmp, err) < 0)
			return -1;
		return 1;
	}
	for (size_t a = 0; a < sc->n_args; a++)
		if (filter_add(ctx, action, nr, name, idx, 1, &cmp[a], err) < 0)
			return -1;
	return 1;
}

static int filter_rule(scmp_filter_ctx ctx, const bc_seccomp_t *s, size_t idx,
		       uint32_t default_action, bool *notify, bc_error_t **err)
{
	const bc_seccomp_syscall_t *sc = &s->syscalls[idx];
	cleanup_free struct scmp_arg_cmp *cmp = bc_xcalloc(sc->n_args + 1, sizeof(*cmp));
	cleanup_free char *where = bc_xasprintf("linux.seccomp.syscalls[%zu]", idx);
	uint32_t action;
	bool repeated;
	int r;

	if (filter_action(sc->action, sc->has_errno_ret, sc->errno_ret, where, "errnoRet", &action,
			  err) < 0 ||
	    filter_conditions(sc, idx, cmp, &repeated, err) < 0)
		return -1;
	/* libseccomp refuses such a rule (EACCES); it could not change anything anyway. */
	if (action == default_action) {
		bc_debug("seccomp: %s: same action as the default, skipped", where);
		return 0;
	}
	for (size_t i = 0; sc->names[i]; i++) {
		if (action == SCMP_ACT_NOTIFY && strcmp(sc->names[i], "sendmsg") == 0)
			return bc_error_set(err, 0,
					    "config.json: %s: SCMP_ACT_NOTIFY cannot be used for "
					    "sendmsg (barco sends the notify fd with it)",
					    where);
		r = filter_add_name(ctx, action, sc->names[i], idx, sc, cmp, repeated, err);
		if (r < 0)
			return -1;
		if (r > 0 && action == SCMP_ACT_NOTIFY)
			*notify = true;
	}
	return 0;
}

static int filter_arches(scmp_filter_ctx ctx, char **arches, bc_error_t **err)
{
	for (size_t i = 0; arches && arches[i]; i++) {
		uint32_t token;
		int r;

		if (seccomp_filter_arch_token(arches[i], &token) < 0)
			return bc_error_set(
			    err, 0,
			    "config.json: linux.seccomp.architectures[%zu]: unknown "
			    "architecture \"%s\"",
			    i, arches[i]);
		if (token == 0) {
			bc_debug("seccomp: %s is unknown to libseccomp %s, skipped", arches[i],
				 seccomp_filter_lib_version());
			continue;
		}
		r = seccomp_arch_add(ctx, token);
		/* The native architecture is always in the filter already. */
		if (r < 0 && r != -EEXIST)
			return bc_error_set(err, -r, "seccomp: add architecture %s", arches[i]);
	}
	return 0;
}

/* ---- compiling ---- */

static int filter_new(const bc_seccomp_t *s, uint32_t *default_action, scmp_filter_ctx *out,
		      bc_error_t **err)
{
	scmp_filter_ctx ctx;
	int r;

	if (filter_action(s->default_action, s->has_default_errno_ret, s->default_errno_ret,
			  "linux.seccomp", "defaultErrnoRet", default_action, err) < 0)
		return -1;
	/* Every syscall would wait for an agent that can only get the fd through a syscall. */
	if (*default_action == SCMP_ACT_NOTIFY)
		return bc_error_set(err, 0,
				    "config.json: linux.seccomp.defaultAction: SCMP_ACT_NOTIFY "
				    "cannot be used as the default action");
	ctx = seccomp_init(*default_action);
	if (ctx == NULL)
		return bc_error_set(err, 0,
				    "seccomp: libseccomp %s refused default action %s (not "
				    "supported by this kernel?)",
				    seccomp_filter_lib_version(), s->default_action);
	*out = ctx;
	r = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS);
	if (r == 0)
		r = seccomp_attr_set(ctx, SCMP_FLTATR_API_SYSRAWRC, 1);
	/* A binary tree of syscall numbers instead of a linear list: each syscall of the
	 * container walks a few comparisons rather than hundreds, and so does the kernel when it
	 * loads the filter (it runs the filter for every syscall number to build its action
	 * cache): loading Docker's profile took milliseconds. */
	if (r == 0)
		r = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);
	if (r < 0)
		return bc_error_set(err, -r, "seccomp: set filter attributes");
	return 0;
}

/* libseccomp 2.5 exports to an fd only: a memfd, read back whole. */
static int filter_export(scmp_filter_ctx ctx, bc_seccomp_prog_t *p, bc_error_t **err)
{
	cleanup_close int fd = memfd_create("barco-seccomp", MFD_CLOEXEC);
	cleanup_free char *buf = NULL;
	size_t len = 0;
	int r;

	if (fd < 0)
		return bc_error_errno(err, "seccomp: memfd_create");
	r = seccomp_export_bpf(ctx, fd);
	if (r < 0)
		return bc_error_set(err, -r, "seccomp: export the BPF program");
	if (lseek(fd, 0, SEEK_SET) < 0)
		return bc_error_errno(err, "seccomp: rewind the BPF program");
	if (bc_read_all(fd, BPF_MAX_INSNS * 2 * sizeof(struct sock_filter), &buf, &len) < 0)
		return bc_error_errno(err, "seccomp: read the BPF program back");
	p->n_insns = len / sizeof(struct sock_filter);
	if (len == 0 || len % sizeof(struct sock_filter) != 0)
		return bc_error_set(err, 0, "seccomp: libseccomp exported %zu bytes of BPF", len);
	if (p->n_insns > BPF_MAX_INSNS)
		return bc_error_set(err, 0,
				    "seccomp: the profile compiles to %zu BPF instructions, the "
				    "kernel takes at most %d",
				    p->n_insns, BPF_MAX_INSNS);
	p->insns = bc_xmalloc(len);
	memcpy(p->insns, buf, len);
	return 0;
}

static long filter_seccomp(unsigned int op, unsigned int flags, void *arg)
{
	return syscall(SYS_seccomp, op, flags, arg);
}

/* Asking for a filter at NULL fails with EFAULT once the flags passed the kernel's checks
 * (before the no_new_privs or CAP_SYS_ADMIN test, so any user can probe), and with EINVAL
 * when one of them is unknown: errors at create rather than at start. */
static bool filter_kernel_takes(unsigned int one)
{
	/* The kernel takes WAIT_KILLABLE_RECV only along with a listener. */
	if (one == SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV)
		one |= SECCOMP_FILTER_FLAG_NEW_LISTENER;
	return filter_seccomp(SECCOMP_SET_MODE_FILTER, one, NULL) < 0 && errno == EFAULT;
}

bool seccomp_filter_flag_supported(const char *name)
{
	for (size_t k = 0; k < BC_ARRAY_SIZE(filter_flags); k++)
		if (strcmp(name, filter_flags[k].name) == 0)
			return filter_kernel_takes(filter_flags[k].flag);
	return false;
}

static int filter_probe_flags(const bc_seccomp_t *s, unsigned int flags, bc_error_t **err)
{
	if (flags == 0 || filter_seccomp(SECCOMP_SET_MODE_FILTER, flags, NULL) == 0 ||
	    errno != EINVAL)
		return 0;
	for (size_t i = 0; s->flags && s->flags[i]; i++) {
		for (size_t k = 0; k < BC_ARRAY_SIZE(filter_flags); k++) {
			unsigned int one = filter_flags[k].flag;

			if (strcmp(s->flags[i], filter_flags[k].name) != 0)
				continue;
			if (one == SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV)
				one |= SECCOMP_FILTER_FLAG_NEW_LISTENER;
			if (filter_seccomp(SECCOMP_SET_MODE_FILTER, one, NULL) < 0 &&
			    errno == EINVAL)
				return bc_error_set(err, EINVAL,
						    "seccomp: linux.seccomp.flags[%zu]: %s is not "
						    "supported by this kernel",
						    i, s->flags[i]);
		}
	}
	return bc_error_set(err, EINVAL, "seccomp: the kernel refuses the filter flags 0x%x",
			    flags);
}

static int filter_flags_of(const bc_seccomp_t *s, bc_seccomp_prog_t *p, bc_error_t **err)
{
	for (size_t i = 0; s->flags && s->flags[i]; i++) {
		size_t k;

		for (k = 0; k < BC_ARRAY_SIZE(filter_flags); k++)
			if (strcmp(s->flags[i], filter_flags[k].name) == 0)
				break;
		if (k == BC_ARRAY_SIZE(filter_flags))
			return bc_error_set(err, 0,
					    "config.json: linux.seccomp.flags[%zu]: unknown flag "
					    "\"%s\"",
					    i, s->flags[i]);
		p->flags |= filter_flags[k].flag;
	}
	if (p->notify) {
		p->flags |= SECCOMP_FILTER_FLAG_NEW_LISTENER;
		/* With a listener, TSYNC must report a failing thread as ESRCH, not as a tid. */
		if (p->flags & SECCOMP_FILTER_FLAG_TSYNC)
			p->flags |= SECCOMP_FILTER_FLAG_TSYNC_ESRCH;
	} else if (p->flags & SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV) {
		/* Meaningless without a listener, and refused by the kernel then. */
		bc_debug("seccomp: SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV without "
			 "SCMP_ACT_NOTIFY, ignored");
		p->flags &= ~(unsigned int)SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV;
	}
	return filter_probe_flags(s, p->flags, err);
}

/* ---- -ENOSYS for syscalls newer than the profile ----
 * A syscall libseccomp doesn't know can't be in the filter, so it gets the default action:
 * EPERM under Docker's profile, where a libc expects ENOSYS before falling back to an older
 * call (clone3, faccessat2, mseal...).  As runc does, every syscall numbered above the
 * highest one the profile names, per architecture, returns -ENOSYS; the profile's own
 * rules keep deciding the rest.  Prepended to libseccomp's program, which reloads what it
 * needs. */

#define X32_SYSCALL_BIT 0x40000000U
#define STUB_MAX_ARCHES 16

struct stub_arch {
	uint32_t token; /* AUDIT_ARCH_* */
	uint32_t last;	/* highest syscall number the profile names on it */
};

static size_t stub_arches(const bc_seccomp_t *s, struct stub_arch *a)
{
	uint32_t tokens[STUB_MAX_ARCHES];
	size_t n = 0, k = 0;

	tokens[n++] = seccomp_arch_native();
	for (size_t i = 0; s->architectures && s->architectures[i] && n < STUB_MAX_ARCHES; i++) {
		uint32_t t;
		bool dup = false;

		/* x32 shares x86_64's audit arch; its numbers carry X32_SYSCALL_BIT. */
		if (seccomp_filter_arch_token(s->architectures[i], &t) < 0 || t == 0 ||
		    t == SCMP_ARCH_X32)
			continue;
		for (size_t j = 0; j < n; j++)
			dup = dup || tokens[j] == t;
		if (!dup)
			tokens[n++] = t;
	}
	for (size_t j = 0; j < n; j++) {
		bool any = false;
		uint32_t last = 0;

		for (size_t i = 0; i < s->n_syscalls; i++)
			for (size_t m = 0; s->syscalls[i].names && s->syscalls[i].names[m]; m++) {
				int nr = seccomp_syscall_resolve_name_arch(tokens[j],
									   s->syscalls[i].names[m]);

				/* Negative: unknown, or a pseudo number for "not on this arch". */
				if (nr < 0 || (uint32_t)nr >= X32_SYSCALL_BIT)
					continue;
				if (!any || (uint32_t)nr > last)
					last = (uint32_t)nr;
				any = true;
			}
		if (any)
			a[k++] = (struct stub_arch){.token = tokens[j], .last = last};
	}
	return k;
}

static int filter_enosys_stub(const bc_seccomp_t *s, uint32_t default_action, bc_seccomp_prog_t *p,
			      bc_error_t **err)
{
	struct stub_arch a[STUB_MAX_ARCHES];
	size_t n, len = 0, total = 0, pos = 0;
	struct sock_filter *f;

	if (default_action == SCMP_ACT_ALLOW || default_action == SCMP_ACT_LOG)
		return 0;
	n = stub_arches(s, a);
	if (n == 0)
		return 0;
	for (size_t i = 0; i < n; i++)
		len += a[i].token == AUDIT_ARCH_X86_64 ? 5 : 4;
	total = len + 2; /* a jump over the return, the return */
	if (p->n_insns + total > BPF_MAX_INSNS)
		return bc_error_set(err, 0,
				    "seccomp: the profile compiles to %zu BPF instructions, the "
				    "kernel takes at most %d",
				    p->n_insns + total, BPF_MAX_INSNS);
	f = bc_xmalloc((p->n_insns + total) * sizeof(*f));
	/* Jump offsets count from the next instruction; `ja` sits at index len, the ENOSYS
	 * return at len + 1, libseccomp's program starts at len + 2. */
	for (size_t i = 0; i < n; i++) {
		size_t size = a[i].token == AUDIT_ARCH_X86_64 ? 5 : 4;
		size_t next = pos + size;

		f[pos] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
						      offsetof(struct seccomp_data, arch));
		f[pos + 1] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, a[i].token, 0,
							  (uint8_t)(next - (pos + 2)));
		f[pos + 2] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
							  offsetof(struct seccomp_data, nr));
		if (size == 5)
			f[pos + 3] =
			    (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, X32_SYSCALL_BIT,
							 (uint8_t)(len + 2 - (pos + 4)), 0);
		f[next - 1] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JGT | BPF_K, a[i].last,
							   (uint8_t)(len + 1 - next),
							   (uint8_t)(len + 2 - next));
		pos = next;
	}
	f[len] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JA | BPF_K, 1, 0, 0);
	f[len + 1] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS);
	memcpy(f + total, p->insns, p->n_insns * sizeof(*f));
	free(p->insns);
	p->insns = f;
	p->n_insns += total;
	return 0;
}

int seccomp_filter_compile(const bc_seccomp_t *s, bc_seccomp_prog_t **out, bc_error_t **err)
{
	cleanup_ctx scmp_filter_ctx ctx = NULL;
	cleanup_seccomp_prog bc_seccomp_prog_t *p = bc_xcalloc(1, sizeof(*p));
	uint32_t default_action;

	*out = NULL;
	if (filter_new(s, &default_action, &ctx, err) < 0 ||
	    filter_arches(ctx, s->architectures, err) < 0)
		return -1;
	for (size_t i = 0; i < s->n_syscalls; i++)
		if (filter_rule(ctx, s, i, default_action, &p->notify, err) < 0)
			return -1;
	if (p->notify && (s->listener_path == NULL || *s->listener_path == '\0'))
		return bc_error_set(err, 0,
				    "config.json: linux.seccomp: SCMP_ACT_NOTIFY is used but "
				    "listenerPath is not set");
	if (filter_flags_of(s, p, err) < 0 || filter_export(ctx, p, err) < 0 ||
	    filter_enosys_stub(s, default_action, p, err) < 0)
		return -1;
	bc_debug("seccomp: %zu BPF instructions, flags 0x%x", p->n_insns, p->flags);
	*out = steal_ptr(p);
	return 0;
}

/* ---- loading ---- */

int seccomp_filter_load(bc_seccomp_prog_t *p, int *notify_fd, bc_error_t **err)
{
	struct sock_fprog prog = {.len = (unsigned short)p->n_insns, .filter = p->insns};
	long r;

	*notify_fd = -1;
	r = filter_seccomp(SECCOMP_SET_MODE_FILTER, p->flags, &prog);
	if (r < 0 && errno == EACCES)
		return bc_error_errno(err, "seccomp: load the filter (without no_new_privileges it "
					   "must be loaded while the process has CAP_SYS_ADMIN)");
	if (r < 0)
		return bc_error_errno(err, "seccomp: load the filter");
	if (p->notify)
		*notify_fd = (int)r;
	return 0;
}

bool seccomp_filter_uses_notify(const bc_seccomp_prog_t *p)
{
	return p->notify;
}

size_t seccomp_filter_instructions(const bc_seccomp_prog_t *p)
{
	return p->n_insns;
}

const void *seccomp_filter_insns(const bc_seccomp_prog_t *p)
{
	return p->insns;
}

unsigned int seccomp_filter_flags(const bc_seccomp_prog_t *p)
{
	return p->flags;
}

bc_seccomp_prog_t *seccomp_filter_prog_new(const void *insns, size_t n, unsigned int flags,
					   bool notify)
{
	bc_seccomp_prog_t *p;

	if (n == 0 || n > BPF_MAX_INSNS)
		return NULL;
	p = bc_xcalloc(1, sizeof(*p));
	p->insns = bc_xmalloc(n * sizeof(struct sock_filter));
	memcpy(p->insns, insns, n * sizeof(struct sock_filter));
	p->n_insns = n;
	p->flags = flags;
	p->notify = notify;
	return p;
}

void seccomp_filter_free(bc_seccomp_prog_t *p)
{
	if (p == NULL)
		return;
	free(p->insns);
	free(p);
}

void seccomp_filter_freep(bc_seccomp_prog_t **p)
{
	seccomp_filter_free(*p);
	*p = NULL;
}

/* ---- the listener (runtime-spec "The Container Process State") ---- */

int seccomp_filter_listener_connect(const bc_seccomp_t *s, bc_error_t **err)
{
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	const char *path = s->listener_path;
	cleanup_close int sock = -1;

	if (path == NULL || *path == '\0')
		return bc_error_set(err, 0,
				    "config.json: linux.seccomp: SCMP_ACT_NOTIFY is used but "
				    "listenerPath is not set");
	if (strlen(path) >= sizeof(addr.sun_path))
		return bc_error_set(err, ENAMETOOLONG, "seccomp: listener socket %s", path);
	strcpy(addr.sun_path, path);
	sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (sock < 0)
		return bc_error_errno(err, "seccomp: create a socket for listener %s", path);
	while (connect(sock, (struct sockaddr *)&addr, sizeof(addr)) < 0)
		if (errno != EINTR)
			return bc_error_errno(err, "seccomp: connect to listener %s", path);
	return steal_fd(sock);
}

/* The fd travels with the first byte; the rest may need more writes on a stream socket. */
int seccomp_filter_listener_send(int sock, int notify_fd, const char *state_json, bc_error_t **err)
{
	char cbuf[CMSG_SPACE(sizeof(int))] = {0};
	size_t len = strlen(state_json);
	struct iovec iov = {.iov_base = (void *)state_json, .iov_len = len};
	struct msghdr msg = {
	    .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof(cbuf)};
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
	ssize_t n;
	size_t off;

	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &notify_fd, sizeof(int));
	do
		n = sendmsg(sock, &msg, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return bc_error_errno(err, "seccomp: send the notify fd to the listener");
	/* MSG_NOSIGNAL: a listener that went away must be an error, not a SIGPIPE. */
	for (off = (size_t)n; off < len; off += (size_t)n) {
		n = send(sock, state_json + off, len - off, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			n = 0;
		else if (n < 0)
			return bc_error_errno(err, "seccomp: send the container process state "
						   "to the listener");
	}
	return 0;
}

int seccomp_filter_send_listener(const bc_seccomp_t *s, int notify_fd, const char *state_json,
				 bc_error_t **err)
{
	cleanup_close int sock = seccomp_filter_listener_connect(s, err);

	if (sock < 0)
		return -1;
	if (seccomp_filter_listener_send(sock, notify_fd, state_json, err) < 0)
		return bc_error_wrap(err, "listener %s", s->listener_path);
	return 0;
}
