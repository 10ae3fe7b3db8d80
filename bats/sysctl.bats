#!/usr/bin/env bats
# linux.sysctl: only namespaced keys, each only with the container's own namespace of its kind
# (oci/spec.c); the allowed ones really land in the container's namespaces and nowhere else.
# Also `run --uid`, which takes a strict numeric UID[:GID].

load helpers

teardown() {
	# Namespaces kept alive by a bind mount on a file of the test: unmount them first.
	local f
	for f in "$BATS_TEST_TMPDIR"/ns-*; do
		[ -e "$f" ] || continue
		umount "$f" 2>/dev/null || true
		rm -f "$f"
	done
	common_teardown
}

# sysctl_config JSON: set linux.sysctl.  The default readonlyPaths make /proc/sys read-only;
# the tests of the allow-list leave that out so that they are about the keys alone (the
# read-only case has its own test below).
sysctl_config() {
	update_config --argjson s "$1" '.linux.sysctl = $s
		| .linux.readonlyPaths |= map(select(. != "/proc/sys"))'
}

# host_values FILE...: the host's value of each /proc/sys file, one per line.
host_values() {
	local f
	for f in "$@"; do
		tr '\t' ' ' <"/proc/sys/$f"
	done
}

# create_refused SUBSTRING: create fails with one error line holding SUBSTRING, and leaves
# no state entry behind.
create_refused() {
	run --separate-stderr barco create -b "$BUNDLE" ctr
	assert_error "$1"
	assert_root_empty
}

IPC_FILES=(kernel/msgmax kernel/msgmnb kernel/msgmni kernel/sem kernel/shmall kernel/shmmax
	kernel/shmmni kernel/shm_rmid_forced fs/mqueue/msg_max fs/mqueue/queues_max)

@test "every IPC sysctl is applied in the container's ipc namespace only" {
	local before
	before=$(host_values "${IPC_FILES[@]}")
	sysctl_config '{"kernel.msgmax": "4321", "kernel.msgmnb": "12345", "kernel.msgmni": "111",
		"kernel.sem": "250 32000 32 128", "kernel.shmall": "2097152",
		"kernel.shmmax": "1048576", "kernel.shmmni": "1234", "kernel.shm_rmid_forced": "1",
		"fs.mqueue.msg_max": "7", "fs.mqueue.queues_max": "77"}'
	run_sh "for f in ${IPC_FILES[*]}; do tr '\t' ' ' </proc/sys/\$f; done"
	assert_success
	[ "${#lines[@]}" -eq 10 ] || { show_run; return 1; }
	[ "${lines[0]}" = 4321 ]
	[ "${lines[1]}" = 12345 ]
	[ "${lines[2]}" = 111 ]
	[ "${lines[3]}" = "250 32000 32 128" ]
	[ "${lines[4]}" = 2097152 ]
	[ "${lines[5]}" = 1048576 ]
	[ "${lines[6]}" = 1234 ]
	[ "${lines[7]}" = 1 ]
	[ "${lines[8]}" = 7 ]
	[ "${lines[9]}" = 77 ]
	[ "$(host_values "${IPC_FILES[@]}")" = "$before" ]
}

@test "net sysctls are applied in a new network namespace only" {
	local before
	before=$(host_values net/ipv4/ip_default_ttl net/core/somaxconn)
	sysctl_config '{"net.ipv4.ip_default_ttl": "42", "net.core.somaxconn": "77"}'
	run_sh 'cat /proc/sys/net/ipv4/ip_default_ttl /proc/sys/net/core/somaxconn'
	assert_success
	assert_output "42
77"
	[ "$(host_values net/ipv4/ip_default_ttl net/core/somaxconn)" = "$before" ]
}

@test "net sysctls are applied in a network namespace joined by path" {
	local ns=$BATS_TEST_TMPDIR/ns-net before
	before=$(host_values net/ipv4/ip_default_ttl)
	touch "$ns"
	unshare --net="$ns" true
	sysctl_config '{"net.ipv4.ip_default_ttl": "43"}'
	update_config --arg p "$ns" '.linux.namespaces |= map(
		if .type == "network" then {type: "network", path: $p} else . end)'
	run_sh 'cat /proc/sys/net/ipv4/ip_default_ttl'
	assert_success
	assert_output 43
	# The joined namespace keeps the value after the container is gone.
	[ "$(nsenter --net="$ns" cat /proc/sys/net/ipv4/ip_default_ttl)" = 43 ]
	[ "$(host_values net/ipv4/ip_default_ttl)" = "$before" ]
}

