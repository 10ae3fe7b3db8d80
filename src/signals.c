/* SPDX-License-Identifier: MIT */
/* Signal names as `kill` accepts them: "TERM", "SIGTERM", "sigterm", "15", "RTMIN+3". */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "barco/signals.h"
#include "barco/util.h"

struct signal_name {
	const char *name; /* without "SIG" */
	int sig;
};

/* The first entry for a number is its canonical name; aliases follow. */
static const struct signal_name signal_names[] = {
    {"HUP", SIGHUP},	   {"INT", SIGINT},	{"QUIT", SIGQUIT}, {"ILL", SIGILL},
    {"TRAP", SIGTRAP},	   {"ABRT", SIGABRT},	{"IOT", SIGIOT},   {"BUS", SIGBUS},
    {"FPE", SIGFPE},	   {"KILL", SIGKILL},	{"USR1", SIGUSR1}, {"SEGV", SIGSEGV},
    {"USR2", SIGUSR2},	   {"PIPE", SIGPIPE},	{"ALRM", SIGALRM}, {"TERM", SIGTERM},
    {"STKFLT", SIGSTKFLT}, {"CHLD", SIGCHLD},	{"CLD", SIGCHLD},  {"CONT", SIGCONT},
    {"STOP", SIGSTOP},	   {"TSTP", SIGTSTP},	{"TTIN", SIGTTIN}, {"TTOU", SIGTTOU},
    {"URG", SIGURG},	   {"XCPU", SIGXCPU},	{"XFSZ", SIGXFSZ}, {"VTALRM", SIGVTALRM},
    {"PROF", SIGPROF},	   {"WINCH", SIGWINCH}, {"IO", SIGIO},	   {"POLL", SIGPOLL},
    {"PWR", SIGPWR},	   {"SYS", SIGSYS},
};

static const char *const signal_full_names[] = {
    [SIGHUP] = "SIGHUP",       [SIGINT] = "SIGINT",	  [SIGQUIT] = "SIGQUIT",
    [SIGILL] = "SIGILL",       [SIGTRAP] = "SIGTRAP",	  [SIGABRT] = "SIGABRT",
    [SIGBUS] = "SIGBUS",       [SIGFPE] = "SIGFPE",	  [SIGKILL] = "SIGKILL",
    [SIGUSR1] = "SIGUSR1",     [SIGSEGV] = "SIGSEGV",	  [SIGUSR2] = "SIGUSR2",
    [SIGPIPE] = "SIGPIPE",     [SIGALRM] = "SIGALRM",	  [SIGTERM] = "SIGTERM",
    [SIGSTKFLT] = "SIGSTKFLT", [SIGCHLD] = "SIGCHLD",	  [SIGCONT] = "SIGCONT",
    [SIGSTOP] = "SIGSTOP",     [SIGTSTP] = "SIGTSTP",	  [SIGTTIN] = "SIGTTIN",
    [SIGTTOU] = "SIGTTOU",     [SIGURG] = "SIGURG",	  [SIGXCPU] = "SIGXCPU",
    [SIGXFSZ] = "SIGXFSZ",     [SIGVTALRM] = "SIGVTALRM", [SIGPROF] = "SIGPROF",
    [SIGWINCH] = "SIGWINCH",   [SIGIO] = "SIGIO",	  [SIGPWR] = "SIGPWR",
    [SIGSYS] = "SIGSYS",
};

static bool all_digits(const char *s)
{
	if (*s == '\0')
		return false;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s))
			return false;
	return true;
}

static int parse_number(const char *s, bc_error_t **err)
{
	const char *digits = s[0] == '-' ? s + 1 : s;
	char *end;
	long v;

	if (!all_digits(digits))
		return bc_error_set(err, 0, "unknown signal \"%s\"", s);
	errno = 0;
	v = strtol(s, &end, 10);
	/* 0 only probes for existence and is no signal to deliver. */
	if (errno != 0 || v < 1 || v > SIGRTMAX)
		return bc_error_set(err, 0, "invalid signal number %s", s);
	return (int)v;
}

/* "RTMIN", "RTMIN+3", "RTMAX-1" (s has no "SIG"); 0 when s is not of that form. */
static int parse_realtime(const char *orig, const char *s, bc_error_t **err)
{
	bool from_min = strncasecmp(s, "RTMIN", 5) == 0;
	const char *rest = s + 5;
	long off;

	if (!from_min && strncasecmp(s, "RTMAX", 5) != 0)
		return 0;
	if (*rest == '\0')
		return from_min ? SIGRTMIN : SIGRTMAX;
	/* Offsets count inward, as in kill(1): RTMIN+N and RTMAX-N. */
	if (*rest != (from_min ? '+' : '-') || !all_digits(rest + 1))
		return bc_error_set(err, 0, "unknown signal \"%s\"", orig);
	/* Any offset of four digits or more is out of range; this keeps strtol from overflow. */
	off = strlen(rest + 1) > 3 ? LONG_MAX : strtol(rest + 1, NULL, 10);
	if (off > SIGRTMAX - SIGRTMIN)
		return bc_error_set(err, 0,
				    "invalid signal \"%s\": the real-time range is RTMIN..RTMAX "
				    "(%d..%d)",
				    orig, SIGRTMIN, SIGRTMAX);
	return from_min ? SIGRTMIN + (int)off : SIGRTMAX - (int)off;
}

int signals_parse(const char *s, bc_error_t **err)
{
	const char *name = s;
	int sig;

	if (s == NULL || s[0] == '\0')
		return bc_error_set(err, 0, "unknown signal \"\"");
	if (s[0] == '-' || isdigit((unsigned char)s[0]))
		return parse_number(s, err);
	if (strncasecmp(name, "SIG", 3) == 0)
		name += 3;
	sig = parse_realtime(s, name, err);
	if (sig != 0)
		return sig;
	for (size_t i = 0; i < BC_ARRAY_SIZE(signal_names); i++)
		if (strcasecmp(name, signal_names[i].name) == 0)
			return signal_names[i].sig;
	return bc_error_set(err, 0, "unknown signal \"%s\"", s);
}

const char *signals_name(int sig)
{
	if (sig == SIGRTMIN)
		return "SIGRTMIN";
	if (sig == SIGRTMAX)
		return "SIGRTMAX";
	if (sig <= 0 || (size_t)sig >= BC_ARRAY_SIZE(signal_full_names))
		return NULL;
	return signal_full_names[sig];
}
