/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

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

static int check_dev(const char *what, size_t i, int64_t major, int64_t minor, bc_error_t **err)
{
	if (major < 0 || minor < 0 || major > UINT32_MAX || minor > UINT32_MAX)
		return bc_error_set(err, 0,
				    RES ".blockIO.%s[%zu]: invalid device %" PRId64 ":%" PRId64,
				    what, i, major, minor);
	return 0;
}

static char *dev_value(int64_t major, int64_t minor, uint64_t v)
{
	return bc_xasprintf("%" PRId64 ":%" PRId64 " %" PRIu64, major, minor, v);
}

/* The weight files of the scheduler the cgroup has: CFQ's (10..1000, leaf weights too) or
 * BFQ's (1..1000, no leaf weights). */
static int weight_files(const bc_block_io_t *b, cgroup_v1_blkio_weight_t kind, cgroup_kvlist_t *l,
			bc_error_t **err)
{
	bool bfq = kind == CGROUP_V1_WEIGHT_BFQ;
	unsigned int lo = bfq ? 1 : 10;
	const char *weight = bfq ? "blkio.bfq.weight" : "blkio.weight";
	const char *weight_dev = bfq ? "blkio.bfq.weight_device" : "blkio.weight_device";
	bool any_weight = b->has_weight && b->weight != 0;
	bool any_leaf = b->has_leaf_weight && b->leaf_weight != 0;

	for (size_t i = 0; i < b->n_weight_device; i++) {
		any_weight |= b->weight_device[i].has_weight && b->weight_device[i].weight != 0;
		any_leaf |=
		    b->weight_device[i].has_leaf_weight && b->weight_device[i].leaf_weight != 0;
	}
	if ((any_weight || any_leaf) && kind == CGROUP_V1_WEIGHT_NONE)
		return bc_error_set(err, 0,
				    RES ".blockIO: I/O weights are not supported by this kernel "
					"(the blkio cgroup has neither blkio.weight nor "
					"blkio.bfq.weight: is the BFQ I/O scheduler available?)");
	if (any_leaf && bfq)
		return bc_error_set(err, 0,
				    RES ".blockIO.leafWeight: not supported by the BFQ I/O "
					"scheduler (no blkio.leaf_weight; CFQ had it)");
	if (b->has_weight && b->weight != 0) {
		if (b->weight < lo || b->weight > 1000)
			return bc_error_set(err, 0, RES ".blockIO.weight: %u is outside %u..1000",
					    (unsigned int)b->weight, lo);
		cgroup_kvlist_add(l, weight, bc_xasprintf("%u", (unsigned int)b->weight));
	}
	if (b->has_leaf_weight && b->leaf_weight != 0) {
		if (b->leaf_weight < 10 || b->leaf_weight > 1000)
			return bc_error_set(err, 0,
					    RES ".blockIO.leafWeight: %u is outside 10..1000",
					    (unsigned int)b->leaf_weight);
		cgroup_kvlist_add(l, "blkio.leaf_weight",
				  bc_xasprintf("%u", (unsigned int)b->leaf_weight));
	}
	for (size_t i = 0; i < b->n_weight_device; i++) {
		const bc_weight_device_t *d = &b->weight_device[i];

		if (check_dev("weightDevice", i, d->major, d->minor, err) < 0)
			return -1;
		if (d->has_weight && d->weight != 0) {
			if (d->weight < lo || d->weight > 1000)
				return bc_error_set(err, 0,
						    RES ".blockIO.weightDevice[%zu].weight: %u is "
							"outside %u..1000",
						    i, (unsigned int)d->weight, lo);
			cgroup_kvlist_add(l, weight_dev, dev_value(d->major, d->minor, d->weight));
		}
		if (d->has_leaf_weight && d->leaf_weight != 0) {
			if (d->leaf_weight < 10 || d->leaf_weight > 1000)
				return bc_error_set(err, 0,
						    RES ".blockIO.weightDevice[%zu].leafWeight: %u "
							"is outside 10..1000",
						    i, (unsigned int)d->leaf_weight);
			cgroup_kvlist_add(l, "blkio.leaf_weight_device",
					  dev_value(d->major, d->minor, d->leaf_weight));
		}
	}
	return 0;
}

