/* SPDX-License-Identifier: MIT */
#ifndef BARCO_HOOKS_H
#define BARCO_HOOKS_H

#include "barco/error.h"
#include "barco/spec.h"

/*
 * Run the hooks of one kind in order, each with the OCI state JSON on stdin, its args and env,
 * and its timeout (SIGKILL when it expires).  The first failing hook stops the list:
 *   createRuntime hook /usr/bin/x: exited with status 3
 *   prestart hook /bin/slow: timed out after 2 seconds
 * stdout and stderr are inherited.
 */
int hooks_run(const bc_spec_t *spec, enum bc_hook_kind kind, const char *state_json,
	      bc_error_t **err);

/* poststop semantics: run every hook, warn for each failure, never fail. */
void hooks_run_warn(const bc_spec_t *spec, enum bc_hook_kind kind, const char *state_json);

#endif
