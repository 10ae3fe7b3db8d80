/* SPDX-License-Identifier: MIT */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "barco/intelrdt.h"
#include "barco/log.h"
#include "barco/util.h"

#ifndef RDTGROUP_SUPER_MAGIC
#define RDTGROUP_SUPER_MAGIC 0x7655821
#endif

static const bc_intel_rdt_t *rdt_of(const bc_spec_t *spec)
{
	return spec->linux_ ? spec->linux_->intel_rdt : NULL;
}

static bool rdt_writes_schemata(const bc_intel_rdt_t *r)
{
	return r->l3_cache_schema || r->mem_bw_schema || (r->schemata && r->schemata[0]);
}

int intelrdt_check(const bc_spec_t *spec, bc_error_t **err)
{
	const bc_intel_rdt_t *r = rdt_of(spec);
	struct statfs sfs;

	if (r == NULL)
		return 0;
	if (r->clos_id && strcmp(r->clos_id, "/") != 0 &&
	    (*r->clos_id == '\0' || strchr(r->clos_id, '/') || strcmp(r->clos_id, ".") == 0 ||
	     strcmp(r->clos_id, "..") == 0 || strchr(r->clos_id, '\n')))
		return bc_error_set(err, 0,
				    "config.json: linux.intelRdt.closID: \"%s\" is not a resctrl "
				    "group name",
				    r->clos_id);
	for (size_t i = 0; r->schemata && r->schemata[i]; i++)
		if (strchr(r->schemata[i], '\n'))
			return bc_error_set(err, 0,
					    "config.json: linux.intelRdt.schemata[%zu]: must be a "
					    "single line",
					    i);
	if (statfs(BC_RESCTRL_ROOT, &sfs) < 0 || sfs.f_type != RDTGROUP_SUPER_MAGIC)
		return bc_error_set(err, 0,
				    "linux.intelRdt: no resctrl filesystem is mounted at %s "
				    "(Intel RDT / AMD QoS unavailable or not mounted)",
				    BC_RESCTRL_ROOT);
	return 0;
}

static void strip_spaces(char *s)
{
	char *w = s;

	for (char *r = s; *r; r++)
		if (!isspace((unsigned char)*r))
			*w++ = (char)tolower((unsigned char)*r);
	*w = '\0';
}

/* An existing closID group must already hold the schema lines asked for. */
static int rdt_compare(const char *dir, const char *line, bc_error_t **err)
{
	cleanup_free char *path = bc_xasprintf("%s/schemata", dir);
	cleanup_free char *text = NULL, *want = bc_xstrdup(line);
	char *save = NULL;

	if (bc_read_file(path, 1 << 20, &text, NULL, err) < 0)
		return -1;
	strip_spaces(want);
	for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		strip_spaces(l);
		if (strcmp(l, want) == 0)
			return 0;
	}
	return bc_error_set(err, 0,
			    "linux.intelRdt: the existing group %s has a different schema than "
			    "\"%s\"",
			    dir, line);
}

static int rdt_write_schemata(const char *dir, const bc_intel_rdt_t *r, bool existed,
			      bc_error_t **err)
{
	cleanup_free char *path = bc_xasprintf("%s/schemata", dir);
	const char *fixed[2] = {r->l3_cache_schema, r->mem_bw_schema};

	for (size_t i = 0; i < 2; i++) {
		if (fixed[i] == NULL)
			continue;
		if (existed ? rdt_compare(dir, fixed[i], err) < 0
			    : bc_write_file_str(path, fixed[i], err) < 0)
			return -1;
	}
	for (size_t i = 0; r->schemata && r->schemata[i]; i++)
		if (bc_write_file_str(path, r->schemata[i], err) < 0)
			return -1;
	return 0;
}

static int rdt_add_task(const char *dir, pid_t pid, bc_error_t **err)
{
	cleanup_free char *path = bc_xasprintf("%s/tasks", dir);
	char buf[32];

	snprintf(buf, sizeof(buf), "%d", (int)pid);
	return bc_write_file_str(path, buf, err);
}

static char *rdt_group_dir(const char *root, const bc_intel_rdt_t *r, const char *id)
{
	if (r->clos_id && strcmp(r->clos_id, "/") == 0)
		return bc_xstrdup(root);
	return bc_xasprintf("%s/%s", root, r->clos_id ? r->clos_id : id);
}

int intelrdt_apply_at(const char *root, const bc_intel_rdt_t *r, const char *id, pid_t pid,
		      bc_error_t **err)
{
	cleanup_free char *dir = rdt_group_dir(root, r, id);
	cleanup_free char *mon = NULL;
	bool created = false, existed;

	existed = access(dir, F_OK) == 0;
	if (!existed) {
		/* A closID without schemata names a group someone configured beforehand. */
		if (r->clos_id && !rdt_writes_schemata(r))
			return bc_error_set(err, ENOENT,
					    "linux.intelRdt: the resctrl group %s does not exist",
					    dir);
		if (mkdir(dir, 0755) < 0)
			return bc_error_errno(err, "linux.intelRdt: create %s", dir);
		created = true;
	} else if (r->clos_id == NULL) {
		return bc_error_set(err, EEXIST,
				    "linux.intelRdt: the resctrl group %s exists already", dir);
	}
	if (rdt_write_schemata(dir, r, existed, err) < 0 || rdt_add_task(dir, pid, err) < 0)
		goto fail;
	if (r->enable_monitoring) {
		mon = bc_xasprintf("%s/mon_groups/%s", dir, id);
		if (mkdir(mon, 0755) < 0) {
			bc_error_errno(err, "linux.intelRdt: create the MON group %s", mon);
			free(steal_ptr(mon));
			goto fail;
		}
		if (rdt_add_task(mon, pid, err) < 0)
			goto fail;
	}
	return 0;
fail:
	bc_error_wrap(err, "linux.intelRdt");
	if (mon)
		rmdir(mon);
	if (created)
		rmdir(dir);
	return -1;
}

int intelrdt_apply(const bc_spec_t *spec, const char *id, pid_t pid, bc_error_t **err)
{
	const bc_intel_rdt_t *r = rdt_of(spec);

	return r ? intelrdt_apply_at(BC_RESCTRL_ROOT, r, id, pid, err) : 0;
}

void intelrdt_remove_at(const char *root, const bc_intel_rdt_t *r, const char *id)
{
	cleanup_free char *dir = rdt_group_dir(root, r, id);

	if (r->enable_monitoring) {
		cleanup_free char *mon = bc_xasprintf("%s/mon_groups/%s", dir, id);

		if (rmdir(mon) < 0 && errno != ENOENT)
			bc_warn("linux.intelRdt: remove the MON group %s: %m", mon);
	}
	if (r->clos_id == NULL && rmdir(dir) < 0 && errno != ENOENT)
		bc_warn("linux.intelRdt: remove the resctrl group %s: %m", dir);
}

void intelrdt_remove(const bc_spec_t *spec, const char *id)
{
	const bc_intel_rdt_t *r = rdt_of(spec);

	if (r)
		intelrdt_remove_at(BC_RESCTRL_ROOT, r, id);
}
