#!/usr/bin/env bats
# Namespaces: new ones, joined ones (by path), user namespaces with id mappings, kill --all.

load helpers

teardown() {
	# Persistent namespaces made by a test are bind mounts in its tmpdir: remove them first.
	local f
	for f in "$BATS_TEST_TMPDIR"/ns-*; do
		[ -e "$f" ] || continue
		umount "$f" 2>/dev/null || true
		rm -f "$f"
	done
	if [ -n "${NETNS_NAME:-}" ]; then
		ip netns delete "$NETNS_NAME" 2>/dev/null || true
	fi
	common_teardown
}

# userns_config OUTDIR MODE: container root is host uid/gid 100000 (65536 ids), OUTDIR (made
# with MODE) is bound read-write at /out.  The mapped root must be able to reach the bundle,
# and bats makes its run directory 0700: open it for traversal.  The rootfs stays owned by
# host root, which the container cannot write: the mount point is made here.
userns_config() {
	chmod o+x "$BATS_RUN_TMPDIR"
	mkdir "$BUNDLE/rootfs/out" "$1"
	chmod "$2" "$1"
	update_config --arg o "$1" '.linux.namespaces += [{type: "user"}]
		| .linux.uidMappings = [{containerID: 0, hostID: 100000, size: 65536}]
		| .linux.gidMappings = [{containerID: 0, hostID: 100000, size: 65536}]
		| .mounts += [{destination: "/out", type: "bind", source: $o, options: ["bind", "rw"]}]'
}

# ns_inode FILE: the inode of a namespace file, as readlink shows it ("net:[N]" -> N).
ns_inode() {
	stat -L -c %i "$1"
}

@test "a new pid namespace makes the process pid 1" {
	run_sh 'echo $$; ls -d /proc/[0-9]* | wc -l'
	assert_success
	[ "${lines[0]}" = 1 ]
	# sh, ls and wc: nothing of the host is visible.
	[ "${lines[1]}" -le 3 ]
}

@test "without a pid namespace the process sees the host's pids" {
	update_config '.linux.namespaces |= map(select(.type != "pid"))'
	run_sh 'echo $$; [ -d /proc/1 ] && echo host-init-visible'
	assert_success
	[ "${lines[0]}" != 1 ]
	[ "${lines[1]}" = host-init-visible ]
}

@test "every configured namespace is new, the others are the host's" {
	run_sh 'for n in pid net ipc uts mnt cgroup user; do echo "$n $(readlink /proc/self/ns/$n)"; done'
	assert_success
	local n got
	for n in pid net ipc uts mnt cgroup; do
		got=$(echo "$output" | awk -v n="$n" '$1 == n {print $2}')
		[ -n "$got" ]
		[ "$got" != "$(readlink "/proc/self/ns/$n")" ] || {
			echo "namespace $n is the host's" >&2
			return 1
		}
	done
	[ "$(echo "$output" | awk '$1 == "user" {print $2}')" = "$(readlink /proc/self/ns/user)" ]
}

@test "a namespace left out of the config is shared with the host" {
	update_config '.linux.namespaces |= map(select(.type != "ipc" and .type != "cgroup"))'
	run_sh 'readlink /proc/self/ns/ipc; readlink /proc/self/ns/cgroup'
	assert_success
	[ "${lines[0]}" = "$(readlink /proc/self/ns/ipc)" ]
	[ "${lines[1]}" = "$(readlink /proc/self/ns/cgroup)" ]
}

@test "a new network namespace has only lo" {
	run_sh 'tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d " "; ls /sys/class/net'
	assert_success
	[ "$output" = "$(printf 'lo\nlo')" ]
}

@test "a new network namespace has lo up, as runc and crun leave it" {
	run_sh 'cat /sys/class/net/lo/flags'
	assert_success
	# IFF_UP (0x1) | IFF_LOOPBACK (0x8); a fresh namespace's lo is 0x8.
	[ "$output" = 0x9 ]
}

