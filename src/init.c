/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "barco/caps.h"
#include "barco/hooks.h"
#include "barco/idmap.h"
#include "barco/init.h"
#include "barco/log.h"
#include "barco/lsm.h"
#include "barco/procattr.h"
#include "barco/rootfs.h"
#include "barco/seccomp_filter.h"
#include "barco/sync.h"
#include "barco/terminal.h"
#include "barco/util.h"

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif
#define KEYCTL_JOIN_SESSION_KEYRING 1
#define DEFAULT_PATH		    "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

char *init_lookup_executable(const char *name, const char *path_env, bc_error_t **err)
{
	struct stat st;

	if (name == NULL || *name == '\0')
		return bc_error_set(err, 0, "config.json: process.args: no command to run"), NULL;
	if (strchr(name, '/')) {
		if (stat(name, &st) < 0)
			return bc_error_errno(err, "exec: \"%s\": stat", name), NULL;
		if (S_ISDIR(st.st_mode))
			return bc_error_set(err, EISDIR, "exec: \"%s\"", name), NULL;
		if (access(name, X_OK) < 0)
			return bc_error_errno(err, "exec: \"%s\"", name), NULL;
		return bc_xstrdup(name);
	}
	cleanup_free char *dirs = bc_xstrdup(path_env ? path_env : DEFAULT_PATH);
	char *save = NULL;

	for (char *d = strtok_r(dirs, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
		cleanup_free char *cand = bc_xasprintf("%s/%s", *d ? d : ".", name);

		if (stat(cand, &st) == 0 && S_ISREG(st.st_mode) && access(cand, X_OK) == 0)
			return steal_ptr(cand);
	}
	bc_error_set(err, 0, "exec: \"%s\": executable file not found in $PATH", name);
	return NULL;
}

const char *init_env_get(char *const *env, const char *key)
{
	size_t k = strlen(key);

	for (size_t i = 0; env && env[i]; i++) {
		if (strncmp(env[i], key, k) == 0 && env[i][k] == '=')
			return env[i] + k + 1;
	}
	return NULL;
}

/* HOME from the container's /etc/passwd for uid, "/" when it has none (runc does this). */
static char *init_home_for(uid_t uid)
{
	char *home = bc_passwd_field("/etc/passwd", uid, 5);

	return home ? home : bc_xstrdup("/");
}

char **init_build_env(const bc_process_t *p, int listen_fds)
{
	size_t n = bc_strv_len(p->env);
	char **env = bc_xcalloc(n + 4, sizeof(char *));
	size_t k = 0;

	for (size_t i = 0; i < n; i++)
		env[k++] = bc_xstrdup(p->env[i]);
	if (init_env_get(p->env, "HOME") == NULL) {
		cleanup_free char *home = init_home_for(p->user.uid);
		env[k++] = bc_xasprintf("HOME=%s", home);
	}
	if (listen_fds > 0) {
		env[k++] = bc_xasprintf("LISTEN_FDS=%d", listen_fds);
		env[k++] = bc_xasprintf("LISTEN_PID=%d", (int)getpid());
	}
	return env;
}

static int init_sysctl(const bc_spec_t *spec, bc_error_t **err)
{
	for (size_t i = 0; spec->linux_ && i < spec->linux_->n_sysctl; i++) {
		const bc_kv_t *kv = &spec->linux_->sysctl[i];
		/* Checked at create (oci/spec.c): a namespaced sysctl, no '/' or "..". */
		cleanup_free char *path = bc_xasprintf("sys/%s", kv->key);

		for (char *s = path + strlen("sys/"); *s; s++)
			if (*s == '.')
				*s = '/';
		if (bc_procfs_write(path, kv->value, err) < 0)
			return bc_error_wrap(err, "sysctl %s", kv->key);
	}
	return 0;
}

int init_rlimits(const bc_process_t *p, bc_error_t **err)
{
	for (size_t i = 0; i < p->n_rlimits; i++) {
		const bc_rlimit_t *r = &p->rlimits[i];
		struct rlimit rl = {.rlim_cur = r->soft, .rlim_max = r->hard};

		if (setrlimit(r->resource, &rl) < 0) {
			struct rlimit cur;

			if (errno == EPERM && getrlimit(r->resource, &cur) == 0 &&
			    r->hard > cur.rlim_max)
				return bc_error_errno(
				    err,
				    "setrlimit %s (soft %llu, hard %llu): raising "
				    "the hard limit above %llu needs "
				    "CAP_SYS_RESOURCE",
				    r->type, (unsigned long long)r->soft,
				    (unsigned long long)r->hard, (unsigned long long)cur.rlim_max);
			return bc_error_errno(err, "setrlimit %s (soft %llu, hard %llu)", r->type,
					      (unsigned long long)r->soft,
					      (unsigned long long)r->hard);
		}
	}
	return 0;
}

int init_oom_score(const bc_process_t *p, bc_error_t **err)
{
	char buf[32];

	if (!p->has_oom_score_adj)
		return 0;
	snprintf(buf, sizeof(buf), "%d", p->oom_score_adj);
	return bc_procfs_write("self/oom_score_adj", buf, err);
}

static int init_user(const bc_process_t *p, bc_error_t **err)
{
	const bc_user_t *u = &p->user;
	gid_t *gids = bc_xcalloc(u->n_additional_gids + 1, sizeof(gid_t));
	int r;

	for (size_t i = 0; i < u->n_additional_gids; i++)
		gids[i] = u->additional_gids[i];
	r = setgroups(u->n_additional_gids, gids);
	free(gids);
	/* setgroups is denied in a user namespace with setgroups=deny: only fatal when asked. */
	if (r < 0 && !(errno == EPERM && u->n_additional_gids == 0))
		return bc_error_errno(err, "setgroups (process.user.additionalGids)");
	if (setresgid(u->gid, u->gid, u->gid) < 0)
		return bc_error_errno(err, "setgid %u (process.user.gid)", u->gid);
	if (setresuid(u->uid, u->uid, u->uid) < 0)
		return bc_error_errno(err, "setuid %u (process.user.uid)", u->uid);
	if (u->has_umask)
		umask((mode_t)u->umask);
	return 0;
}

static int init_hook_state(const bc_init_config_t *c, pid_t host_pid, const char *status,
			   char **out, bc_error_t **err)
{
	bc_state_t st = *c->state;

	st.pid = host_pid;
	st.status = (char *)status;
	*out = bc_state_to_json(&st, BC_STATE_JSON_OCI, err);
	return *out ? 0 : -1;
}

/* Wait for `start`: the write end of exec.fifo opens only once start opens the read end.
 * Reopened through /proc because the fifo's path is outside the new root.  The returned fd
 * stays open until execve closes it (O_CLOEXEC): start reads until EOF, so it returns only
 * once the process runs, and an error written here before exec reaches start instead. */
static int init_wait_start(int fifo_fd, bc_error_t **err)
{
	char name[16];
	cleanup_close int fddir = bc_procfs_open("self/fd", O_PATH | O_DIRECTORY, err);
	cleanup_close int fd = -1;

	if (fddir < 0)
		return bc_error_wrap(err, "reopen exec.fifo (is /proc mounted in the container?)");
	/* The last component is the magic link to the fifo: followed on purpose. */
	snprintf(name, sizeof(name), "%d", fifo_fd);
	do
		fd = openat(fddir, name, O_WRONLY | O_CLOEXEC);
	while (fd < 0 && errno == EINTR);
	if (fd < 0)
		return bc_error_errno(err, "open exec.fifo through /proc/self/fd/%s", name);
	if (bc_write_all(fd, "0", 1) < 0)
		return bc_error_errno(err, "write exec.fifo");
	return steal_fd(fd);
}

/* What the init keeps for seccomp between setup and exec. */
struct init_seccomp {
	bc_seccomp_prog_t *prog; /* NULL without linux.seccomp */
	int listener_fd;	 /* connected to listenerPath when the profile uses NOTIFY */
};

/* listenerPath is a host path: connected before any namespace is joined and before the uid
 * changes, so that it resolves as in the runtime, with the runtime's credentials. */
static int init_seccomp_connect(const bc_init_config_t *c, struct init_seccomp *sc,
				bc_error_t **err)
{
	const bc_seccomp_t *s = c->spec->linux_ ? c->spec->linux_->seccomp : NULL;

	sc->listener_fd = -1;
	if (!seccomp_filter_spec_uses_notify(s))
		return 0;
	sc->listener_fd = seccomp_filter_listener_connect(s, err);
	return sc->listener_fd < 0 ? -1 : 0;
}

/* Load the filter; a notify fd goes to the listener at once and neither stays open.  The
 * state is built before the load: as few syscalls as possible run under the filter. */
static int init_seccomp_load(const bc_init_config_t *c, struct init_seccomp *sc, pid_t host_pid,
			     const char *status, bc_error_t **err)
{
	cleanup_free char *json = NULL;
	cleanup_close int listener = steal_fd(sc->listener_fd);
	cleanup_close int nfd = -1;
	bc_state_t st = *c->state;

	if (listener >= 0) {
		st.pid = host_pid;
		st.status = (char *)status;
		json = bc_container_process_state_json(
		    &st, c->spec->linux_->seccomp->listener_metadata, err);
		if (json == NULL)
			return -1;
	}
	if (seccomp_filter_load(sc->prog, &nfd, err) < 0)
		return -1;
	if (nfd >= 0 && seccomp_filter_listener_send(listener, nfd, json, err) < 0)
		return bc_error_wrap(err, "seccomp listener %s",
				     c->spec->linux_->seccomp->listener_path);
	return 0;
}

static int init_setup(const bc_init_config_t *c, pid_t host_pid, struct init_seccomp *sc,
		      char **exe, char ***envp, bc_error_t **err);

/* CVE-2024-21626 class: we are a copy of the runtime, holding its fds (the state directory,
 * whatever its caller leaked to it).  Close everything but stdio, the preserved fds and what
 * the init itself needs, now: not merely close-on-exec, since hooks, the executable's lookup
 * and process.cwd would reach through /proc/self/fd/N before exec. */
static int init_close_inherited(const bc_init_config_t *c, bc_error_t **err)
{
	int keep[BC_NS_TYPE_COUNT + 3];
	size_t n = 0;
	unsigned int lo = 3 + (unsigned int)c->preserve_fds;

	bc_procfs_reset();
	keep[n++] = c->sync_fd;
	keep[n++] = c->fifo_fd;
	keep[n++] = bc_log_fd();
	for (size_t i = 0; i < BC_NS_TYPE_COUNT; i++)
		keep[n++] = c->ns.fd[i];
	return bc_close_fds_from(lo, keep, n, err);
}

/* The first stage of a two-stage start: returns in the forked init, exits in stage 1. */
static int init_stage1(const bc_init_config_t *c, bc_error_t **err)
{
	bc_sync_msg_t msg;
	pid_t pid;

	if (ns_join(&c->ns, err) < 0)
		return -1;
	if (unshare(CLONE_NEWUSER) < 0)
		return bc_error_errno(err, "create user namespace");
	if (sync_send(c->sync_fd, BC_SYNC_USERNS_READY, 0, 0, NULL, err) < 0 ||
	    sync_expect(c->sync_fd, BC_SYNC_USERNS_DONE, &msg, err) < 0)
		return -1;
	if (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0)
		return bc_error_errno(err, "become root in the user namespace (is uid 0 mapped?)");
	if (unshare(c->new_flags & ~CLONE_NEWUSER) < 0)
		return bc_error_errno(err, "create namespaces");
	/* The pid namespace takes effect for children only: the init is our child. */
	pid = fork();
	if (pid < 0)
		return bc_error_errno(err, "fork the container init");
	if (pid > 0) {
		if (sync_send(c->sync_fd, BC_SYNC_PID, 0, pid, NULL, err) < 0)
			_exit(1);
		_exit(0);
	}
	return 0;
}

static int init_console(const bc_init_config_t *c, bc_error_t **err);

static int init_loopback_up(bc_error_t **err)
{
	cleanup_close int sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	struct ifreq ifr = {0};

	if (sock < 0)
		return bc_error_errno(err, "bring up lo: socket");
	strcpy(ifr.ifr_name, "lo");
	if (ioctl(sock, SIOCGIFFLAGS, &ifr) < 0)
		return bc_error_errno(err, "bring up lo: get its flags");
	if (ifr.ifr_flags & IFF_UP)
		return 0;
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(sock, SIOCSIFFLAGS, &ifr) < 0)
		return bc_error_errno(err, "bring up lo");
	return 0;
}

