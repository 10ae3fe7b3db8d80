/* cycle: run a fixed sequence of commands with posix_spawn and no shell, for `hyperfine -N`.
 *
 * Usage: cycle [-j N] [-p PREFIX] -- CMD [ARG...] [:: CMD [ARG...]]... [::: CMD [ARG...]]...
 *
 * `::` separates commands run one after the other; `:::` separates phases.  Each phase runs in N
 * workers at once (-j, default 1), every worker running the phase's commands in order; the next
 * phase starts when every worker of this one has finished.  In every argument, `@ID@` is replaced
 * by a container ID unique to this invocation and worker, PREFIX-PID-WORKER (PREFIX defaults to
 * "bench"), and `@N@` by the worker's number, 0 to N-1 (e.g. to pick one of N bundles).  A
 * command that cannot be started or exits non-zero (or by a signal) is named on stderr and makes
 * cycle exit 1 after its phase, without running the later phases.
 *
 * Why not `sh -c 'a && b && c'`: a shell costs a fork/exec and its own startup per iteration,
 * which would dilute the ratios between runtimes; bench/run.sh reports what cycle itself costs.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define ID_MARK "@ID@"
#define N_MARK	"@N@"

struct cmd {
	char **argv;
	int phase;
};

static const char *prog = "cycle";

static void usage(void)
{
	fprintf(stderr,
		"usage: %s [-j N] [-p PREFIX] -- CMD [ARG...] [:: CMD...]... [::: CMD...]...\n",
		prog);
	exit(2);
}

/* Returns ARG with every MARK replaced by VAL (ARG itself when it has none). */
static char *subst(char *arg, const char *mark, const char *val)
{
	const char *p;
	size_t n = 0, vlen = strlen(val), marklen = strlen(mark);
	char *out, *o;

	for (p = strstr(arg, mark); p; p = strstr(p + marklen, mark))
		n++;
	if (n == 0)
		return arg;
	out = malloc(strlen(arg) + n * vlen + 1);
	if (!out) {
		fprintf(stderr, "%s: out of memory\n", prog);
		exit(1);
	}
	o = out;
	for (p = arg;;) {
		const char *m = strstr(p, mark);
		size_t k = m ? (size_t)(m - p) : strlen(p);
		memcpy(o, p, k);
		o += k;
		if (!m)
			break;
		memcpy(o, val, vlen);
		o += vlen;
		p = m + marklen;
	}
	*o = '\0';
	return out;
}

static void describe(char **argv, char *buf, size_t size)
{
	size_t used = 0;
	buf[0] = '\0';
	for (int i = 0; argv[i] && used + 1 < size; i++) {
		int w = snprintf(buf + used, size - used, "%s%s", i ? " " : "", argv[i]);
		if (w < 0)
			break;
		used += (size_t)w;
	}
}

/* Runs one command to completion; returns 0 when it exited 0. */
static int run_one(char **tmpl, const char *id, int worker)
{
	char num[16];
	int argc = 0, status, err;
	char **argv;
	char what[512];
	pid_t pid;

	while (tmpl[argc])
		argc++;
	argv = calloc((size_t)argc + 1, sizeof(*argv));
	if (!argv) {
		fprintf(stderr, "%s: out of memory\n", prog);
		return -1;
	}
	snprintf(num, sizeof(num), "%d", worker);
	for (int i = 0; i < argc; i++)
		argv[i] = subst(subst(tmpl[i], ID_MARK, id), N_MARK, num);
	describe(argv, what, sizeof(what));

	/* posix_spawn: a vfork-style clone, cheaper than fork for the parent (and for the ratios)
	 */
	err = posix_spawnp(&pid, argv[0], NULL, NULL, argv, environ);
	if (err != 0) {
		fprintf(stderr, "%s: cannot execute `%s`: %s\n", prog, argv[0], strerror(err));
		return -1;
	}
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			fprintf(stderr, "%s: waitpid for `%s` failed: %s\n", prog, what,
				strerror(errno));
			return -1;
		}
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	if (WIFEXITED(status))
		fprintf(stderr, "%s: `%s` exited with status %d\n", prog, what,
			WEXITSTATUS(status));
	else
		fprintf(stderr, "%s: `%s` was killed by signal %d\n", prog, what, WTERMSIG(status));
	return -1;
}

