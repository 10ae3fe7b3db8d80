/* SPDX-License-Identifier: MIT */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
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

static const struct {
	const char *in;
	uint32_t uid, gid;
	bool has_gid;
} user_specs_ok[] = {
    {"0", 0, 0, false},
    {"1", 1, 0, false},
    {"1:2", 1, 2, true},
    {"0:0", 0, 0, true},
    {"1000:100", 1000, 100, true},
    {"4294967294", 4294967294U, 0, false},
    {"4294967294:4294967294", 4294967294U, 4294967294U, true},
};

START_TEST(user_spec_accepted)
{
	uint32_t uid = 7, gid = 7;
	bool has_gid = !user_specs_ok[_i].has_gid;
	bc_error_t *err = NULL;

	ck_assert_int_eq(bc_parse_user_spec(user_specs_ok[_i].in, &uid, &gid, &has_gid, &err), 0);
	ck_assert_ptr_null(err);
	ck_assert_uint_eq(uid, user_specs_ok[_i].uid);
	ck_assert(has_gid == user_specs_ok[_i].has_gid);
	/* Without a gid, *gid is left alone. */
	ck_assert_uint_eq(gid, user_specs_ok[_i].has_gid ? user_specs_ok[_i].gid : 7);
}
END_TEST

#define USER_BAD "\": expected UID or UID:GID, in decimal without sign, spaces or leading zeros"
#define USER_BIG "\": ids go from 0 to 4294967294 (4294967295 is -1, \"unchanged\")"

static const struct {
	const char *in;
	int errnum;
	const char *msg;
} user_specs_bad[] = {
    {"", EINVAL, "invalid user \"" USER_BAD},
    {"-1", EINVAL, "invalid user \"-1" USER_BAD},
    {"+1", EINVAL, "invalid user \"+1" USER_BAD},
    {"0x10", EINVAL, "invalid user \"0x10" USER_BAD},
    {" 1", EINVAL, "invalid user \" 1" USER_BAD},
    {"1 ", EINVAL, "invalid user \"1 " USER_BAD},
    {"1:", EINVAL, "invalid user \"1:" USER_BAD},
    {":1", EINVAL, "invalid user \":1" USER_BAD},
    {":", EINVAL, "invalid user \":" USER_BAD},
    {"1:2:3", EINVAL, "invalid user \"1:2:3" USER_BAD},
    {"1:-2", EINVAL, "invalid user \"1:-2" USER_BAD},
    {"1: 2", EINVAL, "invalid user \"1: 2" USER_BAD},
    {"root", EINVAL, "invalid user \"root" USER_BAD},
    {"1000:users", EINVAL, "invalid user \"1000:users" USER_BAD},
    {"010", EINVAL, "invalid user \"010" USER_BAD},
    {"00", EINVAL, "invalid user \"00" USER_BAD},
    {"1.5", EINVAL, "invalid user \"1.5" USER_BAD},
    {"1e3", EINVAL, "invalid user \"1e3" USER_BAD},
    {"4294967295", ERANGE, "invalid user \"4294967295" USER_BIG},
    {"0:4294967295", ERANGE, "invalid user \"0:4294967295" USER_BIG},
    {"4294967296", ERANGE, "invalid user \"4294967296" USER_BIG},
    {"18446744073709551617", ERANGE, "invalid user \"18446744073709551617" USER_BIG},
    {"99999999999999999999999999999", ERANGE,
     "invalid user \"99999999999999999999999999999" USER_BIG},
};

START_TEST(user_spec_refused)
{
	uint32_t uid = 7, gid = 7;
	bool has_gid = true;
	bc_error_t *err = NULL;

	ck_assert_int_eq(bc_parse_user_spec(user_specs_bad[_i].in, &uid, &gid, &has_gid, &err), -1);
	ck_assert_ptr_nonnull(err);
	ck_assert_str_eq(err->msg, user_specs_bad[_i].msg);
	ck_assert_int_eq(err->errnum, user_specs_bad[_i].errnum);
	/* Nothing is written on failure. */
	ck_assert_uint_eq(uid, 7);
	ck_assert_uint_eq(gid, 7);
	ck_assert(has_gid);
	bc_error_free(err);
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

/* In a child of our own: Check's own fds must survive the closing. */
static int close_fds_child(void)
{
	int fds[6], keep[4];
	bc_error_t *err = NULL;

	for (int i = 0; i < 6; i++) {
		fds[i] = open("/dev/null", O_RDONLY | O_CLOEXEC);
		if (fds[i] < 3)
			return 2;
	}
	keep[0] = fds[4];
	keep[1] = -1;
	keep[2] = fds[1];
	keep[3] = 1; /* below lo: left alone either way */
	if (bc_close_fds_from(3, keep, 4, &err) < 0 || err != NULL)
		return 3;
	for (int i = 0; i < 6; i++)
		if ((fcntl(fds[i], F_GETFD) >= 0) != (i == 1 || i == 4))
			return 10 + i;
	return fcntl(1, F_GETFD) >= 0 ? 0 : 4;
}

/* fn runs in a forked child (it changes the process's fds); its exit status must be 0. */
static void child_returns_zero(int (*fn)(void))
{
	int status = -1;
	pid_t pid = fork();

	ck_assert_int_ge(pid, 0);
	if (pid == 0)
		_exit(fn());
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status));
	ck_assert_int_eq(WEXITSTATUS(status), 0);
}

