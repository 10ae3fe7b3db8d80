/* SPDX-License-Identifier: MIT */
/*
 * `barco exec`.  Three processes, as in runc's nsexec:
 *  - the runtime (exec_run): loads what it needs while it still sees the host (seccomp
 *    compiled, LSM checked, the init's namespaces and the container's cgroups opened), then
 *    drives the others over a SOCK_SEQPACKET socketpair (sync.h);
 *  - stage 1 (exec_stage1): a copy of the runtime that drops the runtime's fds, sets what must
 *    be set from the host (oom_score_adj, rlimits, the seccomp listener's connection), joins
 *    the namespaces and forks the process with CLONE_PARENT, so that it is born in the pid
 *    and time namespaces and is the runtime's child; it reports the pid and exits;
 *  - the process (exec_stage2): waits until the runtime has put it in the cgroups, joins the
 *    cgroup namespace, takes the init's steps and execs.  The sync socket is close-on-exec:
 *    READY then EOF means the execve worked, READY then an error that it failed.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/nsfs.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "barco/caps.h"
#include "barco/cgroup.h"
#include "barco/exec.h"
#include "barco/init.h"
#include "barco/log.h"
#include "barco/lsm.h"
#include "barco/procattr.h"
#include "barco/seccomp_cache.h"
#include "barco/seccomp_filter.h"
#include "barco/sync.h"
#include "barco/terminal.h"
#include "barco/util.h"

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif
#define KEYCTL_JOIN_SESSION_KEYRING 1

/* Signals a waiting exec passes on to the process instead of dying of them, as runc does. */
static const int exec_forwarded[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH};

/* The combinations runc refuses, in its words. */
static int exec_check(const bc_exec_opts_t *o, const bc_spec_t *spec, bc_error_t **err)
{
	const bc_process_t *p = spec->process;

	if (p->terminal && o->detach && o->console_socket == NULL)
		return bc_error_set(
		    err, 0,
		    "exec: cannot allocate tty if barco will detach without setting "
		    "console socket (give --console-socket)");
	if (o->console_socket && (!o->detach || !p->terminal))
		return bc_error_set(err, 0,
				    "exec: cannot use console socket if barco will not detach or "
				    "allocate tty (--console-socket goes with --detach and -t)");
	if (caps_validate(p->capabilities, err) < 0)
		return -1;
	/* Read the host's /sys now: a label without its LSM fails before anything starts. */
	return lsm_check(spec, err);
}

/* ================================================================ namespaces */

struct exec_ns {
	int fd[BC_NS_TYPE_COUNT];     /* -1: the same as ours, not joined */
	bool owned[BC_NS_TYPE_COUNT]; /* owned by the user namespace we join: join it first */
};

static void exec_ns_close(struct exec_ns *ns)
{
	for (int i = 0; i < BC_NS_TYPE_COUNT; i++) {
		if (ns->fd[i] >= 0)
			close(ns->fd[i]);
		ns->fd[i] = -1;
	}
}

static bool exec_same_file(int fd, const char *path)
{
	struct stat a, b;

	return fstat(fd, &a) == 0 && stat(path, &b) == 0 && a.st_dev == b.st_dev &&
	       a.st_ino == b.st_ino;
}

/* Which of the namespaces are owned by the user namespace we join (NS_GET_USERNS). */
static int exec_ns_owners(struct exec_ns *ns, bc_error_t **err)
{
	struct stat user, owner;

	if (ns->fd[BC_NS_USER] < 0)
		return 0;
	if (fstat(ns->fd[BC_NS_USER], &user) < 0)
		return bc_error_errno(err, "exec: stat the container's user namespace");
	for (int i = 0; i < BC_NS_TYPE_COUNT; i++) {
		cleanup_close int fd = -1;

		if (ns->fd[i] < 0 || i == BC_NS_USER)
			continue;
		fd = ioctl(ns->fd[i], NS_GET_USERNS);
		if (fd < 0 || fstat(fd, &owner) < 0)
			return bc_error_errno(err,
					      "exec: the owner of the container's %s namespace",
					      bc_ns_type_name((enum bc_ns_type)i));
		ns->owned[i] = owner.st_dev == user.st_dev && owner.st_ino == user.st_ino;
	}
	return 0;
}

static bool exec_init_exited(int pidfd)
{
	struct pollfd p = {.fd = pidfd, .events = POLLIN};

	return poll(&p, 1, 0) != 0;
}

