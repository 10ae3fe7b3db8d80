/* SPDX-License-Identifier: MIT */
#ifndef BARCO_LOG_H
#define BARCO_LOG_H

#include <stdbool.h>

enum bc_log_level { BC_LOG_DEBUG, BC_LOG_INFO, BC_LOG_WARN, BC_LOG_ERROR };
enum bc_log_format { BC_LOG_TEXT, BC_LOG_JSON };

/* Configure logging.  path NULL: stderr only.  With a path, messages go to that file
 * (appended) and errors are also written to stderr as one plain line, as runc does. */
int bc_log_init(const char *path, enum bc_log_format format, bool debug);
void bc_log_close(void);
/* The --log file's fd, -1 when logging to stderr: the container's init keeps it open. */
int bc_log_fd(void);
bool bc_log_debug_enabled(void);

void bc_log(enum bc_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define bc_debug(...)                                                                              \
	do {                                                                                       \
		if (bc_log_debug_enabled())                                                        \
			bc_log(BC_LOG_DEBUG, __VA_ARGS__);                                         \
	} while (0)
#define bc_info(...)  bc_log(BC_LOG_INFO, __VA_ARGS__)
#define bc_warn(...)  bc_log(BC_LOG_WARN, __VA_ARGS__)
#define bc_fatal(...) bc_log(BC_LOG_ERROR, __VA_ARGS__)

/* Escape s as a JSON string body (no quotes) into a malloc'd string. */
char *bc_log_json_escape(const char *s);

#endif
