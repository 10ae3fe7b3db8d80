/* SPDX-License-Identifier: MIT */
/*
 * procattr and lsm: CPU and node lists, the name tables against the kernel's ABI values, the
 * checks of procattr_prepare with their exact messages, the apply steps (each test runs in a
 * child that Check forks, so the runner keeps its own attributes), and LSM detection against
 * a fake root.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "barco/intelrdt.h"
#include "barco/lsm.h"
#include "barco/procattr.h"
#include "barco/util.h"

#define LONG_BITS (8 * sizeof(unsigned long))

/* ---- helpers ---- */

/* Documents are written with ' for " to stay readable. */
static bc_spec_t *spec_of(const char *quoted)
{
	cleanup_free char *doc = bc_xstrdup(quoted);
	bc_error_t *err = NULL;
	bc_spec_t *spec;

	for (char *c = doc; *c; c++)
		if (*c == '\'')
			*c = '"';
	spec = bc_spec_parse("config.json", doc, strlen(doc), &err);
	if (spec == NULL)
		ck_abort_msg("parse error: %s", err ? err->msg : "(none)");
	return spec;
}

/* A document with PROCESS inside "process" (after cwd and args) and LINUX as "linux". */
static bc_spec_t *spec_with(const char *process, const char *linux_)
{
	cleanup_free char *doc = bc_xasprintf(
	    "{'ociVersion':'1.3.0','root':{'path':'r'},'process':{'cwd':'/','args':['a']%s%s},"
	    "'linux':{%s}}",
	    *process ? "," : "", process, linux_);

	return spec_of(doc);
}

/* The plan for a document, which must be accepted. */
static void prepare_ok(const char *process, const char *linux_, procattr_plan_t *plan)
{
	cleanup_spec bc_spec_t *spec = spec_with(process, linux_);
	bc_error_t *err = NULL;

	if (procattr_prepare(spec, plan, &err) < 0)
		ck_abort_msg("unexpected error: %s", err->msg);
	ck_assert_ptr_null(err);
}

/* procattr_prepare refuses the document with exactly `want`. */
static void prepare_fails(const char *process, const char *linux_, const char *want)
{
	cleanup_spec bc_spec_t *spec = spec_with(process, linux_);
	cleanup_error bc_error_t *err = NULL;
	procattr_plan_t plan;

	ck_assert_int_eq(procattr_prepare(spec, &plan, &err), -1);
	ck_assert_ptr_nonnull(err);
	ck_assert_str_eq(err->msg, want);
}

static bool bit(const unsigned long *bits, size_t n)
{
	return (bits[n / LONG_BITS] >> (n % LONG_BITS)) & 1UL;
}

/* The entries of a list of `nbits`, as "0,1,5" (or the error message). */
static char *list_result(const char *s, size_t nbits, int *n)
{
	unsigned long bits[4096 / LONG_BITS] = {0};
	cleanup_error bc_error_t *err = NULL;
	cleanup_free char *out = bc_xstrdup("");

	ck_assert_uint_le(nbits, 4096);
	*n = procattr_parse_list(s, "list", bits, nbits, &err);
	if (*n < 0) {
		ck_assert_ptr_nonnull(err);
		ck_assert_int_eq(err->errnum, EINVAL);
		return bc_xstrdup(err->msg);
	}
	ck_assert_ptr_null(err);
	for (size_t i = 0; i < nbits; i++) {
		if (bit(bits, i)) {
			char *next = bc_xasprintf("%s%s%zu", out, *out ? "," : "", i);

			free(out);
			out = next;
		}
	}
	return steal_ptr(out);
}

static void list_ok(const char *s, size_t nbits, const char *want, int want_n)
{
	int n;
	cleanup_free char *got = list_result(s, nbits, &n);

	ck_assert_msg(n == want_n, "\"%s\": %d entries, expected %d (%s)", s, n, want_n, got);
	ck_assert_str_eq(got, want);
}

static void list_bad(const char *s, size_t nbits, const char *want)
{
	int n;
	cleanup_free char *got = list_result(s, nbits, &n);

	ck_assert_msg(n == -1, "\"%s\" was accepted: %s", s, got);
	ck_assert_str_eq(got, want);
}

/* ---- lists ---- */

START_TEST(test_list_valid)
{
	list_ok("", 64, "", 0);
	list_ok(NULL, 64, "", 0);
	list_ok("0", 64, "0", 1);
	list_ok("7", 64, "7", 1);
	list_ok("0-3,7", 64, "0,1,2,3,7", 5);
	list_ok("0,1,2-3", 64, "0,1,2,3", 4);
	list_ok("3-3", 64, "3", 1);
	/* As runc reads them: empty elements and blanks around an element are fine. */
	list_ok(",0,1,", 64, "0,1", 2);
	list_ok("1, 2, 1-2", 64, "1,2", 2);
	list_ok("    , 1   , 3  ,  5-7,    ", 64, "1,3,5,6,7", 5);
	list_ok("\t4\t", 64, "4", 1);
	/* Overlaps count once; the largest entry is nbits - 1. */
	list_ok("0-2,1-3,2", 64, "0,1,2,3", 4);
	list_ok("63", 64, "63", 1);
	list_ok("62-63", 64, "62,63", 2);
	list_ok("0,1023", 1024, "0,1023", 2);
}
END_TEST

