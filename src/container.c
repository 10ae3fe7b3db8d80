/* SPDX-License-Identifier: MIT */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "barco/caps.h"
#include "barco/container.h"
#include "barco/hooks.h"
#include "barco/cgroup.h"
#include "barco/cgroup_stats.h"
#include "barco/rootless.h"
#include "barco/intelrdt.h"
#include "barco/log.h"
#include "barco/ns.h"
#include "barco/spawn.h"
#include "barco/state_store.h"
#include "barco/sync.h"
#include "barco/util.h"
#include "container_internal.h"

/* A paused container: marked, and its cgroup frozen (whoever thawed it since). */
static bool container_paused(int dirfd)
{
	cleanup_error bc_error_t *err = NULL;
	cgroup_t *cg = NULL;
	bool frozen = false;

	if (faccessat(dirfd, PAUSED_MARK, F_OK, AT_SYMLINK_NOFOLLOW) < 0)
		return false;
	if (cgroup_load(dirfd, &cg, &err) < 0 || cg == NULL) {
		if (err)
			bc_debug("paused mark without a readable cgroup: %s", err->msg);
		return false;
	}
	if (cgroup_is_frozen(cg, &frozen, &err) < 0)
		bc_debug("%s", err->msg);
	cgroup_free(cg);
	return frozen;
}

const char *container_status(int dirfd, const bc_state_t *st)
{
	uint64_t start_time;
	char s;

	if (st->pid <= 0)
		return "creating";
	/* A pid whose start time differs is somebody else's process: ours has stopped. */
	if (bc_proc_stat(st->pid, &s, &start_time) < 0 || start_time != st->start_time ||
	    s == 'Z' || s == 'X')
		return "stopped";
	if (container_paused(dirfd))
		return "paused";
	if (faccessat(dirfd, "exec.fifo", F_OK, AT_SYMLINK_NOFOLLOW) == 0)
		return "created";
	return "running";
}

/* Removes the state entry unless disarmed: create leaves nothing behind on failure. */
struct entry_guard {
	int rootfd;
	const char *id;
};

static void entry_guard_cleanup(struct entry_guard *g)
{
	if (g->id)
		state_store_remove(g->rootfd, g->id, NULL);
}

static char *container_rootfs(const bc_spec_t *spec, const char *bundle, bc_error_t **err)
{
	cleanup_free char *joined = NULL;
	char resolved[PATH_MAX];
	struct stat st;

	if (spec->root_path == NULL)
		return bc_error_set(err, 0, "config.json: root.path: missing required property"),
		       NULL;
	joined = spec->root_path[0] == '/' ? bc_xstrdup(spec->root_path)
					   : bc_xasprintf("%s/%s", bundle, spec->root_path);
	if (realpath(joined, resolved) == NULL)
		return bc_error_errno(err, "rootfs %s", joined), NULL;
	if (stat(resolved, &st) < 0)
		return bc_error_errno(err, "rootfs %s", resolved), NULL;
	if (!S_ISDIR(st.st_mode))
		return bc_error_set(err, ENOTDIR, "rootfs %s", resolved), NULL;
	return bc_xstrdup(resolved);
}

static int container_write_pid_file(const char *path, pid_t pid, bc_error_t **err)
{
	char buf[32];
	int n = snprintf(buf, sizeof(buf), "%d", (int)pid);

	if (bc_write_file_atomic(path, buf, (size_t)n, 0644, err) < 0)
		return bc_error_wrap(err, "pid file");
	return 0;
}

static bc_spec_t *container_load_spec(const bc_create_opts_t *o, char **raw, size_t *len,
				      bc_error_t **err)
{
	bc_spec_t *spec;

	if (o->config_json) {
		*raw = bc_xstrdup(o->config_json);
		*len = strlen(*raw);
	} else {
		cleanup_free char *path = bc_xasprintf("%s/config.json", o->bundle);

		if (bc_read_file(path, BC_SPEC_MAX_SIZE + 1, raw, len, err) < 0) {
			if (*err && (*err)->errnum == EFBIG) {
				bc_error_free(*err);
				*err = NULL;
				return bc_error_set(err, 0,
						    "config.json: document larger than 16 "
						    "MiB"),
				       NULL;
			}
			return NULL;
		}
	}
	spec = bc_spec_parse("config.json", *raw, *len, err);
	if (spec == NULL)
		return NULL;
	if (spec->process == NULL) {
		bc_spec_free(spec);
		return bc_error_set(err, 0,
				    "config.json: process: missing (a container needs a "
				    "process to run)"),
		       NULL;
	}
	/* Before validation: the namespace it may add is checked like one the config lists. */
	rootless_adjust_spec(spec);
	if (ns_validate(spec, err) < 0 || caps_validate(spec->process->capabilities, err) < 0 ||
	    bc_spec_check_sysctl_ns(spec, err) < 0 || intelrdt_check(spec, err) < 0) {
		bc_spec_free(spec);
		return NULL;
	}
	return spec;
}

