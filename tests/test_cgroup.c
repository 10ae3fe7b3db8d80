/* SPDX-License-Identifier: MIT */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "barco/cgroup.h"
#include "barco/cgroup_v1.h"
#include "barco/cgroup_v2.h"
#include "barco/spec.h"
#include "barco/util.h"

/* Parse a config.json whose linux.resources is RES (single quotes stand for double). */
static bc_spec_t *parse_resources(const char *res)
{
	cleanup_free char *doc = bc_xasprintf(
	    "{'ociVersion':'1.2.0','root':{'path':'r'},'linux':{'resources':%s}}", res);
	bc_error_t *err = NULL;
	bc_spec_t *spec;

	for (char *p = doc; *p; p++)
		if (*p == '\'')
			*p = '"';
	spec = bc_spec_parse("config.json", doc, strlen(doc), &err);
	if (spec == NULL)
		ck_abort_msg("parse: %s", err->msg);
	ck_assert_ptr_nonnull(spec->linux_);
	ck_assert_ptr_nonnull(spec->linux_->resources);
	return spec;
}

/* A file list as "key=value\n" lines; frees the list. */
static char *kv_text(bc_kv_t *kv, size_t n)
{
	char *out = bc_xstrdup("");

	for (size_t i = 0; i < n; i++) {
		char *next = bc_xasprintf("%s%s=%s\n", out, kv[i].key, kv[i].value);
		free(out);
		out = next;
	}
	cgroup_v2_kv_free(kv, n);
	return out;
}

/* The file list as "key=value\n" lines, or "ERR:message". */
static char *files_for(const char *res, bool bfq)
{
	cleanup_spec bc_spec_t *spec = parse_resources(res);
	cgroup_v2_features_t f = {.io_bfq_weight = bfq};
	bc_error_t *err = NULL;
	bc_kv_t *kv = NULL;
	size_t n = 99;
	char *out;

	if (cgroup_v2_resource_files_for(spec->linux_->resources, &f, &kv, &n, &err) < 0) {
		ck_assert_ptr_nonnull(err);
		ck_assert_ptr_null(kv);
		ck_assert_uint_eq(n, 0);
		out = bc_xasprintf("ERR:%s", err->msg);
		bc_error_free(err);
		return out;
	}
	ck_assert_ptr_null(err);
	return kv_text(kv, n);
}

#define assert_files(res, bfq, expected)                                                           \
	do {                                                                                       \
		cleanup_free char *got_ = files_for(res, bfq);                                     \
		ck_assert_str_eq(got_, expected);                                                  \
	} while (0)

START_TEST(test_cpu_shares)
{
	ck_assert_uint_eq(cgroup_v2_cpu_shares_to_weight(0), 0);
	ck_assert_uint_eq(cgroup_v2_cpu_shares_to_weight(1), 1); /* clamped to 2, no wrap */
	ck_assert_uint_eq(cgroup_v2_cpu_shares_to_weight(2), 1);
	ck_assert_uint_eq(cgroup_v2_cpu_shares_to_weight(100), 4);
	ck_assert_uint_eq(cgroup_v2_cpu_shares_to_weight(512), 20);
	ck_assert_uint_eq(cgroup_v2_cpu_shares_to_weight(1024), 39); /* runc's default */
	ck_assert_uint_eq(cgroup_v2_cpu_shares_to_weight(2048), 79);
	ck_assert_uint_eq(cgroup_v2_cpu_shares_to_weight(262143), 9999);
	ck_assert_uint_eq(cgroup_v2_cpu_shares_to_weight(262144), 10000);
	ck_assert_uint_eq(cgroup_v2_cpu_shares_to_weight(1000000), 10000);
	ck_assert_uint_eq(cgroup_v2_cpu_shares_to_weight(UINT64_MAX), 10000);
}
END_TEST

START_TEST(test_blkio_weight)
{
	ck_assert_uint_eq(cgroup_v2_blkio_weight_to_io_weight(0), 0);
	ck_assert_uint_eq(cgroup_v2_blkio_weight_to_io_weight(10), 1);
	ck_assert_uint_eq(cgroup_v2_blkio_weight_to_io_weight(100), 910);
	ck_assert_uint_eq(cgroup_v2_blkio_weight_to_io_weight(500), 4950);
	ck_assert_uint_eq(cgroup_v2_blkio_weight_to_io_weight(1000), 10000);
	ck_assert_uint_eq(cgroup_v2_blkio_weight_to_io_weight(5), 1);	     /* clamped */
	ck_assert_uint_eq(cgroup_v2_blkio_weight_to_io_weight(5000), 10000); /* clamped */
}
END_TEST

static const struct {
	int64_t limit, swap;
	const char *value; /* NULL: nothing written; "ERR:..." an error */
} swap_cases[] = {
    {0, 0, NULL},
    {-1, 0, "max"}, /* unlimited memory, swap unset: unlimited swap (runc) */
    {100, 0, NULL},
    {0, -1, "max"},
    {100, -1, "max"},
    {100, 100, "0"}, /* equal: swap disabled */
    {100, 300, "200"},
    {1073741824, 2147483648, "1073741824"},
    {0, 300,
     "ERR:linux.resources.memory.swap: a swap limit needs a memory limit "
     "(linux.resources.memory.limit)"},
    {-1, 300,
     "ERR:linux.resources.memory.swap: a swap limit needs a memory limit "
     "(linux.resources.memory.limit)"},
    {300, 100,
     "ERR:linux.resources.memory.swap: memory+swap limit 100 is below the memory "
     "limit 300"},
    {100, -2, "ERR:linux.resources.memory.swap: invalid value -2"},
};

START_TEST(test_memory_swap)
{
	bc_error_t *err = NULL;
	char *out = (char *)1;
	int ret = cgroup_v2_memory_swap_max(swap_cases[_i].limit, swap_cases[_i].swap, &out, &err);
	const char *want = swap_cases[_i].value;

	if (want != NULL && strncmp(want, "ERR:", 4) == 0) {
		ck_assert_int_eq(ret, -1);
		ck_assert_ptr_null(out);
		ck_assert_str_eq(err->msg, want + 4);
		bc_error_free(err);
		return;
	}
	ck_assert_int_eq(ret, 0);
	ck_assert_ptr_null(err);
	if (want == NULL)
		ck_assert_ptr_null(out);
	else
		ck_assert_str_eq(out, want);
	free(out);
}
END_TEST

START_TEST(test_cpu_max_and_max_value)
{
	static const struct {
		int64_t quota;
		uint64_t period;
		const char *want;
	} c[] = {
	    {0, 0, "max 100000"},	{-1, 0, "max 100000"},		 {-5, 0, "max 100000"},
	    {50000, 0, "50000 100000"}, {50000, 200000, "50000 200000"}, {-1, 50000, "max 50000"},
	};
	for (size_t i = 0; i < BC_ARRAY_SIZE(c); i++) {
		cleanup_free char *s = cgroup_v2_cpu_max(c[i].quota, c[i].period);
		ck_assert_str_eq(s, c[i].want);
	}
	cleanup_free char *a = cgroup_v2_max_value(-1);
	cleanup_free char *b = cgroup_v2_max_value(0);
	cleanup_free char *d = cgroup_v2_max_value(32771);
	ck_assert_str_eq(a, "max");
	ck_assert_str_eq(b, "0");
	ck_assert_str_eq(d, "32771");
}
END_TEST

