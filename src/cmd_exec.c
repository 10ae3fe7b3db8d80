/* SPDX-License-Identifier: MIT */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "barco/container.h"
#include "barco/util.h"
#include "cli.h"

enum {
	OPT_CONSOLE = 256,
	OPT_CWD,
	OPT_NNP,
	OPT_APPARMOR,
	OPT_LABEL,
	OPT_PID_FILE,
	OPT_PRESERVE,
	OPT_CGROUP,
	OPT_IGNORE_PAUSED,
};

/* The lists the options fill (a repeated option adds to its list). */
struct exec_lists {
	char **env, **caps, **cgroups;
	uint32_t *gids;
	size_t n_gids;
};

static void exec_lists_free(struct exec_lists *l)
{
	bc_strv_free(l->env);
	bc_strv_free(l->caps);
	bc_strv_free(l->cgroups);
	free(l->gids);
}

static void strv_push(char ***v, const char *s)
{
	size_t n = bc_strv_len(*v);

	*v = bc_xrealloc(*v, (n + 2) * sizeof(char *));
	(*v)[n] = bc_xstrdup(s);
	(*v)[n + 1] = NULL;
}

static int exec_parse_gid(const char *v, struct exec_lists *l, bc_error_t **err)
{
	uint64_t gid;

	if (bc_parse_uint64(v, &gid) < 0 || gid > UINT32_MAX - 1)
		return cli_usage_error("exec", err,
				       "--additional-gids: \"%s\" is not a group id (0 to "
				       "4294967294)",
				       v);
	l->gids = bc_xrealloc(l->gids, (l->n_gids + 1) * sizeof(uint32_t));
	l->gids[l->n_gids++] = (uint32_t)gid;
	return 0;
}

/* One option into o; 0, or -1 with *err. */
static int exec_option(int c, bc_exec_opts_t *o, struct exec_lists *l, char **argv,
		       bc_error_t **err)
{
	cleanup_error bc_error_t *uerr = NULL;

	switch (c) {
	case 'p':
		o->process_path = optarg;
		return 0;
	case 't':
		o->tty = true;
		return 0;
	case OPT_CONSOLE:
		o->console_socket = optarg;
		return 0;
	case 'e':
		strv_push(&l->env, optarg);
		return 0;
	case 'u':
		if (bc_parse_user_spec(optarg, &o->uid, &o->gid, &o->has_gid, &uerr) < 0)
			return cli_usage_error("exec", err, "--user: %s", uerr->msg);
		o->has_user = true;
		return 0;
	case 'g':
		return exec_parse_gid(optarg, l, err);
	case OPT_CWD:
		o->cwd = optarg;
		return 0;
	case 'c':
		strv_push(&l->caps, optarg);
		return 0;
	case OPT_NNP:
		o->no_new_privs = true;
		return 0;
	case OPT_APPARMOR:
		o->apparmor = optarg;
		return 0;
	case OPT_LABEL:
		o->process_label = optarg;
		return 0;
	case 'd':
		o->detach = true;
		return 0;
	case OPT_PID_FILE:
		if (*optarg == '\0')
			return cli_usage_error("exec", err, "--pid-file: empty path");
		o->pid_file = optarg;
		return 0;
	case OPT_PRESERVE:
		return cli_parse_count("exec", "--preserve-fds", optarg, &o->preserve_fds, err);
	case OPT_CGROUP:
		strv_push(&l->cgroups, optarg);
		return 0;
	case OPT_IGNORE_PAUSED:
		o->ignore_paused = true;
		return 0;
	default:
		return cli_usage_error("exec", err, "unknown option \"%s\"", argv[optind - 1]);
	}
}

int cmd_exec(const bc_global_opts_t *g, int argc, char **argv, bc_error_t **err)
{
	static const struct option opts[] = {
	    {"process", required_argument, NULL, 'p'},
	    {"tty", no_argument, NULL, 't'},
	    {"console-socket", required_argument, NULL, OPT_CONSOLE},
	    {"env", required_argument, NULL, 'e'},
	    {"user", required_argument, NULL, 'u'},
	    {"additional-gids", required_argument, NULL, 'g'},
	    {"cwd", required_argument, NULL, OPT_CWD},
	    {"cap", required_argument, NULL, 'c'},
	    {"no-new-privs", no_argument, NULL, OPT_NNP},
	    {"apparmor", required_argument, NULL, OPT_APPARMOR},
	    {"process-label", required_argument, NULL, OPT_LABEL},
	    {"detach", no_argument, NULL, 'd'},
	    {"pid-file", required_argument, NULL, OPT_PID_FILE},
	    {"preserve-fds", required_argument, NULL, OPT_PRESERVE},
	    {"cgroup", required_argument, NULL, OPT_CGROUP},
	    {"ignore-paused", no_argument, NULL, OPT_IGNORE_PAUSED},
	    {NULL, 0, NULL, 0},
	};
	__attribute__((cleanup(exec_lists_free))) struct exec_lists l = {0};
	bc_exec_opts_t o = {0};
	const char *id;
	int c;

	optind = 0;
	/* "+": options end at the ID; what follows is the command, with its own options. */
	while ((c = getopt_long(argc, argv, "+p:te:u:g:c:d", opts, NULL)) != -1)
		if (exec_option(c, &o, &l, argv, err) < 0)
			return -1;
	if (optind >= argc)
		return cli_usage_error("exec", err, "missing container ID");
	id = argv[optind++];
	if (optind < argc && strcmp(argv[optind], "--") == 0)
		optind++;
	if (o.process_path && optind < argc)
		return cli_usage_error("exec", err,
				       "unexpected argument \"%s\" (--process gives the whole "
				       "process, args included)",
				       argv[optind]);
	if (o.process_path == NULL && optind >= argc)
		return cli_usage_error("exec", err,
				       "missing command to run (CMD, or --process "
				       "FILE)");
	o.args = o.process_path ? NULL : argv + optind;
	o.env = l.env;
	o.caps = l.caps;
	o.cgroups = l.cgroups;
	o.additional_gids = l.gids;
	o.n_additional_gids = l.n_gids;
	return container_exec(g->root, id, &o, err);
}
