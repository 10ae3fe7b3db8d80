/* SPDX-License-Identifier: MIT */
#ifndef BARCO_CAPS_H
#define BARCO_CAPS_H

/* The only module that includes <sys/capability.h> (libcap). */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "barco/error.h"
#include "barco/spec.h"

/* Check every name in every set at create time:
 *   config.json: process.capabilities.bounding[3]: unknown capability "CAP_FOO"
 * Names are exact, as runc takes them: upper case, with the CAP_ prefix.  caps NULL: 0. */
int caps_validate(const bc_capabilities_t *caps, bc_error_t **err);

/* The name caps_validate accepts for capability number v ("CAP_CHOWN" for 0), written to
 * buf; false when this build (libcap) has no name for v.  v ranges over 0..63. */
bool caps_known_name(int v, char *buf, size_t size);

/* The mask of one set's names, bit N for capability N (names NULL: 0).  set_name ("bounding",
 * ...) names the set in errors, which are those of caps_validate. */
int caps_mask_of(char *const *names, const char *set_name, uint64_t *mask, bc_error_t **err);

/* In the init, before process.user is applied: drop what is not in the bounding set and keep
 * the permitted set across the uid change (PR_SET_KEEPCAPS). caps NULL: keep everything
 * (runc keeps the full set when the config has no capabilities object). */
int caps_before_user(const bc_capabilities_t *caps, bc_error_t **err);

/* In the init, after the uid change: set effective, permitted and inheritable exactly as
 * listed, then raise the ambient ones.
 * A capability the runtime does not hold itself (not in its permitted set, e.g. outside the
 * host's bounding set) or that the kernel does not know is left out with a debug log, in
 * every set, as crun does: the container runs without it.  A listing the kernel cannot
 * honour (effective not in permitted, ambient not in permitted and inheritable,
 * inheritable not in bounding) fails, naming the capability. */
int caps_after_user(const bc_capabilities_t *caps, bc_error_t **err);

#endif
