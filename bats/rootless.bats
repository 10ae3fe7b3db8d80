#!/usr/bin/env bats
# Rootless: barco run by an unprivileged user.  The suite (root) makes a system user of its
# own, with a range in /etc/subuid and /etc/subgid, and runs barco as that user through
# setpriv with a clean environment (HOME from passwd, no XDG_RUNTIME_DIR: the state root is
# /tmp/barco-UID).  teardown_file removes the user, exactly the lines it added and every
# file it made, even when setup_file failed half-way.
#
# Needs useradd/userdel (passwd), setpriv (util-linux) and newuidmap/newgidmap (uidmap).

load helpers

SUB_START=2000000
SUB_COUNT=65536

# Everything setup_file makes is written down here first, so teardown_file undoes exactly
# that whatever point setup_file reached.
rl_record() {
	echo "$1=$2" >>"$BATS_FILE_TMPDIR/made"
}

rl_made() {
	sed -n "s/^$1=//p" "$BATS_FILE_TMPDIR/made" 2>/dev/null || true
}

setup_file() {
	local u dir
	check_barco_binary || return 1
	for t in useradd userdel setpriv; do
		command -v "$t" >/dev/null || {
			echo "$t is needed (packages passwd, util-linux)" >&2
			return 1
		}
	done
	for t in newuidmap newgidmap; do
		[ -x "/usr/bin/$t" ] || {
			echo "/usr/bin/$t is needed: install the Debian package uidmap" >&2
			return 1
		}
	done
	u=barco-rl-$$
	# A directory the user can traverse: bats' own temp dirs are root's alone.
	dir=$(mktemp -d /tmp/barco-rl.XXXXXX)
	rl_record dir "$dir"
	chmod 755 "$dir"
	# --system: no subordinate ids of useradd's own choosing; we add ours below.
	useradd --system --user-group -M -d /nonexistent -s /usr/sbin/nologin "$u"
	rl_record user "$u"
	uid=$(id -u "$u")
	[ ! -e "/tmp/barco-$uid" ] || {
		echo "/tmp/barco-$uid exists already (not ours): remove it or rerun" >&2
		return 1
	}
	rl_record tmproot "/tmp/barco-$uid"
	for f in /etc/subuid /etc/subgid; do
		[ -e "$f" ] || rl_record created "$f"
		rl_record line "$f:$u:$SUB_START:$SUB_COUNT"
		echo "$u:$SUB_START:$SUB_COUNT" >>"$f"
	done
	"$BATS_TEST_DIRNAME/mkrootfs.sh" "$dir/rootfs"
	# The user's image, as a rootless user's is (mount points are made in it).
	chown -R "$u:" "$dir/rootfs"
	# The binary under test, if the user can run it where it is; else a copy.
	if setpriv --reuid="$u" --regid="$u" --clear-groups test -x "$BARCO"; then
		echo "$BARCO" >"$dir/barco-path"
	else
		install -m 755 "$BARCO" "$dir/barco"
		echo "$dir/barco" >"$dir/barco-path"
	fi
	# A root-owned file a bind mount shows in the container.
	echo host-secret >"$dir/host-file"
	chmod 644 "$dir/host-file"
}

