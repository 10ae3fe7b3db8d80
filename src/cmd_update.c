/* SPDX-License-Identifier: MIT */
/* update: change a container's cgroup limits, with runc's flags or a LinuxResources
 * document (-r FILE, or - for stdin).  Flags given with -r override the document's values
 * (runc ignores the flags then; overriding loses nothing and is what a user means). */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "barco/cgroup_stats.h"
#include "barco/container.h"
#include "barco/log.h"
#include "barco/util.h"
#include "cli.h"

enum {
	OPT_MEMORY = 256,
	OPT_MEMORY_SWAP,
	OPT_MEMORY_RESERVATION,
	OPT_KERNEL_MEMORY,
	OPT_KERNEL_MEMORY_TCP,
	OPT_CPU_SHARES,
	OPT_CPU_QUOTA,
	OPT_CPU_PERIOD,
	OPT_CPU_BURST,
	OPT_CPU_RT_PERIOD,
	OPT_CPU_RT_RUNTIME,
	OPT_CPU_IDLE,
	OPT_CPUSET_CPUS,
	OPT_CPUSET_MEMS,
	OPT_PIDS_LIMIT,
	OPT_BLKIO_WEIGHT,
};

/* The LinuxResources document of -r (at most the size of a config.json). */
static bc_resources_t *read_document(const char *path, bc_error_t **err)
{
	cleanup_close int fd = -1;
	cleanup_free char *data = NULL;
	size_t len = 0;
	bool in = strcmp(path, "-") == 0;

	fd = in ? dup(STDIN_FILENO) : open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return bc_error_errno(err, "update: open %s", in ? "the standard input" : path),
		       NULL;
	if (bc_read_all(fd, BC_SPEC_MAX_SIZE, &data, &len) < 0) {
		if (errno == EFBIG)
			return bc_error_set(err, 0, "update: %s: larger than %d MiB",
					    in ? "standard input" : path,
					    BC_SPEC_MAX_SIZE / (1024 * 1024)),
			       NULL;
		return bc_error_errno(err, "update: read %s", in ? "the standard input" : path),
		       NULL;
	}
	return bc_resources_parse(in ? "update: resources from standard input" : path, data, len,
				  err);
}

static int bad_value(const char *opt, const char *v, const char *want, bc_error_t **err)
{
	return cli_usage_error("update", err, "--%s: invalid value \"%s\" (%s)", opt, v, want);
}

static int parse_size(const char *opt, const char *v, int64_t *out, bc_error_t **err)
{
	if (cgroup_parse_memory_size(v, out) < 0)
		return bad_value(opt, v, "bytes, with an optional k, m, g, t or p suffix, or -1",
				 err);
	return 0;
}

static int parse_u64(const char *opt, const char *v, uint64_t *out, bc_error_t **err)
{
	if (bc_parse_uint64(v, out) < 0)
		return bad_value(opt, v, "a whole number", err);
	return 0;
}

static int parse_i64(const char *opt, const char *v, int64_t *out, bc_error_t **err)
{
	if (bc_parse_int64(v, out) < 0)
		return bad_value(opt, v, "a whole number", err);
	return 0;
}

static bc_memory_t *memory_of(bc_resources_t *r)
{
	if (r->memory == NULL)
		r->memory = bc_xcalloc(1, sizeof(*r->memory));
	return r->memory;
}

static bc_cpu_t *cpu_of(bc_resources_t *r)
{
	if (r->cpu == NULL)
		r->cpu = bc_xcalloc(1, sizeof(*r->cpu));
	return r->cpu;
}

static void set_str(char **dst, const char *v)
{
	free(*dst);
	*dst = bc_xstrdup(v);
}

static int memory_flag(int c, const char *opt, const char *v, bc_resources_t *r, bc_error_t **err)
{
	int64_t n;

	if (parse_size(opt, v, &n, err) < 0)
		return -1;
	if (c == OPT_MEMORY) {
		memory_of(r)->has_limit = true;
		r->memory->limit = n;
	} else if (c == OPT_MEMORY_SWAP) {
		memory_of(r)->has_swap = true;
		r->memory->swap = n;
	} else {
		memory_of(r)->has_reservation = true;
		r->memory->reservation = n;
	}
	return 0;
}

static int cpu_u64_flag(int c, const char *opt, const char *v, bc_resources_t *r, bc_error_t **err)
{
	uint64_t n;
	bc_cpu_t *cpu;

	if (parse_u64(opt, v, &n, err) < 0)
		return -1;
	cpu = cpu_of(r);
	if (c == OPT_CPU_SHARES) {
		cpu->has_shares = true;
		cpu->shares = n;
	} else if (c == OPT_CPU_PERIOD) {
		cpu->has_period = true;
		cpu->period = n;
	} else if (c == OPT_CPU_BURST) {
		cpu->has_burst = true;
		cpu->burst = n;
	} else {
		cpu->has_realtime_period = true;
		cpu->realtime_period = n;
	}
	return 0;
}

static int cpu_i64_flag(int c, const char *opt, const char *v, bc_resources_t *r, bc_error_t **err)
{
	int64_t n;
	bc_cpu_t *cpu;

	if (parse_i64(opt, v, &n, err) < 0)
		return -1;
	cpu = cpu_of(r);
	if (c == OPT_CPU_QUOTA) {
		cpu->has_quota = true;
		cpu->quota = n;
	} else if (c == OPT_CPU_RT_RUNTIME) {
		cpu->has_realtime_runtime = true;
		cpu->realtime_runtime = n;
	} else {
		cpu->has_idle = true;
		cpu->idle = n;
	}
	return 0;
}

