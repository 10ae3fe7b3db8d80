/* SPDX-License-Identifier: MIT */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "barco/sync.h"
#include "barco/util.h"

/* The wire header as sync.c lays it out, to forge broken packets. */
struct wire {
	uint32_t type;
	int32_t errnum;
	int64_t value;
	uint32_t len;
	uint32_t reserved;
};

static int sv[2] = {-1, -1};
static bc_sync_msg_t msg;

static void setup(void)
{
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
}

static void teardown(void)
{
	for (int i = 0; i < 2; i++) {
		if (sv[i] >= 0)
			close(sv[i]);
		sv[i] = -1;
	}
}

static void close_end(int i)
{
	ck_assert_int_eq(close(sv[i]), 0);
	sv[i] = -1;
}

/* Receive expecting failure; returns the message (caller frees the error). */
static bc_error_t *recv_fails(void)
{
	bc_error_t *err = NULL;

	ck_assert_int_eq(sync_recv(sv[1], &msg, &err), -1);
	ck_assert_ptr_nonnull(err);
	return err;
}

START_TEST(test_round_trip)
{
	bc_error_t *err = NULL;

	ck_assert_int_eq(sync_send(sv[0], BC_SYNC_PID, 0, 4242, "hello", &err), 0);
	ck_assert_int_eq(sync_send(sv[0], BC_SYNC_READY, 0, -7, NULL, &err), 0);
	ck_assert_ptr_null(err);

	ck_assert_int_eq(sync_recv(sv[1], &msg, &err), 0);
	ck_assert_uint_eq(msg.type, BC_SYNC_PID);
	ck_assert_int_eq(msg.value, 4242);
	ck_assert_uint_eq(msg.len, 5);
	ck_assert_str_eq(msg.payload, "hello");

	/* Packets keep their boundaries: the second message arrives whole and alone. */
	ck_assert_int_eq(sync_expect(sv[1], BC_SYNC_READY, &msg, &err), 0);
	ck_assert_int_eq(msg.value, -7);
	ck_assert_uint_eq(msg.len, 0);
	ck_assert_str_eq(msg.payload, "");
	ck_assert_ptr_null(err);
}
END_TEST

START_TEST(test_every_type)
{
	for (int t = BC_SYNC_ERROR; t <= BC_SYNC_MOUNT_FD; t++) {
		bc_error_t *err = NULL;

		ck_assert_int_eq(sync_send(sv[1], t, t, t * 100, NULL, &err), 0);
		ck_assert_int_eq(sync_recv(sv[0], &msg, &err), 0);
		ck_assert_uint_eq(msg.type, (uint32_t)t);
		ck_assert_int_eq(msg.errnum, t);
		ck_assert_int_eq(msg.value, t * 100);
		ck_assert_ptr_null(err);
	}
}
END_TEST

START_TEST(test_max_payload)
{
	cleanup_free char *big = bc_xmalloc(BC_SYNC_MAX_PAYLOAD + 1);
	bc_error_t *err = NULL;

	memset(big, 'x', BC_SYNC_MAX_PAYLOAD);
	big[BC_SYNC_MAX_PAYLOAD] = '\0';
	ck_assert_int_eq(sync_send(sv[0], BC_SYNC_CONTINUE, 0, 1, big, &err), 0);
	ck_assert_int_eq(sync_expect(sv[1], BC_SYNC_CONTINUE, &msg, &err), 0);
	ck_assert_uint_eq(msg.len, BC_SYNC_MAX_PAYLOAD);
	ck_assert_str_eq(msg.payload, big);
}
END_TEST

START_TEST(test_oversize_send_rejected)
{
	cleanup_free char *big = bc_xmalloc(BC_SYNC_MAX_PAYLOAD + 2);
	bc_error_t *err = NULL;
	char c;

	memset(big, 'y', BC_SYNC_MAX_PAYLOAD + 1);
	big[BC_SYNC_MAX_PAYLOAD + 1] = '\0';
	ck_assert_int_eq(sync_send(sv[0], BC_SYNC_CONTINUE, 0, 0, big, &err), -1);
	ck_assert_str_eq(err->msg, "sending sync message CONTINUE: payload of 4097 bytes exceeds "
				   "the limit of 4096");
	bc_error_free(err);
	/* Nothing was sent. */
	ck_assert_int_eq(recv(sv[1], &c, 1, MSG_DONTWAIT), -1);
	ck_assert_int_eq(errno, EAGAIN);
}
END_TEST

