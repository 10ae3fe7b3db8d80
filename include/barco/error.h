/* SPDX-License-Identifier: MIT */
#ifndef BARCO_ERROR_H
#define BARCO_ERROR_H

/*
 * Error convention: a failing function returns a negative value and sets *err.
 * Callers add context on the way up with bc_error_wrap(); the message is printed once,
 * at the CLI, or sent once over the sync socket from the container's init.
 */

typedef struct bc_error {
	int errnum; /* errno of the root cause, 0 when none */
	char *msg;  /* full message, context first: "creating cgroup `x`: Permission denied" */
} bc_error_t;

/* Set *err (if err is not NULL and *err is NULL) and return -1.  When errnum != 0,
 * ": strerror(errnum)" is appended to the message. */
int bc_error_set(bc_error_t **err, int errnum, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Same as bc_error_set with errnum = errno at the time of the call. */
int bc_error_errno(bc_error_t **err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Like bc_error_set, but the message is used as it is (no strerror suffix) while errnum is
 * kept for callers to test, e.g. ENOENT for "container does not exist". */
int bc_error_set_code(bc_error_t **err, int errnum, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Prefix the existing error with "context: " and return -1. */
int bc_error_wrap(bc_error_t **err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

void bc_error_free(bc_error_t *err);
void bc_error_freep(bc_error_t **err);
#define cleanup_error __attribute__((cleanup(bc_error_freep)))

#endif
