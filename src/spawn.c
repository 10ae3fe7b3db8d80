/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "barco/cgroup.h"
#include "barco/hooks.h"
#include "barco/idmap.h"
#include "barco/init.h"
#include "barco/log.h"
#include "barco/netdev.h"
#include "barco/seccomp_cache.h"
#include "barco/seccomp_filter.h"
#include "barco/spawn.h"
#include "barco/sync.h"
#include "barco/terminal.h"
#include "barco/util.h"

/* Kills and reaps the child unless disarmed (pid set to 0) on success. */
static void spawn_reap_guard(pid_t *pid)
{
	int saved = errno;

	if (*pid > 0) {
		kill(*pid, SIGKILL);
		while (waitpid(*pid, NULL, 0) < 0 && errno == EINTR)
			;
	}
	errno = saved;
}
#define cleanup_child __attribute__((cleanup(spawn_reap_guard)))

static int spawn_listen_fds(void)
{
	const char *v = getenv("LISTEN_FDS");
	int64_t n;

	if (v == NULL || bc_parse_int64(v, &n) < 0 || n <= 0 || n > 4096)
		return 0;
	return (int)n;
}

static int spawn_hooks(const bc_spawn_opts_t *o, pid_t pid, bc_error_t **err)
{
	const bc_spec_t *spec = o->spec;
	cleanup_free char *json = NULL;
	bc_state_t st;

	if (spec->hooks.count[BC_HOOK_PRESTART] == 0 &&
	    spec->hooks.count[BC_HOOK_CREATE_RUNTIME] == 0)
		return 0;
	st = *o->state;
	st.pid = pid;
	st.status = "creating";
	json = bc_state_to_json(&st, BC_STATE_JSON_OCI, err);
	if (json == NULL)
		return -1;
	if (hooks_run(spec, BC_HOOK_PRESTART, json, err) < 0 ||
	    hooks_run(spec, BC_HOOK_CREATE_RUNTIME, json, err) < 0)
		return -1;
	return 0;
}

static int spawn_console(const bc_spawn_opts_t *o, int sock, bc_spawn_result_t *res,
			 bc_error_t **err)
{
	cleanup_close int master = terminal_recv_fd(sock, err);

	if (master < 0)
		return -1;
	if (o->console_socket) {
		if (terminal_send_to_console_socket(o->console_socket, master, err) < 0)
			return -1;
		return 0;
	}
	res->console_fd = steal_fd(master);
	return 0;
}

/* Send to the init.  If it is already gone, its own error is waiting in the socket and
 * says why far better than our EPIPE does. */
static int spawn_send(int sock, enum bc_sync_type type, int64_t value, bc_error_t **err)
{
	bc_error_t *child_err = NULL;
	bc_sync_msg_t msg;

	if (sync_send(sock, type, 0, value, NULL, err) == 0)
		return 0;
	if (*err == NULL || ((*err)->errnum != EPIPE && (*err)->errnum != ECONNRESET))
		return -1;
	if (sync_recv(sock, &msg, &child_err) == 0 && msg.type == BC_SYNC_ERROR) {
		bc_error_freep(err);
		return bc_error_set_code(err, msg.errnum, "%s", msg.payload);
	}
	bc_error_free(child_err);
	return -1;
}

/* Drive the init from CONTINUE to READY. */
static int spawn_sync(const bc_spawn_opts_t *o, int sock, pid_t pid, bc_spawn_result_t *res,
		      bc_error_t **err)
{
	bc_sync_msg_t msg;

	if (spawn_send(sock, BC_SYNC_CONTINUE, pid, err) < 0)
		return -1;
	for (;;) {
		if (sync_recv(sock, &msg, err) < 0)
			return -1;
		switch (msg.type) {
		case BC_SYNC_ERROR:
			/* The init's message is already complete: pass it on as it is. */
			return bc_error_set_code(err, msg.errnum, "%s", msg.payload);
		case BC_SYNC_CREATE_RUNTIME:
			if (spawn_hooks(o, pid, err) < 0)
				return -1;
			if (spawn_send(sock, BC_SYNC_CREATE_RUNTIME_DONE, 0, err) < 0)
				return -1;
			break;
		case BC_SYNC_CONSOLE:
			if (spawn_console(o, sock, res, err) < 0)
				return -1;
			break;
		case BC_SYNC_MOUNT_FDS:
			/* Made here, in the host's namespaces: the init could not (idmap.h). */
			if (idmap_send_mounts(sock, o->spec, o->state ? o->state->bundle : NULL,
					      pid, err) < 0)
				return -1;
			break;
		case BC_SYNC_READY:
			return 0;
		default:
			return bc_error_set(err, 0, "unexpected message %s from container init",
					    sync_type_name(msg.type));
		}
	}
}