/* The kernel clears PR_SET_PDEATHSIG when our euid or egid changes (becoming root of a new
 * user namespace whose 0 maps to another host uid), and a fork does not pass it on (the
 * two-stage init): set it again, so that a runtime killed while a createContainer hook or
 * anything else holds us still takes us along.  If the runtime died before, its end of the
 * sync socket is closed: nobody is left to report to. */
static void init_rearm_pdeathsig(int sync_fd)
{
	struct pollfd p = {.fd = sync_fd, .events = POLLRDHUP};

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (poll(&p, 1, 0) > 0 && (p.revents & (POLLHUP | POLLRDHUP)))
		_exit(1);
}

void init_main(const bc_init_config_t *c)
{
	cleanup_error bc_error_t *err = NULL;
	cleanup_free char *exe = NULL;
	cleanup_free char *state_json = NULL;
	char **envp = NULL;
	bc_sync_msg_t msg;
	struct init_seccomp sc = {.prog = c->seccomp_prog, .listener_fd = -1};
	pid_t host_pid;
	int start_fd = -1;
	sigset_t none;

	/* flock locks follow the open file: a copy kept here would block `start` forever. */
	if (c->lock_fd >= 0)
		close(c->lock_fd);
	if (init_close_inherited(c, &err) < 0)
		goto fail;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	/* The runtime may die while we wait: then there is nobody to report to. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	/* Written while our /proc files are still ours: a non-dumpable process's belong to
	 * the host's root, out of reach once we are root in a new user namespace. */
	if (c->spec->process && init_oom_score(c->spec->process, &err) < 0)
		goto fail;
	/* Non-dumpable while we hold host resources: nothing in the container may ptrace us
	 * or open our /proc/PID/{fd,exe,cwd,environ}.  execve resets it for the process.  An
	 * unprivileged runtime writes our id maps only while we are dumpable: later. */
	if (!c->unprivileged_maps && prctl(PR_SET_DUMPABLE, 0) < 0) {
		bc_error_errno(&err, "make the init non-dumpable");
		goto fail;
	}
	if (init_seccomp_connect(c, &sc, &err) < 0)
		goto fail;
	if (c->two_stage && init_stage1(c, &err) < 0)
		goto fail;
	if (sync_expect(c->sync_fd, BC_SYNC_CONTINUE, &msg, &err) < 0)
		_exit(1);
	host_pid = (pid_t)msg.value;
	/* Reparented to the runtime (a child subreaper) by now: stage 1 has been reaped. */
	if (c->two_stage)
		init_rearm_pdeathsig(c->sync_fd);
	/* An unprivileged runtime has written our id maps by now: our turn to hide. */
	if (c->unprivileged_maps && prctl(PR_SET_DUMPABLE, 0) < 0) {
		bc_error_errno(&err, "make the init non-dumpable");
		goto fail;
	}
	if (init_setup(c, host_pid, &sc, &exe, &envp, &err) < 0)
		goto fail;
	/* We outlive the runtime from here: cleared before READY, since the runtime may exit
	 * as soon as it has READY.  If it dies before its last CONTINUE, nobody recorded us:
	 * the receive fails and we exit instead of waiting for a start that never comes. */
	prctl(PR_SET_PDEATHSIG, 0);
	if (sync_send(c->sync_fd, BC_SYNC_READY, 0, 0, NULL, &err) < 0 ||
	    sync_expect(c->sync_fd, BC_SYNC_CONTINUE, &msg, &err) < 0)
		_exit(1);
	close(c->sync_fd);
	/* From here nobody waits for our errors: they go to the container's stderr. */
	if (c->fifo_fd >= 0) {
		start_fd = init_wait_start(c->fifo_fd, &err);
		if (start_fd < 0)
			goto late_fail;
	}
	if (c->spec->hooks.count[BC_HOOK_START_CONTAINER] > 0) {
		if (init_hook_state(c, host_pid, "running", &state_json, &err) < 0 ||
		    hooks_run(c->spec, BC_HOOK_START_CONTAINER, state_json, &err) < 0)
			goto late_fail;
	}
	/* Everything but stdio and the preserved fds is closed at exec. */
	if (syscall(SYS_close_range, 3 + c->preserve_fds, ~0U, CLOSE_RANGE_CLOEXEC) < 0) {
		bc_error_errno(&err, "close_range");
		goto late_fail;
	}
	/* With no_new_privs the filter comes last: the profile need not allow our own work. */
	if (sc.prog && c->spec->process->no_new_privileges &&
	    init_seccomp_load(c, &sc, host_pid, "running", &err) < 0)
		goto late_fail;
	execve(exe, c->spec->process->args, envp);
	bc_error_errno(&err, "exec %s", exe);
late_fail:
	/* `start` is reading the fifo: the error becomes its error. */
	if (start_fd < 0 || bc_write_all(start_fd, err->msg, strlen(err->msg)) < 0)
		dprintf(STDERR_FILENO, "barco: %s\n", err->msg);
	_exit(127);
fail:
	sync_send_error(c->sync_fd, err);
	_exit(1);
}

