# shellcheck shell=bash
# Shared by the cgroup*.bats files that name their container's cgroup $CG (below the test's
# own cgroup): load it after helpers.

# Every directory named $CG below a cgroup mount is a leftover: removed, and the test fails.
teardown() {
	local rc=0 d
	common_teardown || rc=1
	for d in $(find /sys/fs/cgroup -mindepth 1 -maxdepth 12 -type d -name "$CG" 2>/dev/null); do
		echo "teardown: cgroup left behind: $d" >&2
		find "$d" -depth -type d -exec rmdir {} \; 2>/dev/null || true
		rc=1
	done
	return "$rc"
}

# own_dir CONTROLLER: this shell's cgroup directory holding CONTROLLER (on v2: the one).
own_dir() {
	local ctl=$1 mp root own
	if [ "$(cgroup_mode)" = v2 ]; then
		own=$(sed -n 's/^0:://p' /proc/self/cgroup)
		echo "/sys/fs/cgroup${own%/}"
		return
	fi
	mp=/sys/fs/cgroup/$ctl
	root=$(awk -v mp="$mp" '$5 == mp && $0 ~ / - cgroup / {print $4; exit}' /proc/self/mountinfo)
	own=$(awk -F: -v c="$ctl" '{n = split($2, a, ","); for (i = 1; i <= n; i++) if (a[i] == c) print $3}' /proc/self/cgroup)
	[ -n "$root" ] && [ -n "$own" ] || return 1
	[ "$root" = / ] && root=
	own=${own#"$root"}
	echo "$mp${own%/}"
}

# The cgroup $CG of a container: the directory pause freezes (the v1 freezer or the v2
# cgroup), and whether it is frozen now (0/1).
freezer_dir() {
	echo "$(own_dir freezer)/$CG"
}
frozen_now() {
	if [ "$(cgroup_mode)" = v2 ]; then
		sed -n 's/^frozen //p' "$(freezer_dir)/cgroup.events"
	else
		[ "$(cat "$(freezer_dir)/freezer.state")" = FROZEN ] && echo 1 || echo 0
	fi
}

# Counters for pause tests: a container writes a growing number to a file; each test file
# defines count() as counter_value FILE (its value, 0 before the first write).
counter_value() {
	cat "$1" 2>/dev/null || echo 0
}

# wait_counter_moves FROM: count goes past FROM within 10 s.
wait_counter_moves() {
	local from=$1 i
	for ((i = 0; i < 100; i++)); do
		[ "$(count)" -gt "$from" ] && return 0
		sleep 0.1
	done
	echo "the counter stays at $(count) (from $from)" >&2
	return 1
}