/* The init's namespaces that are not ours.  Opened through its /proc directory, which is
 * the recorded init's only if the init has not exited since the pidfd was checked against
 * its start time (a pid is not reused before its process is reaped); the files of a
 * directory whose process is gone can't be opened, so a later exit is harmless. */
static int exec_open_ns(const bc_exec_target_t *t, struct exec_ns *ns, bc_error_t **err)
{
	char rel[32];
	cleanup_close int dir = -1;

	for (int i = 0; i < BC_NS_TYPE_COUNT; i++)
		ns->fd[i] = -1;
	snprintf(rel, sizeof(rel), "%d", (int)t->state->pid);
	dir = bc_procfs_open(rel, O_PATH | O_DIRECTORY, err);
	if (dir < 0 && (*err)->errnum != ENOENT && (*err)->errnum != ESRCH)
		return bc_error_wrap(err, "exec");
	if (dir < 0 || exec_init_exited(t->pidfd)) {
		bc_error_freep(err);
		return bc_error_set(err, 0, "container not running: %s", t->state->id);
	}
	for (int i = 0; i < BC_NS_TYPE_COUNT; i++) {
		const char *name = bc_ns_proc_name((enum bc_ns_type)i);
		cleanup_free char *self = bc_xasprintf("/proc/self/ns/%s", name);
		cleanup_free char *file = bc_xasprintf("ns/%s", name);
		int fd = openat(dir, file, O_RDONLY | O_CLOEXEC);

		if (fd < 0 && errno == ENOENT)
			continue; /* a namespace type this kernel does not have */
		if (fd < 0) {
			exec_ns_close(ns);
			if (errno == ESRCH)
				return bc_error_set(err, 0, "container not running: %s",
						    t->state->id);
			return bc_error_errno(err, "exec: open /proc/%s/ns/%s", rel, name);
		}
		if (exec_same_file(fd, self)) {
			close(fd);
			continue;
		}
		ns->fd[i] = fd;
	}
	if (exec_ns_owners(ns, err) < 0) {
		exec_ns_close(ns);
		return -1;
	}
	return 0;
}

static int exec_setns(const struct exec_ns *ns, enum bc_ns_type t, bc_error_t **err)
{
	if (setns(ns->fd[t], bc_ns_clone_flag(t)) < 0)
		return bc_error_errno(err, "join the container's %s namespace", bc_ns_type_name(t));
	return 0;
}

/* In stage 1: those owned elsewhere (joined by path at create) while we hold the runtime's
 * privileges, then the user namespace, then those it owns.  The mount namespace last in
 * each round (it changes our root and cwd to the container's); pid and time take effect for
 * our children only; the cgroup namespace is the process's, after the cgroups. */
static int exec_join(const struct exec_ns *ns, bc_error_t **err)
{
	static const enum bc_ns_type order[] = {BC_NS_IPC, BC_NS_UTS,  BC_NS_NETWORK,
						BC_NS_PID, BC_NS_TIME, BC_NS_MOUNT};

	for (size_t i = 0; i < BC_ARRAY_SIZE(order); i++)
		if (ns->fd[order[i]] >= 0 && !ns->owned[order[i]] &&
		    exec_setns(ns, order[i], err) < 0)
			return -1;
	if (ns->fd[BC_NS_USER] >= 0) {
		if (exec_setns(ns, BC_NS_USER, err) < 0)
			return -1;
		if (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0)
			return bc_error_errno(err, "become root in the container's user namespace "
						   "(is uid 0 mapped?)");
	}
	for (size_t i = 0; i < BC_ARRAY_SIZE(order); i++)
		if (ns->fd[order[i]] >= 0 && ns->owned[order[i]] &&
		    exec_setns(ns, order[i], err) < 0)
			return -1;
	return 0;
}

/* ================================================================ cgroups */