START_TEST(test_list_invalid)
{
	list_bad("-", 64,
		 "list: \"-\": - is not a number or a range N-M (digits, one dash, no "
		 "blanks)");
	list_bad("0-", 64, "list: \"0-\": the range 0- has no end");
	list_bad("1,2-", 64, "list: \"1,2-\": the range 2- has no end");
	list_bad("-3", 64,
		 "list: \"-3\": -3 is not a number or a range N-M (digits, one dash, no blanks)");
	list_bad(",", 64, "list: \",\": the list names nothing");
	list_bad(" ", 64, "list: \" \": the list names nothing");
	list_bad(" , ,", 64, "list: \" , ,\": the list names nothing");
	list_bad("54-53", 64, "list: \"54-53\": the range 54-53 is reversed");
	list_bad("1 - 2", 64,
		 "list: \"1 - 2\": 1 - 2 is not a number or a range N-M (digits, one dash, no "
		 "blanks)");
	list_bad("1-2-3", 64,
		 "list: \"1-2-3\": 1-2-3 is not a number or a range N-M (digits, one dash, no "
		 "blanks)");
	list_bad("a", 64,
		 "list: \"a\": a is not a number or a range N-M (digits, one dash, no blanks)");
	list_bad("0x1", 64,
		 "list: \"0x1\": 0x1 is not a number or a range N-M (digits, one dash, no blanks)");
	list_bad("+1", 64,
		 "list: \"+1\": +1 is not a number or a range N-M (digits, one dash, no blanks)");
	list_bad("1;2", 64,
		 "list: \"1;2\": 1;2 is not a number or a range N-M (digits, one dash, no blanks)");
	list_bad("64", 64, "list: \"64\": 64 goes beyond the maximum 63");
	list_bad("0-64", 64, "list: \"0-64\": 0-64 goes beyond the maximum 63");
	list_bad("1024", 1024, "list: \"1024\": 1024 goes beyond the maximum 1023");
	/* A run of digits that overflows any integer type stops at the maximum. */
	list_bad("99999999999999999999999999", 64,
		 "list: \"99999999999999999999999999\": 99999999999999999999999999 goes beyond "
		 "the maximum 63");
	list_bad("0-18446744073709551617", 64,
		 "list: \"0-18446744073709551617\": 0-18446744073709551617 goes beyond the "
		 "maximum 63");
	/* A control character is not echoed to the terminal. */
	list_bad("1\x1b[2J", 64,
		 "list: \"1?[2J\": 1?[2J is not a number or a range N-M (digits, one dash, no "
		 "blanks)");
}
END_TEST

START_TEST(test_cpu_list)
{
	cleanup_error bc_error_t *err = NULL;
	cpu_set_t set;

	ck_assert_int_eq(procattr_parse_cpu_list("0-3,7", &set, &err), 5);
	ck_assert_int_eq(CPU_COUNT(&set), 5);
	ck_assert(CPU_ISSET(0, &set) && CPU_ISSET(3, &set) && CPU_ISSET(7, &set));
	ck_assert(!CPU_ISSET(4, &set));
	ck_assert_int_eq(procattr_parse_cpu_list("1023", &set, &err), 1);
	ck_assert(CPU_ISSET(1023, &set));
	ck_assert_int_eq(CPU_COUNT(&set), 1);
	/* Empty: not set, and the set is cleared. */
	ck_assert_int_eq(procattr_parse_cpu_list("", &set, &err), 0);
	ck_assert_int_eq(CPU_COUNT(&set), 0);
	ck_assert_ptr_null(err);
	ck_assert_int_eq(procattr_parse_cpu_list("1024", &set, &err), -1);
	ck_assert_str_eq(err->msg, "CPU list: \"1024\": 1024 goes beyond the maximum 1023");
}
END_TEST

/* The affinity calls change this (forked) test process: CPU 0 only, then nothing for an empty
 * or absent list. */
START_TEST(test_cpu_affinity_apply)
{
	cleanup_error bc_error_t *err = NULL;
	cpu_set_t before, after;
	bc_process_t p = {0};
	int first = -1;

	ck_assert_int_eq(sched_getaffinity(0, sizeof(before), &before), 0);
	for (int i = 0; i < CPU_SETSIZE && first < 0; i++)
		if (CPU_ISSET(i, &before))
			first = i;
	ck_assert_int_ge(first, 0);
	p.exec_cpu_affinity_initial = bc_xasprintf("%d", first);
	p.exec_cpu_affinity_final = bc_xstrdup("");
	ck_assert_int_eq(procattr_exec_affinity_initial(&p, 0, &err), 0);
	ck_assert_int_eq(sched_getaffinity(0, sizeof(after), &after), 0);
	ck_assert_int_eq(CPU_COUNT(&after), 1);
	ck_assert(CPU_ISSET(first, &after));
	/* "final" empty: no change. */
	ck_assert_int_eq(procattr_exec_affinity_final(&p, 0, &err), 0);
	ck_assert_int_eq(procattr_set_cpu_affinity(0, NULL, "x", &err), 0);
	ck_assert_int_eq(sched_getaffinity(0, sizeof(after), &after), 0);
	ck_assert_int_eq(CPU_COUNT(&after), 1);
	/* A CPU that does not exist: the kernel says EINVAL, the message says why. */
	ck_assert_int_eq(
	    procattr_set_cpu_affinity(0, "1023", "process.execCPUAffinity.final", &err), -1);
	ck_assert_int_eq(err->errnum, EINVAL);
	ck_assert_str_eq(err->msg,
			 "process.execCPUAffinity.final: sched_setaffinity to CPUs 1023: none of "
			 "them is online and allowed by the cpuset: Invalid argument");
	bc_error_freep(&err);
	ck_assert_int_eq(procattr_set_cpu_affinity(0, "2-", "process.execCPUAffinity.final", &err),
			 -1);
	ck_assert_str_eq(err->msg, "config.json: process.execCPUAffinity.final: CPU list: \"2-\": "
				   "the range 2- has no end");
	free(p.exec_cpu_affinity_initial);
	free(p.exec_cpu_affinity_final);
}
END_TEST

