/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "barco/log.h"
#include "barco/rootless.h"
#include "barco/util.h"

enum rootless_mode { ROOTLESS_AUTO, ROOTLESS_ON, ROOTLESS_OFF };

static enum rootless_mode mode = ROOTLESS_AUTO;

int rootless_set_mode(const char *value, bc_error_t **err)
{
	if (value == NULL || strcmp(value, "true") == 0)
		mode = ROOTLESS_ON;
	else if (strcmp(value, "false") == 0)
		mode = ROOTLESS_OFF;
	else if (strcmp(value, "auto") == 0)
		mode = ROOTLESS_AUTO;
	else
		return bc_error_set(err, 0, "--rootless: \"%s\" is not true, false or auto", value);
	return 0;
}

bool rootless_enabled(void)
{
	if (mode == ROOTLESS_AUTO)
		return geteuid() != 0;
	return mode == ROOTLESS_ON;
}

/* /tmp is shared: a directory another user made there first (to read our state, or to
 * point us elsewhere with a symlink) is refused, never used. */
static int rootless_check_private(const char *path, bc_error_t **err)
{
	struct stat st;

	if (lstat(path, &st) < 0)
		return bc_error_errno(err, "state root `%s`", path);
	if (S_ISLNK(st.st_mode))
		return bc_error_set(err, 0, "state root `%s`: is a symbolic link; refusing it",
				    path);
	if (!S_ISDIR(st.st_mode))
		return bc_error_set(err, 0, "state root `%s`: not a directory", path);
	if (st.st_uid != geteuid())
		return bc_error_set(
		    err, 0,
		    "state root `%s`: owned by uid %u, not by us (uid %u): refusing "
		    "a directory someone else made (use --root or XDG_RUNTIME_DIR)",
		    path, (unsigned int)st.st_uid, (unsigned int)geteuid());
	if (st.st_mode & 077)
		return bc_error_set(err, 0,
				    "state root `%s`: mode %04o, open to other users: make it 0700 "
				    "(chmod 700) or use --root",
				    path, (unsigned int)(st.st_mode & 07777));
	return 0;
}

char *rootless_default_root(bc_error_t **err)
{
	const char *xdg = getenv("XDG_RUNTIME_DIR");
	cleanup_free char *path = NULL;

	/* The user's own runtime directory (pam_systemd makes it, 0700): as runc does. */
	if (xdg != NULL && xdg[0] == '/')
		return bc_xasprintf("%s/barco", xdg);
	path = bc_xasprintf("/tmp/barco-%u", (unsigned int)geteuid());
	if (mkdir(path, 0700) < 0 && errno != EEXIST)
		return bc_error_errno(err, "creating state root `%s`", path), NULL;
	if (rootless_check_private(path, err) < 0)
		return NULL;
	return steal_ptr(path);
}

void rootless_adjust_spec(bc_spec_t *spec)
{
	bc_linux_t *lx = spec->linux_;
	size_t n;

	if (!rootless_enabled() || lx == NULL || bc_spec_namespace(spec, BC_NS_USER) != NULL ||
	    lx->n_uid_mappings > 0 || lx->n_gid_mappings > 0)
		return;
	n = lx->n_namespaces;
	lx->namespaces = bc_xrealloc(lx->namespaces, (n + 1) * sizeof(*lx->namespaces));
	lx->namespaces[n] = (bc_namespace_t){.type = BC_NS_USER, .path = NULL};
	lx->n_namespaces = n + 1;
	lx->uid_mappings = bc_xcalloc(1, sizeof(*lx->uid_mappings));
	lx->uid_mappings[0] = (bc_id_mapping_t){.container_id = 0, .host_id = geteuid(), .size = 1};
	lx->n_uid_mappings = 1;
	lx->gid_mappings = bc_xcalloc(1, sizeof(*lx->gid_mappings));
	lx->gid_mappings[0] = (bc_id_mapping_t){.container_id = 0, .host_id = getegid(), .size = 1};
	lx->n_gid_mappings = 1;
	bc_debug("rootless: no user namespace in the config: a new one maps 0 to uid %u gid %u",
		 (unsigned int)geteuid(), (unsigned int)getegid());
}

bool rootless_map_is_own(const bc_id_mapping_t *m, size_t n, unsigned int id)
{
	return n == 1 && m[0].size == 1 && m[0].host_id == id;
}

/* The setuid helper, by absolute path only: a PATH lookup could run a program of the
 * caller's (or of the directory barco was started in) with our trust. */