int exec_parse_cgroups(char *const *values, char ***ctls, char ***paths, bc_error_t **err)
{
	size_t n = bc_strv_len(values), k = 0;

	*ctls = NULL;
	*paths = NULL;
	for (size_t i = 0; i < n; i++) {
		const char *v = values[i], *colon = strchr(v, ':');
		const char *path = colon ? colon + 1 : v;
		cleanup_free char *list =
		    colon ? bc_xstrndup(v, (size_t)(colon - v)) : bc_xstrdup("");
		cleanup_free char *copy = bc_xstrdup(path);
		char *save = NULL;

		if (colon && strchr(path, ':'))
			return bc_error_set(err, 0, "exec: invalid --cgroup argument: %s", v);
		if (!colon && n != 1)
			return bc_error_set(err, 0,
					    "exec: invalid --cgroup argument: %s (missing "
					    "<controller>: prefix)",
					    v);
		if (*path == '\0' || *path == '/')
			return bc_error_set(err, 0,
					    "exec: --cgroup %s: the path must name a sub-cgroup, "
					    "relative to the container's",
					    v);
		for (char *c = strtok_r(copy, "/", &save); c; c = strtok_r(NULL, "/", &save))
			if (strcmp(c, ".") == 0 || strcmp(c, "..") == 0)
				return bc_error_set(err, 0,
						    "exec: --cgroup %s: \".\" and \"..\" are not "
						    "allowed",
						    v);
		for (char *s = list, *c = NULL; (c = strsep(&s, ",")) != NULL;) {
			if (colon && *c == '\0')
				return bc_error_set(err, 0, "exec: invalid --cgroup argument: %s",
						    v);
			for (size_t j = 0; j < k; j++)
				if (strcmp((*ctls)[j], c) == 0)
					return bc_error_set(err, 0,
							    "exec: --cgroup: controller %s given "
							    "twice",
							    c);
			*ctls = bc_xrealloc(*ctls, (k + 2) * sizeof(char *));
			*paths = bc_xrealloc(*paths, (k + 2) * sizeof(char *));
			(*ctls)[k] = bc_xstrdup(c);
			(*paths)[k] = bc_xstrdup(path);
			(*ctls)[++k] = NULL;
			(*paths)[k] = NULL;
		}
	}
	return 0;
}

/* The directories the process goes in: one in each of the container's hierarchies. */
struct exec_cgroups {
	int *fd;
	char **shown;
	size_t n;
};

static void exec_cgroups_free(struct exec_cgroups *c)
{
	for (size_t i = 0; i < c->n; i++) {
		close(c->fd[i]);
		free(c->shown[i]);
	}
	free(c->fd);
	free(c->shown);
	c->fd = NULL;
	c->shown = NULL;
	c->n = 0;
}

/* Every hierarchy a container can have a cgroup in: cgroup_dirfd finds the container's
 * directory by controller (NULL: the cgroup2 one). */
static const char *const exec_controllers[] = {
    NULL,   "cpu",     "cpuacct",  "cpuset",	 "memory",  "devices", "freezer",      "blkio",
    "pids", "net_cls", "net_prio", "perf_event", "hugetlb", "rdma",    "name=systemd", "misc"};

