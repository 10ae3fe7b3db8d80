/* SPDX-License-Identifier: MIT */
/* cgroup_stats: the collector over fixed v1 and v2 file texts, its JSON, the command-line
 * values of update and events, and the update plan. */
#include <check.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "barco/cgroup_stats.h"
#include "barco/spec.h"
#include "barco/util.h"

/* ---- a fake source: a table of files per controller ---- */

struct file {
	const char *ctl, *name, *text;
};

struct fake {
	const char *const *v1; /* controllers in v1 hierarchies */
	const char *const *v2; /* controllers in the cgroup2 one */
	const struct file *files;
	int fail_errno; /* read of "fail.me" fails with this */
};

static bool in_list(const char *const *l, const char *s)
{
	for (; l && *l; l++)
		if (strcmp(*l, s) == 0)
			return true;
	return false;
}

static cgroup_stats_kind_t fake_kind(void *ctx, const char *ctl)
{
	const struct fake *f = ctx;

	if (in_list(f->v1, ctl))
		return CGROUP_STATS_V1;
	if (in_list(f->v2, ctl))
		return CGROUP_STATS_V2;
	return CGROUP_STATS_NONE;
}

static char *fake_read(void *ctx, const char *ctl, const char *name)
{
	const struct fake *f = ctx;

	if (f->fail_errno && strcmp(name, "memory.stat") == 0) {
		errno = f->fail_errno;
		return NULL;
	}
	for (const struct file *x = f->files; x->ctl; x++)
		if (strcmp(x->ctl, ctl) == 0 && strcmp(x->name, name) == 0)
			return bc_xstrdup(x->text);
	errno = ENOENT;
	return NULL;
}

static char **fake_list(void *ctx, const char *ctl)
{
	const struct fake *f = ctx;
	char **v = bc_xcalloc(64, sizeof(char *));
	size_t n = 0;

	for (const struct file *x = f->files; x->ctl && n < 63; x++)
		if (strcmp(x->ctl, ctl) == 0)
			v[n++] = bc_xstrdup(x->name);
	return v;
}

static int collect(struct fake *f, cgroup_stats_t *s, bc_error_t **err)
{
	cgroup_stats_source_t src = {
	    .kind = fake_kind, .read = fake_read, .list = fake_list, .ctx = f};

	return cgroup_stats_collect(&src, 100, s, err);
}

static const char *const v2_ctls[] = {"cpu", "memory", "pids", "io", "hugetlb", NULL};

static const struct file v2_files[] = {
    {"cpu", "cpu.stat",
     "usage_usec 1500\nuser_usec 1000\nsystem_usec 500\ncore_sched.force_idle_usec 0\n"
     "nr_periods 10\nnr_throttled 3\nthrottled_usec 250\nnr_bursts 0\nburst_usec 0\n"},
    {"memory", "memory.current", "8388608\n"},
    {"memory", "memory.max", "16777216\n"},
    {"memory", "memory.peak", "9437184\n"},
    {"memory", "memory.events", "low 0\nhigh 0\nmax 7\noom 2\noom_kill 2\noom_group_kill 0\n"},
    {"memory", "memory.swap.current", "4096\n"},
    {"memory", "memory.swap.max", "max\n"},
    {"memory", "memory.stat", "anon 4096\nfile 12288\nkernel 8192\npgfault 42\n"},
    {"pids", "pids.current", "3\n"},
    {"pids", "pids.max", "10\n"},
    {"io", "io.stat",
     "8:0 rbytes=1024 wbytes=2048 rios=1 wios=2 dbytes=0 dios=0\n"
     "253:1 rbytes=5 wbytes=0 rios=9 wios=0 dbytes=0 dios=0 cost.usage=3\n"},
    {"hugetlb", "hugetlb.2MB.current", "2097152\n"},
    {"hugetlb", "hugetlb.2MB.max", "max\n"},
    {"hugetlb", "hugetlb.2MB.events", "max 1\n"},
    {"hugetlb", "hugetlb.2MB.rsvd.current", "0\n"},
    {"hugetlb", "hugetlb.1GB.current", "0\n"},
    {"hugetlb", "hugetlb.1GB.events", "max 0\n"},
    {NULL, NULL, NULL},
};

