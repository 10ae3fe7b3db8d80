/* SPDX-License-Identifier: MIT */
#ifndef BARCO_OCI_SECCOMP_DEFAULT_H
#define BARCO_OCI_SECCOMP_DEFAULT_H

#include "barco/spec.h"

/*
 * The default seccomp profile (private to oci/): in effect Docker's default profile, resolved
 * for a container whose capability bounding set is `caps` (NULL-terminated; NULL for none) on
 * the architecture barco is built for.  Capability and architecture conditions are decided
 * here, so the result is plain runtime-spec rules that any runtime loads the same way.
 * Freed with the spec that holds it (bc_spec_free).
 */
bc_seccomp_t *bc_spec_default_seccomp(char *const *caps);

#endif