START_TEST(test_invalid_type_send_rejected)
{
	bc_error_t *err = NULL;

	ck_assert_int_eq(sync_send(sv[0], BC_SYNC_NONE, 0, 0, NULL, &err), -1);
	ck_assert_str_eq(err->msg, "sending sync message: invalid type 0");
	bc_error_free(err);
	err = NULL;
	ck_assert_int_eq(
	    sync_send(sv[0], (enum bc_sync_type)(BC_SYNC_MOUNT_FD + 1), 0, 0, NULL, &err), -1);
	ck_assert_str_eq(err->msg, "sending sync message: invalid type 12");
	bc_error_free(err);
	err = NULL;
	ck_assert_int_eq(sync_send(sv[0], (enum bc_sync_type)99, 0, 0, NULL, &err), -1);
	ck_assert_str_eq(err->msg, "sending sync message: invalid type 99");
	bc_error_free(err);
}
END_TEST

/* The child's error reaches the parent verbatim, with its errno and no added prefix. */
START_TEST(test_child_error_verbatim)
{
	bc_error_t child = {.errnum = EACCES,
			    .msg = "mounting `proc` on `/proc`: Permission denied"};
	bc_error_t *err = NULL;

	ck_assert_int_eq(sync_send_error(sv[1], &child), 0);
	ck_assert_int_eq(sync_expect(sv[0], BC_SYNC_READY, &msg, &err), -1);
	ck_assert_str_eq(err->msg, "mounting `proc` on `/proc`: Permission denied");
	ck_assert_int_eq(err->errnum, EACCES);
	ck_assert_uint_eq(msg.type, BC_SYNC_ERROR);
	bc_error_free(err);
}
END_TEST

START_TEST(test_child_error_edge_cases)
{
	cleanup_free char *huge = bc_xmalloc(6001);
	bc_error_t child = {.errnum = 0, .msg = huge};
	bc_error_t *err = NULL;

	/* A message past the limit is cut, not lost. */
	memset(huge, 'e', 6000);
	huge[6000] = '\0';
	ck_assert_int_eq(sync_send_error(sv[1], &child), 0);
	ck_assert_int_eq(sync_expect(sv[0], BC_SYNC_READY, &msg, &err), -1);
	ck_assert_uint_eq(strlen(err->msg), BC_SYNC_MAX_PAYLOAD);
	ck_assert_int_eq(err->errnum, 0);
	bc_error_free(err);
	err = NULL;

	ck_assert_int_eq(sync_send_error(sv[1], NULL), 0);
	ck_assert_int_eq(sync_expect(sv[0], BC_SYNC_READY, &msg, &err), -1);
	ck_assert_str_eq(err->msg, "unknown error");
	bc_error_free(err);
	err = NULL;

	ck_assert_int_eq(sync_send(sv[1], BC_SYNC_ERROR, ENOENT, 0, NULL, &err), 0);
	ck_assert_int_eq(sync_expect(sv[0], BC_SYNC_READY, &msg, &err), -1);
	ck_assert_str_eq(err->msg, "container init failed without a message");
	ck_assert_int_eq(err->errnum, ENOENT);
	bc_error_free(err);
}
END_TEST

START_TEST(test_unexpected_type)
{
	bc_error_t *err = NULL;

	ck_assert_int_eq(sync_send(sv[1], BC_SYNC_READY, 0, 0, NULL, &err), 0);
	ck_assert_int_eq(sync_expect(sv[0], BC_SYNC_CREATE_RUNTIME, &msg, &err), -1);
	ck_assert_str_eq(err->msg,
			 "unexpected message READY from container init (expected CREATE_RUNTIME)");
	bc_error_free(err);
}
END_TEST

#define EOF_MSG                                                                                    \
	"container init exited unexpectedly (it closed the sync socket without reporting an "      \
	"error; it may have been killed, see dmesg)"

START_TEST(test_peer_close_is_eof)
{
	bc_error_t *err = NULL;

	/* A message queued before the close is still delivered, then EOF. */
	ck_assert_int_eq(sync_send(sv[0], BC_SYNC_USERNS_READY, 0, 0, NULL, &err), 0);
	close_end(0);
	ck_assert_int_eq(sync_expect(sv[1], BC_SYNC_USERNS_READY, &msg, &err), 0);
	err = recv_fails();
	ck_assert_str_eq(err->msg, EOF_MSG);
	ck_assert_int_eq(err->errnum, EPIPE);
	bc_error_free(err);
	err = NULL;
	ck_assert_int_eq(sync_expect(sv[1], BC_SYNC_READY, &msg, &err), -1);
	ck_assert_str_eq(err->msg, EOF_MSG);
	bc_error_free(err);
}
END_TEST

/* MSG_NOSIGNAL: a dead peer is an error, not a SIGPIPE that kills the runtime. */
START_TEST(test_send_to_closed_peer)
{
	bc_error_t *err = NULL;

	close_end(1);
	ck_assert_int_eq(sync_send(sv[0], BC_SYNC_CONTINUE, 0, 0, NULL, &err), -1);
	ck_assert_str_eq(err->msg, "sending sync message CONTINUE: Broken pipe");
	ck_assert_int_eq(err->errnum, EPIPE);
	bc_error_free(err);
	ck_assert_int_eq(sync_send_error(sv[0], NULL), -1);
	ck_assert_int_eq(errno, EPIPE);
}
END_TEST

