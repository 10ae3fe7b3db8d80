/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "barco/cgroup_v2.h"
#include "barco/log.h"
#include "barco/util.h"

#define RES "linux.resources"

/* Kernel limits the cpu controller enforces on cpu.max (kernel/sched/core.c). */
#define CPU_PERIOD_MIN	   1000ULL
#define CPU_PERIOD_MAX	   1000000ULL
#define CPU_QUOTA_MIN	   1000LL
#define CPU_PERIOD_DEFAULT 100000ULL

/* ---- conversions ---- */

uint64_t cgroup_v2_cpu_shares_to_weight(uint64_t shares)
{
	if (shares == 0)
		return 0;
	/* v1 clamps shares to 2..262144 (MIN_SHARES..MAX_SHARES); do the same before runc's
	 * linear map, so 1 does not wrap around and a huge value stays within cpu.weight. */
	if (shares < 2)
		shares = 2;
	if (shares > 262144)
		shares = 262144;
	return 1 + ((shares - 2) * 9999) / 262142;
}

uint64_t cgroup_v2_blkio_weight_to_io_weight(uint16_t w)
{
	if (w == 0)
		return 0;
	if (w < 10)
		w = 10;
	if (w > 1000)
		w = 1000;
	return 1 + ((uint64_t)w - 10) * 9999 / 990;
}

char *cgroup_v2_max_value(int64_t v)
{
	if (v < 0)
		return bc_xstrdup("max");
	return bc_xasprintf("%" PRId64, v);
}

char *cgroup_v2_cpu_max(int64_t quota, uint64_t period)
{
	if (period == 0)
		period = CPU_PERIOD_DEFAULT;
	if (quota <= 0)
		return bc_xasprintf("max %" PRIu64, period);
	return bc_xasprintf("%" PRId64 " %" PRIu64, quota, period);
}

int cgroup_v2_memory_swap_max(int64_t limit, int64_t swap, char **out, bc_error_t **err)
{
	*out = NULL;
	/* Unlimited memory with swap unset means unlimited swap too, as v1's memsw did. */
	if (limit == -1 && swap == 0) {
		*out = bc_xstrdup("max");
		return 0;
	}
	if (swap == 0)
		return 0;
	if (swap == -1) {
		*out = bc_xstrdup("max");
		return 0;
	}
	if (swap < -1)
		return bc_error_set(err, 0, RES ".memory.swap: invalid value %" PRId64, swap);
	if (limit <= 0)
		return bc_error_set(err, 0,
				    RES ".memory.swap: a swap limit needs a memory limit "
					"(linux.resources.memory.limit)");
	if (swap < limit)
		return bc_error_set(err, 0,
				    RES ".memory.swap: memory+swap limit %" PRId64
					" is below the memory limit %" PRId64,
				    swap, limit);
	*out = bc_xasprintf("%" PRId64, swap - limit);
	return 0;
}

/* ---- the list ---- */

typedef cgroup_kvlist_t kvlist_t;

static void kvlist_add_owned(kvlist_t *l, char *key, char *value)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 16;
		l->v = bc_xrealloc(l->v, l->cap * sizeof(*l->v));
	}
	l->v[l->n].key = key;
	l->v[l->n].value = value;
	l->n++;
}

void cgroup_kvlist_add(cgroup_kvlist_t *l, const char *key, char *value)
{
	kvlist_add_owned(l, bc_xstrdup(key), value);
}

int cgroup_check_cpu_period_quota(const bc_cpu_t *c, bc_error_t **err)
{
	int64_t quota = c->has_quota ? c->quota : 0;
	uint64_t period = c->has_period ? c->period : 0;

	if (period != 0 && (period < CPU_PERIOD_MIN || period > CPU_PERIOD_MAX))
		return bc_error_set(
		    err, 0, RES ".cpu.period: %" PRIu64 " is outside 1000..1000000 (us)", period);
	if (quota > 0 && quota < CPU_QUOTA_MIN)
		return bc_error_set(
		    err, 0, RES ".cpu.quota: %" PRId64 " is below the minimum 1000 (us)", quota);
	return 0;
}

