/* SPDX-License-Identifier: MIT */
/* events: a container's resource usage, and its OOM kills, as JSON lines (runc's events). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "barco/cgroup_stats.h"
#include "barco/container.h"
#include "barco/util.h"
#include "cli.h"

#define DEFAULT_INTERVAL_NS 5000000000ULL /* runc's 5s */

int cmd_events(const bc_global_opts_t *g, int argc, char **argv, bc_error_t **err)
{
	static const struct option opts[] = {
	    {"stats", no_argument, NULL, 's'},
	    {"interval", required_argument, NULL, 'i'},
	    {NULL, 0, NULL, 0},
	};
	uint64_t interval = DEFAULT_INTERVAL_NS;
	bool stats_only = false;
	int c;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			stats_only = true;
			break;
		case 'i':
			if (cgroup_parse_duration(optarg, &interval) < 0)
				return cli_usage_error("events", err,
						       "--interval: invalid duration \"%s\" "
						       "(expected e.g. 5s, 500ms, 1m30s)",
						       optarg);
			if (interval == 0)
				return cli_usage_error(
				    "events", err, "--interval: duration must be greater than 0");
			break;
		default:
			return cli_usage_error("events", err,
					       "unknown option or missing value in \"%s\"",
					       argv[optind - 1]);
		}
	}
	if (optind >= argc)
		return cli_usage_error("events", err, "missing container ID");
	if (optind + 1 < argc)
		return cli_usage_error("events", err, "unexpected argument \"%s\"",
				       argv[optind + 1]);
	return container_events(g->root, argv[optind], interval, stats_only, stdout, err);
}