struct record_ctx {
	const bc_create_opts_t *o;
	const bc_spec_t *spec;
	int dirfd;
	bc_state_t *st;
};

/* The init's pid and start time again, in a file of their own ("PID START\n"): when
 * state.json is damaged, delete --force still finds the init to stop. */
#define INIT_RECORD "init"

static int container_write_init_record(int dirfd, const bc_state_t *st, bc_error_t **err)
{
	cleanup_free char *s =
	    bc_xasprintf("%d %llu\n", (int)st->pid, (unsigned long long)st->start_time);

	return bc_write_file_atomic_at(dirfd, INIT_RECORD, s, strlen(s), 0600, err);
}

/* Runs while the init waits for our go-ahead: a failure here kills it. */
static int container_record(void *arg, pid_t pid, bc_error_t **err)
{
	struct record_ctx *r = arg;

	r->st->pid = pid;
	r->st->start_time = bc_proc_start_time(pid);
	if (container_write_init_record(r->dirfd, r->st, err) < 0 ||
	    state_store_write(r->dirfd, r->st, err) < 0)
		return -1;
	if (r->o->pid_file && container_write_pid_file(r->o->pid_file, pid, err) < 0)
		return -1;
	/* Last: it undoes itself when it fails, the steps before need no undoing. */
	return intelrdt_apply(r->spec, r->st->id, pid, err);
}

static uint32_t container_config_needs(const bc_spec_t *spec)
{
	uint32_t needs = 0;

	if (spec->process == NULL || spec->hooks.count[BC_HOOK_POSTSTART] > 0)
		needs |= BC_CONFIG_NEEDED_AT_START;
	if (spec->hooks.count[BC_HOOK_POSTSTOP] > 0 ||
	    (spec->linux_ && spec->linux_->intel_rdt != NULL))
		needs |= BC_CONFIG_NEEDED_AT_DELETE;
	return needs;
}

static int container_spawn_and_record(const bc_create_opts_t *o, const bc_spec_t *spec, int rootfd,
				      int dirfd, int lockfd, bc_state_t *st, bc_created_t *out,
				      bc_error_t **err)
{
	struct record_ctx rec = {.o = o, .spec = spec, .dirfd = dirfd, .st = st};
	bc_spawn_opts_t so = {.spec = spec,
			      .rootfs = st->rootfs,
			      .state_dirfd = dirfd,
			      .root_fd = rootfd,
			      .no_pivot = o->no_pivot,
			      .no_new_keyring = o->no_new_keyring,
			      .preserve_fds = o->preserve_fds,
			      .console_socket = o->console_socket,
			      .state = st,
			      .lock_fd = lockfd,
			      .on_ready = container_record,
			      .on_ready_arg = &rec};
	bc_spawn_result_t res;

	if (spec->process->terminal && o->console_socket == NULL && out == NULL)
		return bc_error_set(err, 0,
				    "process.terminal is true: create needs "
				    "--console-socket to pass the terminal on");
	if (spawn_init(&so, &res, err) < 0) {
		if (o->pid_file)
			unlink(o->pid_file);
		return -1;
	}
	if (out) {
		out->pid = res.pid;
		out->console_fd = res.console_fd;
	} else if (res.console_fd >= 0) {
		close(res.console_fd);
	}
	return 0;
}

