#!/usr/bin/env bats
# The cgroup v2 driver on a pure cgroup v2 host (the VM of `make check-vm`): placement from
# linux.cgroupsPath, controllers delegated, the process placed before it runs, each resource
# enforced (or at least written, where the VM cannot enforce it), /sys/fs/cgroup inside the
# container, and no cgroup left after delete or a failed create.  Skipped elsewhere.

load helpers

CGROOT=/sys/fs/cgroup
# Shell code for the container: "root=R opts=O type=T" of the mount on /sys/fs/cgroup.
MOUNT_LINE='set -- $(grep " /sys/fs/cgroup " /proc/self/mountinfo)
	root=$4 opts=$6
	shift 6
	while [ $# -gt 0 ] && [ "$1" != - ]; do shift; done
	echo "root=$root opts=$opts type=$2"
'

# Only the VM has a use for the file's rootfs.
setup_file() {
	[ "$(cgroup_mode)" = v2 ] || return 0
	common_setup_file
}

setup() {
	require_cgroup_v2
	OWN=$(own_cg)
	# A cgroup holding processes (ours) cannot delegate controllers to new children: the
	# tests run from the root cgroup, as in the VM.
	[ "$OWN" = "$CGROOT" ] ||
		skip "needs to run in the root cgroup (the VM of make check-vm), not in $OWN"
	CG=barco-v2-$$-$BATS_TEST_NUMBER
	common_setup
	# Undone by the teardown when a test stops half-way.
	HUGE_MNT='' HUGE_OLD='' SWAP_DEV='' BRD_LOADED=''
}

teardown() {
	local rc=0 d
	[ -n "${CG:-}" ] || return 0 # skipped in setup: nothing was made
	common_teardown || rc=1
	undo_host_changes
	for d in "$OWN/$CG" "$CGROOT/$CG" "$OWN"/barco-"$CG"-*; do
		[ -d "$d" ] || continue
		echo "teardown: cgroup left behind: $d" >&2
		remove_cgroup "$d"
		rc=1
	done
	return "$rc"
}

# This shell's cgroup directory.
own_cg() {
	local p
	p=$(sed -n 's/^0:://p' /proc/self/cgroup)
	echo "$CGROOT${p%/}"
}

# The cgroup directory of PID.
cg_of() {
	echo "$CGROOT$(sed -n 's/^0:://p' "/proc/$1/cgroup")"
}

# remove_cgroup DIR: kill what is in DIR and below, then remove them, deepest first.
remove_cgroup() {
	local d=$1 f
	if [ -e "$d/cgroup.kill" ]; then
		echo 1 >"$d/cgroup.kill" 2>/dev/null || true
	else
		while read -r f; do
			xargs -r kill -KILL <"$f" 2>/dev/null || true
		done < <(find "$d" -name cgroup.procs)
	fi
	sleep 0.2
	find "$d" -depth -type d -exec rmdir {} \; 2>/dev/null || true
}

undo_host_changes() {
	if [ -n "$HUGE_MNT" ]; then
		rm -f "$HUGE_MNT"/* 2>/dev/null || true
		umount "$HUGE_MNT" 2>/dev/null || true
	fi
	if [ -n "$HUGE_OLD" ]; then
		echo "$HUGE_OLD" >/proc/sys/vm/nr_hugepages
	fi
	if [ -n "$SWAP_DEV" ]; then
		swapoff "/dev/$SWAP_DEV" 2>/dev/null || true
		echo 1 >"/sys/block/$SWAP_DEV/reset" 2>/dev/null || true
		echo "${SWAP_DEV#zram}" >/sys/class/zram-control/hot_remove 2>/dev/null || true
	fi
	if [ -n "$BRD_LOADED" ]; then
		modprobe -r brd 2>/dev/null || true
	fi
	HUGE_MNT='' HUGE_OLD='' SWAP_DEV='' BRD_LOADED=''
}

# value_of KEY: the number after "KEY " in $output (cpu.stat, memory.events style).
value_of() {
	echo "$output" | sed -n "s/^$1 //p" | head -n 1
}

# ---- placement ----

@test "v2: a relative cgroupsPath is below our own cgroup; delete removes only what it made" {
	local parent=$OWN/$CG pid
	mkdir "$parent"
	update_config '.linux.cgroupsPath = "inner/leaf"'
	# barco runs from a shell moved to $parent: that is its own cgroup.
	(echo "$BASHPID" >"$parent/cgroup.procs" && create_ctr ctr)
	pid=$(pid_of ctr)
	[ "$(cat "/proc/$pid/cgroup")" = "0::${parent#"$CGROOT"}/inner/leaf" ]
	grep -qx "$pid" "$parent/inner/leaf/cgroup.procs"
	barco delete -f ctr
	[ ! -e "$parent/inner" ]
	[ -d "$parent" ] # it existed before: not ours to remove
	rmdir "$parent"
}

@test "v2: an absolute cgroupsPath is below the mount, with controllers enabled in each ancestor" {
	local pid d
	update_config --arg p "/$CG/abs" '.linux.cgroupsPath = $p
		| .linux.resources.memory = {limit: 33554432} | .linux.resources.pids = {limit: 100}'
	create_ctr ctr
	pid=$(pid_of ctr)
	[ "$(cat "/proc/$pid/cgroup")" = "0::/$CG/abs" ]
	for d in "$CGROOT" "$CGROOT/$CG"; do
		grep -qw memory "$d/cgroup.subtree_control"
		grep -qw pids "$d/cgroup.subtree_control"
	done
	[ "$(cat "$CGROOT/$CG/abs/memory.max")" = 33554432 ]
	[ "$(cat "$CGROOT/$CG/abs/pids.max")" = 100 ]
	barco delete -f ctr
	[ ! -e "$CGROOT/$CG" ]
}

@test "v2: without cgroupsPath the container gets barco-ID-PID below our own cgroup" {
	local pid d
	create_ctr "$CG"
	pid=$(pid_of "$CG")
	d=$OWN/barco-$CG-$pid
	grep -qx "$pid" "$d/cgroup.procs"
	[ "$(cg_of "$pid")" = "$d" ]
	barco delete -f "$CG"
	[ ! -e "$d" ]
}

@test "v2: the process is in its cgroup from its first instruction" {
	# No cgroup namespace: /proc/self/cgroup shows the full path.
	update_config --arg p "$CG" '.linux.cgroupsPath = $p
		| .linux.namespaces |= map(select(.type != "cgroup"))'
	set_args cat /proc/self/cgroup
	run --separate-stderr barco run -b "$BUNDLE" ctr
	assert_success
	assert_output "0::${OWN#"$CGROOT"}/$CG"
	# With one, the container's cgroup is the namespace's root.
	update_config '.linux.namespaces += [{type: "cgroup"}]'
	run --separate-stderr barco run -b "$BUNDLE" ctr
	assert_success
	assert_output "0::/"
	[ ! -e "$OWN/$CG" ]
}

@test "v2: --cgroup-manager=disabled leaves the container in our cgroup" {
	local pid
	barco --cgroup-manager=disabled create -b "$BUNDLE" "$CG" </dev/null >/dev/null
	pid=$(pid_of "$CG")
	[ "$(cat "/proc/$pid/cgroup")" = "$(cat /proc/self/cgroup)" ]
	[ -z "$(find "$OWN" -maxdepth 1 -name "barco-$CG-*")" ]
	barco delete -f "$CG"
}

# ---- /sys/fs/cgroup inside ----

@test "v2: with a cgroup namespace /sys/fs/cgroup is a read-only cgroup2 of the container's cgroup" {
	update_config --arg p "$CG" '.linux.cgroupsPath = $p | .linux.resources.pids = {limit: 77}'
	run_sh "$MOUNT_LINE"'
		cat /sys/fs/cgroup/pids.max
		mkdir /sys/fs/cgroup/sub'
	[ "$status" -ne 0 ] || { show_run; false; }
	[ "${lines[0]%%opts=*}" = "root=/ " ]
	[[ "${lines[0]}" == *" type=cgroup2" ]]
	[[ "${lines[0]}" =~ opts=(ro|ro,.*)\  ]]
	[ "${lines[1]}" = 77 ] # the container's own pids.max: the root is its cgroup
	[[ "$stderr" == *"Read-only file system"* ]]
	[ ! -e "$OWN/$CG" ]
}

@test "v2: without a cgroup namespace the container's own cgroup is bound on /sys/fs/cgroup, read-only" {
	update_config --arg p "$CG" '.linux.cgroupsPath = $p | .linux.resources.pids = {limit: 77}
		| .linux.namespaces |= map(select(.type != "cgroup"))'
	run_sh "$MOUNT_LINE"'
		cat /sys/fs/cgroup/pids.max
		ls /sys/fs/cgroup | grep -c "^barco-v2-" || true
		mkdir /sys/fs/cgroup/sub'
	[ "$status" -ne 0 ] || { show_run; false; }
	[ "${lines[0]%%opts=*}" = "root=${OWN#"$CGROOT"}/$CG " ]
	[[ "${lines[0]}" == *" type=cgroup2" ]]
	[[ "${lines[0]}" =~ opts=(ro|ro,.*)\  ]]
	[ "${lines[1]}" = 77 ]
	[ "${lines[2]}" = 0 ] # no sibling cgroup is visible
	[[ "$stderr" == *"Read-only file system"* ]]
	[ ! -e "$OWN/$CG" ]
}

@test "v2: an rw cgroup mount lets the container make cgroups below its own; delete removes them" {
	local pid
	update_config --arg p "$CG" '.linux.cgroupsPath = $p
		| (.mounts[] | select(.destination == "/sys/fs/cgroup") | .options) |=
			(map(select(. != "ro")) + ["rw"])'
	set_args sh -c 'mkdir /sys/fs/cgroup/sub /sys/fs/cgroup/sub/deeper && echo made; exec sleep 1000'
	run_detached ctr
	wait_for_output made
	pid=$(pid_of ctr)
	[ -d "$OWN/$CG/sub/deeper" ]
	barco delete -f ctr
	[ ! -e "$OWN/$CG" ]
}

# ---- memory ----

@test "v2: memory.max 8 MiB: a process holding 64 MiB is OOM-killed and memory.events counts it" {
	update_config --arg p "$CG" '.linux.cgroupsPath = $p'
	run_sh 'head -c 64m /dev/zero | tail >/dev/null; echo rc=$?'
	assert_success
	assert_output rc=0
	update_config '.linux.resources.memory = {limit: 8388608, swap: 8388608}'
	run_sh 'cat /sys/fs/cgroup/memory.max /sys/fs/cgroup/memory.swap.max
		(head -c 64m /dev/zero | tail >/dev/null); echo rc=$?
		cat /sys/fs/cgroup/memory.events'
	assert_success
	[ "${lines[0]}" = 8388608 ]
	[ "${lines[1]}" = 0 ] # swap == limit: no swap
	[ "${lines[2]}" = rc=137 ]
	[ "$(value_of oom_kill)" -ge 1 ]
	[ ! -e "$OWN/$CG" ]
}

@test "v2: memory.swap.max is swap minus limit, memory.low the reservation" {
	update_config --arg p "$CG" '.linux.cgroupsPath = $p
		| .linux.resources.memory = {limit: 33554432, swap: 50331648, reservation: 8388608}'
	run_sh 'cd /sys/fs/cgroup && cat memory.max memory.swap.max memory.low'
	assert_success
	assert_output "$(printf '33554432\n16777216\n8388608')"
	update_config '.linux.resources.memory = {limit: 33554432, swap: -1}'
	run_sh 'cd /sys/fs/cgroup && cat memory.max memory.swap.max memory.low'
	assert_success
	assert_output "$(printf '33554432\nmax\n0')"
	# memory+swap below the memory limit makes no sense: refused before anything is made.
	update_config '.linux.resources.memory = {limit: 33554432, swap: 16777216}'
	run_sh true
	assert_error "linux.resources.memory.swap"
	[ ! -e "$OWN/$CG" ]
}

@test "v2: memory.swap.max is enforced (zram swap): over it is OOM-killed, within it swaps" {
	local n
	modprobe zram num_devices=0 2>/dev/null || true
	[ -e /sys/class/zram-control/hot_add ] || skip "no zram module in this kernel: no swap device"
	n=$(cat /sys/class/zram-control/hot_add)
	SWAP_DEV=zram$n
	echo 128M >"/sys/block/$SWAP_DEV/disksize"
	mkswap "/dev/$SWAP_DEV" >/dev/null
	swapon "/dev/$SWAP_DEV"
	# 16 MiB of memory and 32 MiB of swap: 40 MiB fits only by swapping.
	update_config --arg p "$CG" '.linux.cgroupsPath = $p
		| .linux.resources.memory = {limit: 16777216, swap: 50331648}'
	run_sh 'cat /sys/fs/cgroup/memory.swap.max
		(head -c 40m /dev/zero | tail >/dev/null); echo rc=$?
		cat /sys/fs/cgroup/memory.events'
	assert_success
	[ "${lines[0]}" = 33554432 ]
	[ "${lines[1]}" = rc=0 ]
	[ "$(value_of oom_kill)" = 0 ]
	# No swap (swap == limit): the same 40 MiB is killed.
	update_config '.linux.resources.memory = {limit: 16777216, swap: 16777216}'
	run_sh '(head -c 40m /dev/zero | tail >/dev/null); echo rc=$?'
	assert_success
	assert_output rc=137
	undo_host_changes
	[ ! -e "$OWN/$CG" ]
}

# ---- pids ----

@test "v2: pids.max 5: forking 10 sleepers fails" {
	update_config --arg p "$CG" '.linux.cgroupsPath = $p | .linux.resources.pids = {limit: 5}'
	run_sh 'cat /sys/fs/cgroup/pids.max
		for i in 1 2 3 4 5 6 7 8 9 10; do sleep 100 & done; echo forked
		cat /sys/fs/cgroup/pids.events'
	[ "${lines[0]}" = 5 ]
	[[ "$stderr" == *"can't fork"* ]] || { show_run; false; }
	[ ! -e "$OWN/$CG" ]
}

# ---- cpu ----

@test "v2: cpu.max 10% throttles a busy loop (cpu.stat nr_throttled, usage)" {
	update_config --arg p "$CG" '.linux.cgroupsPath = $p
		| .linux.resources.cpu = {quota: 10000, period: 100000}'
	run_sh 'cd /sys/fs/cgroup && cat cpu.max
		u0=$(sed -n "s/^usage_usec //p" cpu.stat)
		yes >/dev/null & sleep 2; kill $!
		u1=$(sed -n "s/^usage_usec //p" cpu.stat)
		echo "used $((u1 - u0))"; cat cpu.stat'
	assert_success
	[ "${lines[0]}" = "10000 100000" ]
	# 2 s of a busy loop at 10%: about 200 ms of CPU; unthrottled it would be 2 s.
	[ "$(value_of used)" -lt 800000 ] || { show_run; false; }
	[ "$(value_of nr_throttled)" -ge 5 ] || { show_run; false; }
	[ ! -e "$OWN/$CG" ]
}

@test "v2: cpu.weight from shares (1024 -> 39), cpu.max with burst, cpu.idle" {
	update_config --arg p "$CG" '.linux.cgroupsPath = $p
		| .linux.resources.cpu = {shares: 1024, quota: 50000, period: 200000, burst: 20000}'
	run_sh 'cd /sys/fs/cgroup && cat cpu.weight cpu.max cpu.max.burst'
	assert_success
	assert_output "$(printf '39\n50000 200000\n20000')"
	update_config '.linux.resources.cpu = {idle: 1}'
	run_sh 'cat /sys/fs/cgroup/cpu.idle'
	assert_output 1
	[ ! -e "$OWN/$CG" ]
}

@test "v2: cpuset.cpus and cpuset.mems confine the process" {
	[ "$(nproc)" -ge 2 ] || skip "needs 2 CPUs"
	update_config --arg p "$CG" '.linux.cgroupsPath = $p
		| .linux.resources.cpu = {cpus: "1", mems: "0"}'
	run_sh 'cat /sys/fs/cgroup/cpuset.cpus /sys/fs/cgroup/cpuset.mems
		grep -E "^(Cpus|Mems)_allowed_list:" /proc/self/status'
	assert_success
	assert_output "$(printf '1\n0\nCpus_allowed_list:\t1\nMems_allowed_list:\t0')"
	[ ! -e "$OWN/$CG" ]
}

@test "v2: realtime CPU limits are refused clearly, and nothing is left" {
	update_config --arg p "$CG" '.linux.cgroupsPath = $p
		| .linux.resources.cpu = {realtimeRuntime: 950000, realtimePeriod: 1000000}'
	run --separate-stderr barco create -b "$BUNDLE" ctr </dev/null
	assert_error "linux.resources.cpu.realtimeRuntime: realtime CPU limits are not supported on cgroup v2"
	[ ! -e "$OWN/$CG" ]
	run --separate-stderr barco state ctr
	assert_error "container does not exist"
}

@test "v2: a failed create (cpuset.cpus 4095) leaves no cgroup and no state" {
	update_config --arg p "/$CG/x" '.linux.cgroupsPath = $p | .linux.resources.cpu = {cpus: "4095"}'
	run --separate-stderr barco create -b "$BUNDLE" ctr </dev/null
	assert_error 'cgroup: write "4095" to cpuset.cpus: '
	[ ! -e "$CGROOT/$CG" ]
	run --separate-stderr barco state ctr
	assert_error "container does not exist"
}

# ---- io ----

@test "v2: io.weight from blockIO.weight (500 -> 4950)" {
	update_config --arg p "$CG" '.linux.cgroupsPath = $p | .linux.resources.blockIO = {weight: 500}'
	run_sh 'cat /sys/fs/cgroup/io.weight'
	assert_success
	assert_output "default 4950"
	[ ! -e "$OWN/$CG" ]
}

@test "v2: io.max throttles direct writes to a ram disk" {
	local t0 t1 base
	if [ ! -b /dev/ram0 ]; then
		modprobe brd rd_nr=1 rd_size=8192 max_part=0 2>/dev/null ||
			skip "no block device in the VM and no brd module to make one"
		BRD_LOADED=1
	fi
	[ -b /dev/ram0 ] || skip "brd loaded but /dev/ram0 is missing"
	# Unthrottled, for comparison: 3 MiB of direct writes.
	t0=$EPOCHREALTIME
	dd if=/dev/zero of=/dev/ram0 bs=64k count=48 oflag=direct 2>/dev/null
	t1=$EPOCHREALTIME
	base=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%d", (b - a) * 1000 }')
	[ "$base" -lt 1500 ] || skip "the ram disk takes ${base} ms unthrottled: too slow to tell"
	update_config --arg p "$CG" '.linux.cgroupsPath = $p
		| .linux.devices += [{path: "/dev/ram0", type: "b", major: 1, minor: 0}]
		| .linux.resources.devices += [{allow: true, type: "b", major: 1, minor: 0, access: "rw"}]
		| .linux.resources.blockIO = {throttleWriteBpsDevice: [{major: 1, minor: 0, rate: 1048576}]}'
	run_sh 'cat /sys/fs/cgroup/io.max
		t0=$(cut -d" " -f1 /proc/uptime)
		dd if=/dev/zero of=/dev/ram0 bs=64k count=48 oflag=direct 2>/dev/null || echo dd failed
		t1=$(cut -d" " -f1 /proc/uptime)
		echo "ms $(echo "$t0 $t1" | awk "{ printf \"%d\", (\$2 - \$1) * 1000 }")"'
	assert_success
	[ "${lines[0]}" = "1:0 rbps=max wbps=1048576 riops=max wiops=max" ] || { show_run; false; }
	# 3 MiB at 1 MiB/s: 2 s at least (the first slice may pass at once).
	echo "unthrottled ${base} ms, throttled $(value_of ms) ms" >&2
	[ "$(value_of ms)" -ge 1800 ] || { show_run; false; }
	undo_host_changes
	[ ! -e "$OWN/$CG" ]
}

# ---- hugetlb, rdma ----

@test "v2: hugetlb.2MB.max 2 MiB: a second huge page is refused" {
	local hp=/sys/kernel/mm/hugepages/hugepages-2048kB
	[ -d "$hp" ] || skip "no 2 MiB huge pages in this kernel"
	HUGE_OLD=$(cat "$hp/nr_hugepages")
	echo $((HUGE_OLD + 4)) >"$hp/nr_hugepages"
	[ "$(cat "$hp/free_hugepages")" -ge 2 ] || skip "could not reserve 2 huge pages"
	HUGE_MNT=$BATS_TEST_TMPDIR/huge
	mkdir "$HUGE_MNT"
	mount -t hugetlbfs -o pagesize=2M none "$HUGE_MNT"
	update_config --arg p "$CG" --arg h "$HUGE_MNT" '.linux.cgroupsPath = $p
		| .mounts += [{destination: "/huge", type: "bind", source: $h, options: ["bind"]}]
		| .linux.resources.hugepageLimits = [{pageSize: "2MB", limit: 2097152}]'
	run_sh 'cat /sys/fs/cgroup/hugetlb.2MB.max /sys/fs/cgroup/hugetlb.2MB.rsvd.max
		fallocate -l 2097152 /huge/a && echo first
		fallocate -l 2097152 /huge/b && echo second
		cat /sys/fs/cgroup/hugetlb.2MB.events'
	[ "${lines[0]}" = 2097152 ] && [ "${lines[1]}" = 2097152 ] || { show_run; false; }
	[ "${lines[2]}" = first ]
	[[ "$output" != *second* ]]
	[ "$(value_of max)" -ge 1 ] || { show_run; false; }
	undo_host_changes
	[ ! -e "$OWN/$CG" ]
}

@test "v2: rdma.max is written: a device the kernel does not know is refused" {
	grep -qw rdma "$CGROOT/cgroup.controllers" || skip "no rdma controller"
	update_config --arg p "/$CG/x" '.linux.cgroupsPath = $p
		| .linux.resources.rdma = {"barco_missing0": {hcaHandles: 2, hcaObjects: 100}}'
	run --separate-stderr barco create -b "$BUNDLE" ctr </dev/null
	assert_error 'write "barco_missing0 hca_handle=2 hca_object=100" to rdma.max'
	[ ! -e "$CGROOT/$CG" ]
}

@test "v2: rdma limits on a real device" {
	[ -n "$(ls /sys/class/infiniband 2>/dev/null)" ] || skip "no RDMA device in this machine"
	local dev
	dev=$(ls /sys/class/infiniband | head -n 1)
	update_config --arg p "$CG" --arg d "$dev" '.linux.cgroupsPath = $p
		| .linux.resources.rdma = {($d): {hcaHandles: 2}}'
	run_sh 'cat /sys/fs/cgroup/rdma.max'
	assert_success
	assert_output_contains "$dev hca_handle=2 hca_object=max"
}

# ---- unified ----

@test "v2: unified values are written verbatim, after (and over) the converted fields" {
	update_config --arg p "$CG" '.linux.cgroupsPath = $p
		| .linux.resources.pids = {limit: 5}
		| .linux.resources.unified = {"memory.high": "16777216", "pids.max": "7",
			"cpu.weight": "77"}'
	run_sh 'cd /sys/fs/cgroup && cat memory.high pids.max cpu.weight'
	assert_success
	assert_output "$(printf '16777216\n7\n77')"
	[ ! -e "$OWN/$CG" ]
}

@test "v2: invalid unified keys are refused and leave nothing" {
	update_config --arg p "/$CG/x" '.linux.cgroupsPath = $p
		| .linux.resources.unified = {"memory.no_such_file": "1"}'
	run --separate-stderr barco create -b "$BUNDLE" ctr </dev/null
	assert_error 'to memory.no_such_file: No such file or directory'
	[ ! -e "$CGROOT/$CG" ]
	update_config '.linux.resources.unified = {"../memory.max": "1"}'
	run --separate-stderr barco create -b "$BUNDLE" ctr </dev/null
	assert_error 'is not a cgroup file name'
	[ ! -e "$CGROOT/$CG" ]
	run --separate-stderr barco state ctr
	assert_error "container does not exist"
}

# ---- removal ----

@test "v2: delete kills what else is in the container's cgroup and removes it" {
	local other
	update_config --arg p "$CG" '.linux.cgroupsPath = $p'
	create_ctr ctr
	# A process of ours, outside the container's pid namespace, joins its cgroup.
	sleep 1000 &
	other=$!
	KNOWN_PIDS+=("$other")
	echo "$other" >"$OWN/$CG/cgroup.procs"
	barco delete -f ctr
	wait_pid_gone "$other"
	[ ! -e "$OWN/$CG" ]
}

@test "v2: after barco is killed mid-create, delete --force removes the cgroup" {
	local hook_pid barco_pid procs p
	cat >"$BATS_TEST_TMPDIR/hook.sh" <<'EOF'
#!/bin/sh
echo "$$ $PPID" >"$1.tmp" && mv "$1.tmp" "$1"
exec sleep 1000
EOF
	chmod 755 "$BATS_TEST_TMPDIR/hook.sh"
	update_config --arg p "$CG" --arg h "$BATS_TEST_TMPDIR/hook.sh" \
		--arg f "$BATS_TEST_TMPDIR/hook.pids" '.linux.cgroupsPath = $p
		| .hooks.createRuntime = [{path: $h, args: ["hook.sh", $f]}]'
	barco create -b "$BUNDLE" ctr </dev/null >/dev/null 2>&1 &
	KNOWN_PIDS+=("$!")
	for ((p = 0; p < 300; p++)); do
		[ -s "$BATS_TEST_TMPDIR/hook.pids" ] && break
		sleep 0.1
	done
	[ -s "$BATS_TEST_TMPDIR/hook.pids" ] || {
		echo "the createRuntime hook did not start within 30 s" >&2
		false
	}
	read -r hook_pid barco_pid <"$BATS_TEST_TMPDIR/hook.pids"
	KNOWN_PIDS+=("$hook_pid")
	[ -d "$OWN/$CG" ]
	procs=$(cat "$OWN/$CG/cgroup.procs")
	[ -n "$procs" ]
	kill -KILL "$barco_pid"
	kill -KILL "$hook_pid"
	barco delete -f ctr
	[ ! -e "$OWN/$CG" ]
	for p in $procs; do wait_pid_gone "$p"; done
}