START_TEST(test_v2_collect)
{
	struct fake f = {.v2 = v2_ctls, .files = v2_files};
	cgroup_stats_t s;
	bc_error_t *err = NULL;

	ck_assert_int_eq(collect(&f, &s, &err), 0);
	ck_assert_uint_eq(s.cpu.total, 1500000);
	ck_assert_uint_eq(s.cpu.user, 1000000);
	ck_assert_uint_eq(s.cpu.kernel, 500000);
	ck_assert_uint_eq(s.cpu.periods, 10);
	ck_assert_uint_eq(s.cpu.throttled_periods, 3);
	ck_assert_uint_eq(s.cpu.throttled_time, 250000);
	ck_assert_uint_eq(s.cpu.n_percpu, 0);
	ck_assert_uint_eq(s.memory.usage.usage, 8388608);
	ck_assert_uint_eq(s.memory.usage.limit, 16777216);
	ck_assert_uint_eq(s.memory.usage.max, 9437184);
	ck_assert_uint_eq(s.memory.usage.failcnt, 7);
	ck_assert_uint_eq(s.memory.swap.usage, 8388608 + 4096);
	ck_assert_uint_eq(s.memory.swap.limit, UINT64_MAX);
	ck_assert_uint_eq(s.memory.cache, 12288);
	ck_assert_uint_eq(s.memory.n_raw, 4);
	ck_assert_str_eq(s.memory.raw[3].key, "pgfault");
	ck_assert_uint_eq(s.oom_kills, 2);
	ck_assert_uint_eq(s.pids.current, 3);
	ck_assert_uint_eq(s.pids.limit, 10);
	ck_assert_uint_eq(s.blkio.n_service_bytes, 6);
	ck_assert_uint_eq(s.blkio.n_serviced, 6);
	ck_assert_uint_eq(s.n_hugetlb, 2);
	ck_assert_str_eq(s.hugetlb[0].page_size, "1GB");
	ck_assert_str_eq(s.hugetlb[1].page_size, "2MB");
	ck_assert_uint_eq(s.hugetlb[1].usage, 2097152);
	ck_assert_uint_eq(s.hugetlb[1].failcnt, 1);
	cgroup_stats_clear(&s);
}
END_TEST

/* The whole line, as runc would print it for these files (Go's field order, omitempty,
 * sorted map keys). */
START_TEST(test_v2_json)
{
	struct fake f = {.v2 = v2_ctls, .files = v2_files};
	cgroup_stats_t s;
	bc_error_t *err = NULL;
	cleanup_free char *line = NULL;

	ck_assert_int_eq(collect(&f, &s, &err), 0);
	line = cgroup_event_json("stats", "ctr-1", &s);
	ck_assert_str_eq(
	    line,
	    "{\"type\":\"stats\",\"id\":\"ctr-1\",\"data\":{"
	    "\"cpu\":{\"usage\":{\"total\":1500000,\"kernel\":500000,\"user\":1000000},"
	    "\"throttling\":{\"periods\":10,\"throttledPeriods\":3,\"throttledTime\":250000}},"
	    "\"memory\":{\"cache\":12288,"
	    "\"usage\":{\"limit\":16777216,\"usage\":8388608,\"max\":9437184,\"failcnt\":7},"
	    "\"swap\":{\"limit\":18446744073709551615,\"usage\":8392704,\"failcnt\":0},"
	    "\"kernel\":{\"limit\":0,\"failcnt\":0},\"kernelTCP\":{\"limit\":0,\"failcnt\":0},"
	    "\"raw\":{\"anon\":4096,\"file\":12288,\"kernel\":8192,\"pgfault\":42}},"
	    "\"pids\":{\"current\":3,\"limit\":10},"
	    "\"blkio\":{\"ioServiceBytesRecursive\":["
	    "{\"major\":8,\"op\":\"Read\",\"value\":1024},"
	    "{\"major\":8,\"op\":\"Write\",\"value\":2048},{\"major\":8,\"op\":\"Discard\"},"
	    "{\"major\":253,\"minor\":1,\"op\":\"Read\",\"value\":5},"
	    "{\"major\":253,\"minor\":1,\"op\":\"Write\"},"
	    "{\"major\":253,\"minor\":1,\"op\":\"Discard\"}],"
	    "\"ioServicedRecursive\":[{\"major\":8,\"op\":\"Read\",\"value\":1},"
	    "{\"major\":8,\"op\":\"Write\",\"value\":2},{\"major\":8,\"op\":\"Discard\"},"
	    "{\"major\":253,\"minor\":1,\"op\":\"Read\",\"value\":9},"
	    "{\"major\":253,\"minor\":1,\"op\":\"Write\"},"
	    "{\"major\":253,\"minor\":1,\"op\":\"Discard\"}]},"
	    "\"hugetlb\":{\"1GB\":{\"failcnt\":0},\"2MB\":{\"usage\":2097152,\"failcnt\":1}}}}");
	cgroup_stats_clear(&s);
}
END_TEST