int container_create(const bc_create_opts_t *o, bc_created_t *out, bc_error_t **err)
{
	cleanup_spec bc_spec_t *spec = NULL;
	cleanup_free char *raw = NULL;
	cleanup_free char *rootfs = NULL;
	cleanup_free char *created = NULL;
	cleanup_close int rootfd = -1;
	cleanup_close int dirfd = -1;
	cleanup_close int lockfd = -1;
	__attribute__((cleanup(entry_guard_cleanup))) struct entry_guard guard = {-1, NULL};
	size_t len = 0;
	bc_state_t st = {0};

	if (state_store_check_id(o->id, err) < 0)
		return -1;
	spec = container_load_spec(o, &raw, &len, err);
	if (spec == NULL)
		return -1;
	rootfs = container_rootfs(spec, o->bundle, err);
	if (rootfs == NULL)
		return -1;
	rootfd = state_store_open_root(o->root, err);
	if (rootfd < 0)
		return -1;
	dirfd = state_store_reserve(rootfd, o->id, err);
	if (dirfd < 0)
		return -1;
	guard.rootfd = rootfd;
	guard.id = o->id;
	lockfd = state_store_lock(dirfd, o->id, true, err);
	if (lockfd < 0)
		return -1;
	/* Writable by anyone: the init opens it after switching to process.user (or as root of
	 * a user namespace).  Only the init reaches it, through its fd: the state directory is
	 * 0700.  mkfifoat applies the umask, so set the mode explicitly. */
	if (mkfifoat(dirfd, "exec.fifo", 0622) < 0 || fchmodat(dirfd, "exec.fifo", 0622, 0) < 0)
		return bc_error_errno(err, "create exec.fifo in %s/%s", o->root, o->id);
	if (bc_write_file_atomic_at(dirfd, CONFIG_COPY, raw, len, 0600, err) < 0)
		return bc_error_wrap(err, "save config in %s/%s", o->root, o->id);

	created = bc_rfc3339_now();
	st.oci_version = BC_OCI_VERSION;
	st.id = (char *)o->id;
	st.status = "created";
	st.bundle = (char *)o->bundle;
	st.annotations = spec->annotations;
	st.n_annotations = spec->n_annotations;
	st.rootfs = rootfs;
	st.created = created;
	st.owner = (uint32_t)geteuid();
	st.config_needs = container_config_needs(spec);
	if (container_spawn_and_record(o, spec, rootfd, dirfd, lockfd, &st, out, err) < 0)
		return -1;
	guard.id = NULL;
	return 0;
}

/* Lock and read one container's record below rootfd; *unreadable says the record itself
 * failed.  A directory without state.json is a create still running (or one that died). */
static bc_state_t *container_open_at(int rootfd, const char *id, bool exclusive, int *dirfd_out,
				     int *lockfd_out, bool *unreadable, bc_error_t **err)
{
	cleanup_close int dirfd = -1;
	cleanup_close int lockfd = -1;
	bc_state_t *st;

	dirfd = state_store_open(rootfd, id, err);
	if (dirfd < 0)
		return NULL;
	lockfd = state_store_lock(dirfd, id, exclusive, err);
	if (lockfd < 0)
		return NULL;
	st = state_store_read(dirfd, err);
	if (st == NULL && *err && (*err)->errnum == ENOENT) {
		bc_error_freep(err);
		st = bc_xcalloc(1, sizeof(*st));
		st->oci_version = bc_xstrdup(BC_OCI_VERSION);
		st->id = bc_xstrdup(id);
		st->bundle = bc_xstrdup("");
	} else if (st == NULL) {
		if (unreadable)
			*unreadable = true;
		return NULL;
	}
	free(st->status);
	st->status = bc_xstrdup(container_status(dirfd, st));
	*dirfd_out = steal_fd(dirfd);
	*lockfd_out = steal_fd(lockfd);
	return st;
}

/* As container_open_at, below the state root `root`; rootfd_out (optional) gets the root's fd. */
bc_state_t *container_open_ex(const char *root, const char *id, bool exclusive, int *dirfd_out,
			      int *lockfd_out, bool *unreadable, int *rootfd_out, bc_error_t **err)
{
	cleanup_close int rootfd = -1;
	bc_state_t *st;

	if (state_store_check_id(id, err) < 0)
		return NULL;
	rootfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0) {
		if (errno == ENOENT)
			return bc_error_set_code(err, ENOENT, "container does not exist: %s", id),
			       NULL;
		return bc_error_errno(err, "open state directory %s", root), NULL;
	}
	st = container_open_at(rootfd, id, exclusive, dirfd_out, lockfd_out, unreadable, err);
	if (st && rootfd_out)
		*rootfd_out = steal_fd(rootfd);
	return st;
}

