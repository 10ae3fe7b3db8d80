#!/usr/bin/env bats
# Cgroups on a v1/hybrid host: placement from linux.cgroupsPath (relative to the test's own
# cgroup, never elsewhere), memory, pids and blkio limits enforced, the other v1 controllers
# and linux.resources.unified, removal at delete and after a failed create.  And, on any kind
# of host (this file also runs in the cgroup v2 VM): a barco killed in the middle of create
# leaves nothing that `delete --force` does not remove.

load helpers

# own_dir CONTROLLER: this shell's cgroup directory in the v1 hierarchy holding CONTROLLER.
own_dir() {
	local ctl=$1 mp root own
	mp=/sys/fs/cgroup/$ctl
	root=$(awk -v mp="$mp" '$5 == mp && $0 ~ / - cgroup / {print $4; exit}' /proc/self/mountinfo)
	own=$(awk -F: -v c="$ctl" '{n = split($2, a, ","); for (i = 1; i <= n; i++) if (a[i] == c) print $3}' /proc/self/cgroup)
	[ -n "$root" ] && [ -n "$own" ] || return 1
	[ "$root" = / ] && root=
	own=${own#"$root"}
	echo "$mp${own%/}"
}

# own_dirs: this shell's cgroup directory in every hierarchy barco places containers in
# (each v1 one and the cgroup2 one, or the one cgroup2 tree of a v2 host).
own_dirs() {
	awk 'NR == FNR {
		i = index($0, ":"); rest = substr($0, i + 1); j = index(rest, ":")
		ctl[NR] = substr(rest, 1, j - 1); path[NR] = substr(rest, j + 1); n = NR; next
	}
	{
		for (sep = 1; sep <= NF && $sep != "-"; sep++);
		fstype = $(sep + 1); opts = "," $(sep + 3) ","; root = $4; mp = $5
		if (fstype != "cgroup" && fstype != "cgroup2") next
		if (mp != "/sys/fs/cgroup" && mp !~ "^/sys/fs/cgroup/[^/]+$") next
		own = ""
		for (k = 1; k <= n && own == ""; k++) {
			if ((fstype == "cgroup2") != (ctl[k] == "")) continue
			m = split(ctl[k], a, ","); ok = 1
			for (x = 1; x <= m; x++) if (index(opts, "," a[x] ",") == 0) ok = 0
			if (ok) own = path[k]
		}
		if (own == "") next
		if (root != "/" && index(own, root) == 1) own = substr(own, length(root) + 1)
		sub(/\/$/, "", own)
		print mp own
	}' /proc/self/cgroup /proc/self/mountinfo
}

# left_behind NAME: the directories NAME (a glob) below our own cgroup in any hierarchy.
left_behind() {
	local d e
	for d in $(own_dirs); do
		for e in "$d"/$1; do
			[ -d "$e" ] && echo "$e"
		done
	done
	return 0
}

# v1 tests want the memory and pids hierarchies (the resources most of them use).
require_v1() {
	require_cgroup_v1
	grep -q " /sys/fs/cgroup/memory .* - cgroup " /proc/self/mountinfo &&
		grep -q " /sys/fs/cgroup/pids .* - cgroup " /proc/self/mountinfo ||
		skip "needs cgroup v1 memory and pids hierarchies"
}

# has_v1 CONTROLLER: a v1 hierarchy of that controller is mounted.
has_v1() {
	awk -v c="$1" '$0 ~ / - cgroup / {n = split($NF, a, ","); for (i = 1; i <= n; i++) if (a[i] == c) f = 1} END {exit !f}' /proc/self/mountinfo
}

# "v1: ..." tests need v1 hierarchies: skipped before any setup (this file also runs in the
# cgroup v2 VM, where a setup costs seconds).
setup() {
	SETUP_DONE=
	[[ "$BATS_TEST_DESCRIPTION" != v1:* ]] || require_v1
	common_setup
	CG=barco-bats-$$-$BATS_TEST_NUMBER
	LOOPDEV=
	RESTORE_SUBTREE=
	SETUP_DONE=1
}

