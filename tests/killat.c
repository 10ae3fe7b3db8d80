/* SPDX-License-Identifier: MIT */
/*
 * killat USEC CMD [ARG...]: run CMD (stdio inherited) and send it SIGKILL USEC microseconds
 * after it was forked, unless it ended before.  Prints one line on stdout: "killed" or
 * "exited N" / "signaled N" (it ended on its own), and exits 0; 2 on an error of its own.
 * The crash-residue tests use it to kill barco at chosen points of create and exec, more
 * finely than sleep(1) and kill(1) from a shell can.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void die(const char *what)
{
	fprintf(stderr, "killat: %s: %s\n", what, strerror(errno));
	exit(2);
}

int main(int argc, char **argv)
{
	struct timespec until;
	char *end;
	long long usec;
	pid_t pid, r;
	int status;

	if (argc < 3) {
		fprintf(stderr, "usage: killat USEC CMD [ARG...]\n");
		return 2;
	}
	errno = 0;
	usec = strtoll(argv[1], &end, 10);
	if (errno != 0 || *end != '\0' || end == argv[1] || usec < 0) {
		fprintf(stderr, "killat: bad delay \"%s\": a number of microseconds\n", argv[1]);
		return 2;
	}
	if (clock_gettime(CLOCK_MONOTONIC, &until) < 0)
		die("clock_gettime");
	until.tv_sec += (time_t)(usec / 1000000);
	until.tv_nsec += (long)(usec % 1000000) * 1000;
	if (until.tv_nsec >= 1000000000) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000;
	}
	/* Flushed before the fork: the child must not print our buffer a second time. */
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0) {
		execvp(argv[2], argv + 2);
		fprintf(stderr, "killat: exec %s: %s\n", argv[2], strerror(errno));
		_exit(127);
	}
	/* Poll for an early end every 200 us at most, then kill at the deadline. */
	for (;;) {
		struct timespec now, step;
		long long left_ns;

		r = waitpid(pid, &status, WNOHANG);
		if (r < 0)
			die("waitpid");
		if (r == pid) {
			if (WIFEXITED(status))
				printf("exited %d\n", WEXITSTATUS(status));
			else
				printf("signaled %d\n", WTERMSIG(status));
			return 0;
		}
		if (clock_gettime(CLOCK_MONOTONIC, &now) < 0)
			die("clock_gettime");
		left_ns = (long long)(until.tv_sec - now.tv_sec) * 1000000000LL +
			  (until.tv_nsec - now.tv_nsec);
		if (left_ns <= 0)
			break;
		if (left_ns > 200000)
			left_ns = 200000;
		step.tv_sec = 0;
		step.tv_nsec = (long)left_ns;
		while (nanosleep(&step, &step) < 0) {
			if (errno != EINTR)
				die("nanosleep");
		}
	}
	if (kill(pid, SIGKILL) < 0)
		die("kill");
	if (waitpid(pid, &status, 0) < 0)
		die("waitpid");
	/* It may have ended just before the signal. */
	if (WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
		printf("killed\n");
	else if (WIFEXITED(status))
		printf("exited %d\n", WEXITSTATUS(status));
	else
		printf("signaled %d\n", WTERMSIG(status));
	return 0;
}
