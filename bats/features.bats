#!/usr/bin/env bats
# `barco features`: the runtime-spec Features structure, checked against the spec's JSON
# schema, and every claim checked against what create really does: each listed mount option,
# namespace, capability, seccomp name and memory policy is taken by a container, and a name
# that is not listed is refused (so the checks can tell the two apart).

load helpers

SCHEMA_DIR=$BATS_TEST_DIRNAME/../../shared/runtime-spec/schema

setup() {
	common_setup || return 1
	FEATURES=$BATS_TEST_TMPDIR/features.json
	"$BARCO" features >"$FEATURES"
	NETDEV=
}

teardown() {
	if [ -n "$NETDEV" ]; then
		ip link del "$NETDEV" 2>/dev/null || true
	fi
	common_teardown
}

# features JQ-FILTER: jq -r over the features document.
features() {
	jq -r "$@" "$FEATURES"
}

# create_refused MESSAGE: create ctr fails with MESSAGE and leaves nothing.
create_refused() {
	run --separate-stderr barco create -b "$BUNDLE" ctr
	assert_error "$1"
	assert_root_empty
}

@test "features prints JSON that the runtime-spec features schema validates" {
	[ -f "$SCHEMA_DIR/features-schema.json" ] || skip "no runtime-spec schema at $SCHEMA_DIR"
	/usr/bin/python3 -c 'import jsonschema' 2>/dev/null ||
		skip "needs Debian's python3-jsonschema (apt-get install python3-jsonschema)"
	# The schema's $refs name files beside it: resolve them from its directory.  A copy
	# with a namespace the spec does not know must fail, or the $refs were not followed.
	run /usr/bin/python3 -c '
import json, os, sys, jsonschema
d = os.path.abspath(sys.argv[1])
schema = json.load(open(os.path.join(d, "features-schema.json")))
resolver = jsonschema.RefResolver(base_uri="file://" + d + "/", referrer=schema)
v = jsonschema.Draft4Validator(schema, resolver=resolver)
doc = json.load(open(sys.argv[2]))
errors = ["/".join(map(str, e.path)) + ": " + e.message for e in v.iter_errors(doc)]
doc["linux"]["namespaces"].append("bogus")
doc["linux"]["seccomp"]["actions"].append("SCMP_ACT_BOGUS")
if len(list(v.iter_errors(doc))) != 2:
    errors.append("the validator does not see invalid names: $refs unresolved?")
print("\n".join(errors) if errors else "valid")
' "$SCHEMA_DIR" "$FEATURES"
	assert_success
	assert_output valid
	# Pretty-printed like runc's, and nothing but the document on stdout.
	[ "$(sed -n 2p "$FEATURES")" = '  "ociVersionMin": "1.0.0",' ]
	[ "$(jq -s length "$FEATURES")" -eq 1 ]
}

@test "features claims spec versions 1.0.0 to 1.3.0, and create takes both" {
	[ "$(features .ociVersionMin)" = 1.0.0 ]
	[ "$(features .ociVersionMax)" = 1.3.0 ]
	for v in "$(features .ociVersionMin)" "$(features .ociVersionMax)"; do
		update_config --arg v "$v" '.ociVersion = $v'
		create_ctr ctr
		barco delete -f ctr
	done
	update_config '.ociVersion = "1.4.0"'
	create_refused 'unsupported version "1.4.0"'
}

