#!/usr/bin/env bats
# The container lifecycle: create, start, state, kill, delete, run and list.

load helpers

# A process that exits 0 on SIGTERM and reports SIGUSR1/SIGUSR2 on stdout.  As the init of a
# pid namespace it only receives the signals it has handlers for.
TRAP_SCRIPT='trap "echo got-term; exit 0" TERM; trap "echo got-usr1" USR1; trap "echo got-usr2" USR2; echo ready; while :; do sleep 0.1; done'

@test "create leaves the container created, its process waiting for start" {
	create_ctr ctr
	[ ! -s "$BATS_TEST_TMPDIR/out" ]
	[ ! -s "$BATS_TEST_TMPDIR/err" ]
	[ "$(status_of ctr)" = created ]
	local pid
	pid=$(pid_of ctr)
	[ "$pid" -gt 0 ]
	[ -d "/proc/$pid" ]
	# Still the runtime's code (a sealed copy of it): the user process (sleep) has not been
	# executed.
	[ "$(readlink "/proc/$pid/exe")" = "/memfd:barco (deleted)" ]
	# The copy holds what execve needs (debug info and section headers may be left out).
	cmp -n "$(stat -L -c %s "/proc/$pid/exe")" "/proc/$pid/exe" "$BARCO"
}

@test "state prints every field of the OCI state" {
	update_config '.annotations = {"org.example.key": "value"}'
	create_ctr ctr
	run --separate-stderr barco state ctr
	assert_success
	local s=$output
	echo "$s" | jq -e . >/dev/null
	[ "$(echo "$s" | jq -r .ociVersion)" = 1.3.0 ]
	[ "$(echo "$s" | jq -r .id)" = ctr ]
	[ "$(echo "$s" | jq -r .status)" = created ]
	[ "$(echo "$s" | jq -r .pid)" -gt 1 ]
	[ "$(echo "$s" | jq -r .bundle)" = "$(readlink -f "$BUNDLE")" ]
	[ "$(echo "$s" | jq -r .rootfs)" = "$(readlink -f "$BUNDLE/rootfs")" ]
	[[ "$(echo "$s" | jq -r .created)" =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2} ]]
	[ "$(echo "$s" | jq -r .owner)" = root ] || [ "$(echo "$s" | jq -r .owner)" = 0 ] ||
		[ "$(echo "$s" | jq -r .owner)" = "" ]
	[ "$(echo "$s" | jq -r '.annotations["org.example.key"]')" = value ]
}

@test "start makes a created container running the configured process" {
	create_ctr ctr
	local pid
	pid=$(pid_of ctr)
	run --separate-stderr barco start ctr
	assert_success
	[ -z "$output" ]
	[ "$(status_of ctr)" = running ]
	[ "$(pid_of ctr)" = "$pid" ]
	[ "$(tr '\0' ' ' <"/proc/$pid/cmdline")" = "sleep 1000 " ]
	[ -f "$ROOT/ctr/state.json" ]
}

@test "a container whose process exits is stopped, with pid 0" {
	set_args true
	create_ctr ctr
	barco start ctr
	wait_for_status ctr stopped
	[ "$(pid_of ctr)" = 0 ]
}

@test "a stopped container can be deleted without --force" {
	set_args true
	create_ctr ctr
	barco start ctr
	wait_for_status ctr stopped
	run --separate-stderr barco delete ctr
	assert_success
	assert_root_empty
	run --separate-stderr barco state ctr
	assert_error "container does not exist"
}

@test "a created container can be deleted without --force, as with runc" {
	create_ctr ctr
	local pid
	pid=$(pid_of ctr)
	run --separate-stderr barco delete ctr
	assert_success
	wait_pid_gone "$pid"
	assert_root_empty
}

@test "deleting a running container without --force fails and leaves it running" {
	create_ctr ctr
	barco start ctr
	run --separate-stderr barco delete ctr
	assert_error "cannot delete container ctr that is not stopped: running"
	[ "$(status_of ctr)" = running ]
}

@test "delete --force kills a running container and removes it" {
	create_ctr ctr
	barco start ctr
	local pid
	pid=$(pid_of ctr)
	run --separate-stderr barco delete --force ctr
	assert_success
	wait_pid_gone "$pid"
	assert_root_empty
	run --separate-stderr barco list -q
	[ -z "$output" ]
}