static const char *const v1_ctls[] = {"cpu", "cpuacct", "memory", "pids", "blkio", NULL};
static const char *const hybrid_v2_ctls[] = {"hugetlb", NULL};

static const struct file v1_files[] = {
    {"cpuacct", "cpuacct.usage", "123456789\n"},
    {"cpuacct", "cpuacct.usage_percpu", "100000000 23456789 0 \n"},
    {"cpuacct", "cpuacct.stat", "user 7\nsystem 3\n"},
    {"cpu", "cpu.stat", "nr_periods 4\nnr_throttled 1\nthrottled_time 5000\n"},
    {"memory", "memory.usage_in_bytes", "1048576\n"},
    {"memory", "memory.max_usage_in_bytes", "2097152\n"},
    {"memory", "memory.limit_in_bytes", "9223372036854771712\n"},
    {"memory", "memory.failcnt", "0\n"},
    {"memory", "memory.memsw.usage_in_bytes", "1052672\n"},
    {"memory", "memory.memsw.limit_in_bytes", "33554432\n"},
    {"memory", "memory.memsw.failcnt", "5\n"},
    {"memory", "memory.kmem.usage_in_bytes", "65536\n"},
    {"memory", "memory.oom_control", "oom_kill_disable 0\nunder_oom 0\noom_kill 4\n"},
    {"memory", "memory.stat", "cache 4096\nrss 8192\ntotal_cache 4096\n"},
    {"pids", "pids.current", "2\n"},
    {"pids", "pids.max", "max\n"},
    {"blkio", "blkio.throttle.io_service_bytes", "8:16 Read 512\n8:16 Write 0\nTotal 512\n"},
    {"blkio", "blkio.throttle.io_serviced_recursive", "8:16 Read 1\nTotal 1\n"},
    {"hugetlb", "hugetlb.2MB.current", "0\n"},
    {"hugetlb", "hugetlb.2MB.events", "max 3\n"},
    {NULL, NULL, NULL},
};

/* A hybrid host: the v1 hierarchies, hugetlb in the cgroup2 one. */
START_TEST(test_v1_collect)
{
	struct fake f = {.v1 = v1_ctls, .v2 = hybrid_v2_ctls, .files = v1_files};
	cgroup_stats_t s;
	bc_error_t *err = NULL;
	cleanup_free char *data = NULL;

	ck_assert_int_eq(collect(&f, &s, &err), 0);
	ck_assert_uint_eq(s.cpu.total, 123456789);
	ck_assert_uint_eq(s.cpu.n_percpu, 3);
	ck_assert_uint_eq(s.cpu.percpu[1], 23456789);
	ck_assert_uint_eq(s.cpu.user, 70000000); /* 7 ticks of 10 ms */
	ck_assert_uint_eq(s.cpu.kernel, 30000000);
	ck_assert_uint_eq(s.cpu.throttled_time, 5000);
	ck_assert_uint_eq(s.memory.usage.limit, 9223372036854771712ULL);
	ck_assert_uint_eq(s.memory.swap.failcnt, 5);
	ck_assert_uint_eq(s.memory.kernel.usage, 65536);
	ck_assert_uint_eq(s.memory.cache, 4096);
	ck_assert_uint_eq(s.oom_kills, 4);
	ck_assert_uint_eq(s.pids.current, 2);
	ck_assert_uint_eq(s.pids.limit, 0);
	ck_assert_uint_eq(s.blkio.n_service_bytes, 2);
	ck_assert_str_eq(s.blkio.service_bytes[0].op, "Read");
	ck_assert_uint_eq(s.blkio.service_bytes[0].minor, 16);
	ck_assert_uint_eq(s.blkio.n_serviced, 1);
	ck_assert_uint_eq(s.n_hugetlb, 1);
	ck_assert_uint_eq(s.hugetlb[0].failcnt, 3);
	data = cgroup_stats_to_json(&s);
	ck_assert_ptr_nonnull(strstr(data, "\"cpu\":{\"usage\":{\"total\":123456789,\"percpu\":"
					   "[100000000,23456789,0],\"kernel\":30000000,"
					   "\"user\":70000000},\"throttling\":{\"periods\":4,"
					   "\"throttledPeriods\":1,\"throttledTime\":5000}}"));
	ck_assert_ptr_nonnull(strstr(data, "\"pids\":{\"current\":2},"));
	ck_assert_ptr_nonnull(strstr(data, "\"ioServiceBytesRecursive\":[{\"major\":8,"
					   "\"minor\":16,\"op\":\"Read\",\"value\":512},"
					   "{\"major\":8,\"minor\":16,\"op\":\"Write\"}]"));
	ck_assert_ptr_nonnull(strstr(data, "\"raw\":{\"cache\":4096,\"rss\":8192,"
					   "\"total_cache\":4096}"));
	cgroup_stats_clear(&s);
}
END_TEST