static void send_raw(const void *buf, size_t len)
{
	ck_assert_int_eq(send(sv[0], buf, len, 0), (ssize_t)len);
}

START_TEST(test_short_packet)
{
	char junk[10] = {1};
	bc_error_t *err;

	send_raw(junk, sizeof(junk));
	err = recv_fails();
	ck_assert_str_eq(err->msg,
			 "receiving sync message: short packet of 10 bytes (header is 24)");
	bc_error_free(err);
}
END_TEST

START_TEST(test_oversized_packet)
{
	size_t n = sizeof(struct wire) + BC_SYNC_MAX_PAYLOAD + 1;
	cleanup_free char *buf = bc_xcalloc(1, n);
	struct wire w = {.type = BC_SYNC_READY, .len = BC_SYNC_MAX_PAYLOAD + 1};
	bc_error_t *err;

	memcpy(buf, &w, sizeof(w));
	send_raw(buf, n);
	err = recv_fails();
	ck_assert_str_eq(err->msg,
			 "receiving sync message: packet of 4121 bytes exceeds the limit of 4120");
	bc_error_free(err);
	/* The oversized packet was consumed whole; the next one is read normally. */
	err = NULL;
	ck_assert_int_eq(sync_send(sv[0], BC_SYNC_READY, 0, 0, "ok", &err), 0);
	ck_assert_int_eq(sync_expect(sv[1], BC_SYNC_READY, &msg, &err), 0);
	ck_assert_str_eq(msg.payload, "ok");
}
END_TEST

START_TEST(test_length_mismatch)
{
	char buf[sizeof(struct wire) + 3];
	struct wire w = {.type = BC_SYNC_PID, .len = 7};
	bc_error_t *err;

	memcpy(buf, &w, sizeof(w));
	memcpy(buf + sizeof(w), "abc", 3);
	send_raw(buf, sizeof(buf));
	err = recv_fails();
	ck_assert_str_eq(
	    err->msg, "receiving sync message: header announces 7 payload bytes, packet carries 3");
	bc_error_free(err);
}
END_TEST

START_TEST(test_unknown_type_received)
{
	struct wire w = {.type = 99};
	bc_error_t *err;

	send_raw(&w, sizeof(w));
	err = recv_fails();
	ck_assert_str_eq(err->msg, "receiving sync message: unknown type 99");
	bc_error_free(err);
	w.type = BC_SYNC_NONE;
	send_raw(&w, sizeof(w));
	err = recv_fails();
	ck_assert_str_eq(err->msg, "receiving sync message: unknown type 0");
	bc_error_free(err);
}
END_TEST

static volatile sig_atomic_t alarms;

static void on_alarm(int sig)
{
	(void)sig;
	alarms++;
}

/* A signal arriving while blocked in recv (no SA_RESTART) must not fail the receive. */
START_TEST(test_eintr_retried)
{
	struct sigaction sa = {.sa_handler = on_alarm}, old;
	struct itimerval tv = {.it_interval = {0, 20000}, .it_value = {0, 20000}};
	struct itimerval off = {0};
	bc_error_t *err = NULL;
	pid_t pid;
	int status;

	alarms = 0;
	ck_assert_int_eq(sigaction(SIGALRM, &sa, &old), 0);
	pid = fork();
	ck_assert_int_ne(pid, -1);
	if (pid == 0) {
		usleep(300000);
		_exit(sync_send(sv[0], BC_SYNC_CONTINUE, 0, 5, NULL, NULL) == 0 ? 0 : 1);
	}
	ck_assert_int_eq(setitimer(ITIMER_REAL, &tv, NULL), 0);
	ck_assert_int_eq(sync_expect(sv[1], BC_SYNC_CONTINUE, &msg, &err), 0);
	ck_assert_int_eq(setitimer(ITIMER_REAL, &off, NULL), 0);
	ck_assert_int_eq(sigaction(SIGALRM, &old, NULL), 0);
	ck_assert_int_eq(msg.value, 5);
	ck_assert_int_gt(alarms, 0);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}
END_TEST

