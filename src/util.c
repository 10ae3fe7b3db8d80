/* SPDX-License-Identifier: MIT */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "barco/util.h"

static void __attribute__((noreturn)) oom(void)
{
	static const char msg[] = "barco: out of memory\n";

	(void)!write(STDERR_FILENO, msg, sizeof(msg) - 1);
	abort();
}

void *bc_xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (p == NULL)
		oom();
	return p;
}

void *bc_xcalloc(size_t nmemb, size_t size)
{
	void *p = calloc(nmemb ? nmemb : 1, size ? size : 1);

	if (p == NULL)
		oom();
	return p;
}

void *bc_xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (p == NULL)
		oom();
	return p;
}

char *bc_xstrdup(const char *s)
{
	char *r;

	if (s == NULL)
		return NULL;
	r = strdup(s);
	if (r == NULL)
		oom();
	return r;
}

char *bc_xstrndup(const char *s, size_t n)
{
	char *r = strndup(s, n);

	if (r == NULL)
		oom();
	return r;
}

char *bc_xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *r;

	va_start(ap, fmt);
	if (vasprintf(&r, fmt, ap) < 0)
		oom();
	va_end(ap);
	return r;
}

void bc_freep(void *p)
{
	void **pp = p;

	free(*pp);
	*pp = NULL;
}

void bc_closep(int *fd)
{
	int saved = errno;

	/* Never retry close(): on Linux the fd is gone even when close reports EINTR. */
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
	errno = saved;
}

void bc_fclosep(FILE **f)
{
	int saved = errno;

	if (*f != NULL)
		fclose(*f);
	*f = NULL;
	errno = saved;
}

void bc_closedirp(DIR **d)
{
	int saved = errno;

	if (*d != NULL)
		closedir(*d);
	*d = NULL;
	errno = saved;
}

void bc_strv_free(char **v)
{
	if (v == NULL)
		return;
	for (char **p = v; *p; p++)
		free(*p);
	free(v);
}

void bc_strv_freep(char ***v)
{
	bc_strv_free(*v);
	*v = NULL;
}

size_t bc_strv_len(char *const *v)
{
	size_t n = 0;

	while (v && v[n])
		n++;
	return n;
}

char **bc_strv_dup(char *const *v)
{
	size_t n = bc_strv_len(v);
	char **r;

	if (v == NULL)
		return NULL;
	r = bc_xcalloc(n + 1, sizeof(char *));
	for (size_t i = 0; i < n; i++)
		r[i] = bc_xstrdup(v[i]);
	return r;
}

bool bc_str_has_prefix(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

int bc_write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len > 0) {
		ssize_t w = write(fd, p, len);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

int bc_read_all(int fd, size_t max, char **out, size_t *len)
{
	size_t cap = 4096, n = 0;
	cleanup_free char *buf = bc_xmalloc(cap + 1);

	for (;;) {
		ssize_t r;

		if (n == cap) {
			if (cap > max) {
				errno = EFBIG;
				return -1;
			}
			cap *= 2;
			buf = bc_xrealloc(buf, cap + 1);
		}
		r = read(fd, buf + n, cap - n);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (r == 0)
			break;
		n += (size_t)r;
		if (n > max) {
			errno = EFBIG;
			return -1;
		}
	}
	buf[n] = '\0';
	*out = steal_ptr(buf);
	if (len)
		*len = n;
	return 0;
}

int bc_read_file_at(int dirfd, const char *name, size_t max, char **out, size_t *len,
		    bc_error_t **err)
{
	cleanup_close int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOCTTY);

	if (fd < 0)
		return bc_error_errno(err, "open %s", name);
	if (bc_read_all(fd, max, out, len) < 0) {
		if (errno == EFBIG)
			return bc_error_set_code(err, EFBIG, "read %s: file larger than %zu bytes",
						 name, max);
		return bc_error_errno(err, "read %s", name);
	}
	return 0;
}

int bc_read_file(const char *path, size_t max, char **out, size_t *len, bc_error_t **err)
{
	return bc_read_file_at(AT_FDCWD, path, max, out, len, err);
}

int bc_write_file_atomic_at(int dirfd, const char *name, const char *data, size_t len, mode_t mode,
			    bc_error_t **err)
{
	cleanup_free char *tmp = bc_xasprintf(".%s.tmp.%d", name, (int)getpid());
	cleanup_close int fd = -1;

	fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode);
	if (fd < 0)
		return bc_error_errno(err, "create %s", tmp);
	if (bc_write_all(fd, data, len) < 0) {
		bc_error_errno(err, "write %s", tmp);
		unlinkat(dirfd, tmp, 0);
		return -1;
	}
	if (renameat(dirfd, tmp, dirfd, name) < 0) {
		bc_error_errno(err, "rename %s to %s", tmp, name);
		unlinkat(dirfd, tmp, 0);
		return -1;
	}
	return 0;
}