@test "features needs neither root, a bundle nor the state root, and says the same" {
	local outside=$BATS_TEST_TMPDIR/nobundle
	mkdir "$outside"
	run --separate-stderr bash -c 'cd "$1" && "$2" --root "$3" features' _ "$outside" "$BARCO" \
		"$BATS_TEST_TMPDIR/no/such/root"
	assert_success
	[ -z "$stderr" ]
	[ "$output" = "$(cat "$FEATURES")" ]
	[ ! -e "$BATS_TEST_TMPDIR/no" ]
	setpriv --reuid=65534 --regid=65534 --clear-groups test -x "$BARCO" ||
		skip "$BARCO is not executable by uid 65534"
	run --separate-stderr setpriv --reuid=65534 --regid=65534 --clear-groups \
		bash -c 'cd / && "$1" --root /run/barco-no-such-root features' _ "$BARCO"
	assert_success
	[ -z "$stderr" ]
	# The kernel's answer on seccomp flags needs no privilege either.
	[ "$output" = "$(cat "$FEATURES")" ]
	[ ! -e /run/barco-no-such-root ]
}

@test "features takes no arguments" {
	run --separate-stderr barco features extra
	assert_error 'unexpected argument "extra"'
	run --separate-stderr barco features --bogus
	assert_error '"--bogus"'
	run --separate-stderr barco features --help
	assert_success
	assert_output_contains "Usage: barco [GLOBAL OPTIONS] features"
}

@test "the hooks listed are the six of the spec, in lifecycle order" {
	[ "$(features '.hooks | join(",")')" = \
		prestart,createRuntime,createContainer,startContainer,poststart,poststop ]
}

@test "every plain mount option listed is taken by create on a tmpfs, and works" {
	local opt n=0
	for opt in $(features '.mountOptions[]'); do
		case $opt in
		bind | rbind | remount | idmap | ridmap) continue ;; # tested below
		esac
		update_config --arg o "$opt" '.mounts += [{destination: ("/mnt/opt-" + $o),
			type: "tmpfs", source: "tmpfs", options: [$o]}]'
		n=$((n + 1))
	done
	[ "$n" -ge 55 ]
	create_ctr ctr
	local mi=/proc/$(pid_of ctr)/mountinfo
	[ "$(grep -c ' /mnt/opt-' "$mi")" -eq "$n" ]
	# A sample of what the words do (mountinfo: field 6 per mount, 7.. optional fields).
	awk '$5 == "/mnt/opt-ro" {exit $6 !~ /(^|,)ro(,|$)/}' "$mi"
	awk '$5 == "/mnt/opt-rw" {exit $6 !~ /(^|,)rw(,|$)/}' "$mi"
	awk '$5 == "/mnt/opt-rro" {exit $6 !~ /(^|,)ro(,|$)/}' "$mi"
	awk '$5 == "/mnt/opt-nosuid" {exit $6 !~ /nosuid/}' "$mi"
	awk '$5 == "/mnt/opt-rnosuid" {exit $6 !~ /nosuid/}' "$mi"
	awk '$5 == "/mnt/opt-nodev" {exit $6 !~ /nodev/}' "$mi"
	awk '$5 == "/mnt/opt-noexec" {exit $6 !~ /noexec/}' "$mi"
	awk '$5 == "/mnt/opt-rnoexec" {exit $6 !~ /noexec/}' "$mi"
	awk '$5 == "/mnt/opt-noatime" {exit $6 !~ /noatime/}' "$mi"
	awk '$5 == "/mnt/opt-nosymfollow" {exit $6 !~ /nosymfollow/}' "$mi"
	awk '$5 == "/mnt/opt-shared" {exit $7 !~ /^shared:/}' "$mi"
	awk '$5 == "/mnt/opt-rshared" {exit $7 !~ /^shared:/}' "$mi"
	awk '$5 == "/mnt/opt-private" {exit $7 != "-"}' "$mi"
	barco delete -f ctr
	# The check tells a recognised word from one passed to tmpfs as data.
	update_config '.mounts += [{destination: "/mnt/unknown", type: "tmpfs", source: "tmpfs",
		options: ["frobnicate"]}]'
	create_refused "mount tmpfs on /mnt/unknown"
}