/* No controller at all: every object still printed, zeros left out as runc leaves them. */
START_TEST(test_empty)
{
	static const struct file none[] = {{NULL, NULL, NULL}};
	struct fake f = {.files = none};
	cgroup_stats_t s;
	bc_error_t *err = NULL;
	cleanup_free char *data = NULL;
	cleanup_free char *oom = cgroup_event_json("oom", "a\"b", NULL);

	ck_assert_int_eq(collect(&f, &s, &err), 0);
	data = cgroup_stats_to_json(&s);
	ck_assert_str_eq(data, "{\"cpu\":{\"usage\":{\"kernel\":0,\"user\":0},\"throttling\":{}},"
			       "\"memory\":{\"usage\":{\"limit\":0,\"failcnt\":0},"
			       "\"swap\":{\"limit\":0,\"failcnt\":0},\"kernel\":{\"limit\":0,"
			       "\"failcnt\":0},\"kernelTCP\":{\"limit\":0,\"failcnt\":0}},"
			       "\"pids\":{},\"blkio\":{},\"hugetlb\":{}}");
	ck_assert_str_eq(oom, "{\"type\":\"oom\",\"id\":\"a\\\"b\"}");
	cgroup_stats_clear(&s);
}
END_TEST

static const struct {
	const char *ctl, *name, *text, *msg;
} bad[] = {
    {"cpu", "cpu.stat", "usage_usec x12\n",
     "cgroup stats: cpu.stat: line 1: malformed \"usage_usec x12\""},
    {"memory", "memory.current", "-5\n", "cgroup stats: memory.current: line 1: malformed"},
    {"memory", "memory.max", "maxi\n", "cgroup stats: memory.max: line 1: malformed"},
    {"memory", "memory.stat", "anon 1\nfile\n", "cgroup stats: memory.stat: line 2: malformed"},
    {"memory", "memory.events", "max 1\noom_kill 99999999999999999999\n",
     "cgroup stats: memory.events: line 2: malformed"},
    {"pids", "pids.current", "", "cgroup stats: pids.current: line 1: malformed"},
    {"io", "io.stat", "8-0 rbytes=1\n", "cgroup stats: io.stat: line 1: malformed"},
    {"io", "io.stat", "8:0 rbytes=1\n8:1 wbytes=z\n", "cgroup stats: io.stat: line 2: malformed"},
};

START_TEST(test_malformed)
{
	struct file files[] = {{bad[_i].ctl, bad[_i].name, bad[_i].text}, {NULL, NULL, NULL}};
	struct fake f = {.v2 = v2_ctls, .files = files};
	cgroup_stats_t s;
	bc_error_t *err = NULL;

	ck_assert_int_eq(collect(&f, &s, &err), -1);
	ck_assert_ptr_nonnull(err);
	ck_assert_msg(bc_str_has_prefix(err->msg, bad[_i].msg), "got \"%s\", want \"%s...\"",
		      err->msg, bad[_i].msg);
	bc_error_free(err);
	cgroup_stats_clear(&s);
}
END_TEST

START_TEST(test_read_error)
{
	struct fake f = {.v2 = v2_ctls, .files = v2_files, .fail_errno = EACCES};
	cgroup_stats_t s;
	bc_error_t *err = NULL;

	ck_assert_int_eq(collect(&f, &s, &err), -1);
	ck_assert_str_eq(err->msg, "cgroup stats: read memory.stat: Permission denied");
	bc_error_free(err);
	cgroup_stats_clear(&s);
}
END_TEST

