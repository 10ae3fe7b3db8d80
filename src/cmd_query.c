/* SPDX-License-Identifier: MIT */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "barco/container.h"
#include "barco/util.h"
#include "cli.h"

static void list_free(bc_state_t **states, size_t n)
{
	for (size_t i = 0; i < n; i++)
		bc_state_free(states[i]);
	free(states);
}

static void list_table(bc_state_t **states, size_t n)
{
	printf("%-20s %-8s %-10s %-40s %-31s %s\n", "ID", "PID", "STATUS", "BUNDLE", "CREATED",
	       "OWNER");
	for (size_t i = 0; i < n; i++) {
		const bc_state_t *s = states[i];
		cleanup_free char *owner = bc_user_name((uid_t)s->owner);
		bool live = strcmp(s->status, "created") == 0 ||
			    strcmp(s->status, "running") == 0 || strcmp(s->status, "paused") == 0;

		printf("%-20s %-8d %-10s %-40s %-31s %s\n", s->id, live ? (int)s->pid : 0,
		       s->status, s->bundle ? s->bundle : "", s->created ? s->created : "", owner);
	}
}

static int list_json(bc_state_t **states, size_t n, bc_error_t **err)
{
	fputs("[", stdout);
	for (size_t i = 0; i < n; i++) {
		cleanup_free char *json = NULL;

		if (strcmp(states[i]->status, "stopped") == 0)
			states[i]->pid = 0;
		json = bc_state_to_json(states[i], BC_STATE_JSON_CLI, err);
		if (json == NULL)
			return -1;
		printf("%s%s", i ? "," : "", json);
	}
	fputs("]\n", stdout);
	return 0;
}

int cmd_list(const bc_global_opts_t *g, int argc, char **argv, bc_error_t **err)
{
	static const struct option opts[] = {
	    {"format", required_argument, NULL, 'f'},
	    {"quiet", no_argument, NULL, 'q'},
	    {NULL, 0, NULL, 0},
	};
	const char *format = "table";
	bc_state_t **states = NULL;
	bool quiet = false;
	size_t n = 0;
	int c, r = 0;

	optind = 0;
	while ((c = getopt_long(argc, argv, "+f:q", opts, NULL)) != -1) {
		if (c == 'f')
			format = optarg;
		else if (c == 'q')
			quiet = true;
		else
			return cli_usage_error("list", err, "unknown option \"%s\"",
					       argv[optind - 1]);
	}
	if (optind < argc)
		return cli_usage_error("list", err, "unexpected argument \"%s\"", argv[optind]);
	if (strcmp(format, "table") != 0 && strcmp(format, "json") != 0)
		return cli_usage_error("list", err, "--format: \"%s\" is not table or json",
				       format);
	if (container_list(g->root, &states, &n, err) < 0)
		return -1;
	if (quiet) {
		for (size_t i = 0; i < n; i++)
			printf("%s\n", states[i]->id);
	} else if (strcmp(format, "json") == 0) {
		r = list_json(states, n, err);
	} else {
		list_table(states, n);
	}
	list_free(states, n);
	return r;
}