@test "the bind, rbind, remount, idmap and ridmap options listed work" {
	local src=$BATS_TEST_TMPDIR/src
	mkdir -p "$src/sub"
	touch "$src/marker"
	chown 1000:1000 "$src/marker"
	for opt in bind rbind remount idmap ridmap; do
		[ "$(features --arg o "$opt" '.mountOptions | index($o) != null')" = true ] || {
			echo "$opt is not listed" >&2
			return 1
		}
	done
	# A mount of type "none" is made only when bind/rbind is recognised.
	update_config --arg s "$src" '.mounts += [
		{destination: "/mnt/bind", type: "none", source: $s, options: ["bind"]},
		{destination: "/mnt/rbind", type: "none", source: $s, options: ["rbind"]},
		{destination: "/mnt/sized", type: "tmpfs", source: "tmpfs", options: ["size=1m"]},
		{destination: "/mnt/sized", type: "tmpfs", source: "tmpfs",
			options: ["remount", "size=2m"]},
		{destination: "/mnt/idmap", type: "bind", source: $s, options: ["bind", "idmap"],
			uidMappings: [{containerID: 1000, hostID: 0, size: 1}],
			gidMappings: [{containerID: 1000, hostID: 0, size: 1}]},
		{destination: "/mnt/ridmap", type: "bind", source: $s, options: ["rbind", "ridmap"],
			uidMappings: [{containerID: 1000, hostID: 0, size: 1}],
			gidMappings: [{containerID: 1000, hostID: 0, size: 1}]}]'
	run_sh 'ls /mnt/bind/marker /mnt/rbind/marker
		grep -c " /mnt/sized " /proc/self/mountinfo
		grep " /mnt/sized " /proc/self/mountinfo | grep -o "size=[0-9]*k"
		stat -c %u:%g /mnt/idmap/marker /mnt/ridmap/marker /mnt/bind/marker'
	assert_success
	[ "${lines[0]}" = /mnt/bind/marker ]
	[ "${lines[1]}" = /mnt/rbind/marker ]
	# "remount" changed the tmpfs in place: one mount, 2 MiB.
	[ "${lines[2]}" = 1 ]
	[ "${lines[3]}" = size=2048k ]
	# On-disk 1000 shows as 0 through the idmapped mounts only.
	[ "${lines[4]}" = 0:0 ]
	[ "${lines[5]}" = 0:0 ]
	[ "${lines[6]}" = 1000:1000 ]
}

@test "mountOptions holds everything runc lists, rro for containerd, and no filesystem data" {
	local opt
	for opt in rro rbind rprivate ro nosuid nodev noexec; do
		[ "$(features --arg o "$opt" '.mountOptions | index($o) != null')" = true ]
	done
	for opt in size mode uid gid nr_inodes; do
		[ "$(features --arg o "$opt" '.mountOptions | index($o) == null')" = true ]
	done
	# Sorted and without duplicates, as runc prints it.
	[ "$(features '.mountOptions == (.mountOptions | unique)')" = true ]
	# tmpcopyup is taken with a warning but copies nothing yet: it is not claimed.
	[ "$(features '.mountOptions | index("tmpcopyup") == null')" = true ]
	update_config '.mounts += [{destination: "/mnt/t", type: "tmpfs", source: "tmpfs",
		options: ["tmpcopyup"]}]'
	create_ctr ctr
	grep -q "tmpcopyup is not supported yet" "$BATS_TEST_TMPDIR/err"
	command -v runc >/dev/null || skip "runc is not installed"
	runc features >"$BATS_TEST_TMPDIR/runc.json" 2>/dev/null || skip "this runc has no features"
	run jq -r --slurpfile b "$FEATURES" '.mountOptions - $b[0].mountOptions | .[]' \
		"$BATS_TEST_TMPDIR/runc.json"
	assert_success
	assert_output tmpcopyup
}