bc_state_t *container_open(const char *root, const char *id, bool exclusive, int *dirfd_out,
			   int *lockfd_out, bc_error_t **err)
{
	return container_open_ex(root, id, exclusive, dirfd_out, lockfd_out, NULL, NULL, err);
}

bc_spec_t *container_saved_spec(int dirfd, bc_error_t **err)
{
	cleanup_free char *raw = NULL;
	size_t len;

	if (bc_read_file_at(dirfd, CONFIG_COPY, BC_SPEC_MAX_SIZE + 1, &raw, &len, err) < 0)
		return NULL;
	return bc_spec_parse("config.json", raw, len, err);
}

/* Block until the process behind pidfd exits, at most timeout_ms. */
static bool container_wait_exit(int pidfd, int timeout_ms)
{
	struct pollfd p = {.fd = pidfd, .events = POLLIN};
	int r;

	do
		r = poll(&p, 1, timeout_ms);
	while (r < 0 && errno == EINTR);
	return r > 0;
}

/* A pidfd for the init, checked against the recorded start time after it is opened, so
 * that a recycled pid is never signalled. */
int container_pidfd(const bc_state_t *st, bc_error_t **err)
{
	cleanup_close int pidfd = bc_pidfd_open(st->pid, 0);

	if (pidfd < 0) {
		if (errno == ESRCH)
			return bc_error_set(err, 0, "container not running: %s", st->id);
		return bc_error_errno(err, "pidfd_open %d", (int)st->pid);
	}
	if (bc_proc_start_time(st->pid) != st->start_time)
		return bc_error_set(err, 0, "container not running: %s", st->id);
	return steal_fd(pidfd);
}

/* Read what the init writes to exec.fifo until it closes it at execve: "0", then, if it
 * failed between start and exec (a startContainer hook, the exec itself), its error. */
static int container_wait_fifo(int fifo, int pidfd, const char *id, bc_error_t **err)
{
	struct pollfd p[2] = {{.fd = fifo, .events = POLLIN}, {.fd = pidfd, .events = POLLIN}};
	char buf[BC_SYNC_MAX_PAYLOAD + 2];
	size_t len = 0;

	for (;;) {
		ssize_t n;

		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			return bc_error_errno(err, "wait for container %s to start", id);
		}
		if (p[0].revents & (POLLIN | POLLHUP)) {
			n = read(fifo, buf + len, sizeof(buf) - 1 - len);
			if (n < 0 && (errno == EAGAIN || errno == EINTR))
				continue;
			if (n > 0 && len + (size_t)n < sizeof(buf) - 1) {
				len += (size_t)n;
				continue;
			}
			if (len > 0)
				break; /* EOF after the init wrote: it has exec'd or failed */
			if (n == 0)
				return bc_error_set(err, 0,
						    "container %s: init exited before start", id);
		}
		if (len == 0 && (p[1].revents & POLLIN))
			return bc_error_set(err, 0, "container %s: init exited before start", id);
	}
	buf[len] = '\0';
	if (len > 1)
		return bc_error_set(err, 0, "%s", buf + 1);
	return 0;
}

