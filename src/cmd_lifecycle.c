/* SPDX-License-Identifier: MIT */
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "barco/container.h"
#include "barco/signals.h"
#include "barco/util.h"
#include "cli.h"

/* Exactly one positional argument: the container ID. */
static int cli_one_id(const char *cmd, int argc, char **argv, const char **id, bc_error_t **err)
{
	if (optind >= argc)
		return cli_usage_error(cmd, err, "missing container ID");
	if (optind + 1 < argc)
		return cli_usage_error(cmd, err, "unexpected argument \"%s\"", argv[optind + 1]);
	*id = argv[optind];
	return 0;
}

int cli_bad_option(const char *cmd, char **argv, bc_error_t **err)
{
	/* getopt stays on a word it stopped inside ("-x" of a command without short options,
	 * "--foo" for plain getopt): then the culprit is argv[optind], not the word before. */
	const char *bad = argv[optind - 1];

	if ((optind == 1 || bad[0] != '-') && argv[optind] != NULL)
		bad = argv[optind];
	return cli_usage_error(cmd, err, "unknown option \"%s\"", bad);
}

char *cli_bundle_path(const char *bundle, bc_error_t **err)
{
	char buf[PATH_MAX];

	if (realpath(bundle ? bundle : ".", buf) == NULL)
		return bc_error_errno(err, "bundle %s", bundle ? bundle : "."), NULL;
	return bc_xstrdup(buf);
}

/* Options shared by create and run; returns 1 if the option was one of them. */
int cli_create_option(int c, const char *cmd, bc_create_opts_t *o, const char **bundle,
		      bc_error_t **err)
{
	switch (c) {
	case 'b':
		*bundle = optarg;
		return 1;
	case 'P':
		if (*optarg == '\0')
			return cli_usage_error(cmd, err, "--pid-file: empty path");
		o->pid_file = optarg;
		return 1;
	case 'C':
		o->console_socket = optarg;
		return 1;
	case 'N':
		o->no_pivot = true;
		return 1;
	case 'K':
		o->no_new_keyring = true;
		return 1;
	case 'F':
		return cli_parse_count(cmd, "--preserve-fds", optarg, &o->preserve_fds, err) < 0
			   ? -1
			   : 1;
	default:
		return 0;
	}
}

int cmd_create(const bc_global_opts_t *g, int argc, char **argv, bc_error_t **err)
{
	static const struct option opts[] = {
	    CLI_CREATE_LONG_OPTIONS,
	    {NULL, 0, NULL, 0},
	};
	bc_create_opts_t o = {.root = g->root};
	cleanup_free char *bundle_abs = NULL;
	const char *bundle = NULL;
	int c, r;

	optind = 0;
	while ((c = getopt_long(argc, argv, "+b:", opts, NULL)) != -1) {
		r = cli_create_option(c, "create", &o, &bundle, err);
		if (r < 0)
			return -1;
		if (r == 0)
			return cli_bad_option("create", argv, err);
	}
	if (cli_one_id("create", argc, argv, &o.id, err) < 0)
		return -1;
	bundle_abs = cli_bundle_path(bundle, err);
	if (bundle_abs == NULL)
		return -1;
	o.bundle = bundle_abs;
	return container_create(&o, NULL, err);
}

int cmd_start(const bc_global_opts_t *g, int argc, char **argv, bc_error_t **err)
{
	const char *id;

	optind = 0;
	if (getopt(argc, argv, "+") != -1)
		return cli_bad_option("start", argv, err);
	if (cli_one_id("start", argc, argv, &id, err) < 0)
		return -1;
	return container_start(g->root, id, err);
}

int cmd_state(const bc_global_opts_t *g, int argc, char **argv, bc_error_t **err)
{
	cleanup_free char *json = NULL;
	const char *id;

	optind = 0;
	if (getopt(argc, argv, "+") != -1)
		return cli_bad_option("state", argv, err);
	if (cli_one_id("state", argc, argv, &id, err) < 0)
		return -1;
	json = container_state_json(g->root, id, err);
	if (json == NULL)
		return -1;
	printf("%s\n", json);
	return 0;
}

int cmd_kill(const bc_global_opts_t *g, int argc, char **argv, bc_error_t **err)
{
	static const struct option opts[] = {
	    {"all", no_argument, NULL, 'a'},
	    {NULL, 0, NULL, 0},
	};
	bool all = false;
	int c, sig = SIGTERM;

	optind = 0;
	while ((c = getopt_long(argc, argv, "+a", opts, NULL)) != -1) {
		if (c != 'a')
			return cli_bad_option("kill", argv, err);
		all = true;
	}
	if (optind >= argc)
		return cli_usage_error("kill", err, "missing container ID");
	if (optind + 2 < argc)
		return cli_usage_error("kill", err, "unexpected argument \"%s\"", argv[optind + 2]);
	if (optind + 1 < argc) {
		sig = signals_parse(argv[optind + 1], err);
		if (sig < 0)
			return -1;
	}
	return container_kill(g->root, argv[optind], sig, all, err);
}

int cmd_delete(const bc_global_opts_t *g, int argc, char **argv, bc_error_t **err)
{
	static const struct option opts[] = {
	    {"force", no_argument, NULL, 'f'},
	    {NULL, 0, NULL, 0},
	};
	bool force = false;
	const char *id;
	int c;

	optind = 0;
	while ((c = getopt_long(argc, argv, "+f", opts, NULL)) != -1) {
		if (c != 'f')
			return cli_bad_option("delete", argv, err);
		force = true;
	}
	if (cli_one_id("delete", argc, argv, &id, err) < 0)
		return -1;
	return container_delete(g->root, id, force, err);
}