teardown_file() {
	local u f line rest dir
	u=$(rl_made user)
	if [ -n "$u" ]; then
		# The user's containers first (there should be none), by the runtime that made them.
		dir=$(rl_made dir)
		if [ -f "$dir/barco-path" ]; then
			for id in $(setpriv --reuid="$u" --regid="$u" --clear-groups --reset-env \
				"$(cat "$dir/barco-path")" list -q 2>/dev/null); do
				setpriv --reuid="$u" --regid="$u" --clear-groups --reset-env \
					"$(cat "$dir/barco-path")" delete -f "$id" || true
			done
		fi
	fi
	while IFS= read -r line; do
		f=${line%%:*}
		rest=${line#*:}
		[ -f "$f" ] || continue
		# In place (same inode, same mode), every line but ours.
		grep -vxF -- "$rest" "$f" >"$f.barco-rl" || true
		cat "$f.barco-rl" >"$f"
		rm -f "$f.barco-rl"
	done < <(rl_made line)
	for f in $(rl_made created); do
		[ -s "$f" ] || rm -f "$f"
	done
	[ -n "$u" ] && userdel "$u"
	for f in $(rl_made tmproot) $(rl_made dir); do
		rm -rf "$f"
	done
}

setup() {
	DIR=$(rl_made dir)
	U=$(rl_made user)
	UID_U=$(id -u "$U")
	GID_U=$(id -g "$U")
	RL_BARCO=$(cat "$DIR/barco-path")
	# Each test's bundle and files, owned by the user, in a directory it can reach.
	T=$(mktemp -d "$DIR/t.XXXXXX")
	chmod 755 "$T"
	BUNDLE=$T/bundle
	mkdir "$BUNDLE"
	ln -s "$DIR/rootfs" "$BUNDLE/rootfs"
	chown -R "$U:" "$T"
	export "$MARK_VAR=$BATS_TEST_TMPDIR"
	as_user "$RL_BARCO" spec --rootless -b "$BUNDLE"
	update_config --arg mark "$MARK_VAR=$BATS_TEST_TMPDIR" \
		'.process.terminal = false | .process.args = ["sleep", "1000"]
		 | .process.env += [$mark]'
}

teardown() {
	local id leftovers=0
	for id in $(as_user "$RL_BARCO" list -q 2>/dev/null); do
		as_user "$RL_BARCO" delete -f "$id" || echo "teardown: delete -f $id failed" >&2
	done
	leftover_processes_gone || leftovers=1
	rm -rf "$T"
	return "$leftovers"
}

# as_user CMD...: CMD as the test user, its groups only, environment reset (HOME from
# passwd, no XDG_RUNTIME_DIR), plus what RL_ENV holds (VAR=value words).
as_user() {
	# shellcheck disable=SC2086 # RL_ENV is a list of words
	setpriv --reuid="$U" --regid="$U" --clear-groups --reset-env \
		env ${RL_ENV:-} "$MARK_VAR=$BATS_TEST_TMPDIR" "$@" 3>&-
}

# ubarco ARGS: barco as the test user, default state root.
ubarco() {
	as_user "$RL_BARCO" "$@"
}

update_config() {
	local tmp=$BUNDLE/config.json.tmp
	jq "$@" "$BUNDLE/config.json" >"$tmp" && mv "$tmp" "$BUNDLE/config.json"
	chown "$U:" "$BUNDLE/config.json"
}

# The cgroup warning, when there is one, comes first; the error is the last line.
assert_fails_with() {
	if [ "$status" -ne 1 ] || [[ "${stderr_lines[-1]:-}" != "barco: "*"$1"* ]]; then
		echo "expected exit status 1 and a last stderr line containing '$1'" >&2
		show_run
		return 1
	fi
	local l
	for l in "${stderr_lines[@]:0:${#stderr_lines[@]}-1}"; do
		[[ $l == "barco: warning: "* ]] || {
			echo "unexpected stderr line: $l" >&2
			return 1
		}
	done
}

# Nothing left in the user's state root but the seccomp cache.
assert_user_root_empty() {
	local entries
	entries=$(state_entries "/tmp/barco-$UID_U")
	[ -z "$entries" ] || {
		echo "/tmp/barco-$UID_U still holds: $entries" >&2
		return 1
	}
}

@test "rootless: spec --rootless, then run as an unprivileged user" {
	local c=$BUNDLE/config.json
	[ "$(jq -r '.linux.uidMappings[0].hostID' "$c")" = "$UID_U" ]
	[ "$(jq -r '.linux.gidMappings[0].hostID' "$c")" = "$GID_U" ]
	jq -e '.linux.resources == null' "$c" >/dev/null
	jq -e '[.mounts[].destination] | index("/sys/fs/cgroup") == null' "$c" >/dev/null
	jq -e '.mounts[] | select(.destination == "/sys") | .options | index("rbind") != null
	       and index("ro") != null' "$c" >/dev/null
	jq -e '.linux.devices == null' "$c" >/dev/null
	update_config '.process.args = ["sh", "-c", "id -u; cat /proc/self/uid_map; hostname"]'
	run --separate-stderr ubarco run -b "$BUNDLE" ctr
	assert_success
	[ "${lines[0]}" = 0 ]
	read -r -a map <<<"${lines[1]}"
	[ "${map[*]}" = "0 $UID_U 1" ]
	[ "${lines[2]}" = barco ]
	# The state root: the user's, private, in /tmp without XDG_RUNTIME_DIR.
	[ "$(stat -c '%u %a' "/tmp/barco-$UID_U")" = "$UID_U 700" ]
	assert_user_root_empty
	# No delegated cgroup for this user here: said, not hidden.
	[[ $stderr == *"barco: warning: cgroup: rootless: "*"the container runs in our cgroup"* ]]
}

@test "rootless: create, start, list, exec, kill, delete with XDG_RUNTIME_DIR" {
	local xdg=$T/xdg
	mkdir -m 700 "$xdg"
	chown "$U:" "$xdg"
	RL_ENV="XDG_RUNTIME_DIR=$xdg"
	ubarco create -b "$BUNDLE" ctr </dev/null >/dev/null 2>&1
	[ -f "$xdg/barco/ctr/state.json" ]
	[ "$(stat -c %u "$xdg/barco")" = "$UID_U" ]
	ubarco start ctr
	run --separate-stderr ubarco list -f json
	assert_success
	[ "$(jq -r '.[0].id + " " + .[0].status' <<<"$output")" = "ctr running" ]
	[ "$(jq -r '.[0].owner' <<<"$output")" = "$U" ]
	run --separate-stderr ubarco exec ctr sh -c 'id -u; id -g; cat /proc/1/cmdline | tr "\0" " "'
	assert_success
	[ "${lines[0]}" = 0 ]
	[ "${lines[1]}" = 0 ]
	[ "${lines[2]}" = "sleep 1000 " ]
	pid=$(ubarco state ctr | jq -r .pid)
	# The init is the user's own process on the host, nobody else's.
	[ "$(stat -c %u "/proc/$pid")" = "$UID_U" ]
	ubarco kill ctr KILL
	for ((i = 0; i < 50; i++)); do
		[ "$(ubarco state ctr | jq -r .status)" = stopped ] && break
		sleep 0.1
	done
	[ "$(ubarco state ctr | jq -r .status)" = stopped ]
	ubarco delete ctr
	run --separate-stderr ubarco list -q
	assert_success
	assert_output ""
	[ -z "$(state_entries "$xdg/barco")" ]
	# The default root was never touched.
	[ ! -e "/tmp/barco-$UID_U/ctr" ]
}

@test "rootless: a config without a user namespace gets one mapping the caller" {
	update_config 'del(.linux.uidMappings, .linux.gidMappings)
		| .linux.namespaces -= [{"type": "user"}]
		| .process.args = ["sh", "-c", "cat /proc/self/uid_map /proc/self/gid_map"]'
	run --separate-stderr ubarco run -b "$BUNDLE" ctr
	assert_success
	read -r -a u <<<"${lines[0]}"
	read -r -a g <<<"${lines[1]}"
	[ "${u[*]}" = "0 $UID_U 1" ]
	[ "${g[*]}" = "0 $GID_U 1" ]
	# --rootless=false: no user namespace added, and the system's state root is not ours.
	run --separate-stderr ubarco --rootless=false list
	assert_error "/run/barco"
}

@test "rootless: several id ranges go through newuidmap and /etc/subuid" {
	update_config --argjson u "$UID_U" --argjson g "$GID_U" --argjson s "$SUB_START" \
		'.linux.uidMappings = [{containerID: 0, hostID: $u, size: 1},
		                       {containerID: 1, hostID: $s, size: 65536}]
		| .linux.gidMappings = [{containerID: 0, hostID: $g, size: 1},
		                        {containerID: 1, hostID: $s, size: 65536}]
		| .mounts += [{destination: "/work", type: "tmpfs", source: "tmpfs"}]
		| .process.args = ["sh", "-c",
		   "cat /proc/self/uid_map; touch /work/f; chown 1000:1000 /work/f; stat -c %u:%g /work/f"]'
	run --separate-stderr ubarco run -b "$BUNDLE" ctr
	assert_success
	read -r -a a <<<"${lines[0]}"
	read -r -a b <<<"${lines[1]}"
	[ "${a[*]}" = "0 $UID_U 1" ]
	[ "${b[*]}" = "1 $SUB_START 65536" ]
	[ "${lines[2]}" = 1000:1000 ]
	# A range /etc/subuid does not grant: newuidmap's refusal, and nothing left behind.
	update_config --argjson s "$((SUB_START + SUB_COUNT))" '.linux.uidMappings[1].hostID = $s'
	run --separate-stderr ubarco run -b "$BUNDLE" ctr
	assert_fails_with "linux.uidMappings: /usr/bin/newuidmap"
	[[ ${stderr_lines[-1]} == *"/etc/subuid"*"not allowed"* ]]
	assert_user_root_empty
}

