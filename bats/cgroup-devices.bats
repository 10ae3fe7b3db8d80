#!/usr/bin/env bats
# linux.resources.devices: what a container may open and create, enforced by the devices
# controller on cgroup v1 (this host) and by an eBPF program on cgroup v2 (the VM).  Every
# container gets runc's default allow list after the config's rules (null, zero, full,
# random, urandom, tty, pts, ptmx, and mknod of anything); a linux.devices node at one of
# those paths takes its default rule out.

load helpers

# own_dir: this shell's cgroup directory holding the device rules: the v1 devices hierarchy,
# or the cgroup2 one on a v2 host.
own_dir() {
	local mp root own
	if [ "$(cgroup_mode)" = v2 ]; then
		own=$(awk -F: '$1 == 0 {print $3}' /proc/self/cgroup)
		echo "/sys/fs/cgroup${own%/}"
		return
	fi
	mp=/sys/fs/cgroup/devices
	root=$(awk -v mp="$mp" '$5 == mp && $0 ~ / - cgroup / {print $4; exit}' /proc/self/mountinfo)
	own=$(awk -F: '{n = split($2, a, ","); for (i = 1; i <= n; i++) if (a[i] == "devices") print $3}' /proc/self/cgroup)
	[ -n "$root" ] && [ -n "$own" ] || return 1
	[ "$root" = / ] && root=
	own=${own#"$root"}
	echo "$mp${own%/}"
}

setup() {
	common_setup
	if [ "$(cgroup_mode)" != v2 ] && ! grep -q " /sys/fs/cgroup/devices .* - cgroup " /proc/self/mountinfo; then
		skip "needs the cgroup v1 devices hierarchy, or a cgroup v2 host"
	fi
	CG=barco-bats-dev-$$-$BATS_TEST_NUMBER
	update_config --arg p "$CG" '.linux.cgroupsPath = $p
		| .process.capabilities |= with_entries(.value += ["CAP_MKNOD"])'
	# probe MODE:PATH...: open PATH for reading (r), writing (w) or both (rw); one line each,
	# "MODE:PATH ok", "MODE:PATH EPERM" or "MODE:PATH other: STRERROR".
	cat >"$BUNDLE/rootfs/probe" <<-'EOF'
		#!/bin/sh
		for a in "$@"; do
			m=${a%%:*} p=${a#*:}
			case $m in
			r) e=$( (exec 3<"$p") 2>&1) ;;
			w) e=$( (exec 3>"$p") 2>&1) ;;
			rw) e=$( (exec 3<>"$p") 2>&1) ;;
			esac
			case $e in
			"") echo "$a ok" ;;
			*"Operation not permitted"*) echo "$a EPERM" ;;
			*) echo "$a other: ${e##*: }" ;;
			esac
		done
	EOF
	chmod 755 "$BUNDLE/rootfs/probe"
}

# A cgroup the test left behind fails it (and is removed).
teardown() {
	local rc=0 d
	common_teardown || rc=1
	d=$(own_dir) || return "$rc"
	if [ -n "${CG:-}" ] && [ -d "$d/$CG" ]; then
		echo "teardown: cgroup left behind: $d/$CG" >&2
		find "$d/$CG" -depth -type d -exec rmdir {} \; 2>/dev/null || true
		rc=1
	fi
	return "$rc"
}

# add_devices JSON-ARRAY: append rules to linux.resources.devices.
add_devices() {
	update_config --argjson d "$1" '.linux.resources.devices += $d'
}

# with_node PATH TYPE MAJOR MINOR: a linux.devices entry.
with_node() {
	update_config --arg p "$1" --arg t "$2" --argjson ma "$3" --argjson mi "$4" \
		'.linux.devices += [{"path": $p, "type": $t, "major": $ma, "minor": $mi}]'
}

@test "devices: the defaults can be used, nothing else opened, anything created" {
	run_sh '/probe rw:/dev/null r:/dev/zero rw:/dev/urandom r:/dev/random rw:/dev/tty
		head -c 4 /dev/zero | wc -c
		echo x >/dev/full || true
		mknod /dev/kmsg2 c 1 11 && echo mknod-c-ok
		mknod /dev/loop9 b 7 9 && echo mknod-b-ok
		/probe r:/dev/kmsg2 w:/dev/kmsg2 r:/dev/loop9'
	assert_success
	# /dev/tty opens (the rule allows it) and fails in the driver: no controlling tty.
	assert_output "rw:/dev/null ok
r:/dev/zero ok
rw:/dev/urandom ok
r:/dev/random ok
rw:/dev/tty other: No such device or address
4
mknod-c-ok
mknod-b-ok
r:/dev/kmsg2 EPERM
w:/dev/kmsg2 EPERM
r:/dev/loop9 EPERM"
	[[ "$stderr" == *"No space left on device"* ]] || {
		echo "writing /dev/full should reach the driver (ENOSPC)" >&2
		show_run
		return 1
	}
}

@test "devices: a linux.devices node at a default's path is denied unless the config allows it" {
	with_node /dev/urandom c 1 9
	run_sh '/probe r:/dev/urandom w:/dev/urandom r:/dev/random'
	assert_success
	assert_output "r:/dev/urandom EPERM
w:/dev/urandom EPERM
r:/dev/random ok"
}

