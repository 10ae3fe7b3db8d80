/* SPDX-License-Identifier: MIT */
#ifndef BARCO_CGROUP_V1_H
#define BARCO_CGROUP_V1_H

/*
 * cgroup v1 conversions, L2, pure: linux.resources in, an ordered list of (file, value)
 * writes out.  A file belongs to the hierarchy of the controller its name starts with
 * (cgroup_v1_file_controller: "memory.limit_in_bytes" -> "memory"); the manager (cgroup.h)
 * writes each entry in the cgroup of that hierarchy with cgroup_v2_write_files, which knows
 * nothing v2-specific but the CGROUP_V2_OPTIONAL ('?') mark for files that may be absent.
 * A controller that no mounted hierarchy holds is the manager's error ("no mounted hierarchy
 * has the hugetlb controller").
 *
 * Conversions (runc's fs driver where it has one):
 *  - memory.limit_in_bytes from limit (-1 = unlimited, written as "-1"), then
 *    memory.memsw.limit_in_bytes from swap (OCI swap is memory+swap, as v1's memsw; the
 *    limit first: the kernel refuses memsw below the memory limit, and a fresh cgroup has
 *    both unlimited).  swap -1 is optional (absent without swap accounting); a positive swap
 *    needs a positive limit at or below it.  memory.soft_limit_in_bytes from reservation,
 *    memory.kmem.tcp.limit_in_bytes from kernelTCP, memory.swappiness (0..100),
 *    memory.oom_control "1" for disableOOMKiller.  0 is unset for limit, swap, reservation.
 *    kernel is ignored (kernels >= 5.16 refuse memory.kmem.limit_in_bytes; runc ignores it);
 *    useHierarchy true is what the kernel always does, false is refused.
 *  - pids.max: the limit, negative -> "max"; 0 is a real limit (runtime-spec 1.3).
 *  - cpu.shares; cpu.cfs_period_us before cpu.cfs_quota_us (quota <= 0 -> "-1");
 *    cpu.rt_period_us before cpu.rt_runtime_us; cpu.cfs_burst_us; cpu.idle.
 *  - cpuset.cpus / cpuset.mems verbatim (the manager first fills new cpuset cgroups from
 *    their parent: v1 refuses tasks in a cpuset with no cpus or mems).
 *  - blockIO: weight -> blkio.weight, leafWeight -> blkio.leaf_weight, weightDevice ->
 *    blkio.weight_device "MAJ:MIN W" and blkio.leaf_weight_device "MAJ:MIN LW" (CFQ's
 *    files, 10..1000).  Kernels without CFQ (>= 5.0) have BFQ's blkio.bfq.weight and
 *    blkio.bfq.weight_device instead (1..1000, no leaf weights); which one a cgroup has is
 *    probed (cgroup_v1_probe_features), as runc does.  throttle{Read,Write}{Bps,IOPS}Device
 *    -> blkio.throttle.{read,write}_{bps,iops}_device, one "MAJ:MIN N" write per device, in
 *    the order given.  0 is unset for the weights.
 *  - hugepageLimits -> hugetlb.<size>.limit_in_bytes and ?hugetlb.<size>.rsvd.limit_in_bytes
 *    (kernels >= 5.7), both with the limit.
 *  - network.classID -> net_cls.classid (decimal); network.priorities -> net_prio.ifpriomap,
 *    one "IFNAME PRIO" write per interface.
 *  - rdma -> rdma.max, "DEV hca_handle=N hca_object=M" per device (same format as v2).
 *  - unified: last, each non-empty line of a value a write of its own, the key marked with
 *    CGROUP_V1_UNIFIED: the manager writes it in the cgroup2 hierarchy of a hybrid host when
 *    that hierarchy holds the file's controller (or it is a core file, cgroup.*), and refuses
 *    it naming the key otherwise, and on a host without cgroup2 ("unified resources are only
 *    supported on cgroup v2").
 *  - devices: not written here (the devices hierarchy needs its own allow/deny program).
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "barco/error.h"
#include "barco/spec.h"

/* Marks a list key for the cgroup2 hierarchy (linux.resources.unified); after the mark the
 * file name, never with CGROUP_V2_OPTIONAL. */
#define CGROUP_V1_UNIFIED '@'

typedef enum cgroup_v1_blkio_weight {
	CGROUP_V1_WEIGHT_CFQ,  /* blkio.weight, blkio.weight_device, blkio.leaf_weight* */
	CGROUP_V1_WEIGHT_BFQ,  /* blkio.bfq.weight, blkio.bfq.weight_device */
	CGROUP_V1_WEIGHT_NONE, /* neither: no proportional-weight I/O scheduler */
} cgroup_v1_blkio_weight_t;

/* What the target cgroup offers, where the list depends on it. */
typedef struct cgroup_v1_features {
	cgroup_v1_blkio_weight_t blkio_weight;
} cgroup_v1_features_t;

/* The ordered list of writes; *out is freed with cgroup_v2_kv_free.  Errors name the JSON
 * path (linux.resources.blockIO.weight: 5 is outside 10..1000).  The plain form assumes
 * CFQ's weight files (the names the list then has are the legacy ones runc falls back to). */
int cgroup_v1_resource_files(const bc_resources_t *r, bc_kv_t **out, size_t *n, bc_error_t **err);
int cgroup_v1_resource_files_for(const bc_resources_t *r, const cgroup_v1_features_t *features,
				 bc_kv_t **out, size_t *n, bc_error_t **err);

/* Fill *features from the container's cgroup in the blkio hierarchy: blkio.weight (CFQ),
 * else blkio.bfq.weight (BFQ), else none. */
int cgroup_v1_probe_features(int blkio_dirfd, cgroup_v1_features_t *features, bc_error_t **err);

/* The controller owning a list key ("?memory.memsw.limit_in_bytes" -> "memory"); malloc'd.
 * For a CGROUP_V1_UNIFIED key: the cgroup v2 controller of the file, or NULL for a core
 * file (cgroup.*, *.pressure, cpu.stat) that every cgroup2 directory has. */
char *cgroup_v1_file_controller(const char *key);

/* Whether a list key goes to the cgroup2 hierarchy (CGROUP_V1_UNIFIED). */
bool cgroup_v1_key_is_unified(const char *key);
/* The file a list key names, without CGROUP_V1_UNIFIED or CGROUP_V2_OPTIONAL. */
const char *cgroup_v1_file_name(const char *key);

#endif
