/* SPDX-License-Identifier: MIT */
#ifndef BARCO_CGROUP_V1_H
#define BARCO_CGROUP_V1_H

/*
 * cgroup v1 conversions, L2, pure: linux.resources in, an ordered list of (file, value)
 * writes out.  A file belongs to the hierarchy of the controller its name starts with
 * (cgroup_v1_file_controller: "memory.limit_in_bytes" -> "memory"); the manager (cgroup.h)
 * writes each entry in the cgroup of that hierarchy with cgroup_v2_write_files, which knows
 * nothing v2-specific but the CGROUP_V2_OPTIONAL ('?') mark for files that may be absent.
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
 *  - devices: not written here (the devices hierarchy needs its own allow/deny program);
 *    blockIO, hugepageLimits, network, rdma and unified: refused, not yet supported.
 */

#include <stddef.h>
#include <stdint.h>

#include "barco/error.h"
#include "barco/spec.h"

/* The ordered list of writes; *out is freed with cgroup_v2_kv_free. */
int cgroup_v1_resource_files(const bc_resources_t *r, bc_kv_t **out, size_t *n, bc_error_t **err);

/* The controller owning a list key ("?memory.memsw.limit_in_bytes" -> "memory"); malloc'd. */
char *cgroup_v1_file_controller(const char *key);

#endif