START_TEST(test_type_names)
{
	ck_assert_str_eq(sync_type_name(BC_SYNC_ERROR), "ERROR");
	ck_assert_str_eq(sync_type_name(BC_SYNC_CREATE_RUNTIME_DONE), "CREATE_RUNTIME_DONE");
	ck_assert_str_eq(sync_type_name(BC_SYNC_CONTINUE), "CONTINUE");
	ck_assert_str_eq(sync_type_name(BC_SYNC_CONSOLE), "CONSOLE");
	ck_assert_str_eq(sync_type_name(BC_SYNC_MOUNT_FDS), "MOUNT_FDS");
	ck_assert_str_eq(sync_type_name(BC_SYNC_MOUNT_FD), "MOUNT_FD");
	ck_assert_str_eq(sync_type_name((enum bc_sync_type)1000), "UNKNOWN");
}
END_TEST

/* ---- messages carrying an fd (idmapped mounts) ---- */

START_TEST(test_fd_round_trip)
{
	bc_error_t *err = NULL;
	int p[2], fd = -1;
	char c = 0;

	ck_assert_int_eq(pipe2(p, O_CLOEXEC), 0);
	ck_assert_int_eq(sync_send_fd(sv[0], BC_SYNC_MOUNT_FD, 7, p[1], &err), 0);
	close(p[1]);
	ck_assert_int_eq(sync_expect_fd(sv[1], BC_SYNC_MOUNT_FD, &msg, &fd, &err), 0);
	ck_assert_ptr_null(err);
	ck_assert_int_eq(msg.value, 7);
	ck_assert_int_ge(fd, 0);
	ck_assert(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	ck_assert_int_eq(write(fd, "x", 1), 1);
	ck_assert_int_eq(read(p[0], &c, 1), 1);
	ck_assert_int_eq(c, 'x');
	close(fd);
	close(p[0]);
}
END_TEST

START_TEST(test_fd_missing)
{
	bc_error_t *err = NULL;
	int fd = 5;

	ck_assert_int_eq(sync_send(sv[0], BC_SYNC_MOUNT_FD, 0, 3, NULL, &err), 0);
	ck_assert_int_eq(sync_expect_fd(sv[1], BC_SYNC_MOUNT_FD, &msg, &fd, &err), -1);
	ck_assert_str_eq(err->msg, "receiving sync message MOUNT_FD: 0 fds instead of one");
	ck_assert_int_eq(fd, -1);
	bc_error_free(err);
}
END_TEST

START_TEST(test_fd_error_verbatim)
{
	bc_error_t *err = NULL;
	int fd = -1;

	ck_assert_int_eq(sync_send(sv[0], BC_SYNC_ERROR, ENOENT, 0, "mount x: gone", &err), 0);
	ck_assert_int_eq(sync_expect_fd(sv[1], BC_SYNC_MOUNT_FD, &msg, &fd, &err), -1);
	ck_assert_str_eq(err->msg, "mount x: gone");
	ck_assert_int_eq(err->errnum, ENOENT);
	bc_error_free(err);
}
END_TEST

/* An fd that came with a refused message is closed, not leaked: the pipe sees EOF. */
START_TEST(test_fd_refused_is_closed)
{
	bc_error_t *err = NULL;
	int p[2], fd = -1;
	char c;

	ck_assert_int_eq(pipe2(p, O_CLOEXEC), 0);
	ck_assert_int_eq(sync_send_fd(sv[0], BC_SYNC_CONSOLE, 0, p[1], &err), 0);
	close(p[1]);
	ck_assert_int_eq(sync_expect_fd(sv[1], BC_SYNC_MOUNT_FD, &msg, &fd, &err), -1);
	ck_assert_str_eq(err->msg, "unexpected message CONSOLE (expected MOUNT_FD)");
	ck_assert_int_eq(fd, -1);
	bc_error_free(err);
	ck_assert_int_eq(read(p[0], &c, 1), 0);
	close(p[0]);
}
END_TEST

static Suite *sync_suite(void)
{
	Suite *s = suite_create("sync");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_round_trip);
	tcase_add_test(tc, test_every_type);
	tcase_add_test(tc, test_max_payload);
	tcase_add_test(tc, test_oversize_send_rejected);
	tcase_add_test(tc, test_invalid_type_send_rejected);
	tcase_add_test(tc, test_child_error_verbatim);
	tcase_add_test(tc, test_child_error_edge_cases);
	tcase_add_test(tc, test_unexpected_type);
	tcase_add_test(tc, test_peer_close_is_eof);
	tcase_add_test(tc, test_send_to_closed_peer);
	tcase_add_test(tc, test_short_packet);
	tcase_add_test(tc, test_oversized_packet);
	tcase_add_test(tc, test_length_mismatch);
	tcase_add_test(tc, test_unknown_type_received);
	tcase_add_test(tc, test_eintr_retried);
	tcase_add_test(tc, test_type_names);
	tcase_add_test(tc, test_fd_round_trip);
	tcase_add_test(tc, test_fd_missing);
	tcase_add_test(tc, test_fd_error_verbatim);
	tcase_add_test(tc, test_fd_refused_is_closed);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(sync_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