/* ---- name tables: the kernel's ABI values ---- */

START_TEST(test_tables)
{
	ck_assert_int_eq(procattr_sched_policy("SCHED_OTHER"), SCHED_OTHER);
	ck_assert_int_eq(procattr_sched_policy("SCHED_FIFO"), SCHED_FIFO);
	ck_assert_int_eq(procattr_sched_policy("SCHED_RR"), SCHED_RR);
	ck_assert_int_eq(procattr_sched_policy("SCHED_BATCH"), SCHED_BATCH);
	ck_assert_int_eq(procattr_sched_policy("SCHED_ISO"), 4);
	ck_assert_int_eq(procattr_sched_policy("SCHED_IDLE"), SCHED_IDLE);
	ck_assert_int_eq(procattr_sched_policy("SCHED_DEADLINE"), 6);
	ck_assert_int_eq(procattr_sched_policy("SCHED_NORMAL"), -1);
	ck_assert_int_eq(procattr_sched_policy("sched_fifo"), -1);
	ck_assert_int_eq(procattr_sched_policy(NULL), -1);

	ck_assert_int_eq(procattr_sched_flag("SCHED_FLAG_RESET_ON_FORK"), 0x01);
	ck_assert_int_eq(procattr_sched_flag("SCHED_FLAG_RECLAIM"), 0x02);
	ck_assert_int_eq(procattr_sched_flag("SCHED_FLAG_DL_OVERRUN"), 0x04);
	ck_assert_int_eq(procattr_sched_flag("SCHED_FLAG_KEEP_POLICY"), 0x08);
	ck_assert_int_eq(procattr_sched_flag("SCHED_FLAG_KEEP_PARAMS"), 0x10);
	ck_assert_int_eq(procattr_sched_flag("SCHED_FLAG_UTIL_CLAMP_MIN"), 0x20);
	ck_assert_int_eq(procattr_sched_flag("SCHED_FLAG_UTIL_CLAMP_MAX"), 0x40);
	ck_assert_int_eq(procattr_sched_flag("SCHED_FLAG_KEEP_ALL"), -1);

	ck_assert_int_eq(procattr_ioprio_class("IOPRIO_CLASS_RT"), 1);
	ck_assert_int_eq(procattr_ioprio_class("IOPRIO_CLASS_BE"), 2);
	ck_assert_int_eq(procattr_ioprio_class("IOPRIO_CLASS_IDLE"), 3);
	ck_assert_int_eq(procattr_ioprio_class("IOPRIO_CLASS_NONE"), -1);

	ck_assert_int_eq(procattr_mpol_mode("MPOL_DEFAULT"), 0);
	ck_assert_int_eq(procattr_mpol_mode("MPOL_PREFERRED"), 1);
	ck_assert_int_eq(procattr_mpol_mode("MPOL_BIND"), 2);
	ck_assert_int_eq(procattr_mpol_mode("MPOL_INTERLEAVE"), 3);
	ck_assert_int_eq(procattr_mpol_mode("MPOL_LOCAL"), 4);
	ck_assert_int_eq(procattr_mpol_mode("MPOL_PREFERRED_MANY"), 5);
	ck_assert_int_eq(procattr_mpol_mode("MPOL_WEIGHTED_INTERLEAVE"), 6);
	ck_assert_int_eq(procattr_mpol_mode("MPOL_MAX"), -1);

	ck_assert_int_eq(procattr_mpol_flag("MPOL_F_STATIC_NODES"), 1 << 15);
	ck_assert_int_eq(procattr_mpol_flag("MPOL_F_RELATIVE_NODES"), 1 << 14);
	ck_assert_int_eq(procattr_mpol_flag("MPOL_F_NUMA_BALANCING"), 1 << 13);
	ck_assert_int_eq(procattr_mpol_flag("MPOL_F_MOF"), -1);
}
END_TEST

/* ---- prepare ---- */

START_TEST(test_prepare_nothing)
{
	procattr_plan_t plan;

	prepare_ok("", "", &plan);
	ck_assert(!plan.has_personality && !plan.has_sched && !plan.has_ioprio &&
		  !plan.has_mempolicy);
}
END_TEST

START_TEST(test_prepare_scheduler)
{
	procattr_plan_t plan;

	prepare_ok("'scheduler':{'policy':'SCHED_BATCH','nice':7,"
		   "'flags':['SCHED_FLAG_RESET_ON_FORK','SCHED_FLAG_KEEP_PARAMS']}",
		   "", &plan);
	ck_assert(plan.has_sched);
	ck_assert_uint_eq(plan.sched.size, 56);
	ck_assert_uint_eq(sizeof(plan.sched), 56);
	ck_assert_uint_eq(plan.sched.sched_policy, SCHED_BATCH);
	ck_assert_int_eq(plan.sched.sched_nice, 7);
	ck_assert_uint_eq(plan.sched.sched_priority, 0);
	ck_assert_uint_eq(plan.sched.sched_flags, 0x11);
	ck_assert_str_eq(plan.sched_policy, "SCHED_BATCH");

	prepare_ok("'scheduler':{'policy':'SCHED_FIFO','priority':99}", "", &plan);
	ck_assert_uint_eq(plan.sched.sched_policy, SCHED_FIFO);
	ck_assert_uint_eq(plan.sched.sched_priority, 99);

	prepare_ok("'scheduler':{'policy':'SCHED_DEADLINE','runtime':10000,'deadline':20000,"
		   "'period':30000}",
		   "", &plan);
	ck_assert_uint_eq(plan.sched.sched_policy, 6);
	ck_assert_uint_eq(plan.sched.sched_runtime, 10000);
	ck_assert_uint_eq(plan.sched.sched_deadline, 20000);
	ck_assert_uint_eq(plan.sched.sched_period, 30000);
	/* Period 0 means the deadline. */
	prepare_ok("'scheduler':{'policy':'SCHED_DEADLINE','runtime':10000,'deadline':10000}", "",
		   &plan);
	ck_assert_uint_eq(plan.sched.sched_period, 0);
}
END_TEST

