#!/usr/bin/env bats
# OCI hooks: what each kind receives on stdin, where it runs, in which order, and what a
# failing or slow hook does.

load helpers

HOOK_PATH_ENV="PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

setup() {
	common_setup || return 1
	HOOKS=$BATS_TEST_TMPDIR/hooks
	mkdir -p "$HOOKS"
	# A host-side hook: saves its stdin and where it ran, then exits with $3 (default 0).
	cat >"$BATS_TEST_TMPDIR/hook.sh" <<'EOF'
#!/bin/sh
name=$1 dir=$2
cat >"$dir/$name.json"
echo "$name" >>"$dir/order"
cat /proc/sys/kernel/hostname >"$dir/$name.hostname"
readlink /proc/self/ns/mnt >"$dir/$name.mntns"
readlink /proc/self/ns/pid >"$dir/$name.pidns"
exit "${3:-0}"
EOF
	chmod 755 "$BATS_TEST_TMPDIR/hook.sh"
	# startContainer hooks resolve in the container: they see $HOOKS as /hooks.
	update_config --arg h "$HOOKS" '.mounts += [{"destination": "/hooks", "type": "bind",
		"source": $h, "options": ["bind", "rw"]}]'
}

# host_hook NAME [EXIT]: the JSON of a hook.sh entry.
host_hook() {
	jq -n --arg p "$BATS_TEST_TMPDIR/hook.sh" --arg n "$1" --arg d "$HOOKS" \
		--arg rc "${2:-0}" --arg env "$HOOK_PATH_ENV" \
		'{path: $p, args: ["hook.sh", $n, $d, $rc], env: [$env]}'
}

# container_hook NAME [EXIT]: a startContainer hook run by the container's /bin/sh.
container_hook() {
	jq -n --arg n "$1" --arg rc "${2:-0}" \
		'{path: "/bin/sh", env: ["PATH=/bin"], args: ["sh", "-c",
		  "cat >/hooks/\($n).json; echo \($n) >>/hooks/order;
		   cat /proc/sys/kernel/hostname >/hooks/\($n).hostname; exit \($rc)"]}'
}

# add_hook KIND JSON
add_hook() {
	update_config --arg k "$1" --argjson h "$2" '.hooks[$k] += [$h]'
}

add_all_hooks() {
	add_hook prestart "$(host_hook prestart)"
	add_hook createRuntime "$(host_hook createRuntime)"
	add_hook createContainer "$(host_hook createContainer)"
	add_hook startContainer "$(container_hook startContainer)"
	add_hook poststart "$(host_hook poststart)"
	add_hook poststop "$(host_hook poststop)"
}

# wait_for_file PATH: within 5 s.
wait_for_file() {
	local i
	for ((i = 0; i < 50; i++)); do
		[ -s "$1" ] && return 0
		sleep 0.1
	done
	echo "$1 did not appear within 5 s" >&2
	return 1
}

# hook_field NAME FIELD
hook_field() {
	jq -r ".$2" "$HOOKS/$1.json"
}

@test "create runs prestart, createRuntime and createContainer, in that order" {
	add_all_hooks
	create_ctr ctr
	[ "$(cat "$HOOKS/order")" = "$(printf 'prestart\ncreateRuntime\ncreateContainer')" ]
	[ ! -e "$HOOKS/startContainer.json" ]
	[ ! -e "$HOOKS/poststart.json" ]
	[ ! -e "$HOOKS/poststop.json" ]
}

@test "prestart, createRuntime and createContainer get the creating state" {
	add_all_hooks
	create_ctr ctr
	local pid
	pid=$(pid_of ctr)
	for h in prestart createRuntime createContainer; do
		jq -e . "$HOOKS/$h.json" >/dev/null
		[ "$(hook_field $h id)" = ctr ]
		[ "$(hook_field $h status)" = creating ]
		[ "$(hook_field $h pid)" = "$pid" ]
		[ "$(hook_field $h bundle)" = "$(readlink -f "$BUNDLE")" ]
		[ "$(hook_field $h ociVersion)" = 1.3.0 ]
	done
}

@test "start runs startContainer and poststart with the running state" {
	add_all_hooks
	create_ctr ctr
	local pid
	pid=$(pid_of ctr)
	barco start ctr
	wait_for_file "$HOOKS/startContainer.json"
	wait_for_file "$HOOKS/poststart.json"
	[ "$(hook_field startContainer id)" = ctr ]
	# The spec leaves startContainer's status open: runc says created, others running.
	[[ "$(hook_field startContainer status)" =~ ^(created|running)$ ]]
	[ "$(hook_field poststart id)" = ctr ]
	[ "$(hook_field poststart status)" = running ]
	[ "$(hook_field poststart pid)" = "$pid" ]
	[ ! -e "$HOOKS/poststop.json" ]
}