/* One write per device: the throttle files take a single "MAJ:MIN N" record per write. */
static int throttle_files(const bc_block_io_t *b, cgroup_kvlist_t *l, bc_error_t **err)
{
	static const char *const files[4] = {
	    "blkio.throttle.read_bps_device", "blkio.throttle.write_bps_device",
	    "blkio.throttle.read_iops_device", "blkio.throttle.write_iops_device"};
	static const char *const names[4] = {"throttleReadBpsDevice", "throttleWriteBpsDevice",
					     "throttleReadIOPSDevice", "throttleWriteIOPSDevice"};
	const bc_throttle_device_t *lists[4] = {b->throttle_read_bps, b->throttle_write_bps,
						b->throttle_read_iops, b->throttle_write_iops};
	const size_t counts[4] = {b->n_throttle_read_bps, b->n_throttle_write_bps,
				  b->n_throttle_read_iops, b->n_throttle_write_iops};

	for (size_t k = 0; k < 4; k++) {
		for (size_t i = 0; i < counts[k]; i++) {
			const bc_throttle_device_t *t = &lists[k][i];

			if (check_dev(names[k], i, t->major, t->minor, err) < 0)
				return -1;
			cgroup_kvlist_add(l, files[k], dev_value(t->major, t->minor, t->rate));
		}
	}
	return 0;
}

static int hugetlb_files(const bc_resources_t *r, cgroup_kvlist_t *l, bc_error_t **err)
{
	for (size_t i = 0; i < r->n_hugepage_limits; i++) {
		const bc_hugepage_limit_t *h = &r->hugepage_limits[i];
		cleanup_free char *key = NULL;
		cleanup_free char *rsvd = NULL;

		if (h->page_size == NULL || !cgroup_hugetlb_page_size_ok(h->page_size))
			return bc_error_set(err, 0,
					    RES ".hugepageLimits[%zu].pageSize: invalid page size "
						"\"%s\" (expected e.g. 2MB, 1GB, 64KB)",
					    i, h->page_size ? h->page_size : "");
		key = bc_xasprintf("hugetlb.%s.limit_in_bytes", h->page_size);
		rsvd = bc_xasprintf("?hugetlb.%s.rsvd.limit_in_bytes", h->page_size);
		cgroup_kvlist_add(l, key, bc_xasprintf("%" PRIu64, h->limit));
		/* Reservations (mmap MAP_HUGETLB, shmget) are charged apart since 5.7. */
		cgroup_kvlist_add(l, rsvd, bc_xasprintf("%" PRIu64, h->limit));
	}
	return 0;
}

static int network_files(const bc_resources_t *r, cgroup_kvlist_t *l, bc_error_t **err)
{
	if (r->has_net_class_id)
		cgroup_kvlist_add(l, "net_cls.classid", bc_xasprintf("%" PRIu32, r->net_class_id));
	for (size_t i = 0; i < r->n_net_priorities; i++) {
		const bc_net_priority_t *p = &r->net_priorities[i];

		/* IFNAMSIZ - 1, and one record: no blank in the name. */
		if (p->name == NULL || p->name[0] == '\0' || strlen(p->name) > 15 ||
		    strpbrk(p->name, " \t\n/") != NULL)
			return bc_error_set(err, 0,
					    RES ".network.priorities[%zu].name: invalid interface "
						"name \"%s\"",
					    i, p->name ? p->name : "");
		cgroup_kvlist_add(l, "net_prio.ifpriomap",
				  bc_xasprintf("%s %" PRIu32, p->name, p->priority));
	}
	return 0;
}

static int unified_files(const bc_resources_t *r, cgroup_kvlist_t *l, bc_error_t **err)
{
	for (size_t i = 0; i < r->n_unified; i++) {
		const bc_kv_t *u = &r->unified[i];
		cleanup_free char *key = NULL;

		/* The spec parser checked the names; this keeps the writer in the directory and
		 * the marks unambiguous. */
		if (u->key == NULL || u->key[0] == '\0' || u->key[0] == CGROUP_V2_OPTIONAL ||
		    u->key[0] == CGROUP_V1_UNIFIED || strchr(u->key, '/') != NULL)
			return bc_error_set(err, 0, RES ".unified: invalid key \"%s\"",
					    u->key ? u->key : "");
		key = bc_xasprintf("%c%s", CGROUP_V1_UNIFIED, u->key);
		for (const char *p = u->value ? u->value : ""; *p != '\0';) {
			size_t len = strcspn(p, "\n");

			if (len > 0)
				cgroup_kvlist_add(l, key, bc_xstrndup(p, len));
			p += len + (p[len] == '\n');
		}
	}
	return 0;
}

