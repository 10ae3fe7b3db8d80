/* SPDX-License-Identifier: MIT */
#ifndef BARCO_STATE_JSON_H
#define BARCO_STATE_JSON_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "barco/error.h"
#include "barco/spec.h"

#define BC_OCI_VERSION "1.3.0"

/* Limits checked by bc_state_parse before yajl sees the text. */
#define BC_STATE_MAX_BYTES (1024 * 1024)
#define BC_STATE_MAX_DEPTH 16

/* One container's record: the OCI state fields plus what barco keeps to act safely. */
typedef struct bc_state {
	char *oci_version; /* BC_OCI_VERSION when written by us */
	char *id;
	char *status; /* "creating", "created", "running", "stopped", "paused" */
	pid_t pid;    /* host pid of the init; 0 when none */
	char *bundle; /* absolute */
	bc_kv_t *annotations;
	size_t n_annotations;
	/* barco's own fields (kept in state.json, shown by `barco state` like runc) */
	char *rootfs;	     /* absolute */
	char *created;	     /* RFC 3339 */
	uint32_t owner;	     /* uid that created it */
	uint64_t start_time; /* init's start time from /proc/PID/stat: a reused pid is never ours */
	char *cgroup_path;   /* NULL when no cgroup was made */
	/* Which later commands must read the saved config (BC_CONFIG_NEEDED_*): start only for
	 * poststart hooks or a config without process, delete only for poststop hooks or
	 * intelRdt; so a plain create, start, delete parses config.json once.  A record without
	 * the field (older barco) needs it everywhere. */
	uint32_t config_needs;
} bc_state_t;

#define BC_CONFIG_NEEDED_AT_START  1U
#define BC_CONFIG_NEEDED_AT_DELETE 2U
#define BC_CONFIG_NEEDED_ALL	   (BC_CONFIG_NEEDED_AT_START | BC_CONFIG_NEEDED_AT_DELETE)

enum bc_state_json_kind {
	BC_STATE_JSON_OCI, /* exactly the runtime-spec state: hooks' stdin */
	BC_STATE_JSON_CLI, /* `barco state` output: OCI + rootfs, created, owner (runc's shape) */
	BC_STATE_JSON_STORED, /* state.json on disk: everything */
};

/* CLI output is pretty-printed (2-space indent) and ends with a newline; OCI and STORED are
 * compact.  The STORED keys are those of OCI plus rootfs, created, owner (a number),
 * startTime, cgroupPath (omitted when NULL) and configNeeds. */
char *bc_state_to_json(const bc_state_t *st, enum bc_state_json_kind kind, bc_error_t **err);
/* The runtime-spec "container process state" sent to a seccomp listener (config-linux.md):
 * {"ociVersion", "fds": ["seccompFd"], "pid": st->pid, "metadata" (omitted when NULL),
 *  "state": the OCI state of st}.  Compact. */
char *bc_container_process_state_json(const bc_state_t *st, const char *metadata, bc_error_t **err);
/* Parse a stored state.json.  `name` prefixes messages (the file's path). */
bc_state_t *bc_state_parse(const char *name, const char *data, size_t len, bc_error_t **err);
void bc_state_free(bc_state_t *st);
void bc_state_freep(bc_state_t **st);
#define cleanup_state __attribute__((cleanup(bc_state_freep)))

#endif