/* Every field at once; the exact list pins order and values. */
static const char rich[] =
    "{'memory':{'limit':536870912,'reservation':268435456,'swap':1073741824,"
    "'kernel':-1,'kernelTCP':-1,'disableOOMKiller':false,'useHierarchy':true},"
    "'cpu':{'shares':1024,'quota':50000,'period':200000,'burst':10000,'cpus':'0-3,7',"
    "'mems':'0','idle':0,'realtimeRuntime':0},"
    "'pids':{'limit':32771},"
    "'blockIO':{'weight':500,'weightDevice':[{'major':8,'minor':0,'weight':100,'leafWeight':"
    "300},{'major':8,'minor':16,'weight':1000}],"
    "'throttleReadBpsDevice':[{'major':8,'minor':0,'rate':600}],"
    "'throttleWriteBpsDevice':[{'major':8,'minor':16,'rate':700}],"
    "'throttleReadIOPSDevice':[{'major':8,'minor':0,'rate':100}],"
    "'throttleWriteIOPSDevice':[{'major':8,'minor':0,'rate':300},{'major':253,'minor':1,"
    "'rate':5}]},"
    "'hugepageLimits':[{'pageSize':'2MB','limit':209715200},{'pageSize':'1GB','limit':0}],"
    "'rdma':{'mlx5_1':{'hcaHandles':3,'hcaObjects':10000},'rxe3':{'hcaObjects':1000}},"
    "'unified':{'memory.high':'400000000','io.max':'259:0 rbps=2097152\\n\\n253:0 wiops=120\\n',"
    "'memory.oom.group':'1','cpu.max.burst':''},"
    "'devices':[{'allow':false,'access':'rwm'}]}";

START_TEST(test_rich_list)
{
	assert_files(rich, false,
		     "memory.swap.max=536870912\n"
		     "memory.max=536870912\n"
		     "memory.low=268435456\n"
		     "cpu.idle=0\n"
		     "cpu.weight=39\n"
		     "cpu.max=50000 200000\n"
		     "cpu.max.burst=10000\n"
		     "cpuset.cpus=0-3,7\n"
		     "cpuset.mems=0\n"
		     "pids.max=32771\n"
		     "io.weight=4950\n"
		     "io.weight=8:0 910\n"
		     "io.weight=8:16 10000\n"
		     "io.max=8:0 rbps=600 riops=100 wiops=300\n"
		     "io.max=8:16 wbps=700\n"
		     "io.max=253:1 wiops=5\n"
		     "hugetlb.2MB.max=209715200\n"
		     "?hugetlb.2MB.rsvd.max=209715200\n"
		     "hugetlb.1GB.max=0\n"
		     "?hugetlb.1GB.rsvd.max=0\n"
		     "rdma.max=mlx5_1 hca_handle=3 hca_object=10000\n"
		     "rdma.max=rxe3 hca_object=1000\n"
		     "memory.high=400000000\n"
		     "io.max=259:0 rbps=2097152\n"
		     "io.max=253:0 wiops=120\n"
		     "memory.oom.group=1\n");
}
END_TEST

START_TEST(test_bfq)
{
	/* With BFQ, weights go to io.bfq.weight verbatim (runc), 1..1000 accepted. */
	assert_files("{'blockIO':{'weight':500,'weightDevice':[{'major':8,'minor':0,'weight':5}]}}",
		     true, "io.bfq.weight=500\nio.bfq.weight=8:0 5\n");
	assert_files("{'blockIO':{'weight':5}}", true, "io.bfq.weight=5\n");
	assert_files("{'blockIO':{'weight':5}}", false,
		     "ERR:linux.resources.blockIO.weight: 5 is outside 10..1000");
	assert_files("{'blockIO':{'weight':1001}}", true,
		     "ERR:linux.resources.blockIO.weight: 1001 is outside 1..1000");
	assert_files("{'blockIO':{'weight':0}}", false, "");
}
END_TEST

START_TEST(test_memory_edges)
{
	assert_files("{'memory':{'limit':-1}}", false, "?memory.swap.max=max\nmemory.max=max\n");
	assert_files("{'memory':{'limit':1048576,'swap':1048576}}", false,
		     "?memory.swap.max=0\nmemory.max=1048576\n");
	assert_files("{'memory':{'limit':1048576,'swap':-1}}", false,
		     "?memory.swap.max=max\nmemory.max=1048576\n");
	assert_files("{'memory':{'limit':524288}}", false, "memory.max=524288\n");
	assert_files("{'memory':{'limit':0,'reservation':0}}", false, "");
	assert_files("{'memory':{'reservation':-1}}", false, "memory.low=max\n");
	assert_files("{'memory':{'checkBeforeUpdate':true}}", false, "");
}
END_TEST

START_TEST(test_cpu_edges)
{
	assert_files("{'cpu':{'quota':-1}}", false, "cpu.max=max 100000\n");
	assert_files("{'cpu':{'period':50000}}", false, "cpu.max=max 50000\n");
	assert_files("{'cpu':{'quota':0}}", false, "");
	assert_files("{'cpu':{'quota':20000}}", false, "cpu.max=20000 100000\n");
	assert_files("{'cpu':{'shares':0,'idle':1}}", false, "cpu.idle=1\n");
	assert_files("{'cpu':{'burst':5000}}", false, "cpu.max.burst=5000\n");
	assert_files("{'cpu':{'shares':2}}", false, "cpu.weight=1\n");
	assert_files("{'cpu':{'shares':262144}}", false, "cpu.weight=10000\n");
}
END_TEST

START_TEST(test_pids)
{
	assert_files("{'pids':{'limit':-1}}", false, "pids.max=max\n");
	assert_files("{'pids':{'limit':0}}", false, "pids.max=0\n"); /* runtime-spec 1.3 */
	assert_files("{'pids':{'limit':1}}", false, "pids.max=1\n");
	assert_files("{'pids':{}}", false, "");
}
END_TEST

static const struct {
	const char *res, *msg;
} errors[] = {
    {"{'cpu':{'realtimeRuntime':950000}}",
     "linux.resources.cpu.realtimeRuntime: realtime CPU limits are not supported on cgroup v2 "
     "(no cpu.rt_runtime_us)"},
    {"{'cpu':{'realtimePeriod':1000000}}",
     "linux.resources.cpu.realtimePeriod: realtime CPU limits are not supported on cgroup v2 "
     "(no cpu.rt_period_us)"},
    {"{'cpu':{'period':999}}", "linux.resources.cpu.period: 999 is outside 1000..1000000 (us)"},
    {"{'cpu':{'period':1000001}}",
     "linux.resources.cpu.period: 1000001 is outside 1000..1000000 (us)"},
    {"{'cpu':{'quota':999}}", "linux.resources.cpu.quota: 999 is below the minimum 1000 (us)"},
    {"{'cpu':{'quota':10000,'burst':10001}}",
     "linux.resources.cpu.burst: 10001 is larger than quota 10000"},
    {"{'cpu':{'idle':2}}", "linux.resources.cpu.idle: 2 is not 0 or 1"},
    {"{'cpu':{'idle':1,'shares':1024}}",
     "linux.resources.cpu.shares: cannot be set with cpu.idle 1"},
    {"{'memory':{'limit':-2}}", "linux.resources.memory.limit: invalid value -2"},
    {"{'memory':{'reservation':-3}}", "linux.resources.memory.reservation: invalid value -3"},
    {"{'memory':{'limit':100,'swap':50}}",
     "linux.resources.memory.swap: memory+swap limit 50 is below the memory limit 100"},
    {"{'memory':{'swap':50}}", "linux.resources.memory.swap: a swap limit needs a memory limit "
			       "(linux.resources.memory.limit)"},
    {"{'memory':{'swappiness':10}}",
     "linux.resources.memory.swappiness: not supported on cgroup v2 (no per-cgroup swappiness "
     "file)"},
    {"{'memory':{'disableOOMKiller':true}}",
     "linux.resources.memory.disableOOMKiller: not supported on cgroup v2 (no "
     "memory.oom_control)"},
    {"{'memory':{'useHierarchy':false}}",
     "linux.resources.memory.useHierarchy: cgroup v2 is always hierarchical"},
    {"{'network':{'classID':1048577}}",
     "linux.resources.network.classID: not supported on cgroup v2 (no net_cls)"},
    {"{'network':{'priorities':[{'name':'eth0','priority':500}]}}",
     "linux.resources.network.priorities: not supported on cgroup v2 (no net_prio)"},
    {"{'blockIO':{'leafWeight':10}}",
     "linux.resources.blockIO.leafWeight: not supported on cgroup v2 (processes live only in "
     "leaf cgroups)"},
    {"{'blockIO':{'weightDevice':[{'major':8,'minor':0,'leafWeight':10}]}}",
     "linux.resources.blockIO.weightDevice[0]: only leafWeight is set, which has no cgroup v2 "
     "equivalent"},
    {"{'blockIO':{'weightDevice':[{'major':8,'minor':0,'weight':10},{'major':8,'minor':1,"
     "'weight':2000}]}}",
     "linux.resources.blockIO.weightDevice[1].weight: 2000 is outside 10..1000"},
    {"{'blockIO':{'throttleWriteIOPSDevice':[{'major':-1,'minor':0,'rate':1}]}}",
     "linux.resources.blockIO.throttleWriteIOPSDevice[0]: invalid device -1:0"},
    {"{'rdma':{'bad dev':{'hcaHandles':1}}}",
     "linux.resources.rdma: invalid device name \"bad dev\""},
};