@test "a network namespace is joined by path (unshare --net)" {
	local ns=$BATS_TEST_TMPDIR/ns-net
	touch "$ns"
	unshare --net="$ns" ip link set lo up
	update_config --arg p "$ns" '.linux.namespaces |= map(if .type == "network"
		then {type: "network", path: $p} else . end)'
	run_sh 'readlink /proc/self/ns/net; cat /sys/class/net/lo/operstate'
	assert_success
	[ "${lines[0]}" = "net:[$(ns_inode "$ns")]" ]
	[ "${lines[1]}" = unknown ]
}

@test "a network namespace made by ip netns add is joined by path" {
	command -v ip >/dev/null || skip "ip (iproute2) is not installed"
	NETNS_NAME=barco-bats-$$-$BATS_TEST_NUMBER
	ip netns add "$NETNS_NAME"
	ip -n "$NETNS_NAME" link add bats0 type dummy 2>/dev/null ||
		skip "no dummy link support in this kernel"
	update_config --arg p "/run/netns/$NETNS_NAME" '.linux.namespaces |= map(
		if .type == "network" then {type: "network", path: $p} else . end)'
	run_sh 'ls /sys/class/net | sort | tr "\n" " "'
	assert_success
	assert_output "bats0 lo "
}

@test "a uts namespace is joined by path and keeps its hostname" {
	local ns=$BATS_TEST_TMPDIR/ns-uts
	touch "$ns"
	unshare --uts="$ns" hostname joined-uts
	update_config --arg p "$ns" 'del(.hostname) | .linux.namespaces |= map(
		if .type == "uts" then {type: "uts", path: $p} else . end)'
	run_sh 'hostname; readlink /proc/self/ns/uts'
	assert_success
	[ "${lines[0]}" = joined-uts ]
	[ "${lines[1]}" = "uts:[$(ns_inode "$ns")]" ]
}

@test "joining a namespace of the wrong type fails cleanly" {
	local ns=$BATS_TEST_TMPDIR/ns-net
	touch "$ns"
	unshare --net="$ns" true
	update_config --arg p "$ns" '.linux.namespaces |= map(select(.type != "ipc"))
		+ [{type: "ipc", path: $p}]'
	run --separate-stderr barco create -b "$BUNDLE" ctr
	assert_error "ipc"
	assert_root_empty
}

@test "joining a namespace path that is not a namespace fails cleanly" {
	touch "$BATS_TEST_TMPDIR/plain-file"
	update_config --arg p "$BATS_TEST_TMPDIR/plain-file" '.linux.namespaces |= map(
		select(.type != "ipc")) + [{type: "ipc", path: $p}]'
	run --separate-stderr barco create -b "$BUNDLE" ctr
	assert_error "plain-file"
	assert_root_empty
}

@test "a user namespace maps container root to host uid 100000" {
	local out=$BATS_TEST_TMPDIR/out-dir
	userns_config "$out" 777
	run_sh 'id -u; id -g; cat /proc/self/uid_map; touch /out/made-inside; mkdir /out/dir
		stat -c "%u" /bin/busybox'
	assert_success
	[ "${lines[0]}" = 0 ]
	[ "${lines[1]}" = 0 ]
	[[ "${lines[2]}" =~ ^\ *0\ +100000\ +65536$ ]]
	# Host root is not mapped: it shows as the overflow uid.
	[ "${lines[3]}" = 65534 ]
	[ "$(stat -c %u:%g "$out/made-inside")" = 100000:100000 ]
	[ "$(stat -c %u:%g "$out/dir")" = 100000:100000 ]
}

@test "a user namespace maps a non-root container user too" {
	local out=$BATS_TEST_TMPDIR/out-dir
	userns_config "$out" 777
	update_config '.process.user = {uid: 1000, gid: 1000}'
	run_sh 'id -u; touch /out/by-user'
	assert_success
	assert_output 1000
	[ "$(stat -c %u:%g "$out/by-user")" = 101000:101000 ]
}

@test "a user namespace without its own network namespace gets the runtime's /sys, read-only" {
	local out=$BATS_TEST_TMPDIR/out-dir
	userns_config "$out" 777
	# sysfs can't be mounted by a user namespace that doesn't own the network namespace.
	update_config '.linux.namespaces |= map(select(.type != "network"))'
	run_sh 'ls /sys/class/net; grep " /sys " /proc/self/mountinfo; grep " /sys/fs/cgroup" /proc/self/mountinfo | head -n 1; touch /sys/x 2>&1 || true'
	assert_success
	# Without the fallback create fails (EPERM); with it: the runtime's sysfs, its submounts
	# (rbind) too, all read-only.
	echo "$output" | grep -qx lo
	echo "$output" | grep -E ' / /sys ro,[^ ]* - sysfs ' >/dev/null
	echo "$output" | grep -E ' /sys/fs/cgroup[^ ]* ro,' >/dev/null
	echo "$output" | grep -q 'Read-only file system'
}