START_TEST(test_prepare_scheduler_errors)
{
	prepare_fails("'scheduler':{'policy':'SCHED_OTHER','nice':20}", "",
		      "config.json: process.scheduler.nice: 20 is out of range (-20 to 19)");
	prepare_fails("'scheduler':{'policy':'SCHED_IDLE','nice':-21}", "",
		      "config.json: process.scheduler.nice: -21 is out of range (-20 to 19)");
	prepare_fails("'scheduler':{'policy':'SCHED_RR'}", "",
		      "config.json: process.scheduler.priority: SCHED_RR needs a priority from 1 "
		      "to 99, got 0");
	prepare_fails("'scheduler':{'policy':'SCHED_FIFO','priority':100}", "",
		      "config.json: process.scheduler.priority: SCHED_FIFO needs a priority from 1 "
		      "to 99, got 100");
	prepare_fails("'scheduler':{'policy':'SCHED_BATCH','priority':1}", "",
		      "config.json: process.scheduler.priority: only SCHED_FIFO and SCHED_RR take "
		      "a priority, got 1 for SCHED_BATCH");
	prepare_fails("'scheduler':{'policy':'SCHED_OTHER','runtime':1}", "",
		      "config.json: process.scheduler: runtime, deadline and period are for "
		      "SCHED_DEADLINE only, not SCHED_OTHER");
	prepare_fails("'scheduler':{'policy':'SCHED_FIFO','priority':1,'period':1}", "",
		      "config.json: process.scheduler: runtime, deadline and period are for "
		      "SCHED_DEADLINE only, not SCHED_FIFO");
	prepare_fails("'scheduler':{'policy':'SCHED_DEADLINE'}", "",
		      "config.json: process.scheduler: SCHED_DEADLINE needs 0 < runtime <= "
		      "deadline <= period (period 0: the deadline), got runtime 0, deadline 0, "
		      "period 0");
	prepare_fails("'scheduler':{'policy':'SCHED_DEADLINE','runtime':2,'deadline':1}", "",
		      "config.json: process.scheduler: SCHED_DEADLINE needs 0 < runtime <= "
		      "deadline <= period (period 0: the deadline), got runtime 2, deadline 1, "
		      "period 0");
	prepare_fails("'scheduler':{'policy':'SCHED_DEADLINE','runtime':1,'deadline':3,"
		      "'period':2}",
		      "",
		      "config.json: process.scheduler: SCHED_DEADLINE needs 0 < runtime <= "
		      "deadline <= period (period 0: the deadline), got runtime 1, deadline 3, "
		      "period 2");
}
END_TEST

START_TEST(test_prepare_ioprio_personality)
{
	procattr_plan_t plan;

	prepare_ok("'ioPriority':{'class':'IOPRIO_CLASS_IDLE','priority':4}", "", &plan);
	ck_assert(plan.has_ioprio);
	ck_assert_int_eq(plan.ioprio, (3 << 13) | 4);
	prepare_ok("'ioPriority':{'class':'IOPRIO_CLASS_BE','priority':0}", "", &plan);
	ck_assert_int_eq(plan.ioprio, 2 << 13);

	prepare_ok("", "'personality':{'domain':'LINUX32'}", &plan);
	ck_assert(plan.has_personality);
	ck_assert_uint_eq(plan.personality, PER_LINUX32);
	ck_assert_uint_eq(plan.personality, 0x0008);
	prepare_ok("", "'personality':{'domain':'LINUX','flags':[]}", &plan);
	ck_assert(plan.has_personality);
	ck_assert_uint_eq(plan.personality, PER_LINUX);
	prepare_fails("", "'personality':{'domain':'LINUX','flags':['ADDR_NO_RANDOMIZE']}",
		      "config.json: linux.personality.flags: the runtime-spec defines no "
		      "personality flags, got \"ADDR_NO_RANDOMIZE\"");
}
END_TEST