START_TEST(test_errors)
{
	cleanup_free char *want = bc_xasprintf("ERR:%s", errors[_i].msg);
	cleanup_free char *got = files_for(errors[_i].res, false);

	ck_assert_str_eq(got, want);
}
END_TEST

/* The spec parser already refuses these; the driver checks again for models built by hand. */
START_TEST(test_struct_guards)
{
	bc_hugepage_limit_t h[] = {{(char *)"2MB", 1}, {(char *)"../x", 1}};
	bc_rdma_limit_t rd[] = {{.device = (char *)"mlx4_0"}};
	bc_resources_t r = {.hugepage_limits = h, .n_hugepage_limits = 2};
	bc_kv_t *kv = NULL;
	size_t n = 0;
	bc_error_t *err = NULL;

	ck_assert_int_eq(cgroup_v2_resource_files(&r, &kv, &n, &err), -1);
	ck_assert_str_eq(err->msg, "linux.resources.hugepageLimits[1].pageSize: invalid page size "
				   "\"../x\" (expected e.g. 2MB, 1GB, 64KB)");
	bc_error_free(err);
	err = NULL;
	h[1].page_size = (char *)"2mb";
	ck_assert_int_eq(cgroup_v2_resource_files(&r, &kv, &n, &err), -1);
	ck_assert_str_eq(err->msg, "linux.resources.hugepageLimits[1].pageSize: invalid page size "
				   "\"2mb\" (expected e.g. 2MB, 1GB, 64KB)");
	bc_error_free(err);
	err = NULL;
	h[1].page_size = (char *)"64KB";
	ck_assert_int_eq(cgroup_v2_resource_files(&r, &kv, &n, &err), 0);
	ck_assert_uint_eq(n, 4);
	ck_assert_str_eq(kv[2].key, "hugetlb.64KB.max");
	cgroup_v2_kv_free(kv, n);

	r = (bc_resources_t){.rdma = rd, .n_rdma = 1};
	ck_assert_int_eq(cgroup_v2_resource_files(&r, &kv, &n, &err), -1);
	ck_assert_str_eq(err->msg,
			 "linux.resources.rdma.mlx4_0: neither hcaHandles nor hcaObjects is set");
	bc_error_free(err);
}
END_TEST

START_TEST(test_null_and_empty)
{
	bc_resources_t r = {0};
	bc_kv_t *kv = (bc_kv_t *)1;
	size_t n = 7;
	bc_error_t *err = NULL;

	ck_assert_int_eq(cgroup_v2_resource_files(NULL, &kv, &n, &err), 0);
	ck_assert_ptr_null(kv);
	ck_assert_uint_eq(n, 0);
	ck_assert_int_eq(cgroup_v2_resource_files(&r, &kv, &n, &err), 0);
	ck_assert_uint_eq(n, 0);
	cgroup_v2_kv_free(kv, n);
	ck_assert_ptr_null(err);
}
END_TEST

START_TEST(test_unified_key_guard)
{
	bc_kv_t u[] = {{(char *)"memory.max", (char *)"1"},
		       {(char *)"../cgroup.procs", (char *)"1"}};
	bc_resources_t r = {.unified = u, .n_unified = 2};
	bc_kv_t *kv = NULL;
	size_t n = 0;
	bc_error_t *err = NULL;

	ck_assert_int_eq(cgroup_v2_resource_files(&r, &kv, &n, &err), -1);
	ck_assert_str_eq(err->msg, "linux.resources.unified: invalid key \"../cgroup.procs\"");
	bc_error_free(err);
	err = NULL;
	u[1].key = (char *)"?memory.low";
	ck_assert_int_eq(cgroup_v2_resource_files(&r, &kv, &n, &err), -1);
	ck_assert_str_eq(err->msg, "linux.resources.unified: invalid key \"?memory.low\"");
	bc_error_free(err);
}
END_TEST

START_TEST(test_needed_controllers)
{
	bc_kv_t kv[] = {
	    {(char *)"cgroup.freeze", (char *)"0"},
	    {(char *)"memory.pressure", (char *)"x"},
	    {(char *)"?memory.swap.max", (char *)"max"},
	    {(char *)"memory.max", (char *)"1"},
	    {(char *)"cpu.weight", (char *)"1"},
	    {(char *)"cpuset.cpus", (char *)"0"},
	    {(char *)"io.max", (char *)"8:0 rbps=1"},
	    {(char *)"io.bfq.weight", (char *)"1"},
	    {(char *)"pids.max", (char *)"1"},
	    {(char *)"?hugetlb.2MB.rsvd.max", (char *)"1"},
	    {(char *)"rdma.max", (char *)"x"},
	    {(char *)"misc.max", (char *)"res_a 1"},
	    {(char *)"cpu.stat", (char *)""},
	    {(char *)"nodot", (char *)""},
	};
	cleanup_strv char **c = NULL;
	static const char *const want[] = {"memory", "cpu",	"cpuset", "io",
					   "pids",   "hugetlb", "rdma",	  "misc"};

	ck_assert_int_eq(cgroup_v2_needed_controllers(kv, BC_ARRAY_SIZE(kv), &c), 8);
	for (size_t i = 0; i < BC_ARRAY_SIZE(want); i++)
		ck_assert_str_eq(c[i], want[i]);
	ck_assert_ptr_null(c[8]);

	cleanup_strv char **none = NULL;
	ck_assert_int_eq(cgroup_v2_needed_controllers(NULL, 0, &none), 0);
	ck_assert_ptr_null(none[0]);
}
END_TEST

/* ---- the writer, against a temp directory of pre-created files ---- */

static char tmpdir[64];
static int tmpfd = -1;

static void mk(const char *name)
{
	int fd = openat(tmpfd, name, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);

	ck_assert_int_ge(fd, 0);
	close(fd);
}

static char *slurp(const char *name)
{
	char *data = NULL;
	size_t len;
	bc_error_t *err = NULL;

	if (bc_read_file_at(tmpfd, name, 4096, &data, &len, &err) < 0)
		ck_abort_msg("%s", err->msg);
	return data;
}

