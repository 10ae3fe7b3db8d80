#!/usr/bin/env bats
# Idmapped bind mounts: the "idmap" and "ridmap" options and per-mount uidMappings and
# gidMappings.  An idmapped mount shows an id N stored on disk as the host id N maps to
# ("containerID hostID size": containerID is the id on disk): with the container's own
# mapping 0 -> 100000, the files of a host directory keep their owners inside the container.

load helpers

setup() {
	common_setup || return 1
	SRC=$BATS_TEST_TMPDIR/src
	mkdir -p "$SRC/w"
	touch "$SRC/root-file" "$SRC/user-file" "$SRC/shifted-file"
	chown 1000:1000 "$SRC/user-file" "$SRC/w"
	chown 100001:100001 "$SRC/shifted-file"
	SUBMOUNT=
}

teardown() {
	if [ -n "$SUBMOUNT" ]; then
		umount "$SUBMOUNT" 2>/dev/null || true
	fi
	local f
	for f in "$BATS_TEST_TMPDIR"/ns-*; do
		[ -e "$f" ] || continue
		umount "$f" 2>/dev/null || true
	done
	common_teardown
}

# The container gets a user namespace: root is host 100000 (65536 ids).  Its root must reach
# the bundle, and bats makes the run directory 0700.  The rootfs stays owned by host root,
# which the container cannot write: mount points are made here (mkpoint).
userns_on() {
	chmod o+x "$BATS_RUN_TMPDIR"
	update_config '.linux.namespaces += [{type: "user"}]
		| .linux.uidMappings = [{containerID: 0, hostID: 100000, size: 65536}]
		| .linux.gidMappings = [{containerID: 0, hostID: 100000, size: 65536}]'
}

# add_mount JSON: append one entry to .mounts, with its mount point in the rootfs.
add_mount() {
	mkdir -p "$BUNDLE/rootfs$(echo "$1" | jq -r .destination)"
	update_config --argjson m "$1" '.mounts += [$m]'
}

# bind_json DEST SOURCE OPTION...: a bind mount entry.
bind_json() {
	local dest=$1 src=$2
	shift 2
	jq -n --arg d "$dest" --arg s "$src" --argjson o "$(json_array "$@")" \
		'{destination: $d, type: "bind", source: $s, options: $o}'
}

# with_maps JSON UID_MAP GID_MAP: JSON plus per-mount mappings ("containerID:hostID:size").
with_maps() {
	local u g
	IFS=: read -r -a u <<<"$2"
	IFS=: read -r -a g <<<"$3"
	echo "$1" | jq --argjson u "[{\"containerID\": ${u[0]}, \"hostID\": ${u[1]}, \"size\": ${u[2]}}]" \
		--argjson g "[{\"containerID\": ${g[0]}, \"hostID\": ${g[1]}, \"size\": ${g[2]}}]" \
		'.uidMappings = $u | .gidMappings = $g'
}

@test "idmap with the container's user namespace keeps the owners on disk" {
	userns_on
	# A relative source is taken from the bundle.
	mv "$SRC" "$BUNDLE/idsrc"
	SRC=$BUNDLE/idsrc
	add_mount "$(bind_json /idm idsrc bind idmap)"
	add_mount "$(bind_json /plain "$SRC" bind)"
	run_sh 'cd /idm && stat -c %u:%g root-file user-file shifted-file
		cd /plain && stat -c %u:%g root-file user-file shifted-file
		touch /idm/made-inside && mkdir /idm/dir-inside && echo wrote'
	assert_success
	# Through the idmapped mount: as on disk; an id outside the mapping is unmapped.
	[ "${lines[0]}" = 0:0 ]
	[ "${lines[1]}" = 1000:1000 ]
	[ "${lines[2]}" = 65534:65534 ]
	# Through a plain bind: shifted by the user namespace.
	[ "${lines[3]}" = 65534:65534 ]
	[ "${lines[4]}" = 65534:65534 ]
	[ "${lines[5]}" = 1:1 ]
	[ "${lines[6]}" = wrote ]
	# Container root writes as host 0 through the mount, not as 100000.
	[ "$(stat -c %u:%g "$SRC/made-inside")" = 0:0 ]
	[ "$(stat -c %u:%g "$SRC/dir-inside")" = 0:0 ]
}