int cgroup_v1_resource_files_for(const bc_resources_t *r, const cgroup_v1_features_t *features,
				 bc_kv_t **out, size_t *n, bc_error_t **err)
{
	cgroup_v1_blkio_weight_t kind = features ? features->blkio_weight : CGROUP_V1_WEIGHT_CFQ;
	cgroup_kvlist_t l = {0};
	int ret = 0;

	*out = NULL;
	*n = 0;
	if (r == NULL)
		return 0;
	if (r->memory != NULL)
		ret = memory_files(r->memory, &l, err);
	if (ret == 0 && r->cpu != NULL)
		ret = cpu_files(r->cpu, &l, err);
	if (ret == 0 && r->has_pids_limit)
		cgroup_kvlist_add(&l, "pids.max", cgroup_v2_max_value(r->pids_limit));
	if (ret == 0 && r->block_io != NULL) {
		ret = weight_files(r->block_io, kind, &l, err);
		if (ret == 0)
			ret = throttle_files(r->block_io, &l, err);
	}
	if (ret == 0)
		ret = hugetlb_files(r, &l, err);
	if (ret == 0)
		ret = network_files(r, &l, err);
	if (ret == 0)
		ret = cgroup_rdma_files(r, &l, err);
	if (ret == 0)
		ret = unified_files(r, &l, err);
	if (ret < 0) {
		cgroup_v2_kv_free(l.v, l.n);
		return -1;
	}
	if (r->n_devices > 0)
		bc_debug("cgroup: linux.resources.devices are applied by the devices controller");
	*out = l.v;
	*n = l.n;
	return 0;
}

int cgroup_v1_resource_files(const bc_resources_t *r, bc_kv_t **out, size_t *n, bc_error_t **err)
{
	return cgroup_v1_resource_files_for(r, NULL, out, n, err);
}

int cgroup_v1_probe_features(int blkio_dirfd, cgroup_v1_features_t *features, bc_error_t **err)
{
	static const struct {
		const char *file;
		cgroup_v1_blkio_weight_t kind;
	} probes[] = {{"blkio.weight", CGROUP_V1_WEIGHT_CFQ},
		      {"blkio.bfq.weight", CGROUP_V1_WEIGHT_BFQ}};

	features->blkio_weight = CGROUP_V1_WEIGHT_NONE;
	for (size_t i = 0; i < BC_ARRAY_SIZE(probes); i++) {
		struct stat st;

		if (fstatat(blkio_dirfd, probes[i].file, &st, AT_SYMLINK_NOFOLLOW) == 0) {
			if (!S_ISREG(st.st_mode))
				continue;
			features->blkio_weight = probes[i].kind;
			return 0;
		}
		if (errno != ENOENT)
			return bc_error_errno(err, "cgroup: stat %s", probes[i].file);
	}
	return 0;
}

bool cgroup_v1_key_is_unified(const char *key)
{
	return key[0] == CGROUP_V1_UNIFIED;
}

const char *cgroup_v1_file_name(const char *key)
{
	return cgroup_v1_key_is_unified(key) ? key + 1 : cgroup_v2_file_name(key);
}

char *cgroup_v1_file_controller(const char *key)
{
	const char *name = cgroup_v1_file_name(key);
	const char *dot = strchr(name, '.');

	if (cgroup_v1_key_is_unified(key)) {
		/* The cgroup v2 rules: core files belong to no controller. */
		bc_kv_t kv = {.key = (char *)name, .value = (char *)""};
		char **ctls = NULL;
		char *ctl = NULL;

		if (cgroup_v2_needed_controllers(&kv, 1, &ctls) == 1)
			ctl = bc_xstrdup(ctls[0]);
		bc_strv_free(ctls);
		return ctl;
	}
	return dot ? bc_xstrndup(name, (size_t)(dot - name)) : bc_xstrdup(name);
}
