#!/usr/bin/env bats
# Process attributes the init sets before exec (linux.personality, process.scheduler,
# process.ioPriority, linux.memoryPolicy), execCPUAffinity (not for the init), and the LSM
# labels (process.apparmorProfile, process.selinuxLabel, linux.mountLabel), which fail create
# on a host without the LSM.  Every refused config leaves no state entry behind.

load helpers

# create_refused SUBSTRING: create fails with one error line holding SUBSTRING, and leaves
# nothing behind (the teardown checks processes and mounts).
create_refused() {
	run --separate-stderr barco create -b "$BUNDLE" ctr
	assert_error "$1"
	assert_root_empty
}

# stat_field N: field N of the container process's /proc/self/stat (41 policy, 19 nice,
# 40 rt_priority), read by the process args run directly (no shell in between).
stat_field() {
	set_args awk "{print \$$1}" /proc/self/stat
	run --separate-stderr barco run -b "$BUNDLE" ctr
	assert_success
}

# sched_policy_line: the "policy" line of /proc/self/sched, as "policy N".
sched_policy_line() {
	set_args awk '$1 == "policy" {print $1, $3}' /proc/self/sched
	run --separate-stderr barco run -b "$BUNDLE" ctr
	assert_success
}

# The container's root is host 100000: it must reach the bundle (bats makes the run
# directory 0700).
user_namespace() {
	chmod o+x "$BATS_RUN_TMPDIR"
	update_config '.linux.namespaces += [{type: "user"}]
		| .linux.uidMappings = [{containerID: 0, hostID: 100000, size: 65536}]
		| .linux.gidMappings = [{containerID: 0, hostID: 100000, size: 65536}]'
}

requires_numa() {
	[ -d /sys/devices/system/node/node0 ] || skip "the kernel has no NUMA (no /sys/devices/system/node/node0)"
}

# ---- personality ----

@test "personality LINUX32: uname -m says i686 and /proc/self/personality 00000008" {
	update_config '.linux.personality = {domain: "LINUX32"}'
	run_sh 'uname -m; cat /proc/self/personality'
	assert_success
	assert_output "i686
00000008"
}

@test "personality LINUX resets a personality inherited from the runtime" {
	command -v setarch >/dev/null || skip "setarch (util-linux) is not installed"
	update_config '.linux.personality = {domain: "LINUX"}'
	set_args cat /proc/self/personality
	run --separate-stderr setarch i686 "$BARCO" --root "$ROOT" run -b "$BUNDLE" ctr 3>&-
	assert_success
	assert_output "00000000"
	# Without the field the container keeps what the runtime had: the test above is real.
	update_config 'del(.linux.personality)'
	run --separate-stderr setarch i686 "$BARCO" --root "$ROOT" run -b "$BUNDLE" ctr 3>&-
	assert_success
	assert_output "00000008"
}

@test "personality flags are refused: the spec defines none" {
	update_config '.linux.personality = {domain: "LINUX32", flags: ["ADDR_NO_RANDOMIZE"]}'
	create_refused 'linux.personality.flags: the runtime-spec defines no personality flags, got "ADDR_NO_RANDOMIZE"'
}

# ---- scheduler ----

@test "scheduler SCHED_BATCH with nice 7" {
	update_config '.process.scheduler = {policy: "SCHED_BATCH", nice: 7}'
	sched_policy_line
	assert_output "policy 3"
	stat_field 19
	assert_output 7
}

@test "scheduler SCHED_IDLE" {
	update_config '.process.scheduler = {policy: "SCHED_IDLE"}'
	sched_policy_line
	assert_output "policy 5"
	stat_field 41
	assert_output 5
}

@test "scheduler SCHED_FIFO priority 1 (root has CAP_SYS_NICE)" {
	update_config '.process.scheduler = {policy: "SCHED_FIFO", priority: 1}'
	sched_policy_line
	assert_output "policy 1"
	stat_field 40
	assert_output 1
}

@test "scheduler SCHED_RR priority 5 with SCHED_FLAG_RESET_ON_FORK: children are reset" {
	update_config '.process.scheduler = {policy: "SCHED_RR", priority: 5,
		flags: ["SCHED_FLAG_RESET_ON_FORK"]}'
	# pid 1 is the shell (policy 2, priority 5); awk is its child (policy 0, priority 0).
	# The trailing exit keeps the shell from exec'ing the last command in its own place.
	run_sh 'awk "{print \$41, \$40}" /proc/1/stat; awk "{print \$41, \$40}" /proc/self/stat
		exit 0'
	assert_success
	assert_output "2 5
0 0"
}

