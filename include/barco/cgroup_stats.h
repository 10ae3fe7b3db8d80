/* SPDX-License-Identifier: MIT */
#ifndef BARCO_CGROUP_STATS_H
#define BARCO_CGROUP_STATS_H

/*
 * Container statistics for `events`, L2.  The collector is pure: it asks a source for the
 * text of cgroup files (v1 hierarchies or the v2 cgroup, per controller) and fills a
 * cgroup_stats_t, which cgroup_stats_to_json prints in runc's shape (types/events.go,
 * including Go's omitempty: a zero usage.total, pids.current, ... is left out, while the
 * fields runc always prints, such as cpu.usage.kernel and memory.usage.limit, stay).
 *
 * Where each figure comes from:
 *  - cpu: v2 cpu.stat (usage_usec, user_usec, system_usec, nr_periods, nr_throttled,
 *    throttled_usec; microseconds become nanoseconds); v1 cpuacct.usage,
 *    cpuacct.usage_percpu, cpuacct.stat (user/system in clock ticks -> ns) and the cpu
 *    hierarchy's cpu.stat (nr_periods, nr_throttled, throttled_time in ns).
 *  - memory: v2 memory.current / memory.peak / memory.max ("max" -> 2^64-1, as runc) and
 *    memory.events "max" (times the limit was hit) as usage.failcnt; swap as runc reports
 *    it, memory+swap (memory.swap.current + memory.current; limit likewise unless either
 *    is unlimited); v1 memory.{usage_in_bytes,max_usage_in_bytes,limit_in_bytes,failcnt} and
 *    the same for memory.memsw.*, memory.kmem.*, memory.kmem.tcp.*.  memory.stat is "raw";
 *    "cache" is its "file" (v2) or "cache" (v1) entry.
 *  - pids: pids.current, pids.max ("max" -> no limit, printed as none).
 *  - blkio: v2 io.stat rbytes/wbytes/dbytes -> ioServiceBytesRecursive and rios/wios/dios
 *    -> ioServicedRecursive with ops Read, Write, Discard; v1
 *    blkio.throttle.io_service_bytes_recursive and .io_serviced_recursive (falling back to
 *    the non-recursive files), lines "MAJ:MIN Op N", the "Total" line skipped.
 *  - hugetlb: per page size, v2 hugetlb.SIZE.current and hugetlb.SIZE.events "max" as
 *    failcnt; v1 hugetlb.SIZE.usage_in_bytes, .max_usage_in_bytes, .failcnt.
 *  - oom_kills (not printed in stats): v2 memory.events "oom_kill", v1 memory.oom_control
 *    "oom_kill".
 * A file that is absent leaves its figures 0; one that is there but malformed is an error
 * naming the file and the line.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "barco/cgroup.h"
#include "barco/error.h"
#include "barco/spec.h"

typedef struct cgroup_mem_entry {
	uint64_t usage, max, limit, failcnt;
} cgroup_mem_entry_t;

typedef struct cgroup_stat_kv {
	char *key;
	uint64_t value;
} cgroup_stat_kv_t;

typedef struct cgroup_blkio_entry {
	uint64_t major, minor;
	char *op; /* "Read", "Write", "Discard", "Sync", ... */
	uint64_t value;
} cgroup_blkio_entry_t;

typedef struct cgroup_hugetlb_stats {
	char *page_size; /* "2MB" */
	uint64_t usage, max, failcnt;
} cgroup_hugetlb_stats_t;

typedef struct cgroup_stats {
	struct {
		uint64_t total, user, kernel; /* ns */
		uint64_t *percpu;	      /* ns, v1 only */
		size_t n_percpu;
		uint64_t periods, throttled_periods, throttled_time; /* time in ns */
	} cpu;
	struct {
		uint64_t cache;
		cgroup_mem_entry_t usage, swap, kernel, kernel_tcp;
		cgroup_stat_kv_t *raw; /* memory.stat, in file order */
		size_t n_raw;
	} memory;
	struct {
		uint64_t current, limit; /* limit 0: none */
	} pids;
	struct {
		cgroup_blkio_entry_t *service_bytes, *serviced;
		size_t n_service_bytes, n_serviced;
	} blkio;
	cgroup_hugetlb_stats_t *hugetlb;
	size_t n_hugetlb;
	uint64_t oom_kills;
} cgroup_stats_t;

/* Where the collector reads from. */
typedef enum cgroup_stats_kind {
	CGROUP_STATS_NONE, /* no cgroup of ours holds the controller */
	CGROUP_STATS_V1,
	CGROUP_STATS_V2,
} cgroup_stats_kind_t;