static void setup_dir(void)
{
	strcpy(tmpdir, "/tmp/test_cgroup.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
	tmpfd = open(tmpdir, O_DIRECTORY | O_RDONLY | O_CLOEXEC);
	ck_assert_int_ge(tmpfd, 0);
}

static void teardown_dir(void)
{
	cleanup_free char *cmd = bc_xasprintf("rm -rf '%s'", tmpdir);

	close(tmpfd);
	tmpfd = -1;
	ck_assert_int_eq(system(cmd), 0);
}

START_TEST(test_write_files)
{
	cleanup_spec bc_spec_t *spec =
	    parse_resources("{'memory':{'limit':1048576},'cpu':{'quota':-1},'pids':{'limit':64},"
			    "'hugepageLimits':[{'pageSize':'2MB','limit':4194304}]}");
	bc_kv_t *kv = NULL;
	size_t n = 0;
	bc_error_t *err = NULL;

	mk("memory.max");
	mk("cpu.max");
	mk("pids.max");
	mk("hugetlb.2MB.max"); /* no rsvd file: a pre-5.7 kernel */
	ck_assert_int_eq(cgroup_v2_resource_files(spec->linux_->resources, &kv, &n, &err), 0);
	ck_assert_int_eq(cgroup_v2_write_files(tmpfd, kv, n, &err), 0);
	ck_assert_ptr_null(err);
	cgroup_v2_kv_free(kv, n);

	cleanup_free char *mem = slurp("memory.max");
	cleanup_free char *cpu = slurp("cpu.max");
	cleanup_free char *pids = slurp("pids.max");
	cleanup_free char *huge = slurp("hugetlb.2MB.max");
	ck_assert_str_eq(mem, "1048576");
	ck_assert_str_eq(cpu, "max 100000");
	ck_assert_str_eq(pids, "64");
	ck_assert_str_eq(huge, "4194304");
	ck_assert_int_eq(faccessat(tmpfd, "hugetlb.2MB.rsvd.max", F_OK, 0), -1); /* no O_CREAT */
	ck_assert_int_eq(faccessat(tmpfd, "memory.swap.max", F_OK, 0), -1);
}
END_TEST

START_TEST(test_write_missing)
{
	bc_kv_t kv[] = {{(char *)"pids.max", (char *)"5"},
			{(char *)"cpu.max", (char *)"max 100000"}};
	bc_error_t *err = NULL;

	mk("pids.max");
	ck_assert_int_eq(cgroup_v2_write_files(tmpfd, kv, 2, &err), -1);
	ck_assert_int_eq(err->errnum, ENOENT);
	ck_assert_str_eq(err->msg, "cgroup: write \"max 100000\" to cpu.max: No such file or "
				   "directory (is the cpu controller enabled for this cgroup?)");
	bc_error_free(err);
	err = NULL;
	cleanup_free char *pids = slurp("pids.max"); /* the earlier entry was written */
	ck_assert_str_eq(pids, "5");
	ck_assert_int_eq(faccessat(tmpfd, "cpu.max", F_OK, 0), -1);

	/* A core file has no controller to hint at. */
	bc_kv_t core[] = {{(char *)"cgroup.freeze", (char *)"1"}};
	ck_assert_int_eq(cgroup_v2_write_files(tmpfd, core, 1, &err), -1);
	ck_assert_str_eq(err->msg,
			 "cgroup: write \"1\" to cgroup.freeze: No such file or directory");
	bc_error_free(err);
}
END_TEST

START_TEST(test_write_optional)
{
	bc_kv_t kv[] = {{(char *)"?memory.swap.max", (char *)"max"},
			{(char *)"?hugetlb.1GB.rsvd.max", (char *)"0"},
			{(char *)"memory.max", (char *)"max"}};
	bc_error_t *err = NULL;

	mk("hugetlb.1GB.rsvd.max");
	mk("memory.max");
	ck_assert_int_eq(cgroup_v2_write_files(tmpfd, kv, 3, &err), 0);
	ck_assert_ptr_null(err);
	cleanup_free char *rsvd = slurp("hugetlb.1GB.rsvd.max"); /* present: written */
	cleanup_free char *mem = slurp("memory.max");
	ck_assert_str_eq(rsvd, "0");
	ck_assert_str_eq(mem, "max");
	ck_assert_int_eq(faccessat(tmpfd, "memory.swap.max", F_OK, 0), -1);
}
END_TEST

START_TEST(test_write_nofollow_and_dir)
{
	bc_kv_t link[] = {{(char *)"memory.max", (char *)"1"}};
	bc_kv_t dir[] = {{(char *)"?io.max", (char *)"8:0 rbps=1"}};
	bc_error_t *err = NULL;

	mk("target");
	ck_assert_int_eq(symlinkat("target", tmpfd, "memory.max"), 0);
	ck_assert_int_eq(cgroup_v2_write_files(tmpfd, link, 1, &err), -1);
	ck_assert_int_eq(err->errnum, ELOOP);
	ck_assert_str_eq(err->msg,
			 "cgroup: write \"1\" to memory.max: Too many levels of symbolic links");
	bc_error_free(err);
	err = NULL;
	cleanup_free char *t = slurp("target");
	ck_assert_str_eq(t, "");

	/* Optional only forgives ENOENT. */
	ck_assert_int_eq(mkdirat(tmpfd, "io.max", 0755), 0);
	ck_assert_int_eq(cgroup_v2_write_files(tmpfd, dir, 1, &err), -1);
	ck_assert_str_eq(err->msg, "cgroup: write \"8:0 rbps=1\" to io.max: Is a directory");
	bc_error_free(err);
}
END_TEST

START_TEST(test_write_errno_from_write)
{
	/* The kernel's verdict comes from write(): /dev/full stands in for an EINVAL. */
	bc_kv_t kv[] = {{(char *)"full", (char *)"max 100000"}};
	bc_error_t *err = NULL;
	int dev = open("/dev", O_DIRECTORY | O_RDONLY | O_CLOEXEC);

	ck_assert_int_ge(dev, 0);
	ck_assert_int_eq(cgroup_v2_write_files(dev, kv, 1, &err), -1);
	close(dev);
	ck_assert_int_eq(err->errnum, ENOSPC);
	ck_assert_str_eq(err->msg, "cgroup: write \"max 100000\" to full: No space left on device");
	bc_error_free(err);
}
END_TEST

START_TEST(test_probe_features)
{
	cgroup_v2_features_t f = {.io_bfq_weight = true};
	bc_error_t *err = NULL;

	ck_assert_int_eq(cgroup_v2_probe_features(tmpfd, &f, &err), 0);
	ck_assert(!f.io_bfq_weight);
	mk("io.bfq.weight");
	ck_assert_int_eq(cgroup_v2_probe_features(tmpfd, &f, &err), 0);
	ck_assert(f.io_bfq_weight);
	ck_assert_ptr_null(err);
}
END_TEST

START_TEST(test_v1_probe_features)
{
	cgroup_v1_features_t f = {.blkio_weight = CGROUP_V1_WEIGHT_CFQ};
	bc_error_t *err = NULL;

	ck_assert_int_eq(cgroup_v1_probe_features(tmpfd, &f, &err), 0);
	ck_assert_int_eq(f.blkio_weight, CGROUP_V1_WEIGHT_NONE);
	/* A directory by that name is no weight file. */
	ck_assert_int_eq(mkdirat(tmpfd, "blkio.weight", 0755), 0);
	ck_assert_int_eq(cgroup_v1_probe_features(tmpfd, &f, &err), 0);
	ck_assert_int_eq(f.blkio_weight, CGROUP_V1_WEIGHT_NONE);
	mk("blkio.bfq.weight");
	ck_assert_int_eq(cgroup_v1_probe_features(tmpfd, &f, &err), 0);
	ck_assert_int_eq(f.blkio_weight, CGROUP_V1_WEIGHT_BFQ);
	/* With both, CFQ's, as runc picks. */
	ck_assert_int_eq(unlinkat(tmpfd, "blkio.weight", AT_REMOVEDIR), 0);
	mk("blkio.weight");
	ck_assert_int_eq(cgroup_v1_probe_features(tmpfd, &f, &err), 0);
	ck_assert_int_eq(f.blkio_weight, CGROUP_V1_WEIGHT_CFQ);
	ck_assert_ptr_null(err);
}
END_TEST

static void put(const char *name, const char *text)
{
	bc_error_t *err = NULL;

	if (bc_write_file_atomic_at(tmpfd, name, text, strlen(text), 0600, &err) < 0)
		ck_abort_msg("%s", err->msg);
}

static bool present(const char *name)
{
	struct stat st;

	return fstatat(tmpfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0;
}

/* cgroup_remove with a temp directory as the state directory: only records that name no
 * real cgroup, so nothing on the host is touched. */
START_TEST(test_remove_records)
{
	bc_error_t *err = NULL;

	/* No record: nothing to do. */
	ck_assert_int_eq(cgroup_remove(tmpfd, &err), 0);
	ck_assert_ptr_null(err);
	/* Lines that do not parse fail the removal and keep the record. */
	put("cgroups", "garbage\n/sys/fs/cgroup/memory\tx\ta\n\t\t\n/sys/fs/cgroup/memory\t1\t\n");
	ck_assert_int_eq(cgroup_remove(tmpfd, &err), -1);
	ck_assert_str_eq(err->msg, "cgroup: 4 malformed lines in the record cgroups: the cgroups "
				   "named there were not removed");
	bc_error_freep(&err);
	ck_assert(present("cgroups"));
	/* A mount point that is no cgroup mount is refused. */
	put("cgroups", "/tmp\t0\tbarco-test\n");
	ck_assert_int_eq(cgroup_remove(tmpfd, &err), -1);
	ck_assert_str_eq(err->msg, "cgroup: /tmp is not a cgroup mount");
	bc_error_freep(&err);
	/* The pending record alone is read when there is no exact one. */
	ck_assert_int_eq(unlinkat(tmpfd, "cgroups", 0), 0);
	put("cgroups.pending", "junk\n");
	ck_assert_int_eq(cgroup_remove(tmpfd, &err), -1);
	ck_assert_str_eq(err->msg, "cgroup: 1 malformed line in the record cgroups.pending: the "
				   "cgroups named there were not removed");
	bc_error_freep(&err);
	ck_assert(present("cgroups.pending"));
	/* The exact record supersedes the pending one: both go. */
	put("cgroups", "");
	ck_assert_int_eq(cgroup_remove(tmpfd, &err), 0);
	ck_assert_ptr_null(err);
	ck_assert(!present("cgroups") && !present("cgroups.pending"));
}
END_TEST

START_TEST(test_check_memory_update)
{
	bc_memory_t m = {.has_limit = true, .limit = 1000, .has_swap = true, .swap = 3000};
	bc_error_t *err = NULL;

	/* Off: anything goes. */
	ck_assert_int_eq(cgroup_v2_check_memory_update(&m, 5000, 0, &err), 0);
	ck_assert_int_eq(cgroup_v2_check_memory_update(NULL, 5000, 0, &err), 0);
	m.has_check_before_update = m.check_before_update = true;
	ck_assert_int_eq(cgroup_v2_check_memory_update(&m, 999, 2000, &err), 0);
	ck_assert_int_eq(cgroup_v2_check_memory_update(&m, 1000, 0, &err), -1);
	ck_assert_str_eq(err->msg, "linux.resources.memory.limit: rejecting memory limit 1000 "
				   "below usage 1000 (checkBeforeUpdate)");
	bc_error_free(err);
	err = NULL;
	ck_assert_int_eq(cgroup_v2_check_memory_update(&m, 999, 2001, &err), -1);
	ck_assert_str_eq(err->msg, "linux.resources.memory.swap: rejecting memory+swap limit 3000 "
				   "below usage 3000 (checkBeforeUpdate)");
	bc_error_free(err);
	err = NULL;
	/* Unlimited values are never below usage. */
	m.limit = -1;
	m.swap = -1;
	ck_assert_int_eq(cgroup_v2_check_memory_update(&m, UINT64_MAX / 2, 1, &err), 0);
}
END_TEST

/* ---- cgroup v1 conversions and the manager's pure parts (cgroup_v1.h, cgroup.h) ---- */

static char *files_v1_for(const char *res, cgroup_v1_blkio_weight_t weight)
{
	cleanup_spec bc_spec_t *spec = parse_resources(res);
	cgroup_v1_features_t f = {.blkio_weight = weight};
	bc_error_t *err = NULL;
	bc_kv_t *kv = NULL;
	size_t n = 99;
	char *out;

	if (cgroup_v1_resource_files_for(spec->linux_->resources, &f, &kv, &n, &err) < 0) {
		ck_assert_ptr_null(kv);
		ck_assert_uint_eq(n, 0);
		out = bc_xasprintf("ERR:%s", err->msg);
		bc_error_free(err);
		return out;
	}
	ck_assert_ptr_null(err);
	return kv_text(kv, n);
}

/* The plain form: CFQ's file names. */
static char *files_v1(const char *res)
{
	cleanup_spec bc_spec_t *spec = parse_resources(res);
	cleanup_free char *cfq = files_v1_for(res, CGROUP_V1_WEIGHT_CFQ);
	bc_error_t *err = NULL;
	bc_kv_t *kv = NULL;
	size_t n = 99;
	char *out;

	if (cgroup_v1_resource_files(spec->linux_->resources, &kv, &n, &err) < 0) {
		ck_assert_ptr_null(kv);
		ck_assert_uint_eq(n, 0);
		out = bc_xasprintf("ERR:%s", err->msg);
		bc_error_free(err);
		ck_assert_str_eq(out, cfq);
		return out;
	}
	out = kv_text(kv, n);
	ck_assert_str_eq(out, cfq);
	return out;
}

#define assert_v1(res, expected)                                                                   \
	do {                                                                                       \
		cleanup_free char *got_ = files_v1(res);                                           \
		ck_assert_str_eq(got_, expected);                                                  \
	} while (0)

#define assert_v1_for(res, weight, expected)                                                       \
	do {                                                                                       \
		cleanup_free char *got_ = files_v1_for(res, weight);                               \
		ck_assert_str_eq(got_, expected);                                                  \
	} while (0)

START_TEST(test_v1_list)
{
	assert_v1("{'memory':{'limit':8388608,'swap':16777216,'reservation':4194304,"
		  "'kernelTCP':1048576,'swappiness':10,'disableOOMKiller':true},"
		  "'cpu':{'shares':512,'quota':50000,'period':100000,'cpus':'0-1','mems':'0'},"
		  "'pids':{'limit':0}}",
		  "memory.limit_in_bytes=8388608\n"
		  "memory.memsw.limit_in_bytes=16777216\n"
		  "memory.soft_limit_in_bytes=4194304\n"
		  "memory.kmem.tcp.limit_in_bytes=1048576\n"
		  "memory.swappiness=10\n"
		  "memory.oom_control=1\n"
		  "cpu.shares=512\n"
		  "cpu.cfs_period_us=100000\n"
		  "cpu.cfs_quota_us=50000\n"
		  "cpuset.cpus=0-1\n"
		  "cpuset.mems=0\n"
		  "pids.max=0\n");
	/* -1 means unlimited; memsw -1 may be absent without swap accounting. */
	assert_v1("{'memory':{'limit':-1,'swap':-1},'cpu':{'quota':-1},'pids':{'limit':-1}}",
		  "memory.limit_in_bytes=-1\n"
		  "?memory.memsw.limit_in_bytes=-1\n"
		  "cpu.cfs_quota_us=-1\n"
		  "pids.max=max\n");
	assert_v1("{'pids':{'limit':5}}", "pids.max=5\n");
	/* 0 is unset for limit, swap, reservation; kernel is ignored; devices not written. */
	assert_v1("{'memory':{'limit':0,'swap':0,'reservation':0,'kernel':1048576},"
		  "'devices':[{'allow':false,'access':'rwm'}]}",
		  "");
	assert_v1("{}", "");
	assert_v1("{'memory':{'limit':1000,'swap':1000}}",
		  "memory.limit_in_bytes=1000\nmemory.memsw.limit_in_bytes=1000\n");
}
END_TEST

static const struct {
	const char *res, *msg;
} v1_errors[] = {
    {"{'memory':{'limit':2000,'swap':1000}}",
     "ERR:linux.resources.memory.swap: memory+swap limit 1000 is below the memory limit 2000"},
    {"{'memory':{'swap':1000}}", "ERR:linux.resources.memory.swap: a swap limit needs a memory "
				 "limit (linux.resources.memory.limit)"},
    {"{'memory':{'limit':-2}}", "ERR:linux.resources.memory.limit: invalid value -2"},
    {"{'memory':{'swappiness':101}}",
     "ERR:linux.resources.memory.swappiness: 101 is outside 0..100"},
    {"{'memory':{'useHierarchy':false}}", "ERR:linux.resources.memory.useHierarchy: false is "
					  "not supported (the kernel is always hierarchical)"},
    {"{'cpu':{'period':500}}", "ERR:linux.resources.cpu.period: 500 is outside 1000..1000000 (us)"},
    {"{'cpu':{'quota':10}}", "ERR:linux.resources.cpu.quota: 10 is below the minimum 1000 (us)"},
    {"{'blockIO':{'weight':5}}", "ERR:linux.resources.blockIO.weight: 5 is outside 10..1000"},
    {"{'blockIO':{'weight':1001}}", "ERR:linux.resources.blockIO.weight: 1001 is outside 10..1000"},
    {"{'blockIO':{'leafWeight':9}}",
     "ERR:linux.resources.blockIO.leafWeight: 9 is outside 10..1000"},
    {"{'blockIO':{'weightDevice':[{'major':8,'minor':0,'weight':2000}]}}",
     "ERR:linux.resources.blockIO.weightDevice[0].weight: 2000 is outside 10..1000"},
    {"{'blockIO':{'weightDevice':[{'major':8,'minor':0,'weight':10},"
     "{'major':8,'minor':1,'leafWeight':1}]}}",
     "ERR:linux.resources.blockIO.weightDevice[1].leafWeight: 1 is outside 10..1000"},
    {"{'blockIO':{'weightDevice':[{'major':-1,'minor':0,'weight':100}]}}",
     "ERR:linux.resources.blockIO.weightDevice[0]: invalid device -1:0"},
    {"{'blockIO':{'throttleWriteIOPSDevice':[{'major':8,'minor':4294967296,'rate':1}]}}",
     "ERR:linux.resources.blockIO.throttleWriteIOPSDevice[0]: invalid device 8:4294967296"},
    {"{'network':{'priorities':[{'name':'eth 0','priority':1}]}}",
     "ERR:linux.resources.network.priorities[0].name: invalid interface name \"eth 0\""},
    {"{'network':{'priorities':[{'name':'a23456789012345x','priority':1}]}}",
     "ERR:linux.resources.network.priorities[0].name: invalid interface name "
     "\"a23456789012345x\""},
    {"{'rdma':{'mlx 5':{'hcaHandles':1}}}",
     "ERR:linux.resources.rdma: invalid device name \"mlx 5\""},
};

START_TEST(test_v1_errors)
{
	assert_v1(v1_errors[_i].res, v1_errors[_i].msg);
}
END_TEST

START_TEST(test_v1_controller)
{
	/* NULL: a cgroup2 core file, in every cgroup2 directory. */
	const char *keys[][3] = {
	    {"?memory.memsw.limit_in_bytes", "memory", "memory.memsw.limit_in_bytes"},
	    {"pids.max", "pids", "pids.max"},
	    {"cpuset.cpus", "cpuset", "cpuset.cpus"},
	    {"cpu.cfs_quota_us", "cpu", "cpu.cfs_quota_us"},
	    {"blkio.throttle.read_bps_device", "blkio", "blkio.throttle.read_bps_device"},
	    {"?hugetlb.2MB.rsvd.limit_in_bytes", "hugetlb", "hugetlb.2MB.rsvd.limit_in_bytes"},
	    {"net_cls.classid", "net_cls", "net_cls.classid"},
	    {"net_prio.ifpriomap", "net_prio", "net_prio.ifpriomap"},
	    {"rdma.max", "rdma", "rdma.max"},
	    {"@memory.high", "memory", "memory.high"},
	    {"@hugetlb.2MB.max", "hugetlb", "hugetlb.2MB.max"},
	    {"@cgroup.max.descendants", NULL, "cgroup.max.descendants"},
	    {"@cpu.pressure", NULL, "cpu.pressure"},
	    {"@cpu.stat", NULL, "cpu.stat"},
	    {"@cpu.weight", "cpu", "cpu.weight"}};

	for (size_t i = 0; i < BC_ARRAY_SIZE(keys); i++) {
		cleanup_free char *c = cgroup_v1_file_controller(keys[i][0]);

		if (keys[i][1] == NULL)
			ck_assert_msg(c == NULL, "%s: %s", keys[i][0], c);
		else
			ck_assert_str_eq(c, keys[i][1]);
		ck_assert_str_eq(cgroup_v1_file_name(keys[i][0]), keys[i][2]);
		ck_assert(cgroup_v1_key_is_unified(keys[i][0]) == (keys[i][0][0] == '@'));
	}
}
END_TEST

static const char blkio_all[] =
    "{'blockIO':{'weight':500,'leafWeight':300,"
    "'weightDevice':[{'major':8,'minor':0,'weight':100,'leafWeight':50},"
    "{'major':8,'minor':16,'leafWeight':20},{'major':8,'minor':32,'weight':0}],"
    "'throttleReadBpsDevice':[{'major':8,'minor':0,'rate':1048576},"
    "{'major':8,'minor':16,'rate':2}],"
    "'throttleWriteBpsDevice':[{'major':254,'minor':0,'rate':0}],"
    "'throttleReadIOPSDevice':[{'major':8,'minor':0,'rate':300}],"
    "'throttleWriteIOPSDevice':[{'major':8,'minor':0,'rate':18446744073709551615}]}}";

START_TEST(test_v1_blkio)
{
	/* CFQ's files, the default; one write per device and file, in the order given. */
	assert_v1(blkio_all, "blkio.weight=500\n"
			     "blkio.leaf_weight=300\n"
			     "blkio.weight_device=8:0 100\n"
			     "blkio.leaf_weight_device=8:0 50\n"
			     "blkio.leaf_weight_device=8:16 20\n"
			     "blkio.throttle.read_bps_device=8:0 1048576\n"
			     "blkio.throttle.read_bps_device=8:16 2\n"
			     "blkio.throttle.write_bps_device=254:0 0\n"
			     "blkio.throttle.read_iops_device=8:0 300\n"
			     "blkio.throttle.write_iops_device=8:0 18446744073709551615\n");
	/* BFQ: its own weight files, 1..1000, no leaf weights. */
	assert_v1_for("{'blockIO':{'weight':5,'weightDevice':[{'major':8,'minor':0,'weight':1}],"
		      "'throttleReadBpsDevice':[{'major':8,'minor':0,'rate':7}]}}",
		      CGROUP_V1_WEIGHT_BFQ,
		      "blkio.bfq.weight=5\n"
		      "blkio.bfq.weight_device=8:0 1\n"
		      "blkio.throttle.read_bps_device=8:0 7\n");
	assert_v1_for(blkio_all, CGROUP_V1_WEIGHT_BFQ,
		      "ERR:linux.resources.blockIO.leafWeight: not supported by the BFQ I/O "
		      "scheduler (no blkio.leaf_weight; CFQ had it)");
	assert_v1_for("{'blockIO':{'weightDevice':[{'major':8,'minor':0,'leafWeight':10}]}}",
		      CGROUP_V1_WEIGHT_BFQ,
		      "ERR:linux.resources.blockIO.leafWeight: not supported by the BFQ I/O "
		      "scheduler (no blkio.leaf_weight; CFQ had it)");
	assert_v1_for("{'blockIO':{'weight':1001}}", CGROUP_V1_WEIGHT_BFQ,
		      "ERR:linux.resources.blockIO.weight: 1001 is outside 1..1000");
	/* Neither scheduler: a weight is refused, throttling still works. */
	assert_v1_for("{'blockIO':{'weight':100}}", CGROUP_V1_WEIGHT_NONE,
		      "ERR:linux.resources.blockIO: I/O weights are not supported by this kernel "
		      "(the blkio cgroup has neither blkio.weight nor blkio.bfq.weight: is the "
		      "BFQ I/O scheduler available?)");
	assert_v1_for("{'blockIO':{'weightDevice':[{'major':8,'minor':0,'weight':100}]}}",
		      CGROUP_V1_WEIGHT_NONE,
		      "ERR:linux.resources.blockIO: I/O weights are not supported by this kernel "
		      "(the blkio cgroup has neither blkio.weight nor blkio.bfq.weight: is the "
		      "BFQ I/O scheduler available?)");
	assert_v1_for("{'blockIO':{'weight':0,'throttleWriteBpsDevice':[{'major':7,'minor':0,"
		      "'rate':1024}]}}",
		      CGROUP_V1_WEIGHT_NONE, "blkio.throttle.write_bps_device=7:0 1024\n");
	/* 0 is unset. */
	assert_v1("{'blockIO':{'weight':0,'leafWeight':0}}", "");
	assert_v1("{'blockIO':{}}", "");
}
END_TEST

START_TEST(test_v1_other_controllers)
{
	assert_v1("{'hugepageLimits':[{'pageSize':'2MB','limit':4194304},"
		  "{'pageSize':'1GB','limit':0}]}",
		  "hugetlb.2MB.limit_in_bytes=4194304\n"
		  "?hugetlb.2MB.rsvd.limit_in_bytes=4194304\n"
		  "hugetlb.1GB.limit_in_bytes=0\n"
		  "?hugetlb.1GB.rsvd.limit_in_bytes=0\n");
	assert_v1("{'network':{'classID':1048577,'priorities':[{'name':'eth0','priority':5},"
		  "{'name':'lo','priority':0}]}}",
		  "net_cls.classid=1048577\n"
		  "net_prio.ifpriomap=eth0 5\n"
		  "net_prio.ifpriomap=lo 0\n");
	assert_v1("{'network':{'classID':0}}", "net_cls.classid=0\n");
	assert_v1("{'rdma':{'mlx5_1':{'hcaHandles':3,'hcaObjects':10000},"
		  "'mlx4_0':{'hcaObjects':5}}}",
		  "rdma.max=mlx5_1 hca_handle=3 hca_object=10000\n"
		  "rdma.max=mlx4_0 hca_object=5\n");
	/* unified: marked for the cgroup2 hierarchy, one write per non-empty line, last. */
	assert_v1("{'unified':{'cgroup.max.descendants':'5','memory.high':'1\\n\\n2\\n'},"
		  "'pids':{'limit':3}}",
		  "pids.max=3\n"
		  "@cgroup.max.descendants=5\n"
		  "@memory.high=1\n"
		  "@memory.high=2\n");
	assert_v1("{'unified':{'cgroup.max.depth':''}}", "");
	/* Every controller at once: memory, cpu, pids, blkio, hugetlb, net_cls, net_prio,
	 * rdma, unified. */
	assert_v1("{'unified':{'io.max':'8:0 rbps=1'},'rdma':{'d':{'hcaHandles':1}},"
		  "'network':{'priorities':[{'name':'lo','priority':2}],'classID':7},"
		  "'hugepageLimits':[{'pageSize':'64KB','limit':65536}],"
		  "'blockIO':{'weight':10},'pids':{'limit':-1},'cpu':{'shares':2},"
		  "'memory':{'limit':1048576}}",
		  "memory.limit_in_bytes=1048576\n"
		  "cpu.shares=2\n"
		  "pids.max=max\n"
		  "blkio.weight=10\n"
		  "hugetlb.64KB.limit_in_bytes=65536\n"
		  "?hugetlb.64KB.rsvd.limit_in_bytes=65536\n"
		  "net_cls.classid=7\n"
		  "net_prio.ifpriomap=lo 2\n"
		  "rdma.max=d hca_handle=1\n"
		  "@io.max=8:0 rbps=1\n");
}
END_TEST

START_TEST(test_v1_struct_guards)
{
	/* The parser refuses such keys and page sizes; a struct built in code gets the same
	 * answer from the conversion. */
	bc_kv_t bad[] = {{.key = "@memory.high", .value = "1"},
			 {.key = "?memory.high", .value = "1"},
			 {.key = "../memory.high", .value = "1"},
			 {.key = "", .value = "1"}};
	bc_hugepage_limit_t pages[] = {{.page_size = "2MB/..", .limit = 1},
				       {.page_size = "02MB", .limit = 1},
				       {.page_size = "MB", .limit = 1},
				       {.page_size = "2TB", .limit = 1},
				       {.page_size = NULL, .limit = 1}};
	bc_error_t *err = NULL;
	bc_kv_t *kv = NULL;
	size_t n = 0;

	for (size_t i = 0; i < BC_ARRAY_SIZE(bad); i++) {
		bc_resources_t r = {.unified = &bad[i], .n_unified = 1};
		cleanup_free char *want =
		    bc_xasprintf("linux.resources.unified: invalid key \"%s\"", bad[i].key);

		ck_assert_int_eq(cgroup_v1_resource_files(&r, &kv, &n, &err), -1);
		ck_assert_str_eq(err->msg, want);
		bc_error_freep(&err);
	}
	for (size_t i = 0; i < BC_ARRAY_SIZE(pages); i++) {
		bc_resources_t r = {.hugepage_limits = &pages[i], .n_hugepage_limits = 1};
		cleanup_free char *want = bc_xasprintf(
		    "linux.resources.hugepageLimits[0].pageSize: invalid page size \"%s\" "
		    "(expected e.g. 2MB, 1GB, 64KB)",
		    pages[i].page_size ? pages[i].page_size : "");

		ck_assert_int_eq(cgroup_v1_resource_files(&r, &kv, &n, &err), -1);
		ck_assert_str_eq(err->msg, want);
		bc_error_freep(&err);
	}
	{
		bc_net_priority_t p = {.name = NULL, .priority = 1};
		bc_resources_t r = {.net_priorities = &p, .n_net_priorities = 1};

		ck_assert_int_eq(cgroup_v1_resource_files(&r, &kv, &n, &err), -1);
		ck_assert_str_eq(err->msg, "linux.resources.network.priorities[0].name: invalid "
					   "interface name \"\"");
		bc_error_freep(&err);
	}
	{
		bc_rdma_limit_t d = {.device = "mlx5_0"};
		bc_resources_t r = {.rdma = &d, .n_rdma = 1};

		ck_assert_int_eq(cgroup_v1_resource_files(&r, &kv, &n, &err), -1);
		ck_assert_str_eq(err->msg, "linux.resources.rdma.mlx5_0: neither hcaHandles nor "
					   "hcaObjects is set");
		bc_error_freep(&err);
	}
	ck_assert_int_eq(cgroup_v1_resource_files(NULL, &kv, &n, &err), 0);
	ck_assert_ptr_null(kv);
	ck_assert_uint_eq(n, 0);
}
END_TEST

static const char hybrid_mountinfo[] =
    "22 1 0:21 / /sys rw,nosuid - sysfs sysfs rw\n"
    "30 22 0:27 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
    "31 30 0:28 / /sys/fs/cgroup/cpu,cpuacct rw,relatime - cgroup cgroup rw,cpu,cpuacct\n"
    "34 30 0:31 /ctr /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n"
    "35 30 0:32 / /sys/fs/cgroup/pids rw shared:5 master:1 - cgroup cgroup rw,pids\n"
    "36 30 0:33 / /sys/fs/cgroup/systemd rw - cgroup cgroup rw,xattr,name=systemd\n"
    "37 30 0:34 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw,nsdelegate\n"
    "38 1 0:32 / /mnt/pids rw - cgroup cgroup rw,pids\n"
    "39 30 0:35 / /sys/fs/cgroup/freezer rw - cgroup cgroup rw,freezer\n"
    "bogus line\n";
static const char hybrid_self[] = "9:name=systemd:/user.slice\n"
				  "8:pids:/a/b\n"
				  "4:memory:/ctr/x\n"
				  "2:cpu,cpuacct:/\n"
				  "0::/user.slice\n";

START_TEST(test_hierarchies)
{
	cgroup_hier_t *h = NULL;
	bc_error_t *err = NULL;
	size_t n = 0;

	ck_assert_int_eq(cgroup_hierarchies_parse(hybrid_mountinfo, hybrid_self, CGROUP_MODE_HYBRID,
						  &h, &n, &err),
			 0);
	/* freezer: we have no line for it; /mnt/pids: not below /sys/fs/cgroup. */
	ck_assert_uint_eq(n, 5);
	ck_assert_str_eq(h[0].mountpoint, "/sys/fs/cgroup/cpu,cpuacct");
	ck_assert_str_eq(h[0].controllers, "cpu,cpuacct");
	ck_assert_str_eq(h[0].own, "/");
	ck_assert(cgroup_hier_has(&h[0], "cpu") && cgroup_hier_has(&h[0], "cpuacct"));
	ck_assert(!cgroup_hier_has(&h[0], "cpuset"));
	ck_assert_str_eq(h[1].mountpoint, "/sys/fs/cgroup/memory");
	ck_assert_str_eq(h[1].root, "/ctr");
	ck_assert_str_eq(h[1].own, "/ctr/x");
	ck_assert_str_eq(h[2].own, "/a/b");
	ck_assert_str_eq(h[3].controllers, "name=systemd");
	ck_assert(h[4].v2);
	ck_assert_str_eq(h[4].mountpoint, "/sys/fs/cgroup/unified");
	ck_assert_str_eq(h[4].own, "/user.slice");
	ck_assert(!cgroup_hier_has(&h[4], "memory"));
	cgroup_hierarchies_free(h, n);

	ck_assert_int_eq(
	    cgroup_hierarchies_parse(hybrid_mountinfo, hybrid_self, CGROUP_MODE_V1, &h, &n, &err),
	    0);
	ck_assert_uint_eq(n, 4); /* no unified */
	cgroup_hierarchies_free(h, n);

	ck_assert_int_eq(cgroup_hierarchies_parse("40 1 0:40 / /sys/fs/cgroup rw - cgroup2 cgroup2 "
						  "rw\n",
						  "0::/init.scope\n", CGROUP_MODE_V2, &h, &n, &err),
			 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_str_eq(h[0].mountpoint, "/sys/fs/cgroup");
	ck_assert_str_eq(h[0].own, "/init.scope");
	cgroup_hierarchies_free(h, n);

	ck_assert_int_eq(
	    cgroup_hierarchies_parse(hybrid_mountinfo, hybrid_self, CGROUP_MODE_V2, &h, &n, &err),
	    -1);
	ck_assert_str_eq(err->msg, "cgroup: no cgroup2 hierarchy of ours is mounted under "
				   "/sys/fs/cgroup");
	bc_error_free(err);
}
END_TEST

static char *below(const char *root, const char *own, const char *path, const char *id)
{
	cgroup_hier_t h = {.mountpoint = (char *)"/sys/fs/cgroup/memory",
			   .root = (char *)root,
			   .controllers = (char *)"memory",
			   .own = (char *)own};
	bc_error_t *err = NULL;
	char *r = cgroup_path_below_mount(&h, path, id, &err);

	if (r == NULL) {
		ck_assert_ptr_nonnull(err);
		r = bc_xasprintf("ERR:%s", err->msg);
		bc_error_free(err);
	}
	return r;
}

#define assert_below(root, own, path, id, expected)                                                \
	do {                                                                                       \
		cleanup_free char *got_ = below(root, own, path, id);                              \
		ck_assert_str_eq(got_, expected);                                                  \
	} while (0)

START_TEST(test_paths)
{
	/* Absolute: below the mount, whatever our own cgroup is. */
	assert_below("/", "/u/v", "/a/b", "id", "a/b");
	assert_below("/", "/u/v", "//a//b/", "id", "a/b");
	/* Relative: below our own cgroup. */
	assert_below("/", "/u/v", "x/y", "id", "u/v/x/y");
	assert_below("/", "/", "x", "id", "x");
	/* None: the ID, relative (as runc). */
	assert_below("/", "/u/v", NULL, "ctr1", "u/v/ctr1");
	assert_below("/", "/u/v", "", "ctr1", "u/v/ctr1");
	/* Our cgroup is seen through the mount's root. */
	assert_below("/ctr", "/ctr/x", "y", "id", "x/y");
	assert_below("/ctr", "/ctr", "y", "id", "y");
	assert_below("/ctr", "/ctrl/x", "y", "id",
		     "ERR:cgroup: our cgroup /ctrl/x is not visible under /sys/fs/cgroup/memory "
		     "(its root is /ctr)");
	/* Components are checked. */
	assert_below("/", "/u", "a/../b", "id",
		     "ERR:cgroup: linux.cgroupsPath \"a/../b\" has a \"..\" component");
	assert_below("/", "/u", "./a", "id",
		     "ERR:cgroup: linux.cgroupsPath \"./a\" has a \".\" component");
	assert_below("/", "/u/../v", "a", "id",
		     "ERR:cgroup: own cgroup \"/u/../v\" has a \"..\" component");
	assert_below("/", "/u", "/", "id",
		     "ERR:cgroup: linux.cgroupsPath \"/\" names the root of /sys/fs/cgroup/memory");
}
END_TEST

START_TEST(test_manager_flag)
{
	bc_error_t *err = NULL;

	ck_assert(!cgroup_manager_disabled());
	ck_assert_int_eq(cgroup_set_manager("disabled", &err), 0);
	ck_assert(cgroup_manager_disabled());
	ck_assert_int_eq(cgroup_set_manager("cgroupfs", &err), 0);
	ck_assert(!cgroup_manager_disabled());
	ck_assert_int_eq(cgroup_set_manager("bogus", &err), -1);
	ck_assert_str_eq(err->msg, "--cgroup-manager: \"bogus\" is not cgroupfs or disabled");
	bc_error_free(err);
}
END_TEST

static Suite *cgroup_suite(void)
{
	Suite *s = suite_create("cgroup_v2");
	TCase *tc = tcase_create("convert");
	TCase *tw = tcase_create("write");
	TCase *tv1 = tcase_create("v1_and_paths");

	tcase_add_test(tc, test_cpu_shares);
	tcase_add_test(tc, test_blkio_weight);
	tcase_add_loop_test(tc, test_memory_swap, 0, BC_ARRAY_SIZE(swap_cases));
	tcase_add_test(tc, test_cpu_max_and_max_value);
	tcase_add_test(tc, test_rich_list);
	tcase_add_test(tc, test_bfq);
	tcase_add_test(tc, test_memory_edges);
	tcase_add_test(tc, test_cpu_edges);
	tcase_add_test(tc, test_pids);
	tcase_add_loop_test(tc, test_errors, 0, BC_ARRAY_SIZE(errors));
	tcase_add_test(tc, test_struct_guards);
	tcase_add_test(tc, test_null_and_empty);
	tcase_add_test(tc, test_unified_key_guard);
	tcase_add_test(tc, test_needed_controllers);
	tcase_add_test(tc, test_check_memory_update);
	suite_add_tcase(s, tc);

	tcase_add_checked_fixture(tw, setup_dir, teardown_dir);
	tcase_add_test(tw, test_write_files);
	tcase_add_test(tw, test_write_missing);
	tcase_add_test(tw, test_write_optional);
	tcase_add_test(tw, test_write_nofollow_and_dir);
	tcase_add_test(tw, test_write_errno_from_write);
	tcase_add_test(tw, test_probe_features);
	tcase_add_test(tw, test_v1_probe_features);
	tcase_add_test(tw, test_remove_records);
	suite_add_tcase(s, tw);

	tcase_add_test(tv1, test_v1_list);
	tcase_add_loop_test(tv1, test_v1_errors, 0, BC_ARRAY_SIZE(v1_errors));
	tcase_add_test(tv1, test_v1_controller);
	tcase_add_test(tv1, test_v1_blkio);
	tcase_add_test(tv1, test_v1_other_controllers);
	tcase_add_test(tv1, test_v1_struct_guards);
	tcase_add_test(tv1, test_hierarchies);
	tcase_add_test(tv1, test_paths);
	tcase_add_test(tv1, test_manager_flag);
	suite_add_tcase(s, tv1);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(cgroup_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