START_TEST(test_prepare_mempolicy)
{
	procattr_plan_t plan;

	prepare_ok("", "'memoryPolicy':{'mode':'MPOL_BIND','nodes':'0-2,5'}", &plan);
	ck_assert(plan.has_mempolicy);
	ck_assert_int_eq(plan.mpol_mode, 2);
	ck_assert_uint_eq(plan.mpol_flags, 0);
	ck_assert_uint_eq(plan.mpol_n_nodes, 4);
	ck_assert_uint_eq(plan.mpol_mask[0], 0x27);
	for (size_t i = 1; i < PROCATTR_NODE_LONGS; i++)
		ck_assert_uint_eq(plan.mpol_mask[i], 0);

	prepare_ok("",
		   "'memoryPolicy':{'mode':'MPOL_INTERLEAVE','nodes':'1023',"
		   "'flags':['MPOL_F_STATIC_NODES']}",
		   &plan);
	ck_assert_uint_eq(plan.mpol_flags, 1U << 15);
	ck_assert(bit(plan.mpol_mask, 1023));
	ck_assert_uint_eq(plan.mpol_n_nodes, 1);

	prepare_ok("",
		   "'memoryPolicy':{'mode':'MPOL_BIND','nodes':'0',"
		   "'flags':['MPOL_F_NUMA_BALANCING','MPOL_F_RELATIVE_NODES']}",
		   &plan);
	ck_assert_uint_eq(plan.mpol_flags, (1U << 13) | (1U << 14));
	prepare_ok("",
		   "'memoryPolicy':{'mode':'MPOL_PREFERRED_MANY','nodes':'0,1',"
		   "'flags':['MPOL_F_NUMA_BALANCING']}",
		   &plan);
	/* MPOL_PREFERRED without nodes: local allocation; MPOL_DEFAULT and MPOL_LOCAL take none. */
	prepare_ok("", "'memoryPolicy':{'mode':'MPOL_PREFERRED'}", &plan);
	ck_assert_uint_eq(plan.mpol_n_nodes, 0);
	prepare_ok("", "'memoryPolicy':{'mode':'MPOL_DEFAULT','nodes':''}", &plan);
	prepare_ok("", "'memoryPolicy':{'mode':'MPOL_LOCAL'}", &plan);
	ck_assert_int_eq(plan.mpol_mode, 4);
}
END_TEST

START_TEST(test_prepare_mempolicy_errors)
{
	prepare_fails("", "'memoryPolicy':{'mode':'MPOL_BIND','nodes':'0-'}",
		      "config.json: linux.memoryPolicy.nodes: \"0-\": the range 0- has no end");
	prepare_fails("", "'memoryPolicy':{'mode':'MPOL_BIND','nodes':'1024'}",
		      "config.json: linux.memoryPolicy.nodes: \"1024\": 1024 goes beyond the "
		      "maximum 1023");
	prepare_fails("", "'memoryPolicy':{'mode':'MPOL_BIND','nodes':','}",
		      "config.json: linux.memoryPolicy.nodes: \",\": the list names nothing");
	prepare_fails("", "'memoryPolicy':{'mode':'MPOL_BIND'}",
		      "config.json: linux.memoryPolicy.nodes: MPOL_BIND needs at least one node");
	prepare_fails("", "'memoryPolicy':{'mode':'MPOL_WEIGHTED_INTERLEAVE','nodes':''}",
		      "config.json: linux.memoryPolicy.nodes: MPOL_WEIGHTED_INTERLEAVE needs at "
		      "least one node");
	prepare_fails("", "'memoryPolicy':{'mode':'MPOL_LOCAL','nodes':'0'}",
		      "config.json: linux.memoryPolicy.nodes: MPOL_LOCAL takes no nodes");
	prepare_fails("", "'memoryPolicy':{'mode':'MPOL_DEFAULT','nodes':'0-1'}",
		      "config.json: linux.memoryPolicy.nodes: MPOL_DEFAULT takes no nodes");
	prepare_fails("",
		      "'memoryPolicy':{'mode':'MPOL_BIND','nodes':'0',"
		      "'flags':['MPOL_F_STATIC_NODES','MPOL_F_RELATIVE_NODES']}",
		      "config.json: linux.memoryPolicy.flags: MPOL_F_STATIC_NODES and "
		      "MPOL_F_RELATIVE_NODES exclude each other");
	prepare_fails("",
		      "'memoryPolicy':{'mode':'MPOL_INTERLEAVE','nodes':'0',"
		      "'flags':['MPOL_F_NUMA_BALANCING']}",
		      "config.json: linux.memoryPolicy.flags: MPOL_F_NUMA_BALANCING works with "
		      "MPOL_BIND and MPOL_PREFERRED_MANY only, not MPOL_INTERLEAVE");
	prepare_fails("",
		      "'memoryPolicy':{'mode':'MPOL_PREFERRED','flags':['MPOL_F_STATIC_NODES']}",
		      "config.json: linux.memoryPolicy.flags: MPOL_PREFERRED takes no "
		      "MPOL_F_STATIC_NODES or MPOL_F_RELATIVE_NODES without nodes");
	prepare_fails("", "'memoryPolicy':{'mode':'MPOL_LOCAL','flags':['MPOL_F_RELATIVE_NODES']}",
		      "config.json: linux.memoryPolicy.flags: MPOL_LOCAL takes no "
		      "MPOL_F_STATIC_NODES or MPOL_F_RELATIVE_NODES without nodes");
}
END_TEST

/* ---- apply, in this forked test process ---- */

START_TEST(test_apply_personality_ioprio)
{
	cleanup_spec bc_spec_t *spec =
	    spec_with("'ioPriority':{'class':'IOPRIO_CLASS_IDLE','priority':0}",
		      "'personality':{'domain':'LINUX32'}");
	cleanup_error bc_error_t *err = NULL;
	long prio;

	ck_assert_int_eq(procattr_apply(spec, &err), 0);
	ck_assert_int_eq(personality(0xffffffff), PER_LINUX32);
	prio = syscall(SYS_ioprio_get, 1 /* IOPRIO_WHO_PROCESS */, 0);
	ck_assert_int_eq(prio >> 13, 3);
}
END_TEST