@test "every namespace listed is new in a container that asks for it" {
	local ns proc
	# The spec's whole list (defs-linux.json), and nothing else.
	if [ -f "$SCHEMA_DIR/defs-linux.json" ]; then
		[ "$(features '.linux.namespaces | sort | join(",")')" = \
			"$(jq -r '.definitions.NamespaceType.enum | sort | join(",")' \
				"$SCHEMA_DIR/defs-linux.json")" ]
	fi
	# user: root is host 100000, which must reach the bundle through the 0700 run dir.
	chmod o+x "$BATS_RUN_TMPDIR"
	update_config --argjson t "$(features -c '.linux.namespaces')" \
		'.linux.namespaces = [$t[] | {type: .}]
		 | .linux.uidMappings = [{containerID: 0, hostID: 100000, size: 65536}]
		 | .linux.gidMappings = [{containerID: 0, hostID: 100000, size: 65536}]'
	create_ctr ctr
	local pid
	pid=$(pid_of ctr)
	for ns in $(features '.linux.namespaces[]'); do
		case $ns in
		network) proc=net ;;
		mount) proc=mnt ;;
		*) proc=$ns ;;
		esac
		[ -e "/proc/self/ns/$proc" ] || continue
		[ "$(ns_of "$pid" "$proc")" != "$(ns_of $$ "$proc")" ] || {
			echo "namespace $ns is the host's" >&2
			return 1
		}
	done
	[ "$(features '.linux.namespaces | index("time") != null')" = true ]
	[ "$(features '.linux.namespaces | index("user") != null')" = true ]
	barco delete -f ctr
	update_config '.linux.namespaces += [{type: "bogus"}]'
	create_refused 'unknown namespace type "bogus"'
}

@test "every capability listed is taken in every set" {
	local last
	last=$(cat /proc/sys/kernel/cap_last_cap)
	# Every capability of the running kernel has its name, in the kernel's order.
	[ "$(features '.linux.capabilities | length')" -ge $((last + 1)) ]
	[ "$(features '.linux.capabilities[0]')" = CAP_CHOWN ]
	[ "$(features '.linux.capabilities[21]')" = CAP_SYS_ADMIN ]
	update_config --argjson c "$(features -c '.linux.capabilities')" \
		'.process.capabilities = {bounding: $c, effective: $c, inheritable: $c,
			permitted: $c, ambient: $c}'
	run_sh 'grep -E "^Cap(Bnd|Amb)" /proc/self/status'
	assert_success
	# barco leaves out only what it does not hold itself (CAP_SYS_RESOURCE on these hosts).
	local host
	host=$(awk '$1 == "CapBnd:" {print $2}' /proc/self/status)
	[ "${lines[0]}" = "CapBnd:	$host" ]
	[ "${lines[1]}" = "CapAmb:	$host" ]
	update_config '.process.capabilities.bounding += ["CAP_BOGUS"]'
	create_refused 'unknown capability "CAP_BOGUS"'
}