@test "delete -f kills every process of the container" {
	set_args sh -c 'sleep 1000 & sleep 1000 & wait'
	create_ctr ctr
	barco start ctr
	local pid ns p children=()
	pid=$(pid_of ctr)
	ns=$(ns_of "$pid" pid)
	sleep 0.3
	for p in /proc/[0-9]*; do
		p=${p#/proc/}
		[ "$p" != "$pid" ] && [ "$(ns_of "$p" pid 2>/dev/null)" = "$ns" ] && children+=("$p")
	done
	[ "${#children[@]}" -eq 2 ]
	barco delete -f ctr
	for p in "$pid" "${children[@]}"; do
		wait_pid_gone "$p"
	done
}

@test "delete -f of a missing container succeeds" {
	create_ctr other
	run --separate-stderr barco delete -f nosuch
	assert_success
	[ -z "$stderr" ]
	[ "$(status_of other)" = created ]
}

@test "delete -f of a missing container succeeds when the state root does not exist yet" {
	[ ! -e "$ROOT" ]
	run --separate-stderr barco delete -f nosuch
	assert_success
	[ -z "$stderr" ]
}

@test "delete of a missing container fails" {
	run --separate-stderr barco delete nosuch
	assert_error "container does not exist"
}

@test "state of a missing container fails with exit status 1" {
	run --separate-stderr barco state nosuch
	assert_error "container does not exist: nosuch"
	[ -z "$output" ]
}

@test "start of a missing container fails" {
	run --separate-stderr barco start nosuch
	assert_error "container does not exist"
}

@test "kill of a missing container fails" {
	run --separate-stderr barco kill nosuch KILL
	assert_error "container does not exist"
}

@test "a second create with the same ID fails and keeps the first container" {
	create_ctr ctr
	local pid
	pid=$(pid_of ctr)
	run --separate-stderr barco create -b "$BUNDLE" ctr
	assert_error "container already exists: ctr"
	[ "$(status_of ctr)" = created ]
	[ "$(pid_of ctr)" = "$pid" ]
	barco start ctr
	[ "$(status_of ctr)" = running ]
}

@test "starting a running container fails" {
	create_ctr ctr
	barco start ctr
	run --separate-stderr barco start ctr
	assert_error "cannot start an already running container: ctr"
	[ "$(status_of ctr)" = running ]
}

@test "starting a stopped container fails" {
	set_args true
	create_ctr ctr
	barco start ctr
	wait_for_status ctr stopped
	run --separate-stderr barco start ctr
	assert_error "cannot start a container that has stopped: ctr"
}

@test "a created container whose init was killed is stopped and cannot start" {
	create_ctr ctr
	local pid
	pid=$(pid_of ctr)
	kill -KILL "$pid"
	wait_for_status ctr stopped
	run --separate-stderr barco start ctr
	assert_error "ctr"
	barco delete ctr
	assert_root_empty
}

@test "kill sends SIGTERM by default" {
	set_args sh -c "$TRAP_SCRIPT"
	create_ctr ctr
	barco start ctr
	wait_for_output ready
	run --separate-stderr barco kill ctr
	assert_success
	wait_for_status ctr stopped
	grep -qx got-term "$BATS_TEST_TMPDIR/out"
}

@test "kill accepts signal names with and without SIG, and numbers" {
	set_args sh -c "$TRAP_SCRIPT"
	create_ctr ctr
	barco start ctr
	wait_for_output ready
	barco kill ctr USR1
	wait_for_output got-usr1
	barco kill ctr SIGUSR2
	wait_for_output got-usr2
	: >"$BATS_TEST_TMPDIR/out"
	barco kill ctr "$(kill -l USR1)"
	wait_for_output got-usr1
	[ "$(status_of ctr)" = running ]
	barco kill ctr 9
	wait_for_status ctr stopped
}

@test "kill KILL stops a process that ignores SIGTERM" {
	set_args sh -c 'trap "" TERM; while :; do sleep 0.1; done'
	create_ctr ctr
	barco start ctr
	barco kill ctr TERM
	sleep 0.5
	[ "$(status_of ctr)" = running ]
	run --separate-stderr barco kill ctr SIGKILL
	assert_success
	wait_for_status ctr stopped
}

@test "kill with an unknown signal fails and sends nothing" {
	create_ctr ctr
	barco start ctr
	run --separate-stderr barco kill ctr SIGNOPE
	assert_error "NOPE"
	run --separate-stderr barco kill ctr 99999
	assert_error "99999"
	[ "$(status_of ctr)" = running ]
}

@test "kill of a stopped container fails with 'container not running'" {
	set_args true
	create_ctr ctr
	barco start ctr
	wait_for_status ctr stopped
	run --separate-stderr barco kill ctr KILL
	assert_error "container not running: ctr"
}

@test "kill KILL of a created container stops it" {
	create_ctr ctr
	run --separate-stderr barco kill ctr KILL
	assert_success
	wait_for_status ctr stopped
}

@test "run returns the exit status of the process" {
	run_sh 'exit 0'
	assert_success
	run_sh 'exit 3'
	[ "$status" -eq 3 ] || { show_run; return 1; }
	run_sh 'exit 42'
	[ "$status" -eq 42 ] || { show_run; return 1; }
	assert_root_empty
}

@test "run passes the process's output through" {
	run_sh 'echo to-stdout; echo to-stderr >&2'
	assert_success
	assert_output to-stdout
	[ "$stderr" = to-stderr ]
}

@test "run of a process killed by a signal returns 128+N" {
	# Without a pid namespace the shell is not an init: it can kill itself.
	update_config '.linux.namespaces |= map(select(.type != "pid"))'
	run_sh 'kill -TERM $$; sleep 5'
	[ "$status" -eq 143 ] || { show_run; return 1; }
	assert_root_empty
}

@test "run returns 137 when the container is killed with SIGKILL" {
	set_args sleep 1000
	"$BARCO" --root "$ROOT" run -b "$BUNDLE" ctr 3>&- &
	local runpid=$!
	KNOWN_PIDS+=("$runpid")
	wait_for_status ctr running
	barco kill ctr KILL
	local rc=0
	wait "$runpid" || rc=$?
	[ "$rc" -eq 137 ]
	assert_root_empty
}

@test "run forwards SIGTERM to the container" {
	set_args sh -c 'trap "exit 7" TERM; echo ready; while :; do sleep 0.1; done'
	"$BARCO" --root "$ROOT" run -b "$BUNDLE" ctr >"$BATS_TEST_TMPDIR/out" 3>&- &
	local runpid=$!
	KNOWN_PIDS+=("$runpid")
	wait_for_output ready
	kill -TERM "$runpid"
	local rc=0
	wait "$runpid" || rc=$?
	[ "$rc" -eq 7 ]
	assert_root_empty
}

@test "run -d returns once the container runs, and leaves it running" {
	run_detached ctr
	[ "$(status_of ctr)" = running ]
	local pid
	pid=$(pid_of ctr)
	[ "$(tr '\0' ' ' <"/proc/$pid/cmdline")" = "sleep 1000 " ]
	barco delete -f ctr
	wait_pid_gone "$pid"
}

@test "run -d --pid-file writes the container's pid" {
	run_detached --pid-file "$BATS_TEST_TMPDIR/pid" ctr
	[ "$(cat "$BATS_TEST_TMPDIR/pid")" = "$(pid_of ctr)" ]
}

@test "run of a failing config leaves nothing behind" {
	set_args /bin/no-such-binary
	run --separate-stderr barco run -b "$BUNDLE" ctr
	assert_error "no-such-binary"
	assert_root_empty
}

@test "create --pid-file writes the host pid of the init" {
	create_ctr --pid-file "$BATS_TEST_TMPDIR/ctr.pid" ctr
	local pid
	pid=$(cat "$BATS_TEST_TMPDIR/ctr.pid")
	[ "$pid" = "$(pid_of ctr)" ]
	[ -d "/proc/$pid" ]
	# The file holds only the number.
	[ "$(wc -c <"$BATS_TEST_TMPDIR/ctr.pid")" -le 8 ]
}

@test "create --pid-file with a relative path writes it in the current directory" {
	cd "$BATS_TEST_TMPDIR"
	barco create --pid-file rel.pid -b bundle ctr </dev/null >out 2>err
	[ "$(cat "$BATS_TEST_TMPDIR/rel.pid")" = "$(pid_of ctr)" ]
}

@test "create without --bundle uses the current directory" {
	cd "$BUNDLE"
	barco create ctr </dev/null >"$BATS_TEST_TMPDIR/out" 2>"$BATS_TEST_TMPDIR/err"
	[ "$(barco state ctr | jq -r .bundle)" = "$(readlink -f "$BUNDLE")" ]
}

@test "create with a missing bundle directory fails" {
	run --separate-stderr barco create -b "$BATS_TEST_TMPDIR/nobundle" ctr
	assert_error "nobundle"
	assert_root_empty
}

@test "list shows every container in a table" {
	create_ctr one
	create_ctr two
	barco start two
	run --separate-stderr barco list
	assert_success
	[ "${#lines[@]}" -eq 3 ]
	[[ "${lines[0]}" =~ ^ID\ +PID\ +STATUS\ +BUNDLE ]]
	echo "$output" | grep -qE "^one +$(pid_of one) +created +$(readlink -f "$BUNDLE") "
	echo "$output" | grep -qE "^two +$(pid_of two) +running +$(readlink -f "$BUNDLE") "
}

@test "list -f json prints an array of states" {
	create_ctr one
	create_ctr two
	barco start two
	run --separate-stderr barco list -f json
	assert_success
	[ "$(echo "$output" | jq length)" -eq 2 ]
	[ "$(echo "$output" | jq -r '.[] | select(.id == "one") | .status')" = created ]
	[ "$(echo "$output" | jq -r '.[] | select(.id == "two") | .status')" = running ]
	[ "$(echo "$output" | jq -r '.[] | select(.id == "two") | .pid')" = "$(pid_of two)" ]
	run --separate-stderr barco list --format json
	assert_success
	[ "$(echo "$output" | jq length)" -eq 2 ]
}

@test "list -q prints only the IDs" {
	create_ctr one
	create_ctr two
	run --separate-stderr barco list -q
	assert_success
	[ "$(printf '%s\n' "${lines[@]}" | sort | tr '\n' ' ')" = "one two " ]
}

@test "list shows stopped containers as stopped" {
	set_args true
	create_ctr ctr
	barco start ctr
	wait_for_status ctr stopped
	run --separate-stderr barco list -f json
	[ "$(echo "$output" | jq -r '.[0].status')" = stopped ]
	[ "$(echo "$output" | jq -r '.[0].pid')" = 0 ]
}

@test "run --rootfs runs a command with the default config" {
	local cwd=$BATS_TEST_TMPDIR/quick
	mkdir "$cwd"
	cd "$cwd"
	run --separate-stderr barco run --rootfs "$BUNDLE/rootfs" -- sh -c 'echo quick; id -u; hostname'
	assert_success
	[ "${lines[0]}" = quick ]
	[ "${lines[1]}" = 0 ]
	[ "${lines[2]}" = barco ]
	[ ! -e "$cwd/config.json" ]
	assert_root_empty
}

@test "run --rootfs --uid runs the command as that uid and gid" {
	cd "$BATS_TEST_TMPDIR"
	run --separate-stderr barco run --rootfs "$BUNDLE/rootfs" --uid 1000 -- sh -c 'id -u; id -g'
	assert_success
	[ "${lines[0]}" = 1000 ]
	[ "${lines[1]}" = 1000 ]
}

@test "run --rootfs returns the command's exit status" {
	cd "$BATS_TEST_TMPDIR"
	run --separate-stderr barco run --rootfs "$BUNDLE/rootfs" sh -c 'exit 5'
	[ "$status" -eq 5 ] || { show_run; return 1; }
	assert_root_empty
}

@test "run --rootfs with a missing directory fails" {
	cd "$BATS_TEST_TMPDIR"
	run --separate-stderr barco run --rootfs "$BATS_TEST_TMPDIR/nope" -- true
	assert_error "nope"
	assert_root_empty
}

@test "a full lifecycle leaves no state, process or mount behind" {
	create_ctr ctr
	local pid
	pid=$(pid_of ctr)
	[ "$(status_of ctr)" = created ]
	barco start ctr
	[ "$(status_of ctr)" = running ]
	barco kill ctr KILL
	wait_for_status ctr stopped
	barco delete ctr
	wait_pid_gone "$pid"
	assert_root_empty
}

@test "two concurrent creates of one ID: exactly one wins" {
	local i pids=() ok=0 rc
	for i in 1 2 3 4; do
		"$BARCO" --root "$ROOT" create -b "$BUNDLE" ctr </dev/null \
			>"$BATS_TEST_TMPDIR/out$i" 2>"$BATS_TEST_TMPDIR/err$i" 3>&- &
		pids+=($!)
	done
	for i in "${pids[@]}"; do
		rc=0
		wait "$i" || rc=$?
		[ "$rc" -eq 0 ] && ok=$((ok + 1))
	done
	[ "$ok" -eq 1 ]
	[ "$(barco list -q)" = ctr ]
	cat "$BATS_TEST_TMPDIR"/err* | grep -c "container already exists: ctr" | grep -qx 3
}

@test "a corrupt state.json fails state cleanly and delete -f still removes the entry" {
	create_ctr ctr
	local pid
	pid=$(pid_of ctr)
	echo garbage >"$ROOT/ctr/state.json"
	run --separate-stderr barco state ctr
	assert_error "state.json"
	run --separate-stderr barco delete -f ctr
	kill -KILL "$pid" 2>/dev/null || true
	assert_success
	assert_root_empty
}

@test "two concurrent starts: exactly one runs the process" {
	set_args sh -c 'echo started; sleep 1000'
	create_ctr ctr
	local i pids=() ok=0 rc
	for i in 1 2; do
		"$BARCO" --root "$ROOT" start ctr 2>"$BATS_TEST_TMPDIR/start$i.err" 3>&- &
		pids+=($!)
	done
	for i in "${pids[@]}"; do
		rc=0
		wait "$i" || rc=$?
		[ "$rc" -eq 0 ] && ok=$((ok + 1))
	done
	[ "$ok" -eq 1 ]
	[ "$(status_of ctr)" = running ]
	grep -q "already running" "$BATS_TEST_TMPDIR"/start*.err
	sleep 0.2
	[ "$(grep -c started "$BATS_TEST_TMPDIR/out")" -eq 1 ]
}

@test "run -d of a process that exits at once leaves a stopped container" {
	set_args true
	run_detached ctr
	wait_for_status ctr stopped
	barco delete ctr
	assert_root_empty
}