@test "rootless: the container cannot write host files or make device nodes" {
	update_config --arg f "$DIR/host-file" \
		'.mounts += [{destination: "/host", type: "none", source: $f, options: ["bind"]},
		             {destination: "/work", type: "tmpfs", source: "tmpfs"}]
		| .process.args = ["sh", "-c",
		   "echo pwned >>/host && echo WROTE; mknod /work/null c 1 3 && echo MADE; chmod 666 /host && echo CHMOD; true"]'
	run --separate-stderr ubarco run -b "$BUNDLE" ctr
	assert_success
	[[ $output != *WROTE* && $output != *MADE* && $output != *CHMOD* ]]
	[[ $stderr == *"/host: Permission denied"* ]]
	[[ $stderr == *"mknod: /work/null: Operation not permitted"* ]]
	[ "$(cat "$DIR/host-file")" = host-secret ]
	[ "$(stat -c '%u %a' "$DIR/host-file")" = "0 644" ]
}

@test "rootless: what needs a privilege the user lacks fails naming it, leaving nothing" {
	local hard dev maj min
	# A device node the host does not have: no mknod, nothing to bind.
	update_config '.linux.devices = [{path: "/dev/barco-rl-none", type: "c", major: 1, minor: 3}]'
	run --separate-stderr ubarco run -b "$BUNDLE" ctr
	assert_fails_with "mknod /dev/barco-rl-none: creating a device node needs CAP_MKNOD"
	assert_user_root_empty
	# The host's node of that name is another device: not bound in its place.  (Not one of
	# the default devices, which are bound before the config's.)
	for dev in /dev/kmsg /dev/mem /dev/port /dev/loop-control /dev/fuse; do
		[ -c "$dev" ] && break
	done
	[ -c "$dev" ]
	read -r maj min < <(stat -c '%t %T' "$dev")
	update_config --arg d "$dev" '.linux.devices = [{path: $d, type: "c", major: 1, minor: 3}]'
	run --separate-stderr ubarco run -b "$BUNDLE" ctr
	assert_fails_with "the host's $dev is another device ($((16#$maj)):$((16#$min)))"
	# A hard rlimit above the user's own.
	hard=$(as_user sh -c 'ulimit -Hn')
	update_config --argjson h "$((hard + 1))" 'del(.linux.devices)
		| .process.rlimits = [{type: "RLIMIT_NOFILE", soft: 64, hard: $h}]'
	run --separate-stderr ubarco run -b "$BUNDLE" ctr
	assert_fails_with "raising the hard limit above $hard needs CAP_SYS_RESOURCE"
	assert_user_root_empty
	# Limits with no delegated cgroup to write them in.
	update_config 'del(.process.rlimits) | .linux.resources = {pids: {limit: 10}}'
	run --separate-stderr ubarco run -b "$BUNDLE" ctr
	assert_error "linux.resources cannot be applied: writing cgroup limits needs a cgroup v2 subtree delegated to the caller"
	assert_user_root_empty
}