/* CVE-2024-21626: a cwd such as /proc/self/fd/N could name a directory the runtime holds open
 * outside the container.  The kernel reports such a cwd as unreachable from our root, which
 * getcwd turns into ENOENT: refuse it. */
int init_chdir(const char *cwd, bc_error_t **err)
{
	char buf[PATH_MAX];

	if (chdir(cwd) < 0)
		return bc_error_errno(err, "chdir to %s (process.cwd)", cwd);
	if (getcwd(buf, sizeof(buf)) == NULL) {
		if (errno == ENOENT)
			return bc_error_set(err, 0,
					    "process.cwd %s is outside the container's root: "
					    "refusing it",
					    cwd);
		if (errno != ENAMETOOLONG)
			return bc_error_errno(err, "getcwd after chdir to %s (process.cwd)", cwd);
	}
	return 0;
}

static int init_console(const bc_init_config_t *c, bc_error_t **err)
{
	const bc_process_t *p = c->spec->process;
	cleanup_close int master = -1;

	if (!p->terminal)
		return 0;
	master = terminal_setup_child(p->has_console_size, p->console_height, p->console_width,
				      true, err);
	if (master < 0)
		return -1;
	if (sync_send(c->sync_fd, BC_SYNC_CONSOLE, 0, 0, NULL, err) < 0)
		return -1;
	return terminal_send_fd(c->sync_fd, master, NULL, err);
}