/* SUB below the directory base, one component at a time, no symlink, on base's mount. */
static int exec_open_sub(int base, const char *base_shown, const char *sub, char **shown,
			 bc_error_t **err)
{
	cleanup_free char *copy = bc_xstrdup(sub);
	cleanup_close int fd = fcntl(base, F_DUPFD_CLOEXEC, 3);
	char *save = NULL;
	struct stat st0, st;

	*shown = bc_xasprintf("%s/%s", base_shown, sub);
	if (fd < 0 || fstat(base, &st0) < 0)
		return bc_error_errno(err, "exec: cgroup %s", base_shown);
	for (char *c = strtok_r(copy, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
		int next = openat(fd, c, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

		if (next < 0)
			return bc_error_errno(err, "exec: --cgroup: open %s", *shown);
		close(fd);
		fd = next;
		if (fstat(fd, &st) < 0)
			return bc_error_errno(err, "exec: --cgroup: stat %s", *shown);
		if (st.st_dev != st0.st_dev)
			return bc_error_set(err, 0, "exec: --cgroup: %s is on another mount",
					    *shown);
	}
	return steal_fd(fd);
}

/* On cgroup v2 every name leads to the one directory: a name is right when some cgroup
 * version has such a controller. */
static bool exec_known_controller(const char *ctl)
{
	for (size_t i = 1; i < BC_ARRAY_SIZE(exec_controllers); i++)
		if (strcmp(exec_controllers[i], ctl) == 0)
			return true;
	return strcmp(ctl, "io") == 0;
}

/* The sub-cgroup --cgroup gives the hierarchy of base (NULL: the container's own). */
static const char *exec_sub_for(const cgroup_t *cg, int base, char **ctls, char **paths, bool *used)
{
	bool v2 = cgroup_get_mode(cg) == CGROUP_MODE_V2;
	const char *sub = NULL;

	for (size_t i = 0; ctls && ctls[i]; i++) {
		if (ctls[i][0] == '\0') {
			sub = sub ? sub : paths[i];
			used[i] = true;
		} else if (cgroup_dirfd(cg, ctls[i], NULL) == base &&
			   (!v2 || exec_known_controller(ctls[i]))) {
			used[i] = true;
			return paths[i];
		}
	}
	return sub;
}

static int exec_add_dir(struct exec_cgroups *c, const cgroup_t *cg, int base, const char *shown,
			char **ctls, char **paths, bool *used, bc_error_t **err)
{
	const char *sub = exec_sub_for(cg, base, ctls, paths, used);
	char *where = NULL;
	int fd;

	if (sub)
		fd = exec_open_sub(base, shown, sub, &where, err);
	else {
		fd = fcntl(base, F_DUPFD_CLOEXEC, 3);
		where = bc_xstrdup(shown);
		if (fd < 0)
			bc_error_errno(err, "exec: cgroup %s", shown);
	}
	if (fd < 0) {
		free(where);
		return -1;
	}
	c->fd = bc_xrealloc(c->fd, (c->n + 1) * sizeof(int));
	c->shown = bc_xrealloc(c->shown, (c->n + 1) * sizeof(char *));
	c->fd[c->n] = fd;
	c->shown[c->n++] = where;
	return 0;
}

static int exec_open_cgroups(const bc_exec_target_t *t, const bc_exec_opts_t *o,
			     struct exec_cgroups *c, bc_error_t **err)
{
	cleanup_strv char **ctls = NULL;
	cleanup_strv char **paths = NULL;
	cleanup_free bool *used = NULL;
	cgroup_t *cg = NULL;
	int seen[BC_ARRAY_SIZE(exec_controllers)];
	size_t nseen = 0;
	int ret = 0;

	if (exec_parse_cgroups(o->cgroups, &ctls, &paths, err) < 0)
		return -1;
	if (cgroup_load(t->state_dirfd, &cg, err) < 0)
		return bc_error_wrap(err, "exec: the cgroups of container %s", t->state->id);
	if (cg == NULL)
		return ctls ? bc_error_set(err, 0,
					   "exec: --cgroup: container %s has no cgroup of its own",
					   t->state->id)
			    : 0;
	used = bc_xcalloc(bc_strv_len(ctls) + 1, sizeof(bool));
	for (size_t i = 0; i < BC_ARRAY_SIZE(exec_controllers) && ret == 0; i++) {
		const char *shown = NULL;
		int fd = cgroup_dirfd(cg, exec_controllers[i], &shown);
		bool dup = fd < 0;

		for (size_t j = 0; j < nseen && !dup; j++)
			dup = seen[j] == fd;
		if (dup)
			continue;
		seen[nseen++] = fd;
		ret = exec_add_dir(c, cg, fd, shown, ctls, paths, used, err);
	}
	for (size_t i = 0; ret == 0 && ctls && ctls[i]; i++)
		if (!used[i])
			ret = bc_error_set(err, 0,
					   "exec: --cgroup %s:%s: container %s has no cgroup with "
					   "controller %s",
					   ctls[i], paths[i], t->state->id, ctls[i]);
	cgroup_free(cg);
	if (ret < 0)
		exec_cgroups_free(c);
	return ret;
}

static int exec_enter_cgroups(const struct exec_cgroups *c, pid_t pid, bc_error_t **err)
{
	char buf[32];
	int n = snprintf(buf, sizeof(buf), "%d", (int)pid);

	for (size_t i = 0; i < c->n; i++) {
		cleanup_close int fd = openat(c->fd[i], "cgroup.procs", O_WRONLY | O_CLOEXEC);

		if (fd < 0 || write(fd, buf, (size_t)n) != n) {
			if (errno == EBUSY)
				return bc_error_errno(err,
						      "exec: put the process in cgroup %s (it "
						      "has controllers enabled for its children: "
						      "give --cgroup a leaf sub-cgroup)",
						      c->shown[i]);
			return bc_error_errno(err, "exec: put the process in cgroup %s",
					      c->shown[i]);
		}
	}
	return 0;
}

/* ================================================================ the children */

/* What the children get (a copy each: they are forks). */
struct exec_child {
	const bc_spec_t *spec; /* spec->process is the exec's */
	struct exec_ns ns;
	int sync_fd;
	int preserve_fds;
	pid_t runtime;
	bc_seccomp_prog_t *prog; /* compiled by the runtime; NULL without linux.seccomp */
	int listener_fd;	 /* the seccomp listener (stage 1 connects it) */
	char *listener_state;
	procattr_plan_t plan;
};

/* CVE-2024-21626 class, as in the init: close every fd of the runtime but stdio, the
 * preserved ones and our own, at once (not merely close-on-exec: the cwd, the PATH lookup
 * and /proc/self/fd/N would reach them before the execve). */
static int exec_close_inherited(const struct exec_child *x, bc_error_t **err)
{
	int keep[BC_NS_TYPE_COUNT + 2];
	size_t n = 0;
	unsigned int lo = 3 + (unsigned int)x->preserve_fds;

	bc_procfs_reset();
	keep[n++] = x->sync_fd;
	keep[n++] = bc_log_fd();
	for (size_t i = 0; i < BC_NS_TYPE_COUNT; i++)
		keep[n++] = x->ns.fd[i];
	return bc_close_fds_from(lo, keep, n, err);
}

static int exec_console(const struct exec_child *x, bc_error_t **err)
{
	const bc_process_t *p = x->spec->process;
	/* /dev/console stays the init's: it is the container's, not this process's. */
	cleanup_close int master = terminal_setup_child(p->has_console_size, p->console_height,
							p->console_width, false, err);

	if (master < 0)
		return -1;
	if (sync_send(x->sync_fd, BC_SYNC_CONSOLE, 0, 0, NULL, err) < 0)
		return -1;
	return terminal_send_fd(x->sync_fd, master, NULL, err);
}

/* The filter, and its notify fd to the listener stage 1 connected. */
static int exec_seccomp_load(struct exec_child *x, bc_error_t **err)
{
	cleanup_close int listener = steal_fd(x->listener_fd);
	cleanup_close int nfd = -1;

	if (seccomp_filter_load(x->prog, &nfd, err) < 0)
		return -1;
	if (nfd >= 0 && seccomp_filter_listener_send(listener, nfd, x->listener_state, err) < 0)
		return bc_error_wrap(err, "seccomp listener %s",
				     x->spec->linux_->seccomp->listener_path);
	return 0;
}

/* The process's steps, in the init's order (init.c, init_setup). */
static int exec_setup(struct exec_child *x, char **exe, char ***envp, bc_error_t **err)
{
	const bc_process_t *p = x->spec->process;
	int cgns = x->ns.fd[BC_NS_CGROUP];

	/* In our cgroups now: the namespace shows them as they are to the container. */
	if (cgns >= 0 && setns(cgns, CLONE_NEWCGROUP) < 0)
		return bc_error_errno(err, "join the container's cgroup namespace");
	exec_ns_close(&x->ns);
	/* Not the runtime's caller's session keyring (runc joins a new one too). */
	if (syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, NULL) < 0 && errno != ENOSYS)
		return bc_error_errno(err, "create session keyring");
	/* Our root is the container's (stage 1 joined its mount namespace): so is /proc. */
	bc_procfs_reset();
	/* An RT scheduler or I/O class needs CAP_SYS_NICE: before the capability drop. */
	if (procattr_apply_plan(&x->plan, err) < 0)
		return -1;
	if (p->terminal && exec_console(x, err) < 0)
		return -1;
	if (init_chdir(p->cwd, err) < 0)
		return -1;
	if (lsm_set_exec_labels(p, err) < 0)
		return -1;
	/* Without no_new_privs loading a filter needs CAP_SYS_ADMIN: before the drop. */
	if (x->prog && !p->no_new_privileges && exec_seccomp_load(x, err) < 0)
		return -1;
	if (init_drop_privileges(p, err) < 0)
		return -1;
	*exe = init_lookup_executable(p->args[0], init_env_get(p->env, "PATH"), err);
	if (*exe == NULL)
		return -1;
	*envp = init_build_env(p, 0);
	return 0;
}

/* The runtime gone (its end of the socket closed): nobody would place or release us. */
static bool exec_runtime_gone(int sync_fd)
{
	struct pollfd p = {.fd = sync_fd, .events = POLLRDHUP};

	return poll(&p, 1, 0) > 0 && (p.revents & (POLLHUP | POLLRDHUP));
}

static void exec_stage2(struct exec_child *x) __attribute__((noreturn));
static void exec_stage2(struct exec_child *x)
{
	cleanup_error bc_error_t *err = NULL;
	cleanup_free char *exe = NULL;
	char **envp = NULL;
	bc_sync_msg_t msg;

	/* PR_SET_PDEATHSIG does not pass through fork; our parent is the runtime. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (exec_runtime_gone(x->sync_fd))
		_exit(1);
	/* The runtime has put us in the container's cgroups when it says so. */
	if (sync_expect(x->sync_fd, BC_SYNC_CONTINUE, &msg, &err) < 0)
		_exit(1);
	if (exec_setup(x, &exe, &envp, &err) < 0)
		goto fail;
	/* A detached exec returns once we run: we outlive it. */
	prctl(PR_SET_PDEATHSIG, 0);
	if (sync_send(x->sync_fd, BC_SYNC_READY, 0, 0, NULL, &err) < 0)
		_exit(1);
	/* Everything but stdio and the preserved fds is closed at exec, the sync socket too:
	 * its EOF tells the runtime that the execve worked. */
	if (syscall(SYS_close_range, 3 + x->preserve_fds, ~0U, CLOSE_RANGE_CLOEXEC) < 0) {
		bc_error_errno(&err, "close_range");
		goto fail;
	}
	/* With no_new_privs the filter comes last: the profile need not allow our own work. */
	if (x->prog && x->spec->process->no_new_privileges && exec_seccomp_load(x, &err) < 0)
		goto fail;
	execve(exe, x->spec->process->args, envp);
	bc_error_errno(&err, "exec: \"%s\"", exe);
fail:
	sync_send_error(x->sync_fd, err);
	_exit(1);
}

static pid_t exec_clone(unsigned long flags)
{
	/* A NULL stack gives fork semantics: the child runs on a copy of our stack. */
	return (pid_t)syscall(SYS_clone, flags | SIGCHLD, NULL, NULL, NULL, 0);
}

static void exec_stage1(struct exec_child *x) __attribute__((noreturn));
static void exec_stage1(struct exec_child *x)
{
	const bc_process_t *p = x->spec->process;
	const bc_seccomp_t *s = x->spec->linux_ ? x->spec->linux_->seccomp : NULL;
	cleanup_error bc_error_t *err = NULL;
	sigset_t none;
	pid_t pid;

	if (exec_close_inherited(x, &err) < 0)
		goto fail;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != x->runtime)
		_exit(1);
	/* Nothing in the container may ptrace us or open our /proc files while we hold the
	 * runtime's resources; execve makes the process dumpable again. */
	if (prctl(PR_SET_DUMPABLE, 0) < 0) {
		bc_error_errno(&err, "make the process non-dumpable");
		goto fail;
	}
	/* From the host, with the runtime's privileges: the process inherits them.  The
	 * listener's path is a host path. */
	if (init_oom_score(p, &err) < 0 || init_rlimits(p, &err) < 0)
		goto fail;
	if (seccomp_filter_spec_uses_notify(s)) {
		x->listener_fd = seccomp_filter_listener_connect(s, &err);
		if (x->listener_fd < 0)
			goto fail;
	}
	if (exec_join(&x->ns, &err) < 0)
		goto fail;
	pid = exec_clone(CLONE_PARENT);
	if (pid < 0) {
		if (errno == ENOMEM)
			bc_error_set(&err, 0,
				     "container not running: its pid namespace has no init any "
				     "more");
		else
			bc_error_errno(&err, "fork the process into the container's namespaces");
		goto fail;
	}
	if (pid == 0)
		exec_stage2(x);
	if (sync_send(x->sync_fd, BC_SYNC_PID, 0, pid, NULL, &err) < 0) {
		kill(pid, SIGKILL);
		_exit(1);
	}
	_exit(0);
fail:
	sync_send_error(x->sync_fd, err);
	_exit(1);
}

