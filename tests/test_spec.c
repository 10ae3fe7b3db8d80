/* SPDX-License-Identifier: MIT */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "barco/spec.h"
#include "barco/util.h"

#ifndef SPEC_DIR
#error "SPEC_DIR must name the runtime-spec directory"
#endif
#ifndef TEST_DATA_DIR
#define TEST_DATA_DIR "tests/data"
#endif

/* Test documents are written with ' for " to stay readable; no test needs a literal '. */
static char *json(const char *s)
{
	char *out = bc_xstrdup(s);

	for (char *c = out; *c; c++)
		if (*c == '\'')
			*c = '"';
	return out;
}

static bc_spec_t *parse_raw(const char *data, size_t len)
{
	bc_error_t *err = NULL;
	bc_spec_t *spec = bc_spec_parse("config.json", data, len, &err);

	if (spec == NULL) {
		ck_abort_msg("unexpected parse error: %s", err ? err->msg : "(no error set)");
		bc_error_free(err);
	}
	ck_assert_ptr_null(err);
	return spec;
}

static bc_spec_t *parse_ok(const char *quoted)
{
	cleanup_free char *doc = json(quoted);

	return parse_raw(doc, strlen(doc));
}

/* The exact message for a document, or NULL when it parsed. */
static char *parse_error_raw(const char *data, size_t len)
{
	bc_error_t *err = NULL;
	bc_spec_t *spec = bc_spec_parse("config.json", data, len, &err);
	char *msg;

	if (spec != NULL) {
		ck_assert_ptr_null(err);
		bc_spec_free(spec);
		return NULL;
	}
	ck_assert_ptr_nonnull(err);
	ck_assert_int_eq(err->errnum, 0);
	msg = bc_xstrdup(err->msg);
	bc_error_free(err);
	return msg;
}

static void expect_error_raw(const char *data, size_t len, const char *want)
{
	cleanup_free char *msg = parse_error_raw(data, len);

	ck_assert_msg(msg != NULL, "document parsed, expected: %s", want);
	ck_assert_str_eq(msg, want);
	ck_assert_ptr_null(strchr(msg, '\n'));
}

static char *read_file(const char *path, size_t *len)
{
	bc_error_t *err = NULL;
	char *data = NULL;

	if (bc_read_file(path, 64 << 20, &data, len, &err) < 0)
		ck_abort_msg("%s", err->msg);
	return data;
}

static bc_spec_t *round_trip(const bc_spec_t *spec)
{
	bc_error_t *err = NULL;
	cleanup_free char *text = bc_spec_to_json(spec, &err);
	bc_spec_t *again;

	ck_assert_msg(text != NULL, "to_json: %s", err ? err->msg : "?");
	again = parse_raw(text, strlen(text));
	ck_assert_msg(bc_spec_equal(spec, again), "round trip changed the model:\n%s", text);
	return again;
}

/* ------------------------------------------------------------------ upstream examples */

START_TEST(test_example_minimal)
{
	size_t len;
	cleanup_free char *data =
	    read_file(SPEC_DIR "/schema/examples/config-good-minimal.json", &len);
	cleanup_spec bc_spec_t *spec = parse_raw(data, len);
	cleanup_spec bc_spec_t *again = NULL;

	ck_assert_str_eq(spec->oci_version, "1.0.0");
	ck_assert_str_eq(spec->root_path, "rootfs");
	ck_assert(!spec->root_readonly);
	ck_assert_ptr_null(spec->process);
	ck_assert_ptr_null(spec->linux_);
	ck_assert_ptr_null(spec->hostname);
	ck_assert_uint_eq(spec->n_mounts, 0);
	ck_assert_uint_eq(spec->n_annotations, 0);
	for (int k = 0; k < BC_HOOK_KIND_COUNT; k++)
		ck_assert_uint_eq(spec->hooks.count[k], 0);
	ck_assert_ptr_null(bc_spec_namespace(spec, BC_NS_PID));
	again = round_trip(spec);
}
END_TEST

START_TEST(test_example_minimal_for_start)
{
	size_t len;
	cleanup_free char *data =
	    read_file(SPEC_DIR "/schema/examples/config-good-minimal-for-start.json", &len);
	cleanup_spec bc_spec_t *spec = parse_raw(data, len);
	cleanup_spec bc_spec_t *again = NULL;

	ck_assert_ptr_nonnull(spec->process);
	ck_assert_str_eq(spec->process->cwd, "/");
	ck_assert_uint_eq(bc_strv_len(spec->process->args), 1);
	ck_assert_str_eq(spec->process->args[0], "sh");
	ck_assert_uint_eq(spec->process->user.uid, 0);
	ck_assert_uint_eq(spec->process->user.gid, 0);
	ck_assert(!spec->process->terminal);
	ck_assert_ptr_null(spec->process->env);
	ck_assert_ptr_null(spec->process->capabilities);
	again = round_trip(spec);
}
END_TEST

static void check_spec_example(const bc_spec_t *s)
{
	const bc_process_t *p = s->process;

	ck_assert(p->terminal);
	ck_assert_uint_eq(p->user.uid, 1);
	ck_assert_uint_eq(p->user.n_additional_gids, 2);
	ck_assert_uint_eq(p->user.additional_gids[1], 6);
	ck_assert_str_eq(p->env[1], "TERM=xterm");
	ck_assert_uint_eq(bc_strv_len(p->capabilities->effective), 2);
	ck_assert_str_eq(p->capabilities->ambient[0], "CAP_NET_BIND_SERVICE");
	ck_assert_uint_eq(p->n_rlimits, 2);
	ck_assert_int_eq(p->rlimits[0].resource, RLIMIT_CORE);
	ck_assert_int_eq(p->rlimits[1].resource, RLIMIT_NOFILE);
	ck_assert_str_eq(p->apparmor_profile, "acme_secure_profile");
	ck_assert(p->no_new_privileges);
	ck_assert_str_eq(s->hostname, "slartibartfast");
	ck_assert_str_eq(s->domainname, "foobarbaz.test");
	ck_assert_uint_eq(s->n_mounts, 7);
	ck_assert_str_eq(s->mounts[6].destination, "/sys/fs/cgroup");
	ck_assert_str_eq(s->mounts[2].options[5], "gid=5");
	ck_assert_uint_eq(s->hooks.count[BC_HOOK_PRESTART], 2);
	ck_assert_str_eq(s->hooks.list[BC_HOOK_PRESTART][0].args[2], "arg2");
	ck_assert_uint_eq(s->hooks.count[BC_HOOK_START_CONTAINER], 1);
	ck_assert(s->hooks.list[BC_HOOK_POSTSTART][0].has_timeout);
	ck_assert_int_eq(s->hooks.list[BC_HOOK_POSTSTART][0].timeout, 5);
	ck_assert_str_eq(s->hooks.list[BC_HOOK_POSTSTOP][0].path, "/usr/sbin/cleanup.sh");
	ck_assert_uint_eq(s->n_annotations, 2);
	ck_assert_str_eq(s->annotations[0].key, "com.example.key1");
}

static void check_spec_example_linux(const bc_spec_t *s)
{
	const bc_linux_t *lx = s->linux_;
	const bc_resources_t *r;

	ck_assert_uint_eq(lx->n_devices, 2);
	ck_assert_int_eq(lx->devices[0].type, 'c');
	ck_assert_int_eq(lx->devices[0].minor, 229);
	ck_assert_uint_eq(lx->devices[1].file_mode, 432);
	ck_assert_uint_eq(lx->uid_mappings[0].host_id, 1000);
	ck_assert_uint_eq(lx->gid_mappings[0].size, 32000);
	ck_assert_uint_eq(lx->n_sysctl, 2);
	ck_assert_str_eq(lx->sysctl[1].key, "net.core.somaxconn");
	ck_assert_str_eq(lx->sysctl[1].value, "256");
	ck_assert_str_eq(lx->cgroups_path, "/myRuntime/myContainer");
	r = lx->resources;
	ck_assert_uint_eq(r->net_class_id, 1048577);
	ck_assert_uint_eq(r->net_priorities[1].priority, 1000);
	ck_assert(r->has_pids_limit);
	ck_assert_int_eq(r->pids_limit, 32771);
	ck_assert_uint_eq(r->hugepage_limits[0].limit, 9223372036854772000ULL);
	ck_assert_str_eq(r->hugepage_limits[1].page_size, "64KB");
	ck_assert(r->memory->has_kernel);
	ck_assert_int_eq(r->memory->kernel, -1);
	ck_assert(r->memory->has_disable_oom_killer && !r->memory->disable_oom_killer);
	ck_assert_uint_eq(r->cpu->shares, 1024);
	ck_assert_int_eq(r->cpu->realtime_runtime, 950000);
	ck_assert_str_eq(r->cpu->mems, "0-7");
	ck_assert(!r->cpu->has_idle);
	ck_assert_uint_eq(r->n_devices, 3);
	ck_assert_int_eq(r->devices[0].type, 'a');
	ck_assert(!r->devices[0].has_major);
	ck_assert_int_eq(r->devices[2].type, 'b');
	ck_assert_str_eq(r->devices[2].access, "r");
	ck_assert_uint_eq(r->block_io->weight, 10);
	ck_assert_uint_eq(r->block_io->n_weight_device, 2);
	ck_assert(!r->block_io->weight_device[1].has_leaf_weight);
	ck_assert_uint_eq(r->block_io->throttle_read_bps[0].rate, 600);
	ck_assert_uint_eq(r->block_io->n_throttle_write_iops, 1);
	ck_assert_uint_eq(r->block_io->n_throttle_write_bps, 0);
	ck_assert_str_eq(lx->rootfs_propagation, "slave");
	ck_assert_str_eq(lx->seccomp->default_action, "SCMP_ACT_ALLOW");
	ck_assert_str_eq(lx->seccomp->architectures[1], "SCMP_ARCH_X32");
	ck_assert_str_eq(lx->seccomp->syscalls[0].names[1], "chmod");
	ck_assert(lx->has_time_offsets);
	ck_assert_int_eq(lx->time_monotonic.secs, 172800);
	ck_assert_int_eq(lx->time_boottime.secs, 604800);
	ck_assert_uint_eq(lx->n_namespaces, 8);
	ck_assert_int_eq(lx->namespaces[7].type, BC_NS_TIME);
	ck_assert_ptr_nonnull(bc_spec_namespace(s, BC_NS_USER));
	ck_assert_str_eq(lx->masked_paths[3], "/proc/sched_debug");
	ck_assert_uint_eq(bc_strv_len(lx->readonly_paths), 6);
	ck_assert_str_eq(lx->mount_label, "system_u:object_r:svirt_sandbox_file_t:s0:c715,c811");
}

/* The upstream example declares 0.5.0-dev, which barco refuses; the rest is parsed under 1.0.0. */
START_TEST(test_example_spec)
{
	size_t len;
	cleanup_free char *data =
	    read_file(SPEC_DIR "/schema/examples/config-good-spec-example.json", &len);
	cleanup_spec bc_spec_t *spec = NULL;
	cleanup_spec bc_spec_t *again = NULL;
	char *v = strstr(data, "\"0.5.0-dev\"");

	expect_error_raw(data, len,
			 "config.json: ociVersion: unsupported version \"0.5.0-dev\" (barco "
			 "supports 1.0.0 to 1.3.x)");
	ck_assert_ptr_nonnull(v);
	memcpy(v, "\"1.0.0\"    ", 11);
	spec = parse_raw(data, len);
	check_spec_example(spec);
	check_spec_example_linux(spec);
	again = round_trip(spec);
	check_spec_example(again);
	check_spec_example_linux(again);
}
END_TEST

