/* SPDX-License-Identifier: MIT */
#ifndef BARCO_INTELRDT_H
#define BARCO_INTELRDT_H

#include <stdbool.h>
#include <sys/types.h>

#include "barco/error.h"
#include "barco/spec.h"

/* linux.intelRdt through the resctrl filesystem (config-linux.md "IntelRdt").  The group is
 * closID's directory ("/" is resctrl's root, the default CLOS) or, without closID, one named
 * after the container, created by us and removed at delete; enableMonitoring adds the MON
 * group mon_groups/<id>.  RESCTRL_ROOT is where resctrl must be mounted. */
#define BC_RESCTRL_ROOT "/sys/fs/resctrl"

/* At create, before anything is made: closID is a plain name and resctrl is mounted. */
int intelrdt_check(const bc_spec_t *spec, bc_error_t **err);

/* Put pid in the container's group (and MON group), writing the schemata.  On failure,
 * whatever this call created is removed again. */
int intelrdt_apply_at(const char *root, const bc_intel_rdt_t *rdt, const char *id, pid_t pid,
		      bc_error_t **err);
int intelrdt_apply(const bc_spec_t *spec, const char *id, pid_t pid, bc_error_t **err);

/* At delete: the MON group, and the group itself when we created it (no closID). */
void intelrdt_remove_at(const char *root, const bc_intel_rdt_t *rdt, const char *id);
void intelrdt_remove(const bc_spec_t *spec, const char *id);

#endif
