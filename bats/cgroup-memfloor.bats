#!/usr/bin/env bats
# The runtime's own footprint in the container's memory cgroup: from the moment the init is
# placed in it until execve, what the init touches is charged to the container.  A 512 KiB
# limit (memory and memory+swap) must be enough to run `echo ok` with the default profile:
# seccomp filter, capabilities, no_new_privs, namespaces and mounts all in place (crun's
# claim; runc needs more than 4 MiB).  A limit far too small must fail clearly, not hang.
#
# Measured (the smallest limit, in 4 KiB steps, at which `echo ok` runs): v1 on kernel 6.18
# 1168 KiB while the init compiled the seccomp profile itself (libseccomp's heap), 196 KiB
# since the runtime compiles it before clone; v2 (Debian's 6.1 in the VM) 1156 -> 172 KiB.
# What is left is mostly kernel objects (mounts, namespaces: ~60-80 KiB) and the process
# after exec.

load helpers
load cgroup-helpers

LIMIT=524288

setup() {
	common_setup
	CG=barco-mf-$$-$BATS_TEST_NUMBER
	if [ "$(cgroup_mode)" != v2 ]; then
		[ -d "$(own_dir memory 2>/dev/null)" ] ||
			skip "needs a cgroup v1 memory hierarchy (or a pure cgroup v2 host)"
	fi
	update_config --arg p "$CG" '.linux.cgroupsPath = $p'
}

# The limit files of the container's memory cgroup: memory, then memory+swap (v1) or swap
# alone (v2).
limit_files() {
	if [ "$(cgroup_mode)" = v2 ]; then
		echo memory.max memory.swap.max
	else
		echo memory.limit_in_bytes memory.memsw.limit_in_bytes
	fi
}

# with_limit BYTES: memory limit and memory+swap limit BYTES, and a createRuntime hook (it
# runs in the runtime's cgroup, once the init is in the container's) that records the init's
# membership and the limits in force into $BATS_TEST_TMPDIR/limits.
with_limit() {
	local dir script f
	dir=$(own_dir memory)/$CG
	script="read -r st; pid=\${st#*\\\"pid\\\":}; pid=\${pid%%[!0-9]*};
		grep -qx \"\$pid\" $dir/cgroup.procs && echo placed >$BATS_TEST_TMPDIR/limits"
	for f in $(limit_files); do
		script+="; cat $dir/$f >>$BATS_TEST_TMPDIR/limits"
	done
	update_config --argjson l "$1" --arg s "$script" '
		.linux.resources.memory = {limit: $l, swap: $l}
		| .hooks.createRuntime = [{path: "/bin/sh", args: ["sh", "-c", $s]}]'
}

# What the limit files must say for a limit of BYTES.
expected_limits() {
	if [ "$(cgroup_mode)" = v2 ]; then
		printf 'placed\n%s\n0' "$1" # swap alone: memory+swap minus memory
	else
		printf 'placed\n%s\n%s' "$1" "$1"
	fi
}

# run_ctr: `barco run` in the foreground, bounded (a hang fails the test instead of the suite).
run_ctr() {
	run --separate-stderr timeout 300 "$BARCO" --root "$ROOT" run -b "$BUNDLE" ctr 3>&-
}

# The security-relevant lines of /proc/self/status as the container's process sees them.
SECURITY_FIELDS='^(Seccomp|Seccomp_filters|NoNewPrivs|CapInh|CapPrm|CapEff|CapBnd|CapAmb):'

check_default_profile() {
	[ "$(jq -r '.linux.seccomp.defaultAction' "$BUNDLE/config.json")" = SCMP_ACT_ERRNO ]
	[ "$(jq '.process.capabilities.bounding | length' "$BUNDLE/config.json")" -gt 0 ]
	[ "$(jq '.process.noNewPrivileges' "$BUNDLE/config.json")" = true ]
}

# echo_ok_in_512k: the test itself, for either kind of cgroups.
echo_ok_in_512k() {
	local unlimited
	check_default_profile
	# The process as it is without a limit: filter, no_new_privs and capabilities.
	set_args cat /proc/self/status
	run_ctr
	assert_success
	unlimited=$(echo "$output" | grep -E "$SECURITY_FIELDS")
	[[ "$unlimited" == *"Seccomp:"*2* ]]

	with_limit "$LIMIT"
	set_args echo ok
	run_ctr
	assert_success
	assert_output ok
	[ -z "$stderr" ] || { show_run; false; }
	[ "$(cat "$BATS_TEST_TMPDIR/limits")" = "$(expected_limits "$LIMIT")" ]

	# The same process, under the same limit, went through the same security steps.
	rm -f "$BATS_TEST_TMPDIR/limits"
	set_args cat /proc/self/status
	run_ctr
	assert_success
	[ "$(cat "$BATS_TEST_TMPDIR/limits")" = "$(expected_limits "$LIMIT")" ]
	[ "$(echo "$output" | grep -E "$SECURITY_FIELDS")" = "$unlimited" ]
	assert_root_empty
}

@test "v2: echo ok runs within a 512 KiB memory+swap limit, default seccomp and capabilities" {
	require_cgroup_v2
	echo_ok_in_512k
}

@test "v1: echo ok runs within a 512 KiB memory+swap limit, default seccomp and capabilities" {
	require_cgroup_v1
	[ -e "$(own_dir memory)/memory.memsw.limit_in_bytes" ] ||
		skip "no swap accounting in this kernel (memory.memsw.*)"
	echo_ok_in_512k
}

@test "a 16 KiB limit fails create with a clear error, no hang, nothing left" {
	if [ "$(cgroup_mode)" != v2 ]; then
		[ -e "$(own_dir memory)/memory.memsw.limit_in_bytes" ] ||
			skip "no swap accounting in this kernel (memory.memsw.*)"
	fi
	# Far below what setting up the mounts and namespaces charges (about 60 KiB of kernel
	# objects): the init dies before exec, whatever the kernel.
	with_limit 16384
	set_args echo ok
	run_ctr
	assert_error
	# The OOM killer takes the init (what the kernel does here), or a setup step that was
	# refused memory says so: either way the message says why.
	case ${stderr_lines[0]} in
	*"container init was killed by the OOM killer before exec: linux.resources.memory.limit 16384 bytes is too small"*) ;;
	*"Cannot allocate memory"*) ;;
	*) show_run; false ;;
	esac
	[ -z "$output" ]
	assert_root_empty
}