START_TEST(close_fds_from_keeps_only_the_listed)
{
	child_returns_zero(close_fds_child);
}
END_TEST

START_TEST(rfc3339_now_is_utc_with_nanoseconds)
{
	char *s = bc_rfc3339_now();
	time_t now = time(NULL);
	struct tm tm = {0};
	char *end;

	ck_assert_uint_eq(strlen(s), strlen("2026-11-29T03:33:31.123456789Z"));
	ck_assert_int_eq(s[10], 'T');
	ck_assert_int_eq(s[19], '.');
	ck_assert_int_eq(s[29], 'Z');
	end = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
	ck_assert_ptr_nonnull(end);
	ck_assert_int_eq(*end, '.');
	/* timegm: the string is UTC; within a few seconds of now. */
	ck_assert_int_le(labs((long)(timegm(&tm) - now)), 5);
	free(s);
}
END_TEST

START_TEST(passwd_field_reads_our_own_way)
{
	char path[] = "/tmp/barco-test-passwd-XXXXXX";
	int fd = mkstemp(path);
	const char *text = "# a comment line\n"
			   "broken\n"
			   "num:x:12x:0::/bad:/bin/sh\n"
			   "empty:x::0::/bad:/bin/sh\n"
			   "root:x:0:0:root:/root:/bin/sh\n"
			   "u:x:1000:1000::/home/u:\n"
			   "nohome:x:1001:1001:::/bin/sh\n";
	char *v;

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(bc_write_all(fd, text, strlen(text)), 0);
	close(fd);
	v = bc_passwd_field(path, 0, 5);
	ck_assert_str_eq(v, "/root");
	free(v);
	v = bc_passwd_field(path, 1000, 0);
	ck_assert_str_eq(v, "u");
	free(v);
	v = bc_passwd_field(path, 1000, 5);
	ck_assert_str_eq(v, "/home/u");
	free(v);
	/* "12x" is not uid 12; an empty home is no home; a missing uid or file is NULL. */
	ck_assert_ptr_null(bc_passwd_field(path, 12, 5));
	ck_assert_ptr_null(bc_passwd_field(path, 1001, 5));
	ck_assert_ptr_null(bc_passwd_field(path, 4242, 0));
	ck_assert_ptr_null(bc_passwd_field(path, 0, 7));
	unlink(path);
	ck_assert_ptr_null(bc_passwd_field(path, 0, 0));
	/* The host's root is named, an unknown uid is its number. */
	v = bc_user_name(0);
	ck_assert_str_eq(v, "root");
	free(v);
	v = bc_user_name(4242424);
	ck_assert_str_eq(v, "4242424");
	free(v);
}
END_TEST

/* In a child: close fds 0 and 2, ensure, and check both are /dev/null and fd 1 untouched. */
static int std_fds_child(void)
{
	bc_error_t *err = NULL;
	struct stat st, null_st;
	int out_flags = fcntl(1, F_GETFL);

	if (stat("/dev/null", &null_st) < 0)
		return 2;
	close(0);
	close(2);
	if (bc_std_fds_ensure(&err) < 0 || err != NULL)
		return 3;
	for (int fd = 0; fd <= 2; fd += 2) {
		if (fstat(fd, &st) < 0 || st.st_rdev != null_st.st_rdev || !S_ISCHR(st.st_mode))
			return 10 + fd;
		if ((fcntl(fd, F_GETFL) & O_ACCMODE) != O_RDWR)
			return 20 + fd;
	}
	/* An open fd is left as it was. */
	if (fcntl(1, F_GETFL) != out_flags)
		return 4;
	return 0;
}

START_TEST(std_fds_ensure_fills_closed_ones)
{
	child_returns_zero(std_fds_child);
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
	tcase_add_loop_test(tc, user_spec_accepted, 0, (int)BC_ARRAY_SIZE(user_specs_ok));
	tcase_add_loop_test(tc, user_spec_refused, 0, (int)BC_ARRAY_SIZE(user_specs_bad));
	tcase_add_test(tc, atomic_write_and_read_back);
	tcase_add_test(tc, strv_helpers);
	tcase_add_test(tc, proc_start_time_of_self);
	tcase_add_test(tc, json_escape);
	tcase_add_test(tc, log_json_line);
	tcase_add_test(tc, close_fds_from_keeps_only_the_listed);
	tcase_add_test(tc, std_fds_ensure_fills_closed_ones);
	tcase_add_test(tc, passwd_field_reads_our_own_way);
	tcase_add_test(tc, rfc3339_now_is_utc_with_nanoseconds);
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
