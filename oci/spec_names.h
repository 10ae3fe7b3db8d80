/* SPDX-License-Identifier: MIT */
#ifndef BARCO_OCI_SPEC_NAMES_H
#define BARCO_OCI_SPEC_NAMES_H

/* Namespace type names indexed by enum bc_ns_type, NULL-terminated: the model's enum set. */
extern const char *const spec_names_ns[];

#endif
