/* SPDX-License-Identifier: MIT */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "barco/cgroup.h"
#include "barco/log.h"
#include "barco/rootless.h"
#include "barco/sealed_exe.h"
#include "barco/state_store.h"
#include "barco/util.h"
#include "cli.h"
#include "config.h"

const bc_command_t cli_commands[] = {
    {"create", cmd_create, "create [OPTIONS] ID",
     "  -b, --bundle DIR         bundle directory (default: current directory)\n"
     "      --pid-file FILE      write the init's host pid to FILE\n"
     "      --console-socket S   send the terminal's master fd to unix socket S\n"
     "      --no-pivot           use MS_MOVE + chroot instead of pivot_root\n"
     "      --no-new-keyring     keep the caller's session keyring\n"
     "      --preserve-fds N     pass N extra fds (3..3+N-1) to the process\n",
     "create a container; its process waits for `start`"},
    {"start", cmd_start, "start ID", "", "run the process of a created container"},
    {"state", cmd_state, "state ID", "", "print the state of a container as JSON"},
    {"kill", cmd_kill, "kill [OPTIONS] ID [SIGNAL]",
     "  -a, --all                signal every process of the container\n"
     "SIGNAL is a name (TERM, SIGTERM) or a number; default TERM.\n",
     "send a signal to a container"},
    {"delete", cmd_delete, "delete [OPTIONS] ID",
     "  -f, --force              kill the container if it is running\n",
     "delete a container and everything it created"},
    {"pause", cmd_pause, "pause ID", "", "freeze every process of a container"},
    {"resume", cmd_resume, "resume ID", "", "thaw a paused container"},
    {"ps", cmd_ps, "ps [OPTIONS] ID [[--] PS_ARGS...]",
     "  -f, --format table|json  table: the rows of `ps PS_ARGS` (default -ef) for the\n"
     "                           container's processes; json: an array of their pids\n",
     "list the processes of a container"},
    {"update", cmd_update, "update [OPTIONS] ID",
     "  -r, --resources FILE|-   a LinuxResources JSON document (- reads stdin); flags\n"
     "                           given too override its values\n"
     "      --memory SIZE        memory limit (bytes; k, m, g suffixes; -1 unlimited)\n"
     "      --memory-swap SIZE   memory+swap limit (-1 unlimited swap)\n"
     "      --memory-reservation SIZE  soft limit\n"
     "      --cpu-share(s) N     relative CPU weight\n"
     "      --cpu-quota US       CFS quota per period (-1: none)\n"
     "      --cpu-period US      CFS period\n"
     "      --cpu-burst US       CFS burst\n"
     "      --cpu-rt-period US   real-time period (v1)\n"
     "      --cpu-rt-runtime US  real-time runtime (v1)\n"
     "      --cpu-idle 0|1       SCHED_IDLE for the cgroup\n"
     "      --cpuset-cpus LIST   CPUs allowed (0-3,5)\n"
     "      --cpuset-mems LIST   memory nodes allowed\n"
     "      --pids-limit N       maximum number of tasks (-1 unlimited)\n"
     "      --blkio-weight N     block I/O weight (10..1000)\n"
     "      --kernel-memory, --kernel-memory-tcp SIZE  ignored, as by runc\n",
     "change the resource limits of a container"},
    {"events", cmd_events, "events [OPTIONS] ID",
     "      --stats              print one stats event and exit\n"
     "      --interval DURATION  time between stats events (default 5s; 500ms, 1m)\n",
     "print a container's resource usage and OOM kills as JSON lines"},
    {"run", cmd_run, "run [OPTIONS] ID | run --rootfs DIR [--uid UID[:GID]] [--] CMD [ARGS...]",
     "  -b, --bundle DIR         bundle directory (default: current directory)\n"
     "  -d, --detach             return once the container has started\n"
     "      --pid-file FILE      write the init's host pid to FILE\n"
     "      --console-socket S   send the terminal's master fd to unix socket S\n"
     "      --no-pivot           use MS_MOVE + chroot instead of pivot_root\n"
     "      --no-new-keyring     keep the caller's session keyring\n"
     "      --preserve-fds N     pass N extra fds to the process\n"
     "      --rootfs DIR         run CMD in DIR with a default config (no bundle)\n"
     "      --uid UID[:GID]      with --rootfs: run CMD as UID (and GID, default UID)\n",
     "create and start a container, wait for it, then delete it"},
    {"exec", cmd_exec, "exec [OPTIONS] ID [--] CMD [ARGS...] | exec [OPTIONS] -p FILE ID",
     "  -p, --process FILE       the whole process from a runtime-spec process.json\n"
     "  -t, --tty                allocate a terminal for the process\n"
     "      --console-socket S   with -t and -d: send the terminal's master fd to S\n"
     "  -e, --env KEY=VALUE      set an environment variable (repeatable)\n"
     "  -u, --user UID[:GID]     run as UID (and GID)\n"
     "  -g, --additional-gids G  add a supplementary group (repeatable)\n"
     "      --cwd DIR            working directory in the container\n"
     "  -c, --cap CAP            add a capability (CAP_NAME; repeatable)\n"
     "      --no-new-privs       set no_new_privs for the process\n"
     "      --apparmor PROFILE   AppArmor profile for the process\n"
     "      --process-label L    SELinux label for the process\n"
     "  -d, --detach             return once the process runs\n"
     "      --pid-file FILE      write the process's host pid to FILE\n"
     "      --preserve-fds N     pass N extra fds (3..3+N-1) to the process\n"
     "      --cgroup [CTL:]PATH  run in an existing sub-cgroup of the container's\n"
     "      --ignore-paused      allow exec into a paused container\n"
     "Without -p the process is the config's, with CMD as args and the flags applied.\n",
     "run a new process in a created or running container"},
    {"features", cmd_features, "features", "",
     "print the features this build of barco supports, as JSON"},
    {"list", cmd_list, "list [OPTIONS]",
     "  -f, --format table|json  output format (default: table)\n"
     "  -q, --quiet              print only the IDs\n",
     "list containers"},
    {"spec", cmd_spec, "spec [OPTIONS]",
     "  -b, --bundle DIR         write DIR/config.json (default: current directory)\n"
     "      --rootless           a config for an unprivileged user\n",
     "write a default config.json"},
    {NULL, NULL, NULL, NULL, NULL},
};