# Whatever a test left of $CG (or of barco-$CG-*, the default name for ID $CG) in any
# hierarchy is removed, and fails the test.
teardown() {
	local rc=0 d
	[ -n "$SETUP_DONE" ] || return 0
	common_teardown || rc=1
	for d in $(left_behind "$CG") $(left_behind "barco-$CG-*"); do
		echo "teardown: cgroup left behind: $d" >&2
		find "$d" -depth -type d -exec rmdir {} \; 2>/dev/null || true
		rc=1
	done
	if [ -n "$LOOPDEV" ]; then
		losetup -d "$LOOPDEV" || rc=1
	fi
	if [ -n "$RESTORE_SUBTREE" ]; then
		echo "$RESTORE_SUBTREE" >/sys/fs/cgroup/unified/cgroup.subtree_control || rc=1
	fi
	return "$rc"
}

@test "v1: a relative cgroupsPath puts the init below our own cgroup; delete removes it" {
	update_config --arg p "$CG/inner" '.linux.cgroupsPath = $p'
	create_ctr ctr
	local pid mem pids
	pid=$(pid_of ctr)
	mem=$(own_dir memory)/$CG/inner
	pids=$(own_dir pids)/$CG/inner
	[ -d "$mem" ] && [ -d "$pids" ]
	grep -qx "$pid" "$mem/cgroup.procs"
	grep -qx "$pid" "$pids/cgroup.procs"
	grep -q "^[0-9]*:memory:.*/$CG/inner\$" "/proc/$pid/cgroup"
	barco delete -f ctr
	[ ! -e "$mem" ] && [ ! -e "$(own_dir memory)/$CG" ]
	[ ! -e "$pids" ] && [ ! -e "$(own_dir pids)/$CG" ]
}

@test "v1: without cgroupsPath the container gets barco-ID-PID below our own cgroup" {
	create_ctr "$CG"
	local pid d
	pid=$(pid_of "$CG")
	d=$(own_dir memory)/barco-$CG-$pid
	grep -qx "$pid" "$d/cgroup.procs"
	grep -qx "$pid" "$(own_dir pids)/barco-$CG-$pid/cgroup.procs"
	barco delete -f "$CG"
	[ ! -e "$d" ] && [ ! -e "$(own_dir pids)/barco-$CG-$pid" ]
}

@test "v1: --cgroup-manager=disabled leaves the container in our cgroup" {
	local pid
	barco --cgroup-manager=disabled create -b "$BUNDLE" "$CG" </dev/null >/dev/null 2>&1
	pid=$(pid_of "$CG")
	[ "$(grep ':memory:' "/proc/$pid/cgroup")" = "$(grep ':memory:' /proc/self/cgroup)" ]
	[ -z "$(find "$(own_dir memory)" -maxdepth 1 -name "barco-$CG-*")" ]
	barco delete -f "$CG"
	run --separate-stderr barco --cgroup-manager=bogus list
	assert_error '"bogus" is not cgroupfs or disabled'

}

@test "v1: memory.limit 8 MiB: a process holding 64 MiB is OOM-killed, and fine without it" {
	update_config --arg p "$CG" '.linux.cgroupsPath = $p'
	run_sh 'head -c 64m /dev/zero | tail >/dev/null; echo rc=$?'
	assert_success
	[ "$output" = rc=0 ]
	update_config '.linux.resources.memory = {limit: 8388608, swap: 8388608}'
	run_sh 'cat /sys/fs/cgroup/memory/memory.limit_in_bytes; head -c 64m /dev/zero | tail >/dev/null; echo rc=$?'
	[ "${lines[0]}" = 8388608 ]
	# The OOM killer takes tail (the shell reports 137) or, at times, the shell itself.
	if [ "$status" -eq 0 ]; then
		[ "${lines[1]}" = rc=137 ]
	else
		[ "$status" -eq 137 ] && [ "${#lines[@]}" -eq 1 ]
	fi
	[ ! -e "$(own_dir memory)/$CG" ]
}

@test "v1: pids.limit 5: forking 10 sleepers fails" {
	update_config --arg p "$CG" '.linux.cgroupsPath = $p | .linux.resources.pids = {limit: 5}'
	run_sh 'cat /sys/fs/cgroup/pids/pids.max; for i in 1 2 3 4 5 6 7 8 9 10; do sleep 100 & done; echo forked'
	echo "$stderr" | grep -q "can't fork"
	[ "${lines[0]}" = 5 ]
	[ ! -e "$(own_dir pids)/$CG" ]
}