START_TEST(test_flat_get)
{
	bc_error_t *err = NULL;
	uint64_t v = 7;

	ck_assert_int_eq(cgroup_stats_flat_get("f", "a 1\nab 2\nb 3", "ab", &v, &err), 1);
	ck_assert_uint_eq(v, 2);
	ck_assert_int_eq(cgroup_stats_flat_get("f", "a 1\nb 3\n", "c", &v, &err), 0);
	ck_assert_int_eq(cgroup_stats_flat_get("f", "abc 1\n", "ab", &v, &err), 0);
	ck_assert_int_eq(cgroup_stats_flat_get("f", "", "ab", &v, &err), 0);
	ck_assert_int_eq(cgroup_stats_flat_get("f", "x 1\nab 1 2\n", "ab", &v, &err), -1);
	ck_assert_str_eq(err->msg, "cgroup stats: f: line 2: malformed \"ab 1 2\"");
	bc_error_free(err);
}
END_TEST

/* ---- memory sizes (docker's units.RAMInBytes, as runc's update takes them) ---- */

static const struct {
	const char *in;
	int64_t want; /* INT64_MIN: refused */
} sizes[] = {
    {"0", 0},
    {"512", 512},
    {"-1", -1},
    {"512b", 512},
    {"512B", 512},
    {"64k", 65536},
    {"64K", 65536},
    {"64kb", 65536},
    {"64KiB", 65536},
    {"64 m", 67108864},
    {"100m", 104857600},
    {"100M", 104857600},
    {"1g", 1073741824},
    {"1.5g", 1610612736},
    {".5k", 512},
    {"1.9999b", 1},
    {"2t", 2199023255552LL},
    {"1p", 1125899906842624LL},
    {"8191p", 9222246136947933184LL},
    {"8192p", INT64_MIN},
    {"9223372036854775807", INT64_MAX},
    {"9223372036854775808", INT64_MIN},
    {"", INT64_MIN},
    {"k", INT64_MIN},
    {".", INT64_MIN},
    {"-2", INT64_MIN},
    {"-1k", INT64_MIN},
    {"+5", INT64_MIN},
    {" 5", INT64_MIN},
    {"5  k", INT64_MIN},
    {"5x", INT64_MIN},
    {"5kk", INT64_MIN},
    {"5kbb", INT64_MIN},
    {"5bi", INT64_MIN},
    {"5ki", INT64_MIN},
    {"1e3", INT64_MIN},
    {"0x10", INT64_MIN},
};

START_TEST(test_memory_size)
{
	int64_t v = 12345;
	int r = cgroup_parse_memory_size(sizes[_i].in, &v);

	if (sizes[_i].want == INT64_MIN) {
		ck_assert_msg(r < 0, "\"%s\" accepted as %lld", sizes[_i].in, (long long)v);
		return;
	}
	ck_assert_msg(r == 0, "\"%s\" refused", sizes[_i].in);
	ck_assert_msg(v == sizes[_i].want, "\"%s\" -> %lld, want %lld", sizes[_i].in, (long long)v,
		      (long long)sizes[_i].want);
}
END_TEST

/* ---- durations (Go's time.ParseDuration) ---- */

static const struct {
	const char *in;
	uint64_t want;
	bool ok;
} durations[] = {
    {"0", 0, true},
    {"5s", 5000000000ULL, true},
    {"+5s", 5000000000ULL, true},
    {"500ms", 500000000ULL, true},
    {"1m30s", 90000000000ULL, true},
    {"1.5h", 5400000000000ULL, true},
    {"250us", 250000, true},
    {"250\xc2\xb5s", 250000, true},
    {"250\xce\xbcs", 250000, true},
    {"7ns", 7, true},
    {"1h1m1s1ms1us1ns", 3661001001001ULL, true},
    {".5s", 500000000ULL, true},
    {"1.s", 1000000000ULL, true},
    {"2562047h", 9223369200000000000ULL, true},
    {"2562048h", 0, false},
    {"", 0, false},
    {"5", 0, false},
    {"s", 0, false},
    {".s", 0, false},
    {"-5s", 0, false},
    {"5 s", 0, false},
    {"5sec", 0, false},
    {"5S", 0, false},
    {"1d", 0, false},
};