/* The large example at the end of config.md ("Configuration Schema Example"). */
START_TEST(test_example_config_md)
{
	size_t len;
	cleanup_free char *md = read_file(SPEC_DIR "/config.md", &len);
	char *start = strstr(md, "## Configuration Schema Example"), *end;
	cleanup_spec bc_spec_t *spec = NULL;
	cleanup_spec bc_spec_t *again = NULL;

	ck_assert_ptr_nonnull(start);
	start = strstr(start, "```json\n");
	ck_assert_ptr_nonnull(start);
	start += strlen("```json\n");
	end = strstr(start, "\n```");
	ck_assert_ptr_nonnull(end);
	spec = parse_raw(start, (size_t)(end - start));
	ck_assert_str_eq(spec->oci_version, "1.0.1");
	ck_assert_str_eq(spec->process->io_priority->class_, "IOPRIO_CLASS_IDLE");
	ck_assert_int_eq(spec->process->io_priority->priority, 4);
	ck_assert_str_eq(spec->process->rlimits[0].type, "RLIMIT_CORE");
	ck_assert_int_eq(spec->process->rlimits[0].resource, RLIMIT_CORE);
	ck_assert_ptr_nonnull(spec->linux_->seccomp);
	ck_assert_uint_eq(spec->linux_->n_namespaces, 8);
	ck_assert_int_eq(spec->linux_->namespaces[5].type, BC_NS_USER);
	ck_assert_ptr_nonnull(bc_spec_namespace(spec, BC_NS_TIME));
	again = round_trip(spec);
}
END_TEST

/* ------------------------------------------------------------------ every member */

static void check_full_process(const bc_process_t *p)
{
	ck_assert(p->terminal);
	ck_assert(p->has_console_size);
	ck_assert_uint_eq(p->console_height, 25);
	ck_assert_uint_eq(p->console_width, 80);
	ck_assert_uint_eq(p->user.uid, 1000);
	ck_assert_uint_eq(p->user.gid, 1001);
	ck_assert(p->user.has_umask);
	ck_assert_uint_eq(p->user.umask, 18);
	ck_assert_uint_eq(p->user.n_additional_gids, 3);
	ck_assert_uint_eq(p->user.additional_gids[2], 4294967295U);
	ck_assert_str_eq(p->user.username, "alice");
	ck_assert_uint_eq(bc_strv_len(p->args), 3);
	ck_assert_str_eq(p->args[2], "x y");
	ck_assert_str_eq(p->command_line, "app --flag");
	ck_assert_str_eq(p->env[2], "EMPTY=");
	ck_assert_str_eq(p->cwd, "/work");
	ck_assert_str_eq(p->capabilities->bounding[1], "CAP_KILL");
	/* Present and empty is not absent: it drops every capability of the set. */
	ck_assert_ptr_nonnull(p->capabilities->effective);
	ck_assert_ptr_null(p->capabilities->effective[0]);
	ck_assert_str_eq(p->capabilities->inheritable[0], "CAP_KILL");
	ck_assert_str_eq(p->capabilities->permitted[0], "CAP_CHOWN");
	ck_assert_str_eq(p->capabilities->ambient[0], "CAP_NET_BIND_SERVICE");
	ck_assert_uint_eq(p->n_rlimits, 2);
	ck_assert_int_eq(p->rlimits[0].resource, RLIMIT_NOFILE);
	ck_assert_uint_eq(p->rlimits[0].soft, 1024);
	ck_assert_uint_eq(p->rlimits[0].hard, 4096);
	ck_assert_uint_eq(p->rlimits[1].soft, UINT64_MAX);
	ck_assert_uint_eq(p->rlimits[1].hard, UINT64_MAX);
	ck_assert(p->no_new_privileges);
	ck_assert_str_eq(p->apparmor_profile, "barco-default");
	ck_assert(p->has_oom_score_adj);
	ck_assert_int_eq(p->oom_score_adj, -500);
	ck_assert_str_eq(p->scheduler->policy, "SCHED_DEADLINE");
	ck_assert_int_eq(p->scheduler->nice, -5);
	ck_assert_int_eq(p->scheduler->priority, 3);
	ck_assert_str_eq(p->scheduler->flags[1], "SCHED_FLAG_RECLAIM");
	ck_assert_uint_eq(p->scheduler->runtime, 10000000);
	ck_assert_uint_eq(p->scheduler->deadline, 20000000);
	ck_assert_uint_eq(p->scheduler->period, 30000000);
	ck_assert_str_eq(p->selinux_label, "system_u:system_r:container_t:s0:c1,c2");
	ck_assert_str_eq(p->io_priority->class_, "IOPRIO_CLASS_BE");
	ck_assert_int_eq(p->io_priority->priority, 4);
	ck_assert_str_eq(p->exec_cpu_affinity_initial, "7");
	ck_assert_str_eq(p->exec_cpu_affinity_final, "0-3,7");
}

static void check_full_top(const bc_spec_t *s)
{
	const bc_mount_t *m = s->mounts;
	const bc_hooks_t *h = &s->hooks;

	ck_assert_str_eq(s->oci_version, "1.3.0");
	ck_assert_str_eq(s->root_path, "/var/lib/barco/rootfs");
	ck_assert(s->root_readonly);
	ck_assert_str_eq(s->hostname, "full-host");
	ck_assert_str_eq(s->domainname, "example.test");
	ck_assert_uint_eq(s->n_mounts, 2);
	ck_assert_str_eq(m[0].destination, "/data");
	ck_assert_str_eq(m[0].type, "none");
	ck_assert_str_eq(m[0].source, "/srv/data");
	ck_assert_str_eq(m[0].options[1], "ro");
	ck_assert_uint_eq(m[0].n_uid_mappings, 1);
	ck_assert_uint_eq(m[0].uid_mappings[0].host_id, 100000);
	ck_assert_uint_eq(m[0].gid_mappings[0].host_id, 200000);
	ck_assert_uint_eq(m[0].gid_mappings[0].size, 65536);
	ck_assert_ptr_null(m[1].options);
	ck_assert_uint_eq(m[1].n_uid_mappings, 0);
	ck_assert_str_eq(h->list[BC_HOOK_PRESTART][0].args[1], "-v");
	ck_assert_str_eq(h->list[BC_HOOK_PRESTART][0].env[0], "A=1");
	ck_assert_int_eq(h->list[BC_HOOK_PRESTART][0].timeout, 5);
	ck_assert_uint_eq(h->count[BC_HOOK_CREATE_RUNTIME], 2);
	ck_assert(!h->list[BC_HOOK_CREATE_RUNTIME][0].has_timeout);
	ck_assert_int_eq(h->list[BC_HOOK_CREATE_RUNTIME][1].timeout, 1);
	ck_assert_str_eq(h->list[BC_HOOK_CREATE_CONTAINER][0].path, "/usr/bin/cc");
	ck_assert_str_eq(h->list[BC_HOOK_START_CONTAINER][0].args[0], "sc");
	ck_assert_str_eq(h->list[BC_HOOK_POSTSTART][0].env[1], "C=3");
	ck_assert_int_eq(h->list[BC_HOOK_POSTSTOP][0].timeout, 30);
	ck_assert_uint_eq(s->n_annotations, 2);
	ck_assert_str_eq(s->annotations[1].key, "org.opencontainers.image.os");
	ck_assert_str_eq(s->annotations[1].value, "linux");
}

static void check_full_linux(const bc_linux_t *lx)
{
	ck_assert_uint_eq(lx->n_namespaces, 8);
	ck_assert_int_eq(lx->namespaces[1].type, BC_NS_NETWORK);
	ck_assert_str_eq(lx->namespaces[1].path, "/var/run/netns/full");
	ck_assert_ptr_null(lx->namespaces[0].path);
	ck_assert_uint_eq(lx->n_gid_mappings, 2);
	ck_assert_uint_eq(lx->gid_mappings[1].container_id, 1);
	ck_assert_uint_eq(lx->gid_mappings[1].host_id, 300001);
	ck_assert_uint_eq(lx->uid_mappings[0].size, 65536);
	ck_assert(lx->has_time_offsets);
	ck_assert(lx->time_monotonic.has_secs && lx->time_monotonic.has_nanosecs);
	ck_assert_int_eq(lx->time_monotonic.secs, -3600);
	ck_assert_uint_eq(lx->time_monotonic.nanosecs, 500);
	ck_assert(lx->time_boottime.has_secs && !lx->time_boottime.has_nanosecs);
	ck_assert_int_eq(lx->devices[0].type, 'c');
	ck_assert_int_eq(lx->devices[0].major, 10);
	ck_assert_int_eq(lx->devices[0].minor, 229);
	ck_assert(lx->devices[0].has_file_mode && lx->devices[0].has_uid && lx->devices[0].has_gid);
	ck_assert_uint_eq(lx->devices[0].file_mode, 438);
	ck_assert_uint_eq(lx->devices[0].gid, 5);
	ck_assert_int_eq(lx->devices[1].type, 'p');
	ck_assert(!lx->devices[1].has_file_mode);
	ck_assert_uint_eq(lx->n_net_devices, 2);
	ck_assert_str_eq(lx->net_devices[0].host_name, "eth1");
	ck_assert_str_eq(lx->net_devices[0].name, "net0");
	ck_assert_str_eq(lx->net_devices[1].host_name, "dummy0");
	ck_assert_ptr_null(lx->net_devices[1].name);
	ck_assert_str_eq(lx->cgroups_path, "/barco/full");
	ck_assert_str_eq(lx->rootfs_propagation, "rslave");
	ck_assert_uint_eq(lx->n_sysctl, 2);
	ck_assert_str_eq(lx->sysctl[0].key, "net.ipv4.ip_forward");
	ck_assert_str_eq(lx->masked_paths[1], "/sys/firmware");
	ck_assert_str_eq(lx->readonly_paths[0], "/proc/sys");
	ck_assert_ptr_null(lx->readonly_paths[1]);
	ck_assert_str_eq(lx->mount_label, "system_u:object_r:container_file_t:s0:c1,c2");
	ck_assert_str_eq(lx->personality->domain, "LINUX32");
	ck_assert_ptr_nonnull(lx->personality->flags);
	ck_assert_ptr_null(lx->personality->flags[0]);
	ck_assert_str_eq(lx->intel_rdt->clos_id, "guaranteed_group");
	ck_assert_str_eq(lx->intel_rdt->l3_cache_schema, "L3:0=7f0;1=1f");
	ck_assert_str_eq(lx->intel_rdt->mem_bw_schema, "MB:0=20;1=70");
	ck_assert_str_eq(lx->intel_rdt->schemata[0], "L2:0=f;1=f");
	ck_assert(lx->intel_rdt->enable_monitoring);
	ck_assert_str_eq(lx->memory_policy->mode, "MPOL_BIND");
	ck_assert_str_eq(lx->memory_policy->nodes, "0-1");
	ck_assert_str_eq(lx->memory_policy->flags[0], "MPOL_F_STATIC_NODES");
}

