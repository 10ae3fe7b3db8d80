#!/usr/bin/env bats
# process.capabilities: the five sets as the container sees them in /proc/PID/status, before
# and after exec, their effect (unshare needs CAP_SYS_ADMIN), and the errors.

load helpers

# Capability numbers, from linux/capability.h: index N is capability N.
CAP_NAMES=(CAP_CHOWN CAP_DAC_OVERRIDE CAP_DAC_READ_SEARCH CAP_FOWNER CAP_FSETID CAP_KILL
	CAP_SETGID CAP_SETUID CAP_SETPCAP CAP_LINUX_IMMUTABLE CAP_NET_BIND_SERVICE
	CAP_NET_BROADCAST CAP_NET_ADMIN CAP_NET_RAW CAP_IPC_LOCK CAP_IPC_OWNER CAP_SYS_MODULE
	CAP_SYS_RAWIO CAP_SYS_CHROOT CAP_SYS_PTRACE CAP_SYS_PACCT CAP_SYS_ADMIN CAP_SYS_BOOT
	CAP_SYS_NICE CAP_SYS_RESOURCE CAP_SYS_TIME CAP_SYS_TTY_CONFIG CAP_MKNOD CAP_LEASE
	CAP_AUDIT_WRITE CAP_AUDIT_CONTROL CAP_SETFCAP CAP_MAC_OVERRIDE CAP_MAC_ADMIN CAP_SYSLOG
	CAP_WAKE_ALARM CAP_BLOCK_SUSPEND CAP_AUDIT_READ CAP_PERFMON CAP_BPF
	CAP_CHECKPOINT_RESTORE)

# Docker's default set, the one `barco spec` writes.
DOCKER_MASK=00000000a80425fb

# cap_mask NAME...: the set as /proc/PID/status prints it (16 hex digits).
cap_mask() {
	local name i m=0 found
	for name in "$@"; do
		found=
		for i in "${!CAP_NAMES[@]}"; do
			if [ "${CAP_NAMES[$i]}" = "$name" ]; then
				m=$((m | (1 << i)))
				found=1
			fi
		done
		[ -n "$found" ] || {
			echo "cap_mask: unknown capability $name" >&2
			return 1
		}
	done
	printf '%016x\n' "$m"
}

# status_field PID FIELD: CapEff etc. of a process.
status_field() {
	awk -v f="$2:" '$1 == f {print $2}' "/proc/$1/status"
}

# set_caps SET NAME...: process.capabilities.SET = [NAME...] (no names: an empty list).
set_caps() {
	local set=$1
	shift
	update_config --arg s "$set" --argjson v "$(json_array "$@")" \
		'.process.capabilities[$s] = $v'
}

# Compare a capability line of run_sh output (or a status field) with a mask.
assert_cap() {
	local field=$1 want=$2 got
	got=$(echo "$output" | awk -v f="$field:" '$1 == f {print $2}')
	if [ "$got" != "$want" ]; then
		echo "$field: got '$got', want '$want'" >&2
		show_run
		return 1
	fi
}

assert_status_cap() {
	local pid=$1 field=$2 want=$3 got
	got=$(status_field "$pid" "$field")
	if [ "$got" != "$want" ]; then
		echo "process $pid $field: got '$got', want '$want'" >&2
		grep ^Cap "/proc/$pid/status" >&2
		return 1
	fi
}

# create_fails: `barco create ctr`, with its output in files rather than pipes, so that a
# create that wrongly succeeds cannot hold `run` open; sets what assert_error reads.
# shellcheck disable=SC2034 # output, stderr and stderr_lines are read by assert_error
create_fails() {
	local out=$BATS_TEST_TMPDIR/create.out err=$BATS_TEST_TMPDIR/create.err
	status=0
	barco create -b "$BUNDLE" ctr </dev/null >"$out" 2>"$err" || status=$?
	output=$(cat "$out")
	stderr=$(cat "$err")
	mapfile -t stderr_lines <"$err"
}

host_has_cap() {
	local bnd n=$1
	bnd=$(status_field $$ CapBnd)
	(((0x$bnd >> n) & 1))
}

@test "cap_mask agrees with capsh" {
	command -v capsh >/dev/null || skip "capsh (libcap2-bin) not installed"
	local names
	names=$(capsh --decode=$DOCKER_MASK | sed 's/.*=//' | tr ',' ' ' | tr '[:lower:]' '[:upper:]')
	# shellcheck disable=SC2086
	[ "$(cap_mask $names)" = "$DOCKER_MASK" ]
	[ "$(cap_mask CAP_CHOWN)" = 0000000000000001 ]
	[ "$(cap_mask CAP_CHECKPOINT_RESTORE)" = 0000010000000000 ]
}