@test "every seccomp action, operator, architecture and supported flag listed is taken" {
	local actions ops
	[ "$(features .linux.seccomp.enabled)" = true ]
	# One rule per action (NOTIFY needs a listener: below) and per operator, each on a
	# syscall the container never makes; mkdir is refused to see the filter at work.
	actions=$(features -c '[.linux.seccomp.actions[] | select(. != "SCMP_ACT_NOTIFY")]')
	ops=$(features -c '.linux.seccomp.operators')
	update_config --argjson a "$actions" --argjson o "$ops" \
		--argjson arch "$(features -c .linux.seccomp.archs)" \
		--argjson fl "$(features -c .linux.seccomp.supportedFlags)" '
		["acct", "swapon", "swapoff", "vhangup", "syslog", "quotactl", "uselib",
		 "kexec_load", "init_module", "delete_module", "sethostname", "setdomainname",
		 "iopl", "ioperm", "create_module", "get_kernel_syms"] as $pool
		| .linux.seccomp = {defaultAction: "SCMP_ACT_ALLOW", architectures: $arch,
			flags: $fl,
			syscalls: ([range($a | length) | {names: [$pool[.]], action: $a[.]}]
				+ [range($o | length) | {names: [$pool[. + ($a | length)]],
					action: "SCMP_ACT_ERRNO",
					args: [{index: 0, value: 1, valueTwo: 1, op: $o[.]}]}]
				+ [{names: ["mkdir", "mkdirat"], action: "SCMP_ACT_ERRNO",
					errnoRet: 1}])}'
	[ "$(jq '.linux.seccomp.syscalls | length' "$BUNDLE/config.json")" -eq \
		$(($(jq length <<<"$actions") + $(jq length <<<"$ops") + 1)) ]
	run_sh 'mkdir /tmp/x 2>/dev/null || echo mkdir-refused'
	assert_success
	assert_output mkdir-refused
	# NOTIFY is recognised: what is missing is the listener, not the name.
	[ "$(features '.linux.seccomp.actions | index("SCMP_ACT_NOTIFY") != null')" = true ]
	update_config '.linux.seccomp = {defaultAction: "SCMP_ACT_ALLOW",
		syscalls: [{names: ["acct"], action: "SCMP_ACT_NOTIFY"}]}'
	create_refused "SCMP_ACT_NOTIFY is used but listenerPath is not set"
	update_config '.linux.seccomp.syscalls[0].action = "SCMP_ACT_BOGUS"'
	create_refused 'unknown seccomp action "SCMP_ACT_BOGUS"'
}

@test "seccomp archs are the native ones libseccomp has, flags are the kernel's" {
	# A filter of this build holds the native architecture and its byte order's others.
	case $(uname -m) in
	x86_64)
		for a in SCMP_ARCH_X86_64 SCMP_ARCH_X86 SCMP_ARCH_X32; do
			[ "$(features --arg a "$a" '.linux.seccomp.archs | index($a) != null')" = true ]
		done
		# s390x is big-endian: libseccomp cannot put it in an x86_64 filter.
		[ "$(features '.linux.seccomp.archs | index("SCMP_ARCH_S390X") == null')" = true ]
		;;
	esac
	# supportedFlags is a part of knownFlags, and each supported flag works alone.
	[ "$(features '.linux.seccomp | (.supportedFlags - .knownFlags) | length')" -eq 0 ]
	[ "$(features '.linux.seccomp.knownFlags | length')" -eq 4 ]
	local f
	for f in $(features '.linux.seccomp.supportedFlags[]'); do
		update_config --arg f "$f" '.linux.seccomp = {defaultAction: "SCMP_ACT_ALLOW",
			flags: [$f], syscalls: [{names: ["mkdir", "mkdirat"],
			action: "SCMP_ACT_ERRNO", errnoRet: 1}]}'
		run_sh 'mkdir /tmp/x 2>/dev/null || echo refused'
		assert_success
		assert_output refused
	done
}

@test "every memory policy mode and flag listed is applied" {
	[ -d /sys/devices/system/node/node0 ] || skip "no NUMA node 0 in this kernel"
	local mode want flag
	set_args head -1 /proc/self/numa_maps
	for mode in $(features '.linux.memoryPolicy.modes[]'); do
		case $mode in
		MPOL_DEFAULT) want=" default " ;;
		MPOL_LOCAL) want=" local " ;;
		MPOL_BIND) want=" bind:0 " ;;
		MPOL_INTERLEAVE) want=" interleave:0 " ;;
		MPOL_WEIGHTED_INTERLEAVE) want=" weighted interleave:0 " ;;
		MPOL_PREFERRED) want=" prefer:0 " ;;
		MPOL_PREFERRED_MANY) want=" prefer (many):0 " ;;
		*)
			echo "untested mode $mode" >&2
			return 1
			;;
		esac
		update_config --arg m "$mode" '.linux.memoryPolicy = {mode: $m}
			| if ($m == "MPOL_DEFAULT" or $m == "MPOL_LOCAL") then .
			  else .linux.memoryPolicy.nodes = "0" end'
		run --separate-stderr barco run -b "$BUNDLE" ctr
		assert_success
		[[ "$output" == *"$want"* ]] || {
			echo "$mode: expected '$want'" >&2
			show_run
			return 1
		}
	done
	for flag in $(features '.linux.memoryPolicy.flags[]'); do
		update_config --arg f "$flag" \
			'.linux.memoryPolicy = {mode: "MPOL_BIND", nodes: "0", flags: [$f]}'
		run --separate-stderr barco run -b "$BUNDLE" ctr
		assert_success
		[[ "$output" == *" bind="*":0 "* ]] || {
			echo "$flag not applied" >&2
			show_run
			return 1
		}
	done
}

