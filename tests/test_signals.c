/* SPDX-License-Identifier: MIT */
#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

#include "barco/signals.h"
#include "barco/util.h"

enum base { ABS, RTMIN, RTMAX };

static const struct {
	const char *text;
	enum base base;
	int n; /* ABS: the number; RTMIN: offset added; RTMAX: offset subtracted */
} valid[] = {
    {"TERM", ABS, SIGTERM},
    {"SIGTERM", ABS, SIGTERM},
    {"sigterm", ABS, SIGTERM},
    {"SigKill", ABS, SIGKILL},
    {"kill", ABS, SIGKILL},
    {"HUP", ABS, 1},
    {"INT", ABS, 2},
    {"QUIT", ABS, 3},
    {"ILL", ABS, 4},
    {"TRAP", ABS, 5},
    {"ABRT", ABS, 6},
    {"IOT", ABS, 6},
    {"BUS", ABS, 7},
    {"FPE", ABS, 8},
    {"USR1", ABS, 10},
    {"SEGV", ABS, 11},
    {"USR2", ABS, 12},
    {"PIPE", ABS, 13},
    {"ALRM", ABS, 14},
    {"STKFLT", ABS, 16},
    {"CHLD", ABS, 17},
    {"SIGCLD", ABS, 17},
    {"CONT", ABS, 18},
    {"STOP", ABS, 19},
    {"TSTP", ABS, 20},
    {"TTIN", ABS, 21},
    {"TTOU", ABS, 22},
    {"URG", ABS, 23},
    {"XCPU", ABS, 24},
    {"XFSZ", ABS, 25},
    {"VTALRM", ABS, 26},
    {"PROF", ABS, 27},
    {"WINCH", ABS, 28},
    {"IO", ABS, 29},
    {"poll", ABS, 29},
    {"PWR", ABS, 30},
    {"SYS", ABS, 31},
    {"1", ABS, 1},
    {"9", ABS, 9},
    {"015", ABS, 15},
    {"32", ABS, 32},
    {"64", ABS, 64},
    {"RTMIN", RTMIN, 0},
    {"SIGRTMIN", RTMIN, 0},
    {"rtmin+3", RTMIN, 3},
    {"SIGRTMIN+0", RTMIN, 0},
    {"RTMAX", RTMAX, 0},
    {"sigrtmax-1", RTMAX, 1},
    {"RTMIN+30", RTMIN, 30},
    {"RTMAX-30", RTMAX, 30},
};

START_TEST(test_parse_valid)
{
	bc_error_t *err = NULL;
	int want = valid[_i].n;

	if (valid[_i].base == RTMIN)
		want = SIGRTMIN + valid[_i].n;
	else if (valid[_i].base == RTMAX)
		want = SIGRTMAX - valid[_i].n;
	ck_assert_msg(signals_parse(valid[_i].text, &err) == want, "%s: got %s", valid[_i].text,
		      err ? err->msg : "a different number");
	ck_assert_ptr_null(err);
}
END_TEST

static const struct {
	const char *text;
	const char *msg; /* NULL: the real-time range message */
} invalid[] = {
    {"", "unknown signal \"\""},
    {"0", "invalid signal number 0"},
    {"65", "invalid signal number 65"},
    {"-9", "invalid signal number -9"},
    {"99999999999999999999", "invalid signal number 99999999999999999999"},
    {"-", "unknown signal \"-\""},
    {"15x", "unknown signal \"15x\""},
    {" 15", "unknown signal \" 15\""},
    {"+15", "unknown signal \"+15\""},
    {"FOO", "unknown signal \"FOO\""},
    {"SIG", "unknown signal \"SIG\""},
    {"SIGSIGTERM", "unknown signal \"SIGSIGTERM\""},
    {"TERM ", "unknown signal \"TERM \""},
    {"SIGTERMX", "unknown signal \"SIGTERMX\""},
    {"RTMIN-1", "unknown signal \"RTMIN-1\""},
    {"RTMAX+1", "unknown signal \"RTMAX+1\""},
    {"RTMIN+", "unknown signal \"RTMIN+\""},
    {"RTMIN+x", "unknown signal \"RTMIN+x\""},
    {"RTMINX", "unknown signal \"RTMINX\""},
    {"RTMIN+31", NULL},
    {"SIGRTMAX-31", NULL},
    {"RTMIN+99999999999999999999", NULL},
};

START_TEST(test_parse_invalid)
{
	bc_error_t *err = NULL;
	char want[256];

	if (invalid[_i].msg)
		snprintf(want, sizeof(want), "%s", invalid[_i].msg);
	else
		snprintf(want, sizeof(want),
			 "invalid signal \"%s\": the real-time range is RTMIN..RTMAX (%d..%d)",
			 invalid[_i].text, SIGRTMIN, SIGRTMAX);
	ck_assert_int_eq(signals_parse(invalid[_i].text, &err), -1);
	ck_assert_ptr_nonnull(err);
	ck_assert_str_eq(err->msg, want);
	ck_assert_int_eq(err->errnum, 0);
	bc_error_free(err);
}
END_TEST

START_TEST(test_parse_null_err)
{
	ck_assert_int_eq(signals_parse("NOPE", NULL), -1);
	ck_assert_int_eq(signals_parse(NULL, NULL), -1);
}
END_TEST

START_TEST(test_names)
{
	ck_assert_str_eq(signals_name(SIGTERM), "SIGTERM");
	ck_assert_str_eq(signals_name(SIGHUP), "SIGHUP");
	ck_assert_str_eq(signals_name(SIGABRT), "SIGABRT");
	ck_assert_str_eq(signals_name(SIGCHLD), "SIGCHLD");
	ck_assert_str_eq(signals_name(SIGIO), "SIGIO");
	ck_assert_str_eq(signals_name(SIGSYS), "SIGSYS");
	ck_assert_str_eq(signals_name(SIGRTMIN), "SIGRTMIN");
	ck_assert_str_eq(signals_name(SIGRTMAX), "SIGRTMAX");
	ck_assert_ptr_null(signals_name(SIGRTMIN + 1));
	ck_assert_ptr_null(signals_name(0));
	ck_assert_ptr_null(signals_name(-1));
	ck_assert_ptr_null(signals_name(32));
	ck_assert_ptr_null(signals_name(65));
}
END_TEST

/* Every standard signal has a name, and the name parses back to the same number. */
START_TEST(test_name_round_trip)
{
	for (int sig = 1; sig < 32; sig++) {
		bc_error_t *err = NULL;
		const char *name = signals_name(sig);

		ck_assert_msg(name != NULL, "signal %d has no name", sig);
		ck_assert_int_eq(signals_parse(name, &err), sig);
		ck_assert_int_eq(signals_parse(name + 3, &err), sig);
		ck_assert_ptr_null(err);
	}
}
END_TEST

static Suite *signals_suite(void)
{
	Suite *s = suite_create("signals");
	TCase *tc = tcase_create("core");

	tcase_add_loop_test(tc, test_parse_valid, 0, (int)BC_ARRAY_SIZE(valid));
	tcase_add_loop_test(tc, test_parse_invalid, 0, (int)BC_ARRAY_SIZE(invalid));
	tcase_add_test(tc, test_parse_null_err);
	tcase_add_test(tc, test_names);
	tcase_add_test(tc, test_name_round_trip);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(signals_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
