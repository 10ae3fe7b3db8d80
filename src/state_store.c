/* SPDX-License-Identifier: MIT */
/*
 * The state root: one directory per container, holding state.json, a lock file and whatever
 * the lifecycle keeps next to them (exec.fifo).  Every lookup is relative to the root's fd and
 * never follows a symlink, so a hostile entry cannot redirect writes or deletions.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "barco/state_store.h"
#include "barco/util.h"

static bool id_char_ok(char c, bool first)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
		return true;
	return !first && (c == '_' || c == '.' || c == '+' || c == '-');
}

int state_store_check_id(const char *id, bc_error_t **err)
{
	size_t len;
	bool ok;

	if (id == NULL || id[0] == '\0')
		return bc_error_set(err, 0, "container ID is empty");
	len = strnlen(id, BC_ID_MAX + 1);
	if (len > BC_ID_MAX)
		return bc_error_set(err, 0, "container ID is longer than %d bytes", BC_ID_MAX);
	/* "." and ".." already fail the first-character rule; named anyway so the rule stays
	 * safe if the character set ever grows: the ID becomes a directory name. */
	ok = strcmp(id, ".") != 0 && strcmp(id, "..") != 0;
	for (size_t i = 0; ok && i < len; i++)
		ok = id_char_ok(id[i], i == 0);
	if (!ok)
		return bc_error_set(
		    err, 0,
		    "invalid container ID \"%s\": IDs may contain only letters, "
		    "digits, '_', '.', '+' and '-', and must start with a letter or "
		    "digit",
		    id);
	return 0;
}