/* ================================================================ the runtime */

/* Kills and reaps a child unless disarmed (set to 0). */
static void exec_reap_guard(pid_t *pid)
{
	int saved = errno;

	if (*pid > 0) {
		kill(*pid, SIGKILL);
		while (waitpid(*pid, NULL, 0) < 0 && errno == EINTR)
			;
	}
	errno = saved;
}
#define cleanup_child __attribute__((cleanup(exec_reap_guard)))

/* A child's error as it sent it; its silent death said in exec's words. */
static int exec_child_failed(const bc_sync_msg_t *msg, bc_error_t **err)
{
	if (msg != NULL)
		return bc_error_set_code(err, msg->errnum, "%s", msg->payload);
	if (*err && (*err)->errnum == EPIPE) {
		bc_error_freep(err);
		return bc_error_set_code(err, EPIPE,
					 "exec: the process exited before it could run (it "
					 "reported no error; it may have been killed, see dmesg)");
	}
	return -1;
}

static int exec_expect(int sock, enum bc_sync_type type, bc_sync_msg_t *msg, bc_error_t **err)
{
	if (sync_recv(sock, msg, err) < 0)
		return exec_child_failed(NULL, err);
	if (msg->type == BC_SYNC_ERROR)
		return exec_child_failed(msg, err);
	if (msg->type != (uint32_t)type)
		return bc_error_set(err, 0, "exec: unexpected message %s from the process",
				    sync_type_name(msg->type));
	return 0;
}