@test "the user namespace's container root is not host root" {
	local out=$BATS_TEST_TMPDIR/out-dir
	userns_config "$out" 755
	run_sh 'touch /out/x 2>/dev/null && echo wrote || echo denied'
	assert_success
	assert_output denied
	[ ! -e "$out/x" ]
}

@test "the uts namespace has the configured hostname" {
	update_config '.hostname = "uts-test"'
	run_sh 'hostname; uname -n'
	assert_success
	[ "${lines[0]}" = uts-test ]
	[ "${lines[1]}" = uts-test ]
}

@test "a cgroup namespace shows the container's cgroup as the root" {
	run_sh 'cat /proc/self/cgroup'
	assert_success
	local line
	for line in "${lines[@]}"; do
		[[ "$line" == *:/ ]] || {
			echo "not rooted: $line" >&2
			show_run
			return 1
		}
	done
}

@test "a time namespace applies linux.timeOffsets" {
	[ -e /proc/self/ns/time ] || skip "no time namespaces in this kernel"
	update_config '.linux.namespaces += [{type: "time"}]
		| .linux.timeOffsets = {boottime: {secs: 31536000, nanosecs: 0}}'
	run_sh 'cut -d. -f1 /proc/uptime'
	assert_success
	[ "$output" -ge 31536000 ]
}

# The host pids of the processes in the pid namespace of $1, but $1 itself.
pids_in_ns_of() {
	local ns p
	ns=$(ns_of "$1" pid)
	for p in /proc/[0-9]*; do
		p=${p#/proc/}
		[ "$p" = "$1" ] && continue
		[ "$(ns_of "$p" pid 2>/dev/null)" = "$ns" ] && echo "$p"
	done
	return 0
}

# start_three: a container whose init (sh, no TERM handler) waits on two children.
start_three() {
	set_args sh -c 'sleep 1000 & sleep 1000 & wait'
	create_ctr ctr
	barco start ctr
	local i
	for ((i = 0; i < 50; i++)); do
		[ "$(pids_in_ns_of "$(pid_of ctr)" | wc -l)" -eq 2 ] && return 0
		sleep 0.1
	done
	echo "the container's children did not start" >&2
	return 1
}

@test "kill without --all signals only the init" {
	start_three
	local children
	children=$(pids_in_ns_of "$(pid_of ctr)")
	# An init without a TERM handler ignores TERM; the sleeps never get it.
	barco kill ctr TERM
	sleep 0.5
	[ "$(status_of ctr)" = running ]
	for p in $children; do
		[ "$(awk '{print $3}' "/proc/$p/stat")" != Z ]
	done
}

@test "kill --all signals every process of the container" {
	start_three
	local children p
	children=$(pids_in_ns_of "$(pid_of ctr)")
	run --separate-stderr barco kill --all ctr TERM
	assert_success
	for p in $children; do
		wait_pid_gone "$p"
	done
	# With its children gone, the init's `wait` returns and it exits.
	wait_for_status ctr stopped
}

@test "kill -a KILL stops the whole container" {
	start_three
	local all p
	all="$(pid_of ctr) $(pids_in_ns_of "$(pid_of ctr)")"
	run --separate-stderr barco kill -a ctr KILL
	assert_success
	for p in $all; do
		wait_pid_gone "$p"
	done
	wait_for_status ctr stopped
}

@test "kill --all without a cgroup refuses a container that shares the host's pid namespace" {
	update_config '.linux.namespaces |= map(select(.type != "pid"))'
	barco --cgroup-manager=disabled create -b "$BUNDLE" ctr </dev/null >/dev/null
	barco start ctr
	run --separate-stderr barco kill --all ctr KILL
	assert_error "pid namespace"
	[ "$(status_of ctr)" = running ]
}