/* Stage 1 unshares its user namespace, we write its maps, it forks the init and exits. */
static int spawn_two_stage(const bc_spec_t *spec, int sock, pid_t *pid, bc_error_t **err)
{
	bc_sync_msg_t msg;
	int status;

	if (sync_expect(sock, BC_SYNC_USERNS_READY, &msg, err) < 0)
		return -1;
	if (ns_write_id_maps(*pid, spec, err) < 0)
		return -1;
	if (spawn_send(sock, BC_SYNC_USERNS_DONE, 0, err) < 0 ||
	    sync_expect(sock, BC_SYNC_PID, &msg, err) < 0)
		return -1;
	while (waitpid(*pid, &status, 0) < 0 && errno == EINTR)
		;
	/* From here the guard watches the init itself, which is ours now as subreaper. */
	*pid = (pid_t)msg.value;
	return 0;
}

/* OOM kills counted in the container's memory cgroup (v2 memory.events, v1
 * memory.oom_control); false when that can't be told. */
static bool spawn_oom_killed(const cgroup_t *cg)
{
	cleanup_free char *text = NULL;
	cleanup_error bc_error_t *e = NULL;
	int fd = cg ? cgroup_dirfd(cg, "memory", NULL) : -1;
	const char *p;

	if (fd < 0 || bc_read_file_at(fd,
				      cgroup_get_mode(cg) == CGROUP_MODE_V2 ? "memory.events"
									    : "memory.oom_control",
				      65536, &text, NULL, &e) < 0)
		return false;
	for (p = text; p != NULL; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		if (strncmp(p, "oom_kill ", strlen("oom_kill ")) == 0)
			return strtoull(p + strlen("oom_kill "), NULL, 10) > 0;
	return false;
}

/* The init died without a word (EPIPE): when the OOM killer took it, say so.  It is waited
 * for without being reaped (the guard reaps it), for at most a second. */
static void spawn_explain_death(const cgroup_t *cg, const bc_spec_t *spec, pid_t pid,
				bc_error_t **err)
{
	const bc_resources_t *r = spec->linux_ ? spec->linux_->resources : NULL;
	siginfo_t si = {0};

	if (cg == NULL || *err == NULL || (*err)->errnum != EPIPE)
		return;
	for (int i = 0; i < 100 && si.si_pid == 0; i++) {
		struct timespec ts = {0, 10 * 1000 * 1000};

		if (waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG | WNOWAIT) < 0)
			return;
		if (si.si_pid == 0)
			nanosleep(&ts, NULL);
	}
	if (si.si_pid == 0 || si.si_code != CLD_KILLED || si.si_status != SIGKILL ||
	    !spawn_oom_killed(cg))
		return;
	bc_error_freep(err);
	if (r && r->memory && r->memory->has_limit)
		bc_error_set_code(err, ENOMEM,
				  "container init was killed by the OOM killer before exec: "
				  "linux.resources.memory.limit %lld bytes is too small for the "
				  "container's setup",
				  (long long)r->memory->limit);
	else
		bc_error_set_code(err, ENOMEM,
				  "container init was killed by the OOM killer before exec (the "
				  "memory limit of its cgroup is too small)");
}

static pid_t spawn_clone(int flags)
{
	/* A NULL stack gives fork semantics: the child runs on a copy of our stack. */
	return (pid_t)syscall(SYS_clone, (unsigned long)flags | SIGCHLD, NULL, NULL, NULL, 0);
}