@test "poststart runs after the process is executed" {
	# runtime-spec: poststart hooks MUST be called after the user-specified process is
	# executed.  A slow startContainer hook widens any window in which they are not.
	cat >"$BATS_TEST_TMPDIR/exe.sh" <<'EOF'
#!/bin/sh
pid=$(jq -r .pid)
readlink "/proc/$pid/exe" >"$1"
EOF
	chmod 755 "$BATS_TEST_TMPDIR/exe.sh"
	add_hook startContainer '{"path": "/bin/sleep", "args": ["sleep", "1"]}'
	add_hook poststart "$(jq -n --arg p "$BATS_TEST_TMPDIR/exe.sh" --arg o "$HOOKS/exe" \
		--arg env "$HOOK_PATH_ENV" '{path: $p, args: ["exe.sh", $o], env: [$env]}')"
	create_ctr ctr
	barco start ctr
	wait_for_file "$HOOKS/exe"
	[ "$(cat "$HOOKS/exe")" = /bin/busybox ] || {
		echo "poststart saw the container's pid running $(cat "$HOOKS/exe")" >&2
		return 1
	}
}

@test "delete runs poststop with the stopped state, after every other hook" {
	add_all_hooks
	create_ctr ctr
	barco start ctr
	wait_for_file "$HOOKS/poststart.json"
	wait_for_file "$HOOKS/startContainer.json"
	barco delete -f ctr
	[ "$(hook_field poststop id)" = ctr ]
	[ "$(hook_field poststop status)" = stopped ]
	[ "$(tail -n 1 "$HOOKS/order")" = poststop ]
	[ "$(wc -l <"$HOOKS/order")" -eq 6 ]
	[ "$(sed -n 4,5p "$HOOKS/order" | sort | tr '\n' ' ')" = "poststart startContainer " ]
	assert_root_empty
}

@test "run goes through all six hooks" {
	add_all_hooks
	set_args true
	run --separate-stderr barco run -b "$BUNDLE" ctr
	assert_success
	[ "$(wc -l <"$HOOKS/order")" -eq 6 ]
	[ "$(head -n 3 "$HOOKS/order" | tr '\n' ' ')" = "prestart createRuntime createContainer " ]
	[ "$(tail -n 1 "$HOOKS/order")" = poststop ]
	[ "$(hook_field poststop status)" = stopped ]
	assert_root_empty
}

@test "prestart and createRuntime run in the runtime's namespaces" {
	add_all_hooks
	update_config '.hostname = "in-container"'
	create_ctr ctr
	for h in prestart createRuntime; do
		[ "$(cat "$HOOKS/$h.hostname")" = "$(hostname)" ]
		[ "$(cat "$HOOKS/$h.mntns")" = "$(readlink /proc/self/ns/mnt)" ]
	done
}

@test "with a pid namespace joined by path, prestart, createRuntime and poststart still run in the runtime's" {
	update_config '.process.args = ["sleep", "100"]'
	create_ctr other
	local other_ns
	other_ns=$(ns_of "$(pid_of other)" pid)
	# To join it, barco enters that pid namespace for its children just before the clone; its
	# hooks (forked later) must not start there.
	update_config --arg p "/proc/$(pid_of other)/ns/pid" \
		'.linux.namespaces |= map(if .type == "pid" then .path = $p else . end)'
	add_hook prestart "$(host_hook prestart)"
	add_hook createRuntime "$(host_hook createRuntime)"
	add_hook poststart "$(host_hook poststart)"
	create_ctr ctr
	barco start ctr
	wait_for_file "$HOOKS/poststart.pidns"
	[ "$(ns_of "$(pid_of ctr)" pid)" = "$other_ns" ]
	for h in prestart createRuntime poststart; do
		[ "$(cat "$HOOKS/$h.pidns")" = "$(readlink /proc/self/ns/pid)" ]
	done
	barco delete -f ctr
	barco delete -f other
}

@test "createContainer runs in the container's namespaces, before pivot_root" {
	add_all_hooks
	update_config '.hostname = "in-container"'
	create_ctr ctr
	[ "$(cat "$HOOKS/createContainer.hostname")" = in-container ]
	[ "$(cat "$HOOKS/createContainer.mntns")" = "$(ns_of "$(pid_of ctr)" mnt)" ]
	[ "$(cat "$HOOKS/createContainer.mntns")" != "$(readlink /proc/self/ns/mnt)" ]
}

@test "startContainer's path is resolved in the container" {
	# This script exists only inside the rootfs.
	printf '#!/bin/sh\necho inside >/hooks/inside-ran\n' >"$BUNDLE/rootfs/inside-hook.sh"
	chmod 755 "$BUNDLE/rootfs/inside-hook.sh"
	[ ! -e /inside-hook.sh ]
	update_config '.hooks.startContainer = [{"path": "/inside-hook.sh", "env": ["PATH=/bin"]}]'
	update_config '.hostname = "in-container"'
	add_hook startContainer "$(container_hook startContainer)"
	set_args true
	run --separate-stderr barco run -b "$BUNDLE" ctr
	assert_success
	[ "$(cat "$HOOKS/inside-ran")" = inside ]
	[ "$(cat "$HOOKS/startContainer.hostname")" = in-container ]
}