@test "scheduler SCHED_DEADLINE" {
	update_config '.process.scheduler = {policy: "SCHED_DEADLINE", runtime: 2000000,
		deadline: 10000000, period: 10000000, flags: ["SCHED_FLAG_RESET_ON_FORK"]}'
	sched_policy_line
	if [ "$status" -ne 0 ] && [[ "$stderr" == *"Device or resource busy"* ]]; then
		skip "SCHED_DEADLINE admission control: no bandwidth left on this host"
	fi
	assert_output "policy 6"
}

@test "scheduler mistakes fail create and leave nothing" {
	update_config '.process.scheduler = {policy: "SCHED_RR"}'
	create_refused "process.scheduler.priority: SCHED_RR needs a priority from 1 to 99, got 0"
	update_config '.process.scheduler = {policy: "SCHED_BATCH", priority: 3}'
	create_refused "process.scheduler.priority: only SCHED_FIFO and SCHED_RR take a priority, got 3 for SCHED_BATCH"
	update_config '.process.scheduler = {policy: "SCHED_OTHER", nice: 20}'
	create_refused "process.scheduler.nice: 20 is out of range (-20 to 19)"
	update_config '.process.scheduler = {policy: "SCHED_ISO"}'
	create_refused "SCHED_ISO exists only in patched kernels, not in mainline Linux: Invalid argument"
}

@test "a real-time scheduler in a user namespace: EPERM, with the reason" {
	user_namespace
	update_config '.process.scheduler = {policy: "SCHED_FIFO", priority: 1}'
	create_refused "sched_setattr SCHED_FIFO (nice 0, priority 1, flags 0x0): a real-time policy needs CAP_SYS_NICE in the initial user namespace"
	update_config '.process.scheduler = {policy: "SCHED_OTHER", nice: -5}'
	create_refused "a nice value below the current one needs CAP_SYS_NICE"
}

# ---- I/O priority ----

@test "ioPriority IOPRIO_CLASS_IDLE" {
	update_config '.process.ioPriority = {class: "IOPRIO_CLASS_IDLE", priority: 0}'
	set_args ionice
	run --separate-stderr barco run -b "$BUNDLE" ctr
	assert_success
	assert_output "idle"
}

@test "ioPriority IOPRIO_CLASS_BE 3, inherited by the process's children" {
	update_config '.process.ioPriority = {class: "IOPRIO_CLASS_BE", priority: 3}'
	run_sh 'ionice; ionice -p 1'
	assert_success
	assert_output "best-effort: prio 3
best-effort: prio 3"
}

@test "ioPriority IOPRIO_CLASS_RT 2 as root; refused in a user namespace" {
	update_config '.process.ioPriority = {class: "IOPRIO_CLASS_RT", priority: 2}'
	set_args ionice
	run --separate-stderr barco run -b "$BUNDLE" ctr
	assert_success
	assert_output "realtime: prio 2"
	user_namespace
	create_refused "ioprio_set IOPRIO_CLASS_RT 2: the real-time class needs CAP_SYS_ADMIN or CAP_SYS_NICE"
}

# ---- memory policy ----

@test "memoryPolicy MPOL_BIND nodes 0: numa_maps shows bind:0" {
	requires_numa
	update_config '.linux.memoryPolicy = {mode: "MPOL_BIND", nodes: "0"}'
	set_args head -1 /proc/self/numa_maps
	run --separate-stderr barco run -b "$BUNDLE" ctr
	assert_success
	[[ "$output" == *" bind:0 "* ]] || { show_run; return 1; }
}

@test "memoryPolicy MPOL_INTERLEAVE with MPOL_F_STATIC_NODES" {
	requires_numa
	update_config '.linux.memoryPolicy = {mode: "MPOL_INTERLEAVE", nodes: "0",
		flags: ["MPOL_F_STATIC_NODES"]}'
	set_args head -1 /proc/self/numa_maps
	run --separate-stderr barco run -b "$BUNDLE" ctr
	assert_success
	[[ "$output" == *" interleave=static:0 "* ]] || { show_run; return 1; }
}

@test "memoryPolicy MPOL_LOCAL" {
	requires_numa
	update_config '.linux.memoryPolicy = {mode: "MPOL_LOCAL"}'
	set_args head -1 /proc/self/numa_maps
	run --separate-stderr barco run -b "$BUNDLE" ctr
	assert_success
	[[ "$output" == *" local "* ]] || { show_run; return 1; }
}

