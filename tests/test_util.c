/* SPDX-License-Identifier: MIT */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "barco/error.h"
#include "barco/log.h"
#include "barco/util.h"

START_TEST(error_set_appends_strerror)
{
	bc_error_t *err = NULL;

	ck_assert_int_eq(bc_error_set(&err, ENOENT, "open %s", "/x"), -1);
	ck_assert_str_eq(err->msg, "open /x: No such file or directory");
	ck_assert_int_eq(err->errnum, ENOENT);
	bc_error_free(err);
}
END_TEST

START_TEST(error_wrap_and_first_wins)
{
	bc_error_t *err = NULL;

	bc_error_set(&err, 0, "inner");
	bc_error_set(&err, EPERM, "later failure"); /* must not replace the cause */
	bc_error_wrap(&err, "outer %d", 2);
	ck_assert_str_eq(err->msg, "outer 2: inner");
	ck_assert_int_eq(err->errnum, 0);
	bc_error_free(err);
	ck_assert_int_eq(bc_error_wrap(NULL, "x"), -1);
}
END_TEST

START_TEST(error_set_code_keeps_message)
{
	bc_error_t *err = NULL;

	ck_assert_int_eq(bc_error_set_code(&err, ENOENT, "container does not exist: %s", "x"), -1);
	ck_assert_str_eq(err->msg, "container does not exist: x");
	ck_assert_int_eq(err->errnum, ENOENT);
	bc_error_set_code(&err, EPERM, "second");
	ck_assert_int_eq(err->errnum, ENOENT);
	bc_error_free(err);
}
END_TEST

START_TEST(parse_numbers)
{
	int64_t i;
	uint64_t u;

	ck_assert_int_eq(bc_parse_int64("-42", &i), 0);
	ck_assert_int_eq(i, -42);
	ck_assert_int_eq(bc_parse_int64("12x", &i), -1);
	ck_assert_int_eq(bc_parse_int64("", &i), -1);
	ck_assert_int_eq(bc_parse_int64(" 1", &i), -1);
	ck_assert_int_eq(bc_parse_int64("99999999999999999999", &i), -1);
	ck_assert_int_eq(errno, ERANGE);
	ck_assert_int_eq(bc_parse_uint64("18446744073709551615", &u), 0);
	ck_assert(u == UINT64_MAX);
	ck_assert_int_eq(bc_parse_uint64("-1", &u), -1);
}
END_TEST

START_TEST(atomic_write_and_read_back)
{
	char dir[] = "/tmp/barco-test-util-XXXXXX";
	char *path, *data = NULL;
	bc_error_t *err = NULL;
	size_t len;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	path = bc_xasprintf("%s/f", dir);
	ck_assert_int_eq(bc_write_file_atomic(path, "hello", 5, 0600, &err), 0);
	ck_assert_int_eq(bc_read_file(path, 100, &data, &len, &err), 0);
	ck_assert_str_eq(data, "hello");
	ck_assert_uint_eq(len, 5);
	free(data);
	/* A file over the limit is refused, not truncated. */
	ck_assert_int_eq(bc_read_file(path, 3, &data, &len, &err), -1);
	ck_assert_ptr_nonnull(strstr(err->msg, "larger than 3 bytes"));
	bc_error_free(err);
	err = NULL;
	ck_assert_int_eq(bc_read_file("/nonexistent/x", 10, &data, &len, &err), -1);
	ck_assert_str_eq(err->msg, "open /nonexistent/x: No such file or directory");
	bc_error_free(err);
	unlink(path);
	rmdir(dir);
	free(path);
}
END_TEST

START_TEST(strv_helpers)
{
	char *v[] = {"a", "b", NULL};
	char **d = bc_strv_dup(v);

	ck_assert_uint_eq(bc_strv_len(d), 2);
	ck_assert_str_eq(d[1], "b");
	ck_assert_ptr_null(bc_strv_dup(NULL));
	ck_assert(bc_str_has_prefix("SIGTERM", "SIG"));
	ck_assert(!bc_str_has_prefix("TERM", "SIG"));
	bc_strv_free(d);
}
END_TEST

START_TEST(proc_start_time_of_self)
{
	uint64_t t = bc_proc_start_time(getpid());

	ck_assert(t > 0);
	ck_assert(bc_proc_start_time(getpid()) == t);
	ck_assert_int_eq(bc_proc_state(getpid()), 'R');
	ck_assert(bc_proc_start_time(-5) == 0);
}
END_TEST

START_TEST(json_escape)
{
	char *s = bc_log_json_escape("a\"b\\c\nd\x01");

	ck_assert_str_eq(s, "a\\\"b\\\\c\\nd\\u0001");
	free(s);
}
END_TEST

START_TEST(log_json_line)
{
	char path[] = "/tmp/barco-test-log-XXXXXX";
	int fd = mkstemp(path);
	char *data = NULL;

	ck_assert_int_ge(fd, 0);
	close(fd);
	ck_assert_int_eq(bc_log_init(path, BC_LOG_JSON, false), 0);
	bc_log(BC_LOG_INFO, "hello \"%s\"", "x");
	bc_log_close();
	ck_assert_int_eq(bc_read_file(path, 4096, &data, NULL, NULL), 0);
	ck_assert_ptr_nonnull(
	    strstr(data, "{\"level\":\"info\",\"msg\":\"hello \\\"x\\\"\",\"time\":\""));
	ck_assert_int_eq(data[strlen(data) - 1], '\n');
	free(data);
	unlink(path);
}
END_TEST

static Suite *util_suite(void)
{
	Suite *s = suite_create("util");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, error_set_appends_strerror);
	tcase_add_test(tc, error_wrap_and_first_wins);
	tcase_add_test(tc, error_set_code_keeps_message);
	tcase_add_test(tc, parse_numbers);
	tcase_add_test(tc, atomic_write_and_read_back);
	tcase_add_test(tc, strv_helpers);
	tcase_add_test(tc, proc_start_time_of_self);
	tcase_add_test(tc, json_escape);
	tcase_add_test(tc, log_json_line);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(util_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