static void check_full_resources(const bc_resources_t *r)
{
	const bc_memory_t *m = r->memory;
	const bc_cpu_t *c = r->cpu;
	const bc_block_io_t *b = r->block_io;

	ck_assert_uint_eq(r->n_devices, 3);
	ck_assert(!r->devices[0].allow);
	ck_assert(r->devices[1].allow && r->devices[1].has_major && r->devices[1].has_minor);
	ck_assert_int_eq(r->devices[1].type, 'c');
	ck_assert_str_eq(r->devices[1].access, "rw");
	ck_assert(r->devices[2].has_major && !r->devices[2].has_minor);
	ck_assert_ptr_null(r->devices[2].access);
	ck_assert(m->has_limit && m->has_reservation && m->has_swap && m->has_kernel);
	ck_assert(m->has_kernel_tcp && m->has_swappiness);
	ck_assert_int_eq(m->limit, 536870912);
	ck_assert_int_eq(m->reservation, 268435456);
	ck_assert_int_eq(m->swap, -1);
	ck_assert_int_eq(m->kernel_tcp, 0);
	ck_assert_uint_eq(m->swappiness, 60);
	ck_assert(m->has_disable_oom_killer && m->disable_oom_killer);
	ck_assert(m->has_use_hierarchy && !m->use_hierarchy);
	ck_assert(m->has_check_before_update && m->check_before_update);
	ck_assert(c->has_shares && c->has_quota && c->has_burst && c->has_period);
	ck_assert(c->has_realtime_runtime && c->has_realtime_period && c->has_idle);
	ck_assert_int_eq(c->quota, -1);
	ck_assert_uint_eq(c->burst, 1000);
	ck_assert_uint_eq(c->period, 100000);
	ck_assert_uint_eq(c->realtime_period, 1000000);
	ck_assert_str_eq(c->cpus, "0-3");
	ck_assert_int_eq(c->idle, 1);
	ck_assert_uint_eq(b->leaf_weight, 20);
	ck_assert_uint_eq(b->weight_device[0].weight, 500);
	ck_assert_uint_eq(b->weight_device[0].leaf_weight, 300);
	ck_assert(!b->weight_device[1].has_weight);
	ck_assert_uint_eq(b->weight_device[1].leaf_weight, 65535);
	ck_assert_int_eq(b->weight_device[1].minor, 16);
	ck_assert_uint_eq(b->throttle_write_bps[0].rate, 700);
	ck_assert_uint_eq(b->throttle_read_iops[0].rate, 800);
	ck_assert_int_eq(b->throttle_write_iops[0].minor, 3);
	ck_assert_str_eq(r->hugepage_limits[1].page_size, "1GB");
	ck_assert_uint_eq(r->hugepage_limits[0].limit, 209715200);
	ck_assert(r->has_net_class_id);
	ck_assert_str_eq(r->net_priorities[0].name, "eth0");
	ck_assert_int_eq(r->pids_limit, -1);
	ck_assert_uint_eq(r->n_rdma, 2);
	ck_assert_str_eq(r->rdma[0].device, "mlx5_1");
	ck_assert_uint_eq(r->rdma[0].hca_handles, 3);
	ck_assert(!r->rdma[1].has_hca_handles && r->rdma[1].has_hca_objects);
	ck_assert_uint_eq(r->rdma[1].hca_objects, 1000);
	ck_assert_str_eq(r->unified[0].value,
			 "259:0 rbps=2097152 wiops=120\n253:0 rbps=2097152 wiops=120");
	ck_assert_str_eq(r->unified[1].key, "memory.high");
}

static void check_full_seccomp(const bc_seccomp_t *sc)
{
	ck_assert_str_eq(sc->default_action, "SCMP_ACT_ERRNO");
	ck_assert(sc->has_default_errno_ret);
	ck_assert_uint_eq(sc->default_errno_ret, 1);
	ck_assert_uint_eq(bc_strv_len(sc->architectures), 3);
	ck_assert_str_eq(sc->flags[1], "SECCOMP_FILTER_FLAG_SPEC_ALLOW");
	ck_assert_str_eq(sc->listener_path, "/run/seccomp-agent.sock");
	ck_assert_str_eq(sc->listener_metadata, "meta");
	ck_assert_uint_eq(sc->n_syscalls, 3);
	ck_assert(!sc->syscalls[0].has_errno_ret);
	ck_assert_uint_eq(sc->syscalls[1].errno_ret, 38);
	ck_assert_uint_eq(sc->syscalls[1].n_args, 2);
	ck_assert_uint_eq(sc->syscalls[1].args[0].value, 8);
	ck_assert_str_eq(sc->syscalls[1].args[0].op, "SCMP_CMP_EQ");
	ck_assert_uint_eq(sc->syscalls[1].args[1].index, 1);
	ck_assert_uint_eq(sc->syscalls[1].args[1].value_two, UINT64_MAX);
	ck_assert_str_eq(sc->syscalls[2].action, "SCMP_ACT_NOTIFY");
}

static void check_full(const bc_spec_t *s)
{
	check_full_top(s);
	check_full_process(s->process);
	check_full_linux(s->linux_);
	check_full_resources(s->linux_->resources);
	check_full_seccomp(s->linux_->seccomp);
}

START_TEST(test_full_document)
{
	bc_error_t *err = NULL;
	cleanup_spec bc_spec_t *spec = bc_spec_load(TEST_DATA_DIR "/spec-full.json", &err);
	cleanup_spec bc_spec_t *again = NULL;
	cleanup_free char *text = NULL;

	ck_assert_msg(spec != NULL, "%s", err ? err->msg : "");
	check_full(spec);
	/* The written form is read back member by member, not only compared as a whole. */
	again = round_trip(spec);
	check_full(again);
	text = bc_spec_to_json(again, &err);
	ck_assert_ptr_nonnull(text);
	ck_assert(bc_str_has_prefix(text, "{\n  \"ociVersion\": \"1.3.0\",\n  \"process\": {\n"));
}
END_TEST

/* bc_spec_equal must see a change anywhere, or the round-trip tests prove nothing. */
START_TEST(test_equal_detects_changes)
{
	bc_error_t *err = NULL;
	cleanup_spec bc_spec_t *a = bc_spec_load(TEST_DATA_DIR "/spec-full.json", &err);
	cleanup_spec bc_spec_t *b = bc_spec_load(TEST_DATA_DIR "/spec-full.json", &err);
	char *saved;

	ck_assert(bc_spec_equal(a, b));
	b->linux_->resources->block_io->throttle_write_iops[0].rate++;
	ck_assert(!bc_spec_equal(a, b));
	b->linux_->resources->block_io->throttle_write_iops[0].rate--;
	b->linux_->seccomp->syscalls[1].args[1].op[9] = 'X';
	ck_assert(!bc_spec_equal(a, b));
	b->linux_->seccomp->syscalls[1].args[1].op[9] = 'M';
	b->linux_->resources->rdma[1].has_hca_handles = true;
	ck_assert(!bc_spec_equal(a, b));
	b->linux_->resources->rdma[1].has_hca_handles = false;
	saved = b->process->capabilities->effective[0];
	b->process->capabilities->effective[0] = b->process->capabilities->bounding[0];
	ck_assert(!bc_spec_equal(a, b));
	b->process->capabilities->effective[0] = saved;
	b->linux_->time_boottime.secs = 1;
	ck_assert(!bc_spec_equal(a, b));
	b->linux_->time_boottime.secs = 86400;
	b->linux_->net_devices[1].host_name[0] = 'D';
	ck_assert(!bc_spec_equal(a, b));
	b->linux_->net_devices[1].host_name[0] = 'd';
	ck_assert(bc_spec_equal(a, b));
	ck_assert(!bc_spec_equal(a, NULL));
	ck_assert(bc_spec_equal(NULL, NULL));
}
END_TEST

/* ------------------------------------------------------------------ lenient parts */

START_TEST(test_unknown_properties_ignored)
{
	cleanup_spec bc_spec_t *plain =
	    parse_ok("{'ociVersion':'1.2.0','root':{'path':'r'},'process':{'cwd':'/','args':['a']},"
		     "'linux':{'namespaces':[{'type':'pid'}],'resources':{'pids':{'limit':5}}}}");
	cleanup_spec bc_spec_t *extra =
	    parse_ok("{'ociVersion':'1.2.0','x-top':[1,{'a':null}],'root':{'path':'r','x':true},"
		     "'process':{'cwd':'/','args':['a'],'future':{'deep':[[[]]]}},"
		     "'solaris':{'milestone':'svc'},'windows':{},'vm':{'hypervisor':{}},"
		     "'linux':{'namespaces':[{'type':'pid','x':1}],"
		     "'resources':{'pids':{'limit':5,'y':'z'},'misc':{}},'enableCMT':true}}");

	ck_assert(bc_spec_equal(plain, extra));
	ck_assert(extra->linux_->resources->has_pids_limit);
	ck_assert_int_eq(extra->linux_->resources->pids_limit, 5);
}
END_TEST

START_TEST(test_null_is_absent)
{
	cleanup_spec bc_spec_t *spec =
	    parse_ok("{'ociVersion':'1.0.0','root':{'path':'r','readonly':null},"
		     "'process':null,'hostname':null,'mounts':null,'linux':{'seccomp':null}}");

	ck_assert_ptr_null(spec->process);
	ck_assert_ptr_null(spec->hostname);
	ck_assert_ptr_null(spec->linux_->seccomp);
	ck_assert(!spec->root_readonly);
}
END_TEST

START_TEST(test_duplicate_member_last_wins)
{
	cleanup_spec bc_spec_t *spec =
	    parse_ok("{'ociVersion':'1.0.0','root':{'path':'a'},'hostname':'one','hostname':'two',"
		     "'root':{'path':'b'}}");

	ck_assert_str_eq(spec->hostname, "two");
	ck_assert_str_eq(spec->root_path, "b");
}
END_TEST

START_TEST(test_oci_version_range)
{
	static const char *const good[] = {"1.0.0", "1.0.2-dev", "1.0.0-rc5", "1.1.0+build.7",
					   "1.2.1", "1.3.0",	 "1.3.99"};
	static const char *const unsupported[] = {"0.5.0-dev", "0.9.9", "1.4.0", "2.0.0", "10.0.0"};
	static const char *const malformed[] = {"1.0",	"v1.0.0", "1.0.0-", "",
						"1..0", "1.0.x",  "1.0.0 "};

	for (size_t i = 0; i < BC_ARRAY_SIZE(good); i++) {
		cleanup_free char *doc =
		    bc_xasprintf("{\"ociVersion\":\"%s\",\"root\":{\"path\":\"r\"}}", good[i]);
		cleanup_spec bc_spec_t *spec = parse_raw(doc, strlen(doc));

		ck_assert_str_eq(spec->oci_version, good[i]);
	}
	for (size_t i = 0; i < BC_ARRAY_SIZE(unsupported); i++) {
		cleanup_free char *doc = bc_xasprintf(
		    "{\"ociVersion\":\"%s\",\"root\":{\"path\":\"r\"}}", unsupported[i]);
		cleanup_free char *want = bc_xasprintf(
		    "config.json: ociVersion: unsupported version \"%s\" (barco supports 1.0.0 "
		    "to 1.3.x)",
		    unsupported[i]);

		expect_error_raw(doc, strlen(doc), want);
	}
	for (size_t i = 0; i < BC_ARRAY_SIZE(malformed); i++) {
		cleanup_free char *doc =
		    bc_xasprintf("{\"ociVersion\":\"%s\",\"root\":{\"path\":\"r\"}}", malformed[i]);
		cleanup_free char *want =
		    bc_xasprintf("config.json: ociVersion: invalid version \"%s\" (expected "
				 "MAJOR.MINOR.PATCH)",
				 malformed[i]);

		expect_error_raw(doc, strlen(doc), want);
	}
}
END_TEST

/* Integer edges: the full range of each width is accepted, one past it is not. */
START_TEST(test_integer_ranges)
{
	cleanup_spec bc_spec_t *spec =
	    parse_ok("{'ociVersion':'1.0.0','root':{'path':'r'},"
		     "'process':{'cwd':'/','args':['a'],'oomScoreAdj':-2147483648,"
		     "'user':{'uid':4294967295,'gid':0,'umask':-0},"
		     "'scheduler':{'policy':'SCHED_OTHER','nice':2147483647}},"
		     "'linux':{'timeOffsets':{'monotonic':{'secs':-9223372036854775808},"
		     "'boottime':{'secs':9223372036854775807}},"
		     "'resources':{'blockIO':{'weight':65535,'leafWeight':0}}}}");

	ck_assert_int_eq(spec->process->oom_score_adj, INT32_MIN);
	ck_assert_uint_eq(spec->process->user.uid, UINT32_MAX);
	ck_assert(spec->process->user.has_umask);
	ck_assert_uint_eq(spec->process->user.umask, 0);
	ck_assert_int_eq(spec->process->scheduler->nice, INT32_MAX);
	ck_assert_int_eq(spec->linux_->time_monotonic.secs, INT64_MIN);
	ck_assert_int_eq(spec->linux_->time_boottime.secs, INT64_MAX);
	ck_assert_uint_eq(spec->linux_->resources->block_io->weight, 65535);
	ck_assert(spec->linux_->resources->block_io->has_leaf_weight);
}
END_TEST