@test "v1: a failed create leaves no cgroup behind" {
	# Written after the directories are made: the kernel refuses a CPU that does not exist.
	update_config --arg p "$CG/x" '.linux.cgroupsPath = $p | .linux.resources.cpu = {cpus: "4095"}'
	run --separate-stderr barco create -b "$BUNDLE" ctr </dev/null
	assert_error 'cgroup: write "4095" to cpuset.cpus: '
	[ -z "$(left_behind "$CG")" ]
	run --separate-stderr barco state ctr
	assert_error "container does not exist"
}

@test "v1: an absolute cgroupsPath with .. is refused" {
	update_config '.linux.cgroupsPath = "/barco-bats/../escape"'
	run --separate-stderr barco create -b "$BUNDLE" ctr </dev/null
	assert_error 'has a ".." component: refused'

	[ ! -e /sys/fs/cgroup/memory/escape ]
}

@test "v1: a cgroup namespace has the container's cgroup as its root" {
	update_config --arg p "$CG" '.linux.cgroupsPath = $p
		| .linux.namespaces |= (map(select(.type != "cgroup")) + [{type: "cgroup"}])'
	create_ctr ctr
	local pid
	pid=$(pid_of ctr)
	grep -q "^[0-9]*:memory:.*/$CG\$" "/proc/$pid/cgroup"
	run nsenter -t "$pid" -C cat "/proc/$pid/cgroup"
	assert_success
	echo "$output" | grep -qx '[0-9]*:memory:/'
	echo "$output" | grep -qx '[0-9]*:pids:/'
	barco delete -f ctr
}

# ---- blkio, hugetlb, net_cls, net_prio, rdma, unified on v1 ----

# now_ms: a monotonic-enough clock for durations.
now_ms() {
	echo $(($(date +%s%N) / 1000000))
}

@test "v1: blockIO: the weight files of the I/O scheduler, and read_bps_device throttles reads" {
	has_v1 blkio || skip "needs a cgroup v1 blkio hierarchy"
	command -v losetup >/dev/null || skip "needs losetup"
	local blk dev weight_file t0 t1
	truncate -s 4M "$BATS_TEST_TMPDIR/disk"
	LOOPDEV=$(losetup --find --show "$BATS_TEST_TMPDIR/disk")
	dev=$(cat "/sys/block/${LOOPDEV#/dev/}/dev")
	blk=$(own_dir blkio)/$CG

	# Which weight file a cgroup of this kernel has: CFQ's, BFQ's or neither.
	update_config --arg p "$CG" '.linux.cgroupsPath = $p'
	create_ctr ctr
	weight_file=
	for f in blkio.weight blkio.bfq.weight; do
		[ -f "$blk/$f" ] && weight_file=$f && break
	done
	barco delete -f ctr

	update_config --argjson maj "${dev%:*}" --argjson min "${dev#*:}" '.linux.resources.blockIO = {
		weight: 300,
		throttleReadBpsDevice: [{major: $maj, minor: $min, rate: 524288}],
		throttleWriteIOPSDevice: [{major: $maj, minor: $min, rate: 100}]}'
	if [ -z "$weight_file" ]; then
		run --separate-stderr barco create -b "$BUNDLE" ctr </dev/null
		assert_error "linux.resources.blockIO: I/O weights are not supported by this kernel"
		[ -z "$(left_behind "$CG")" ]
		update_config 'del(.linux.resources.blockIO.weight)'
	fi
	create_ctr ctr
	[ -z "$weight_file" ] || [ "$(cat "$blk/$weight_file")" = 300 ]
	grep -qx "$dev 524288" "$blk/blkio.throttle.read_bps_device"
	grep -qx "$dev 100" "$blk/blkio.throttle.write_iops_device"

	# Enforced: 1 MiB read directly from the device takes two seconds in the cgroup, next
	# to nothing outside it.  (A process of ours joins the container's blkio cgroup to read.)
	t0=$(now_ms)
	dd if="$LOOPDEV" of=/dev/null bs=64k count=16 iflag=direct 2>/dev/null
	t1=$(now_ms)
	echo "unthrottled: $((t1 - t0)) ms" >&2
	[ $((t1 - t0)) -lt 1000 ]
	t0=$(now_ms)
	(
		echo "$BASHPID" >"$blk/cgroup.procs"
		exec dd if="$LOOPDEV" of=/dev/null bs=64k count=16 iflag=direct 2>/dev/null
	)
	t1=$(now_ms)
	echo "throttled: $((t1 - t0)) ms" >&2
	[ $((t1 - t0)) -ge 1500 ]
	barco delete -f ctr
	[ ! -e "$blk" ]
}

