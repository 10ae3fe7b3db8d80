/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "barco/container.h"
#include "barco/log.h"
#include "barco/terminal.h"
#include "barco/util.h"
#include "cli.h"

/* Signals `run` passes on to the container instead of dying of them, as runc does. */
static const int forwarded[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH};

static int run_exit_code(int status)
{
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}

/* Wait for the init, forwarding signals; returns its exit code. */
static int run_wait(pid_t pid, int console_fd, const sigset_t *mask, bc_error_t **err)
{
	cleanup_close int sfd = signalfd(-1, mask, SFD_CLOEXEC);
	cleanup_close int pidfd = bc_pidfd_open(pid, 0);
	int status;

	if (sfd < 0 || pidfd < 0)
		return bc_error_errno(err, "wait for container process %d", (int)pid);
	if (console_fd >= 0 && terminal_proxy(console_fd, pidfd, err) < 0)
		return -1;
	for (;;) {
		struct signalfd_siginfo si;
		pid_t w = waitpid(pid, &status, WNOHANG);

		if (w == pid)
			return run_exit_code(status);
		if (w < 0 && errno != EINTR)
			return bc_error_errno(err, "wait for container process %d", (int)pid);
		if (read(sfd, &si, sizeof(si)) != sizeof(si))
			continue;
		if (si.ssi_signo != SIGCHLD)
			bc_pidfd_send_signal(pidfd, (int)si.ssi_signo, 0);
	}
}

struct run_user {
	bool set, has_gid;
	uint32_t uid, gid;
};

/* `run --rootfs DIR [--uid UID[:GID]] CMD...`: the default config, pointed at DIR. */
static char *run_quick_config(const char *rootfs, const struct run_user *u, char **cmd,
			      bc_error_t **err)
{
	cleanup_free char *json = bc_spec_default_json(false);
	cleanup_spec bc_spec_t *spec = NULL;
	char resolved[PATH_MAX];

	if (realpath(rootfs, resolved) == NULL)
		return bc_error_errno(err, "rootfs %s", rootfs), NULL;
	spec = bc_spec_parse("default config", json, strlen(json), err);
	if (spec == NULL)
		return NULL;
	free(spec->root_path);
	spec->root_path = bc_xstrdup(resolved);
	spec->root_readonly = false;
	bc_strv_free(spec->process->args);
	spec->process->args = bc_strv_dup(cmd);
	spec->process->terminal = isatty(STDIN_FILENO) && isatty(STDOUT_FILENO);
	if (u->set) {
		spec->process->user.uid = u->uid;
		spec->process->user.gid = u->has_gid ? u->gid : u->uid;
	}
	return bc_spec_to_json(spec, err);
}

struct run_args {
	bc_create_opts_t o;
	const char *bundle;
	const char *rootfs;
	bool detach;
	struct run_user user;
	char **cmd;
};

static int run_parse(int argc, char **argv, struct run_args *a, bc_error_t **err)
{
	static const struct option opts[] = {
	    CLI_CREATE_LONG_OPTIONS,
	    {"detach", no_argument, NULL, 'd'},
	    {"rootfs", required_argument, NULL, 'r'},
	    {"uid", required_argument, NULL, 'u'},
	    {NULL, 0, NULL, 0},
	};
	int c, r;

	optind = 0;
	while ((c = getopt_long(argc, argv, "+b:d", opts, NULL)) != -1) {
		r = cli_create_option(c, "run", &a->o, &a->bundle, err);
		if (r < 0)
			return -1;
		if (r > 0)
			continue;
		if (c == 'd')
			a->detach = true;
		else if (c == 'r')
			a->rootfs = optarg;
		else if (c == 'u') {
			cleanup_error bc_error_t *uerr = NULL;

			if (bc_parse_user_spec(optarg, &a->user.uid, &a->user.gid, &a->user.has_gid,
					       &uerr) < 0)
				return cli_usage_error("run", err, "--uid: %s", uerr->msg);
			a->user.set = true;
		} else
			return cli_usage_error("run", err, "unknown option \"%s\"",
					       argv[optind - 1]);
	}
	if (a->rootfs) {
		if (optind >= argc)
			return cli_usage_error("run", err, "--rootfs: missing command to run");
		a->cmd = argv + optind;
		return 0;
	}
	if (a->user.set)
		return cli_usage_error("run", err, "--uid goes with --rootfs");
	if (optind >= argc)
		return cli_usage_error("run", err, "missing container ID");
	if (optind + 1 < argc)
		return cli_usage_error("run", err, "unexpected argument \"%s\"", argv[optind + 1]);
	a->o.id = argv[optind];
	return 0;
}

int cmd_run(const bc_global_opts_t *g, int argc, char **argv, bc_error_t **err)
{
	struct run_args a = {.o = {.root = g->root}};
	cleanup_free char *bundle_abs = NULL;
	cleanup_free char *quick_json = NULL;
	cleanup_free char *quick_id = NULL;
	bc_created_t created = {.pid = 0, .console_fd = -1};
	sigset_t mask, old;
	int code;

	if (run_parse(argc, argv, &a, err) < 0)
		return -1;
	if (a.rootfs) {
		quick_json = run_quick_config(a.rootfs, &a.user, a.cmd, err);
		if (quick_json == NULL)
			return -1;
		quick_id = bc_xasprintf("run-%d", (int)getpid());
		a.o.id = quick_id;
		a.o.config_json = quick_json;
	}
	bundle_abs = cli_bundle_path(a.bundle, err);
	if (bundle_abs == NULL)
		return -1;
	a.o.bundle = bundle_abs;

	/* Blocked before the init exists, so no signal is lost; the init unblocks its own. */
	sigemptyset(&mask);
	for (size_t i = 0; i < BC_ARRAY_SIZE(forwarded); i++)
		sigaddset(&mask, forwarded[i]);
	sigaddset(&mask, SIGCHLD);
	if (!a.detach)
		sigprocmask(SIG_BLOCK, &mask, &old);

	if (container_create(&a.o, a.detach ? NULL : &created, err) < 0)
		return -1;
	if (container_start(g->root, a.o.id, err) < 0) {
		cleanup_error bc_error_t *derr = NULL;

		if (created.console_fd >= 0)
			close(created.console_fd);
		container_delete(g->root, a.o.id, true, &derr);
		return -1;
	}
	if (a.detach)
		return 0;
	code = run_wait(created.pid, created.console_fd, &mask, err);
	if (created.console_fd >= 0)
		close(created.console_fd);
	{
		cleanup_error bc_error_t *derr = NULL;

		if (container_delete(g->root, a.o.id, true, &derr) < 0)
			bc_warn("%s", derr->msg);
	}
	return code;
}