typedef struct cgroup_stats_source {
	/* The kind of cgroup that holds CONTROLLER ("cpu", "cpuacct", "memory", "pids",
	 * "blkio" (v2: "io"), "hugetlb"). */
	cgroup_stats_kind_t (*kind)(void *ctx, const char *controller);
	/* FILE of that cgroup, malloc'd and NUL-terminated; NULL with errno set when it can't
	 * be read (ENOENT: it is not there). */
	char *(*read)(void *ctx, const char *controller, const char *file);
	/* The names in that cgroup's directory (NULL-terminated, malloc'd; NULL: none). */
	char **(*list)(void *ctx, const char *controller);
	void *ctx;
} cgroup_stats_source_t;

/* ---- pure ---- */

/* Fill *out (zeroed first; release with cgroup_stats_clear, also after a failure).
 * clk_tck converts v1's cpuacct.stat ticks (sysconf(_SC_CLK_TCK)). */
int cgroup_stats_collect(const cgroup_stats_source_t *src, long clk_tck, cgroup_stats_t *out,
			 bc_error_t **err);
void cgroup_stats_clear(cgroup_stats_t *s);

/* The "data" object of a stats event (compact JSON, malloc'd). */
char *cgroup_stats_to_json(const cgroup_stats_t *s);
/* One event line without the newline: {"type":TYPE,"id":ID} plus "data" when s is given. */
char *cgroup_event_json(const char *type, const char *id, const cgroup_stats_t *s);

/* "key value" lines (cpu.stat, memory.stat, memory.events): the value of KEY.  Returns 1
 * when found, 0 when not, -1 with *err on a malformed line (NAME names the file). */
int cgroup_stats_flat_get(const char *name, const char *text, const char *key, uint64_t *out,
			  bc_error_t **err);

/* ---- command-line values (update, events) ---- */

/* A memory size as runc takes it (docker's units.RAMInBytes): a decimal number, possibly
 * with a fraction, an optional space and an optional binary suffix b, k, m, g, t, p, with
 * an optional "b" or "ib" after the letter, any case ("512", "64k", "1.5GiB", "10 MB");
 * "-1" is -1 (unlimited).  The result is truncated to whole bytes. */
int cgroup_parse_memory_size(const char *s, int64_t *out);
/* A Go duration ("5s", "500ms", "1m30s", "1.5h", "250us", "0"): nanoseconds, > 0 or 0.
 * Negative values are refused. */
int cgroup_parse_duration(const char *s, uint64_t *ns);

/* ---- update (pure) ----
 * From the resources in force (OLD, the saved config's; may be NULL) and those asked for
 * (REQ): *write, what cgroup_update writes, and *merged, the resources to record.
 *  - *write is REQ (a copy through the spec's checks: a bad CPU list fails here) with
 *    devices dropped (runc's update leaves device rules alone too), plus what a value needs
 *    from OLD to be written right: swap with a new memory limit (v2's memory.swap.max is
 *    swap - limit) and the limit with a new swap, checkBeforeUpdate, the period with a new
 *    quota and the quota with a new period (cpu.max holds both).  A memory limit of -1
 *    without swap also sets swap -1 (runc: "both unlimited").
 *  - *merged is OLD with every field of *write over it; a list (throttle devices, hugepage
 *    limits, rdma, unified, network priorities) replaces the old one whole. */
int cgroup_update_plan(const bc_resources_t *old, const bc_resources_t *req, bc_resources_t **write,
		       bc_resources_t **merged, bc_error_t **err);

/* ---- a container's cgroups (cgroup_load) ---- */

/* Collect from the container's recorded cgroups. */
int cgroup_stats_read(const cgroup_t *cg, cgroup_stats_t *out, bc_error_t **err);

/* `events`: every interval_ns a stats line (the first after one interval, as runc), and an
 * "oom" line as soon as the oom_kill counter of the container's memory cgroup goes up
 * (woken by inotify on v2 memory.events or by an eventfd tied to v1 memory.oom_control;
 * without either, the counter is read every 250 ms), until the init behind pidfd exits
 * (return 0).  A stats read that fails is a warning, as in runc.  With stats_only: one
 * stats line, and a failure is an error.  Lines go to out, flushed one by one. */
typedef struct cgroup_events_opts {
	const char *id;
	uint64_t interval_ns;
	bool stats_only;
	int pidfd;
	FILE *out;
} cgroup_events_opts_t;
int cgroup_events_run(const cgroup_t *cg, const cgroup_events_opts_t *o, bc_error_t **err);

#endif
