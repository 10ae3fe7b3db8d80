/* SPDX-License-Identifier: MIT */
#ifndef BARCO_SECCOMP_FILTER_H
#define BARCO_SECCOMP_FILTER_H

/*
 * linux.seccomp: the only module that includes <seccomp.h>.
 *
 * libseccomp is used to compile the profile into a classic BPF program only; the init loads
 * that program with seccomp(2) itself.  So nothing of libseccomp runs after `start`, and the
 * filter flags are passed to the kernel as they are (SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV
 * works although libseccomp 2.5 does not know it).  no_new_privs is never set here: the init
 * sets it from process.noNewPrivileges.
 *
 * Where the init calls what:
 *  - seccomp_filter_compile: in the runtime (spawn_init), before clone: profile errors fail
 *    create at once, and libseccomp's allocations are not charged to the container's memory
 *    cgroup (the init would make them after it is placed there).
 *  - seccomp_filter_listener_connect: when the profile uses SCMP_ACT_NOTIFY, at the top of
 *    init_main, before any namespace is joined and before the uid changes: listenerPath is a
 *    host path, resolved from the runtime's cwd with the runtime's credentials.
 *  - seccomp_filter_load: the kernel loads a filter only with no_new_privs set or with
 *    CAP_SYS_ADMIN in the current user namespace (else EACCES).  So:
 *      process.noNewPrivileges true:  the last step before execve (after close_range), so the
 *                                     profile need not allow the init's own syscalls;
 *      process.noNewPrivileges false: before the uid change and the capability drop
 *                                     (before init_user), as runc does; the profile must then
 *                                     allow what the init does afterwards.
 *  - seccomp_filter_listener_send: right after a load that gave a notify fd; then close both.
 *
 * Syscalls from an architecture that is neither native nor listed kill the process
 * (SCMP_ACT_KILL_PROCESS as libseccomp's bad-architecture action): a 32-bit int 0x80 call
 * must not bypass a profile written for x86_64, and killing one thread only would leave a
 * half-dead multi-threaded process.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "barco/error.h"
#include "barco/spec.h"

/* "2.5.4": the libseccomp version barco runs with. */
const char *seccomp_filter_lib_version(void);

typedef struct bc_seccomp_prog bc_seccomp_prog_t;

/*
 * Build the filter from linux.seccomp.  As in runc:
 *  - an unknown syscall name is skipped with a debug log;
 *  - a rule whose action equals the default action is skipped (the kernel would do the same);
 *  - conditions are ANDed, except when one argument index appears twice in a rule: then each
 *    condition becomes a rule of its own, so they are ORed;
 *  - SCMP_ACT_KILL is SCMP_ACT_KILL_THREAD; ERRNO and TRACE default to EPERM;
 *  - SCMP_CMP_MASKED_EQ takes the mask from value and the datum from valueTwo.
 * Refused: SCMP_ACT_NOTIFY as the default action or for sendmsg (the init needs sendmsg to
 * hand the notify fd over), SCMP_ACT_NOTIFY without listenerPath, argument index > 5, errnoRet
 * above 4094 (ERRNO) or 65535 (TRACE), a flag the kernel does not know, a program above the
 * kernel's 4096 instructions.  Messages:
 *   seccomp: add rule for "mkdir" (linux.seccomp.syscalls[2]): Invalid argument
 */
int seccomp_filter_compile(const bc_seccomp_t *s, bc_seccomp_prog_t **out, bc_error_t **err);

/* Load it into the calling thread (see above for when).  *notify_fd gets the listener fd
 * (O_CLOEXEC) when a rule uses SCMP_ACT_NOTIFY, else -1. */
int seccomp_filter_load(bc_seccomp_prog_t *p, int *notify_fd, bc_error_t **err);

/* True when some rule of the compiled filter uses SCMP_ACT_NOTIFY. */
bool seccomp_filter_uses_notify(const bc_seccomp_prog_t *p);
/* True when linux.seccomp has a SCMP_ACT_NOTIFY rule (before compiling: to connect early). */
bool seccomp_filter_spec_uses_notify(const bc_seccomp_t *s);
/* Number of BPF instructions (tests and benchmarks). */
size_t seccomp_filter_instructions(const bc_seccomp_prog_t *p);
/* The parts of a compiled program, for seccomp_cache: its instructions (struct sock_filter,
 * seccomp_filter_instructions of them), the seccomp(2) flags; and a program made of such
 * parts (copied), NULL when n is 0 or above the kernel's 4096. */
const void *seccomp_filter_insns(const bc_seccomp_prog_t *p);
unsigned int seccomp_filter_flags(const bc_seccomp_prog_t *p);
bc_seccomp_prog_t *seccomp_filter_prog_new(const void *insns, size_t n, unsigned int flags,
					   bool notify);

void seccomp_filter_free(bc_seccomp_prog_t *p);
void seccomp_filter_freep(bc_seccomp_prog_t **p);
#define cleanup_seccomp_prog __attribute__((cleanup(seccomp_filter_freep)))

/* libseccomp's token (an AUDIT_ARCH_* value) for "SCMP_ARCH_X86_64" and the like.  Returns 0
 * with *token = 0 for a name this libseccomp does not know (such an architecture can't be
 * native nor compat on a host where this libseccomp runs), -1 for a name that is not
 * SCMP_ARCH_*. */
int seccomp_filter_arch_token(const char *name, uint32_t *token);

/* For `barco features`: the i-th name this module takes as a syscall action, an argument
 * operator, a filter flag, or a runtime-spec architecture (seccomp_filter_arch_token says
 * which of those libseccomp knows); NULL past the last. */
const char *seccomp_filter_action_name(size_t i);
const char *seccomp_filter_operator_name(size_t i);
const char *seccomp_filter_flag_name(size_t i);
const char *seccomp_filter_spec_arch_name(size_t i);
/* Whether the running kernel takes the filter flag `name` (a probe: seccomp(2) with a NULL
 * filter, which needs no privilege).  false for a name seccomp_filter_flag_name never gives. */
bool seccomp_filter_flag_supported(const char *name);

/* Whether a filter of this build can hold architecture `name` ("SCMP_ARCH_PPC64"): known to
 * libseccomp, and of the native byte order (libseccomp refuses to mix them, so create
 * fails on such a name). */
bool seccomp_filter_arch_usable(const char *name);

/* Connect to linux.seccomp.listenerPath (AF_UNIX, SOCK_STREAM).  Returns the socket. */
int seccomp_filter_listener_connect(const bc_seccomp_t *s, bc_error_t **err);
/* Send the container process state (bc_container_process_state_json) with notify_fd as its
 * one SCM_RIGHTS fd ("seccompFd") over a connected socket, in one sendmsg. */
int seccomp_filter_listener_send(int sock, int notify_fd, const char *state_json, bc_error_t **err);
/* Both: connect, send, close (for a caller that still sees listenerPath). */
int seccomp_filter_send_listener(const bc_seccomp_t *s, int notify_fd, const char *state_json,
				 bc_error_t **err);

#endif