@test "the default spec gives Docker's set: bounding, permitted and effective" {
	run_sh 'grep ^Cap /proc/self/status'
	assert_success
	assert_cap CapBnd "$DOCKER_MASK"
	assert_cap CapPrm "$DOCKER_MASK"
	assert_cap CapEff "$DOCKER_MASK"
	assert_cap CapInh 0000000000000000
	assert_cap CapAmb 0000000000000000
}

@test "the init holds exactly the configured sets before exec (root)" {
	set_caps bounding CAP_CHOWN CAP_KILL CAP_NET_RAW CAP_SYS_ADMIN CAP_SETPCAP CAP_BPF
	set_caps permitted CAP_CHOWN CAP_KILL CAP_SYS_ADMIN CAP_BPF
	set_caps effective CAP_KILL CAP_BPF
	set_caps inheritable CAP_CHOWN CAP_KILL CAP_NET_RAW
	set_caps ambient CAP_KILL
	create_ctr ctr
	local pid
	pid=$(pid_of ctr)
	assert_status_cap "$pid" CapBnd "$(cap_mask CAP_CHOWN CAP_KILL CAP_NET_RAW CAP_SYS_ADMIN \
		CAP_SETPCAP CAP_BPF)"
	assert_status_cap "$pid" CapPrm "$(cap_mask CAP_CHOWN CAP_KILL CAP_SYS_ADMIN CAP_BPF)"
	assert_status_cap "$pid" CapEff "$(cap_mask CAP_KILL CAP_BPF)"
	assert_status_cap "$pid" CapInh "$(cap_mask CAP_CHOWN CAP_KILL CAP_NET_RAW)"
	assert_status_cap "$pid" CapAmb "$(cap_mask CAP_KILL)"
}

@test "the init holds exactly the configured sets before exec (uid 1000)" {
	update_config '.process.user = {"uid": 1000, "gid": 1000}'
	set_caps bounding CAP_NET_BIND_SERVICE CAP_CHOWN CAP_KILL CAP_SETFCAP
	set_caps permitted CAP_NET_BIND_SERVICE CAP_CHOWN CAP_KILL
	set_caps effective CAP_CHOWN
	set_caps inheritable CAP_NET_BIND_SERVICE CAP_KILL
	set_caps ambient CAP_NET_BIND_SERVICE
	create_ctr ctr
	local pid
	pid=$(pid_of ctr)
	[ "$(awk '$1 == "Uid:" {print $2}' "/proc/$pid/status")" = 1000 ]
	assert_status_cap "$pid" CapBnd "$(cap_mask CAP_NET_BIND_SERVICE CAP_CHOWN CAP_KILL \
		CAP_SETFCAP)"
	assert_status_cap "$pid" CapPrm "$(cap_mask CAP_NET_BIND_SERVICE CAP_CHOWN CAP_KILL)"
	assert_status_cap "$pid" CapEff "$(cap_mask CAP_CHOWN)"
	assert_status_cap "$pid" CapInh "$(cap_mask CAP_NET_BIND_SERVICE CAP_KILL)"
	assert_status_cap "$pid" CapAmb "$(cap_mask CAP_NET_BIND_SERVICE)"
}

@test "uid 1000 with ambient CAP_NET_BIND_SERVICE keeps it after exec and can bind port 80" {
	update_config '.process.user = {"uid": 1000, "gid": 1000} | del(.linux.seccomp)'
	set_caps bounding CAP_NET_BIND_SERVICE CAP_CHOWN
	set_caps permitted CAP_NET_BIND_SERVICE CAP_CHOWN
	set_caps effective CAP_NET_BIND_SERVICE CAP_CHOWN
	set_caps inheritable CAP_NET_BIND_SERVICE
	set_caps ambient CAP_NET_BIND_SERVICE
	# Without file capabilities, exec leaves a non-root process its ambient set only.
	run_sh 'grep ^Cap /proc/self/status; timeout 1 nc -l -p 80; echo "nc: $?"'
	assert_success
	local bind
	bind=$(cap_mask CAP_NET_BIND_SERVICE)
	assert_cap CapEff "$bind"
	assert_cap CapPrm "$bind"
	assert_cap CapAmb "$bind"
	assert_cap CapInh "$bind"
	assert_cap CapBnd "$(cap_mask CAP_NET_BIND_SERVICE CAP_CHOWN)"
	# nc listened until timeout killed it (143), instead of failing to bind (1).
	[ "${lines[-1]}" = "nc: 143" ] || {
		show_run
		return 1
	}
}