int bc_write_file_atomic(const char *path, const char *data, size_t len, mode_t mode,
			 bc_error_t **err)
{
	cleanup_free char *dir = bc_xstrdup(path);
	char *slash = strrchr(dir, '/');
	cleanup_close int dfd = -1;
	const char *base = path;

	if (slash) {
		base = path + (slash - dir) + 1;
		if (slash == dir)
			slash[1] = '\0';
		else
			*slash = '\0';
		dfd = open(dir, O_DIRECTORY | O_CLOEXEC | O_PATH);
		if (dfd < 0)
			return bc_error_errno(err, "open directory %s", dir);
	}
	if (bc_write_file_atomic_at(slash ? dfd : AT_FDCWD, base, data, len, mode, err) < 0)
		return bc_error_wrap(err, "write %s", path);
	return 0;
}

int bc_write_file_str(const char *path, const char *s, bc_error_t **err)
{
	cleanup_close int fd = open(path, O_WRONLY | O_CLOEXEC | O_NOCTTY);

	if (fd < 0)
		return bc_error_errno(err, "open %s", path);
	if (bc_write_all(fd, s, strlen(s)) < 0)
		return bc_error_errno(err, "write %s to %s", s, path);
	return 0;
}

void bc_mountinfo_unescape(char *s)
{
	char *w = s;

	/* mountinfo writes space, tab, newline and backslash as \ooo. */
	for (char *r = s; *r; r++) {
		if (r[0] == '\\' && r[1] >= '0' && r[1] <= '3' && r[2] >= '0' && r[2] <= '7' &&
		    r[3] >= '0' && r[3] <= '7') {
			*w++ = (char)((r[1] - '0') * 64 + (r[2] - '0') * 8 + (r[3] - '0'));
			r += 3;
		} else {
			*w++ = *r;
		}
	}
	*w = '\0';
}

bool bc_mountinfo_split(char *line, bc_mountinfo_t *m)
{
	char *f[6], *save = NULL, *tok;
	size_t n = 0;

	for (tok = strtok_r(line, " ", &save); tok && n < 6; tok = strtok_r(NULL, " ", &save))
		f[n++] = tok;
	if (n < 6)
		return false;
	/* Optional fields run up to the lone "-". */
	while (tok && strcmp(tok, "-") != 0)
		tok = strtok_r(NULL, " ", &save);
	if (tok == NULL)
		return false;
	m->fstype = strtok_r(NULL, " ", &save);
	m->source = strtok_r(NULL, " ", &save);
	m->super = strtok_r(NULL, " ", &save);
	if (m->super == NULL)
		return false;
	m->root = f[3];
	m->mountpoint = f[4];
	bc_mountinfo_unescape(m->root);
	bc_mountinfo_unescape(m->mountpoint);
	return true;
}

/* The root inode of every procfs instance. */
#define PROC_ROOT_INO 1

static int procfs_root_fd = -1;

void bc_procfs_reset(void)
{
	if (procfs_root_fd >= 0)
		close(procfs_root_fd);
	procfs_root_fd = -1;
}

/* /proc must be the root of a procfs: not a bind of one of its subdirectories, not a tmpfs
 * or a directory with look-alike files. */
static int procfs_check_root(int fd, const char *shown, bc_error_t **err)
{
	struct statfs sfs;
	struct stat st;

	if (fstatfs(fd, &sfs) < 0 || fstat(fd, &st) < 0)
		return bc_error_errno(err, "stat %s", shown);
	if (sfs.f_type != PROC_SUPER_MAGIC || st.st_ino != PROC_ROOT_INO)
		return bc_error_set(err, EXDEV,
				    "%s is not the root of a procfs: refusing to use it", shown);
	return 0;
}