static int exec_send_continue(int sock, bc_error_t **err)
{
	bc_sync_msg_t msg;

	if (sync_send(sock, BC_SYNC_CONTINUE, 0, 0, NULL, err) == 0)
		return 0;
	/* Gone already: its own error, if it sent one, says more than our EPIPE. */
	if (*err == NULL || ((*err)->errnum != EPIPE && (*err)->errnum != ECONNRESET))
		return -1;
	bc_error_freep(err);
	if (sync_recv(sock, &msg, err) < 0)
		return exec_child_failed(NULL, err);
	if (msg.type == BC_SYNC_ERROR)
		return exec_child_failed(&msg, err);
	return bc_error_set(err, 0, "exec: unexpected message %s from the process",
			    sync_type_name(msg.type));
}

struct exec_started {
	pid_t pid;  /* host pid of the process, our child */
	int master; /* the terminal kept by us, else -1 */
};

/* From the process's CONTINUE to its execve. */
static int exec_follow(int sock, const bc_exec_opts_t *o, struct exec_started *s, bc_error_t **err)
{
	cleanup_error bc_error_t *eof = NULL;
	bc_sync_msg_t msg;

	for (;;) {
		if (sync_recv(sock, &msg, err) < 0)
			return exec_child_failed(NULL, err);
		if (msg.type == BC_SYNC_READY)
			break;
		if (msg.type == BC_SYNC_ERROR)
			return exec_child_failed(&msg, err);
		if (msg.type != BC_SYNC_CONSOLE)
			return bc_error_set(err, 0, "exec: unexpected message %s from the process",
					    sync_type_name(msg.type));
		s->master = terminal_recv_fd(sock, err);
		if (s->master < 0)
			return -1;
		if (o->console_socket) {
			cleanup_close int m = steal_fd(s->master);

			if (terminal_send_to_console_socket(o->console_socket, m, err) < 0)
				return -1;
		}
	}
	/* The socket is close-on-exec: EOF is the execve done, an error its failure. */
	if (sync_recv(sock, &msg, &eof) == 0) {
		if (msg.type == BC_SYNC_ERROR)
			return exec_child_failed(&msg, err);
		return bc_error_set(err, 0, "exec: unexpected message %s from the process",
				    sync_type_name(msg.type));
	}
	if (eof->errnum != EPIPE) {
		*err = steal_ptr(eof);
		return -1;
	}
	return 0;
}