static bool init_new_cgroupns(const bc_spec_t *spec)
{
	const bc_namespace_t *ns = bc_spec_namespace(spec, BC_NS_CGROUP);

	return ns != NULL && ns->path == NULL;
}

int init_drop_privileges(const bc_process_t *p, bc_error_t **err)
{
	if (caps_before_user(p->capabilities, err) < 0 || init_user(p, err) < 0 ||
	    caps_after_user(p->capabilities, err) < 0)
		return -1;
	if (p->no_new_privileges && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return bc_error_errno(err, "set no_new_privs");
	/* A uid change resets dumpable to fs.suid_dumpable: make sure it stays off. */
	if (prctl(PR_SET_DUMPABLE, 0) < 0)
		return bc_error_errno(err, "stay non-dumpable after the uid change");
	return 0;
}

static int init_setup(const bc_init_config_t *c, pid_t host_pid, struct init_seccomp *sc,
		      char **exe, char ***envp, bc_error_t **err)
{
	const bc_spec_t *spec = c->spec;
	const bc_process_t *p = spec->process;
	int *mount_fds = NULL;
	bc_sync_msg_t msg;
	int r;

	/* Read the host's /sys while it is still in view: a label without its LSM fails now. */
	if (lsm_check(spec, err) < 0)
		return -1;

	/* In a new user namespace, become its root once the runtime has written our maps. */
	if (!c->two_stage) {
		if (c->new_userns && (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0))
			return bc_error_errno(
			    err, "become root in the user namespace (is uid 0 mapped?)");
		if (c->new_userns)
			init_rearm_pdeathsig(c->sync_fd);
		if (ns_join(&c->ns, err) < 0)
			return -1;
	}
	/* Not at clone: the runtime has put us in the container's cgroups by now (CONTINUE),
	 * and a new cgroup namespace takes the cgroup we are in as its root. */
	if (init_new_cgroupns(spec) && unshare(CLONE_NEWCGROUP) < 0)
		return bc_error_errno(err, "create cgroup namespace");
	if (!c->no_new_keyring && syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, NULL) < 0 &&
	    errno != ENOSYS)
		return bc_error_errno(err, "create session keyring");
	if (spec->hostname && *spec->hostname &&
	    sethostname(spec->hostname, strlen(spec->hostname)) < 0)
		return bc_error_errno(err, "sethostname %s", spec->hostname);
	if (spec->domainname && *spec->domainname &&
	    setdomainname(spec->domainname, strlen(spec->domainname)) < 0)
		return bc_error_errno(err, "setdomainname %s", spec->domainname);
	/* A new network namespace starts with lo down; runc and crun bring it up. */
	if ((c->new_flags & CLONE_NEWNET) && init_loopback_up(err) < 0)
		return -1;
	/* Relative mount sources are relative to the bundle (config.md). */
	if (c->state->bundle && *c->state->bundle && chdir(c->state->bundle) < 0)
		return bc_error_errno(err, "chdir to bundle %s", c->state->bundle);
	/* Idmapped mounts come from the runtime, made in the host's namespaces (idmap.h). */
	if (idmap_receive_mounts(c->sync_fd, spec, &mount_fds, err) < 0)
		return -1;
	r = rootfs_prepare(spec, c->rootfs, mount_fds, err);
	idmap_free_fds(mount_fds, spec->n_mounts);
	if (r < 0)
		return -1;
	/* prestart and createRuntime hooks run in the runtime's namespaces, now. */
	if (sync_send(c->sync_fd, BC_SYNC_CREATE_RUNTIME, 0, 0, NULL, err) < 0 ||
	    sync_expect(c->sync_fd, BC_SYNC_CREATE_RUNTIME_DONE, &msg, err) < 0)
		return -1;
	if (spec->hooks.count[BC_HOOK_CREATE_CONTAINER] > 0) {
		cleanup_free char *st = NULL;

		if (init_hook_state(c, host_pid, "creating", &st, err) < 0 ||
		    hooks_run(spec, BC_HOOK_CREATE_CONTAINER, st, err) < 0)
			return -1;
	}
	/* sysctls go in before readonlyPaths makes /proc/sys read-only (runc's order), through
	 * the container's own procfs when it has one. */
	if (spec->linux_ && spec->linux_->n_sysctl > 0) {
		cleanup_free char *cproc = bc_xasprintf("%s/proc", c->rootfs);

		if (bc_procfs_use(cproc, NULL) < 0)
			bc_debug("sysctl: no procfs at %s, writing through the runtime's /proc",
				 cproc);
		if (init_sysctl(spec, err) < 0)
			return -1;
	}
	if (rootfs_finish(spec, c->rootfs, c->no_pivot, err) < 0)
		return -1;
	/* Our root changed: /proc is the container's procfs from here. */
	bc_procfs_reset();
	if (init_rlimits(p, err) < 0)
		return -1;
	/* An RT scheduler or I/O class needs CAP_SYS_NICE: before the capability drop. */
	if (procattr_apply(spec, err) < 0)
		return -1;
	if (init_console(c, err) < 0)
		return -1;
	if (init_chdir(p->cwd, err) < 0)
		return -1;
	/* The labels the execve takes, as root with every capability and before any seccomp
	 * filter (runc's order): the profile need not allow our procfs open and write. */
	if (lsm_set_exec_labels(p, err) < 0)
		return -1;
	/* Without no_new_privs the kernel wants CAP_SYS_ADMIN to load a filter: load it while
	 * we still have it, before the uid change and the capability drop (as runc does). */
	if (sc->prog && !p->no_new_privileges &&
	    init_seccomp_load(c, sc, host_pid, "creating", err) < 0)
		return -1;
	if (init_drop_privileges(p, err) < 0)
		return -1;
	*exe =
	    init_lookup_executable(p->args ? p->args[0] : NULL, init_env_get(p->env, "PATH"), err);
	if (*exe == NULL)
		return -1;
	*envp = init_build_env(p, c->listen_fds);
	return 0;
}