@test "per-mount mappings are used instead of the container's" {
	userns_on
	# On-disk 1000 is host 100000, container root.
	add_mount "$(with_maps "$(bind_json /m "$SRC" bind idmap)" 1000:100000:1 1000:100000:1)"
	run_sh 'stat -c %u:%g /m/user-file /m/root-file /m/w; touch /m/w/made-inside && echo wrote'
	assert_success
	[ "${lines[0]}" = 0:0 ]
	[ "${lines[1]}" = 65534:65534 ]
	[ "${lines[2]}" = 0:0 ]
	[ "${lines[3]}" = wrote ]
	[ "$(stat -c %u:%g "$SRC/w/made-inside")" = 1000:1000 ]
}

@test "per-mount mappings work without a user namespace, uid and gid apart" {
	touch "$SRC/mixed"
	chown 1000:2000 "$SRC/mixed" "$SRC/w"
	# On-disk uid 1000 and gid 2000 are host 0.
	add_mount "$(with_maps "$(bind_json /m "$SRC" bind idmap)" 1000:0:1 2000:0:1)"
	run_sh 'stat -c %u:%g /m/mixed /m/user-file /m/root-file /m/w
		touch /m/w/made-inside && echo wrote'
	assert_success
	[ "${lines[0]}" = 0:0 ]
	[ "${lines[1]}" = 0:65534 ]
	[ "${lines[2]}" = 65534:65534 ]
	[ "${lines[3]}" = 0:0 ]
	[ "${lines[4]}" = wrote ]
	[ "$(stat -c %u:%g "$SRC/w/made-inside")" = 1000:2000 ]
}

@test "mappings without idmap or ridmap make an idmapped mount (as runc 1.2)" {
	userns_on
	add_mount "$(with_maps "$(bind_json /m "$SRC" bind)" 1000:100000:1 1000:100000:1)"
	run_sh 'stat -c %u:%g /m/user-file'
	assert_success
	assert_output 0:0
}

@test "ridmap idmaps the submounts of an rbind, idmap only the top" {
	userns_on
	mkdir "$SRC/sub" "$BATS_TEST_TMPDIR/other"
	touch "$BATS_TEST_TMPDIR/other/file"
	chown 1000:1000 "$BATS_TEST_TMPDIR/other/file"
	mount --bind "$BATS_TEST_TMPDIR/other" "$SRC/sub"
	SUBMOUNT=$SRC/sub
	add_mount "$(bind_json /r "$SRC" rbind ridmap)"
	add_mount "$(bind_json /n "$SRC" rbind idmap)"
	run_sh 'stat -c %u:%g /r/user-file /r/sub/file /n/user-file /n/sub/file'
	assert_success
	[ "${lines[0]}" = 1000:1000 ]
	[ "${lines[1]}" = 1000:1000 ]
	[ "${lines[2]}" = 1000:1000 ]
	# Not idmapped: host 1000 is outside the container's mapping.
	[ "${lines[3]}" = 65534:65534 ]
}

@test "mount options still apply to an idmapped mount" {
	userns_on
	mkdir "$SRC/sub" "$BATS_TEST_TMPDIR/other"
	mount --bind "$BATS_TEST_TMPDIR/other" "$SRC/sub"
	SUBMOUNT=$SRC/sub
	add_mount "$(bind_json /ro "$SRC" bind idmap ro nosuid nodev noexec shared)"
	add_mount "$(bind_json /rro "$SRC" rbind ridmap rro)"
	run_sh 'grep -E " /(ro|rro|rro/sub) " /proc/self/mountinfo
		touch /ro/x 2>/dev/null || echo ro-refused
		touch /rro/sub/x 2>/dev/null || echo rro-refused
		stat -c %u /ro/user-file'
	assert_success
	local ro rro rsub
	ro=$(echo "$output" | awk '$5 == "/ro"')
	rro=$(echo "$output" | awk '$5 == "/rro"')
	rsub=$(echo "$output" | awk '$5 == "/rro/sub"')
	[[ "$(echo "$ro" | awk '{print $6}')" == ro,nosuid,nodev,noexec* ]]
	[[ "$ro" == *" shared:"* ]]
	[[ "$(echo "$rro" | awk '{print $6}')" == ro* ]]
	[[ "$(echo "$rsub" | awk '{print $6}')" == ro* ]]
	echo "$output" | grep -qx ro-refused
	echo "$output" | grep -qx rro-refused
	[ "${lines[${#lines[@]} - 1]}" = 1000 ]
	[ ! -e "$SRC/x" ]
}