int container_start(const char *root, const char *id, bc_error_t **err)
{
	cleanup_state bc_state_t *st = NULL;
	cleanup_spec bc_spec_t *spec = NULL;
	cleanup_close int dirfd = -1;
	cleanup_close int lockfd = -1;
	cleanup_close int fifo = -1;
	cleanup_close int pidfd = -1;
	cleanup_free char *json = NULL;

	st = container_open(root, id, true, &dirfd, &lockfd, err);
	if (st == NULL)
		return -1;
	if (strcmp(st->status, "created") != 0) {
		if (strcmp(st->status, "stopped") == 0)
			return bc_error_set(err, 0, "cannot start a container that has stopped: %s",
					    id);
		if (strcmp(st->status, "running") == 0)
			return bc_error_set(err, 0,
					    "cannot start an already running container: "
					    "%s",
					    id);
		return bc_error_set(err, 0, "cannot start container %s: it is %s", id, st->status);
	}
	if (st->config_needs & BC_CONFIG_NEEDED_AT_START) {
		spec = container_saved_spec(dirfd, err);
		if (spec == NULL)
			return -1;
		if (spec->process == NULL)
			return bc_error_set(err, 0,
					    "cannot start container %s: config has no process", id);
	}
	pidfd = container_pidfd(st, err);
	if (pidfd < 0)
		return -1;
	/* Non-blocking open: if the init is gone, we must not hang waiting for a writer. */
	fifo = openat(dirfd, "exec.fifo", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fifo < 0)
		return bc_error_errno(err, "open exec.fifo of %s", id);
	if (container_wait_fifo(fifo, pidfd, id, err) < 0)
		return -1;
	if (unlinkat(dirfd, "exec.fifo", 0) < 0)
		return bc_error_errno(err, "remove exec.fifo of %s", id);
	if (spec == NULL || spec->hooks.count[BC_HOOK_POSTSTART] == 0)
		return 0;
	free(st->status);
	st->status = bc_xstrdup("running");
	json = bc_state_to_json(st, BC_STATE_JSON_OCI, err);
	if (json == NULL || hooks_run(spec, BC_HOOK_POSTSTART, json, err) < 0) {
		/* runtime.md: a failing poststart hook stops the container. */
		bc_pidfd_send_signal(pidfd, SIGKILL, 0);
		return -1;
	}
	return 0;
}

char *container_state_json(const char *root, const char *id, bc_error_t **err)
{
	cleanup_state bc_state_t *st = NULL;
	cleanup_close int dirfd = -1;
	cleanup_close int lockfd = -1;

	st = container_open(root, id, false, &dirfd, &lockfd, err);
	if (st == NULL)
		return NULL;
	if (strcmp(st->status, "stopped") == 0)
		st->pid = 0;
	return bc_state_to_json(st, BC_STATE_JSON_CLI, err);
}

static int container_pid_cmp(const void *a, const void *b)
{
	pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;

	return (x > y) - (x < y);
}

/* Inode of a process's pid namespace, 0 when unknown. */
static ino_t container_pidns_of(pid_t pid)
{
	char path[64];
	struct stat sb;

	snprintf(path, sizeof(path), "/proc/%d/ns/pid", (int)pid);
	return stat(path, &sb) == 0 ? sb.st_ino : 0;
}

/* Without a cgroup, the container's processes are those in the init's pid namespace (the
 * init included, sorted) when it has one of its own; WHAT names the command for the error. */
int container_ns_pids(const bc_state_t *st, const char *what, pid_t **pids, size_t *n,
		      bc_error_t **err)
{
	ino_t ns = container_pidns_of(st->pid);
	cleanup_dir DIR *d = NULL;
	struct dirent *de;
	size_t cap = 0;

	*pids = NULL;
	*n = 0;
	if (ns == 0 || ns == container_pidns_of(getpid()))
		return bc_error_set(err, 0,
				    "%s: container %s has no cgroup and shares the host's pid "
				    "namespace: its processes cannot be told from others",
				    what, st->id);
	d = opendir("/proc");
	if (d == NULL)
		return bc_error_errno(err, "open /proc");
	while ((de = readdir(d)) != NULL) {
		int64_t pid;

		if (bc_parse_int64(de->d_name, &pid) < 0 || pid <= 0 || pid > INT_MAX ||
		    container_pidns_of((pid_t)pid) != ns)
			continue;
		if (*n == cap) {
			cap = cap ? cap * 2 : 16;
			*pids = bc_xrealloc(*pids, cap * sizeof(**pids));
		}
		(*pids)[(*n)++] = (pid_t)pid;
	}
	/* None found (the init exited meanwhile): *pids is NULL, which qsort must not get. */
	if (*n > 1)
		qsort(*pids, *n, sizeof(**pids), container_pid_cmp);
	return 0;
}

/* kill --all without a cgroup: every process in the container's own pid namespace but the
 * init, which the caller signals. */
static int container_kill_all(const bc_state_t *st, int sig, bc_error_t **err)
{
	cleanup_free pid_t *pids = NULL;
	size_t n = 0;

	if (container_ns_pids(st, "kill --all", &pids, &n, err) < 0)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (pids[i] != st->pid && kill(pids[i], sig) < 0 && errno != ESRCH)
			bc_warn("kill --all: signal %d: %s", (int)pids[i], strerror(errno));
	return 0;
}

