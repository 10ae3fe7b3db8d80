/* SPDX-License-Identifier: MIT */
#ifndef BARCO_SEALED_EXE_H
#define BARCO_SEALED_EXE_H

#include <stdbool.h>

#include "barco/error.h"

/* CVE-2019-5736: a process that enters a container must not be running the runtime's on-disk
 * binary, or the container could reopen it through /proc/PID/exe and overwrite it.  Commands
 * that put a process into a container call this first: unless we already run from a sealed
 * copy, the binary is copied into a memfd, sealed against writes, resizing and chmod, and
 * re-executed from there with the same arguments and environment.  Returns only when we run
 * from a sealed copy (0) or on error (-1). */
int bc_sealed_exe_ensure(char **argv, bc_error_t **err);

/* Whether /proc/self/exe is a sealed copy (no write, grow or shrink possible). */
bool bc_sealed_exe_is_sealed(void);

#endif
