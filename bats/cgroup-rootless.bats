#!/usr/bin/env bats
# Rootless barco in a delegated cgroup v2 subtree (the VM of `make check-vm`; skipped on
# hosts with cgroup v1 hierarchies, where rootless.bats covers the undelegated case).  barco
# runs as a uid with no passwd entry (the VM's /etc is the host's, read-only), in a cgroup
# the suite delegated to it as systemd does (the directory and its cgroup.procs,
# cgroup.subtree_control and cgroup.threads chowned).

load helpers

CGROOT=/sys/fs/cgroup
RUID=4321

setup_file() {
	[ "$(cgroup_mode)" = v2 ] || return 0
	common_setup_file
}

setup() {
	require_cgroup_v2
	OWN=$CGROOT$(sed -n 's/^0:://p' /proc/self/cgroup)
	OWN=${OWN%/}
	[ "$OWN" = "$CGROOT" ] ||
		skip "needs to run in the root cgroup (the VM of make check-vm), not in $OWN"
	D=$CGROOT/barco-rl-$$-$BATS_TEST_NUMBER
	T=$(mktemp -d /tmp/barco-cgrl.XXXXXX)
	chmod 755 "$T"
	BUNDLE=$T/bundle
	mkdir -p "$BUNDLE" "$T/xdg"
	cp -a "$BATS_FILE_TMPDIR/rootfs" "$BUNDLE/rootfs"
	chown -R "$RUID:$RUID" "$T"
	chmod 700 "$T/xdg"
	RL_BARCO=$BARCO
	if ! setpriv --reuid=$RUID --regid=$RUID --clear-groups test -x "$BARCO"; then
		install -m 755 "$BARCO" "$T/barco"
		RL_BARCO=$T/barco
	fi
	export "$MARK_VAR=$BATS_TEST_TMPDIR"
	as_ruid "$RL_BARCO" spec --rootless -b "$BUNDLE"
	update_config --arg mark "$MARK_VAR=$BATS_TEST_TMPDIR" \
		'.process.terminal = false | .process.args = ["sleep", "1000"]
		 | .process.env += [$mark]'
	chown "$RUID:$RUID" "$BUNDLE/config.json"
}

teardown() {
	local rc=0 id d
	[ -n "${D:-}" ] || return 0
	for id in $(as_ruid "$RL_BARCO" list -q 2>/dev/null); do
		as_ruid "$RL_BARCO" delete -f "$id" || rc=1
	done
	leftover_processes_gone || rc=1
	# Deepest first; a cgroup of a container here is a leftover.
	for d in $(find "$D" -mindepth 1 -depth -type d 2>/dev/null); do
		case $d in */leaf) ;; *)
			echo "teardown: cgroup left behind: $d" >&2
			rc=1
			;;
		esac
		rmdir "$d" || rc=1
	done
	[ ! -d "$D" ] || rmdir "$D" || rc=1
	rm -rf "$T"
	return "$rc"
}

# as_ruid CMD...: CMD as uid RUID, from the cgroup $D/leaf when it exists (else ours).
as_ruid() {
	local cg=$OWN
	[ -d "$D/leaf" ] && cg=$D/leaf
	sh -c 'echo $$ >"$1/cgroup.procs" && shift && exec "$@"' as_ruid "$cg" \
		setpriv --reuid=$RUID --regid=$RUID --clear-groups --reset-env \
		env XDG_RUNTIME_DIR="$T/xdg" "$MARK_VAR=$BATS_TEST_TMPDIR" "$@" 3>&-
}

# delegate DIR: DIR made and handed to RUID, as systemd's Delegate=yes does.
delegate() {
	mkdir "$1"
	chown "$RUID:$RUID" "$1" "$1/cgroup.procs" "$1/cgroup.subtree_control" "$1/cgroup.threads"
}

update_config() {
	local tmp=$BUNDLE/config.json.tmp
	jq "$@" "$BUNDLE/config.json" >"$tmp" && mv "$tmp" "$BUNDLE/config.json"
	chown "$RUID:$RUID" "$BUNDLE/config.json"
}

@test "rootless in a delegated cgroup v2 subtree: the container gets a cgroup below ours" {
	mkdir "$D"
	delegate "$D/leaf"
	as_ruid "$RL_BARCO" run -d -b "$BUNDLE" ctr </dev/null >/dev/null
	pid=$(as_ruid "$RL_BARCO" state ctr | jq -r .pid)
	cg=$(sed -n 's/^0:://p' "/proc/$pid/cgroup")
	[[ $cg == "${D#"$CGROOT"}/leaf/barco-ctr-"* ]]
	[ "$(stat -c %u "$CGROOT$cg")" = $RUID ]
	as_ruid "$RL_BARCO" delete -f ctr
	[ ! -d "$CGROOT$cg" ]
}

@test "rootless in a delegated cgroup v2 subtree: limits are written" {
	# Controllers are enabled where the container's cgroup goes: beside our leaf, in the
	# delegated directory, which holds no process (the no-internal-process rule).
	delegate "$D"
	echo +pids >"$CGROOT/cgroup.subtree_control"
	echo +pids >"$D/cgroup.subtree_control"
	delegate "$D/leaf"
	update_config --arg p "${D#"$CGROOT"}/ctr" \
		'.linux.cgroupsPath = $p | .linux.resources = {pids: {limit: 17}}'
	as_ruid "$RL_BARCO" run -d -b "$BUNDLE" ctr </dev/null >/dev/null
	[ "$(cat "$D/ctr/pids.max")" = 17 ]
	pid=$(as_ruid "$RL_BARCO" state ctr | jq -r .pid)
	grep -qx "$pid" "$D/ctr/cgroup.procs"
	as_ruid "$RL_BARCO" delete -f ctr
	[ ! -d "$D/ctr" ]
}

@test "rootless in a cgroup that is not delegated: limits refused, none warned about" {
	mkdir -p "$D/leaf" # root's
	update_config '.linux.resources = {pids: {limit: 17}}'
	run --separate-stderr as_ruid "$RL_BARCO" run -b "$BUNDLE" ctr
	assert_error "cgroup: rootless: linux.resources cannot be applied"
	[[ $stderr == *"our cgroup $D/leaf is not delegated to uid $RUID"* ]]
	update_config 'del(.linux.resources) | .process.args = ["true"]'
	run --separate-stderr as_ruid "$RL_BARCO" run -b "$BUNDLE" ctr
	assert_success
	[[ $stderr == *"warning: cgroup: rootless: our cgroup $D/leaf is not delegated"* ]]
	[ -z "$(find "$D/leaf" -mindepth 1 -type d)" ]
}
