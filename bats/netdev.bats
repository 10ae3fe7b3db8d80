#!/usr/bin/env bats
# linux.netDevices: host interfaces moved into the container's network namespace, renamed
# (or named by a %d template), with their permanent global addresses, set up; never moved
# back.  The devices are veth pairs (this kernel has no dummy links): the container gets one
# end, the other stays on the host, up, so that the moved end gets a carrier.

load helpers

setup() {
	common_setup
	command -v ip >/dev/null || skip "ip (iproute2) is not installed"
	VETHS=()
	NETNS_NAME=
	# Unique per bats process and test: other suites may run at the same time.
	DEV=bn$$t$BATS_TEST_NUMBER
}

teardown() {
	local v
	# Deleting one end of a veth deletes both; a moved end is in a namespace of its own.
	for v in "${VETHS[@]}"; do
		ip link del "$v" 2>/dev/null || ip link del "${v}p" 2>/dev/null || true
	done
	if [ -n "$NETNS_NAME" ]; then
		ip netns delete "$NETNS_NAME" 2>/dev/null || true
	fi
	common_teardown
}

# make_veth NAME N: a veth pair NAME / NAMEp with the peer up.  NAME gets the permanent
# global addresses 192.0.2.N/24 and 2001:db8:b::N/64, which must follow it, and three that
# must not: a dynamic IPv4 and IPv6 address (with lifetimes) and a link-scoped one.
make_veth() {
	local name=$1 n=$2
	ip link add "$name" type veth peer name "${name}p" || skip "no veth support"
	VETHS+=("$name")
	ip link set "${name}p" up
	ip addr add "192.0.2.$n/24" dev "$name"
	ip -6 addr add "2001:db8:b::$n/64" dev "$name" nodad
	ip addr add "192.0.2.$((n + 100))/24" dev "$name" valid_lft 300 preferred_lft 300
	ip -6 addr add "2001:db8:c::$n/64" dev "$name" valid_lft 300 preferred_lft 300 nodad
	ip addr add "198.51.100.$n/24" dev "$name" scope link
}

# net_devices JSON: linux.netDevices = JSON.
net_devices() {
	update_config --argjson d "$1" '.linux.netDevices = $d'
}

# report_devs NAME...: the container prints, per device, "NAME operstate FLAGS" (operstate
# waited for: the kernel settles it asynchronously) and its addresses, then the devices it
# has and "done", and stays.
report_devs() {
	local script='for d in "$@"; do
		for i in $(seq 50); do
			[ "$(cat /sys/class/net/$d/operstate)" = up ] && break
			sleep 0.1
		done
		echo "$d $(cat /sys/class/net/$d/operstate) $(cat /sys/class/net/$d/flags)"
		ip addr show dev "$d"
	done
	echo "devices: $(ls /sys/class/net | sort | tr "\n" " ")"
	echo done
	exec sleep 1000'
	set_args sh -c "$script" sh "$@"
}

# assert_moved NAME N: the report shows NAME up (IFF_UP and operstate up) with exactly the
# two addresses that had to follow it.
assert_moved() {
	local name=$1 n=$2 out
	out=$(cat "$BATS_TEST_TMPDIR/out")
	grep -qx "$name up 0x1003" <<<"$out" || {
		echo "$name is not up:" >&2
		echo "$out" >&2
		return 1
	}
	# The addresses of NAME: the lines after its report line, up to the next device.
	out=$(awk -v d="$name" '$1 == d && NF == 3 {on = 1; next} NF == 3 && $1 != d {on = 0}
		on' "$BATS_TEST_TMPDIR/out")
	if ! grep -q "inet 192.0.2.$n/24 .*scope global $name" <<<"$out" ||
		! grep -q "inet6 2001:db8:b::$n/64 scope global" <<<"$out"; then
		echo "$name lacks its permanent addresses:" >&2
		echo "$out" >&2
		return 1
	fi
	if grep -qE "192\.0\.2\.$((n + 100))/|2001:db8:c::|198\.51\.100\." <<<"$out"; then
		echo "$name got a dynamic or link-scoped address:" >&2
		echo "$out" >&2
		return 1
	fi
}

# wait_link_gone NAME: the host has no link NAME, within 5 s (namespaces die asynchronously).
wait_link_gone() {
	local i
	for ((i = 0; i < 50; i++)); do
		ip link show "$1" >/dev/null 2>&1 || return 0
		sleep 0.1
	done
	echo "link $1 is still on the host after 5 s" >&2
	return 1
}

# start_and_report ID: start the created container and wait for its report.
start_and_report() {
	barco start "$1"
	wait_for_output "done"
}

# assert_moved_in_netns NAME N: as assert_moved, seen from the host in $NETNS_NAME.
assert_moved_in_netns() {
	local name=$1 n=$2 i out
	for ((i = 0; i < 50; i++)); do
		ip -n "$NETNS_NAME" link show dev "$name" | grep -q "state UP" && break
		sleep 0.1
	done
	out=$(ip -n "$NETNS_NAME" addr show dev "$name")
	if ! grep -q "state UP" <<<"$out" ||
		! grep -q "inet 192.0.2.$n/24 .*scope global $name" <<<"$out" ||
		! grep -q "inet6 2001:db8:b::$n/64 scope global" <<<"$out" ||
		grep -qE "192\.0\.2\.$((n + 100))/|2001:db8:c::|198\.51\.100\." <<<"$out"; then
		echo "$name in $NETNS_NAME is not up with exactly its permanent addresses:" >&2
		echo "$out" >&2
		return 1
	fi
}

use_netns_path() {
	NETNS_NAME=barco-bats-nd-$$-$BATS_TEST_NUMBER
	ip netns add "$NETNS_NAME"
	update_config --arg p "/run/netns/$NETNS_NAME" '.linux.namespaces |= map(
		if .type == "network" then {type: "network", path: $p} else . end)'
}