@test "v1: blockIO: weightDevice goes to the device's BFQ weight" {
	has_v1 blkio || skip "needs a cgroup v1 blkio hierarchy"
	command -v losetup >/dev/null || skip "needs losetup"
	local blk dev sched
	truncate -s 4M "$BATS_TEST_TMPDIR/disk"
	LOOPDEV=$(losetup --find --show "$BATS_TEST_TMPDIR/disk")
	dev=$(cat "/sys/block/${LOOPDEV#/dev/}/dev")
	sched=/sys/block/${LOOPDEV#/dev/}/queue/scheduler
	# Per-device weights need BFQ as the device's scheduler (our loop device: detaching it
	# at teardown undoes this).
	grep -qw bfq "$sched" || skip "the BFQ I/O scheduler is not available"
	echo bfq >"$sched"
	blk=$(own_dir blkio)/$CG
	update_config --arg p "$CG" --argjson maj "${dev%:*}" --argjson min "${dev#*:}" '
		.linux.cgroupsPath = $p
		| .linux.resources.blockIO.weightDevice = [{major: $maj, minor: $min, weight: 200}]'
	create_ctr ctr
	[ -f "$blk/blkio.bfq.weight_device" ] || skip "the blkio cgroup has no BFQ weights"
	grep -qx "$dev 200" "$blk/blkio.bfq.weight_device"
	barco delete -f ctr
	# leafWeight has no BFQ file: refused before anything is made.
	update_config --argjson maj "${dev%:*}" --argjson min "${dev#*:}" '
		.linux.resources.blockIO.weightDevice = [{major: $maj, minor: $min, leafWeight: 20}]'
	run --separate-stderr barco create -b "$BUNDLE" ctr </dev/null
	assert_error "linux.resources.blockIO.leafWeight: not supported by the BFQ I/O scheduler"
	[ -z "$(left_behind "$CG")" ]
}

@test "v1: hugepageLimits, network and rdma without their v1 hierarchy: a clear error, nothing made" {
	local tested=0
	update_config --arg p "$CG/x" '.linux.cgroupsPath = $p'
	if ! has_v1 hugetlb; then
		update_config '.linux.resources = {hugepageLimits: [{pageSize: "2MB", limit: 4194304}]}'
		run --separate-stderr barco create -b "$BUNDLE" ctr </dev/null
		assert_error "cgroup: no mounted hierarchy has the hugetlb controller (needed for hugetlb.2MB.limit_in_bytes)"
		tested=$((tested + 1))
	fi
	if ! has_v1 net_cls; then
		update_config '.linux.resources = {network: {classID: 1048577}}'
		run --separate-stderr barco create -b "$BUNDLE" ctr </dev/null
		assert_error "cgroup: no mounted hierarchy has the net_cls controller (needed for net_cls.classid)"
		tested=$((tested + 1))
	fi
	if ! has_v1 net_prio; then
		update_config '.linux.resources = {network: {priorities: [{name: "lo", priority: 3}]}}'
		run --separate-stderr barco create -b "$BUNDLE" ctr </dev/null
		assert_error "cgroup: no mounted hierarchy has the net_prio controller (needed for net_prio.ifpriomap)"
		tested=$((tested + 1))
	fi
	if ! has_v1 rdma; then
		update_config '.linux.resources = {rdma: {mlx5_0: {hcaHandles: 2}}}'
		run --separate-stderr barco create -b "$BUNDLE" ctr </dev/null
		assert_error "cgroup: no mounted hierarchy has the rdma controller (needed for rdma.max)"
		tested=$((tested + 1))
	fi
	[ "$tested" -gt 0 ] || skip "hugetlb, net_cls, net_prio and rdma are all mounted here"
	[ -z "$(left_behind "$CG")" ]
	assert_root_empty
}

@test "v1: net_cls and net_prio, where mounted: classid and ifpriomap are written" {
	has_v1 net_cls || has_v1 net_prio || skip "needs a cgroup v1 net_cls or net_prio hierarchy"
	update_config --arg p "$CG" '.linux.cgroupsPath = $p'
	has_v1 net_cls && update_config '.linux.resources.network.classID = 1048577'
	has_v1 net_prio && update_config '.linux.resources.network.priorities = [{name: "lo", priority: 3}]'
	create_ctr ctr
	if has_v1 net_cls; then
		[ "$(cat "$(own_dir net_cls)/$CG/net_cls.classid")" = 1048577 ]
	fi
	if has_v1 net_prio; then
		grep -qx "lo 3" "$(own_dir net_prio)/$CG/net_prio.ifpriomap"
	fi
	barco delete -f ctr
}

@test "v1: unified on a hybrid host: core files and cgroup2 controllers go to cgroup2, v1 controllers are refused" {
	[ "$(cgroup_mode)" = hybrid ] || skip "needs a hybrid host (cgroup2 at /sys/fs/cgroup/unified)"
	local v2own uni
	v2own=$(own_dirs | grep '^/sys/fs/cgroup/unified')
	uni=$v2own/$CG/x
	update_config --arg p "$CG/x" '.linux.cgroupsPath = $p
		| .linux.resources = {pids: {limit: 7},
		   unified: {"cgroup.max.descendants": "3", "cgroup.max.depth": "2"}}'
	create_ctr ctr
	[ "$(cat "$uni/cgroup.max.descendants")" = 3 ]
	[ "$(cat "$uni/cgroup.max.depth")" = 2 ]
	[ "$(cat "$(own_dir pids)/$CG/x/pids.max")" = 7 ]
	# Enforced in the container's cgroup2 subtree: depth 2 below it, no deeper.
	mkdir -p "$uni/a/b"
	run mkdir "$uni/a/b/c"
	[ "$status" -ne 0 ]
	rmdir "$uni/a/b" "$uni/a"
	# update routes unified keys the same way
	echo '{"unified": {"cgroup.max.depth": "5"}}' | barco update -r - ctr
	[ "$(cat "$uni/cgroup.max.depth")" = 5 ]
	run --separate-stderr barco update -r - ctr <<<'{"unified": {"memory.high": "1000000"}}'
	assert_error "cgroup: linux.resources.unified.memory.high: the memory controller is in the cgroup v1 hierarchy /sys/fs/cgroup/memory on this host; unified resources are only written to the cgroup2 hierarchy"
	barco delete -f ctr
	[ ! -e "$v2own/$CG" ]

	# A key of a controller held by a v1 hierarchy is refused, naming the key.
	update_config '.linux.resources = {unified: {"memory.high": "1000000"}}'
	run --separate-stderr barco create -b "$BUNDLE" ctr </dev/null
	assert_error "cgroup: linux.resources.unified.memory.high: the memory controller is in the cgroup v1 hierarchy /sys/fs/cgroup/memory on this host; unified resources are only written to the cgroup2 hierarchy"
	# One that no hierarchy has.
	if ! has_v1 rdma && ! grep -qw rdma /sys/fs/cgroup/unified/cgroup.controllers; then
		update_config '.linux.resources = {unified: {"rdma.max": "mlx5_0 hca_handle=1"}}'
		run --separate-stderr barco create -b "$BUNDLE" ctr </dev/null
		assert_error "cgroup: no mounted hierarchy has the rdma controller (needed for linux.resources.unified.rdma.max)"
	fi
	[ -z "$(left_behind "$CG")" ]
	assert_root_empty
}

@test "v1: unified on a hybrid host: a controller of the cgroup2 hierarchy is delegated and written" {
	[ "$(cgroup_mode)" = hybrid ] || skip "needs a hybrid host (cgroup2 at /sys/fs/cgroup/unified)"
	grep -qw hugetlb /sys/fs/cgroup/unified/cgroup.controllers ||
		skip "the cgroup2 hierarchy has no hugetlb controller here"
	[ -d /sys/kernel/mm/hugepages/hugepages-2048kB ] || skip "no 2 MB huge pages"
	local v2own
	v2own=$(own_dirs | grep '^/sys/fs/cgroup/unified')
	[ "$v2own" = /sys/fs/cgroup/unified ] ||
		skip "our cgroup2 cgroup is not the root: it may not delegate with processes in it"
	# barco enables hugetlb in our cgroup's subtree_control; the teardown restores it.
	grep -qw hugetlb "$v2own/cgroup.subtree_control" || RESTORE_SUBTREE=-hugetlb
	update_config --arg p "$CG/x" '.linux.cgroupsPath = $p
		| .linux.resources.unified = {"hugetlb.2MB.max": "4194304"}'
	create_ctr ctr
	[ "$(cat "$v2own/$CG/x/hugetlb.2MB.max")" = 4194304 ]
	grep -qw hugetlb "$v2own/$CG/cgroup.subtree_control"
	barco delete -f ctr
	[ ! -e "$v2own/$CG" ]
}

@test "v1: a pure v1 host (cgroup2 unmounted): unified is refused, the v1 resources work" {
	command -v unshare >/dev/null || skip "needs unshare"
	# barco sees the host as pure v1 in a mount namespace without the cgroup2 mount.
	cat >"$BATS_TEST_TMPDIR/v1only.sh" <<'EOF'
#!/bin/sh
if grep -q " /sys/fs/cgroup/unified " /proc/self/mountinfo; then
	umount /sys/fs/cgroup/unified || exit 99
fi
exec "$@"
EOF
	chmod 755 "$BATS_TEST_TMPDIR/v1only.sh"
	update_config --arg p "$CG" '.linux.cgroupsPath = $p
		| .linux.resources = {unified: {"cgroup.max.depth": "2"}}'
	run --separate-stderr unshare -m --propagation private "$BATS_TEST_TMPDIR/v1only.sh" \
		"$BARCO" --root "$ROOT" create -b "$BUNDLE" ctr </dev/null 3>&-
	assert_error "cgroup: linux.resources.unified.cgroup.max.depth: unified resources are only supported on cgroup v2 (this host has no cgroup2 hierarchy)"
	[ -z "$(left_behind "$CG")" ]
	update_config '.linux.resources = {pids: {limit: 9}} | .process.args = ["cat", "/sys/fs/cgroup/pids/pids.max"]'
	run --separate-stderr unshare -m --propagation private "$BATS_TEST_TMPDIR/v1only.sh" \
		"$BARCO" --root "$ROOT" run -b "$BUNDLE" ctr </dev/null 3>&-
	assert_success
	[ "$output" = 9 ]
	[ -z "$(left_behind "$CG")" ]
}

# ---- removal: what delete kills and removes, and what it keeps ----

# leaf_dir: the container's cgroup ($CG) in the v1 pids hierarchy, or the cgroup2 one on v2.
leaf_dir() {
	if [ "$(cgroup_mode)" = v2 ]; then
		echo "$(own_dirs | head -n 1)/$CG"
	else
		echo "$(own_dir pids)/$CG"
	fi
}

@test "delete kills what runs in the container's cgroup and below, and removes sub-cgroups" {
	[ "$(cgroup_mode)" = v2 ] || has_v1 pids || skip "needs a pids hierarchy or cgroup v2"
	local leaf other nested
	update_config --arg p "$CG" '.linux.cgroupsPath = $p'
	create_ctr ctr
	leaf=$(leaf_dir)
	[ -d "$leaf" ]
	# Processes of ours, outside the container's pid namespace: one in its cgroup, one in
	# a cgroup made below it (as a container with a writable cgroupfs could).
	sleep 1000 &
	other=$!
	KNOWN_PIDS+=("$other")
	echo "$other" >"$leaf/cgroup.procs"
	mkdir "$leaf/sub"
	sleep 1000 &
	nested=$!
	KNOWN_PIDS+=("$nested")
	echo "$nested" >"$leaf/sub/cgroup.procs"
	barco delete -f ctr
	wait_pid_gone "$other"
	wait_pid_gone "$nested"
	[ ! -e "$leaf" ]
	[ -z "$(left_behind "$CG")" ]
}

@test "a record written before the directories (a create killed meanwhile) is removed, nothing killed" {
	local leaf stranger
	update_config --arg p "$CG/inner" '.linux.cgroupsPath = $p'
	create_ctr ctr
	# What a barco killed between its first mkdir and the exact record leaves.
	[ -s "$ROOT/ctr/cgroups" ]
	mv "$ROOT/ctr/cgroups" "$ROOT/ctr/cgroups.pending"
	barco delete -f ctr
	[ -z "$(left_behind "$CG")" ]
	assert_root_empty

	# A directory named in a pending record may be somebody else's by the time delete
	# runs: what runs there is not killed, and the directory is kept.
	create_ctr ctr
	mv "$ROOT/ctr/cgroups" "$ROOT/ctr/cgroups.pending"
	leaf=$(leaf_dir)/inner
	sleep 1000 &
	stranger=$!
	KNOWN_PIDS+=("$stranger")
	echo "$stranger" >"$leaf/cgroup.procs"
	barco delete -f ctr
	assert_root_empty
	kill -0 "$stranger"
	[ -d "$leaf" ]
	grep -qx "$stranger" "$leaf/cgroup.procs"
	# The other hierarchies' directories were empty: removed.
	[ "$(left_behind "$CG")" = "$(dirname "$leaf")" ]
	kill -KILL "$stranger"
	wait_pid_gone "$stranger"
	rmdir "$leaf" "$(dirname "$leaf")"
}

@test "a corrupted cgroups record: delete refuses, delete --force warns and removes the entry" {
	update_config --arg p "$CG" '.linux.cgroupsPath = $p'
	create_ctr ctr
	printf 'not a record line\n\x01\x02garbage\t\n' >>"$ROOT/ctr/cgroups"
	barco kill ctr KILL
	wait_for_status ctr stopped
	run --separate-stderr barco delete ctr
	assert_error "cgroup: 2 malformed lines in the record cgroups: the cgroups named there were not removed"
	[ -d "$ROOT/ctr" ]
	run --separate-stderr barco delete --force ctr
	assert_success
	[ "${#stderr_lines[@]}" -eq 1 ]
	[[ "${stderr_lines[0]}" == *"warning"*"malformed lines in the record cgroups"* ]]
	assert_root_empty
	# The lines that parse named every directory: all gone.
	[ -z "$(left_behind "$CG")" ]

	# Nothing but garbage: the entry still goes.
	create_ctr ctr
	local dirs
	dirs=$(left_behind "$CG")
	[ -n "$dirs" ]
	printf '\xff\xfe\n' >"$ROOT/ctr/cgroups"
	run --separate-stderr barco delete --force ctr
	assert_success
	[[ "${stderr_lines[0]}" == *"1 malformed line in the record cgroups"* ]]
	assert_root_empty
	# The init was stopped from state.json: its directories are empty, ours to clean.
	[ "$(left_behind "$CG")" = "$dirs" ]
	for d in $dirs; do rmdir "$d"; done
}

# ---- a barco killed in the middle of create ----

# no_trace ID: after delete --force, no state entry, no cgroup of the test below our own in
# any hierarchy, no process carrying the test's mark, no mount from the test.
no_trace() {
	assert_root_empty
	local left
	left=$(left_behind "$CG")
	# The default name (no cgroupsPath), for an ID of this test's own.
	[ "$1" != "$CG" ] || left+=$(left_behind "barco-$1-*")
	if [ -n "$left" ]; then
		echo "cgroups left behind: $left" >&2
		return 1
	fi
	wait_marked_gone || return 1
	if grep -qF "$BATS_TEST_TMPDIR" /proc/self/mountinfo; then
		echo "mounts left behind:" >&2
		grep -F "$BATS_TEST_TMPDIR" /proc/self/mountinfo >&2
		return 1
	fi
}

# blocking_hook KIND: the only hook, of that kind: it says it runs (its pid, the host one
# when it runs in our pid namespace, in $HOOKDIR/KIND.started) and waits until the fifo
# $HOOKDIR/release is opened.  It carries the test's mark, so a hook left running fails the
# teardown.  $HOOKDIR is open to all: in a user namespace the hook is another host uid.
blocking_hook() {
	local kind=$1
	HOOKDIR=$BATS_TEST_TMPDIR/hookdir
	mkdir -p -m 777 "$HOOKDIR"
	[ -p "$HOOKDIR/release" ] || mkfifo -m 666 "$HOOKDIR/release"
	update_config --arg k "$kind" --arg s "$HOOKDIR/$kind.started" \
		--arg f "$HOOKDIR/release" --arg mark "$MARK_VAR=$BATS_TEST_TMPDIR" '
		.hooks = {} | .hooks[$k] = [{path: "/bin/sh",
			args: ["sh", "-c", "echo $$ >\($s).tmp && mv \($s).tmp \($s); read x <\($f)"],
			env: ["PATH=/bin:/usr/bin", $mark]}]'
}

# crash_in_hook KIND [ID]: barco create blocks in a KIND hook; SIGKILL barco; the init must
# die with it (and the hook too when it runs in the container's pid namespace); then
# delete --force leaves no trace.
crash_in_hook() {
	local kind=$1 id=${2:-ctr} bp i hook_pid=
	blocking_hook "$kind"
	rm -f "$HOOKDIR/$kind.started"
	"$BARCO" --root "$ROOT" create -b "$BUNDLE" "$id" </dev/null >/dev/null \
		2>"$BATS_TEST_TMPDIR/create.err" 3>&- &
	bp=$!
	KNOWN_PIDS+=("$bp")
	for ((i = 0; i < 100; i++)); do
		[ -s "$HOOKDIR/$kind.started" ] && break
		sleep 0.1
	done
	[ -s "$HOOKDIR/$kind.started" ] || {
		cat "$BATS_TEST_TMPDIR/create.err" >&2
		return 1
	}
	# barco, its init, the hook (the init's child for createContainer).  (No `barco state`
	# now: create holds the entry's lock.)
	[ "$(marked_except | wc -l)" -ge 3 ]
	# A hook of the runtime runs in our pid namespace and outlives barco, as with runc.
	case $kind in prestart | createRuntime) hook_pid=$(cat "$HOOKDIR/$kind.started") ;; esac
	kill -KILL "$bp"
	wait "$bp" 2>/dev/null || true
	# The init goes with barco: nothing marked is left but the runtime's hook.
	wait_marked_gone "$bp" $hook_pid
	# The entry says "creating"; delete --force removes it and the cgroups.
	[ "$(status_of "$id")" = creating ]
	run --separate-stderr barco delete --force "$id"
	assert_success
	# Let a surviving hook go.
	exec 5<>"$HOOKDIR/release"
	exec 5>&-
	[ -z "$hook_pid" ] || wait_pid_gone "$hook_pid"
	no_trace "$id"
}