static int open_dir_nofollow(int dirfd, const char *path)
{
	return openat(dirfd, path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
}

static int create_root(const char *root, bc_error_t **err)
{
	cleanup_free char *parent = bc_xstrdup(root);
	char *slash = strrchr(parent, '/');

	if (slash != NULL && slash != parent) {
		*slash = '\0';
		/* Parents are traversable by all (like /run), the root itself only by us. */
		if (bc_mkdir_p(parent, 0711, err) < 0)
			return bc_error_wrap(err, "creating state root `%s`", root);
	}
	if (mkdir(root, 0700) < 0 && errno != EEXIST)
		return bc_error_errno(err, "creating state root `%s`", root);
	return 0;
}

/* O_NOFOLLOW|O_DIRECTORY on a symlink fails with ENOTDIR, like a plain file: tell them apart. */
static bool is_symlink(const char *path)
{
	struct stat st;
	int saved = errno;
	bool ret = lstat(path, &st) == 0 && S_ISLNK(st.st_mode);

	errno = saved;
	return ret;
}

int state_store_open_root(const char *root, bc_error_t **err)
{
	cleanup_free char *path = bc_xstrdup(root);
	size_t n = strlen(path);
	int fd;

	if (n == 0)
		return bc_error_set(err, 0, "state root path is empty");
	/* A trailing slash would make the kernel follow a symlink despite O_NOFOLLOW. */
	while (n > 1 && path[n - 1] == '/')
		path[--n] = '\0';
	fd = open_dir_nofollow(AT_FDCWD, path);
	if (fd < 0 && errno == ENOENT) {
		if (create_root(path, err) < 0)
			return -1;
		fd = open_dir_nofollow(AT_FDCWD, path);
	}
	if (fd < 0 && (errno == ELOOP || errno == ENOTDIR) && is_symlink(path))
		return bc_error_set_code(err, ELOOP, "opening state root `%s`: is a symbolic link",
					 path);
	if (fd < 0)
		return bc_error_errno(err, "opening state root `%s`", path);
	return fd;
}

int state_store_reserve(int rootfd, const char *id, bc_error_t **err)
{
	int fd;

	if (state_store_check_id(id, err) < 0)
		return -1;
	if (mkdirat(rootfd, id, 0700) < 0) {
		if (errno != EEXIST)
			return bc_error_errno(err, "creating state directory of container `%s`",
					      id);
		return bc_error_set_code(err, EEXIST, "container already exists: %s", id);
	}
	fd = open_dir_nofollow(rootfd, id);
	if (fd < 0) {
		bc_error_errno(err, "opening state directory of container `%s`", id);
		/* Do not leave a half-made entry that would block the same ID forever. */
		unlinkat(rootfd, id, AT_REMOVEDIR);
		return -1;
	}
	return fd;
}

int state_store_open(int rootfd, const char *id, bc_error_t **err)
{
	int fd;

	if (state_store_check_id(id, err) < 0)
		return -1;
	fd = open_dir_nofollow(rootfd, id);
	if (fd >= 0)
		return fd;
	if (errno == ENOENT)
		return bc_error_set_code(err, ENOENT, "container does not exist: %s", id);
	if (errno == ELOOP || errno == ENOTDIR)
		return bc_error_set_code(err, errno,
					 "state entry of container `%s` is not a directory", id);
	return bc_error_errno(err, "opening state directory of container `%s`", id);
}

int state_store_lock(int dirfd, const char *id, bool exclusive, bc_error_t **err)
{
	cleanup_close int fd = -1;
	struct stat st;

	/* Only an exclusive locker (create, delete, ...) makes the file: a reader that comes in
	 * while delete empties the directory must not put a new lock file into it. */
	fd = openat(dirfd, "lock",
		    O_RDWR | (exclusive ? O_CREAT : 0) | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY, 0600);
	if (fd < 0 && errno == ENOENT)
		return bc_error_set_code(err, ENOENT, "container does not exist: %s", id);
	if (fd < 0)
		return bc_error_errno(err, "opening the lock file of container `%s`", id);
	while (flock(fd, exclusive ? LOCK_EX : LOCK_SH) < 0) {
		if (errno != EINTR)
			return bc_error_errno(err, "locking the state of container `%s`", id);
	}
	/* The holder before us may have deleted the container while we waited; its
	 * directory is then unlinked (no links left) though our fd still reaches it. */
	if (fstat(dirfd, &st) < 0)
		return bc_error_errno(err, "checking the state directory of container `%s`", id);
	if (st.st_nlink == 0)
		return bc_error_set_code(err, ENOENT, "container does not exist: %s", id);
	return steal_fd(fd);
}

int state_store_write(int dirfd, const bc_state_t *st, bc_error_t **err)
{
	cleanup_free char *json = bc_state_to_json(st, BC_STATE_JSON_STORED, err);

	if (json == NULL)
		return -1;
	if (bc_write_file_atomic_at(dirfd, "state.json", json, strlen(json), 0600, err) < 0)
		return bc_error_wrap(err, "saving state of container `%s`", st->id);
	return 0;
}

/* The directory's path for messages; state.json alone would not say which container. */
static char *state_file_name(int dirfd)
{
	char link[64], target[4096];
	ssize_t n;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", dirfd);
	n = readlink(link, target, sizeof(target) - 1);
	if (n <= 0)
		return bc_xstrdup("state.json");
	target[n] = '\0';
	return bc_xasprintf("%s/state.json", target);
}

bc_state_t *state_store_read(int dirfd, bc_error_t **err)
{
	cleanup_free char *name = NULL;
	cleanup_free char *data = NULL;
	bc_state_t *st;
	size_t len = 0;

	/* The path for messages costs a readlink: only the error paths look it up. */
	if (bc_read_file_at(dirfd, "state.json", BC_STATE_MAX_BYTES, &data, &len, err) < 0) {
		name = state_file_name(dirfd);
		bc_error_wrap(err, "reading container state `%s`", name);
		return NULL;
	}
	st = bc_state_parse("state.json", data, len, NULL);
	if (st)
		return st;
	name = state_file_name(dirfd);
	return bc_state_parse(name, data, len, err);
}

static int remove_entry(int dirfd, const char *id, const char *name, bc_error_t **err)
{
	if (unlinkat(dirfd, name, 0) == 0 || errno == ENOENT)
		return 0;
	/* Nothing here nests, but an empty directory left by a crash should not block delete. */
	if ((errno == EISDIR || errno == EPERM) && unlinkat(dirfd, name, AT_REMOVEDIR) == 0)
		return 0;
	return bc_error_errno(err, "removing `%s` from the state of container `%s`", name, id);
}

static int remove_contents(int dirfd, const char *id, bc_error_t **err)
{
	int dupfd = fcntl(dirfd, F_DUPFD_CLOEXEC, 3);
	cleanup_dir DIR *dir = NULL;
	struct dirent *de;

	if (dupfd < 0)
		return bc_error_errno(err, "removing state of container `%s`: dup", id);
	dir = fdopendir(dupfd);
	if (dir == NULL) {
		bc_error_errno(err, "listing state directory of container `%s`", id);
		close(dupfd);
		return -1;
	}
	while ((errno = 0, de = readdir(dir)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (remove_entry(dirfd, id, de->d_name, err) < 0)
			return -1;
	}
	if (errno != 0)
		return bc_error_errno(err, "listing state directory of container `%s`", id);
	return 0;
}

int state_store_remove(int rootfd, const char *id, bc_error_t **err)
{
	cleanup_close int fd = -1;

	if (state_store_check_id(id, err) < 0)
		return -1;
	fd = open_dir_nofollow(rootfd, id);
	if (fd < 0 && errno == ENOENT)
		return 0;
	if (fd < 0 && (errno == ELOOP || errno == ENOTDIR))
		return bc_error_set_code(err, errno,
					 "state entry of container `%s` is not a directory", id);
	if (fd < 0)
		return bc_error_errno(err, "opening state directory of container `%s`", id);
	/* Another command that opened the directory before us may still create its lock file
	 * in it (an exclusive locker does): empty it again and retry. */
	for (int tries = 0;; tries++) {
		if (remove_contents(fd, id, err) < 0)
			return -1;
		if (unlinkat(rootfd, id, AT_REMOVEDIR) == 0 || errno == ENOENT)
			return 0;
		if (errno != ENOTEMPTY || tries == 9)
			return bc_error_errno(err, "removing state directory of container `%s`",
					      id);
	}
}

static bool entry_is_dir(int rootfd, const struct dirent *de)
{
	struct stat st;

	if (de->d_type != DT_UNKNOWN)
		return de->d_type == DT_DIR;
	return fstatat(rootfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int list_dir(int rootfd, DIR *dir, char ***out, size_t *n, bc_error_t **err)
{
	cleanup_strv char **ids = bc_xcalloc(1, sizeof(char *));
	size_t count = 0;
	struct dirent *de;

	while ((errno = 0, de = readdir(dir)) != NULL) {
		/* Hidden names (temp files, "." and "..") fail the ID rule and are skipped. */
		if (state_store_check_id(de->d_name, NULL) < 0 || !entry_is_dir(rootfd, de))
			continue;
		ids = bc_xrealloc(ids, (count + 2) * sizeof(char *));
		ids[count++] = bc_xstrdup(de->d_name);
		ids[count] = NULL;
	}
	if (errno != 0)
		return bc_error_errno(err, "listing the state root");
	qsort(ids, count, sizeof(char *), cmp_str);
	*out = steal_ptr(ids);
	*n = count;
	return 0;
}

int state_store_list(int rootfd, char ***ids, size_t *n, bc_error_t **err)
{
	int dupfd = fcntl(rootfd, F_DUPFD_CLOEXEC, 3);
	cleanup_dir DIR *dir = NULL;

	if (dupfd < 0)
		return bc_error_errno(err, "listing the state root: dup");
	dir = fdopendir(dupfd);
	if (dir == NULL) {
		bc_error_errno(err, "listing the state root");
		close(dupfd);
		return -1;
	}
	/* The dup shares the file offset with rootfd: start from the top every time. */
	rewinddir(dir);
	return list_dir(rootfd, dir, ids, n, err);
}