START_TEST(test_apply_scheduler)
{
	cleanup_spec bc_spec_t *spec =
	    spec_with("'scheduler':{'policy':'SCHED_BATCH','nice':3}", "");
	cleanup_spec bc_spec_t *iso = spec_with("'scheduler':{'policy':'SCHED_ISO'}", "");
	cleanup_error bc_error_t *err = NULL;

	ck_assert_int_eq(procattr_apply(spec, &err), 0);
	ck_assert_int_eq(sched_getscheduler(0), SCHED_BATCH);
	errno = 0;
	ck_assert_int_eq(nice(0), 3);
	/* Mainline Linux has no SCHED_ISO: the message says so. */
	ck_assert_int_eq(procattr_apply(iso, &err), -1);
	ck_assert_int_eq(err->errnum, EINVAL);
	ck_assert_str_eq(err->msg,
			 "process.scheduler: sched_setattr SCHED_ISO (nice 0, priority 0, "
			 "flags 0x0): SCHED_ISO exists only in patched kernels, not in "
			 "mainline Linux: Invalid argument");
}
END_TEST

START_TEST(test_apply_mempolicy)
{
	cleanup_spec bc_spec_t *bind =
	    spec_with("", "'memoryPolicy':{'mode':'MPOL_BIND','nodes':'0'}");
	cleanup_spec bc_spec_t *far =
	    spec_with("", "'memoryPolicy':{'mode':'MPOL_BIND','nodes':'1023'}");
	cleanup_error bc_error_t *err = NULL;
	unsigned long mask[PROCATTR_NODE_LONGS] = {0};
	int mode = -1;

	if (access("/sys/devices/system/node/node0", F_OK) < 0) {
		/* No NUMA: the policy can't be applied, and the message says which part. */
		ck_assert_int_eq(procattr_apply(bind, &err), -1);
		ck_assert(bc_str_has_prefix(err->msg, "linux.memoryPolicy: "));
		return;
	}
	ck_assert_int_eq(procattr_apply(bind, &err), 0);
	ck_assert_int_eq(
	    syscall(SYS_get_mempolicy, &mode, mask, PROCATTR_MAX_NODES + 1UL, NULL, 0UL), 0);
	ck_assert_int_eq(mode, 2);
	ck_assert_uint_eq(mask[0], 1);
	ck_assert_int_eq(procattr_apply(far, &err), -1);
	ck_assert(bc_str_has_prefix(err->msg, "config.json: linux.memoryPolicy.nodes: node 1023 is "
					      "not available on this host (allowed: 0"));
}
END_TEST

/* ---- LSM ---- */

static char *fake_root(void)
{
	char tmpl[] = "/tmp/barco-lsm-XXXXXX";

	ck_assert_ptr_nonnull(mkdtemp(tmpl));
	return bc_xstrdup(tmpl);
}

static void put(const char *root, const char *rel, const char *content)
{
	cleanup_free char *path = bc_xasprintf("%s/%s", root, rel);
	cleanup_free char *dir = bc_xstrdup(path);
	cleanup_error bc_error_t *err = NULL;

	*strrchr(dir, '/') = '\0';
	ck_assert_int_eq(bc_mkdir_p(dir, 0755, &err), 0);
	if (content == NULL) {
		ck_assert_int_eq(mkdir(path, 0755), 0);
		return;
	}
	ck_assert_int_eq(bc_write_file_atomic(path, content, strlen(content), 0644, &err), 0);
}

static void remove_tree(const char *root)
{
	cleanup_free char *cmd = bc_xasprintf("rm -rf '%s'", root);

	ck_assert_int_eq(system(cmd), 0);
}

START_TEST(test_lsm_apparmor_detection)
{
	cleanup_free char *root = fake_root();
	cleanup_free char *slash = bc_xasprintf("%s/", root);

	ck_assert(!lsm_apparmor_enabled_at(root));
	put(root, "sys/module/apparmor/parameters/enabled", "Y\n");
	/* The parameter alone is not enough: securityfs must show AppArmor too. */
	ck_assert(!lsm_apparmor_enabled_at(root));
	put(root, "sys/kernel/security/apparmor", NULL);
	ck_assert(lsm_apparmor_enabled_at(root));
	ck_assert(lsm_apparmor_enabled_at(slash));
	put(root, "sys/module/apparmor/parameters/enabled", "N\n");
	ck_assert(!lsm_apparmor_enabled_at(root));
	put(root, "sys/module/apparmor/parameters/enabled", "");
	ck_assert(!lsm_apparmor_enabled_at(root));
	remove_tree(root);
}
END_TEST

START_TEST(test_lsm_selinux_detection)
{
	cleanup_free char *root = fake_root();

	ck_assert(!lsm_selinux_enabled_at(root));
	/* A directory with the right name is not a selinuxfs. */
	put(root, "sys/fs/selinux", NULL);
	put(root, "sys/fs/selinux/enforce", "1\n");
	ck_assert(!lsm_selinux_enabled_at(root));
	remove_tree(root);
}
END_TEST