START_TEST(test_duration)
{
	uint64_t v = 12345;
	int r = cgroup_parse_duration(durations[_i].in, &v);

	if (!durations[_i].ok) {
		ck_assert_msg(r < 0, "\"%s\" accepted as %llu", durations[_i].in,
			      (unsigned long long)v);
		return;
	}
	ck_assert_msg(r == 0, "\"%s\" refused", durations[_i].in);
	ck_assert_msg(v == durations[_i].want, "\"%s\" -> %llu, want %llu", durations[_i].in,
		      (unsigned long long)v, (unsigned long long)durations[_i].want);
}
END_TEST

/* ---- the update plan ---- */

static bc_resources_t *res(const char *json)
{
	cleanup_free char *doc = bc_xstrdup(json);
	bc_error_t *err = NULL;
	bc_resources_t *r;

	for (char *p = doc; *p; p++)
		if (*p == '\'')
			*p = '"';
	r = bc_resources_parse("test", doc, strlen(doc), &err);
	if (r == NULL)
		ck_abort_msg("parse %s: %s", json, err->msg);
	return r;
}

START_TEST(test_plan_memory)
{
	bc_resources_t *old = res("{'memory':{'limit':100,'swap':300,'reservation':50,"
				  "'checkBeforeUpdate':true},'pids':{'limit':9}}");
	bc_resources_t *req = res("{'memory':{'limit':200}}");
	bc_resources_t *w = NULL, *m = NULL;
	bc_error_t *err = NULL;

	ck_assert_int_eq(cgroup_update_plan(old, req, &w, &m, &err), 0);
	/* written: the new limit, the swap it is computed against, checkBeforeUpdate */
	ck_assert(w->memory->has_limit && w->memory->limit == 200);
	ck_assert(w->memory->has_swap && w->memory->swap == 300);
	ck_assert(w->memory->has_check_before_update && w->memory->check_before_update);
	ck_assert(!w->memory->has_reservation);
	ck_assert(!w->has_pids_limit && w->cpu == NULL);
	/* recorded: everything else kept */
	ck_assert(m->memory->limit == 200 && m->memory->swap == 300);
	ck_assert(m->memory->has_reservation && m->memory->reservation == 50);
	ck_assert(m->has_pids_limit && m->pids_limit == 9);
	bc_resources_free(w);
	bc_resources_free(m);
	bc_resources_free(req);

	/* -1 alone: both unlimited */
	req = res("{'memory':{'limit':-1}}");
	ck_assert_int_eq(cgroup_update_plan(old, req, &w, &m, &err), 0);
	ck_assert(w->memory->has_swap && w->memory->swap == -1);
	ck_assert(m->memory->limit == -1 && m->memory->swap == -1);
	bc_resources_free(w);
	bc_resources_free(m);
	bc_resources_free(req);

	/* swap alone takes the limit in force */
	req = res("{'memory':{'swap':400,'checkBeforeUpdate':false}}");
	ck_assert_int_eq(cgroup_update_plan(old, req, &w, &m, &err), 0);
	ck_assert(w->memory->has_limit && w->memory->limit == 100);
	ck_assert(w->memory->has_check_before_update && !w->memory->check_before_update);
	bc_resources_free(w);
	bc_resources_free(m);
	bc_resources_free(req);
	bc_resources_free(old);
}
END_TEST

START_TEST(test_plan_cpu_and_lists)
{
	bc_resources_t *old = res("{'cpu':{'quota':20000,'period':50000,'cpus':'0-1','shares':512},"
				  "'unified':{'memory.high':'1000','pids.max':'5'},"
				  "'devices':[{'allow':false,'access':'rwm'}],"
				  "'hugepageLimits':[{'pageSize':'2MB','limit':0}]}");
	bc_resources_t *req = res("{'cpu':{'quota':30000,'mems':'0'},'unified':{'io.weight':'50'},"
				  "'devices':[{'allow':true,'access':'rwm'}]}");
	bc_resources_t *w = NULL, *m = NULL;
	bc_error_t *err = NULL;

	ck_assert_int_eq(cgroup_update_plan(old, req, &w, &m, &err), 0);
	/* cpu.max holds both: the period in force comes along */
	ck_assert(w->cpu->has_quota && w->cpu->quota == 30000);
	ck_assert(w->cpu->has_period && w->cpu->period == 50000);
	ck_assert(!w->cpu->has_shares && w->cpu->cpus == NULL);
	ck_assert_str_eq(w->cpu->mems, "0");
	ck_assert_uint_eq(w->n_devices, 0); /* devices are not updated */
	ck_assert_uint_eq(w->n_unified, 1);
	ck_assert(m->cpu->quota == 30000 && m->cpu->period == 50000 && m->cpu->shares == 512);
	ck_assert_str_eq(m->cpu->cpus, "0-1");
	ck_assert_str_eq(m->cpu->mems, "0");
	/* a list given replaces the old one; one not given stays */
	ck_assert_uint_eq(m->n_unified, 1);
	ck_assert_str_eq(m->unified[0].key, "io.weight");
	ck_assert_uint_eq(m->n_hugepage_limits, 1);
	ck_assert_uint_eq(m->n_devices, 1);
	ck_assert(!m->devices[0].allow);
	bc_resources_free(w);
	bc_resources_free(m);
	bc_resources_free(req);
	bc_resources_free(old);
}
END_TEST