const bc_command_t *cli_find(const char *name)
{
	for (const bc_command_t *c = cli_commands; c->name; c++)
		if (strcmp(c->name, name) == 0)
			return c;
	return NULL;
}

void cli_print_command_help(const bc_command_t *c)
{
	printf("Usage: barco [GLOBAL OPTIONS] %s\n\n%s.\n", c->usage, c->summary);
	if (*c->help)
		printf("\nOptions:\n%s", c->help);
}

int cli_usage_error(const char *cmd, bc_error_t **err, const char *fmt, ...)
{
	const bc_command_t *c = cmd ? cli_find(cmd) : NULL;
	cleanup_free char *msg = NULL;
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		abort();
	va_end(ap);
	if (c)
		return bc_error_set(err, 0, "%s: %s (usage: barco %s)", cmd, msg, c->usage);
	return bc_error_set(err, 0, "%s (see barco --help)", msg);
}

int cli_parse_count(const char *cmd, const char *opt, const char *v, int *out, bc_error_t **err)
{
	int64_t n;

	if (bc_parse_int64(v, &n) < 0 || n < 0 || n > 65536)
		return cli_usage_error(cmd, err, "%s: invalid value \"%s\"", opt, v);
	*out = (int)n;
	return 0;
}

static void print_help(void)
{
	printf("barco %s - an OCI container runtime\n\n"
	       "Usage: barco [GLOBAL OPTIONS] COMMAND [OPTIONS] [ARGS]\n\nCommands:\n",
	       PACKAGE_VERSION);
	for (const bc_command_t *c = cli_commands; c->name; c++)
		printf("  %-8s %s\n", c->name, c->summary);
	printf("\nGlobal options:\n"
	       "  --root DIR              state directory (default: " BC_DEFAULT_ROOT
	       ", rootless: see below)\n"
	       "  --log FILE              write log messages to FILE\n"
	       "  --log-format text|json  format of the log file (default: text)\n"
	       "  --debug                 log debug messages\n"
	       "  --systemd-cgroup        use the systemd cgroup driver (not supported)\n"
	       "  --rootless[=true|false|auto]  run as an unprivileged user (auto, the default:\n"
	       "                          when not root): state in $XDG_RUNTIME_DIR/barco or\n"
	       "                          /tmp/barco-UID, a user namespace added when the config\n"
	       "                          has none, cgroups only where delegated\n"
	       "  --cgroup-manager NAME   cgroupfs (default) or disabled (no cgroups)\n"
	       "  -v, --version           print the version\n"
	       "  -h, --help              print this help\n\n"
	       "Run 'barco COMMAND --help' for a command's options.\n");
}

/* The commit barco was built from: configure takes it from git when it can. */
#ifndef BARCO_COMMIT
#define BARCO_COMMIT "unknown"
#endif

/* Exactly three lines, "NAME version X", "commit: Y", "spec: Z": go-runc's parser (containerd)
 * refuses any other count in its older form; libseccomp's version is in `barco features`. */
static void print_version(void)
{
	printf("barco version %s\ncommit: %s\nspec: 1.3.0\n", PACKAGE_VERSION, BARCO_COMMIT);
}

