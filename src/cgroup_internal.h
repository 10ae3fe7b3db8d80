/* SPDX-License-Identifier: MIT */
/* Shared by src/cgroup.c (placement, record, removal) and src/cgroup_ops.c (commands on a
 * created container's cgroups, update): not part of the cgroup API (barco/cgroup.h). */
#ifndef BARCO_CGROUP_INTERNAL_H
#define BARCO_CGROUP_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "barco/cgroup.h"
#include "barco/error.h"

#ifndef CGROUP_SUPER_MAGIC
#define CGROUP_SUPER_MAGIC 0x27e0eb
#endif
#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif
#ifndef TMPFS_MAGIC
#define TMPFS_MAGIC 0x01021994
#endif

#define CG_ROOT	      "/sys/fs/cgroup"
#define MAX_PROC_FILE (1 << 20)

struct cg_dir {
	char *mountpoint;
	char *rel;   /* "a/b/c" below the mount */
	size_t keep; /* leading components that existed: not ours to remove */
	int fd;	     /* the leaf, -1 once closed */
	const cgroup_hier_t *h;
	bool rt_budget; /* give new cpu cgroups their parent's real-time runtime */
	char *shown;	/* "MOUNTPOINT/REL", for messages */
};

struct cgroup {
	struct cg_dir *d;
	size_t n;
	int state_dirfd;
	bool recorded;
	cgroup_hier_t *h;
	size_t nh;
	cgroup_mode_t mode;
};

/* A cgroup mount's root, checked to be one; *dev for cg_open_below. */
int cg_open_mount(const char *mp, dev_t *dev, bc_error_t **err);
/* One component below dirfd, no symlink, on the same mount. */
int cg_open_below(int dirfd, const char *name, dev_t dev, const char *shown, bc_error_t **err);
/* The first line of a small file, without its newline; -1 with errno. */
int cg_read_small(int dirfd, const char *name, char *buf, size_t size);
/* Enable CTLS in parent's cgroup.subtree_control. */
int cg_v2_enable(int parent, char **ctls, const char *shown, bc_error_t **err);
/* cg->h / cg->nh from our mountinfo and /proc/self/cgroup. */
int cg_load_hierarchies(cgroup_t *cg, cgroup_mode_t mode, bc_error_t **err);
/* The hierarchy (index into h) a resource file KEY is written in; SIZE_MAX with *err unset
 * for an optional file of a controller nobody has. */
size_t cg_key_hier(const cgroup_hier_t *h, size_t nh, cgroup_mode_t mode, const char *key,
		   bc_error_t **err);

#endif