/* ------------------------------------------------------------------ sysctl, cgroup names */

/* Every namespaced class, each with the namespace it needs (refusals: the invalid table). */
START_TEST(test_sysctl_allowed)
{
	static const char *const keys[] = {
	    "kernel.msgmax",
	    "kernel.msgmnb",
	    "kernel.msgmni",
	    "kernel.sem",
	    "kernel.shmall",
	    "kernel.shmmax",
	    "kernel.shmmni",
	    "kernel.shm_rmid_forced",
	    "fs.mqueue.queues_max",
	    "fs.mqueue.msg_max",
	    "net.ipv4.ip_forward",
	    "net.core.somaxconn",
	    "net.ipv4.conf.all.rp_filter",
	    "kernel.domainname",
	};
	cleanup_spec bc_spec_t *spec = parse_ok(
	    "{'ociVersion':'1.0.0','root':{'path':'r'},'domainname':'d','linux':{'namespaces':"
	    "[{'type':'ipc'},{'type':'network','path':'/run/netns/x'},{'type':'uts'}],'sysctl':{"
	    "'kernel.msgmax':'1','kernel.msgmnb':'1','kernel.msgmni':'1','kernel.sem':'1 2 3 4',"
	    "'kernel.shmall':'1','kernel.shmmax':'1','kernel.shmmni':'1',"
	    "'kernel.shm_rmid_forced':'1','fs.mqueue.queues_max':'1','fs.mqueue.msg_max':'1',"
	    "'net.ipv4.ip_forward':'1','net.core.somaxconn':'1','net.ipv4.conf.all.rp_filter':'1',"
	    "'kernel.domainname':'d'}}}");

	ck_assert_uint_eq(spec->linux_->n_sysctl, BC_ARRAY_SIZE(keys));
	for (size_t i = 0; i < BC_ARRAY_SIZE(keys); i++)
		ck_assert_str_eq(spec->linux_->sysctl[i].key, keys[i]);
	/* Without a domainname field, kernel.domainname may set any value. */
	bc_spec_free(parse_ok("{'ociVersion':'1.0.0','root':{'path':'r'},'linux':{'namespaces':"
			      "[{'type':'uts'}],'sysctl':{'kernel.domainname':'x'}}}"));
}
END_TEST

static int sysctl_ns_check(const char *netns_path, bc_error_t **err)
{
	cleanup_free char *doc = bc_xasprintf(
	    "{'ociVersion':'1.0.0','root':{'path':'r'},'linux':{'namespaces':[{'type':'network',"
	    "'path':'%s'}],'sysctl':{'net.ipv4.ip_forward':'1'}}}",
	    netns_path);
	cleanup_spec bc_spec_t *spec = parse_ok(doc);

	return bc_spec_check_sysctl_ns(spec, err);
}

/* A net.* sysctl in a network namespace joined by path: refused when the path is the
 * runtime's own namespace (it would change the host), allowed for any other. */
START_TEST(test_sysctl_host_netns)
{
	bc_error_t *err = NULL;

	ck_assert_int_eq(sysctl_ns_check("/proc/self/ns/net", &err), -1);
	ck_assert_str_eq(err->msg, "config.json: linux.sysctl: \"net.ipv4.ip_forward\" needs a "
				   "network namespace other than the host's, and /proc/self/ns/net "
				   "is the runtime's own: refused");
	bc_error_free(err);
	err = NULL;
	ck_assert_int_eq(sysctl_ns_check("/nonexistent/netns", &err), -1);
	ck_assert_str_eq(err->msg, "config.json: linux.namespaces: stat network namespace "
				   "/nonexistent/netns: No such file or directory");
	bc_error_free(err);
	err = NULL;
	/* No path, no file to look at: a new namespace is always the container's own. */
	{
		cleanup_spec bc_spec_t *spec =
		    parse_ok("{'ociVersion':'1.0.0','root':{'path':'r'},'linux':{'namespaces':"
			     "[{'type':'network'}],'sysctl':{'net.ipv4.ip_forward':'1'}}}");
		ck_assert_int_eq(bc_spec_check_sysctl_ns(spec, &err), 0);
	}
}
END_TEST

/* Needs root (registered only then): the test moves to a new network namespace, and the one
 * it leaves is "another" namespace, reachable through an fd. */
START_TEST(test_sysctl_joined_netns)
{
	bc_error_t *err = NULL;
	cleanup_close int own = -1;
	char other[64];

	own = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	ck_assert_int_ge(own, 0);
	ck_assert_int_eq(unshare(CLONE_NEWNET), 0);
	snprintf(other, sizeof(other), "/proc/self/fd/%d", own);
	ck_assert_int_eq(sysctl_ns_check(other, &err), 0);
	ck_assert_ptr_null(err);
	ck_assert_int_eq(sysctl_ns_check("/proc/self/ns/net", &err), -1);
	bc_error_free(err);
	ck_assert_int_eq(setns(own, CLONE_NEWNET), 0);
}
END_TEST

START_TEST(test_cgroup_names_allowed)
{
	cleanup_spec bc_spec_t *spec = parse_ok(
	    "{'ociVersion':'1.0.0','root':{'path':'r'},'linux':{'cgroupsPath':'/a/..b/c../.x/./d',"
	    "'resources':{'unified':{'memory.max':'1','hugetlb.1GB.max':'1',"
	    "'io.max':'8:0 rbps=1\\n','cgroup.max.depth':'2'}}}}");
	cleanup_spec bc_spec_t *systemd =
	    parse_ok("{'ociVersion':'1.0.0','root':{'path':'r'},"
		     "'linux':{'cgroupsPath':'system.slice:barco:x'}}");

	ck_assert_str_eq(spec->linux_->cgroups_path, "/a/..b/c../.x/./d");
	ck_assert_uint_eq(spec->linux_->resources->n_unified, 4);
	ck_assert_str_eq(spec->linux_->resources->unified[2].value, "8:0 rbps=1\n");
	ck_assert_str_eq(systemd->linux_->cgroups_path, "system.slice:barco:x");
}
END_TEST

/* ------------------------------------------------------------------ invalid documents */

#define DOC(x)	"{'ociVersion':'1.0.0','root':{'path':'r'}," x "}"
#define PROC(x) DOC("'process':{'cwd':'/','args':['sh']," x "}")
#define LNX(x)	DOC("'linux':{" x "}")
#define RES(x)	LNX("'resources':{" x "}")
#define SECC(x) LNX("'seccomp':{'defaultAction':'SCMP_ACT_ALLOW'," x "}")
#define E	"config.json: "

/* linux.sysctl documents: namespaces and sysctl members */
#define SYSCTL_NS(ns, kv) LNX("'namespaces':[" ns "],'sysctl':{" kv "}")
#define SYSCTL_ALL(kv)	  SYSCTL_NS("{'type':'ipc'},{'type':'network'},{'type':'uts'}", kv)
#define SYSCTL_BAD                                                                                 \
	"is not a sysctl name (it must not hold '/', \"..\", spaces or control characters, nor "   \
	"start or end with '.'): refused"
#define UNIFIED_BAD                                                                                \
	"is not a cgroup file name (expected controller.key, without '/' or \"..\"): refused"