/* Fork stage 1, place the process it forks, and follow it to its execve. */
static int exec_start(struct exec_child *x, const bc_exec_opts_t *o, const struct exec_cgroups *cgs,
		      struct exec_started *s, bc_error_t **err)
{
	const bc_process_t *p = x->spec->process;
	cleanup_close int sock = -1;
	cleanup_child pid_t stage1 = 0;
	cleanup_child pid_t pid = 0;
	bc_sync_msg_t msg;
	int sv[2], status;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return bc_error_errno(err, "exec: create sync socketpair");
	sock = sv[0];
	x->sync_fd = sv[1];
	x->runtime = getpid();
	stage1 = exec_clone(0);
	if (stage1 < 0) {
		stage1 = 0;
		close(sv[1]);
		return bc_error_errno(err, "exec: fork");
	}
	if (stage1 == 0) {
		close(sock);
		exec_stage1(x);
	}
	close(sv[1]);
	if (exec_expect(sock, BC_SYNC_PID, &msg, err) < 0)
		return -1;
	pid = (pid_t)msg.value;
	while (waitpid(stage1, &status, 0) < 0 && errno == EINTR)
		;
	stage1 = 0;
	bc_debug("exec: process %d started in container", (int)pid);
	/* Before it runs anything of the container's: in its cgroups, with its affinity. */
	if (procattr_exec_affinity_initial(p, pid, err) < 0 ||
	    exec_enter_cgroups(cgs, pid, err) < 0 ||
	    procattr_exec_affinity_final(p, pid, err) < 0 || exec_send_continue(sock, err) < 0)
		return -1;
	s->master = -1;
	if (exec_follow(sock, o, s, err) < 0) {
		if (s->master >= 0)
			close(steal_fd(s->master));
		return -1;
	}
	s->pid = pid;
	pid = 0;
	return 0;
}

static int exec_exit_code(int status)
{
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}

