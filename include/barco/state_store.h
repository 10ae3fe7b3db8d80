/* SPDX-License-Identifier: MIT */
#ifndef BARCO_STATE_STORE_H
#define BARCO_STATE_STORE_H

#include <stdbool.h>
#include <stddef.h>

#include "barco/error.h"
#include "barco/state_json.h"

#define BC_DEFAULT_ROOT "/run/barco"
#define BC_ID_MAX	1024

/* IDs: [A-Za-z0-9][A-Za-z0-9_.+-]*, at most BC_ID_MAX bytes, never "." or "..". */
int state_store_check_id(const char *id, bc_error_t **err);

/* Open (creating with mode 0700 when missing) the root directory.  Returns an O_PATH-free
 * directory fd (O_DIRECTORY|O_CLOEXEC). */
int state_store_open_root(const char *root, bc_error_t **err);

/* Exclusively create ROOT/ID (mode 0700).  EEXIST: "container `ID` already exists".
 * Returns the directory fd. */
int state_store_reserve(int rootfd, const char *id, bc_error_t **err);

/* Open ROOT/ID.  ENOENT: "container does not exist". */
int state_store_open(int rootfd, const char *id, bc_error_t **err);

/* Take an exclusive (or shared) flock on ROOT/ID's lock file; returns the lock fd, which
 * holds the lock until closed.  ENOENT: "container does not exist: ID" (deleted meanwhile);
 * id is only for messages. */
int state_store_lock(int dirfd, const char *id, bool exclusive, bc_error_t **err);

/* state.json, atomically replaced (temp file + rename). */
int state_store_write(int dirfd, const bc_state_t *st, bc_error_t **err);
bc_state_t *state_store_read(int dirfd, bc_error_t **err);

/* Remove ROOT/ID and everything in it (files only one level deep, no symlink following). */
int state_store_remove(int rootfd, const char *id, bc_error_t **err);

/* Sorted list of container IDs (directories) under root. */
int state_store_list(int rootfd, char ***ids, size_t *n, bc_error_t **err);

#endif