static const struct {
	const char *doc, *msg;
} invalid[] = {
    /* top level */
    {"[]", E "expected a JSON object at the top level, got array"},
    {"'just a string'", E "expected a JSON object at the top level, got string"},
    {"{'root':{'path':'r'}}", E "ociVersion: missing required property"},
    {"{'ociVersion':1,'root':{'path':'r'}}", E "ociVersion: expected a string, got number"},
    {"{'ociVersion':'2.0.0','root':{'path':'r'}}",
     E "ociVersion: unsupported version \"2.0.0\" (barco supports 1.0.0 to 1.3.x)"},
    {"{'ociVersion':'1.0.0'}", E "root: missing required property"},
    {"{'ociVersion':'1.0.0','root':'rootfs'}", E "root: expected an object, got string"},
    {"{'ociVersion':'1.0.0','root':{}}", E "root.path: missing required property"},
    {"{'ociVersion':'1.0.0','root':{'path':null}}", E "root.path: expected a string, got null"},
    {DOC("'root':{'path':'r','readonly':'yes'}"),
     E "root.readonly: expected a boolean, got string"},
    {DOC("'hostname':7"), E "hostname: expected a string, got number"},
    {DOC("'domainname':['a']"), E "domainname: expected a string, got array"},
    {DOC("'annotations':{'com.example':3}"),
     E "annotations[\"com.example\"]: expected a string, got number"},
    {DOC("'annotations':{'':'v'}"), E "annotations: keys must not be empty"},
    {DOC("'annotations':['a']"), E "annotations: expected an object of strings, got array"},
    /* process */
    {DOC("'process':[]"), E "process: expected an object, got array"},
    {PROC("'args':3"), E "process.args: expected an array of strings, got number"},
    {PROC("'args':['sh',1]"), E "process.args[1]: expected a string, got number"},
    {PROC("'args':[]"), E "process.args: must contain at least one element"},
    {DOC("'process':{'cwd':'/'}"), E "process.args: missing required property"},
    {DOC("'process':{'args':['sh']}"), E "process.cwd: missing required property"},
    {PROC("'cwd':'work'"), E "process.cwd: expected an absolute path, got \"work\""},
    {PROC("'env':'A=1'"), E "process.env: expected an array of strings, got string"},
    {PROC("'terminal':1"), E "process.terminal: expected a boolean, got number"},
    {PROC("'user':{'uid':-1,'gid':0}"),
     E "process.user.uid: expected an unsigned 32-bit integer, got -1"},
    {PROC("'user':{'uid':4294967296,'gid':0}"),
     E "process.user.uid: expected an unsigned 32-bit integer, got 4294967296"},
    {PROC("'user':{'uid':1.5,'gid':0}"),
     E "process.user.uid: expected an unsigned 32-bit integer, got 1.5"},
    {PROC("'user':{'uid':1e3,'gid':0}"),
     E "process.user.uid: expected an unsigned 32-bit integer, got 1e3"},
    {PROC("'user':{'uid':'0','gid':0}"),
     E "process.user.uid: expected an unsigned 32-bit integer, got string"},
    {PROC("'user':{'uid':0}"), E "process.user.gid: missing required property"},
    {PROC("'user':{'uid':0,'gid':0,'additionalGids':[1,-2]}"),
     E "process.user.additionalGids[1]: expected an unsigned 32-bit integer, got -2"},
    {PROC("'user':{'uid':12345678901234567890123456789012345678901234567890,'gid':0}"),
     E "process.user.uid: expected an unsigned 32-bit integer, got "
       "12345678901234567890123456789012..."},
    {PROC("'consoleSize':{'height':25}"), E "process.consoleSize.width: missing required property"},
    {PROC("'capabilities':{'bounding':'CAP_KILL'}"),
     E "process.capabilities.bounding: expected an array of strings, got string"},
    {PROC("'rlimits':{}"), E "process.rlimits: expected an array of objects, got object"},
    {PROC("'rlimits':[{'type':'RLIMIT_FOO','soft':1,'hard':1}]"),
     E "process.rlimits[0].type: unknown resource limit \"RLIMIT_FOO\""},
    {PROC("'rlimits':[{'type':'RLIMIT_NOFILE','soft':1,'hard':1},"
	  "{'type':'RLIMIT_NOFILE','soft':2,'hard':2}]"),
     E "process.rlimits[1].type: duplicate resource limit \"RLIMIT_NOFILE\""},
    {PROC("'rlimits':[{'type':'RLIMIT_NOFILE','soft':2048,'hard':1024}]"),
     E "process.rlimits[0]: soft limit 2048 is greater than hard limit 1024"},
    {PROC("'rlimits':[{'type':'RLIMIT_CORE','hard':1}]"),
     E "process.rlimits[0].soft: missing required property"},
    {PROC("'rlimits':[{'type':'RLIMIT_CORE','soft':0,'hard':-1}]"),
     E "process.rlimits[0].hard: expected an unsigned 64-bit integer, got -1"},
    {PROC("'rlimits':[{'type':'RLIMIT_CORE','soft':0,'hard':18446744073709551616}]"),
     E "process.rlimits[0].hard: expected an unsigned 64-bit integer, got "
       "18446744073709551616"},
    {PROC("'oomScoreAdj':'-1'"),
     E "process.oomScoreAdj: expected a signed 32-bit integer, got string"},
    {PROC("'scheduler':{'policy':'SCHED_FOO'}"),
     E "process.scheduler.policy: unknown scheduler policy \"SCHED_FOO\""},
    {PROC("'scheduler':{'nice':1}"), E "process.scheduler.policy: missing required property"},
    {PROC("'scheduler':{'policy':'SCHED_RR','flags':['SCHED_FLAG_RECLAIM','SCHED_FLAG_X']}"),
     E "process.scheduler.flags[1]: unknown scheduler flag \"SCHED_FLAG_X\""},
    {PROC("'scheduler':{'policy':'SCHED_RR','nice':2147483648}"),
     E "process.scheduler.nice: expected a signed 32-bit integer, got 2147483648"},
    {PROC("'ioPriority':{'class':'IOPRIO_CLASS_NONE','priority':0}"),
     E "process.ioPriority.class: unknown I/O priority class \"IOPRIO_CLASS_NONE\""},
    {PROC("'ioPriority':{'class':'IOPRIO_CLASS_RT','priority':8}"),
     E "process.ioPriority.priority: must be between 0 and 7, got 8"},
    {PROC("'execCPUAffinity':{'initial':'a-b'}"),
     E "process.execCPUAffinity.initial: invalid CPU list \"a-b\""},
    /* mounts */
    {DOC("'mounts':{}"), E "mounts: expected an array of objects, got object"},
    {DOC("'mounts':[{'type':'tmpfs'}]"), E "mounts[0].destination: missing required property"},
    {DOC("'mounts':[{'destination':'/a'},{'destination':'b'}]"),
     E "mounts[1].destination: expected an absolute path, got \"b\""},
    {DOC("'mounts':[{'destination':'/a','options':['ro',{}]}]"),
     E "mounts[0].options[1]: expected a string, got object"},
    {DOC("'mounts':[{'destination':'/a','uidMappings':[{'containerID':0,'hostID':1}]}]"),
     E "mounts[0].uidMappings[0].size: missing required property"},
    /* hooks */
    {DOC("'hooks':{'prestart':[{'args':['x']}]}"),
     E "hooks.prestart[0].path: missing required property"},
    {DOC("'hooks':{'poststop':[{'path':'/a'},{'path':'rel/hook'}]}"),
     E "hooks.poststop[1].path: expected an absolute path, got \"rel/hook\""},
    {DOC("'hooks':{'createRuntime':[{'path':'/h','timeout':0}]}"),
     E "hooks.createRuntime[0].timeout: must be greater than zero, got 0"},
    {DOC("'hooks':{'startContainer':[{'path':'/h','timeout':-3}]}"),
     E "hooks.startContainer[0].timeout: must be greater than zero, got -3"},
    {DOC("'hooks':{'createContainer':{'path':'/h'}}"),
     E "hooks.createContainer: expected an array of objects, got object"},
    {DOC("'hooks':{'poststart':[{'path':'/h','env':[null]}]}"),
     E "hooks.poststart[0].env[0]: expected a string, got null"},
    /* linux */
    {DOC("'linux':[]"), E "linux: expected an object, got array"},
    {LNX("'namespaces':[{'type':'pid'},{'type':'mount'},{'type':'foo'}]"),
     E "linux.namespaces[2].type: unknown namespace type \"foo\""},
    {LNX("'namespaces':[{'type':'pid'},{'type':'net'}]"),
     E "linux.namespaces[1].type: unknown namespace type \"net\""},
    {LNX("'namespaces':[{'type':'pid'},{'type':'uts'},{'type':'pid'}]"),
     E "linux.namespaces[2].type: duplicate namespace type \"pid\""},
    {LNX("'namespaces':[{'type':'network','path':'run/netns/x'}]"),
     E "linux.namespaces[0].path: expected an absolute path, got \"run/netns/x\""},
    {LNX("'namespaces':[{'path':'/proc/1/ns/pid'}]"),
     E "linux.namespaces[0].type: missing required property"},
    {LNX("'uidMappings':[{'containerID':0,'size':1}]"),
     E "linux.uidMappings[0].hostID: missing required property"},
    {LNX("'gidMappings':[{'containerID':0,'hostID':0,'size':-1}]"),
     E "linux.gidMappings[0].size: expected an unsigned 32-bit integer, got -1"},
    {LNX("'timeOffsets':{'monotonic':{'nanosecs':-1}}"),
     E "linux.timeOffsets.monotonic.nanosecs: expected an unsigned 32-bit integer, got -1"},
    {LNX("'devices':[{'type':'x','path':'/dev/x'}]"),
     E "linux.devices[0].type: unknown device type \"x\""},
    {LNX("'devices':[{'type':'cc','path':'/dev/x'}]"),
     E "linux.devices[0].type: unknown device type \"cc\""},
    {LNX("'devices':[{'type':'c','path':'/dev/x','minor':1}]"),
     E "linux.devices[0].major: missing required property (device type 'c')"},
    {LNX("'devices':[{'type':'b','path':'/dev/x','major':8}]"),
     E "linux.devices[0].minor: missing required property (device type 'b')"},
    {LNX("'devices':[{'type':'p','path':'fifo'}]"),
     E "linux.devices[0].path: expected an absolute path, got \"fifo\""},
    {LNX("'netDevices':{'eth0':'net0'}"),
     E "linux.netDevices[\"eth0\"]: expected an object, got string"},
    {LNX("'sysctl':{'net.ipv4.ip_forward':true}"),
     E "linux.sysctl[\"net.ipv4.ip_forward\"]: expected a string, got boolean"},
    /* linux.sysctl: the allow-list (see test_sysctl_allowed for what passes) */
    {SYSCTL_ALL("'kernel.foo':'1'"),
     E "linux.sysctl: \"kernel.foo\" is not a namespaced sysctl: refused"},
    {SYSCTL_ALL("'vm.swappiness':'1'"),
     E "linux.sysctl: \"vm.swappiness\" is not a namespaced sysctl: refused"},
    {SYSCTL_ALL("'network.x':'1'"),
     E "linux.sysctl: \"network.x\" is not a namespaced sysctl: refused"},
    {SYSCTL_ALL("'fs.mqueue':'1'"),
     E "linux.sysctl: \"fs.mqueue\" is not a namespaced sysctl: refused"},
    {SYSCTL_ALL("'kernel.shmmax.x':'1'"),
     E "linux.sysctl: \"kernel.shmmax.x\" is not a namespaced sysctl: refused"},
    {SYSCTL_ALL("'net.ipv4.ip_forward':'1','kernel.panic':'1'"),
     E "linux.sysctl: \"kernel.panic\" is not a namespaced sysctl: refused"},
    {SYSCTL_NS("{'type':'network'},{'type':'uts'}", "'kernel.shmmax':'1'"),
     E "linux.sysctl: \"kernel.shmmax\" needs an ipc namespace in linux.namespaces (without "
       "one it would change the host's): refused"},
    {SYSCTL_NS("{'type':'network'},{'type':'uts'}", "'fs.mqueue.queues_max':'1'"),
     E "linux.sysctl: \"fs.mqueue.queues_max\" needs an ipc namespace in linux.namespaces "
       "(without one it would change the host's): refused"},
    {SYSCTL_NS("{'type':'ipc'},{'type':'uts'}", "'net.ipv4.ip_forward':'1'"),
     E "linux.sysctl: \"net.ipv4.ip_forward\" needs a network namespace in linux.namespaces "
       "(without one it would change the host's): refused"},
    {SYSCTL_NS("{'type':'ipc'},{'type':'network'}", "'kernel.domainname':'x'"),
     E "linux.sysctl: \"kernel.domainname\" needs a new uts namespace in linux.namespaces "
       "(without one it would change the host's): refused"},
    {SYSCTL_NS("{'type':'uts','path':'/proc/1/ns/uts'}", "'kernel.domainname':'x'"),
     E "linux.sysctl: \"kernel.domainname\" needs a new uts namespace, not one joined by path: "
       "refused"},
    {SYSCTL_ALL("'kernel.hostname':'x'"),
     E "linux.sysctl: \"kernel.hostname\" conflicts with the hostname field (set that "
       "instead): refused"},
    {DOC("'domainname':'a','linux':{'namespaces':[{'type':'uts'}],"
	 "'sysctl':{'kernel.domainname':'b'}}"),
     E "linux.sysctl: \"kernel.domainname\" conflicts with the domainname field: refused"},
    {SYSCTL_ALL("'../../../etc/x':'1'"), E "linux.sysctl: \"../../../etc/x\" " SYSCTL_BAD},
    {SYSCTL_ALL("'net/ipv4/ip_forward':'1'"),
     E "linux.sysctl: \"net/ipv4/ip_forward\" " SYSCTL_BAD},
    {SYSCTL_ALL("'net.ipv4..ip_forward':'1'"),
     E "linux.sysctl: \"net.ipv4..ip_forward\" " SYSCTL_BAD},
    {SYSCTL_ALL("'net.core.x/../../y':'1'"), E "linux.sysctl: \"net.core.x/../../y\" " SYSCTL_BAD},
    {SYSCTL_ALL("'.net.ipv4':'1'"), E "linux.sysctl: \".net.ipv4\" " SYSCTL_BAD},
    {SYSCTL_ALL("'net.':'1'"), E "linux.sysctl: \"net.\" " SYSCTL_BAD},
    {SYSCTL_ALL("'net.ipv4.conf.a b.x':'1'"),
     E "linux.sysctl: \"net.ipv4.conf.a b.x\" " SYSCTL_BAD},
    {SYSCTL_ALL("'net.ipv4.x\\n':'1'"), E "linux.sysctl: \"net.ipv4.x\\x0a\" " SYSCTL_BAD},
    /* linux.cgroupsPath */
    {LNX("'cgroupsPath':'/a/../b'"),
     E "linux.cgroupsPath: \"/a/../b\" has a \"..\" component: refused"},
    {LNX("'cgroupsPath':'..'"), E "linux.cgroupsPath: \"..\" has a \"..\" component: refused"},
    {LNX("'cgroupsPath':'../x'"), E "linux.cgroupsPath: \"../x\" has a \"..\" component: refused"},
    {LNX("'cgroupsPath':'x/..'"), E "linux.cgroupsPath: \"x/..\" has a \"..\" component: refused"},
    {LNX("'cgroupsPath':'/a//../b'"),
     E "linux.cgroupsPath: \"/a//../b\" has a \"..\" component: refused"},
    {LNX("'cgroupsPath':'/a\\nb'"),
     E "linux.cgroupsPath: \"/a\\x0ab\" contains a control character: refused"},
    {LNX("'cgroupsPath':'/a\\tb'"),
     E "linux.cgroupsPath: \"/a\\x09b\" contains a control character: refused"},
    {LNX("'rootfsPropagation':'bogus'"),
     E "linux.rootfsPropagation: unknown rootfs propagation \"bogus\""},
    {LNX("'maskedPaths':'/proc'"), E "linux.maskedPaths: expected an array of strings, got string"},
    {LNX("'personality':{'domain':'LINUX64'}"),
     E "linux.personality.domain: unknown personality domain \"LINUX64\""},
    {LNX("'personality':{'flags':[]}"), E "linux.personality.domain: missing required property"},
    {LNX("'memoryPolicy':{'mode':'MPOL_FOO'}"),
     E "linux.memoryPolicy.mode: unknown memory policy mode \"MPOL_FOO\""},
    {LNX("'memoryPolicy':{'mode':'MPOL_BIND','flags':['MPOL_F_X']}"),
     E "linux.memoryPolicy.flags[0]: unknown memory policy flag \"MPOL_F_X\""},
    {LNX("'memoryPolicy':{'nodes':'0'}"), E "linux.memoryPolicy.mode: missing required property"},
    {LNX("'intelRdt':{'memBwSchema':'L3:0=1'}"),
     E "linux.intelRdt.memBwSchema: must start with \"MB:\" and be a single line"},
    /* linux.resources */
    {RES("'unified':{'../memory.max':'1'}"),
     E "linux.resources.unified: \"../memory.max\" " UNIFIED_BAD},
    {RES("'unified':{'memory.max':'1','memory/max':'1'}"),
     E "linux.resources.unified: \"memory/max\" " UNIFIED_BAD},
    {RES("'unified':{'memory..max':'1'}"),
     E "linux.resources.unified: \"memory..max\" " UNIFIED_BAD},
    {RES("'unified':{'.max':'1'}"), E "linux.resources.unified: \".max\" " UNIFIED_BAD},
    {RES("'unified':{'memory.':'1'}"), E "linux.resources.unified: \"memory.\" " UNIFIED_BAD},
    {RES("'unified':{'max':'1'}"), E "linux.resources.unified: \"max\" " UNIFIED_BAD},
    {RES("'unified':{'..':'1'}"), E "linux.resources.unified: \"..\" " UNIFIED_BAD},
    {RES("'unified':{'memory.max ':'1'}"),
     E "linux.resources.unified: \"memory.max \" " UNIFIED_BAD},
    {RES("'devices':[{'access':'rwm'}]"),
     E "linux.resources.devices[0].allow: missing required property"},
    {RES("'devices':[{'allow':true,'access':'rwx'}]"),
     E "linux.resources.devices[0].access: invalid access \"rwx\" (expected a combination of "
       "r, w and m)"},
    {RES("'devices':[{'allow':true,'type':'u'}]"),
     E "linux.resources.devices[0].type: unknown device type \"u\""},
    {RES("'memory':{'limit':1.5}"),
     E "linux.resources.memory.limit: expected a signed 64-bit integer, got 1.5"},
    {RES("'memory':{'limit':9223372036854775808}"),
     E "linux.resources.memory.limit: expected a signed 64-bit integer, got "
       "9223372036854775808"},
    {RES("'memory':{'swappiness':-1}"),
     E "linux.resources.memory.swappiness: expected an unsigned 64-bit integer, got -1"},
    {RES("'cpu':{'cpus':0}"), E "linux.resources.cpu.cpus: expected a string, got number"},
    {RES("'blockIO':{'weight':65536}"),
     E "linux.resources.blockIO.weight: expected an unsigned 16-bit integer, got 65536"},
    {RES("'blockIO':{'weightDevice':[{'major':8,'minor':0}]}"),
     E "linux.resources.blockIO.weightDevice[0]: at least one of weight and leafWeight is "
       "required"},
    {RES("'blockIO':{'throttleReadBpsDevice':[{'major':8,'minor':0}]}"),
     E "linux.resources.blockIO.throttleReadBpsDevice[0].rate: missing required property"},
    {RES("'hugepageLimits':[{'pageSize':'2mb','limit':1}]"),
     E "linux.resources.hugepageLimits[0].pageSize: invalid page size \"2mb\" (expected a size "
       "like 2MB, 64KB or 1GB)"},
    {RES("'network':{'priorities':[{'name':'eth0'}]}"),
     E "linux.resources.network.priorities[0].priority: missing required property"},
    {RES("'pids':{'limit':'max'}"),
     E "linux.resources.pids.limit: expected a signed 64-bit integer, got string"},
    {RES("'rdma':{'mlx5_1':{}}"),
     E "linux.resources.rdma[\"mlx5_1\"]: at least one of hcaHandles and hcaObjects is "
       "required"},
    {RES("'unified':{'memory.max':1024}"),
     E "linux.resources.unified[\"memory.max\"]: expected a string, got number"},
    /* linux.seccomp */
    {LNX("'seccomp':{'architectures':[]}"),
     E "linux.seccomp.defaultAction: missing required property"},
    {LNX("'seccomp':{'defaultAction':'SCMP_ACT_DENY'}"),
     E "linux.seccomp.defaultAction: unknown seccomp action \"SCMP_ACT_DENY\""},
    {SECC("'architectures':['SCMP_ARCH_X86_64','SCMP_ARCH_Z80']"),
     E "linux.seccomp.architectures[1]: unknown seccomp architecture \"SCMP_ARCH_Z80\""},
    {SECC("'flags':['SECCOMP_FILTER_FLAG_NONE']"),
     E "linux.seccomp.flags[0]: unknown seccomp flag \"SECCOMP_FILTER_FLAG_NONE\""},
    {SECC("'syscalls':[{'names':[],'action':'SCMP_ACT_ERRNO'}]"),
     E "linux.seccomp.syscalls[0].names: must contain at least one element"},
    {SECC("'syscalls':[{'names':['read']}]"),
     E "linux.seccomp.syscalls[0].action: missing required property"},
    {SECC("'syscalls':[{'names':['read'],'action':'SCMP_ACT_KILLALL'}]"),
     E "linux.seccomp.syscalls[0].action: unknown seccomp action \"SCMP_ACT_KILLALL\""},
    {SECC("'syscalls':[{'names':['read'],'action':'SCMP_ACT_ERRNO',"
	  "'args':[{'index':0,'value':1,'op':'SCMP_CMP_ANY'}]}]"),
     E "linux.seccomp.syscalls[0].args[0].op: unknown seccomp operator \"SCMP_CMP_ANY\""},
    {SECC("'syscalls':[{'names':['read'],'action':'SCMP_ACT_ERRNO','args':[{'index':0,"
	  "'op':'SCMP_CMP_EQ'}]}]"),
     E "linux.seccomp.syscalls[0].args[0].value: missing required property"},
    {SECC("'syscalls':[{'names':['read'],'action':'SCMP_ACT_ALLOW','errnoRet':1}]"),
     E "linux.seccomp.syscalls[0].errnoRet: not allowed with action SCMP_ACT_ALLOW"},
    {LNX("'seccomp':{'defaultAction':'SCMP_ACT_KILL','defaultErrnoRet':1}"),
     E "linux.seccomp.defaultErrnoRet: not allowed with defaultAction SCMP_ACT_KILL"},
    {SECC("'listenerMetadata':'m'"),
     E "linux.seccomp.listenerMetadata: not allowed without listenerPath"},
    /* text that cannot be parsed */
    {"{'a': 1,}", E "syntax error at line 1, column 9: invalid object key (must be a string)"},
    {"{'ociVersion': '1.0.0',\n  'root': {'path': 'r'}\n  'x': 1\n}",
     E "syntax error at line 3, column 3: after key and value, inside map, I expect ',' or '}'"},
    {"{\n  'a': [1 2]\n}",
     E "syntax error at line 2, column 11: after array element, I expect ',' or ']'"},
    {"{'a': tru}", E "syntax error at line 1, column 9: invalid string in json text"},
    {"{'ociVersion': '1.0.0'", E "syntax error at line 1, column 23: premature EOF"},
    {"{'ociVersion': '1.0.0'\n\n", E "syntax error at line 1, column 23: premature EOF"},
    {"{} x", E "syntax error at line 1, column 4: trailing garbage"},
    {"{} {}", E "syntax error at line 1, column 4: trailing garbage"},
    {"// comment\n{}",
     E "syntax error at line 1, column 1: probable comment found in input text, comments are "
       "not enabled"},
    {"{'a': 01}",
     E "syntax error at line 1, column 7: after key and value, inside map, I expect ',' or '}'"},
    {"   ", E "empty document"},
    {"", E "empty document"},
    {"{'a':'x\\u0000y'}", E "line 1, column 8: NUL character (\\u0000) in a string"},
};

