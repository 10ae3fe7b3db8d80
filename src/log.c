/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "barco/log.h"
#include "barco/util.h"

static int log_fd = -1;
static enum bc_log_format log_format = BC_LOG_TEXT;
static bool log_debug;

int bc_log_init(const char *path, enum bc_log_format format, bool debug)
{
	log_format = format;
	log_debug = debug;
	if (path == NULL || *path == '\0')
		return 0;
	log_fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	return log_fd < 0 ? -1 : 0;
}

int bc_log_fd(void)
{
	return log_fd;
}

void bc_log_close(void)
{
	if (log_fd >= 0)
		close(log_fd);
	log_fd = -1;
}

bool bc_log_debug_enabled(void)
{
	return log_debug;
}

char *bc_log_json_escape(const char *s)
{
	size_t cap = strlen(s) * 6 + 1, n = 0;
	char *out = bc_xmalloc(cap);

	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\') {
			out[n++] = '\\';
			out[n++] = (char)c;
		} else if (c == '\n') {
			out[n++] = '\\';
			out[n++] = 'n';
		} else if (c == '\t') {
			out[n++] = '\\';
			out[n++] = 't';
		} else if (c < 0x20) {
			n += (size_t)snprintf(out + n, cap - n, "\\u%04x", c);
		} else {
			out[n++] = (char)c;
		}
	}
	out[n] = '\0';
	return out;
}

static const char *level_name(enum bc_log_level level)
{
	static const char *const names[] = {"debug", "info", "warning", "error"};
	return names[level];
}

static void log_write_line(int fd, enum bc_log_level level, const char *msg, bool json)
{
	cleanup_free char *line = NULL;

	if (json) {
		cleanup_free char *esc = bc_log_json_escape(msg);
		cleanup_free char *now = bc_rfc3339_now();

		line = bc_xasprintf("{\"level\":\"%s\",\"msg\":\"%s\",\"time\":\"%s\"}\n",
				    level_name(level), esc, now);
	} else if (fd == STDERR_FILENO && level == BC_LOG_ERROR) {
		line = bc_xasprintf("barco: %s\n", msg);
	} else if (fd == STDERR_FILENO) {
		line = bc_xasprintf("barco: %s: %s\n", level_name(level), msg);
	} else {
		cleanup_free char *now = bc_rfc3339_now();

		line = bc_xasprintf("%s %s: %s\n", now, level_name(level), msg);
	}
	/* Logging must never change the caller's errno or fail the operation. */
	(void)bc_write_all(fd, line, strlen(line));
}

void bc_log(enum bc_log_level level, const char *fmt, ...)
{
	cleanup_free char *msg = NULL;
	int saved = errno;
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		abort();
	va_end(ap);

	if (log_fd >= 0) {
		log_write_line(log_fd, level, msg, log_format == BC_LOG_JSON);
		/* With a log file, errors and warnings still reach stderr as one plain line:
		 * a person running barco by hand sees them, engines read the file. */
		if (level >= BC_LOG_WARN)
			log_write_line(STDERR_FILENO, level, msg, false);
	} else if (level >= BC_LOG_INFO || log_debug) {
		log_write_line(STDERR_FILENO, level, msg, log_format == BC_LOG_JSON);
	}
	errno = saved;
}