void cgroup_v2_kv_free(bc_kv_t *kv, size_t n)
{
	for (size_t i = 0; kv != NULL && i < n; i++) {
		free(kv[i].key);
		free(kv[i].value);
	}
	free(kv);
}

static int memory_files(const bc_memory_t *m, kvlist_t *l, bc_error_t **err)
{
	int64_t limit = m->has_limit ? m->limit : 0;
	int64_t swap = m->has_swap ? m->swap : 0;
	int64_t reservation = m->has_reservation ? m->reservation : 0;
	char *swap_max = NULL;

	if (limit < -1)
		return bc_error_set(err, 0, RES ".memory.limit: invalid value %" PRId64, limit);
	if (reservation < -1)
		return bc_error_set(err, 0, RES ".memory.reservation: invalid value %" PRId64,
				    reservation);
	if (m->has_swappiness)
		return bc_error_set(err, 0,
				    RES ".memory.swappiness: not supported on cgroup v2 "
					"(no per-cgroup swappiness file)");
	if (m->has_disable_oom_killer && m->disable_oom_killer)
		return bc_error_set(err, 0,
				    RES ".memory.disableOOMKiller: not supported on cgroup v2 "
					"(no memory.oom_control)");
	if (m->has_use_hierarchy && !m->use_hierarchy)
		return bc_error_set(err, 0,
				    RES ".memory.useHierarchy: cgroup v2 is always hierarchical");
	if (cgroup_v2_memory_swap_max(limit, swap, &swap_max, err) < 0)
		return -1;
	if (swap_max != NULL) {
		/* Without swap accounting the file is missing; "max" and "0" then ask for what
		 * the kernel already does (runc ignores the ENOENT for those two). */
		bool optional = strcmp(swap_max, "max") == 0 || strcmp(swap_max, "0") == 0;
		cgroup_kvlist_add(l, optional ? "?memory.swap.max" : "memory.swap.max", swap_max);
	}
	if (limit != 0)
		cgroup_kvlist_add(l, "memory.max", cgroup_v2_max_value(limit));
	if (reservation != 0)
		cgroup_kvlist_add(l, "memory.low", cgroup_v2_max_value(reservation));
	return 0;
}