static int procfs_root(bc_error_t **err)
{
	cleanup_close int fd = -1;

	if (procfs_root_fd >= 0)
		return procfs_root_fd;
	fd = open("/proc", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return bc_error_errno(err, "open /proc");
	if (procfs_check_root(fd, "/proc", err) < 0)
		return -1;
	procfs_root_fd = steal_fd(fd);
	return procfs_root_fd;
}

int bc_procfs_use(const char *path, bc_error_t **err)
{
	cleanup_close int fd = open(path, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

	if (fd < 0)
		return bc_error_errno(err, "open %s", path);
	if (procfs_check_root(fd, path, err) < 0)
		return -1;
	bc_procfs_reset();
	procfs_root_fd = steal_fd(fd);
	return 0;
}

int bc_procfs_open(const char *rel, int flags, bc_error_t **err)
{
	struct open_how how = {
	    /* openat2 refuses O_NOCTTY with O_PATH. */
	    .flags = (uint64_t)(flags | O_CLOEXEC | ((flags & O_PATH) ? 0 : O_NOCTTY)),
	    .resolve = RESOLVE_BENEATH | RESOLVE_NO_XDEV | RESOLVE_NO_MAGICLINKS,
	};
	int root = procfs_root(err);
	int fd;

	if (root < 0)
		return -1;
	do
		fd = (int)syscall(SYS_openat2, root, rel, &how, sizeof(how));
	while (fd < 0 && errno == EAGAIN);
	if (fd < 0 && errno == EXDEV)
		return bc_error_set(err, EXDEV,
				    "open /proc/%s: something is mounted over it or on its path: "
				    "refusing to use it",
				    rel);
	if (fd < 0)
		return bc_error_errno(err, "open /proc/%s", rel);
	return fd;
}

int bc_procfs_write(const char *rel, const char *s, bc_error_t **err)
{
	cleanup_close int fd = bc_procfs_open(rel, O_WRONLY, err);

	if (fd < 0)
		return -1;
	if (bc_write_all(fd, s, strlen(s)) < 0)
		return bc_error_errno(err, "write %s to /proc/%s", s, rel);
	return 0;
}

int bc_mkdir_p(const char *path, mode_t mode, bc_error_t **err)
{
	cleanup_free char *p = bc_xstrdup(path);

	for (char *s = p + 1;; s++) {
		if (*s != '/' && *s != '\0')
			continue;
		char c = *s;

		*s = '\0';
		if (mkdir(p, mode) < 0 && errno != EEXIST)
			return bc_error_errno(err, "mkdir %s", p);
		*s = c;
		if (c == '\0')
			break;
	}
	return 0;
}

int bc_parse_int64(const char *s, int64_t *out)
{
	char *end;
	long long v;

	if (s == NULL || *s == '\0' || isspace((unsigned char)*s)) {
		errno = EINVAL;
		return -1;
	}
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0)
		return -1;
	if (*end != '\0') {
		errno = EINVAL;
		return -1;
	}
	*out = v;
	return 0;
}

int bc_parse_uint64(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (s == NULL || !isdigit((unsigned char)*s)) {
		errno = EINVAL;
		return -1;
	}
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0)
		return -1;
	if (*end != '\0') {
		errno = EINVAL;
		return -1;
	}
	*out = v;
	return 0;
}

/* One id of a user spec: 1 for a number, 0 for digits out of range, -1 for anything else.
 * Leading zeros are refused: "010" reads as octal to some tools and as ten to others. */
static int parse_id(const char *s, size_t len, uint32_t *out)
{
	uint64_t v = 0;

	if (len == 0 || strspn(s, "0123456789") < len || (s[0] == '0' && len > 1))
		return -1;
	for (size_t i = 0; i < len; i++) {
		v = v * 10 + (uint64_t)(s[i] - '0');
		/* (uid_t)-1 tells setresuid "leave it unchanged": no container id can be it. */
		if (v > UINT32_MAX - 1)
			return 0;
	}
	*out = (uint32_t)v;
	return 1;
}

int bc_parse_user_spec(const char *s, uint32_t *uid, uint32_t *gid, bool *has_gid, bc_error_t **err)
{
	const char *colon = strchr(s, ':');
	size_t ulen = colon ? (size_t)(colon - s) : strlen(s);
	uint32_t u = 0, g = 0;
	int ru, rg = 1;

	ru = parse_id(s, ulen, &u);
	if (colon)
		rg = parse_id(colon + 1, strlen(colon + 1), &g);
	if (ru < 0 || rg < 0)
		return bc_error_set_code(err, EINVAL,
					 "invalid user \"%s\": expected UID or UID:GID, in decimal "
					 "without sign, spaces or leading zeros",
					 s);
	if (ru == 0 || rg == 0)
		return bc_error_set_code(err, ERANGE,
					 "invalid user \"%s\": ids go from 0 to 4294967294 "
					 "(4294967295 is -1, \"unchanged\")",
					 s);
	*uid = u;
	*has_gid = colon != NULL;
	if (colon)
		*gid = g;
	return 0;
}

/* Fields of /proc/PID/stat after the command name, which may itself hold spaces and ')'. */
static char *proc_stat_after_comm(pid_t pid, char *buf, size_t size)
{
	char path[64];
	cleanup_close int fd = -1;
	ssize_t n;
	char *p;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	n = read(fd, buf, size - 1);
	if (n <= 0)
		return NULL;
	buf[n] = '\0';
	p = strrchr(buf, ')');
	if (p == NULL || p[1] != ' ')
		return NULL;
	return p + 2;
}

