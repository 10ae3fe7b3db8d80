/* SPDX-License-Identifier: MIT */
#ifndef BARCO_CGROUP_V2_H
#define BARCO_CGROUP_V2_H

/*
 * cgroup v2 (unified hierarchy) driver, L2.  This part is pure: linux.resources in, an
 * ordered list of (file, value) writes out, plus the writer that applies such a list to a
 * cgroup directory fd.  Placement, controller delegation and the device eBPF program are
 * separate concerns.
 *
 * File list conventions:
 *  - Entries are written in list order, one open + one write() each: the kernel parses a
 *    single record per write for io.max, rdma.max, io.weight, so a key may repeat.
 *  - A key starting with CGROUP_V2_OPTIONAL ('?') names a file whose absence (ENOENT) is
 *    not an error: the kernel lacks the feature and the value asks for nothing that would go
 *    unenforced (memory.swap.max "max"/"0" without swap accounting, hugetlb.*.rsvd.max on
 *    kernels before 5.7).  Use cgroup_v2_file_name() to get the file name.
 *
 * Conversions follow runc's fs2 driver where it has one, so a container gets the same values
 * under barco as under runc:
 *  - cpu.shares -> cpu.weight: 1 + ((shares - 2) * 9999) / 262142, shares clamped first to
 *    the kernel's v1 range 2..262144 (so 1 -> 1, 1024 -> 39, 262144 -> 10000); 0 is unset.
 *  - blockIO.weight: io.bfq.weight verbatim when the cgroup has it (BFQ scheduler), else
 *    io.weight = 1 + (weight - 10) * 9999 / 990 (10..1000 -> 1..10000); 0 is unset.
 *  - blockIO.weightDevice: "MAJ:MIN W" to io.bfq.weight (BFQ) or io.weight with W converted
 *    as above.  leafWeight has no v2 meaning (processes only live in leaves): per-device it
 *    is ignored, blockIO.leafWeight is refused (as crun does).
 *  - throttle*Device -> io.max, one line per device "MAJ:MIN rbps=N wbps=N riops=N wiops=N"
 *    (only the keys given, in that order; devices in order of first appearance).
 *  - memory: memory.swap.max = swap - limit (OCI swap is memory+swap); -1 -> "max";
 *    limit -1 with swap unset -> "max"; swap == limit -> "0"; swap < limit, or a positive
 *    swap without a positive limit, is refused.  memory.max from limit, memory.low from
 *    reservation (0 is unset for all three, as in runc).  memory.high is not derived from
 *    any OCI field (runc neither); set it through `unified`.  kernel and kernelTCP are
 *    ignored: v2 charges kernel and TCP memory to memory.max anyway (runc ignores them).
 *    swappiness, disableOOMKiller=true and useHierarchy=false have no v2 file: refused.
 *  - cpu: cpu.idle, cpu.weight, cpu.max "QUOTA PERIOD" ("max" when quota <= 0, period
 *    100000 when unset; written when quota or period is non-zero), cpu.max.burst,
 *    cpuset.cpus / cpuset.mems verbatim.  realtimeRuntime/realtimePeriod (non-zero) are
 *    refused: v2 has no RT group bandwidth files.
 *  - pids.max: limit verbatim, negative -> "max", 0 is a real limit (runtime-spec 1.3).
 *  - hugetlb.<size>.max and ?hugetlb.<size>.rsvd.max, both with the limit, so reservations
 *    (mmap MAP_HUGETLB, shmget) are capped too.
 *  - rdma.max: "DEV hca_handle=N hca_object=M" per device.
 *  - unified: last (it may override anything above), each non-empty line of a value a write
 *    of its own; an empty value is skipped.
 *  - network (classID, priorities) has no v2 controller: refused.
 *  - devices are not files on v2 (eBPF program): not part of the list.
 *
 * memory.checkBeforeUpdate: on v2 a limit below usage invokes the OOM killer instead of
 * failing.  When it is true, `update` reads memory.current (and memory.swap.current) first
 * and calls cgroup_v2_check_memory_update(), which refuses like runc does.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "barco/error.h"
#include "barco/spec.h"

#define CGROUP_V2_OPTIONAL '?'

/* What the target cgroup offers, where the list depends on it. */
typedef struct cgroup_v2_features {
	bool io_bfq_weight; /* io.bfq.weight exists (BFQ is the I/O scheduler) */
} cgroup_v2_features_t;

