/* SPDX-License-Identifier: MIT */
/* The cgroup hierarchies of this process (mountinfo + /proc/self/cgroup), the host's mode
 * (v2, hybrid, v1), and where a cgroupsPath lands below a mount: no I/O on cgroup files. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statfs.h>

#include "barco/cgroup.h"
#include "barco/util.h"
#include "cgroup_internal.h"

void cgroup_hierarchies_free(cgroup_hier_t *h, size_t n)
{
	for (size_t i = 0; h != NULL && i < n; i++) {
		free(h[i].mountpoint);
		free(h[i].root);
		free(h[i].controllers);
		free(h[i].own);
	}
	free(h);
}

/* True when the comma-separated LIST holds WORD. */
static bool list_has(const char *list, const char *word, size_t wlen)
{
	for (const char *p = list; *p;) {
		size_t len = strcspn(p, ",");

		if (len == wlen && strncmp(p, word, len) == 0)
			return true;
		p += len + (p[len] == ',');
	}
	return false;
}

bool cgroup_hier_has(const cgroup_hier_t *h, const char *controller)
{
	return !h->v2 && list_has(h->controllers, controller, strlen(controller));
}

/* Our line for a mount: the v1 line whose every controller is in the mount's super
 * options, or the "0::" line for cgroup2.  Returns the line's path and controllers. */