/* The container's cgroups, or NULL (not an error) when it has none. */
cgroup_t *container_cgroup(int dirfd, const char *id, const char *what, bc_error_t **err)
{
	cgroup_t *cg = NULL;

	if (cgroup_load(dirfd, &cg, err) < 0)
		bc_error_wrap(err, "%s container %s", what, id);
	return cg;
}

int container_kill(const char *root, const char *id, int sig, bool all, bc_error_t **err)
{
	cleanup_state bc_state_t *st = NULL;
	cleanup_close int dirfd = -1;
	cleanup_close int lockfd = -1;
	cleanup_close int pidfd = -1;
	cgroup_t *cg = NULL;
	bool paused;
	int ret = 0;

	st = container_open(root, id, false, &dirfd, &lockfd, err);
	if (st == NULL)
		return -1;
	paused = strcmp(st->status, "paused") == 0;
	if (strcmp(st->status, "created") != 0 && strcmp(st->status, "running") != 0 && !paused)
		return bc_error_set(err, 0, "container not running: %s", id);
	pidfd = container_pidfd(st, err);
	if (pidfd < 0)
		return -1;
	if (all || (paused && sig == SIGKILL)) {
		cg = container_cgroup(dirfd, id, "kill", err);
		if (cg == NULL && *err)
			return -1;
	}
	/* The init is in the cgroup: cgroup_signal_all reaches it too. */
	if (all && cg)
		ret = cgroup_signal_all(cg, sig, err);
	else if (all)
		ret = container_kill_all(st, sig, err);
	if (ret == 0 && !(all && cg) && bc_pidfd_send_signal(pidfd, sig, 0) < 0)
		ret = errno == ESRCH
			  ? bc_error_set(err, 0, "container not running: %s", id)
			  : bc_error_errno(err, "send signal %d to container %s (pid %d)", sig, id,
					   (int)st->pid);
	/* A v1 frozen task dies of SIGKILL only once thawed (runc thaws too); on v2 it dies
	 * frozen, and the other processes of a shared pid namespace stay paused. */
	if (ret == 0 && paused && sig == SIGKILL && cg && cgroup_get_mode(cg) != CGROUP_MODE_V2 &&
	    cgroup_freeze(cg, false, err) < 0)
		ret = bc_error_wrap(err, "kill container %s: thaw", id);
	cgroup_free(cg);
	return ret;
}

static int container_stop_init(const bc_state_t *st, bc_error_t **err)
{
	cleanup_close int pidfd = bc_pidfd_open(st->pid, 0);

	if (pidfd < 0)
		return errno == ESRCH ? 0 : bc_error_errno(err, "pidfd_open %d", (int)st->pid);
	if (bc_proc_start_time(st->pid) != st->start_time)
		return 0;
	if (bc_pidfd_send_signal(pidfd, SIGKILL, 0) < 0 && errno != ESRCH)
		return bc_error_errno(err, "kill container %s (pid %d)", st->id, (int)st->pid);
	/* We may not be its parent: waitpid would fail; the pidfd says when it is gone. */
	if (!container_wait_exit(pidfd, 10000))
		return bc_error_set(err, 0,
				    "container %s: init (pid %d) did not exit within 10 "
				    "seconds of SIGKILL",
				    st->id, (int)st->pid);
	waitpid(st->pid, NULL, WNOHANG);
	return 0;
}

/* delete -f of a paused container: SIGKILL everything in its cgroup, thawed so that the
 * frozen tasks can die (cgroup v1), before the init is waited for. */
static void container_kill_paused(int dirfd, const char *id)
{
	cleanup_error bc_error_t *err = NULL;
	cgroup_t *cg = container_cgroup(dirfd, id, "delete", &err);

	if (cg && cgroup_signal_all(cg, SIGKILL, &err) < 0)
		bc_error_wrap(&err, "delete container %s", id);
	if (err)
		bc_warn("%s", err->msg);
	cgroup_free(cg);
}

/* The init and the cgroups an entry recorded, when its state is unreadable: best effort.
 * The init is stopped only if its start time is the recorded one (never a reused pid). */