/* ---- conversions (pure) ---- */
uint64_t cgroup_v2_cpu_shares_to_weight(uint64_t shares); /* 0 -> 0 (unset) */
uint64_t cgroup_v2_blkio_weight_to_io_weight(uint16_t w); /* 0 -> 0; 10..1000 -> 1..10000 */
/* memory.swap.max from OCI limit and swap (0 = unset).  *out gets "max", a number, or NULL
 * when nothing is to be written.  Errors name linux.resources.memory.swap. */
int cgroup_v2_memory_swap_max(int64_t limit, int64_t swap, char **out, bc_error_t **err);
/* "QUOTA PERIOD" / "max PERIOD"; period 0 means the kernel default 100000. */
char *cgroup_v2_cpu_max(int64_t quota, uint64_t period);
/* Number, or "max" for a negative value. */
char *cgroup_v2_max_value(int64_t v);

/* The ordered list of writes for linux.resources.  Errors name the JSON path:
 *   linux.resources.cpu.realtimeRuntime: not supported on cgroup v2 (...)
 * *out is NULL-safe to free with cgroup_v2_kv_free on success; nothing is returned on error.
 * The plain form assumes no BFQ. */
int cgroup_v2_resource_files(const bc_resources_t *r, bc_kv_t **out, size_t *n, bc_error_t **err);
int cgroup_v2_resource_files_for(const bc_resources_t *r, const cgroup_v2_features_t *features,
				 bc_kv_t **out, size_t *n, bc_error_t **err);
void cgroup_v2_kv_free(bc_kv_t *kv, size_t n);

/* Fill *features by looking at the container's cgroup directory (after its controllers are
 * enabled in the parent's cgroup.subtree_control). */
int cgroup_v2_probe_features(int dirfd, cgroup_v2_features_t *features, bc_error_t **err);

/* The file a list key names (the key without the CGROUP_V2_OPTIONAL mark). */
const char *cgroup_v2_file_name(const char *key);

/* Write each entry relative to dirfd (openat O_WRONLY|O_CLOEXEC|O_NOFOLLOW, no O_CREAT), in
 * order, stopping at the first failure:
 *   cgroup: write "max 100000" to cpu.max: Invalid argument */
int cgroup_v2_write_files(int dirfd, const bc_kv_t *kv, size_t n, bc_error_t **err);

/* Controllers the files need, deduplicated in order of first use, NULL-terminated (free with
 * bc_strv_free); core files (cgroup.*, *.pressure, cpu.stat) need none.  Returns the count. */
int cgroup_v2_needed_controllers(const bc_kv_t *kv, size_t n, char ***out);

/* memory.checkBeforeUpdate: refuse a limit (or memory+swap limit) at or below the current
 * usage (memory.current, memory.current + memory.swap.current), as runc does. */
int cgroup_v2_check_memory_update(const bc_memory_t *m, uint64_t current, uint64_t swap_current,
				  bc_error_t **err);

/* Shared with the v1 conversions: an ordered (file, value) list being built (the key is
 * copied, the value taken), and the cpu period/quota limits both controllers enforce. */
typedef struct cgroup_kvlist {
	bc_kv_t *v;
	size_t n, cap;
} cgroup_kvlist_t;
void cgroup_kvlist_add(cgroup_kvlist_t *l, const char *key, char *value);
int cgroup_check_cpu_period_quota(const bc_cpu_t *c, bc_error_t **err);
/* A hugepageLimits pageSize: "<digits><KB|MB|GB>", the only names hugetlb files have (which
 * also keeps '/' out of the file name). */
bool cgroup_hugetlb_page_size_ok(const char *s);
/* linux.resources.rdma -> one "DEV hca_handle=N hca_object=M" write to rdma.max per device
 * (the same file and format on v1 and v2). */
int cgroup_rdma_files(const bc_resources_t *r, cgroup_kvlist_t *l, bc_error_t **err);

#endif