@test "devices: a read-only rule lets the device be read, not written" {
	with_node /dev/urandom c 1 9
	add_devices '[{"allow": true, "type": "c", "major": 1, "minor": 9, "access": "r"}]'
	run_sh '/probe r:/dev/urandom w:/dev/urandom rw:/dev/urandom
		head -c 8 /dev/urandom | wc -c'
	assert_success
	assert_output "r:/dev/urandom ok
w:/dev/urandom EPERM
rw:/dev/urandom EPERM
8"
}

@test "devices: the last matching rule wins" {
	with_node /dev/urandom c 1 9
	with_node /dev/zero c 1 5
	# zero: allowed, then denied; urandom: denied, then allowed for writing.
	add_devices '[{"allow": true, "type": "c", "major": 1, "minor": 5, "access": "rw"},
		{"allow": false, "type": "c", "major": 1, "minor": 5, "access": "r"},
		{"allow": false, "type": "c", "major": 1, "minor": 9, "access": "rw"},
		{"allow": true, "type": "c", "major": 1, "minor": 9, "access": "w"}]'
	run_sh '/probe r:/dev/zero w:/dev/zero r:/dev/urandom w:/dev/urandom'
	assert_success
	assert_output "r:/dev/zero EPERM
w:/dev/zero ok
r:/dev/urandom EPERM
w:/dev/urandom ok"
}

@test "devices: allow-all leaves every device usable" {
	with_node /dev/urandom c 1 9
	update_config '.linux.resources.devices = [{"allow": true, "access": "rwm"}]'
	run_sh 'mknod /dev/kmsg2 c 1 11; /probe r:/dev/urandom rw:/dev/null; /probe w:/dev/kmsg2'
	assert_output "r:/dev/urandom ok
rw:/dev/null ok
w:/dev/kmsg2 ok"
}

@test "devices: --cgroup-manager=disabled applies no rules" {
	with_node /dev/urandom c 1 9
	set_args /probe r:/dev/urandom
	run --separate-stderr barco --cgroup-manager=disabled run -b "$BUNDLE" ctr
	assert_success
	assert_output "r:/dev/urandom ok"
}

@test "devices: bad rules are refused before the container starts" {
	update_config '.linux.resources.devices += [{"allow": true, "type": "c", "major": 1, "minor": 9}]'
	run_sh 'echo started'
	assert_error "linux.resources.devices[1].access: missing (a combination of r, w and m)"
	[ ! -d "$(own_dir)/$CG" ]
}

@test "devices (v1): devices.list holds the defaults after the config's rules" {
	require_cgroup_v1
	with_node /dev/urandom c 1 9
	add_devices '[{"allow": true, "type": "b", "major": 7, "access": "rw"},
		{"allow": true, "type": "c", "major": 10, "minor": 229, "access": "rwm"},
		{"allow": false, "type": "c", "major": 10, "minor": 229, "access": "m"}]'
	create_ctr ctr
	local d
	d=$(own_dir)/$CG
	grep -qx "$(pid_of ctr)" "$d/cgroup.procs"
	diff -u - "$d/devices.list" <<-'EOF'
		b 7:* rw
		c 10:229 rw
		c *:* m
		b *:* m
		c 1:3 rwm
		c 1:8 rwm
		c 1:7 rwm
		c 5:0 rwm
		c 1:5 rwm
		c 136:* rwm
		c 5:2 rwm
	EOF
	barco delete -f ctr
	[ ! -d "$d" ]
}

@test "devices (v1): allow-all is an allow-all devices.list" {
	require_cgroup_v1
	update_config '.linux.resources.devices = [{"allow": true, "access": "rwm"}]'
	create_ctr ctr
	[ "$(cat "$(own_dir)/$CG/devices.list")" = "a *:* rwm" ]
	barco delete -f ctr
}

@test "devices (v1): a deny inside an earlier, wider allow is refused" {
	require_cgroup_v1
	with_node /dev/urandom c 1 9
	add_devices '[{"allow": true, "type": "c", "major": 1, "access": "rwm"},
		{"allow": false, "type": "c", "major": 1, "minor": 9, "access": "rw"}]'
	run_sh 'echo started'
	assert_error "linux.resources.devices[2] (deny c 1:9 rw) cannot be enforced on cgroup v1: it would punch a hole in the earlier allow c 1:* rwm"
	[ ! -d "$(own_dir)/$CG" ]
	assert_root_empty
}

@test "devices (v2): a deny inside an earlier, wider allow is enforced" {
	require_cgroup_v2
	with_node /dev/urandom c 1 9
	add_devices '[{"allow": true, "type": "c", "major": 1, "access": "rwm"},
		{"allow": false, "type": "c", "major": 1, "minor": 9, "access": "rw"}]'
	run_sh 'mknod /dev/kmsg2 c 1 11; /probe r:/dev/urandom w:/dev/urandom r:/dev/zero; /probe w:/dev/kmsg2'
	assert_success
	assert_output "r:/dev/urandom EPERM
w:/dev/urandom EPERM
r:/dev/zero ok
w:/dev/kmsg2 ok"
}
