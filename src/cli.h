/* SPDX-License-Identifier: MIT */
#ifndef BARCO_CLI_H
#define BARCO_CLI_H

#include <stdbool.h>

#include "barco/error.h"

typedef struct bc_global_opts {
	const char *root;
	bool root_given; /* --root: else the default, or the rootless one */
	const char *log_path;
	bool json_log;
	bool debug;
} bc_global_opts_t;

typedef struct bc_command {
	const char *name;
	int (*run)(const bc_global_opts_t *g, int argc, char **argv, bc_error_t **err);
	const char *usage; /* "create [OPTIONS] ID" */
	const char *help;  /* the options, one per line */
	const char *summary;
} bc_command_t;

extern const bc_command_t cli_commands[];

/* Print usage of a command to stdout (for --help). */
void cli_print_command_help(const bc_command_t *c);
/* A usage error: "create: missing container ID (usage: barco create [OPTIONS] ID)". */
int cli_usage_error(const char *cmd, bc_error_t **err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
const bc_command_t *cli_find(const char *name);
/* After getopt returned '?': "unknown option" naming the word it stopped at. */
int cli_bad_option(const char *cmd, char **argv, bc_error_t **err);

int cmd_create(const bc_global_opts_t *g, int argc, char **argv, bc_error_t **err);
int cmd_start(const bc_global_opts_t *g, int argc, char **argv, bc_error_t **err);
int cmd_state(const bc_global_opts_t *g, int argc, char **argv, bc_error_t **err);
int cmd_kill(const bc_global_opts_t *g, int argc, char **argv, bc_error_t **err);
int cmd_delete(const bc_global_opts_t *g, int argc, char **argv, bc_error_t **err);
int cmd_list(const bc_global_opts_t *g, int argc, char **argv, bc_error_t **err);
int cmd_pause(const bc_global_opts_t *g, int argc, char **argv, bc_error_t **err);
int cmd_resume(const bc_global_opts_t *g, int argc, char **argv, bc_error_t **err);
int cmd_ps(const bc_global_opts_t *g, int argc, char **argv, bc_error_t **err);
int cmd_spec(const bc_global_opts_t *g, int argc, char **argv, bc_error_t **err);
int cmd_update(const bc_global_opts_t *g, int argc, char **argv, bc_error_t **err);
int cmd_events(const bc_global_opts_t *g, int argc, char **argv, bc_error_t **err);
int cmd_run(const bc_global_opts_t *g, int argc, char **argv, bc_error_t **err);
int cmd_exec(const bc_global_opts_t *g, int argc, char **argv, bc_error_t **err);
int cmd_features(const bc_global_opts_t *g, int argc, char **argv, bc_error_t **err);

/* The getopt_long entries of the options create and run share (see cli_create_option). */
// clang-format off
#define CLI_CREATE_LONG_OPTIONS                                                                    \
	{"bundle", required_argument, NULL, 'b'},                                                  \
	{"pid-file", required_argument, NULL, 'P'},                                                \
	{"console-socket", required_argument, NULL, 'C'},                                          \
	{"no-pivot", no_argument, NULL, 'N'},                                                      \
	{"no-new-keyring", no_argument, NULL, 'K'},                                                \
	{"preserve-fds", required_argument, NULL, 'F'}
// clang-format on

struct bc_create_opts;
/* Absolute path of the bundle (default: the current directory). */
char *cli_bundle_path(const char *bundle, bc_error_t **err);
/* Options shared by create and run: 1 when c was one of them, 0 if not, -1 on error. */
int cli_create_option(int c, const char *cmd, struct bc_create_opts *o, const char **bundle,
		      bc_error_t **err);

/* Parse a non-negative int option value ("--preserve-fds"). */
int cli_parse_count(const char *cmd, const char *opt, const char *v, int *out, bc_error_t **err);

#endif