static int run_worker(struct cmd *cmds, int ncmds, int phase, const char *id, int worker)
{
	for (int i = 0; i < ncmds; i++)
		if (cmds[i].phase == phase && run_one(cmds[i].argv, id, worker) < 0)
			return -1;
	return 0;
}

static int run_phase(struct cmd *cmds, int ncmds, int phase, int jobs, const char *prefix)
{
	char id[128];
	pid_t *pids;
	int failed = 0;

	if (jobs == 1) {
		snprintf(id, sizeof(id), "%s-%ld-0", prefix, (long)getpid());
		return run_worker(cmds, ncmds, phase, id, 0);
	}
	pids = calloc((size_t)jobs, sizeof(*pids));
	if (!pids) {
		fprintf(stderr, "%s: out of memory\n", prog);
		return -1;
	}
	for (int w = 0; w < jobs; w++) {
		snprintf(id, sizeof(id), "%s-%ld-%d", prefix, (long)getpid(), w);
		pids[w] = fork();
		if (pids[w] < 0) {
			fprintf(stderr, "%s: fork of worker %d failed: %s\n", prog, w,
				strerror(errno));
			failed = 1;
			break;
		}
		if (pids[w] == 0)
			_exit(run_worker(cmds, ncmds, phase, id, w) < 0 ? 1 : 0);
	}
	for (int w = 0; w < jobs && pids[w] > 0; w++) {
		int status;
		while (waitpid(pids[w], &status, 0) < 0) {
			if (errno != EINTR) {
				fprintf(stderr, "%s: waitpid for worker %d failed: %s\n", prog, w,
					strerror(errno));
				return -1;
			}
		}
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
			failed = 1;
	}
	free(pids);
	return failed ? -1 : 0;
}

int main(int argc, char **argv)
{
	const char *prefix = "bench";
	struct cmd *cmds;
	int jobs = 1, ncmds = 0, phase = 0, opt, i;

	while ((opt = getopt(argc, argv, "+j:p:")) != -1) {
		switch (opt) {
		case 'j': {
			char *end;
			long v = strtol(optarg, &end, 10);
			if (*optarg == '\0' || *end != '\0' || v < 1 || v > 10000) {
				fprintf(stderr, "%s: -j wants a number from 1 to 10000, got `%s`\n",
					prog, optarg);
				return 2;
			}
			jobs = (int)v;
			break;
		}
		case 'p':
			prefix = optarg;
			break;
		default:
			usage();
		}
	}
	if (optind >= argc)
		usage();

	/* Split argv in place: each separator becomes the NULL that ends the command before it. */
	cmds = calloc((size_t)(argc - optind), sizeof(*cmds));
	if (!cmds) {
		fprintf(stderr, "%s: out of memory\n", prog);
		return 1;
	}
	for (i = optind; i <= argc; i++) {
		int sep_cmd = i < argc && strcmp(argv[i], "::") == 0;
		int sep_phase = i < argc && strcmp(argv[i], ":::") == 0;
		if (i < argc && !sep_cmd && !sep_phase) {
			if (i == optind || argv[i - 1] == NULL) {
				cmds[ncmds].argv = &argv[i];
				cmds[ncmds].phase = phase;
				ncmds++;
			}
			continue;
		}
		if (i == optind || argv[i - 1] == NULL) {
			fprintf(stderr, "%s: empty command at argument %d\n", prog, i);
			return 2;
		}
		if (i < argc)
			argv[i] = NULL;
		if (sep_phase)
			phase++;
	}
	for (int p = 0; p <= phase; p++)
		if (run_phase(cmds, ncmds, p, jobs, prefix) < 0)
			return 1;
	return 0;
}