static bool find_own(const char *self_cgroup, bool v2, const char *super, char **ctl, char **path)
{
	for (const char *p = self_cgroup; *p;) {
		size_t len = strcspn(p, "\n");
		cleanup_free char *line = bc_xstrndup(p, len);
		char *c1 = strchr(line, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;

		p += len + (p[len] == '\n');
		if (c2 == NULL)
			continue;
		*c1 = *c2 = '\0';
		if (v2 != (strcmp(line, "0") == 0 && c1[1] == '\0'))
			continue;
		if (!v2) {
			bool all = c1[1] != '\0';

			for (const char *q = c1 + 1; *q && all;) {
				size_t l = strcspn(q, ",");

				all = list_has(super, q, l);
				q += l + (q[l] == ',');
			}
			if (!all)
				continue;
		}
		*ctl = bc_xstrdup(c1 + 1);
		*path = bc_xstrdup(c2 + 1);
		return true;
	}
	return false;
}

static bool wanted_mount(const char *mp, bool v2, cgroup_mode_t mode)
{
	const char *name;

	if (mode == CGROUP_MODE_V2)
		return v2 && strcmp(mp, CG_ROOT) == 0;
	if (!bc_str_has_prefix(mp, CG_ROOT "/"))
		return false;
	name = mp + strlen(CG_ROOT "/");
	if (*name == '\0' || strchr(name, '/') != NULL)
		return false;
	return !v2 || mode == CGROUP_MODE_HYBRID;
}

int cgroup_hierarchies_parse(const char *mountinfo, const char *self_cgroup, cgroup_mode_t mode,
			     cgroup_hier_t **out, size_t *n, bc_error_t **err)
{
	cgroup_hier_t *v = NULL;
	size_t count = 0;

	for (const char *p = mountinfo; *p;) {
		size_t len = strcspn(p, "\n");
		cleanup_free char *line = bc_xstrndup(p, len);
		cleanup_free char *mp = NULL;
		bc_mountinfo_t m;
		char *ctl = NULL, *own = NULL;
		bool v2, dup = false;

		p += len + (p[len] == '\n');
		if (!bc_mountinfo_split(line, &m))
			continue;
		v2 = strcmp(m.fstype, "cgroup2") == 0;
		if (!v2 && strcmp(m.fstype, "cgroup") != 0)
			continue;
		mp = bc_xstrdup(m.mountpoint);
		if (!wanted_mount(mp, v2, mode) || !find_own(self_cgroup, v2, m.super, &ctl, &own))
			continue;
		for (size_t i = 0; i < count && !dup; i++)
			dup = v[i].v2 == v2 && strcmp(v[i].controllers, ctl) == 0;
		if (dup) {
			free(ctl);
			free(own);
			continue;
		}
		v = bc_xrealloc(v, (count + 1) * sizeof(*v));
		v[count] = (cgroup_hier_t){.mountpoint = steal_ptr(mp),
					   .root = bc_xstrdup(m.root),
					   .controllers = ctl,
					   .own = own,
					   .v2 = v2};
		count++;
	}
	if (count == 0) {
		free(v);
		return bc_error_set(err, 0,
				    "cgroup: no %s hierarchy of ours is mounted under " CG_ROOT,
				    mode == CGROUP_MODE_V2 ? "cgroup2" : "cgroup v1");
	}
	*out = v;
	*n = count;
	return 0;
}

/* Append the components of PATH to *acc ("a/b"), refusing "." and "..". */
static int append_components(char **acc, const char *path, const char *what, bc_error_t **err)
{
	for (const char *p = path; *p;) {
		size_t len = strcspn(p, "/");

		if ((len == 1 && p[0] == '.') || (len == 2 && p[0] == '.' && p[1] == '.'))
			return bc_error_set(err, 0, "cgroup: %s \"%s\" has a \"%.*s\" component",
					    what, path, (int)len, p);
		if (len > 0) {
			char *next = **acc ? bc_xasprintf("%s/%.*s", *acc, (int)len, p)
					   : bc_xstrndup(p, len);
			free(*acc);
			*acc = next;
		}
		p += len + (p[len] == '/');
	}
	return 0;
}

char *cgroup_path_below_mount(const cgroup_hier_t *h, const char *cgroups_path, const char *id,
			      bc_error_t **err)
{
	cleanup_free char *acc = bc_xstrdup("");
	const char *rel = cgroups_path && *cgroups_path ? cgroups_path : id;

	if (rel == NULL || *rel == '\0') {
		bc_error_set(err, 0, "cgroup: no cgroupsPath and no container ID");
		return NULL;
	}
	if (rel[0] != '/') {
		size_t rlen = strlen(h->root);
		const char *own = h->own;

		/* Our cgroup as seen through this mount: below the mount's root. */
		if (strcmp(h->root, "/") != 0) {
			if (strncmp(own, h->root, rlen) != 0 ||
			    (own[rlen] != '\0' && own[rlen] != '/')) {
				bc_error_set(err, 0,
					     "cgroup: our cgroup %s is not visible under %s "
					     "(its root is %s)",
					     own, h->mountpoint, h->root);
				return NULL;
			}
			own += rlen;
		}
		if (append_components(&acc, own, "own cgroup", err) < 0)
			return NULL;
	}
	if (append_components(&acc, rel, "linux.cgroupsPath", err) < 0)
		return NULL;
	if (*acc == '\0') {
		bc_error_set(err, 0, "cgroup: linux.cgroupsPath \"%s\" names the root of %s", rel,
			     h->mountpoint);
		return NULL;
	}
	return steal_ptr(acc);
}

int cgroup_detect_mode(cgroup_mode_t *mode, bc_error_t **err)
{
	struct statfs sfs;

	if (statfs(CG_ROOT, &sfs) < 0)
		return bc_error_errno(err, "cgroup: statfs " CG_ROOT);
	if (sfs.f_type == CGROUP2_SUPER_MAGIC) {
		*mode = CGROUP_MODE_V2;
		return 0;
	}
	if (sfs.f_type != TMPFS_MAGIC)
		return bc_error_set(err, 0, "cgroup: " CG_ROOT " is neither cgroup2 nor a tmpfs");
	*mode = statfs(CG_ROOT "/unified", &sfs) == 0 && sfs.f_type == CGROUP2_SUPER_MAGIC
		    ? CGROUP_MODE_HYBRID
		    : CGROUP_MODE_V1;
	return 0;
}