START_TEST(test_lsm_check)
{
	cleanup_spec bc_spec_t *none = spec_with("", "");
	cleanup_spec bc_spec_t *aa = spec_with("'apparmorProfile':'docker-default'", "");
	cleanup_spec bc_spec_t *se =
	    spec_with("'selinuxLabel':'system_u:system_r:container_t:s0'", "");
	cleanup_spec bc_spec_t *ml = spec_with("", "'mountLabel':'system_u:object_r:c_file_t:s0'");
	cleanup_spec bc_spec_t *empty = spec_with("'apparmorProfile':'','selinuxLabel':''", "");
	cleanup_error bc_error_t *err = NULL;

	ck_assert_int_eq(lsm_check(none, &err), 0);
	ck_assert_int_eq(lsm_check(empty, &err), 0);
	ck_assert_ptr_null(err);
	if (!lsm_apparmor_enabled()) {
		ck_assert_int_eq(lsm_check(aa, &err), -1);
		ck_assert_str_eq(err->msg, "apparmor profile \"docker-default\" requested "
					   "(process.apparmorProfile) but AppArmor is not enabled "
					   "on this host");
		bc_error_freep(&err);
	}
	if (!lsm_selinux_enabled()) {
		ck_assert_int_eq(lsm_check(se, &err), -1);
		ck_assert_str_eq(err->msg, "selinux label \"system_u:system_r:container_t:s0\" "
					   "requested (process.selinuxLabel) but SELinux is not "
					   "enabled on this host");
		bc_error_freep(&err);
		ck_assert_int_eq(lsm_check(ml, &err), -1);
		ck_assert_str_eq(err->msg,
				 "selinux mount label \"system_u:object_r:c_file_t:s0\" "
				 "requested (linux.mountLabel) but SELinux is not enabled "
				 "on this host");
	}
}
END_TEST

START_TEST(test_lsm_mount_data)
{
	const char *l = "system_u:object_r:c_file_t:s0:c1,c2";
	struct {
		const char *type, *data, *label, *want;
	} cases[] = {
	    {"tmpfs", "mode=755,size=65536k", l,
	     "mode=755,size=65536k,context=\"system_u:object_r:c_file_t:s0:c1,c2\""},
	    {"devpts", NULL, l, "context=\"system_u:object_r:c_file_t:s0:c1,c2\""},
	    {"tmpfs", "", l, "context=\"system_u:object_r:c_file_t:s0:c1,c2\""},
	    {"proc", "hidepid=2", l, "hidepid=2"},
	    {"sysfs", NULL, l, NULL},
	    {"mqueue", NULL, l, NULL},
	    {"cgroup", "memory", l, "memory"},
	    {"cgroup2", NULL, l, NULL},
	    {"bind", NULL, l, NULL},
	    {"tmpfs", "mode=1777", NULL, "mode=1777"},
	    {"tmpfs", "mode=1777", "", "mode=1777"},
	    {"tmpfs", NULL, NULL, NULL},
	};

	for (size_t i = 0; i < BC_ARRAY_SIZE(cases); i++) {
		cleanup_free char *got =
		    lsm_mount_data(cases[i].type, cases[i].data, cases[i].label);

		if (cases[i].want == NULL)
			ck_assert_msg(got == NULL, "case %zu: %s", i, got);
		else
			ck_assert_msg(got && strcmp(got, cases[i].want) == 0, "case %zu: %s", i,
				      got ? got : "(null)");
	}
}
END_TEST

/* Without a label nothing is written: the call must not even need /proc. */
START_TEST(test_lsm_exec_labels_none)
{
	cleanup_error bc_error_t *err = NULL;
	bc_process_t p = {0};

	ck_assert_int_eq(lsm_set_exec_labels(NULL, &err), 0);
	ck_assert_int_eq(lsm_set_exec_labels(&p, &err), 0);
	ck_assert_ptr_null(err);
}
END_TEST

/* ---- linux.intelRdt, against a directory standing in for resctrl ---- */

static char rdt_root[] = "/tmp/barco-rdt-XXXXXX";

static void rdt_put(const char *rel, const char *text)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", rdt_root, rel);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
}

static char *rdt_get(const char *rel)
{
	char path[256], *out = NULL;

	snprintf(path, sizeof(path), "%s/%s", rdt_root, rel);
	ck_assert_int_eq(bc_read_file(path, 4096, &out, NULL, NULL), 0);
	return out;
}

static bool rdt_exists(const char *rel)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", rdt_root, rel);
	return access(path, F_OK) == 0;
}

