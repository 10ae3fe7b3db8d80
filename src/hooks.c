/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "barco/hooks.h"
#include "barco/log.h"
#include "barco/util.h"

/* In the forked hook: exec it, or report errno over status_fd (closed by a successful exec). */
static void __attribute__((noreturn)) hook_child(const bc_hook_t *h, int stdin_fd, int status_fd)
{
	char *default_argv[] = {h->path, NULL};
	char *empty_env[] = {NULL};
	sigset_t all;
	int e;

	if (dup2(stdin_fd, STDIN_FILENO) < 0)
		goto fail;
	/* A hook must not inherit the runtime's blocked signals or its ignored SIGPIPE. */
	sigemptyset(&all);
	sigprocmask(SIG_SETMASK, &all, NULL);
	signal(SIGPIPE, SIG_DFL);
	execve(h->path, h->args ? h->args : default_argv, h->env ? h->env : empty_env);
fail:
	e = errno;
	(void)!write(status_fd, &e, sizeof(e));
	_exit(127);
}

/* Wait for the hook, killing it when its timeout (seconds, 0 = none) expires. */
static int hook_wait(pid_t pid, int timeout, int *status, bool *timed_out)
{
	cleanup_close int pidfd = bc_pidfd_open(pid, 0);

	*timed_out = false;
	if (timeout > 0 && pidfd >= 0) {
		struct pollfd p = {.fd = pidfd, .events = POLLIN};
		int r;

		do
			r = poll(&p, 1, timeout * 1000);
		while (r < 0 && errno == EINTR);
		if (r == 0) {
			*timed_out = true;
			bc_pidfd_send_signal(pidfd, SIGKILL, 0);
		}
	}
	while (waitpid(pid, status, 0) < 0) {
		if (errno != EINTR)
			return -1;
	}
	return 0;
}

/* errno of a failed exec in the hook's child, 0 when the exec happened. */
static int hook_exec_errno(int status_fd)
{
	int e = 0;
	ssize_t n;

	do
		n = read(status_fd, &e, sizeof(e));
	while (n < 0 && errno == EINTR);
	return n == sizeof(e) ? e : 0;
}

static int hook_run_one(const bc_hook_t *h, const char *kind, const char *state_json,
			bc_error_t **err)
{
	cleanup_close int in_r = -1, in_w = -1, st_r = -1, st_w = -1;
	int fds[2], status = 0, exec_errno;
	bool timed_out;
	pid_t pid;

	if (pipe2(fds, O_CLOEXEC) < 0)
		return bc_error_errno(err, "%s hook %s: create pipe", kind, h->path);
	in_r = fds[0];
	in_w = fds[1];
	if (pipe2(fds, O_CLOEXEC) < 0)
		return bc_error_errno(err, "%s hook %s: create pipe", kind, h->path);
	st_r = fds[0];
	st_w = fds[1];
	pid = fork();
	if (pid < 0)
		return bc_error_errno(err, "%s hook %s: fork", kind, h->path);
	if (pid == 0)
		hook_child(h, in_r, st_w);
	close(steal_fd(in_r));
	close(steal_fd(st_w));
	/* A hook that does not read its stdin is fine: EPIPE is not its failure. */
	if (bc_write_all(in_w, state_json, strlen(state_json)) < 0 && errno != EPIPE)
		bc_debug("%s hook %s: writing state: %s", kind, h->path, strerror(errno));
	close(steal_fd(in_w));
	exec_errno = hook_exec_errno(st_r);
	if (hook_wait(pid, h->has_timeout ? h->timeout : 0, &status, &timed_out) < 0)
		return bc_error_errno(err, "%s hook %s: wait", kind, h->path);
	if (exec_errno)
		return bc_error_set(err, exec_errno, "%s hook %s: exec", kind, h->path);
	if (timed_out)
		return bc_error_set(err, 0, "%s hook %s: timed out after %d seconds", kind, h->path,
				    h->timeout);
	if (WIFSIGNALED(status))
		return bc_error_set(err, 0, "%s hook %s: killed by signal %d", kind, h->path,
				    WTERMSIG(status));
	if (WEXITSTATUS(status) != 0)
		return bc_error_set(err, 0, "%s hook %s: exited with status %d", kind, h->path,
				    WEXITSTATUS(status));
	return 0;
}

int hooks_run(const bc_spec_t *spec, enum bc_hook_kind kind, const char *state_json,
	      bc_error_t **err)
{
	const char *name = bc_hook_kind_name(kind);

	for (size_t i = 0; i < spec->hooks.count[kind]; i++) {
		bc_debug("running %s hook %s", name, spec->hooks.list[kind][i].path);
		if (hook_run_one(&spec->hooks.list[kind][i], name, state_json, err) < 0)
			return -1;
	}
	return 0;
}

void hooks_run_warn(const bc_spec_t *spec, enum bc_hook_kind kind, const char *state_json)
{
	const char *name = bc_hook_kind_name(kind);

	for (size_t i = 0; i < spec->hooks.count[kind]; i++) {
		cleanup_error bc_error_t *err = NULL;

		if (hook_run_one(&spec->hooks.list[kind][i], name, state_json, &err) < 0)
			bc_warn("%s", err->msg);
	}
}