@test "barco killed while prestart and createRuntime hooks run: the init dies, delete --force cleans up" {
	update_config --arg p "$CG/c" '.linux.cgroupsPath = $p'
	crash_in_hook prestart
	crash_in_hook createRuntime
	# Without cgroupsPath the cgroups are barco-ID-PID: found by the record too.
	update_config 'del(.linux.cgroupsPath)'
	crash_in_hook createRuntime "$CG"
}

@test "barco killed while a createContainer hook runs: the init and the hook die, delete --force cleans up" {
	update_config --arg p "$CG/c" '.linux.cgroupsPath = $p'
	crash_in_hook createContainer
}

@test "barco killed while a createContainer hook runs in a user namespace: the init still dies" {
	# The root of the new user namespace is another host uid: that change of credentials
	# clears the init's parent-death signal, which it must set again.
	chmod o+x "$BATS_RUN_TMPDIR"
	update_config --arg p "$CG/c" '.linux.cgroupsPath = $p
		| .linux.namespaces += [{type: "user"}]
		| .linux.uidMappings = [{containerID: 0, hostID: 100000, size: 65536}]
		| .linux.gidMappings = [{containerID: 0, hostID: 100000, size: 65536}]'
	crash_in_hook createContainer
}

@test "barco killed at random points of create, 20 times (8 on v2): delete --force always cleans up" {
	local t0 t1 span round rounds bp delay phases=""
	update_config --arg p "$CG/c" '.linux.cgroupsPath = $p'
	# How long a create takes here (the quickest of three): the kills land within it.
	span=100000
	for round in 1 2 3; do
		t0=$(now_ms)
		barco create -b "$BUNDLE" ctr </dev/null >/dev/null 2>&1
		t1=$(now_ms)
		barco delete -f ctr
		[ $((t1 - t0)) -ge "$span" ] || span=$((t1 - t0))
	done
	span=$((span + 5))
	# 20 rounds; 8 in the cgroup v2 VM, where each costs ten times as much.  (Not i: bats'
	# run sets it.)
	rounds=20
	[ "$(cgroup_mode)" != v2 ] || rounds=8
	for ((round = 0; round < rounds; round++)); do
		"$BARCO" --root "$ROOT" create -b "$BUNDLE" ctr </dev/null >/dev/null 2>&1 3>&- &
		bp=$!
		KNOWN_PIDS+=("$bp")
		delay=$((RANDOM % span))
		sleep "$((delay / 1000)).$(printf %03d $((delay % 1000)))"
		kill -KILL "$bp" 2>/dev/null || true
		wait "$bp" 2>/dev/null || true
		phases+=" $delay:$(status_of ctr)"
		# Nothing of the create outlives barco but what a created container keeps.
		if [ "$(status_of ctr)" != created ]; then
			wait_marked_gone
		fi
		run --separate-stderr barco delete --force ctr
		assert_success
		no_trace ctr || {
			echo "round $round, killed after $delay ms" >&2
			return 1
		}
	done
	echo "create takes ~$span ms; kills (ms:status):$phases" >&2
}
