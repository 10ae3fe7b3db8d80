/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <string.h>
#include <unistd.h>

#include "barco/spec.h"
#include "barco/util.h"
#include "cli.h"

int cmd_spec(const bc_global_opts_t *g, int argc, char **argv, bc_error_t **err)
{
	static const struct option opts[] = {
	    {"bundle", required_argument, NULL, 'b'},
	    {"rootless", no_argument, NULL, 'R'},
	    {NULL, 0, NULL, 0},
	};
	cleanup_free char *json = NULL;
	cleanup_free char *path = NULL;
	cleanup_close int fd = -1;
	const char *bundle = ".";
	bool rootless = false;
	int c;

	optind = 0;
	while ((c = getopt_long(argc, argv, "+b:", opts, NULL)) != -1) {
		if (c == 'b')
			bundle = optarg;
		else if (c == 'R')
			rootless = true;
		else
			return cli_usage_error("spec", err, "unknown option \"%s\"",
					       argv[optind - 1]);
	}
	if (optind < argc)
		return cli_usage_error("spec", err, "unexpected argument \"%s\"", argv[optind]);
	json = bc_spec_default_json(rootless);
	path = bc_xasprintf("%s/config.json", bundle);
	/* Never overwrite an edited config: the user removes it first, as with runc. */
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0) {
		if (errno == EEXIST)
			return bc_error_set(err, 0, "%s already exists: remove it first", path);
		return bc_error_errno(err, "create %s", path);
	}
	if (bc_write_all(fd, json, strlen(json)) < 0 || bc_write_all(fd, "\n", 1) < 0)
		return bc_error_errno(err, "write %s", path);
	return 0;
}