static int other_flag(int c, const char *opt, const char *v, bc_resources_t *r, bc_error_t **err)
{
	int64_t n;
	uint64_t w;

	switch (c) {
	case OPT_CPUSET_CPUS:
		set_str(&cpu_of(r)->cpus, v);
		return 0;
	case OPT_CPUSET_MEMS:
		set_str(&cpu_of(r)->mems, v);
		return 0;
	case OPT_PIDS_LIMIT:
		if (parse_i64(opt, v, &n, err) < 0)
			return -1;
		r->has_pids_limit = true;
		r->pids_limit = n;
		return 0;
	case OPT_BLKIO_WEIGHT:
		if (parse_u64(opt, v, &w, err) < 0)
			return -1;
		if (w > 1000)
			return bad_value(opt, v, "10..1000", err);
		if (r->block_io == NULL)
			r->block_io = bc_xcalloc(1, sizeof(*r->block_io));
		r->block_io->has_weight = true;
		r->block_io->weight = (uint16_t)w;
		return 0;
	default:
		return cli_usage_error("update", err, "unknown option \"--%s\"", opt);
	}
}

/* One resource flag onto r (which the document, if any, filled first). */
static int apply_flag(int c, const char *opt, const char *v, bc_resources_t *r, bc_error_t **err)
{
	switch (c) {
	case OPT_MEMORY:
	case OPT_MEMORY_SWAP:
	case OPT_MEMORY_RESERVATION:
		return memory_flag(c, opt, v, r, err);
	case OPT_KERNEL_MEMORY:
	case OPT_KERNEL_MEMORY_TCP:
		bc_warn("update: --%s is ignored (kernel memory limits are obsolete; runc ignores "
			"them too)",
			opt);
		return 0;
	case OPT_CPU_SHARES:
	case OPT_CPU_PERIOD:
	case OPT_CPU_BURST:
	case OPT_CPU_RT_PERIOD:
		return cpu_u64_flag(c, opt, v, r, err);
	case OPT_CPU_QUOTA:
	case OPT_CPU_RT_RUNTIME:
	case OPT_CPU_IDLE:
		return cpu_i64_flag(c, opt, v, r, err);
	default:
		return other_flag(c, opt, v, r, err);
	}
}

static const struct option update_opts[] = {
    {"resources", required_argument, NULL, 'r'},
    {"memory", required_argument, NULL, OPT_MEMORY},
    {"memory-swap", required_argument, NULL, OPT_MEMORY_SWAP},
    {"memory-reservation", required_argument, NULL, OPT_MEMORY_RESERVATION},
    {"kernel-memory", required_argument, NULL, OPT_KERNEL_MEMORY},
    {"kernel-memory-tcp", required_argument, NULL, OPT_KERNEL_MEMORY_TCP},
    {"cpu-share", required_argument, NULL, OPT_CPU_SHARES}, /* runc's spelling */
    {"cpu-shares", required_argument, NULL, OPT_CPU_SHARES},
    {"cpu-quota", required_argument, NULL, OPT_CPU_QUOTA},
    {"cpu-period", required_argument, NULL, OPT_CPU_PERIOD},
    {"cpu-burst", required_argument, NULL, OPT_CPU_BURST},
    {"cpu-rt-period", required_argument, NULL, OPT_CPU_RT_PERIOD},
    {"cpu-rt-runtime", required_argument, NULL, OPT_CPU_RT_RUNTIME},
    {"cpu-idle", required_argument, NULL, OPT_CPU_IDLE},
    {"cpuset-cpus", required_argument, NULL, OPT_CPUSET_CPUS},
    {"cpuset-mems", required_argument, NULL, OPT_CPUSET_MEMS},
    {"pids-limit", required_argument, NULL, OPT_PIDS_LIMIT},
    {"blkio-weight", required_argument, NULL, OPT_BLKIO_WEIGHT},
    {NULL, 0, NULL, 0},
};

/* A flag and its value, kept until the document is read. */
struct flag {
	int c;
	const char *name, *value;
};

int cmd_update(const bc_global_opts_t *g, int argc, char **argv, bc_error_t **err)
{
	cleanup_free struct flag *flags = bc_xcalloc((size_t)argc + 1, sizeof(*flags));
	bc_resources_t *r = NULL;
	const char *doc = NULL, *id;
	size_t nflags = 0;
	int c, idx, ret = -1;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+r:", update_opts, &idx)) != -1) {
		if (c == '?' || c == ':')
			return cli_usage_error("update", err,
					       "unknown option or missing value in "
					       "\"%s\"",
					       argv[optind - 1]);
		if (c == 'r')
			doc = optarg;
		else
			flags[nflags++] = (struct flag){c, update_opts[idx].name, optarg};
	}
	if (optind >= argc)
		return cli_usage_error("update", err, "missing container ID");
	if (optind + 1 < argc)
		return cli_usage_error("update", err, "unexpected argument \"%s\"",
				       argv[optind + 1]);
	id = argv[optind];
	if (doc == NULL && nflags == 0)
		return cli_usage_error("update", err,
				       "nothing to update (give -r FILE or a resource flag)");
	r = doc ? read_document(doc, err) : bc_xcalloc(1, sizeof(*r));
	if (r == NULL)
		return -1;
	for (size_t i = 0; i < nflags; i++)
		if (apply_flag(flags[i].c, flags[i].name, flags[i].value, r, err) < 0)
			goto out;
	ret = container_update(g->root, id, r, err);
out:
	bc_resources_free(r);
	return ret;
}