@test "rootless: a state root in /tmp that is not the user's own and private is refused" {
	local r=/tmp/barco-$UID_U
	ubarco list -q
	rm -rf "$r"
	mkdir -m 700 "$r" # root's
	run --separate-stderr ubarco list
	assert_error "state root \`$r\`: owned by uid 0, not by us (uid $UID_U)"
	rmdir "$r"
	ln -s "$DIR" "$r"
	run --separate-stderr ubarco list
	assert_error "is a symbolic link"
	rm "$r"
	mkdir -m 755 "$r"
	chown "$U:" "$r"
	run --separate-stderr ubarco list
	assert_error "mode 0755, open to other users"
	rmdir "$r"
}

@test "rootless: --rootless=true as root adds the user namespace too" {
	ROOT=$T/root-state
	update_config 'del(.linux.uidMappings, .linux.gidMappings)
		| .linux.namespaces -= [{"type": "user"}]
		| .process.args = ["cat", "/proc/self/uid_map"]'
	run --separate-stderr "$BARCO" --rootless=true --root "$ROOT" run -b "$BUNDLE" ctr
	assert_success
	read -r -a m <<<"$output"
	[ "${m[*]}" = "0 0 1" ]
	run --separate-stderr "$BARCO" --root "$ROOT" --rootless=maybe list
	assert_error '--rootless: "maybe" is not true, false or auto'
}