START_TEST(test_invalid_documents)
{
	cleanup_free char *doc = json(invalid[_i].doc);

	expect_error_raw(doc, strlen(doc), invalid[_i].msg);
}
END_TEST

/* Bytes the ' -> " trick cannot express. */
START_TEST(test_invalid_bytes)
{
	static const char ctrl[] = "{\"hostname\": \"a\x01\"}";
	static const char utf8[] = "{\"hostname\": \"a\xff\"}";
	static const char nul[] = "{\"ociVersion\":\"1.0.0\"\0}";
	cleanup_free char *long_value = NULL;
	cleanup_free char *want = NULL;
	char big[200];

	expect_error_raw(ctrl, strlen(ctrl),
			 E "syntax error at line 1, column 16: invalid character inside string");
	expect_error_raw(utf8, strlen(utf8),
			 E "syntax error at line 1, column 16: invalid bytes in UTF8 string");
	expect_error_raw(nul, sizeof(nul) - 1,
			 E "syntax error at line 1, column 22: invalid char in json text");
	/* Quoted values are escaped and cut, so a message stays one short line. */
	memset(big, 'n', sizeof(big));
	big[sizeof(big) - 1] = '\0';
	long_value = bc_xasprintf("{\"ociVersion\":\"1.0.0\",\"root\":{\"path\":\"r\"},"
				  "\"linux\":{\"namespaces\":[{\"type\":\"a\\n%s\"}]}}",
				  big);
	want = bc_xasprintf(E "linux.namespaces[0].type: unknown namespace type \"a\\x0a%.*s...\"",
			    62, big);
	expect_error_raw(long_value, strlen(long_value), want);
}
END_TEST

/* ------------------------------------------------------------------ limits */

static char *nested(int levels)
{
	/* The top-level object is one level; the rest are arrays under an unknown member. */
	size_t n = (size_t)levels - 1;
	const char *head = "{\"ociVersion\":\"1.0.0\",\"root\":{\"path\":\"r\"},\"x\":";
	char *doc = bc_xmalloc(strlen(head) + 2 * n + 2);
	char *p = stpcpy(doc, head);

	memset(p, '[', n);
	memset(p + n, ']', n);
	strcpy(p + 2 * n, "}");
	return doc;
}

START_TEST(test_depth_limit)
{
	cleanup_free char *ok = nested(BC_SPEC_MAX_DEPTH);
	cleanup_free char *deep = nested(BC_SPEC_MAX_DEPTH + 1);
	cleanup_free char *huge = nested(100000);
	cleanup_spec bc_spec_t *spec = parse_raw(ok, strlen(ok));
	/* Brackets inside strings do not count. */
	cleanup_spec bc_spec_t *quoted =
	    parse_ok("{'ociVersion':'1.0.0','root':{'path':'[[[[[{{{{'},"
		     "'hostname':'\\\\\\'[[[['}");

	expect_error_raw(deep, strlen(deep), E "document nested deeper than 64 levels");
	expect_error_raw(huge, strlen(huge), E "document nested deeper than 64 levels");
	ck_assert_str_eq(quoted->root_path, "[[[[[{{{{");
	ck_assert_str_eq(quoted->hostname, "\\\"[[[[");
}
END_TEST

static char *padded(size_t size)
{
	static const char body[] = "{\"ociVersion\":\"1.0.0\",\"root\":{\"path\":\"r\"}}";
	char *doc = bc_xmalloc(size + 1);

	memcpy(doc, body, strlen(body));
	memset(doc + strlen(body), ' ', size - strlen(body));
	doc[size] = '\0';
	return doc;
}