static void rdt_setup(void)
{
	char path[256];

	strcpy(rdt_root, "/tmp/barco-rdt-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(rdt_root));
	snprintf(path, sizeof(path), "%s/grp", rdt_root);
	ck_assert_int_eq(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/grp/mon_groups", rdt_root);
	ck_assert_int_eq(mkdir(path, 0755), 0);
	rdt_put("grp/schemata", "    L3:0=7f0;1=1f\n    MB:0=20;1=70\n");
	rdt_put("grp/tasks", "");
}

static void rdt_teardown(void)
{
	char cmd[300];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", rdt_root);
	ck_assert_int_eq(system(cmd), 0);
}

START_TEST(test_rdt_existing_group)
{
	bc_intel_rdt_t r = {
	    .clos_id = "grp", .l3_cache_schema = "L3:0=7F0;1=1f", .mem_bw_schema = "MB:0=20;1=70"};
	bc_error_t *err = NULL;
	char *t;

	rdt_setup();
	if (intelrdt_apply_at(rdt_root, &r, "ctr", 4242, &err) < 0)
		ck_abort_msg("apply: %s", err->msg);
	/* Compared, not rewritten; the pid went to the group. */
	t = rdt_get("grp/schemata");
	ck_assert_str_eq(t, "    L3:0=7f0;1=1f\n    MB:0=20;1=70\n");
	free(t);
	t = rdt_get("grp/tasks");
	ck_assert_str_eq(t, "4242");
	free(t);
	/* delete: the MON group goes (a plain directory here; resctrl makes its files), a
	 * closID group stays. */
	{
		char path[256];

		snprintf(path, sizeof(path), "%s/grp/mon_groups/ctr", rdt_root);
		ck_assert_int_eq(mkdir(path, 0755), 0);
	}
	r.enable_monitoring = true;
	intelrdt_remove_at(rdt_root, &r, "ctr");
	ck_assert(!rdt_exists("grp/mon_groups/ctr"));
	ck_assert(rdt_exists("grp"));
	/* A schema the group doesn't have is an error. */
	r.mem_bw_schema = "MB:0=30;1=70";
	r.enable_monitoring = false;
	ck_assert_int_eq(intelrdt_apply_at(rdt_root, &r, "ctr", 4242, &err), -1);
	ck_assert_ptr_nonnull(strstr(err->msg, "has a different schema than \"MB:0=30;1=70\""));
	bc_error_freep(&err);
	rdt_teardown();
}
END_TEST

START_TEST(test_rdt_errors)
{
	bc_intel_rdt_t missing = {.clos_id = "nogrp"};
	bc_intel_rdt_t own = {.l3_cache_schema = "L3:0=1"};
	bc_error_t *err = NULL;

	rdt_setup();
	/* closID without schemata: the group must exist. */
	ck_assert_int_eq(intelrdt_apply_at(rdt_root, &missing, "ctr", 1, &err), -1);
	ck_assert_ptr_nonnull(strstr(err->msg, "nogrp does not exist"));
	bc_error_freep(&err);
	/* Our own group: created, and removed again when a write fails (no schemata file in a
	 * plain directory). */
	ck_assert_int_eq(intelrdt_apply_at(rdt_root, &own, "ctr", 1, &err), -1);
	ck_assert_ptr_nonnull(strstr(err->msg, "ctr/schemata"));
	bc_error_freep(&err);
	ck_assert(!rdt_exists("ctr"));
	/* Without closID the group is ours alone: an existing one is refused. */
	ck_assert_int_eq(intelrdt_apply_at(rdt_root, &own, "grp", 1, &err), -1);
	ck_assert_ptr_nonnull(strstr(err->msg, "exists already"));
	bc_error_freep(&err);
	/* ... and removed at delete (resctrl removes a group with its files; here it is an
	 * empty directory). */
	{
		char path[256];

		snprintf(path, sizeof(path), "%s/mine", rdt_root);
		ck_assert_int_eq(mkdir(path, 0755), 0);
		intelrdt_remove_at(rdt_root, &own, "mine");
		ck_assert(!rdt_exists("mine"));
	}
	rdt_teardown();
}
END_TEST

START_TEST(test_rdt_check)
{
	bc_intel_rdt_t bad = {.clos_id = "../x"};
	bc_intel_rdt_t ok = {.clos_id = "/"};
	bc_linux_t lin = {.intel_rdt = &bad};
	bc_spec_t spec = {.linux_ = &lin};
	bc_error_t *err = NULL;
	struct statfs sfs;

	ck_assert_int_eq(intelrdt_check(&spec, &err), -1);
	ck_assert_str_eq(err->msg, "config.json: linux.intelRdt.closID: \"../x\" is not a resctrl "
				   "group name");
	bc_error_freep(&err);
	lin.intel_rdt = &ok;
	if (statfs(BC_RESCTRL_ROOT, &sfs) == 0 && sfs.f_type == 0x7655821) {
		ck_assert_int_eq(intelrdt_check(&spec, &err), 0);
	} else {
		ck_assert_int_eq(intelrdt_check(&spec, &err), -1);
		ck_assert_ptr_nonnull(strstr(err->msg, "no resctrl filesystem is mounted"));
		bc_error_freep(&err);
	}
	lin.intel_rdt = NULL;
	ck_assert_int_eq(intelrdt_check(&spec, &err), 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("procattr");
	TCase *lists = tcase_create("lists");
	TCase *prep = tcase_create("prepare");
	TCase *apply = tcase_create("apply");
	TCase *lsm = tcase_create("lsm");
	TCase *rdt = tcase_create("intelrdt");
	SRunner *sr;
	int failed;

	tcase_add_test(lists, test_list_valid);
	tcase_add_test(lists, test_list_invalid);
	tcase_add_test(lists, test_cpu_list);
	tcase_add_test(lists, test_cpu_affinity_apply);
	tcase_add_test(prep, test_tables);
	tcase_add_test(prep, test_prepare_nothing);
	tcase_add_test(prep, test_prepare_scheduler);
	tcase_add_test(prep, test_prepare_scheduler_errors);
	tcase_add_test(prep, test_prepare_ioprio_personality);
	tcase_add_test(prep, test_prepare_mempolicy);
	tcase_add_test(prep, test_prepare_mempolicy_errors);
	tcase_add_test(apply, test_apply_personality_ioprio);
	tcase_add_test(apply, test_apply_scheduler);
	tcase_add_test(apply, test_apply_mempolicy);
	tcase_add_test(lsm, test_lsm_apparmor_detection);
	tcase_add_test(lsm, test_lsm_selinux_detection);
	tcase_add_test(lsm, test_lsm_check);
	tcase_add_test(lsm, test_lsm_mount_data);
	tcase_add_test(lsm, test_lsm_exec_labels_none);
	suite_add_tcase(s, lists);
	suite_add_tcase(s, prep);
	suite_add_tcase(s, apply);
	suite_add_tcase(s, lsm);
	tcase_add_test(rdt, test_rdt_existing_group);
	tcase_add_test(rdt, test_rdt_errors);
	tcase_add_test(rdt, test_rdt_check);
	suite_add_tcase(s, rdt);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