@test "idmap works when the init starts in two stages (a joined namespace)" {
	userns_on
	local ns=$BATS_TEST_TMPDIR/ns-uts
	touch "$ns"
	unshare --uts="$ns" true
	update_config --arg p "$ns" 'del(.hostname) | .linux.namespaces |= map(
		if .type == "uts" then {type: "uts", path: $p} else . end)'
	add_mount "$(bind_json /idm "$SRC" bind idmap)"
	add_mount "$(with_maps "$(bind_json /m "$SRC" bind idmap)" 1000:100000:1 1000:100000:1)"
	run_sh 'stat -c %u /idm/user-file /m/user-file'
	assert_success
	[ "${lines[0]}" = 1000 ]
	[ "${lines[1]}" = 0 ]
}

# The runtime's throwaway user-namespace holder then lives in that pid namespace, where it
# cannot see the runtime as its parent.
@test "per-mount mappings when the container joins another one's pid namespace" {
	run_detached first
	update_config --arg p "/proc/$(pid_of first)/ns/pid" '.linux.namespaces |= map(
		if .type == "pid" then {type: "pid", path: $p} else . end)'
	add_mount "$(with_maps "$(bind_json /m "$SRC" bind idmap)" 1000:0:1 1000:0:1)"
	run_sh 'stat -c %u:%g /m/user-file'
	assert_success
	assert_output 0:0
}

@test "idmap without mappings or a user namespace fails create, nothing left" {
	add_mount "$(bind_json /idm "$SRC" bind idmap)"
	run --separate-stderr barco create -b "$BUNDLE" ctr
	assert_error "mount $SRC on /idm (bind): idmap without uidMappings and gidMappings for the mount needs a user namespace"
	assert_root_empty
}

@test "uidMappings without gidMappings fails create" {
	userns_on
	add_mount "$(bind_json /m "$SRC" bind idmap | jq '.uidMappings = [{containerID: 0, hostID: 1000, size: 1}]')"
	run --separate-stderr barco create -b "$BUNDLE" ctr
	assert_error "mount $SRC on /m (bind): uidMappings and gidMappings must be given together"
	assert_root_empty
}

@test "idmap on a mount that is no bind mount fails create" {
	userns_on
	add_mount '{"destination": "/t", "type": "tmpfs", "source": "tmpfs", "options": ["idmap"]}'
	run --separate-stderr barco create -b "$BUNDLE" ctr
	assert_error "mount tmpfs on /t: idmapped mounts (idmap, ridmap, uidMappings) are only supported for bind mounts"
	assert_root_empty
}

@test "a filesystem without idmapped mounts fails create with the reason" {
	userns_on
	add_mount "$(bind_json /p /proc/sys bind idmap)"
	run --separate-stderr barco create -b "$BUNDLE" ctr
	assert_error "mount /proc/sys on /p (bind): mount_setattr MOUNT_ATTR_IDMAP (the filesystem of /proc/sys does not support idmapped mounts"
	[[ "${stderr_lines[0]}" == *"Invalid argument" ]]
	assert_root_empty
}

@test "a missing idmap source fails create naming it" {
	userns_on
	add_mount "$(bind_json /m "$BATS_TEST_TMPDIR/absent" bind idmap)"
	run --separate-stderr barco create -b "$BUNDLE" ctr
	assert_error "mount $BATS_TEST_TMPDIR/absent on /m (bind): open_tree $BATS_TEST_TMPDIR/absent: No such file or directory"
	assert_root_empty
}