START_TEST(test_size_limit)
{
	cleanup_free char *at_limit = padded(BC_SPEC_MAX_SIZE);
	cleanup_free char *over = padded(BC_SPEC_MAX_SIZE + 1);
	cleanup_spec bc_spec_t *spec = parse_raw(at_limit, BC_SPEC_MAX_SIZE);
	char path[] = "/tmp/test_spec.XXXXXX";
	int fd = mkstemp(path);
	bc_error_t *err = NULL;

	expect_error_raw(over, BC_SPEC_MAX_SIZE + 1, E "document larger than 16 MiB");
	/* Through the file loader, a file far past the limit is refused once the limit is read. */
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(bc_write_all(fd, over, BC_SPEC_MAX_SIZE + 1), 0);
	ck_assert_int_eq(ftruncate(fd, 64 << 20), 0);
	close(fd);
	ck_assert_ptr_null(bc_spec_load(path, &err));
	ck_assert_str_eq(err->msg, E "document larger than 16 MiB");
	bc_error_free(err);
	unlink(path);
}
END_TEST

/*
 * A document of exactly `total` values: the object, "1.0.0", root, "r", an outer array, then
 * zeros in inner arrays of 64 (yajl_tree grows arrays one element at a time, which is
 * quadratic under valgrind for one huge array).
 */
static char *many_values(size_t total)
{
	const char *head = "{\"ociVersion\":\"1.0.0\",\"root\":{\"path\":\"r\"},\"x\":[";
	size_t left = total - 5;
	char *doc = bc_xmalloc(strlen(head) + 3 * total + 8);
	char *p = stpcpy(doc, head);

	while (left > 0) {
		size_t n = left - 1 < 64 ? left - 1 : 64;

		*p++ = '[';
		for (size_t i = 0; i < n; i++)
			p = stpcpy(p, i + 1 < n ? "0," : "0");
		p = stpcpy(p, "],");
		left -= n + 1;
	}
	strcpy(p - 1, "]}");
	return doc;
}

START_TEST(test_value_limit)
{
	cleanup_free char *ok = many_values(BC_SPEC_MAX_VALUES);
	cleanup_free char *over = many_values(BC_SPEC_MAX_VALUES + 1);
	cleanup_spec bc_spec_t *spec = parse_raw(ok, strlen(ok));

	expect_error_raw(over, strlen(over), E "document has more than 262144 values");
}
END_TEST

/* ------------------------------------------------------------------ loading */

START_TEST(test_load_errors)
{
	char dir[] = "/tmp/test_spec.XXXXXX";
	cleanup_free char *missing = NULL;
	bc_error_t *err = NULL;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	missing = bc_xasprintf("%s/config.json", dir);
	ck_assert_ptr_null(bc_spec_load(missing, &err));
	ck_assert_ptr_nonnull(err);
	ck_assert_int_eq(err->errnum, ENOENT);
	ck_assert_ptr_nonnull(strstr(err->msg, missing));
	ck_assert_ptr_nonnull(strstr(err->msg, "No such file or directory"));
	bc_error_free(err);
	err = NULL;
	ck_assert_ptr_null(bc_spec_load(dir, &err));
	ck_assert_int_eq(err->errnum, EISDIR);
	ck_assert_ptr_nonnull(strstr(err->msg, dir));
	bc_error_free(err);
	rmdir(dir);
}
END_TEST

START_TEST(test_load_invalid_file)
{
	char path[] = "/tmp/test_spec.XXXXXX";
	int fd = mkstemp(path);
	static const char doc[] = "{\n\t\"ociVersion\": \"1.0.0\",\n\t\"root\": {\"path\": 1}\n}\n";
	bc_error_t *err = NULL;

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(bc_write_all(fd, doc, strlen(doc)), 0);
	close(fd);
	ck_assert_ptr_null(bc_spec_load(path, &err));
	ck_assert_str_eq(err->msg, E "root.path: expected a string, got number");
	bc_error_free(err);
	unlink(path);
}
END_TEST

/* ------------------------------------------------------------------ name tables */

START_TEST(test_name_tables)
{
	static const char *const names[] = {"pid", "network", "mount",	"ipc",
					    "uts", "user",    "cgroup", "time"};
	static const char *const proc[] = {"pid", "net",  "mnt",    "ipc",
					   "uts", "user", "cgroup", "time"};
	static const int flags[] = {CLONE_NEWPID, CLONE_NEWNET,	 CLONE_NEWNS,	  CLONE_NEWIPC,
				    CLONE_NEWUTS, CLONE_NEWUSER, CLONE_NEWCGROUP, 0x80};
	static const char *const hooks[] = {"prestart",	      "createRuntime", "createContainer",
					    "startContainer", "poststart",     "poststop"};

	for (int t = 0; t < BC_NS_TYPE_COUNT; t++) {
		ck_assert_str_eq(bc_ns_type_name(t), names[t]);
		ck_assert_int_eq(bc_ns_type_from_name(names[t]), t);
		ck_assert_str_eq(bc_ns_proc_name(t), proc[t]);
		ck_assert_int_eq(bc_ns_clone_flag(t), flags[t]);
	}
	ck_assert_int_eq(bc_ns_type_from_name("net"), -1);
	ck_assert_int_eq(bc_ns_type_from_name(""), -1);
	ck_assert_ptr_null(bc_ns_type_name(BC_NS_TYPE_COUNT));
	for (int k = 0; k < BC_HOOK_KIND_COUNT; k++)
		ck_assert_str_eq(bc_hook_kind_name(k), hooks[k]);
	ck_assert_ptr_null(bc_hook_kind_name(BC_HOOK_KIND_COUNT));
}
END_TEST