static int cpu_files(const bc_cpu_t *c, kvlist_t *l, bc_error_t **err)
{
	int64_t quota = c->has_quota ? c->quota : 0;
	uint64_t period = c->has_period ? c->period : 0;
	uint64_t shares = c->has_shares ? c->shares : 0;

	if (c->has_realtime_runtime && c->realtime_runtime != 0)
		return bc_error_set(err, 0,
				    RES
				    ".cpu.realtimeRuntime: realtime CPU limits are not supported "
				    "on cgroup v2 (no cpu.rt_runtime_us)");
	if (c->has_realtime_period && c->realtime_period != 0)
		return bc_error_set(err, 0,
				    RES
				    ".cpu.realtimePeriod: realtime CPU limits are not supported "
				    "on cgroup v2 (no cpu.rt_period_us)");
	if (c->has_idle && c->idle != 0 && c->idle != 1)
		return bc_error_set(err, 0, RES ".cpu.idle: %" PRId64 " is not 0 or 1", c->idle);
	/* The kernel refuses a weight on an idle group (EINVAL from cpu.weight). */
	if (c->has_idle && c->idle == 1 && shares != 0)
		return bc_error_set(err, 0, RES ".cpu.shares: cannot be set with cpu.idle 1");
	if (cgroup_check_cpu_period_quota(c, err) < 0)
		return -1;
	if (c->has_burst && quota > 0 && c->burst > (uint64_t)quota)
		return bc_error_set(err, 0,
				    RES ".cpu.burst: %" PRIu64 " is larger than quota %" PRId64,
				    c->burst, quota);

	if (c->has_idle)
		cgroup_kvlist_add(l, "cpu.idle", bc_xasprintf("%" PRId64, c->idle));
	if (shares != 0)
		cgroup_kvlist_add(l, "cpu.weight",
				  bc_xasprintf("%" PRIu64, cgroup_v2_cpu_shares_to_weight(shares)));
	/* Quota before burst: a fresh cgroup has quota "max", and the kernel checks
	 * burst <= quota whenever either is written. */
	if (quota != 0 || period != 0)
		cgroup_kvlist_add(l, "cpu.max", cgroup_v2_cpu_max(quota, period));
	if (c->has_burst)
		cgroup_kvlist_add(l, "cpu.max.burst", bc_xasprintf("%" PRIu64, c->burst));
	if (c->cpus != NULL)
		cgroup_kvlist_add(l, "cpuset.cpus", bc_xstrdup(c->cpus));
	if (c->mems != NULL)
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

static int weight_files(const bc_block_io_t *b, const cgroup_v2_features_t *f, kvlist_t *l,
			bc_error_t **err)
{
	/* BFQ takes 1..1000 as is; io.weight gets runc's map from the v1 range 10..1000. */
	unsigned int lo = f->io_bfq_weight ? 1 : 10;

	if (b->has_leaf_weight && b->leaf_weight != 0)
		return bc_error_set(err, 0,
				    RES ".blockIO.leafWeight: not supported on cgroup v2 "
					"(processes live only in leaf cgroups)");
	if (b->has_weight && b->weight != 0) {
		if (b->weight < lo || b->weight > 1000)
			return bc_error_set(err, 0, RES ".blockIO.weight: %u is outside %u..1000",
					    (unsigned int)b->weight, lo);
		if (f->io_bfq_weight)
			cgroup_kvlist_add(l, "io.bfq.weight",
					  bc_xasprintf("%u", (unsigned int)b->weight));
		else
			cgroup_kvlist_add(
			    l, "io.weight",
			    bc_xasprintf("%" PRIu64,
					 cgroup_v2_blkio_weight_to_io_weight(b->weight)));
	}
	for (size_t i = 0; i < b->n_weight_device; i++) {
		const bc_weight_device_t *d = &b->weight_device[i];
		uint64_t w;

		if (check_dev("weightDevice", i, d->major, d->minor, err) < 0)
			return -1;
		if (!d->has_weight)
			return bc_error_set(err, 0,
					    RES
					    ".blockIO.weightDevice[%zu]: only leafWeight is set, "
					    "which has no cgroup v2 equivalent",
					    i);
		if (d->weight < lo || d->weight > 1000)
			return bc_error_set(err, 0,
					    RES ".blockIO.weightDevice[%zu].weight: %u is outside "
						"%u..1000",
					    i, (unsigned int)d->weight, lo);
		w = f->io_bfq_weight ? d->weight : cgroup_v2_blkio_weight_to_io_weight(d->weight);
		cgroup_kvlist_add(
		    l, f->io_bfq_weight ? "io.bfq.weight" : "io.weight",
		    bc_xasprintf("%" PRId64 ":%" PRId64 " %" PRIu64, d->major, d->minor, w));
	}
	return 0;
}

/* One io.max line per device, merging the four throttle lists. */
struct io_max_dev {
	int64_t major, minor;
	bool has[4];
	uint64_t rate[4];
};

static int throttle_files(const bc_block_io_t *b, kvlist_t *l, bc_error_t **err)
{
	static const char *const keys[4] = {"rbps", "wbps", "riops", "wiops"};
	static const char *const names[4] = {"throttleReadBpsDevice", "throttleWriteBpsDevice",
					     "throttleReadIOPSDevice", "throttleWriteIOPSDevice"};
	const bc_throttle_device_t *lists[4] = {b->throttle_read_bps, b->throttle_write_bps,
						b->throttle_read_iops, b->throttle_write_iops};
	const size_t counts[4] = {b->n_throttle_read_bps, b->n_throttle_write_bps,
				  b->n_throttle_read_iops, b->n_throttle_write_iops};
	cleanup_free struct io_max_dev *devs = NULL;
	size_t ndevs = 0, total = counts[0] + counts[1] + counts[2] + counts[3];

	if (total == 0)
		return 0;
	devs = bc_xcalloc(total, sizeof(*devs));
	for (size_t k = 0; k < 4; k++) {
		for (size_t i = 0; i < counts[k]; i++) {
			const bc_throttle_device_t *t = &lists[k][i];
			size_t j;

			if (check_dev(names[k], i, t->major, t->minor, err) < 0)
				return -1;
			for (j = 0; j < ndevs; j++)
				if (devs[j].major == t->major && devs[j].minor == t->minor)
					break;
			if (j == ndevs) {
				devs[j].major = t->major;
				devs[j].minor = t->minor;
				ndevs++;
			}
			devs[j].has[k] = true;
			devs[j].rate[k] = t->rate; /* a repeated device: the last entry wins */
		}
	}
	for (size_t j = 0; j < ndevs; j++) {
		char *line = bc_xasprintf("%" PRId64 ":%" PRId64, devs[j].major, devs[j].minor);

		for (size_t k = 0; k < 4; k++) {
			if (!devs[j].has[k])
				continue;
			char *next = bc_xasprintf("%s %s=%" PRIu64, line, keys[k], devs[j].rate[k]);
			free(line);
			line = next;
		}
		cgroup_kvlist_add(l, "io.max", line);
	}
	return 0;
}

bool cgroup_hugetlb_page_size_ok(const char *s)
{
	size_t digits = strspn(s, "0123456789");

	if (digits == 0 || s[0] == '0')
		return false;
	return strcmp(s + digits, "KB") == 0 || strcmp(s + digits, "MB") == 0 ||
	       strcmp(s + digits, "GB") == 0;
}

static int hugetlb_files(const bc_resources_t *r, kvlist_t *l, bc_error_t **err)
{
	for (size_t i = 0; i < r->n_hugepage_limits; i++) {
		const bc_hugepage_limit_t *h = &r->hugepage_limits[i];

		if (h->page_size == NULL || !cgroup_hugetlb_page_size_ok(h->page_size))
			return bc_error_set(err, 0,
					    RES ".hugepageLimits[%zu].pageSize: invalid page size "
						"\"%s\" (expected e.g. 2MB, 1GB, 64KB)",
					    i, h->page_size ? h->page_size : "");
		kvlist_add_owned(l, bc_xasprintf("hugetlb.%s.max", h->page_size),
				 bc_xasprintf("%" PRIu64, h->limit));
		kvlist_add_owned(
		    l, bc_xasprintf("%chugetlb.%s.rsvd.max", CGROUP_V2_OPTIONAL, h->page_size),
		    bc_xasprintf("%" PRIu64, h->limit));
	}
	return 0;
}

int cgroup_rdma_files(const bc_resources_t *r, cgroup_kvlist_t *l, bc_error_t **err)
{
	for (size_t i = 0; i < r->n_rdma; i++) {
		const bc_rdma_limit_t *d = &r->rdma[i];
		char handles[32] = "", objects[32] = "";

		if (d->device == NULL || d->device[0] == '\0' ||
		    strpbrk(d->device, " \t\n=") != NULL)
			return bc_error_set(err, 0, RES ".rdma: invalid device name \"%s\"",
					    d->device ? d->device : "");
		if (!d->has_hca_handles && !d->has_hca_objects)
			return bc_error_set(
			    err, 0, RES ".rdma.%s: neither hcaHandles nor hcaObjects is set",
			    d->device);
		if (d->has_hca_handles)
			snprintf(handles, sizeof(handles), " hca_handle=%" PRIu32, d->hca_handles);
		if (d->has_hca_objects)
			snprintf(objects, sizeof(objects), " hca_object=%" PRIu32, d->hca_objects);
		cgroup_kvlist_add(l, "rdma.max",
				  bc_xasprintf("%s%s%s", d->device, handles, objects));
	}
	return 0;
}

static int unified_files(const bc_resources_t *r, kvlist_t *l, bc_error_t **err)
{
	for (size_t i = 0; i < r->n_unified; i++) {
		const bc_kv_t *u = &r->unified[i];
		const char *p;

		/* The keys were validated with the spec; this only keeps the writer inside the
		 * cgroup directory and the optional mark unambiguous. */
		if (u->key == NULL || u->key[0] == '\0' || u->key[0] == CGROUP_V2_OPTIONAL ||
		    strchr(u->key, '/') != NULL)
			return bc_error_set(err, 0, RES ".unified: invalid key \"%s\"",
					    u->key ? u->key : "");
		for (p = u->value ? u->value : ""; *p != '\0';) {
			size_t len = strcspn(p, "\n");

			if (len > 0)
				cgroup_kvlist_add(l, u->key, bc_xstrndup(p, len));
			p += len;
			if (*p == '\n')
				p++;
		}
	}
	return 0;
}

int cgroup_v2_resource_files_for(const bc_resources_t *r, const cgroup_v2_features_t *features,
				 bc_kv_t **out, size_t *n, bc_error_t **err)
{
	static const cgroup_v2_features_t none = {0};
	kvlist_t l = {0};
	int ret = 0;

	*out = NULL;
	*n = 0;
	if (r == NULL)
		return 0;
	if (features == NULL)
		features = &none;
	if (r->has_net_class_id)
		ret = bc_error_set(err, 0,
				   RES ".network.classID: not supported on cgroup v2 (no net_cls)");
	else if (r->n_net_priorities > 0)
		ret = bc_error_set(
		    err, 0, RES ".network.priorities: not supported on cgroup v2 (no net_prio)");
	if (ret == 0 && r->memory != NULL)
		ret = memory_files(r->memory, &l, err);
	if (ret == 0 && r->cpu != NULL)
		ret = cpu_files(r->cpu, &l, err);
	if (ret == 0 && r->has_pids_limit)
		cgroup_kvlist_add(&l, "pids.max", cgroup_v2_max_value(r->pids_limit));
	if (ret == 0 && r->block_io != NULL) {
		ret = weight_files(r->block_io, features, &l, err);
		if (ret == 0)
			ret = throttle_files(r->block_io, &l, err);
	}
	if (ret == 0)
		ret = hugetlb_files(r, &l, err);
	if (ret == 0)
		ret = cgroup_rdma_files(r, &l, err);
	if (ret == 0)
		ret = unified_files(r, &l, err);
	if (ret < 0) {
		cgroup_v2_kv_free(l.v, l.n);
		return -1;
	}
	*out = l.v;
	*n = l.n;
	return 0;
}

int cgroup_v2_resource_files(const bc_resources_t *r, bc_kv_t **out, size_t *n, bc_error_t **err)
{
	return cgroup_v2_resource_files_for(r, NULL, out, n, err);
}

int cgroup_v2_probe_features(int dirfd, cgroup_v2_features_t *features, bc_error_t **err)
{
	struct stat st;

	*features = (cgroup_v2_features_t){0};
	if (fstatat(dirfd, "io.bfq.weight", &st, AT_SYMLINK_NOFOLLOW) == 0)
		features->io_bfq_weight = S_ISREG(st.st_mode);
	else if (errno != ENOENT)
		return bc_error_errno(err, "cgroup: stat io.bfq.weight");
	return 0;
}

const char *cgroup_v2_file_name(const char *key)
{
	return key[0] == CGROUP_V2_OPTIONAL ? key + 1 : key;
}

/* Controller that owns a file, or NULL for core files. */
static char *file_controller(const char *name)
{
	const char *dot = strchr(name, '.');
	size_t len;

	if (dot == NULL || dot == name)
		return NULL;
	len = (size_t)(dot - name);
	if (len == 6 && strncmp(name, "cgroup", 6) == 0)
		return NULL;
	/* PSI files and cpu.stat exist in every cgroup, whatever is enabled. */
	if (strcmp(dot, ".pressure") == 0 || strcmp(name, "cpu.stat") == 0 ||
	    strcmp(name, "cpu.stat.local") == 0)
		return NULL;
	return bc_xstrndup(name, len);
}

int cgroup_v2_needed_controllers(const bc_kv_t *kv, size_t n, char ***out)
{
	char **v = bc_xcalloc(n + 1, sizeof(*v));
	size_t count = 0;

	for (size_t i = 0; i < n; i++) {
		char *c = file_controller(cgroup_v2_file_name(kv[i].key));
		bool seen = false;

		if (c == NULL)
			continue;
		for (size_t j = 0; j < count && !seen; j++)
			seen = strcmp(v[j], c) == 0;
		if (seen)
			free(c);
		else
			v[count++] = c;
	}
	*out = v;
	return (int)count;
}

static int write_one(int dirfd, const char *key, const char *value, bc_error_t **err)
{
	const char *name = cgroup_v2_file_name(key);
	size_t len = strlen(value);
	cleanup_close int fd = -1;
	ssize_t w;

	fd = openat(dirfd, name, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		cleanup_free char *ctl = NULL;
		int e = errno;

		if (e == ENOENT && key[0] == CGROUP_V2_OPTIONAL) {
			bc_debug("cgroup: %s is absent, not writing \"%s\"", name, value);
			return 0;
		}
		ctl = file_controller(name);
		if (e == ENOENT && ctl != NULL)
			return bc_error_set_code(err, e,
						 "cgroup: write \"%s\" to %s: %s (is the %s "
						 "controller enabled for this cgroup?)",
						 value, name, strerror(e), ctl);
		return bc_error_set(err, e, "cgroup: write \"%s\" to %s", value, name);
	}
	/* A cgroup file takes one record per write(): never split the value. */
	do
		w = write(fd, value, len);
	while (w < 0 && errno == EINTR);
	if (w < 0)
		return bc_error_errno(err, "cgroup: write \"%s\" to %s", value, name);
	if ((size_t)w != len)
		return bc_error_set(err, EIO, "cgroup: write \"%s\" to %s: short write", value,
				    name);
	return 0;
}

int cgroup_v2_write_files(int dirfd, const bc_kv_t *kv, size_t n, bc_error_t **err)
{
	for (size_t i = 0; i < n; i++)
		if (write_one(dirfd, kv[i].key, kv[i].value, err) < 0)
			return -1;
	return 0;
}

int cgroup_v2_check_memory_update(const bc_memory_t *m, uint64_t current, uint64_t swap_current,
				  bc_error_t **err)
{
	if (m == NULL || !m->has_check_before_update || !m->check_before_update)
		return 0;
	if (m->has_limit && m->limit > 0 && current >= (uint64_t)m->limit)
		return bc_error_set(err, 0,
				    RES ".memory.limit: rejecting memory limit %" PRId64
					" below usage %" PRIu64 " (checkBeforeUpdate)",
				    m->limit, current);
	if (m->has_swap && m->swap > 0 && current + swap_current >= (uint64_t)m->swap)
		return bc_error_set(err, 0,
				    RES ".memory.swap: rejecting memory+swap limit %" PRId64
					" below usage %" PRIu64 " (checkBeforeUpdate)",
				    m->swap, current + swap_current);
	return 0;
}
