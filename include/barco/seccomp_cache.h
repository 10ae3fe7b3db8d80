/* SPDX-License-Identifier: MIT */
#ifndef BARCO_SECCOMP_CACHE_H
#define BARCO_SECCOMP_CACHE_H

/*
 * Compiled seccomp programs, kept in the state root (DIR/.seccomp-cache/) so that a profile
 * is compiled by libseccomp once, not at every create and exec.  Compiling Docker's default
 * profile costs more than the rest of `barco run` together.
 *
 * A cache file holds its key in full: everything the compiled program depends on (the
 * profile as parsed, libseccomp's version, barco's ELF build-id, the kernel's release, version
 * and machine, since the filter flags are probed in the running kernel).  The file's name is
 * a hash of the key; a file is used only if its key is byte-for-byte the one asked for, so a
 * hash collision is a miss, never a wrong filter.  A file is also refused (and replaced) when
 * it is not a regular file owned by the caller and writable by nobody else, when its
 * directory is not, or when its length or checksum does not match: a corrupt or foreign file
 * costs a compile, nothing more.  A binary without a build-id never uses the cache.
 *
 * Nothing here is required to succeed: every failure to read or write the cache falls back
 * to compiling (with a debug log), so a read-only or full state root still creates.
 */

#include "barco/error.h"
#include "barco/seccomp_filter.h"
#include "barco/spec.h"

#define SECCOMP_CACHE_DIR ".seccomp-cache"

/* seccomp_filter_compile through the cache below rootfd (the state root; -1: no cache). */
int seccomp_cache_compile(const bc_seccomp_t *s, int rootfd, bc_seccomp_prog_t **out,
			  bc_error_t **err);

/* The cached program for s below rootfd, NULL when there is none usable (no compile).
 * Exposed for tests, as is the key of a profile (malloc'd, *len bytes; NULL without a
 * build-id). */
bc_seccomp_prog_t *seccomp_cache_lookup(const bc_seccomp_t *s, int rootfd);
char *seccomp_cache_key(const bc_seccomp_t *s, size_t *len);
/* 64-bit FNV-1a: the file name and the checksum. */
uint64_t seccomp_cache_hash(const void *data, size_t len);

#endif
