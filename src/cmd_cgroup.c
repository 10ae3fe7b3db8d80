/* SPDX-License-Identifier: MIT */
/* pause, resume and ps: the commands that work on a container's cgroup. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "barco/container.h"
#include "barco/util.h"
#include "cli.h"

/* Options: none; exactly one argument, the ID. */
static int cgroup_cmd_id(const char *cmd, int argc, char **argv, const char **id, bc_error_t **err)
{
	optind = 0;
	if (getopt(argc, argv, "+") != -1)
		return cli_bad_option(cmd, argv, err);
	if (optind >= argc)
		return cli_usage_error(cmd, err, "missing container ID");
	if (optind + 1 < argc)
		return cli_usage_error(cmd, err, "unexpected argument \"%s\"", argv[optind + 1]);
	*id = argv[optind];
	return 0;
}

int cmd_pause(const bc_global_opts_t *g, int argc, char **argv, bc_error_t **err)
{
	const char *id;

	if (cgroup_cmd_id("pause", argc, argv, &id, err) < 0)
		return -1;
	return container_pause(g->root, id, err);
}

int cmd_resume(const bc_global_opts_t *g, int argc, char **argv, bc_error_t **err)
{
	const char *id;

	if (cgroup_cmd_id("resume", argc, argv, &id, err) < 0)
		return -1;
	return container_resume(g->root, id, err);
}

/* Run ps with ARGS (argv[0] "ps") and return its whole standard output. */
static char *ps_output(char **args, bc_error_t **err)
{
	cleanup_close int rd = -1;
	cleanup_free char *out = NULL;
	int fds[2], status;
	pid_t pid;
	int rc;

	if (pipe2(fds, O_CLOEXEC) < 0)
		return bc_error_errno(err, "ps: pipe"), NULL;
	rd = fds[0];
	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		close(fds[1]);
		return bc_error_errno(err, "ps: fork"), NULL;
	}
	if (pid == 0) {
		if (dup2(fds[1], STDOUT_FILENO) < 0)
			_exit(127);
		execvp("ps", args);
		fprintf(stderr, "barco: ps: run ps: %s\n", strerror(errno));
		_exit(127);
	}
	close(fds[1]);
	rc = bc_read_all(rd, 64 << 20, &out, NULL);
	if (rc < 0)
		bc_error_errno(err, "ps: read the output of ps");
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return bc_error_errno(err, "ps: wait for ps"), NULL;
	if (rc < 0)
		return NULL;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return bc_error_set(err, 0, "ps: `ps` failed (%s %d)",
				    WIFEXITED(status) ? "exit status" : "signal",
				    WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status)),
		       NULL;
	return steal_ptr(out);
}

/* Index of the "PID" column in ps' header line, or -1. */
static int ps_pid_column(const char *header)
{
	int col = 0;

	for (const char *p = header + strspn(header, " \t"); *p; col++) {
		size_t len = strcspn(p, " \t");

		if (len == 3 && strncmp(p, "PID", 3) == 0)
			return col;
		p += len;
		p += strspn(p, " \t");
	}
	return -1;
}

/* Field COL of a ps row, as a pid; -1 when it is not one. */
static pid_t ps_row_pid(const char *row, int col)
{
	const char *p = row + strspn(row, " \t");
	cleanup_free char *field = NULL;
	int64_t v;

	for (int i = 0; i < col && *p; i++) {
		p += strcspn(p, " \t");
		p += strspn(p, " \t");
	}
	field = bc_xstrndup(p, strcspn(p, " \t"));
	if (bc_parse_int64(field, &v) < 0 || v <= 0 || v > INT32_MAX)
		return -1;
	return (pid_t)v;
}

static bool pid_listed(const pid_t *pids, size_t n, pid_t pid)
{
	for (size_t i = 0; i < n; i++)
		if (pids[i] == pid)
			return true;
	return false;
}

/* runc's table: ps' own output (ps -ef unless told otherwise), header and the rows of the
 * container's processes. */
static int ps_table(const pid_t *pids, size_t n, int argc, char **argv, bc_error_t **err)
{
	cleanup_free char **args = bc_xcalloc((size_t)argc + 3, sizeof(char *));
	cleanup_free char *out = NULL;
	char *save = NULL, *line;
	int k = 0, col;

	args[k++] = "ps";
	if (argc == 0)
		args[k++] = "-ef";
	for (int i = 0; i < argc; i++)
		args[k++] = argv[i];
	out = ps_output(args, err);
	if (out == NULL)
		return -1;
	line = strtok_r(out, "\n", &save);
	col = line ? ps_pid_column(line) : -1;
	if (col < 0)
		return bc_error_set(err, 0, "ps: no PID column in the header of ps' output");
	printf("%s\n", line);
	while ((line = strtok_r(NULL, "\n", &save)) != NULL)
		if (pid_listed(pids, n, ps_row_pid(line, col)))
			printf("%s\n", line);
	return 0;
}

int cmd_ps(const bc_global_opts_t *g, int argc, char **argv, bc_error_t **err)
{
	static const struct option opts[] = {
	    {"format", required_argument, NULL, 'f'},
	    {NULL, 0, NULL, 0},
	};
	const char *format = "table", *id;
	cleanup_free pid_t *pids = NULL;
	size_t n = 0;
	int c, rest;

	optind = 0;
	while ((c = getopt_long(argc, argv, "+f:", opts, NULL)) != -1) {
		if (c != 'f')
			return cli_usage_error("ps", err, "unknown option \"%s\"",
					       argv[optind - 1]);
		format = optarg;
	}
	if (strcmp(format, "table") != 0 && strcmp(format, "json") != 0)
		return cli_usage_error("ps", err, "--format: \"%s\" is not table or json", format);
	if (optind >= argc)
		return cli_usage_error("ps", err, "missing container ID");
	id = argv[optind];
	rest = optind + 1;
	if (rest < argc && strcmp(argv[rest], "--") == 0)
		rest++;
	if (strcmp(format, "json") == 0 && rest < argc)
		return cli_usage_error("ps", err, "ps arguments (\"%s\") need --format table",
				       argv[rest]);
	if (container_pids(g->root, id, &pids, &n, err) < 0)
		return -1;
	if (strcmp(format, "table") == 0)
		return ps_table(pids, n, argc - rest, argv + rest, err);
	putchar('[');
	for (size_t i = 0; i < n; i++)
		printf("%s%d", i ? "," : "", (int)pids[i]);
	puts("]");
	return 0;
}