enum { OPT_ROOT = 256, OPT_LOG, OPT_LOG_FORMAT, OPT_DEBUG, OPT_SYSTEMD, OPT_ROOTLESS, OPT_CGM };

/* Global options; returns the index of the command word, or -1 with *err, or 0 when done
 * (help/version printed). */
static int parse_global(int argc, char **argv, bc_global_opts_t *g, bool *systemd, bc_error_t **err)
{
	static const struct option opts[] = {
	    {"root", required_argument, NULL, OPT_ROOT},
	    {"log", required_argument, NULL, OPT_LOG},
	    {"log-format", required_argument, NULL, OPT_LOG_FORMAT},
	    {"debug", no_argument, NULL, OPT_DEBUG},
	    {"systemd-cgroup", no_argument, NULL, OPT_SYSTEMD},
	    {"rootless", optional_argument, NULL, OPT_ROOTLESS},
	    {"cgroup-manager", required_argument, NULL, OPT_CGM},
	    {"version", no_argument, NULL, 'v'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "+vh", opts, NULL)) != -1) {
		switch (c) {
		case OPT_ROOT:
			if (*optarg == '\0')
				return cli_usage_error(NULL, err, "--root: empty path");
			g->root = optarg;
			g->root_given = true;
			break;
		case OPT_LOG:
			g->log_path = optarg;
			break;
		case OPT_LOG_FORMAT:
			if (strcmp(optarg, "json") != 0 && strcmp(optarg, "text") != 0)
				return cli_usage_error(
				    NULL, err, "--log-format: \"%s\" is not text or json", optarg);
			g->json_log = strcmp(optarg, "json") == 0;
			break;
		case OPT_DEBUG:
			g->debug = true;
			break;
		case OPT_SYSTEMD:
			*systemd = true;
			break;
		case OPT_ROOTLESS:
			if (rootless_set_mode(optarg, err) < 0)
				return -1;
			break;
		case OPT_CGM:
			if (cgroup_set_manager(optarg, err) < 0)
				return -1;
			break;
		case 'v':
			print_version();
			return 0;
		case 'h':
			print_help();
			return 0;
		default:
			return cli_usage_error(NULL, err, "unknown global option \"%s\"",
					       argv[optind - 1]);
		}
	}
	if (optind >= argc)
		return cli_usage_error(NULL, err, "no command given");
	return optind;
}

int main(int argc, char **argv)
{
	cleanup_error bc_error_t *err = NULL;
	bc_global_opts_t g = {.root = BC_DEFAULT_ROOT};
	const bc_command_t *cmd;
	cleanup_free char *rootless_root = NULL;
	bool systemd = false;
	int idx, rc;

	/* Before anything is opened: a closed stdin would hand the next fd (a state directory, the
	 * sync socket) to the container as its fd 0. */
	if (bc_std_fds_ensure(&err) < 0) {
		fprintf(stderr, "barco: %s\n", err->msg);
		return 1;
	}
	idx = parse_global(argc, argv, &g, &systemd, &err);
	if (bc_log_init(g.log_path, g.json_log ? BC_LOG_JSON : BC_LOG_TEXT, g.debug) < 0) {
		fprintf(stderr, "barco: open log file %s: %m\n", g.log_path);
		return 1;
	}
	if (idx <= 0)
		goto out;
	cmd = cli_find(argv[idx]);
	if (cmd == NULL) {
		cli_usage_error(NULL, &err, "unknown command \"%s\"", argv[idx]);
		goto out;
	}
	if (argc > idx + 1 &&
	    (strcmp(argv[idx + 1], "--help") == 0 || strcmp(argv[idx + 1], "-h") == 0)) {
		cli_print_command_help(cmd);
		return 0;
	}
	if (systemd) {
		bc_error_set(&err, 0,
			     "--systemd-cgroup: the systemd cgroup driver is not "
			     "supported; use the default cgroupfs driver");
		goto out;
	}
	/* Unprivileged: the system's state root is not ours to write (rootless.h). */
	if (!g.root_given && rootless_enabled() && strcmp(cmd->name, "spec") != 0 &&
	    strcmp(cmd->name, "features") != 0) {
		rootless_root = rootless_default_root(&err);
		if (rootless_root == NULL)
			goto out;
		g.root = rootless_root;
	}
	/* Commands that put a process into a container run from a sealed copy of barco. */
	if ((strcmp(cmd->name, "create") == 0 || strcmp(cmd->name, "run") == 0 ||
	     strcmp(cmd->name, "exec") == 0) &&
	    bc_sealed_exe_ensure(argv, &err) < 0)
		goto out;
	optind = 1;
	rc = cmd->run(&g, argc - idx, argv + idx, &err);
	if (rc >= 0 && err == NULL)
		return rc;
out:
	if (err) {
		bc_fatal("%s", err->msg);
		return 1;
	}
	return 0;
}
