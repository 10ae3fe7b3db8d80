#!/usr/bin/env bats
# Cgroups on a v1/hybrid host: placement from linux.cgroupsPath (relative to the test's own
# cgroup, never elsewhere), memory and pids limits enforced, removal at delete and after a
# failed create.

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

setup() {
	common_setup
	grep -q " /sys/fs/cgroup/memory .* - cgroup " /proc/self/mountinfo &&
		grep -q " /sys/fs/cgroup/pids .* - cgroup " /proc/self/mountinfo ||
		skip "needs cgroup v1 memory and pids hierarchies (this is not a v1/hybrid host)"
	CG=barco-bats-$$-$BATS_TEST_NUMBER
}

# Whatever a test left of $CG in any v1 hierarchy is removed, and fails the test.
teardown() {
	local rc=0 d ctl
	common_teardown || rc=1
	for ctl in memory pids cpuset cpu; do
		d=$(own_dir "$ctl") || continue
		if [ -d "$d/$CG" ]; then
			echo "teardown: cgroup left behind: $d/$CG" >&2
			find "$d/$CG" -depth -type d -exec rmdir {} \; 2>/dev/null || true
			rc=1
		fi
	done
	return "$rc"
}

@test "a relative cgroupsPath puts the init below our own cgroup; delete removes it" {
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

@test "without cgroupsPath the container gets barco-ID-PID below our own cgroup" {
	create_ctr "$CG"
	local pid d
	pid=$(pid_of "$CG")
	d=$(own_dir memory)/barco-$CG-$pid
	grep -qx "$pid" "$d/cgroup.procs"
	grep -qx "$pid" "$(own_dir pids)/barco-$CG-$pid/cgroup.procs"
	barco delete -f "$CG"
	[ ! -e "$d" ] && [ ! -e "$(own_dir pids)/barco-$CG-$pid" ]
}

@test "--cgroup-manager=disabled leaves the container in our cgroup" {
	local pid
	barco --cgroup-manager=disabled create -b "$BUNDLE" "$CG" </dev/null >/dev/null 2>&1
	pid=$(pid_of "$CG")
	[ "$(grep ':memory:' "/proc/$pid/cgroup")" = "$(grep ':memory:' /proc/self/cgroup)" ]
	[ -z "$(find "$(own_dir memory)" -maxdepth 1 -name "barco-$CG-*")" ]
	barco delete -f "$CG"
	run --separate-stderr barco --cgroup-manager=bogus list
	assert_error '"bogus" is not cgroupfs or disabled'

}

@test "memory.limit 8 MiB: a process holding 64 MiB is OOM-killed, and fine without it" {
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

@test "pids.limit 5: forking 10 sleepers fails" {
	update_config --arg p "$CG" '.linux.cgroupsPath = $p | .linux.resources.pids = {limit: 5}'
	run_sh 'cat /sys/fs/cgroup/pids/pids.max; for i in 1 2 3 4 5 6 7 8 9 10; do sleep 100 & done; echo forked'
	echo "$stderr" | grep -q "can't fork"
	[ "${lines[0]}" = 5 ]
	[ ! -e "$(own_dir pids)/$CG" ]
}

@test "a failed create leaves no cgroup behind" {
	# Written after the directories are made: the kernel refuses a CPU that does not exist.
	update_config --arg p "$CG/x" '.linux.cgroupsPath = $p | .linux.resources.cpu = {cpus: "4095"}'
	run --separate-stderr barco create -b "$BUNDLE" ctr </dev/null
	assert_error 'cgroup: write "4095" to cpuset.cpus: '
	local ctl
	for ctl in memory pids cpuset; do
		[ ! -e "$(own_dir "$ctl")/$CG" ] || {
			echo "left behind in $ctl" >&2
			return 1
		}
	done
	run --separate-stderr barco state ctr
	assert_error "container does not exist"
}

@test "an absolute cgroupsPath with .. is refused" {
	update_config '.linux.cgroupsPath = "/barco-bats/../escape"'
	run --separate-stderr barco create -b "$BUNDLE" ctr </dev/null
	assert_error 'has a ".." component: refused'

	[ ! -e /sys/fs/cgroup/memory/escape ]
}

@test "a cgroup namespace has the container's cgroup as its root" {
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