@test "kernel.domainname is applied in a new uts namespace only" {
	local before
	before=$(host_values kernel/domainname)
	[ "$before" != bats.example ] || skip "the host's domainname is already bats.example"
	sysctl_config '{"kernel.domainname": "bats.example"}'
	run_sh 'cat /proc/sys/kernel/domainname'
	assert_success
	assert_output bats.example
	[ "$(host_values kernel/domainname)" = "$before" ]
}

@test "sysctls are applied with the default readonlyPaths (/proc/sys read-only)" {
	jq -e '.linux.readonlyPaths | index("/proc/sys")' "$BUNDLE/config.json" >/dev/null
	update_config '.linux.sysctl = {"kernel.shmmni": "1234", "net.ipv4.ip_default_ttl": "42"}'
	run_sh 'cat /proc/sys/kernel/shmmni /proc/sys/net/ipv4/ip_default_ttl; echo x >/proc/sys/kernel/shmmni || echo read-only'
	assert_success
	[ "${lines[0]}" = 1234 ]
	[ "${lines[1]}" = 42 ]
	[ "${lines[2]}" = read-only ]
}

@test "a sysctl that is not namespaced is refused at create" {
	local key
	for key in kernel.panic vm.swappiness kernel.core_pattern fs.file-max kernel.foo; do
		sysctl_config "{\"$key\": \"1\"}"
		create_refused "config.json: linux.sysctl: \"$key\" is not a namespaced sysctl: refused"
	done
}

@test "kernel.hostname is refused: the hostname field sets it" {
	sysctl_config '{"kernel.hostname": "x"}'
	create_refused '"kernel.hostname" conflicts with the hostname field'
}

@test "sysctl keys with '/' or '..' are refused" {
	local key
	for key in net/ipv4/ip_forward ../../../etc/x net.ipv4..ip_forward net.core.x/../../y; do
		sysctl_config "$(jq -n --arg k "$key" '{($k): "1"}')"
		create_refused "is not a sysctl name"
	done
}

@test "a net sysctl without a network namespace is refused" {
	update_config '.linux.namespaces |= map(select(.type != "network"))'
	sysctl_config '{"net.ipv4.ip_forward": "1"}'
	create_refused '"net.ipv4.ip_forward" needs a network namespace in linux.namespaces'
}

@test "a net sysctl in the host's network namespace joined by path is refused" {
	update_config --arg p "/proc/$$/ns/net" '.linux.namespaces |= map(
		if .type == "network" then {type: "network", path: $p} else . end)'
	sysctl_config '{"net.ipv4.ip_forward": "1"}'
	create_refused "and /proc/$$/ns/net is the runtime's own: refused"
}

@test "an IPC sysctl without an ipc namespace, or in the host's, is refused" {
	update_config '.linux.namespaces |= map(select(.type != "ipc"))'
	sysctl_config '{"fs.mqueue.msg_max": "7"}'
	create_refused '"fs.mqueue.msg_max" needs an ipc namespace in linux.namespaces'
	update_config --arg p "/proc/$$/ns/ipc" '.linux.namespaces += [{type: "ipc", path: $p}]'
	sysctl_config '{"kernel.shmmni": "1234"}'
	create_refused "and /proc/$$/ns/ipc is the runtime's own: refused"
}

@test "kernel.domainname without a new uts namespace is refused" {
	update_config 'del(.hostname) | .linux.namespaces |= map(select(.type != "uts"))'
	sysctl_config '{"kernel.domainname": "x"}'
	create_refused '"kernel.domainname" needs a new uts namespace in linux.namespaces'
}

@test "run --uid takes only a decimal UID or UID:GID" {
	local bad
	for bad in 0x10 -1 +1 ' 1' '1 ' 1: :1 1:2:3 root 4294967295 99999999999999999999; do
		run --separate-stderr barco run --rootfs "$BUNDLE/rootfs" --uid "$bad" -- true
		assert_error "--uid: invalid user \"$bad\""
		assert_root_empty
	done
	run --separate-stderr barco run --rootfs "$BUNDLE/rootfs" --uid 1000:100 -- sh -c 'id -u; id -g'
	assert_success
	assert_output "1000
100"
}
