/* SPDX-License-Identifier: MIT */
#ifndef BARCO_UTIL_H
#define BARCO_UTIL_H

#include <dirent.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "barco/error.h"

/* ---- allocation: out of memory is fatal (message + abort), as in crun ---- */
void *bc_xmalloc(size_t n);
void *bc_xcalloc(size_t nmemb, size_t size);
void *bc_xrealloc(void *p, size_t n);
char *bc_xstrdup(const char *s);
char *bc_xstrndup(const char *s, size_t n);
char *bc_xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* ---- cleanup helpers ---- */
void bc_freep(void *p);	   /* void **  */
void bc_closep(int *fd);   /* keeps errno, never retries */
void bc_fclosep(FILE **f); /* keeps errno */
void bc_closedirp(DIR **d);
void bc_strv_freep(char ***v);
void bc_strv_free(char **v);

#define cleanup_free   __attribute__((cleanup(bc_freep)))
#define cleanup_close  __attribute__((cleanup(bc_closep)))
#define cleanup_fclose __attribute__((cleanup(bc_fclosep)))
#define cleanup_dir    __attribute__((cleanup(bc_closedirp)))
#define cleanup_strv   __attribute__((cleanup(bc_strv_freep)))

#define steal_ptr(p)                                                                               \
	({                                                                                         \
		__typeof__(p) stolen_ = (p);                                                       \
		(p) = NULL;                                                                        \
		stolen_;                                                                           \
	})
#define steal_fd(fd)                                                                               \
	({                                                                                         \
		int stolen_fd_ = (fd);                                                             \
		(fd) = -1;                                                                         \
		stolen_fd_;                                                                        \
	})

#define BC_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* ---- I/O ---- */
/* Write all of buf, retrying on EINTR and short writes.  Returns 0 or -1 with errno. */
int bc_write_all(int fd, const void *buf, size_t len);
/* Read until EOF into a NUL-terminated malloc'd buffer.  Fails with EFBIG past max bytes. */
int bc_read_all(int fd, size_t max, char **out, size_t *len);
/* Read a whole file.  Error message names the path. */
int bc_read_file(const char *path, size_t max, char **out, size_t *len, bc_error_t **err);
int bc_read_file_at(int dirfd, const char *name, size_t max, char **out, size_t *len,
		    bc_error_t **err);
/* Write data to dirfd/name atomically: a temporary file in the same directory, fsync-free,
 * renamed over the target.  Error message names the path as shown_path. */
int bc_write_file_atomic_at(int dirfd, const char *name, const char *data, size_t len, mode_t mode,
			    bc_error_t **err);
int bc_write_file_atomic(const char *path, const char *data, size_t len, mode_t mode,
			 bc_error_t **err);
/* Write a short string into an existing file (proc/sysfs knobs). */
int bc_write_file_str(const char *path, const char *s, bc_error_t **err);

/* ---- /proc/PID/mountinfo ---- */
typedef struct bc_mountinfo {
	char *root, *mountpoint; /* fields 4 and 5, unescaped */
	char *fstype, *source, *super;
} bc_mountinfo_t;
/* Split one line in place (root and mountpoint unescaped); false when malformed. */
bool bc_mountinfo_split(char *line, bc_mountinfo_t *m);
/* Undo mountinfo's \ooo escapes (space, tab, newline, backslash) in place. */
void bc_mountinfo_unescape(char *s);

/* ---- procfs, verified ----
 * Open REL (relative to /proc: "self/oom_score_adj", "sys/kernel/shmmax", "1234/uid_map") on
 * the procfs mounted at /proc in the current mount namespace.  /proc must be the root of a
 * procfs (fstatfs and its inode, checked once and cached), and the lookup may neither cross
 * a mount (a file bind-mounted over a proc file) nor follow a magic link: a rootfs or another
 * process of the container can't redirect the write. */
int bc_procfs_open(const char *rel, int flags, bc_error_t **err);
int bc_procfs_write(const char *rel, const char *s, bc_error_t **err);
/* Forget the cached handle: after pivot_root or a change of mount namespace. */
void bc_procfs_reset(void);
/* Use the procfs mounted at PATH (checked like /proc) until the next reset. */
int bc_procfs_use(const char *path, bc_error_t **err);

/* mkdir -p; existing directories are fine. */
int bc_mkdir_p(const char *path, mode_t mode, bc_error_t **err);

/* ---- strings ---- */
bool bc_str_has_prefix(const char *s, const char *prefix);
size_t bc_strv_len(char *const *v);
char **bc_strv_dup(char *const *v);
/* Parse a decimal integer, whole string; returns 0 or -1 (errno EINVAL/ERANGE). */
int bc_parse_int64(const char *s, int64_t *out);
int bc_parse_uint64(const char *s, uint64_t *out);
/* A numeric user "UID" or "UID:GID": decimal digits only (no sign, space, leading zero, hex
 * or name), each at most 4294967294.  *gid is set only when the spec has one (*has_gid). */
int bc_parse_user_spec(const char *s, uint32_t *uid, uint32_t *gid, bool *has_gid,
		       bc_error_t **err);

/* ---- processes ---- */
/* State letter and start time of a process from one read of /proc/PID/stat; -1 if gone. */
int bc_proc_stat(pid_t pid, char *state, uint64_t *start_time);
/* Start time (field 22 of /proc/PID/stat, clock ticks since boot); 0 on failure. */
uint64_t bc_proc_start_time(pid_t pid);
/* State letter (field 3 of /proc/PID/stat), or 0 if the process does not exist. */
char bc_proc_state(pid_t pid);
/* pidfd_open / pidfd_send_signal wrappers (raw syscalls). */
int bc_pidfd_open(pid_t pid, unsigned int flags);
int bc_pidfd_send_signal(int pidfd, int sig, unsigned int flags);
/* Close every fd from lo up, except the n fds of keep (negative ones ignored; keep is
 * sorted in place), with close_range: at once, not merely close-on-exec. */
int bc_close_fds_from(unsigned int lo, int *keep, size_t n, bc_error_t **err);
/* Open /dev/null on whichever of fds 0, 1, 2 is closed, so that no fd barco opens later takes
 * a standard fd's number (and reaches a container as its stdin, stdout or stderr). */
int bc_std_fds_ensure(bc_error_t **err);

/* Field `field` (0: name, 5: home directory, ...) of uid's line in the passwd file at path,
 * malloc'd; NULL when the file or the uid is missing (or the field is empty).  A parser of
 * our own, not getpwuid: no NSS, so a static binary works the same, and the container's file
 * is read as a file. */
char *bc_passwd_field(const char *path, uid_t uid, int field);
/* uid's name in the host's /etc/passwd, or the number: `list` and `state` show it. */
char *bc_user_name(uid_t uid);

/* Current time as RFC 3339 with nanoseconds, UTC ("2026-11-29T03:33:31.123456789Z"). */
char *bc_rfc3339_now(void);

#endif