START_TEST(test_rlimit_names)
{
	static const struct {
		const char *name;
		int value;
	} all[] = {
	    {"RLIMIT_AS", RLIMIT_AS},
	    {"RLIMIT_CORE", RLIMIT_CORE},
	    {"RLIMIT_CPU", RLIMIT_CPU},
	    {"RLIMIT_DATA", RLIMIT_DATA},
	    {"RLIMIT_FSIZE", RLIMIT_FSIZE},
	    {"RLIMIT_LOCKS", RLIMIT_LOCKS},
	    {"RLIMIT_MEMLOCK", RLIMIT_MEMLOCK},
	    {"RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE},
	    {"RLIMIT_NICE", RLIMIT_NICE},
	    {"RLIMIT_NOFILE", RLIMIT_NOFILE},
	    {"RLIMIT_NPROC", RLIMIT_NPROC},
	    {"RLIMIT_RSS", RLIMIT_RSS},
	    {"RLIMIT_RTPRIO", RLIMIT_RTPRIO},
	    {"RLIMIT_RTTIME", RLIMIT_RTTIME},
	    {"RLIMIT_SIGPENDING", RLIMIT_SIGPENDING},
	    {"RLIMIT_STACK", RLIMIT_STACK},
	};

	ck_assert_int_eq(BC_ARRAY_SIZE(all), RLIMIT_NLIMITS);
	for (size_t i = 0; i < BC_ARRAY_SIZE(all); i++)
		ck_assert_int_eq(bc_rlimit_from_name(all[i].name), all[i].value);
	ck_assert_int_eq(bc_rlimit_from_name("RLIMIT_nofile"), -1);
	ck_assert_int_eq(bc_rlimit_from_name("NOFILE"), -1);
	ck_assert_int_eq(bc_rlimit_from_name(NULL), -1);
}
END_TEST

/* ------------------------------------------------------------------ barco spec */

static bool has_option(char **options, const char *opt)
{
	for (; options && *options; options++)
		if (strcmp(*options, opt) == 0)
			return true;
	return false;
}

static const bc_mount_t *find_mount(const bc_spec_t *spec, const char *dest)
{
	for (size_t i = 0; i < spec->n_mounts; i++)
		if (strcmp(spec->mounts[i].destination, dest) == 0)
			return &spec->mounts[i];
	return NULL;
}

static void check_default_common(const bc_spec_t *s)
{
	const bc_process_t *p = s->process;

	ck_assert_str_eq(s->oci_version, "1.3.0");
	ck_assert(p->terminal);
	ck_assert_uint_eq(p->user.uid, 0);
	ck_assert_str_eq(p->args[0], "sh");
	ck_assert_ptr_null(p->args[1]);
	ck_assert_str_eq(p->env[0],
			 "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
	ck_assert_str_eq(p->env[1], "TERM=xterm");
	ck_assert_str_eq(p->cwd, "/");
	ck_assert_uint_eq(bc_strv_len(p->capabilities->bounding), 14);
	ck_assert_str_eq(p->capabilities->bounding[0], "CAP_CHOWN");
	ck_assert_str_eq(p->capabilities->effective[13], "CAP_AUDIT_WRITE");
	ck_assert_str_eq(p->capabilities->permitted[10], "CAP_NET_BIND_SERVICE");
	ck_assert_ptr_null(p->capabilities->inheritable);
	ck_assert_ptr_null(p->capabilities->ambient);
	ck_assert_uint_eq(p->n_rlimits, 1);
	ck_assert_int_eq(p->rlimits[0].resource, RLIMIT_NOFILE);
	ck_assert_uint_eq(p->rlimits[0].soft, 1024);
	ck_assert_uint_eq(p->rlimits[0].hard, 1024);
	ck_assert(p->no_new_privileges);
	ck_assert_str_eq(s->root_path, "rootfs");
	ck_assert(s->root_readonly);
	ck_assert_str_eq(s->hostname, "barco");
	ck_assert_str_eq(find_mount(s, "/proc")->type, "proc");
	ck_assert(has_option(find_mount(s, "/dev")->options, "size=65536k"));
	ck_assert(has_option(find_mount(s, "/dev/pts")->options, "ptmxmode=0666"));
	ck_assert(has_option(find_mount(s, "/dev/shm")->options, "mode=1777"));
	ck_assert_str_eq(find_mount(s, "/dev/mqueue")->type, "mqueue");
	ck_assert(has_option(find_mount(s, "/sys")->options, "ro"));
	ck_assert_uint_eq(bc_strv_len(s->linux_->masked_paths), 11);
	ck_assert_str_eq(s->linux_->masked_paths[10], "/sys/devices/virtual/powercap");
	ck_assert_uint_eq(bc_strv_len(s->linux_->readonly_paths), 5);
	ck_assert_str_eq(s->linux_->readonly_paths[4], "/proc/sysrq-trigger");
	ck_assert_ptr_nonnull(bc_spec_namespace(s, BC_NS_PID));
	ck_assert_ptr_nonnull(bc_spec_namespace(s, BC_NS_MOUNT));
	ck_assert_ptr_nonnull(bc_spec_namespace(s, BC_NS_CGROUP));
	ck_assert_ptr_null(bc_spec_namespace(s, BC_NS_TIME));
}

START_TEST(test_default_spec)
{
	cleanup_free char *text = bc_spec_default_json(false);
	cleanup_spec bc_spec_t *s = parse_raw(text, strlen(text));
	const bc_resources_t *r = s->linux_->resources;
	static const enum bc_ns_type order[] = {BC_NS_PID, BC_NS_NETWORK, BC_NS_IPC,
						BC_NS_UTS, BC_NS_MOUNT,	  BC_NS_CGROUP};

	ck_assert(bc_str_has_prefix(text, "{\n  \"ociVersion\": \"1.3.0\",\n  \"process\": {\n"
					  "    \"terminal\": true,\n    \"user\": {\n"
					  "      \"uid\": 0,\n      \"gid\": 0\n    },\n"));
	check_default_common(s);
	ck_assert_uint_eq(s->n_mounts, 7);
	ck_assert_str_eq(s->mounts[6].destination, "/sys/fs/cgroup");
	ck_assert_str_eq(s->mounts[6].type, "cgroup");
	ck_assert(has_option(s->mounts[6].options, "relatime"));
	ck_assert_str_eq(find_mount(s, "/sys")->type, "sysfs");
	ck_assert(has_option(find_mount(s, "/dev/pts")->options, "gid=5"));
	ck_assert_uint_eq(s->linux_->n_namespaces, BC_ARRAY_SIZE(order));
	for (size_t i = 0; i < BC_ARRAY_SIZE(order); i++) {
		ck_assert_int_eq(s->linux_->namespaces[i].type, order[i]);
		ck_assert_ptr_null(s->linux_->namespaces[i].path);
	}
	ck_assert_ptr_null(bc_spec_namespace(s, BC_NS_USER));
	ck_assert_uint_eq(s->linux_->n_uid_mappings, 0);
	ck_assert_ptr_nonnull(r);
	ck_assert_uint_eq(r->n_devices, 1);
	ck_assert(!r->devices[0].allow);
	ck_assert_int_eq(r->devices[0].type, 'a');
	ck_assert_str_eq(r->devices[0].access, "rwm");
}
END_TEST

START_TEST(test_default_spec_rootless)
{
	cleanup_free char *text = bc_spec_default_json(true);
	cleanup_spec bc_spec_t *s = parse_raw(text, strlen(text));
	const bc_linux_t *lx = s->linux_;
	const bc_mount_t *sys;

	check_default_common(s);
	ck_assert_ptr_null(bc_spec_namespace(s, BC_NS_NETWORK));
	ck_assert_int_eq(lx->namespaces[lx->n_namespaces - 1].type, BC_NS_USER);
	ck_assert_uint_eq(lx->n_namespaces, 6);
	ck_assert_uint_eq(lx->n_uid_mappings, 1);
	ck_assert_uint_eq(lx->uid_mappings[0].container_id, 0);
	ck_assert_uint_eq(lx->uid_mappings[0].host_id, geteuid());
	ck_assert_uint_eq(lx->uid_mappings[0].size, 1);
	ck_assert_uint_eq(lx->n_gid_mappings, 1);
	ck_assert_uint_eq(lx->gid_mappings[0].host_id, getegid());
	ck_assert_uint_eq(lx->gid_mappings[0].size, 1);
	ck_assert_ptr_null(lx->resources);
	ck_assert_ptr_null(find_mount(s, "/sys/fs/cgroup"));
	ck_assert_uint_eq(s->n_mounts, 6);
	sys = find_mount(s, "/sys");
	ck_assert_str_eq(sys->source, "/sys");
	ck_assert_str_eq(sys->type, "none");
	ck_assert(has_option(sys->options, "rbind"));
	ck_assert(has_option(sys->options, "ro"));
	ck_assert(!has_option(find_mount(s, "/dev/pts")->options, "gid=5"));
	ck_assert(has_option(find_mount(s, "/dev/pts")->options, "mode=0620"));
}
END_TEST

/* ------------------------------------------------------------------ process.json (exec) */

/* The message bc_process_parse gives for a document written with ' for ", NULL if it parsed. */
static char *process_error(const char *quoted)
{
	cleanup_free char *doc = json(quoted);
	bc_error_t *err = NULL;
	bc_process_t *p = (bc_process_t *)1;
	char *msg;

	if (bc_process_parse(doc, strlen(doc), &p, &err) == 0) {
		ck_assert_ptr_null(err);
		ck_assert_ptr_nonnull(p);
		bc_process_free(p);
		return NULL;
	}
	ck_assert_ptr_null(p);
	ck_assert_ptr_nonnull(err);
	msg = bc_xstrdup(err->msg);
	bc_error_free(err);
	return msg;
}

START_TEST(test_process_parse)
{
	cleanup_free char *doc =
	    json("{'terminal': true, 'consoleSize': {'height': 40, 'width': 99},"
		 " 'user': {'uid': 7, 'gid': 8, 'umask': 18, 'additionalGids': [5, 6]},"
		 " 'args': ['sh', '-c', 'echo $X'], 'env': ['X=1', 'PATH=/bin'], 'cwd': '/tmp',"
		 " 'capabilities': {'bounding': ['CAP_KILL'], 'effective': []},"
		 " 'rlimits': [{'type': 'RLIMIT_NOFILE', 'hard': 512, 'soft': 256}],"
		 " 'noNewPrivileges': true, 'apparmorProfile': 'p', 'oomScoreAdj': -5,"
		 " 'selinuxLabel': 'l', 'ioPriority': {'class': 'IOPRIO_CLASS_BE', 'priority': 3},"
		 " 'execCPUAffinity': {'initial': '0', 'final': '0-1'}, 'unknown': {'x': 1}}");
	bc_error_t *err = NULL;
	bc_process_t *p = NULL;

	ck_assert_int_eq(bc_process_parse(doc, strlen(doc), &p, &err), 0);
	ck_assert_ptr_null(err);
	ck_assert(p->terminal);
	ck_assert(p->has_console_size);
	ck_assert_uint_eq(p->console_height, 40);
	ck_assert_uint_eq(p->console_width, 99);
	ck_assert_uint_eq(p->user.uid, 7);
	ck_assert_uint_eq(p->user.gid, 8);
	ck_assert(p->user.has_umask);
	ck_assert_uint_eq(p->user.umask, 18);
	ck_assert_uint_eq(p->user.n_additional_gids, 2);
	ck_assert_uint_eq(p->user.additional_gids[1], 6);
	ck_assert_uint_eq(bc_strv_len(p->args), 3);
	ck_assert_str_eq(p->args[2], "echo $X");
	ck_assert_str_eq(p->env[1], "PATH=/bin");
	ck_assert_str_eq(p->cwd, "/tmp");
	ck_assert_str_eq(p->capabilities->bounding[0], "CAP_KILL");
	ck_assert_ptr_nonnull(p->capabilities->effective);
	ck_assert_ptr_null(p->capabilities->effective[0]);
	ck_assert_ptr_null(p->capabilities->permitted);
	ck_assert_uint_eq(p->n_rlimits, 1);
	ck_assert_int_eq(p->rlimits[0].resource, RLIMIT_NOFILE);
	ck_assert_uint_eq(p->rlimits[0].soft, 256);
	ck_assert(p->no_new_privileges);
	ck_assert_str_eq(p->apparmor_profile, "p");
	ck_assert(p->has_oom_score_adj);
	ck_assert_int_eq(p->oom_score_adj, -5);
	ck_assert_str_eq(p->selinux_label, "l");
	ck_assert_int_eq(p->io_priority->priority, 3);
	ck_assert_str_eq(p->exec_cpu_affinity_final, "0-1");
	bc_process_free(p);
	bc_process_free(NULL);
}
END_TEST

/* The least a process.json needs: args and an absolute cwd. */
START_TEST(test_process_parse_minimal)
{
	cleanup_free char *doc = json("{'args': ['true'], 'cwd': '/'}");
	bc_error_t *err = NULL;
	bc_process_t *p = NULL;

	ck_assert_int_eq(bc_process_parse(doc, strlen(doc), &p, &err), 0);
	ck_assert(!p->terminal);
	ck_assert_ptr_null(p->env);
	ck_assert_ptr_null(p->capabilities);
	ck_assert_uint_eq(p->user.uid, 0);
	ck_assert(!p->has_oom_score_adj);
	bc_process_free(p);
}
END_TEST

static const struct {
	const char *doc, *msg;
} invalid_process[] = {
    {"{'cwd': '/'}", "process.json: args: missing required property"},
    {"{'args': [], 'cwd': '/'}", "process.json: args: must contain at least one element"},
    {"{'args': ['true']}", "process.json: cwd: missing required property"},
    {"{'args': ['true'], 'cwd': 'tmp'}",
     "process.json: cwd: expected an absolute path, got \"tmp\""},
    {"{'args': ['true'], 'cwd': '/', 'rlimits': [{'type': 'RLIMIT_FOO', 'hard': 1, 'soft': 1}]}",
     "process.json: rlimits[0].type: unknown resource limit \"RLIMIT_FOO\""},
    {"{'args': ['true'], 'cwd': '/', 'rlimits': [{'type': 'RLIMIT_CORE', 'hard': 1, 'soft': 1},"
     " {'type': 'RLIMIT_CORE', 'hard': 2, 'soft': 2}]}",
     "process.json: rlimits[1].type: duplicate resource limit \"RLIMIT_CORE\""},
    {"{'args': ['true'], 'cwd': '/', 'user': {'uid': -1, 'gid': 0}}",
     "process.json: user.uid: expected an unsigned 32-bit integer, got -1"},
    {"{'args': 'true', 'cwd': '/'}",
     "process.json: args: expected an array of strings, got string"},
    {"['true']", "process.json: expected a JSON object at the top level, got array"},
};

START_TEST(test_process_parse_invalid)
{
	cleanup_free char *msg = process_error(invalid_process[_i].doc);

	ck_assert_msg(msg != NULL, "document parsed, expected: %s", invalid_process[_i].msg);
	ck_assert_str_eq(msg, invalid_process[_i].msg);
}
END_TEST

START_TEST(test_process_parse_syntax)
{
	bc_error_t *err = NULL;
	bc_process_t *p = NULL;

	ck_assert_int_eq(bc_process_parse("{\"args\": [", 10, &p, &err), -1);
	ck_assert_ptr_null(p);
	ck_assert_ptr_nonnull(strstr(err->msg, "process.json: syntax error at line 1"));
	bc_error_free(err);
	err = NULL;
	ck_assert_int_eq(bc_process_parse(NULL, 0, &p, &err), -1);
	ck_assert_ptr_null(p);
	ck_assert_ptr_nonnull(err);
	bc_error_free(err);
}
END_TEST

/* ------------------------------------------------------------------ runner */

static Suite *spec_suite(void)
{
	Suite *s = suite_create("spec");
	TCase *tc = tcase_create("core"), *limits;

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_example_minimal);
	tcase_add_test(tc, test_example_minimal_for_start);
	tcase_add_test(tc, test_example_spec);
	tcase_add_test(tc, test_example_config_md);
	tcase_add_test(tc, test_full_document);
	tcase_add_test(tc, test_equal_detects_changes);
	tcase_add_test(tc, test_unknown_properties_ignored);
	tcase_add_test(tc, test_null_is_absent);
	tcase_add_test(tc, test_duplicate_member_last_wins);
	tcase_add_test(tc, test_oci_version_range);
	tcase_add_test(tc, test_integer_ranges);
	tcase_add_loop_test(tc, test_invalid_documents, 0, (int)BC_ARRAY_SIZE(invalid));
	tcase_add_test(tc, test_sysctl_allowed);
	tcase_add_test(tc, test_sysctl_host_netns);
	if (geteuid() == 0)
		tcase_add_test(tc, test_sysctl_joined_netns);
	else
		fprintf(stderr, "test_sysctl_joined_netns: skipped, it needs root\n");
	tcase_add_test(tc, test_cgroup_names_allowed);
	tcase_add_test(tc, test_invalid_bytes);
	tcase_add_test(tc, test_load_errors);
	tcase_add_test(tc, test_load_invalid_file);
	tcase_add_test(tc, test_name_tables);
	tcase_add_test(tc, test_rlimit_names);
	tcase_add_test(tc, test_default_spec);
	tcase_add_test(tc, test_default_spec_rootless);
	tcase_add_test(tc, test_process_parse);
	tcase_add_test(tc, test_process_parse_minimal);
	tcase_add_loop_test(tc, test_process_parse_invalid, 0, (int)BC_ARRAY_SIZE(invalid_process));
	tcase_add_test(tc, test_process_parse_syntax);
	suite_add_tcase(s, tc);
	limits = tcase_create("limits");
	tcase_set_timeout(limits, 300);
	tcase_add_test(limits, test_depth_limit);
	tcase_add_test(limits, test_size_limit);
	tcase_add_test(limits, test_value_limit);
	suite_add_tcase(s, limits);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(spec_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