static void container_remove_unreadable(const char *root, const char *id)
{
	cleanup_free char *path = bc_xasprintf("%s/%s", root, id);
	cleanup_close int fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	cleanup_error bc_error_t *err = NULL;
	cleanup_free char *rec = NULL;
	bc_state_t st = {.id = (char *)id};
	unsigned long long start = 0;
	int pid = 0;

	if (fd < 0)
		return;
	if (bc_read_file_at(fd, INIT_RECORD, 64, &rec, NULL, NULL) == 0 &&
	    sscanf(rec, "%d %llu", &pid, &start) == 2 && pid > 0) {
		st.pid = pid;
		st.start_time = start;
		if (container_stop_init(&st, &err) < 0) {
			bc_warn("%s", err->msg);
			bc_error_freep(&err);
		}
	}
	if (cgroup_remove(fd, &err) < 0)
		bc_warn("%s", err->msg);
}

int container_delete(const char *root, const char *id, bool force, bc_error_t **err)
{
	cleanup_state bc_state_t *st = NULL;
	cleanup_spec bc_spec_t *spec = NULL;
	cleanup_close int dirfd = -1;
	cleanup_close int lockfd = -1;
	cleanup_close int rootfd = -1;
	cleanup_free char *json = NULL;
	cleanup_error bc_error_t *spec_err = NULL;
	bool unreadable = false;

	st = container_open_ex(root, id, true, &dirfd, &lockfd, &unreadable, NULL, err);
	if (st == NULL) {
		if (force && *err && (*err)->errnum == ENOENT &&
		    strstr((*err)->msg, "does not exist")) {
			bc_error_freep(err);
			return 0;
		}
		/* Without a readable record there is no pid to stop: --force still removes the
		 * entry, so a corrupt file never blocks the ID. */
		if (force && unreadable) {
			bc_warn("%s; removing the entry of container %s", (*err)->msg, id);
			bc_error_freep(err);
			container_remove_unreadable(root, id);
			goto remove;
		}
		return -1;
	}
	if (!force && (strcmp(st->status, "running") == 0 || strcmp(st->status, "creating") == 0 ||
		       strcmp(st->status, "paused") == 0))
		return bc_error_set(err, 0, "cannot delete container %s that is not stopped: %s",
				    id, st->status);
	if (strcmp(st->status, "paused") == 0)
		container_kill_paused(dirfd, id);
	/* A created container has not run anything yet: delete stops it, as runc does. */
	if (st->pid > 0 && container_stop_init(st, err) < 0)
		return -1;
	/* From the record, not the config: exactly what create made.  A failure keeps the
	 * entry (unless forced), so that delete can be retried. */
	if (cgroup_remove(dirfd, err) < 0) {
		if (!force)
			return -1;
		bc_warn("%s", (*err)->msg);
		bc_error_freep(err);
	}
	if (st->config_needs & BC_CONFIG_NEEDED_AT_DELETE)
		spec = container_saved_spec(dirfd, &spec_err);
	if (spec)
		intelrdt_remove(spec, id);
	if (spec && spec->hooks.count[BC_HOOK_POSTSTOP] > 0) {
		free(st->status);
		st->status = bc_xstrdup("stopped");
		json = bc_state_to_json(st, BC_STATE_JSON_OCI, NULL);
		if (json)
			hooks_run_warn(spec, BC_HOOK_POSTSTOP, json);
	}
remove:
	rootfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return bc_error_errno(err, "open state directory %s", root);
	return state_store_remove(rootfd, id, err);
}

int container_list(const char *root, bc_state_t ***states, size_t *n, bc_error_t **err)
{
	cleanup_close int rootfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	cleanup_strv char **ids = NULL;
	size_t count = 0, k = 0;

	*states = NULL;
	*n = 0;
	if (rootfd < 0)
		return errno == ENOENT ? 0 : bc_error_errno(err, "open state directory %s", root);
	if (state_store_list(rootfd, &ids, &count, err) < 0)
		return -1;
	*states = bc_xcalloc(count + 1, sizeof(bc_state_t *));
	for (size_t i = 0; i < count; i++) {
		cleanup_error bc_error_t *e = NULL;
		cleanup_close int dirfd = -1;
		cleanup_close int lockfd = -1;
		bc_state_t *st =
		    container_open_at(rootfd, ids[i], false, &dirfd, &lockfd, NULL, &e);

		/* A container deleted while we list is simply not listed. */
		if (st == NULL) {
			if (e && !strstr(e->msg, "does not exist"))
				bc_warn("%s", e->msg);
			continue;
		}
		(*states)[k++] = st;
	}
	*n = k;
	return 0;
}