int spawn_init(const bc_spawn_opts_t *o, bc_spawn_result_t *res, bc_error_t **err)
{
	const bc_spec_t *spec = o->spec;
	cleanup_close int sock_parent = -1;
	cleanup_close int sock_child = -1;
	cleanup_close int fifo = -1;
	cleanup_close int netns_fd = -1;
	/* Declared before the child's guard, so undone after the init is killed and reaped. */
	cleanup_cgroup_abort cgroup_t *cg = NULL;
	cleanup_child pid_t pid = 0;
	cleanup_seccomp_prog bc_seccomp_prog_t *prog = NULL;
	bc_init_config_t ic = {0};
	bc_ns_fds_t own_ns;
	int sv[2], flags, ret;

	res->pid = 0;
	res->console_fd = -1;
	/* Refused before the init exists: an idmapped mount that cannot be made (idmap.h). */
	if (idmap_validate(spec, err) < 0)
		return -1;
	if (netdev_validate(spec, err) < 0)
		return -1;
	/* Here, not in the init: what libseccomp allocates would be charged to the container's
	 * memory cgroup (most of the init's footprint), and a bad profile fails before clone. */
	if (spec->linux_ && spec->linux_->seccomp &&
	    seccomp_cache_compile(spec->linux_->seccomp, o->root_fd, &prog, err) < 0)
		return -1;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return bc_error_errno(err, "create sync socketpair");
	sock_parent = sv[0];
	sock_child = sv[1];
	fifo = openat(o->state_dirfd, "exec.fifo", O_PATH | O_CLOEXEC);
	if (fifo < 0)
		return bc_error_errno(err, "open exec.fifo");
	if (ns_open_paths(spec, &ic.ns, err) < 0)
		return -1;
	if (ns_prepare_parent(spec, &ic.ns, &own_ns, err) < 0) {
		ns_restore_parent(&own_ns);
		ns_close_fds(&ic.ns);
		return -1;
	}
	/* The init unshares its cgroup namespace itself, once we have placed it in its cgroups,
	 * so that the namespace's root is the container's cgroup (init.c). */
	flags = ns_new_flags(spec) & ~CLONE_NEWCGROUP;
	ic.spec = spec;
	ic.rootfs = o->rootfs;
	ic.sync_fd = sock_child;
	ic.fifo_fd = fifo;
	ic.new_userns = (flags & CLONE_NEWUSER) != 0;
	ic.unprivileged_maps = ic.new_userns && geteuid() != 0;
	ic.two_stage = ic.new_userns && ns_any_joined(&ic.ns);
	ic.new_flags = flags;
	ic.no_pivot = o->no_pivot;
	ic.no_new_keyring = o->no_new_keyring;
	ic.listen_fds = spawn_listen_fds();
	ic.preserve_fds = o->preserve_fds + ic.listen_fds;
	ic.state = o->state;
	ic.lock_fd = o->lock_fd;
	ic.seccomp_prog = prog;

	/* In two stages the init is a grandchild: adopt it, so that run can wait for it. */
	if (ic.two_stage && prctl(PR_SET_CHILD_SUBREAPER, 1) < 0) {
		ns_close_fds(&ic.ns);
		return bc_error_errno(err, "become a child subreaper");
	}
	pid = spawn_clone(ic.two_stage ? 0 : flags);
	if (pid != 0)
		ns_restore_parent(&own_ns);
	if (pid < 0) {
		pid = 0;
		ns_close_fds(&ic.ns);
		if (errno == ENOSPC || errno == EUSERS)
			return bc_error_errno(err, "create namespaces: nesting depth or "
						   "max_*_namespaces exceeded");
		return bc_error_errno(err, "clone the container init");
	}
	if (pid == 0) {
		close(sock_parent);
		init_main(&ic);
	}
	/* A network namespace joined by path gets linux.netDevices even before the init joins. */
	netns_fd = steal_fd(ic.ns.fd[BC_NS_NETWORK]);
	ns_close_fds(&ic.ns);
	close(steal_fd(sock_child));
	bc_debug("container init started as pid %d", (int)pid);
	if (ic.two_stage) {
		if (spawn_two_stage(spec, sock_parent, &pid, err) < 0)
			return -1;
	} else if (ic.new_userns && ns_write_id_maps(pid, spec, err) < 0) {
		return -1;
	}
	/* Before the init allocates anything, and before it unshares its cgroup namespace. */
	if (cgroup_enter(spec, o->state ? o->state->id : NULL, pid, o->state_dirfd, &cg, err) < 0)
		return -1;
	/* The init is in its network namespace and waits: the devices are there before its
	 * sysctls and the prestart/createRuntime hooks. */
	if (netdev_move_all(spec, pid, netns_fd, err) < 0)
		return -1;
	/* The final CONTINUE tells the init that it is recorded: if we die before, it exits
	 * instead of waiting for a start that nobody can give. */
	ret = spawn_sync(o, sock_parent, pid, res, err);
	if (ret < 0)
		spawn_explain_death(cg, spec, pid, err);
	if (ret < 0 || (o->on_ready && o->on_ready(o->on_ready_arg, pid, err) < 0) ||
	    spawn_send(sock_parent, BC_SYNC_CONTINUE, 0, err) < 0) {
		if (res->console_fd >= 0)
			close(steal_fd(res->console_fd));
		return -1;
	}
	res->pid = pid;
	pid = 0; /* disarm: the init now waits for start */
	cgroup_free(steal_ptr(cg));
	return 0;
}