@test "a device moves into the container with its name, permanent global addresses, up" {
	make_veth "${DEV}a" 11
	net_devices "{\"${DEV}a\": {}}"
	report_devs "${DEV}a"
	create_ctr ctr
	# At create already: gone from the host, its peer now links into another namespace.
	run ip link show "${DEV}a"
	[ "$status" -ne 0 ]
	ip -d link show "${DEV}ap" | grep -q link-netns
	start_and_report ctr
	assert_moved "${DEV}a" 11
	grep -qx "devices: ${DEV}a lo " "$BATS_TEST_TMPDIR/out"
	# Never moved back: delete destroys the namespace, and with it the veth pair.
	barco delete -f ctr
	wait_link_gone "${DEV}a"
	wait_link_gone "${DEV}ap"
}

@test "a device is renamed, and the host name does not exist in the container" {
	make_veth "${DEV}a" 12
	net_devices "{\"${DEV}a\": {\"name\": \"eth0\"}}"
	report_devs eth0
	create_ctr ctr
	start_and_report ctr
	assert_moved eth0 12
	grep -qx "devices: eth0 lo " "$BATS_TEST_TMPDIR/out"
	run ip link show "${DEV}a"
	[ "$status" -ne 0 ]
}

@test "a %d template lets the kernel number the devices in the container" {
	make_veth "${DEV}a" 13
	make_veth "${DEV}b" 14
	net_devices "{\"${DEV}a\": {\"name\": \"net%d\"}, \"${DEV}b\": {\"name\": \"net%d\"}}"
	report_devs net0 net1
	create_ctr ctr
	start_and_report ctr
	# Moved in the order of the config: the first gets net0.
	assert_moved net0 13
	assert_moved net1 14
	grep -qx "devices: lo net0 net1 " "$BATS_TEST_TMPDIR/out"
}

@test "devices move into a new network namespace owned by a new user namespace" {
	chmod o+x "$BATS_RUN_TMPDIR"
	update_config '.linux.namespaces += [{type: "user"}]
		| .linux.uidMappings = [{containerID: 0, hostID: 100000, size: 65536}]
		| .linux.gidMappings = [{containerID: 0, hostID: 100000, size: 65536}]'
	make_veth "${DEV}a" 15
	net_devices "{\"${DEV}a\": {\"name\": \"eth0\"}}"
	report_devs eth0
	create_ctr ctr
	[ "$(readlink "/proc/$(pid_of ctr)/ns/user")" != "$(readlink /proc/self/ns/user)" ]
	start_and_report ctr
	assert_moved eth0 15
}

@test "devices move into a network namespace joined by path, and stay there after delete" {
	make_veth "${DEV}a" 16
	use_netns_path
	net_devices "{\"${DEV}a\": {\"name\": \"eth0\"}}"
	report_devs eth0
	create_ctr ctr
	start_and_report ctr
	assert_moved eth0 16
	barco delete -f ctr
	# Not moved back on delete: the namespace outlives the container, and so does eth0.
	ip -n "$NETNS_NAME" -o addr show dev eth0 | grep -q "inet 192.0.2.16/24"
	run ip link show "${DEV}a"
	[ "$status" -ne 0 ]
}

