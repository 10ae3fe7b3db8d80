/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "barco/error.h"
#include "barco/util.h"

static int error_vset(bc_error_t **err, int errnum, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));

static int error_vset(bc_error_t **err, int errnum, const char *fmt, va_list ap)
{
	char *text;

	/* The first error wins: a cleanup failing after the real cause must not hide it. */
	if (err == NULL || *err != NULL)
		return -1;
	if (vasprintf(&text, fmt, ap) < 0)
		abort();
	*err = bc_xmalloc(sizeof(**err));
	(*err)->errnum = errnum;
	if (errnum != 0) {
		(*err)->msg = bc_xasprintf("%s: %s", text, strerror(errnum));
		free(text);
	} else {
		(*err)->msg = text;
	}
	return -1;
}

int bc_error_set(bc_error_t **err, int errnum, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	error_vset(err, errnum, fmt, ap);
	va_end(ap);
	return -1;
}

int bc_error_errno(bc_error_t **err, const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	va_start(ap, fmt);
	error_vset(err, saved, fmt, ap);
	va_end(ap);
	errno = saved;
	return -1;
}

int bc_error_set_code(bc_error_t **err, int errnum, const char *fmt, ...)
{
	bool fresh = err != NULL && *err == NULL;
	va_list ap;

	va_start(ap, fmt);
	error_vset(err, 0, fmt, ap);
	va_end(ap);
	if (fresh)
		(*err)->errnum = errnum;
	return -1;
}

int bc_error_wrap(bc_error_t **err, const char *fmt, ...)
{
	char *ctx, *joined;
	va_list ap;

	if (err == NULL || *err == NULL)
		return -1;
	va_start(ap, fmt);
	if (vasprintf(&ctx, fmt, ap) < 0)
		abort();
	va_end(ap);
	joined = bc_xasprintf("%s: %s", ctx, (*err)->msg);
	free(ctx);
	free((*err)->msg);
	(*err)->msg = joined;
	return -1;
}

void bc_error_free(bc_error_t *err)
{
	if (err == NULL)
		return;
	free(err->msg);
	free(err);
}

void bc_error_freep(bc_error_t **err)
{
	bc_error_free(*err);
	*err = NULL;
}
