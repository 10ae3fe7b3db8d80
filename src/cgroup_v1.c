/* SPDX-License-Identifier: MIT */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "barco/cgroup_v1.h"
#include "barco/cgroup_v2.h"
#include "barco/log.h"
#include "barco/util.h"

#define RES "linux.resources"

static char *num(int64_t v)
{
	return bc_xasprintf("%" PRId64, v);
}

static int memory_files(const bc_memory_t *m, cgroup_kvlist_t *l, bc_error_t **err)
{
	int64_t limit = m->has_limit ? m->limit : 0;
	int64_t swap = m->has_swap ? m->swap : 0;
	int64_t reservation = m->has_reservation ? m->reservation : 0;

	if (limit < -1)
		return bc_error_set(err, 0, RES ".memory.limit: invalid value %" PRId64, limit);
	if (swap < -1)
		return bc_error_set(err, 0, RES ".memory.swap: invalid value %" PRId64, swap);
	if (reservation < -1)
		return bc_error_set(err, 0, RES ".memory.reservation: invalid value %" PRId64,
				    reservation);
	if (swap > 0 && limit <= 0)
		return bc_error_set(err, 0,
				    RES ".memory.swap: a swap limit needs a memory limit "
					"(linux.resources.memory.limit)");
	if (swap > 0 && swap < limit)
		return bc_error_set(err, 0,
				    RES ".memory.swap: memory+swap limit %" PRId64
					" is below the memory limit %" PRId64,
				    swap, limit);
	if (m->has_swappiness && m->swappiness > 100)
		return bc_error_set(err, 0, RES ".memory.swappiness: %" PRIu64 " is outside 0..100",
				    m->swappiness);
	if (m->has_use_hierarchy && !m->use_hierarchy)
		return bc_error_set(err, 0,
				    RES ".memory.useHierarchy: false is not supported (the kernel "
					"is always hierarchical)");
	if (m->has_kernel && m->kernel != 0)
		bc_debug("cgroup: " RES ".memory.kernel is ignored (no kernel memory limit)");

	/* A fresh cgroup has both limits unlimited: memory first, memsw may not go below it. */
	if (limit != 0)
		cgroup_kvlist_add(l, "memory.limit_in_bytes", num(limit));
	if (swap > 0)
		cgroup_kvlist_add(l, "memory.memsw.limit_in_bytes", num(swap));
	else if (swap == -1)
		cgroup_kvlist_add(l, "?memory.memsw.limit_in_bytes", num(-1));
	if (reservation != 0)
		cgroup_kvlist_add(l, "memory.soft_limit_in_bytes", num(reservation));
	if (m->has_kernel_tcp && m->kernel_tcp != 0)
		cgroup_kvlist_add(l, "memory.kmem.tcp.limit_in_bytes", num(m->kernel_tcp));
	if (m->has_swappiness)
		cgroup_kvlist_add(l, "memory.swappiness", bc_xasprintf("%" PRIu64, m->swappiness));
	if (m->has_disable_oom_killer && m->disable_oom_killer)
		cgroup_kvlist_add(l, "memory.oom_control", bc_xstrdup("1"));
	return 0;
}

static int cpu_files(const bc_cpu_t *c, cgroup_kvlist_t *l, bc_error_t **err)
{
	int64_t quota = c->has_quota ? c->quota : 0;
	uint64_t period = c->has_period ? c->period : 0;

	if (cgroup_check_cpu_period_quota(c, err) < 0)
		return -1;
	if (c->has_idle && c->idle != 0 && c->idle != 1)
		return bc_error_set(err, 0, RES ".cpu.idle: %" PRId64 " is not 0 or 1", c->idle);

	if (c->has_shares && c->shares != 0)
		cgroup_kvlist_add(l, "cpu.shares", bc_xasprintf("%" PRIu64, c->shares));
	/* Period first: the kernel checks the quota against the period in force. */
	if (period != 0)
		cgroup_kvlist_add(l, "cpu.cfs_period_us", bc_xasprintf("%" PRIu64, period));
	if (quota != 0)
		cgroup_kvlist_add(l, "cpu.cfs_quota_us", num(quota > 0 ? quota : -1));
	if (c->has_burst)
		cgroup_kvlist_add(l, "cpu.cfs_burst_us", bc_xasprintf("%" PRIu64, c->burst));
	if (c->has_realtime_period && c->realtime_period != 0)
		cgroup_kvlist_add(l, "cpu.rt_period_us",
				  bc_xasprintf("%" PRIu64, c->realtime_period));
	if (c->has_realtime_runtime && c->realtime_runtime != 0)
		cgroup_kvlist_add(l, "cpu.rt_runtime_us", num(c->realtime_runtime));
	if (c->has_idle)
		cgroup_kvlist_add(l, "cpu.idle", num(c->idle));
	if (c->cpus != NULL && *c->cpus)
		cgroup_kvlist_add(l, "cpuset.cpus", bc_xstrdup(c->cpus));
	if (c->mems != NULL && *c->mems)
		cgroup_kvlist_add(l, "cpuset.mems", bc_xstrdup(c->mems));
	return 0;
}

static int unsupported(const bc_resources_t *r, bc_error_t **err)
{
	const char *what = NULL;

	if (r->block_io != NULL)
		what = "blockIO";
	else if (r->n_hugepage_limits > 0)
		what = "hugepageLimits";
	else if (r->has_net_class_id || r->n_net_priorities > 0)
		what = "network";
	else if (r->n_rdma > 0)
		what = "rdma";
	else if (r->n_unified > 0)
		what = "unified";
	if (what == NULL)
		return 0;
	return bc_error_set(err, 0, RES ".%s: not supported yet on a cgroup v1 host", what);
}

int cgroup_v1_resource_files(const bc_resources_t *r, bc_kv_t **out, size_t *n, bc_error_t **err)
{
	cgroup_kvlist_t l = {0};
	int ret = 0;

	*out = NULL;
	*n = 0;
	if (r == NULL)
		return 0;
	ret = unsupported(r, err);
	if (ret == 0 && r->memory != NULL)
		ret = memory_files(r->memory, &l, err);
	if (ret == 0 && r->cpu != NULL)
		ret = cpu_files(r->cpu, &l, err);
	if (ret == 0 && r->has_pids_limit)
		cgroup_kvlist_add(&l, "pids.max",
				  r->pids_limit < 0 ? bc_xstrdup("max") : num(r->pids_limit));
	if (ret < 0) {
		cgroup_v2_kv_free(l.v, l.n);
		return -1;
	}
	if (r->n_devices > 0)
		bc_debug("cgroup: linux.resources.devices is not applied on cgroup v1 yet");
	*out = l.v;
	*n = l.n;
	return 0;
}

char *cgroup_v1_file_controller(const char *key)
{
	const char *name = cgroup_v2_file_name(key);
	const char *dot = strchr(name, '.');

	return dot ? bc_xstrndup(name, (size_t)(dot - name)) : bc_xstrdup(name);
}