@test "a joined namespace whose devices hold the moved devices' indexes (two stages)" {
	local ia ib
	make_veth "${DEV}a" 17
	make_veth "${DEV}b" 18
	ia=$(cat "/sys/class/net/${DEV}a/ifindex")
	ib=$(cat "/sys/class/net/${DEV}b/ifindex")
	use_netns_path
	# The kernel must give the moved devices new indexes: found again by name (eth0), and,
	# for a template, as what is new in the namespace.
	ip -n "$NETNS_NAME" link add name blk0 index "$ia" type veth peer name blk1 index "$ib"
	# A new user namespace with a joined one: the two-stage start.  It cannot mount a sysfs
	# for a network namespace it does not own: no /sys, the host looks instead.
	chmod o+x "$BATS_RUN_TMPDIR"
	update_config '.linux.namespaces += [{type: "user"}]
		| .linux.uidMappings = [{containerID: 0, hostID: 100000, size: 65536}]
		| .linux.gidMappings = [{containerID: 0, hostID: 100000, size: 65536}]
		| .mounts |= map(select(.destination | startswith("/sys") | not))'
	net_devices "{\"${DEV}a\": {\"name\": \"eth0\"}, \"${DEV}b\": {\"name\": \"eth%d\"}}"
	create_ctr ctr
	assert_moved_in_netns eth0 17
	assert_moved_in_netns eth1 18
	[ "$(ip -n "$NETNS_NAME" -o link show dev eth0 | cut -d: -f1)" != "$ia" ]
	[ "$(ip -n "$NETNS_NAME" -o link show dev eth1 | cut -d: -f1)" != "$ib" ]
	barco start ctr
	[ "$(status_of ctr)" = running ]
}

@test "a device that does not exist fails create and leaves nothing" {
	net_devices "{\"${DEV}x\": {}}"
	run --separate-stderr barco create -b "$BUNDLE" ctr
	assert_error "netDevices: move ${DEV}x into the container: No such device"
	assert_root_empty
}

@test "a name taken in the container fails create; the device stays on the host" {
	make_veth "${DEV}a" 19
	net_devices "{\"${DEV}a\": {\"name\": \"lo\"}}"
	run --separate-stderr barco create -b "$BUNDLE" ctr
	assert_error "netDevices: move ${DEV}a into the container as lo: the container already has a device lo (a name ending in %d lets the kernel pick a free one)"
	assert_root_empty
	ip -o addr show dev "${DEV}a" | grep -q "inet 192.0.2.19/24"
}

@test "a failure after a device moved leaves nothing: the moved veth dies with the namespace" {
	make_veth "${DEV}a" 20
	net_devices "{\"${DEV}a\": {}, \"${DEV}x\": {}}"
	run --separate-stderr barco create -b "$BUNDLE" ctr
	assert_error "netDevices: move ${DEV}x into the container: No such device"
	assert_root_empty
	wait_link_gone "${DEV}ap"
}

@test "netDevices without a network namespace fails create" {
	make_veth "${DEV}a" 21
	update_config '.linux.namespaces |= map(select(.type != "network"))'
	net_devices "{\"${DEV}a\": {}}"
	run --separate-stderr barco create -b "$BUNDLE" ctr
	assert_error "config.json: linux.netDevices: moving network devices needs a network namespace in linux.namespaces"
	assert_root_empty
	ip link show "${DEV}a" >/dev/null
}

@test "netDevices into the runtime's own network namespace (by path) fails create" {
	make_veth "${DEV}a" 22
	update_config --arg p "/proc/$$/ns/net" '.linux.namespaces |= map(
		if .type == "network" then {type: "network", path: $p} else . end)'
	net_devices "{\"${DEV}a\": {\"name\": \"eth0\"}}"
	run --separate-stderr barco create -b "$BUNDLE" ctr
	assert_error "the network namespace /proc/$$/ns/net is the runtime's own"
	assert_root_empty
	ip link show "${DEV}a" >/dev/null
}

@test "invalid interface names fail create" {
	net_devices '{"bad/name": {}}'
	run --separate-stderr barco create -b "$BUNDLE" ctr
	assert_error 'config.json: linux.netDevices["bad/name"]: not a valid interface name'
	net_devices '{"eth9": {"name": "a%sb%d"}}'
	run --separate-stderr barco create -b "$BUNDLE" ctr
	assert_error 'config.json: linux.netDevices["eth9"].name: "a%sb%d" is not a valid interface name'
	net_devices '{"eth9": {"name": "a-name-longer-than-15"}}'
	run --separate-stderr barco create -b "$BUNDLE" ctr
	assert_error '"a-name-longer-than-15" is not a valid interface name'
	assert_root_empty
}