static char *rootless_helper_path(const char *name)
{
	static const char *const dirs[] = {"/usr/bin", "/bin", "/usr/sbin", "/sbin"};

	for (size_t i = 0; i < BC_ARRAY_SIZE(dirs); i++) {
		char *p = bc_xasprintf("%s/%s", dirs[i], name);
		struct stat st;

		if (stat(p, &st) == 0 && S_ISREG(st.st_mode) && access(p, X_OK) == 0)
			return p;
		free(p);
	}
	return NULL;
}

/* The first line of what the helper said, for a one-line message. */
static void rootless_first_line(char *s)
{
	char *nl = strchr(s, '\n');

	if (nl)
		*nl = '\0';
}

static char **rootless_helper_argv(const char *path, pid_t pid, const bc_id_mapping_t *m, size_t n)
{
	char **argv = bc_xcalloc(3 * n + 3, sizeof(*argv));
	size_t k = 0;

	argv[k++] = bc_xstrdup(path);
	argv[k++] = bc_xasprintf("%d", (int)pid);
	for (size_t i = 0; i < n; i++) {
		argv[k++] = bc_xasprintf("%u", m[i].container_id);
		argv[k++] = bc_xasprintf("%u", m[i].host_id);
		argv[k++] = bc_xasprintf("%u", m[i].size);
	}
	return argv;
}

/* Run argv with stdout and stderr into a pipe; *out gets what it printed. */
static int rootless_run(char **argv, int *status, char **out, bc_error_t **err)
{
	static char *const envp[] = {"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL=C", NULL};
	cleanup_close int rd = -1, wr = -1;
	int p[2];
	size_t len = 0;
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) < 0)
		return bc_error_errno(err, "create a pipe for %s", argv[0]);
	rd = p[0];
	wr = p[1];
	pid = fork();
	if (pid < 0)
		return bc_error_errno(err, "fork to run %s", argv[0]);
	if (pid == 0) {
		/* Our other fds are all close-on-exec; dup2 clears the flag on 1 and 2. */
		if (dup2(wr, STDOUT_FILENO) < 0 || dup2(wr, STDERR_FILENO) < 0)
			_exit(126);
		execve(argv[0], argv, envp);
		dprintf(STDERR_FILENO, "execve %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(steal_fd(wr));
	if (bc_read_all(rd, 65536, out, &len) < 0)
		*out = bc_xstrdup("");
	while (waitpid(pid, status, 0) < 0) {
		if (errno != EINTR)
			return bc_error_errno(err, "wait for %s", argv[0]);
	}
	return 0;
}

int rootless_map_with_helper(pid_t pid, bool gid, const bc_id_mapping_t *m, size_t n,
			     bc_error_t **err)
{
	const char *tool = gid ? "newgidmap" : "newuidmap";
	const char *field = gid ? "gidMappings" : "uidMappings";
	const char *ids = gid ? "/etc/subgid" : "/etc/subuid";
	cleanup_free char *path = rootless_helper_path(tool);
	cleanup_free char *out = NULL;
	cleanup_strv char **argv = NULL;
	unsigned int me = gid ? (unsigned int)getegid() : (unsigned int)geteuid();
	int status = 0;

	if (path == NULL)
		return bc_error_set(err, 0,
				    "linux.%s: mapping more than the caller's own %s %u needs %s "
				    "(setuid %s, Debian package uidmap, and a range in %s), found "
				    "in none of /usr/bin, /bin, /usr/sbin, /sbin",
				    field, gid ? "gid" : "uid", me,
				    gid ? "CAP_SETGID" : "CAP_SETUID", tool, ids);
	argv = rootless_helper_argv(path, pid, m, n);
	if (rootless_run(argv, &status, &out, err) < 0)
		return bc_error_wrap(err, "linux.%s", field);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		bc_debug("rootless: %s wrote %zu %s range(s) for pid %d", path, n, field, (int)pid);
		return 0;
	}
	rootless_first_line(out);
	if (WIFEXITED(status))
		return bc_error_set(err, 0,
				    "linux.%s: %s %d (for %s %u, whose subordinate ids are in %s) "
				    "exited with status %d: %s",
				    field, path, (int)pid, gid ? "gid" : "uid", me, ids,
				    WEXITSTATUS(status), *out ? out : "(no message)");
	return bc_error_set(err, 0, "linux.%s: %s %d was killed by signal %d", field, path,
			    (int)pid, WTERMSIG(status));
}