@test "uid 1000 without ambient capabilities has none after exec and cannot bind port 80" {
	update_config '.process.user = {"uid": 1000, "gid": 1000} | del(.linux.seccomp)'
	set_caps bounding CAP_NET_BIND_SERVICE
	set_caps permitted CAP_NET_BIND_SERVICE
	set_caps effective CAP_NET_BIND_SERVICE
	run_sh 'grep ^Cap /proc/self/status; timeout 1 nc -l -p 80; echo "nc: $?"'
	assert_success
	assert_cap CapEff 0000000000000000
	assert_cap CapPrm 0000000000000000
	[ "${lines[-1]}" = "nc: 1" ] || {
		show_run
		return 1
	}
}

@test "without CAP_SYS_ADMIN, unshare -m fails in the container" {
	# The default seccomp profile would refuse unshare too: test the capability alone.
	update_config 'del(.linux.seccomp)'
	run_sh 'unshare -m true && echo unshared || echo refused'
	assert_success
	assert_output refused
}

@test "with CAP_SYS_ADMIN, unshare -m works in the container" {
	update_config 'del(.linux.seccomp)
		| .process.capabilities |= with_entries(.value += ["CAP_SYS_ADMIN"])'
	run_sh 'unshare -m true && echo unshared || echo refused'
	assert_success
	assert_output unshared
}

@test "no capabilities object: the container keeps the runtime's sets" {
	update_config 'del(.process.capabilities)'
	run_sh 'grep ^Cap /proc/self/status'
	assert_success
	assert_cap CapBnd "$(status_field $$ CapBnd)"
	assert_cap CapEff "$(status_field $$ CapEff)"
}

@test "empty sets: the container has no capabilities at all" {
	update_config '.process.capabilities = {"bounding": [], "effective": [], "permitted": [],
		"inheritable": [], "ambient": []}'
	run_sh 'grep ^Cap /proc/self/status'
	assert_success
	local f
	for f in CapBnd CapPrm CapEff CapInh CapAmb; do
		assert_cap "$f" 0000000000000000
	done
}

@test "an unknown capability fails create, naming it, and leaves nothing behind" {
	set_caps bounding CAP_CHOWN CAP_KILL CAP_FOO
	create_fails
	assert_error 'config.json: process.capabilities.bounding[2]: unknown capability "CAP_FOO"'
	assert_root_empty
}

@test "a lower-case capability name is refused, with the exact name suggested" {
	set_caps ambient cap_net_bind_service
	create_fails
	assert_error 'config.json: process.capabilities.ambient[0]: unknown capability "cap_net_bind_service" (did you mean "CAP_NET_BIND_SERVICE"?)'
	assert_root_empty
}

@test "effective not in permitted fails create, naming the capability" {
	set_caps effective CAP_CHOWN CAP_NET_ADMIN
	create_fails
	assert_error "set capabilities: effective capability CAP_NET_ADMIN is not in the permitted set"
	assert_root_empty
}

@test "ambient not in inheritable fails create, naming the capability" {
	set_caps inheritable CAP_CHOWN
	set_caps ambient CAP_CHOWN CAP_KILL
	create_fails
	assert_error "raise ambient capability CAP_KILL: it is not in the inheritable set"
	assert_root_empty
}

@test "CAP_SYS_RESOURCE outside the host's bounding set is left out, with a debug log" {
	host_has_cap 24 && skip "this host's bounding set has CAP_SYS_RESOURCE"
	# As docker --privileged would: every capability in every set.
	update_config --argjson all "$(json_array "${CAP_NAMES[@]}")" \
		'.process.capabilities = {"bounding": $all, "effective": $all,
		 "permitted": $all, "inheritable": $all}'
	set_args sh -c 'grep ^Cap /proc/self/status'
	local log=$BATS_TEST_TMPDIR/barco.log
	run --separate-stderr barco --log "$log" --log-format json --debug run -b "$BUNDLE" ctr
	assert_success
	local host
	host=$(status_field $$ CapBnd)
	assert_cap CapBnd "$host"
	assert_cap CapPrm "$host"
	assert_cap CapInh "$host"
	assert_cap CapEff "$host"
	local msgs
	msgs=$(jq -r 'select(.level == "debug") | .msg' "$log")
	[[ "$msgs" == *"CAP_SYS_RESOURCE in process.capabilities.bounding left out"* ]] || {
		echo "no debug line about CAP_SYS_RESOURCE in: $msgs" >&2
		return 1
	}
	[[ "$msgs" == *"CAP_SYS_RESOURCE in process.capabilities.permitted left out"* ]]
}

@test "CAP_SYS_RESOURCE in the bounding set only: the container still starts without it" {
	host_has_cap 24 && skip "this host's bounding set has CAP_SYS_RESOURCE"
	update_config '.process.capabilities.bounding += ["CAP_SYS_RESOURCE"]'
	run_sh 'grep ^Cap /proc/self/status'
	assert_success
	assert_cap CapBnd "$DOCKER_MASK"
	assert_cap CapEff "$DOCKER_MASK"
}