int bc_proc_stat(pid_t pid, char *state, uint64_t *start_time)
{
	char buf[1024];
	char *p = proc_stat_after_comm(pid, buf, sizeof(buf));
	unsigned long long v = 0;

	if (p == NULL)
		return -1;
	*state = *p;
	/* p is field 3 (state); starttime is field 22. */
	for (int field = 3; field < 22; field++) {
		p = strchr(p, ' ');
		if (p == NULL)
			return -1;
		p++;
	}
	if (sscanf(p, "%llu", &v) != 1)
		return -1;
	*start_time = v;
	return 0;
}

char bc_proc_state(pid_t pid)
{
	uint64_t t;
	char s;

	return bc_proc_stat(pid, &s, &t) == 0 ? s : 0;
}

uint64_t bc_proc_start_time(pid_t pid)
{
	uint64_t t;
	char s;

	return bc_proc_stat(pid, &s, &t) == 0 ? t : 0;
}

int bc_pidfd_open(pid_t pid, unsigned int flags)
{
	return (int)syscall(SYS_pidfd_open, pid, flags);
}

int bc_pidfd_send_signal(int pidfd, int sig, unsigned int flags)
{
	return (int)syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, flags);
}

int bc_std_fds_ensure(bc_error_t **err)
{
	int fd, got;

	for (fd = 0; fd <= 2; fd++) {
		if (fcntl(fd, F_GETFD) >= 0)
			continue;
		if (errno != EBADF)
			return bc_error_set(err, errno, "check standard fd %d", fd);
		/* The lowest free number: fd itself, as every lower one is open. */
		got = open("/dev/null", O_RDWR);
		if (got < 0)
			return bc_error_set(err, errno, "open /dev/null for closed fd %d", fd);
		if (got != fd) {
			close(got);
			return bc_error_set(err, 0, "open /dev/null for closed fd %d: got fd %d",
					    fd, got);
		}
	}
	return 0;
}

char *bc_passwd_field(const char *path, uid_t uid, int field)
{
	cleanup_fclose FILE *f = NULL;
	char line[4096];

	if (field < 0 || field > 6)
		return NULL;
	f = fopen(path, "re");
	while (f && fgets(line, sizeof(line), f)) {
		char *fields[7] = {0}, *p = line, *end;
		unsigned long v;
		int n = 0;

		line[strcspn(line, "\n")] = '\0';
		for (char *t; n < 7 && (t = strsep(&p, ":")) != NULL; n++)
			fields[n] = t;
		if (n <= field || n < 3 || !isdigit((unsigned char)fields[2][0]))
			continue;
		errno = 0;
		v = strtoul(fields[2], &end, 10);
		if (errno != 0 || *end != '\0' || v != (unsigned long)uid)
			continue;
		return *fields[field] ? bc_xstrdup(fields[field]) : NULL;
	}
	return NULL;
}

char *bc_user_name(uid_t uid)
{
	static uid_t last_uid;
	static char *last;
	char *name;

	/* `list` asks for the same owner again and again: one read of the file for it. */
	if (last == NULL || last_uid != uid) {
		name = bc_passwd_field("/etc/passwd", uid, 0);
		free(last);
		last = name ? name : bc_xasprintf("%u", (unsigned)uid);
		last_uid = uid;
	}
	return bc_xstrdup(last);
}

static int bc_int_cmp(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

int bc_close_fds_from(unsigned int lo, int *keep, size_t n, bc_error_t **err)
{
	qsort(keep, n, sizeof(int), bc_int_cmp);
	for (size_t i = 0; i < n; i++) {
		if (keep[i] < 0 || (unsigned int)keep[i] < lo)
			continue;
		if ((unsigned int)keep[i] > lo &&
		    syscall(SYS_close_range, lo, (unsigned int)keep[i] - 1, 0) < 0)
			return bc_error_errno(err, "close inherited fds");
		lo = (unsigned int)keep[i] + 1;
	}
	if (syscall(SYS_close_range, lo, ~0U, 0) < 0)
		return bc_error_errno(err, "close inherited fds");
	return 0;
}

char *bc_rfc3339_now(void)
{
	struct timespec ts;
	struct tm tm;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	/* Not strftime: it calls tzset, which reads /etc/localtime at every create. */
	return bc_xasprintf("%04d-%02d-%02dT%02d:%02d:%02d.%09ldZ", tm.tm_year + 1900,
			    tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
			    ts.tv_nsec);
}