/* Wait for the process, forwarding signals (and proxying its terminal); its exit code. */
static int exec_wait(const struct exec_started *s, const sigset_t *mask, bc_error_t **err)
{
	cleanup_close int sfd = signalfd(-1, mask, SFD_CLOEXEC);
	cleanup_close int pidfd = bc_pidfd_open(s->pid, 0);
	int status;

	if (sfd < 0 || pidfd < 0)
		return bc_error_errno(err, "exec: wait for process %d", (int)s->pid);
	if (s->master >= 0 && terminal_proxy(s->master, pidfd, err) < 0)
		return -1;
	for (;;) {
		struct signalfd_siginfo si;
		pid_t w = waitpid(s->pid, &status, WNOHANG);

		if (w == s->pid)
			return exec_exit_code(status);
		if (w < 0 && errno != EINTR)
			return bc_error_errno(err, "exec: wait for process %d", (int)s->pid);
		if (read(sfd, &si, sizeof(si)) != sizeof(si))
			continue;
		if (si.ssi_signo != SIGCHLD)
			bc_pidfd_send_signal(pidfd, (int)si.ssi_signo, 0);
	}
}

static int exec_write_pid_file(const char *path, pid_t pid, bc_error_t **err)
{
	char buf[32];
	int n = snprintf(buf, sizeof(buf), "%d", (int)pid);

	if (bc_write_file_atomic(path, buf, (size_t)n, 0644, err) < 0)
		return bc_error_wrap(err, "exec: pid file");
	return 0;
}

/* Everything stage 1 needs, prepared while we see the host. */
static int exec_prepare(const bc_exec_target_t *t, struct exec_child *x, bc_error_t **err)
{
	const bc_spec_t *spec = t->spec;
	const bc_seccomp_t *sc = spec->linux_ ? spec->linux_->seccomp : NULL;

	if (procattr_prepare(spec, &x->plan, err) < 0)
		return -1;
	/* Here, as at create: libseccomp's allocations stay out of the container's cgroup. */
	if (sc && seccomp_cache_compile(sc, t->root_fd, &x->prog, err) < 0)
		return -1;
	if (seccomp_filter_spec_uses_notify(sc)) {
		bc_state_t st = *t->state;

		st.status = "running";
		x->listener_state =
		    bc_container_process_state_json(&st, sc->listener_metadata, err);
		if (x->listener_state == NULL)
			return -1;
	}
	return 0;
}

static int exec_run_prepared(const bc_exec_target_t *t, const bc_exec_opts_t *o,
			     struct exec_child *x, bc_error_t **err)
{
	struct exec_cgroups cgs = {0};
	struct exec_started s = {.pid = 0, .master = -1};
	sigset_t mask, old;
	int ret;

	if (exec_open_cgroups(t, o, &cgs, err) < 0)
		return -1;
	if (exec_open_ns(t, &x->ns, err) < 0) {
		exec_cgroups_free(&cgs);
		return -1;
	}
	/* Blocked before the process exists, so that none is lost; stage 1 unblocks them. */
	sigemptyset(&mask);
	for (size_t i = 0; i < BC_ARRAY_SIZE(exec_forwarded); i++)
		sigaddset(&mask, exec_forwarded[i]);
	sigaddset(&mask, SIGCHLD);
	if (!o->detach)
		sigprocmask(SIG_BLOCK, &mask, &old);
	ret = exec_start(x, o, &cgs, &s, err);
	exec_ns_close(&x->ns);
	exec_cgroups_free(&cgs);
	if (ret == 0 && o->pid_file && exec_write_pid_file(o->pid_file, s.pid, err) < 0) {
		kill(s.pid, SIGKILL);
		while (waitpid(s.pid, NULL, 0) < 0 && errno == EINTR)
			;
		ret = -1;
	}
	if (ret == 0 && !o->detach)
		ret = exec_wait(&s, &mask, err);
	if (s.master >= 0)
		close(s.master);
	if (!o->detach)
		sigprocmask(SIG_SETMASK, &old, NULL);
	return ret;
}

int exec_run(const bc_exec_target_t *t, const bc_exec_opts_t *o, bc_error_t **err)
{
	bc_spec_t *spec = t->spec;
	bc_process_t *p = NULL;
	struct exec_child x = {.spec = spec, .listener_fd = -1, .preserve_fds = o->preserve_fds};
	int ret;

	if (exec_build_process(o, steal_ptr(spec->process), &p, err) < 0)
		return -1;
	spec->process = p;
	if (exec_check(o, spec, err) < 0)
		return -1;
	ret = exec_prepare(t, &x, err);
	if (ret == 0)
		ret = exec_run_prepared(t, o, &x, err);
	seccomp_filter_free(x.prog);
	free(x.listener_state);
	return ret;
}