@test "hooks get their args and env" {
	cat >"$BATS_TEST_TMPDIR/args.sh" <<'EOF'
#!/bin/sh
echo "$1|$2|$HOOKVAR|${BARCO_BATS_MARK:-nomark}" >"$OUT"
EOF
	chmod 755 "$BATS_TEST_TMPDIR/args.sh"
	add_hook prestart "$(jq -n --arg p "$BATS_TEST_TMPDIR/args.sh" \
		--arg o "OUT=$HOOKS/args" \
		'{path: $p, args: ["argv0", "one", "two words"], env: ["HOOKVAR=set", $o]}')"
	create_ctr ctr
	# Only the env given: the caller's variables (our mark, for one) do not leak in.
	# (A script's $0 is its path whatever args[0] says: the kernel runs the interpreter.)
	[ "$(cat "$HOOKS/args")" = "one|two words|set|nomark" ]
}

@test "several hooks of one kind run in their order" {
	for n in first second third; do
		add_hook createRuntime "$(host_hook "$n")"
	done
	create_ctr ctr
	[ "$(tr '\n' ' ' <"$HOOKS/order")" = "first second third " ]
}

@test "a failing prestart hook fails create and leaves nothing" {
	add_hook prestart "$(host_hook prestart 3)"
	add_hook poststart "$(host_hook poststart)"
	run --separate-stderr barco create -b "$BUNDLE" ctr
	assert_error "prestart"
	assert_root_empty
	[ -e "$HOOKS/prestart.json" ]
}

@test "a failing createRuntime hook fails create and leaves nothing" {
	add_hook prestart "$(host_hook prestart)"
	add_hook createRuntime "$(host_hook createRuntime 1)"
	add_hook createContainer "$(host_hook createContainer)"
	run --separate-stderr barco create -b "$BUNDLE" ctr
	assert_error "createRuntime"
	assert_root_empty
	[ ! -e "$HOOKS/createContainer.json" ]
}

@test "a failing createContainer hook fails create and leaves nothing" {
	add_hook createContainer "$(host_hook createContainer 1)"
	run --separate-stderr barco create -b "$BUNDLE" ctr
	assert_error "createContainer"
	assert_root_empty
}

@test "a missing hook executable fails create" {
	add_hook prestart '{"path": "/no/such/hook"}'
	run --separate-stderr barco create -b "$BUNDLE" ctr
	assert_error "/no/such/hook"
	assert_root_empty
}

@test "a failing startContainer hook stops the container before its process runs" {
	add_hook startContainer "$(container_hook startContainer 1)"
	set_args sh -c 'echo ran >/hooks/process-ran'
	create_ctr ctr
	# runtime-spec: the runtime MUST generate an error and stop the container.
	run --separate-stderr barco start ctr
	assert_error "startContainer"
	wait_for_status ctr stopped
	[ -e "$HOOKS/startContainer.json" ]
	[ ! -e "$HOOKS/process-ran" ]
}

@test "a failing poststart hook fails start and stops the container" {
	add_hook poststart "$(host_hook poststart 1)"
	create_ctr ctr
	run --separate-stderr barco start ctr
	assert_error "poststart"
	wait_for_status ctr stopped
}

@test "a failing poststop hook only warns: delete succeeds" {
	add_hook poststop "$(host_hook poststop 1)"
	create_ctr ctr
	barco start ctr
	run --separate-stderr barco delete -f ctr
	assert_success
	[[ "$stderr" == *poststop* ]] || { show_run; return 1; }
	assert_root_empty
	[ -e "$HOOKS/poststop.json" ]
}

@test "a hook that outlives its timeout fails create" {
	add_hook prestart '{"path": "/bin/sleep", "args": ["sleep", "30"], "timeout": 1}'
	local start=$SECONDS
	run --separate-stderr barco create -b "$BUNDLE" ctr
	assert_error "timed out"
	[ $((SECONDS - start)) -lt 10 ]
	assert_root_empty
}

@test "a poststop hook that outlives its timeout does not block delete" {
	add_hook poststop '{"path": "/bin/sleep", "args": ["sleep", "30"], "timeout": 1}'
	create_ctr ctr
	local start=$SECONDS
	run --separate-stderr barco delete -f ctr
	assert_success
	[ $((SECONDS - start)) -lt 10 ]
	[[ "$stderr" == *"timed out"* ]]
	assert_root_empty
}

@test "a hook within its timeout succeeds" {
	add_hook createRuntime "$(host_hook createRuntime | jq '.timeout = 10')"
	create_ctr ctr
	[ "$(status_of ctr)" = created ]
	[ -e "$HOOKS/createRuntime.json" ]
}

@test "a hook timeout of zero is a config error" {
	add_hook prestart '{"path": "/bin/true", "timeout": 0}'
	run --separate-stderr barco create -b "$BUNDLE" ctr
	assert_error "config.json: hooks.prestart[0].timeout: "
	assert_root_empty
}

@test "a hook without a path is a config error" {
	add_hook poststop '{"args": ["x"]}'
	run --separate-stderr barco create -b "$BUNDLE" ctr
	assert_error "config.json: hooks.poststop[0]"
	assert_root_empty
}