START_TEST(test_plan_no_old)
{
	bc_resources_t *req = res("{'memory':{'limit':200},'cpu':{'period':100000},"
				  "'pids':{'limit':-1},'blockIO':{'weight':300}}");
	bc_resources_t *w = NULL, *m = NULL;
	bc_error_t *err = NULL;

	ck_assert_int_eq(cgroup_update_plan(NULL, req, &w, &m, &err), 0);
	ck_assert(!w->memory->has_swap);
	ck_assert(!w->cpu->has_quota);
	ck_assert(m->memory->limit == 200 && m->cpu->period == 100000);
	ck_assert(m->has_pids_limit && m->pids_limit == -1);
	ck_assert(m->block_io->has_weight && m->block_io->weight == 300);
	bc_resources_free(w);
	bc_resources_free(m);
	bc_resources_free(req);
}
END_TEST

/* What the spec refuses is refused here, before anything is written. */
START_TEST(test_plan_refused)
{
	bc_resources_t req = {0};
	bc_hugepage_limit_t h = {.page_size = "3XB", .limit = 1};
	bc_resources_t *w = (void *)1, *m = (void *)1;
	bc_error_t *err = NULL;

	req.hugepage_limits = &h;
	req.n_hugepage_limits = 1;
	ck_assert_int_eq(cgroup_update_plan(NULL, &req, &w, &m, &err), -1);
	ck_assert_ptr_null(w);
	ck_assert_ptr_null(m);
	ck_assert_msg(strstr(err->msg, "hugepageLimits[0].pageSize: invalid page size") != NULL,
		      "%s", err->msg);
	bc_error_free(err);
}
END_TEST

START_TEST(test_resources_parse_errors)
{
	bc_error_t *err = NULL;
	const char *doc = "{\"memory\":{\"limit\":\"x\"}}";

	ck_assert_ptr_null(bc_resources_parse("r.json", doc, strlen(doc), &err));
	ck_assert_msg(bc_str_has_prefix(err->msg, "r.json: memory.limit: "), "%s", err->msg);
	bc_error_free(err);
	err = NULL;
	ck_assert_ptr_null(bc_resources_parse("r.json", "[1]", 3, &err));
	ck_assert_ptr_nonnull(err);
	bc_error_free(err);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("cgroup_stats");
	TCase *tc = tcase_create("stats");
	TCase *tv = tcase_create("values");
	TCase *tp = tcase_create("plan");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, test_v2_collect);
	tcase_add_test(tc, test_v2_json);
	tcase_add_test(tc, test_v1_collect);
	tcase_add_test(tc, test_empty);
	tcase_add_loop_test(tc, test_malformed, 0, BC_ARRAY_SIZE(bad));
	tcase_add_test(tc, test_read_error);
	tcase_add_test(tc, test_flat_get);
	suite_add_tcase(s, tc);
	tcase_add_loop_test(tv, test_memory_size, 0, BC_ARRAY_SIZE(sizes));
	tcase_add_loop_test(tv, test_duration, 0, BC_ARRAY_SIZE(durations));
	suite_add_tcase(s, tv);
	tcase_add_test(tp, test_plan_memory);
	tcase_add_test(tp, test_plan_cpu_and_lists);
	tcase_add_test(tp, test_plan_no_old);
	tcase_add_test(tp, test_plan_refused);
	tcase_add_test(tp, test_resources_parse_errors);
	suite_add_tcase(s, tp);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