@test "netDevices and idmap are claimed, and a device listed moves into the container" {
	[ "$(features .linux.netDevices.enabled)" = true ]
	[ "$(features .linux.mountExtensions.idmap.enabled)" = true ]
	NETDEV=bft$$a
	ip link add "$NETDEV" type veth peer name "bft$$b" 2>/dev/null ||
		skip "cannot make a veth pair here"
	local peer
	peer=$(cat "/sys/class/net/bft$$b/ifindex")
	update_config --arg d "$NETDEV" '.linux.netDevices = {($d): {name: "feat0"}}'
	run_sh 'ip -o link show feat0 | cut -d: -f2'
	assert_success
	# Renamed, and still the host end's peer.
	assert_output " feat0@if$peer"
	# Gone from the host; deleting the namespace destroyed the pair.
	[ ! -e "/sys/class/net/$NETDEV" ]
}

@test "the LSM and Intel RDT claims are implemented: a request is checked, never ignored" {
	[ "$(features .linux.apparmor.enabled)" = true ]
	[ "$(features .linux.selinux.enabled)" = true ]
	[ "$(features '.linux.intelRdt | .enabled and .schemata and .monitoring')" = true ]
	# systemd cgroups are not claimed, and refused.
	[ "$(features .linux.cgroup.systemd)" = false ]
	[ "$(features .linux.cgroup.systemdUser)" = false ]
	[ "$(features '.linux.cgroup | .v1 and .v2')" = true ]
	run --separate-stderr barco --systemd-cgroup create -b "$BUNDLE" ctr
	assert_error "systemd"
	if [ ! -d /sys/kernel/security/apparmor ]; then
		update_config '.process.apparmorProfile = "barco-test"'
		create_refused "AppArmor is not enabled on this host"
		update_config 'del(.process.apparmorProfile)'
	fi
	if [ "$(stat -f -c %T /sys/fs/selinux 2>/dev/null)" != selinuxfs ]; then
		update_config '.process.selinuxLabel = "system_u:system_r:container_t:s0"'
		create_refused "SELinux is not enabled on this host"
		update_config 'del(.process.selinuxLabel)'
	fi
	if [ "$(stat -f -c %T /sys/fs/resctrl 2>/dev/null)" != resctrl ]; then
		update_config '.linux.intelRdt = {schemata: ["L3:0=f"]}'
		create_refused "no resctrl filesystem is mounted at /sys/fs/resctrl"
	fi
}

@test "the annotations name barco's version and the libseccomp it runs with" {
	[ "$(features '.annotations["run.oci.barco.version"]')" = \
		"$("$BARCO" --version | sed -n 's/^barco version //p')" ]
	[[ "$(features '.annotations["io.github.seccomp.libseccomp.version"]')" =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]]
	# barco acts on no annotation of config.json.
	[ "$(features -c .potentiallyUnsafeConfigAnnotations)" = "[]" ]
	command -v dpkg-query >/dev/null || skip "no dpkg-query to cross-check libseccomp"
	local pkg
	pkg=$(dpkg-query -W -f '${Version}' libseccomp2 2>/dev/null) || skip "no libseccomp2 package"
	[[ "$pkg" == "$(features '.annotations["io.github.seccomp.libseccomp.version"]')"* ]]
}