@test "memoryPolicy: a bad node list fails create and leaves nothing" {
	update_config '.linux.memoryPolicy = {mode: "MPOL_BIND", nodes: "0-"}'
	create_refused 'config.json: linux.memoryPolicy.nodes: "0-": the range 0- has no end'
	update_config '.linux.memoryPolicy = {mode: "MPOL_BIND", nodes: "3-1"}'
	create_refused 'linux.memoryPolicy.nodes: "3-1": the range 3-1 is reversed'
	update_config '.linux.memoryPolicy = {mode: "MPOL_BIND", nodes: "5000"}'
	create_refused 'linux.memoryPolicy.nodes: "5000": 5000 goes beyond the maximum 1023'
	update_config '.linux.memoryPolicy = {mode: "MPOL_BIND"}'
	create_refused "linux.memoryPolicy.nodes: MPOL_BIND needs at least one node"
	update_config '.linux.memoryPolicy = {mode: "MPOL_LOCAL", nodes: "0"}'
	create_refused "linux.memoryPolicy.nodes: MPOL_LOCAL takes no nodes"
	update_config '.linux.memoryPolicy = {mode: "MPOL_INTERLEAVE", nodes: "0",
		flags: ["MPOL_F_NUMA_BALANCING"]}'
	create_refused "MPOL_F_NUMA_BALANCING works with MPOL_BIND and MPOL_PREFERRED_MANY only"
}

@test "memoryPolicy: a node beyond the machine's fails create and leaves nothing" {
	requires_numa
	local possible last
	possible=$(cat /sys/devices/system/node/possible)
	last=${possible##*[-,]}
	[ "$last" -lt 1023 ] || skip "this machine has node 1023"
	update_config --arg n "$((last + 1))" '.linux.memoryPolicy = {mode: "MPOL_BIND", nodes: $n}'
	create_refused "linux.memoryPolicy.nodes: node $((last + 1)) is not available on this host (allowed: "
}

# ---- execCPUAffinity: for exec'd processes, not the init ----

@test "execCPUAffinity does not apply to the container's init" {
	local want
	want=$(awk '$1 == "Cpus_allowed_list:" {print $2}' /proc/self/status)
	[ "$want" != 0 ] || skip "this host has a single CPU: nothing to tell apart"
	update_config '.process.execCPUAffinity = {initial: "0", final: "0"}'
	set_args awk '$1 == "Cpus_allowed_list:" {print $2}' /proc/self/status
	run --separate-stderr barco run -b "$BUNDLE" ctr
	assert_success
	assert_output "$want"
}

# ---- LSM labels on a host without the LSM ----

@test "apparmorProfile without AppArmor fails create and leaves nothing" {
	if [ "$(cat /sys/module/apparmor/parameters/enabled 2>/dev/null)" = Y ]; then
		skip "AppArmor is enabled on this host"
	fi
	update_config '.process.apparmorProfile = "docker-default"'
	create_refused 'apparmor profile "docker-default" requested (process.apparmorProfile) but AppArmor is not enabled on this host'
}

@test "selinuxLabel without SELinux fails create and leaves nothing" {
	[ ! -e /sys/fs/selinux/enforce ] || skip "SELinux is enabled on this host"
	update_config '.process.selinuxLabel = "system_u:system_r:container_t:s0:c1,c2"'
	create_refused 'selinux label "system_u:system_r:container_t:s0:c1,c2" requested (process.selinuxLabel) but SELinux is not enabled on this host'
}

@test "mountLabel without SELinux fails create and leaves nothing" {
	[ ! -e /sys/fs/selinux/enforce ] || skip "SELinux is enabled on this host"
	update_config '.linux.mountLabel = "system_u:object_r:container_file_t:s0:c1,c2"'
	create_refused 'selinux mount label "system_u:object_r:container_file_t:s0:c1,c2" requested (linux.mountLabel) but SELinux is not enabled on this host'
}

@test "empty LSM fields are no request" {
	update_config '.process.apparmorProfile = "" | .process.selinuxLabel = "" | .linux.mountLabel = ""'
	set_args true
	run --separate-stderr barco run -b "$BUNDLE" ctr
	assert_success
}

@test "intelRdt without a resctrl filesystem fails create and leaves nothing" {
	if [ "$(stat -f -c %t /sys/fs/resctrl 2>/dev/null)" = 7655821 ]; then
		skip "resctrl is mounted on this host"
	fi
	update_config '.linux.intelRdt = {"closID": "barco-test", "schemata": ["L3:0=1"]}'
	create_refused 'linux.intelRdt: no resctrl filesystem is mounted at /sys/fs/resctrl'
}

@test "intelRdt closID must be a plain group name" {
	update_config '.linux.intelRdt = {"closID": "../evil"}'
	create_refused 'config.json: linux.intelRdt.closID: "../evil" is not a resctrl group name'
}
